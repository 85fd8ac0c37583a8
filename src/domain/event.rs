//! Timeline events: the audit record.
//!
//! Every change to an incident is one of these, appended and never edited. The store encodes
//! them with postcard, whose enum tags are the variant's position: **append new variants at the
//! end of [`EventKind`] and never reorder or change existing ones**; a changed payload is a new
//! variant (or a new event version in `store/codec.rs`), so that older files stay readable.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::alert::{AlertRecord, MaintenanceWindow};
use super::ids::IncidentId;
use super::priority::{Impact, Priority, Severity, Urgency};
use super::schedule::Override;
use super::time::{ts, ts_opt};

/// Where an action came from. The actor says who; this says through what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Tui,
    Cli,
    Api,
    Alert,
    Timer,
}

impl Source {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Tui => "tui",
            Self::Cli => "cli",
            Self::Api => "api",
            Self::Alert => "alert",
            Self::Timer => "timer",
        }
    }
}

/// Incident roles (DOMAIN.md "Roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Coordinates; does not fix.
    Commander,
    Deputy,
    Scribe,
    /// Communications lead.
    Comms,
    /// Subject-matter expert.
    Sme,
}

impl Role {
    pub const ALL: [Self; 5] = [Self::Commander, Self::Deputy, Self::Scribe, Self::Comms, Self::Sme];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Commander => "commander",
            Self::Deputy => "deputy",
            Self::Scribe => "scribe",
            Self::Comms => "comms",
            Self::Sme => "sme",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "commander" | "ic" | "incident-commander" => Ok(Self::Commander),
            "deputy" => Ok(Self::Deputy),
            "scribe" => Ok(Self::Scribe),
            "comms" | "communications" => Ok(Self::Comms),
            "sme" | "expert" => Ok(Self::Sme),
            _ => Err(format!("'{s}' is not a role: use commander, deputy, scribe, comms or sme")),
        }
    }
}

/// Times that are recorded by a person, often after the fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Milestone {
    /// When the impact began (MTTD, MTTR restore start from here).
    ImpactStarted,
    /// When we noticed.
    Detected,
    /// When it was reported to us.
    Reported,
}

impl Milestone {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ImpactStarted => "impact-started",
            Self::Detected => "detected",
            Self::Reported => "reported",
        }
    }
}

/// Flags that keep an incident out of the KPIs by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flag {
    /// An exercise or drill.
    Drill,
    /// Nothing broke, but it nearly did.
    NearMiss,
}

impl Flag {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Drill => "drill",
            Self::NearMiss => "near-miss",
        }
    }
}

/// What is known when an incident is registered (step 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub title: String,
    pub description: Option<String>,
    /// Who reported it, as they were named ("customer support", "alertmanager").
    pub reported_by: Option<String>,
    /// How it reached us: manual, cli, tui, or an alert source's name.
    pub channel: String,
    pub services: Vec<String>,
    pub impact: Impact,
    pub urgency: Urgency,
    /// Derived from impact and urgency with the matrix in force when it was registered.
    pub priority: Priority,
    pub severity: Severity,
    pub category: Option<String>,
    #[serde(with = "ts")]
    pub detected_at: DateTime<Utc>,
    #[serde(with = "ts_opt")]
    pub impact_started_at: Option<DateTime<Utc>>,
    #[serde(with = "ts_opt")]
    pub reported_at: Option<DateTime<Utc>>,
    pub drill: bool,
}

/// The post-incident review (step 8). Also a request body: unknown fields are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub went_well: Vec<String>,
    pub went_wrong: Vec<String>,
    pub got_lucky: Vec<String>,
    pub lessons: Vec<String>,
}

impl Review {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.went_well.is_empty()
            && self.went_wrong.is_empty()
            && self.got_lucky.is_empty()
            && self.lessons.is_empty()
    }
}

/// The payload of one timeline event. Append new variants at the end only (see module doc).
///
/// Externally tagged and without `flatten`: postcard is not self-describing, so the stored form
/// cannot use serde features that need `deserialize_any`. Front-ends that want a flat JSON view
/// build one from [`EventKind::name`] and [`EventKind::describe`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Registered(Registration),
    TitleChanged {
        from: String,
        to: String,
    },
    ImpactChanged {
        from: Impact,
        to: Impact,
        priority: Priority,
    },
    UrgencyChanged {
        from: Urgency,
        to: Urgency,
        priority: Priority,
    },
    PriorityOverridden {
        from: Priority,
        to: Priority,
        reason: String,
    },
    PriorityOverrideCleared {
        from: Priority,
        to: Priority,
    },
    SeverityChanged {
        from: Severity,
        to: Severity,
    },
    CategoryChanged {
        from: Option<String>,
        to: Option<String>,
    },
    ServicesChanged {
        from: Vec<String>,
        to: Vec<String>,
    },
    TimeRecorded {
        milestone: Milestone,
        #[serde(with = "ts_opt")]
        from: Option<DateTime<Utc>>,
        #[serde(with = "ts")]
        to: DateTime<Utc>,
        reason: Option<String>,
    },
    FlagChanged {
        flag: Flag,
        value: bool,
    },
    Acknowledged,
    /// A handover names both people: `previous` is who held the role before.
    RoleAssigned {
        role: Role,
        person: String,
        previous: Option<String>,
    },
    RoleReleased {
        role: Role,
        person: String,
    },
    /// A containment action. The first one moves the incident to contained.
    Contained {
        action: String,
    },
    Note {
        text: String,
    },
    Finding {
        text: String,
    },
    RootCauseRecorded {
        root_cause: String,
        trigger: Option<String>,
        contributing_factors: Vec<String>,
    },
    Resolved {
        summary: String,
        #[serde(with = "ts")]
        recovered_at: DateTime<Utc>,
    },
    Reopened {
        reason: String,
    },
    StatusUpdate {
        audience: String,
        text: String,
    },
    Escalated {
        to: String,
        reason: String,
    },
    ReviewRecorded(Review),
    ActionItemAdded {
        item: u32,
        text: String,
        owner: String,
        due: NaiveDate,
    },
    ActionItemCompleted {
        item: u32,
    },
    Closed,
    /// Corrects what an earlier event said; the earlier event stays as it was.
    Correction {
        corrects: u32,
        text: String,
    },
    /// An alert from a machine (Alertmanager, a PagerDuty sender, plain JSON), as sent.
    AlertReceived(AlertRecord),
    /// An alert changed state more than `changes` times in `window_minutes`, or became stable
    /// again. While flapping its incident is not resolved by it automatically.
    AlertFlapping {
        identity: String,
        flapping: bool,
        changes: u32,
        window_minutes: u32,
    },
    /// The incident's escalation policy applies; its level 1 is paged next.
    EscalationStarted {
        policy: String,
    },
    /// One level of the policy was paged (by its timer or by hand).
    LevelPaged(LevelPage),
    /// A level reached nobody (its schedules had nobody on call) and was passed over.
    LevelSkipped {
        policy: String,
        level: u32,
        round: u32,
        unstaffed: Vec<String>,
    },
    /// A notifier delivered a page.
    PageDelivered {
        level: u32,
        person: String,
        notifier: String,
        attempts: u32,
    },
    /// A notifier failed after its retries. The escalation goes on regardless.
    PageFailed {
        level: u32,
        person: String,
        notifier: String,
        attempts: u32,
        error: String,
    },
    /// Every level and every repeat was paged and nobody acknowledged.
    EscalationExhausted {
        policy: String,
        rounds: u32,
    },
    /// Acknowledged, but nobody worked on it for the acknowledge timeout: triggered again, and
    /// the policy starts over.
    AcknowledgementExpired {
        idle_minutes: u32,
    },
    /// On the rota's own timeline ([`IncidentId::ROTA`]).
    OverrideAdded(Override),
    /// On the rota's own timeline. The override stays in the record; it stops applying.
    OverrideRemoved {
        id: u32,
        reason: Option<String>,
    },
    /// On the maintenance timeline ([`IncidentId::MAINTENANCE`]): a window was set; while it
    /// is in force, alerts of its service open no incident.
    MaintenanceSet(MaintenanceWindow),
    /// On the maintenance timeline: a window in force was ended early, at `at`.
    MaintenanceEnded {
        id: u32,
        #[serde(with = "ts")]
        at: DateTime<Utc>,
        reason: Option<String>,
    },
    /// On the maintenance timeline: a window that had not started was cancelled.
    MaintenanceCancelled {
        id: u32,
        reason: Option<String>,
    },
    /// On the suppressed timeline ([`IncidentId::SUPPRESSED`]): an alert that opened no
    /// incident because window `window` of `service` was in force, as sent. Window 0: carried
    /// from the table of schema 1, which did not say which window kept it.
    AlertSuppressed {
        window: u32,
        service: String,
        record: AlertRecord,
    },
}

/// Who one level paged, and why then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelPage {
    pub policy: String,
    /// From 1.
    pub level: u32,
    /// From 1; a policy with `repeat = 2` runs rounds 1 to 3.
    pub round: u32,
    /// Whom its targets reached at that moment (schedules resolved).
    pub people: Vec<String>,
    /// The OS users of those people, so their terminals can ring.
    pub users: Vec<String>,
    /// Schedules of the level that had nobody on call.
    pub unstaffed: Vec<String>,
    /// "incident opened", "no acknowledgement within 15m", "by hand: ...".
    pub reason: String,
}

impl EventKind {
    /// The short name shown in timelines and used in JSON (`kind`).
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Registered(_) => "registered",
            Self::TitleChanged { .. } => "title_changed",
            Self::ImpactChanged { .. } => "impact_changed",
            Self::UrgencyChanged { .. } => "urgency_changed",
            Self::PriorityOverridden { .. } => "priority_overridden",
            Self::PriorityOverrideCleared { .. } => "priority_override_cleared",
            Self::SeverityChanged { .. } => "severity_changed",
            Self::CategoryChanged { .. } => "category_changed",
            Self::ServicesChanged { .. } => "services_changed",
            Self::TimeRecorded { .. } => "time_recorded",
            Self::FlagChanged { .. } => "flag_changed",
            Self::Acknowledged => "acknowledged",
            Self::RoleAssigned { .. } => "role_assigned",
            Self::RoleReleased { .. } => "role_released",
            Self::Contained { .. } => "contained",
            Self::Note { .. } => "note",
            Self::Finding { .. } => "finding",
            Self::RootCauseRecorded { .. } => "root_cause",
            Self::Resolved { .. } => "resolved",
            Self::Reopened { .. } => "reopened",
            Self::StatusUpdate { .. } => "status_update",
            Self::Escalated { .. } => "escalated",
            Self::ReviewRecorded(_) => "review",
            Self::ActionItemAdded { .. } => "action_item_added",
            Self::ActionItemCompleted { .. } => "action_item_completed",
            Self::Closed => "closed",
            Self::Correction { .. } => "correction",
            Self::AlertReceived(_) => "alert",
            Self::AlertFlapping { .. } => "alert_flapping",
            Self::EscalationStarted { .. } => "escalation_started",
            Self::LevelPaged(_) => "paged",
            Self::LevelSkipped { .. } => "level_skipped",
            Self::PageDelivered { .. } => "page_delivered",
            Self::PageFailed { .. } => "page_failed",
            Self::EscalationExhausted { .. } => "escalation_exhausted",
            Self::AcknowledgementExpired { .. } => "acknowledgement_expired",
            Self::OverrideAdded(_) => "override_added",
            Self::OverrideRemoved { .. } => "override_removed",
            Self::MaintenanceSet(_) => "maintenance_set",
            Self::MaintenanceEnded { .. } => "maintenance_ended",
            Self::MaintenanceCancelled { .. } => "maintenance_cancelled",
            Self::AlertSuppressed { .. } => "alert_suppressed",
        }
    }

    /// One line a person reads in a timeline. Untrusted text is *not* sanitised here: the
    /// front-end does that for its medium (see [`super::text::sanitize`]).
    #[must_use]
    pub fn describe(&self) -> String {
        fn list(v: &[String]) -> String {
            if v.is_empty() { "(none)".to_owned() } else { v.join(", ") }
        }
        fn opt(v: Option<&String>) -> &str {
            v.map_or("(none)", String::as_str)
        }
        match self {
            Self::Registered(r) => format!(
                "registered \"{}\": impact {}, urgency {} -> {}, {}, via {}{}",
                r.title,
                r.impact,
                r.urgency,
                r.priority,
                r.severity,
                r.channel,
                r.reported_by.as_ref().map(|who| format!(", reported by {who}")).unwrap_or_default()
            ),
            Self::TitleChanged { from, to } => format!("title \"{from}\" -> \"{to}\""),
            Self::ImpactChanged { from, to, priority } => {
                format!("impact {from} -> {to} (priority {priority})")
            }
            Self::UrgencyChanged { from, to, priority } => {
                format!("urgency {from} -> {to} (priority {priority})")
            }
            Self::PriorityOverridden { from, to, reason } => {
                format!("priority {from} -> {to} by hand: {reason}")
            }
            Self::PriorityOverrideCleared { from, to } => {
                format!("priority override cleared: {from} -> {to} (from impact x urgency)")
            }
            Self::SeverityChanged { from, to } => format!("severity {from} -> {to}"),
            Self::CategoryChanged { from, to } => {
                format!("category {} -> {}", opt(from.as_ref()), opt(to.as_ref()))
            }
            Self::ServicesChanged { from, to } => format!("services {} -> {}", list(from), list(to)),
            Self::TimeRecorded { milestone, from, to, reason } => format!(
                "{} time {} -> {}{}",
                milestone.as_str(),
                from.map_or_else(|| "(unset)".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%SZ").to_string()),
                to.format("%Y-%m-%d %H:%M:%SZ"),
                reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
            ),
            Self::FlagChanged { flag, value } => {
                format!("{} {}", if *value { "marked" } else { "unmarked" }, flag.as_str())
            }
            Self::Acknowledged => "acknowledged".to_owned(),
            Self::RoleAssigned { role, person, previous: None } => format!("{person} is {role}"),
            Self::RoleAssigned { role, person, previous: Some(prev) } => {
                format!("{role} handed over from {prev} to {person}")
            }
            Self::RoleReleased { role, person } => format!("{person} is no longer {role}"),
            Self::Contained { action } => format!("containment: {action}"),
            Self::Note { text } => text.clone(),
            Self::Finding { text } => format!("finding: {text}"),
            Self::RootCauseRecorded { root_cause, trigger, contributing_factors } => format!(
                "root cause: {root_cause}{}{}",
                trigger.as_ref().map(|t| format!("; trigger: {t}")).unwrap_or_default(),
                if contributing_factors.is_empty() {
                    String::new()
                } else {
                    format!("; contributing: {}", contributing_factors.join(", "))
                }
            ),
            Self::Resolved { summary, recovered_at } => {
                format!("resolved (restored {}): {summary}", recovered_at.format("%Y-%m-%d %H:%M:%SZ"))
            }
            Self::Reopened { reason } => format!("reopened: {reason}"),
            Self::StatusUpdate { audience, text } => format!("status update to {audience}: {text}"),
            Self::Escalated { to, reason } => format!("escalated to {to}: {reason}"),
            Self::ReviewRecorded(r) => format!(
                "review recorded: {} went well, {} went wrong, {} lucky, {} lessons",
                r.went_well.len(),
                r.went_wrong.len(),
                r.got_lucky.len(),
                r.lessons.len()
            ),
            Self::ActionItemAdded { item, text, owner, due } => {
                format!("action item #{item} for {owner}, due {due}: {text}")
            }
            Self::ActionItemCompleted { item } => format!("action item #{item} done"),
            Self::Closed => "closed".to_owned(),
            Self::Correction { corrects, text } => format!("correction of #{corrects}: {text}"),
            Self::AlertFlapping { identity, flapping: true, changes, window_minutes } => format!(
                "alert {identity} is flapping: {changes} state changes within {window_minutes} min; \
                 the incident stays open and re-pages are held until it is stable"
            ),
            Self::AlertFlapping { identity, flapping: false, .. } => {
                format!("alert {identity} is stable again")
            }
            Self::EscalationStarted { policy } => format!("escalation policy {policy} started"),
            Self::LevelPaged(p) => format!(
                "paged level {} (round {}) of {}: {}{}; {}",
                p.level,
                p.round,
                p.policy,
                if p.people.is_empty() { "nobody".to_owned() } else { p.people.join(", ") },
                if p.unstaffed.is_empty() {
                    String::new()
                } else {
                    format!(" (nobody on call in {})", p.unstaffed.join(", "))
                },
                p.reason
            ),
            Self::LevelSkipped { policy, level, round, unstaffed } => format!(
                "level {level} (round {round}) of {policy} skipped: nobody on call in {}",
                list(unstaffed)
            ),
            Self::PageDelivered { level, person, notifier, attempts } => format!(
                "page to {person} via {notifier} delivered (level {level}{})",
                if *attempts > 1 { format!(", attempt {attempts}") } else { String::new() }
            ),
            Self::PageFailed { level, person, notifier, attempts, error } => format!(
                "page to {person} via {notifier} FAILED after {attempts} attempt{} (level {level}): {error}",
                if *attempts == 1 { "" } else { "s" }
            ),
            Self::EscalationExhausted { policy, rounds } => format!(
                "escalation {policy} exhausted: every level paged {rounds} time{} and nobody acknowledged",
                if *rounds == 1 { "" } else { "s" }
            ),
            Self::AcknowledgementExpired { idle_minutes } => format!(
                "acknowledged but nobody worked on it for {idle_minutes} min: triggered again, paging restarts"
            ),
            Self::OverrideAdded(o) => format!(
                "override #{}: {} on call in {}{} from {} to {}{}",
                o.id,
                o.person,
                o.schedule,
                o.covers.as_ref().map(|c| format!(" covering {c}")).unwrap_or_default(),
                o.start.format("%Y-%m-%d %H:%MZ"),
                o.end.format("%Y-%m-%d %H:%MZ"),
                o.reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
            ),
            Self::OverrideRemoved { id, reason } => format!(
                "override #{id} removed{}",
                reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
            ),
            Self::MaintenanceSet(w) => format!(
                "maintenance #{} of {} from {} to {}: {}",
                w.id,
                w.service,
                w.start.format("%Y-%m-%d %H:%M:%SZ"),
                w.end.format("%Y-%m-%d %H:%M:%SZ"),
                w.reason
            ),
            Self::MaintenanceEnded { id, at, reason } => format!(
                "maintenance #{id} ended early at {}{}",
                at.format("%Y-%m-%d %H:%M:%SZ"),
                reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
            ),
            Self::MaintenanceCancelled { id, reason } => format!(
                "maintenance #{id} cancelled before it started{}",
                reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
            ),
            Self::AlertSuppressed { window, service, record } => format!(
                "alert {} from {} ({}) opened no incident: {}; {}",
                record.status,
                record.source,
                record.identity,
                if *window == 0 {
                    "kept in maintenance before schema 2".to_owned()
                } else {
                    format!("{service} in maintenance #{window}")
                },
                record.summary
            ),
            Self::AlertReceived(a) => {
                let labels: Vec<String> = a.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let truncated = a.truncated_alerts().map_or_else(String::new, |n| {
                    format!(" [{n} more alert(s) left out: {}]", super::alert::TRUNCATED_ADVICE)
                });
                format!(
                    "alert {} from {} ({}): {}{}{truncated}",
                    a.status,
                    a.source,
                    a.identity,
                    a.summary,
                    if labels.is_empty() { String::new() } else { format!(" {{{}}}", labels.join(", ")) }
                )
            }
        }
    }
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub incident: IncidentId,
    /// Position in the incident's timeline, from 1.
    pub seq: u32,
    /// When it happened (may be earlier than recorded, e.g. a containment noted afterwards).
    #[serde(with = "ts")]
    pub occurred_at: DateTime<Utc>,
    /// When piket wrote it.
    #[serde(with = "ts")]
    pub recorded_at: DateTime<Utc>,
    /// Who, as the operating system knows them (never as typed).
    pub actor: String,
    pub source: Source,
    pub kind: EventKind,
}
