//! Serving the browser client's embedded files: strong `ETag`s with `304 Not Modified`,
//! long caching for release-named assets and revalidation for the page, gzip when the
//! browser takes it, and the page security headers. The `web` component's build script
//! embeds the files; everything here is plain Rust, tested natively.

use crate::http::{Method, Reply};
use crate::platform::error::ApiError;

/// One embedded file of the client.
#[derive(Debug)]
pub struct Asset {
    /// Path under `static/`, e.g. `js/app.js`.
    pub path: &'static str,
    pub content_type: &'static str,
    /// A quoted strong entity tag, derived from the content.
    pub etag: &'static str,
    pub body: &'static [u8],
    /// The gzipped body, when compressing saves anything.
    pub gzip: Option<&'static [u8]>,
}

/// Pages load only their own scripts, styles and fonts; no inline code, no framing, no
/// plugins; forms post only to the portal. Besides the portal, the page may reach only
/// NCALayer, the national CA's signing application on the person's own computer. WebAssembly
/// may be compiled (`'wasm-unsafe-eval'`, which allows nothing else): the page's GOST signer
/// is the project's own code as a module from the portal's origin; no script is evaluated.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data: blob:; font-src 'self'; \
     connect-src 'self' wss://127.0.0.1:13579; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// `index.html` must be revalidated so a new release is picked up at once; assets are named
/// by release, so they never change under their name.
pub const PAGE_CACHE: &str = "no-cache";
pub const ASSET_CACHE: &str = "public, max-age=31536000, immutable";

/// What the web component resolves a path to.
#[derive(Debug, PartialEq, Eq)]
pub enum Target<'a> {
    Page,
    Asset(&'a str),
    /// An asset of another release: gone (the page that asked for it is stale).
    StaleAsset,
    NotOurs,
}

/// `/` and `/index.html` are the page; `/assets/<release>/<path>` an asset of this release.
pub fn resolve<'a>(path: &'a str, release: &str) -> Target<'a> {
    match path {
        "/" | "/index.html" => Target::Page,
        _ => match path.strip_prefix("/assets/") {
            Some(rest) => match rest.split_once('/') {
                Some((r, file)) if r == release && !file.is_empty() && file != "index.html" => {
                    Target::Asset(file)
                }
                _ => Target::StaleAsset,
            },
            None => Target::NotOurs,
        },
    }
}

/// Whether an `If-None-Match` header names this entity tag (weak comparison, as RFC 9110
/// asks for `If-None-Match`).
pub fn etag_matches(if_none_match: Option<&str>, etag: &str) -> bool {
    let Some(header) = if_none_match else {
        return false;
    };
    let bare = etag.trim_start_matches("W/");
    header
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == bare)
}

/// Whether `Accept-Encoding` takes gzip (with a non-zero quality).
pub fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    accept_encoding.is_some_and(|header| {
        header.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
    })
}

/// The answer for one asset.
pub fn serve(
    asset: &Asset,
    method: Method,
    cache_control: &str,
    if_none_match: Option<&str>,
    accept_encoding: Option<&str>,
) -> Result<Reply, ApiError> {
    if !matches!(method, Method::Get | Method::Head) {
        return Err(ApiError::MethodNotAllowed { allow: "GET, HEAD" });
    }
    let not_modified = etag_matches(if_none_match, asset.etag);
    let mut reply = if not_modified {
        Reply::empty(304)
    } else {
        match asset.gzip.filter(|_| accepts_gzip(accept_encoding)) {
            Some(zipped) => {
                let mut reply = Reply::html(200, zipped);
                reply.set_header("content-encoding", "gzip");
                reply
            }
            None => Reply::html(200, asset.body),
        }
    };
    if !not_modified {
        reply.set_header("content-type", asset.content_type);
    }
    if asset.gzip.is_some() {
        reply.set_header("vary", "accept-encoding");
    }
    if method == Method::Head {
        reply.body.clear();
    }
    reply.set_header("etag", asset.etag);
    reply.set_header("cache-control", cache_control);
    page_security_headers(&mut reply);
    Ok(reply)
}

/// The headers every page and asset carries, on top of the API's baseline.
pub fn page_security_headers(reply: &mut Reply) {
    reply.set_header("content-security-policy", CONTENT_SECURITY_POLICY);
    reply.set_header(
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    );
    reply.set_header("referrer-policy", "no-referrer");
    reply.set_header("cross-origin-opener-policy", "same-origin");
    reply.set_header("cross-origin-resource-policy", "same-origin");
    reply.set_header(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: Asset = Asset {
        path: "js/app.js",
        content_type: "text/javascript; charset=utf-8",
        etag: "\"abc\"",
        body: b"console.log(1)",
        gzip: Some(b"gz"),
    };

    #[test]
    fn paths_resolve_to_the_page_or_this_releases_assets() {
        assert_eq!(resolve("/", "r1"), Target::Page);
        assert_eq!(resolve("/index.html", "r1"), Target::Page);
        assert_eq!(
            resolve("/assets/r1/js/app.js", "r1"),
            Target::Asset("js/app.js")
        );
        assert_eq!(resolve("/assets/r0/js/app.js", "r1"), Target::StaleAsset);
        assert_eq!(resolve("/assets/r1/", "r1"), Target::StaleAsset);
        assert_eq!(resolve("/assets/r1/index.html", "r1"), Target::StaleAsset);
        assert_eq!(resolve("/assets", "r1"), Target::NotOurs);
        assert_eq!(resolve("/health", "r1"), Target::NotOurs);
    }

    #[test]
    fn entity_tags_compare_weakly_for_if_none_match() {
        assert!(etag_matches(Some("\"abc\""), "\"abc\""));
        assert!(etag_matches(Some("W/\"abc\""), "\"abc\""));
        assert!(etag_matches(Some("\"x\", \"abc\""), "\"abc\""));
        assert!(etag_matches(Some("*"), "\"abc\""));
        assert!(!etag_matches(Some("\"abd\""), "\"abc\""));
        assert!(!etag_matches(None, "\"abc\""));
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        assert!(accepts_gzip(Some("gzip, deflate, br")));
        assert!(accepts_gzip(Some("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(Some("*")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("br")));
        assert!(!accepts_gzip(None));
    }

    #[test]
    fn a_known_tag_is_304_without_body_but_with_caching_headers() {
        let reply = serve(&APP, Method::Get, ASSET_CACHE, Some("\"abc\""), None).unwrap();
        assert_eq!(reply.status, 304);
        assert!(reply.body.is_empty());
        assert_eq!(reply.header("etag"), Some("\"abc\""));
        assert_eq!(reply.header("cache-control"), Some(ASSET_CACHE));
    }

    #[test]
    fn bodies_are_gzipped_only_for_browsers_that_take_it() {
        let zipped = serve(&APP, Method::Get, ASSET_CACHE, None, Some("gzip")).unwrap();
        assert_eq!(zipped.body, b"gz");
        assert_eq!(zipped.header("content-encoding"), Some("gzip"));
        assert_eq!(zipped.header("vary"), Some("accept-encoding"));
        let plain = serve(&APP, Method::Get, PAGE_CACHE, None, None).unwrap();
        assert_eq!(plain.body, b"console.log(1)");
        assert_eq!(plain.header("content-encoding"), None);
        assert_eq!(plain.header("content-type"), Some(APP.content_type));
        assert_eq!(plain.header("cache-control"), Some(PAGE_CACHE));
    }

    #[test]
    fn pages_carry_the_security_headers_and_refuse_writes() {
        let reply = serve(&APP, Method::Head, PAGE_CACHE, None, None).unwrap();
        assert!(reply.body.is_empty());
        let csp = reply.header("content-security-policy").unwrap();
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval';"));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"));
        // The page talks to the portal and to NCALayer on this computer, nowhere else.
        assert!(csp.contains("connect-src 'self' wss://127.0.0.1:13579;"));
        assert!(reply.header("strict-transport-security").is_some());
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
        let refused = serve(&APP, Method::Post, PAGE_CACHE, None, None).unwrap_err();
        assert_eq!(refused.status(), 405);
    }
}
