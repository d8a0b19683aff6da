//! The entry every component's handler calls: the request read within its limits, the
//! health routes, the component's own routes, the answer with its request id and log line.
//! It sits above every other part because it joins them.

use crate::ApiError;
use crate::http::{Method, Reply, Request, finish};

/// A component's `wasi:http` entry, the one function the runtime calls: [`serve`] with the
/// component's name, its routes and (if its routes take more than small JSON) its body limits.
///
/// ```ignore
/// jaria_portal::entry!("cases", route);
/// jaria_portal::entry!("filing", route, body_limit);
/// ```
#[macro_export]
macro_rules! entry {
    ($component:literal, $routes:path) => {
        $crate::entry!($component, $routes, $crate::http::body::default_limit_for);
    };
    ($component:literal, $routes:path, $body_limit:path) => {
        #[spin_sdk::http_service]
        async fn handle(req: spin_sdk::http::Request) -> $crate::http::respond::Response {
            $crate::component::serve($component, req, $body_limit, $routes).await
        }
    };
}

/// The whole request handling of a component, from the request as the runtime hands it over:
/// its body read within the limit `body_limit` gives for this route and within the body
/// deadlines (so real Spin, which limits neither, is as safe as `jaria up`), then the health
/// routes, then its own routes, then 404. `routes` answers `None` for a path it does not own.
/// The answer carries the request id, and one JSON line per request goes to stderr.
pub async fn serve(
    component: &'static str,
    incoming: spin_sdk::http::Request,
    body_limit: impl FnOnce(Method, &str) -> usize,
    routes: impl AsyncFnOnce(&Request, Method, &str) -> Option<Result<Reply, ApiError>>,
) -> crate::http::respond::Response {
    load_test_iins().await;
    let head = crate::http::body::Head::of(&incoming);
    let method = head.method();
    let path = head.path.clone();
    let request = crate::http::body::read(incoming, head, body_limit).await;
    let (context, result) = match request {
        Ok(req) => {
            let result = match crate::health::route(component, &req).await {
                Some(result) => result,
                None => routes(&req, req.method(), req.path())
                    .await
                    .unwrap_or(Err(ApiError::NotFound)),
            };
            (req.context, result)
        }
        // The body could not be read: the request still gets an id of its own.
        Err((context, error)) => (context, Err(error)),
    };
    let mut reply = finish(component, Some(&context), result);
    reply.set_header(crate::http::request::HEADER, context.id());
    crate::platform::log::line(context.log_line(component, method.as_str(), &path, reply.status));
    let response = crate::http::respond::respond(reply);
    crate::http::respond::settle().await;
    response
}

/// NCA's test IINs, if this (staging) deployment lists them, for this request (the variable is
/// read once per instance by `settings`). A list that does not parse accepts none; readiness
/// says why.
async fn load_test_iins() {
    let listed = crate::platform::settings::EDS_TEST_IINS.optional().await;
    crate::law::iin::accept_test_iins(
        crate::identity::eds::parse_test_iins(listed.as_deref()).unwrap_or_default(),
    );
}
