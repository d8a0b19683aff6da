//! What operators rely on (issue #18): probes that never write, readiness that names what is
//! missing, and a request id that goes from the answer to the log to the audit row. These run
//! on both runtimes (`JARIA_RUNTIME`), since a load balancer in front of real Spin probes the
//! same routes.

use base64::Engine as _;
use jaria_tests::{
    PersonSpec, TEST_INTERNAL_TOKEN, TestApp, issue, local_only, person, random_iin,
};
use serde_json::json;

/// Every component's route prefix (the web client owns `/`).
use jaria_tests::COMPONENT_PREFIXES as PREFIXES;

/// SQLite's count of commits by other connections to this file, read on a connection kept
/// open for the whole test.
fn data_version(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
        .expect("data_version")
}

fn open_read_only(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

#[test]
fn liveness_and_readiness_answer_on_every_component_without_writing_anything() {
    local_only!();
    let app = TestApp::portal();
    // Let start-up writes (migration, the first tick) settle before counting.
    assert_eq!(app.get("/api/auth/health/ready").status, 200);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let db = open_read_only(&app.database_file());
    let kv_file = app.state_dir().join("sqlite_key_value.db");
    let kv = (app.redis().is_none() && kv_file.exists()).then(|| open_read_only(&kv_file));
    let redis_before = app.redis().map(|r| r.changes());
    let db_before = data_version(&db);
    let kv_before = kv.as_ref().map(data_version);
    for _ in 0..5 {
        for prefix in PREFIXES {
            let live = app.get(&format!("{prefix}/health/live"));
            assert_eq!(live.status, 200, "{prefix}: {}", live.text());
            assert_eq!(live.json()["status"], "live");
            let ready = app.get(&format!("{prefix}/health/ready"));
            assert_eq!(ready.status, 200, "{prefix}: {}", ready.text());
            let body = ready.json();
            assert_eq!(body["status"], "ready", "{body}");
            let checks = body["checks"].as_array().expect("checks");
            for name in ["sqlite_schema", "key_value"] {
                assert!(
                    checks.iter().any(|c| c["name"] == name && c["ok"] == true),
                    "{prefix}: {body}"
                );
            }
        }
    }
    // The deep check is still there, for people.
    assert_eq!(app.get("/api/cases/health").status, 200);
    let db_after_deep = data_version(&db);
    assert_eq!(
        db_after_deep, db_before,
        "no probe (and not even the deep check) commits to the database"
    );
    // The deep check writes its probe key; the probes before it wrote nothing.
    if let (Some(kv), Some(before)) = (&kv, kv_before) {
        assert!(data_version(kv) > before, "the deep check did write");
    }
    if let (Some(redis), Some(before)) = (app.redis(), redis_before) {
        assert!(redis.changes() > before, "the deep check did write");
    }
    // Probes again, after the deep check: still no write anywhere.
    let kv_mark = kv.as_ref().map(data_version);
    let redis_mark = app.redis().map(|r| r.changes());
    for prefix in PREFIXES {
        assert_eq!(app.get(&format!("{prefix}/health/live")).status, 200);
        assert_eq!(app.get(&format!("{prefix}/health/ready")).status, 200);
    }
    assert_eq!(kv.as_ref().map(data_version), kv_mark);
    assert_eq!(app.redis().map(|r| r.changes()), redis_mark);
    assert_eq!(data_version(&db), db_before);
}

/// What readiness checks is for the probe (the status code) and the operator: which secrets
/// are set and why one is unusable, the schema's version, a staging warning, are details an
/// attacker should not read. Without the internal token the answer names the checks and
/// whether each passed, nothing more.
#[test]
fn readiness_details_are_for_the_operator_only() {
    local_only!();
    let app = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_RECEIPT_PREVIOUS_PUBLIC_KEYS", "not-a-key")
        .start();
    for (who, headers) in [
        ("anyone", vec![]),
        (
            "a wrong token",
            vec![("authorization", "Bearer not-the-internal-token")],
        ),
    ] {
        let ready = app.request("GET", "/api/filings/health/ready", &headers, None);
        assert_eq!(ready.status, 503, "{who}: {}", ready.text());
        let body = ready.json();
        let checks = body["checks"].as_array().expect("checks");
        assert!(
            checks
                .iter()
                .any(|c| c["name"] == "variable:receipt_previous_public_keys" && c["ok"] == false),
            "{who}: {body}"
        );
        assert!(
            checks.iter().all(|c| c.get("detail").is_none()),
            "{who} reads the details: {body}"
        );
    }
    let operator = app.readiness("/api/filings");
    assert_eq!(operator.status, 503);
    assert!(
        operator.text().contains("set but unusable"),
        "{}",
        operator.text()
    );
    // That an optional setting is there at all tells how the deployment runs (here: staging,
    // NCA's test IINs accepted): only the operator sees such a check pass.
    let staging = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_EDS_TEST_IINS", "123456789011")
        .start();
    let public = staging.get("/api/auth/health/ready");
    assert_eq!(public.status, 200, "{}", public.text());
    assert!(
        !public.text().contains("eds_test_iins"),
        "{}",
        public.text()
    );
    assert!(
        staging
            .readiness("/api/auth")
            .text()
            .contains("eds_test_iins")
    );
}

#[test]
fn readiness_names_a_missing_variable_and_liveness_does_not_care() {
    local_only!();
    let app = TestApp::builder()
        .portal()
        .without_env("SPIN_VARIABLE_RECEIPT_SIGNING_KEY")
        .start();
    let filing = app.readiness("/api/filings");
    assert_eq!(filing.status, 503, "{}", filing.text());
    assert!(filing.header("retry-after").is_some());
    let body = filing.json();
    assert_eq!(body["status"], "not_ready");
    let check = body["checks"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|c| c["name"] == "variable:receipt_signing_key")
        })
        .cloned()
        .unwrap_or_else(|| panic!("no check of the receipt key: {body}"));
    assert_eq!(check["ok"], false);
    assert_eq!(check["detail"], "not set");
    assert_eq!(app.get("/api/filings/health/live").status, 200);
    // The other components do not need that key.
    assert_eq!(app.get("/api/auth/health/ready").status, 200);
    assert_eq!(app.get("/api/cases/health/ready").status, 200);
}

#[test]
fn a_schema_behind_the_code_is_a_503_everywhere_until_the_app_migrates_it() {
    local_only!();
    let app = TestApp::portal();
    let victim = app.sign_in(&person("VICTIM BEHIND"));
    // An older release's database: the version the code needs is not there yet.
    {
        let db = rusqlite::Connection::open(app.database_file()).unwrap();
        db.execute_batch("PRAGMA user_version = 3").unwrap();
    }
    let refused = victim.get("/api/cases");
    let problem = refused.assert_problem(503);
    assert!(refused.header("retry-after").is_some(), "{problem}");
    let ready = app.get("/api/cases/health/ready");
    assert_eq!(ready.status, 503, "{}", ready.text());
    let body = ready.json();
    assert!(
        body["checks"].as_array().is_some_and(|c| c
            .iter()
            .any(|c| c["name"] == "sqlite_schema" && c["ok"] == false)),
        "{body}"
    );
    assert_eq!(app.get("/api/cases/health/live").status, 200);
    let migrated = app.request(
        "POST",
        "/api/internal/migrate",
        &[("authorization", &format!("Bearer {TEST_INTERNAL_TOKEN}"))],
        None,
    );
    assert_eq!(migrated.status, 200, "{}", migrated.text());
    assert_eq!(app.get("/api/cases/health/ready").status, 200);
    assert_eq!(victim.get("/api/cases").status, 200);
}

#[test]
fn a_request_id_goes_from_the_answer_to_the_log_and_the_audit_row() {
    local_only!();
    let app = TestApp::portal();
    let iin = random_iin();
    let someone = issue(PersonSpec::new(&iin, "CITIZEN WITH A COMPLAINT"));
    // The sign-in: a state change with its audit row. The client (or its proxy) sends an id of
    // its own; the portal names the request with its own id and keeps the client's beside it.
    let challenge = app.challenge();
    let signature = someone.sign(challenge.to_sign.as_bytes());
    let body = json!({
        "certificate": someone.cert_pem,
        "nonce": challenge.nonce,
        "signature": base64::engine::general_purpose::STANDARD.encode(signature),
    });
    let signed_in = app.request(
        "POST",
        "/api/auth/eds",
        &[
            ("content-type", "application/json"),
            ("x-request-id", "complaint-1402.signin"),
        ],
        Some(body.to_string().as_bytes()),
    );
    assert_eq!(signed_in.status, 200, "{}", signed_in.text());
    let sign_in_id = server_id(&signed_in);
    let session = jaria_tests::Session::from_reply(&app, &signed_in);
    // An audited read under another client id.
    let read = session.request_with(
        "GET",
        "/api/cases",
        &[("x-request-id", "complaint-1402.read")],
        b"",
    );
    assert_eq!(read.status, 200, "{}", read.text());
    let read_id = server_id(&read);
    // A failure: the problem names the request by the server's id.
    let failed = session.request_with(
        "GET",
        "/api/cases/not-a-number",
        &[("x-request-id", "complaint-1402.failed")],
        b"",
    );
    let problem = failed.assert_problem(failed.status);
    assert!(failed.status >= 400);
    let failed_id = server_id(&failed);
    assert_eq!(problem["request_id"], failed_id.as_str());
    assert_eq!(
        problem["instance"],
        format!("urn:jaria:request:{failed_id}").as_str()
    );
    // An id that could break a log line is not kept at all; none sent, one is still made.
    let hostile = app.request(
        "GET",
        "/api/auth/health/live",
        &[("x-request-id", "evil\"id with spaces")],
        None,
    );
    server_id(&hostile);
    server_id(&app.get("/api/auth/health/live"));

    // The audit rows of those requests carry the server's id, and the client's beside it.
    let db = open_read_only(&app.database_file());
    let rows_with = |id: &str, client_id: &str| -> i64 {
        let needle = format!("%\"request_id\":\"{id}\"%");
        let client = format!("%\"client_request_id\":\"{client_id}\"%");
        db.query_row(
            "SELECT (SELECT count(*) FROM audit_log WHERE detail LIKE ?1 AND detail LIKE ?2)
                  + (SELECT count(*) FROM read_log WHERE detail LIKE ?1 AND detail LIKE ?2)",
            [&needle, &client],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert!(
        rows_with(&sign_in_id, "complaint-1402.signin") >= 1,
        "sign-in audited with its ids"
    );
    assert!(
        rows_with(&read_id, "complaint-1402.read") >= 1,
        "read logged with its ids"
    );
    let claimed: i64 = db
        .query_row(
            "SELECT (SELECT count(*) FROM audit_log WHERE detail LIKE '%\"request_id\":\"complaint-1402%')
                  + (SELECT count(*) FROM read_log WHERE detail LIKE '%\"request_id\":\"complaint-1402%')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        claimed, 0,
        "a client's id is never recorded as the request's own"
    );

    // The log has one structured line per request: the ids, the status, the kind of
    // principal — and never the IIN or the token.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let line_for = |id: &str| {
        app.component_log()
            .lines()
            .filter_map(|l| l.find('{').map(|i| &l[i..]))
            // `jaria up` tags the guest's line after it; Spin's files hold it alone.
            .filter_map(|l| {
                serde_json::Deserializer::from_str(l)
                    .into_iter::<serde_json::Value>()
                    .next()
                    .and_then(Result::ok)
            })
            .find(|v| v["request_id"] == id)
    };
    let mut read_line = None;
    while read_line.is_none() && std::time::Instant::now() < deadline {
        read_line = line_for(&read_id);
        if read_line.is_none() {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    let read_line =
        read_line.unwrap_or_else(|| panic!("no log line for the read:\n{}", app.component_log()));
    assert_eq!(read_line["status"], 200);
    assert_eq!(read_line["component"], "cases");
    assert_eq!(read_line["principal"], "participant");
    assert_eq!(read_line["route"], "/");
    assert_eq!(read_line["client_request_id"], "complaint-1402.read");
    assert!(read_line["duration_ms"].is_number());
    let failed_line = line_for(&failed_id).expect("the failure is logged");
    assert_eq!(failed_line["status"], failed.status);
    let log = app.component_log();
    assert!(!log.contains(&iin), "no IIN in the log");
    assert!(!log.contains(&session.token), "no token in the log");
}

/// One request, one whole line: under load several instances of a component write at once
/// (Spin appends every write of each to the component's one file), and a line written in
/// pieces would share its line with another record.
#[test]
fn each_request_s_log_line_stays_whole_under_concurrent_requests() {
    local_only!();
    let app = TestApp::portal();
    // More at once than one instance takes (16), so that several instances serve them.
    let (threads, each) = (40, 60);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..each {
                    assert_eq!(app.get("/api/auth/me").status, 401);
                }
            });
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let log = app.component_log();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("\"route\":\"/me\""))
            .collect();
        // A line's record, when the line holds exactly one (`jaria up` tags the guest's line
        // after it; Spin may also echo it to its own output: the same record twice).
        let record = |line: &str| {
            let start = line.find('{')?;
            let mut values =
                serde_json::Deserializer::from_str(&line[start..]).into_iter::<serde_json::Value>();
            let first = values.next().and_then(Result::ok)?;
            let rest = &line[start..][values.byte_offset()..];
            (first["status"] == 401 && !rest.contains('{')).then_some(first)
        };
        let broken: Vec<&&str> = lines.iter().filter(|l| record(l).is_none()).collect();
        assert!(
            broken.is_empty(),
            "{} of {} lines broken, e.g. {:?}",
            broken.len(),
            lines.len(),
            broken.first()
        );
        let requests: std::collections::BTreeSet<String> = lines
            .iter()
            .filter_map(|l| record(l))
            .map(|r| r["request_id"].to_string())
            .collect();
        if requests.len() >= threads * each || std::time::Instant::now() > deadline {
            assert_eq!(requests.len(), threads * each, "a line for every request");
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The request id the portal gave an answer: always one of its own (a UUID), never the one
/// the client sent.
fn server_id(reply: &jaria_tests::Reply) -> String {
    let id = reply
        .header("x-request-id")
        .expect("an id is always given")
        .to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert!(!id.starts_with("complaint") && !id.contains("evil"), "{id}");
    id
}

/// The `Metrics http://…/metrics` address `jaria up` printed.
fn metrics_url(app: &TestApp) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(url) = app
            .log()
            .lines()
            .find_map(|l| l.trim().strip_prefix("Metrics ").map(str::to_owned))
        {
            return url;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no metrics address in the log:\n{}",
            app.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn scrape(url: &str) -> prometheus_parse::Scrape {
    let text = ureq::get(url)
        .call()
        .unwrap_or_else(|e| panic!("scrape {url}: {e}"))
        .body_mut()
        .read_to_string()
        .expect("metrics text");
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .unwrap_or_else(|e| panic!("the exposition does not parse: {e}\n{text}"))
}

/// The value of the sample `name` whose labels include every pair of `labels`.
fn sample(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .find(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            prometheus_parse::Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            prometheus_parse::Value::Summary(_) => f64::NAN,
        })
}

#[test]
fn metrics_are_served_on_their_own_listener_and_parse() {
    jaria_tests::jaria_only!("jaria up's own metrics listener (Spin has none)");
    let app = TestApp::builder()
        .portal()
        .arg("--metrics-listen")
        .arg("127.0.0.1:0")
        .start();
    let url = metrics_url(&app);
    assert!(!url.contains(&app.base_url), "a listener of its own: {url}");
    let victim = app.sign_in(&person("VICTIM METRICS"));
    for _ in 0..7 {
        assert_eq!(victim.get("/api/cases").status, 200);
    }
    assert_eq!(app.get("/api/cases/261234567890123").status, 401);
    let m = scrape(&url);
    let cases_ok = sample(
        &m,
        "jaria_http_requests_total",
        &[
            ("component", "cases"),
            ("route", "/api/cases"),
            ("status", "200"),
        ],
    )
    .expect("requests by component, route and status");
    assert!(cases_ok >= 7.0, "{cases_ok}");
    // Case numbers never become labels.
    assert!(
        sample(
            &m,
            "jaria_http_requests_total",
            &[
                ("component", "cases"),
                ("route", "/api/cases/:id"),
                ("status", "401")
            ]
        )
        .is_some_and(|v| v >= 1.0)
    );
    assert!(!m.samples.iter().any(|s| {
        s.labels
            .get("route")
            .is_some_and(|r| r.contains("261234567890123"))
    }));
    let latency_count = m
        .samples
        .iter()
        .find(|s| {
            s.metric == "jaria_http_request_duration_seconds"
                && s.labels.get("route") == Some("/api/cases")
        })
        .map(|s| match &s.value {
            prometheus_parse::Value::Histogram(b) => b.last().map_or(0.0, |b| b.count),
            _ => 0.0,
        })
        .expect("a latency histogram");
    assert!(latency_count >= 7.0);
    // Instances are reused (WASI 0.3), so fewer start than requests arrive; at least one did.
    assert!(sample(&m, "jaria_instances_started_total", &[]).is_some_and(|v| v >= 1.0));
    assert!(sample(&m, "jaria_live_instances", &[]).is_some());
    assert!(
        sample(
            &m,
            "jaria_host_calls_total",
            &[("interface", "spin_sqlite"), ("operation", "execute")]
        )
        .is_some_and(|v| v > 0.0)
    );
    assert!(sample(&m, "jaria_state_file_bytes", &[("store", "sqlite")]).is_some_and(|v| v > 0.0));
    // The sign-in wrote: its transaction took a turn at the writer gate.
    let gate = m
        .samples
        .iter()
        .find(|s| s.metric == "jaria_writer_gate_wait_seconds")
        .map(|s| match &s.value {
            prometheus_parse::Value::Histogram(b) => b.last().map_or(0.0, |b| b.count),
            _ => 0.0,
        })
        .expect("writer-gate waits");
    assert!(gate >= 1.0);
    // An instance's memory is observed when it ends: reused instances end after a second
    // without work (`--idle-instance-timeout`).
    let memory_observed = |m: &prometheus_parse::Scrape| {
        m.samples.iter().any(|s| {
            s.metric == "jaria_guest_memory_bytes" && s.labels.get("component") == Some("cases")
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !memory_observed(&scrape(&url)) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(memory_observed(&scrape(&url)), "guest memory per component");
    // Nothing else is served there.
    let other = ureq::get(&url.replace("/metrics", "/api/cases")).call();
    assert!(
        matches!(other, Err(ureq::Error::StatusCode(404))),
        "{other:?}"
    );
}

#[test]
fn traces_reach_a_real_otlp_receiver_with_the_request_id() {
    jaria_tests::jaria_only!(
        "the spans of jaria up (Spin exports its own from the same variables)"
    );
    let receiver = jaria_tests::otlp::Receiver::start();
    let app = TestApp::builder()
        .portal()
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint())
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("OTEL_SERVICE_NAME", "jaria-under-test")
        .start();
    let ready = app.request(
        "GET",
        "/api/cases/health/ready",
        &[("x-request-id", "trace-me-0001")],
        None,
    );
    assert_eq!(ready.status, 200, "{}", ready.text());
    let id = ready.header("x-request-id").expect("request id").to_owned();
    let request = receiver.wait_for("server span with the request id", |spans| {
        spans
            .iter()
            .find(|s| s.attribute("request_id") == Some(id.as_str()))
            .cloned()
    });
    assert_eq!(request.kind, 2, "a server span: {request:?}");
    assert_eq!(request.service, "jaria-under-test");
    assert_eq!(request.attribute("spin.component"), Some("cases"));
    assert_eq!(request.attribute("http.route"), Some("/api/cases/..."));
    assert_eq!(request.attribute("http.response.status_code"), Some("200"));
    // Its host calls: the readiness check opens the database, reads the schema version and
    // asks the key-value store.
    let children = receiver.wait_for("host-call spans under the request", |spans| {
        let mine: Vec<_> = spans
            .iter()
            .filter(|s| s.trace_id == request.trace_id && s.parent_span_id == request.span_id)
            .cloned()
            .collect();
        let names: Vec<&str> = mine.iter().map(|s| s.name.as_str()).collect();
        (names.contains(&"spin_sqlite.execute") && names.contains(&"spin_key_value.exists"))
            .then_some(mine)
    });
    assert!(
        children.iter().all(|s| s.kind == 3),
        "client spans: {children:?}"
    );
    assert!(
        receiver
            .requests()
            .iter()
            .all(|r| r.starts_with("/v1/traces application/x-protobuf")),
        "OTLP/HTTP with protobuf: {:?}",
        receiver.requests()
    );
}

#[test]
fn a_backup_taken_under_write_load_restores_verifies_and_serves() {
    local_only!();
    let app = TestApp::portal();
    let admin = jaria_tests::world::signed_in(&app, jaria_tests::TEST_ADMIN_IIN, "ADMIN");
    let organ_id = jaria_tests::world::organ(&admin, "Police");
    let filer = app.sign_in(&person("FILER UNDER LOAD"));
    let file = |key: &str| {
        filer.request_with(
            "POST",
            "/api/filings",
            &[("idempotency-key", key), ("content-type", "application/json")],
            filer
                .signed_filing(&json!({"kind": "crime_report", "organ_id": organ_id, "text": "Filed during a backup."}))
                .to_string()
                .as_bytes(),
        )
    };
    // Acknowledged before the backup starts: these must be in it.
    let mut before = Vec::new();
    for n in 0..5 {
        let r = file(&format!("before-{n}"));
        assert_eq!(r.status, 201, "{}", r.text());
        before.push(r.json()["id"].as_i64().expect("filing id"));
    }
    // Four writers keep filing while the backup runs.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let backup_dir = tempfile::tempdir().expect("backup dir");
    let target = backup_dir.path().join("backup");
    let (output, written) = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let stop = &stop;
                let file = &file;
                scope.spawn(move || {
                    let mut n = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let r = file(&format!("during-{w}-{n}"));
                        assert_eq!(r.status, 201, "{}", r.text());
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(300));
        let output = jaria_tests::jaria_command()
            .arg("backup")
            .args(app.store_args())
            .arg("--to")
            .arg(&target)
            .output()
            .expect("run jaria backup");
        std::thread::sleep(std::time::Duration::from_millis(200));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let written: usize = writers.into_iter().map(|w| w.join().expect("writer")).sum();
        (output, written)
    });
    assert!(
        output.status.success(),
        "jaria backup failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(written > 0, "the writers wrote during the backup");
    // Restored into a fresh state dir (or a fresh libSQL server), the chain verifies.
    let restored = tempfile::tempdir().expect("restore dir");
    let status = jaria_tests::jaria_command()
        .args(["restore", "--from"])
        .arg(&target)
        .args(jaria_tests::store_args_for(restored.path()))
        .status()
        .expect("run jaria restore");
    assert!(status.success());
    let verified = jaria_tests::jaria_command()
        .args(["audit", "verify"])
        .args(jaria_tests::store_args_for(restored.path()))
        .env(
            "SPIN_VARIABLE_AUDIT_SIGNING_KEY",
            jaria_tests::TEST_AUDIT_KEY,
        )
        .output()
        .expect("run jaria audit verify");
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(said.contains("chain intact"), "{said}");
    // A portal on the restored files serves what was acknowledged before the backup, to the
    // same session (sessions live in the database).
    let token = filer.token.clone();
    drop(filer);
    drop(admin);
    drop(app);
    let again = TestApp::builder()
        .portal()
        .state_dir(restored.path())
        .start();
    for id in &before {
        let filing = again.request(
            "GET",
            &format!("/api/status/filings/{id}"),
            &[("authorization", &format!("Bearer {token}"))],
            None,
        );
        assert_eq!(filing.status, 200, "filing {id}: {}", filing.text());
    }
}

#[test]
fn a_database_larger_than_one_request_restores_whole_into_a_libsql_server() {
    if !jaria_tests::sqld::wanted() {
        eprintln!("skipped: needs a libSQL server (JARIA_SQL=libsql)");
        return;
    }
    // A backup folder holding a database of about 12 MiB: three load requests at least.
    let backup = tempfile::tempdir().expect("backup dir");
    {
        let db = rusqlite::Connection::open(backup.path().join("sqlite_db.db")).unwrap();
        db.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, sha256 TEXT, applied_at TEXT);
             INSERT INTO schema_migrations VALUES (7, '0007_x.sql', 'x', '2026-12-06');
             CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL, note TEXT);
             CREATE INDEX blobs_note ON blobs (note);",
        )
        .unwrap();
        let mut insert = db
            .prepare("INSERT INTO blobs (body, note) VALUES (randomblob(4096), ?1)")
            .unwrap();
        for n in 0..3000 {
            insert
                .execute([format!("row {n}; it's \"quoted\"")])
                .unwrap();
        }
    }
    // Every row's id, note and the first and last bytes of its body, in order.
    const DIGEST: &str = "SELECT count(*), group_concat(id || ':' || note || ':' || hex(substr(body, 1, 4)) || hex(substr(body, -4)), ',') FROM (SELECT * FROM blobs ORDER BY id)";
    let local: (i64, String) = {
        let db = rusqlite::Connection::open(backup.path().join("sqlite_db.db")).unwrap();
        db.query_row(DIGEST, [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
    };
    assert_eq!(local.0, 3000);
    let server = jaria_tests::sqld::Server::start();
    let restored = jaria_tests::jaria_command()
        .args(["restore", "--from"])
        .arg(backup.path())
        .args(["--database-url", &server.url()])
        .output()
        .expect("run jaria restore");
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    // Every row and byte, the index, and the schema version.
    let db = rusqlite::Connection::open(server.database_file()).unwrap();
    let (rows, digest): (i64, String) = db
        .query_row(DIGEST, [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((rows, digest), local);
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 7);
    // A second restore into the now non-empty database is refused, and changes nothing.
    let again = jaria_tests::jaria_command()
        .args(["restore", "--from"])
        .arg(backup.path())
        .args(["--database-url", &server.url()])
        .output()
        .expect("run jaria restore");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds tables"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
