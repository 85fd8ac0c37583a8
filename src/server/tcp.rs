//! The optional TCP listener (`server.listen`): only the alert receivers and `/v1/health`,
//! each request with `Authorization: Bearer <token>`. The token comes from a file that must
//! not be readable by other users; the server refuses to start otherwise and says so.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::ServeError;

/// `server.listen` and `server.token-file`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpOptions {
    pub listen: SocketAddr,
    pub token_file: PathBuf,
}

/// Read the bearer token, refusing a file other users can read (or write).
///
/// # Errors
/// The file is missing, readable by group or others, or empty.
pub fn read_token(path: &Path) -> Result<String, ServeError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ServeError::Socket(format!("server.token-file {}: {e}", path.display())))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ServeError::Socket(format!(
            "server.token-file {} has mode {mode:03o}: other users can read it; run `chmod 600 {}`",
            path.display(),
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| ServeError::Socket(format!("server.token-file {}: {e}", path.display())))?;
    let token = text.trim().to_owned();
    if token.len() < 16 {
        return Err(ServeError::Socket(format!(
            "server.token-file {}: the token is shorter than 16 characters",
            path.display()
        )));
    }
    Ok(token)
}

/// Compare without an early exit, so the time taken does not tell how much of a guess matched.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn require_token(State(token): State<Arc<String>>, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(t) if same(t.as_bytes(), token.as_bytes()) => next.run(req).await,
        Some(_) => unauthorized("the bearer token is wrong"),
        None => unauthorized("an Authorization: Bearer <token> header is required (server.token-file)"),
    }
}

fn unauthorized(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        axum::Json(serde_json::json!({"error": {"code": "unauthorized", "message": message}})),
    )
        .into_response()
}

/// The router of the TCP listener: the receivers, behind the token.
pub fn router(receivers: Router, token: String) -> Router {
    receivers
        .route("/v1/health", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                axum::Json(serde_json::json!({"error": {"code": "unknown_route",
                    "message": "this listener serves only the alert receivers (see docs/API.md)"}})),
            )
        })
        .layer(axum::middleware::from_fn_with_state(Arc::new(token), require_token))
        // Outside the token check, so a wrong token is logged for the sender's operator too.
        .layer(axum::middleware::from_fn(super::senders::tcp))
}
