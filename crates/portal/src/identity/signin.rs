//! Signing in, as the `login` component serves it: EDS challenges (limited per client, capped
//! in all), EDS sign-in with path validation and revocation checks (the database's list, CRL
//! freshness, optionally an OCSP responder), password sign-in for participants, and setting a
//! password. Every attempt is held to the lock-out rules in one transaction
//! ([`crate::identity::lockout`]); an EDS failure counts against the client only — a signature cannot be
//! guessed, and counting it against the IIN a certificate claims would let anyone lock the real
//! holder out.

use std::time::Duration;

use crate::http::Request;

use crate::identity::Role;
use crate::identity::auth::{self, NewSession, Principal, Proof, Proven};
use crate::identity::challenge::{self, ChallengeKey};
use crate::identity::eds::{self, EdsError, Policy, Verified};
use crate::identity::lockout::{self, Scope};
use crate::identity::revocation::{self, OcspStatus};
use crate::law::iin::Iin;
use crate::platform::db::{Db, col_opt_text, col_text, int, text};
use crate::platform::error::ApiError;
use crate::platform::problem::FieldError;
use crate::platform::settings;
use crate::{identity::password, platform::clock, platform::random, platform::storage};

/// Largest certificate bundle accepted (a leaf and a few intermediates).
pub const MAX_CERTIFICATE_BYTES: usize = 64 * 1024;
/// A certificate sign-in this recent lets the person set a password without the current one.
pub const FRESH_EDS_SECS: i64 = 5 * 60;

fn rejected(field: &str, code: &str, message: &str) -> ApiError {
    ApiError::Rejected(vec![FieldError {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    }])
}

/// A new sign-in challenge.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Challenge {
    pub nonce: String,
    pub expires_at: String,
    /// Exactly what the signature must cover: purpose, the portal's origin and the nonce.
    pub to_sign: String,
    /// The proof of work an EDS sign-in from this address must carry now (0: none; see
    /// [`lockout::work_bits`]). It may grow by the time the answer comes.
    pub work_bits: u8,
}

/// Deletes a batch of answered challenges past their life, and past the clock skew nodes may
/// have (by the tick); returns how many went. (Also the rows an older release stored for
/// every challenge issued.)
pub async fn expire_challenges(db: &Db, now: i64) -> Result<u64, ApiError> {
    let now = now - challenge::FUTURE_SKEW_SECS;
    let mut gone = 0;
    for table in ["spent_challenges", "auth_challenges"] {
        gone += db
            .query(
                &format!(
                    "DELETE FROM {table} WHERE nonce IN
                       (SELECT nonce FROM {table} WHERE expires_unix < ? LIMIT 1000)
                     RETURNING 1"
                ),
                &[int(now)],
            )
            .await?
            .rows
            .len() as u64;
    }
    Ok(gone)
}

/// The deployment's challenge key: made once from WASI random by whichever node needs it
/// first, and kept in the database, so that every node and instance shares it.
async fn challenge_key(db: &Db) -> Result<ChallengeKey, ApiError> {
    const READ: &str = "SELECT key FROM challenge_key WHERE id = 1";
    let row = match db.one(READ, &[]).await? {
        Some(row) => row,
        None => {
            db.exec(
                "INSERT INTO challenge_key (id, key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
                &[text(hex::encode(random::bytes::<32>()?))],
            )
            .await?;
            db.one(READ, &[])
                .await?
                .ok_or_else(|| ApiError::Internal("the challenge key was not kept".into()))?
        }
    };
    let bytes = hex::decode(col_text(&row, 0)?)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| ApiError::Internal("the stored challenge key is not 32 bytes".into()))?;
    Ok(ChallengeKey(bytes))
}

/// Issues a single-use challenge. Nothing is written (`challenge.rs`): anonymous traffic has
/// nothing to fill and no shared cap to push others out of.
pub async fn challenge(db: &Db, req: &Request) -> Result<Challenge, ApiError> {
    let key = challenge_key(db).await?;
    let origin = auth::portal_origin(req).await;
    let issued_unix = clock::now().timestamp();
    let nonce = challenge::issue(&key, &origin, issued_unix, random::bytes::<16>()?);
    let work_bits = work_demanded(
        db,
        &auth::throttle_key(req).await,
        lockout_limit(settings::LOCKOUT_CLIENT_FAILURES).await,
        issued_unix,
    )
    .await?;
    Ok(Challenge {
        to_sign: eds::sign_in_message(&origin, &nonce),
        nonce,
        expires_at: clock::rfc3339(clock::from_unix(challenge::expires_unix(issued_unix))),
        work_bits,
    })
}

/// The proof of work an EDS sign-in from this client must carry now: the per-client limit
/// is a cost that grows, not a wall, so that one address failing (a script behind a mobile
/// operator's CGNAT) never locks out everyone behind it.
async fn work_demanded(db: &Db, client: &str, free: usize, now: i64) -> Result<u8, ApiError> {
    let failures = lockout::recent_failures(db, "client", client, now).await?;
    Ok(lockout::work_bits(failures, free))
}

/// What a sign-in over a challenge that cannot be answered is told.
pub const NONCE_INVALID: &str =
    "The challenge is unknown, expired or already used. Request a new one.";

/// A challenge that can still be answered: issued by this portal, live, not answered yet.
/// What its signature must cover, and when it was issued.
pub async fn live_challenge(
    db: &Db,
    req: &Request,
    nonce: &str,
    now: i64,
) -> Result<Option<(String, i64)>, ApiError> {
    let origin = auth::portal_origin(req).await;
    let Ok(issued_unix) = challenge::open(&challenge_key(db).await?, &origin, nonce, now) else {
        return Ok(None);
    };
    let answered = db
        .one(
            "SELECT 1 FROM spent_challenges WHERE nonce = ?",
            &[text(nonce)],
        )
        .await?
        .is_some();
    Ok((!answered).then(|| (eds::sign_in_message(&origin, nonce), issued_unix)))
}

/// Records `nonce` as answered; `false` if it already was (the primary key settles a race).
async fn spend_challenge(db: &Db, nonce: &str, issued_unix: i64) -> Result<bool, ApiError> {
    Ok(db
        .one(
            "INSERT INTO spent_challenges (nonce, expires_unix) VALUES (?, ?)
             ON CONFLICT (nonce) DO NOTHING RETURNING 1",
            &[text(nonce), int(challenge::expires_unix(issued_unix))],
        )
        .await?
        .is_some())
}

/// Who a proven IIN is today, for the decisions sign-in makes before a session exists.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    pub officer: Option<Role>,
    pub admin: bool,
    /// On the `bootstrap_admin_iins` list but not yet in the admins table.
    pub bootstrap_admin: bool,
}

impl Standing {
    /// Officers and admins hold powers over other people's data.
    pub fn has_powers(&self) -> bool {
        self.officer.is_some() || self.admin || self.bootstrap_admin
    }
}

pub async fn bootstrap_admins() -> Vec<String> {
    crate::platform::settings::BOOTSTRAP_ADMIN_IINS
        .optional()
        .await
        .unwrap_or_default()
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub async fn standing(db: &Db, iin: &str) -> Result<Standing, ApiError> {
    let (officer, admin) = crate::identity::auth::officer_and_admin(db, iin).await?;
    let bootstrap_admin = !admin && bootstrap_admins().await.iter().any(|a| a == iin);
    Ok(Standing {
        officer,
        admin,
        bootstrap_admin,
    })
}

/// What to do when a certificate's revocation status cannot be established (the OCSP
/// responder does not answer, or the CA's loaded revocation list is out of date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    /// Refuse everyone.
    Closed,
    /// Let everyone in (and log it).
    Open,
    /// Refuse officers and admins, let participants in: the default — an officer's session
    /// opens many people's cases, a participant's only their own.
    ClosedForOfficers,
}

impl FailurePolicy {
    pub fn parse(text: Option<&str>) -> Result<Self, String> {
        match text.map(str::trim).unwrap_or("") {
            "" | "closed_for_officers" => Ok(FailurePolicy::ClosedForOfficers),
            "closed" => Ok(FailurePolicy::Closed),
            "open" => Ok(FailurePolicy::Open),
            other => Err(format!(
                "revocation_check_failure: `{other}` is not closed, open or closed_for_officers"
            )),
        }
    }

    /// The deployment's `revocation_check_failure`.
    pub async fn configured() -> Result<Self, String> {
        Self::parse(
            crate::platform::settings::REVOCATION_CHECK_FAILURE
                .optional()
                .await
                .as_deref(),
        )
    }

    pub fn refuses(self, standing: &Standing) -> bool {
        match self {
            FailurePolicy::Closed => true,
            FailurePolicy::Open => false,
            FailurePolicy::ClosedForOfficers => standing.has_powers(),
        }
    }
}

/// An EDS sign-in: the challenge's nonce and either the certificate chain (PEM) with a raw
/// signature over the challenge (the key opened in the page), or a CMS `SignedData` over it
/// that carries its own chain (NCALayer, KAZTOKEN, `openssl cms -sign`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdsRequest {
    pub nonce: String,
    /// The proof of work over `nonce`, when the challenge asked for one.
    #[serde(default)]
    pub work: Option<String>,
    #[serde(default)]
    pub certificate: Option<String>,
    #[serde(default)]
    pub signature: Option<String>,
    /// Base64 of the DER, or PEM (`-----BEGIN CMS-----`).
    #[serde(default)]
    pub cms: Option<String>,
}

/// What proves the key: checked for shape before the challenge is spent.
enum KeyProof<'a> {
    Raw {
        certificate: &'a str,
        signature: Vec<u8>,
    },
    Cms(Vec<u8>),
}

/// A CMS signing time may be this far outside the challenge's life: people's clocks drift.
const CLOCK_SKEW_SECS: i64 = 120;

fn key_proof(body: &EdsRequest) -> Result<KeyProof<'_>, ApiError> {
    use base64::Engine as _;
    match (&body.cms, &body.certificate, &body.signature) {
        (Some(cms), None, None) => eds::cms::decode_transport(cms)
            .map(KeyProof::Cms)
            .map_err(|e| ApiError::invalid("cms", e.code(), &e.to_string())),
        (None, Some(certificate), Some(signature)) => {
            if certificate.len() > MAX_CERTIFICATE_BYTES {
                return Err(ApiError::invalid(
                    "certificate",
                    "certificate_too_large",
                    "The certificate bundle is too large.",
                ));
            }
            let signature = base64::engine::general_purpose::STANDARD
                .decode(signature.trim())
                .or_else(|_| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature.trim())
                })
                .map_err(|_| {
                    ApiError::invalid(
                        "signature",
                        "signature_malformed",
                        "The signature is not base64.",
                    )
                })?;
            Ok(KeyProof::Raw {
                certificate,
                signature,
            })
        }
        (Some(_), _, _) => Err(ApiError::invalid(
            "cms",
            "not_allowed",
            "Give either a CMS signature, or a certificate with a signature, not both.",
        )),
        (None, None, _) => Err(ApiError::invalid(
            "certificate",
            "required",
            "Give the certificate chain with the signature, or a CMS signature.",
        )),
        (None, Some(_), None) => Err(ApiError::invalid(
            "signature",
            "required",
            "Give the signature over the challenge.",
        )),
    }
}

/// The trust anchors the deployment sets (`eds_trust_anchors`); without them no EDS is
/// checked, and `what` says what needed them (503).
pub async fn trust_anchors(what: &str) -> Result<String, ApiError> {
    crate::platform::settings::EDS_TRUST_ANCHORS
        .non_empty()
        .await
        .ok_or_else(|| {
            ApiError::Unavailable(format!("{what} needs the eds_trust_anchors variable"))
        })
}

/// The anchors and purposes a sign-in certificate is held to.
pub async fn sign_in_policy() -> Result<Policy, ApiError> {
    let anchors = trust_anchors("EDS sign-in").await?;
    let mut policy = Policy::from_config(
        &anchors,
        crate::platform::settings::EDS_SIGN_IN_PURPOSES
            .optional()
            .await
            .as_deref(),
    )
    .map_err(|e| ApiError::Unavailable(format!("eds_trust_anchors / eds_sign_in_purposes: {e}")))?;
    policy.pins = configured_pins().await?;
    Ok(policy)
}

/// The pins the deployment sets within its anchors' PKI (`eds_issuing_cas`,
/// `eds_certificate_policies`): for sign-in and for every signature checked alike.
pub async fn configured_pins() -> Result<crate::identity::eds::Pins, ApiError> {
    crate::identity::eds::Pins::parse(
        crate::platform::settings::EDS_ISSUING_CAS
            .optional()
            .await
            .as_deref(),
        crate::platform::settings::EDS_CERTIFICATE_POLICIES
            .optional()
            .await
            .as_deref(),
    )
    .map_err(|e| ApiError::Unavailable(e.to_string()))
}

/// Whether an EDS sign-in must carry the proof of work its address owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// From the sign-in page or an API client: the work [`work_demanded`] asks, if any.
    Demanded,
    /// Completing a signing in eGov mobile: its start is already counted per client and its
    /// CMS came from the person's phone; the page is not asked twice.
    NotAsked,
}

/// The EDS sign-in: consume the challenge, verify the chain and the signature over the
/// challenge's message, check revocation, start the session. The client's failures are
/// counted but never lock it out: past its allowance it pays a proof of work that grows
/// (429 `work_required` until it does), checked before anything is written or spent.
pub async fn eds_sign_in(
    db: &Db,
    req: &Request,
    body: &EdsRequest,
    work: Work,
) -> Result<NewSession, ApiError> {
    let proof = key_proof(body)?;
    let policy = sign_in_policy().await?;
    let actor = auth::anonymous(req).await;
    let client = auth::throttle_key(req).await;
    let now = clock::now();
    let free = lockout_limit(settings::LOCKOUT_CLIENT_FAILURES).await;
    // A challenge that cannot be answered (made up, expired, answered before) is refused before
    // anything is counted or written: the work is bound to a nonce, and only a live one is
    // worth it (else one answer over a dead nonce would pass the work check every time).
    let Some((message, issued_unix)) =
        live_challenge(db, req, &body.nonce, now.timestamp()).await?
    else {
        return Err(rejected("nonce", "nonce_invalid", NONCE_INVALID));
    };
    if work == Work::Demanded {
        let bits = work_demanded(db, &client, free, now.timestamp()).await?;
        let done = bits == 0
            || body
                .work
                .as_deref()
                .is_some_and(|w| challenge::work_done(&body.nonce, w, bits));
        if !done {
            return Err(ApiError::WorkRequired { bits });
        }
    }
    let attempt = lockout::begin(
        db,
        &[Scope {
            name: "client",
            key: &client,
            free,
            soft: true,
        }],
        &actor,
        now.timestamp(),
    )
    .await?;
    let refuse = async |field: &str, code: &str, message: &str| -> Result<NewSession, ApiError> {
        lockout::failed(
            db,
            &attempt,
            &actor,
            "person:unknown",
            serde_json::json!({ "method": "eds", "reason": code }),
            now.timestamp(),
        )
        .await?;
        Err(rejected(field, code, message))
    };

    // Spend the challenge first: whatever happens next, it cannot be replayed. (Spending is
    // the check that no racing answer spent it since it was found live: the insert finds its
    // row.)
    if !spend_challenge(db, &body.nonce, issued_unix).await? {
        return refuse("nonce", "nonce_invalid", NONCE_INVALID).await;
    }
    let outcome = match &proof {
        KeyProof::Raw {
            certificate,
            signature,
        } => eds::verify_sign_in(certificate, &policy, message.as_bytes(), signature, now),
        KeyProof::Cms(der) => {
            // Signed while the challenge lived, give or take the signer's clock.
            let expected = eds::cms::Expected {
                content: message.as_bytes(),
                signed_after: clock::from_unix(issued_unix - CLOCK_SKEW_SECS),
                signed_before: now + chrono::TimeDelta::seconds(CLOCK_SKEW_SECS),
            };
            eds::cms::verify(der, &expected, &policy, now).map(|signed| signed.verified)
        }
    };
    let verified = match outcome {
        Ok(verified) => verified,
        Err(e) => {
            let field = match (&proof, &e) {
                (KeyProof::Cms(_), _) => "cms",
                (_, EdsError::BadSignature | EdsError::SignatureEncoding) => "signature",
                _ => "certificate",
            };
            return refuse(field, e.code(), &e.to_string()).await;
        }
    };
    let iin = verified.holder.iin.as_str().to_owned();
    let who = standing(db, &iin).await?;
    let revocation = match revocation_status(db, &verified, &who, now).await {
        Ok(known) => known,
        Err(StatusRefusal::Rejected(e)) => {
            return refuse("certificate", e.code(), &e.to_string()).await;
        }
        Err(StatusRefusal::Unavailable(why)) => {
            lockout::failed(
                db,
                &attempt,
                &actor,
                &format!("person:{iin}"),
                serde_json::json!({ "method": "eds", "reason": "certificate_status_unavailable", "why": why }),
                now.timestamp(),
            ).await?;
            return Err(ApiError::ServiceUnavailable(
                "The certificate's revocation status cannot be checked right now. Please retry shortly.".into(),
            ));
        }
    };
    let certificates = verified
        .revocable()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let proven = Proven {
        iin: iin.clone(),
        full_name: verified.holder.full_name.clone(),
        proof: Proof::Eds(certificates),
        // A bootstrap admin becomes one in the session's own transaction, below.
        role: auth::eds_sign_in_role(who.officer, who.admin || who.bootstrap_admin),
        organisation: verified.holder.organisation.clone(),
        revocation_unknown: revocation == Revocation::Unknown,
    };
    let stamp = clock::rfc3339(now);
    auth::start_session(db, &proven, req, async |db, _session| {
        lockout::succeeded(db, &attempt).await?;
        db.exec(
            "INSERT INTO persons (iin, full_name, created_at, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (iin) DO UPDATE SET full_name = excluded.full_name, updated_at = excluded.updated_at",
            &[text(&iin), text(&verified.holder.full_name), text(&stamp), text(&stamp)],
        ).await?;
        if who.bootstrap_admin {
            db.exec(
                "INSERT INTO admins (iin, created_at, created_by) VALUES (?, ?, 'bootstrap')
                 ON CONFLICT (iin) DO NOTHING",
                &[text(&iin), text(&stamp)],
            ).await?;
        }
        Ok(())
    }).await
}

async fn lockout_limit(variable: settings::Variable) -> usize {
    variable
        .optional()
        .await
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(lockout::DEFAULT_FREE_FAILURES)
}

enum StatusRefusal {
    Rejected(EdsError),
    Unavailable(String),
}

/// What a sign-in let through knows of its certificates' revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Revocation {
    /// Checked as configured: none is revoked.
    Known,
    /// Not established (the responder did not answer, a list is out of date), and let through
    /// by `revocation_check_failure`.
    Unknown,
}

/// The revocation status of every certificate of the path: the portal's list (admins' entries,
/// loaded CRLs, earlier OCSP answers), the freshness of the CRLs loaded for its issuers, and —
/// when `ocsp_responder` is set — the responder's answer for the leaf (cached briefly).
async fn revocation_status(
    db: &Db,
    verified: &Verified,
    who: &Standing,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Revocation, StatusRefusal> {
    let internal = |e: ApiError| StatusRefusal::Unavailable(e.to_string());
    let mut known = Revocation::Known;
    let keys = verified
        .revocable()
        .map_err(|e| StatusRefusal::Unavailable(e.to_string()))?;
    if revocation::first_revoked(db, &keys)
        .await
        .map_err(internal)?
        .is_some()
    {
        return Err(StatusRefusal::Rejected(EdsError::Revoked));
    }
    let failure = FailurePolicy::configured()
        .await
        .map_err(StatusRefusal::Unavailable)?;
    for key in &keys {
        if revocation::crl_is_stale(db, &key.issuer_key, now.timestamp())
            .await
            .map_err(internal)?
            == Some(true)
        {
            let why = "the revocation list loaded for an issuer of the chain is out of date";
            if failure.refuses(who) {
                return Err(StatusRefusal::Unavailable(why.into()));
            }
            crate::log_line!("sign-in allowed although {why} (revocation_check_failure)");
            known = Revocation::Unknown;
        }
    }
    let Some(responder) = crate::platform::settings::OCSP_RESPONDER
        .optional()
        .await
        .filter(|r| !r.trim().is_empty())
    else {
        return Ok(known);
    };
    let (leaf, issuer) = (&verified.path[0], &verified.path[1]);
    let leaf_key = &keys[0];
    match ocsp_status(&responder, leaf, issuer, leaf_key, now).await {
        Ok(OcspStatus::Good) => Ok(known),
        Ok(OcspStatus::Revoked) => {
            let stamp = clock::rfc3339(now);
            db.transaction(async |db| {
                revocation::record(
                    db,
                    leaf_key,
                    "the OCSP responder says it is revoked",
                    revocation::Source::Ocsp,
                    "ocsp",
                    &stamp,
                )
                .await
            })
            .await
            .map_err(internal)?;
            Err(StatusRefusal::Rejected(EdsError::Revoked))
        }
        Ok(OcspStatus::Unknown) => Err(StatusRefusal::Rejected(EdsError::RevocationUnknown)),
        Err(why) => {
            if failure.refuses(who) {
                Err(StatusRefusal::Unavailable(why))
            } else {
                crate::log_line!(
                    "sign-in allowed although the OCSP check failed: {why} (revocation_check_failure)"
                );
                Ok(Revocation::Unknown)
            }
        }
    }
}

/// How long an OCSP answer is reused, unless `ocsp_cache_secs` says otherwise (and never past
/// the answer's own next update).
const DEFAULT_OCSP_CACHE_SECS: i64 = 300;
/// How long the responder may take.
const DEFAULT_OCSP_TIMEOUT_MS: i64 = 3000;

#[derive(serde::Serialize, serde::Deserialize)]
struct CachedAnswer {
    status: OcspStatus,
    until_unix: i64,
}

/// The responder's answer for `leaf`, from the key-value cache or asked afresh. A revoked
/// answer is not cached here: it goes to the database's list, for good.
async fn ocsp_status(
    responder: &str,
    leaf: &x509_cert::Certificate,
    issuer: &x509_cert::Certificate,
    key: &eds::CertKey,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<OcspStatus, String> {
    let cache_key = format!("ocsp:{}:{}", key.issuer_key, key.serial_hex);
    let store = storage::kv().await.ok();
    if let Some(store) = &store
        && let Ok(Some(bytes)) = storage::kv_get(store, &cache_key).await
        && let Ok(cached) = serde_json::from_slice::<CachedAnswer>(&bytes)
        && cached.until_unix > now.timestamp()
    {
        return Ok(cached.status);
    }
    let nonce = random::bytes::<16>().map_err(|e| e.to_string())?;
    let request = revocation::ocsp_request(leaf, issuer, &nonce).map_err(|e| e.to_string())?;
    let target = crate::platform::outbound::Target::parse(responder).map_err(|e| e.to_string())?;
    let timeout = Duration::from_millis(
        crate::platform::settings::OCSP_TIMEOUT_MS
            .positive_number(DEFAULT_OCSP_TIMEOUT_MS)
            .await as u64,
    );
    let answer = crate::platform::outbound::post(&crate::platform::outbound::Post {
        target: &target,
        content_type: "application/ocsp-request",
        headers: &[],
        body: &request,
        timeout,
        max_bytes: 256 * 1024,
    })
    .await
    .map_err(|e| format!("OCSP responder {responder}: {e}"))?;
    if answer.status != 200 {
        return Err(format!(
            "OCSP responder {responder} answered HTTP {}",
            answer.status
        ));
    }
    let nonce_required = crate::platform::settings::OCSP_REQUIRE_NONCE
        .optional()
        .await
        .is_some_and(|v| v.trim() == "true");
    let read =
        revocation::read_ocsp_response(&answer.body, leaf, issuer, &nonce, nonce_required, now)
            .map_err(|e| e.to_string())?;
    if read.status != OcspStatus::Revoked
        && let Some(store) = &store
    {
        let ttl = crate::platform::settings::OCSP_CACHE_SECS
            .positive_number(DEFAULT_OCSP_CACHE_SECS)
            .await;
        let until_unix = read.next_update_unix.map_or(now.timestamp() + ttl, |next| {
            next.min(now.timestamp() + ttl)
        });
        if let Ok(bytes) = serde_json::to_vec(&CachedAnswer {
            status: read.status,
            until_unix,
        }) {
            // A lost cache write costs one more question to the responder, nothing else.
            let _ = storage::kv_set(store, &cache_key, &bytes).await;
        }
    }
    Ok(read.status)
}

/// One answer for every failed password sign-in, so nobody learns whether an IIN has an
/// account, a password, or is an officer.
fn wrong_credentials() -> ApiError {
    rejected(
        "password",
        "credentials_invalid",
        "The IIN or the password is wrong.",
    )
}

/// Password sign-in: only participants who set a password after an EDS sign-in, held to the
/// lock-out per IIN and per client.
pub async fn password_sign_in(
    db: &Db,
    req: &Request,
    iin: &Iin,
    password_text: &str,
) -> Result<NewSession, ApiError> {
    let actor = auth::anonymous(req).await;
    let client = auth::throttle_key(req).await;
    let now = clock::now().timestamp();
    let attempt = lockout::begin(
        db,
        &[
            Scope {
                name: "client",
                key: &client,
                free: lockout_limit(settings::LOCKOUT_CLIENT_FAILURES).await,
                soft: false,
            },
            Scope {
                name: "iin",
                key: iin.as_str(),
                free: lockout_limit(settings::LOCKOUT_IIN_FAILURES).await,
                soft: false,
            },
        ],
        &actor,
        now,
    )
    .await?;
    let person = db
        .one(
            "SELECT full_name, password_hash, password_proof_session_id FROM persons WHERE iin = ?",
            &[text(iin.as_str())],
        )
        .await?;
    let who = standing(db, iin.as_str()).await?;
    // Officers and admins have no password way in; they fail like anyone else.
    let stored = match &person {
        Some(row) if !who.has_powers() => col_opt_text(row, 1),
        _ => None,
    };
    let ok = password::verify(password_text, stored.as_deref())?;
    let Some(row) = person.filter(|_| ok) else {
        lockout::failed(
            db,
            &attempt,
            &actor,
            &format!("person:{}", iin.as_str()),
            serde_json::json!({ "method": "password", "reason": "credentials" }),
            now,
        )
        .await?;
        return Err(wrong_credentials());
    };
    let proven = Proven {
        iin: iin.as_str().to_owned(),
        full_name: col_text(&row, 0)?,
        proof: Proof::Password {
            proof_session_id: col_opt_text(&row, 2),
        },
        role: Role::Participant.as_str(),
        organisation: None,
        // Powers need an EDS session; a password session never has any.
        revocation_unknown: false,
    };
    auth::start_session(db, &proven, req, async |db, _| {
        lockout::succeeded(db, &attempt).await
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordRequest {
    pub password: String,
    #[serde(default)]
    pub current_password: Option<String>,
}

/// Sets or changes the signed-in participant's password. It needs the current password, or a
/// certificate sign-in in the last five minutes; it ends every other session of the person.
/// The password remembers the EDS session it derives from, so a revocation of that
/// certificate voids it.
pub async fn set_password(
    db: &Db,
    me: &Principal,
    body: &SetPasswordRequest,
) -> Result<i64, ApiError> {
    if standing(db, &me.iin).await?.has_powers() {
        return Err(ApiError::Forbidden);
    }
    let iin = Iin::parse(&me.iin).map_err(|e| ApiError::Internal(e.to_string()))?;
    password::check_policy(&body.password, &iin)?;
    let now = clock::now().timestamp();
    let fresh_eds = me.method == "eds" && now - me.created_unix <= FRESH_EDS_SECS;
    if !fresh_eds {
        let stored = db
            .one(
                "SELECT password_hash FROM persons WHERE iin = ?",
                &[text(&me.iin)],
            )
            .await?
            .and_then(|row| col_opt_text(&row, 0));
        let Some(current) = body
            .current_password
            .as_deref()
            .filter(|_| stored.is_some())
        else {
            return Err(rejected(
                "current_password",
                "reauthentication_required",
                "Give your current password, or sign in with your EDS certificate again: a password can be set within 5 minutes of an EDS sign-in.",
            ));
        };
        // Guessing the current password here is guessing a password: the same lock-out holds.
        let actor = me.actor();
        let attempt = lockout::begin(
            db,
            &[Scope {
                name: "iin",
                key: &me.iin,
                free: lockout_limit(settings::LOCKOUT_IIN_FAILURES).await,
                soft: false,
            }],
            &actor,
            now,
        )
        .await?;
        if !password::verify(current, stored.as_deref())? {
            lockout::failed(
                db,
                &attempt,
                &actor,
                &format!("person:{}", me.iin),
                serde_json::json!({ "method": "password_change", "reason": "current_password" }),
                now,
            )
            .await?;
            return Err(rejected(
                "current_password",
                "current_password_invalid",
                "The current password is wrong.",
            ));
        }
        lockout::succeeded(db, &attempt).await?;
    }
    let hash = password::hash(&body.password, &random::bytes::<16>()?)?;
    let proof = if me.method == "eds" {
        Some(me.session_id.clone())
    } else {
        me.proof_session_id.clone()
    };
    let actor = me.actor();
    db.transaction(async |db| {
        db.exec(
            "UPDATE persons SET password_hash = ?, password_changed_at = ?, password_proof_session_id = ?,
                 password_voided_at = NULL
             WHERE iin = ?",
            &[
                text(&hash),
                text(clock::rfc3339(clock::now())),
                proof.as_deref().map(text).unwrap_or(crate::platform::db::SqlValue::Null),
                text(&me.iin),
            ],
        ).await?;
        crate::audit::record(
            db,
            &actor,
            "password_changed",
            &format!("person:{}", me.iin),
            serde_json::json!({ "fresh_eds": fresh_eds }),
        ).await?;
        auth::end_other_sessions(db, &me.iin, Some(&me.session_id), &actor, "password_changed").await
    }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failure_policy_parses_and_defaults_to_closed_for_officers() {
        assert_eq!(
            FailurePolicy::parse(None),
            Ok(FailurePolicy::ClosedForOfficers)
        );
        assert_eq!(
            FailurePolicy::parse(Some("closed")),
            Ok(FailurePolicy::Closed)
        );
        assert_eq!(
            FailurePolicy::parse(Some(" open ")),
            Ok(FailurePolicy::Open)
        );
        assert!(FailurePolicy::parse(Some("maybe")).is_err());
        let officer = Standing {
            officer: Some(Role::Investigator),
            ..Standing::default()
        };
        let participant = Standing::default();
        assert!(FailurePolicy::ClosedForOfficers.refuses(&officer));
        assert!(!FailurePolicy::ClosedForOfficers.refuses(&participant));
        assert!(FailurePolicy::Closed.refuses(&participant));
        assert!(!FailurePolicy::Open.refuses(&officer));
        let bootstrap = Standing {
            bootstrap_admin: true,
            ..Standing::default()
        };
        assert!(FailurePolicy::ClosedForOfficers.refuses(&bootstrap));
    }
}
