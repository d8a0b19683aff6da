//! Participants as the register records them. In the register the officer's procedural decision
//! (recognition as victim or suspect, admission of a defender) makes a person a participant;
//! the portal only lets that person see it. So the lead officer (or head of unit) **records** a
//! participant, with the basis (the decision or warrant and its date); the person sees the case
//! at their next sign-in without asking. A registered statement makes its filer an applicant in
//! the case. Ending a status keeps the row with the date it ended; access ends with it, and a
//! defender's or representative's with their principal's ([`crate::case::store`] reads only
//! statuses in force).
//!
//! Validation is plain Rust (unit-tested below); the writes run inside the caller's
//! transaction, each with its audit row and the person's notice.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::audit;
use crate::case::authz::{self, Act};
use crate::case::served;
use crate::case::store::{self, CaseRow};
use crate::identity::auth::Principal;
use crate::law::ProceduralStatus;
use crate::law::iin::{Bin, Iin};
use crate::law::party::{Party, PartyKind};
use crate::notice::notify::{self, Notice};
use crate::platform::db::{Db, col_int, col_opt_text, col_text, int, opt_text, text};
use crate::platform::error::ApiError;

const MAX_NAME_CHARS: usize = 200;
const MAX_DOCUMENT_CHARS: usize = 300;
const MAX_NUMBER_CHARS: usize = 100;
const MAX_REASON_CHARS: usize = 1_000;

/// What a status rests on, as the officer sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasisInput {
    /// The decision or warrant, e.g. "Order recognising as victim", "Advocate's warrant".
    pub document: String,
    /// Its number; an advocate's admission must give the warrant (order) number.
    #[serde(default)]
    pub number: Option<String>,
    /// Its date, `YYYY-MM-DD`.
    pub date: String,
}

/// A foreigner's identity document, as the officer sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// The issuing country, ISO 3166 alpha-2.
    pub country: String,
    pub number: String,
}

/// `POST /api/officer/cases/{erdr}/participants`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    /// `person` (the default: by `iin`), `legal_entity` (by `bin`) or `foreigner` (by
    /// `document`, for someone without an IIN).
    #[serde(default)]
    pub party: Option<String>,
    #[serde(default)]
    pub iin: Option<String>,
    #[serde(default)]
    pub bin: Option<String>,
    #[serde(default)]
    pub document: Option<DocumentInput>,
    /// A person's full name, or a legal entity's name.
    pub full_name: String,
    pub procedural_status: String,
    pub basis: BasisInput,
    #[serde(default)]
    pub represented_iin: Option<String>,
}

/// `POST /api/officer/cases/{erdr}/participants/{id}/end`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndInput {
    /// The date the status ended (the revoking order, the defender's withdrawal).
    pub ended_on: String,
    pub reason: String,
    /// The status was recorded in error (the wrong person, a status never held): the person
    /// keeps nothing of the case, unlike a status that ended.
    #[serde(default)]
    pub entered_in_error: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basis {
    pub document: String,
    pub number: Option<String>,
    pub date: NaiveDate,
}

impl Basis {
    /// The basis as the register writes it: the document, then its number.
    pub fn describe(&self) -> String {
        match &self.number {
            Some(number) => format!("{} № {number}", self.document),
            None => self.document.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewParticipant {
    pub party: Party,
    pub full_name: String,
    pub status: ProceduralStatus,
    pub basis: Basis,
    pub represented: Option<Party>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub ended_on: NaiveDate,
    pub reason: String,
    pub entered_in_error: bool,
}

/// A date `YYYY-MM-DD` that is not after `today` (a decision cannot be recorded before it is
/// taken).
pub fn past_date(field: &str, value: &str, today: NaiveDate) -> Result<NaiveDate, ApiError> {
    let date = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, "invalid_date", "Give a date as YYYY-MM-DD."))?;
    if date > today {
        return Err(ApiError::invalid(
            field,
            "in_the_future",
            "The date cannot be after today.",
        ));
    }
    Ok(date)
}

fn parse_iin(field: &str, value: &str) -> Result<Iin, ApiError> {
    Iin::parse(value.trim()).map_err(|e| ApiError::invalid(field, "invalid_iin", &e.to_string()))
}

/// The party an officer records: a person by IIN, a legal entity by BIN, a foreigner by their
/// document.
pub fn party_of(input: &RecordInput) -> Result<Party, ApiError> {
    let kind = match input.party.as_deref() {
        None => PartyKind::Person,
        Some(text) => PartyKind::parse(text.trim()).ok_or_else(|| {
            ApiError::invalid(
                "party",
                "invalid_party",
                "One of person, legal_entity, foreigner.",
            )
        })?,
    };
    // The party is named one way only: the field its kind takes, and no other.
    let named = [
        ("iin", input.iin.is_some()),
        ("bin", input.bin.is_some()),
        ("document", input.document.is_some()),
    ];
    let own = match kind {
        PartyKind::Person => "iin",
        PartyKind::LegalEntity => "bin",
        PartyKind::Foreigner => "document",
    };
    if let Some((other, _)) = named.iter().find(|(field, given)| *given && *field != own) {
        return Err(ApiError::invalid(
            other,
            "not_allowed",
            "Name the party one way: a person by iin (whatever their citizenship), a legal entity by bin, a foreigner without an IIN by document.",
        ));
    }
    let required = |what: &str| ApiError::invalid(own, "required", what);
    match kind {
        PartyKind::Person => {
            let iin = input
                .iin
                .as_deref()
                .ok_or_else(|| required("The person's IIN."))?;
            Ok(Party::person(&parse_iin("iin", iin)?))
        }
        PartyKind::LegalEntity => {
            let bin = input
                .bin
                .as_deref()
                .ok_or_else(|| required("The legal entity's BIN."))?;
            let bin = Bin::parse(bin.trim())
                .map_err(|e| ApiError::invalid("bin", "invalid_bin", &e.to_string()))?;
            Ok(Party::legal_entity(&bin))
        }
        PartyKind::Foreigner => {
            let document = input.document.as_ref().ok_or_else(|| {
                required("The foreigner's identity document: country and number.")
            })?;
            Party::foreigner("document", &document.country, &document.number)
        }
    }
}

/// The status a person is to hold and, for one acting for someone else, whom they act for:
/// the same rule for an officer's record and a person's own request. The applicant status
/// comes only from a registered statement, nobody acts for themselves (`holder`), and a legal
/// entity is acted for only by its representative.
pub fn status_and_principal(
    status: &str,
    represented_iin: Option<&str>,
    holder: &Party,
) -> Result<(ProceduralStatus, Option<Party>), ApiError> {
    let status = ProceduralStatus::parse(status.trim()).ok_or_else(|| {
        ApiError::invalid(
            "procedural_status",
            "invalid_status",
            "Not a procedural status.",
        )
    })?;
    if status.by_statement_only() {
        return Err(ApiError::invalid(
            "procedural_status",
            "by_statement_only",
            "A person becomes an applicant when their statement is registered as the case.",
        ));
    }
    if !holder.may_hold(status) {
        return Err(ApiError::invalid(
            "procedural_status",
            "not_for_this_party",
            "A legal entity is a victim, a civil plaintiff or a civil defendant; a foreigner without an IIN holds no status acting for someone else.",
        ));
    }
    let represented = match (represented_iin, status.acts_for_another()) {
        (Some(r), true) => Some(Party::principal("represented_iin", r)?),
        (None, true) => {
            return Err(ApiError::invalid(
                "represented_iin",
                "required",
                "Name the IIN of the person they act for.",
            ));
        }
        (Some(_), false) => {
            return Err(ApiError::invalid(
                "represented_iin",
                "not_allowed",
                "Only a defender or a representative acts for someone else.",
            ));
        }
        (None, false) => None,
    };
    if represented.as_ref() == Some(holder) {
        return Err(ApiError::invalid(
            "represented_iin",
            "self",
            "Nobody acts for themselves.",
        ));
    }
    if represented
        .as_ref()
        .is_some_and(|principal| !principal.may_be_acted_for_by(status))
    {
        return Err(ApiError::invalid(
            "procedural_status",
            "representative_only",
            "A legal entity acts through its representative.",
        ));
    }
    Ok((status, represented))
}

/// Checks what an officer sends to record a participant, against today's date (Almaty).
pub fn validate(input: &RecordInput, today: NaiveDate) -> Result<NewParticipant, ApiError> {
    let party = party_of(input)?;
    let full_name = crate::http::text::single_line("full_name", &input.full_name, MAX_NAME_CHARS)?;
    let (status, represented) = status_and_principal(
        &input.procedural_status,
        input.represented_iin.as_deref(),
        &party,
    )?;
    let document = crate::http::text::single_line(
        "basis.document",
        &input.basis.document,
        MAX_DOCUMENT_CHARS,
    )?;
    let number = input
        .basis
        .number
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .map(|n| crate::http::text::single_line("basis.number", n, MAX_NUMBER_CHARS))
        .transpose()?;
    if status == ProceduralStatus::Defender && number.is_none() {
        return Err(ApiError::invalid(
            "basis.number",
            "required",
            "An advocate is admitted on a warrant (order): give its number and date.",
        ));
    }
    let date = past_date("basis.date", &input.basis.date, today)?;
    Ok(NewParticipant {
        party,
        full_name,
        status,
        basis: Basis {
            document,
            number,
            date,
        },
        represented,
    })
}

/// Checks an ending: its date not in the future, and a reason.
pub fn validate_ending(input: &EndInput, today: NaiveDate) -> Result<Ending, ApiError> {
    Ok(Ending {
        ended_on: past_date("ended_on", &input.ended_on, today)?,
        reason: crate::http::text::single_line("reason", &input.reason, MAX_REASON_CHARS)?,
        entered_in_error: input.entered_in_error,
    })
}

/// A recorded participant: its row, and whether recording it confirmed the person's own
/// pending request instead of adding a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub id: i64,
    pub confirmed_request: bool,
}

/// Records a participant in the case `erdr` on the officer's decision. Runs inside the
/// caller's transaction: the row (or the confirmed request), its audit row and the person's
/// notice together.
pub async fn record(
    db: &Db,
    me: &Principal,
    erdr: &str,
    new: &NewParticipant,
    now: &str,
) -> Result<(CaseRow, Recorded), ApiError> {
    let case = authz::officer_case(db, me, erdr, Act::RecordParticipant).await?;
    case.not_concerning(
        me,
        &[
            Some(new.party.as_str()),
            new.represented.as_ref().map(Party::as_str),
        ],
    )?;
    let case = case.case;
    if let Some(principal) = &new.represented {
        let acts_for_a_live_status = store::recorded_statuses(db, case.id, principal.as_str())
            .await?
            .iter()
            .any(|p| new.status.may_act_for(p.status));
        if !acts_for_a_live_status {
            return Err(ApiError::invalid(
                "represented_iin",
                "principal_not_recorded",
                "The person they act for holds no status in this case that this one acts for: record that person first.",
            ));
        }
    }
    let represented = new.represented.as_ref().map(Party::as_str);
    let basis = new.basis.describe();
    let basis_date = new.basis.date.to_string();
    let entry = Entry {
        person: new.party.as_str(),
        party: new.party.kind(),
        status: new.status,
        represented,
        full_name: Some(&new.full_name),
        basis: &basis,
        basis_date: &basis_date,
        origin: "record",
    };
    let recorded = enter(db, me, &case, &entry, now).await?.ok_or_else(|| {
        ApiError::Conflict("This person already holds this status in the case.".into())
    })?;
    announce(
        db,
        me,
        &case,
        &entry,
        recorded,
        serde_json::json!({
            "status": new.status.as_str(), "represented_iin": represented,
            "basis": basis, "basis_date": basis_date,
            "confirmed_request": recorded.confirmed_request,
        }),
        now,
    )
    .await?;
    Ok((case, recorded))
}

/// Ends a status in force on `ending.ended_on`: the row stays (history) as revoked with its
/// date and reason, its familiarisation grants end, and the person is told. Those acting for
/// the person lose access with it (they see only while their principal's status is in force).
pub async fn end(
    db: &Db,
    me: &Principal,
    erdr: &str,
    participant_id: i64,
    ending: &Ending,
    now: &str,
) -> Result<CaseRow, ApiError> {
    let mine = authz::officer_case(db, me, erdr, Act::EndParticipant).await?;
    let case = &mine.case;
    let row = db
        .one(
            "SELECT state, person_iin, represented_iin, basis_date, status, entered_in_error,
                    ended_on
             FROM case_participants WHERE id = ? AND case_id = ?",
            &[int(participant_id), int(case.id)],
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    let (state, person, represented) = (
        col_text(&row, 0)?,
        col_text(&row, 1)?,
        col_opt_text(&row, 2),
    );
    let status = ProceduralStatus::parse(&col_text(&row, 4)?)
        .ok_or_else(|| ApiError::Internal("unknown status in database".into()))?;
    mine.not_concerning(me, &[Some(person.as_str()), represented.as_deref()])?;
    if state == "revoked" && col_int(&row, 5)? == 0 && ending.entered_in_error {
        // Found only after it ended: what its ending left with anyone goes too.
        let ended_on = col_opt_text(&row, 6).unwrap_or_else(|| ending.ended_on.to_string());
        let target = EndedStatus {
            id: participant_id,
            person: &person,
            ended_on: &ended_on,
        };
        mark_entered_in_error(db, me, case, &target, &ending.reason, now).await?;
        return Ok(mine.case);
    }
    if state != "confirmed" {
        return Err(ApiError::Conflict(format!(
            "The status is {state}: only a status in force can end (or one that ended be marked as entered in error)."
        )));
    }
    let ended_on = ending.ended_on.to_string();
    if col_opt_text(&row, 3).is_some_and(|basis_date| ended_on < basis_date) {
        return Err(ApiError::invalid(
            "ended_on",
            "before_basis",
            "A status cannot end before the decision it rests on.",
        ));
    }
    // What the status gave until now stays with whoever loses access with it, unless it never
    // should have been given: a status recorded in error leaves nothing with anyone.
    let kept = if ending.entered_in_error {
        0
    } else {
        served::keep(
            db,
            case.id,
            served::Ending {
                person_iin: &person,
                status,
                represented_iin: represented.as_deref(),
            },
            now,
        )
        .await?
    };
    db.exec(
        "UPDATE case_participants SET state = 'revoked', decided_by = ?, decided_at = ?,
             ended_on = ?, reason = ?, entered_in_error = ?
         WHERE id = ?",
        &[
            text(&me.iin),
            text(now),
            text(&ended_on),
            text(&ending.reason),
            int(i64::from(ending.entered_in_error)),
            int(participant_id),
        ],
    )
    .await?;
    db.exec(
        "UPDATE familiarisation_grants SET revoked_at = ? WHERE participant_id = ? AND revoked_at IS NULL",
        &[text(now), int(participant_id)],
    ).await?;
    if ending.entered_in_error {
        withdraw_what_was_given(db, case, &person, &ended_on, &ending.reason, &me.iin, now).await?;
    }
    audit::record_for_case(
        db,
        &me.actor(),
        "status_ended",
        &format!("participant:{participant_id}"),
        Some(case.id),
        serde_json::json!({
            "ended_on": ended_on, "decisions_kept": kept,
            "entered_in_error": ending.entered_in_error,
        }),
    )
    .await?;
    tell_status_ended(db, &person, case, participant_id, &ended_on, now).await?;
    Ok(mine.case)
}

/// Tells the person their status in the case ended (on `ended_on`).
async fn tell_status_ended(
    db: &Db,
    person: &str,
    case: &CaseRow,
    participant_id: i64,
    ended_on: &str,
    now: &str,
) -> Result<(), ApiError> {
    let payload = serde_json::json!({
        "erdr_number": case.erdr_number, "participant_id": participant_id, "ended_on": ended_on,
    });
    notify::send(db, [person], Notice::StatusRevoked, now, &payload).await
}

/// A status that ended, as [`mark_entered_in_error`] takes it.
struct EndedStatus<'a> {
    id: i64,
    person: &'a str,
    ended_on: &'a str,
}

/// Marks a status that already ended as entered in error: its ending stays as it was (the
/// day, the officer), its reason is now the error, and what the ending left with the person
/// or those acting for them is withdrawn as for a status ended in error at once.
async fn mark_entered_in_error(
    db: &Db,
    me: &Principal,
    case: &CaseRow,
    status: &EndedStatus<'_>,
    reason: &str,
    now: &str,
) -> Result<(), ApiError> {
    db.exec(
        "UPDATE case_participants SET entered_in_error = 1, reason = ? WHERE id = ?",
        &[text(reason), int(status.id)],
    )
    .await?;
    let ended_on = status.ended_on;
    withdraw_what_was_given(db, case, status.person, ended_on, reason, &me.iin, now).await?;
    audit::record_for_case(
        db,
        &me.actor(),
        "status_ended",
        &format!("participant:{}", status.id),
        Some(case.id),
        serde_json::json!({ "ended_on": ended_on, "entered_in_error": true, "marked_after_ending": true }),
    )
    .await?;
    tell_status_ended(db, status.person, case, status.id, ended_on, now).await
}

/// After a status recorded in error ends: unless the person still holds another status in
/// the case, nothing of the case stays with them or with those who acted for them — the
/// acting statuses are ended in error too (so recording the person again later gives the
/// agents nothing without a record of their own), the decisions kept for any of them in the
/// case are dropped, and so are the case's notices in their feeds.
async fn withdraw_what_was_given(
    db: &Db,
    case: &CaseRow,
    person: &str,
    ended_on: &str,
    reason: &str,
    officer: &str,
    now: &str,
) -> Result<(), ApiError> {
    if !store::recorded_statuses(db, case.id, person)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let agents = db
        .query(
            "SELECT DISTINCT person_iin FROM case_participants
             WHERE case_id = ? AND represented_iin = ? AND state IN ('confirmed', 'revoked')",
            &[int(case.id), text(person)],
        )
        .await?;
    let mut withdrawn: Vec<String> = vec![person.to_owned()];
    for row in &agents.rows {
        withdrawn.push(col_text(row, 0)?);
    }
    db.exec(
        "UPDATE case_participants SET state = 'revoked', entered_in_error = 1,
             decided_by = ifnull(decided_by, ?), decided_at = ifnull(decided_at, ?),
             ended_on = ifnull(ended_on, ?), reason = ifnull(reason, ?)
         WHERE case_id = ? AND represented_iin = ? AND state IN ('confirmed', 'revoked')",
        &[
            text(officer),
            text(now),
            text(ended_on),
            text(reason),
            int(case.id),
            text(person),
        ],
    )
    .await?;
    db.exec(
        "UPDATE familiarisation_grants SET revoked_at = ?
         WHERE revoked_at IS NULL AND participant_id IN
               (SELECT id FROM case_participants WHERE case_id = ? AND represented_iin = ?)",
        &[text(now), int(case.id), text(person)],
    )
    .await?;
    for iin in &withdrawn {
        // An agent's own standing elsewhere in the case is no concern here: what they were
        // given in it came through this person (show less: a leak cannot be undone).
        db.exec(
            "DELETE FROM served_decisions WHERE case_id = ? AND person_iin = ?",
            &[int(case.id), text(iin)],
        )
        .await?;
        db.exec(
            "DELETE FROM notifications WHERE recipient_iin = ?
               AND json_extract(payload, '$.erdr_number') = ?",
            &[text(iin), text(&case.erdr_number)],
        )
        .await?;
    }
    Ok(())
}

/// One status a person is to hold in a case, and where the record comes from.
struct Entry<'a> {
    person: &'a str,
    party: PartyKind,
    status: ProceduralStatus,
    represented: Option<&'a str>,
    full_name: Option<&'a str>,
    basis: &'a str,
    basis_date: &'a str,
    /// `record` (the officer's decision) or `statement` (a registered statement).
    origin: &'a str,
}

/// Records `entry` in `case`: the person's own pending request for the same status becomes the
/// record (confirmed by `me`), or a new confirmed row is added. `None` when the person already
/// holds the status.
async fn enter(
    db: &Db,
    me: &Principal,
    case: &CaseRow,
    entry: &Entry<'_>,
    now: &str,
) -> Result<Option<Recorded>, ApiError> {
    let live = db
        .one(
            "SELECT id, state FROM case_participants
         WHERE erdr_number = ? AND person_iin = ? AND status = ? AND ifnull(represented_iin, '') = ?
           AND state IN ('requested', 'confirmed')",
            &[
                text(&case.erdr_number),
                text(entry.person),
                text(entry.status.as_str()),
                text(entry.represented.unwrap_or("")),
            ],
        )
        .await?;
    match live {
        Some(row) if col_text(&row, 1)? == "confirmed" => Ok(None),
        // The person asked first: the record confirms their request rather than queueing a
        // second row.
        Some(row) => {
            let id = col_int(&row, 0)?;
            db.exec(
                "UPDATE case_participants SET state = 'confirmed', case_id = ?, decided_by = ?,
                     decided_at = ?, full_name = ifnull(?, full_name), basis = ?, basis_date = ?
                 WHERE id = ?",
                &[
                    int(case.id),
                    text(&me.iin),
                    text(now),
                    opt_text(entry.full_name),
                    text(entry.basis),
                    text(entry.basis_date),
                    int(id),
                ],
            )
            .await?;
            Ok(Some(Recorded {
                id,
                confirmed_request: true,
            }))
        }
        None => {
            let row = db
                .one(
                    "INSERT INTO case_participants (erdr_number, case_id, person_iin, status,
                         represented_iin, basis, state, requested_at, due_unix, decided_by,
                         decided_at, origin, full_name, basis_date, party)
                     VALUES (?, ?, ?, ?, ?, ?, 'confirmed', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    &[
                        text(&case.erdr_number),
                        int(case.id),
                        text(entry.person),
                        text(entry.status.as_str()),
                        opt_text(entry.represented),
                        text(entry.basis),
                        text(now),
                        int(crate::platform::clock::now().timestamp()),
                        text(&me.iin),
                        text(now),
                        text(entry.origin),
                        opt_text(entry.full_name),
                        text(entry.basis_date),
                        text(entry.party.as_str()),
                    ],
                )
                .await?
                .ok_or_else(|| ApiError::Internal("insert returned no id".into()))?;
            Ok(Some(Recorded {
                id: col_int(&row, 0)?,
                confirmed_request: false,
            }))
        }
    }
}

/// The record's audit row (with `detail`) and the person's notice, in the same transaction.
async fn announce(
    db: &Db,
    me: &Principal,
    case: &CaseRow,
    entry: &Entry<'_>,
    recorded: Recorded,
    detail: serde_json::Value,
    now: &str,
) -> Result<(), ApiError> {
    audit::record_for_case(
        db,
        &me.actor(),
        "participant_recorded",
        &format!("participant:{}", recorded.id),
        Some(case.id),
        detail,
    )
    .await?;
    // Only a person reads notices: a legal entity's and a foreigner's records tell no one.
    let reader = (entry.party == PartyKind::Person).then_some(entry.person);
    notify::send(
        db,
        reader,
        Notice::ParticipantRecorded,
        now,
        &serde_json::json!({
            "erdr_number": case.erdr_number, "participant_id": recorded.id,
            "procedural_status": entry.status.as_str(),
        }),
    )
    .await
}

/// The statement an officer registered as a case, as far as the participant record needs it.
pub struct RegisteredStatement<'a> {
    pub filer_iin: &'a str,
    pub registration_number: &'a str,
    /// The officer recognised the filer as victim in the same act.
    pub recognised_as_victim: bool,
}

/// A statement registered as `case` makes its filer an applicant in it, and a victim too when
/// the officer recognised them as one in the same act. A status the filer already holds is
/// left as it is. Runs inside the registering transaction; returns the rows recorded.
pub async fn record_applicant(
    db: &Db,
    me: &Principal,
    case: &CaseRow,
    statement: &RegisteredStatement<'_>,
    now: &str,
    today: NaiveDate,
) -> Result<Vec<i64>, ApiError> {
    let RegisteredStatement {
        filer_iin,
        registration_number,
        recognised_as_victim,
    } = *statement;
    let full_name = crate::identity::full_name(db, filer_iin).await?;
    let mut statuses = vec![(
        ProceduralStatus::Applicant,
        format!("Statement № {registration_number}"),
    )];
    if recognised_as_victim {
        statuses.push((
            ProceduralStatus::Victim,
            format!("Recognised as victim on registering statement № {registration_number}"),
        ));
    }
    let basis_date = today.to_string();
    let mut ids = Vec::new();
    for (status, basis) in statuses {
        let entry = Entry {
            person: filer_iin,
            party: PartyKind::Person,
            status,
            represented: None,
            full_name: full_name.as_deref(),
            basis: &basis,
            basis_date: &basis_date,
            origin: "statement",
        };
        // A status the filer already holds is left as it is.
        let Some(recorded) = enter(db, me, case, &entry, now).await? else {
            continue;
        };
        announce(
            db,
            me,
            case,
            &entry,
            recorded,
            serde_json::json!({ "status": status.as_str(), "basis": basis, "origin": "statement" }),
            now,
        )
        .await?;
        ids.push(recorded.id);
    }
    Ok(ids)
}

/// A person's request to be confirmed in a procedural status in a case.
pub struct StatusRequest<'a> {
    pub erdr: &'a crate::case::ErdrNumber,
    pub status: ProceduralStatus,
    /// The party represented, for a status acting for someone.
    pub represented: Option<&'a Party>,
    pub basis: &'a str,
}

/// Files `request` for `me` in the caller's transaction. The case may not exist: the request
/// is kept all the same (asking tells nothing about existence). Returns its id and
/// `"confirmed"` when an officer's record already confirms the status (nothing is queued), or
/// `"requested"`; asking again for a status asked for is 409.
pub async fn request_status(
    db: &Db,
    me: &Principal,
    request: &StatusRequest<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(i64, &'static str), ApiError> {
    // The case may not exist: the request is kept all the same (no existence leak).
    let case_id = db
        .one(
            "SELECT id FROM cases WHERE erdr_number = ?",
            &[text(request.erdr.as_str())],
        )
        .await?
        .map(|r| col_int(&r, 0))
        .transpose()?;
    let live = db.one(
        "SELECT id, state FROM case_participants WHERE erdr_number = ? AND person_iin = ? AND status = ?
         AND ifnull(represented_iin, '') = ? AND state IN ('requested', 'confirmed')",
        &[
            text(request.erdr.as_str()),
            text(&me.iin),
            text(request.status.as_str()),
            text(request.represented.map(|r| r.as_str()).unwrap_or("")),
        ],
    ).await?;
    match live {
        // The officer already recorded this status: the record confirms the request, and
        // nothing is queued.
        Some(row) if col_text(&row, 1)? == "confirmed" => {
            return Ok((col_int(&row, 0)?, "confirmed"));
        }
        Some(_) => {
            return Err(ApiError::Conflict(
                "You already asked for this status in this case.".into(),
            ));
        }
        None => {}
    }
    crate::platform::limits::pending_access_requests(db, &me.iin).await?;
    let row = db
        .one(
            "INSERT INTO case_participants (erdr_number, case_id, person_iin, status, represented_iin,
                 basis, state, requested_at, due_unix)
             VALUES (?, ?, ?, ?, ?, ?, 'requested', ?, ?) RETURNING id",
            &[
                text(request.erdr.as_str()),
                case_id.map(int).unwrap_or(crate::platform::db::SqlValue::Null),
                text(&me.iin),
                text(request.status.as_str()),
                opt_text(request.represented.map(|r| r.as_str())),
                text(request.basis),
                text(crate::platform::clock::rfc3339(now)),
                int(crate::law::deadline::status_request_due(now).timestamp()),
            ],
        ).await?
        .ok_or_else(|| ApiError::Internal("insert returned no id".into()))?;
    let id = col_int(&row, 0)?;
    if let Some(case_id) = case_id {
        announce_request(db, case_id, id, request, now).await?;
    }
    audit::record_for_case(
        db,
        &me.actor(),
        "access_requested",
        &format!("participant:{id}"),
        case_id,
        serde_json::json!({ "status": request.status.as_str() }),
    )
    .await?;
    Ok((id, "requested"))
}

/// Tells the officer who leads the case, at once, that a status request arrived and by when it
/// is to be answered (in the request's transaction). A request under a number not yet
/// registered reaches the officer's queue when the case is registered.
async fn announce_request(
    db: &Db,
    case_id: i64,
    request_id: i64,
    request: &StatusRequest<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    let Some(row) = db
        .one(
            "SELECT lead_officer_iin FROM cases WHERE id = ?",
            &[int(case_id)],
        )
        .await?
    else {
        return Ok(());
    };
    let lead = col_text(&row, 0)?;
    let due = crate::law::deadline::status_request_due(now).timestamp();
    let waiting = WaitingRequest {
        erdr: request.erdr.as_str(),
        id: request_id,
        status: request.status.as_str(),
        due_unix: due,
    };
    tell_lead_of_request(db, &lead, &waiting, now).await
}

/// A status request as its lead officer is told of it.
struct WaitingRequest<'a> {
    erdr: &'a str,
    id: i64,
    status: &'a str,
    due_unix: i64,
}

/// Tells `lead` that a status request waits for them, and the day it is to be answered by.
async fn tell_lead_of_request(
    db: &Db,
    lead: &str,
    request: &WaitingRequest<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    let payload = serde_json::json!({
        "erdr_number": request.erdr, "request_id": request.id,
        "procedural_status": request.status,
        "due_at": crate::platform::clock::almaty_text(request.due_unix),
    });
    let at = crate::platform::clock::rfc3339(now);
    notify::send(db, [lead], Notice::AccessRequestReceived, &at, &payload).await
}

/// When a case is registered, the status requests made under its number before it existed
/// reach its lead officer: each counts its period from the registration (no officer could
/// answer it sooner), and the lead is told of each as of one just made (in the registration's
/// transaction). Answers how many were waiting.
pub async fn announce_waiting_requests(
    db: &Db,
    case: &crate::case::store::CaseRow,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, ApiError> {
    let due = crate::law::deadline::status_request_due(now).timestamp();
    let waiting = db
        .query(
            "UPDATE case_participants SET due_unix = max(ifnull(due_unix, 0), ?)
             WHERE case_id = ? AND state = 'requested' RETURNING id, status",
            &[int(due), int(case.id)],
        )
        .await?;
    for row in &waiting.rows {
        let status = col_text(row, 1)?;
        let request = WaitingRequest {
            erdr: &case.erdr_number,
            id: col_int(row, 0)?,
            status: &status,
            due_unix: due,
        };
        tell_lead_of_request(db, &case.lead_officer_iin, &request, now).await?;
    }
    Ok(waiting.rows.len())
}

/// One page of the status requests `iin` made, newest first, with their ids for the cursor.
pub async fn requests_of(
    db: &Db,
    iin: &str,
    before_id: i64,
    limit: i64,
) -> Result<(Vec<serde_json::Value>, Vec<i64>), ApiError> {
    let rows = db.query(
        &format!("SELECT id, erdr_number, status, represented_iin, state, requested_at, decided_at, reason
         FROM case_participants WHERE person_iin = ? AND id < ? ORDER BY id DESC {}",
            crate::platform::db::limit(limit)),
        &[text(iin), int(before_id)],
    ).await?;
    let ids: Vec<i64> = rows.rows.iter().filter_map(|r| r.get::<i64>(0)).collect();
    let requests = rows.each(|r| {
        Ok(serde_json::json!({
            "id": col_int(r, 0)?, "erdr_number": col_text(r, 1)?,
            "procedural_status": col_text(r, 2)?, "represented_iin": col_opt_text(r, 3),
            "state": col_text(r, 4)?, "requested_at": col_text(r, 5)?,
            "decided_at": col_opt_text(r, 6), "reason": col_opt_text(r, 7),
        }))
    })?;
    Ok((requests, ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn input(status: &str, represented: Option<&str>, number: Option<&str>) -> RecordInput {
        RecordInput {
            party: None,
            iin: Some("791028302728".into()),
            bin: None,
            document: None,
            full_name: "  Асанов Асан  ".into(),
            procedural_status: status.into(),
            basis: BasisInput {
                document: "Order".into(),
                number: number.map(Into::into),
                date: "2026-11-30".into(),
            },
            represented_iin: represented.map(Into::into),
        }
    }

    fn code(err: ApiError) -> (String, String) {
        err.first_field_error()
    }

    #[test]
    fn a_suspect_is_recorded_with_the_order_and_its_date() {
        let p = validate(&input("suspect", None, Some("17")), today()).unwrap();
        assert_eq!(p.status, ProceduralStatus::Suspect);
        assert_eq!(p.full_name, "Асанов Асан");
        assert_eq!(p.basis.describe(), "Order № 17");
        assert_eq!(p.basis.date.to_string(), "2026-11-30");
        assert_eq!(p.represented, None);
    }

    #[test]
    fn an_advocate_needs_the_warrant_number_and_whom_they_defend() {
        let err = validate(&input("defender", Some("061211600012"), None), today()).unwrap_err();
        assert_eq!(code(err), ("basis.number".into(), "required".into()));
        let err = validate(&input("defender", None, Some("W-1")), today()).unwrap_err();
        assert_eq!(code(err), ("represented_iin".into(), "required".into()));
        let ok = validate(
            &input("defender", Some("061211600012"), Some("W-1")),
            today(),
        )
        .unwrap();
        assert_eq!(ok.represented.unwrap().as_str(), "061211600012");
    }

    #[test]
    fn only_those_acting_for_someone_name_them_and_never_themselves() {
        let err = validate(&input("victim", Some("061211600012"), None), today()).unwrap_err();
        assert_eq!(code(err), ("represented_iin".into(), "not_allowed".into()));
        let err = validate(
            &input("representative", Some("791028302728"), None),
            today(),
        )
        .unwrap_err();
        assert_eq!(code(err), ("represented_iin".into(), "self".into()));
    }

    #[test]
    fn a_company_is_recorded_by_its_bin_and_a_foreigner_by_their_document() {
        let mut company = input("civil_plaintiff", None, None);
        company.party = Some("legal_entity".into());
        company.iin = None;
        company.bin = Some("971240001315".into());
        let p = validate(&company, today()).unwrap();
        assert_eq!(p.party.kind(), PartyKind::LegalEntity);
        assert_eq!(p.party.as_str(), "971240001315");
        company.procedural_status = "suspect".into();
        assert_eq!(
            code(validate(&company, today()).unwrap_err()).1,
            "not_for_this_party"
        );
        company.procedural_status = "victim".into();
        company.iin = Some("791028302728".into());
        assert_eq!(
            code(validate(&company, today()).unwrap_err()),
            ("iin".into(), "not_allowed".into())
        );
        let mut foreigner = input("suspect", None, None);
        foreigner.party = Some("foreigner".into());
        foreigner.iin = None;
        foreigner.document = Some(DocumentInput {
            country: "uz".into(),
            number: "AA 1234567".into(),
        });
        let p = validate(&foreigner, today()).unwrap();
        assert_eq!(p.party.as_str(), "foreigner:UZ:AA1234567");
        foreigner.procedural_status = "defender".into();
        assert_eq!(
            code(validate(&foreigner, today()).unwrap_err()).1,
            "not_for_this_party"
        );
        // A company acts only through its representative, never a defender.
        let defender = validate(
            &input("defender", Some("971240001315"), Some("W-1")),
            today(),
        );
        assert_eq!(
            code(defender.unwrap_err()),
            ("procedural_status".into(), "representative_only".into())
        );
        let representative = validate(
            &input("representative", Some("971240001315"), None),
            today(),
        );
        assert_eq!(
            representative.unwrap().represented.map(|r| r.kind()),
            Some(PartyKind::LegalEntity)
        );
        // A defender acts for a recorded foreigner by their key.
        let defends = validate(
            &input("defender", Some("foreigner:UZ:AA1234567"), Some("W-2")),
            today(),
        );
        assert_eq!(
            defends.unwrap().represented.map(|r| r.kind()),
            Some(PartyKind::Foreigner)
        );
    }

    #[test]
    fn the_applicant_status_comes_only_from_a_registered_statement() {
        let err = validate(&input("applicant", None, None), today()).unwrap_err();
        assert_eq!(
            code(err),
            ("procedural_status".into(), "by_statement_only".into())
        );
        let err = validate(&input("witness", None, None), today()).unwrap_err();
        assert_eq!(
            code(err),
            ("procedural_status".into(), "invalid_status".into())
        );
    }

    #[test]
    fn bad_identity_name_and_dates_are_refused() {
        let mut bad_iin = input("victim", None, None);
        bad_iin.iin = Some("791028302729".into());
        assert_eq!(
            code(validate(&bad_iin, today()).unwrap_err()).1,
            "invalid_iin"
        );
        let mut no_name = input("victim", None, None);
        no_name.full_name = "   ".into();
        assert_eq!(
            code(validate(&no_name, today()).unwrap_err()),
            ("full_name".into(), "invalid_length".into())
        );
        let mut control = input("victim", None, None);
        control.full_name = "A\u{0}B".into();
        assert_eq!(
            code(validate(&control, today()).unwrap_err()).1,
            "control_characters"
        );
        let mut future = input("victim", None, None);
        future.basis.date = "2026-12-02".into();
        assert_eq!(
            code(validate(&future, today()).unwrap_err()),
            ("basis.date".into(), "in_the_future".into())
        );
        let mut garbled = input("victim", None, None);
        garbled.basis.date = "30.11.2026".into();
        assert_eq!(
            code(validate(&garbled, today()).unwrap_err()).1,
            "invalid_date"
        );
    }

    #[test]
    fn an_ending_has_a_past_date_and_a_reason() {
        let ok = validate_ending(
            &EndInput {
                ended_on: "2026-12-01".into(),
                reason: "Warrant withdrawn".into(),
                entered_in_error: true,
            },
            today(),
        )
        .unwrap();
        assert_eq!(ok.ended_on.to_string(), "2026-12-01");
        assert!(ok.entered_in_error);
        let err = validate_ending(
            &EndInput {
                ended_on: "2026-12-01".into(),
                reason: " ".into(),
                entered_in_error: false,
            },
            today(),
        )
        .unwrap_err();
        assert_eq!(code(err).0, "reason");
    }
}
