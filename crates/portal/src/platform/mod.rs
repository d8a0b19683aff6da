//! What every part stands on, and what talks to the runtime: the one error type and its
//! problem documents, settings (Spin variables), the clock and randomness (WASI), the SQL
//! database and its schema, the key-value store, outbound HTTP and the per-client limits.
//! Nothing here knows of cases, filings or people.

pub mod clock;
pub mod db;
pub mod error;
pub mod limits;
pub mod outbound;
pub mod problem;
pub mod random;
pub mod schema;
pub mod settings;
pub mod sql_fault;
pub mod storage;
mod text_enum;
