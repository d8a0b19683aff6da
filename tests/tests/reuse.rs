//! Instances are reused, on Spin 4.1 and on `jaria up` alike: one instance of a component serves
//! many requests, of different people, one after another and (up to 16) at once. Nothing one
//! request leaves in an instance may reach another person's answer: not their identity, not
//! their case, not their request id.

use std::collections::HashSet;
use std::sync::Mutex;

use jaria_tests::world::{decide, officer, organ, register_case, request, signed_in};
use jaria_tests::{Session, TEST_ADMIN_IIN, TestApp, local_only, random_iin};

/// Requests each thread sends, and threads per person.
const ROUNDS: usize = 30;
const THREADS_PER_PERSON: usize = 4;

struct Person<'a> {
    iin: String,
    erdr: String,
    session: Session<'a>,
}

/// A person confirmed as victim in a case of their own.
fn person_with_a_case<'a>(app: &'a TestApp, lead: &Session<'_>, name: &str) -> Person<'a> {
    let erdr = register_case(lead);
    let iin = random_iin();
    let session = signed_in(app, &iin, name);
    let id = request(&session, &erdr, "victim", None, None);
    assert_eq!(decide(lead, id, "confirm", None).status, 200);
    Person { iin, erdr, session }
}

/// Asks, again and again, for what only `me` may see, and for `other`'s case; every answer
/// must be `me`'s own or a refusal.
fn ask(me: &Person<'_>, other: &Person<'_>, ids: &Mutex<HashSet<String>>) {
    for round in 0..ROUNDS {
        let who = me.session.get("/api/auth/me");
        assert_eq!(who.status, 200, "{}", who.text());
        assert_eq!(
            who.json()["iin"],
            me.iin.as_str(),
            "round {round}: {}",
            who.text()
        );

        let cases = me.session.get("/api/cases");
        assert_eq!(cases.status, 200, "{}", cases.text());
        let listed: Vec<String> = cases.json()["cases"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["erdr_number"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(listed, vec![me.erdr.clone()], "round {round}");

        let card = me.session.get(&format!("/api/cases/{}", me.erdr));
        assert_eq!(card.status, 200, "{}", card.text());
        assert_eq!(card.json()["erdr_number"], me.erdr.as_str());

        let theirs = me.session.get(&format!("/api/cases/{}", other.erdr));
        assert_eq!(theirs.status, 404, "round {round}: {}", theirs.text());
        assert!(!theirs.text().contains(&other.iin), "{}", theirs.text());
        // The problem names this request, not one that ran beside it in the instance.
        assert_eq!(
            theirs.json()["request_id"].as_str(),
            theirs.header("x-request-id"),
            "{}",
            theirs.text()
        );

        for reply in [&who, &cases, &card, &theirs] {
            let id = reply.header("x-request-id").expect("request id").to_owned();
            assert!(
                ids.lock().expect("ids").insert(id.clone()),
                "request id {id} answered twice"
            );
            assert!(!reply.text().contains(&other.iin), "{}", reply.text());
        }
    }
}

#[test]
fn two_peoples_interleaved_requests_on_reused_instances_never_see_each_others_data() {
    local_only!();
    for concurrent in ["1", "16"] {
        // Every request of a component on the one instance Spin keeps for it (as long as it
        // is not busy with 16 already), for as long as the test runs.
        let app = TestApp::builder()
            .portal()
            .runtime_flag("--max-instance-reuse-count", "100000")
            .runtime_flag("--max-instance-concurrent-reuse-count", concurrent)
            .runtime_flag("--idle-instance-timeout", "30s")
            .start();
        let admin = signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
        let police = organ(&admin, "Police");
        let (_, lead) = officer(&app, &admin, "investigator", police);
        let a = person_with_a_case(&app, &lead, "PERSON A");
        let b = person_with_a_case(&app, &lead, "PERSON B");
        let ids = Mutex::new(HashSet::new());
        std::thread::scope(|scope| {
            for _ in 0..THREADS_PER_PERSON {
                scope.spawn(|| ask(&a, &b, &ids));
                scope.spawn(|| ask(&b, &a, &ids));
            }
        });
        assert_eq!(
            ids.lock().expect("ids").len(),
            2 * THREADS_PER_PERSON * ROUNDS * 4,
            "concurrency {concurrent}: every answer had a request id of its own"
        );
    }
}
