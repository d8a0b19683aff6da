//! RFC 9457 problem details: what every error answer of the API looks like.

use serde::Serialize;

/// One field-level complaint inside a 422 (`errors` extension member).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON pointer or parameter name of the offending input.
    pub field: String,
    /// Stable machine-readable code, e.g. `invalid_iin`, for clients to translate.
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The occurrence: `urn:jaria:request:<request id>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request id alone (also in the `x-request-id` header), for people to quote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// What NITEC's eGov mobile app shows the person (it reads `message`, not `detail`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The proof of work a sign-in from this address must carry now (`work_required`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_bits: Option<u8>,
    /// Seconds a client should wait before retrying (sent as `Retry-After`, not in the body).
    #[serde(skip)]
    pub retry_after: Option<u32>,
}

impl Problem {
    pub fn new(status: u16, title: &str) -> Self {
        Self {
            kind: "about:blank".to_owned(),
            title: title.to_owned(),
            status,
            detail: None,
            instance: None,
            request_id: None,
            errors: Vec::new(),
            message: None,
            work_bits: None,
            retry_after: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| {
            format!(
                r#"{{"type":"about:blank","title":"Error","status":{}}}"#,
                self.status
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_rfc9457_members() {
        let mut p = Problem::new(422, "Unprocessable Content").with_detail("bad");
        p.errors.push(FieldError {
            field: "iin".into(),
            code: "invalid_iin".into(),
            message: "check digit".into(),
        });
        let v: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(v["type"], "about:blank");
        assert_eq!(v["status"], 422);
        assert_eq!(v["detail"], "bad");
        assert_eq!(v["errors"][0]["code"], "invalid_iin");
        assert!(v.get("retry_after").is_none());
    }

    #[test]
    fn empty_members_are_omitted() {
        let v: serde_json::Value =
            serde_json::from_str(&Problem::new(404, "Not Found").to_json()).unwrap();
        assert!(v.get("detail").is_none());
        assert!(v.get("errors").is_none());
    }
}
