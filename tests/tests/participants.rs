//! Participants as the register records them: the officer's decision makes a person a
//! participant, a defender sees what their client's recorded status gives while both records
//! are in force, a registered statement makes its filer a participant, a forwarded statement
//! reaches the other organ's queue; and the CPC pieces around them (art. 42-1 paper, art. 101
//! detainees, art. 106 window, a prosecutor assigned later, proof of service).

use jaria_tests::world::{
    CaseWorld, add_decision, add_decision_about, officer, organ, register_case, request, signed_in,
};
use jaria_tests::{Reply, Session, TestApp, random_iin};
use serde_json::{Value, json};

/// An organ with a lead investigator and a head of unit, a prosecutor's office, and a case
/// the lead registered (supervised by the prosecutor).
fn desk(app: &TestApp) -> CaseWorld<'_> {
    CaseWorld::new(app)
        .with_head()
        .with_prosecutor()
        .registered()
}

fn record(
    officer: &Session<'_>,
    erdr: &str,
    iin: &str,
    status: &str,
    represented: Option<&str>,
) -> Reply {
    let mut body = json!({
        "iin": iin, "full_name": format!("PERSON {status}"), "procedural_status": status,
        "basis": {"document": format!("Order on {status}"), "number": "17/2026", "date": "2026-11-20"},
    });
    if let Some(r) = represented {
        body["represented_iin"] = r.into();
    }
    officer.post_json(&format!("/api/officer/cases/{erdr}/participants"), &body)
}

fn recorded(officer: &Session<'_>, erdr: &str, iin: &str, status: &str, rep: Option<&str>) -> i64 {
    let r = record(officer, erdr, iin, status, rep);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["state"], "confirmed");
    r.json()["id"].as_i64().expect("participant id")
}

fn end(officer: &Session<'_>, erdr: &str, id: i64) -> Reply {
    officer.post_json(
        &format!("/api/officer/cases/{erdr}/participants/{id}/end"),
        &json!({"ended_on": "2026-11-25", "reason": "Warrant withdrawn by the client."}),
    )
}

fn decision_types(session: &Session<'_>, erdr: &str) -> Vec<String> {
    let mut types =
        session.strings_of(&format!("/api/cases/{erdr}/decisions"), "decisions", "type");
    types.sort();
    types
}

fn my_case_numbers(session: &Session<'_>) -> Vec<String> {
    session.strings_of("/api/cases", "cases", "erdr_number")
}

fn participant_count(officer: &Session<'_>, erdr: &str) -> usize {
    let card = officer.get(&format!("/api/officer/cases/{erdr}"));
    assert_eq!(card.status, 200, "{}", card.text());
    card.json()["participants"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

fn notice_kinds(session: &Session<'_>) -> Vec<String> {
    session.strings_of("/api/status/notifications", "notifications", "kind")
}

/// A suspect and their defender, both recorded by the lead: (suspect's IIN, the suspect's
/// record, defender's IIN).
fn suspect_and_defender(d: &CaseWorld<'_>) -> (String, i64, String) {
    let suspect_iin = random_iin();
    let suspect_record = recorded(&d.lead, &d.erdr, &suspect_iin, "suspect", None);
    let defender_iin = random_iin();
    recorded(
        &d.lead,
        &d.erdr,
        &defender_iin,
        "defender",
        Some(&suspect_iin),
    );
    (suspect_iin, suspect_record, defender_iin)
}

fn notices_of(session: &Session<'_>, kind: &str) -> Vec<Value> {
    session.get("/api/status/notifications").json()["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .filter(|n| n["kind"] == kind)
        .cloned()
        .collect()
}

#[test]
fn a_recorded_defender_sees_what_their_never_signed_in_client_sees_while_both_are_in_force() {
    let app = TestApp::portal();
    let d = desk(&app);
    // The suspect is in custody and never signs in; the officer records them.
    let suspect_iin = random_iin();
    let victim_iin = random_iin();
    let defender_iin = random_iin();
    let suspect_record = recorded(&d.lead, &d.erdr, &suspect_iin, "suspect", None);
    recorded(&d.lead, &d.erdr, &victim_iin, "victim", None);
    let defender_record = recorded(
        &d.lead,
        &d.erdr,
        &defender_iin,
        "defender",
        Some(&suspect_iin),
    );
    // Decisions of every kind; a suspect receives exactly these.
    add_decision_about(
        &d.lead,
        &d.erdr,
        "recognition_as_suspect",
        Some(&suspect_iin),
    );
    add_decision_about(&d.lead, &d.erdr, "preventive_measure", Some(&suspect_iin));
    add_decision_about(&d.lead, &d.erdr, "recognition_as_victim", Some(&victim_iin));
    add_decision(&d.lead, &d.erdr, "expert_examination");
    add_decision(&d.lead, &d.erdr, "suspension");
    add_decision(&d.lead, &d.erdr, "indictment");
    add_decision(&d.lead, &d.erdr, "extension_of_investigation_period");
    let suspect_sees = [
        "expert_examination",
        "extension_of_investigation_period",
        "preventive_measure",
        "recognition_as_suspect",
        "suspension",
    ];

    // The defender signs in for the first time: the case is there without asking.
    let defender = signed_in(&app, &defender_iin, "DEFENDER");
    assert_eq!(my_case_numbers(&defender), vec![d.erdr.clone()]);
    assert!(notice_kinds(&defender).contains(&"participant_recorded".to_owned()));
    let card = defender.get(&format!("/api/cases/{}", d.erdr));
    assert_eq!(card.status, 200, "{}", card.text());
    assert_eq!(
        card.json()["my_statuses"][0]["procedural_status"],
        "defender"
    );
    assert_eq!(decision_types(&defender, &d.erdr), suspect_sees);
    // No materials until the right is granted, and then only to them.
    let add_material = |title: &str, restricted: bool| -> i64 {
        let r = d.lead.post_json(
            &format!("/api/officer/cases/{}/materials", d.erdr),
            &json!({"title": title, "filename": "r.pdf", "content_base64": base64_pdf(),
                    "restricted": restricted}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["id"].as_i64().expect("material id")
    };
    let grant = |scope: Value| {
        d.lead.send_json(
            "PUT",
            &format!(
                "/api/officer/cases/{}/participants/{defender_record}/familiarisation",
                d.erdr
            ),
            &json!({ "scope": scope }),
        )
    };
    add_material("Expert report", false);
    let materials = |s: &Session<'_>| {
        s.get(&format!("/api/cases/{}/materials", d.erdr)).json()["materials"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
    };
    assert_eq!(materials(&defender), 0);
    let r = grant(json!("all"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(materials(&defender), 1);
    // "All" is what the case had at the grant: a material added later waits for a new grant,
    // which tells the defender more is open.
    add_material("Second expert report", false);
    assert_eq!(materials(&defender), 1);
    let granted_before = notices_of(&defender, "familiarisation_granted").len();
    let r = grant(json!("all"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(materials(&defender), 2);
    assert_eq!(
        notices_of(&defender, "familiarisation_granted").len(),
        granted_before + 1
    );
    // A restricted material is opened by no grant: not by "all", and not when named.
    let secret_id = add_material("Covert surveillance record", true);
    assert_eq!(grant(json!("all")).status, 200);
    assert_eq!(materials(&defender), 2);
    assert_eq!(
        grant(json!([secret_id])).assert_problem(422)["errors"][0]["code"],
        "restricted_material"
    );
    assert_eq!(materials(&defender), 2, "the refused grant changed nothing");
    defender
        .get(&format!(
            "/api/cases/{}/materials/{secret_id}/content",
            d.erdr
        ))
        .assert_problem(404);
    let officer_card = d.lead.get(&format!("/api/officer/cases/{}", d.erdr)).json();
    let listed = officer_card["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .find(|m| m["id"] == secret_id)
        .cloned()
        .expect("the officer sees it");
    assert_eq!(listed["restricted"], true);
    // The defender acts for the client: a petition on the client's behalf is taken.
    let petition = defender.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", "defence-petition"),
            ("content-type", "application/json"),
        ],
        json!({"kind": "petition", "erdr_number": d.erdr, "on_behalf_of_iin": suspect_iin,
               "addressee": "investigator", "text": "Please order a second examination."})
        .to_string()
        .as_bytes(),
    );
    assert_eq!(petition.status, 201, "{}", petition.text());

    // Ending the admission ends access at once: what was served stays, read-only, and
    // nothing new reaches them. The history stays on both sides.
    let r = end(&d.lead, &d.erdr, defender_record);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["ended_on"], "2026-11-25");
    assert_ended(&defender, &d.erdr, "defender", Some("2026-11-25"));
    assert_eq!(decision_types(&defender, &d.erdr), suspect_sees);
    assert_eq!(materials(&defender), 0, "the grant ended with the status");
    defender
        .get(&format!(
            "/api/cases/{}/materials/{secret_id}/content",
            d.erdr
        ))
        .assert_problem(404);
    let refused = defender.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", "after-the-end"),
            ("content-type", "application/json"),
        ],
        json!({"kind": "petition", "erdr_number": d.erdr, "on_behalf_of_iin": suspect_iin,
               "addressee": "investigator", "text": "Please order a third examination."})
        .to_string()
        .as_bytes(),
    );
    // No filing through an ended status: the case is not theirs to file in.
    refused.assert_problem(404);
    let card = d.lead.get(&format!("/api/officer/cases/{}", d.erdr));
    assert_eq!(card.status, 200, "{}", card.text());
    let card = card.json();
    let row = card["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .find(|p| p["id"] == defender_record)
        .cloned()
        .expect("the ended row stays");
    assert_eq!(row["state"], "revoked");
    assert_eq!(row["ended_on"], "2026-11-25");
    assert_eq!(row["origin"], "record");
    assert_eq!(row["basis"], "Order on defender № 17/2026");
    end(&d.lead, &d.erdr, defender_record).assert_problem(409);

    // A second defender loses access when the client's own status ends.
    let second_iin = random_iin();
    recorded(
        &d.lead,
        &d.erdr,
        &second_iin,
        "defender",
        Some(&suspect_iin),
    );
    let second = signed_in(&app, &second_iin, "SECOND DEFENDER");
    assert_eq!(decision_types(&second, &d.erdr), suspect_sees);
    // The released suspect keeps the termination order; what comes after reaches none of them.
    add_decision(&d.lead, &d.erdr, "termination");
    assert_eq!(end(&d.lead, &d.erdr, suspect_record).status, 200);
    add_decision(&d.lead, &d.erdr, "resumption");
    let mut served_to_the_suspect = suspect_sees.map(str::to_owned).to_vec();
    served_to_the_suspect.push("termination".into());
    served_to_the_suspect.sort();
    assert_ended(&second, &d.erdr, "defender", None);
    assert_eq!(decision_types(&second, &d.erdr), served_to_the_suspect);
    let suspect = signed_in(&app, &suspect_iin, "SUSPECT");
    assert_ended(&suspect, &d.erdr, "suspect", Some("2026-11-25"));
    assert_eq!(decision_types(&suspect, &d.erdr), served_to_the_suspect);
    for (who, session) in [
        ("defender", &defender),
        ("second", &second),
        ("suspect", &suspect),
    ] {
        assert!(
            notices_of(session, "decision_available")
                .iter()
                .all(|n| n["payload"]["type"] != "resumption"),
            "{who} was told of a decision after the end"
        );
    }
    assert_eq!(
        decision_types(&defender, &d.erdr),
        suspect_sees,
        "what came after their own end never reaches the first defender"
    );
    // Their own access log stays readable too (who touched their data).
    let log = suspect.get(&format!("/api/cases/{}/access-log", d.erdr));
    assert_eq!(log.status, 200, "{}", log.text());
}

/// The case as someone whose statuses all ended sees it: in their list and readable, marked
/// ended with their status history, without the case's progress, and closed to filings.
#[track_caller]
fn assert_ended(session: &Session<'_>, erdr: &str, status: &str, ended_on: Option<&str>) {
    let card = session.get(&format!("/api/cases/{erdr}"));
    assert_eq!(card.status, 200, "{}", card.text());
    let card = card.json();
    assert_eq!(card["access"], "ended", "{card}");
    assert_eq!(card["read_only"], true, "{card}");
    assert_eq!(card["may_file"], false, "{card}");
    assert_eq!(card["my_statuses"], json!([]), "{card}");
    assert_eq!(card["my_past_statuses"][0]["procedural_status"], status);
    assert_eq!(card["my_past_statuses"][0]["ended_on"], json!(ended_on));
    assert_eq!(card["stage"], Value::Null, "no news of the case: {card}");
    assert_eq!(card["officers"], Value::Null, "no news of the case: {card}");
    assert_eq!(card["articles"], Value::Null, "no news of the case: {card}");
    let listed = session.get("/api/cases").json()["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["erdr_number"] == erdr)
        .cloned()
        .expect("the case stays in my list");
    assert_eq!(listed["access"], "ended");
}

fn base64_pdf() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(jaria_tests::world::PDF)
}

#[test]
fn only_the_conducting_officers_record_and_every_bad_record_is_refused_with_nothing_stored() {
    let app = TestApp::portal();
    let d = desk(&app);
    let (_, stranger) = officer(&app, &d.admin, "investigator", organ(&d.admin, "Other"));
    let citizen = signed_in(&app, &random_iin(), "CITIZEN");
    let iin = random_iin();
    // The supervising prosecutor supervises; others do not see the case at all.
    record(d.prosecutor(), &d.erdr, &iin, "victim", None).assert_problem(403);
    record(&stranger, &d.erdr, &iin, "victim", None).assert_problem(404);
    record(&citizen, &d.erdr, &iin, "victim", None).assert_problem(403);
    // Nobody records themselves.
    let own = record(&d.lead, &d.erdr, &d.lead_iin, "victim", None).assert_problem(403);
    assert_eq!(own["errors"][0]["code"], "self_dealing");
    let before = participant_count(&d.lead, &d.erdr);
    let code = |r: Reply| r.assert_problem(422)["errors"][0]["code"].clone();
    // An advocate without a warrant number; for someone who holds no status; an applicant.
    let mut no_warrant = json!({
        "iin": random_iin(), "full_name": "ADVOCATE", "procedural_status": "defender",
        "represented_iin": iin, "basis": {"document": "Warrant", "date": "2026-11-20"},
    });
    assert_eq!(
        code(d.lead.post_json(
            &format!("/api/officer/cases/{}/participants", d.erdr),
            &no_warrant
        )),
        "required"
    );
    no_warrant["basis"]["number"] = "W-1".into();
    assert_eq!(
        code(d.lead.post_json(
            &format!("/api/officer/cases/{}/participants", d.erdr),
            &no_warrant
        )),
        "principal_not_recorded"
    );
    assert_eq!(
        code(record(&d.lead, &d.erdr, &iin, "applicant", None)),
        "by_statement_only"
    );
    assert_eq!(
        code(record(&d.lead, &d.erdr, "123", "victim", None)),
        "invalid_iin"
    );
    let future = d.lead.post_json(
        &format!("/api/officer/cases/{}/participants", d.erdr),
        &json!({"iin": iin, "full_name": "X", "procedural_status": "victim",
                "basis": {"document": "Order", "date": "2999-01-01"}}),
    );
    assert_eq!(code(future), "in_the_future");
    // A victim cannot be defended; a defender defends the defence side only.
    recorded(&d.lead, &d.erdr, &iin, "victim", None);
    let r = record(&d.lead, &d.erdr, &random_iin(), "defender", Some(&iin));
    assert_eq!(code(r), "principal_not_recorded");
    // The same status twice is a conflict.
    record(&d.lead, &d.erdr, &iin, "victim", None).assert_problem(409);
    assert_eq!(participant_count(&d.lead, &d.erdr), before + 1);
    // The head of unit records too.
    recorded(d.head(), &d.erdr, &random_iin(), "civil_plaintiff", None);
}

#[test]
fn a_request_meets_the_record_instead_of_the_queue() {
    let app = TestApp::portal();
    let d = desk(&app);
    // Recorded first, asks later: confirmed by the record, nothing queued.
    let victim_iin = random_iin();
    let victim_record = recorded(&d.lead, &d.erdr, &victim_iin, "victim", None);
    let victim = signed_in(&app, &victim_iin, "VICTIM");
    let r = victim.post_json(
        "/api/cases/access-requests",
        &json!({"erdr_number": d.erdr, "procedural_status": "victim"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["state"], "confirmed");
    assert_eq!(r.json()["id"], victim_record);
    let queue = d.lead.get("/api/officer/queue").json();
    assert!(
        !queue["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["kind"] == "access_request"),
        "{queue}"
    );
    // Asked first, recorded later: the record confirms the request (one row, same id).
    let plaintiff_iin = random_iin();
    let plaintiff = signed_in(&app, &plaintiff_iin, "PLAINTIFF");
    let asked = request(&plaintiff, &d.erdr, "civil_plaintiff", None, None);
    // Queued, due in 3 days counted as the Code counts days: to 24:00 Almaty, past days off.
    let queue = d.lead.get("/api/officer/queue").json();
    let queued = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["kind"] == "access_request" && i["id"] == asked)
        .unwrap_or_else(|| panic!("{queue}"));
    assert_eq!(
        instant(&queued["due_at"]),
        jaria_tests::calendar::period_end(instant(&queued["requested_at"]), 3),
        "{queued}"
    );
    let r = record(&d.lead, &d.erdr, &plaintiff_iin, "civil_plaintiff", None);
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["id"], asked);
    assert_eq!(r.json()["confirmed_request"], true);
    assert_eq!(my_case_numbers(&plaintiff), vec![d.erdr.clone()]);
    // Nobody asks to be an applicant.
    let r = plaintiff.post_json(
        "/api/cases/access-requests",
        &json!({"erdr_number": d.erdr, "procedural_status": "applicant"}),
    );
    assert_eq!(
        r.assert_problem(422)["errors"][0]["code"],
        "by_statement_only"
    );
}

fn file(session: &Session<'_>, body: &Value) -> i64 {
    let r = session.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", &random_iin()),
            ("content-type", "application/json"),
        ],
        body.to_string().as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().expect("filing id")
}

fn queue_ids(officer: &Session<'_>) -> Vec<i64> {
    let r = officer.get("/api/officer/filings");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["filings"]
        .as_array()
        .expect("filings")
        .iter()
        .filter_map(|f| f["id"].as_i64())
        .collect()
}

#[test]
fn a_registered_statement_puts_its_applicant_in_the_case() {
    let app = TestApp::portal();
    let d = desk(&app);
    let applicant_iin = random_iin();
    let applicant = signed_in(&app, &applicant_iin, "APPLICANT");
    let report = file(
        &applicant,
        &applicant.signed_filing(
            &json!({"kind": "crime_report", "organ_id": d.police, "text": "My car was stolen."}),
        ),
    );
    assert!(my_case_numbers(&applicant).is_empty());
    // Recognised as victim only on a registration.
    d.lead
        .post_json(
            &format!("/api/officer/filings/{report}/decision"),
            &json!({"outcome": "refused", "reasoning": "x", "applicant_is_victim": true}),
        )
        .assert_problem(422);
    let r = d.lead.post_json(
        &format!("/api/officer/filings/{report}/decision"),
        &json!({"outcome": "registered", "reasoning": "Registered in ERDR.",
                "erdr_number": d.erdr, "applicant_is_victim": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(my_case_numbers(&applicant), vec![d.erdr.clone()]);
    let card = applicant.get(&format!("/api/cases/{}", d.erdr)).json();
    let mut statuses: Vec<String> = card["my_statuses"]
        .as_array()
        .expect("statuses")
        .iter()
        .map(|s| {
            s["procedural_status"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["applicant", "victim"]);
    assert!(notice_kinds(&applicant).contains(&"participant_recorded".to_owned()));
    // An applicant who is only an applicant gets what goes to everyone, nothing personal.
    let other_iin = random_iin();
    let other = signed_in(&app, &other_iin, "OTHER APPLICANT");
    let second = file(
        &other,
        &other.signed_filing(
            &json!({"kind": "crime_report", "organ_id": d.police, "text": "Same theft, I saw it."}),
        ),
    );
    let r = d.head().post_json(
        &format!("/api/officer/filings/{second}/decision"),
        &json!({"outcome": "registered", "reasoning": "Joined.", "erdr_number": d.erdr}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    add_decision(&d.lead, &d.erdr, "suspension");
    add_decision(&d.lead, &d.erdr, "expert_examination");
    assert_eq!(decision_types(&other, &d.erdr), ["suspension"]);
    assert_eq!(
        decision_types(&applicant, &d.erdr),
        ["expert_examination", "suspension"]
    );
    let card = d.lead.get(&format!("/api/officer/cases/{}", d.erdr)).json();
    let origins: Vec<&str> = card["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter_map(|p| p["origin"].as_str())
        .collect();
    assert_eq!(origins, ["statement", "statement", "statement"]);
}

#[test]
fn a_forwarded_statement_moves_into_the_other_organs_queue() {
    let app = TestApp::portal();
    let d = desk(&app);
    let finpol = organ(&d.admin, "Financial monitoring");
    let (_, finpol_officer) = officer(&app, &d.admin, "investigator", finpol);
    let citizen = signed_in(&app, &random_iin(), "CITIZEN");
    let report = file(
        &citizen,
        &citizen.signed_filing(
            &json!({"kind": "crime_report", "organ_id": d.police, "text": "A pyramid scheme."}),
        ),
    );
    assert!(queue_ids(&d.lead).contains(&report));
    let forward = |body: Value| {
        d.lead
            .post_json(&format!("/api/officer/filings/{report}/decision"), &body)
    };
    // The organ is chosen from the list: free text, the same organ or none are refused.
    forward(json!({"outcome": "forwarded", "reasoning": "x", "forwarded_to": "Finpol"}))
        .assert_problem(422);
    forward(json!({"outcome": "forwarded", "reasoning": "x", "forwarded_to_organ_id": d.police}))
        .assert_problem(422);
    forward(
        json!({"outcome": "forwarded", "reasoning": "x", "forwarded_to_organ_id": 999_999_999}),
    )
    .assert_problem(422);
    assert!(queue_ids(&d.lead).contains(&report));
    let r = forward(
        json!({"outcome": "forwarded", "reasoning": "Art. 187: within the competence of financial monitoring.",
                          "forwarded_to_organ_id": finpol}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["state"], "submitted");
    // It left the sending organ's queue and is in the receiving one's, open.
    assert!(!queue_ids(&d.lead).contains(&report));
    d.lead
        .get(&format!("/api/officer/filings/{report}"))
        .assert_problem(404);
    assert!(queue_ids(&finpol_officer).contains(&report));
    // Both sides see the move.
    let sent = d.lead.get("/api/officer/forwardings").json();
    assert_eq!(sent["forwardings"][0]["filing_id"], report);
    assert_eq!(sent["forwardings"][0]["direction"], "sent");
    let received = finpol_officer.get("/api/officer/forwardings").json();
    assert_eq!(received["forwardings"][0]["direction"], "received");
    assert_eq!(received["forwardings"][0]["from_organ"]["id"], d.police);
    // The filer is told, and sees where it went.
    assert!(notice_kinds(&citizen).contains(&"filing_forwarded".to_owned()));
    let status = citizen.get(&format!("/api/status/filings/{report}")).json();
    assert_eq!(status["state"], "submitted");
    assert!(
        status["timeline"]
            .as_array()
            .expect("timeline")
            .iter()
            .any(|e| e["event"] == "forwarded" && e["detail"]["to_organ_id"] == finpol),
        "{status}"
    );
    // The receiving organ registers it.
    let erdr = register_case(&finpol_officer);
    let r = finpol_officer.post_json(
        &format!("/api/officer/filings/{report}/decision"),
        &json!({"outcome": "registered", "reasoning": "Registered.", "erdr_number": erdr}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(my_case_numbers(&citizen), [erdr]);
}

#[test]
fn new_decision_types_reach_exactly_their_row() {
    let app = TestApp::portal();
    let d = desk(&app);
    let people: Vec<(String, &str)> = [
        "witness_with_defence",
        "private_prosecutor",
        "suspect",
        "victim",
        "civil_plaintiff",
    ]
    .into_iter()
    .map(|s| (random_iin(), s))
    .collect();
    for (iin, status) in &people {
        recorded(&d.lead, &d.erdr, iin, status, None);
    }
    let iin_of = |s: &str| {
        people
            .iter()
            .find(|p| p.1 == s)
            .map(|p| p.0.clone())
            .unwrap()
    };
    add_decision_about(
        &d.lead,
        &d.erdr,
        "recognition_as_witness_with_defence",
        Some(&iin_of("witness_with_defence")),
    );
    add_decision_about(
        &d.lead,
        &d.erdr,
        "recognition_as_private_prosecutor",
        Some(&iin_of("private_prosecutor")),
    );
    add_decision(&d.lead, &d.erdr, "extension_of_investigation_period");
    let expected = [
        (
            "witness_with_defence",
            vec![
                "extension_of_investigation_period",
                "recognition_as_witness_with_defence",
            ],
        ),
        (
            "private_prosecutor",
            vec!["recognition_as_private_prosecutor"],
        ),
        ("suspect", vec!["extension_of_investigation_period"]),
        ("victim", vec!["extension_of_investigation_period"]),
        ("civil_plaintiff", vec![]),
    ];
    for (status, types) in expected {
        let session = signed_in(&app, &iin_of(status), status);
        assert_eq!(decision_types(&session, &d.erdr), types, "{status}");
    }
    // A personal recognition must name its person.
    let r = d.lead.post_json(
        &format!("/api/officer/cases/{}/decisions", d.erdr),
        &json!({"type": "recognition_as_private_prosecutor", "decided_on": "2026-11-20",
                "title": "t", "filename": "f.pdf", "content_base64": base64_pdf()}),
    );
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "concerns_iin");
}

#[test]
fn everyone_in_force_is_told_when_the_stage_changes_and_no_one_else() {
    let app = TestApp::portal();
    let d = desk(&app);
    let victim_iin = random_iin();
    recorded(&d.lead, &d.erdr, &victim_iin, "victim", None);
    let victim = signed_in(&app, &victim_iin, "VICTIM");
    // A suspect and their defender, recorded; the suspect's status then ends, and with it
    // the defender's access.
    let (suspect_iin, suspect_record, defender_iin) = suspect_and_defender(&d);
    let suspect = signed_in(&app, &suspect_iin, "RELEASED SUSPECT");
    let defender = signed_in(&app, &defender_iin, "DEFENDER");
    assert_eq!(end(&d.lead, &d.erdr, suspect_record).status, 200);
    // A person who only asked is not in the case.
    let asking = signed_in(&app, &random_iin(), "ASKING");
    request(&asking, &d.erdr, "civil_plaintiff", None, None);
    let stage_notices = |s: &Session<'_>| notices_of(s, "stage_changed");
    let patch = |stage: &str| {
        let r = d.lead.send_json(
            "PATCH",
            &format!("/api/officer/cases/{}", d.erdr),
            &json!({"stage": stage}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
    };
    patch("suspended");
    let told = stage_notices(&victim);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["payload"]["erdr_number"], d.erdr.as_str());
    assert_eq!(told[0]["payload"]["stage"], "suspended");
    for (who, session) in [
        ("suspect", &suspect),
        ("defender", &defender),
        ("asking", &asking),
    ] {
        assert!(stage_notices(session).is_empty(), "{who} is not in force");
    }
    // The same stage again is no change; a lead reassigned is not a stage.
    patch("suspended");
    assert_eq!(stage_notices(&victim).len(), 1);
    patch("under_investigation");
    assert_eq!(stage_notices(&victim).len(), 2);
}

#[test]
fn whoever_must_answer_learns_at_once_that_a_filing_arrived_and_the_client_that_it_was_made_for_them()
 {
    let app = TestApp::portal();
    let d = desk(&app);
    let (suspect_iin, _, defender_iin) = suspect_and_defender(&d);
    let suspect = signed_in(&app, &suspect_iin, "CLIENT");
    let defender = signed_in(&app, &defender_iin, "DEFENDER");
    let petition = file(
        &defender,
        &json!({"kind": "petition", "erdr_number": d.erdr, "on_behalf_of_iin": suspect_iin,
                "addressee": "investigator", "text": "Please order a second examination."}),
    );
    // The lead officer answers a petition to the investigator: told, with the due time; the
    // head of unit and the prosecutor are not.
    let told = notices_of(&d.lead, "filing_received");
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["payload"]["filing_id"], petition);
    assert_eq!(told[0]["payload"]["kind"], "petition");
    assert_eq!(told[0]["payload"]["filed_in_detention"], false);
    assert!(told[0]["payload"]["due_at"].is_string(), "{told:?}");
    assert!(notices_of(d.head(), "filing_received").is_empty());
    assert!(notices_of(d.prosecutor(), "filing_received").is_empty());
    // The client learns that it was made for them; the defender is not told of their own act.
    let for_me = notices_of(&suspect, "filed_on_behalf");
    assert_eq!(for_me.len(), 1, "{for_me:?}");
    assert_eq!(for_me[0]["payload"]["filing_id"], petition);
    assert!(notices_of(&defender, "filed_on_behalf").is_empty());
    // A complaint from custody to the head of unit: the head is told, and that it is from
    // custody (art. 101: 24 hours to take it up).
    let complaint = file(
        &suspect,
        &json!({"kind": "complaint", "erdr_number": d.erdr, "addressee": "head_of_unit",
                "subject": "detention", "filed_in_detention": true,
                "text": "I was detained without grounds."}),
    );
    let told = notices_of(d.head(), "filing_received");
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["payload"]["filing_id"], complaint);
    assert_eq!(told[0]["payload"]["filed_in_detention"], true);
    assert_eq!(notices_of(&suspect, "filed_on_behalf").len(), 1);
}

#[test]
fn a_case_switched_to_paper_is_read_only_in_the_portal() {
    let app = TestApp::portal();
    let d = desk(&app);
    let victim_iin = random_iin();
    let victims_record = recorded(&d.lead, &d.erdr, &victim_iin, "victim", None);
    let victim = signed_in(&app, &victim_iin, "VICTIM");
    let plaintiff = signed_in(&app, &random_iin(), "PLAINTIFF");
    let plaintiffs_request = request(&plaintiff, &d.erdr, "civil_plaintiff", None, None);
    let witness = signed_in(&app, &random_iin(), "WITNESS");
    let witness_request = request(&witness, &d.erdr, "witness_with_defence", None, None);
    // What each officer's decision form offers: the same table the requests are checked by.
    let offered = |officer: &Session| -> Vec<Value> {
        let card = officer.get(&format!("/api/officer/cases/{}", d.erdr));
        let types = card.json()["decision_types"].as_array().cloned();
        types
            .unwrap_or_default()
            .iter()
            .map(|t| t["type"].clone())
            .collect()
    };
    assert!(offered(&d.lead).contains(&json!("switch_to_paper")));
    let by_supervisor = offered(d.prosecutor());
    assert!(by_supervisor.contains(&json!("recognition_as_victim")));
    assert!(!by_supervisor.contains(&json!("switch_to_paper")));
    // The supervisor does not switch the format; the conducting officer does.
    let paper = json!({"type": "switch_to_paper", "decided_on": "2026-11-28",
                       "title": "Order on conducting the proceedings on paper (art. 42-1)",
                       "filename": "paper.pdf", "content_base64": base64_pdf()});
    d.prosecutor()
        .post_json(&format!("/api/officer/cases/{}/decisions", d.erdr), &paper)
        .assert_problem(403);
    let r = d
        .lead
        .post_json(&format!("/api/officer/cases/{}/decisions", d.erdr), &paper);
    assert_eq!(r.status, 201, "{}", r.text());
    // Everyone is told and sees the order; the card says read-only.
    assert_eq!(decision_types(&victim, &d.erdr), ["switch_to_paper"]);
    let card = victim.get(&format!("/api/cases/{}", d.erdr)).json();
    assert_eq!(card["read_only"], true);
    assert_eq!(card["paper_since"], "2026-11-28");
    // Nothing new is taken through the portal.
    let petition = victim.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", "on-paper"),
            ("content-type", "application/json"),
        ],
        json!({"kind": "petition", "erdr_number": d.erdr, "addressee": "investigator",
               "text": "Please question a witness."})
        .to_string()
        .as_bytes(),
    );
    assert_eq!(
        petition.assert_problem(409)["errors"][0]["code"],
        "case_on_paper"
    );
    let r = d.lead.post_json(
        &format!("/api/officer/cases/{}/decisions", d.erdr),
        &json!({"type": "suspension", "decided_on": "2026-11-29", "title": "t",
                "filename": "f.pdf", "content_base64": base64_pdf()}),
    );
    assert_eq!(r.assert_problem(409)["errors"][0]["code"], "case_on_paper");
    record(&d.lead, &d.erdr, &random_iin(), "victim", None).assert_problem(409);
    assert_eq!(
        offered(&d.lead),
        Vec::<Value>::new(),
        "a paper case offers no decision"
    );
    // Nor is the case opened further: no status confirmed, no familiarisation granted.
    let confirm = |id: i64| {
        d.lead.post_json(
            &format!("/api/officer/access-requests/{id}/decision"),
            &json!({"decision": "confirm"}),
        )
    };
    assert_eq!(
        confirm(plaintiffs_request).assert_problem(409)["errors"][0]["code"],
        "case_on_paper"
    );
    assert!(my_case_numbers(&plaintiff).is_empty());
    let r = d.lead.send_json(
        "PUT",
        &format!(
            "/api/officer/cases/{}/participants/{victims_record}/familiarisation",
            d.erdr
        ),
        &json!({"scope": "all"}),
    );
    assert_eq!(r.assert_problem(409)["errors"][0]["code"], "case_on_paper");
    // A request is still answered when it is refused: the person learns where they stand.
    let r = d.lead.post_json(
        &format!("/api/officer/access-requests/{witness_request}/decision"),
        &json!({"decision": "reject", "reason": "The case is conducted on paper; come to the unit."}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["state"], "rejected");
}

#[test]
fn a_prosecutor_is_assigned_after_registration_by_whom_the_cpc_allows() {
    let app = TestApp::portal();
    let d = desk(&app);
    let erdr = register_case(&d.lead);
    let (second_iin, second) = officer(&app, &d.admin, "prosecutor", d.prosecutors());
    let (_, head_of_office) = officer(&app, &d.admin, "head_of_unit", d.prosecutors());
    let cases_of = |s: &Session<'_>| -> Vec<String> {
        s.get("/api/officer/cases").json()["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .map(|c| c["erdr_number"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert!(!cases_of(d.prosecutor()).contains(&erdr));
    let assign = |s: &Session<'_>, iin: &str| {
        s.send_json(
            "PATCH",
            &format!("/api/officer/cases/{erdr}"),
            &json!({"prosecutor_iin": iin}),
        )
    };
    assign(&d.lead, &random_iin()).assert_problem(422);
    let r = assign(&d.lead, d.prosecutor_iin());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["prosecutor_iin"], d.prosecutor_iin());
    assert!(cases_of(d.prosecutor()).contains(&erdr));
    // Once assigned, the unit does not replace its own supervisor; the head of the office does.
    assign(&d.lead, &second_iin).assert_problem(403);
    assign(d.prosecutor(), &second_iin).assert_problem(403);
    let r = assign(&head_of_office, &second_iin);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(cases_of(&second).contains(&erdr));
    assert!(!cases_of(d.prosecutor()).contains(&erdr));
}

#[test]
fn detainees_filings_and_the_court_window_have_their_own_periods() {
    let app = TestApp::portal();
    let d = desk(&app);
    let suspect_iin = random_iin();
    recorded(&d.lead, &d.erdr, &suspect_iin, "suspect", None);
    let suspect = signed_in(&app, &suspect_iin, "SUSPECT IN CUSTODY");
    let complaint = file(
        &suspect,
        &json!({"kind": "complaint", "erdr_number": d.erdr, "addressee": "head_of_unit",
                "subject": "detention", "filed_in_detention": true,
                "text": "I was detained without grounds."}),
    );
    let status = suspect
        .get(&format!("/api/status/filings/{complaint}"))
        .json();
    assert_eq!(status["filed_in_detention"], true);
    let submitted = chrono::DateTime::parse_from_rfc3339(status["submitted_at"].as_str().unwrap())
        .unwrap()
        .timestamp();
    let handover =
        chrono::DateTime::parse_from_rfc3339(status["handover_due_at"].as_str().unwrap())
            .unwrap()
            .timestamp();
    assert_eq!(handover - submitted, 24 * 3600);
    assert_eq!(status["handover_overdue"], false);
    assert_eq!(status["court_window"], Value::Null);
    // A statement is not an art. 101 filing.
    let r = suspect.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", "statement-in-custody"),
            ("content-type", "application/json"),
        ],
        json!({"kind": "crime_report", "organ_id": d.police, "filed_in_detention": true,
               "text": "x"})
        .to_string()
        .as_bytes(),
    );
    assert_eq!(
        r.assert_problem(422)["errors"][0]["field"],
        "filed_in_detention"
    );
    // Rejected: the art. 106 countdown starts, 15 days counted as arts. 48–49 count them.
    let r = d.head().post_json(
        &format!("/api/officer/filings/{complaint}/decision"),
        &json!({"outcome": "rejected", "reasoning": "The detention was lawful."}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let status = suspect
        .get(&format!("/api/status/filings/{complaint}"))
        .json();
    let window = &status["court_window"];
    assert_eq!(window["opened_by"], "refusal");
    assert_eq!(window["expired"], false);
    let decided = instant(&status["answer"]["decided_at"]);
    let ends = instant(&window["ends_at"]);
    assert_eq!(
        ends,
        jaria_tests::calendar::period_end(decided, 15),
        "{window}: ends at 24:00 Almaty of day 15 after the decision's, past days off"
    );
    assert!(
        window["ends_at"]
            .as_str()
            .unwrap()
            .ends_with("T19:00:00.000Z"),
        "{window}"
    );
    // Whole days left, rounded up, read a moment after the decision.
    let days_left = window["days_left"].as_i64().unwrap();
    let at_decision = (ends - decided + 86_399) / 86_400;
    assert!(
        days_left == at_decision || days_left == at_decision - 1,
        "{window}"
    );
}

fn instant(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{v}: {e}"))
        .timestamp()
}

#[test]
fn a_complaint_granted_in_part_or_left_without_consideration_opens_the_court_window() {
    let app = TestApp::portal();
    let d = desk(&app);
    let victim_iin = random_iin();
    recorded(&d.lead, &d.erdr, &victim_iin, "victim", None);
    let victim = signed_in(&app, &victim_iin, "VICTIM");
    for (outcome, opened_by) in [
        ("partially_granted", "partial_refusal"),
        ("left_without_consideration", "left_without_consideration"),
        ("granted", ""),
    ] {
        let complaint = file(
            &victim,
            &json!({"kind": "complaint", "erdr_number": d.erdr, "addressee": "head_of_unit",
                    "subject": "other", "text": format!("Answer it {outcome}.")}),
        );
        let r = d.head().post_json(
            &format!("/api/officer/filings/{complaint}/decision"),
            &json!({"outcome": outcome, "reasoning": "Considered."}),
        );
        assert_eq!(r.status, 200, "{outcome}: {}", r.text());
        let status = victim
            .get(&format!("/api/status/filings/{complaint}"))
            .json();
        let window = &status["court_window"];
        if opened_by.is_empty() {
            assert_eq!(
                *window,
                Value::Null,
                "{outcome}: a full grant opens no window"
            );
            continue;
        }
        assert_eq!(window["opened_by"], opened_by, "{outcome}: {status}");
        assert_eq!(
            instant(&window["ends_at"]),
            jaria_tests::calendar::period_end(instant(&status["answer"]["decided_at"]), 15),
            "{outcome}: {window}"
        );
    }
}

#[test]
fn the_officer_sees_when_each_recipient_first_opened_a_decision() {
    let app = TestApp::portal();
    let d = desk(&app);
    let victim_iin = random_iin();
    let victim_record = recorded(&d.lead, &d.erdr, &victim_iin, "victim", None);
    let suspect_iin = random_iin();
    recorded(&d.lead, &d.erdr, &suspect_iin, "suspect", None);
    let decision = add_decision(&d.lead, &d.erdr, "suspension");
    let service = |s: &Session<'_>| {
        s.get(&format!(
            "/api/officer/cases/{}/decisions/{decision}/service",
            d.erdr
        ))
    };
    let before = service(&d.lead);
    assert_eq!(before.status, 200, "{}", before.text());
    let recipients = before.json()["recipients"].clone();
    assert_eq!(recipients.as_array().map(Vec::len), Some(2), "{recipients}");
    assert!(
        recipients
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["first_listed_at"].is_null() && r["first_downloaded_at"].is_null())
    );
    let victim = signed_in(&app, &victim_iin, "VICTIM");
    let list = victim
        .get(&format!("/api/cases/{}/decisions", d.erdr))
        .json();
    assert_eq!(list["service_recorded"], true);
    assert_eq!(list["decisions"][0]["my_first_listed_at"], Value::Null);
    let document = victim.get(&format!(
        "/api/cases/{}/decisions/{decision}/document",
        d.erdr
    ));
    assert_eq!(document.status, 200);
    // The participant sees their opening is recorded.
    let list = victim
        .get(&format!("/api/cases/{}/decisions", d.erdr))
        .json();
    assert!(
        list["decisions"][0]["my_first_listed_at"].is_string(),
        "{list}"
    );
    assert!(
        list["decisions"][0]["my_first_downloaded_at"].is_string(),
        "{list}"
    );
    let after = service(&d.lead).json();
    let of = |iin: &str| {
        after["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["iin"] == iin)
            .cloned()
            .unwrap()
    };
    assert!(of(&victim_iin)["first_listed_at"].is_string());
    assert!(of(&victim_iin)["first_downloaded_at"].is_string());
    assert_eq!(of(&victim_iin)["full_name"], "PERSON victim");
    assert!(of(&suspect_iin)["first_listed_at"].is_null());
    // Not the officer's case: it does not exist for them.
    let (_, stranger) = officer(&app, &d.admin, "investigator", organ(&d.admin, "Other"));
    service(&stranger).assert_problem(404);
    let _ = victim_record;
}

#[test]
fn a_civil_partys_familiarisation_opens_only_what_concerns_the_claim() {
    let app = TestApp::portal();
    let d = desk(&app);
    let plaintiff_iin = random_iin();
    let victim_iin = random_iin();
    let plaintiff = recorded(&d.lead, &d.erdr, &plaintiff_iin, "civil_plaintiff", None);
    let victim = recorded(&d.lead, &d.erdr, &victim_iin, "victim", None);
    let agent_iin = random_iin();
    let agent = recorded(
        &d.lead,
        &d.erdr,
        &agent_iin,
        "representative",
        Some(&plaintiff_iin),
    );
    let add_material = |title: &str, civil_claim: bool| -> i64 {
        let r = d.lead.post_json(
            &format!("/api/officer/cases/{}/materials", d.erdr),
            &json!({"title": title, "filename": "m.pdf", "content_base64": base64_pdf(),
                    "civil_claim": civil_claim}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["id"].as_i64().expect("material id")
    };
    let valuation = add_material("Valuation of the damaged car", true);
    let interrogation = add_material("Interrogation of the suspect", false);
    let grant = |participant: i64, scope: Value| {
        d.lead.send_json(
            "PUT",
            &format!(
                "/api/officer/cases/{}/participants/{participant}/familiarisation",
                d.erdr
            ),
            &json!({ "scope": scope }),
        )
    };
    let opened = |iin: &str| -> Vec<i64> {
        let session = signed_in(&app, iin, "PERSON");
        let mut ids: Vec<i64> = session
            .get(&format!("/api/cases/{}/materials", d.erdr))
            .json()["materials"]
            .as_array()
            .expect("materials")
            .iter()
            .filter_map(|m| m["id"].as_i64())
            .collect();
        ids.sort();
        ids
    };
    // "All", for the civil plaintiff and for whoever acts only for them, is all of the claim.
    for participant in [plaintiff, agent] {
        let r = grant(participant, json!("all"));
        assert_eq!(r.status, 200, "{}", r.text());
    }
    assert_eq!(opened(&plaintiff_iin), vec![valuation]);
    assert_eq!(opened(&agent_iin), vec![valuation]);
    // Named, a material that is not the claim's is refused, and nothing changes.
    let r = grant(plaintiff, json!([interrogation]));
    r.assert_problem(422);
    assert_eq!(r.error_code(), "not_the_civil_claim");
    assert_eq!(opened(&plaintiff_iin), vec![valuation]);
    // A victim's grant of all is not limited.
    assert_eq!(grant(victim, json!("all")).status, 200);
    let mut both = vec![valuation, interrogation];
    both.sort();
    assert_eq!(opened(&victim_iin), both);
    // Acting for a victim who is also the civil plaintiff, a representative is granted all;
    // once the victim's status ends, what stays open to them is only the claim's.
    let both_iin = random_iin();
    let as_victim = recorded(&d.lead, &d.erdr, &both_iin, "victim", None);
    recorded(&d.lead, &d.erdr, &both_iin, "civil_plaintiff", None);
    let lawyer_iin = random_iin();
    let lawyer = recorded(
        &d.lead,
        &d.erdr,
        &lawyer_iin,
        "representative",
        Some(&both_iin),
    );
    assert_eq!(grant(lawyer, json!("all")).status, 200);
    assert_eq!(opened(&lawyer_iin), both);
    assert_eq!(end(&d.lead, &d.erdr, as_victim).status, 200);
    assert_eq!(opened(&lawyer_iin), vec![valuation]);
    // The officer sees which materials are the claim's.
    let card = d.lead.get(&format!("/api/officer/cases/{}", d.erdr)).json();
    let marked: Vec<bool> = card["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .map(|m| m["civil_claim"] == true)
        .collect();
    assert_eq!(marked, vec![false, true], "newest first");
}

#[test]
fn the_case_card_names_who_conducts_it_and_my_rights_in_three_languages() {
    let app = TestApp::portal();
    let d = desk(&app);
    let (suspect_iin, _, defender_iin) = suspect_and_defender(&d);
    let victim_iin = random_iin();
    recorded(&d.lead, &d.erdr, &victim_iin, "victim", None);
    for (iin, status, article) in [
        (&victim_iin, "victim", json!(["71"])),
        (&suspect_iin, "suspect", json!(["64"])),
        (&defender_iin, "defender", json!(["66", "67", "70"])),
    ] {
        let session = signed_in(&app, iin, "PERSON");
        let card = session.get(&format!("/api/cases/{}", d.erdr));
        assert_eq!(card.status, 200, "{}", card.text());
        let card = card.json();
        let lead = &card["officers"]["lead_officer"];
        assert_eq!(lead["full_name"], "OFFICER investigator", "{card}");
        assert_eq!(lead["role"], "investigator");
        assert!(
            lead["organ"]
                .as_str()
                .is_some_and(|o| o.starts_with("Police")),
            "{card}"
        );
        assert_eq!(
            card["officers"]["supervising_prosecutor"]["full_name"],
            "OFFICER prosecutor"
        );
        assert!(
            !card.to_string().contains(&d.lead_iin),
            "officers are named, their IINs are not shown: {card}"
        );
        let rights = card["my_rights"].as_array().expect("rights");
        assert_eq!(rights.len(), 1, "{card}");
        assert_eq!(rights[0]["procedural_status"], status);
        assert_eq!(rights[0]["articles"], article);
        for lang in ["kk", "ru", "en"] {
            assert!(
                rights[0]["text"][lang]
                    .as_str()
                    .is_some_and(|t| t.len() > 40),
                "{status} in {lang}: {card}"
            );
        }
    }
}

/// A valid BIN (a resident legal entity's, registered in November 2026) with a random serial.
fn random_bin() -> String {
    use rand::Rng;
    const FIRST: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const SECOND: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    loop {
        let mut digits = vec![2, 6, 1, 1, 4, 0];
        digits.extend((0..5).map(|_| rand::thread_rng().gen_range(0..10)));
        let sum = |w: &[u32; 11]| digits.iter().zip(w).map(|(d, w)| d * w).sum::<u32>() % 11;
        let check = match sum(&FIRST) {
            10 => sum(&SECOND),
            c => c,
        };
        if check < 10 {
            digits.push(check);
            return digits.iter().map(u32::to_string).collect();
        }
    }
}

fn record_party(officer: &Session<'_>, erdr: &str, party: Value, status: &str) -> Reply {
    let mut body = json!({
        "full_name": format!("PARTY {status}"), "procedural_status": status,
        "basis": {"document": format!("Order on {status}"), "number": "18/2026", "date": "2026-11-20"},
    });
    if let (Some(body), Value::Object(party)) = (body.as_object_mut(), party) {
        body.extend(party);
    }
    officer.post_json(&format!("/api/officer/cases/{erdr}/participants"), &body)
}

fn decision_ids(session: &Session<'_>, erdr: &str) -> Vec<i64> {
    let list = session.get(&format!("/api/cases/{erdr}/decisions"));
    assert_eq!(list.status, 200, "{}", list.text());
    list.json()["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .filter_map(|d| d["id"].as_i64())
        .collect()
}

#[test]
fn a_company_acts_through_its_representative_and_a_foreigner_through_their_defender() {
    let app = TestApp::portal();
    let d = desk(&app);
    let bin = random_bin();
    let company = json!({"party": "legal_entity", "bin": bin});
    // A company is a victim or a civil party, never a suspect; a defender never acts for it.
    let code = |r: Reply| r.assert_problem(422)["errors"][0]["code"].clone();
    assert_eq!(
        code(record_party(&d.lead, &d.erdr, company.clone(), "suspect")),
        "not_for_this_party"
    );
    let r = record_party(&d.lead, &d.erdr, company.clone(), "civil_plaintiff");
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["party"], "legal_entity");
    let representative_iin = random_iin();
    let representative = signed_in(&app, &representative_iin, "REPRESENTATIVE");
    assert_eq!(
        code(record(
            &d.lead,
            &d.erdr,
            &random_iin(),
            "defender",
            Some(&bin)
        )),
        "representative_only"
    );
    recorded(
        &d.lead,
        &d.erdr,
        &representative_iin,
        "representative",
        Some(&bin),
    );
    // The company's recognition reaches its representative; a decision about someone else
    // does not; the company itself, no person, is told nothing.
    let recognition = add_decision_about(
        &d.lead,
        &d.erdr,
        "recognition_as_civil_plaintiff",
        Some(&bin),
    );
    let stranger_iin = random_iin();
    recorded(&d.lead, &d.erdr, &stranger_iin, "civil_plaintiff", None);
    let others = add_decision_about(
        &d.lead,
        &d.erdr,
        "recognition_as_civil_plaintiff",
        Some(&stranger_iin),
    );
    let seen = decision_ids(&representative, &d.erdr);
    assert!(
        seen.contains(&recognition) && !seen.contains(&others),
        "{seen:?}"
    );
    let card = representative.get(&format!("/api/cases/{}", d.erdr)).json();
    assert_eq!(
        card["my_statuses"][0]["represented_iin"],
        bin.as_str(),
        "{card}"
    );

    // A foreigner without an IIN: recorded by their document, a suspect; their defender (with
    // an IIN) sees what their status receives.
    let foreigner =
        json!({"party": "foreigner", "document": {"country": "uz", "number": "AA 1234567"}});
    assert_eq!(
        code(record_party(
            &d.lead,
            &d.erdr,
            foreigner.clone(),
            "defender"
        )),
        "not_for_this_party"
    );
    let r = record_party(&d.lead, &d.erdr, foreigner, "suspect");
    assert_eq!(r.status, 201, "{}", r.text());
    let key = r.json()["iin"].as_str().expect("key").to_owned();
    assert_eq!(key, "foreigner:UZ:AA1234567");
    let defender_iin = random_iin();
    let defender = signed_in(&app, &defender_iin, "DEFENDER");
    recorded(&d.lead, &d.erdr, &defender_iin, "defender", Some(&key));
    let suspicion = add_decision_about(&d.lead, &d.erdr, "recognition_as_suspect", Some(&key));
    let seen = decision_ids(&defender, &d.erdr);
    assert!(
        seen.contains(&suspicion) && !seen.contains(&recognition),
        "{seen:?}"
    );
    // The officer's list says who is who.
    let parties: Vec<(String, String)> =
        d.lead.get(&format!("/api/officer/cases/{}", d.erdr)).json()["participants"]
            .as_array()
            .expect("participants")
            .iter()
            .map(|p| {
                (
                    p["iin"].as_str().unwrap_or_default().to_owned(),
                    p["party"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
    assert!(
        parties.contains(&(bin.clone(), "legal_entity".into())),
        "{parties:?}"
    );
    assert!(parties.contains(&(key, "foreigner".into())), "{parties:?}");
    assert!(
        parties.contains(&(representative_iin, "person".into())),
        "{parties:?}"
    );
}

/// The worst leak is a case shown to the wrong person. A status recorded for the wrong person
/// is ended as entered in error: unlike a status that truly ended, nothing served through it
/// stays readable, for them or for whoever acted for them through it.
#[test]
fn a_status_recorded_in_error_leaves_nothing_with_anyone() {
    let app = TestApp::portal();
    let d = desk(&app);
    let (wrong_iin, right_iin, representative_iin) = (random_iin(), random_iin(), random_iin());
    let wrong = signed_in(&app, &wrong_iin, "WRONG PERSON");
    let right = signed_in(&app, &right_iin, "RIGHT PERSON");
    let representative = signed_in(&app, &representative_iin, "REPRESENTATIVE");
    let wrong_row = recorded(&d.lead, &d.erdr, &wrong_iin, "victim", None);
    let right_row = recorded(&d.lead, &d.erdr, &right_iin, "victim", None);
    recorded(
        &d.lead,
        &d.erdr,
        &representative_iin,
        "representative",
        Some(&wrong_iin),
    );
    let former_iin = random_iin();
    let former = signed_in(&app, &former_iin, "FORMER REPRESENTATIVE");
    let former_row = recorded(
        &d.lead,
        &d.erdr,
        &former_iin,
        "representative",
        Some(&wrong_iin),
    );
    add_decision(&d.lead, &d.erdr, "suspension");
    for reader in [&wrong, &right, &representative, &former] {
        assert_eq!(decision_types(reader, &d.erdr), ["suspension"], "served");
    }
    // One representative withdrew before the error was found: what was served stayed with them.
    assert_eq!(end(&d.lead, &d.erdr, former_row).status, 200);
    assert_eq!(decision_types(&former, &d.erdr), ["suspension"]);
    // A status that ended: what was served stays, read-only.
    assert_eq!(end(&d.lead, &d.erdr, right_row).status, 200);
    assert_eq!(decision_types(&right, &d.erdr), ["suspension"]);
    // Recorded in error: the case is gone for the person and their representative, as if
    // it never existed for them.
    let r = d.lead.post_json(
        &format!("/api/officer/cases/{}/participants/{wrong_row}/end", d.erdr),
        &json!({"ended_on": "2026-11-25", "reason": "Recorded for the wrong person.", "entered_in_error": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    for reader in [&wrong, &representative, &former] {
        reader
            .get(&format!("/api/cases/{}", d.erdr))
            .assert_problem(404);
        reader
            .get(&format!("/api/cases/{}/decisions", d.erdr))
            .assert_problem(404);
        assert!(!my_case_numbers(reader).contains(&d.erdr));
        // The decision's notice is gone from their feed too.
        let kinds = reader.strings_of("/api/status/notifications", "notifications", "kind");
        assert!(
            !kinds.contains(&"decision_available".to_owned()),
            "{kinds:?}"
        );
    }
    // Recorded again later, the person has their status back; the agents get nothing
    // without a record of their own.
    recorded(&d.lead, &d.erdr, &wrong_iin, "victim", None);
    representative
        .get(&format!("/api/cases/{}", d.erdr))
        .assert_problem(404);
    // The record stays for the officers, marked ended.
    let participants =
        d.lead.get(&format!("/api/officer/cases/{}", d.erdr)).json()["participants"].clone();
    let row = participants
        .as_array()
        .and_then(|p| p.iter().find(|p| p["id"] == wrong_row))
        .cloned()
        .expect("the row stays");
    assert_eq!(row["state"], "revoked", "{row}");
}

/// A status request made under a number before its case was registered waits for the case;
/// at the registration its lead officer is told of it at once, as of one just made (their
/// feed, e-mail and SMS), and it stands in their queue.
#[test]
fn a_request_made_before_the_case_existed_reaches_its_lead_at_registration() {
    let app = TestApp::portal();
    let w = CaseWorld::new(&app).with_head().with_victim_asking();
    assert!(notices_of(&w.lead, "access_request_received").is_empty());
    let w = w.registered();
    let received = notices_of(&w.lead, "access_request_received");
    assert_eq!(received.len(), 1, "{received:?}");
    let payload = &received[0]["payload"];
    assert_eq!(payload["request_id"], w.victim_request(), "{payload}");
    assert_eq!(payload["erdr_number"], w.erdr.as_str(), "{payload}");
    assert_eq!(payload["procedural_status"], "victim", "{payload}");
    assert!(payload["due_at"].is_string(), "{payload}");
    // Only the lead: the head of unit is not told of every request.
    assert!(notices_of(w.head(), "access_request_received").is_empty());
    let queue = w.lead.get("/api/officer/queue").json();
    assert!(
        queue["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|i| i["id"] == w.victim_request())),
        "{queue}"
    );
}

/// A status that ended in the ordinary way may turn out to have been recorded for the wrong
/// person: marked in error afterwards, what its ending left with them goes too; its ending
/// stays as it was, and it is marked once.
#[test]
fn a_status_that_ended_can_be_marked_as_recorded_in_error_afterwards() {
    let app = TestApp::portal();
    let d = desk(&app);
    let wrong_iin = random_iin();
    let wrong = signed_in(&app, &wrong_iin, "WRONG PERSON");
    let row = recorded(&d.lead, &d.erdr, &wrong_iin, "victim", None);
    add_decision(&d.lead, &d.erdr, "suspension");
    assert_eq!(decision_types(&wrong, &d.erdr), ["suspension"], "served");
    assert_eq!(end(&d.lead, &d.erdr, row).status, 200);
    assert_eq!(
        decision_types(&wrong, &d.erdr),
        ["suspension"],
        "kept after an ordinary end"
    );
    let mark = |reason: &str| {
        d.lead.post_json(
            &format!("/api/officer/cases/{}/participants/{row}/end", d.erdr),
            &json!({"ended_on": "2026-11-25", "reason": reason, "entered_in_error": true}),
        )
    };
    let r = mark("Recorded for the wrong person.");
    assert_eq!(r.status, 200, "{}", r.text());
    wrong
        .get(&format!("/api/cases/{}", d.erdr))
        .assert_problem(404);
    assert!(!my_case_numbers(&wrong).contains(&d.erdr));
    let participants =
        d.lead.get(&format!("/api/officer/cases/{}", d.erdr)).json()["participants"].clone();
    let shown = participants
        .as_array()
        .and_then(|p| p.iter().find(|p| p["id"] == row))
        .cloned()
        .expect("the row stays");
    assert_eq!(shown["entered_in_error"], true, "{shown}");
    assert_eq!(shown["reason"], "Recorded for the wrong person.", "{shown}");
    // Once.
    mark("Again.").assert_problem(409);
    // An ordinary end of an ended status is still refused.
    end(&d.lead, &d.erdr, row).assert_problem(409);
}
