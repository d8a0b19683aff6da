//! My cases: the list, the card, registering a case and changing its stage and officers.

use jaria_portal::audit::ReadNote;
use jaria_portal::case::authz::{self, Act, OfficerCase};
use jaria_portal::case::conduct;
use jaria_portal::case::store::{self};
use jaria_portal::case::{ErdrNumber, Stage};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity;
use jaria_portal::identity::auth::Principal;
use jaria_portal::notice::notify::{self, Notice};
use jaria_portal::platform::db::{Db, int};
use jaria_portal::{ApiError, audit, http::paging, platform::clock};
use serde::Deserialize;

use crate::{case_json, record};
pub(crate) async fn my_cases(
    db: &Db,
    me: &Principal,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let page = paging::parse(req.query())?;
    let (condition, mut params) = authz::my_cases_sql(me);
    params.push(int(page.before_id.unwrap_or(i64::MAX)));
    params.push(int(page.limit));
    let cases = store::cases_where(
        db,
        &format!("{condition} AND c.id < ? ORDER BY c.id DESC LIMIT ?"),
        &params,
    )
    .await?;
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    Reply::json(
        200,
        &serde_json::json!({
            "cases": cases.iter().map(case_json).collect::<Vec<_>>(),
            "next_cursor": paging::next_cursor(&page, &ids),
        }),
    )
}

pub(crate) async fn case_card(db: &Db, me: &Principal, erdr: &str) -> Result<Reply, ApiError> {
    let body = audit::audited_read(db, &me.actor(), async |db| {
        let OfficerCase { case, relation } = authz::officer_case(db, me, erdr, Act::View).await?;
        let participants = conduct::participants_of(db, case.id).await?;
        let mut body = case_json(&case);
        body["my_relation"] = relation.as_str().into();
        body["participants"] = participants.into();
        body["grants"] = conduct::live_grants(db, case.id).await?.into();
        body["decisions"] = conduct::decisions_of(db, case.id).await?.into();
        body["materials"] = conduct::materials_of(db, case.id).await?.into();
        body["investigation_term"] = jaria_portal::case::view::investigation_term(
            db,
            &case,
            jaria_portal::platform::clock::now(),
            None,
        )
        .await?
        .into();
        Ok((
            body,
            ReadNote::new(
                "case_viewed",
                format!("case:{}", case.erdr_number),
                Some(case.id),
            ),
        ))
    })
    .await?;
    Reply::json(200, &body)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCase {
    erdr_number: String,
    registered_on: String,
    articles: Vec<String>,
    #[serde(default)]
    lead_officer_iin: Option<String>,
    #[serde(default)]
    prosecutor_iin: Option<String>,
}

/// The organ an active prosecutor serves in, if `iin` is one.
/// The organ of the active prosecutor `iin`, or 422 when they are none.
pub(crate) async fn prosecutor_organ(db: &Db, iin: &str) -> Result<i64, ApiError> {
    authz::supervising_organ(identity::appointment_of(db, iin).await?).ok_or_else(|| {
        ApiError::invalid(
            "prosecutor_iin",
            "not_a_prosecutor",
            "No active prosecutor has this IIN.",
        )
    })
}

/// 422 unless `iin` may lead a case of `organ_id` now.
pub(crate) async fn refuse_unless_may_lead(
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

pub(crate) async fn register_case(
    db: &Db,
    me: &Principal,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let organ = authz::registering_organ(me)?;
    let body: NewCase = json_body(req)?;
    let erdr = ErdrNumber::parse(body.erdr_number.trim())
        .map_err(|e| ApiError::invalid("erdr_number", "invalid_erdr_number", &e.to_string()))?;
    // Only numbers of my organ's code: a case of another organ (and the status requests
    // people sent for it) is not mine to register.
    authz::may_register(organ, &erdr)?;
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
    let lead = body.lead_officer_iin.unwrap_or_else(|| me.iin.clone());
    refuse_unless_may_lead(
        db,
        &lead,
        organ.id,
        "The lead officer must be an investigator or inquirer of your organ.",
    )
    .await?;
    let prosecutor_organ = match &body.prosecutor_iin {
        None => None,
        Some(p) => Some(prosecutor_organ(db, p).await?),
    };
    let now = clock::rfc3339(clock::now());
    let articles =
        serde_json::to_string(&body.articles).map_err(|e| ApiError::Internal(e.to_string()))?;
    let case = db
        .transaction(async |db| {
            if store::find_case(db, erdr.as_str()).await?.is_some() {
                return Err(ApiError::Conflict(
                    "A case with this ERDR number is registered.".into(),
                ));
            }
            let new_case = conduct::NewCase {
                erdr_number: erdr.as_str(),
                registered_on: &registered_on,
                organ_id: organ.id,
                lead_officer_iin: &lead,
                prosecutor_iin: body.prosecutor_iin.as_deref(),
                prosecutor_organ_id: prosecutor_organ,
                articles: &articles,
            };
            let case = conduct::register(db, &new_case, &now).await?;
            record(
                db,
                me,
                "case_registered",
                &format!("case:{}", erdr.as_str()),
                &case,
                serde_json::json!({}),
            )
            .await?;
            Ok(case)
        })
        .await?;
    Reply::json(201, &case_json(&case))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseChange {
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    lead_officer_iin: Option<String>,
    /// A supervising prosecutor assigned after registration.
    #[serde(default)]
    prosecutor_iin: Option<String>,
}

pub(crate) async fn update_case(
    db: &Db,
    me: &Principal,
    erdr: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: CaseChange = json_body(req)?;
    let stage = body
        .stage
        .as_deref()
        .map(|s| {
            Stage::parse(s)
                .ok_or_else(|| ApiError::invalid("stage", "invalid_stage", "Not a stage."))
        })
        .transpose()?;
    let case = db.transaction(async |db| {
        let mine = OfficerCase::find(db, me, erdr).await?;
        if stage.is_some() {
            mine.to(Act::ChangeStage)?;
        }
        if let Some(lead) = &body.lead_officer_iin {
            mine.to(Act::ReassignLead)?;
            refuse_unless_may_lead(db, lead, mine.case.organ_id, "Not an investigator of this organ.").await?;
        }
        let prosecutor_organ = match body.prosecutor_iin.as_deref() {
            Some(prosecutor) => {
                let organ = prosecutor_organ(db, prosecutor).await?;
                mine.may_assign_prosecutor(organ)?;
                Some(organ)
            }
            None => None,
        };
        let case = mine.case;
        let change = conduct::CaseChange {
            stage,
            lead_officer_iin: body.lead_officer_iin.as_deref(),
            prosecutor_iin: body.prosecutor_iin.as_deref(),
            prosecutor_organ_id: prosecutor_organ,
        };
        let updated = conduct::change(db, &case, &change, &clock::rfc3339(clock::now())).await?;
        if let Some(prosecutor) = &body.prosecutor_iin {
            record(
                db, me, "prosecutor_assigned", &format!("case:{}", case.erdr_number), &case,
                serde_json::json!({ "prosecutor_iin": prosecutor, "previous": case.prosecutor_iin }),
            ).await?;
        }
        record(
            db, me, "case_updated", &format!("case:{}", case.erdr_number), &case,
            serde_json::json!({ "stage": stage.map(|s| s.as_str()), "lead_officer_iin": body.lead_officer_iin }),
        ).await?;
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
    }).await?;
    Reply::json(200, &case_json(&case))
}
