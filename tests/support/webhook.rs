//! A delivery-webhook receiver for the tests, on 127.0.0.1: it keeps every message the portal
//! POSTs, checks nothing itself (the tests do), and can be told to fail, stall or answer
//! slowly, as operators' SMS gateways and mail relays do.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{Session, TestApp, TestAppBuilder, random_iin};

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

    /// `builder` with the portal's delivery webhook pointed here, retries a second apart, and
    /// `jaria up`'s own minute ticker off (the test's ticks are the only ones).
    pub fn configured(&self, builder: TestAppBuilder) -> TestAppBuilder {
        builder
            .env("SPIN_VARIABLE_NOTIFY_WEBHOOK_URL", &self.url())
            .env("SPIN_VARIABLE_NOTIFY_WEBHOOK_ORIGIN", &self.origin())
            .env("SPIN_VARIABLE_NOTIFY_WEBHOOK_SECRET", SECRET)
            .env("SPIN_VARIABLE_NOTIFY_RETRY_BASE_SECS", "1")
            .env("SPIN_VARIABLE_NOTIFY_WEBHOOK_TIMEOUT_MS", "1000")
            .env("JARIA_TICK_INTERVAL_SECS", "0")
    }

    /// Ticks `app` until this receiver has taken a message `pick` finds, and returns it.
    pub fn delivered(&self, app: &TestApp, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(m) = self.accepted().into_iter().find(|m| pick(m)) {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} delivered in 30 s; the receiver got {:?}",
                self.accepted()
            );
            app.tick();
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Gives `session` a verified phone number (its texts in `language`), its code read from
    /// what reached this receiver.
    pub fn verified_phone(&self, app: &TestApp, session: &Session<'_>, language: &str) -> String {
        let phone = format!("+770{}", &random_iin()[..8]);
        let r = session.request_with(
            "PUT",
            "/api/auth/contacts",
            &[
                ("content-type", "application/json"),
                ("accept-language", language),
            ],
            json!({"phone": phone}).to_string().as_bytes(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["phone"]["verified"], false);
        assert_eq!(r.json()["phone"]["code_pending"], true);
        let message = self.delivered(app, "verification code", |m| {
            m["to"] == phone.as_str() && m["template"] == "verification_code"
        });
        let r = session.post_json(
            "/api/auth/contacts/verify",
            &json!({"channel": "sms", "code": code_in(&message)}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["phone"]["verified"], true);
        phone
    }

    /// The ids of every message of `template` that arrived (taken or not), in order.
    pub fn ids_of(&self, template: &str) -> Vec<String> {
        self.received()
            .iter()
            .map(Received::json)
            .filter(|m| m["template"] == template)
            .filter_map(|m| m["id"].as_str().map(str::to_owned))
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

/// The six-digit code in a message's text.
pub fn code_in(message: &Value) -> String {
    let text = message["text"].as_str().expect("text");
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_owned()
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
