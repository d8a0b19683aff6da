//! Free text people and officers type: trimmed, bounded in characters (not bytes, so Kazakh
//! and Russian get the same room as Latin), and for one-line fields free of control
//! characters. One rule, one wording of its errors, for every field.

use crate::ApiError;

/// Trimmed text of 1 to `max` characters (line breaks allowed).
pub fn bounded(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            "invalid_length",
            &format!("Write 1 to {max} characters."),
        ));
    }
    Ok(value.to_owned())
}

/// Trimmed text of 1 to `max` characters on one line: no line breaks or control characters.
pub fn single_line(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let value = bounded(field, value, max)?;
    if value.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            "control_characters",
            "Line breaks and control characters are not allowed here.",
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<String, ApiError>) -> String {
        match result {
            Err(ApiError::Unprocessable(errors)) => errors[0].code.clone(),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn length_counts_characters_after_trimming() {
        assert_eq!(bounded("f", "  Әлия  ", 4).unwrap(), "Әлия");
        assert_eq!(code(bounded("f", "Әлияс", 4)), "invalid_length");
        assert_eq!(code(bounded("f", "   ", 4)), "invalid_length");
    }

    #[test]
    fn one_line_fields_refuse_line_breaks_but_long_text_keeps_them() {
        assert_eq!(bounded("f", "a\nb", 10).unwrap(), "a\nb");
        assert_eq!(code(single_line("f", "a\nb", 10)), "control_characters");
        assert_eq!(code(single_line("f", "a\u{7}b", 10)), "control_characters");
    }
}
