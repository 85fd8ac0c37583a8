//! The redb backend: one file, one process (redb's lock), the embedded default. The only
//! code in piket that names redb; its tables, their layouts and the migrations between
//! schema versions are here, and nothing outside sees them.

mod error;
mod read;
mod scan;
mod schema;
mod tables;
mod write;

use std::path::{Path, PathBuf};

use redb::backends::InMemoryBackend;
use redb::{Builder, Database, DatabaseError};

use super::boundary::{Backend, Finish, Reader, Writer};
use super::error::StoreError;
use read::RedbReader;
pub use schema::SCHEMA_VERSION;
use write::RedbWriter;

/// How the redb file is opened.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// redb's page cache; bounded so a long-running server does not grow without limit.
    pub cache_size_bytes: usize,
    /// Who may read the file besides its owner (the socket group in team mode).
    pub access: crate::files::Access,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { cache_size_bytes: 64 * 1024 * 1024, access: crate::files::Access::Private }
    }
}

/// An open database. One per process: redb's default (exclusive) mode refuses a second opener,
/// which is what makes "one owner of the audit record" hold.
pub struct RedbStore {
    db: Database,
    path: PathBuf,
}

impl RedbStore {
    /// Open or create the database at `path` (its directory must exist). The file is opened
    /// by [`crate::files::open_kept`]: created exclusively and private, and an existing one is
    /// used only if it is this user's regular file, never through a link another user planted.
    ///
    /// # Errors
    /// [`StoreError::Held`] when another process has it open, [`StoreError::Newer`] for a file
    /// from a newer piket, [`StoreError::Open`] for anything else, naming the file.
    pub fn open(path: &Path, opts: &StoreOptions) -> Result<Self, StoreError> {
        let mut b = Builder::new();
        b.set_cache_size(opts.cache_size_bytes);
        b.set_repair_callback(|session| {
            if session.progress() == 0.0 {
                eprintln!("piket: the database was not closed cleanly; repairing it before use");
            }
        });
        let file = crate::files::open_kept(path, opts.access, crate::files::Reopen::ReadWrite)
            .map_err(|e| StoreError::Open { path: path.to_owned(), reason: e.to_string() })?;
        let backend = redb::backends::FileBackend::new(file)
            .map_err(|e| StoreError::Open { path: path.to_owned(), reason: e.to_string() })?;
        let db = b.create_with_backend(backend).map_err(|e| match e {
            DatabaseError::DatabaseAlreadyOpen => StoreError::Held { path: path.to_owned() },
            other => StoreError::Open { path: path.to_owned(), reason: other.to_string() },
        })?;
        schema::prepare(&db, path)?;
        Ok(Self { db, path: path.to_owned() })
    }

    /// A database in memory, for tests and benchmarks that must not touch the disk.
    ///
    /// # Errors
    /// Only if redb cannot initialise (it should not).
    pub fn in_memory() -> Result<Self, StoreError> {
        let path = PathBuf::from(":memory:");
        let db = Builder::new()
            .create_with_backend(InMemoryBackend::new())
            .map_err(|e| StoreError::Open { path: path.clone(), reason: e.to_string() })?;
        schema::prepare(&db, &path)?;
        Ok(Self { db, path })
    }
}

impl Backend for RedbStore {
    fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> Result<Box<dyn Reader>, StoreError> {
        use redb::ReadableDatabase;
        Ok(Box::new(RedbReader::new(self.db.begin_read()?)))
    }

    /// Every write is durable (`Durability::Immediate`) with quick repair on, so a crash
    /// costs no committed event and no long repair at the next open.
    fn write(&self, work: &mut dyn FnMut(&mut dyn Writer) -> Finish) -> Result<(), StoreError> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(redb::Durability::Immediate)?;
        txn.set_quick_repair(true);
        {
            let mut w = RedbWriter::new(&txn)?;
            if work(&mut w) == Finish::Abort {
                // Dropping the transaction uncommitted aborts it.
                return Ok(());
            }
            w.finish()?;
        }
        txn.commit()?;
        Ok(())
    }
}
