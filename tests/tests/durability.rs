//! Crash durability: participants file statements with attachments from several threads while
//! the host is killed with SIGKILL at random moments and restarted on the same state dir.
//! Whatever the portal acknowledged (a 201) must survive whole; nothing may be half-written;
//! a request whose answer was lost, retried with its Idempotency-Key, gives the filing it made
//! or makes it once; and the audit chain still verifies.
//!
//! The counts below are sized for CI (about 3 rounds of 1–2 s). The long form, for a soak:
//!
//! ```sh
//! JARIA_DURABILITY_ROUNDS=50 cargo test -p jaria-tests --test durability -- --nocapture
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine as _;
use jaria_portal::http::documents::sha256_hex;
use jaria_tests::world::{PDF, organ, signed_in};
use jaria_tests::{CmsOptions, Person, TEST_ADMIN_IIN, TestApp, random_iin};
use rand::Rng;
use serde_json::{Value, json};

/// Kill-and-restart rounds (override with `JARIA_DURABILITY_ROUNDS`).
const ROUNDS: usize = 3;
/// Participants filing at once, each on its own thread.
const WRITERS: usize = 4;
/// When, after the writers start, the host is killed (milliseconds, picked at random).
const KILL_AFTER_MS: std::ops::Range<u64> = 1000..2000;
/// Size of the "large" attachments one writer sends: more than one 256 KiB chunk.
const LARGE_ATTACHMENT_BYTES: usize = 600 * 1024;

fn rounds() -> usize {
    std::env::var("JARIA_DURABILITY_ROUNDS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(ROUNDS)
}

/// A filing the portal acknowledged with a 201.
#[derive(Debug, Clone)]
struct Acked {
    writer: usize,
    key: String,
    id: i64,
    registration_number: String,
    content_sha256: String,
    attachments_sha256: Vec<String>,
    summary: Value,
    receipt: String,
}

/// A filing request whose answer never came (the host died under it).
#[derive(Debug, Clone)]
struct Lost {
    writer: usize,
    key: String,
    body: String,
    attachments_sha256: Vec<String>,
}

#[derive(Debug, Default)]
struct Outcome {
    acked: Vec<Acked>,
    lost: Vec<Lost>,
    /// Uploads acknowledged: (attachment id, sha256).
    uploads: Vec<(String, String)>,
    lost_uploads: usize,
    /// Any answer that is neither a 201 nor a lost connection.
    unexpected: Vec<String>,
}

impl Outcome {
    fn absorb(&mut self, other: Outcome) {
        self.acked.extend(other.acked);
        self.lost.extend(other.lost);
        self.uploads.extend(other.uploads);
        self.lost_uploads += other.lost_uploads;
        self.unexpected.extend(other.unexpected);
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// One request; `Err` when the connection failed or the answer was cut off (a 201 whose body
/// never arrived whole is a lost answer, not an acknowledgement).
fn send(
    agent: &ureq::Agent,
    url: &str,
    method: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, Vec<u8>), String> {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let request = builder.body(body.to_vec()).map_err(|e| e.to_string())?;
    let mut response = agent.run(request).map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .map_err(|e| format!("answer cut off: {e}"))?;
    Ok((status, body))
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A valid little PDF, distinct per tag, padded to about `size` bytes.
fn pdf(tag: &str, size: usize) -> Vec<u8> {
    let mut bytes = format!("%PDF-1.4\n% {tag}\n").into_bytes();
    while bytes.len() < size {
        bytes.extend_from_slice(b"% padding to make the file span more than one stored chunk\n");
    }
    bytes.extend_from_slice(
        b"1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    );
    bytes
}

fn parse_acked(writer: usize, key: &str, body: &[u8]) -> Result<Acked, String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("201 for {key} is not JSON ({e})"))?;
    let text = |field: &str| {
        v[field]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("201 for {key} lacks {field}: {v}"))
    };
    Ok(Acked {
        writer,
        key: key.to_owned(),
        id: v["id"]
            .as_i64()
            .ok_or_else(|| format!("201 for {key} lacks id: {v}"))?,
        registration_number: text("registration_number")?,
        content_sha256: text("content_sha256")?,
        attachments_sha256: v["receipt_summary"]["attachments_sha256"]
            .as_array()
            .ok_or_else(|| format!("201 for {key} lacks attachments_sha256: {v}"))?
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect(),
        summary: v["receipt_summary"].clone(),
        receipt: text("receipt")?,
    })
}

/// Files statements (each with 0–2 attachments) until the host dies under it or `stop`.
fn writer(
    base_url: String,
    token: String,
    person: Person,
    writer: usize,
    round: usize,
    organ_id: i64,
    stop: Arc<AtomicBool>,
) -> Outcome {
    let agent = agent();
    let auth = bearer(&token);
    let mut out = Outcome::default();
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let tag = format!("w{writer}-r{round}-n{n}");
        let mut ids = Vec::new();
        let mut shas = Vec::new();
        for i in 0..(n % 3) {
            let bytes = match (writer, n % 4) {
                // The same bytes from every writer: content-addressed storage shared at once.
                (_, 0) => PDF.to_vec(),
                (0, _) => pdf(&format!("{tag}-{i}"), LARGE_ATTACHMENT_BYTES),
                _ => pdf(&format!("{tag}-{i}"), 200),
            };
            match send(
                &agent,
                &format!("{base_url}/api/filings/attachments"),
                "POST",
                &[
                    ("authorization", &auth),
                    ("content-type", "application/pdf"),
                ],
                &bytes,
            ) {
                Ok((201, body)) => {
                    let v: Value = serde_json::from_slice(&body).unwrap_or_default();
                    let (Some(id), Some(sha)) = (v["id"].as_str(), v["sha256"].as_str()) else {
                        out.unexpected
                            .push(format!("upload 201 without id/sha256: {v}"));
                        continue;
                    };
                    if sha != sha256_hex(&bytes) {
                        out.unexpected
                            .push(format!("upload {id} answered sha256 {sha}, not the file's"));
                    }
                    out.uploads.push((id.to_owned(), sha.to_owned()));
                    ids.push(id.to_owned());
                    shas.push(sha.to_owned());
                }
                Ok((status, body)) => out.unexpected.push(format!(
                    "upload for {tag}: {status} {}",
                    String::from_utf8_lossy(&body)
                )),
                Err(_) => {
                    out.lost_uploads += 1;
                    return out;
                }
            }
        }
        shas.sort();
        let unsigned = json!({
            "kind": "crime_report", "organ_id": organ_id, "warning_language": "ru",
            "text": format!("Statement {tag}: my bicycle was stolen."), "attachments": ids,
        });
        // A statement is signed by its filer: over what the portal says to sign.
        let to_sign = match send(
            &agent,
            &format!("{base_url}/api/filings/to-sign"),
            "POST",
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            unsigned.to_string().as_bytes(),
        ) {
            Ok((200, answer)) => {
                serde_json::from_slice::<Value>(&answer).unwrap_or_default()["to_sign"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            }
            Ok((status, answer)) => {
                out.unexpected.push(format!(
                    "to-sign for {tag}: {status} {}",
                    String::from_utf8_lossy(&answer)
                ));
                continue;
            }
            Err(_) => {
                out.lost_uploads += 1;
                return out;
            }
        };
        let cms = person
            .sign_cms(to_sign.as_bytes(), &CmsOptions::default())
            .expect("a CMS signature");
        let mut signed = unsigned;
        signed["signature"] = base64::engine::general_purpose::STANDARD.encode(cms).into();
        let body = signed.to_string();
        match send(
            &agent,
            &format!("{base_url}/api/filings"),
            "POST",
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
                ("idempotency-key", &tag),
            ],
            body.as_bytes(),
        ) {
            Ok((201, answer)) => match parse_acked(writer, &tag, &answer) {
                Ok(acked) => {
                    if acked.attachments_sha256 != shas {
                        out.unexpected.push(format!(
                            "{tag}: receipt names attachments {:?}, sent {shas:?}",
                            acked.attachments_sha256
                        ));
                    }
                    out.acked.push(acked);
                }
                Err(e) => out.unexpected.push(e),
            },
            Ok((status, answer)) => out.unexpected.push(format!(
                "filing {tag}: {status} {}",
                String::from_utf8_lossy(&answer)
            )),
            Err(_) => {
                out.lost.push(Lost {
                    writer,
                    key: tag,
                    body,
                    attachments_sha256: shas,
                });
                return out;
            }
        }
    }
    out
}

fn start(dir: &Path) -> TestApp {
    TestApp::builder().portal().state_dir(dir).start()
}

fn alive(pid: u32) -> bool {
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn read_only(database_file: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(database_file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the state database read-only")
}

/// The filing a (filer, key) made, if any: (id, content_sha256).
fn stored_filing(database_file: &Path, filer_iin: &str, key: &str) -> Vec<(i64, String)> {
    let db = read_only(database_file);
    let mut stmt = db
        .prepare(
            "SELECT id, content_sha256 FROM filings WHERE filer_iin = ?1 AND idempotency_key = ?2",
        )
        .expect("prepare");
    stmt.query_map((filer_iin, key), |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

struct Stats {
    retried_found: usize,
    retried_created: usize,
}

/// Retries every lost filing with its own key and body: it must answer 201 with the filing
/// the lost request made (if it committed) or a new one, and the same again on a second try.
fn retry_lost(
    app: &TestApp,
    writers: &[(String, String, Person)],
    lost: Vec<Lost>,
    outcome: &mut Outcome,
    stats: &mut Stats,
) {
    let agent = agent();
    for l in lost {
        let (iin, token, _) = &writers[l.writer];
        let before = stored_filing(&app.database_file(), iin, &l.key);
        assert!(
            before.len() <= 1,
            "{}: two filings for one key: {before:?}",
            l.key
        );
        let auth = bearer(token);
        let headers = [
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
            ("idempotency-key", l.key.as_str()),
        ];
        let url = app.url("/api/filings");
        let mut answers = Vec::new();
        for attempt in 0..2 {
            let (status, body) = send(&agent, &url, "POST", &headers, l.body.as_bytes())
                .unwrap_or_else(|e| panic!("retry {attempt} of {} failed: {e}", l.key));
            assert_eq!(
                status,
                201,
                "retry {attempt} of lost filing {} must succeed: {}\n{}",
                l.key,
                String::from_utf8_lossy(&body),
                app.log()
            );
            answers.push(parse_acked(l.writer, &l.key, &body).unwrap_or_else(|e| panic!("{e}")));
        }
        let first = &answers[0];
        assert_eq!(
            (first.id, &first.receipt, &first.summary),
            (answers[1].id, &answers[1].receipt, &answers[1].summary),
            "{}: two retries with one key must give one filing, one receipt",
            l.key
        );
        assert_eq!(
            first.attachments_sha256, l.attachments_sha256,
            "{}: the retried filing must carry the attachments the lost request sent",
            l.key
        );
        match before.first() {
            Some((id, content_sha)) => {
                assert_eq!(
                    (first.id, &first.content_sha256),
                    (*id, content_sha),
                    "{}: the lost request committed filing {id}; the retry must return it",
                    l.key
                );
                stats.retried_found += 1;
            }
            None => stats.retried_created += 1,
        }
        let after = stored_filing(&app.database_file(), iin, &l.key);
        assert_eq!(
            after,
            vec![(first.id, first.content_sha256.clone())],
            "{}: exactly one filing after the retries",
            l.key
        );
        outcome.acked.push(answers.swap_remove(0));
    }
}

#[test]
fn acknowledged_filings_survive_sigkill_whole_and_retries_never_duplicate() {
    jaria_tests::local_only!();
    let dir = tempfile::tempdir().expect("temp state dir");
    let mut app = start(dir.path());
    let organ_id = organ(&signed_in(&app, TEST_ADMIN_IIN, "ADMIN"), "Police");
    let writers: Vec<(String, String, Person)> = (0..WRITERS)
        .map(|w| {
            let iin = random_iin();
            let session = signed_in(&app, &iin, &format!("WRITER {w}"));
            let person = session.person.clone().expect("the writer's key");
            (iin, session.token.clone(), person)
        })
        .collect();

    let mut total = Outcome::default();
    let mut stats = Stats {
        retried_found: 0,
        retried_created: 0,
    };
    let mut pending: Vec<Lost> = Vec::new();
    let mut rng = rand::thread_rng();
    let rounds = rounds();
    for round in 0..rounds {
        retry_lost(
            &app,
            &writers,
            std::mem::take(&mut pending),
            &mut total,
            &mut stats,
        );
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = writers
            .iter()
            .enumerate()
            .map(|(w, (_, token, person))| {
                let (base, token, person, stop) = (
                    app.base_url.clone(),
                    token.clone(),
                    person.clone(),
                    stop.clone(),
                );
                std::thread::spawn(move || writer(base, token, person, w, round, organ_id, stop))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.gen_range(KILL_AFTER_MS)));
        let pid = app.pid().expect("a local host");
        assert!(
            alive(pid),
            "round {round}: the host died by itself before the kill:\n{}",
            app.log()
        );
        // SIGKILL to the runtime's whole process group (Spin serves from a child process).
        let status = app.kill_hard().expect("a local host");
        stop.store(true, Ordering::SeqCst);
        let mut round_outcome = Outcome::default();
        for t in threads {
            round_outcome.absorb(t.join().expect("writer thread"));
        }
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "round {round}: the host should have died of SIGKILL, not {status}"
        );
        // The serving process may be Spin's child, reaped by init a moment after the kill.
        let gone_by = std::time::Instant::now() + Duration::from_secs(5);
        while alive(pid) && std::time::Instant::now() < gone_by {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            !alive(pid),
            "round {round}: host {pid} still running after SIGKILL"
        );
        eprintln!(
            "round {round}: {} filings acknowledged, {} answers lost, {} uploads acknowledged, {} uploads lost",
            round_outcome.acked.len(),
            round_outcome.lost.len(),
            round_outcome.uploads.len(),
            round_outcome.lost_uploads
        );
        assert!(
            !round_outcome.acked.is_empty(),
            "round {round}: no filing was acknowledged before the kill, so the round proved nothing:\n{:?}",
            round_outcome.unexpected
        );
        pending.append(&mut round_outcome.lost);
        total.absorb(round_outcome);
        drop(app);
        app = start(dir.path());
        // On a libSQL server the killed runtime's open transaction keeps the write lock until
        // the server takes it back (5 s after another writer asks): one write first, so that
        // the next kill does not come while every writer still waits for that lock.
        app.sign_in(&writers[0].2);
    }
    retry_lost(&app, &writers, pending, &mut total, &mut stats);
    eprintln!(
        "{rounds} rounds: {} filings acknowledged in all ({} after a retry found the lost request's filing, {} created by the retry), {} uploads lost",
        total.acked.len(),
        stats.retried_found,
        stats.retried_created,
        total.lost_uploads
    );
    assert!(
        total.unexpected.is_empty(),
        "answers other than 201 or a lost connection:\n{}",
        total.unexpected.join("\n")
    );

    // Through the API, after the last restart: every acknowledged filing as its filer sees it.
    let client = agent();
    let mut downloaded = BTreeSet::new();
    for a in &total.acked {
        let auth = bearer(&writers[a.writer].1);
        let get = |path: &str| {
            let (status, body) = send(
                &client,
                &app.url(path),
                "GET",
                &[("authorization", &auth)],
                b"",
            )
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
            (status, body)
        };
        let (status, body) = get(&format!("/api/status/filings/{}", a.id));
        assert_eq!(
            status,
            200,
            "acknowledged filing {} ({}) is gone: {}",
            a.id,
            a.key,
            String::from_utf8_lossy(&body)
        );
        let detail: Value = serde_json::from_slice(&body).expect("status JSON");
        assert_eq!(
            detail["registration_number"],
            a.registration_number.as_str(),
            "{}",
            a.key
        );
        assert_eq!(
            detail["timeline"][0]["event"], "submitted",
            "{}: {detail}",
            a.key
        );
        let mut attached: Vec<String> = detail["documents"]
            .as_array()
            .expect("documents")
            .iter()
            .filter(|d| d["role"] == "attachment")
            .filter_map(|d| d["sha256"].as_str().map(str::to_owned))
            .collect();
        attached.sort();
        assert_eq!(
            attached, a.attachments_sha256,
            "{}: the filing's attachments differ from its receipt",
            a.key
        );
        let (status, body) = get(&format!("/api/filings/{}/receipt", a.id));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let receipt: Value = serde_json::from_slice(&body).expect("receipt JSON");
        assert_eq!(
            (&receipt["summary"], receipt["signature"].as_str()),
            (&a.summary, Some(a.receipt.as_str())),
            "{}: the receipt given again differs from the one acknowledged",
            a.key
        );
        assert_eq!(
            receipt["summary"]["content_sha256"],
            a.content_sha256.as_str()
        );
        for sha in &a.attachments_sha256 {
            if !downloaded.insert(sha.clone()) {
                continue;
            }
            let (status, bytes) = get(&format!("/api/status/filings/{}/documents/{sha}", a.id));
            assert_eq!(status, 200, "{}: attachment {sha}", a.key);
            assert_eq!(
                &sha256_hex(&bytes),
                sha,
                "{}: attachment {sha} comes back altered",
                a.key
            );
        }
    }

    // The last host is dropped while running: the harness must not leave it behind.
    let pid = app.pid().expect("a local host");
    drop(app);
    let gone_by = std::time::Instant::now() + Duration::from_secs(5);
    while alive(pid) && std::time::Instant::now() < gone_by {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid), "the dropped host {pid} is still running");

    // The files themselves, after that last kill.
    let db = read_only(&jaria_tests::database_file_for(dir.path()));
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(integrity, "ok", "the database is damaged");
    let ids = |sql: &str| -> Vec<String> {
        let mut stmt = db.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        stmt.query_map([], |r| r.get::<_, rusqlite::types::Value>(0))
            .expect("query")
            .map(|v| format!("{:?}", v.expect("row")))
            .collect()
    };
    let found: BTreeMap<(String, String), (i64, String, String)> = {
        let mut stmt = db
            .prepare("SELECT filer_iin, idempotency_key, id, content_sha256, receipt FROM filings")
            .expect("prepare");
        stmt.query_map([], |r| {
            Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?, r.get(4)?)))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
    };
    let filings: i64 = db
        .query_row("SELECT count(*) FROM filings", [], |r| r.get(0))
        .expect("count");
    assert_eq!(
        filings as usize,
        found.len(),
        "two filings share a (filer, Idempotency-Key)"
    );
    let acked: BTreeMap<(String, String), (i64, String, String)> = total
        .acked
        .iter()
        .map(|a| {
            (
                (writers[a.writer].0.clone(), a.key.clone()),
                (a.id, a.content_sha256.clone(), a.receipt.clone()),
            )
        })
        .collect();
    assert_eq!(acked.len(), total.acked.len(), "one key acknowledged twice");
    for (key, expected) in &acked {
        assert_eq!(
            found.get(key),
            Some(expected),
            "acknowledged filing {key:?} is missing or changed in the database"
        );
    }
    let unknown: Vec<_> = found.keys().filter(|k| !acked.contains_key(*k)).collect();
    assert!(
        unknown.is_empty(),
        "filings nobody was told about (every lost request was retried): {unknown:?}"
    );
    for (what, sql) in [
        (
            "attachments of a filing that does not exist",
            "SELECT a.id FROM attachments a LEFT JOIN filings f ON f.id = a.filing_id
             WHERE a.filing_id IS NOT NULL AND f.id IS NULL",
        ),
        (
            "filings without exactly one `submitted` event",
            "SELECT f.id FROM filings f WHERE (SELECT count(*) FROM filing_events e
             WHERE e.filing_id = f.id AND e.kind = 'submitted') != 1",
        ),
        (
            "filings without exactly one `filing_submitted` audit row",
            "SELECT f.id FROM filings f WHERE (SELECT count(*) FROM audit_log l
             WHERE l.action = 'filing_submitted' AND l.subject = 'filing:' || f.id) != 1",
        ),
        (
            "filings left half-numbered or unsigned",
            "SELECT id FROM filings WHERE registration_number LIKE 'pending:%' OR receipt = ''",
        ),
        (
            "events of a filing that does not exist",
            "SELECT e.id FROM filing_events e LEFT JOIN filings f ON f.id = e.filing_id
             WHERE f.id IS NULL",
        ),
        (
            "attachments whose document is missing",
            "SELECT a.id FROM attachments a LEFT JOIN documents d ON d.sha256 = a.sha256
             WHERE d.sha256 IS NULL",
        ),
        (
            "documents whose chunks are missing or short",
            "SELECT d.sha256 FROM documents d WHERE d.chunk_count != (SELECT count(*)
             FROM document_chunks c WHERE c.sha256 = d.sha256) OR d.size != (SELECT
             ifnull(sum(length(c.data)), 0) FROM document_chunks c WHERE c.sha256 = d.sha256)",
        ),
        (
            "attachments without their `attachment_uploaded` audit row",
            "SELECT a.id FROM attachments a WHERE NOT EXISTS (SELECT 1 FROM audit_log l
             WHERE l.action = 'attachment_uploaded' AND l.subject = 'attachment:' || a.id)",
        ),
    ] {
        let bad = ids(sql);
        assert!(bad.is_empty(), "{what}: {bad:?}");
    }
    for a in &total.acked {
        let mut stmt = db
            .prepare("SELECT sha256 FROM attachments WHERE filing_id = ?1 ORDER BY sha256")
            .expect("prepare");
        let stored: Vec<String> = stmt
            .query_map([a.id], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(
            stored, a.attachments_sha256,
            "{}: the receipt's attachments are not the stored ones",
            a.key
        );
    }
    for (id, sha) in &total.uploads {
        let stored: Option<String> = db
            .query_row("SELECT sha256 FROM attachments WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .ok();
        assert_eq!(
            stored.as_deref(),
            Some(sha.as_str()),
            "acknowledged upload {id} is missing"
        );
    }
    drop(db);

    let verified = jaria_tests::jaria_command()
        .args(["audit", "verify"])
        .args(jaria_tests::store_args_for(dir.path()))
        .output()
        .expect("run jaria audit verify");
    assert!(
        verified.status.success(),
        "the audit chain is broken after the crashes: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&verified.stdout).trim());
}
