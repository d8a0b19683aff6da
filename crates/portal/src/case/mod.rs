//! The criminal case as the CPC shapes access to it: ERDR numbers, procedural statuses, which
//! decisions each status receives, stages, and familiarisation grants. Pure rules, no I/O.

pub mod amend;
pub mod authz;
pub mod conduct;
pub mod decision;
pub mod erdr;
pub mod grant;
pub mod lifecycle;
pub mod participants;
pub mod proof_of_service;
pub mod served;
pub mod stage;
pub mod status_request;
pub mod store;
pub mod term;
pub mod view;

pub use erdr::ErdrNumber;
pub use stage::Stage;
