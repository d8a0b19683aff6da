//! A decision or material an officer adds to a case: the request's fields checked on their
//! own ([`DecisionRequest::parse`], before anything is read), then the row, the notices to
//! everyone it reaches and what the audit row says, in the caller's transaction.

use serde::{Deserialize, Serialize};

use super::amend::{self, Amendment};
use super::authz::{self, Act};
use super::{conduct, store};
use crate::ApiError;
use crate::identity::auth::Principal;
use crate::law::DecisionType;
use crate::law::visibility::party_status;
use crate::notice::notify::{self, Notice};
use crate::platform::clock;
use crate::platform::db::Db;

/// `POST /api/officer/cases/{erdr}/decisions` and `…/materials`: the body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDocument {
    pub title: String,
    pub filename: String,
    pub content_base64: String,
    #[serde(default, rename = "type")]
    pub decision_type: Option<String>,
    #[serde(default)]
    pub decided_on: Option<String>,
    #[serde(default)]
    pub concerns_iin: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    /// A material no familiarisation grant opens (a state secret, covert work).
    #[serde(default)]
    pub restricted: bool,
    /// A material concerning the civil claim: the only ones a civil party's grant opens.
    #[serde(default)]
    pub civil_claim: bool,
    /// The officer's CMS signature over the document's bytes (detached), as NCALayer or the
    /// page's `.p12` signing makes it: base64 of DER, or PEM.
    #[serde(default)]
    pub signature: Option<String>,
    /// The earlier decision of the case this one annuls or corrects (`amendment`).
    #[serde(default)]
    pub amends_decision_id: Option<i64>,
    #[serde(default)]
    pub amendment: Option<String>,
    /// An extension of the investigation's period: its new last day (art. 192).
    #[serde(default)]
    pub extended_until: Option<String>,
}

/// A document as stored for a decision or material, in the request's transaction.
pub struct StoredDocument<'a> {
    pub title: &'a str,
    pub filename: &'a str,
    pub sha: String,
    pub now: &'a str,
}

/// Adds the decision (a new one, or one annulling or correcting an earlier decision) and tells
/// everyone it reaches; answers its id and the audit row's action and detail.
pub async fn add_decision(
    db: &Db,
    me: &Principal,
    mine: &authz::OfficerCase,
    decision: &DecisionRequest,
    stored: &StoredDocument<'_>,
) -> Result<(i64, &'static str, serde_json::Value), ApiError> {
    let case = &mine.case;
    let mut amended_until = None;
    let (kind, concerns) = match (decision.amends, decision.kind) {
        (Some((how, amended_id)), named_kind) => {
            let amended = amend::amended(db, case.id, amended_id).await?;
            let named = amend::Named {
                kind: named_kind,
                concerns_iin: decision.concerns.as_deref(),
            };
            // A correction of an extension keeps its last day unless it names another.
            if how == Amendment::Corrects {
                amended_until = amended.extended_until.clone();
            }
            amend::check(how, &amended, &me.iin, mine.relation, named)?
        }
        (None, Some(kind)) => (kind, decision.concerns.clone()),
        (None, None) => return Err(DecisionRequest::type_required()),
    };
    let extended_until = decision.extended_until_for(kind, amended_until)?;
    // No officer decides a matter about themselves, a decision included.
    mine.not_concerning(me, &[concerns.as_deref()])?;
    let new = conduct::NewDecision {
        kind,
        concerns_iin: concerns.as_deref(),
        decided_on: &decision.decided_on,
        officer_iin: &me.iin,
        title: stored.title,
        document_sha256: &stored.sha,
        filename: stored.filename,
        amends: decision.amends.map(|(how, id)| (id, how)),
        extended_until: extended_until.as_deref(),
    };
    let id = conduct::add_decision(db, case, &new, stored.now).await?;
    // Everyone who may now see it is told, in the same transaction: an amendment reaches
    // whom the decision it amends reached.
    let recipients = store::decision_recipients(db, case.id, kind, concerns.as_deref()).await?;
    let (notice, action) = match decision.amends {
        None => (Notice::DecisionAvailable, "decision_added"),
        Some((Amendment::Annuls, _)) => (Notice::DecisionAnnulled, "decision_annulled"),
        Some((Amendment::Corrects, _)) => (Notice::DecisionCorrected, "decision_corrected"),
    };
    let amends = decision.amends.map(|(_, id)| id);
    notify::send(
        db,
        recipients.iter().map(String::as_str),
        notice,
        stored.now,
        &serde_json::json!({
            "erdr_number": case.erdr_number, "decision_id": id,
            "type": kind.as_str(), "title": stored.title, "amends_decision_id": amends,
        }),
    )
    .await?;
    Ok((
        id,
        action,
        serde_json::json!({ "id": id, "amends": amends }),
    ))
}

/// Adds the material; answers its id and the audit row's action and detail.
pub async fn add_material(
    db: &Db,
    me: &Principal,
    case: &crate::case::store::CaseRow,
    body: &NewDocument,
    stored: &StoredDocument<'_>,
) -> Result<(i64, &'static str, serde_json::Value), ApiError> {
    let kind = body.kind.as_deref().unwrap_or("document").trim().to_owned();
    let new = conduct::NewMaterial {
        title: stored.title,
        kind: &kind,
        document_sha256: &stored.sha,
        filename: stored.filename,
        added_by: &me.iin,
        restricted: body.restricted,
        civil_claim: body.civil_claim,
    };
    let id = conduct::add_material(db, case, &new, stored.now).await?;
    Ok((id, "material_added", serde_json::json!({ "id": id })))
}

/// A decision's own fields, checked before anything is stored.
pub struct DecisionRequest {
    /// Required of a new decision; an amendment may leave it out (it is the amended one's).
    kind: Option<DecisionType>,
    decided_on: String,
    /// The person a personal decision is about.
    concerns: Option<String>,
    /// What it does to an earlier decision of the case, and which.
    amends: Option<(Amendment, i64)>,
    /// An extension's new last day of the period.
    extended_until: Option<String>,
}

impl DecisionRequest {
    pub fn parse(body: &NewDocument) -> Result<DecisionRequest, ApiError> {
        for (set, field) in [
            (body.restricted, "restricted"),
            (body.civil_claim, "civil_claim"),
        ] {
            if set {
                return Err(ApiError::invalid(
                    field,
                    "not_allowed",
                    "A decision reaches whom the law gives it; only a material is restricted or marked as the civil claim's.",
                ));
            }
        }
        let amends = match (body.amendment.as_deref(), body.amends_decision_id) {
            (None, None) => None,
            (Some(how), Some(id)) => Some((
                Amendment::parse(how).ok_or_else(|| {
                    ApiError::invalid("amendment", "invalid_amendment", "One of annuls, corrects.")
                })?,
                id,
            )),
            (None, Some(_)) | (Some(_), None) => {
                return Err(ApiError::invalid(
                    "amends_decision_id",
                    "required",
                    "An amendment names both the decision it amends and how (annuls or corrects).",
                ));
            }
        };
        let kind = match body.decision_type.as_deref() {
            Some(text) => {
                Some(DecisionType::parse(text).ok_or_else(DecisionRequest::type_required)?)
            }
            None if amends.is_some() => None,
            None => return Err(DecisionRequest::type_required()),
        };
        let decided_on = clock::parse_date("decided_on", body.decided_on.as_deref().unwrap_or(""))?;
        let concerns = match &body.concerns_iin {
            // A person, a legal entity (recognised as victim, civil plaintiff or defendant) or a
            // recorded foreigner.
            Some(iin) => Some(
                crate::law::party::Party::principal("concerns_iin", iin)?
                    .as_str()
                    .to_owned(),
            ),
            None => None,
        };
        // A personal decision names its person (an amendment has the amended one's).
        if amends.is_none() && concerns.is_none() && kind.and_then(party_status).is_some() {
            return Err(ApiError::invalid(
                "concerns_iin",
                "required",
                "A personal decision must name the person it is about.",
            ));
        }
        let extended_until = body
            .extended_until
            .as_deref()
            .map(|until| clock::parse_date("extended_until", until))
            .transpose()?;
        if extended_until
            .as_ref()
            .is_some_and(|until| *until <= decided_on)
        {
            return Err(ApiError::invalid(
                "extended_until",
                "out_of_range",
                "An extension's new last day comes after the day it is decided.",
            ));
        }
        Ok(DecisionRequest {
            kind,
            decided_on,
            concerns,
            amends,
            extended_until,
        })
    }

    /// The new last day the decision records: an extension's own (or, for a correction, the
    /// corrected one's); nothing for any other decision or for an annulment.
    pub fn extended_until_for(
        &self,
        kind: DecisionType,
        amended_until: Option<String>,
    ) -> Result<Option<String>, ApiError> {
        let annuls = matches!(self.amends, Some((Amendment::Annuls, _)));
        match (
            kind == DecisionType::ExtensionOfInvestigationPeriod && !annuls,
            &self.extended_until,
        ) {
            (true, Some(until)) => Ok(Some(until.clone())),
            (true, None) => amended_until.map(Some).ok_or_else(|| {
                ApiError::invalid(
                    "extended_until",
                    "required",
                    "An extension of the investigation's period names its new last day (art. 192).",
                )
            }),
            (false, Some(_)) => Err(ApiError::invalid(
                "extended_until",
                "not_allowed",
                "Only an extension of the investigation's period names a new last day.",
            )),
            (false, None) => Ok(None),
        }
    }

    pub fn type_required() -> ApiError {
        ApiError::invalid("type", "invalid_decision_type", "Not a decision type.")
    }

    /// The act of the authorisation table this decision is.
    pub fn act(&self) -> Act {
        match (self.amends, self.kind) {
            (Some((how, _)), _) => how.act(),
            (None, Some(kind)) => act_of(kind),
            (None, None) => Act::AddDecision,
        }
    }
}

/// The act of the authorisation table that adding a decision of this type is.
fn act_of(kind: DecisionType) -> Act {
    match kind {
        DecisionType::SwitchToPaper => Act::SwitchToPaper,
        _ => Act::AddDecision,
    }
}

/// A decision type the officer's form offers, and whether the decision names the person it
/// concerns (`concerns_iin`): the client learns both here rather than keeping its own list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OfferedType {
    #[serde(rename = "type")]
    pub kind: DecisionType,
    pub concerns_person: bool,
}

/// The decision types I may add to this case now, by the same table that checks the request
/// ([`authz::OfficerCase::to`]): none on a paper case, no switch to paper for the prosecutor.
pub fn offered_types(found: &authz::OfficerCase) -> Vec<OfferedType> {
    DecisionType::ALL
        .into_iter()
        .filter(|&kind| found.to(act_of(kind)).is_ok())
        .map(|kind| OfferedType {
            kind,
            concerns_person: party_status(kind).is_some(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Act, Amendment, DecisionRequest, DecisionType, NewDocument};

    fn body(fields: serde_json::Value) -> NewDocument {
        let mut all = serde_json::json!({
            "title": "t", "filename": "d.pdf", "content_base64": "", "decided_on": "2026-03-02",
        });
        for (k, v) in fields.as_object().unwrap() {
            all[k] = v.clone();
        }
        serde_json::from_value(all).unwrap()
    }

    fn refusal(fields: serde_json::Value) -> (String, String) {
        let p = DecisionRequest::parse(&body(fields))
            .err()
            .unwrap()
            .to_problem();
        assert_eq!(p.status, 422);
        (p.errors[0].field.clone(), p.errors[0].code.clone())
    }

    #[test]
    fn a_decision_names_its_type_date_and_person_and_only_an_extension_a_last_day() {
        let ok =
            DecisionRequest::parse(&body(serde_json::json!({ "type": "suspension" }))).unwrap();
        assert_eq!(ok.kind, Some(DecisionType::Suspension));
        assert_eq!(ok.act(), Act::AddDecision);
        let personal =
            serde_json::json!({ "type": "recognition_as_victim", "concerns_iin": "900101300017" });
        assert!(DecisionRequest::parse(&body(personal)).is_ok());
        for (fields, field, code) in [
            (serde_json::json!({}), "type", "invalid_decision_type"),
            (
                serde_json::json!({ "type": "pardon" }),
                "type",
                "invalid_decision_type",
            ),
            (
                serde_json::json!({ "type": "suspension", "decided_on": "2.3.2026" }),
                "decided_on",
                "invalid_date",
            ),
            (
                serde_json::json!({ "type": "recognition_as_victim" }),
                "concerns_iin",
                "required",
            ),
            (
                serde_json::json!({ "type": "suspension", "restricted": true }),
                "restricted",
                "not_allowed",
            ),
            (
                serde_json::json!({ "type": "suspension", "civil_claim": true }),
                "civil_claim",
                "not_allowed",
            ),
            (
                serde_json::json!({ "type": "suspension", "amends_decision_id": 3 }),
                "amends_decision_id",
                "required",
            ),
            (
                serde_json::json!({ "amendment": "annuls" }),
                "amends_decision_id",
                "required",
            ),
            (
                serde_json::json!({ "amendment": "revokes", "amends_decision_id": 3 }),
                "amendment",
                "invalid_amendment",
            ),
            (
                serde_json::json!({ "type": "extension_of_investigation_period", "extended_until": "2026-03-02" }),
                "extended_until",
                "out_of_range",
            ),
        ] {
            assert_eq!(
                refusal(fields.clone()),
                (field.to_owned(), code.to_owned()),
                "{fields}"
            );
        }
    }

    #[test]
    fn an_amendment_takes_the_amended_type_and_is_its_own_act() {
        let annul = serde_json::json!({ "amendment": "annuls", "amends_decision_id": 3 });
        let annul = DecisionRequest::parse(&body(annul)).unwrap();
        assert_eq!(annul.kind, None);
        assert_eq!(annul.amends, Some((Amendment::Annuls, 3)));
        assert_eq!(annul.act(), Amendment::Annuls.act());
        let paper = DecisionRequest::parse(&body(serde_json::json!({ "type": "switch_to_paper" })));
        assert_eq!(paper.unwrap().act(), Act::SwitchToPaper);
    }

    #[test]
    fn an_extension_names_its_last_day_or_keeps_the_corrected_ones() {
        let extension = DecisionType::ExtensionOfInvestigationPeriod;
        let named = serde_json::json!({ "type": "extension_of_investigation_period", "extended_until": "2026-05-02" });
        let named = DecisionRequest::parse(&body(named)).unwrap();
        assert_eq!(
            named
                .extended_until_for(extension, None)
                .unwrap()
                .as_deref(),
            Some("2026-05-02")
        );
        let bare = serde_json::json!({ "type": "extension_of_investigation_period" });
        let bare = DecisionRequest::parse(&body(bare)).unwrap();
        assert!(bare.extended_until_for(extension, None).is_err());
        assert_eq!(
            bare.extended_until_for(extension, Some("2026-04-01".into()))
                .unwrap()
                .as_deref(),
            Some("2026-04-01")
        );
        assert!(
            named
                .extended_until_for(DecisionType::Suspension, None)
                .is_err()
        );
    }
}
