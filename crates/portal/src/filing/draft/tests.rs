use super::*;

const ERDR: &str = "267511031000001";
const IIN: &str = "920412400018";

fn petition() -> FilingRequest {
    FilingRequest {
        kind: "petition".into(),
        erdr_number: Some(ERDR.into()),
        text: "Please question the neighbour.".into(),
        ..FilingRequest::default()
    }
}

fn statement() -> FilingRequest {
    FilingRequest {
        kind: "crime_report".into(),
        organ_id: Some(7),
        text: "My car was stolen.".into(),
        warning_language: Some("ru".into()),
        ..FilingRequest::default()
    }
}

fn complaint(addressee: &str) -> FilingRequest {
    FilingRequest {
        kind: "complaint".into(),
        addressee: Some(addressee.into()),
        ..petition()
    }
}

/// The field and code a refused request names first.
fn refused(body: &FilingRequest) -> (String, String) {
    FilingDraft::try_from(body)
        .expect_err("refused")
        .first_field_error()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

#[test]
fn a_petition_goes_to_the_investigator_unless_it_names_the_prosecutor() {
    let draft = FilingDraft::try_from(&petition()).unwrap();
    assert_eq!(draft.kind, Kind::Petition);
    assert_eq!(draft.addressee, Addressee::Investigator);
    assert_eq!(draft.addressee_name(), "investigator");
    assert_eq!(draft.subject, Subject::Other);
    assert_eq!(draft.erdr.as_ref().map(ErdrNumber::as_str), Some(ERDR));
    assert_eq!(draft.organ_id, None);
    let to_prosecutor = FilingRequest {
        addressee: Some("prosecutor".into()),
        ..petition()
    };
    assert_eq!(
        FilingDraft::try_from(&to_prosecutor).unwrap().addressee,
        Addressee::Prosecutor
    );
    for wrong in ["head_of_unit", "investigating_judge", "court"] {
        let body = FilingRequest {
            addressee: Some(wrong.into()),
            ..petition()
        };
        assert_eq!(
            refused(&body),
            pair("addressee", "invalid_addressee"),
            "{wrong}"
        );
    }
}

#[test]
fn a_complaint_names_whom_it_is_to_and_may_name_its_subject() {
    assert_eq!(
        refused(&FilingRequest {
            addressee: None,
            ..complaint("head_of_unit")
        }),
        pair("addressee", "required")
    );
    assert_eq!(
        refused(&complaint("investigator")),
        pair("addressee", "invalid_addressee")
    );
    for to in ["head_of_unit", "prosecutor", "investigating_judge"] {
        assert!(FilingDraft::try_from(&complaint(to)).is_ok(), "{to}");
    }
    let detention = FilingRequest {
        subject: Some("detention".into()),
        ..complaint("prosecutor")
    };
    assert_eq!(
        FilingDraft::try_from(&detention).unwrap().subject,
        Subject::Detention
    );
    assert_eq!(
        refused(&FilingRequest {
            subject: Some("weather".into()),
            ..complaint("prosecutor")
        }),
        pair("subject", "invalid_subject")
    );
    assert_eq!(
        refused(&FilingRequest {
            subject: Some("detention".into()),
            ..petition()
        }),
        pair("subject", "not_allowed")
    );
}

#[test]
fn a_statement_goes_to_an_organ_and_names_no_case_addressee_or_principal() {
    let draft = FilingDraft::try_from(&statement()).unwrap();
    assert_eq!(draft.addressee_name(), "organ");
    assert_eq!(draft.organ_id, Some(7));
    assert_eq!(draft.erdr, None);
    let cases = [
        (
            FilingRequest {
                organ_id: None,
                ..statement()
            },
            pair("organ_id", "required"),
        ),
        (
            FilingRequest {
                erdr_number: Some(ERDR.into()),
                ..statement()
            },
            pair("erdr_number", "not_allowed"),
        ),
        (
            FilingRequest {
                addressee: Some("investigator".into()),
                ..statement()
            },
            pair("addressee", "invalid_addressee"),
        ),
        (
            FilingRequest {
                on_behalf_of_iin: Some(IIN.into()),
                ..statement()
            },
            pair("on_behalf_of_iin", "not_allowed"),
        ),
        (
            FilingRequest {
                filed_in_detention: true,
                ..statement()
            },
            pair("filed_in_detention", "not_allowed"),
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(refused(&body), expected, "{body:?}");
    }
}

#[test]
fn a_petition_or_complaint_names_its_case_and_no_organ() {
    assert_eq!(
        refused(&FilingRequest {
            erdr_number: None,
            ..petition()
        }),
        pair("erdr_number", "required")
    );
    assert_eq!(
        refused(&FilingRequest {
            erdr_number: Some("12345".into()),
            ..petition()
        }),
        pair("erdr_number", "invalid_erdr_number")
    );
    assert_eq!(
        refused(&FilingRequest {
            organ_id: Some(7),
            ..petition()
        }),
        pair("organ_id", "not_allowed")
    );
    // Spaces around the number are not part of it.
    let spaced = FilingRequest {
        erdr_number: Some(format!(" {ERDR} ")),
        ..petition()
    };
    assert!(FilingDraft::try_from(&spaced).is_ok());
}

#[test]
fn a_filing_for_someone_names_a_valid_iin() {
    let draft = FilingDraft::try_from(&FilingRequest {
        on_behalf_of_iin: Some(IIN.into()),
        ..petition()
    })
    .unwrap();
    assert_eq!(draft.on_behalf.as_ref().map(Iin::as_str), Some(IIN));
    assert_eq!(
        refused(&FilingRequest {
            on_behalf_of_iin: Some("920412400019".into()),
            ..petition()
        }),
        pair("on_behalf_of_iin", "invalid_iin")
    );
}

#[test]
fn attachments_are_at_most_ten_each_named_once() {
    let ids = |n: usize| (0..n).map(|i| format!("upload-{i}")).collect::<Vec<_>>();
    assert!(
        FilingDraft::try_from(&FilingRequest {
            attachments: ids(10),
            ..petition()
        })
        .is_ok()
    );
    assert_eq!(
        refused(&FilingRequest {
            attachments: ids(11),
            ..petition()
        }),
        pair("attachments", "too_many")
    );
    assert_eq!(
        refused(&FilingRequest {
            attachments: vec!["a".into(), "b".into(), "a".into()],
            ..petition()
        }),
        pair("attachments", "duplicate_attachment")
    );
}

#[test]
fn only_a_complaint_names_a_challenged_decision() {
    let body = FilingRequest {
        challenged_decision_id: Some(5),
        ..complaint("head_of_unit")
    };
    assert_eq!(
        FilingDraft::try_from(&body).unwrap().challenged_decision_id,
        Some(5)
    );
    assert_eq!(
        refused(&FilingRequest {
            challenged_decision_id: Some(5),
            ..petition()
        }),
        pair("challenged_decision_id", "unknown_decision")
    );
}

#[test]
fn the_kind_and_the_text_are_checked() {
    assert_eq!(
        refused(&FilingRequest {
            kind: "appeal".into(),
            ..petition()
        }),
        pair("kind", "invalid_kind")
    );
    assert_eq!(
        refused(&FilingRequest {
            text: "   ".into(),
            ..petition()
        })
        .0,
        "text"
    );
    assert_eq!(
        refused(&FilingRequest {
            text: "x".repeat(MAX_TEXT_CHARS + 1),
            ..petition()
        })
        .0,
        "text"
    );
    // Custody is a petition's or complaint's fact.
    assert!(
        FilingDraft::try_from(&FilingRequest {
            filed_in_detention: true,
            ..complaint("prosecutor")
        })
        .unwrap()
        .filed_in_detention
    );
}

#[test]
fn an_affected_person_complains_in_their_own_name_about_no_named_decision() {
    let affected = FilingRequest {
        affected_person: true,
        ..complaint("head_of_unit")
    };
    let draft = FilingDraft::try_from(&affected).unwrap();
    assert!(draft.affected_person);
    assert_eq!(draft.erdr.as_ref().map(ErdrNumber::as_str), Some(ERDR));
    let as_petition = FilingRequest {
        affected_person: true,
        ..petition()
    };
    assert_eq!(
        refused(&as_petition),
        pair("affected_person", "not_allowed")
    );
    let for_someone = FilingRequest {
        on_behalf_of_iin: Some(IIN.into()),
        ..affected.clone()
    };
    assert_eq!(
        refused(&for_someone),
        pair("on_behalf_of_iin", "not_allowed")
    );
    let naming_a_decision = FilingRequest {
        challenged_decision_id: Some(5),
        ..affected.clone()
    };
    assert_eq!(
        refused(&naming_a_decision),
        pair("challenged_decision_id", "not_allowed")
    );
    let without_a_number = FilingRequest {
        erdr_number: None,
        ..affected
    };
    assert_eq!(refused(&without_a_number).0, "erdr_number");
}

#[test]
fn only_a_statement_carries_the_false_report_warning_in_a_language_of_the_page() {
    let warned = |language: &str, body: FilingRequest| FilingRequest {
        warning_language: Some(language.into()),
        ..body
    };
    let draft = FilingDraft::try_from(&warned("kk", statement())).unwrap();
    assert_eq!(draft.warning_language, Some("kk"));
    // A statement is never filed without the acknowledgement (art. 181).
    let unwarned = FilingRequest {
        warning_language: None,
        ..statement()
    };
    assert_eq!(refused(&unwarned), pair("warning_language", "required"));
    assert_eq!(
        refused(&warned("de", statement())),
        pair("warning_language", "invalid_language")
    );
    assert_eq!(
        refused(&warned("ru", petition())),
        pair("warning_language", "not_allowed")
    );
}
