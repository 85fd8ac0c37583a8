//! Escalation with a clock of the test's own: the scheduler is given "now" and never sleeps.
//! Levels advance on time, acknowledging stops them, repeats are honoured, an empty level is
//! skipped and recorded, and a server restarted in the middle fires each due step once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use piket::config::Config;
use piket::domain::{
    Command, Event, EventKind, Impact, IncidentId, NewIncident, RotaCommand, Severity, Source, Status,
    Urgency,
};
use piket::engine::{Engine, EngineError};
use piket::server::scheduler::Scheduler;
use piket::store::StoreOptions;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap()
}

const ROTA: &str = r#"
timezone = "Europe/Amsterdam"

[people.alice]
user = "alice"
[people.bob]
user = "bob"
[people.carol]

[schedules.dba]
rotations = [{ members = ["alice"], shift = "weekly", handoff = "09:00", start = "2026-11-02" }]
[schedules.later]
rotations = [{ members = ["carol"], shift = "daily", start = "2027-06-01" }]

[escalation-policies.dba]
repeat = REPEAT
levels = [
  { targets = ["schedule:dba"], timeout = "15m" },
  { targets = ["person:bob"], timeout = "30m" },
]
[escalation-policies.skips]
levels = [
  { targets = ["schedule:later"], timeout = "15m" },
  { targets = ["person:bob"], timeout = "15m" },
]

[services.db]
escalation-policy = "dba"
[services.queue]
escalation-policy = "skips"
[services.web]
"#;

fn config(repeat: u32, extra: &str) -> Config {
    let text = format!("{}\n{extra}", ROTA.replace("REPEAT", &repeat.to_string()));
    Config::from_toml_str(&text, std::path::Path::new("test.toml")).unwrap()
}

fn engine(repeat: u32, extra: &str) -> Arc<Engine> {
    Arc::new(Engine::in_memory(config(repeat, extra).policy).unwrap())
}

fn register(e: &Engine, service: &str, at: DateTime<Utc>) -> IncidentId {
    let mut n = NewIncident::new("db primary down", Impact::High, Urgency::High, Severity::SEV2);
    n.services = vec![service.to_owned()];
    e.execute("responder", Source::Cli, &Command::Register(n), at).unwrap().incident
}

fn kinds(e: &Engine, id: IncidentId) -> Vec<EventKind> {
    e.timeline(id).unwrap().into_iter().map(|ev: Event| ev.kind).collect()
}

/// (level, round, people) of every page on the timeline.
fn pages(e: &Engine, id: IncidentId) -> Vec<(u32, u32, Vec<String>)> {
    kinds(e, id)
        .into_iter()
        .filter_map(|k| match k {
            EventKind::LevelPaged(p) => Some((p.level, p.round, p.people)),
            _ => None,
        })
        .collect()
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn levels_advance_on_time_then_the_policy_stops() {
    let e = engine(0, "");
    let id = register(&e, "db", t0());
    let s = Scheduler::load(Arc::clone(&e)).unwrap();
    s.pass(t0()).unwrap();
    assert_eq!(pages(&e, id), vec![(1, 1, names(&["alice"]))], "level 1 pages the schedule's on-call");
    s.pass(t0() + Duration::minutes(14)).unwrap();
    assert_eq!(pages(&e, id).len(), 1, "nothing before the level's timeout");
    s.pass(t0() + Duration::minutes(15)).unwrap();
    assert_eq!(pages(&e, id)[1], (2, 1, names(&["bob"])), "level 2 at exactly 15 minutes");
    s.pass(t0() + Duration::minutes(44)).unwrap();
    assert!(!kinds(&e, id).iter().any(|k| matches!(k, EventKind::EscalationExhausted { .. })));
    s.pass(t0() + Duration::minutes(45)).unwrap();
    assert!(kinds(&e, id).iter().any(|k| matches!(k, EventKind::EscalationExhausted { rounds: 1, .. })));
    s.pass(t0() + Duration::hours(5)).unwrap();
    assert_eq!(pages(&e, id).len(), 2, "an exhausted policy pages nobody more");
    let timer_events: Vec<Event> =
        e.timeline(id).unwrap().into_iter().filter(|ev| ev.source == Source::Timer).collect();
    assert!(timer_events.iter().all(|ev| ev.actor == "piket"));
    assert_eq!(e.verify().unwrap().problem, None);
}

#[test]
fn acknowledging_stops_the_escalation() {
    let e = engine(0, "");
    let id = register(&e, "db", t0());
    let s = Scheduler::load(Arc::clone(&e)).unwrap();
    s.pass(t0()).unwrap();
    e.execute("alice", Source::Tui, &Command::Acknowledge { id }, t0() + Duration::minutes(3)).unwrap();
    s.pass(t0() + Duration::minutes(15)).unwrap();
    s.pass(t0() + Duration::hours(3)).unwrap();
    assert_eq!(pages(&e, id).len(), 1, "nobody is paged after the acknowledgement");
    assert_eq!(s.next_due(), None);
}

#[test]
fn the_repeat_count_is_honoured() {
    let e = engine(1, "");
    let id = register(&e, "db", t0());
    let s = Scheduler::load(Arc::clone(&e)).unwrap();
    for m in [0, 15, 45, 60, 90, 200] {
        s.pass(t0() + Duration::minutes(m)).unwrap();
    }
    let got: Vec<(u32, u32)> = pages(&e, id).into_iter().map(|(l, r, _)| (l, r)).collect();
    assert_eq!(got, vec![(1, 1), (2, 1), (1, 2), (2, 2)], "repeat = 1 runs the policy twice");
    assert!(kinds(&e, id).iter().any(|k| matches!(k, EventKind::EscalationExhausted { rounds: 2, .. })));
}

#[test]
fn a_level_with_nobody_on_call_is_skipped_and_recorded() {
    let e = engine(0, "");
    let id = register(&e, "queue", t0());
    let s = Scheduler::load(Arc::clone(&e)).unwrap();
    s.pass(t0()).unwrap();
    let k = kinds(&e, id);
    let skipped = k.iter().find_map(|k| match k {
        EventKind::LevelSkipped { level, unstaffed, .. } => Some((*level, unstaffed.clone())),
        _ => None,
    });
    assert_eq!(skipped, Some((1, names(&["later"]))));
    assert_eq!(pages(&e, id), vec![(2, 1, names(&["bob"]))], "level 2 is paged in the same pass");
}

#[test]
fn a_service_without_a_policy_and_a_drill_page_nobody() {
    let e = engine(0, "");
    let web = register(&e, "web", t0());
    let mut drill = NewIncident::new("game day", Impact::High, Urgency::High, Severity::SEV2);
    drill.services = vec!["db".to_owned()];
    drill.drill = true;
    let drill = e.execute("responder", Source::Cli, &Command::Register(drill), t0()).unwrap().incident;
    let s = Scheduler::load(Arc::clone(&e)).unwrap();
    s.pass(t0() + Duration::hours(1)).unwrap();
    assert!(pages(&e, web).is_empty());
    assert!(pages(&e, drill).is_empty());
}

#[test]
fn a_default_policy_covers_incidents_without_a_service() {
    let e = engine(0, "[escalation]\ndefault-policy = \"dba\"\n");
    let id = register(&e, "web", t0());
    Scheduler::load(Arc::clone(&e)).unwrap().pass(t0()).unwrap();
    assert_eq!(pages(&e, id), vec![(1, 1, names(&["alice"]))]);
}

#[test]
fn a_restarted_server_fires_each_due_step_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("piket.redb");
    let policy = config(0, "").policy;
    let id = {
        let e = Arc::new(Engine::open(&path, &StoreOptions::default(), policy.clone()).unwrap());
        let id = register(&e, "db", t0());
        Scheduler::load(Arc::clone(&e)).unwrap().pass(t0()).unwrap();
        assert_eq!(pages(&e, id).len(), 1);
        id
        // The server stops here (dropped) with level 2 due at 15 minutes.
    };
    // It comes back 40 minutes later: level 2 was due 25 minutes ago and is paged now, once.
    let e = Arc::new(Engine::open(&path, &StoreOptions::default(), policy.clone()).unwrap());
    let s = Scheduler::load(Arc::clone(&e)).unwrap();
    assert_eq!(s.tracked(), 1, "the restarted scheduler finds the running escalation");
    let later = t0() + Duration::minutes(40);
    s.pass(later).unwrap();
    s.pass(later).unwrap();
    // A second scheduler racing the first on the same record adds nothing either.
    Scheduler::load(Arc::clone(&e)).unwrap().pass(later).unwrap();
    assert_eq!(pages(&e, id), vec![(1, 1, names(&["alice"])), (2, 1, names(&["bob"]))]);
    // Level 2 started when it was paged (40 min), so its 30 minutes run from then.
    s.pass(t0() + Duration::minutes(69)).unwrap();
    assert!(!kinds(&e, id).iter().any(|k| matches!(k, EventKind::EscalationExhausted { .. })));
    s.pass(t0() + Duration::minutes(70)).unwrap();
    assert!(kinds(&e, id).iter().any(|k| matches!(k, EventKind::EscalationExhausted { .. })));
    drop(s);
    drop(e);
    let e = Engine::open(&path, &StoreOptions::default(), policy).unwrap();
    assert_eq!(e.verify().unwrap().problem, None);
}

#[test]
fn an_acknowledgement_nobody_works_on_expires_and_paging_restarts() {
    let e = engine(0, "[escalation]\nacknowledge-timeout = \"30m\"\n");
    let id = register(&e, "db", t0());
    let s = Scheduler::load(Arc::clone(&e)).unwrap();
    s.pass(t0()).unwrap();
    e.execute("alice", Source::Tui, &Command::Acknowledge { id }, t0() + Duration::minutes(2)).unwrap();
    // Work at 20 minutes moves the clock: not expired at 32 minutes.
    let note = Command::Note { id, text: "looking at replication lag".to_owned() };
    e.execute("alice", Source::Cli, &note, t0() + Duration::minutes(20)).unwrap();
    s.pass(t0() + Duration::minutes(32)).unwrap();
    assert_eq!(e.incident(id).unwrap().unwrap().status, Status::Acknowledged);
    s.pass(t0() + Duration::minutes(50)).unwrap();
    let inc = e.incident(id).unwrap().unwrap();
    assert_eq!(inc.status, Status::Triggered, "re-triggered");
    assert!(
        kinds(&e, id).iter().any(|k| matches!(k, EventKind::AcknowledgementExpired { idle_minutes: 30 }))
    );
    assert_eq!(pages(&e, id), vec![(1, 1, names(&["alice"])), (1, 1, names(&["alice"]))], "level 1 again");
    // The first acknowledgement still counts for MTTA.
    assert_eq!(inc.acknowledged_at, Some(t0() + Duration::minutes(2)));
    // And acknowledging again works.
    e.execute("alice", Source::Tui, &Command::Acknowledge { id }, t0() + Duration::minutes(51)).unwrap();
}

#[test]
fn responders_page_the_next_or_a_chosen_level_by_hand() {
    let e = engine(0, "");
    let id = register(&e, "db", t0());
    let s = Scheduler::load(Arc::clone(&e)).unwrap();
    s.pass(t0()).unwrap();
    let page = |level: Option<u32>, at: DateTime<Utc>| {
        e.execute("alice", Source::Cli, &Command::Page { id, level, reason: "need a DBA".to_owned() }, at)
    };
    page(None, t0() + Duration::minutes(2)).unwrap();
    assert_eq!(pages(&e, id)[1], (2, 1, names(&["bob"])), "the next level");
    match page(None, t0() + Duration::minutes(3)) {
        Err(EngineError::Refused(r)) => assert!(r.message.contains("last level"), "{}", r.message),
        other => panic!("{other:?}"),
    }
    match page(Some(3), t0() + Duration::minutes(3)) {
        Err(EngineError::Refused(r)) => assert!(r.message.contains("levels 1 to 2"), "{}", r.message),
        other => panic!("{other:?}"),
    }
    page(Some(1), t0() + Duration::minutes(4)).unwrap();
    let last = e.timeline(id).unwrap().into_iter().last().unwrap();
    assert_eq!((last.actor.as_str(), last.source), ("alice", Source::Cli));
    assert!(matches!(&last.kind, EventKind::LevelPaged(p) if p.reason == "by hand: need a DBA"));
    // The timer runs on from the level paged by hand: level 2 at 4 + 15 minutes.
    s.pass(t0() + Duration::minutes(18)).unwrap();
    assert_eq!(pages(&e, id).len(), 3);
    s.pass(t0() + Duration::minutes(19)).unwrap();
    assert_eq!(pages(&e, id).len(), 4);

    let web = register(&e, "web", t0());
    match e.execute("alice", Source::Cli, &Command::Page { id: web, level: None, reason: "x".into() }, t0()) {
        Err(EngineError::Refused(r)) => assert!(r.message.contains("no escalation policy"), "{}", r.message),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_override_decides_who_a_schedule_pages_and_is_audited() {
    let e = engine(0, "");
    let add = RotaCommand::AddOverride {
        schedule: "dba".to_owned(),
        person: "bob".to_owned(),
        covers: Some("alice".to_owned()),
        start: t0() - Duration::hours(1),
        end: t0() + Duration::hours(6),
        reason: Some("alice is on a plane".to_owned()),
    };
    let recorded = e.change_rota("carol", Source::Cli, &add, t0() - Duration::hours(2)).unwrap();
    assert!(matches!(&recorded[0].kind, EventKind::OverrideAdded(o) if o.id == 1));
    assert_eq!(recorded[0].incident, IncidentId::ROTA);
    let id = register(&e, "db", t0());
    Scheduler::load(Arc::clone(&e)).unwrap().pass(t0()).unwrap();
    assert_eq!(pages(&e, id)[0].2, names(&["bob"]));

    let bad = RotaCommand::AddOverride {
        schedule: "dbx".to_owned(),
        person: "bob".to_owned(),
        covers: None,
        start: t0(),
        end: t0() + Duration::hours(1),
        reason: None,
    };
    match e.change_rota("carol", Source::Cli, &bad, t0()) {
        Err(EngineError::Refused(r)) => assert!(r.message.contains("no schedule 'dbx'"), "{}", r.message),
        other => panic!("{other:?}"),
    }
    e.change_rota("carol", Source::Cli, &RotaCommand::RemoveOverride { id: 1, reason: None }, t0()).unwrap();
    assert!(e.overrides().is_empty());
    match e.change_rota("carol", Source::Cli, &RotaCommand::RemoveOverride { id: 1, reason: None }, t0()) {
        Err(EngineError::Refused(r)) => assert!(r.message.contains("no override #1"), "{}", r.message),
        other => panic!("{other:?}"),
    }
    let rota_log = e.timeline(IncidentId::ROTA).unwrap();
    assert_eq!(rota_log.len(), 2);
    assert_eq!(rota_log[1].actor, "carol");
    assert_eq!(e.verify().unwrap().problem, None, "the rota timeline verifies with the rest");
}

fn signal(action: piket::domain::AlertAction, n: u32) -> piket::domain::AlertSignal {
    use piket::domain::{AlertAction, AlertRecord, AlertSignal, ResolvePolicy};
    let status = if action == AlertAction::Resolve { "resolved" } else { "firing" };
    AlertSignal {
        source: "alertmanager".to_owned(),
        key: "f1".to_owned(),
        identity: "f1".to_owned(),
        action,
        state: Some(format!("{status} {n}")),
        resolves_incident: ResolvePolicy::WhenAllResolved,
        title: "replica flapping".to_owned(),
        service: Some("db".to_owned()),
        impact: Impact::High,
        urgency: Urgency::High,
        severity: Severity::SEV2,
        record: AlertRecord {
            source: "alertmanager".to_owned(),
            key: "f1".to_owned(),
            identity: "f1".to_owned(),
            status: status.to_owned(),
            summary: "replica flapping".to_owned(),
            labels: vec![],
            annotations: vec![],
            starts_at: None,
            ends_at: None,
            details: vec![],
        },
    }
}

#[test]
fn paging_held_back_while_an_alert_flaps_starts_once_it_is_stable() {
    use piket::domain::AlertAction::{Resolve, Trigger};
    use piket::domain::alert::FlapRule;
    use piket::engine::IngestItem;
    let e = engine(0, "");
    let rule = FlapRule { max_changes: 1, window: Duration::minutes(10) };
    let at = |m: i64, action, n| {
        let item =
            IngestItem { signals: vec![signal(action, n)], now: t0() + Duration::minutes(m), actor: None };
        e.ingest(&[item], rule).unwrap();
    };
    let started =
        |id: IncidentId| kinds(&e, id).iter().any(|k| matches!(k, EventKind::EscalationStarted { .. }));
    at(0, Trigger, 0);
    assert!(started(IncidentId(1)));
    at(1, Resolve, 1); // change 1: the incident resolves with its alert
    at(2, Trigger, 2); // change 2 within 10 min: flapping; a new incident, paging held
    assert!(!started(IncidentId(2)), "a flapping alert's new incident pages nobody");
    at(3, Resolve, 3); // still flapping: the incident stays open
    assert!(e.incident(IncidentId(2)).unwrap().unwrap().status.is_open());
    let s = Scheduler::load(Arc::clone(&e)).unwrap();
    s.pass(t0() + Duration::minutes(15)).unwrap();
    assert!(pages(&e, IncidentId(2)).is_empty());
    at(20, Trigger, 4); // one change in the last 10 min: stable again, paging starts
    assert!(
        kinds(&e, IncidentId(2))
            .iter()
            .any(|k| matches!(k, EventKind::AlertFlapping { flapping: false, .. }))
    );
    assert!(started(IncidentId(2)));
    s.pass(t0() + Duration::minutes(20)).unwrap();
    assert_eq!(pages(&e, IncidentId(2)), vec![(1, 1, names(&["alice"]))]);
}
