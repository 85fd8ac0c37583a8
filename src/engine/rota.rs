//! The rota as front-ends ask about it: who is on call now and next, and what a stretch of
//! the schedules looks like with the overrides in force. Computed by the server, which owns
//! both the config and the overrides, so every terminal sees the same answer.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::schedule::{Coverage, MAX_COVERAGE, Override};

use super::Engine;

/// What to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaQuery {
    /// "Now" for the on-call answer.
    #[serde(with = "crate::domain::time::ts")]
    pub at: DateTime<Utc>,
    /// Coverage from `at` for this many days (0: none).
    pub days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCall {
    pub schedule: String,
    pub now: Vec<String>,
    /// When the on-call set next changes, and who it is then.
    #[serde(with = "crate::domain::time::ts_opt")]
    pub next_at: Option<DateTime<Utc>>,
    pub next: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    pub name: String,
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaView {
    #[serde(with = "crate::domain::time::ts")]
    pub at: DateTime<Utc>,
    pub on_call: Vec<OnCall>,
    pub coverage: Vec<Coverage>,
    /// Overrides not removed whose window has not ended at `at`.
    pub overrides: Vec<Override>,
    pub people: Vec<PersonView>,
    pub policies: Vec<String>,
}

impl Engine {
    #[must_use]
    pub fn rota_view(&self, q: RotaQuery) -> RotaView {
        let rota = self.rota();
        let overrides = self.overrides();
        let to = q.at + Duration::days(i64::from(q.days)).min(MAX_COVERAGE);
        let on_call = rota
            .schedules
            .values()
            .map(|s| {
                let (next_at, next) =
                    s.next_change(q.at, &overrides).map_or((None, Vec::new()), |(t, p)| (Some(t), p));
                OnCall { schedule: s.name.clone(), now: s.on_call(q.at, &overrides), next_at, next }
            })
            .collect();
        let coverage = if q.days == 0 {
            Vec::new()
        } else {
            rota.schedules.values().map(|s| s.coverage(q.at, to, &overrides)).collect()
        };
        RotaView {
            at: q.at,
            on_call,
            coverage,
            overrides: overrides.into_iter().filter(|o| o.end > q.at).collect(),
            people: rota
                .people
                .values()
                .map(|p| PersonView { name: p.name.clone(), user: p.user.clone() })
                .collect(),
            policies: rota.policies.keys().cloned().collect(),
        }
    }
}
