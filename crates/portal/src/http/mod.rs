//! HTTP helpers: a plain [`Request`] and [`Reply`] that handlers take and build (and tests make
//! and inspect natively), read from and rendered to `wasi:http` in one place ([`serve`]), with
//! the headers every API answer carries.

pub mod body;
pub mod client;
pub mod documents;
pub mod idempotency;
pub mod paging;
pub mod request;
pub mod respond;
pub mod text;
pub mod webassets;

use serde::Serialize;

use crate::platform::error::ApiError;

/// Headers on every API response: no sniffing, no caching of personal data, no framing.
const BASELINE_HEADERS: [(&str, &str); 3] = [
    ("x-content-type-options", "nosniff"),
    ("cache-control", "no-store"),
    ("x-frame-options", "DENY"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(value).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Self::with_baseline(status, "application/json", body))
    }

    pub fn html(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::with_baseline(status, "text/html; charset=utf-8", body.into())
    }

    /// A reply with no body (204 and the like).
    pub fn empty(status: u16) -> Self {
        let mut reply = Self::with_baseline(status, "", Vec::new());
        reply.headers.retain(|(k, _)| k != "content-type");
        reply
    }

    /// The problem answer for `error`, naming the request (`request_id`) when there is one.
    pub fn problem(error: &ApiError, request_id: Option<&str>) -> Self {
        let mut problem = error.to_problem();
        if let Some(id) = request_id {
            problem.instance = Some(crate::http::request::instance_urn(id));
            problem.request_id = Some(id.to_owned());
        }
        let mut reply = Self::with_baseline(
            problem.status,
            "application/problem+json",
            problem.to_json().into_bytes(),
        );
        if let Some(seconds) = problem.retry_after {
            reply
                .headers
                .push(("retry-after".into(), seconds.to_string()));
        }
        if let ApiError::MethodNotAllowed { allow } = error {
            reply.headers.push(("allow".into(), (*allow).to_owned()));
        }
        reply
    }

    fn with_baseline(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        let mut headers = vec![("content-type".to_owned(), content_type.to_owned())];
        headers.extend(
            BASELINE_HEADERS
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Self {
            status,
            headers,
            body,
        }
    }

    /// Replaces a header's value, or adds it.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request as a handler sees it: the head, the path within the component, and the body
/// read whole within its route's limit ([`crate::http::body`]), with the request's [context].
///
/// [context]: crate::http::request::Context
#[derive(Debug)]
pub struct Request {
    method: Method,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    pub(crate) context: crate::http::request::Context,
}

impl Request {
    /// A request from its parts: `path` is the component-relative path, `query` the part
    /// after `?` (without it).
    pub fn new(
        method: Method,
        path: &str,
        query: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Self {
        let context = crate::http::request::Context::begin(
            headers
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(crate::http::request::HEADER))
                .map(|(_, v)| v.as_str()),
        );
        Self {
            method,
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body,
            context,
        }
    }

    pub fn method(&self) -> Method {
        self.method
    }

    /// The path within the component (`spin-path-info`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query string, without the `?`.
    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// A header's last value (the runtime appends its own `spin-*` headers after the
    /// client's, so the last one is the runtime's word).
    pub fn header(&self, name: &str) -> Option<&str> {
        last_header(&self.headers, name)
    }

    /// The body's media type as declared: `content-type` without its parameters, lowercase
    /// (empty when none is declared).
    pub fn media_type(&self) -> String {
        self.header("content-type")
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }

    /// Every value of a header, in the order they came.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// This request's id, start and principal kind.
    pub fn context(&self) -> &crate::http::request::Context {
        &self.context
    }

    /// The same request with its body.
    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    pub fn into_context(self) -> crate::http::request::Context {
        self.context
    }
}

/// Turns a handler's result into the reply; server-side failures go to the log (the
/// component's stderr, which the runtime tags with the component name).
pub fn finish(
    component: &str,
    context: Option<&crate::http::request::Context>,
    result: Result<Reply, ApiError>,
) -> Reply {
    match result {
        Ok(reply) => reply,
        Err(error) => {
            let id = context.map(crate::http::request::Context::id);
            if error.is_server_side() {
                crate::log_line!("{component}: request {}: {error}", id.unwrap_or_default());
            }
            Reply::problem(&error, id)
        }
    }
}

/// A header's last value among `headers` (names compared without case).
fn last_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Parses a JSON request body; a body that is not `application/json` is 415, one that does
/// not parse is 400, one that parses but has the wrong shape is 422.
pub fn json_body<T: serde::de::DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    if req.media_type() != "application/json" {
        return Err(ApiError::UnsupportedMediaType(
            "The request body must be application/json.".into(),
        ));
    }
    object_body(req.body())
}

/// A request body: a JSON object, parsed. Every body of this API is one; serde would also
/// fill a struct from an array of its fields in order (`[null, null]` as "change nothing"),
/// which no client means.
pub fn object_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b == b'[') {
        return Err(ApiError::invalid(
            "body",
            "not_an_object",
            "The request body must be a JSON object.",
        ));
    }
    parse_json(body)
}

/// The most JSON values (scalars, arrays, objects) a request body may hold. Every body of
/// the API holds a few dozen; a flat array of millions would blow a guest's memory up before
/// its handler sees it (a `serde_json::Value` is 24 bytes on wasm32, so 12 MiB of `0,` asks
/// for some 150 MiB, past the 128 MiB an instance has, and traps: a 500).
pub const MAX_JSON_VALUES: usize = 100_000;

/// Whether a body may hold more than `limit` JSON values, judged by one pass over its bytes
/// without allocating: every `[`, `{` and `,` outside strings starts a value, so the count is
/// never below the real one (it may be above it for invalid JSON, which is refused anyway).
fn more_json_values_than(body: &[u8], limit: usize) -> bool {
    let mut values = 1usize;
    if values > limit {
        return true;
    }
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b'[' | b'{' | b',') {
            values += 1;
            if values > limit {
                return true;
            }
        }
    }
    false
}

pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if more_json_values_than(body, MAX_JSON_VALUES) {
        return Err(ApiError::invalid(
            "body",
            "too_many_values",
            &format!("A request body holds at most {MAX_JSON_VALUES} JSON values."),
        ));
    }
    serde_json::from_slice(body).or_else(|e| {
        // serde_json files some shape errors under syntax (an array with more elements than
        // the struct it fills has fields is "trailing characters"), so valid JSON is judged
        // by parsing it again. `Value` keeps serde_json's nesting limit: too deep stays 400.
        let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body) else {
            return Err(ApiError::BadRequest(format!(
                "The request body is not valid JSON: {e}"
            )));
        };
        // JSON has one number type: `3.0` is the integer 3 to JSON Schema (and so to the API
        // description), though not to serde. Whole numbers written with a fraction are read
        // as the integers they are; anything else keeps the first error.
        if integral_floats_to_integers(&mut value)
            && let Ok(parsed) = serde_json::from_value(value)
        {
            return Ok(parsed);
        }
        Err(ApiError::invalid("body", "invalid_shape", &e.to_string()))
    })
}

/// Turns every number with a zero fraction that a double holds exactly into that integer; answers
/// whether anything changed.
fn integral_floats_to_integers(value: &mut serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => match n.as_f64() {
            // Only where a double is exact (|f| ≤ 2^53): a bigger one may be a rounded
            // neighbour of a number out of range.
            Some(f) if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => {
                *value = serde_json::Value::from(f as i64);
                true
            }
            _ => false,
        },
        serde_json::Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| integral_floats_to_integers(v) | changed),
        serde_json::Value::Object(fields) => fields
            .values_mut()
            .fold(false, |changed, v| integral_floats_to_integers(v) | changed),
        _ => false,
    }
}

/// The longest `Idempotency-Key` accepted, in bytes.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 128;

/// Whether an `Idempotency-Key` (as sent, after trimming surrounding whitespace) is one this
/// service accepts: 1 to 128 ASCII letters, digits, `-`, `_`, `.` or `:`. Nothing else, so a
/// key is safe to store, log and compare byte for byte.
pub fn valid_idempotency_key(key: &str) -> bool {
    is_plain_token(key, MAX_IDEMPOTENCY_KEY_BYTES)
}

/// 1 to `max` bytes of ASCII letters, digits, `-`, `_`, `.` or `:`: a client-chosen token that
/// is safe to store, log, put in a header or a URN, and compare byte for byte.
pub fn is_plain_token(value: &str, max: usize) -> bool {
    !value.is_empty()
        && value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    Other,
}

impl Method {
    pub fn of(req: &Request) -> Self {
        req.method()
    }

    pub fn from_http(method: &http::Method) -> Self {
        match *method {
            http::Method::GET => Method::Get,
            http::Method::HEAD => Method::Head,
            http::Method::POST => Method::Post,
            http::Method::PUT => Method::Put,
            http::Method::PATCH => Method::Patch,
            http::Method::DELETE => Method::Delete,
            http::Method::OPTIONS => Method::Options,
            _ => Method::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Other => "OTHER",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_with_a_fraction_are_integers_and_others_are_not() {
        #[derive(serde::Deserialize, Debug)]
        struct Body {
            n: i64,
            list: Vec<i64>,
        }
        let body: Body = parse_json(br#"{"n": -15.0, "list": [1, 2.0]}"#).unwrap();
        assert_eq!((body.n, body.list), (-15, vec![1, 2]));
        // Near 2^52 a double's step is 0.5: read without correct rounding, this whole number
        // came out as ...681.5 and was refused (Schemathesis found it).
        let body: Body = parse_json(br#"{"n": -3978060893891682.0, "list": []}"#).unwrap();
        assert_eq!(body.n, -3_978_060_893_891_682);
        let err = parse_json::<Body>(br#"{"n": 1.5, "list": []}"#).unwrap_err();
        assert!(matches!(err, ApiError::Unprocessable(_)), "{err:?}");
        let err = parse_json::<Body>(br#"{"n": -9223372036854775809, "list": []}"#).unwrap_err();
        assert!(matches!(err, ApiError::Unprocessable(_)), "{err:?}");
        let err = parse_json::<Body>(br#"{"n": 1e300, "list": []}"#).unwrap_err();
        assert!(matches!(err, ApiError::Unprocessable(_)), "{err:?}");
        let err = object_body::<Body>(b" [3, [1]]").unwrap_err();
        assert!(
            matches!(err, ApiError::Unprocessable(_)),
            "an array is not an object: {err:?}"
        );
        let err = parse_json::<Body>(b"{not json").unwrap_err();
        assert!(matches!(err, ApiError::BadRequest(_)), "{err:?}");
    }

    #[test]
    fn problem_reply_has_problem_content_type_and_retry_after() {
        let r = Reply::problem(&ApiError::Unavailable("kv down".into()), Some("req-1"));
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["request_id"], "req-1");
        assert_eq!(r.status, 503);
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
        assert_eq!(r.header("retry-after"), Some("1"));
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }

    #[test]
    fn method_not_allowed_names_allowed_methods() {
        let r = Reply::problem(&ApiError::MethodNotAllowed { allow: "GET" }, None);
        assert_eq!(r.status, 405);
        assert_eq!(r.header("allow"), Some("GET"));
    }

    #[test]
    fn json_reply_serialises_body() {
        let r = Reply::json(200, &serde_json::json!({"ok": true})).unwrap();
        assert_eq!(r.body, br#"{"ok":true}"#);
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }

    #[test]
    fn json_errors_distinguish_syntax_from_shape() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Body {
            iin: String,
        }
        assert_eq!(parse_json::<Body>(b"{").unwrap_err().status(), 400);
        assert_eq!(
            parse_json::<Body>(br#"{"iin": 5}"#).unwrap_err().status(),
            422
        );
        assert_eq!(parse_json::<Body>(br#"{}"#).unwrap_err().status(), 422);
        // Valid JSON of the wrong shape, which serde_json reports as trailing characters.
        assert_eq!(
            parse_json::<Body>(br#"["x", 1]"#).unwrap_err().status(),
            422
        );
        assert!(parse_json::<Body>(br#"{"iin": "x"}"#).is_ok());
    }

    #[test]
    fn set_header_replaces() {
        let mut r = Reply::html(200, "x");
        r.set_header("Cache-Control", "no-cache");
        assert_eq!(r.header("cache-control"), Some("no-cache"));
        assert_eq!(
            r.headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("cache-control"))
                .count(),
            1
        );
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    /// A body shaped like the API's: a required string, optional number and list.
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        text: String,
        #[serde(default)]
        organ_id: Option<i64>,
        #[serde(default)]
        attachments: Vec<String>,
    }

    /// A client's error, never the server's: 400 (not JSON) or 422 (wrong shape).
    fn assert_client_error(error: &ApiError) -> Result<(), TestCaseError> {
        let status = error.status();
        prop_assert!(
            status == 400 || status == 422,
            "a body must be refused with 400 or 422, not {status}: {error}"
        );
        prop_assert!(!error.is_server_side(), "{error}");
        Ok(())
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn parse_json_never_panics_on_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
            if let Err(e) = parse_json::<Value>(&body) {
                assert_client_error(&e)?;
            }
            if let Err(e) = parse_json::<Body>(&body) {
                assert_client_error(&e)?;
            }
        }

        #[test]
        fn parse_json_never_panics_on_json_like_text(body in r#"[\[\]{}",:0-9a-z\\ .eE+-]{0,64}"#) {
            if let Err(e) = parse_json::<Value>(body.as_bytes()) {
                assert_client_error(&e)?;
            }
            if let Err(e) = parse_json::<Body>(body.as_bytes()) {
                assert_client_error(&e)?;
            }
        }

        #[test]
        fn valid_json_round_trips(value in json_value()) {
            let body = serde_json::to_vec(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let parsed = parse_json::<Value>(&body)
                .map_err(|e| TestCaseError::fail(format!("valid JSON refused: {e}")))?;
            prop_assert_eq!(parsed, value);
        }

        #[test]
        fn a_wrong_shape_is_422_never_400(value in json_value()) {
            // Any valid JSON either is a Body or is refused as the wrong shape.
            let body = serde_json::to_vec(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
            if let Err(e) = parse_json::<Body>(&body) {
                prop_assert_eq!(e.status(), 422, "{}", e);
            }
        }
    }

    proptest! {
        // Each case is a body of up to 200 000 bytes: a few dozen are plenty.
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn deeply_nested_input_is_refused_cleanly(
            depth in 129usize..200_000,
            shape in 0usize..4,
        ) {
            let body = match shape {
                0 => "[".repeat(depth),
                1 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
                2 => format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth)),
                _ => format!(r#"{{"text":"x","attachments":{}"#, "[".repeat(depth)),
            };
            for error in [
                parse_json::<Value>(body.as_bytes()).err(),
                parse_json::<Body>(body.as_bytes()).err(),
            ] {
                let error = error.ok_or_else(|| {
                    TestCaseError::fail(format!("nesting {depth} deep (shape {shape}) was accepted"))
                })?;
                assert_client_error(&error)?;
            }
        }
    }

    proptest! {
        #[test]
        fn the_value_count_is_never_below_the_real_one(value in json_value()) {
            fn count(v: &Value) -> usize {
                1 + match v {
                    Value::Array(items) => items.iter().map(count).sum(),
                    Value::Object(map) => map.values().map(count).sum(),
                    _ => 0,
                }
            }
            let body = serde_json::to_vec(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let real = count(&value);
            // Never fewer than there are (so nothing past the limit slips through) …
            prop_assert!(more_json_values_than(&body, real - 1), "{} values counted as fewer", real);
            // … and never more than twice as many (each container counts once more).
            prop_assert!(!more_json_values_than(&body, 2 * real), "{} values counted as over twice", real);
        }

        #[test]
        fn strings_full_of_brackets_and_commas_are_one_value(text in r#"[\[\]{},"\\a]{0,64}"#) {
            let body = serde_json::to_vec(&Value::String(text)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(!more_json_values_than(&body, 1), "{}", String::from_utf8_lossy(&body));
        }
    }

    #[test]
    fn bodies_of_too_many_values_are_refused_before_parsing() {
        let flat = |n: usize| format!("[{}0]", "0,".repeat(n - 1));
        assert!(parse_json::<Value>(flat(MAX_JSON_VALUES - 1).as_bytes()).is_ok());
        let error = parse_json::<Value>(flat(MAX_JSON_VALUES).as_bytes())
            .map(|_| ())
            .unwrap_err();
        assert_eq!(error.status(), 422);
        assert!(
            format!("{error:?}").contains("too_many_values"),
            "{error:?}"
        );
        // Objects too, and an array of strings inside a struct.
        let members: String = (0..MAX_JSON_VALUES)
            .map(|i| format!("\"k{i}\":0,"))
            .collect();
        let body = format!("{{{members}\"last\":0}}");
        assert_eq!(
            parse_json::<Value>(body.as_bytes())
                .map(|_| ())
                .map_err(|e| e.status()),
            Err(422)
        );
        // Commas in strings are text, not values.
        let text = format!("[\"{}\"]", ",".repeat(3 * MAX_JSON_VALUES));
        assert!(parse_json::<Vec<String>>(text.as_bytes()).is_ok());
    }

    #[test]
    fn nesting_within_the_limit_is_accepted() {
        let body = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse_json::<Value>(body.as_bytes()).is_ok());
        // Just past serde_json's recursion limit (128): refused as not JSON.
        let body = format!("{}{}", "[".repeat(129), "]".repeat(129));
        assert_eq!(
            parse_json::<Value>(body.as_bytes())
                .map(|_| ())
                .map_err(|e| e.status()),
            Err(400)
        );
    }

    proptest! {
        #[test]
        fn idempotency_keys_of_the_allowed_alphabet_are_accepted(key in "[A-Za-z0-9._:-]{1,128}") {
            prop_assert!(valid_idempotency_key(&key), "{:?}", key);
            // An accepted key is safe as it is: a header value, nothing to trim or escape.
            prop_assert!(http::HeaderValue::from_str(&key).is_ok(), "{:?}", key);
            prop_assert_eq!(key.trim(), key.as_str());
        }

        #[test]
        fn idempotency_keys_never_panic_and_accepted_ones_are_safe(key in any::<String>()) {
            if valid_idempotency_key(&key) {
                prop_assert!(!key.is_empty() && key.len() <= MAX_IDEMPOTENCY_KEY_BYTES, "{:?}", key);
                prop_assert!(
                    key.bytes().all(|b| b.is_ascii_graphic()) && !key.contains(['/', '\\', '\'', '"', ';', '%']),
                    "{:?}",
                    key
                );
            }
        }

        #[test]
        fn one_foreign_character_spoils_a_key(
            key in "[A-Za-z0-9._:-]{0,127}",
            position in any::<prop::sample::Index>(),
            foreign in any::<char>().prop_filter("outside the alphabet", |c| {
                !(c.is_ascii_alphanumeric() || "._:-".contains(*c))
            }),
        ) {
            let mut chars: Vec<char> = key.chars().collect();
            chars.insert(position.index(chars.len() + 1), foreign);
            let spoiled: String = chars.into_iter().collect();
            prop_assert!(!valid_idempotency_key(&spoiled), "{:?}", spoiled);
        }

        #[test]
        fn keys_longer_than_128_bytes_are_refused(key in "[A-Za-z0-9._:-]{129,300}") {
            prop_assert!(!valid_idempotency_key(&key));
        }
    }

    #[test]
    fn idempotency_key_edges() {
        assert!(!valid_idempotency_key(""));
        assert!(valid_idempotency_key(&"k".repeat(128)));
        assert!(!valid_idempotency_key(&"k".repeat(129)));
        assert!(valid_idempotency_key("report-1:2026.11_28"));
        assert!(!valid_idempotency_key("a b"));
        assert!(!valid_idempotency_key("' OR 1=1 --"));
        assert!(!valid_idempotency_key("ключ"));
    }
}

/// Runs `answer` for a GET, else 405: for routes that only read.
pub async fn get_only(
    method: Method,
    answer: impl Future<Output = Result<Reply, ApiError>>,
) -> Result<Reply, ApiError> {
    only(method, Method::Get, "GET", answer).await
}

/// Runs `answer` when the request's method is `allowed`, else 405 naming `allow`. (`answer`
/// is only built, not run, for another method: a future does nothing until awaited.)
pub async fn only(
    method: Method,
    allowed: Method,
    allow: &'static str,
    answer: impl Future<Output = Result<Reply, ApiError>>,
) -> Result<Reply, ApiError> {
    if method == allowed {
        answer.await
    } else {
        Err(ApiError::MethodNotAllowed { allow })
    }
}
