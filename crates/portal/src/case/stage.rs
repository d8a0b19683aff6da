//! The stage of a pre-trial investigation.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Registered,
    UnderInvestigation,
    Suspended,
    Terminated,
    SentToCourt,
    Joined,
}

crate::text_enum!(Stage {
    Registered => "registered",
    UnderInvestigation => "under_investigation",
    Suspended => "suspended",
    Terminated => "terminated",
    SentToCourt => "sent_to_court",
    Joined => "joined",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stage::parse("closed"), None);
    }
}
