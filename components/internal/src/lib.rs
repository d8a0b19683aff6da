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
use jaria_portal::platform::db::Db;
use jaria_portal::platform::problem::Problem;
use jaria_portal::platform::schema::{self, MigrationError};
use jaria_portal::{ApiError, identity::auth, tick};

jaria_portal::entry!("internal", route);

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

async fn operator(req: &Request) -> Actor {
    Actor {
        iin: None,
        role: "operator".into(),
        client_addr: auth::client_addr(req).await,
        request: jaria_portal::audit::RequestIds::of(req),
    }
}

/// The periodic work (`jaria_portal::tick::run`), as the operator who called it.
async fn tick(req: &Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let actor = operator(req).await;
    Reply::json(200, &tick::run::run(&db, &actor).await?)
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
            jaria_portal::log_line!("internal: migration refused: {e}");
            let problem = Problem::new(status, "Migration failed").with_detail(e.to_string());
            let mut reply = Reply::json(status, &problem)?;
            reply.set_header("content-type", "application/problem+json");
            Ok(reply)
        }
    }
}
