//! Every redb table piket has, in one place. Names carry a version: a table whose key or value
//! layout changes gets a new name and a migration (see `schema.rs`), never an in-place reinterpretation.

use redb::TableDefinition;

/// Key: global sequence number from 1, in commit order. Value: an encoded event
/// (`codec::encode_event`): version byte, blake3 chain hash (32 bytes), postcard bytes.
/// The source of truth and the order of the hash chain; append-only, so its pages fill up
/// completely, and "everything since N" (a change feed resuming) is one range scan.
pub(super) const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events-1");

/// Key: (incident id, event seq from 1). Value: the event's global sequence number.
/// An incident's timeline in order, without scanning other incidents' events.
pub(super) const TIMELINE: TableDefinition<(u64, u32), u64> = TableDefinition::new("timeline-1");

/// Key: incident id. Value: encoded [`crate::domain::Incident`] summary (version byte + postcard).
/// A projection of the events, rebuilt and compared by `verify`.
pub(super) const INCIDENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("incidents-1");

/// Key: (priority number, opened_at in microseconds, incident id). Value: none.
/// The open queue in its natural order, so listing it never scans closed history.
pub(super) const OPEN_QUEUE: TableDefinition<(u8, i64, u64), ()> = TableDefinition::new("open-queue-1");

/// Key: `"<source>/<dedup key>"` (source `alertmanager`, `pagerduty`, `api`; the key a
/// fingerprint, a groupKey, or `routing_key/dedup_key`). Value: the id of the last incident
/// opened for that key. An alert attaches to it while it is open; once it is resolved the next
/// firing opens a new incident and replaces the value. Added without a schema change: a file
/// without it simply has no alert history yet.
pub(super) const DEDUP: TableDefinition<&str, u64> = TableDefinition::new("dedup-1");

/// Key: (incident id, the alert's identity: an Alertmanager fingerprint or a PagerDuty key).
/// Value: postcard [`crate::domain::alert::AlertState`]: the last state recorded (for
/// idempotent re-sends), whether it is resolved, and its recent state changes (flapping).
pub(super) const ALERT_STATE: TableDefinition<(u64, &str), &[u8]> = TableDefinition::new("alert-state-1");

/// Key: a name from [`meta`]. Value: its bytes (little-endian numbers, raw hashes).
pub(super) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta-1");

/// Names in [`META`].
pub(crate) mod meta {
    /// u32: the schema this file follows.
    pub(crate) const SCHEMA: &str = "schema-version";
    /// u64: the last incident id handed out.
    pub(crate) const LAST_ID: &str = "last-incident-id";
    /// u64: the last global sequence number used.
    pub(crate) const LAST_GLOBAL: &str = "last-global-seq";
    /// 32 bytes: the hash of the last event in the chain (all zero before the first).
    pub(crate) const HEAD: &str = "chain-head";
}
