//! The screen's state and the one function that changes it.
//!
//! [`App`] holds view state (selection, focus, filter, open form, messages) and a cache of what
//! the engine last said (incidents, the selected timeline). [`App::update`] takes a [`Msg`] — an
//! action from the keymap, typed text, a tick, a change from the feed, the answer to an earlier
//! effect — and returns the [`Effect`]s to run. Nothing else mutates the app; views only read it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::TuiSettings;
use super::action::{Action, Scope};
use super::effect::Effect;
use super::filter::{self, Filter};
use super::form::{Edit, Form, FormKind};
use super::keymap::KeyMap;
use super::schedule::{self, ScheduleView};
use super::theme::Theme;
use super::view;
use crate::client::{Change, ClientError, Connection, Outcome, Whoami};
use crate::domain::decide::{Context, decide};
use crate::domain::policy::Deadline;
use crate::domain::text::sanitize_line;
use crate::domain::{
    Command, Event, FieldChanges, Incident, IncidentId, Policy, Priority, Query, Refusal, Review, Role,
    RotaCommand, Sort, Status,
};
use crate::engine::{EscalationView, RotaQuery, RotaView};

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
    Exported(Result<String, String>),
    MaintenanceSet(Result<crate::domain::alert::MaintenanceWindow, ClientError>),
}

/// The answer to [`Effect::Execute`]: what was committed, and the error that stopped the rest.
#[derive(Debug, Clone)]
pub struct Executed {
    pub what: String,
    pub outcomes: Vec<Outcome>,
    pub error: Option<ClientError>,
}

/// This responder was paged: what the banner says until they acknowledge or dismiss it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageAlert {
    pub incident: IncidentId,
    pub level: u32,
    pub round: u32,
    pub at: DateTime<Utc>,
}

/// The panes that take focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Queue,
    Detail,
    Escalation,
}

impl Pane {
    const ORDER: [Self; 3] = [Self::Queue, Self::Detail, Self::Escalation];

    fn step(self, by: isize) -> Self {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        let n = Self::ORDER.len().cast_signed();
        Self::ORDER[usize::try_from((i.cast_signed() + by).rem_euclid(n)).unwrap_or(0)]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// The selected incident's timeline as last fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub id: IncidentId,
    pub events: Vec<Event>,
}

/// Actions the escalation pane offers, in this order, when the domain allows them.
pub const INCIDENT_ACTIONS: [Action; 22] = [
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
    Action::Close,
    Action::Export,
    Action::NewIncident,
];

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

    // Cache of what the engine said.
    incidents: Vec<Incident>,
    index: HashMap<IncidentId, usize>,
    /// Positions in `incidents` that pass the filter, in queue order.
    visible: Vec<usize>,
    pub counts: [usize; 3],
    /// Width of the widest incident id in the cache ("INC-100000" is 10).
    pub id_width: u16,
    /// Every open incident's running target, soonest first (rebuilt when data changes, so the
    /// header finds the next one and the overdue count with a binary search per frame).
    deadlines: Vec<(Deadline, IncidentId)>,
    pub loaded: bool,
    /// The whole queue has arrived (not only its first page): counts are final.
    pub complete: bool,
    pub timeline: Option<Timeline>,
    /// The selected incident's escalation as last fetched (or why it could not be).
    pub escalation: Option<(IncidentId, Result<EscalationView, String>)>,
    /// Who is on call now, from the server's rota; `None` until it answers (the header then
    /// shows the configured names).
    pub rota_now: Option<RotaView>,

    // View state.
    pub selected: Option<IncidentId>,
    pub sel_row: usize,
    pub offset: usize,
    pub focus: Pane,
    pub zoom: bool,
    pub show_all: bool,
    pub sort: Sort,
    pub filter_text: String,
    pub filter: Filter,
    pub filtering: bool,
    /// First timeline event shown; `None` follows the newest.
    pub timeline_top: Option<usize>,
    pub action_sel: usize,
    /// Help overlay open, with its scroll offset.
    pub help: Option<usize>,
    pub form: Option<Form>,
    /// The schedule view, over the main screen while open.
    pub schedule: Option<ScheduleView>,
    pub message: Option<(Level, String)>,
    /// The engine cannot be reached: shown until a call succeeds again.
    pub banner: Option<String>,
    /// This responder was paged: shown until the incident is acknowledged or Esc dismisses it.
    pub paged: Option<PageAlert>,
    /// The client says the server is away: commands are not sent until it is back.
    pub offline: bool,
    /// This user may only read (`[server] read-only`), and why in words: no write is offered,
    /// and a write key says this instead of doing nothing. `None` until the server says so.
    pub read_only: Option<String>,
    /// Select this incident once it shows up (after registering it).
    pending_select: Option<IncidentId>,
    /// A timeline fetch in flight, so moving fast does not ask twice.
    timeline_requested: Option<IncidentId>,
    /// An escalation fetch in flight, likewise.
    escalation_requested: Option<IncidentId>,
    /// When the on-call answer was last asked for: the next hand-off after it reloads it once.
    rota_asked_at: Option<DateTime<Utc>>,
    /// Pages recorded before this moment are history: they never ring.
    started_at: DateTime<Utc>,
    /// Pages of this responder that rang already, so overlapping checks ring once per page.
    rung: HashSet<(IncidentId, u32)>,
}

fn err_text(e: &ClientError) -> String {
    match e {
        ClientError::Refused(r) => super::refusal::text(r),
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

impl App {
    /// A new app with nothing loaded yet. Call [`App::start`] for the first effects.
    ///
    /// # Errors
    /// The settings' keys or theme are invalid (one sentence each, joined by newlines).
    pub fn new(settings: &TuiSettings, actor: &str, now: DateTime<Utc>) -> Result<Self, String> {
        let keymap = KeyMap::build(&settings.keys).map_err(|e| e.join("\n"))?;
        let theme = Theme::build(&settings.theme, settings.no_color).map_err(|e| e.join("\n"))?;
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
            incidents: Vec::new(),
            index: HashMap::new(),
            visible: Vec::new(),
            counts: [0; 3],
            id_width: 5,
            deadlines: Vec::new(),
            loaded: false,
            complete: false,
            timeline: None,
            escalation: None,
            rota_now: None,
            selected: None,
            sel_row: 0,
            offset: 0,
            focus: Pane::Queue,
            zoom: false,
            show_all: false,
            sort: Sort::Priority,
            filter_text: String::new(),
            filter: Filter::default(),
            filtering: false,
            timeline_top: None,
            action_sel: 0,
            help: None,
            form: None,
            schedule: None,
            message: None,
            banner: None,
            paged: None,
            offline: false,
            read_only: None,
            pending_select: None,
            timeline_requested: None,
            escalation_requested: None,
            rota_asked_at: None,
            // Times over the socket are whole seconds: a page in this second may read as
            // earlier than a start with a fraction.
            started_at: chrono::SubsecRound::trunc_subsecs(now, 0),
            rung: HashSet::new(),
        })
    }

    /// The effects to run once at start: the first page of the queue (then all of it), and
    /// who is on call.
    pub fn start(&mut self) -> Vec<Effect> {
        vec![
            Effect::LoadPage { all: self.show_all, limit: FIRST_PAGE },
            self.load_on_call(),
            Effect::LoadWhoami,
        ]
    }

    /// Ask who is on call now (for the header).
    fn load_on_call(&mut self) -> Effect {
        self.rota_asked_at = Some(self.now);
        Effect::LoadRota(RotaQuery { at: self.now, days: 0 })
    }

    /// The earliest hand-off ahead in any schedule, from the last on-call answer.
    #[must_use]
    pub fn next_handoff(&self) -> Option<DateTime<Utc>> {
        self.rota_now.as_ref()?.on_call.iter().filter_map(|o| o.next_at).min()
    }

    /// Where keys go now.
    #[must_use]
    pub const fn scope(&self) -> Scope {
        if self.form.is_some() || self.filtering {
            Scope::Input
        } else if self.schedule.is_some() {
            Scope::Schedule
        } else {
            Scope::Normal
        }
    }

    /// A countdown or an age is on screen, so the clock should tick.
    #[must_use]
    pub fn needs_tick(&self) -> bool {
        !self.visible.is_empty()
            || !self.deadlines.is_empty()
            || self.selected_escalation().is_some_and(|e| e.is_ok_and(|v| v.next.is_some()))
    }

    // ---- read access for views -------------------------------------------------------------

    /// How many incidents pass the filter.
    #[must_use]
    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    /// How many incidents are cached (open, or all when the toggle is on).
    #[must_use]
    pub fn cached_len(&self) -> usize {
        self.incidents.len()
    }

    /// The incident at a queue row.
    #[must_use]
    pub fn row(&self, row: usize) -> Option<&Incident> {
        self.visible.get(row).and_then(|&i| self.incidents.get(i))
    }

    /// The rows `from..from+n` of the queue, nothing else (render only what is visible).
    pub fn rows(&self, from: usize, n: usize) -> impl Iterator<Item = (usize, &Incident)> {
        let end = from.saturating_add(n).min(self.visible.len());
        let start = from.min(end);
        self.visible[start..end]
            .iter()
            .enumerate()
            .filter_map(move |(k, &i)| self.incidents.get(i).map(|inc| (start + k, inc)))
    }

    #[must_use]
    pub fn incident(&self, id: IncidentId) -> Option<&Incident> {
        self.index.get(&id).and_then(|&i| self.incidents.get(i))
    }

    #[must_use]
    pub fn selected_incident(&self) -> Option<&Incident> {
        self.selected.and_then(|id| self.incident(id))
    }

    /// The selected incident's escalation, when it has arrived (`Err`: why it could not be
    /// fetched).
    #[must_use]
    pub fn selected_escalation(&self) -> Option<Result<&EscalationView, &str>> {
        self.escalation
            .as_ref()
            .filter(|(id, _)| Some(*id) == self.selected)
            .map(|(_, e)| e.as_ref().map_err(String::as_str))
    }

    /// The selected incident's timeline, when it has arrived.
    #[must_use]
    pub fn selected_timeline(&self) -> Option<&Timeline> {
        self.timeline.as_ref().filter(|t| Some(t.id) == self.selected)
    }

    fn ctx(&self) -> Context<'_> {
        Context { actor: &self.actor, now: self.now, policy: &self.policy, paging: None }
    }

    /// The command an action would send for an incident, with harmless text for forms; used to
    /// ask the domain whether the action is possible now.
    fn probe(action: Action, inc: &Incident) -> Option<Command> {
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
            Action::Close => {
                Some(Command::RecordReview { id, review: Review { lessons: vec![t()], ..Review::default() } })
            }
            Action::ImpactUp => {
                up(FieldChanges { impact: Some(inc.impact.raised()), ..FieldChanges::default() })
            }
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

    /// Whether an incident action is possible now; `Err` says why not, in words.
    ///
    /// # Errors
    /// The domain's refusal.
    pub fn check(&self, action: Action, inc: &Incident) -> Result<(), Refusal> {
        if action == Action::Page {
            return self.check_page(inc);
        }
        match Self::probe(action, inc) {
            Some(cmd) => decide(Some(inc), &cmd, self.ctx(), "tui").map(|_| ()),
            None => Ok(()),
        }
    }

    /// Paging is decided by the engine with the rota; what the screen already knows is checked
    /// here, so the key says why not at once.
    fn check_page(&self, inc: &Incident) -> Result<(), Refusal> {
        if !inc.status.is_open() {
            return Err(Refusal {
                message: format!("{} is {}: reopen it before paging anyone", inc.id, inc.status),
                next: vec![],
            });
        }
        let known =
            self.escalation.as_ref().filter(|(id, _)| *id == inc.id).and_then(|(_, e)| e.as_ref().ok());
        if known.is_some_and(|v| v.policy.is_none()) {
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

    /// How many running targets are already breached, and the next one still ahead.
    #[must_use]
    pub fn deadlines_now(&self) -> (usize, Option<(IncidentId, Deadline)>) {
        let now = self.now;
        let overdue = self.deadlines.partition_point(|(d, _)| d.due <= now);
        (overdue, self.deadlines.get(overdue).map(|(d, id)| (*id, *d)))
    }

    /// The priority an impact or urgency key would give (unchanged while set by hand).
    #[must_use]
    pub fn priority_after(&self, action: Action, inc: &Incident) -> Option<Priority> {
        let (i, u) = match action {
            Action::ImpactUp => (inc.impact.raised(), inc.urgency),
            Action::ImpactDown => (inc.impact.lowered(), inc.urgency),
            Action::UrgencyUp => (inc.impact, inc.urgency.raised()),
            Action::UrgencyDown => (inc.impact, inc.urgency.lowered()),
            _ => return None,
        };
        Some(if inc.priority_override.is_some() { inc.priority } else { self.policy.matrix.derive(i, u) })
    }

    /// The incident actions possible now for the selected incident, for the escalation pane.
    #[must_use]
    pub fn possible_actions(&self) -> Vec<Action> {
        let Some(inc) = self.selected_incident() else { return vec![Action::NewIncident] };
        INCIDENT_ACTIONS
            .iter()
            .copied()
            .filter(|&a| !(self.read_only.is_some() && a.writes()) && self.check(a, inc).is_ok())
            .collect()
    }

    // ---- geometry shared with the views ----------------------------------------------------

    fn area(&self) -> Rect {
        Rect::new(0, 0, self.size.0, self.size.1)
    }

    /// Queue rows that fit on screen now.
    #[must_use]
    pub fn queue_rows(&self) -> usize {
        view::Areas::new(self.area(), self.zoom.then_some(self.focus), self.banner_lines())
            .queue
            .map_or(1, |r| view::queue::body_rows(r).max(1))
    }

    /// Rows of the schedule view that fit on screen now.
    #[must_use]
    pub fn schedule_rows(&self) -> usize {
        let body = view::Areas::new(self.area(), None, self.banner_lines()).body;
        view::schedule::body_rows(body).max(1)
    }

    fn timeline_rows(&self) -> usize {
        view::Areas::new(self.area(), self.zoom.then_some(self.focus), self.banner_lines())
            .detail
            .map_or(1, |r| view::detail::timeline_rows(r).max(1))
    }

    // ---- the update ------------------------------------------------------------------------

    /// Apply one message; return what to do next.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let before = self.selected;
        let mut effects = self.step(msg);
        self.settle_page_banner();
        if self.selected != before {
            self.timeline_top = None;
            self.action_sel = 0;
        }
        // Whatever moved the selection, the detail pane needs that incident's timeline.
        if let Some(id) = self.selected
            && self.selected_timeline().is_none()
            && self.timeline_requested != Some(id)
            && !effects.contains(&Effect::LoadTimeline(id))
        {
            effects.push(Effect::LoadTimeline(id));
        }
        // And the escalation pane needs its escalation.
        if let Some(id) = self.selected
            && self.selected_escalation().is_none()
            && self.escalation_requested != Some(id)
            && !effects.contains(&Effect::LoadEscalation(id))
        {
            effects.push(Effect::LoadEscalation(id));
        }
        for e in &effects {
            match e {
                Effect::LoadTimeline(id) => self.timeline_requested = Some(*id),
                Effect::LoadEscalation(id) => self.escalation_requested = Some(*id),
                _ => {}
            }
        }
        // While the server is away nothing is sent: a change made now would be lost, and the
        // responder must know it was not recorded.
        let writes = |e: &Effect| {
            matches!(e, Effect::Execute { .. } | Effect::SetMaintenance(_) | Effect::ChangeRota { .. })
        };
        // A read-only user's writes are refused by the server anyway; say why here, where the
        // key was pressed (a form opened before the server answered `whoami` ends here too).
        if let Some(why) = self.read_only.clone()
            && effects.iter().any(writes)
        {
            effects.retain(|e| !writes(e));
            self.form = None;
            self.say(Level::Error, format!("not sent: read-only: {why}"));
        }
        if self.offline && effects.iter().any(writes) {
            effects.retain(|e| !writes(e));
            if let Some(f) = self.form.as_mut() {
                f.submitting = false;
            }
            self.say(
                Level::Error,
                "not sent: the piket server is away (reconnecting); nothing was recorded, try again when the banner is gone",
            );
        }
        effects
    }

    fn step(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Action(a) => self.on_action(a),
            Msg::Type(c) => self.on_type(c),
            Msg::Edit(e) => self.on_edit(e),
            Msg::Paste(s) => {
                if let Some(f) = self.form.as_mut() {
                    f.paste(&s);
                } else if self.filtering {
                    self.filter_text.push_str(&sanitize_line(&s));
                    self.refilter();
                }
                Vec::new()
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.scroll_to_selection();
                Vec::new()
            }
            Msg::Tick(now) => {
                self.now = now;
                // A hand-off passed: the header's "on call" is stale. Asked once per hand-off,
                // even if the answer still names the same time.
                match self.next_handoff() {
                    Some(at) if at <= now && self.rota_asked_at.is_none_or(|asked| asked < at) => {
                        vec![self.load_on_call()]
                    }
                    _ => Vec::new(),
                }
            }
            Msg::Changed(ch) if ch.incident == IncidentId::ROTA => {
                // Not an incident: an override was added or removed. Who is on call, and whom
                // the selected incident's levels reach, may have changed.
                let mut fx = vec![self.load_on_call()];
                fx.extend(self.selected.map(Effect::LoadEscalation));
                if self.schedule.is_some() {
                    fx.push(Effect::LoadRota(RotaQuery { at: self.now, days: schedule::DAYS }));
                }
                fx
            }
            // Maintenance windows and suppressed alerts: on the record, not in the queue.
            Msg::Changed(ch) if ch.incident.is_record_only() => Vec::new(),
            Msg::Changed(ch) => {
                let mut fx = vec![Effect::LoadIncident(ch.incident)];
                if ch.paged {
                    fx.push(Effect::CheckPages(ch.incident));
                }
                fx
            }
            Msg::PagesChecked(id, Ok(events)) => self.on_pages(id, &events),
            Msg::PagesChecked(_, Err(_)) => Vec::new(),
            Msg::FeedLagged => vec![Effect::LoadList { all: self.show_all }],
            Msg::Connection(Connection::Lost(why)) => {
                self.offline = true;
                self.banner = Some(why);
                Vec::new()
            }
            Msg::Connection(Connection::Connected) => {
                if self.offline {
                    self.say(Level::Info, "reconnected to the piket server; catching up");
                }
                self.offline = false;
                self.banner = None;
                // The feed replays what was committed meanwhile; the list reload also catches
                // incidents that left the open queue while we were away.
                // The server may have restarted with another config: ask who we are again.
                let mut fx =
                    vec![Effect::LoadList { all: self.show_all }, self.load_on_call(), Effect::LoadWhoami];
                fx.extend(self.selected.map(Effect::LoadTimeline));
                fx.extend(self.selected.map(Effect::LoadEscalation));
                fx
            }
            Msg::PageLoaded(Ok(page)) => {
                self.banner = None;
                if self.complete {
                    return Vec::new();
                }
                self.loaded = true;
                self.set_list(page);
                vec![Effect::LoadList { all: self.show_all }]
            }
            Msg::ListLoaded(Ok(list)) => {
                self.banner = None;
                self.loaded = true;
                self.complete = true;
                self.set_list(list);
                Vec::new()
            }
            Msg::IncidentLoaded(_, Ok(inc)) => {
                self.banner = None;
                let id = inc.id;
                let last = inc.last_seq;
                self.upsert(inc);
                if Some(id) == self.selected
                    && self.selected_timeline().is_none_or(|t| t.events.last().is_none_or(|e| e.seq < last))
                {
                    // What changed may be a page, a delivery or an acknowledgement.
                    vec![Effect::LoadTimeline(id), Effect::LoadEscalation(id)]
                } else {
                    Vec::new()
                }
            }
            Msg::TimelineLoaded(id, Ok(events)) => {
                self.banner = None;
                if self.timeline_requested == Some(id) {
                    self.timeline_requested = None;
                }
                if Some(id) == self.selected {
                    self.timeline = Some(Timeline { id, events });
                }
                Vec::new()
            }
            Msg::EscalationLoaded(id, r) => {
                if self.escalation_requested == Some(id) {
                    self.escalation_requested = None;
                }
                let keep_old =
                    r.is_err() && self.escalation.as_ref().is_some_and(|(old, e)| *old == id && e.is_ok());
                if Some(id) == self.selected && !keep_old {
                    self.escalation = Some((id, r.map_err(|e| err_text(&e))));
                }
                Vec::new()
            }
            Msg::WhoamiLoaded(Ok(me)) => {
                self.read_only = me.read_only_reason();
                if self.read_only.is_some() {
                    self.action_sel = 0;
                }
                Vec::new()
            }
            // An older server, or away: writes stay offered and the server decides.
            Msg::WhoamiLoaded(Err(_)) => Vec::new(),
            Msg::RotaLoaded(q, r) => {
                // No answer (an older server, or none reachable): the header keeps the names
                // from config and the banner, if any, comes from the queue's own calls.
                if q.days == 0 {
                    if let Ok(view) = r {
                        self.rota_now = Some(view);
                    }
                } else if let Some(sv) = self.schedule.as_mut() {
                    // A failed reload keeps what was shown; a failed first load says why.
                    if r.is_ok() || sv.view().is_none() {
                        sv.set(r.map_err(|e| err_text(&e)), self.timezone);
                    }
                    let rows = self.schedule_rows();
                    if let Some(sv) = self.schedule.as_mut() {
                        sv.move_to(sv.cursor, rows);
                    }
                }
                Vec::new()
            }
            Msg::RotaChanged(what, r) => self.on_rota_changed(&what, r),
            Msg::PageLoaded(Err(e))
            | Msg::ListLoaded(Err(e))
            | Msg::IncidentLoaded(_, Err(e))
            | Msg::TimelineLoaded(_, Err(e)) => {
                self.timeline_requested = None;
                match e {
                    ClientError::NotFound(_) | ClientError::Refused(_) => {
                        self.say(Level::Error, err_text(&e))
                    }
                    ClientError::Unavailable(m) => self.banner = Some(m),
                }
                Vec::new()
            }
            Msg::Executed(x) => self.on_executed(*x),
            Msg::MaintenanceSet(r) => self.on_maintenance_set(r),
            Msg::Exported(Ok(path)) => {
                self.say(Level::Info, format!("exported to {path}"));
                Vec::new()
            }
            Msg::Exported(Err(e)) => {
                self.say(Level::Error, format!("export failed: {e}"));
                Vec::new()
            }
        }
    }

    /// Ring once for each page of this responder in a timeline that is newer than this app
    /// and has not rung yet; the banner names the latest.
    fn on_pages(&mut self, id: IncidentId, events: &[Event]) -> Vec<Effect> {
        let mut fx = Vec::new();
        for ev in events {
            let crate::domain::EventKind::LevelPaged(p) = &ev.kind else { continue };
            if ev.recorded_at < self.started_at
                || !p.users.contains(&self.actor)
                || !self.rung.insert((id, ev.seq))
            {
                continue;
            }
            fx.push(Effect::Bell);
            self.paged = Some(PageAlert { incident: id, level: p.level, round: p.round, at: ev.recorded_at });
        }
        fx
    }

    /// The page banner's incident while it can still be acknowledged.
    #[must_use]
    pub fn paged_to_acknowledge(&self) -> Option<&Incident> {
        let p = self.paged.as_ref()?;
        self.incident(p.incident).filter(|inc| self.check(Action::Acknowledge, inc).is_ok())
    }

    /// The banner goes once its incident is acknowledged after the page, or is over.
    fn settle_page_banner(&mut self) {
        if let Some(p) = &self.paged
            && let Some(inc) = self.incident(p.incident)
            && (!inc.status.is_open() || inc.acknowledged_at.is_some_and(|at| at >= p.at))
        {
            self.paged = None;
        }
    }

    /// Lines of banners above the footer: the page, the lost connection.
    #[must_use]
    pub fn banner_lines(&self) -> u16 {
        u16::from(self.paged.is_some()) + u16::from(self.banner.is_some())
    }

    fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some((level, text.into()));
    }

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
        self.message = None;
        if a.writes()
            && let Some(why) = &self.read_only
        {
            let text = format!("{} would change the record; read-only: {why}", a.name().replace('_', " "));
            self.say(Level::Error, text);
            return Vec::new();
        }
        if self.schedule.is_some() {
            return self.on_schedule_action(a);
        }
        match a {
            Action::Quit => vec![Effect::Quit],
            Action::Schedule => self.open_schedule(),
            Action::Help => {
                self.help = Some(0);
                Vec::new()
            }
            Action::SelectNext
            | Action::SelectPrev
            | Action::SelectFirst
            | Action::SelectLast
            | Action::PageDown
            | Action::PageUp => self.navigate(a),
            Action::FocusNext | Action::FocusPrev => {
                self.focus = self.focus.step(if a == Action::FocusNext { 1 } else { -1 });
                self.action_sel = 0;
                Vec::new()
            }
            Action::Open => match self.focus {
                Pane::Queue => {
                    if self.selected.is_some() {
                        self.focus = Pane::Detail;
                    }
                    Vec::new()
                }
                Pane::Detail => Vec::new(),
                Pane::Escalation => match self.possible_actions().get(self.action_sel).copied() {
                    Some(act) => self.on_action(act),
                    None => Vec::new(),
                },
            },
            Action::Back => {
                if self.paged.take().is_some() {
                    // The page stays in the timeline and the escalation pane.
                } else if self.zoom {
                    self.zoom = false;
                } else if self.focus != Pane::Queue {
                    self.focus = Pane::Queue;
                } else if !self.filter_text.is_empty() {
                    self.filter_text.clear();
                    self.refilter();
                }
                Vec::new()
            }
            Action::Zoom => {
                self.zoom = !self.zoom;
                self.scroll_to_selection();
                Vec::new()
            }
            Action::Filter => {
                self.filtering = true;
                Vec::new()
            }
            Action::CycleSort => {
                let i = Sort::ALL.iter().position(|s| *s == self.sort).unwrap_or(0);
                self.sort = Sort::ALL[(i + 1) % Sort::ALL.len()];
                self.refilter();
                self.say(Level::Info, format!("sorted by {}", self.sort.as_str()));
                Vec::new()
            }
            Action::ToggleClosed => {
                self.show_all = !self.show_all;
                self.say(
                    Level::Info,
                    if self.show_all {
                        "showing resolved and closed incidents too"
                    } else {
                        "showing open incidents"
                    },
                );
                vec![Effect::LoadList { all: self.show_all }]
            }
            Action::NewIncident => {
                self.form = Some(Form::new_incident(&self.policy));
                Vec::new()
            }
            Action::Acknowledge if self.paged_to_acknowledge().is_some() => self.acknowledge_page(),
            other => self.incident_action(other),
        }
    }

    fn open_schedule(&mut self) -> Vec<Effect> {
        self.schedule = Some(ScheduleView::loading());
        vec![Effect::LoadRota(RotaQuery { at: self.now, days: schedule::DAYS })]
    }

    /// Keys while the schedule view is open: move, add or remove an override, close.
    fn on_schedule_action(&mut self, a: Action) -> Vec<Effect> {
        let rows = self.schedule_rows();
        let Some(sv) = self.schedule.as_mut() else { return Vec::new() };
        let last = sv.rows.len().saturating_sub(1);
        match a {
            Action::Quit => return vec![Effect::Quit],
            Action::Help => self.help = Some(0),
            Action::Back | Action::Schedule => self.schedule = None,
            Action::SelectNext => sv.move_to(sv.cursor + 1, rows),
            Action::SelectPrev => sv.move_to(sv.cursor.saturating_sub(1), rows),
            Action::SelectFirst => sv.move_to(0, rows),
            Action::SelectLast => sv.move_to(last, rows),
            Action::PageDown => sv.move_to(sv.cursor + rows, rows),
            Action::PageUp => sv.move_to(sv.cursor.saturating_sub(rows), rows),
            Action::AddOverride => self.open_add_override(),
            Action::RemoveOverride => self.open_remove_override(),
            // Incident keys act on an incident that is not on screen: nothing.
            _ => {}
        }
        Vec::new()
    }

    fn open_add_override(&mut self) {
        let Some(view) = self.schedule.as_ref().and_then(ScheduleView::view) else {
            self.say(Level::Error, "the schedule has not loaded yet");
            return;
        };
        let schedules: Vec<String> =
            view.coverage.iter().map(|c| sanitize_line(&c.schedule).into_owned()).collect();
        if schedules.is_empty() {
            self.say(Level::Error, "no schedules are configured: add [schedules] to config.toml");
            return;
        }
        let people: Vec<String> = view.people.iter().map(|p| sanitize_line(&p.name).into_owned()).collect();
        // Start on the schedule under the cursor.
        let mut form = Form::add_override(&schedules, &people);
        if let Some(sv) = self.schedule.as_ref()
            && let Some(schedule::Row::Schedule(i) | schedule::Row::Day(i, _) | schedule::Row::Dst(i, _)) =
                sv.rows.get(sv.cursor)
            && let Some(f) = form.fields.first_mut()
        {
            f.choice = *i;
        }
        self.form = Some(form);
    }

    fn open_remove_override(&mut self) {
        let Some(o) = self.schedule.as_ref().and_then(ScheduleView::selected_override) else {
            let key = self.keymap.first(Action::SelectNext).unwrap_or_default();
            self.say(
                Level::Error,
                format!("move to an override in the list at the bottom ({key}) to remove it"),
            );
            return;
        };
        let what = view::schedule::override_text(self, o);
        self.form = Some(Form::remove_override(o.id, &what));
    }

    /// The schedule and its window as typed into the override form, as a command.
    fn override_command(&self, form: &Form) -> Result<RotaCommand, String> {
        let tz = self.timezone;
        let start =
            super::when::parse_ahead(&form.value(3), tz, self.now).map_err(|e| format!("From: {e}"))?;
        let end = super::when::parse_until(&form.value(4), tz, start).map_err(|e| format!("Until: {e}"))?;
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

    fn submit_rota_form(&mut self, mut form: Form) -> Vec<Effect> {
        if !form.check_required() {
            self.form = Some(form);
            return Vec::new();
        }
        let cmd = if form.kind == FormKind::RemoveOverride {
            let Some(id) = form.override_id else {
                self.form = None;
                return Vec::new();
            };
            let reason = form.value(0);
            RotaCommand::RemoveOverride { id, reason: (!reason.is_empty()).then_some(reason) }
        } else {
            match self.override_command(&form) {
                Ok(cmd) => cmd,
                Err(e) => {
                    form.error = Some(e);
                    self.form = Some(form);
                    return Vec::new();
                }
            }
        };
        let what = form.title.clone();
        form.submitting = true;
        self.form = Some(form);
        vec![Effect::ChangeRota { cmd, what }]
    }

    fn on_rota_changed(&mut self, what: &str, r: Result<Vec<Event>, ClientError>) -> Vec<Effect> {
        match r {
            Ok(events) => {
                self.form = None;
                let said: Vec<String> = events.iter().map(|e| one_line(&e.kind.describe())).collect();
                self.say(Level::Info, format!("rota: {}", said.join("; ")));
                // The feed brings the rota's change too; asking now shows it without waiting.
                let mut fx = vec![self.load_on_call()];
                if self.schedule.is_some() {
                    fx.push(Effect::LoadRota(RotaQuery { at: self.now, days: schedule::DAYS }));
                }
                fx
            }
            Err(e) => {
                let text = err_text(&e);
                if let Some(f) = self.form.as_mut() {
                    f.submitting = false;
                    f.error = Some(text.clone());
                }
                self.say(Level::Error, format!("{}: {text}", one_line(what)));
                Vec::new()
            }
        }
    }

    /// The banner says "press a to acknowledge": `a` acknowledges the incident that paged,
    /// whatever is selected, and selects it when the queue shows it.
    fn acknowledge_page(&mut self) -> Vec<Effect> {
        let Some(id) = self.paged_to_acknowledge().map(|inc| inc.id) else { return Vec::new() };
        if let Some(row) = self.row_of(id) {
            let _ = self.select_row(row);
        }
        vec![Effect::Execute { cmds: vec![Command::Acknowledge { id }], what: "acknowledge".to_owned() }]
    }

    fn incident_action(&mut self, a: Action) -> Vec<Effect> {
        let Some(inc) = self.selected_incident() else {
            self.say(Level::Error, "no incident selected: n registers one");
            return Vec::new();
        };
        if let Err(r) = self.check(a, inc) {
            let msg = format!("{} not possible: {}", a.name().replace('_', " "), super::refusal::text(&r));
            self.say(Level::Error, msg);
            return Vec::new();
        }
        let id = inc.id;
        let kind = match a {
            Action::Export => return vec![Effect::Export(id, self.timezone)],
            Action::Page => {
                self.form = Some(self.page_form(inc));
                return Vec::new();
            }
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
            _ => {
                return match Self::probe(a, inc) {
                    Some(cmd) => vec![Effect::Execute { cmds: vec![cmd], what: a.name().replace('_', " ") }],
                    None => Vec::new(),
                };
            }
        };
        self.form = Some(Form::for_incident(kind, inc, &self.policy, &self.on_call));
        Vec::new()
    }

    /// The page form, with the levels and whom "next" reaches when the escalation is known.
    fn page_form(&self, inc: &Incident) -> Form {
        let Some(Ok(view)) = self.selected_escalation().filter(|_| self.selected == Some(inc.id)) else {
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

    fn on_input_action(&mut self, a: Action) -> Vec<Effect> {
        if self.form.is_none() {
            if self.filtering {
                match a {
                    Action::Submit => self.filtering = false,
                    Action::Cancel => {
                        self.filtering = false;
                        self.filter_text.clear();
                        self.refilter();
                    }
                    _ => {}
                }
            }
            return Vec::new();
        }
        match a {
            Action::Cancel => {
                self.form = None;
                self.say(Level::Info, "cancelled; nothing was written");
                Vec::new()
            }
            Action::NextField => {
                if let Some(f) = self.form.as_mut() {
                    f.next_field();
                }
                Vec::new()
            }
            Action::PrevField => {
                if let Some(f) = self.form.as_mut() {
                    f.prev_field();
                }
                Vec::new()
            }
            Action::Submit => self.submit_form(),
            _ => Vec::new(),
        }
    }

    fn on_type(&mut self, c: char) -> Vec<Effect> {
        if let Some(f) = self.form.as_mut() {
            if !f.submitting {
                f.type_char(c);
            }
        } else if self.filtering {
            self.filter_text.push(c);
            self.refilter();
        }
        Vec::new()
    }

    fn on_edit(&mut self, e: Edit) -> Vec<Effect> {
        if let Some(f) = self.form.as_mut() {
            if !f.submitting && f.edit(e) {
                return self.submit_form();
            }
        } else if self.filtering {
            match e {
                Edit::Backspace => {
                    self.filter_text.pop();
                }
                Edit::Clear | Edit::DeleteWord => self.filter_text.clear(),
                Edit::Enter => self.filtering = false,
                Edit::Left | Edit::Right | Edit::Home | Edit::End | Edit::Delete => {}
            }
            self.refilter();
        }
        Vec::new()
    }

    fn submit_form(&mut self) -> Vec<Effect> {
        let Some(mut form) = self.form.take() else { return Vec::new() };
        if form.submitting {
            self.form = Some(form);
            return Vec::new();
        }
        form.error = None;
        if form.kind == FormKind::Maintenance {
            return self.submit_maintenance(form);
        }
        if matches!(form.kind, FormKind::AddOverride | FormKind::RemoveOverride) {
            return self.submit_rota_form(form);
        }
        let Some(cmds) = form.commands() else {
            self.form = Some(form);
            return Vec::new();
        };
        if form.kind == FormKind::Page {
            // Whom a level reaches is the rota's business: the engine decides, and a refusal
            // comes back onto the form like any other.
            let what = form.title.clone();
            form.submitting = true;
            self.form = Some(form);
            return vec![Effect::Execute { cmds, what }];
        }
        // Play the commands against the cached incident with the domain's rules, so a refusal
        // shows on the form and nothing half-done is written.
        let mut sim = form.incident.and_then(|id| self.incident(id).cloned());
        for cmd in &cmds {
            match decide(sim.as_ref(), cmd, self.ctx(), "tui") {
                Ok(kinds) => {
                    if let Some(inc) = sim.as_mut() {
                        for kind in kinds {
                            let ev = Event {
                                incident: inc.id,
                                seq: inc.last_seq + 1,
                                occurred_at: self.now,
                                recorded_at: self.now,
                                actor: self.actor.clone(),
                                source: crate::domain::Source::Tui,
                                kind,
                            };
                            let _ = inc.apply(&ev);
                        }
                    }
                }
                Err(r) => {
                    form.error = Some(super::refusal::text(&r));
                    self.form = Some(form);
                    return Vec::new();
                }
            }
        }
        let what = form.title.clone();
        form.submitting = true;
        self.form = Some(form);
        vec![Effect::Execute { cmds, what }]
    }

    fn submit_maintenance(&mut self, mut form: Form) -> Vec<Effect> {
        let value = |i: usize| form.fields.get(i).map(|f| f.value.trim().to_owned()).unwrap_or_default();
        let (service, span, reason) = (value(0), value(1), value(2));
        let Some(length) = crate::cli::when::parse_span(&span) else {
            form.error = Some(format!("'{span}' is not a length of time: use 90m, 2h, 1d"));
            self.form = Some(form);
            return Vec::new();
        };
        let window = crate::domain::alert::MaintenanceWindow {
            id: 0,
            service,
            start: self.now,
            end: self.now + length,
            reason,
            set_by: self.actor.clone(),
        };
        if let Err(m) = window.check() {
            form.error = Some(m);
            self.form = Some(form);
            return Vec::new();
        }
        form.submitting = true;
        self.form = Some(form);
        vec![Effect::SetMaintenance(window)]
    }

    fn on_maintenance_set(
        &mut self,
        r: Result<crate::domain::alert::MaintenanceWindow, ClientError>,
    ) -> Vec<Effect> {
        match r {
            Ok(w) => {
                self.form = None;
                let until = w.end.with_timezone(&self.timezone).format("%H:%M");
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
                if let Some(f) = self.form.as_mut() {
                    f.submitting = false;
                    f.error = Some(text.clone());
                }
                self.say(Level::Error, format!("maintenance window: {text}"));
            }
        }
        Vec::new()
    }

    fn on_executed(&mut self, x: Executed) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut said: Vec<String> = Vec::new();
        for o in &x.outcomes {
            said.extend(o.events.iter().map(|e| one_line(&e.kind.describe())));
            if matches!(o.events.first().map(|e| &e.kind), Some(crate::domain::EventKind::Registered(_))) {
                self.pending_select = Some(o.incident);
                self.focus = Pane::Queue;
            }
            self.upsert(o.summary.clone());
            if Some(o.incident) == self.selected {
                effects.push(Effect::LoadTimeline(o.incident));
                effects.push(Effect::LoadEscalation(o.incident));
            }
        }
        let who = x.outcomes.first().map(|o| o.incident.to_string()).unwrap_or_default();
        match x.error {
            None => {
                self.banner = None;
                self.form = None;
                self.say(Level::Info, format!("{who}: {}", said.join("; ")));
            }
            Some(e) => {
                if let ClientError::Unavailable(m) = &e {
                    self.banner = Some(m.clone());
                }
                let done = if said.is_empty() {
                    String::new()
                } else {
                    format!(" (recorded first: {})", said.join("; "))
                };
                let text = format!("{}{done}", err_text(&e));
                if let Some(f) = self.form.as_mut() {
                    f.submitting = false;
                    f.error = Some(text.clone());
                }
                self.say(Level::Error, format!("{}: {text}", x.what));
            }
        }
        effects.dedup();
        effects
    }

    // ---- navigation ------------------------------------------------------------------------

    fn navigate(&mut self, a: Action) -> Vec<Effect> {
        match self.focus {
            Pane::Queue => {
                let n = self.visible.len();
                if n == 0 {
                    return Vec::new();
                }
                let page = self.queue_rows();
                let row = match a {
                    Action::SelectNext => self.sel_row + 1,
                    Action::SelectPrev => self.sel_row.saturating_sub(1),
                    Action::SelectFirst => 0,
                    Action::SelectLast => n - 1,
                    Action::PageDown => self.sel_row + page,
                    Action::PageUp => self.sel_row.saturating_sub(page),
                    _ => self.sel_row,
                };
                self.select_row(row.min(n - 1))
            }
            Pane::Detail => {
                let len = self.selected_timeline().map_or(0, |t| t.events.len());
                let rows = self.timeline_rows();
                let top = self.timeline_top.unwrap_or_else(|| len.saturating_sub(rows));
                let new = match a {
                    Action::SelectNext => Some(top + 1),
                    Action::SelectPrev => Some(top.saturating_sub(1)),
                    Action::SelectFirst => Some(0),
                    Action::SelectLast => None,
                    Action::PageDown => Some(top + rows),
                    Action::PageUp => Some(top.saturating_sub(rows)),
                    _ => self.timeline_top,
                };
                // Reaching the end follows new events again.
                self.timeline_top = new.filter(|t| *t + rows < len);
                Vec::new()
            }
            Pane::Escalation => {
                let n = self.possible_actions().len();
                self.action_sel = match a {
                    Action::SelectNext | Action::PageDown => (self.action_sel + 1).min(n.saturating_sub(1)),
                    Action::SelectPrev | Action::PageUp => self.action_sel.saturating_sub(1),
                    Action::SelectFirst => 0,
                    Action::SelectLast => n.saturating_sub(1),
                    _ => self.action_sel,
                };
                Vec::new()
            }
        }
    }

    fn select_row(&mut self, row: usize) -> Vec<Effect> {
        self.sel_row = row;
        self.selected = self.row(row).map(|i| i.id);
        self.scroll_to_selection();
        Vec::new()
    }

    fn scroll_to_selection(&mut self) {
        let rows = self.queue_rows();
        let n = self.visible.len();
        if self.sel_row < self.offset {
            self.offset = self.sel_row;
        } else if self.sel_row >= self.offset + rows {
            self.offset = self.sel_row + 1 - rows;
        }
        // Do not leave empty rows below the last incident when there are more above.
        self.offset = self.offset.min(n.saturating_sub(rows));
    }

    // ---- the cache -------------------------------------------------------------------------

    fn query(&self) -> Query {
        let mut q = self.filter.query.clone();
        if self.show_all && q.statuses.is_empty() {
            q.all = true;
        }
        q.sort = self.sort;
        q
    }

    fn set_list(&mut self, list: Vec<Incident>) {
        self.incidents = list;
        self.index = self.incidents.iter().enumerate().map(|(i, inc)| (inc.id, i)).collect();
        self.recount();
        self.refilter();
    }

    fn refilter(&mut self) {
        self.filter = filter::parse(&self.filter_text, &self.actor);
        let q = self.query();
        let incs = &self.incidents;
        let mut vis: Vec<usize> = (0..incs.len()).filter(|&i| q.matches(&incs[i])).collect();
        vis.sort_by(|&a, &b| q.sort.compare(&incs[a], &incs[b]));
        self.visible = vis;
        self.reselect();
    }

    /// After the visible set changed: keep the selected incident selected (and where it was on
    /// screen), or the row at the same position when it left the view.
    fn reselect(&mut self) {
        if let Some(id) = self.pending_select
            && let Some(row) = self.row_of(id)
        {
            self.pending_select = None;
            self.selected = Some(id);
            self.sel_row = row;
        } else if let Some(row) = self.selected.and_then(|id| self.row_of(id)) {
            // Keep the row at the same height on screen when it moved.
            let screen = self.sel_row.saturating_sub(self.offset);
            self.sel_row = row;
            self.offset = row.saturating_sub(screen);
        } else {
            self.sel_row = self.sel_row.min(self.visible.len().saturating_sub(1));
            self.selected = self.row(self.sel_row).map(|i| i.id);
        }
        self.scroll_to_selection();
    }

    fn row_of(&self, id: IncidentId) -> Option<usize> {
        let &pos = self.index.get(&id)?;
        self.visible.iter().position(|&i| i == pos)
    }

    /// Insert or replace one incident without re-sorting the whole queue.
    fn upsert(&mut self, inc: Incident) {
        let id = inc.id;
        // Answers can arrive out of order (several fetches in flight): never go back in time.
        if self.incident(id).is_some_and(|old| old.last_seq > inc.last_seq) {
            return;
        }
        let pos = if let Some(&pos) = self.index.get(&id) {
            if let Some(slot) = self.incidents.get_mut(pos) {
                *slot = inc;
            }
            if let Some(v) = self.visible.iter().position(|&i| i == pos) {
                self.visible.remove(v);
            }
            pos
        } else {
            self.incidents.push(inc);
            let pos = self.incidents.len() - 1;
            self.index.insert(id, pos);
            pos
        };
        let q = self.query();
        if let Some(new) = self.incidents.get(pos)
            && q.matches(new)
        {
            let incs = &self.incidents;
            let at = self.visible.partition_point(|&i| q.sort.compare(&incs[i], new).is_lt());
            self.visible.insert(at, pos);
        }
        self.recount();
        self.reselect();
    }

    fn recount(&mut self) {
        let mut counts = [0; 3];
        let mut deadlines = Vec::new();
        for inc in &self.incidents {
            match inc.status {
                Status::Triggered => counts[0] += 1,
                Status::Acknowledged => counts[1] += 1,
                Status::Contained => counts[2] += 1,
                _ => continue,
            }
            if let Some(d) = self.policy.deadline(inc) {
                deadlines.push((d, inc.id));
            }
        }
        deadlines.sort_unstable_by_key(|(d, id)| (d.due, *id));
        self.counts = counts;
        self.deadlines = deadlines;
        let max_id = self.incidents.iter().map(|i| i.id.0).max().unwrap_or(1);
        self.id_width = u16::try_from(max_id.to_string().len() + 4).unwrap_or(10);
    }
}
