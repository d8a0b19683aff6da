//! A filing as the officer who receives it holds it: to every other officer it does not exist
//! (404). Who receives what is [`crate::law::handling::handlers`] through [`authz`]; a complaint
//! gone to the investigating judge is also held by the case's supervising prosecutor, who
//! records the court's acts.

use super::court;
use super::store::{self, FilingRow};
use crate::ApiError;
use crate::case::authz;
use crate::case::store::{self as case_store, CaseRow};
use crate::http::paging;
use crate::identity::auth::Principal;
use crate::law::deadline::{self, Calendar, Kind};
use crate::law::handling::{self, State};
use crate::platform::clock;
use crate::platform::db::{Db, SqlValue, int, opt_text, text};

/// A filing I receive, with its case; any other is 404.
pub struct Received {
    pub filing: FilingRow,
    pub case: Option<CaseRow>,
    /// Whether I am the official whose act this complaint challenges.
    pub challenged: bool,
}

/// A filing I receive (404 otherwise); with `to_decide`, one I may change too (see
/// [`authz::filing_received`]).
pub async fn received(
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
pub async fn with_case(db: &Db, id: &str) -> Result<(FilingRow, Option<CaseRow>), ApiError> {
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
pub fn challenged_official<'a>(
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
pub fn facts(filing: &FilingRow) -> authz::FilingFacts<'_> {
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
pub async fn received_or_before_the_judge(
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

impl Received {
    /// The case the audit row names, if the filing has one.
    pub fn audit_case(&self) -> Option<i64> {
        self.case.as_ref().map(|c| c.id)
    }

    /// The latest a complaint may be answered once extended (Unix seconds), if it may be.
    pub fn extension_limit(&self) -> Option<i64> {
        let period = deadline::extension_limit(self.filing.kind, self.filing.addressee)?;
        if self.challenged {
            return None;
        }
        let submitted = clock::from_unix(self.filing.submitted_unix);
        Some(deadline::due(submitted, period, Calendar::shipped()).timestamp())
    }
}

/// The condition and parameters of my queue's page: the filings I receive in `states`, of
/// `kind`, due before `due_before`, after the page's cursor (the caller adds the page's
/// `ORDER BY f.due_unix, f.id` and [`crate::platform::db::limit`]).
pub fn queue_condition(
    me: &Principal,
    states: &[State],
    kind: Option<Kind>,
    due_before: Option<i64>,
    page: &paging::DuePage,
) -> (String, Vec<SqlValue>) {
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
    authz::received_filings_page_sql(me, &filter, &filter_params, page.limit)
}
