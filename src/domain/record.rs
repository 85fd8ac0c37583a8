//! The one way event kinds become events and a summary.
//!
//! [`super::decide`] says *what* happens as [`EventKind`]s; this stamps them (timeline,
//! sequence numbers, who, from where, when) and folds them with [`Incident::apply`]. The
//! engine, the TUI's check of a form on a copy of the incident and the tests all call it, so
//! an event is numbered and folded the same way wherever a timeline is built.

use chrono::{DateTime, Utc};

use super::event::{Event, EventKind, Source};
use super::ids::IncidentId;
use super::incident::{ApplyError, Incident};

/// Who records, through which channel, and when: the same for every event of one record.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    pub actor: &'a str,
    pub source: Source,
    pub now: DateTime<Utc>,
}

/// What one record produced: the events to append and the summary after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub events: Vec<Event>,
    pub summary: Incident,
}

impl Stamp<'_> {
    /// The kinds as events of timeline `id`, numbered from `first_seq`, occurring when they
    /// are recorded. Timelines that are not an incident's (the rota's, maintenance) have no
    /// summary to fold, so they take their events from here directly.
    #[must_use]
    pub fn events(&self, id: IncidentId, first_seq: u32, kinds: Vec<EventKind>) -> Vec<Event> {
        kinds
            .into_iter()
            .zip(first_seq..)
            .map(|(kind, seq)| Event {
                incident: id,
                seq,
                occurred_at: self.now,
                recorded_at: self.now,
                actor: self.actor.to_owned(),
                source: self.source,
                kind,
            })
            .collect()
    }
}

/// Stamp `kinds` as the next events of `current` (or of a new incident, whose id `new_id`
/// gives, when `current` is `None`) and fold them into its summary.
///
/// `new_id` is called only when `current` is `None` and there is something to record, so an
/// id is never spent on a refusal.
///
/// # Errors
/// Nothing to register ([`ApplyError::Empty`]), a new incident whose first kind is not a
/// registration, or kinds [`Incident::apply`] refuses (a second registration, a rota or
/// maintenance event).
pub fn record(
    current: Option<&Incident>,
    kinds: Vec<EventKind>,
    stamp: &Stamp<'_>,
    new_id: impl FnOnce() -> IncidentId,
) -> Result<Recorded, ApplyError> {
    match current {
        Some(inc) => {
            let events = stamp.events(inc.id, inc.last_seq + 1, kinds);
            let mut summary = inc.clone();
            for ev in &events {
                summary.apply(ev)?;
            }
            Ok(Recorded { events, summary })
        }
        None => {
            if kinds.is_empty() {
                return Err(ApplyError::Empty);
            }
            let events = stamp.events(new_id(), 1, kinds);
            let summary = Incident::replay(&events)?.ok_or(ApplyError::Empty)?;
            Ok(Recorded { events, summary })
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{Impact, Priority, Registration, Severity, Status, Urgency};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
    }

    const STAMP: fn() -> Stamp<'static> = || Stamp { actor: "alice", source: Source::Cli, now: now() };

    fn registered() -> Recorded {
        let kind = EventKind::Registered(Registration {
            title: "Checkout API returns 502".into(),
            description: None,
            reported_by: None,
            channel: "cli".into(),
            services: vec![],
            impact: Impact::High,
            urgency: Urgency::High,
            priority: Priority::P1,
            severity: Severity::SEV2,
            category: None,
            detected_at: now(),
            impact_started_at: None,
            reported_at: None,
            drill: false,
        });
        record(None, vec![kind], &STAMP(), || IncidentId(7)).unwrap()
    }

    #[test]
    fn a_registration_takes_the_new_id_and_starts_at_one() {
        let r = registered();
        assert_eq!(r.summary.id, IncidentId(7));
        assert_eq!(r.events.len(), 1);
        let ev = &r.events[0];
        assert_eq!(
            (ev.incident, ev.seq, ev.actor.as_str(), ev.source),
            (IncidentId(7), 1, "alice", Source::Cli)
        );
        assert_eq!((ev.occurred_at, ev.recorded_at), (now(), now()));
        assert_eq!(r.summary.last_seq, 1);
        assert_eq!(r.summary.registered_by, "alice");
    }

    #[test]
    fn later_events_follow_the_summary_and_are_folded() {
        let first = registered();
        let stamp = Stamp { actor: "bob", source: Source::Tui, now: now() + chrono::Duration::minutes(3) };
        let r = record(Some(&first.summary), vec![EventKind::Acknowledged], &stamp, || {
            panic!("an existing incident needs no new id")
        })
        .unwrap();
        assert_eq!(r.events[0].seq, 2);
        assert_eq!(r.events[0].incident, IncidentId(7));
        assert_eq!(r.summary.status, Status::Acknowledged);
        assert_eq!(r.summary.acknowledged_by.as_deref(), Some("bob"));
        assert_eq!(r.summary.updated_at, stamp.now);
    }

    #[test]
    fn nothing_to_register_spends_no_id() {
        let err = record(None, vec![], &STAMP(), || panic!("no id for nothing")).unwrap_err();
        assert_eq!(err, ApplyError::Empty);
    }

    #[test]
    fn a_new_incident_must_start_with_its_registration() {
        let err = record(None, vec![EventKind::Acknowledged], &STAMP(), || IncidentId(3)).unwrap_err();
        assert_eq!(err, ApplyError::NotRegistration(IncidentId(3)));
    }

    #[test]
    fn kinds_of_another_timeline_are_refused() {
        let first = registered();
        let kind = EventKind::OverrideRemoved { id: 1, reason: None };
        let err = record(Some(&first.summary), vec![kind], &STAMP(), || IncidentId(0)).unwrap_err();
        assert!(matches!(err, ApplyError::WrongIncident { .. }), "{err:?}");
    }
}
