//! The paging banner: this responder was paged. A page rings the bell once and raises the
//! banner until its incident is acknowledged after the page, is over, or Esc dismisses it.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::domain::{Event, EventKind, Incident, IncidentId};
use crate::tui::effect::Effect;

/// This responder was paged: what the banner says until they acknowledge or dismiss it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageAlert {
    pub incident: IncidentId,
    pub level: u32,
    pub round: u32,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Paging {
    /// The page the banner shows.
    pub alert: Option<PageAlert>,
    /// Pages recorded before this moment are history: they never ring.
    started_at: DateTime<Utc>,
    /// Pages of this responder that rang already, so overlapping checks ring once per page.
    rung: HashSet<(IncidentId, u32)>,
}

impl Paging {
    #[must_use]
    pub fn new(now: DateTime<Utc>) -> Self {
        // Times over the socket are whole seconds: a page in this second may read as earlier
        // than a start with a fraction.
        Self { alert: None, started_at: chrono::SubsecRound::trunc_subsecs(now, 0), rung: HashSet::new() }
    }

    /// An incident's timeline after a commit that paged someone: ring once for each page of
    /// `me` that is newer than this app and has not rung yet; the banner names the latest.
    pub fn update(&mut self, id: IncidentId, events: &[Event], me: &str) -> Vec<Effect> {
        let mut fx = Vec::new();
        for ev in events {
            let EventKind::LevelPaged(p) = &ev.kind else { continue };
            if ev.recorded_at < self.started_at
                || !p.users.iter().any(|u| u == me)
                || !self.rung.insert((id, ev.seq))
            {
                continue;
            }
            fx.push(Effect::Bell);
            self.alert = Some(PageAlert { incident: id, level: p.level, round: p.round, at: ev.recorded_at });
        }
        fx
    }

    /// The banner goes once its incident is acknowledged after the page, or is over.
    /// `inc`: the banner's incident as the queue has it.
    pub(crate) fn settle(&mut self, inc: Option<&Incident>) {
        if let Some(p) = &self.alert
            && let Some(inc) = inc.filter(|inc| inc.id == p.incident)
            && (!inc.status.is_open() || inc.acknowledged_at.is_some_and(|at| at >= p.at))
        {
            self.alert = None;
        }
    }

    /// Esc: the banner goes (the page stays in the timeline and the escalation pane);
    /// whether there was one.
    pub(crate) fn dismiss(&mut self) -> bool {
        self.alert.take().is_some()
    }
}
