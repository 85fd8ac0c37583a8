//! The schema version of a database file and the migrations between versions.
//!
//! A file records the version it follows. A newer piket migrates an older file forward, one
//! named step at a time, each in its own write transaction; an older piket refuses a newer file
//! with a sentence that says to upgrade, instead of misreading it.

use redb::{ReadableTable, WriteTransaction};

use super::error::StoreError;
use super::tables::{self, meta};

/// The version this piket writes. 1: the first release (events-1, timeline-1, incidents-1,
/// open-queue-1, meta-1). Tables added later without changing an existing layout (dedup-1,
/// alert-state-1, maintenance-1, suppressed-1) are created on open and need no new version: an older piket ignores them.
pub const SCHEMA_VERSION: u32 = 1;

/// A migration from `from` to `from + 1`.
struct Migration {
    from: u32,
    name: &'static str,
    run: fn(&WriteTransaction) -> Result<(), StoreError>,
}

/// Ordered, each idempotent. Empty until the first schema change; the mechanism is tested by
/// the fixture test of the first schema.
const MIGRATIONS: &[Migration] = &[];

fn read_u32(bytes: &[u8]) -> Option<u32> {
    bytes.try_into().ok().map(u32::from_le_bytes)
}

/// Create the tables of a fresh file, or check and migrate an existing one.
///
/// # Errors
/// [`StoreError::Newer`] for a file from a newer piket; a damaged version record.
pub fn prepare(db: &redb::Database, path: &std::path::Path) -> Result<(), StoreError> {
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
    txn.open_table(tables::MAINTENANCE)?;
    txn.open_table(tables::SUPPRESSED)?;
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
