//! `login` — sign-in with an EDS certificate (the primary way) or, for participants already
//! proven by EDS, a password; and the sessions every other component trusts.

mod contacts;
mod eds_sign_in;
mod password_sign_in;
mod sessions;

use jaria_portal::ApiError;
use jaria_portal::http::{Method, Reply};
use spin_sdk::http::{IncomingRequest, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: IncomingRequest) -> Response {
    jaria_portal::http::serve("login", req, jaria_portal::body::default_limit_for, route)
}

fn route(req: &Request, method: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    let only = |allowed: Method, allow: &'static str, run: &dyn Fn() -> Result<Reply, ApiError>| {
        if method == allowed {
            run()
        } else {
            Err(ApiError::MethodNotAllowed { allow })
        }
    };
    Some(match path {
        "/challenge" => only(Method::Get, "GET", &|| eds_sign_in::challenge(req)),
        "/eds" => only(Method::Post, "POST", &|| eds_sign_in::sign_in(req)),
        "/login" => only(Method::Post, "POST", &|| password_sign_in::sign_in(req)),
        "/password" => only(Method::Put, "PUT", &|| password_sign_in::set_password(req)),
        "/me" => only(Method::Get, "GET", &|| sessions::me(req)),
        "/logout" => only(Method::Post, "POST", &|| sessions::logout(req)),
        "/sessions" => only(Method::Get, "GET", &|| sessions::list(req)),
        "/contacts" => match method {
            Method::Get => contacts::show(req),
            Method::Put => contacts::update(req),
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, PUT" }),
        },
        "/contacts/verify" => only(Method::Post, "POST", &|| contacts::verify(req)),
        "/notification-preferences" => only(Method::Put, "PUT", &|| contacts::preferences(req)),
        _ => match path.strip_prefix("/sessions/") {
            Some(id) if !id.is_empty() && !id.contains('/') => {
                only(Method::Delete, "DELETE", &|| sessions::revoke(req, id))
            }
            _ => return None,
        },
    })
}
