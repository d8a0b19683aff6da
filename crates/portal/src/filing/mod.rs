//! Filings under CPC chapter 13 and art. 179–186: what is filed, to whom, by when it must be
//! answered, who answers it and how.

/// How long an upload may wait to be attached to a filing; after that it cannot be used, and
/// the tick removes it.
pub const ATTACHMENT_TTL_SECS: i64 = 24 * 3600;

pub mod deadline;
pub mod forwarding;
pub mod handling;
pub mod lifecycle;
pub mod receipt;
pub mod signature;
pub mod store;
