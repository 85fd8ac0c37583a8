//! The incident domain: plain types and rules, no I/O.
//!
//! Everything here is a pure function of its inputs (`now` is passed in, never read), so the
//! rules of DOMAIN.md can be unit- and property-tested without a database or a terminal. The
//! store persists these types, the engine runs [`decide`] and appends what it returns, and every
//! front-end renders [`Incident`] and [`Event`].

pub mod alert;
pub(crate) mod alert_summary;
pub(crate) mod command;
pub(crate) mod decide;
pub(crate) mod escalation;
pub(crate) mod event;
pub(crate) mod ids;
pub(crate) mod incident;
pub(crate) mod kpi;
pub(crate) mod lifecycle;
pub mod maintenance;
pub(crate) mod policy;
pub(crate) mod priority;
pub(crate) mod query;
pub(crate) mod record;
pub(crate) mod refusal;
pub(crate) mod rota;
pub mod schedule;
pub mod text;
pub(crate) mod time;

pub use alert::{AlertAction, AlertMapping, AlertOutcome, AlertRecord, AlertSignal, ResolvePolicy};
pub use command::{Command, FieldChanges, NewIncident, RotaCommand};
pub use decide::{decide, decide_rota, missing_for_close};
pub use event::{Event, EventKind, Flag, LevelPage, Milestone, Registration, Review, Role, Source};
pub use ids::{IdError, IncidentId};
pub use incident::{ActionItem, Escalation, Incident, RootCause};
pub use lifecycle::Status;
pub use policy::{ClosingRules, Policy, Target};
pub use priority::{Impact, Priority, PriorityMatrix, Severity, Urgency};
pub use query::{Query, Sort};
pub use record::{Recorded, Stamp, record};
pub use refusal::{Input, Refusal, Step};
pub use rota::{EscalationPolicy, Level, PageTarget, Person, Rota};
pub use schedule::{Override, Schedule};
