//! One tick, as `POST /api/internal/tick` runs it: each step short transactions in bounded
//! batches, until nothing is left or the budget is spent. Alerts are written before the outbox
//! is sent, so a tick delivers what it raised. A step that fails is logged and reported, and
//! the others still run: one broken step must not stop every e-mail and SMS.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::ApiError;
use crate::audit::{self, Actor};
use crate::notice::delivery::{self, Webhook};
use crate::platform::clock;
use crate::platform::db::Db;

/// How long one tick may work before it stops and leaves the rest to the next: the steps
/// before delivery get `STEPS_BUDGET` of it, delivery at least `DELIVERY_BUDGET`.
const STEPS_BUDGET: Duration = Duration::from_secs(3);
const DELIVERY_BUDGET: Duration = Duration::from_secs(2);

/// What one tick did, as the endpoint answers it.
#[derive(Debug, Serialize)]
pub struct TickReport {
    pub reads_sealed: u64,
    pub reads_pruned: u64,
    pub audit_head: Option<serde_json::Value>,
    pub deadlines: super::Report,
    pub delivery: serde_json::Value,
    pub outbox: serde_json::Value,
    pub errors: Vec<serde_json::Value>,
    pub elapsed_ms: u64,
}

/// The steps' clock and the failures met so far.
struct Steps {
    started: Instant,
    errors: Vec<serde_json::Value>,
}

impl Steps {
    fn within_budget(&self) -> bool {
        self.started.elapsed() < STEPS_BUDGET
    }

    fn note(&mut self, step: &str, outcome: Result<(), ApiError>) {
        if let Err(e) = outcome {
            crate::log_line!("internal: tick step {step} failed: {e}");
            self.errors
                .push(serde_json::json!({ "step": step, "error": e.to_string() }));
        }
    }

    /// Runs a batch step again while it did a full batch's work and the budget allows.
    async fn repeat(
        &mut self,
        name: &str,
        total: &mut u64,
        mut step: impl AsyncFnMut() -> Result<u64, ApiError>,
    ) {
        let mut outcome = Ok(());
        while self.within_budget() {
            match step().await {
                Ok(0) => break,
                Ok(done) => *total += done,
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        self.note(name, outcome);
    }
}

pub async fn run(db: &Db, actor: &Actor) -> Result<TickReport, ApiError> {
    let mut steps = Steps {
        started: Instant::now(),
        errors: Vec::new(),
    };
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let mut sealed = 0;
    steps
        .repeat("seal_reads", &mut sealed, async || {
            db.transaction(async |db| audit::seal_reads(db, actor).await)
                .await
                .map(count)
        })
        .await;
    let mut pruned = 0;
    match audit::read_retention_days().await {
        Ok(Some(days)) => {
            let cutoff = audit::read_cutoff(clock::now(), days);
            steps
                .repeat("prune_reads", &mut pruned, async || {
                    db.transaction(async |db| audit::prune_reads(db, actor, &cutoff).await)
                        .await
                        .map(count)
                })
                .await;
        }
        Ok(None) => {}
        Err(e) => steps.note("prune_reads", Err(e)),
    }
    let deadlines = deadline_steps(db, actor, &mut steps).await;
    let delivery = deliver(db, &mut steps).await;
    let outbox = delivery::counts(db).await?;
    // The chain's signed head, logged at every tick: a copy outside the database, against
    // which `jaria audit verify --anchor ROW:HASH` shows a log cut back below it.
    let audit_head = audit::last_checkpoint(db).await?;
    if let Some((row, hash)) = &audit_head {
        crate::log_line!("internal: audit head: checkpoint at row {row}, hash {hash}");
    }
    Ok(TickReport {
        reads_sealed: sealed,
        reads_pruned: pruned,
        audit_head: audit_head.map(|(row, hash)| serde_json::json!({ "row": row, "hash": hash })),
        deadlines,
        delivery,
        outbox,
        errors: steps.errors,
        elapsed_ms: u64::try_from(steps.started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// The alerts that are due, then the stale rows.
async fn deadline_steps(db: &Db, actor: &Actor, steps: &mut Steps) -> super::Report {
    let mut work = super::Report::default();
    let now = clock::now().timestamp();
    steps
        .repeat("due_soon", &mut work.due_soon_reminders, async || {
            super::remind_due_soon(db, now).await
        })
        .await;
    steps
        .repeat("overdue", &mut work.overdue_escalations, async || {
            super::escalate_overdue(db, actor, now).await
        })
        .await;
    steps
        .repeat(
            "court_window",
            &mut work.court_window_reminders,
            async || super::remind_court_window(db, now).await,
        )
        .await;
    steps
        .repeat("custody", &mut work.custody_alarms, async || {
            super::alarm_custody_waiting(db, now).await
        })
        .await;
    steps
        .repeat("digests", &mut work.digests, async || {
            super::send_digests(db, now).await
        })
        .await;
    let expired = super::expire_stale(db, now, &mut work).await;
    steps.note("expire", expired);
    work
}

/// Due messages of the outbox through the delivery webhook, in what is left of the budget.
async fn deliver(db: &Db, steps: &mut Steps) -> serde_json::Value {
    let webhook = match Webhook::configured().await {
        Ok(Some(webhook)) => webhook,
        Ok(None) => return serde_json::json!({ "state": "off" }),
        Err(e) => {
            crate::log_line!("internal: delivery webhook misconfigured: {e}");
            return serde_json::json!({ "state": "misconfigured", "detail": e.to_string() });
        }
    };
    let left = (STEPS_BUDGET + DELIVERY_BUDGET)
        .saturating_sub(steps.started.elapsed())
        .max(DELIVERY_BUDGET);
    let origin = crate::platform::settings::PORTAL_ORIGIN
        .optional()
        .await
        .filter(|o| !o.trim().is_empty());
    match delivery::dispatch(db, &webhook, origin.as_deref(), left).await {
        Ok(report) => serde_json::json!({
            "state": "on", "sent": report.sent, "retrying": report.retrying, "dead": report.dead,
        }),
        Err(e) => {
            steps.note("delivery", Err(e));
            serde_json::json!({ "state": "on", "sent": 0, "retrying": 0, "dead": 0 })
        }
    }
}
