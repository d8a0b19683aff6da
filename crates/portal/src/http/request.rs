//! The request being served: its id, when it started, and what kind of principal made it.
//!
//! The id is the server's own: a new random one for every request, echoed in the answer's
//! `x-request-id`, named in every problem (`instance`), written in the log line of the
//! request and in the detail of every audit row the request writes, so "it failed at 14:02"
//! can be followed from the citizen's screen to the log to the audit trail. A client's own
//! `x-request-id` (a proxy or a load balancer in front of the portal usually sets one) is
//! kept beside it when well-formed, never in its place: an id in the audit trail is one the
//! portal made.
//!
//! An instance serves many requests, several at once, so the context is a value the request
//! carries ([`crate::http::Request::context`]), never a static.

use std::cell::Cell;

/// Header carrying the id, in and out.
pub const HEADER: &str = "x-request-id";

/// The longest id accepted from a client.
pub const MAX_LEN: usize = 128;

#[derive(Debug)]
pub struct Context {
    id: String,
    client_id: Option<String>,
    started: std::time::Instant,
    principal: Cell<&'static str>,
}

impl Context {
    /// A new request's context; the client's id is kept beside the server's when well-formed.
    pub fn begin(client_id: Option<&str>) -> Self {
        Self {
            id: new_id(),
            client_id: client_id
                .map(str::trim)
                .filter(|id| well_formed(id))
                .map(str::to_owned),
            started: std::time::Instant::now(),
            principal: Cell::new("anonymous"),
        }
    }

    /// The server's id of this request.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The id the client (or its proxy) sent, if well-formed.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// Records what kind of principal the request turned out to be (`participant`,
    /// `officer`, `admin`): the log line names the kind, never the person.
    pub fn set_principal(&self, kind: &'static str) {
        self.principal.set(kind);
    }

    /// The principal kind recorded so far (`anonymous` until authentication says otherwise).
    pub fn principal(&self) -> &'static str {
        self.principal.get()
    }

    /// Time since the request began, in milliseconds.
    pub fn elapsed_ms(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * 1000.0
    }

    /// Adds the request's ids to an audit detail object (a non-object detail is left as it is).
    pub fn stamp(&self, detail: serde_json::Value) -> serde_json::Value {
        stamp(detail, &self.id, self.client_id())
    }

    /// One JSON line describing the finished request, for stderr (where Spin collects a
    /// component's output).
    pub fn log_line(&self, component: &str, method: &str, path: &str, status: u16) -> String {
        serde_json::json!({
            "time": crate::platform::clock::rfc3339(crate::platform::clock::now()),
            "level": if status >= 500 { "error" } else if status >= 400 { "warn" } else { "info" },
            "component": component,
            "method": method,
            "route": route_template(path),
            "request_id": self.id,
            "client_request_id": self.client_id,
            "status": status,
            "duration_ms": (self.elapsed_ms() * 1000.0).round() / 1000.0,
            "principal": self.principal(),
        })
        .to_string()
    }
}

/// Adds a request's ids to an audit detail object (a non-object detail is left as it is).
pub fn stamp(
    mut detail: serde_json::Value,
    id: &str,
    client_id: Option<&str>,
) -> serde_json::Value {
    if let Some(object) = detail.as_object_mut() {
        object.insert(
            "request_id".into(),
            serde_json::Value::String(id.to_owned()),
        );
        if let Some(client_id) = client_id {
            object.insert(
                "client_request_id".into(),
                serde_json::Value::String(client_id.to_owned()),
            );
        }
    }
    detail
}

/// Whether a client-supplied id may be used as it is: 1 to [`MAX_LEN`] characters of
/// letters, digits and `-_.:` — nothing that could break a log line, a header or a URN.
pub fn well_formed(id: &str) -> bool {
    crate::http::is_plain_token(id, MAX_LEN)
}

/// A new id: a random (version 4) UUID.
pub fn new_id() -> String {
    // Without randomness the id is still unique enough per instance to be useful; it is not
    // a secret.
    let mut bytes = crate::platform::random::bytes::<16>().unwrap_or_else(|_| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
            .to_le_bytes()
    });
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The problem `instance` of this request: a URN naming it.
pub fn instance_urn(id: &str) -> String {
    format!("urn:jaria:request:{id}")
}

/// The path as the log may show it: every segment holding a digit becomes `:id` — case
/// numbers, filing ids and IINs stay out of the log.
pub fn route_template(path: &str) -> String {
    let mut out = String::new();
    for segment in path.split('/').skip(1) {
        out.push('/');
        if segment.bytes().any(|b| b.is_ascii_digit()) {
            out.push_str(":id");
        } else {
            out.push_str(segment);
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_makes_every_id_and_keeps_a_well_formed_client_id_beside_it() {
        let cx = Context::begin(Some("lb-7f3a:0001"));
        assert_ne!(
            cx.id(),
            "lb-7f3a:0001",
            "never the client's in the server's place"
        );
        assert_eq!(cx.id().len(), 36, "a UUID: {}", cx.id());
        assert_eq!(cx.client_id(), Some("lb-7f3a:0001"));
        let stamped = cx.stamp(serde_json::json!({"x": 1}));
        assert_eq!(stamped["request_id"], cx.id());
        assert_eq!(stamped["client_request_id"], "lb-7f3a:0001");
        for bad in [
            "",
            "has space",
            "quote\"",
            "new\nline",
            "ъ",
            &"x".repeat(MAX_LEN + 1),
        ] {
            let cx = Context::begin(Some(bad));
            assert_eq!(cx.client_id(), None, "{bad:?} is not kept");
            assert!(well_formed(cx.id()));
            assert!(
                cx.stamp(serde_json::json!({}))
                    .get("client_request_id")
                    .is_none()
            );
        }
        assert_ne!(
            Context::begin(None).id(),
            Context::begin(None).id(),
            "fresh ids differ"
        );
    }

    #[test]
    fn new_ids_are_version_4_uuids() {
        let id = new_id();
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn routes_in_the_log_carry_no_numbers() {
        assert_eq!(
            route_template("/api/cases/261234567890123/materials/5/content"),
            "/api/cases/:id/materials/:id/content"
        );
        assert_eq!(
            route_template("/api/admin/officers/880101300123"),
            "/api/admin/officers/:id"
        );
        assert_eq!(route_template("/health/live"), "/health/live");
        assert_eq!(route_template(""), "/");
    }

    #[test]
    fn the_log_line_names_the_kind_of_principal_never_the_person() {
        let cx = Context::begin(Some("req-1"));
        cx.set_principal("participant");
        let line: serde_json::Value =
            serde_json::from_str(&cx.log_line("cases", "GET", "/api/cases/880101300123", 200))
                .unwrap();
        assert_eq!(line["request_id"], cx.id());
        assert_eq!(line["client_request_id"], "req-1");
        assert_eq!(line["principal"], "participant");
        assert_eq!(line["component"], "cases");
        assert_eq!(line["level"], "info");
        assert!(!line.to_string().contains("880101300123"));
    }

    #[test]
    fn audit_details_get_the_request_id() {
        let d = stamp(serde_json::json!({"reason": "x"}), "req-2", None);
        assert_eq!(d["request_id"], "req-2");
        assert_eq!(d["reason"], "x");
        assert_eq!(stamp(serde_json::json!("text"), "req-2", None), "text");
    }
}
