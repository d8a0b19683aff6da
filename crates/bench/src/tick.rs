//! `jaria-bench tick` — what the scheduled tick costs with 10 000 due rows: 10 000 open filings
//! past their due time (each escalated once: the filer's and the supervisors' notices, a
//! timeline event, an audit row), then 10 000 queued messages sent through a delivery webhook
//! (a receiver in this process that takes every message at once), and an idle tick. On each
//! runtime asked for, on a fresh seeded state; written to `bench/tick.md`.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context as _, bail};
use jaria_tests::webhook::{Receiver, SECRET};
use jaria_tests::{Runtime, TestApp, workspace_root};
use serde_json::Value;

/// One phase: ticks until the work is done.
struct Phase {
    rows: u64,
    ticks: u64,
    seconds: f64,
    tick_ms: Vec<f64>,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.rows as f64 / self.seconds.max(1e-9)
    }

    fn median_ms(&self) -> f64 {
        let mut t = self.tick_ms.clone();
        t.sort_by(f64::total_cmp);
        t.get(t.len() / 2).copied().unwrap_or(0.0)
    }

    fn max_ms(&self) -> f64 {
        self.tick_ms.iter().copied().fold(0.0, f64::max)
    }
}

struct Measured {
    runtime: &'static str,
    escalation: Phase,
    delivery: Phase,
    delivered_unique: usize,
    delivered_total: usize,
    idle_ms: f64,
}

/// One tick's report and how long it took, in ms.
fn tick(app: &TestApp) -> anyhow::Result<(Value, f64)> {
    let started = Instant::now();
    let report = app.tick();
    Ok((report, started.elapsed().as_secs_f64() * 1000.0))
}

/// Ticks until `done_in` says a tick did none of the phase's work.
fn until_done(app: &TestApp, rows: u64, done_in: impl Fn(&Value) -> u64) -> anyhow::Result<Phase> {
    let started = Instant::now();
    let mut phase = Phase {
        rows,
        ticks: 0,
        seconds: 0.0,
        tick_ms: Vec::new(),
    };
    let mut total = 0;
    loop {
        let (report, ms) = tick(app)?;
        let done = done_in(&report);
        if done == 0 {
            break;
        }
        total += done;
        phase.ticks += 1;
        phase.tick_ms.push(ms);
        if started.elapsed().as_secs() > 900 {
            bail!("the phase did not finish in 15 minutes ({total} of {rows})");
        }
    }
    phase.seconds = started.elapsed().as_secs_f64();
    if total != rows {
        bail!("the ticks did {total} rows of work, not {rows}");
    }
    Ok(phase)
}

/// A seeded state with exactly `rows` open filings overdue and the rest due next year.
fn prepare(state: &Path, rows: u64) -> anyhow::Result<()> {
    if state.exists() {
        std::fs::remove_dir_all(state)?;
    }
    std::fs::create_dir_all(state)?;
    // About 0.78 open filings per seeded case.
    let cases = (rows as f64 / 0.7).ceil() as usize;
    crate::migrate_and_seed(state, cases)?;
    let db = rusqlite::Connection::open(state.join(jaria_host::storage::DB_FILE))?;
    let now = now_unix();
    db.execute(
        "UPDATE filings SET due_unix = ?1 WHERE state IN ('submitted', 'under_review', 'extended')",
        [now + 365 * 86_400],
    )?;
    let overdue = db.execute(
        "UPDATE filings SET due_unix = ?1 WHERE id IN
           (SELECT id FROM filings WHERE state IN ('submitted', 'under_review', 'extended') ORDER BY id LIMIT ?2)",
        rusqlite::params![now - 3600, rows as i64],
    )?;
    if overdue as u64 != rows {
        bail!("the seed has only {overdue} open filings");
    }
    Ok(())
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn queue_messages(state: &Path, rows: u64) -> anyhow::Result<()> {
    let mut db = rusqlite::Connection::open(state.join(jaria_host::storage::DB_FILE))?;
    db.busy_timeout(std::time::Duration::from_secs(30))?;
    let tx = db.transaction()?;
    let now = now_unix();
    for i in 0..rows {
        tx.execute(
            "INSERT INTO outbox (id, channel, recipient_iin, address, language, template, payload, state, created_at, next_attempt_unix)
             VALUES (?1, 'sms', '900101300011', '+77000000000', 'kk', 'decision_available', ?2, 'pending', '2026-12-01T00:00:00.000Z', ?3)",
            rusqlite::params![format!("{i:032x}"), format!("{{\"erdr_number\":\"26{i:013}\"}}"), now - 1],
        )?;
    }
    tx.commit()?;
    Ok(())
}

fn measure(runtime: Runtime, rows: u64) -> anyhow::Result<Measured> {
    let name = crate::runtime_name(runtime.into());
    let state = workspace_root().join(format!("target/bench/tick-{}", name.replace(' ', "-")));
    prepare(&state, rows)?;
    let receiver = Receiver::start();
    let app = TestApp::builder()
        .runtime(runtime)
        .portal()
        .state_dir(&state)
        .env("SPIN_VARIABLE_NOTIFY_WEBHOOK_URL", &receiver.url())
        .env("SPIN_VARIABLE_NOTIFY_WEBHOOK_ORIGIN", &receiver.origin())
        .env("SPIN_VARIABLE_NOTIFY_WEBHOOK_SECRET", SECRET)
        // Only the ticks measured here run (jaria up's own ticker is off).
        .env("JARIA_TICK_INTERVAL_SECS", "0")
        .start();
    let counter = |path: &'static [&'static str]| {
        move |v: &Value| {
            let mut at = v;
            for key in path {
                at = &at[*key];
            }
            at.as_u64().unwrap_or(0)
        }
    };
    eprintln!("{name}: escalating {rows} overdue filings");
    let escalation = until_done(&app, rows, counter(&["deadlines", "overdue_escalations"]))?;
    queue_messages(&state, rows)?;
    eprintln!("{name}: sending {rows} messages");
    let delivery = until_done(&app, rows, counter(&["delivery", "sent"]))?;
    let mut ids: Vec<String> = receiver
        .received()
        .iter()
        .filter_map(|r| r.json()["id"].as_str().map(str::to_owned))
        .collect();
    let delivered_total = ids.len();
    ids.sort();
    ids.dedup();
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(tick(&app)?.1);
    }
    idle.sort_by(f64::total_cmp);
    Ok(Measured {
        runtime: name,
        escalation,
        delivery,
        delivered_unique: ids.len(),
        delivered_total,
        idle_ms: idle[idle.len() / 2],
    })
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let rows: u64 = crate::flag(args, "--rows").map_or(Ok(10_000), |r| r.parse())?;
    let out = crate::flag(args, "--out")
        .map_or_else(|| workspace_root().join("bench/tick.md"), Into::into);
    let runtimes = match crate::flag(args, "--runtime").as_deref() {
        None | Some("both") => vec![Runtime::Jaria, Runtime::Spin],
        Some("jaria") => vec![Runtime::Jaria],
        Some("spin") => vec![Runtime::Spin],
        Some(other) => bail!("--runtime {other}: use jaria, spin or both"),
    };
    let mut results = Vec::new();
    for runtime in runtimes {
        if runtime == Runtime::Spin && !crate::spin_available() {
            eprintln!("no Spin CLI: the tick is measured on jaria up only");
            continue;
        }
        results.push(measure(runtime, rows).with_context(|| crate::runtime_name(runtime.into()))?);
    }
    let mut md = format!(
        "# The tick with {rows} due rows\n\nMeasured by `bench/run tick` (`jaria-bench tick`) on {}, {}.\n\
         Each phase calls `POST /api/internal/tick` until a tick finds none of its work; a tick works\n\
         about five seconds at most. Escalation: {rows} open filings past their due time, each told to\n\
         its filer and supervisors once (feed rows, a timeline event, an audit row). Delivery: {rows}\n\
         queued SMS messages POSTed, signed, to a receiver in the benchmark's process.\n\n\
         | runtime | phase | rows/s | ticks | total s | tick p50 ms | tick max ms |\n|---|---|---:|---:|---:|---:|---:|\n",
        crate::machine_description(),
        crate::now_text(),
    );
    for m in &results {
        for (phase, p) in [("escalation", &m.escalation), ("delivery", &m.delivery)] {
            md.push_str(&format!(
                "| {} | {phase} | {:.0} | {} | {:.1} | {:.0} | {:.0} |\n",
                m.runtime,
                p.rate(),
                p.ticks,
                p.seconds,
                p.median_ms(),
                p.max_ms()
            ));
        }
    }
    md.push_str("\n| runtime | idle tick p50 ms | messages received | distinct ids |\n|---|---:|---:|---:|\n");
    for m in &results {
        md.push_str(&format!(
            "| {} | {:.1} | {} | {} |\n",
            m.runtime, m.idle_ms, m.delivered_total, m.delivered_unique
        ));
    }
    std::fs::write(&out, md)?;
    eprintln!("wrote {}", out.display());
    Ok(())
}
