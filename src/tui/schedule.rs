//! The schedule view's state: the rota over the next days as the server computed it, laid out
//! as rows (a heading per schedule, one row per local day, the overrides), a cursor and a
//! scroll offset. The rows are worked out once when the rota arrives; drawing them is
//! `view::schedule`'s, and only for the rows on screen.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::schedule::Segment;
use crate::wire::RotaView;

/// How many days the view covers.
pub const DAYS: u32 = 14;

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
    pub fn selected_override(&self) -> Option<&crate::domain::Override> {
        match self.rows.get(self.cursor)? {
            Row::Override(i) => self.view()?.overrides.get(*i),
            _ => None,
        }
    }

    /// Move the cursor to `row` and scroll so it shows among `visible` rows.
    pub fn move_to(&mut self, row: usize, visible: usize) {
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
pub fn day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(midnight + Duration::hours(1))).earliest())
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// The segments of a schedule that overlap `[from, to)`, in order.
#[must_use]
pub fn segments_between(segments: &[Segment], from: DateTime<Utc>, to: DateTime<Utc>) -> &[Segment] {
    let first = segments.partition_point(|s| s.end <= from);
    let last = segments.partition_point(|s| s.start < to);
    segments.get(first..last.max(first)).unwrap_or_default()
}

/// The rows for a rota: per schedule its heading, its daylight-saving notes and one row per
/// day from the query's local date; then the overrides.
#[must_use]
pub fn rows(rota: &RotaView, tz: Tz) -> Vec<Row> {
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
