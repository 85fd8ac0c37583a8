//! Connect to the server, or start one where none can be running, and wait for its outcome.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use color_eyre::eyre::{WrapErr, eyre};

use super::Flags;
use super::paths::{DB_FILE, create_private_dir, log_path, socket_path};
use crate::client::remote::{NotRunning, RemoteClient};
use crate::config::Config;
use crate::server::owner;

/// The safety net of a client waiting for a server it started, or for one it asked to stop.
/// Neither waits for a clock: they wait for the event (the socket answering, the child
/// exiting, the pid going away). This only ends a wait for a server that hangs.
pub(crate) const WAIT_LIMIT: Duration = Duration::from_secs(120);
/// How often the socket is tried while a started server gets ready (nothing signals
/// "listening" but a connection that succeeds), and a stopping one's pid while it goes.
pub(crate) const PROBE: Duration = Duration::from_millis(10);

/// Connect to the server, starting one (detached) if nothing answers on the socket.
///
/// The client it returns starts a server again, under the same rules, when its change feed
/// finds none (an open TUI whose server died).
///
/// # Errors
/// The server may not be started here, it exited at start (with its reason), or it did not
/// answer within [`WAIT_LIMIT`].
pub(crate) fn connect_or_start(
    flags: &Flags,
    config: &Config,
    dir: &Path,
) -> color_eyre::Result<RemoteClient> {
    let starter = Arc::new(Starter {
        socket: socket_path(flags, config, dir),
        dir: dir.to_owned(),
        log: log_path(flags, config, dir),
        config: flags.config.clone(),
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
            create_private_dir(parent)?;
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
        let db = self.dir.join(DB_FILE);
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
#[must_use]
pub(crate) fn pid_alive(pid: u32) -> bool {
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
