//! The officer component's route table, a section per resource; each section answers 405
//! for its own paths, and a path no section knows is the component's 404.

use jaria_portal::ApiError;
use jaria_portal::filing::signature;
use jaria_portal::http::{Method, Reply, Request};

use crate::{cases, documents, familiarisation, participants, queue, with_officer};

/// The route table, a section per resource; each section answers 405 for its paths itself.
pub async fn route(req: &Request, method: Method, path: &str) -> Section {
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

/// `with_officer(req, async |desk| call.await).await`: the form of nearly every route here.
macro_rules! as_officer {
    ($req:expr, |$desk:ident| $call:expr) => {
        with_officer($req, async |$desk| $call.await).await
    };
}

/// A section's answer: `None` when the path is not one of its own.
type Section = Option<Result<Reply, ApiError>>;

fn allow(allowed: &'static str) -> Result<Reply, ApiError> {
    Err(ApiError::MethodNotAllowed { allow: allowed })
}

/// The officer's desk: their queue, the forwardings they sent, status requests to answer.
async fn desk_routes(req: &Request, method: Method, segments: &[&str]) -> Section {
    Some(match (method, segments) {
        (Method::Get, ["queue"]) => with_officer(req, queue::queue).await,
        (_, ["queue"]) => allow("GET"),
        (Method::Get, ["forwardings"]) => with_officer(req, crate::filings::forwardings).await,
        (_, ["forwardings"]) => allow("GET"),
        (Method::Post, ["access-requests", id, "decision"]) => {
            as_officer!(req, |desk| participants::decide_request(desk, id))
        }
        (_, ["access-requests", _, "decision"]) => allow("POST"),
        _ => return None,
    })
}

/// Cases: the officer's list, registration, the card and its changes, decisions and materials.
async fn case_routes(req: &Request, method: Method, segments: &[&str]) -> Section {
    use documents::Attachment;
    Some(match (method, segments) {
        (Method::Get, ["cases"]) => with_officer(req, cases::my_cases).await,
        (Method::Post, ["cases"]) => with_officer(req, cases::register_case).await,
        (_, ["cases"]) => allow("GET, POST"),
        (Method::Get, ["cases", erdr]) => as_officer!(req, |desk| cases::case_card(desk, erdr)),
        (Method::Patch, ["cases", erdr]) => {
            as_officer!(req, |desk| cases::update_case(desk, erdr))
        }
        (_, ["cases", _]) => allow("GET, PATCH"),
        (Method::Post, ["cases", erdr, list @ ("decisions" | "materials")]) => {
            let what = match *list {
                "decisions" => Attachment::Decision,
                _ => Attachment::Material,
            };
            as_officer!(req, |desk| documents::add_document(desk, erdr, what))
        }
        (_, ["cases", _, "decisions" | "materials"]) => allow("POST"),
        (Method::Get, ["cases", erdr, "decisions", id, "service"]) => {
            as_officer!(req, |desk| documents::proof_of_service(desk, erdr, id))
        }
        (_, ["cases", _, "decisions", _, "service"]) => allow("GET"),
        _ => return None,
    })
}

/// A case's participants: recorded, revoked, ended, and their familiarisation.
async fn participant_routes(req: &Request, method: Method, segments: &[&str]) -> Section {
    Some(match (method, segments) {
        (Method::Post, ["cases", erdr, "participants"]) => {
            as_officer!(req, |desk| participants::record_participant(desk, erdr))
        }
        (_, ["cases", _, "participants"]) => allow("POST"),
        (Method::Delete, ["cases", erdr, "participants", id]) => {
            as_officer!(req, |desk| participants::revoke_status(desk, erdr, id))
        }
        (_, ["cases", _, "participants", _]) => allow("DELETE"),
        (Method::Post, ["cases", erdr, "participants", id, "end"]) => {
            as_officer!(req, |desk| participants::end_status(desk, erdr, id))
        }
        (_, ["cases", _, "participants", _, "end"]) => allow("POST"),
        (Method::Put, ["cases", erdr, "participants", id, "familiarisation"]) => {
            as_officer!(req, |desk| familiarisation::grant(desk, erdr, id))
        }
        (Method::Delete, ["cases", erdr, "participants", id, "familiarisation"]) => {
            as_officer!(req, |desk| familiarisation::revoke_grant(desk, erdr, id))
        }
        (_, ["cases", _, "participants", _, "familiarisation"]) => allow("PUT, DELETE"),
        _ => return None,
    })
}

/// Filings received: the queue, one filing, its documents and signature, and its answers.
async fn filing_routes(req: &Request, method: Method, segments: &[&str]) -> Section {
    use crate::{answers, filings};
    Some(match (method, segments) {
        (Method::Get, ["filings"]) => {
            as_officer!(req, |desk| filings::queue(desk))
        }
        (_, ["filings"]) => allow("GET"),
        (Method::Get, ["filings", id]) => as_officer!(req, |desk| filings::view(desk, id)),
        (_, ["filings", _]) => allow("GET"),
        (Method::Get, ["filings", id, "documents", sha]) => {
            as_officer!(req, |desk| filings::document(desk, id, sha))
        }
        (_, ["filings", _, "documents", _]) => allow("GET"),
        (Method::Get, ["filings", id, part @ ("signature" | "signed-content")]) => {
            let part = match *part {
                "signature" => signature::Part::Cms,
                _ => signature::Part::Content,
            };
            as_officer!(req, |desk| filings::signed_part(desk, id, part))
        }
        (_, ["filings", _, "signature" | "signed-content"]) => allow("GET"),
        (Method::Post, ["filings", id, "review"]) => {
            as_officer!(req, |desk| answers::review(desk, id))
        }
        (_, ["filings", _, "review"]) => allow("POST"),
        (Method::Post, ["filings", id, "extension"]) => {
            as_officer!(req, |desk| answers::extend(desk, id))
        }
        (_, ["filings", _, "extension"]) => allow("POST"),
        (Method::Post, ["filings", id, "decision"]) => {
            as_officer!(req, |desk| answers::decide(desk, id))
        }
        (_, ["filings", _, "decision"]) => allow("POST"),
        (Method::Post, ["filings", id, "court"]) => {
            as_officer!(req, |desk| answers::court(desk, id))
        }
        (_, ["filings", _, "court"]) => allow("POST"),
        _ => return None,
    })
}
