//! `piket verify`: is the record what the engine wrote?
//!
//! Walks the global log in order, recomputes each event's chain hash from the previous one and
//! the stored bytes, checks that the event sits where the log says, folds every timeline into a
//! fresh summary and compares it, and the open-queue index, with what is stored. The first
//! mismatch is reported with the event it was found at.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{Incident, IncidentId};
use crate::store::{HASH_LEN, Hash, LogEntry, Reader, StoreError, chain, decode_event_body, hex};
use crate::wire::VerifyReport;

use super::EngineError;

/// A problem found; the walk stops there.
struct Found(String);

impl From<StoreError> for Found {
    fn from(e: StoreError) -> Self {
        Self(e.to_string())
    }
}

struct Walk<'r> {
    reader: &'r dyn Reader,
    prev: Hash,
    expected_global: u64,
    summaries: BTreeMap<IncidentId, Incident>,
    /// The rota timeline: its sequence so far and the override ids added and not removed.
    rota_seq: u32,
    overrides: BTreeSet<u32>,
    /// The maintenance timeline folded as the engine folds it, and its sequence so far.
    maintenance: crate::domain::maintenance::Book,
    maintenance_seq: u32,
    maintenance_events: u64,
    /// The suppressed timeline's sequence so far and how many alerts it holds.
    suppressed_seq: u32,
    suppressed_alerts: u64,
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
        if ev.incident == IncidentId::MAINTENANCE {
            return self.maintenance_step(&ev, &at);
        }
        if ev.incident == IncidentId::SUPPRESSED {
            return self.suppressed_step(&ev, &at);
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

impl Walk<'_> {
    /// The maintenance timeline: in sequence, and every event one the rules could have
    /// written on what came before (ids in order, only set windows ended or cancelled, once).
    fn maintenance_step(&mut self, ev: &crate::domain::Event, at: &str) -> Result<(), Found> {
        if ev.seq != self.maintenance_seq + 1 {
            return Err(Found(format!("{at}: the maintenance timeline has a gap or a duplicate")));
        }
        self.maintenance_seq = ev.seq;
        self.maintenance
            .apply(&ev.kind, &ev.actor, ev.occurred_at)
            .map_err(|m| Found(format!("{at}: {m}")))?;
        if !matches!(ev.kind, crate::domain::EventKind::Note { .. }) {
            self.maintenance_events += 1;
        }
        Ok(())
    }

    /// The suppressed timeline: in sequence, only suppressed alerts (and the migration's
    /// note), each naming a window set before it (0: carried over, not known).
    fn suppressed_step(&mut self, ev: &crate::domain::Event, at: &str) -> Result<(), Found> {
        use crate::domain::EventKind;
        if ev.seq != self.suppressed_seq + 1 {
            return Err(Found(format!("{at}: the suppressed timeline has a gap or a duplicate")));
        }
        self.suppressed_seq = ev.seq;
        match &ev.kind {
            EventKind::AlertSuppressed { window, .. }
                if *window == 0 || self.maintenance.windows.iter().any(|w| w.id == *window) =>
            {
                self.suppressed_alerts += 1;
                Ok(())
            }
            EventKind::AlertSuppressed { window, .. } => {
                Err(Found(format!("{at}: names maintenance #{window}, which was never set before it")))
            }
            EventKind::Note { .. } => Ok(()),
            other => Err(Found(format!("{at}: {} does not belong on the suppressed timeline", other.name()))),
        }
    }
}

pub(super) fn run(r: &dyn Reader) -> Result<VerifyReport, EngineError> {
    let (stored_head, last_global) = r.head()?;
    let mut walk = Walk {
        reader: r,
        prev: [0; HASH_LEN],
        expected_global: 1,
        summaries: BTreeMap::new(),
        rota_seq: 0,
        overrides: BTreeSet::new(),
        maintenance: crate::domain::maintenance::Book::default(),
        maintenance_seq: 0,
        maintenance_events: 0,
        suppressed_seq: 0,
        suppressed_alerts: 0,
    };
    let walked = r.walk_log(|e| walk.step(e));
    let events = walk.expected_global - 1;
    let report = |problem: Option<String>, walk: &Walk| VerifyReport {
        events,
        incidents: walk.summaries.len() as u64,
        head: hex(&stored_head),
        problem,
        maintenance_events: walk.maintenance_events,
        suppressed_alerts: walk.suppressed_alerts,
    };
    if let Err(Found(p)) = walked {
        return Ok(report(Some(p), &walk));
    }
    let problem = check_totals(r, &walk, stored_head, last_global, events)?;
    Ok(report(problem, &walk))
}

fn check_totals(
    r: &dyn Reader,
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
