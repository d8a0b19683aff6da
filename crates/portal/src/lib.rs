//! The shared library every Jaria component links. A handler parses, authorises, calls the
//! domain and renders; this crate gives it the pieces: one error type mapped to RFC 9457
//! problem responses in one place ([`error`]), HTTP helpers ([`http`]), storage access that
//! turns outages into clean 503s ([`storage`], [`db`]), configuration ([`config`]), identity
//! ([`iin`], [`eds`], [`password`], [`session`], [`lockout`], [`auth`]), the audit log
//! ([`audit`]) and the health check every component answers ([`health`]).
//!
//! Everything that does not touch the Spin host is plain Rust and unit-tested natively.

pub mod audit;
pub mod auth;
pub mod authz;
pub mod body;
pub mod case;
pub mod challenge;
pub mod client;
pub mod clock;
pub mod config;
pub mod contacts;
pub mod db;
pub mod deadlines;
pub mod delivery;
pub mod documents;
pub mod eds;
pub mod egov_mobile;
pub mod error;
pub mod filing;
pub mod health;
pub mod http;
pub mod identity;
pub mod iin;
pub mod law;
pub mod limits;
pub mod lockout;
pub mod notify;
pub mod outbound;
pub mod paging;
pub mod participants;
pub mod party;
pub mod password;
pub mod problem;
pub mod random;
pub mod registry;
pub mod request;
pub mod respond;
pub mod revocation;
pub mod schema;
pub mod service;
pub mod session;
pub mod signed;
pub mod signin;
pub mod sql_fault;
pub mod storage;
pub mod text;
mod text_enum;
pub mod webassets;

pub use error::ApiError;
pub use problem::Problem;
