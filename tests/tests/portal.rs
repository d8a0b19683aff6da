//! The portal as a newcomer meets it: every component answers its health check from the
//! embedded default state, the page is served, and unknown API paths are clean 404s.
//! Runs against a fresh local host, or against `JARIA_BASE_URL`.

use jaria_tests::TestApp;

const PREFIXES: [(&str, &str); 7] = [
    ("/api/auth", "login"),
    ("/api/cases", "cases"),
    ("/api/filings", "filing"),
    ("/api/status", "status"),
    ("/api/officer", "officer"),
    ("/api/admin", "admin"),
    ("", "web"),
];

#[test]
fn every_component_proves_its_storage_in_its_health_check() {
    let app = TestApp::portal();
    for (prefix, component) in PREFIXES {
        let reply = app.get(&format!("{prefix}/health"));
        assert_eq!(reply.status, 200, "{prefix}/health: {}", reply.text());
        let health = reply.json();
        assert_eq!(health["component"], component);
        assert_eq!(health["status"], "ok");
        assert_eq!(health["key_value"]["read_back"], true, "{health}");
        assert!(
            health["key_value"]["wrote"]
                .as_str()
                .is_some_and(|w| w.starts_with(component)),
            "{health}"
        );
        assert!(
            health["sqlite"]["migrations_applied"].as_i64().unwrap_or(0) >= 1,
            "{health}"
        );
    }
}

#[test]
fn the_key_value_store_is_the_one_the_runtime_config_names() {
    jaria_tests::local_only!();
    let app = TestApp::portal();
    let wrote = app.get("/api/auth/health").json()["key_value"]["wrote"]
        .as_str()
        .expect("the health check wrote a value")
        .to_owned();
    match app.redis() {
        // JARIA_KV=redis: the value is in that Redis, under the key the app used.
        Some(redis) => assert_eq!(
            redis.get("health:login").as_deref(),
            Some(wrote.as_bytes()),
            "the component's key-value store is not the configured Redis"
        ),
        // Spin's own SQLite file, in the state dir, in Spin's layout.
        None => {
            let kv = rusqlite::Connection::open(app.state_dir().join("sqlite_key_value.db"))
                .expect("kv file");
            let stored: Vec<u8> = kv
                .query_row(
                    "SELECT value FROM spin_key_value WHERE store = 'default' AND key = 'health:login'",
                    [],
                    |r| r.get(0),
                )
                .expect("the value is in Spin's key-value file");
            assert_eq!(stored, wrote.as_bytes());
        }
    }
}

#[test]
fn health_probe_values_are_fresh_on_every_call() {
    let app = TestApp::portal();
    let first = app.get("/api/auth/health").json();
    let second = app.get("/api/auth/health").json();
    assert_ne!(first["key_value"]["wrote"], second["key_value"]["wrote"]);
}

#[test]
fn the_page_is_served_with_strict_headers() {
    let app = TestApp::portal();
    let page = app.get("/");
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap_or("")
            .starts_with("text/html")
    );
    assert!(page.text().contains("Jaria"));
    let csp = page.header("content-security-policy").unwrap_or("");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(page.header("strict-transport-security").is_some());
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
}

#[test]
fn unknown_api_paths_are_problems_never_the_page() {
    let app = TestApp::portal();
    for path in [
        "/api/unknown",
        "/api",
        "/api/auth/nope",
        "/api/cases/x/y/z",
        "/no-such-page",
    ] {
        let reply = app.get(path);
        let problem = reply.assert_problem(404);
        assert!(!reply.text().contains("<html"), "{path}: {problem}");
    }
}

#[test]
fn wrong_method_is_a_405_naming_the_allowed_one() {
    let app = TestApp::portal();
    let reply = app.post("/api/auth/health", "application/json", b"{}");
    reply.assert_problem(405);
    assert_eq!(reply.header("allow"), Some("GET"));
}
