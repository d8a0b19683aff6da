//! Decisions and materials an officer adds to a case, and a decision's proof of service.

use jaria_portal::audit::ReadNote;
use jaria_portal::case::amend::{self, Amendment};
use jaria_portal::case::authz::{self, Act};
use jaria_portal::case::conduct;
use jaria_portal::case::store::{self};
use jaria_portal::http::{Reply, json_body};
use jaria_portal::identity::auth::Principal;
use jaria_portal::law::DecisionType;
use jaria_portal::law::visibility::party_status;
use jaria_portal::notice::notify::{self, Notice};
use jaria_portal::platform::db::Db;
use jaria_portal::{ApiError, audit, http::documents, platform::clock};
use serde::Deserialize;

use crate::cases::parse_date;
use crate::record;
#[derive(Clone, Copy)]
pub(crate) enum Attachment {
    Decision,
    Material,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDocument {
    title: String,
    filename: String,
    content_base64: String,
    #[serde(default, rename = "type")]
    decision_type: Option<String>,
    #[serde(default)]
    decided_on: Option<String>,
    #[serde(default)]
    concerns_iin: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    /// A material no familiarisation grant opens (a state secret, covert work).
    #[serde(default)]
    restricted: bool,
    /// A material concerning the civil claim: the only ones a civil party's grant opens.
    #[serde(default)]
    civil_claim: bool,
    /// The officer's CMS signature over the document's bytes (detached), as NCALayer or the
    /// page's `.p12` signing makes it: base64 of DER, or PEM.
    #[serde(default)]
    signature: Option<String>,
    /// The earlier decision of the case this one annuls or corrects (`amendment`).
    #[serde(default)]
    amends_decision_id: Option<i64>,
    #[serde(default)]
    amendment: Option<String>,
    /// An extension of the investigation's period: its new last day (art. 192).
    #[serde(default)]
    extended_until: Option<String>,
}

pub(crate) async fn add_document(
    db: &Db,
    me: &Principal,
    erdr: &str,
    req: &jaria_portal::http::Request,
    what: Attachment,
) -> Result<Reply, ApiError> {
    let body: NewDocument = json_body(req)?;
    let title = jaria_portal::http::text::bounded("title", &body.title, 300)?;
    let (filename, bytes, media_type) =
        documents::from_base64("", &body.filename, &body.content_base64)?;
    let now_time = clock::now();
    let now = clock::rfc3339(now_time);
    // Signed by the officer who sends it, over exactly these bytes: checked before anything
    // is stored.
    let signed = match body.signature.as_deref() {
        Some(cms) => Some(
            jaria_portal::identity::signed::verify(db, "signature", cms, &bytes, &me.iin, now_time)
                .await?,
        ),
        None => None,
    };
    let decision = match what {
        Attachment::Decision => Some(NewDecision::parse(&body)?),
        Attachment::Material => None,
    };
    let act = decision.as_ref().map_or(Act::AddMaterial, NewDecision::act);
    let (id, sha) = db
        .transaction(async |db| {
            let mine = authz::officer_case(db, me, erdr, act).await?;
            let stored = Stored {
                title: &title,
                filename: &filename,
                sha: documents::store(db, &bytes, media_type, &now).await?,
                now: &now,
            };
            if let Some(signed) = &signed {
                jaria_portal::identity::signed::store_for_document(db, &stored.sha, signed, &now)
                    .await?;
            }
            let (id, action, detail) = match &decision {
                Some(decision) => add_decision(db, me, &mine, decision, &stored).await?,
                None => add_material(db, me, &mine.case, &body, &stored).await?,
            };
            let case = &mine.case;
            let subject = format!("case:{}", case.erdr_number);
            record(db, me, action, &subject, case, detail).await?;
            Ok((id, stored.sha))
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({ "id": id, "sha256": sha, "size": bytes.len(), "media_type": media_type }),
    )
}

/// A document as stored for a decision or material, in the request's transaction.
struct Stored<'a> {
    title: &'a str,
    filename: &'a str,
    sha: String,
    now: &'a str,
}

/// Adds the decision (a new one, or one annulling or correcting an earlier decision) and tells
/// everyone it reaches; answers its id and the audit row's action and detail.
async fn add_decision(
    db: &Db,
    me: &Principal,
    mine: &authz::OfficerCase,
    decision: &NewDecision,
    stored: &Stored<'_>,
) -> Result<(i64, &'static str, serde_json::Value), ApiError> {
    let case = &mine.case;
    let mut amended_until = None;
    let (kind, concerns) = match (decision.amends, decision.kind) {
        (Some((how, amended_id)), named_kind) => {
            let amended = amend::amended(db, case.id, amended_id).await?;
            let named = amend::Named {
                kind: named_kind,
                concerns_iin: decision.concerns.as_deref(),
            };
            // A correction of an extension keeps its last day unless it names another.
            if how == Amendment::Corrects {
                amended_until = amended.extended_until.clone();
            }
            amend::check(how, &amended, &me.iin, mine.relation, named)?
        }
        (None, Some(kind)) => (kind, decision.concerns.clone()),
        (None, None) => return Err(NewDecision::type_required()),
    };
    let extended_until = decision.extended_until_for(kind, amended_until)?;
    // No officer decides a matter about themselves, a decision included.
    mine.not_concerning(me, &[concerns.as_deref()])?;
    let new = conduct::NewDecision {
        kind,
        concerns_iin: concerns.as_deref(),
        decided_on: &decision.decided_on,
        officer_iin: &me.iin,
        title: stored.title,
        document_sha256: &stored.sha,
        filename: stored.filename,
        amends: decision.amends.map(|(how, id)| (id, how)),
        extended_until: extended_until.as_deref(),
    };
    let id = conduct::add_decision(db, case, &new, stored.now).await?;
    // Everyone who may now see it is told, in the same transaction: an amendment reaches
    // whom the decision it amends reached.
    let recipients = store::decision_recipients(db, case.id, kind, concerns.as_deref()).await?;
    let (notice, action) = match decision.amends {
        None => (Notice::DecisionAvailable, "decision_added"),
        Some((Amendment::Annuls, _)) => (Notice::DecisionAnnulled, "decision_annulled"),
        Some((Amendment::Corrects, _)) => (Notice::DecisionCorrected, "decision_corrected"),
    };
    let amends = decision.amends.map(|(_, id)| id);
    notify::send(
        db,
        recipients.iter().map(String::as_str),
        notice,
        stored.now,
        &serde_json::json!({
            "erdr_number": case.erdr_number, "decision_id": id,
            "type": kind.as_str(), "title": stored.title, "amends_decision_id": amends,
        }),
    )
    .await?;
    Ok((
        id,
        action,
        serde_json::json!({ "id": id, "amends": amends }),
    ))
}

/// Adds the material; answers its id and the audit row's action and detail.
async fn add_material(
    db: &Db,
    me: &Principal,
    case: &jaria_portal::case::store::CaseRow,
    body: &NewDocument,
    stored: &Stored<'_>,
) -> Result<(i64, &'static str, serde_json::Value), ApiError> {
    let kind = body.kind.as_deref().unwrap_or("document").trim().to_owned();
    let new = conduct::NewMaterial {
        title: stored.title,
        kind: &kind,
        document_sha256: &stored.sha,
        filename: stored.filename,
        added_by: &me.iin,
        restricted: body.restricted,
        civil_claim: body.civil_claim,
    };
    let id = conduct::add_material(db, case, &new, stored.now).await?;
    Ok((id, "material_added", serde_json::json!({ "id": id })))
}

/// A decision's own fields, checked before anything is stored.
struct NewDecision {
    /// Required of a new decision; an amendment may leave it out (it is the amended one's).
    kind: Option<DecisionType>,
    decided_on: String,
    /// The person a personal decision is about.
    concerns: Option<String>,
    /// What it does to an earlier decision of the case, and which.
    amends: Option<(Amendment, i64)>,
    /// An extension's new last day of the period.
    extended_until: Option<String>,
}

impl NewDecision {
    fn parse(body: &NewDocument) -> Result<NewDecision, ApiError> {
        for (set, field) in [
            (body.restricted, "restricted"),
            (body.civil_claim, "civil_claim"),
        ] {
            if set {
                return Err(ApiError::invalid(
                    field,
                    "not_allowed",
                    "A decision reaches whom the law gives it; only a material is restricted or marked as the civil claim's.",
                ));
            }
        }
        let amends = match (body.amendment.as_deref(), body.amends_decision_id) {
            (None, None) => None,
            (Some(how), Some(id)) => Some((
                Amendment::parse(how).ok_or_else(|| {
                    ApiError::invalid("amendment", "invalid_amendment", "One of annuls, corrects.")
                })?,
                id,
            )),
            (None, Some(_)) | (Some(_), None) => {
                return Err(ApiError::invalid(
                    "amends_decision_id",
                    "required",
                    "An amendment names both the decision it amends and how (annuls or corrects).",
                ));
            }
        };
        let kind = match body.decision_type.as_deref() {
            Some(text) => Some(DecisionType::parse(text).ok_or_else(|| {
                ApiError::invalid("type", "invalid_decision_type", "Not a decision type.")
            })?),
            None if amends.is_some() => None,
            None => return Err(NewDecision::type_required()),
        };
        let decided_on = parse_date("decided_on", body.decided_on.as_deref().unwrap_or(""))?;
        let concerns = match &body.concerns_iin {
            // A person, a legal entity (recognised as victim, civil plaintiff or defendant) or a
            // recorded foreigner.
            Some(iin) => Some(
                jaria_portal::law::party::Party::principal("concerns_iin", iin)?
                    .as_str()
                    .to_owned(),
            ),
            None => None,
        };
        // A personal decision names its person (an amendment has the amended one's).
        if amends.is_none() && concerns.is_none() && kind.and_then(party_status).is_some() {
            return Err(ApiError::invalid(
                "concerns_iin",
                "required",
                "A personal decision must name the person it is about.",
            ));
        }
        let extended_until = body
            .extended_until
            .as_deref()
            .map(|until| parse_date("extended_until", until))
            .transpose()?;
        if extended_until
            .as_ref()
            .is_some_and(|until| *until <= decided_on)
        {
            return Err(ApiError::invalid(
                "extended_until",
                "out_of_range",
                "An extension's new last day comes after the day it is decided.",
            ));
        }
        Ok(NewDecision {
            kind,
            decided_on,
            concerns,
            amends,
            extended_until,
        })
    }

    /// The new last day the decision records: an extension's own (or, for a correction, the
    /// corrected one's); nothing for any other decision or for an annulment.
    fn extended_until_for(
        &self,
        kind: DecisionType,
        amended_until: Option<String>,
    ) -> Result<Option<String>, ApiError> {
        let annuls = matches!(self.amends, Some((Amendment::Annuls, _)));
        match (
            kind == DecisionType::ExtensionOfInvestigationPeriod && !annuls,
            &self.extended_until,
        ) {
            (true, Some(until)) => Ok(Some(until.clone())),
            (true, None) => amended_until.map(Some).ok_or_else(|| {
                ApiError::invalid(
                    "extended_until",
                    "required",
                    "An extension of the investigation's period names its new last day (art. 192).",
                )
            }),
            (false, Some(_)) => Err(ApiError::invalid(
                "extended_until",
                "not_allowed",
                "Only an extension of the investigation's period names a new last day.",
            )),
            (false, None) => Ok(None),
        }
    }

    fn type_required() -> ApiError {
        ApiError::invalid("type", "invalid_decision_type", "Not a decision type.")
    }

    /// The act of the authorisation table this decision is.
    fn act(&self) -> Act {
        match (self.amends, self.kind) {
            (Some((how, _)), _) => how.act(),
            (None, Some(DecisionType::SwitchToPaper)) => Act::SwitchToPaper,
            (None, _) => Act::AddDecision,
        }
    }
}

/// `GET /api/officer/cases/{erdr}/decisions/{id}/service`: proof of service — for each person
/// the decision reaches now, when they first saw it listed and first downloaded it, from the
/// read log (every participant read is logged).
pub(crate) async fn proof_of_service(
    db: &Db,
    me: &Principal,
    erdr: &str,
    id: &str,
) -> Result<Reply, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let body = audit::audited_read(db, &me.actor(), async |db| {
        let case = authz::officer_case(db, me, erdr, Act::View).await?.case;
        let service = jaria_portal::case::proof_of_service::of_decision(db, &case, id).await?;
        Ok((
            service,
            ReadNote::new("service_viewed", format!("decision:{id}"), Some(case.id)),
        ))
    })
    .await?;
    Reply::json(200, &body)
}
