//! `filing` — statements about a criminal offence, petitions and complaints, with attachments,
//! a signed receipt at once, and withdrawal before a decision.

mod attachments;
mod submit;

use jaria_portal::ApiError;
use jaria_portal::http::{Method, Reply};
use spin_sdk::http::{IncomingRequest, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: IncomingRequest) -> Response {
    jaria_portal::http::serve("filing", req, body_limit, route)
}

/// Attachments arrive as they are (up to 10 MiB); everything else is JSON.
fn body_limit(method: Method, path: &str) -> usize {
    match (method, path) {
        (Method::Post, "/attachments") => jaria_portal::body::UPLOAD_LIMIT,
        _ => jaria_portal::body::default_limit(method),
    }
}

fn route(req: &Request, method: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let allow = |a: &'static str| Err(ApiError::MethodNotAllowed { allow: a });
    Some(match (method, segments.as_slice()) {
        (Method::Post, [""]) => submit::create(req),
        (_, [""]) => allow("POST"),
        (Method::Post, ["to-sign"]) => submit::to_sign(req),
        (_, ["to-sign"]) => allow("POST"),
        (Method::Post, ["attachments"]) => attachments::upload(req),
        (_, ["attachments"]) => allow("POST"),
        (Method::Get, ["organs"]) => submit::organs(req),
        (_, ["organs"]) => allow("GET"),
        (Method::Post, ["receipts", "verify"]) => submit::verify_receipt(req),
        (_, ["receipts", "verify"]) => allow("POST"),
        (Method::Get, [id, "receipt"]) => submit::receipt(req, id),
        (_, [_, "receipt"]) => allow("GET"),
        (Method::Post, [id, "withdraw"]) => submit::withdraw(req, id),
        (_, [_, "withdraw"]) => allow("POST"),
        _ => Err(ApiError::NotFound),
    })
}
