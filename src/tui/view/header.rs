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

/// "INC-7 ack in 04:12", coloured by how much of the target is left.
#[must_use]
pub fn deadline_span(
    app: &App,
    id: crate::domain::IncidentId,
    d: crate::domain::policy::Deadline,
    with_id: bool,
) -> Span<'static> {
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
    let who = if with_id { format!("{id} ") } else { String::new() };
    let text = if remaining <= chrono::Duration::zero() {
        format!("{who}{what} overdue {}", countdown(remaining))
    } else {
        format!("{who}{what} in {}", countdown(remaining))
    };
    Span::styled(text, clock_style(app, remaining, target))
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
    let counts = if !app.complete {
        vec![Span::styled("counting…", t.muted())]
    } else {
        vec![
            Span::styled(
                format!("{trig} {wt}"),
                if trig > 0 { t.fg(t.palette.triggered).add_modifier(Modifier::BOLD) } else { t.muted() },
            ),
            Span::raw(" "),
            Span::styled(format!("{ack} {wa}"), t.fg(t.palette.acknowledged)),
            Span::raw(" "),
            Span::styled(format!("{cont} {wc}"), t.fg(t.palette.contained)),
        ]
    };
    // The clock segment in three sizes; the widest that fits beside brand and counts is used.
    let (overdue, next) = app.deadlines_now();
    let over = || Span::styled(format!("{overdue} overdue"), t.error());
    let mut variants: Vec<Vec<Span<'_>>> = Vec::new();
    match (overdue, next) {
        (0, Some((id, d))) => variants.push(vec![deadline_span(app, id, d, true)]),
        (_, Some((id, d))) => {
            variants.push(vec![over(), Span::styled(" · next ", t.muted()), deadline_span(app, id, d, true)]);
            variants.push(vec![over(), Span::raw(" "), deadline_span(app, id, d, true)]);
            variants.push(vec![over()]);
        }
        (0, None) => {}
        (_, None) => variants.push(vec![over()]),
    }
    let base: usize = brand.iter().chain(&counts).map(Span::width).sum::<usize>() + 3;
    let clock_seg = variants
        .into_iter()
        .find(|v| base + 3 + v.iter().map(Span::width).sum::<usize>() <= width)
        .unwrap_or_default();
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
