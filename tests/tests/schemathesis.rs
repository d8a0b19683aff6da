//! The API against its own description: Schemathesis (PyPI) generates requests from
//! `schema/openapi.yaml` — valid and invalid — and checks that no answer is a server error and
//! every answer matches the spec (status codes, content types, response schemas). It runs as a
//! confirmed victim with a petition on file, so the generated requests reach real data.
//!
//! CI installs Schemathesis and sets `JARIA_SCHEMATHESIS=required`; elsewhere the test says it
//! is skipped when the tool is missing.

use std::process::Command;

use jaria_tests::world::{decide, officer, organ, register_case, request, signed_in};
use jaria_tests::{TEST_ADMIN_IIN, TestApp, random_iin, workspace_root};

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
        format!("[parameters]\n\"path.erdr\" = \"{erdr}\"\n"),
    )
    .expect("config");
    let seconds: u64 = std::env::var("SCHEMATHESIS_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(90);
    // A participant, an officer and an admin: each reaches a different part of the API.
    for (who, token) in [
        ("victim", &victim.token),
        ("lead officer", &lead.token),
        ("admin", &admin.token),
    ] {
        let output = Command::new("schemathesis")
            .current_dir(workspace_root())
            .arg("--config-file")
            .arg(&config)
            .args(["run", "schema/openapi.yaml", "--url"])
            .arg(app.url(""))
            .arg("--header")
            .arg(format!("Authorization: Bearer {token}"))
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--phases",
                "examples,coverage,fuzzing",
                "--max-time",
                &(seconds / 3).max(10).to_string(),
                "--workers",
                "2",
                "--request-timeout",
                "20",
                // Signing out or ending the session would end the run's own credentials.
                "--exclude-path",
                "/api/auth/logout",
                "--exclude-path-regex",
                "^/api/auth/sessions/",
                "--no-color",
                "--report-dir",
            ])
            .arg(report.path())
            .output()
            .expect("run schemathesis");
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
