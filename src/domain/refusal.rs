//! Why a command was not carried out, and what can be done instead: what every front-end
//! shows the same way (the CLI's "next:" line, the TUI's hint, the API's `next`).

use std::fmt;

use super::lifecycle::Status;

/// A next step a responder can take; front-ends render it as a command line or a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Acknowledge,
    Contain,
    Resolve,
    Reopen,
    Review,
    RootCause,
    Close,
    Note,
}

impl Step {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::Contain => "contain",
            Self::Resolve => "resolve",
            Self::Reopen => "reopen",
            Self::Review => "review",
            Self::RootCause => "root-cause",
            Self::Close => "close",
            Self::Note => "note",
        }
    }

    /// The lifecycle steps possible from a status.
    #[must_use]
    pub fn from_status(status: Status) -> Vec<Self> {
        match status {
            Status::Triggered => vec![Self::Acknowledge, Self::Contain, Self::Resolve],
            Status::Acknowledged => vec![Self::Contain, Self::Resolve],
            Status::Contained => vec![Self::Resolve],
            Status::Resolved => vec![Self::Close, Self::Reopen],
            Status::Closed => vec![Self::Note],
        }
    }
}

/// Why a command was not carried out. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub struct Refusal {
    pub message: String,
    /// Steps that are possible instead (empty when the problem is the input, not the state).
    pub next: Vec<Step>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Refusal {
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self { message: message.into(), next: Vec::new() }
    }

    pub(crate) fn state(message: impl Into<String>, next: Vec<Step>) -> Self {
        Self { message: message.into(), next }
    }
}
