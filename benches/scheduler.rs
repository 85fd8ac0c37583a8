//! Floor from issue 6: a scheduler pass over 10k open incidents <= 5 ms.
//!
//! 10k open incidents on a service with an escalation policy, all paged at level 1. Measured:
//! `due_at` (the pure part of a pass, over every tracked escalation) when none is due and when
//! all 10k are due, and a whole `pass` when nothing is due (catching up with the log, then
//! `due_at`), which is what the server does on every wake.
//!
//! `cargo bench --bench scheduler`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use piket::config::Config;
use piket::domain::{Command, Impact, NewIncident, Severity, Source, Urgency};
use piket::engine::{BatchItem, Engine};
use piket::server::scheduler::Scheduler;

const OPEN: i64 = 10_000;

const ROTA: &str = r#"
timezone = "UTC"
[people.alice]
[people.bob]
[people.carol]
[schedules.primary]
rotations = [{ members = ["alice", "bob"], shift = "daily", handoff = "09:00", start = "2026-01-01" }]
[escalation-policies.standard]
repeat = 2
levels = [
  { targets = ["schedule:primary"], timeout = "15m" },
  { targets = ["person:carol"], timeout = "30m" },
]
[services.db]
escalation-policy = "standard"
"#;

fn setup() -> (Arc<Engine>, Scheduler, chrono::DateTime<Utc>) {
    let config = Config::from_toml_str(ROTA, std::path::Path::new("bench.toml")).unwrap();
    let engine = Arc::new(Engine::in_memory(config.policy).unwrap());
    let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
    let mut batch = Vec::with_capacity(1000);
    for n in 0..OPEN {
        let mut reg =
            NewIncident::new(format!("replica {n} lagging"), Impact::Medium, Urgency::High, Severity::SEV3);
        reg.services = vec!["db".to_owned()];
        let now = t0 + Duration::seconds(n * 6);
        batch.push(BatchItem {
            actor: "bench".into(),
            source: Source::Cli,
            command: Command::Register(reg),
            now,
        });
        if batch.len() == 1000 {
            engine.execute_batch(&batch).unwrap();
            batch.clear();
        }
    }
    engine.execute_batch(&batch).unwrap();
    let scheduler = Scheduler::load(Arc::clone(&engine)).unwrap();
    // Page level 1 of every incident, each at its own opening time.
    let end = t0 + Duration::seconds(OPEN * 6);
    scheduler.pass(end).unwrap();
    assert_eq!(scheduler.tracked(), usize::try_from(OPEN).unwrap());
    (engine, scheduler, end)
}

fn bench(c: &mut Criterion) {
    let (_engine, scheduler, end) = setup();
    let none = end + Duration::minutes(1);
    let all = end + Duration::minutes(15);
    assert_eq!(scheduler.due_at(none).len(), 0);
    assert_eq!(scheduler.due_at(all).len(), usize::try_from(OPEN).unwrap());
    let mut g = c.benchmark_group("scheduler");
    g.bench_function("due_at over 10k open escalations, none due", |b| b.iter(|| scheduler.due_at(none)));
    g.bench_function("due_at over 10k open escalations, all due", |b| b.iter(|| scheduler.due_at(all)));
    // A pass when nothing is due: what every wake of the server costs.
    let quiet = end;
    g.bench_function("pass over 10k, nothing due", |b| b.iter(|| scheduler.pass(quiet).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
