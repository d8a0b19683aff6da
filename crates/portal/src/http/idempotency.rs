//! `Idempotency-Key`: a creating request sent again (the network failed before the answer
//! came) is answered with what the first one made, never made twice; the same key with a
//! different request is refused, not taken as the first. The request is known by the SHA-256
//! of its body, kept beside what it made.

use sha2::{Digest, Sha256};

use super::{Request, valid_idempotency_key};
use crate::ApiError;

/// A creating request's key and the digest of what it asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotent {
    pub key: String,
    pub request_sha256: String,
}

/// What an earlier request under the same key makes of this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// No earlier request: this one is to be made.
    New,
    /// The same request again: answer with what the first made.
    Same(T),
    /// The key was used with a different request.
    ReusedKey,
}

impl Idempotent {
    /// The key a creating request must carry (400 without a valid one), and its body's digest.
    pub fn of(req: &Request) -> Result<Self, ApiError> {
        Self::new(req.header("idempotency-key").unwrap_or(""), req.body())
    }

    pub fn new(key: &str, body: &[u8]) -> Result<Self, ApiError> {
        let key = key.trim();
        if !valid_idempotency_key(key) {
            return Err(ApiError::BadRequest(
                "An Idempotency-Key header (1 to 128 letters, digits, '-', '_', '.', ':') is required."
                    .into(),
            ));
        }
        Ok(Idempotent {
            key: key.to_owned(),
            request_sha256: hex::encode(Sha256::digest(body)),
        })
    }

    /// Compares this request with what was stored under its key (what it made and the digest
    /// of its request), if anything was.
    pub fn compare<T>(&self, earlier: Option<(T, String)>) -> Outcome<T> {
        match earlier {
            None => Outcome::New,
            Some((made, sha)) if sha == self.request_sha256 => Outcome::Same(made),
            Some(_) => Outcome::ReusedKey,
        }
    }
}

impl<T> Outcome<T> {
    /// What the first request made, if this is its retry; a reused key is 422 on the header.
    pub fn into_earlier(self) -> Result<Option<T>, ApiError> {
        match self {
            Outcome::New => Ok(None),
            Outcome::Same(made) => Ok(Some(made)),
            Outcome::ReusedKey => Err(ApiError::invalid(
                "Idempotency-Key",
                "idempotency_key_reused",
                "This Idempotency-Key was used with a different request.",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Idempotent, Outcome};

    #[test]
    fn a_key_is_required_and_trimmed() {
        assert_eq!(Idempotent::new(" k-1 ", b"{}").unwrap().key, "k-1");
        for bad in ["", "  ", "a b", "ключ", &"k".repeat(129)] {
            let refused = Idempotent::new(bad, b"{}").unwrap_err().to_problem();
            assert_eq!(refused.status, 400, "{bad:?}");
        }
    }

    #[test]
    fn the_same_request_is_its_retry_and_another_under_its_key_is_refused() {
        let first = Idempotent::new("k", br#"{"text":"a"}"#).unwrap();
        let same = Idempotent::new("k", br#"{"text":"a"}"#).unwrap();
        let other = Idempotent::new("k", br#"{"text":"b"}"#).unwrap();
        let stored = Some((7, first.request_sha256.clone()));
        assert_eq!(first.compare::<i32>(None), Outcome::New);
        assert_eq!(same.compare(stored.clone()), Outcome::Same(7));
        assert_eq!(other.compare(stored.clone()), Outcome::ReusedKey);
        assert_eq!(
            same.compare(stored.clone()).into_earlier().unwrap(),
            Some(7)
        );
        assert_eq!(Outcome::<i32>::New.into_earlier().unwrap(), None);
        let refused = other
            .compare(stored)
            .into_earlier()
            .unwrap_err()
            .to_problem();
        assert_eq!(refused.status, 422);
        assert_eq!(refused.errors[0].code, "idempotency_key_reused");
    }
}
