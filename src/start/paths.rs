//! Where piket keeps its files: the data dir, the database, the socket and the server's log.
//!
//! Where the socket is, first match wins:
//! 1. `--socket` / `PIKET_SOCKET`;
//! 2. `[server] socket` in the config;
//! 3. `piket.sock` in the data dir, when one is given (`--data-dir`, `PIKET_DATA_DIR`,
//!    `data-dir`): a database and its server belong together, so two data dirs never share
//!    a server by accident;
//! 4. `$XDG_RUNTIME_DIR/piket/piket.sock` (personal use), else `piket.sock` in the data dir.
//!
//! A server started by a client writes its log to `serve.log` in the state dir
//! (`~/.local/state/piket`), or in the data dir when one is given.

use std::path::{Path, PathBuf};

use color_eyre::eyre::{WrapErr, eyre};

use super::Flags;
use crate::config::Config;

/// The database file inside the data dir.
pub(super) const DB_FILE: &str = "piket.redb";
pub(crate) const SOCKET_FILE: &str = "piket.sock";
pub(super) const LOG_FILE: &str = "serve.log";

/// Where the database lives: --data-dir / PIKET_DATA_DIR, then config, then the platform dir.
///
/// # Errors
/// No home directory to derive a default from.
pub(crate) fn data_dir(flag: Option<&Path>, config: &Config) -> color_eyre::Result<PathBuf> {
    if let Some(d) = flag.or(config.data_dir.as_deref()) {
        return Ok(d.to_owned());
    }
    directories::ProjectDirs::from("", "", "piket").map(|p| p.data_dir().to_owned()).ok_or_else(|| {
        eyre!("cannot find a home directory for the data: pass --data-dir or set PIKET_DATA_DIR")
    })
}

/// Whether the data dir was chosen (flag, environment or config) rather than defaulted.
fn explicit_dir(flags: &Flags, config: &Config) -> bool {
    flags.data_dir.is_some() || config.data_dir.is_some()
}

/// The socket for this invocation (see the module doc for the order).
#[must_use]
pub(crate) fn socket_path(flags: &Flags, config: &Config, dir: &Path) -> PathBuf {
    if let Some(s) = flags.socket.as_ref().or(config.server.socket.as_ref()) {
        return s.clone();
    }
    if explicit_dir(flags, config) {
        return dir.join(SOCKET_FILE);
    }
    directories::ProjectDirs::from("", "", "piket")
        .and_then(|p| p.runtime_dir().map(|r| r.join(SOCKET_FILE)))
        .unwrap_or_else(|| dir.join(SOCKET_FILE))
}

pub(super) fn log_path(flags: &Flags, config: &Config, dir: &Path) -> PathBuf {
    if explicit_dir(flags, config) {
        return dir.join(LOG_FILE);
    }
    directories::ProjectDirs::from("", "", "piket")
        .and_then(|p| p.state_dir().map(|s| s.join(LOG_FILE)))
        .unwrap_or_else(|| dir.join(LOG_FILE))
}

/// Make `dir` (and its parents) private to this user, if it is not there yet.
///
/// # Errors
/// It cannot be created.
pub(super) fn create_private_dir(dir: &Path) -> color_eyre::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .wrap_err_with(|| format!("cannot create the data directory {}", dir.display()))
}
