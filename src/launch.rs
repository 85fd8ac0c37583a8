//! Starting the full-screen app, and the demo that seeds it: the glue between the CLI, the
//! engine and the TUI, kept out of both (the engine is reached through `start`).

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use color_eyre::eyre::{WrapErr, bail, eyre};

use crate::client::Client;
use crate::client::local::LocalClient;
use crate::config::Config;
use crate::domain::Query;
use crate::start::{SOCKET_FILE, open_engine};
use crate::tui::TuiSettings;

/// Whether standard output is a terminal (the TUI needs one).
#[must_use]
pub(crate) fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Open the queue on this terminal.
///
/// # Errors
/// No terminal, a bad `[keys]`/`[theme]` config, or a terminal that cannot be set up.
pub(crate) fn run_tui(client: Arc<dyn Client>, config: Config) -> color_eyre::Result<()> {
    if !stdout_is_terminal() {
        bail!(
            "the queue needs a terminal; in scripts use a command instead, e.g. `piket list` (see `piket --help`)"
        );
    }
    let settings = TuiSettings {
        team: config.team,
        on_call: config.on_call,
        timezone: config.timezone,
        policy: config.policy,
        keys: config.keys,
        theme: config.theme,
        terminal: crate::tui::terminal::Capabilities::from_env(&|k| std::env::var(k).ok()),
        mouse: config.mouse,
    };
    settings.validate().map_err(|e| eyre!("config: {e}"))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    rt.block_on(crate::tui::run(client, settings))
}

/// `piket demo`: seed a fresh data dir with realistic incidents, then open the queue.
///
/// Without `--data-dir` the demo gets its own directory beside the real data, so trying piket
/// never mixes invented incidents into a team's record.
///
/// The demo seeds in process (the seeder sets actors and times no client may claim) and opens
/// the queue on that engine (`--embedded`). If a server already serves the demo dir (someone
/// ran `piket --data-dir <demo dir> ...`), the demo uses that server instead.
///
/// With `no_tui` it returns the demo's data dir, for the caller to print; otherwise it returns
/// `None` once the queue is closed.
///
/// # Errors
/// An explicit data dir that already holds incidents; storage errors.
pub(crate) fn demo(
    dir: &Path,
    explicit: bool,
    config: Config,
    no_tui: bool,
) -> color_eyre::Result<Option<PathBuf>> {
    let dir = if explicit { dir.to_owned() } else { dir.join("demo") };
    let socket = dir.join(SOCKET_FILE);
    if let Ok(remote) = crate::client::remote::RemoteClient::connect(&socket) {
        let existing = remote.list(&Query { all: true, ..Query::default() }).map_err(|e| eyre!("{e}"))?.len();
        if existing == 0 || explicit {
            bail!(
                "{} is served by a running piket server{}: stop it first (`piket --data-dir {} server stop`)",
                dir.display(),
                if existing == 0 {
                    String::new()
                } else {
                    format!(" and already holds {existing} incidents")
                },
                dir.display()
            );
        }
        eprintln!("piket demo: opening the demo data already in {} ({existing} incidents)", dir.display());
        if no_tui {
            return Ok(Some(dir));
        }
        return run_tui(Arc::new(remote), config).map(|()| None);
    }
    let engine = Arc::new(open_engine(&dir, &config)?);
    let existing = engine.list(&Query { all: true, ..Query::default() }).map_err(|e| eyre!("{e}"))?.len();
    if existing == 0 {
        let n = crate::demo::seed(&engine, Utc::now()).map_err(|e| eyre!("{e}"))?;
        eprintln!("piket demo: {n} incidents written to {}", dir.display());
    } else if explicit {
        bail!(
            "{} already holds {existing} incidents: demo data goes into an empty data dir; pick another --data-dir",
            dir.display()
        );
    } else {
        eprintln!("piket demo: opening the demo data already in {} ({existing} incidents)", dir.display());
    }
    if no_tui {
        return Ok(Some(dir));
    }
    run_tui(Arc::new(LocalClient::new(engine)), config).map(|()| None)
}
