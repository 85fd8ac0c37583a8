//! The one interface front-ends use: execute a command, ask questions, follow changes.
//!
//! The TUI and the CLI hold an `Arc<dyn Client>` and never learn whether the engine runs in
//! their own process ([`local::LocalClient`], `--embedded`) or behind `piket serve` on a Unix
//! socket ([`remote::RemoteClient`]). Calls block: the TUI runs them off its render loop
//! (`tokio::task::spawn_blocking`), the CLI simply waits.

pub mod local;
pub mod remote;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};

use crate::domain::alert::MaintenanceWindow;
use crate::domain::{Command, Event, Incident, IncidentId, Query, Refusal, Source};

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

/// Whether the engine can be reached. Always [`Connection::Connected`] in process; a remote
/// client reports `Lost` while the server is away (front-ends show a banner and refuse writes)
/// and `Connected` again once its change feed has resumed where it left off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Connected,
    /// Why, in words for a banner; the client is reconnecting on its own.
    Lost(String),
}

/// Why a call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The domain said no; nothing was written.
    #[error("{0}")]
    Refused(Refusal),
    #[error("{0} does not exist: `piket list --all` shows the incidents")]
    NotFound(IncidentId),
    /// The engine cannot be reached or the store failed; the message says what to do.
    #[error("{0}")]
    Unavailable(String),
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
    pub fn read_only_reason(&self) -> Option<String> {
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
    pub windows: Vec<crate::domain::maintenance::MaintenanceStatus>,
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

pub trait Client: Send + Sync {
    /// Carry out a command as the caller (the actor is who the system says the caller is).
    ///
    /// # Errors
    /// [`ClientError::Refused`] with the reason, or the engine is unavailable.
    fn execute(&self, cmd: Command, source: Source) -> Result<Outcome, ClientError>;

    /// # Errors
    /// [`ClientError::NotFound`] or unavailable.
    fn incident(&self, id: IncidentId) -> Result<Incident, ClientError>;

    /// Incidents matching the query, sorted and limited as it says.
    ///
    /// # Errors
    /// Unavailable.
    fn list(&self, query: &Query) -> Result<Vec<Incident>, ClientError>;

    /// The whole timeline of one incident, oldest first.
    ///
    /// # Errors
    /// [`ClientError::NotFound`] or unavailable.
    fn timeline(&self, id: IncidentId) -> Result<Vec<Event>, ClientError>;

    /// The chain head as hex (for reports).
    ///
    /// # Errors
    /// Unavailable.
    fn chain_head(&self) -> Result<String, ClientError>;

    /// Walk the chain and recompute every projection.
    ///
    /// # Errors
    /// Unavailable (a broken record is a report with a problem, not an error).
    fn verify(&self) -> Result<VerifyReport, ClientError>;

    /// Changes committed from now on. A remote client keeps this receiver across reconnects:
    /// after an outage it delivers the changes committed meanwhile, in order, then live ones.
    fn subscribe(&self) -> broadcast::Receiver<Change>;

    /// The connection state, to show a banner and refuse writes while it is lost.
    fn connection(&self) -> watch::Receiver<Connection>;

    /// Who this client acts as.
    fn actor(&self) -> &str;

    /// Who the engine takes this client for, and whether it may only read.
    ///
    /// # Errors
    /// Unavailable.
    fn whoami(&self) -> Result<Whoami, ClientError>;

    /// Set a maintenance window for a service (alerts inside open no incident); returns it
    /// as recorded, with its id.
    ///
    /// # Errors
    /// Refused (a window that makes no sense), or unavailable.
    fn set_maintenance(
        &self,
        window: MaintenanceWindow,
        source: Source,
    ) -> Result<MaintenanceWindow, ClientError> {
        let _ = (window, source);
        Err(ClientError::Unavailable("this client cannot set maintenance windows".to_owned()))
    }

    /// End or cancel maintenance window `id`; returns it as it stands then.
    ///
    /// # Errors
    /// Refused (unknown, already closed, or the other command fits), or unavailable.
    fn close_maintenance(
        &self,
        id: u32,
        how: CloseWindow,
        reason: Option<String>,
        source: Source,
    ) -> Result<crate::domain::maintenance::MaintenanceStatus, ClientError> {
        let _ = (id, how, reason, source);
        Err(ClientError::Unavailable("this client cannot end maintenance windows".to_owned()))
    }

    /// An incident's escalation: its policy's levels, who they reach now, what was paged and
    /// what is due next.
    ///
    /// # Errors
    /// Not found, or unavailable.
    fn escalation(&self, id: IncidentId) -> Result<crate::engine::EscalationView, ClientError> {
        let _ = id;
        Err(ClientError::Unavailable("this client cannot show escalations".to_owned()))
    }

    /// Who is on call, the overrides, and the schedules' coverage.
    ///
    /// # Errors
    /// Unavailable.
    fn rota(&self, query: crate::engine::RotaQuery) -> Result<crate::engine::RotaView, ClientError> {
        let _ = query;
        Err(ClientError::Unavailable("this client cannot show the rota".to_owned()))
    }

    /// Add or remove an override; returns the events recorded on the rota timeline.
    ///
    /// # Errors
    /// Refused with the reason, or unavailable.
    fn change_rota(
        &self,
        cmd: crate::domain::RotaCommand,
        source: Source,
    ) -> Result<Vec<Event>, ClientError> {
        let _ = (cmd, source);
        Err(ClientError::Unavailable("this client cannot change the rota".to_owned()))
    }

    /// Every maintenance window, as it stands, and the count of suppressed alerts.
    ///
    /// # Errors
    /// Unavailable.
    fn maintenance(&self) -> Result<MaintenanceList, ClientError> {
        Err(ClientError::Unavailable("this client cannot list maintenance windows".to_owned()))
    }
}
