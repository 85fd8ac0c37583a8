//! The limits under attack, with a second user on the other side (issue 10, point 2):
//!
//! (a) 2,000 idle or half-sent connections open (1,000 on the Unix socket as root: half idle,
//!     half a request head without its end; 1,000 on TCP from 127.0.0.1: no token needed to
//!     open one): another user's `piket list` (a real `piket` process run as `nobody`, uid
//!     65534) is timed, and each flood connection's close is timed from its open. Run twice:
//!     with the default caps (64 per peer: most of the flood is refused at once) and with the
//!     per-peer cap out of the way (all 2,000 held until the header timeout).
//! (b) 20 clients of root flood the server with notes; `nobody` acknowledges incidents through
//!     its own connection (this binary re-run as uid 65534), and a change-feed subscriber (the
//!     TUI's view of the queue) times each acknowledge from the moment it was asked for to the
//!     moment the feed has it. Run with the per-user turns (2) and without them (unbounded).
//!
//! Must run as root (to run the other user's processes as `nobody`); the socket is given to
//! group `nogroup` (`[server] socket-group`) so `nobody` can connect.
//!
//! `cargo bench --bench limits` (prints a table; BENCHMARKS.md keeps the results).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::in_process::{InProcess, free_port, open_engine, socket_options, token_file};
use common::{Stats, stats};
use piket::client::Client;
use piket::client::remote::RemoteClient;
use piket::domain::{Command as Cmd, IncidentId, Policy, Source};
use piket::server::listen::Limits;
use piket::server::tcp::TcpOptions;
use piket::server::{AlertServerOptions, ServerOptions};

const NOBODY: u32 = 65534;
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// The server in this process: the socket open to group `nogroup`, the TCP listener with a
/// token, `limits` as given.
fn serve(dir: &Path, limits: Limits) -> InProcess {
    let engine = open_engine(dir, Policy::default());
    let token_file = token_file(dir, "bench-token-0123456789");
    let options = ServerOptions { socket_group: Some("nogroup".into()), ..socket_options(dir) };
    let alerts = AlertServerOptions {
        tcp: Some(TcpOptions { listen: free_port(), token_file }),
        limits,
        ..AlertServerOptions::default()
    };
    InProcess::start(engine, options, alerts)
}

fn register(title: &str) -> Cmd {
    common::register(title)
}

fn print(name: &str, s: &Stats) {
    common::print(name, s, 58, 9);
}

/// A directory `nobody` can pass through (0711) holding an empty config it can read.
fn shared_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    dir
}

/// `piket list` as `nobody`, timed from spawn to exit.
fn list_as_nobody(dir: &Path, socket: &Path) -> Duration {
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_piket"))
        .arg("list")
        .env("PIKET_SOCKET", socket)
        .env("PIKET_CONFIG", dir.join("config.toml"))
        .env("HOME", "/tmp")
        .env_remove("PIKET_DATA_DIR")
        .uid(NOBODY)
        .gid(NOBODY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let took = t.elapsed();
    assert!(out.status.success(), "piket list as nobody: {}", String::from_utf8_lossy(&out.stderr));
    took
}

fn raise_nofile() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
    assert!(hard >= 5000, "the bench needs ~4,500 descriptors; the hard limit is {hard}");
}

/// (a): the flood, then `piket list` as another user while it is open; then how long each
/// flood connection took to be closed.
fn idle_flood(per_peer: usize) {
    let dir = shared_dir();
    let limits =
        Limits { header_timeout: HEADER_TIMEOUT, connections_per_peer: per_peer, ..Limits::default() };
    let server = serve(dir.path(), limits);
    let seed = RemoteClient::connect(&server.socket).unwrap();
    for i in 0..200 {
        seed.execute(register(&format!("seeded {i}")), Source::Cli).unwrap();
    }
    drop(seed);
    let before: Vec<Duration> = (0..20).map(|_| list_as_nobody(dir.path(), &server.socket)).collect();

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Duration>();
    let (socket, tcp) = (server.socket.clone(), server.tcp.unwrap());
    rt.block_on(async {
        for i in 0..2000 {
            let tx = tx.clone();
            let socket = socket.clone();
            // Opened one by one so every connection is in place before the timing starts.
            let opened = Instant::now();
            let half = i % 2 == 1;
            if i < 1000 {
                hold(tokio::net::UnixStream::connect(&socket).await.unwrap(), half, opened, tx).await;
            } else {
                hold(tokio::net::TcpStream::connect(tcp).await.unwrap(), half, opened, tx).await;
            }
        }
    });
    drop(tx);
    let during: Vec<Duration> = (0..20).map(|_| list_as_nobody(dir.path(), &server.socket)).collect();
    let closes: Vec<Duration> = rx.iter().take(2000).collect();
    let held = closes.iter().filter(|d| **d >= HEADER_TIMEOUT / 2).count();
    println!("-- (a) 2,000 idle/half-sent connections, max-connections-per-peer = {per_peer}");
    print("`piket list` as nobody, no flood", &stats(before));
    print("`piket list` as nobody, 2,000 flood connections open", &stats(during));
    print(&format!("flood connection open -> closed ({held} held to the timeout)"), &stats(closes));
    drop(rt);
}

/// One flood connection: idle, or half a request head when `half`; a task sends how long it
/// was open once the server closes it.
async fn hold<S>(mut s: S, half: bool, opened: Instant, tx: std::sync::mpsc::Sender<Duration>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if half {
        let _ = s.write_all(b"GET /v1/incidents HTTP/1.1\r\nhost: piket\r\n").await;
    }
    tokio::spawn(async move {
        let mut buf = [0u8; 512];
        while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
        let _ = tx.send(opened.elapsed());
    });
}

/// The other user's side of (b): reads incident numbers on stdin, acknowledges each, says
/// "ok" or the error on stdout.
fn acker() {
    let socket = PathBuf::from(std::env::var_os("PIKET_SOCKET").unwrap());
    let client = RemoteClient::connect(&socket).unwrap();
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let id = IncidentId(line.trim().parse().unwrap());
        match client.execute(Cmd::Acknowledge { id }, Source::Cli) {
            Ok(_) => writeln!(out, "ok").unwrap(),
            Err(e) => writeln!(out, "{e}").unwrap(),
        }
        out.flush().unwrap();
    }
}

/// (b): 20 flooding clients of root, `nobody` acknowledging, a feed timing it.
fn flood_fairness(turns: usize, n: usize) {
    let dir = shared_dir();
    let limits = Limits { turns_per_user: turns, ..Limits::default() };
    let server = serve(dir.path(), limits);
    let admin = RemoteClient::connect(&server.socket).unwrap();
    let targets: Vec<IncidentId> = (0..n)
        .map(|i| admin.execute(register(&format!("ack me {i}")), Source::Cli).unwrap().incident)
        .collect();
    let flooded: Vec<IncidentId> = (0..20)
        .map(|i| admin.execute(register(&format!("flood {i}")), Source::Cli).unwrap().incident)
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let floods: Vec<_> = flooded
        .into_iter()
        .map(|id| {
            let (socket, stop) = (server.socket.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let c = RemoteClient::connect(&socket).unwrap();
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    c.execute(Cmd::Note { id, text: format!("flood {i}") }, Source::Cli).unwrap();
                    i += 1;
                }
                i
            })
        })
        .collect();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--acker")
        .env("PIKET_SOCKET", &server.socket)
        .env("HOME", "/tmp")
        .uid(NOBODY)
        .gid(NOBODY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut to_acker = child.stdin.take().unwrap();
    let mut from_acker = BufReader::new(child.stdout.take().unwrap());
    // The TUI stand-in: connected after the incidents exist, so its feed starts after their
    // registrations and carries only the flood's notes and the acknowledges.
    let watcher = RemoteClient::connect(&server.socket).unwrap();
    let mut feed = watcher.subscribe();
    // Let the feed connect and the flood reach full speed.
    std::thread::sleep(Duration::from_secs(1));
    let mut lagged = 0u64;
    let started = Instant::now();
    let mut lat = Vec::with_capacity(n);
    for id in targets {
        let t0 = Instant::now();
        writeln!(to_acker, "{}", id.0).unwrap();
        to_acker.flush().unwrap();
        loop {
            match feed.blocking_recv() {
                Ok(c) if c.incident == id => break,
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => lagged += n,
                Err(e) => panic!("the feed ended: {e}"),
            }
        }
        lat.push(t0.elapsed());
        let mut answer = String::new();
        from_acker.read_line(&mut answer).unwrap();
        assert_eq!(answer.trim(), "ok", "nobody's acknowledge was refused");
    }
    let secs = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let notes: u64 = floods.into_iter().map(|t| t.join().unwrap()).sum();
    drop(to_acker);
    let _ = child.wait();
    assert_eq!(lagged, 0, "the feed subscriber fell behind: the numbers would be wrong");
    let label = if turns >= 1000 { "unbounded".to_owned() } else { turns.to_string() };
    println!("-- (b) 20 flooding clients of root, turns per user = {label}");
    #[expect(clippy::cast_precision_loss)]
    let rate = notes as f64 / secs;
    print(&format!("nobody's ack -> in the feed ({rate:.0} flood notes/s)"), &stats(lat));
}

fn main() {
    if std::env::args().any(|a| a == "--acker") {
        acker();
        return;
    }
    // `cargo bench` passes `--bench`; a filter word picks a part.
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wants = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    assert!(nix::unistd::getuid().is_root(), "run as root: the other user is `nobody`");
    raise_nofile();
    if wants("idle") {
        idle_flood(Limits::default().connections_per_peer);
        idle_flood(4096);
    }
    if wants("fair") {
        flood_fairness(piket::server::listen::TURNS_PER_USER, 300);
        flood_fairness(1_000_000, 300);
    }
}
