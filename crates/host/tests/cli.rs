//! The `jaria` command line as an operator meets it. (Building these tests also makes
//! `cargo test` build the `jaria` binary that the black-box suite in `tests/` starts.)

use std::process::Command;

fn jaria() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jaria"))
}

#[test]
fn help_names_every_subcommand() {
    let out = jaria().arg("--help").output().expect("run jaria");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in ["up", "build", "migrate", "seed", "audit"] {
        assert!(text.contains(sub), "{sub} missing from:\n{text}");
    }
}

#[test]
fn seeding_must_say_what_to_seed() {
    let out = jaria().arg("seed").output().expect("run jaria");
    assert!(
        !out.status.success(),
        "a bare `seed` must not seed anything"
    );
}

#[test]
fn a_missing_manifest_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = jaria()
        .args(["build", "--from"])
        .arg(dir.path().join("spin.toml"))
        .output()
        .expect("run jaria");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read manifest"), "{err}");
}
