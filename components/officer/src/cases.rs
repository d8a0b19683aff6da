//! My cases: the list, the card, registering a case and changing its stage and officers.

use jaria_portal::audit::ReadNote;
use jaria_portal::case::authz::{self, Act, OfficerCase};
use jaria_portal::case::store::{self};
use jaria_portal::case::{conduct, decision};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Desk;
use jaria_portal::platform::db::{int, limit};
use jaria_portal::{ApiError, audit, http::paging};

use jaria_portal::case::lifecycle::{self, CaseChangeRequest, NewCaseRequest, Registration};

use crate::case_json;

pub(crate) async fn my_cases(desk: Desk<'_>) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    audit::audited_read(db, &me.actor(), async |db| {
        let page = paging::parse(req.query())?;
        let (condition, mut params) = authz::my_cases_sql(me);
        params.push(int(page.before_id.unwrap_or(i64::MAX)));
        let order = format!("AND c.id < ? ORDER BY c.id DESC {}", limit(page.limit));
        let cases = store::cases_where(db, &format!("{condition} {order}"), &params).await?;
        let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
        let body = serde_json::json!({
            "cases": cases.iter().map(case_json).collect::<Vec<_>>(),
            "next_cursor": paging::next_cursor(&page, &ids),
        });
        let note = ReadNote::new("cases_listed", format!("person:{}", me.iin), None);
        Ok((Reply::json(200, &body)?, note))
    })
    .await
}

pub(crate) async fn case_card(desk: Desk<'_>, erdr: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, .. } = desk;
    let body = audit::audited_read(db, &me.actor(), async |db| {
        let found = authz::officer_case(db, me, erdr, Act::View).await?;
        let offered = serde_json::to_value(decision::offered_types(&found))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let OfficerCase { case, relation } = found;
        let participants = conduct::participants_of(db, case.id).await?;
        let mut body = case_json(&case);
        body["my_relation"] = relation.as_str().into();
        body["participants"] = participants.into();
        body["decision_types"] = offered;
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

/// `POST /api/officer/cases`: a case registered in my organ.
pub(crate) async fn register_case(desk: Desk<'_>) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let organ = authz::registering_organ(me)?;
    let body: NewCaseRequest = json_body(req)?;
    let registration = Registration::parse(&body, &me.iin)?;
    let case = lifecycle::register(db, me, organ, &registration).await?;
    Reply::json(201, &case_json(&case))
}

/// `PATCH /api/officer/cases/{erdr}`: its stage, lead officer or supervising prosecutor.
pub(crate) async fn update_case(desk: Desk<'_>, erdr: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let body: CaseChangeRequest = json_body(req)?;
    let case = lifecycle::change(db, me, erdr, &body).await?;
    Reply::json(200, &case_json(&case))
}
