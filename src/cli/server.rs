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
use crate::client::remote::{NotRunning, RemoteClient};
use crate::config::Config;
use crate::engine::{Engine, EngineError};
use crate::server::{ServerOptions, owner};
use crate::store::{StoreError, StoreOptions};

/// The safety net of a client waiting for a server it started, or for one it asked to stop.
/// Neither waits for a clock: they wait for the event (the socket answering, the child
/// exiting, the pid going away). This only ends a wait for a server that hangs.
pub const WAIT_LIMIT: Duration = Duration::from_secs(120);
/// How often the socket is tried while a started server gets ready (nothing signals
/// "listening" but a connection that succeeds).
const PROBE: Duration = Duration::from_millis(10);
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
    open_engine_as(dir, config, crate::files::Access::Private)
}

/// [`open_engine`] with the access the server's files get: 0640 for the socket group in team
/// mode. Only `piket serve` asks for it; an embedded piket keeps the file private.
fn open_engine_as(dir: &Path, config: &Config, access: crate::files::Access) -> color_eyre::Result<Engine> {
    super::run::create_private_dir(dir)?;
    let db = dir.join(super::run::DB_FILE);
    let opts = StoreOptions { cache_size_bytes: config.store.cache_size_bytes, access };
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
/// The client it returns starts a server again, under the same rules, when its change feed
/// finds none (an open TUI whose server died).
///
/// # Errors
/// The server may not be started here, it exited at start (with its reason), or it did not
/// answer within [`WAIT_LIMIT`].
pub fn connect_or_start(cli: &Cli, config: &Config, dir: &Path) -> color_eyre::Result<RemoteClient> {
    let starter = Arc::new(Starter {
        socket: socket_path(cli, config, dir),
        dir: dir.to_owned(),
        log: log_path(cli, config, dir),
        config: cli.config.clone(),
    });
    let client = match RemoteClient::connect(&starter.socket) {
        Ok(c) => {
            if c.server_version() != env!("CARGO_PKG_VERSION") {
                eprintln!(
                    "piket: the server on {} runs piket {}, this is {}: restart it (`piket server stop`) to use this version",
                    starter.socket.display(),
                    c.server_version(),
                    env!("CARGO_PKG_VERSION")
                );
            }
            c
        }
        Err(e) => starter.start(Some(&e))?,
    };
    let again = Arc::clone(&starter);
    Ok(client.with_restart(Arc::new(move || again.start(None).map(drop).map_err(|e| format!("{e}")))))
}

/// What starting a server for this invocation needs; kept by the client to start one again.
struct Starter {
    socket: PathBuf,
    dir: PathBuf,
    log: PathBuf,
    config: Option<PathBuf>,
}

impl Starter {
    /// Start a server where none can be running, and wait for its outcome: the socket
    /// answering (this one's, or a winner's of a start-up race), or its exit with the reason
    /// it gave. `failed`: why connecting failed just now, if known.
    fn start(&self, failed: Option<&NotRunning>) -> color_eyre::Result<RemoteClient> {
        let socket = &self.socket;
        // Start a server only where none can be: no socket, or one nothing listens on.
        // Permission denied means a server we may not use (ask to join its group).
        match std::os::unix::net::UnixStream::connect(socket) {
            Err(io)
                if !matches!(
                    io.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                ) =>
            {
                return Err(eyre!(
                    "cannot connect to the piket server on {}: {io} (on a shared host, the socket's group must include you)",
                    socket.display()
                ));
            }
            Err(_) => {}
            // Something listens: a server (answering slowly) or not a piket one.
            Ok(_) => {
                return match RemoteClient::connect(socket) {
                    Ok(c) => Ok(c),
                    Err(e) => Err(eyre!("{}", failed.map_or_else(|| e.to_string(), ToString::to_string))),
                };
            }
        }
        // A socket in someone else's directory (/run/piket of the service user on a shared
        // host) is that user's server to run: starting a private one there would fail, or
        // worse, answer with an empty database of our own.
        if let Some(owner) = foreign_owner(socket) {
            return Err(eyre!(
                "no piket server answers on {} and its directory belongs to {owner}, who runs it (on a shared host: `systemctl status piket`)",
                socket.display()
            ));
        }
        let log = &self.log;
        if let Some(parent) = log.parent() {
            super::run::create_private_dir(parent)?;
        }
        let log_file =
            crate::files::open_kept(log, crate::files::Access::Private, crate::files::Reopen::Append)
                .map_err(|e| eyre!("cannot open the server log: {e}"))?;
        // What the child writes starts here: its reason, if it exits, is after this point.
        let log_from = log_file.metadata().map_or(0, |m| m.len());
        let exe = std::env::current_exe().wrap_err("cannot find the piket executable to start the server")?;
        let mut cmd = std::process::Command::new(exe);
        cmd.arg("serve").arg("--detached").arg("--data-dir").arg(&self.dir).arg("--socket").arg(socket);
        if let Some(c) = &self.config {
            cmd.arg("--config").arg(c);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().wrap_err("cannot share the log file")?)
            .stderr(log_file)
            .spawn()
            .wrap_err("cannot start `piket serve`")?;
        let pid = child.id();
        // The child's exit is an event of its own: a thread waits for it (and reaps it).
        let (exit_tx, exit_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = exit_tx.send(child.wait());
        });
        let began = Instant::now();
        let db = self.dir.join(super::run::DB_FILE);
        let mut exited = false;
        loop {
            if std::os::unix::net::UnixStream::connect(socket).is_ok()
                && let Ok(c) = RemoteClient::connect(socket)
            {
                // Another piket's server won a start-up race: ours is not needed, and must not
                // take over the database later when that one stops.
                if c.server_pid() != pid
                    && !exited
                    && matches!(exit_rx.try_recv(), Err(std::sync::mpsc::TryRecvError::Empty))
                    && let Ok(p) = i32::try_from(pid)
                {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(p),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
                return Ok(c);
            }
            if !exited {
                match exit_rx.recv_timeout(PROBE) {
                    Ok(status) => {
                        // Two pikets started at once each start a server; the one that lost the
                        // database exits, and the winner is about to answer on this same
                        // socket: keep waiting, for as long as the winner lives.
                        if winner(&db, socket).is_none() {
                            let why = reason_in_log(log, log_from).unwrap_or_else(|| match status {
                                Ok(s) => format!(
                                    "`piket serve` exited ({s}) without saying why; see {}",
                                    log.display()
                                ),
                                Err(e) => format!("cannot wait for `piket serve`: {e}"),
                            });
                            return Err(eyre!("{why}"));
                        }
                        exited = true;
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => exited = true,
                }
            } else {
                if winner(&db, socket).is_none() && std::os::unix::net::UnixStream::connect(socket).is_err() {
                    let why = reason_in_log(log, log_from).unwrap_or_else(|| {
                        "the server that held the database stopped before it answered".to_owned()
                    });
                    return Err(eyre!("{why}"));
                }
                std::thread::sleep(PROBE);
            }
            if began.elapsed() >= WAIT_LIMIT {
                return Err(eyre!(
                    "started `piket serve` (pid {pid}) but it has not answered on {} after {} s; see {}",
                    socket.display(),
                    WAIT_LIMIT.as_secs(),
                    log.display()
                ));
            }
        }
    }
}

/// The live server that holds the database and serves this socket, per the owner file.
fn winner(db: &Path, socket: &Path) -> Option<u32> {
    let o = owner::read(db).filter(|o| o.socket == socket)?;
    pid_alive(o.pid).then_some(o.pid)
}

/// Whether `pid` is a process that has not exited. A zombie (exited, not yet reaped by its
/// parent) counts as gone: it serves nothing and holds nothing.
fn pid_alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else { return false };
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None) {
        Ok(()) | Err(nix::errno::Errno::EPERM) => {}
        Err(_) => return false,
    }
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces and parentheses.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with('Z')))
        .is_none_or(|zombie| !zombie)
}

/// The last line a server wrote to the log since `from`: why it exited.
fn reason_in_log(log: &Path, from: u64) -> Option<String> {
    let bytes = std::fs::read(log).ok()?;
    let from = usize::try_from(from).unwrap_or(0).min(bytes.len());
    let text = String::from_utf8_lossy(&bytes[from..]);
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    Some(line.trim_start_matches("piket serve: ").trim_start_matches("piket: ").to_owned())
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
    // Whatever the server creates (the socket before its mode is set, a file a library makes)
    // starts private; the files piket makes on purpose set their modes themselves.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let socket = socket_path(cli, config, dir);
    check_notifier_tokens(config)?;
    let access =
        crate::files::Access::for_group(config.server.socket_group.as_deref()).map_err(|e| eyre!("{e}"))?;
    let engine = Arc::new(open_engine_as(dir, config, access)?);
    crate::server::prepare_socket(&socket).map_err(|e| eyre!("{e}"))?;
    let db = engine.store_path().to_owned();
    if let Err(e) = owner::write(&db, &socket, access) {
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
        tls: config
            .server
            .tls_cert
            .clone()
            .zip(config.server.tls_key.clone())
            .map(|(cert, key)| crate::server::tcp::TlsFiles { cert, key }),
        limits: crate::server::listen::Limits {
            header_timeout: config.server.header_timeout,
            body_timeout: config.server.body_timeout,
            connections_per_peer: config.server.max_connections_per_peer,
            ..crate::server::listen::Limits::default()
        },
    };
    let result = crate::server::run(engine, options, alerts);
    owner::remove(&db);
    result.map_err(|e| eyre!("{e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// A webhook notifier's token file gets the listener's check before anything starts: a token
/// other users can read is refused with the fix, not found out at 03:00 in a failed page.
fn check_notifier_tokens(config: &Config) -> color_eyre::Result<()> {
    for n in &config.notifiers {
        if let crate::config::NotifierKind::Webhook { token_file: Some(path), .. } = &n.kind {
            crate::files::read_secret(path).map_err(|e| eyre!("notifiers.{}.token-file: {e}", n.name))?;
        }
    }
    Ok(())
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
            // Accepted is not stopped: the server still finishes the commands in flight and
            // closes the database. Done is when its process is gone (then the database is free
            // and the socket removed).
            let began = Instant::now();
            while pid_alive(health.pid) {
                if began.elapsed() >= WAIT_LIMIT {
                    return Err(eyre!(
                        "asked the server (pid {}) to stop, but it still runs after {} s; see its log, or `kill {}`",
                        health.pid,
                        WAIT_LIMIT.as_secs(),
                        health.pid
                    ));
                }
                std::thread::sleep(PROBE);
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
