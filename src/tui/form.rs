//! Forms: what a responder fills in before a command is sent.
//!
//! A [`Form`] is plain state: fields, which one has focus, the messages shown in place. It knows
//! how to turn its values into [`Command`]s ([`Form::commands`]); `App::update` checks those
//! against the cached incident with the domain's own rules before anything is sent, so a form
//! stays open with its message instead of writing half of what was meant.

use crate::domain::{
    Command, Impact, Incident, IncidentId, NewIncident, Policy, Priority, Review, Role, Severity, Urgency,
    missing_for_close,
};

mod steps;

pub use steps::Opening;

/// How a field takes input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// One line; Enter moves on.
    Line,
    /// Several lines; Enter is a new line.
    Multi,
    /// One of a fixed list; left/right or space change it, a letter jumps.
    Choice(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub label: &'static str,
    /// Shown dimmed after the label: what to write, which values are known.
    pub hint: String,
    pub kind: FieldKind,
    pub value: String,
    /// Byte position of the cursor in `value` (always on a character boundary).
    pub cursor: usize,
    /// Index into the choices of a [`FieldKind::Choice`].
    pub choice: usize,
    pub required: bool,
    /// A validation message shown under the field.
    pub error: Option<String>,
}

impl Field {
    fn line(label: &'static str, hint: impl Into<String>) -> Self {
        Self {
            label,
            hint: hint.into(),
            kind: FieldKind::Line,
            value: String::new(),
            cursor: 0,
            choice: 0,
            required: false,
            error: None,
        }
    }
    fn multi(label: &'static str, hint: impl Into<String>) -> Self {
        Self { kind: FieldKind::Multi, ..Self::line(label, hint) }
    }
    fn choice(label: &'static str, options: &[&str], default: usize) -> Self {
        Self {
            kind: FieldKind::Choice(options.iter().map(|s| (*s).to_owned()).collect()),
            choice: default,
            ..Self::line(label, "left/right to change")
        }
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn with_value(mut self, v: &str) -> Self {
        v.clone_into(&mut self.value);
        self.cursor = self.value.len();
        self
    }

    /// The text a choice field shows, or the typed value.
    #[must_use]
    pub fn shown(&self) -> &str {
        match &self.kind {
            FieldKind::Choice(opts) => opts.get(self.choice).map_or("", String::as_str),
            _ => &self.value,
        }
    }

    fn trimmed(&self) -> &str {
        self.shown().trim()
    }

    fn lines(&self) -> Vec<String> {
        self.value.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
    }

    fn insert(&mut self, text: &str) {
        self.value.insert_str(self.cursor, text);
        self.cursor += text.len();
    }

    fn prev_boundary(&self) -> usize {
        self.value[..self.cursor].char_indices().next_back().map_or(0, |(i, _)| i)
    }

    fn next_boundary(&self) -> usize {
        self.value[self.cursor..].chars().next().map_or(self.cursor, |c| self.cursor + c.len_utf8())
    }

    /// The text before and after the cursor.
    #[must_use]
    pub(crate) fn split_at_cursor(&self) -> (&str, &str) {
        self.value.split_at(self.cursor.min(self.value.len()))
    }

    fn opt(&self) -> Option<String> {
        let t = self.trimmed();
        (!t.is_empty()).then(|| t.to_owned())
    }
}

/// CR LF and lone CR (what terminals send for a pasted line break) as LF.
fn unix_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Which form is open; each builds its own commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    NewIncident,
    Contain,
    Note,
    Finding,
    RootCause,
    StatusUpdate,
    Escalate,
    Roles,
    Resolve,
    Reopen,
    Close,
    OverridePriority,
    Maintenance,
    /// Page a level of the incident's escalation policy by hand.
    Page,
    /// Put someone on call in a schedule for a while.
    AddOverride,
    /// Remove an override (the form is the confirmation, with an optional reason).
    RemoveOverride,
    /// The post-incident review on its own (step 8), without closing.
    Review,
    /// The action items: listed, one added, some completed.
    ActionItems,
    /// When the impact started, was detected, was reported.
    Milestones,
    /// The drill and near-miss flags.
    Flags,
    /// A correction of one event of the timeline.
    Correct,
}

impl FormKind {
    /// Forms whose commands [`Form::step_commands`] builds, with the clock, the zone and the
    /// incident as last fetched.
    #[must_use]
    pub const fn is_step(self) -> bool {
        matches!(self, Self::Review | Self::ActionItems | Self::Milestones | Self::Flags | Self::Correct)
    }
}

/// An editing key that is not a binding: these work the same in every form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Backspace,
    /// The one Enter rule of every form: a new line in a text box (a field of several lines),
    /// the next field anywhere else. Enter never sends a form; only submit (ctrl-s) does, so a
    /// responder who learnt one form cannot send another half-filled.
    Enter,
    /// Cursor left, or the previous choice.
    Left,
    /// Cursor right, or the next choice.
    Right,
    /// Start of the line.
    Home,
    /// End of the line.
    End,
    /// Delete the character under the cursor.
    Delete,
    /// Clear the field (ctrl-u).
    Clear,
    /// Delete the last word (ctrl-w).
    DeleteWord,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub kind: FormKind,
    pub incident: Option<IncidentId>,
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Why the last submit was refused (by validation or by the engine), shown on the form.
    pub error: Option<String>,
    /// For the close form: what closing still needs, listed before the fields.
    pub missing: Vec<String>,
    /// Sent; waiting for the engine's answer (the form closes on success).
    pub submitting: bool,
    /// For the remove-override form: which override.
    pub override_id: Option<u32>,
    /// For the close and root-cause forms: the root cause on record when it opened. The close
    /// form shows only its text and keeps its trigger and factors; neither form records an
    /// unchanged root cause again.
    pub prior_root_cause: Option<crate::domain::incident::RootCause>,
    /// Lines shown above the fields: what is on record that the form is about (the action
    /// items, the event being corrected). Already one terminal line each (sanitised).
    pub notes: Vec<String>,
    /// For the close form: the review on record when it opened, prefilled; an unchanged
    /// review is not recorded again.
    pub prior_review: Option<Review>,
    /// For the correction form: each event's number and line, so the line shown above the
    /// fields follows the number typed.
    pub events: Vec<(u32, String)>,
}

const LEVELS: [&str; 3] = ["high", "medium", "low"];
const SEVERITIES: [&str; 4] = ["SEV1", "SEV2", "SEV3", "SEV4"];
const PRIORITIES: [&str; 5] = ["P1", "P2", "P3", "P4", "P5"];
const ROLES: [&str; 5] = ["commander", "deputy", "scribe", "comms", "sme"];

fn known_hint(what: &str, known: &[String]) -> String {
    if known.is_empty() { what.to_owned() } else { format!("{what}; known: {}", known.join(", ")) }
}

impl Form {
    fn new(kind: FormKind, incident: Option<&Incident>, title: &str, fields: Vec<Field>) -> Self {
        let title = match incident {
            Some(i) => format!("{title} · {}", i.id),
            None => title.to_owned(),
        };
        Self {
            kind,
            incident: incident.map(|i| i.id),
            title,
            fields,
            focus: 0,
            error: None,
            missing: Vec::new(),
            submitting: false,
            override_id: None,
            prior_root_cause: None,
            notes: Vec::new(),
            prior_review: None,
            events: Vec::new(),
        }
    }

    /// Put someone on call in a schedule for a while; the schedules and people the rota knows.
    #[must_use]
    pub fn add_override(schedules: &[String], people: &[String]) -> Self {
        let schedule = Field {
            kind: FieldKind::Choice(schedules.to_vec()),
            ..Field::line("Schedule", "left/right or its first letter to choose")
        };
        Self::new(
            FormKind::AddOverride,
            None,
            "Add an override",
            vec![
                schedule,
                Field::line("Person", known_hint("who is on call instead", people)).required(),
                Field::line("Covers", "optional: whom they stand in for; empty: whoever is on call then"),
                Field::line(
                    "From",
                    "now, 18:00 (the next one), tomorrow 09:00, fri 18:00, +2h, 2026-11-27 18:00",
                )
                .required()
                .with_value("now"),
                Field::line(
                    "Until",
                    "as From, counted from it (09:00: the next 09:00 after From), or 8h, 2d",
                )
                .required(),
                Field::line("Reason", "optional: why, for the team"),
            ],
        )
    }

    /// Confirm removing an override: `what` describes it in the title.
    #[must_use]
    pub fn remove_override(id: u32, what: &str) -> Self {
        let mut form = Self::new(
            FormKind::RemoveOverride,
            None,
            &format!("Remove override #{id}: {what}"),
            vec![Field::line("Reason", "optional: why it is no longer needed; submit removes it")],
        );
        form.override_id = Some(id);
        form
    }

    /// Mark the required fields left empty; true when none is.
    pub(crate) fn check_required(&mut self) -> bool {
        let mut first_bad = None;
        for (i, f) in self.fields.iter_mut().enumerate() {
            if f.required && f.trimmed().is_empty() {
                f.error = Some(format!("{} is required", f.label.to_lowercase()));
                first_bad.get_or_insert(i);
            }
        }
        if let Some(i) = first_bad {
            self.focus = i;
            self.error = Some("fill in the marked fields".to_owned());
            return false;
        }
        true
    }

    /// The trimmed text (or choice) of field `i`.
    #[must_use]
    pub fn value(&self, i: usize) -> String {
        self.fields.get(i).map_or(String::new(), |f| f.trimmed().to_owned())
    }

    #[must_use]
    pub fn new_incident(policy: &Policy) -> Self {
        Self::new(
            FormKind::NewIncident,
            None,
            "New incident",
            vec![
                Field::line("Title", "what is broken, in one line").required(),
                Field::line("Services", known_hint("comma-separated", &policy.services)),
                Field::choice("Impact", &LEVELS, 1),
                Field::choice("Urgency", &LEVELS, 1),
                Field::choice("Severity", &SEVERITIES, 2),
                Field::line("Category", known_hint("optional", &policy.categories)),
                Field::multi("Description", "optional; what is known so far"),
            ],
        )
    }

    /// Page a level of the incident's policy: `levels` is how many it has (0: not known yet),
    /// `next` says whom "next" reaches.
    #[must_use]
    pub fn page(inc: &Incident, levels: u32, next: &str) -> Self {
        let mut options = vec!["next".to_owned()];
        options.extend((1..=levels).map(|l| l.to_string()));
        let level = Field {
            kind: FieldKind::Choice(options),
            ..Field::line("Level", format!("{next}; left/right or a digit to choose"))
        };
        Self::new(
            FormKind::Page,
            Some(inc),
            "Page",
            vec![level, Field::line("Reason", "why you page now; the people paged read it").required()],
        )
    }

    /// A form about one incident.
    #[must_use]
    pub(crate) fn for_incident(kind: FormKind, inc: &Incident, policy: &Policy, on_call: &[String]) -> Self {
        let (title, fields) = match kind {
            FormKind::NewIncident | FormKind::AddOverride | FormKind::RemoveOverride => {
                return Self::new_incident(policy);
            }
            FormKind::Page => return Self::page(inc, 0, "the level after the last one paged"),
            FormKind::Review => return Self::review(inc),
            FormKind::Flags => return Self::flags(inc),
            // Built by `steps` with the clock, the zone and the timeline; this is the fallback
            // of a caller that has none: the times read as UTC, the owner is left to type.
            FormKind::ActionItems | FormKind::Milestones | FormKind::Correct => {
                let at =
                    Opening { actor: "", people: on_call, timezone: chrono_tz::UTC, now: inc.updated_at };
                return match kind {
                    FormKind::ActionItems => Self::action_items(inc, at),
                    FormKind::Milestones => Self::milestones(inc, at),
                    _ => Self::correct(inc, &[], None, at),
                };
            }
            FormKind::Contain => {
                ("Containment", vec![Field::line("Action", "what stopped the impact").required()])
            }
            FormKind::Note => ("Note", vec![Field::multi("Note", "what happened, what you saw").required()]),
            FormKind::Finding => {
                ("Finding", vec![Field::multi("Finding", "what the investigation found").required()])
            }
            FormKind::RootCause => {
                // What is on record shows and stays unless edited: submitting records all three.
                let rc = inc.root_cause.as_ref();
                (
                    "Root cause",
                    vec![
                        Field::multi("Root cause", "why it happened")
                            .required()
                            .with_value(rc.map_or("", |r| r.root_cause.as_str())),
                        Field::line("Trigger", "optional; what set it off")
                            .with_value(rc.and_then(|r| r.trigger.as_deref()).unwrap_or("")),
                        Field::multi("Contributing", "optional; one factor per line")
                            .with_value(&rc.map_or_else(String::new, |r| r.contributing_factors.join("\n"))),
                    ],
                )
            }
            FormKind::StatusUpdate => (
                "Status update",
                vec![
                    Field::line("Audience", "who it is for").required().with_value("stakeholders"),
                    Field::multi("Update", "what they need to know now").required(),
                ],
            ),
            FormKind::Escalate => (
                "Escalate",
                vec![
                    Field::line("To", known_hint("a person, team or level", on_call)).required(),
                    Field::multi("Why", "what you need from them").required(),
                ],
            ),
            FormKind::Roles => (
                "Assign a role",
                vec![
                    Field::choice("Role", &ROLES, 0),
                    Field::line("Person", "empty: you take it; a handover names both people"),
                ],
            ),
            FormKind::Resolve => (
                "Resolve",
                vec![Field::multi("Summary", "what fixed it; service is restored now").required()],
            ),
            FormKind::Reopen => ("Reopen", vec![Field::multi("Reason", "why it is not over").required()]),
            FormKind::Maintenance => (
                "Maintenance window",
                vec![
                    Field::line("Service", known_hint("its alerts open no incident", &policy.services))
                        .required()
                        .with_value(inc.services.first().map_or("", String::as_str)),
                    Field::line("For", "from now: 90m, 2h, 1d").required().with_value("1h"),
                    Field::line("Reason", "why alerts are expected").required(),
                ],
            ),
            FormKind::OverridePriority => {
                let current = usize::from(inc.priority.number()).saturating_sub(1);
                (
                    "Priority by hand",
                    vec![
                        Field::choice("Priority", &PRIORITIES, current),
                        Field::multi("Reason", "why impact x urgency is wrong here").required(),
                    ],
                )
            }
            FormKind::Close => {
                let rc = inc.root_cause.as_ref().map_or("", |r| r.root_cause.as_str());
                let mut root = Field::multi("Root cause", "why it happened").with_value(rc);
                root.required = policy.closing.require_root_cause;
                let r = inc.review.clone().unwrap_or_default();
                (
                    "Review and close",
                    vec![
                        root,
                        Field::multi("Went well", "one item per line").with_value(&r.went_well.join("\n")),
                        Field::multi("Went wrong", "one item per line").with_value(&r.went_wrong.join("\n")),
                        Field::multi("Got lucky", "one item per line").with_value(&r.got_lucky.join("\n")),
                        Field::multi("Lessons", "one lesson per line").with_value(&r.lessons.join("\n")),
                    ],
                )
            }
        };
        let mut form = Self::new(kind, Some(inc), title, fields);
        if kind == FormKind::Close {
            form.missing = missing_for_close(inc, &policy.closing);
            form.prior_review.clone_from(&inc.review);
        }
        if matches!(kind, FormKind::Close | FormKind::RootCause) {
            form.prior_root_cause.clone_from(&inc.root_cause);
        }
        form
    }

    pub(crate) fn next_field(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len().max(1);
    }

    pub(crate) fn prev_field(&mut self) {
        let n = self.fields.len().max(1);
        self.focus = (self.focus + n - 1) % n;
    }

    /// Type a character into the focused field.
    pub(crate) fn type_char(&mut self, c: char) {
        let Some(f) = self.fields.get_mut(self.focus) else { return };
        f.error = None;
        match &f.kind {
            FieldKind::Choice(opts) => {
                if c == ' ' {
                    f.choice = (f.choice + 1) % opts.len();
                } else {
                    let lc = c.to_ascii_lowercase();
                    let n = opts.len();
                    if let Some(i) = (1..=n)
                        .map(|d| (f.choice + d) % n)
                        .find(|&i| opts[i].to_ascii_lowercase().starts_with(lc) || opts[i].ends_with(c))
                    {
                        f.choice = i;
                    }
                }
            }
            _ => f.insert(c.encode_utf8(&mut [0; 4])),
        }
    }

    /// Apply an editing key. Returns true when Enter was pressed on the last field outside a
    /// text box: there is no next field, and Enter does not send (see [`Edit::Enter`]), so the
    /// caller says which key does.
    pub fn edit(&mut self, e: Edit) -> bool {
        let last = self.focus + 1 == self.fields.len();
        let Some(f) = self.fields.get_mut(self.focus) else { return false };
        f.error = None;
        match (e, &f.kind) {
            (Edit::Enter, FieldKind::Multi) => f.insert("\n"),
            (Edit::Enter, _) => {
                if last {
                    return true;
                }
                self.next_field();
            }
            (Edit::Left, FieldKind::Choice(opts)) => f.choice = (f.choice + opts.len() - 1) % opts.len(),
            (Edit::Right, FieldKind::Choice(opts)) => f.choice = (f.choice + 1) % opts.len(),
            (Edit::Backspace, FieldKind::Line | FieldKind::Multi) => {
                let prev = f.prev_boundary();
                f.value.replace_range(prev..f.cursor, "");
                f.cursor = prev;
            }
            (Edit::Delete, FieldKind::Line | FieldKind::Multi) => {
                let next = f.next_boundary();
                f.value.replace_range(f.cursor..next, "");
            }
            (Edit::Left, FieldKind::Line | FieldKind::Multi) => f.cursor = f.prev_boundary(),
            (Edit::Right, FieldKind::Line | FieldKind::Multi) => f.cursor = f.next_boundary(),
            (Edit::Home, FieldKind::Line | FieldKind::Multi) => {
                // Start of the current line.
                f.cursor = f.value[..f.cursor].rfind('\n').map_or(0, |i| i + 1);
            }
            (Edit::End, FieldKind::Line | FieldKind::Multi) => {
                f.cursor = f.value[f.cursor..].find('\n').map_or(f.value.len(), |i| f.cursor + i);
            }
            (Edit::Clear, FieldKind::Line | FieldKind::Multi) => {
                f.value.clear();
                f.cursor = 0;
            }
            (Edit::DeleteWord, FieldKind::Line | FieldKind::Multi) => {
                let keep = f.value[..f.cursor].trim_end().rfind(char::is_whitespace).map_or(0, |i| i + 1);
                f.value.replace_range(keep..f.cursor, "");
                f.cursor = keep;
            }
            _ => {}
        }
        false
    }

    /// Insert pasted text into the focused field. Terminals send a pasted line break as CR
    /// (and Windows text as CR LF): both become LF, so what is stored is what was copied. A
    /// one-line field takes the lines joined by spaces; tabs and indentation are kept as typed.
    pub(crate) fn paste(&mut self, text: &str) {
        let Some(f) = self.fields.get_mut(self.focus) else { return };
        f.error = None;
        let text = unix_newlines(text);
        match f.kind {
            FieldKind::Line => f.insert(&text.replace('\n', " ")),
            FieldKind::Multi => f.insert(&text),
            FieldKind::Choice(_) => {
                f.error = Some("a choice takes no pasted text: move to a text field".to_owned())
            }
        }
    }

    /// The focused field's text, for an editor: `None` when the focused field is a choice.
    #[must_use]
    pub fn editable_text(&self) -> Option<&str> {
        self.fields.get(self.focus).and_then(|f| match f.kind {
            FieldKind::Choice(_) => None,
            FieldKind::Line | FieldKind::Multi => Some(f.value.as_str()),
        })
    }

    /// Replace field `i`'s text with what came back from an editor: line breaks as LF, the
    /// final newline editors add dropped; a one-line field joins the lines with spaces.
    pub fn set_text(&mut self, i: usize, text: &str) {
        let Some(f) = self.fields.get_mut(i) else { return };
        let text = unix_newlines(text);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        f.value = match f.kind {
            FieldKind::Line => text.replace('\n', " "),
            FieldKind::Multi => text.to_owned(),
            FieldKind::Choice(_) => return,
        };
        f.cursor = f.value.len();
        f.error = None;
    }

    /// Check required fields; on success, the commands this form stands for, in order.
    ///
    /// On failure the fields carry their messages and the focus moves to the first one.
    pub fn commands(&mut self) -> Option<Vec<Command>> {
        if !self.check_required() {
            return None;
        }
        if matches!(self.kind, FormKind::AddOverride | FormKind::RemoveOverride) || self.kind.is_step() {
            // Rota and step commands are built by the app, which knows the time and the zone.
            return Some(Vec::new());
        }
        let v = |i: usize| self.fields.get(i).map_or(String::new(), |f| f.trimmed().to_owned());
        let o = |i: usize| self.fields.get(i).and_then(Field::opt);
        let lines = |i: usize| self.fields.get(i).map_or_else(Vec::new, Field::lines);
        let Some(id) = self.incident else {
            return Some(vec![Command::Register(NewIncident {
                title: v(0),
                description: o(6),
                reported_by: None,
                channel: None,
                services: v(1)
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                impact: v(2).parse::<Impact>().unwrap_or(Impact::Medium),
                urgency: v(3).parse::<Urgency>().unwrap_or(Urgency::Medium),
                severity: v(4).parse::<Severity>().unwrap_or(Severity::SEV3),
                category: o(5),
                detected_at: None,
                impact_started_at: None,
                reported_at: None,
                drill: false,
            })]);
        };
        let cmds = match self.kind {
            // Rota forms are turned into commands by the app, which knows the time and zone.
            FormKind::NewIncident
            | FormKind::AddOverride
            | FormKind::RemoveOverride
            | FormKind::Review
            | FormKind::ActionItems
            | FormKind::Milestones
            | FormKind::Flags
            | FormKind::Correct => Vec::new(),
            FormKind::Contain => vec![Command::Contain { id, action: v(0) }],
            FormKind::Note => vec![Command::Note { id, text: v(0) }],
            FormKind::Finding => vec![Command::Finding { id, text: v(0) }],
            FormKind::RootCause => {
                let (root_cause, trigger, contributing_factors) = (v(0), o(1), lines(2));
                if self.prior_root_cause.as_ref().is_some_and(|p| {
                    p.root_cause.trim() == root_cause
                        && p.trigger.as_deref().map(str::trim) == trigger.as_deref()
                        && p.contributing_factors
                            .iter()
                            .map(|f| f.trim())
                            .eq(contributing_factors.iter().map(String::as_str))
                }) {
                    self.error = Some("nothing changed: the root cause on record says the same".to_owned());
                    return None;
                }
                vec![Command::SetRootCause { id, root_cause, trigger, contributing_factors }]
            }
            FormKind::StatusUpdate => vec![Command::StatusUpdate { id, audience: v(0), text: v(1) }],
            FormKind::Escalate => vec![Command::Escalate { id, to: v(0), reason: v(1) }],
            FormKind::Roles => vec![Command::AssignRole {
                id,
                role: v(0).parse::<Role>().unwrap_or(Role::Commander),
                person: o(1),
            }],
            FormKind::Resolve => vec![Command::Resolve { id, summary: v(0), recovered_at: None }],
            FormKind::Reopen => vec![Command::Reopen { id, reason: v(0) }],
            FormKind::Maintenance => Vec::new(),
            FormKind::Page => {
                vec![Command::Page { id, level: v(0).parse::<u32>().ok(), reason: v(1) }]
            }
            FormKind::OverridePriority => vec![Command::OverridePriority {
                id,
                priority: v(0).parse::<Priority>().unwrap_or(Priority::P3),
                reason: v(1),
            }],
            FormKind::Close => {
                let mut cmds = Vec::new();
                let prior = self.prior_root_cause.as_ref();
                if let Some(rc) = o(0)
                    && prior.is_none_or(|p| p.root_cause.trim() != rc)
                {
                    // An edited text corrects the cause; what set it off and what contributed
                    // still stand until someone records them anew (the `c` form).
                    cmds.push(Command::SetRootCause {
                        id,
                        root_cause: rc,
                        trigger: prior.and_then(|p| p.trigger.clone()),
                        contributing_factors: prior
                            .map(|p| p.contributing_factors.clone())
                            .unwrap_or_default(),
                    });
                }
                let review = Review {
                    went_well: lines(1),
                    went_wrong: lines(2),
                    got_lucky: lines(3),
                    lessons: lines(4),
                };
                // The review as recorded is prefilled: only an edited one is recorded again.
                if !review.is_empty() && self.prior_review.as_ref() != Some(&review) {
                    cmds.push(Command::RecordReview { id, review });
                }
                cmds.push(Command::Close { id });
                cmds
            }
        };
        Some(cmds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_fields_are_marked_in_place() {
        let mut f = Form::new_incident(&Policy::default());
        assert!(f.commands().is_none());
        assert_eq!(f.fields[0].error.as_deref(), Some("title is required"));
        assert_eq!(f.focus, 0);
        for c in "db down".chars() {
            f.type_char(c);
        }
        assert!(f.fields[0].error.is_none());
        f.focus = 2;
        f.type_char('h');
        let cmds = f.commands().unwrap();
        let Command::Register(n) = &cmds[0] else { panic!("{cmds:?}") };
        assert_eq!(n.title, "db down");
        assert_eq!(n.impact, Impact::High);
        assert_eq!(n.urgency, Urgency::Medium);
        assert_eq!(n.severity, Severity::SEV3);
    }

    #[test]
    fn enter_moves_on_in_lines_and_breaks_lines_in_text() {
        let mut f = Form::new_incident(&Policy::default());
        assert!(!f.edit(Edit::Enter));
        assert_eq!(f.focus, 1);
        f.focus = 6;
        f.type_char('a');
        f.edit(Edit::Enter);
        f.type_char('b');
        assert_eq!(f.fields[6].value, "a\nb");
    }

    #[test]
    fn the_cursor_moves_and_edits_in_place() {
        let mut f = Form::new_incident(&Policy::default());
        for c in "db dwn".chars() {
            f.type_char(c);
        }
        f.edit(Edit::Left);
        f.edit(Edit::Left);
        f.type_char('o');
        assert_eq!(f.fields[0].value, "db down");
        f.edit(Edit::Home);
        f.edit(Edit::Delete);
        f.type_char('D');
        f.edit(Edit::End);
        f.type_char('!');
        assert_eq!(f.fields[0].value, "Db down!");
        f.edit(Edit::Left);
        f.edit(Edit::DeleteWord);
        assert_eq!(f.fields[0].value, "Db !");
        f.paste("é\r\nx");
        assert_eq!(f.fields[0].value, "Db é x!");
        f.edit(Edit::Backspace);
        assert_eq!(f.fields[0].split_at_cursor(), ("Db é ", "!"));
    }

    #[test]
    fn a_paste_keeps_its_lines_tabs_and_indentation_with_lf_breaks() {
        let mut f = Form::new_incident(&Policy::default());
        f.focus = 6;
        f.paste("panic at:\r\tmain.rs:12\r    caused by\r\nend");
        assert_eq!(f.fields[6].value, "panic at:\n\tmain.rs:12\n    caused by\nend");
        f.focus = 0;
        f.paste("db\rdown");
        assert_eq!(f.fields[0].value, "db down", "a one-line field joins the lines");
    }

    #[test]
    fn enter_never_sends_and_says_so_only_on_the_last_field() {
        let mut f = Form::new_incident(&Policy::default());
        f.focus = 5;
        assert!(!f.edit(Edit::Enter), "a line field moves on");
        assert_eq!(f.focus, 6);
        assert!(!f.edit(Edit::Enter), "a text box takes a new line, even the last one");
        assert_eq!(f.fields[6].value, "\n");
        let mut contain = Form::new_incident(&Policy::default());
        contain.fields.truncate(1);
        assert!(contain.edit(Edit::Enter), "the last one-line field has nowhere to go");
        assert_eq!(contain.focus, 0);
    }

    #[test]
    fn an_editors_text_replaces_the_field() {
        let mut f = Form::new_incident(&Policy::default());
        f.focus = 6;
        f.set_text(6, "first\r\n\tsecond\n");
        assert_eq!(f.fields[6].value, "first\n\tsecond");
        assert_eq!(f.fields[6].cursor, f.fields[6].value.len());
        f.set_text(0, "a\nb\n");
        assert_eq!(f.fields[0].value, "a b");
        f.focus = 2;
        assert_eq!(f.editable_text(), None, "a choice has no text to edit");
    }
}
