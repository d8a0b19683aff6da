//! The shared library every Jaria component links. A handler parses, authorises, calls the
//! domain and renders; this crate gives it the pieces: one error type mapped to RFC 9457
//! problem responses in one place ([`error`]), HTTP helpers ([`http`]), storage access that
//! turns outages into clean 503s ([`storage`]), configuration ([`config`]) and the health
//! check every component answers ([`health`]).
//!
//! Everything that does not touch the Spin host is plain Rust and unit-tested natively.

pub mod config;
pub mod error;
pub mod health;
pub mod http;
pub mod problem;
pub mod storage;

pub use error::ApiError;
pub use problem::Problem;
