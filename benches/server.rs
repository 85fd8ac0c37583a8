//! Server numbers that criterion's means hide: percentiles of
//! - one command's round trip through the remote client over the Unix socket (target p99 <= 2 ms),
//!   on an in-memory store (socket + HTTP + engine) and on a durable file (plus the fsync);
//! - a read's round trip (`incident`);
//! - fan-out: from sending a command to each of 10 connected clients' feeds having it
//!   (target p99 <= 50 ms).
//!
//! `cargo bench --bench server` (prints a table; BENCHMARKS.md keeps the results).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use piket::client::Client;
use piket::client::remote::RemoteClient;
use piket::domain::{Command, Impact, IncidentId, NewIncident, Policy, Severity, Source, Urgency};
use piket::engine::Engine;
use piket::server::ServerOptions;
use piket::store::StoreOptions;

struct Server {
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(engine: Engine, socket: &Path) -> Self {
        let engine = Arc::new(engine);
        let options = ServerOptions { socket: socket.to_owned(), socket_group: None, read_only: vec![] };
        let (stop, _) = tokio::sync::watch::channel(false);
        let tx = stop.clone();
        let thread = std::thread::spawn(move || {
            let rt =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(piket::server::serve(engine, options, tx)).unwrap();
        });
        while RemoteClient::connect(socket).is_err() {
            std::thread::sleep(Duration::from_millis(5));
        }
        Self { stop, thread: Some(thread) }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn register() -> Command {
    Command::Register(NewIncident {
        title: "bench".into(),
        description: None,
        reported_by: None,
        channel: None,
        services: vec!["api".into()],
        impact: Impact::Medium,
        urgency: Urgency::Medium,
        severity: Severity::SEV3,
        category: None,
        detected_at: None,
        impact_started_at: None,
        reported_at: None,
        drill: false,
    })
}

fn note(id: IncidentId, n: usize) -> Command {
    Command::Note { id, text: format!("bench note {n}") }
}

struct Stats {
    p50: Duration,
    p99: Duration,
    max: Duration,
    n: usize,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| {
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        v[i]
    };
    Stats { p50: at(0.50), p99: at(0.99), max: v[v.len() - 1], n: v.len() }
}

fn print(name: &str, s: &Stats) {
    println!(
        "{name:<46} n={:<5} p50 {:>8.3} ms  p99 {:>8.3} ms  max {:>8.3} ms",
        s.n,
        s.p50.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3,
        s.max.as_secs_f64() * 1e3
    );
}

fn round_trips(client: &RemoteClient, n: usize) -> (Stats, Stats) {
    let id = client.execute(register(), Source::Cli).unwrap().incident;
    for i in 0..50 {
        client.execute(note(id, i), Source::Cli).unwrap();
    }
    let mut writes = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        client.execute(note(id, i), Source::Cli).unwrap();
        writes.push(t.elapsed());
    }
    let mut reads = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        client.incident(id).unwrap();
        reads.push(t.elapsed());
    }
    (stats(writes), stats(reads))
}

fn fan_out(socket: &Path, clients: usize, n: usize) -> Stats {
    let writer = RemoteClient::connect(socket).unwrap();
    let id = writer.execute(register(), Source::Cli).unwrap().incident;
    let (tx, rx) = std::sync::mpsc::channel::<(u64, Instant)>();
    let mut keep = Vec::new();
    for _ in 0..clients {
        let c = RemoteClient::connect(socket).unwrap();
        let mut feed = c.subscribe();
        let tx = tx.clone();
        std::thread::spawn(move || {
            while let Ok(ch) = feed.blocking_recv() {
                if tx.send((ch.global_seq, Instant::now())).is_err() {
                    break;
                }
            }
        });
        keep.push(c);
    }
    // Let every feed connect before timing.
    std::thread::sleep(Duration::from_millis(300));
    while rx.try_recv().is_ok() {}
    let mut lat = Vec::with_capacity(n * clients);
    for i in 0..n {
        let t0 = Instant::now();
        writer.execute(note(id, i), Source::Cli).unwrap();
        let mut got = 0;
        while got < clients {
            let (_seq, at) = rx.recv_timeout(Duration::from_secs(5)).expect("a feed stalled");
            lat.push(at - t0);
            got += 1;
        }
    }
    drop(keep);
    stats(lat)
}

/// The TUI's start-up query: the whole open queue, in process and through the socket.
fn big_list(dir: &Path, n: u64) {
    use piket::engine::BatchItem;
    let engine = Engine::in_memory(Policy::default()).unwrap();
    let mut batch = Vec::with_capacity(1000);
    for i in 1..=n {
        batch.push(BatchItem {
            actor: "bench".into(),
            source: Source::Cli,
            command: register(),
            now: chrono::Utc::now(),
        });
        if batch.len() >= 1000 || i == n {
            engine.execute_batch(&batch).unwrap();
            batch.clear();
        }
    }
    let q = piket::domain::Query::default();
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let in_process = median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                assert_eq!(engine.list(&q).unwrap().len() as u64, n);
                t.elapsed()
            })
            .collect(),
    );
    let list = engine.list(&q).unwrap();
    let encode = median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                let _ = postcard::to_allocvec(&list).unwrap();
                t.elapsed()
            })
            .collect(),
    );
    let bytes = postcard::to_allocvec(&list).unwrap();
    let decode = median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                let _: Vec<piket::domain::Incident> = postcard::from_bytes(&bytes).unwrap();
                t.elapsed()
            })
            .collect(),
    );
    let json = serde_json::to_vec(&list).unwrap().len();
    let socket = dir.join("big.sock");
    let server = Server::start(engine, &socket);
    let client = RemoteClient::connect(&socket).unwrap();
    let remote = median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                assert_eq!(client.list(&q).unwrap().len() as u64, n);
                t.elapsed()
            })
            .collect(),
    );
    println!(
        "list {n} open: in process {:.0} ms; through the socket {:.0} ms (postcard {} MB, encode {:.0} ms, decode {:.0} ms; JSON would be {} MB)",
        ms(in_process),
        ms(remote),
        bytes.len() / 1_000_000,
        ms(encode),
        ms(decode),
        json / 1_000_000
    );
    drop(client);
    drop(server);
}

fn main() {
    // `cargo test --benches` runs this with --bench absent: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { 50 } else { 2000 };
    let dir = tempfile::tempdir().unwrap();

    let socket = dir.path().join("mem.sock");
    let server = Server::start(Engine::in_memory(Policy::default()).unwrap(), &socket);
    let client = RemoteClient::connect(&socket).unwrap();
    let (w, r) = round_trips(&client, n);
    print("command round trip, in-memory store", &w);
    print("read round trip (incident)", &r);
    let f = fan_out(&socket, 10, if quick { 10 } else { 300 });
    print("fan-out to 10 clients, in-memory store", &f);
    drop(client);
    drop(server);

    let socket = dir.path().join("file.sock");
    let engine =
        Engine::open(&dir.path().join("piket.redb"), &StoreOptions::default(), Policy::default()).unwrap();
    let server = Server::start(engine, &socket);
    let client = RemoteClient::connect(&socket).unwrap();
    let (w, _) = round_trips(&client, if quick { 20 } else { 500 });
    print("command round trip, durable file (fsync)", &w);
    let f = fan_out(&socket, 10, if quick { 10 } else { 200 });
    print("fan-out to 10 clients, durable file (fsync)", &f);
    drop(client);
    drop(server);

    big_list(dir.path(), if quick { 2_000 } else { 100_000 });
}
