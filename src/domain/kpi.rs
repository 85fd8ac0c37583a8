//! KPIs over a set of incidents (DOMAIN.md "KPIs").
//!
//! Every duration KPI is the difference of two named times of one incident ([`Measure`]), so
//! the aggregate report and the per-incident export can never define "time to resolve" in two
//! different ways. Pure: `now` is passed in and only decides what is overdue.
//!
//! Percentiles are **nearest-rank**: the p-th percentile of `n` sorted samples is the sample at
//! rank `ceil(p/100 * n)`. Every figure shown is then a duration some incident really took, never
//! an interpolation between two, and the definition is the one an auditor can redo by hand. The
//! median is the 50th percentile under the same rule, which for an even count is the lower of the
//! two middle samples.
//!
//! The report is a cohort view: it is about the incidents *registered* in the window, and every
//! count (including "resolved per week") is about those incidents.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Serialize, Serializer};

use super::ids::IncidentId;
use super::incident::Incident;
use super::policy::{Clock, Policy};
use super::priority::{Priority, Severity};

/// The registration times a report covers: `since <= opened_at < until`. Half-open, so that
/// consecutive windows (one week, the next week) never count an incident twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Window {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Window {
    #[must_use]
    pub(crate) fn contains(&self, t: DateTime<Utc>) -> bool {
        self.since <= t && t < self.until
    }
}

/// One of the duration KPIs: which two times of an incident it subtracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Measure {
    /// MTTA: registered (first alert) -> acknowledged.
    Acknowledge,
    /// MTTD: impact started -> detected; only where someone recorded when the impact started.
    Detect,
    /// MTTM: detected -> contained.
    Contain,
    /// MTTR (resolve): detected -> resolved.
    Resolve,
    /// MTTR (restore): impact started -> service recovered.
    Restore,
}

impl Measure {
    pub(crate) const ALL: [Self; 5] =
        [Self::Acknowledge, Self::Detect, Self::Contain, Self::Resolve, Self::Restore];

    /// The name a responder knows it by.
    #[must_use]
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Self::Acknowledge => "MTTA (acknowledge)",
            Self::Detect => "MTTD (detect)",
            Self::Contain => "MTTM (contain)",
            Self::Resolve => "MTTR (resolve)",
            Self::Restore => "MTTR (restore)",
        }
    }

    /// The two times it subtracts, for legends.
    #[must_use]
    pub(crate) const fn definition(self) -> &'static str {
        match self {
            Self::Acknowledge => "registered -> acknowledged",
            Self::Detect => "impact started -> detected",
            Self::Contain => "detected -> contained",
            Self::Resolve => "detected -> resolved",
            Self::Restore => "impact started -> recovered",
        }
    }

    /// This incident's value, if both times are known.
    ///
    /// A negative difference (a start time typed in later that lies after the end) is a record
    /// that contradicts itself; it is left out rather than allowed to pull a mean below zero.
    #[must_use]
    pub(crate) fn of(self, inc: &Incident) -> Option<Duration> {
        let (start, end) = match self {
            Self::Acknowledge => (Some(inc.opened_at), inc.acknowledged_at),
            Self::Detect => (inc.impact_started_at, Some(inc.detected_at)),
            Self::Contain => (Some(inc.detected_at), inc.contained_at),
            Self::Resolve => (Some(inc.detected_at), inc.resolved_at),
            Self::Restore => (inc.impact_started_at, inc.recovered_at),
        };
        let d = end? - start?;
        (d >= Duration::zero()).then_some(d)
    }
}

/// Count, mean, median and p90 of a set of durations; all `None` when there are none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub(crate) struct Stat {
    pub count: usize,
    #[serde(serialize_with = "secs_opt")]
    pub mean: Option<Duration>,
    #[serde(serialize_with = "secs_opt")]
    pub median: Option<Duration>,
    #[serde(serialize_with = "secs_opt")]
    pub p90: Option<Duration>,
}

/// JSON readers want numbers they can plot: durations as (fractional) seconds.
fn secs_opt<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_f64(d.as_seconds_f64()),
        None => s.serialize_none(),
    }
}

const NANOS: i128 = 1_000_000_000;

fn nanos(d: Duration) -> i128 {
    i128::from(d.num_seconds()) * NANOS + i128::from(d.subsec_nanos())
}

fn from_nanos(n: i128) -> Duration {
    let secs = i64::try_from(n.div_euclid(NANOS)).unwrap_or(i64::MAX);
    let rest = i64::try_from(n.rem_euclid(NANOS)).unwrap_or(0);
    Duration::try_seconds(secs).unwrap_or(Duration::MAX) + Duration::nanoseconds(rest)
}

/// Nearest-rank percentile of sorted, non-empty samples (see the module doc).
fn nearest_rank(sorted: &[Duration], pct: usize) -> Option<Duration> {
    let n = sorted.len();
    let rank = (pct * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

impl Stat {
    #[must_use]
    pub(crate) fn of(mut samples: Vec<Duration>) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        samples.sort_unstable();
        let count = samples.len();
        // Summed in i128 nanoseconds: exact, so the mean of equal durations is that duration,
        // and no realistic set of incidents can overflow it.
        let total: i128 = samples.iter().copied().map(nanos).sum();
        let n = i128::try_from(count).unwrap_or(i128::MAX);
        Self {
            count,
            mean: Some(from_nanos(total.div_euclid(n))),
            median: nearest_rank(&samples, 50),
            p90: nearest_rank(&samples, 90),
        }
    }
}

/// Registered and resolved in one ISO week (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct WeekCount {
    /// `2026-W47`.
    pub week: String,
    pub registered: usize,
    pub resolved: usize,
}

/// Counts for one value of a breakdown (a severity, a priority, a category, a service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Tally {
    pub key: String,
    pub registered: usize,
    /// Resolved or closed.
    pub resolved: usize,
    /// Still triggered, acknowledged or contained.
    pub open: usize,
}

/// `part / whole` for counts; exact for any count of incidents piket will ever hold.
fn ratio(part: usize, whole: usize) -> f64 {
    let f = |n: usize| f64::from(u32::try_from(n).unwrap_or(u32::MAX));
    f(part) / f(whole)
}

/// How often one target clock was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub(crate) struct Rate {
    pub breached: usize,
    pub met: usize,
    /// Still running and not yet overdue: neither breached nor met.
    pub pending: usize,
}

impl Rate {
    /// Breached share of the decided ones; `None` when none is decided yet.
    #[must_use]
    pub(crate) fn share(&self) -> Option<f64> {
        let decided = self.breached + self.met;
        (decided > 0).then(|| ratio(self.breached, decided))
    }
}

/// Target breaches of one priority. Priorities without a target for a clock count nothing there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct BreachRate {
    pub priority: Priority,
    pub acknowledge: Rate,
    pub resolve: Rate,
}

/// Major incidents (SEV1/SEV2) that are closed, and how many of those have a review recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub(crate) struct ReviewShare {
    pub closed_major: usize,
    pub reviewed: usize,
}

impl ReviewShare {
    #[must_use]
    pub(crate) fn share(&self) -> Option<f64> {
        (self.closed_major > 0).then(|| ratio(self.reviewed, self.closed_major))
    }
}

/// An action item that is not done and whose due date has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct OverdueAction {
    pub incident: IncidentId,
    pub item: u32,
    pub text: String,
    pub owner: String,
    pub due: NaiveDate,
    /// Whole days past the due date (at least 1).
    pub days_late: i64,
}

/// Everything `piket stats` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct KpiReport {
    pub window: Window,
    pub now: DateTime<Utc>,
    pub include_drills: bool,
    /// Incidents registered in the window that the numbers are about.
    pub registered: usize,
    pub resolved: usize,
    pub open: usize,
    /// Drills and near misses registered in the window and left out (0 with `include_drills`).
    pub left_out: usize,
    pub mtta: Stat,
    pub mttd: Stat,
    pub time_to_contain: Stat,
    pub mttr_resolve: Stat,
    pub mttr_restore: Stat,
    /// Every ISO week from the first to the last one with a registration or resolution, gaps
    /// included, so that a quiet week shows as a zero and not as a missing line.
    pub weeks: Vec<WeekCount>,
    /// SEV1..SEV4, each present.
    pub by_severity: Vec<Tally>,
    /// P1..P5, each present.
    pub by_priority: Vec<Tally>,
    /// Most registered first; `(none)` for incidents without one.
    pub by_category: Vec<Tally>,
    /// Most registered first; an incident counts once for each service it names.
    pub by_service: Vec<Tally>,
    /// Only priorities with at least one incident in the window.
    pub breaches: Vec<BreachRate>,
    pub major_reviews: ReviewShare,
    /// Oldest due date first. Taken from *all* incidents passed in, not only the window: an
    /// overdue follow-up of an old incident is still overdue work.
    pub overdue_actions: Vec<OverdueAction>,
}

impl KpiReport {
    /// The stat of one measure, for front-ends that iterate over [`Measure::ALL`].
    #[must_use]
    pub(crate) const fn stat(&self, m: Measure) -> &Stat {
        match m {
            Measure::Acknowledge => &self.mtta,
            Measure::Detect => &self.mttd,
            Measure::Contain => &self.time_to_contain,
            Measure::Resolve => &self.mttr_resolve,
            Measure::Restore => &self.mttr_restore,
        }
    }
}

/// `2026-W47`: ISO weeks, because a responder's week starts on Monday and a week number is what
/// a team retro refers to.
#[must_use]
pub(crate) fn week_label(t: DateTime<Utc>) -> String {
    let w = t.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

fn week_key(t: DateTime<Utc>) -> (i32, u32) {
    let w = t.iso_week();
    (w.year(), w.week())
}

fn stat(incs: &[&Incident], m: Measure) -> Stat {
    Stat::of(incs.iter().filter_map(|i| m.of(i)).collect())
}

fn tally<'a>(key: String, incs: impl Iterator<Item = &'a Incident>) -> Tally {
    let mut t = Tally { key, registered: 0, resolved: 0, open: 0 };
    for i in incs {
        t.registered += 1;
        t.resolved += usize::from(i.resolved_at.is_some());
        t.open += usize::from(i.status.is_open());
    }
    t
}

/// Tallies per free-form key, most registered first, then by name for a stable order.
fn tally_by(incs: &[&Incident], keys: impl Fn(&Incident) -> Vec<String>) -> Vec<Tally> {
    let mut groups: BTreeMap<String, Vec<&Incident>> = BTreeMap::new();
    for i in incs {
        for k in keys(i) {
            groups.entry(k).or_default().push(i);
        }
    }
    let mut out: Vec<Tally> = groups.into_iter().map(|(k, v)| tally(k, v.into_iter())).collect();
    out.sort_by(|a, b| b.registered.cmp(&a.registered).then_with(|| a.key.cmp(&b.key)));
    out
}

fn weeks(incs: &[&Incident]) -> Vec<WeekCount> {
    let mut counts: BTreeMap<(i32, u32), (usize, usize)> = BTreeMap::new();
    let mut mondays: BTreeMap<(i32, u32), NaiveDate> = BTreeMap::new();
    let mut note = |t: DateTime<Utc>, registered: bool| {
        let key = week_key(t);
        let c = counts.entry(key).or_default();
        if registered {
            c.0 += 1
        } else {
            c.1 += 1
        }
        mondays.entry(key).or_insert_with(|| t.date_naive().week(chrono::Weekday::Mon).first_day());
    };
    for i in incs {
        note(i.opened_at, true);
        if let Some(r) = i.resolved_at {
            note(r, false);
        }
    }
    let (Some(first), Some(last)) = (mondays.values().next().copied(), mondays.values().last().copied())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut monday = first;
    while monday <= last {
        let t = monday.and_time(chrono::NaiveTime::MIN).and_utc();
        let (registered, resolved) = counts.get(&week_key(t)).copied().unwrap_or_default();
        out.push(WeekCount { week: week_label(t), registered, resolved });
        monday += Duration::days(7);
    }
    out
}

fn breaches(incs: &[&Incident], policy: &Policy, now: DateTime<Utc>) -> Vec<BreachRate> {
    let count = |r: &mut Rate, v: Option<bool>| match v {
        Some(true) => r.breached += 1,
        Some(false) => r.met += 1,
        None => r.pending += 1,
    };
    Priority::ALL
        .into_iter()
        .filter_map(|p| {
            let mine: Vec<&&Incident> = incs.iter().filter(|i| i.priority == p).collect();
            if mine.is_empty() {
                return None;
            }
            let target = policy.target(p);
            let mut b = BreachRate { priority: p, acknowledge: Rate::default(), resolve: Rate::default() };
            for i in mine {
                if target.acknowledge.is_some() {
                    count(&mut b.acknowledge, policy.breached(i, Clock::Acknowledge, now));
                }
                if target.resolve.is_some() {
                    count(&mut b.resolve, policy.breached(i, Clock::Resolve, now));
                }
            }
            Some(b)
        })
        .collect()
}

fn overdue(incs: &[&Incident], today: NaiveDate) -> Vec<OverdueAction> {
    let mut out: Vec<OverdueAction> = incs
        .iter()
        .flat_map(|i| {
            i.action_items.iter().filter(|a| !a.done && a.due < today).map(|a| OverdueAction {
                incident: i.id,
                item: a.item,
                text: a.text.clone(),
                owner: a.owner.clone(),
                due: a.due,
                days_late: (today - a.due).num_days(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.due.cmp(&b.due).then(a.incident.cmp(&b.incident)).then(a.item.cmp(&b.item)));
    out
}

/// The KPI report over the incidents registered in `window`.
#[must_use]
pub(crate) fn report(
    incidents: &[Incident],
    policy: &Policy,
    window: Window,
    now: DateTime<Utc>,
    include_drills: bool,
) -> KpiReport {
    let counted = |i: &&Incident| include_drills || !i.excluded_from_kpis();
    let in_window: Vec<&Incident> = incidents.iter().filter(|i| window.contains(i.opened_at)).collect();
    let sel: Vec<&Incident> = in_window.iter().copied().filter(counted).collect();
    let everywhere: Vec<&Incident> = incidents.iter().filter(counted).collect();

    let major_closed: Vec<&&Incident> =
        sel.iter().filter(|i| i.is_major() && i.closed_at.is_some()).collect();
    KpiReport {
        window,
        now,
        include_drills,
        registered: sel.len(),
        resolved: sel.iter().filter(|i| i.resolved_at.is_some()).count(),
        open: sel.iter().filter(|i| i.status.is_open()).count(),
        left_out: in_window.len() - sel.len(),
        mtta: stat(&sel, Measure::Acknowledge),
        mttd: stat(&sel, Measure::Detect),
        time_to_contain: stat(&sel, Measure::Contain),
        mttr_resolve: stat(&sel, Measure::Resolve),
        mttr_restore: stat(&sel, Measure::Restore),
        weeks: weeks(&sel),
        by_severity: Severity::ALL
            .into_iter()
            .map(|s| tally(s.to_string(), sel.iter().copied().filter(|i| i.severity == s)))
            .collect(),
        by_priority: Priority::ALL
            .into_iter()
            .map(|p| tally(p.to_string(), sel.iter().copied().filter(|i| i.priority == p)))
            .collect(),
        by_category: tally_by(&sel, |i| vec![i.category.clone().unwrap_or_else(|| "(none)".to_owned())]),
        by_service: tally_by(&sel, |i| {
            if i.services.is_empty() { vec!["(none)".to_owned()] } else { i.services.clone() }
        }),
        breaches: breaches(&sel, policy, now),
        major_reviews: ReviewShare {
            closed_major: major_closed.len(),
            reviewed: major_closed
                .iter()
                .filter(|i| i.review.as_ref().is_some_and(|r| !r.is_empty()))
                .count(),
        },
        overdue_actions: overdue(&everywhere, now.date_naive()),
    }
}

/// A tiny in-memory stand-in for the engine, for tests: runs commands through the real
/// [`super::decide`] and records the events with [`super::record`], so test incidents are built
/// the way real ones are and cannot hold states the rules never produce.
#[cfg(test)]
pub(crate) mod sim {
    use std::collections::BTreeMap;

    use chrono::{DateTime, Utc};

    use crate::domain::decide::{Context, decide};
    use crate::domain::record::{Stamp, record};
    use crate::domain::{Command, Event, Incident, IncidentId, NewIncident, Policy, Source};
    use crate::domain::{Impact, Severity, Urgency};

    #[derive(Default)]
    pub(crate) struct Sim {
        pub policy: Policy,
        pub incidents: BTreeMap<IncidentId, (Incident, Vec<Event>)>,
    }

    /// A registration with the fields every test needs and nothing else.
    pub(crate) fn new_incident(title: &str, impact: Impact, urgency: Urgency, sev: Severity) -> NewIncident {
        NewIncident::new(title, impact, urgency, sev)
    }

    impl Sim {
        /// Run a command as `actor` at `now`; panics on a refusal, since a test that builds an
        /// impossible timeline is itself wrong.
        pub(crate) fn run(&mut self, actor: &str, now: DateTime<Utc>, cmd: &Command) -> IncidentId {
            let ctx = Context { actor, now, policy: &self.policy, paging: None };
            let id = cmd.incident().unwrap_or_else(|| IncidentId(self.incidents.len() as u64 + 1));
            let current = self.incidents.get(&id).map(|(i, _)| i);
            let kinds = decide(current, cmd, ctx, "cli").unwrap_or_else(|r| panic!("refused: {r}"));
            let stamp = Stamp { actor, source: Source::Cli, now };
            let done = record(current, kinds, &stamp, || id).expect("record");
            let evs = self.incidents.remove(&id).map(|(_, evs)| evs).unwrap_or_default();
            self.incidents.insert(id, (done.summary, [evs, done.events].concat()));
            id
        }

        pub(crate) fn register(&mut self, actor: &str, now: DateTime<Utc>, n: NewIncident) -> IncidentId {
            self.run(actor, now, &Command::Register(n))
        }

        pub(crate) fn all(&self) -> Vec<Incident> {
            self.incidents.values().map(|(i, _)| i.clone()).collect()
        }

        pub(crate) fn get(&self, id: IncidentId) -> &Incident {
            &self.incidents[&id].0
        }

        pub(crate) fn timeline(&self, id: IncidentId) -> &[Event] {
            &self.incidents[&id].1
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::sim::{Sim, new_incident};
    use super::*;
    use crate::domain::{Command, Flag, Impact, Milestone, Review, Urgency};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0).unwrap()
    }

    fn min(n: i64) -> Duration {
        Duration::minutes(n)
    }

    fn all_time() -> Window {
        Window {
            since: Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap(),
            until: t0() + Duration::days(365),
        }
    }

    /// Register, acknowledge after `ack`, resolve after `resolve` (both from registration).
    fn acked_resolved(
        sim: &mut Sim,
        at: DateTime<Utc>,
        ack: Duration,
        resolve: Option<Duration>,
    ) -> IncidentId {
        let id = sim.register("alice", at, new_incident("x", Impact::High, Urgency::High, Severity::SEV2));
        sim.run("bob", at + ack, &Command::Acknowledge { id });
        if let Some(r) = resolve {
            sim.run("bob", at + r, &Command::Resolve { id, summary: "fixed".into(), recovered_at: None });
        }
        id
    }

    #[test]
    fn nearest_rank_percentiles_are_observed_values() {
        let s = Stat::of((1..=10).map(min).collect());
        assert_eq!(s.count, 10);
        assert_eq!(s.median, Some(min(5)), "lower middle for an even count");
        assert_eq!(s.p90, Some(min(9)));
        assert_eq!(s.mean, Some(Duration::seconds(330)));
        let one = Stat::of(vec![min(7)]);
        assert_eq!((one.median, one.p90, one.mean), (Some(min(7)), Some(min(7)), Some(min(7))));
        let none = Stat::of(Vec::new());
        assert_eq!(none, Stat { count: 0, mean: None, median: None, p90: None });
    }

    #[test]
    fn durations_come_from_the_named_times() {
        let mut sim = Sim::default();
        let mut n = new_incident("Checkout 502s", Impact::High, Urgency::High, Severity::SEV1);
        n.impact_started_at = Some(t0() - min(20));
        n.detected_at = Some(t0() - min(5));
        let id = sim.register("alice", t0(), n);
        sim.run("alice", t0() + min(3), &Command::Acknowledge { id });
        sim.run("alice", t0() + min(10), &Command::Contain { id, action: "failover".into() });
        sim.run(
            "alice",
            t0() + min(55),
            &Command::Resolve { id, summary: "rolled back".into(), recovered_at: Some(t0() + min(40)) },
        );
        let inc = sim.get(id);
        assert_eq!(Measure::Acknowledge.of(inc), Some(min(3)));
        assert_eq!(Measure::Detect.of(inc), Some(min(15)));
        assert_eq!(Measure::Contain.of(inc), Some(min(15)));
        assert_eq!(Measure::Resolve.of(inc), Some(min(60)));
        assert_eq!(Measure::Restore.of(inc), Some(min(60)));

        let r = report(&sim.all(), &Policy::default(), all_time(), t0() + min(60), false);
        assert_eq!(r.mttd.count, 1);
        assert_eq!(r.mtta.mean, Some(min(3)));
        assert_eq!(r.registered, 1);
        assert_eq!(r.resolved, 1);
    }

    #[test]
    fn impact_start_recorded_after_detection_is_left_out_not_negative() {
        let mut sim = Sim::default();
        let id = sim.register("alice", t0(), new_incident("x", Impact::Low, Urgency::Low, Severity::SEV4));
        sim.run(
            "alice",
            t0() + min(1),
            &Command::RecordTime { id, milestone: Milestone::ImpactStarted, at: t0() + min(1), reason: None },
        );
        assert_eq!(Measure::Detect.of(sim.get(id)), None);
    }

    #[test]
    fn window_is_half_open_and_selects_by_registration() {
        let mut sim = Sim::default();
        acked_resolved(&mut sim, t0(), min(2), None);
        acked_resolved(&mut sim, t0() + Duration::days(7), min(2), None);
        let w = Window { since: t0(), until: t0() + Duration::days(7) };
        let r = report(&sim.all(), &Policy::default(), w, t0() + Duration::days(8), false);
        assert_eq!(r.registered, 1);
    }

    #[test]
    fn weeks_count_resolutions_in_the_week_they_happened_and_show_gaps() {
        let mut sim = Sim::default();
        // Monday 2026-11-16 is in 2026-W47.
        acked_resolved(&mut sim, t0(), min(2), Some(Duration::days(15)));
        acked_resolved(&mut sim, t0() + Duration::hours(1), min(2), Some(min(30)));
        let r = report(&sim.all(), &Policy::default(), all_time(), t0() + Duration::days(20), false);
        let got: Vec<(&str, usize, usize)> =
            r.weeks.iter().map(|w| (w.week.as_str(), w.registered, w.resolved)).collect();
        assert_eq!(got, vec![("2026-W47", 2, 1), ("2026-W48", 0, 0), ("2026-W49", 0, 1)]);
        assert_eq!(week_label(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()), "2026-W53");
    }

    #[test]
    fn breakdowns_count_registered_resolved_and_open() {
        let mut sim = Sim::default();
        let mut n = new_incident("a", Impact::High, Urgency::High, Severity::SEV1);
        n.services = vec!["checkout".into(), "payments".into()];
        n.category = Some("outage".into());
        let a = sim.register("alice", t0(), n);
        let mut n = new_incident("b", Impact::Low, Urgency::Low, Severity::SEV4);
        n.services = vec!["checkout".into()];
        let b = sim.register("alice", t0() + min(1), n);
        sim.run("bob", t0() + min(30), &Command::Resolve { id: b, summary: "ok".into(), recovered_at: None });
        let r = report(&sim.all(), &Policy::default(), all_time(), t0() + min(60), false);

        let svc: Vec<(&str, usize, usize, usize)> =
            r.by_service.iter().map(|t| (t.key.as_str(), t.registered, t.resolved, t.open)).collect();
        assert_eq!(svc, vec![("checkout", 2, 1, 1), ("payments", 1, 0, 1)]);
        let cat: Vec<&str> = r.by_category.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(cat, vec!["(none)", "outage"]);
        assert_eq!(r.by_severity.len(), 4);
        assert_eq!(r.by_severity[0].registered, 1);
        assert_eq!(r.by_priority[0].key, "P1");
        assert_eq!(r.by_priority[4].registered, 1, "low x low is P5");
        let _ = a;
    }

    #[test]
    fn breach_rates_use_the_policy_targets() {
        let mut sim = Sim::default();
        // P1: acknowledge within 5 min, resolve within 1 h (from detection).
        acked_resolved(&mut sim, t0(), min(3), Some(min(30)));
        acked_resolved(&mut sim, t0() + min(1), min(9), Some(min(100)));
        acked_resolved(&mut sim, t0() + min(2), min(4), None);
        let r = report(&sim.all(), &Policy::default(), all_time(), t0() + min(40), false);
        let p1 = r.breaches.iter().find(|b| b.priority == Priority::P1).unwrap();
        assert_eq!(p1.acknowledge, Rate { breached: 1, met: 2, pending: 0 });
        assert_eq!(p1.resolve, Rate { breached: 1, met: 1, pending: 1 });
        assert_eq!(p1.resolve.share(), Some(0.5));
        assert_eq!(r.breaches.len(), 1, "only priorities that occur");
    }

    #[test]
    fn major_reviews_and_overdue_action_items() {
        let mut sim = Sim::default();
        let close = |sim: &mut Sim, at: DateTime<Utc>, sev: Severity, review: bool| {
            let id = sim.register("alice", at, new_incident("x", Impact::Low, Urgency::Low, sev));
            sim.run("alice", at + min(1), &Command::Resolve { id, summary: "s".into(), recovered_at: None });
            sim.run(
                "alice",
                at + min(2),
                &Command::SetRootCause {
                    id,
                    root_cause: "rc".into(),
                    trigger: None,
                    contributing_factors: vec![],
                },
            );
            if review {
                let review = Review { lessons: vec!["test restores".into()], ..Review::default() };
                sim.run("alice", at + min(3), &Command::RecordReview { id, review });
            }
            if review || !sev.is_major() {
                sim.run("alice", at + min(4), &Command::Close { id });
            }
            id
        };
        let a = close(&mut sim, t0(), Severity::SEV1, true);
        close(&mut sim, t0() + min(10), Severity::SEV2, false); // cannot close: no review
        close(&mut sim, t0() + min(20), Severity::SEV3, false);
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        for (text, due) in
            [("late", today - Duration::days(3)), ("due today", today), ("later", today + Duration::days(1))]
        {
            sim.run(
                "alice",
                t0() + min(30),
                &Command::AddActionItem { id: a, text: text.into(), owner: "bob".into(), due },
            );
        }
        let r = report(
            &sim.all(),
            &Policy::default(),
            all_time(),
            today.and_hms_opt(12, 0, 0).unwrap().and_utc(),
            false,
        );
        assert_eq!(r.major_reviews, ReviewShare { closed_major: 1, reviewed: 1 });
        assert_eq!(r.overdue_actions.len(), 1);
        assert_eq!(r.overdue_actions[0].text, "late");
        assert_eq!(r.overdue_actions[0].days_late, 3);
        assert_eq!(r.overdue_actions[0].incident, a);
    }

    #[test]
    fn drills_and_near_misses_are_left_out_and_counted_as_such() {
        let mut sim = Sim::default();
        acked_resolved(&mut sim, t0(), min(3), None);
        let mut n = new_incident("game day", Impact::High, Urgency::High, Severity::SEV1);
        n.drill = true;
        let d = sim.register("alice", t0() + min(1), n);
        sim.run("bob", t0() + min(60), &Command::Acknowledge { id: d });
        let nm = acked_resolved(&mut sim, t0() + min(2), min(30), None);
        sim.run("bob", t0() + min(40), &Command::SetFlag { id: nm, flag: Flag::NearMiss, value: true });
        let now = t0() + min(90);
        let r = report(&sim.all(), &Policy::default(), all_time(), now, false);
        assert_eq!((r.registered, r.left_out), (1, 2));
        assert_eq!(r.mtta.mean, Some(min(3)));
        let r = report(&sim.all(), &Policy::default(), all_time(), now, true);
        assert_eq!((r.registered, r.left_out), (3, 0));
        assert_eq!(r.mtta.count, 3);
    }

    fn durations() -> impl Strategy<Value = Vec<Duration>> {
        prop::collection::vec((0i64..10_000_000_000).prop_map(Duration::milliseconds), 1..60)
    }

    proptest! {
        #[test]
        fn median_and_p90_lie_between_min_and_max(v in durations()) {
            let lo = *v.iter().min().unwrap();
            let hi = *v.iter().max().unwrap();
            let s = Stat::of(v.clone());
            prop_assert_eq!(s.count, v.len());
            for x in [s.mean, s.median, s.p90] {
                let x = x.unwrap();
                prop_assert!(lo <= x && x <= hi, "{:?} not in [{:?}, {:?}]", x, lo, hi);
            }
            prop_assert!(s.median <= s.p90);
            prop_assert!(v.contains(&s.median.unwrap()) && v.contains(&s.p90.unwrap()));
        }

        #[test]
        fn mean_of_constant_durations_is_the_constant(
            secs in 0i64..100_000_000, nanos in 0i64..1_000_000_000, n in 1usize..50
        ) {
            let d = Duration::seconds(secs) + Duration::nanoseconds(nanos);
            let s = Stat::of(vec![d; n]);
            prop_assert_eq!((s.mean, s.median, s.p90), (Some(d), Some(d), Some(d)));
        }

        #[test]
        fn drills_never_change_the_numbers_unless_included(
            specs in prop::collection::vec((0i64..50_000, 0i64..600, prop::option::of(0i64..3_000), any::<bool>()), 0..25)
        ) {
            let mut with = Sim::default();
            let mut without = Sim::default();
            let mut sorted = specs.clone();
            sorted.sort_by_key(|s| s.0);
            for (start, ack, resolve, drill) in sorted {
                let at = t0() + min(start);
                for (k, sim) in [&mut with, &mut without].into_iter().enumerate() {
                    if drill && k == 1 {
                        continue;
                    }
                    let mut n = new_incident("p", Impact::Medium, Urgency::High, Severity::SEV2);
                    n.drill = drill;
                    n.services = vec!["db".into()];
                    let id = sim.register("alice", at, n);
                    sim.run("bob", at + min(ack), &Command::Acknowledge { id });
                    if let Some(r) = resolve {
                        sim.run("bob", at + min(ack + r), &Command::Resolve { id, summary: "s".into(), recovered_at: None });
                    }
                }
            }
            let now = t0() + Duration::days(60);
            let a = report(&with.all(), &Policy::default(), all_time(), now, false);
            let b = report(&without.all(), &Policy::default(), all_time(), now, false);
            prop_assert_eq!(a.left_out, with.all().len() - without.all().len());
            let strip = |r: KpiReport| KpiReport { left_out: 0, ..r };
            prop_assert_eq!(strip(a), strip(b.clone()));
            let c = report(&without.all(), &Policy::default(), all_time(), now, true);
            prop_assert_eq!(c, KpiReport { include_drills: true, ..b });
        }
    }
}
