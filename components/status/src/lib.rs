//! `status` — The status of what a participant filed, and the answers.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    jaria_portal::http::serve("status", &req, |_method, _path| None)
}
