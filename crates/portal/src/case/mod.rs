//! The criminal case as the CPC shapes access to it: ERDR numbers, procedural statuses, which
//! decisions each status receives, stages, and familiarisation grants. Pure rules, no I/O.

pub mod amend;
pub mod conduct;
pub mod erdr;
pub mod grant;
pub mod served;
pub mod stage;
pub mod status;
pub mod store;
pub mod term;
pub mod view;
pub mod visibility;

pub use erdr::ErdrNumber;
pub use stage::Stage;
pub use status::ProceduralStatus;
pub use visibility::DecisionType;
