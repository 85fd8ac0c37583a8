//! On-call schedules: who is on call at an instant, and what a stretch of time looks like.
//!
//! A schedule is one or more rotations plus overrides. Each rotation hands the pager from one
//! member to the next at a wall-clock time in its own IANA zone, so a 09:00 hand-off stays at
//! 09:00 local across daylight saving changes; the instants that do not exist (spring forward)
//! or exist twice (fall back) are resolved by one documented rule in [`local_instant`].
//! Everything here is pure: `at` is passed in, and overrides come from the store as values.

use chrono::{
    DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc, Weekday,
};
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

/// Resolve a local wall-clock time to an instant by the one rule piket uses everywhere: a time
/// that does not exist (spring forward) moves to the first instant after the gap, and a time that
/// exists twice (fall back) is the earlier one.
///
/// One rule, so a hand-off, an active-hours edge and anything typed in local time can never land
/// on different instants for the same wall-clock time. The explanation is there because a moved
/// hand-off surprises people; `schedule check` shows it instead of letting them find out at 03:00.
#[must_use]
pub fn local_instant(zone: Tz, local: NaiveDateTime) -> (DateTime<Utc>, Option<String>) {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => (t.to_utc(), None),
        LocalResult::Ambiguous(first, _) => {
            let first = first.to_utc();
            let why = format!(
                "{} happens twice on {} in {} (clocks go back): the first one counts, {}",
                clock(local.time()),
                local.date(),
                zone.name(),
                wall(zone, first, local.date())
            );
            (first, Some(why))
        }
        LocalResult::None => {
            let after = end_of_gap(zone, local);
            let why = format!(
                "{} does not exist on {} in {} (clocks go forward): it happens at {}",
                clock(local.time()),
                local.date(),
                zone.name(),
                wall(zone, after, local.date())
            );
            (after, Some(why))
        }
    }
}

/// Wider than any UTC offset tzdb has ever used (LMT included), so the search below always starts
/// with one end before and one end after a gap.
const GAP_SEARCH: i64 = 26 * 3600;

/// The instant a gap ends: the first second whose local time lies past `local`.
///
/// chrono reports a gap but not where it ends, so this bisects on whole seconds (tzdb transitions
/// are whole seconds): about 18 offset look-ups, and no assumption about how long the gap is (a
/// zone that skipped a whole day is a gap of 24 hours).
fn end_of_gap(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let past = |secs: i64| {
        DateTime::from_timestamp(secs, 0).is_some_and(|u| u.with_timezone(&zone).naive_local() > local)
    };
    let naive = local.and_utc().timestamp();
    let (mut before, mut after) = (naive - GAP_SEARCH, naive + GAP_SEARCH);
    while after - before > 1 {
        let mid = before + (after - before) / 2;
        if past(mid) {
            after = mid;
        } else {
            before = mid;
        }
    }
    DateTime::from_timestamp(after, 0).unwrap_or_else(|| local.and_utc())
}

/// "09:00", or "09:00:30" when a configured time has seconds, so the explanation never rounds.
fn clock(t: NaiveTime) -> String {
    let form = if t.second() == 0 { "%H:%M" } else { "%H:%M:%S" };
    t.format(form).to_string()
}

/// "03:00 CEST (01:00 UTC)", with the local date when it is not `day`: people read the zone's
/// own abbreviation, and the UTC time matches what the record and the logs say.
fn wall(zone: Tz, t: DateTime<Utc>, day: NaiveDate) -> String {
    let local = t.with_timezone(&zone);
    let date = if local.date_naive() == day { String::new() } else { format!(" on {}", local.date_naive()) };
    format!("{} {}{} ({} UTC)", clock(local.time()), local.format("%Z"), date, clock(t.time()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        local(y, m, d, h, min).and_utc()
    }

    #[test]
    fn an_ordinary_local_time_is_that_time_and_needs_no_explanation() {
        let (t, why) = local_instant(chrono_tz::Europe::Amsterdam, local(2027, 1, 4, 9, 0));
        assert_eq!(t, utc(2027, 1, 4, 8, 0));
        assert_eq!(why, None);
    }

    #[test]
    fn a_time_in_the_spring_gap_moves_to_the_end_of_the_gap() {
        let (t, why) = local_instant(chrono_tz::Europe::Amsterdam, local(2027, 3, 28, 2, 30));
        assert_eq!(t, utc(2027, 3, 28, 1, 0));
        assert_eq!(
            why.as_deref(),
            Some(
                "02:30 does not exist on 2027-03-28 in Europe/Amsterdam (clocks go forward): \
                 it happens at 03:00 CEST (01:00 UTC)"
            )
        );
    }

    #[test]
    fn a_half_hour_gap_ends_half_an_hour_later() {
        // Lord Howe moves its clocks by 30 minutes: 02:00 -> 02:30 on 2026-10-04.
        let (t, why) = local_instant(chrono_tz::Australia::Lord_Howe, local(2026, 10, 4, 2, 10));
        assert_eq!(
            t.with_timezone(&chrono_tz::Australia::Lord_Howe).time(),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap()
        );
        assert!(why.is_some());
    }

    #[test]
    fn a_skipped_day_moves_to_the_next_day_and_says_so() {
        // Samoa crossed the date line: 2011-12-30 did not exist there.
        let (t, why) = local_instant(chrono_tz::Pacific::Apia, local(2011, 12, 30, 9, 0));
        let there = t.with_timezone(&chrono_tz::Pacific::Apia);
        assert_eq!(there.naive_local(), local(2011, 12, 31, 0, 0));
        assert!(why.unwrap().contains("on 2011-12-31"));
    }

    #[test]
    fn a_time_that_happens_twice_is_the_first() {
        let (t, why) = local_instant(chrono_tz::Europe::Amsterdam, local(2026, 10, 25, 2, 30));
        assert_eq!(t, utc(2026, 10, 25, 0, 30));
        assert_eq!(
            why.as_deref(),
            Some(
                "02:30 happens twice on 2026-10-25 in Europe/Amsterdam (clocks go back): \
                 the first one counts, 02:30 CEST (00:30 UTC)"
            )
        );
    }

    #[test]
    fn seconds_are_shown_when_configured() {
        assert_eq!(clock(NaiveTime::from_hms_opt(9, 0, 30).unwrap()), "09:00:30");
        assert_eq!(clock(NaiveTime::from_hms_opt(9, 0, 0).unwrap()), "09:00");
    }
}
