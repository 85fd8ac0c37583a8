//! The write side: what one command's transaction can do.

use redb::{ReadableTable, Table, WriteTransaction};

use crate::domain::alert::AlertState;
use crate::domain::{Event, Incident, IncidentId};
use crate::store::boundary::Writer;
use crate::store::codec::{self, Hash};
use crate::store::error::StoreError;

use super::scan;
use super::tables::{self, meta};

/// Tables of one write transaction, opened once (habit: iroh-docs `Tables`). The chain head
/// and the counters are read at the start and written once by [`RedbWriter::finish`].
pub(super) struct RedbWriter<'txn> {
    events: Table<'txn, u64, &'static [u8]>,
    timeline: Table<'txn, (u64, u32), u64>,
    incidents: Table<'txn, u64, &'static [u8]>,
    queue: Table<'txn, (u8, i64, u64), ()>,
    meta: Table<'txn, &'static str, &'static [u8]>,
    dedup: Table<'txn, &'static str, u64>,
    alert_state: Table<'txn, (u64, &'static str), &'static [u8]>,
    head: Hash,
    last_global: u64,
    last_id: u64,
    dirty: bool,
}

fn u64_of(bytes: Option<redb::AccessGuard<'_, &'static [u8]>>) -> Result<u64, StoreError> {
    match bytes {
        None => Ok(0),
        Some(v) => v
            .value()
            .try_into()
            .map(u64::from_le_bytes)
            .map_err(|_| StoreError::Corrupt("a counter in the meta table is malformed".to_owned())),
    }
}

fn queue_key(inc: &Incident) -> (u8, i64, u64) {
    (inc.priority.number(), inc.opened_at.timestamp_micros(), inc.id.0)
}

impl<'txn> RedbWriter<'txn> {
    pub(super) fn new(txn: &'txn WriteTransaction) -> Result<Self, StoreError> {
        let meta_t = txn.open_table(tables::META)?;
        let head = scan::head(meta_t.get(meta::HEAD)?)?;
        let last_global = u64_of(meta_t.get(meta::LAST_GLOBAL)?)?;
        let last_id = u64_of(meta_t.get(meta::LAST_ID)?)?;
        Ok(Self {
            events: txn.open_table(tables::EVENTS)?,
            timeline: txn.open_table(tables::TIMELINE)?,
            incidents: txn.open_table(tables::INCIDENTS)?,
            queue: txn.open_table(tables::OPEN_QUEUE)?,
            meta: meta_t,
            dedup: txn.open_table(tables::DEDUP)?,
            alert_state: txn.open_table(tables::ALERT_STATE)?,
            head,
            last_global,
            last_id,
            dirty: false,
        })
    }

    /// Write the chain head and the counters, if anything moved them.
    ///
    /// # Errors
    /// Storage failure.
    pub(super) fn finish(mut self) -> Result<(), StoreError> {
        if self.dirty {
            self.meta.insert(meta::HEAD, self.head.as_slice())?;
            self.meta.insert(meta::LAST_GLOBAL, self.last_global.to_le_bytes().as_slice())?;
            self.meta.insert(meta::LAST_ID, self.last_id.to_le_bytes().as_slice())?;
        }
        Ok(())
    }
}

impl Writer for RedbWriter<'_> {
    fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError> {
        self.incidents.get(id.0)?.map(|v| codec::decode_incident(v.value())).transpose()
    }

    fn allocate_id(&mut self) -> IncidentId {
        self.last_id += 1;
        self.dirty = true;
        IncidentId(self.last_id)
    }

    fn append(&mut self, events: &[Event]) -> Result<u64, StoreError> {
        for ev in events {
            let key = (ev.incident.0, ev.seq);
            if self.timeline.get(key)?.is_some() {
                return Err(StoreError::Corrupt(format!(
                    "{} already has event #{}; refusing to overwrite the record",
                    ev.incident, ev.seq
                )));
            }
            let (bytes, hash) = codec::encode_event(ev, &self.head)?;
            self.last_global += 1;
            self.events.insert(self.last_global, bytes.as_slice())?;
            self.timeline.insert(key, self.last_global)?;
            self.head = hash;
            self.dirty = true;
        }
        Ok(self.last_global)
    }

    fn put_incident(&mut self, before: Option<&Incident>, after: &Incident) -> Result<(), StoreError> {
        if let Some(b) = before.filter(|b| b.status.is_open()) {
            self.queue.remove(queue_key(b))?;
        }
        if after.status.is_open() {
            self.queue.insert(queue_key(after), ())?;
        }
        self.incidents.insert(after.id.0, codec::encode_incident(after)?.as_slice())?;
        self.dirty = true;
        Ok(())
    }

    fn dedup(&self, key: &str) -> Result<Option<IncidentId>, StoreError> {
        Ok(self.dedup.get(key)?.map(|v| IncidentId(v.value())))
    }

    fn set_dedup(&mut self, key: &str, id: IncidentId) -> Result<(), StoreError> {
        self.dedup.insert(key, id.0)?;
        Ok(())
    }

    fn alert_state(&self, id: IncidentId, identity: &str) -> Result<Option<AlertState>, StoreError> {
        self.alert_state.get((id.0, identity))?.map(|v| codec::decode_alert_state(v.value())).transpose()
    }

    fn set_alert_state(
        &mut self,
        id: IncidentId,
        identity: &str,
        state: &AlertState,
    ) -> Result<(), StoreError> {
        let bytes = codec::encode_alert_state(state)?;
        self.alert_state.insert((id.0, identity), bytes.as_slice())?;
        Ok(())
    }

    fn all_alerts_resolved(&self, id: IncidentId) -> Result<bool, StoreError> {
        let mut any = false;
        for entry in self.alert_state.range((id.0, "")..(id.0 + 1, ""))? {
            let (_, v) = entry?;
            let s = codec::decode_alert_state(v.value())?;
            if !s.resolved {
                return Ok(false);
            }
            any = true;
        }
        Ok(any)
    }

    fn last_seq(&self, id: IncidentId) -> Result<u32, StoreError> {
        scan::last_seq(&self.timeline, id)
    }

    fn timeline(&self, id: IncidentId) -> Result<Vec<Event>, StoreError> {
        scan::timeline(&self.timeline, &self.events, id)
    }
}
