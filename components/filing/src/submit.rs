//! Submitting a filing with its receipt, idempotently; withdrawing it before a decision.

use jaria_portal::filing::draft::{Checked, FilingRequest};
use jaria_portal::filing::lifecycle::{self, Step, Told, Transition};
use jaria_portal::filing::receipt::{self};
use jaria_portal::filing::store as filing_store;
use jaria_portal::filing::submission::{self, Presigned, Submission};
use jaria_portal::http::idempotency::Idempotent;
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::{self, Principal};
use jaria_portal::law::deadline::{Deadlines, Kind};
use jaria_portal::notice::notify::Notice;
use jaria_portal::platform::db::{Db, text};
use jaria_portal::{ApiError, platform::clock};

use crate::receipts::signing_key;
use sha2::{Digest, Sha256};

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
    let request = Idempotent::of(req)?;
    let signing = signing_key().await?;
    let deadlines = Deadlines::from_config().await?;
    let body: FilingRequest = json_body(req)?;
    let now = clock::now();
    // A retry of a filing already made is answered from a read: it takes no write lock.
    if let Some(stored) = retried(&db, &me.iin, &request).await? {
        return acknowledgement(&stored, &signing);
    }
    // The filer's signature is checked before the write transaction, so the database's single
    // writer never waits on it.
    let presigned = match &body.signature {
        Some(cms) => {
            let content = submission::check(&db, &me, &body, now.timestamp())
                .await?
                .content;
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
        request: &request,
        presigned: presigned.as_ref(),
        now,
    };
    // One transaction, taken at once. A parallel duplicate that got there first leaves this
    // one's insert with nothing to do: it rolls back and answers that filing.
    // (Its checks may also fail because of that duplicate: an attachment it took is no longer
    // free. Any failure therefore looks for the duplicate before it is told.)
    let submitted = db
        .transaction(async |db| submission::submit(db, &me, &filing, &signing, &deadlines).await)
        .await;
    let stored = match submitted {
        Ok(Some(stored)) => stored,
        Ok(None) => retried(&db, &me.iin, &request)
            .await?
            .ok_or_else(|| ApiError::Internal("a filing lost to its duplicate is gone".into()))?,
        Err(e) => retried(&db, &me.iin, &request).await?.ok_or(e)?,
    };
    acknowledgement(&stored, &signing)
}

/// The filing I already made under this Idempotency-Key, if the request is the same one; a
/// different request under a used key is refused.
async fn retried(
    db: &Db,
    filer_iin: &str,
    request: &Idempotent,
) -> Result<Option<filing_store::Stored>, ApiError> {
    // No snapshot needed: what `load` reads of a filing was committed with it at once.
    let earlier = filing_store::load_receipt(
        db,
        "f.filer_iin = ? AND f.idempotency_key = ?",
        &[text(filer_iin), text(&request.key)],
    )
    .await?;
    request.compare(earlier).into_earlier()
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
    let checked = submission::check(&db, &me, &body, clock::now().timestamp()).await?;
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
            "signature_required": checked.draft.kind.signature_required(),
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

pub async fn withdraw(req: &jaria_portal::http::Request, id: &str) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let state = db
        .transaction(async |db| {
            let filing = filing_store::find_mine(db, &me.iin, id).await?;
            // The person it was filed for sees it but does not withdraw it; a closed one is
            // refused by its transition (409), as the page's `may_withdraw` says.
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

/// `GET /api/filings/kinds`: what each kind of filing may name (addressees, subjects) and
/// whether it must be signed, as the checks of a filing apply it: the page's form shows
/// these and decides nothing itself.
pub async fn kinds(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    auth::authenticate(&db, req).await?;
    Reply::json(200, &Kind::catalogue())
}

/// The organs a statement about an offence can be sent to.
pub async fn organs(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    auth::authenticate(&db, req).await?;
    let organs = jaria_portal::identity::organs(&db).await?;
    Reply::json(200, &serde_json::json!({ "organs": organs }))
}
