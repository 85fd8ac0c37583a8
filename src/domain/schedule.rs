//! On-call schedules: who is on call at an instant, and what a stretch of time looks like.
//!
//! A schedule is one or more rotations plus overrides. Each rotation hands the pager from one
//! member to the next at a wall-clock time in its own IANA zone, so a 09:00 hand-off stays at
//! 09:00 local across daylight saving changes; the instants that do not exist (spring forward)
//! or exist twice (fall back) are resolved by one documented rule in [`local_instant`].
//! Everything here is pure: `at` is passed in, and overrides come from the store as values.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::time::ts;

/// How long one member holds the pager in a rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftLength {
    /// Hand-off every day at the hand-off time.
    Daily,
    /// Hand-off every week on the hand-off day at the hand-off time.
    Weekly,
    /// Hand-off every N hours of elapsed time from the first hand-off (N >= 1).
    Hours(u32),
}

/// A daily window in the rotation's zone in which it is active (e.g. 08:00-20:00 for a
/// follow-the-sun team). `start > end` wraps past midnight (20:00-08:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// People (names from `[people]`), in order; the first holds the first shift.
    pub members: Vec<String>,
    pub shift: ShiftLength,
    /// Local wall-clock time of the hand-off.
    pub handoff: NaiveTime,
    /// For weekly shifts: the day of the hand-off. Ignored otherwise.
    pub handoff_day: Weekday,
    /// The local date of the first hand-off (to `members[0]`). Before it the rotation is not
    /// active. For weekly shifts it is moved forward to the first `handoff_day` on or after it.
    pub start: NaiveDate,
    /// The local date after which it stops (exclusive, at the hand-off time); `None`: forever.
    pub end: Option<NaiveDate>,
    pub zone: Tz,
    /// `None`: all day.
    pub active: Option<ActiveHours>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub name: String,
    pub rotations: Vec<Rotation>,
}

/// "Bob covers for Alice Tue 18:00-Wed 09:00". Stored as events on the rota's timeline, so who
/// changed the rota and when is audited like everything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// Unique, from 1, handed out by the engine.
    pub id: u32,
    pub schedule: String,
    /// Who is on call inside the window.
    pub person: String,
    /// Whom they cover for; `None`: everyone the rotations have on call then.
    pub covers: Option<String>,
    #[serde(with = "ts")]
    pub start: DateTime<Utc>,
    /// Exclusive.
    #[serde(with = "ts")]
    pub end: DateTime<Utc>,
    pub reason: Option<String>,
}

/// One stretch of time in which the same people are on call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    #[serde(with = "ts")]
    pub start: DateTime<Utc>,
    #[serde(with = "ts")]
    pub end: DateTime<Utc>,
    /// Empty: a gap. More than one: an overlap (two rotations active at once).
    pub people: Vec<String>,
    /// Override ids in force in this segment.
    pub overrides: Vec<u32>,
}

/// A hand-off whose wall-clock time did not exist or existed twice that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DstShift {
    pub rotation: usize,
    /// The hand-off as configured, local.
    pub intended: chrono::NaiveDateTime,
    /// When it actually happens.
    #[serde(with = "ts")]
    pub actual: DateTime<Utc>,
    /// One line for a person, e.g. "02:30 does not exist on 2027-03-28 in Europe/Amsterdam
    /// (clocks go forward): the hand-off happens at 03:00".
    pub explanation: String,
}

/// What `piket schedule check` reports for one schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub schedule: String,
    pub segments: Vec<Segment>,
    pub dst_shifts: Vec<DstShift>,
}

impl Coverage {
    /// Segments with nobody on call.
    pub fn gaps(&self) -> impl Iterator<Item = &Segment> {
        self.segments.iter().filter(|s| s.people.is_empty())
    }

    /// Segments with more than one person on call.
    pub fn overlaps(&self) -> impl Iterator<Item = &Segment> {
        self.segments.iter().filter(|s| s.people.len() > 1)
    }
}

/// The longest a coverage query may span, so a typo'd `--days 99999` is refused, not computed.
pub const MAX_COVERAGE: Duration = Duration::days(366);
