//! Reads that a snapshot and a write transaction share: the same tables, read-only or
//! writable, so one function serves both.

use redb::{AccessGuard, ReadableTable};

use crate::domain::{Event, IncidentId};
use crate::store::codec::{self, HASH_LEN, Hash};
use crate::store::error::StoreError;

/// The seq of the last event of a timeline (0: none yet), from the index alone: the number
/// of events on it, as seqs run from 1 without gaps.
pub(super) fn last_seq(
    index: &impl ReadableTable<(u64, u32), u64>,
    id: IncidentId,
) -> Result<u32, StoreError> {
    let last = index.range((id.0, 0)..=(id.0, u32::MAX))?.next_back().transpose()?;
    Ok(last.map_or(0, |(k, _)| k.value().1))
}

/// One timeline, oldest first: its index entries, each looked up in the log.
pub(super) fn timeline(
    index: &impl ReadableTable<(u64, u32), u64>,
    events: &impl ReadableTable<u64, &'static [u8]>,
    id: IncidentId,
) -> Result<Vec<Event>, StoreError> {
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

/// The chain head as the meta table holds it (all zero before the first event).
pub(super) fn head(stored: Option<AccessGuard<'_, &'static [u8]>>) -> Result<Hash, StoreError> {
    match stored {
        None => Ok([0; HASH_LEN]),
        Some(v) => v
            .value()
            .try_into()
            .map_err(|_| StoreError::Corrupt("the chain head in the meta table is malformed".to_owned())),
    }
}
