//! `cases` — a participant's cases: asking for access, the card, the procedural decisions their
//! status receives, the materials an officer opened to them, and who touched their data.
//! A case they are not confirmed on is 404, exactly like one that does not exist.

mod access_requests;
mod case_view;
mod documents;

use documents::Listed;
use jaria_portal::ApiError;
use jaria_portal::http::{Method, Reply, Request, get_only};

jaria_portal::entry!("cases", route);

async fn route(req: &Request, method: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    Some(match segments.as_slice() {
        [""] => get_only(method, case_view::list(req)).await,
        ["access-requests"] => match method {
            Method::Get => access_requests::list(req).await,
            Method::Post => access_requests::create(req).await,
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        [erdr] => get_only(method, case_view::card(req, erdr)).await,
        [erdr, "decisions"] => get_only(method, documents::decisions(req, erdr)).await,
        [erdr, "decisions", id, "document"] => {
            get_only(method, documents::download(req, erdr, id, Listed::Decision)).await
        }
        [erdr, "decisions", id, "signature"] => {
            get_only(method, documents::decision_signature(req, erdr, id)).await
        }
        [erdr, "materials"] => get_only(method, documents::materials(req, erdr)).await,
        [erdr, "materials", id, "content"] => {
            get_only(method, documents::download(req, erdr, id, Listed::Material)).await
        }
        [erdr, "access-log"] => get_only(method, case_view::access_log(req, erdr)).await,
        _ => Err(ApiError::NotFound),
    })
}
