//! Random command sequences against the real engine; after each one the invariants of the
//! record must hold: the stored summary is what the timeline folds to, the status is the one
//! the timeline implies, the chain verifies, and a closed incident met the closing rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use piket::domain::{
    Command, EventKind, FieldChanges, Impact, Incident, IncidentId, NewIncident, Policy, Priority, Query,
    Review, Role, Severity, Source, Status, Urgency, missing_for_close,
};
use piket::engine::{Engine, EngineError};
use proptest::prelude::*;

fn level() -> impl Strategy<Value = Impact> {
    prop_oneof![Just(Impact::High), Just(Impact::Medium), Just(Impact::Low)]
}
fn urgency() -> impl Strategy<Value = Urgency> {
    prop_oneof![Just(Urgency::High), Just(Urgency::Medium), Just(Urgency::Low)]
}
fn severity() -> impl Strategy<Value = Severity> {
    (1u8..=4).prop_map(|n| Severity::new(n).unwrap())
}
fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), Just("  ".to_owned()), "[a-z ]{1,12}", Just("esc \u{1b}[2J".to_owned())]
}

fn command() -> impl Strategy<Value = Command> {
    let id = (1u64..=4).prop_map(IncidentId);
    prop_oneof![
        (text(), level(), urgency(), severity()).prop_map(|(title, impact, urgency, severity)| {
            Command::Register(NewIncident {
                services: vec!["db".into()],
                ..NewIncident::new(title, impact, urgency, severity)
            })
        }),
        (
            id.clone(),
            proptest::option::of(level()),
            proptest::option::of(urgency()),
            proptest::option::of(severity())
        )
            .prop_map(|(id, impact, urgency, severity)| Command::Update {
                id,
                changes: FieldChanges { impact, urgency, severity, ..FieldChanges::default() }
            }),
        (id.clone(), 1u8..=5, text()).prop_map(|(id, p, reason)| Command::OverridePriority {
            id,
            priority: Priority::new(p).unwrap(),
            reason
        }),
        id.clone().prop_map(|id| Command::ClearPriorityOverride { id }),
        id.clone().prop_map(|id| Command::Acknowledge { id }),
        (id.clone(), prop_oneof![Just(Role::Commander), Just(Role::Scribe)], proptest::option::of("[a-c]"))
            .prop_map(|(id, role, person)| Command::AssignRole { id, role, person }),
        (id.clone(), text()).prop_map(|(id, action)| Command::Contain { id, action }),
        (id.clone(), text()).prop_map(|(id, text)| Command::Note { id, text }),
        (id.clone(), text()).prop_map(|(id, root_cause)| Command::SetRootCause {
            id,
            root_cause,
            trigger: None,
            contributing_factors: vec![]
        }),
        (id.clone(), text()).prop_map(|(id, summary)| Command::Resolve { id, summary, recovered_at: None }),
        (id.clone(), text()).prop_map(|(id, reason)| Command::Reopen { id, reason }),
        (id.clone(), proptest::collection::vec(text(), 0..2)).prop_map(|(id, lessons)| {
            Command::RecordReview {
                id,
                review: Review { lessons, went_well: vec!["x".into()], ..Review::default() },
            }
        }),
        (id.clone(), text()).prop_map(|(id, text)| Command::AddActionItem {
            id,
            text,
            owner: "bob".into(),
            due: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        }),
        (id.clone(), 1u32..3).prop_map(|(id, item)| Command::CompleteActionItem { id, item }),
        id.clone().prop_map(|id| Command::Close { id }),
        (id, 0u32..6, text()).prop_map(|(id, seq, text)| Command::Correct { id, seq, text }),
    ]
}

/// The status a timeline implies, computed independently of `Incident::apply`.
fn implied_status(kinds: &[EventKind]) -> Status {
    let mut status = Status::Triggered;
    let mut acked = false;
    let mut contained = false;
    for k in kinds {
        match k {
            EventKind::Acknowledged => {
                acked = true;
                status = Status::Acknowledged;
            }
            EventKind::Contained { .. } => {
                contained = true;
                if status < Status::Contained {
                    status = Status::Contained;
                }
            }
            EventKind::Resolved { .. } => status = Status::Resolved,
            EventKind::Reopened { .. } => {
                status = if contained {
                    Status::Contained
                } else if acked {
                    Status::Acknowledged
                } else {
                    Status::Triggered
                };
            }
            EventKind::Closed => status = Status::Closed,
            _ => {}
        }
    }
    status
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn the_record_keeps_its_invariants(cmds in proptest::collection::vec(command(), 1..60)) {
        let policy = Policy::default();
        let e = Engine::in_memory(policy.clone()).unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        for (i, cmd) in cmds.iter().enumerate() {
            let before = cmd.incident().map(|id| e.incident(id).unwrap());
            let result = e.execute("prop", Source::Cli, cmd, t0 + Duration::minutes(i64::try_from(i).unwrap()));
            match result {
                Ok(o) => {
                    // A closed incident met the closing rule at the moment it closed.
                    if o.summary.status == Status::Closed && before.as_ref().and_then(|b| b.as_ref()).map(|b| b.status) != Some(Status::Closed) {
                        prop_assert!(missing_for_close(&o.summary, &policy.closing).is_empty());
                    }
                }
                Err(EngineError::Refused(r)) => {
                    prop_assert!(!r.message.is_empty());
                    // Nothing was written.
                    if let Some(id) = cmd.incident() {
                        prop_assert_eq!(e.incident(id).unwrap(), before.flatten());
                    }
                }
                Err(EngineError::NotFound(_)) => {}
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
        }
        for inc in e.list(&Query { all: true, ..Query::default() }).unwrap() {
            let tl = e.timeline(inc.id).unwrap();
            let fresh = Incident::replay(&tl).unwrap().unwrap();
            prop_assert_eq!(&fresh, &inc);
            let kinds: Vec<EventKind> = tl.into_iter().map(|ev| ev.kind).collect();
            prop_assert_eq!(implied_status(&kinds), inc.status);
            prop_assert!(!inc.title.trim().is_empty());
        }
        let report = e.verify().unwrap();
        prop_assert_eq!(report.problem, None);
    }
}
