//! The KPI report as plain text for a terminal (`piket stats`).
//!
//! Plain aligned columns and no colour: it is read in a terminal, pasted into a chat or a retro
//! document, and diffed week to week, and all of those survive only plain text.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::duration::human_duration;
use crate::domain::kpi::{KpiReport, Measure, Rate, Stat, Tally};
use crate::domain::text::sanitize_line;

/// Shown where there is no data, so that "no data" never reads as "zero".
const NONE: &str = "–";

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

fn dur(d: Option<chrono::Duration>) -> String {
    d.map_or_else(|| NONE.to_owned(), human_duration)
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(String::new, |s| format!(" ({:.0}%)", s * 100.0))
}

/// Aligned columns: the first (labels) left-aligned and indented under the title; the others
/// as `align` says (`r` right, so numbers line up by their last digit; `l` left, for text).
fn table(out: &mut String, header: &[&str], align: &str, rows: &[Vec<String>]) {
    let cols = header.len();
    let cell = |r: usize, c: usize| -> String {
        if r == 0 {
            header[c].to_owned()
        } else if c == 0 {
            format!("  {}", rows[r - 1][0])
        } else {
            rows[r - 1][c].clone()
        }
    };
    let widths: Vec<usize> =
        (0..cols).map(|c| (0..=rows.len()).map(|r| cell(r, c).chars().count()).max().unwrap_or(0)).collect();
    for r in 0..=rows.len() {
        let mut line = String::new();
        for ((c, w), a) in widths.iter().enumerate().zip(align.chars()) {
            let text = cell(r, c);
            let gap = if c == 0 { "" } else { "  " };
            if a == 'r' {
                let _ = write!(line, "{gap}{text:>w$}");
            } else {
                let _ = write!(line, "{gap}{text:<w$}");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn tallies(out: &mut String, title: &str, t: &[Tally], all: bool) {
    let rows: Vec<Vec<String>> = t
        .iter()
        .filter(|t| all || t.registered > 0)
        .map(|t| {
            vec![
                sanitize_line(&t.key).into_owned(),
                t.registered.to_string(),
                t.resolved.to_string(),
                t.open.to_string(),
            ]
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    out.push('\n');
    table(out, &[title, "registered", "resolved", "open"], "lrrr", &rows);
}

fn rate(r: Rate) -> String {
    let decided = r.breached + r.met;
    let running = if r.pending > 0 { format!(" +{} running", r.pending) } else { String::new() };
    if decided == 0 {
        return format!("{NONE}{running}");
    }
    format!("{}/{decided}{}{running}", r.breached, percent(r.share()))
}

fn stat_row(m: Measure, s: &Stat) -> Vec<String> {
    vec![
        m.label().to_owned(),
        s.count.to_string(),
        dur(s.mean),
        dur(s.median),
        dur(s.p90),
        m.definition().to_owned(),
    ]
}

/// The report as aligned plain text; times in `tz`, durations as [`human_duration`].
#[must_use]
pub(crate) fn render_text(report: &KpiReport, tz: Tz) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "KPIs for incidents registered {} – {} ({tz})",
        local(report.window.since, tz),
        local(report.window.until, tz)
    );
    let _ =
        write!(out, "{} registered: {} resolved, {} open", report.registered, report.resolved, report.open);
    match (report.include_drills, report.left_out) {
        (true, _) => out.push_str("; drills and near misses included"),
        (false, 0) => {}
        (false, 1) => out.push_str("; 1 drill or near miss left out"),
        (false, n) => {
            let _ = write!(out, "; {n} drills or near misses left out");
        }
    }
    out.push('\n');

    out.push('\n');
    let rows: Vec<Vec<String>> = Measure::ALL.iter().map(|m| stat_row(*m, report.stat(*m))).collect();
    table(&mut out, &["Response times", "n", "mean", "median", "p90", ""], "lrrrrl", &rows);

    if !report.weeks.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = report
            .weeks
            .iter()
            .map(|w| vec![w.week.clone(), w.registered.to_string(), w.resolved.to_string()])
            .collect();
        table(&mut out, &["Per week (UTC)", "registered", "resolved"], "lrr", &rows);
    }

    tallies(&mut out, "By severity", &report.by_severity, false);
    tallies(&mut out, "By priority", &report.by_priority, false);
    tallies(&mut out, "By category", &report.by_category, true);
    tallies(&mut out, "By service", &report.by_service, true);

    if !report.breaches.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = report
            .breaches
            .iter()
            .map(|b| vec![b.priority.to_string(), rate(b.acknowledge), rate(b.resolve)])
            .collect();
        table(&mut out, &["Targets breached", "acknowledge", "resolve"], "lrr", &rows);
    }

    out.push('\n');
    let mr = report.major_reviews;
    if mr.closed_major == 0 {
        let _ = writeln!(out, "Major incidents closed with a review: {NONE} (none closed)");
    } else {
        let _ = writeln!(
            out,
            "Major incidents closed with a review: {} of {}{}",
            mr.reviewed,
            mr.closed_major,
            percent(mr.share())
        );
    }

    out.push('\n');
    if report.overdue_actions.is_empty() {
        out.push_str("Action items past due: none\n");
    } else {
        let _ = write!(out, "Action items past due: {}", report.overdue_actions.len());
        let rows: Vec<Vec<String>> = report
            .overdue_actions
            .iter()
            .map(|a| {
                vec![
                    format!("{} #{}", a.incident, a.item),
                    sanitize_line(&a.owner).into_owned(),
                    format!("due {}", a.due),
                    format!("{}d late", a.days_late),
                    sanitize_line(&a.text).into_owned(),
                ]
            })
            .collect();
        // The header row is blank, so it only ends the title line above.
        table(&mut out, &["", "", "", "", ""], "lllrl", &rows);
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate, TimeZone};

    use super::*;
    use crate::domain::kpi::sim::{Sim, new_incident};
    use crate::domain::kpi::{Window, report};
    use crate::domain::{Command, Impact, Policy, Review, Severity, Urgency};

    fn sample() -> KpiReport {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 9, 8, 0, 0).unwrap();
        let m = Duration::minutes;
        let mut sim = Sim::default();
        let mut n = new_incident("Checkout 502s", Impact::High, Urgency::High, Severity::SEV1);
        n.services = vec!["checkout".into(), "payments".into()];
        n.category = Some("outage".into());
        n.impact_started_at = Some(t0 - m(12));
        let a = sim.register("alice", t0, n);
        sim.run("bob", t0 + m(4) + Duration::seconds(12), &Command::Acknowledge { id: a });
        sim.run("bob", t0 + m(20), &Command::Contain { id: a, action: "failover".into() });
        sim.run(
            "bob",
            t0 + m(125),
            &Command::Resolve { id: a, summary: "rollback".into(), recovered_at: None },
        );
        sim.run(
            "bob",
            t0 + m(130),
            &Command::SetRootCause {
                id: a,
                root_cause: "bad deploy".into(),
                trigger: None,
                contributing_factors: vec![],
            },
        );
        let review = Review { lessons: vec!["canary first".into()], ..Review::default() };
        sim.run("bob", t0 + m(140), &Command::RecordReview { id: a, review });
        sim.run(
            "bob",
            t0 + m(141),
            &Command::AddActionItem {
                id: a,
                text: "Add \u{1b}[31mcanary stage".into(),
                owner: "carol".into(),
                due: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            },
        );
        sim.run("bob", t0 + m(150), &Command::Close { id: a });
        let mut n = new_incident("Search slow", Impact::Medium, Urgency::Low, Severity::SEV3);
        n.services = vec!["search".into()];
        let b = sim.register("erin", t0 + Duration::days(8), n);
        sim.run("dave", t0 + Duration::days(8) + m(75), &Command::Acknowledge { id: b });
        let mut n = new_incident("Game day: db failover", Impact::High, Urgency::High, Severity::SEV2);
        n.drill = true;
        sim.register("alice", t0 + Duration::days(9), n);
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let window = Window { since: now - Duration::days(28), until: now };
        report(&sim.all(), &Policy::default(), window, now, false)
    }

    #[test]
    fn renders_an_aligned_report() {
        let text = render_text(&sample(), chrono_tz::Europe::Amsterdam);
        insta::assert_snapshot!(text);
        assert!(!text.contains('\u{1b}'), "action item text is sanitised");
    }

    #[test]
    fn empty_report_says_no_data_rather_than_zero() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let w = Window { since: now - Duration::days(7), until: now };
        let text = render_text(&report(&[], &Policy::default(), w, now, false), chrono_tz::UTC);
        let line = text.lines().find(|l| l.trim_start().starts_with("MTTR (resolve)")).unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[2..6], ["0", "–", "–", "–"], "{text}");
        assert!(text.contains("Action items past due: none"));
    }
}
