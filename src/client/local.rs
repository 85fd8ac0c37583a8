//! The in-process client: the engine in this very process.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, watch};

use super::{Client, ClientError, Connection};
use crate::domain::{Command, Event, Incident, IncidentId, Query, Source};
use crate::engine::{Engine, EngineError};
use crate::wire::{
    Change, CloseWindow, EscalationView, MaintenanceList, Outcome, RotaQuery, RotaView, VerifyReport, Whoami,
};

/// Where a client takes "now" from for the commands it sends.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub struct LocalClient {
    engine: Arc<Engine>,
    actor: String,
    /// In process the engine is always there.
    connection: watch::Sender<Connection>,
    /// The wall clock, or the one a test drives.
    clock: Clock,
}

impl LocalClient {
    /// A client acting as the operating-system user running this process.
    #[must_use]
    pub fn new(engine: Arc<Engine>) -> Self {
        Self::with_actor(engine, os_user())
    }

    /// A client acting as `actor`: for tests and the demo seeder only; front-ends use [`Self::new`].
    #[must_use]
    pub fn with_actor(engine: Arc<Engine>, actor: impl Into<String>) -> Self {
        Self::with_clock(engine, actor, Arc::new(Utc::now))
    }

    /// A client acting as `actor` whose commands happen at the time `clock` says: tests drive
    /// time through it, so what the engine records (and the screen shows) is the same on
    /// every run.
    #[must_use]
    pub fn with_clock(engine: Arc<Engine>, actor: impl Into<String>, clock: Clock) -> Self {
        Self { engine, actor: actor.into(), connection: watch::Sender::new(Connection::Connected), clock }
    }

    fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    #[must_use]
    pub const fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }
}

/// The name the system has for the user running this process; never taken from the
/// environment (USER can be set to anything).
#[must_use]
pub fn os_user() -> String {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(u)) => u.name,
        _ => format!("uid:{uid}"),
    }
}

impl From<EngineError> for ClientError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Refused(r) => Self::Refused(r),
            EngineError::NotFound(id) => Self::NotFound(id),
            other => Self::Unavailable(other.to_string()),
        }
    }
}

impl Client for LocalClient {
    /// In process there is no server config and no peer: the engine's owner may write.
    fn whoami(&self) -> Result<Whoami, ClientError> {
        Ok(Whoami { user: self.actor.clone(), read_only: false })
    }

    fn escalation(&self, id: IncidentId) -> Result<EscalationView, ClientError> {
        Ok(self.engine.escalation_view(id, self.now())?)
    }

    fn rota(&self, query: RotaQuery) -> Result<RotaView, ClientError> {
        Ok(self.engine.rota_view(query))
    }

    fn change_rota(
        &self,
        cmd: crate::domain::RotaCommand,
        source: Source,
    ) -> Result<Vec<Event>, ClientError> {
        Ok(self.engine.change_rota(&self.actor, source, &cmd, self.now())?)
    }

    fn execute(&self, cmd: Command, source: Source) -> Result<Outcome, ClientError> {
        Ok(self.engine.execute(&self.actor, source, &cmd, self.now())?)
    }

    fn incident(&self, id: IncidentId) -> Result<Incident, ClientError> {
        self.engine.incident(id)?.ok_or(ClientError::NotFound(id))
    }

    fn list(&self, query: &Query) -> Result<Vec<Incident>, ClientError> {
        Ok(self.engine.list(query)?)
    }

    fn timeline(&self, id: IncidentId) -> Result<Vec<Event>, ClientError> {
        let t = self.engine.timeline(id)?;
        if t.is_empty() {
            return Err(ClientError::NotFound(id));
        }
        Ok(t)
    }

    fn chain_head(&self) -> Result<String, ClientError> {
        Ok(self.engine.chain_head()?)
    }

    fn verify(&self) -> Result<VerifyReport, ClientError> {
        Ok(self.engine.verify()?)
    }

    fn set_maintenance(
        &self,
        window: crate::domain::alert::MaintenanceWindow,
        source: Source,
    ) -> Result<crate::domain::alert::MaintenanceWindow, ClientError> {
        Ok(self.engine.set_maintenance(self.actor(), source, &window, self.now())?)
    }

    fn close_maintenance(
        &self,
        id: u32,
        how: CloseWindow,
        reason: Option<String>,
        source: Source,
    ) -> Result<crate::domain::maintenance::MaintenanceStatus, ClientError> {
        Ok(self.engine.close_maintenance(self.actor(), source, id, how, reason, self.now())?)
    }

    fn maintenance(&self) -> Result<MaintenanceList, ClientError> {
        Ok(self.engine.maintenance_list()?)
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.engine.subscribe()
    }

    fn connection(&self) -> watch::Receiver<Connection> {
        self.connection.subscribe()
    }

    fn actor(&self) -> &str {
        &self.actor
    }
}
