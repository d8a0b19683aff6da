//! The filings I receive as an officer: their list by due time, one filing with its documents
//! and its filer's signature, and the forwardings of my organ (the answers are `answers`). Who
//! receives what is [`handling::handlers`]; to every other officer a filing does not exist.

use jaria_portal::audit::ReadNote;
use jaria_portal::case::authz::{self};
use jaria_portal::filing::store::{self};
use jaria_portal::filing::{court, forwarding, received, signature};
use jaria_portal::http::Reply;
use jaria_portal::identity::auth::{self, Desk};
use jaria_portal::law::deadline::Kind;
use jaria_portal::law::handling::{self, State};
use jaria_portal::platform::db::limit;
use jaria_portal::{ApiError, audit, http::documents, http::paging, platform::clock};

/// `GET /api/officer/filings?state=&due_before=&kind=` — the filings I receive, by due time.
pub async fn queue(desk: Desk<'_>) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let query = req.query();
    let page = paging::parse_due(query)?;
    let states: Vec<State> = match paging::query_param(query, "state") {
        None | Some("") | Some("open") => State::OPEN.to_vec(),
        Some(_) => jaria_portal::filing::state_in_query(query)?
            .into_iter()
            .collect(),
    };
    let kind = jaria_portal::filing::kind_in_query(query)?;
    let due_before = paging::query_param(query, "due_before")
        .map(|v| clock::parse_due_time("due_before", &paging::percent_decode(v)))
        .transpose()?;
    let (condition, params) = received::queue_condition(me, &states, kind, due_before, &page);
    let filings = audit::audited_read(db, &me.actor(), async |db| {
        let note = ReadNote::new("filings_queue_viewed", format!("person:{}", me.iin), None);
        let filings = store::filings_where(
            db,
            &format!(
                "{condition} ORDER BY f.due_unix, f.id {}",
                limit(page.limit)
            ),
            &params,
        )
        .await?;
        Ok((filings, note))
    })
    .await?;
    let now = clock::now().timestamp();
    let last = filings.last().map(|f| (f.due_unix, f.id));
    let items: Vec<serde_json::Value> = filings
        .iter()
        .map(|f| {
            let mut item = store::summary_json(f, now);
            item["addressee"] = match f.kind {
                Kind::CrimeReport => "organ".into(),
                _ => f.addressee.as_str().into(),
            };
            item["subject"] = f.subject.as_str().into();
            item
        })
        .collect();
    Reply::json(
        200,
        &serde_json::json!({
            "filings": items,
            "next_cursor": paging::next_due_cursor(&page, last, filings.len()),
        }),
    )
}

/// `GET /api/officer/filings/{id}`
pub async fn view(desk: Desk<'_>, id: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, .. } = desk;
    let body = audit::audited_read(db, &me.actor(), async |db| {
        let r = received::received_or_before_the_judge(db, me, id).await?;
        let note = ReadNote::new(
            "filing_viewed",
            format!("filing:{}", r.filing.id),
            r.audit_case(),
        );
        let mut body = store::detail_json(db, &r.filing, clock::now().timestamp()).await?;
        body["filer_full_name"] = jaria_portal::identity::full_name(db, &r.filing.filer_iin)
            .await?
            .into();
        let permitted = if r.filing.state.is_open() {
            handling::permitted_outcomes(r.filing.kind, r.filing.addressee, r.challenged)
        } else {
            &[]
        };
        body["permitted_outcomes"] = permitted
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>()
            .into();
        body["extension_limit_at"] = r
            .extension_limit()
            .map(|t| clock::rfc3339(clock::from_unix(t)))
            .into();
        body["challenged_official_is_me"] = r.challenged.into();
        // The court's next act I may record from its papers (arts. 106–107), if any.
        let may_record = authz::may_record_court(
            me,
            received::facts(&r.filing),
            r.case.as_ref(),
            received::challenged_official(&r.filing, r.case.as_ref()),
        )
        .is_ok();
        body["court_next_step"] = may_record
            .then(|| {
                court::next_step(
                    r.filing.kind,
                    r.filing.addressee,
                    r.filing.state,
                    &r.filing.court,
                )
            })
            .flatten()
            .into();
        Ok((body, note))
    })
    .await?;
    Reply::json(200, &body)
}

/// `GET /api/officer/filings/{id}/signature` and `.../signed-content`: the filer's CMS and the
/// exact bytes it signs, for a filing I receive (404 when not signed). Read like a document.
pub async fn signed_part(
    desk: Desk<'_>,
    id: &str,
    part: signature::Part,
) -> Result<Reply, ApiError> {
    let Desk { db, me, .. } = desk;
    audit::audited_read(db, &me.actor(), async |db| {
        let r = received::received(db, me, id, false).await?;
        let reply =
            signature::download(db, r.filing.id, &r.filing.registration_number, part).await?;
        let note = ReadNote::new(
            "filing_signature_downloaded",
            format!("filing:{}", r.filing.id),
            r.audit_case(),
        );
        Ok((reply, note))
    })
    .await
}

/// `GET /api/officer/filings/{id}/documents/{sha256}`
pub async fn document(desk: Desk<'_>, id: &str, sha: &str) -> Result<Reply, ApiError> {
    let Desk { db, me, req } = desk;
    let (doc, name) = audit::audited_read(db, &me.actor(), async |db| {
        let r = received::received(db, me, id, false).await?;
        let name = store::document_name(db, &r.filing, sha)
            .await?
            .ok_or(ApiError::NotFound)?;
        let note = ReadNote::new(
            "filing_document_downloaded",
            format!("filing:{}", r.filing.id),
            r.audit_case(),
        )
        .with_detail(serde_json::json!({ "sha256": sha }));
        Ok(((documents::load(db, sha).await?, name), note))
    })
    .await?;
    Ok(documents::download(
        &doc,
        sha,
        &name,
        auth::header(req, "range"),
        auth::header(req, "if-none-match"),
    ))
}

/// `GET /api/officer/forwardings` — statements my organ sent on or received.
pub async fn forwardings(desk: Desk<'_>) -> Result<Reply, ApiError> {
    let Desk { db, me, .. } = desk;
    let organ = authz::appointed(me)?.organ.id;
    let body = audit::audited_read(db, &me.actor(), async |db| {
        let list = forwarding::of_organ(db, organ, 200).await?;
        Ok((
            list,
            ReadNote::new("forwardings_viewed", format!("organ:{organ}"), None),
        ))
    })
    .await?;
    Reply::json(200, &body)
}
