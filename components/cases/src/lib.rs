//! `cases` — a participant's cases: asking for access, the card, the procedural decisions their
//! status receives, the materials an officer opened to them, and who touched their data.
//! A case they are not confirmed on is 404, exactly like one that does not exist.

mod access_requests;
mod case_view;

use jaria_portal::ApiError;
use jaria_portal::http::{Method, Reply};
use spin_sdk::http::{IncomingRequest, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: IncomingRequest) -> Response {
    jaria_portal::http::serve("cases", req, jaria_portal::body::default_limit_for, route)
}

fn route(req: &Request, method: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    let get_only = |run: &dyn Fn() -> Result<Reply, ApiError>| match method {
        Method::Get => run(),
        _ => Err(ApiError::MethodNotAllowed { allow: "GET" }),
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    Some(match segments.as_slice() {
        [""] => get_only(&|| case_view::list(req)),
        ["access-requests"] => match method {
            Method::Get => access_requests::list(req),
            Method::Post => access_requests::create(req),
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        [erdr] => get_only(&|| case_view::card(req, erdr)),
        [erdr, "decisions"] => get_only(&|| case_view::decisions(req, erdr)),
        [erdr, "decisions", id, "document"] => {
            get_only(&|| case_view::decision_document(req, erdr, id))
        }
        [erdr, "decisions", id, "signature"] => {
            get_only(&|| case_view::decision_signature(req, erdr, id))
        }
        [erdr, "materials"] => get_only(&|| case_view::materials(req, erdr)),
        [erdr, "materials", id, "content"] => {
            get_only(&|| case_view::material_content(req, erdr, id))
        }
        [erdr, "access-log"] => get_only(&|| case_view::access_log(req, erdr)),
        _ => Err(ApiError::NotFound),
    })
}
