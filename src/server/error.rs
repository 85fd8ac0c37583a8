//! The error every route answers with: a status and the body `wire::ErrorBody` describes
//! (`{"error": {"code", "message", "next"}}`). The API, the gate and the change feed share it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::Step;
use crate::engine::EngineError;
use crate::wire::{ErrorBody, ErrorEnvelope};

/// An error as the API reports it: its status, and the body as [`ErrorBody`] says.
#[derive(Debug, Clone)]
pub(super) struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub next: Vec<Step>,
}

impl ApiError {
    #[must_use]
    pub(super) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.to_owned(), message: message.into(), next: Vec::new() }
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub(super) fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = ErrorBody { code: self.code, message: self.message, next: self.next };
        (self.status, Json(ErrorEnvelope { error })).into_response()
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Refused(r) => Self {
                status: StatusCode::CONFLICT,
                code: "refused".to_owned(),
                message: r.message,
                next: r.next,
            },
            EngineError::NotFound(id) => {
                Self::new(StatusCode::NOT_FOUND, "not_found", format!("{id} does not exist"))
            }
            other => Self::new(StatusCode::INTERNAL_SERVER_ERROR, "store", other.to_string()),
        }
    }
}
