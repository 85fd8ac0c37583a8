//! The rota: people, teams, services, schedules and escalation policies, as config sets them.
//!
//! This is who piket pages and in what order. Overrides are not here: they are changed while
//! the server runs and are recorded as events, so the engine passes them in next to the rota.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::incident::Incident;
use super::schedule::{Override, Schedule};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    /// The OS user a terminal of theirs runs as: how a TUI knows its responder was paged.
    pub user: Option<String>,
    /// Notifier name -> the handle that notifier reaches them by (a phone number, `@alice`).
    pub contacts: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub name: String,
    pub members: Vec<String>,
    /// Used for the team's services that name no policy of their own.
    pub escalation_policy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub team: Option<String>,
    pub escalation_policy: Option<String>,
    /// PagerDuty routing keys that name this service.
    pub routing_keys: Vec<String>,
}

/// Whom one level of a policy pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageTarget {
    Person(String),
    /// Whoever is on call in it when the level is paged.
    Schedule(String),
    /// Every member.
    Team(String),
}

impl std::fmt::Display for PageTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Person(p) => write!(f, "person:{p}"),
            Self::Schedule(s) => write!(f, "schedule:{s}"),
            Self::Team(t) => write!(f, "team:{t}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub targets: Vec<PageTarget>,
    /// Unacknowledged this long after the level was paged: the next level is paged.
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationPolicy {
    pub name: String,
    /// At least one.
    pub levels: Vec<Level>,
    /// How many more times the whole policy runs after the last level times out.
    pub repeat: u32,
}

impl EscalationPolicy {
    #[must_use]
    pub fn level(&self, number: u32) -> Option<&Level> {
        self.levels.get(usize::try_from(number).ok()?.checked_sub(1)?)
    }

    #[must_use]
    pub(crate) fn level_count(&self) -> u32 {
        u32::try_from(self.levels.len()).unwrap_or(u32::MAX)
    }
}

/// Who a level reaches at one instant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// People to page, in target order, each once.
    pub people: Vec<String>,
    /// Schedules of the level with nobody on call then.
    pub unstaffed: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rota {
    pub people: BTreeMap<String, Person>,
    pub teams: BTreeMap<String, Team>,
    pub services: BTreeMap<String, Service>,
    pub schedules: BTreeMap<String, Schedule>,
    pub policies: BTreeMap<String, EscalationPolicy>,
    /// For incidents whose services name no policy (or that have no service).
    pub default_policy: Option<String>,
    /// An acknowledged incident nobody has worked on for this long is triggered again and
    /// its policy restarts. `None`: never.
    pub acknowledge_timeout: Option<Duration>,
}

impl Rota {
    /// The policy an incident follows: that of its first service that has one (its own, else
    /// its team's), else the default. Drills page nobody: a drill that woke the real rota at
    /// night would teach people to ignore pages.
    #[must_use]
    pub(crate) fn policy_for(&self, inc: &Incident) -> Option<&EscalationPolicy> {
        if inc.drill {
            return None;
        }
        inc.services
            .iter()
            .filter_map(|s| self.services.get(s))
            .find_map(|s| {
                s.escalation_policy.clone().or_else(|| {
                    s.team.as_ref().and_then(|t| self.teams.get(t)).and_then(|t| t.escalation_policy.clone())
                })
            })
            .or_else(|| self.default_policy.clone())
            .and_then(|name| self.policies.get(&name))
    }

    /// Who a level pages at `at`, given the overrides in force.
    #[must_use]
    pub fn reach(&self, level: &Level, at: DateTime<Utc>, overrides: &[Override]) -> Reach {
        let mut reach = Reach::default();
        let add = |reach: &mut Reach, p: &str| {
            if !reach.people.iter().any(|q| q == p) {
                reach.people.push(p.to_owned());
            }
        };
        for target in &level.targets {
            match target {
                PageTarget::Person(p) => add(&mut reach, p),
                PageTarget::Team(t) => {
                    for m in self.teams.get(t).map(|t| t.members.as_slice()).unwrap_or_default() {
                        add(&mut reach, m);
                    }
                }
                PageTarget::Schedule(s) => {
                    let now_on = self.schedules.get(s).map(|s| s.on_call(at, overrides)).unwrap_or_default();
                    if now_on.is_empty() {
                        reach.unstaffed.push(s.clone());
                    }
                    for p in &now_on {
                        add(&mut reach, p);
                    }
                }
            }
        }
        reach
    }

    /// Who is on call at `at` in every schedule, in name order.
    #[must_use]
    pub fn on_call(&self, at: DateTime<Utc>, overrides: &[Override]) -> Vec<(String, Vec<String>)> {
        self.schedules.iter().map(|(name, s)| (name.clone(), s.on_call(at, overrides))).collect()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.people.is_empty() && self.schedules.is_empty() && self.policies.is_empty()
    }
}
