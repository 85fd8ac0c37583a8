//! Floor from issue 6: a scheduler pass over 10k open incidents <= 5 ms.
//!
//! 10k open incidents on a service with an escalation policy, all paged at level 1. Measured:
//! `due_at` (the pure part of a pass, over every tracked escalation) when none is due and when
//! all 10k are due, and a whole `pass` when nothing is due (catching up with the log, then
//! `due_at`), which is what the server does on every wake.
//!
//! `cargo bench --bench scheduler`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use chrono::{Duration, Utc};
use common::{ROTA, seed_open, t0};
use criterion::{Criterion, criterion_group, criterion_main};
use piket::config::Config;
use piket::engine::Engine;
use piket::server::scheduler::Scheduler;

const OPEN: i64 = 10_000;

fn setup() -> (Arc<Engine>, Scheduler, chrono::DateTime<Utc>) {
    let config = Config::from_toml_str(ROTA, std::path::Path::new("bench.toml")).unwrap();
    let engine = Arc::new(Engine::in_memory(config.policy).unwrap());
    seed_open(&engine, OPEN);
    let scheduler = Scheduler::load(Arc::clone(&engine)).unwrap();
    // Page level 1 of every incident, each at its own opening time.
    let end = t0() + Duration::seconds(OPEN * 6);
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
