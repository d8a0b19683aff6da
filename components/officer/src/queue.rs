//! `GET /api/officer/queue`: what waits for me, soonest due first.

use jaria_portal::audit::{self, ReadNote};
use jaria_portal::case::authz;
use jaria_portal::case::conduct;
use jaria_portal::filing::{lifecycle, store};
use jaria_portal::http::Reply;
use jaria_portal::identity::auth::{Desk, Principal};
use jaria_portal::platform::db::Db;
use jaria_portal::{ApiError, platform::clock};

pub(crate) const QUEUE_LIMIT: i64 = 200;

/// Access requests waiting in my cases, then my open filings, soonest due first.
pub(crate) async fn queue(desk: Desk<'_>) -> Result<Reply, ApiError> {
    let Desk { db, me, .. } = desk;
    audit::audited_read(db, &me.actor(), async |db| {
        let mut items = conduct::requests_in_my_cases(db, me, QUEUE_LIMIT).await?;
        // Filings waiting for my answer join the same queue, soonest due first.
        items.extend(open_for_queue(db, me, QUEUE_LIMIT).await?);
        items.sort_by(|a, b| a["due_at"].as_str().cmp(&b["due_at"].as_str()));
        items.truncate(QUEUE_LIMIT as usize);
        let note = ReadNote::new("queue_viewed", format!("person:{}", me.iin), None);
        Ok((
            Reply::json(200, &serde_json::json!({ "items": items }))?,
            note,
        ))
    })
    .await
}

/// Filings for the combined queue: open filings I receive, soonest due first.
async fn open_for_queue(
    db: &Db,
    me: &Principal,
    limit: i64,
) -> Result<Vec<serde_json::Value>, ApiError> {
    let (condition, params) = authz::received_filings_page_sql(me, lifecycle::OPEN_SQL, &[], limit);
    let filings = store::filings_where(
        db,
        &format!(
            "{condition} ORDER BY f.due_unix, f.id {}",
            jaria_portal::platform::db::limit(limit)
        ),
        &params,
    )
    .await?;
    let now = clock::now().timestamp();
    Ok(filings
        .iter()
        .map(|f| {
            let mut item = store::summary_json(f, now);
            item["kind"] = "filing".into();
            item["filing_kind"] = f.kind.as_str().into();
            item
        })
        .collect())
}
