//! A [`Reply`] as the `wasi:http` response the runtime sends, in the one shape that leaves a
//! kept-alive connection without a 40 ms stall on Spin 4.1 (`bench/analysis.md`, "Head and
//! body together"): Spin does not set `TCP_NODELAY`, so a response that leaves in two writes
//! waits for the client's delayed ACK before its second. An exact `content-length` lets the
//! runtime end the message with the last body byte (chunked encoding's terminator always
//! trailed by a round trip), and one yield before the response is handed over
//! ([`settle`]) lets the runtime move the body bytes before it writes the head.

use crate::http::Reply;

/// The response a component's handler returns to the runtime.
pub type Response = spin_sdk::wasip3::http::types::Response;

/// Renders a reply with its exact `content-length`. A header the runtime refuses (which a
/// reply of ours never has) turns the answer into a bare 500 rather than a trap.
pub fn respond(reply: Reply) -> Response {
    let mut builder = http::Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        if !name.eq_ignore_ascii_case("content-length") {
            builder = builder.header(name.as_str(), value.as_str());
        }
    }
    builder = builder.header("content-length", reply.body.len());
    builder
        .body(http_body_util::Full::new(bytes::Bytes::from(reply.body)))
        .ok()
        .and_then(|response| spin_sdk::wasip3::http_compat::http_into_wasi_response(response).ok())
        .unwrap_or_else(bare_internal_error)
}

fn bare_internal_error() -> Response {
    let (response, _) = Response::new(
        spin_sdk::wasip3::http::types::Fields::new(),
        None,
        spin_sdk::wasip3::wit_future::new(|| Ok(None)).1,
    );
    let _ = response.set_status_code(500);
    response
}

/// Lets the runtime take the response's body before its head goes out: one turn of the
/// instance's scheduler between building the response and returning it.
pub async fn settle() {
    spin_sdk::wasip3::wit_bindgen::yield_async().await;
}
