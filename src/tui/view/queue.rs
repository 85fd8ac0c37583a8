//! The queue: open incidents, most urgent first. Only the rows on screen are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use super::{fit, short_duration};
use crate::domain::text::sanitize_line;
use crate::domain::{Incident, Status};
use crate::tui::app::App;
use crate::tui::layout::Pane;
use crate::tui::theme::Theme;

/// A status as a glyph and a word.
#[must_use]
pub(crate) const fn status_label(s: Status) -> &'static str {
    match s {
        Status::Triggered => "● triggered",
        Status::Acknowledged => "◐ acknowledged",
        Status::Contained => "◑ contained",
        Status::Resolved => "✓ resolved",
        Status::Closed => "■ closed",
    }
}

#[must_use]
pub(crate) fn status_style(t: &Theme, s: Status) -> Style {
    let p = &t.palette;
    match s {
        Status::Triggered => t.fg(p.triggered).add_modifier(Modifier::BOLD),
        Status::Acknowledged => t.fg(p.acknowledged),
        Status::Contained => t.fg(p.contained),
        Status::Resolved => t.fg(p.resolved),
        Status::Closed => t.fg(p.closed),
    }
}

/// Columns other than the title: their widths and the gaps between the eight columns.
const FIXED: u16 = 2 + 4 + 14 + 10 + 5 + 8 + 7;
const SERVICE_W: usize = 10;
const OWNER_W: usize = 8;

/// A row; `title_w`: the title column's width, so a long title ends with an ellipsis.
fn row<'a>(app: &App, inc: &'a Incident, title_w: usize) -> Row<'a> {
    let t = &app.theme;
    let urgent = inc.priority.number() <= 2;
    let prio = Span::styled(
        inc.priority.to_string(),
        if urgent { t.fg(t.palette.urgent).add_modifier(Modifier::BOLD) } else { Style::new() },
    );
    let owner = inc.owner().map_or_else(|| "–".to_owned(), |o| fit(&sanitize_line(o), OWNER_W));
    let service = inc.services.first().map_or_else(String::new, |s| fit(&sanitize_line(s), SERVICE_W));
    let mut cells = vec![
        Cell::from(inc.id.to_string()),
        Cell::from(prio),
        Cell::from(inc.severity.to_string()),
        Cell::from(Span::styled(status_label(inc.status), status_style(t, inc.status))),
        Cell::from(fit(&sanitize_line(&inc.title), title_w)),
        Cell::from(service),
        Cell::from(Span::styled(short_duration(app.now - inc.opened_at), t.muted())),
        Cell::from(owner),
    ];
    super::marks::with_column(app, &mut cells, || super::marks::cell(app, inc.id));
    let row = Row::new(cells);
    // Nobody has it yet: the whole row stands out.
    if inc.status == Status::Triggered { row.style(Style::new().add_modifier(Modifier::BOLD)) } else { row }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let focused = app.pane.focus == Pane::Queue;
    let what = if app.queue.show_all { "all" } else { "open" };
    let mut title = if app.queue.loaded && !app.queue.complete {
        format!(
            " Queue · first {} {what}, loading the rest · by {} ",
            app.queue.visible_len(),
            app.queue.sort.as_str()
        )
    } else {
        format!(" Queue · {} {what} · by {} ", app.queue.visible_len(), app.queue.sort.as_str())
    };
    if !app.queue.filter_text.is_empty() {
        title = format!(
            " Queue · {} of {} · by {} · filtered ",
            app.queue.visible_len(),
            app.queue.cached_len(),
            app.queue.sort.as_str()
        );
    }
    let mut block =
        Block::bordered().border_style(t.border(focused)).title(Line::styled(title, t.border(focused)));
    if let Some(marked) = super::marks::count(app) {
        block = block.title_top(marked);
    }
    let rows = crate::tui::layout::queue_rows(area);
    // Rows off screen are counted, so a short pane never hides that there is more.
    let hidden = match app.queue.hidden_rows(rows) {
        (0, 0) => None,
        (0, below) => Some(format!(" {below} more below ")),
        (above, 0) => Some(format!(" {above} more above ")),
        (above, below) => Some(format!(" {above} above · {below} below ")),
    };
    if let Some(h) = hidden {
        block = block.title_bottom(Line::styled(h, t.border(focused)).right_aligned());
    }
    if let Some(j) = &app.queue.jump {
        block = block.title_bottom(Line::from(vec![
            Span::styled(" jump to ", t.accent()),
            Span::raw(sanitize_line(j).into_owned()),
            Span::styled("▏ ", t.accent()),
        ]));
    }
    if app.queue.visible_len() == 0 {
        let text = if !app.queue.loaded {
            "loading…".to_owned()
        } else if app.queue.cached_len() > 0 {
            "no incident matches the filter (esc clears it)".to_owned()
        } else if app.queue.show_all {
            "no incidents recorded yet. n registers one.".to_owned()
        } else {
            "no open incidents. n registers one; A shows resolved and closed ones.".to_owned()
        };
        frame.render_widget(Paragraph::new(Line::styled(format!(" {text}"), t.muted())).block(block), area);
        return;
    }
    let title_w =
        usize::from(area.width.saturating_sub(2 + FIXED + app.queue.id_width + super::marks::width(app)));
    let body = app.queue.rows(app.queue.offset, rows).map(|(i, inc)| {
        let r = row(app, inc, title_w);
        if i == app.queue.sel_row { r.style(t.selected(focused)) } else { r }
    });
    let mut names: Vec<Cell<'_>> = ["ID", "P", "SEV", "STATUS", "TITLE", "SERVICE", "AGE", "OWNER"]
        .into_iter()
        .map(Cell::from)
        .collect();
    super::marks::with_column(app, &mut names, || Cell::from(""));
    let header = Row::new(names).style(t.muted().add_modifier(Modifier::BOLD));
    let mut widths = vec![
        Constraint::Length(app.queue.id_width),
        Constraint::Length(2),
        Constraint::Length(4),
        Constraint::Length(14),
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(5),
        Constraint::Length(8),
    ];
    super::marks::with_column(app, &mut widths, || Constraint::Length(1));
    let table = Table::new(body, widths).header(header).block(block).column_spacing(1);
    frame.render_widget(table, area);
}
