//! Search within the selected incident's timeline: `/` while the timeline has focus opens the
//! search line, enter goes to the first event that holds the text, `N` to the next one
//! (round to the first after the last). The timeline marks every event that matches.
//!
//! It searches the loaded timeline only (the one incident on screen, fetched whole); finding
//! incidents by their timeline text is the queue filter's job, which asks the server.

use crate::domain::Event;
use crate::domain::text::sanitize_line;
use crate::tui::form::Edit;

#[derive(Debug, Clone, Default)]
pub struct TimelineSearch {
    /// The search line has the keyboard.
    pub typing: bool,
    pub text: String,
    /// The event (position in the timeline) the last search went to.
    pub hit: Option<usize>,
}

impl TimelineSearch {
    pub(crate) fn start(&mut self) {
        self.typing = true;
        self.text.clear();
        self.hit = None;
    }

    pub(crate) fn type_char(&mut self, c: char) {
        self.text.push(c);
    }

    pub(crate) fn edit(&mut self, e: Edit) {
        match e {
            Edit::Backspace => {
                self.text.pop();
            }
            Edit::Clear | Edit::DeleteWord => self.text.clear(),
            _ => {}
        }
    }

    pub(crate) fn paste(&mut self, s: &str) {
        self.text.push_str(&sanitize_line(s));
    }

    /// The event holds the text (what it says, or who did it), case aside.
    #[must_use]
    pub fn matches(&self, ev: &Event) -> bool {
        let needle = self.text.trim().to_lowercase();
        !needle.is_empty()
            && (ev.kind.describe().to_lowercase().contains(&needle)
                || ev.actor.to_lowercase().contains(&needle))
    }

    /// Go to the next matching event after the current one, round to the first; `None`: no
    /// event matches.
    pub(crate) fn next(&mut self, events: &[Event]) -> Option<usize> {
        let from = self.hit.map_or(0, |h| h + 1);
        let found = (from..events.len())
            .chain(0..from.min(events.len()))
            .find(|&i| events.get(i).is_some_and(|e| self.matches(e)));
        self.hit = found;
        found
    }

    /// Which match the current one is (1-based) and how many there are.
    #[must_use]
    pub fn position(&self, events: &[Event]) -> (usize, usize) {
        let mut nth = 0;
        let mut total = 0;
        for (i, e) in events.iter().enumerate() {
            if self.matches(e) {
                total += 1;
                if self.hit.is_some_and(|h| h >= i) {
                    nth = total;
                }
            }
        }
        (nth, total)
    }
}
