//! The browser client in a real browser: Debian's Chromium driven by npm's `playwright-core`
//! (`tests/browser/journeys.mjs`) through whole journeys against a host seeded with the demo,
//! with an axe-core accessibility check on every screen it passes. Screenshots of each step
//! go to `target/browser-shots/`.
//!
//! CI installs Chromium and the npm packages and sets `JARIA_BROWSER=required`; elsewhere the
//! test says what is missing and passes. Against a deployment (`JARIA_BASE_URL`) it needs the
//! demo's keys in `JARIA_DEMO_DIR`.
//!
//! For the EDS journeys the test makes, with the demo's CA, a person's authentication and
//! signing keys, their password-protected `.p12` containers as `openssl pkcs12 -export`
//! makes them (legacy and modern encryption), and the TLS certificate of the NCALayer
//! stand-in (`tests/browser/ncalayer-standin.mjs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jaria_test_ca::{Authority, KeyAlgorithm, PersonSpec, Purpose};
use jaria_tests::{TestApp, external_base_url, random_iin, workspace_root};

/// The password of the test containers (shaped as the national CA requires them).
const KIT_PASSWORD: &str = "Qwerty12";

fn openssl(args: &[&str], dir: &Path) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is needed for the EDS journeys (apt-get install openssl)");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The EDS kit of one person, issued by the demo CA, in `dir`: `auth.key`/`auth.pem` (for
/// signing in), `sign.key`/`sign.pem` (for signing documents only), `legacy.p12` and
/// `modern.p12` (the authentication key with its chain), `sign.p12` (the signing key),
/// `foreigner.p12` (a foreign citizen's key, with a document number for an IIN),
/// `tls.key`/`tls.pem` (127.0.0.1),
/// `ca.pem`, and `kit.json` naming the IIN and the password.
fn eds_kit(demo_dir: &Path, dir: &Path) {
    let read = |name: &str| {
        std::fs::read_to_string(demo_dir.join(name))
            .unwrap_or_else(|e| panic!("{}: {e}", demo_dir.join(name).display()))
    };
    let ca = Authority::from_pem(&read("ca.pem"), &read("ca.key")).expect("demo CA");
    let iin = random_iin();
    let name = "ТЕСТОВА АЙГЕРИМ";
    let auth = ca
        .issue(&PersonSpec::new(&iin, name).algorithm(KeyAlgorithm::Rsa2048))
        .expect("auth certificate");
    let sign = ca
        .issue(
            // As the national CA's RSA256_… certificates: digital signature and
            // non-repudiation, for e-mail protection, not client authentication.
            &PersonSpec::new(&iin, name)
                .algorithm(KeyAlgorithm::Rsa2048)
                .purposes(&[Purpose::EmailProtection]),
        )
        .expect("signing certificate");
    // Another person, whose signature on this person's statement must be refused.
    let stranger = ca
        .issue(
            &PersonSpec::new(&random_iin(), "БАСҚА АДАМ")
                .algorithm(KeyAlgorithm::Rsa2048)
                .purposes(&[Purpose::EmailProtection]),
        )
        .expect("another person's certificate");
    // A foreign citizen's key: a document number where an IIN would be.
    let mut foreigner_spec =
        PersonSpec::new(&random_iin(), "IVANOV IVAN").algorithm(KeyAlgorithm::Rsa2048);
    foreigner_spec.serial_attribute = "PASSPORT4509123456".into();
    let foreigner = ca
        .issue(&foreigner_spec)
        .expect("a foreigner's certificate");
    let write = |file: &str, text: &str| std::fs::write(dir.join(file), text).expect("kit file");
    write("foreigner.key", &foreigner.key_pem);
    write("foreigner.pem", &foreigner.cert_pem);
    write("stranger.key", &stranger.key_pem);
    write("stranger.pem", &stranger.cert_pem);
    write("auth.key", &auth.key_pem);
    write("auth.pem", &auth.cert_pem);
    write("sign.key", &sign.key_pem);
    write("sign.pem", &sign.cert_pem);
    write("ca.pem", &ca.cert_pem);
    let pass = format!("pass:{KIT_PASSWORD}");
    let export = ["pkcs12", "-export", "-in", "auth.pem", "-inkey", "auth.key"];
    let chain = [
        "-certfile",
        "ca.pem",
        "-name",
        "AUTH_RSA256",
        "-passout",
        &pass,
    ];
    // The national CA's files: 3DES key bag, RC2-40 certificates, SHA-1 MAC.
    openssl(
        &[&export[..], &chain[..], &["-legacy", "-out", "legacy.p12"]].concat(),
        dir,
    );
    // What OpenSSL makes today: PBES2 with PBKDF2 and AES-256-CBC, SHA-256 MAC.
    openssl(
        &[&export[..], &chain[..], &["-out", "modern.p12"]].concat(),
        dir,
    );
    openssl(
        &[
            &[
                "pkcs12",
                "-export",
                "-in",
                "foreigner.pem",
                "-inkey",
                "foreigner.key",
            ][..],
            &chain[..],
            &["-out", "foreigner.p12"],
        ]
        .concat(),
        dir,
    );
    // The signing key's container (RSA256_…), legacy like the national CA's.
    let sign_export = ["pkcs12", "-export", "-in", "sign.pem", "-inkey", "sign.key"];
    let sign_chain = ["-certfile", "ca.pem", "-name", "RSA256", "-passout", &pass];
    openssl(
        &[
            &sign_export[..],
            &sign_chain[..],
            &["-legacy", "-out", "sign.p12"],
        ]
        .concat(),
        dir,
    );
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "tls.key",
            "-out",
            "tls.pem",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        dir,
    );
    write(
        "kit.json",
        &serde_json::json!({ "iin": iin, "password": KIT_PASSWORD }).to_string(),
    );
}

fn chromium() -> PathBuf {
    std::env::var_os("JARIA_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Whether Node is missing.
fn node_missing() -> Option<String> {
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    (!node.is_ok_and(|s| s.success())).then(|| "node is not installed".into())
}

/// What is missing to run the journeys, if anything.
fn missing_tools(browser_dir: &Path) -> Option<String> {
    if let Some(missing) = node_missing() {
        return Some(missing);
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
            // Staging for NCA's GOST test key as well: its test CA trusted, its IIN listed.
            let app = TestApp::builder()
                .demo()
                // eGov mobile signing is offered once the operator is named.
                .env("SPIN_VARIABLE_OPERATOR_BIN", jaria_tests::TEST_OPERATOR_BIN)
                .env(
                    "SPIN_VARIABLE_EDS_TRUST_ANCHORS",
                    &jaria_tests::nca::test_anchors(),
                )
                .env(
                    "SPIN_VARIABLE_EDS_TEST_IINS",
                    &format!(
                        "{},{}",
                        jaria_tests::nca::TEST_IIN,
                        jaria_tests::nca::TEST_IIN_EMPLOYEE
                    ),
                )
                .start();
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
    let kit = tempfile::tempdir().expect("kit dir");
    eds_kit(&demo_dir, kit.path());

    let mut child = Command::new("node")
        .arg("journeys.mjs")
        .current_dir(&browser_dir)
        .env("JARIA_BASE_URL", &app.base_url)
        .env("JARIA_DEMO_DIR", &demo_dir)
        .env("JARIA_EDS_KIT", kit.path())
        .env("JARIA_SHOTS_DIR", &shots)
        .envs(
            external_base_url()
                .is_none()
                .then(|| ("JARIA_NCA_KEYS", jaria_tests::nca::dir())),
        )
        .env("JARIA_CHROMIUM", chromium())
        // The stand-in phone of the eGov mobile journey.
        .env("JARIA_EGOV_PHONE", env!("CARGO_BIN_EXE_egov-phone"))
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

/// Runs `script` (an ES module) with Node, arguments after it; its standard output.
fn node_module(script: &str, args: &[&str]) -> String {
    let output = Command::new("node")
        .args(["--input-type=module", "-e", script, "--"])
        .args(args)
        .output()
        .expect("run node");
    assert!(
        output.status.success(),
        "node: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The proof of work the sign-in page pays for a network whose sign-ins failed lately
/// (`static/js/work.js`) is exactly what the portal checks: its SHA-256 agrees with the Rust
/// one, and a sign-in carrying the page's answer gets in.
#[test]
fn the_pages_proof_of_work_is_what_the_portal_checks() {
    jaria_tests::local_only!();
    if std::env::var("JARIA_BROWSER").is_ok_and(|v| v == "skip") {
        eprintln!("skipped: JARIA_BROWSER=skip (this run checks something else)");
        return;
    }
    if let Some(missing) = node_missing() {
        assert!(
            !std::env::var("JARIA_BROWSER").is_ok_and(|v| v == "required"),
            "JARIA_BROWSER=required but {missing}"
        );
        eprintln!("skipped: {missing}");
        return;
    }
    let work_js = workspace_root().join("components/web/static/js/work.js");
    let module = format!(
        "import {{ sha256Hex, solveWork }} from {:?};",
        url_of(&work_js)
    );
    // Lengths around the one-block and two-block edges, and non-ASCII text.
    let texts = [
        "",
        "abc",
        &"a".repeat(55),
        &"b".repeat(56),
        &"c".repeat(64),
        "жария:42",
    ];
    for text in texts {
        use sha2::Digest as _;
        let from_page = node_module(
            &format!("{module} console.log(sha256Hex(process.argv[1]));"),
            &[text],
        );
        assert_eq!(
            from_page,
            hex::encode(sha2::Sha256::digest(text.as_bytes())),
            "{text:?}"
        );
    }
    let app = TestApp::builder()
        .portal()
        .env("SPIN_VARIABLE_LOCKOUT_CLIENT_FAILURES", "1")
        .start();
    let stranger = Authority::new_root("Rogue CA")
        .expect("rogue")
        .issue(&PersonSpec::new(&random_iin(), "SCRIPT"))
        .expect("forged");
    assert_eq!(
        app.try_sign_in(&stranger, jaria_tests::Signing::Der).status,
        401
    );
    let person = jaria_tests::person("SAME NETWORK");
    let challenge = app.challenge();
    assert!(challenge.work_bits > 0, "the network owes work now");
    let work = node_module(
        &format!(
            "{module} console.log(await solveWork(process.argv[1], Number(process.argv[2])));"
        ),
        &[&challenge.nonce, &challenge.work_bits.to_string()],
    );
    let reply = app.post_eds_with_work(
        &person.cert_pem,
        &challenge.nonce,
        &person.sign(challenge.to_sign.as_bytes()),
        Some(&work),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

/// A `file://` URL for an absolute path (for Node's `import`).
fn url_of(path: &Path) -> String {
    format!("file://{}", path.display())
}
