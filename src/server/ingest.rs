//! Alert receivers: Alertmanager's webhook (v4), PagerDuty Events v2, plain JSON and
//! heartbeats, as HTTP routes. The payloads themselves are read by [`super::payload`].
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
use chrono::Utc;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::payload::{
    heartbeat_signal, is_resolved_notification, parse_alertmanager, parse_pagerduty, parse_plain,
};
use crate::domain::AlertOutcome;
use crate::domain::alert::{AlertMapping, AlertSignal};
use crate::domain::text::sanitize_line;
use crate::engine::{Engine, IngestItem};
use crate::server::gate::Caller;

/// The actor of a request: the OS user on the socket (the gate named them), none over TCP.
fn actor(caller: Option<Extension<Caller>>) -> Option<String> {
    caller.map(|Extension(c)| c.user)
}

/// PagerDuty's payload limit: 512 KB.
pub(crate) const PAGERDUTY_BODY_LIMIT: usize = 512 * 1024;
/// Alertmanager and plain JSON bodies: a whole group of a large fleet fits.
pub(crate) const ALERT_BODY_LIMIT: usize = 4 * 1024 * 1024;
/// Heartbeat bodies are read only to tell a resolved notification from a beat.
pub(crate) const HEARTBEAT_BODY_LIMIT: usize = ALERT_BODY_LIMIT;
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
