//! What piket hands to people outside the terminal session: the incident export (step 7) and
//! the KPI report. Presentation only: the numbers and the record come from the domain.

pub(crate) mod duration;
pub(crate) mod incident;
pub(crate) mod stats;

pub(crate) use duration::human_duration;
pub(crate) use incident::{event_json, json, markdown};
