//! What was served stays with the person. When a status ends, everyone whose access ends with
//! it keeps, read-only, the decisions it gave them until that moment (a released suspect keeps
//! the termination order, their defender what they received for them); nothing new reaches
//! them. The set is written in the transaction that ends the status, from the visibility rules
//! as they stand then, so no later decision or rule can widen it.

use crate::platform::db::{Db, col_int, col_opt_text, col_text, int, text};
use crate::platform::error::ApiError;

use super::store;
use crate::law::DecisionType;
use crate::law::status::ProceduralStatus;
use crate::law::visibility::receives_concerning;

/// The status that ends: whose, which, and for whom it acted.
#[derive(Debug, Clone, Copy)]
pub struct Ending<'a> {
    pub person_iin: &'a str,
    pub status: ProceduralStatus,
    pub represented_iin: Option<&'a str>,
}

/// One person who loses access through the ending status, and the statuses (with their
/// holders) through which they saw decisions: what they keep is what those received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keeper {
    pub iin: String,
    pub through: Vec<(ProceduralStatus, String)>,
}

/// Who loses access when `ending` ends: its holder, through what it gave them, and if it is
/// a principal status, each person acting for its holder in a way that rested on it. `agents`
/// are the confirmed statuses acting for the holder: (agent's IIN, agent's status).
/// `principal_statuses` are the confirmed statuses of the person an acting status acts for.
pub fn keepers(
    ending: Ending<'_>,
    agents: &[(String, ProceduralStatus)],
    principal_statuses: &[ProceduralStatus],
) -> Vec<Keeper> {
    if ending.status.acts_for_another() {
        let Some(principal) = ending.represented_iin else {
            return Vec::new();
        };
        let through: Vec<_> = principal_statuses
            .iter()
            .filter(|s| !s.acts_for_another() && ending.status.may_act_for(**s))
            .map(|s| (*s, principal.to_owned()))
            .collect();
        return vec![Keeper {
            iin: ending.person_iin.to_owned(),
            through,
        }];
    }
    let through = vec![(ending.status, ending.person_iin.to_owned())];
    let mut out = vec![Keeper {
        iin: ending.person_iin.to_owned(),
        through: through.clone(),
    }];
    for (agent, status) in agents {
        if status.may_act_for(ending.status) {
            out.push(Keeper {
                iin: agent.clone(),
                through: through.clone(),
            });
        }
    }
    out
}

/// Keeps for everyone who loses access through `ending` the decisions of the case it gave
/// them. Runs inside the transaction that ends the status, before its row changes. Returns how
/// many (person, decision) pairs were kept.
pub async fn keep(db: &Db, case_id: i64, ending: Ending<'_>, now: &str) -> Result<usize, ApiError> {
    let agents = db
        .query(
            "SELECT person_iin, status FROM case_participants
             WHERE case_id = ? AND represented_iin = ? AND state = 'confirmed'",
            &[int(case_id), text(ending.person_iin)],
        )
        .await?
        .rows
        .iter()
        .filter_map(|r| {
            let status = ProceduralStatus::parse(col_opt_text(r, 1)?.as_str())?;
            Some(col_text(r, 0).map(|iin| (iin, status)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let principal_statuses =
        store::principal_statuses(db, case_id, ending.status, ending.represented_iin).await?;
    let keepers = keepers(ending, &agents, &principal_statuses);
    let decisions = db
        .query(
            "SELECT id, type, concerns_iin FROM decisions WHERE case_id = ? ORDER BY id",
            &[int(case_id)],
        )
        .await?;
    let mut kept = 0;
    for keeper in &keepers {
        let mut ids = Vec::new();
        for r in &decisions.rows {
            let Some(kind) = DecisionType::parse(&col_text(r, 1)?) else {
                continue;
            };
            if receives_concerning(kind, col_opt_text(r, 2).as_deref(), &keeper.through) {
                ids.push(col_int(r, 0)?);
            }
        }
        if ids.is_empty() {
            continue;
        }
        kept += ids.len();
        db.exec(
            "INSERT OR IGNORE INTO served_decisions (case_id, person_iin, decision_id, kept_at)
             SELECT ?, ?, value, ? FROM json_each(?)",
            &[
                int(case_id),
                text(&keeper.iin),
                text(now),
                text(serde_json::json!(ids).to_string()),
            ],
        )
        .await?;
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProceduralStatus::*;

    const SUSPECT: &str = "900101300011";
    const ADVOCATE: &str = "800101300022";
    const PARENT: &str = "700101400033";

    fn ending(status: ProceduralStatus, represented: Option<&'static str>) -> Ending<'static> {
        Ending {
            person_iin: if represented.is_some() {
                ADVOCATE
            } else {
                SUSPECT
            },
            status,
            represented_iin: represented,
        }
    }

    #[test]
    fn a_principal_keeps_what_their_status_received_and_so_do_those_who_acted_on_it() {
        let agents = [
            (ADVOCATE.to_owned(), Defender),
            (PARENT.to_owned(), LegalRepresentative),
        ];
        let kept = keepers(ending(Suspect, None), &agents, &[]);
        let through = vec![(Suspect, SUSPECT.to_owned())];
        assert_eq!(
            kept,
            vec![
                Keeper {
                    iin: SUSPECT.into(),
                    through: through.clone()
                },
                Keeper {
                    iin: ADVOCATE.into(),
                    through: through.clone()
                },
                Keeper {
                    iin: PARENT.into(),
                    through
                },
            ]
        );
    }

    #[test]
    fn an_agent_who_could_not_act_for_the_ended_status_keeps_nothing_of_it() {
        // A representative acts for a victim, not for a suspect: ending the suspect's status
        // takes nothing from them (they never saw through it).
        let agents = [(ADVOCATE.to_owned(), Representative)];
        let kept = keepers(ending(Suspect, None), &agents, &[]);
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(kept[0].iin, SUSPECT);
    }

    #[test]
    fn a_withdrawing_defender_keeps_what_came_through_the_client_statuses_they_served() {
        let kept = keepers(
            ending(Defender, Some(SUSPECT)),
            &[],
            &[Suspect, Victim, Defender],
        );
        assert_eq!(
            kept,
            vec![Keeper {
                iin: ADVOCATE.into(),
                through: vec![(Suspect, SUSPECT.to_owned())],
            }]
        );
        // Acting for nobody on record, they saw nothing through it.
        assert!(keepers(ending(Defender, None), &[], &[Suspect]).is_empty());
    }
}
