//! piket's own plain JSON alert, for scripts: a title, and optionally a service, a severity
//! word, a dedup key, a status and details.

use serde::Deserialize;
use serde_json::Value;

use super::{Alert, resolves_when_all};
use crate::domain::AlertAction;
use crate::domain::alert::{AlertMapping, AlertSignal};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainAlert {
    title: String,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    dedup_key: Option<String>,
    /// `firing` (default) or `resolved`.
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    details: Option<serde_json::Map<String, Value>>,
}

/// A plain JSON alert.
///
/// # Errors
/// Not the documented shape, an empty title, a bad status.
pub fn parse_plain(
    body: &[u8],
    mapping: &AlertMapping,
    new_key: impl FnOnce() -> String,
) -> Result<(AlertSignal, String), String> {
    let a: PlainAlert = serde_json::from_slice(body).map_err(|e| format!("not a plain alert: {e}"))?;
    if a.title.trim().is_empty() {
        return Err("'title' is empty".to_owned());
    }
    if a.dedup_key.as_ref().is_some_and(|k| k.is_empty() || k.chars().count() > 255) {
        return Err("'dedup_key' must be 1 to 255 characters".to_owned());
    }
    let action = match a.status.as_deref() {
        None | Some("firing") => AlertAction::Trigger,
        Some("resolved") => AlertAction::Resolve,
        Some(other) => return Err(format!("'status' '{other}' is neither firing nor resolved")),
    };
    let key = a.dedup_key.unwrap_or_else(new_key);
    let sev = mapping.severity(a.severity.as_deref());
    let details: Vec<(String, String)> = a
        .details
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
        .collect();
    let mut labels = Vec::new();
    if let Some(s) = &a.service {
        labels.push(("service".to_owned(), s.clone()));
    }
    if let Some(s) = &a.severity {
        labels.push(("severity".to_owned(), s.clone()));
    }
    let title: String = a.title.trim().chars().take(crate::domain::text::MAX_TITLE_CHARS).collect();
    let signal = Alert {
        source: "api",
        key: key.clone(),
        identity: key.clone(),
        action,
        state: Some(action.as_str().to_owned()),
        resolves_incident: resolves_when_all(mapping, a.service.as_deref()),
        title: title.clone(),
        service: a.service,
        severity: sev,
        status: if action == AlertAction::Trigger { "firing" } else { "resolved" }.to_owned(),
        summary: title,
        labels,
        annotations: Vec::new(),
        starts_at: None,
        ends_at: None,
        details,
    }
    .signal();
    Ok((signal, key))
}
