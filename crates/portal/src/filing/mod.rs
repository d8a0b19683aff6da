//! Filings under CPC chapter 13 and art. 179–186: what is filed, to whom, and by when it must
//! be answered.

pub mod deadline;
pub mod receipt;
