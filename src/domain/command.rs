//! What a responder asks for. The engine turns a command into events via [`super::decide`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::event::{Flag, Milestone, Review, Role};
use super::ids::IncidentId;
use super::priority::{Impact, Priority, Severity, Urgency};
use super::time::ts_opt;

/// Step 1: what the registering responder knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    pub title: String,
    pub description: Option<String>,
    pub reported_by: Option<String>,
    /// `None`: the front-end's own name (cli, tui).
    pub channel: Option<String>,
    #[serde(default)]
    pub services: Vec<String>,
    pub impact: Impact,
    pub urgency: Urgency,
    pub severity: Severity,
    pub category: Option<String>,
    /// `None`: now.
    #[serde(with = "ts_opt", default)]
    pub detected_at: Option<DateTime<Utc>>,
    #[serde(with = "ts_opt", default)]
    pub impact_started_at: Option<DateTime<Utc>>,
    #[serde(with = "ts_opt", default)]
    pub reported_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub drill: bool,
}

impl NewIncident {
    /// A registration with what cannot be left out; everything else unset (detected now, no
    /// services, the front-end's channel). Set further fields on the result.
    #[must_use]
    pub fn new(title: impl Into<String>, impact: Impact, urgency: Urgency, severity: Severity) -> Self {
        Self {
            title: title.into(),
            description: None,
            reported_by: None,
            channel: None,
            services: Vec::new(),
            impact,
            urgency,
            severity,
            category: None,
            detected_at: None,
            impact_started_at: None,
            reported_at: None,
            drill: false,
        }
    }
}

/// Step 2: categorisation changes, applied together in one transaction. `None` = unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldChanges {
    pub title: Option<String>,
    pub impact: Option<Impact>,
    pub urgency: Option<Urgency>,
    pub severity: Option<Severity>,
    /// `Some(None)` clears the category.
    pub category: Option<Option<String>>,
    pub services: Option<Vec<String>>,
}

impl FieldChanges {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// What is recorded on an incident's timeline: the body of `POST /v1/commands`. An unknown
/// field is refused, so a misspelt one cannot be silently ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "command", deny_unknown_fields)]
pub enum Command {
    Register(NewIncident),
    Update {
        id: IncidentId,
        changes: FieldChanges,
    },
    OverridePriority {
        id: IncidentId,
        priority: Priority,
        reason: String,
    },
    ClearPriorityOverride {
        id: IncidentId,
    },
    RecordTime {
        id: IncidentId,
        milestone: Milestone,
        at: DateTime<Utc>,
        reason: Option<String>,
    },
    SetFlag {
        id: IncidentId,
        flag: Flag,
        value: bool,
    },
    Acknowledge {
        id: IncidentId,
    },
    /// `person: None` takes the role yourself.
    AssignRole {
        id: IncidentId,
        role: Role,
        person: Option<String>,
    },
    ReleaseRole {
        id: IncidentId,
        role: Role,
    },
    Contain {
        id: IncidentId,
        action: String,
    },
    Note {
        id: IncidentId,
        text: String,
    },
    Finding {
        id: IncidentId,
        text: String,
    },
    SetRootCause {
        id: IncidentId,
        root_cause: String,
        trigger: Option<String>,
        contributing_factors: Vec<String>,
    },
    /// `recovered_at: None`: service was restored now.
    Resolve {
        id: IncidentId,
        summary: String,
        recovered_at: Option<DateTime<Utc>>,
    },
    Reopen {
        id: IncidentId,
        reason: String,
    },
    StatusUpdate {
        id: IncidentId,
        audience: String,
        text: String,
    },
    Escalate {
        id: IncidentId,
        to: String,
        reason: String,
    },
    RecordReview {
        id: IncidentId,
        review: Review,
    },
    AddActionItem {
        id: IncidentId,
        text: String,
        owner: String,
        due: NaiveDate,
    },
    CompleteActionItem {
        id: IncidentId,
        item: u32,
    },
    Close {
        id: IncidentId,
    },
    Correct {
        id: IncidentId,
        seq: u32,
        text: String,
    },
    /// Page a level of the incident's escalation policy by hand: the next one, or `level`.
    Page {
        id: IncidentId,
        level: Option<u32>,
        reason: String,
    },
}

/// A change to the rota's own timeline ([`IncidentId::ROTA`]), not to an incident: what
/// `POST /v1/rota` takes, decided by [`super::decide::decide_rota`]. Same body rules as
/// [`Command`] (tagged by `command`, unknown fields refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "command", deny_unknown_fields)]
pub enum RotaCommand {
    /// Put someone on call in a schedule for a while.
    AddOverride {
        schedule: String,
        person: String,
        covers: Option<String>,
        #[serde(with = "crate::domain::time::ts")]
        start: DateTime<Utc>,
        #[serde(with = "crate::domain::time::ts")]
        end: DateTime<Utc>,
        reason: Option<String>,
    },
    RemoveOverride {
        id: u32,
        reason: Option<String>,
    },
}

impl Command {
    /// The incident a command is about; `None` for a registration.
    #[must_use]
    pub const fn incident(&self) -> Option<IncidentId> {
        match self {
            Self::Register(_) => None,
            Self::Update { id, .. }
            | Self::OverridePriority { id, .. }
            | Self::ClearPriorityOverride { id }
            | Self::RecordTime { id, .. }
            | Self::SetFlag { id, .. }
            | Self::Acknowledge { id }
            | Self::AssignRole { id, .. }
            | Self::ReleaseRole { id, .. }
            | Self::Contain { id, .. }
            | Self::Note { id, .. }
            | Self::Finding { id, .. }
            | Self::SetRootCause { id, .. }
            | Self::Resolve { id, .. }
            | Self::Reopen { id, .. }
            | Self::StatusUpdate { id, .. }
            | Self::Escalate { id, .. }
            | Self::RecordReview { id, .. }
            | Self::AddActionItem { id, .. }
            | Self::CompleteActionItem { id, .. }
            | Self::Close { id }
            | Self::Correct { id, .. }
            | Self::Page { id, .. } => Some(*id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The split kept the API's bodies: a rota change is still `{"command": "add_override", ...}`,
    /// and an incident command body is not a rota change (nor the other way round).
    #[test]
    fn rota_commands_keep_their_json_and_stay_apart_from_incident_commands() {
        let body = r#"{"command": "remove_override", "id": 3, "reason": "back early"}"#;
        let cmd: RotaCommand = serde_json::from_str(body).unwrap();
        assert_eq!(cmd, RotaCommand::RemoveOverride { id: 3, reason: Some("back early".into()) });
        assert_eq!(
            serde_json::to_value(&cmd).unwrap(),
            serde_json::json!({"command": "remove_override", "id": 3, "reason": "back early"})
        );
        assert!(serde_json::from_str::<Command>(body).is_err());
        assert!(serde_json::from_str::<RotaCommand>(r#"{"command": "acknowledge", "id": 1}"#).is_err());
    }
}
