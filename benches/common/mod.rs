//! What more than one bench needs, in one place. The in-process server is the tests' own
//! (`tests/common/in_process.rs`), so benches and tests start it the same way.

#![allow(dead_code)]

#[path = "../../tests/common/in_process.rs"]
pub mod in_process;

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use piket::domain::{Command, Impact, NewIncident, Severity, Source, Urgency};
use piket::engine::{BatchItem, Engine};

/// A rota whose `db` service has an escalation policy: level 1 the `primary` schedule (alice and
/// bob, daily), level 2 carol; repeated twice.
pub const ROTA: &str = r#"
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

/// When the seeded incidents start opening.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap()
}

/// `n` open incidents on the `db` service, the i-th opened at `t0() + 6 s * i`, written 1000 per
/// commit (group commit, as the server does).
pub fn seed_open(engine: &Engine, n: i64) {
    let mut batch = Vec::with_capacity(1000);
    for i in 0..n {
        let mut reg =
            NewIncident::new(format!("replica {i} lagging"), Impact::Medium, Urgency::High, Severity::SEV3);
        reg.services = vec!["db".to_owned()];
        batch.push(BatchItem {
            actor: "bench".into(),
            source: Source::Cli,
            command: Command::Register(reg),
            now: t0() + chrono::Duration::seconds(i * 6),
        });
        if batch.len() == 1000 {
            engine.execute_batch(&batch).unwrap();
            batch.clear();
        }
    }
    engine.execute_batch(&batch).unwrap();
}

/// A medium incident on the `api` service.
pub fn register(title: &str) -> Command {
    let mut reg = NewIncident::new(title, Impact::Medium, Urgency::Medium, Severity::SEV3);
    reg.services = vec!["api".into()];
    Command::Register(reg)
}

/// Percentiles of a set of timings.
pub struct Stats {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub n: usize,
}

pub fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| {
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        v[i]
    };
    Stats { p50: at(0.50), p99: at(0.99), max: v[v.len() - 1], n: v.len() }
}

/// One table row: `name` padded to `name_width`, milliseconds to `ms_width`.
pub fn print(name: &str, s: &Stats, name_width: usize, ms_width: usize) {
    println!(
        "{name:<name_width$} n={:<5} p50 {:>ms_width$.3} ms  p99 {:>ms_width$.3} ms  max {:>ms_width$.3} ms",
        s.n,
        s.p50.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3,
        s.max.as_secs_f64() * 1e3
    );
}
