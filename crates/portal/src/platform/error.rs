//! One error type for every handler, turned into an HTTP answer in exactly one place
//! ([`ApiError::to_problem`]). Internal details are logged, never sent to the client.

use crate::platform::problem::{FieldError, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    /// Credentials were presented and refused (a bad signature, an expired certificate): 401
    /// with the reasons, so the person can fix what they sent.
    #[error("credentials rejected: {0:?}")]
    Rejected(Vec<FieldError>),
    #[error("forbidden")]
    Forbidden,
    /// An officer acting on a matter that concerns themselves.
    #[error("self-dealing refused")]
    SelfDealing,
    /// Also the answer for things the caller may not know exist: no existence leak.
    #[error("not found")]
    NotFound,
    /// The eGov mobile app is refused (`crate::identity::egov_mobile`): 403 whose `message` the app
    /// shows the person, in their language.
    #[error("signing refused: {code}")]
    SigningRefused {
        code: &'static str,
        message: &'static str,
    },
    #[error("method not allowed")]
    MethodNotAllowed { allow: &'static str },
    #[error("conflict: {0}")]
    Conflict(String),
    /// The case went back to paper (CPC art. 42-1) on `since`: the portal takes nothing new
    /// for it.
    #[error("case on paper since {since}")]
    CaseOnPaper { since: String },
    #[error("unprocessable: {0:?}")]
    Unprocessable(Vec<FieldError>),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// The body is larger than this address takes.
    #[error("payload too large (limit {limit})")]
    PayloadTooLarge { limit: usize },
    /// The body stalled or trickled past the deadline.
    #[error("request timeout")]
    RequestTimeout,
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u32 },
    /// This address failed to sign in many times lately: an EDS sign-in from it must carry a
    /// proof of work of `bits` over its challenge (429, `work_required`, and `work_bits`).
    #[error("proof of work required ({bits} bits)")]
    WorkRequired { bits: u8 },
    /// The deployment's storage limit is reached (`storage_limit_bytes`): 507.
    #[error("insufficient storage")]
    InsufficientStorage,
    /// The database schema is older than this code needs: the deployment must be migrated.
    #[error("schema at version {found}, code needs {required}")]
    SchemaBehind { found: i64, required: i64 },
    /// A dependency the person can do nothing about is down (say, the CA's OCSP responder):
    /// 503 with this explanation and `Retry-After`.
    #[error("service unavailable: {0}")]
    ServiceUnavailable(String),
    /// Storage or another dependency is down: the client may retry.
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(field: &str, code: &str, message: &str) -> Self {
        ApiError::Unprocessable(vec![FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.to_owned(),
        }])
    }

    /// The field and code of a 422's first error, for tests; panics on any other error.
    #[cfg(test)]
    pub(crate) fn first_field_error(self) -> (String, String) {
        match self {
            ApiError::Unprocessable(errors) => (errors[0].field.clone(), errors[0].code.clone()),
            other => panic!("not refused as invalid: {other:?}"),
        }
    }

    /// A field that belongs to a request exactly when `wanted`: its value, or `required`
    /// (422) when wanted and absent, or `not_allowed` (422) when present and not wanted.
    pub fn only_when<T>(
        field: &str,
        wanted: bool,
        value: Option<T>,
        why_required: &str,
        why_not_allowed: &str,
    ) -> Result<Option<T>, ApiError> {
        match (wanted, value) {
            (true, None) => Err(ApiError::invalid(field, "required", why_required)),
            (false, Some(_)) => Err(ApiError::invalid(field, "not_allowed", why_not_allowed)),
            (_, value) => Ok(value),
        }
    }

    pub fn status(&self) -> u16 {
        self.to_problem().status
    }

    pub fn to_problem(&self) -> Problem {
        match self {
            ApiError::BadRequest(detail) => Problem::new(400, "Bad Request").with_detail(detail),
            ApiError::Unauthorized => {
                Problem::new(401, "Unauthorized").with_detail("Sign in to use this resource.")
            }
            ApiError::Rejected(errors) => {
                let mut p = Problem::new(401, "Unauthorized")
                    .with_detail("The credentials were not accepted.");
                p.errors = errors.clone();
                p
            }
            ApiError::Forbidden => {
                Problem::new(403, "Forbidden").with_detail("You may not perform this action.")
            }
            ApiError::SelfDealing => {
                let mut p = Problem::new(403, "Forbidden").with_detail(
                    "An officer cannot decide a matter that concerns themselves: another official must.",
                );
                p.errors.push(FieldError {
                    field: "".into(),
                    code: "self_dealing".into(),
                    message: "The matter concerns you.".into(),
                });
                p
            }
            ApiError::NotFound => {
                Problem::new(404, "Not Found").with_detail("No resource exists at this address.")
            }
            ApiError::SigningRefused { code, message } => {
                let mut p = Problem::new(403, "Forbidden").with_detail(*message);
                p.message = Some((*message).to_owned());
                p.errors.push(FieldError {
                    field: "".into(),
                    code: (*code).into(),
                    message: (*message).into(),
                });
                p
            }
            ApiError::MethodNotAllowed { .. } => Problem::new(405, "Method Not Allowed")
                .with_detail("This resource does not support the request method."),
            ApiError::Conflict(detail) => Problem::new(409, "Conflict").with_detail(detail),
            ApiError::CaseOnPaper { since } => {
                let mut p = Problem::new(409, "Conflict").with_detail(format!(
                    "Since {since} this case is conducted on paper (CPC art. 42-1): the portal shows it read-only and takes nothing new for it. Address the body conducting it in writing."
                ));
                p.errors.push(FieldError {
                    field: "".into(),
                    code: "case_on_paper".into(),
                    message: format!("On paper since {since}."),
                });
                p
            }
            ApiError::Unprocessable(errors) => {
                let mut p = Problem::new(422, "Unprocessable Content")
                    .with_detail("The request contains invalid data.");
                p.errors = errors.clone();
                p
            }
            ApiError::UnsupportedMediaType(detail) => {
                Problem::new(415, "Unsupported Media Type").with_detail(detail)
            }
            ApiError::PayloadTooLarge { limit } => Problem::new(413, "Content Too Large")
                .with_detail(format!(
                    "The request body is larger than this address takes ({limit} bytes)."
                )),
            ApiError::RequestTimeout => Problem::new(408, "Request Timeout")
                .with_detail("The request body did not arrive in time."),
            ApiError::TooManyRequests { retry_after_secs } => {
                let mut p = Problem::new(429, "Too Many Requests")
                    .with_detail("Too many attempts. Wait before trying again.");
                p.retry_after = Some(*retry_after_secs);
                p
            }
            ApiError::WorkRequired { bits } => {
                let mut p = Problem::new(429, "Too Many Requests").with_detail(
                    "Many sign-ins from your network failed lately: your browser proves its effort first.",
                );
                p.errors = vec![FieldError {
                    field: "work".into(),
                    code: "work_required".into(),
                    message: format!(
                        "Send `work`: a string that makes SHA-256 of the nonce, a colon and it start with {bits} zero bits."
                    ),
                }];
                p.work_bits = Some(*bits);
                p
            }
            ApiError::InsufficientStorage => {
                let mut p = Problem::new(507, "Insufficient Storage").with_detail(
                    "The portal cannot store more files right now. Please try again later; the operators have been told.",
                );
                p.retry_after = Some(3600);
                p
            }
            ApiError::ServiceUnavailable(detail) => {
                let mut p = Problem::new(503, "Service Unavailable").with_detail(detail);
                p.retry_after = Some(5);
                p
            }
            ApiError::SchemaBehind { found, required } => {
                let mut p = Problem::new(503, "Service Unavailable").with_detail(format!(
                    "The portal is being upgraded: its database is at schema version {found} and this version needs {required}. Please retry shortly."
                ));
                p.retry_after = Some(5);
                p
            }
            ApiError::Unavailable(_) => {
                let mut p = Problem::new(503, "Service Unavailable")
                    .with_detail("The service is temporarily unavailable. Please retry shortly.");
                p.retry_after = Some(1);
                p
            }
            ApiError::Internal(_) => Problem::new(500, "Internal Server Error")
                .with_detail("The request could not be completed. It has been logged."),
        }
    }

    /// Whether the cause must be written to the log (the client sees only the problem).
    pub fn is_server_side(&self) -> bool {
        matches!(
            self,
            ApiError::Unavailable(_) | ApiError::Internal(_) | ApiError::SchemaBehind { .. }
        )
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::BadRequest(format!("The request body is not valid JSON: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status() {
        let cases = [
            (ApiError::BadRequest("x".into()), 400),
            (ApiError::Unauthorized, 401),
            (ApiError::Rejected(vec![]), 401),
            (ApiError::Forbidden, 403),
            (ApiError::SelfDealing, 403),
            (ApiError::NotFound, 404),
            (ApiError::MethodNotAllowed { allow: "GET" }, 405),
            (ApiError::Conflict("x".into()), 409),
            (
                ApiError::CaseOnPaper {
                    since: "2026-01-01".into(),
                },
                409,
            ),
            (ApiError::UnsupportedMediaType("x".into()), 415),
            (ApiError::PayloadTooLarge { limit: 1 }, 413),
            (ApiError::RequestTimeout, 408),
            (ApiError::invalid("iin", "invalid_iin", "bad"), 422),
            (
                ApiError::TooManyRequests {
                    retry_after_secs: 5,
                },
                429,
            ),
            (ApiError::Unavailable("db".into()), 503),
            (
                ApiError::SchemaBehind {
                    found: 5,
                    required: 6,
                },
                503,
            ),
            (ApiError::Internal("boom".into()), 500),
        ];
        for (err, status) in cases {
            assert_eq!(err.status(), status, "{err}");
        }
    }

    #[test]
    fn internals_never_reach_the_client() {
        let p = ApiError::Internal("secret stack trace".into()).to_problem();
        assert!(!p.to_json().contains("secret"));
        let p = ApiError::Unavailable("sqlite: disk I/O error".into()).to_problem();
        assert!(!p.to_json().contains("sqlite"));
        assert_eq!(p.retry_after, Some(1));
    }
}
