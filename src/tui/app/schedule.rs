//! The rota on screen: who is on call now (the header) and the schedule view over the main
//! screen, with their update. The view's state is the rota over the next days as the server
//! computed it, laid out as rows (a heading per schedule, one row per local day, the overrides),
//! a cursor and a scroll offset. The rows are worked out once when the rota arrives; drawing them
//! is `view::schedule`'s, and only for the rows on screen.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::schedule::Segment;
use crate::domain::text::sanitize_line;
use crate::domain::{IncidentId, Override};
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::form::Form;
use crate::wire::{RotaQuery, RotaView};

use super::Msg;

/// How many days the view covers.
pub(crate) const DAYS: u32 = 14;

/// What one line of the view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A schedule's heading (index into `coverage`): its name, who now, the next hand-off.
    Schedule(usize),
    /// One local day of a schedule.
    Day(usize, NaiveDate),
    /// A hand-off moved by daylight saving (schedule, index into its `dst_shifts`).
    Dst(usize, usize),
    Blank,
    /// The overrides' heading.
    Overrides,
    /// One override (index into `overrides`).
    Override(usize),
    /// No override is in force or planned.
    NoOverrides,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleView {
    /// The rota as last fetched; `None` while the first answer is on its way; `Err`: why not.
    pub rota: Option<Result<RotaView, String>>,
    pub rows: Vec<Row>,
    pub cursor: usize,
    pub offset: usize,
}

impl ScheduleView {
    #[must_use]
    pub const fn loading() -> Self {
        Self { rota: None, rows: Vec::new(), cursor: 0, offset: 0 }
    }

    /// Take a new answer, keeping the cursor where it was as far as the rows allow.
    pub fn set(&mut self, rota: Result<RotaView, String>, tz: Tz) {
        self.rows = match &rota {
            Ok(r) => rows(r, tz),
            Err(_) => Vec::new(),
        };
        self.rota = Some(rota);
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
    }

    #[must_use]
    pub fn view(&self) -> Option<&RotaView> {
        self.rota.as_ref().and_then(|r| r.as_ref().ok())
    }

    /// The override under the cursor, if the cursor is on one.
    #[must_use]
    pub(crate) fn selected_override(&self) -> Option<&Override> {
        match self.rows.get(self.cursor)? {
            Row::Override(i) => self.view()?.overrides.get(*i),
            _ => None,
        }
    }

    /// Move the cursor to `row` and scroll so it shows among `visible` rows.
    pub(crate) fn move_to(&mut self, row: usize, visible: usize) {
        let visible = visible.max(1);
        self.cursor = row.min(self.rows.len().saturating_sub(1));
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + visible {
            self.offset = self.cursor + 1 - visible;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(visible));
    }
}

/// Midnight of a local date, as an instant (the first instant of the day where midnight is
/// skipped or repeated by a clock change).
#[must_use]
pub(crate) fn day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(midnight + Duration::hours(1))).earliest())
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// The segments of a schedule that overlap `[from, to)`, in order.
#[must_use]
pub(crate) fn segments_between(segments: &[Segment], from: DateTime<Utc>, to: DateTime<Utc>) -> &[Segment] {
    let first = segments.partition_point(|s| s.end <= from);
    let last = segments.partition_point(|s| s.start < to);
    segments.get(first..last.max(first)).unwrap_or_default()
}

/// The rows for a rota: per schedule its heading, its daylight-saving notes and one row per
/// day from the query's local date; then the overrides.
#[must_use]
pub(crate) fn rows(rota: &RotaView, tz: Tz) -> Vec<Row> {
    let first = rota.at.with_timezone(&tz).date_naive();
    let mut out = Vec::new();
    for (si, cov) in rota.coverage.iter().enumerate() {
        out.push(Row::Schedule(si));
        out.extend((0..cov.dst_shifts.len()).map(|k| Row::Dst(si, k)));
        out.extend(first.iter_days().take(DAYS as usize).map(|d| Row::Day(si, d)));
        out.push(Row::Blank);
    }
    out.push(Row::Overrides);
    if rota.overrides.is_empty() {
        out.push(Row::NoOverrides);
    }
    out.extend((0..rota.overrides.len()).map(Row::Override));
    out
}

/// The rota's part of the app: the on-call answer for the header, and the schedule view while
/// it is open.
#[derive(Debug, Clone, Default)]
pub struct Rota {
    /// Who is on call now, from the server's rota; `None` until it answers (the header then
    /// shows the configured names).
    pub now: Option<RotaView>,
    /// When the on-call answer was last asked for: the next hand-off after it reloads it once.
    asked_at: Option<DateTime<Utc>>,
    /// The schedule view, over the main screen while open.
    pub view: Option<ScheduleView>,
}

/// What the rota needs from the rest of the app for one message.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub now: DateTime<Utc>,
    pub timezone: Tz,
    /// Rows of the schedule view on screen now.
    pub rows: usize,
}

impl Rota {
    /// Ask who is on call now (for the header).
    pub(crate) const fn load_on_call(&mut self, now: DateTime<Utc>) -> Effect {
        self.asked_at = Some(now);
        Effect::LoadRota(RotaQuery { at: now, days: 0 })
    }

    /// The earliest hand-off ahead in any schedule, from the last on-call answer.
    #[must_use]
    pub(crate) fn next_handoff(&self) -> Option<DateTime<Utc>> {
        self.now.as_ref()?.on_call.iter().filter_map(|o| o.next_at).min()
    }

    /// The rota's messages: the clock, a change of the rota's timeline, answers.
    pub fn update(&mut self, msg: Msg, cx: Ctx) -> Vec<Effect> {
        match msg {
            Msg::Tick(now) => {
                // A hand-off passed: the header's "on call" is stale. Asked once per hand-off,
                // even if the answer still names the same time.
                match self.next_handoff() {
                    Some(at) if at <= now && self.asked_at.is_none_or(|asked| asked < at) => {
                        vec![self.load_on_call(cx.now)]
                    }
                    _ => Vec::new(),
                }
            }
            Msg::Changed(ch) if ch.incident == IncidentId::ROTA => self.reload(cx.now),
            Msg::RotaLoaded(q, r) => {
                // No answer (an older server, or none reachable): the header keeps the names
                // from config and the banner, if any, comes from the queue's own calls.
                if q.days == 0 {
                    if let Ok(view) = r {
                        self.now = Some(view);
                    }
                } else if let Some(sv) = self.view.as_mut() {
                    // A failed reload keeps what was shown; a failed first load says why.
                    if r.is_ok() || sv.view().is_none() {
                        sv.set(r.map_err(|e| super::err_text(&e)), cx.timezone);
                    }
                    sv.move_to(sv.cursor, cx.rows);
                }
                Vec::new()
            }
            Msg::RotaChanged(_, Ok(_)) => self.reload(cx.now),
            _ => Vec::new(),
        }
    }

    /// The rota changed: who is on call, and the open view, are stale. (The feed brings the
    /// change too; asking now shows it without waiting.)
    fn reload(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let mut fx = vec![self.load_on_call(now)];
        if self.view.is_some() {
            fx.push(Effect::LoadRota(RotaQuery { at: now, days: DAYS }));
        }
        fx
    }

    pub fn open(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        self.view = Some(ScheduleView::loading());
        vec![Effect::LoadRota(RotaQuery { at: now, days: DAYS })]
    }

    /// Keys that move or close the open view (`rows`: a page); `false` for any other key.
    pub(crate) fn navigate(&mut self, a: Action, rows: usize) -> bool {
        let Some(sv) = self.view.as_mut() else { return false };
        let last = sv.rows.len().saturating_sub(1);
        match a {
            Action::Back | Action::Schedule => self.view = None,
            Action::SelectNext => sv.move_to(sv.cursor + 1, rows),
            Action::SelectPrev => sv.move_to(sv.cursor.saturating_sub(1), rows),
            Action::SelectFirst => sv.move_to(0, rows),
            Action::SelectLast => sv.move_to(last, rows),
            Action::PageDown => sv.move_to(sv.cursor + rows, rows),
            Action::PageUp => sv.move_to(sv.cursor.saturating_sub(rows), rows),
            _ => return false,
        }
        true
    }

    /// The form that adds an override, starting on the schedule under the cursor; `Err`: why
    /// not, in words.
    ///
    /// # Errors
    /// The rota has not loaded, or has no schedules.
    pub(crate) fn add_override_form(&self) -> Result<Form, &'static str> {
        let Some(sv) = self.view.as_ref() else { return Err("the schedule has not loaded yet") };
        let Some(view) = sv.view() else { return Err("the schedule has not loaded yet") };
        let schedules: Vec<String> =
            view.coverage.iter().map(|c| sanitize_line(&c.schedule).into_owned()).collect();
        if schedules.is_empty() {
            return Err("no schedules are configured: add [schedules] to config.toml");
        }
        let people: Vec<String> = view.people.iter().map(|p| sanitize_line(&p.name).into_owned()).collect();
        let mut form = Form::add_override(&schedules, &people);
        if let Some(Row::Schedule(i) | Row::Day(i, _) | Row::Dst(i, _)) = sv.rows.get(sv.cursor)
            && let Some(f) = form.fields.first_mut()
        {
            f.choice = *i;
        }
        Ok(form)
    }

    /// The form that removes the override under the cursor, if it is on one.
    #[must_use]
    pub(crate) fn remove_override_form(&self, now: DateTime<Utc>, tz: Tz) -> Option<Form> {
        let o = self.view.as_ref().and_then(ScheduleView::selected_override)?;
        Some(Form::remove_override(o.id, &override_text(o, now, tz)))
    }
}

/// "carol for bob in dba · Fri 18:00 → Sat 09:00".
#[must_use]
pub(crate) fn override_text(o: &Override, now: DateTime<Utc>, tz: Tz) -> String {
    let covers = o.covers.as_deref().map(|c| format!(" for {}", sanitize_line(c))).unwrap_or_default();
    format!(
        "{}{covers} in {} · {} → {}",
        sanitize_line(&o.person),
        sanitize_line(&o.schedule),
        crate::when::shown(o.start, now, tz),
        crate::when::shown(o.end, now, tz)
    )
}
