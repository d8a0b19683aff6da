//! `filing` — statements about a criminal offence, petitions and complaints, with attachments,
//! a signed receipt at once, and withdrawal before a decision.

mod attachments;
mod receipts;
mod submit;

use jaria_portal::ApiError;
use jaria_portal::http::Request;
use jaria_portal::http::{Method, Reply};

jaria_portal::entry!("filing", route, body_limit);

/// Attachments arrive as they are (up to 10 MiB); everything else is JSON.
fn body_limit(method: Method, path: &str) -> usize {
    match (method, path) {
        (Method::Post, "/attachments") => jaria_portal::http::body::UPLOAD_LIMIT,
        _ => jaria_portal::http::body::default_limit(method),
    }
}

async fn route(req: &Request, method: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let allow = |a: &'static str| Err(ApiError::MethodNotAllowed { allow: a });
    Some(match (method, segments.as_slice()) {
        (Method::Post, [""]) => submit::create(req).await,
        (_, [""]) => allow("POST"),
        (Method::Post, ["to-sign"]) => submit::to_sign(req).await,
        (_, ["to-sign"]) => allow("POST"),
        (Method::Post, ["to-sign", "egov-mobile"]) => submit::to_sign_on_phone(req).await,
        (_, ["to-sign", "egov-mobile"]) => allow("POST"),
        (Method::Post, ["attachments"]) => attachments::upload(req).await,
        (_, ["attachments"]) => allow("POST"),
        (Method::Get, ["organs"]) => submit::organs(req).await,
        (_, ["organs"]) => allow("GET"),
        (Method::Get, ["kinds"]) => submit::kinds(req).await,
        (_, ["kinds"]) => allow("GET"),
        (Method::Post, ["receipts", "verify"]) => receipts::verify_receipt(req).await,
        (_, ["receipts", "verify"]) => allow("POST"),
        (Method::Get, ["receipts", number]) => receipts::check(req, number).await,
        (_, ["receipts", _]) => allow("GET"),
        (Method::Get, [id, "receipt"]) => receipts::receipt(req, id).await,
        (_, [_, "receipt"]) => allow("GET"),
        (Method::Post, [id, "withdraw"]) => submit::withdraw(req, id).await,
        (_, [_, "withdraw"]) => allow("POST"),
        _ => Err(ApiError::NotFound),
    })
}
