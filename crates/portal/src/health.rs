//! Every component's health routes:
//!
//! - `GET <prefix>/health/live`: the instance runs. No store is touched, so a liveness probe
//!   every few seconds costs nothing and never fails because a store is slow.
//! - `GET <prefix>/health/ready`: whether this component can serve now — the schema at the
//!   version the code needs, the variables it needs set and well-formed, the database and the
//!   key-value store answering a read. 200 or 503, JSON naming each check. Reads only.
//! - `GET <prefix>/health`: the deep check for people, not for probes: it writes and reads the
//!   key-value store and queries the database, answering what it saw.

use serde::Serialize;
use spin_sdk::sqlite::Value;

use crate::http::Reply;
use crate::platform::error::ApiError;
use crate::platform::settings::{self, Variable};
use crate::platform::storage;

#[derive(Debug, Serialize)]
pub struct Health {
    pub component: &'static str,
    pub status: &'static str,
    pub key_value: KeyValueCheck,
    pub sqlite: SqliteCheck,
    pub law: LawCheck,
}

/// The law data this build carries: whether it is valid, and until when the calendar of days
/// off is known, with a warning 60 days before it runs out.
#[derive(Debug, Serialize)]
pub struct LawCheck {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar_valid_through: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

fn law_check() -> LawCheck {
    match crate::law::shipped() {
        Ok(law) => LawCheck {
            ok: true,
            error: None,
            calendar_valid_through: Some(law.calendar_valid_through.to_string()),
            warning: crate::law::calendar_warning(
                law.calendar_valid_through,
                crate::platform::clock::almaty_date(crate::platform::clock::now()),
            ),
        },
        Err(e) => LawCheck {
            ok: false,
            error: Some(e.to_string()),
            calendar_valid_through: None,
            warning: None,
        },
    }
}

#[derive(Debug, Serialize)]
pub struct KeyValueCheck {
    pub key: String,
    pub wrote: String,
    pub read_back: bool,
}

#[derive(Debug, Serialize)]
pub struct SqliteCheck {
    /// Number of schema migrations recorded as applied.
    pub migrations_applied: i64,
}

/// A value that differs on every call, so a stale read cannot pass for a fresh one.
fn probe_value(component: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("random: {e}")))?;
    Ok(format!("{component}-{:016x}", u64::from_le_bytes(bytes)))
}

pub async fn check(component: &'static str) -> Result<Reply, ApiError> {
    let store = storage::kv().await?;
    let key = format!("health:{component}");
    let wrote = probe_value(component)?;
    storage::kv_set(&store, &key, wrote.as_bytes()).await?;
    let read_back = storage::kv_get(&store, &key).await?.as_deref() == Some(wrote.as_bytes());

    let db = crate::platform::db::Db::open().await?;
    let result = db
        .query(
            "SELECT count(*) FROM schema_migrations WHERE version > ?",
            &[Value::Integer(0)],
        )
        .await?;
    let migrations_applied = result
        .rows
        .first()
        .and_then(|row| row.get::<i64>(0))
        .ok_or_else(|| ApiError::Internal("count(*) returned no row".into()))?;

    let law = law_check();
    let healthy = read_back && law.ok;
    Reply::json(
        if healthy { 200 } else { 503 },
        &Health {
            component,
            status: if healthy { "ok" } else { "degraded" },
            key_value: KeyValueCheck {
                key,
                wrote,
                read_back,
            },
            sqlite: SqliteCheck { migrations_applied },
            law,
        },
    )
}

/// The health routes; `None` for any other path.
pub async fn route(
    component: &'static str,
    req: &crate::http::Request,
) -> Option<Result<Reply, ApiError>> {
    let path = req.path();
    if !matches!(path, "/health" | "/health/live" | "/health/ready") {
        return None;
    }
    if req.method() != crate::http::Method::Get {
        return Some(Err(ApiError::MethodNotAllowed { allow: "GET" }));
    }
    Some(match path {
        "/health" => check(component).await,
        "/health/live" => live(component),
        _ => {
            // The details (which secrets are set, why one is unusable, the schema's version)
            // are the operator's; a probe needs only the verdict. The token is looked up only
            // when a credential is sent: probes send none.
            let operator = crate::identity::auth::header(req, "authorization").is_some()
                && crate::identity::auth::carries_internal_token(req).await == Some(true);
            ready(component, operator).await
        }
    })
}

pub fn live(component: &'static str) -> Result<Reply, ApiError> {
    Reply::json(
        200,
        &serde_json::json!({"component": component, "status": "live"}),
    )
}

/// A variable a component cannot serve without, and what makes its value usable.
struct Needed {
    variable: Variable,
    /// Required: not ready while empty. Optional: checked only when set.
    required: bool,
    usable: Usable,
}

/// How a set variable is found usable.
enum Usable {
    /// By its value alone.
    Value(fn(&str) -> Result<(), String>),
    /// With the other variables it goes with (the delivery webhook).
    Webhook,
}

impl Usable {
    async fn check(&self, value: &str) -> Result<(), String> {
        match self {
            Usable::Value(check) => check(value),
            Usable::Webhook => crate::notice::delivery::Webhook::configured()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        }
    }
}

fn trust_anchors_usable(pem: &str) -> Result<(), String> {
    crate::identity::eds::Policy::from_config(pem, None)
        .map(drop)
        .map_err(|e| e.to_string())
}

fn issuing_cas_usable(pem: &str) -> Result<(), String> {
    crate::identity::eds::Pins::parse(Some(pem), None)
        .map(drop)
        .map_err(|e| e.to_string())
}

fn policies_usable(text: &str) -> Result<(), String> {
    crate::identity::eds::Pins::parse(None, Some(text))
        .map(drop)
        .map_err(|e| e.to_string())
}

fn purposes_usable(text: &str) -> Result<(), String> {
    crate::identity::eds::Purposes::parse(Some(text))
        .map(drop)
        .map_err(|e| e.to_string())
}

fn receipt_key_usable(seed: &str) -> Result<(), String> {
    crate::filing::receipt::signing_key(seed)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// The components whose manifest entry passes `audit_signing_key` (they write audit rows).
const AUDITING_COMPONENTS: [&str; 7] = [
    "login", "cases", "filing", "status", "officer", "admin", "internal",
];

/// The audit key: set, it must be a key; unset, the deployment is ready but says the log is
/// not signed (anyone with the database file could rewrite it whole, undetected).
fn audit_key_check(value: Option<&str>) -> Result<Option<String>, String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(text) => crate::audit::parse_checkpoint_key(text)
            .map(|_| None)
            .map_err(|e| format!("set but unusable: {e}")),
        None => Ok(Some(
            "warning: the audit log is not signed (no audit_signing_key): someone with the database file could rewrite it whole without it showing".to_owned(),
        )),
    }
}

fn non_empty(_: &str) -> Result<(), String> {
    Ok(())
}

/// What each component needs set before it is ready, and what it checks when set. The sign-in
/// needs the CAs it trusts (without them nobody can sign in), and so do filing and the
/// officers' side (they check the signatures of filings and decisions) and the admin's CRL
/// upload; filing signs every receipt, and retired receipt keys set wrong would stop old
/// receipts verifying; the operators' endpoints need their token, and a delivery webhook set
/// wrong would leave every e-mail and SMS waiting.
fn needed_variables(component: &str) -> &'static [Needed] {
    const ANCHORS: Needed = Needed {
        variable: settings::EDS_TRUST_ANCHORS,
        required: true,
        usable: Usable::Value(trust_anchors_usable),
    };
    const ISSUING_CAS: Needed = Needed {
        variable: settings::EDS_ISSUING_CAS,
        required: false,
        usable: Usable::Value(issuing_cas_usable),
    };
    const POLICIES: Needed = Needed {
        variable: settings::EDS_CERTIFICATE_POLICIES,
        required: false,
        usable: Usable::Value(policies_usable),
    };
    match component {
        "login" => &[
            ANCHORS,
            ISSUING_CAS,
            POLICIES,
            Needed {
                variable: settings::EDS_SIGN_IN_PURPOSES,
                required: false,
                usable: Usable::Value(purposes_usable),
            },
        ],
        "admin" | "officer" => &[ANCHORS, ISSUING_CAS, POLICIES],
        "filing" => &[
            ANCHORS,
            ISSUING_CAS,
            POLICIES,
            Needed {
                variable: settings::RECEIPT_SIGNING_KEY,
                required: true,
                usable: Usable::Value(receipt_key_usable),
            },
            Needed {
                variable: settings::RECEIPT_PREVIOUS_PUBLIC_KEYS,
                required: false,
                usable: Usable::Value(previous_receipt_keys_usable),
            },
        ],
        "internal" => &[
            Needed {
                variable: settings::INTERNAL_TOKEN,
                required: true,
                usable: Usable::Value(non_empty),
            },
            Needed {
                variable: settings::NOTIFY_WEBHOOK_URL,
                required: false,
                usable: Usable::Webhook,
            },
        ],
        _ => &[],
    }
}

fn previous_receipt_keys_usable(list: &str) -> Result<(), String> {
    crate::filing::receipt::previous_keys(list)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[derive(Debug, Serialize)]
pub struct Readiness {
    pub component: &'static str,
    /// `ready` or `not_ready`.
    pub status: &'static str,
    pub checks: Vec<ReadinessCheck>,
}

#[derive(Debug, Serialize)]
pub struct ReadinessCheck {
    pub name: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A check of something a deployment may leave unset: that it is there at all says how
    /// the deployment is configured, so only the operator sees it pass.
    #[serde(skip)]
    pub optional: bool,
}

impl ReadinessCheck {
    fn of(name: impl Into<String>, outcome: Result<Option<String>, String>) -> Self {
        match outcome {
            Ok(detail) => Self {
                name: name.into(),
                ok: true,
                detail,
                optional: false,
            },
            Err(detail) => Self {
                name: name.into(),
                ok: false,
                detail: Some(detail),
                optional: false,
            },
        }
    }

    fn optional(self) -> Self {
        Self {
            optional: true,
            ..self
        }
    }
}

/// Readiness: every check with its detail for the operator (`with_details`), the verdict and
/// the checks' names for anyone else.
pub async fn ready(component: &'static str, with_details: bool) -> Result<Reply, ApiError> {
    let mut checks = Vec::new();
    let version = match crate::platform::db::Db::open_unchecked().await {
        Ok(db) => db.one("PRAGMA user_version", &[]).await,
        Err(e) => Err(e),
    };
    let schema = version.map_err(|e| e.to_string()).and_then(|row| {
        let found = row.and_then(|r| r.get::<i64>(0)).unwrap_or(0);
        let required = crate::platform::schema::REQUIRED_VERSION;
        if found >= required {
            Ok(Some(format!("version {found}, this code needs {required}")))
        } else {
            Err(format!(
                "version {found}, this code needs {required}: POST /api/internal/migrate"
            ))
        }
    });
    checks.push(ReadinessCheck::of("sqlite_schema", schema));
    let kv = match storage::kv().await {
        Ok(store) => store
            .exists("health:ready")
            .await
            .map(|_| None)
            .map_err(|e| format!("key-value exists: {e}")),
        Err(e) => Err(e.to_string()),
    };
    checks.push(ReadinessCheck::of("key_value", kv));
    // The law data (visibility, deadlines, days off): never serve on a broken table.
    let law = crate::law::shipped()
        .map(|_| None)
        .map_err(|e| e.to_string());
    checks.push(ReadinessCheck::of("law", law));
    for needed in needed_variables(component) {
        let outcome = match needed.variable.optional().await {
            Some(value) if !value.trim().is_empty() => needed
                .usable
                .check(&value)
                .await
                .map(|()| None)
                .map_err(|e| format!("set but unusable: {e}")),
            // An optional variable left empty is fine; set, it must be usable.
            _ if !needed.required => continue,
            _ => Err("not set".to_owned()),
        };
        let check = ReadinessCheck::of(format!("variable:{}", needed.variable.name()), outcome);
        checks.push(if needed.required {
            check
        } else {
            check.optional()
        });
    }
    // Every component that writes audit rows holds the key (the web client writes none).
    if AUDITING_COMPONENTS.contains(&component) {
        checks.push(ReadinessCheck::of(
            "variable:audit_signing_key",
            audit_key_check(
                crate::platform::settings::AUDIT_SIGNING_KEY
                    .optional()
                    .await
                    .as_deref(),
            ),
        ));
    }
    if let Some(listed) = crate::platform::settings::EDS_TEST_IINS
        .optional()
        .await
        .filter(|v| !v.trim().is_empty())
    {
        // Ready, but never unnoticed: a production deployment must not accept test keys.
        let outcome = crate::identity::eds::parse_test_iins(Some(&listed))
            .map(|iins| {
                Some(format!(
                    "warning: staging only — NCA's test IINs {} sign in under the trusted test CA; empty this in production",
                    iins.join(", ")
                ))
            })
            .map_err(|e| format!("set but unusable: {e}"));
        checks.push(ReadinessCheck::of("variable:eds_test_iins", outcome).optional());
    }
    let is_ready = checks.iter().all(|c| c.ok);
    if !with_details {
        checks.retain(|c| !(c.optional && c.ok));
        for check in &mut checks {
            check.detail = None;
        }
    }
    let mut reply = Reply::json(
        if is_ready { 200 } else { 503 },
        &Readiness {
            component,
            status: if is_ready { "ready" } else { "not_ready" },
            checks,
        },
    )?;
    if !is_ready {
        reply.set_header("retry-after", "5");
    }
    Ok(reply)
}
