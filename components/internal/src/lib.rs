//! `internal` — the endpoints operators (and `jaria up`) call, never people: each needs
//! `Authorization: Bearer <internal_token>` (a secret variable; empty: the endpoints answer
//! 503, switched off).
//!
//! - `POST /api/internal/migrate` applies the pending schema migrations embedded in this build,
//!   each in one transaction with its record (`jaria_portal::platform::schema`), so a fresh deployment on
//!   real Spin or SpinKube migrates itself at rollout. Safe to call from several replicas at
//!   once, and again: it applies what is pending and nothing else.
//! - `POST /api/internal/tick` does the periodic work, bounded in rows and time, idempotent,
//!   safe on several replicas at once: it seals the reads logged since the last tick into the
//!   audit chain, sends the deadline alerts and digests that are due
//!   (`jaria_portal::tick`), removes stale rows, and sends due messages of the outbox
//!   through the delivery webhook (`jaria_portal::notice::delivery`). `jaria up` calls it every
//!   minute; on real Spin a CronJob or timer does.

use jaria_portal::audit::{self, Actor};
use jaria_portal::http::Request;
use jaria_portal::http::{Method, Reply};
use jaria_portal::notice::delivery::{self, Webhook};
use jaria_portal::platform::db::Db;
use jaria_portal::platform::problem::Problem;
use jaria_portal::platform::schema::{self, MigrationError};
use jaria_portal::{ApiError, identity::auth, platform::clock, platform::config, tick};

#[spin_sdk::http_service]
async fn handle(req: spin_sdk::http::Request) -> jaria_portal::http::respond::Response {
    jaria_portal::component::serve(
        "internal",
        req,
        jaria_portal::http::body::default_limit_for,
        route,
    )
    .await
}

async fn route(req: &Request, method: Method, path: &str) -> Option<Result<Reply, ApiError>> {
    Some(match path {
        "/migrate" => match method {
            Method::Post => match authorised(req).await {
                Ok(()) => migrate(req).await,
                Err(e) => Err(e),
            },
            _ => Err(ApiError::MethodNotAllowed { allow: "POST" }),
        },
        "/tick" => match method {
            Method::Post => match authorised(req).await {
                Ok(()) => tick(req).await,
                Err(e) => Err(e),
            },
            _ => Err(ApiError::MethodNotAllowed { allow: "POST" }),
        },
        _ => return None,
    })
}

/// The internal token, compared in constant time; unset means these endpoints are off.
async fn authorised(req: &Request) -> Result<(), ApiError> {
    match auth::carries_internal_token(req).await {
        None => Err(ApiError::ServiceUnavailable(
            "The internal endpoints are switched off: set the internal_token variable.".into(),
        )),
        Some(true) => Ok(()),
        Some(false) => Err(ApiError::Unauthorized),
    }
}

/// How long one tick may work before it stops and leaves the rest to the next: the steps
/// before delivery get `STEPS_BUDGET` of it, delivery at least `DELIVERY_BUDGET`.
const STEPS_BUDGET: std::time::Duration = std::time::Duration::from_secs(3);
const DELIVERY_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

async fn operator(req: &Request) -> Actor {
    Actor {
        iin: None,
        role: "operator".into(),
        client_addr: auth::client_addr(req).await,
        request: jaria_portal::audit::RequestIds::of(req),
    }
}

/// The periodic work: each step short transactions in bounded batches, until nothing is left
/// or the budget is spent. Alerts are written before the outbox is sent, so a tick delivers
/// what it raised. A step that fails is logged and reported, and the others still run: one
/// broken step must not stop every e-mail and SMS.
async fn tick(req: &Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let actor = operator(req).await;
    let started = std::time::Instant::now();
    let within_budget = || started.elapsed() < STEPS_BUDGET;
    let mut errors: Vec<serde_json::Value> = Vec::new();
    let mut note = |step: &str, outcome: Result<(), ApiError>| {
        if let Err(e) = outcome {
            eprintln!("internal: tick step {step} failed: {e}");
            errors.push(serde_json::json!({ "step": step, "error": e.to_string() }));
        }
    };
    let mut sealed = 0;
    note(
        "seal_reads",
        repeat_while_busy(&within_budget, &mut sealed, async || {
            db.transaction(async |db| audit::seal_reads(db, &actor).await)
                .await
                .map(|n| u64::try_from(n).unwrap_or(0))
        })
        .await,
    );
    let mut pruned = 0;
    note(
        "prune_reads",
        match audit::read_retention_days().await {
            Ok(Some(days)) => {
                let cutoff = audit::read_cutoff(clock::now(), days);
                repeat_while_busy(&within_budget, &mut pruned, async || {
                    db.transaction(async |db| audit::prune_reads(db, &actor, &cutoff).await)
                        .await
                        .map(|n| u64::try_from(n).unwrap_or(0))
                })
                .await
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        },
    );
    let mut work = tick::Report::default();
    let now = clock::now().timestamp();
    note(
        "due_soon",
        repeat_while_busy(&within_budget, &mut work.due_soon_reminders, async || {
            tick::remind_due_soon(&db, now).await
        })
        .await,
    );
    note(
        "overdue",
        repeat_while_busy(&within_budget, &mut work.overdue_escalations, async || {
            tick::escalate_overdue(&db, &actor, now).await
        })
        .await,
    );
    note(
        "court_window",
        repeat_while_busy(
            &within_budget,
            &mut work.court_window_reminders,
            async || tick::remind_court_window(&db, now).await,
        )
        .await,
    );
    note(
        "custody",
        repeat_while_busy(&within_budget, &mut work.custody_alarms, async || {
            tick::alarm_custody_waiting(&db, now).await
        })
        .await,
    );
    note(
        "digests",
        repeat_while_busy(&within_budget, &mut work.digests, async || {
            tick::send_digests(&db, now).await
        })
        .await,
    );
    note("expire", tick::expire_stale(&db, now, &mut work).await);
    let delivery = match Webhook::configured().await {
        Ok(Some(webhook)) => {
            let left = (STEPS_BUDGET + DELIVERY_BUDGET)
                .saturating_sub(started.elapsed())
                .max(DELIVERY_BUDGET);
            let origin = config::optional("portal_origin")
                .await
                .filter(|o| !o.trim().is_empty());
            match delivery::dispatch(&db, &webhook, origin.as_deref(), left).await {
                Ok(report) => serde_json::json!({
                    "state": "on", "sent": report.sent, "retrying": report.retrying, "dead": report.dead,
                }),
                Err(e) => {
                    note("delivery", Err(e));
                    serde_json::json!({ "state": "on", "sent": 0, "retrying": 0, "dead": 0 })
                }
            }
        }
        Ok(None) => serde_json::json!({ "state": "off" }),
        Err(e) => {
            eprintln!("internal: delivery webhook misconfigured: {e}");
            serde_json::json!({ "state": "misconfigured", "detail": e.to_string() })
        }
    };
    let outbox = delivery::counts(&db).await?;
    // The chain's signed head, logged at every tick: a copy outside the database, against
    // which `jaria audit verify --anchor ROW:HASH` shows a log cut back below it.
    let audit_head = audit::last_checkpoint(&db).await?;
    if let Some((row, hash)) = &audit_head {
        eprintln!("internal: audit head: checkpoint at row {row}, hash {hash}");
    }
    Reply::json(
        200,
        &serde_json::json!({
            "reads_sealed": sealed,
            "reads_pruned": pruned,
            "audit_head": audit_head.map(|(row, hash)| serde_json::json!({ "row": row, "hash": hash })),
            "deadlines": work,
            "delivery": delivery,
            "outbox": outbox,
            "errors": errors,
            "elapsed_ms": started.elapsed().as_millis() as u64,
        }),
    )
}

/// Runs a batch step again while it did a full batch's work and the budget allows.
async fn repeat_while_busy(
    within_budget: &dyn Fn() -> bool,
    total: &mut u64,
    mut step: impl AsyncFnMut() -> Result<u64, ApiError>,
) -> Result<(), ApiError> {
    while within_budget() {
        let done = step().await?;
        *total += done;
        if done == 0 {
            break;
        }
    }
    Ok(())
}

async fn migrate(req: &Request) -> Result<Reply, ApiError> {
    let db = Db::open_unchecked().await?;
    match schema::apply(&db, &schema::embedded()).await {
        Ok(outcome) => {
            if !outcome.applied.is_empty() {
                let actor = operator(req).await;
                db.transaction(async |db| {
                    audit::record(
                        db,
                        &actor,
                        "schema_migrated",
                        &format!("schema:{}", outcome.version),
                        serde_json::json!({ "applied": outcome.applied }),
                    )
                    .await
                })
                .await?;
            }
            Reply::json(200, &outcome)
        }
        // The caller is an operator: the problem names the migration and why.
        Err(e) => {
            let status = match e {
                MigrationError::Changed { .. } | MigrationError::Ahead { .. } => 409,
                MigrationError::Failed { .. } | MigrationError::Database(_) => 500,
            };
            eprintln!("internal: migration refused: {e}");
            let problem = Problem::new(status, "Migration failed").with_detail(e.to_string());
            let mut reply = Reply::json(status, &problem)?;
            reply.set_header("content-type", "application/problem+json");
            Ok(reply)
        }
    }
}
