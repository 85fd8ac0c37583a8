//! Refused sender requests in the server log.
//!
//! A sender whose request is refused (401 wrong token, 400 bad body, 403 read-only, 413 too
//! large, 429 throttled) is usually a misconfigured Alertmanager or script that retries
//! forever; only the server log can tell its operator why. One line per sender per minute at
//! most, so a flood cannot flood the log; the next line says how many were left out. The text
//! in a line (reason, path) comes from the sender: it is sanitised before it reaches the log.
//!
//! The limiter is process-wide, like the log it protects (stderr): one server per process.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::domain::text::sanitize_line;

/// At most one line per sender in this time.
const QUIET: Duration = Duration::from_secs(60);
/// Senders remembered at most (an address flood must not grow memory without bound).
const MAX_SENDERS: usize = 4096;
/// Longest reason written, in characters.
const MAX_REASON: usize = 300;
/// Largest refusal body read for its reason (refusals are small JSON).
const MAX_BODY: usize = 64 * 1024;

struct Slot {
    logged: Instant,
    suppressed: u64,
}

static SENDERS: LazyLock<Mutex<HashMap<String, Slot>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Whether a status is a refusal worth telling the sender's operator about.
#[must_use]
pub(super) const fn is_refusal(status: StatusCode) -> bool {
    matches!(status.as_u16(), 400 | 401 | 403 | 413 | 429)
}

/// Decide whether `sender` gets a line now; `Some(left out since the last line)` if so.
fn admit(map: &mut HashMap<String, Slot>, sender: &str, now: Instant) -> Option<u64> {
    if let Some(slot) = map.get_mut(sender) {
        if now.duration_since(slot.logged) < QUIET {
            slot.suppressed += 1;
            return None;
        }
        let left_out = slot.suppressed;
        *slot = Slot { logged: now, suppressed: 0 };
        return Some(left_out);
    }
    if map.len() >= MAX_SENDERS {
        map.retain(|_, s| now.duration_since(s.logged) < QUIET);
    }
    if map.len() < MAX_SENDERS {
        map.insert(sender.to_owned(), Slot { logged: now, suppressed: 0 });
    }
    Some(0)
}

/// Whether a line about `key` may be written now (at most one a minute); `Some(left out
/// since the last one)` if so. For other lines a sender can cause at will.
pub(super) fn once_a_minute(key: &str) -> Option<u64> {
    let mut map = SENDERS.lock().unwrap_or_else(PoisonError::into_inner);
    admit(&mut map, key, Instant::now())
}

/// Write one line for a refused request, unless this sender already had one this minute.
pub(super) fn note(sender: &str, method: &Method, path: &str, status: StatusCode, reason: &str) {
    let Some(left_out) = once_a_minute(sender) else { return };
    let reason: String = sanitize_line(reason).chars().take(MAX_REASON).collect();
    let more = if left_out > 0 {
        format!(" ({left_out} more refused from this sender in the last minute, not logged)")
    } else {
        String::new()
    };
    eprintln!(
        "piket serve: refused {method} {} from {}: {} {}{more}",
        sanitize_line(path),
        sanitize_line(sender),
        status.as_u16(),
        reason.trim()
    );
}

/// The reason a refusal body gives: `error.message` (piket, Alertmanager route), `errors`
/// (PagerDuty's shape), else the text itself.
fn reason_of(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return String::from_utf8_lossy(body).into_owned();
    };
    if let Some(m) = v.pointer("/error/message").and_then(serde_json::Value::as_str) {
        return m.to_owned();
    }
    let errors: Vec<&str> = v
        .get("errors")
        .and_then(serde_json::Value::as_array)
        .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    match (v.get("message").and_then(serde_json::Value::as_str), errors.is_empty()) {
        (Some(m), false) => format!("{m}: {}", errors.join("; ")),
        (Some(m), true) => m.to_owned(),
        (None, _) => errors.join("; "),
    }
}

/// Log `resp` if it refuses the sender; the response goes out unchanged.
pub(super) async fn log_if_refused(sender: &str, method: &Method, path: &str, resp: Response) -> Response {
    if !is_refusal(resp.status()) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    note(sender, method, path, parts.status, &reason_of(&bytes));
    Response::from_parts(parts, Body::from(bytes))
}

/// Middleware of the TCP listener, outside the token check so a wrong token is logged too.
/// The sender is its IP address (the port changes with every connection).
pub(super) async fn tcp(req: Request, next: Next) -> Response {
    let sender = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "an unknown address".to_owned(), |c| c.0.ip().to_string());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    log_if_refused(&sender, &method, &path, resp).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_sender_per_minute_then_the_count_left_out() {
        let mut map = HashMap::new();
        let t = Instant::now();
        assert_eq!(admit(&mut map, "10.0.0.1", t), Some(0));
        assert_eq!(admit(&mut map, "10.0.0.1", t + Duration::from_secs(1)), None);
        assert_eq!(admit(&mut map, "10.0.0.1", t + Duration::from_secs(2)), None);
        assert_eq!(admit(&mut map, "10.0.0.2", t + Duration::from_secs(2)), Some(0), "another sender");
        assert_eq!(admit(&mut map, "10.0.0.1", t + Duration::from_secs(61)), Some(2));
        assert_eq!(admit(&mut map, "10.0.0.1", t + Duration::from_secs(62)), None);
    }

    #[test]
    fn the_reason_comes_from_either_error_shape() {
        assert_eq!(reason_of(br#"{"error":{"code":"x","message":"bad token"}}"#), "bad token");
        assert_eq!(
            reason_of(
                br#"{"status":"invalid event","message":"Event object is invalid","errors":["a","b"]}"#
            ),
            "Event object is invalid: a; b"
        );
        assert_eq!(reason_of(b"plain"), "plain");
    }
}
