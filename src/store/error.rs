//! What can go wrong below the engine, in sentences a responder can act on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path}: another piket holds this database (a running `piket serve` or TUI); use that one, or stop it first"
    )]
    Held { path: PathBuf },
    #[error(
        "{path}: this database has schema version {found}, newer than this piket understands ({supported}): upgrade piket"
    )]
    Newer { path: PathBuf, found: u32, supported: u32 },
    #[error("{path}: cannot open the database: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("the database is damaged: {0}; run `piket verify` and restore from a backup")]
    Corrupt(String),
    #[error("could not encode a record: {0}")]
    Encode(String),
    #[error("database error: {0}")]
    Db(String),
}
