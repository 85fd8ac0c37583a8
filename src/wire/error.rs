//! The API's error body, as the server writes it and the remote client reads it:
//! `{"error": {"code": "...", "message": "...", "next": [...]}}` (docs/API.md). `code` is
//! stable; scripts and the client branch on it, never on `message`.

use serde::{Deserialize, Serialize};

use crate::domain::Step;

/// The whole body of an error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// What went wrong and, for a refusal, the steps that would work instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next: Vec<Step>,
}
