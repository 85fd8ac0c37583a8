//! An incident's escalation as the server computes it for front-ends (`GET
//! /v1/incidents/{id}/escalation`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::IncidentId;
use crate::domain::escalation::Progress;

/// An incident's escalation as a front-end shows it: each level, who it reaches now, what
/// was paged, and when the next step is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationView {
    pub incident: IncidentId,
    /// `None`: the incident follows no policy.
    pub policy: Option<String>,
    pub repeat: u32,
    pub levels: Vec<LevelView>,
    pub progress: Option<Progress>,
    /// The next step and when, while one is pending.
    pub next: Option<NextStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelView {
    pub level: u32,
    pub timeout_secs: i64,
    /// The targets as configured (`schedule:dba`, `person:carol`).
    pub targets: Vec<String>,
    /// Who they reach right now.
    pub reaches: Vec<String>,
    pub unstaffed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextStep {
    #[serde(with = "crate::domain::time::ts")]
    pub at: DateTime<Utc>,
    /// "page level 2", "repeat from level 1", "give up", "re-trigger".
    pub what: String,
}
