//! The rota as the server computes it for front-ends (`GET /v1/rota`): who is on call now and
//! next, and what a stretch of the schedules looks like with the overrides in force.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::schedule::{Coverage, Override};

/// What to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaQuery {
    /// "Now" for the on-call answer.
    #[serde(with = "crate::domain::time::ts")]
    pub at: DateTime<Utc>,
    /// Coverage from `at` for this many days (0: none).
    pub days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCall {
    pub schedule: String,
    pub now: Vec<String>,
    /// When the on-call set next changes, and who it is then.
    #[serde(with = "crate::domain::time::ts_opt")]
    pub next_at: Option<DateTime<Utc>>,
    pub next: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    pub name: String,
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaView {
    #[serde(with = "crate::domain::time::ts")]
    pub at: DateTime<Utc>,
    pub on_call: Vec<OnCall>,
    pub coverage: Vec<Coverage>,
    /// Overrides not removed whose window has not ended at `at`.
    pub overrides: Vec<Override>,
    pub people: Vec<PersonView>,
    pub policies: Vec<String>,
}
