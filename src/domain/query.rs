//! Which incidents to show and in what order: shared by `piket list` and the TUI filter.

pub(crate) mod words;

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::event::Event;
use super::incident::Incident;
use super::lifecycle::Status;
use super::priority::{Priority, Severity};

/// Sort orders a responder asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sort {
    /// Most urgent first, then oldest: the queue's natural order.
    #[default]
    Priority,
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
    /// Most severe first, then oldest.
    Severity,
    /// Most recently changed first.
    Updated,
}

impl Sort {
    pub const ALL: [Self; 5] = [Self::Priority, Self::Newest, Self::Oldest, Self::Severity, Self::Updated];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Priority => "priority",
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::Severity => "severity",
            Self::Updated => "updated",
        }
    }

    /// The order of two incidents under this sort; ties broken by id so it is total.
    #[must_use]
    pub(crate) fn compare(self, a: &Incident, b: &Incident) -> Ordering {
        let by = match self {
            Self::Priority => a.priority.cmp(&b.priority).then(a.opened_at.cmp(&b.opened_at)),
            Self::Newest => b.opened_at.cmp(&a.opened_at),
            Self::Oldest => a.opened_at.cmp(&b.opened_at),
            Self::Severity => a.severity.cmp(&b.severity).then(a.opened_at.cmp(&b.opened_at)),
            Self::Updated => b.updated_at.cmp(&a.updated_at),
        };
        by.then(a.id.cmp(&b.id))
    }
}

impl std::str::FromStr for Sort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim()).ok_or_else(|| {
            format!("'{s}' is not a sort order: use priority, newest, oldest, severity or updated")
        })
    }
}

/// A filter over incidents. Empty fields match everything. The body of
/// `POST /v1/incidents/search`: an unknown field is refused (a misspelt `status` would
/// otherwise match the whole queue).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Query {
    /// Statuses to show; empty: the open ones (triggered, acknowledged, contained).
    pub statuses: Vec<Status>,
    /// Show every status (overrides `statuses`).
    pub all: bool,
    pub priorities: Vec<Priority>,
    pub severities: Vec<Severity>,
    /// Case-insensitive substring of any service name.
    pub service: Option<String>,
    /// Case-insensitive words that must all occur in the id, title, description, category, a
    /// service, a role or the person holding it, or the text of an event on the timeline (the
    /// engine reads timelines; [`Query::matches`] alone sees only the summary). A word that is
    /// an id (`INC-17`, `#17`) matches that one incident, not `INC-170`.
    pub text: Option<String>,
    /// Only incidents this person leads (commander, else acknowledger) or holds a role in.
    pub person: Option<String>,
    pub sort: Sort,
    /// At most this many (after sorting); `None`: all.
    pub limit: Option<usize>,
}

fn contains_ci(hay: &str, needle_lower: &str) -> bool {
    hay.to_lowercase().contains(needle_lower)
}

impl Query {
    /// Only the open queue is asked for, so the store may answer from its queue index.
    #[must_use]
    pub(crate) fn open_only(&self) -> bool {
        !self.all && (self.statuses.is_empty() || self.statuses.iter().all(|s| s.is_open()))
    }

    /// The summary passes, timeline text aside (see [`Query::matches_with_timeline`]).
    #[must_use]
    pub fn matches(&self, inc: &Incident) -> bool {
        self.matches_with_timeline(inc, &[])
    }

    /// Every part of the query but its words passes: what a text match found elsewhere (on the
    /// timeline, by the server) still has to pass.
    #[must_use]
    pub fn matches_but_text(&self, inc: &Incident) -> bool {
        let status_ok = if self.all {
            true
        } else if self.statuses.is_empty() {
            inc.status.is_open()
        } else {
            self.statuses.contains(&inc.status)
        };
        status_ok
            && (self.priorities.is_empty() || self.priorities.contains(&inc.priority))
            && (self.severities.is_empty() || self.severities.contains(&inc.severity))
            && self.service.as_ref().is_none_or(|s| {
                let s = s.to_lowercase();
                inc.services.iter().any(|x| contains_ci(x, &s))
            })
            && self
                .person
                .as_ref()
                .is_none_or(|p| inc.owner() == Some(p.as_str()) || inc.roles.values().any(|v| v == p))
    }

    /// The query passes with the words also looked for in the timeline's events.
    #[must_use]
    pub fn matches_with_timeline(&self, inc: &Incident, timeline: &[Event]) -> bool {
        self.matches_but_text(inc) && self.words_match(inc, timeline)
    }

    /// The query has words, so a summary that fails may still pass on its timeline.
    #[must_use]
    pub(crate) const fn has_words(&self) -> bool {
        self.text.is_some()
    }

    fn words_match(&self, inc: &Incident, timeline: &[Event]) -> bool {
        let Some(text) = &self.text else { return true };
        let id = inc.id.to_string();
        let mut events: Option<Vec<String>> = None;
        text.to_lowercase().split_whitespace().all(|w| {
            if let Some(n) = words::exact_id(w) {
                return inc.id.0 == n;
            }
            let in_summary = contains_ci(&inc.title, w)
                || contains_ci(&id, w)
                || inc.description.as_deref().is_some_and(|d| contains_ci(d, w))
                || inc.category.as_deref().is_some_and(|c| contains_ci(c, w))
                || inc.services.iter().any(|s| contains_ci(s, w))
                || inc.owner().is_some_and(|o| contains_ci(o, w))
                || inc.roles.iter().any(|(r, p)| r.as_str().contains(w) || contains_ci(p, w));
            in_summary
                || (!timeline.is_empty()
                    && events
                        .get_or_insert_with(|| {
                            timeline.iter().map(|e| e.kind.describe().to_lowercase()).collect()
                        })
                        .iter()
                        .any(|t| t.contains(w)))
        })
    }

    /// Filter, sort and limit a set of incidents.
    #[must_use]
    pub fn apply(&self, incidents: impl IntoIterator<Item = Incident>) -> Vec<Incident> {
        let mut v: Vec<Incident> = incidents.into_iter().filter(|i| self.matches(i)).collect();
        v.sort_by(|a, b| self.sort.compare(a, b));
        if let Some(n) = self.limit {
            v.truncate(n);
        }
        v
    }
}
