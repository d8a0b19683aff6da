//! `admin` — the administration of organs, officers' appointments, revoked certificates and
//! revocation lists, the notice outbox and admins. Its own component so that it can be deployed,
//! limited and load-tested apart from the officers' daily work, with only the grants it needs.

mod admin;
mod admins;
mod crls;
mod officers;
mod organs;
mod outbox;
mod revocations;

use jaria_portal::ApiError;
use jaria_portal::http::Request;
use jaria_portal::http::{Method, Reply};

jaria_portal::entry!("admin", route, body_limit);

/// The CA's revocation lists are large; everything else is small JSON.
fn body_limit(method: Method, path: &str) -> usize {
    use jaria_portal::http::body;
    match (method, path.trim_matches('/')) {
        (Method::Post, "crls") => body::CRL_LIMIT,
        _ => body::default_limit(method),
    }
}

async fn route(req: &Request, method: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    Some(admin::route(req, method, path).await)
}
