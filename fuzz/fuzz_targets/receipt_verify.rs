//! `receipt::verify` on any signature text: never panics, and nothing made without the key
//! verifies.
#![no_main]

use jaria_portal::filing::receipt::{Summary, signing_key, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(signature) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(key) = signing_key("dGVzdHMtb25seS1yZWNlaXB0LWtleS0zMi1ieXRlcyE=") else {
        return;
    };
    let summary = Summary {
        id: 1,
        registration_number: "2026-P-0000001".into(),
        kind: "petition".into(),
        filer_iin: "791028302728".into(),
        on_behalf_of_iin: None,
        erdr_number: Some("267511031000001".into()),
        submitted_at: "2026-11-28T10:00:00.000Z".into(),
        due_at: "2026-12-01T19:00:00.000Z".into(),
        content_sha256: "ab".into(),
        attachments_sha256: vec![],
    };
    assert!(!verify(&key.verifying_key(), &summary, signature));
    let _ = signing_key(signature);
});
