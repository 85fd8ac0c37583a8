//! Escalation: where an incident stands in its policy, and what is due next.
//!
//! [`Progress`] is folded from the incident's timeline only, never from a timer's memory: a
//! server that restarts folds the same timeline and computes the same next step, and because
//! the engine decides and appends a step in one transaction, a step that was recorded is
//! never fired again. [`due`] and [`fire`] are pure; the server's scheduler only asks when.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::event::{Event, EventKind, LevelPage, Source};
use super::incident::Incident;
use super::lifecycle::Status;
use super::refusal::{Refusal, Step as NextStep};
use super::rota::{EscalationPolicy, Rota};
use super::schedule::Override;
use super::time::{ts, ts_opt};

/// One level paged or skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRecord {
    #[serde(with = "ts")]
    pub at: DateTime<Utc>,
    pub level: u32,
    pub round: u32,
    pub people: Vec<String>,
    pub unstaffed: Vec<String>,
    /// True: the level reached nobody and was passed over.
    pub skipped: bool,
    pub reason: String,
    pub by: String,
}

/// A notifier's result for one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    #[serde(with = "ts")]
    pub at: DateTime<Utc>,
    pub level: u32,
    pub person: String,
    pub notifier: String,
    pub attempts: u32,
    /// `None`: delivered.
    pub error: Option<String>,
}

impl Delivery {
    /// A notifier's answer as recorded (`PageDelivered` / `PageFailed`); `None` for any other
    /// event.
    fn of(kind: &EventKind, at: DateTime<Utc>) -> Option<Self> {
        let (level, person, notifier, attempts, error) = match kind {
            EventKind::PageDelivered { level, person, notifier, attempts } => {
                (level, person, notifier, attempts, None)
            }
            EventKind::PageFailed { level, person, notifier, attempts, error } => {
                (level, person, notifier, attempts, Some(error.clone()))
            }
            _ => return None,
        };
        Some(Self {
            at,
            level: *level,
            person: person.clone(),
            notifier: notifier.clone(),
            attempts: *attempts,
            error,
        })
    }
}

/// An incident's escalation as its timeline tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// `None`: no policy was started for this incident.
    pub policy: Option<String>,
    #[serde(with = "ts_opt")]
    pub started_at: Option<DateTime<Utc>>,
    pub pages: Vec<PageRecord>,
    pub deliveries: Vec<Delivery>,
    /// Index into `pages` where the current run begins (an expired acknowledgement restarts).
    pub run_start: usize,
    #[serde(with = "ts_opt")]
    pub run_started_at: Option<DateTime<Utc>>,
    pub exhausted: bool,
    /// The acknowledgement in force (cleared when it expires).
    #[serde(with = "ts_opt")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub contained: bool,
    /// The last thing a person (not a timer, not an alert) recorded.
    #[serde(with = "ts")]
    pub last_worked_at: DateTime<Utc>,
    pub open: bool,
}

impl Progress {
    /// Fold a whole timeline.
    #[must_use]
    pub(crate) fn from_timeline<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<Self> {
        let mut it = events.into_iter();
        let first = it.next()?;
        let mut p = Self::new(first.recorded_at);
        for ev in it {
            p.apply(ev);
        }
        Some(p)
    }

    #[must_use]
    pub const fn new(opened_at: DateTime<Utc>) -> Self {
        Self {
            policy: None,
            started_at: None,
            pages: Vec::new(),
            deliveries: Vec::new(),
            run_start: 0,
            run_started_at: None,
            exhausted: false,
            acknowledged_at: None,
            acknowledged_by: None,
            contained: false,
            last_worked_at: opened_at,
            open: true,
        }
    }

    pub fn apply(&mut self, ev: &Event) {
        self.apply_kind(&ev.kind, ev.occurred_at, &ev.actor, ev.source);
    }

    /// Fold one event's payload; what the engine uses for steps it has decided but not yet
    /// stored, so several steps can be decided in one pass.
    pub(crate) fn apply_kind(&mut self, kind: &EventKind, at: DateTime<Utc>, actor: &str, source: Source) {
        if !matches!(source, Source::Timer | Source::Alert) {
            self.last_worked_at = self.last_worked_at.max(at);
        }
        match kind {
            EventKind::EscalationStarted { policy } => {
                self.policy = Some(policy.clone());
                self.started_at = Some(at);
                self.run_started_at = Some(at);
            }
            EventKind::LevelPaged(p) => {
                self.exhausted = false;
                self.pages.push(PageRecord {
                    at,
                    level: p.level,
                    round: p.round,
                    people: p.people.clone(),
                    unstaffed: p.unstaffed.clone(),
                    skipped: false,
                    reason: p.reason.clone(),
                    by: actor.to_owned(),
                });
            }
            EventKind::LevelSkipped { level, round, unstaffed, .. } => self.pages.push(PageRecord {
                at,
                level: *level,
                round: *round,
                people: Vec::new(),
                unstaffed: unstaffed.clone(),
                skipped: true,
                reason: "nobody on call".to_owned(),
                by: actor.to_owned(),
            }),
            EventKind::PageDelivered { .. } | EventKind::PageFailed { .. } => {
                self.deliveries.extend(Delivery::of(kind, at));
            }
            EventKind::EscalationExhausted { .. } => self.exhausted = true,
            EventKind::Acknowledged if self.acknowledged_at.is_none() => {
                self.acknowledged_at = Some(at);
                self.acknowledged_by = Some(actor.to_owned());
            }
            EventKind::AcknowledgementExpired { .. } => {
                self.acknowledged_at = None;
                self.acknowledged_by = None;
                self.exhausted = false;
                self.run_start = self.pages.len();
                self.run_started_at = Some(at);
            }
            EventKind::Contained { .. } => self.contained = true,
            EventKind::Resolved { .. } | EventKind::Closed => self.open = false,
            EventKind::Reopened { .. } => self.open = true,
            _ => {}
        }
    }

    /// The level paged last in the current run.
    #[must_use]
    pub fn current(&self) -> Option<&PageRecord> {
        self.pages.get(self.run_start..).and_then(<[PageRecord]>::last)
    }

    /// Whether any level was paged in the current run and nobody has acknowledged.
    #[must_use]
    pub(crate) const fn is_running(&self) -> bool {
        self.policy.is_some() && self.open && self.acknowledged_at.is_none() && !self.exhausted
    }
}

/// What the policy does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Page { level: u32, round: u32, reason: String },
    Exhausted { rounds: u32 },
    ExpireAcknowledgement { idle: Duration },
}

/// The next step and when it is due, or `None` when nothing will happen without a person
/// (acknowledged and no acknowledge timeout, exhausted, resolved, no policy).
#[must_use]
pub(crate) fn due(
    p: &Progress,
    policy: &EscalationPolicy,
    ack_timeout: Option<Duration>,
) -> Option<(DateTime<Utc>, Step)> {
    if !p.open || p.policy.as_deref() != Some(policy.name.as_str()) {
        return None;
    }
    if let Some(acked) = p.acknowledged_at {
        let idle = ack_timeout.filter(|_| !p.contained)?;
        let at = acked.max(p.last_worked_at) + idle;
        return Some((at, Step::ExpireAcknowledgement { idle }));
    }
    if p.exhausted {
        return None;
    }
    let Some(cur) = p.current() else {
        let at = p.run_started_at.or(p.started_at)?;
        let reason = if p.run_start > 0 { "paging restarts" } else { "incident opened" };
        return Some((at, Step::Page { level: 1, round: 1, reason: reason.to_owned() }));
    };
    let timeout = policy.level(cur.level).map_or(Duration::zero(), |l| l.timeout);
    let (at, why) = if cur.skipped {
        (cur.at, format!("level {} reached nobody", cur.level))
    } else {
        (cur.at + timeout, format!("no acknowledgement within {} of level {}", minutes(timeout), cur.level))
    };
    let step = if cur.level < policy.level_count() {
        Step::Page { level: cur.level + 1, round: cur.round, reason: why }
    } else if cur.round <= policy.repeat {
        Step::Page { level: 1, round: cur.round + 1, reason: format!("{why}; repeating the policy") }
    } else {
        Step::Exhausted { rounds: cur.round }
    };
    Some((at, step))
}

fn minutes(d: Duration) -> String {
    let m = d.num_minutes();
    if d.num_seconds() % 60 != 0 || m == 0 {
        format!("{}s", d.num_seconds())
    } else if m % 60 == 0 {
        format!("{}h", m / 60)
    } else {
        format!("{m}m")
    }
}

/// The rota an escalation consults at one instant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    pub rota: &'a Rota,
    pub overrides: &'a [Override],
    pub now: DateTime<Utc>,
}

/// Every step due at `now`, as events: a skipped level moves straight on, so several can be
/// due at once. Bounded by the policy's size, so a policy whose levels all reach nobody ends
/// in "exhausted" rather than a loop.
#[must_use]
pub(crate) fn fire(p: &Progress, policy: &EscalationPolicy, at: At<'_>) -> Vec<EventKind> {
    let mut p = p.clone();
    let mut out = Vec::new();
    let bound = policy.levels.len() * (policy.repeat as usize + 1) + 2;
    for _ in 0..bound {
        let Some((when, step)) = due(&p, policy, at.rota.acknowledge_timeout) else { break };
        if when > at.now {
            break;
        }
        let kind = match step {
            Step::Page { level, round, reason } => page(policy, level, round, reason, at),
            Step::Exhausted { rounds } => {
                EventKind::EscalationExhausted { policy: policy.name.clone(), rounds }
            }
            Step::ExpireAcknowledgement { idle } => EventKind::AcknowledgementExpired {
                idle_minutes: u32::try_from(idle.num_minutes()).unwrap_or(u32::MAX),
            },
        };
        p.apply_kind(&kind, at.now, "piket", Source::Timer);
        out.push(kind);
    }
    out
}

fn page(policy: &EscalationPolicy, level: u32, round: u32, reason: String, at: At<'_>) -> EventKind {
    let reach = policy.level(level).map(|l| at.rota.reach(l, at.now, at.overrides)).unwrap_or_default();
    if reach.people.is_empty() {
        return EventKind::LevelSkipped {
            policy: policy.name.clone(),
            level,
            round,
            unstaffed: reach.unstaffed,
        };
    }
    let users = reach.people.iter().filter_map(|p| at.rota.people.get(p)?.user.clone()).collect();
    EventKind::LevelPaged(LevelPage {
        policy: policy.name.clone(),
        level,
        round,
        people: reach.people,
        users,
        unstaffed: reach.unstaffed,
        reason,
    })
}

/// The events that start an incident's policy, if it has one and has not started: on
/// registration, or when a service with a policy is added to an unacknowledged incident.
#[must_use]
pub(crate) fn start(inc: &Incident, p: &Progress, rota: &Rota) -> Option<EventKind> {
    if p.policy.is_some() || !inc.status.is_open() || inc.acknowledged_at.is_some() {
        return None;
    }
    rota.policy_for(inc).map(|policy| EventKind::EscalationStarted { policy: policy.name.clone() })
}

/// A responder pages a level by hand: the next one (`level: None`) or a chosen one. The timer
/// carries on from that level if nobody has acknowledged.
///
/// # Errors
/// The incident is not open, has no policy, the level does not exist or reaches nobody now.
pub(crate) fn by_hand(
    inc: &Incident,
    p: &Progress,
    level: Option<u32>,
    reason: &str,
    at: At<'_>,
) -> Result<Vec<EventKind>, Refusal> {
    let id = inc.id;
    if !inc.status.is_open() {
        return Err(Refusal {
            message: format!("{id} is {}: reopen it before paging anyone", inc.status),
            next: if inc.status == Status::Resolved { vec![NextStep::Reopen] } else { vec![] },
        });
    }
    let policy = p
        .policy
        .as_ref()
        .and_then(|name| at.rota.policies.get(name))
        .or_else(|| at.rota.policy_for(inc))
        .ok_or_else(|| Refusal {
            message: format!(
                "{id} has no escalation policy: none of its services ({}) names one and no \
                 [escalation] default-policy is set; record a hand-off instead",
                if inc.services.is_empty() { "none".to_owned() } else { inc.services.join(", ") }
            ),
            next: vec![NextStep::Escalate],
        })?;
    let count = policy.level_count();
    let cur = p.current();
    let level = match level {
        Some(l) if (1..=count).contains(&l) => l,
        Some(l) => {
            return Err(Refusal {
                message: format!("policy {} has levels 1 to {count}, not {l}", policy.name),
                next: vec![],
            });
        }
        None => match cur {
            None => 1,
            Some(c) if c.level < count => c.level + 1,
            Some(_) => {
                return Err(Refusal {
                    message: format!(
                        "{id} is already at the last level ({count}) of {}: choose a level to page again",
                        policy.name
                    ),
                    next: vec![],
                });
            }
        },
    };
    let mut out = Vec::new();
    if p.policy.is_none() {
        out.push(EventKind::EscalationStarted { policy: policy.name.clone() });
    }
    let round = cur.map_or(1, |c| c.round);
    match page(policy, level, round, format!("by hand: {reason}"), at) {
        EventKind::LevelSkipped { unstaffed, .. } => Err(Refusal {
            message: format!(
                "level {level} of {} reaches nobody now: nobody is on call in {}; add an override \
                 or page another level",
                policy.name,
                if unstaffed.is_empty() { "its targets".to_owned() } else { unstaffed.join(", ") }
            ),
            next: vec![NextStep::AddOverride],
        }),
        paged => {
            out.push(paged);
            Ok(out)
        }
    }
}
