//! NCA's public GOST test PKI (`tests/fixtures/nca-gost-test`, see its README): its files,
//! its keys as `Person`s, and its CA as a deployment trusts it in staging.

use std::path::PathBuf;

use crate::{Person, workspace_root};

/// The IINs NCA's test keys carry (no IIN can be them: `eds_test_iins` lists them).
pub const TEST_IIN: &str = "123456789011";
pub const TEST_IIN_EMPLOYEE: &str = "123456789012";
/// Every key file's password.
pub const PASSWORD: &str = "Qwerty12";

/// The fixture folder.
pub fn dir() -> PathBuf {
    workspace_root().join("tests/fixtures/nca-gost-test")
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `der` as a PEM block labelled `label`.
pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// NCA's test root and issuing CA, PEM: what a staging deployment adds to its anchors.
pub fn test_anchors() -> String {
    pem("CERTIFICATE", &fixture("root_test_gost_2022.cer"))
        + &pem("CERTIFICATE", &fixture("nca_gost2022_test.cer"))
}

/// The test key `keys/<name>.p12`, opened.
pub fn key(name: &str) -> Person {
    Person::from_nca_p12(&fixture(&format!("keys/{name}.p12")), PASSWORD)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}
