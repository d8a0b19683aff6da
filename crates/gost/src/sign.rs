//! GOST R 34.10-2012 **signing** (section 6.1), behind the `sign` feature: the server never
//! holds anyone's key, so the portal does not build it. It serves the test suite (NCA's public
//! test keys sign in through it) and a signer that runs in its owner's own page.
//!
//! Variable-time (`num-bigint`): fit for a key used by its holder on their own machine, not for
//! a service that signs with many people's keys where an observer can time it.

use num_bigint::BigUint;

use crate::{Curve, Field, Jacobian, KeyError, VerifyingKey, double_mul, streebog512};

/// A private key: the scalar `d`, `0 < d < q`.
#[derive(Clone)]
pub struct SigningKey {
    curve: Curve,
    d: BigUint,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

impl SigningKey {
    /// The key as the national CA's PKCS#8 carries it (inside its OCTET STRING): `d`,
    /// little-endian, `size` bytes.
    pub fn from_le_bytes(curve: Curve, bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != curve.size() {
            return Err(KeyError::Length);
        }
        let d = BigUint::from_bytes_le(bytes);
        if d == BigUint::ZERO || d >= curve.q {
            return Err(KeyError::NotOnCurve);
        }
        Ok(SigningKey { curve, d })
    }

    /// The public key `Q = d·G`.
    pub fn verifying_key(&self) -> VerifyingKey {
        let f = Field { p: &self.curve.p };
        let q = times(&self.curve, &self.d, &self.generator());
        let (x, y) = q.to_affine(&f).unwrap_or((BigUint::ZERO, BigUint::ZERO));
        VerifyingKey {
            curve: self.curve.clone(),
            x,
            y,
        }
    }

    fn generator(&self) -> Jacobian {
        Jacobian::affine(&self.curve.gx, &self.curve.gy)
    }

    /// Signs `message` (hashed with Streebog-512) the way the national CA encodes it: `r ‖ s`,
    /// each little-endian. The nonce `k` is derived from the key and the digest (as RFC 6979
    /// does for ECDSA, here with Streebog): the same message gives the same signature, and no
    /// random source can leak the key.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.sign_digest(&streebog512(message))
    }

    /// [`SigningKey::sign`] over a Streebog-512 digest computed by the caller (a CMS signer's
    /// signed attributes).
    pub fn sign_digest(&self, digest: &[u8]) -> Vec<u8> {
        let size = self.curve.size();
        let alpha = BigUint::from_bytes_le(digest);
        let mut secret = to_le(&self.d, size);
        for counter in 0u32.. {
            let mut seed = secret.clone();
            seed.extend_from_slice(digest);
            seed.extend_from_slice(&counter.to_le_bytes());
            let k = BigUint::from_bytes_le(&streebog512(&seed)) % &self.curve.q;
            if let Some((r, s)) = self.sign_integer(&alpha, &k) {
                let mut signature = to_le(&r, size);
                signature.extend(to_le(&s, size));
                secret.fill(0);
                return signature;
            }
        }
        unreachable!("a counter of 2³² nonces all failing")
    }

    /// Section 6.1 with a given nonce `k`: `(r, s)`, or `None` where the standard takes
    /// another `k` (`k`, `r` or `s` zero).
    pub fn sign_integer(&self, alpha: &BigUint, k: &BigUint) -> Option<(BigUint, BigUint)> {
        let q = &self.curve.q;
        if k == &BigUint::ZERO || k >= q {
            return None;
        }
        let mut e = alpha % q;
        if e == BigUint::ZERO {
            e = BigUint::from(1u8);
        }
        let f = Field { p: &self.curve.p };
        let (x, _) = times(&self.curve, k, &self.generator()).to_affine(&f)?;
        let r = x % q;
        if r == BigUint::ZERO {
            return None;
        }
        let s = (&r * &self.d + k * &e) % q;
        if s == BigUint::ZERO {
            return None;
        }
        Some((r, s))
    }
}

/// `k·P`.
fn times(curve: &Curve, k: &BigUint, p: &Jacobian) -> Jacobian {
    double_mul(curve, k, p, &BigUint::ZERO, p)
}

/// `n` as `size` little-endian bytes.
fn to_le(n: &BigUint, size: usize) -> Vec<u8> {
    let mut bytes = n.to_bytes_le();
    bytes.resize(size, 0);
    bytes
}
