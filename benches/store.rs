//! Floors from issue 2: p99 commit <= 5 ms (durable), `piket list` of 1k open among 100k
//! incidents <= 100 ms as a whole process, <= 300 bytes on disk per typical event.
//! The whole-process list is measured both in process (`--embedded`, opening the file) and
//! as a client of a running `piket serve`; the bench stops the server it started.
//!
//! `cargo bench --bench store`. Percentiles of commit latency are printed before criterion's
//! own report because criterion reports means and medians, not tails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command as Process;
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use piket::domain::{Command, Impact, IncidentId, NewIncident, Policy, Query, Severity, Source, Urgency};
use piket::engine::{BatchItem, Engine};
use piket::store::StoreOptions;

fn registration(n: u64) -> Command {
    Command::Register(NewIncident {
        title: format!("Checkout API returns 502 on {} of requests (node {n})", n % 97),
        description: None,
        reported_by: Some("customer support".into()),
        channel: None,
        services: vec![
            ["checkout", "payments", "search", "auth"][usize::try_from(n % 4).unwrap_or(0)].into(),
        ],
        impact: [Impact::High, Impact::Medium, Impact::Low][usize::try_from(n % 3).unwrap_or(0)],
        urgency: [Urgency::High, Urgency::Medium, Urgency::Low][usize::try_from(n % 3).unwrap_or(0)],
        severity: Severity::SEV3,
        category: Some("availability".into()),
        detected_at: None,
        impact_started_at: None,
        reported_at: None,
        drill: false,
    })
}

/// `total` incidents of which all but `open` are resolved, written in batches of 1000.
fn populate(e: &Engine, total: u64, open: u64) {
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut batch = Vec::with_capacity(1000);
    let flush = |b: &mut Vec<BatchItem>| {
        e.execute_batch(b).unwrap();
        b.clear();
    };
    for n in 1..=total {
        let now = t0 + Duration::seconds(i64::try_from(n).unwrap());
        batch.push(BatchItem { actor: "bench".into(), source: Source::Cli, command: registration(n), now });
        if n > open {
            batch.push(BatchItem {
                actor: "bench".into(),
                source: Source::Cli,
                command: Command::Resolve {
                    id: IncidentId(n),
                    summary: "restarted the pool".into(),
                    recovered_at: None,
                },
                now,
            });
        }
        if batch.len() >= 1000 {
            flush(&mut batch);
        }
    }
    flush(&mut batch);
}

fn percentile(sorted: &[StdDuration], p: f64) -> StdDuration {
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

fn commit_tails(path: &Path) {
    let e = Engine::open(path, &StoreOptions::default(), Policy::default()).unwrap();
    populate(&e, 1000, 1000);
    let mut samples = Vec::new();
    for i in 0..2000u64 {
        let id = IncidentId(1 + i % 1000);
        let cmd = if i < 1000 {
            Command::Acknowledge { id }
        } else {
            Command::Note { id, text: "checked the pool metrics: saturation at 100% since 08:14".into() }
        };
        let t = Instant::now();
        e.execute("bench", Source::Cli, &cmd, Utc::now()).unwrap();
        samples.push(t.elapsed());
    }
    for (name, s) in [("ack", &mut samples[..1000].to_vec()), ("note", &mut samples[1000..].to_vec())] {
        s.sort();
        println!(
            "durable commit ({name}, 1000 samples): p50 {:?}  p99 {:?}  max {:?}",
            percentile(s, 50.0),
            percentile(s, 99.0),
            s[s.len() - 1]
        );
    }
}

/// Bytes on disk per event for a typical working pattern: one transaction per command (as the
/// engine commits them), 20 incidents active at a time, each living through registration, an
/// acknowledgement, a containment action, notes and a resolution.
fn bytes_per_event(dir: &Path) {
    let path = dir.join("size.redb");
    let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
    let t0 = Utc::now();
    let mut active = std::collections::VecDeque::new();
    let (mut next, mut events) = (0u64, 0u64);
    while next < 2000 || !active.is_empty() {
        while active.len() < 20 && next < 2000 {
            next += 1;
            let id = e.execute("alice", Source::Tui, &registration(next), t0).unwrap().incident;
            events += 1;
            active.push_back((id, 0));
        }
        let Some((id, round)) = active.pop_front() else { break };
        let command = match round {
            0 => Command::Acknowledge { id },
            1 => Command::Contain { id, action: "failed over to the standby database".into() },
            9 => Command::Resolve { id, summary: "pool size restored to 64".into(), recovered_at: None },
            5 => Command::StatusUpdate {
                id,
                audience: "stakeholders".into(),
                text: "Payments work again; we are watching error rates".into(),
            },
            _ => Command::Note { id, text: format!("checked node {round}: connection pool at 100%") },
        };
        events += e.execute("alice", Source::Tui, &command, t0).unwrap().events.len() as u64;
        if round < 9 {
            active.push_back((id, round + 1));
        }
    }
    assert_eq!(e.verify().unwrap().problem, None);
    drop(e);
    let size = std::fs::metadata(&path).unwrap().len();
    println!(
        "disk: {size} bytes for {events} events in 2000 incidents = {} bytes per event (summaries and indexes included)",
        size / events
    );
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    commit_tails(&dir.path().join("tails.redb"));
    bytes_per_event(dir.path());

    let e =
        Engine::open(&dir.path().join("commit.redb"), &StoreOptions::default(), Policy::default()).unwrap();
    populate(&e, 100, 100);
    let mut n = 0u64;
    c.bench_function("durable commit: note", |b| {
        b.iter(|| {
            n += 1;
            let cmd = Command::Note { id: IncidentId(1 + n % 100), text: "pool at 100%".into() };
            e.execute("bench", Source::Cli, &cmd, Utc::now()).unwrap()
        });
    });

    let long = Engine::in_memory(Policy::default()).unwrap();
    populate(&long, 1, 1);
    for i in 0..199 {
        long.execute(
            "a",
            Source::Cli,
            &Command::Note { id: IncidentId(1), text: format!("note {i}") },
            Utc::now(),
        )
        .unwrap();
    }
    c.bench_function("timeline read: 200 events", |b| b.iter(|| long.timeline(IncidentId(1)).unwrap()));

    let big_dir = dir.path().join("big");
    std::fs::create_dir_all(&big_dir).unwrap();
    let big = Engine::open(&big_dir.join("piket.redb"), &StoreOptions::default(), Policy::default()).unwrap();
    populate(&big, 100_000, 1000);
    c.bench_function("list open queue: 1k open of 100k (in process)", |b| {
        b.iter(|| assert_eq!(big.list(&Query::default()).unwrap().len(), 1000));
    });
    drop(big);

    let exe = env!("CARGO_BIN_EXE_piket");
    let piket = |args: &[&str]| {
        let out = Process::new(exe).arg("--data-dir").arg(&big_dir).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    let mut group = c.benchmark_group("process");
    group.sample_size(20);
    group.bench_function("piket --embedded list: 1k open of 100k (whole process, opens the file)", |b| {
        b.iter(|| piket(&["--embedded", "list"]));
    });
    // The first call starts the server (as a responder's first `piket` does); the samples are
    // then what every later command costs: a client process talking to the running server.
    piket(&["list"]);
    group.bench_function("piket list: 1k open of 100k (whole process, through the server)", |b| {
        b.iter(|| piket(&["list"]));
    });
    group.finish();
    piket(&["server", "stop"]);
}

criterion_group!(store, benches);
criterion_main!(store);
