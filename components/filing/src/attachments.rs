//! Uploading a file to attach to a filing: PDF, PNG or JPEG, checked by content, ≤ 10 MiB.

use jaria_portal::filing::store as filing_store;
use jaria_portal::http::Reply;
use jaria_portal::identity::auth;
use jaria_portal::platform::db::Db;
use jaria_portal::{
    ApiError, audit, http::documents, platform::clock, platform::limits, platform::random,
};

pub async fn upload(req: &jaria_portal::http::Request) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    let declared = req.media_type();
    if !matches!(
        declared.as_str(),
        "application/pdf" | "image/png" | "image/jpeg"
    ) {
        return Err(ApiError::UnsupportedMediaType(
            "Attachments must be PDF, PNG or JPEG.".into(),
        ));
    }
    let bytes = req.body();
    let actual = documents::validate("body", bytes)?;
    if actual != declared {
        return Err(ApiError::invalid(
            "body",
            "content_type_mismatch",
            "The file's content does not match its declared type.",
        ));
    }
    let id = random::id()?;
    let now = clock::now();
    let sha = db
        .transaction(async |db| {
            limits::unattached_uploads(db, &me.iin, bytes.len(), now.timestamp()).await?;
            let sha = documents::store(db, bytes, actual, &clock::rfc3339(now)).await?;
            filing_store::record_upload(
                db,
                &id,
                &me.iin,
                &sha,
                bytes.len(),
                actual,
                now.timestamp(),
            )
            .await?;
            audit::record(
                db,
                &me.actor(),
                "attachment_uploaded",
                &format!("attachment:{id}"),
                serde_json::json!({ "sha256": sha }),
            )
            .await?;
            Ok(sha)
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({ "id": id, "sha256": sha, "size": bytes.len(), "media_type": actual }),
    )
}
