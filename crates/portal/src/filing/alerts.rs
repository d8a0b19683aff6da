//! Who is told what about a filing: the facts its alerts depend on (`Due`, read by the
//! scheduler's reminders and escalations too) and the officers those name by their current
//! appointment; and the notices sent in the submission's transaction when a filing arrives.

use crate::ApiError;
use crate::case::authz::{self, Alerted, CaseFacts, FilingFacts};
use crate::identity::{Appointment, Organ, Role};
use crate::law::deadline::{Addressee, Kind};
use crate::notice::notify::{self, Notice};
use crate::platform::clock;
use crate::platform::db::{Db, col_int, col_opt_int, col_opt_text, col_text, int, text};

/// One filing with the facts its alerts depend on.
pub(crate) struct Due {
    pub(crate) id: i64,
    pub(crate) registration_number: String,
    pub(crate) kind: Kind,
    pub(crate) addressee: Addressee,
    pub(crate) organ_id: Option<i64>,
    pub(crate) filer_iin: String,
    pub(crate) on_behalf_of_iin: Option<String>,
    pub(crate) due_unix: i64,
    pub(crate) case: Option<(i64, String, Option<String>, Option<i64>)>,
    pub(crate) case_id: Option<i64>,
    /// Filed by a person in custody (art. 101).
    pub(crate) in_custody: bool,
    pub(crate) submitted_unix: i64,
}

pub(crate) const DUE_COLUMNS: &str = "f.id, f.registration_number, f.kind, f.addressee, f.organ_id, f.filer_iin, \
     f.on_behalf_of_iin, f.due_unix, c.organ_id, c.lead_officer_iin, c.prosecutor_iin, c.prosecutor_organ_id, c.id, \
     f.filed_in_detention, f.submitted_unix";

pub(crate) async fn due_rows(
    db: &Db,
    sql: &str,
    params: &[spin_sdk::sqlite::Value],
) -> Result<Vec<Due>, ApiError> {
    let rows = db.query(sql, params).await?;
    let mut out = Vec::with_capacity(rows.rows.len());
    for row in &rows.rows {
        // The kind is constrained by the table; a statement's addressee is not used (it goes
        // to an organ), and reads as the investigator as everywhere else (`filing::store`).
        let kind = Kind::parse(&col_text(row, 2)?).unwrap_or(Kind::Petition);
        let addressee = Addressee::parse(&col_text(row, 3)?).unwrap_or(Addressee::Investigator);
        let case = match (col_opt_int(row, 8), col_opt_text(row, 9)) {
            (Some(organ), Some(lead)) => {
                Some((organ, lead, col_opt_text(row, 10), col_opt_int(row, 11)))
            }
            _ => None,
        };
        out.push(Due {
            id: col_int(row, 0)?,
            registration_number: col_text(row, 1)?,
            kind,
            addressee,
            organ_id: col_opt_int(row, 4),
            filer_iin: col_text(row, 5)?,
            on_behalf_of_iin: col_opt_text(row, 6),
            due_unix: col_int(row, 7)?,
            case,
            case_id: col_opt_int(row, 12),
            in_custody: col_int(row, 13)? == 1,
            submitted_unix: col_int(row, 14)?,
        });
    }
    Ok(out)
}

impl Due {
    pub(crate) fn facts(&self) -> FilingFacts<'_> {
        FilingFacts {
            kind: self.kind,
            addressee: self.addressee,
            organ_id: self.organ_id,
            filer_iin: &self.filer_iin,
            on_behalf_of_iin: self.on_behalf_of_iin.as_deref(),
        }
    }

    pub(crate) fn case_facts(&self) -> Option<CaseFacts<'_>> {
        self.case
            .as_ref()
            .map(|(organ_id, lead, prosecutor, prosecutor_organ)| CaseFacts {
                organ_id: *organ_id,
                lead_officer_iin: lead,
                prosecutor_iin: prosecutor.as_deref(),
                prosecutor_organ_id: *prosecutor_organ,
            })
    }

    /// The officers, by current appointment, that `audience` of this filing's alerts names.
    pub(crate) async fn officers(
        &self,
        db: &Db,
        audience: Alerted,
    ) -> Result<Vec<String>, ApiError> {
        let case = self.case_facts();
        let none = -1;
        let rows = db
            .query(
                "SELECT iin, role, organ_id FROM officers
             WHERE active = 1 AND (organ_id IN (?, ?, ?) OR iin IN (?, ?))",
                &[
                    int(case.map_or(none, |c| c.organ_id)),
                    int(self.organ_id.unwrap_or(none)),
                    int(case.and_then(|c| c.prosecutor_organ_id).unwrap_or(none)),
                    text(case.map_or("", |c| c.lead_officer_iin)),
                    text(case.and_then(|c| c.prosecutor_iin).unwrap_or("")),
                ],
            )
            .await?;
        let mut out = Vec::new();
        for row in &rows.rows {
            let iin = col_text(row, 0)?;
            let Some(role) = Role::parse_officer(&col_text(row, 1)?) else {
                continue;
            };
            let appointment = appointment(role, col_int(row, 2)?);
            if authz::is_alerted(&iin, &appointment, self.facts(), case, audience)
                && !out.contains(&iin)
            {
                out.push(iin);
            }
        }
        Ok(out)
    }
}

/// An officer's appointment as the scheduler knows it: role and organ id (authority needs no
/// more of the organ).
pub(crate) fn appointment(role: Role, organ_id: i64) -> Appointment {
    Appointment {
        role,
        organ: Organ {
            id: organ_id,
            name: String::new(),
            region: String::new(),
            code: None,
            contact: None,
        },
    }
}

/// Tells, in the submission's transaction, whoever must learn at once that a filing arrived:
/// the officers who must answer it (as the due-soon reminder names them: the lead officer or
/// the prosecutor it is addressed to; for a statement, the heads of unit of its organ), with
/// the due time and whether it was filed in custody (art. 101: 24 hours to take it up); and
/// the person it was filed for, that it was made on their behalf.
pub async fn announce_arrival(db: &Db, filing_id: i64, at: &str) -> Result<(), ApiError> {
    let Some(filing) = due_rows(
        db,
        &format!("SELECT {DUE_COLUMNS} FROM filings f LEFT JOIN cases c ON c.id = f.case_id WHERE f.id = ?"),
        &[int(filing_id)],
    )
    .await?
    .pop() else {
        return Err(ApiError::Internal("the filing just stored is not there".into()));
    };
    let handlers = filing.officers(db, Alerted::Handlers).await?;
    notify::send(
        db,
        handlers.iter().map(String::as_str),
        Notice::FilingReceived,
        at,
        &serde_json::json!({
            "filing_id": filing.id, "registration_number": filing.registration_number,
            "kind": filing.kind.as_str(), "due_at": clock::almaty_text(filing.due_unix),
            "filed_in_detention": filing.in_custody,
        }),
    )
    .await?;
    if let Some(beneficiary) = filing
        .on_behalf_of_iin
        .as_deref()
        .filter(|b| *b != filing.filer_iin)
    {
        notify::send(
            db,
            [beneficiary],
            Notice::FiledOnBehalf,
            at,
            &serde_json::json!({
                "filing_id": filing.id, "registration_number": filing.registration_number,
                "kind": filing.kind.as_str(),
            }),
        )
        .await?;
    }
    Ok(())
}
