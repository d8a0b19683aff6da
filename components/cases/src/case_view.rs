//! What a confirmed participant sees of a case. Every read is written to the audit log in the
//! same transaction, so the person (and the officer) can later see who looked.

use jaria_portal::audit::ReadNote;
use jaria_portal::case::store::{self, CaseRow, Standing};
use jaria_portal::case::view;
use jaria_portal::http::Reply;
use jaria_portal::identity::auth::{self, Principal};
use jaria_portal::platform::db::{Db, int, limit, text};
use jaria_portal::{ApiError, audit, http::paging};

fn case_json(case: &CaseRow, standing: &Standing) -> serde_json::Value {
    let ended = standing.ended();
    serde_json::json!({
        "erdr_number": case.erdr_number,
        "registered_on": case.registered_on,
        "organ": { "id": case.organ_id, "name": case.organ_name },
        // Nothing new reaches someone whose statuses all ended: not the case's progress either.
        "articles": if ended { serde_json::Value::Null } else { case.articles.clone() },
        "stage": (!ended).then_some(&case.stage),
        "updated_at": (!ended).then_some(&case.updated_at),
        "my_statuses": standing.in_force.iter().map(|p| serde_json::json!({
            "participant_id": p.id, "procedural_status": p.status,
            "represented_iin": p.represented_iin,
        })).collect::<Vec<_>>(),
        "my_past_statuses": standing.past.iter().map(|p| serde_json::json!({
            "participant_id": p.status.id, "procedural_status": p.status.status,
            "represented_iin": p.status.represented_iin, "ended_on": p.ended_on,
        })).collect::<Vec<_>>(),
        // In force, or ended: then what was served stays, read-only.
        "access": if ended { "ended" } else { "in_force" },
        // Art. 42-1: the case went back to paper; the portal shows it read-only.
        "paper_since": (!ended).then_some(case.paper_since.as_ref()).flatten(),
        "read_only": ended || case.paper_since.is_some(),
        // Filings go only to a case where a status stands and that is still electronic.
        "may_file": !ended && case.paper_since.is_none(),
    })
}

/// Opens the case for me (404 if I never held a status in it), runs `read` on one snapshot,
/// and answers only once `action` is in the audit log.
pub(crate) async fn read_case<T>(
    req: &jaria_portal::http::Request,
    erdr: &str,
    action: &str,
    read: impl AsyncFn(&Db, &Principal, &CaseRow, &Standing) -> Result<(T, serde_json::Value), ApiError>,
) -> Result<T, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    audit::audited_read(&db, &me.actor(), async |db| {
        let (case, standing) = store::case_for_reader(db, &me, erdr).await?;
        let (value, detail) = read(db, &me, &case, &standing).await?;
        let subject = standing
            .in_force
            .first()
            .map(|p| p.id)
            .or_else(|| standing.past.first().map(|p| p.status.id))
            .map(|id| format!("participant:{id}"))
            .unwrap_or_default();
        Ok((
            value,
            ReadNote::new(action, subject, Some(case.id)).with_detail(detail),
        ))
    })
    .await
}

pub async fn list(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let page = paging::parse(req.query())?;
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let body =
        audit::audited_read(&db, &me.actor(), async |db| list_page(db, &me, &page).await).await?;
    Reply::json(200, &body)
}

async fn list_page(
    db: &Db,
    me: &Principal,
    page: &paging::Page,
) -> Result<(serde_json::Value, ReadNote), ApiError> {
    let cases = store::cases_where(
        db,
        &format!(
            "c.id IN (SELECT case_id FROM case_participants WHERE person_iin = ?
                      AND state IN ('confirmed', 'revoked') AND entered_in_error = 0
                      AND case_id IS NOT NULL)
             AND c.id < ? ORDER BY c.id DESC {}",
            limit(page.limit)
        ),
        &[text(&me.iin), int(page.before_id.unwrap_or(i64::MAX))],
    )
    .await?;
    let mut items = Vec::new();
    for case in &cases {
        // Statuses in force, and those that ended (a defender whose client's status ended no
        // longer holds theirs): the case stays in the list, read-only.
        let standing = store::standing(db, case.id, &me.iin).await?;
        // A status acting for someone who never held one never stood: no case of mine.
        if !standing.in_force.is_empty() || !standing.past.is_empty() {
            items.push(case_json(case, &standing));
        }
    }
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    Ok((
        serde_json::json!({ "cases": items, "next_cursor": paging::next_cursor(page, &ids) }),
        ReadNote::new("cases_listed", format!("person:{}", me.iin), None)
            .with_detail(serde_json::json!({ "count": ids.len() })),
    ))
}

pub async fn card(req: &jaria_portal::http::Request, erdr: &str) -> Result<Reply, ApiError> {
    let body = read_case(req, erdr, "case_viewed", async |db, me, case, standing| {
        let mut card = case_json(case, standing);
        // Who conducts it and what my statuses let me do; nothing new once they all ended.
        if !standing.ended() {
            card["officers"] = view::conducting_officers(db, case).await?;
            card["my_rights"] = view::rights_of(&standing.in_force);
            let viewer =
                store::effective_statuses(db, case.id, &me.iin, &standing.in_force).await?;
            card["investigation_term"] = view::investigation_term(
                db,
                case,
                jaria_portal::platform::clock::now(),
                Some(&viewer),
            )
            .await?
            .into();
        }
        Ok((card, serde_json::json!({})))
    })
    .await?;
    Reply::json(200, &body)
}

/// Who viewed or changed this case's data that concerns me: officers' views and changes of
/// the case and of my statuses, and my own reads. Other participants stay anonymous, and a
/// decision or material added that I may not see is no entry of mine: the entry alone would
/// tell that it exists, and when. (Left out in the query, before the page is cut, so that
/// neither a short page nor its cursor tells of one either.)
pub async fn access_log(req: &jaria_portal::http::Request, erdr: &str) -> Result<Reply, ApiError> {
    let page = paging::parse_time(req.query())?;
    let (entries, next) = read_case(
        req,
        erdr,
        "access_log_viewed",
        async |db, me, case, standing| {
            let (list, last, count) = view::access_log(db, me, case, standing, &page).await?;
            Ok((
                (list, paging::next_time_cursor(&page, last, count)),
                serde_json::json!({}),
            ))
        },
    )
    .await?;
    Reply::json(
        200,
        &serde_json::json!({ "entries": entries, "next_cursor": next }),
    )
}
