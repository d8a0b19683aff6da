//! A filing as its filer sends it, checked in two steps. [`FilingDraft`] takes the request's
//! fields on their own (pure: every rule that needs nothing stored, unit-tested here); then
//! [`resolve`] checks the draft against what it names (the case and the filer's place in it,
//! the organ, the challenged decision, the uploads) and gives the canonical content the
//! receipt's `content_sha256` covers and the filer's EDS signs. Both write nothing.

use serde::Deserialize;

use crate::ApiError;
use crate::case::store::{self, CaseRow};
use crate::case::{ErdrNumber, view};
use crate::identity::auth::Principal;
use crate::law::deadline::{Addressee, Kind, Subject};
use crate::law::iin::Iin;
use crate::platform::db::Db;

pub const MAX_ATTACHMENTS: usize = 10;
pub const MAX_TEXT_CHARS: usize = 20_000;

/// `POST /api/filings` (and `.../to-sign`) as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilingRequest {
    pub kind: String,
    #[serde(default)]
    pub erdr_number: Option<String>,
    #[serde(default)]
    pub on_behalf_of_iin: Option<String>,
    #[serde(default)]
    pub addressee: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub challenged_decision_id: Option<i64>,
    /// The organ a crime report is sent to (see `GET /api/filings/organs`).
    #[serde(default)]
    pub organ_id: Option<i64>,
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<String>,
    /// Filed by a person in custody (CPC art. 101): handed on within 24 hours.
    #[serde(default)]
    pub filed_in_detention: bool,
    /// A complaint by someone who holds no status in the case but whose interests an act in it
    /// affects (art. 100: a property owner, a person searched). It goes to the organ the ERDR
    /// number names, or its prosecutor's office, and tells the filer nothing of the case.
    #[serde(default)]
    pub affected_person: bool,
    /// A statement's: the language (`kk`, `ru`, `en`) in which the applicant was shown the
    /// warning of liability for a knowingly false report (art. 181). The warning goes into
    /// the signed content in that language: the applicant signs that they were warned.
    #[serde(default)]
    pub warning_language: Option<String>,
    /// The filer's CMS signature over the filing's canonical content (`POST .../to-sign`):
    /// base64 of DER, or PEM. Required for a statement about an offence (art. 181).
    #[serde(default)]
    pub signature: Option<String>,
}

/// A filing whose fields are each valid and agree with one another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingDraft {
    pub kind: Kind,
    /// A statement's is the investigator (it goes to an organ, [`FilingDraft::addressee_name`]).
    pub addressee: Addressee,
    pub subject: Subject,
    pub text: String,
    /// Upload ids, each named once.
    pub attachments: Vec<String>,
    pub on_behalf: Option<Iin>,
    /// A petition's or complaint's case; a statement has none.
    pub erdr: Option<ErdrNumber>,
    /// A statement's organ; a petition or complaint has none.
    pub organ_id: Option<i64>,
    pub challenged_decision_id: Option<i64>,
    pub filed_in_detention: bool,
    /// Art. 100: a complaint by a person who is no party to the case (see [`FilingRequest`]).
    pub affected_person: bool,
    /// A statement's: the language the false-report warning was shown in (art. 181).
    pub warning_language: Option<&'static str>,
}

impl TryFrom<&FilingRequest> for FilingDraft {
    type Error = ApiError;

    fn try_from(body: &FilingRequest) -> Result<Self, ApiError> {
        let kind = Kind::parse(&body.kind).ok_or_else(|| {
            ApiError::invalid(
                "kind",
                "invalid_kind",
                "One of crime_report, petition, complaint.",
            )
        })?;
        if body.filed_in_detention && kind == Kind::CrimeReport {
            return Err(ApiError::invalid(
                "filed_in_detention",
                "not_allowed",
                "Art. 101 concerns petitions and complaints of persons in custody.",
            ));
        }
        let addressee = addressee(kind, body.addressee.as_deref())?;
        let subject = subject(kind, body.subject.as_deref())?;
        let text = crate::http::text::bounded("text", &body.text, MAX_TEXT_CHARS)?;
        if body.attachments.len() > MAX_ATTACHMENTS {
            return Err(ApiError::invalid(
                "attachments",
                "too_many",
                "At most 10 attachments.",
            ));
        }
        // Named twice, an attachment would be listed twice in the signed receipt and once in
        // the filing, and the receipt would later read as invalid.
        if body
            .attachments
            .iter()
            .enumerate()
            .any(|(i, id)| body.attachments[..i].contains(id))
        {
            return Err(ApiError::invalid(
                "attachments",
                "duplicate_attachment",
                "An attachment is named twice: name each once.",
            ));
        }
        let on_behalf = body
            .on_behalf_of_iin
            .as_deref()
            .map(|i| {
                Iin::parse(i.trim()).map_err(|e| {
                    ApiError::invalid("on_behalf_of_iin", "invalid_iin", &e.to_string())
                })
            })
            .transpose()?;
        let erdr = ApiError::only_when(
            "erdr_number",
            kind != Kind::CrimeReport,
            body.erdr_number.as_deref(),
            "Name the case.",
            "A statement about an offence needs no case.",
        )?
        .map(|erdr| {
            ErdrNumber::parse(erdr.trim()).map_err(|e| {
                ApiError::invalid("erdr_number", "invalid_erdr_number", &e.to_string())
            })
        })
        .transpose()?;
        let organ_id = ApiError::only_when(
            "organ_id",
            kind == Kind::CrimeReport,
            body.organ_id,
            "Choose the organ the statement is sent to.",
            "A petition or complaint goes to the officers of its case.",
        )?;
        if on_behalf.is_some() && kind == Kind::CrimeReport {
            return Err(ApiError::invalid(
                "on_behalf_of_iin",
                "not_allowed",
                "Only petitions and complaints are filed on someone's behalf.",
            ));
        }
        if body.challenged_decision_id.is_some() && kind != Kind::Complaint {
            return Err(unknown_decision());
        }
        if body.affected_person {
            affected_persons_complaint(kind, &on_behalf, body.challenged_decision_id)?;
        }
        // Art. 181: a statement carries the applicant's acknowledgement of the false-report
        // warning, in the language they were shown it; nothing is filed without it.
        let warning_language = match (kind, body.warning_language.as_deref()) {
            (Kind::CrimeReport, None) => {
                return Err(ApiError::invalid(
                    "warning_language",
                    "required",
                    "A statement about an offence carries the applicant's acknowledgement of the false-report warning (art. 181): name the language it was shown in (kk, ru, en).",
                ));
            }
            (_, None) => None,
            (Kind::CrimeReport, Some(given)) => Some(warning_language(given)?),
            (_, Some(_)) => {
                return Err(ApiError::invalid(
                    "warning_language",
                    "not_allowed",
                    "Only a statement about an offence carries the false-report warning (art. 181).",
                ));
            }
        };
        Ok(FilingDraft {
            kind,
            addressee,
            subject,
            text,
            attachments: body.attachments.clone(),
            on_behalf,
            erdr,
            organ_id,
            challenged_decision_id: body.challenged_decision_id,
            filed_in_detention: body.filed_in_detention,
            affected_person: body.affected_person,
            warning_language,
        })
    }
}

/// The language a false-report warning was shown in, as the law data names its texts.
fn warning_language(given: &str) -> Result<&'static str, ApiError> {
    ["kk", "ru", "en"]
        .into_iter()
        .find(|l| *l == given)
        .ok_or_else(|| {
            ApiError::invalid(
                "warning_language",
                "invalid_language",
                "One of kk, ru, en: the language the warning was shown in.",
            )
        })
}

/// What an affected person's complaint (art. 100) may be: a complaint, in their own name, not
/// naming a decision (they were given none; naming one would ask whether it exists).
fn affected_persons_complaint(
    kind: Kind,
    on_behalf: &Option<Iin>,
    challenged_decision_id: Option<i64>,
) -> Result<(), ApiError> {
    if kind != Kind::Complaint {
        return Err(ApiError::invalid(
            "affected_person",
            "not_allowed",
            "Only a complaint is filed by a person whose interests an act affects (art. 100); a petition or statement is filed as usual.",
        ));
    }
    if on_behalf.is_some() {
        return Err(ApiError::invalid(
            "on_behalf_of_iin",
            "not_allowed",
            "An affected person complains in their own name.",
        ));
    }
    if challenged_decision_id.is_some() {
        return Err(ApiError::invalid(
            "challenged_decision_id",
            "not_allowed",
            "Describe the act in the text: an affected person names no decision of the case.",
        ));
    }
    Ok(())
}

impl FilingDraft {
    /// Whom the filing is to, as stored and signed: a statement goes to an organ.
    pub fn addressee_name(&self) -> &'static str {
        match self.kind {
            Kind::CrimeReport => "organ",
            _ => self.addressee.as_str(),
        }
    }
}

/// The addressee named, as its kind allows ([`Kind::addressees`]); none named is the kind's
/// default, if it has one.
fn addressee(kind: Kind, text: Option<&str>) -> Result<Addressee, ApiError> {
    let Some(name) = text else {
        return kind.default_addressee().ok_or_else(|| {
            ApiError::invalid("addressee", "required", "Name whom the complaint is to.")
        });
    };
    match Addressee::parse(name) {
        Some(a) if kind.addressees().contains(&a) => Ok(a),
        _ => Err(ApiError::invalid(
            "addressee",
            "invalid_addressee",
            "This addressee cannot receive this kind of filing.",
        )),
    }
}

/// Only a complaint has a subject (art. 105 gives some a shorter period).
fn subject(kind: Kind, text: Option<&str>) -> Result<Subject, ApiError> {
    let subject = Subject::parse(text.unwrap_or("other")).ok_or_else(|| {
        ApiError::invalid("subject", "invalid_subject", "Not a complaint subject.")
    })?;
    if !kind.subjects().contains(&subject) {
        return Err(ApiError::invalid(
            "subject",
            "not_allowed",
            "Only a complaint has a subject.",
        ));
    }
    Ok(subject)
}

/// Unknown, hidden and not a complaint's are refused alike (see [`resolve`]).
fn unknown_decision() -> ApiError {
    ApiError::invalid(
        "challenged_decision_id",
        "unknown_decision",
        "A complaint may name a decision of its case that was given to you.",
    )
}

/// The territorial prosecutor's office over `organ`, or why the portal cannot send it there.
async fn prosecutors_office_over(db: &Db, organ: i64) -> Result<i64, ApiError> {
    crate::identity::registry::territorial_prosecutors_office(db, organ)
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                "addressee",
                "no_prosecutors_office",
                "No prosecutor supervises this yet, and the portal knows no prosecutor's office over the organ: address a complaint to the head of the investigating unit or the investigating judge, or file it with the prosecutor's office on paper.",
            )
        })
}

/// A draft checked against everything it names, with its canonical content.
#[derive(Debug)]
pub struct Checked {
    pub draft: FilingDraft,
    pub case: Option<CaseRow>,
    /// The attachments' documents, sorted.
    pub attachment_shas: Vec<String>,
    /// What the receipt's `content_sha256` covers and the filer's EDS signs.
    pub content: String,
    /// The organ it goes to when no case of the filer's routes it: the prosecutor's office of a
    /// case none supervises, or the organ (or its office) an affected person's ERDR number
    /// names. Where it goes is the portal's routing, not part of what the filer signs.
    pub sent_to_organ: Option<i64>,
}

/// Checks `draft` as filing it by `me` at `now_unix` would, writing nothing.
pub async fn resolve(
    db: &Db,
    me: &Principal,
    draft: FilingDraft,
    now_unix: i64,
) -> Result<Checked, ApiError> {
    // Petitions and complaints: only within a case I am confirmed on (else 404, as for a case
    // that does not exist), and on someone's behalf only if I act for them there.
    let case = match &draft.erdr {
        None if draft.on_behalf.is_some() => {
            return Err(ApiError::invalid(
                "on_behalf_of_iin",
                "not_allowed",
                "Only petitions and complaints are filed on someone's behalf.",
            ));
        }
        None => None,
        // Art. 100: routed by the number alone, so nothing in the answer depends on whether
        // the case exists or what it holds.
        Some(_) if draft.affected_person => None,
        Some(erdr) => {
            let (case, mine) = store::case_for_participant(db, me, erdr.as_str()).await?;
            if let Some(principal) = &draft.on_behalf
                && !mine.iter().any(|p| {
                    p.status.acts_for_another()
                        && p.represented_iin.as_deref() == Some(principal.as_str())
                })
            {
                return Err(ApiError::invalid(
                    "on_behalf_of_iin",
                    "not_represented",
                    "You do not act for this person in this case.",
                ));
            }
            // Art. 42-1: a case gone back to paper takes nothing new through the portal.
            case.refuse_if_on_paper()?;
            Some(case)
        }
    };
    // Addressed to the prosecutor of a case no prosecutor supervises yet: it goes to the
    // territorial prosecutor's office over the case's organ (art. 100: a complaint is not
    // refused for want of an addressee). Only if the portal knows no such office would it go
    // overdue in silence; then say so now.
    let sent_to_organ = match (&case, &draft.erdr) {
        (Some(c), _) if draft.addressee == Addressee::Prosecutor && c.prosecutor_iin.is_none() => {
            Some(prosecutors_office_over(db, c.organ_id).await?)
        }
        (None, Some(erdr)) if draft.affected_person => {
            let organ = crate::identity::registry::organ_with_code(db, erdr.organ_code())
                .await?
                .ok_or_else(|| {
                    ApiError::invalid(
                        "erdr_number",
                        "unknown_organ_code",
                        "No organ on the portal registers ERDR numbers with these digits 3 to 8: check the number, or file the complaint with the organ on paper.",
                    )
                })?;
            Some(match draft.addressee {
                Addressee::Prosecutor => prosecutors_office_over(db, organ).await?,
                _ => organ,
            })
        }
        _ => None,
    };
    if let Some(organ) = draft.organ_id
        && !crate::identity::organ_exists(db, organ).await?
    {
        return Err(ApiError::invalid(
            "organ_id",
            "unknown_organ",
            "No such organ; choose one from /api/filings/organs.",
        ));
    }
    // A complaint may name only a decision its filer was given: any other would be an oracle
    // for the decisions hidden from them (refused or not tells that it exists), and would let
    // them pick which official is barred from deciding the complaint.
    if let Some(decision) = draft.challenged_decision_id {
        // The draft's own rule again: `resolve` may be given a draft built by hand.
        let given = match &case {
            Some(c) if draft.kind == Kind::Complaint => {
                view::decision_given_to(db, c.id, decision, &me.iin).await?
            }
            _ => false,
        };
        if !given {
            return Err(unknown_decision());
        }
    }
    let attachment_shas = attachments(db, me, &draft.attachments, now_unix).await?;
    let mut content = serde_json::json!({
        "kind": draft.kind.as_str(), "erdr_number": draft.erdr.as_ref().map(ErdrNumber::as_str),
        "organ_id": draft.organ_id, "on_behalf_of_iin": draft.on_behalf.as_ref().map(|i| i.as_str()),
        "addressee": draft.addressee_name(), "subject": draft.subject.as_str(),
        "challenged_decision_id": draft.challenged_decision_id, "text": draft.text,
        "attachments_sha256": attachment_shas,
    });
    // Only when set, so the content hash of every other filing stays as it was.
    if draft.filed_in_detention {
        content["filed_in_detention"] = true.into();
    }
    if draft.affected_person {
        content["affected_person"] = true.into();
    }
    // Art. 181: what the applicant was warned of, in the language they saw it in, signed with
    // the statement.
    if let Some(language) = draft.warning_language {
        let text = crate::law::shipped()
            .ok()
            .and_then(|law| law.false_report_warning.in_language(language))
            .ok_or_else(|| ApiError::Internal("the false-report warning is missing".into()))?;
        content["false_report_warning"] = serde_json::json!({
            "language": language, "text": text, "acknowledged": true,
        });
    }
    Ok(Checked {
        content: content.to_string(),
        draft,
        case,
        attachment_shas,
        sent_to_organ,
    })
}

/// The attachments' documents, sorted: each one mine, not yet attached and not expired (one
/// statement for all of them).
async fn attachments(
    db: &Db,
    me: &Principal,
    ids: &[String],
    now_unix: i64,
) -> Result<Vec<String>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(ids).map_err(|e| ApiError::Internal(e.to_string()))?;
    let found = super::store::unattached_uploads(db, &me.iin, &list, now_unix).await?;
    let mut shas = ids
        .iter()
        .map(|id| {
            found
                .iter()
                .find(|(found_id, _)| found_id == id)
                .map(|(_, sha)| sha.clone())
                .ok_or_else(|| {
                    ApiError::invalid(
                        "attachments",
                        "unknown_attachment",
                        "An attachment is unknown, expired or already used.",
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    shas.sort();
    Ok(shas)
}

#[cfg(test)]
mod tests;
