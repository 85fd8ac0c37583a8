//! The read side: a consistent snapshot for queries and for `verify`.

use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata};

use crate::domain::{Event, Incident, IncidentId};

use super::codec::{self, HASH_LEN, Hash};
use super::error::StoreError;
use super::tables::{self, meta};

pub struct Reader {
    txn: ReadTransaction,
}

/// One position of the global log, as `verify` walks it.
pub struct LogEntry {
    pub global_seq: u64,
    /// The key the log points at.
    pub incident: IncidentId,
    pub seq: u32,
    /// The hash stored with the event.
    pub stored_hash: Hash,
    /// The canonical bytes the hash covers.
    pub body: Vec<u8>,
}

impl Reader {
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
    /// Storage failure or an undecodable event.
    pub fn timeline(&self, id: IncidentId) -> Result<Vec<Event>, StoreError> {
        let t = self.txn.open_table(tables::EVENTS)?;
        let mut out = Vec::new();
        for entry in t.range((id.0, 0)..=(id.0, u32::MAX))? {
            let (_, v) = entry?;
            out.push(codec::decode_event(v.value())?);
        }
        Ok(out)
    }

    /// Walk the global log in order, calling `f` for each entry; stops at the first error `f`
    /// returns.
    ///
    /// # Errors
    /// Storage failure, a log entry pointing at a missing event, or `f`'s error.
    pub fn walk_log<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(LogEntry) -> Result<(), E>,
    ) -> Result<(), E> {
        let log = self.txn.open_table(tables::LOG).map_err(StoreError::from)?;
        let events = self.txn.open_table(tables::EVENTS).map_err(StoreError::from)?;
        for entry in log.iter().map_err(StoreError::from)? {
            let (g, key) = entry.map_err(StoreError::from)?;
            let (id, seq) = key.value();
            let v = events.get((id, seq)).map_err(StoreError::from)?.ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "log entry {} names INC-{id} #{seq}, which is missing",
                    g.value()
                ))
            })?;
            let stored = codec::split_event(v.value())?;
            f(LogEntry {
                global_seq: g.value(),
                incident: IncidentId(id),
                seq,
                stored_hash: stored.hash,
                body: stored.body.to_vec(),
            })?;
        }
        Ok(())
    }

    /// Number of stored events (to catch events that are not in the log).
    ///
    /// # Errors
    /// Storage failure.
    pub fn event_count(&self) -> Result<u64, StoreError> {
        Ok(self.txn.open_table(tables::EVENTS)?.len()?)
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
