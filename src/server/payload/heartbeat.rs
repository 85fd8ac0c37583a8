//! piket's heartbeats: the signal a silent (or beating again) heartbeat becomes, and what
//! in a heartbeat request's body says the heartbeat alert itself ended.

use serde_json::Value;

use super::Alert;
use crate::domain::AlertAction;
use crate::domain::alert::{AlertMapping, AlertSignal, ResolvePolicy};

/// A heartbeat's signal: `silent` opens (or finds) the incident, otherwise the beat that
/// ended a silence is recorded on it.
pub(crate) fn heartbeat_signal(
    mapping: &AlertMapping,
    name: &str,
    every: chrono::Duration,
    silent: bool,
) -> AlertSignal {
    let sev = mapping.severity(Some("critical"));
    let secs = every.num_seconds();
    let title = format!("alerting pipeline silent: no heartbeat '{name}' for {secs} s");
    let status = if silent { "silent" } else { "beat" };
    Alert {
        source: "heartbeat",
        key: name.to_owned(),
        identity: name.to_owned(),
        action: if silent { AlertAction::Trigger } else { AlertAction::Resolve },
        state: Some(status.to_owned()),
        resolves_incident: ResolvePolicy::Never,
        title: title.clone(),
        service: None,
        severity: sev,
        status: status.to_owned(),
        summary: if silent { title } else { format!("heartbeat '{name}' is beating again") },
        labels: vec![("heartbeat".to_owned(), name.to_owned())],
        annotations: Vec::new(),
        starts_at: None,
        ends_at: None,
        details: vec![("interval_seconds".to_owned(), secs.to_string())],
    }
    .signal()
}

/// Whether a heartbeat request says the heartbeat alert ended: an Alertmanager notification
/// whose status is `resolved` (its Watchdog stopped firing: the pipeline behind it is what
/// broke), or a PagerDuty `resolve`. Any other body, or none, is a beat.
pub(crate) fn is_resolved_notification(body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else { return false };
    let alerts_resolved = v.get("alerts").and_then(Value::as_array).is_some_and(|a| {
        !a.is_empty() && a.iter().all(|x| x.get("status").and_then(Value::as_str) == Some("resolved"))
    });
    v.get("status").and_then(Value::as_str) == Some("resolved")
        || alerts_resolved
        || v.get("event_action").and_then(Value::as_str) == Some("resolve")
}
