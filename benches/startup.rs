//! Floor from issue 10: `piket serve` answers within 200 ms of start with 100k open incidents.
//!
//! A redb file with 100 000 open incidents, each on a service with an escalation policy (so
//! every one has `EscalationStarted` on its timeline and the scheduler must follow it: the
//! worst case for start-up), seeded as `benches/scheduler.rs` seeds its 10k. Then, five
//! times: spawn the real binary (`piket serve`), and measure from the spawn to
//! - the first answer on the socket (`RemoteClient::connect`: connect + `GET /v1/health`);
//! - the first page of the queue (`list` of the first 500 open, what a TUI asks first);
//! - the scheduler's log line saying it has loaded every escalation (in the background).
//!
//! For comparison it also times, in process, what the server used to do before answering:
//! `Scheduler::load` of the same file.
//!
//! `cargo bench --bench startup` (`PIKET_STARTUP_N` sets the number of incidents).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use common::{ROTA, seed_open, t0};
use piket::client::Client;
use piket::client::remote::RemoteClient;
use piket::config::Config;
use piket::domain::{Command, Query, Source};
use piket::engine::{BatchItem, Engine};
use piket::server::scheduler::Scheduler;
use piket::store::StoreOptions;

/// `n` open incidents on the `db` service (policy `standard`), each with a note: three
/// events per timeline (registered, escalation started, note), written 1000 per commit.
fn seed(dir: &Path, config: &Config, n: i64) {
    let engine =
        Engine::open(&dir.join("piket.redb"), &StoreOptions::default(), config.policy.clone()).unwrap();
    seed_open(&engine, n);
    let mut notes = Vec::with_capacity(1000);
    for i in 1..=n {
        notes.push(BatchItem {
            actor: "bench".into(),
            source: Source::Cli,
            command: Command::Note {
                id: piket::domain::IncidentId(u64::try_from(i).unwrap()),
                text: "replication lag 40 s and growing".into(),
            },
            now: t0() + Duration::seconds(i * 6 + 1),
        });
        if notes.len() == 1000 {
            engine.execute_batch(&notes).unwrap();
            notes.clear();
        }
    }
    engine.execute_batch(&notes).unwrap();
}

struct Run {
    answer: StdDuration,
    first_page: StdDuration,
    loaded: StdDuration,
}

fn one_run(dir: &Path, config: &Path, n: i64) -> Run {
    let socket = dir.join("piket.sock");
    let log = dir.join("bench-serve.log");
    let log_file = std::fs::File::create(&log).unwrap();
    let started = Instant::now();
    let mut child = Process::new(env!("CARGO_BIN_EXE_piket"))
        .arg("serve")
        .arg("--data-dir")
        .arg(dir)
        .arg("--socket")
        .arg(&socket)
        .arg("--config")
        .arg(config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .unwrap();
    let client = loop {
        if let Ok(c) = RemoteClient::connect(&socket) {
            break c;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "piket serve exited: {}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(StdDuration::from_millis(1));
    };
    let answer = started.elapsed();
    let page = client.list(&Query { limit: Some(500), ..Query::default() }).unwrap();
    let first_page = started.elapsed();
    assert_eq!(page.len(), 500.min(usize::try_from(n).unwrap()));
    let loaded = loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if let Some(line) = text.lines().find(|l| l.contains("escalation scheduler following")) {
            assert!(line.contains(&format!("following {n} open")), "{line}");
            break started.elapsed();
        }
        assert!(started.elapsed() < StdDuration::from_secs(600), "the scheduler never loaded:\n{text}");
        std::thread::sleep(StdDuration::from_millis(5));
    };
    drop(client);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(child.wait().unwrap().success());
    Run { answer, first_page, loaded }
}

fn main() {
    // `cargo test --benches` runs this with --bench absent: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n: i64 = std::env::var("PIKET_STARTUP_N").ok().and_then(|v| v.parse().ok()).unwrap_or(if quick {
        1_000
    } else {
        100_000
    });
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, ROTA).unwrap();
    let config = Config::from_toml_str(ROTA, &config_path).unwrap();
    let t = Instant::now();
    seed(dir.path(), &config, n);
    println!("seeded {n} open incidents with running escalations in {:.1} s", t.elapsed().as_secs_f64());

    // What the server did before answering until now, in process on the same file.
    let engine = Arc::new(
        Engine::open(&dir.path().join("piket.redb"), &StoreOptions::default(), config.policy).unwrap(),
    );
    let t = Instant::now();
    let s = Scheduler::load(Arc::clone(&engine)).unwrap();
    let load = t.elapsed();
    assert_eq!(s.tracked(), usize::try_from(n).unwrap());
    println!("Scheduler::load of {n} escalations in process: {:.0} ms", load.as_secs_f64() * 1e3);
    drop(s);
    drop(engine);

    let runs: Vec<Run> =
        (0..if quick { 1 } else { 5 }).map(|_| one_run(dir.path(), &config_path, n)).collect();
    let ms = |d: StdDuration| d.as_secs_f64() * 1e3;
    for (what, get) in [
        ("first answer on the socket (health)", (|r: &Run| r.answer) as fn(&Run) -> StdDuration),
        ("first page of the queue (list 500)", |r: &Run| r.first_page),
        ("scheduler loaded every escalation (log line)", |r: &Run| r.loaded),
    ] {
        let mut v: Vec<StdDuration> = runs.iter().map(get).collect();
        v.sort();
        println!(
            "spawn `piket serve` -> {what}, {n} open, {} runs: median {:.0} ms  max {:.0} ms",
            v.len(),
            ms(v[v.len() / 2]),
            ms(v[v.len() - 1])
        );
    }
}
