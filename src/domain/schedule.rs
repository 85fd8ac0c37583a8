//! On-call schedules: who is on call at an instant, and what a stretch of time looks like.
//!
//! A schedule is one or more rotations plus overrides. Each rotation hands the pager from one
//! member to the next at a wall-clock time in its own IANA zone, so a 09:00 hand-off stays at
//! 09:00 local across daylight saving changes; the instants that do not exist (spring forward)
//! or exist twice (fall back) are resolved by one documented rule in [`local_instant`].
//! Everything here is pure: `at` is passed in, and overrides come from the store as values.

use chrono::{
    DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike,
    Utc, Weekday,
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
pub(crate) fn local_instant(zone: Tz, local: NaiveDateTime) -> (DateTime<Utc>, Option<String>) {
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

impl Rotation {
    /// The member on call from this rotation at `at`, if it is active then.
    ///
    /// Constant work per call (the shift number comes from the date difference), so a segment
    /// boundary or a page costs the same a year into a rotation as on its first day.
    #[must_use]
    pub fn on_call(&self, at: DateTime<Utc>) -> Option<&str> {
        if self.stop().is_some_and(|stop| at >= stop) || !self.active_at(at) {
            return None;
        }
        let k = self.shift_at(at)?;
        self.member(k).map(String::as_str)
    }

    /// Hand-offs in `[from, to)`: when, and the index in `members` of who takes over.
    ///
    /// Every shift change counts, also one outside the active hours: the shift still changes
    /// hands there, and the next active window starts with the new holder. Like
    /// [`Schedule::segments`], at most [`MAX_COVERAGE`] after `from` is listed, so a runaway range
    /// cannot allocate without bound. A rotation without members has no hand-offs.
    #[must_use]
    pub fn handoffs(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, usize)> {
        let Ok(len) = u64::try_from(self.members.len()) else { return Vec::new() };
        if len == 0 {
            return Vec::new();
        }
        self.numbered_handoffs(from, to)
            .filter_map(|(k, t)| usize::try_from(k % len).ok().map(|i| (t, i)))
            .collect()
    }

    /// Hand-offs in `[from, to)` with their shift number, stopping at the rotation's end.
    fn numbered_handoffs(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Iterator<Item = (u64, DateTime<Utc>)> + '_ {
        let to = self.stop().map_or(horizon(from, to), |stop| stop.min(horizon(from, to)));
        let first = self.shift_at(from).unwrap_or(0);
        (first..)
            .map_while(move |k| self.handoff(k).map(|t| (k, t)))
            .skip_while(move |(_, t)| *t < from)
            .take_while(move |(_, t)| *t < to)
    }

    /// Who holds shift `k`; `None` for a rotation without members.
    fn member(&self, k: u64) -> Option<&String> {
        let len = u64::try_from(self.members.len()).ok().filter(|len| *len > 0)?;
        self.members.get(usize::try_from(k % len).ok()?)
    }

    /// The local date of hand-off 0: a weekly rotation waits for its hand-off day.
    fn first_date(&self) -> NaiveDate {
        if self.shift != ShiftLength::Weekly {
            return self.start;
        }
        let wait =
            (7 + self.handoff_day.num_days_from_monday() - self.start.weekday().num_days_from_monday()) % 7;
        self.start.checked_add_days(Days::new(u64::from(wait))).unwrap_or(self.start)
    }

    /// The configured wall-clock time of hand-off `k`. Only hand-off 0 of an hourly rotation has
    /// one: the rest are counted in elapsed time, so DST cannot move them.
    fn intended(&self, k: u64) -> Option<NaiveDateTime> {
        let days = match self.shift {
            ShiftLength::Daily => k,
            ShiftLength::Weekly => k.checked_mul(7)?,
            ShiftLength::Hours(_) if k == 0 => 0,
            ShiftLength::Hours(_) => return None,
        };
        Some(self.first_date().checked_add_days(Days::new(days))?.and_time(self.handoff))
    }

    /// The instant of hand-off `k`; `None` beyond chrono's range.
    fn handoff(&self, k: u64) -> Option<DateTime<Utc>> {
        match self.shift {
            ShiftLength::Hours(n) => {
                let first = local_instant(self.zone, self.intended(0)?).0;
                let hours = i64::try_from(k).ok()?.checked_mul(i64::from(hours_per_shift(n)))?;
                first.checked_add_signed(Duration::try_hours(hours)?)
            }
            ShiftLength::Daily | ShiftLength::Weekly => Some(local_instant(self.zone, self.intended(k)?).0),
        }
    }

    /// The number of the shift in force at `at`, or `None` before hand-off 0.
    ///
    /// The estimate from the local date (or elapsed hours) can be one off near a DST change or a
    /// hand-off moved out of a gap; hand-offs only ever increase, so stepping to the neighbours
    /// settles it in a step or two.
    fn shift_at(&self, at: DateTime<Utc>) -> Option<u64> {
        let started = |k: u64| self.handoff(k).is_some_and(|t| t <= at);
        if !started(0) {
            return None;
        }
        let mut k = self.estimate(at);
        while k > 0 && !started(k) {
            k -= 1;
        }
        while started(k + 1) {
            k += 1;
        }
        Some(k)
    }

    /// Roughly which shift holds at `at`, in constant time.
    fn estimate(&self, at: DateTime<Utc>) -> u64 {
        let days = || (at.with_timezone(&self.zone).date_naive() - self.first_date()).num_days();
        let k = match self.shift {
            ShiftLength::Daily => days(),
            ShiftLength::Weekly => days().div_euclid(7),
            ShiftLength::Hours(n) => self.handoff(0).map_or(0, |first| {
                (at - first).num_seconds().div_euclid(i64::from(hours_per_shift(n)) * 3600)
            }),
        };
        u64::try_from(k).unwrap_or(0)
    }

    /// When the rotation stops: the hand-off time on its end date.
    fn stop(&self) -> Option<DateTime<Utc>> {
        self.end.map(|d| local_instant(self.zone, d.and_time(self.handoff)).0)
    }

    /// Whether `at` lies in the active hours of some day (always, without active hours).
    fn active_at(&self, at: DateTime<Utc>) -> bool {
        if self.all_day() {
            return true;
        }
        let day = at.with_timezone(&self.zone).date_naive();
        // A window that wraps past midnight began the day before; DST can push an edge a day on.
        [day.pred_opt(), Some(day), day.succ_opt()]
            .into_iter()
            .flatten()
            .filter_map(|d| self.window(d))
            .any(|(start, end)| start <= at && at < end)
    }

    fn all_day(&self) -> bool {
        self.active.is_none_or(|a| a.start == a.end)
    }

    /// The active window that opens on local date `day`, as instants.
    ///
    /// The edges are resolved with [`local_instant`] like hand-offs are, rather than compared as
    /// local times, so a window ending at 02:30 on a fall-back night ends once and does not open
    /// again when 02:00 comes round a second time.
    fn window(&self, day: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let hours = self.active.filter(|a| a.start != a.end)?;
        let end_day = if hours.start < hours.end { day } else { day.succ_opt()? };
        let open = local_instant(self.zone, day.and_time(hours.start)).0;
        let close = local_instant(self.zone, end_day.and_time(hours.end)).0;
        Some((open, close))
    }

    /// Every instant in `[from, to)` at which this rotation's answer may change: hand-offs, its
    /// end, and the edges of its active windows. A rotation without members never changes.
    fn edges(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        if self.members.is_empty() {
            return Vec::new();
        }
        let mut edges: Vec<_> = self.numbered_handoffs(from, to).map(|(_, t)| t).collect();
        edges.extend(self.stop());
        edges.extend(self.windows(from, to).flat_map(|(open, close)| [open, close]));
        edges.retain(|t| from <= *t && *t < to);
        edges
    }

    /// The active windows that may touch `[from, to)`: one per local date, a day either side.
    fn windows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let local_date = |t: DateTime<Utc>| t.with_timezone(&self.zone).date_naive();
        let first = local_date(from).pred_opt().unwrap_or(NaiveDate::MIN);
        let last = local_date(horizon(from, to)).succ_opt().unwrap_or(NaiveDate::MAX);
        first.iter_days().take_while(move |d| *d <= last).filter_map(|d| self.window(d))
    }
}

impl Schedule {
    /// Who is on call at `at`, overrides applied; empty: nobody (a gap).
    ///
    /// The rotations' people come in rotation order without duplicates, so the first name is the
    /// one a page goes to first.
    ///
    /// Each person the rotations have on call holds a slot; the overrides of this schedule whose
    /// window contains `at` are applied in id order, so a later one wins where two claim the same
    /// slot. `covers: Some(p)` takes every slot that p holds or that was p's by rotation: a second
    /// cover for p replaces the first, and "Carol covers Bob" also takes the slot Bob holds as
    /// cover for someone else. An override for someone not on call changes nothing.
    /// `covers: None` takes every slot, or opens one when nobody is on call, which is how a gap
    /// is filled.
    #[must_use]
    pub fn on_call(&self, at: DateTime<Utc>, overrides: &[Override]) -> Vec<String> {
        self.staffing(at, overrides).people()
    }

    /// The stretches of `[from, to)` in which the same people are on call under the same
    /// overrides, in order and covering it exactly; at most [`MAX_COVERAGE`] after `from`.
    ///
    /// An override counts as in force in a segment where it took someone's place (by the rule of
    /// [`Schedule::on_call`]), so one covering a person who is off call is not listed against a
    /// stretch it does not change.
    ///
    /// Only the instants where something can change are evaluated (hand-offs, rotation ends,
    /// active-hours edges, override edges), so a year of a daily rotation is a few hundred look-ups,
    /// not half a million minutes.
    #[must_use]
    pub fn segments(&self, from: DateTime<Utc>, to: DateTime<Utc>, overrides: &[Override]) -> Vec<Segment> {
        let to = horizon(from, to);
        let cuts = self.cuts(from, to, overrides);
        let mut segments: Vec<Segment> = Vec::with_capacity(cuts.len());
        for (i, &start) in cuts.iter().enumerate() {
            let end = cuts.get(i + 1).copied().unwrap_or(to);
            let staffing = self.staffing(start, overrides);
            let (people, applied) = (staffing.people(), staffing.applied);
            match segments.last_mut() {
                Some(last) if last.people == people && last.overrides == applied => last.end = end,
                _ => segments.push(Segment { start, end, people, overrides: applied }),
            }
        }
        segments
    }

    /// Hand-offs in `[from, to)` (at most [`MAX_COVERAGE`] after `from`) that DST moved or made
    /// ambiguous, by time, so `schedule check` can warn before the night it happens.
    #[must_use]
    pub fn dst_shifts(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DstShift> {
        let mut shifts: Vec<DstShift> = self
            .rotations
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.members.is_empty())
            .flat_map(|(i, r)| r.numbered_handoffs(from, to).filter_map(move |(k, _)| dst_shift(i, r, k)))
            .collect();
        shifts.sort_by_key(|s| (s.actual, s.rotation));
        shifts
    }

    /// Everything `piket schedule check` and `schedule show` print for one schedule.
    #[must_use]
    pub fn coverage(&self, from: DateTime<Utc>, to: DateTime<Utc>, overrides: &[Override]) -> Coverage {
        Coverage {
            schedule: self.name.clone(),
            segments: self.segments(from, to, overrides),
            dst_shifts: self.dst_shifts(from, to),
        }
    }

    /// The first instant after `at` (within [`MAX_COVERAGE`]) at which different people are on
    /// call, and who they are; `None` if nothing changes in that time.
    ///
    /// A change only in which overrides are in force is not a change here: the TUI header shows
    /// people. The look-ahead grows from a day, so the usual answer (the next hand-off) costs a
    /// day's worth of segments, not a year's.
    #[must_use]
    pub fn next_change(
        &self,
        at: DateTime<Utc>,
        overrides: &[Override],
    ) -> Option<(DateTime<Utc>, Vec<String>)> {
        let now = self.on_call(at, overrides);
        let mut ahead = Duration::days(1);
        loop {
            let ahead_capped = ahead.min(MAX_COVERAGE);
            let until = at.checked_add_signed(ahead_capped).unwrap_or(DateTime::<Utc>::MAX_UTC);
            let change = self.segments(at, until, overrides).into_iter().find(|s| s.people != now);
            if let Some(s) = change {
                return Some((s.start, s.people));
            }
            if ahead_capped >= MAX_COVERAGE || until == DateTime::<Utc>::MAX_UTC {
                return None;
            }
            ahead = ahead_capped * 4;
        }
    }

    /// The rotations' people at `at`, before overrides: rotation order, no duplicates.
    fn rostered(&self, at: DateTime<Utc>) -> Vec<&str> {
        let mut people: Vec<&str> = Vec::new();
        for person in self.rotations.iter().filter_map(|r| r.on_call(at)) {
            if !people.contains(&person) {
                people.push(person);
            }
        }
        people
    }

    fn staffing<'a>(&'a self, at: DateTime<Utc>, overrides: &'a [Override]) -> Staffing<'a> {
        let mut staffing = Staffing::new(self.rostered(at));
        let mut in_force: Vec<&Override> =
            self.overrides(overrides).filter(|o| o.start <= at && at < o.end).collect();
        in_force.sort_by_key(|o| o.id);
        for o in in_force {
            staffing.apply(o);
        }
        staffing
    }

    /// The overrides that belong to this schedule.
    fn overrides<'a>(&'a self, overrides: &'a [Override]) -> impl Iterator<Item = &'a Override> {
        overrides.iter().filter(|o| o.schedule == self.name)
    }

    /// `from`, then every later instant before `to` at which the answer may change, sorted.
    fn cuts(&self, from: DateTime<Utc>, to: DateTime<Utc>, overrides: &[Override]) -> Vec<DateTime<Utc>> {
        if from >= to {
            return Vec::new();
        }
        let mut cuts = vec![from];
        cuts.extend(self.rotations.iter().flat_map(|r| r.edges(from, to)));
        cuts.extend(self.overrides(overrides).flat_map(|o| [o.start, o.end]));
        cuts.retain(|t| from <= *t && *t < to);
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    }
}

/// Hand-off `k` of rotation `i` as a [`DstShift`], if its local time needed the DST rule.
fn dst_shift(i: usize, rotation: &Rotation, k: u64) -> Option<DstShift> {
    let intended = rotation.intended(k)?;
    let (actual, explanation) = local_instant(rotation.zone, intended);
    Some(DstShift { rotation: i, intended, actual, explanation: explanation? })
}

/// Who is on call at one instant, built up override by override by the rule documented on
/// [`Schedule::on_call`]; kept apart so that rule can be tested without rotations.
struct Staffing<'a> {
    slots: Vec<Slot<'a>>,
    /// Ids of the overrides that took at least one slot, in id order.
    applied: Vec<u32>,
}

struct Slot<'a> {
    /// Whose slot it is by rotation; `None` for one an override opened in a gap.
    rostered: Option<&'a str>,
    holder: &'a str,
}

impl<'a> Staffing<'a> {
    fn new(rostered: Vec<&'a str>) -> Self {
        let slots = rostered.into_iter().map(|p| Slot { rostered: Some(p), holder: p }).collect();
        Self { slots, applied: Vec::new() }
    }

    fn apply(&mut self, o: &'a Override) {
        let person = o.person.as_str();
        let took = match o.covers.as_deref() {
            None if self.slots.is_empty() => {
                self.slots.push(Slot { rostered: None, holder: person });
                true
            }
            None => self.take(person, |_| true),
            Some(p) => self.take(person, |s| s.rostered == Some(p) || s.holder == p),
        };
        if took {
            self.applied.push(o.id);
        }
    }

    /// Give `person` every slot `which` picks; whether there was one.
    fn take(&mut self, person: &'a str, which: impl Fn(&Slot<'a>) -> bool) -> bool {
        let mut took = false;
        for slot in self.slots.iter_mut().filter(|s| which(s)) {
            slot.holder = person;
            took = true;
        }
        took
    }

    /// The holders in slot order, each once.
    fn people(&self) -> Vec<String> {
        let mut people: Vec<String> = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            if !people.iter().any(|p| p == slot.holder) {
                people.push(slot.holder.to_owned());
            }
        }
        people
    }
}

/// `Hours(0)` would never hand off and divides by zero; config refuses it, and should one get
/// through it is read as one hour rather than a panic in the pager.
fn hours_per_shift(n: u32) -> u32 {
    n.max(1)
}

/// The end of a query, cut to [`MAX_COVERAGE`] after its start.
fn horizon(from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    from.checked_add_signed(MAX_COVERAGE).map_or(to, |limit| to.min(limit))
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
    fn cover(id: u32, person: &str, covers: Option<&str>) -> Override {
        Override {
            id,
            schedule: "ops".to_owned(),
            person: person.to_owned(),
            covers: covers.map(str::to_owned),
            start: utc(2027, 1, 1, 0, 0),
            end: utc(2027, 1, 2, 0, 0),
            reason: None,
        }
    }

    /// Apply `overrides` in the order given to `rostered`.
    fn staffed(rostered: &[&'static str], overrides: &[Override]) -> (Vec<String>, Vec<u32>) {
        let mut staffing = Staffing::new(rostered.to_vec());
        for o in overrides {
            staffing.apply(o);
        }
        (staffing.people(), staffing.applied)
    }

    #[test]
    fn a_second_cover_for_the_same_person_replaces_the_first() {
        let o = [cover(1, "bob", Some("alice")), cover(2, "carol", Some("alice"))];
        assert_eq!(staffed(&["alice", "dave"], &o), (vec!["carol".into(), "dave".into()], vec![1, 2]));
    }

    #[test]
    fn covering_the_cover_takes_over_the_cover() {
        let o = [cover(1, "bob", Some("alice")), cover(2, "carol", Some("bob"))];
        assert_eq!(staffed(&["alice"], &o), (vec!["carol".into()], vec![1, 2]));
    }

    #[test]
    fn a_cover_for_one_person_after_a_cover_for_everyone_takes_only_that_slot() {
        let o = [cover(1, "xena", None), cover(2, "yann", Some("alice"))];
        assert_eq!(staffed(&["alice", "bob"], &o), (vec!["yann".into(), "xena".into()], vec![1, 2]));
        let later_everyone = [cover(1, "yann", Some("alice")), cover(2, "xena", None)];
        assert_eq!(staffed(&["alice", "bob"], &later_everyone), (vec!["xena".into()], vec![1, 2]));
    }

    #[test]
    fn a_cover_for_someone_off_call_does_nothing_and_is_not_in_force() {
        let o = [cover(1, "bob", Some("zoe"))];
        assert_eq!(staffed(&["alice"], &o), (vec!["alice".into()], vec![]));
    }

    #[test]
    fn a_cover_for_everyone_fills_a_gap_and_can_itself_be_covered() {
        let o = [cover(1, "bob", None), cover(2, "carol", Some("bob"))];
        assert_eq!(staffed(&[], &o), (vec!["carol".into()], vec![1, 2]));
    }

    fn rotation(shift: ShiftLength, active: Option<(u32, u32)>) -> Rotation {
        let at = |h: u32, m: u32| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        Rotation {
            members: vec!["alice".into(), "bob".into(), "carol".into()],
            shift,
            handoff: at(9, 0),
            handoff_day: Weekday::Mon,
            start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            end: None,
            zone: chrono_tz::Europe::Amsterdam,
            active: active.map(|(start, end)| ActiveHours { start: at(start, 30), end: at(end, 30) }),
        }
    }

    #[test]
    fn the_shift_from_the_estimate_matches_counting_every_hand_off() {
        for shift in [ShiftLength::Daily, ShiftLength::Weekly, ShiftLength::Hours(5)] {
            let r = rotation(shift, None);
            let mut k = 0;
            let mut t = r.handoff(0).unwrap();
            while t < utc(2027, 6, 1, 0, 0) {
                assert_eq!(r.shift_at(t), Some(k), "{shift:?} at hand-off {k}");
                assert_eq!(r.shift_at(t - Duration::seconds(1)), k.checked_sub(1), "{shift:?} before {k}");
                k += 1;
                t = r.handoff(k).unwrap();
            }
        }
    }

    #[test]
    fn nothing_is_on_call_before_the_first_hand_off() {
        let r = rotation(ShiftLength::Weekly, None);
        // 2026-01-01 is a Thursday: the first Monday is 2026-01-05, 09:00 CET = 08:00 UTC.
        assert_eq!(r.on_call(utc(2026, 1, 5, 7, 59)), None);
        assert_eq!(r.on_call(utc(2026, 1, 5, 8, 0)), Some("alice"));
    }

    #[test]
    fn an_active_window_ending_in_the_repeated_hour_does_not_open_again() {
        // 22:30-02:30 wraps past midnight; on 2026-10-25 02:30 happens twice in Amsterdam.
        let r = rotation(ShiftLength::Daily, Some((22, 2)));
        assert!(r.active_at(utc(2026, 10, 25, 0, 29)));
        assert!(!r.active_at(utc(2026, 10, 25, 0, 30)));
        assert!(!r.active_at(utc(2026, 10, 25, 1, 15)), "02:15 the second time round stays inactive");
    }

    #[test]
    fn zero_hour_shifts_hand_off_hourly_instead_of_dividing_by_zero() {
        let r = rotation(ShiftLength::Hours(0), None);
        let first = r.handoff(0).unwrap();
        assert_eq!(r.handoff(1), Some(first + Duration::hours(1)));
        assert_eq!(r.on_call(first + Duration::minutes(90)), Some("bob"));
    }

    #[test]
    fn a_rotation_without_members_has_nobody_and_no_hand_offs() {
        let mut r = rotation(ShiftLength::Daily, None);
        r.members.clear();
        assert_eq!(r.on_call(utc(2026, 6, 1, 12, 0)), None);
        assert!(r.handoffs(utc(2026, 6, 1, 0, 0), utc(2026, 7, 1, 0, 0)).is_empty());
        assert!(r.edges(utc(2026, 6, 1, 0, 0), utc(2026, 7, 1, 0, 0)).is_empty());
    }

    #[test]
    fn the_rotation_stops_at_the_hand_off_time_on_its_end_date() {
        let mut r = rotation(ShiftLength::Daily, None);
        r.end = NaiveDate::from_ymd_opt(2026, 1, 3);
        assert_eq!(r.on_call(utc(2026, 1, 3, 7, 59)), Some("bob"));
        assert_eq!(r.on_call(utc(2026, 1, 3, 8, 0)), None);
        let handoffs = r.handoffs(utc(2025, 12, 31, 0, 0), utc(2026, 2, 1, 0, 0));
        assert_eq!(handoffs, vec![(utc(2026, 1, 1, 8, 0), 0), (utc(2026, 1, 2, 8, 0), 1)]);
    }
}
