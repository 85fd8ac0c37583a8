//! Why a command was not carried out, and what can be done instead: what every front-end
//! shows the same way (the CLI's "next:" line, the TUI's hint, the API's `next`).

use std::fmt;

use super::lifecycle::Status;

/// A next step a responder can take; front-ends render it as a command line or a key.
///
/// The rules say which step fits and each front-end words it (the CLI as the command to
/// run, the TUI as its key or field), so no rule names a command or a flag. The lifecycle
/// steps are about the incident the refused command was about; the others carry what they
/// need. JSON: a step without data is its name (`"acknowledge"`), one with data is
/// serde's external tagging (`{"end-maintenance": 2}`).
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
    /// Record a hand-off of the incident to a person by hand (no policy to page).
    Escalate,
    /// See the schedules (one named does not exist).
    ShowSchedules,
    /// See the overrides in force and their numbers.
    ListOverrides,
    /// Put someone on call for a while.
    AddOverride,
    /// See the maintenance windows and their numbers.
    ListMaintenance,
    /// End window N now: it is in force.
    EndMaintenance(u32),
    /// Call off window N: it has not started.
    CancelMaintenance(u32),
    /// Give this input again: the refusal is about what was typed, not the state.
    Check(Input),
    /// Complete the incident's open action items (closing requires them done).
    ActionItems,
}

/// An input a refusal is about; the CLI names its flag, the TUI its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Input {
    /// When the impact started (registering an incident).
    ImpactStarted,
    /// When the incident was detected.
    DetectedAt,
    /// Why a level is paged by hand.
    PageReason,
    /// When an override starts.
    OverrideFrom,
    /// When an override ends.
    OverrideUntil,
    /// When a maintenance window ends (an end or a length).
    WindowEnd,
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
            Self::Escalate => "escalate",
            Self::ShowSchedules => "show-schedules",
            Self::ListOverrides => "list-overrides",
            Self::AddOverride => "add-override",
            Self::ListMaintenance => "list-maintenance",
            Self::EndMaintenance(_) => "end-maintenance",
            Self::CancelMaintenance(_) => "cancel-maintenance",
            Self::Check(_) => "check",
            Self::ActionItems => "action-items",
        }
    }

    /// The lifecycle steps possible from a status.
    #[must_use]
    pub(crate) fn from_status(status: Status) -> Vec<Self> {
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
    /// Steps that are possible instead; for a problem with the input, the inputs to check.
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

    /// A problem with these inputs: the message says what is wrong, the front-end names them.
    pub(crate) fn check(message: impl Into<String>, inputs: &[Input]) -> Self {
        Self { message: message.into(), next: inputs.iter().copied().map(Step::Check).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::{Input, Step};

    #[test]
    fn steps_keep_their_json_and_new_ones_carry_their_data() {
        let json = |s: Step| serde_json::to_string(&s).unwrap_or_default();
        assert_eq!(json(Step::Acknowledge), r#""acknowledge""#);
        assert_eq!(json(Step::RootCause), r#""root-cause""#);
        assert_eq!(json(Step::ListOverrides), r#""list-overrides""#);
        assert_eq!(json(Step::EndMaintenance(2)), r#"{"end-maintenance":2}"#);
        assert_eq!(json(Step::Check(Input::ImpactStarted)), r#"{"check":"impact-started"}"#);
        for s in [Step::Close, Step::CancelMaintenance(7), Step::Check(Input::WindowEnd), Step::Escalate] {
            assert_eq!(serde_json::from_str::<Step>(&json(s)).ok(), Some(s));
        }
    }
}
