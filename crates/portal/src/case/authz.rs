//! What an officer may do, decided in one place from their **current** appointment (role and
//! organ, read with the session at every request): how they stand to a case, which filings they
//! receive, the same rules as SQL for their lists, and the rule against self-dealing.
//!
//! - The lead officer acts on a case only while appointed investigator or inquirer **of the
//!   case's organ**: moved to another organ, they lose it at once.
//! - The head of unit acts on the cases of the organ they head now.
//! - The supervising prosecutor acts while appointed prosecutor in the organ they served in
//!   when assigned (`cases.prosecutor_organ_id`); the head of that prosecutor's office stands
//!   in for them (it receives what is addressed to the prosecutor, so nothing waits on a
//!   prosecutor who has left).
//! - No officer acts on a matter that concerns themselves: their own status request, a
//!   familiarisation grant to themselves, a filing they made or that was made for them.

use crate::case::store::{self, CaseRow};
use crate::identity::auth::Principal;
use crate::identity::{Organ, Role};
use crate::law::deadline::{Addressee, Kind};
use crate::law::handling::{self, Handler};
use crate::platform::db::{Db, SqlValue, col_opt_text, col_text, int, text};
use crate::platform::error::ApiError;

use crate::identity::Appointment;

/// How an officer stands to a case; none means the case does not exist for them (404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficerRelation {
    Lead,
    HeadOfUnit,
    SupervisingProsecutor,
    /// Head of the prosecutor's office that supervises the case.
    HeadOfProsecutorsOffice,
}

crate::text_enum!(OfficerRelation {
    Lead => "lead_officer",
    HeadOfUnit => "head_of_unit",
    SupervisingProsecutor => "supervising_prosecutor",
    HeadOfProsecutorsOffice => "head_of_prosecutors_office",
});

impl OfficerRelation {
    /// The capacity in which this relation receives filings of the case.
    pub fn handler(self) -> Handler {
        match self {
            OfficerRelation::Lead => Handler::LeadOfficer,
            OfficerRelation::HeadOfUnit => Handler::HeadOfUnit,
            OfficerRelation::SupervisingProsecutor | OfficerRelation::HeadOfProsecutorsOffice => {
                Handler::SupervisingProsecutor
            }
        }
    }

    /// Whether this relation directs the investigation: the unit that conducts it. The
    /// prosecutor's office supervises; it does not take over the case.
    fn conducts(self) -> bool {
        matches!(self, OfficerRelation::Lead | OfficerRelation::HeadOfUnit)
    }
}

/// What an officer does with a case. Every officer endpoint names its act, and [`may`] is the
/// one table that answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Read the card, its decisions, materials, grants and proof of service.
    View,
    ChangeStage,
    ReassignLead,
    AssignProsecutor,
    /// Make a person a participant on the officer's own procedural decision.
    RecordParticipant,
    EndParticipant,
    /// Confirm a person's request for a status: it opens the case to them.
    ConfirmStatus,
    /// Reject a person's request for a status, with the reason.
    RejectStatusRequest,
    GrantFamiliarisation,
    EndFamiliarisation,
    AddDecision,
    AddMaterial,
    /// The reasoned order to go on on paper (art. 42-1).
    SwitchToPaper,
    /// Decide or forward a filing of the case (which filings each capacity receives is the
    /// handling table's: [`filing_handlers`]).
    AnswerFiling,
    /// Annul an unlawful or unfounded decision by a decision of one's own (the supervising
    /// prosecutor, art. 193; the head of the investigative unit over its officers, art. 62):
    /// the supervisors' act, never the officer's over their own (the case-dependent part:
    /// [`crate::case::amend`]).
    AnnulDecision,
    /// Correct a decision by a new one amending it: its author's (the case-dependent part:
    /// [`crate::case::amend`]).
    CorrectDecision,
}

impl Act {
    pub const ALL: [Act; 16] = [
        Act::View,
        Act::ChangeStage,
        Act::ReassignLead,
        Act::AssignProsecutor,
        Act::RecordParticipant,
        Act::EndParticipant,
        Act::ConfirmStatus,
        Act::RejectStatusRequest,
        Act::GrantFamiliarisation,
        Act::EndFamiliarisation,
        Act::AddDecision,
        Act::AddMaterial,
        Act::SwitchToPaper,
        Act::AnswerFiling,
        Act::AnnulDecision,
        Act::CorrectDecision,
    ];

    /// Whether a case conducted on paper refuses the act (art. 42-1: the portal shows it
    /// read-only and takes nothing new for it): nothing that changes the case or opens it
    /// further, so no status is confirmed and no familiarisation granted through the portal
    /// (the person is confirmed and reads the materials on paper). Reading, supervision, and
    /// what only narrows access or answers a person (a status request rejected, a status or
    /// a grant ended) go on: they are how the person learns where the paper case stands, and
    /// an access that lost its ground must end whatever the format.
    pub fn refused_on_paper(self) -> bool {
        matches!(
            self,
            Act::ChangeStage
                | Act::ReassignLead
                | Act::RecordParticipant
                | Act::ConfirmStatus
                | Act::GrantFamiliarisation
                | Act::AddDecision
                | Act::AddMaterial
                | Act::SwitchToPaper
                | Act::AnswerFiling
                | Act::AnnulDecision
                | Act::CorrectDecision
        )
    }
}

/// Whether an officer standing to a case as `relation` may do `act` on it: the one table.
///
/// The unit that conducts the investigation (the lead officer, the head of unit) does
/// everything. The prosecutor's office supervises legality: it reads the case, answers what
/// people ask of it (status requests, the filings addressed to it), adds its own decisions
/// and materials, moves the stage (it sends the case to court), and grants or ends access to
/// materials; it does not direct the investigation — who leads it, whom the officer makes a
/// participant or ends, the paper format. Only the head of the supervising office reassigns
/// the supervising prosecutor (the case-dependent part: [`OfficerCase::may_assign_prosecutor`]).
pub fn may(relation: OfficerRelation, act: Act) -> bool {
    match act {
        Act::View
        | Act::ChangeStage
        | Act::ConfirmStatus
        | Act::RejectStatusRequest
        | Act::GrantFamiliarisation
        | Act::EndFamiliarisation
        | Act::AddDecision
        | Act::AddMaterial
        | Act::AnswerFiling
        | Act::CorrectDecision => true,
        Act::ReassignLead | Act::RecordParticipant | Act::EndParticipant | Act::SwitchToPaper => {
            relation.conducts()
        }
        // Over the officer: the head of unit and the prosecutor's office, not the lead.
        Act::AnnulDecision => relation != OfficerRelation::Lead,
        Act::AssignProsecutor => relation != OfficerRelation::SupervisingProsecutor,
    }
}

/// Whether `relation` may make the prosecutor of `prosecutor_organ` the case's supervisor:
/// the investigating unit names the first one while the case has none; afterwards only the
/// head of the supervising prosecutor's office reassigns, within that office.
pub fn may_assign_prosecutor(
    relation: OfficerRelation,
    case: CaseFacts<'_>,
    prosecutor_organ: i64,
) -> bool {
    may(relation, Act::AssignProsecutor)
        && match relation {
            OfficerRelation::Lead | OfficerRelation::HeadOfUnit => case.prosecutor_iin.is_none(),
            OfficerRelation::HeadOfProsecutorsOffice => {
                case.prosecutor_organ_id == Some(prosecutor_organ)
            }
            OfficerRelation::SupervisingProsecutor => false,
        }
}

/// A case as an officer stands to it now: found only through [`officer_case`] (or
/// [`OfficerCase::find`]), so holding one means the relation was read this request.
#[derive(Debug, Clone)]
pub struct OfficerCase {
    pub case: CaseRow,
    pub relation: OfficerRelation,
}

impl OfficerCase {
    /// The case `erdr` and how I stand to it now; 404 when it does not exist or not for me
    /// (the same answer, so an officer of another organ learns nothing).
    pub async fn find(db: &Db, me: &Principal, erdr: &str) -> Result<OfficerCase, ApiError> {
        let case = store::find_case(db, erdr)
            .await?
            .ok_or(ApiError::NotFound)?;
        let relation = relation(me, &case).ok_or(ApiError::NotFound)?;
        Ok(OfficerCase { case, relation })
    }

    /// Whether I may do `act` on this case now: 403 when my relation does not give it, 409
    /// when the case is on paper and the act would change it.
    pub fn to(&self, act: Act) -> Result<&OfficerCase, ApiError> {
        if !may(self.relation, act) {
            return Err(ApiError::Forbidden);
        }
        refuse_on_paper(&self.case, act)?;
        Ok(self)
    }

    /// The act must not concern me (see [`refuse_self_dealing`]).
    pub fn not_concerning(
        &self,
        me: &Principal,
        concerned: &[Option<&str>],
    ) -> Result<&OfficerCase, ApiError> {
        refuse_self_dealing(me, concerned)?;
        Ok(self)
    }

    /// [`may_assign_prosecutor`] for this case: 403 otherwise.
    pub fn may_assign_prosecutor(&self, prosecutor_organ: i64) -> Result<(), ApiError> {
        if may_assign_prosecutor(self.relation, (&self.case).into(), prosecutor_organ) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// A participant row of one of my cases, by id, as [`officer_participant`] gives it.
pub struct OfficerParticipant {
    pub case: CaseRow,
    pub id: i64,
    pub state: String,
    pub person_iin: String,
    pub status: crate::law::ProceduralStatus,
    pub represented_iin: Option<String>,
}

/// A participant row of one of my cases on which I may do `act`: 404 for a row of any other
/// case, 403 when my relation does not give the act or the status is about me (an officer
/// acts on nobody's status in which they are the person or the one acted for).
pub async fn officer_participant(
    db: &Db,
    me: &Principal,
    id: &str,
    erdr: Option<&str>,
    act: Act,
) -> Result<OfficerParticipant, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let row = db
        .one(
            "SELECT c.erdr_number, p.state, p.person_iin, p.represented_iin, p.status
             FROM case_participants p JOIN cases c ON c.id = p.case_id WHERE p.id = ?",
            &[int(id)],
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    let case_erdr = col_text(&row, 0)?;
    if erdr.is_some_and(|e| e != case_erdr) {
        return Err(ApiError::NotFound);
    }
    let mine = officer_case(db, me, &case_erdr, act).await?;
    let person_iin = col_text(&row, 2)?;
    let represented_iin = col_opt_text(&row, 3);
    mine.not_concerning(me, &[Some(person_iin.as_str()), represented_iin.as_deref()])?;
    Ok(OfficerParticipant {
        case: mine.case,
        id,
        state: col_text(&row, 1)?,
        person_iin,
        status: crate::law::ProceduralStatus::parse(&col_text(&row, 4)?)
            .ok_or_else(|| ApiError::Internal("unknown status in database".into()))?,
        represented_iin,
    })
}

/// The case `erdr` if I may do `act` on it now: 404 (no such case for me), 403 (my relation
/// does not give the act), 409 (on paper). The one door of every officer endpoint on a case.
pub async fn officer_case(
    db: &Db,
    me: &Principal,
    erdr: &str,
    act: Act,
) -> Result<OfficerCase, ApiError> {
    let found = OfficerCase::find(db, me, erdr).await?;
    found.to(act)?;
    Ok(found)
}

/// My appointment now: admins and participants have none, and see no case content (403).
pub fn appointed(me: &Principal) -> Result<&Appointment, ApiError> {
    me.appointment.as_ref().ok_or(ApiError::Forbidden)
}

/// The organ in whose name I register cases now: investigators, inquirers and heads of unit
/// register in their own organ; prosecutors supervise, they do not register (403).
pub fn registering_organ(me: &Principal) -> Result<&Organ, ApiError> {
    match &me.appointment {
        Some(a)
            if matches!(
                a.role,
                Role::Investigator | Role::Inquirer | Role::HeadOfUnit
            ) =>
        {
            Ok(&a.organ)
        }
        _ => Err(ApiError::Forbidden),
    }
}

/// Whether someone appointed `appointment` now (role, organ id) may lead a case of
/// `organ_id`: an investigator or inquirer of that organ.
pub fn may_lead(appointment: Option<(Role, i64)>, organ_id: i64) -> bool {
    matches!(appointment, Some((Role::Investigator | Role::Inquirer, organ)) if organ == organ_id)
}

/// The organ of someone appointed `appointment` now, if they may supervise a case: a
/// prosecutor.
pub fn supervising_organ(appointment: Option<(Role, i64)>) -> Option<i64> {
    match appointment {
        Some((Role::Prosecutor, organ)) => Some(organ),
        _ => None,
    }
}

/// Whether I receive this filing now (in any capacity; else it does not exist for me: 404),
/// and with `to_decide`, may change it: never one I made or that was made for me (403).
pub fn filing_received(
    me: &Principal,
    filing: FilingFacts<'_>,
    case: Option<&CaseRow>,
    to_decide: bool,
) -> Result<(), ApiError> {
    if filing_handlers(me, filing, case.map(Into::into)).is_empty() {
        return Err(ApiError::NotFound);
    }
    if to_decide {
        refuse_self_dealing(me, &[Some(filing.filer_iin), filing.on_behalf_of_iin])?;
    }
    Ok(())
}

/// Whether I may record the court's acts on this filing (arts. 106–107): whoever received it,
/// and the supervising prosecutor of its case (who answers for the investigation's legality and
/// receives the court's papers); 404 to anyone else. Never on one that concerns me, and never
/// by the official whose act the complaint challenges (`challenged_official`): what the judge
/// decided about my own act, and so the filer's time to appeal, is not mine to enter (403).
pub fn may_record_court(
    me: &Principal,
    filing: FilingFacts<'_>,
    case: Option<&CaseRow>,
    challenged_official: Option<&str>,
) -> Result<(), ApiError> {
    let supervising = case.is_some_and(|c| {
        relations(&me.iin, me.appointment.as_ref(), c.into())
            .contains(&OfficerRelation::SupervisingProsecutor)
    });
    if filing_handlers(me, filing, case.map(Into::into)).is_empty() && !supervising {
        return Err(ApiError::NotFound);
    }
    refuse_self_dealing(
        me,
        &[
            Some(filing.filer_iin),
            filing.on_behalf_of_iin,
            challenged_official,
        ],
    )
}

/// 409 when `case` is conducted on paper and `act` would change it ([`Act::refused_on_paper`]).
pub fn refuse_on_paper(case: &CaseRow, act: Act) -> Result<(), ApiError> {
    if act.refused_on_paper() {
        case.refuse_if_on_paper()?;
    }
    Ok(())
}

/// The case's facts authority depends on.
#[derive(Debug, Clone, Copy)]
pub struct CaseFacts<'a> {
    pub organ_id: i64,
    pub lead_officer_iin: &'a str,
    pub prosecutor_iin: Option<&'a str>,
    pub prosecutor_organ_id: Option<i64>,
}

impl<'a> From<&'a CaseRow> for CaseFacts<'a> {
    fn from(case: &'a CaseRow) -> Self {
        CaseFacts {
            organ_id: case.organ_id,
            lead_officer_iin: &case.lead_officer_iin,
            prosecutor_iin: case.prosecutor_iin.as_deref(),
            prosecutor_organ_id: case.prosecutor_organ_id,
        }
    }
}

/// Every way `me` stands to a case, most direct first.
pub fn relations(
    iin: &str,
    appointment: Option<&Appointment>,
    case: CaseFacts<'_>,
) -> Vec<OfficerRelation> {
    let Some(a) = appointment else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let organ = a.organ.id;
    if matches!(a.role, Role::Investigator | Role::Inquirer)
        && organ == case.organ_id
        && case.lead_officer_iin == iin
    {
        out.push(OfficerRelation::Lead);
    }
    if a.role == Role::HeadOfUnit && organ == case.organ_id {
        out.push(OfficerRelation::HeadOfUnit);
    }
    if a.role == Role::Prosecutor
        && case.prosecutor_iin == Some(iin)
        && case.prosecutor_organ_id == Some(organ)
    {
        out.push(OfficerRelation::SupervisingProsecutor);
    }
    if a.role == Role::HeadOfUnit && case.prosecutor_organ_id == Some(organ) {
        out.push(OfficerRelation::HeadOfProsecutorsOffice);
    }
    out
}

/// How I stand to this case now (the most direct relation), if at all.
pub fn relation(me: &Principal, case: &CaseRow) -> Option<OfficerRelation> {
    relations(&me.iin, me.appointment.as_ref(), case.into())
        .into_iter()
        .next()
}

/// The condition over `c` (cases) selecting every case I stand to now, with its parameters:
/// one index-backed branch per relation my appointment can give.
pub fn my_cases_sql(me: &Principal) -> (String, Vec<SqlValue>) {
    let Some(a) = &me.appointment else {
        return ("0".to_owned(), Vec::new());
    };
    let organ = a.organ.id;
    let (clauses, params): (Vec<&str>, Vec<Vec<SqlValue>>) = match a.role {
        Role::Investigator | Role::Inquirer => (
            vec!["(c.lead_officer_iin = ? AND c.organ_id = ?)"],
            vec![vec![text(&me.iin), int(organ)]],
        ),
        Role::HeadOfUnit => (
            vec!["c.organ_id = ?", "c.prosecutor_organ_id = ?"],
            vec![vec![int(organ)], vec![int(organ)]],
        ),
        Role::Prosecutor => (
            vec!["(c.prosecutor_iin = ? AND c.prosecutor_organ_id = ?)"],
            vec![vec![text(&me.iin), int(organ)]],
        ),
        Role::Participant | Role::Admin => (vec!["0"], vec![Vec::new()]),
    };
    (
        format!("({})", clauses.join(" OR ")),
        params.into_iter().flatten().collect(),
    )
}

const FILINGS_OF_MY_LEAD: &str =
    "cases c JOIN filings f ON f.case_id = c.id WHERE c.lead_officer_iin = ? AND c.organ_id = ?";
const FILINGS_OF_MY_ORGAN_CASES: &str =
    "cases c JOIN filings f ON f.case_id = c.id WHERE c.organ_id = ?";
const FILINGS_OF_MY_SUPERVISION: &str = "cases c JOIN filings f ON f.case_id = c.id \
     WHERE c.prosecutor_iin = ? AND c.prosecutor_organ_id = ?";
const FILINGS_OF_MY_OFFICE_SUPERVISION: &str =
    "cases c JOIN filings f ON f.case_id = c.id WHERE c.prosecutor_organ_id = ?";
/// Statements sent to my organ, and what was sent to my prosecutor's office for want of a
/// supervising prosecutor (the handling table says which kinds each capacity takes).
const FILINGS_SENT_TO_MY_ORGAN: &str = "filings f WHERE f.organ_id = ?";
const FILINGS_OF_NO_CASE_SENT_TO_MY_ORGAN: &str =
    "filings f WHERE f.organ_id = ? AND f.case_id IS NULL";

/// The capacities in which I receive filings at all, each with the SQL source selecting the
/// filings it brings me (over `f`, `c`) and its parameters — the same relations as
/// [`relations`], as queries.
fn receiving(
    iin: &str,
    appointment: Option<&Appointment>,
) -> Vec<(Handler, &'static str, Vec<SqlValue>)> {
    let Some(a) = appointment else {
        return Vec::new();
    };
    let organ = a.organ.id;
    match a.role {
        Role::Investigator | Role::Inquirer => vec![
            (
                Handler::LeadOfficer,
                FILINGS_OF_MY_LEAD,
                vec![text(iin), int(organ)],
            ),
            (
                Handler::OrganOfficer,
                FILINGS_SENT_TO_MY_ORGAN,
                vec![int(organ)],
            ),
        ],
        Role::HeadOfUnit => vec![
            (
                Handler::HeadOfUnit,
                FILINGS_OF_MY_ORGAN_CASES,
                vec![int(organ)],
            ),
            (
                Handler::SupervisingProsecutor,
                FILINGS_OF_MY_OFFICE_SUPERVISION,
                vec![int(organ)],
            ),
            (
                Handler::OrganOfficer,
                FILINGS_SENT_TO_MY_ORGAN,
                vec![int(organ)],
            ),
            (
                Handler::ProsecutorsOffice,
                FILINGS_SENT_TO_MY_ORGAN,
                vec![int(organ)],
            ),
            (
                Handler::OrganHead,
                FILINGS_OF_NO_CASE_SENT_TO_MY_ORGAN,
                vec![int(organ)],
            ),
        ],
        Role::Prosecutor => vec![
            (
                Handler::SupervisingProsecutor,
                FILINGS_OF_MY_SUPERVISION,
                vec![text(iin), int(organ)],
            ),
            (
                Handler::ProsecutorsOffice,
                FILINGS_SENT_TO_MY_ORGAN,
                vec![int(organ)],
            ),
        ],
        Role::Participant | Role::Admin => Vec::new(),
    }
}

/// The condition over `f` (filings) selecting every filing I receive now, from the handling
/// rule table: a union of index-backed selections, one per capacity (one `OR` over all of them
/// made SQLite scan every filing).
pub fn received_filings_sql(me: &Principal) -> (String, Vec<SqlValue>) {
    received_filings_sql_for(&me.iin, me.appointment.as_ref())
}

/// [`received_filings_sql`] for an officer who is not the caller (the scheduler's digest).
pub fn received_filings_sql_for(
    iin: &str,
    appointment: Option<&Appointment>,
) -> (String, Vec<SqlValue>) {
    let parts = received_selections(iin, appointment);
    if parts.is_empty() {
        return ("0".to_owned(), Vec::new());
    }
    let (selections, params): (Vec<String>, Vec<Vec<SqlValue>>) = parts.into_iter().unzip();
    (
        format!("f.id IN ({})", selections.join(" UNION ALL ")),
        params.into_iter().flatten().collect(),
    )
}

/// [`received_filings_sql`] for a page: the first `limit` filings I receive, in due order,
/// among those meeting `filter` (a condition over `f`, with its parameters). Each capacity's
/// selection is cut to its own first `limit` before the union, so SQLite reads at most that
/// many per capacity rather than every filing the officer ever received: the first `limit` of
/// a union are among the union of each part's first `limit`. The caller still orders and cuts
/// the union the same way (`ORDER BY f.due_unix, f.id LIMIT`).
pub fn received_filings_page_sql(
    me: &Principal,
    filter: &str,
    filter_params: &[SqlValue],
    limit: i64,
) -> (String, Vec<SqlValue>) {
    let parts = received_selections(&me.iin, me.appointment.as_ref());
    if parts.is_empty() {
        return ("0".to_owned(), Vec::new());
    }
    let mut selections = Vec::new();
    let mut params = Vec::new();
    for (selection, part_params) in parts {
        selections.push(format!(
            "SELECT id FROM ({selection} AND ({filter}) ORDER BY f.due_unix, f.id {})",
            crate::platform::db::limit(limit)
        ));
        params.extend(part_params);
        params.extend_from_slice(filter_params);
    }
    (
        format!("f.id IN ({})", selections.join(" UNION ALL ")),
        params,
    )
}

/// One `SELECT f.id AS id FROM … WHERE …` per capacity in which I receive filings (the
/// handling table's kinds and addressees for it), with its parameters.
fn received_selections(
    iin: &str,
    appointment: Option<&Appointment>,
) -> Vec<(String, Vec<SqlValue>)> {
    let mut selections = Vec::new();
    for (handler, source, scope) in receiving(iin, appointment) {
        let mut which = Vec::new();
        let mut params = scope;
        for kind in Kind::ALL {
            for addressee in Addressee::ALL {
                if !handling::handlers(kind, addressee).contains(&handler) {
                    continue;
                }
                if kind == Kind::CrimeReport {
                    // A crime report goes to an organ, whatever its (unused) addressee.
                    if !which.contains(&"f.kind = 'crime_report'") {
                        which.push("f.kind = 'crime_report'");
                    }
                } else {
                    which.push("(f.kind = ? AND f.addressee = ?)");
                    params.push(text(kind.as_str()));
                    params.push(text(addressee.as_str()));
                }
            }
        }
        if !which.is_empty() {
            selections.push((
                format!(
                    "SELECT f.id AS id FROM {source} AND ({})",
                    which.join(" OR ")
                ),
                params,
            ));
        }
    }
    // A supervising prosecutor records the court's acts on the complaints of their cases gone
    // to the investigating judge ([`may_record_court`]): they find them among their filings
    // (no handler answers those; the court does).
    if let Some(a) = appointment.filter(|a| a.role == Role::Prosecutor) {
        selections.push((
            format!("SELECT f.id AS id FROM {FILINGS_OF_MY_SUPERVISION} AND {BEFORE_THE_JUDGE}"),
            vec![text(iin), int(a.organ.id)],
        ));
    }
    selections
}

/// A complaint forwarded to the investigating judge (`filing::court::before_the_judge`).
const BEFORE_THE_JUDGE: &str =
    "f.kind = 'complaint' AND f.addressee = 'investigating_judge' AND f.state = 'forwarded'";

/// The facts of a filing who receives it depends on.
#[derive(Debug, Clone, Copy)]
pub struct FilingFacts<'a> {
    pub kind: Kind,
    pub addressee: Addressee,
    /// The organ a crime report was sent to, or the prosecutor's office a petition or
    /// complaint to the prosecutor went to for want of a supervising prosecutor.
    pub organ_id: Option<i64>,
    pub filer_iin: &'a str,
    pub on_behalf_of_iin: Option<&'a str>,
}

/// The capacities in which I receive this filing now (empty: it does not exist for me).
pub fn filing_handlers(
    me: &Principal,
    filing: FilingFacts<'_>,
    case: Option<CaseFacts<'_>>,
) -> Vec<Handler> {
    handlers_for(&me.iin, me.appointment.as_ref(), filing, case)
}

/// [`filing_handlers`] for any officer, from their current appointment.
pub fn handlers_for(
    iin: &str,
    appointment: Option<&Appointment>,
    filing: FilingFacts<'_>,
    case: Option<CaseFacts<'_>>,
) -> Vec<Handler> {
    let Some(a) = appointment else {
        return Vec::new();
    };
    let mut mine: Vec<Handler> = case
        .map(|c| relations(iin, Some(a), c))
        .unwrap_or_default()
        .into_iter()
        .map(OfficerRelation::handler)
        .collect();
    if filing.organ_id == Some(a.organ.id) {
        if matches!(
            a.role,
            Role::Investigator | Role::Inquirer | Role::HeadOfUnit
        ) {
            mine.push(Handler::OrganOfficer);
        }
        if matches!(a.role, Role::Prosecutor | Role::HeadOfUnit) {
            mine.push(Handler::ProsecutorsOffice);
        }
        // An affected person's complaint, tied to no case, is the organ's heads' to take.
        if a.role == Role::HeadOfUnit && case.is_none() {
            mine.push(Handler::OrganHead);
        }
    }
    let wanted = handling::handlers(filing.kind, filing.addressee);
    let mut out: Vec<Handler> = mine.into_iter().filter(|h| wanted.contains(h)).collect();
    out.dedup();
    out
}

/// Who a deadline alert about a filing goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alerted {
    /// "Due within 24 hours": the officers who must answer it — the lead officer or the
    /// prosecutor it is addressed to; for statements sent to an organ (which any of its
    /// officers may take), the organ's heads of unit, who distribute them.
    Handlers,
    /// "Overdue": the heads of unit of the organ that owes the answer, and the case's
    /// supervising prosecutor.
    Supervisors,
}

/// Whether an officer (current appointment) receives a deadline alert about this filing.
/// Nobody is alerted as an officer about a filing that concerns them.
pub fn is_alerted(
    iin: &str,
    appointment: &Appointment,
    filing: FilingFacts<'_>,
    case: Option<CaseFacts<'_>>,
    audience: Alerted,
) -> bool {
    if filing.filer_iin == iin || filing.on_behalf_of_iin == Some(iin) {
        return false;
    }
    let organ = appointment.organ.id;
    let owing_organ = case.map(|c| c.organ_id).or(filing.organ_id);
    // A petition or complaint with an organ was sent to a prosecutor's office.
    let sent_to_office = filing.organ_id.filter(|_| filing.kind != Kind::CrimeReport);
    match audience {
        // What an organ or office received as a body, its heads distribute: they are told.
        Alerted::Handlers => handlers_for(iin, Some(appointment), filing, case)
            .into_iter()
            .any(|h| {
                !matches!(h, Handler::OrganOfficer | Handler::ProsecutorsOffice)
                    || appointment.role == Role::HeadOfUnit
            }),
        Alerted::Supervisors => {
            (appointment.role == Role::HeadOfUnit
                && (owing_organ == Some(organ) || sent_to_office == Some(organ)))
                || case.is_some_and(|c| {
                    relations(iin, Some(appointment), c)
                        .contains(&OfficerRelation::SupervisingProsecutor)
                })
        }
    }
}

/// A matter concerns an officer when it is about them: their own request or status, a filing
/// they made or that was made for them. They may see it where their office shows it, but
/// never decide it.
pub fn refuse_self_dealing(me: &Principal, concerned: &[Option<&str>]) -> Result<(), ApiError> {
    if concerned.iter().flatten().any(|iin| *iin == me.iin) {
        Err(ApiError::SelfDealing)
    } else {
        Ok(())
    }
}

/// An organ may register only ERDR numbers of its own code (digits 3–8: region, district,
/// agency).
pub fn may_register(organ: &Organ, erdr: &crate::case::ErdrNumber) -> Result<(), ApiError> {
    match &organ.code {
        None => Err(ApiError::invalid(
            "erdr_number",
            "organ_without_code",
            "Your organ has no ERDR code yet: an admin must set it before it registers cases.",
        )),
        Some(code) if erdr.organ_code() == code => Ok(()),
        Some(code) => Err(ApiError::invalid(
            "erdr_number",
            "not_your_organ",
            &format!(
                "This ERDR number belongs to another organ: yours register numbers with {code} in digits 3 to 8."
            ),
        )),
    }
}

#[cfg(test)]
mod tests;
