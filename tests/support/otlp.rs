//! An OTLP/HTTP trace receiver for the tests: listens on 127.0.0.1, takes
//! `POST /v1/traces` bodies as an OpenTelemetry collector does, decodes them with the
//! OpenTelemetry project's own protobuf definitions (`opentelemetry-proto`), and keeps every
//! span it was sent.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message as _;

/// One span as the receiver got it.
#[derive(Debug, Clone)]
pub struct Span {
    pub service: String,
    pub trace_id: Vec<u8>,
    pub span_id: Vec<u8>,
    pub parent_span_id: Vec<u8>,
    pub name: String,
    /// 1 internal, 2 server, 3 client (OTLP's `SpanKind`).
    pub kind: i32,
    pub attributes: Vec<(String, String)>,
}

impl Span {
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

pub struct Receiver {
    pub port: u16,
    spans: Arc<Mutex<Vec<Span>>>,
    /// Request paths and content types, as sent.
    requests: Arc<Mutex<Vec<String>>>,
}

fn text(value: Option<&opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(AnyValue::StringValue(s)) => s.clone(),
        Some(AnyValue::IntValue(i)) => i.to_string(),
        Some(AnyValue::BoolValue(b)) => b.to_string(),
        Some(AnyValue::DoubleValue(d)) => d.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

impl Receiver {
    pub fn start() -> Self {
        let spans = Arc::new(Mutex::new(Vec::new()));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (spans_in, requests_in) = (Arc::clone(&spans), Arc::clone(&requests));
        let port =
            crate::stub_http::serve(move |request| Some(answer(request, &spans_in, &requests_in)));
        Self {
            port,
            spans,
            requests,
        }
    }

    /// The base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn spans(&self) -> Vec<Span> {
        self.spans.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Waits until `found` picks something out of the spans received, or panics.
    pub fn wait_for<T>(&self, what: &str, found: impl Fn(&[Span]) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(t) = found(&self.spans()) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} reached the receiver in 20 s; it got {:?}\nrequests: {:?}",
                self.spans(),
                self.requests()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// One export: its spans kept, answered 200 (404 off `/v1/traces`).
fn answer(
    request: &crate::stub_http::Request,
    spans: &Mutex<Vec<Span>>,
    requests: &Mutex<Vec<String>>,
) -> String {
    let path = request.path.as_str();
    let content_type = request.header("content-type").unwrap_or("");
    if let Ok(mut r) = requests.lock() {
        r.push(format!("{path} {content_type}"));
    }
    let status = if path == "/v1/traces" {
        if let Ok(export) = ExportTraceServiceRequest::decode(request.body.as_slice())
            && let Ok(mut kept) = spans.lock()
        {
            for resource_spans in export.resource_spans {
                let service = resource_spans
                    .resource
                    .as_ref()
                    .and_then(|r| r.attributes.iter().find(|a| a.key == "service.name"))
                    .map(|a| text(a.value.as_ref()))
                    .unwrap_or_default();
                for scope in resource_spans.scope_spans {
                    for span in scope.spans {
                        kept.push(Span {
                            service: service.clone(),
                            trace_id: span.trace_id,
                            span_id: span.span_id,
                            parent_span_id: span.parent_span_id,
                            name: span.name,
                            kind: span.kind,
                            attributes: span
                                .attributes
                                .iter()
                                .map(|a| (a.key.clone(), text(a.value.as_ref())))
                                .collect(),
                        });
                    }
                }
            }
        }
        "200 OK"
    } else {
        "404 Not Found"
    };
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n"
    )
}
