//! Opening the engine in this process: for `piket serve`, `--embedded` and the demo.

use std::path::Path;

use color_eyre::eyre::eyre;

use super::paths::{DB_FILE, create_private_dir};
use crate::config::Config;
use crate::engine::{Engine, EngineError};
use crate::server::owner;
use crate::store::{StoreError, StoreOptions};

/// Open the engine for `piket serve` or `--embedded`; a held database names its holder.
///
/// # Errors
/// The directory cannot be made, or the store refuses (held, newer schema, damaged).
pub(crate) fn open_engine(dir: &Path, config: &Config) -> color_eyre::Result<Engine> {
    open_engine_as(dir, config, crate::files::Access::Private)
}

/// [`open_engine`] with the access the server's files get: 0640 for the socket group in team
/// mode. Only `piket serve` asks for it; an embedded piket keeps the file private.
pub(super) fn open_engine_as(
    dir: &Path,
    config: &Config,
    access: crate::files::Access,
) -> color_eyre::Result<Engine> {
    create_private_dir(dir)?;
    let db = dir.join(DB_FILE);
    let opts = StoreOptions { cache_size_bytes: config.store.cache_size_bytes, access };
    Engine::open(&db, &opts, config.policy.clone()).map_err(|e| match (&e, owner::describe(&db)) {
        (EngineError::Store(StoreError::Held { path }), Some(holder)) => eyre!(
            "{}: another piket holds this database: {holder}; use it (it serves the socket named) or stop it first with `piket server stop`",
            path.display()
        ),
        _ => eyre!("{e}"),
    })
}
