//! The HTTP/JSON API under `/v1/` (documented for scripts in docs/API.md).
//!
//! Every error is `{"error": {"code": "...", "message": "...", "next": [...]}}` with a stable
//! `code` and the matching HTTP status (see [`super::error::ApiError`]). Engine calls block (redb), so they
//! run on tokio's blocking pool; a handler answers only after its commit is durable.
//!
//! Every route is behind [`super::gate`]: a handler gets the caller as `Extension<Caller>`
//! and never checks identity or read-only itself. Bodies are strict: an unknown field is a
//! 400 naming it, so a misspelt filter cannot quietly match everything.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Extension, Path, Query as QueryParams, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Shared;
use super::error::ApiError;
use super::gate::Caller;
use crate::domain::{Command, IncidentId, Query, RotaCommand, Source};
use crate::engine::{Engine, EngineError};
use crate::wire::media::POSTCARD;
use crate::wire::{CloseWindow, RotaQuery};

/// Largest request body accepted (a long note pasted from a log fits; a mistake does not).
pub const BODY_LIMIT: usize = 1024 * 1024;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/whoami", get(whoami))
        .route("/v1/incidents", get(list_get))
        .route("/v1/incidents/search", post(list_post))
        .route("/v1/incidents/{id}", get(incident))
        .route("/v1/incidents/{id}/timeline", get(timeline))
        .route("/v1/commands", post(execute))
        .route("/v1/chain/head", get(chain_head))
        .route("/v1/verify", get(verify))
        .route("/v1/changes", get(super::feed::changes))
        .route("/v1/server/stop", post(stop))
        .route("/v1/maintenance", get(maintenance_list).post(maintenance_set))
        .route("/v1/maintenance/{id}/{how}", post(maintenance_close))
        .route("/v1/incidents/{id}/escalation", get(escalation))
        .route("/v1/rota", get(rota_get).post(rota_change))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_route",
                "no such route: the API is under /v1/ (see docs/API.md)",
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method (see docs/API.md)",
            )
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}

/// The body as JSON whatever its Content-Type says (`curl -d` sends a form type). A body that
/// does not parse is the client's mistake (400) with serde's reason; one over [`BODY_LIMIT`]
/// is 413.
fn json_body<T: serde::de::DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the request body is over the limit of {BODY_LIMIT} bytes"),
            )
        } else {
            ApiError::bad_request(format!("cannot read the body: {}", e.body_text()))
        }
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not a valid request: {e}")))
}

fn query_error(e: &QueryRejection) -> ApiError {
    ApiError::bad_request(format!("bad query parameters: {}", e.body_text()))
}

/// Run blocking engine work off the async threads.
async fn blocking<T: Send + 'static>(
    shared: &Arc<Shared>,
    f: impl FnOnce(&Engine) -> Result<T, EngineError> + Send + 'static,
) -> Result<T, ApiError> {
    let engine = Arc::clone(&shared.engine);
    tokio::task::spawn_blocking(move || f(&engine))
        .await
        .map_err(|e| ApiError::unavailable(format!("the engine task failed: {e}")))?
        .map_err(ApiError::from)
}

fn parse_id(raw: &str) -> Result<IncidentId, ApiError> {
    raw.parse().map_err(|e| ApiError::bad_request(format!("'{raw}' is not an incident id: {e}")))
}

async fn health(State(s): State<Arc<Shared>>) -> Result<Json<serde_json::Value>, ApiError> {
    let last = blocking(&s, Engine::last_global_seq).await?;
    Ok(Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "pid": std::process::id(),
        "database": s.engine.store_path(),
        "socket": s.options.socket,
        "started_at": s.started_at,
        "uptime_secs": s.started.elapsed().as_secs(),
        "feeds": s.feeds.load(Ordering::Relaxed),
        "last_global_seq": last,
    })))
}

async fn whoami(Extension(caller): Extension<Caller>) -> Json<serde_json::Value> {
    Json(json!({
        "user": caller.user,
        "uid": caller.uid,
        "read_only": caller.read_only,
    }))
}

/// `GET /v1/incidents`: the simple filters as query parameters, for curl.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ListParams {
    all: bool,
    /// Comma-separated statuses.
    status: Option<String>,
    text: Option<String>,
    service: Option<String>,
    person: Option<String>,
    sort: Option<String>,
    limit: Option<usize>,
}

impl ListParams {
    fn into_query(self) -> Result<Query, ApiError> {
        let statuses = match &self.status {
            None => Vec::new(),
            Some(s) => s
                .split(',')
                .filter(|p| !p.trim().is_empty())
                .map(|p| p.trim().parse().map_err(|e| ApiError::bad_request(format!("status: {e}"))))
                .collect::<Result<_, _>>()?,
        };
        let sort = match &self.sort {
            None => crate::domain::Sort::default(),
            Some(s) => s.parse().map_err(|e: String| ApiError::bad_request(format!("sort: {e}")))?,
        };
        Ok(Query {
            statuses,
            all: self.all,
            service: self.service,
            text: self.text,
            person: self.person,
            sort,
            limit: self.limit,
            ..Query::default()
        })
    }
}

async fn list_get(
    State(s): State<Arc<Shared>>,
    _: Extension<Caller>,
    params: Result<QueryParams<ListParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let QueryParams(params) = params.map_err(|e| query_error(&e))?;
    let q = params.into_query()?;
    Ok(Json(blocking(&s, move |e| e.list(&q)).await?).into_response())
}

async fn list_post(
    State(s): State<Arc<Shared>>,
    _: Extension<Caller>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let q: Query = json_body(body)?;
    let list = blocking(&s, move |e| e.list(&q)).await?;
    let wants_postcard =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(POSTCARD));
    if wants_postcard {
        let bytes = tokio::task::spawn_blocking(move || postcard::to_allocvec(&list))
            .await
            .map_err(|e| ApiError::unavailable(e.to_string()))?
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "store", e.to_string()))?;
        return Ok(([(header::CONTENT_TYPE, POSTCARD)], bytes).into_response());
    }
    Ok(Json(list).into_response())
}

async fn incident(
    State(s): State<Arc<Shared>>,
    _: Extension<Caller>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&raw)?;
    let inc = blocking(&s, move |e| e.incident(id)).await?.ok_or(EngineError::NotFound(id))?;
    Ok(Json(inc).into_response())
}

async fn timeline(
    State(s): State<Arc<Shared>>,
    _: Extension<Caller>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&raw)?;
    let events = blocking(&s, move |e| e.timeline(id)).await?;
    if events.is_empty() {
        return Err(EngineError::NotFound(id).into());
    }
    Ok(Json(events).into_response())
}

/// `POST /v1/commands?source=tui`: the body is one [`Command`].
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ExecParams {
    source: Option<Source>,
}

/// The source of a change a caller asks for (read-only users never get here: the gate
/// refused them). Timers and alert receivers are the server's own sources; a caller cannot
/// pose as them.
fn writer_source(params: &ExecParams) -> Result<Source, ApiError> {
    match params.source.unwrap_or(Source::Api) {
        src @ (Source::Cli | Source::Tui | Source::Api) => Ok(src),
        other => Err(ApiError::bad_request(format!(
            "source {} is the server's own; use cli, tui or api",
            other.as_str()
        ))),
    }
}

/// A change a caller asks for: the strict body, the source they may claim, the caller (from
/// the kernel) as actor, and the engine's answer once it is durable. `/v1/commands` and
/// `/v1/rota` differ only in the body and the engine call.
async fn change<C, T>(
    s: &Arc<Shared>,
    caller: Caller,
    params: Result<QueryParams<ExecParams>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
    run: impl FnOnce(&Engine, &str, Source, &C) -> Result<T, EngineError> + Send + 'static,
) -> Result<Response, ApiError>
where
    C: serde::de::DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
{
    let QueryParams(params) = params.map_err(|e| query_error(&e))?;
    let cmd: C = json_body(body)?;
    let source = writer_source(&params)?;
    let actor = caller.user;
    let done = blocking(s, move |e| run(e, &actor, source, &cmd)).await?;
    Ok((StatusCode::OK, Json(done)).into_response())
}

/// `POST /v1/commands`: one [`Command`] on an incident.
async fn execute(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    params: Result<QueryParams<ExecParams>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    change(&s, caller, params, body, |e, actor, source, cmd: &Command| {
        e.execute(actor, source, cmd, chrono::Utc::now())
    })
    .await
}

async fn chain_head(
    State(s): State<Arc<Shared>>,
    _: Extension<Caller>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let head = blocking(&s, Engine::chain_head).await?;
    Ok(Json(json!({ "head": head })))
}

async fn verify(State(s): State<Arc<Shared>>, _: Extension<Caller>) -> Result<Response, ApiError> {
    Ok(Json(blocking(&s, Engine::verify).await?).into_response())
}

async fn stop(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    match caller.uid {
        uid if uid == s.uid || uid == 0 => {
            eprintln!(
                "piket serve: stop asked by {} (pid {})",
                caller.user,
                caller.pid.map_or_else(|| "?".to_owned(), |p| p.to_string())
            );
            let _ = s.shutdown.send(true);
            Ok((
                StatusCode::ACCEPTED,
                [(header::CONNECTION, "close")],
                Json(json!({ "status": "stopping", "pid": std::process::id() })),
            )
                .into_response())
        }
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the user the server runs as (or root) may stop it; on a shared host: systemctl stop piket",
        )),
    }
}

/// Every maintenance window as it stands, and how many alerts windows suppressed.
async fn maintenance_list(State(s): State<Arc<Shared>>) -> Result<Response, ApiError> {
    Ok(Json(blocking(&s, Engine::maintenance_list).await?).into_response())
}

/// Set a maintenance window: an event on the maintenance timeline; the caller (from the
/// kernel) is its actor and `set_by`.
async fn maintenance_set(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    params: Result<QueryParams<ExecParams>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    change(&s, caller, params, body, |e, actor, source, window: &crate::domain::alert::MaintenanceWindow| {
        e.set_maintenance(actor, source, window, chrono::Utc::now())
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct CloseBody {
    reason: Option<String>,
}

/// `POST /v1/maintenance/{id}/end` (in force: stops now) or `/cancel` (not started).
async fn maintenance_close(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path((raw, how)): Path<(String, String)>,
    params: Result<QueryParams<ExecParams>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let QueryParams(params) = params.map_err(|e| query_error(&e))?;
    let how = match how.as_str() {
        "end" => CloseWindow::End,
        "cancel" => CloseWindow::Cancel,
        other => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_route",
                format!(
                    "no such route: /v1/maintenance/{raw}/{other}; use .../end or .../cancel (see docs/API.md)"
                ),
            ));
        }
    };
    let id: u32 = raw.trim_start_matches('#').parse().map_err(|_| {
        ApiError::bad_request(format!(
            "'{raw}' is not a maintenance window number: GET /v1/maintenance lists them"
        ))
    })?;
    let body = match body {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => CloseBody::default(),
        other => json_body(other)?,
    };
    let source = writer_source(&params)?;
    let actor = caller.user;
    let w =
        blocking(&s, move |e| e.close_maintenance(&actor, source, id, how, body.reason, chrono::Utc::now()))
            .await?;
    Ok((StatusCode::OK, Json(w)).into_response())
}

async fn escalation(
    State(s): State<Arc<Shared>>,
    _: Extension<Caller>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&raw)?;
    Ok(Json(blocking(&s, move |e| e.escalation_view(id, chrono::Utc::now())).await?).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RotaParams {
    at: Option<String>,
    days: Option<u32>,
}

async fn rota_get(
    State(s): State<Arc<Shared>>,
    _: Extension<Caller>,
    params: Result<QueryParams<RotaParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let QueryParams(params) = params.map_err(|e| query_error(&e))?;
    let at = match params.at {
        None => chrono::Utc::now(),
        Some(t) => chrono::DateTime::parse_from_rfc3339(&t)
            .map_err(|e| ApiError::bad_request(format!("at: \"{t}\" is not an RFC 3339 time: {e}")))?
            .with_timezone(&chrono::Utc),
    };
    let days = params.days.unwrap_or(0);
    if days > 366 {
        return Err(ApiError::bad_request("days: at most 366"));
    }
    let q = RotaQuery { at, days };
    Ok(Json(blocking(&s, move |e| Ok(e.rota_view(q))).await?).into_response())
}

/// `POST /v1/rota`: add or remove an override (a [`RotaCommand`], on the rota's timeline).
async fn rota_change(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    params: Result<QueryParams<ExecParams>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    change(&s, caller, params, body, |e, actor, source, cmd: &RotaCommand| {
        e.change_rota(actor, source, cmd, chrono::Utc::now())
    })
    .await
}
