//! Submitting a filing with its receipt, idempotently; withdrawing it before a decision.

use jaria_portal::filing::draft::{self, Checked, FilingDraft, FilingRequest};
use jaria_portal::filing::lifecycle::{self, Step, Told, Transition};
use jaria_portal::filing::receipt::{self, Summary};
use jaria_portal::filing::signature;
use jaria_portal::filing::store as filing_store;
use jaria_portal::http::{Reply, json_body, valid_idempotency_key};
use jaria_portal::identity::auth::{self, Principal};
use jaria_portal::law::deadline::{self, Deadlines, Kind};
use jaria_portal::notice::notify::Notice;
use jaria_portal::platform::db::{Db, text};
use jaria_portal::{ApiError, audit, platform::clock, tick};

use crate::receipts::signing_key;
use sha2::{Digest, Sha256};

fn idempotency_key(req: &jaria_portal::http::Request) -> Result<String, ApiError> {
    let key = req.header("idempotency-key").unwrap_or("").trim();
    if valid_idempotency_key(key) {
        Ok(key.to_owned())
    } else {
        Err(ApiError::BadRequest(
            "An Idempotency-Key header (1 to 128 letters, digits, '-', '_', '.', ':') is required."
                .into(),
        ))
    }
}

fn acknowledgement(
    stored: &filing_store::Stored,
    key: &ed25519_dalek::SigningKey,
) -> Result<Reply, ApiError> {
    let s = &stored.summary;
    Reply::json(
        201,
        &serde_json::json!({
            "id": s.id, "registration_number": s.registration_number, "kind": s.kind,
            "submitted_at": s.submitted_at, "due_at": s.due_at, "content_sha256": s.content_sha256,
            "receipt": stored.signature, "receipt_summary": s, "public_key": receipt::public_key(key),
        }),
    )
}

pub async fn create(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let key = idempotency_key(req)?;
    let request_sha = hex::encode(Sha256::digest(req.body()));
    let signing = signing_key().await?;
    let deadlines = Deadlines::from_config().await?;
    let body: FilingRequest = json_body(req)?;
    let now = clock::now();
    // A retry of a filing already made is answered from a read: it takes no write lock.
    if let Some(stored) = retried(&db, &me.iin, &key, &request_sha).await? {
        return acknowledgement(&stored, &signing);
    }
    // The filer's signature is checked before the write transaction, so the database's single
    // writer never waits on it.
    let presigned = match &body.signature {
        Some(cms) => {
            let content = checked(&db, &me, &body, now.timestamp()).await?.content;
            let signed = jaria_portal::identity::signed::verify(
                &db,
                "signature",
                cms,
                content.as_bytes(),
                &me.iin,
                now,
            )
            .await?;
            Some(Presigned { content, signed })
        }
        None => None,
    };
    let filing = Submission {
        body: &body,
        key: &key,
        request_sha: &request_sha,
        presigned: presigned.as_ref(),
        now,
    };
    // One transaction, taken at once. A parallel duplicate that got there first leaves this
    // one's insert with nothing to do: it rolls back and answers that filing.
    // (Its checks may also fail because of that duplicate: an attachment it took is no longer
    // free. Any failure therefore looks for the duplicate before it is told.)
    let submitted = db
        .transaction(async |db| submit(db, &me, &filing, &signing, &deadlines).await)
        .await;
    let stored = match submitted {
        Ok(Some(stored)) => stored,
        Ok(None) => retried(&db, &me.iin, &key, &request_sha)
            .await?
            .ok_or_else(|| ApiError::Internal("a filing lost to its duplicate is gone".into()))?,
        Err(e) => retried(&db, &me.iin, &key, &request_sha).await?.ok_or(e)?,
    };
    acknowledgement(&stored, &signing)
}

/// The filing I already made under this Idempotency-Key, if the request is the same one; a
/// different request under a used key is refused.
async fn retried(
    db: &Db,
    filer_iin: &str,
    key: &str,
    request_sha: &str,
) -> Result<Option<filing_store::Stored>, ApiError> {
    // No snapshot needed: what `load` reads of a filing was committed with it at once.
    let Some((stored, previous_sha)) = filing_store::load_receipt(
        db,
        "f.filer_iin = ? AND f.idempotency_key = ?",
        &[text(filer_iin), text(key)],
    )
    .await?
    else {
        return Ok(None);
    };
    if previous_sha == request_sha {
        Ok(Some(stored))
    } else {
        Err(ApiError::invalid(
            "Idempotency-Key",
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request.",
        ))
    }
}

/// A filer's signature checked before the transaction, with the content it covers.
struct Presigned {
    content: String,
    signed: jaria_portal::identity::signed::Signed,
}

/// One filing request as the transaction takes it.
struct Submission<'a> {
    body: &'a FilingRequest,
    key: &'a str,
    request_sha: &'a str,
    presigned: Option<&'a Presigned>,
    now: chrono::DateTime<chrono::Utc>,
}

/// The request checked as filing it by `me` now would be, writing nothing.
async fn checked(
    db: &Db,
    me: &Principal,
    body: &FilingRequest,
    now_unix: i64,
) -> Result<Checked, ApiError> {
    draft::resolve(db, me, FilingDraft::try_from(body)?, now_unix).await
}

/// The filing a request describes (without its signature), checked as filing it would be:
/// what its filer is to sign.
async fn to_be_signed(
    req: &jaria_portal::http::Request,
) -> Result<(Db, Principal, Checked), ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let body: FilingRequest = json_body(req)?;
    if body.signature.is_some() {
        return Err(ApiError::invalid(
            "signature",
            "not_allowed",
            "Ask for the content to sign without a signature.",
        ));
    }
    let checked = checked(&db, &me, &body, clock::now().timestamp()).await?;
    Ok((db, me, checked))
}

/// `POST /api/filings/to-sign`: the exact bytes the filer's EDS signs for this filing (the
/// same body as the filing, without its signature). Nothing is stored.
pub async fn to_sign(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let (_, _, checked) = to_be_signed(req).await?;
    Reply::json(
        200,
        &serde_json::json!({
            "to_sign": checked.content,
            "content_sha256": hex::encode(Sha256::digest(checked.content.as_bytes())),
            "signature_required": checked.draft.kind == Kind::CrimeReport,
        }),
    )
}

/// `POST /api/filings/to-sign/egov-mobile`: the same bytes as `to-sign`, put before the
/// filer's eGov mobile app (a QR code for the page to show): only the filer's own signature
/// is taken for them, and the page collects it at `POST /api/auth/egov-mobile/{id}/result`.
pub async fn to_sign_on_phone(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let (db, me, checked) = to_be_signed(req).await?;
    let title = match checked.draft.kind {
        Kind::CrimeReport => {
            "Jaria: қылмыс туралы арыз / заявление о преступлении / statement about an offence"
        }
        Kind::Petition => "Jaria: өтінішхат / ходатайство / petition",
        Kind::Complaint => "Jaria: шағым / жалоба / complaint",
    };
    let started = jaria_portal::identity::egov_mobile::start_document(
        &db,
        req,
        &me.iin,
        title,
        &checked.content,
    )
    .await?;
    let mut answer =
        serde_json::to_value(&started).map_err(|e| ApiError::Internal(e.to_string()))?;
    answer["to_sign"] = checked.content.into();
    Reply::json(201, &answer)
}

async fn submit(
    db: &Db,
    me: &Principal,
    filing: &Submission<'_>,
    signing: &ed25519_dalek::SigningKey,
    deadlines: &Deadlines,
) -> Result<Option<filing_store::Stored>, ApiError> {
    let Submission {
        body,
        key,
        request_sha,
        now,
        ..
    } = *filing;
    let Checked {
        draft,
        case,
        attachment_shas,
        content,
        sent_to_organ,
    } = checked(db, me, body, now.timestamp()).await?;
    let kind = draft.kind;
    jaria_portal::platform::limits::filings(db, &me.iin, now.timestamp()).await?;
    let signed = filer_signature(db, me, filing, kind, &content).await?;
    let content_sha = hex::encode(Sha256::digest(content.as_bytes()));
    let due = deadlines.due(
        now,
        deadline::period_for(kind, draft.addressee, draft.subject),
    );
    let submitted_at = clock::rfc3339(now);
    // A duplicate that committed first (same filer, same key) leaves nothing to insert.
    let new = filing_store::NewFiling {
        idempotency_scope: &format!("{}:{key}", me.iin),
        kind,
        filer_iin: &me.iin,
        on_behalf_of_iin: draft.on_behalf.as_ref().map(|i| i.as_str()),
        case_id: case.as_ref().map(|c| c.id),
        addressee: draft.addressee_name(),
        subject: draft.subject.as_str(),
        challenged_decision_id: draft.challenged_decision_id,
        text: &draft.text,
        submitted_at: &submitted_at,
        submitted_unix: now.timestamp(),
        due_unix: due.timestamp(),
        content_sha256: &content_sha,
        idempotency_key: key,
        request_sha256: request_sha,
        organ_id: draft.organ_id.or(sent_to_organ),
        // Kept as named: an affected person's complaint is tied to no case of theirs.
        named_erdr_number: draft
            .affected_person
            .then(|| draft.erdr.as_ref().map(|e| e.as_str()))
            .flatten(),
        filed_in_detention: draft.filed_in_detention,
    };
    let Some(id) = filing_store::insert_submitted(db, &new).await? else {
        return Ok(None);
    };

    let registration_number = registration_number(kind, now, id);
    if !draft.attachments.is_empty() {
        let ids = serde_json::to_string(&draft.attachments)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        filing_store::attach_uploads(db, id, &ids).await?;
    }
    if let Some(signed) = &signed {
        signature::store(db, id, signed, &content, &submitted_at).await?;
    }
    let summary = Summary {
        id,
        registration_number: registration_number.clone(),
        kind: kind.as_str().to_owned(),
        filer_iin: me.iin.clone(),
        on_behalf_of_iin: draft.on_behalf.as_ref().map(|i| i.as_str().to_owned()),
        erdr_number: draft.erdr.as_ref().map(|e| e.as_str().to_owned()),
        submitted_at: submitted_at.clone(),
        due_at: clock::rfc3339(due),
        content_sha256: content_sha,
        attachments_sha256: attachment_shas,
        signature_sha256: signed
            .as_ref()
            .map(jaria_portal::identity::signed::Signed::sha256),
    };
    let signature = receipt::sign(signing, &summary);
    filing_store::complete_submission(
        db,
        id,
        &registration_number,
        &signature,
        &submitted_at,
        &me.iin,
    )
    .await?;
    tick::announce_arrival(db, id, &submitted_at).await?;
    audit::record_for_case(
        db,
        &me.actor(),
        "filing_submitted",
        &format!("filing:{id}"),
        case.as_ref().map(|c| c.id),
        serde_json::json!({ "kind": kind.as_str(), "signed_by": signed.as_ref().map(|s| &s.signer_iin) }),
    ).await?;
    Ok(Some(filing_store::Stored {
        summary,
        signature,
        filer_iin: me.iin.clone(),
        on_behalf_of_iin: draft.on_behalf.map(|i| i.as_str().to_owned()),
    }))
}

/// The filer's signature over `content`, if any: the one checked before the transaction when
/// the content is still what was signed, else checked now. Art. 181: a statement about an
/// offence is a document signed by its applicant.
async fn filer_signature(
    db: &Db,
    me: &Principal,
    filing: &Submission<'_>,
    kind: Kind,
    content: &str,
) -> Result<Option<jaria_portal::identity::signed::Signed>, ApiError> {
    match (&filing.body.signature, filing.presigned, kind) {
        // What was signed is still what is filed (nothing it names changed meanwhile).
        (Some(_), Some(p), _) if p.content == content => Ok(Some(p.signed.clone())),
        (Some(_), Some(_), _) => Err(ApiError::Conflict(
            "What the filing names changed while it was being sent: sign it again.".into(),
        )),
        (Some(cms), None, _) => {
            let bytes = content.as_bytes();
            let signed = jaria_portal::identity::signed::verify(
                db,
                "signature",
                cms,
                bytes,
                &me.iin,
                filing.now,
            )
            .await?;
            Ok(Some(signed))
        }
        (None, _, Kind::CrimeReport) => Err(ApiError::invalid(
            "signature",
            "signature_required",
            "A statement about a criminal offence must be signed with your EDS (CPC art. 181).",
        )),
        (None, _, _) => Ok(None),
    }
}

/// The number the filer is given: year, a letter for the kind, the filing's id.
fn registration_number(kind: Kind, now: chrono::DateTime<chrono::Utc>, id: i64) -> String {
    let letter = match kind {
        Kind::CrimeReport => "S",
        Kind::Petition => "P",
        Kind::Complaint => "C",
    };
    format!("{}-{letter}-{id:07}", now.format("%Y"))
}

pub async fn withdraw(req: &jaria_portal::http::Request, id: &str) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let state = db
        .transaction(async |db| {
            let filing = filing_store::find_mine(db, &me.iin, id).await?;
            if filing.filer_iin != me.iin {
                return Err(ApiError::Forbidden);
            }
            let now = clock::rfc3339(clock::now());
            let step = Transition {
                step: Step::Withdraw,
                set: Vec::new(),
                detail: serde_json::json!({}),
                audit_case_id: filing.case_id,
                notice: Notice::FilingUpdated,
                payload: serde_json::json!({ "state": "withdrawn" }),
                // The filer did it: the person it was filed for learns of it.
                told: Told::OnlyTheOneFiledFor,
                at: &now,
            };
            lifecycle::transition(db, &me, &filing, step).await
        })
        .await?;
    Reply::json(200, &serde_json::json!({ "state": state.as_str() }))
}

/// The organs a statement about an offence can be sent to.
pub async fn organs(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    auth::authenticate(&db, req).await?;
    let organs = jaria_portal::identity::organs(&db).await?;
    Reply::json(200, &serde_json::json!({ "organs": organs }))
}
