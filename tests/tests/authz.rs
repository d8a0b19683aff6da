//! One authorisation matrix for the whole API, tied to the API's own description: every
//! operation in `schema/openapi.yaml` must have a row here and every row must be an operation
//! there, and every route prefix in `spin.toml` must be described — so an endpoint cannot be
//! added without deciding who may call it. Each row is asked by every kind of caller; a denial
//! must be the expected status, an RFC 9457 problem, and carry none of the case's data.
//! Every answer, allowed or denied, carries the security headers, and no answer opens CORS.

use std::collections::BTreeSet;

use base64::Engine as _;
use jaria_tests::world::{
    PDF, decide, officer, organ, random_erdr, register_case, request, signed_in,
};
use jaria_tests::{Reply, Session, TEST_ADMIN_IIN, TestApp, random_iin, workspace_root};
use serde_json::{Value, json};

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    /// Signed in, no relation to the case.
    Outsider,
    /// Asked for a status in the case, not yet confirmed.
    Pending,
    /// Confirmed victim of the case, and the filer of its filings.
    Victim,
    /// The case's lead investigator (of the organ the statement was sent to).
    Lead,
    /// An investigator of another organ.
    StrangerOfficer,
    Admin,
    /// The head of the case's unit, moved to another organ as an investigator; their session
    /// opened before the move.
    Transferred,
    /// The head of the case's unit, dismissed; their session opened before the dismissal.
    Dismissed,
}

const CALLERS: [Caller; 9] = [
    Caller::Anonymous,
    Caller::Outsider,
    Caller::Pending,
    Caller::Victim,
    Caller::Lead,
    Caller::StrangerOfficer,
    Caller::Admin,
    Caller::Transferred,
    Caller::Dismissed,
];

/// What a caller gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Anything but a denial (401, 403, 404) or a server error: validation answers count.
    Allowed,
    /// Allowed, but not sent here because it would end the state the other rows need (sign
    /// out, revoke, withdraw); the feature suites exercise it.
    AllowedNotSent,
    Denied(u16),
}

use Expect::{Allowed as A, AllowedNotSent as N};
const D401: Expect = Expect::Denied(401);
const D403: Expect = Expect::Denied(403);
const D404: Expect = Expect::Denied(404);

/// Anyone, signed in or not.
const PUBLIC: [Expect; 9] = [A, A, A, A, A, A, A, A, A];
/// Anyone signed in.
const SIGNED_IN: [Expect; 9] = [D401, A, A, A, A, A, A, A, A];
/// Only the administrators.
const ADMIN_ONLY: [Expect; 9] = [D401, D403, D403, D403, D403, D403, A, D403, D403];
/// Officers in general (lists of their own work).
const OFFICERS: [Expect; 9] = [D401, D403, D403, D403, A, A, D403, A, D403];
/// The officers of this case; to other officers it does not exist.
const CASE_OFFICERS: [Expect; 9] = [D401, D403, D403, D403, A, D404, D403, D404, D403];
/// The confirmed participants of this case; to everyone else it does not exist.
const CASE_PARTICIPANTS: [Expect; 9] = [D401, D404, D404, A, D404, D404, D404, D404, D404];

/// What no one finds here (the petition's answer document is not signed): never a leak of
/// whether it exists, and the signed case is in `tests/signed_acts.rs`.
const NOBODY_FINDS: [Expect; 9] = [D401, D404, D404, D404, D404, D404, D404, D404, D404];

/// The matrix: (method, OpenAPI path, expectation per caller in [`CALLERS`] order).
const MATRIX: &[(&str, &str, [Expect; 9])] = &[
    ("GET", "/", PUBLIC),
    ("GET", "/health", PUBLIC),
    ("GET", "/api/auth/health", PUBLIC),
    ("GET", "/api/cases/health", PUBLIC),
    ("GET", "/api/filings/health", PUBLIC),
    ("GET", "/api/status/health", PUBLIC),
    ("GET", "/api/officer/health", PUBLIC),
    ("GET", "/api/admin/health", PUBLIC),
    ("GET", "/api/internal/health", PUBLIC),
    ("GET", "/health/live", PUBLIC),
    ("GET", "/health/ready", PUBLIC),
    ("GET", "/api/auth/health/live", PUBLIC),
    ("GET", "/api/auth/health/ready", PUBLIC),
    ("GET", "/api/cases/health/live", PUBLIC),
    ("GET", "/api/cases/health/ready", PUBLIC),
    ("GET", "/api/filings/health/live", PUBLIC),
    ("GET", "/api/filings/health/ready", PUBLIC),
    ("GET", "/api/status/health/live", PUBLIC),
    ("GET", "/api/status/health/ready", PUBLIC),
    ("GET", "/api/officer/health/live", PUBLIC),
    ("GET", "/api/officer/health/ready", PUBLIC),
    ("GET", "/api/admin/health/live", PUBLIC),
    ("GET", "/api/admin/health/ready", PUBLIC),
    ("GET", "/api/internal/health/live", PUBLIC),
    ("GET", "/api/internal/health/ready", PUBLIC),
    ("GET", "/api/auth/challenge", PUBLIC),
    ("POST", "/api/auth/eds", PUBLIC),
    ("POST", "/api/auth/egov-mobile", PUBLIC),
    // Only the page that started a signing collects it (its poll token); no caller here did.
    ("POST", "/api/auth/egov-mobile/{id}/result", [D404; 9]),
    // Only the phone holding a live signing's address (the QR) is answered.
    ("GET", "/api/auth/mgovSign/{id}", [D403; 9]),
    ("GET", "/api/auth/mgovSign/{id}/documents", [D403; 9]),
    ("PUT", "/api/auth/mgovSign/{id}/documents", [D403; 9]),
    ("POST", "/api/auth/login", PUBLIC),
    // Officers and admins sign in with EDS only.
    (
        "PUT",
        "/api/auth/password",
        [D401, A, A, A, D403, D403, D403, D403, A],
    ),
    ("GET", "/api/auth/me", SIGNED_IN),
    ("POST", "/api/auth/logout", [D401, N, N, N, N, N, N, N, N]),
    ("GET", "/api/auth/sessions", SIGNED_IN),
    ("GET", "/api/auth/contacts", SIGNED_IN),
    ("PUT", "/api/auth/contacts", SIGNED_IN),
    ("POST", "/api/auth/contacts/verify", SIGNED_IN),
    ("PUT", "/api/auth/notification-preferences", SIGNED_IN),
    ("GET", "/api/admin/outbox", ADMIN_ONLY),
    ("POST", "/api/admin/outbox/{id}/retry", ADMIN_ONLY),
    // The victim's session: only the victim may end it.
    (
        "DELETE",
        "/api/auth/sessions/{id}",
        [D401, D404, D404, N, D404, D404, D404, D404, D404],
    ),
    ("GET", "/api/admin/organs", ADMIN_ONLY),
    ("POST", "/api/admin/organs", ADMIN_ONLY),
    ("PATCH", "/api/admin/organs/{id}", ADMIN_ONLY),
    ("GET", "/api/admin/officers", ADMIN_ONLY),
    ("POST", "/api/admin/officers", ADMIN_ONLY),
    ("DELETE", "/api/admin/officers/{iin}", ADMIN_ONLY),
    ("GET", "/api/admin/revocations", ADMIN_ONLY),
    ("POST", "/api/admin/revocations", ADMIN_ONLY),
    ("GET", "/api/admin/crls", ADMIN_ONLY),
    ("POST", "/api/admin/crls", ADMIN_ONLY),
    // Operators with the internal token only: no session opens it.
    (
        "POST",
        "/api/internal/migrate",
        [D401, D401, D401, D401, D401, D401, D401, D401, D401],
    ),
    (
        "POST",
        "/api/internal/tick",
        [D401, D401, D401, D401, D401, D401, D401, D401, D401],
    ),
    ("POST", "/api/admin/admins", ADMIN_ONLY),
    ("GET", "/api/cases", SIGNED_IN),
    ("GET", "/api/cases/access-requests", SIGNED_IN),
    ("POST", "/api/cases/access-requests", SIGNED_IN),
    ("GET", "/api/cases/{erdr}", CASE_PARTICIPANTS),
    ("GET", "/api/cases/{erdr}/decisions", CASE_PARTICIPANTS),
    (
        "GET",
        "/api/cases/{erdr}/decisions/{id}/document",
        CASE_PARTICIPANTS,
    ),
    (
        "GET",
        "/api/cases/{erdr}/decisions/{id}/signature",
        CASE_PARTICIPANTS,
    ),
    ("GET", "/api/cases/{erdr}/materials", CASE_PARTICIPANTS),
    (
        "GET",
        "/api/cases/{erdr}/materials/{id}/content",
        CASE_PARTICIPANTS,
    ),
    ("GET", "/api/cases/{erdr}/access-log", CASE_PARTICIPANTS),
    ("GET", "/api/officer/queue", OFFICERS),
    ("GET", "/api/officer/cases", OFFICERS),
    ("POST", "/api/officer/cases", OFFICERS),
    ("GET", "/api/officer/cases/{erdr}", CASE_OFFICERS),
    ("PATCH", "/api/officer/cases/{erdr}", CASE_OFFICERS),
    ("POST", "/api/officer/cases/{erdr}/decisions", CASE_OFFICERS),
    ("POST", "/api/officer/cases/{erdr}/materials", CASE_OFFICERS),
    (
        "POST",
        "/api/officer/access-requests/{id}/decision",
        CASE_OFFICERS,
    ),
    (
        "POST",
        "/api/officer/cases/{erdr}/participants",
        CASE_OFFICERS,
    ),
    (
        "DELETE",
        "/api/officer/cases/{erdr}/participants/{id}",
        [D401, D403, D403, D403, N, D404, D403, D404, D403],
    ),
    (
        "POST",
        "/api/officer/cases/{erdr}/participants/{id}/end",
        [D401, D403, D403, D403, N, D404, D403, D404, D403],
    ),
    (
        "GET",
        "/api/officer/cases/{erdr}/decisions/{id}/service",
        CASE_OFFICERS,
    ),
    ("GET", "/api/officer/forwardings", OFFICERS),
    (
        "PUT",
        "/api/officer/cases/{erdr}/participants/{id}/familiarisation",
        CASE_OFFICERS,
    ),
    (
        "DELETE",
        "/api/officer/cases/{erdr}/participants/{id}/familiarisation",
        [D401, D403, D403, D403, N, D404, D403, D404, D403],
    ),
    ("POST", "/api/filings", SIGNED_IN),
    ("POST", "/api/filings/to-sign", SIGNED_IN),
    ("POST", "/api/filings/to-sign/egov-mobile", SIGNED_IN),
    ("POST", "/api/filings/attachments", SIGNED_IN),
    ("GET", "/api/filings/organs", SIGNED_IN),
    ("GET", "/api/filings/kinds", SIGNED_IN),
    // The victim's petition.
    ("GET", "/api/filings/{id}/receipt", CASE_PARTICIPANTS),
    (
        "POST",
        "/api/filings/{id}/withdraw",
        [D401, D404, D404, N, D404, D404, D404, D404, D404],
    ),
    ("POST", "/api/filings/receipts/verify", PUBLIC),
    // Whoever holds the printed receipt (its QR code's code): no sign-in.
    ("GET", "/api/filings/receipts/{number}", PUBLIC),
    ("GET", "/api/status/filings", SIGNED_IN),
    ("GET", "/api/status/filings/{id}", CASE_PARTICIPANTS),
    (
        "GET",
        "/api/status/filings/{id}/documents/{sha256}",
        CASE_PARTICIPANTS,
    ),
    (
        "GET",
        "/api/status/filings/{id}/documents/{sha256}/signature",
        NOBODY_FINDS,
    ),
    (
        "GET",
        "/api/status/filings/{id}/signature",
        CASE_PARTICIPANTS,
    ),
    (
        "GET",
        "/api/status/filings/{id}/signed-content",
        CASE_PARTICIPANTS,
    ),
    ("GET", "/api/status/notifications", SIGNED_IN),
    // One of the victim's notifications.
    (
        "POST",
        "/api/status/notifications/{id}/read",
        CASE_PARTICIPANTS,
    ),
    ("POST", "/api/status/notifications/read-all", SIGNED_IN),
    ("GET", "/api/officer/filings", OFFICERS),
    ("GET", "/api/officer/filings/{id}", CASE_OFFICERS),
    (
        "GET",
        "/api/officer/filings/{id}/documents/{sha256}",
        CASE_OFFICERS,
    ),
    ("GET", "/api/officer/filings/{id}/signature", CASE_OFFICERS),
    (
        "GET",
        "/api/officer/filings/{id}/signed-content",
        CASE_OFFICERS,
    ),
    ("POST", "/api/officer/filings/{id}/review", CASE_OFFICERS),
    ("POST", "/api/officer/filings/{id}/extension", CASE_OFFICERS),
    ("POST", "/api/officer/filings/{id}/decision", CASE_OFFICERS),
    ("POST", "/api/officer/filings/{id}/court", CASE_OFFICERS),
];

/// The (method, path) operations `schema/openapi.yaml` describes. The file keeps paths at
/// two spaces and methods at four, which is all this reader relies on.
fn openapi_operations() -> BTreeSet<(String, String)> {
    let text =
        std::fs::read_to_string(workspace_root().join("schema/openapi.yaml")).expect("openapi");
    let mut operations = BTreeSet::new();
    let mut path = None;
    let mut in_paths = false;
    for line in text.lines() {
        if line == "paths:" {
            in_paths = true;
            continue;
        }
        if in_paths && !line.starts_with(' ') && !line.is_empty() {
            in_paths = false;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line
            .strip_prefix("  ")
            .filter(|l| l.starts_with('/'))
            .and_then(|l| l.strip_suffix(':'))
        {
            path = Some(p.to_owned());
        } else if let Some(m) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(':'))
            && ["get", "post", "put", "patch", "delete"].contains(&m)
            && let Some(p) = &path
        {
            operations.insert((m.to_ascii_uppercase(), p.clone()));
        }
    }
    operations
}

/// The route prefixes `spin.toml` sends to components (`/api/cases/...` → `/api/cases`).
fn manifest_route_prefixes() -> Vec<String> {
    let text = std::fs::read_to_string(workspace_root().join("spin.toml")).expect("manifest");
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("route = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .map(|r| r.trim_end_matches("...").trim_end_matches('/').to_owned())
        .collect()
}

#[test]
fn every_described_operation_has_a_row_and_every_route_is_described() {
    let described = openapi_operations();
    assert!(
        described.len() > 50,
        "read too few operations: {described:?}"
    );
    let in_matrix: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = described.difference(&in_matrix).collect();
    assert!(
        missing.is_empty(),
        "operations in schema/openapi.yaml without a row in the authorisation matrix: {missing:?}"
    );
    let stale: Vec<_> = in_matrix.difference(&described).collect();
    assert!(
        stale.is_empty(),
        "rows in the authorisation matrix for operations the API does not describe: {stale:?}"
    );
    for prefix in manifest_route_prefixes() {
        assert!(
            described
                .iter()
                .any(|(_, p)| p.starts_with(&format!("{prefix}/"))
                    || *p == prefix
                    || prefix.is_empty()),
            "spin.toml routes {prefix}/... but schema/openapi.yaml describes nothing there"
        );
    }
}

/// The case, its people, and one of each thing the paths name.
struct Fixture<'a> {
    sessions: Vec<(Caller, Option<Session<'a>>)>,
    erdr: String,
    victim_session_id: String,
    victim_participant: i64,
    pending_request: i64,
    decision: i64,
    material: i64,
    petition: i64,
    /// The petition's registration number and its receipt's check code, as its QR code has them.
    petition_check: String,
    attachment_sha: String,
    notification: i64,
    /// A message queued (not dead) in the outbox: retrying it is a conflict, not a denial.
    outbox_message: String,
    dismissable_officer: String,
    police: i64,
    police_code: String,
    /// Strings no denial may contain.
    secrets: Vec<String>,
}

fn fixture(app: &TestApp) -> Fixture<'_> {
    let admin = signed_in(app, TEST_ADMIN_IIN, "ADMIN");
    let police = organ(&admin, "Police");
    let other = organ(&admin, "Other police");
    let (_, lead) = officer(app, &admin, "investigator", police);
    let (_, stranger) = officer(app, &admin, "investigator", other);
    let (dismissable_officer, _) = officer(app, &admin, "inquirer", other);
    // Two heads of the case's unit, signed in now; one is then moved, the other dismissed.
    let (transferred_iin, transferred) = officer(app, &admin, "head_of_unit", police);
    let (dismissed_iin, dismissed) = officer(app, &admin, "head_of_unit", police);
    let erdr = register_case(&lead);
    let police_code = jaria_tests::world::organ_code_of(&lead);
    let victim_iin = random_iin();
    let victim = signed_in(app, &victim_iin, "VICTIM");
    let pending = signed_in(app, &random_iin(), "PENDING");
    let outsider = signed_in(app, &random_iin(), "OUTSIDER");
    let victim_participant = request(&victim, &erdr, "victim", None, None);
    assert_eq!(
        decide(&lead, victim_participant, "confirm", None).status,
        200
    );
    let pending_request = request(&pending, &erdr, "witness_with_defence", None, None);
    let pdf = base64::engine::general_purpose::STANDARD.encode(PDF);
    // Signed by the lead officer: its signature download has something to serve.
    let order_signature = lead
        .person
        .as_ref()
        .expect("the lead's key")
        .sign_cms(PDF, &jaria_tests::CmsOptions::default())
        .expect("cms");
    let decision = lead.post_json(
        &format!("/api/officer/cases/{erdr}/decisions"),
        &json!({"type": "suspension", "decided_on": "2026-11-20", "title": "Suspension order",
                "filename": "s.pdf", "content_base64": pdf,
                "signature": base64::engine::general_purpose::STANDARD.encode(order_signature)}),
    );
    assert_eq!(decision.status, 201, "{}", decision.text());
    let material = lead.post_json(
        &format!("/api/officer/cases/{erdr}/materials"),
        &json!({"title": "Interview record", "filename": "m.pdf", "content_base64": pdf}),
    );
    assert_eq!(material.status, 201, "{}", material.text());
    let r = lead.send_json(
        "PUT",
        &format!("/api/officer/cases/{erdr}/participants/{victim_participant}/familiarisation"),
        &json!({"scope": "all"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let upload = victim.request_with(
        "POST",
        "/api/filings/attachments",
        &[("content-type", "application/pdf")],
        PDF,
    );
    assert_eq!(upload.status, 201, "{}", upload.text());
    let upload = upload.json();
    let petition_text = format!("Secret petition text {}", random_iin());
    let petition = victim.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", "matrix-petition"),
            ("content-type", "application/json"),
        ],
        // Signed by the victim: the signature downloads have something to serve.
        victim
            .signed_filing(
                &json!({"kind": "petition", "erdr_number": erdr, "text": petition_text,
                   "attachments": [upload["id"]]}),
            )
            .to_string()
            .as_bytes(),
    );
    assert_eq!(petition.status, 201, "{}", petition.text());
    let petition = petition.json();
    let notification = victim.get("/api/status/notifications").json()["notifications"][0]["id"]
        .as_i64()
        .expect("the victim has a notification");
    // The victim gives a phone number: its code waits in the outbox (no webhook here).
    let contacts = victim.send_json(
        "PUT",
        "/api/auth/contacts",
        &json!({"phone": "+77010000000"}),
    );
    assert_eq!(contacts.status, 200, "{}", contacts.text());
    let outbox_message = admin.get("/api/admin/outbox?state=pending").json()["messages"][0]["id"]
        .as_str()
        .expect("a queued message")
        .to_owned();
    // Both saw the case while they headed the unit …
    for head in [&transferred, &dismissed] {
        assert_eq!(head.get(&format!("/api/officer/cases/{erdr}")).status, 200);
    }
    // … and then their appointments changed, with their sessions open.
    let moved = admin.post_json(
        "/api/admin/officers",
        &json!({"iin": transferred_iin, "full_name": "MOVED", "role": "investigator", "organ_id": other}),
    );
    assert_eq!(moved.status, 201, "{}", moved.text());
    assert_eq!(
        admin
            .delete(&format!("/api/admin/officers/{dismissed_iin}"))
            .status,
        204
    );
    let receipt = victim
        .get(&format!("/api/filings/{}/receipt", petition["id"]))
        .json();
    let petition_check = format!(
        "{}?code={}",
        petition["registration_number"].as_str().expect("number"),
        receipt["check_code"].as_str().expect("check code")
    );
    let secrets = vec![
        erdr.clone(),
        victim_iin,
        petition_text,
        petition["registration_number"]
            .as_str()
            .unwrap_or("?")
            .to_owned(),
        "Suspension order".to_owned(),
        "Interview record".to_owned(),
    ];
    Fixture {
        victim_session_id: victim.session_id.clone(),
        sessions: vec![
            (Caller::Anonymous, None),
            (Caller::Outsider, Some(outsider)),
            (Caller::Pending, Some(pending)),
            (Caller::Victim, Some(victim)),
            (Caller::Lead, Some(lead)),
            (Caller::StrangerOfficer, Some(stranger)),
            (Caller::Admin, Some(admin)),
            (Caller::Transferred, Some(transferred)),
            (Caller::Dismissed, Some(dismissed)),
        ],
        erdr,
        victim_participant,
        pending_request,
        decision: decision.json()["id"].as_i64().expect("decision id"),
        material: material.json()["id"].as_i64().expect("material id"),
        petition: petition["id"].as_i64().expect("petition id"),
        petition_check,
        attachment_sha: upload["sha256"].as_str().expect("sha").to_owned(),
        notification,
        outbox_message,
        dismissable_officer,
        police,
        police_code,
        secrets,
    }
}

/// A concrete path and a body that is valid for an allowed caller.
fn concrete(f: &Fixture<'_>, method: &str, template: &str) -> (String, Value) {
    let pdf = base64::engine::general_purpose::STANDARD.encode(PDF);
    let path = template
        .replace("{erdr}", &f.erdr)
        .replace("{sha256}", &f.attachment_sha)
        .replace("{iin}", &f.dismissable_officer)
        .replace("{number}", &f.petition_check);
    // Each `{id}` names the row of its own kind: an id that is right only because two tables
    // count alike on a fresh database would fail against a shared deployment.
    let id = match template {
        t if !t.contains("{id}") => String::new(),
        "/api/auth/sessions/{id}" => f.victim_session_id.clone(),
        "/api/officer/access-requests/{id}/decision" => f.pending_request.to_string(),
        "/api/admin/organs/{id}" => f.police.to_string(),
        "/api/admin/outbox/{id}/retry" => f.outbox_message.clone(),
        t if t.contains("/decisions/{id}") => f.decision.to_string(),
        t if t.contains("/materials/{id}") => f.material.to_string(),
        t if t.contains("/participants/{id}") => f.victim_participant.to_string(),
        t if t.contains("/notifications/{id}") => f.notification.to_string(),
        t if t.contains("/filings/{id}") => f.petition.to_string(),
        // Sign-ins by phone that nobody started: answered alike for every caller.
        t if t.contains("/egov-mobile/{id}") || t.contains("/mgovSign/{id}") => {
            "no-such-signing".to_owned()
        }
        t => panic!("{t}: which row does its {{id}} name?"),
    };
    let path = path.replace("{id}", &id);
    let body = match (method, template) {
        ("PUT", "/api/auth/password") => json!({"password": "a long and unusual passphrase 7"}),
        ("PUT", "/api/auth/contacts") => json!({"language": "kk"}),
        ("POST", "/api/auth/contacts/verify") => json!({"channel": "email", "code": "000000"}),
        ("PUT", "/api/auth/notification-preferences") => json!({"language": "en"}),
        ("POST", "/api/admin/organs") => {
            json!({"name": format!("Organ {}", random_iin()), "region": "Astana"})
        }
        ("POST", "/api/admin/officers") => json!({
            "iin": random_iin(), "full_name": "NEW OFFICER", "role": "inquirer", "organ_id": f.police,
        }),
        ("POST", "/api/cases/access-requests") => {
            json!({"erdr_number": random_erdr(), "procedural_status": "victim"})
        }
        ("POST", "/api/officer/cases") => json!({
            "erdr_number": random_erdr(), "registered_on": "2026-11-02", "articles": ["art. 190"],
        }),
        ("PATCH", "/api/officer/cases/{erdr}") => json!({"stage": "under_investigation"}),
        // The police's own code again: a valid change that changes nothing.
        ("PATCH", "/api/admin/organs/{id}") => json!({"code": f.police_code}),
        ("POST", "/api/officer/cases/{erdr}/decisions") => json!({
            "type": "suspension", "decided_on": "2026-11-21", "title": "t", "filename": "f.pdf",
            "content_base64": pdf,
        }),
        ("POST", "/api/officer/cases/{erdr}/materials") => {
            json!({"title": "t", "filename": "f.pdf", "content_base64": pdf})
        }
        ("POST", "/api/officer/access-requests/{id}/decision") => json!({"decision": "confirm"}),
        ("PUT", "/api/officer/cases/{erdr}/participants/{id}/familiarisation") => {
            json!({"scope": "all"})
        }
        ("POST", "/api/officer/cases/{erdr}/participants") => json!({
            "iin": random_iin(), "full_name": "RECORDED WITNESS", "procedural_status": "civil_plaintiff",
            "basis": {"document": "Order recognising as civil plaintiff", "date": "2026-11-20"},
        }),
        ("POST", "/api/officer/cases/{erdr}/participants/{id}/end") => {
            json!({"ended_on": "2026-11-25", "reason": "Recognition revoked."})
        }
        ("POST", "/api/auth/egov-mobile/{id}/result") => json!({"poll_token": "not theirs"}),
        ("POST", "/api/filings" | "/api/filings/to-sign" | "/api/filings/to-sign/egov-mobile") => {
            json!({
                "kind": "crime_report", "organ_id": f.police, "text": "A statement.",
            })
        }
        ("POST", "/api/officer/filings/{id}/extension") => {
            json!({"reason": "r", "due_at": "2099-01-01"})
        }
        ("POST", "/api/officer/filings/{id}/decision") => {
            json!({"outcome": "granted", "reasoning": "Granted."})
        }
        ("POST", "/api/officer/filings/{id}/court") => {
            json!({"step": "received", "on": "2026-12-01", "hearing": false})
        }
        _ => json!({}),
    };
    (path, body)
}

fn send(
    app: &TestApp,
    session: Option<&Session<'_>>,
    method: &str,
    path: &str,
    body: &Value,
) -> Reply {
    let key = random_iin();
    let (content_type, bytes) = match path {
        "/api/filings/attachments" => ("application/pdf", PDF.to_vec()),
        _ => ("application/json", body.to_string().into_bytes()),
    };
    let mut headers: Vec<(&str, &str)> = vec![
        ("content-type", content_type),
        ("idempotency-key", &key),
        ("origin", "https://evil.example"),
    ];
    let body = (method != "GET").then_some(bytes.as_slice());
    match session {
        Some(s) => {
            let bearer = format!("Bearer {}", s.token);
            headers.push(("authorization", &bearer));
            app.request(method, path, &headers, body)
        }
        None => app.request(method, path, &headers, body),
    }
}

fn check_headers(reply: &Reply, what: &str) {
    assert_eq!(
        reply.header("x-content-type-options"),
        Some("nosniff"),
        "{what}: X-Content-Type-Options"
    );
    assert!(
        reply.header("x-frame-options").is_some()
            || reply
                .header("content-security-policy")
                .is_some_and(|c| c.contains("frame-ancestors 'none'")),
        "{what}: framing not forbidden"
    );
    assert!(
        reply.header("cache-control").is_some(),
        "{what}: no Cache-Control"
    );
    assert!(
        reply.header("access-control-allow-origin").is_none()
            && reply.header("access-control-allow-credentials").is_none(),
        "{what}: CORS opened to another origin"
    );
}

#[test]
fn every_operation_answers_every_caller_as_the_matrix_says() {
    let app = TestApp::portal();
    let f = fixture(&app);
    let order: Vec<Caller> = f.sessions.iter().map(|(c, _)| *c).collect();
    assert_eq!(order, CALLERS, "sessions in the matrix's column order");
    // Reads first, then writes in table order, so a write cannot hide a read's answer.
    let mut rows: Vec<&(&str, &str, [Expect; 9])> = MATRIX.iter().collect();
    rows.sort_by_key(|(m, _, _)| *m != "GET");
    let mut failures = Vec::new();
    for (method, template, expectations) in rows {
        let (path, body) = concrete(&f, method, template);
        for ((caller, session), expect) in f.sessions.iter().zip(expectations) {
            let what = format!("{method} {path} as {caller:?}");
            if *expect == Expect::AllowedNotSent {
                continue;
            }
            let reply = send(&app, session.as_ref(), method, &path, &body);
            check_headers(&reply, &what);
            assert!(
                reply.status < 500,
                "{what}: {} {}",
                reply.status,
                reply.text()
            );
            match expect {
                Expect::Denied(status) => {
                    if reply.status != *status {
                        failures.push(format!(
                            "{what}: {} (expected {status}) {}",
                            reply.status,
                            reply.text()
                        ));
                        continue;
                    }
                    assert_eq!(
                        reply.header("content-type"),
                        Some("application/problem+json"),
                        "{what}"
                    );
                    let text = reply.text();
                    for secret in &f.secrets {
                        assert!(
                            !text.contains(secret.as_str()),
                            "{what} leaks {secret}: {text}"
                        );
                    }
                }
                _ => {
                    if [401, 403, 404].contains(&reply.status) {
                        failures.push(format!(
                            "{what}: denied with {} {}",
                            reply.status,
                            reply.text()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_cross_origin_preflight_is_not_granted_anywhere() {
    let app = TestApp::portal();
    for (_, path) in openapi_operations() {
        let path = path
            .replace("{erdr}", "267511031000001")
            .replace("{id}", "1")
            .replace("{iin}", "750630300010")
            .replace("{sha256}", &"0".repeat(64));
        let reply = app.request(
            "OPTIONS",
            &path,
            &[
                ("origin", "https://evil.example"),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "authorization, content-type",
                ),
            ],
            None,
        );
        assert!(reply.status < 500, "OPTIONS {path}: {}", reply.status);
        assert!(
            reply.header("access-control-allow-origin").is_none(),
            "OPTIONS {path} grants CORS"
        );
    }
}

/// The matrix's self-request column: an officer who is themselves the person of a matter —
/// their own status request, their own status, a filing they made — may see it where their
/// office shows it, but every endpoint that decides it refuses (403 `self_dealing`), and the
/// admin endpoints refuse an admin acting on themselves.
#[test]
fn every_deciding_endpoint_refuses_an_officer_on_their_own_matter() {
    let app = TestApp::portal();
    let admin = signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
    let police = organ(&admin, "Police");
    let (lead_iin, lead) = officer(&app, &admin, "investigator", police);
    let (_, head) = officer(&app, &admin, "head_of_unit", police);
    let erdr = register_case(&lead);
    let own = request(&lead, &erdr, "victim", None, None);
    // Another officer confirms it, so the lead is a participant with a live status.
    assert_eq!(decide(&head, own, "confirm", None).status, 200);
    let filed = lead.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", "self-1"),
            ("content-type", "application/json"),
        ],
        json!({"kind": "petition", "erdr_number": erdr, "text": "For myself."})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(filed.status, 201, "{}", filed.text());
    let petition = filed.json()["id"].as_i64().expect("id");
    let second = request(&lead, &erdr, "civil_plaintiff", None, None);
    // The head opens the materials to the lead's own status: ending that is not the lead's call either.
    let granted = head.send_json(
        "PUT",
        &format!("/api/officer/cases/{erdr}/participants/{own}/familiarisation"),
        &json!({"scope": "all"}),
    );
    assert_eq!(granted.status, 200, "{}", granted.text());
    let cases: [(&str, String, Value); 10] = [
        (
            "POST",
            format!("/api/officer/access-requests/{second}/decision"),
            json!({"decision": "confirm"}),
        ),
        (
            "PUT",
            format!("/api/officer/cases/{erdr}/participants/{own}/familiarisation"),
            json!({"scope": "all"}),
        ),
        (
            "DELETE",
            format!("/api/officer/cases/{erdr}/participants/{own}"),
            json!({}),
        ),
        (
            "DELETE",
            format!("/api/officer/cases/{erdr}/participants/{own}/familiarisation"),
            json!({}),
        ),
        (
            "POST",
            format!("/api/officer/cases/{erdr}/participants/{own}/end"),
            json!({"ended_on": "2026-11-20", "reason": "Mine."}),
        ),
        (
            "POST",
            format!("/api/officer/filings/{petition}/review"),
            json!({}),
        ),
        (
            "POST",
            format!("/api/officer/filings/{petition}/extension"),
            json!({"reason": "r", "due_at": "2099-01-01"}),
        ),
        (
            "POST",
            format!("/api/officer/filings/{petition}/decision"),
            json!({"outcome": "granted", "reasoning": "Mine."}),
        ),
        (
            "POST",
            "/api/admin/officers".to_owned(),
            json!({"iin": TEST_ADMIN_IIN, "full_name": "ADMIN", "role": "investigator", "organ_id": police}),
        ),
        // A decision about the officer themselves (here: recognising them as the victim).
        (
            "POST",
            format!("/api/officer/cases/{erdr}/decisions"),
            json!({"type": "recognition_as_victim", "decided_on": "2026-11-20", "title": "Victim",
                   "concerns_iin": lead_iin, "filename": "v.pdf", "content_base64": "JVBERi0xLjQK"}),
        ),
    ];
    for (method, path, body) in cases {
        let who = if path.starts_with("/api/admin") {
            &admin
        } else {
            &lead
        };
        let reply = who.send_json(method, &path, &body);
        reply.assert_problem(403);
        assert_eq!(
            reply.error_code(),
            "self_dealing",
            "{method} {path}: {}",
            reply.text()
        );
    }
    // The same matters are the head of unit's to decide.
    assert_eq!(decide(&head, second, "confirm", None).status, 200);
}
