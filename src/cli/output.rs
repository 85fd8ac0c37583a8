//! Text for people. Every piece of user- or peer-supplied text is sanitised here before it
//! reaches a terminal; JSON output is escaped by serde_json instead.
//!
//! Everything a command prints goes through [`emit`] (the [`outln!`] macro), never
//! `println!`: `println!` panics when the reader of a pipe has gone (`piket list | head -1`),
//! while `emit` returns the error, the command stops writing, and `main` ends quietly with
//! status 141 ([`CLOSED_PIPE`]), as a tool ended by SIGPIPE does. Rust ignores SIGPIPE and
//! `unsafe` is forbidden here, so the signal's default cannot be restored; the error is the
//! signal.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::policy::Deadline;
use crate::domain::text::{sanitize, sanitize_line};
use crate::domain::{Event, Incident, Input, Policy, Refusal, Step};
use crate::report::duration::human_duration;
use crate::wire::Outcome;

/// The exit status when standard output is a pipe whose reader has gone: 128 + SIGPIPE (13),
/// what a shell reports for `yes | head -1`'s `yes`.
pub(crate) const CLOSED_PIPE: u8 = 141;

/// Standard output refused what a command printed.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct OutputError(#[source] pub std::io::Error);

impl OutputError {
    /// The reader of the pipe has gone: nobody is left to tell, so nothing is said.
    #[must_use]
    pub(crate) fn is_closed_pipe(&self) -> bool {
        self.0.kind() == std::io::ErrorKind::BrokenPipe
    }

    /// How the command ends: quietly with [`CLOSED_PIPE`] for a closed pipe, otherwise the
    /// reason on stderr and 1 (a full disk under `> file`).
    #[must_use]
    pub fn exit(&self) -> ExitCode {
        if self.is_closed_pipe() {
            ExitCode::from(CLOSED_PIPE)
        } else {
            warn(format_args!("piket: {self}"));
            ExitCode::FAILURE
        }
    }
}

/// One line on standard output, flushed, with the error returned instead of a panic.
///
/// # Errors
/// Standard output cannot be written (a closed pipe, a full disk).
pub(crate) fn emit(line: std::fmt::Arguments<'_>) -> Result<(), OutputError> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(line).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush()).map_err(OutputError)
}

/// One line on standard error. A closed stderr has nobody to tell, so its error is dropped
/// rather than a panic (`eprintln!`).
pub(crate) fn warn(line: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(line).and_then(|()| err.write_all(b"\n"));
}

/// `println!` that returns [`OutputError`] instead of panicking; see [`emit`].
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::output::emit(format_args!($($arg)*))
    };
}
pub(crate) use outln;

/// `eprintln!` that never panics; see [`warn`].
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::output::warn(format_args!($($arg)*))
    };
}
pub(crate) use errln;

/// "09:14 CET" today, "2026-11-20 09:14 CET" on another day: the TUI's form
/// ([`crate::when::shown`]) with the zone beside it.
#[must_use]
pub fn local(t: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> String {
    format!("{} {}", crate::when::shown(t, now, tz), t.with_timezone(&tz).format("%Z"))
}

fn opt_time(t: Option<DateTime<Utc>>, now: DateTime<Utc>, tz: Tz) -> String {
    t.map_or_else(|| "-".to_owned(), |t| local(t, now, tz))
}

/// Truncate to `width` characters with an ellipsis.
fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// What a committed command did, one line per event.
#[must_use]
pub(crate) fn outcome(o: &Outcome) -> String {
    let mut s = String::new();
    for ev in &o.events {
        let _ = writeln!(s, "{} #{} {}", o.incident, ev.seq, sanitize_line(&ev.kind.describe()));
    }
    let _ =
        write!(s, "{} is {} ({}, {})", o.incident, o.summary.status, o.summary.priority, o.summary.severity);
    s
}

/// The countdown of the running target clock, e.g. "acknowledge due in 3m 10s".
#[must_use]
pub fn deadline(d: Option<Deadline>, now: DateTime<Utc>) -> String {
    match d {
        None => String::new(),
        Some(d) => {
            let left = d.remaining(now);
            if left < chrono::Duration::zero() {
                format!("{} target breached {} ago", d.clock.as_str(), human_duration(-left))
            } else {
                format!("{} due in {}", d.clock.as_str(), human_duration(left))
            }
        }
    }
}

/// `piket show`.
#[must_use]
pub fn show(inc: &Incident, policy: &Policy, tz: Tz, now: DateTime<Utc>) -> String {
    let mut s = String::new();
    let line = |s: &mut String, k: &str, v: &str| {
        let _ = writeln!(s, "{k:<16}{v}");
    };
    let _ = writeln!(s, "{}  {}", inc.id, sanitize_line(&inc.title));
    line(&mut s, "status", inc.status.as_str());
    let prio = match &inc.priority_override {
        Some(r) => format!("{} (set by hand: {})", inc.priority, sanitize_line(r)),
        None => format!("{} (impact {} x urgency {})", inc.priority, inc.impact, inc.urgency),
    };
    line(&mut s, "priority", &prio);
    line(&mut s, "severity", &format!("{}{}", inc.severity, if inc.is_major() { " (major)" } else { "" }));
    line(&mut s, "category", &sanitize_line(inc.category.as_deref().unwrap_or("-")));
    line(
        &mut s,
        "services",
        &sanitize_line(&if inc.services.is_empty() { "-".to_owned() } else { inc.services.join(", ") }),
    );
    line(&mut s, "channel", &sanitize_line(&inc.channel));
    line(&mut s, "reported by", &sanitize_line(inc.reported_by.as_deref().unwrap_or("-")));
    line(&mut s, "registered by", &sanitize_line(&inc.registered_by));
    for (role, who) in &inc.roles {
        line(&mut s, role.as_str(), &sanitize_line(who));
    }
    let mut flags = Vec::new();
    if inc.drill {
        flags.push("drill");
    }
    if inc.near_miss {
        flags.push("near miss");
    }
    if !flags.is_empty() {
        line(&mut s, "flags", &flags.join(", "));
    }
    let d = deadline(policy.deadline(inc), now);
    if !d.is_empty() {
        line(&mut s, "target", &d);
    }
    let _ = writeln!(s);
    line(&mut s, "impact started", &opt_time(inc.impact_started_at, now, tz));
    line(&mut s, "detected", &local(inc.detected_at, now, tz));
    line(&mut s, "reported", &opt_time(inc.reported_at, now, tz));
    line(&mut s, "opened", &local(inc.opened_at, now, tz));
    let ack = match (&inc.acknowledged_at, &inc.acknowledged_by) {
        (Some(t), Some(by)) => format!("{} by {}", local(*t, now, tz), sanitize_line(by)),
        _ => "-".to_owned(),
    };
    line(&mut s, "acknowledged", &ack);
    line(&mut s, "contained", &opt_time(inc.contained_at, now, tz));
    line(&mut s, "resolved", &opt_time(inc.resolved_at, now, tz));
    line(&mut s, "recovered", &opt_time(inc.recovered_at, now, tz));
    line(&mut s, "closed", &opt_time(inc.closed_at, now, tz));
    if let Some(d) = &inc.description {
        let _ = writeln!(s, "\ndescription\n  {}", sanitize(d).replace('\n', "\n  "));
    }
    if let Some(r) = &inc.resolution_summary {
        let _ = writeln!(s, "\nresolution\n  {}", sanitize(r).replace('\n', "\n  "));
    }
    if let Some(rc) = &inc.root_cause {
        let _ = writeln!(s, "\nroot cause\n  {}", sanitize(&rc.root_cause).replace('\n', "\n  "));
        if let Some(t) = &rc.trigger {
            let _ = writeln!(s, "  trigger: {}", sanitize_line(t));
        }
        for f in &rc.contributing_factors {
            let _ = writeln!(s, "  contributing: {}", sanitize_line(f));
        }
    }
    if !inc.escalations.is_empty() {
        let _ = writeln!(s, "\nescalations");
        for e in &inc.escalations {
            let _ = writeln!(
                s,
                "  {} {} -> {}: {}",
                local(e.at, now, tz),
                sanitize_line(&e.by),
                sanitize_line(&e.to),
                sanitize_line(&e.reason)
            );
        }
    }
    if let Some(r) = &inc.review {
        let _ = writeln!(s, "\nreview");
        for (head, items) in [
            ("went well", &r.went_well),
            ("went wrong", &r.went_wrong),
            ("got lucky", &r.got_lucky),
            ("lesson", &r.lessons),
        ] {
            for i in items {
                let _ = writeln!(s, "  {head}: {}", sanitize_line(i));
            }
        }
    }
    if !inc.action_items.is_empty() {
        let _ = writeln!(s, "\naction items");
        for a in &inc.action_items {
            let _ = writeln!(
                s,
                "  #{} [{}] {} (owner {}, due {})",
                a.item,
                if a.done { "x" } else { " " },
                sanitize_line(&a.text),
                sanitize_line(&a.owner),
                a.due
            );
        }
    }
    let missing = crate::domain::missing_for_close(inc, &policy.closing);
    if inc.status == crate::domain::Status::Resolved && !missing.is_empty() {
        let _ = writeln!(s, "\nto close, still needed: {}", missing.join("; "));
    }
    let _ = write!(s, "\n{} events in the timeline (piket timeline {})", inc.last_seq, inc.id);
    s
}

/// `piket list`: one line per incident, widest column last.
#[must_use]
pub fn list(incidents: &[Incident], now: DateTime<Utc>) -> String {
    let mut s = format!(
        "{:<8} {:<3} {:<5} {:<13} {:>7}  {:<14} {:<10} {}\n",
        "ID", "PRI", "SEV", "STATUS", "AGE", "SERVICE", "OWNER", "TITLE"
    );
    for i in incidents {
        let age = human_duration(now - i.opened_at);
        let services = sanitize_line(&i.services.join(",")).into_owned();
        let owner = i.owner().map_or_else(|| "-".to_owned(), |o| sanitize_line(o).into_owned());
        let _ = writeln!(
            s,
            "{:<8} {:<3} {:<5} {:<13} {:>7}  {:<14} {:<10} {}",
            i.id.to_string(),
            i.priority.to_string(),
            i.severity.to_string(),
            i.status.as_str(),
            fit(&age, 7),
            fit(if services.is_empty() { "-" } else { &services }, 14),
            fit(&owner, 10),
            sanitize_line(&i.title)
        );
    }
    let _ = write!(s, "{} incident{}", incidents.len(), if incidents.len() == 1 { "" } else { "s" });
    s
}

/// `piket timeline`: UTC first (the record), the display zone beside it.
#[must_use]
pub fn timeline(events: &[Event], now: DateTime<Utc>, tz: Tz) -> String {
    let mut s = String::new();
    for ev in events {
        let text = sanitize(&ev.kind.describe())
            .replace('\n', "\n                                                    ");
        let _ = writeln!(
            s,
            "#{:<4} {} ({})  {:<10} {:<5} {}",
            ev.seq,
            ev.occurred_at.format("%Y-%m-%d %H:%M:%SZ"),
            local(ev.occurred_at, now, tz),
            fit(&sanitize_line(&ev.actor), 10),
            ev.source.as_str(),
            text
        );
    }
    s.pop();
    s
}

pub use crate::domain::alert_summary::{AlertSummary, summaries as alert_summaries};

/// `piket alerts INC-n` as text; alert text is sanitised here, for the terminal.
#[must_use]
pub fn alerts(list: &[AlertSummary], now: DateTime<Utc>, tz: Tz) -> String {
    let mut s = String::new();
    for a in list {
        let pairs = |v: &[(String, String)]| {
            v.iter()
                .map(|(k, v)| format!("{}={}", sanitize_line(k), sanitize_line(v)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let _ = writeln!(
            s,
            "{} {} [{}] x{}  first {}  last {} ({})\n  {}\n  labels: {}",
            sanitize_line(&a.source),
            sanitize_line(&a.identity),
            sanitize_line(&a.status),
            a.received,
            a.first_seen.format("%Y-%m-%d %H:%M:%SZ"),
            a.last_seen.format("%Y-%m-%d %H:%M:%SZ"),
            local(a.last_seen, now, tz),
            sanitize_line(&a.summary),
            pairs(&a.labels),
        );
        if !a.annotations.is_empty() {
            let _ = writeln!(s, "  annotations: {}", pairs(&a.annotations));
        }
        if let Some(n) = a.truncated_alerts {
            let _ = writeln!(s, "  {n} more alert(s) left out: {}", crate::domain::alert::TRUNCATED_ADVICE);
        }
    }
    s.pop();
    s
}

/// What a refusal says, with the flags it is about: "say why you page: check --reason".
#[must_use]
pub fn refusal(r: &Refusal) -> String {
    let flags: Vec<&str> = r
        .next
        .iter()
        .filter_map(|st| match st {
            Step::Check(input) => Some(flag(*input)),
            _ => None,
        })
        .collect();
    if flags.is_empty() { r.message.clone() } else { format!("{}: check {}", r.message, flags.join(" and ")) }
}

/// The flag that gives an input.
const fn flag(input: Input) -> &'static str {
    match input {
        Input::ImpactStarted => "--impact-started",
        Input::DetectedAt => "--detected-at",
        Input::PageReason => "--reason",
        Input::OverrideFrom => "--from",
        Input::OverrideUntil => "--until",
        Input::WindowEnd => "--until or --for",
    }
}

/// The way forward after a refusal, as command lines. `id` is the incident the refused
/// command was about: the lifecycle steps and a hand-off need it and are left out without.
#[must_use]
pub(crate) fn next_steps(id: Option<crate::domain::IncidentId>, steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|st| {
            let about = |line: &dyn Fn(crate::domain::IncidentId) -> String| id.map(line);
            match st {
                Step::Acknowledge => about(&|id| format!("piket ack {id}")),
                Step::Contain => about(&|id| format!("piket contain {id} \"what you did\"")),
                Step::Resolve => about(&|id| format!("piket resolve {id} --summary \"what fixed it\"")),
                Step::Reopen => about(&|id| format!("piket reopen {id} --reason \"why\"")),
                Step::Review => about(&|id| format!("piket review {id} --lesson \"what we learned\"")),
                Step::RootCause => about(&|id| format!("piket root-cause {id} \"the cause\"")),
                Step::Close => about(&|id| format!("piket close {id}")),
                Step::Note => about(&|id| format!("piket note {id} \"text\"")),
                Step::ActionItems => about(&|id| format!("piket action done {id} N")),
                Step::Escalate => about(&|id| format!("piket escalate {id} --to NAME --reason \"why\"")),
                Step::ShowSchedules => Some("piket schedule show".to_owned()),
                Step::ListOverrides => Some("piket override list".to_owned()),
                Step::AddOverride => {
                    Some("piket override add --schedule NAME --person NAME --until TIME".to_owned())
                }
                Step::ListMaintenance => Some("piket maintenance list".to_owned()),
                Step::EndMaintenance(n) => Some(format!("piket maintenance end {n}")),
                Step::CancelMaintenance(n) => Some(format!("piket maintenance cancel {n}")),
                // Said on the refusal's own line, by [`refusal`].
                Step::Check(_) => None,
            }
        })
        .collect()
}
