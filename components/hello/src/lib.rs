//! `hello` — for benchmarks only, never in the portal's manifest: the trivial component whose
//! throughput is the floor every route is compared with (`bench/`). Built like the routes
//! (spin-sdk 7, WASI 0.3) and answering in the same shape ([`jaria_portal::http::respond`]), so the
//! floor is what a route would cost with no work of its own.

#[spin_sdk::http_service]
async fn handle(_req: spin_sdk::http::Request) -> jaria_portal::http::respond::Response {
    let mut reply = jaria_portal::http::Reply::html(200, "hello");
    reply.set_header("content-type", "text/plain");
    let response = jaria_portal::http::respond::respond(reply);
    jaria_portal::http::respond::settle().await;
    response
}
