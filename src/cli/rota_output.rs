//! Text for the on-call commands: `oncall`, `schedule show|check`, `override`, `page`,
//! `escalation`. Names, reasons and notifier errors come from config files, people and peers:
//! every one is sanitised here before it reaches a terminal.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::domain::EventKind;
use crate::domain::escalation::{Delivery, PageRecord};
use crate::domain::schedule::{Coverage, Override, Segment};
use crate::domain::text::sanitize_line;
use crate::report::duration::human_duration;
use crate::wire::Outcome;
use crate::wire::{EscalationView, RotaView};

/// What to write when the config has no `[schedules]`: how to add one.
pub(super) const NO_SCHEDULES: &str = "no schedules are configured. Add one to the config file, e.g.\n\n  \
     [people.alice]\n  [people.bob]\n  [schedules.primary]\n  \
     rotations = [{ members = [\"alice\", \"bob\"], shift = \"weekly\", handoff = \"09:00\", start = \"2026-11-02\" }]\n\n\
     then `piket schedule check` shows whether it covers every hour.";

/// "Wed 25 Nov 09:00" in the display zone.
#[must_use]
pub(super) fn day_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %d %b %H:%M").to_string()
}

/// "Wed 25 Nov 2026 09:00 CET": for headers, where the year and zone are said once.
fn full(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %d %b %Y %H:%M %Z").to_string()
}

/// Names joined by ", ", each sanitised; "nobody" for none.
fn names(list: &[String]) -> String {
    if list.is_empty() {
        return "nobody".to_owned();
    }
    list.iter().map(|n| sanitize_line(n).into_owned()).collect::<Vec<_>>().join(", ")
}

/// A configured timeout as it was probably written: "15m", "1h", "90s".
fn timeout(secs: i64) -> String {
    match secs {
        s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn ids(list: &[u32]) -> String {
    list.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")
}

/// `piket oncall`: a line per schedule, who now and who next.
#[must_use]
pub(super) fn on_call(view: &RotaView, tz: Tz) -> String {
    let mut s = format!("on call at {}\n", full(view.at, tz));
    let width = view.on_call.iter().map(|o| sanitize_line(&o.schedule).chars().count()).max().unwrap_or(0);
    let next = |o: &crate::wire::OnCall| match o.next_at {
        Some(t) => format!("{} from {}", names(&o.next), day_time(t, tz)),
        None => "no change in the next year".to_owned(),
    };
    for o in &view.on_call {
        let name = sanitize_line(&o.schedule);
        if o.now.is_empty() {
            let until = match o.next_at {
                Some(t) => format!("a gap until {}, then {}", day_time(t, tz), names(&o.next)),
                None => "a gap with no end in the next year".to_owned(),
            };
            let _ = writeln!(s, "{name:<width$}  nobody: {until}");
            continue;
        }
        let covering: Vec<String> = view
            .overrides
            .iter()
            .filter(|v| v.schedule == o.schedule && v.start <= view.at && view.at < v.end)
            .filter(|v| o.now.contains(&v.person))
            .map(|v| match &v.covers {
                Some(c) => format!("override #{} for {}", v.id, sanitize_line(c)),
                None => format!("override #{}", v.id),
            })
            .collect();
        let note = if covering.is_empty() { String::new() } else { format!(" ({})", covering.join(", ")) };
        let _ = writeln!(s, "{name:<width$}  {}{note}  next: {}", names(&o.now), next(o));
    }
    s.pop();
    s
}

/// One segment: "Wed 25 Nov 09:00 → Thu 26 Nov 09:00  alice (override #3)".
fn segment(seg: &Segment, tz: Tz) -> String {
    let who = match seg.people.len() {
        0 => format!("GAP  nobody on call for {}", human_duration(seg.end - seg.start)),
        1 => names(&seg.people),
        _ => format!("OVERLAP  {}", names(&seg.people)),
    };
    let under =
        if seg.overrides.is_empty() { String::new() } else { format!(" (override {})", ids(&seg.overrides)) };
    format!("{} → {}  {who}{under}", day_time(seg.start, tz), day_time(seg.end, tz))
}

/// `piket schedule show`: every segment of each schedule, then its DST-moved hand-offs.
#[must_use]
pub(super) fn schedule_show(coverage: &[Coverage], from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> String {
    let mut s = format!("from {} to {} ({tz})\n", full(from, tz), full(to, tz));
    for c in coverage {
        let _ = writeln!(s, "\n{}", sanitize_line(&c.schedule));
        for seg in &c.segments {
            let _ = writeln!(s, "  {}", segment(seg, tz));
        }
        for d in &c.dst_shifts {
            let _ = writeln!(s, "  DST  {}", sanitize_line(&d.explanation));
        }
    }
    s.pop();
    s
}

/// `piket schedule check`: per schedule, only what needs a look (gaps, overlaps, DST).
#[must_use]
pub(super) fn schedule_check(
    coverage: &[Coverage],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    tz: Tz,
) -> String {
    let mut s =
        format!("the rota as configured (no overrides), {} to {} ({tz}):\n", full(from, tz), full(to, tz));
    let mut gappy = 0;
    for c in coverage {
        let name = sanitize_line(&c.schedule);
        let gaps: Vec<&Segment> = c.gaps().collect();
        let overlaps: Vec<&Segment> = c.overlaps().collect();
        let short: Duration = gaps.iter().map(|g| g.end - g.start).sum();
        if gaps.is_empty() {
            let _ = writeln!(s, "\n{name}: covered");
        } else {
            gappy += 1;
            let _ = writeln!(
                s,
                "\n{name}: {} gap{}, nobody on call for {} in all",
                gaps.len(),
                if gaps.len() == 1 { "" } else { "s" },
                human_duration(short)
            );
        }
        for seg in gaps.iter().chain(&overlaps) {
            let _ = writeln!(s, "  {}", segment(seg, tz));
        }
        for d in &c.dst_shifts {
            let _ = writeln!(s, "  DST  {}", sanitize_line(&d.explanation));
        }
    }
    let _ = write!(
        s,
        "\n{}",
        match gappy {
            0 => format!(
                "ok: every schedule has someone on call for all {} checked",
                human_duration(to - from)
            ),
            n => format!("{n} of {} schedules ha{} gaps", coverage.len(), if n == 1 { "s" } else { "ve" }),
        }
    );
    s
}

/// One override: "#3  primary  bob for alice  Wed 25 Nov 18:00 → Thu 26 Nov 09:00  (in force)  swap".
fn override_line(o: &Override, tz: Tz, now: DateTime<Utc>) -> String {
    let covers = o.covers.as_ref().map(|c| format!(" for {}", sanitize_line(c))).unwrap_or_default();
    let state = if o.start <= now { "  (in force)" } else { "" };
    let reason = o.reason.as_ref().map(|r| format!("  {}", sanitize_line(r))).unwrap_or_default();
    format!(
        "#{}  {}  {}{covers}  {} → {}{state}{reason}",
        o.id,
        sanitize_line(&o.schedule),
        sanitize_line(&o.person),
        day_time(o.start, tz),
        day_time(o.end, tz)
    )
}

/// `piket override list`.
#[must_use]
pub(super) fn overrides(list: &[Override], tz: Tz, now: DateTime<Utc>) -> String {
    if list.is_empty() {
        return "no overrides in force or to come".to_owned();
    }
    let mut s = String::new();
    for o in list {
        let _ = writeln!(s, "{}", override_line(o, tz, now));
    }
    s.pop();
    s
}

/// What an override command recorded on the rota timeline.
#[must_use]
pub(super) fn rota_events(events: &[crate::domain::Event], tz: Tz, now: DateTime<Utc>) -> String {
    let mut s = String::new();
    for ev in events {
        let line = match &ev.kind {
            EventKind::OverrideAdded(o) => format!("added {}", override_line(o, tz, now)),
            other => sanitize_line(&other.describe()).into_owned(),
        };
        let _ = writeln!(s, "rota #{} {line}", ev.seq);
    }
    s.pop();
    s
}

/// `piket page`: who was paged.
#[must_use]
pub(super) fn paged(o: &Outcome) -> String {
    let mut s = String::new();
    for ev in &o.events {
        let line = match &ev.kind {
            EventKind::LevelPaged(p) => format!(
                "paged level {} of {}: {}{}",
                p.level,
                sanitize_line(&p.policy),
                names(&p.people),
                if p.unstaffed.is_empty() {
                    String::new()
                } else {
                    format!(" (nobody on call in {})", names(&p.unstaffed))
                }
            ),
            other => sanitize_line(&other.describe()).into_owned(),
        };
        let _ = writeln!(s, "{} {line}", o.incident);
    }
    s.pop();
    s
}

/// The line about what happens next, or why nothing will.
#[must_use]
pub(super) fn next_step(v: &EscalationView, tz: Tz, now: DateTime<Utc>) -> String {
    if let Some(n) = &v.next {
        let what = sanitize_line(&n.what);
        return if n.at <= now {
            format!("next: {what} now (due at {})", crate::when::shown(n.at, now, tz))
        } else {
            format!(
                "next: {what} in {} (at {})",
                human_duration(n.at - now),
                crate::when::shown(n.at, now, tz)
            )
        };
    }
    let Some(p) = &v.progress else { return "stopped: nothing has happened yet".to_owned() };
    if let (Some(at), Some(by)) = (p.acknowledged_at, &p.acknowledged_by) {
        format!("stopped: acknowledged by {} at {}", sanitize_line(by), crate::when::shown(at, now, tz))
    } else if p.exhausted {
        "exhausted: every level was paged and nobody acknowledged".to_owned()
    } else if !p.open {
        "stopped: the incident is resolved".to_owned()
    } else {
        "stopped: the policy has not started".to_owned()
    }
}

fn page_line(p: &PageRecord, tz: Tz) -> String {
    let round = if p.round > 1 { format!(", round {}", p.round) } else { String::new() };
    if p.skipped {
        return format!("skipped {}{round}: nobody on call in {}", day_time(p.at, tz), names(&p.unstaffed));
    }
    format!(
        "paged {}{round} by {}: {}  ({})",
        day_time(p.at, tz),
        sanitize_line(&p.by),
        names(&p.people),
        sanitize_line(&p.reason)
    )
}

fn delivery_line(d: &Delivery, tz: Tz) -> String {
    let attempts = if d.attempts > 1 { format!(" after {} attempts", d.attempts) } else { String::new() };
    match &d.error {
        None => format!(
            "delivered to {} via {} at {}{attempts}",
            sanitize_line(&d.person),
            sanitize_line(&d.notifier),
            day_time(d.at, tz)
        ),
        Some(e) => format!(
            "FAILED to {} via {} at {}{attempts}: {}",
            sanitize_line(&d.person),
            sanitize_line(&d.notifier),
            day_time(d.at, tz),
            sanitize_line(e)
        ),
    }
}

/// `piket escalation INC-n`: the chain, level by level, with what happened under each.
#[must_use]
pub(super) fn escalation(v: &EscalationView, tz: Tz, now: DateTime<Utc>) -> String {
    let Some(policy) = &v.policy else {
        return format!(
            "{} follows no escalation policy: none of its services names one and no [escalation] \
             default-policy is set (a drill pages nobody). `piket escalate {} --to NAME` records a hand-off.",
            v.incident, v.incident
        );
    };
    let mut s = format!(
        "{} follows escalation policy {}{}\n",
        v.incident,
        sanitize_line(policy),
        match v.repeat {
            0 => String::new(),
            1 => ", repeated once".to_owned(),
            n => format!(", repeated {n} times"),
        }
    );
    let pages: &[PageRecord] = v.progress.as_ref().map_or(&[], |p| p.pages.as_slice());
    let deliveries: &[Delivery] = v.progress.as_ref().map_or(&[], |p| p.deliveries.as_slice());
    for l in &v.levels {
        let targets: Vec<String> = l.targets.iter().map(|t| sanitize_line(t).into_owned()).collect();
        let _ =
            writeln!(s, "\nlevel {}  {}  (timeout {})", l.level, targets.join(", "), timeout(l.timeout_secs));
        let unstaffed = if l.unstaffed.is_empty() {
            String::new()
        } else {
            format!("  (nobody on call in {})", names(&l.unstaffed))
        };
        let _ = writeln!(s, "  now reaches {}{unstaffed}", names(&l.reaches));
        let mine: Vec<(usize, &PageRecord)> =
            pages.iter().enumerate().filter(|(_, p)| p.level == l.level).collect();
        if mine.is_empty() {
            let _ = writeln!(s, "  not paged");
        }
        for (i, p) in &mine {
            let _ = writeln!(s, "  {}", page_line(p, tz));
            // A delivery belongs to the last page of its level at or before it.
            for d in deliveries.iter().filter(|d| {
                d.level == l.level && d.at >= p.at && !mine.iter().any(|(j, q)| j > i && q.at <= d.at)
            }) {
                let _ = writeln!(s, "    {}", delivery_line(d, tz));
            }
        }
    }
    if let Some(p) = &v.progress
        && v.next.is_some()
        && let (Some(at), Some(by)) = (p.acknowledged_at, &p.acknowledged_by)
    {
        let _ = writeln!(s, "\nacknowledged by {} at {}", sanitize_line(by), crate::when::shown(at, now, tz));
    } else {
        s.push('\n');
    }
    s.push_str(&next_step(v, tz, now));
    s
}
