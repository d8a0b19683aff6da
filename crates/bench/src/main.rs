//! `jaria-bench` — drives `wrk` at each route of the portal on its own, at two data scales,
//! on `jaria up` and on real `spin up` (same manifest, same `.wasm` files, same state), each
//! beside its own floor (a trivial component on the same runtime), with two references (a
//! native hyper server, and stock `wasmtime serve` on the same trivial component), and writes
//! `BENCHMARKS.md`. Run it through `bench/run`, which builds everything first.
//!
//! `jaria-bench hyper-hello --listen ADDR` is the native reference server itself;
//! `jaria-bench tick` measures the scheduled tick with 10 000 due rows (`tick.rs`);
//! `jaria-bench guard` is CI's short run against the ratios `BENCHMARKS.md` records (`guard.rs`).

mod guard;
mod tick;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use jaria_tests::{
    PersonSpec, Runtime, Session, TEST_RECEIPT_KEY, TestApp, issue, spin_binary, workspace_root,
};
use serde_json::{Value, json};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("hyper-hello") => {
            hyper_hello(&flag(&args, "--listen").unwrap_or("127.0.0.1:0".into()))
        }
        Some("run") | None => run(Options::from_args(&args)?),
        Some("tick") => tick::run(&args),
        Some("guard") => guard::run(&args),
        Some(other) => {
            bail!("unknown command {other}: use `run`, `guard`, `tick` or `hyper-hello`")
        }
    }
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[derive(Clone)]
struct Options {
    duration_secs: u64,
    connections: u32,
    threads: u32,
    scales: Vec<usize>,
    wasmtime: PathBuf,
    out: PathBuf,
    runtimes: Vec<Target>,
    /// Only these routes (by name, `--routes "me,case list"`); all when empty.
    routes: Vec<String>,
    /// Whether password sign-ins are also measured beside `me` (the guard skips it).
    mixed: bool,
    /// `--reuse N`: `--max-instance-reuse-count N` for the runtime (1: a fresh instance per
    /// request); the runtime's own default when absent.
    reuse: Option<u32>,
}

impl Options {
    fn measures(&self, route: &str) -> bool {
        self.routes.is_empty() || self.routes.iter().any(|r| r == route)
    }
}

/// What serves the portal in a run: a runtime, and where its SQL database lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `jaria up`, its database a file in the state dir.
    Jaria,
    /// Real `spin up`, its database a file in the state dir.
    Spin,
    /// Real `spin up`, its database on a libSQL server (sqld) on this machine (loopback), as a
    /// cluster has it.
    SpinLibsql,
}

impl Target {
    fn runtime(self) -> Runtime {
        match self {
            Target::Jaria => Runtime::Jaria,
            Target::Spin | Target::SpinLibsql => Runtime::Spin,
        }
    }
}

impl From<Runtime> for Target {
    /// The runtime with its database in the state dir.
    fn from(runtime: Runtime) -> Target {
        match runtime {
            Runtime::Jaria => Target::Jaria,
            Runtime::Spin => Target::Spin,
        }
    }
}

/// The target's name as the report prints it.
fn runtime_name(target: Target) -> &'static str {
    match target {
        Target::Jaria => "jaria up",
        Target::Spin => "spin up",
        Target::SpinLibsql => "spin up + sqld",
    }
}

/// Whether the Spin CLI (`SPIN_BIN`, else `spin` on `PATH`) runs here.
fn spin_available() -> bool {
    Command::new(spin_binary())
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

impl Options {
    fn from_args(args: &[String]) -> anyhow::Result<Self> {
        let root = workspace_root();
        Ok(Self {
            duration_secs: flag(args, "--duration").map_or(Ok(10), |d| d.parse())?,
            connections: flag(args, "--connections").map_or(Ok(32), |c| c.parse())?,
            threads: flag(args, "--threads").map_or(Ok(2), |t| t.parse())?,
            scales: flag(args, "--scales")
                .unwrap_or_else(|| "10000,1000000".into())
                .split(',')
                .map(|s| s.trim().parse())
                .collect::<Result<_, _>>()?,
            wasmtime: flag(args, "--wasmtime")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("bench/.tools/bin/wasmtime")),
            out: flag(args, "--out")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("BENCHMARKS.md")),
            runtimes: match flag(args, "--runtime").as_deref() {
                Some("jaria") => vec![Target::Jaria],
                Some("spin") => vec![Target::Spin],
                Some("spin+libsql") => vec![Target::SpinLibsql],
                Some("both") => vec![Target::Jaria, Target::Spin],
                Some("all") => vec![Target::Jaria, Target::Spin, Target::SpinLibsql],
                None if spin_available() => vec![Target::Jaria, Target::Spin],
                None => {
                    eprintln!(
                        "no Spin CLI (SPIN_BIN or spin on PATH): measuring jaria up only; \
                         --runtime both insists"
                    );
                    vec![Target::Jaria]
                }
                Some(other) => {
                    bail!("--runtime {other}: use jaria, spin, spin+libsql, both or all")
                }
            },
            routes: flag(args, "--routes")
                .map(|r| r.split(',').map(|r| r.trim().to_owned()).collect())
                .unwrap_or_default(),
            mixed: true,
            reuse: flag(args, "--reuse").map(|n| n.parse()).transpose()?,
        })
    }
}

/// One wrk run's numbers.
#[derive(Debug, Clone)]
struct Measured {
    requests: u64,
    seconds: f64,
    errors: u64,
    p50_ms: f64,
    p99_ms: f64,
    /// The host's peak resident memory during this run alone, when measured.
    peak_rss_mib: Option<f64>,
    /// On a libSQL server: statements it ran, and its own time in them, per request served.
    statements: Option<(f64, f64)>,
}

impl Measured {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

/// How wrk sends one route.
#[derive(Clone)]
struct Route {
    name: &'static str,
    method: &'static str,
    path: String,
    auth: Option<String>,
    mode: &'static str,
    body: Option<Vec<u8>>,
    upload: Option<Vec<u8>>,
    read_route: bool,
}

fn wrk(
    base: &str,
    route: &Route,
    opts: &Options,
    connections: u32,
    seconds: u64,
) -> anyhow::Result<Measured> {
    let dir = std::env::temp_dir().join(format!("jaria-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let body_file = dir.join(format!("{}.body", route.name.replace(' ', "_")));
    let upload_file = dir.join(format!("{}.upload", route.name.replace(' ', "_")));
    if let Some(body) = &route.body {
        std::fs::write(&body_file, body)?;
    }
    if let Some(upload) = &route.upload {
        std::fs::write(&upload_file, upload)?;
    }
    let threads = opts.threads.min(connections).max(1);
    let output = Command::new("wrk")
        .arg("-t")
        .arg(threads.to_string())
        .arg("-c")
        .arg(connections.to_string())
        .arg("-d")
        .arg(format!("{seconds}s"))
        .arg("--timeout")
        .arg("10s")
        .arg("-s")
        .arg(workspace_root().join("bench/wrk.lua"))
        .arg(format!("{base}{}", route.path))
        .env("BENCH_METHOD", route.method)
        .env("BENCH_AUTH", route.auth.clone().unwrap_or_default())
        .env("BENCH_MODE", route.mode)
        .env("BENCH_THREADS", threads.to_string())
        .env(
            "BENCH_BODY_FILE",
            if route.body.is_some() {
                body_file.clone()
            } else {
                PathBuf::new()
            },
        )
        .env(
            "BENCH_UPLOAD_FILE",
            if route.upload.is_some() {
                upload_file.clone()
            } else {
                PathBuf::new()
            },
        )
        .output()
        .context("run wrk (Debian: apt-get install wrk)")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .with_context(|| {
            format!(
                "wrk printed no result for {}:\n{stdout}\n{}",
                route.name,
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let v: Value = serde_json::from_str(line)?;
    let get = |k: &str| v[k].as_u64().unwrap_or(0);
    // A filing route's operations are the filings acknowledged (201 with a registration
    // number), which the script counts; other routes' are wrk's requests.
    let requests = if route.path == "/api/filings" {
        get("filed")
    } else {
        get("requests")
    };
    Ok(Measured {
        requests,
        seconds: get("duration_us") as f64 / 1e6,
        errors: get("connect_errors")
            + get("read_errors")
            + get("write_errors")
            + get("status_errors")
            + get("timeouts"),
        p50_ms: get("p50_us") as f64 / 1000.0,
        p99_ms: get("p99_us") as f64 / 1000.0,
        peak_rss_mib: None,
        statements: None,
    })
}

/// Starts a new peak: the kernel resets VmHWM to the current resident size.
fn reset_peak_rss(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// The peak resident memory of a process (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| {
                    v.split_whitespace()
                        .next()
                        .and_then(|n| n.parse::<f64>().ok())
                })
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The portal's manifest plus the `hello` component at `/bench/hello`, beside the build
/// output (the portal's own manifest never carries it).
fn bench_manifest() -> anyhow::Result<PathBuf> {
    let root = workspace_root();
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let portal = std::fs::read_to_string(root.join("spin.toml"))?;
    let mut manifest = portal.replace("source = \"target/", "source = \"../../target/");
    manifest.push_str(
        "\n[[trigger.http]]\nroute = \"/bench/hello\"\ncomponent = \"hello\"\n\n\
         [component.hello]\nsource = \"../../target/wasm32-wasip2/release/hello.wasm\"\n",
    );
    let path = dir.join("spin.toml");
    std::fs::write(&path, manifest)?;
    Ok(path)
}

fn hello_wasm() -> PathBuf {
    workspace_root().join("target/wasm32-wasip2/release/hello.wasm")
}

/// A reference server on a free port, and its base URL once it answers.
fn start_reference(mut command: Command, port: u16) -> anyhow::Result<(Child, String)> {
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("start reference server")?;
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok((child, base));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("reference server did not listen on {port}")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn hello_route() -> Route {
    Route {
        name: "hello (floor)",
        method: "GET",
        path: "/bench/hello".into(),
        auth: None,
        mode: "plain",
        body: None,
        upload: None,
        read_route: false,
    }
}

/// A PDF of about `bytes` bytes.
fn pdf_of(bytes: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n% Jaria benchmark document\n".to_vec();
    pdf.resize(bytes.saturating_sub(6), b'x');
    pdf.extend_from_slice(b"\n%%EOF");
    pdf
}

/// Everything measured at one scale on one runtime.
struct ScaleRun {
    runtime: Target,
    cases: usize,
    floor: Measured,
    routes: Vec<(Route, Measured)>,
    mixed: Option<(Measured, Measured)>,
    peak_rss_mib: f64,
    filings_before: i64,
    filings_after: i64,
    filings_acknowledged: u64,
    /// Filings stored twice under one Idempotency-Key (must be 0).
    duplicated_keys: i64,
    /// Requests wrk had in flight when it stopped (the host completes them uncounted).
    in_flight_bound: u64,
}

fn seed(state: &Path, cases: usize) -> anyhow::Result<()> {
    let marker = state.join(format!("seeded-{cases}"));
    if marker.exists() {
        eprintln!("reusing the seeded state in {}", state.display());
        return Ok(());
    }
    if state.exists() {
        std::fs::remove_dir_all(state)?;
    }
    std::fs::create_dir_all(state)?;
    let started = Instant::now();
    migrate_and_seed(state, cases)?;
    eprintln!(
        "seeded {cases} cases in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::write(marker, "")?;
    Ok(())
}

/// `jaria migrate` and `jaria seed --cases N` into `state`.
fn migrate_and_seed(state: &Path, cases: usize) -> anyhow::Result<()> {
    for args in [
        vec!["migrate".to_owned()],
        vec!["seed".into(), "--cases".into(), cases.to_string()],
    ] {
        let status = Command::new(jaria_binary())
            .args(&args)
            .arg("--state-dir")
            .arg(state)
            .arg("--from")
            .arg(workspace_root().join("spin.toml"))
            .status()?;
        if !status.success() {
            bail!("jaria {args:?} failed");
        }
    }
    Ok(())
}

/// The host built with this driver (`target/release/jaria` for `bench/run`, the
/// `bench-guard` profile's for `bench/guard`).
fn jaria_binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("jaria")))
        .filter(|host| host.exists())
        .unwrap_or_else(|| workspace_root().join("target/release/jaria"))
}

/// Signs in a seeded person (certificate from the committed test CA).
fn seeded_session<'a>(app: &'a TestApp, iin: &str, name: &str) -> Session<'a> {
    app.sign_in(&issue(PersonSpec::new(iin, name)))
}

fn duplicated_keys(database: &Path) -> anyhow::Result<i64> {
    let db = rusqlite::Connection::open(database)?;
    Ok(db.query_row(
        "SELECT count(*) - count(DISTINCT filer_iin || ':' || idempotency_key) FROM filings",
        [],
        |r| r.get(0),
    )?)
}

fn count_filings(database: &Path) -> anyhow::Result<i64> {
    let db = rusqlite::Connection::open(database)?;
    Ok(db.query_row("SELECT count(*) FROM filings", [], |r| r.get(0))?)
}

/// A libSQL server holding the seeded state's database (loaded as an operator restores a
/// backup), for the `spin+libsql` target.
fn sqld_with(state: &Path) -> anyhow::Result<std::sync::Arc<jaria_tests::sqld::Server>> {
    let server = jaria_tests::sqld::Server::start();
    let started = Instant::now();
    let status = Command::new(jaria_binary())
        .args(["restore", "--from"])
        .arg(state)
        .args(["--database-url", &server.url()])
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("jaria restore --database-url failed");
    }
    eprintln!(
        "loaded the seeded database into sqld in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(server)
}

fn run_scale(
    opts: &Options,
    runtime: Target,
    cases: usize,
    manifest: &Path,
) -> anyhow::Result<ScaleRun> {
    let state = workspace_root().join(format!("target/bench/state-{cases}"));
    seed(&state, cases)?;
    let label = format!("{cases}, {}", runtime_name(runtime));
    let sqld = match runtime {
        Target::SpinLibsql => Some(sqld_with(&state)?),
        Target::Jaria | Target::Spin => None,
    };
    let database = sqld.as_ref().map_or_else(
        || state.join(jaria_host::storage::DB_FILE),
        |server| server.database_file(),
    );
    let app = TestApp::builder()
        .runtime(runtime.runtime())
        .stores(jaria_tests::Stores {
            redis: None,
            sqld: sqld.clone(),
        })
        .portal()
        .manifest(manifest)
        .state_dir(&state)
        .env("SPIN_VARIABLE_RECEIPT_SIGNING_KEY", TEST_RECEIPT_KEY)
        .env("SPIN_VARIABLE_LOCKOUT_IIN_FAILURES", "1000000")
        .env("SPIN_VARIABLE_LOCKOUT_CLIENT_FAILURES", "1000000")
        // One person files thousands of times a second here: a load test, not a script.
        .env("SPIN_VARIABLE_FILINGS_PER_PERSON_PER_DAY", "1000000000")
        .env("SPIN_VARIABLE_SMS_PER_PERSON_PER_DAY", "1000000000")
        .env("SPIN_VARIABLE_UPLOADS_PER_PERSON_PER_DAY", "1000000000")
        .env(
            "SPIN_VARIABLE_UPLOAD_BYTES_PER_PERSON_PER_DAY",
            "1000000000000",
        )
        .env(
            "SPIN_VARIABLE_PENDING_ACCESS_REQUESTS_PER_PERSON",
            "1000000000",
        )
        // The seeded filings are long overdue: the minute ticker would escalate them during the
        // measurements. Routes are measured on their own; the tick has `jaria-bench tick`.
        .env("JARIA_TICK_INTERVAL_SECS", "0");
    let app = match opts.reuse {
        Some(count) => app.runtime_flag("--max-instance-reuse-count", &count.to_string()),
        None => app,
    };
    let app = match runtime.runtime() {
        Runtime::Spin => spin_memory_settings()
            .into_iter()
            .fold(app, |app, (key, value)| app.env(key, &value)),
        Runtime::Jaria => app,
    }
    .start();
    let pid = app.pid().context("local host")?;
    let base = app.base_url.clone();
    // Case 0 of the seed: its victim (granted familiarisation), its lead officer.
    let erdr = format!("26{:013}", 1);
    let victim_iin = jaria_host::scale::iin_from(20_000_000);
    let lead_iin = jaria_host::scale::iin_from(1_000_000);
    let victim = seeded_session(&app, &victim_iin, "VICTIM 0");
    let lead = seeded_session(&app, &lead_iin, "INVESTIGATOR 0-0");
    let password = "benchmark passphrase, long enough";
    let r = victim.set_password(password);
    if r.status != 204 && r.status != 200 {
        bail!("set password: {} {}", r.status, r.text());
    }
    // A 1 MiB material in case 0, opened to the victim by a new grant (a grant opens what the
    // case has when it is given).
    let one_mib = pdf_of(1024 * 1024);
    let material = lead.post_json(
        &format!("/api/officer/cases/{erdr}/materials"),
        &json!({"title": "Benchmark material (1 MiB)", "filename": "big.pdf",
                "content_base64": base64::engine::general_purpose::STANDARD.encode(&one_mib)}),
    );
    if material.status != 201 {
        bail!("add material: {} {}", material.status, material.text());
    }
    let material_id = material.json()["id"].as_i64().context("material id")?;
    let card = lead.get(&format!("/api/officer/cases/{erdr}")).json();
    let victims_record = card["participants"]
        .as_array()
        .and_then(|people| {
            people
                .iter()
                .find(|p| p["iin"] == victim_iin.as_str() && p["procedural_status"] == "victim")
        })
        .and_then(|p| p["id"].as_i64())
        .context("the seeded victim's record")?;
    let granted = lead.send_json(
        "PUT",
        &format!("/api/officer/cases/{erdr}/participants/{victims_record}/familiarisation"),
        &json!({"scope": "all"}),
    );
    if granted.status != 200 {
        bail!("grant: {} {}", granted.status, granted.text());
    }
    // A petition on file, for the status timeline.
    let petition = victim.request_with(
        "POST",
        "/api/filings",
        &[
            ("idempotency-key", "bench-timeline"),
            ("content-type", "application/json"),
        ],
        json!({"kind": "petition", "erdr_number": erdr, "text": "Benchmark petition."})
            .to_string()
            .as_bytes(),
    );
    if petition.status != 201 {
        bail!("petition: {} {}", petition.status, petition.text());
    }
    let petition_id = petition.json()["id"].as_i64().context("petition id")?;
    // Statements created by the filing routes go to an organ other than the benchmarked
    // officer's, so the queue measured afterwards holds the seeded volume, not the tens of
    // thousands of statements the load run itself filed.
    let lead_organ = lead.get("/api/auth/me").json()["organ"]["id"].as_i64();
    let organs = victim.get("/api/filings/organs").json()["organs"].clone();
    let organ_id: i64 = organs
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["id"].as_i64())
        .find(|id| Some(*id) != lead_organ)
        .or_else(|| organs[0]["id"].as_i64())
        .context("organ")?;
    // Single-use EDS challenges, signed beforehand (wrk sends each once).
    let eds_person = issue(PersonSpec::new(&victim_iin, "VICTIM 0"));
    let eds_count = if opts.measures("EDS sign-in") {
        12_000
    } else {
        0
    };
    let mut eds_bodies = Vec::with_capacity(eds_count * 700);
    for _ in 0..eds_count {
        let challenge = app.challenge();
        let signature = eds_person.sign(challenge.to_sign.as_bytes());
        let body = json!({"certificate": eds_person.cert_pem, "nonce": challenge.nonce,
                          "signature": base64::engine::general_purpose::STANDARD.encode(signature)});
        eds_bodies.extend_from_slice(body.to_string().as_bytes());
        eds_bodies.push(b'\n');
    }
    let token = |s: &Session<'_>| Some(s.token.clone());
    let get = |name: &'static str, path: String, auth: Option<String>| Route {
        name,
        method: "GET",
        path,
        auth,
        mode: "plain",
        body: None,
        upload: None,
        read_route: true,
    };
    // Statements are signed by their filers (CPC art. 181): each body carries the victim's CMS
    // over its content, made once here; the content is the same for every request of a route
    // (an attachment is named in it by its hash, and every upload is the same bytes).
    let filing_body = victim.signed_filing(
        &json!({"kind": "crime_report", "organ_id": organ_id, "text": "A benchmark statement."}),
    );
    let sample = victim.request_with(
        "POST",
        "/api/filings/attachments",
        &[("content-type", "application/pdf")],
        &one_mib,
    );
    anyhow::ensure!(sample.status == 201, "sample upload: {}", sample.text());
    let mut attached_body = victim.signed_filing(&json!({
        "kind": "crime_report", "organ_id": organ_id, "text": "With an attachment.",
        "attachments": [sample.json()["id"]],
    }));
    attached_body["attachments"] = json!(["ATTACHMENT_ID"]);
    let routes = vec![
        Route {
            name: "EDS sign-in",
            method: "POST",
            path: "/api/auth/eds".into(),
            auth: None,
            mode: "bodies",
            body: Some(eds_bodies),
            upload: None,
            read_route: false,
        },
        Route {
            name: "password sign-in",
            method: "POST",
            path: "/api/auth/login".into(),
            auth: None,
            mode: "plain",
            body: Some(
                json!({"iin": victim_iin, "password": password})
                    .to_string()
                    .into_bytes(),
            ),
            upload: None,
            read_route: false,
        },
        get("me", "/api/auth/me".into(), token(&victim)),
        get("case list", "/api/cases".into(), token(&victim)),
        get("case card", format!("/api/cases/{erdr}"), token(&victim)),
        get(
            "decisions",
            format!("/api/cases/{erdr}/decisions"),
            token(&victim),
        ),
        Route {
            read_route: false,
            ..get(
                "material download (1 MiB)",
                format!("/api/cases/{erdr}/materials/{material_id}/content"),
                token(&victim),
            )
        },
        Route {
            name: "filing create",
            method: "POST",
            path: "/api/filings".into(),
            auth: token(&victim),
            mode: "unique_key",
            body: Some(filing_body.to_string().into_bytes()),
            upload: None,
            read_route: false,
        },
        Route {
            name: "filing create + 1 MiB attachment",
            method: "POST",
            path: "/api/filings".into(),
            auth: token(&victim),
            mode: "upload_file",
            body: Some(attached_body.to_string().into_bytes()),
            upload: Some(one_mib.clone()),
            read_route: false,
        },
        get("status list", "/api/status/filings".into(), token(&victim)),
        get(
            "status timeline",
            format!("/api/status/filings/{petition_id}"),
            token(&victim),
        ),
        get("officer queue", "/api/officer/queue".into(), token(&lead)),
    ];
    let seconds = opts.duration_secs;
    // Warm up every component once (compilation is cached, instantiation paths are not).
    wrk(&base, &hello_route(), opts, opts.connections, 2)?;
    let mut peak = peak_rss_mib(pid);
    reset_peak_rss(pid);
    let floor_before = wrk(&base, &hello_route(), opts, opts.connections, seconds)?;
    peak = peak.max(peak_rss_mib(pid));
    eprintln!("[{label}] floor: {:.0} req/s", floor_before.rps());
    let filings_before = count_filings(&database)?;
    let mut results = Vec::new();
    let mut acknowledged = 0;
    for route in routes.iter().filter(|r| opts.measures(r.name)) {
        reset_peak_rss(pid);
        let before = sqld
            .as_ref()
            .map(|s| s.statements())
            .transpose()
            .map_err(anyhow::Error::msg)?;
        let mut m = wrk(&base, route, opts, opts.connections, seconds)?;
        m.peak_rss_mib = Some(peak_rss_mib(pid));
        if let (Some(server), Some((count, millis))) = (&sqld, before) {
            // Let what wrk left in flight finish first: it is counted in the requests served.
            std::thread::sleep(Duration::from_secs_f64((m.p99_ms / 1000.0).min(5.0) + 0.2));
            let (count_after, millis_after) = server.statements().map_err(anyhow::Error::msg)?;
            let served = m.requests.max(1) as f64;
            m.statements = Some((
                (count_after - count) as f64 / served,
                (millis_after - millis) / served,
            ));
        }
        peak = peak.max(peak_rss_mib(pid));
        eprintln!(
            "[{label}] {}: {:.0}/s p50 {:.2} ms p99 {:.2} ms errors {}",
            route.name,
            m.rps(),
            m.p50_ms,
            m.p99_ms,
            m.errors
        );
        if route.path == "/api/filings" {
            acknowledged += m.requests;
        }
        // What wrk left in flight is still being served (32 password sign-ins take over a
        // second): let it finish, so the next route is measured alone.
        std::thread::sleep(Duration::from_secs_f64((m.p99_ms / 1000.0).min(5.0) + 0.2));
        results.push((route.clone(), m));
    }
    let filings_after = count_filings(&database)?;
    // The floor again, after the routes: a single reading of a 2-core VM varies by up to 2 ×
    // (Spin's: 7.4 k in one run, 12–14 k in the next three), and every ratio is over it. The
    // runtime's limit is the better of the two; a low one means something else had the CPU.
    let floor_after = wrk(&base, &hello_route(), opts, opts.connections, seconds)?;
    eprintln!(
        "[{label}] floor after the routes: {:.0} req/s",
        floor_after.rps()
    );
    let floor = if floor_after.rps() > floor_before.rps() {
        floor_after
    } else {
        floor_before
    };
    // Mixed: password sign-ins (Argon2id) on 8 connections beside `me` on the rest, at the
    // same time (so only with more than 8).
    let mixed = if !(opts.mixed
        && opts.connections > 8
        && opts.measures("password sign-in")
        && opts.measures("me"))
    {
        None
    } else {
        let password_route = routes[1].clone();
        let me_route = routes[2].clone();
        let opts_copy = opts.clone();
        let base_copy = base.clone();
        let argon =
            std::thread::spawn(move || wrk(&base_copy, &password_route, &opts_copy, 8, seconds));
        let me = wrk(&base, &me_route, opts, opts.connections - 8, seconds)?;
        let argon = argon
            .join()
            .map_err(|_| anyhow::anyhow!("mixed run thread"))??;
        Some((me, argon))
    };
    let peak = peak.max(peak_rss_mib(pid));
    drop(app);
    let duplicated = duplicated_keys(&database)?;
    let filing_routes = routes.iter().filter(|r| r.path == "/api/filings").count() as u64;
    Ok(ScaleRun {
        runtime,
        cases,
        floor,
        routes: results,
        mixed,
        peak_rss_mib: peak,
        filings_before,
        filings_after,
        filings_acknowledged: acknowledged,
        duplicated_keys: duplicated,
        in_flight_bound: filing_routes * u64::from(opts.connections),
    })
}

fn run(opts: Options) -> anyhow::Result<()> {
    for (tool, hint) in [("wrk", "apt-get install wrk")] {
        if Command::new(tool).arg("--version").output().is_err() {
            bail!("{tool} is missing: {hint}");
        }
    }
    // SAFETY: set before any thread of ours starts.
    unsafe { std::env::set_var("JARIA_HOST_BINARY", jaria_binary()) };
    let manifest = bench_manifest()?;
    let references_opts = &opts;
    // References, measured in the same run.
    let port = free_port()?;
    let mut native_cmd = Command::new(std::env::current_exe()?);
    native_cmd.args(["hyper-hello", "--listen", &format!("127.0.0.1:{port}")]);
    let (mut native, base) = start_reference(native_cmd, port)?;
    let native_route = Route {
        path: "/".into(),
        ..hello_route()
    };
    wrk(&base, &native_route, references_opts, opts.connections, 2)?;
    let native_m = wrk(
        &base,
        &native_route,
        references_opts,
        opts.connections,
        opts.duration_secs,
    )?;
    let _ = native.kill();
    let _ = native.wait();
    eprintln!("native hyper: {:.0} req/s", native_m.rps());
    let wasmtime_m = if opts.wasmtime.exists() {
        let port = free_port()?;
        let mut cmd = Command::new(&opts.wasmtime);
        cmd.args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "-S",
            "cli=y",
        ])
        .arg(hello_wasm());
        let (mut server, base) = start_reference(cmd, port)?;
        let route = Route {
            path: "/".into(),
            ..hello_route()
        };
        wrk(&base, &route, references_opts, opts.connections, 2)?;
        let m = wrk(
            &base,
            &route,
            references_opts,
            opts.connections,
            opts.duration_secs,
        )?;
        let _ = server.kill();
        let _ = server.wait();
        eprintln!("wasmtime serve: {:.0} req/s", m.rps());
        Some(m)
    } else {
        eprintln!(
            "{} not found: the wasmtime serve reference is skipped",
            opts.wasmtime.display()
        );
        None
    };
    let mut scales = Vec::new();
    for &cases in &opts.scales {
        for &runtime in &opts.runtimes {
            scales.push(run_scale(&opts, runtime, cases, &manifest)?);
        }
    }
    let report = render(&opts, &native_m, wasmtime_m.as_ref(), &scales);
    std::fs::write(&opts.out, report)?;
    eprintln!("wrote {}", opts.out.display());
    Ok(())
}

fn render(
    opts: &Options,
    native: &Measured,
    wasmtime: Option<&Measured>,
    scales: &[ScaleRun],
) -> String {
    let mut out = String::new();
    let machine = machine_description();
    let runtimes = opts
        .runtimes
        .iter()
        .map(|r| format!("`{}`", runtime_name(*r)))
        .collect::<Vec<_>>()
        .join(" and ");
    let _ = writeln!(
        out,
        "# Benchmarks\n\nWritten by `bench/run` (see `bench/README.md`); every figure below comes from one run.\n\n\
         - When: {}\n- Machine: {machine}\n- Load: `wrk`, {} connections, {} threads, {} s per route.\n\
         - Runtimes: {runtimes}, each with the same `spin.toml`, `.wasm` files (release) and state \
         files, {}, \
         and its own floor: the trivial `hello` component (WASI 0.3, like the routes) on the same runtime. \"÷ floor\" is a route's rate over its own runtime's floor.{}\n",
        now_text(),
        opts.connections,
        opts.threads,
        opts.duration_secs,
        match opts.reuse {
            None =>
                "instances reused as Spin 4.1 reuses WASI 0.3 ones (up to 128 requests, 16 at once)"
                    .to_owned(),
            Some(1) => "a fresh instance per request (`--max-instance-reuse-count 1`)".to_owned(),
            Some(n) =>
                format!("an instance for at most {n} requests (`--max-instance-reuse-count {n}`)"),
        },
        if opts.runtimes.iter().any(|t| t.runtime() == Runtime::Spin) {
            let settings: Vec<String> = spin_memory_settings()
                .iter()
                .map(|(key, value)| format!("`{key}={value}`"))
                .collect();
            format!(
                " Spin is `{}`, run with {} (`docs/operations.md`).",
                spin_version(),
                settings.join(", ")
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "## The floors and the references\n\n| server | req/s | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|"
    );
    let _ = writeln!(
        out,
        "| native hyper hello | {:.0} | {:.2} | {:.2} | {} |",
        native.rps(),
        native.p50_ms,
        native.p99_ms,
        native.errors,
    );
    if let Some(w) = wasmtime {
        let _ = writeln!(
            out,
            "| stock `wasmtime serve` (48.0.8), same hello component | {:.0} | {:.2} | {:.2} | {} |",
            w.rps(),
            w.p50_ms,
            w.p99_ms,
            w.errors,
        );
    } else {
        let _ = writeln!(
            out,
            "| stock `wasmtime serve` | not measured (no `wasmtime` binary) | | | |"
        );
    }
    for s in scales {
        let _ = writeln!(
            out,
            "| `{}` hello (its floor), {} cases | {:.0} | {:.2} | {:.2} | {} |",
            runtime_name(s.runtime),
            s.cases,
            s.floor.rps(),
            s.floor.p50_ms,
            s.floor.p99_ms,
            s.floor.errors
        );
    }
    for &cases in &opts.scales {
        let runs: Vec<&ScaleRun> = scales.iter().filter(|s| s.cases == cases).collect();
        let Some(first) = runs.first() else { continue };
        let _ = writeln!(out, "\n## {cases} cases\n");
        for s in &runs {
            let _ = writeln!(
                out,
                "Peak resident memory of `{}` (the serving process) over this scale's runs: **{:.0} MiB**.",
                runtime_name(s.runtime),
                s.peak_rss_mib
            );
        }
        let mut head = String::from("\n| route |");
        let mut rule = String::from("|---|");
        for s in &runs {
            let name = runtime_name(s.runtime);
            let _ = write!(
                head,
                " {name} ops/s | ÷ floor | p50 ms | p99 ms | errors | peak MiB |"
            );
            rule.push_str("---:|---:|---:|---:|---:|---:|");
        }
        let _ = writeln!(out, "{head}\n{rule}");
        for (i, (route, _)) in first.routes.iter().enumerate() {
            let mut row = format!("| {} |", route.name);
            for s in &runs {
                match s.routes.get(i) {
                    Some((_, m)) => {
                        let _ = write!(
                            row,
                            " {:.0} | {:.3} | {:.2} | {:.2} | {} | {} |",
                            m.rps(),
                            m.rps() / s.floor.rps().max(1e-9),
                            m.p50_ms,
                            m.p99_ms,
                            m.errors,
                            m.peak_rss_mib.map_or("—".to_owned(), |p| format!("{p:.0}"))
                        );
                    }
                    None => row.push_str(" — | — | — | — | — | — |"),
                }
            }
            let _ = writeln!(out, "{row}");
        }
        out.push('\n');
        for s in &runs {
            if s.routes.iter().all(|(_, m)| m.statements.is_none()) {
                continue;
            }
            let _ = writeln!(
                out,
                "`{}`: what each route asks of the libSQL server, per request served (sqld's own statistics: statements run, and its time in them; each statement is one HTTP round trip from Spin):\n\n| route | statements per request | sqld ms per request |\n|---|---:|---:|",
                runtime_name(s.runtime)
            );
            for (route, m) in &s.routes {
                if let Some((count, millis)) = m.statements {
                    let _ = writeln!(out, "| {} | {count:.1} | {millis:.2} |", route.name);
                }
            }
            out.push('\n');
        }
        for s in &runs {
            let name = runtime_name(s.runtime);
            if let Some((me, argon)) = &s.mixed {
                let alone = s
                    .routes
                    .iter()
                    .find(|(r, _)| r.name == "me")
                    .map(|(_, m)| m);
                let _ = writeln!(
                    out,
                    "- `{name}`, mixed run: password sign-ins on 8 connections ({:.0}/s, p99 {:.1} ms) while `me` runs on {}: `me` {:.0}/s, p50 {:.2} ms, p99 {:.2} ms (alone: {}).",
                    argon.rps(),
                    argon.p99_ms,
                    opts.connections - 8,
                    me.rps(),
                    me.p50_ms,
                    me.p99_ms,
                    alone
                        .map(|a| format!("{:.0}/s, p99 {:.2} ms", a.rps(), a.p99_ms))
                        .unwrap_or_default()
                );
            }
            let _ = writeln!(
                out,
                "- `{name}`, filings: {} acknowledged by wrk (201), {} new rows in the database ({} → {}).",
                s.filings_acknowledged,
                s.filings_after - s.filings_before,
                s.filings_before,
                s.filings_after
            );
        }
    }
    if opts.runtimes.contains(&Target::Spin) {
        let state = workspace_root().join(format!(
            "target/bench/state-{}",
            opts.scales.first().copied().unwrap_or(10_000)
        ));
        match sqlite_costs(&state, scales) {
            Ok(text) => out.push_str(&text),
            Err(e) => {
                let _ = writeln!(out, "\n(SQLite per-connection costs not measured: {e})");
            }
        }
    }
    out.push_str(&targets(opts, wasmtime, scales));
    // The reading of the misses is written by hand and kept beside the driver.
    if let Ok(analysis) = std::fs::read_to_string(workspace_root().join("bench/analysis.md")) {
        out.push('\n');
        out.push_str(&analysis);
    }
    out
}

/// Mean microseconds per call of `work` over `rounds` calls.
fn mean_micros(rounds: u32, mut work: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let started = Instant::now();
    for _ in 0..rounds {
        work()?;
    }
    Ok(started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds))
}

/// What real Spin spends on SQLite before a route does its own work: Spin opens a fresh
/// connection for every `Connection::open` a guest makes, and a fresh connection loads the
/// whole schema at its first statement that names a table. Measured here with rusqlite's
/// bundled SQLite (what Spin links), on the benchmark's own database, with another connection
/// holding it open as under load.
fn sqlite_costs(state: &Path, scales: &[ScaleRun]) -> anyhow::Result<String> {
    use rusqlite::{Connection, OpenFlags};
    let path = state.join(jaria_host::storage::DB_FILE);
    let _held = Connection::open(&path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let rounds = 3000;
    let open_only = mean_micros(rounds, || {
        let c = Connection::open_with_flags(&path, flags)?;
        c.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    })?;
    let open_and_session = mean_micros(rounds, || {
        let c = Connection::open_with_flags(&path, flags)?;
        c.query_row(
            "SELECT count(*) FROM sessions WHERE token_hash = ?1",
            ["none"],
            |_| Ok(()),
        )?;
        Ok(())
    })?;
    let (objects, schema_chars): (i64, i64) = _held.query_row(
        "SELECT count(*), sum(length(sql)) FROM sqlite_master WHERE sql IS NOT NULL",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    // The same on a database of one table: what the size of the schema costs.
    let dir = tempfile_dir()?;
    let small = dir.join("one-table.db");
    {
        let c = Connection::open(&small)?;
        c.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (a INTEGER PRIMARY KEY);")?;
    }
    let _held_small = Connection::open(&small)?;
    let open_and_one_table = mean_micros(rounds, || {
        let c = Connection::open_with_flags(&small, flags)?;
        c.query_row("SELECT count(*) FROM t WHERE a = 1", [], |_| Ok(()))?;
        Ok(())
    })?;
    // One logged read: a single INSERT, committed with and without waiting for the disk.
    let insert = |synchronous: &str| -> anyhow::Result<f64> {
        let c = Connection::open(&small)?;
        c.execute_batch(&format!(
            "PRAGMA synchronous = {synchronous}; CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, body TEXT);"
        ))?;
        mean_micros(500, || {
            c.execute("INSERT INTO log (body) VALUES (?1)", [&"x".repeat(200)])?;
            Ok(())
        })
    };
    let insert_normal = insert("NORMAL")?;
    let insert_full = insert("FULL")?;
    let _ = std::fs::remove_dir_all(&dir);
    let mut out = String::from(
        "\n## What SQLite costs a request on real Spin\n\n\
         Spin opens a new SQLite connection for every guest `Connection::open`, and a new \
         connection reads and parses the whole schema at its first statement that names a table. \
         The portal keeps its connections with the instance (up to 128 requests each), so this is \
         paid once per connection, not once per request. Measured in this run with rusqlite's bundled \
         SQLite (what Spin links), on the benchmark's database, another connection holding it \
         open as under load:\n\n| step | µs |\n|---|---:|\n",
    );
    let _ = writeln!(out, "| open + `SELECT 1` | {open_only:.0} |");
    let _ = writeln!(
        out,
        "| open + the session lookup (loads the schema: {objects} objects, {schema_chars} characters of SQL) | {open_and_session:.0} |"
    );
    let _ = writeln!(
        out,
        "| open + a lookup in a database of one table | {open_and_one_table:.0} |"
    );
    let _ = writeln!(
        out,
        "| one logged read (one INSERT, WAL), `synchronous = NORMAL` | {insert_normal:.0} |"
    );
    let _ = writeln!(
        out,
        "| the same, `synchronous = FULL` (an fsync per commit) | {insert_full:.0} |"
    );
    if let Some(floor) = scales
        .iter()
        .find(|s| s.runtime == Target::Spin)
        .map(|s| s.floor.rps())
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let budget = cores * 1e6 / floor.max(1e-9);
        let _ = writeln!(
            out,
            "\nAt Spin's floor of {floor:.0} req/s on {cores:.0} cores (shared with `wrk`), one request \
             costs about {budget:.0} µs of CPU; half the floor leaves a route about {budget:.0} µs of its \
             own. Opening the database and loading the schema take {open_and_session:.0} µs: with a \
             connection per request (fresh instances, `--max-instance-reuse-count 1`), a route that \
             touches SQLite at all cannot reach half the floor on this machine, whatever its SQL."
        );
    }
    Ok(out)
}

/// A fresh scratch directory under the system's temp dir.
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("jaria-bench-sqlite-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The memory settings `docs/operations.md` gives an operator of `spin up` (Spin and glibc read
/// them from the environment): a pooled instance slot keeps none of its linear memory or table
/// resident once its instance ends (Spin keeps 2 MiB and 0.5 MiB a slot), and two malloc arenas
/// instead of eight a core. A value already in the environment is measured instead.
const SPIN_MEMORY_SETTINGS: [(&str, &str); 3] = [
    ("SPIN_WASMTIME_LINEAR_MEMORY_KEEP_RESIDENT", "0"),
    ("SPIN_WASMTIME_TABLE_KEEP_RESIDENT", "0"),
    ("MALLOC_ARENA_MAX", "2"),
];

/// [`SPIN_MEMORY_SETTINGS`] as this run sets them.
fn spin_memory_settings() -> Vec<(&'static str, String)> {
    SPIN_MEMORY_SETTINGS
        .iter()
        .map(|&(key, default)| {
            (
                key,
                std::env::var(key).unwrap_or_else(|_| default.to_owned()),
            )
        })
        .collect()
}

/// `spin --version`'s first line.
fn spin_version() -> String {
    Command::new(spin_binary())
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_owned()
        })
        .unwrap_or_default()
}

fn targets(opts: &Options, wasmtime: Option<&Measured>, scales: &[ScaleRun]) -> String {
    let mut rows: Vec<(String, bool, String)> = Vec::new();
    for s in scales {
        let at = format!("{}, {} cases", runtime_name(s.runtime), s.cases);
        for (route, m) in &s.routes {
            if route.read_route {
                let ratio = m.rps() / s.floor.rps().max(1e-9);
                rows.push((
                    format!("{at}, {}: ≥ 50 % of floor, p99 ≤ 25 ms", route.name),
                    ratio >= 0.5 && m.p99_ms <= 25.0,
                    format!("{:.0} %, p99 {:.1} ms", ratio * 100.0, m.p99_ms),
                ));
            }
            if route.name == "filing create" {
                let ratio = m.rps() / s.floor.rps().max(1e-9);
                rows.push((
                    format!("{at}, filing create: ≥ 25 % of floor"),
                    ratio >= 0.25,
                    format!("{:.0} %", ratio * 100.0),
                ));
            }
        }
        // wrk cannot name what it sent, so: no key stored twice, and every acknowledged filing
        // stored — the store may exceed the count only by what was in flight when wrk stopped.
        let stored = s.filings_after - s.filings_before;
        let acknowledged = s.filings_acknowledged as i64;
        let ok = s.duplicated_keys == 0
            && stored >= acknowledged
            && stored - acknowledged <= s.in_flight_bound as i64;
        rows.push((
            format!("{at}: no lost or duplicated filing"),
            ok,
            format!(
                "{acknowledged} acknowledged, {stored} stored (≤ {} in flight at wrk's stop), {} keys stored twice",
                s.in_flight_bound, s.duplicated_keys
            ),
        ));
        rows.push((
            format!("{at}: peak resident memory ≤ 300 MiB"),
            s.peak_rss_mib <= 300.0,
            format!("{:.0} MiB", s.peak_rss_mib),
        ));
    }
    for &runtime in &opts.runtimes {
        let runs: Vec<&ScaleRun> = scales.iter().filter(|s| s.runtime == runtime).collect();
        if let [small, .., large] = runs.as_slice() {
            for ((route, a), (_, b)) in small.routes.iter().zip(&large.routes) {
                if route.read_route {
                    rows.push((
                        format!(
                            "{}, {}: p50 at {} ≤ 1.3 × p50 at {}",
                            runtime_name(runtime),
                            route.name,
                            large.cases,
                            small.cases
                        ),
                        b.p50_ms <= 1.3 * a.p50_ms,
                        format!("{:.2} ms vs {:.2} ms", b.p50_ms, a.p50_ms),
                    ));
                }
            }
        }
    }
    if let (Some(w), Some(s)) = (wasmtime, scales.iter().find(|s| s.runtime == Target::Jaria)) {
        let ratio = s.floor.rps() / w.rps().max(1e-9);
        rows.push((
            "jaria up's floor ≥ 3 × stock wasmtime serve".into(),
            ratio >= 3.0,
            format!("{ratio:.2} ×"),
        ));
    }
    let mut out = String::from("\n## Targets\n\n| target | met | measured |\n|---|---|---|\n");
    let mut by_met: BTreeMap<bool, usize> = BTreeMap::new();
    for (name, met, measured) in rows {
        *by_met.entry(met).or_default() += 1;
        let _ = writeln!(
            out,
            "| {name} | {} | {measured} |",
            if met { "yes" } else { "**no**" }
        );
    }
    let _ = writeln!(
        out,
        "\n{} met, {} missed.",
        by_met.get(&true).unwrap_or(&0),
        by_met.get(&false).unwrap_or(&0)
    );
    out
}

use std::fmt::Write as _;

fn machine_description() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| {
                    v.split_whitespace()
                        .next()
                        .and_then(|n| n.parse::<f64>().ok())
                })
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    format!("{cpu}, {cores} cores, {mem:.0} GiB")
}

fn now_text() -> String {
    Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The native reference: hyper answering "hello" with nothing else.
fn hyper_hello(listen: &str) -> anyhow::Result<()> {
    use hyper::service::service_fn;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        println!("listening on {}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(async move {
                let service = service_fn(|_req| async {
                    Ok::<_, std::convert::Infallible>(
                        hyper::Response::builder()
                            .header("content-type", "text/plain")
                            .body(http_body_util::Full::new(bytes::Bytes::from_static(
                                b"hello",
                            )))
                            .unwrap_or_default(),
                    )
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}
