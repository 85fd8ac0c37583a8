//! The mouse: a click selects and focuses, the wheel scrolls what is under the pointer.
//!
//! Positions are matched against the same [`crate::tui::layout::Areas`] the views draw into,
//! so a click lands on what the responder sees there. While a form, the filter line or help
//! has the keyboard, clicks do nothing (a stray click must not move the selection under an
//! open form); the wheel scrolls help and the schedule view.

use ratatui::layout::{Position, Rect};

use super::App;
use crate::tui::action::{Action, Scope};
use crate::tui::effect::Effect;
use crate::tui::layout::Pane;

/// What the mouse did, in cells from the top left (0-based), as the terminal reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mouse {
    /// The left button went down here.
    Click { column: u16, row: u16 },
    /// One notch of the wheel, down (towards later rows) or up.
    Wheel { column: u16, row: u16, down: bool },
}

/// Timeline lines one notch of the wheel moves (queue rows move one at a time: each is a
/// different incident).
const TIMELINE_NOTCH: usize = 3;

fn inside(area: Option<Rect>, column: u16, row: u16) -> bool {
    area.is_some_and(|a| a.contains(Position { x: column, y: row }))
}

impl App {
    pub(super) fn on_mouse(&mut self, m: Mouse) -> Vec<Effect> {
        let (Mouse::Click { column, row } | Mouse::Wheel { column, row, .. }) = m;
        let wheel = match m {
            Mouse::Wheel { down, .. } => Some(if down { Action::SelectNext } else { Action::SelectPrev }),
            Mouse::Click { .. } => None,
        };
        // A form, a prompt (filter, jump, search) or a confirmation is what the responder is
        // looking at: nothing under it may move.
        if self.scope() == Scope::Input {
            return Vec::new();
        }
        if self.help.is_some() || self.rota.view.is_some() || self.marks.confirm.is_some() {
            // Scroll as the keys would; a click there means nothing.
            return wheel.map_or_else(Vec::new, |a| self.on_action(a));
        }
        let areas = self.areas();
        let pane =
            [(Pane::Queue, areas.queue), (Pane::Detail, areas.detail), (Pane::Escalation, areas.escalation)]
                .into_iter()
                .find(|(_, area)| inside(*area, column, row));
        let Some((pane, area)) = pane else { return Vec::new() };
        let area = area.unwrap_or_default();
        match wheel {
            Some(a) => {
                self.pane.focus = pane;
                let times = if pane == Pane::Detail { TIMELINE_NOTCH } else { 1 };
                for _ in 0..times {
                    self.navigate(a);
                }
            }
            None => {
                if self.pane.focus != pane {
                    self.pane.action_sel = 0;
                }
                self.pane.focus = pane;
                // Queue rows start under the border and the column header.
                if pane == Pane::Queue
                    && let Some(line) = row.checked_sub(area.y.saturating_add(2))
                    && row + 1 < area.bottom()
                {
                    let at = self.queue.offset + usize::from(line);
                    if let Some(id) = self.queue.row(at).map(|i| i.id) {
                        let rows = self.queue_rows();
                        self.queue.select_id(id, rows);
                    }
                }
            }
        }
        Vec::new()
    }
}
