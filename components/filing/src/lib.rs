//! `filing` — Filing statements about a criminal offence, petitions and complaints, with attachments.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    jaria_portal::http::serve("filing", &req, |_method, _path| None)
}
