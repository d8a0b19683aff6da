use super::*;

fn answer(outcome: &str) -> AnswerRequest {
    AnswerRequest {
        outcome: outcome.into(),
        reasoning: "Considered on its merits.".into(),
        ..AnswerRequest::default()
    }
}

fn refused(body: &AnswerRequest) -> (String, String) {
    AnswerDraft::try_from(body)
        .expect_err("refused")
        .first_field_error()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

#[test]
fn an_answer_on_the_merits_names_nothing_else() {
    for outcome in [
        "granted",
        "partially_granted",
        "rejected",
        "left_without_consideration",
    ] {
        let draft = AnswerDraft::try_from(&answer(outcome)).unwrap();
        assert_eq!(draft.outcome.as_str(), outcome);
        assert_eq!(draft.forwarded_to, None);
        assert_eq!(draft.erdr, None);
        assert_eq!(
            refused(&AnswerRequest {
                forwarded_to: Some("The prosecutor".into()),
                ..answer(outcome)
            }),
            pair("forwarded_to", "not_allowed")
        );
        assert_eq!(
            refused(&AnswerRequest {
                forwarded_to_organ_id: Some(3),
                ..answer(outcome)
            }),
            pair("forwarded_to", "not_allowed")
        );
        assert_eq!(
            refused(&AnswerRequest {
                erdr_number: Some("267511031000001".into()),
                ..answer(outcome)
            }),
            pair("erdr_number", "not_allowed")
        );
        assert_eq!(
            refused(&AnswerRequest {
                applicant_is_victim: true,
                ..answer(outcome)
            }),
            pair("applicant_is_victim", "not_allowed")
        );
    }
}

#[test]
fn a_forwarded_filing_names_where_it_went_one_way() {
    let to_official = AnswerDraft::try_from(&AnswerRequest {
        forwarded_to: Some("  Prosecutor of Almaty  ".into()),
        ..answer("forwarded")
    })
    .unwrap();
    assert_eq!(
        to_official.forwarded_to_official(),
        Some("Prosecutor of Almaty")
    );
    assert_eq!(to_official.forwarded_to_organ(), None);
    let to_organ = AnswerDraft::try_from(&AnswerRequest {
        forwarded_to_organ_id: Some(3),
        ..answer("forwarded")
    })
    .unwrap();
    assert_eq!(to_organ.forwarded_to_organ(), Some(3));
    assert_eq!(
        refused(&answer("forwarded")),
        pair("forwarded_to", "required")
    );
    assert_eq!(
        refused(&AnswerRequest {
            forwarded_to: Some("Prosecutor".into()),
            forwarded_to_organ_id: Some(3),
            ..answer("forwarded")
        }),
        pair("forwarded_to", "not_allowed")
    );
    assert_eq!(
        refused(&AnswerRequest {
            forwarded_to: Some("x".repeat(MAX_FORWARDED_TO_CHARS + 1)),
            ..answer("forwarded")
        })
        .0,
        "forwarded_to"
    );
}

#[test]
fn a_registered_statement_names_its_case_and_may_recognise_the_victim() {
    let draft = AnswerDraft::try_from(&AnswerRequest {
        erdr_number: Some(" 267511031000001 ".into()),
        applicant_is_victim: true,
        ..answer("registered")
    })
    .unwrap();
    assert_eq!(
        draft.erdr.as_ref().map(ErdrNumber::as_str),
        Some("267511031000001")
    );
    assert!(draft.applicant_is_victim);
    assert_eq!(
        refused(&answer("registered")),
        pair("erdr_number", "required")
    );
    assert_eq!(
        refused(&AnswerRequest {
            erdr_number: Some("26751103".into()),
            ..answer("registered")
        }),
        pair("erdr_number", "invalid_erdr_number")
    );
}

#[test]
fn the_outcome_and_the_reasoning_are_checked() {
    assert_eq!(
        refused(&answer("approved")),
        pair("outcome", "invalid_outcome")
    );
    assert_eq!(
        refused(&AnswerRequest {
            reasoning: " ".into(),
            ..answer("granted")
        })
        .0,
        "reasoning"
    );
    assert_eq!(
        refused(&AnswerRequest {
            reasoning: "x".repeat(MAX_REASONING_CHARS + 1),
            ..answer("granted")
        })
        .0,
        "reasoning"
    );
}
