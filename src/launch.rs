//! Starting the full-screen app, and the demo that seeds it: the glue between the CLI, the
//! engine and the TUI, kept out of both.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::Utc;
use color_eyre::eyre::{WrapErr, bail, eyre};

use crate::cli::run::open_engine;
use crate::client::Client;
use crate::client::local::LocalClient;
use crate::config::Config;
use crate::domain::Query;
use crate::engine::Engine;
use crate::tui::TuiSettings;

/// Open the queue on this terminal.
///
/// # Errors
/// No terminal, a bad `[keys]`/`[theme]` config, or a terminal that cannot be set up.
pub fn run_tui(engine: Arc<Engine>, config: Config) -> color_eyre::Result<()> {
    if !crate::cli::run::stdout_is_terminal() {
        bail!(
            "the queue needs a terminal; in scripts use a command instead, e.g. `piket list` (see `piket --help`)"
        );
    }
    let client: Arc<dyn Client> = Arc::new(LocalClient::new(engine));
    let settings = TuiSettings {
        team: config.team,
        on_call: config.on_call,
        timezone: config.timezone,
        policy: config.policy,
        keys: config.keys,
        theme: config.theme,
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
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
/// # Errors
/// An explicit data dir that already holds incidents; storage errors.
pub fn demo(dir: &Path, explicit: bool, config: Config, no_tui: bool) -> color_eyre::Result<ExitCode> {
    let dir = if explicit { dir.to_owned() } else { dir.join("demo") };
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
        println!("{}", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    run_tui(engine, config).map(|()| ExitCode::SUCCESS)
}
