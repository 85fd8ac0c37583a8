//! Alert receivers: Alertmanager's webhook (v4), PagerDuty Events v2, and plain JSON.
//!
//! A request is parsed whole before anything is written: one bad alert is a 400 with the
//! reason and nothing is stored. Parsed requests go to one batcher task that hands every
//! request waiting at that moment to [`Engine::ingest`] as one write transaction (group
//! commit: one fsync for many senders); each request is answered only after that commit is
//! durable, so a sender retries anything piket did not keep.
//!
//! The routes are served on the Unix socket and, when `server.listen` is set, on TCP behind a
//! bearer token (see [`super::tcp`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::domain::alert::{AlertMapping, AlertRecord, AlertSignal, ResolvePolicy};
use crate::domain::text::sanitize_line;
use crate::domain::{AlertAction, AlertOutcome};
use crate::engine::{Engine, IngestItem};
use crate::server::gate::Caller;

/// The actor of a request: the OS user on the socket (the gate named them), none over TCP.
fn actor(caller: Option<Extension<Caller>>) -> Option<String> {
    caller.map(|Extension(c)| c.user)
}

/// PagerDuty's payload limit: 512 KB.
pub const PAGERDUTY_BODY_LIMIT: usize = 512 * 1024;
/// Alertmanager and plain JSON bodies: a whole group of a large fleet fits.
pub const ALERT_BODY_LIMIT: usize = 4 * 1024 * 1024;
/// Heartbeat bodies are read only to tell a resolved notification from a beat.
pub const HEARTBEAT_BODY_LIMIT: usize = ALERT_BODY_LIMIT;
/// Requests decided in one transaction at most.
const MAX_BATCH: usize = 512;

/// What the receivers need from config.
#[derive(Debug, Clone, Default)]
pub struct AlertOptions {
    pub mapping: AlertMapping,
    /// PagerDuty events per minute per routing key; 0: no limit.
    pub events_per_minute: u32,
}

type Reply = oneshot::Sender<Result<Vec<AlertOutcome>, String>>;

/// The receivers' shared state.
pub struct Ingest {
    pub options: AlertOptions,
    jobs: mpsc::Sender<(IngestItem, Reply)>,
    throttle: std::sync::Mutex<HashMap<String, (i64, u32)>>,
    generated: AtomicU64,
    /// Heartbeat name -> (last beat, an incident "pipeline silent" was opened since).
    beats: std::sync::Mutex<HashMap<String, (std::time::Instant, bool)>>,
}

impl Ingest {
    /// Start the batcher task on the current runtime. It ends when the last sender is dropped.
    #[must_use]
    pub fn start(engine: Arc<Engine>, options: AlertOptions) -> Arc<Self> {
        let (tx, mut rx) = mpsc::channel::<(IngestItem, Reply)>(4096);
        let flap = options.mapping.flapping;
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(j) => jobs.push(j),
                        Err(_) => break,
                    }
                }
                let (items, replies): (Vec<_>, Vec<_>) = jobs.into_iter().unzip();
                let engine = Arc::clone(&engine);
                let result = tokio::task::spawn_blocking(move || engine.ingest(&items, flap)).await;
                match result {
                    Ok(Ok(outcomes)) => {
                        for (reply, out) in replies.into_iter().zip(outcomes) {
                            let _ = reply.send(Ok(out));
                        }
                    }
                    Ok(Err(e)) => replies.into_iter().for_each(|r| drop(r.send(Err(e.to_string())))),
                    Err(e) => replies.into_iter().for_each(|r| drop(r.send(Err(e.to_string())))),
                }
            }
        });
        let started = std::time::Instant::now();
        let beats = options.mapping.heartbeats.keys().map(|n| (n.clone(), (started, false))).collect();
        let ingest = Arc::new(Self {
            options,
            jobs: tx,
            throttle: std::sync::Mutex::new(HashMap::new()),
            generated: AtomicU64::new(0),
            beats: std::sync::Mutex::new(beats),
        });
        if !ingest.options.mapping.heartbeats.is_empty() {
            tokio::spawn(watch_heartbeats(Arc::downgrade(&ingest)));
        }
        ingest
    }

    /// Decide `signals` in the next group commit; answers after it is durable. `actor`: the
    /// caller on the socket; `None` (TCP, the server's own timers): the sender kind.
    async fn submit(
        &self,
        signals: Vec<AlertSignal>,
        actor: Option<String>,
    ) -> Result<Vec<AlertOutcome>, String> {
        let (tx, rx) = oneshot::channel();
        let item = IngestItem { signals, now: Utc::now(), actor };
        self.jobs.send((item, tx)).await.map_err(|_| "the server is stopping".to_owned())?;
        rx.await.map_err(|_| "the server is stopping".to_owned())?
    }

    /// Fixed one-minute windows per routing key.
    fn throttled(&self, routing_key: &str) -> bool {
        let limit = self.options.events_per_minute;
        if limit == 0 {
            return false;
        }
        let minute = Utc::now().timestamp() / 60;
        let mut map = self.throttle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let slot = map.entry(routing_key.to_owned()).or_insert((minute, 0));
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        slot.1 += 1;
        slot.1 > limit
    }

    /// A dedup key for a trigger that has none: unique, 32 hex characters.
    fn new_key(&self) -> String {
        let n = self.generated.fetch_add(1, Ordering::Relaxed);
        let seed = format!("{}-{}-{n}", std::process::id(), Utc::now().timestamp_nanos_opt().unwrap_or(0));
        blake3::hash(seed.as_bytes()).to_hex()[..32].to_owned()
    }
}

/// The receiver routes, each with its own body limit.
pub fn router(ingest: Arc<Ingest>) -> Router {
    Router::new()
        .route("/v1/alerts/alertmanager", post(alertmanager).layer(DefaultBodyLimit::max(ALERT_BODY_LIMIT)))
        .route("/v1/alerts", post(plain).layer(DefaultBodyLimit::max(ALERT_BODY_LIMIT)))
        .route("/v2/enqueue", post(enqueue).layer(DefaultBodyLimit::max(PAGERDUTY_BODY_LIMIT)))
        .route("/v1/heartbeats/{name}", post(heartbeat).layer(DefaultBodyLimit::max(HEARTBEAT_BODY_LIMIT)))
        .with_state(ingest)
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": {"code": code, "message": message.into()}}))).into_response()
}

fn body_bytes(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, Box<Response>> {
    body.map_err(|e| {
        Box::new(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is over the limit of {limit} bytes"),
            )
        } else {
            error(StatusCode::BAD_REQUEST, "bad_request", format!("cannot read the body: {}", e.body_text()))
        })
    })
}

fn outcomes_json(outcomes: &[AlertOutcome]) -> Value {
    serde_json::to_value(outcomes).unwrap_or(Value::Null)
}

fn store_failed(e: &str) -> Response {
    error(StatusCode::SERVICE_UNAVAILABLE, "store", format!("not stored, retry: {e}"))
}

// ---------------------------------------------------------------- Alertmanager

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
        out.push(AlertSignal {
            source: "alertmanager".to_owned(),
            key: if group { format!("group:{}", msg.group_key) } else { fingerprint.clone() },
            identity: fingerprint.clone(),
            action,
            state: Some(state),
            resolves_incident: if mapping.auto_resolves(service.as_deref()) {
                ResolvePolicy::WhenAllResolved
            } else {
                ResolvePolicy::Never
            },
            title,
            service,
            impact: sev.impact,
            urgency: sev.urgency,
            severity: sev.severity,
            record: AlertRecord {
                source: "alertmanager".to_owned(),
                key: fingerprint.clone(),
                identity: fingerprint,
                status: a.status,
                summary,
                labels,
                annotations,
                starts_at,
                ends_at,
                details,
            },
        });
    }
    Ok(out)
}

async fn alertmanager(
    State(ingest): State<Arc<Ingest>>,
    caller: Option<Extension<Caller>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let bytes = match body_bytes(body, ALERT_BODY_LIMIT) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let signals = match parse_alertmanager(&bytes, &ingest.options.mapping) {
        Ok(s) => s,
        // A 4xx is a permanent failure for Alertmanager: it does not retry what it cannot fix.
        Err(reason) => return error(StatusCode::BAD_REQUEST, "bad_request", reason),
    };
    if let Some(first) = signals.first()
        && let Some(left_out) = first.record.truncated_alerts()
    {
        let receiver = first.record.detail("receiver").unwrap_or_default();
        eprintln!(
            "piket serve: Alertmanager receiver '{}' left {left_out} alert(s) out of a notification \
             (truncatedAlerts): {}",
            sanitize_line(receiver),
            crate::domain::alert::TRUNCATED_ADVICE
        );
    }
    match ingest.submit(signals, actor(caller)).await {
        Ok(out) => (StatusCode::OK, Json(json!({"status": "success", "alerts": outcomes_json(&out)})))
            .into_response(),
        Err(e) => store_failed(&e),
    }
}

// ---------------------------------------------------------------- PagerDuty Events v2

fn pd_response(status: StatusCode, state: &str, message: &str, errors: &[String]) -> Response {
    (status, Json(json!({"status": state, "message": message, "errors": errors}))).into_response()
}

fn pd_invalid(errors: &[String]) -> Response {
    pd_response(StatusCode::BAD_REQUEST, "invalid event", "Event object is invalid", errors)
}

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
    let signal = AlertSignal {
        source: "pagerduty".to_owned(),
        key: format!("{routing_key}/{dedup}"),
        identity: dedup.clone(),
        action,
        state: None,
        resolves_incident: ResolvePolicy::Always,
        title: mapping.title(&[], &[("summary".to_owned(), title.clone())], &title),
        service,
        impact: sev.impact,
        urgency: sev.urgency,
        severity: sev.severity,
        record: AlertRecord {
            source: "pagerduty".to_owned(),
            key: dedup.clone(),
            identity: dedup.clone(),
            status: action.as_str().to_owned(),
            summary,
            labels: Vec::new(),
            annotations,
            starts_at,
            ends_at: None,
            details,
        },
    };
    Ok((signal, dedup))
}

async fn enqueue(
    State(ingest): State<Arc<Ingest>>,
    caller: Option<Extension<Caller>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let bytes = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return pd_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid event",
                "Request body is over 512 KB",
                &[format!("the limit is {PAGERDUTY_BODY_LIMIT} bytes")],
            );
        }
        Err(e) => return pd_invalid(&[format!("cannot read the body: {}", e.body_text())]),
    };
    let (signal, dedup) = match parse_pagerduty(&bytes, &ingest.options.mapping, || ingest.new_key()) {
        Ok(v) => v,
        Err(errors) => return pd_invalid(&errors),
    };
    let routing_key = signal.key.split('/').next().unwrap_or_default().to_owned();
    if ingest.throttled(&routing_key) {
        return pd_response(
            StatusCode::TOO_MANY_REQUESTS,
            "throttle event",
            "Requests for this routing key are arriving too quickly. Please retry later.",
            &[format!("over {} events per minute for this routing key", ingest.options.events_per_minute)],
        );
    }
    match ingest.submit(vec![signal], actor(caller)).await {
        Ok(out) => {
            let (message, incident) = match out.first() {
                Some(AlertOutcome::Dropped { reason }) => (format!("Event dropped: {reason}"), None),
                Some(o) => ("Event processed".to_owned(), o.incident()),
                None => ("Event processed".to_owned(), None),
            };
            let mut body = json!({"status": "success", "message": message, "dedup_key": dedup});
            if let Some(id) = incident {
                body["incident"] = json!(id.to_string());
            }
            (StatusCode::ACCEPTED, Json(body)).into_response()
        }
        Err(e) => store_failed(&e),
    }
}

// ---------------------------------------------------------------- plain JSON

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
    let title: String = a.title.trim().chars().take(crate::domain::decide::MAX_TITLE_CHARS).collect();
    let signal = AlertSignal {
        source: "api".to_owned(),
        key: key.clone(),
        identity: key.clone(),
        action,
        state: Some(action.as_str().to_owned()),
        resolves_incident: if mapping.auto_resolves(a.service.as_deref()) {
            ResolvePolicy::WhenAllResolved
        } else {
            ResolvePolicy::Never
        },
        title: title.clone(),
        service: a.service,
        impact: sev.impact,
        urgency: sev.urgency,
        severity: sev.severity,
        record: AlertRecord {
            source: "api".to_owned(),
            key: key.clone(),
            identity: key.clone(),
            status: if action == AlertAction::Trigger { "firing" } else { "resolved" }.to_owned(),
            summary: title,
            labels,
            annotations: Vec::new(),
            starts_at: None,
            ends_at: None,
            details,
        },
    };
    Ok((signal, key))
}

async fn plain(
    State(ingest): State<Arc<Ingest>>,
    caller: Option<Extension<Caller>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let bytes = match body_bytes(body, ALERT_BODY_LIMIT) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let (signal, key) = match parse_plain(&bytes, &ingest.options.mapping, || ingest.new_key()) {
        Ok(v) => v,
        Err(reason) => return error(StatusCode::BAD_REQUEST, "bad_request", reason),
    };
    match ingest.submit(vec![signal], actor(caller)).await {
        Ok(out) => (
            StatusCode::OK,
            Json(json!({"status": "success", "dedup_key": key, "alerts": outcomes_json(&out)})),
        )
            .into_response(),
        Err(e) => store_failed(&e),
    }
}

// ---------------------------------------------------------------- heartbeats

/// A heartbeat's signal: `silent` opens (or finds) the incident, otherwise the beat that
/// ended a silence is recorded on it.
fn heartbeat_signal(
    mapping: &AlertMapping,
    name: &str,
    every: chrono::Duration,
    silent: bool,
) -> AlertSignal {
    let sev = mapping.severity(Some("critical"));
    let secs = every.num_seconds();
    let title = format!("alerting pipeline silent: no heartbeat '{name}' for {secs} s");
    let status = if silent { "silent" } else { "beat" };
    AlertSignal {
        source: "heartbeat".to_owned(),
        key: name.to_owned(),
        identity: name.to_owned(),
        action: if silent { AlertAction::Trigger } else { AlertAction::Resolve },
        state: Some(status.to_owned()),
        resolves_incident: ResolvePolicy::Never,
        title: title.clone(),
        service: None,
        impact: sev.impact,
        urgency: sev.urgency,
        severity: sev.severity,
        record: AlertRecord {
            source: "heartbeat".to_owned(),
            key: name.to_owned(),
            identity: name.to_owned(),
            status: status.to_owned(),
            summary: if silent { title } else { format!("heartbeat '{name}' is beating again") },
            labels: vec![("heartbeat".to_owned(), name.to_owned())],
            annotations: Vec::new(),
            starts_at: None,
            ends_at: None,
            details: vec![("interval_seconds".to_owned(), secs.to_string())],
        },
    }
}

/// Opens an incident for every heartbeat silent longer than its time. Ends with the server.
async fn watch_heartbeats(ingest: std::sync::Weak<Ingest>) {
    let shortest = ingest
        .upgrade()
        .and_then(|i| i.options.mapping.heartbeats.values().min().copied())
        .and_then(|d| d.to_std().ok())
        .unwrap_or(std::time::Duration::from_secs(60));
    let tick = (shortest / 4).clamp(std::time::Duration::from_millis(50), std::time::Duration::from_secs(5));
    loop {
        tokio::time::sleep(tick).await;
        let Some(ingest) = ingest.upgrade() else { return };
        let due: Vec<(String, chrono::Duration)> = {
            let beats = ingest.beats.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            ingest
                .options
                .mapping
                .heartbeats
                .iter()
                .filter(|(name, every)| {
                    beats.get(*name).is_some_and(|(last, silent)| {
                        !silent && every.to_std().is_ok_and(|e| last.elapsed() > e)
                    })
                })
                .map(|(n, e)| (n.clone(), *e))
                .collect()
        };
        for (name, every) in due {
            let signal = heartbeat_signal(&ingest.options.mapping, &name, every, true);
            if ingest.submit(vec![signal], None).await.is_ok() {
                let mut beats = ingest.beats.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some(b) = beats.get_mut(&name) {
                    b.1 = true;
                }
            } else {
                eprintln!("piket serve: cannot record that heartbeat '{name}' is silent; will retry");
            }
        }
    }
}

/// Whether a heartbeat request says the heartbeat alert ended: an Alertmanager notification
/// whose status is `resolved` (its Watchdog stopped firing: the pipeline behind it is what
/// broke), or a PagerDuty `resolve`. Any other body, or none, is a beat.
fn is_resolved_notification(body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else { return false };
    let alerts_resolved = v.get("alerts").and_then(Value::as_array).is_some_and(|a| {
        !a.is_empty() && a.iter().all(|x| x.get("status").and_then(Value::as_str) == Some("resolved"))
    });
    v.get("status").and_then(Value::as_str) == Some("resolved")
        || alerts_resolved
        || v.get("event_action").and_then(Value::as_str) == Some("resolve")
}

/// `POST /v1/heartbeats/{name}`: any body (Alertmanager's Watchdog notification) is a beat,
/// except a resolved notification (see [`is_resolved_notification`]). A beat that ends a
/// silence is recorded on the incident (after the commit); other beats are kept in memory
/// only.
async fn heartbeat(
    State(ingest): State<Arc<Ingest>>,
    caller: Option<Extension<Caller>>,
    Path(name): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let bytes = match body_bytes(body, HEARTBEAT_BODY_LIMIT) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let Some(every) = ingest.options.mapping.heartbeats.get(&name).copied() else {
        return error(
            StatusCode::NOT_FOUND,
            "unknown_heartbeat",
            format!("no heartbeat named '{name}' (alerts.heartbeats in the config)"),
        );
    };
    if is_resolved_notification(&bytes) {
        // A sender can repeat this at will: one line a minute per heartbeat.
        if super::senders::once_a_minute(&format!("heartbeat {name}")).is_some() {
            eprintln!(
                "piket serve: heartbeat '{}': a resolved notification is not a beat (its sender says \
                 the heartbeat alert stopped firing)",
                sanitize_line(&name)
            );
        }
        return (
            StatusCode::OK,
            Json(json!({"status": "success", "heartbeat": name, "beat": false,
                "message": "a resolved notification is not a beat: the silence timer keeps running"})),
        )
            .into_response();
    }
    let was_silent = {
        let mut beats = ingest.beats.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = beats.entry(name.clone()).or_insert((std::time::Instant::now(), false));
        std::mem::replace(entry, (std::time::Instant::now(), false)).1
    };
    if was_silent {
        let signal = heartbeat_signal(&ingest.options.mapping, &name, every, false);
        if let Err(e) = ingest.submit(vec![signal], actor(caller)).await {
            return store_failed(&e);
        }
    }
    (StatusCode::OK, Json(json!({"status": "success", "heartbeat": name, "beat": true}))).into_response()
}
