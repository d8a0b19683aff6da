//! `confirmation` — the officers' side: recording participants and confirming procedural
//! status, granting familiarisation, answering filings. Administration is the `admin` component.

mod filings;
mod officer;

use jaria_portal::ApiError;
use jaria_portal::http::Request;
use jaria_portal::http::{Method, Reply};

#[spin_sdk::http_service]
async fn handle(req: spin_sdk::http::Request) -> jaria_portal::respond::Response {
    jaria_portal::http::serve("confirmation", req, body_limit, route).await
}

/// Officers' documents travel as base64 in JSON; the CA's revocation lists are large.
fn body_limit(method: Method, path: &str) -> usize {
    use jaria_portal::body;
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (Method::Post, ["cases", _, "decisions" | "materials"] | ["filings", _, "decision"]) => {
            body::DOCUMENT_JSON_LIMIT
        }
        _ => body::default_limit(method),
    }
}

async fn route(req: &Request, method: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    officer::route(req, method, path).await
}
