//! Finding the server, starting it when none runs, and `piket serve` / `piket server ...`.
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
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use color_eyre::eyre::{WrapErr, eyre};

use super::args::{Cli, ServerCmd};
use super::output::outln;
use crate::client::remote::RemoteClient;
use crate::config::Config;
use crate::engine::{Engine, EngineError};
use crate::server::{ServerOptions, owner};
use crate::store::{StoreError, StoreOptions};

/// How long a client waits for a server it started.
pub const START_WAIT: Duration = Duration::from_secs(2);
pub const SOCKET_FILE: &str = "piket.sock";
pub const LOG_FILE: &str = "serve.log";

/// Whether the data dir was chosen (flag, environment or config) rather than defaulted.
fn explicit_dir(cli: &Cli, config: &Config) -> bool {
    cli.data_dir.is_some() || config.data_dir.is_some()
}

/// The socket for this invocation (see the module doc for the order).
#[must_use]
pub fn socket_path(cli: &Cli, config: &Config, dir: &Path) -> PathBuf {
    if let Some(s) = cli.socket.as_ref().or(config.server.socket.as_ref()) {
        return s.clone();
    }
    if explicit_dir(cli, config) {
        return dir.join(SOCKET_FILE);
    }
    directories::ProjectDirs::from("", "", "piket")
        .and_then(|p| p.runtime_dir().map(|r| r.join(SOCKET_FILE)))
        .unwrap_or_else(|| dir.join(SOCKET_FILE))
}

fn log_path(cli: &Cli, config: &Config, dir: &Path) -> PathBuf {
    if explicit_dir(cli, config) {
        return dir.join(LOG_FILE);
    }
    directories::ProjectDirs::from("", "", "piket")
        .and_then(|p| p.state_dir().map(|s| s.join(LOG_FILE)))
        .unwrap_or_else(|| dir.join(LOG_FILE))
}

/// Open the engine for `piket serve` or `--embedded`; a held database names its holder.
///
/// # Errors
/// The directory cannot be made, or the store refuses (held, newer schema, damaged).
pub fn open_engine(dir: &Path, config: &Config) -> color_eyre::Result<Engine> {
    super::run::create_private_dir(dir)?;
    let db = dir.join(super::run::DB_FILE);
    let opts = StoreOptions { cache_size_bytes: config.store.cache_size_bytes };
    Engine::open(&db, &opts, config.policy.clone()).map_err(|e| match (&e, owner::describe(&db)) {
        (EngineError::Store(StoreError::Held { path }), Some(holder)) => eyre!(
            "{}: another piket holds this database: {holder}; use it (it serves the socket named) or stop it first with `piket server stop`",
            path.display()
        ),
        _ => eyre!("{e}"),
    })
}

/// Connect to the server, starting one (detached) if nothing answers on the socket.
///
/// # Errors
/// The server could not be started or did not answer within [`START_WAIT`].
pub fn connect_or_start(cli: &Cli, config: &Config, dir: &Path) -> color_eyre::Result<RemoteClient> {
    let socket = socket_path(cli, config, dir);
    match RemoteClient::connect(&socket) {
        Ok(c) => {
            if c.server_version() != env!("CARGO_PKG_VERSION") {
                eprintln!(
                    "piket: the server on {} runs piket {}, this is {}: restart it (`piket server stop`) to use this version",
                    socket.display(),
                    c.server_version(),
                    env!("CARGO_PKG_VERSION")
                );
            }
            return Ok(c);
        }
        Err(e) => {
            // Start a server only where none can be: no socket, or one nothing listens on.
            // Permission denied means a server we may not use (ask to join its group).
            if let Err(io) = std::os::unix::net::UnixStream::connect(&socket)
                && !matches!(io.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused)
            {
                return Err(eyre!(
                    "cannot connect to the piket server on {}: {io} (on a shared host, the socket's group must include you)",
                    socket.display()
                ));
            }
            if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
                return Err(eyre!("{e}"));
            }
            // A socket in someone else's directory (/run/piket of the service user on a shared
            // host) is that user's server to run: starting a private one there would fail, or
            // worse, answer with an empty database of our own.
            if let Some(owner) = foreign_owner(&socket) {
                return Err(eyre!(
                    "no piket server answers on {} and its directory belongs to {owner}, who runs it (on a shared host: `systemctl status piket`)",
                    socket.display()
                ));
            }
        }
    }
    let log = log_path(cli, config, dir);
    if let Some(parent) = log.parent() {
        super::run::create_private_dir(parent)?;
    }
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .wrap_err_with(|| format!("cannot open the server log {}", log.display()))?;
    let exe = std::env::current_exe().wrap_err("cannot find the piket executable to start the server")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("serve").arg("--detached").arg("--data-dir").arg(dir).arg("--socket").arg(&socket);
    if let Some(c) = &cli.config {
        cmd.arg("--config").arg(c);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().wrap_err("cannot share the log file")?)
        .stderr(log_file)
        .spawn()
        .wrap_err("cannot start `piket serve`")?;
    let deadline = Instant::now() + START_WAIT;
    let db = dir.join(super::run::DB_FILE);
    let mut exited = false;
    loop {
        std::thread::sleep(Duration::from_millis(10));
        if let Ok(c) = RemoteClient::connect(&socket) {
            // Another piket's server won a start-up race: ours is not needed, and must not
            // take over the database later when that one stops.
            if c.server_pid() != child.id() && !exited && matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
                let _ = child.wait();
            }
            return Ok(c);
        }
        if !exited && let Ok(Some(status)) = child.try_wait() {
            // Two pikets started at once each start a server; the one that lost the database
            // exits, and the winner is about to answer on this same socket: keep waiting.
            let winner =
                owner::read(&db).is_some_and(|o| o.socket == socket) && owner::describe(&db).is_some();
            if !winner {
                let why = last_line(&log).unwrap_or_else(|| format!("it exited with {status}"));
                return Err(eyre!(
                    "{}",
                    why.trim_start_matches("piket serve: ").trim_start_matches("piket: ")
                ));
            }
            exited = true;
        }
        if Instant::now() >= deadline {
            return Err(eyre!(
                "started `piket serve` but it did not answer on {} within {} s; see {}",
                socket.display(),
                START_WAIT.as_secs(),
                log.display()
            ));
        }
    }
}

/// The user owning the socket's directory, if that is not us.
fn foreign_owner(socket: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(socket.parent()?).ok()?;
    let me = nix::unistd::getuid().as_raw();
    (meta.uid() != me).then(|| {
        nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(meta.uid()))
            .ok()
            .flatten()
            .map_or_else(|| format!("uid {}", meta.uid()), |u| u.name)
    })
}

fn last_line(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().rev().find(|l| !l.trim().is_empty()).map(str::to_owned)
}

/// `piket serve`.
///
/// # Errors
/// The database is held (naming the holder), another server answers on the socket, or the
/// socket cannot be served.
pub fn serve(cli: &Cli, config: &Config, dir: &Path, detached: bool) -> color_eyre::Result<ExitCode> {
    if detached {
        // Own session: the terminal that happened to start us can close without taking the
        // server with it.
        let _ = nix::unistd::setsid();
    }
    let socket = socket_path(cli, config, dir);
    let engine = Arc::new(open_engine(dir, config)?);
    crate::server::prepare_socket(&socket).map_err(|e| eyre!("{e}"))?;
    let db = engine.store_path().to_owned();
    if let Err(e) = owner::write(&db, &socket) {
        eprintln!("piket serve: cannot write the owner file beside {}: {e}", db.display());
    }
    let options = ServerOptions {
        socket,
        socket_group: config.server.socket_group.clone(),
        read_only: config.server.read_only.clone(),
    };
    let alerts = crate::server::AlertServerOptions {
        alerts: crate::server::ingest::AlertOptions {
            mapping: config.alerts.clone(),
            events_per_minute: config.server.pagerduty_events_per_minute,
        },
        tcp: config.server.listen.map(|listen| crate::server::tcp::TcpOptions {
            listen,
            token_file: config.server.token_file.clone().unwrap_or_default(),
        }),
        notifiers: config.notifiers.clone(),
    };
    let result = crate::server::run(engine, options, alerts);
    owner::remove(&db);
    result.map_err(|e| eyre!("{e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// `piket server status|stop`. Never starts a server.
///
/// # Errors
/// Stopping did not finish in time.
pub fn server_cmd(cli: &Cli, config: &Config, dir: &Path, cmd: &ServerCmd) -> color_eyre::Result<ExitCode> {
    let socket = socket_path(cli, config, dir);
    let client = match RemoteClient::connect(&socket) {
        Ok(c) => c,
        Err(e) => {
            if cli.json {
                outln!("{}", serde_json::json!({ "running": false, "socket": socket }))?;
            } else {
                outln!("not running: {e}")?;
            }
            return Ok(match cmd {
                ServerCmd::Status => ExitCode::FAILURE,
                ServerCmd::Stop => ExitCode::SUCCESS,
            });
        }
    };
    let health = client.health().map_err(|e| eyre!("{e}"))?;
    match cmd {
        ServerCmd::Status => {
            if cli.json {
                outln!(
                    "{}",
                    serde_json::json!({
                        "running": true,
                        "pid": health.pid,
                        "version": health.version,
                        "socket": health.socket,
                        "database": health.database,
                        "started_at": health.started_at,
                        "uptime_secs": health.uptime_secs,
                        "feeds": health.feeds,
                        "last_global_seq": health.last_global_seq,
                    })
                )?;
            } else {
                outln!("running: pid {} (piket {})", health.pid, health.version)?;
                outln!("socket:   {}", health.socket.display())?;
                outln!("database: {}", health.database.display())?;
                outln!(
                    "up {} since {}; {} live feeds; {} events",
                    crate::report::human_duration(chrono::Duration::seconds(
                        i64::try_from(health.uptime_secs).unwrap_or(i64::MAX)
                    )),
                    health.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    health.feeds,
                    health.last_global_seq
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        ServerCmd::Stop => {
            client.stop_server().map_err(|e| eyre!("{e}"))?;
            drop(client);
            let deadline = Instant::now() + Duration::from_secs(10);
            while std::fs::symlink_metadata(&socket).is_ok() {
                if Instant::now() >= deadline {
                    return Err(eyre!(
                        "asked the server (pid {}) to stop, but its socket is still there after 10 s",
                        health.pid
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if cli.json {
                outln!("{}", serde_json::json!({ "running": false, "stopped": health.pid }))?;
            } else {
                outln!("stopped: pid {}", health.pid)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
