//! A filing made: checked as a whole against what it names, the filer's signature (required of
//! a statement about an offence, art. 181), its period from the law, its row, attachments and
//! receipt, the officers told, the audit row: all in the caller's one transaction.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::draft::{self, Checked, FilingDraft, FilingRequest};
use super::receipt::{self, Summary};
use super::signature;
use super::store::{self as filing_store, NewFiling, Stored};
use crate::ApiError;
use crate::audit;
use crate::http::idempotency::Idempotent;
use crate::identity::auth::Principal;
use crate::identity::signed::{self, Signed};
use crate::law::deadline::{self, Deadlines, Kind};
use crate::platform::clock;
use crate::platform::db::Db;

/// A filer's signature checked before the transaction, with the content it covers.
pub struct Presigned {
    pub content: String,
    pub signed: Signed,
}

/// One filing request as the transaction takes it.
pub struct Submission<'a> {
    pub body: &'a FilingRequest,
    pub request: &'a Idempotent,
    pub presigned: Option<&'a Presigned>,
    pub now: DateTime<Utc>,
}

/// The request checked as filing it by `me` now would be, writing nothing.
pub async fn check(
    db: &Db,
    me: &Principal,
    body: &FilingRequest,
    now_unix: i64,
) -> Result<Checked, ApiError> {
    draft::resolve(db, me, FilingDraft::try_from(body)?, now_unix).await
}

/// What the checks decided, before the row exists.
struct Made {
    /// Unique per filer and key: the row's provisional registration number.
    idempotency_scope: String,
    signed: Option<Signed>,
    content_sha: String,
    submitted_at: String,
    due: DateTime<Utc>,
}

/// Files `filing` as `me`, in the caller's transaction; `None` when a duplicate (same filer,
/// same key) committed first and there is nothing to insert.
pub async fn submit(
    db: &Db,
    me: &Principal,
    filing: &Submission<'_>,
    signing: &ed25519_dalek::SigningKey,
    deadlines: &Deadlines,
) -> Result<Option<Stored>, ApiError> {
    let now = filing.now;
    let checked = check(db, me, filing.body, now.timestamp()).await?;
    let draft = &checked.draft;
    crate::platform::limits::filings(db, &me.iin, now.timestamp()).await?;
    let made = Made {
        idempotency_scope: format!("{}:{}", me.iin, filing.request.key),
        signed: filer_signature(db, me, filing, draft.kind, &checked.content).await?,
        content_sha: hex::encode(Sha256::digest(checked.content.as_bytes())),
        submitted_at: clock::rfc3339(now),
        due: deadlines.due(
            now,
            deadline::period_for(draft.kind, draft.addressee, draft.subject),
        ),
    };
    let new = new_filing(me, &checked, filing, &made);
    let Some(id) = filing_store::insert_submitted(db, &new).await? else {
        return Ok(None);
    };
    complete(db, me, id, &checked, &made, signing, now)
        .await
        .map(Some)
}

/// The row as inserted (its registration number provisional until the id is known).
fn new_filing<'a>(
    me: &'a Principal,
    checked: &'a Checked,
    filing: &'a Submission<'_>,
    made: &'a Made,
) -> NewFiling<'a> {
    let draft = &checked.draft;
    NewFiling {
        idempotency_scope: &made.idempotency_scope,
        kind: draft.kind,
        filer_iin: &me.iin,
        on_behalf_of_iin: draft.on_behalf.as_ref().map(|i| i.as_str()),
        case_id: checked.case.as_ref().map(|c| c.id),
        addressee: draft.addressee_name(),
        subject: draft.subject.as_str(),
        challenged_decision_id: draft.challenged_decision_id,
        text: &draft.text,
        submitted_at: &made.submitted_at,
        submitted_unix: filing.now.timestamp(),
        due_unix: made.due.timestamp(),
        content_sha256: &made.content_sha,
        idempotency_key: &filing.request.key,
        request_sha256: &filing.request.request_sha256,
        organ_id: draft.organ_id.or(checked.sent_to_organ),
        // Kept as named: an affected person's complaint is tied to no case of theirs.
        named_erdr_number: draft
            .affected_person
            .then(|| draft.erdr.as_ref().map(|e| e.as_str()))
            .flatten(),
        filed_in_detention: draft.filed_in_detention,
    }
}

/// Everything the filing's id is needed for: attachments, signature, the signed receipt, the
/// officers told, the audit row.
async fn complete(
    db: &Db,
    me: &Principal,
    id: i64,
    checked: &Checked,
    made: &Made,
    signing: &ed25519_dalek::SigningKey,
    now: DateTime<Utc>,
) -> Result<Stored, ApiError> {
    let draft = &checked.draft;
    let registration_number = registration_number(draft.kind, now, id);
    if !draft.attachments.is_empty() {
        let ids = serde_json::to_string(&draft.attachments)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        filing_store::attach_uploads(db, id, &ids).await?;
    }
    if let Some(signed) = &made.signed {
        signature::store(db, id, signed, &checked.content, &made.submitted_at).await?;
    }
    let summary = Summary {
        id,
        registration_number: registration_number.clone(),
        kind: draft.kind.as_str().to_owned(),
        filer_iin: me.iin.clone(),
        on_behalf_of_iin: draft.on_behalf.as_ref().map(|i| i.as_str().to_owned()),
        erdr_number: draft.erdr.as_ref().map(|e| e.as_str().to_owned()),
        submitted_at: made.submitted_at.clone(),
        due_at: clock::rfc3339(made.due),
        content_sha256: made.content_sha.clone(),
        attachments_sha256: checked.attachment_shas.clone(),
        signature_sha256: made.signed.as_ref().map(Signed::sha256),
    };
    let signature = receipt::sign(signing, &summary);
    filing_store::complete_submission(
        db,
        id,
        &registration_number,
        &signature,
        &made.submitted_at,
        &me.iin,
    )
    .await?;
    super::alerts::announce_arrival(db, id, &made.submitted_at).await?;
    audit::record_for_case(
        db,
        &me.actor(),
        "filing_submitted",
        &format!("filing:{id}"),
        checked.case.as_ref().map(|c| c.id),
        serde_json::json!({ "kind": draft.kind.as_str(), "signed_by": made.signed.as_ref().map(|s| &s.signer_iin) }),
    )
    .await?;
    Ok(Stored {
        summary,
        signature,
        filer_iin: me.iin.clone(),
        on_behalf_of_iin: draft.on_behalf.as_ref().map(|i| i.as_str().to_owned()),
    })
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
) -> Result<Option<Signed>, ApiError> {
    match (&filing.body.signature, filing.presigned, kind) {
        // What was signed is still what is filed (nothing it names changed meanwhile).
        (Some(_), Some(p), _) if p.content == content => Ok(Some(p.signed.clone())),
        (Some(_), Some(_), _) => Err(ApiError::Conflict(
            "What the filing names changed while it was being sent: sign it again.".into(),
        )),
        (Some(cms), None, _) => {
            let signed = signed::verify(
                db,
                "signature",
                cms,
                content.as_bytes(),
                &me.iin,
                filing.now,
            )
            .await?;
            Ok(Some(signed))
        }
        (None, _, kind) if kind.signature_required() => Err(ApiError::invalid(
            "signature",
            "signature_required",
            "A statement about a criminal offence must be signed with your EDS (CPC art. 181).",
        )),
        (None, _, _) => Ok(None),
    }
}

/// The number the filer is given: the year in Almaty (a filing at 00:30 on 1 January is the
/// new year's), a letter for the kind, the filing's id.
pub fn registration_number(kind: Kind, now: DateTime<Utc>, id: i64) -> String {
    let letter = match kind {
        Kind::CrimeReport => "S",
        Kind::Petition => "P",
        Kind::Complaint => "C",
    };
    let year = now.with_timezone(&clock::almaty()).format("%Y");
    format!("{year}-{letter}-{id:07}")
}

#[cfg(test)]
mod tests {
    use super::registration_number;
    use crate::law::deadline::Kind;

    #[test]
    fn a_registration_number_is_the_year_the_kind_and_the_id() {
        let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc();
        let evening = at("2026-12-31T18:59:59Z");
        assert_eq!(
            registration_number(Kind::CrimeReport, evening, 42),
            "2026-S-0000042"
        );
        assert_eq!(
            registration_number(Kind::Petition, evening, 7),
            "2026-P-0000007"
        );
        // 00:00 on 1 January in Almaty is 19:00 UTC the evening before.
        let new_year = at("2026-12-31T19:00:00Z");
        assert_eq!(
            registration_number(Kind::Complaint, new_year, 12_345_678),
            "2027-C-12345678"
        );
    }
}
