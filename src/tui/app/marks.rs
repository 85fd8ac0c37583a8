//! Marks: incidents picked with `space` to act on together (acknowledge, resolve, note, set
//! the priority), and the confirmation that names every one of them before anything is sent.
//!
//! A mark belongs to an incident, not to a row: it stays while the incident leaves the view
//! (filtered out, resolved elsewhere), and the queue's count says how many marks are not on
//! screen, so a bulk action never reaches an incident the responder cannot account for. The
//! confirmation lists each incident it will act on, the marked ones it leaves out and why, and
//! the selected incident when it is not marked (not included). Each incident gets its own
//! command, so its own event, recorded by the server with the acting user as its actor.

use super::{App, Level, forms};
use crate::domain::text::sanitize_line;
use crate::domain::{Command, IncidentId, Status};
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::form::Form;
use crate::tui::layout::Pane;

/// The actions that act on every marked incident while there are marks.
pub(crate) const BULK_ACTIONS: [Action; 4] =
    [Action::Acknowledge, Action::Resolve, Action::Note, Action::OverridePriority];

#[derive(Debug, Clone, Default)]
pub struct Marks {
    /// The marked incidents, in the order they were marked.
    pub ids: Vec<IncidentId>,
    /// The confirmation on screen, if any.
    pub confirm: Option<Confirm>,
    /// A form is open for the marked incidents: what it submits is fanned out to these, and
    /// the marked ones already left out are named in the confirmation.
    pub(crate) form_for: Option<Plan>,
    /// Sent and not answered yet: each is unmarked when its own outcome arrives.
    in_flight: Vec<IncidentId>,
}

/// Which marked incidents an action can reach now, and which it leaves out (and why).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub action: Option<Action>,
    pub targets: Vec<Target>,
    pub left_out: Vec<(IncidentId, String)>,
    /// The selected incident when it is not marked: named as not included.
    pub unmarked_selection: Option<IncidentId>,
}

/// One incident the confirmation names, as the responder last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: IncidentId,
    pub status: Status,
    pub priority: String,
    pub title: String,
}

/// The question on screen before a bulk action: everything it will do, and to which incidents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    /// "Acknowledge", "Note", ... (the action's verb, for the title and the key line).
    pub verb: String,
    /// What will be recorded on each, in one line ("" for an acknowledgement).
    pub detail: String,
    pub targets: Vec<Target>,
    pub left_out: Vec<(IncidentId, String)>,
    pub unmarked_selection: Option<IncidentId>,
    /// First line of the list shown (the list scrolls when it does not fit).
    pub scroll: usize,
    /// One command per target, in the targets' order.
    pub(crate) cmds: Vec<Command>,
}

impl Marks {
    #[must_use]
    pub fn is_marked(&self, id: IncidentId) -> bool {
        self.ids.contains(&id)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Mark or unmark; `true`: it is marked now.
    pub(crate) fn toggle(&mut self, id: IncidentId) -> bool {
        if let Some(i) = self.ids.iter().position(|&m| m == id) {
            self.ids.remove(i);
            false
        } else {
            self.ids.push(id);
            true
        }
    }

    /// Drop every mark; how many there were.
    pub(crate) fn clear(&mut self) -> usize {
        let n = self.ids.len();
        self.ids.clear();
        n
    }

    /// The confirmation's commands are on their way: keep the marks until each incident's own
    /// answer comes, so what was not done stays marked.
    pub(crate) fn send(&mut self) -> Option<(Vec<Command>, String)> {
        let c = self.confirm.take()?;
        self.in_flight = c.targets.iter().map(|t| t.id).collect();
        let ids: Vec<String> = c.targets.iter().map(|t| t.id.to_string()).collect();
        Some((c.cmds, format!("{} {}", c.verb.to_lowercase(), ids.join(", "))))
    }

    /// An answer came: the incidents it recorded something on are done and unmarked.
    /// `true`: it was the answer to a bulk action.
    pub(crate) fn answered(&mut self, recorded: &[IncidentId]) -> bool {
        if self.in_flight.is_empty() {
            return false;
        }
        self.ids.retain(|id| !(self.in_flight.contains(id) && recorded.contains(id)));
        self.in_flight.clear();
        true
    }
}

impl Plan {
    /// The confirmation for `cmds` (one per target, same order), with what they record.
    pub(crate) fn confirm(self, verb: &str, detail: String, cmds: Vec<Command>) -> Confirm {
        Confirm {
            verb: verb.to_owned(),
            detail,
            targets: self.targets,
            left_out: self.left_out,
            unmarked_selection: self.unmarked_selection,
            scroll: 0,
            cmds,
        }
    }
}

impl Target {
    pub(crate) fn of(inc: &crate::domain::Incident) -> Self {
        Self {
            id: inc.id,
            status: inc.status,
            priority: inc.priority.to_string(),
            title: sanitize_line(&inc.title).into_owned(),
        }
    }
}

/// The verb an action's confirmation uses.
#[must_use]
pub(crate) const fn verb(a: Action) -> &'static str {
    match a {
        Action::Acknowledge => "Acknowledge",
        Action::Resolve => "Resolve",
        Action::Note => "Note",
        _ => "Set priority",
    }
}

/// The command a form made for one incident, made for another: the same words, its own id.
#[must_use]
pub(crate) fn retarget(cmd: &Command, to: IncidentId) -> Option<Command> {
    Some(match cmd.clone() {
        Command::Acknowledge { .. } => Command::Acknowledge { id: to },
        Command::Note { text, .. } => Command::Note { id: to, text },
        Command::Resolve { summary, recovered_at, .. } => Command::Resolve { id: to, summary, recovered_at },
        Command::OverridePriority { priority, reason, .. } => {
            Command::OverridePriority { id: to, priority, reason }
        }
        _ => return None,
    })
}

/// What a bulk command records, in one line for the confirmation.
#[must_use]
pub(crate) fn detail(cmd: &Command) -> String {
    let first = |s: &str| {
        let line = s.lines().next().unwrap_or("");
        let clean = sanitize_line(line);
        if s.lines().nth(1).is_some() { format!("{clean} …") } else { clean.into_owned() }
    };
    match cmd {
        Command::Note { text, .. } => format!("note: {}", first(text)),
        Command::Resolve { summary, .. } => format!("summary: {}", first(summary)),
        Command::OverridePriority { priority, reason, .. } => {
            format!("{priority}, because: {}", first(reason))
        }
        _ => String::new(),
    }
}

impl App {
    /// `space`: mark or unmark the selected incident, then move down the queue so a run of
    /// incidents is marked key after key.
    pub(super) fn toggle_mark(&mut self) -> Vec<Effect> {
        let Some(id) = self.queue.selected else {
            self.say(Level::Error, "no incident selected to mark");
            return Vec::new();
        };
        let marked = self.marks.toggle(id);
        if self.pane.focus == Pane::Queue {
            self.navigate(Action::SelectNext);
        }
        let n = self.marks.len();
        let text = if n == 0 {
            format!("{id} unmarked; no marks left")
        } else {
            let keys: Vec<String> = BULK_ACTIONS
                .iter()
                .filter_map(|&a| self.keymap.first(a).map(|k| format!("{k} {}", verb(a).to_lowercase())))
                .collect();
            let back = self.keymap.first(Action::Back).unwrap_or_else(|| "back".to_owned());
            format!(
                "{id} {} · {n} marked: {} act on all of them; {back} clears the marks",
                if marked { "marked" } else { "unmarked" },
                keys.join(", ")
            )
        };
        self.say(Level::Info, text);
        Vec::new()
    }

    /// Which marked incidents `a` can reach now: the domain's rules on each as last fetched.
    fn plan(&self, a: Action) -> Plan {
        let mut plan = Plan { action: Some(a), ..Plan::default() };
        for &id in &self.marks.ids {
            match self.incident(id) {
                None => plan.left_out.push((id, "not loaded here (A shows resolved and closed ones)".into())),
                Some(inc) => match self.check(a, inc) {
                    Ok(()) => plan.targets.push(Target::of(inc)),
                    Err(r) => plan.left_out.push((id, crate::tui::refusal::text(&r))),
                },
            }
        }
        plan.unmarked_selection = self.queue.selected.filter(|id| !self.marks.is_marked(*id));
        plan
    }

    /// A bulk action while incidents are marked: the confirmation at once (acknowledge), or
    /// the action's form first and the confirmation when it is submitted.
    pub(super) fn bulk_action(&mut self, a: Action) -> Vec<Effect> {
        let plan = self.plan(a);
        let Some(first) = plan.targets.first().and_then(|t| self.incident(t.id)).cloned() else {
            let why: Vec<String> = plan.left_out.iter().map(|(id, why)| format!("{id}: {why}")).collect();
            let text = format!(
                "{} on the {} marked: none can be: {}",
                verb(a).to_lowercase(),
                self.marks.len(),
                why.join("; ")
            );
            self.say(Level::Error, text);
            return Vec::new();
        };
        if a == Action::Acknowledge {
            let cmds = plan.targets.iter().map(|t| Command::Acknowledge { id: t.id }).collect();
            self.marks.confirm = Some(plan.confirm(verb(a), String::new(), cmds));
            return Vec::new();
        }
        let Some(kind) = forms::kind_for(a) else { return Vec::new() };
        let mut form = Form::for_incident(kind, &first, &self.policy, &self.on_call);
        // The form is filled once for all of them; its title must not name only the first.
        let base = form.title.strip_suffix(&format!(" · {}", first.id)).unwrap_or(&form.title).to_owned();
        form.title = format!("{base} · {} marked incidents (listed before it is sent)", plan.targets.len());
        self.forms.open = Some(form);
        self.marks.form_for = Some(plan);
        Vec::new()
    }

    /// The bulk form was submitted: what it would send for the first incident becomes one
    /// command per marked incident, shown in the confirmation instead of being sent.
    pub(super) fn fan_out_bulk_form(&mut self, effects: &mut Vec<Effect>) {
        if self.marks.form_for.is_none() {
            return;
        }
        let Some(at) = effects.iter().position(|e| matches!(e, Effect::Execute { .. })) else {
            if self.forms.open.is_none() {
                // Cancelled: nothing to fan out.
                self.marks.form_for = None;
            }
            return;
        };
        let (Effect::Execute { cmds, .. }, Some(plan)) = (effects.remove(at), self.marks.form_for.take())
        else {
            return;
        };
        self.forms.open = None;
        let Some(template) = cmds.first() else { return };
        let per: Vec<Command> = plan.targets.iter().filter_map(|t| retarget(template, t.id)).collect();
        if per.len() != plan.targets.len() || cmds.len() != 1 {
            self.say(Level::Error, "this form cannot act on several incidents; nothing was written");
            return;
        }
        let verb = plan.action.map_or("Act", verb);
        self.marks.confirm = Some(plan.confirm(verb, detail(template), per));
    }

    /// Keys while the confirmation is on screen: enter sends, esc cancels, j/k scroll.
    pub(super) fn on_confirm_action(&mut self, a: Action) -> Vec<Effect> {
        match a {
            Action::Open => {
                if let Some((cmds, what)) = self.marks.send() {
                    return vec![Effect::Execute { cmds, what }];
                }
            }
            Action::Back => {
                self.marks.confirm = None;
                self.say(Level::Info, "cancelled; nothing was written (the marks stay)");
            }
            Action::Quit => return vec![Effect::Quit],
            Action::SelectNext | Action::PageDown => {
                if let Some(c) = self.marks.confirm.as_mut() {
                    let step = if a == Action::PageDown { 10 } else { 1 };
                    c.scroll = (c.scroll + step).min(c.lines().saturating_sub(1));
                }
            }
            Action::SelectPrev | Action::PageUp => {
                if let Some(c) = self.marks.confirm.as_mut() {
                    let step = if a == Action::PageUp { 10 } else { 1 };
                    c.scroll = c.scroll.saturating_sub(step);
                }
            }
            _ => {
                let (enter, esc) = (
                    self.keymap.first(Action::Open).unwrap_or_else(|| "open".to_owned()),
                    self.keymap.first(Action::Back).unwrap_or_else(|| "back".to_owned()),
                );
                self.say(Level::Info, format!("{enter} confirms, {esc} cancels"));
            }
        }
        Vec::new()
    }
}

impl Confirm {
    /// Lines of the list (incidents, then those left out, then the unmarked selection).
    #[must_use]
    pub fn lines(&self) -> usize {
        self.targets.len() + self.left_out.len() + usize::from(self.unmarked_selection.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_toggles_and_keeps_the_order_of_marking() {
        let mut m = Marks::default();
        assert!(m.toggle(IncidentId(5)));
        assert!(m.toggle(IncidentId(2)));
        assert!(!m.toggle(IncidentId(5)));
        assert!(m.toggle(IncidentId(5)));
        assert_eq!(m.ids, vec![IncidentId(2), IncidentId(5)]);
        assert_eq!(m.clear(), 2);
        assert!(m.is_empty());
    }

    #[test]
    fn only_incidents_with_their_own_outcome_are_unmarked() {
        let mut m = Marks::default();
        for id in [1, 2, 3] {
            m.toggle(IncidentId(id));
        }
        m.in_flight = vec![IncidentId(1), IncidentId(2)];
        // 2 was refused (no outcome); 3 was never sent.
        m.answered(&[IncidentId(1)]);
        assert_eq!(m.ids, vec![IncidentId(2), IncidentId(3)]);
    }

    #[test]
    fn a_command_keeps_its_words_and_takes_the_other_id() {
        let note = Command::Note { id: IncidentId(1), text: "db failover".into() };
        assert_eq!(
            retarget(&note, IncidentId(9)),
            Some(Command::Note { id: IncidentId(9), text: "db failover".into() })
        );
        assert_eq!(retarget(&Command::Close { id: IncidentId(1) }, IncidentId(9)), None);
    }
}
