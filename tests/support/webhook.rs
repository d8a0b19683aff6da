//! A delivery-webhook receiver for the tests, on 127.0.0.1: it keeps every message the portal
//! POSTs, checks nothing itself (the tests do), and can be told to fail, stall or answer
//! slowly, as operators' SMS gateways and mail relays do.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How the receiver answers the next requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// 200 at once.
    Accept,
    /// 503 at once (the message is not taken).
    Fail,
    /// Reads the request and never answers (the connection stays open).
    Stall,
    /// Answers 200 after this long.
    Slow(Duration),
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub signature: Option<String>,
    pub message_id_header: Option<String>,
    pub body: Vec<u8>,
    /// Whether the receiver took it (answered 2xx).
    pub accepted: bool,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a webhook body is JSON")
    }
}

pub struct Receiver {
    pub port: u16,
    behaviour: Arc<Mutex<Behaviour>>,
    received: Arc<Mutex<Vec<Received>>>,
}

pub const SECRET: &str = "tests-only-webhook-secret-0123456789";

impl Receiver {
    pub fn start() -> Receiver {
        let behaviour = Arc::new(Mutex::new(Behaviour::Accept));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (b, r) = (Arc::clone(&behaviour), Arc::clone(&received));
        let port = crate::stub_http::serve(move |request| answer(request, &b, &r));
        Receiver {
            port,
            behaviour,
            received,
        }
    }

    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn url(&self) -> String {
        format!("{}/hooks/jaria", self.origin())
    }

    pub fn set(&self, behaviour: Behaviour) {
        if let Ok(mut b) = self.behaviour.lock() {
            *b = behaviour;
        }
    }

    /// Every request received, in order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The messages the receiver took (answered 2xx), as JSON.
    pub fn accepted(&self) -> Vec<Value> {
        self.received()
            .iter()
            .filter(|r| r.accepted)
            .map(Received::json)
            .collect()
    }

    /// Waits until `found` picks something out of the accepted messages, or panics.
    pub fn wait_for<T>(&self, what: &str, found: impl Fn(&[Value]) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(t) = found(&self.accepted()) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} reached the webhook in 20 s; it got {:?}",
                self.accepted()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn answer(
    request: &crate::stub_http::Request,
    behaviour: &Mutex<Behaviour>,
    received: &Mutex<Vec<Received>>,
) -> Option<String> {
    let now = behaviour.lock().map(|b| *b).unwrap_or(Behaviour::Accept);
    if let Ok(mut r) = received.lock() {
        r.push(Received {
            path: request.path.clone(),
            signature: request.header("x-jaria-signature").map(str::to_owned),
            message_id_header: request.header("x-jaria-message-id").map(str::to_owned),
            body: request.body.clone(),
            accepted: matches!(now, Behaviour::Accept | Behaviour::Slow(_)),
        });
    }
    let status = match now {
        Behaviour::Accept => "200 OK",
        Behaviour::Fail => "503 Service Unavailable",
        Behaviour::Stall => {
            std::thread::sleep(Duration::from_secs(60));
            return None;
        }
        Behaviour::Slow(wait) => {
            std::thread::sleep(wait);
            "200 OK"
        }
    };
    Some(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n"))
}
