//! Alertmanager's webhook (version 4): one notification, one signal per alert in it.

use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;

use super::{Alert, resolves_when_all};
use crate::domain::AlertAction;
use crate::domain::alert::{AlertMapping, AlertSignal};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmMessage {
    version: String,
    #[serde(default)]
    group_key: String,
    #[serde(default)]
    truncated_alerts: u64,
    #[serde(default)]
    receiver: String,
    #[serde(default, rename = "externalURL")]
    external_url: String,
    #[serde(default, rename = "notification_reason")]
    notification_reason: Option<String>,
    alerts: Vec<AmAlert>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmAlert {
    status: String,
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    annotations: std::collections::BTreeMap<String, String>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    #[serde(default, rename = "generatorURL")]
    generator_url: String,
    #[serde(default)]
    fingerprint: String,
}

/// RFC 3339; Alertmanager's zero time (`0001-01-01T00:00:00Z`) is no time.
fn am_time(field: &str, v: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    let Some(s) = v.filter(|s| !s.is_empty()) else { return Ok(None) };
    let t = DateTime::parse_from_rfc3339(s)
        .map_err(|e| format!("{field} '{s}' is not an RFC 3339 time: {e}"))?
        .with_timezone(&Utc);
    Ok((t.year() > 1).then_some(t))
}

/// Parse an Alertmanager notification into signals, or the first reason it is refused.
///
/// # Errors
/// Not JSON, not version 4, a missing or malformed field.
pub fn parse_alertmanager(body: &[u8], mapping: &AlertMapping) -> Result<Vec<AlertSignal>, String> {
    let msg: AmMessage =
        serde_json::from_slice(body).map_err(|e| format!("not an Alertmanager webhook body: {e}"))?;
    if msg.version != "4" {
        return Err(format!("webhook version '{}' is not supported: piket speaks version 4", msg.version));
    }
    let group = mapping.group_receivers.contains(&msg.receiver);
    if group && msg.group_key.is_empty() {
        return Err(format!("receiver '{}' rolls up by groupKey, but groupKey is empty", msg.receiver));
    }
    let mut out = Vec::with_capacity(msg.alerts.len());
    for (i, a) in msg.alerts.into_iter().enumerate() {
        let action = match a.status.as_str() {
            "firing" => AlertAction::Trigger,
            "resolved" => AlertAction::Resolve,
            other => return Err(format!("alerts[{i}].status '{other}' is neither firing nor resolved")),
        };
        let starts_at = am_time(&format!("alerts[{i}].startsAt"), a.starts_at.as_deref())?;
        let ends_at = am_time(&format!("alerts[{i}].endsAt"), a.ends_at.as_deref())?;
        let labels: Vec<(String, String)> = a.labels.into_iter().collect();
        let annotations: Vec<(String, String)> = a.annotations.into_iter().collect();
        // The fingerprint is the alert's identity; without one, a hash of the sorted labels
        // (never the summary: GoAlert #4461).
        let fingerprint = if a.fingerprint.is_empty() {
            if labels.is_empty() {
                return Err(format!("alerts[{i}] has neither a fingerprint nor labels"));
            }
            let joined: Vec<String> = labels.iter().map(|(k, v)| format!("{k}\u{0}{v}")).collect();
            blake3::hash(joined.join("\u{1}").as_bytes()).to_hex()[..16].to_owned()
        } else {
            a.fingerprint
        };
        let find = |name: &str| labels.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let service = find(&mapping.service_label);
        let sev = mapping.severity(find(&mapping.severity_label).as_deref());
        let title = mapping.title(&labels, &annotations, &format!("alert {fingerprint}"));
        let mut details = vec![("receiver".to_owned(), msg.receiver.clone())];
        if !msg.group_key.is_empty() {
            details.push(("groupKey".to_owned(), msg.group_key.clone()));
        }
        if !msg.external_url.is_empty() {
            details.push(("externalURL".to_owned(), msg.external_url.clone()));
        }
        if !a.generator_url.is_empty() {
            details.push(("generatorURL".to_owned(), a.generator_url));
        }
        if let Some(r) = &msg.notification_reason {
            details.push(("notification_reason".to_owned(), r.clone()));
        }
        if msg.truncated_alerts > 0 {
            details.push(("truncatedAlerts".to_owned(), msg.truncated_alerts.to_string()));
        }
        let summary = title.clone();
        let state = format!("{} {}", a.status, starts_at.map(|t| t.to_rfc3339()).unwrap_or_default());
        out.push(
            Alert {
                source: "alertmanager",
                key: if group { format!("group:{}", msg.group_key) } else { fingerprint.clone() },
                identity: fingerprint,
                action,
                state: Some(state),
                resolves_incident: resolves_when_all(mapping, service.as_deref()),
                title,
                service,
                severity: sev,
                status: a.status,
                summary,
                labels,
                annotations,
                starts_at,
                ends_at,
                details,
            }
            .signal(),
        );
    }
    Ok(out)
}
