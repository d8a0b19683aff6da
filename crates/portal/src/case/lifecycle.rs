//! A case registered by an officer of its organ, and changed afterwards: its stage, its lead
//! officer, its supervising prosecutor. The request's own fields are checked first
//! ([`Registration::parse`], plain and unit-tested), then who may do it as of now, then the
//! row with its audit row (and, for a stage change, the notices) in one transaction.

use serde::Deserialize;

use super::authz::{self, Act, OfficerCase};
use super::store::{self, CaseRow};
use super::{ErdrNumber, Stage, conduct};
use crate::ApiError;
use crate::audit;
use crate::identity::auth::Principal;
use crate::identity::{self, Organ};
use crate::notice::notify::{self, Notice};
use crate::platform::clock;
use crate::platform::db::Db;

/// `POST /api/officer/cases`: the body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCaseRequest {
    pub erdr_number: String,
    pub registered_on: String,
    pub articles: Vec<String>,
    #[serde(default)]
    pub lead_officer_iin: Option<String>,
    #[serde(default)]
    pub prosecutor_iin: Option<String>,
}

/// A registration's fields, checked on their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub erdr: ErdrNumber,
    pub registered_on: String,
    /// The qualifications, as JSON text (the column's form).
    pub articles: String,
    /// The registering officer unless another is named.
    pub lead_officer_iin: String,
    pub prosecutor_iin: Option<String>,
}

impl Registration {
    /// `registering_iin` leads the case unless the body names another lead officer.
    pub fn parse(body: &NewCaseRequest, registering_iin: &str) -> Result<Self, ApiError> {
        let erdr = ErdrNumber::parse(body.erdr_number.trim())
            .map_err(|e| ApiError::invalid("erdr_number", "invalid_erdr_number", &e.to_string()))?;
        let registered_on = clock::parse_date("registered_on", &body.registered_on)?;
        if body.articles.is_empty()
            || body
                .articles
                .iter()
                .any(|a| a.trim().is_empty() || a.chars().count() > 200)
        {
            return Err(ApiError::invalid(
                "articles",
                "invalid_articles",
                "Give at least one qualification.",
            ));
        }
        let articles =
            serde_json::to_string(&body.articles).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Registration {
            erdr,
            registered_on,
            articles,
            lead_officer_iin: body
                .lead_officer_iin
                .clone()
                .unwrap_or_else(|| registering_iin.to_owned()),
            prosecutor_iin: body.prosecutor_iin.clone(),
        })
    }
}

/// Registers `registration` in `organ` (mine): only numbers of my organ's code, a lead officer
/// who may lead there, a prosecutor who is one.
pub async fn register(
    db: &Db,
    me: &Principal,
    organ: &Organ,
    registration: &Registration,
) -> Result<CaseRow, ApiError> {
    // Only numbers of my organ's code: a case of another organ (and the status requests
    // people sent for it) is not mine to register.
    authz::may_register(organ, &registration.erdr)?;
    refuse_unless_may_lead(
        db,
        &registration.lead_officer_iin,
        organ.id,
        "The lead officer must be an investigator or inquirer of your organ.",
    )
    .await?;
    let prosecutor_organ = match &registration.prosecutor_iin {
        None => None,
        Some(p) => Some(prosecutor_organ(db, p).await?),
    };
    let now_time = clock::now();
    let now = clock::rfc3339(now_time);
    let erdr = registration.erdr.as_str();
    db.transaction(async |db| {
        if store::find_case(db, erdr).await?.is_some() {
            return Err(ApiError::Conflict(
                "A case with this ERDR number is registered.".into(),
            ));
        }
        let new_case = conduct::NewCase {
            erdr_number: erdr,
            registered_on: &registration.registered_on,
            organ_id: organ.id,
            lead_officer_iin: &registration.lead_officer_iin,
            prosecutor_iin: registration.prosecutor_iin.as_deref(),
            prosecutor_organ_id: prosecutor_organ,
            articles: &registration.articles,
        };
        let case = conduct::register(db, &new_case, &now).await?;
        let waiting = super::participants::announce_waiting_requests(db, &case, now_time).await?;
        let subject = format!("case:{erdr}");
        let detail = serde_json::json!({ "waiting_requests": waiting });
        audit::record_for_case(
            db,
            &me.actor(),
            "case_registered",
            &subject,
            Some(case.id),
            detail,
        )
        .await?;
        Ok(case)
    })
    .await
}

/// `PATCH /api/officer/cases/{erdr}`: the body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseChangeRequest {
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub lead_officer_iin: Option<String>,
    /// A supervising prosecutor assigned after registration.
    #[serde(default)]
    pub prosecutor_iin: Option<String>,
}

/// Changes the case as `body` asks, each part as the act it is (a stage change, a new lead, a
/// prosecutor assigned); the people in it are told of a new stage.
pub async fn change(
    db: &Db,
    me: &Principal,
    erdr: &str,
    body: &CaseChangeRequest,
) -> Result<CaseRow, ApiError> {
    let stage = body
        .stage
        .as_deref()
        .map(|s| {
            Stage::parse(s)
                .ok_or_else(|| ApiError::invalid("stage", "invalid_stage", "Not a stage."))
        })
        .transpose()?;
    db.transaction(async |db| {
        let mine = OfficerCase::find(db, me, erdr).await?;
        let prosecutor_organ = allowed_change(db, &mine, stage, body).await?;
        let case = mine.case;
        let change = conduct::CaseChange {
            stage,
            lead_officer_iin: body.lead_officer_iin.as_deref(),
            prosecutor_iin: body.prosecutor_iin.as_deref(),
            prosecutor_organ_id: prosecutor_organ,
        };
        let updated = conduct::change(db, &case, &change, &clock::rfc3339(clock::now())).await?;
        let subject = format!("case:{}", case.erdr_number);
        if let Some(prosecutor) = &body.prosecutor_iin {
            let detail = serde_json::json!({ "prosecutor_iin": prosecutor, "previous": case.prosecutor_iin });
            audit::record_for_case(db, &me.actor(), "prosecutor_assigned", &subject, Some(case.id), detail)
                .await?;
        }
        let detail = serde_json::json!({ "stage": stage.map(|s| s.as_str()), "lead_officer_iin": body.lead_officer_iin });
        audit::record_for_case(db, &me.actor(), "case_updated", &subject, Some(case.id), detail)
            .await?;
        if let Some(stage) = stage.filter(|s| s.as_str() != case.stage) {
            let people = store::people_in_force(db, case.id).await?;
            notify::send(
                db,
                people.iter().map(String::as_str),
                Notice::StageChanged,
                &updated.updated_at,
                &serde_json::json!({ "erdr_number": case.erdr_number, "stage": stage.as_str() }),
            )
            .await?;
        }
        Ok(updated)
    })
    .await
}

/// Whether I may make each part of the change, as of now; the new prosecutor's organ, if one
/// is assigned.
async fn allowed_change(
    db: &Db,
    mine: &OfficerCase,
    stage: Option<Stage>,
    body: &CaseChangeRequest,
) -> Result<Option<i64>, ApiError> {
    if stage.is_some() {
        mine.to(Act::ChangeStage)?;
    }
    if let Some(lead) = &body.lead_officer_iin {
        mine.to(Act::ReassignLead)?;
        let organ = mine.case.organ_id;
        refuse_unless_may_lead(db, lead, organ, "Not an investigator of this organ.").await?;
    }
    match body.prosecutor_iin.as_deref() {
        Some(prosecutor) => {
            let organ = prosecutor_organ(db, prosecutor).await?;
            mine.may_assign_prosecutor(organ)?;
            Ok(Some(organ))
        }
        None => Ok(None),
    }
}

/// The organ of the active prosecutor `iin`, or 422 when they are none.
async fn prosecutor_organ(db: &Db, iin: &str) -> Result<i64, ApiError> {
    authz::supervising_organ(identity::appointment_of(db, iin).await?).ok_or_else(|| {
        ApiError::invalid(
            "prosecutor_iin",
            "not_a_prosecutor",
            "No active prosecutor has this IIN.",
        )
    })
}

/// 422 unless `iin` may lead a case of `organ_id` now.
async fn refuse_unless_may_lead(
    db: &Db,
    iin: &str,
    organ_id: i64,
    detail: &str,
) -> Result<(), ApiError> {
    if authz::may_lead(identity::appointment_of(db, iin).await?, organ_id) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "lead_officer_iin",
            "not_an_investigator",
            detail,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{NewCaseRequest, Registration};

    fn request(fields: serde_json::Value) -> NewCaseRequest {
        let mut all = serde_json::json!({
            "erdr_number": "261234567890123", "registered_on": "2026-03-02", "articles": ["188 ч.1"],
        });
        for (k, v) in fields.as_object().unwrap() {
            all[k] = v.clone();
        }
        serde_json::from_value(all).unwrap()
    }

    #[test]
    fn a_registration_names_a_valid_number_a_date_and_its_qualifications() {
        let r = Registration::parse(&request(serde_json::json!({})), "880101300011").unwrap();
        assert_eq!(r.lead_officer_iin, "880101300011");
        assert_eq!(r.articles, r#"["188 ч.1"]"#);
        let named = request(serde_json::json!({ "lead_officer_iin": "870101300012" }));
        let named = Registration::parse(&named, "880101300011").unwrap();
        assert_eq!(named.lead_officer_iin, "870101300012");
        for (fields, field, code) in [
            (
                serde_json::json!({ "erdr_number": "12" }),
                "erdr_number",
                "invalid_erdr_number",
            ),
            (
                serde_json::json!({ "registered_on": "02.03.2026" }),
                "registered_on",
                "invalid_date",
            ),
            (
                serde_json::json!({ "articles": [] }),
                "articles",
                "invalid_articles",
            ),
            (
                serde_json::json!({ "articles": ["  "] }),
                "articles",
                "invalid_articles",
            ),
            (
                serde_json::json!({ "articles": ["x".repeat(201)] }),
                "articles",
                "invalid_articles",
            ),
        ] {
            let p = Registration::parse(&request(fields.clone()), "880101300011")
                .unwrap_err()
                .to_problem();
            assert_eq!(
                (
                    p.status,
                    p.errors[0].field.as_str(),
                    p.errors[0].code.as_str()
                ),
                (422, field, code),
                "{fields}"
            );
        }
    }
}
