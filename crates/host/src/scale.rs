//! `jaria seed --cases N`: realistic volume for benchmarks and demos — organs, officers, and
//! per case a few participants (victim, suspect and defender), decisions, materials (some of
//! them under familiarisation grants) and filings. Documents are shared (content-addressed), so a
//! million cases stay a manageable file. Written in batches of one transaction each.

use std::path::Path;

use anyhow::Context as _;
use rusqlite::{Connection, params};

use crate::demo::append_audit;

const CASES_PER_ORGAN: usize = 2_000;
const INVESTIGATORS_PER_ORGAN: usize = 8;
const BATCH: usize = 5_000;
const DECISION_TYPES: [&str; 5] = [
    "recognition_as_victim",
    "recognition_as_suspect",
    "qualification_of_suspicion",
    "expert_examination",
    "suspension",
];

/// The valid IIN with the given 11 leading digits' serial, searching serials until one has a
/// check digit (about one in eleven has none).
pub fn iin_from(n: u64) -> String {
    let mut serial = n;
    loop {
        let base = format!(
            "{:02}{:02}{:02}{}{:04}",
            60 + serial % 40,
            1 + (serial / 40) % 12,
            1 + (serial / 480) % 28,
            3 + (serial / 13_440) % 2,
            (serial / 26_880) % 10_000
        );
        for check in 0..10 {
            let candidate = format!("{base}{check}");
            if jaria_portal::law::iin::Iin::parse(&candidate).is_ok() {
                return candidate;
            }
        }
        serial += 7_919_000_000;
    }
}

pub fn seed_cases(state_dir: &Path, count: usize) -> anyhow::Result<()> {
    let db = state_dir.join(crate::storage::DB_FILE);
    let mut conn = Connection::open(&db).with_context(|| format!("open {}", db.display()))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let now = jaria_portal::platform::clock::rfc3339(jaria_portal::platform::clock::now());
    let existing: i64 = conn.query_row("SELECT count(*) FROM cases", [], |r| r.get(0))?;
    let start = existing as usize;

    // Shared documents: one PDF per decision type and a few material documents.
    let tx = conn.transaction()?;
    let mut documents = Vec::new();
    for i in 0..8 {
        let pdf = format!(
            "%PDF-1.4\n% Jaria seeded document {i}\n{}\n%%EOF\n",
            "x".repeat(2_000 + i * 500)
        );
        let sha = jaria_portal::http::documents::sha256_hex(pdf.as_bytes());
        tx.execute(
            "INSERT OR IGNORE INTO documents (sha256, size, media_type, chunk_count, created_at) VALUES (?1, ?2, 'application/pdf', 1, ?3)",
            params![sha, pdf.len() as i64, now],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO document_chunks (sha256, idx, data) VALUES (?1, 0, ?2)",
            params![sha, pdf.as_bytes()],
        )?;
        documents.push(sha);
    }
    tx.commit()?;

    let mut organ_ids: Vec<i64> = Vec::new();
    let mut leads: Vec<Vec<String>> = Vec::new();
    let mut prosecutors: Vec<String> = Vec::new();
    let organs_needed = (start + count).div_ceil(CASES_PER_ORGAN).max(1);
    let tx = conn.transaction()?;
    for o in 0..organs_needed {
        let name = format!("Seeded police department {o:04}");
        tx.execute(
            "INSERT OR IGNORE INTO organs (name, region, created_at) VALUES (?1, ?2, ?3)",
            params![name, format!("Region {:02}", o % 17), now],
        )?;
        let id: i64 = tx.query_row("SELECT id FROM organs WHERE name = ?1", [&name], |r| {
            r.get(0)
        })?;
        let mut organ_leads = Vec::new();
        for k in 0..INVESTIGATORS_PER_ORGAN {
            let iin = iin_from(1_000_000 + (o * 16 + k) as u64);
            let name = format!("INVESTIGATOR {o}-{k}");
            appoint(&tx, (&iin, &name), "investigator", id, &now)?;
            organ_leads.push(iin);
        }
        let prosecutor = iin_from(9_000_000 + o as u64);
        appoint(
            &tx,
            (&prosecutor, &format!("PROSECUTOR {o}")),
            "prosecutor",
            id,
            &now,
        )?;
        organ_ids.push(id);
        leads.push(organ_leads);
        prosecutors.push(prosecutor);
    }
    tx.commit()?;

    let mut done = 0;
    while done < count {
        let tx = conn.transaction()?;
        let upto = (done + BATCH).min(count);
        for i in start + done..start + upto {
            let o = i / CASES_PER_ORGAN;
            // "26" and a 13-digit sequence: 15 digits, unique per seeded case.
            let erdr = format!("26{:013}", i + 1);
            let lead = &leads[o][i % INVESTIGATORS_PER_ORGAN];
            tx.execute(
                "INSERT INTO cases (erdr_number, registered_on, organ_id, lead_officer_iin, prosecutor_iin,
                     prosecutor_organ_id, articles, stage, created_at, updated_at)
                 VALUES (?1, '2026-01-15', ?2, ?3, ?4, ?2, '[\"art. 188 part 2\"]', 'under_investigation', ?5, ?5)",
                params![erdr, organ_ids[o], lead, prosecutors[o], now],
            )?;
            let case_id = tx.last_insert_rowid();
            let victim = iin_from(20_000_000 + 3 * i as u64);
            let suspect = iin_from(20_000_001 + 3 * i as u64);
            let defender = iin_from(20_000_002 + 3 * i as u64);
            for (iin, name) in [
                (&victim, "VICTIM"),
                (&suspect, "SUSPECT"),
                (&defender, "DEFENDER"),
            ] {
                tx.execute(
                    "INSERT OR IGNORE INTO persons (iin, full_name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                    params![iin, format!("{name} {i}"), now],
                )?;
            }
            for (iin, status, represented, state) in [
                (&victim, "victim", None, "confirmed"),
                (&suspect, "suspect", None, "confirmed"),
                (
                    &defender,
                    "defender",
                    Some(&suspect),
                    if i % 10 == 0 {
                        "requested"
                    } else {
                        "confirmed"
                    },
                ),
            ] {
                tx.execute(
                    "INSERT INTO case_participants (erdr_number, case_id, person_iin, status, represented_iin, basis, state, requested_at, due_unix)
                     VALUES (?1, ?2, ?3, ?4, ?5, '', ?6, ?7, ?8)",
                    params![erdr, case_id, iin, status, represented, state, now, 1_800_000_000i64 + (i % 86_400) as i64],
                )?;
            }
            let victim_participant = tx.last_insert_rowid() - 2;
            for (k, kind) in DECISION_TYPES.iter().enumerate().take(2 + i % 4) {
                tx.execute(
                    "INSERT INTO decisions (case_id, type, concerns_iin, decided_on, officer_iin, title, document_sha256, filename, created_at)
                     VALUES (?1, ?2, ?3, '2026-02-01', ?4, ?5, ?6, ?7, ?8)",
                    params![case_id, kind, concerns(kind, &victim, &suspect), lead, format!("Order {k}"), documents[k], format!("{kind}.pdf"), now],
                )?;
            }
            for k in 0..(1 + i % 3) {
                tx.execute(
                    "INSERT INTO materials (case_id, title, kind, document_sha256, filename, added_by, created_at)
                     VALUES (?1, ?2, 'protocol', ?3, 'material.pdf', ?4, ?5)",
                    params![case_id, format!("Protocol {k}"), documents[5 + k % 3], lead, now],
                )?;
            }
            // Filings: a petition from every other victim, a complaint from every fifth, and
            // a statement to the organ for every third case; some of them answered.
            let submitted_unix = 1_780_000_000i64 + (i % 100_000) as i64;
            let mut filings: Vec<(&str, &str, Option<i64>, Option<i64>)> = Vec::new();
            if i % 2 == 0 {
                filings.push(("petition", "investigator", Some(case_id), None));
            }
            if i % 5 == 0 {
                filings.push(("complaint", "head_of_unit", Some(case_id), None));
            }
            if i % 3 == 0 {
                filings.push(("crime_report", "investigator", None, Some(organ_ids[o])));
            }
            for (f, (kind, addressee, filing_case, organ)) in filings.into_iter().enumerate() {
                let letter = match kind {
                    "petition" => "P",
                    "complaint" => "C",
                    _ => "S",
                };
                let state = if (i + f) % 4 == 0 {
                    "decided"
                } else {
                    "submitted"
                };
                tx.execute(
                    "INSERT INTO filings (registration_number, kind, filer_iin, case_id, addressee, subject, body, state,
                         submitted_at, submitted_unix, due_unix, content_sha256, receipt, idempotency_key, request_sha256, organ_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'other', 'Seeded filing.', ?6, ?7, ?8, ?9, ?10, 'seeded', ?11, ?10, ?12)",
                    params![
                        format!("2026-{letter}-S{i:09}{f}"), kind, victim, filing_case, addressee, state, now,
                        submitted_unix, submitted_unix + 3 * 86_400, documents[0], format!("seed-{i}-{f}"), organ
                    ],
                )?;
                let filing_id = tx.last_insert_rowid();
                tx.execute(
                    "INSERT INTO filing_events (filing_id, at, kind, actor_iin) VALUES (?1, ?2, 'submitted', ?3)",
                    params![filing_id, now, victim],
                )?;
            }
            if i % 2 == 0 {
                tx.execute(
                    "INSERT INTO familiarisation_grants (participant_id, scope_all, material_ids, granted_by, granted_at)
                     VALUES (?1, 1, (SELECT json_group_array(id) FROM materials WHERE case_id = ?4), ?2, ?3)",
                    params![victim_participant, lead, now, case_id],
                )?;
            }
        }
        tx.commit()?;
        done = upto;
        eprintln!("Seeded {done} of {count} cases");
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    append_audit(&tx, &now, "cases_seeded", &format!("seed:{count}"))?;
    tx.commit()?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// A seeded officer `(iin, name)` appointed to `organ` in `role`.
fn appoint(
    tx: &rusqlite::Transaction<'_>,
    (iin, name): (&str, &str),
    role: &str,
    organ: i64,
    now: &str,
) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT OR IGNORE INTO officers (iin, full_name, role, organ_id, active, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, 'seed')",
        params![iin, name, role, organ, now],
    )
}

/// Whom a seeded personal decision is about.
fn concerns<'a>(kind: &str, victim: &'a str, suspect: &'a str) -> Option<&'a str> {
    match kind {
        "recognition_as_victim" => Some(victim),
        "recognition_as_suspect" | "qualification_of_suspicion" => Some(suspect),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_iins_are_valid_and_distinct() {
        let iins: std::collections::BTreeSet<String> =
            (0..2_000).map(|n| iin_from(20_000_000 + n)).collect();
        assert_eq!(iins.len(), 2_000);
        assert!(
            iins.iter()
                .all(|i| jaria_portal::law::iin::Iin::parse(i).is_ok())
        );
    }
}
