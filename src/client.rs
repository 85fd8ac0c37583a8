//! The one interface front-ends use: execute a command, ask questions, follow changes.
//!
//! The TUI and the CLI hold an `Arc<dyn Client>` and never learn whether the engine runs in
//! their own process ([`local::LocalClient`], `--embedded`) or behind `piket serve` on a Unix
//! socket ([`remote::RemoteClient`]). Calls block: the TUI runs them off its render loop
//! (`tokio::task::spawn_blocking`), the CLI simply waits.

pub mod local;
pub mod remote;

use tokio::sync::{broadcast, watch};

use crate::domain::alert::MaintenanceWindow;
use crate::domain::maintenance::MaintenanceStatus;
use crate::domain::{Command, Event, Incident, IncidentId, Query, Refusal, Source};
use crate::wire::{
    Change, CloseWindow, EscalationView, MaintenanceList, Outcome, RotaQuery, RotaView, VerifyReport, Whoami,
};

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

    /// Changes committed after global position `after` (`None`: from now), replayed then live
    /// with no gap, and the position the feed starts from: what `piket watch --after N` needs
    /// to give every event its position. Only before the first [`Client::subscribe`].
    ///
    /// # Errors
    /// Unavailable: this client cannot resume, or `after` lies beyond the record.
    fn subscribe_after(&self, after: Option<u64>) -> Result<(u64, broadcast::Receiver<Change>), ClientError> {
        let _ = after;
        Err(ClientError::Unavailable(
            "following the record needs the server (`piket serve`); an engine in this process has nobody else's changes to follow".to_owned(),
        ))
    }

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
    ) -> Result<MaintenanceStatus, ClientError> {
        let _ = (id, how, reason, source);
        Err(ClientError::Unavailable("this client cannot end maintenance windows".to_owned()))
    }

    /// An incident's escalation: its policy's levels, who they reach now, what was paged and
    /// what is due next.
    ///
    /// # Errors
    /// Not found, or unavailable.
    fn escalation(&self, id: IncidentId) -> Result<EscalationView, ClientError> {
        let _ = id;
        Err(ClientError::Unavailable("this client cannot show escalations".to_owned()))
    }

    /// Who is on call, the overrides, and the schedules' coverage.
    ///
    /// # Errors
    /// Unavailable.
    fn rota(&self, query: RotaQuery) -> Result<RotaView, ClientError> {
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
