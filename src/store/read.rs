//! The read side: a consistent snapshot for queries and for `verify`.

use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata};

use crate::domain::{Event, Incident, IncidentId};

use super::codec::{self, HASH_LEN, Hash};
use super::error::StoreError;
use super::tables::{self, meta};

pub struct Reader {
    txn: ReadTransaction,
}

/// One event in commit order, as `verify` walks it.
pub struct LogEntry {
    pub global_seq: u64,
    /// The hash stored with the event.
    pub stored_hash: Hash,
    /// The canonical bytes the hash covers.
    pub body: Vec<u8>,
}

impl Reader {
    /// The seq of the last event of a timeline (0: none yet), from the index alone: the
    /// number of events on it, as seqs run from 1 without gaps.
    ///
    /// # Errors
    /// Storage failure.
    pub fn last_seq(&self, id: IncidentId) -> Result<u32, StoreError> {
        let t = self.txn.open_table(tables::TIMELINE)?;
        let last = t.range((id.0, 0)..=(id.0, u32::MAX))?.next_back().transpose()?;
        Ok(last.map_or(0, |(k, _)| k.value().1))
    }

    pub(super) const fn new(txn: ReadTransaction) -> Self {
        Self { txn }
    }

    /// # Errors
    /// Storage failure or an undecodable summary.
    pub fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError> {
        let t = self.txn.open_table(tables::INCIDENTS)?;
        t.get(id.0)?.map(|v| codec::decode_incident(v.value())).transpose()
    }

    /// Open incidents in queue order (priority, then oldest), without touching closed history.
    ///
    /// # Errors
    /// Storage failure, or an index entry without a summary.
    pub fn open_incidents(&self) -> Result<Vec<Incident>, StoreError> {
        let q = self.txn.open_table(tables::OPEN_QUEUE)?;
        let inc = self.txn.open_table(tables::INCIDENTS)?;
        let mut out = Vec::new();
        for entry in q.iter()? {
            let (k, _) = entry?;
            let (_, _, id) = k.value();
            let v = inc.get(id)?.ok_or_else(|| {
                StoreError::Corrupt(format!("the open queue names INC-{id}, which has no summary"))
            })?;
            out.push(codec::decode_incident(v.value())?);
        }
        Ok(out)
    }

    /// Open incidents in queue order that satisfy `keep`, stopping after `limit`: the first
    /// screenful of a long queue costs a screenful of decoding, not the whole queue.
    ///
    /// # Errors
    /// Storage failure, or an index entry without a summary.
    pub fn open_incidents_where(
        &self,
        keep: impl Fn(&Incident) -> bool,
        limit: usize,
    ) -> Result<Vec<Incident>, StoreError> {
        let q = self.txn.open_table(tables::OPEN_QUEUE)?;
        let inc = self.txn.open_table(tables::INCIDENTS)?;
        let mut out = Vec::with_capacity(limit.min(1024));
        for entry in q.iter()? {
            if out.len() >= limit {
                break;
            }
            let (k, _) = entry?;
            let (_, _, id) = k.value();
            let v = inc.get(id)?.ok_or_else(|| {
                StoreError::Corrupt(format!("the open queue names INC-{id}, which has no summary"))
            })?;
            let i = codec::decode_incident(v.value())?;
            if keep(&i) {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// Every incident summary, by id.
    ///
    /// # Errors
    /// Storage failure or an undecodable summary.
    pub fn all_incidents(&self) -> Result<Vec<Incident>, StoreError> {
        let t = self.txn.open_table(tables::INCIDENTS)?;
        let mut out = Vec::with_capacity(usize::try_from(t.len()?).unwrap_or(0));
        for entry in t.iter()? {
            let (_, v) = entry?;
            out.push(codec::decode_incident(v.value())?);
        }
        Ok(out)
    }

    /// Ids in the open-queue index, for `verify`.
    ///
    /// # Errors
    /// Storage failure.
    pub fn open_queue_keys(&self) -> Result<Vec<(u8, i64, u64)>, StoreError> {
        let q = self.txn.open_table(tables::OPEN_QUEUE)?;
        q.iter()?.map(|e| Ok(e?.0.value())).collect()
    }

    /// One incident's timeline, oldest first.
    ///
    /// # Errors
    /// Storage failure, an index entry without its event, or an undecodable event.
    pub fn timeline(&self, id: IncidentId) -> Result<Vec<Event>, StoreError> {
        let index = self.txn.open_table(tables::TIMELINE)?;
        let events = self.txn.open_table(tables::EVENTS)?;
        let mut out = Vec::new();
        for entry in index.range((id.0, 0)..=(id.0, u32::MAX))? {
            let (k, g) = entry?;
            let g = g.value();
            let v = events.get(g)?.ok_or_else(|| {
                StoreError::Corrupt(format!("{id} #{} points at event {g}, which is missing", k.value().1))
            })?;
            out.push(codec::decode_event(v.value())?);
        }
        Ok(out)
    }

    /// Where the timeline index says an event is: (incident, seq) -> global sequence.
    ///
    /// # Errors
    /// Storage failure.
    pub fn timeline_entry(&self, id: IncidentId, seq: u32) -> Result<Option<u64>, StoreError> {
        Ok(self.txn.open_table(tables::TIMELINE)?.get((id.0, seq))?.map(|g| g.value()))
    }

    /// Number of entries in the timeline index (each must point at one event).
    ///
    /// # Errors
    /// Storage failure.
    pub fn timeline_len(&self) -> Result<u64, StoreError> {
        Ok(self.txn.open_table(tables::TIMELINE)?.len()?)
    }

    /// Walk the events in commit order, calling `f` for each; stops at the first error `f`
    /// returns.
    ///
    /// # Errors
    /// Storage failure, a malformed record, or `f`'s error.
    pub fn walk_log<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(LogEntry) -> Result<(), E>,
    ) -> Result<(), E> {
        let events = self.txn.open_table(tables::EVENTS).map_err(StoreError::from)?;
        for entry in events.iter().map_err(StoreError::from)? {
            let (g, v) = entry.map_err(StoreError::from)?;
            let stored = codec::split_event(v.value())?;
            f(LogEntry { global_seq: g.value(), stored_hash: stored.hash, body: stored.body.to_vec() })?;
        }
        Ok(())
    }

    /// Events committed after global sequence `after`, in commit order, at most `limit` of
    /// them: one range scan of events-1 (a change feed resuming where a client left off).
    ///
    /// # Errors
    /// Storage failure or an undecodable event.
    pub fn events_since(&self, after: u64, limit: usize) -> Result<Vec<(u64, Event)>, StoreError> {
        let events = self.txn.open_table(tables::EVENTS)?;
        let Some(from) = after.checked_add(1) else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for entry in events.range(from..)?.take(limit) {
            let (g, v) = entry?;
            out.push((g.value(), codec::decode_event(v.value())?));
        }
        Ok(out)
    }

    /// The chain head and the last global sequence number.
    ///
    /// # Errors
    /// Storage failure or a malformed meta record.
    pub fn head(&self) -> Result<(Hash, u64), StoreError> {
        let m = self.txn.open_table(tables::META)?;
        let head = match m.get(meta::HEAD)? {
            None => [0; HASH_LEN],
            Some(v) => v.value().try_into().map_err(|_| {
                StoreError::Corrupt("the chain head in the meta table is malformed".to_owned())
            })?,
        };
        let last = match m.get(meta::LAST_GLOBAL)? {
            None => 0,
            Some(v) => v
                .value()
                .try_into()
                .map(u64::from_le_bytes)
                .map_err(|_| StoreError::Corrupt("the last global sequence is malformed".to_owned()))?,
        };
        Ok((head, last))
    }
}
