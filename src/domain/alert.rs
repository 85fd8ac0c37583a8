//! Alerts from machines: what the receivers (Alertmanager, PagerDuty Events v2, plain JSON)
//! are normalised into, and the mapping rules an organisation sets in config.
//!
//! Pure. The server parses a sender's payload into [`AlertSignal`]s with [`AlertMapping`]; the
//! engine decides per signal, inside one write transaction, whether it opens an incident,
//! attaches to the open incident of its dedup key, is a re-send that adds nothing, or is dropped
//! (PagerDuty's rule for acknowledge/resolve of a key with no open alert). Alert text is stored
//! as sent; front-ends sanitise it for display (see [`super::text::sanitize`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::IncidentId;
use super::priority::{Impact, Severity, Urgency};
use super::time::ts_opt;

/// What a signal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertAction {
    /// Firing (Alertmanager), `trigger` (PagerDuty): open or attach.
    Trigger,
    /// PagerDuty `acknowledge`: acknowledge the open incident of the key.
    Acknowledge,
    /// Resolved (Alertmanager), `resolve` (PagerDuty).
    Resolve,
}

impl AlertAction {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Trigger => "trigger",
            Self::Acknowledge => "acknowledge",
            Self::Resolve => "resolve",
        }
    }
}

/// One alert as received, normalised; the engine's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSignal {
    /// The sender: `alertmanager`, `pagerduty`, `api`.
    pub source: String,
    /// The incident dedup key within the source: a fingerprint, a groupKey (roll-up), or
    /// `routing_key/dedup_key`. Never a summary text (GoAlert #4461).
    pub key: String,
    /// The alert's own identity within the incident (the fingerprint; for PagerDuty the key).
    pub identity: String,
    pub action: AlertAction,
    /// For idempotent re-sends: a signal whose identity already has this state on the open
    /// incident adds nothing. Alertmanager: `status startsAt endsAt`. `None`: always recorded
    /// (a PagerDuty trigger adds a log entry each time).
    pub state: Option<String>,
    /// Whether the incident resolves when every alert on it has resolved (Alertmanager's
    /// per-service policy) or on this resolve (PagerDuty: the alert is the incident).
    pub resolves_incident: ResolvePolicy,
    pub title: String,
    pub service: Option<String>,
    pub impact: Impact,
    pub urgency: Urgency,
    pub severity: Severity,
    pub record: AlertRecord,
}

/// When a resolve resolves the incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolvePolicy {
    /// Record only; a human resolves (the default for Alertmanager).
    Never,
    /// When every alert recorded on the incident is resolved.
    WhenAllResolved,
    /// This resolve resolves it (PagerDuty).
    Always,
}

/// What the timeline keeps of one received alert: the text as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRecord {
    pub source: String,
    pub key: String,
    pub identity: String,
    /// `firing` / `resolved` (Alertmanager), `trigger` / `acknowledge` / `resolve` (PagerDuty).
    pub status: String,
    pub summary: String,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    #[serde(with = "ts_opt")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(with = "ts_opt")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Anything else worth keeping (receiver, groupKey, notification_reason, custom_details as JSON).
    pub details: Vec<(String, String)>,
}

/// What to do about a truncated Alertmanager notification; the log and the incident say it.
pub(crate) const TRUNCATED_ADVICE: &str = "Alertmanager left those alerts out (max_alerts in the receiver's \
    webhook_config), so piket never saw them and they open no incident; raise max_alerts (0: all)";

impl AlertRecord {
    /// A detail as sent (receiver, groupKey, ...).
    #[must_use]
    pub fn detail(&self, name: &str) -> Option<&str> {
        get(&self.details, name)
    }

    /// How many alerts the Alertmanager notification carrying this one left out
    /// (`truncatedAlerts`); `None` when it left none out.
    #[must_use]
    pub(crate) fn truncated_alerts(&self) -> Option<u64> {
        self.detail("truncatedAlerts").and_then(|n| n.parse().ok()).filter(|n| *n > 0)
    }
}

/// What the engine did with one signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum AlertOutcome {
    Opened {
        incident: IncidentId,
    },
    Attached {
        incident: IncidentId,
    },
    /// A re-send of a state already recorded: nothing written.
    Duplicate {
        incident: IncidentId,
    },
    /// Recorded, and the incident was resolved or acknowledged by it.
    Resolved {
        incident: IncidentId,
    },
    Acknowledged {
        incident: IncidentId,
    },
    /// Nothing written, and why (PagerDuty: ack/resolve of a key without an open alert).
    Dropped {
        reason: String,
    },
    /// Inside a maintenance window of its service: recorded, no incident opened.
    Suppressed {
        reason: String,
    },
}

impl AlertOutcome {
    #[must_use]
    pub const fn incident(&self) -> Option<IncidentId> {
        match self {
            Self::Opened { incident }
            | Self::Attached { incident }
            | Self::Duplicate { incident }
            | Self::Resolved { incident }
            | Self::Acknowledged { incident } => Some(*incident),
            Self::Dropped { .. } | Self::Suppressed { .. } => None,
        }
    }
}

/// One alert's standing on an incident, kept by the store beside the timeline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertState {
    /// The last state recorded (see [`AlertSignal::state`]).
    pub state: Option<String>,
    pub resolved: bool,
    /// When it changed between firing and resolved lately, microseconds (flapping window).
    pub changes: Vec<i64>,
    pub flapping: bool,
}

/// Flapping: more than `max_changes` state changes within `window` marks an alert flapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlapRule {
    pub max_changes: u32,
    pub window: chrono::Duration,
}

impl Default for FlapRule {
    fn default() -> Self {
        Self { max_changes: 4, window: chrono::Duration::minutes(30) }
    }
}

impl AlertState {
    /// Note a change between firing and resolved at `now` and apply the flapping rule.
    /// Returns `Some(true)` when it has just started flapping, `Some(false)` when it has just
    /// become stable again, `None` when nothing about flapping changed. Deterministic: only
    /// the recorded change times and the rule decide.
    pub(crate) fn note_change(&mut self, now: DateTime<Utc>, rule: FlapRule) -> Option<bool> {
        let t = now.timestamp_micros();
        let from = t - rule.window.num_microseconds().unwrap_or(i64::MAX);
        self.changes.retain(|c| *c > from);
        self.changes.push(t);
        let flapping = self.changes.len() > rule.max_changes as usize;
        (flapping != self.flapping).then(|| {
            self.flapping = flapping;
            flapping
        })
    }
}

/// A maintenance window of a service: alerts for it inside the window are recorded but open
/// no incident (an incident already open still gets them). A request body: unknown fields
/// are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceWindow {
    /// From 1, handed out by the engine when the window is set (`piket maintenance end 3`);
    /// ignored in a request.
    #[serde(default)]
    pub id: u32,
    pub service: String,
    #[serde(with = "super::time::ts")]
    pub start: DateTime<Utc>,
    #[serde(with = "super::time::ts")]
    pub end: DateTime<Utc>,
    pub reason: String,
    /// Who set it (the caller's login); filled in by the server, not the caller.
    #[serde(default)]
    pub set_by: String,
}

impl MaintenanceWindow {
    #[must_use]
    pub fn covers(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }

    /// # Errors
    /// An empty service or reason, or an end not after the start.
    pub fn check(&self) -> Result<(), String> {
        if self.service.trim().is_empty() {
            return Err("the service of a maintenance window is empty".to_owned());
        }
        if self.reason.trim().is_empty() {
            return Err("a maintenance window needs a reason".to_owned());
        }
        if self.end <= self.start {
            return Err(format!(
                "the window ends ({}) before it starts ({})",
                self.end.format("%Y-%m-%d %H:%M:%SZ"),
                self.start.format("%Y-%m-%d %H:%M:%SZ")
            ));
        }
        Ok(())
    }
}

/// Impact, urgency and severity for one sender severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeverityMapping {
    pub impact: Impact,
    pub urgency: Urgency,
    pub severity: Severity,
}

/// `[alerts]` in config: how an alert becomes an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertMapping {
    /// The label that names the service.
    pub service_label: String,
    /// The label that carries the severity (Alertmanager; PagerDuty has `payload.severity`).
    pub severity_label: String,
    /// Sender severity (lower-case) -> impact, urgency, severity.
    pub severities: BTreeMap<String, SeverityMapping>,
    /// For a severity not in the table, or none given.
    pub default_severity: SeverityMapping,
    /// Title template: `{labels.NAME}` and `{annotations.NAME}` are replaced. Empty: the
    /// summary annotation, else "alertname on instance".
    pub title_template: String,
    /// Alertmanager receivers whose alerts roll up into one incident per groupKey.
    pub group_receivers: Vec<String>,
    /// Services whose incidents resolve when all their alerts have resolved.
    pub auto_resolve_services: Vec<String>,
    /// PagerDuty routing keys -> service. Empty: any key is accepted, no service.
    pub routing_keys: BTreeMap<String, String>,
    pub flapping: FlapRule,
    /// Heartbeat name -> the longest silence allowed before an incident opens.
    pub heartbeats: BTreeMap<String, chrono::Duration>,
}

impl Default for AlertMapping {
    fn default() -> Self {
        let m = |impact, urgency, sev: u8| SeverityMapping {
            impact,
            urgency,
            severity: Severity::try_from(sev).unwrap_or(Severity::SEV3),
        };
        let severities = BTreeMap::from([
            ("critical".to_owned(), m(Impact::High, Urgency::High, 2)),
            ("error".to_owned(), m(Impact::Medium, Urgency::High, 3)),
            ("warning".to_owned(), m(Impact::Medium, Urgency::Medium, 3)),
            ("info".to_owned(), m(Impact::Low, Urgency::Low, 4)),
        ]);
        Self {
            service_label: "service".to_owned(),
            severity_label: "severity".to_owned(),
            severities,
            default_severity: m(Impact::Medium, Urgency::Medium, 3),
            title_template: String::new(),
            group_receivers: Vec::new(),
            auto_resolve_services: Vec::new(),
            routing_keys: BTreeMap::new(),
            flapping: FlapRule::default(),
            heartbeats: BTreeMap::new(),
        }
    }
}

fn get<'a>(list: &'a [(String, String)], name: &str) -> Option<&'a str> {
    list.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

impl AlertMapping {
    /// The mapping of a sender's severity word (case-insensitive).
    #[must_use]
    pub fn severity(&self, word: Option<&str>) -> SeverityMapping {
        word.and_then(|w| self.severities.get(&w.trim().to_ascii_lowercase()))
            .copied()
            .unwrap_or(self.default_severity)
    }

    /// The incident title for an alert: the template, else `summary`, else
    /// "alertname on instance", else the fallback.
    #[must_use]
    pub fn title(
        &self,
        labels: &[(String, String)],
        annotations: &[(String, String)],
        fallback: &str,
    ) -> String {
        let t = if self.title_template.is_empty() {
            if let Some(s) = get(annotations, "summary").filter(|s| !s.trim().is_empty()) {
                s.to_owned()
            } else {
                match (get(labels, "alertname"), get(labels, "instance")) {
                    (Some(a), Some(i)) => format!("{a} on {i}"),
                    (Some(a), None) => a.to_owned(),
                    _ => fallback.to_owned(),
                }
            }
        } else {
            fill(&self.title_template, labels, annotations)
        };
        let t = t.trim();
        let t = if t.is_empty() { fallback } else { t };
        // A title is a queue line: cut at the domain's limit instead of refusing the alert.
        t.chars().take(super::text::MAX_TITLE_CHARS).collect()
    }

    /// Whether incidents of `service` resolve when all their alerts have.
    #[must_use]
    pub(crate) fn auto_resolves(&self, service: Option<&str>) -> bool {
        service.is_some_and(|s| self.auto_resolve_services.iter().any(|a| a == s))
    }
}

/// Replace `{labels.X}` and `{annotations.X}`; an unknown name becomes empty.
fn fill(template: &str, labels: &[(String, String)], annotations: &[(String, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        if let Some(l) = name.strip_prefix("labels.") {
            out.push_str(get(labels, l).unwrap_or(""));
        } else if let Some(a) = name.strip_prefix("annotations.") {
            out.push_str(get(annotations, a).unwrap_or(""));
        } else {
            out.push('{');
            out.push_str(name);
            out.push('}');
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn flapping_starts_after_more_than_n_changes_in_the_window_and_ends_when_stable() {
        let rule = FlapRule { max_changes: 2, window: chrono::Duration::minutes(10) };
        let t0 = DateTime::parse_from_rfc3339("2026-11-20T08:00:00Z").unwrap().with_timezone(&Utc);
        let mut s = AlertState::default();
        assert_eq!(s.note_change(t0, rule), None);
        assert_eq!(s.note_change(t0 + chrono::Duration::minutes(1), rule), None);
        assert_eq!(s.note_change(t0 + chrono::Duration::minutes(2), rule), Some(true));
        assert!(s.flapping);
        // Far later, the window holds one change: stable.
        assert_eq!(s.note_change(t0 + chrono::Duration::minutes(60), rule), Some(false));
    }

    #[test]
    fn title_prefers_summary_then_alertname_and_instance() {
        let m = AlertMapping::default();
        let labels = kv(&[("alertname", "DiskFull"), ("instance", "db-3:9100")]);
        assert_eq!(m.title(&labels, &kv(&[("summary", "Disk almost full")]), "x"), "Disk almost full");
        assert_eq!(m.title(&labels, &[], "x"), "DiskFull on db-3:9100");
        assert_eq!(m.title(&[], &[], "fallback"), "fallback");
    }

    #[test]
    fn template_fills_labels_and_annotations() {
        let m = AlertMapping {
            title_template: "[{labels.team}] {annotations.summary} {other}".to_owned(),
            ..AlertMapping::default()
        };
        let t = m.title(&kv(&[("team", "db")]), &kv(&[("summary", "full")]), "x");
        assert_eq!(t, "[db] full {other}");
    }

    #[test]
    fn severity_words_map_case_insensitively_with_a_default() {
        let m = AlertMapping::default();
        assert_eq!(m.severity(Some("CRITICAL")).impact, Impact::High);
        assert_eq!(m.severity(Some("nonsense")), m.default_severity);
        assert_eq!(m.severity(None), m.default_severity);
    }
}
