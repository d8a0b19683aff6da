//! The access-control core as the people in a case live it: a participant asks, the officer
//! confirms, the participant sees the card and the decisions their status receives, the
//! officer opens materials and closes them again. And everyone else sees nothing.

use base64::Engine as _;
use jaria_tests::world::{
    CaseWorld, PDF, add_decision, add_decision_about, decide, officer, random_erdr, request,
    signed_in,
};
use jaria_tests::{PersonSpec, Session, TestApp, issue, random_iin};
use serde_json::{Value, json};

/// The case's world (its officers, its prosecutor, its victim) and the other people these
/// tests need.
struct World<'a> {
    case: CaseWorld<'a>,
    suspect: Session<'a>,
    defender: Session<'a>,
    unrelated: Session<'a>,
    suspect_iin: String,
}

impl<'a> std::ops::Deref for World<'a> {
    type Target = CaseWorld<'a>;
    fn deref(&self) -> &CaseWorld<'a> {
        &self.case
    }
}

fn decision_types(session: &Session<'_>, erdr: &str) -> Vec<String> {
    let mut types =
        session.strings_of(&format!("/api/cases/{erdr}/decisions"), "decisions", "type");
    types.sort();
    types
}

/// Everyone, a registered case, and the three requests confirmed.
fn world(app: &TestApp) -> (World<'_>, [i64; 3]) {
    // The victim asks before the case exists: kept pending, and reaches the officer once it
    // is registered.
    let case = CaseWorld::new(app)
        .with_head()
        .with_prosecutor()
        .with_stranger_officer()
        .with_victim_asking()
        .registered();
    let suspect_iin = random_iin();
    let suspect = signed_in(app, &suspect_iin, "SUSPECT");
    let defender = signed_in(app, &random_iin(), "DEFENDER");
    let unrelated = signed_in(app, &random_iin(), "UNRELATED");
    let suspect_request = request(&suspect, &case.erdr, "suspect", None, None);
    let defender_request = request(
        &defender,
        &case.erdr,
        "defender",
        Some(&suspect_iin),
        Some("warrant 17/2026"),
    );
    let requests = [case.victim_request(), suspect_request, defender_request];
    (
        World {
            case,
            suspect,
            defender,
            unrelated,
            suspect_iin,
        },
        requests,
    )
}

/// Everyone, a registered case, and the victim's, suspect's and defender's requests confirmed.
fn confirmed_world(app: &TestApp) -> World<'_> {
    let (w, requests) = world(app);
    for id in requests {
        assert_eq!(decide(&w.lead, id, "confirm", None).status, 200);
    }
    w
}

#[test]
fn request_confirm_see_decisions_grant_materials_revoke() {
    let app = TestApp::portal();
    let (w, [victim_req, suspect_req, defender_req]) = world(&app);
    let card = format!("/api/cases/{}", w.erdr);

    // Before confirmation the case does not exist for them, exactly like a made-up number.
    let pending = w.victim().get(&card);
    let made_up = w.victim().get(&format!("/api/cases/{}", random_erdr()));
    pending.assert_problem(404);
    assert_eq!(pending.problem_shape(), made_up.problem_shape());
    let mine = w.victim().get("/api/cases/access-requests").json();
    assert_eq!(mine["access_requests"][0]["state"], "requested", "{mine}");

    // The queue of the lead officer holds all three, ordered by due date.
    let queue = w.lead.get("/api/officer/queue").json();
    let ids: Vec<i64> = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    for id in [victim_req, suspect_req, defender_req] {
        assert!(ids.contains(&id), "{queue}");
    }
    assert!(
        w.stranger_officer().get("/api/officer/queue").json()["items"]
            .as_array()
            .is_some_and(|i| i.is_empty())
    );

    // Confirm; a rejection needs a reason; a decided request cannot be decided again.
    decide(&w.lead, victim_req, "reject", None).assert_problem(422);
    for id in [victim_req, suspect_req, defender_req] {
        assert_eq!(decide(&w.lead, id, "confirm", None).status, 200);
    }
    decide(&w.lead, victim_req, "confirm", None).assert_problem(409);
    decide(w.stranger_officer(), suspect_req, "confirm", None).assert_problem(404);

    // The card, with my status in it.
    let seen = w.victim().get(&card);
    assert_eq!(seen.status, 200, "{}", seen.text());
    assert_eq!(seen.json()["my_statuses"][0]["procedural_status"], "victim");
    let list = w.victim().get("/api/cases").json();
    assert_eq!(list["cases"][0]["erdr_number"], w.erdr.as_str(), "{list}");

    // Decisions by status; the defender sees what the suspect sees.
    let victim_iin = w.victim().get("/api/auth/me").json()["iin"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    add_decision_about(&w.lead, &w.erdr, "recognition_as_victim", Some(&victim_iin));
    add_decision_about(
        &w.lead,
        &w.erdr,
        "recognition_as_suspect",
        Some(&w.suspect_iin),
    );
    add_decision_about(
        &w.lead,
        &w.erdr,
        "qualification_of_suspicion",
        Some(&w.suspect_iin),
    );
    add_decision(&w.lead, &w.erdr, "suspension");
    // About another suspect of the same case: neither this suspect nor their defender sees it.
    add_decision_about(
        &w.lead,
        &w.erdr,
        "recognition_as_suspect",
        Some(&random_iin()),
    );
    // A personal decision must say whom it is about.
    w.lead
        .post_json(
            &format!("/api/officer/cases/{}/decisions", w.erdr),
            &json!({"type": "preventive_measure", "decided_on": "2026-11-20", "title": "t",
                    "filename": "f.pdf",
                    "content_base64": base64::engine::general_purpose::STANDARD.encode(PDF)}),
        )
        .assert_problem(422);
    assert_eq!(
        decision_types(w.victim(), &w.erdr),
        [
            "qualification_of_suspicion",
            "recognition_as_victim",
            "suspension"
        ]
    );
    let defence = [
        "qualification_of_suspicion",
        "recognition_as_suspect",
        "suspension",
    ];
    assert_eq!(decision_types(&w.suspect, &w.erdr), defence);
    assert_eq!(decision_types(&w.defender, &w.erdr), defence);
    let decisions = w.victim().get(&format!("{card}/decisions")).json();
    let first = decisions["decisions"][0]["id"].as_i64().expect("id");
    let doc = w
        .victim()
        .get(&format!("{card}/decisions/{first}/document"));
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body, PDF);
    let hidden = w
        .suspect
        .get(&format!("/api/cases/{}/decisions", w.erdr))
        .json();
    let victim_only = w.victim().get(&format!("{card}/decisions")).json()["decisions"]
        .as_array()
        .expect("list")
        .iter()
        .find(|d| d["type"] == "recognition_as_victim")
        .and_then(|d| d["id"].as_i64())
        .expect("victim decision");
    assert!(!hidden.to_string().contains("recognition_as_victim"));
    w.suspect
        .get(&format!("{card}/decisions/{victim_only}/document"))
        .assert_problem(404);

    // Materials only under a live grant, only in its scope.
    let material = w.lead.post_json(
        &format!("/api/officer/cases/{}/materials", w.erdr),
        &json!({"title": "Protocol of inspection", "kind": "protocol", "filename": "протокол.pdf",
                "content_base64": base64::engine::general_purpose::STANDARD.encode(PDF)}),
    );
    assert_eq!(material.status, 201, "{}", material.text());
    let material_id = material.json()["id"].as_i64().expect("material id");
    assert_eq!(
        w.victim().get(&format!("{card}/materials")).json()["materials"],
        json!([])
    );
    let content = format!("{card}/materials/{material_id}/content");
    w.victim().get(&content).assert_problem(404);
    let grant_path = format!(
        "/api/officer/cases/{}/participants/{victim_req}/familiarisation",
        w.erdr
    );
    assert_eq!(
        w.lead
            .send_json("PUT", &grant_path, &json!({"scope": "all"}))
            .status,
        200
    );
    assert_eq!(
        w.victim().get(&format!("{card}/materials")).json()["materials"][0]["id"],
        material_id
    );
    let download = w.victim().get(&content);
    assert_eq!(download.status, 200);
    assert_eq!(download.body, PDF);
    assert!(
        download
            .header("content-disposition")
            .is_some_and(|d| d.contains("attachment"))
    );
    let etag = download.header("etag").expect("etag").to_owned();
    let ranged = app.request(
        "GET",
        &content,
        &[
            ("authorization", &format!("Bearer {}", w.victim().token)),
            ("range", "bytes=0-3"),
        ],
        None,
    );
    assert_eq!((ranged.status, ranged.body.as_slice()), (206, &b"%PDF"[..]));
    let cached = app.request(
        "GET",
        &content,
        &[
            ("authorization", &format!("Bearer {}", w.victim().token)),
            ("if-none-match", &etag),
        ],
        None,
    );
    assert_eq!(cached.status, 304);
    // The suspect has no grant.
    w.suspect
        .get(&format!(
            "/api/cases/{}/materials/{material_id}/content",
            w.erdr
        ))
        .assert_problem(404);
    assert_eq!(w.lead.delete(&grant_path).status, 204);
    w.victim().get(&content).assert_problem(404);

    // The access log shows the officer who looked at the case.
    w.lead.get(&format!("/api/officer/cases/{}", w.erdr));
    let log = w.victim().get(&format!("{card}/access-log")).json();
    assert!(
        log["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["who"]["kind"] == "officer" && e["action"] == "case_viewed"),
        "{log}"
    );
    assert!(
        !log.to_string().contains(&w.suspect_iin),
        "another participant leaked: {log}"
    );
    // The log names only what its reader may see: a decision or a material added that is
    // hidden from them is no entry of theirs (it would tell that it exists, and when).
    // Walked a row at a time, so that no page, short or empty, and no cursor tells of one.
    let added = |session: &Session<'_>, action: &str| {
        let mut count = 0;
        let mut cursor = String::new();
        loop {
            let log = session
                .get(&format!("{card}/access-log?limit=1{cursor}"))
                .json();
            let entries = log["entries"]
                .as_array()
                .unwrap_or_else(|| panic!("no entries: {log}"))
                .clone();
            count += entries.iter().filter(|e| e["action"] == action).count();
            match log["next_cursor"].as_str() {
                Some(next) => {
                    assert_eq!(entries.len(), 1, "a short page with a cursor: {log}");
                    cursor = format!("&cursor={next}");
                }
                None => break count,
            }
        }
    };
    for (who, session) in [("victim", w.victim()), ("suspect", &w.suspect)] {
        assert_eq!(
            added(session, "decision_added"),
            decision_types(session, &w.erdr).len(),
            "{who}: an entry for a decision hidden from them"
        );
        // Neither holds a live grant now: no material is theirs to see.
        assert_eq!(
            added(session, "material_added"),
            0,
            "{who}: an entry for a material not opened to them"
        );
    }

    // A revoked status closes the case to anything new.
    assert_eq!(
        w.lead
            .delete(&format!(
                "/api/officer/cases/{}/participants/{victim_req}",
                w.erdr
            ))
            .status,
        204
    );
    // What was served stays, read-only: the card says the status ended, and tells nothing new.
    let ended = w.victim().get(&card);
    assert_eq!(ended.status, 200, "{}", ended.text());
    let ended = ended.json();
    assert_eq!(ended["access"], "ended", "{ended}");
    assert_eq!(ended["my_statuses"], json!([]), "{ended}");
    assert_eq!(ended["stage"], Value::Null, "{ended}");
    w.victim().get(&content).assert_problem(404);
    assert!(
        w.victim().get("/api/cases").json()["cases"]
            .as_array()
            .is_some_and(|c| c.iter().all(|c| c["access"] == "ended"))
    );
}

#[test]
fn only_the_officers_of_the_case_act_on_it() {
    let app = TestApp::portal();
    let (w, [_, suspect_req, _]) = world(&app);
    let officer_card = format!("/api/officer/cases/{}", w.erdr);
    for (who, session, expected) in [
        ("lead", &w.lead, 200),
        ("head of unit", w.head(), 200),
        ("prosecutor", w.prosecutor(), 200),
        ("officer of another organ", w.stranger_officer(), 404),
        ("admin", &w.admin, 403),
        ("participant", w.victim(), 403),
        ("unrelated", &w.unrelated, 403),
    ] {
        let r = session.get(&officer_card);
        assert_eq!(r.status, expected, "{who}: {}", r.text());
        if expected != 200 {
            r.assert_problem(expected);
            assert!(!r.text().contains(&w.erdr), "{who} leaked: {}", r.text());
        }
    }
    // The prosecutor decides; the stranger cannot even see the request.
    assert_eq!(
        decide(w.prosecutor(), suspect_req, "confirm", None).status,
        200
    );
    w.stranger_officer()
        .send_json("PATCH", &officer_card, &json!({"stage": "suspended"}))
        .assert_problem(404);
    let patched = w.lead.send_json(
        "PATCH",
        &officer_card,
        &json!({"stage": "under_investigation"}),
    );
    assert_eq!(patched.json()["stage"], "under_investigation");
    w.lead
        .send_json("PATCH", &officer_card, &json!({"stage": "closed"}))
        .assert_problem(422);
}

/// Every participant endpoint × everyone who must not see the case: the same 404, no data.
#[test]
fn nobody_outside_the_case_learns_anything() {
    let app = TestApp::portal();
    let (w, [victim_req, _, _]) = world(&app);
    let decision = add_decision(&w.lead, &w.erdr, "suspension");
    assert_eq!(decide(&w.lead, victim_req, "confirm", None).status, 200);
    let endpoints = [
        format!("/api/cases/{}", w.erdr),
        format!("/api/cases/{}/decisions", w.erdr),
        format!("/api/cases/{}/decisions/{decision}/document", w.erdr),
        format!("/api/cases/{}/materials", w.erdr),
        format!("/api/cases/{}/materials/1/content", w.erdr),
        format!("/api/cases/{}/access-log", w.erdr),
    ];
    let reference = w.unrelated.get(&format!("/api/cases/{}", random_erdr()));
    for path in &endpoints {
        // Pending (suspect, defender: not yet confirmed), unrelated, and officers as people.
        for (who, session) in [
            ("pending suspect", &w.suspect),
            ("pending defender", &w.defender),
            ("unrelated", &w.unrelated),
            ("officer of another organ", w.stranger_officer()),
            ("admin", &w.admin),
        ] {
            let r = session.get(path);
            r.assert_problem(404);
            assert_eq!(r.problem_shape(), reference.problem_shape(), "{who} {path}");
        }
        app.get(path).assert_problem(401);
        // The confirmed victim, by contrast, is answered (material 1 is not granted: 404).
        let own = w.victim().get(path).status;
        assert!(own == 200 || path.contains("materials/1"), "{path}: {own}");
    }
    let v: Value = w.victim().get(&format!("/api/cases/{}", w.erdr)).json();
    assert_eq!(v["erdr_number"], w.erdr.as_str());
}

#[test]
fn the_flow_works_with_the_demo_data() {
    jaria_tests::local_only!();
    let app = TestApp::builder().demo().start();
    let demo = app.state_dir().join("demo");
    let person = |key: &str| {
        let read = |ext: &str| {
            std::fs::read_to_string(demo.join(format!("{key}.{ext}"))).expect("demo file")
        };
        jaria_tests::Person::from_pem(&read("pem"), &read("key")).expect("demo person")
    };
    let victim = app.sign_in(&person("victim"));
    let investigator = app.sign_in(&person("investigator"));
    let erdr = "267511031000001";
    let id = request(&victim, erdr, "victim", None, None);
    assert_eq!(decide(&investigator, id, "confirm", None).status, 200);
    let card = victim.get(&format!("/api/cases/{erdr}"));
    assert_eq!(card.status, 200, "{}", card.text());
    assert_eq!(card.json()["stage"], "under_investigation");
}

#[test]
fn seeded_cases_at_volume_are_served_with_cursor_pagination() {
    jaria_tests::local_only!();
    let dir = tempfile::tempdir().expect("temp dir");
    let status = jaria_tests::jaria_command()
        .args(["seed", "--cases", "3000"])
        .args(jaria_tests::store_args_for(dir.path()))
        .status()
        .expect("run jaria seed");
    assert!(status.success());
    let db = rusqlite::Connection::open(jaria_tests::database_file_for(dir.path())).expect("db");
    let (victim_iin, erdr, lead_iin): (String, String, String) = db
        .query_row(
            "SELECT p.person_iin, c.erdr_number, c.lead_officer_iin FROM case_participants p
             JOIN cases c ON c.id = p.case_id WHERE p.status = 'victim' AND p.case_id = 1234",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a seeded victim");
    drop(db);
    let app = TestApp::builder().portal().state_dir(dir.path()).start();
    let victim = app.sign_in(&issue(PersonSpec::new(&victim_iin, "VICTIM")));
    let cases = victim.get("/api/cases").json();
    assert_eq!(cases["cases"].as_array().map(Vec::len), Some(1), "{cases}");
    assert_eq!(cases["cases"][0]["erdr_number"], erdr.as_str());
    let decisions = victim.get(&format!("/api/cases/{erdr}/decisions")).json();
    assert!(
        decisions["decisions"]
            .as_array()
            .is_some_and(|d| !d.is_empty()),
        "{decisions}"
    );
    assert!(
        !decisions.to_string().contains("recognition_as_suspect"),
        "{decisions}"
    );

    let lead = app.sign_in(&issue(PersonSpec::new(&lead_iin, "LEAD")));
    let first = lead.get("/api/officer/cases?limit=5").json();
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a full page has a cursor")
        .to_owned();
    let second = lead
        .get(&format!("/api/officer/cases?limit=5&cursor={cursor}"))
        .json();
    let numbers = |page: &Value| -> Vec<String> {
        page["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .map(|c| c["erdr_number"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(numbers(&first).len(), 5);
    assert_eq!(numbers(&second).len(), 5);
    assert!(
        numbers(&second)
            .iter()
            .all(|n| !numbers(&first).contains(n))
    );
    lead.get("/api/officer/cases?cursor=forged")
        .assert_problem(422);
}

/// Every officer endpoint × every kind of caller: only the officers of the case act; others
/// get 401 (anonymous), 403 (not an officer, or an admin: no case content) or 404 (an officer
/// to whom the case does not exist). Never a 5xx, never data in a denial.
#[test]
fn authorisation_matrix_for_officer_endpoints() {
    let app = TestApp::portal();
    let (w, [victim_req, suspect_req, defender_req]) = world(&app);
    assert_eq!(decide(&w.lead, victim_req, "confirm", None).status, 200);
    let erdr = w.erdr.clone();
    let pdf = base64::engine::general_purpose::STANDARD.encode(PDF);
    // (method, path, body) — each a valid request for the case's own officers.
    let endpoints: Vec<(&str, String, Value)> = vec![
        ("GET", format!("/api/officer/cases/{erdr}"), json!(null)),
        (
            "PATCH",
            format!("/api/officer/cases/{erdr}"),
            json!({"stage": "under_investigation"}),
        ),
        (
            "POST",
            format!("/api/officer/cases/{erdr}/decisions"),
            json!({"type": "suspension", "decided_on": "2026-11-20", "title": "t", "filename": "f.pdf", "content_base64": pdf}),
        ),
        (
            "POST",
            format!("/api/officer/cases/{erdr}/materials"),
            json!({"title": "t", "filename": "f.pdf", "content_base64": pdf}),
        ),
        (
            "PUT",
            format!("/api/officer/cases/{erdr}/participants/{victim_req}/familiarisation"),
            json!({"scope": "all"}),
        ),
        (
            "DELETE",
            format!("/api/officer/cases/{erdr}/participants/{victim_req}/familiarisation"),
            json!(null),
        ),
        (
            "POST",
            format!("/api/officer/access-requests/{suspect_req}/decision"),
            json!({"decision": "confirm"}),
        ),
        (
            "POST",
            format!("/api/officer/access-requests/{defender_req}/decision"),
            json!({"decision": "reject", "reason": "no warrant"}),
        ),
    ];
    let callers: Vec<(&str, Option<&Session<'_>>, u16)> = vec![
        ("anonymous", None, 401),
        ("unrelated participant", Some(&w.unrelated), 403),
        ("confirmed participant", Some(w.victim()), 403),
        ("pending participant", Some(&w.suspect), 403),
        ("admin", Some(&w.admin), 403),
        ("officer of another organ", Some(w.stranger_officer()), 404),
    ];
    for (method, path, body) in &endpoints {
        for (who, session, expected) in &callers {
            let reply = match session {
                Some(s) if body.is_null() => s.send_json(method, path, &json!({})),
                Some(s) => s.send_json(method, path, body),
                None => app.request(
                    method,
                    path,
                    &[("content-type", "application/json")],
                    Some(body.to_string().as_bytes()),
                ),
            };
            assert_eq!(
                reply.status,
                *expected,
                "{who} {method} {path}: {}",
                reply.text()
            );
            reply.assert_problem(*expected);
            assert!(
                !reply.text().contains(&erdr),
                "{who} {method} {path} leaked the case"
            );
        }
    }
    // The case's own officers: the lead and the prosecutor act (in order, each a success).
    for (i, (method, path, body)) in endpoints.iter().enumerate() {
        let actor = if i % 2 == 0 { &w.lead } else { w.prosecutor() };
        let reply = if body.is_null() {
            actor.send_json(method, path, &json!({}))
        } else {
            actor.send_json(method, path, body)
        };
        assert!(
            reply.status / 100 == 2,
            "{method} {path}: {} {}",
            reply.status,
            reply.text()
        );
    }
}

/// Sends a decision that annuls or corrects `amended` (type and person left to the amended
/// one's, unless `extra` names them).
fn amend(
    officer: &Session<'_>,
    erdr: &str,
    amended: i64,
    how: &str,
    extra: Value,
) -> jaria_tests::Reply {
    let mut body = json!({
        "amends_decision_id": amended, "amendment": how, "decided_on": "2026-11-25",
        "title": format!("Order: {how} #{amended}"), "filename": format!("{how}.pdf"),
        "content_base64": base64::engine::general_purpose::STANDARD.encode(PDF),
    });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    officer.post_json(&format!("/api/officer/cases/{erdr}/decisions"), &body)
}

fn kinds_in_feed(session: &Session<'_>) -> Vec<String> {
    session.strings_of("/api/status/notifications", "notifications", "kind")
}

#[test]
fn an_annulled_or_corrected_decision_stays_marked_and_its_amendments_reach_whom_it_reached() {
    let app = TestApp::portal();
    let w = confirmed_world(&app);
    // A preventive measure reaches the suspect and the defender, not the victim.
    let measure = add_decision_about(&w.lead, &w.erdr, "preventive_measure", Some(&w.suspect_iin));
    let prosecutors_own = add_decision(w.prosecutor(), &w.erdr, "suspension");

    // Who may: the lead never annuls; the head of unit not the prosecutor's decision; only the
    // author corrects; an officer of another organ does not see the case.
    amend(&w.lead, &w.erdr, measure, "annuls", json!({})).assert_problem(403);
    amend(w.head(), &w.erdr, prosecutors_own, "annuls", json!({})).assert_problem(403);
    // Nor that of the head of the supervising office, who is no "prosecutor" by role.
    let (_, chief) = officer(&app, &w.admin, "head_of_unit", w.prosecutors());
    let chiefs_own = add_decision(&chief, &w.erdr, "expert_examination");
    amend(w.head(), &w.erdr, chiefs_own, "annuls", json!({})).assert_problem(403);
    amend(w.head(), &w.erdr, measure, "corrects", json!({})).assert_problem(403);
    amend(w.stranger_officer(), &w.erdr, measure, "annuls", json!({})).assert_problem(404);
    // What an amendment is: of the amended decision's type and person, of a decision of this
    // case, named with how.
    let field = |r: jaria_tests::Reply| r.assert_problem(422)["errors"][0]["code"].clone();
    for (amended, how, extra, code) in [
        (
            measure,
            "corrects",
            json!({"type": "termination"}),
            "type_differs",
        ),
        (
            measure,
            "corrects",
            json!({"concerns_iin": random_iin()}),
            "concerns_differs",
        ),
        (
            9_007_199_254_740_991,
            "corrects",
            json!({}),
            "unknown_decision",
        ),
        (measure, "revokes", json!({}), "invalid_amendment"),
    ] {
        assert_eq!(field(amend(&w.lead, &w.erdr, amended, how, extra)), code);
    }
    let decisions_before = w
        .suspect
        .get(&format!("/api/cases/{}/decisions", w.erdr))
        .json();

    // The author corrects it; the supervising prosecutor annuls it, once.
    let corrected = amend(&w.lead, &w.erdr, measure, "corrects", json!({}));
    assert_eq!(corrected.status, 201, "{}", corrected.text());
    let correction = corrected.json()["id"].as_i64().expect("id");
    assert_eq!(
        field(amend(
            w.prosecutor(),
            &w.erdr,
            correction,
            "annuls",
            json!({})
        )),
        "not_amendable",
        "an amendment is not amended: a new decision is made"
    );
    let annulled = amend(w.prosecutor(), &w.erdr, measure, "annuls", json!({}));
    assert_eq!(annulled.status, 201, "{}", annulled.text());
    let annulment = annulled.json()["id"].as_i64().expect("id");
    amend(w.head(), &w.erdr, measure, "annuls", json!({})).assert_problem(409);

    // The suspect and the defender see the measure marked, and both new decisions naming it.
    for reader in [&w.suspect, &w.defender] {
        let list = reader
            .get(&format!("/api/cases/{}/decisions", w.erdr))
            .json();
        let by_id = |id: i64| {
            list["decisions"]
                .as_array()
                .and_then(|d| d.iter().find(|d| d["id"] == id))
                .cloned()
                .unwrap_or_else(|| panic!("decision {id} in {list}"))
        };
        assert_eq!(
            by_id(measure)["amended_by"],
            json!([
                {"decision_id": annulment, "amendment": "annuls", "decided_on": "2026-11-25"},
                {"decision_id": correction, "amendment": "corrects", "decided_on": "2026-11-25"},
            ])
        );
        assert_eq!(
            by_id(annulment)["amends"],
            json!({"decision_id": measure, "amendment": "annuls"})
        );
        assert_eq!(by_id(annulment)["type"], "preventive_measure");
        assert_eq!(
            by_id(correction)["amends"],
            json!({"decision_id": measure, "amendment": "corrects"})
        );
    }
    let before: Vec<i64> = decisions_before["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .filter_map(|d| d["id"].as_i64())
        .collect();
    assert!(before.contains(&measure) && !before.contains(&annulment));
    // The victim, whom the measure never reached, sees none of it and is told nothing.
    let victims = w
        .victim()
        .get(&format!("/api/cases/{}/decisions", w.erdr))
        .json();
    let victims: Vec<i64> = victims["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .filter_map(|d| d["id"].as_i64())
        .collect();
    assert!(victims.contains(&prosecutors_own), "{victims:?}");
    for id in [measure, correction, annulment] {
        assert!(!victims.contains(&id), "{victims:?}");
    }
    let victims_feed = kinds_in_feed(w.victim());
    for kind in ["decision_annulled", "decision_corrected"] {
        assert!(!victims_feed.contains(&kind.to_owned()), "{victims_feed:?}");
    }
    for reader in [&w.suspect, &w.defender] {
        let kinds = kinds_in_feed(reader);
        assert!(kinds.contains(&"decision_annulled".to_owned()), "{kinds:?}");
        assert!(
            kinds.contains(&"decision_corrected".to_owned()),
            "{kinds:?}"
        );
    }
    // Nor does the victim's access log tell of them; the suspect's does.
    let log_actions = |reader: &Session<'_>| -> Vec<String> {
        reader.strings_of(
            &format!("/api/cases/{}/access-log?limit=100", w.erdr),
            "entries",
            "action",
        )
    };
    let victims_log = log_actions(w.victim());
    assert!(
        !victims_log
            .iter()
            .any(|a| a == "decision_annulled" || a == "decision_corrected"),
        "{victims_log:?}"
    );
    let suspects_log = log_actions(&w.suspect);
    assert!(
        suspects_log.contains(&"decision_annulled".to_owned()),
        "{suspects_log:?}"
    );
    // The officers' card shows the same marks; the audit trail names each act.
    let card = w.lead.get(&format!("/api/officer/cases/{}", w.erdr)).json();
    let on_card = card["decisions"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["id"] == measure))
        .cloned()
        .expect("the measure on the card");
    assert_eq!(
        on_card["amended_by"].as_array().map(Vec::len),
        Some(2),
        "{on_card}"
    );
}

/// `day`, or the first working day after it by the shipped calendar of days off.
fn working_day_from(day: &str) -> String {
    let calendar = jaria_portal::law::deadline::Calendar::kazakhstan();
    let mut day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("date");
    while calendar.is_day_off(day) {
        day = day.succ_opt().expect("a next day");
    }
    day.format("%Y-%m-%d").to_string()
}

fn days_until(day: &str) -> i64 {
    let today = (chrono::Utc::now() + chrono::Duration::hours(5)).date_naive();
    (chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("date") - today).num_days()
}

#[test]
fn the_case_page_counts_the_investigation_period_as_article_192_does() {
    let app = TestApp::portal();
    let w = confirmed_world(&app);
    let card = format!("/api/cases/{}", w.erdr);
    let officer_card = format!("/api/officer/cases/{}", w.erdr);
    let term =
        |session: &Session<'_>, path: &str| session.get(path).json()["investigation_term"].clone();
    // Registered on 1 November 2026: two months, to 1 January 2027, a day off, so the first
    // working day after it.
    let first_end = working_day_from("2027-01-01");
    let t = term(w.victim(), &card);
    assert_eq!(t["started_on"], "2026-11-01", "{t}");
    assert_eq!(t["ends_on"], first_end.as_str(), "{t}");
    assert_eq!(t["state"], "running");
    assert_eq!(t["days_left"], days_until(&first_end));
    assert_eq!(t["article"], "art. 192");
    assert_eq!(
        term(&w.lead, &officer_card),
        t,
        "the officer sees the same period"
    );

    let decision = |kind: &str, on: &str, extra: Value| {
        let mut body = json!({
            "type": kind, "decided_on": on, "title": format!("Order: {kind}"),
            "filename": "order.pdf",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(PDF),
        });
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        w.lead
            .post_json(&format!("/api/officer/cases/{}/decisions", w.erdr), &body)
    };
    let stage = |stage: &str| {
        let r = w
            .lead
            .send_json("PATCH", &officer_card, &json!({"stage": stage}));
        assert_eq!(r.status, 200, "{}", r.text());
    };
    // Suspended on 10 November: the period stands still.
    assert_eq!(decision("suspension", "2026-11-10", json!({})).status, 201);
    stage("suspended");
    let t = term(w.victim(), &card);
    assert_eq!(t["state"], "suspended", "{t}");
    assert!(t["days_left"].is_null());
    // Resumed on 20 November: its ten days are not counted.
    assert_eq!(decision("resumption", "2026-11-20", json!({})).status, 201);
    stage("under_investigation");
    let t = term(w.victim(), &card);
    assert_eq!(t["ends_on"], working_day_from("2027-01-11").as_str(), "{t}");
    assert_eq!(t["suspended_days"], 10);
    // An extension names its new last day, after the day it is decided; no other decision does.
    let code = |r: jaria_tests::Reply| r.assert_problem(422)["errors"][0]["code"].clone();
    assert_eq!(
        code(decision(
            "extension_of_investigation_period",
            "2026-12-01",
            json!({})
        )),
        "required"
    );
    assert_eq!(
        code(decision(
            "extension_of_investigation_period",
            "2026-12-01",
            json!({"extended_until": "2026-11-30"})
        )),
        "out_of_range"
    );
    assert_eq!(
        code(decision(
            "termination",
            "2026-12-01",
            json!({"extended_until": "2027-03-01"})
        )),
        "not_allowed"
    );
    let extended = decision(
        "extension_of_investigation_period",
        "2026-12-01",
        json!({"extended_until": "2027-03-01"}),
    );
    assert_eq!(extended.status, 201, "{}", extended.text());
    let extension = extended.json()["id"].as_i64().expect("id");
    let t = term(w.victim(), &card);
    assert_eq!(t["ends_on"], working_day_from("2027-03-01").as_str(), "{t}");
    assert_eq!(
        t["extensions"],
        json!([{"decision_id": extension, "decided_on": "2026-12-01", "extended_until": "2027-03-01"}])
    );
    // A civil plaintiff, whom extension decisions do not reach, sees the last day, not them.
    let plaintiff_iin = random_iin();
    let plaintiff = signed_in(&app, &plaintiff_iin, "PLAINTIFF");
    let r = w.lead.post_json(
        &format!("/api/officer/cases/{}/participants", w.erdr),
        &json!({"iin": plaintiff_iin, "full_name": "PLAINTIFF", "procedural_status": "civil_plaintiff",
                "basis": {"document": "Order recognising as civil plaintiff", "date": "2026-11-20"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let theirs = term(&plaintiff, &card);
    assert_eq!(theirs["ends_on"], t["ends_on"]);
    assert_eq!(theirs["extensions"], json!([]), "{theirs}");
    // The supervising prosecutor annuls the extension: the period is as it was.
    let annulled = amend(w.prosecutor(), &w.erdr, extension, "annuls", json!({}));
    assert_eq!(annulled.status, 201, "{}", annulled.text());
    let t = term(w.victim(), &card);
    assert_eq!(t["ends_on"], working_day_from("2027-01-11").as_str(), "{t}");
    assert_eq!(t["extensions"], json!([]));
    // Sent to court: the investigation is over.
    stage("sent_to_court");
    assert_eq!(term(w.victim(), &card)["state"], "over");
}

#[test]
fn the_case_page_gives_the_official_contact_of_whoever_leads_and_supervises_it() {
    let app = TestApp::portal();
    let w = confirmed_world(&app);
    let organ_id = w.lead.get(&format!("/api/officer/cases/{}", w.erdr)).json()["organ"]["id"]
        .as_i64()
        .expect("organ id");
    let card = format!("/api/cases/{}", w.erdr);
    assert!(w.victim().get(&card).json()["officers"]["lead_officer"]["contact"].is_null());
    // The admin records the organ's official contact; a second line is refused.
    let patch = |body: Value| {
        w.admin
            .send_json("PATCH", &format!("/api/admin/organs/{organ_id}"), &body)
    };
    patch(json!({"contact": "Reception\n+7 727 000 00 00"})).assert_problem(422);
    patch(json!({})).assert_problem(422);
    let contact = "Reception: +7 727 000 00 00, kense@police.example.kz, 15 Abay Ave, Almaty";
    let r = patch(json!({"contact": contact}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["contact"], contact);
    let officers = w.victim().get(&card).json()["officers"].clone();
    assert_eq!(officers["lead_officer"]["contact"], contact, "{officers}");
    // The supervising prosecutor's organ has none recorded: none is made up.
    assert!(
        officers["supervising_prosecutor"]["contact"].is_null(),
        "{officers}"
    );
}
