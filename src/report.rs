//! What piket hands to people outside the terminal session: the incident export (step 7) and
//! the KPI report. Presentation only: the numbers and the record come from the domain.

pub mod duration;
pub mod incident;
pub mod stats;

pub use duration::human_duration;
pub use incident::{event_json, json, markdown};
pub use stats::render_text;
