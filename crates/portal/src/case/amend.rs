//! Annulling and correcting a procedural decision. Neither deletes anything: each is a new
//! decision of the case that names the one it annuls or corrects, of the same type and about
//! the same person, so it reaches exactly whom the first one reached (the visibility table
//! decides both). The first stays listed, marked annulled or corrected, with the act that did
//! it; the people it reached are told.
//!
//! Who may: annulling is the supervisors' act over the officer (the table's
//! [`Act::AnnulDecision`]), and a head of unit annuls only what the unit decided, not the
//! prosecutor's own acts; correcting is the author's, while they still stand to the case.

use crate::case::authz::{Act, OfficerRelation};
use crate::platform::db::{Db, col_int, col_opt_text, col_text, int};
use crate::platform::error::ApiError;

use crate::law::DecisionType;

/// What a new decision does to an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Amendment {
    /// It annuls it: the earlier decision no longer has effect.
    Annuls,
    /// It corrects it (an error, an omission): the earlier decision stands as corrected.
    Corrects,
}

crate::text_enum!(Amendment {
    Annuls => "annuls",
    Corrects => "corrects",
});

impl Amendment {
    /// The act of the authorisation table this amendment is.
    pub fn act(self) -> Act {
        match self {
            Amendment::Annuls => Act::AnnulDecision,
            Amendment::Corrects => Act::CorrectDecision,
        }
    }
}

/// The decision an amendment names, as the case holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amended {
    pub id: i64,
    pub kind: DecisionType,
    pub concerns_iin: Option<String>,
    /// Its author.
    pub officer_iin: String,
    /// Whether it is itself an annulment or a correction (those are not amended in turn: a
    /// new decision is made instead).
    pub is_amendment: bool,
    /// Whether it has been annulled already.
    pub annulled: bool,
    /// Whether it is the prosecutor's office's own act: its author is a prosecutor, an officer
    /// of the office that supervises the case (its head included), or the supervising
    /// prosecutor.
    pub by_prosecutor: bool,
    /// An extension's new last day of the investigation's period.
    pub extended_until: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmendError {
    #[error("There is no such decision in this case.")]
    NotInCase,
    #[error(
        "A decision to go on on paper, an annulment or a correction is not amended; make a new decision instead."
    )]
    NotAmendable,
    #[error("This decision has already been annulled.")]
    AlreadyAnnulled,
    #[error("An amendment is of the type of the decision it amends.")]
    TypeDiffers,
    #[error("An amendment concerns the person the decision it amends concerns.")]
    ConcernsDiffers,
    /// A head of unit over the prosecutor's act; a correction by someone else than the author.
    #[error(
        "Only the decision's author corrects it, and a head of unit does not annul the prosecutor's decisions."
    )]
    NotTheirs,
}

impl From<AmendError> for ApiError {
    fn from(e: AmendError) -> Self {
        let message = e.to_string();
        match e {
            AmendError::NotInCase => {
                ApiError::invalid("amends_decision_id", "unknown_decision", &message)
            }
            AmendError::NotAmendable => {
                ApiError::invalid("amends_decision_id", "not_amendable", &message)
            }
            AmendError::TypeDiffers => ApiError::invalid("type", "type_differs", &message),
            AmendError::ConcernsDiffers => {
                ApiError::invalid("concerns_iin", "concerns_differs", &message)
            }
            AmendError::AlreadyAnnulled => ApiError::Conflict(message),
            AmendError::NotTheirs => ApiError::Forbidden,
        }
    }
}

/// What the officer's request names for the new decision (type and person may be left out:
/// they are the amended decision's).
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub kind: Option<DecisionType>,
    pub concerns_iin: Option<&'a str>,
}

/// Whether `me`, standing to the case as `relation` (which the table lets do
/// `amendment.act()`), may make `amendment` to `amended` as `named`; answers the new
/// decision's type and person.
pub fn check(
    amendment: Amendment,
    amended: &Amended,
    me_iin: &str,
    relation: OfficerRelation,
    named: Named<'_>,
) -> Result<(DecisionType, Option<String>), AmendError> {
    if amended.kind == DecisionType::SwitchToPaper || amended.is_amendment {
        return Err(AmendError::NotAmendable);
    }
    if amended.annulled {
        return Err(AmendError::AlreadyAnnulled);
    }
    if named.kind.is_some_and(|k| k != amended.kind) {
        return Err(AmendError::TypeDiffers);
    }
    if named
        .concerns_iin
        .is_some_and(|c| Some(c) != amended.concerns_iin.as_deref())
    {
        return Err(AmendError::ConcernsDiffers);
    }
    let theirs = match amendment {
        Amendment::Annuls => !(relation == OfficerRelation::HeadOfUnit && amended.by_prosecutor),
        Amendment::Corrects => amended.officer_iin == me_iin,
    };
    if !theirs {
        return Err(AmendError::NotTheirs);
    }
    Ok((amended.kind, amended.concerns_iin.clone()))
}

/// The decision `id` of the case `case_id`, as an amendment would find it.
pub async fn amended(db: &Db, case_id: i64, id: i64) -> Result<Amended, ApiError> {
    let row = db
        .one(
            "SELECT d.type, d.concerns_iin, d.officer_iin, d.amends_decision_id IS NOT NULL,
                    EXISTS (SELECT 1 FROM decisions x
                            WHERE x.amends_decision_id = d.id AND x.amendment = 'annuls'),
                    EXISTS (SELECT 1 FROM officers o
                            WHERE o.iin = d.officer_iin
                              AND (o.role = 'prosecutor' OR o.organ_id = c.prosecutor_organ_id
                                   OR o.iin = c.prosecutor_iin)),
                    d.extended_until
             FROM decisions d JOIN cases c ON c.id = d.case_id
             WHERE d.id = ? AND d.case_id = ?",
            &[int(id), int(case_id)],
        )
        .await?
        .ok_or(AmendError::NotInCase)?;
    Ok(Amended {
        id,
        kind: DecisionType::parse(&col_text(&row, 0)?).ok_or(AmendError::NotAmendable)?,
        concerns_iin: col_opt_text(&row, 1),
        officer_iin: col_text(&row, 2)?,
        is_amendment: col_int(&row, 3)? == 1,
        annulled: col_int(&row, 4)? == 1,
        by_prosecutor: col_int(&row, 5)? == 1,
        extended_until: col_opt_text(&row, 6),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTHOR: &str = "791028302728";
    const OTHER: &str = "061211600012";

    fn measure() -> Amended {
        Amended {
            id: 7,
            kind: DecisionType::PreventiveMeasure,
            concerns_iin: Some("900101300015".into()),
            officer_iin: AUTHOR.into(),
            is_amendment: false,
            annulled: false,
            by_prosecutor: false,
            extended_until: None,
        }
    }

    const NOTHING_NAMED: Named<'static> = Named {
        kind: None,
        concerns_iin: None,
    };

    #[test]
    fn an_amendment_is_of_the_amended_decisions_type_and_person() {
        let got = check(
            Amendment::Annuls,
            &measure(),
            OTHER,
            OfficerRelation::SupervisingProsecutor,
            NOTHING_NAMED,
        );
        assert_eq!(
            got,
            Ok((
                DecisionType::PreventiveMeasure,
                Some("900101300015".to_owned())
            ))
        );
        let named = |kind, concerns_iin| Named { kind, concerns_iin };
        for (named, error) in [
            (
                named(Some(DecisionType::Termination), None),
                AmendError::TypeDiffers,
            ),
            (named(None, Some(OTHER)), AmendError::ConcernsDiffers),
        ] {
            assert_eq!(
                check(
                    Amendment::Annuls,
                    &measure(),
                    OTHER,
                    OfficerRelation::SupervisingProsecutor,
                    named
                ),
                Err(error)
            );
        }
    }

    /// Who annuls and who corrects, per relation and author (the table has already let the
    /// relation do the act: the lead never annuls).
    #[test]
    fn supervisors_annul_and_authors_correct() {
        use OfficerRelation::*;
        let by_prosecutor = Amended {
            by_prosecutor: true,
            ..measure()
        };
        let cases = [
            (Amendment::Annuls, HeadOfUnit, &measure(), OTHER, true),
            (Amendment::Annuls, HeadOfUnit, &by_prosecutor, OTHER, false),
            (
                Amendment::Annuls,
                SupervisingProsecutor,
                &by_prosecutor,
                OTHER,
                true,
            ),
            (
                Amendment::Annuls,
                HeadOfProsecutorsOffice,
                &measure(),
                OTHER,
                true,
            ),
            (Amendment::Corrects, Lead, &measure(), AUTHOR, true),
            (Amendment::Corrects, Lead, &measure(), OTHER, false),
            (
                Amendment::Corrects,
                SupervisingProsecutor,
                &measure(),
                OTHER,
                false,
            ),
            (
                Amendment::Corrects,
                SupervisingProsecutor,
                &by_prosecutor,
                AUTHOR,
                true,
            ),
        ];
        for (amendment, relation, amended, me, allowed) in cases {
            assert_eq!(
                check(amendment, amended, me, relation, NOTHING_NAMED).is_ok(),
                allowed,
                "{amendment:?} by {relation:?}, author {}",
                amended.officer_iin == me
            );
        }
        assert!(!crate::case::authz::may(Lead, Amendment::Annuls.act()));
    }

    #[test]
    fn an_annulled_decision_an_amendment_or_the_paper_order_is_not_amended_again() {
        let annulled = Amended {
            annulled: true,
            ..measure()
        };
        let amendment = Amended {
            is_amendment: true,
            ..measure()
        };
        let paper = Amended {
            kind: DecisionType::SwitchToPaper,
            concerns_iin: None,
            ..measure()
        };
        for (amended, error) in [
            (&annulled, AmendError::AlreadyAnnulled),
            (&amendment, AmendError::NotAmendable),
            (&paper, AmendError::NotAmendable),
        ] {
            for how in [Amendment::Annuls, Amendment::Corrects] {
                assert_eq!(
                    check(
                        how,
                        amended,
                        AUTHOR,
                        OfficerRelation::HeadOfUnit,
                        NOTHING_NAMED
                    ),
                    Err(error)
                );
            }
        }
    }
}
