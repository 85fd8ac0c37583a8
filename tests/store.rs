//! The store: its contract, checked once per backend (`contract` below, run by one `suite!`
//! line per backend), and what the redb file itself promises: tampering is detected, and
//! files written by earlier versions open.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::{Duration, TimeZone, Utc};
use piket::domain::{
    Command, EventKind, Impact, IncidentId, NewIncident, Policy, Review, Severity, Source, Status, Urgency,
};
use piket::engine::Engine;
use piket::store::{Store, StoreOptions};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

/// Where one backend keeps one record for one test. Every `open` reaches the same record, as a
/// restarted server would; a store is dropped before the next is opened.
pub trait Place {
    fn open(&self) -> Store;
}

/// The embedded default: a redb file in a directory of its own.
struct RedbFile(tempfile::TempDir);

impl Place for RedbFile {
    fn open(&self) -> Store {
        Store::open(&self.0.path().join("piket.redb"), &StoreOptions::default()).unwrap()
    }
}

fn redb_file() -> RedbFile {
    RedbFile(tempfile::tempdir().unwrap())
}

/// Runs every test of [`contract`] on a fresh place of one backend: `suite!(module, fresh)`,
/// where `fresh()` returns a new [`Place`]. A new backend is one more line below.
macro_rules! suite {
    ($backend:ident, $fresh:ident) => {
        suite!(@tests $backend, $fresh;
            a_new_record_is_empty,
            appends_are_chained_in_commit_order,
            summaries_and_the_open_queue_follow_each_commit,
            an_aborted_write_leaves_no_trace,
            incident_ids_count_up_and_are_never_reused,
            an_event_is_never_overwritten,
            dedup_and_alert_state_are_kept,
            a_transaction_reads_its_own_writes,
            writers_are_serialised_on_committed_state,
            a_snapshot_does_not_see_later_commits,
            the_record_survives_reopening,
            timelines_without_a_summary_are_kept_like_any_other,
            two_simultaneous_acknowledgements_give_one_ack_and_one_refusal,
            the_engine_record_verifies_before_and_after_reopening);
    };
    (@tests $backend:ident, $fresh:ident; $($name:ident),* $(,)?) => {
        mod $backend {
            $(
                #[test]
                fn $name() {
                    super::contract::$name(&super::$fresh());
                }
            )*
        }
    };
}

suite!(redb_file, redb_file);

/// What every backend must do, written against the boundary (`piket::store::{Store, Reader,
/// Writer}`) and, for the properties the engine builds on it, against an engine on the store.
mod contract {
    use std::sync::{Barrier, mpsc};

    use chrono::{DateTime, Duration, TimeZone, Utc};
    use piket::domain::alert::AlertState;
    use piket::domain::{
        Command, Event, EventKind, Impact, Incident, IncidentId, NewIncident, Policy, Severity, Source,
        Urgency,
    };
    use piket::engine::{Engine, EngineError};
    use piket::store::{Store, StoreError, Writer, chain, decode_event_body, hex};

    use super::Place;

    /// What one command made: its events and the summary they fold into.
    struct Step {
        events: Vec<Event>,
        summary: Incident,
    }

    /// Realistic records to store: what an engine (on its own in-memory store) makes of
    /// commands. Replaying its steps in order into the store under test must give the same
    /// chain head, since the bytes and the chain do not depend on the backend.
    struct Maker {
        engine: Engine,
        minutes: i64,
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap()
    }

    impl Maker {
        fn new() -> Self {
            Self { engine: Engine::in_memory(Policy::default()).unwrap(), minutes: 0 }
        }

        fn run(&mut self, cmd: &Command) -> Step {
            self.minutes += 1;
            let o = self
                .engine
                .execute("alice", Source::Cli, cmd, t0() + Duration::minutes(self.minutes))
                .unwrap();
            Step { events: o.events, summary: o.summary }
        }

        fn register(&mut self, title: &str, impact: Impact, urgency: Urgency) -> Step {
            self.run(&Command::Register(NewIncident::new(title, impact, urgency, Severity::SEV3)))
        }

        fn head(&self) -> String {
            self.engine.chain_head().unwrap()
        }
    }

    /// Commit a step as the engine does: the events, then the summary and its queue entry.
    fn put(w: &mut dyn Writer, step: &Step) -> Result<u64, StoreError> {
        let before = w.incident(step.summary.id)?;
        let global = w.append(&step.events)?;
        w.put_incident(before.as_ref(), &step.summary)?;
        Ok(global)
    }

    fn commit(store: &Store, step: &Step) -> u64 {
        store.write(|w| put(w, step)).unwrap()
    }

    /// A note on a timeline that has no summary (the rota's, maintenance, suppressed).
    fn note(id: IncidentId, seq: u32, text: &str) -> Event {
        Event {
            incident: id,
            seq,
            occurred_at: t0(),
            recorded_at: t0(),
            actor: "piket".into(),
            source: Source::Timer,
            kind: EventKind::Note { text: text.into() },
        }
    }

    pub fn a_new_record_is_empty(place: &dyn Place) {
        let store = place.open();
        let r = store.read().unwrap();
        assert_eq!(r.head().unwrap(), ([0; 32], 0));
        assert!(r.all_incidents().unwrap().is_empty());
        assert!(r.open_incidents().unwrap().is_empty());
        assert!(r.open_queue_keys().unwrap().is_empty());
        assert!(r.timeline(IncidentId(1)).unwrap().is_empty());
        assert_eq!((r.last_seq(IncidentId(1)).unwrap(), r.timeline_len().unwrap()), (0, 0));
        assert!(r.events_since(0, 10).unwrap().is_empty());
        let mut seen = 0;
        r.walk_log(|_| -> Result<(), StoreError> {
            seen += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, 0);
    }

    pub fn appends_are_chained_in_commit_order(place: &dyn Place) {
        let store = place.open();
        let mut m = Maker::new();
        let a = m.register("database down", Impact::High, Urgency::High);
        let b = m.register("slow search", Impact::Low, Urgency::Low);
        let (ia, ib) = (a.summary.id, b.summary.id);
        let steps = [
            a,
            b,
            m.run(&Command::Acknowledge { id: ia }),
            m.run(&Command::Note { id: ib, text: "looking".into() }),
            m.run(&Command::Note { id: ia, text: "failing over".into() }),
        ];
        let mut expected = Vec::new();
        for s in &steps {
            let global = commit(&store, s);
            expected.extend(s.events.iter().cloned());
            assert_eq!(global, expected.len() as u64, "the last event's global sequence is returned");
        }
        let r = store.read().unwrap();
        let (head, last) = r.head().unwrap();
        assert_eq!(last, expected.len() as u64);
        assert_eq!(hex(&head), m.head(), "the same events chain to the same head on every backend");

        let log = r.events_since(0, 1000).unwrap();
        assert_eq!(log.iter().map(|(g, _)| *g).collect::<Vec<_>>(), (1..=last).collect::<Vec<_>>());
        assert_eq!(log.into_iter().map(|(_, e)| e).collect::<Vec<_>>(), expected);
        let page = r.events_since(2, 2).unwrap();
        assert_eq!(page.iter().map(|(g, _)| *g).collect::<Vec<_>>(), vec![3, 4]);
        assert!(r.events_since(last, 10).unwrap().is_empty());
        assert!(r.events_since(u64::MAX, 10).unwrap().is_empty());

        let mut prev = [0; 32];
        let mut walked = Vec::new();
        r.walk_log(|e| -> Result<(), StoreError> {
            let h = chain(&prev, &e.body);
            assert_eq!(h, e.stored_hash, "log position {}", e.global_seq);
            prev = h;
            walked.push((e.global_seq, decode_event_body(&e.body)?));
            Ok(())
        })
        .unwrap();
        assert_eq!(prev, head);
        assert_eq!(walked.into_iter().map(|(_, e)| e).collect::<Vec<_>>(), expected);
        let mut stopped = 0;
        let err = r.walk_log(|e| {
            stopped += 1;
            if e.global_seq == 2 { Err(StoreError::Corrupt("stop here".into())) } else { Ok(()) }
        });
        assert!(matches!(err, Err(StoreError::Corrupt(m)) if m == "stop here"));
        assert_eq!(stopped, 2, "the walk stops at the first error");

        let on_a: Vec<Event> = expected.iter().filter(|e| e.incident == ia).cloned().collect();
        assert_eq!(r.timeline(ia).unwrap(), on_a);
        assert_eq!(r.last_seq(ia).unwrap(), on_a.last().unwrap().seq);
        assert_eq!(r.timeline_len().unwrap(), last);
        for (g, e) in (1..).zip(&expected) {
            assert_eq!(r.timeline_entry(e.incident, e.seq).unwrap(), Some(g));
        }
        assert_eq!(r.timeline_entry(ia, 99).unwrap(), None);
    }

    pub fn summaries_and_the_open_queue_follow_each_commit(place: &dyn Place) {
        let store = place.open();
        let mut m = Maker::new();
        let low = m.register("typo on the status page", Impact::Low, Urgency::Low);
        let high = m.register("checkout down", Impact::High, Urgency::High);
        let older_high = m.register("payments down", Impact::High, Urgency::High);
        let gone = m.register("disk full", Impact::Medium, Urgency::Medium);
        let resolved = m.run(&Command::Resolve {
            id: gone.summary.id,
            summary: "cleaned up".into(),
            recovered_at: None,
        });
        for s in [&low, &high, &older_high, &gone, &resolved] {
            commit(&store, s);
        }
        let r = store.read().unwrap();
        let ids = |v: Vec<Incident>| v.into_iter().map(|i| i.id).collect::<Vec<_>>();
        let (l, h, o, g) = (low.summary.id, high.summary.id, older_high.summary.id, gone.summary.id);
        assert_eq!(ids(r.open_incidents().unwrap()), vec![h, o, l], "priority first, then the oldest");
        assert_eq!(ids(r.all_incidents().unwrap()), vec![l, h, o, g], "every summary, by id");
        assert_eq!(r.incident(g).unwrap().unwrap(), resolved.summary);
        assert_eq!(r.incident(IncidentId(99)).unwrap(), None);
        let keys: Vec<u64> = r.open_queue_keys().unwrap().into_iter().map(|(_, _, id)| id).collect();
        assert_eq!(keys, vec![h.0, o.0, l.0]);
        assert_eq!(ids(r.open_incidents_where(&|_| true, 2).unwrap()), vec![h, o], "stops at the limit");
        assert_eq!(ids(r.open_incidents_where(&|i| i.id != h, 10).unwrap()), vec![o, l]);
    }

    pub fn an_aborted_write_leaves_no_trace(place: &dyn Place) {
        let store = place.open();
        let mut m = Maker::new();
        let step = m.register("database down", Impact::High, Urgency::High);
        let err = store.write(|w| -> Result<(), StoreError> {
            assert_eq!(w.allocate_id(), IncidentId(1));
            put(w, &step)?;
            w.set_dedup("alertmanager/f00d", step.summary.id)?;
            w.set_alert_state(step.summary.id, "f00d", &AlertState::default())?;
            Err(StoreError::Corrupt("refused after writing".into()))
        });
        assert!(matches!(err, Err(StoreError::Corrupt(_))));
        let r = store.read().unwrap();
        assert_eq!(r.head().unwrap(), ([0; 32], 0));
        assert!(r.all_incidents().unwrap().is_empty() && r.open_incidents().unwrap().is_empty());
        assert!(r.timeline(step.summary.id).unwrap().is_empty());
        store
            .write(|w| -> Result<(), StoreError> {
                assert_eq!(w.dedup("alertmanager/f00d")?, None);
                assert_eq!(w.alert_state(step.summary.id, "f00d")?, None);
                assert_eq!(w.allocate_id(), IncidentId(1), "the aborted id is handed out again");
                Ok(())
            })
            .unwrap();
    }

    pub fn incident_ids_count_up_and_are_never_reused(place: &dyn Place) {
        {
            let store = place.open();
            let ids = store.write(|w| Ok::<_, StoreError>([w.allocate_id(), w.allocate_id()])).unwrap();
            assert_eq!(ids, [IncidentId(1), IncidentId(2)]);
            assert_eq!(store.write(|w| Ok::<_, StoreError>(w.allocate_id())).unwrap(), IncidentId(3));
        }
        let store = place.open();
        assert_eq!(store.write(|w| Ok::<_, StoreError>(w.allocate_id())).unwrap(), IncidentId(4));
    }

    pub fn an_event_is_never_overwritten(place: &dyn Place) {
        let store = place.open();
        let mut m = Maker::new();
        let step = m.register("database down", Impact::High, Urgency::High);
        commit(&store, &step);
        let other = m.register("second", Impact::Low, Urgency::Low);
        let err = store
            .write(|w| -> Result<(), StoreError> {
                put(w, &other)?;
                w.append(&step.events)?;
                Ok(())
            })
            .unwrap_err();
        assert!(err.to_string().contains("refusing to overwrite the record"), "{err}");
        let r = store.read().unwrap();
        assert_eq!(r.head().unwrap().1, step.events.len() as u64, "nothing of that transaction stands");
        assert_eq!(r.incident(other.summary.id).unwrap(), None);
        assert_eq!(r.timeline(step.summary.id).unwrap(), step.events);
    }

    pub fn dedup_and_alert_state_are_kept(place: &dyn Place) {
        let store = place.open();
        let (one, two) = (IncidentId(1), IncidentId(2));
        let firing =
            AlertState { state: Some("firing".into()), resolved: false, changes: vec![1, 2], flapping: true };
        let resolved = AlertState { state: Some("resolved".into()), resolved: true, ..AlertState::default() };
        store
            .write(|w| -> Result<(), StoreError> {
                assert_eq!(w.dedup("alertmanager/f00d")?, None);
                assert!(!w.all_alerts_resolved(one)?, "no alerts: not resolved");
                w.set_dedup("alertmanager/f00d", one)?;
                w.set_alert_state(one, "f00d", &firing)?;
                w.set_alert_state(one, "beef", &resolved)?;
                w.set_alert_state(two, "f00d", &resolved)?;
                Ok(())
            })
            .unwrap();
        store
            .write(|w| -> Result<(), StoreError> {
                assert_eq!(w.dedup("alertmanager/f00d")?, Some(one));
                assert_eq!(w.dedup("pagerduty/f00d")?, None);
                assert_eq!(w.alert_state(one, "f00d")?, Some(firing.clone()));
                assert_eq!(w.alert_state(two, "f00d")?, Some(resolved.clone()));
                assert!(!w.all_alerts_resolved(one)?, "one of two alerts still fires");
                assert!(w.all_alerts_resolved(two)?);
                w.set_alert_state(one, "f00d", &resolved)?;
                w.set_dedup("alertmanager/f00d", two)?;
                Ok(())
            })
            .unwrap();
        store
            .write(|w| -> Result<(), StoreError> {
                assert!(w.all_alerts_resolved(one)?);
                assert_eq!(w.dedup("alertmanager/f00d")?, Some(two), "the key follows the last incident");
                Ok(())
            })
            .unwrap();
    }

    pub fn a_transaction_reads_its_own_writes(place: &dyn Place) {
        let store = place.open();
        let mut m = Maker::new();
        let step = m.register("database down", Impact::High, Urgency::High);
        let id = step.summary.id;
        store
            .write(|w| -> Result<(), StoreError> {
                assert_eq!(w.incident(id)?, None);
                put(w, &step)?;
                assert_eq!(w.incident(id)?, Some(step.summary.clone()));
                assert_eq!(w.timeline(id)?, step.events);
                assert_eq!(w.last_seq(id)?, step.summary.last_seq);
                Ok(())
            })
            .unwrap();
    }

    /// The property the engine decides on: a transaction that has read runs to its commit
    /// before another writer reads, so the second decides on what the first committed.
    pub fn writers_are_serialised_on_committed_state(place: &dyn Place) {
        let store = place.open();
        let mut m = Maker::new();
        let reg = m.register("database down", Impact::High, Urgency::High);
        let id = reg.summary.id;
        let ack = m.run(&Command::Acknowledge { id });
        commit(&store, &reg);
        let (started, go) = mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                store
                    .write(|w| -> Result<(), StoreError> {
                        assert_eq!(w.incident(id)?.unwrap().acknowledged_at, None);
                        started.send(()).unwrap();
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        put(w, &ack).map(drop)
                    })
                    .unwrap();
            });
            go.recv().unwrap();
            let seen = store.write(|w| w.incident(id)).unwrap().unwrap();
            assert_eq!(seen, ack.summary, "the second writer sees the first one's commit");
        });
    }

    pub fn a_snapshot_does_not_see_later_commits(place: &dyn Place) {
        let store = place.open();
        let mut m = Maker::new();
        let first = m.register("database down", Impact::High, Urgency::High);
        commit(&store, &first);
        let before = store.read().unwrap();
        let second = m.register("search slow", Impact::Low, Urgency::Low);
        commit(&store, &second);
        assert_eq!(before.head().unwrap().1, 1);
        assert_eq!(before.all_incidents().unwrap().len(), 1);
        assert_eq!(before.incident(second.summary.id).unwrap(), None);
        assert!(before.events_since(0, 10).unwrap().len() == 1);
        let after = store.read().unwrap();
        assert_eq!(after.head().unwrap().1, 2);
        assert_eq!(after.open_incidents().unwrap().len(), 2);
    }

    pub fn the_record_survives_reopening(place: &dyn Place) {
        let mut m = Maker::new();
        let step = m.register("database down", Impact::High, Urgency::High);
        let id = step.summary.id;
        let head = {
            let store = place.open();
            commit(&store, &step);
            store
                .write(|w| {
                    w.set_dedup("api/db", id)?;
                    w.set_alert_state(id, "db", &AlertState::default())
                })
                .unwrap();
            store.read().unwrap().head().unwrap()
        };
        let store = place.open();
        let r = store.read().unwrap();
        assert_eq!(r.head().unwrap(), head);
        assert_eq!(r.timeline(id).unwrap(), step.events);
        assert_eq!(r.open_incidents().unwrap(), vec![step.summary.clone()]);
        store
            .write(|w| -> Result<(), StoreError> {
                assert_eq!(w.dedup("api/db")?, Some(id));
                assert_eq!(w.alert_state(id, "db")?, Some(AlertState::default()));
                Ok(())
            })
            .unwrap();
    }

    pub fn timelines_without_a_summary_are_kept_like_any_other(place: &dyn Place) {
        let store = place.open();
        let lines = [IncidentId::ROTA, IncidentId::MAINTENANCE, IncidentId::SUPPRESSED];
        store
            .write(|w| -> Result<(), StoreError> {
                for id in lines {
                    w.append(&[note(id, 1, "first"), note(id, 2, "second")])?;
                }
                Ok(())
            })
            .unwrap();
        let r = store.read().unwrap();
        for id in lines {
            assert_eq!(r.timeline(id).unwrap(), vec![note(id, 1, "first"), note(id, 2, "second")], "{id}");
            assert_eq!(r.last_seq(id).unwrap(), 2);
        }
        assert!(r.all_incidents().unwrap().is_empty() && r.open_incidents().unwrap().is_empty());
        assert_eq!(r.head().unwrap().1, 6);
    }

    /// Through the engine: two responders acknowledging at once get one acknowledgement and
    /// one refusal, decided on committed state.
    pub fn two_simultaneous_acknowledgements_give_one_ack_and_one_refusal(place: &dyn Place) {
        let engine = Engine::with_store(place.open(), Policy::default()).unwrap();
        let reg =
            Command::Register(NewIncident::new("database down", Impact::High, Urgency::High, Severity::SEV1));
        let id = engine.execute("alice", Source::Cli, &reg, Utc::now()).unwrap().incident;
        let gate = Barrier::new(2);
        let results: Vec<_> = std::thread::scope(|s| {
            let ack = |who: &'static str| {
                let (engine, gate) = (&engine, &gate);
                s.spawn(move || {
                    gate.wait();
                    engine.execute(who, Source::Tui, &Command::Acknowledge { id }, Utc::now())
                })
            };
            let (a, b) = (ack("alice"), ack("bob"));
            vec![a.join().unwrap(), b.join().unwrap()]
        });
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Err(EngineError::Refused(_)))), "{results:?}");
        let acks =
            engine.timeline(id).unwrap().iter().filter(|e| matches!(e.kind, EventKind::Acknowledged)).count();
        assert_eq!(acks, 1);
    }

    /// Through the engine: what it writes (incidents, an alert's dedup, a maintenance window,
    /// an override-free rota) verifies, and verifies the same after reopening.
    pub fn the_engine_record_verifies_before_and_after_reopening(place: &dyn Place) {
        let report = {
            let engine = Engine::with_store(place.open(), Policy::default()).unwrap();
            let reg = Command::Register(NewIncident::new(
                "database down",
                Impact::High,
                Urgency::High,
                Severity::SEV1,
            ));
            let id = engine.execute("alice", Source::Cli, &reg, t0()).unwrap().incident;
            for cmd in [
                Command::Acknowledge { id },
                Command::Note { id, text: "failing over".into() },
                Command::Resolve { id, summary: "failed over".into(), recovered_at: None },
            ] {
                engine.execute("alice", Source::Cli, &cmd, t0() + Duration::minutes(5)).unwrap();
            }
            let window = piket::domain::alert::MaintenanceWindow {
                id: 0,
                service: "db".into(),
                start: t0(),
                end: t0() + Duration::hours(2),
                reason: "disk swap".into(),
                set_by: String::new(),
            };
            engine.set_maintenance("alice", Source::Cli, &window, t0()).unwrap();
            let report = engine.verify().unwrap();
            assert_eq!(report.problem, None);
            assert_eq!((report.events, report.incidents, report.maintenance_events), (5, 1, 1));
            report
        };
        let engine = Engine::with_store(place.open(), Policy::default()).unwrap();
        let again = engine.verify().unwrap();
        assert_eq!(again, report);
        assert_eq!(engine.maintenance_list().unwrap().windows.len(), 1, "the windows are loaded at open");
    }
}

const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events-1");
const FIXTURE: &str = "tests/fixtures/schema-1.redb";

fn sample(path: &Path) -> Engine {
    let e = Engine::open(path, &StoreOptions::default(), Policy::default()).unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap();
    let at = |m| t0 + Duration::minutes(m);
    let reg = Command::Register(NewIncident {
        title: "Checkout API returns 502".into(),
        description: Some("customers see errors at payment".into()),
        reported_by: Some("customer support".into()),
        channel: None,
        services: vec!["checkout".into()],
        impact: Impact::High,
        urgency: Urgency::Medium,
        severity: Severity::SEV2,
        category: Some("availability".into()),
        detected_at: None,
        impact_started_at: Some(t0 - Duration::minutes(5)),
        reported_at: None,
        drill: false,
    });
    let id = e.execute("alice", Source::Cli, &reg, at(0)).unwrap().incident;
    let steps = [
        Command::Acknowledge { id },
        Command::Contain { id, action: "rolled back".into() },
        Command::SetRootCause {
            id,
            root_cause: "pool size".into(),
            trigger: None,
            contributing_factors: vec![],
        },
        Command::Resolve { id, summary: "pool restored".into(), recovered_at: None },
        Command::RecordReview {
            id,
            review: Review { lessons: vec!["alert on pools".into()], ..Review::default() },
        },
        Command::Close { id },
    ];
    for (i, c) in steps.iter().enumerate() {
        e.execute("alice", Source::Cli, c, at(i64::try_from(i).unwrap() + 1)).unwrap();
    }
    e
}

fn copy_to_temp(src: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("piket.redb");
    std::fs::copy(src, &path).unwrap();
    (dir, path)
}

#[test]
fn one_changed_byte_is_found_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("piket.redb");
    drop(sample(&path));
    {
        // An attacker with write access to the file edits a note through redb itself, so the
        // file stays a valid database: only the chain can tell.
        let db = redb::Database::open(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(EVENTS).unwrap();
            let mut bytes = t.get(3).unwrap().unwrap().value().to_vec();
            let last = bytes.len() - 1;
            bytes[last] ^= 0x01;
            t.insert(3, bytes.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
    let report = e.verify().unwrap();
    let problem = report.problem.expect("tampering must be found");
    assert!(problem.contains("INC-1 #3"), "{problem}");
    assert!(problem.contains("altered"), "{problem}");
}

#[test]
fn a_removed_event_is_found_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("piket.redb");
    drop(sample(&path));
    {
        let db = redb::Database::open(&path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(EVENTS).unwrap().remove(4).unwrap();
        txn.commit().unwrap();
    }
    let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
    assert!(e.verify().unwrap().problem.is_some());
}

/// The file in tests/fixtures was written by the first released schema. Every later piket
/// must read it; if this test fails after a change, the change broke old databases.
#[test]
fn a_database_written_by_schema_1_still_opens_and_verifies() {
    let (_dir, path) = copy_to_temp(FIXTURE);
    let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
    let inc = e.incident(IncidentId(1)).unwrap().unwrap();
    assert_eq!(inc.title, "Checkout API returns 502");
    assert_eq!(inc.status, Status::Closed);
    assert_eq!(e.timeline(IncidentId(1)).unwrap().len(), 7);
    let report = e.verify().unwrap();
    assert_eq!(report.problem, None);
    assert_eq!(report.events, 7);
    // And it can still be written to.
    e.execute(
        "bob",
        Source::Cli,
        &Command::Note { id: IncidentId(1), text: "read by a later piket".into() },
        Utc::now(),
    )
    .unwrap();
}

#[test]
fn a_database_from_a_newer_piket_is_refused_in_words() {
    let (_dir, path) = copy_to_temp(FIXTURE);
    {
        let meta: TableDefinition<&str, &[u8]> = TableDefinition::new("meta-1");
        let db = redb::Database::open(&path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(meta).unwrap().insert("schema-version", 99u32.to_le_bytes().as_slice()).unwrap();
        txn.commit().unwrap();
    }
    let err = Engine::open(&path, &StoreOptions::default(), Policy::default()).err().unwrap().to_string();
    assert!(err.contains("schema version 99, newer than this piket understands (2): upgrade piket"), "{err}");
}

fn legacy_rows(path: &Path) {
    // What schema 1 kept outside the record, written as it wrote them (postcard of the
    // MaintenanceWindow and AlertRecord of then: a tuple encodes as a struct does).
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap().timestamp_micros();
    let hour = 3_600_000_000_i64;
    let windows: TableDefinition<(&str, i64), &[u8]> = TableDefinition::new("maintenance-1");
    let alerts: TableDefinition<(i64, &str), &[u8]> = TableDefinition::new("suppressed-1");
    let db = redb::Database::open(path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut t = txn.open_table(windows).unwrap();
        for (service, start, who) in [("db", t0, "ana"), ("web", t0 + 10 * hour, "ben")] {
            let w = (service.to_owned(), start, start + 2 * hour, "disk swap".to_owned(), who.to_owned());
            t.insert((service, start), postcard::to_allocvec(&w).unwrap().as_slice()).unwrap();
        }
        let mut t = txn.open_table(alerts).unwrap();
        let none: Option<i64> = None;
        let labels = vec![("service".to_owned(), "db".to_owned())];
        let a = (
            "alertmanager",
            "f00d",
            "f00d",
            "firing",
            "DiskFull",
            labels,
            Vec::<(String, String)>::new(),
            Some(t0),
            none,
            Vec::<(String, String)>::new(),
        );
        t.insert((t0 + hour, "alertmanager/f00d"), postcard::to_allocvec(&a).unwrap().as_slice()).unwrap();
    }
    txn.commit().unwrap();
}

/// Windows and suppressed alerts that schema 1 kept in tables of their own are carried into
/// the record by the migration: appended as events by piket, marked, old events untouched.
#[test]
fn the_migration_carries_old_maintenance_rows_into_the_record() {
    let (_dir, path) = copy_to_temp(FIXTURE);
    legacy_rows(&path);
    let head_before = {
        let db = redb::Database::open(&path).unwrap();
        let r = db.begin_read().unwrap();
        let t = r.open_table(EVENTS).unwrap();
        (1..=7).map(|g| t.get(g).unwrap().unwrap().value().to_vec()).collect::<Vec<_>>()
    };
    let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
    let report = e.verify().unwrap();
    assert_eq!(report.problem, None);
    assert_eq!((report.events, report.maintenance_events, report.suppressed_alerts), (7 + 5, 2, 1));
    let list = e.maintenance_list().unwrap();
    assert_eq!(list.suppressed_alerts, 1);
    let w: Vec<_> = list.windows.iter().map(|w| (w.id, w.service.as_str(), w.set_by.as_str())).collect();
    assert_eq!(w, vec![(1, "db", "ana"), (2, "web", "ben")]);
    let log = e.timeline(IncidentId::MAINTENANCE).unwrap();
    assert!(log.iter().all(|ev| ev.actor == "piket"), "{log:?}");
    let EventKind::Note { text } = &log[0].kind else { panic!("{log:?}") };
    assert!(text.contains("schema 2 migration") && text.contains("2 maintenance windows"), "{text}");
    let kept = e.suppressed_alerts().unwrap();
    let EventKind::AlertSuppressed { window, record, .. } = &kept[0].kind else { panic!("{kept:?}") };
    assert_eq!((*window, record.identity.as_str()), (1, "f00d"), "the one window that covered it");
    assert_eq!(kept[0].occurred_at, Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap());
    drop(e);
    // The old events are byte for byte what they were; the old tables are gone.
    let db = redb::Database::open(&path).unwrap();
    let r = db.begin_read().unwrap();
    let t = r.open_table(EVENTS).unwrap();
    let after: Vec<_> = (1..=7).map(|g| t.get(g).unwrap().unwrap().value().to_vec()).collect();
    assert_eq!(after, head_before);
    let gone: TableDefinition<(&str, i64), &[u8]> = TableDefinition::new("maintenance-1");
    assert!(r.open_table(gone).is_err());
}

/// A maintenance event edited in the file (one byte of who set the window) fails `verify`,
/// which names the event.
#[test]
fn a_tampered_maintenance_event_fails_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("piket.redb");
    let e = sample(&path);
    let now = Utc::now();
    let w = piket::domain::alert::MaintenanceWindow {
        id: 0,
        service: "db".into(),
        start: now,
        end: now + Duration::hours(2),
        reason: "disk swap".into(),
        set_by: String::new(),
    };
    e.set_maintenance("alice", Source::Cli, &w, now).unwrap();
    assert_eq!(e.verify().unwrap().maintenance_events, 1);
    drop(e);
    {
        let db = redb::Database::open(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(EVENTS).unwrap();
            let mut bytes = t.get(8).unwrap().unwrap().value().to_vec();
            let last = bytes.len() - 1;
            bytes[last] ^= 0x01;
            t.insert(8, bytes.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
    let problem = e.verify().unwrap().problem.expect("tampering must be found");
    assert!(problem.contains("maintenance #1") && problem.contains("altered"), "{problem}");
}

/// Regenerates the fixture: `cargo test --test store -- --ignored write_fixture`. Only ever
/// for a new schema version (as a new file); never overwrite an old fixture.
#[test]
#[ignore = "writes tests/fixtures; run by hand for a new schema version"]
fn write_fixture() {
    let path = Path::new(FIXTURE);
    assert!(!path.exists(), "{FIXTURE} exists: fixtures of released schemas are never rewritten");
    std::fs::create_dir_all("tests/fixtures").unwrap();
    let e = sample(path);
    drop(e);
    let db = redb::Database::open(path).unwrap();
    let r = db.begin_read().unwrap();
    assert_eq!(r.open_table(EVENTS).unwrap().iter().unwrap().count(), 7);
}
