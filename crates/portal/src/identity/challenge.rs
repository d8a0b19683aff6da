//! Sign-in challenges that cost nothing to issue. A challenge is a nonce that carries its own
//! issue time and a MAC under the deployment's challenge key (over a label naming what it is,
//! the portal's origin, the time and 128 random bits), so issuing one writes nothing: anonymous traffic
//! cannot fill a table of live challenges, or push everyone else out of a shared cap. What
//! must be exact — that a challenge is answered once — is recorded at redemption, one row per
//! challenge spent, in SQLite (`spent_challenges`, keyed by the nonce: a race of two answers
//! stores one row), and the tick deletes rows past the challenge's life.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a challenge may be answered.
pub const TTL_SECS: i64 = 5 * 60;
/// How far two nodes' clocks may differ: a challenge dated this far ahead is still taken, and
/// an answered one is remembered this much longer than its life (a node whose clock is behind
/// still takes it for that long).
pub const FUTURE_SKEW_SECS: i64 = 60;
const RANDOM_BYTES: usize = 16;
const MAC_BYTES: usize = 16;
const NONCE_BYTES: usize = 8 + RANDOM_BYTES + MAC_BYTES;

/// The deployment's key for challenges (32 bytes, made once from WASI random and kept in the
/// database, so every node and instance shares it).
#[derive(Clone)]
pub struct ChallengeKey(pub [u8; 32]);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    #[error("the challenge is not one this portal issued")]
    NotIssued,
    #[error("the challenge has expired")]
    Expired,
}

/// The longest answer to a work demand taken (a counter in decimal needs far less).
const MAX_WORK_CHARS: usize = 32;

/// Whether `work` answers a demand of `bits` over `nonce`: SHA-256 of `nonce ‖ ":" ‖ work`
/// starts with `bits` zero bits. Binding the work to the single-use nonce makes each answer
/// good for one attempt only.
pub fn work_done(nonce: &str, work: &str, bits: u8) -> bool {
    use sha2::Digest as _;
    if bits == 0 {
        return true;
    }
    if work.is_empty() || work.len() > MAX_WORK_CHARS {
        return false;
    }
    let digest = Sha256::new()
        .chain_update(nonce.as_bytes())
        .chain_update(b":")
        .chain_update(work.as_bytes())
        .finalize();
    leading_zero_bits(&digest) >= u32::from(bits)
}

fn leading_zero_bits(bytes: &[u8]) -> u32 {
    let mut zeros = 0;
    for byte in bytes {
        if *byte == 0 {
            zeros += 8;
        } else {
            return zeros + byte.leading_zeros();
        }
    }
    zeros
}

/// An issued challenge's nonce: `base64url(issued_unix ‖ random ‖ mac)`.
pub fn issue(
    key: &ChallengeKey,
    origin: &str,
    issued_unix: i64,
    random: [u8; RANDOM_BYTES],
) -> String {
    let mut nonce = Vec::with_capacity(NONCE_BYTES);
    nonce.extend_from_slice(&issued_unix.to_be_bytes());
    nonce.extend_from_slice(&random);
    let mac = mac(key, origin, &nonce);
    nonce.extend_from_slice(&mac);
    URL_SAFE_NO_PAD.encode(nonce)
}

/// When `nonce` was issued, if this portal (at `origin`, under `key`) issued it and it is
/// still live at `now`. Whether it was already answered is the database's to say.
pub fn open(
    key: &ChallengeKey,
    origin: &str,
    nonce: &str,
    now: i64,
) -> Result<i64, ChallengeError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(nonce)
        .map_err(|_| ChallengeError::NotIssued)?;
    if bytes.len() != NONCE_BYTES {
        return Err(ChallengeError::NotIssued);
    }
    let (signed, given) = bytes.split_at(8 + RANDOM_BYTES);
    if !crate::platform::random::constant_time_eq(&mac(key, origin, signed), given) {
        return Err(ChallengeError::NotIssued);
    }
    let mut time = [0u8; 8];
    time.copy_from_slice(&signed[..8]);
    let issued_unix = i64::from_be_bytes(time);
    if now > issued_unix.saturating_add(TTL_SECS) || issued_unix > now + FUTURE_SKEW_SECS {
        return Err(ChallengeError::Expired);
    }
    Ok(issued_unix)
}

/// When a challenge issued at `issued_unix` stops being answerable.
pub fn expires_unix(issued_unix: i64) -> i64 {
    issued_unix + TTL_SECS
}

fn mac(key: &ChallengeKey, origin: &str, signed: &[u8]) -> [u8; MAC_BYTES] {
    // The key is 32 bytes: any length is accepted, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key.0) else {
        return [0; MAC_BYTES];
    };
    mac.update(b"jaria:challenge:v1\n");
    mac.update(origin.as_bytes());
    mac.update(b"\n");
    mac.update(signed);
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; MAC_BYTES];
    out.copy_from_slice(&full[..MAC_BYTES]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first counter answering `bits` over `nonce`, as the page finds it.
    fn solve(nonce: &str, bits: u8) -> String {
        (0u64..)
            .map(|n| n.to_string())
            .find(|w| work_done(nonce, w, bits))
            .expect("some counter answers")
    }

    #[test]
    fn work_is_bound_to_its_nonce_and_its_bits() {
        assert!(work_done("n", "", 0), "no demand, no work");
        let work = solve("nonce-a", 10);
        assert!(work_done("nonce-a", &work, 10));
        assert!(work_done("nonce-a", &work, 9));
        // Another nonce, or nothing, does not answer.
        assert!(!work_done("nonce-a", "", 10));
        assert!(!work_done("nonce-a", &"9".repeat(40), 1));
        let other = (0..64)
            .filter(|i| !work_done(&format!("nonce-{i}"), &work, 10))
            .count();
        assert!(
            other > 60,
            "the work answers other nonces too often: {other}"
        );
        assert_eq!(leading_zero_bits(&[0x00, 0x0f]), 12);
        assert_eq!(leading_zero_bits(&[0x80]), 0);
        assert_eq!(leading_zero_bits(&[0, 0]), 16);
    }

    const ORIGIN: &str = "https://jaria.example";

    fn key(byte: u8) -> ChallengeKey {
        ChallengeKey([byte; 32])
    }

    #[test]
    fn an_issued_challenge_opens_within_its_life_and_not_after() {
        let nonce = issue(&key(1), ORIGIN, 1_000, [7; 16]);
        assert_eq!(open(&key(1), ORIGIN, &nonce, 1_000), Ok(1_000));
        assert_eq!(open(&key(1), ORIGIN, &nonce, 1_000 + TTL_SECS), Ok(1_000));
        assert_eq!(
            open(&key(1), ORIGIN, &nonce, 1_001 + TTL_SECS),
            Err(ChallengeError::Expired)
        );
        // Dated ahead of this clock by more than another node's could be.
        assert_eq!(
            open(&key(1), ORIGIN, &nonce, 1_000 - FUTURE_SKEW_SECS - 1),
            Err(ChallengeError::Expired)
        );
    }

    #[test]
    fn another_key_origin_time_or_any_changed_byte_is_not_ours() {
        let nonce = issue(&key(1), ORIGIN, 1_000, [7; 16]);
        assert_eq!(
            open(&key(2), ORIGIN, &nonce, 1_000),
            Err(ChallengeError::NotIssued)
        );
        assert_eq!(
            open(&key(1), "https://evil.example", &nonce, 1_000),
            Err(ChallengeError::NotIssued)
        );
        let bytes = URL_SAFE_NO_PAD.decode(&nonce).expect("base64url");
        for i in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[i] ^= 0x01;
            assert_eq!(
                open(&key(1), ORIGIN, &URL_SAFE_NO_PAD.encode(changed), 1_000),
                Err(ChallengeError::NotIssued),
                "byte {i}"
            );
        }
        for garbage in ["", "not base64!", "AAAA", &"A".repeat(54)] {
            assert_eq!(
                open(&key(1), ORIGIN, garbage, 1_000),
                Err(ChallengeError::NotIssued)
            );
        }
    }

    #[test]
    fn two_challenges_differ_by_their_randomness() {
        assert_ne!(
            issue(&key(1), ORIGIN, 1_000, [1; 16]),
            issue(&key(1), ORIGIN, 1_000, [2; 16])
        );
    }
}
