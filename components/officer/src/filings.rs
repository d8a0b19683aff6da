//! The filings I receive as an officer: their list by due time, one filing with its documents
//! and its filer's signature, and the forwardings of my organ (the answers are `answers`). Who
//! receives what is [`handling::handlers`]; to every other officer a filing does not exist.

use jaria_portal::audit::ReadNote;
use jaria_portal::case::authz::{self};
use jaria_portal::case::store::{self as case_store, CaseRow};
use jaria_portal::filing::store::{self, FilingRow};
use jaria_portal::filing::{court, forwarding, signature};
use jaria_portal::http::Reply;
use jaria_portal::identity::auth::{self, Principal};
use jaria_portal::law::deadline::Kind;
use jaria_portal::law::handling::{self, State};
use jaria_portal::platform::db::{Db, SqlValue, int, opt_text, text};
use jaria_portal::{ApiError, audit, http::documents, http::paging, platform::clock};

/// A filing I receive, with its case; any other is 404.
pub(crate) struct Received {
    pub(crate) filing: FilingRow,
    pub(crate) case: Option<CaseRow>,
    /// Whether I am the official whose act this complaint challenges.
    pub(crate) challenged: bool,
}

/// A filing I receive (404 otherwise); with `to_decide`, one I may change too (see
/// [`authz::filing_received`]).
pub(crate) async fn received(
    db: &Db,
    me: &Principal,
    id: &str,
    to_decide: bool,
) -> Result<Received, ApiError> {
    let (filing, case) = with_case(db, id).await?;
    authz::filing_received(me, facts(&filing), case.as_ref(), to_decide)?;
    Ok(received_as(me, filing, case))
}

/// A filing as `me` holds it, once allowed.
fn received_as(me: &Principal, filing: FilingRow, case: Option<CaseRow>) -> Received {
    let challenged = challenged_official(&filing, case.as_ref()) == Some(me.iin.as_str());
    Received {
        filing,
        case,
        challenged,
    }
}

/// A filing by id (404 if none) with its case, if it has one.
pub(crate) async fn with_case(db: &Db, id: &str) -> Result<(FilingRow, Option<CaseRow>), ApiError> {
    let filing = store::find(db, id).await?.ok_or(ApiError::NotFound)?;
    let case = match filing.case_id {
        Some(case_id) => case_store::cases_where(db, "c.id = ?", &[int(case_id)])
            .await?
            .into_iter()
            .next(),
        None => None,
    };
    Ok((filing, case))
}

/// The official whose act a complaint challenges: the author of the decision it names, else
/// the case's lead officer (none for other filings, or without a case).
pub(crate) fn challenged_official<'a>(
    filing: &'a FilingRow,
    case: Option<&'a CaseRow>,
) -> Option<&'a str> {
    (filing.kind == Kind::Complaint)
        .then_some(case)
        .flatten()
        .map(|c| {
            handling::challenged_official(
                filing.challenged_decision_author.as_deref(),
                &c.lead_officer_iin,
            )
        })
}

/// The facts of a filing who receives it depends on.
pub(crate) fn facts(filing: &FilingRow) -> authz::FilingFacts<'_> {
    authz::FilingFacts {
        kind: filing.kind,
        addressee: filing.addressee,
        organ_id: filing.organ_id,
        filer_iin: &filing.filer_iin,
        on_behalf_of_iin: filing.on_behalf_of_iin.as_deref(),
    }
}

/// A filing I receive, or a complaint gone to the investigating judge whose court acts I may
/// record (the case's supervising prosecutor: [`authz::may_record_court`]); 404 otherwise.
async fn received_or_before_the_judge(
    db: &Db,
    me: &Principal,
    id: &str,
) -> Result<Received, ApiError> {
    let (filing, case) = with_case(db, id).await?;
    match authz::filing_received(me, facts(&filing), case.as_ref(), false) {
        Err(ApiError::NotFound)
            if court::before_the_judge(filing.kind, filing.addressee, filing.state) =>
        {
            let challenged = challenged_official(&filing, case.as_ref());
            authz::may_record_court(me, facts(&filing), case.as_ref(), challenged)
                .map_err(|_| ApiError::NotFound)?;
        }
        other => other?,
    }
    Ok(received_as(me, filing, case))
}

/// `GET /api/officer/filings?state=&due_before=&kind=` — the filings I receive, by due time.
pub async fn queue(db: &Db, me: &Principal, query: &str) -> Result<Reply, ApiError> {
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
    let placeholders = vec!["?"; states.len()].join(", ");
    let filter = format!(
        "f.state IN ({placeholders}) AND (? IS NULL OR f.kind = ?)
         AND (? IS NULL OR f.due_unix < ?)
         AND (f.due_unix > ? OR (f.due_unix = ? AND f.id > ?))"
    );
    let (after_due, after_id) = page.after.unwrap_or((i64::MIN, 0));
    let mut filter_params: Vec<SqlValue> = states.iter().map(|s| text(s.as_str())).collect();
    filter_params.extend([
        opt_text(kind.map(Kind::as_str)),
        opt_text(kind.map(Kind::as_str)),
        due_before.map(int).unwrap_or(SqlValue::Null),
        due_before.map(int).unwrap_or(SqlValue::Null),
        int(after_due),
        int(after_due),
        int(after_id),
    ]);
    let (condition, mut params) =
        authz::received_filings_page_sql(me, &filter, &filter_params, page.limit);
    params.push(int(page.limit));
    let filings = audit::audited_read(db, &me.actor(), async |db| {
        let note = ReadNote::new("filings_queue_viewed", format!("person:{}", me.iin), None);
        let filings = store::filings_where(
            db,
            &format!("{condition} ORDER BY f.due_unix, f.id LIMIT ?"),
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

pub(crate) fn audit_case(r: &Received) -> Option<i64> {
    r.case.as_ref().map(|c| c.id)
}

/// `GET /api/officer/filings/{id}`
pub async fn view(db: &Db, me: &Principal, id: &str) -> Result<Reply, ApiError> {
    let body = audit::audited_read(db, &me.actor(), async |db| {
        let r = received_or_before_the_judge(db, me, id).await?;
        let note = ReadNote::new(
            "filing_viewed",
            format!("filing:{}", r.filing.id),
            audit_case(&r),
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
        body["extension_limit_at"] = crate::answers::extension_limit(&r)
            .map(|t| clock::rfc3339(clock::from_unix(t)))
            .into();
        body["challenged_official_is_me"] = r.challenged.into();
        // The court's next act I may record from its papers (arts. 106–107), if any.
        let may_record = authz::may_record_court(
            me,
            facts(&r.filing),
            r.case.as_ref(),
            challenged_official(&r.filing, r.case.as_ref()),
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
    db: &Db,
    me: &Principal,
    id: &str,
    part: signature::Part,
) -> Result<Reply, ApiError> {
    audit::audited_read(db, &me.actor(), async |db| {
        let r = received(db, me, id, false).await?;
        let reply =
            signature::download(db, r.filing.id, &r.filing.registration_number, part).await?;
        let note = ReadNote::new(
            "filing_signature_downloaded",
            format!("filing:{}", r.filing.id),
            audit_case(&r),
        );
        Ok((reply, note))
    })
    .await
}

/// `GET /api/officer/filings/{id}/documents/{sha256}`
pub async fn document(
    db: &Db,
    me: &Principal,
    req: &jaria_portal::http::Request,
    id: &str,
    sha: &str,
) -> Result<Reply, ApiError> {
    let (doc, name) = audit::audited_read(db, &me.actor(), async |db| {
        let r = received(db, me, id, false).await?;
        let name = store::document_name(db, &r.filing, sha)
            .await?
            .ok_or(ApiError::NotFound)?;
        let note = ReadNote::new(
            "filing_document_downloaded",
            format!("filing:{}", r.filing.id),
            audit_case(&r),
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
pub async fn forwardings(db: &Db, me: &Principal) -> Result<Reply, ApiError> {
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
