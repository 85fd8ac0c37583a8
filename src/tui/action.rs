//! What a responder can ask the screen to do, independent of which key asked.
//!
//! Keys become an [`Action`] at the edge (see [`super::keymap`]); `App::update` never sees a key
//! code. Each variant's doc comment is its help text and its snake_case name is the name used in
//! `assets/default-keys.toml` and in the `[keys]` table of config.toml, so the bindings, the help
//! overlay and the footer hints come from one table.

/// Where an action's binding applies; keys may repeat across scopes, never within one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The main screen: navigation and incident actions.
    Normal,
    /// The schedule view (over the main screen): its own actions, plus moving around, help,
    /// back and quit from the main screen's keys.
    Schedule,
    /// While typing in a form or the filter line: printable keys are text there.
    Input,
}

impl Scope {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "main screen",
            Self::Schedule => "schedule view",
            Self::Input => "forms and filter",
        }
    }
}

macro_rules! actions {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal, $scope:ident; )+) => {
        /// Every action a key can be bound to.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Action {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl Action {
            /// All actions in help order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The keymap name (snake_case).
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)+ }
            }

            /// One line of help: the doc comment.
            #[must_use]
            pub fn help(self) -> &'static str {
                match self { $(Self::$variant => concat!($($doc),+),)+ }.trim()
            }

            #[must_use]
            pub const fn scope(self) -> Scope {
                match self { $(Self::$variant => Scope::$scope,)+ }
            }
        }
    };
}

actions! {
    /// Quit piket
    Quit = "quit", Normal;
    /// Show or hide this help
    Help = "help", Normal;
    /// Move down one row (or scroll the focused pane)
    SelectNext = "select_next", Normal;
    /// Move up one row (or scroll the focused pane)
    SelectPrev = "select_prev", Normal;
    /// Jump to the first row
    SelectFirst = "select_first", Normal;
    /// Jump to the last row
    SelectLast = "select_last", Normal;
    /// Move down one page
    PageDown = "page_down", Normal;
    /// Move up one page
    PageUp = "page_up", Normal;
    /// Focus the next pane
    FocusNext = "focus_next", Normal;
    /// Focus the previous pane
    FocusPrev = "focus_prev", Normal;
    /// Open: focus the detail; in the actions pane, run the selected action
    Open = "open", Normal;
    /// Back: close the overlay, go to the queue, clear the marks, then the filter
    Back = "back", Normal;
    /// Zoom the focused pane to the whole screen (again to unzoom)
    Zoom = "zoom", Normal;
    /// Filter as you type: words (also owner, roles, services, timeline text), p:1 sev:2 svc:db status:ack who:NAME mine; with the timeline focused, search it
    Filter = "filter", Normal;
    /// Cycle the sort order: priority, newest, oldest, severity, updated
    CycleSort = "cycle_sort", Normal;
    /// Show or hide resolved and closed incidents
    ToggleClosed = "toggle_closed", Normal;
    /// Register a new incident (form)
    NewIncident = "new_incident", Normal;
    /// Acknowledge the selected incident (never the paged one)
    Acknowledge = "acknowledge", Normal;
    /// Acknowledge the paged incident the banner names; select it
    AcknowledgePage = "acknowledge_page", Normal;
    /// Raise the impact; the priority is recomputed at once
    ImpactUp = "impact_up", Normal;
    /// Lower the impact; the priority is recomputed at once
    ImpactDown = "impact_down", Normal;
    /// Raise the urgency; the priority is recomputed at once
    UrgencyUp = "urgency_up", Normal;
    /// Lower the urgency; the priority is recomputed at once
    UrgencyDown = "urgency_down", Normal;
    /// Raise the severity (towards SEV1)
    SeverityUp = "severity_up", Normal;
    /// Lower the severity (towards SEV4)
    SeverityDown = "severity_down", Normal;
    /// Set the priority by hand, with a reason (form)
    OverridePriority = "override_priority", Normal;
    /// Drop the manual priority; derive it from impact x urgency again
    ClearOverride = "clear_override", Normal;
    /// Record a containment action (form)
    Contain = "contain", Normal;
    /// Add a note to the timeline (form)
    Note = "note", Normal;
    /// Add an investigation finding (form)
    Finding = "finding", Normal;
    /// Record the root cause (form)
    RootCause = "root_cause", Normal;
    /// Post a status update for stakeholders (form)
    StatusUpdate = "status_update", Normal;
    /// Escalate: to whom and why (form)
    Escalate = "escalate", Normal;
    /// Page by hand: the policy's next level or a chosen one, with a reason (form)
    Page = "page", Normal;
    /// Assign or hand over a role (form)
    Roles = "roles", Normal;
    /// Resolve: service restored, with a summary (form)
    Resolve = "resolve", Normal;
    /// Reopen a resolved incident, with a reason (form)
    Reopen = "reopen", Normal;
    /// Close: hold the review, then close (form listing what is missing)
    Close = "close", Normal;
    /// The review on its own: went well, wrong, lucky, lessons (form)
    Review = "review", Normal;
    /// Action items: the list; add one, complete by number (form)
    ActionItems = "action_items", Normal;
    /// Milestone times: impact started, detected, reported (form)
    Milestones = "milestones", Normal;
    /// Mark or unmark a drill or near miss, out of the KPIs (form)
    Drill = "drill", Normal;
    /// Correct the event under the timeline's cursor (j/k there), else the newest (form)
    Correct = "correct", Normal;
    /// Maintenance window for the service: its alerts open no incident (form)
    Maintenance = "maintenance", Normal;
    /// Export the selected incident's report (Markdown, as `piket export`) to ./INC-n.md
    Export = "export", Normal;
    /// Who is on call over the next 14 days, with gaps and overrides (again closes)
    Schedule = "schedule", Normal;
    /// Jump to an incident by its id: type 17 or INC-17, then enter (shown whatever the filter)
    Jump = "jump", Normal;
    /// Next event matching the timeline search (/ with the timeline focused)
    SearchNext = "search_next", Normal;
    /// Copy the selected incident's id to the clipboard (OSC 52: works over SSH)
    CopyId = "copy_id", Normal;
    /// Copy a one-line summary of the selected incident (id, priority, status, title)
    CopySummary = "copy_summary", Normal;
    /// Mark or unmark the selected incident: acknowledge, resolve, note, priority by hand then
    /// act on all marked ones (a confirmation names each first)
    Mark = "mark", Normal;
    /// Put someone on call for a while: an override of a schedule (form)
    AddOverride = "add_override", Schedule;
    /// Remove the selected override, with a reason (form to confirm)
    RemoveOverride = "remove_override", Schedule;
    /// Submit the form (or apply the filter)
    Submit = "submit", Input;
    /// Cancel the form without writing anything (or clear the filter)
    Cancel = "cancel", Input;
    /// Next field
    NextField = "next_field", Input;
    /// Previous field
    PrevField = "prev_field", Input;
    /// Write the focused text field in $VISUAL or $EDITOR (vi if neither is set); saving and quitting brings the text back
    EditInEditor = "edit_in_editor", Input;
}

impl Action {
    /// Main-screen actions that keep working in the schedule view (moving, help, back, quit).
    #[must_use]
    pub(crate) const fn works_in_schedule(self) -> bool {
        matches!(
            self,
            Self::Quit
                | Self::Help
                | Self::SelectNext
                | Self::SelectPrev
                | Self::SelectFirst
                | Self::SelectLast
                | Self::PageDown
                | Self::PageUp
                | Self::Back
                | Self::Schedule
                | Self::AcknowledgePage
        )
    }
}

impl Action {
    /// Actions that change the record (a command, a maintenance window, an override): none is
    /// offered to a read-only user. Export only reads the record (it writes a local file). The
    /// action items form lists them as well: a read-only user opens it to read them, and what
    /// it would send is held back with the reason.
    #[must_use]
    pub const fn writes(self) -> bool {
        matches!(
            self,
            Self::NewIncident
                | Self::Acknowledge
                | Self::AcknowledgePage
                | Self::ImpactUp
                | Self::ImpactDown
                | Self::UrgencyUp
                | Self::UrgencyDown
                | Self::SeverityUp
                | Self::SeverityDown
                | Self::OverridePriority
                | Self::ClearOverride
                | Self::Contain
                | Self::Note
                | Self::Finding
                | Self::RootCause
                | Self::StatusUpdate
                | Self::Escalate
                | Self::Page
                | Self::Roles
                | Self::Resolve
                | Self::Reopen
                | Self::Close
                | Self::Review
                | Self::Milestones
                | Self::Drill
                | Self::Correct
                | Self::Maintenance
                | Self::AddOverride
                | Self::RemoveOverride
        )
    }
}

impl std::str::FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|a| a.name() == s.trim()).ok_or_else(|| {
            format!("'{s}' is not an action: `?` in piket lists them, e.g. acknowledge, note, quit")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.name()), "duplicate name {}", a.name());
            assert!(a.name().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{}", a.name());
            assert_eq!(a.name().parse::<Action>(), Ok(*a));
            assert!(!a.help().trim().is_empty());
        }
    }
}
