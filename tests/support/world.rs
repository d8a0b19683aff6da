//! The people and places of a case, made through the API as an admin and officers would:
//! organs, officers, a registered case, status requests and their decisions. Shared by the
//! suites that need a case to work in.

use base64::Engine as _;
use serde_json::json;

use crate::{PersonSpec, Session, TestApp, issue, random_iin};

pub const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Any well-formed ERDR number (of an organ nobody need have): for cases that do not exist.
pub fn random_erdr() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    format!("2675110310{:05}", rng.gen_range(0..100_000))
}

/// A random ERDR number of the organ with this code (digits 3–8).
pub fn erdr_in(code: &str) -> String {
    use rand::Rng;
    format!("26{code}1{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

/// The code of the organ an officer is appointed to now.
pub fn organ_code_of(officer: &Session<'_>) -> String {
    let me = officer.get("/api/auth/me");
    assert_eq!(me.status, 200, "{}", me.text());
    me.json()["organ"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("the officer's organ has a code: {}", me.text()))
        .to_owned()
}

/// A random ERDR number the officer's organ may register.
pub fn erdr_of(officer: &Session<'_>) -> String {
    erdr_in(&organ_code_of(officer))
}

/// A new case registered by `lead` (who then leads it), under a random ERDR number of their
/// organ.
pub fn register_case(lead: &Session<'_>) -> String {
    let erdr = erdr_of(lead);
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

/// A new organ with a random (free) ERDR code.
pub fn organ(admin: &Session<'_>, name: &str) -> i64 {
    use rand::Rng;
    for _ in 0..20 {
        let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
        if let Some(id) = try_organ(admin, name, &code) {
            return id;
        }
    }
    panic!("no free organ code after 20 draws");
}

/// A new organ with this ERDR code (region, district, agency digits).
pub fn organ_coded(admin: &Session<'_>, name: &str, code: &str) -> i64 {
    try_organ(admin, name, code).unwrap_or_else(|| panic!("the code {code} is taken"))
}

/// A new organ, or `None` when its code is taken.
fn try_organ(admin: &Session<'_>, name: &str, code: &str) -> Option<i64> {
    let r = admin.post_json(
        "/api/admin/organs",
        &json!({"name": format!("{name} {}", random_iin()), "region": "Almaty", "code": code}),
    );
    if r.status == 409 {
        return None;
    }
    assert_eq!(r.status, 201, "{}", r.text());
    Some(r.json()["id"].as_i64().expect("organ id"))
}

pub fn officer<'a>(
    app: &'a TestApp,
    admin: &Session<'_>,
    role: &str,
    organ_id: i64,
) -> (String, Session<'a>) {
    let iin = random_iin();
    let r = admin.post_json(
        "/api/admin/officers",
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
    if kind == "extension_of_investigation_period" {
        body["extended_until"] = "2027-03-01".into();
    }
    let r = officer.post_json(&format!("/api/officer/cases/{erdr}/decisions"), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().expect("decision id")
}
