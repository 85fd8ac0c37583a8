//! The engine: the only writer of the store.
//!
//! A command runs as: read the incident's summary inside a write transaction -> the domain
//! decides (or refuses, and nothing is written) -> the events are appended, chained and folded
//! into the summary, the queue index follows -> one durable commit -> a [`Change`] to every
//! subscriber. Reading the summary inside the write transaction means two responders pressing
//! `a` at once get one acknowledgement and one "already acknowledged by ...".

mod escalation;
mod ingest;
mod maintenance;
mod rota;
mod verify;

use std::path::Path;

use chrono::{DateTime, Utc};
use tokio::sync::broadcast;

use crate::domain::decide::{Context, Paging};
use crate::domain::incident::ApplyError;
use crate::domain::time::to_micros;
use crate::domain::{
    Command, Event, Incident, IncidentId, Policy, Query, Recorded, Refusal, Sort, Source, Stamp, decide,
    record,
};
use crate::store::{Store, StoreError, StoreOptions, Writer};
use crate::wire::{Change, Outcome, VerifyReport};
pub use escalation::{Escalations, TIMER_ACTOR};
pub use ingest::IngestItem;

/// Subscribers that fall this far behind lose changes and must re-read (they are told so by
/// `broadcast::error::RecvError::Lagged`).
const CHANGE_BUFFER: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Refused(Refusal),
    /// Front-ends word what to do about it (the CLI names `piket list --all`).
    #[error("{0} does not exist")]
    NotFound(IncidentId),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the record cannot be folded: {0}")]
    Apply(#[from] ApplyError),
}

/// One command of a batch, with who and when.
#[derive(Debug, Clone)]
pub struct BatchItem {
    pub actor: String,
    pub source: Source,
    pub command: Command,
    pub now: DateTime<Utc>,
}

pub struct Engine {
    store: Store,
    policy: Policy,
    changes: broadcast::Sender<Change>,
    /// Held from the start of a write transaction until its change is announced, so changes
    /// reach subscribers in commit order (the store serialises writers anyway, so this costs no
    /// concurrency) and a feed that resumes "after N" cannot skip an earlier commit.
    commit_order: std::sync::Mutex<()>,
    /// Overrides not removed, from the rota timeline: read on every page and every on-call
    /// question, changed only by [`Engine::change_rota`].
    overrides: std::sync::RwLock<Vec<crate::domain::Override>>,
    /// Maintenance windows, folded from the maintenance timeline: read by ingest inside its
    /// write transaction, changed only by this engine after its own commits (under
    /// `commit_order`, so ingest never sees a window that is not committed).
    maintenance: std::sync::RwLock<crate::domain::maintenance::Book>,
}

impl Engine {
    /// Open the database file at `path`.
    ///
    /// # Errors
    /// See [`Store::open`]: held by another process, newer schema, unreadable.
    pub fn open(path: &Path, opts: &StoreOptions, policy: Policy) -> Result<Self, EngineError> {
        Self::with_store(Store::open(path, opts)?, policy)
    }

    /// An engine on an in-memory store (tests, benchmarks, previews).
    ///
    /// # Errors
    /// Only if the store cannot initialise.
    pub fn in_memory(policy: Policy) -> Result<Self, EngineError> {
        Self::with_store(Store::in_memory()?, policy)
    }

    /// An engine on a store already open, whichever backend keeps it (the store suite runs
    /// the engine on each backend through this).
    ///
    /// # Errors
    /// The rota's and the maintenance timelines cannot be read.
    pub fn with_store(store: Store, policy: Policy) -> Result<Self, EngineError> {
        let (changes, _) = broadcast::channel(CHANGE_BUFFER);
        let r = store.read()?;
        let overrides = std::sync::RwLock::new(escalation::active_overrides(&*r)?);
        let maintenance = std::sync::RwLock::new(maintenance::load(&*r)?);
        drop(r);
        Ok(Self { store, policy, changes, commit_order: std::sync::Mutex::new(()), overrides, maintenance })
    }

    #[must_use]
    pub const fn policy(&self) -> &Policy {
        &self.policy
    }

    #[must_use]
    pub(crate) fn store_path(&self) -> &Path {
        self.store.path()
    }

    /// Carry out `cmd` as `actor` at `now`. Events get `occurred_at = recorded_at = now`; times
    /// a command names (recovered at, detected at) travel inside the event.
    ///
    /// # Errors
    /// [`EngineError::Refused`] with the domain's reason (nothing written), or a store failure
    /// (nothing written either: the transaction is all or nothing).
    pub fn execute(
        &self,
        actor: &str,
        source: Source,
        cmd: &Command,
        now: DateTime<Utc>,
    ) -> Result<Outcome, EngineError> {
        let _order = self.commit_order.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (outcome, global_seq) =
            self.store.write(|w| self.decide_and_append(w, actor, source, cmd, now))?;
        self.announce(&outcome, global_seq);
        Ok(outcome)
    }

    /// Carry out several commands in one durable commit (group commit): each is decided on the
    /// state the ones before it left, and a refused command does not stop the others. One fsync
    /// for all of them is what lets bulk loads and bursts of alerts keep up.
    ///
    /// # Errors
    /// A store failure, in which case none of the commands was written.
    pub fn execute_batch(
        &self,
        batch: &[BatchItem],
    ) -> Result<Vec<Result<Outcome, EngineError>>, EngineError> {
        let _order = self.commit_order.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let results = self.store.write(|w| -> Result<_, EngineError> {
            let mut out = Vec::with_capacity(batch.len());
            for item in batch {
                match self.decide_and_append(w, &item.actor, item.source, &item.command, item.now) {
                    Ok(r) => out.push(Ok(r)),
                    Err(e @ (EngineError::Refused(_) | EngineError::NotFound(_))) => out.push(Err(e)),
                    Err(other) => return Err(other),
                }
            }
            Ok(out)
        })?;
        Ok(results
            .into_iter()
            .map(|r| {
                r.map(|(outcome, global_seq)| {
                    self.announce(&outcome, global_seq);
                    outcome
                })
            })
            .collect())
    }

    fn announce(&self, outcome: &Outcome, global_seq: u64) {
        // Nobody listening is normal (a CLI command); the commit stands either way.
        let _ = self.changes.send(Change {
            global_seq,
            incident: outcome.incident,
            seq: outcome.summary.last_seq,
            paged: outcome.events.iter().any(|e| matches!(e.kind, crate::domain::EventKind::LevelPaged(_))),
        });
    }

    fn decide_and_append(
        &self,
        w: &mut dyn Writer,
        actor: &str,
        source: Source,
        cmd: &Command,
        now: DateTime<Utc>,
    ) -> Result<(Outcome, u64), EngineError> {
        let now = to_micros(now);
        let current = match cmd.incident() {
            Some(id) => Some(w.incident(id)?.ok_or(EngineError::NotFound(id))?),
            None => None,
        };
        // Paging by hand is decided on the incident's escalation so far and the overrides in
        // force, which only the engine holds: gathered here, decided by the rules.
        let gathered = match (cmd, &current) {
            (Command::Page { .. }, Some(inc)) => Some(self.paging_state(w, inc)?),
            _ => None,
        };
        let paging = gathered.as_ref().map(|(progress, overrides)| Paging { progress, overrides });
        let ctx = Context { actor, now, policy: &self.policy, paging };
        let kinds = decide(current.as_ref(), cmd, ctx, source.as_str()).map_err(EngineError::Refused)?;
        let done = Self::append_kinds(w, current.as_ref(), kinds, actor, source, now)?;
        let may_start = match cmd {
            Command::Register(_) => true,
            Command::Update { changes, .. } => changes.services.is_some(),
            _ => false,
        };
        if !may_start {
            return Ok(done);
        }
        let started = self.maybe_start(w, &done.0.summary, now)?;
        Ok(escalation::merge(done, started))
    }

    /// Append events the engine (not a person's command) decided on to an incident, or start
    /// one with a registration; fold them ([`crate::domain::record`]) and keep the queue index
    /// in step.
    fn append_kinds(
        w: &mut dyn Writer,
        current: Option<&Incident>,
        kinds: Vec<crate::domain::EventKind>,
        actor: &str,
        source: Source,
        now: DateTime<Utc>,
    ) -> Result<(Outcome, u64), EngineError> {
        let stamp = Stamp { actor, source, now };
        let Recorded { events, summary } = match record(current, kinds, &stamp, || w.allocate_id()) {
            Ok(r) => r,
            Err(ApplyError::Empty) => {
                return Err(EngineError::Refused(Refusal {
                    message: "nothing to record".into(),
                    next: vec![],
                }));
            }
            Err(e) => return Err(e.into()),
        };
        let global_seq = w.append(&events)?;
        w.put_incident(current, &summary)?;
        Ok((Outcome { incident: summary.id, events, summary }, global_seq))
    }

    /// # Errors
    /// Store failure.
    pub fn incident(&self, id: IncidentId) -> Result<Option<Incident>, EngineError> {
        Ok(self.store.read()?.incident(id)?)
    }

    /// Incidents matching `q`. The open queue is answered from its index; anything else scans
    /// the summaries (history queries are rare and run in the background in the TUI). Words a
    /// summary does not hold are looked for in its timeline, which is read only for incidents
    /// that pass every other part of the query.
    ///
    /// # Errors
    /// Store failure.
    pub fn list(&self, q: &Query) -> Result<Vec<Incident>, EngineError> {
        let r = self.store.read()?;
        let failed = std::cell::RefCell::new(None);
        let keep = |i: &Incident| {
            if q.matches(i) {
                return true;
            }
            if !q.has_words() || !q.matches_but_text(i) {
                return false;
            }
            match r.timeline(i.id) {
                Ok(events) => q.matches_with_timeline(i, &events),
                Err(e) => {
                    failed.borrow_mut().get_or_insert(e);
                    false
                }
            }
        };
        // The open-queue index is kept in priority-then-age order, so a limited queue in that
        // order is read from its front and stops early.
        let list = if let (true, Sort::Priority, Some(limit)) = (q.open_only(), q.sort, q.limit) {
            r.open_incidents_where(&keep, limit)?
        } else {
            let candidates = if q.open_only() { r.open_incidents()? } else { r.all_incidents()? };
            let mut v: Vec<Incident> = candidates.into_iter().filter(|i| keep(i)).collect();
            v.sort_by(|a, b| q.sort.compare(a, b));
            if let Some(n) = q.limit {
                v.truncate(n);
            }
            v
        };
        match failed.into_inner() {
            Some(e) => Err(e.into()),
            None => Ok(list),
        }
    }

    /// # Errors
    /// Store failure.
    pub fn timeline(&self, id: IncidentId) -> Result<Vec<Event>, EngineError> {
        Ok(self.store.read()?.timeline(id)?)
    }

    /// Hex of the current chain head.
    ///
    /// # Errors
    /// Store failure.
    pub fn chain_head(&self) -> Result<String, EngineError> {
        let (head, _) = self.store.read()?.head()?;
        Ok(crate::store::hex(&head))
    }

    /// Walk the chain and recompute every projection; see [`verify::run`].
    ///
    /// # Errors
    /// Store failure (a damaged record is a report, not an error).
    pub fn verify(&self) -> Result<VerifyReport, EngineError> {
        verify::run(&*self.store.read()?)
    }

    /// The last global sequence number committed (0 for an empty record).
    ///
    /// # Errors
    /// Store failure.
    pub fn last_global_seq(&self) -> Result<u64, EngineError> {
        Ok(self.store.read()?.head()?.1)
    }

    /// The changes committed after global sequence `after`, oldest first, at most `limit`
    /// events' worth: what a feed replays to a client that reconnects. Consecutive events of
    /// one incident become one change (a command's events), like the live feed sends them.
    ///
    /// # Errors
    /// Store failure.
    pub fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<Change>, EngineError> {
        let events = self.store.read()?.events_since(after, limit)?;
        let mut out: Vec<Change> = Vec::with_capacity(events.len());
        for (global_seq, ev) in events {
            let paged = matches!(ev.kind, crate::domain::EventKind::LevelPaged(_));
            let change = Change { global_seq, incident: ev.incident, seq: ev.seq, paged };
            match out.last_mut() {
                Some(last) if last.incident == ev.incident && last.global_seq + 1 == global_seq => {
                    *last = Change { paged: last.paged || paged, ..change };
                }
                _ => out.push(change),
            }
        }
        Ok(out)
    }

    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }
}
