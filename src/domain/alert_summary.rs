//! The alerts on an incident's timeline, one per alert, folded from its `AlertReceived`
//! events: what `piket alerts` and the TUI's detail pane show. Apart from `alert` so that
//! alerts (the records events carry) do not depend on events.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::event::{Event, EventKind};
use super::time::ts;

/// One alert of an incident, folded from its `AlertReceived` events (for `piket alerts` and
/// the TUI's detail pane).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertSummary {
    pub source: String,
    pub identity: String,
    /// The latest status recorded.
    pub status: String,
    /// How many times it was recorded (re-sends of a known state are not recorded).
    pub received: u32,
    #[serde(with = "ts")]
    pub first_seen: DateTime<Utc>,
    #[serde(with = "ts")]
    pub last_seen: DateTime<Utc>,
    pub summary: String,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    /// Alerts left out of the latest truncated Alertmanager notification that carried this
    /// one (see [`super::alert::TRUNCATED_ADVICE`]); `None`: none was truncated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated_alerts: Option<u64>,
}

impl AlertSummary {
    /// Firing by its latest state (`firing`, `trigger`, `acknowledge`, a silent heartbeat).
    #[must_use]
    pub(crate) fn is_firing(&self) -> bool {
        !matches!(self.status.as_str(), "resolved" | "resolve" | "beat")
    }
}

/// The alerts on a timeline, one per (source, identity), in order of first appearance.
#[must_use]
pub fn summaries(events: &[Event]) -> Vec<AlertSummary> {
    let mut out: Vec<AlertSummary> = Vec::new();
    for ev in events {
        let EventKind::AlertReceived(a) = &ev.kind else { continue };
        if let Some(s) = out.iter_mut().find(|s| s.identity == a.identity && s.source == a.source) {
            s.status.clone_from(&a.status);
            s.received += 1;
            s.last_seen = ev.recorded_at;
            // A PagerDuty acknowledge or resolve comes without a payload: the last known
            // summary, labels and annotations stay.
            if !a.summary.is_empty() {
                s.summary.clone_from(&a.summary);
            }
            if !a.labels.is_empty() {
                s.labels.clone_from(&a.labels);
            }
            if !a.annotations.is_empty() {
                s.annotations.clone_from(&a.annotations);
            }
            if let Some(n) = a.truncated_alerts() {
                s.truncated_alerts = Some(n);
            }
        } else {
            out.push(AlertSummary {
                source: a.source.clone(),
                identity: a.identity.clone(),
                status: a.status.clone(),
                received: 1,
                first_seen: ev.recorded_at,
                last_seen: ev.recorded_at,
                summary: a.summary.clone(),
                labels: a.labels.clone(),
                annotations: a.annotations.clone(),
                truncated_alerts: a.truncated_alerts(),
            });
        }
    }
    out
}
