//! `web` — the browser client. It owns `/...`, so it must never answer an API path with the
//! page: an unknown `/api/...` path is a 404 problem, like any other unknown API resource.
//! The client's files are embedded at build time (see `build.rs`); serving them is the shared
//! library's `webassets`.

use jaria_portal::ApiError;
use jaria_portal::http::webassets::{self, ASSET_CACHE, Asset, PAGE_CACHE, Target};
use jaria_portal::http::{Method, Request};
use jaria_portal::identity::auth::header;

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

jaria_portal::entry!("web", route);

async fn route(
    req: &Request,
    method: Method,
    path: &str,
) -> Option<Result<jaria_portal::http::Reply, ApiError>> {
    if path == "/api" || path.starts_with("/api/") {
        return Some(Err(ApiError::NotFound));
    }
    let (file, cache) = match webassets::resolve(path, RELEASE) {
        Target::Page => ("index.html", PAGE_CACHE),
        Target::Asset(file) => (file, ASSET_CACHE),
        Target::StaleAsset => return Some(Err(ApiError::NotFound)),
        Target::NotOurs => return None,
    };
    let asset = ASSETS.iter().find(|a| a.path == file)?;
    Some(webassets::serve(
        asset,
        method,
        cache,
        header(req, "if-none-match"),
        header(req, "accept-encoding"),
    ))
}
