//! Signing with the key a person keeps in the eGov mobile app (NITEC's QR / cross-device
//! signing, `docs/research/egov-mobile.md`). The page starts a *signing* for exact bytes it may
//! not choose itself (a sign-in challenge's message, or a filing's canonical content computed
//! by the server), shows a QR code (`mobileSign:` + API 1's address) or, on the same phone, a
//! deep link; the phone is the only client of API 1 and API 2. It fetches what to sign, signs it
//! with the key on the phone, and PUTs the CMS back, where it is verified the way every other
//! signature is. The page learns the outcome by asking the portal with a secret only it holds,
//! then completes the sign-in (the CMS goes through [`crate::identity::signin::eds_sign_in`]) or sends the
//! CMS with its filing (through [`crate::identity::signed::verify`]). The portal never calls eGov.
//!
//! Who may do what, as of now:
//! - anyone may start a sign-in signing, for a live challenge they hold (one signing per
//!   challenge: the challenge's own per-client limit bounds them); a signed-in person may start
//!   a document signing only for content the server computed for them, signed only by them;
//! - whoever holds API 1's address (the QR) learns API 2's bearer token: the address is the
//!   secret, 256 random bits, alive for minutes, used once. A PUT is taken only while the
//!   signing is pending and only for a CMS that verifies over exactly its bytes;
//! - only the page that started a signing can collect its result (its poll token, stored as a
//!   hash), once.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::http::Request;
use crate::identity::eds::cms;
use crate::notice::delivery::Language;
use crate::platform::db::{Db, col_int, col_opt_text, col_text, int, text};
use crate::platform::error::ApiError;
use crate::platform::settings;
use crate::{identity::auth, platform::clock, platform::random};

/// How long the phone has to sign: the sign-in challenge's own life at most.
pub const SIGNING_TTL_SECS: i64 = 5 * 60;
/// Signings one person may start for documents per minute (a real filer starts one or two).
const DOCUMENT_SIGNINGS_PER_MINUTE: i64 = 10;
/// Live signings in all: past this, starting one waits for old ones to expire (503).
const MAX_LIVE_SIGNINGS: i64 = 20_000;
/// Sign-in signings one client (an address, an IPv6 /64) may start a minute: issuing a
/// challenge costs nothing, so this bounds what one client writes here (and how much of the
/// shared live cap it can take).
const SIGN_IN_SIGNINGS_PER_CLIENT_PER_MINUTE: i64 = 30;
/// A signing time may be this far outside the signing's life: phones' clocks drift.
const CLOCK_SKEW_SECS: i64 = 120;
/// What the phone is asked to sign, at most (a filing's content is bounded well below this).
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// The route the phone reaches API 1 at; NITEC's app requires `mgovSign` in it.
pub const PHONE_PATH: &str = "/api/auth/mgovSign";

/// What a signing is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// Answering the sign-in challenge `nonce`.
    SignIn { nonce: String },
    /// Signing a document as `signer_iin` (the person who started it).
    Document { signer_iin: String },
}

impl Purpose {
    /// The purpose stored at columns `at` (purpose), `at + 1` (nonce), `at + 2` (signer).
    fn from_row(row: &crate::platform::db::RowResult, at: usize) -> Result<Self, ApiError> {
        match (
            col_text(row, at)?.as_str(),
            col_opt_text(row, at + 1),
            col_opt_text(row, at + 2),
        ) {
            ("sign_in", Some(nonce), _) => Ok(Purpose::SignIn { nonce }),
            ("document", _, Some(signer_iin)) => Ok(Purpose::Document { signer_iin }),
            _ => Err(ApiError::Internal("a signing of no known purpose".into())),
        }
    }

    /// The columns [`Purpose::from_row`] reads back: nonce, signer.
    fn columns(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Purpose::SignIn { nonce } => (Some(nonce), None),
            Purpose::Document { signer_iin } => (None, Some(signer_iin)),
        }
    }

    fn as_str(&self) -> &'static str {
        match self {
            Purpose::SignIn { .. } => "sign_in",
            Purpose::Document { .. } => "document",
        }
    }
}

/// A started signing, as the page gets it.
#[derive(Debug, Clone, Serialize)]
pub struct Started {
    pub id: String,
    /// What the QR code holds: `mobileSign:` + API 1's address.
    pub qr: String,
    /// Opens the app on the same phone.
    pub deep_link: String,
    /// The page's secret for collecting the result (`POST .../{id}/result`).
    pub poll_token: String,
    pub expires_at: String,
}

/// The organisation the phone shows as asking for the signature (API 1).
#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    #[serde(rename = "nameRu")]
    pub name_ru: String,
    #[serde(rename = "nameKz")]
    pub name_kz: String,
    #[serde(rename = "nameEn")]
    pub name_en: String,
    pub bin: String,
}

/// The operator's organisation, from the variables. eGov mobile signing is offered only once
/// the operator has named it (its BIN is what the phone shows the person).
pub async fn operator() -> Result<Organisation, ApiError> {
    let bin = crate::platform::settings::OPERATOR_BIN
        .optional()
        .await
        .unwrap_or_default();
    let bin = bin.trim();
    if crate::law::iin::Bin::parse(bin).is_err() {
        return Err(ApiError::ServiceUnavailable(
            "Signing with eGov mobile is not set up on this portal (the operator_bin variable)."
                .into(),
        ));
    }
    let name = async |var: settings::Variable, fallback: &str| {
        var.non_empty().await.unwrap_or_else(|| fallback.to_owned())
    };
    Ok(Organisation {
        name_kz: name(settings::OPERATOR_NAME_KK, "Jaria").await,
        name_ru: name(settings::OPERATOR_NAME_RU, "Jaria").await,
        name_en: name(settings::OPERATOR_NAME_EN, "Jaria").await,
        bin: bin.to_owned(),
    })
}

/// The address of API 1 for signing `id`.
pub fn api1_url(origin: &str, id: &str) -> String {
    format!("{origin}{PHONE_PATH}/{id}")
}

/// The address of API 2 for signing `id`.
pub fn api2_url(origin: &str, id: &str) -> String {
    format!("{}/documents", api1_url(origin, id))
}

/// The QR code's content and the same-phone deep link for API 1's address.
pub fn links(api1: &str) -> (String, String) {
    let encoded: String = url_encode(api1);
    (
        format!("mobileSign:{api1}"),
        format!("https://m.egov.kz/mobileSign/?link={encoded}"),
    )
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The expiry as NITEC's app reads it (`yyyy-MM-dd'T'HH:mm:ss.SSSZ`-like, UTC).
fn phone_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Starts a signing of the live challenge `nonce`'s message, for sign-in. Anyone may: the
/// challenge is theirs, and one signing per challenge is all it gets.
pub async fn start_sign_in(db: &Db, req: &Request, nonce: &str) -> Result<Started, ApiError> {
    start(
        db,
        req,
        &Purpose::SignIn {
            nonce: nonce.to_owned(),
        },
        SIGN_IN_TITLE,
        None,
    )
    .await
}

/// Starts a signing of `document` (what the server computed for the signed-in `signer_iin`,
/// never bytes a caller chose: the portal would otherwise lend its name on the phone to
/// anything), shown on the phone as `title`.
pub async fn start_document(
    db: &Db,
    req: &Request,
    signer_iin: &str,
    title: &str,
    document: &str,
) -> Result<Started, ApiError> {
    if document.len() > MAX_DOCUMENT_BYTES {
        return Err(ApiError::invalid(
            "text",
            "too_long",
            "This document is too large to sign with eGov mobile.",
        ));
    }
    start(
        db,
        req,
        &Purpose::Document {
            signer_iin: signer_iin.to_owned(),
        },
        title,
        Some(document),
    )
    .await
}

/// What the phone shows for a sign-in, in the three languages at once (the app shows one
/// description).
const SIGN_IN_TITLE: &str = "Jaria: порталға кіру / вход на портал / sign-in";

/// 429 once `count_since` (a count of signings by `key` created after a time) reaches `limit`
/// for the last minute.
async fn at_most_a_minute(
    db: &Db,
    count_since: &str,
    key: &str,
    limit: i64,
    now: i64,
) -> Result<(), ApiError> {
    let recent = db
        .one(count_since, &[text(key), int(now - 60)])
        .await?
        .map(|row| col_int(&row, 0))
        .transpose()?
        .unwrap_or(0);
    if recent >= limit {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: 60,
        });
    }
    Ok(())
}

async fn start(
    db: &Db,
    req: &Request,
    purpose: &Purpose,
    title: &str,
    document: Option<&str>,
) -> Result<Started, ApiError> {
    operator().await?;
    let id = random::token()?;
    let phone_token = random::token()?;
    let poll_token = random::token()?;
    let now = clock::now().timestamp();
    let origin = auth::portal_origin(req).await;
    let client = auth::throttle_key(req).await;
    let (nonce, signer) = purpose.columns();
    let expires_unix = db
        .transaction(async |db| {
            expire(db, now).await?;
            let (document, expires_unix) = match purpose {
                Purpose::SignIn { nonce } => {
                    at_most_a_minute(
                        db,
                        "SELECT count(*) FROM egov_mobile_signings
                          WHERE client_key = ? AND created_unix > ?",
                        &client,
                        SIGN_IN_SIGNINGS_PER_CLIENT_PER_MINUTE,
                        now,
                    )
                    .await?;
                    // The challenge must be live; the signing dies with it.
                    match crate::identity::signin::live_challenge(db, req, nonce, now).await? {
                        Some((message, issued_unix)) => (
                            message,
                            crate::identity::challenge::expires_unix(issued_unix)
                                .min(now + SIGNING_TTL_SECS),
                        ),
                        // A well-formed request about a challenge that is not live: the
                        // state, not the request, is wrong.
                        _ => {
                            return Err(ApiError::Conflict(
                                crate::identity::signin::NONCE_INVALID.into(),
                            ));
                        }
                    }
                }
                Purpose::Document { signer_iin } => {
                    at_most_a_minute(
                        db,
                        "SELECT count(*) FROM egov_mobile_signings
                          WHERE signer_iin = ? AND created_unix > ?",
                        signer_iin,
                        DOCUMENT_SIGNINGS_PER_MINUTE,
                        now,
                    )
                    .await?;
                    let document = document.ok_or_else(|| {
                        ApiError::Internal("a document signing without its document".into())
                    })?;
                    (document.to_owned(), now + SIGNING_TTL_SECS)
                }
            };
            let live = db
                .one("SELECT count(*) FROM egov_mobile_signings", &[])
                .await?
                .map(|row| col_int(&row, 0))
                .transpose()?
                .unwrap_or(0);
            if live >= MAX_LIVE_SIGNINGS {
                return Err(ApiError::ServiceUnavailable(
                    "Too many signings are under way. Please retry in a minute.".into(),
                ));
            }
            // One signing per challenge: a second start for it is refused by the key.
            let inserted = db
                .one(
                    "INSERT INTO egov_mobile_signings (id, phone_token, poll_token_sha256, purpose,
                         nonce, signer_iin, title, document, created_unix, expires_unix, client_key)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                     ON CONFLICT (nonce) DO NOTHING RETURNING id",
                    &[
                        text(&id),
                        text(&phone_token),
                        text(random::token_hash(&poll_token)),
                        text(purpose.as_str()),
                        nonce.map_or(crate::platform::db::SqlValue::Null, text),
                        signer.map_or(crate::platform::db::SqlValue::Null, text),
                        text(title),
                        text(&document),
                        int(now),
                        int(expires_unix),
                        text(&client),
                    ],
                )
                .await?;
            if inserted.is_none() {
                return Err(ApiError::Conflict(
                    "This challenge is already being signed with eGov mobile: request a new one."
                        .into(),
                ));
            }
            Ok(expires_unix)
        })
        .await?;
    let (qr, deep_link) = links(&api1_url(&origin, &id));
    Ok(Started {
        id,
        qr,
        deep_link,
        poll_token,
        expires_at: clock::rfc3339(clock::from_unix(expires_unix)),
    })
}

/// Deletes a batch of expired signings (at each start, and by the tick); returns how many went.
pub async fn expire(db: &Db, now: i64) -> Result<u64, ApiError> {
    let gone = db
        .query(
            "DELETE FROM egov_mobile_signings WHERE id IN
               (SELECT id FROM egov_mobile_signings WHERE expires_unix < ? LIMIT 500)
             RETURNING id",
            &[int(now)],
        )
        .await?;
    Ok(gone.rows.len() as u64)
}

/// A pending signing as the phone's endpoints see it.
struct Pending {
    phone_token: String,
    purpose: Purpose,
    title: String,
    document: String,
    created_unix: i64,
    expires_unix: i64,
}

/// Why the phone is refused: a 403 with a message in the phone's language (NITEC's app shows
/// `message`), as an RFC 9457 problem that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneRefusal {
    /// Unknown, expired, or already signed: nothing to sign here any more.
    Gone,
    /// The bearer token is missing or not this signing's.
    WrongToken,
    /// The body is not API 2's document list with one signed document.
    Malformed,
    /// The signature does not verify over the document, or its certificate may not sign.
    BadSignature,
    /// A document signing made with another person's key.
    OtherPerson,
}

impl PhoneRefusal {
    pub fn message(self, language: Language) -> &'static str {
        use Language::{En, Kk, Ru};
        match (self, language) {
            (PhoneRefusal::Gone, Kk) => {
                "Қол қою мерзімі өтті немесе ол аяқталды. Порталда жаңа QR кодын алыңыз."
            }
            (PhoneRefusal::Gone, Ru) => {
                "Срок подписания истёк или оно уже завершено. Получите новый QR-код на портале."
            }
            (PhoneRefusal::Gone, En) => {
                "This signing has expired or is already complete. Get a new QR code on the portal."
            }
            (PhoneRefusal::WrongToken, Kk) => "Қол қоюға рұқсат жоқ.",
            (PhoneRefusal::WrongToken, Ru) => "Нет доступа к этому подписанию.",
            (PhoneRefusal::WrongToken, En) => "Not allowed to sign this.",
            (PhoneRefusal::Malformed, Kk) => "Қол қойылған құжат танылмады.",
            (PhoneRefusal::Malformed, Ru) => "Подписанный документ не распознан.",
            (PhoneRefusal::Malformed, En) => "The signed document was not recognised.",
            (PhoneRefusal::BadSignature, Kk) => {
                "Қолтаңба тексеруден өтпеді немесе бұл кілтпен қол қоюға болмайды."
            }
            (PhoneRefusal::BadSignature, Ru) => {
                "Подпись не прошла проверку или этим ключом здесь подписывать нельзя."
            }
            (PhoneRefusal::BadSignature, En) => {
                "The signature did not verify, or this key may not sign here."
            }
            (PhoneRefusal::OtherPerson, Kk) => {
                "Құжатқа порталға кірген адамның өз кілтімен қол қою керек."
            }
            (PhoneRefusal::OtherPerson, Ru) => {
                "Документ должен подписать своим ключом тот, кто вошёл на портал."
            }
            (PhoneRefusal::OtherPerson, En) => {
                "The document must be signed with the key of the person signed in to the portal."
            }
        }
    }

    /// The refusal as the app is answered, in the language it asks in (Russian otherwise).
    pub fn to_error(self, req: &Request) -> ApiError {
        let language = auth::header(req, "accept-language")
            .and_then(Language::from_accept_language)
            .unwrap_or(Language::Ru);
        ApiError::SigningRefused {
            code: self.code(),
            message: self.message(language),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            PhoneRefusal::Gone => "signing_gone",
            PhoneRefusal::WrongToken => "signing_token_invalid",
            PhoneRefusal::Malformed => "signed_document_malformed",
            PhoneRefusal::BadSignature => "signature_invalid",
            PhoneRefusal::OtherPerson => "signature_other_person",
        }
    }
}

async fn pending(db: &Db, req: &Request, id: &str, now: i64) -> Result<Pending, ApiError> {
    let row = db
        .one(
            "SELECT phone_token, purpose, nonce, signer_iin, title, document, created_unix, expires_unix
               FROM egov_mobile_signings
              WHERE id = ? AND cms IS NULL AND expires_unix >= ?",
            &[text(id), int(now)],
        )
        .await?;
    let row = row.ok_or_else(|| PhoneRefusal::Gone.to_error(req))?;
    let purpose = Purpose::from_row(&row, 1)?;
    Ok(Pending {
        phone_token: col_text(&row, 0)?,
        purpose,
        title: col_text(&row, 4)?,
        document: col_text(&row, 5)?,
        created_unix: col_int(&row, 6)?,
        expires_unix: col_int(&row, 7)?,
    })
}

/// API 1's answer: what is asked, by whom, until when, and where API 2 is with its token.
#[derive(Debug, Serialize)]
pub struct Api1 {
    pub description: String,
    pub expiry_date: String,
    pub organisation: Organisation,
    pub document: Api1Document,
}

#[derive(Debug, Serialize)]
pub struct Api1Document {
    pub uri: String,
    pub auth_type: &'static str,
    pub auth_token: String,
}

/// API 1 (`GET {PHONE_PATH}/{id}`).
pub async fn api1(db: &Db, req: &Request, id: &str) -> Result<Api1, ApiError> {
    let signing = pending(db, req, id, clock::now().timestamp()).await?;
    let origin = auth::portal_origin(req).await;
    Ok(Api1 {
        description: signing.title,
        expiry_date: phone_time(clock::from_unix(signing.expires_unix)),
        organisation: operator().await?,
        document: Api1Document {
            uri: api2_url(&origin, id),
            auth_type: "Token",
            auth_token: signing.phone_token,
        },
    })
}

/// API 2's document list: what the phone GETs, and PUTs back with each `data` signed.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Api2 {
    pub sign_method: String,
    pub version: u32,
    pub documents_to_sign: Vec<DocumentToSign>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct DocumentToSign {
    pub id: u32,
    #[serde(rename = "nameRu")]
    pub name_ru: String,
    #[serde(rename = "nameKz")]
    pub name_kz: String,
    #[serde(rename = "nameEn")]
    pub name_en: String,
    #[serde(default)]
    pub meta: Vec<Meta>,
    pub document: FileHolder,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Meta {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FileHolder {
    pub file: File,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct File {
    pub mime: String,
    pub data: String,
}

/// The one signature form asked for: a detached CMS (with NCA's timestamp, as the app makes
/// it) over the exact bytes, which the portal keeps beside the content it covers.
pub const SIGN_METHOD: &str = "CMS_SIGN_ONLY";

fn bearer_matches(req: &Request, expected: &str) -> bool {
    auth::header(req, "authorization")
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .is_some_and(|token| random::constant_time_eq(token.trim().as_bytes(), expected.as_bytes()))
}

/// API 2, read (`GET {PHONE_PATH}/{id}/documents` with API 1's bearer token).
pub async fn api2_documents(db: &Db, req: &Request, id: &str) -> Result<Api2, ApiError> {
    use base64::Engine as _;
    let signing = pending(db, req, id, clock::now().timestamp()).await?;
    if !bearer_matches(req, &signing.phone_token) {
        return Err(PhoneRefusal::WrongToken.to_error(req));
    }
    Ok(Api2 {
        sign_method: SIGN_METHOD.to_owned(),
        version: 1,
        documents_to_sign: vec![DocumentToSign {
            id: 1,
            name_ru: signing.title.clone(),
            name_kz: signing.title.clone(),
            name_en: signing.title,
            meta: Vec::new(),
            document: FileHolder {
                file: File {
                    mime: "text/plain".into(),
                    data: base64::engine::general_purpose::STANDARD.encode(&signing.document),
                },
            },
        }],
    })
}

/// API 2, signed (`PUT {PHONE_PATH}/{id}/documents`): the CMS is verified over exactly the
/// signing's bytes (a document signing: by its signer, on no revocation list) and kept for the
/// page, once.
pub async fn api2_signed(db: &Db, req: &Request, id: &str) -> Result<(), ApiError> {
    let now = clock::now();
    let signing = pending(db, req, id, now.timestamp()).await?;
    if !bearer_matches(req, &signing.phone_token) {
        return Err(PhoneRefusal::WrongToken.to_error(req));
    }
    let Some(cms_text) = serde_json::from_slice::<Api2>(req.body())
        .ok()
        .and_then(|signed| match signed.documents_to_sign.as_slice() {
            [one] if one.id == 1 => Some(one.document.file.data.clone()),
            _ => None,
        })
    else {
        return Err(PhoneRefusal::Malformed.to_error(req));
    };
    let Ok(der) = cms::decode_transport(&cms_text) else {
        return Err(PhoneRefusal::Malformed.to_error(req));
    };
    let verdict = match &signing.purpose {
        Purpose::SignIn { .. } => {
            // The sign-in's own checks (revocation, lock-out, who the person is) run when the
            // page completes it; here only that this is a signature that could sign in.
            let expected = cms::Expected {
                content: signing.document.as_bytes(),
                signed_after: clock::from_unix(signing.created_unix)
                    - TimeDelta::seconds(CLOCK_SKEW_SECS),
                signed_before: now + TimeDelta::seconds(CLOCK_SKEW_SECS),
            };
            let policy = crate::identity::signin::sign_in_policy().await?;
            match cms::verify(&der, &expected, &policy, now) {
                Ok(_) => Ok(()),
                Err(_) => Err(PhoneRefusal::BadSignature),
            }
        }
        Purpose::Document { signer_iin } => {
            match crate::identity::signed::verify(
                db,
                "signature",
                &cms_text,
                signing.document.as_bytes(),
                signer_iin,
                now,
            )
            .await
            {
                Ok(_) => Ok(()),
                Err(ApiError::Unprocessable(errors))
                    if errors.iter().any(|e| e.code == "signature_other_person") =>
                {
                    Err(PhoneRefusal::OtherPerson)
                }
                Err(ApiError::Unprocessable(_)) => Err(PhoneRefusal::BadSignature),
                Err(other) => return Err(other),
            }
        }
    };
    verdict.map_err(|refusal| refusal.to_error(req))?;
    // Taken once, while still pending: a second PUT (a replay, or a racing one) finds it signed.
    let taken = db
        .transaction(async |db| {
            db.one(
                "UPDATE egov_mobile_signings SET cms = ?
                  WHERE id = ? AND cms IS NULL AND expires_unix >= ? RETURNING id",
                &[
                    crate::platform::db::SqlValue::Blob(der.clone()),
                    text(id),
                    int(now.timestamp()),
                ],
            )
            .await
        })
        .await?;
    taken
        .map(drop)
        .ok_or_else(|| PhoneRefusal::Gone.to_error(req))
}

/// What the page learns when it asks.
#[derive(Debug)]
pub enum Outcome {
    /// Not signed yet (until `expires_at`).
    Pending { expires_at: String },
    /// Signed: the CMS (DER) and what it was for. The signing is gone from the store.
    Signed { purpose: Purpose, der: Vec<u8> },
}

/// The page's question (`POST .../{id}/result` with its poll token). A signed result is handed
/// over once: it leaves the store in the same statement. Anything unknown, expired, or asked
/// with another token is `NotFound` (no difference shown).
pub async fn collect(db: &Db, id: &str, poll_token: &str) -> Result<Outcome, ApiError> {
    let now = clock::now().timestamp();
    let hash = random::token_hash(poll_token);
    let row = db
        .one(
            "SELECT cms IS NOT NULL, expires_unix FROM egov_mobile_signings
              WHERE id = ? AND poll_token_sha256 = ? AND expires_unix >= ?",
            &[text(id), text(&hash), int(now)],
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    if col_int(&row, 0)? == 0 {
        return Ok(Outcome::Pending {
            expires_at: clock::rfc3339(clock::from_unix(col_int(&row, 1)?)),
        });
    }
    let taken = db
        .transaction(async |db| {
            db.one(
                "DELETE FROM egov_mobile_signings
                  WHERE id = ? AND poll_token_sha256 = ? AND cms IS NOT NULL
                 RETURNING purpose, nonce, signer_iin, cms",
                &[text(id), text(&hash)],
            )
            .await
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let purpose = Purpose::from_row(&taken, 0)?;
    let der = taken
        .get::<&[u8]>(3)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| ApiError::Internal("a signed signing without its CMS".into()))?;
    Ok(Outcome::Signed { purpose, der })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_and_the_deep_link_carry_api1_as_nitecs_app_expects() {
        let api1 = api1_url("https://jaria.example.kz", "abc_DEF-123");
        assert_eq!(
            api1,
            "https://jaria.example.kz/api/auth/mgovSign/abc_DEF-123"
        );
        assert!(
            api1.contains("mgovSign"),
            "the app refuses an API 1 without it"
        );
        let (qr, deep) = links(&api1);
        assert_eq!(qr, format!("mobileSign:{api1}"));
        assert_eq!(
            deep,
            "https://m.egov.kz/mobileSign/?link=https%3A%2F%2Fjaria.example.kz%2Fapi%2Fauth%2FmgovSign%2Fabc_DEF-123"
        );
        assert_eq!(
            api2_url("https://jaria.example.kz", "x"),
            "https://jaria.example.kz/api/auth/mgovSign/x/documents"
        );
    }

    #[test]
    fn the_expiry_is_written_with_milliseconds_in_utc() {
        let at = clock::from_unix(1_796_000_000);
        assert_eq!(phone_time(at), "2026-11-30T00:53:20.000Z");
    }

    #[test]
    fn api2_reads_back_what_it_wrote_with_nitecs_field_names() {
        let text = r#"{"signMethod":"CMS_SIGN_ONLY","version":1,"documentsToSign":[{"id":1,
            "nameRu":"a","nameKz":"b","nameEn":"c","meta":[{"name":"k","value":"v"}],
            "document":{"file":{"mime":"text/plain","data":"TUlJ"}}}]}"#;
        let api2: Api2 = serde_json::from_str(text).unwrap();
        assert_eq!(api2.documents_to_sign[0].document.file.data, "TUlJ");
        let back = serde_json::to_value(&api2).unwrap();
        assert_eq!(back["signMethod"], "CMS_SIGN_ONLY");
        assert_eq!(back["documentsToSign"][0]["nameKz"], "b");
    }

    #[test]
    fn every_refusal_speaks_each_language() {
        for refusal in [
            PhoneRefusal::Gone,
            PhoneRefusal::WrongToken,
            PhoneRefusal::Malformed,
            PhoneRefusal::BadSignature,
            PhoneRefusal::OtherPerson,
        ] {
            let kk = refusal.message(Language::Kk);
            let ru = refusal.message(Language::Ru);
            let en = refusal.message(Language::En);
            assert!(kk != ru && ru != en && kk != en, "{refusal:?}");
        }
    }
}
