//! What crosses the client boundary: the answers and changes the engine produces, the views
//! the server computes for front-ends, the API's error body and its media types.
//!
//! Below the engine, the client, the server and the front-ends, so each of them can name these
//! without knowing the others. Their serde is the API's JSON (docs/API.md): renaming a field
//! here changes what every script sees.

pub(crate) mod error;
pub(crate) mod escalation;
pub mod media;
pub(crate) mod rota;

use serde::{Deserialize, Serialize};

use crate::domain::maintenance::MaintenanceStatus;
use crate::domain::{Event, Incident, IncidentId};

pub use error::{ErrorBody, ErrorEnvelope};
pub use escalation::{EscalationView, LevelView, NextStep};
pub use rota::{OnCall, PersonView, RotaQuery, RotaView};

/// What one committed command produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub incident: IncidentId,
    /// The events appended, in order (at least one).
    pub events: Vec<Event>,
    /// The incident as it is after the commit.
    pub summary: Incident,
}

/// Pushed to every subscriber after each commit, in commit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Position in the global log after this commit; a reconnecting client resumes here.
    pub global_seq: u64,
    pub incident: IncidentId,
    /// The incident's last event sequence number after the commit.
    pub seq: u32,
    /// The commit paged someone: terminals check whether it was their responder (bell).
    #[serde(default)]
    pub paged: bool,
}

/// Who the engine takes this client for, and whether it may change anything.
///
/// A front-end asks once at start (and after a reconnect), so a read-only observer's TUI can
/// offer no write at all and say why, instead of letting them type a note the server refuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Whoami {
    /// The OS user the server saw (SO_PEERCRED), or the one running an in-process engine.
    pub user: String,
    /// Listed in `[server] read-only`: every read is answered, every change refused.
    pub read_only: bool,
}

impl Whoami {
    /// Why this user cannot change anything, in words for the screen; `None`: they can.
    #[must_use]
    pub(crate) fn read_only_reason(&self) -> Option<String> {
        self.read_only.then(|| {
            format!(
                "{} is listed in [server] read-only on this server (its admin can change that)",
                self.user
            )
        })
    }
}

/// Result of walking the hash chain and recomputing every projection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub events: u64,
    pub incidents: u64,
    /// Hex of the chain head hash.
    pub head: String,
    /// The first problem found; `None`: the record is intact.
    pub problem: Option<String>,
    /// Of `events`: windows set, ended and cancelled (the maintenance timeline).
    #[serde(default)]
    pub maintenance_events: u64,
    /// Of `events`: alerts a maintenance window kept from opening an incident.
    #[serde(default)]
    pub suppressed_alerts: u64,
}

/// Every maintenance window and how many alerts windows have suppressed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceList {
    pub windows: Vec<MaintenanceStatus>,
    pub suppressed_alerts: u64,
}

/// Stop a maintenance window before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CloseWindow {
    /// It is in force: it stops now.
    End,
    /// It has not started: it never will.
    Cancel,
}
