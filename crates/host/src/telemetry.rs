//! Logs and traces of `jaria up`. Logs go to stderr (`JARIA_LOG` filters them). Traces are
//! exported over OTLP the way Spin exports them, from the standard variables:
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) switches them on,
//! `OTEL_EXPORTER_OTLP_PROTOCOL` must be `http/protobuf` (Spin's default; gRPC is refused by
//! name), `OTEL_SERVICE_NAME` names the service (default `jaria`), `OTEL_BSP_*` tune the
//! batches, `OTEL_SDK_DISABLED=true` switches them off. Each request is a server span with its
//! component, route, status and request id; each key-value, SQLite and variables call a client
//! span beneath it.
//!
//! With no exporter, no span is even created ([`enabled`]): a request pays nothing for traces
//! nobody collects.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::trace::TracerProvider as _;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

static TRACING: AtomicBool = AtomicBool::new(false);

/// Whether spans are exported (and so worth creating).
pub fn enabled() -> bool {
    TRACING.load(Ordering::Relaxed)
}

/// Flushes the traces still batched when dropped (at the end of `main`).
pub struct Telemetry {
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("traces: flushing at exit failed: {e}");
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The OTLP exporter the environment asks for, if any.
fn tracer_provider() -> anyhow::Result<Option<opentelemetry_sdk::trace::SdkTracerProvider>> {
    if env("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Ok(None);
    }
    if env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_none()
        && env("OTEL_EXPORTER_OTLP_ENDPOINT").is_none()
    {
        return Ok(None);
    }
    let protocol = env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        .or_else(|| env("OTEL_EXPORTER_OTLP_PROTOCOL"))
        .unwrap_or_else(|| "http/protobuf".into());
    if protocol != "http/protobuf" {
        anyhow::bail!(
            "OTEL_EXPORTER_OTLP_PROTOCOL={protocol}: jaria exports traces over http/protobuf \
             only (Spin's default); point it at the collector's OTLP/HTTP port (4318)"
        );
    }
    use opentelemetry_otlp::WithExportConfig as _;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .build()?;
    let mut resource = opentelemetry_sdk::Resource::builder();
    if env("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("jaria");
    }
    Ok(Some(
        opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build(),
    ))
}

/// Sets up logging to stderr and, when the environment asks for it, trace export.
pub fn init() -> anyhow::Result<Telemetry> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("JARIA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let provider = tracer_provider()?;
    // Each layer filters for itself: quieter logs never thin the traces.
    let traces = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("jaria"))
            .with_filter(tracing_subscriber::filter::LevelFilter::INFO)
    });
    tracing_subscriber::registry()
        .with(logs.with_filter(filter))
        .with(traces)
        .init();
    TRACING.store(provider.is_some(), Ordering::Relaxed);
    Ok(Telemetry { provider })
}
