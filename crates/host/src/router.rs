//! HTTP routing with Spin's rules: an exact route beats a wildcard, a longer wildcard prefix
//! beats a shorter one, `:name` segments capture, `/...` captures the rest; a later duplicate
//! route replaces an earlier one. Matching is delegated to `routefinder`, the matcher Spin
//! itself uses, so precedence is the same by construction.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::manifest::{HttpRoute, HttpTrigger};

#[derive(Debug, Clone)]
struct RouteEntry {
    component: String,
    /// The route as written in the manifest, e.g. `/api/auth/...`.
    raw_route: String,
}

#[derive(Debug)]
pub struct Router {
    inner: routefinder::Router<RouteEntry>,
    /// (route, component) in manifest order, for the start-up route table.
    listing: Vec<(String, String)>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct RouteMatch {
    pub component: String,
    pub raw_route: String,
    /// The part of the path under a trailing wildcard (`spin-path-info`).
    pub path_info: String,
    /// Named captures, `:name` → value (`spin-path-match-<name>`).
    pub captures: BTreeMap<String, String>,
}

impl Router {
    pub fn build(triggers: &[HttpTrigger]) -> Result<Self, String> {
        let mut by_route: BTreeMap<String, RouteEntry> = BTreeMap::new();
        let mut listing = Vec::new();
        for trigger in triggers {
            let HttpRoute::Path(route) = &trigger.route else {
                continue;
            };
            if let Some(previous) = by_route.insert(
                route.clone(),
                RouteEntry {
                    component: trigger.component.clone(),
                    raw_route: route.clone(),
                },
            ) {
                tracing::warn!(
                    route,
                    replaced = previous.component,
                    effective = trigger.component,
                    "duplicate route: the later trigger wins, as in Spin"
                );
                listing.retain(|(r, _)| r != route);
            }
            listing.push((route.clone(), trigger.component.clone()));
        }
        let mut inner = routefinder::Router::new();
        for (route, entry) in by_route {
            let spec = route_spec(&route);
            inner
                .add(spec.as_str(), entry)
                .map_err(|e| format!("route `{route}`: {e}"))?;
        }
        Ok(Self { inner, listing })
    }

    pub fn routes(&self) -> &[(String, String)] {
        &self.listing
    }

    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        let m = self.inner.best_match(path)?;
        let entry = m.handler();
        let captures = m.captures();
        let path_info = match captures.wildcard() {
            // Spin keeps a trailing slash in the path info, which routefinder drops.
            Some(rest) => match (rest.is_empty(), path.ends_with('/')) {
                (true, false) => String::new(),
                (true, true) => "/".to_owned(),
                (false, false) => format!("/{rest}"),
                (false, true) => format!("/{rest}/"),
            },
            None => String::new(),
        };
        let named = captures
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Some(RouteMatch {
            component: entry.component.clone(),
            raw_route: entry.raw_route.clone(),
            path_info,
            captures: named,
        })
    }
}

/// The manifest route as a routefinder spec: `/x/...` becomes `/x/*`; a trailing slash is
/// dropped, as Spin drops it.
fn route_spec(route: &str) -> String {
    let trimmed = route.strip_suffix('/').unwrap_or(route);
    match trimmed.strip_suffix("/...") {
        Some(prefix) => format!("{prefix}/*"),
        None if trimmed.is_empty() => "/".to_owned(),
        None => trimmed.to_owned(),
    }
}

impl RouteMatch {
    /// The request headers Spin adds for the component (names lower-case, as on the wire).
    pub fn spin_headers(
        &self,
        scheme: &str,
        host: &str,
        path_and_query: &str,
        client: SocketAddr,
    ) -> Vec<(String, String)> {
        let component_route = self
            .raw_route
            .strip_suffix("/...")
            .unwrap_or(&self.raw_route)
            .to_owned();
        let mut headers = vec![
            ("spin-path-info".to_owned(), self.path_info.clone()),
            (
                "spin-full-url".to_owned(),
                format!("{scheme}://{host}{path_and_query}"),
            ),
            ("spin-matched-route".to_owned(), self.raw_route.clone()),
            ("spin-base-path".to_owned(), "/".to_owned()),
            (
                "spin-raw-component-route".to_owned(),
                self.raw_route.clone(),
            ),
            ("spin-component-route".to_owned(), component_route),
            ("spin-client-addr".to_owned(), client.to_string()),
        ];
        for (name, value) in &self.captures {
            headers.push((
                format!("spin-path-match-{}", name.to_ascii_lowercase()),
                value.clone(),
            ));
        }
        headers
    }
}

/// Headers a client must not be able to forge: they are the host's word to the component.
pub fn is_host_set_header(name: &str) -> bool {
    name.len() > 5 && name[..5].eq_ignore_ascii_case("spin-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &str)]) -> Router {
        let triggers: Vec<HttpTrigger> = routes
            .iter()
            .map(|(route, component)| HttpTrigger {
                id: None,
                route: HttpRoute::Path((*route).to_owned()),
                component: (*component).to_owned(),
                executor: None,
            })
            .collect();
        Router::build(&triggers).expect("routes build")
    }

    fn component(r: &Router, path: &str) -> Option<String> {
        r.route(path).map(|m| m.component)
    }

    #[test]
    fn precedence_table() {
        let r = router(&[
            ("/...", "web"),
            ("/api/auth/...", "login"),
            ("/api/auth/special", "exact"),
            ("/api/cases/...", "cases"),
            ("/api/cases/:erdr/decisions", "decisions"),
        ]);
        let table = [
            ("/", "web"),
            ("/index.html", "web"),
            ("/api/unknown", "web"),
            ("/api/auth", "login"),
            ("/api/auth/", "login"),
            ("/api/auth/health", "login"),
            ("/api/auth/special", "exact"),
            ("/api/auth/special/x", "login"),
            ("/api/cases/123/decisions", "decisions"),
            ("/api/cases/123/materials", "cases"),
            ("/api/authx", "web"),
        ];
        for (path, expected) in table {
            assert_eq!(component(&r, path).as_deref(), Some(expected), "{path}");
        }
    }

    #[test]
    fn order_of_declaration_does_not_matter() {
        let a = router(&[("/one/...", "one"), ("/one/two/...", "two")]);
        let b = router(&[("/one/two/...", "two"), ("/one/...", "one")]);
        for r in [a, b] {
            assert_eq!(component(&r, "/one/two/three").as_deref(), Some("two"));
            assert_eq!(component(&r, "/one/three").as_deref(), Some("one"));
        }
    }

    #[test]
    fn unmatched_path_has_no_route() {
        let r = router(&[("/api/auth/...", "login"), ("/exact", "exact")]);
        assert_eq!(component(&r, "/other"), None);
        assert_eq!(component(&r, "/exact/more"), None);
    }

    #[test]
    fn later_duplicate_wins() {
        let r = router(&[("/x/...", "first"), ("/x/...", "second")]);
        assert_eq!(component(&r, "/x/y").as_deref(), Some("second"));
        assert_eq!(r.routes().len(), 1);
    }

    #[test]
    fn path_info_keeps_trailing_slash_like_spin() {
        let r = router(&[("/foo/...", "foo")]);
        let info = |p: &str| r.route(p).map(|m| m.path_info);
        assert_eq!(info("/foo").as_deref(), Some(""));
        assert_eq!(info("/foo/").as_deref(), Some("/"));
        assert_eq!(info("/foo/bar").as_deref(), Some("/bar"));
        assert_eq!(info("/foo/bar/").as_deref(), Some("/bar/"));
    }

    #[test]
    fn spin_headers_match_spin() {
        let r = router(&[("/foo/:userid/...", "foo")]);
        let m = r.route("/foo/42/bar").expect("match");
        let headers: BTreeMap<_, _> = m
            .spin_headers(
                "http",
                "fermyon.dev",
                "/foo/42/bar?k=v",
                "127.0.0.1:8777".parse().unwrap(),
            )
            .into_iter()
            .collect();
        assert_eq!(
            headers["spin-full-url"],
            "http://fermyon.dev/foo/42/bar?k=v"
        );
        assert_eq!(headers["spin-path-info"], "/bar");
        assert_eq!(headers["spin-matched-route"], "/foo/:userid/...");
        assert_eq!(headers["spin-raw-component-route"], "/foo/:userid/...");
        assert_eq!(headers["spin-component-route"], "/foo/:userid");
        assert_eq!(headers["spin-base-path"], "/");
        assert_eq!(headers["spin-client-addr"], "127.0.0.1:8777");
        assert_eq!(headers["spin-path-match-userid"], "42");
    }

    #[test]
    fn spin_headers_are_recognised_case_insensitively() {
        assert!(is_host_set_header("spin-path-info"));
        assert!(is_host_set_header("SPIN-Full-Url"));
        assert!(!is_host_set_header("spinach"));
    }
}
