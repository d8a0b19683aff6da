use super::*;

const ME: &str = "791028302728";
const OTHER: &str = "061211600012";

fn organ(id: i64, code: Option<&str>) -> Organ {
    Organ {
        id,
        name: format!("organ {id}"),
        region: "Almaty".into(),
        code: code.map(str::to_owned),
        contact: None,
    }
}

fn appointed(role: Role, organ_id: i64) -> Option<Appointment> {
    Some(Appointment {
        role,
        organ: organ(organ_id, None),
    })
}

/// A case of organ 1 led by ME and supervised by prosecutor OTHER of organ 9.
fn case<'a>(lead: &'a str, prosecutor: Option<&'a str>) -> CaseFacts<'a> {
    CaseFacts {
        organ_id: 1,
        lead_officer_iin: lead,
        prosecutor_iin: prosecutor,
        prosecutor_organ_id: prosecutor.map(|_| 9),
    }
}

#[test]
fn the_lead_officer_acts_only_while_appointed_to_the_cases_organ() {
    let c = case(ME, None);
    assert_eq!(
        relations(ME, appointed(Role::Investigator, 1).as_ref(), c),
        [OfficerRelation::Lead]
    );
    assert_eq!(
        relations(ME, appointed(Role::Inquirer, 1).as_ref(), c),
        [OfficerRelation::Lead]
    );
    // Transferred to another organ: the old organ's case is gone for them at once.
    assert!(relations(ME, appointed(Role::Investigator, 2).as_ref(), c).is_empty());
    // Dismissed: no appointment, no case.
    assert!(relations(ME, None, c).is_empty());
    // Made a prosecutor in the same organ: a prosecutor does not lead.
    assert!(relations(ME, appointed(Role::Prosecutor, 1).as_ref(), c).is_empty());
}

#[test]
fn the_head_of_unit_acts_on_the_cases_of_the_organ_they_head_now() {
    let c = case(OTHER, None);
    assert_eq!(
        relations(ME, appointed(Role::HeadOfUnit, 1).as_ref(), c),
        [OfficerRelation::HeadOfUnit]
    );
    assert!(relations(ME, appointed(Role::HeadOfUnit, 2).as_ref(), c).is_empty());
    // An investigator of the organ who does not lead the case has no relation to it.
    assert!(relations(ME, appointed(Role::Investigator, 1).as_ref(), c).is_empty());
}

#[test]
fn the_supervising_prosecutor_acts_only_while_in_the_office_they_were_assigned_from() {
    let c = case(OTHER, Some(ME));
    assert_eq!(
        relations(ME, appointed(Role::Prosecutor, 9).as_ref(), c),
        [OfficerRelation::SupervisingProsecutor]
    );
    // Moved to another prosecutor's office.
    assert!(relations(ME, appointed(Role::Prosecutor, 8).as_ref(), c).is_empty());
    // No longer a prosecutor.
    assert!(relations(ME, appointed(Role::Investigator, 9).as_ref(), c).is_empty());
    // The head of that office stands in for the prosecutor.
    assert_eq!(
        relations(OTHER, appointed(Role::HeadOfUnit, 9).as_ref(), c),
        [OfficerRelation::HeadOfProsecutorsOffice]
    );
    assert_eq!(
        OfficerRelation::HeadOfProsecutorsOffice.handler(),
        Handler::SupervisingProsecutor
    );
    // A case without a prosecutor has no prosecutor's office either.
    assert!(
        relations(
            ME,
            appointed(Role::Prosecutor, 9).as_ref(),
            case(OTHER, None)
        )
        .is_empty()
    );
}

/// The whole table, written out: one line per act, one column per relation (lead, head of
/// unit, supervising prosecutor, head of the prosecutor's office). A change to who may do
/// what must change this line too.
#[test]
fn who_may_do_what_to_a_case() {
    use Act::*;
    let relations = [
        OfficerRelation::Lead,
        OfficerRelation::HeadOfUnit,
        OfficerRelation::SupervisingProsecutor,
        OfficerRelation::HeadOfProsecutorsOffice,
    ];
    let table: [(Act, [bool; 4]); 16] = [
        (View, [true, true, true, true]),
        (ChangeStage, [true, true, true, true]),
        (ReassignLead, [true, true, false, false]),
        (AssignProsecutor, [true, true, false, true]),
        (RecordParticipant, [true, true, false, false]),
        (EndParticipant, [true, true, false, false]),
        (ConfirmStatus, [true, true, true, true]),
        (RejectStatusRequest, [true, true, true, true]),
        (GrantFamiliarisation, [true, true, true, true]),
        (EndFamiliarisation, [true, true, true, true]),
        (AddDecision, [true, true, true, true]),
        (AddMaterial, [true, true, true, true]),
        (SwitchToPaper, [true, true, false, false]),
        (AnswerFiling, [true, true, true, true]),
        (AnnulDecision, [false, true, true, true]),
        (CorrectDecision, [true, true, true, true]),
    ];
    assert_eq!(
        table.map(|(act, _)| act),
        Act::ALL,
        "every act has its line"
    );
    for (act, allowed) in table {
        for (relation, expected) in relations.into_iter().zip(allowed) {
            assert_eq!(
                may(relation, act),
                expected,
                "{} {act:?}",
                relation.as_str()
            );
        }
    }
}

#[test]
fn a_case_on_paper_refuses_what_would_change_it_and_keeps_what_answers_people() {
    use Act::*;
    let refused: Vec<Act> = Act::ALL
        .into_iter()
        .filter(|a| a.refused_on_paper())
        .collect();
    assert_eq!(
        refused,
        [
            ChangeStage,
            ReassignLead,
            RecordParticipant,
            ConfirmStatus,
            GrantFamiliarisation,
            AddDecision,
            AddMaterial,
            SwitchToPaper,
            AnswerFiling,
            AnnulDecision,
            CorrectDecision
        ]
    );
    let mut case = case_row();
    for act in Act::ALL {
        assert!(
            refuse_on_paper(&case, act).is_ok(),
            "{act:?} on a portal case"
        );
    }
    case.paper_since = Some("2026-11-28".into());
    for act in Act::ALL {
        let refusal = refuse_on_paper(&case, act);
        assert_eq!(
            refusal.is_err(),
            act.refused_on_paper(),
            "{act:?} on a paper case"
        );
        if let Err(e) = refusal {
            assert!(matches!(e, ApiError::CaseOnPaper { .. }), "{act:?}: {e:?}");
        }
    }
}

fn case_row() -> CaseRow {
    CaseRow {
        id: 1,
        erdr_number: "261111031000001".into(),
        registered_on: "2026-11-01".into(),
        organ_id: 1,
        organ_name: "organ 1".into(),
        lead_officer_iin: ME.into(),
        prosecutor_iin: None,
        prosecutor_organ_id: None,
        articles: serde_json::json!([]),
        stage: "registered".into(),
        updated_at: "2026-11-01T00:00:00Z".into(),
        paper_since: None,
    }
}

#[test]
fn the_unit_names_the_first_prosecutor_and_only_the_head_of_their_office_reassigns() {
    let without = case(ME, None);
    let with = case(ME, Some(OTHER));
    // The case has no prosecutor: the unit names one, of any office.
    assert!(may_assign_prosecutor(OfficerRelation::Lead, without, 5));
    assert!(may_assign_prosecutor(
        OfficerRelation::HeadOfUnit,
        without,
        5
    ));
    // It has one: the unit no longer replaces them.
    assert!(!may_assign_prosecutor(OfficerRelation::Lead, with, 9));
    assert!(!may_assign_prosecutor(OfficerRelation::HeadOfUnit, with, 9));
    // The head of the supervising office reassigns within the office (9), not beyond it.
    assert!(may_assign_prosecutor(
        OfficerRelation::HeadOfProsecutorsOffice,
        with,
        9
    ));
    assert!(!may_assign_prosecutor(
        OfficerRelation::HeadOfProsecutorsOffice,
        with,
        5
    ));
    // The supervising prosecutor never names their own replacement.
    for organ in [5, 9] {
        assert!(!may_assign_prosecutor(
            OfficerRelation::SupervisingProsecutor,
            with,
            organ
        ));
    }
}

#[test]
fn only_investigators_and_inquirers_of_the_cases_organ_lead_it() {
    assert!(may_lead(Some((Role::Investigator, 1)), 1));
    assert!(may_lead(Some((Role::Inquirer, 1)), 1));
    assert!(!may_lead(Some((Role::Investigator, 2)), 1));
    assert!(!may_lead(Some((Role::HeadOfUnit, 1)), 1));
    assert!(!may_lead(Some((Role::Prosecutor, 1)), 1));
    // Dismissed: no appointment, no lead.
    assert!(!may_lead(None, 1));
}

#[test]
fn only_an_appointed_prosecutor_supervises() {
    assert_eq!(supervising_organ(Some((Role::Prosecutor, 9))), Some(9));
    for role in [Role::Investigator, Role::Inquirer, Role::HeadOfUnit] {
        assert_eq!(supervising_organ(Some((role, 9))), None, "{role:?}");
    }
    assert_eq!(supervising_organ(None), None);
}

#[test]
fn investigators_inquirers_and_heads_of_unit_register_in_their_own_organ() {
    for role in [Role::Investigator, Role::Inquirer, Role::HeadOfUnit] {
        let me = principal(appointed(role, 4));
        assert_eq!(
            registering_organ(&me).map(|o| o.id).ok(),
            Some(4),
            "{role:?}"
        );
    }
    for appointment in [appointed(Role::Prosecutor, 4), None] {
        let me = principal(appointment);
        assert!(matches!(registering_organ(&me), Err(ApiError::Forbidden)));
    }
}

#[test]
fn a_filing_is_decided_only_by_who_receives_it_and_never_by_its_filer() {
    let lead = principal(appointed(Role::Investigator, 1));
    let row = case_row();
    assert!(
        filing_received(
            &lead,
            petition(Addressee::Investigator, OTHER),
            Some(&row),
            true
        )
        .is_ok()
    );
    // The lead's own petition in their case: they see it where their office shows it, never decide it.
    assert!(
        filing_received(
            &lead,
            petition(Addressee::Investigator, ME),
            Some(&row),
            false
        )
        .is_ok()
    );
    assert!(matches!(
        filing_received(
            &lead,
            petition(Addressee::Investigator, ME),
            Some(&row),
            true
        ),
        Err(ApiError::SelfDealing)
    ));
    // An investigator of another organ does not receive it at all.
    let stranger = principal(appointed(Role::Investigator, 2));
    assert!(matches!(
        filing_received(
            &stranger,
            petition(Addressee::Investigator, OTHER),
            Some(&row),
            false
        ),
        Err(ApiError::NotFound)
    ));
}

fn principal(appointment: Option<Appointment>) -> Principal {
    let mut roles = vec![Role::Participant];
    roles.extend(appointment.as_ref().map(|a| a.role));
    Principal {
        session_id: "s".into(),
        token_hash: "t".into(),
        iin: ME.into(),
        full_name: "A".into(),
        roles,
        organ: appointment.as_ref().map(|a| a.organ.clone()),
        appointment,
        method: "eds".into(),
        created_unix: 0,
        expires_unix: 0,
        proof_session_id: None,
        organisation: None,
        client_addr: String::new(),
        request: Default::default(),
    }
}

#[test]
fn the_sql_for_my_cases_has_a_branch_per_relation_and_binds_the_current_organ() {
    let (sql, params) = my_cases_sql(&principal(appointed(Role::Investigator, 4)));
    assert_eq!(sql, "((c.lead_officer_iin = ? AND c.organ_id = ?))");
    assert_eq!(
        format!("{params:?}"),
        format!("{:?}", vec![text(ME), int(4)])
    );
    let (sql, params) = my_cases_sql(&principal(appointed(Role::HeadOfUnit, 4)));
    assert_eq!(sql, "(c.organ_id = ? OR c.prosecutor_organ_id = ?)");
    assert_eq!(format!("{params:?}"), format!("{:?}", vec![int(4), int(4)]));
    let (sql, _) = my_cases_sql(&principal(None));
    assert_eq!(sql, "0", "no appointment, no cases");
}

#[test]
fn the_sql_for_received_filings_follows_the_handling_table() {
    let (sql, params) = received_filings_sql(&principal(appointed(Role::Prosecutor, 9)));
    assert!(
        sql.starts_with("f.id IN (SELECT f.id AS id FROM cases c JOIN filings f"),
        "{sql}"
    );
    assert!(
        !sql.contains("crime_report"),
        "a prosecutor receives no statements: {sql}"
    );
    // Placeholders and parameters agree.
    assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
    // The complaints of the prosecutor's cases before the judge are theirs to find.
    assert!(
        sql.contains("f.addressee = 'investigating_judge' AND f.state = 'forwarded'"),
        "{sql}"
    );
    let (sql, params) = received_filings_sql(&principal(appointed(Role::Investigator, 4)));
    assert!(!sql.contains("f.state = 'forwarded'"), "{sql}");
    assert!(sql.contains("f.kind = 'crime_report'"), "{sql}");
    assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
    let (sql, params) = received_filings_sql(&principal(appointed(Role::HeadOfUnit, 4)));
    assert_eq!(sql.matches("SELECT f.id").count(), 5, "{sql}");
    assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
    assert_eq!(received_filings_sql(&principal(None)).0, "0");
}

/// The page form of the received-filings condition (each capacity cut to its own first
/// `limit`) gives the same page as the whole union cut once, for every role, filter and limit,
/// on filings that several capacities receive at once.
#[test]
fn a_page_of_received_filings_is_the_same_page_the_whole_union_gives() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE cases (id INTEGER PRIMARY KEY, organ_id INTEGER, lead_officer_iin TEXT,
                             prosecutor_iin TEXT, prosecutor_organ_id INTEGER);
         CREATE TABLE filings (id INTEGER PRIMARY KEY, case_id INTEGER, organ_id INTEGER,
                               kind TEXT, addressee TEXT, state TEXT, due_unix INTEGER);",
    )
    .unwrap();
    let to_sql = |v: &SqlValue| match v {
        SqlValue::Integer(i) => rusqlite::types::Value::Integer(*i),
        SqlValue::Text(t) => rusqlite::types::Value::Text(t.clone()),
        SqlValue::Null => rusqlite::types::Value::Null,
        other => panic!("unexpected parameter {other:?}"),
    };
    let ids = |condition: &str, params: Vec<SqlValue>, limit: i64| -> Vec<i64> {
        let sql = format!(
            "SELECT f.id FROM filings f WHERE {condition} AND f.state <> 'decided'
             ORDER BY f.due_unix, f.id LIMIT {limit}"
        );
        let mut statement = conn.prepare(&sql).unwrap();
        let params: Vec<_> = params.iter().map(to_sql).collect();
        statement
            .query_map(rusqlite::params_from_iter(params), |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let states = ["submitted", "under_review", "decided"];
    let kinds = [
        ("crime_report", "investigator"),
        ("petition", "investigator"),
        ("petition", "prosecutor"),
        ("complaint", "head_of_unit"),
        ("complaint", "prosecutor"),
        // Received by the lead officer and the head of unit at once.
        ("complaint", "investigating_judge"),
    ];
    let mut seed = 7_u64;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) % n
    };
    for case in 1..=40_i64 {
        let lead = if next(2) == 0 { ME } else { OTHER };
        let prosecutor = if next(2) == 0 { Some(ME) } else { None };
        conn.execute(
            "INSERT INTO cases VALUES (?1, ?2, ?3, ?4, 9)",
            rusqlite::params![case, 1 + next(2) as i64 * 3, lead, prosecutor],
        )
        .unwrap();
    }
    for _ in 0..600 {
        let (kind, addressee) = kinds[next(kinds.len() as u64) as usize];
        let report = kind == "crime_report";
        // An affected person's complaint (art. 100): no case, sent to an organ or its office.
        let affected = kind == "complaint" && next(4) == 0;
        let case_id = (!report && !affected).then(|| 1 + next(40) as i64);
        // A statement's organ, the prosecutor's office (9) that what was addressed to the
        // prosecutor went to, or the organ an affected person's complaint went to.
        let organ_id = if report || (affected && addressee != "prosecutor") {
            Some(1 + next(2) as i64 * 3)
        } else if addressee == "prosecutor" && (affected || next(2) == 0) {
            Some(9)
        } else {
            None
        };
        conn.execute(
            "INSERT INTO filings (case_id, organ_id, kind, addressee, state, due_unix)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![
                case_id,
                organ_id,
                kind,
                addressee,
                states[next(3) as usize],
                // Few distinct due times: ties are ordered by id.
                next(30) as i64
            ],
        )
        .unwrap();
    }
    let filter = "f.state <> 'decided'";
    for role in [Role::Investigator, Role::HeadOfUnit, Role::Prosecutor] {
        for organ in [1, 4, 9] {
            let me = principal(appointed(role, organ));
            let (all, all_params) = received_filings_sql(&me);
            for limit in [1, 5, 37, 1000] {
                let (page, page_params) = received_filings_page_sql(&me, filter, &[], limit);
                assert_eq!(page.matches('?').count(), page_params.len(), "{page}");
                let whole = ids(&all, all_params.clone(), limit);
                assert_eq!(
                    ids(&page, page_params, limit),
                    whole,
                    "{role:?} of {organ}, first {limit}"
                );
                if limit == 1000 && role != Role::Prosecutor && organ != 9 {
                    assert!(!whole.is_empty(), "{role:?} of {organ} receives something");
                }
            }
        }
    }
}

#[test]
fn a_filing_reaches_only_the_capacities_its_kind_and_addressee_name() {
    // Who `me` is to a filing of `kind` to `addressee`, sent to `organ_id`, in `case`.
    let handlers = |me: &Principal, kind, addressee, organ_id, case| {
        let filing = FilingFacts {
            kind,
            addressee,
            organ_id,
            filer_iin: OTHER,
            on_behalf_of_iin: None,
        };
        filing_handlers(me, filing, case)
    };
    let lead = principal(appointed(Role::Investigator, 1));
    let c = Some(case(ME, Some(OTHER)));
    let to_lead = handlers(&lead, Kind::Petition, Addressee::Investigator, None, c);
    assert_eq!(to_lead, [Handler::LeadOfficer]);
    assert!(handlers(&lead, Kind::Petition, Addressee::Prosecutor, None, c).is_empty());
    // A crime report to my organ, and not to another.
    let report = |organ| {
        handlers(
            &lead,
            Kind::CrimeReport,
            Addressee::Investigator,
            organ,
            None,
        )
    };
    assert_eq!(report(Some(1)), [Handler::OrganOfficer]);
    assert!(report(Some(2)).is_empty());
    // What went to a prosecutor's office (no prosecutor supervised the case): its prosecutors
    // and its head receive it; nobody else does, a statement to it neither.
    let unsupervised = Some(case(OTHER, None));
    for role in [Role::Prosecutor, Role::HeadOfUnit] {
        let me = principal(appointed(role, 9));
        for kind in [Kind::Petition, Kind::Complaint] {
            let to_office = handlers(&me, kind, Addressee::Prosecutor, Some(9), unsupervised);
            assert_eq!(to_office, [Handler::ProsecutorsOffice], "{role:?} {kind:?}");
            let to_other = handlers(&me, kind, Addressee::Prosecutor, Some(8), unsupervised);
            assert!(to_other.is_empty(), "{role:?} of another office");
        }
    }
    for (role, addressee, why) in [
        (
            Role::Prosecutor,
            Addressee::HeadOfUnit,
            "only what is addressed to the prosecutor",
        ),
        (
            Role::Investigator,
            Addressee::Prosecutor,
            "an investigator is no prosecutor's office",
        ),
    ] {
        let me = principal(appointed(role, 9));
        let to_them = handlers(&me, Kind::Complaint, addressee, Some(9), unsupervised);
        assert!(to_them.is_empty(), "{why}");
    }
    // An affected person's complaint (art. 100), tied to no case: the heads of the organ it
    // was sent to take it, whatever it is addressed to but the prosecutor; nobody else.
    let head_of_9 = principal(appointed(Role::HeadOfUnit, 9));
    for addressee in [Addressee::HeadOfUnit, Addressee::InvestigatingJudge] {
        let to_head = handlers(&head_of_9, Kind::Complaint, addressee, Some(9), None);
        assert_eq!(to_head, [Handler::OrganHead], "{addressee:?}");
        for (who, role, organ) in [
            ("an investigator of the organ", Role::Investigator, 9),
            ("a head of another organ", Role::HeadOfUnit, 8),
        ] {
            let me = principal(appointed(role, organ));
            let to_them = handlers(&me, Kind::Complaint, addressee, Some(9), None);
            assert!(to_them.is_empty(), "{who}");
        }
    }
    // Transferred away: nothing.
    let moved = principal(appointed(Role::Investigator, 2));
    assert!(handlers(&moved, Kind::Petition, Addressee::Investigator, None, c).is_empty());
}

#[test]
fn nobody_decides_a_matter_that_concerns_themselves() {
    let me = principal(appointed(Role::Investigator, 1));
    assert!(matches!(
        refuse_self_dealing(&me, &[Some(ME), None]),
        Err(ApiError::SelfDealing)
    ));
    assert!(matches!(
        refuse_self_dealing(&me, &[Some(OTHER), Some(ME)]),
        Err(ApiError::SelfDealing)
    ));
    assert!(refuse_self_dealing(&me, &[Some(OTHER), None]).is_ok());
}

#[test]
fn an_organ_registers_only_numbers_of_its_own_code() {
    let erdr = crate::case::ErdrNumber::parse("267511031000123").unwrap();
    assert!(may_register(&organ(1, Some("751103")), &erdr).is_ok());
    let other = may_register(&organ(1, Some("751104")), &erdr).unwrap_err();
    assert!(format!("{other:?}").contains("not_your_organ"), "{other:?}");
    let none = may_register(&organ(1, None), &erdr).unwrap_err();
    assert!(
        format!("{none:?}").contains("organ_without_code"),
        "{none:?}"
    );
}

fn petition<'a>(addressee: Addressee, filer: &'a str) -> FilingFacts<'a> {
    FilingFacts {
        kind: Kind::Petition,
        addressee,
        organ_id: None,
        filer_iin: filer,
        on_behalf_of_iin: None,
    }
}

/// An officer as the alert rules see them: IIN, role, organ.
type Officer = (&'static str, Role, i64);
const HEAD: &str = "111111111111";
/// The case's lead investigator, of organ 1.
const LEAD: Officer = (ME, Role::Investigator, 1);
/// The lead, moved to organ 2.
const MOVED: Officer = (ME, Role::Investigator, 2);
const HEAD_OF_1: Officer = (HEAD, Role::HeadOfUnit, 1);
const HEAD_OF_2: Officer = (HEAD, Role::HeadOfUnit, 2);
/// The case's supervising prosecutor, of office 9.
const PROSECUTOR: Officer = (OTHER, Role::Prosecutor, 9);

fn alerted(
    (iin, role, organ_id): Officer,
    filing: FilingFacts<'_>,
    c: Option<CaseFacts<'_>>,
    audience: Alerted,
) -> bool {
    let a = appointed(role, organ_id).expect("appointment");
    is_alerted(iin, &a, filing, c, audience)
}

#[test]
fn due_soon_reminders_go_to_whoever_must_answer_now() {
    let c = Some(case(ME, Some(OTHER)));
    let filer = "900101300011";
    let to_investigator = petition(Addressee::Investigator, filer);
    assert!(alerted(LEAD, to_investigator, c, Alerted::Handlers));
    // Moved away: the reminder no longer reaches them.
    assert!(!alerted(MOVED, to_investigator, c, Alerted::Handlers));
    // The head of unit does not answer a petition to the investigator.
    assert!(!alerted(HEAD_OF_1, to_investigator, c, Alerted::Handlers));
    let to_prosecutor = petition(Addressee::Prosecutor, filer);
    assert!(alerted(PROSECUTOR, to_prosecutor, c, Alerted::Handlers));
    assert!(!alerted(LEAD, to_prosecutor, c, Alerted::Handlers));
    // A statement sent to an organ: its heads of unit, not every investigator.
    let report = FilingFacts {
        kind: Kind::CrimeReport,
        addressee: Addressee::Investigator,
        organ_id: Some(1),
        filer_iin: filer,
        on_behalf_of_iin: None,
    };
    assert!(alerted(HEAD_OF_1, report, None, Alerted::Handlers));
    assert!(!alerted(LEAD, report, None, Alerted::Handlers));
    assert!(!alerted(HEAD_OF_2, report, None, Alerted::Handlers));
}

#[test]
fn overdue_escalations_go_to_the_owing_organs_heads_and_the_supervising_prosecutor() {
    let c = Some(case(ME, Some(OTHER)));
    let f = petition(Addressee::Investigator, "900101300011");
    assert!(alerted(HEAD_OF_1, f, c, Alerted::Supervisors));
    assert!(alerted(PROSECUTOR, f, c, Alerted::Supervisors));
    // The late officer is not their own supervisor; a head of another organ is nobody here.
    assert!(!alerted(LEAD, f, c, Alerted::Supervisors));
    assert!(!alerted(HEAD_OF_2, f, c, Alerted::Supervisors));
    // A prosecutor moved to another office no longer supervises.
    assert!(!alerted(
        (OTHER, Role::Prosecutor, 8),
        f,
        c,
        Alerted::Supervisors
    ));
    // An officer who filed it hears of it as the filer, never as its supervisor.
    let own = petition(Addressee::Investigator, HEAD);
    assert!(!alerted(HEAD_OF_1, own, c, Alerted::Supervisors));
}

#[test]
fn the_decision_form_offers_what_the_table_lets_me_add_and_says_which_name_a_person() {
    use crate::case::decision::offered_types;
    use crate::law::DecisionType;
    let offered = |relation, paper_since: Option<&str>| {
        let mut case = case_row();
        case.paper_since = paper_since.map(Into::into);
        offered_types(&OfficerCase { case, relation })
    };
    let lead = offered(OfficerRelation::Lead, None);
    assert_eq!(lead.len(), DecisionType::ALL.len());
    let personal = |kind| {
        lead.iter()
            .find(|o| o.kind == kind)
            .map(|o| o.concerns_person)
    };
    assert_eq!(personal(DecisionType::RecognitionAsVictim), Some(true));
    assert_eq!(
        personal(DecisionType::RecognitionAsPrivateProsecutor),
        Some(true)
    );
    assert_eq!(personal(DecisionType::Suspension), Some(false));
    // The prosecutor adds decisions but does not move the case to paper.
    let prosecutor = offered(OfficerRelation::SupervisingProsecutor, None);
    assert_eq!(prosecutor.len(), DecisionType::ALL.len() - 1);
    assert!(
        !prosecutor
            .iter()
            .any(|o| o.kind == DecisionType::SwitchToPaper)
    );
    // A paper case takes nothing new through the portal.
    assert!(offered(OfficerRelation::Lead, Some("2026-11-02")).is_empty());
    let json = serde_json::to_value(lead[0]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({ "type": "recognition_as_victim", "concerns_person": true })
    );
}
