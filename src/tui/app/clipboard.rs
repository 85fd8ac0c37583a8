//! `y` and `Y`: the selected incident's id, or a one-line summary, to the clipboard.

use super::{App, Level};
use crate::tui::action::Action;
use crate::tui::clipboard::summary_text;
use crate::tui::effect::Effect;

impl App {
    /// Copy what `a` names from the selected incident; the footer says what was copied, since a
    /// terminal without OSC 52 gives no sign of its own.
    pub(super) fn copy(&mut self, a: Action) -> Vec<Effect> {
        let Some(inc) = self.selected_incident() else {
            self.say(Level::Error, "no incident selected: nothing to copy");
            return Vec::new();
        };
        let text = if a == Action::CopySummary { summary_text(inc) } else { inc.id.to_string() };
        let shown = crate::domain::text::sanitize_line(&text).into_owned();
        self.say(Level::Info, format!("copied to the clipboard: {shown}"));
        vec![Effect::Clipboard(text)]
    }
}
