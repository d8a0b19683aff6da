//! Filings under CPC chapter 13 and art. 179–186: what is filed, to whom, by when it must be
//! answered, who answers it and how.

pub mod deadline;
pub mod handling;
pub mod receipt;
pub mod store;
