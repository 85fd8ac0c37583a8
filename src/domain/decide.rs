//! The rules: given an incident and a command, the events to append or a refusal that says why.
//!
//! Pure: the engine passes the actor, the time and the policy in. Every refusal names what is
//! wrong and, where the lifecycle is the reason, the steps that are possible instead.

use chrono::{DateTime, Duration, Utc};

use super::command::{Command, FieldChanges, NewIncident, RotaCommand};
use super::escalation::{self, At, Progress};
use super::event::{EventKind, Registration};
use super::incident::Incident;
use super::lifecycle::Status;
use super::policy::{ClosingRules, Policy};
use super::refusal::{Input, Refusal, Step};
use super::rota::Rota;
use super::schedule::Override;

use super::text::{MAX_TEXT_BYTES, MAX_TITLE_CHARS};
/// Clock skew tolerated for times given by people or peers.
const FUTURE_SLACK_MINUTES: i64 = 5;

/// What the engine knows about the request besides the command.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub actor: &'a str,
    pub now: DateTime<Utc>,
    pub policy: &'a Policy,
    /// What paging by hand is decided on besides the rota (`policy.rota`); only the engine
    /// holds it, so `None` everywhere else refuses [`Command::Page`].
    pub paging: Option<Paging<'a>>,
}

/// The incident's escalation so far and the overrides in force, for [`Command::Page`].
#[derive(Debug, Clone, Copy)]
pub struct Paging<'a> {
    pub progress: &'a Progress,
    pub overrides: &'a [Override],
}

/// What a rota change is decided on besides the command.
#[derive(Debug, Clone, Copy)]
pub struct RotaContext<'a> {
    pub rota: &'a Rota,
    /// The overrides not removed.
    pub active: &'a [Override],
    /// The id a new override gets.
    pub next_id: u32,
    pub now: DateTime<Utc>,
}

type Decision = Result<Vec<EventKind>, Refusal>;

fn required(what: &str, text: &str) -> Result<String, Refusal> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Refusal::input(format!("{what} is empty: write what happened")));
    }
    if t.len() > MAX_TEXT_BYTES {
        return Err(Refusal::input(format!(
            "{what} is {} bytes; the limit is {MAX_TEXT_BYTES}: attach long material elsewhere and link it",
            t.len()
        )));
    }
    Ok(t.to_owned())
}

fn title(text: &str) -> Result<String, Refusal> {
    let t = required("the title", text)?;
    let n = t.chars().count();
    if n > MAX_TITLE_CHARS {
        return Err(Refusal::input(format!(
            "the title is {n} characters; the limit is {MAX_TITLE_CHARS}: put the detail in the description"
        )));
    }
    Ok(t)
}

fn not_future(what: &str, t: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Refusal> {
    if t > now + Duration::minutes(FUTURE_SLACK_MINUTES) {
        return Err(Refusal::input(format!(
            "{what} {} is in the future (now is {}): give a time that has passed",
            t.format("%Y-%m-%d %H:%M:%SZ"),
            now.format("%Y-%m-%d %H:%M:%SZ")
        )));
    }
    Ok(())
}

fn known(what: &str, value: &str, allowed: &[String]) -> Result<(), Refusal> {
    if allowed.is_empty() || allowed.iter().any(|a| a == value) {
        Ok(())
    } else {
        Err(Refusal::input(format!(
            "'{value}' is not a known {what}: use one of {} (or add it to config.toml)",
            allowed.join(", ")
        )))
    }
}

fn services(list: &[String], policy: &Policy) -> Result<Vec<String>, Refusal> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for s in list {
        let s = s.trim();
        if s.is_empty() {
            return Err(Refusal::input("a service name is empty"));
        }
        known("service", s, &policy.services)?;
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    Ok(out)
}

fn category(c: Option<&String>, policy: &Policy) -> Result<Option<String>, Refusal> {
    match c.map(|c| c.trim()) {
        None | Some("") => Ok(None),
        Some(c) => {
            known("category", c, &policy.categories)?;
            Ok(Some(c.to_owned()))
        }
    }
}

fn register(n: &NewIncident, ctx: Context<'_>, default_channel: &str) -> Decision {
    let title = title(&n.title)?;
    let detected_at = n.detected_at.unwrap_or(ctx.now);
    not_future("the detection time", detected_at, ctx.now)?;
    if let Some(t) = n.impact_started_at {
        not_future("the impact start", t, ctx.now)?;
        if t > detected_at {
            return Err(Refusal::check(
                "the impact cannot start after it was detected",
                &[Input::ImpactStarted, Input::DetectedAt],
            ));
        }
    }
    if let Some(t) = n.reported_at {
        not_future("the report time", t, ctx.now)?;
    }
    let description = match n.description.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(required("the description", d)?),
    };
    Ok(vec![EventKind::Registered(Registration {
        title,
        description,
        reported_by: n.reported_by.as_ref().map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()),
        channel: n
            .channel
            .as_ref()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| default_channel.to_owned()),
        services: services(&n.services, ctx.policy)?,
        impact: n.impact,
        urgency: n.urgency,
        priority: ctx.policy.matrix.derive(n.impact, n.urgency),
        severity: n.severity,
        category: category(n.category.as_ref(), ctx.policy)?,
        detected_at,
        impact_started_at: n.impact_started_at,
        reported_at: n.reported_at,
        drill: n.drill,
    })])
}

fn update(inc: &Incident, c: &FieldChanges, policy: &Policy) -> Decision {
    let mut out = Vec::new();
    if let Some(t) = &c.title {
        let t = title(t)?;
        if t != inc.title {
            out.push(EventKind::TitleChanged { from: inc.title.clone(), to: t });
        }
    }
    let mut impact = inc.impact;
    let mut urgency = inc.urgency;
    // While a manual override is in force, impact and urgency changes are recorded but the
    // priority stays where a person put it, with their reason.
    let derive = |i, u| {
        if inc.priority_override.is_some() { inc.priority } else { policy.matrix.derive(i, u) }
    };
    if let Some(i) = c.impact.filter(|i| *i != inc.impact) {
        impact = i;
        out.push(EventKind::ImpactChanged { from: inc.impact, to: i, priority: derive(impact, urgency) });
    }
    if let Some(u) = c.urgency.filter(|u| *u != inc.urgency) {
        urgency = u;
        out.push(EventKind::UrgencyChanged { from: inc.urgency, to: u, priority: derive(impact, urgency) });
    }
    if let Some(s) = c.severity.filter(|s| *s != inc.severity) {
        out.push(EventKind::SeverityChanged { from: inc.severity, to: s });
    }
    if let Some(cat) = &c.category {
        let cat = category(cat.as_ref(), policy)?;
        if cat != inc.category {
            out.push(EventKind::CategoryChanged { from: inc.category.clone(), to: cat });
        }
    }
    if let Some(s) = &c.services {
        let s = services(s, policy)?;
        if s != inc.services {
            out.push(EventKind::ServicesChanged { from: inc.services.clone(), to: s });
        }
    }
    if out.is_empty() {
        return Err(Refusal::input(format!("nothing to change: {} already has these values", inc.id)));
    }
    Ok(out)
}

/// What closing still needs, in words; empty when the incident may be closed.
#[must_use]
pub fn missing_for_close(inc: &Incident, rules: &ClosingRules) -> Vec<String> {
    let mut missing = Vec::new();
    if rules.require_resolution_summary
        && inc.resolution_summary.as_deref().is_none_or(|s| s.trim().is_empty())
    {
        missing.push("a resolution summary".to_owned());
    }
    if rules.require_root_cause && inc.root_cause.is_none() {
        missing.push("a root cause".to_owned());
    }
    if review_missing(inc, rules) {
        missing.push(format!(
            "a review with at least {} lesson{} learned ({} {} requires one)",
            rules.min_lessons,
            if rules.min_lessons == 1 { "" } else { "s" },
            inc.severity,
            inc.priority
        ));
    }
    if rules.require_action_items_done {
        for a in inc.action_items.iter().filter(|a| !a.done) {
            missing.push(format!("action item #{} ({}) is not done", a.item, a.owner));
        }
    }
    missing
}

fn review_missing(inc: &Incident, rules: &ClosingRules) -> bool {
    let lessons = inc.review.as_ref().map_or(0, |r| r.lessons.len());
    let need = usize::try_from(rules.min_lessons).unwrap_or(usize::MAX);
    rules.review_required(inc) && (inc.review.is_none() || lessons < need)
}

/// The steps a close refusal offers: only those still missing (a recorded root cause is not
/// asked for again).
fn steps_for_close(inc: &Incident, rules: &ClosingRules) -> Vec<Step> {
    let mut next = Vec::new();
    if rules.require_root_cause && inc.root_cause.is_none() {
        next.push(Step::RootCause);
    }
    if review_missing(inc, rules) {
        next.push(Step::Review);
    }
    if rules.require_action_items_done && inc.action_items.iter().any(|a| !a.done) {
        next.push(Step::ActionItems);
    }
    next
}

fn refuse_in(inc: &Incident, what: &str) -> Refusal {
    let why = match inc.status {
        Status::Resolved => "reopen it first".to_owned(),
        Status::Closed => "a closed incident is final; register a new one that refers to it".to_owned(),
        other => format!("that is not possible while it is {other}"),
    };
    Refusal::state(
        format!("{} is {}: cannot {what}; {why}", inc.id, inc.status, what = what),
        Step::from_status(inc.status),
    )
}

/// Decide what a command does to an incident (`None` only for a registration).
///
/// # Errors
/// A [`Refusal`] that says what is wrong; nothing is to be written.
#[expect(clippy::too_many_lines, reason = "one match arm per command reads best as one table")]
pub fn decide(
    current: Option<&Incident>,
    cmd: &Command,
    ctx: Context<'_>,
    default_channel: &str,
) -> Decision {
    let inc = match (cmd, current) {
        (Command::Register(n), _) => return register(n, ctx, default_channel),
        (_, Some(inc)) => inc,
        (_, None) => {
            let id = cmd.incident().map_or_else(String::new, |i| i.to_string());
            return Err(Refusal::input(format!("{id} does not exist")));
        }
    };
    let open = inc.status.is_open();
    let closed = inc.status == Status::Closed;
    match cmd {
        Command::Register(_) => unreachable_register(),
        Command::Update { changes, .. } => {
            if closed {
                return Err(refuse_in(inc, "change its fields"));
            }
            update(inc, changes, ctx.policy)
        }
        Command::OverridePriority { priority, reason, .. } => {
            if closed {
                return Err(refuse_in(inc, "change its priority"));
            }
            let reason = required("the reason for a manual priority", reason)?;
            if *priority == inc.priority && inc.priority_override.is_some() {
                return Err(Refusal::input(format!("{} is already {priority} by hand", inc.id)));
            }
            Ok(vec![EventKind::PriorityOverridden { from: inc.priority, to: *priority, reason }])
        }
        Command::ClearPriorityOverride { .. } => {
            if inc.priority_override.is_none() {
                return Err(Refusal::input(format!("{} has no manual priority to clear", inc.id)));
            }
            if closed {
                return Err(refuse_in(inc, "change its priority"));
            }
            let to = ctx.policy.matrix.derive(inc.impact, inc.urgency);
            Ok(vec![EventKind::PriorityOverrideCleared { from: inc.priority, to }])
        }
        Command::RecordTime { milestone, at, reason, .. } => {
            if closed {
                return Err(refuse_in(inc, "change its times"));
            }
            not_future(&format!("the {} time", milestone.as_str()), *at, ctx.now)?;
            let from = match milestone {
                super::event::Milestone::ImpactStarted => inc.impact_started_at,
                super::event::Milestone::Detected => Some(inc.detected_at),
                super::event::Milestone::Reported => inc.reported_at,
            };
            Ok(vec![EventKind::TimeRecorded {
                milestone: *milestone,
                from,
                to: *at,
                reason: reason.as_ref().map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()),
            }])
        }
        Command::SetFlag { flag, value, .. } => {
            let current = match flag {
                super::event::Flag::Drill => inc.drill,
                super::event::Flag::NearMiss => inc.near_miss,
            };
            if current == *value {
                return Err(Refusal::input(format!(
                    "{} is already {}{}",
                    inc.id,
                    if *value { "" } else { "not " },
                    flag.as_str()
                )));
            }
            Ok(vec![EventKind::FlagChanged { flag: *flag, value: *value }])
        }
        Command::Acknowledge { .. } => match inc.status {
            Status::Triggered => Ok(vec![EventKind::Acknowledged]),
            Status::Acknowledged | Status::Contained => Err(Refusal::state(
                format!(
                    "{} is already acknowledged by {}",
                    inc.id,
                    inc.acknowledged_by.as_deref().unwrap_or("someone")
                ),
                Step::from_status(inc.status),
            )),
            _ => Err(refuse_in(inc, "acknowledge it")),
        },
        Command::AssignRole { role, person, .. } => {
            if closed {
                return Err(refuse_in(inc, "assign roles"));
            }
            let person = match person.as_deref().map(str::trim) {
                None | Some("") => ctx.actor.to_owned(),
                Some(p) => p.to_owned(),
            };
            let previous = inc.roles.get(role).cloned();
            if previous.as_deref() == Some(person.as_str()) {
                return Err(Refusal::input(format!("{person} is already {role} of {}", inc.id)));
            }
            Ok(vec![EventKind::RoleAssigned { role: *role, person, previous }])
        }
        Command::ReleaseRole { role, .. } => match inc.roles.get(role) {
            Some(person) => Ok(vec![EventKind::RoleReleased { role: *role, person: person.clone() }]),
            None => Err(Refusal::input(format!("nobody is {role} of {}", inc.id))),
        },
        Command::Contain { action, .. } => {
            let action = required("the containment action", action)?;
            match inc.status {
                Status::Triggered => Ok(vec![EventKind::Acknowledged, EventKind::Contained { action }]),
                Status::Acknowledged | Status::Contained => Ok(vec![EventKind::Contained { action }]),
                _ => Err(refuse_in(inc, "record containment")),
            }
        }
        Command::Note { text, .. } => Ok(vec![EventKind::Note { text: required("the note", text)? }]),
        Command::Finding { text, .. } => {
            if closed {
                return Err(refuse_in(inc, "add findings"));
            }
            Ok(vec![EventKind::Finding { text: required("the finding", text)? }])
        }
        Command::SetRootCause { root_cause, trigger, contributing_factors, .. } => {
            if closed {
                return Err(refuse_in(inc, "change the root cause"));
            }
            let root_cause = required("the root cause", root_cause)?;
            let trigger = trigger.as_ref().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
            let contributing_factors =
                contributing_factors.iter().map(|f| f.trim().to_owned()).filter(|f| !f.is_empty()).collect();
            Ok(vec![EventKind::RootCauseRecorded { root_cause, trigger, contributing_factors }])
        }
        Command::Resolve { summary, recovered_at, .. } => {
            if !open {
                return Err(if inc.status == Status::Resolved {
                    Refusal::state(format!("{} is already resolved", inc.id), Step::from_status(inc.status))
                } else {
                    refuse_in(inc, "resolve it")
                });
            }
            let summary = required("the resolution summary", summary)?;
            let recovered_at = recovered_at.unwrap_or(ctx.now);
            not_future("the recovery time", recovered_at, ctx.now)?;
            Ok(vec![EventKind::Resolved { summary, recovered_at }])
        }
        Command::Reopen { reason, .. } => {
            if inc.status != Status::Resolved {
                return Err(Refusal::state(
                    format!(
                        "{} is {}: only a resolved incident can be reopened{}",
                        inc.id,
                        inc.status,
                        if closed { "; a closed one is final, register a new one" } else { "" }
                    ),
                    Step::from_status(inc.status),
                ));
            }
            Ok(vec![EventKind::Reopened { reason: required("the reason to reopen", reason)? }])
        }
        Command::StatusUpdate { audience, text, .. } => {
            if closed {
                return Err(refuse_in(inc, "post status updates"));
            }
            Ok(vec![EventKind::StatusUpdate {
                audience: required("the audience", audience)?,
                text: required("the status update", text)?,
            }])
        }
        Command::Escalate { to, reason, .. } => {
            if !open {
                return Err(refuse_in(inc, "escalate it"));
            }
            Ok(vec![EventKind::Escalated {
                to: required("who to escalate to", to)?,
                reason: required("the reason to escalate", reason)?,
            }])
        }
        Command::RecordReview { review, .. } => {
            if inc.status != Status::Resolved {
                return Err(Refusal::state(
                    format!("{} is {}: the review is held after it is resolved", inc.id, inc.status),
                    Step::from_status(inc.status),
                ));
            }
            let clean = |v: &[String]| -> Vec<String> {
                v.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
            };
            let review = super::event::Review {
                went_well: clean(&review.went_well),
                went_wrong: clean(&review.went_wrong),
                got_lucky: clean(&review.got_lucky),
                lessons: clean(&review.lessons),
            };
            if review.is_empty() {
                return Err(Refusal::input(
                    "the review is empty: record what went well, what went wrong, where you got lucky, or a lesson",
                ));
            }
            Ok(vec![EventKind::ReviewRecorded(review)])
        }
        Command::AddActionItem { text, owner, due, .. } => {
            let item = inc.action_items.iter().map(|a| a.item).max().unwrap_or(0) + 1;
            Ok(vec![EventKind::ActionItemAdded {
                item,
                text: required("the action item", text)?,
                owner: required("the owner", owner)?,
                due: *due,
            }])
        }
        Command::CompleteActionItem { item, .. } => match inc.action_items.iter().find(|a| a.item == *item) {
            None => Err(Refusal::input(format!("{} has no action item #{item}", inc.id))),
            Some(a) if a.done => {
                Err(Refusal::input(format!("action item #{item} of {} is already done", inc.id)))
            }
            Some(_) => Ok(vec![EventKind::ActionItemCompleted { item: *item }]),
        },
        Command::Close { .. } => {
            if inc.status != Status::Resolved {
                return Err(Refusal::state(
                    format!("{} is {}: resolve it before closing", inc.id, inc.status),
                    Step::from_status(inc.status),
                ));
            }
            let missing = missing_for_close(inc, &ctx.policy.closing);
            if !missing.is_empty() {
                return Err(Refusal::state(
                    format!("{} cannot be closed yet; missing: {}", inc.id, missing.join("; ")),
                    steps_for_close(inc, &ctx.policy.closing),
                ));
            }
            Ok(vec![EventKind::Closed])
        }
        Command::Correct { seq, text, .. } => {
            if *seq == 0 || *seq > inc.last_seq {
                return Err(Refusal::input(format!(
                    "{} has no event #{seq}: its timeline has events #1 to #{}",
                    inc.id, inc.last_seq
                )));
            }
            Ok(vec![EventKind::Correction { corrects: *seq, text: required("the correction", text)? }])
        }
        Command::Page { level, reason, .. } => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(Refusal::check("say why you page", &[Input::PageReason]));
            }
            let Some(paging) = ctx.paging else {
                return Err(Refusal::input(
                    "paging is decided with the incident's escalation, which only the engine holds",
                ));
            };
            let at = At { rota: &ctx.policy.rota, overrides: paging.overrides, now: ctx.now };
            escalation::by_hand(inc, paging.progress, *level, reason, at)
        }
    }
}

/// Decide a rota change against the rota and the overrides in force; returns the event.
///
/// # Errors
/// Unknown schedule or person, an empty or inverted window, a window already over, an
/// override that does not exist or was removed.
pub fn decide_rota(cmd: &RotaCommand, ctx: RotaContext<'_>) -> Decision {
    let RotaContext { rota, active, next_id, now } = ctx;
    match cmd {
        RotaCommand::AddOverride { schedule, person, covers, start, end, reason } => {
            let sched = rota.schedules.get(schedule).ok_or_else(|| {
                Refusal::state(
                    format!("there is no schedule '{schedule}': {}", names_of(rota.schedules.keys())),
                    vec![Step::ShowSchedules],
                )
            })?;
            for who in std::iter::once(person).chain(covers) {
                if !rota.people.contains_key(who) {
                    return Err(Refusal::input(format!(
                        "'{who}' is not in [people]: {}",
                        names_of(rota.people.keys())
                    )));
                }
            }
            if covers.as_ref() == Some(person) {
                return Err(Refusal::input(format!("{person} cannot cover for themselves")));
            }
            if let Some(c) = covers
                && !sched.rotations.iter().any(|r| r.members.contains(c))
            {
                return Err(Refusal::input(format!("{c} is not a member of any rotation of {schedule}")));
            }
            if end <= start {
                return Err(Refusal::check(
                    "the override ends before it starts",
                    &[Input::OverrideFrom, Input::OverrideUntil],
                ));
            }
            if *end <= now {
                return Err(Refusal::input(
                    "the override is over already: the rota of the past is the record and is not rewritten",
                ));
            }
            if *end - *start > super::schedule::MAX_COVERAGE {
                return Err(Refusal::input(
                    "an override may last a year at most: change the rotation instead",
                ));
            }
            let reason = reason.as_ref().map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
            Ok(vec![EventKind::OverrideAdded(super::schedule::Override {
                id: next_id,
                schedule: schedule.clone(),
                person: person.clone(),
                covers: covers.clone(),
                start: *start,
                end: *end,
                reason,
            })])
        }
        RotaCommand::RemoveOverride { id, reason } => {
            if !active.iter().any(|o| o.id == *id) {
                return Err(Refusal::state(
                    format!("there is no override #{id} in force"),
                    vec![Step::ListOverrides],
                ));
            }
            let reason = reason.as_ref().map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
            Ok(vec![EventKind::OverrideRemoved { id: *id, reason }])
        }
    }
}

fn names_of<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = names.map(String::as_str).collect();
    if v.is_empty() { "none are configured".to_owned() } else { format!("known: {}", v.join(", ")) }
}

/// `decide` returns early for registrations; this arm exists only to keep the match total.
fn unreachable_register() -> Decision {
    Err(Refusal::input("a registration cannot target an existing incident"))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::event::{Review, Source};
    use crate::domain::ids::IncidentId;
    use crate::domain::priority::{Impact, Priority, Severity, Urgency};
    use crate::domain::record::{Stamp, record};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
    }

    /// Run commands through `decide` and `record`, as the engine does, without a store.
    fn run(policy: &Policy, cmds: &[Command]) -> Result<Incident, Refusal> {
        let mut inc: Option<Incident> = None;
        let stamp = Stamp { actor: "alice", source: Source::Cli, now: now() };
        for cmd in cmds {
            let ctx = Context { actor: "alice", now: now(), policy, paging: None };
            let kinds = decide(inc.as_ref(), cmd, ctx, "cli")?;
            inc = Some(record(inc.as_ref(), kinds, &stamp, || IncidentId(1)).unwrap().summary);
        }
        Ok(inc.unwrap())
    }

    fn reg(impact: Impact, urgency: Urgency, severity: Severity) -> Command {
        Command::Register(NewIncident::new("Checkout API returns 502", impact, urgency, severity))
    }

    const ID: IncidentId = IncidentId(1);

    fn resolve() -> Command {
        Command::Resolve { id: ID, summary: "fixed".into(), recovered_at: None }
    }

    fn root_cause(text: &str) -> Command {
        Command::SetRootCause { id: ID, root_cause: text.into(), trigger: None, contributing_factors: vec![] }
    }

    #[test]
    fn a_manual_priority_survives_impact_changes_until_cleared() {
        let p = Policy::default();
        let mut cmds = vec![
            reg(Impact::Low, Urgency::Low, Severity::SEV4),
            Command::OverridePriority { id: ID, priority: Priority::P2, reason: "CEO demo at 3".into() },
            Command::Update {
                id: ID,
                changes: FieldChanges { impact: Some(Impact::Medium), ..FieldChanges::default() },
            },
        ];
        assert_eq!(run(&p, &cmds).unwrap().priority, Priority::P2);
        cmds.push(Command::ClearPriorityOverride { id: ID });
        let inc = run(&p, &cmds).unwrap();
        assert_eq!(inc.priority, Priority::P4, "medium impact x low urgency");
        assert_eq!(inc.priority_override, None);
    }

    #[test]
    fn closing_lists_everything_that_is_missing() {
        let p = Policy::default();
        let err = run(
            &p,
            &[reg(Impact::High, Urgency::High, Severity::SEV1), resolve(), Command::Close { id: ID }],
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "INC-1 cannot be closed yet; missing: a root cause; a review with at least 1 lesson learned (SEV1 P1 requires one)"
        );
        // A minor incident needs no review.
        let inc = run(
            &p,
            &[
                reg(Impact::Low, Urgency::Low, Severity::SEV4),
                resolve(),
                root_cause("typo"),
                Command::Close { id: ID },
            ],
        )
        .unwrap();
        assert_eq!(inc.status, Status::Closed);
    }

    #[test]
    fn a_review_without_lessons_does_not_satisfy_a_major_incident() {
        let p = Policy::default();
        let err = run(
            &p,
            &[
                reg(Impact::High, Urgency::High, Severity::SEV2),
                resolve(),
                root_cause("x"),
                Command::RecordReview {
                    id: ID,
                    review: Review { went_well: vec!["fast".into()], ..Review::default() },
                },
                Command::Close { id: ID },
            ],
        )
        .unwrap_err();
        assert!(err.message.contains("a review with at least 1 lesson"), "{}", err.message);
    }

    #[test]
    fn containment_of_a_triggered_incident_acknowledges_it_first() {
        let inc = run(
            &Policy::default(),
            &[
                reg(Impact::High, Urgency::High, Severity::SEV1),
                Command::Contain { id: ID, action: "failover".into() },
            ],
        )
        .unwrap();
        assert_eq!(inc.status, Status::Contained);
        assert_eq!(inc.acknowledged_by.as_deref(), Some("alice"));
        assert_eq!(inc.last_seq, 3);
    }

    #[test]
    fn reopening_returns_to_the_furthest_response_state() {
        let inc = run(
            &Policy::default(),
            &[
                reg(Impact::High, Urgency::High, Severity::SEV1),
                Command::Acknowledge { id: ID },
                resolve(),
                Command::Reopen { id: ID, reason: "back".into() },
            ],
        )
        .unwrap();
        assert_eq!(inc.status, Status::Acknowledged);
        assert_eq!(inc.resolved_at, None);
        assert_eq!(inc.reopened, 1);
    }

    #[test]
    fn times_in_the_future_and_unknown_services_are_refused() {
        let p = Policy { services: vec!["checkout".into(), "payments".into()], ..Policy::default() };
        let mut n = NewIncident {
            services: vec!["chekout".into()],
            ..NewIncident::new("x", Impact::Low, Urgency::Low, Severity::SEV4)
        };
        let err = run(&p, &[Command::Register(n.clone())]).unwrap_err();
        assert_eq!(
            err.message,
            "'chekout' is not a known service: use one of checkout, payments (or add it to config.toml)"
        );
        n.services = vec!["checkout".into()];
        n.detected_at = Some(now() + chrono::Duration::hours(1));
        let err = run(&p, &[Command::Register(n)]).unwrap_err();
        assert!(err.message.contains("is in the future"), "{}", err.message);
    }

    #[test]
    fn long_titles_are_refused_with_the_limit() {
        let mut cmd = reg(Impact::Low, Urgency::Low, Severity::SEV4);
        if let Command::Register(n) = &mut cmd {
            n.title = "x".repeat(MAX_TITLE_CHARS + 1);
        }
        let err = run(&Policy::default(), &[cmd]).unwrap_err();
        assert!(err.message.contains("the limit is 500"), "{}", err.message);
    }

    #[test]
    fn a_page_needs_a_reason_and_the_escalation_only_the_engine_gathers() {
        let p = Policy::default();
        let inc = run(&p, &[reg(Impact::High, Urgency::High, Severity::SEV1)]).unwrap();
        let ctx = Context { actor: "alice", now: now(), policy: &p, paging: None };
        let page = |reason: &str| Command::Page { id: ID, level: None, reason: reason.into() };
        let err = decide(Some(&inc), &page("  "), ctx, "cli").unwrap_err();
        assert_eq!(err.message, "say why you page");
        assert_eq!(err.next, vec![Step::Check(Input::PageReason)]);
        let err = decide(Some(&inc), &page("db down"), ctx, "cli").unwrap_err();
        assert!(err.message.contains("only the engine holds"), "{}", err.message);
        let progress = crate::domain::escalation::Progress::new(now());
        let ctx = Context { paging: Some(Paging { progress: &progress, overrides: &[] }), ..ctx };
        let err = decide(Some(&inc), &page("db down"), ctx, "cli").unwrap_err();
        assert!(err.message.contains("has no escalation policy"), "{}", err.message);
    }
}
