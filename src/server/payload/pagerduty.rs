//! PagerDuty Events v2: one event, validated the way PagerDuty does (every rule it breaks is
//! listed, as PagerDuty's own answer lists them).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Alert;
use crate::domain::AlertAction;
use crate::domain::alert::{AlertMapping, AlertSignal, ResolvePolicy};

/// A PagerDuty Events v2 event, validated: its signal and dedup key, or the list of errors.
///
/// # Errors
/// Every rule the event breaks, one sentence each.
pub fn parse_pagerduty(
    body: &[u8],
    mapping: &AlertMapping,
    new_key: impl FnOnce() -> String,
) -> Result<(AlertSignal, String), Vec<String>> {
    let v: Value = serde_json::from_slice(body).map_err(|e| vec![format!("the body is not JSON: {e}")])?;
    let Some(obj) = v.as_object() else { return Err(vec!["the body is not a JSON object".to_owned()]) };
    let mut errors = Vec::new();
    let text =
        |o: &serde_json::Map<String, Value>, k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    let routing_key = text(obj, "routing_key");
    match &routing_key {
        None => errors.push("'routing_key' is missing or not a string".to_owned()),
        Some(k) if k.chars().count() != 32 => {
            errors.push(format!("'routing_key' must be 32 characters, it is {}", k.chars().count()));
        }
        Some(k) if !mapping.routing_keys.is_empty() && !mapping.routing_keys.contains_key(k) => {
            errors.push("'routing_key' is not a routing key of this piket (alerts.routing-keys)".to_owned());
        }
        Some(_) => {}
    }
    let action = match text(obj, "event_action").as_deref() {
        Some("trigger") => Some(AlertAction::Trigger),
        Some("acknowledge") => Some(AlertAction::Acknowledge),
        Some("resolve") => Some(AlertAction::Resolve),
        Some(other) => {
            errors.push(format!("'event_action' '{other}' is not trigger, acknowledge or resolve"));
            None
        }
        None => {
            errors.push("'event_action' is missing or not a string".to_owned());
            None
        }
    };
    let dedup = match obj.get("dedup_key") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() > 255 => {
            errors.push(format!("'dedup_key' is {} characters; the limit is 255", s.chars().count()));
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push("'dedup_key' is not a string".to_owned());
            None
        }
    };
    if matches!(action, Some(AlertAction::Acknowledge | AlertAction::Resolve)) && dedup.is_none() {
        errors.push("'dedup_key' is required to acknowledge or resolve".to_owned());
    }
    let payload = obj.get("payload").and_then(Value::as_object);
    let mut summary = String::new();
    let mut severity_word = None;
    let mut annotations = Vec::new();
    let mut starts_at = None;
    if action == Some(AlertAction::Trigger) {
        if let Some(p) = payload {
            match text(p, "summary") {
                None => errors.push("'payload.summary' is missing or not a string".to_owned()),
                Some(s) if s.chars().count() > 1024 => {
                    errors.push(format!(
                        "'payload.summary' is {} characters; the limit is 1024",
                        s.chars().count()
                    ));
                }
                Some(s) if s.trim().is_empty() => errors.push("'payload.summary' is empty".to_owned()),
                Some(s) => summary = s,
            }
            match text(p, "source") {
                Some(s) if !s.trim().is_empty() => annotations.push(("source".to_owned(), s)),
                _ => errors.push("'payload.source' is missing or empty".to_owned()),
            }
            match text(p, "severity").as_deref() {
                Some(s @ ("critical" | "error" | "warning" | "info")) => severity_word = Some(s.to_owned()),
                Some(other) => errors
                    .push(format!("'payload.severity' '{other}' is not critical, error, warning or info")),
                None => errors.push("'payload.severity' is missing or not a string".to_owned()),
            }
            if let Some(t) = p.get("timestamp") {
                match t.as_str().map(DateTime::parse_from_rfc3339) {
                    Some(Ok(t)) => starts_at = Some(t.with_timezone(&Utc)),
                    _ => errors.push("'payload.timestamp' is not an ISO 8601 time".to_owned()),
                }
            }
            for k in ["component", "group", "class"] {
                if let Some(s) = text(p, k) {
                    annotations.push((k.to_owned(), s));
                }
            }
            if let Some(d) = p.get("custom_details") {
                annotations.push(("custom_details".to_owned(), d.to_string()));
            }
        } else {
            errors.push("'payload' is required for a trigger".to_owned());
        }
    }
    for k in ["images", "links"] {
        if obj.get(k).is_some_and(|l| !l.is_array()) {
            errors.push(format!("'{k}' is not an array"));
        }
    }
    if let Some(images) = obj.get("images").and_then(Value::as_array) {
        for (i, img) in images.iter().enumerate() {
            if img.get("src").and_then(Value::as_str).is_none_or(|s| !s.starts_with("https://")) {
                errors.push(format!("'images[{i}].src' must be an HTTPS URL"));
            }
        }
    }
    if let Some(links) = obj.get("links").and_then(Value::as_array) {
        for (i, l) in links.iter().enumerate() {
            if l.get("href").and_then(Value::as_str).is_none() {
                errors.push(format!("'links[{i}].href' is required"));
            }
        }
    }
    let (Some(routing_key), Some(action)) = (routing_key, action) else { return Err(errors) };
    if !errors.is_empty() {
        return Err(errors);
    }
    let dedup = dedup.unwrap_or_else(new_key);
    let mut details = Vec::new();
    for k in ["client", "client_url"] {
        if let Some(s) = text(obj, k) {
            details.push((k.to_owned(), s));
        }
    }
    for k in ["images", "links"] {
        if let Some(v) = obj.get(k) {
            details.push((k.to_owned(), v.to_string()));
        }
    }
    let service = mapping.routing_keys.get(&routing_key).cloned();
    let sev = mapping.severity(severity_word.as_deref());
    let title = if summary.is_empty() { format!("PagerDuty event {dedup}") } else { summary.clone() };
    if let Some(w) = &severity_word {
        annotations.push(("severity".to_owned(), w.clone()));
    }
    let signal = Alert {
        source: "pagerduty",
        key: format!("{routing_key}/{dedup}"),
        identity: dedup.clone(),
        action,
        state: None,
        resolves_incident: ResolvePolicy::Always,
        title: mapping.title(&[], &[("summary".to_owned(), title.clone())], &title),
        service,
        severity: sev,
        status: action.as_str().to_owned(),
        summary,
        labels: Vec::new(),
        annotations,
        starts_at,
        ends_at: None,
        details,
    }
    .signal();
    Ok((signal, dedup))
}
