//! The command line: every step of the incident process, scriptable.
//!
//! Each subcommand is a thin translation from arguments to a [`crate::domain::Command`] or a
//! query on the [`crate::client::Client`]; output is text for people or `--json` for scripts.
//! Exit codes: 0 done, 1 refused or failed (the reason on stderr), 2 usage.

mod args;
mod bulk;
mod ctx;
mod generated;
mod maintenance;
pub mod output;
mod rota;
mod rota_output;
pub(crate) mod run;
pub(crate) mod server;
mod watch;

pub use args::{Cli, Cmd};
pub use run::run;
