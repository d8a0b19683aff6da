//! `web` — the browser client. It owns `/...`, so it must never answer an API path with the
//! page: an unknown `/api/...` path is a 404 problem, like any other unknown API resource.

use jaria_portal::ApiError;
use jaria_portal::http::{Method, Reply};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

const INDEX_HTML: &str = include_str!("../static/index.html");
const SITE_CSS: &str = include_str!("../static/site.css");

/// Pages allow only their own scripts and styles, and no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

#[http_component]
fn handle(req: Request) -> Response {
    jaria_portal::http::serve("web", &req, page)
}

fn page(method: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    if path == "/api" || path.starts_with("/api/") {
        return Some(Err(ApiError::NotFound));
    }
    let (content_type, body) = match path {
        "/" | "/index.html" => ("text/html; charset=utf-8", INDEX_HTML),
        "/site.css" => ("text/css; charset=utf-8", SITE_CSS),
        _ => return None,
    };
    if !matches!(method, Method::Get | Method::Head) {
        return Some(Err(ApiError::MethodNotAllowed { allow: "GET, HEAD" }));
    }
    let mut reply = Reply::html(200, body);
    reply.set_header("content-type", content_type);
    reply.set_header("cache-control", "no-cache");
    reply.set_header("content-security-policy", CONTENT_SECURITY_POLICY);
    reply.set_header(
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    );
    reply.set_header("referrer-policy", "no-referrer");
    Some(Ok(reply))
}
