//! The incident summary: a projection of its timeline.
//!
//! [`Incident::apply`] folds one event into the summary. It is the only place that knows how an
//! event changes an incident, so the engine's stored projection and `piket verify`'s
//! recomputation can never disagree by construction, only by tampering.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::event::{Event, EventKind, Flag, Milestone, Review, Role};
use super::ids::IncidentId;
use super::lifecycle::Status;
use super::priority::{Impact, Priority, Severity, Urgency};
use super::time::{ts, ts_opt};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootCause {
    pub root_cause: String,
    pub trigger: Option<String>,
    pub contributing_factors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub item: u32,
    pub text: String,
    pub owner: String,
    pub due: NaiveDate,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub to: String,
    pub reason: String,
    pub by: String,
    #[serde(with = "ts")]
    pub at: DateTime<Utc>,
}

/// What the queue and the detail pane show. Rebuilt from events by [`Incident::apply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: IncidentId,
    pub title: String,
    pub description: Option<String>,
    pub status: Status,
    pub impact: Impact,
    pub urgency: Urgency,
    pub priority: Priority,
    /// The reason of a manual priority override in force; `None` while derived.
    pub priority_override: Option<String>,
    pub severity: Severity,
    pub category: Option<String>,
    pub services: Vec<String>,
    pub reported_by: Option<String>,
    pub channel: String,
    pub registered_by: String,
    /// When it was registered (recorded_at of the first event).
    #[serde(with = "ts")]
    pub opened_at: DateTime<Utc>,
    #[serde(with = "ts_opt")]
    pub impact_started_at: Option<DateTime<Utc>>,
    #[serde(with = "ts")]
    pub detected_at: DateTime<Utc>,
    #[serde(with = "ts_opt")]
    pub reported_at: Option<DateTime<Utc>>,
    #[serde(with = "ts_opt")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    #[serde(with = "ts_opt")]
    pub contained_at: Option<DateTime<Utc>>,
    #[serde(with = "ts_opt")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(with = "ts_opt")]
    pub recovered_at: Option<DateTime<Utc>>,
    #[serde(with = "ts_opt")]
    pub closed_at: Option<DateTime<Utc>>,
    pub roles: BTreeMap<Role, String>,
    pub resolution_summary: Option<String>,
    pub root_cause: Option<RootCause>,
    pub review: Option<Review>,
    pub action_items: Vec<ActionItem>,
    pub escalations: Vec<Escalation>,
    pub status_updates: u32,
    pub notes: u32,
    pub findings: u32,
    pub containment_actions: u32,
    pub reopened: u32,
    pub drill: bool,
    pub near_miss: bool,
    /// Sequence number of the last event applied; the timeline's length.
    pub last_seq: u32,
    #[serde(with = "ts")]
    pub updated_at: DateTime<Utc>,
}

/// Why events cannot be folded: they are not a timeline that [`super::decide`] could produce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("{0}: the first event is not a registration")]
    NotRegistration(IncidentId),
    #[error("{id}: event #{got} follows #{last}; the timeline has a gap or a duplicate")]
    OutOfOrder { id: IncidentId, last: u32, got: u32 },
    #[error("{id}: event #{seq} belongs to {other}")]
    WrongIncident { id: IncidentId, seq: u32, other: IncidentId },
    /// A new incident with no events: there is no registration to start it from.
    #[error("nothing to record")]
    Empty,
}

impl Incident {
    /// Start a summary from the registration event.
    ///
    /// # Errors
    /// The event is not a registration or does not have sequence number 1.
    pub fn from_first(ev: &Event) -> Result<Self, ApplyError> {
        let EventKind::Registered(r) = &ev.kind else {
            return Err(ApplyError::NotRegistration(ev.incident));
        };
        if ev.seq != 1 {
            return Err(ApplyError::OutOfOrder { id: ev.incident, last: 0, got: ev.seq });
        }
        Ok(Self {
            id: ev.incident,
            title: r.title.clone(),
            description: r.description.clone(),
            status: Status::Triggered,
            impact: r.impact,
            urgency: r.urgency,
            priority: r.priority,
            priority_override: None,
            severity: r.severity,
            category: r.category.clone(),
            services: r.services.clone(),
            reported_by: r.reported_by.clone(),
            channel: r.channel.clone(),
            registered_by: ev.actor.clone(),
            opened_at: ev.recorded_at,
            impact_started_at: r.impact_started_at,
            detected_at: r.detected_at,
            reported_at: r.reported_at,
            acknowledged_at: None,
            acknowledged_by: None,
            contained_at: None,
            resolved_at: None,
            recovered_at: None,
            closed_at: None,
            roles: BTreeMap::new(),
            resolution_summary: None,
            root_cause: None,
            review: None,
            action_items: Vec::new(),
            escalations: Vec::new(),
            status_updates: 0,
            notes: 0,
            findings: 0,
            containment_actions: 0,
            reopened: 0,
            drill: r.drill,
            near_miss: false,
            last_seq: 1,
            updated_at: ev.recorded_at,
        })
    }

    /// Rebuild a summary from a whole timeline, in order.
    ///
    /// # Errors
    /// An empty timeline, or one that [`Incident::apply`] refuses.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Option<Self>, ApplyError> {
        let mut it = events.into_iter();
        let Some(first) = it.next() else { return Ok(None) };
        let mut inc = Self::from_first(first)?;
        for ev in it {
            inc.apply(ev)?;
        }
        Ok(Some(inc))
    }

    /// Fold one event into the summary.
    ///
    /// # Errors
    /// The event belongs to another incident or is not the next in sequence.
    pub fn apply(&mut self, ev: &Event) -> Result<(), ApplyError> {
        if ev.incident != self.id {
            return Err(ApplyError::WrongIncident { id: self.id, seq: ev.seq, other: ev.incident });
        }
        if ev.seq != self.last_seq + 1 {
            return Err(ApplyError::OutOfOrder { id: self.id, last: self.last_seq, got: ev.seq });
        }
        self.last_seq = ev.seq;
        self.updated_at = ev.recorded_at;
        let at = ev.occurred_at;
        match &ev.kind {
            EventKind::Registered(_) => {
                // A second registration cannot be produced by `decide`; folding it as a no-op
                // would hide tampering, so verify compares projections and flags it.
                return Err(ApplyError::OutOfOrder { id: self.id, last: self.last_seq, got: ev.seq });
            }
            EventKind::TitleChanged { to, .. } => self.title.clone_from(to),
            EventKind::ImpactChanged { to, priority, .. } => {
                self.impact = *to;
                self.priority = *priority;
            }
            EventKind::UrgencyChanged { to, priority, .. } => {
                self.urgency = *to;
                self.priority = *priority;
            }
            EventKind::PriorityOverridden { to, reason, .. } => {
                self.priority = *to;
                self.priority_override = Some(reason.clone());
            }
            EventKind::PriorityOverrideCleared { to, .. } => {
                self.priority = *to;
                self.priority_override = None;
            }
            EventKind::SeverityChanged { to, .. } => self.severity = *to,
            EventKind::CategoryChanged { to, .. } => self.category.clone_from(to),
            EventKind::ServicesChanged { to, .. } => self.services.clone_from(to),
            EventKind::TimeRecorded { milestone, to, .. } => match milestone {
                Milestone::ImpactStarted => self.impact_started_at = Some(*to),
                Milestone::Detected => self.detected_at = *to,
                Milestone::Reported => self.reported_at = Some(*to),
            },
            EventKind::FlagChanged { flag: Flag::Drill, value } => self.drill = *value,
            EventKind::FlagChanged { flag: Flag::NearMiss, value } => self.near_miss = *value,
            EventKind::Acknowledged => {
                self.status = Status::Acknowledged;
                if self.acknowledged_at.is_none() {
                    self.acknowledged_at = Some(at);
                    self.acknowledged_by = Some(ev.actor.clone());
                }
            }
            EventKind::RoleAssigned { role, person, .. } => {
                self.roles.insert(*role, person.clone());
            }
            EventKind::RoleReleased { role, .. } => {
                self.roles.remove(role);
            }
            EventKind::Contained { .. } => {
                self.containment_actions += 1;
                if self.status < Status::Contained {
                    self.status = Status::Contained;
                }
                if self.contained_at.is_none() {
                    self.contained_at = Some(at);
                }
            }
            EventKind::Note { .. } | EventKind::Correction { .. } => self.notes += 1,
            EventKind::Finding { .. } => self.findings += 1,
            EventKind::RootCauseRecorded { root_cause, trigger, contributing_factors } => {
                self.root_cause = Some(RootCause {
                    root_cause: root_cause.clone(),
                    trigger: trigger.clone(),
                    contributing_factors: contributing_factors.clone(),
                });
            }
            EventKind::Resolved { summary, recovered_at } => {
                self.status = Status::Resolved;
                self.resolved_at = Some(at);
                self.recovered_at = Some(*recovered_at);
                self.resolution_summary = Some(summary.clone());
            }
            EventKind::Reopened { .. } => {
                self.reopened += 1;
                self.resolved_at = None;
                self.recovered_at = None;
                self.status = if self.contained_at.is_some() {
                    Status::Contained
                } else if self.acknowledged_at.is_some() {
                    Status::Acknowledged
                } else {
                    Status::Triggered
                };
            }
            EventKind::StatusUpdate { .. } => self.status_updates += 1,
            EventKind::Escalated { to, reason } => self.escalations.push(Escalation {
                to: to.clone(),
                reason: reason.clone(),
                by: ev.actor.clone(),
                at,
            }),
            EventKind::ReviewRecorded(r) => self.review = Some(r.clone()),
            EventKind::ActionItemAdded { item, text, owner, due } => self.action_items.push(ActionItem {
                item: *item,
                text: text.clone(),
                owner: owner.clone(),
                due: *due,
                done: false,
            }),
            EventKind::ActionItemCompleted { item } => {
                if let Some(a) = self.action_items.iter_mut().find(|a| a.item == *item) {
                    a.done = true;
                }
            }
            EventKind::Closed => {
                self.status = Status::Closed;
                self.closed_at = Some(at);
            }
            // The alert itself lives in the timeline (and the store's alert index); the
            // summary's lifecycle moves only through the events the engine adds beside it.
            EventKind::AlertReceived(_) | EventKind::AlertFlapping { .. } => {}
            EventKind::AcknowledgementExpired { .. } => {
                if self.status == Status::Acknowledged {
                    self.status = Status::Triggered;
                }
            }
            // Paging is folded by `escalation::Progress`; the summary's lifecycle does not move.
            EventKind::EscalationStarted { .. }
            | EventKind::LevelPaged(_)
            | EventKind::LevelSkipped { .. }
            | EventKind::PageDelivered { .. }
            | EventKind::PageFailed { .. }
            | EventKind::EscalationExhausted { .. } => {}
            // Rota events never reach an incident: the engine keeps them on the rota timeline,
            // and verify folds that one separately.
            EventKind::OverrideAdded(_) | EventKind::OverrideRemoved { .. } => {
                return Err(ApplyError::WrongIncident { id: self.id, seq: ev.seq, other: IncidentId::ROTA });
            }
            // Likewise maintenance events and the alerts they suppressed (their own timelines).
            EventKind::MaintenanceSet(_)
            | EventKind::MaintenanceEnded { .. }
            | EventKind::MaintenanceCancelled { .. }
            | EventKind::AlertSuppressed { .. } => {
                let other =
                    crate::domain::maintenance::timeline_of(&ev.kind).unwrap_or(IncidentId::MAINTENANCE);
                return Err(ApplyError::WrongIncident { id: self.id, seq: ev.seq, other });
            }
        }
        Ok(())
    }

    /// Who leads: the commander, else whoever acknowledged.
    #[must_use]
    pub fn owner(&self) -> Option<&str> {
        self.roles.get(&Role::Commander).or(self.acknowledged_by.as_ref()).map(String::as_str)
    }

    /// A major incident (SEV1/SEV2) needs a commander, updates and a review.
    #[must_use]
    pub(crate) const fn is_major(&self) -> bool {
        self.severity.is_major()
    }

    /// Left out of KPIs by default.
    #[must_use]
    pub(crate) const fn excluded_from_kpis(&self) -> bool {
        self.drill || self.near_miss
    }
}
