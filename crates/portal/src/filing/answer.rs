//! An officer's answer to a filing as sent (`POST /api/officer/filings/{id}/decision`), and
//! [`AnswerDraft`]: its fields checked on their own and against one another (pure,
//! unit-tested). Whether this officer may give this outcome to this filing is
//! [`crate::law::handling::check_answer`]'s, once the filing is read.

use serde::Deserialize;

use crate::ApiError;
use crate::case::ErdrNumber;
use crate::law::handling::Outcome;

/// The longest reasoning an answer carries.
pub const MAX_REASONING_CHARS: usize = 20_000;
/// The longest name of an official a filing is forwarded to.
const MAX_FORWARDED_TO_CHARS: usize = 300;

/// The answer as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    pub outcome: String,
    pub reasoning: String,
    /// A registered crime report: the case it opened or joined.
    #[serde(default)]
    pub erdr_number: Option<String>,
    /// A forwarded petition or complaint: to whom.
    #[serde(default)]
    pub forwarded_to: Option<String>,
    /// A forwarded statement: the organ (from the list of organs) whose queue it moves to.
    #[serde(default)]
    pub forwarded_to_organ_id: Option<i64>,
    /// A registered statement: the officer also recognised the applicant as victim.
    #[serde(default)]
    pub applicant_is_victim: bool,
    #[serde(default)]
    pub document: Option<AnswerDocument>,
}

/// The answer's document, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerDocument {
    pub filename: String,
    pub content_base64: String,
    /// The officer's CMS signature over the document's bytes (detached).
    #[serde(default)]
    pub signature: Option<String>,
}

/// Where a forwarded filing went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardedTo {
    /// A petition or complaint: the official named in words.
    Official(String),
    /// A statement: the organ whose queue it moves to.
    Organ(i64),
}

/// An answer whose fields are each valid and agree with one another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerDraft {
    pub outcome: Outcome,
    pub reasoning: String,
    /// Only for [`Outcome::Forwarded`].
    pub forwarded_to: Option<ForwardedTo>,
    /// Only for [`Outcome::Registered`]: the case the statement opened or joined.
    pub erdr: Option<ErdrNumber>,
    /// Only for [`Outcome::Registered`].
    pub applicant_is_victim: bool,
}

impl AnswerDraft {
    /// The official named in words, when forwarded to one.
    pub fn forwarded_to_official(&self) -> Option<&str> {
        match &self.forwarded_to {
            Some(ForwardedTo::Official(name)) => Some(name),
            _ => None,
        }
    }

    /// The organ, when forwarded to one.
    pub fn forwarded_to_organ(&self) -> Option<i64> {
        match self.forwarded_to {
            Some(ForwardedTo::Organ(id)) => Some(id),
            _ => None,
        }
    }
}

impl TryFrom<&AnswerRequest> for AnswerDraft {
    type Error = ApiError;

    fn try_from(body: &AnswerRequest) -> Result<Self, ApiError> {
        let outcome = Outcome::parse(&body.outcome)
            .ok_or_else(|| ApiError::invalid("outcome", "invalid_outcome", "Not an outcome."))?;
        let reasoning =
            crate::http::text::bounded("reasoning", &body.reasoning, MAX_REASONING_CHARS)?;
        let forwarded_to = forwarded_to(
            outcome,
            body.forwarded_to.as_deref(),
            body.forwarded_to_organ_id,
        )?;
        if body.applicant_is_victim && outcome != Outcome::Registered {
            return Err(ApiError::invalid(
                "applicant_is_victim",
                "not_allowed",
                "Only a statement registered as a case makes its applicant a victim.",
            ));
        }
        let erdr = ApiError::only_when(
            "erdr_number",
            outcome == Outcome::Registered,
            body.erdr_number.as_deref(),
            "Name the ERDR case the statement was registered in.",
            "Only a registered statement names an ERDR case.",
        )?
        .map(|e| {
            ErdrNumber::parse(e.trim()).map_err(|e| {
                ApiError::invalid("erdr_number", "invalid_erdr_number", &e.to_string())
            })
        })
        .transpose()?;
        Ok(AnswerDraft {
            outcome,
            reasoning,
            forwarded_to,
            erdr,
            applicant_is_victim: body.applicant_is_victim,
        })
    }
}

/// A forwarded filing names where it went, one way: an official in words or an organ.
fn forwarded_to(
    outcome: Outcome,
    official: Option<&str>,
    organ: Option<i64>,
) -> Result<Option<ForwardedTo>, ApiError> {
    match (outcome, official, organ) {
        (Outcome::Forwarded, Some(_), Some(_)) => Err(ApiError::invalid(
            "forwarded_to",
            "not_allowed",
            "Name either the official (forwarded_to) or the organ (forwarded_to_organ_id).",
        )),
        (Outcome::Forwarded, Some(to), None) => Ok(Some(ForwardedTo::Official(
            crate::http::text::bounded("forwarded_to", to, MAX_FORWARDED_TO_CHARS)?,
        ))),
        (Outcome::Forwarded, None, Some(organ)) => Ok(Some(ForwardedTo::Organ(organ))),
        (Outcome::Forwarded, None, None) => Err(ApiError::invalid(
            "forwarded_to",
            "required",
            "Say to whom it is forwarded.",
        )),
        (_, Some(_), _) | (_, _, Some(_)) => Err(ApiError::invalid(
            "forwarded_to",
            "not_allowed",
            "Only a forwarded filing names where it went.",
        )),
        (_, None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests;
