//! `piket serve`: the one process that owns the database, behind a Unix socket.
//!
//! Every terminal and script is a client of it (the remote client speaks its API). The server:
//!
//! - opens the engine (a second server on the same database is refused by redb's lock, and
//!   the refusal names the holder from its owner file, see [`owner`]);
//! - binds the socket, removing a stale socket file that nothing answers on, and sets its
//!   permissions (private, or group-writable for a named group on a shared host);
//! - serves the HTTP/JSON API of [`api`] under `/v1/`, learning every caller's uid from the
//!   kernel (SO_PEERCRED): that user, never a claimed name, is the actor of what they write;
//! - counts, caps and times every connection, and takes each user's commands in turn
//!   ([`listen`]);
//! - on SIGTERM, SIGINT or `POST /v1/server/stop`: stops accepting, ends the change feeds,
//!   lets commands in flight commit and answer, closes the database, removes the socket;
//! - on SIGHUP: reads the TCP listener's token and certificate again ([`tcp::Credentials`]).

pub mod api;
mod error;
mod feed;
pub mod gate;
pub mod ingest;
pub mod listen;
pub mod notify;
pub(crate) mod owner;
pub mod payload;
mod peer;
pub mod scheduler;
mod senders;
pub mod tcp;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Instant;

use tokio::sync::watch;

use crate::engine::Engine;

pub use peer::Peer;

/// What `piket serve` needs beyond the engine.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub socket: PathBuf,
    /// Group that owns the socket (then mode 0660); `None`: private to this user (0600).
    pub socket_group: Option<String>,
    /// Users whose commands are refused (they may still read and follow the feed).
    pub read_only: Vec<String>,
}

/// The alert receivers: mapping from config, and the optional TCP listener.
#[derive(Debug, Clone, Default)]
pub struct AlertServerOptions {
    pub alerts: ingest::AlertOptions,
    /// Address and token; `None`: receivers on the Unix socket only.
    pub tcp: Option<tcp::TcpOptions>,
    /// How pages reach people (`[notifiers]`); empty: pages are recorded and ring terminals only.
    pub notifiers: Vec<crate::server::notify::NotifierSettings>,
    /// TLS for the TCP listener (`tls-cert`, `tls-key`); `None`: plain HTTP. Unused without `tcp`.
    pub tls: Option<tcp::TlsFiles>,
    /// Timeouts and the per-peer connection cap, on both listeners.
    pub limits: listen::Limits,
}

/// State shared by the handlers.
pub struct Shared {
    pub engine: Arc<Engine>,
    pub options: ServerOptions,
    pub started: Instant,
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// The uid the server runs as: it (and root) may stop the server over the socket.
    pub uid: u32,
    /// Change feeds currently connected.
    pub feeds: AtomicUsize,
    /// Flips to `true` once: the feeds end and the listener stops accepting.
    pub shutdown: watch::Sender<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Socket(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("the server failed: {0}")]
    Io(std::io::Error),
}

/// Make the socket's directory, and remove a socket file that nothing answers on (a server
/// that crashed). A socket something does answer on is another server: refused.
///
/// # Errors
/// Another server answers on `path`, or the directory/file cannot be managed.
pub(crate) fn prepare_socket(path: &Path) -> Result<(), ServeError> {
    use std::os::unix::fs::DirBuilderExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| {
            ServeError::Socket(format!("cannot create the socket directory {}: {e}", dir.display()))
        })?;
    }
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    // Only a socket is ever removed from the socket path: a regular file or a link there is
    // someone's, and removing it could be made to delete anything.
    if !crate::files::is_socket(path) {
        return Err(ServeError::Socket(format!(
            "{} exists and is not a socket: piket removes only a stale socket there; move it away or choose another server.socket",
            path.display()
        )));
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(ServeError::Socket(format!(
            "another piket server answers on {}: `piket server status` says which; stop it first",
            path.display()
        ))),
        // Refused: a socket file that nothing listens on, left by a server that crashed.
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            std::fs::remove_file(path).map_err(|e| {
                ServeError::Socket(format!("cannot remove the stale socket {}: {e}", path.display()))
            })?;
            eprintln!(
                "piket serve: removed a stale socket at {} (a server that did not stop cleanly)",
                path.display()
            );
            Ok(())
        }
        // Anything else (no permission): not ours to remove.
        Err(e) => Err(ServeError::Socket(format!(
            "{} exists and cannot be checked ({e}); remove it by hand if no server uses it",
            path.display()
        ))),
    }
}

fn bind(opts: &ServerOptions) -> Result<tokio::net::UnixListener, ServeError> {
    let path = &opts.socket;
    let listener = tokio::net::UnixListener::bind(path)
        .map_err(|e| ServeError::Socket(format!("cannot listen on {}: {e}", path.display())))?;
    let mode = if let Some(name) = &opts.socket_group {
        let group = nix::unistd::Group::from_name(name)
            .ok()
            .flatten()
            .ok_or_else(|| ServeError::Socket(format!("server.socket-group: no group named {name}")))?;
        nix::unistd::chown(path, None, Some(group.gid)).map_err(|e| {
            ServeError::Socket(format!("cannot give {} to group {name}: {e}", path.display()))
        })?;
        0o660
    } else {
        0o600
    };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| ServeError::Socket(format!("cannot set the mode of {}: {e}", path.display())))?;
    Ok(listener)
}

/// Serve until SIGTERM/SIGINT or a stop request, on a runtime of its own. Blocks.
///
/// # Errors
/// The socket cannot be bound, or serving failed.
pub fn run(
    engine: Arc<Engine>,
    options: ServerOptions,
    alerts: AlertServerOptions,
) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("piket-serve")
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let socket = options.socket.clone();
    let result = rt.block_on(async move {
        let (tx, _) = watch::channel(false);
        let reload = Arc::new(tokio::sync::Notify::new());
        let signals = on_signals(tx.clone(), Arc::clone(&reload))?;
        let out = serve_inner(engine, options, alerts, tx, Some(reload)).await;
        signals.abort();
        out
    });
    // Waits for blocking work (a commit whose caller went away) before the engine closes.
    drop(rt);
    crate::files::remove_socket(&socket);
    result
}

/// SIGTERM and SIGINT stop the server; SIGHUP asks for the credentials to be read again.
fn on_signals(
    tx: watch::Sender<bool>,
    reload: Arc<tokio::sync::Notify>,
) -> Result<tokio::task::JoinHandle<()>, ServeError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(ServeError::Io)?;
    let mut int = signal(SignalKind::interrupt()).map_err(ServeError::Io)?;
    let mut hup = signal(SignalKind::hangup()).map_err(ServeError::Io)?;
    Ok(tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = term.recv() => break,
                _ = int.recv() => break,
                _ = hup.recv() => reload.notify_one(),
            }
        }
        eprintln!("piket serve: stopping: finishing commands in flight");
        let _ = tx.send(true);
    }))
}

/// Bind the socket and serve the API until `shutdown` flips to `true`; then wait for the
/// requests in flight. The caller removes the socket file afterwards.
///
/// # Errors
/// The socket cannot be bound, or the listener failed.
pub async fn serve(
    engine: Arc<Engine>,
    options: ServerOptions,
    shutdown: watch::Sender<bool>,
) -> Result<(), ServeError> {
    serve_with(engine, options, AlertServerOptions::default(), shutdown).await
}

/// [`serve`] with the alert receivers configured, and the TCP listener when asked for. The
/// token file is read (and refused if others can read it) before anything is bound.
///
/// # Errors
/// The socket or the TCP address cannot be bound, the token file is refused, or serving failed.
pub async fn serve_with(
    engine: Arc<Engine>,
    options: ServerOptions,
    alerts: AlertServerOptions,
    shutdown: watch::Sender<bool>,
) -> Result<(), ServeError> {
    serve_inner(engine, options, alerts, shutdown, None).await
}

/// [`serve_with`], reloading the credentials each time `reload` is notified (SIGHUP in `run`;
/// in-process callers have no signal to give).
async fn serve_inner(
    engine: Arc<Engine>,
    options: ServerOptions,
    alerts: AlertServerOptions,
    shutdown: watch::Sender<bool>,
    reload: Option<Arc<tokio::sync::Notify>>,
) -> Result<(), ServeError> {
    let creds = alerts
        .tcp
        .as_ref()
        .map(|t| tcp::Credentials::load(&t.token_file, alerts.tls.as_ref()))
        .transpose()?;
    let tcp_listener =
        match &alerts.tcp {
            Some(t) => Some(tokio::net::TcpListener::bind(t.listen).await.map_err(|e| {
                ServeError::Socket(format!("server.listen: cannot listen on {}: {e}", t.listen))
            })?),
            None => None,
        };
    let listener = bind(&options)?;
    let shared = Arc::new(Shared {
        engine,
        started: Instant::now(),
        started_at: chrono::Utc::now(),
        uid: nix::unistd::getuid().as_raw(),
        feeds: AtomicUsize::new(0),
        shutdown: shutdown.clone(),
        options,
    });
    eprintln!(
        "piket serve: pid {} serving {} on {}",
        std::process::id(),
        shared.engine.store_path().display(),
        shared.options.socket.display()
    );
    let receivers = ingest::router(ingest::Ingest::start(Arc::clone(&shared.engine), alerts.alerts));
    // Loads in the background: the socket answers before every timeline is read.
    let paging = tokio::spawn(scheduler::start(
        Arc::clone(&shared.engine),
        Arc::new(alerts.notifiers),
        shutdown.subscribe(),
    ));
    let nofile = listen::raise_nofile();
    let conns = listen::Conns::new(listen::Caps::from_nofile(nofile, alerts.limits.connections_per_peer));
    let caps = conns.caps();
    eprintln!(
        "piket serve: up to {} connections ({} per peer; descriptor limit {nofile})",
        caps.total, caps.per_peer
    );
    let limits = alerts.limits;
    let reloading = reload.map(|reload| {
        let creds = creds.clone();
        tokio::spawn(async move {
            loop {
                reload.notified().await;
                match &creds {
                    Some(c) => c.reload(),
                    None => eprintln!("piket serve: SIGHUP: no TCP listener, nothing to reload"),
                }
            }
        })
    });
    let tcp_task = match (tcp_listener, creds) {
        (Some(l), Some(creds)) => {
            if let Ok(addr) = l.local_addr() {
                let scheme = if creds.tls_enabled() { "https" } else { "http" };
                eprintln!("piket serve: alert receivers on {scheme}://{addr} (bearer token)");
            }
            let tls = creds.tls();
            let app = tcp::router(receivers.clone(), creds);
            Some(tokio::spawn(listen::serve_tcp(
                l,
                app,
                tls,
                Arc::clone(&conns),
                limits,
                shutdown.subscribe(),
            )))
        }
        _ => None,
    };
    let turns = Arc::new(listen::Turns::new(limits.turns_per_user));
    let app = socket_router(shared, receivers)
        .layer(axum::middleware::from_fn_with_state(turns, listen::take_turn));
    let served = listen::serve_unix(listener, app, conns, limits, shutdown.subscribe()).await;
    if let Some(r) = reloading {
        r.abort();
    }
    served.map_err(ServeError::Io)?;
    if let Some(t) = tcp_task {
        match t.await {
            Ok(r) => r.map_err(ServeError::Io)?,
            Err(e) => return Err(ServeError::Io(std::io::Error::other(e))),
        }
    }
    paging.abort();
    eprintln!("piket serve: stopped");
    Ok(())
}

/// The socket's router: the API and the alert receivers, every route behind [`gate::gate`].
pub(crate) fn socket_router(shared: Arc<Shared>, receivers: axum::Router) -> axum::Router {
    api::router(Arc::clone(&shared))
        .merge(receivers)
        .layer(axum::middleware::from_fn_with_state(shared, gate::gate))
}
