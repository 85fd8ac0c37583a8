//! The help overlay, printed from the live keymap: every action, its keys, its doc comment.
//! Lines wrap at the overlay's width, under their own column, so nothing is cut at 80 columns.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{fit, wrap};
use crate::tui::action::Scope;
use crate::tui::app::App;

/// Columns of the keys before each action's help.
const KEYS_W: usize = 18;

/// The help text as lines (also what the snapshot test keeps honest).
#[must_use]
pub(crate) fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let th = &app.theme;
    let mut out = Vec::new();
    let mut scope = None;
    for (action, keys) in app.keymap.describe() {
        if scope != Some(action.scope()) {
            scope = Some(action.scope());
            if !out.is_empty() {
                out.push(Line::raw(""));
            }
            out.push(Line::styled(action.scope().as_str(), th.accent()));
        }
        let mut text = wrap(action.help(), width.saturating_sub(KEYS_W)).into_iter();
        out.push(Line::from(vec![
            Span::styled(
                format!("{:>16}  ", fit(&keys, 16)),
                th.fg(th.palette.accent).add_modifier(Modifier::BOLD),
            ),
            Span::raw(text.next().unwrap_or_default()),
        ]));
        out.extend(text.map(|t| Line::raw(format!("{:KEYS_W$}{t}", ""))));
    }
    if scope == Some(Scope::Input) {
        let note = "In forms: enter = next field (new line in text boxes); left/right/home/end/delete edit at the cursor; left/right change a choice; ctrl-u clears, ctrl-w deletes a word.";
        for t in wrap(note, width.saturating_sub(2)) {
            out.push(Line::styled(format!("  {t}"), th.muted()));
        }
    }
    out
}

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App, scroll: usize) {
    let th = &app.theme;
    let popup = area.centered(Constraint::Max(96), Constraint::Percentage(90));
    let inner = Block::bordered().inner(popup);
    let all = lines(app, usize::from(inner.width));
    let rows = usize::from(inner.height);
    let scroll = scroll.min(all.len().saturating_sub(rows));
    let position = if all.len() > rows {
        format!(
            " lines {}-{} of {} · j/k scroll · any other key closes ",
            scroll + 1,
            (scroll + rows).min(all.len()),
            all.len()
        )
    } else {
        " any key closes ".to_owned()
    };
    let block = Block::bordered()
        .border_style(th.accent())
        .title(Line::styled(" Keys (from your keymap) ", th.accent()))
        .title_bottom(Line::styled(position, th.muted()));
    let shown: Vec<Line<'_>> = all.into_iter().skip(scroll).collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(shown).block(block), popup);
}
