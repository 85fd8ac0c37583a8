//! The engine's side of paging: deciding escalation steps and rota changes inside the write
//! transaction that records them.
//!
//! Exactly once comes from here: the scheduler only says "look at INC-n now"; whether a step is
//! due is decided from the timeline as it stands inside the transaction, so a step recorded
//! before a crash is seen after it and never fired twice, and two passes racing each other
//! record one step.

use chrono::{DateTime, Utc};

use crate::domain::decide::RotaContext;
use crate::domain::escalation::{self, At, Progress};
use crate::domain::rota::Rota;
use crate::domain::schedule::Override;
use crate::domain::time::to_micros;
use crate::domain::{Event, EventKind, Incident, IncidentId, RotaCommand, Source, Stamp, decide_rota};
use crate::store::{Reader, Writer};
use crate::wire::{Change, EscalationView, LevelView, NextStep, Outcome};

use super::{Engine, EngineError};

/// An incident's progress and the seq of the last event folded into it.
pub(super) type Tracked = (Progress, u32);

/// What the scheduler starts from: the escalations to follow and the global sequence they
/// were read at.
#[derive(Debug, Clone, Default)]
pub struct Escalations {
    pub cursor: u64,
    pub tracked: Vec<(IncidentId, Tracked)>,
}

/// The actor of steps nobody took by hand.
pub const TIMER_ACTOR: &str = "piket";

/// The overrides recorded on the rota timeline that have not been removed, oldest first.
pub(super) fn active_overrides(r: &dyn Reader) -> Result<Vec<Override>, EngineError> {
    let mut out: Vec<Override> = Vec::new();
    for ev in r.timeline(IncidentId::ROTA)? {
        match ev.kind {
            EventKind::OverrideAdded(o) => out.push(o),
            EventKind::OverrideRemoved { id, .. } => out.retain(|o| o.id != id),
            _ => {}
        }
    }
    Ok(out)
}

fn rota_of(engine: &Engine) -> &Rota {
    &engine.policy.rota
}

impl Engine {
    /// The overrides in force or to come (not removed), oldest first.
    #[must_use]
    pub fn overrides(&self) -> Vec<Override> {
        self.overrides.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    #[must_use]
    pub fn rota(&self) -> &Rota {
        rota_of(self)
    }

    /// An incident's escalation progress, folded from its timeline, and the seq of the last
    /// event folded.
    ///
    /// # Errors
    /// Store failure.
    pub fn progress(&self, id: IncidentId) -> Result<Option<Tracked>, EngineError> {
        let timeline = self.store.read()?.timeline(id)?;
        let last = timeline.last().map_or(0, |e| e.seq);
        Ok(Progress::from_timeline(&timeline).map(|p| (p, last)))
    }

    /// What the escalation pane shows for one incident at `now`.
    ///
    /// # Errors
    /// Not found, or store failure.
    pub(crate) fn escalation_view(
        &self,
        id: IncidentId,
        now: DateTime<Utc>,
    ) -> Result<EscalationView, EngineError> {
        let r = self.store.read()?;
        let inc = r.incident(id)?.ok_or(EngineError::NotFound(id))?;
        let progress = Progress::from_timeline(&r.timeline(id)?);
        let rota = self.rota();
        let overrides = self.overrides();
        let policy = progress
            .as_ref()
            .and_then(|p| p.policy.as_ref())
            .and_then(|n| rota.policies.get(n))
            .or_else(|| rota.policy_for(&inc));
        let Some(policy) = policy else {
            return Ok(EscalationView {
                incident: id,
                policy: None,
                repeat: 0,
                levels: vec![],
                progress,
                next: None,
            });
        };
        let levels = policy
            .levels
            .iter()
            .zip(1..)
            .map(|(l, n)| {
                let reach = rota.reach(l, now, &overrides);
                LevelView {
                    level: n,
                    timeout_secs: l.timeout.num_seconds(),
                    targets: l.targets.iter().map(ToString::to_string).collect(),
                    reaches: reach.people,
                    unstaffed: reach.unstaffed,
                }
            })
            .collect();
        let next = progress.as_ref().and_then(|p| escalation::due(p, policy, rota.acknowledge_timeout)).map(
            |(at, step)| NextStep {
                at,
                what: match step {
                    escalation::Step::Page { level, round, .. } if round > 1 && level == 1 => {
                        format!("repeat: page level 1 (round {round})")
                    }
                    escalation::Step::Page { level, .. } => format!("page level {level}"),
                    escalation::Step::Exhausted { .. } => "stop: every level paged".to_owned(),
                    escalation::Step::ExpireAcknowledgement { .. } => {
                        "re-trigger: acknowledged but idle".to_owned()
                    }
                },
            },
        );
        Ok(EscalationView {
            incident: id,
            policy: Some(policy.name.clone()),
            repeat: policy.repeat,
            levels,
            progress,
            next,
        })
    }

    /// Every open incident following a policy of the current rota, with its progress, and the
    /// global sequence this was read at: what the scheduler loads when it starts (after a
    /// restart, this is where "what is due" comes from). One snapshot, so following the log
    /// from that sequence misses nothing committed while the server was already answering.
    ///
    /// Without policies in the rota nothing can fire, and no timeline is read: a queue of any
    /// length costs nothing at start. Otherwise each open incident's timeline is folded (a
    /// server with 100k open incidents reads them in the background, after it answers).
    ///
    /// # Errors
    /// Store failure.
    pub(crate) fn open_escalations(&self) -> Result<Escalations, EngineError> {
        let r = self.store.read()?;
        let (_, cursor) = r.head()?;
        let rota = self.rota();
        let mut tracked = Vec::new();
        if rota.policies.is_empty() {
            return Ok(Escalations { cursor, tracked });
        }
        for inc in r.open_incidents()? {
            let timeline = r.timeline(inc.id)?;
            let last = timeline.last().map_or(0, |e| e.seq);
            let Some(p) = Progress::from_timeline(&timeline) else { continue };
            // A policy no longer in the rota can never fire (`fire_due` needs it).
            if p.policy.as_ref().is_some_and(|n| rota.policies.contains_key(n)) {
                tracked.push((inc.id, (p, last)));
            }
        }
        Ok(Escalations { cursor, tracked })
    }

    /// Events committed after global sequence `after`, in commit order, at most `limit`.
    ///
    /// # Errors
    /// Store failure.
    pub fn events_since(&self, after: u64, limit: usize) -> Result<Vec<(u64, Event)>, EngineError> {
        Ok(self.store.read()?.events_since(after, limit)?)
    }

    /// Record every escalation step of `id` that is due at `now`, decided inside the write
    /// transaction. `Ok(None)`: nothing was due (already recorded, acknowledged, resolved).
    ///
    /// # Errors
    /// Store failure.
    pub(crate) fn fire_due(
        &self,
        id: IncidentId,
        now: DateTime<Utc>,
    ) -> Result<Option<Outcome>, EngineError> {
        let now = to_micros(now);
        let overrides = self.overrides();
        let _order = self.commit_order.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let result = self.store.write(|w| -> Result<_, EngineError> {
            let Some(inc) = w.incident(id)? else { return Ok(None) };
            let Some(p) = Progress::from_timeline(&w.timeline(id)?) else { return Ok(None) };
            let Some(policy) = p.policy.as_ref().and_then(|n| self.rota().policies.get(n)) else {
                return Ok(None);
            };
            let kinds = escalation::fire(&p, policy, At { rota: self.rota(), overrides: &overrides, now });
            if kinds.is_empty() {
                return Ok(None);
            }
            Self::append_kinds(w, Some(&inc), kinds, TIMER_ACTOR, Source::Timer, now).map(Some)
        })?;
        Ok(result.map(|(outcome, global)| {
            self.announce(&outcome, global);
            outcome
        }))
    }

    /// Record what the notifiers said (`PageDelivered` / `PageFailed` events).
    ///
    /// # Errors
    /// Not found, or store failure.
    pub fn record_deliveries(
        &self,
        id: IncidentId,
        kinds: Vec<EventKind>,
        now: DateTime<Utc>,
    ) -> Result<Outcome, EngineError> {
        let now = to_micros(now);
        let _order = self.commit_order.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (outcome, global) = self.store.write(|w| {
            let inc = w.incident(id)?.ok_or(EngineError::NotFound(id))?;
            Self::append_kinds(w, Some(&inc), kinds, TIMER_ACTOR, Source::Timer, now)
        })?;
        self.announce(&outcome, global);
        Ok(outcome)
    }

    /// What paging `inc` by hand is decided on besides the rota: its escalation so far (as
    /// its timeline has it, inside the write transaction) and the overrides in force.
    pub(super) fn paging_state(
        &self,
        w: &mut dyn Writer,
        inc: &Incident,
    ) -> Result<(Progress, Vec<Override>), EngineError> {
        let progress =
            Progress::from_timeline(&w.timeline(inc.id)?).unwrap_or_else(|| Progress::new(inc.opened_at));
        Ok((progress, self.overrides()))
    }

    /// Add or remove an override: decided against the rota and recorded on the rota's own
    /// timeline. Returns the events recorded.
    ///
    /// # Errors
    /// Refused (unknown schedule or person, a window in the past, ...) or store failure.
    pub fn change_rota(
        &self,
        actor: &str,
        source: Source,
        cmd: &RotaCommand,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, EngineError> {
        let now = to_micros(now);
        let _order = self.commit_order.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let overrides = self.overrides();
        let (events, global) = self.store.write(|w| -> Result<_, EngineError> {
            let rota_log = w.timeline(IncidentId::ROTA)?;
            let next_id = rota_log
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::OverrideAdded(o) => Some(o.id),
                    _ => None,
                })
                .max()
                .unwrap_or(0)
                + 1;
            let ctx = RotaContext { rota: self.rota(), active: &overrides, next_id, now };
            let kinds = decide_rota(cmd, ctx).map_err(EngineError::Refused)?;
            let first_seq = u32::try_from(rota_log.len()).unwrap_or(u32::MAX) + 1;
            let events = Stamp { actor, source, now }.events(IncidentId::ROTA, first_seq, kinds);
            let global = w.append(&events)?;
            Ok((events, global))
        })?;
        {
            let mut cache = self.overrides.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            for ev in &events {
                match &ev.kind {
                    EventKind::OverrideAdded(o) => cache.push(o.clone()),
                    EventKind::OverrideRemoved { id, .. } => cache.retain(|o| o.id != *id),
                    _ => {}
                }
            }
        }
        if let Some(last) = events.last() {
            let _ = self.changes.send(Change {
                global_seq: global,
                incident: IncidentId::ROTA,
                seq: last.seq,
                paged: false,
            });
        }
        Ok(events)
    }

    /// Start the incident's policy if it has one and has not started; `suppress` holds it back
    /// (a flapping alert's re-fire pages nobody until it is stable).
    pub(super) fn maybe_start(
        &self,
        w: &mut dyn Writer,
        inc: &Incident,
        now: DateTime<Utc>,
    ) -> Result<Option<(Outcome, u64)>, EngineError> {
        if self.rota().policies.is_empty() || !inc.status.is_open() {
            return Ok(None);
        }
        let p = Progress::from_timeline(&w.timeline(inc.id)?).unwrap_or_else(|| Progress::new(inc.opened_at));
        match escalation::start(inc, &p, self.rota()) {
            Some(kind) => {
                Self::append_kinds(w, Some(inc), vec![kind], TIMER_ACTOR, Source::Timer, now).map(Some)
            }
            None => Ok(None),
        }
    }
}

/// Merge a follow-up append (the escalation starting) into the outcome of the command that
/// caused it, so the caller sees one outcome and one change.
pub(super) fn merge(first: (Outcome, u64), then: Option<(Outcome, u64)>) -> (Outcome, u64) {
    match then {
        None => first,
        Some((mut more, global)) => {
            let (mut outcome, _) = first;
            outcome.events.append(&mut more.events);
            outcome.summary = more.summary;
            (outcome, global)
        }
    }
}
