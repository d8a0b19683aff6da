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

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Registered,
        Stage::UnderInvestigation,
        Stage::Suspended,
        Stage::Terminated,
        Stage::SentToCourt,
        Stage::Joined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Registered => "registered",
            Stage::UnderInvestigation => "under_investigation",
            Stage::Suspended => "suspended",
            Stage::Terminated => "terminated",
            Stage::SentToCourt => "sent_to_court",
            Stage::Joined => "joined",
        }
    }

    pub fn parse(text: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

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
