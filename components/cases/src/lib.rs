//! `cases` — A participant's cases: card, procedural decisions and the materials opened to them.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    jaria_portal::http::serve("cases", &req, |_method, _path| None)
}
