//! The black-box test harness. [`TestApp::portal`] starts the real host (`jaria up`) on an
//! ephemeral port with a fresh state dir, or, when `JARIA_BASE_URL` is set, targets that
//! running deployment instead, so the same journeys check real Spin. Tests of the host itself
//! use [`TestApp::builder`] with the probe fixture and are skipped against a deployment.

pub mod calendar;
pub mod nca;
pub mod ocsp;
pub mod otlp;
pub mod redis;
pub mod sqld;
pub mod stub_http;
pub mod webhook;
pub mod world;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use serde_json::Value;

/// Where each component of the portal answers (`spin.toml`'s routes; "" is the web one):
/// every one has its own health checks.
pub const COMPONENT_PREFIXES: [&str; 7] = [
    "/api/auth",
    "/api/cases",
    "/api/filings",
    "/api/status",
    "/api/officer",
    "/api/internal",
    "",
];

/// Makes a child process die with the thread that starts it (`PR_SET_PDEATHSIG`), even when
/// the test process is killed outright (no Drop runs then): no stray servers after an
/// interrupted run. The signal follows the starting *thread*, so start long-lived servers
/// from threads that outlive them.
pub fn die_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt as _;
        // SAFETY: prctl is async-signal-safe and touches only the child's own state.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
}

/// The workspace root (this crate lives in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The deployment under test, if the suite is pointed at one.
pub fn external_base_url() -> Option<String> {
    std::env::var("JARIA_BASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .map(|u| u.trim_end_matches('/').to_owned())
}

/// Skips the calling test when the suite targets a deployment (`JARIA_BASE_URL`): for tests
/// that need a server of their own (their own settings, or the state files). They run on both
/// runtimes.
#[macro_export]
macro_rules! local_only {
    () => {
        if $crate::external_base_url().is_some() {
            eprintln!("skipped: needs a server of its own");
            return;
        }
    };
}

/// Skips the calling test unless it runs on `jaria up` itself: for tests of the local host's
/// own features (the probe fixture, its limits and flags), which real Spin does not have.
/// `$why` says what the test needs, and is printed.
#[macro_export]
macro_rules! jaria_only {
    ($why:expr) => {
        if $crate::external_base_url().is_some() || $crate::runtime() != $crate::Runtime::Jaria {
            eprintln!("skipped on this runtime: {}", $why);
            return;
        }
    };
}

/// Which runtime serves the suite's apps: `jaria up` (the default) or real Spin
/// (`JARIA_RUNTIME=spin`, the binary from `SPIN_BIN` or `spin` on `PATH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Jaria,
    Spin,
}

pub fn runtime() -> Runtime {
    match std::env::var("JARIA_RUNTIME").as_deref() {
        Ok("spin") => Runtime::Spin,
        Ok("jaria") | Ok("") | Err(_) => Runtime::Jaria,
        Ok(other) => panic!("JARIA_RUNTIME={other}: use jaria or spin"),
    }
}

/// The Spin CLI, as a user has it: `SPIN_BIN`, else `spin` on `PATH`.
pub fn spin_binary() -> PathBuf {
    std::env::var_os("SPIN_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("spin"))
}

/// Where the suite's apps keep their key-value store: Spin's SQLite file (the default) or a
/// Redis server the harness starts per app (`JARIA_KV=redis`).
pub fn redis_key_value() -> bool {
    std::env::var("JARIA_KV").is_ok_and(|v| v == "redis")
}

/// Builds the host and every Wasm component once per test binary. Cargo's own lock makes
/// concurrent test binaries wait for each other rather than race.
fn ensure_built() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        if std::env::var_os("JARIA_HOST_BINARY").is_some() {
            return;
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let root = workspace_root();
        let run = |args: &[&str]| {
            let status = Command::new(&cargo)
                .args(args)
                .current_dir(&root)
                .status()
                .unwrap_or_else(|e| panic!("cannot run cargo {args:?}: {e}"));
            assert!(status.success(), "cargo {args:?} failed: {status}");
        };
        // Machines where rustup does not add toolchain-file targets by itself still get it.
        let _ = Command::new("rustup")
            .args(["target", "add", "wasm32-wasip2"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        run(&[
            "build",
            "--target",
            "wasm32-wasip2",
            "--release",
            "-p",
            "login",
            "-p",
            "cases",
            "-p",
            "filing",
            "-p",
            "status",
            "-p",
            "officer",
            "-p",
            "admin",
            "-p",
            "web",
            "-p",
            "internal",
            "-p",
            "probe",
        ]);
        // `cargo test` builds the host binary itself (for the host's own CLI tests), with the
        // same features as everything else; building it here with `-p` would resolve features
        // differently and rebuild half the tree. So build only when it is missing or older
        // than its sources (e.g. `cargo test -p jaria-tests` after a host change).
        if !host_is_fresh() {
            run(&["build", "-p", "jaria-host", "--bin", "jaria"]);
        }
    });
}

fn newest_source(dir: &Path) -> Option<std::time::SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let time = if path.is_dir() {
            newest_source(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        newest = newest.max(time);
    }
    newest
}

fn host_is_fresh() -> bool {
    let root = workspace_root();
    let Some(built) = std::fs::metadata(host_binary())
        .and_then(|m| m.modified())
        .ok()
    else {
        return false;
    };
    [
        "crates/host",
        "crates/portal",
        "crates/test-ca",
        "Cargo.lock",
    ]
    .iter()
    .map(|p| root.join(p))
    .filter_map(|p| {
        if p.is_dir() {
            newest_source(&p)
        } else {
            std::fs::metadata(&p).and_then(|m| m.modified()).ok()
        }
    })
    .all(|source| source <= built)
}

/// The `jaria` command, built, for tests that run its other subcommands.
pub fn jaria_command() -> Command {
    ensure_built();
    let mut command = Command::new(host_binary());
    command.current_dir(workspace_root());
    command
}

/// The host binary: `JARIA_HOST_BINARY` when set (the benchmarks run the release build, and
/// then nothing is built here), else the debug build of this workspace.
fn host_binary() -> PathBuf {
    if let Some(binary) = std::env::var_os("JARIA_HOST_BINARY") {
        return PathBuf::from(binary);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug").join("jaria")
}

/// A sign-in challenge as the portal issued it.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub nonce: String,
    pub to_sign: String,
    /// The proof of work an EDS sign-in from here must carry now.
    pub work_bits: u8,
}

/// A proof of work for `nonce` of `bits`, found as the sign-in page finds it: the first
/// decimal counter whose `SHA-256(nonce ‖ ":" ‖ counter)` starts with `bits` zero bits.
pub fn solve_work(nonce: &str, bits: u8) -> String {
    use sha2::Digest as _;
    let zero_led = |digest: &[u8]| {
        let mut zeros = 0u32;
        for byte in digest {
            if *byte == 0 {
                zeros += 8;
            } else {
                zeros += byte.leading_zeros();
                break;
            }
        }
        zeros >= u32::from(bits)
    };
    (0u64..)
        .map(|n| n.to_string())
        .find(|w| zero_led(&sha2::Sha256::digest(format!("{nonce}:{w}").as_bytes())))
        .expect("some counter answers")
}

/// A running host (or an external deployment) and a client for it.
pub struct TestApp {
    pub base_url: String,
    child: Option<Child>,
    state_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    log: Arc<Mutex<String>>,
    agent: ureq::Agent,
    /// The Redis server of this app's key-value store, if it has one.
    _redis: Option<Arc<redis::Server>>,
    /// The libSQL server of this app's SQL database, if it has one.
    sqld: Option<Arc<sqld::Server>>,
    /// Which runtime serves it.
    pub runtime: Runtime,
}

/// Everything special about one host start.
pub struct TestAppBuilder {
    manifest: PathBuf,
    state_dir: Option<PathBuf>,
    args: Vec<String>,
    /// Flags `spin up` and `jaria up` take under the same names (instance reuse).
    runtime_flags: Vec<String>,
    env: Vec<(String, String)>,
    demo: bool,
    runtime: Option<Runtime>,
    /// Stores shared with another app (two nodes, one store); else the harness starts its own
    /// as `JARIA_KV` and `JARIA_SQL` say.
    stores: Option<Stores>,
}

/// The servers behind an app's stores: Redis for key-value, sqld for SQL (`None`: the
/// runtime's local file in the state folder).
#[derive(Clone, Default)]
pub struct Stores {
    pub redis: Option<Arc<redis::Server>>,
    pub sqld: Option<Arc<sqld::Server>>,
}

/// The stores of each state folder a test named (`TestAppBuilder::state_dir`): an app started
/// again on the same folder finds its data, also where the data lives in servers. They live
/// as long as the test process.
static STORES_BY_DIR: std::sync::LazyLock<Mutex<std::collections::HashMap<PathBuf, Stores>>> =
    std::sync::LazyLock::new(Mutex::default);

/// The stores of the state folder `dir` (started, as `JARIA_KV` and `JARIA_SQL` say, at the
/// first call for it).
pub fn stores_for(dir: &Path) -> Stores {
    let key = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    let mut known = STORES_BY_DIR.lock().unwrap_or_else(|e| e.into_inner());
    known.entry(key).or_insert_with(Stores::from_env).clone()
}

/// The arguments that point a `jaria` command (seed, backup, restore, audit verify) at the
/// SQL database of the state folder `dir`: the folder itself, or its libSQL server.
pub fn store_args_for(dir: &Path) -> Vec<std::ffi::OsString> {
    store_args(dir, &stores_for(dir))
}

fn store_args(dir: &Path, stores: &Stores) -> Vec<std::ffi::OsString> {
    match &stores.sqld {
        Some(server) => vec!["--database-url".into(), server.url().into()],
        None => vec!["--state-dir".into(), dir.into()],
    }
}

/// The SQL database file of the state folder `dir`, wherever it lives.
pub fn database_file_for(dir: &Path) -> PathBuf {
    match stores_for(dir).sqld {
        Some(server) => server.database_file(),
        None => dir.join("sqlite_db.db"),
    }
}

impl Stores {
    /// What `JARIA_KV` and `JARIA_SQL` ask for, freshly started.
    pub fn from_env() -> Stores {
        Stores {
            redis: redis_key_value().then(|| Arc::new(redis::Server::start())),
            sqld: sqld::wanted().then(sqld::Server::start),
        }
    }
}

/// The suite's internal token (migration): `jaria up` uses it itself, and the harness calls
/// the migration with it on real Spin, as operators do at rollout.
pub const TEST_INTERNAL_TOKEN: &str = "tests-only-internal-token-0123456789abcdef";

/// What a failed start printed.
#[derive(Debug)]
pub struct StartFailure {
    pub status: ExitStatus,
    pub output: String,
}

impl TestApp {
    /// The portal: a fresh local host, or `JARIA_BASE_URL`.
    pub fn portal() -> TestApp {
        match external_base_url() {
            Some(base_url) => TestApp {
                base_url,
                child: None,
                state_dir: PathBuf::new(),
                _temp: None,
                log: Arc::default(),
                agent: agent(),
                _redis: None,
                sqld: None,
                runtime: runtime(),
            },
            None => TestApp::builder().portal().start(),
        }
    }

    /// Signs in with EDS as `person` (a fresh challenge, signed with the person's key).
    pub fn sign_in(&self, person: &Person) -> Session<'_> {
        let reply = self.try_sign_in(person, Signing::Der);
        assert_eq!(reply.status, 200, "EDS sign-in failed: {}", reply.text());
        let mut session = Session::from_reply(self, &reply);
        session.person = Some(person.clone());
        session
    }

    /// One EDS sign-in attempt, for tests of what fails.
    pub fn try_sign_in(&self, person: &Person, signing: Signing) -> Reply {
        let challenge = self.challenge();
        let signature = match signing {
            Signing::Der => person.sign(challenge.to_sign.as_bytes()),
            Signing::Raw => person.sign_raw(challenge.to_sign.as_bytes()),
        };
        self.post_eds(&person.cert_pem, &challenge.nonce, &signature)
    }

    /// A sign-in challenge: its nonce, and exactly what a signature must cover.
    pub fn challenge(&self) -> Challenge {
        let reply = self.get("/api/auth/challenge");
        assert_eq!(reply.status, 200, "{}", reply.text());
        let body = reply.json();
        Challenge {
            nonce: body["nonce"].as_str().expect("nonce").to_owned(),
            to_sign: body["to_sign"].as_str().expect("to_sign").to_owned(),
            work_bits: body["work_bits"]
                .as_u64()
                .and_then(|b| u8::try_from(b).ok())
                .expect("work_bits"),
        }
    }

    pub fn post_eds(&self, certificate: &str, nonce: &str, signature: &[u8]) -> Reply {
        self.post_eds_with_work(certificate, nonce, signature, None)
    }

    /// [`TestApp::post_eds`] carrying a proof of work (see [`solve_work`]).
    pub fn post_eds_with_work(
        &self,
        certificate: &str,
        nonce: &str,
        signature: &[u8],
        work: Option<&str>,
    ) -> Reply {
        use base64::Engine as _;
        let mut body = serde_json::json!({
            "certificate": certificate,
            "nonce": nonce,
            "signature": base64::engine::general_purpose::STANDARD.encode(signature),
        });
        if let Some(work) = work {
            body["work"] = work.into();
        }
        self.post(
            "/api/auth/eds",
            "application/json",
            body.to_string().as_bytes(),
        )
    }

    /// `POST /api/auth/eds` with a CMS signature (DER, sent as base64).
    pub fn post_eds_cms(&self, nonce: &str, cms_der: &[u8]) -> Reply {
        use base64::Engine as _;
        let body = serde_json::json!({
            "nonce": nonce,
            "cms": base64::engine::general_purpose::STANDARD.encode(cms_der),
        });
        self.post_json("/api/auth/eds", &body)
    }

    /// A component's readiness as its operator sees it (with the internal token): every
    /// check with its detail. Anyone else gets the verdict and the checks' names only.
    pub fn readiness(&self, prefix: &str) -> Reply {
        self.request(
            "GET",
            &format!("{prefix}/health/ready"),
            &[("authorization", &format!("Bearer {TEST_INTERNAL_TOKEN}"))],
            None,
        )
    }

    /// `POST /api/internal/tick` with the tests' internal token: the tick's report (a tick that
    /// does not answer 200 fails the test).
    pub fn tick(&self) -> Value {
        let r = self.request(
            "POST",
            "/api/internal/tick",
            &[("authorization", &format!("Bearer {TEST_INTERNAL_TOKEN}"))],
            None,
        );
        assert_eq!(r.status, 200, "{}\n{}", r.text(), self.log());
        r.json()
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.post(path, "application/json", body.to_string().as_bytes())
    }

    /// A local host with options; for the probe fixture use [`TestAppBuilder::fixture`].
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            manifest: workspace_root().join("spin.toml"),
            state_dir: None,
            args: Vec::new(),
            runtime_flags: Vec::new(),
            env: Vec::new(),
            demo: false,
            runtime: None,
            stores: None,
        }
    }

    pub fn is_local(&self) -> bool {
        self.child.is_some()
    }

    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Everything the host printed so far (its log, with guest output).
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// What the components wrote to stderr, wherever the runtime keeps it: `jaria up` puts
    /// it in its own log, tagged; Spin writes one file per component under
    /// `<state dir>/logs/`.
    pub fn component_log(&self) -> String {
        let mut out = self.log();
        if let Ok(entries) = std::fs::read_dir(self.state_dir.join("logs")) {
            let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            files.sort();
            for file in files {
                if let Ok(text) = std::fs::read_to_string(&file) {
                    out.push_str(&text);
                }
            }
        }
        out
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[], None)
    }

    pub fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Reply {
        self.request("POST", path, &[("content-type", content_type)], Some(body))
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Reply {
        let url = self.url(path);
        let build = || {
            let mut builder = ureq::http::Request::builder().method(method).uri(&url);
            for (k, v) in headers {
                builder = builder.header(*k, *v);
            }
            builder
                .body(body.map(<[u8]>::to_vec).unwrap_or_default())
                .unwrap_or_else(|e| panic!("bad request {method} {url}: {e}"))
        };
        let response = match self.agent.run(build()) {
            // A kept-alive connection the server closed as idle (`jaria up` after 10 s) just as
            // it was reused: a browser sends an idempotent request again on a new connection
            // (RFC 9112 §9.3.1), and so does the suite. Anything else fails the test.
            Err(ureq::Error::Io(e)) if idempotent(method) && closed_under_us(&e) => {
                ureq::Agent::from(agent_config()).run(build())
            }
            other => other,
        }
        .unwrap_or_else(|e| panic!("{method} {url} failed: {e}"));
        Reply::from(response)
    }

    /// Asks the runtime to stop (SIGTERM to its process group: Spin runs its trigger as a
    /// child) and waits for it to exit.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let leader = child.id();
        signal_group(leader, "-TERM");
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                // Nothing of the group may outlive it (Spin's trigger process).
                signal_group(leader, "-KILL");
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("host did not stop within 60 s of SIGTERM");
    }

    /// The Redis server of this app's key-value store, if it has one (`JARIA_KV=redis`).
    pub fn redis(&self) -> Option<&redis::Server> {
        self._redis.as_deref()
    }

    /// The libSQL server of this app's SQL database, if it has one (`JARIA_SQL=libsql`).
    pub fn sqld(&self) -> Option<&sqld::Server> {
        self.sqld.as_deref()
    }

    /// The servers behind this app's stores, for a second node on the same ones.
    pub fn stores(&self) -> Stores {
        Stores {
            redis: self._redis.clone(),
            sqld: self.sqld.clone(),
        }
    }

    /// The arguments that point a `jaria` command at this app's SQL database.
    pub fn store_args(&self) -> Vec<std::ffi::OsString> {
        store_args(&self.state_dir, &self.stores())
    }

    /// The file of the `default` SQL database, wherever it lives (the state folder, or the
    /// libSQL server's folder): tests read and tamper with it directly.
    pub fn database_file(&self) -> PathBuf {
        match &self.sqld {
            Some(server) => server.database_file(),
            None => self.state_dir.join("sqlite_db.db"),
        }
    }

    /// Kills the runtime outright (SIGKILL to its whole process group), as a power cut or an
    /// OOM kill would, and reaps it.
    pub fn kill_hard(&mut self) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        signal_group(child.id(), "-KILL");
        let status = child.wait().ok();
        self.child = None;
        status
    }

    /// The process that serves the requests: `jaria` itself, or Spin's trigger process (the
    /// child of `spin up`).
    pub fn pid(&self) -> Option<u32> {
        let leader = self.child.as_ref().map(Child::id)?;
        if self.runtime == Runtime::Jaria {
            return Some(leader);
        }
        std::fs::read_to_string(format!("/proc/{leader}/task/{leader}/children"))
            .ok()
            .and_then(|c| c.split_whitespace().next().and_then(|p| p.parse().ok()))
            .or(Some(leader))
    }
}

/// Sends a signal to a process group (`kill -SIG -- -PGID`); the harness starts every runtime
/// as the leader of its own group.
fn signal_group(leader: u32, signal: &str) {
    if leader == 0 {
        return;
    }
    let _ = Command::new("kill")
        .args([signal, "--", &format!("-{leader}")])
        .stderr(Stdio::null())
        .status();
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // A failed test shows what the runtime said: a 503 or 500 names its cause only there.
        if std::thread::panicking() && self.child.is_some() {
            let log = self.component_log();
            let tail: Vec<&str> = log
                .lines()
                .filter(|l| !l.starts_with("Applied migration") && !l.starts_with("Seeded "))
                .collect();
            let from = tail.len().saturating_sub(60);
            eprintln!(
                "--- the runtime's log, last {} lines ---\n{}\n--- end of the runtime's log ---",
                tail.len() - from,
                tail[from..].join("\n")
            );
        }
        if let Some(child) = self.child.as_mut() {
            signal_group(child.id(), "-KILL");
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl TestAppBuilder {
    /// The host's own test application (`tests/fixtures/spin.toml`, the probe component).
    pub fn fixture(mut self) -> Self {
        self.manifest = workspace_root().join("tests/fixtures/spin.toml");
        self.env
            .push(("SPIN_VARIABLE_SECRET_TOKEN".into(), "s3cret".into()));
        self
    }

    pub fn manifest(mut self, path: &Path) -> Self {
        self.manifest = path.to_owned();
        self
    }

    pub fn state_dir(mut self, dir: &Path) -> Self {
        self.state_dir = Some(dir.to_owned());
        self
    }

    /// Serves the app on these stores (another node's) rather than fresh ones.
    pub fn stores(mut self, stores: Stores) -> Self {
        self.stores = Some(stores);
        self
    }

    /// Serves the app on this runtime rather than the one `JARIA_RUNTIME` names (the
    /// benchmarks drive both in one run).
    pub fn runtime(mut self, runtime: Runtime) -> Self {
        self.runtime = Some(runtime);
        self
    }

    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_owned());
        self
    }

    /// A flag of `spin up` that `jaria up` takes under the same name (`--max-instance-reuse-count`
    /// and the like), given to whichever runtime serves the test.
    pub fn runtime_flag(mut self, name: &str, value: &str) -> Self {
        self.runtime_flags.push(name.to_owned());
        self.runtime_flags.push(value.to_owned());
        self
    }

    /// The demo, on either runtime: the state dir seeded with `jaria seed --demo`, its CA
    /// trusted and its receipt key used (what `jaria up --demo` does in one step).
    pub fn demo(mut self) -> Self {
        self.demo = true;
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn without_env(mut self, key: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self
    }

    /// The portal, trusting the test CA, with the test admin bootstrapped.
    pub fn portal(mut self) -> Self {
        self.manifest = workspace_root().join("spin.toml");
        self.env
            .push(("SPIN_VARIABLE_EDS_TRUST_ANCHORS".into(), test_ca_pem()));
        self.env.push((
            "SPIN_VARIABLE_BOOTSTRAP_ADMIN_IINS".into(),
            TEST_ADMIN_IIN.into(),
        ));
        // Every test connects from 127.0.0.1: a per-address limit of 5 would let one test's
        // deliberate failures lock out the next. The per-address rule has a test of its own.
        self.env.push((
            "SPIN_VARIABLE_LOCKOUT_CLIENT_FAILURES".into(),
            "1000".into(),
        ));
        self.env.push((
            "SPIN_VARIABLE_RECEIPT_SIGNING_KEY".into(),
            TEST_RECEIPT_KEY.into(),
        ));
        self.env.push((
            "SPIN_VARIABLE_AUDIT_SIGNING_KEY".into(),
            TEST_AUDIT_KEY.into(),
        ));
        // Per-person limits: many tests file, upload and ask as one person, and the soak tests
        // as a handful; the limits have tests of their own (tests/storage.rs).
        for name in [
            "SPIN_VARIABLE_FILINGS_PER_PERSON_PER_DAY",
            "SPIN_VARIABLE_UPLOADS_PER_PERSON_PER_DAY",
            "SPIN_VARIABLE_UPLOAD_BYTES_PER_PERSON_PER_DAY",
            "SPIN_VARIABLE_PENDING_ACCESS_REQUESTS_PER_PERSON",
            "SPIN_VARIABLE_SMS_PER_PERSON_PER_DAY",
            "SPIN_VARIABLE_SIGNATURE_FAILURES_PER_PERSON",
        ] {
            // Unless the test set its own before.
            if !self.env.iter().any(|(k, _)| k == name) {
                self.env.push((name.into(), "1000000000".into()));
            }
        }
        // The operator the eGov mobile app names (a public BIN's shape; signing with the app
        // is offered only once one is set).
        self.env.push((
            "SPIN_VARIABLE_OPERATOR_BIN".into(),
            TEST_OPERATOR_BIN.into(),
        ));
        self.env.push((
            "SPIN_VARIABLE_INTERNAL_TOKEN".into(),
            TEST_INTERNAL_TOKEN.into(),
        ));
        self
    }

    pub fn start(self) -> TestApp {
        self.try_start()
            .unwrap_or_else(|f| panic!("host failed to start ({}):\n{}", f.status, f.output))
    }

    /// Starts the runtime ([`runtime`]); one that exits before serving is a [`StartFailure`].
    /// On real Spin the harness then migrates the portal through its own endpoint, as
    /// operators do at rollout (`jaria up` does that itself).
    pub fn try_start(self) -> Result<TestApp, StartFailure> {
        ensure_built();
        let runtime = self.runtime.unwrap_or_else(runtime);
        let (temp, state_dir) = match &self.state_dir {
            Some(dir) => (None, dir.clone()),
            None => {
                let temp = tempfile::tempdir().expect("temp state dir");
                let dir = temp.path().to_owned();
                (Some(temp), dir)
            }
        };
        let mut env = self.env.clone();
        let stores = match (&self.stores, &self.state_dir) {
            (Some(stores), _) => stores.clone(),
            (None, Some(dir)) => stores_for(dir),
            (None, None) => Stores::from_env(),
        };
        if self.demo {
            let mut seed = jaria_command();
            seed.args(["seed", "--demo", "--state-dir"]).arg(&state_dir);
            if let Some(server) = &stores.sqld {
                seed.args(["--database-url", &server.url()]);
            }
            let seeded = seed
                .stdout(Stdio::null())
                .status()
                .expect("run jaria seed --demo");
            assert!(seeded.success(), "jaria seed --demo failed");
            let demo = state_dir.join("demo");
            let read = |name: &str| {
                std::fs::read_to_string(demo.join(name))
                    .unwrap_or_else(|e| panic!("demo/{name}: {e}"))
            };
            // The demo's CA, beside any anchors the test trusts as well.
            let also: String = env
                .iter()
                .filter(|(k, _)| k == "SPIN_VARIABLE_EDS_TRUST_ANCHORS")
                .map(|(_, v)| v.clone())
                .collect();
            env.retain(|(k, _)| k != "SPIN_VARIABLE_EDS_TRUST_ANCHORS");
            env.push((
                "SPIN_VARIABLE_EDS_TRUST_ANCHORS".into(),
                also + &read("ca.pem"),
            ));
            env.push((
                "SPIN_VARIABLE_RECEIPT_SIGNING_KEY".into(),
                read("receipt-signing.key").trim().to_owned(),
            ));
            env.push((
                "SPIN_VARIABLE_INTERNAL_TOKEN".into(),
                TEST_INTERNAL_TOKEN.into(),
            ));
        }
        let portal = self.manifest == workspace_root().join("spin.toml");
        // On Spin the harness migrates the portal itself, with the suite's internal token.
        if runtime == Runtime::Spin
            && portal
            && !env.iter().any(|(k, _)| k == "SPIN_VARIABLE_INTERNAL_TOKEN")
        {
            env.push((
                "SPIN_VARIABLE_INTERNAL_TOKEN".into(),
                TEST_INTERNAL_TOKEN.into(),
            ));
        }
        assert!(
            !(runtime == Runtime::Jaria && stores.sqld.is_some()),
            "JARIA_SQL=libsql needs JARIA_RUNTIME=spin: jaria up serves the SQL database from a local file only (README, \"libSQL\")"
        );
        let sections: Vec<String> = (stores.redis.iter().map(|s| s.runtime_config()))
            .chain(stores.sqld.iter().map(|s| s.runtime_config()))
            .collect();
        let runtime_config =
            (!sections.is_empty()).then(|| sqld::write_runtime_config(&state_dir, &sections));
        let mut command = match runtime {
            Runtime::Jaria => {
                let mut command = Command::new(host_binary());
                command
                    .args(["up", "--no-build", "--listen", "127.0.0.1:0", "--state-dir"])
                    .arg(&state_dir)
                    .arg("--from")
                    .arg(&self.manifest)
                    .args(&self.args)
                    .args(&self.runtime_flags)
                    .env(
                        "JARIA_CACHE_DIR",
                        workspace_root().join("target/jaria-test-cache"),
                    );
                command
            }
            Runtime::Spin => {
                assert!(
                    self.args.is_empty(),
                    "{:?} are jaria up's flags: mark the test jaria_only!",
                    self.args
                );
                let mut command = Command::new(spin_binary());
                command
                    .args(["up", "--listen", "127.0.0.1:0", "--state-dir"])
                    .arg(&state_dir)
                    .arg("--from")
                    .arg(&self.manifest)
                    .args(&self.runtime_flags);
                command
            }
        };
        if let Some(config) = &runtime_config {
            command.arg("--runtime-config-file").arg(config);
        }
        command
            .env_remove("SPIN_VARIABLE_SECRET_TOKEN")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // The runtime leads a process group of its own (Spin runs its trigger as a child), and
        // dies with the test that started it.
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::CommandExt as _;
            command.process_group(0);
        }
        die_with_parent(&mut command);
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", command.get_program()));
        let log = Arc::new(Mutex::new(String::new()));
        drain(child.stderr.take(), Arc::clone(&log));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout_log = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let mut sent = false;
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                if let Ok(mut l) = stdout_log.lock() {
                    l.push_str(&line);
                }
                if !sent && let Some(url) = line.trim().strip_prefix("Serving ") {
                    let _ = tx.send(url.to_owned());
                    sent = true;
                }
                line.clear();
            }
        });
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            if let Ok(url) = rx.recv_timeout(Duration::from_millis(50)) {
                let app = TestApp {
                    base_url: url,
                    child: Some(child),
                    state_dir,
                    _temp: temp,
                    log,
                    agent: agent(),
                    _redis: stores.redis,
                    sqld: stores.sqld,
                    runtime,
                };
                if runtime == Runtime::Spin && portal {
                    return app.migrate();
                }
                return Ok(app);
            }
            if let Ok(Some(status)) = child.try_wait() {
                // Let the drain threads catch the last words.
                std::thread::sleep(Duration::from_millis(100));
                let output = log.lock().map(|l| l.clone()).unwrap_or_default();
                return Err(StartFailure { status, output });
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "host did not start serving within 300 s:\n{}",
                    log.lock().map(|l| l.clone()).unwrap_or_default()
                );
            }
        }
    }
}

impl TestApp {
    /// `POST /api/internal/migrate` with the suite's internal token; a refusal is a failed
    /// start (the runtime is stopped, its words kept).
    fn migrate(mut self) -> Result<TestApp, StartFailure> {
        let reply = self.request(
            "POST",
            "/api/internal/migrate",
            &[("authorization", &format!("Bearer {TEST_INTERNAL_TOKEN}"))],
            None,
        );
        if reply.status == 200 {
            return Ok(self);
        }
        let status = self
            .kill_hard()
            .unwrap_or_else(|| std::os::unix::process::ExitStatusExt::from_raw(1));
        Err(StartFailure {
            status,
            output: format!(
                "{}\nmigration refused: {} {}",
                self.log(),
                reply.status,
                reply.text()
            ),
        })
    }
}

fn drain(stream: Option<impl Read + Send + 'static>, log: Arc<Mutex<String>>) {
    let Some(stream) = stream else { return };
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            if let Ok(mut l) = log.lock() {
                l.push_str(&line);
            }
            line.clear();
        }
    });
}

fn agent() -> ureq::Agent {
    agent_config().into()
}

fn agent_config() -> ureq::config::Config {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
}

fn idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// The errors of a connection the peer closed while a request was on its way.
fn closed_under_us(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
    )
}

pub use jaria_test_ca::{CmsOptions, KeyAlgorithm, Person, PersonSpec};

/// The suite's receipt signing key (a deployment under test is given the same one).
pub const TEST_RECEIPT_KEY: &str = "dGVzdHMtb25seS1yZWNlaXB0LWtleS0zMi1ieXRlcyE=";

/// The suite's audit checkpoint key (a deployment under test is given the same one).
pub const TEST_AUDIT_KEY: &str = "dGVzdHMtb25seS1hdWRpdC1jaGVja3BvaW50LWtleSE=";

/// The IIN the suite's admin has; a deployment under test bootstraps it as admin.
pub const TEST_ADMIN_IIN: &str = "750630300010";

/// How a test signs a challenge: as OpenSSL does (DER) or as WebCrypto does (raw r‖s).
#[derive(Debug, Clone, Copy)]
pub enum Signing {
    Der,
    Raw,
}

/// The BIN the test deployments name as their operator (valid check digit, resident entity).
pub const TEST_OPERATOR_BIN: &str = "940140000385";

pub fn test_ca_pem() -> String {
    std::fs::read_to_string(workspace_root().join("tests/fixtures/test-ca/ca.pem"))
        .expect("tests/fixtures/test-ca/ca.pem")
}

/// The suite's CA (committed, so a deployment under test can trust it).
pub fn test_ca() -> jaria_test_ca::Authority {
    let key = std::fs::read_to_string(workspace_root().join("tests/fixtures/test-ca/ca.key"))
        .expect("tests/fixtures/test-ca/ca.key");
    jaria_test_ca::Authority::from_pem(&test_ca_pem(), &key).expect("test CA loads")
}

/// A random valid IIN, so tests never collide on one person, even on a shared deployment.
pub fn random_iin() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    loop {
        let base = format!(
            "{:02}{:02}{:02}{}{:04}",
            rng.gen_range(50..99),
            rng.gen_range(1..13),
            rng.gen_range(1..29),
            rng.gen_range(3..5),
            rng.gen_range(0..10000)
        );
        for check in 0..10 {
            let candidate = format!("{base}{check}");
            if jaria_portal::law::iin::Iin::parse(&candidate).is_ok() {
                return candidate;
            }
        }
    }
}

/// A person with a fresh valid certificate from the test CA.
pub fn person(name: &str) -> Person {
    issue(PersonSpec::new(&random_iin(), name))
}

pub fn issue(spec: PersonSpec) -> Person {
    test_ca().issue(&spec).expect("issue certificate")
}

/// A signed-in session, used with its bearer token.
pub struct Session<'a> {
    app: &'a TestApp,
    pub token: String,
    pub csrf_token: String,
    pub session_id: String,
    pub cookie: String,
    /// The person's key, when the session came from [`TestApp::sign_in`]: it signs filings.
    pub person: Option<Person>,
}

impl<'a> Session<'a> {
    pub fn from_reply(app: &'a TestApp, reply: &Reply) -> Self {
        let body = reply.json();
        let field = |name: &str| {
            body[name]
                .as_str()
                .unwrap_or_else(|| panic!("{name} in {body}"))
                .to_owned()
        };
        Session {
            app,
            token: field("token"),
            csrf_token: field("csrf_token"),
            session_id: field("session_id"),
            cookie: reply.header("set-cookie").unwrap_or("").to_owned(),
            person: None,
        }
    }

    /// The app this session talks to (for its log when something fails).
    pub fn app(&self) -> &'a TestApp {
        self.app
    }

    /// The same session (its token, its person) talking to another node of the same store.
    pub fn on<'b>(&self, app: &'b TestApp) -> Session<'b> {
        Session {
            app,
            token: self.token.clone(),
            csrf_token: self.csrf_token.clone(),
            session_id: self.session_id.clone(),
            cookie: self.cookie.clone(),
            person: self.person.clone(),
        }
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }

    pub fn get(&self, path: &str) -> Reply {
        self.app
            .request("GET", path, &[("authorization", &self.bearer())], None)
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.app
            .request("DELETE", path, &[("authorization", &self.bearer())], None)
    }

    /// `body` (a new filing) with this person's EDS signature (a detached CMS) over the bytes
    /// `POST /api/filings/to-sign` answers for it, as the filing page makes it. Sign once and
    /// reuse the result when a retry must be the same request. A body the portal refuses to
    /// prepare comes back unsigned: filing it then answers the same refusal.
    pub fn signed_filing(&self, body: &Value) -> Value {
        use base64::Engine as _;
        let person = self
            .person
            .as_ref()
            .expect("a session from TestApp::sign_in holds its person's key");
        // A statement carries the false-report warning's acknowledgement (art. 181): the
        // language the person saw it in, Russian unless the test names one.
        let mut body = body.clone();
        if body["kind"] == "crime_report" && body.get("warning_language").is_none() {
            body["warning_language"] = "ru".into();
        }
        let body = &body;
        let reply = self.post_json("/api/filings/to-sign", body);
        if reply.status != 200 {
            return body.clone();
        }
        let to_sign = reply.json()["to_sign"]
            .as_str()
            .expect("to_sign")
            .to_owned();
        let cms = person
            .sign_cms(to_sign.as_bytes(), &CmsOptions::default())
            .expect("a CMS signature");
        let mut signed = body.clone();
        signed["signature"] = base64::engine::general_purpose::STANDARD.encode(cms).into();
        signed
    }

    /// `GET path` (which must answer 200), then the string `field` of each item of the array
    /// `list` in its body, in order: the ERDR numbers of my cases, the kinds of my notices…
    pub fn strings_of(&self, path: &str, list: &str, field: &str) -> Vec<String> {
        let reply = self.get(path);
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.text());
        reply.json()[list]
            .as_array()
            .unwrap_or_else(|| panic!("GET {path}: no {list} array"))
            .iter()
            .map(|item| item[field].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    pub fn send_json(&self, method: &str, path: &str, body: &Value) -> Reply {
        self.app.request(
            method,
            path,
            &[
                ("authorization", &self.bearer()),
                ("content-type", "application/json"),
            ],
            Some(body.to_string().as_bytes()),
        )
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.send_json("POST", path, body)
    }

    /// Any request with this session's token and the given headers and raw body.
    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let bearer = self.bearer();
        let mut all = vec![("authorization", bearer.as_str())];
        all.extend_from_slice(headers);
        self.app.request(method, path, &all, Some(body))
    }

    /// `PUT /api/auth/password` with just the new password.
    pub fn set_password(&self, password: &str) -> Reply {
        self.send_json(
            "PUT",
            "/api/auth/password",
            &serde_json::json!({ "password": password }),
        )
    }
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl From<ureq::http::Response<ureq::Body>> for Reply {
    fn from(mut r: ureq::http::Response<ureq::Body>) -> Self {
        let status = r.status().as_u16();
        let headers = r
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let body = r
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// The code of a problem's first field error (`errors[0].code`), or "".
    pub fn error_code(&self) -> String {
        serde_json::from_slice::<Value>(&self.body)
            .ok()
            .and_then(|v| v["errors"][0]["code"].as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The problem without what names this one occurrence (`instance`, `request_id`): two
    /// answers that must be indistinguishable are equal in this.
    pub fn problem_shape(&self) -> Value {
        let mut problem = self.json();
        if let Some(object) = problem.as_object_mut() {
            object.remove("instance");
            object.remove("request_id");
        }
        problem
    }

    /// Asserts an RFC 9457 problem with this status, and returns it.
    pub fn assert_problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.text()
        );
        let problem = self.json();
        assert_eq!(problem["status"], status);
        assert!(problem["title"].is_string(), "{problem}");
        // Every problem names its occurrence by the request id the answer carries (a 413 or
        // 431 the runtime gives before any component runs has neither).
        if let Some(id) = self.header("x-request-id") {
            assert_eq!(problem["request_id"], id, "{problem}");
            assert_eq!(
                problem["instance"],
                format!("urn:jaria:request:{id}"),
                "{problem}"
            );
        }
        problem
    }
}
