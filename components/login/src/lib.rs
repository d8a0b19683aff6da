//! `login` — sign-in with an EDS certificate (the primary way) or, for participants already
//! proven by EDS, a password; and the sessions every other component trusts.

mod contacts;
mod eds_sign_in;
mod egov_mobile;
mod password_sign_in;
mod sessions;

use jaria_portal::ApiError;
use jaria_portal::http::{Method, Reply, Request, only};

jaria_portal::entry!("login", route);

async fn route(req: &Request, method: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    use Method::{Delete, Get, Post, Put};
    Some(match path {
        "/challenge" => only(method, Get, "GET", eds_sign_in::challenge(req)).await,
        "/eds" => only(method, Post, "POST", eds_sign_in::sign_in(req)).await,
        "/login" => only(method, Post, "POST", password_sign_in::sign_in(req)).await,
        "/password" => only(method, Put, "PUT", password_sign_in::set_password(req)).await,
        "/me" => only(method, Get, "GET", sessions::me(req)).await,
        "/logout" => only(method, Post, "POST", sessions::logout(req)).await,
        "/sessions" => only(method, Get, "GET", sessions::list(req)).await,
        "/contacts" => match method {
            Get => contacts::show(req).await,
            Put => contacts::update(req).await,
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, PUT" }),
        },
        "/contacts/verify" => only(method, Post, "POST", contacts::verify(req)).await,
        "/notification-preferences" => only(method, Put, "PUT", contacts::preferences(req)).await,
        "/egov-mobile" => only(method, Post, "POST", egov_mobile::start(req)).await,
        _ => {
            let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            match segments.as_slice() {
                ["sessions", id] if !id.is_empty() => {
                    only(method, Delete, "DELETE", sessions::revoke(req, id)).await
                }
                ["egov-mobile", id, "result"] if !id.is_empty() => {
                    only(method, Post, "POST", egov_mobile::result(req, id)).await
                }
                // The phone's API 1 and API 2 (NITEC's app needs `mgovSign` in the address).
                ["mgovSign", id] if !id.is_empty() => {
                    only(method, Get, "GET", egov_mobile::api1(req, id)).await
                }
                ["mgovSign", id, "documents"] if !id.is_empty() => match method {
                    Get => egov_mobile::documents(req, id).await,
                    Put => egov_mobile::signed(req, id).await,
                    _ => Err(ApiError::MethodNotAllowed { allow: "GET, PUT" }),
                },
                _ => return None,
            }
        }
    })
}
