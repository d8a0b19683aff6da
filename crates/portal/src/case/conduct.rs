//! Conducting a case: what the officers who act on it record and see — the case itself, its
//! stage and officers, decisions and materials, familiarisation grants, answers to status
//! requests. Plain reads and writes for the caller's transaction: who may do each is decided
//! before, by `authz::officer_case` and its `Act`.

use crate::case::authz;
use crate::identity::auth::Principal;
use crate::platform::clock;
use crate::platform::db::{
    Db, SqlValue, col_int, col_opt_int, col_opt_text, col_text, int, opt_text, text,
};
use crate::platform::error::ApiError;

use super::Stage;
use super::amend::Amendment;
use super::store::{self, CaseRow};
use super::view;
use crate::law::{DecisionType, ProceduralStatus};

/// How many decisions and materials the officer's card lists (newest first); a case has
/// tens of them, far fewer than this.
pub const CARD_LIST_LIMIT: i64 = 500;

/// A case as registered by an officer.
pub struct NewCase<'a> {
    pub erdr_number: &'a str,
    pub registered_on: &'a str,
    pub organ_id: i64,
    pub lead_officer_iin: &'a str,
    pub prosecutor_iin: Option<&'a str>,
    pub prosecutor_organ_id: Option<i64>,
    /// JSON array of Criminal Code qualifications.
    pub articles: &'a str,
}

/// Registers `case` (the caller checked that its number is free) and attaches the status
/// requests made under its number before it existed, so they now reach its officers.
pub async fn register(db: &Db, case: &NewCase<'_>, now: &str) -> Result<CaseRow, ApiError> {
    let row = db
        .one(
            "INSERT INTO cases (erdr_number, registered_on, organ_id, lead_officer_iin, prosecutor_iin,
                 prosecutor_organ_id, articles, stage, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'registered', ?, ?) RETURNING id",
            &[
                text(case.erdr_number),
                text(case.registered_on),
                int(case.organ_id),
                text(case.lead_officer_iin),
                opt_text(case.prosecutor_iin),
                case.prosecutor_organ_id.map(int).unwrap_or(SqlValue::Null),
                text(case.articles),
                text(now),
                text(now),
            ],
        )
        .await?
        .ok_or_else(|| ApiError::Internal("insert returned no id".into()))?;
    let id = col_int(&row, 0)?;
    db.exec(
        "UPDATE case_participants SET case_id = ? WHERE erdr_number = ? AND case_id IS NULL",
        &[int(id), text(case.erdr_number)],
    )
    .await?;
    store::find_case(db, case.erdr_number)
        .await?
        .ok_or_else(|| ApiError::Internal("case vanished".into()))
}

/// What an officer changes in a case; `None` keeps what is there.
#[derive(Default)]
pub struct CaseChange<'a> {
    pub stage: Option<Stage>,
    pub lead_officer_iin: Option<&'a str>,
    pub prosecutor_iin: Option<&'a str>,
    pub prosecutor_organ_id: Option<i64>,
}

/// Applies `change` to the case `case_id` and returns the case as it is now.
pub async fn change(
    db: &Db,
    case: &CaseRow,
    change: &CaseChange<'_>,
    now: &str,
) -> Result<CaseRow, ApiError> {
    db.exec(
        "UPDATE cases SET stage = ifnull(?, stage), lead_officer_iin = ifnull(?, lead_officer_iin),
             prosecutor_iin = ifnull(?, prosecutor_iin),
             prosecutor_organ_id = ifnull(?, prosecutor_organ_id), updated_at = ?
         WHERE id = ?",
        &[
            opt_text(change.stage.map(|s| s.as_str())),
            opt_text(change.lead_officer_iin),
            opt_text(change.prosecutor_iin),
            change
                .prosecutor_organ_id
                .map(int)
                .unwrap_or(SqlValue::Null),
            text(now),
            int(case.id),
        ],
    )
    .await?;
    store::find_case(db, &case.erdr_number)
        .await?
        .ok_or_else(|| ApiError::Internal("case vanished".into()))
}

/// A procedural decision as the officer adds it, its document already stored.
pub struct NewDecision<'a> {
    pub kind: DecisionType,
    pub concerns_iin: Option<&'a str>,
    pub decided_on: &'a str,
    pub officer_iin: &'a str,
    pub title: &'a str,
    pub document_sha256: &'a str,
    pub filename: &'a str,
    /// The earlier decision of the case it annuls or corrects ([`super::amend`]).
    pub amends: Option<(i64, super::amend::Amendment)>,
    /// An extension of the investigation's period: its new last day ([`super::term`]).
    pub extended_until: Option<&'a str>,
}

/// Adds `decision` to `case` and returns its id; a decision to go back to paper (art. 42-1)
/// makes the case read-only in the portal from its date.
pub async fn add_decision(
    db: &Db,
    case: &CaseRow,
    decision: &NewDecision<'_>,
    now: &str,
) -> Result<i64, ApiError> {
    let id = inserted_id(
        db.one(
            "INSERT INTO decisions (case_id, type, concerns_iin, decided_on, officer_iin, title,
                 document_sha256, filename, created_at, amends_decision_id, amendment,
                 extended_until)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                int(case.id),
                text(decision.kind.as_str()),
                opt_text(decision.concerns_iin),
                text(decision.decided_on),
                text(decision.officer_iin),
                text(decision.title),
                text(decision.document_sha256),
                text(decision.filename),
                text(now),
                decision.amends.map_or(SqlValue::Null, |(id, _)| int(id)),
                opt_text(decision.amends.map(|(_, how)| how.as_str())),
                opt_text(decision.extended_until),
            ],
        )
        .await?,
    )?;
    if decision.kind == DecisionType::SwitchToPaper {
        db.exec(
            "UPDATE cases SET paper_since = ?, paper_decision_id = ?, updated_at = ? WHERE id = ?",
            &[text(decision.decided_on), int(id), text(now), int(case.id)],
        )
        .await?;
    }
    Ok(id)
}

/// A material of the case (an expert's report, a record of an investigative act).
pub struct NewMaterial<'a> {
    pub title: &'a str,
    pub kind: &'a str,
    pub document_sha256: &'a str,
    pub filename: &'a str,
    pub added_by: &'a str,
    /// Never opened by any familiarisation grant.
    pub restricted: bool,
    /// Concerns the civil claim: the only materials a civil party's grant opens.
    pub civil_claim: bool,
}

/// Adds `material` to `case` and returns its id.
pub async fn add_material(
    db: &Db,
    case: &CaseRow,
    material: &NewMaterial<'_>,
    now: &str,
) -> Result<i64, ApiError> {
    inserted_id(
        db.one(
            "INSERT INTO materials (case_id, title, kind, document_sha256, filename, added_by,
                                    created_at, restricted, civil_claim)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                int(case.id),
                text(material.title),
                text(material.kind),
                text(material.document_sha256),
                text(material.filename),
                text(material.added_by),
                text(now),
                int(i64::from(material.restricted)),
                int(i64::from(material.civil_claim)),
            ],
        )
        .await?,
    )
}

fn inserted_id(row: Option<spin_sdk::sqlite::RowResult>) -> Result<i64, ApiError> {
    col_int(
        &row.ok_or_else(|| ApiError::Internal("insert returned no id".into()))?,
        0,
    )
}

/// Whether a grant may name `material_id` of the case `case_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grantable {
    Yes,
    /// Not a material of this case.
    NotInCase,
    /// Restricted: no grant opens it.
    Restricted,
    /// Not about the civil claim, and the grant is a civil party's.
    NotTheClaim,
}

impl Grantable {
    /// The refusal for a grant naming `material` (422 on `scope`), if it may not.
    pub fn check(self, material: i64) -> Result<(), ApiError> {
        let (code, message) = match self {
            Grantable::Yes => return Ok(()),
            Grantable::NotInCase => (
                "unknown_material",
                format!("Material {material} is not in this case."),
            ),
            Grantable::Restricted => (
                "restricted_material",
                format!("Material {material} is restricted: no grant opens it."),
            ),
            Grantable::NotTheClaim => (
                "not_the_civil_claim",
                format!(
                    "Material {material} does not concern the civil claim: a civil party is acquainted with those only (arts. 73-74)."
                ),
            ),
        };
        Err(ApiError::invalid("scope", code, &message))
    }
}

/// Whether a grant may name `material_id` of the case `case_id`; `civil_claim_only` for a
/// grant limited to the civil claim ([`super::grant::limited_to_civil_claim`]).
pub async fn grantable(
    db: &Db,
    material_id: i64,
    case_id: i64,
    civil_claim_only: bool,
) -> Result<Grantable, ApiError> {
    let row = db
        .one(
            "SELECT restricted, civil_claim FROM materials WHERE id = ? AND case_id = ?",
            &[int(material_id), int(case_id)],
        )
        .await?;
    Ok(match row {
        None => Grantable::NotInCase,
        Some(r) if col_int(&r, 0)? == 1 => Grantable::Restricted,
        Some(r) if civil_claim_only && col_int(&r, 1)? == 0 => Grantable::NotTheClaim,
        Some(_) => Grantable::Yes,
    })
}

/// Whether a grant to the participant `status` (acting for `represented`, if so) in the case
/// opens only the materials of the civil claim.
pub async fn civil_claim_only(
    db: &Db,
    case_id: i64,
    status: ProceduralStatus,
    represented: Option<&str>,
) -> Result<bool, ApiError> {
    let principal_statuses =
        super::store::principal_statuses(db, case_id, status, represented).await?;
    Ok(super::grant::limited_to_civil_claim(
        status,
        &principal_statuses,
    ))
}

/// A familiarisation grant as given: all materials, or those listed, until a time or for
/// as long as the participant keeps the status.
pub struct NewGrant<'a> {
    pub participant_id: i64,
    pub scope_all: bool,
    pub material_ids: &'a [i64],
    pub granted_by: &'a str,
    pub until_unix: Option<i64>,
    /// A civil party's grant: "all" is all the materials of the civil claim.
    pub civil_claim_only: bool,
}

/// Gives `grant`, in place of the participant's grant in force, if any, and returns the
/// materials it opens. A grant of all materials keeps the list of those the case has now (not
/// restricted), read in the same statement: one added later is not opened by it
/// ([`super::grant::Grant`]).
pub async fn grant(db: &Db, grant: &NewGrant<'_>, now: &str) -> Result<Vec<i64>, ApiError> {
    end_grant(db, grant.participant_id, now).await?;
    let material_ids = serde_json::to_string(grant.material_ids)
        .map_err(|e| ApiError::Internal(format!("material ids: {e}")))?;
    let row = db.one(
        "INSERT INTO familiarisation_grants (participant_id, scope_all, material_ids, granted_by,
             granted_at, until_unix)
         VALUES (?1, ?2,
                 CASE WHEN ?2 = 1
                      THEN (SELECT json_group_array(m.id) FROM materials m
                            WHERE m.case_id = (SELECT case_id FROM case_participants WHERE id = ?1)
                              AND m.restricted = 0 AND (?7 = 0 OR m.civil_claim = 1))
                      ELSE ?3 END,
                 ?4, ?5, ?6)
         RETURNING material_ids",
        &[
            int(grant.participant_id),
            int(i64::from(grant.scope_all)),
            text(material_ids),
            text(grant.granted_by),
            text(now),
            grant.until_unix.map(int).unwrap_or(SqlValue::Null),
            int(i64::from(grant.civil_claim_only)),
        ],
    )
    .await?
    .ok_or_else(|| ApiError::Internal("insert returned no row".into()))?;
    serde_json::from_str(&col_text(&row, 0)?)
        .map_err(|e| ApiError::Internal(format!("stored material ids: {e}")))
}

/// Ends the participant's grant in force; `false` when there was none.
pub async fn end_grant(db: &Db, participant_id: i64, now: &str) -> Result<bool, ApiError> {
    Ok(db
        .one(
            "UPDATE familiarisation_grants SET revoked_at = ?
             WHERE participant_id = ? AND revoked_at IS NULL RETURNING id",
            &[text(now), int(participant_id)],
        )
        .await?
        .is_some())
}

/// Records the officer's answer to a status request: `confirmed` or `rejected`, with the
/// reason a rejection gives.
pub async fn answer_status_request(
    db: &Db,
    participant_id: i64,
    state: &str,
    officer_iin: &str,
    reason: Option<&str>,
    now: &str,
) -> Result<(), ApiError> {
    db.exec(
        "UPDATE case_participants SET state = ?, decided_by = ?, decided_at = ?, reason = ?
         WHERE id = ?",
        &[
            text(state),
            text(officer_iin),
            text(now),
            opt_text(reason),
            int(participant_id),
        ],
    )
    .await
}

/// The status requests waiting in my cases, soonest due first, at most `limit`. The join is
/// driven from my cases (CROSS JOIN fixes the order): starting from all pending requests
/// instead meant scanning every one of them at a million cases.
pub async fn requests_in_my_cases(
    db: &Db,
    me: &Principal,
    limit: i64,
) -> Result<Vec<serde_json::Value>, ApiError> {
    let (condition, params) = authz::my_cases_sql(me);
    let now = clock::now().timestamp();
    let rows = db
        .query(
            &format!(
                "SELECT p.id, c.erdr_number, p.person_iin, ps.full_name, p.status, p.represented_iin,
                        p.basis, p.requested_at, p.due_unix
                 FROM cases c CROSS JOIN case_participants p ON p.case_id = c.id
                 LEFT JOIN persons ps ON ps.iin = p.person_iin
                 WHERE p.state = 'requested' AND {condition}
                 ORDER BY p.due_unix, p.id {}",
                crate::platform::db::limit(limit)
            ),
            &params,
        )
        .await?;
    rows.each(|r| {
        let due = col_int(r, 8)?;
        Ok(serde_json::json!({
            "kind": "access_request", "id": col_int(r, 0)?, "erdr_number": col_text(r, 1)?,
            "person": { "iin": col_text(r, 2)?, "full_name": col_opt_text(r, 3) },
            "procedural_status": col_text(r, 4)?, "represented_iin": col_opt_text(r, 5),
            "basis": col_text(r, 6)?, "requested_at": col_text(r, 7)?,
            "due_at": clock::rfc3339(clock::from_unix(due)), "overdue": due < now,
        }))
    })
}

/// Everyone recorded or asking in the case, for its officers' card.
pub async fn participants_of(db: &Db, case_id: i64) -> Result<Vec<serde_json::Value>, ApiError> {
    let rows = db
        .query(
            "SELECT p.id, p.person_iin, ifnull(p.full_name, ps.full_name), p.status, p.represented_iin,
                    p.state, p.basis, p.reason, p.origin, p.basis_date, p.ended_on, p.party,
                    p.entered_in_error
             FROM case_participants p LEFT JOIN persons ps ON ps.iin = p.person_iin
             WHERE p.case_id = ? ORDER BY p.id",
            &[int(case_id)],
        )
        .await?;
    rows.each(|r| {
        Ok(serde_json::json!({
            "id": col_int(r, 0)?, "iin": col_text(r, 1)?, "full_name": col_opt_text(r, 2),
            "procedural_status": col_text(r, 3)?, "represented_iin": col_opt_text(r, 4),
            "state": col_text(r, 5)?, "basis": col_text(r, 6)?, "reason": col_opt_text(r, 7),
            "origin": col_text(r, 8)?, "basis_date": col_opt_text(r, 9),
            "ended_on": col_opt_text(r, 10), "party": col_text(r, 11)?,
            "entered_in_error": col_int(r, 12)? == 1,
        }))
    })
}

/// Familiarisation grants in force, one per participant at most: what each participant may
/// read now, so the officer sees it before granting or revoking.
pub async fn live_grants(db: &Db, case_id: i64) -> Result<Vec<serde_json::Value>, ApiError> {
    let rows = db
        .query(
            "SELECT g.participant_id, g.scope_all, g.material_ids, g.granted_at, g.until_unix
             FROM familiarisation_grants g JOIN case_participants p ON p.id = g.participant_id
             WHERE p.case_id = ? AND g.revoked_at IS NULL
               AND (g.until_unix IS NULL OR g.until_unix > ?)
             ORDER BY g.id",
            &[int(case_id), int(clock::now().timestamp())],
        )
        .await?;
    rows.each(|r| {
        let material_ids: serde_json::Value =
            serde_json::from_str(&col_text(r, 2)?).unwrap_or_else(|_| serde_json::json!([]));
        let until = col_opt_int(r, 4).map(|u| clock::rfc3339(clock::from_unix(u)));
        Ok(serde_json::json!({
            "participant_id": col_int(r, 0)?,
            "scope": if col_int(r, 1)? == 1 { "all" } else { "list" },
            "material_ids": material_ids, "granted_at": col_text(r, 3)?, "until": until,
        }))
    })
}

/// The case's decisions, newest first, with when their author signed each and what each
/// amends or is amended by.
pub async fn decisions_of(db: &Db, case_id: i64) -> Result<Vec<serde_json::Value>, ApiError> {
    let rows = db
        .query(
            &format!(
                "SELECT d.id, d.type, d.concerns_iin, d.decided_on, d.title, d.filename, d.created_at,
                        s.signing_time, d.amends_decision_id, d.amendment
                 FROM decisions d LEFT JOIN document_signatures s
                   ON s.document_sha256 = d.document_sha256 AND s.signer_iin = d.officer_iin
                 WHERE d.case_id = ? ORDER BY d.id DESC {}",
                crate::platform::db::limit(CARD_LIST_LIMIT)
            ),
            &[int(case_id)],
        )
        .await?;
    let amends_of = |r: &spin_sdk::sqlite::RowResult| {
        col_opt_int(r, 8).zip(col_opt_text(r, 9).as_deref().and_then(Amendment::parse))
    };
    let links: Vec<view::AmendmentLink> = rows
        .rows
        .iter()
        .filter_map(|r| {
            let (target, how) = amends_of(r)?;
            Some((target, col_int(r, 0).ok()?, how, col_text(r, 3).ok()?))
        })
        .collect();
    rows.each(|r| {
        let id = col_int(r, 0)?;
        Ok(serde_json::json!({
            "id": id, "type": col_text(r, 1)?, "concerns_iin": col_opt_text(r, 2),
            "decided_on": col_text(r, 3)?, "title": col_text(r, 4)?, "filename": col_text(r, 5)?,
            "created_at": col_text(r, 6)?, "signed_at": col_opt_text(r, 7),
            "amends": view::amends_json(amends_of(r)),
            "amended_by": view::amended_by_json(&view::amended_by(&links, id)),
        }))
    })
}

/// The case's materials, newest first.
pub async fn materials_of(db: &Db, case_id: i64) -> Result<Vec<serde_json::Value>, ApiError> {
    let rows = db
        .query(
            &format!(
                "SELECT id, title, kind, filename, created_at, restricted, civil_claim FROM materials
                 WHERE case_id = ? ORDER BY id DESC {}",
                crate::platform::db::limit(CARD_LIST_LIMIT)
            ),
            &[int(case_id)],
        )
        .await?;
    rows.each(|r| {
        Ok(serde_json::json!({
            "id": col_int(r, 0)?, "title": col_text(r, 1)?, "kind": col_text(r, 2)?,
            "filename": col_text(r, 3)?, "created_at": col_text(r, 4)?,
            "restricted": col_int(r, 5)? == 1, "civil_claim": col_int(r, 6)? == 1,
        }))
    })
}
