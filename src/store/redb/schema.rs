//! The schema version of a database file and the migrations between versions.
//!
//! A file records the version it follows. A newer piket migrates an older file forward, one
//! named step at a time, each in its own write transaction; an older piket refuses a newer file
//! with a sentence that says to upgrade, instead of misreading it.

use redb::{ReadableTable, TableDefinition, WriteTransaction};

use crate::store::boundary::Writer as _;
use crate::store::error::StoreError;

use super::tables::{self, meta};

/// The version this piket writes. 1: the first release (events-1, timeline-1, incidents-1,
/// open-queue-1, meta-1). Tables added later without changing an existing layout (dedup-1,
/// alert-state-1) are created on open and need no new version: an older piket ignores them.
/// 2: maintenance windows and the alerts they suppressed are events on the chain (the
/// `maintenance` and `suppressed` timelines); the tables maintenance-1 and suppressed-1 are
/// carried into the record and removed (see [`carry_maintenance`]). An older piket would
/// miss them, so it must refuse the file.
pub const SCHEMA_VERSION: u32 = 2;

/// A migration from `from` to `from + 1`.
struct Migration {
    from: u32,
    name: &'static str,
    run: fn(&WriteTransaction) -> Result<(), StoreError>,
}

/// Ordered; each runs in one write transaction with the version bump, so it runs once.
const MIGRATIONS: &[Migration] = &[Migration {
    from: 1,
    name: "maintenance windows and suppressed alerts become events",
    run: carry_maintenance,
}];

/// Schema 1's table of windows: (service, start µs) -> postcard [`LegacyWindow`].
const LEGACY_MAINTENANCE: TableDefinition<(&str, i64), &[u8]> = TableDefinition::new("maintenance-1");
/// Schema 1's table of suppressed alerts: (received µs, "source/key") -> postcard [`LegacyAlert`].
const LEGACY_SUPPRESSED: TableDefinition<(i64, &str), &[u8]> = TableDefinition::new("suppressed-1");

/// The layout schema 1 stored a window in, frozen here so later changes to the domain type
/// cannot misread old rows.
#[derive(serde::Deserialize)]
struct LegacyWindow {
    service: String,
    #[serde(with = "crate::domain::time::ts")]
    start: chrono::DateTime<chrono::Utc>,
    #[serde(with = "crate::domain::time::ts")]
    end: chrono::DateTime<chrono::Utc>,
    reason: String,
    set_by: String,
}

/// The layout schema 1 stored a suppressed alert in (the `AlertRecord` of then), frozen.
#[derive(serde::Deserialize)]
struct LegacyAlert {
    source: String,
    key: String,
    identity: String,
    status: String,
    summary: String,
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
    #[serde(with = "crate::domain::time::ts_opt")]
    starts_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(with = "crate::domain::time::ts_opt")]
    ends_at: Option<chrono::DateTime<chrono::Utc>>,
    details: Vec<(String, String)>,
}

/// Schema 1 -> 2: every row of maintenance-1 and suppressed-1 is appended to the record as
/// a new event (actor "piket", source timer), after a note on each timeline that says so;
/// no existing event is touched. Windows get ids 1.. in (service, start) order and keep
/// their times and setter; a suppressed alert keeps its arrival time as `occurred_at` and
/// names the window that covered it when exactly one did (else window 0: not known). The
/// old tables are removed in the same transaction, so nothing is in two places.
fn carry_maintenance(txn: &WriteTransaction) -> Result<(), StoreError> {
    use crate::domain::alert::{AlertRecord, MaintenanceWindow};
    use crate::domain::{Event, EventKind, IncidentId, Source};

    let corrupt = |what: &str, e: postcard::Error| StoreError::Corrupt(format!("{what} of schema 1: {e}"));
    let mut windows: Vec<MaintenanceWindow> = Vec::new();
    for entry in txn.open_table(LEGACY_MAINTENANCE)?.iter()? {
        let (_, v) = entry?;
        let old: LegacyWindow =
            postcard::from_bytes(v.value()).map_err(|e| corrupt("a maintenance window", e))?;
        windows.push(MaintenanceWindow {
            id: u32::try_from(windows.len() + 1).unwrap_or(u32::MAX),
            service: old.service,
            start: old.start,
            end: old.end,
            reason: old.reason,
            set_by: old.set_by,
        });
    }
    let mut alerts: Vec<(chrono::DateTime<chrono::Utc>, AlertRecord)> = Vec::new();
    for entry in txn.open_table(LEGACY_SUPPRESSED)?.iter()? {
        let (k, v) = entry?;
        let old: LegacyAlert =
            postcard::from_bytes(v.value()).map_err(|e| corrupt("a suppressed alert", e))?;
        let at = chrono::DateTime::from_timestamp_micros(k.value().0).unwrap_or_default();
        alerts.push((
            at,
            AlertRecord {
                source: old.source,
                key: old.key,
                identity: old.identity,
                status: old.status,
                summary: old.summary,
                labels: old.labels,
                annotations: old.annotations,
                starts_at: old.starts_at,
                ends_at: old.ends_at,
                details: old.details,
            },
        ));
    }
    if !windows.is_empty() || !alerts.is_empty() {
        let now = crate::domain::time::to_micros(chrono::Utc::now());
        let mut w = super::write::RedbWriter::new(txn)?;
        let event = |incident: IncidentId, seq: u32, occurred_at, kind| Event {
            incident,
            seq,
            occurred_at,
            recorded_at: now,
            actor: "piket".to_owned(),
            source: Source::Timer,
            kind,
        };
        let mut events = Vec::new();
        let mut timeline =
            |id: IncidentId, items: Vec<(chrono::DateTime<chrono::Utc>, EventKind)>, what: &str| {
                if items.is_empty() {
                    return Ok::<(), StoreError>(());
                }
                let first = w.last_seq(id)? + 1;
                let note = EventKind::Note {
                    text: format!(
                        "schema 2 migration: the {} below were kept outside the record by an earlier piket \
                     and are carried into it here, unchanged, by piket itself",
                        what
                    ),
                };
                events.push(event(id, first, now, note));
                for ((at, kind), seq) in items.into_iter().zip(first + 1..) {
                    events.push(event(id, seq, at, kind));
                }
                Ok(())
            };
        let sets = windows.iter().map(|win| (now, EventKind::MaintenanceSet(win.clone()))).collect();
        timeline(
            IncidentId::MAINTENANCE,
            sets,
            &format!("{} maintenance windows (table maintenance-1)", windows.len()),
        )?;
        let kept = alerts
            .into_iter()
            .map(|(at, record)| {
                let mut covering = windows.iter().filter(|win| win.covers(at));
                let (window, service) = match (covering.next(), covering.next()) {
                    (Some(only), None) => (only.id, only.service.clone()),
                    _ => (0, String::new()),
                };
                (at, EventKind::AlertSuppressed { window, service, record })
            })
            .collect::<Vec<_>>();
        let n = kept.len();
        timeline(IncidentId::SUPPRESSED, kept, &format!("{n} suppressed alerts (table suppressed-1)"))?;
        w.append(&events)?;
        w.finish()?;
    }
    txn.delete_table(LEGACY_MAINTENANCE)?;
    txn.delete_table(LEGACY_SUPPRESSED)?;
    Ok(())
}

fn read_u32(bytes: &[u8]) -> Option<u32> {
    bytes.try_into().ok().map(u32::from_le_bytes)
}

/// Create the tables of a fresh file, or check and migrate an existing one.
///
/// # Errors
/// [`StoreError::Newer`] for a file from a newer piket; a damaged version record.
pub(super) fn prepare(db: &redb::Database, path: &std::path::Path) -> Result<(), StoreError> {
    let txn = db.begin_write()?;
    let found = {
        let mut m = txn.open_table(tables::META)?;
        let found = m.get(meta::SCHEMA)?.map(|v| read_u32(v.value()));
        match found {
            None => {
                m.insert(meta::SCHEMA, SCHEMA_VERSION.to_le_bytes().as_slice())?;
                SCHEMA_VERSION
            }
            Some(Some(v)) => v,
            Some(None) => {
                return Err(StoreError::Corrupt("the schema version record is malformed".to_owned()));
            }
        }
    };
    // Open every table so a fresh file has them all and readers never meet a missing table.
    txn.open_table(tables::EVENTS)?;
    txn.open_table(tables::TIMELINE)?;
    txn.open_table(tables::INCIDENTS)?;
    txn.open_table(tables::OPEN_QUEUE)?;
    txn.open_table(tables::DEDUP)?;
    txn.open_table(tables::ALERT_STATE)?;
    txn.commit()?;

    if found > SCHEMA_VERSION {
        return Err(StoreError::Newer { path: path.to_owned(), found, supported: SCHEMA_VERSION });
    }
    let mut version = found;
    while version < SCHEMA_VERSION {
        let Some(m) = MIGRATIONS.iter().find(|m| m.from == version) else {
            return Err(StoreError::Corrupt(format!("no migration from schema version {version}")));
        };
        let txn = db.begin_write()?;
        (m.run)(&txn)?;
        txn.open_table(tables::META)?.insert(meta::SCHEMA, (version + 1).to_le_bytes().as_slice())?;
        txn.commit()?;
        eprintln!("piket: migrated {} from schema {version} to {} ({})", path.display(), version + 1, m.name);
        version += 1;
    }
    Ok(())
}
