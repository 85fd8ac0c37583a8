//! Start-up: where the files are, which config applies, and how this invocation reaches an
//! engine (a server on the socket, started when none runs; the engine in process with
//! `--embedded`; or being the server, `piket serve`).
//!
//! It sits below the front-ends and takes the resolved flags as a plain [`Flags`], so the CLI,
//! the TUI's launcher and `piket serve` share one way to start without importing each other.

mod connect;
mod open;
mod paths;
mod serve;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use color_eyre::eyre::eyre;

pub(crate) use connect::{PROBE, WAIT_LIMIT, connect_or_start, pid_alive};
pub(crate) use open::open_engine;
pub(crate) use paths::{SOCKET_FILE, data_dir, socket_path};
pub(crate) use serve::serve;

use crate::client::Client;
use crate::client::local::LocalClient;
use crate::config::Config;

/// The start-up flags of one invocation, as the command line and environment resolved them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    /// `--config`: the config file, before `PIKET_CONFIG` and the platform's.
    pub config: Option<PathBuf>,
    /// `--data-dir` / `PIKET_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--socket` / `PIKET_SOCKET`.
    pub socket: Option<PathBuf>,
    /// `--embedded`: the engine in this process instead of a server.
    pub embedded: bool,
}

/// The config for this invocation: `--config`, `PIKET_CONFIG`, then the platform config dir.
///
/// # Errors
/// The file does not parse or holds a bad value (file:line:column in the message).
pub(crate) fn load_config(flags: &Flags) -> color_eyre::Result<Config> {
    Ok(Config::load(flags.config.as_deref()).map_err(|e| eyre!("{e}"))?.config)
}

/// The client for this invocation: the server on the socket (started if none runs), or the
/// engine in this process with `--embedded`.
///
/// # Errors
/// See [`connect_or_start`] and [`open_engine`].
pub(crate) fn client(flags: &Flags, config: &Config, dir: &Path) -> color_eyre::Result<Arc<dyn Client>> {
    Ok(if flags.embedded {
        Arc::new(LocalClient::new(Arc::new(open_engine(dir, config)?)))
    } else {
        Arc::new(connect_or_start(flags, config, dir)?)
    })
}
