//! Floor from issue 12: `piket watch --json` shows a change made by another client within
//! 200 ms.
//!
//! The real binary twice: `piket serve` on a fresh data dir, and `piket watch --json` following
//! it. Then, one after another, another client (a `RemoteClient` on the same socket, as a second
//! terminal or a script is) adds a note; each time the clock runs from just before the write
//! is sent to the moment the watcher's JSON line for that note has been read from its stdout.
//! What is measured is everything a script sees: the commit, the change feed, the watcher's
//! fetch of the event and its output.
//!
//! `cargo bench --bench watch` (`PIKET_WATCH_N` sets the number of writes; default 200).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use piket::client::Client;
use piket::client::remote::RemoteClient;
use piket::domain::{Command, Impact, IncidentId, NewIncident, Severity, Source, Urgency};

fn spawn(dir: &Path, args: &[&str], stdout: Stdio) -> Child {
    Process::new(env!("CARGO_BIN_EXE_piket"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .arg("--socket")
        .arg(dir.join("piket.sock"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .env("HOME", dir)
        .env_remove("PIKET_CONFIG")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn lines(r: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

fn main() {
    // `cargo test --benches` runs this with --bench absent: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("PIKET_WATCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(if quick {
        5
    } else {
        200
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    let mut server = spawn(dir.path(), &["serve"], Stdio::null());
    let socket = dir.path().join("piket.sock");
    let client = loop {
        if let Ok(c) = RemoteClient::connect(&socket) {
            break c;
        }
        assert!(server.try_wait().unwrap().is_none(), "piket serve exited");
        std::thread::sleep(Duration::from_millis(2));
    };
    let id: IncidentId = client
        .execute(
            Command::Register(NewIncident {
                title: "checkout 502".into(),
                description: None,
                reported_by: None,
                channel: None,
                services: Vec::new(),
                impact: Impact::High,
                urgency: Urgency::High,
                severity: Severity::SEV2,
                category: None,
                detected_at: None,
                impact_started_at: None,
                reported_at: None,
                drill: false,
            }),
            Source::Cli,
        )
        .unwrap()
        .incident;

    let mut watch = spawn(dir.path(), &["--json", "watch"], Stdio::piped());
    let out = lines(watch.stdout.take().unwrap());
    let err = lines(watch.stderr.take().unwrap());
    let first = err.recv_timeout(Duration::from_secs(60)).expect("watch says where it starts");
    assert!(first.contains("following the record"), "{first}");

    let mut took = Vec::with_capacity(n);
    for i in 0..n {
        let text = format!("bench note {i}");
        let t = Instant::now();
        client.execute(Command::Note { id, text: text.clone() }, Source::Cli).unwrap();
        loop {
            let line = out.recv_timeout(Duration::from_secs(60)).expect("a line from piket watch");
            if line.contains(&text) {
                break;
            }
        }
        took.push(t.elapsed());
    }
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "another client's note -> its line from `piket watch --json`, {n} writes: min {:.1} ms  median {:.1} ms  \
         p95 {:.1} ms  max {:.1} ms",
        ms(took[0]),
        ms(took[n / 2]),
        ms(took[(n * 95 / 100).min(n - 1)]),
        ms(took[n - 1]),
    );
    let _ = watch.kill();
    let _ = watch.wait();
    let _ = server.kill();
    let _ = server.wait();
}
