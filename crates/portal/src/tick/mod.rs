//! The scheduler's work on deadlines and stale rows, run by the tick in bounded batches. Each
//! alert goes once: its mark (a `deadline_alerts` row, or for an overdue filing the due time
//! it was escalated for) is written in the transaction that writes the notices, and a tick
//! that finds it already there (another replica was first) sends nothing.
//!
//! - An open filing due within 24 hours: its handlers are reminded (once per due time, so an
//!   extension gets its own reminder).
//! - An open filing past its due time: the filer (and the person it was filed for) learn that
//!   it is overdue, and the heads of unit of the organ that owes the answer and the case's
//!   supervising prosecutor are told; the filing's timeline records the escalation, and the
//!   filing itself the due time it was escalated for.
//! - A complaint or statement answered with a refusal (full, partial, or leaving it without
//!   consideration): three days before the art. 106 window ends (15 days counted as arts.
//!   48–49 count them), the filer is reminded they may go to the investigating judge.
//! - An officer who chose the daily digest gets it by e-mail once a day, after 08:00 Almaty.
//! - Unattached uploads, stale sign-in challenges, old code-sending records and old outbox
//!   rows are removed; sessions past their lifetime or idle timeout are marked ended.

pub mod run;

pub(crate) use crate::filing::alerts::{DUE_COLUMNS, Due, appointment, due_rows};

use chrono::Timelike;
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::case::authz::{self, Alerted};
use crate::identity::Role;
use crate::law::deadline::{Calendar, Kind};
use crate::notice::delivery::{self, Channel};
use crate::notice::notify::{self, Notice};
use crate::platform::clock;
use crate::platform::clock::almaty;
use crate::platform::db::{Db, col_int, col_opt_text, col_text, int, limit, text};
use crate::platform::error::ApiError;

/// Filings looked at per transaction.
const BATCH: i64 = 50;
/// How long before the end of the art. 106 window the reminder goes.
pub const COURT_REMINDER_BEFORE_SECS: i64 = 3 * 86_400;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Report {
    pub due_soon_reminders: u64,
    pub overdue_escalations: u64,
    pub court_window_reminders: u64,
    pub custody_alarms: u64,
    pub digests: u64,
    pub attachments_expired: u64,
    pub documents_reclaimed: u64,
    pub challenges_expired: u64,
    pub egov_mobile_signings_expired: u64,
    pub sessions_expired: u64,
    pub messages_pruned: u64,
}

/// Inserts the alert's row; false when it was already there (sent before, or by a parallel
/// tick).
async fn first_time(db: &Db, subject: &str, kind: &str, at: &str) -> Result<bool, ApiError> {
    Ok(db
        .one(
            "INSERT INTO deadline_alerts (subject, kind, at) VALUES (?, ?, ?)
             ON CONFLICT (subject, kind) DO NOTHING RETURNING subject",
            &[text(subject), text(kind), text(at)],
        )
        .await?
        .is_some())
}

const OPEN: &str = crate::filing::lifecycle::OPEN_SQL;

/// A batch of open filings due within 24 hours and not yet reminded of for their current due
/// time, earliest first (the window keeps the scan to what is due soon).
async fn due_soon_unreminded(db: &Db, now: i64) -> Result<Vec<Due>, ApiError> {
    due_rows(
        db,
        &format!(
            "SELECT {DUE_COLUMNS} FROM filings f LEFT JOIN cases c ON c.id = f.case_id
             WHERE {OPEN} AND f.due_unix > ? AND f.due_unix <= ?
               AND NOT EXISTS (SELECT 1 FROM deadline_alerts a
                               WHERE a.subject = 'filing:' || f.id AND a.kind = 'due_soon:' || f.due_unix)
             ORDER BY f.due_unix, f.id {}",
            limit(BATCH)
        ),
        &[int(now), int(now + 86_400)],
    ).await
}

/// How often a detained person's filing that no one has taken up raises the alarm again.
pub const CUSTODY_ALARM_EVERY_SECS: i64 = 4 * 3600;

/// How long the alarm keeps ringing for a filing no one took up (it is long overdue by then,
/// and the overdue escalation has told the supervisors too).
const CUSTODY_ALARM_FOR_SECS: i64 = 7 * 86_400;

/// Art. 101: raises the alarm again, every [`CUSTODY_ALARM_EVERY_SECS`], for each detained
/// person's filing no officer has taken up yet (the arrival notice was the first): to those who
/// must take it up, and once its 24 hours have passed, to their supervisors as well. Once per
/// period each, also against a parallel tick.
pub async fn alarm_custody_waiting(db: &Db, now: i64) -> Result<u64, ApiError> {
    let at = clock::rfc3339(clock::from_unix(now));
    db.transaction(async |db| {
        let waiting = due_rows(
            db,
            &format!(
                "SELECT {DUE_COLUMNS} FROM filings f INDEXED BY filings_in_custody_waiting
                 LEFT JOIN cases c ON c.id = f.case_id
                 WHERE f.filed_in_detention = 1 AND f.state = 'submitted'
                   AND f.submitted_unix > ? AND f.submitted_unix <= ?
                   AND NOT EXISTS (SELECT 1 FROM deadline_alerts a
                                   WHERE a.subject = 'filing:' || f.id
                                     AND a.kind = 'custody:' || ((? - f.submitted_unix) / ?))
                 ORDER BY f.submitted_unix {}",
                limit(BATCH)
            ),
            &[
                int(now - CUSTODY_ALARM_FOR_SECS),
                int(now - CUSTODY_ALARM_EVERY_SECS),
                int(now),
                int(CUSTODY_ALARM_EVERY_SECS),
            ],
        )
        .await?;
        let mut sent = 0;
        for f in &waiting {
            let waited = now - f.submitted_unix;
            let period = waited / CUSTODY_ALARM_EVERY_SECS;
            if !first_time(
                db,
                &format!("filing:{}", f.id),
                &format!("custody:{period}"),
                &at,
            )
            .await?
            {
                continue;
            }
            let handover_due = crate::law::deadline::detainee_handover_due(f.submitted_unix);
            let mut told = f.officers(db, Alerted::Handlers).await?;
            if now >= handover_due {
                for supervisor in f.officers(db, Alerted::Supervisors).await? {
                    if !told.contains(&supervisor) {
                        told.push(supervisor);
                    }
                }
            }
            notify::send(
                db,
                told.iter().map(String::as_str),
                Notice::CustodyWaiting,
                &at,
                &serde_json::json!({
                    "filing_id": f.id, "registration_number": f.registration_number,
                    "hours_waiting": waited / 3600,
                    "handover_due_at": clock::almaty_text(handover_due),
                    "handover_overdue": now >= handover_due,
                }),
            )
            .await?;
            sent += 1;
        }
        Ok(sent)
    })
    .await
}

/// Reminds handlers of open filings due within 24 hours.
pub async fn remind_due_soon(db: &Db, now: i64) -> Result<u64, ApiError> {
    let at = clock::rfc3339(clock::from_unix(now));
    db.transaction(async |db| {
        let due = due_soon_unreminded(db, now).await?;
        let mut sent = 0;
        for f in &due {
            if !first_time(
                db,
                &format!("filing:{}", f.id),
                &format!("due_soon:{}", f.due_unix),
                &at,
            )
            .await?
            {
                continue;
            }
            let officers = f.officers(db, Alerted::Handlers).await?;
            notify::send(
                db,
                officers.iter().map(String::as_str),
                Notice::FilingDueSoon,
                &at,
                &serde_json::json!({
                    "filing_id": f.id, "registration_number": f.registration_number,
                    "due_at": clock::almaty_text(f.due_unix),
                }),
            )
            .await?;
            sent += 1;
        }
        Ok(sent)
    })
    .await
}

/// Tells filers and supervisors of filings that became overdue, once per due time, with the
/// escalation in the filing's timeline and the audit chain.
pub async fn escalate_overdue(db: &Db, actor: &Actor, now: i64) -> Result<u64, ApiError> {
    let at = clock::rfc3339(clock::from_unix(now));
    db.transaction(async |db| {
        // Open filings past due and not yet escalated for this due time, from an index that
        // holds only those: escalated ones leave it, so nothing is rescanned.
        let due = due_rows(
            db,
            &format!(
                "SELECT {DUE_COLUMNS} FROM filings f INDEXED BY filings_overdue_unalerted
                 LEFT JOIN cases c ON c.id = f.case_id
                 WHERE {OPEN} AND f.overdue_alerted_due_unix IS NOT f.due_unix AND f.due_unix <= ?
                 ORDER BY f.due_unix {}",
                limit(BATCH)
            ),
            &[int(now)],
        ).await?;
        let mut escalated = 0;
        for f in &due {
            let subject = format!("filing:{}", f.id);
            // Once per due time, also against a parallel tick: the first to mark it sends.
            let first = db
                .one(
                    "UPDATE filings SET overdue_alerted_due_unix = due_unix
                     WHERE id = ? AND due_unix = ? AND overdue_alerted_due_unix IS NOT due_unix
                     RETURNING id",
                    &[int(f.id), int(f.due_unix)],
                ).await?
                .is_some();
            if !first {
                continue;
            }
            let supervisors = f.officers(db, Alerted::Supervisors).await?;
            let payload = serde_json::json!({
                "filing_id": f.id, "registration_number": f.registration_number,
                "due_at": clock::almaty_text(f.due_unix),
            });
            notify::send(
                db,
                std::iter::once(f.filer_iin.as_str()).chain(f.on_behalf_of_iin.as_deref()),
                Notice::FilingOverdue,
                &at,
                &payload,
            ).await?;
            notify::send(
                db,
                supervisors.iter().map(String::as_str),
                Notice::FilingOverdueEscalated,
                &at,
                &payload,
            ).await?;
            let due_at = clock::rfc3339(clock::from_unix(f.due_unix));
            // The filer's timeline says when it was due; who was told stays in the audit.
            db.exec(
                "INSERT INTO filing_events (filing_id, at, kind, detail) VALUES (?, ?, 'overdue_escalated', ?)",
                &[int(f.id), text(&at), text(serde_json::json!({ "due_at": due_at }).to_string())],
            ).await?;
            audit::record_for_case(
                db,
                actor,
                "filing_overdue_escalated",
                &subject,
                f.case_id,
                serde_json::json!({ "due_at": due_at, "told": supervisors }),
            ).await?;
            escalated += 1;
        }
        Ok(escalated)
    }).await
}

/// Reminds filers whose art. 106 window to go to the investigating judge, opened by an answer
/// that refused them (fully, in part, or by leaving the complaint without consideration), ends
/// in three days or less.
pub async fn remind_court_window(db: &Db, now: i64) -> Result<u64, ApiError> {
    use crate::law::deadline::{WindowFacts, court_window};
    use crate::law::handling::Outcome;
    let at = clock::rfc3339(clock::from_unix(now));
    let calendar = Calendar::shipped();
    let Some((from, to)) = court_window_decided_between(now, calendar) else {
        return Ok(0);
    };
    let (from, to) = (
        clock::rfc3339(clock::from_unix(from)),
        clock::rfc3339(clock::from_unix(to)),
    );
    db.transaction(async |db| {
        let rows = db
            .query(&court_window_candidates_sql(), &[text(&from), text(&to)])
            .await?;
        let mut sent = 0;
        for row in &rows.rows {
            let id = col_int(row, 0)?;
            let Some(kind) = Kind::parse(&col_text(row, 5)?) else {
                continue;
            };
            let facts = WindowFacts {
                kind,
                outcome: Outcome::parse(&col_text(row, 6)?),
                decided_unix: chrono::DateTime::parse_from_rfc3339(&col_text(row, 4)?)
                    .map(|t| t.timestamp())
                    .ok(),
                open: false,
                due_unix: now,
            };
            let Some(window) = court_window(facts, now, calendar) else {
                continue;
            };
            if window.ends_unix <= now || window.ends_unix - now > COURT_REMINDER_BEFORE_SECS {
                continue;
            }
            if !first_time(db, &format!("filing:{id}"), "court_window", &at).await? {
                continue;
            }
            let filer = col_text(row, 2)?;
            let beneficiary = col_opt_text(row, 3);
            notify::send(
                db,
                std::iter::once(filer.as_str()).chain(beneficiary.as_deref()),
                Notice::CourtWindow,
                &at,
                &serde_json::json!({
                    "filing_id": id, "registration_number": col_text(row, 1)?,
                    "days_left": window.days_left(now),
                    "ends_at": clock::rfc3339(clock::from_unix(window.ends_unix)),
                }),
            )
            .await?;
            sent += 1;
        }
        Ok(sent)
    })
    .await
}

/// When the answers were given whose art. 106 window ends within the reminder's three days
/// from `now`: `[from, to)` as instants. A window ends at 24:00 Almaty of the decision's day +
/// 15, moved past days off, so every decision of one Almaty day has the same end, and a later
/// day never has an earlier end: the days whose end falls in `(now, now + 3 days]` are one run,
/// found here by walking the calendar back from today as far as the longest move reaches.
fn court_window_decided_between(now: i64, calendar: &Calendar) -> Option<(i64, i64)> {
    use chrono::{Duration, TimeZone};
    let start_of = |day: chrono::NaiveDate| {
        almaty()
            .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
            .single()
            .map(|t| t.timestamp())
    };
    let days = crate::law::deadline::court_window_days();
    let today = clock::from_unix(now).with_timezone(&almaty()).date_naive();
    let mut day = today - Duration::days(days + 1 + calendar.longest_days_off());
    let mut run: Option<(chrono::NaiveDate, chrono::NaiveDate)> = None;
    while day <= today {
        let ends =
            crate::law::deadline::court_window_end(clock::from_unix(start_of(day)?), calendar);
        if ends > now && ends - now <= COURT_REMINDER_BEFORE_SECS {
            run = Some((run.map_or(day, |(first, _)| first), day));
        }
        day += Duration::days(1);
    }
    let (first, last) = run?;
    Some((start_of(first)?, start_of(last + Duration::days(1))?))
}

/// The answers that open an art. 106 window, given in `[?, ?)`, whose filer was not yet
/// reminded: at most a batch of them, oldest (the window ending soonest) first.
fn court_window_candidates_sql() -> String {
    use crate::law::deadline::{WINDOW_KINDS_SQL, WINDOW_OUTCOMES_SQL};
    format!(
        "SELECT f.id, f.registration_number, f.filer_iin, f.on_behalf_of_iin, f.decided_at,
                f.kind, f.outcome FROM filings f
         WHERE {WINDOW_OUTCOMES_SQL} AND {WINDOW_KINDS_SQL}
           AND f.decided_at >= ? AND f.decided_at < ?
           AND NOT EXISTS (SELECT 1 FROM deadline_alerts a
                           WHERE a.subject = 'filing:' || f.id AND a.kind = 'court_window')
         ORDER BY f.decided_at {}",
        limit(BATCH)
    )
}

/// The officers' daily digests, once a day each, from 08:00 Almaty.
pub async fn send_digests(db: &Db, now: i64) -> Result<u64, ApiError> {
    let local = clock::from_unix(now).with_timezone(&almaty());
    if local.hour() < 8 {
        return Ok(0);
    }
    let day = local.format("%Y-%m-%d").to_string();
    let at = clock::rfc3339(clock::from_unix(now));
    db.transaction(async |db| {
        let rows = db.query(
            &format!("SELECT o.iin, o.role, o.organ_id, c.address, p.language FROM notice_preferences p
             JOIN officers o ON o.iin = p.iin AND o.active = 1
             JOIN contacts c ON c.iin = p.iin AND c.channel = 'email' AND c.verified_at IS NOT NULL
             WHERE p.officer_digest = 1
               AND NOT EXISTS (SELECT 1 FROM deadline_alerts a WHERE a.subject = 'digest:' || p.iin AND a.kind = ?)
             {}",
            limit(BATCH)),
            &[text(&day)],
        ).await?;
        let mut sent = 0;
        for row in &rows.rows {
            let iin = col_text(row, 0)?;
            let Some(role) = Role::parse_officer(&col_text(row, 1)?) else {
                continue;
            };
            if !first_time(db, &format!("digest:{iin}"), &day, &at).await? {
                continue;
            }
            let appointment = appointment(role, col_int(row, 2)?);
            let (mine, mine_params) = authz::received_filings_sql_for(&iin, Some(&appointment));
            // The count's own parameters come first in the statement.
            let mut params = vec![int(now), int(now + 86_400), int(now)];
            params.extend(mine_params);
            let counts = db.one(
                &format!(
                    "SELECT count(*), coalesce(sum(f.due_unix > ? AND f.due_unix <= ?), 0), coalesce(sum(f.due_unix <= ?), 0)
                     FROM filings f WHERE {mine} AND {OPEN}"
                ),
                &params,
            ).await?;
            let (open, due_soon, overdue) = match &counts {
                Some(r) => (col_int(r, 0)?, col_int(r, 1)?, col_int(r, 2)?),
                None => (0, 0, 0),
            };
            let language = delivery::Language::stored(col_opt_text(row, 4));
            delivery::enqueue(
                db,
                &iin,
                Channel::Email,
                &col_text(row, 3)?,
                language,
                "officer_digest",
                &serde_json::json!({ "open": open, "due_soon": due_soon, "overdue": overdue }),
                &at,
                now,
            ).await?;
            sent += 1;
        }
        Ok(sent)
    }).await
}

/// Removes stale rows nobody can use any more, a bounded batch of each.
pub async fn expire_stale(db: &Db, now: i64, report: &mut Report) -> Result<(), ApiError> {
    // Counted inside, added to the report only once committed: a transaction the database
    // ends under us runs again, and its first counts never happened.
    let counts = db
        .transaction(async |db| {
            let gone = db
                .query(
                    "DELETE FROM attachments WHERE id IN
               (SELECT id FROM attachments WHERE filing_id IS NULL AND created_unix < ? LIMIT 500)
             RETURNING sha256",
                    &[int(now - crate::filing::ATTACHMENT_TTL_SECS)],
                )
                .await?;
            let attachments_expired = gone.rows.len() as u64;
            // Their bytes go too, unless something else refers to the same document.
            let shas: Vec<String> = gone
                .rows
                .iter()
                .filter_map(|row| row.get::<&str>(0).map(str::to_owned))
                .collect();
            let documents_reclaimed = crate::http::documents::reclaim(db, &shas).await?;
            let challenges_expired = crate::identity::signin::expire_challenges(db, now).await?;
            let egov_mobile_signings_expired =
                crate::identity::egov_mobile::expire(db, now).await?;
            // Sessions past their lifetime or idle too long are already refused at every request;
            // marking them ends them in the lists and the live index too. The rows stay: they are
            // the record of who signed in, and the proof a password was set from.
            let ended = db
                .query(
                    "UPDATE sessions SET revoked_at = ?, revoked_reason = 'expired' WHERE id IN
               (SELECT id FROM sessions WHERE revoked_at IS NULL
                  AND (expires_unix < ? OR last_seen_unix + idle_timeout_secs < ?) LIMIT 500)
             RETURNING id",
                    &[
                        text(clock::rfc3339(clock::from_unix(now))),
                        int(now),
                        int(now),
                    ],
                )
                .await?;
            let sessions_expired = ended.rows.len() as u64;
            let messages_pruned = crate::notice::delivery::prune(db, now).await?;
            db.exec(
                "DELETE FROM contact_codes_sent WHERE id IN
               (SELECT id FROM contact_codes_sent WHERE at_unix < ? LIMIT 1000)",
                &[int(now - 86_400)],
            )
            .await?;
            crate::identity::signed::expire_refusals(db, now).await?;
            Ok([
                attachments_expired,
                documents_reclaimed,
                challenges_expired,
                egov_mobile_signings_expired,
                sessions_expired,
                messages_pruned,
            ])
        })
        .await?;
    let [
        attachments,
        documents,
        challenges,
        signings,
        sessions,
        messages,
    ] = counts;
    report.attachments_expired += attachments;
    report.documents_reclaimed += documents;
    report.challenges_expired += challenges;
    report.egov_mobile_signings_expired += signings;
    report.sessions_expired += sessions;
    report.messages_pruned += messages;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_times_are_almaty_wall_clock() {
        // 2026-12-01T13:00:00Z is 18:00 in Almaty (UTC+5).
        assert_eq!(clock::almaty_text(1_796_130_000), "01.12.2026 18:00");
    }

    fn instant(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp()
    }

    #[test]
    fn the_reminder_finds_the_decisions_whose_window_ends_within_three_days() {
        // Monday 14 December 2026, noon: windows ending by Thursday noon. Decisions of 27-29
        // November end with Monday the 14th (day 15 on the weekend or that Monday), of the
        // 30th with Tuesday; 1 December's day 15 is Independence Day and ends on the 17th, at
        // 24:00: too far yet.
        let now = instant("2026-12-14T12:00:00+05:00");
        assert_eq!(
            court_window_decided_between(now, Calendar::shipped()),
            Some((
                instant("2026-11-27T00:00:00+05:00"),
                instant("2026-12-01T00:00:00+05:00")
            ))
        );
    }

    #[test]
    fn a_decision_is_in_the_reminders_bounds_exactly_when_its_window_ends_within_three_days() {
        use crate::law::deadline::{WindowFacts, court_window};
        use crate::law::handling::Outcome;
        let calendar = Calendar::shipped();
        // Every 6 hours of two years of "now", each against decisions every 5 hours before it.
        let start = instant("2026-01-01T00:00:00+05:00");
        for step in 0..(2 * 365 * 4) {
            let now = start + step * 6 * 3600;
            let bounds = court_window_decided_between(now, calendar);
            for back in 0..(40 * 24 / 5) {
                let decided = now - back * 5 * 3600;
                let facts = WindowFacts {
                    kind: Kind::Complaint,
                    outcome: Some(Outcome::Rejected),
                    decided_unix: Some(decided),
                    open: false,
                    due_unix: 0,
                };
                let ends = court_window(facts, now, calendar).unwrap().ends_unix;
                let due = ends > now && ends - now <= COURT_REMINDER_BEFORE_SECS;
                let within = bounds.is_some_and(|(from, to)| from <= decided && decided < to);
                assert_eq!(within, due, "now {now}, decided {decided}, ends {ends}");
            }
        }
    }

    #[test]
    fn the_court_window_reminder_reads_its_partial_index() {
        use crate::platform::schema::native::{Native, ready};
        let raw = rusqlite::Connection::open_in_memory().unwrap();
        ready(crate::platform::schema::apply(
            &Native(&raw),
            &crate::platform::schema::embedded(),
        ))
        .unwrap();
        let plan: Vec<String> = raw
            .prepare(&format!(
                "EXPLAIN QUERY PLAN {}",
                court_window_candidates_sql()
            ))
            .unwrap()
            .query_map(("a", "b"), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("USING INDEX filings_window_by_decision")),
            "{plan:?}"
        );
    }
}
