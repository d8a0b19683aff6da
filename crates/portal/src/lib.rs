//! The shared library every Jaria component links. A handler parses, authorises, calls the
//! domain and renders; this crate gives it the pieces, in parts that build on each other in
//! one direction (`.ci/portal-parts` refuses an import against it):
//!
//! | part | what it holds |
//! |---|---|
//! | [`platform`] | the error type, settings, clock, randomness, SQL and key-value stores, outbound HTTP |
//! | [`http`] | requests and replies, bodies, paging, documents served, the page's assets |
//! | [`law`] | the Code as data and pure rules: statuses, decisions, filings, periods, IIN/BIN |
//! | [`audit`] | the audit chain and the read log |
//! | [`notice`] | the notice feed, people's contacts, e-mail and SMS |
//! | [`identity`] | who someone is: sign-in, EDS, sessions, lock-out, revocation, the registry |
//! | [`case`] | cases, participants, who may do what in a case (`authz`), proof of service |
//! | [`filing`] | statements, petitions and complaints: drafts, answers, receipts, the court |
//! | [`tick`] | the periodic work: deadlines, deliveries, seals |
//! | [`health`] | liveness and readiness every component answers |
//! | [`component`] | the entry every component's handler calls |
//!
//! Everything that does not touch the Spin host is plain Rust and unit-tested natively.

pub mod audit;
pub mod case;
pub mod component;
pub mod filing;
pub mod health;
pub mod http;
pub mod identity;
pub mod law;
pub mod notice;
pub mod platform;
pub mod tick;

pub use platform::error::ApiError;
pub use platform::problem::Problem;
