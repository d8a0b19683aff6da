//! The ERDR registration number: exactly 15 digits. Its inner layout (year, region, district,
//! agency, a fixed digit, a sequence) is our inference from real numbers, so only length and
//! digits are enforced.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ErdrNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an ERDR number is exactly 15 digits")]
pub struct ErdrError;

impl ErdrNumber {
    pub fn parse(text: &str) -> Result<Self, ErdrError> {
        if text.len() == 15 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(ErdrError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits 3 to 8: region, district and agency — the code of the organ that registers it.
    pub fn organ_code(&self) -> &str {
        &self.0[2..8]
    }
}

impl fmt::Display for ErdrNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organ_code_is_digits_three_to_eight() {
        assert_eq!(
            ErdrNumber::parse("267511031000123").unwrap().organ_code(),
            "751103"
        );
    }

    #[test]
    fn fifteen_digits_exactly() {
        assert!(ErdrNumber::parse("257511031000123").is_ok());
        assert!(ErdrNumber::parse("25751103100012").is_err());
        assert!(ErdrNumber::parse("2575110310001234").is_err());
        assert!(ErdrNumber::parse("25751103100012a").is_err());
        assert!(ErdrNumber::parse("25751103100012٣").is_err());
        assert!(ErdrNumber::parse("").is_err());
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn parse_never_panics_and_accepts_exactly_fifteen_ascii_digits(text in any::<String>()) {
            let expected = text.len() == 15 && text.bytes().all(|b| b.is_ascii_digit());
            prop_assert_eq!(ErdrNumber::parse(&text).is_ok(), expected, "{:?}", text);
        }

        #[test]
        fn near_misses_are_refused(text in "[0-9٠-٩０-９ +-]{13,17}") {
            let expected = text.len() == 15 && text.bytes().all(|b| b.is_ascii_digit());
            prop_assert_eq!(ErdrNumber::parse(&text).is_ok(), expected, "{:?}", text);
        }

        #[test]
        fn every_fifteen_digits_parse_and_round_trip(text in "[0-9]{15}") {
            let erdr = ErdrNumber::parse(&text)
                .map_err(|e| TestCaseError::fail(format!("{text} refused: {e}")))?;
            prop_assert_eq!(erdr.as_str(), text.as_str());
            prop_assert_eq!(ErdrNumber::parse(&erdr.to_string()), Ok(erdr));
        }
    }
}
