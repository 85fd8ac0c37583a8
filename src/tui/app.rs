//! The screen's state and the one function that changes it.
//!
//! [`App`] is composed of one part per concern, each with its state and its update in its own
//! module: [`queue`] (the incidents, filter, selection), [`incident`] (the selected incident's
//! timeline and escalation, focus, which actions are possible), [`forms`] (the open form and
//! what submitting it sends), [`paging`] (the banner when this responder is paged),
//! [`schedule`] (who is on call, the schedule view) and [`connection`] (the server away,
//! read-only). [`App::update`] takes a [`Msg`] — an action from the keymap, typed text, a
//! tick, a change from the feed, the answer to an earlier effect — hands it to the parts it
//! concerns and returns the [`Effect`]s to run. Nothing else mutates the app; views only read it.

pub(crate) mod clipboard;
pub(crate) mod connection;
pub(crate) mod forms;
pub(crate) mod incident;
pub(crate) mod marks;
pub mod mouse;
pub(crate) mod paging;
pub(crate) mod queue;
pub(crate) mod schedule;
pub(crate) mod search;

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use self::connection::{Held, Link, Said};
use self::forms::Forms;
use self::incident::{INCIDENT_ACTIONS, IncidentPane, Rules, Timeline};
use self::marks::Marks;
use self::paging::Paging;
use self::queue::Queue;
use self::schedule::Rota;
use self::search::TimelineSearch;
use super::TuiSettings;
use super::action::{Action, Scope};
use super::effect::Effect;
use super::form::{Edit, Form};
use super::keymap::KeyMap;
use super::layout::{self, Areas, Pane};
use super::theme::Theme;
use crate::client::{ClientError, Connection};
use crate::domain::policy::Deadline;
use crate::domain::text::sanitize_line;
use crate::domain::{Command, Event, Incident, IncidentId, Policy, Priority, Refusal};
use crate::wire::{Change, EscalationView, Outcome, RotaQuery, RotaView, Whoami};

/// Rows fetched before the whole queue: more than any screen shows, so the first frame and the
/// first page-downs never wait for a long queue to load.
pub const FIRST_PAGE: usize = 500;

/// Everything that can happen to the app.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "messages pass one at a time; an incident is moved, not copied around"
)]
pub enum Msg {
    /// A key bound to an action.
    Action(Action),
    /// A printable character while a form or the filter line has the keyboard.
    Type(char),
    /// An editing key while a form or the filter line has the keyboard.
    Edit(Edit),
    /// Pasted text.
    Paste(String),
    /// A click or a turn of the wheel (only while mouse capture is on: `[tui] mouse`).
    Mouse(mouse::Mouse),
    Resize(u16, u16),
    /// The clock moved (ages and countdowns on screen).
    Tick(DateTime<Utc>),
    /// The engine committed something.
    Changed(Change),
    /// The change feed dropped messages: reload everything.
    FeedLagged,
    /// The server went away or came back (the client reconnects by itself).
    Connection(Connection),
    /// The first screenful of the queue, ahead of the whole of it.
    PageLoaded(Result<Vec<Incident>, ClientError>),
    ListLoaded(Result<Vec<Incident>, ClientError>),
    IncidentLoaded(IncidentId, Result<Incident, ClientError>),
    TimelineLoaded(IncidentId, Result<Vec<Event>, ClientError>),
    EscalationLoaded(IncidentId, Result<EscalationView, ClientError>),
    RotaLoaded(RotaQuery, Result<RotaView, ClientError>),
    /// Who the server takes us for (read-only or not).
    WhoamiLoaded(Result<Whoami, ClientError>),
    /// The timeline of an incident whose commit paged someone.
    PagesChecked(IncidentId, Result<Vec<Event>, ClientError>),
    /// The answer to [`Effect::ChangeRota`] (`String`: what it was, for messages).
    RotaChanged(String, Result<Vec<Event>, ClientError>),
    Executed(Box<Executed>),
    /// The answer to [`Effect::Search`]: the query asked, and the incidents that pass it.
    Searched(crate::domain::Query, Result<Vec<Incident>, ClientError>),
    Exported(Result<String, String>),
    MaintenanceSet(Result<crate::domain::alert::MaintenanceWindow, ClientError>),
    /// What the editor left in field `field` of the open form (`Err`: why nothing came back).
    Edited {
        field: usize,
        text: Result<String, String>,
    },
}

/// The answer to [`Effect::Execute`]: what was committed, and the error that stopped the rest.
#[derive(Debug, Clone)]
pub struct Executed {
    pub what: String,
    /// The incident the commands were for (`None`: a registration, which has no id yet), so
    /// a refusal names it as a confirmation does.
    pub incident: Option<IncidentId>,
    pub outcomes: Vec<Outcome>,
    pub error: Option<ClientError>,
}

/// The one-line prompts that take the keyboard, as forms do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// The queue's filter (`/`).
    Filter,
    /// An incident's id to jump to (`:` or `#`).
    Jump,
    /// Text to find in the selected incident's timeline (`/` with the timeline focused).
    Search,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

pub struct App {
    pub team: String,
    pub on_call: Vec<String>,
    pub timezone: chrono_tz::Tz,
    pub policy: Policy,
    pub actor: String,
    pub keymap: KeyMap,
    pub theme: Theme,
    pub now: DateTime<Utc>,
    pub size: (u16, u16),

    pub queue: Queue,
    pub pane: IncidentPane,
    pub forms: Forms,
    pub paging: Paging,
    pub rota: Rota,
    pub link: Link,
    /// The search within the selected incident's timeline.
    pub search: TimelineSearch,
    /// Incidents marked to act on together, and the confirmation before a bulk action.
    pub marks: Marks,
    /// Help overlay open, with its scroll offset.
    pub help: Option<usize>,
    /// What just happened, or why not (the footer's first line).
    pub message: Option<(Level, String)>,
}

/// A client error in words.
fn err_text(e: &ClientError) -> String {
    keyed_err_text(e, None)
}

/// A client error in words, a refusal's steps by their keys when `keys` are given.
fn keyed_err_text(e: &ClientError, keys: Option<&crate::tui::keymap::KeyMap>) -> String {
    match e {
        ClientError::Refused(r) => super::refusal::keyed(r, keys),
        other => other.to_string(),
    }
}

/// First line of a text, cleaned for one terminal line.
fn one_line(s: &str) -> String {
    let first = s.lines().next().unwrap_or("");
    let clean = sanitize_line(first);
    let mut out: String = clean.chars().take(120).collect();
    if s.lines().nth(1).is_some() || clean.chars().count() > 120 {
        out.push('…');
    }
    out
}

/// The queue's context, built from the app's fields so the queue can be borrowed beside it.
macro_rules! queue_cx {
    ($app:ident) => {
        queue::Ctx { me: &$app.actor, policy: &$app.policy, rows: $app.queue_rows() }
    };
}

/// The forms' context, likewise.
macro_rules! forms_cx {
    ($app:ident) => {
        forms::Ctx {
            rules: Rules { actor: &$app.actor, now: $app.now, policy: &$app.policy, keymap: &$app.keymap },
            timezone: $app.timezone,
            queue: &$app.queue,
        }
    };
}

impl App {
    /// A new app with nothing loaded yet. Call [`App::start`] for the first effects.
    ///
    /// # Errors
    /// The settings' keys or theme are invalid (one sentence each, joined by newlines).
    pub fn new(settings: &TuiSettings, actor: &str, now: DateTime<Utc>) -> Result<Self, String> {
        let keymap = KeyMap::build(&settings.keys).map_err(|e| e.join("\n"))?;
        let theme = Theme::build(&settings.theme, settings.terminal).map_err(|e| e.join("\n"))?;
        Ok(Self {
            team: settings.team.clone(),
            on_call: settings.on_call.clone(),
            timezone: settings.timezone,
            policy: settings.policy.clone(),
            actor: actor.to_owned(),
            keymap,
            theme,
            now,
            size: (80, 24),
            queue: Queue::default(),
            pane: IncidentPane::default(),
            forms: Forms::default(),
            paging: Paging::new(now),
            rota: Rota::default(),
            link: Link::default(),
            search: TimelineSearch::default(),
            marks: Marks::default(),
            help: None,
            message: None,
        })
    }

    /// The effects to run once at start: the first page of the queue (then all of it), and
    /// who is on call.
    pub fn start(&mut self) -> Vec<Effect> {
        vec![
            Effect::LoadPage { all: self.queue.show_all, limit: FIRST_PAGE },
            self.rota.load_on_call(self.now),
            Effect::LoadWhoami,
        ]
    }

    /// Where keys go now.
    #[must_use]
    pub const fn scope(&self) -> Scope {
        if self.forms.open.is_some() || self.prompt().is_some() {
            Scope::Input
        } else if self.rota.view.is_some() {
            Scope::Schedule
        } else {
            Scope::Normal
        }
    }

    /// A countdown or an age is on screen, so the clock should tick.
    #[must_use]
    pub fn needs_tick(&self) -> bool {
        self.queue.visible_len() > 0
            || self.queue.has_deadlines()
            || self.selected_escalation().is_some_and(|e| e.is_ok_and(|v| v.next.is_some()))
    }

    /// A one-line prompt has the keyboard: the filter, the jump to an id, the timeline search.
    #[must_use]
    pub const fn prompt(&self) -> Option<Prompt> {
        if self.queue.filtering {
            Some(Prompt::Filter)
        } else if self.queue.jump.is_some() {
            Some(Prompt::Jump)
        } else if self.search.typing {
            Some(Prompt::Search)
        } else {
            None
        }
    }

    // ---- read access for views -------------------------------------------------------------

    /// The open form, if any.
    #[must_use]
    pub const fn form(&self) -> Option<&Form> {
        self.forms.open.as_ref()
    }

    #[must_use]
    pub const fn selected(&self) -> Option<IncidentId> {
        self.queue.selected
    }

    #[must_use]
    pub fn incident(&self, id: IncidentId) -> Option<&Incident> {
        self.queue.incident(id)
    }

    #[must_use]
    pub fn selected_incident(&self) -> Option<&Incident> {
        self.queue.selected_incident()
    }

    /// The selected incident's escalation, when it has arrived (`Err`: why it could not be
    /// fetched).
    #[must_use]
    pub fn selected_escalation(&self) -> Option<Result<&EscalationView, &str>> {
        self.pane.escalation_of(self.queue.selected)
    }

    /// The selected incident's timeline, when it has arrived.
    #[must_use]
    pub fn selected_timeline(&self) -> Option<&Timeline> {
        self.pane.timeline_of(self.queue.selected)
    }

    /// The earliest hand-off ahead in any schedule, from the last on-call answer.
    #[must_use]
    pub(crate) fn next_handoff(&self) -> Option<DateTime<Utc>> {
        self.rota.next_handoff()
    }

    /// How many running targets are already breached, and the next one still ahead.
    #[must_use]
    pub fn deadlines_now(&self) -> (usize, Option<(IncidentId, Deadline)>) {
        self.queue.deadlines_at(self.now)
    }

    const fn rules(&self) -> Rules<'_> {
        Rules { actor: self.actor.as_str(), now: self.now, policy: &self.policy, keymap: &self.keymap }
    }

    /// Whether an incident action is possible now; `Err` says why not, in words.
    ///
    /// # Errors
    /// The domain's refusal.
    pub fn check(&self, action: Action, inc: &Incident) -> Result<(), Refusal> {
        let known =
            self.pane.escalation.as_ref().filter(|(id, _)| *id == inc.id).and_then(|(_, e)| e.as_ref().ok());
        self.rules().check(action, inc, known)
    }

    /// The priority an impact or urgency key would give (unchanged while set by hand).
    #[must_use]
    pub(crate) fn priority_after(&self, action: Action, inc: &Incident) -> Option<Priority> {
        self.rules().priority_after(action, inc)
    }

    /// The incident actions possible now for the selected incident, for the escalation pane.
    #[must_use]
    pub fn possible_actions(&self) -> Vec<Action> {
        let Some(inc) = self.selected_incident() else { return vec![Action::NewIncident] };
        INCIDENT_ACTIONS
            .iter()
            .copied()
            .filter(|&a| !(self.link.read_only.is_some() && a.writes()) && self.check(a, inc).is_ok())
            .collect()
    }

    /// The page banner's incident while it can still be acknowledged.
    #[must_use]
    pub(crate) fn paged_to_acknowledge(&self) -> Option<&Incident> {
        let p = self.paging.alert.as_ref()?;
        self.incident(p.incident).filter(|inc| self.check(Action::Acknowledge, inc).is_ok())
    }

    /// Lines of banners above the footer: the page, the lost connection.
    #[must_use]
    pub(crate) fn banner_lines(&self) -> u16 {
        u16::from(self.paging.alert.is_some()) + u16::from(self.link.banner.is_some())
    }

    // ---- geometry shared with the views ----------------------------------------------------

    const fn area(&self) -> Rect {
        Rect::new(0, 0, self.size.0, self.size.1)
    }

    /// The layout now.
    #[must_use]
    pub(crate) fn areas(&self) -> Areas {
        Areas::new(self.area(), self.pane.zoom.then_some(self.pane.focus), self.banner_lines())
    }

    /// Queue rows that fit on screen now.
    #[must_use]
    pub(crate) fn queue_rows(&self) -> usize {
        self.areas().queue.map_or(1, |r| layout::queue_rows(r).max(1))
    }

    /// Rows of the schedule view that fit on screen now.
    #[must_use]
    pub(crate) fn schedule_rows(&self) -> usize {
        let body = Areas::new(self.area(), None, self.banner_lines()).body;
        layout::schedule_rows(body).max(1)
    }

    fn timeline_rows(&self) -> usize {
        self.areas().detail.map_or(1, |r| layout::timeline_rows(r).max(1))
    }

    fn rota_cx(&self) -> schedule::Ctx {
        schedule::Ctx { now: self.now, timezone: self.timezone, rows: self.schedule_rows() }
    }

    fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some((level, text.into()));
    }

    // ---- the update ------------------------------------------------------------------------

    /// Apply one message; return what to do next.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let before = self.queue.selected;
        let mut effects = self.step(msg);
        self.fan_out_bulk_form(&mut effects);
        let banner_incident = self.paging.alert.as_ref().and_then(|p| self.queue.incident(p.incident));
        self.paging.settle(banner_incident);
        if self.queue.selected != before {
            self.pane.selection_moved();
            self.search.hit = None;
        }
        // Words in the filter are looked for in timelines too, which only the server has.
        if let Some(q) = self.queue.search_wanted() {
            effects.push(Effect::Search(q));
        }
        // Whatever moved the selection, the detail pane needs that incident's timeline, and
        // the escalation pane its escalation.
        self.pane.fetch(self.queue.selected, &mut effects);
        // A write held back names its incident too, as its confirmation would have.
        let held_for = effects
            .iter()
            .find_map(|e| match e {
                Effect::Execute { cmds, what } => {
                    let mut ids: Vec<IncidentId> = cmds.iter().filter_map(Command::incident).collect();
                    ids.dedup();
                    // A bulk action names all of them, as its confirmation did.
                    Some(if ids.len() > 1 {
                        format!("{what}: ")
                    } else {
                        ids.first().map_or_else(String::new, |id| format!("{id}: "))
                    })
                }
                _ => None,
            })
            .unwrap_or_default();
        let held = self.link.hold_writes(&mut effects);
        if held.is_some() {
            // Nothing was sent: every mark stays.
            self.marks.answered(&[]);
        }
        match held {
            Some(Held::ReadOnly(text)) => {
                self.forms.open = None;
                self.say(Level::Error, format!("{held_for}{text}"));
            }
            Some(Held::Offline(text)) => {
                // The form covers the footer: the reason goes where the responder looks.
                if let Some(f) = self.forms.open.as_mut() {
                    f.submitting = false;
                    f.error = Some(text.to_owned());
                }
                self.say(Level::Error, format!("{held_for}{text}"));
            }
            None => {}
        }
        effects
    }

    fn step(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Action(a) => self.on_action(a),
            Msg::Type(c) => {
                if self.forms.open.is_some() {
                    self.forms.type_char(c);
                } else {
                    match self.prompt() {
                        Some(Prompt::Filter) => self.queue.filter_type(c, queue_cx!(self)),
                        Some(Prompt::Jump) => self.queue.jump_type(c),
                        Some(Prompt::Search) => self.search.type_char(c),
                        None => {}
                    }
                }
                Vec::new()
            }
            Msg::Edit(e) => {
                if self.forms.open.is_some() {
                    return self.forms.edit(e, forms_cx!(self));
                }
                match self.prompt() {
                    Some(Prompt::Filter) => self.queue.filter_edit(e, queue_cx!(self)),
                    Some(Prompt::Jump | Prompt::Search) if e == Edit::Enter => {
                        return self.on_input_action(Action::Submit);
                    }
                    Some(Prompt::Jump) => self.queue.jump_edit(e),
                    Some(Prompt::Search) => self.search.edit(e),
                    None => {}
                }
                Vec::new()
            }
            Msg::Paste(s) => {
                if self.forms.open.is_some() {
                    self.forms.paste(&s);
                } else {
                    match self.prompt() {
                        Some(Prompt::Filter) => self.queue.filter_paste(&s, queue_cx!(self)),
                        Some(Prompt::Jump) => self.queue.jump_paste(&s),
                        Some(Prompt::Search) => self.search.paste(&s),
                        None => {}
                    }
                }
                Vec::new()
            }
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Resize(w, h) => {
                self.size = (w, h);
                let rows = self.queue_rows();
                self.queue.scroll_to_selection(rows);
                Vec::new()
            }
            Msg::Tick(now) => {
                self.now = now;
                self.rota.update(Msg::Tick(now), self.rota_cx())
            }
            Msg::Changed(ch) if ch.incident == IncidentId::ROTA => {
                // Not an incident: an override was added or removed. Who is on call, and whom
                // the selected incident's levels reach, may have changed.
                let cx = self.rota_cx();
                let mut fx = self.rota.update(Msg::Changed(ch), cx);
                let at = fx.len().min(1);
                fx.splice(at..at, self.queue.selected.map(Effect::LoadEscalation));
                fx
            }
            // Maintenance windows and suppressed alerts: on the record, not in the queue.
            Msg::Changed(ch) if ch.incident.is_record_only() => Vec::new(),
            Msg::Changed(ch) => {
                // A new event may hold the filter's words: the server is asked again.
                self.queue.search_stale();
                let mut fx = vec![Effect::LoadIncident(ch.incident)];
                if ch.paged {
                    fx.push(Effect::CheckPages(ch.incident));
                }
                fx
            }
            Msg::PagesChecked(id, Ok(events)) => self.paging.update(id, &events, &self.actor),
            Msg::PagesChecked(_, Err(_)) => Vec::new(),
            Msg::FeedLagged => vec![Effect::LoadList { all: self.queue.show_all }],
            Msg::Connection(_) => {
                let reconnected = self.link.update(&msg) == Said::Reconnected;
                if !matches!(msg, Msg::Connection(Connection::Connected)) {
                    return Vec::new();
                }
                if reconnected {
                    self.say(Level::Info, "reconnected to the piket server; catching up");
                }
                // The feed replays what was committed meanwhile; the list reload also catches
                // incidents that left the open queue while we were away.
                // The server may have restarted with another config: ask who we are again.
                let mut fx = vec![
                    Effect::LoadList { all: self.queue.show_all },
                    self.rota.load_on_call(self.now),
                    Effect::LoadWhoami,
                ];
                fx.extend(self.queue.selected.map(Effect::LoadTimeline));
                fx.extend(self.queue.selected.map(Effect::LoadEscalation));
                fx
            }
            Msg::PageLoaded(Ok(_)) | Msg::ListLoaded(Ok(_)) => {
                self.link.update(&msg);
                self.queue.update(msg, queue_cx!(self))
            }
            Msg::IncidentLoaded(_, Ok(ref inc)) => {
                let (id, last) = (inc.id, inc.last_seq);
                let jumped = self.queue.jumping_to() == Some(id);
                self.link.update(&msg);
                let fx = self.queue.update(msg, queue_cx!(self));
                if jumped && self.queue.kept == Some(id) {
                    self.say_jumped(id);
                }
                if Some(id) == self.queue.selected
                    && self.selected_timeline().is_none_or(|t| t.events.last().is_none_or(|e| e.seq < last))
                {
                    // What changed may be a page, a delivery or an acknowledgement.
                    vec![Effect::LoadTimeline(id), Effect::LoadEscalation(id)]
                } else {
                    fx
                }
            }
            Msg::TimelineLoaded(_, Ok(_)) | Msg::EscalationLoaded(..) => {
                self.link.update(&msg);
                self.pane.update(msg, self.queue.selected);
                Vec::new()
            }
            Msg::WhoamiLoaded(_) => {
                self.link.update(&msg);
                if self.link.read_only.is_some() && matches!(msg, Msg::WhoamiLoaded(Ok(_))) {
                    self.pane.action_sel = 0;
                }
                Vec::new()
            }
            Msg::RotaLoaded(..) => self.rota.update(msg, self.rota_cx()),
            Msg::RotaChanged(ref what, ref r) => {
                match r {
                    Ok(events) => {
                        self.forms.answered(Ok(()));
                        let said: Vec<String> = events.iter().map(|e| one_line(&e.kind.describe())).collect();
                        self.say(Level::Info, format!("rota: {}", said.join("; ")));
                    }
                    Err(e) => {
                        let text = err_text(e);
                        self.forms.answered(Err(&text));
                        self.say(Level::Error, format!("{}: {text}", one_line(what)));
                    }
                }
                self.rota.update(msg, self.rota_cx())
            }
            Msg::PageLoaded(Err(ref e))
            | Msg::ListLoaded(Err(ref e))
            | Msg::IncidentLoaded(_, Err(ref e))
            | Msg::TimelineLoaded(_, Err(ref e)) => {
                if matches!(e, ClientError::NotFound(_) | ClientError::Refused(_)) {
                    self.say(Level::Error, err_text(e));
                }
                self.link.update(&msg);
                self.pane.update(msg, self.queue.selected);
                Vec::new()
            }
            Msg::Searched(q, Ok(found)) => {
                self.queue.search_answered();
                self.queue.searched(q, &found, queue_cx!(self));
                Vec::new()
            }
            Msg::Searched(_, Err(e)) => {
                self.queue.search_answered();
                self.say(
                    Level::Error,
                    format!("searching timelines for the filter's words: {}", err_text(&e)),
                );
                Vec::new()
            }
            Msg::Executed(x) => self.on_executed(*x),
            Msg::MaintenanceSet(r) => self.on_maintenance_set(r),
            Msg::Exported(Ok(path)) => {
                self.say(Level::Info, format!("exported to {path}"));
                Vec::new()
            }
            Msg::Edited { field, text } => {
                self.forms.edited(field, text);
                Vec::new()
            }
            Msg::Exported(Err(e)) => {
                self.say(Level::Error, format!("export failed: {e}"));
                Vec::new()
            }
        }
    }

    fn on_maintenance_set(
        &mut self,
        r: Result<crate::domain::alert::MaintenanceWindow, ClientError>,
    ) -> Vec<Effect> {
        match r {
            Ok(w) => {
                self.forms.answered(Ok(()));
                let until = crate::when::shown(w.end, self.now, self.timezone);
                self.say(
                    Level::Info,
                    format!(
                        "{} in maintenance until {until} (#{}; `piket maintenance end {}` ends it): {}",
                        w.service, w.id, w.id, w.reason
                    ),
                );
            }
            Err(e) => {
                let text = err_text(&e);
                self.forms.answered(Err(&text));
                self.say(Level::Error, format!("maintenance window: {text}"));
            }
        }
        Vec::new()
    }

    fn on_executed(&mut self, x: Executed) -> Vec<Effect> {
        let mut effects = Vec::new();
        // What was recorded, per incident in the order they came: every line names its incident.
        let mut said: Vec<(IncidentId, Vec<String>)> = Vec::new();
        for o in &x.outcomes {
            let lines = o.events.iter().map(|e| one_line(&e.kind.describe()));
            match said.iter_mut().find(|(id, _)| *id == o.incident) {
                Some((_, l)) => l.extend(lines),
                None => said.push((o.incident, lines.collect())),
            }
            if matches!(o.events.first().map(|e| &e.kind), Some(crate::domain::EventKind::Registered(_))) {
                self.queue.select_when_shown(o.incident);
                self.pane.focus = Pane::Queue;
            }
            self.queue.upsert(o.summary.clone(), queue_cx!(self));
            if Some(o.incident) == self.queue.selected {
                effects.push(Effect::LoadTimeline(o.incident));
                effects.push(Effect::LoadEscalation(o.incident));
            }
        }
        let said: Vec<String> =
            said.iter().map(|(id, lines)| format!("{id}: {}", lines.join("; "))).collect();
        let recorded: Vec<IncidentId> = x.outcomes.iter().map(|o| o.incident).collect();
        let bulk = self.marks.answered(&recorded);
        self.link.answered(x.error.as_ref());
        match x.error {
            None => {
                self.forms.answered(Ok(()));
                self.say(Level::Info, said.join(" · "));
            }
            Some(e) => {
                let done = if said.is_empty() {
                    String::new()
                } else {
                    format!(" (recorded: {})", said.join(" · "))
                };
                let text = format!("{}{done}", keyed_err_text(&e, Some(&self.keymap)));
                self.forms.answered(Err(&text));
                // A form's title ends with its incident ("Note · INC-3"): name it once, first.
                let what = match x.incident {
                    Some(id) => {
                        let what = x.what.strip_suffix(&format!(" · {id}")).unwrap_or(&x.what);
                        format!("{id}: {what}")
                    }
                    None => x.what,
                };
                let still = if bulk && !self.marks.is_empty() {
                    let ids: Vec<String> = self.marks.ids.iter().map(ToString::to_string).collect();
                    format!(" · still marked: {}", ids.join(", "))
                } else {
                    String::new()
                };
                self.say(Level::Error, format!("{what}: {text}{still}"));
            }
        }
        effects.dedup();
        effects
    }

    // ---- keys ------------------------------------------------------------------------------

    fn on_action(&mut self, a: Action) -> Vec<Effect> {
        if a.scope() == Scope::Input {
            return self.on_input_action(a);
        }
        if let Some(scroll) = self.help.as_mut() {
            match a {
                Action::SelectNext => *scroll += 1,
                Action::SelectPrev => *scroll = scroll.saturating_sub(1),
                Action::PageDown => *scroll += 10,
                Action::PageUp => *scroll = scroll.saturating_sub(10),
                Action::SelectFirst => *scroll = 0,
                Action::Quit => return vec![Effect::Quit],
                _ => self.help = None,
            }
            return Vec::new();
        }
        if self.marks.confirm.is_some() {
            // The confirmation names what it will do: only its own keys while it is up.
            return self.on_confirm_action(a);
        }
        self.message = None;
        if a.writes()
            && let Some(why) = &self.link.read_only
        {
            let text = format!("{} would change the record; read-only: {why}", a.name().replace('_', " "));
            self.say(Level::Error, text);
            return Vec::new();
        }
        if a == Action::AcknowledgePage {
            // The banner's own key, in the schedule view too: it names what it acts on.
            return self.acknowledge_page();
        }
        if self.rota.view.is_some() {
            return self.on_schedule_action(a);
        }
        match a {
            Action::Quit => vec![Effect::Quit],
            Action::Schedule => self.rota.open(self.now),
            Action::CopyId | Action::CopySummary => self.copy(a),
            Action::Help => {
                self.help = Some(0);
                Vec::new()
            }
            Action::SelectNext
            | Action::SelectPrev
            | Action::SelectFirst
            | Action::SelectLast
            | Action::PageDown
            | Action::PageUp => {
                self.navigate(a);
                Vec::new()
            }
            Action::FocusNext | Action::FocusPrev => {
                self.pane.focus = self.pane.focus.step(if a == Action::FocusNext { 1 } else { -1 });
                self.pane.action_sel = 0;
                Vec::new()
            }
            Action::Open => match self.pane.focus {
                Pane::Queue => {
                    if self.queue.selected.is_some() {
                        self.pane.focus = Pane::Detail;
                    }
                    Vec::new()
                }
                Pane::Detail => Vec::new(),
                Pane::Escalation => match self.possible_actions().get(self.pane.action_sel).copied() {
                    Some(act) => self.on_action(act),
                    None => Vec::new(),
                },
            },
            Action::Back => {
                if self.paging.dismiss() {
                    // The page stays in the timeline and the escalation pane.
                } else if self.pane.zoom {
                    self.pane.zoom = false;
                } else if self.pane.focus != Pane::Queue {
                    self.pane.focus = Pane::Queue;
                } else if !self.marks.is_empty() {
                    let n = self.marks.clear();
                    self.say(Level::Info, format!("{n} marks cleared"));
                } else if !self.queue.filter_text.is_empty() {
                    self.queue.clear_filter(queue_cx!(self));
                }
                Vec::new()
            }
            Action::Zoom => {
                self.pane.zoom = !self.pane.zoom;
                let rows = self.queue_rows();
                self.queue.scroll_to_selection(rows);
                Vec::new()
            }
            Action::Filter => {
                if self.pane.focus == Pane::Detail && self.selected_timeline().is_some() {
                    self.search.start();
                } else {
                    self.queue.filtering = true;
                }
                Vec::new()
            }
            Action::Jump => {
                // The jump line is drawn on the queue: a zoomed detail makes room for it.
                if self.pane.zoom && self.pane.focus != Pane::Queue {
                    self.pane.zoom = false;
                }
                self.queue.jump = Some(String::new());
                Vec::new()
            }
            Action::SearchNext => {
                self.search_next();
                Vec::new()
            }
            Action::CycleSort => {
                self.queue.cycle_sort(queue_cx!(self));
                self.say(Level::Info, format!("sorted by {}", self.queue.sort.as_str()));
                Vec::new()
            }
            Action::ToggleClosed => {
                self.queue.show_all = !self.queue.show_all;
                self.say(
                    Level::Info,
                    if self.queue.show_all {
                        "showing resolved and closed incidents too"
                    } else {
                        "showing open incidents"
                    },
                );
                vec![Effect::LoadList { all: self.queue.show_all }]
            }
            Action::NewIncident => {
                self.forms.open = Some(Form::new_incident(&self.policy));
                Vec::new()
            }
            Action::Mark => self.toggle_mark(),
            a if !self.marks.is_empty() && marks::BULK_ACTIONS.contains(&a) => self.bulk_action(a),
            other => self.incident_action(other),
        }
    }

    /// Move in the focused pane.
    fn navigate(&mut self, a: Action) {
        match self.pane.focus {
            Pane::Queue => {
                let rows = self.queue_rows();
                self.queue.navigate(a, rows);
            }
            Pane::Detail => {
                let len = self.selected_timeline().map_or(0, |t| t.events.len());
                let rows = self.timeline_rows();
                self.pane.scroll(a, len, rows);
            }
            Pane::Escalation => {
                let n = self.possible_actions().len();
                self.pane.move_action(a, n);
            }
        }
    }

    /// Keys while the schedule view is open: move, add or remove an override, close.
    fn on_schedule_action(&mut self, a: Action) -> Vec<Effect> {
        let rows = self.schedule_rows();
        if self.rota.navigate(a, rows) {
            return Vec::new();
        }
        match a {
            Action::Quit => return vec![Effect::Quit],
            Action::Help => self.help = Some(0),
            Action::AddOverride => match self.rota.add_override_form() {
                Ok(form) => self.forms.open = Some(form),
                Err(why) => self.say(Level::Error, why),
            },
            Action::RemoveOverride => match self.rota.remove_override_form(self.now, self.timezone) {
                Some(form) => self.forms.open = Some(form),
                None => {
                    let key = self.keymap.first(Action::SelectNext).unwrap_or_default();
                    self.say(
                        Level::Error,
                        format!("move to an override in the list at the bottom ({key}) to remove it"),
                    );
                }
            },
            // Incident keys act on an incident that is not on screen: nothing.
            _ => {}
        }
        Vec::new()
    }

    /// The banner's own key ("! ack INC-7 (paged)"): acknowledges the incident the banner
    /// names, whatever is selected, and selects it so the responder sees what was acted on.
    /// `a` stays the selected incident's: a key that meant two incidents acked the wrong one.
    fn acknowledge_page(&mut self) -> Vec<Effect> {
        let Some(id) = self.paged_to_acknowledge().map(|inc| inc.id) else {
            let text = match &self.paging.alert {
                Some(p) => format!("{}: acknowledge not possible now", p.incident),
                None => "no page to acknowledge".to_owned(),
            };
            self.say(Level::Error, text);
            return Vec::new();
        };
        let rows = self.queue_rows();
        self.queue.select_id(id, rows);
        vec![Effect::Execute { cmds: vec![Command::Acknowledge { id }], what: "acknowledge".to_owned() }]
    }

    fn incident_action(&mut self, a: Action) -> Vec<Effect> {
        let Some(inc) = self.selected_incident() else {
            self.say(Level::Error, "no incident selected: n registers one");
            return Vec::new();
        };
        if let Err(r) = self.check(a, inc) {
            let msg = format!(
                "{}: {} not possible: {}",
                inc.id,
                a.name().replace('_', " "),
                super::refusal::keyed(&r, Some(&self.keymap))
            );
            self.say(Level::Error, msg);
            return Vec::new();
        }
        let form = match a {
            Action::Export => return vec![Effect::Export(inc.id, self.timezone)],
            Action::Page => {
                let known = self.selected_escalation().and_then(Result::ok).filter(|v| v.incident == inc.id);
                forms::page_form(inc, known)
            }
            Action::Review | Action::ActionItems | Action::Milestones | Action::Drill | Action::Correct => {
                let at = super::form::Opening {
                    actor: &self.actor,
                    people: &self.on_call,
                    timezone: self.timezone,
                    now: self.now,
                };
                let timeline = self.pane.timeline_of(Some(inc.id)).map(|t| t.events.as_slice());
                // The event picked for a correction: the one under the timeline's cursor (shown
                // with its number while the timeline has the focus), else the newest.
                let picked = self.pane.timeline_cursor.filter(|_| self.pane.focus == Pane::Detail);
                let Some(mut form) = forms::step_form(a, inc, at, timeline, picked) else {
                    return Vec::new();
                };
                if let Some(why) = &self.link.read_only {
                    form.notes
                        .push(format!("read-only ({}): this list is all you can do here", one_line(why)));
                }
                form
            }
            _ => match forms::kind_for(a) {
                Some(kind) => Form::for_incident(kind, inc, &self.policy, &self.on_call),
                // No form: the key is the command.
                None => {
                    return match incident::probe(a, inc) {
                        Some(cmd) => {
                            vec![Effect::Execute { cmds: vec![cmd], what: a.name().replace('_', " ") }]
                        }
                        None => Vec::new(),
                    };
                }
            },
        };
        self.forms.open = Some(form);
        Vec::new()
    }

    /// The jump line was submitted: select the incident it names.
    fn jump(&mut self) -> Vec<Effect> {
        let Some(text) = self.queue.jump.take() else { return Vec::new() };
        let t = text.trim();
        let digits = t
            .strip_prefix('#')
            .or_else(|| t.get(..4).filter(|p| p.eq_ignore_ascii_case("inc-")).map(|_| &t[4..]))
            .unwrap_or(t);
        let Some(id) = digits.parse::<u64>().ok().filter(|n| *n > 0 && !IncidentId(*n).is_record_only())
        else {
            self.say(
                Level::Error,
                format!("'{}' is not an incident id: type 17 or INC-17", sanitize_line(t)),
            );
            return Vec::new();
        };
        let id = IncidentId(id);
        let fx = self.queue.jump_to(id, queue_cx!(self));
        if self.queue.kept == Some(id) {
            self.say_jumped(id);
        }
        fx
    }

    /// The incident jumped to is shown though the queue leaves it out: say so, and for how long.
    fn say_jumped(&mut self, id: IncidentId) {
        let status = self.queue.incident(id).map_or("", |i| i.status.as_str());
        self.say(
            Level::Info,
            format!("{id} ({status}): shown until you move; the filter or the open queue leaves it out"),
        );
    }

    /// Go to the next event the timeline search matches.
    fn search_next(&mut self) {
        if self.search.text.trim().is_empty() {
            let key = self.keymap.first(Action::Filter).unwrap_or_default();
            self.say(Level::Error, format!("no timeline search: focus the timeline, then {key}"));
            return;
        }
        let Some(events) = self.selected_timeline().map(|t| t.events.clone()) else { return };
        match self.search.next(&events) {
            Some(at) => {
                self.pane.focus = Pane::Detail;
                // The match on top, and the cursor on it (so `X` corrects what was found).
                self.pane.timeline_top = Some(at);
                let rows = self.timeline_rows();
                self.pane.point_at(at, events.len(), rows);
            }
            None => {
                let text = sanitize_line(&self.search.text).into_owned();
                self.say(Level::Error, format!("no event in this timeline holds '{text}'"));
            }
        }
    }

    /// Keys while a form or a prompt has the keyboard.
    fn on_input_action(&mut self, a: Action) -> Vec<Effect> {
        if self.forms.open.is_none() {
            match (self.prompt(), a) {
                (Some(Prompt::Filter), _) => self.queue.filter_action(a, queue_cx!(self)),
                (Some(Prompt::Jump), Action::Submit) => return self.jump(),
                (Some(Prompt::Jump), Action::Cancel) => self.queue.jump = None,
                (Some(Prompt::Search), Action::Submit) => {
                    self.search.typing = false;
                    self.search.hit = None;
                    self.search_next();
                }
                (Some(Prompt::Search), Action::Cancel) => self.search = TimelineSearch::default(),
                _ => {}
            }
            return Vec::new();
        }
        match a {
            Action::Cancel => {
                self.forms.open = None;
                self.say(Level::Info, "cancelled; nothing was written");
            }
            Action::NextField => self.forms.next_field(),
            Action::PrevField => self.forms.prev_field(),
            Action::Submit => return self.forms.submit(forms_cx!(self)),
            Action::EditInEditor => return self.forms.edit_in_editor(),
            _ => {}
        }
        Vec::new()
    }
}
