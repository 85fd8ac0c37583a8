//! What the engine needs from a place that keeps the record, and nothing more: the one
//! boundary every backend implements.
//!
//! Trait objects, not an enum of backends and not a type parameter on the engine: a backend is
//! then one module that implements these three traits and one constructor of [`super::Store`],
//! with no `match` to extend elsewhere, and the engine (named by the client, the server, the
//! tests and the benches) keeps one type. A virtual call costs nanoseconds beside a commit's
//! fsync or a timeline's decoding.
//!
//! The contract every backend keeps (`tests/store.rs` checks it, once per backend):
//! - **Write transactions are serialised and all or nothing.** A transaction sees every commit
//!   before it and no other writer commits between its first read and its own commit, so the
//!   engine decides on committed state (two simultaneous acks: one ack, one refusal). Work that
//!   says [`Finish::Abort`] leaves no trace, not even a spent incident id.
//! - **One chain in commit order.** [`Writer::append`] gives each event the next global
//!   sequence, links it into the chain with [`super::chain`] over the bytes of
//!   [`super::codec`], and indexes it on its timeline; the chain head, the last global sequence
//!   and the last incident id move with the transaction. The bytes hashed are the bytes kept.
//! - **Projections move with their events.** [`Writer::put_incident`] keeps the summary and
//!   the open queue (priority, then opened at, then id) in the same transaction as the events
//!   folded into it.
//! - **A reader is a snapshot.** Everything one [`Reader`] returns is as of one moment; a
//!   commit after it began is not seen.
//! - Timelines that are not incidents (the rota's, maintenance, suppressed alerts:
//!   [`IncidentId::ROTA`], [`IncidentId::MAINTENANCE`], [`IncidentId::SUPPRESSED`]) are
//!   timelines like any other, with no summary.

use std::ops::ControlFlow;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::domain::alert::AlertState;
use crate::domain::{Event, Incident, IncidentId};

use super::codec::Hash;
use super::error::StoreError;

/// Where a backend keeps one record.
pub trait Backend: Send + Sync {
    /// Where the record is, for messages and `/v1/health` (the file; a backend without a file
    /// names its database here).
    fn path(&self) -> &Path;

    /// A consistent snapshot for queries.
    ///
    /// # Errors
    /// The backend could not start a read.
    fn read(&self) -> Result<Box<dyn Reader>, StoreError>;

    /// Run `work` once in one durable write transaction: committed when it says
    /// [`Finish::Commit`], left without a trace when it says [`Finish::Abort`].
    ///
    /// # Errors
    /// The transaction could not start or commit (then nothing is committed).
    fn write(&self, work: &mut dyn FnMut(&mut dyn Writer) -> Finish) -> Result<(), StoreError>;
}

/// What the work inside a write transaction came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Commit,
    Abort,
}

/// One event in commit order, as `verify` walks it.
pub struct LogEntry {
    pub global_seq: u64,
    /// The hash stored with the event.
    pub stored_hash: Hash,
    /// The canonical bytes the hash covers.
    pub body: Vec<u8>,
}

/// The read side: one snapshot of the record.
pub trait Reader {
    /// # Errors
    /// Storage failure or an undecodable summary.
    fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError>;

    /// Open incidents in queue order (priority, then oldest), without touching closed history.
    ///
    /// # Errors
    /// Storage failure, or an index entry without a summary.
    fn open_incidents(&self) -> Result<Vec<Incident>, StoreError>;

    /// Open incidents in queue order that satisfy `keep`, stopping after `limit`: the first
    /// screenful of a long queue costs a screenful of decoding, not the whole queue.
    ///
    /// # Errors
    /// Storage failure, or an index entry without a summary.
    fn open_incidents_where(
        &self,
        keep: &dyn Fn(&Incident) -> bool,
        limit: usize,
    ) -> Result<Vec<Incident>, StoreError>;

    /// Every incident summary, by id.
    ///
    /// # Errors
    /// Storage failure or an undecodable summary.
    fn all_incidents(&self) -> Result<Vec<Incident>, StoreError>;

    /// The keys of the open-queue index (priority number, opened at µs, id), in order, for
    /// `verify` to compare with the summaries.
    ///
    /// # Errors
    /// Storage failure.
    fn open_queue_keys(&self) -> Result<Vec<(u8, i64, u64)>, StoreError>;

    /// One timeline, oldest first.
    ///
    /// # Errors
    /// Storage failure, an index entry without its event, or an undecodable event.
    fn timeline(&self, id: IncidentId) -> Result<Vec<Event>, StoreError>;

    /// Where the timeline index says an event is: (incident, seq) -> global sequence.
    ///
    /// # Errors
    /// Storage failure.
    fn timeline_entry(&self, id: IncidentId, seq: u32) -> Result<Option<u64>, StoreError>;

    /// Number of entries in the timeline index (each must point at one event).
    ///
    /// # Errors
    /// Storage failure.
    fn timeline_len(&self) -> Result<u64, StoreError>;

    /// The seq of the last event of a timeline (0: none yet), from the index alone.
    ///
    /// # Errors
    /// Storage failure.
    fn last_seq(&self, id: IncidentId) -> Result<u32, StoreError>;

    /// Every event in commit order as stored (hash and canonical bytes, not decoded), until
    /// `f` breaks: what `verify` recomputes the chain from. See also `walk_log`.
    ///
    /// # Errors
    /// Storage failure or a malformed record.
    fn each_in_log(&self, f: &mut dyn FnMut(LogEntry) -> ControlFlow<()>) -> Result<(), StoreError>;

    /// Events committed after global sequence `after`, in commit order, at most `limit` of
    /// them (a change feed resuming where a client left off; the scheduler's cursor).
    ///
    /// # Errors
    /// Storage failure or an undecodable event.
    fn events_since(&self, after: u64, limit: usize) -> Result<Vec<(u64, Event)>, StoreError>;

    /// Every incident summary by id, from `from` on, until `f` breaks: whole-record reads
    /// (`list --all`, the projections check of `verify`, exports) stream through this instead
    /// of holding every summary at once. The default reads them all first; a backend with an
    /// ordered table streams.
    ///
    /// # Errors
    /// Storage failure or an undecodable summary.
    fn each_incident(
        &self,
        from: IncidentId,
        f: &mut dyn FnMut(Incident) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        for i in self.all_incidents()? {
            if i.id >= from && f(i).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// Incidents opened in `since <= opened_at < until`, oldest first, until `f` breaks:
    /// `stats --since 30d` reads what its window holds, not the whole history. The default
    /// scans every summary; a backend keeps an index by opening time.
    ///
    /// # Errors
    /// Storage failure or an undecodable summary.
    fn each_opened_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        f: &mut dyn FnMut(Incident) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let mut v: Vec<Incident> = self
            .all_incidents()?
            .into_iter()
            .filter(|i| since <= i.opened_at && i.opened_at < until)
            .collect();
        v.sort_by_key(|i| (i.opened_at, i.id));
        for i in v {
            if f(i).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// Like [`Reader::each_in_log`], from the event after global sequence `after` on
    /// (`verify --since`, streamed exports). The default walks from the start and skips.
    ///
    /// # Errors
    /// Storage failure or a malformed record.
    fn each_in_log_after(
        &self,
        after: u64,
        f: &mut dyn FnMut(LogEntry) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.each_in_log(&mut |e| if e.global_seq <= after { ControlFlow::Continue(()) } else { f(e) })
    }

    /// The chain head and the last global sequence number (all zero and 0 before the first).
    ///
    /// # Errors
    /// Storage failure or a malformed record.
    fn head(&self) -> Result<(Hash, u64), StoreError>;
}

impl dyn Reader + '_ {
    /// Walk the events in commit order, calling `f` for each; stops at the first error `f`
    /// returns, and returns it.
    ///
    /// # Errors
    /// Storage failure, a malformed record, or `f`'s error.
    pub fn walk_log<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(LogEntry) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut failed = None;
        self.each_in_log(&mut |entry| match f(entry) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        })?;
        failed.map_or(Ok(()), Err)
    }
}

/// The write side: what one transaction of the engine can do. Reads see the transaction's
/// own writes.
pub trait Writer {
    /// The current summary of an incident, as of this transaction.
    ///
    /// # Errors
    /// A read failure or an undecodable summary.
    fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError>;

    /// Hand out the next incident id (committed with the transaction, so never reused; an
    /// aborted transaction hands it out again).
    fn allocate_id(&mut self) -> IncidentId;

    /// Append events to their timelines and the chain, in order. Returns the global sequence
    /// number of the last one.
    ///
    /// # Errors
    /// An event that would overwrite an existing one (a bug upstream; refused, not applied).
    fn append(&mut self, events: &[Event]) -> Result<u64, StoreError>;

    /// Store an incident's new summary and keep the open-queue index in step with it
    /// (`before`: the summary it replaces).
    ///
    /// # Errors
    /// Storage failure.
    fn put_incident(&mut self, before: Option<&Incident>, after: &Incident) -> Result<(), StoreError>;

    /// The last incident opened for an alert dedup key (`"source/key"`).
    ///
    /// # Errors
    /// Storage failure.
    fn dedup(&self, key: &str) -> Result<Option<IncidentId>, StoreError>;

    /// Point an alert dedup key at the incident it opened.
    ///
    /// # Errors
    /// Storage failure.
    fn set_dedup(&mut self, key: &str, id: IncidentId) -> Result<(), StoreError>;

    /// One alert's state on an incident.
    ///
    /// # Errors
    /// Storage failure or an undecodable value.
    fn alert_state(&self, id: IncidentId, identity: &str) -> Result<Option<AlertState>, StoreError>;

    /// Record one alert's state on an incident.
    ///
    /// # Errors
    /// Storage failure.
    fn set_alert_state(
        &mut self,
        id: IncidentId,
        identity: &str,
        state: &AlertState,
    ) -> Result<(), StoreError>;

    /// Whether every alert recorded on the incident is resolved (false when there are none).
    ///
    /// # Errors
    /// Storage failure or an undecodable value.
    fn all_alerts_resolved(&self, id: IncidentId) -> Result<bool, StoreError>;

    /// The seq of the last event of a timeline (0: none yet), from the index alone.
    ///
    /// # Errors
    /// Storage failure.
    fn last_seq(&self, id: IncidentId) -> Result<u32, StoreError>;

    /// A timeline as of this transaction, oldest first (the escalation folds it to decide a
    /// step inside the same transaction that records it).
    ///
    /// # Errors
    /// Storage failure or an undecodable event.
    fn timeline(&self, id: IncidentId) -> Result<Vec<Event>, StoreError>;
}
