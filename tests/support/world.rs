//! The people and places of a case, made through the API as an admin and officers would:
//! organs, officers, a registered case, status requests and their decisions. Shared by the
//! suites that need a case to work in.

use base64::Engine as _;
use serde_json::json;

use crate::{PersonSpec, Session, TestApp, issue, random_iin};

pub const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

pub fn random_erdr() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    format!("2675110310{:05}", rng.gen_range(0..100_000))
}

/// A new case registered by `lead` (who then leads it), under a random ERDR number.
pub fn register_case(lead: &Session<'_>) -> String {
    let erdr = random_erdr();
    let r = lead.post_json(
        "/api/officer/cases",
        &json!({"erdr_number": erdr, "registered_on": "2026-11-01", "articles": ["art. 188"]}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    erdr
}

pub fn signed_in<'a>(app: &'a TestApp, iin: &str, name: &str) -> Session<'a> {
    app.sign_in(&issue(PersonSpec::new(iin, name)))
}

pub fn organ(admin: &Session<'_>, name: &str) -> i64 {
    let r = admin.post_json(
        "/api/officer/admin/organs",
        &json!({"name": format!("{name} {}", random_iin()), "region": "Almaty"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().expect("organ id")
}

pub fn officer<'a>(
    app: &'a TestApp,
    admin: &Session<'_>,
    role: &str,
    organ_id: i64,
) -> (String, Session<'a>) {
    let iin = random_iin();
    let r = admin.post_json(
        "/api/officer/admin/officers",
        &json!({"iin": iin, "full_name": format!("OFFICER {role}"), "role": role, "organ_id": organ_id}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let session = signed_in(app, &iin, &format!("OFFICER {role}"));
    (iin, session)
}

pub fn request(
    session: &Session<'_>,
    erdr: &str,
    status: &str,
    represented: Option<&str>,
    basis: Option<&str>,
) -> i64 {
    let mut body = json!({"erdr_number": erdr, "procedural_status": status});
    if let Some(r) = represented {
        body["represented_iin"] = r.into();
    }
    if let Some(b) = basis {
        body["basis"] = b.into();
    }
    let r = session.post_json("/api/cases/access-requests", &body);
    assert_eq!(r.status, 202, "{}", r.text());
    r.json()["id"].as_i64().expect("request id")
}

pub fn decide(
    officer: &Session<'_>,
    id: i64,
    decision: &str,
    reason: Option<&str>,
) -> crate::Reply {
    let mut body = json!({"decision": decision});
    if let Some(r) = reason {
        body["reason"] = r.into();
    }
    officer.post_json(
        &format!("/api/officer/access-requests/{id}/decision"),
        &body,
    )
}

pub fn add_decision(officer: &Session<'_>, erdr: &str, kind: &str) -> i64 {
    add_decision_about(officer, erdr, kind, None)
}

pub fn add_decision_about(
    officer: &Session<'_>,
    erdr: &str,
    kind: &str,
    concerns: Option<&str>,
) -> i64 {
    let mut body = json!({
        "type": kind, "decided_on": "2026-11-20", "title": format!("Order: {kind}"),
        "filename": format!("{kind}.pdf"),
        "content_base64": base64::engine::general_purpose::STANDARD.encode(PDF),
    });
    if let Some(iin) = concerns {
        body["concerns_iin"] = iin.into();
    }
    let r = officer.post_json(&format!("/api/officer/cases/{erdr}/decisions"), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().expect("decision id")
}
