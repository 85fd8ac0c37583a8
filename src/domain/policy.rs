//! The rules an organisation sets in config, in the form the domain needs them.
//!
//! `config/` parses and validates TOML into a [`Policy`]; the domain never reads a file.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::incident::Incident;
use super::priority::{Priority, PriorityMatrix, Severity};

/// Response targets for one priority. `None`: no target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub acknowledge: Option<Duration>,
    pub resolve: Option<Duration>,
}

/// What closing an incident requires (step 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosingRules {
    pub require_resolution_summary: bool,
    pub require_root_cause: bool,
    /// Incidents at these severities need a review with at least `min_lessons` lessons.
    pub review_for_severities: Vec<Severity>,
    /// ... and at these priorities.
    pub review_for_priorities: Vec<Priority>,
    pub min_lessons: u32,
    /// Every action item must have an owner and a due date (always true) and, if set, be done.
    pub require_action_items_done: bool,
}

impl Default for ClosingRules {
    fn default() -> Self {
        Self {
            require_resolution_summary: true,
            require_root_cause: true,
            review_for_severities: vec![Severity::SEV1, Severity::SEV2],
            review_for_priorities: vec![Priority::P1, Priority::P2],
            min_lessons: 1,
            require_action_items_done: false,
        }
    }
}

impl ClosingRules {
    #[must_use]
    pub(crate) fn review_required(&self, inc: &Incident) -> bool {
        self.review_for_severities.contains(&inc.severity)
            || self.review_for_priorities.contains(&inc.priority)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub matrix: PriorityMatrix,
    /// Indexed by priority number - 1.
    pub targets: [Target; 5],
    pub closing: ClosingRules,
    /// Categories a responder may choose; empty means any.
    pub categories: Vec<String>,
    /// Services piket knows; empty means any.
    pub services: Vec<String>,
    /// Who is paged, and how the pager moves (config `[people]`, `[schedules]`, ...).
    pub rota: super::rota::Rota,
}

impl Default for Policy {
    fn default() -> Self {
        let t = |ack_min: i64, resolve_h: Option<i64>| Target {
            acknowledge: Some(Duration::minutes(ack_min)),
            resolve: resolve_h.map(Duration::hours),
        };
        Self {
            matrix: PriorityMatrix::default(),
            targets: [t(5, Some(1)), t(15, Some(8)), t(60, Some(24)), t(240, Some(48)), t(24 * 60, None)],
            closing: ClosingRules::default(),
            categories: Vec::new(),
            services: Vec::new(),
            rota: super::rota::Rota::default(),
        }
    }
}

/// A response target and where an incident stands against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Clock {
    Acknowledge,
    Resolve,
}

impl Clock {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::Resolve => "resolve",
        }
    }
}

/// The next running target clock of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub clock: Clock,
    pub due: DateTime<Utc>,
}

impl Deadline {
    /// Time left (negative once breached).
    #[must_use]
    pub(crate) fn remaining(&self, now: DateTime<Utc>) -> Duration {
        self.due - now
    }
}

impl Policy {
    #[must_use]
    pub fn target(&self, p: Priority) -> Target {
        self.targets[usize::from(p.number()) - 1]
    }

    /// The clock that is still running for an open incident: acknowledge until acknowledged,
    /// then resolve. Each starts where its KPI starts: acknowledge from registration (MTTA),
    /// resolve from detection (MTTR), so a breach rate and its KPI never disagree.
    #[must_use]
    pub fn deadline(&self, inc: &Incident) -> Option<Deadline> {
        if !inc.status.is_open() {
            return None;
        }
        let target = self.target(inc.priority);
        if inc.acknowledged_at.is_none()
            && let Some(d) = target.acknowledge
        {
            return Some(Deadline { clock: Clock::Acknowledge, due: inc.opened_at + d });
        }
        target.resolve.map(|d| Deadline { clock: Clock::Resolve, due: inc.detected_at + d })
    }

    /// Whether the acknowledge / resolve targets were met, for KPI breach rates. `None`: no
    /// target, or not reached yet and not yet overdue.
    #[must_use]
    pub(crate) fn breached(&self, inc: &Incident, clock: Clock, now: DateTime<Utc>) -> Option<bool> {
        let target = self.target(inc.priority);
        let (due, done) = match clock {
            Clock::Acknowledge => (inc.opened_at + target.acknowledge?, inc.acknowledged_at),
            Clock::Resolve => (inc.detected_at + target.resolve?, inc.resolved_at),
        };
        match done {
            Some(t) => Some(t > due),
            None if now > due => Some(true),
            None => None,
        }
    }
}
