//! Reading filings from the database, for the filer's status page and the officer's answer:
//! one row type, one timeline, one rendering, so both sides show the same facts.

use crate::platform::clock;
use crate::platform::db::{Db, col_int, col_opt_text, col_text, int};
use crate::platform::error::ApiError;

use super::receipt::Summary;
use crate::law::deadline::{self, Addressee, Kind, Subject};
use crate::law::handling::{Outcome, State};

#[derive(Debug, Clone)]
pub struct FilingRow {
    pub id: i64,
    pub registration_number: String,
    pub kind: Kind,
    /// For a crime report, meaningless (it goes to `organ_id`).
    pub addressee: Addressee,
    pub subject: Subject,
    pub state: State,
    pub filer_iin: String,
    pub on_behalf_of_iin: Option<String>,
    pub case_id: Option<i64>,
    pub erdr_number: Option<String>,
    pub organ_id: Option<i64>,
    pub challenged_decision_id: Option<i64>,
    /// Who made the decision a complaint challenges.
    pub challenged_decision_author: Option<String>,
    pub text: String,
    pub submitted_at: String,
    pub submitted_unix: i64,
    pub due_unix: i64,
    pub outcome: Option<String>,
    pub answer: Option<String>,
    pub answer_document_sha256: Option<String>,
    pub answer_filename: Option<String>,
    pub decided_at: Option<String>,
    pub result_erdr_number: Option<String>,
    pub forwarded_to: Option<String>,
    /// Filed by a person in custody (CPC art. 101): handed on within 24 hours.
    pub filed_in_detention: bool,
    /// The officer who answered it: whose signature of the answer's document counts.
    pub decided_by: Option<String>,
    /// An affected person's complaint (art. 100): about a case the filer is no party to.
    pub affected_person: bool,
    /// What the court did with a complaint forwarded to the investigating judge.
    pub court: super::court::CourtRecord,
}

impl FilingRow {
    pub fn is_overdue(&self, now_unix: i64) -> bool {
        self.state.is_open() && self.due_unix < now_unix
    }

    /// The people a change of this filing is reported to.
    pub fn interested(&self) -> Vec<&str> {
        let mut people = vec![self.filer_iin.as_str()];
        if let Some(principal) = self.on_behalf_of_iin.as_deref() {
            people.push(principal);
        }
        people
    }
}

const COLUMNS: &str = "f.id, f.registration_number, f.kind, f.addressee, f.subject, f.state, f.filer_iin, \
     f.on_behalf_of_iin, f.case_id, ifnull(c.erdr_number, f.named_erdr_number), f.organ_id, f.challenged_decision_id, d.officer_iin, f.body, \
     f.submitted_at, f.submitted_unix, f.due_unix, f.outcome, f.answer, f.answer_document_sha256, \
     f.answer_filename, f.decided_at, f.result_erdr_number, f.forwarded_to, f.filed_in_detention, \
     f.decided_by, f.named_erdr_number IS NOT NULL, f.court_received_on, f.court_hearing, \
     f.court_decided_on, f.court_outcome";

fn row_from(r: &spin_sdk::sqlite::RowResult) -> Result<FilingRow, ApiError> {
    let corrupt = |what: &str| ApiError::Internal(format!("unknown {what} in filings"));
    let kind = Kind::parse(&col_text(r, 2)?).ok_or_else(|| corrupt("kind"))?;
    Ok(FilingRow {
        id: col_int(r, 0)?,
        registration_number: col_text(r, 1)?,
        kind,
        addressee: Addressee::parse(&col_text(r, 3)?).unwrap_or(Addressee::Investigator),
        subject: Subject::parse(&col_text(r, 4)?).ok_or_else(|| corrupt("subject"))?,
        state: State::parse(&col_text(r, 5)?).ok_or_else(|| corrupt("state"))?,
        filer_iin: col_text(r, 6)?,
        on_behalf_of_iin: col_opt_text(r, 7),
        case_id: r.get::<i64>(8),
        erdr_number: col_opt_text(r, 9),
        organ_id: r.get::<i64>(10),
        challenged_decision_id: r.get::<i64>(11),
        challenged_decision_author: col_opt_text(r, 12),
        text: col_text(r, 13)?,
        submitted_at: col_text(r, 14)?,
        submitted_unix: col_int(r, 15)?,
        due_unix: col_int(r, 16)?,
        outcome: col_opt_text(r, 17),
        answer: col_opt_text(r, 18),
        answer_document_sha256: col_opt_text(r, 19),
        answer_filename: col_opt_text(r, 20),
        decided_at: col_opt_text(r, 21),
        result_erdr_number: col_opt_text(r, 22),
        forwarded_to: col_opt_text(r, 23),
        filed_in_detention: col_int(r, 24)? == 1,
        decided_by: col_opt_text(r, 25),
        affected_person: col_int(r, 26)? == 1,
        court: super::court::CourtRecord {
            received_on: col_opt_text(r, 27).as_deref().and_then(date),
            hearing: r.get::<i64>(28).map(|h| h == 1),
            decided_on: col_opt_text(r, 29).as_deref().and_then(date),
            outcome: col_opt_text(r, 30)
                .as_deref()
                .and_then(super::court::CourtOutcome::parse),
        },
    })
}

fn date(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

const FROM: &str = "FROM filings f LEFT JOIN cases c ON c.id = f.case_id \
     LEFT JOIN decisions d ON d.id = f.challenged_decision_id";

/// A filing by id (the path segment); a malformed id is simply not found.
pub async fn find(db: &Db, id: &str) -> Result<Option<FilingRow>, ApiError> {
    let Some(id) = id.parse::<i64>().ok().filter(|n| *n > 0) else {
        return Ok(None);
    };
    db.one(
        &format!("SELECT {COLUMNS} {FROM} WHERE f.id = ?"),
        &[int(id)],
    )
    .await?
    .map(|r| row_from(&r))
    .transpose()
}

/// Filings matching `condition` (SQL over `f` filings and `c` cases, with its parameters).
pub async fn filings_where(
    db: &Db,
    condition: &str,
    params: &[crate::platform::db::SqlValue],
) -> Result<Vec<FilingRow>, ApiError> {
    let rows = db
        .query(
            &format!("SELECT {COLUMNS} {FROM} WHERE {condition}"),
            params,
        )
        .await?;
    rows.each(row_from)
}

/// Who may read a filing: its filer and the person it was filed for; to anyone else it is 404.
pub fn may_read(filer_iin: &str, on_behalf_of_iin: Option<&str>, iin: &str) -> bool {
    filer_iin == iin || on_behalf_of_iin == Some(iin)
}

/// A filing the person `iin` may read ([`may_read`]).
pub async fn find_mine(db: &Db, iin: &str, id: &str) -> Result<FilingRow, ApiError> {
    match find(db, id).await? {
        Some(f) if may_read(&f.filer_iin, f.on_behalf_of_iin.as_deref(), iin) => Ok(f),
        _ => Err(ApiError::NotFound),
    }
}

/// The filing's attachments and answer document, as (sha256, size, media type, name).
pub async fn documents(db: &Db, filing: &FilingRow) -> Result<Vec<serde_json::Value>, ApiError> {
    let rows = db
        .query(
            "SELECT sha256, size, media_type FROM attachments WHERE filing_id = ? ORDER BY id",
            &[int(filing.id)],
        )
        .await?;
    let mut out = rows.each(|r| {
        Ok(serde_json::json!({
            "role": "attachment", "sha256": col_text(r, 0)?, "size": col_int(r, 1)?,
            "media_type": col_text(r, 2)?,
        }))
    })?;
    if let (Some(sha), Some(name)) = (&filing.answer_document_sha256, &filing.answer_filename) {
        // Who signed the answer's document with EDS, if the answering officer did.
        let signature = match &filing.decided_by {
            Some(officer) => crate::identity::signed::document_info(db, sha, officer).await?,
            None => None,
        };
        out.push(serde_json::json!({
            "role": "answer", "sha256": sha, "filename": name, "signature": signature,
        }));
    }
    Ok(out)
}

/// The answering officer's signature (`.p7s`) of a filing's answer document (404 when it is
/// not the answer's document or is unsigned).
pub async fn answer_signature(
    db: &Db,
    filing: &FilingRow,
    sha: &str,
) -> Result<crate::http::Reply, ApiError> {
    match (
        &filing.answer_document_sha256,
        &filing.answer_filename,
        &filing.decided_by,
    ) {
        (Some(answer), Some(name), Some(officer)) if answer == sha => {
            crate::identity::signed::document_download(db, sha, officer, name).await
        }
        _ => Err(ApiError::NotFound),
    }
}

/// The file name to serve a document of this filing under, if it is one of its documents.
pub async fn document_name(
    db: &Db,
    filing: &FilingRow,
    sha: &str,
) -> Result<Option<String>, ApiError> {
    if filing.answer_document_sha256.as_deref() == Some(sha) {
        return Ok(filing.answer_filename.clone());
    }
    let row = db
        .one(
            "SELECT media_type FROM attachments WHERE filing_id = ? AND sha256 = ? LIMIT 1",
            &[int(filing.id), crate::platform::db::text(sha)],
        )
        .await?;
    Ok(row.map(|r| {
        let extension = match col_text(&r, 0).unwrap_or_default().as_str() {
            "application/pdf" => "pdf",
            "image/png" => "png",
            "image/jpeg" => "jpg",
            _ => "bin",
        };
        format!(
            "{}-{}.{extension}",
            filing.registration_number,
            &sha[..8.min(sha.len())]
        )
    }))
}

pub async fn timeline(db: &Db, filing_id: i64) -> Result<Vec<serde_json::Value>, ApiError> {
    let events = db
        .query(
            "SELECT at, kind, detail FROM filing_events WHERE filing_id = ? ORDER BY id",
            &[int(filing_id)],
        )
        .await?;
    events
        .rows
        .iter()
        .map(|r| {
            Ok(serde_json::json!({
                "at": col_text(r, 0)?, "event": col_text(r, 1)?,
                "detail": serde_json::from_str::<serde_json::Value>(&col_text(r, 2)?)
                    .unwrap_or_default(),
            }))
        })
        .collect()
}

/// The fields both the filer and the officer see in a list.
pub fn summary_json(f: &FilingRow, now_unix: i64) -> serde_json::Value {
    let mut body = serde_json::json!({
        "id": f.id, "registration_number": f.registration_number, "kind": f.kind.as_str(),
        "state": f.state.as_str(), "open": f.state.is_open(), "submitted_at": f.submitted_at,
        "due_at": clock::rfc3339(clock::from_unix(f.due_unix)),
        "overdue": f.is_overdue(now_unix), "erdr_number": f.erdr_number,
        "filed_in_detention": f.filed_in_detention,
    });
    if f.filed_in_detention {
        let handover = deadline::detainee_handover_due(f.submitted_unix);
        body["handover_due_at"] = clock::rfc3339(clock::from_unix(handover)).into();
        body["handover_overdue"] = (f.state == State::Submitted && handover < now_unix).into();
    }
    body
}

/// The art. 106 countdown shown on the filing: how long the filer has to go to the
/// investigating judge after a refusal or when no answer came in time.
fn court_window_json(f: &FilingRow, now_unix: i64) -> Option<serde_json::Value> {
    let decided_unix = f
        .decided_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp());
    let facts = deadline::WindowFacts {
        kind: f.kind,
        outcome: f.outcome.as_deref().and_then(Outcome::parse),
        decided_unix,
        open: f.state.is_open(),
        due_unix: f.due_unix,
    };
    let window = deadline::court_window(facts, now_unix, deadline::Calendar::shipped())?;
    Some(serde_json::json!({
        "opened_by": window.opened_by.as_str(), "ends_at": clock::rfc3339(clock::from_unix(window.ends_unix)),
        "days_left": window.days_left(now_unix), "expired": window.ends_unix <= now_unix,
    }))
}

/// The whole filing with its timeline and answer.
pub async fn detail_json(
    db: &Db,
    f: &FilingRow,
    now_unix: i64,
) -> Result<serde_json::Value, ApiError> {
    let mut body = summary_json(f, now_unix);
    let addressee = match f.kind {
        Kind::CrimeReport => "organ",
        _ => f.addressee.as_str(),
    };
    let extra = serde_json::json!({
        "addressee": addressee, "subject": f.subject.as_str(), "organ_id": f.organ_id,
        "filer_iin": f.filer_iin, "on_behalf_of_iin": f.on_behalf_of_iin,
        "challenged_decision_id": f.challenged_decision_id, "text": f.text,
        "affected_person": f.affected_person,
        "documents": documents(db, f).await?,
        "signature": super::signature::info(db, f.id).await?,
        "answer": f.outcome.as_ref().map(|outcome| serde_json::json!({
            "outcome": outcome, "reasoning": f.answer, "decided_at": f.decided_at,
            "erdr_number": f.result_erdr_number, "forwarded_to": f.forwarded_to,
        })),
        "timeline": timeline(db, f.id).await?,
        "court_window": court_window_json(f, now_unix),
        "court": super::court::json(&f.court, clock::from_unix(now_unix)),
    });
    if let (Some(target), serde_json::Value::Object(more)) = (body.as_object_mut(), extra) {
        target.extend(more);
    }
    Ok(body)
}

/// One page of the filings `iin` filed or that were filed for them, newest first: ids below
/// `before_id`, of `kind` and in `state` when given, at most `limit`. Two index-backed halves
/// (filed by, filed for), each cut to one page before they are merged: a person with thousands
/// of filings costs one page of index reads, not all.
pub async fn mine_page(
    db: &Db,
    iin: &str,
    before_id: i64,
    limit: i64,
    kind: Option<Kind>,
    state: Option<State>,
) -> Result<Vec<FilingRow>, ApiError> {
    use crate::platform::db::{opt_text, text};
    let half = |column: &str| {
        format!(
            "SELECT id FROM (SELECT id FROM filings WHERE {column} = ? AND id < ?
               AND (? IS NULL OR kind = ?) AND (? IS NULL OR state = ?) ORDER BY id DESC {})",
            crate::platform::db::limit(limit)
        )
    };
    let kind = kind.map(Kind::as_str);
    let state = state.map(State::as_str);
    let half_params = [
        text(iin),
        int(before_id),
        opt_text(kind),
        opt_text(kind),
        opt_text(state),
        opt_text(state),
    ];
    let mut params = half_params.to_vec();
    params.extend(half_params);
    filings_where(
        db,
        &format!(
            "f.id IN ({} UNION {}) ORDER BY f.id DESC {}",
            half("filer_iin"),
            half("on_behalf_of_iin"),
            crate::platform::db::limit(limit)
        ),
        &params,
    )
    .await
}

/// Keeps an upload of `owner_iin` (its document already stored) for a filing to name within
/// [`super::ATTACHMENT_TTL_SECS`].
pub async fn record_upload(
    db: &Db,
    id: &str,
    owner_iin: &str,
    sha256: &str,
    size: usize,
    media_type: &str,
    created_unix: i64,
) -> Result<(), ApiError> {
    use crate::platform::db::text;
    db.exec(
        "INSERT INTO attachments (id, owner_iin, sha256, size, media_type, created_unix)
         VALUES (?, ?, ?, ?, ?, ?)",
        &[
            text(id),
            text(owner_iin),
            text(sha256),
            int(i64::try_from(size).unwrap_or(i64::MAX)),
            text(media_type),
            int(created_unix),
        ],
    )
    .await
}

/// The filing as stored, and its receipt summary.
pub struct Stored {
    pub summary: Summary,
    pub signature: String,
    pub filer_iin: String,
    pub on_behalf_of_iin: Option<String>,
}

const FILING_COLUMNS: &str = "f.id, f.registration_number, f.kind, f.filer_iin, f.on_behalf_of_iin, c.erdr_number, \
     f.submitted_at, f.due_unix, f.content_sha256, f.receipt, f.request_sha256";

/// The filing meeting `condition` as its receipt states it, and its request's hash (what an
/// idempotent retry is compared with).
pub async fn load_receipt(
    db: &Db,
    condition: &str,
    params: &[crate::platform::db::SqlValue],
) -> Result<Option<(Stored, String)>, ApiError> {
    let Some(row) = db.one(
        &format!("SELECT {FILING_COLUMNS} FROM filings f LEFT JOIN cases c ON c.id = f.case_id WHERE {condition}"),
        params,
    ).await?
    else {
        return Ok(None);
    };
    let id = col_int(&row, 0)?;
    let attachments = db
        .query(
            "SELECT sha256 FROM attachments WHERE filing_id = ? ORDER BY sha256",
            &[int(id)],
        )
        .await?;
    let stored = Stored {
        summary: Summary {
            id,
            registration_number: col_text(&row, 1)?,
            kind: col_text(&row, 2)?,
            filer_iin: col_text(&row, 3)?,
            on_behalf_of_iin: col_opt_text(&row, 4),
            erdr_number: col_opt_text(&row, 5),
            submitted_at: col_text(&row, 6)?,
            due_at: clock::rfc3339(clock::from_unix(col_int(&row, 7)?)),
            content_sha256: col_text(&row, 8)?,
            attachments_sha256: attachments
                .rows
                .iter()
                .filter_map(|r| r.get::<&str>(0).map(str::to_owned))
                .collect(),
            signature_sha256: super::signature::sha256_of(db, id).await?,
        },
        signature: col_text(&row, 9)?,
        filer_iin: col_text(&row, 3)?,
        on_behalf_of_iin: col_opt_text(&row, 4),
    };
    Ok(Some((stored, col_text(&row, 10)?)))
}

/// Where a filing was sent, as its receipt names it: the addressee (`organ` for a statement)
/// and the organ it was filed with — the filing's own (a statement's, the prosecutor's office
/// of art. 100) or else its case's. A statement since forwarded by jurisdiction still names
/// the organ it was filed with: the receipt says what was registered then.
pub async fn sent_to(db: &Db, id: i64) -> Result<super::receipt_page::SentTo, ApiError> {
    let row = db
        .one(
            "SELECT f.kind, f.addressee, o.name FROM filings f \
             LEFT JOIN cases c ON c.id = f.case_id \
             LEFT JOIN organs o ON o.id = ifnull( \
                 (SELECT ff.from_organ_id FROM filing_forwardings ff WHERE ff.filing_id = f.id \
                  ORDER BY ff.id LIMIT 1), \
                 ifnull(f.organ_id, c.organ_id)) \
             WHERE f.id = ?",
            &[int(id)],
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    let addressee = if col_text(&row, 0)? == Kind::CrimeReport.as_str() {
        "organ".to_owned()
    } else {
        col_text(&row, 1)?
    };
    Ok(super::receipt_page::SentTo {
        addressee,
        organ: col_opt_text(&row, 2),
    })
}

/// Of the uploads `ids` (a JSON array), those of `owner_iin` not yet attached and not
/// expired at `now_unix`, as (id, sha256).
pub async fn unattached_uploads(
    db: &Db,
    owner_iin: &str,
    ids: &str,
    now_unix: i64,
) -> Result<Vec<(String, String)>, ApiError> {
    use crate::platform::db::text;
    let rows = db
        .query(
            "SELECT id, sha256 FROM attachments
             WHERE id IN (SELECT value FROM json_each(?)) AND owner_iin = ? AND filing_id IS NULL
               AND created_unix > ?",
            &[
                text(ids),
                text(owner_iin),
                int(now_unix - super::ATTACHMENT_TTL_SECS),
            ],
        )
        .await?;
    rows.each(|r| Ok((col_text(r, 0)?, col_text(r, 1)?)))
}

/// Attaches the uploads `ids` (a JSON array, checked by [`unattached_uploads`]) to a filing.
pub async fn attach_uploads(db: &Db, filing_id: i64, ids: &str) -> Result<(), ApiError> {
    db.exec(
        "UPDATE attachments SET filing_id = ? WHERE id IN (SELECT value FROM json_each(?))",
        &[int(filing_id), crate::platform::db::text(ids)],
    )
    .await
}

/// A filing as first stored, before its number and receipt are known.
pub struct NewFiling<'a> {
    /// Unique per filer and key: the provisional registration number until the real one.
    pub idempotency_scope: &'a str,
    pub kind: Kind,
    pub filer_iin: &'a str,
    pub on_behalf_of_iin: Option<&'a str>,
    pub case_id: Option<i64>,
    pub addressee: &'a str,
    pub subject: &'a str,
    pub challenged_decision_id: Option<i64>,
    pub text: &'a str,
    pub submitted_at: &'a str,
    pub submitted_unix: i64,
    pub due_unix: i64,
    pub content_sha256: &'a str,
    pub idempotency_key: &'a str,
    pub request_sha256: &'a str,
    pub organ_id: Option<i64>,
    /// The ERDR number an affected person's complaint (art. 100) names, stored as named.
    pub named_erdr_number: Option<&'a str>,
    pub filed_in_detention: bool,
}

/// Stores `new` as submitted and returns its id; `None` when a filing with the same filer and
/// Idempotency-Key committed first (the unique index decides, so parallel duplicates are safe).
pub async fn insert_submitted(db: &Db, new: &NewFiling<'_>) -> Result<Option<i64>, ApiError> {
    use crate::platform::db::{SqlValue, opt_text, text};
    let row = db
        .one(
            "INSERT INTO filings (registration_number, kind, filer_iin, on_behalf_of_iin, case_id,
                 addressee, subject, challenged_decision_id, body, state, submitted_at,
                 submitted_unix, due_unix, content_sha256, receipt, idempotency_key,
                 request_sha256, organ_id, filed_in_detention, named_erdr_number)
             VALUES ('pending:' || ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?, '', ?, ?, ?, ?, ?)
             ON CONFLICT (filer_iin, idempotency_key) DO NOTHING RETURNING id",
            &[
                text(new.idempotency_scope),
                text(new.kind.as_str()),
                text(new.filer_iin),
                opt_text(new.on_behalf_of_iin),
                new.case_id.map(int).unwrap_or(SqlValue::Null),
                text(new.addressee),
                text(new.subject),
                new.challenged_decision_id.map(int).unwrap_or(SqlValue::Null),
                text(new.text),
                text(new.submitted_at),
                int(new.submitted_unix),
                int(new.due_unix),
                text(new.content_sha256),
                text(new.idempotency_key),
                text(new.request_sha256),
                new.organ_id.map(int).unwrap_or(SqlValue::Null),
                int(i64::from(new.filed_in_detention)),
                opt_text(new.named_erdr_number),
            ],
        )
        .await?;
    row.map(|r| col_int(&r, 0)).transpose()
}

/// Gives a stored filing its registration number and signed receipt, and starts its timeline.
pub async fn complete_submission(
    db: &Db,
    id: i64,
    registration_number: &str,
    receipt: &str,
    submitted_at: &str,
    filer_iin: &str,
) -> Result<(), ApiError> {
    use crate::platform::db::text;
    db.exec(
        "UPDATE filings SET registration_number = ?, receipt = ? WHERE id = ?",
        &[text(registration_number), text(receipt), int(id)],
    )
    .await?;
    db.exec(
        "INSERT INTO filing_events (filing_id, at, kind, actor_iin) VALUES (?, ?, 'submitted', ?)",
        &[int(id), text(submitted_at), text(filer_iin)],
    )
    .await
}
