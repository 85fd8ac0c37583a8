//! Starting the full-screen app, and the demo that seeds it: the glue between the CLI, the
//! engine and the TUI, kept out of both (the engine is reached through `start`).

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use color_eyre::eyre::{WrapErr, bail, eyre};

use crate::client::Client;
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

/// `piket demo`: seed a fresh data dir with realistic incidents and a rota that pages, then
/// open the queue on the demo's own server.
///
/// Without `--data-dir` the demo gets its own directory beside the real data, so trying piket
/// never mixes invented incidents into a team's record.
///
/// The demo seeds in process (the seeder sets actors and times no client may claim), under the
/// rota of its own config (`demo.toml` in the demo dir, written once: people, two schedules, a
/// policy, a notifier writing to `pages.log` there). Then it starts a server on the demo dir
/// with that config, so the scheduler pages and the notifier writes, and opens the queue on it
/// with the user's own keys and theme. If a server already serves the demo dir (someone ran
/// `piket --data-dir <demo dir> ...`), the demo uses that server instead.
///
/// With `no_tui` it seeds and returns the demo's data dir, for the caller to print, and starts
/// no server; otherwise it returns `None` once the queue is closed.
///
/// # Errors
/// An explicit data dir that already holds incidents; a demo config that cannot be written or
/// read; storage errors; a server that cannot be started.
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
    let (demo_path, demo_config, demo_text) = demo_config(&dir, &config)?;
    let engine = Arc::new(open_engine(&dir, &demo_config)?);
    if let Some(text) = demo_text {
        crate::files::write_new(&demo_path, text.as_bytes(), crate::files::Access::Private)
            .map_err(|e| eyre!("cannot write the demo's config: {e}"))?;
    }
    let existing = engine.list(&Query { all: true, ..Query::default() }).map_err(|e| eyre!("{e}"))?.len();
    if existing == 0 {
        let now = Utc::now();
        let n = crate::demo::seed(&engine, now).map_err(|e| eyre!("{e}"))?;
        crate::demo::seed_live(&engine, now).map_err(|e| eyre!("{e}"))?;
        eprintln!(
            "piket demo: {} incidents written to {}; one pages you in about a minute (pages go to {})",
            n + 1,
            dir.display(),
            dir.join(crate::demo::PAGES_FILE).display()
        );
    } else if explicit {
        bail!(
            "{} already holds {existing} incidents: demo data goes into an empty data dir; pick another --data-dir",
            dir.display()
        );
    } else {
        eprintln!("piket demo: opening the demo data already in {} ({existing} incidents)", dir.display());
    }
    // The server takes the database over: this process lets go of it first.
    drop(engine);
    if no_tui {
        eprintln!(
            "piket demo: to page as the demo does, serve it with its rota: piket --data-dir {} --config {}",
            dir.display(),
            demo_path.display()
        );
        return Ok(Some(dir));
    }
    let flags = crate::start::Flags {
        config: Some(demo_path),
        data_dir: Some(dir.clone()),
        socket: None,
        embedded: false,
    };
    let client = crate::start::client(&flags, &demo_config, &dir)?;
    eprintln!(
        "piket demo: the demo's server keeps running; `piket --data-dir {} server stop` stops it",
        dir.display()
    );
    run_tui(client, config).map(|()| None)
}

/// The demo's config: the one in the demo dir, or a new one (its text returned, to be written
/// once the directory exists) with the user's display zone.
fn demo_config(dir: &Path, user: &Config) -> color_eyre::Result<(PathBuf, Config, Option<String>)> {
    let path = dir.join(crate::demo::CONFIG_FILE);
    if std::fs::symlink_metadata(&path).is_ok() {
        // It can name commands to run: only the file an earlier demo wrote is trusted.
        let text = crate::files::read_own(&path)
            .map_err(|e| eyre!("the demo's config: {e}; remove it, or pick another --data-dir"))?;
        let config = Config::from_toml_str(&text, &path).map_err(|e| eyre!("{e}"))?;
        return Ok((path, config, None));
    }
    let today = Utc::now().with_timezone(&user.timezone).date_naive();
    let text = format!(
        "timezone = \"{}\"\n{}",
        user.timezone.name(),
        crate::demo::config(&crate::client::local::os_user(), today)
    );
    let config = Config::from_toml_str(&text, &path).map_err(|e| eyre!("the demo's config: {e}"))?;
    Ok((path, config, Some(text)))
}
