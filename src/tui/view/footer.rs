//! Bottom two lines: a message (what happened, or why not) or the filter being typed; then the
//! keys of the focused pane, from the live keymap. While incidents are marked the keys are
//! those that act on all of them, after their count; a read-only user's keys start with
//! "read-only", so the writes left out are not left out silently.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::fit;
use crate::domain::text::sanitize_line;
use crate::tui::action::Action;
use crate::tui::app::{App, Level, marks};
use crate::tui::layout::Pane;

/// The actions hinted in the footer for what has focus.
fn hints(app: &App) -> &'static [Action] {
    if app.prompt().is_some() {
        return &[Action::Cancel];
    }
    if app.rota.view.is_some() {
        return &[
            Action::SelectNext,
            Action::AddOverride,
            Action::RemoveOverride,
            Action::Back,
            Action::Help,
            Action::Quit,
        ];
    }
    match app.pane.focus {
        Pane::Queue => &[
            Action::SelectNext,
            Action::Open,
            Action::NewIncident,
            Action::Acknowledge,
            Action::Note,
            Action::Filter,
            Action::Help,
            Action::Quit,
            Action::Schedule,
            Action::Resolve,
            Action::Zoom,
        ],
        Pane::Detail => &[
            Action::SelectNext,
            Action::SelectLast,
            Action::Note,
            Action::Finding,
            Action::StatusUpdate,
            Action::Back,
            Action::Help,
        ],
        Pane::Escalation => {
            &[Action::SelectNext, Action::Open, Action::Page, Action::Back, Action::Zoom, Action::Help]
        }
    }
}

/// Incidents are marked and the keys act on all of them (not in a prompt or the rota view).
fn marked(app: &App) -> Option<usize> {
    (!app.marks.is_empty() && app.prompt().is_none() && app.rota.view.is_none()).then(|| app.marks.len())
}

fn short(a: Action) -> &'static str {
    match a {
        Action::OverridePriority => "prio",
        Action::SelectNext => "move",
        Action::SelectLast => "newest",
        Action::Open => "open",
        Action::Filter => "filter",
        Action::NewIncident => "new",
        Action::Acknowledge => "ack",
        Action::Note => "note",
        Action::Finding => "finding",
        Action::StatusUpdate => "update",
        Action::Resolve => "resolve",
        Action::Page => "page",
        Action::Schedule => "on call",
        Action::AddOverride => "add override",
        Action::RemoveOverride => "remove override",
        Action::Zoom => "zoom",
        Action::Help => "help",
        Action::Quit => "quit",
        Action::Back => "back",
        Action::Submit => "apply",
        Action::Cancel => "clear",
        _ => a.name(),
    }
}

/// The filter as typed, with the cursor while typing and its first problem.
fn filter_line(app: &App) -> Line<'static> {
    let th = &app.theme;
    let mut spans =
        vec![Span::styled(" / ", th.accent()), Span::raw(sanitize_line(&app.queue.filter_text).into_owned())];
    if app.queue.filtering {
        spans.push(Span::styled("▏", th.accent()));
    }
    if let Some(p) = app.queue.filter.problems.first() {
        spans.push(Span::styled(format!("  {p}"), th.error()));
    }
    Line::from(spans)
}

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let th = &app.theme;
    let width = usize::from(area.width);
    // An error too long for one line takes the hints' line too: a refusal's next step is what
    // the responder needs, and the hints come back with the next key.
    let mut second: Option<Line<'static>> = None;
    let first = if app.queue.filtering {
        filter_line(app)
    } else {
        match &app.message {
            // Messages may quote the server's refusals, which quote names from elsewhere. A
            // filter stays named after it: a message must not hide that the queue is filtered,
            // and a filter must not hide a message (a refused key said nothing at all).
            Some((level, m)) => {
                let style = if *level == Level::Error { th.error() } else { th.info() };
                let tag = if app.queue.filter_text.is_empty() {
                    String::new()
                } else {
                    format!("  / {}", sanitize_line(&app.queue.filter_text))
                };
                let tag = fit(&tag, width / 3);
                let room = width.saturating_sub(tag.width());
                let said = format!(" {}", sanitize_line(m));
                let text = if *level == Level::Error && said.width() > room {
                    let lines = super::wrap_hanging(&said, room, width.saturating_sub(1));
                    let rest: Vec<&str> = lines.iter().skip(1).map(|l| l.trim()).collect();
                    second = Some(Line::styled(fit(&format!(" {}", rest.join(" ")), width), style));
                    fit(lines.first().map_or("", String::as_str), room)
                } else {
                    said
                };
                Line::from(vec![Span::styled(text, style), Span::styled(tag, th.muted())])
            }
            None if !app.queue.filter_text.is_empty() => filter_line(app),
            None => match &app.link.read_only {
                Some(why) => {
                    Line::styled(fit(&format!(" read-only: {}", sanitize_line(why)), width), th.muted())
                }
                None => Line::raw(""),
            },
        }
    };
    let mut spans = Vec::new();
    if app.prompt().is_some() {
        // Enter is an editing key, not a binding: it applies the filter as well.
        spans.push(Span::styled(" enter", th.accent()));
        spans.push(Span::styled(" apply ", th.muted()));
    }
    let read_only = app.link.read_only.is_some();
    if read_only && app.prompt().is_none() {
        spans.push(Span::styled(" read-only:", th.error()));
        spans.push(Span::styled(" no writes ", th.muted()));
    }
    let marked = marked(app);
    let keys: Vec<Action> = match marked {
        Some(n) => {
            spans.push(Span::styled(format!(" {n} marked:"), th.accent()));
            marks::BULK_ACTIONS.iter().copied().chain([Action::Back]).collect()
        }
        None => hints(app).to_vec(),
    };
    for a in keys {
        if read_only && a.writes() {
            continue;
        }
        let Some(key) = app.keymap.first(a) else { continue };
        let key = if a == Action::SelectNext {
            let up = app.keymap.first(Action::SelectPrev).unwrap_or_default();
            format!("{key}/{up}")
        } else {
            key
        };
        // Esc on the queue clears the marks; elsewhere it goes back to the queue first.
        let what = if marked.is_some() && a == Action::Back && app.pane.focus == Pane::Queue {
            "clear"
        } else {
            short(a)
        };
        spans.push(Span::styled(format!(" {key}"), th.accent()));
        spans.push(Span::styled(format!(" {what} "), th.muted()));
    }
    let used: usize = spans.iter().map(Span::width).sum();
    if used > width {
        // Drop hints from the end until they fit; `?` stays reachable through the first ones.
        while spans.iter().map(Span::width).sum::<usize>() > width && spans.len() > 2 {
            spans.truncate(spans.len() - 2);
        }
    }
    let second = second.unwrap_or_else(|| Line::from(spans));
    frame.render_widget(Paragraph::new(vec![first, second]), area);
}
