//! Marks on screen: the queue's mark column, the count of marks (those out of view included),
//! and the confirmation before a bulk action, which names every incident it acts on.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph};

use super::fit;
use crate::domain::IncidentId;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::app::marks::Confirm;

/// The mark column goes first in the queue, and only while something is marked: the queue
/// looks as it always did until the responder marks, and then the column says which.
pub(crate) fn with_column<T>(app: &App, row: &mut Vec<T>, first: impl FnOnce() -> T) {
    if !app.marks.is_empty() {
        row.insert(0, first());
    }
}

/// Columns the mark column takes, with its gap (none while nothing is marked).
#[must_use]
pub(crate) fn width(app: &App) -> u16 {
    if app.marks.is_empty() { 0 } else { 2 }
}

/// The mark column of a queue row: `*` when marked (ASCII, so every locale shows it).
#[must_use]
pub(crate) fn cell(app: &App, id: IncidentId) -> Cell<'static> {
    if app.marks.is_marked(id) {
        Cell::from(Span::styled("*", app.theme.accent().add_modifier(Modifier::BOLD)))
    } else {
        Cell::from("")
    }
}

/// "3 marked · 1 not shown": every mark counts, also one whose incident left the view.
#[must_use]
pub(crate) fn count(app: &App) -> Option<Line<'static>> {
    if app.marks.is_empty() {
        return None;
    }
    let hidden = app.marks.ids.iter().filter(|id| app.queue.row_of(**id).is_none()).count();
    let text = if hidden == 0 {
        format!(" {} marked ", app.marks.len())
    } else {
        format!(" {} marked · {hidden} not shown ", app.marks.len())
    };
    Some(Line::styled(text, app.theme.accent().add_modifier(Modifier::BOLD)).right_aligned())
}

/// The list the confirmation shows, one line per incident.
fn lines(app: &App, c: &Confirm, width: usize) -> Vec<Line<'static>> {
    let th = &app.theme;
    let mut out: Vec<Line<'static>> = c
        .targets
        .iter()
        .map(|t| {
            let head = format!("{:<10} {:<3} {:<13} ", t.id.to_string(), t.priority, t.status.as_str());
            let title = fit(&t.title, width.saturating_sub(head.chars().count()));
            Line::from(vec![Span::styled(head, th.accent()), Span::raw(title)])
        })
        .collect();
    for (id, why) in &c.left_out {
        let text = fit(&format!("{id} marked, left out: {why}"), width);
        out.push(Line::styled(text, th.muted()));
    }
    if let Some(id) = c.unmarked_selection {
        let text = fit(&format!("{id} is selected but not marked: not included"), width);
        out.push(Line::styled(text, th.muted()));
    }
    out
}

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App, c: &Confirm) {
    let th = &app.theme;
    let popup = area.centered(Constraint::Max(84), Constraint::Max(area.height.saturating_sub(2).max(8)));
    let enter = app.keymap.first(Action::Open).unwrap_or_default();
    let esc = app.keymap.first(Action::Back).unwrap_or_default();
    let n = c.targets.len();
    let noun = if n == 1 { "incident" } else { "incidents" };
    let title = format!(" {} {n} {noun}: each gets its own event, by you ", c.verb);
    let keys = format!(" {enter} {} all {n} · {esc} cancel (nothing is written) ", c.verb.to_lowercase());
    let block = Block::bordered()
        .border_style(th.accent())
        .title(Line::styled(title, th.accent()))
        .title_bottom(Line::styled(keys, th.accent()));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let width = usize::from(inner.width);
    let mut head: Vec<Line<'static>> = Vec::new();
    if !c.detail.is_empty() {
        head.push(Line::raw(fit(&c.detail, width)));
    }
    // Every id in one wrapped run first, so all of them are named even when the rows scroll.
    let ids: Vec<String> = c.targets.iter().map(|t| t.id.to_string()).collect();
    for chunk in super::wrap(&ids.join(", "), width) {
        head.push(Line::styled(chunk, th.accent().add_modifier(Modifier::BOLD)));
    }
    let all = lines(app, c, width);
    let room = usize::from(inner.height).saturating_sub(head.len());
    let scroll = c.scroll.min(all.len().saturating_sub(room.max(1)));
    let more_below = all.len() > scroll + room;
    let mut shown: Vec<Line<'static>> = head;
    let take = if more_below { room.saturating_sub(1) } else { room };
    shown.extend(all.iter().skip(scroll).take(take).cloned());
    if more_below {
        let down = app.keymap.first(Action::SelectNext).unwrap_or_default();
        shown.push(Line::styled(
            fit(&format!("… {} more below ({down} scrolls)", all.len() - scroll - take), width),
            th.muted(),
        ));
    }
    frame.render_widget(Paragraph::new(shown), inner);
}
