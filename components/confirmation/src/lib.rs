//! `confirmation` — the officers' side: confirming procedural status, granting
//! familiarisation, answering filings; and, under `/admin`, the administration of organs,
//! officers and revoked certificates.

mod admin;
mod filings;
mod officer;

use jaria_portal::ApiError;
use jaria_portal::http::{Method, Reply};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    jaria_portal::http::serve("confirmation", &req, |method, path| {
        route(&req, method, path)
    })
}

fn route(req: &Request, method: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    match path.strip_prefix("/admin/") {
        Some(rest) => Some(admin::route(req, method, rest)),
        None => officer::route(req, method, path),
    }
}
