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

mod common;

use common::in_process::InProcess;
use common::{Stats, stats};
use piket::client::Client;
use piket::client::remote::RemoteClient;
use piket::domain::{Command, IncidentId, Policy, Source};
use piket::engine::Engine;
use piket::server::ServerOptions;
use piket::store::StoreOptions;

/// The server on `socket`, in this process, until dropped.
fn serve(engine: Engine, socket: &Path) -> InProcess {
    let options = ServerOptions { socket: socket.to_owned(), socket_group: None, read_only: vec![] };
    InProcess::on_socket(Arc::new(engine), options)
}

fn register() -> Command {
    common::register("bench")
}

fn note(id: IncidentId, n: usize) -> Command {
    Command::Note { id, text: format!("bench note {n}") }
}

fn print(name: &str, s: &Stats) {
    common::print(name, s, 46, 8);
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
    let server = serve(engine, &socket);
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
    let server = serve(Engine::in_memory(Policy::default()).unwrap(), &socket);
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
    let server = serve(engine, &socket);
    let client = RemoteClient::connect(&socket).unwrap();
    let (w, _) = round_trips(&client, if quick { 20 } else { 500 });
    print("command round trip, durable file (fsync)", &w);
    let f = fan_out(&socket, 10, if quick { 10 } else { 200 });
    print("fan-out to 10 clients, durable file (fsync)", &f);
    drop(client);
    drop(server);

    big_list(dir.path(), if quick { 2_000 } else { 100_000 });
}
