//! Passwords, only for people already proven by EDS: the policy (length, not the IIN, not a
//! common choice) and Argon2id with one of OWASP's equally strong parameter sets: 7 MiB,
//! 5 passes, 1 lane. The same work as its 19 MiB × 2 set, in a third of the memory: with
//! instances reused, each instance that ever hashed keeps the memory it grew to, and a burst of
//! sign-ins on real Spin makes an instance per sign-in (a worker busy on the CPU takes no
//! second request). Hashes stored with other parameters still verify: a PHC string names its
//! own.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::law::iin::Iin;
use crate::platform::error::ApiError;

pub const MIN_CHARS: usize = 12;
/// Bounds the work one request can ask of Argon2.
pub const MAX_BYTES: usize = 256;

const COMMON: &str = include_str!("../../data/common-passwords.txt");

/// Why a new password is refused; each has a stable code for clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the password must have at least 12 characters")]
    TooShort,
    #[error("the password is too long")]
    TooLong,
    #[error("the password must not contain your IIN")]
    ContainsIin,
    #[error("the password is one of the most common passwords")]
    Common,
}

impl PolicyError {
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::TooShort => "password_too_short",
            PolicyError::TooLong => "password_too_long",
            PolicyError::ContainsIin => "password_contains_iin",
            PolicyError::Common => "password_common",
        }
    }
}

impl From<PolicyError> for ApiError {
    fn from(e: PolicyError) -> Self {
        ApiError::invalid("password", e.code(), &e.to_string())
    }
}

pub fn check_policy(password: &str, iin: &Iin) -> Result<(), PolicyError> {
    if password.len() > MAX_BYTES {
        return Err(PolicyError::TooLong);
    }
    if password.chars().count() < MIN_CHARS {
        return Err(PolicyError::TooShort);
    }
    if password.contains(iin.as_str()) {
        return Err(PolicyError::ContainsIin);
    }
    let lower = password.to_lowercase();
    let common = COMMON
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l == lower);
    if common {
        return Err(PolicyError::Common);
    }
    Ok(())
}

fn hasher() -> Result<Argon2<'static>, ApiError> {
    let params = Params::new(7 * 1024, 5, 1, None)
        .map_err(|e| ApiError::Internal(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A PHC string for storage.
pub fn hash(password: &str, salt: &[u8; 16]) -> Result<String, ApiError> {
    let salt = SaltString::encode_b64(salt).map_err(|e| ApiError::Internal(e.to_string()))?;
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("argon2: {e}")))
}

/// Checks a password against its stored hash. With no stored hash (unknown IIN, no password
/// set, officer), it does the same work against nothing and fails, so the answer takes the
/// same time whether or not the account exists.
pub fn verify(password: &str, stored: Option<&str>) -> Result<bool, ApiError> {
    let argon = hasher()?;
    let parsed = stored.and_then(|s| PasswordHash::new(s).ok());
    match parsed {
        Some(hash) if password.len() <= MAX_BYTES => {
            Ok(argon.verify_password(password.as_bytes(), &hash).is_ok())
        }
        _ => {
            let mut out = [0u8; 32];
            let bounded = &password.as_bytes()[..password.len().min(MAX_BYTES)];
            argon
                .hash_password_into(bounded, b"jaria-dummy-salt", &mut out)
                .map_err(|e| ApiError::Internal(format!("argon2: {e}")))?;
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iin() -> Iin {
        Iin::parse("791028302728").unwrap()
    }

    #[test]
    fn policy_rules() {
        assert_eq!(check_policy("short", &iin()), Err(PolicyError::TooShort));
        assert_eq!(
            check_policy("ab791028302728cd", &iin()),
            Err(PolicyError::ContainsIin)
        );
        assert_eq!(
            check_policy("Password1234", &iin()),
            Err(PolicyError::Common)
        );
        assert_eq!(
            check_policy("123456789012", &iin()),
            Err(PolicyError::Common)
        );
        assert_eq!(
            check_policy(&"x".repeat(300), &iin()),
            Err(PolicyError::TooLong)
        );
        assert!(check_policy("correct horse battery", &iin()).is_ok());
        // Length counts characters, not bytes: 12 Cyrillic letters pass.
        assert!(check_policy("ЖарияСекторК", &iin()).is_ok());
    }

    #[test]
    fn hash_uses_argon2id_owasp_parameters_and_verifies() {
        let stored = hash("correct horse battery", &[7u8; 16]).unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"),
            "{stored}"
        );
        assert!(verify("correct horse battery", Some(&stored)).unwrap());
        assert!(!verify("wrong horse battery", Some(&stored)).unwrap());
        // A hash made with the earlier parameters (19 MiB, 2 passes) still verifies.
        let earlier = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(19 * 1024, 2, 1, None).unwrap(),
        )
        .hash_password(
            b"correct horse battery",
            &SaltString::encode_b64(&[9u8; 16]).unwrap(),
        )
        .unwrap()
        .to_string();
        assert!(earlier.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", Some(&earlier)).unwrap());
    }

    #[test]
    fn verifying_without_an_account_fails_without_error() {
        assert!(!verify("anything at all", None).unwrap());
        assert!(!verify("anything at all", Some("not a phc string")).unwrap());
    }
}
