//! `http::valid_idempotency_key` on any text: never panics, and what it accepts is 1–128
//! ASCII letters, digits, '-', '_', '.', ':' — safe to store, log and send back as a header.
#![no_main]

use jaria_portal::http::{MAX_IDEMPOTENCY_KEY_BYTES, valid_idempotency_key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(key) = std::str::from_utf8(data) else {
        return;
    };
    let expected = !key.is_empty()
        && key.len() <= MAX_IDEMPOTENCY_KEY_BYTES
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    assert_eq!(valid_idempotency_key(key), expected, "{key:?}");
    if expected {
        assert!(http::HeaderValue::from_str(key).is_ok());
        assert_eq!(key.trim(), key);
    }
});
