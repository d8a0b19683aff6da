//! GOST R 34.10-2012 signature **verification** (nothing else: no keys are made or used here),
//! as the national certification authority of Kazakhstan signs with it since 2024: certificates,
//! revocation lists and CMS signatures under GOST 34.10-2015 (the same algorithm) with the
//! 512-bit curve `id-tc26-gost-3410-12-512-paramSetA` and the Streebog-512 hash.
//!
//! Plain affine-free arithmetic on `num-bigint` (Jacobian coordinates, one inversion at the end).
//! Not constant-time, which verification does not need: every input is public.
//!
//! Byte orders, as the national CA uses them (pinned by `tests/nca.rs` against its public test
//! authority and revocation list): a public key is the 128 bytes `x ‖ y`, each little-endian;
//! a signature is the 128 bytes `r ‖ s`, each little-endian (the whole reversed is `s ‖ r`
//! big-endian); the digest is Streebog-512 of the signed bytes as `streebog` outputs it, read
//! little-endian.

use num_bigint::BigUint;

#[cfg(feature = "sign")]
mod sign;
#[cfg(feature = "sign")]
pub use sign::SigningKey;

/// A curve `y² = x³ + a·x + b (mod p)` with a base point of prime order `q`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curve {
    pub p: BigUint,
    pub a: BigUint,
    pub b: BigUint,
    pub q: BigUint,
    pub gx: BigUint,
    pub gy: BigUint,
}

fn hex(text: &str) -> BigUint {
    // Only ever called on the constants below.
    BigUint::parse_bytes(text.as_bytes(), 16).unwrap_or_default()
}

impl Curve {
    /// `id-tc26-gost-3410-12-512-paramSetA` (R 50.1.114-2016), which the national CA's
    /// parameter set `1.2.398.3.10.1.1.2.2.1` names.
    pub fn tc26_512_a() -> Self {
        Curve {
            p: hex(concat!(
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7"
            )),
            a: hex(concat!(
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4"
            )),
            b: hex(concat!(
                "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265",
                "EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760"
            )),
            q: hex(concat!(
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
                "27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275"
            )),
            gx: BigUint::from(3u8),
            gy: hex(concat!(
                "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921",
                "DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4"
            )),
        }
    }

    /// Bytes of one coordinate or scalar: 64 for a 512-bit curve, 32 for a 256-bit one.
    pub fn size(&self) -> usize {
        self.p.bits().div_ceil(8) as usize
    }

    fn on_curve(&self, x: &BigUint, y: &BigUint) -> bool {
        if x >= &self.p || y >= &self.p {
            return false;
        }
        let left = (y * y) % &self.p;
        let right = (x * x * x + &self.a * x + &self.b) % &self.p;
        left == right
    }
}

/// A point in Jacobian coordinates `(X, Y, Z)` for `(X/Z², Y/Z³)`; `Z = 0` is infinity.
#[derive(Clone)]
struct Jacobian {
    x: BigUint,
    y: BigUint,
    z: BigUint,
}

/// Arithmetic modulo the field prime.
struct Field<'a> {
    p: &'a BigUint,
}

impl Field<'_> {
    fn add(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a + b) % self.p
    }
    fn sub(&self, a: &BigUint, b: &BigUint) -> BigUint {
        ((a + self.p) - (b % self.p)) % self.p
    }
    fn mul(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a * b) % self.p
    }
    fn small(&self, k: u32, a: &BigUint) -> BigUint {
        (a * k) % self.p
    }
    fn inverse(&self, a: &BigUint) -> BigUint {
        // p is prime: a^(p-2).
        a.modpow(&(self.p - 2u32), self.p)
    }
}

impl Jacobian {
    fn infinity() -> Self {
        Jacobian {
            x: BigUint::from(1u8),
            y: BigUint::from(1u8),
            z: BigUint::ZERO,
        }
    }

    fn affine(x: &BigUint, y: &BigUint) -> Self {
        Jacobian {
            x: x.clone(),
            y: y.clone(),
            z: BigUint::from(1u8),
        }
    }

    fn is_infinity(&self) -> bool {
        self.z == BigUint::ZERO
    }

    fn double(&self, f: &Field<'_>, a: &BigUint) -> Self {
        if self.is_infinity() || self.y == BigUint::ZERO {
            return Jacobian::infinity();
        }
        let xx = f.mul(&self.x, &self.x);
        let yy = f.mul(&self.y, &self.y);
        let yyyy = f.mul(&yy, &yy);
        let zz = f.mul(&self.z, &self.z);
        // S = 4·X·Y², M = 3·X² + a·Z⁴
        let s = f.small(4, &f.mul(&self.x, &yy));
        let m = f.add(&f.small(3, &xx), &f.mul(a, &f.mul(&zz, &zz)));
        let x3 = f.sub(&f.mul(&m, &m), &f.small(2, &s));
        let y3 = f.sub(&f.mul(&m, &f.sub(&s, &x3)), &f.small(8, &yyyy));
        let z3 = f.small(2, &f.mul(&self.y, &self.z));
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn add(&self, other: &Jacobian, f: &Field<'_>, a: &BigUint) -> Self {
        if self.is_infinity() {
            return other.clone();
        }
        if other.is_infinity() {
            return self.clone();
        }
        let z1z1 = f.mul(&self.z, &self.z);
        let z2z2 = f.mul(&other.z, &other.z);
        let u1 = f.mul(&self.x, &z2z2);
        let u2 = f.mul(&other.x, &z1z1);
        let s1 = f.mul(&self.y, &f.mul(&other.z, &z2z2));
        let s2 = f.mul(&other.y, &f.mul(&self.z, &z1z1));
        if u1 == u2 {
            return if s1 == s2 {
                self.double(f, a)
            } else {
                Jacobian::infinity()
            };
        }
        let h = f.sub(&u2, &u1);
        let hh = f.mul(&h, &h);
        let hhh = f.mul(&h, &hh);
        let r = f.sub(&s2, &s1);
        let v = f.mul(&u1, &hh);
        let x3 = f.sub(&f.sub(&f.mul(&r, &r), &hhh), &f.small(2, &v));
        let y3 = f.sub(&f.mul(&r, &f.sub(&v, &x3)), &f.mul(&s1, &hhh));
        let z3 = f.mul(&h, &f.mul(&self.z, &other.z));
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// The affine coordinates (`None` at infinity).
    #[cfg(feature = "sign")]
    fn to_affine(&self, f: &Field<'_>) -> Option<(BigUint, BigUint)> {
        if self.is_infinity() {
            return None;
        }
        let zi = f.inverse(&self.z);
        let zi2 = f.mul(&zi, &zi);
        Some((f.mul(&self.x, &zi2), f.mul(&self.y, &f.mul(&zi2, &zi))))
    }

    /// The affine x coordinate (`None` at infinity).
    fn x_affine(&self, f: &Field<'_>) -> Option<BigUint> {
        if self.is_infinity() {
            return None;
        }
        let zi = f.inverse(&self.z);
        Some(f.mul(&self.x, &f.mul(&zi, &zi)))
    }
}

/// `k1·P1 + k2·P2` (Shamir's trick: one pass over the bits of both scalars).
fn double_mul(curve: &Curve, k1: &BigUint, p1: &Jacobian, k2: &BigUint, p2: &Jacobian) -> Jacobian {
    let f = Field { p: &curve.p };
    let both = p1.add(p2, &f, &curve.a);
    let mut acc = Jacobian::infinity();
    for i in (0..k1.bits().max(k2.bits())).rev() {
        acc = acc.double(&f, &curve.a);
        match (k1.bit(i), k2.bit(i)) {
            (true, true) => acc = acc.add(&both, &f, &curve.a),
            (true, false) => acc = acc.add(p1, &f, &curve.a),
            (false, true) => acc = acc.add(p2, &f, &curve.a),
            (false, false) => {}
        }
    }
    acc
}

/// Why a public key cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// Not `2 × size` bytes.
    Length,
    /// Not a point of the curve.
    NotOnCurve,
}

/// A verifying key: a point of a curve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    curve: Curve,
    x: BigUint,
    y: BigUint,
}

impl VerifyingKey {
    /// The key from its coordinates, checked to be on the curve.
    pub fn new(curve: Curve, x: BigUint, y: BigUint) -> Result<Self, KeyError> {
        if !curve.on_curve(&x, &y) {
            return Err(KeyError::NotOnCurve);
        }
        Ok(VerifyingKey { curve, x, y })
    }

    /// The key as a certificate carries it (inside its OCTET STRING): `x ‖ y`, each
    /// little-endian.
    pub fn from_le_bytes(curve: Curve, bytes: &[u8]) -> Result<Self, KeyError> {
        let size = curve.size();
        if bytes.len() != 2 * size {
            return Err(KeyError::Length);
        }
        let x = BigUint::from_bytes_le(&bytes[..size]);
        let y = BigUint::from_bytes_le(&bytes[size..]);
        VerifyingKey::new(curve, x, y)
    }

    /// GOST R 34.10-2012 verification (section 6.2) of `(r, s)` over a message whose digest,
    /// as an integer, is `alpha`.
    pub fn verify_integer(&self, alpha: &BigUint, r: &BigUint, s: &BigUint) -> bool {
        let q = &self.curve.q;
        let zero = BigUint::ZERO;
        if r == &zero || s == &zero || r >= q || s >= q {
            return false;
        }
        let mut e = alpha % q;
        if e == zero {
            e = BigUint::from(1u8);
        }
        // v = e⁻¹, z1 = s·v, z2 = −r·v (mod q); C = z1·G + z2·Q; valid iff x_C ≡ r.
        let v = e.modpow(&(q - 2u32), q);
        let z1 = (s * &v) % q;
        let z2 = (q - (r * &v) % q) % q;
        let g = Jacobian::affine(&self.curve.gx, &self.curve.gy);
        let key = Jacobian::affine(&self.x, &self.y);
        let c = double_mul(&self.curve, &z1, &g, &z2, &key);
        let f = Field { p: &self.curve.p };
        c.x_affine(&f).is_some_and(|x| &(x % q) == r)
    }

    /// Verifies a signature as the national CA encodes it (`r ‖ s`, each little-endian) over
    /// `message`, hashed with Streebog-512.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verify_digest(&streebog512(message), signature)
    }

    /// Verifies a signature (`r ‖ s`, each little-endian) over a message whose Streebog-512
    /// digest is `digest`, as the `streebog` crate outputs it (a CMS signer's signed
    /// attributes, hashed by the caller).
    pub fn verify_digest(&self, digest: &[u8], signature: &[u8]) -> bool {
        let size = self.curve.size();
        if signature.len() != 2 * size {
            return false;
        }
        let r = BigUint::from_bytes_le(&signature[..size]);
        let s = BigUint::from_bytes_le(&signature[size..]);
        self.verify_integer(&BigUint::from_bytes_le(digest), &r, &s)
    }
}

/// Streebog-512 of `message`, as the `streebog` crate outputs it.
pub fn streebog512(message: &[u8]) -> Vec<u8> {
    use streebog::Digest as _;
    streebog::Streebog512::digest(message).to_vec()
}

#[cfg(test)]
mod tests;
