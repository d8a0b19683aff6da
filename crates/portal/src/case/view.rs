//! What a confirmed participant sees of a case: the decisions their statuses receive, the
//! materials a live grant opens, and who looked at what concerns them. The rules themselves
//! are [`crate::law::visibility`] and [`super::grant`]; this is their reading of the database.

use crate::http::paging::TimePage;
use crate::identity::auth::Principal;
use crate::platform::clock;
use crate::platform::db::{Db, col_int, col_opt_text, col_text, int, text};
use crate::platform::error::ApiError;

use super::amend::Amendment;
use super::grant::any_covers;
use super::store::{self, CaseRow, Participation, Standing};
use crate::law::DecisionType;
use crate::law::visibility::receives_concerning;

pub struct DecisionRow {
    pub id: i64,
    pub kind: DecisionType,
    pub decided_on: String,
    pub title: String,
    pub sha: String,
    pub filename: String,
    /// The officer who made the decision: whose signature of the document counts.
    pub officer_iin: String,
    /// Who signed the document with EDS and when (`None`: not signed).
    pub signature: Option<serde_json::Value>,
    /// The earlier decision this one annuls or corrects ([`super::amend`]).
    pub amends: Option<(i64, Amendment)>,
    /// The decisions of the same list that annul or correct this one: (id, how, decided on).
    pub amended_by: Vec<(i64, Amendment, String)>,
}

/// `amends` as the API shows it (null when it amends nothing).
pub fn amends_json(amends: Option<(i64, Amendment)>) -> serde_json::Value {
    amends.map_or(
        serde_json::Value::Null,
        |(id, how)| serde_json::json!({ "decision_id": id, "amendment": how }),
    )
}

/// `amended_by` as the API shows it.
pub fn amended_by_json(amended_by: &[(i64, Amendment, String)]) -> serde_json::Value {
    amended_by
        .iter()
        .map(|(id, how, on)| serde_json::json!({ "decision_id": id, "amendment": how, "decided_on": on }))
        .collect()
}

/// One amendment among a list's decisions: (the decision it amends, its own id, how, the day
/// it was decided).
pub type AmendmentLink = (i64, i64, Amendment, String);

/// Of `links`, those amending the decision `id`: (id, how, decided on).
pub fn amended_by(links: &[AmendmentLink], id: i64) -> Vec<(i64, Amendment, String)> {
    links
        .iter()
        .filter(|(target, ..)| *target == id)
        .map(|(_, by, how, on)| (*by, *how, on.clone()))
        .collect()
}

/// Marks each decision of `rows` with the decisions of `rows` that amend it: a reader learns
/// of an annulment or a correction exactly when it reaches them.
pub fn link_amendments(rows: &mut [DecisionRow]) {
    let links: Vec<AmendmentLink> = rows
        .iter()
        .filter_map(|d| {
            d.amends
                .map(|(target, how)| (target, d.id, how, d.decided_on.clone()))
        })
        .collect();
    for row in rows.iter_mut() {
        row.amended_by = amended_by(&links, row.id);
    }
}

/// The decisions my effective statuses in force receive, and those served to me under a status
/// that ended ([`super::served`]), newest first.
pub async fn visible_decisions(
    db: &Db,
    me: &Principal,
    case: &CaseRow,
    mine: &[Participation],
) -> Result<Vec<DecisionRow>, ApiError> {
    let viewer = store::effective_statuses(db, case.id, &me.iin, mine).await?;
    let rows = db.query(
        "SELECT d.id, d.type, d.decided_on, d.title, d.document_sha256, d.filename, d.concerns_iin,
                d.officer_iin, s.cms_sha256, s.signer_name, s.signing_time,
                kept.decision_id IS NOT NULL, d.amends_decision_id, d.amendment
         FROM decisions d LEFT JOIN document_signatures s
           ON s.document_sha256 = d.document_sha256 AND s.signer_iin = d.officer_iin
         LEFT JOIN served_decisions kept
           ON kept.case_id = d.case_id AND kept.person_iin = ?2 AND kept.decision_id = d.id
         WHERE d.case_id = ?1 ORDER BY d.id DESC LIMIT 500",
        &[int(case.id), text(&me.iin)],
    ).await?;
    let mut out = Vec::new();
    for r in &rows.rows {
        let Some(kind) = DecisionType::parse(&col_text(r, 1)?) else {
            continue;
        };
        let served_earlier = col_int(r, 11)? == 1;
        if served_earlier || receives_concerning(kind, col_opt_text(r, 6).as_deref(), &viewer) {
            out.push(DecisionRow {
                id: col_int(r, 0)?,
                kind,
                decided_on: col_text(r, 2)?,
                title: col_text(r, 3)?,
                sha: col_text(r, 4)?,
                filename: col_text(r, 5)?,
                officer_iin: col_text(r, 7)?,
                signature: col_opt_text(r, 8).map(|cms_sha256| {
                    serde_json::json!({
                        "cms_sha256": cms_sha256, "signer_iin": col_opt_text(r, 7),
                        "signer_name": col_opt_text(r, 9), "signing_time": col_opt_text(r, 10),
                    })
                }),
                amends: r
                    .get::<i64>(12)
                    .zip(col_opt_text(r, 13).as_deref().and_then(Amendment::parse)),
                amended_by: Vec::new(),
            });
        }
    }
    link_amendments(&mut out);
    Ok(out)
}

/// The period of the investigation of `case` as of `now` (art. 192): from its registration and
/// the decisions that move it, leaving out those annulled and those corrected (the correction
/// counts in their place, on their day), the annulments themselves, and a correction of a
/// decision since annulled. `viewer`: the statuses whose decisions the reader receives; the
/// extensions listed are only those among them (an officer passes `None`: all).
pub async fn investigation_term(
    db: &Db,
    case: &CaseRow,
    now: chrono::DateTime<chrono::Utc>,
    viewer: Option<&[(crate::law::ProceduralStatus, String)]>,
) -> Result<Option<serde_json::Value>, ApiError> {
    use super::term::{self, TermDecision};
    let Ok(registered_on) = chrono::NaiveDate::parse_from_str(&case.registered_on, "%Y-%m-%d")
    else {
        return Ok(None);
    };
    let rows = db
        .query(
            "SELECT d.id, d.type, ifnull(corrected.decided_on, d.decided_on), d.extended_until
             FROM decisions d LEFT JOIN decisions corrected ON corrected.id = d.amends_decision_id
             WHERE d.case_id = ? AND d.type IN ('suspension', 'resumption',
                                                'extension_of_investigation_period')
               AND d.amendment IS NOT 'annuls'
               AND NOT EXISTS (SELECT 1 FROM decisions x WHERE x.amends_decision_id = d.id)
               AND NOT EXISTS (SELECT 1 FROM decisions x
                               WHERE x.amends_decision_id = d.amends_decision_id
                                 AND x.amendment = 'annuls')",
            &[int(case.id)],
        )
        .await?;
    let date = |text: Option<String>| {
        text.and_then(|t| chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
    };
    let decisions: Vec<TermDecision> = rows
        .rows
        .iter()
        .filter_map(|r| {
            Some(TermDecision {
                id: col_int(r, 0).ok()?,
                kind: DecisionType::parse(&col_text(r, 1).ok()?)?,
                decided_on: date(col_opt_text(r, 2))?,
                extended_until: date(col_opt_text(r, 3)),
            })
        })
        .collect();
    let stage = super::Stage::parse(&case.stage).unwrap_or(super::Stage::UnderInvestigation);
    let initial_months = crate::law::shipped()
        .map(|l| l.deadlines.investigation_initial_months)
        .unwrap_or(2);
    let mut term = term::compute(
        registered_on,
        initial_months,
        &decisions,
        stage,
        clock::almaty_date(now),
        crate::law::deadline::Calendar::shipped(),
    );
    // The period's last day is the case's progress, shown to everyone in force; which
    // decisions extended it, only to those the decisions reach.
    if let Some(viewer) = viewer
        && !receives_concerning(DecisionType::ExtensionOfInvestigationPeriod, None, viewer)
    {
        term.extensions.clear();
    }
    Ok(Some(term.json()))
}

pub struct MaterialRow {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub sha: String,
    pub filename: String,
}

/// The materials a live grant of mine covers. A grant of a status limited to the civil claim
/// opens only the claim's materials, whatever it lists: the limit is the status's as it
/// stands now (a representative whose other principal status ended keeps only the claim's).
pub async fn visible_materials(
    db: &Db,
    case: &CaseRow,
    mine: &[Participation],
) -> Result<Vec<MaterialRow>, ApiError> {
    let now = clock::now().timestamp();
    let mut grants = Vec::new();
    for p in mine {
        let live: Vec<_> = store::grants_of(db, &[p.id])
            .await?
            .into_iter()
            .filter(|g| g.is_live(now))
            .collect();
        if live.is_empty() {
            continue;
        }
        let claim_only =
            super::conduct::civil_claim_only(db, case.id, p.status, p.represented_iin.as_deref())
                .await?;
        grants.push((live, claim_only));
    }
    if grants.is_empty() {
        return Ok(Vec::new());
    }
    let rows = db
        .query(
            // A restricted material is never shown, whatever a grant says.
            "SELECT id, title, kind, document_sha256, filename, civil_claim FROM materials
         WHERE case_id = ? AND restricted = 0 ORDER BY id DESC LIMIT 1000",
            &[int(case.id)],
        )
        .await?;
    let mut out = Vec::new();
    for r in &rows.rows {
        let id = col_int(r, 0)?;
        let of_the_claim = col_int(r, 5)? == 1;
        if grants
            .iter()
            .any(|(live, claim_only)| (!claim_only || of_the_claim) && any_covers(live, id, now))
        {
            out.push(MaterialRow {
                id,
                title: col_text(r, 1)?,
                kind: col_text(r, 2)?,
                sha: col_text(r, 3)?,
                filename: col_text(r, 4)?,
            });
        }
    }
    Ok(out)
}

pub async fn shown_additions(
    db: &Db,
    me: &Principal,
    case: &CaseRow,
    mine: &[Participation],
) -> Result<(String, String), ApiError> {
    let decisions: Vec<i64> = visible_decisions(db, me, case, mine)
        .await?
        .iter()
        .map(|d| d.id)
        .collect();
    let materials: Vec<i64> = visible_materials(db, case, mine)
        .await?
        .iter()
        .map(|m| m.id)
        .collect();
    Ok((
        serde_json::json!(decisions).to_string(),
        serde_json::json!(materials).to_string(),
    ))
}

/// One page of the case's access log as `me` may see it (see the `cases` component's
/// `access_log`): the entries, the last one's (time, order) for the cursor, and how many.
pub async fn access_log(
    db: &Db,
    me: &Principal,
    case: &CaseRow,
    standing: &Standing,
    page: &TimePage,
) -> Result<(Vec<serde_json::Value>, Option<(String, i64)>, usize), ApiError> {
    // Who touched my statuses, ended ones too (it is my data); the case's own entries only
    // while a status is in force: nothing new of the case reaches someone who left it.
    let mut subjects: Vec<String> = standing
        .in_force
        .iter()
        .map(|p| p.id)
        .chain(standing.past.iter().map(|p| p.status.id))
        .map(|id| format!("participant:{id}"))
        .collect();
    if !standing.ended() {
        subjects.push(format!("case:{}", case.erdr_number));
    }
    let (shown_decisions, shown_materials) =
        shown_additions(db, me, case, &standing.in_force).await?;
    let first = 7;
    let placeholders = (first..first + subjects.len())
        .map(|n| format!("?{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let (before_at, before_seq) = page.before.clone().unzip();
    let mut params = vec![
        int(case.id),
        text(&me.iin),
        crate::platform::db::opt_text(before_at),
        before_seq
            .map(int)
            .unwrap_or(crate::platform::db::SqlValue::Null),
        text(shown_decisions),
        text(shown_materials),
    ];
    params.extend(subjects.iter().map(text));
    // Changes are in the chained audit log, reads in the read log: one timeline, newest
    // first, paged by time (each table's own ids are no common order).
    let rows = db.query(
            &format!(
                "SELECT a.at, a.actor_iin, a.actor_role, a.action, o.full_name, a.seq
                 FROM (SELECT at, actor_iin, actor_role, action, subject, id * 2 AS seq, detail
                         FROM audit_log WHERE case_id = ?1
                       UNION ALL
                       SELECT at, actor_iin, actor_role, action, subject, id * 2 + 1 AS seq, detail
                         FROM read_log WHERE case_id = ?1) a
                 LEFT JOIN officers o ON o.iin = a.actor_iin
                 WHERE (a.actor_iin = ?2 OR a.subject IN ({placeholders}))
                   AND (a.action NOT IN ('decision_added', 'decision_annulled',
                                         'decision_corrected', 'material_added')
                        OR (a.action IN ('decision_added', 'decision_annulled', 'decision_corrected')
                            AND json_extract(a.detail, '$.id') IN (SELECT value FROM json_each(?5)))
                        OR (a.action = 'material_added'
                            AND json_extract(a.detail, '$.id') IN (SELECT value FROM json_each(?6))))
                   AND (?3 IS NULL OR a.at < ?3 OR (a.at = ?3 AND a.seq < ?4))
                 ORDER BY a.at DESC, a.seq DESC {}",
                crate::platform::db::limit(page.limit)
            ),
            &params,
        ).await?;
    let list = rows.each(|r| {
        let actor_iin = col_opt_text(r, 1);
        let role = col_text(r, 2)?;
        let who = if actor_iin.as_deref() == Some(me.iin.as_str()) {
            serde_json::json!({ "kind": "you" })
        } else if crate::identity::Role::parse_officer(&role).is_some() {
            serde_json::json!({ "kind": "officer", "name": col_opt_text(r, 4), "role": role })
        } else {
            serde_json::json!({ "kind": "participant" })
        };
        Ok(serde_json::json!({ "at": col_text(r, 0)?, "action": col_text(r, 3)?, "who": who }))
    })?;
    let last = rows
        .rows
        .last()
        .map(|r| Ok::<_, ApiError>((col_text(r, 0)?, col_int(r, 5)?)))
        .transpose()?;
    Ok((list, last, rows.rows.len()))
}

/// Whether `decision_id` is a decision of the case that the person `iin` was given (one their
/// effective statuses receive). Unknown and hidden answer alike: a complaint naming any other
/// would be an oracle for the decisions hidden from its filer.
pub async fn decision_given_to(
    db: &Db,
    case_id: i64,
    decision_id: i64,
    iin: &str,
) -> Result<bool, ApiError> {
    let Some(row) = db
        .one(
            "SELECT type, concerns_iin FROM decisions WHERE id = ? AND case_id = ?",
            &[int(decision_id), int(case_id)],
        )
        .await?
    else {
        return Ok(false);
    };
    let mine = store::confirmed_participations(db, case_id, iin).await?;
    let viewer = store::effective_statuses(db, case_id, iin, &mine).await?;
    Ok(
        DecisionType::parse(&col_text(&row, 0)?).is_some_and(|decided| {
            receives_concerning(decided, col_opt_text(&row, 1).as_deref(), &viewer)
        }),
    )
}

/// Who conducts the case, as its participants are told (the card): the lead officer and the
/// supervising prosecutor, each with their role and organ.
pub async fn conducting_officers(db: &Db, case: &CaseRow) -> Result<serde_json::Value, ApiError> {
    let rows = db
        .query(
            "SELECT o.iin, o.full_name, o.role, g.name, g.contact FROM officers o
             JOIN organs g ON g.id = o.organ_id WHERE o.iin IN (?, ?)",
            &[
                text(&case.lead_officer_iin),
                text(case.prosecutor_iin.as_deref().unwrap_or("")),
            ],
        )
        .await?;
    let person = |iin: Option<&str>| -> Result<serde_json::Value, ApiError> {
        let Some(iin) = iin else {
            return Ok(serde_json::Value::Null);
        };
        for r in &rows.rows {
            if col_text(r, 0)? == iin {
                return Ok(serde_json::json!({
                    "full_name": col_text(r, 1)?, "role": col_text(r, 2)?, "organ": col_text(r, 3)?,
                    "contact": col_opt_text(r, 4),
                }));
            }
        }
        Ok(serde_json::Value::Null)
    };
    Ok(serde_json::json!({
        "lead_officer": person(Some(&case.lead_officer_iin))?,
        "supervising_prosecutor": person(case.prosecutor_iin.as_deref())?,
    }))
}

/// The rights of each status of mine in force, in the three languages, with their articles
/// (the law data's `rights.json`).
pub fn rights_of(mine: &[Participation]) -> serde_json::Value {
    let Ok(law) = crate::law::shipped() else {
        return serde_json::json!([]);
    };
    let mut shown: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for p in mine {
        let status = p.status.as_str();
        if shown.contains(&status) {
            continue;
        }
        shown.push(status);
        if let Some(r) = law.rights.iter().find(|r| r.status == status) {
            out.push(serde_json::json!({
                "procedural_status": status, "articles": r.articles,
                "text": { "kk": r.kk, "ru": r.ru, "en": r.en },
            }));
        }
    }
    serde_json::Value::Array(out)
}
