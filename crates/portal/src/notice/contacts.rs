//! A person's e-mail address and phone number, each proven by a one-time code sent through the
//! channel itself, and their choices of language and channels per kind of notice.
//!
//! A code is 6 digits, lives 10 minutes and allows 5 tries; then a new one must be asked for.
//! Codes are rate-limited per person (one per channel per minute, five an hour), so guessing
//! gets at most 25 tries an hour at a million codes, and per address (three an hour, whoever
//! asks), so nobody can flood another person's phone with codes. Tries are counted in the same write
//! transaction that checks them: parallel guesses cannot share one try.

use crate::audit::{self, Actor};
use crate::notice::delivery::{self, Channel, Language};
use crate::platform::db::{Db, col_int, col_opt_int, col_opt_text, col_text, int, opt_text, text};
use crate::platform::error::ApiError;
use crate::{platform::clock, platform::random};

pub const CODE_TTL_SECS: i64 = 600;
pub const CODE_TRIES: i64 = 5;
/// At most one code per channel in this many seconds…
pub const CODE_SPACING_SECS: i64 = 60;
/// …and this many per person per hour…
pub const CODES_PER_HOUR: i64 = 5;
/// …and this many to one address per hour, whoever asks (nobody floods another's phone).
pub const CODES_PER_ADDRESS_PER_HOUR: i64 = 3;

/// An e-mail address as stored: trimmed, its domain in lower case. Plain addresses only
/// (no quoted local parts, no comments): what mail relays accept everywhere.
pub fn normalise_email(value: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::invalid(
            "email",
            "invalid_email",
            "Give an e-mail address such as name@example.kz.",
        )
    };
    let value = value.trim();
    let (local, domain) = value.rsplit_once('@').ok_or_else(bad)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_alphabetic()) && tld.len() >= 2);
    if !local_ok || !domain_ok || value.len() > 254 {
        return Err(bad());
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// A Kazakhstan phone number as `+7` and ten digits; spaces, dashes and brackets are ignored.
pub fn normalise_phone(value: &str) -> Result<String, ApiError> {
    let compact: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    match compact.strip_prefix("+7") {
        Some(digits) if digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(compact)
        }
        _ => Err(ApiError::invalid(
            "phone",
            "invalid_phone",
            "Give a phone number as +7 and ten digits, e.g. +7 701 234 56 78.",
        )),
    }
}

fn code_hash(iin: &str, channel: Channel, code: &str) -> String {
    random::token_hash(&format!("{iin}:{}:{code}", channel.as_str()))
}

/// A fresh 6-digit code (the modulo bias of a 64-bit draw is below 10^-13).
fn new_code() -> Result<String, ApiError> {
    let n = u64::from_le_bytes(random::bytes::<8>()?);
    Ok(format!("{:06}", n % 1_000_000))
}

/// What a change of contacts asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Keep,
    Remove,
    Set(String),
}

/// Reads one field of the contacts body: absent keeps, `null` or `""` removes, text sets.
pub fn change_of(body: &serde_json::Value, field: &str) -> Result<Change, ApiError> {
    match body.get(field) {
        None => Ok(Change::Keep),
        Some(serde_json::Value::Null) => Ok(Change::Remove),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(Change::Remove),
        Some(serde_json::Value::String(s)) => Ok(Change::Set(s.clone())),
        Some(_) => Err(ApiError::invalid(
            field,
            "invalid_type",
            "Give text, or null to remove it.",
        )),
    }
}

/// My contacts and choices, as the API shows them.
pub async fn view(db: &Db, iin: &str) -> Result<serde_json::Value, ApiError> {
    let now = clock::now().timestamp();
    let rows = db.query(
        "SELECT channel, address, verified_at, code_expires_unix, code_tries_left FROM contacts WHERE iin = ?",
        &[text(iin)],
    ).await?;
    let mut out = serde_json::json!({ "email": null, "phone": null });
    for row in &rows.rows {
        let field = match Channel::parse(&col_text(row, 0)?) {
            Some(Channel::Email) => "email",
            Some(Channel::Sms) => "phone",
            None => continue,
        };
        let pending = col_opt_text(row, 2).is_none()
            && col_opt_int(row, 3).is_some_and(|until| until > now)
            && col_opt_int(row, 4).is_some_and(|left| left > 0);
        out[field] = serde_json::json!({
            "address": col_text(row, 1)?,
            "verified": col_opt_text(row, 2).is_some(),
            "verified_at": col_opt_text(row, 2),
            "code_pending": pending,
        });
    }
    let prefs = db
        .one(
            "SELECT language, channels, officer_digest FROM notice_preferences WHERE iin = ?",
            &[text(iin)],
        )
        .await?;
    let (language, kinds, digest) = match prefs {
        Some(row) => (
            col_text(&row, 0)?,
            serde_json::from_str(&col_text(&row, 1)?).unwrap_or_else(|_| serde_json::json!({})),
            col_int(&row, 2)? == 1,
        ),
        None => (
            Language::DEFAULT.as_str().to_owned(),
            serde_json::json!({}),
            false,
        ),
    };
    out["language"] = language.into();
    out["kinds"] = kinds;
    out["officer_digest"] = digest.into();
    Ok(out)
}

/// A `language` field: absent or null keeps, otherwise one of the three languages.
fn language_field(value: Option<&serde_json::Value>) -> Result<Option<Language>, ApiError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(Language::parse)
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid("language", "invalid_language", "Choose kk, ru or en.")
            }),
    }
}

/// Makes sure the person has a preferences row (their language, from the browser's
/// `Accept-Language` at their first contact, unless they give one).
async fn ensure_preferences(
    db: &Db,
    iin: &str,
    language: Option<Language>,
    at: &str,
) -> Result<(), ApiError> {
    db.exec(
        "INSERT INTO notice_preferences (iin, language, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (iin) DO NOTHING",
        &[
            text(iin),
            text(language.unwrap_or(Language::DEFAULT).as_str()),
            text(at),
        ],
    )
    .await
}

/// Sends a new code to `address` on `channel`, refusing when the person asked too often.
async fn send_code(
    db: &Db,
    iin: &str,
    channel: Channel,
    address: &str,
    now: i64,
    at: &str,
) -> Result<(), ApiError> {
    let row = db
        .one(
            "SELECT max(CASE WHEN channel = ? THEN at_unix END), count(*), min(at_unix)
         FROM contact_codes_sent WHERE iin = ? AND at_unix > ?",
            &[text(channel.as_str()), text(iin), int(now - 3600)],
        )
        .await?;
    if let Some(row) = row {
        if let Some(last) = col_opt_int(&row, 0)
            && now - last < CODE_SPACING_SECS
        {
            return Err(ApiError::TooManyRequests {
                retry_after_secs: u32::try_from(CODE_SPACING_SECS - (now - last)).unwrap_or(60),
            });
        }
        if col_int(&row, 1)? >= CODES_PER_HOUR {
            let oldest = col_opt_int(&row, 2).unwrap_or(now);
            return Err(ApiError::TooManyRequests {
                retry_after_secs: u32::try_from((oldest + 3600 - now).max(1)).unwrap_or(3600),
            });
        }
    }
    if let Some(row) = db.one(
        "SELECT count(*), min(at_unix) FROM contact_codes_sent WHERE address = ? AND at_unix > ?",
        &[text(address), int(now - 3600)],
    ).await? && col_int(&row, 0)? >= CODES_PER_ADDRESS_PER_HOUR
    {
        let oldest = col_opt_int(&row, 1).unwrap_or(now);
        return Err(ApiError::TooManyRequests {
            retry_after_secs: u32::try_from((oldest + 3600 - now).max(1)).unwrap_or(3600),
        });
    }
    // A new code voids the one before: its message, if still queued, is not sent (and the
    // code is not kept).
    db.exec(
        "UPDATE outbox SET state = 'dead', payload = '{}', last_error = 'replaced by a newer code'
         WHERE recipient_iin = ? AND channel = ? AND template = 'verification_code' AND state = 'pending'",
        &[text(iin), text(channel.as_str())],
    ).await?;
    let code = new_code()?;
    db.exec(
        "UPDATE contacts SET code_hash = ?, code_expires_unix = ?, code_tries_left = ?, updated_at = ?
         WHERE iin = ? AND channel = ?",
        &[
            text(code_hash(iin, channel, &code)),
            int(now + CODE_TTL_SECS),
            int(CODE_TRIES),
            text(at),
            text(iin),
            text(channel.as_str()),
        ],
    ).await?;
    db.exec(
        "INSERT INTO contact_codes_sent (iin, channel, address, at_unix) VALUES (?, ?, ?, ?)",
        &[text(iin), text(channel.as_str()), text(address), int(now)],
    )
    .await?;
    let language = delivery::language_of(db, iin).await?;
    delivery::enqueue(
        db,
        iin,
        channel,
        address,
        language,
        "verification_code",
        &serde_json::json!({ "code": code }),
        at,
        now,
    )
    .await?;
    Ok(())
}

/// Sets, changes or removes my e-mail address and phone number (one transaction with its
/// audit rows). A new or still unverified address gets a fresh code through its channel.
pub async fn update(
    db: &Db,
    actor: &Actor,
    iin: &str,
    body: &serde_json::Value,
    browser_language: Option<Language>,
) -> Result<(), ApiError> {
    if !body.is_object() {
        return Err(ApiError::BadRequest("Send a JSON object.".into()));
    }
    if let Some(unknown) = body.as_object().and_then(|o| {
        o.keys()
            .find(|k| !matches!(k.as_str(), "email" | "phone" | "language"))
    }) {
        return Err(ApiError::invalid(
            unknown,
            "unknown_field",
            "Only email, phone and language can be set here.",
        ));
    }
    let language = language_field(body.get("language"))?;
    let email = match change_of(body, "email")? {
        Change::Set(v) => Change::Set(normalise_email(&v)?),
        other => other,
    };
    let phone = match change_of(body, "phone")? {
        Change::Set(v) => Change::Set(normalise_phone(&v)?),
        other => other,
    };
    let now = clock::now().timestamp();
    let at = clock::rfc3339(clock::from_unix(now));
    db.transaction(async |db| {
        ensure_preferences(db, iin, language.or(browser_language), &at).await?;
        if let Some(language) = language {
            db.exec(
                "UPDATE notice_preferences SET language = ?, updated_at = ? WHERE iin = ?",
                &[text(language.as_str()), text(&at), text(iin)],
            ).await?;
        }
        for (channel, change) in [(Channel::Email, &email), (Channel::Sms, &phone)] {
            match change {
                Change::Keep => {}
                Change::Remove => {
                    let removed = db.one(
                        "DELETE FROM contacts WHERE iin = ? AND channel = ? RETURNING address",
                        &[text(iin), text(channel.as_str())],
                    ).await?;
                    if removed.is_some() {
                        // Messages not yet sent to the removed address are not sent.
                        db.exec(
                            "UPDATE outbox SET state = 'dead', payload = '{}', last_error = 'address removed'
                             WHERE recipient_iin = ? AND channel = ? AND state = 'pending'",
                            &[text(iin), text(channel.as_str())],
                        ).await?;
                        audit::record(
                            db,
                            actor,
                            "contact_removed",
                            &format!("person:{iin}"),
                            serde_json::json!({ "channel": channel.as_str() }),
                        ).await?;
                    }
                }
                Change::Set(address) => {
                    let current = db.one(
                        "SELECT address, verified_at FROM contacts WHERE iin = ? AND channel = ?",
                        &[text(iin), text(channel.as_str())],
                    ).await?;
                    let same_verified = current.as_ref().is_some_and(|r| {
                        col_opt_text(r, 0).as_deref() == Some(address.as_str())
                            && col_opt_text(r, 1).is_some()
                    });
                    if same_verified {
                        continue;
                    }
                    // Nothing queued for the old address goes there any more: it may be
                    // someone else's now (a lost SIM card, a closed mailbox).
                    db.exec(
                        "UPDATE outbox SET state = 'dead', payload = '{}', last_error = 'address changed'
                         WHERE recipient_iin = ? AND channel = ? AND state = 'pending' AND address != ?",
                        &[text(iin), text(channel.as_str()), text(address)],
                    ).await?;
                    db.exec(
                        "INSERT INTO contacts (iin, channel, address, updated_at) VALUES (?, ?, ?, ?)
                         ON CONFLICT (iin, channel) DO UPDATE SET address = excluded.address,
                             verified_at = NULL, code_hash = NULL, code_expires_unix = NULL,
                             code_tries_left = 0, updated_at = excluded.updated_at",
                        &[text(iin), text(channel.as_str()), text(address), text(&at)],
                    ).await?;
                    send_code(db, iin, channel, address, now, &at).await?;
                    audit::record(
                        db,
                        actor,
                        "contact_set",
                        &format!("person:{iin}"),
                        serde_json::json!({ "channel": channel.as_str() }),
                    ).await?;
                }
            }
        }
        Ok(())
    }).await
}

/// How a code check ended. Checked and counted in one transaction that always commits, so a
/// wrong try is counted even though the request fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Verified,
    Wrong { tries_left: i64 },
    Exhausted,
    Expired,
    NoCode,
}

pub async fn verify(
    db: &Db,
    actor: &Actor,
    iin: &str,
    channel: Channel,
    code: &str,
) -> Result<Verification, ApiError> {
    let now = clock::now().timestamp();
    let at = clock::rfc3339(clock::from_unix(now));
    db.transaction(async |db| {
        let Some(row) = db
            .one(
                "SELECT code_hash, code_expires_unix, code_tries_left, verified_at FROM contacts
             WHERE iin = ? AND channel = ?",
                &[text(iin), text(channel.as_str())],
            )
            .await?
        else {
            return Ok(Verification::NoCode);
        };
        let Some(expected) = col_opt_text(&row, 0) else {
            return Ok(Verification::NoCode);
        };
        if col_opt_text(&row, 3).is_some() {
            return Ok(Verification::Verified);
        }
        if col_opt_int(&row, 1).is_none_or(|until| until <= now) {
            return Ok(Verification::Expired);
        }
        let tries_left = col_int(&row, 2)?;
        if tries_left <= 0 {
            return Ok(Verification::Exhausted);
        }
        let given = code_hash(iin, channel, code.trim());
        if random::constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            db.exec(
                "UPDATE contacts SET verified_at = ?, code_hash = NULL, code_expires_unix = NULL,
                     code_tries_left = 0, updated_at = ? WHERE iin = ? AND channel = ?",
                &[text(&at), text(&at), text(iin), text(channel.as_str())],
            )
            .await?;
            audit::record(
                db,
                actor,
                "contact_verified",
                &format!("person:{iin}"),
                serde_json::json!({ "channel": channel.as_str() }),
            )
            .await?;
            Ok(Verification::Verified)
        } else {
            db.exec(
                "UPDATE contacts SET code_tries_left = code_tries_left - 1, updated_at = ?
                 WHERE iin = ? AND channel = ?",
                &[text(&at), text(iin), text(channel.as_str())],
            )
            .await?;
            Ok(if tries_left - 1 == 0 {
                Verification::Exhausted
            } else {
                Verification::Wrong {
                    tries_left: tries_left - 1,
                }
            })
        }
    })
    .await
}

/// Checks a `kinds` object: every key a routable kind, every value a list of channels.
pub fn parse_kinds(value: &serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let bad = |msg: &str| ApiError::invalid("kinds", "invalid_kinds", msg);
    let object = value
        .as_object()
        .ok_or_else(|| bad("Give an object: kind of notice -> list of channels."))?;
    let mut out = serde_json::Map::new();
    for (kind, channels) in object {
        // Every kind of notice is routable (the verification code always goes to its own
        // address; the digest is chosen with `officer_digest`).
        if crate::notice::notify::Notice::parse(kind).is_none() {
            return Err(bad(&format!("{kind} is not a kind of notice.")));
        }
        let list = channels.as_array().ok_or_else(|| {
            bad("Each kind takes a list of channels (email, sms); [] is the feed only.")
        })?;
        let mut picked: Vec<&'static str> = Vec::new();
        for c in list {
            let channel = c
                .as_str()
                .and_then(Channel::parse)
                .ok_or_else(|| bad("Channels are email and sms."))?;
            if !picked.contains(&channel.as_str()) {
                picked.push(channel.as_str());
            }
        }
        out.insert(kind.clone(), picked.into());
    }
    Ok(serde_json::Value::Object(out))
}

/// Sets my language, my channels per kind and the officer's digest (one transaction with its
/// audit row).
pub async fn set_preferences(
    db: &Db,
    actor: &Actor,
    iin: &str,
    is_officer: bool,
    body: &serde_json::Value,
) -> Result<(), ApiError> {
    let object = body
        .as_object()
        .ok_or_else(|| ApiError::BadRequest("Send a JSON object.".into()))?;
    if let Some(unknown) = object
        .keys()
        .find(|k| !matches!(k.as_str(), "language" | "kinds" | "officer_digest"))
    {
        return Err(ApiError::invalid(
            unknown,
            "unknown_field",
            "Set language, kinds or officer_digest.",
        ));
    }
    let language = language_field(object.get("language"))?;
    let kinds = match object.get("kinds") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(parse_kinds(v)?),
    };
    let digest = match object.get("officer_digest") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Bool(b)) => Some(*b),
        Some(_) => {
            return Err(ApiError::invalid(
                "officer_digest",
                "invalid_type",
                "Give true or false.",
            ));
        }
    };
    if digest == Some(true) && !is_officer {
        return Err(ApiError::invalid(
            "officer_digest",
            "not_an_officer",
            "The daily digest of the queue is for officers.",
        ));
    }
    let at = clock::rfc3339(clock::now());
    db.transaction(async |db| {
        ensure_preferences(db, iin, language, &at).await?;
        db.exec(
            "UPDATE notice_preferences SET language = coalesce(?, language),
                 channels = coalesce(?, channels),
                 officer_digest = coalesce(?, officer_digest), updated_at = ?
             WHERE iin = ?",
            &[
                opt_text(language.map(Language::as_str)),
                opt_text(kinds.as_ref().map(|k| k.to_string())),
                digest.map_or(spin_sdk::sqlite::Value::Null, |d| int(i64::from(d))),
                text(&at),
                text(iin),
            ],
        )
        .await?;
        audit::record(
            db,
            actor,
            "notice_preferences_set",
            &format!("person:{iin}"),
            serde_json::json!({
                "language": language.map(Language::as_str),
                "kinds": kinds,
                "officer_digest": digest,
            }),
        )
        .await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn e_mail_addresses_are_plain_and_their_domain_lower_case() {
        assert_eq!(
            normalise_email("  Aigerim.N@Mail.KZ ").unwrap(),
            "Aigerim.N@mail.kz"
        );
        for bad in [
            "",
            "no-at",
            "@mail.kz",
            "a@",
            "a@kz",
            "a b@mail.kz",
            "a@mail..kz",
            ".a@mail.kz",
            "a@-mail.kz",
            "a@mail.k2",
            "\"q\"@mail.kz",
            "a@mail.kz\nBcc: b@mail.kz",
            "a@mail.kz>",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}@mail.kz", "a".repeat(65));
        assert!(normalise_email(&long).is_err());
    }

    #[test]
    fn phones_are_plus_seven_and_ten_digits() {
        assert_eq!(
            normalise_phone("+7 (701) 234-56-78").unwrap(),
            "+77012345678"
        );
        for bad in [
            "87012345678",
            "+7701234567",
            "+770123456789",
            "+1 701 234 5678",
            "+7701234567a",
            "",
        ] {
            assert!(normalise_phone(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn absent_keeps_null_or_empty_removes_text_sets() {
        let body = json!({"email": null, "phone": "", "x": 1});
        assert_eq!(change_of(&body, "email").unwrap(), Change::Remove);
        assert_eq!(change_of(&body, "phone").unwrap(), Change::Remove);
        assert_eq!(change_of(&json!({}), "email").unwrap(), Change::Keep);
        assert_eq!(
            change_of(&json!({"email": "a@b.kz"}), "email").unwrap(),
            Change::Set("a@b.kz".into())
        );
        assert!(change_of(&body, "x").is_err());
    }

    #[test]
    fn kinds_name_known_notices_and_channels() {
        assert_eq!(
            parse_kinds(
                &json!({"decision_available": ["sms", "sms", "email"], "filing_updated": []})
            )
            .unwrap(),
            json!({"decision_available": ["sms", "email"], "filing_updated": []})
        );
        assert!(parse_kinds(&json!({"verification_code": []})).is_err());
        assert!(parse_kinds(&json!({"decision_available": ["fax"]})).is_err());
        assert!(parse_kinds(&json!({"decision_available": "sms"})).is_err());
        assert!(parse_kinds(&json!([])).is_err());
    }

    #[test]
    fn codes_are_bound_to_the_person_and_channel() {
        assert_ne!(
            code_hash("900101300011", Channel::Sms, "123456"),
            code_hash("900101300011", Channel::Email, "123456")
        );
        assert_ne!(
            code_hash("900101300011", Channel::Sms, "123456"),
            code_hash("900101300012", Channel::Sms, "123456")
        );
    }
}
