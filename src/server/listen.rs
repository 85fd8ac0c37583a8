//! The accept loops of the Unix socket and the TCP listener: hyper's HTTP/1 connection driven
//! by hand (not `axum::serve`) so that every connection is counted, capped and timed.
//!
//! Why: one user (or one address, on TCP, before any token is checked) could open ~1,000 idle
//! connections, exhaust the descriptors and hang every responder. So:
//!
//! - at start the soft `RLIMIT_NOFILE` is raised to the hard one, and the connection caps are
//!   derived from it ([`Caps::from_nofile`]), leaving room for the database, notifiers and
//!   blocking work;
//! - a connection over the cap of its peer (the uid on the socket, the IP address on TCP) or
//!   over the total is answered `503` and closed at once; the refusal is logged once per peer
//!   per minute, not per connection;
//! - `header-timeout` bounds the wait for a request head, counted from when the server starts
//!   waiting for one: on a new connection and between requests of a kept-alive one, so it is
//!   also the idle timeout (hyper's `header_read_timeout`);
//! - `body-timeout` bounds reading a request's body, from its head ([`TimedBody`]).
//!
//! Neither timeout touches a response: the change feed (`GET /v1/changes`) streams for hours
//! and is never cut (it still counts toward the caps). On shutdown the loops stop accepting,
//! every connection finishes its request in flight (feeds end on their own), then they return.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::{mpsc, watch};

use super::Peer;
use crate::wire::media::JSON;
use crate::wire::{ErrorBody, ErrorEnvelope};

/// Timeouts and the per-peer cap, from `[server]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The wait for a request head (new or kept-alive connection): also the idle timeout.
    pub header_timeout: Duration,
    /// From a request's head to the end of its body.
    pub body_timeout: Duration,
    /// Connections one peer may hold open at once (lowered to the total when above it).
    pub connections_per_peer: usize,
    /// Requests of one user on the socket that run at once ([`Turns`]); not a config key: the
    /// benchmark raises it to show the queue without fairness.
    pub turns_per_user: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            connections_per_peer: 64,
            turns_per_user: TURNS_PER_USER,
        }
    }
}

/// The connection caps in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub total: usize,
    pub per_peer: usize,
}

/// Descriptors kept free of connections: the database, the log, notifier processes and
/// sockets, the blocking pool's files.
const RESERVED_FDS: u64 = 64;

impl Caps {
    /// Three quarters of the descriptor limit, less a reserve: connections can never take
    /// the descriptors the server needs to answer them.
    #[must_use]
    pub fn from_nofile(nofile: u64, per_peer: usize) -> Self {
        let total = (nofile / 4 * 3).saturating_sub(RESERVED_FDS).max(8);
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        Self { total, per_peer: per_peer.clamp(1, total) }
    }
}

/// Raise the soft descriptor limit to the hard one; returns the soft limit in force after.
#[must_use]
pub fn raise_nofile() -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
            Ok(()) => hard,
            Err(e) => {
                eprintln!("piket serve: cannot raise the descriptor limit from {soft} to {hard}: {e}");
                soft
            }
        },
        Ok((soft, _)) => soft,
        // The kernel would not say: assume systemd's default.
        Err(_) => 1024,
    }
}

/// Who a connection counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PeerKey {
    Uid(Option<u32>),
    Ip(IpAddr),
}

impl std::fmt::Display for PeerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Uid(Some(uid)) => write!(f, "uid {uid}"),
            Self::Uid(None) => f.write_str("a caller the kernel did not name"),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// Open connections per peer and in total, shared by both listeners.
#[derive(Debug)]
pub(crate) struct Conns {
    caps: Caps,
    state: Mutex<ConnState>,
}

#[derive(Debug, Default)]
struct ConnState {
    total: usize,
    open: HashMap<PeerKey, usize>,
    /// Last refusal logged per peer, and how many went unlogged since.
    logged: HashMap<PeerKey, (Instant, u64)>,
}

/// How often a refused peer is logged.
const LOG_EVERY: Duration = Duration::from_secs(60);

impl Conns {
    #[must_use]
    pub(crate) fn new(caps: Caps) -> Arc<Self> {
        Arc::new(Self { caps, state: Mutex::new(ConnState::default()) })
    }

    #[must_use]
    pub(crate) const fn caps(&self) -> Caps {
        self.caps
    }

    /// Count a new connection of `key`, or say why it is refused.
    fn admit(self: &Arc<Self>, key: PeerKey) -> Option<Ticket> {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mine = s.open.get(&key).copied().unwrap_or(0);
        let why = if mine >= self.caps.per_peer {
            format!("{mine} connections open, the cap per peer (server.max-connections-per-peer)")
        } else if s.total >= self.caps.total {
            format!("{} connections open in total, the cap set by the descriptor limit", s.total)
        } else {
            s.total += 1;
            *s.open.entry(key).or_insert(0) += 1;
            return Some(Ticket { conns: Arc::clone(self), key });
        };
        let now = Instant::now();
        let skipped = match s.logged.get_mut(&key) {
            Some((at, n)) if now.duration_since(*at) < LOG_EVERY => {
                *n += 1;
                return None;
            }
            Some((_, n)) => *n,
            None => 0,
        };
        if s.logged.len() >= 4096 {
            s.logged.retain(|_, (at, _)| now.duration_since(*at) < LOG_EVERY);
        }
        s.logged.insert(key, (now, 0));
        let more = if skipped > 0 {
            format!(" ({skipped} more refused since the last such line)")
        } else {
            String::new()
        };
        eprintln!("piket serve: refused a connection from {key}: {why}{more}");
        None
    }
}

/// One admitted connection; dropping it frees its place.
#[derive(Debug)]
pub(crate) struct Ticket {
    conns: Arc<Conns>,
    key: PeerKey,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut s = self.conns.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        s.total = s.total.saturating_sub(1);
        if let Some(n) = s.open.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                s.open.remove(&self.key);
            }
        }
    }
}

/// The answer to a refused connection.
fn refused_response() -> Vec<u8> {
    let error = ErrorBody {
        code: "too_many_connections".to_owned(),
        message: "too many connections open: close some, then retry".to_owned(),
        next: Vec::new(),
    };
    // Strings only: serialising cannot fail.
    let body = serde_json::to_string(&ErrorEnvelope { error }).unwrap_or_default();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: {JSON}\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Tell a refused peer why, without waiting on it: one non-blocking write, then close.
fn refuse(stream: &impl TryWrite) {
    let _ = stream.try_write_bytes(&refused_response());
}

trait TryWrite {
    fn try_write_bytes(&self, b: &[u8]) -> std::io::Result<usize>;
}
impl TryWrite for tokio::net::UnixStream {
    fn try_write_bytes(&self, b: &[u8]) -> std::io::Result<usize> {
        self.try_write(b)
    }
}
impl TryWrite for tokio::net::TcpStream {
    fn try_write_bytes(&self, b: &[u8]) -> std::io::Result<usize> {
        self.try_write(b)
    }
}

/// Resolves once shutdown is asked for (the watch's guard is not held across an await).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Accept errors (out of descriptors despite the caps, say) are logged at most this often, and
/// the loop pauses briefly so it does not spin.
async fn accept_failed(e: &std::io::Error, last: &mut Option<Instant>) {
    if last.is_none_or(|t| t.elapsed() >= LOG_EVERY) {
        eprintln!("piket serve: cannot accept a connection: {e}");
        *last = Some(Instant::now());
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// The next accepted connection of either listener, or `None` once `stop` flips. A failed
/// accept is logged (see [`accept_failed`]) and tried again.
async fn next<T, F>(
    mut accept: impl FnMut() -> F,
    stop: &mut watch::Receiver<bool>,
    last_error: &mut Option<Instant>,
) -> Option<T>
where
    F: Future<Output = std::io::Result<T>>,
{
    loop {
        tokio::select! {
            got = accept() => match got {
                Ok(conn) => return Some(conn),
                Err(e) => accept_failed(&e, last_error).await,
            },
            () = stopped(stop) => return None,
        }
    }
}

/// Serve `app` on the Unix socket until `stop` flips; every request carries
/// `ConnectInfo<Peer>` from SO_PEERCRED.
///
/// # Errors
/// Never today; the type leaves room for a listener that fails for good.
pub(crate) async fn serve_unix(
    listener: UnixListener,
    app: Router,
    conns: Arc<Conns>,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    let mut last_error = None;
    while let Some((stream, _)) = next(|| listener.accept(), &mut stop, &mut last_error).await {
        let peer = match stream.peer_cred() {
            Ok(c) => Peer::from_uid(c.uid(), c.pid()),
            Err(_) => Peer { uid: None, pid: None, user: None },
        };
        let Some(ticket) = conns.admit(PeerKey::Uid(peer.uid)) else {
            refuse(&stream);
            continue;
        };
        let app = app.clone();
        let stop = stop.clone();
        let done = done_tx.clone();
        tokio::spawn(async move {
            serve_connection(stream, app, ConnectInfo(peer), limits, stop).await;
            drop(ticket);
            drop(done);
        });
    }
    drop(done_tx);
    let _ = done_rx.recv().await;
    Ok(())
}

/// The TLS acceptor in force, swapped on reload; `None`: plain HTTP.
pub(crate) type TlsSlot = Arc<std::sync::RwLock<Option<tokio_rustls::TlsAcceptor>>>;

/// Serve `app` on TCP until `stop` flips; requests carry `ConnectInfo<SocketAddr>`.
///
/// # Errors
/// Never today; the type leaves room for a listener that fails for good.
pub(crate) async fn serve_tcp(
    listener: TcpListener,
    app: Router,
    tls: TlsSlot,
    conns: Arc<Conns>,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    let mut last_error = None;
    while let Some((stream, addr)) = next(|| listener.accept(), &mut stop, &mut last_error).await {
        let Some(ticket) = conns.admit(PeerKey::Ip(addr.ip())) else {
            refuse(&stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let acceptor = tls.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let app = app.clone();
        let stop = stop.clone();
        let done = done_tx.clone();
        tokio::spawn(async move {
            match acceptor {
                None => serve_connection(stream, app, ConnectInfo(addr), limits, stop).await,
                Some(acceptor) => {
                    // The handshake is part of the wait for a head: a peer that opens and
                    // says nothing is closed at the same time as a plain one.
                    let handshake = tokio::time::timeout(limits.header_timeout, acceptor.accept(stream));
                    if let Ok(Ok(tls)) = handshake.await {
                        serve_connection(tls, app, ConnectInfo(addr), limits, stop).await;
                    }
                }
            }
            drop(ticket);
            drop(done);
        });
    }
    drop(done_tx);
    let _ = done_rx.recv().await;
    Ok(())
}

/// One connection: HTTP/1 with the head timeout, every request's body timed and tagged with
/// `info`; on `stop`, the request in flight finishes and the connection closes.
async fn serve_connection<I, C>(io: I, app: Router, info: C, limits: Limits, mut stop: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    C: Clone + Send + Sync + 'static,
{
    let svc = TowerToHyperService::new(app);
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(info.clone());
        let req = req.map(|body| axum::body::Body::new(TimedBody::new(body, limits.body_timeout)));
        hyper::service::Service::call(&svc, req)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    let mut watching = !stopping;
    loop {
        tokio::select! {
            _ = &mut conn => break,
            () = stopped(&mut stop), if watching => {
                conn.as_mut().graceful_shutdown();
                watching = false;
            }
        }
    }
}

/// A request body that must arrive whole within its deadline, counted from the head: a
/// client that sends half a body and stalls gets an error (the handler answers 400 and the
/// connection closes) instead of holding a descriptor and a task forever.
pub(crate) struct TimedBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
}

impl TimedBody {
    fn new(inner: Incoming, limit: Duration) -> Self {
        Self { inner, deadline: Box::pin(tokio::time::sleep(limit)), limit }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?} (server.body-timeout)")]
pub(crate) struct BodyTimeout(Duration);

impl HttpBody for TimedBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(r) => Poll::Ready(r.map(|f| f.map_err(Into::into))),
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout(this.limit))))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Commands in flight per user on the socket: at most [`TURNS_PER_USER`] of one user's
/// requests run at once; the rest wait for a turn, in order (tokio's semaphore is fair).
///
/// Why: the engine's blocking work (a write transaction and its fsync, a long list) is
/// served one at a time by redb, so without a bound twenty busy clients of one user put
/// twenty requests in front of every other user's acknowledge. With it, another user's
/// request waits behind at most two of theirs, however many they send. The change feed
/// takes no turn: it waits on nothing but new changes.
#[derive(Debug)]
pub(crate) struct Turns {
    per_user: Mutex<HashMap<Option<u32>, Arc<tokio::sync::Semaphore>>>,
    each: usize,
}

/// Requests of one user that run at once.
pub const TURNS_PER_USER: usize = 2;

impl Turns {
    #[must_use]
    pub(crate) fn new(each: usize) -> Self {
        Self {
            per_user: Mutex::new(HashMap::new()),
            each: each.clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
        }
    }

    fn of(&self, uid: Option<u32>) -> Arc<tokio::sync::Semaphore> {
        let mut m = self.per_user.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(m.entry(uid).or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(self.each))))
    }
}

/// Middleware: wait for the caller's turn, run the handler, give the turn back when the
/// response head is ready (a streamed body holds no turn).
pub(crate) async fn take_turn(
    axum::extract::State(turns): axum::extract::State<Arc<Turns>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if req.uri().path() == "/v1/changes" {
        return next.run(req).await;
    }
    let uid = req.extensions().get::<ConnectInfo<Peer>>().and_then(|c| c.0.uid);
    let sem = turns.of(uid);
    let _turn = sem.acquire_owned().await;
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::{Caps, Conns, PeerKey, refused_response};

    #[test]
    fn a_refused_connection_gets_the_api_error_body() {
        let body = r#"{"error":{"code":"too_many_connections","message":"too many connections open: close some, then retry"}}"#;
        let expected = format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        assert_eq!(String::from_utf8(refused_response()).unwrap(), expected);
    }

    #[test]
    fn the_caps_leave_descriptors_for_the_server() {
        // systemd's default: the issue's 1,010 idle connections would now be refused.
        assert_eq!(Caps::from_nofile(1024, 64), Caps { total: 704, per_peer: 64 });
        assert_eq!(Caps::from_nofile(65536, 64).total, 49088);
        // A per-peer cap above the total is the total.
        assert_eq!(Caps::from_nofile(100, 1000), Caps { total: 11, per_peer: 11 });
    }

    #[test]
    fn a_peer_at_its_cap_is_refused_and_others_are_not_and_a_closed_one_frees_its_place() {
        let conns = Conns::new(Caps { total: 3, per_peer: 2 });
        let (a, b) = (PeerKey::Uid(Some(1000)), PeerKey::Uid(Some(1001)));
        let first = conns.admit(a).unwrap();
        let _second = conns.admit(a).unwrap();
        assert!(conns.admit(a).is_none(), "over the cap per peer");
        let _other = conns.admit(b).unwrap();
        assert!(conns.admit(b).is_none(), "over the total");
        drop(first);
        assert!(conns.admit(a).is_some(), "a closed connection gives its place back");
    }
}
