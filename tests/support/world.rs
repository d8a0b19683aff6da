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

/// A case and the people around it, built as a test needs them: an admin, the police organ
/// and its lead investigator always; a head of unit, a supervising prosecutor (with their own
/// office), an investigator of another organ, the case registered (supervised by the
/// prosecutor if there is one), a victim confirmed or only asking, when asked for:
///
/// ```ignore
/// let w = CaseWorld::new(&app).with_head().with_prosecutor().registered().with_victim();
/// w.victim().get(&format!("/api/cases/{}", w.erdr));
/// ```
///
/// Asking for someone the world was not built with panics, naming the step it lacks.
pub struct CaseWorld<'a> {
    pub app: &'a TestApp,
    pub admin: Session<'a>,
    pub police: i64,
    pub lead_iin: String,
    pub lead: Session<'a>,
    /// The case's number, of the police organ's code (registered only after `registered`).
    pub erdr: String,
    registered: bool,
    head: Option<Session<'a>>,
    prosecutor: Option<(String, Session<'a>, i64)>,
    stranger_officer: Option<Session<'a>>,
    victim: Option<(Session<'a>, i64)>,
}

impl<'a> CaseWorld<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let admin = signed_in(app, crate::TEST_ADMIN_IIN, "ADMIN");
        let police = organ(&admin, "Police");
        let (lead_iin, lead) = officer(app, &admin, "investigator", police);
        let erdr = erdr_of(&lead);
        CaseWorld {
            app,
            admin,
            police,
            lead_iin,
            lead,
            erdr,
            registered: false,
            head: None,
            prosecutor: None,
            stranger_officer: None,
            victim: None,
        }
    }

    /// A head of unit of the police organ.
    pub fn with_head(mut self) -> Self {
        self.head = Some(officer(self.app, &self.admin, "head_of_unit", self.police).1);
        self
    }

    /// A prosecutor of a prosecutor's office of their own; the case, once registered, is theirs
    /// to supervise.
    pub fn with_prosecutor(mut self) -> Self {
        assert!(!self.registered, "add the prosecutor before `registered`");
        let office = organ(&self.admin, "Prosecutor's office");
        let (iin, session) = officer(self.app, &self.admin, "prosecutor", office);
        self.prosecutor = Some((iin, session, office));
        self
    }

    /// An investigator of another organ: no relation to the case.
    pub fn with_stranger_officer(mut self) -> Self {
        let other = organ(&self.admin, "Other police");
        self.stranger_officer = Some(officer(self.app, &self.admin, "investigator", other).1);
        self
    }

    /// The case registered by the lead (under the prosecutor's supervision, if any).
    pub fn registered(mut self) -> Self {
        let mut body = json!({"erdr_number": self.erdr, "registered_on": "2026-11-01",
                              "articles": ["art. 188"]});
        if let Some((iin, _, _)) = &self.prosecutor {
            body["prosecutor_iin"] = iin.as_str().into();
        }
        let r = self.lead.post_json("/api/officer/cases", &body);
        assert_eq!(r.status, 201, "{}", r.text());
        self.registered = true;
        self
    }

    /// A victim who asked for their status, which the lead confirmed.
    pub fn with_victim(self) -> Self {
        let world = self.with_victim_asking();
        let (_, id) = world.victim.as_ref().expect("asked");
        assert_eq!(decide(&world.lead, *id, "confirm", None).status, 200);
        world
    }

    /// A victim who asked for their status; the request waits for the lead (asked before the
    /// case is registered, it waits for the registration too).
    pub fn with_victim_asking(mut self) -> Self {
        let victim = signed_in(self.app, &random_iin(), "VICTIM");
        let id = request(&victim, &self.erdr, "victim", None, None);
        self.victim = Some((victim, id));
        self
    }

    pub fn head(&self) -> &Session<'a> {
        self.head
            .as_ref()
            .expect("the world has no head of unit: add .with_head()")
    }

    pub fn prosecutor(&self) -> &Session<'a> {
        &self.prosecution().1
    }

    pub fn prosecutor_iin(&self) -> &str {
        &self.prosecution().0
    }

    /// The prosecutor's office.
    pub fn prosecutors(&self) -> i64 {
        self.prosecution().2
    }

    fn prosecution(&self) -> &(String, Session<'a>, i64) {
        self.prosecutor
            .as_ref()
            .expect("the world has no prosecutor: add .with_prosecutor()")
    }

    pub fn stranger_officer(&self) -> &Session<'a> {
        self.stranger_officer
            .as_ref()
            .expect("the world has no officer of another organ: add .with_stranger_officer()")
    }

    pub fn victim(&self) -> &Session<'a> {
        &self.victim_and_request().0
    }

    /// The victim's status request (confirmed by `with_victim`, waiting after
    /// `with_victim_asking`): their participant id.
    pub fn victim_request(&self) -> i64 {
        self.victim_and_request().1
    }

    fn victim_and_request(&self) -> &(Session<'a>, i64) {
        self.victim
            .as_ref()
            .expect("the world has no victim: add .with_victim() or .with_victim_asking()")
    }
}
