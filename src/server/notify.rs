// TEMP stub until branch notify lands; not committed.
use crate::config::NotifierSettings;
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PageRequest {
    pub incident: crate::domain::IncidentId,
    pub title: String,
    pub priority: crate::domain::Priority,
    pub severity: crate::domain::Severity,
    pub service: Option<String>,
    pub level: u32,
    pub person: String,
    pub handle: String,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageResult {
    pub notifier: String,
    pub person: String,
    pub attempts: u32,
    pub error: Option<String>,
}
pub async fn page(n: &NotifierSettings, req: &PageRequest) -> PageResult {
    PageResult {
        notifier: n.name.clone(),
        person: req.person.clone(),
        attempts: 1,
        error: Some("stub".into()),
    }
}
