//! The remote client: the same [`Client`] over HTTP/JSON on the server's Unix socket.
//!
//! Calls block like the in-process client's: each runs on this client's own small tokio
//! runtime and the calling thread waits for it (so the CLI needs no runtime, and the TUI calls
//! it from `spawn_blocking` as before). Each call opens a connection: on a Unix socket that
//! costs microseconds and leaves nothing to go stale when the server restarts.
//!
//! The change feed starts on the first [`Client::subscribe`]: one streamed `GET /v1/changes`
//! whose lines are forwarded to a local broadcast. When it breaks, the connection state turns
//! [`Connection::Lost`], and the feed reconnects with backoff (100 ms doubling to 2 s) asking
//! for everything after the last global sequence it saw, so a TUI misses nothing. A server
//! that died (its socket left behind, refusing) is started again through the front-end's
//! [`Restart`] hook, when it gave one.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::{broadcast, watch};

use super::{Client, ClientError, Connection};
use crate::domain::alert::MaintenanceWindow;
use crate::domain::maintenance::MaintenanceStatus;
use crate::domain::{Command, Event, Incident, IncidentId, Query, Refusal, Source};
use crate::wire::media::{JSON, POSTCARD};
use crate::wire::{
    Change, CloseWindow, ErrorEnvelope, EscalationView, MaintenanceList, Outcome, RotaQuery, RotaView,
    VerifyReport, Whoami,
};

/// As many changes as the engine buffers for an in-process subscriber.
const CHANGE_BUFFER: usize = 4096;
/// Longest wait for an answer; a durable commit takes milliseconds.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
const VERIFY_TIMEOUT: Duration = Duration::from_secs(3600);
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// Pauses between attempts to start a server that did not come up (held database, bad
/// config): each says why on the banner, without a new process every 2 s.
const RESTART_BACKOFF_FIRST: Duration = Duration::from_secs(1);
const RESTART_BACKOFF_MAX: Duration = Duration::from_secs(30);

/// What `GET /v1/health` says.
#[derive(Debug, Clone, Deserialize)]
pub struct Health {
    pub version: String,
    pub pid: u32,
    pub database: PathBuf,
    pub socket: PathBuf,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub uptime_secs: u64,
    pub feeds: usize,
    pub last_global_seq: u64,
}

/// Starts a server where none answers, for a client whose change feed found its server gone
/// (an open TUI). Given by the front-end that knows how and when that is allowed
/// (`start`: not on another user's socket, not in a directory systemd runs), so this
/// layer knows neither. Blocks until the started server answers or says why not.
pub(crate) type Restart = std::sync::Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

pub struct RemoteClient {
    socket: PathBuf,
    actor: String,
    /// `None` only while dropping.
    rt: Option<tokio::runtime::Runtime>,
    changes: broadcast::Sender<Change>,
    connection: watch::Sender<Connection>,
    /// Where the feed starts: the last global sequence at connect time, then `None` once the
    /// feed task runs.
    feed_from: Mutex<Option<u64>>,
    /// The piket version and pid of the server, from its health at connect time.
    server_version: String,
    server_pid: u32,
    /// Used by the change feed when nothing listens on the socket any more.
    restart: Option<Restart>,
}

/// The socket cannot be reached (nothing listens, or it is not a piket server).
#[derive(Debug, thiserror::Error)]
#[error("no piket server answers on {socket}: {reason}")]
pub struct NotRunning {
    pub socket: PathBuf,
    pub reason: String,
}

impl RemoteClient {
    /// Connect to the server on `socket` (asks its health, which also says where the change
    /// feed will start).
    ///
    /// # Errors
    /// Nothing answers there, or what answers is not a piket server.
    pub fn connect(socket: &Path) -> Result<Self, NotRunning> {
        let not_running = |reason: String| NotRunning { socket: socket.to_owned(), reason };
        // The plain reason first (no such file, refused, permission denied).
        std::os::unix::net::UnixStream::connect(socket).map_err(|e| not_running(e.to_string()))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("piket-client")
            .enable_all()
            .build()
            .map_err(|e| not_running(format!("cannot start the async runtime: {e}")))?;
        let (changes, _) = broadcast::channel(CHANGE_BUFFER);
        let mut client = Self {
            socket: socket.to_owned(),
            actor: super::local::os_user(),
            rt: Some(rt),
            changes,
            connection: watch::Sender::new(Connection::Connected),
            feed_from: Mutex::new(None),
            server_version: String::new(),
            server_pid: 0,
            restart: None,
        };
        let health = client.health().map_err(|e| not_running(e.to_string()))?;
        client.server_version = health.version;
        client.server_pid = health.pid;
        *client.feed_from.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(health.last_global_seq);
        Ok(client)
    }

    /// Let the change feed start a server again when it finds none (see [`Restart`]); set
    /// before the first [`Client::subscribe`].
    #[must_use]
    pub(crate) fn with_restart(mut self, restart: Restart) -> Self {
        self.restart = Some(restart);
        self
    }

    #[must_use]
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The version of piket the server runs (it may predate this binary after an upgrade).
    #[must_use]
    pub(crate) fn server_version(&self) -> &str {
        &self.server_version
    }

    /// The server's process id, as it said when we connected.
    #[must_use]
    pub const fn server_pid(&self) -> u32 {
        self.server_pid
    }

    /// The server's health: pid, database, uptime, feeds, last sequence.
    ///
    /// # Errors
    /// The server cannot be reached.
    pub fn health(&self) -> Result<Health, ClientError> {
        self.call(Method::GET, "/v1/health".to_owned(), None, None)
    }

    /// Ask the server to stop (it finishes commands in flight first).
    ///
    /// # Errors
    /// The server cannot be reached or refuses (another user's server).
    pub(crate) fn stop_server(&self) -> Result<(), ClientError> {
        self.call::<serde_json::Value>(Method::POST, "/v1/server/stop".to_owned(), None, None).map(|_| ())
    }

    fn block<T: Send + 'static>(
        &self,
        fut: impl Future<Output = Result<T, ClientError>> + Send + 'static,
    ) -> Result<T, ClientError> {
        let Some(rt) = &self.rt else {
            return Err(ClientError::Unavailable("the client is shutting down".to_owned()));
        };
        // Spawned on our runtime and waited for with a plain executor: works from any thread,
        // also one that belongs to another runtime (where `Runtime::block_on` would panic).
        futures::executor::block_on(rt.spawn(fut))
            .map_err(|e| ClientError::Unavailable(format!("the request task failed: {e}")))?
    }

    fn call<T: DeserializeOwned + Send + 'static>(
        &self,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
        about: Option<IncidentId>,
    ) -> Result<T, ClientError> {
        let socket = self.socket.clone();
        self.block(async move {
            let (status, bytes) =
                request(&socket, method, &path, body, None).await.map_err(|e| lost(&socket, &e))?;
            decode(status, &bytes, about)
        })
    }

    /// Like [`Self::call`], asking for the compact binary answer (postcard) big lists come in.
    fn call_postcard<T: DeserializeOwned + Send + 'static>(
        &self,
        path: String,
        body: Vec<u8>,
    ) -> Result<T, ClientError> {
        let socket = self.socket.clone();
        self.block(async move {
            let (status, bytes) = request(&socket, Method::POST, &path, Some(body), Some(POSTCARD))
                .await
                .map_err(|e| lost(&socket, &e))?;
            if status.is_success() {
                return postcard::from_bytes(&bytes).map_err(|e| {
                    ClientError::Unavailable(format!("the server's answer does not decode: {e}"))
                });
            }
            decode(status, &bytes, None)
        })
    }
}

impl Drop for RemoteClient {
    fn drop(&mut self) {
        // Never blocks, so the last clone may be dropped anywhere (also inside async code).
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Why a request failed, by whether the server may have received it.
#[derive(Debug)]
enum Failure {
    /// Connecting or preparing the connection failed: nothing reached the server.
    NotSent(std::io::Error),
    /// The request was written (perhaps in part) and no whole answer came back.
    AfterSent(std::io::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotSent(e) | Self::AfterSent(e) => e.fmt(f),
        }
    }
}

/// The server cannot be reached (nothing was sent, so nothing was recorded) or went away
/// after the request was sent (a command may or may not have been committed).
fn lost(socket: &Path, failure: &Failure) -> ClientError {
    let socket = socket.display();
    ClientError::Unavailable(match failure {
        Failure::NotSent(e)
            if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) =>
        {
            format!(
                "nothing was recorded: the piket server on {socket} is not running ({e}); any piket command starts it again, or `piket serve`"
            )
        }
        Failure::NotSent(e) if e.kind() == std::io::ErrorKind::PermissionDenied => format!(
            "nothing was recorded: you may not use the piket server on {socket} ({e}); on a shared host, the socket's group must include you"
        ),
        Failure::NotSent(e) => {
            format!("nothing was recorded: the piket server on {socket} could not be reached ({e})")
        }
        Failure::AfterSent(e) => format!(
            "the piket server on {socket} went away before answering ({e}): a command sent just now may or may not be recorded; check the incident's timeline once it is back"
        ),
    })
}

/// "`what` within N s", as an I/O error of kind `TimedOut`.
fn timed_out(what: &str, limit: Duration) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, format!("{what} within {} s", limit.as_secs()))
}

/// One request on a fresh connection; the whole body for ordinary routes.
async fn request(
    socket: &Path,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
    accept: Option<&'static str>,
) -> Result<(StatusCode, Bytes), Failure> {
    // A server that hangs must not hang every terminal with it; verify walks the whole record.
    let limit = if path.starts_with("/v1/verify") { VERIFY_TIMEOUT } else { CALL_TIMEOUT };
    let exchange = async {
        let resp = send(socket, method, path, body, accept).await?;
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| Failure::AfterSent(std::io::Error::other(e)))?
            .to_bytes();
        Ok((status, bytes))
    };
    tokio::time::timeout(limit, exchange)
        .await
        .map_err(|_| Failure::AfterSent(timed_out("no answer", limit)))?
}

async fn send(
    socket: &Path,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
    accept: Option<&'static str>,
) -> Result<hyper::Response<Incoming>, Failure> {
    // A connection the server never accepts (its queue full) has received nothing either.
    let stream = tokio::time::timeout(CALL_TIMEOUT, tokio::net::UnixStream::connect(socket))
        .await
        .map_err(|_| Failure::NotSent(timed_out("the socket did not accept a connection", CALL_TIMEOUT)))?
        .map_err(Failure::NotSent)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| Failure::NotSent(std::io::Error::other(e)))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, "piket")
        .header(hyper::header::CONTENT_TYPE, JSON)
        .header(hyper::header::ACCEPT, accept.unwrap_or(JSON))
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| Failure::NotSent(std::io::Error::other(e)))?;
    // hyper hands the request back when it failed before writing any of it.
    sender.try_send_request(req).await.map_err(|mut e| {
        let not_sent = e.take_message().is_some();
        let io = std::io::Error::other(e.into_error());
        if not_sent { Failure::NotSent(io) } else { Failure::AfterSent(io) }
    })
}

fn decode<T: DeserializeOwned>(
    status: StatusCode,
    bytes: &[u8],
    about: Option<IncidentId>,
) -> Result<T, ClientError> {
    if status.is_success() {
        return serde_json::from_slice(bytes)
            .map_err(|e| ClientError::Unavailable(format!("the server's answer does not parse: {e}")));
    }
    let Ok(ErrorEnvelope { error }) = serde_json::from_slice::<ErrorEnvelope>(bytes) else {
        return Err(ClientError::Unavailable(format!(
            "the server answered {status}: {}",
            String::from_utf8_lossy(bytes)
        )));
    };
    Err(match (error.code.as_str(), about) {
        ("not_found", Some(id)) => ClientError::NotFound(id),
        ("refused" | "read_only" | "bad_request" | "too_large" | "forbidden" | "not_found", _) => {
            ClientError::Refused(Refusal { message: error.message, next: error.next })
        }
        _ => ClientError::Unavailable(error.message),
    })
}

fn json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, ClientError> {
    serde_json::to_vec(v).map_err(|e| ClientError::Unavailable(format!("cannot encode the request: {e}")))
}

impl Client for RemoteClient {
    fn execute(&self, cmd: Command, source: Source) -> Result<Outcome, ClientError> {
        let about = cmd.incident();
        let body = json(&cmd)?;
        self.call(Method::POST, format!("/v1/commands?source={}", source.as_str()), Some(body), about)
    }

    fn incident(&self, id: IncidentId) -> Result<Incident, ClientError> {
        self.call(Method::GET, format!("/v1/incidents/{}", id.0), None, Some(id))
    }

    fn list(&self, query: &Query) -> Result<Vec<Incident>, ClientError> {
        self.call_postcard("/v1/incidents/search".to_owned(), json(query)?)
    }

    fn timeline(&self, id: IncidentId) -> Result<Vec<Event>, ClientError> {
        self.call(Method::GET, format!("/v1/incidents/{}/timeline", id.0), None, Some(id))
    }

    fn chain_head(&self) -> Result<String, ClientError> {
        #[derive(Deserialize)]
        struct Head {
            head: String,
        }
        self.call::<Head>(Method::GET, "/v1/chain/head".to_owned(), None, None).map(|h| h.head)
    }

    fn verify(&self) -> Result<VerifyReport, ClientError> {
        self.call(Method::GET, "/v1/verify".to_owned(), None, None)
    }

    fn escalation(&self, id: IncidentId) -> Result<EscalationView, ClientError> {
        self.call(Method::GET, format!("/v1/incidents/{}/escalation", id.0), None, Some(id))
    }

    fn rota(&self, query: RotaQuery) -> Result<RotaView, ClientError> {
        let at = query.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.call(Method::GET, format!("/v1/rota?at={at}&days={}", query.days), None, None)
    }

    fn change_rota(
        &self,
        cmd: crate::domain::RotaCommand,
        source: Source,
    ) -> Result<Vec<Event>, ClientError> {
        let body = json(&cmd)?;
        self.call(Method::POST, format!("/v1/rota?source={}", source.as_str()), Some(body), None)
    }

    fn set_maintenance(
        &self,
        window: MaintenanceWindow,
        source: Source,
    ) -> Result<MaintenanceWindow, ClientError> {
        let body = serde_json::to_vec(&window)
            .map_err(|e| ClientError::Unavailable(format!("cannot encode the window: {e}")))?;
        self.call(Method::POST, format!("/v1/maintenance?source={}", source.as_str()), Some(body), None)
    }

    fn close_maintenance(
        &self,
        id: u32,
        how: CloseWindow,
        reason: Option<String>,
        source: Source,
    ) -> Result<MaintenanceStatus, ClientError> {
        let body = serde_json::to_vec(&serde_json::json!({ "reason": reason }))
            .map_err(|e| ClientError::Unavailable(format!("cannot encode the reason: {e}")))?;
        let verb = match how {
            CloseWindow::End => "end",
            CloseWindow::Cancel => "cancel",
        };
        self.call(
            Method::POST,
            format!("/v1/maintenance/{id}/{verb}?source={}", source.as_str()),
            Some(body),
            None,
        )
    }

    fn maintenance(&self) -> Result<MaintenanceList, ClientError> {
        self.call(Method::GET, "/v1/maintenance".to_owned(), None, None)
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        let rx = self.changes.subscribe();
        let from = self.feed_from.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let (Some(after), Some(rt)) = (from, &self.rt) {
            rt.spawn(follow(
                self.socket.clone(),
                after,
                self.changes.clone(),
                self.connection.clone(),
                self.restart.clone(),
            ));
        }
        rx
    }

    fn subscribe_after(&self, after: Option<u64>) -> Result<(u64, broadcast::Receiver<Change>), ClientError> {
        let mut from = self.feed_from.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(head) = *from else {
            return Err(ClientError::Unavailable("the change feed of this client already runs".to_owned()));
        };
        let start = after.unwrap_or(head);
        if start > head {
            return Err(ClientError::Unavailable(format!(
                "the record ends at position {head}: nothing comes after {start} yet"
            )));
        }
        *from = Some(start);
        drop(from);
        Ok((start, self.subscribe()))
    }

    fn connection(&self) -> watch::Receiver<Connection> {
        self.connection.subscribe()
    }

    fn actor(&self) -> &str {
        &self.actor
    }

    fn whoami(&self) -> Result<Whoami, ClientError> {
        self.call(Method::GET, "/v1/whoami".to_owned(), None, None)
    }
}

/// Keep the change feed open for as long as the client lives, reconnecting with backoff.
/// When its server died (the socket is left and refuses) and the front-end gave a
/// [`Restart`], a new server is started (again after a growing pause if starting fails). A
/// server stopped on purpose removed its socket: it is not restarted behind the back of
/// whoever stopped it; the feed reconnects once something starts one.
async fn follow(
    socket: PathBuf,
    mut last: u64,
    changes: broadcast::Sender<Change>,
    connection: watch::Sender<Connection>,
    restart: Option<Restart>,
) {
    let mut backoff = BACKOFF_FIRST;
    let mut restart_backoff = RESTART_BACKOFF_FIRST;
    let mut restart_after = tokio::time::Instant::now();
    // Why the last start failed: the banner keeps saying so until the next attempt.
    let mut not_started: Option<String> = None;
    loop {
        let mut dead = false;
        let why = match send(&socket, Method::GET, &format!("/v1/changes?after={last}"), None, None).await {
            Ok(resp) if resp.status().is_success() => {
                connection.send_if_modified(|c| {
                    let was_lost = *c != Connection::Connected;
                    *c = Connection::Connected;
                    was_lost
                });
                backoff = BACKOFF_FIRST;
                restart_backoff = RESTART_BACKOFF_FIRST;
                not_started = None;
                read_feed(resp.into_body(), &mut last, &changes).await
            }
            Ok(resp) => format!("the server refused the change feed ({})", resp.status()),
            // Refused: the socket file is there and nothing listens, so its server died (one
            // that stops cleanly removes its socket, and stays stopped until asked for).
            Err(Failure::NotSent(e)) => {
                dead = e.kind() == std::io::ErrorKind::ConnectionRefused;
                e.to_string()
            }
            Err(e @ Failure::AfterSent(_)) => e.to_string(),
        };
        let mut reason = format!(
            "the piket server on {} went away ({why}); reconnecting, changes are refused meanwhile",
            socket.display()
        );
        if let Some(why) = not_started.as_ref().filter(|_| dead) {
            reason.clone_from(why);
        }
        if let Some(start) = restart.as_ref().filter(|_| dead)
            && tokio::time::Instant::now() >= restart_after
        {
            set_lost(
                &connection,
                format!(
                    "the piket server on {} went away ({why}); starting it again, changes are refused meanwhile",
                    socket.display()
                ),
            );
            let start = std::sync::Arc::clone(start);
            match tokio::task::spawn_blocking(move || start()).await {
                // Reconnect at once: the new server answers.
                Ok(Ok(())) => {
                    backoff = BACKOFF_FIRST;
                    continue;
                }
                Ok(Err(e)) => reason = format!("no piket server answers on {}: {e}", socket.display()),
                Err(e) => reason = format!("starting the piket server failed: {e}"),
            }
            not_started = Some(reason.clone());
            restart_after = tokio::time::Instant::now() + restart_backoff;
            restart_backoff = (restart_backoff * 2).min(RESTART_BACKOFF_MAX);
        }
        set_lost(&connection, reason);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

fn set_lost(connection: &watch::Sender<Connection>, reason: String) {
    connection.send_if_modified(|c| {
        let changed = *c != Connection::Lost(reason.clone());
        *c = Connection::Lost(reason);
        changed
    });
}

/// Forward feed lines until the stream ends; returns why it ended.
async fn read_feed(mut body: Incoming, last: &mut u64, changes: &broadcast::Sender<Change>) -> String {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        match body.frame().await {
            None => return "the change feed ended".to_owned(),
            Some(Err(e)) => return e.to_string(),
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else { continue };
                buf.extend_from_slice(&data);
                while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = buf.drain(..=nl).collect();
                    if let Ok(c) = serde_json::from_slice::<Change>(&line)
                        && c.global_seq > *last
                    {
                        *last = c.global_seq;
                        let _ = changes.send(c);
                    }
                }
            }
        }
    }
}
