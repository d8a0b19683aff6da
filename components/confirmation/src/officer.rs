//! The officer's side of a case: register it, change its stage, add decisions and materials,
//! confirm or reject requested statuses, revoke them, and grant or revoke familiarisation.
//! Who may do which of these is `authz`'s one table: each handler names its `Act` and gets the
//! case only through `authz::officer_case` (to every officer without a relation to it, the
//! case does not exist: 404).

use jaria_portal::audit::ReadNote;
use jaria_portal::auth::{self, Principal};
use jaria_portal::authz::{self, Act, OfficerCase, OfficerParticipant};
use jaria_portal::case::conduct;
use jaria_portal::case::store::{self, CaseRow};
use jaria_portal::case::visibility::party_status;
use jaria_portal::case::{DecisionType, ErdrNumber, Stage};
use jaria_portal::db::{Db, int};
use jaria_portal::filing::signature;
use jaria_portal::http::{Method, Reply, json_body};
use jaria_portal::identity;
use jaria_portal::notify::{self, Notice};
use jaria_portal::{ApiError, audit, clock, documents, paging, participants};
use serde::Deserialize;

pub async fn route(
    req: &jaria_portal::http::Request,
    method: Method,
    path: &str,
) -> Option<Result<Reply, ApiError>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let allow = |allowed: &'static str| Err(ApiError::MethodNotAllowed { allow: allowed });
    Some(match (method, segments.as_slice()) {
        (Method::Get, ["queue"]) => {
            with_officer(req, async |db, me| {
                audit::audited_read(db, &me.actor(), async |db| {
                    let note = ReadNote::new("queue_viewed", format!("person:{}", me.iin), None);
                    Ok((queue(db, me).await?, note))
                })
                .await
            })
            .await
        }
        (_, ["queue"]) => allow("GET"),
        (Method::Get, ["cases"]) => {
            with_officer(req, async |db, me| {
                audit::audited_read(db, &me.actor(), async |db| {
                    let note = ReadNote::new("cases_listed", format!("person:{}", me.iin), None);
                    Ok((my_cases(db, me, req).await?, note))
                })
                .await
            })
            .await
        }
        (Method::Post, ["cases"]) => {
            with_officer(req, async |db, me| register_case(db, me, req).await).await
        }
        (_, ["cases"]) => allow("GET, POST"),
        (Method::Get, ["cases", erdr]) => {
            with_officer(req, async |db, me| case_card(db, me, erdr).await).await
        }
        (Method::Patch, ["cases", erdr]) => {
            with_officer(req, async |db, me| update_case(db, me, erdr, req).await).await
        }
        (_, ["cases", _]) => allow("GET, PATCH"),
        (Method::Post, ["cases", erdr, "decisions"]) => {
            with_officer(req, async |db, me| {
                add_document(db, me, erdr, req, Attachment::Decision).await
            })
            .await
        }
        (Method::Post, ["cases", erdr, "materials"]) => {
            with_officer(req, async |db, me| {
                add_document(db, me, erdr, req, Attachment::Material).await
            })
            .await
        }
        (_, ["cases", _, "decisions" | "materials"]) => allow("POST"),
        (Method::Post, ["access-requests", id, "decision"]) => {
            with_officer(req, async |db, me| decide_request(db, me, id, req).await).await
        }
        (_, ["access-requests", _, "decision"]) => allow("POST"),
        (Method::Get, ["filings"]) => {
            with_officer(req, async |db, me| {
                crate::filings::queue(db, me, req.query()).await
            })
            .await
        }
        (_, ["filings"]) => allow("GET"),
        (Method::Get, ["filings", id]) => {
            with_officer(req, async |db, me| crate::filings::view(db, me, id).await).await
        }
        (_, ["filings", _]) => allow("GET"),
        (Method::Get, ["filings", id, "documents", sha]) => {
            with_officer(req, async |db, me| {
                crate::filings::document(db, me, req, id, sha).await
            })
            .await
        }
        (_, ["filings", _, "documents", _]) => allow("GET"),
        (Method::Get, ["filings", id, "signature"]) => {
            with_officer(req, async |db, me| {
                crate::filings::signed_part(db, me, id, signature::Part::Cms).await
            })
            .await
        }
        (_, ["filings", _, "signature"]) => allow("GET"),
        (Method::Get, ["filings", id, "signed-content"]) => {
            with_officer(req, async |db, me| {
                crate::filings::signed_part(db, me, id, signature::Part::Content).await
            })
            .await
        }
        (_, ["filings", _, "signed-content"]) => allow("GET"),
        (Method::Post, ["filings", id, "review"]) => {
            with_officer(req, async |db, me| crate::filings::review(db, me, id).await).await
        }
        (_, ["filings", _, "review"]) => allow("POST"),
        (Method::Post, ["filings", id, "extension"]) => {
            with_officer(req, async |db, me| {
                crate::filings::extend(db, me, id, req).await
            })
            .await
        }
        (_, ["filings", _, "extension"]) => allow("POST"),
        (Method::Post, ["filings", id, "decision"]) => {
            with_officer(req, async |db, me| {
                crate::filings::decide(db, me, id, req).await
            })
            .await
        }
        (_, ["filings", _, "decision"]) => allow("POST"),
        (Method::Post, ["cases", erdr, "participants"]) => {
            with_officer(req, async |db, me| {
                record_participant(db, me, erdr, req).await
            })
            .await
        }
        (_, ["cases", _, "participants"]) => allow("POST"),
        (Method::Delete, ["cases", erdr, "participants", id]) => {
            with_officer(req, async |db, me| revoke_status(db, me, erdr, id).await).await
        }
        (_, ["cases", _, "participants", _]) => allow("DELETE"),
        (Method::Post, ["cases", erdr, "participants", id, "end"]) => {
            with_officer(req, async |db, me| end_status(db, me, erdr, id, req).await).await
        }
        (_, ["cases", _, "participants", _, "end"]) => allow("POST"),
        (Method::Get, ["cases", erdr, "decisions", id, "service"]) => {
            with_officer(req, async |db, me| proof_of_service(db, me, erdr, id).await).await
        }
        (_, ["cases", _, "decisions", _, "service"]) => allow("GET"),
        (Method::Get, ["forwardings"]) => with_officer(req, crate::filings::forwardings).await,
        (_, ["forwardings"]) => allow("GET"),
        (Method::Put, ["cases", erdr, "participants", id, "familiarisation"]) => {
            with_officer(req, async |db, me| grant(db, me, erdr, id, req).await).await
        }
        (Method::Delete, ["cases", erdr, "participants", id, "familiarisation"]) => {
            with_officer(req, async |db, me| revoke_grant(db, me, erdr, id).await).await
        }
        (_, ["cases", _, "participants", _, "familiarisation"]) => allow("PUT, DELETE"),
        _ => return None,
    })
}

/// Signed in as an officer (admins and participants see no case content: 403).
async fn with_officer(
    req: &jaria_portal::http::Request,
    run: impl AsyncFnOnce(&Db, &Principal) -> Result<Reply, ApiError>,
) -> Result<Reply, ApiError> {
    let db = Db::open().await?;
    let me = auth::authenticate(&db, req).await?;
    authz::appointed(&me)?;
    run(&db, &me).await
}

async fn record(
    db: &Db,
    me: &Principal,
    action: &str,
    subject: &str,
    case: &CaseRow,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    audit::record_for_case(db, &me.actor(), action, subject, Some(case.id), detail).await
}

fn case_json(case: &CaseRow) -> serde_json::Value {
    serde_json::json!({
        "erdr_number": case.erdr_number, "registered_on": case.registered_on,
        "organ": { "id": case.organ_id, "name": case.organ_name },
        "lead_officer_iin": case.lead_officer_iin, "prosecutor_iin": case.prosecutor_iin,
        "articles": case.articles, "stage": case.stage, "updated_at": case.updated_at,
        "paper_since": case.paper_since,
    })
}

const QUEUE_LIMIT: i64 = 200;

/// Access requests waiting in my cases, then my open filings, soonest due first.
async fn queue(db: &Db, me: &Principal) -> Result<Reply, ApiError> {
    let mut items = conduct::requests_in_my_cases(db, me, QUEUE_LIMIT).await?;
    // Filings waiting for my answer join the same queue, soonest due first.
    items.extend(crate::filings::open_for_queue(db, me, QUEUE_LIMIT).await?);
    items.sort_by(|a, b| a["due_at"].as_str().cmp(&b["due_at"].as_str()));
    items.truncate(QUEUE_LIMIT as usize);
    Reply::json(200, &serde_json::json!({ "items": items }))
}

async fn my_cases(
    db: &Db,
    me: &Principal,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let page = paging::parse(req.query())?;
    let (condition, mut params) = authz::my_cases_sql(me);
    params.push(int(page.before_id.unwrap_or(i64::MAX)));
    params.push(int(page.limit));
    let cases = store::cases_where(
        db,
        &format!("{condition} AND c.id < ? ORDER BY c.id DESC LIMIT ?"),
        &params,
    )
    .await?;
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    Reply::json(
        200,
        &serde_json::json!({
            "cases": cases.iter().map(case_json).collect::<Vec<_>>(),
            "next_cursor": paging::next_cursor(&page, &ids),
        }),
    )
}

async fn case_card(db: &Db, me: &Principal, erdr: &str) -> Result<Reply, ApiError> {
    let body = audit::audited_read(db, &me.actor(), async |db| {
        let OfficerCase { case, relation } = authz::officer_case(db, me, erdr, Act::View).await?;
        let participants = conduct::participants_of(db, case.id).await?;
        let mut body = case_json(&case);
        body["my_relation"] = relation.as_str().into();
        body["participants"] = participants.into();
        body["grants"] = conduct::live_grants(db, case.id).await?.into();
        body["decisions"] = conduct::decisions_of(db, case.id).await?.into();
        body["materials"] = conduct::materials_of(db, case.id).await?.into();
        Ok((
            body,
            ReadNote::new(
                "case_viewed",
                format!("case:{}", case.erdr_number),
                Some(case.id),
            ),
        ))
    })
    .await?;
    Reply::json(200, &body)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCase {
    erdr_number: String,
    registered_on: String,
    articles: Vec<String>,
    #[serde(default)]
    lead_officer_iin: Option<String>,
    #[serde(default)]
    prosecutor_iin: Option<String>,
}

fn parse_date(field: &str, value: &str) -> Result<String, ApiError> {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|d| d.to_string())
        .map_err(|_| ApiError::invalid(field, "invalid_date", "Give a date as YYYY-MM-DD."))
}

/// The organ an active prosecutor serves in, if `iin` is one.
/// The organ of the active prosecutor `iin`, or 422 when they are none.
async fn prosecutor_organ(db: &Db, iin: &str) -> Result<i64, ApiError> {
    authz::supervising_organ(identity::appointment_of(db, iin).await?).ok_or_else(|| {
        ApiError::invalid(
            "prosecutor_iin",
            "not_a_prosecutor",
            "No active prosecutor has this IIN.",
        )
    })
}

/// 422 unless `iin` may lead a case of `organ_id` now.
async fn refuse_unless_may_lead(
    db: &Db,
    iin: &str,
    organ_id: i64,
    detail: &str,
) -> Result<(), ApiError> {
    if authz::may_lead(identity::appointment_of(db, iin).await?, organ_id) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "lead_officer_iin",
            "not_an_investigator",
            detail,
        ))
    }
}

async fn register_case(
    db: &Db,
    me: &Principal,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let organ = authz::registering_organ(me)?;
    let body: NewCase = json_body(req)?;
    let erdr = ErdrNumber::parse(body.erdr_number.trim())
        .map_err(|e| ApiError::invalid("erdr_number", "invalid_erdr_number", &e.to_string()))?;
    // Only numbers of my organ's code: a case of another organ (and the status requests
    // people sent for it) is not mine to register.
    authz::may_register(organ, &erdr)?;
    let registered_on = parse_date("registered_on", &body.registered_on)?;
    if body.articles.is_empty()
        || body
            .articles
            .iter()
            .any(|a| a.trim().is_empty() || a.chars().count() > 200)
    {
        return Err(ApiError::invalid(
            "articles",
            "invalid_articles",
            "Give at least one qualification.",
        ));
    }
    let lead = body.lead_officer_iin.unwrap_or_else(|| me.iin.clone());
    refuse_unless_may_lead(
        db,
        &lead,
        organ.id,
        "The lead officer must be an investigator or inquirer of your organ.",
    )
    .await?;
    let prosecutor_organ = match &body.prosecutor_iin {
        None => None,
        Some(p) => Some(prosecutor_organ(db, p).await?),
    };
    let now = clock::rfc3339(clock::now());
    let articles =
        serde_json::to_string(&body.articles).map_err(|e| ApiError::Internal(e.to_string()))?;
    let case = db
        .transaction(async |db| {
            if store::find_case(db, erdr.as_str()).await?.is_some() {
                return Err(ApiError::Conflict(
                    "A case with this ERDR number is registered.".into(),
                ));
            }
            let new_case = conduct::NewCase {
                erdr_number: erdr.as_str(),
                registered_on: &registered_on,
                organ_id: organ.id,
                lead_officer_iin: &lead,
                prosecutor_iin: body.prosecutor_iin.as_deref(),
                prosecutor_organ_id: prosecutor_organ,
                articles: &articles,
            };
            let case = conduct::register(db, &new_case, &now).await?;
            record(
                db,
                me,
                "case_registered",
                &format!("case:{}", erdr.as_str()),
                &case,
                serde_json::json!({}),
            )
            .await?;
            Ok(case)
        })
        .await?;
    Reply::json(201, &case_json(&case))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseChange {
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    lead_officer_iin: Option<String>,
    /// A supervising prosecutor assigned after registration.
    #[serde(default)]
    prosecutor_iin: Option<String>,
}

async fn update_case(
    db: &Db,
    me: &Principal,
    erdr: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: CaseChange = json_body(req)?;
    let stage = body
        .stage
        .as_deref()
        .map(|s| {
            Stage::parse(s)
                .ok_or_else(|| ApiError::invalid("stage", "invalid_stage", "Not a stage."))
        })
        .transpose()?;
    let case = db.transaction(async |db| {
        let mine = OfficerCase::find(db, me, erdr).await?;
        if stage.is_some() {
            mine.to(Act::ChangeStage)?;
        }
        if let Some(lead) = &body.lead_officer_iin {
            mine.to(Act::ReassignLead)?;
            refuse_unless_may_lead(db, lead, mine.case.organ_id, "Not an investigator of this organ.").await?;
        }
        let prosecutor_organ = match body.prosecutor_iin.as_deref() {
            Some(prosecutor) => {
                let organ = prosecutor_organ(db, prosecutor).await?;
                mine.may_assign_prosecutor(organ)?;
                Some(organ)
            }
            None => None,
        };
        let case = mine.case;
        let change = conduct::CaseChange {
            stage,
            lead_officer_iin: body.lead_officer_iin.as_deref(),
            prosecutor_iin: body.prosecutor_iin.as_deref(),
            prosecutor_organ_id: prosecutor_organ,
        };
        let updated = conduct::change(db, &case, &change, &clock::rfc3339(clock::now())).await?;
        if let Some(prosecutor) = &body.prosecutor_iin {
            record(
                db, me, "prosecutor_assigned", &format!("case:{}", case.erdr_number), &case,
                serde_json::json!({ "prosecutor_iin": prosecutor, "previous": case.prosecutor_iin }),
            ).await?;
        }
        record(
            db, me, "case_updated", &format!("case:{}", case.erdr_number), &case,
            serde_json::json!({ "stage": stage.map(|s| s.as_str()), "lead_officer_iin": body.lead_officer_iin }),
        ).await?;
        Ok(updated)
    }).await?;
    Reply::json(200, &case_json(&case))
}

#[derive(Clone, Copy)]
enum Attachment {
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
    /// The officer's CMS signature over the document's bytes (detached), as NCALayer or the
    /// page's `.p12` signing makes it: base64 of DER, or PEM.
    #[serde(default)]
    signature: Option<String>,
}

async fn add_document(
    db: &Db,
    me: &Principal,
    erdr: &str,
    req: &jaria_portal::http::Request,
    what: Attachment,
) -> Result<Reply, ApiError> {
    let body: NewDocument = json_body(req)?;
    let title = jaria_portal::text::bounded("title", &body.title, 300)?;
    let (filename, bytes, media_type) =
        documents::from_base64("", &body.filename, &body.content_base64)?;
    let now_time = clock::now();
    let now = clock::rfc3339(now_time);
    // Signed by the officer who sends it, over exactly these bytes: checked before anything
    // is stored.
    let signed = match body.signature.as_deref() {
        Some(cms) => Some(
            jaria_portal::signed::verify(db, "signature", cms, &bytes, &me.iin, now_time).await?,
        ),
        None => None,
    };
    let decision = match what {
        Attachment::Decision => Some(NewDecision::parse(&body)?),
        Attachment::Material => None,
    };
    let act = match &decision {
        Some(d) if d.kind == DecisionType::SwitchToPaper => Act::SwitchToPaper,
        Some(_) => Act::AddDecision,
        None => Act::AddMaterial,
    };
    let (id, sha) = db
        .transaction(async |db| {
            let mine = authz::officer_case(db, me, erdr, act).await?;
            // No officer decides a matter about themselves, a decision included.
            mine.not_concerning(me, &[decision.as_ref().and_then(|d| d.concerns.as_deref())])?;
            let case = &mine.case;
            let sha = documents::store(db, &bytes, media_type, &now).await?;
            if let Some(signed) = &signed {
                jaria_portal::signed::store_for_document(db, &sha, signed, &now).await?;
            }
            let (id, action) = match &decision {
                Some(NewDecision {
                    kind,
                    decided_on,
                    concerns,
                }) => {
                    let kind = *kind;
                    let new = conduct::NewDecision {
                        kind,
                        concerns_iin: concerns.as_deref(),
                        decided_on,
                        officer_iin: &me.iin,
                        title: &title,
                        document_sha256: &sha,
                        filename: &filename,
                    };
                    let decision_id = conduct::add_decision(db, case, &new, &now).await?;
                    // Everyone who may now see it is told, in the same transaction.
                    let recipients =
                        store::decision_recipients(db, case.id, kind, concerns.as_deref()).await?;
                    notify::send(
                        db,
                        recipients.iter().map(String::as_str),
                        Notice::DecisionAvailable,
                        &now,
                        &serde_json::json!({
                            "erdr_number": case.erdr_number, "decision_id": decision_id,
                            "type": kind.as_str(), "title": title,
                        }),
                    )
                    .await?;
                    (decision_id, "decision_added")
                }
                None => {
                    let kind = body.kind.as_deref().unwrap_or("document").trim().to_owned();
                    let new = conduct::NewMaterial {
                        title: &title,
                        kind: &kind,
                        document_sha256: &sha,
                        filename: &filename,
                        added_by: &me.iin,
                    };
                    (
                        conduct::add_material(db, case, &new, &now).await?,
                        "material_added",
                    )
                }
            };
            record(
                db,
                me,
                action,
                &format!("case:{}", case.erdr_number),
                case,
                serde_json::json!({ "id": id }),
            )
            .await?;
            Ok((id, sha))
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({ "id": id, "sha256": sha, "size": bytes.len(), "media_type": media_type }),
    )
}

/// A decision's own fields, checked before anything is stored.
struct NewDecision {
    kind: DecisionType,
    decided_on: String,
    /// The person a personal decision is about.
    concerns: Option<String>,
}

impl NewDecision {
    fn parse(body: &NewDocument) -> Result<NewDecision, ApiError> {
        let kind = body
            .decision_type
            .as_deref()
            .and_then(DecisionType::parse)
            .ok_or_else(|| {
                ApiError::invalid("type", "invalid_decision_type", "Not a decision type.")
            })?;
        let decided_on = parse_date("decided_on", body.decided_on.as_deref().unwrap_or(""))?;
        let concerns = match (&body.concerns_iin, party_status(kind)) {
            (Some(iin), _) => Some(
                jaria_portal::iin::Iin::parse(iin.trim())
                    .map_err(|e| ApiError::invalid("concerns_iin", "invalid_iin", &e.to_string()))?
                    .as_str()
                    .to_owned(),
            ),
            (None, Some(_)) => {
                return Err(ApiError::invalid(
                    "concerns_iin",
                    "required",
                    "A personal decision must name the person it is about.",
                ));
            }
            (None, None) => None,
        };
        Ok(NewDecision {
            kind,
            decided_on,
            concerns,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    decision: String,
    #[serde(default)]
    reason: Option<String>,
}

/// Tells the participant what changed about their place in the case.
async fn notify_participant(
    db: &Db,
    p: &OfficerParticipant,
    notice: Notice,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    let mut payload =
        serde_json::json!({ "erdr_number": p.case.erdr_number, "participant_id": p.id });
    if let (Some(target), serde_json::Value::Object(more)) = (payload.as_object_mut(), detail) {
        target.extend(more);
    }
    notify::send(
        db,
        [p.person_iin.as_str()],
        notice,
        &clock::rfc3339(clock::now()),
        &payload,
    )
    .await
}

async fn decide_request(
    db: &Db,
    me: &Principal,
    id: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: Decision = json_body(req)?;
    let reason = body.reason.unwrap_or_default().trim().to_owned();
    let state = match body.decision.as_str() {
        "confirm" => "confirmed",
        "reject" if !reason.is_empty() => "rejected",
        "reject" => {
            return Err(ApiError::invalid(
                "reason",
                "required",
                "A rejection must give its reason.",
            ));
        }
        _ => {
            return Err(ApiError::invalid(
                "decision",
                "invalid_decision",
                "Either confirm or reject.",
            ));
        }
    };
    let (id, state) = db
        .transaction(async |db| {
            let p = authz::officer_participant(db, me, id, None, Act::ConfirmStatus).await?;
            let (case, id, current) = (&p.case, p.id, &p.state);
            if current != "requested" {
                return Err(ApiError::Conflict(format!(
                    "The request is already {current}."
                )));
            }
            let reason_given = (!reason.is_empty()).then_some(reason.as_str());
            conduct::answer_status_request(
                db,
                id,
                state,
                &me.iin,
                reason_given,
                &clock::rfc3339(clock::now()),
            )
            .await?;
            record(
                db,
                me,
                if state == "confirmed" {
                    "status_confirmed"
                } else {
                    "status_rejected"
                },
                &format!("participant:{id}"),
                case,
                serde_json::json!({}),
            )
            .await?;
            notify_participant(
                db,
                &p,
                Notice::AccessRequestDecided,
                serde_json::json!({
                    "state": state, "reason": (!reason.is_empty()).then_some(reason.as_str()),
                }),
            )
            .await?;
            Ok((id, state))
        })
        .await?;
    Reply::json(
        200,
        &serde_json::json!({ "id": id, "state": state, "reason": (!reason.is_empty()).then_some(reason) }),
    )
}

/// `DELETE .../participants/{id}`: the status ends today (kept for clients of the first API;
/// `POST .../participants/{id}/end` records the date and the reason).
async fn revoke_status(db: &Db, me: &Principal, erdr: &str, id: &str) -> Result<Reply, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let now = clock::now();
    let ending = participants::Ending {
        ended_on: clock::almaty_date(now),
        reason: "Status revoked.".into(),
    };
    db.transaction(async |db| {
        participants::end(db, me, erdr, id, &ending, &clock::rfc3339(now)).await
    })
    .await?;
    Ok(Reply::empty(204))
}

/// `POST /api/officer/cases/{erdr}/participants`: the officer records a participant on their
/// procedural decision; the person sees the case at their next sign-in.
async fn record_participant(
    db: &Db,
    me: &Principal,
    erdr: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let input: participants::RecordInput = json_body(req)?;
    let now = clock::now();
    let new = participants::validate(&input, clock::almaty_date(now))?;
    let (_, recorded) = db
        .transaction(async |db| {
            participants::record(db, me, erdr, &new, &clock::rfc3339(now)).await
        })
        .await?;
    Reply::json(
        201,
        &serde_json::json!({
            "id": recorded.id, "erdr_number": erdr, "iin": new.iin.as_str(),
            "full_name": new.full_name, "procedural_status": new.status,
            "represented_iin": new.represented.as_ref().map(|r| r.as_str()),
            "basis": {
                "document": new.basis.document, "number": new.basis.number,
                "date": new.basis.date.to_string(),
            },
            "state": "confirmed", "confirmed_request": recorded.confirmed_request,
        }),
    )
}

/// `POST /api/officer/cases/{erdr}/participants/{id}/end`
async fn end_status(
    db: &Db,
    me: &Principal,
    erdr: &str,
    id: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let input: participants::EndInput = json_body(req)?;
    let now = clock::now();
    let ending = participants::validate_ending(&input, clock::almaty_date(now))?;
    db.transaction(async |db| {
        participants::end(db, me, erdr, id, &ending, &clock::rfc3339(now)).await
    })
    .await?;
    Reply::json(
        200,
        &serde_json::json!({
            "id": id, "state": "revoked", "ended_on": ending.ended_on.to_string(),
            "reason": ending.reason,
        }),
    )
}

/// `GET /api/officer/cases/{erdr}/decisions/{id}/service`: proof of service — for each person
/// the decision reaches now, when they first saw it listed and first downloaded it, from the
/// read log (every participant read is logged).
async fn proof_of_service(
    db: &Db,
    me: &Principal,
    erdr: &str,
    id: &str,
) -> Result<Reply, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let body = audit::audited_read(db, &me.actor(), async |db| {
        let case = authz::officer_case(db, me, erdr, Act::View).await?.case;
        let service = jaria_portal::service::of_decision(db, &case, id).await?;
        Ok((
            service,
            ReadNote::new("service_viewed", format!("decision:{id}"), Some(case.id)),
        ))
    })
    .await?;
    Reply::json(200, &body)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewGrant {
    scope: serde_json::Value,
    #[serde(default)]
    until: Option<String>,
}

async fn grant(
    db: &Db,
    me: &Principal,
    erdr: &str,
    id: &str,
    req: &jaria_portal::http::Request,
) -> Result<Reply, ApiError> {
    let body: NewGrant = json_body(req)?;
    let (scope_all, ids): (bool, Vec<i64>) = match &body.scope {
        serde_json::Value::String(s) if s == "all" => (true, Vec::new()),
        serde_json::Value::Array(items) if !items.is_empty() => (
            false,
            items
                .iter()
                .map(|v| {
                    v.as_i64().ok_or_else(|| {
                        ApiError::invalid("scope", "invalid_scope", "Material ids are integers.")
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        _ => {
            return Err(ApiError::invalid(
                "scope",
                "invalid_scope",
                "Give \"all\" or a list of material ids.",
            ));
        }
    };
    let until_unix = body
        .until
        .as_deref()
        .map(|u| {
            chrono::DateTime::parse_from_rfc3339(u)
                .map(|t| t.timestamp())
                .map_err(|_| ApiError::invalid("until", "invalid_time", "Give an RFC 3339 time."))
        })
        .transpose()?;
    if until_unix.is_some_and(|u| u <= clock::now().timestamp()) {
        return Err(ApiError::invalid(
            "until",
            "in_the_past",
            "The grant must end in the future.",
        ));
    }
    db.transaction(async |db| {
        let p =
            authz::officer_participant(db, me, id, Some(erdr), Act::GrantFamiliarisation).await?;
        let (case, id, current) = (&p.case, p.id, &p.state);
        if current != "confirmed" {
            return Err(ApiError::Conflict(
                "Only a confirmed participant can be granted familiarisation.".into(),
            ));
        }
        for material in &ids {
            if !conduct::material_in_case(db, *material, case.id).await? {
                return Err(ApiError::invalid(
                    "scope",
                    "unknown_material",
                    &format!("Material {material} is not in this case."),
                ));
            }
        }
        let now = clock::rfc3339(clock::now());
        let grant = conduct::NewGrant {
            participant_id: id,
            scope_all,
            material_ids: &ids,
            granted_by: &me.iin,
            until_unix,
        };
        conduct::grant(db, &grant, &now).await?;
        record(
            db,
            me,
            "familiarisation_granted",
            &format!("participant:{id}"),
            case,
            serde_json::json!({ "scope_all": scope_all, "material_ids": ids }),
        )
        .await?;
        notify_participant(
            db,
            &p,
            Notice::FamiliarisationGranted,
            serde_json::json!({ "until": body.until }),
        )
        .await
    })
    .await?;
    Reply::json(
        200,
        &serde_json::json!({ "participant_id": id, "scope": body.scope, "until": body.until }),
    )
}

async fn revoke_grant(db: &Db, me: &Principal, erdr: &str, id: &str) -> Result<Reply, ApiError> {
    db.transaction(async |db| {
        let p = authz::officer_participant(db, me, id, Some(erdr), Act::EndFamiliarisation).await?;
        let (case, id) = (&p.case, p.id);
        if !conduct::end_grant(db, id, &clock::rfc3339(clock::now())).await? {
            return Err(ApiError::NotFound);
        }
        record(
            db,
            me,
            "familiarisation_revoked",
            &format!("participant:{id}"),
            case,
            serde_json::json!({}),
        )
        .await?;
        notify_participant(
            db,
            &p,
            Notice::FamiliarisationRevoked,
            serde_json::json!({}),
        )
        .await
    })
    .await?;
    Ok(Reply::empty(204))
}
