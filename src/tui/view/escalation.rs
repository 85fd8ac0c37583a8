//! Who is engaged (roles, escalations so far) and every action possible now, with its key.
//! Actions the domain would refuse in the incident's current state are not listed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::fit;
use crate::domain::text::sanitize_line;
use crate::tui::app::{App, Pane};

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let th = &app.theme;
    let focused = app.focus == Pane::Escalation;
    let block = Block::bordered()
        .border_style(th.border(focused))
        .title(Line::styled(" Engaged · actions ", th.border(focused)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line<'_>> = Vec::new();
    let head = th.muted().add_modifier(Modifier::BOLD);
    if let Some(inc) = app.selected_incident() {
        if inc.roles.is_empty() {
            let ack = inc
                .acknowledged_by
                .as_deref()
                .map_or_else(|| "nobody yet".to_owned(), |a| format!("{} (acknowledged)", sanitize_line(a)));
            lines.push(Line::from(vec![
                Span::styled("engaged ", th.muted()),
                Span::raw(fit(&ack, width.saturating_sub(8))),
            ]));
        }
        for (role, person) in &inc.roles {
            lines.push(Line::from(vec![
                Span::styled(format!("{:<10}", role.as_str()), th.muted()),
                Span::raw(fit(&sanitize_line(person), width.saturating_sub(10))),
            ]));
        }
        if !inc.escalations.is_empty() {
            // The most recent escalations; the timeline has all of them.
            let shown = inc.escalations.iter().rev().take(3).collect::<Vec<_>>();
            for e in shown.into_iter().rev() {
                let when = e.at.with_timezone(&app.timezone).format("%H:%M");
                let text = format!("{when} → {}: {}", sanitize_line(&e.to), sanitize_line(&e.reason));
                lines.push(Line::raw(fit(&text, width)));
            }
            if inc.escalations.len() > 3 {
                lines.push(Line::styled(
                    format!("({} escalations in all)", inc.escalations.len()),
                    th.muted(),
                ));
            }
        }
        lines.push(Line::styled("actions now", head));
    }
    let actions = app.possible_actions();
    for (i, a) in actions.iter().enumerate() {
        let key = app.keymap.first(*a).unwrap_or_else(|| "–".to_owned());
        let mut label = a.name().replace('_', " ");
        if let Some(p) = app.selected_incident().and_then(|inc| app.priority_after(*a, inc)) {
            label.push_str(&format!(" → {p}"));
        }
        let line = Line::from(vec![
            Span::styled(format!("{key:>6} "), th.accent()),
            Span::raw(fit(&label, width.saturating_sub(7))),
        ]);
        lines.push(if focused && i == app.action_sel { line.style(th.selected(true)) } else { line });
    }
    // Keep the selected action visible when the list is taller than the pane.
    let rows = usize::from(inner.height);
    let sel_line = lines.len().saturating_sub(actions.len()) + app.action_sel;
    let skip = if focused && sel_line >= rows { sel_line + 1 - rows } else { 0 };
    let lines: Vec<Line<'_>> = lines.into_iter().skip(skip).collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
