//! Settings are Spin variables (never files or the host's environment), so the same component
//! reads them under this host, `spin up` and SpinKube alike. Each variable of `spin.toml` has
//! one [`Variable`] constant here, the only name code uses for it (a unit test keeps the two
//! lists equal), read through its typed accessors.
//!
//! An instance reads each variable once and keeps what it read for the rest of its life (a
//! reused instance lives for at most a few hundred requests): variables are the deployment's,
//! the same for every request, and a secret rotated by its provider reaches new instances
//! within seconds. This is the second of the two statics request handling may touch.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::platform::error::ApiError;

thread_local! {
    /// Variables this instance has read: the value, or why there is none.
    static READ: RefCell<HashMap<String, Result<String, String>>> = RefCell::new(HashMap::new());
}

async fn get(name: &str) -> Result<String, String> {
    if let Some(known) = READ.with(|read| read.borrow().get(name).cloned()) {
        return known;
    }
    let value = spin_sdk::variables::get(name)
        .await
        .map_err(|e| e.to_string());
    READ.with(|read| {
        read.borrow_mut().insert(name.to_owned(), value.clone());
    });
    value
}

/// A required variable: missing means the deployment is misconfigured (503, logged).
async fn required(name: &str) -> Result<String, ApiError> {
    get(name)
        .await
        .map_err(|e| ApiError::Unavailable(format!("variable `{name}`: {e}")))
}

/// An optional variable.
async fn optional(name: &str) -> Option<String> {
    get(name).await.ok()
}

/// A variable holding a positive whole number, or `default` when it is unset, empty or not
/// one (a limit set to nonsense falls back to the shipped value, never to "no limit").
async fn positive_number(name: &str, default: i64) -> i64 {
    optional(name)
        .await
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// One of the application's Spin variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Variable(&'static str);

impl Variable {
    pub const fn name(self) -> &'static str {
        self.0
    }

    /// Its value, if the runtime has one.
    pub async fn optional(self) -> Option<String> {
        optional(self.0).await
    }

    /// Its value, trimmed, if set to anything but blanks.
    pub async fn non_empty(self) -> Option<String> {
        self.optional()
            .await
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// Its value; missing means the deployment is misconfigured (503, logged).
    pub async fn required(self) -> Result<String, ApiError> {
        required(self.0).await
    }

    /// A positive whole number, or `default` when it is unset, empty or not one (a limit set
    /// to nonsense falls back to the shipped value, never to "no limit").
    pub async fn positive_number(self, default: i64) -> i64 {
        positive_number(self.0, default).await
    }
}

pub const AUDIT_SIGNING_KEY: Variable = Variable("audit_signing_key");
pub const BOOTSTRAP_ADMIN_IINS: Variable = Variable("bootstrap_admin_iins");
pub const CLIENT_IP_HEADER: Variable = Variable("client_ip_header");
pub const CRIME_REPORT_REGISTRATION_HOURS: Variable = Variable("crime_report_registration_hours");
pub const EDS_CERTIFICATE_POLICIES: Variable = Variable("eds_certificate_policies");
pub const EDS_ISSUING_CAS: Variable = Variable("eds_issuing_cas");
pub const EDS_SIGN_IN_PURPOSES: Variable = Variable("eds_sign_in_purposes");
pub const EDS_TEST_IINS: Variable = Variable("eds_test_iins");
pub const EDS_TRUST_ANCHORS: Variable = Variable("eds_trust_anchors");
pub const FILINGS_PER_PERSON_PER_DAY: Variable = Variable("filings_per_person_per_day");
pub const INTERNAL_TOKEN: Variable = Variable("internal_token");
pub const LOCKOUT_CLIENT_FAILURES: Variable = Variable("lockout_client_failures");
pub const LOCKOUT_IIN_FAILURES: Variable = Variable("lockout_iin_failures");
pub const NOTIFY_MAX_ATTEMPTS: Variable = Variable("notify_max_attempts");
pub const NOTIFY_RETRY_BASE_SECS: Variable = Variable("notify_retry_base_secs");
pub const NOTIFY_WEBHOOK_ORIGIN: Variable = Variable("notify_webhook_origin");
pub const NOTIFY_WEBHOOK_SECRET: Variable = Variable("notify_webhook_secret");
pub const NOTIFY_WEBHOOK_TIMEOUT_MS: Variable = Variable("notify_webhook_timeout_ms");
pub const NOTIFY_WEBHOOK_URL: Variable = Variable("notify_webhook_url");
pub const OCSP_CACHE_SECS: Variable = Variable("ocsp_cache_secs");
pub const OCSP_REQUIRE_NONCE: Variable = Variable("ocsp_require_nonce");
pub const OCSP_RESPONDER: Variable = Variable("ocsp_responder");
pub const OCSP_TIMEOUT_MS: Variable = Variable("ocsp_timeout_ms");
pub const OPERATOR_BIN: Variable = Variable("operator_bin");
pub const OPERATOR_NAME_EN: Variable = Variable("operator_name_en");
pub const OPERATOR_NAME_KK: Variable = Variable("operator_name_kk");
pub const OPERATOR_NAME_RU: Variable = Variable("operator_name_ru");
pub const PENDING_ACCESS_REQUESTS_PER_PERSON: Variable =
    Variable("pending_access_requests_per_person");
pub const PORTAL_ORIGIN: Variable = Variable("portal_origin");
pub const READ_LOG_RETENTION_DAYS: Variable = Variable("read_log_retention_days");
pub const RECEIPT_PREVIOUS_PUBLIC_KEYS: Variable = Variable("receipt_previous_public_keys");
pub const RECEIPT_SIGNING_KEY: Variable = Variable("receipt_signing_key");
pub const REVOCATION_CHECK_FAILURE: Variable = Variable("revocation_check_failure");
pub const SESSION_IDLE_TIMEOUT_SECS: Variable = Variable("session_idle_timeout_secs");
pub const SESSION_LIFETIME_SECS: Variable = Variable("session_lifetime_secs");
pub const SIGNATURE_FAILURES_PER_PERSON: Variable = Variable("signature_failures_per_person");
pub const SMS_DIGEST_DELAY_SECS: Variable = Variable("sms_digest_delay_secs");
pub const SMS_PER_PERSON_PER_DAY: Variable = Variable("sms_per_person_per_day");
pub const STORAGE_LIMIT_BYTES: Variable = Variable("storage_limit_bytes");
pub const TRUSTED_PROXIES: Variable = Variable("trusted_proxies");
pub const UPLOAD_BYTES_PER_PERSON_PER_DAY: Variable = Variable("upload_bytes_per_person_per_day");
pub const UPLOADS_PER_PERSON_PER_DAY: Variable = Variable("uploads_per_person_per_day");

/// Every variable, as `spin.toml` declares them.
pub const ALL: &[Variable] = &[
    AUDIT_SIGNING_KEY,
    BOOTSTRAP_ADMIN_IINS,
    CLIENT_IP_HEADER,
    CRIME_REPORT_REGISTRATION_HOURS,
    EDS_CERTIFICATE_POLICIES,
    EDS_ISSUING_CAS,
    EDS_SIGN_IN_PURPOSES,
    EDS_TEST_IINS,
    EDS_TRUST_ANCHORS,
    FILINGS_PER_PERSON_PER_DAY,
    INTERNAL_TOKEN,
    LOCKOUT_CLIENT_FAILURES,
    LOCKOUT_IIN_FAILURES,
    NOTIFY_MAX_ATTEMPTS,
    NOTIFY_RETRY_BASE_SECS,
    NOTIFY_WEBHOOK_ORIGIN,
    NOTIFY_WEBHOOK_SECRET,
    NOTIFY_WEBHOOK_TIMEOUT_MS,
    NOTIFY_WEBHOOK_URL,
    OCSP_CACHE_SECS,
    OCSP_REQUIRE_NONCE,
    OCSP_RESPONDER,
    OCSP_TIMEOUT_MS,
    OPERATOR_BIN,
    OPERATOR_NAME_EN,
    OPERATOR_NAME_KK,
    OPERATOR_NAME_RU,
    PENDING_ACCESS_REQUESTS_PER_PERSON,
    PORTAL_ORIGIN,
    READ_LOG_RETENTION_DAYS,
    RECEIPT_PREVIOUS_PUBLIC_KEYS,
    RECEIPT_SIGNING_KEY,
    REVOCATION_CHECK_FAILURE,
    SESSION_IDLE_TIMEOUT_SECS,
    SESSION_LIFETIME_SECS,
    SIGNATURE_FAILURES_PER_PERSON,
    SMS_DIGEST_DELAY_SECS,
    SMS_PER_PERSON_PER_DAY,
    STORAGE_LIMIT_BYTES,
    TRUSTED_PROXIES,
    UPLOAD_BYTES_PER_PERSON_PER_DAY,
    UPLOADS_PER_PERSON_PER_DAY,
];

#[cfg(test)]
mod tests {
    /// The constants name exactly the variables the manifest declares: a variable the code reads
    /// but the manifest lacks would fail at runtime on real Spin, one it declares but the code
    /// never names is dead configuration.
    #[test]
    fn every_variable_of_the_manifest_has_one_constant() {
        let manifest: toml::Table = include_str!("../../../../spin.toml").parse().unwrap();
        let mut declared: Vec<&str> = manifest["variables"]
            .as_table()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        declared.sort_unstable();
        let mut named: Vec<&str> = super::ALL.iter().map(|v| v.name()).collect();
        named.sort_unstable();
        assert_eq!(named, declared);
    }
}
