//! `GET /v1/changes?after=N`: every change committed after global sequence N, then each new
//! one as it commits, one JSON [`Change`] per line, until the client hangs up or the server
//! stops. No polling: the live part is the engine's broadcast.
//!
//! Order of work, so nothing falls between replay and live: subscribe to the broadcast first,
//! then replay from the store (events-1 is keyed by global sequence: one range scan), then
//! forward live changes the replay did not already cover. A feed that falls behind the
//! broadcast replays from the store again instead of losing changes.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};

use super::Shared;
use super::error::ApiError;
use crate::server::gate::Caller;
use crate::wire::Change;
use crate::wire::media::NDJSON;

/// Response header of the change feed: the last global sequence committed when it started.
const HEAD_HEADER: &str = "piket-head";

/// Events read from the store per replay step.
const REPLAY_STEP: usize = 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct FeedParams {
    /// Last global sequence the client has seen; absent: from now on.
    after: Option<u64>,
}

pub(super) async fn changes(
    State(s): State<Arc<Shared>>,
    _: Extension<Caller>,
    params: Result<Query<FeedParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params
        .map_err(|e| ApiError::new(axum::http::StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let live = s.engine.subscribe();
    let engine = Arc::clone(&s.engine);
    let head = tokio::task::spawn_blocking(move || engine.last_global_seq())
        .await
        .map_err(|e| {
            ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, "unavailable", e.to_string())
        })?
        .map_err(ApiError::from)?;
    let after = params.after.unwrap_or(head);
    let (tx, mut rx) = mpsc::channel::<Result<Bytes, Infallible>>(256);
    tokio::spawn(pump(Arc::clone(&s), live, after, tx));
    let body = Body::from_stream(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(HEAD_HEADER, HeaderValue::from(head));
    Ok(resp)
}

fn line(c: &Change) -> Bytes {
    let mut v = serde_json::to_vec(c).unwrap_or_default();
    v.push(b'\n');
    Bytes::from(v)
}

/// Send everything after `after` from the store; returns the last global sequence sent
/// (`after` if none), or `None` when the client has gone.
async fn replay(
    s: &Arc<Shared>,
    tx: &mpsc::Sender<Result<Bytes, Infallible>>,
    mut after: u64,
) -> Option<u64> {
    loop {
        let engine = Arc::clone(&s.engine);
        let from = after;
        let batch =
            tokio::task::spawn_blocking(move || engine.changes_since(from, REPLAY_STEP)).await.ok()?.ok()?;
        if batch.is_empty() {
            return Some(after);
        }
        for c in &batch {
            tx.send(Ok(line(c))).await.ok()?;
            after = after.max(c.global_seq);
        }
    }
}

async fn pump(
    s: Arc<Shared>,
    mut live: broadcast::Receiver<Change>,
    after: u64,
    tx: mpsc::Sender<Result<Bytes, Infallible>>,
) {
    s.feeds.fetch_add(1, Ordering::Relaxed);
    let mut stop = s.shutdown.subscribe();
    'feed: {
        let stopping = *stop.borrow();
        if stopping {
            break 'feed;
        }
        // `covered`: the replay sent everything up to here. `sent`: the highest sent at all.
        // Live changes may arrive slightly out of order (two commits announcing at once), so
        // only the replay boundary filters them, never `sent`.
        let Some(mut covered) = replay(&s, &tx, after).await else { break 'feed };
        let mut sent = covered;
        loop {
            tokio::select! {
                got = live.recv() => match got {
                    Ok(c) if c.global_seq <= covered => {}
                    Ok(c) => {
                        if tx.send(Ok(line(&c))).await.is_err() {
                            break 'feed;
                        }
                        sent = sent.max(c.global_seq);
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        live = live.resubscribe();
                        match replay(&s, &tx, sent).await {
                            Some(c) => (covered, sent) = (c, c),
                            None => break 'feed,
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => break 'feed,
                },
                () = tx.closed() => break 'feed,
                _ = stop.changed() => break 'feed,
            }
        }
    }
    s.feeds.fetch_sub(1, Ordering::Relaxed);
}
