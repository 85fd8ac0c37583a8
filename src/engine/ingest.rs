//! Alerts in: each signal attaches to the open incident of its dedup key, opens one, is a
//! re-send that adds nothing, or is dropped with a reason. A batch of requests (concurrent
//! senders) is decided in one write transaction and made durable with one fsync.

use chrono::{DateTime, Utc};

use super::{Engine, EngineError};
use crate::domain::IncidentId;
use crate::domain::alert::{AlertState, FlapRule};
use crate::domain::time::to_micros;
use crate::domain::{
    AlertAction, AlertOutcome, AlertSignal, Command, EventKind, Incident, NewIncident, ResolvePolicy, Source,
};
use crate::store::Writer;
use crate::wire::{Change, Outcome};

/// One request's signals (one Alertmanager notification, one PagerDuty event).
#[derive(Debug, Clone)]
pub struct IngestItem {
    pub signals: Vec<AlertSignal>,
    pub now: DateTime<Utc>,
    /// Who sent it, as the kernel says (the OS user on the socket): the actor of its events.
    /// `None` (TCP behind the token, the server's heartbeat timer): the sender kind
    /// (`alertmanager`, `pagerduty`, `api`, `heartbeat`). The sender kind stays the channel
    /// either way (the record's source, the event source `alert`).
    pub actor: Option<String>,
}

type Appended = Vec<(Outcome, u64)>;

impl Engine {
    /// Decide every signal of every item in one durable commit; answer per item, per signal.
    /// Changes are announced after the commit.
    ///
    /// # Errors
    /// A store failure: then nothing of the batch was written.
    pub fn ingest(
        &self,
        batch: &[IngestItem],
        flap: FlapRule,
    ) -> Result<Vec<Vec<AlertOutcome>>, EngineError> {
        let _order = self.commit_order.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (results, appended, kept) = self.store.write(|w| -> Result<_, EngineError> {
            let mut appended = Vec::new();
            let mut kept = Vec::new();
            let mut results = Vec::with_capacity(batch.len());
            for item in batch {
                let now = to_micros(item.now);
                let mut out = Vec::with_capacity(item.signals.len());
                for sig in &item.signals {
                    let actor = item.actor.as_deref().unwrap_or(&sig.source);
                    out.push(self.ingest_one(w, sig, actor, now, flap, &mut appended, &mut kept)?);
                }
                results.push(out);
            }
            Ok((results, appended, kept))
        })?;
        for (outcome, global_seq) in &appended {
            self.announce(outcome, *global_seq);
        }
        for change in kept {
            let _ = self.changes.send(change);
        }
        Ok(results)
    }

    #[expect(clippy::too_many_arguments, reason = "one signal's context inside the batch's transaction")]
    fn ingest_one(
        &self,
        w: &mut dyn Writer,
        sig: &AlertSignal,
        actor: &str,
        now: DateTime<Utc>,
        flap: FlapRule,
        appended: &mut Appended,
        kept: &mut Vec<Change>,
    ) -> Result<AlertOutcome, EngineError> {
        let dedup_key = format!("{}/{}", sig.source, sig.key);
        let last = match w.dedup(&dedup_key)? {
            Some(id) => w.incident(id)?,
            None => None,
        };
        // A resolve from a source that does not resolve by itself (Alertmanager, plain JSON)
        // is still recorded on the incident a human already resolved: its timeline then says
        // when the alert itself ended. PagerDuty drops it, as PagerDuty does.
        let last = last.filter(|i| {
            i.status.is_open()
                || (sig.action == AlertAction::Resolve && sig.resolves_incident != ResolvePolicy::Always)
        });
        let Some(inc) = last else {
            // Decided here, in the write transaction, from the windows as committed: the
            // alert and the window that kept it are on the chain together.
            let window = match (&sig.action, &sig.service) {
                (AlertAction::Trigger, Some(service)) => self.book().in_force(service, now).cloned(),
                _ => None,
            };
            if let Some(window) = window {
                let kind = EventKind::AlertSuppressed {
                    window: window.id,
                    service: window.service.clone(),
                    record: sig.record.clone(),
                };
                let (events, global_seq) = super::maintenance::append_record(
                    w,
                    IncidentId::SUPPRESSED,
                    vec![kind],
                    actor,
                    Source::Alert,
                    now,
                )?;
                let seq = events.last().map_or(0, |e| e.seq);
                kept.push(Change { global_seq, incident: IncidentId::SUPPRESSED, seq, paged: false });
                return Ok(AlertOutcome::Suppressed {
                    reason: format!(
                        "{} is in maintenance #{} until {} ({}): recorded, no incident opened",
                        window.service,
                        window.id,
                        window.effective_end().format("%Y-%m-%d %H:%M:%SZ"),
                        window.reason
                    ),
                });
            }
            return match sig.action {
                AlertAction::Trigger => self.open_incident(w, sig, actor, &dedup_key, now, flap, appended),
                AlertAction::Acknowledge | AlertAction::Resolve => Ok(AlertOutcome::Dropped {
                    reason: format!(
                        "no open incident for {} key '{}': a {} for it is dropped",
                        sig.source,
                        sig.key,
                        sig.action.as_str()
                    ),
                }),
            };
        };
        let mut state = w.alert_state(inc.id, &sig.identity)?.unwrap_or_default();
        if sig.state.is_some() && state.state == sig.state {
            return Ok(AlertOutcome::Duplicate { incident: inc.id });
        }
        let resolved_now = sig.action == AlertAction::Resolve;
        let mut kinds = vec![EventKind::AlertReceived(sig.record.clone())];
        if resolved_now != state.resolved
            && let Some(flapping) = state.note_change(now, flap)
        {
            kinds.push(flapping_event(sig, &state, flap, flapping));
        }
        state.state.clone_from(&sig.state);
        state.resolved = resolved_now;
        w.set_alert_state(inc.id, &sig.identity, &state)?;
        let became_stable =
            kinds.iter().any(|k| matches!(k, EventKind::AlertFlapping { flapping: false, .. }));
        let (after, seq) = Self::append_kinds(w, Some(&inc), kinds, actor, Source::Alert, now)?;
        let mut current = after.summary.clone();
        appended.push((after, seq));
        // Paging held back while the alert flapped starts once it is stable.
        if became_stable && let Some(started) = self.maybe_start(w, &current, now)? {
            current.clone_from(&started.0.summary);
            appended.push(started);
        }
        let outcome = match sig.action {
            AlertAction::Trigger => AlertOutcome::Attached { incident: inc.id },
            AlertAction::Acknowledge => {
                if current.acknowledged_at.is_none() {
                    let cmd = Command::Acknowledge { id: inc.id };
                    self.follow_up(w, &mut current, &cmd, actor, now, appended)?;
                }
                AlertOutcome::Acknowledged { incident: inc.id }
            }
            AlertAction::Resolve => {
                let resolve = match sig.resolves_incident {
                    ResolvePolicy::Never => false,
                    ResolvePolicy::Always => true,
                    ResolvePolicy::WhenAllResolved => !state.flapping && w.all_alerts_resolved(inc.id)?,
                };
                if resolve && current.status.is_open() {
                    let cmd = Command::Resolve {
                        id: inc.id,
                        summary: format!("all alerts resolved ({})", sig.source),
                        recovered_at: sig.record.ends_at.filter(|t| *t <= now),
                    };
                    self.follow_up(w, &mut current, &cmd, actor, now, appended)?;
                    AlertOutcome::Resolved { incident: inc.id }
                } else {
                    AlertOutcome::Attached { incident: inc.id }
                }
            }
        };
        Ok(outcome)
    }

    /// A lifecycle step an alert causes (acknowledge, resolve), decided by the normal rules.
    /// A refusal (the state moved on) leaves the alert recorded and the incident as it is.
    fn follow_up(
        &self,
        w: &mut dyn Writer,
        current: &mut Incident,
        cmd: &Command,
        actor: &str,
        now: DateTime<Utc>,
        appended: &mut Appended,
    ) -> Result<(), EngineError> {
        let ctx = crate::domain::decide::Context { actor, now, policy: &self.policy, paging: None };
        let Ok(kinds) = crate::domain::decide(Some(current), cmd, ctx, Source::Alert.as_str()) else {
            return Ok(());
        };
        let (after, seq) = Self::append_kinds(w, Some(current), kinds, actor, Source::Alert, now)?;
        current.clone_from(&after.summary);
        appended.push((after, seq));
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn open_incident(
        &self,
        w: &mut dyn Writer,
        sig: &AlertSignal,
        actor: &str,
        dedup_key: &str,
        now: DateTime<Utc>,
        flap: FlapRule,
        appended: &mut Appended,
    ) -> Result<AlertOutcome, EngineError> {
        // Flapping history follows the alert across incidents: an alert that resolves (and
        // auto-resolves its incident) and fires again is one change more, not a fresh start.
        let mut state = match w.dedup(dedup_key)? {
            Some(prev) => w.alert_state(prev, &sig.identity)?.unwrap_or_default(),
            None => AlertState::default(),
        };
        let flap_change = if state.resolved { state.note_change(now, flap) } else { None };
        state.state.clone_from(&sig.state);
        state.resolved = false;
        let known = |s: &String| self.policy.services.is_empty() || self.policy.services.contains(s);
        let mut reg = NewIncident::new(sig.title.clone(), sig.impact, sig.urgency, sig.severity);
        reg.channel = Some(sig.source.clone());
        reg.reported_by = Some(sig.source.clone());
        reg.services = sig.service.iter().filter(|s| known(s)).cloned().collect();
        reg.detected_at = Some(now);
        reg.impact_started_at = sig.record.starts_at.filter(|t| *t <= now).map(to_micros);
        let ctx = crate::domain::decide::Context { actor, now, policy: &self.policy, paging: None };
        let mut kinds =
            match crate::domain::decide(None, &Command::Register(reg), ctx, Source::Alert.as_str()) {
                Ok(k) => k,
                // Refused alone, so the rest of the batch still commits.
                Err(r) => return Ok(AlertOutcome::Dropped { reason: r.message }),
            };
        kinds.push(EventKind::AlertReceived(sig.record.clone()));
        if state.flapping {
            kinds.push(flapping_event(sig, &state, flap, flap_change.unwrap_or(true)));
        }
        let (after, seq) = Self::append_kinds(w, None, kinds, actor, Source::Alert, now)?;
        let id = after.incident;
        let summary = after.summary.clone();
        appended.push((after, seq));
        // A flapping alert that opens a new incident pages nobody until it is stable: its
        // flapping event on the timeline says why.
        if !state.flapping
            && let Some(started) = self.maybe_start(w, &summary, now)?
        {
            appended.push(started);
        }
        w.set_dedup(dedup_key, id)?;
        w.set_alert_state(id, &sig.identity, &state)?;
        Ok(AlertOutcome::Opened { incident: id })
    }
}

fn flapping_event(sig: &AlertSignal, state: &AlertState, flap: FlapRule, flapping: bool) -> EventKind {
    EventKind::AlertFlapping {
        identity: sig.identity.clone(),
        flapping,
        changes: u32::try_from(state.changes.len()).unwrap_or(u32::MAX),
        window_minutes: u32::try_from(flap.window.num_minutes()).unwrap_or(u32::MAX),
    }
}
