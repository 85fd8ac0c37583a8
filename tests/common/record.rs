//! Reading an engine's record the way several tests check it.

use piket::domain::{AlertRecord, EventKind, Incident, IncidentId, Query};
use piket::engine::Engine;

/// Every incident, open or closed, in id order.
pub fn incidents(engine: &Engine) -> Vec<Incident> {
    let mut v = engine.list(&Query { all: true, ..Query::default() }).unwrap();
    v.sort_by_key(|i| i.id);
    v
}

/// The alerts on an incident's timeline, as received.
pub fn alerts_of(engine: &Engine, id: IncidentId) -> Vec<AlertRecord> {
    engine
        .timeline(id)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::AlertReceived(a) => Some(a),
            _ => None,
        })
        .collect()
}
