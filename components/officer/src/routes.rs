//! The officer component's route table, a section per resource; each section answers 405
//! for its own paths, and a path no section knows is the component's 404.

use jaria_portal::ApiError;
use jaria_portal::audit::{self, ReadNote};
use jaria_portal::filing::signature;
use jaria_portal::http::{Method, Reply};

use crate::{cases, documents, familiarisation, participants, queue, with_officer};

/// The route table, a section per resource; each section answers 405 for its paths itself.
pub async fn route(
    req: &jaria_portal::http::Request,
    method: Method,
    path: &str,
) -> Option<Result<Reply, ApiError>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["queue"] | ["forwardings"] | ["access-requests", ..] => {
            desk_routes(req, method, &segments).await
        }
        ["cases"] | ["cases", _] | ["cases", _, "decisions" | "materials", ..] => {
            case_routes(req, method, &segments).await
        }
        ["cases", _, "participants", ..] => participant_routes(req, method, &segments).await,
        ["filings", ..] => filing_routes(req, method, &segments).await,
        _ => None,
    }
}

/// `with_officer(req, async |db, me| call.await).await`: the form of nearly every route here.
macro_rules! as_officer {
    ($req:expr, |$db:ident, $me:ident| $call:expr) => {
        with_officer($req, async |$db, $me| $call.await).await
    };
}

fn allow(allowed: &'static str) -> Result<Reply, ApiError> {
    Err(ApiError::MethodNotAllowed { allow: allowed })
}

/// The officer's desk: their queue, the forwardings they sent, status requests to answer.
async fn desk_routes(
    req: &jaria_portal::http::Request,
    method: Method,
    segments: &[&str],
) -> Option<Result<Reply, ApiError>> {
    Some(match (method, segments) {
        (Method::Get, ["queue"]) => {
            with_officer(req, async |db, me| {
                audit::audited_read(db, &me.actor(), async |db| {
                    let note = ReadNote::new("queue_viewed", format!("person:{}", me.iin), None);
                    Ok((queue::queue(db, me).await?, note))
                })
                .await
            })
            .await
        }
        (_, ["queue"]) => allow("GET"),
        (Method::Get, ["forwardings"]) => with_officer(req, crate::filings::forwardings).await,
        (_, ["forwardings"]) => allow("GET"),
        (Method::Post, ["access-requests", id, "decision"]) => {
            as_officer!(req, |db, me| participants::decide_request(db, me, id, req))
        }
        (_, ["access-requests", _, "decision"]) => allow("POST"),
        _ => return None,
    })
}

/// Cases: the officer's list, registration, the card and its changes, decisions and materials.
async fn case_routes(
    req: &jaria_portal::http::Request,
    method: Method,
    segments: &[&str],
) -> Option<Result<Reply, ApiError>> {
    use documents::Attachment;
    Some(match (method, segments) {
        (Method::Get, ["cases"]) => {
            with_officer(req, async |db, me| {
                audit::audited_read(db, &me.actor(), async |db| {
                    let note = ReadNote::new("cases_listed", format!("person:{}", me.iin), None);
                    Ok((cases::my_cases(db, me, req).await?, note))
                })
                .await
            })
            .await
        }
        (Method::Post, ["cases"]) => as_officer!(req, |db, me| cases::register_case(db, me, req)),
        (_, ["cases"]) => allow("GET, POST"),
        (Method::Get, ["cases", erdr]) => as_officer!(req, |db, me| cases::case_card(db, me, erdr)),
        (Method::Patch, ["cases", erdr]) => {
            as_officer!(req, |db, me| cases::update_case(db, me, erdr, req))
        }
        (_, ["cases", _]) => allow("GET, PATCH"),
        (Method::Post, ["cases", erdr, "decisions"]) => {
            as_officer!(req, |db, me| documents::add_document(
                db,
                me,
                erdr,
                req,
                Attachment::Decision
            ))
        }
        (Method::Post, ["cases", erdr, "materials"]) => {
            as_officer!(req, |db, me| documents::add_document(
                db,
                me,
                erdr,
                req,
                Attachment::Material
            ))
        }
        (_, ["cases", _, "decisions" | "materials"]) => allow("POST"),
        (Method::Get, ["cases", erdr, "decisions", id, "service"]) => {
            as_officer!(req, |db, me| documents::proof_of_service(db, me, erdr, id))
        }
        (_, ["cases", _, "decisions", _, "service"]) => allow("GET"),
        _ => return None,
    })
}

/// A case's participants: recorded, revoked, ended, and their familiarisation.
async fn participant_routes(
    req: &jaria_portal::http::Request,
    method: Method,
    segments: &[&str],
) -> Option<Result<Reply, ApiError>> {
    Some(match (method, segments) {
        (Method::Post, ["cases", erdr, "participants"]) => {
            as_officer!(req, |db, me| participants::record_participant(
                db, me, erdr, req
            ))
        }
        (_, ["cases", _, "participants"]) => allow("POST"),
        (Method::Delete, ["cases", erdr, "participants", id]) => {
            as_officer!(req, |db, me| participants::revoke_status(db, me, erdr, id))
        }
        (_, ["cases", _, "participants", _]) => allow("DELETE"),
        (Method::Post, ["cases", erdr, "participants", id, "end"]) => {
            as_officer!(req, |db, me| participants::end_status(
                db, me, erdr, id, req
            ))
        }
        (_, ["cases", _, "participants", _, "end"]) => allow("POST"),
        (Method::Put, ["cases", erdr, "participants", id, "familiarisation"]) => {
            as_officer!(req, |db, me| familiarisation::grant(db, me, erdr, id, req))
        }
        (Method::Delete, ["cases", erdr, "participants", id, "familiarisation"]) => as_officer!(
            req,
            |db, me| familiarisation::revoke_grant(db, me, erdr, id)
        ),
        (_, ["cases", _, "participants", _, "familiarisation"]) => allow("PUT, DELETE"),
        _ => return None,
    })
}

/// Filings received: the queue, one filing, its documents and signature, and its answers.
async fn filing_routes(
    req: &jaria_portal::http::Request,
    method: Method,
    segments: &[&str],
) -> Option<Result<Reply, ApiError>> {
    use crate::{answers, filings};
    Some(match (method, segments) {
        (Method::Get, ["filings"]) => {
            as_officer!(req, |db, me| filings::queue(db, me, req.query()))
        }
        (_, ["filings"]) => allow("GET"),
        (Method::Get, ["filings", id]) => as_officer!(req, |db, me| filings::view(db, me, id)),
        (_, ["filings", _]) => allow("GET"),
        (Method::Get, ["filings", id, "documents", sha]) => {
            as_officer!(req, |db, me| filings::document(db, me, req, id, sha))
        }
        (_, ["filings", _, "documents", _]) => allow("GET"),
        (Method::Get, ["filings", id, "signature"]) => {
            as_officer!(req, |db, me| filings::signed_part(
                db,
                me,
                id,
                signature::Part::Cms
            ))
        }
        (_, ["filings", _, "signature"]) => allow("GET"),
        (Method::Get, ["filings", id, "signed-content"]) => {
            as_officer!(req, |db, me| filings::signed_part(
                db,
                me,
                id,
                signature::Part::Content
            ))
        }
        (_, ["filings", _, "signed-content"]) => allow("GET"),
        (Method::Post, ["filings", id, "review"]) => {
            as_officer!(req, |db, me| answers::review(db, me, id))
        }
        (_, ["filings", _, "review"]) => allow("POST"),
        (Method::Post, ["filings", id, "extension"]) => {
            as_officer!(req, |db, me| answers::extend(db, me, id, req))
        }
        (_, ["filings", _, "extension"]) => allow("POST"),
        (Method::Post, ["filings", id, "decision"]) => {
            as_officer!(req, |db, me| answers::decide(db, me, id, req))
        }
        (_, ["filings", _, "decision"]) => allow("POST"),
        (Method::Post, ["filings", id, "court"]) => {
            as_officer!(req, |db, me| answers::court(db, me, id, req))
        }
        (_, ["filings", _, "court"]) => allow("POST"),
        _ => return None,
    })
}
