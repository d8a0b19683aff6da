//! `confirmation` — The officer's side: confirming procedural status, granting familiarisation, answering filings.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    jaria_portal::http::serve("confirmation", &req, |_method, _path| None)
}
