//! The incident pane: the selected incident's timeline and escalation as last fetched, the
//! focus and zoom, the timeline's scroll and the action under the cursor; and which incident
//! actions the domain allows now, which the escalation pane offers and the keys check.

use chrono::{DateTime, Utc};

use crate::domain::decide::{Context, decide};
use crate::domain::{
    Command, Event, FieldChanges, Flag, Incident, IncidentId, Milestone, Policy, Priority, Refusal, Review,
    Role,
};
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::keymap::KeyMap;
use crate::tui::layout::Pane;
use crate::wire::EscalationView;

use super::Msg;

/// The selected incident's timeline as last fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub id: IncidentId,
    pub events: Vec<Event>,
}

/// Actions the escalation pane offers, in this order, when the domain allows them.
pub(crate) const INCIDENT_ACTIONS: [Action; 27] = [
    Action::Acknowledge,
    Action::Contain,
    Action::Note,
    Action::Finding,
    Action::StatusUpdate,
    Action::Escalate,
    Action::Page,
    Action::Roles,
    Action::ImpactUp,
    Action::ImpactDown,
    Action::UrgencyUp,
    Action::UrgencyDown,
    Action::SeverityUp,
    Action::SeverityDown,
    Action::OverridePriority,
    Action::ClearOverride,
    Action::RootCause,
    Action::Resolve,
    Action::Reopen,
    Action::Review,
    Action::ActionItems,
    Action::Close,
    Action::Milestones,
    Action::Drill,
    Action::Correct,
    Action::Export,
    Action::NewIncident,
];

#[derive(Debug, Clone)]
pub struct IncidentPane {
    pub focus: Pane,
    pub zoom: bool,
    pub timeline: Option<Timeline>,
    /// The selected incident's escalation as last fetched (or why it could not be).
    pub escalation: Option<(IncidentId, Result<EscalationView, String>)>,
    /// First timeline event shown; `None` follows the newest.
    pub timeline_top: Option<usize>,
    /// The timeline event under the cursor (what `X` corrects); `None`: the newest, following
    /// new events as they come.
    pub timeline_cursor: Option<usize>,
    pub action_sel: usize,
    /// A timeline fetch in flight, so moving fast does not ask twice.
    timeline_requested: Option<IncidentId>,
    /// An escalation fetch in flight, likewise.
    escalation_requested: Option<IncidentId>,
}

impl Default for IncidentPane {
    fn default() -> Self {
        Self {
            focus: Pane::Queue,
            zoom: false,
            timeline: None,
            escalation: None,
            timeline_top: None,
            timeline_cursor: None,
            action_sel: 0,
            timeline_requested: None,
            escalation_requested: None,
        }
    }
}

impl IncidentPane {
    /// The answers about the selected incident (`selected`): its timeline and escalation.
    pub fn update(&mut self, msg: Msg, selected: Option<IncidentId>) {
        match msg {
            Msg::TimelineLoaded(id, Ok(events)) => {
                if self.timeline_requested == Some(id) {
                    self.timeline_requested = None;
                }
                if Some(id) == selected {
                    self.timeline = Some(Timeline { id, events });
                }
            }
            Msg::EscalationLoaded(id, r) => {
                if self.escalation_requested == Some(id) {
                    self.escalation_requested = None;
                }
                let keep_old =
                    r.is_err() && self.escalation.as_ref().is_some_and(|(old, e)| *old == id && e.is_ok());
                if Some(id) == selected && !keep_old {
                    self.escalation = Some((id, r.map_err(|e| super::err_text(&e))));
                }
            }
            Msg::PageLoaded(Err(_))
            | Msg::ListLoaded(Err(_))
            | Msg::IncidentLoaded(_, Err(_))
            | Msg::TimelineLoaded(_, Err(_)) => self.timeline_requested = None,
            _ => {}
        }
    }

    /// The selection moved: the timeline follows the newest, the actions start at the top.
    pub(crate) const fn selection_moved(&mut self) {
        self.timeline_top = None;
        self.timeline_cursor = None;
        self.action_sel = 0;
    }

    /// What the pane still needs fetched for `selected`, beyond `effects`; and note what is
    /// on its way.
    pub(crate) fn fetch(&mut self, selected: Option<IncidentId>, effects: &mut Vec<Effect>) {
        if let Some(id) = selected
            && self.timeline_of(selected).is_none()
            && self.timeline_requested != Some(id)
            && !effects.contains(&Effect::LoadTimeline(id))
        {
            effects.push(Effect::LoadTimeline(id));
        }
        if let Some(id) = selected
            && self.escalation_of(selected).is_none()
            && self.escalation_requested != Some(id)
            && !effects.contains(&Effect::LoadEscalation(id))
        {
            effects.push(Effect::LoadEscalation(id));
        }
        for e in effects.iter() {
            match e {
                Effect::LoadTimeline(id) => self.timeline_requested = Some(*id),
                Effect::LoadEscalation(id) => self.escalation_requested = Some(*id),
                _ => {}
            }
        }
    }

    /// The timeline, when it is `selected`'s.
    #[must_use]
    pub(crate) fn timeline_of(&self, selected: Option<IncidentId>) -> Option<&Timeline> {
        self.timeline.as_ref().filter(|t| Some(t.id) == selected)
    }

    /// The escalation, when it is `selected`'s (`Err`: why it could not be fetched).
    #[must_use]
    pub(crate) fn escalation_of(
        &self,
        selected: Option<IncidentId>,
    ) -> Option<Result<&EscalationView, &str>> {
        self.escalation
            .as_ref()
            .filter(|(id, _)| Some(*id) == selected)
            .map(|(_, e)| e.as_ref().map_err(String::as_str))
    }

    /// Move the cursor over a timeline of `len` events with `rows` on screen. The first event
    /// shown moves only to keep the cursor on screen; on the newest event the timeline follows
    /// new events again.
    pub(crate) fn scroll(&mut self, a: Action, len: usize, rows: usize) {
        let Some(last) = len.checked_sub(1) else { return };
        let at = self.timeline_cursor.unwrap_or(last).min(last);
        let to = match a {
            Action::SelectNext => at + 1,
            Action::SelectPrev => at.saturating_sub(1),
            Action::SelectFirst => 0,
            Action::SelectLast => last,
            Action::PageDown => at + rows,
            Action::PageUp => at.saturating_sub(rows),
            _ => return,
        }
        .min(last);
        self.point_at(to, len, rows);
    }

    /// Put the cursor on event `at` and scroll as little as keeps it on screen.
    pub(crate) fn point_at(&mut self, at: usize, len: usize, rows: usize) {
        if at + 1 >= len {
            self.timeline_cursor = None;
            self.timeline_top = None;
            return;
        }
        let rows = rows.max(1);
        let top = self.timeline_top.unwrap_or_else(|| len.saturating_sub(rows));
        let top = if at < top {
            at
        } else if at >= top + rows {
            at + 1 - rows
        } else {
            top
        };
        self.timeline_cursor = Some(at);
        self.timeline_top = Some(top);
    }

    /// Move the cursor over `n` offered actions.
    pub(crate) fn move_action(&mut self, a: Action, n: usize) {
        self.action_sel = match a {
            Action::SelectNext | Action::PageDown => (self.action_sel + 1).min(n.saturating_sub(1)),
            Action::SelectPrev | Action::PageUp => self.action_sel.saturating_sub(1),
            Action::SelectFirst => 0,
            Action::SelectLast => n.saturating_sub(1),
            _ => self.action_sel,
        };
    }
}

/// What deciding whether an action is possible needs: who, when, the rules, the keys (for
/// words that name one).
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    pub actor: &'a str,
    pub now: DateTime<Utc>,
    pub policy: &'a Policy,
    pub keymap: &'a KeyMap,
}

impl Rules<'_> {
    #[must_use]
    pub(crate) const fn ctx(&self) -> Context<'_> {
        Context { actor: self.actor, now: self.now, policy: self.policy, paging: None }
    }

    /// Whether an incident action is possible now; `Err` says why not, in words. `escalation`:
    /// the incident's, when known.
    ///
    /// # Errors
    /// The domain's refusal.
    pub fn check(
        &self,
        action: Action,
        inc: &Incident,
        escalation: Option<&EscalationView>,
    ) -> Result<(), Refusal> {
        if action == Action::Page {
            return self.check_page(inc, escalation);
        }
        match probe(action, inc) {
            Some(cmd) => decide(Some(inc), &cmd, self.ctx(), "tui").map(|_| ()),
            None => Ok(()),
        }
    }

    /// Paging is decided by the engine with the rota; what the screen already knows is checked
    /// here, so the key says why not at once.
    fn check_page(&self, inc: &Incident, escalation: Option<&EscalationView>) -> Result<(), Refusal> {
        if !inc.status.is_open() {
            return Err(Refusal {
                message: format!("{} is {}: reopen it before paging anyone", inc.id, inc.status),
                next: vec![],
            });
        }
        if escalation.is_some_and(|v| v.policy.is_none()) {
            let key = self.keymap.first(Action::Escalate).unwrap_or_else(|| "escalate".to_owned());
            return Err(Refusal {
                message: format!(
                    "{} has no escalation policy to page: none of its services names one; {key} records a hand-off by hand",
                    inc.id
                ),
                next: vec![],
            });
        }
        Ok(())
    }

    /// The priority an impact or urgency key would give (unchanged while set by hand).
    #[must_use]
    pub(crate) fn priority_after(&self, action: Action, inc: &Incident) -> Option<Priority> {
        let (i, u) = match action {
            Action::ImpactUp => (inc.impact.raised(), inc.urgency),
            Action::ImpactDown => (inc.impact.lowered(), inc.urgency),
            Action::UrgencyUp => (inc.impact, inc.urgency.raised()),
            Action::UrgencyDown => (inc.impact, inc.urgency.lowered()),
            _ => return None,
        };
        Some(if inc.priority_override.is_some() { inc.priority } else { self.policy.matrix.derive(i, u) })
    }
}

/// The command an action would send for an incident, with harmless text for forms; used to
/// ask the domain whether the action is possible now.
#[must_use]
pub(crate) fn probe(action: Action, inc: &Incident) -> Option<Command> {
    let id = inc.id;
    let t = || "-".to_owned();
    let up = |changes: FieldChanges| Some(Command::Update { id, changes });
    match action {
        Action::Acknowledge => Some(Command::Acknowledge { id }),
        Action::Contain => Some(Command::Contain { id, action: t() }),
        Action::Note => Some(Command::Note { id, text: t() }),
        Action::Finding => Some(Command::Finding { id, text: t() }),
        Action::RootCause => Some(Command::SetRootCause {
            id,
            root_cause: t(),
            trigger: None,
            contributing_factors: Vec::new(),
        }),
        Action::StatusUpdate => Some(Command::StatusUpdate { id, audience: t(), text: t() }),
        Action::Escalate => Some(Command::Escalate { id, to: t(), reason: t() }),
        Action::Roles => {
            Some(Command::AssignRole { id, role: Role::Scribe, person: Some("\u{0}probe".to_owned()) })
        }
        Action::Resolve => Some(Command::Resolve { id, summary: t(), recovered_at: None }),
        Action::Reopen => Some(Command::Reopen { id, reason: t() }),
        Action::Close | Action::Review => {
            Some(Command::RecordReview { id, review: Review { lessons: vec![t()], ..Review::default() } })
        }
        Action::ActionItems => {
            Some(Command::AddActionItem { id, text: t(), owner: t(), due: inc.detected_at.date_naive() })
        }
        Action::Milestones => Some(Command::RecordTime {
            id,
            milestone: Milestone::Detected,
            at: inc.detected_at,
            reason: None,
        }),
        Action::Drill => Some(Command::SetFlag { id, flag: Flag::Drill, value: !inc.drill }),
        Action::Correct => Some(Command::Correct { id, seq: inc.last_seq, text: t() }),
        Action::ImpactUp => up(FieldChanges { impact: Some(inc.impact.raised()), ..FieldChanges::default() }),
        Action::ImpactDown => {
            up(FieldChanges { impact: Some(inc.impact.lowered()), ..FieldChanges::default() })
        }
        Action::UrgencyUp => {
            up(FieldChanges { urgency: Some(inc.urgency.raised()), ..FieldChanges::default() })
        }
        Action::UrgencyDown => {
            up(FieldChanges { urgency: Some(inc.urgency.lowered()), ..FieldChanges::default() })
        }
        Action::SeverityUp => {
            up(FieldChanges { severity: Some(inc.severity.raised()), ..FieldChanges::default() })
        }
        Action::SeverityDown => {
            up(FieldChanges { severity: Some(inc.severity.lowered()), ..FieldChanges::default() })
        }
        Action::OverridePriority => Some(Command::OverridePriority {
            id,
            priority: if inc.priority == Priority::P1 { Priority::P2 } else { Priority::P1 },
            reason: t(),
        }),
        Action::ClearOverride => Some(Command::ClearPriorityOverride { id }),
        _ => None,
    }
}
