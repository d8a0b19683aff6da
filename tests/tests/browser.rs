//! The browser client in a real browser: Debian's Chromium driven by npm's `playwright-core`
//! (`tests/browser/journeys.mjs`) through whole journeys against a host seeded with the demo,
//! with an axe-core accessibility check on every screen it passes. Screenshots of each step
//! go to `target/browser-shots/`.
//!
//! CI installs Chromium and the npm packages and sets `JARIA_BROWSER=required`; elsewhere the
//! test says what is missing and passes. Against a deployment (`JARIA_BASE_URL`) it needs the
//! demo's keys in `JARIA_DEMO_DIR`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jaria_tests::{TestApp, external_base_url, workspace_root};

fn chromium() -> PathBuf {
    std::env::var_os("JARIA_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// What is missing to run the journeys, if anything.
fn missing_tools(browser_dir: &Path) -> Option<String> {
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|s| s.success()) {
        return Some("node is not installed".into());
    }
    if !browser_dir
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        return Some("npm packages are not installed (cd tests/browser && npm ci)".into());
    }
    if !chromium().exists() {
        return Some(format!(
            "{} is missing (apt-get install chromium)",
            chromium().display()
        ));
    }
    None
}

#[test]
fn journeys_in_a_real_browser() {
    let root = workspace_root();
    let browser_dir = root.join("tests/browser");
    let required = std::env::var("JARIA_BROWSER").is_ok_and(|v| v == "required");
    if std::env::var("JARIA_BROWSER").is_ok_and(|v| v == "skip") {
        eprintln!("skipped: JARIA_BROWSER=skip (this run checks something else)");
        return;
    }
    if let Some(missing) = missing_tools(&browser_dir) {
        assert!(!required, "JARIA_BROWSER=required but {missing}");
        eprintln!("skipped: {missing}");
        return;
    }
    let (app, demo_dir) = match external_base_url() {
        Some(_) => match std::env::var_os("JARIA_DEMO_DIR") {
            Some(dir) => (TestApp::portal(), PathBuf::from(dir)),
            None => {
                eprintln!("skipped: JARIA_BASE_URL is set without JARIA_DEMO_DIR");
                return;
            }
        },
        None => {
            let app = TestApp::builder().demo().start();
            let demo = app.state_dir().join("demo");
            (app, demo)
        }
    };
    let shots = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("browser-shots");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).expect("screenshot dir");

    let mut child = Command::new("node")
        .arg("journeys.mjs")
        .current_dir(&browser_dir)
        .env("JARIA_BASE_URL", &app.base_url)
        .env("JARIA_DEMO_DIR", &demo_dir)
        .env("JARIA_SHOTS_DIR", &shots)
        .env("JARIA_CHROMIUM", chromium())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run node");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().expect("wait for killed node");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    eprintln!("{stdout}");
    assert!(
        status.success(),
        "browser journeys failed ({status}); screenshots in {}\n{stdout}\n{stderr}\nhost log:\n{}",
        shots.display(),
        app.log()
    );
}
