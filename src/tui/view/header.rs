//! Top line: team, who is on call, counts by status, the clock nearest to breach, the time.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{countdown, fit};
use crate::domain::policy::Clock;
use crate::domain::text::sanitize_line;
use crate::tui::app::App;

/// The style of a countdown: calm, within its last quarter, or breached.
#[must_use]
pub fn clock_style(app: &App, remaining: chrono::Duration, target: Option<chrono::Duration>) -> Style {
    let t = &app.theme;
    if remaining <= chrono::Duration::zero() {
        t.error().add_modifier(Modifier::REVERSED)
    } else if target.is_some_and(|tg| remaining * 4 <= tg) {
        t.fg(t.palette.warn).add_modifier(Modifier::BOLD)
    } else {
        t.fg(t.palette.ok)
    }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let width = usize::from(area.width);
    let sep = || Span::styled(" │ ", t.muted());
    let [trig, ack, cont] = app.counts;
    let narrow = width < 120;
    let (wt, wa, wc) =
        if narrow { ("trig", "ack", "cont") } else { ("triggered", "acknowledged", "contained") };
    // Segments in the order they are dropped when the line is too narrow: last first.
    let brand = vec![Span::styled(format!(" piket · {}", sanitize_line(&app.team)), t.accent())];
    let counts = vec![
        Span::styled(
            format!("{trig} {wt}"),
            if trig > 0 { t.fg(t.palette.triggered).add_modifier(Modifier::BOLD) } else { t.muted() },
        ),
        Span::raw(" "),
        Span::styled(format!("{ack} {wa}"), t.fg(t.palette.acknowledged)),
        Span::raw(" "),
        Span::styled(format!("{cont} {wc}"), t.fg(t.palette.contained)),
    ];
    let mut clock_seg = Vec::new();
    if let Some((id, d)) = app.next_deadline {
        let remaining = d.remaining(app.now);
        let target = app.incident(id).and_then(|inc| {
            let tg = app.policy.target(inc.priority);
            match d.clock {
                Clock::Acknowledge => tg.acknowledge,
                Clock::Resolve => tg.resolve,
            }
        });
        let what = match d.clock {
            Clock::Acknowledge => "ack",
            Clock::Resolve => "resolve",
        };
        let text = if remaining <= chrono::Duration::zero() {
            format!("{id} {what} overdue {}", countdown(remaining))
        } else {
            format!("{id} {what} in {}", countdown(remaining))
        };
        clock_seg.push(Span::styled(text, clock_style(app, remaining, target)));
    }
    let on_call = if app.on_call.is_empty() {
        "nobody configured".to_owned()
    } else {
        app.on_call.iter().map(|p| sanitize_line(p).into_owned()).collect::<Vec<_>>().join(", ")
    };
    let on_call = vec![Span::raw(format!("on call: {}", fit(&on_call, 30)))];
    let time = app.now.with_timezone(&app.timezone).format("%H:%M %Z").to_string();

    let mut segments = vec![brand, counts, clock_seg, on_call];
    segments.retain(|s| !s.is_empty());
    let seg_width = |segs: &[Vec<Span<'_>>]| -> usize {
        segs.iter().map(|s| s.iter().map(Span::width).sum::<usize>()).sum::<usize>()
            + 3 * segs.len().saturating_sub(1)
    };
    let mut show_time = true;
    while seg_width(&segments) + if show_time { time.len() + 2 } else { 0 } > width {
        if show_time {
            show_time = false;
        } else if segments.len() > 1 {
            segments.pop();
        } else {
            break;
        }
    }
    let used = seg_width(&segments);
    let mut spans = Vec::new();
    for (i, seg) in segments.into_iter().enumerate() {
        if i > 0 {
            spans.push(sep());
        }
        spans.extend(seg);
    }
    if show_time {
        spans.push(Span::raw(" ".repeat(width.saturating_sub(used + time.len() + 1))));
        spans.push(Span::styled(time, t.muted()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
