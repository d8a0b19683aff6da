//! Notices that leave the portal: the outbox, written in the transaction of the change it
//! reports, and the dispatcher that sends it through the one delivery webhook.
//!
//! The webhook gets `POST <notify_webhook_url>` with the JSON message
//! `{"id", "channel", "to", "language", "template", "text"}` and the header
//! `X-Jaria-Signature: sha256=<hex HMAC-SHA256 of the body keyed by notify_webhook_secret>`.
//! A 2xx answer means delivered. The id is stable per message: a tick that dies between
//! sending and marking sends the same id again, so the receiver de-duplicates by it and nothing
//! is lost.
//!
//! A row is claimed by moving its `next_attempt_unix` forward by a lease in one write
//! transaction: parallel ticks never take the same row, and a crashed tick's rows come due
//! again when the lease ends. What a tick records afterwards applies only while it still holds
//! the lease.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::platform::db::{Db, col_int, col_opt_text, col_text, int, text};
use crate::platform::error::ApiError;
use crate::platform::outbound::{self, Target};
use crate::{platform::clock, platform::random};

/// Where a notice goes besides the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Sms,
}

crate::text_enum!(Channel {
    Email => "email",
    Sms => "sms",
});

/// The languages notices are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Kk,
    Ru,
    En,
}

crate::text_enum!(Language {
    Kk => "kk",
    Ru => "ru",
    En => "en",
});

impl Language {
    /// Until a person chooses: the language most criminal proceedings in Kazakhstan run in.
    pub const DEFAULT: Language = Language::Ru;

    /// A stored language column (NULL when the person never chose: the default).
    pub fn stored(text: Option<String>) -> Language {
        text.as_deref()
            .and_then(Language::parse)
            .unwrap_or(Language::DEFAULT)
    }

    /// The first language of an `Accept-Language` header that notices are written in, in
    /// the order the browser prefers them (`q` weights honoured).
    pub fn from_accept_language(header: &str) -> Option<Language> {
        let mut ranked: Vec<(f32, usize, Language)> = Vec::new();
        for (position, item) in header.split(',').enumerate() {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(language) = Language::parse(primary)
                && q > 0.0
            {
                ranked.push((q, position, language));
            }
        }
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map(|r| r.2)
    }
}

/// One template: its name (the webhook's `template`), its three texts, and where its link
/// leads. `{name}` is filled from the payload; a text never carries case content, only
/// numbers the recipient already knows.
struct Template {
    name: &'static str,
    kk: &'static str,
    ru: &'static str,
    en: &'static str,
    link: Option<&'static str>,
}

const TEMPLATES: &[Template] = &[
    Template {
        name: "participant_recorded",
        kk: "Jaria: сіз № {erdr_number} іске қатысушы ретінде тіркелдіңіз.",
        ru: "Jaria: вы внесены в дело № {erdr_number} как участник процесса.",
        en: "Jaria: you have been recorded as a participant in case {erdr_number}.",
        link: Some("/#/cases/{erdr_number}"),
    },
    Template {
        name: "filing_forwarded",
        kk: "Jaria: № {registration_number} өтінішіңіз басқа органға жіберілді.",
        ru: "Jaria: ваше обращение № {registration_number} направлено в другой орган.",
        en: "Jaria: your filing {registration_number} has been forwarded to another body.",
        link: Some("/#/filings/{filing_id}"),
    },
    Template {
        name: "filing_updated",
        kk: "Jaria: № {registration_number} өтінішіңіз бойынша жаңалық бар.",
        ru: "Jaria: есть новости по вашему обращению № {registration_number}.",
        en: "Jaria: there is news on your filing {registration_number}.",
        link: Some("/#/filings/{filing_id}"),
    },
    Template {
        name: "access_request_decided",
        kk: "Jaria: № {erdr_number} іс бойынша мәртебе туралы сұрауыңыз қаралды.",
        ru: "Jaria: по вашему запросу статуса в деле № {erdr_number} принято решение.",
        en: "Jaria: your request for a status in case {erdr_number} has been decided.",
        link: Some("/#/cases"),
    },
    Template {
        name: "status_revoked",
        kk: "Jaria: № {erdr_number} іс бойынша процестік мәртебеңіз өзгерді.",
        ru: "Jaria: ваш процессуальный статус в деле № {erdr_number} изменён.",
        en: "Jaria: your procedural status in case {erdr_number} has changed.",
        link: Some("/#/cases"),
    },
    Template {
        name: "decision_available",
        kk: "Jaria: № {erdr_number} іс бойынша жаңа процестік шешім қолжетімді.",
        ru: "Jaria: по делу № {erdr_number} доступно новое процессуальное решение.",
        en: "Jaria: a new procedural decision is available in case {erdr_number}.",
        link: Some("/#/cases/{erdr_number}"),
    },
    Template {
        name: "decision_annulled",
        kk: "Jaria: № {erdr_number} іс бойынша сізге жеткізілген процестік шешімнің күші жойылды.",
        ru: "Jaria: по делу № {erdr_number} отменено процессуальное решение, которое было вам направлено.",
        en: "Jaria: a procedural decision you received in case {erdr_number} has been annulled.",
        link: Some("/#/cases/{erdr_number}"),
    },
    Template {
        name: "decision_corrected",
        kk: "Jaria: № {erdr_number} іс бойынша сізге жеткізілген процестік шешімге түзету енгізілді.",
        ru: "Jaria: по делу № {erdr_number} исправлено процессуальное решение, которое было вам направлено.",
        en: "Jaria: a procedural decision you received in case {erdr_number} has been corrected.",
        link: Some("/#/cases/{erdr_number}"),
    },
    Template {
        name: "familiarisation_granted",
        kk: "Jaria: сізге № {erdr_number} іс материалдарымен танысу құқығы берілді.",
        ru: "Jaria: вам предоставлено право ознакомления с материалами дела № {erdr_number}.",
        en: "Jaria: you may now get acquainted with materials of case {erdr_number}.",
        link: Some("/#/cases/{erdr_number}"),
    },
    Template {
        name: "familiarisation_revoked",
        kk: "Jaria: № {erdr_number} іс материалдарымен танысу құқығы тоқтатылды.",
        ru: "Jaria: право ознакомления с материалами дела № {erdr_number} прекращено.",
        en: "Jaria: your right to get acquainted with materials of case {erdr_number} has ended.",
        link: Some("/#/cases/{erdr_number}"),
    },
    Template {
        name: "stage_changed",
        kk: "Jaria: № {erdr_number} іс жаңа сатыға өтті.",
        ru: "Jaria: дело № {erdr_number} перешло на новую стадию.",
        en: "Jaria: case {erdr_number} has moved to a new stage.",
        link: Some("/#/cases/{erdr_number}"),
    },
    Template {
        name: "filing_received",
        kk: "Jaria: сізге № {registration_number} жаңа өтініш келді, мерзімі {due_at}.",
        ru: "Jaria: к вам поступило обращение № {registration_number}, срок {due_at}.",
        en: "Jaria: filing {registration_number} has arrived for you, due {due_at}.",
        link: Some("/#/officer/filings/{filing_id}"),
    },
    Template {
        name: "access_request_received",
        kk: "Jaria: № {erdr_number} іс бойынша процестік мәртебе туралы сұрау келді, жауап беру мерзімі {due_at}.",
        ru: "Jaria: по делу № {erdr_number} поступил запрос о процессуальном статусе, ответить до {due_at}.",
        en: "Jaria: a request for a procedural status in case {erdr_number} has arrived, to be answered by {due_at}.",
        link: Some("/#/officer/queue"),
    },
    Template {
        name: "filed_on_behalf",
        kk: "Jaria: сіздің атыңыздан № {registration_number} өтініш берілді.",
        ru: "Jaria: от вашего имени подано обращение № {registration_number}.",
        en: "Jaria: filing {registration_number} has been made on your behalf.",
        link: Some("/#/filings/{filing_id}"),
    },
    Template {
        name: "custody_waiting",
        kk: "Jaria: қамаудағы адамның № {registration_number} өтініші {hours_waiting} сағаттан бері қаралмай тұр; {handover_due_at} дейін қолға алынуы тиіс (ҚПК 101-бабы).",
        ru: "Jaria: обращение № {registration_number} лица под стражей ждёт уже {hours_waiting} ч.; его нужно принять в работу до {handover_due_at} (ст. 101 УПК).",
        en: "Jaria: filing {registration_number} of a person in custody has waited {hours_waiting} hours; it must be taken up by {handover_due_at} (CPC art. 101).",
        link: Some("/#/officer/filings/{filing_id}"),
    },
    Template {
        name: "filing_overdue",
        kk: "Jaria: № {registration_number} өтінішіңізге жауап беру мерзімі өтті.",
        ru: "Jaria: срок ответа на ваше обращение № {registration_number} истёк.",
        en: "Jaria: the period for answering your filing {registration_number} has run out.",
        link: Some("/#/filings/{filing_id}"),
    },
    Template {
        name: "court_window",
        kk: "Jaria: № {registration_number} өтініш бойынша шешімге тергеу судьясына шағымдануға {days_left} күн қалды (ҚПК 106-бабы).",
        ru: "Jaria: до окончания срока обжалования следственному судье по обращению № {registration_number} осталось дней: {days_left} (ст. 106 УПК).",
        en: "Jaria: {days_left} days are left to take the answer to your filing {registration_number} to the investigating judge (CPC art. 106).",
        link: Some("/#/filings/{filing_id}"),
    },
    Template {
        name: "filing_due_soon",
        kk: "Jaria: № {registration_number} өтініш бойынша мерзім 24 сағат ішінде бітеді ({due_at}).",
        ru: "Jaria: срок по обращению № {registration_number} истекает в течение 24 часов ({due_at}).",
        en: "Jaria: filing {registration_number} is due within 24 hours ({due_at}).",
        link: Some("/#/officer/filings/{filing_id}"),
    },
    Template {
        name: "filing_overdue_escalated",
        kk: "Jaria: № {registration_number} өтініштің мерзімі өтті ({due_at}).",
        ru: "Jaria: обращение № {registration_number} просрочено (срок {due_at}).",
        en: "Jaria: filing {registration_number} is overdue (it was due {due_at}).",
        link: Some("/#/officer/filings/{filing_id}"),
    },
    Template {
        name: "officer_digest",
        kk: "Jaria: бүгінгі кезегіңіз: жұмыста {open}, 24 сағат ішінде мерзімі бітетіні {due_soon}, мерзімі өткені {overdue}.",
        ru: "Jaria: ваша очередь на сегодня: в работе {open}, срок в течение 24 часов у {due_soon}, просрочено {overdue}.",
        en: "Jaria: your queue today: {open} open, {due_soon} due within 24 hours, {overdue} overdue.",
        link: Some("/#/officer/queue"),
    },
    Template {
        name: "notices_digest",
        kk: "Jaria: порталда сізге тағы {count} хабарлама бар. Толығырақ — жеке кабинетте.",
        ru: "Jaria: на портале для вас ещё уведомлений: {count}. Подробности — в личном кабинете.",
        en: "Jaria: {count} more notices for you on the portal. See your account for details.",
        link: Some("/#/notifications"),
    },
    Template {
        name: "verification_code",
        kk: "Jaria: растау коды {code}. 10 минут жарамды. Оны ешкімге айтпаңыз.",
        ru: "Jaria: код подтверждения {code}. Действует 10 минут. Никому его не сообщайте.",
        en: "Jaria: your confirmation code is {code}. It is valid for 10 minutes. Do not tell it to anyone.",
        link: None,
    },
];

/// Why a message could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("no template named {0}")]
    UnknownTemplate(String),
    #[error("template {template} needs {field}, which the message does not carry")]
    MissingField { template: String, field: String },
}

/// Whether a template of that name exists.
pub fn is_template(name: &str) -> bool {
    TEMPLATES.iter().any(|t| t.name == name)
}

fn fill(pattern: &str, template: &str, payload: &serde_json::Value) -> Result<String, RenderError> {
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('}').unwrap_or(after.len());
        let field = &after[..end];
        let value = match payload.get(field) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => {
                return Err(RenderError::MissingField {
                    template: template.to_owned(),
                    field: field.to_owned(),
                });
            }
        };
        out.push_str(&value);
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

/// The text of one message in its language, with the link to the page it is about when the
/// portal's origin is known.
pub fn render(
    template: &str,
    language: Language,
    payload: &serde_json::Value,
    origin: Option<&str>,
) -> Result<String, RenderError> {
    let t = TEMPLATES
        .iter()
        .find(|t| t.name == template)
        .ok_or_else(|| RenderError::UnknownTemplate(template.to_owned()))?;
    let pattern = match language {
        Language::Kk => t.kk,
        Language::Ru => t.ru,
        Language::En => t.en,
    };
    let mut out = fill(pattern, template, payload)?;
    if let (Some(link), Some(origin)) = (t.link, origin.map(|o| o.trim_end_matches('/')))
        && !origin.is_empty()
    {
        out.push(' ');
        out.push_str(origin);
        out.push_str(&fill(link, template, payload)?);
    }
    Ok(out)
}

/// The message the webhook receives.
#[derive(Debug, Clone, Serialize)]
pub struct Message<'a> {
    pub id: &'a str,
    pub channel: Channel,
    pub to: &'a str,
    pub language: Language,
    pub template: &'a str,
    pub text: &'a str,
}

/// `sha256=<hex>` of HMAC-SHA256(secret, body): the value of `X-Jaria-Signature`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes a key of any length; new_from_slice cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Seconds to wait before attempt `attempts + 1`, after `attempts` failed: exponential from
/// `base`, capped at six hours, spread by ±25 % (`jitter` in 0..1) so a receiver that comes
/// back is not hit by every message at once.
pub fn backoff_secs(attempts: u32, base: i64, jitter: f64) -> i64 {
    const CAP: i64 = 6 * 3600;
    let exponent = attempts.saturating_sub(1).min(20);
    let plain = base.max(1).saturating_mul(1_i64 << exponent).min(CAP);
    let factor = 0.75 + 0.5 * jitter.clamp(0.0, 1.0);
    ((plain as f64) * factor).round().max(1.0) as i64
}

/// The delivery webhook as configured.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub target: Target,
    pub secret: Vec<u8>,
    pub retry_base_secs: i64,
    pub max_attempts: u32,
    pub timeout: Duration,
}

/// Why the webhook settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookConfigError {
    #[error("notify_webhook_url is not an http(s) URL")]
    BadUrl,
    #[error("notify_webhook_url must use https (plain http only to a loopback address)")]
    PlainHttp,
    #[error(
        "notify_webhook_origin must be the scheme, host and port of notify_webhook_url (it is what allowed_outbound_hosts lets through)"
    )]
    OriginMismatch,
    #[error("notify_webhook_secret must be at least 16 characters")]
    WeakSecret,
}

fn is_loopback(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    matches!(host, "localhost" | "::1") || host.starts_with("127.")
}

impl Webhook {
    /// From the variables; `Ok(None)` when no URL is set (delivery is off: messages wait).
    pub fn from_settings(
        url: &str,
        origin: &str,
        secret: &str,
        retry_base_secs: i64,
        max_attempts: u32,
        timeout: Duration,
    ) -> Result<Option<Webhook>, WebhookConfigError> {
        let url = url.trim();
        if url.is_empty() {
            return Ok(None);
        }
        let target = Target::parse(url).map_err(|_| WebhookConfigError::BadUrl)?;
        if !target.https && !is_loopback(&target.authority) {
            return Err(WebhookConfigError::PlainHttp);
        }
        let allowed = Target::parse(origin).map_err(|_| WebhookConfigError::OriginMismatch)?;
        if allowed.https != target.https
            || !allowed
                .authority
                .eq_ignore_ascii_case(target.authority.as_str())
            || allowed.path_and_query != "/"
        {
            return Err(WebhookConfigError::OriginMismatch);
        }
        if secret.trim().chars().count() < 16 {
            return Err(WebhookConfigError::WeakSecret);
        }
        Ok(Some(Webhook {
            target,
            secret: secret.trim().as_bytes().to_vec(),
            retry_base_secs: retry_base_secs.max(1),
            max_attempts: max_attempts.max(1),
            timeout: timeout.clamp(Duration::from_millis(100), Duration::from_secs(30)),
        }))
    }

    /// From the component's variables.
    pub async fn configured() -> Result<Option<Webhook>, WebhookConfigError> {
        use crate::platform::settings::{self, Variable};
        async fn var(variable: Variable) -> String {
            variable.optional().await.unwrap_or_default()
        }
        async fn number(variable: Variable, default: i64) -> i64 {
            var(variable).await.trim().parse::<i64>().unwrap_or(default)
        }
        Webhook::from_settings(
            &var(settings::NOTIFY_WEBHOOK_URL).await,
            &var(settings::NOTIFY_WEBHOOK_ORIGIN).await,
            &var(settings::NOTIFY_WEBHOOK_SECRET).await,
            number(settings::NOTIFY_RETRY_BASE_SECS, 30).await,
            u32::try_from(number(settings::NOTIFY_MAX_ATTEMPTS, 10).await).unwrap_or(10),
            Duration::from_millis(
                u64::try_from(number(settings::NOTIFY_WEBHOOK_TIMEOUT_MS, 10_000).await)
                    .unwrap_or(10_000),
            ),
        )
    }
}

/// How long a claim keeps other ticks off a row: longer than a tick's budget plus one send at
/// the longest timeout (connect and answer, 30 s each).
pub const CLAIM_LEASE_SECS: i64 = 300;
/// Rows claimed per write transaction.
const BATCH: i64 = 25;

/// Queues a message for one address (in the caller's transaction).
#[allow(clippy::too_many_arguments)]
pub async fn enqueue(
    db: &Db,
    recipient_iin: &str,
    channel: Channel,
    address: &str,
    language: Language,
    template: &str,
    payload: &serde_json::Value,
    at: &str,
    now_unix: i64,
) -> Result<String, ApiError> {
    let id = random::id()?;
    db.exec(
        "INSERT INTO outbox (id, channel, recipient_iin, address, language, template, payload, state, created_at, next_attempt_unix)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
        &[
            text(&id),
            text(channel.as_str()),
            text(recipient_iin),
            text(address),
            text(language.as_str()),
            text(template),
            text(payload.to_string()),
            text(at),
            int(now_unix),
        ],
    ).await?;
    Ok(id)
}

/// Which verified channels a person wants `kind` on: the kinds they named get exactly the
/// channels named; a kind not named goes to every verified channel.
pub fn wanted_channels(preferences: &serde_json::Value, kind: &str) -> Option<Vec<Channel>> {
    preferences
        .get(kind)
        .and_then(|v| v.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|c| c.as_str().and_then(Channel::parse))
                .collect()
        })
}

/// A person's language for notices.
pub async fn language_of(db: &Db, iin: &str) -> Result<Language, ApiError> {
    let row = db
        .one(
            "SELECT language FROM notice_preferences WHERE iin = ?",
            &[text(iin)],
        )
        .await?;
    Ok(Language::stored(row.and_then(|r| col_opt_text(&r, 0))))
}

/// Queues `template` to every verified channel `recipient` wants it on (in the caller's
/// transaction). Returns how many messages were queued.
pub async fn enqueue_for(
    db: &Db,
    recipient: &str,
    template: &str,
    payload: &serde_json::Value,
    at: &str,
    now_unix: i64,
) -> Result<usize, ApiError> {
    let rows = db
        .query(
            "SELECT c.channel, c.address, p.language, p.channels
         FROM contacts c LEFT JOIN notice_preferences p ON p.iin = c.iin
         WHERE c.iin = ? AND c.verified_at IS NOT NULL",
            &[text(recipient)],
        )
        .await?;
    let mut queued = 0;
    let mut sms_folded = None;
    for row in &rows.rows {
        let Some(channel) = Channel::parse(&col_text(row, 0)?) else {
            continue;
        };
        let language = Language::stored(col_opt_text(row, 2));
        let preferences: serde_json::Value = col_opt_text(row, 3)
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default();
        if let Some(wanted) = wanted_channels(&preferences, template)
            && !wanted.contains(&channel)
        {
            continue;
        }
        if channel == Channel::Sms && template != VERIFICATION_CODE {
            let fold = match sms_folded {
                Some(fold) => fold,
                None => *sms_folded.insert(sms_past_the_day(db, recipient, now_unix).await?),
            };
            if fold {
                fold_into_digest(db, recipient, &col_text(row, 1)?, language, at, now_unix).await?;
                queued += 1;
                continue;
            }
        }
        enqueue(
            db,
            recipient,
            channel,
            &col_text(row, 1)?,
            language,
            template,
            payload,
            at,
            now_unix,
        )
        .await?;
        queued += 1;
    }
    Ok(queued)
}

const VERIFICATION_CODE: &str = "verification_code";
const NOTICES_DIGEST: &str = "notices_digest";
/// SMS notices one person gets in any 24 hours before the rest are folded into digests
/// (`sms_per_person_per_day`): a flood of filings or decisions must not become a flood of
/// paid messages to one phone. Codes are never folded.
pub const SMS_PER_PERSON_PER_DAY: i64 = 10;
/// How long a digest gathers notices before it is sent (`sms_digest_delay_secs`): past the
/// day's allowance a person gets at most one SMS in this time.
pub const SMS_DIGEST_DELAY_SECS: i64 = 3600;

/// Whether `recipient` has had the day's SMS notices already.
async fn sms_past_the_day(db: &Db, recipient: &str, now_unix: i64) -> Result<bool, ApiError> {
    let allowance = crate::platform::settings::SMS_PER_PERSON_PER_DAY
        .positive_number(SMS_PER_PERSON_PER_DAY)
        .await;
    let since = clock::rfc3339(clock::from_unix(now_unix - 24 * 3600));
    let sent = db
        .one(
            "SELECT count(*) FROM outbox
              WHERE recipient_iin = ? AND channel = 'sms' AND created_at > ?
                AND template NOT IN ('verification_code', 'notices_digest')",
            &[text(recipient), text(since)],
        )
        .await?
        .map(|row| col_int(&row, 0))
        .transpose()?
        .unwrap_or(0);
    Ok(sent >= allowance)
}

/// Counts one more notice in the digest waiting for `address`, or starts one, sent after
/// [`SMS_DIGEST_DELAY_SECS`]. Only a digest not yet due is added to: a due one may be on its
/// way already (then this notice starts the next digest).
async fn fold_into_digest(
    db: &Db,
    recipient: &str,
    address: &str,
    language: Language,
    at: &str,
    now_unix: i64,
) -> Result<(), ApiError> {
    let counted = db
        .one(
            "UPDATE outbox SET payload = json_set(payload, '$.count', json_extract(payload, '$.count') + 1)
              WHERE recipient_iin = ? AND channel = 'sms' AND address = ? AND template = 'notices_digest'
                AND state = 'pending' AND attempts = 0 AND next_attempt_unix > ?
             RETURNING id",
            &[text(recipient), text(address), int(now_unix)],
        )
        .await?;
    if counted.is_some() {
        return Ok(());
    }
    let delay = crate::platform::settings::SMS_DIGEST_DELAY_SECS
        .positive_number(SMS_DIGEST_DELAY_SECS)
        .await;
    enqueue(
        db,
        recipient,
        Channel::Sms,
        address,
        language,
        NOTICES_DIGEST,
        &serde_json::json!({ "count": 1 }),
        at,
        now_unix + delay,
    )
    .await
    .map(drop)
}

/// A row a tick has claimed, with the lease it holds it by (its `next_attempt_unix`).
#[derive(Debug, Clone)]
struct Claimed {
    id: String,
    channel: Channel,
    address: String,
    language: Language,
    template: String,
    payload: serde_json::Value,
    attempts: u32,
    lease: i64,
}

/// Claims up to `limit` due rows, verification codes first (they are useless after ten
/// minutes). In the same transaction it gives up on what can no longer be sent well: codes
/// older than their lifetime, and rows whose attempts are used up without an outcome (a send
/// that kept killing the tick), so no row can block the queue for ever.
async fn claim(db: &Db, webhook: &Webhook, now: i64, limit: i64) -> Result<Vec<Claimed>, ApiError> {
    let at = clock::rfc3339(clock::from_unix(now));
    let lease = now + CLAIM_LEASE_SECS;
    let rows = db.transaction(async |db| {
        db.exec(
            "UPDATE outbox SET state = 'dead', payload = '{}', last_error = 'the code expired before it could be delivered'
             WHERE state = 'pending' AND template = 'verification_code' AND next_attempt_unix <= ? AND created_at < ?",
            &[
                int(now),
                text(clock::rfc3339(clock::from_unix(now - crate::notice::contacts::CODE_TTL_SECS))),
            ],
        ).await?;
        db.exec(
            "UPDATE outbox SET state = 'dead',
                    payload = CASE WHEN template = 'verification_code' THEN '{}' ELSE payload END,
                    last_error = coalesce(last_error, 'no outcome was recorded') || ' (attempts used up)'
             WHERE state = 'pending' AND next_attempt_unix <= ? AND attempts >= ?",
            &[int(now), int(i64::from(webhook.max_attempts))],
        ).await?;
        let page = crate::platform::db::limit(limit);
        db.query(
            &format!("UPDATE outbox SET next_attempt_unix = ?, attempts = attempts + 1, last_attempt_at = ?
             WHERE id IN (
                 SELECT id FROM (SELECT id FROM outbox
                                 WHERE state = 'pending' AND template = 'verification_code' AND next_attempt_unix <= ?
                                 ORDER BY next_attempt_unix {page})
                 UNION ALL
                 SELECT id FROM (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_unix <= ?
                                 ORDER BY next_attempt_unix {page}))
             RETURNING id, channel, address, language, template, payload, attempts"),
            &[int(lease), text(&at), int(now), int(now)],
        ).await
    }).await?;
    let mut out = Vec::with_capacity(rows.rows.len());
    for row in &rows.rows {
        out.push(Claimed {
            id: col_text(row, 0)?,
            channel: Channel::parse(&col_text(row, 1)?).unwrap_or(Channel::Email),
            address: col_text(row, 2)?,
            language: Language::stored(col_opt_text(row, 3)),
            template: col_text(row, 4)?,
            payload: serde_json::from_str(&col_text(row, 5)?).unwrap_or_default(),
            attempts: u32::try_from(col_int(row, 6)?).unwrap_or(u32::MAX),
            lease,
        });
    }
    Ok(out)
}

/// What became of one claimed row.
enum Fate {
    Sent,
    /// Failed; tried again after the backoff unless attempts are used up.
    Failed(String),
    /// Can never be sent (a template that does not render): dead at once.
    Unsendable(String),
}

/// What one dispatch did.
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct DispatchReport {
    pub sent: u64,
    pub retrying: u64,
    pub dead: u64,
}

async fn send_one(webhook: &Webhook, row: &Claimed, origin: Option<&str>) -> Fate {
    let text = match render(&row.template, row.language, &row.payload, origin) {
        Ok(text) => text,
        Err(e) => return Fate::Unsendable(e.to_string()),
    };
    let message = Message {
        id: &row.id,
        channel: row.channel,
        to: &row.address,
        language: row.language,
        template: &row.template,
        text: &text,
    };
    let body = match serde_json::to_vec(&message) {
        Ok(body) => body,
        Err(e) => return Fate::Unsendable(e.to_string()),
    };
    let signed = signature(&webhook.secret, &body);
    let post = outbound::Post {
        target: &webhook.target,
        content_type: "application/json",
        headers: &[
            ("x-jaria-signature", &signed),
            ("x-jaria-message-id", &row.id),
        ],
        body: &body,
        timeout: webhook.timeout,
        // The answer is not used; only a huge one is refused (and then sent again).
        max_bytes: 1024 * 1024,
    };
    match outbound::post(&post).await {
        Ok(answer) if (200..300).contains(&answer.status) => Fate::Sent,
        Ok(answer) => Fate::Failed(format!("the webhook answered HTTP {}", answer.status)),
        Err(e) => Fate::Failed(e.to_string()),
    }
}

/// Records what became of each row, only where this tick still holds its claim (a row whose
/// lease ran out may have been claimed again; then that tick decides it).
async fn record_fates(
    db: &Db,
    webhook: &Webhook,
    fates: &[(Claimed, Fate)],
    now: i64,
    report: &mut DispatchReport,
) -> Result<(), ApiError> {
    let at = clock::rfc3339(clock::from_unix(now));
    // Counted inside, added to the report once committed (a transaction the database ends
    // under us runs again).
    let (sent, retrying, dead) = db.transaction(async |db| {
        let (mut sent, mut retrying, mut dead) = (0, 0, 0);
        for (row, fate) in fates {
            match fate {
                Fate::Sent => {
                    // A delivered code is not kept.
                    db.exec(
                        "UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL,
                                payload = CASE WHEN template = 'verification_code' THEN '{}' ELSE payload END
                         WHERE id = ? AND state = 'pending' AND next_attempt_unix = ?",
                        &[text(&at), text(&row.id), int(row.lease)],
                    ).await?;
                    sent += 1;
                }
                Fate::Failed(error) if row.attempts < webhook.max_attempts => {
                    let jitter = f64::from(random::bytes::<1>()?[0]) / 255.0;
                    let wait = backoff_secs(row.attempts, webhook.retry_base_secs, jitter);
                    // `now` is whole seconds, cut down: counted from the next second, the
                    // retry waits at least `wait` (from `now` it could come at once, and a
                    // tick still sending would try again straight away).
                    let due = now + 1 + wait;
                    db.exec(
                        "UPDATE outbox SET next_attempt_unix = ?, last_error = ?
                         WHERE id = ? AND state = 'pending' AND next_attempt_unix = ?",
                        &[int(due), text(error), text(&row.id), int(row.lease)],
                    ).await?;
                    retrying += 1;
                }
                Fate::Failed(error) | Fate::Unsendable(error) => {
                    db.exec(
                        "UPDATE outbox SET state = 'dead', last_error = ?,
                                payload = CASE WHEN template = 'verification_code' THEN '{}' ELSE payload END
                         WHERE id = ? AND state = 'pending' AND next_attempt_unix = ?",
                        &[text(error), text(&row.id), int(row.lease)],
                    ).await?;
                    dead += 1;
                }
            }
        }
        Ok((sent, retrying, dead))
    }).await?;
    report.sent += sent;
    report.retrying += retrying;
    report.dead += dead;
    Ok(())
}

/// Sends due messages, a claimed batch at a time, until none is due or `budget` is spent.
pub async fn dispatch(
    db: &Db,
    webhook: &Webhook,
    origin: Option<&str>,
    budget: Duration,
) -> Result<DispatchReport, ApiError> {
    let started = Instant::now();
    let mut report = DispatchReport::default();
    while started.elapsed() < budget {
        let now = clock::now().timestamp();
        let batch = claim(db, webhook, now, BATCH).await?;
        if batch.is_empty() {
            break;
        }
        let mut fates = Vec::with_capacity(batch.len());
        let mut rows = batch.into_iter();
        for row in rows.by_ref() {
            let fate = send_one(webhook, &row, origin).await;
            fates.push((row, fate));
            if started.elapsed() >= budget {
                break;
            }
        }
        // Rows claimed but not tried (budget spent) come due again now, not after the lease.
        let untried: Vec<Claimed> = rows.collect();
        record_fates(db, webhook, &fates, clock::now().timestamp(), &mut report).await?;
        if !untried.is_empty() {
            db.transaction(async |db| {
                for row in &untried {
                    db.exec(
                        "UPDATE outbox SET next_attempt_unix = ?, attempts = attempts - 1
                         WHERE id = ? AND state = 'pending' AND next_attempt_unix = ?",
                        &[int(now), text(&row.id), int(row.lease)],
                    )
                    .await?;
                }
                Ok(())
            })
            .await?;
        }
    }
    Ok(report)
}

/// Deletes delivered messages after 30 days and dead ones after 90: the outbox is a queue,
/// not an archive (the audit chain and the feed are the record).
pub async fn prune(db: &Db, now: i64) -> Result<u64, ApiError> {
    let mut pruned = 0;
    for (state, days) in [("sent", 30), ("dead", 90)] {
        let gone = db
            .query(
                "DELETE FROM outbox WHERE id IN (
                 SELECT id FROM outbox WHERE state = ? AND created_at < ? LIMIT 1000)
             RETURNING id",
                &[
                    text(state),
                    text(clock::rfc3339(clock::from_unix(now - days * 86_400))),
                ],
            )
            .await?;
        pruned += gone.rows.len() as u64;
    }
    Ok(pruned)
}

/// The columns [`admin_view`] reads, in its order.
const ADMIN_COLUMNS: &str = "id, channel, recipient_iin, template, state, attempts, created_at, last_attempt_at, last_error, sent_at";

/// One outbox row as an admin sees it: never the text (a code may be in it).
fn admin_view(row: &spin_sdk::sqlite::RowResult) -> Result<serde_json::Value, ApiError> {
    Ok(serde_json::json!({
        "id": col_text(row, 0)?,
        "channel": col_text(row, 1)?,
        "recipient_iin": col_text(row, 2)?,
        "template": col_text(row, 3)?,
        "state": col_text(row, 4)?,
        "attempts": col_int(row, 5)?,
        "created_at": col_text(row, 6)?,
        "last_attempt_at": col_opt_text(row, 7),
        "last_error": col_opt_text(row, 8),
        "sent_at": col_opt_text(row, 9),
    }))
}

/// The admin's list: messages in `state`, newest first, at most `limit`.
pub async fn list(db: &Db, state: &str, limit: i64) -> Result<Vec<serde_json::Value>, ApiError> {
    let rows = db.query(
        &format!(
            "SELECT {ADMIN_COLUMNS} FROM outbox WHERE state = ? ORDER BY created_at DESC, id {}",
            crate::platform::db::limit(limit)
        ),
        &[text(state)],
    ).await?;
    rows.each(admin_view)
}

/// Why a message cannot be put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryRefusal {
    NotFound,
    NotDead,
    /// A code (useless after ten minutes: the person asks for a new one) or a message to an
    /// address its owner removed or replaced (it may be someone else's now).
    MustNotBeResent,
}

/// Puts a dead message back in the queue, due now, with its attempts reset (in the caller's
/// transaction).
pub async fn retry(
    db: &Db,
    id: &str,
    now: i64,
) -> Result<Result<serde_json::Value, RetryRefusal>, ApiError> {
    let row = db
        .one(
            &format!(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_unix = ?
             WHERE id = ? AND state = 'dead' AND template != 'verification_code'
               AND coalesce(last_error, '') NOT IN ('address removed', 'address changed')
             RETURNING {ADMIN_COLUMNS}"
            ),
            &[int(now), text(id)],
        )
        .await?;
    if let Some(row) = row {
        return Ok(Ok(admin_view(&row)?));
    }
    Ok(Err(
        match db
            .one("SELECT state FROM outbox WHERE id = ?", &[text(id)])
            .await?
        {
            None => RetryRefusal::NotFound,
            Some(r) if col_text(&r, 0)? != "dead" => RetryRefusal::NotDead,
            Some(_) => RetryRefusal::MustNotBeResent,
        },
    ))
}

/// How many messages wait in each state (for health and the tick's answer).
pub async fn counts(db: &Db) -> Result<serde_json::Value, ApiError> {
    let rows = db
        .query("SELECT state, count(*) FROM outbox GROUP BY state", &[])
        .await?;
    let mut out = serde_json::json!({ "pending": 0, "sent": 0, "dead": 0 });
    for row in &rows.rows {
        out[col_text(row, 0)?] = serde_json::json!(col_int(row, 1)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_template_renders_in_every_language_from_its_own_fields() {
        let payload = json!({
            "registration_number": "ZH-2026-000001", "filing_id": 7, "erdr_number": "251234567890123",
            "days_left": 3, "due_at": "01.12.2026 18:00", "open": 4, "due_soon": 1, "overdue": 0,
            "code": "123456", "count": 2, "hours_waiting": 5, "handover_due_at": "02.12.2026 10:00",
        });
        for t in TEMPLATES {
            for language in Language::ALL {
                let text =
                    render(t.name, language, &payload, Some("https://jaria.example")).unwrap();
                assert!(!text.contains('{'), "{} {language:?}: {text}", t.name);
                assert!(text.starts_with("Jaria: "));
                if t.link.is_some() {
                    assert!(text.contains(" https://jaria.example/#/"), "{text}");
                } else {
                    assert!(!text.contains("https://"));
                }
            }
        }
    }

    #[test]
    fn a_missing_field_or_template_is_an_error_not_a_hole() {
        assert_eq!(
            render("decision_available", Language::Kk, &json!({}), None),
            Err(RenderError::MissingField {
                template: "decision_available".into(),
                field: "erdr_number".into()
            })
        );
        assert!(matches!(
            render("nope", Language::En, &json!({}), None),
            Err(RenderError::UnknownTemplate(_))
        ));
    }

    #[test]
    fn texts_carry_numbers_not_content() {
        let payload = json!({"erdr_number": "251234567890123", "title": "Secret decision title", "type": "indictment"});
        let text = render("decision_available", Language::Ru, &payload, None).unwrap();
        assert_eq!(
            text,
            "Jaria: по делу № 251234567890123 доступно новое процессуальное решение."
        );
        let text = render(
            "decision_available",
            Language::Kk,
            &payload,
            Some("https://e.kz/"),
        )
        .unwrap();
        assert_eq!(
            text,
            "Jaria: № 251234567890123 іс бойынша жаңа процестік шешім қолжетімді. https://e.kz/#/cases/251234567890123"
        );
    }

    #[test]
    fn the_signature_is_rfc_4231_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        assert_eq!(backoff_secs(1, 30, 0.5), 30);
        assert_eq!(backoff_secs(2, 30, 0.5), 60);
        assert_eq!(backoff_secs(3, 30, 0.5), 120);
        assert_eq!(backoff_secs(1, 30, 0.0), 23);
        assert_eq!(backoff_secs(1, 30, 1.0), 38);
        assert_eq!(backoff_secs(40, 30, 0.5), 6 * 3600);
        assert!(backoff_secs(1, 0, 0.0) >= 1);
    }

    #[test]
    fn the_webhook_must_be_https_or_loopback_and_inside_its_allowed_origin() {
        let settings = |url: &str, origin: &str, secret: &str| {
            Webhook::from_settings(url, origin, secret, 30, 10, Duration::from_secs(10))
        };
        let secret = "0123456789abcdef";
        let ok = settings(
            "https://relay.example.kz/jaria/notify",
            "https://relay.example.kz",
            secret,
        )
        .unwrap()
        .unwrap();
        assert_eq!(ok.target.path_and_query, "/jaria/notify");
        assert!(settings("", "", "").unwrap().is_none());
        assert_eq!(
            settings(
                "http://relay.example.kz/n",
                "http://relay.example.kz",
                secret
            )
            .unwrap_err(),
            WebhookConfigError::PlainHttp
        );
        assert!(settings("http://127.0.0.1:9/n", "http://127.0.0.1:9", secret).is_ok());
        assert!(settings("http://[::1]:9/n", "http://[::1]:9", secret).is_ok());
        assert_eq!(
            settings("https://a.kz/n", "https://b.kz", secret).unwrap_err(),
            WebhookConfigError::OriginMismatch
        );
        assert_eq!(
            settings("https://a.kz/n", "https://a.kz/n", secret).unwrap_err(),
            WebhookConfigError::OriginMismatch
        );
        assert_eq!(
            settings("https://a.kz/n", "https://a.kz", "short").unwrap_err(),
            WebhookConfigError::WeakSecret
        );
    }

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(
            Language::from_accept_language("kk-KZ,kk;q=0.9,ru;q=0.8"),
            Some(Language::Kk)
        );
        assert_eq!(
            Language::from_accept_language("de-DE, ru;q=0.5, en;q=0.7"),
            Some(Language::En)
        );
        assert_eq!(Language::from_accept_language("de, fr"), None);
        assert_eq!(
            Language::from_accept_language("en;q=0, ru"),
            Some(Language::Ru)
        );
    }

    #[test]
    fn named_kinds_narrow_the_channels_and_others_get_all() {
        let prefs = json!({"decision_available": ["sms"], "filing_updated": []});
        assert_eq!(
            wanted_channels(&prefs, "decision_available"),
            Some(vec![Channel::Sms])
        );
        assert_eq!(wanted_channels(&prefs, "filing_updated"), Some(vec![]));
        assert_eq!(wanted_channels(&prefs, "status_revoked"), None);
    }
}
