//! The engine's handle on its backend: the one place a backend is chosen, and the typed
//! write transaction the engine's closures run in.

use std::path::Path;

use super::boundary::{Backend, Finish, Reader, Writer};
use super::error::StoreError;
use super::redb::{RedbStore, StoreOptions};

/// An open record, whichever backend keeps it.
pub struct Store {
    backend: Box<dyn Backend>,
}

impl Store {
    /// Open or create the redb file at `path` (the embedded default; its directory must
    /// exist). See [`RedbStore::open`].
    ///
    /// # Errors
    /// [`StoreError::Held`] when another process has it open, [`StoreError::Newer`] for a file
    /// from a newer piket, [`StoreError::Open`] for anything else, naming the file.
    pub fn open(path: &Path, opts: &StoreOptions) -> Result<Self, StoreError> {
        Ok(Self::new(RedbStore::open(path, opts)?))
    }

    /// A record in memory, for tests and benchmarks that must not touch the disk.
    ///
    /// # Errors
    /// Only if the backend cannot initialise (it should not).
    pub fn in_memory() -> Result<Self, StoreError> {
        Ok(Self::new(RedbStore::in_memory()?))
    }

    /// A record kept by any backend.
    #[must_use]
    pub fn new(backend: impl Backend + 'static) -> Self {
        Self { backend: Box::new(backend) }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        self.backend.path()
    }

    /// A consistent snapshot for queries.
    ///
    /// # Errors
    /// The backend could not start a read.
    pub fn read(&self) -> Result<Box<dyn Reader>, StoreError> {
        self.backend.read()
    }

    /// Run `f` in one durable write transaction: all of it is committed, or none of it (when
    /// `f` fails, or the commit does). Write transactions are serialised, so `f` sees every
    /// earlier commit.
    ///
    /// # Errors
    /// Whatever `f` returns (nothing is committed), or a failed start or commit.
    pub fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut dyn Writer) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut f = Some(f);
        let mut out = None;
        self.backend
            .write(&mut |w| {
                let Some(f) = f.take() else { return Finish::Abort };
                let result = f(w);
                let finish = if result.is_ok() { Finish::Commit } else { Finish::Abort };
                out = Some(result);
                finish
            })
            .map_err(E::from)?;
        out.unwrap_or_else(|| {
            Err(StoreError::Db("the backend finished a write without running it".to_owned()).into())
        })
    }
}
