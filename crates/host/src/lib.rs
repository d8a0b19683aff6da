//! `jaria`: a small Spin-compatible host on wasmtime. It reads the same `spin.toml`, routes
//! as Spin routes, provides the Spin host interfaces spin-sdk 5.x components import, and keeps
//! state in Spin's default files, so the same app runs here and under `spin up` unchanged.

pub mod audit;
pub mod backup;
pub mod building;
pub mod demo;
pub mod faults;
pub mod guest_log;
pub mod instance;
pub mod kv;
pub mod lanes;
pub mod libsql_server;
pub mod manifest;
pub mod metrics;
pub mod migrate;
pub mod outbound;
pub mod problem;
pub mod router;
pub mod runtime;
pub mod runtime_config;
pub mod scale;
pub mod server;
pub mod spin_api;
pub mod storage;
pub mod telemetry;
pub mod variables;
