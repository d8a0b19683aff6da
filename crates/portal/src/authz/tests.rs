use super::*;

const ME: &str = "791028302728";
const OTHER: &str = "061211600012";

fn organ(id: i64, code: Option<&str>) -> Organ {
    Organ {
        id,
        name: format!("organ {id}"),
        region: "Almaty".into(),
        code: code.map(str::to_owned),
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

#[test]
fn only_the_lead_and_the_head_of_unit_conduct_the_investigation() {
    assert!(OfficerRelation::Lead.conducts());
    assert!(OfficerRelation::HeadOfUnit.conducts());
    assert!(!OfficerRelation::SupervisingProsecutor.conducts());
    assert!(!OfficerRelation::HeadOfProsecutorsOffice.conducts());
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
        sql.starts_with("f.id IN (SELECT f.id FROM cases c JOIN filings f"),
        "{sql}"
    );
    assert!(
        !sql.contains("crime_report"),
        "a prosecutor receives no statements: {sql}"
    );
    // Placeholders and parameters agree.
    assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
    let (sql, params) = received_filings_sql(&principal(appointed(Role::Investigator, 4)));
    assert!(sql.contains("f.kind = 'crime_report'"), "{sql}");
    assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
    let (sql, params) = received_filings_sql(&principal(appointed(Role::HeadOfUnit, 4)));
    assert_eq!(sql.matches("SELECT f.id").count(), 3, "{sql}");
    assert_eq!(sql.matches('?').count(), params.len(), "{sql}");
    assert_eq!(received_filings_sql(&principal(None)).0, "0");
}

#[test]
fn a_filing_reaches_only_the_capacities_its_kind_and_addressee_name() {
    let filing = |kind, addressee, organ_id| FilingFacts {
        kind,
        addressee,
        organ_id,
        filer_iin: OTHER,
        on_behalf_of_iin: None,
    };
    let lead = principal(appointed(Role::Investigator, 1));
    let c = case(ME, Some(OTHER));
    assert_eq!(
        filing_handlers(
            &lead,
            filing(Kind::Petition, Addressee::Investigator, None),
            Some(c)
        ),
        [Handler::LeadOfficer]
    );
    assert!(
        filing_handlers(
            &lead,
            filing(Kind::Petition, Addressee::Prosecutor, None),
            Some(c)
        )
        .is_empty()
    );
    // A crime report to my organ, and not to another.
    assert_eq!(
        filing_handlers(
            &lead,
            filing(Kind::CrimeReport, Addressee::Investigator, Some(1)),
            None
        ),
        [Handler::OrganOfficer]
    );
    assert!(
        filing_handlers(
            &lead,
            filing(Kind::CrimeReport, Addressee::Investigator, Some(2)),
            None
        )
        .is_empty()
    );
    // Transferred away: nothing.
    let moved = principal(appointed(Role::Investigator, 2));
    assert!(
        filing_handlers(
            &moved,
            filing(Kind::Petition, Addressee::Investigator, None),
            Some(c)
        )
        .is_empty()
    );
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

fn alerted(
    iin: &str,
    role: Role,
    organ_id: i64,
    filing: FilingFacts<'_>,
    c: Option<CaseFacts<'_>>,
    audience: Alerted,
) -> bool {
    let a = appointed(role, organ_id).expect("appointment");
    is_alerted(iin, &a, filing, c, audience)
}

#[test]
fn due_soon_reminders_go_to_whoever_must_answer_now() {
    let c = case(ME, Some(OTHER));
    let filer = "900101300011";
    let to_investigator = petition(Addressee::Investigator, filer);
    assert!(alerted(
        ME,
        Role::Investigator,
        1,
        to_investigator,
        Some(c),
        Alerted::Handlers
    ));
    // Moved away: the reminder no longer reaches them.
    assert!(!alerted(
        ME,
        Role::Investigator,
        2,
        to_investigator,
        Some(c),
        Alerted::Handlers
    ));
    // The head of unit does not answer a petition to the investigator.
    assert!(!alerted(
        "111111111111",
        Role::HeadOfUnit,
        1,
        to_investigator,
        Some(c),
        Alerted::Handlers
    ));
    let to_prosecutor = petition(Addressee::Prosecutor, filer);
    assert!(alerted(
        OTHER,
        Role::Prosecutor,
        9,
        to_prosecutor,
        Some(c),
        Alerted::Handlers
    ));
    assert!(!alerted(
        ME,
        Role::Investigator,
        1,
        to_prosecutor,
        Some(c),
        Alerted::Handlers
    ));
    // A statement sent to an organ: its heads of unit, not every investigator.
    let report = FilingFacts {
        kind: Kind::CrimeReport,
        addressee: Addressee::Investigator,
        organ_id: Some(1),
        filer_iin: filer,
        on_behalf_of_iin: None,
    };
    assert!(alerted(
        "111111111111",
        Role::HeadOfUnit,
        1,
        report,
        None,
        Alerted::Handlers
    ));
    assert!(!alerted(
        ME,
        Role::Investigator,
        1,
        report,
        None,
        Alerted::Handlers
    ));
    assert!(!alerted(
        "111111111111",
        Role::HeadOfUnit,
        2,
        report,
        None,
        Alerted::Handlers
    ));
}

#[test]
fn overdue_escalations_go_to_the_owing_organs_heads_and_the_supervising_prosecutor() {
    let c = case(ME, Some(OTHER));
    let filer = "900101300011";
    let f = petition(Addressee::Investigator, filer);
    assert!(alerted(
        "111111111111",
        Role::HeadOfUnit,
        1,
        f,
        Some(c),
        Alerted::Supervisors
    ));
    assert!(alerted(
        OTHER,
        Role::Prosecutor,
        9,
        f,
        Some(c),
        Alerted::Supervisors
    ));
    // The late officer is not their own supervisor; a head of another organ is nobody here.
    assert!(!alerted(
        ME,
        Role::Investigator,
        1,
        f,
        Some(c),
        Alerted::Supervisors
    ));
    assert!(!alerted(
        "111111111111",
        Role::HeadOfUnit,
        2,
        f,
        Some(c),
        Alerted::Supervisors
    ));
    // A prosecutor moved to another office no longer supervises.
    assert!(!alerted(
        OTHER,
        Role::Prosecutor,
        8,
        f,
        Some(c),
        Alerted::Supervisors
    ));
    // An officer who filed it hears of it as the filer, never as its supervisor.
    let own = petition(Addressee::Investigator, "111111111111");
    assert!(!alerted(
        "111111111111",
        Role::HeadOfUnit,
        1,
        own,
        Some(c),
        Alerted::Supervisors
    ));
}
