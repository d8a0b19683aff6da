//! `login` — Sign-in: EDS certificate or password; sessions shared by every component.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    jaria_portal::http::serve("login", &req, |_method, _path| None)
}
