//! The open form and what submitting it sends. A form's commands are checked with the
//! domain's rules on a copy of the incident first, so a refusal stays on the form and nothing
//! half-done is written; maintenance windows and overrides are checked here likewise.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::alert::MaintenanceWindow;
use crate::domain::decide::decide;
use crate::domain::text::sanitize_line;
use crate::domain::{Event, Incident, RotaCommand, Source, Stamp, record};
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::form::{Edit, Form, FormKind, Opening};
use crate::wire::EscalationView;

use super::incident::Rules;
use super::queue::Queue;

#[derive(Debug, Clone, Default)]
pub struct Forms {
    /// The form over the screen, if one is open.
    pub open: Option<Form>,
}

/// What submitting needs from the rest of the app.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub rules: Rules<'a>,
    pub timezone: Tz,
    /// The incidents as last fetched, to check commands against.
    pub queue: &'a Queue,
}

impl Forms {
    pub(crate) fn type_char(&mut self, c: char) {
        if let Some(f) = self.open.as_mut()
            && !f.submitting
        {
            f.type_char(c);
            f.follow_event();
        }
    }

    /// An editing key. Enter never sends ([`Edit::Enter`]); on the last field, where it has
    /// nowhere to move, the form says which key does.
    pub fn edit(&mut self, e: Edit, cx: Ctx<'_>) -> Vec<Effect> {
        if let Some(f) = self.open.as_mut()
            && !f.submitting
        {
            let at_end = f.edit(e);
            f.follow_event();
            if at_end {
                let submit = cx.rules.keymap.first(Action::Submit).unwrap_or_default();
                f.error = Some(format!("enter does not send a form: {submit} submits it"));
            }
        }
        Vec::new()
    }

    pub(crate) fn paste(&mut self, s: &str) {
        if let Some(f) = self.open.as_mut()
            && !f.submitting
        {
            f.paste(s);
            f.follow_event();
        }
    }

    /// Open the focused text field in the responder's editor; a choice has no text to edit.
    pub(crate) fn edit_in_editor(&mut self) -> Vec<Effect> {
        let Some(f) = self.open.as_mut().filter(|f| !f.submitting) else { return Vec::new() };
        match f.editable_text() {
            Some(text) => vec![Effect::EditText { field: f.focus, text: text.to_owned() }],
            None => {
                f.error = Some("an editor edits text fields; move to one first".to_owned());
                Vec::new()
            }
        }
    }

    /// The editor's answer: the field takes the text, or the form says why it did not.
    pub(crate) fn edited(&mut self, field: usize, text: Result<String, String>) {
        let Some(f) = self.open.as_mut() else { return };
        match text {
            Ok(t) => {
                f.set_text(field, &t);
                f.follow_event();
            }
            Err(why) => f.error = Some(format!("{why}; the field is unchanged")),
        }
    }

    pub(crate) fn next_field(&mut self) {
        if let Some(f) = self.open.as_mut() {
            f.next_field();
        }
    }

    pub(crate) fn prev_field(&mut self) {
        if let Some(f) = self.open.as_mut() {
            f.prev_field();
        }
    }

    /// The answer to what the form sent: it closes, or stays with the error on it.
    pub fn answered(&mut self, r: Result<(), &str>) {
        match r {
            Ok(()) => self.open = None,
            Err(text) => {
                if let Some(f) = self.open.as_mut() {
                    f.submitting = false;
                    f.error = Some(text.to_owned());
                }
            }
        }
    }

    /// Check the open form and send what it stands for; a refusal stays on the form.
    pub(crate) fn submit(&mut self, cx: Ctx<'_>) -> Vec<Effect> {
        let Some(mut form) = self.open.take() else { return Vec::new() };
        if form.submitting {
            self.open = Some(form);
            return Vec::new();
        }
        form.error = None;
        let fx = match form.kind {
            FormKind::Maintenance => submit_maintenance(&mut form, cx),
            FormKind::AddOverride | FormKind::RemoveOverride => match submit_rota(&mut form, cx) {
                Some(fx) => fx,
                // A remove form that names no override has nothing to send: it goes.
                None => return Vec::new(),
            },
            _ => submit_commands(&mut form, cx),
        };
        if !fx.is_empty() {
            form.submitting = true;
        }
        self.open = Some(form);
        fx
    }
}

/// The form an incident action opens; `None`: the action is its command (no text to ask for).
#[must_use]
pub(crate) const fn kind_for(a: Action) -> Option<FormKind> {
    Some(match a {
        Action::Contain => FormKind::Contain,
        Action::Note => FormKind::Note,
        Action::Finding => FormKind::Finding,
        Action::RootCause => FormKind::RootCause,
        Action::StatusUpdate => FormKind::StatusUpdate,
        Action::Escalate => FormKind::Escalate,
        Action::Roles => FormKind::Roles,
        Action::Resolve => FormKind::Resolve,
        Action::Reopen => FormKind::Reopen,
        Action::Close => FormKind::Close,
        Action::OverridePriority => FormKind::OverridePriority,
        Action::Maintenance => FormKind::Maintenance,
        _ => return None,
    })
}

/// The page form, with the levels and whom "next" reaches when the escalation is known.
#[must_use]
pub(crate) fn page_form(inc: &Incident, escalation: Option<&EscalationView>) -> Form {
    let Some(view) = escalation else {
        return Form::page(inc, 0, "next: the level after the last one paged");
    };
    let levels = u32::try_from(view.levels.len()).unwrap_or(u32::MAX);
    let current = view.progress.as_ref().and_then(crate::domain::escalation::Progress::current);
    let next = match current {
        None => Some(1),
        Some(c) if c.level < levels => Some(c.level + 1),
        Some(_) => None,
    };
    let hint = match next.and_then(|n| view.levels.iter().find(|l| l.level == n)) {
        Some(l) if l.reaches.is_empty() => format!("next = level {}, nobody on call there now", l.level),
        Some(l) => {
            let who: Vec<String> = l.reaches.iter().map(|p| sanitize_line(p).into_owned()).collect();
            format!("next = level {} ({})", l.level, who.join(", "))
        }
        None => format!("level {levels} was the last; choose one to page again"),
    };
    Form::page(inc, levels, &hint)
}

/// The form of a step the CLI had alone (review, action items, times, flags, correction);
/// `None`: the action opens no such form. `timeline`: the incident's, when fetched;
/// `picked`: the event the timeline shows first when scrolled (else the newest is taken).
#[must_use]
pub(crate) fn step_form(
    a: Action,
    inc: &Incident,
    at: Opening<'_>,
    timeline: Option<&[Event]>,
    picked: Option<usize>,
) -> Option<Form> {
    Some(match a {
        Action::Review => Form::review(inc),
        Action::ActionItems => Form::action_items(inc, at),
        Action::Milestones => Form::milestones(inc, at),
        Action::Drill => Form::flags(inc),
        Action::Correct => Form::correct(inc, timeline.unwrap_or_default(), picked, at),
        _ => return None,
    })
}

fn submit_commands(form: &mut Form, cx: Ctx<'_>) -> Vec<Effect> {
    let cmds = if form.kind.is_step() {
        let Some(inc) = form.incident.and_then(|id| cx.queue.incident(id)) else {
            form.error = Some("the incident is not loaded yet: try again in a moment".to_owned());
            return Vec::new();
        };
        match form.step_commands(inc, cx.timezone, cx.rules.now) {
            Ok(cmds) => cmds,
            Err(e) => {
                form.error = Some(e);
                return Vec::new();
            }
        }
    } else {
        let Some(cmds) = form.commands() else { return Vec::new() };
        cmds
    };
    if form.kind != FormKind::Page {
        // Play the commands against the cached incident with the domain's rules, so a refusal
        // shows on the form and nothing half-done is written. (Whom a page reaches is the
        // rota's business: the engine decides, and a refusal comes back onto the form.)
        let mut sim = form.incident.and_then(|id| cx.queue.incident(id).cloned());
        let stamp = Stamp { actor: cx.rules.actor, source: Source::Tui, now: cx.rules.now };
        for cmd in &cmds {
            match decide(sim.as_ref(), cmd, cx.rules.ctx(), "tui") {
                Ok(kinds) => {
                    if let Some(inc) = sim.as_ref()
                        && let Ok(r) = record(Some(inc), kinds, &stamp, || inc.id)
                    {
                        sim = Some(r.summary);
                    }
                }
                Err(r) => {
                    form.error = Some(crate::tui::refusal::keyed(&r, Some(cx.rules.keymap)));
                    return Vec::new();
                }
            }
        }
    }
    vec![Effect::Execute { cmds, what: form.title.clone() }]
}

fn submit_maintenance(form: &mut Form, cx: Ctx<'_>) -> Vec<Effect> {
    let value = |i: usize| form.fields.get(i).map(|f| f.value.trim().to_owned()).unwrap_or_default();
    let (service, span, reason) = (value(0), value(1), value(2));
    let Some(length) = crate::when::parse_span(&span) else {
        form.error = Some(format!("'{span}' is not a length of time: use 90m, 2h, 1d"));
        return Vec::new();
    };
    let now = cx.rules.now;
    let window = MaintenanceWindow {
        id: 0,
        service,
        start: now,
        end: now + length,
        reason,
        set_by: cx.rules.actor.to_owned(),
    };
    if let Err(m) = window.check() {
        form.error = Some(m);
        return Vec::new();
    }
    vec![Effect::SetMaintenance(window)]
}

/// `None`: the form names no override to remove.
fn submit_rota(form: &mut Form, cx: Ctx<'_>) -> Option<Vec<Effect>> {
    if !form.check_required() {
        return Some(Vec::new());
    }
    let cmd = if form.kind == FormKind::RemoveOverride {
        let id = form.override_id?;
        let reason = form.value(0);
        RotaCommand::RemoveOverride { id, reason: (!reason.is_empty()).then_some(reason) }
    } else {
        match override_command(form, cx.timezone, cx.rules.now) {
            Ok(cmd) => cmd,
            Err(e) => {
                form.error = Some(e);
                return Some(Vec::new());
            }
        }
    };
    Some(vec![Effect::ChangeRota { cmd, what: form.title.clone() }])
}

/// The schedule and its window as typed into the override form, as a command.
fn override_command(form: &Form, tz: Tz, now: DateTime<Utc>) -> Result<RotaCommand, String> {
    let start = crate::when::parse_ahead(&form.value(3), tz, now).map_err(|e| format!("From: {e}"))?;
    let end = crate::when::parse_until(&form.value(4), tz, start).map_err(|e| format!("Until: {e}"))?;
    if end <= start {
        return Err("the override ends before it starts: give Until after From".to_owned());
    }
    let opt = |s: String| (!s.is_empty()).then_some(s);
    Ok(RotaCommand::AddOverride {
        schedule: form.value(0),
        person: form.value(1),
        covers: opt(form.value(2)),
        start,
        end,
        reason: opt(form.value(5)),
    })
}
