//! The API against its own description: Schemathesis (PyPI) generates requests from
//! `schema/openapi.yaml` — valid and invalid — and runs its checks on every answer: no server
//! error, status codes, content types and response schemas as described, and valid data
//! accepted (`positive_data_acceptance`: the description states the formats the server
//! enforces). It runs anonymously and as a confirmed victim, their lead officer and an admin,
//! so the generated requests reach real data.
//!
//! CI installs Schemathesis and sets `JARIA_SCHEMATHESIS=required`; elsewhere the test says it
//! is skipped when the tool is missing.

use std::process::Command;

use jaria_tests::world::{decide, officer, organ, register_case, request, signed_in};
use jaria_tests::{TEST_ADMIN_IIN, TestApp, random_iin, workspace_root};

/// Operations whose valid input no JSON Schema can describe, so Schemathesis's positive-data
/// check must also accept 400/422 there. Every other check, and every other status, is as
/// everywhere:
/// - in the coverage phase only, anywhere: it fills `format: iin` fields from their pattern
///   alone, and an IIN is valid only with its check digit, which no pattern says (the fuzzing
///   phase generates real IINs through the hooks and is held to the strict rule);
/// - EDS sign-in: a certificate and a signature are valid only if they verify;
/// - an admin's revocation names a certificate (or its issuer's), valid only if it parses as
///   one, and a serial number some separators alone do not make;
/// - a password is refused when it is one of the most common ones;
/// - a filing names an organ, a case, a decision and attachments by id, which must exist and
///   be the filer's to name (a 422 naming the field; the description says so);
/// - the officer's writes name other records and depend on the case's state: a case's ERDR
///   number must carry the organ's code and its officers must be the organ's, a lead must be
///   an investigator there, documents are checked by their content (PDF, PNG, JPEG), a grant
///   names the case's materials, an answer must fit the filing's kind, an extension stays
///   within 15 days of submission;
/// - contacts: an e-mail address must be one mail relays take everywhere (no quoted local
///   parts or address literals, which `format: email` allows), and codes are rate-limited
///   (429); a code is valid only if it is the one sent; the daily digest is for officers; a
///   message is retried only while it is dead.
const POSITIVE_DATA_EXCEPTIONS: &str = r#"[[operations]]
include-path-regex = '^/api/auth/(contacts|contacts/verify|notification-preferences)$'
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[[operations]]
include-path-regex = '^/api/admin/outbox/\{id\}/retry$'
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[[operations]]
include-path-regex = '^/api/officer/(cases|cases/\{erdr\}|cases/\{erdr\}/(decisions|materials)|cases/\{erdr\}/participants/\{id\}/familiarisation|filings/\{id\}/(decision|extension))$'
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[[operations]]
include-path = "/api/auth/password"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[[operations]]
include-path = "/api/filings"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[[operations]]
include-path = "/api/admin/revocations"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[[operations]]
include-path = "/api/auth/eds"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429", "5xx"]

[phases.coverage.checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
"#;

fn schemathesis_available() -> bool {
    Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn every_answer_matches_the_openapi_description() {
    let required = std::env::var("JARIA_SCHEMATHESIS").is_ok_and(|v| v == "required");
    if std::env::var("JARIA_SCHEMATHESIS").is_ok_and(|v| v == "skip") {
        eprintln!("skipped: JARIA_SCHEMATHESIS=skip (this run checks something else)");
        return;
    }
    if !schemathesis_available() {
        assert!(
            !required,
            "JARIA_SCHEMATHESIS=required but schemathesis is not installed"
        );
        eprintln!("skipped: schemathesis is not installed (pip install schemathesis)");
        return;
    }
    let app = TestApp::portal();
    let admin = signed_in(&app, TEST_ADMIN_IIN, "ADMIN");
    let police = organ(&admin, "Police");
    let (_, lead) = officer(&app, &admin, "investigator", police);
    let erdr = register_case(&lead);
    let victim = signed_in(&app, &random_iin(), "VICTIM");
    let id = request(&victim, &erdr, "victim", None, None);
    assert_eq!(decide(&lead, id, "confirm", None).status, 200);
    let report = tempfile::tempdir().expect("report dir");
    // The case's number where a path names one, so generated requests reach a real case.
    let config = report.path().join("schemathesis.toml");
    std::fs::write(
        &config,
        format!(
            "[parameters]\n\"path.erdr\" = \"{erdr}\"\n\n{}",
            POSITIVE_DATA_EXCEPTIONS
        ),
    )
    .expect("config");
    let seconds: u64 = std::env::var("SCHEMATHESIS_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        // One worker (below) needs longer than two did to reach every operation.
        .unwrap_or(160);
    // Anonymous, then a participant, an officer and an admin: each reaches a different part
    // of the API. Every check runs, the positive-data one included: what the description calls
    // valid, the server accepts (tests/jaria_schemathesis_hooks.py generates real IINs; a
    // name of its own, so that no installed `tests` package can shadow it).
    for (who, token) in [
        ("anonymous caller", None),
        ("victim", Some(&victim.token)),
        ("lead officer", Some(&lead.token)),
        ("admin", Some(&admin.token)),
    ] {
        let run = || {
            let mut command = Command::new("schemathesis");
            command
                .current_dir(workspace_root())
                .env("PYTHONPATH", workspace_root().join("tests"))
                .env("SCHEMATHESIS_HOOKS", "jaria_schemathesis_hooks")
                .arg("--config-file")
                .arg(&config)
                .args(["run", "schema/openapi.yaml", "--url"])
                .arg(app.url(""));
            if let Some(token) = token {
                command
                    .arg("--header")
                    .arg(format!("Authorization: Bearer {token}"));
            }
            command
                .args([
                    "--checks",
                    "all",
                    // Left out for now: optional body fields read `null` as absent (serde's
                    // `Option`), while the description types them as strings or numbers; see
                    // the operations note of issue #18.
                    "--exclude-checks",
                    "negative_data_rejection",
                    "--phases",
                    "examples,coverage,fuzzing",
                    "--max-time",
                    &(seconds / 4).max(10).to_string(),
                    // One worker: with two, one thread's Hypothesis raises the recursion limit
                    // while the other parses source, and CPython 3.11.7 then fails with "AST
                    // constructor recursion depth mismatch" (the interpreter's bug).
                    "--workers",
                    "1",
                    "--request-timeout",
                    "20",
                    // Signing out or ending the session would end the run's own credentials.
                    "--exclude-path",
                    "/api/auth/logout",
                    "--exclude-path-regex",
                    "^/api/auth/sessions/",
                    // Revoking the fixture's participant would change the case under the run.
                    "--exclude-path-regex",
                    "^/api/officer/cases/\\{erdr\\}/participants/\\{id\\}$",
                    "--no-color",
                    "--report-dir",
                ])
                .arg(report.path())
                .output()
                .expect("run schemathesis")
        };
        let mut output = run();
        // CPython 3.11 sometimes fails inside Schemathesis's coverage phase with "AST
        // constructor recursion depth mismatch" (an interpreter bug, not a finding: Hypothesis
        // parses Schemathesis's own source to describe a lambda, deep in the stack): such a
        // run, and only such a run, is repeated, up to eight times (CI met it four times in a
        // row with two workers; with one, below, it has not come back).
        let interpreter_bug = |o: &std::process::Output| {
            let text = String::from_utf8_lossy(&o.stdout);
            !o.status.success()
                && text.contains("AST constructor recursion depth mismatch")
                && !text.contains("❌")
        };
        for _ in 0..8 {
            if !interpreter_bug(&output) {
                break;
            }
            eprintln!("schemathesis as the {who}: the CPython coverage-phase error; once more");
            output = run();
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "schemathesis as the {who} found problems:\n{stdout}\n{stderr}"
        );
        let summary: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains("generated") || l.contains("passed") || l.contains("Tested"))
            .collect();
        eprintln!("schemathesis as the {who}: {}", summary.join(" | "));
    }
}
