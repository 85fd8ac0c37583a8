//! `[notifiers.NAME]`: how a page reaches a person. Plain settings; the server runs them
//! (`server/notify.rs`).

use std::path::PathBuf;

/// One configured notifier. A person is paged through every notifier they have a contact
/// handle for (`[people.NAME] contacts = { NOTIFIER = "handle" }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifierSettings {
    pub name: String,
    pub kind: NotifierKind,
    /// One attempt may take this long; then it is killed (command) or abandoned (webhook).
    pub timeout: std::time::Duration,
    /// Further attempts after a failed one.
    pub retries: u32,
    /// Wait before the first retry; doubled before each further one.
    pub backoff: std::time::Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifierKind {
    /// Run a program. `argv[0]` is the program, never a shell; each element may hold
    /// placeholders (`{person}`, `{handle}`, `{incident}`, `{title}`, `{priority}`,
    /// `{severity}`, `{service}`, `{level}`, `{message}`) that expand inside that one argument,
    /// so untrusted text can never become a second argument or shell syntax. The same values
    /// are in `PIKET_*` environment variables.
    Command { argv: Vec<String> },
    /// POST JSON to a URL (http or https).
    Webhook { url: String, format: WebhookFormat, token_file: Option<PathBuf> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// piket's own JSON (see docs/API.md "Pages").
    Json,
    /// `{"text": "..."}`, which Slack and Mattermost incoming webhooks accept.
    Slack,
}

impl NotifierSettings {
    pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
    pub const DEFAULT_RETRIES: u32 = 2;
    pub const DEFAULT_BACKOFF: std::time::Duration = std::time::Duration::from_secs(2);
}

/// What an argv element may contain, in braces: one value each, expanded inside that element.
pub const PLACEHOLDERS: &[&str] =
    &["person", "handle", "incident", "title", "priority", "severity", "service", "level", "message"];
