//! The read side: a consistent snapshot for queries and for `verify` (redb's read
//! transactions are MVCC snapshots).

use std::ops::ControlFlow;

use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata};

use crate::domain::{Event, Incident, IncidentId};
use crate::store::boundary::{LogEntry, Reader};
use crate::store::codec::{self, Hash};
use crate::store::error::StoreError;

use super::scan;
use super::tables::{self, meta};

pub(super) struct RedbReader {
    txn: ReadTransaction,
}

impl RedbReader {
    pub(super) const fn new(txn: ReadTransaction) -> Self {
        Self { txn }
    }
}

impl Reader for RedbReader {
    fn last_seq(&self, id: IncidentId) -> Result<u32, StoreError> {
        scan::last_seq(&self.txn.open_table(tables::TIMELINE)?, id)
    }

    fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError> {
        let t = self.txn.open_table(tables::INCIDENTS)?;
        t.get(id.0)?.map(|v| codec::decode_incident(v.value())).transpose()
    }

    fn open_incidents(&self) -> Result<Vec<Incident>, StoreError> {
        self.open_incidents_where(&|_| true, usize::MAX)
    }

    fn open_incidents_where(
        &self,
        keep: &dyn Fn(&Incident) -> bool,
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

    fn all_incidents(&self) -> Result<Vec<Incident>, StoreError> {
        let t = self.txn.open_table(tables::INCIDENTS)?;
        let mut out = Vec::with_capacity(usize::try_from(t.len()?).unwrap_or(0));
        for entry in t.iter()? {
            let (_, v) = entry?;
            out.push(codec::decode_incident(v.value())?);
        }
        Ok(out)
    }

    fn open_queue_keys(&self) -> Result<Vec<(u8, i64, u64)>, StoreError> {
        let q = self.txn.open_table(tables::OPEN_QUEUE)?;
        q.iter()?.map(|e| Ok(e?.0.value())).collect()
    }

    fn timeline(&self, id: IncidentId) -> Result<Vec<Event>, StoreError> {
        scan::timeline(&self.txn.open_table(tables::TIMELINE)?, &self.txn.open_table(tables::EVENTS)?, id)
    }

    fn timeline_entry(&self, id: IncidentId, seq: u32) -> Result<Option<u64>, StoreError> {
        Ok(self.txn.open_table(tables::TIMELINE)?.get((id.0, seq))?.map(|g| g.value()))
    }

    fn timeline_len(&self) -> Result<u64, StoreError> {
        Ok(self.txn.open_table(tables::TIMELINE)?.len()?)
    }

    fn each_in_log(&self, f: &mut dyn FnMut(LogEntry) -> ControlFlow<()>) -> Result<(), StoreError> {
        let events = self.txn.open_table(tables::EVENTS)?;
        for entry in events.iter()? {
            let (g, v) = entry?;
            let stored = codec::split_event(v.value())?;
            let entry =
                LogEntry { global_seq: g.value(), stored_hash: stored.hash, body: stored.body.to_vec() };
            if f(entry).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn events_since(&self, after: u64, limit: usize) -> Result<Vec<(u64, Event)>, StoreError> {
        let events = self.txn.open_table(tables::EVENTS)?;
        let Some(from) = after.checked_add(1) else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for entry in events.range(from..)?.take(limit) {
            let (g, v) = entry?;
            out.push((g.value(), codec::decode_event(v.value())?));
        }
        Ok(out)
    }

    fn head(&self) -> Result<(Hash, u64), StoreError> {
        let m = self.txn.open_table(tables::META)?;
        let head = scan::head(m.get(meta::HEAD)?)?;
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
