//! Signing with the key in the eGov mobile app (NITEC's QR / cross-device protocol): the page
//! starts a signing, a stand-in phone does what the app does — reads API 1 from the QR, fetches
//! the document from API 2 with API 1's token, signs it and PUTs it back — and the page
//! collects the result: a session, or a filing's signature. Then what an attacker tries: a
//! replayed PUT, another signing's token, a signature over other bytes or by another person, a
//! result asked with the wrong secret or twice.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jaria_tests::{CmsOptions, Person, PersonSpec, Reply, TestApp, issue, person, random_iin};
use serde_json::{Value, json};

/// What the page gets when it starts a signing.
struct Started {
    id: String,
    /// API 1's path on the app (the QR holds `mobileSign:` + its full address).
    api1_path: String,
    poll_token: String,
}

fn started(app: &TestApp, reply: &Reply) -> Started {
    assert_eq!(reply.status, 201, "{}", reply.text());
    let body = reply.json();
    let qr = body["qr"].as_str().expect("qr");
    let api1 = qr.strip_prefix("mobileSign:").expect("the QR's scheme");
    assert!(api1.contains("mgovSign"), "NITEC's app needs it: {api1}");
    let deep_link = body["deep_link"].as_str().expect("deep link");
    assert!(
        deep_link.starts_with("https://m.egov.kz/mobileSign/?link=https%3A%2F%2F")
            || deep_link.starts_with("https://m.egov.kz/mobileSign/?link=http%3A%2F%2F"),
        "{deep_link}"
    );
    let path = &api1[api1.find("/api/").expect("a path")..];
    assert_eq!(app.url(path), api1, "API 1 is on the portal's own origin");
    Started {
        id: body["id"].as_str().expect("id").to_owned(),
        api1_path: path.to_owned(),
        poll_token: body["poll_token"].as_str().expect("poll token").to_owned(),
    }
}

/// The page starts a sign-in signing for a fresh challenge.
fn start_sign_in(app: &TestApp) -> (Started, String) {
    let challenge = app.challenge();
    let reply = app.post_json("/api/auth/egov-mobile", &json!({"nonce": challenge.nonce}));
    (started(app, &reply), challenge.to_sign)
}

/// The page asks for the result.
fn collect(app: &TestApp, signing: &Started, poll_token: &str) -> Reply {
    app.post_json(
        &format!("/api/auth/egov-mobile/{}/result", signing.id),
        &json!({"poll_token": poll_token}),
    )
}

/// What the phone learned from API 1.
struct Api1 {
    api2_path: String,
    token: String,
}

/// The stand-in phone, step 1: API 1 (what is asked, by whom, where API 2 is).
fn read_api1(app: &TestApp, signing: &Started) -> Api1 {
    let reply = app.get(&signing.api1_path);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let api1 = reply.json();
    assert!(api1["description"].as_str().is_some_and(|d| !d.is_empty()));
    assert!(
        api1["expiry_date"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z'))
    );
    for name in ["nameRu", "nameKz", "nameEn", "bin"] {
        assert!(api1["organisation"][name].is_string(), "{name}: {api1}");
    }
    assert_eq!(api1["document"]["auth_type"], "Token");
    let uri = api1["document"]["uri"].as_str().expect("API 2");
    Api1 {
        api2_path: uri[uri.find("/api/").expect("a path")..].to_owned(),
        token: api1["document"]["auth_token"]
            .as_str()
            .expect("token")
            .to_owned(),
    }
}

/// Step 2: API 2's document list, with the bearer token.
fn read_api2(app: &TestApp, api1: &Api1, token: &str) -> Reply {
    app.request(
        "GET",
        &api1.api2_path,
        &[("authorization", &format!("Bearer {token}"))],
        None,
    )
}

/// Step 3: the list back, each document's data replaced by its signature.
fn put_signed(app: &TestApp, api1: &Api1, mut documents: Value, cms: &[u8]) -> Reply {
    documents["documentsToSign"][0]["document"]["file"]["data"] = STANDARD.encode(cms).into();
    app.request(
        "PUT",
        &api1.api2_path,
        &[
            ("authorization", &format!("Bearer {}", api1.token)),
            ("content-type", "application/json"),
            ("accept-language", "kk-KZ,kk;q=0.9"),
        ],
        Some(documents.to_string().as_bytes()),
    )
}

/// The phone end to end: what it is shown, and its signature (detached, as the app makes it).
fn phone_signs(app: &TestApp, signing: &Started, key: &Person) -> (Vec<u8>, Reply) {
    let api1 = read_api1(app, signing);
    let list = read_api2(app, &api1, &api1.token);
    assert_eq!(list.status, 200, "{}", list.text());
    let documents = list.json();
    assert_eq!(documents["signMethod"], "CMS_SIGN_ONLY");
    assert_eq!(documents["version"], 1);
    let file = &documents["documentsToSign"][0]["document"]["file"];
    assert_eq!(file["mime"], "text/plain");
    let shown = STANDARD
        .decode(file["data"].as_str().expect("data"))
        .expect("base64");
    let cms = key
        .sign_cms(
            &shown,
            &CmsOptions {
                attached: false,
                ..CmsOptions::default()
            },
        )
        .expect("CMS");
    let reply = put_signed(app, &api1, documents, &cms);
    (shown, reply)
}

fn refusal_code(reply: &Reply) -> String {
    let problem = reply.assert_problem(403);
    assert!(
        problem["message"].as_str().is_some_and(|m| !m.is_empty()),
        "NITEC's app shows `message`: {problem}"
    );
    reply.error_code()
}

#[test]
fn a_phone_signs_the_challenge_and_the_page_is_signed_in() {
    let app = TestApp::portal();
    let iin = random_iin();
    let key = issue(PersonSpec::new(&iin, "PHONE HOLDER"));
    let (signing, to_sign) = start_sign_in(&app);
    let pending = collect(&app, &signing, &signing.poll_token);
    assert_eq!(pending.status, 200, "{}", pending.text());
    assert_eq!(pending.json()["state"], "pending");
    let (shown, reply) = phone_signs(&app, &signing, &key);
    assert_eq!(
        shown,
        to_sign.as_bytes(),
        "the phone signs the challenge itself"
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json(), json!({"code": "200", "message": "success"}));
    // The page, polling, is signed in: a session like any EDS sign-in's, cookie included.
    let done = collect(&app, &signing, &signing.poll_token);
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(
        done.header("set-cookie")
            .is_some_and(|c| c.contains("HttpOnly")),
        "{:?}",
        done.headers
    );
    let session = jaria_tests::Session::from_reply(&app, &done);
    let me = session.get("/api/auth/me").json();
    assert_eq!(me["iin"], iin, "{me}");
    // Handed over once: the page's next question, a replayed PUT, API 1 all find nothing.
    assert_eq!(collect(&app, &signing, &signing.poll_token).status, 404);
    let api1 = app.get(&signing.api1_path);
    assert_eq!(refusal_code(&api1), "signing_gone");
}

#[test]
fn a_signing_cannot_be_hijacked_replayed_or_collected_by_another_page() {
    let app = TestApp::portal();
    let key = person("PHONE HOLDER");
    let (signing, _) = start_sign_in(&app);
    let (other, _) = start_sign_in(&app);
    let api1 = read_api1(&app, &signing);
    let other_api1 = read_api1(&app, &other);
    // API 2 without the token, or with another signing's, shows nothing.
    let list = read_api2(&app, &api1, "");
    assert_eq!(refusal_code(&list), "signing_token_invalid");
    assert!(!list.text().contains("jaria:sign-in"), "{}", list.text());
    let list = read_api2(&app, &api1, &other_api1.token);
    assert_eq!(refusal_code(&list), "signing_token_invalid");
    // A signature over other bytes is refused, in the phone's language, and the signing
    // stays open for the real one.
    let documents = read_api2(&app, &api1, &api1.token).json();
    let wrong = key
        .sign_cms(
            b"jaria:sign-in:v1\norigin=x\nnonce=y",
            &CmsOptions::default(),
        )
        .expect("CMS");
    let reply = put_signed(&app, &api1, documents.clone(), &wrong);
    assert_eq!(refusal_code(&reply), "signature_invalid");
    assert!(
        reply.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("Қолтаңба")),
        "Kazakh asked, Kazakh answered: {}",
        reply.text()
    );
    // Something that is not API 2's list.
    let garbage = app.request(
        "PUT",
        &api1.api2_path,
        &[
            ("authorization", &format!("Bearer {}", api1.token)),
            ("content-type", "application/json"),
        ],
        Some(b"{\"documentsToSign\": []}"),
    );
    assert_eq!(refusal_code(&garbage), "signed_document_malformed");
    // The real signature, then its replay.
    let (_, reply) = phone_signs(&app, &signing, &key);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let replay = phone_signs_again(&app, &api1, documents, &key);
    assert_eq!(refusal_code(&replay), "signing_gone");
    // Another page (another poll token, the other signing's) learns nothing; an unknown id
    // looks the same.
    let stranger = collect(&app, &signing, &other.poll_token);
    stranger.assert_problem(404);
    let unknown = app.post_json(
        "/api/auth/egov-mobile/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/result",
        &json!({"poll_token": signing.poll_token}),
    );
    assert_eq!(unknown.problem_shape(), stranger.problem_shape());
    // The page that started it is signed in.
    let done = collect(&app, &signing, &signing.poll_token);
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.json()["token"].is_string(), "{}", done.text());
}

/// The phone PUTs again what it signed once (the list as read before).
fn phone_signs_again(app: &TestApp, api1: &Api1, documents: Value, key: &Person) -> Reply {
    let shown = STANDARD
        .decode(
            documents["documentsToSign"][0]["document"]["file"]["data"]
                .as_str()
                .expect("data"),
        )
        .expect("base64");
    let cms = key.sign_cms(&shown, &CmsOptions::default()).expect("CMS");
    put_signed(app, api1, documents, &cms)
}

#[test]
fn one_signing_per_challenge_and_only_for_a_live_one() {
    let app = TestApp::portal();
    let challenge = app.challenge();
    let first = app.post_json("/api/auth/egov-mobile", &json!({"nonce": challenge.nonce}));
    assert_eq!(first.status, 201, "{}", first.text());
    let second = app.post_json("/api/auth/egov-mobile", &json!({"nonce": challenge.nonce}));
    second.assert_problem(409);
    let unknown = app.post_json(
        "/api/auth/egov-mobile",
        &json!({"nonce": "not-a-challenge-anyone-was-given"}),
    );
    unknown.assert_problem(409);
    // A challenge answered already (signed in with it another way) cannot be signed again.
    let key = person("SIGNED ELSEWHERE");
    let used = app.challenge();
    let cms = key
        .sign_cms(used.to_sign.as_bytes(), &CmsOptions::default())
        .expect("CMS");
    assert_eq!(app.post_eds_cms(&used.nonce, &cms).status, 200);
    let late = app.post_json("/api/auth/egov-mobile", &json!({"nonce": used.nonce}));
    late.assert_problem(409);
}

/// A challenge costs nothing to issue, so the one anonymous write it leads to, a sign-in
/// started on the phone, is counted per client: 30 a minute, then 429 with `Retry-After`.
#[test]
fn one_client_starts_at_most_thirty_phone_sign_ins_a_minute() {
    jaria_tests::local_only!();
    let app = TestApp::portal();
    let start = || {
        let challenge = app.challenge();
        app.post_json("/api/auth/egov-mobile", &json!({"nonce": challenge.nonce}))
    };
    for i in 0..30 {
        let r = start();
        assert_eq!(r.status, 201, "start {i}: {}", r.text());
    }
    let r = start();
    r.assert_problem(429);
    assert!(r.header("retry-after").is_some());
}

#[test]
fn a_statement_is_signed_on_the_phone_by_its_filer_and_filed() {
    let app = TestApp::portal();
    let admin = jaria_tests::world::signed_in(&app, jaria_tests::TEST_ADMIN_IIN, "ADMIN");
    let organ_id = jaria_tests::world::organ(&admin, "Police");
    let filer_key = person("FILER ON THE PHONE");
    let filer = app.sign_in(&filer_key);
    let statement = json!({
        "kind": "crime_report",
        "organ_id": organ_id,
        "warning_language": "kk",
        "text": "Signed on my phone with eGov mobile.",
    });
    // Anonymous callers cannot start a document signing.
    let anonymous = app.post_json("/api/filings/to-sign/egov-mobile", &statement);
    anonymous.assert_problem(401);
    let reply = filer.post_json("/api/filings/to-sign/egov-mobile", &statement);
    let to_sign = reply.json()["to_sign"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let signing = started(&app, &reply);
    // Someone else's key on the phone: refused, and the signing stays open.
    let (shown, wrong) = phone_signs(&app, &signing, &person("SOMEONE ELSE"));
    assert_eq!(
        shown,
        to_sign.as_bytes(),
        "the phone shows the statement itself"
    );
    assert_eq!(refusal_code(&wrong), "signature_other_person");
    let (_, signed) = phone_signs(&app, &signing, &filer_key);
    assert_eq!(signed.status, 200, "{}", signed.text());
    // The page collects the signature and files the statement with it.
    let result = collect(&app, &signing, &signing.poll_token);
    assert_eq!(result.status, 200, "{}", result.text());
    let result = result.json();
    assert_eq!(result["state"], "signed", "{result}");
    let mut body = statement.clone();
    body["signature"] = result["signature"].clone();
    let filed = filer.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", &jaria_tests::random_iin()),
            ("content-type", "application/json"),
        ],
        body.to_string().as_bytes(),
    );
    assert_eq!(filed.status, 201, "{}", filed.text());
    assert!(
        filed.json()["receipt_summary"]["signature_sha256"].is_string(),
        "{}",
        filed.text()
    );
}

#[test]
fn ncas_gost_test_key_signs_in_from_the_phone() {
    jaria_tests::local_only!();
    let app = TestApp::builder()
        .portal()
        .env(
            "SPIN_VARIABLE_EDS_TRUST_ANCHORS",
            &(jaria_tests::test_ca_pem() + &jaria_tests::nca::test_anchors()),
        )
        .env("SPIN_VARIABLE_EDS_TEST_IINS", jaria_tests::nca::TEST_IIN)
        .start();
    let key = jaria_tests::nca::key("individual_valid");
    let (signing, _) = start_sign_in(&app);
    let (_, reply) = phone_signs(&app, &signing, &key);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let done = collect(&app, &signing, &signing.poll_token);
    assert_eq!(done.status, 200, "{}", done.text());
    let session = jaria_tests::Session::from_reply(&app, &done);
    assert_eq!(
        session.get("/api/auth/me").json()["iin"],
        jaria_tests::nca::TEST_IIN
    );
}

#[test]
fn a_portal_whose_operator_is_not_named_does_not_offer_it() {
    jaria_tests::local_only!();
    let app = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_OPERATOR_BIN", "")
        .start();
    let challenge = app.challenge();
    let reply = app.post_json("/api/auth/egov-mobile", &json!({"nonce": challenge.nonce}));
    let problem = reply.assert_problem(503);
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("operator_bin")),
        "{problem}"
    );
}
