//! `hello` — for benchmarks only, never in the portal's manifest: the trivial component whose
//! throughput is the floor every route is compared with (`bench/`).

use spin_sdk::http::{IntoResponse, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(_req: Request) -> impl IntoResponse {
    Response::builder()
        .status(200)
        .header("content-type", "text/plain")
        .body("hello")
        .build()
}
