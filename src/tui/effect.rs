//! What `App::update` asks the outside world to do. The only way the app causes I/O.
//!
//! The event loop ([`super::event`]) runs each effect off the render path
//! (`tokio::task::spawn_blocking`, because client calls block) and feeds the answer back as a
//! [`super::app::Msg`]; the headless runner ([`super::headless`]) runs them inline for tests.

use crate::domain::{Command, IncidentId};
use crate::wire::RotaQuery;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Fetch the first `limit` rows of the queue, so the screen fills before the whole queue
    /// (which may be 100k incidents behind a socket) has arrived.
    LoadPage {
        all: bool,
        limit: usize,
    },
    /// Fetch the queue: open incidents, or every incident when `all`.
    LoadList {
        all: bool,
    },
    /// Fetch one incident after a change.
    LoadIncident(IncidentId),
    /// Ask the server which incidents pass a filter with words: it reads their timelines,
    /// which the queue does not hold.
    Search(crate::domain::Query),
    /// Fetch one incident's timeline.
    LoadTimeline(IncidentId),
    /// Fetch one incident's escalation: its policy's levels, who they reach, what was paged.
    LoadEscalation(IncidentId),
    /// Fetch the rota: who is on call at `at`, and `days` of coverage (0: none, for the header).
    LoadRota(RotaQuery),
    /// Ask who the server takes us for: a read-only user is offered no write.
    LoadWhoami,
    /// A commit paged someone: fetch the incident's timeline to see whether it was us.
    CheckPages(IncidentId),
    /// Add or remove an override (not an incident command: it goes on the rota's timeline).
    ChangeRota {
        cmd: crate::domain::RotaCommand,
        what: String,
    },
    /// Ring the terminal's bell (BEL through the terminal backend): this responder was paged.
    Bell,
    /// Set a maintenance window (not an incident command: it goes on the maintenance timeline).
    SetMaintenance(crate::domain::alert::MaintenanceWindow),
    /// Run commands in order, stopping at the first refusal. `what` names it for messages.
    Execute {
        cmds: Vec<Command>,
        what: String,
    },
    /// Write the incident's report as Markdown to the current directory (times also in `Tz`).
    Export(IncidentId, chrono_tz::Tz),
    /// Hand the terminal to the responder's editor on a copy of field `field`'s `text` of the
    /// open form, and give the text back as [`super::app::Msg::Edited`]. The event loop runs it
    /// itself, between frames, because the editor needs the terminal; the headless runner
    /// has no terminal to lend and drops it.
    EditText {
        field: usize,
        text: String,
    },
    Quit,
}

impl Effect {
    /// The effect would change the record (held back while read-only or offline).
    #[must_use]
    pub const fn writes(&self) -> bool {
        matches!(self, Self::Execute { .. } | Self::SetMaintenance(_) | Self::ChangeRota { .. })
    }
}
