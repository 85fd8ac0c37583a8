//! Every form draws the same way: a box over the screen, what closing still needs (close form),
//! the fields with their hints and messages in place, and the submit and cancel keys. Text is
//! drawn as it was pasted or written: line breaks kept, tabs to their stops, indentation kept
//! on every row a line wraps to.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{fit, lay_out_text, wrap};
use crate::domain::text::sanitize;
use crate::domain::{Impact, Urgency};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::form::{FieldKind, Form, FormKind};

/// Rows a multi-line field shows.
const TEXT_ROWS: usize = 4;

/// The field's text as shown: laid out as the timeline lays out a note (tabs to their stops,
/// see [`lay_out_text`]), made safe, the cursor mark at its place.
fn shown_text(value: &str, before: &str, focused: bool) -> (String, usize) {
    let laid = lay_out_text(value);
    // The text before the cursor starts the value, so laid out alone it starts the layout.
    let cut = lay_out_text(before).len().min(laid.len());
    let (before, after) = laid.split_at(if laid.is_char_boundary(cut) { cut } else { laid.len() });
    let (before, after) = (sanitize(before), sanitize(after));
    let at = before.chars().count();
    let shown = if focused { format!("{before}▏{after}") } else { format!("{before}{after}") };
    (shown, at)
}

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App, form: &Form) {
    let th = &app.theme;
    let popup = area.centered(Constraint::Max(84), Constraint::Max(area.height.saturating_sub(2).max(10)));
    let submit = app.keymap.first(Action::Submit).unwrap_or_default();
    let cancel = app.keymap.first(Action::Cancel).unwrap_or_default();
    let next = app.keymap.first(Action::NextField).unwrap_or_default();
    let editor = app.keymap.first(Action::EditInEditor);
    let text_field = form.fields.get(form.focus).is_some_and(|f| !matches!(f.kind, FieldKind::Choice(_)));
    let keys = if form.submitting {
        " sending… ".to_owned()
    } else {
        // Enter is left out: it never sends a form (its one rule is in the help and README).
        match editor.filter(|_| text_field) {
            Some(e) => {
                format!(" {submit} submit · {cancel} cancel (nothing is written) · {next} next · {e} editor ")
            }
            None => format!(" {submit} submit · {cancel} cancel (nothing is written) · {next} next field "),
        }
    };
    let block = Block::bordered()
        .border_style(th.accent())
        .title(Line::styled(format!(" {} ", sanitize(&form.title)), th.accent()))
        .title_bottom(Line::styled(keys, th.accent()));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line<'_>> = Vec::new();
    if form.kind == FormKind::Close {
        if form.missing.is_empty() {
            lines.push(Line::styled(
                "Nothing is missing: submitting records the review (if any) and closes.",
                th.info(),
            ));
        } else {
            lines.push(Line::styled(
                "Closing still needs:",
                th.fg(th.palette.warn).add_modifier(Modifier::BOLD),
            ));
            for m in &form.missing {
                lines.push(Line::styled(fit(&format!("  • {m}"), width), th.fg(th.palette.warn)));
            }
        }
        lines.push(Line::raw(""));
    }
    // What is on record that the form is about (action items, the event being corrected).
    if !form.notes.is_empty() {
        for n in &form.notes {
            lines.push(Line::styled(fit(&sanitize(n), width), th.info()));
        }
        lines.push(Line::raw(""));
    }
    if form.kind == FormKind::NewIncident {
        let imp = form.fields.get(2).and_then(|f| f.shown().parse::<Impact>().ok());
        let urg = form.fields.get(3).and_then(|f| f.shown().parse::<Urgency>().ok());
        if let (Some(i), Some(u)) = (imp, urg) {
            lines.push(Line::from(vec![
                Span::styled("Priority from impact x urgency: ", th.muted()),
                Span::styled(app.policy.matrix.derive(i, u).to_string(), th.accent()),
            ]));
        }
    }
    let mut cursor_line = 0;
    for (i, f) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let mark = if f.required { "*" } else { " " };
        let label_style = if focused { th.accent() } else { th.muted().add_modifier(Modifier::BOLD) };
        lines.push(Line::from(vec![
            Span::styled(format!("{}{mark} {}", if focused { "›" } else { " " }, f.label), label_style),
            Span::styled(format!("  {}", fit(&f.hint, width.saturating_sub(f.label.len() + 5))), th.muted()),
        ]));
        let value_style = if focused { th.selected(false) } else { ratatui::style::Style::new() };
        match &f.kind {
            FieldKind::Choice(opts) => {
                let mut spans = vec![Span::raw("   ")];
                for (k, o) in opts.iter().enumerate() {
                    let st = if k == f.choice {
                        th.selected(focused).add_modifier(Modifier::BOLD)
                    } else {
                        th.muted()
                    };
                    spans.push(Span::styled(format!(" {o} "), st));
                }
                lines.push(Line::from(spans));
            }
            FieldKind::Line => {
                let (before, _) = f.split_at_cursor();
                let (shown, at) = shown_text(&f.value, before, focused);
                let shown = shown.replace('\n', " ");
                // A window of the line that keeps the cursor in sight.
                let room = width.saturating_sub(4).max(1);
                let chars: Vec<char> = shown.chars().collect();
                let start = (at + 1).saturating_sub(room);
                let window: String = chars[start..chars.len().min(start + room)].iter().collect();
                lines.push(Line::from(vec![Span::raw("   "), Span::styled(window, value_style)]));
            }
            FieldKind::Multi => {
                let (before, _) = f.split_at_cursor();
                let (shown, _) = shown_text(&f.value, before, focused);
                // Indentation is kept on every row a line wraps to, as in the timeline.
                let wrapped = wrap(&shown, width.saturating_sub(4));
                let rows = if focused { TEXT_ROWS } else { wrapped.len().clamp(1, 2) };
                let mut skip = wrapped.len().saturating_sub(rows);
                // Keep the cursor's line in the window when editing further up.
                if let Some(i) = wrapped.iter().position(|l| l.contains('▏')) {
                    skip = skip.min(i);
                }
                let mut n = 0;
                for l in wrapped.into_iter().skip(skip) {
                    lines.push(Line::from(vec![Span::raw("   "), Span::styled(l, value_style)]));
                    n += 1;
                }
                for _ in n..rows {
                    lines.push(Line::from(vec![
                        Span::raw("   "),
                        Span::styled(
                            " ".repeat(width.saturating_sub(4)),
                            if focused { value_style } else { th.muted() },
                        ),
                    ]));
                }
            }
        }
        if focused {
            cursor_line = lines.len();
        }
        if let Some(e) = &f.error {
            lines.push(Line::styled(fit(&format!("   ⚠ {e}"), width), th.error()));
        }
    }
    // A refusal is pinned to the bottom of the form, so it is seen however tall the form is.
    let errors: Vec<Line<'_>> = form.error.as_ref().map_or_else(Vec::new, |e| {
        wrap(&format!("⚠ {}", sanitize(e)), width)
            .into_iter()
            .take(4)
            .map(|l| Line::styled(l, th.error()))
            .collect()
    });
    let err_rows = u16::try_from(errors.len()).unwrap_or(0);
    let [body, bottom] = inner.layout(&Layout::vertical([Constraint::Fill(1), Constraint::Length(err_rows)]));
    // Keep the focused field on screen in short terminals.
    let rows = usize::from(body.height);
    let skip = cursor_line.saturating_sub(rows.saturating_sub(2)).min(lines.len().saturating_sub(rows));
    let lines: Vec<Line<'_>> = lines.into_iter().skip(skip).collect();
    frame.render_widget(Paragraph::new(lines), body);
    frame.render_widget(Paragraph::new(errors), bottom);
}
