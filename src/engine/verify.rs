//! `piket verify`: is the record what the engine wrote?
//!
//! Walks the global log in order, recomputes each event's chain hash from the previous one and
//! the stored bytes, checks that the event sits where the log says, folds every timeline into a
//! fresh summary and compares it, and the open-queue index, with what is stored. The first
//! mismatch is reported with the event it was found at.

use std::collections::{BTreeMap, BTreeSet};

use crate::client::VerifyReport;
use crate::domain::{Incident, IncidentId};
use crate::store::{HASH_LEN, Hash, LogEntry, Reader, StoreError, chain, decode_event_body, hex};

use super::EngineError;

/// A problem found; the walk stops there.
struct Found(String);

impl From<StoreError> for Found {
    fn from(e: StoreError) -> Self {
        Self(e.to_string())
    }
}

struct Walk<'r> {
    reader: &'r Reader,
    prev: Hash,
    expected_global: u64,
    summaries: BTreeMap<IncidentId, Incident>,
    /// The rota timeline: its sequence so far and the override ids added and not removed.
    rota_seq: u32,
    overrides: BTreeSet<u32>,
}

impl Walk<'_> {
    fn step(&mut self, e: LogEntry) -> Result<(), Found> {
        if e.global_seq != self.expected_global {
            return Err(Found(format!(
                "event {} of the log is missing (the next one present is {})",
                self.expected_global, e.global_seq
            )));
        }
        self.expected_global += 1;
        let hash = chain(&self.prev, &e.body);
        let ev = decode_event_body(&e.body);
        let at = match &ev {
            Ok(ev) => format!("event {} #{} (log position {})", ev.incident, ev.seq, e.global_seq),
            Err(_) => format!("log position {}", e.global_seq),
        };
        if hash != e.stored_hash {
            return Err(Found(format!(
                "{at}: its hash does not match its bytes and the chain before it; the record was altered here"
            )));
        }
        self.prev = hash;
        let ev = ev.map_err(|err| Found(format!("{at}: {err}")))?;
        if self.reader.timeline_entry(ev.incident, ev.seq)? != Some(e.global_seq) {
            return Err(Found(format!("{at}: the timeline index does not point at this event")));
        }
        if ev.incident == IncidentId::ROTA {
            return self.rota_step(&ev, &at);
        }
        match self.summaries.get_mut(&ev.incident) {
            Some(s) => s.apply(&ev).map_err(|err| Found(format!("{at}: {err}")))?,
            None => {
                let s = Incident::from_first(&ev).map_err(|err| Found(format!("{at}: {err}")))?;
                self.summaries.insert(ev.incident, s);
            }
        }
        Ok(())
    }
}

impl Walk<'_> {
    /// The rota's timeline holds only override events, in sequence, removing only what was added.
    fn rota_step(&mut self, ev: &crate::domain::Event, at: &str) -> Result<(), Found> {
        use crate::domain::EventKind;
        if ev.seq != self.rota_seq + 1 {
            return Err(Found(format!("{at}: the rota timeline has a gap or a duplicate")));
        }
        self.rota_seq = ev.seq;
        match &ev.kind {
            EventKind::OverrideAdded(o) if self.overrides.insert(o.id) => Ok(()),
            EventKind::OverrideRemoved { id, .. } if self.overrides.remove(id) => Ok(()),
            other => Err(Found(format!("{at}: {} does not belong on the rota timeline here", other.name()))),
        }
    }
}

pub(super) fn run(r: &Reader) -> Result<VerifyReport, EngineError> {
    let (stored_head, last_global) = r.head()?;
    let mut walk = Walk {
        reader: r,
        prev: [0; HASH_LEN],
        expected_global: 1,
        summaries: BTreeMap::new(),
        rota_seq: 0,
        overrides: BTreeSet::new(),
    };
    let walked = r.walk_log(|e| walk.step(e));
    let events = walk.expected_global - 1;
    let report = |problem: Option<String>, incidents: usize| VerifyReport {
        events,
        incidents: incidents as u64,
        head: hex(&stored_head),
        problem,
    };
    if let Err(Found(p)) = walked {
        return Ok(report(Some(p), walk.summaries.len()));
    }
    let problem = check_totals(r, &walk, stored_head, last_global, events)?;
    Ok(report(problem, walk.summaries.len()))
}

fn check_totals(
    r: &Reader,
    walk: &Walk,
    stored_head: Hash,
    last_global: u64,
    events: u64,
) -> Result<Option<String>, EngineError> {
    if walk.prev != stored_head {
        return Ok(Some(format!(
            "the stored chain head {} is not the hash of the last event ({})",
            hex(&stored_head),
            hex(&walk.prev)
        )));
    }
    if last_global != events {
        return Ok(Some(format!("the log has {events} events but the meta table counts {last_global}")));
    }
    let indexed = r.timeline_len()?;
    if indexed != events {
        return Ok(Some(format!(
            "the timeline index has {indexed} entries but the log chains {events} events: it was edited outside the engine"
        )));
    }
    let stored = r.all_incidents()?;
    if stored.len() != walk.summaries.len() {
        return Ok(Some(format!(
            "{} incident summaries are stored but the timelines make {}",
            stored.len(),
            walk.summaries.len()
        )));
    }
    for s in &stored {
        match walk.summaries.get(&s.id) {
            Some(fresh) if fresh == s => {}
            Some(_) => {
                return Ok(Some(format!("the stored summary of {} differs from its timeline", s.id)));
            }
            None => return Ok(Some(format!("{} has a summary but no timeline", s.id))),
        }
    }
    let queue: BTreeSet<(u8, i64, u64)> = r.open_queue_keys()?.into_iter().collect();
    let open: BTreeSet<(u8, i64, u64)> = walk
        .summaries
        .values()
        .filter(|s| s.status.is_open())
        .map(|s| (s.priority.number(), s.opened_at.timestamp_micros(), s.id.0))
        .collect();
    if queue != open {
        return Ok(Some("the open-queue index does not match the open incidents".to_owned()));
    }
    Ok(None)
}
