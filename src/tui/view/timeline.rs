//! The timeline: one entry per event (time, actor, kind, text), multi-line text wrapped with a
//! hanging indent: each line of a note starts a line, with its indentation and its tabs laid
//! out. Only the events that fit are laid out, from the top one shown, or backwards from the
//! newest while following. Events the timeline search matches are marked, the current one
//! most. While the timeline has the focus, the event under its cursor (what a correction is
//! about) is highlighted and shows its number, the one the correction form asks for; the
//! cursor is always laid out on screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{lay_out_text, wrap_hanging};
use crate::domain::Event;
use crate::domain::text::{sanitize, sanitize_line};
use crate::tui::app::App;
use crate::tui::layout::Pane;

const INDENT: usize = 6;

/// How the timeline search sees an event.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    None,
    Match,
    Current,
}

/// The event under the cursor, when the timeline has the focus (`n` events).
fn cursor(app: &App, n: usize) -> Option<usize> {
    (app.pane.focus == Pane::Detail && n > 0).then(|| app.pane.timeline_cursor.unwrap_or(n - 1).min(n - 1))
}

/// The lines of one event (at position `at`) at a width; `cursor`: it is under the cursor.
fn event_lines<'a>(app: &App, ev: &Event, at: usize, width: usize, cursor: bool) -> Vec<Line<'a>> {
    let th = &app.theme;
    let mark = if app.search.hit == Some(at) {
        Mark::Current
    } else if app.search.matches(ev) {
        Mark::Match
    } else {
        Mark::None
    };
    let time = crate::when::shown(ev.occurred_at, app.now, app.timezone);
    let actor = sanitize(&ev.actor).into_owned();
    let text = sanitize(&lay_out_text(&ev.kind.describe())).into_owned();
    // Most descriptions start with their kind ("acknowledged", "escalated to ..."): say it once.
    let name = ev.kind.name().replace('_', " ");
    let kind = if text.starts_with(&name) { String::new() } else { name };
    let number = if cursor { format!("#{} ", ev.seq) } else { String::new() };
    let prefix_w = number.width()
        + time.width()
        + 1
        + actor.width()
        + 1
        + if kind.is_empty() { 0 } else { kind.width() + 1 };
    let mut lines = Vec::new();
    let first_room = width.saturating_sub(prefix_w);
    let rest_room = width.saturating_sub(INDENT).max(1);
    let mut chunks = if first_room >= 12 {
        wrap_hanging(&text, first_room, rest_room)
    } else {
        let mut v = vec![String::new()];
        v.extend(wrap_hanging(&text, rest_room, rest_room));
        v
    }
    .into_iter();
    let head = chunks.next().unwrap_or_default();
    let time_style = match mark {
        Mark::None => th.muted(),
        Mark::Match => th.accent().add_modifier(Modifier::BOLD),
        Mark::Current => th.selected(true),
    };
    let mut spans = vec![
        Span::styled(number, th.selected(true)),
        Span::styled(time, time_style),
        Span::raw(" "),
        Span::styled(actor, th.fg(th.palette.accent)),
        Span::raw(" "),
    ];
    if !kind.is_empty() {
        spans.push(Span::styled(kind, ratatui::style::Style::new().add_modifier(Modifier::BOLD)));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::raw(head));
    lines.push(Line::from(spans));
    for c in chunks {
        lines.push(Line::from(format!("{}{c}", " ".repeat(INDENT))));
    }
    if cursor {
        let style = ratatui::style::Style::new().add_modifier(Modifier::BOLD);
        lines = lines.into_iter().map(|l| l.patch_style(style)).collect();
    }
    lines
}

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let th = &app.theme;
    let rows = usize::from(area.height) - 1;
    let width = usize::from(area.width);
    let Some(tl) = app.selected_timeline() else {
        frame.render_widget(Paragraph::new(Line::styled("Timeline · loading…", th.muted())), area);
        return;
    };
    let n = tl.events.len();
    let cur = cursor(app, n);
    let lines_of = |i: usize, ev: &Event| event_lines(app, ev, i, width, cur == Some(i));
    let mut lines: Vec<Line<'_>> = Vec::with_capacity(rows);
    // From the top one shown, unless the cursor would fall below the screen (wrapped events
    // take more than a row): then back from the cursor, as when following the newest.
    let from_top = app.pane.timeline_top.map(|top| top.min(n.saturating_sub(1))).filter(|&top| {
        let mut used = 0;
        cur.is_none_or(|c| {
            c < top || {
                for (i, ev) in tl.events.iter().enumerate().take(c + 1).skip(top) {
                    used += lines_of(i, ev).len();
                }
                used <= rows
            }
        })
    });
    let (from, to) = match from_top {
        Some(top) => {
            let mut end = top;
            for (i, ev) in tl.events.iter().enumerate().skip(top) {
                if lines.len() >= rows {
                    break;
                }
                lines.extend(lines_of(i, ev));
                end += 1;
            }
            lines.truncate(rows);
            (top, end)
        }
        None => {
            // Follow the newest (or the cursor): walk back until the area is full.
            let last = if app.pane.timeline_top.is_some() { cur.map_or(n, |c| c + 1) } else { n };
            let mut blocks: Vec<Vec<Line<'_>>> = Vec::new();
            let mut used = 0;
            let mut start = last;
            while start > 0 && used < rows {
                start -= 1;
                let b = lines_of(start, &tl.events[start]);
                used += b.len();
                blocks.push(b);
            }
            let single = blocks.len() == 1;
            for b in blocks.into_iter().rev() {
                lines.extend(b);
            }
            if single {
                // One event taller than the pane: show its head (who and when), cut its tail.
                lines.truncate(rows);
            } else {
                let skip = lines.len().saturating_sub(rows);
                lines.drain(..skip);
            }
            (start, last)
        }
    };
    // A pane with no row for events shows no range (it would read "events 2-1").
    let more = if from < to && (from > 0 || to < n) {
        format!(" · events {}-{} of {n}", from + 1, to)
    } else {
        String::new()
    };
    let follow = if app.pane.timeline_top.is_none() { "" } else { " · scrolled (G follows)" };
    let mut all =
        vec![Line::styled(format!("Timeline ({n}){more}{follow}"), th.muted().add_modifier(Modifier::BOLD))];
    if app.search.typing || !app.search.text.is_empty() {
        // The search first: at 80 columns the range after it may be cut.
        let (nth, total) = app.search.position(&tl.events);
        let next = app.keymap.first(crate::tui::action::Action::SearchNext).unwrap_or_default();
        let found = if app.search.typing {
            "▏ enter finds".to_owned()
        } else if total == 0 {
            " · no event matches".to_owned()
        } else {
            format!(" {nth}/{total} · {next} next")
        };
        all[0] = Line::from(vec![
            Span::styled(format!("Timeline ({n}) "), th.muted().add_modifier(Modifier::BOLD)),
            Span::styled("/", th.accent()),
            Span::raw(sanitize_line(&app.search.text).into_owned()),
            Span::styled(format!("{found}{more}{follow}"), th.muted()),
        ]);
    }
    all.extend(lines);
    frame.render_widget(Paragraph::new(all), area);
}
