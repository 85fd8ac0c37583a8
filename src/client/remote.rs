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
//! for everything after the last global sequence it saw, so a TUI misses nothing.

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

use super::{Change, Client, ClientError, Connection, Outcome, VerifyReport};
use crate::domain::{Command, Event, Incident, IncidentId, Query, Refusal, Source};

/// Media type of the binary list answer; see `server::api::POSTCARD` (kept in step by a test).
pub const POSTCARD: &str = "application/x-postcard";

/// As many changes as the engine buffers for an in-process subscriber.
const CHANGE_BUFFER: usize = 4096;
/// Longest wait for an answer; a durable commit takes milliseconds.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
const VERIFY_TIMEOUT: Duration = Duration::from_secs(3600);
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

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
        };
        let health = client.health().map_err(|e| not_running(e.to_string()))?;
        client.server_version = health.version;
        client.server_pid = health.pid;
        *client.feed_from.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(health.last_global_seq);
        Ok(client)
    }

    #[must_use]
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The version of piket the server runs (it may predate this binary after an upgrade).
    #[must_use]
    pub fn server_version(&self) -> &str {
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
    pub fn stop_server(&self) -> Result<(), ClientError> {
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

/// The server cannot be reached (the connection failed: nothing was sent) or went away after
/// the request was sent (a command may or may not have been committed).
fn lost(socket: &Path, e: &std::io::Error) -> ClientError {
    let not_sent = matches!(
        e.kind(),
        std::io::ErrorKind::NotFound
            | std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::PermissionDenied
    );
    let socket = socket.display();
    ClientError::Unavailable(if not_sent {
        format!(
            "nothing was recorded: the piket server on {socket} is not running ({e}); any piket command starts it again, or `piket serve`"
        )
    } else {
        format!(
            "the piket server on {socket} went away before answering ({e}): a command sent just now may or may not be recorded; check the incident's timeline once it is back"
        )
    })
}

/// One request on a fresh connection; the whole body for ordinary routes.
async fn request(
    socket: &Path,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
    accept: Option<&'static str>,
) -> std::io::Result<(StatusCode, Bytes)> {
    // A server that hangs must not hang every terminal with it; verify walks the whole record.
    let limit = if path.starts_with("/v1/verify") { VERIFY_TIMEOUT } else { CALL_TIMEOUT };
    let exchange = async {
        let resp = send(socket, method, path, body, accept).await?;
        let status = resp.status();
        let bytes = resp.into_body().collect().await.map_err(std::io::Error::other)?.to_bytes();
        Ok((status, bytes))
    };
    tokio::time::timeout(limit, exchange).await.map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::TimedOut, format!("no answer within {} s", limit.as_secs()))
    })?
}

async fn send(
    socket: &Path,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
    accept: Option<&'static str>,
) -> std::io::Result<hyper::Response<Incoming>> {
    let stream = tokio::net::UnixStream::connect(socket).await?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(std::io::Error::other)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, "piket")
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::ACCEPT, accept.unwrap_or("application/json"))
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(std::io::Error::other)?;
    sender.send_request(req).await.map_err(std::io::Error::other)
}

/// The API's error body: `{"error": {"code", "message", "next"}}` (docs/API.md).
#[derive(Deserialize)]
struct ErrorBody {
    error: WireError,
}

#[derive(Deserialize)]
struct WireError {
    code: String,
    message: String,
    #[serde(default)]
    next: Vec<crate::domain::Step>,
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
    let Ok(ErrorBody { error }) = serde_json::from_slice::<ErrorBody>(bytes) else {
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

    fn escalation(&self, id: IncidentId) -> Result<crate::engine::EscalationView, ClientError> {
        self.call(Method::GET, format!("/v1/incidents/{}/escalation", id.0), None, Some(id))
    }

    fn rota(&self, query: crate::engine::RotaQuery) -> Result<crate::engine::RotaView, ClientError> {
        let at = query.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.call(Method::GET, format!("/v1/rota?at={at}&days={}", query.days), None, None)
    }

    fn change_rota(&self, cmd: Command, source: Source) -> Result<Vec<Event>, ClientError> {
        let body = json(&cmd)?;
        self.call(Method::POST, format!("/v1/rota?source={}", source.as_str()), Some(body), None)
    }

    fn set_maintenance(
        &self,
        window: crate::domain::alert::MaintenanceWindow,
    ) -> Result<crate::domain::alert::MaintenanceWindow, ClientError> {
        let body = serde_json::to_vec(&window)
            .map_err(|e| ClientError::Unavailable(format!("cannot encode the window: {e}")))?;
        self.call(Method::POST, "/v1/maintenance".to_owned(), Some(body), None)
    }

    fn maintenance(&self) -> Result<Vec<crate::domain::alert::MaintenanceWindow>, ClientError> {
        #[derive(Deserialize)]
        struct List {
            windows: Vec<crate::domain::alert::MaintenanceWindow>,
        }
        self.call::<List>(Method::GET, "/v1/maintenance".to_owned(), None, None).map(|l| l.windows)
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        let rx = self.changes.subscribe();
        let from = self.feed_from.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let (Some(after), Some(rt)) = (from, &self.rt) {
            rt.spawn(follow(self.socket.clone(), after, self.changes.clone(), self.connection.clone()));
        }
        rx
    }

    fn connection(&self) -> watch::Receiver<Connection> {
        self.connection.subscribe()
    }

    fn actor(&self) -> &str {
        &self.actor
    }

    fn whoami(&self) -> Result<super::Whoami, ClientError> {
        self.call(Method::GET, "/v1/whoami".to_owned(), None, None)
    }
}

/// Keep the change feed open for as long as the client lives, reconnecting with backoff.
async fn follow(
    socket: PathBuf,
    mut last: u64,
    changes: broadcast::Sender<Change>,
    connection: watch::Sender<Connection>,
) {
    let mut backoff = BACKOFF_FIRST;
    loop {
        let why = match send(&socket, Method::GET, &format!("/v1/changes?after={last}"), None, None).await {
            Ok(resp) if resp.status().is_success() => {
                connection.send_if_modified(|c| {
                    let was_lost = *c != Connection::Connected;
                    *c = Connection::Connected;
                    was_lost
                });
                backoff = BACKOFF_FIRST;
                read_feed(resp.into_body(), &mut last, &changes).await
            }
            Ok(resp) => format!("the server refused the change feed ({})", resp.status()),
            Err(e) => e.to_string(),
        };
        let reason = format!(
            "the piket server on {} went away ({why}); reconnecting, changes are refused meanwhile",
            socket.display()
        );
        connection.send_if_modified(|c| {
            let changed = *c == Connection::Connected;
            *c = Connection::Lost(reason);
            changed
        });
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
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
