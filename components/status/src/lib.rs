//! `status` — what I filed (or what was filed for me): the list, and each filing's timeline,
//! due date and whether it is overdue.

use jaria_portal::auth::{self, Principal};
use jaria_portal::db::{Db, col_int, col_opt_text, col_text, int, text};
use jaria_portal::http::{Method, Reply};
use jaria_portal::{ApiError, clock, paging};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    jaria_portal::http::serve("status", &req, |method, path| route(&req, method, path))
}

fn route(req: &Request, method: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let get = |run: &dyn Fn(&Principal) -> Result<Reply, ApiError>| match method {
        Method::Get => auth::authenticate(req).and_then(|me| run(&me)),
        _ => Err(ApiError::MethodNotAllowed { allow: "GET" }),
    };
    Some(match segments.as_slice() {
        ["filings"] => get(&|me| list(req, me)),
        ["filings", id] => get(&|me| timeline(me, id)),
        _ => return None,
    })
}

const OPEN_STATES: [&str; 4] = ["submitted", "registered", "under_review", "extended"];

fn list(req: &Request, me: &Principal) -> Result<Reply, ApiError> {
    let page = paging::parse(req.query())?;
    let kind = paging::query_param(req.query(), "kind");
    let state = paging::query_param(req.query(), "state");
    if kind.is_some_and(|k| !matches!(k, "crime_report" | "petition" | "complaint")) {
        return Err(ApiError::invalid(
            "kind",
            "invalid_kind",
            "One of crime_report, petition, complaint.",
        ));
    }
    let db = Db::open()?;
    let rows = db.query(
        "SELECT id, registration_number, kind, state, submitted_at, due_unix FROM filings
         WHERE (filer_iin = ? OR on_behalf_of_iin = ?) AND (? IS NULL OR kind = ?) AND (? IS NULL OR state = ?)
           AND id < ? ORDER BY id DESC LIMIT ?",
        &[
            text(&me.iin), text(&me.iin),
            jaria_portal::db::opt_text(kind), jaria_portal::db::opt_text(kind),
            jaria_portal::db::opt_text(state), jaria_portal::db::opt_text(state),
            int(page.before_id.unwrap_or(i64::MAX)), int(page.limit),
        ],
    )?;
    let now = clock::now().timestamp();
    let mut ids = Vec::new();
    let filings = rows
        .rows
        .iter()
        .map(|r| {
            let id = col_int(r, 0)?;
            ids.push(id);
            let state = col_text(r, 3)?;
            let due = col_int(r, 5)?;
            Ok(serde_json::json!({
                "id": id, "registration_number": col_text(r, 1)?, "kind": col_text(r, 2)?,
                "state": state, "submitted_at": col_text(r, 4)?,
                "due_at": clock::rfc3339(clock::from_unix(due)),
                "overdue": OPEN_STATES.contains(&state.as_str()) && due < now,
            }))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Reply::json(
        200,
        &serde_json::json!({ "filings": filings, "next_cursor": paging::next_cursor(&page, &ids) }),
    )
}

fn timeline(me: &Principal, id: &str) -> Result<Reply, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let db = Db::open()?;
    let row = db
        .one(
            "SELECT id, registration_number, kind, state, submitted_at, due_unix, filer_iin, on_behalf_of_iin, addressee, body
             FROM filings WHERE id = ? AND (filer_iin = ? OR on_behalf_of_iin = ?)",
            &[int(id), text(&me.iin), text(&me.iin)],
        )?
        .ok_or(ApiError::NotFound)?;
    let events = db.query(
        "SELECT at, kind, detail FROM filing_events WHERE filing_id = ? ORDER BY id",
        &[int(id)],
    )?;
    let timeline = events
        .rows
        .iter()
        .map(|r| {
            Ok(serde_json::json!({
                "at": col_text(r, 0)?, "event": col_text(r, 1)?,
                "detail": serde_json::from_str::<serde_json::Value>(&col_text(r, 2)?).unwrap_or_default(),
            }))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let state = col_text(&row, 3)?;
    let due = col_int(&row, 5)?;
    Reply::json(
        200,
        &serde_json::json!({
            "id": id, "registration_number": col_text(&row, 1)?, "kind": col_text(&row, 2)?,
            "state": state, "submitted_at": col_text(&row, 4)?,
            "due_at": clock::rfc3339(clock::from_unix(due)),
            "overdue": OPEN_STATES.contains(&state.as_str()) && due < clock::now().timestamp(),
            "filer_iin": col_text(&row, 6)?, "on_behalf_of_iin": col_opt_text(&row, 7),
            "addressee": col_text(&row, 8)?, "text": col_text(&row, 9)?,
            "timeline": timeline,
        }),
    )
}
