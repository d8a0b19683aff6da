//! `status` — what I filed (or what was filed for me): the list, each filing's timeline, due
//! date, whether it is overdue, the answer and its documents; and my notification feed.

use jaria_portal::filing::{signature, store};
use jaria_portal::http::Request;
use jaria_portal::http::{Method, Reply};
use jaria_portal::identity::auth::{self, Principal, signed_in};
use jaria_portal::platform::db::Db;
use jaria_portal::{ApiError, http::documents, http::paging, notice::notify, platform::clock};

jaria_portal::entry!("status", route);

async fn route(req: &Request, _: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (get, post) = ((Method::Get, "GET"), (Method::Post, "POST"));
    Some(match segments.as_slice() {
        ["filings"] => signed_in(req, get.0, get.1, async |db, me| list(db, req, me).await).await,
        ["filings", id] => {
            signed_in(req, get.0, get.1, async |db, me| timeline(db, me, id).await).await
        }
        ["filings", id, "documents", sha] => {
            signed_in(req, get.0, get.1, async |db, me| {
                document(db, req, me, id, sha).await
            })
            .await
        }
        ["filings", id, "documents", sha, "signature"] => {
            signed_in(req, get.0, get.1, async |db, me| {
                let filing = store::find_mine(db, &me.iin, id).await?;
                store::answer_signature(db, &filing, sha).await
            })
            .await
        }
        ["filings", id, "signature"] => {
            signed_in(req, get.0, get.1, async |db, me| {
                signed_part(db, me, id, signature::Part::Cms).await
            })
            .await
        }
        ["filings", id, "signed-content"] => {
            signed_in(req, get.0, get.1, async |db, me| {
                signed_part(db, me, id, signature::Part::Content).await
            })
            .await
        }
        ["notifications"] => {
            signed_in(req, get.0, get.1, async |db, me| {
                notifications(db, req, me).await
            })
            .await
        }
        ["notifications", "read-all"] => {
            signed_in(req, post.0, post.1, async |db, me| read_all(db, me).await).await
        }
        ["notifications", id, "read"] => {
            signed_in(req, post.0, post.1, async |db, me| read(db, me, id).await).await
        }
        _ => return None,
    })
}

async fn list(db: &Db, req: &Request, me: &Principal) -> Result<Reply, ApiError> {
    let page = paging::parse(req.query())?;
    let kind = jaria_portal::filing::kind_in_query(req.query())?;
    let state = jaria_portal::filing::state_in_query(req.query())?;
    let before = page.before_id.unwrap_or(i64::MAX);
    let filings = store::mine_page(db, &me.iin, before, page.limit, kind, state).await?;
    let now = clock::now().timestamp();
    let ids: Vec<i64> = filings.iter().map(|f| f.id).collect();
    let items: Vec<serde_json::Value> = filings
        .iter()
        .map(|f| store::summary_json(f, now))
        .collect();
    Reply::json(
        200,
        &serde_json::json!({ "filings": items, "next_cursor": paging::next_cursor(&page, &ids) }),
    )
}

async fn timeline(db: &Db, me: &Principal, id: &str) -> Result<Reply, ApiError> {
    let filing = store::find_mine(db, &me.iin, id).await?;
    let mut body = store::detail_json(db, &filing, clock::now().timestamp()).await?;
    body["may_withdraw"] = jaria_portal::filing::lifecycle::may_withdraw(&filing, &me.iin).into();
    Reply::json(200, &body)
}

async fn document(
    db: &Db,
    req: &Request,
    me: &Principal,
    id: &str,
    sha: &str,
) -> Result<Reply, ApiError> {
    let filing = store::find_mine(db, &me.iin, id).await?;
    let name = store::document_name(db, &filing, sha)
        .await?
        .ok_or(ApiError::NotFound)?;
    let doc = documents::load(db, sha).await?;
    let header = |name: &str| auth::header(req, name);
    Ok(documents::download(
        &doc,
        sha,
        &name,
        header("range"),
        header("if-none-match"),
    ))
}

/// `GET /api/status/filings/{id}/signature` and `.../signed-content`: the filer's CMS and the
/// exact bytes it signs, to check with `openssl cms -verify` (404 when not signed).
async fn signed_part(
    db: &Db,
    me: &Principal,
    id: &str,
    part: signature::Part,
) -> Result<Reply, ApiError> {
    let filing = store::find_mine(db, &me.iin, id).await?;
    signature::download(db, filing.id, &filing.registration_number, part).await
}

/// `GET /api/status/notifications?unread=true` — newest first, with the unread count.
async fn notifications(db: &Db, req: &Request, me: &Principal) -> Result<Reply, ApiError> {
    let page = paging::parse(req.query())?;
    let unread_only = match paging::query_param(req.query(), "unread") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "unread",
                "invalid_boolean",
                "Either true or false.",
            ));
        }
    };
    let before = page.before_id.unwrap_or(i64::MAX);
    let (items, ids) = notify::feed(db, &me.iin, before, page.limit, unread_only).await?;
    let unread = notify::unread_count(db, &me.iin).await?;
    Reply::json(
        200,
        &serde_json::json!({
            "notifications": items, "unread_count": unread,
            "next_cursor": paging::next_cursor(&page, &ids),
        }),
    )
}

/// Marks one of my notifications read (again is harmless); anyone else's is 404.
async fn read(db: &Db, me: &Principal, id: &str) -> Result<Reply, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    if !notify::mark_read(db, &me.iin, id, &clock::rfc3339(clock::now())).await? {
        return Err(ApiError::NotFound);
    }
    Ok(Reply::empty(204))
}

async fn read_all(db: &Db, me: &Principal) -> Result<Reply, ApiError> {
    notify::mark_all_read(db, &me.iin, &clock::rfc3339(clock::now())).await?;
    Ok(Reply::empty(204))
}
