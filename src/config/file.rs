//! The TOML file as written: every key optional, every table closed.
//!
//! `Option` everywhere means "not in the file, keep the default", which is what lets a user
//! override one target or one matrix row without restating the rest. `deny_unknown_fields`
//! everywhere turns a typo (`acknowlege`) into an error instead of a silently ignored setting.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::duration::TargetDuration;
use super::level::{MatrixRow, PriorityValue, SeverityValue};
use super::value::{CacheSize, KeySpecs, Name};
use super::zone::Zone;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, expecting = "a TOML document of settings")]
pub(crate) struct ConfigFile {
    pub team: Option<Name>,
    pub timezone: Option<Zone>,
    pub on_call: Option<Vec<Name>>,
    /// Spanned: relative paths and `~` are resolved after parsing, and may still fail.
    pub data_dir: Option<Spanned<String>>,
    /// Spanned per entry so a duplicate is reported where it is.
    pub categories: Option<Vec<Spanned<Name>>>,
    pub services: Option<super::rota_file::ServicesFile>,
    pub people: Option<BTreeMap<String, Spanned<super::rota_file::PersonFile>>>,
    pub teams: Option<BTreeMap<String, Spanned<super::rota_file::TeamFile>>>,
    pub schedules: Option<BTreeMap<String, Spanned<super::rota_file::ScheduleFile>>>,
    pub escalation_policies: Option<BTreeMap<String, Spanned<super::rota_file::PolicyFile>>>,
    pub escalation: Option<super::rota_file::EscalationFile>,
    pub notifiers: Option<BTreeMap<String, Spanned<super::rota_file::NotifierFile>>>,
    pub store: Option<StoreFile>,
    pub server: Option<ServerFile>,
    pub alerts: Option<AlertsFile>,
    pub priority: Option<PriorityFile>,
    pub targets: Option<TargetsFile>,
    pub severities: Option<SeveritiesFile>,
    pub closing: Option<ClosingFile>,
    pub keys: Option<BTreeMap<Spanned<String>, Spanned<KeySpecs>>>,
    pub theme: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    pub tui: Option<TuiFile>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, expecting = "a table with the key mouse")]
pub(crate) struct TuiFile {
    pub mouse: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, expecting = "a table with the key cache-size-mib")]
pub(crate) struct StoreFile {
    pub cache_size_mib: Option<CacheSize>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table with the keys socket, socket-group, read-only, listen, token-file, tls-cert, tls-key, \
                 pagerduty-events-per-minute, header-timeout, body-timeout and max-connections-per-peer"
)]
pub(crate) struct ServerFile {
    /// Spanned: resolved like data-dir.
    pub socket: Option<Spanned<String>>,
    pub socket_group: Option<Name>,
    pub read_only: Option<Vec<Name>>,
    pub listen: Option<Spanned<std::net::SocketAddr>>,
    pub token_file: Option<Spanned<String>>,
    pub pagerduty_events_per_minute: Option<u32>,
    pub tls_cert: Option<Spanned<String>>,
    pub tls_key: Option<Spanned<String>>,
    pub header_timeout: Option<Spanned<TargetDuration>>,
    pub body_timeout: Option<Spanned<TargetDuration>>,
    pub max_connections_per_peer: Option<Spanned<u32>>,
}

/// `[alerts]`: how an alert becomes an incident.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, expecting = "a table of alert mapping settings")]
pub(crate) struct AlertsFile {
    pub service_label: Option<Name>,
    pub severity_label: Option<Name>,
    pub title_template: Option<String>,
    pub group_by_receivers: Option<Vec<Name>>,
    pub auto_resolve_services: Option<Vec<Name>>,
    pub unknown_severity: Option<SeverityMapFile>,
    pub severities: Option<BTreeMap<String, SeverityMapFile>>,
    pub routing_keys: Option<BTreeMap<String, Name>>,
    pub flapping: Option<FlappingFile>,
    pub heartbeats: Option<BTreeMap<String, Spanned<TargetDuration>>>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table like { impact = \"high\", urgency = \"high\", severity = \"SEV2\" }"
)]
pub(crate) struct SeverityMapFile {
    pub impact: crate::domain::Impact,
    pub urgency: crate::domain::Urgency,
    pub severity: SeverityValue,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table like { changes = 4, minutes = 30 }"
)]
pub(crate) struct FlappingFile {
    pub changes: Option<u32>,
    pub minutes: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, expecting = "a table with the key matrix")]
pub(crate) struct PriorityFile {
    pub matrix: Option<MatrixFile>,
}

/// Rows are impact; each row lists the priority for urgency high, medium, low.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, expecting = "a table with rows high, medium and low")]
pub(crate) struct MatrixFile {
    pub high: Option<MatrixRow>,
    pub medium: Option<MatrixRow>,
    pub low: Option<MatrixRow>,
}

/// Only P1..P5 exist; any other key is refused by name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table with keys P1 to P5")]
pub(crate) struct TargetsFile {
    #[serde(rename = "P1")]
    pub p1: Option<Spanned<TargetFile>>,
    #[serde(rename = "P2")]
    pub p2: Option<Spanned<TargetFile>>,
    #[serde(rename = "P3")]
    pub p3: Option<Spanned<TargetFile>>,
    #[serde(rename = "P4")]
    pub p4: Option<Spanned<TargetFile>>,
    #[serde(rename = "P5")]
    pub p5: Option<Spanned<TargetFile>>,
}

impl TargetsFile {
    /// In priority order, so index = priority number - 1 like `Policy::targets`.
    pub(super) fn entries(&self) -> [Option<&Spanned<TargetFile>>; 5] {
        [self.p1.as_ref(), self.p2.as_ref(), self.p3.as_ref(), self.p4.as_ref(), self.p5.as_ref()]
    }
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table like { acknowledge = \"5m\", resolve = \"1h\" }"
)]
pub(crate) struct TargetFile {
    pub acknowledge: Option<TargetDuration>,
    pub resolve: Option<TargetDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table with keys SEV1 to SEV4")]
pub(crate) struct SeveritiesFile {
    #[serde(rename = "SEV1")]
    pub sev1: Option<Name>,
    #[serde(rename = "SEV2")]
    pub sev2: Option<Name>,
    #[serde(rename = "SEV3")]
    pub sev3: Option<Name>,
    #[serde(rename = "SEV4")]
    pub sev4: Option<Name>,
}

impl SeveritiesFile {
    pub(super) fn entries(self) -> [Option<Name>; 4] {
        [self.sev1, self.sev2, self.sev3, self.sev4]
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, expecting = "a table of closing rules")]
pub(crate) struct ClosingFile {
    pub require_resolution_summary: Option<bool>,
    pub require_root_cause: Option<bool>,
    pub review_for_severities: Option<Vec<SeverityValue>>,
    pub review_for_priorities: Option<Vec<PriorityValue>>,
    pub min_lessons: Option<u32>,
    pub require_action_items_done: Option<bool>,
}
