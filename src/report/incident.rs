//! The export of one incident (step 7): Markdown for an auditor, JSON for tools.
//!
//! The Markdown is the record as a person reads it: every field, every named time (UTC, with
//! the local time beside it so nobody has to convert in their head), the incident's own KPIs,
//! the review, and the full timeline, ending with the chain head so the reader can check the
//! record with `piket verify`. All user text passes through [`sanitize`]: an export is opened
//! in terminals and viewers too, and a title must not be able to rewrite either.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json as j};

use super::duration::human_duration;
use crate::domain::kpi::Measure;
use crate::domain::text::sanitize;
use crate::domain::{Event, Incident};

/// Shown for a value that is not recorded.
const NONE: &str = "–";

/// Text for one Markdown table cell: sanitised, and unable to end the cell or the row early.
/// Backslashes are escaped first so that a `\` typed before a `|` cannot un-escape it.
fn cell(s: &str) -> String {
    let clean = sanitize(s);
    let mut out = String::with_capacity(clean.len());
    for c in clean.trim().chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    if out.is_empty() { NONE.to_owned() } else { out }
}

/// A line of user text that cannot become a heading: the report's structure is the report's.
fn no_heading(line: &str) -> String {
    if line.trim_start().starts_with('#') { format!("\\{}", line.trim_start()) } else { line.to_owned() }
}

/// Free text as a block quote: marks it as what someone wrote, and keeps every line of it
/// inside the quote.
fn quote(out: &mut String, s: &str) {
    for line in sanitize(s).trim().lines() {
        if line.trim().is_empty() {
            out.push_str(">\n");
        } else {
            let _ = writeln!(out, "> {}", no_heading(line));
        }
    }
    out.push('\n');
}

/// A list item whose continuation lines stay inside the item.
fn item(out: &mut String, s: &str) {
    let clean = sanitize(s);
    let mut lines = clean.trim().lines();
    let _ = writeln!(out, "- {}", no_heading(lines.next().unwrap_or("")));
    for line in lines {
        let _ = writeln!(out, "  {}", no_heading(line));
    }
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn both(t: DateTime<Utc>, tz: Tz) -> String {
    format!("{} ({})", utc(t), t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S %Z"))
}

fn row(out: &mut String, cells: &[&str]) {
    out.push('|');
    for c in cells {
        let _ = write!(out, " {c} |");
    }
    out.push('\n');
}

fn header(out: &mut String, cells: &[&str]) {
    row(out, cells);
    out.push('|');
    for _ in cells {
        out.push_str("---|");
    }
    out.push('\n');
}

/// The name of a measure for one incident: "time to ...", not "mean time to ...".
const fn measure_name(m: Measure) -> &'static str {
    match m {
        Measure::Acknowledge => "Time to acknowledge",
        Measure::Detect => "Time to detect",
        Measure::Contain => "Time to contain",
        Measure::Resolve => "Time to resolve",
        Measure::Restore => "Time to restore",
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn fields(out: &mut String, inc: &Incident) {
    out.push_str("## Fields\n\n");
    header(out, &["Field", "Value"]);
    let priority = match &inc.priority_override {
        Some(reason) => format!("{} (set by hand: {})", inc.priority, cell(reason)),
        None => format!("{} (impact x urgency)", inc.priority),
    };
    let severity =
        if inc.is_major() { format!("{} (major incident)", inc.severity) } else { inc.severity.to_string() };
    let services = if inc.services.is_empty() { NONE.to_owned() } else { cell(&inc.services.join(", ")) };
    let roles = if inc.roles.is_empty() {
        NONE.to_owned()
    } else {
        inc.roles.iter().map(|(r, p)| format!("{r}: {}", cell(p))).collect::<Vec<_>>().join(", ")
    };
    let mut flags = Vec::new();
    if inc.drill {
        flags.push("drill");
    }
    if inc.near_miss {
        flags.push("near miss");
    }
    let activity = format!(
        "{}, {}, {}, {}",
        plural(inc.containment_actions, "containment action", "containment actions"),
        plural(inc.findings, "finding", "findings"),
        plural(inc.notes, "note", "notes"),
        plural(inc.status_updates, "status update", "status updates"),
    );
    let rows: Vec<(&str, String)> = vec![
        ("Status", inc.status.to_string()),
        ("Priority", priority),
        ("Impact", inc.impact.to_string()),
        ("Urgency", inc.urgency.to_string()),
        ("Severity", severity),
        ("Category", inc.category.as_deref().map_or_else(|| NONE.to_owned(), cell)),
        ("Services", services),
        ("Reported by", inc.reported_by.as_deref().map_or_else(|| NONE.to_owned(), cell)),
        ("Channel", cell(&inc.channel)),
        ("Registered by", cell(&inc.registered_by)),
        ("Acknowledged by", inc.acknowledged_by.as_deref().map_or_else(|| NONE.to_owned(), cell)),
        ("Roles", roles),
        ("Flags", if flags.is_empty() { NONE.to_owned() } else { flags.join(", ") }),
        (
            "Reopened",
            if inc.reopened == 0 { "never".to_owned() } else { plural(inc.reopened, "time", "times") },
        ),
        ("Activity", activity),
    ];
    for (k, v) in rows {
        row(out, &[k, &v]);
    }
    out.push('\n');
}

fn times(out: &mut String, inc: &Incident, tz: Tz) {
    let _ = writeln!(out, "## Times\n\nUTC, with the local time ({tz}) in brackets.\n");
    header(out, &["Milestone", "Time"]);
    let list = [
        ("Impact started", inc.impact_started_at),
        ("Detected", Some(inc.detected_at)),
        ("Reported", inc.reported_at),
        ("Opened (registered)", Some(inc.opened_at)),
        ("Acknowledged", inc.acknowledged_at),
        ("Contained", inc.contained_at),
        ("Resolved", inc.resolved_at),
        ("Recovered (service restored)", inc.recovered_at),
        ("Closed", inc.closed_at),
    ];
    for (name, t) in list {
        row(out, &[name, &t.map_or_else(|| NONE.to_owned(), |t| both(t, tz))]);
    }
    out.push('\n');

    out.push_str("## Response times\n\n");
    header(out, &["KPI", "From -> to", "Duration"]);
    for m in Measure::ALL {
        row(
            out,
            &[measure_name(m), m.definition(), &m.of(inc).map_or_else(|| NONE.to_owned(), human_duration)],
        );
    }
    out.push('\n');
}

fn analysis(out: &mut String, inc: &Incident) {
    out.push_str("## Resolution\n\n");
    match &inc.resolution_summary {
        Some(s) => quote(out, s),
        None => out.push_str("Not resolved.\n\n"),
    }
    out.push_str("## Root cause\n\n");
    match &inc.root_cause {
        None => out.push_str("No root cause recorded.\n\n"),
        Some(rc) => {
            out.push_str("Root cause:\n\n");
            quote(out, &rc.root_cause);
            if let Some(t) = &rc.trigger {
                out.push_str("Trigger:\n\n");
                quote(out, t);
            }
            if !rc.contributing_factors.is_empty() {
                out.push_str("Contributing factors:\n\n");
                for f in &rc.contributing_factors {
                    item(out, f);
                }
                out.push('\n');
            }
        }
    }
    out.push_str("## Review\n\n");
    match &inc.review {
        None => out.push_str("No review recorded.\n\n"),
        Some(r) => {
            for (title, list) in [
                ("What went well", &r.went_well),
                ("What went wrong", &r.went_wrong),
                ("Where we got lucky", &r.got_lucky),
                ("Lessons learned", &r.lessons),
            ] {
                let _ = writeln!(out, "### {title}\n");
                if list.is_empty() {
                    let _ = writeln!(out, "{NONE}");
                }
                for x in list {
                    item(out, x);
                }
                out.push('\n');
            }
        }
    }
}

fn follow_up(out: &mut String, inc: &Incident) {
    out.push_str("## Action items\n\n");
    if inc.action_items.is_empty() {
        out.push_str("None.\n\n");
    } else {
        header(out, &["#", "Item", "Owner", "Due", "Done"]);
        for a in &inc.action_items {
            row(
                out,
                &[
                    &a.item.to_string(),
                    &cell(&a.text),
                    &cell(&a.owner),
                    &a.due.to_string(),
                    if a.done { "yes" } else { "no" },
                ],
            );
        }
        out.push('\n');
    }
    out.push_str("## Escalations\n\n");
    if inc.escalations.is_empty() {
        out.push_str("None.\n\n");
    } else {
        header(out, &["When (UTC)", "To", "By", "Why"]);
        for e in &inc.escalations {
            row(out, &[&utc(e.at), &cell(&e.to), &cell(&e.by), &cell(&e.reason)]);
        }
        out.push('\n');
    }
}

fn timeline(out: &mut String, events: &[Event]) {
    out.push_str("## Timeline\n\nEvery event as recorded, in order; times in UTC.\n\n");
    header(out, &["#", "Time (UTC)", "Actor", "Source", "What"]);
    for ev in events {
        let mut when = ev.occurred_at.format("%Y-%m-%d %H:%M:%S").to_string();
        // A time noted afterwards is honest only if the report shows when it was written down.
        if ev.recorded_at != ev.occurred_at {
            let _ = write!(when, " (recorded {})", ev.recorded_at.format("%Y-%m-%d %H:%M:%S"));
        }
        row(
            out,
            &[&ev.seq.to_string(), &when, &cell(&ev.actor), ev.source.as_str(), &cell(&ev.kind.describe())],
        );
    }
    out.push('\n');
}

/// The Markdown incident report.
#[must_use]
pub(crate) fn markdown(
    inc: &Incident,
    timeline_events: &[Event],
    chain_head: &str,
    tz: Tz,
    generated_at: DateTime<Utc>,
) -> String {
    let mut out = String::new();
    let title = sanitize(&inc.title).split_whitespace().collect::<Vec<_>>().join(" ");
    let _ = writeln!(out, "# {}: {title}\n", inc.id);
    let _ = writeln!(out, "Incident report generated by piket on {}.\n", both(generated_at, tz));
    if let Some(d) = &inc.description {
        out.push_str("Description:\n\n");
        quote(&mut out, d);
    }
    fields(&mut out, inc);
    times(&mut out, inc, tz);
    analysis(&mut out, inc);
    follow_up(&mut out, inc);
    timeline(&mut out, timeline_events);
    out.push_str("## Integrity\n\n");
    let _ = writeln!(out, "Chain head: `{}`\n", cell(chain_head));
    out.push_str(
        "To check that this record was not altered, run `piket verify` on the database it came from: \
         it recomputes the hash chain over every stored event, fails on any changed byte, and \
         reports this head if nothing was added since.\n",
    );
    out
}

/// RFC 3339 in UTC to the second, the same form the serialised incident uses.
fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The payload of an event kind without its tag: `EventKind` is externally tagged
/// (`{"resolved": {...}}`, or just `"acknowledged"`), and the tag is already `kind`.
fn payload(ev: &Event) -> Value {
    match serde_json::to_value(&ev.kind) {
        Ok(Value::Object(map)) if map.len() == 1 => map.into_iter().next().map_or(Value::Null, |(_, v)| v),
        Ok(Value::String(_)) => Value::Null,
        Ok(other) => other,
        Err(e) => j!({ "error": e.to_string() }),
    }
}

/// One event as a flat JSON object, the shape `piket timeline --json` prints.
///
/// Text is left as recorded (not sanitised): JSON consumers are programs, and escaping is the
/// serialiser's job; a tool that prints it to a terminal must sanitise as the TUI does.
#[must_use]
pub(crate) fn event_json(ev: &Event) -> Value {
    j!({
        "incident": ev.incident.to_string(),
        "seq": ev.seq,
        "occurred_at": rfc3339(ev.occurred_at),
        "recorded_at": rfc3339(ev.recorded_at),
        "actor": ev.actor,
        "source": ev.source.as_str(),
        "kind": ev.kind.name(),
        "summary": ev.kind.describe(),
        "data": payload(ev),
    })
}

/// The JSON export: the incident summary, its timeline as flat events, and the chain head.
#[must_use]
pub(crate) fn json(inc: &Incident, timeline_events: &[Event], chain_head: &str) -> Value {
    j!({
        "incident": serde_json::to_value(inc).unwrap_or_else(|e| j!({ "error": e.to_string() })),
        "timeline": timeline_events.iter().map(event_json).collect::<Vec<_>>(),
        "chain_head": chain_head,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate, TimeZone};

    use super::*;
    use crate::domain::kpi::sim::{Sim, new_incident};
    use crate::domain::{
        Command, FieldChanges, Flag, IncidentId, Milestone, Priority, Review, Role, Severity,
    };
    use crate::domain::{Impact, Urgency};

    const HEAD: &str = "4f1c2b9e0a7d3c5e8b6a1f0d2c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c";

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 18, 13, 2, 0).unwrap()
    }

    fn m(n: i64) -> Duration {
        Duration::minutes(n)
    }

    /// An incident that went through all eight steps, with a reopen, a handover, an override,
    /// and text that tries to break the table and the terminal.
    fn full() -> (Sim, IncidentId) {
        let mut sim = Sim::default();
        let mut n = new_incident(
            "Checkout returns 502 for card payments",
            Impact::Medium,
            Urgency::High,
            Severity::SEV2,
        );
        n.description = Some("Customers see \"payment failed\".\n# not a heading".into());
        n.reported_by = Some("customer support".into());
        n.channel = Some("manual".into());
        n.services = vec!["checkout".into(), "payments".into()];
        n.category = Some("outage".into());
        n.detected_at = Some(t0() - m(2));
        n.reported_at = Some(t0() - m(1));
        let id = sim.register("alice", t0(), n);
        let at = |mins: i64| t0() + m(mins);
        let steps: Vec<(i64, &str, Command)> = vec![
            (
                1,
                "alice",
                Command::Update {
                    id,
                    changes: FieldChanges { severity: Some(Severity::SEV1), ..FieldChanges::default() },
                },
            ),
            (2, "bob", Command::Acknowledge { id }),
            (2, "bob", Command::AssignRole { id, role: Role::Commander, person: None }),
            (3, "bob", Command::AssignRole { id, role: Role::Scribe, person: Some("carol".into()) }),
            (
                4,
                "bob",
                Command::OverridePriority {
                    id,
                    priority: Priority::P1,
                    reason: "Black Friday | peak traffic".into(),
                },
            ),
            (
                5,
                "bob",
                Command::RecordTime {
                    id,
                    milestone: Milestone::ImpactStarted,
                    at: at(-20),
                    reason: Some("first 502 in the LB log".into()),
                },
            ),
            (
                6,
                "carol",
                Command::Finding {
                    id,
                    text: "payments-api pods OOMKilled \u{1b}]52;c;ZXZpbA==\u{7}since 12:40".into(),
                },
            ),
            (8, "bob", Command::Contain { id, action: "scaled payments-api to 12 replicas".into() }),
            (
                9,
                "erin",
                Command::StatusUpdate {
                    id,
                    audience: "stakeholders".into(),
                    text: "Card payments failing; mitigated, fix in progress.".into(),
                },
            ),
            (
                12,
                "bob",
                Command::Escalate {
                    id,
                    to: "payments team lead".into(),
                    reason: "needs a rollback decision".into(),
                },
            ),
            (15, "carol", Command::Note { id, text: "kubectl logs | grep OOM\nshows 212 kills".into() }),
            (20, "bob", Command::AssignRole { id, role: Role::Commander, person: Some("dave".into()) }),
            (
                31,
                "dave",
                Command::SetRootCause {
                    id,
                    root_cause: "memory leak in the 3DS client after v4.12".into(),
                    trigger: Some("deploy of payments-api v4.12".into()),
                    contributing_factors: vec![
                        "no memory alert on payments-api".into(),
                        "canary too short".into(),
                    ],
                },
            ),
            (
                38,
                "dave",
                Command::Resolve {
                    id,
                    summary: "Rolled back payments-api to v4.11.".into(),
                    recovered_at: Some(at(35)),
                },
            ),
            (50, "erin", Command::Reopen { id, reason: "502s again on the EU cluster".into() }),
            (
                58,
                "dave",
                Command::Resolve {
                    id,
                    summary: "Rolled back payments-api to v4.11 on both clusters.".into(),
                    recovered_at: Some(at(55)),
                },
            ),
            (
                24 * 60,
                "dave",
                Command::RecordReview {
                    id,
                    review: Review {
                        went_well: vec!["failover runbook worked".into()],
                        went_wrong: vec!["rollback covered one cluster only".into()],
                        got_lucky: vec!["it happened outside peak hours".into()],
                        lessons: vec!["roll back per cluster, verify each".into()],
                    },
                },
            ),
            (
                24 * 60 + 5,
                "dave",
                Command::AddActionItem {
                    id,
                    text: "Alert on payments-api memory".into(),
                    owner: "carol".into(),
                    due: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
                },
            ),
            (
                24 * 60 + 6,
                "dave",
                Command::AddActionItem {
                    id,
                    text: "Canary for 30 min".into(),
                    owner: "bob".into(),
                    due: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
                },
            ),
            (24 * 60 + 7, "carol", Command::CompleteActionItem { id, item: 1 }),
            (24 * 60 + 10, "dave", Command::Close { id }),
        ];
        for (mins, actor, cmd) in steps {
            sim.run(actor, at(mins), &cmd);
        }
        (sim, id)
    }

    fn minimal() -> (Sim, IncidentId) {
        let mut sim = Sim::default();
        let mut n = new_incident("Search results slow", Impact::Medium, Urgency::Low, Severity::SEV4);
        n.services = vec!["search".into()];
        let id = sim.register("erin", t0(), n);
        (sim, id)
    }

    #[test]
    fn markdown_of_a_full_incident() {
        let (sim, id) = full();
        let md = markdown(
            sim.get(id),
            sim.timeline(id),
            HEAD,
            chrono_tz::Europe::Amsterdam,
            t0() + Duration::days(2),
        );
        assert!(!md.contains('\u{1b}') && !md.contains('\u{7}'));
        assert!(md.contains("Black Friday \\| peak traffic"));
        insta::assert_snapshot!(md);
    }

    #[test]
    fn markdown_of_a_just_registered_incident() {
        let (sim, id) = minimal();
        let md = markdown(sim.get(id), sim.timeline(id), HEAD, chrono_tz::Europe::Amsterdam, t0() + m(1));
        insta::assert_snapshot!(md);
    }

    #[test]
    fn table_cells_cannot_break_out() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("a\\|b"), "a\\\\\\|b");
        assert_eq!(cell("one\ntwo"), "one<br>two");
        assert_eq!(cell("x\u{1b}[2Jy"), "xy");
        assert_eq!(cell("  "), NONE);
    }

    #[test]
    fn event_json_is_flat_and_carries_the_payload() {
        let (sim, id) = full();
        let tl = sim.timeline(id);
        let reg = event_json(&tl[0]);
        assert_eq!(reg["incident"], "INC-1");
        assert_eq!(reg["seq"], 1);
        assert_eq!(reg["occurred_at"], "2026-11-18T13:02:00Z");
        assert_eq!(reg["actor"], "alice");
        assert_eq!(reg["source"], "cli");
        assert_eq!(reg["kind"], "registered");
        assert_eq!(reg["data"]["title"], "Checkout returns 502 for card payments");
        assert_eq!(reg["data"]["detected_at"], "2026-11-18T13:00:00Z");
        assert!(reg["summary"].as_str().unwrap().starts_with("registered \"Checkout"));

        let ack = tl.iter().find(|e| e.kind.name() == "acknowledged").unwrap();
        assert_eq!(event_json(ack)["data"], Value::Null);
        let resolved = tl.iter().find(|e| e.kind.name() == "resolved").unwrap();
        let v = event_json(resolved);
        assert_eq!(v["data"]["recovered_at"], "2026-11-18T13:37:00Z");
        assert_eq!(v["data"]["summary"], "Rolled back payments-api to v4.11.");
    }

    #[test]
    fn json_export_holds_incident_timeline_and_head() {
        let (mut sim, id) = full();
        let v = json(sim.get(id), sim.timeline(id), HEAD);
        assert_eq!(v["chain_head"], HEAD);
        assert_eq!(v["incident"]["id"], "INC-1");
        assert_eq!(v["incident"]["status"], "closed");
        assert_eq!(v["incident"]["roles"]["commander"], "dave");
        assert_eq!(v["timeline"].as_array().unwrap().len(), sim.timeline(id).len());
        let back: Incident = serde_json::from_value(v["incident"].clone()).unwrap();
        assert_eq!(&back, sim.get(id));
        sim.run("bob", t0() + Duration::days(3), &Command::SetFlag { id, flag: Flag::Drill, value: true });
        assert_eq!(json(sim.get(id), sim.timeline(id), HEAD)["incident"]["drill"], true);
    }
}
