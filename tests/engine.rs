//! The engine through its public API: the process, refusals, durability, the hash chain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};
use piket::domain::{
    Command, FieldChanges, Impact, IncidentId, NewIncident, Policy, Priority, Query, Review, Role, Severity,
    Source, Status, Urgency,
};
use piket::engine::{Engine, EngineError};
use piket::store::StoreOptions;

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap()
}

fn new_incident(title: &str) -> NewIncident {
    NewIncident {
        title: title.to_owned(),
        description: None,
        reported_by: Some("customer support".to_owned()),
        channel: None,
        services: vec!["checkout".to_owned()],
        impact: Impact::High,
        urgency: Urgency::Medium,
        severity: Severity::SEV2,
        category: Some("availability".to_owned()),
        detected_at: None,
        impact_started_at: None,
        reported_at: None,
        drill: false,
    }
}

fn refused(r: Result<piket::wire::Outcome, EngineError>) -> String {
    match r {
        Err(EngineError::Refused(r)) => r.message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn an_incident_goes_through_all_eight_steps() {
    let e = Engine::in_memory(Policy::default()).unwrap();
    let at = |m: i64| t0() + Duration::minutes(m);
    let run = |m, cmd: Command| e.execute("alice", Source::Cli, &cmd, at(m)).unwrap();

    let o = run(0, Command::Register(new_incident("Checkout API returns 502")));
    let id = o.incident;
    assert_eq!(id, IncidentId(1));
    assert_eq!(o.summary.priority, Priority::P2, "high impact x medium urgency");
    assert_eq!(o.summary.channel, "cli");

    let o = run(
        1,
        Command::Update { id, changes: FieldChanges { urgency: Some(Urgency::High), ..Default::default() } },
    );
    assert_eq!(o.summary.priority, Priority::P1);
    run(2, Command::Acknowledge { id });
    run(2, Command::AssignRole { id, role: Role::Commander, person: None });
    let o = run(10, Command::Contain { id, action: "rolled back deploy 4711".into() });
    assert_eq!(o.summary.status, Status::Contained);
    run(12, Command::Note { id, text: "error rate back to baseline".into() });
    run(15, Command::Finding { id, text: "connection pool exhausted".into() });
    run(
        20,
        Command::SetRootCause {
            id,
            root_cause: "pool size halved by config change".into(),
            trigger: Some("deploy 4711".into()),
            contributing_factors: vec!["no alert on pool saturation".into()],
        },
    );
    run(21, Command::StatusUpdate { id, audience: "stakeholders".into(), text: "mitigated".into() });
    run(22, Command::Escalate { id, to: "db team".into(), reason: "pool config owners".into() });
    let o = run(40, Command::Resolve { id, summary: "pool size restored".into(), recovered_at: None });
    assert_eq!(o.summary.status, Status::Resolved);
    assert_eq!(o.summary.resolved_at, Some(at(40)));

    // P1/SEV2: closing needs a review with a lesson.
    let msg = refused(e.execute("alice", Source::Cli, &Command::Close { id }, at(50)));
    assert!(msg.contains("a review with at least 1 lesson"), "{msg}");
    run(
        60,
        Command::RecordReview {
            id,
            review: Review { lessons: vec!["alert on pool saturation".into()], ..Review::default() },
        },
    );
    run(
        61,
        Command::AddActionItem {
            id,
            text: "add pool alert".into(),
            owner: "bob".into(),
            due: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        },
    );
    let o = run(62, Command::Close { id });
    assert_eq!(o.summary.status, Status::Closed);
    assert_eq!(o.summary.acknowledged_by.as_deref(), Some("alice"));
    assert_eq!(o.summary.roles.get(&Role::Commander).map(String::as_str), Some("alice"));

    let timeline = e.timeline(id).unwrap();
    assert_eq!(timeline.len() as u32, o.summary.last_seq);
    assert!(timeline.iter().all(|ev| ev.actor == "alice"));
    assert_eq!(e.verify().unwrap().problem, None);
}

#[test]
fn illegal_steps_are_refused_with_the_way_forward_and_nothing_is_written() {
    let e = Engine::in_memory(Policy::default()).unwrap();
    let id = e.execute("bob", Source::Cli, &Command::Register(new_incident("x")), t0()).unwrap().incident;
    e.execute(
        "bob",
        Source::Cli,
        &Command::Resolve { id, summary: "went away".into(), recovered_at: None },
        t0(),
    )
    .unwrap();
    let before = e.timeline(id).unwrap().len();
    let msg = refused(e.execute("bob", Source::Cli, &Command::Acknowledge { id }, t0()));
    assert_eq!(msg, "INC-1 is resolved: cannot acknowledge it; reopen it first");
    let msg = refused(e.execute("bob", Source::Cli, &Command::Reopen { id, reason: "  ".into() }, t0()));
    assert!(msg.contains("reason to reopen is empty"), "{msg}");
    assert_eq!(e.timeline(id).unwrap().len(), before, "a refusal writes nothing");

    let missing = e.execute("bob", Source::Cli, &Command::Acknowledge { id: IncidentId(99) }, t0());
    assert!(matches!(missing, Err(EngineError::NotFound(IncidentId(99)))));
}

#[test]
fn two_acknowledgements_at_once_give_one_ack_and_one_refusal() {
    let e = std::sync::Arc::new(Engine::in_memory(Policy::default()).unwrap());
    let id = e.execute("a", Source::Cli, &Command::Register(new_incident("x")), t0()).unwrap().incident;
    let handles: Vec<_> = ["alice", "bob"]
        .into_iter()
        .map(|who| {
            let e = e.clone();
            std::thread::spawn(move || {
                e.execute(who, Source::Tui, &Command::Acknowledge { id }, t0()).is_ok()
            })
        })
        .collect();
    let oks = handles.into_iter().map(|h| h.join().unwrap()).filter(|ok| *ok).count();
    assert_eq!(oks, 1);
}

#[test]
fn open_queue_lists_open_incidents_by_priority_then_age() {
    let e = Engine::in_memory(Policy::default()).unwrap();
    let reg = |m: i64, impact, urgency| {
        let mut n = new_incident(&format!("at {m}"));
        n.impact = impact;
        n.urgency = urgency;
        e.execute("a", Source::Cli, &Command::Register(n), t0() + Duration::minutes(m)).unwrap().incident
    };
    let p3_old = reg(0, Impact::Medium, Urgency::Medium);
    let p1 = reg(1, Impact::High, Urgency::High);
    let p3_new = reg(2, Impact::Low, Urgency::High);
    let done = reg(3, Impact::High, Urgency::High);
    e.execute(
        "a",
        Source::Cli,
        &Command::Resolve { id: done, summary: "ok".into(), recovered_at: None },
        t0(),
    )
    .unwrap();
    let ids: Vec<_> = e.list(&Query::default()).unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(ids, vec![p1, p3_old, p3_new]);
    let all = e.list(&Query { all: true, ..Query::default() }).unwrap();
    assert_eq!(all.len(), 4);
}

#[test]
fn the_record_survives_a_reopen_of_the_file_and_a_second_opener_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("piket.redb");
    let id = {
        let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
        let id =
            e.execute("a", Source::Cli, &Command::Register(new_incident("durable")), t0()).unwrap().incident;
        e.execute("a", Source::Cli, &Command::Acknowledge { id }, t0()).unwrap();
        let second = Engine::open(&path, &StoreOptions::default(), Policy::default());
        let msg = second.err().expect("second open must fail").to_string();
        assert!(msg.contains("another piket holds this database"), "{msg}");
        assert!(msg.contains("piket.redb"), "{msg}");
        id
    };
    let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
    let inc = e.incident(id).unwrap().unwrap();
    assert_eq!(inc.status, Status::Acknowledged);
    assert_eq!(e.timeline(id).unwrap().len(), 2);
    assert_eq!(e.verify().unwrap().problem, None);
    // Ids are never reused after a restart.
    let next = e.execute("a", Source::Cli, &Command::Register(new_incident("next")), t0()).unwrap().incident;
    assert_eq!(next, IncidentId(2));
}

#[test]
fn changes_are_broadcast_after_commit() {
    let e = Engine::in_memory(Policy::default()).unwrap();
    let mut rx = e.subscribe();
    let id = e.execute("a", Source::Cli, &Command::Register(new_incident("x")), t0()).unwrap().incident;
    e.execute("a", Source::Cli, &Command::Contain { id, action: "failover".into() }, t0()).unwrap();
    let c1 = rx.try_recv().unwrap();
    let c2 = rx.try_recv().unwrap();
    assert_eq!((c1.incident, c1.seq, c1.global_seq), (id, 1, 1));
    // Containing a triggered incident acknowledges it first: two events, one change.
    assert_eq!((c2.incident, c2.seq, c2.global_seq), (id, 3, 3));
    assert!(rx.try_recv().is_err());
}

#[test]
fn changes_since_replays_the_log_in_order_one_change_per_run_of_an_incident() {
    let e = Engine::in_memory(Policy::default()).unwrap();
    let a = e.execute("ana", Source::Cli, &Command::Register(new_incident("a")), t0()).unwrap().incident;
    let b = e.execute("ben", Source::Cli, &Command::Register(new_incident("b")), t0()).unwrap().incident;
    e.execute("ana", Source::Cli, &Command::Acknowledge { id: a }, t0()).unwrap();
    e.execute("ana", Source::Cli, &Command::Note { id: a, text: "x".into() }, t0()).unwrap();
    e.execute("ben", Source::Cli, &Command::Acknowledge { id: b }, t0()).unwrap();
    let last = e.last_global_seq().unwrap();
    assert_eq!(last, 5);

    let all = e.changes_since(0, 1000).unwrap();
    let shape: Vec<_> = all.iter().map(|c| (c.global_seq, c.incident, c.seq)).collect();
    // a's ack and note follow each other: one change for the pair, at the note.
    assert_eq!(shape, vec![(1, a, 1), (2, b, 1), (4, a, 3), (5, b, 2)]);
    assert_eq!(
        e.changes_since(3, 1000).unwrap().iter().map(|c| c.global_seq).collect::<Vec<_>>(),
        vec![4, 5]
    );
    assert!(e.changes_since(last, 1000).unwrap().is_empty());
    assert!(e.changes_since(u64::MAX, 10).unwrap().is_empty());
    // The limit counts events: a feed replays a long record in steps.
    assert_eq!(e.changes_since(0, 2).unwrap().last().unwrap().global_seq, 2);

    // Live changes come in commit order with the same numbering.
    let mut rx = e.subscribe();
    e.execute("ana", Source::Cli, &Command::Note { id: b, text: "y".into() }, t0()).unwrap();
    let live = rx.try_recv().unwrap();
    assert_eq!((live.global_seq, live.incident, live.seq), (6, b, 3));
}

#[test]
fn a_limited_open_queue_is_the_head_of_the_whole_one() {
    let e = Engine::in_memory(Policy::default()).unwrap();
    for m in 0..40i64 {
        let mut n = new_incident(&format!("incident {m}"));
        n.impact = [Impact::High, Impact::Medium, Impact::Low][usize::try_from(m % 3).unwrap()];
        n.services = vec![if m % 2 == 0 { "db" } else { "checkout" }.to_owned()];
        let id =
            e.execute("a", Source::Cli, &Command::Register(n), t0() + Duration::minutes(m)).unwrap().incident;
        if m % 5 == 0 {
            e.execute(
                "a",
                Source::Cli,
                &Command::Resolve { id, summary: "ok".into(), recovered_at: None },
                t0(),
            )
            .unwrap();
        }
    }
    for q in [Query::default(), Query { service: Some("db".into()), ..Query::default() }] {
        let whole = e.list(&q).unwrap();
        let head = e.list(&Query { limit: Some(7), ..q.clone() }).unwrap();
        assert_eq!(head, whole[..7].to_vec());
    }
}
