//! Hostile input against the API: bodies past the limits, JSON nested past reason, huge
//! headers, slow and stalled clients, path traversal in every segment and file name, SQL
//! metacharacters in every text field, and the wrong media types. Whatever arrives, the answer
//! is below 500, a refusal is an RFC 9457 problem, nothing outside the data is reached, and the
//! service goes on serving others.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use base64::Engine as _;
use jaria_tests::world::{
    PDF, decide, erdr_of, officer, organ, random_erdr, register_case, request, signed_in,
};
use jaria_tests::{Reply, Session, TEST_ADMIN_IIN, TestApp, person, random_iin};
use serde_json::{Value, json};

/// Asserts a refusal: one of `allowed`, never a server error, an RFC 9457 problem.
#[track_caller]
fn assert_refused(reply: &Reply, allowed: &[u16], what: &str) -> Value {
    assert!(
        reply.status < 500,
        "{what}: server error {}: {}",
        reply.status,
        reply.text()
    );
    assert!(
        allowed.contains(&reply.status),
        "{what}: {} is not one of {allowed:?}: {}",
        reply.status,
        reply.text()
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{what}: a refusal must be a problem: {}",
        reply.text()
    );
    let problem = reply.json();
    assert_eq!(problem["status"], reply.status, "{what}: {problem}");
    assert!(problem["title"].is_string(), "{what}: {problem}");
    problem
}

/// The service still answers an ordinary request, promptly.
#[track_caller]
fn assert_still_serving(app: &TestApp, after: &str) {
    let started = Instant::now();
    let reply = app.get("/api/filings/health");
    assert_eq!(
        reply.status,
        200,
        "after {after}, the health check failed: {}",
        reply.text()
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "after {after}, an ordinary request took {:?}",
        started.elapsed()
    );
}

// ----- raw HTTP/1.1, for what an ordinary client will not send -----

/// `host:port` of the service under test.
fn address(app: &TestApp) -> String {
    app.base_url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

fn connect(app: &TestApp, patience: Duration) -> TcpStream {
    let stream = TcpStream::connect(address(app))
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", app.base_url));
    stream
        .set_read_timeout(Some(patience))
        .unwrap_or_else(|e| panic!("read timeout: {e}"));
    stream
}

/// An answer read off the wire.
#[derive(Debug)]
struct RawReply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawReply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    #[track_caller]
    fn assert_problem(&self, status: u16, what: &str) -> Value {
        assert_eq!(self.status, status, "{what}: {}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{what}: {self:?}"
        );
        let problem: Value = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{what}: the problem is not JSON ({e}): {}", self.text()));
        assert_eq!(problem["status"], status, "{what}: {problem}");
        assert!(problem["title"].is_string(), "{what}: {problem}");
        problem
    }
}

/// Parses one HTTP/1.1 response (content-length, chunked or read to the end).
fn parse_reply(raw: &[u8]) -> Option<RawReply> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        let mut body = Vec::new();
        let mut at = 0;
        loop {
            let line_end = at + rest[at..].windows(2).position(|w| w == b"\r\n")?;
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[at..line_end]).ok()?, 16).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(rest.get(line_end + 2..line_end + 2 + size)?);
            at = line_end + 2 + size + 2;
        }
        body
    } else {
        let length = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(rest.len());
        rest.get(..length)?.to_vec()
    };
    Some(RawReply {
        status,
        headers,
        body,
    })
}

/// What became of a raw connection.
#[derive(Debug)]
enum Outcome {
    Answered(RawReply),
    /// Closed (or reset) without a byte of answer.
    ClosedSilently,
    /// Still open, nothing said, when our patience ran out.
    StillOpen,
}

/// Reads until the server closes the connection or `patience` runs out.
fn read_outcome(stream: &mut TcpStream) -> Outcome {
    let mut raw = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if raw.is_empty() {
                    return Outcome::StillOpen;
                }
                break;
            }
            // A reset after (or instead of) the answer.
            Err(_) => break,
        }
    }
    if raw.is_empty() {
        return Outcome::ClosedSilently;
    }
    match parse_reply(&raw) {
        Some(reply) => Outcome::Answered(reply),
        None => panic!(
            "not an HTTP answer: {}",
            String::from_utf8_lossy(&raw[..raw.len().min(500)])
        ),
    }
}

/// Sends `request` on a fresh connection (as far as the server takes it) and reads the answer.
fn exchange(app: &TestApp, request: &[u8], patience: Duration) -> Outcome {
    let mut stream = connect(app, patience);
    // A server may answer and close before it has taken all of a request that is too large.
    let _ = stream.write_all(request);
    read_outcome(&mut stream)
}

#[track_caller]
fn answered(outcome: Outcome, what: &str) -> RawReply {
    match outcome {
        Outcome::Answered(reply) => reply,
        other => panic!("{what}: no answer ({other:?})"),
    }
}

// ----- who may reach each JSON body -----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anyone,
    Participant,
    Admin,
    Officer,
}

/// Every operation of `schema/openapi.yaml` that takes a JSON body, and who gets as far as
/// its body. `{erdr}` is a case that need not exist: every handler reads its body first.
const JSON_OPERATIONS: &[(&str, &str, Who)] = &[
    ("POST", "/api/auth/eds", Who::Anyone),
    ("POST", "/api/auth/login", Who::Anyone),
    ("PUT", "/api/auth/password", Who::Participant),
    ("POST", "/api/cases/access-requests", Who::Participant),
    ("POST", "/api/filings", Who::Participant),
    ("POST", "/api/filings/receipts/verify", Who::Anyone),
    ("POST", "/api/admin/organs", Who::Admin),
    ("POST", "/api/admin/officers", Who::Admin),
    ("POST", "/api/admin/revocations", Who::Admin),
    ("POST", "/api/admin/admins", Who::Admin),
    ("POST", "/api/officer/cases", Who::Officer),
    ("PATCH", "/api/officer/cases/{erdr}", Who::Officer),
    ("POST", "/api/officer/cases/{erdr}/decisions", Who::Officer),
    ("POST", "/api/officer/cases/{erdr}/materials", Who::Officer),
    (
        "POST",
        "/api/officer/access-requests/1/decision",
        Who::Officer,
    ),
    (
        "PUT",
        "/api/officer/cases/{erdr}/participants/1/familiarisation",
        Who::Officer,
    ),
    ("POST", "/api/officer/filings/1/extension", Who::Officer),
    ("POST", "/api/officer/filings/1/decision", Who::Officer),
];

/// A participant, the admin and an investigator, signed in.
struct Callers<'a> {
    participant: Session<'a>,
    admin: Session<'a>,
    officer: Session<'a>,
}

impl<'a> Callers<'a> {
    fn new(app: &'a TestApp) -> Self {
        let admin = signed_in(app, TEST_ADMIN_IIN, "ADMIN");
        let police = organ(&admin, "Police");
        let (_, officer) = officer(app, &admin, "investigator", police);
        Callers {
            participant: app.sign_in(&person("PARTICIPANT")),
            admin,
            officer,
        }
    }

    /// `method path` as `who` with these headers (an Idempotency-Key is always sent: it is
    /// checked before the body of a filing).
    fn send(
        &self,
        app: &TestApp,
        who: Who,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let path = path.replace("{erdr}", &random_erdr());
        let mut all = vec![("idempotency-key", "hostile-1")];
        all.extend_from_slice(headers);
        match who {
            Who::Anyone => app.request(method, &path, &all, Some(body)),
            Who::Participant => self.participant.request_with(method, &path, &all, body),
            Who::Admin => self.admin.request_with(method, &path, &all, body),
            Who::Officer => self.officer.request_with(method, &path, &all, body),
        }
    }
}

// ----- bodies -----

/// A request head declaring a body of `length` bytes.
fn head_with_length(method: &str, path: &str, content_type: &str, length: usize) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn bodies_over_the_limit_are_413_problems_before_anyone_reads_them() {
    // On both runtimes: each component limits its own bodies (real Spin limits none), and
    // `jaria up` keeps a 16 MiB limit of its own behind them. One operation behind every API
    // prefix, uploads and officers' documents included.
    let app = TestApp::portal();
    let too_large = 17 * 1024 * 1024;
    for (method, path, content_type) in [
        ("POST", "/api/auth/eds", "application/json"),
        ("POST", "/api/cases/access-requests", "application/json"),
        ("POST", "/api/filings", "application/json"),
        ("POST", "/api/filings/attachments", "application/pdf"),
        (
            "POST",
            "/api/status/notifications/read-all",
            "application/json",
        ),
        (
            "POST",
            "/api/officer/cases/267511031000001/decisions",
            "application/json",
        ),
        ("POST", "/api/admin/organs", "application/json"),
        ("POST", "/api/admin/crls", "application/pkix-crl"),
        ("POST", "/api/internal/migrate", "application/json"),
    ] {
        // Declared only: refused on the declaration, without waiting for the bytes.
        let what = format!("{method} {path} declaring {too_large} bytes");
        let started = Instant::now();
        let reply = answered(
            exchange(
                &app,
                &head_with_length(method, path, content_type, too_large),
                Duration::from_secs(20),
            ),
            &what,
        );
        reply.assert_problem(413, &what);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what}: the refusal took {:?}",
            started.elapsed()
        );
    }

    // Below the declared limit, a JSON body of a filing is refused past the filing
    // component's own limit (256 KiB), declared or chunked (no length declared: refused once
    // the bytes pass the limit).
    let limit = 256 * 1024;
    let declared = answered(
        exchange(
            &app,
            &head_with_length("POST", "/api/filings", "application/json", limit + 1),
            Duration::from_secs(20),
        ),
        "a filing declaring 256 KiB + 1",
    );
    declared.assert_problem(413, "a filing declaring 256 KiB + 1");
    let mut stream = connect(&app, Duration::from_secs(30));
    let head = "POST /api/filings HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
                Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = stream.write_all(head.as_bytes()).is_ok();
    // Exactly the limit in 64 KiB chunks, then one byte more and the last chunk.
    for _ in 0..4 {
        sent = sent
            && stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .and_then(|()| stream.write_all(&chunk))
                .and_then(|()| stream.write_all(b"\r\n"))
                .is_ok();
    }
    let _ = sent && stream.write_all(b"1\r\n \r\n0\r\n\r\n").is_ok();
    let reply = answered(read_outcome(&mut stream), "a chunked body past the limit");
    reply.assert_problem(413, "a chunked body past the limit");
    assert_still_serving(&app, "bodies past the limit");
}

#[test]
fn a_stalled_body_is_answered_and_closed_and_others_are_served() {
    jaria_tests::local_only!();
    // On real Spin the component's own timer cuts a body off after 10 s without a byte; on
    // `jaria up` the host's request deadline does (12 s here).
    let app = if jaria_tests::runtime() == jaria_tests::Runtime::Jaria {
        TestApp::builder()
            .portal()
            .arg("--request-timeout-ms")
            .arg("12000")
            .start()
    } else {
        TestApp::portal()
    };
    let mut stalled = connect(&app, Duration::from_secs(40));
    let mut request = head_with_length(
        "POST",
        "/api/filings/receipts/verify",
        "application/json",
        100,
    );
    request.extend_from_slice(br#"{"summ"#);
    stalled
        .write_all(&request)
        .unwrap_or_else(|e| panic!("write: {e}"));
    let started = Instant::now();
    assert_still_serving(&app, "a stalled body");
    match read_outcome(&mut stalled) {
        Outcome::Answered(reply) => {
            reply.assert_problem(408, "a body stalled mid-way");
        }
        other => panic!("a stalled body got no answer: {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the stalled body was cut off only after {:?}",
        started.elapsed()
    );
    assert_still_serving(&app, "a stalled body");
}

#[test]
fn documents_over_10_mib_are_refused_with_a_problem() {
    let app = TestApp::portal();
    let callers = Callers::new(&app);
    // Over the documents' 10 MiB, under the host's 12: the filing component refuses it.
    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let reply = callers.participant.request_with(
        "POST",
        "/api/filings/attachments",
        &[("content-type", "application/pdf")],
        &big,
    );
    let problem = assert_refused(&reply, &[422], "an attachment of 10 MiB + 1 byte");
    assert_eq!(problem["errors"][0]["code"], "document_size", "{problem}");
    // Exactly 10 MiB is a document.
    big.truncate(10 * 1024 * 1024);
    let reply = callers.participant.request_with(
        "POST",
        "/api/filings/attachments",
        &[("content-type", "application/pdf")],
        &big,
    );
    assert_eq!(reply.status, 201, "exactly 10 MiB: {}", reply.text());

    // An officer's document travels as base64 in JSON: 10 MiB is about 13.4 MiB of body, within
    // the host's 16 MiB; the component refuses what decodes to more than 10 MiB.
    assert_still_serving(&app, "documents past the limit");
}

// ----- JSON -----

#[test]
fn deeply_nested_json_is_refused_cleanly_everywhere() {
    let app = TestApp::portal();
    let callers = Callers::new(&app);
    // Far past serde_json's nesting limit (128), and within every JSON body limit (256 KiB).
    let depth = 40_000;
    let bodies = [
        ("[ × 40 000", "[".repeat(depth)),
        (
            "closed [[…]] 40 000 deep",
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        ),
        (
            "{\"a\":{\"a\":… 40 000 deep",
            format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth)),
        ),
        (
            "nesting inside a field",
            format!(
                r#"{{"kind":"crime_report","text":"x","scope":{},"attachments":{}}}"#,
                "[".repeat(depth),
                "[".repeat(depth)
            ),
        ),
    ];
    for (method, path, who) in JSON_OPERATIONS {
        for (shape, body) in &bodies {
            let reply = callers.send(
                &app,
                *who,
                method,
                path,
                &[("content-type", "application/json")],
                body.as_bytes(),
            );
            assert_refused(
                &reply,
                &[400, 422],
                &format!("{method} {path} with {shape}"),
            );
        }
    }
    // A nested value where the API takes any JSON (a grant's scope) meets serde_json's
    // nesting limit (128): 400, not JSON we read. (100 000 levels meet the limit on the number
    // of values first: 422.)
    let depth = 10_000;
    let scope = format!(r#"{{"scope":{}0{}}}"#, "[".repeat(depth), "]".repeat(depth));
    let reply = put_grant_scope(&callers.officer, &scope);
    assert_refused(&reply, &[400], "a grant scope nested 10 000 deep");
    assert_still_serving(&app, "deeply nested JSON");
}

/// A familiarisation grant whose body is `body`, to a case nobody has: the body is refused
/// before the case is looked for.
fn put_grant_scope(officer: &Session<'_>, body: &str) -> Reply {
    officer.request_with(
        "PUT",
        &format!(
            "/api/officer/cases/{}/participants/1/familiarisation",
            random_erdr()
        ),
        &[("content-type", "application/json")],
        body.as_bytes(),
    )
}

#[test]
fn bodies_of_millions_of_values_are_refused_not_a_crash() {
    let app = TestApp::portal();
    let callers = Callers::new(&app);
    // 12 MiB of `0,` where the API takes a large JSON body (an officer's document travels as
    // base64 in it, so the limit there is 14 MiB): parsed, it would need more memory than an
    // instance has (it trapped: 500). It is refused by counting, before parsing.
    let zeros = (12 * 1024 * 1024 - 64) / 2;
    let body = format!(
        r#"{{"title":"t","filename":"f.pdf","content_base64":"","x":[{}0]}}"#,
        "0,".repeat(zeros - 1)
    );
    let reply = callers.officer.request_with(
        "POST",
        &format!("/api/officer/cases/{}/decisions", random_erdr()),
        &[("content-type", "application/json")],
        body.as_bytes(),
    );
    let problem = assert_refused(&reply, &[422], "a decision of six million zeros");
    assert_eq!(problem["errors"][0]["code"], "too_many_values", "{problem}");
    // Everywhere else the body never gets that far: past 256 KiB it is refused at the door
    // (bodies_over_the_limit_are_413_problems_before_anyone_reads_them). Just under that,
    // 85 000 values fit within the count and parse, and the receipt simply does not verify.
    let strings = r#""","#.repeat(85_000);
    let summary = format!(
        r#"{{"summary":{{"id":1,"registration_number":"x","kind":"petition","filer_iin":"1",
        "on_behalf_of_iin":null,"erdr_number":null,"submitted_at":"x","due_at":"x",
        "content_sha256":"x","attachments_sha256":[{strings}""]}},"signature":"x"}}"#
    );
    let reply = app.post(
        "/api/filings/receipts/verify",
        "application/json",
        summary.as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["valid"], false);
    assert_still_serving(&app, "bodies of millions of values");
}

#[test]
fn wrong_media_types_are_415_problems() {
    let app = TestApp::portal();
    let callers = Callers::new(&app);
    let body = br#"{"kind":"crime_report","text":"x"}"#;
    for (method, path, who) in JSON_OPERATIONS {
        for content_type in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/jsonp"),
            None,
        ] {
            let headers: Vec<(&str, &str)> = content_type
                .map(|c| ("content-type", c))
                .into_iter()
                .collect();
            let reply = callers.send(&app, *who, method, path, &headers, body);
            assert_refused(
                &reply,
                &[415],
                &format!("{method} {path} as {content_type:?}"),
            );
        }
    }
    // JSON (or nothing, or a type that is not a document) sent to the upload endpoint.
    for content_type in [
        Some("application/json"),
        Some("text/plain"),
        Some("text/html"),
        Some("application/octet-stream"),
        None,
    ] {
        let headers: Vec<(&str, &str)> = content_type
            .map(|c| ("content-type", c))
            .into_iter()
            .collect();
        let reply = callers.participant.request_with(
            "POST",
            "/api/filings/attachments",
            &headers,
            br#"{"content_base64":"JVBERi0="}"#,
        );
        assert_refused(&reply, &[415], &format!("an upload as {content_type:?}"));
    }
    // A declared document type whose bytes are something else is the wrong content, not type.
    let reply = callers.participant.request_with(
        "POST",
        "/api/filings/attachments",
        &[("content-type", "application/pdf")],
        b"<html><script>alert(1)</script></html>",
    );
    assert_refused(&reply, &[422], "HTML declared as a PDF");
}

// ----- headers -----

fn get_with_header(name: &str, value_bytes: usize) -> Vec<u8> {
    format!(
        "GET /api/filings/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         {name}: {}\r\n\r\n",
        "a".repeat(value_bytes)
    )
    .into_bytes()
}

#[test]
fn huge_headers_get_a_clean_431_and_the_server_lives_on() {
    jaria_tests::jaria_only!(
        "request heads are read by the runtime's HTTP server before any component runs; this tests jaria up's 64 KiB / 100-field limit"
    );
    let app = TestApp::portal();
    let patience = Duration::from_secs(20);
    // Within the 64 KiB head limit: served.
    let reply = answered(
        exchange(&app, &get_with_header("X-Big", 60 * 1024), patience),
        "a 60 KiB header",
    );
    assert_eq!(reply.status, 200, "a 60 KiB header: {}", reply.text());

    // Past it: a 431 problem, whether one huge field or many small ones.
    for (what, request) in [
        ("a 100 KiB header", get_with_header("X-Big", 100 * 1024)),
        ("a 200 KiB cookie", get_with_header("Cookie", 200 * 1024)),
        (
            "150 header fields",
            format!(
                "GET /api/filings/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{}\r\n",
                (0..150).map(|i| format!("X-H{i}: v\r\n")).collect::<String>()
            )
            .into_bytes(),
        ),
        (
            "a 100 KiB authorization",
            format!(
                "GET /api/auth/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
                 Authorization: Bearer {}\r\n\r\n",
                "a".repeat(100 * 1024)
            )
            .into_bytes(),
        ),
    ] {
        answered(exchange(&app, &request, patience), what).assert_problem(431, what);
        assert_still_serving(&app, what);
    }

    // Far past it, hyper refuses the head before it is parsed, with its own bodiless answer
    // (431, or 414 for a target past the URI limit) and closes. Either that answer or a closed
    // connection is clean; anything else is not.
    for (what, request, status) in [
        (
            "a 4 MiB header",
            get_with_header("X-Big", 4 * 1024 * 1024),
            431,
        ),
        (
            "a 100 KiB request target",
            format!(
                "GET /api/cases/{} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                "a".repeat(100 * 1024)
            )
            .into_bytes(),
            414,
        ),
    ] {
        match exchange(&app, &request, patience) {
            Outcome::Answered(reply) => {
                assert_eq!(reply.status, status, "{what}: {reply:?}")
            }
            Outcome::ClosedSilently => {}
            Outcome::StillOpen => panic!("{what}: the connection was left open"),
        }
        assert_still_serving(&app, what);
    }
}

// ----- slow clients -----

#[test]
fn slow_and_stalled_clients_do_not_block_others_and_are_closed() {
    jaria_tests::jaria_only!(
        "sets jaria up's request deadline (--request-timeout-ms); the component's own body timer is tested on both runtimes by a_stalled_body_is_answered_and_closed_and_others_are_served"
    );
    // A short deadline, so the test does not wait 30 s for the default one.
    let app = TestApp::builder()
        .portal()
        .arg("--request-timeout-ms")
        .arg("3000")
        .start();
    let patience = Duration::from_secs(20);

    // Thirty connections stalled mid-head, thirty mid-body, one trickling its body.
    let stalled_heads: Vec<TcpStream> = (0..30)
        .map(|_| {
            let mut s = connect(&app, patience);
            s.write_all(b"GET /api/filings/health HTTP/1.1\r\nHost: localhost\r\nX-Half: ")
                .unwrap_or_else(|e| panic!("write: {e}"));
            s
        })
        .collect();
    let stalled_bodies: Vec<TcpStream> = (0..30)
        .map(|_| {
            let mut s = connect(&app, patience);
            let mut request = head_with_length(
                "POST",
                "/api/filings/receipts/verify",
                "application/json",
                100,
            );
            request.extend_from_slice(br#"{"summ"#);
            s.write_all(&request)
                .unwrap_or_else(|e| panic!("write: {e}"));
            s
        })
        .collect();
    let trickler = std::thread::spawn({
        let mut s = connect(&app, patience);
        move || {
            let _ = s.write_all(&head_with_length(
                "POST",
                "/api/filings/receipts/verify",
                "application/json",
                100,
            ));
            let started = Instant::now();
            // A byte every 200 ms: the whole body would take 20 s.
            for _ in 0..100 {
                if s.write_all(b" ").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(200));
                if started.elapsed() > Duration::from_secs(8) {
                    break;
                }
            }
            (read_outcome(&mut s), started.elapsed())
        }
    });

    // Meanwhile everyone else is served at once.
    for i in 0..5 {
        assert_still_serving(&app, &format!("stalling clients ({i})"));
        let r = app.get("/api/auth/challenge");
        assert_eq!(
            r.status,
            200,
            "a challenge while others stall: {}",
            r.text()
        );
    }

    // A stalled body gets a 408 problem (its delay, not the server's) when the deadline passes.
    let started = Instant::now();
    for mut s in stalled_bodies {
        let reply = answered(read_outcome(&mut s), "a body stalled mid-way");
        reply.assert_problem(408, "a body stalled mid-way");
        assert_eq!(reply.header("connection"), Some("close"), "{reply:?}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stalled bodies were answered only after {:?}",
        started.elapsed()
    );
    let (outcome, took) = trickler.join().unwrap_or_else(|_| panic!("trickler"));
    match outcome {
        Outcome::Answered(reply) => {
            reply.assert_problem(408, "a body trickled a byte at a time");
        }
        // The host answered and closed while we were still writing: the reset can eat the
        // answer, but the connection was closed all the same, within the deadline.
        Outcome::ClosedSilently => {}
        Outcome::StillOpen => panic!("a trickling client was never closed"),
    }
    assert!(took < Duration::from_secs(15), "the trickler took {took:?}");

    // A stalled head is closed without an answer once the head's 10 s have passed.
    for mut s in stalled_heads {
        match read_outcome(&mut s) {
            Outcome::ClosedSilently => {}
            Outcome::Answered(reply) => assert!(
                reply.status < 500,
                "a stalled head got a server error: {reply:?}"
            ),
            Outcome::StillOpen => panic!("a client stalled mid-head was never closed"),
        }
    }
    assert_still_serving(&app, "slow clients");
}

// ----- path traversal -----

/// A case, its lead investigator, and a confirmed victim who sees its decisions.
struct Case<'a> {
    erdr: String,
    admin: Session<'a>,
    lead: Session<'a>,
    victim: Session<'a>,
}

fn case(app: &TestApp) -> Case<'_> {
    let admin = signed_in(app, TEST_ADMIN_IIN, "ADMIN");
    let police = organ(&admin, "Police");
    let (_, lead) = officer(app, &admin, "investigator", police);
    let erdr = register_case(&lead);
    let victim = app.sign_in(&person("VICTIM"));
    let id = request(&victim, &erdr, "victim", None, None);
    assert_eq!(decide(&lead, id, "confirm", None).status, 200);
    Case {
        erdr,
        admin,
        lead,
        victim,
    }
}

fn decision_with_file_name(case: &Case<'_>, filename: &str) -> Reply {
    case.lead.post_json(
        &format!("/api/officer/cases/{}/decisions", case.erdr),
        &json!({"type": "suspension", "decided_on": "2026-11-20", "title": "Order",
                "filename": filename,
                "content_base64": base64::engine::general_purpose::STANDARD.encode(PDF)}),
    )
}

/// Nothing in an answer looks like a file of the machine.
#[track_caller]
fn assert_no_file_leaked(reply: &Reply, what: &str) {
    let text = reply.text();
    for marker in [
        "root:",
        "[boot loader]",
        "sqlite_db",
        "spin_key_value",
        "/etc/",
    ] {
        assert!(!text.contains(marker), "{what}: {marker} in {text}");
    }
}

#[test]
fn path_traversal_finds_nothing_outside() {
    let app = TestApp::portal();
    let case = case(&app);
    let erdr = &case.erdr;
    // Uploaded names keep only their last segment; names that are nothing but a path are
    // refused.
    let mut decision_ids = Vec::new();
    for (filename, stored) in [
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
        ("/etc/passwd", "passwd"),
        ("....//....//etc/shadow.pdf", "shadow.pdf"),
        // Nothing is percent-decoded: only the leading dots go.
        ("..%2F..%2Fx.pdf", "%2F..%2Fx.pdf"),
        ("./.hidden.pdf", "hidden.pdf"),
    ] {
        let reply = decision_with_file_name(&case, filename);
        assert_eq!(reply.status, 201, "{filename}: {}", reply.text());
        decision_ids.push((reply.json()["id"].as_i64().expect("id"), stored));
    }
    for filename in ["../", "..", "/", "..\\", "x/..", "../..\u{0}"] {
        let problem = assert_refused(
            &decision_with_file_name(&case, filename),
            &[422],
            &format!("file name {filename:?}"),
        );
        assert_eq!(
            problem["errors"][0]["code"], "invalid_filename",
            "{problem}"
        );
    }
    // The victim sees the plain names, and downloads carry nothing else.
    let listed = case
        .victim
        .get(&format!("/api/cases/{erdr}/decisions"))
        .json();
    for (id, stored) in &decision_ids {
        let decision = listed["decisions"]
            .as_array()
            .and_then(|d| d.iter().find(|d| d["id"] == *id))
            .unwrap_or_else(|| panic!("decision {id} in {listed}"));
        assert_eq!(decision["document"]["filename"], *stored, "{decision}");
        let download = case
            .victim
            .get(&format!("/api/cases/{erdr}/decisions/{id}/document"));
        assert_eq!(download.status, 200, "{}", download.text());
        assert_eq!(download.body, PDF, "decision {id}: the stored document");
        let disposition = download.header("content-disposition").unwrap_or_default();
        let quoted = disposition
            .split('"')
            .nth(1)
            .unwrap_or_else(|| panic!("no file name in {disposition}"));
        assert!(
            !quoted.contains(['/', '\\']) && !quoted.starts_with('.'),
            "decision {id}: {disposition}"
        );
    }

    // Traversal in every segment of every path: nothing but a 404 (or a 422 for an
    // identifier that cannot be one), never a file.
    let (first, _) = decision_ids[0];
    let participant_paths = [
        "/api/cases/..%2F..%2Fetc/decisions".to_owned(),
        "/api/cases/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/api/cases/%2e%2e/decisions".to_owned(),
        "/api/cases/%2e%2e%2f%2e%2e%2fetc%2fpasswd/access-log".to_owned(),
        "/api/cases/..%5C..%5Cwindows%5Cwin.ini/materials".to_owned(),
        format!("/api/cases/{erdr}/decisions/..%2F..%2Fetc%2Fpasswd/document"),
        format!("/api/cases/{erdr}/decisions/{first}%2F..%2F..%2F/document"),
        format!("/api/cases/{erdr}/decisions/{first}/document%2F..%2F..%2Fetc%2Fpasswd"),
        format!("/api/cases/{erdr}/materials/..%2F1/content"),
        format!("/api/cases/{erdr}%00/decisions"),
        "/api/status/filings/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/api/status/filings/1/documents/..%2F..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/api/status/notifications/..%2F1/read".to_owned(),
        "/api/filings/..%2F..%2F1/receipt".to_owned(),
        "/api/filings/%2e%2e/withdraw".to_owned(),
        "/api/auth/sessions/..%2F..%2Fetc%2Fpasswd".to_owned(),
    ];
    for path in &participant_paths {
        for method in ["GET", "POST", "DELETE"] {
            let reply = case.victim.request_with(method, path, &[], b"");
            assert_refused(&reply, &[404, 405, 422], &format!("{method} {path}"));
            assert_no_file_leaked(&reply, path);
        }
    }
    let officer_paths = [
        "/api/officer/cases/..%2F..%2Fetc%2Fpasswd".to_owned(),
        format!("/api/officer/cases/{erdr}/participants/..%2F1"),
        "/api/officer/filings/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/api/officer/filings/1/documents/..%2F..%2Fetc%2Fpasswd".to_owned(),
    ];
    for path in &officer_paths {
        let reply = case.lead.get(path);
        assert_refused(&reply, &[404, 405, 422], &format!("GET {path}"));
        assert_no_file_leaked(&reply, path);
    }
    for path in [
        "/api/admin/officers/..%2F..%2Fetc%2Fpasswd",
        "/api/admin/officers/%2e%2e",
    ] {
        let reply = case.admin.delete(path);
        assert_refused(&reply, &[404, 422], &format!("DELETE {path}"));
    }
    // Unencoded dot segments, as a raw client sends them.
    for path in [
        "/api/cases/../../etc/passwd",
        "/api/../../../../etc/passwd",
        "/../../../etc/passwd",
        "/api/filings/../../../../etc/passwd",
        "/api/status/filings/1/documents/../../../../../etc/passwd",
    ] {
        let reply = case.victim.request_with("GET", path, &[], b"");
        assert_refused(&reply, &[400, 404, 405], &format!("GET {path}"));
        assert_no_file_leaked(&reply, path);
    }
    // The victim's own case still answers.
    assert_eq!(case.victim.get(&format!("/api/cases/{erdr}")).status, 200);
}

// ----- SQL metacharacters -----

/// Text that would break a query built by concatenation, or a careless reader of it.
const HOSTILE_TEXT: &[&str] = &[
    "' OR 1=1 --",
    "\"; DROP TABLE filings; --",
    "Robert'); DROP TABLE organs;--",
    "1; SELECT * FROM sessions; PRAGMA writable_schema=1",
    "' UNION SELECT token_sha256, iin FROM sessions --",
    "%' AND 1=0 UNION SELECT sqlite_version() --",
    "\\'; \\\"; `; $1; ?; :name; @x",
    "a\u{0}b\u{0}",
    "Жәбірленуші 🦀 עברית العربية \u{202E} 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
];

/// The same text, or a clean refusal.
#[track_caller]
fn assert_verbatim_or_refused(reply: &Reply, returned: Option<&Value>, sent: &str, what: &str) {
    if reply.status >= 400 {
        assert_refused(reply, &[400, 409, 422], what);
    } else {
        assert_eq!(
            returned.and_then(Value::as_str),
            Some(sent),
            "{what}: not returned verbatim: {}",
            reply.text()
        );
    }
}

fn find<'v>(list: &'v Value, key: &str, id: &Value) -> Option<&'v Value> {
    list[key]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["id"] == *id))
}

#[test]
fn sql_metacharacters_in_every_text_field_are_only_text() {
    let app = TestApp::portal();
    let case = case(&app);
    let admin = &case.admin;
    let lead = &case.lead;
    // Very long text, each at its field's limit.
    let long = |chars: usize| "Ж🦀'\"".chars().cycle().take(chars).collect::<String>();
    let with_long = |limit: usize| {
        HOSTILE_TEXT
            .iter()
            .map(|t| (*t).to_owned())
            .chain([long(limit)])
            .collect::<Vec<_>>()
    };

    // Organ names and regions (admin), read back by the admin and by participants.
    let mut organ_ids = Vec::new();
    for (i, text) in with_long(200).iter().enumerate() {
        let name = if text.chars().count() < 190 {
            format!("{text} {i}{}", random_iin())
        } else {
            text.clone()
        };
        let reply = admin.post_json(
            "/api/admin/organs",
            &json!({"name": name, "region": text.chars().take(100).collect::<String>()}),
        );
        let what = format!("organ name {name:?}");
        assert_verbatim_or_refused(&reply, reply.json().get("name"), &name, &what);
        if reply.status == 201 {
            let id = reply.json()["id"].clone();
            let listed = admin.get("/api/admin/organs").json();
            let organ = find(&listed, "organs", &id)
                .unwrap_or_else(|| panic!("{what}: not listed in {listed}"));
            assert_eq!(organ["name"], name.as_str(), "{what}");
            organ_ids.push((id, name));
        }
    }
    // A name past the limit is refused, not cut.
    assert_refused(
        &admin.post_json(
            "/api/admin/organs",
            &json!({"name": long(201), "region": "x"}),
        ),
        &[422],
        "a 201-character organ name",
    );

    // Officers' names and revocation reasons (admin).
    for text in with_long(200) {
        let iin = random_iin();
        let reply = admin.post_json(
            "/api/admin/officers",
            &json!({"iin": iin, "full_name": text, "role": "investigator",
                    "organ_id": organ_ids.first().map(|(id, _)| id.clone())}),
        );
        assert_verbatim_or_refused(
            &reply,
            reply.json().get("full_name"),
            &text,
            &format!("officer name {text:?}"),
        );
        let serial = format!("{:x}", rand::random::<u64>() | 1);
        let reply = admin.post_json(
            "/api/admin/revocations",
            &json!({"serial_number": serial, "reason": text}),
        );
        assert_verbatim_or_refused(
            &reply,
            reply.json().get("reason"),
            &text,
            &format!("revocation reason {text:?}"),
        );
    }

    // Filing text (participant), read back in the status; a statement to a hostile organ.
    let victim = &case.victim;
    let mut filing_ids = Vec::new();
    for (i, text) in with_long(20_000).iter().enumerate() {
        let organ_id = &organ_ids[i % organ_ids.len()].0;
        let reply = victim.request_with(
            "POST",
            "/api/filings",
            &[
                ("idempotency-key", &format!("sql-{i}")),
                ("content-type", "application/json"),
            ],
            victim
                .signed_filing(&json!({"kind": "crime_report", "organ_id": organ_id, "text": text}))
                .to_string()
                .as_bytes(),
        );
        let what = format!(
            "filing text {:?}",
            text.chars().take(60).collect::<String>()
        );
        if reply.status >= 400 {
            assert_refused(&reply, &[400, 422], &what);
            continue;
        }
        assert_eq!(reply.status, 201, "{what}: {}", reply.text());
        let id = reply.json()["id"].as_i64().expect("filing id");
        let status = victim.get(&format!("/api/status/filings/{id}")).json();
        assert_eq!(status["text"].as_str(), Some(text.as_str()), "{what}");
        filing_ids.push(id);
    }

    // Access-request bases (participants), read back by the lead officer.
    for text in with_long(500) {
        let asker = app.sign_in(&person("ASKER"));
        let reply = asker.post_json(
            "/api/cases/access-requests",
            &json!({"erdr_number": case.erdr, "procedural_status": "victim", "basis": text}),
        );
        let what = format!("basis {:?}", text.chars().take(60).collect::<String>());
        if reply.status >= 400 {
            assert_refused(&reply, &[400, 422], &what);
            continue;
        }
        assert_eq!(reply.status, 202, "{what}: {}", reply.text());
        let id = reply.json()["id"].clone();
        let queue = lead.get("/api/officer/queue").json();
        let item = queue
            .as_object()
            .into_iter()
            .flat_map(|o| o.values())
            .filter_map(Value::as_array)
            .flatten()
            .find(|i| i["id"] == id && i["kind"] == "access_request")
            .unwrap_or_else(|| panic!("{what}: request {id} not in the queue {queue}"));
        assert_eq!(item["basis"].as_str(), Some(text.as_str()), "{what}");
        // The rejection's reason, read back by the asker.
        let id = id.as_i64().expect("request id");
        let reason = text.clone();
        let reply = decide(lead, id, "reject", Some(&reason));
        assert_verbatim_or_refused(&reply, reply.json().get("reason"), &reason, &what);
        if reply.status == 200 {
            let mine = asker.get("/api/cases/access-requests").json();
            let request = find(&mine, "access_requests", &json!(id))
                .unwrap_or_else(|| panic!("{what}: request {id} not listed"));
            assert_eq!(request["reason"].as_str(), Some(reason.as_str()), "{what}");
        }
    }

    // Case articles, decision titles (officer), and the answer's reasoning on a statement.
    for text in with_long(300) {
        let title = text.chars().take(300).collect::<String>();
        let reply = lead.post_json(
            &format!("/api/officer/cases/{}/decisions", case.erdr),
            &json!({"type": "suspension", "decided_on": "2026-11-20", "title": title,
                    "filename": "order.pdf",
                    "content_base64": base64::engine::general_purpose::STANDARD.encode(PDF)}),
        );
        let what = format!(
            "decision title {:?}",
            title.chars().take(60).collect::<String>()
        );
        if reply.status >= 400 {
            assert_refused(&reply, &[400, 422], &what);
            continue;
        }
        let id = reply.json()["id"].clone();
        let seen = victim
            .get(&format!("/api/cases/{}/decisions", case.erdr))
            .json();
        let decision = find(&seen, "decisions", &id).unwrap_or_else(|| panic!("{what}: not seen"));
        assert_eq!(decision["title"].as_str(), Some(title.as_str()), "{what}");
    }
    let articles: Vec<String> = HOSTILE_TEXT.iter().map(|t| (*t).to_owned()).collect();
    let erdr = erdr_of(lead);
    let reply = lead.post_json(
        "/api/officer/cases",
        &json!({"erdr_number": erdr, "registered_on": "2026-11-01", "articles": articles}),
    );
    if reply.status >= 400 {
        assert_refused(&reply, &[400, 422], "hostile articles");
    } else {
        let card = lead.get(&format!("/api/officer/cases/{erdr}")).json();
        assert_eq!(card["articles"], json!(articles), "articles: {card}");
    }

    // And the database is whole: every table the text named still answers.
    let mine = victim.get("/api/status/filings?limit=100").json();
    let listed: Vec<i64> = mine["filings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["id"].as_i64()).collect())
        .unwrap_or_default();
    for id in &filing_ids {
        assert!(listed.contains(id), "filing {id} missing from {mine}");
    }
    let organs = victim.get("/api/filings/organs").json();
    for (id, name) in &organ_ids {
        let organ = find(&organs, "organs", id).unwrap_or_else(|| panic!("organ {name:?}"));
        assert_eq!(organ["name"].as_str(), Some(name.as_str()));
    }
    let reply = victim.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", "sql-after"),
            ("content-type", "application/json"),
        ],
        victim
            .signed_filing(&json!({"kind": "crime_report", "organ_id": organ_ids[0].0, "text": "An ordinary statement."}))
            .to_string()
            .as_bytes(),
    );
    assert_eq!(reply.status, 201, "a filing afterwards: {}", reply.text());
    assert_eq!(
        victim.get("/api/auth/me").status,
        200,
        "sessions afterwards"
    );
    assert_eq!(
        victim.get(&format!("/api/cases/{}", case.erdr)).status,
        200,
        "cases afterwards"
    );
}
