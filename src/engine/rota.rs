//! The rota as front-ends ask about it (`wire::RotaView`): computed by the server, which owns
//! both the config and the overrides, so every terminal sees the same answer.

use chrono::Duration;

use crate::domain::schedule::MAX_COVERAGE;
use crate::wire::{OnCall, PersonView, RotaQuery, RotaView};

use super::Engine;

impl Engine {
    #[must_use]
    pub(crate) fn rota_view(&self, q: RotaQuery) -> RotaView {
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
