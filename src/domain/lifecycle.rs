//! The status lifecycle: triggered -> acknowledged -> contained -> resolved -> closed.
//!
//! Containment may be skipped; a resolved incident may be reopened (an event, never an
//! overwrite); closed is final.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Registered; nobody has it yet.
    Triggered,
    /// Somebody has it.
    Acknowledged,
    /// The impact is stopped, the cause not yet fixed.
    Contained,
    /// Service restored.
    Resolved,
    /// Review done; final.
    Closed,
}

impl Status {
    pub const ALL: [Self; 5] =
        [Self::Triggered, Self::Acknowledged, Self::Contained, Self::Resolved, Self::Closed];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Triggered => "triggered",
            Self::Acknowledged => "acknowledged",
            Self::Contained => "contained",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    /// Still needs a responder: the open queue holds these.
    #[must_use]
    pub const fn is_open(self) -> bool {
        matches!(self, Self::Triggered | Self::Acknowledged | Self::Contained)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    /// Full names and the short forms people type in filters (`ack`, `trig`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|st| t.len() >= 3 && st.as_str().starts_with(&t)).ok_or_else(|| {
            format!("'{s}' is not a status: use triggered, acknowledged, contained, resolved or closed")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_parse() {
        assert_eq!("ack".parse(), Ok(Status::Acknowledged));
        assert_eq!("Triggered".parse(), Ok(Status::Triggered));
        assert!("re".parse::<Status>().is_err());
        assert!("open".parse::<Status>().is_err());
    }
}
