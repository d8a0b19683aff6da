//! Reading cases and people's relations to them from the database: the one place that decides
//! whether a person or an officer may see a case at all.

use crate::identity::auth::Principal;
use crate::platform::db::{Db, col_int, col_opt_text, col_text, int, text};
use crate::platform::error::ApiError;

use super::grant::Grant;
use crate::law::status::ProceduralStatus;

#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: i64,
    pub erdr_number: String,
    pub registered_on: String,
    pub organ_id: i64,
    pub organ_name: String,
    pub lead_officer_iin: String,
    pub prosecutor_iin: Option<String>,
    /// The organ the supervising prosecutor served in when assigned.
    pub prosecutor_organ_id: Option<i64>,
    pub articles: serde_json::Value,
    pub stage: String,
    pub updated_at: String,
    /// The date a reasoned order (art. 42-1) took the case back to paper: from then on the
    /// portal shows it read-only and takes nothing new for it.
    pub paper_since: Option<String>,
}

impl CaseRow {
    /// Refuses a new act through the portal on a case that has gone to paper (art. 42-1).
    pub fn refuse_if_on_paper(&self) -> Result<(), ApiError> {
        match &self.paper_since {
            Some(since) => Err(ApiError::CaseOnPaper {
                since: since.clone(),
            }),
            None => Ok(()),
        }
    }
}

const CASE_COLUMNS: &str = "c.id, c.erdr_number, c.registered_on, c.organ_id, g.name, \
     c.lead_officer_iin, c.prosecutor_iin, c.articles, c.stage, c.updated_at, c.prosecutor_organ_id, c.paper_since";

fn case_from(row: &spin_sdk::sqlite::RowResult) -> Result<CaseRow, ApiError> {
    Ok(CaseRow {
        id: col_int(row, 0)?,
        erdr_number: col_text(row, 1)?,
        registered_on: col_text(row, 2)?,
        organ_id: col_int(row, 3)?,
        organ_name: col_text(row, 4)?,
        lead_officer_iin: col_text(row, 5)?,
        prosecutor_iin: col_opt_text(row, 6),
        articles: serde_json::from_str(&col_text(row, 7)?).unwrap_or(serde_json::Value::Null),
        stage: col_text(row, 8)?,
        updated_at: col_text(row, 9)?,
        prosecutor_organ_id: crate::platform::db::col_opt_int(row, 10),
        paper_since: col_opt_text(row, 11),
    })
}

pub async fn find_case(db: &Db, erdr: &str) -> Result<Option<CaseRow>, ApiError> {
    db.one(
        &format!("SELECT {CASE_COLUMNS} FROM cases c JOIN organs g ON g.id = c.organ_id WHERE c.erdr_number = ?"),
        &[text(erdr)],
    ).await?
    .map(|r| case_from(&r))
    .transpose()
}

/// Cases by id, for lists (same columns as [`find_case`]).
pub async fn cases_where(
    db: &Db,
    condition: &str,
    params: &[crate::platform::db::SqlValue],
) -> Result<Vec<CaseRow>, ApiError> {
    let rows = db.query(
        &format!("SELECT {CASE_COLUMNS} FROM cases c JOIN organs g ON g.id = c.organ_id WHERE {condition}"),
        params,
    ).await?;
    rows.each(case_from)
}

/// One of a person's confirmed statuses in a case.
#[derive(Debug, Clone)]
pub struct Participation {
    pub id: i64,
    pub status: ProceduralStatus,
    pub represented_iin: Option<String>,
}

/// A person's statuses in a case that are **in force now**: their own confirmed statuses, and
/// a status acting for someone (defender, representative) only while that person holds a
/// confirmed status this one may act for. The one rule every read of a case goes through:
/// ending a suspect's status ends their defender's access with it.
pub async fn confirmed_participations(
    db: &Db,
    case_id: i64,
    iin: &str,
) -> Result<Vec<Participation>, ApiError> {
    let mine = recorded_statuses(db, case_id, iin).await?;
    Ok(split_in_force(db, case_id, mine).await?.0)
}

/// Splits confirmed rows into those in force and those acting for someone who no longer holds
/// a status they may act for.
async fn split_in_force(
    db: &Db,
    case_id: i64,
    confirmed: Vec<Participation>,
) -> Result<(Vec<Participation>, Vec<Participation>), ApiError> {
    let mut in_force = Vec::with_capacity(confirmed.len());
    let mut lapsed = Vec::new();
    for p in confirmed {
        if !p.status.acts_for_another() {
            in_force.push(p);
            continue;
        }
        let acts_for_a_live_status = match p.represented_iin.as_deref() {
            Some(principal) => recorded_statuses(db, case_id, principal)
                .await?
                .iter()
                .any(|theirs| p.status.may_act_for(theirs.status)),
            None => false,
        };
        if acts_for_a_live_status {
            in_force.push(p);
        } else {
            lapsed.push(p);
        }
    }
    Ok((in_force, lapsed))
}

/// A status of mine in a case that no longer stands: ended on `ended_on` (the revoking order,
/// the defender's withdrawal), or, with `ended_on` empty, acting for someone whose status ended.
#[derive(Debug, Clone)]
pub struct PastStatus {
    pub status: Participation,
    pub ended_on: Option<String>,
}

/// How a person stands in a case: the statuses in force now, and those that no longer stand.
/// Someone with only past statuses keeps, read-only, their status history and the decisions
/// served to them while a status stood ([`super::served`]); nothing new reaches them.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    pub in_force: Vec<Participation>,
    pub past: Vec<PastStatus>,
}

impl Standing {
    /// Whether the person holds nothing in force and reads only what stayed with them.
    pub fn ended(&self) -> bool {
        self.in_force.is_empty()
    }
}

/// Every status a person has held in a case, confirmed or ended, sorted into [`Standing`]; a
/// status recorded in error was never held.
pub async fn standing(db: &Db, case_id: i64, iin: &str) -> Result<Standing, ApiError> {
    let rows = db
        .query(
            "SELECT id, status, represented_iin, state, ended_on FROM case_participants
             WHERE case_id = ? AND person_iin = ? AND state IN ('confirmed', 'revoked')
               AND entered_in_error = 0 ORDER BY id",
            &[int(case_id), text(iin)],
        )
        .await?;
    let mut confirmed = Vec::new();
    let mut past = Vec::new();
    for r in &rows.rows {
        let status = participation_from(r)?;
        if col_text(r, 3)? == "confirmed" {
            confirmed.push(status);
        } else {
            past.push(PastStatus {
                status,
                ended_on: col_opt_text(r, 4),
            });
        }
    }
    let (in_force, lapsed) = split_in_force(db, case_id, confirmed).await?;
    for status in lapsed {
        // Acting for someone whose status it could act for ended: that is a past of mine.
        // Acting for someone who never held one, it never stood, and shows nothing.
        if acted_for_an_ended_status(db, case_id, &status).await? {
            past.push(PastStatus {
                status,
                ended_on: None,
            });
        }
    }
    past.sort_by_key(|p| p.status.id);
    Ok(Standing { in_force, past })
}

/// Whether the person an acting status acts for held, and lost, a status it may act for.
async fn acted_for_an_ended_status(
    db: &Db,
    case_id: i64,
    acting: &Participation,
) -> Result<bool, ApiError> {
    let Some(principal) = acting.represented_iin.as_deref() else {
        return Ok(false);
    };
    let rows = db
        .query(
            "SELECT status FROM case_participants
             WHERE case_id = ? AND person_iin = ? AND state = 'revoked' AND entered_in_error = 0",
            &[int(case_id), text(principal)],
        )
        .await?;
    Ok(rows.rows.iter().any(|r| {
        col_text(r, 0)
            .ok()
            .and_then(|s| ProceduralStatus::parse(&s))
            .is_some_and(|s| acting.status.may_act_for(s))
    }))
}

fn participation_from(r: &spin_sdk::sqlite::RowResult) -> Result<Participation, ApiError> {
    Ok(Participation {
        id: col_int(r, 0)?,
        status: ProceduralStatus::parse(&col_text(r, 1)?)
            .ok_or_else(|| ApiError::Internal("unknown status in database".into()))?,
        represented_iin: col_opt_text(r, 2),
    })
}

/// The confirmed statuses of the person an acting status (`status`, for `represented`) acts
/// for; none for a principal status, or one acting for nobody on record.
pub async fn principal_statuses(
    db: &Db,
    case_id: i64,
    status: ProceduralStatus,
    represented: Option<&str>,
) -> Result<Vec<ProceduralStatus>, ApiError> {
    match represented {
        Some(principal) if status.acts_for_another() => {
            Ok(recorded_statuses(db, case_id, principal)
                .await?
                .into_iter()
                .map(|p| p.status)
                .collect())
        }
        _ => Ok(Vec::new()),
    }
}

/// The confirmed rows of one person in a case, as recorded (no check of whom they act for).
pub async fn recorded_statuses(
    db: &Db,
    case_id: i64,
    iin: &str,
) -> Result<Vec<Participation>, ApiError> {
    let rows = db
        .query(
            "SELECT id, status, represented_iin FROM case_participants
         WHERE case_id = ? AND person_iin = ? AND state = 'confirmed' ORDER BY id",
            &[int(case_id), text(iin)],
        )
        .await?;
    rows.each(participation_from)
}

/// The statuses whose decisions a person receives, each with the IIN of its holder: their own
/// principal statuses, and for each status they hold acting for someone, that person's
/// confirmed principal statuses (a defender sees what the client sees, never more).
pub async fn effective_statuses(
    db: &Db,
    case_id: i64,
    my_iin: &str,
    mine: &[Participation],
) -> Result<Vec<(ProceduralStatus, String)>, ApiError> {
    let mut statuses = Vec::new();
    for p in mine {
        if !p.status.acts_for_another() {
            statuses.push((p.status, my_iin.to_owned()));
            continue;
        }
        let Some(principal) = &p.represented_iin else {
            continue;
        };
        for theirs in recorded_statuses(db, case_id, principal).await? {
            if !theirs.status.acts_for_another() && p.status.may_act_for(theirs.status) {
                statuses.push((theirs.status, principal.clone()));
            }
        }
    }
    statuses.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    statuses.dedup();
    Ok(statuses)
}

/// The participant's live and past grants.
pub async fn grants_of(db: &Db, participant_ids: &[i64]) -> Result<Vec<Grant>, ApiError> {
    let mut grants = Vec::new();
    for id in participant_ids {
        let rows = db
            .query(
                "SELECT scope_all, material_ids, until_unix, revoked_at FROM familiarisation_grants
             WHERE participant_id = ? AND revoked_at IS NULL",
                &[int(*id)],
            )
            .await?;
        for r in &rows.rows {
            grants.push(Grant {
                scope_all: col_int(r, 0)? == 1,
                material_ids: serde_json::from_str(&col_text(r, 1)?).unwrap_or_default(),
                until_unix: r.get::<i64>(2),
                revoked: col_opt_text(r, 3).is_some(),
            });
        }
    }
    Ok(grants)
}

/// The case and my confirmed statuses in it; no confirmed status is 404, exactly as for a case
/// that does not exist.
pub async fn case_for_participant(
    db: &Db,
    me: &Principal,
    erdr: &str,
) -> Result<(CaseRow, Vec<Participation>), ApiError> {
    let Some(case) = find_case(db, erdr).await? else {
        // Same work as the found path, so both answer in the same time class.
        let _ = confirmed_participations(db, -1, &me.iin).await?;
        return Err(ApiError::NotFound);
    };
    let mine = confirmed_participations(db, case.id, &me.iin).await?;
    if mine.is_empty() {
        return Err(ApiError::NotFound);
    }
    Ok((case, mine))
}

/// The case and how I stand in it, for reading: a status in force, or one that ended (what
/// was served stays with the person). Never having held a status is 404, exactly as for a case
/// that does not exist.
pub async fn case_for_reader(
    db: &Db,
    me: &Principal,
    erdr: &str,
) -> Result<(CaseRow, Standing), ApiError> {
    let Some(case) = find_case(db, erdr).await? else {
        // Same work as the found path, so both answer in the same time class.
        let _ = standing(db, -1, &me.iin).await?;
        return Err(ApiError::NotFound);
    };
    let standing = standing(db, case.id, &me.iin).await?;
    if standing.in_force.is_empty() && standing.past.is_empty() {
        return Err(ApiError::NotFound);
    }
    Ok((case, standing))
}

/// Everyone who holds a status in force in the case now (as [`confirmed_participations`]
/// decides it: a defender only while the client's status stands), once each.
pub async fn people_in_force(db: &Db, case_id: i64) -> Result<Vec<String>, ApiError> {
    let mut in_force = Vec::new();
    for iin in confirmed_people(db, case_id).await? {
        if !confirmed_participations(db, case_id, &iin)
            .await?
            .is_empty()
        {
            in_force.push(iin);
        }
    }
    Ok(in_force)
}

/// Every person with a confirmed row in the case, whether or not it is in force (a legal
/// entity or a foreigner without an IIN reads nothing and is told nothing: those acting for
/// them are).
async fn confirmed_people(db: &Db, case_id: i64) -> Result<Vec<String>, ApiError> {
    let people = db
        .query(
            "SELECT DISTINCT person_iin FROM case_participants
             WHERE case_id = ? AND state = 'confirmed' AND party = 'person' ORDER BY person_iin",
            &[int(case_id)],
        )
        .await?;
    people.each(|row| col_text(row, 0))
}

/// The people to whom a decision of this type, possibly concerning one person, is visible:
/// every confirmed participant whose effective statuses receive it.
pub async fn decision_recipients(
    db: &Db,
    case_id: i64,
    decision: crate::law::DecisionType,
    concerns_iin: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let mut recipients = Vec::new();
    for iin in confirmed_people(db, case_id).await? {
        let mine = confirmed_participations(db, case_id, &iin).await?;
        let viewer = effective_statuses(db, case_id, &iin, &mine).await?;
        if crate::law::visibility::receives_concerning(decision, concerns_iin, &viewer) {
            recipients.push(iin);
        }
    }
    Ok(recipients)
}
