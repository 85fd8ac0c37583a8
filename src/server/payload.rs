//! The senders' wire formats: an Alertmanager notification, a PagerDuty Events v2 event, a
//! plain JSON alert and piket's own heartbeats, each turned into [`AlertSignal`]s.
//!
//! Nothing here knows HTTP or the batcher: [`super::ingest`] reads the body, calls these, and
//! answers the sender (a parse error is its 400, with the reason in words). A new sender is a
//! new module here.

mod alertmanager;
mod heartbeat;
mod pagerduty;
mod plain;

use chrono::{DateTime, Utc};

pub use alertmanager::parse_alertmanager;
pub(crate) use heartbeat::{heartbeat_signal, is_resolved_notification};
pub use pagerduty::parse_pagerduty;
pub use plain::parse_plain;

use crate::domain::AlertAction;
use crate::domain::alert::{AlertMapping, AlertRecord, AlertSignal, ResolvePolicy, SeverityMapping};

/// An alert as every sender's parser fills it: the sender kind names both the signal and its
/// record, and the alert's identity is the record's key, so each is written once.
struct Alert {
    source: &'static str,
    /// The incident's dedup key within the source (see [`AlertSignal::key`]).
    key: String,
    identity: String,
    action: AlertAction,
    state: Option<String>,
    resolves_incident: ResolvePolicy,
    title: String,
    service: Option<String>,
    severity: SeverityMapping,
    /// The record's status word, as the sender put it.
    status: String,
    summary: String,
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    details: Vec<(String, String)>,
}

impl Alert {
    fn signal(self) -> AlertSignal {
        AlertSignal {
            source: self.source.to_owned(),
            key: self.key,
            identity: self.identity.clone(),
            action: self.action,
            state: self.state,
            resolves_incident: self.resolves_incident,
            title: self.title,
            service: self.service,
            impact: self.severity.impact,
            urgency: self.severity.urgency,
            severity: self.severity.severity,
            record: AlertRecord {
                source: self.source.to_owned(),
                key: self.identity.clone(),
                identity: self.identity,
                status: self.status,
                summary: self.summary,
                labels: self.labels,
                annotations: self.annotations,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                details: self.details,
            },
        }
    }
}

/// Alertmanager and plain alerts resolve their incident once every alert on it has resolved,
/// for the services the config lets resolve by themselves.
fn resolves_when_all(mapping: &AlertMapping, service: Option<&str>) -> ResolvePolicy {
    if mapping.auto_resolves(service) { ResolvePolicy::WhenAllResolved } else { ResolvePolicy::Never }
}
