//! `http::parse_json` on any bytes: never panics (nor overflows the stack on deep nesting),
//! and a refusal is always the client's error, 400 (not JSON) or 422 (wrong shape).
#![no_main]

use jaria_portal::ApiError;
use jaria_portal::http::parse_json;
use libfuzzer_sys::fuzz_target;

/// Shaped like the API's bodies: required and optional fields, numbers, lists, nested data.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Filing {
    kind: String,
    #[serde(default)]
    erdr_number: Option<String>,
    #[serde(default)]
    organ_id: Option<i64>,
    text: String,
    #[serde(default)]
    attachments: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Lenient {
    #[serde(default)]
    summary: Option<serde_json::Value>,
    #[serde(default)]
    signature: Option<String>,
}

fn client_error(e: &ApiError) {
    let status = e.status();
    assert!(status == 400 || status == 422, "status {status}: {e}");
    assert!(!e.is_server_side(), "{e}");
}

fuzz_target!(|data: &[u8]| {
    if let Err(e) = parse_json::<serde_json::Value>(data) {
        client_error(&e);
    }
    if let Err(e) = parse_json::<Filing>(data) {
        client_error(&e);
    }
    if let Err(e) = parse_json::<Lenient>(data) {
        client_error(&e);
    }
    // Valid JSON is never refused as "not JSON".
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data)
        && let Err(e) = parse_json::<Filing>(&serde_json::to_vec(&value).unwrap_or_default())
    {
        assert_eq!(e.status(), 422, "{e}");
    }
});
