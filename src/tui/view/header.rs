//! Top line: team, counts by status, the clock nearest to breach, who is on call, the time.
//!
//! Who is on call comes from the server's rota ("on call: alice (dba) · next bob 09:00") when
//! schedules are configured, else from the names in config.toml's `on-call`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{countdown, fit_spans};
use crate::domain::policy::Clock;
use crate::domain::text::sanitize_line;
use crate::tui::app::App;

/// The style of a countdown: calm, within its last quarter, or breached.
#[must_use]
pub(crate) fn clock_style(app: &App, remaining: chrono::Duration, target: Option<chrono::Duration>) -> Style {
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
pub(crate) fn deadline_span(
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

/// A time in the display zone: "09:00" today, "Tue 09:00" this week, "02 Dec 09:00" later.
#[must_use]
pub(crate) fn when(app: &App, at: chrono::DateTime<chrono::Utc>) -> String {
    crate::when::shown(at, app.now, app.timezone)
}

/// People as one short text: "alice", "alice+bob".
fn people(names: &[String]) -> String {
    names.iter().map(|p| sanitize_line(p).into_owned()).collect::<Vec<_>>().join("+")
}

/// "on call: alice (dba), carol (web) · next bob 09:00"; "nobody" stands out.
fn on_call_spans(app: &App) -> Vec<Span<'static>> {
    let t = &app.theme;
    let mut spans = vec![Span::raw("on call: ")];
    let Some(rota) = app.rota.now.as_ref().filter(|r| !r.on_call.is_empty()) else {
        // No schedules (or no answer yet): the names config.toml gives.
        let names = if app.on_call.is_empty() {
            "nobody configured".to_owned()
        } else {
            app.on_call.iter().map(|p| sanitize_line(p).into_owned()).collect::<Vec<_>>().join(", ")
        };
        spans.push(Span::raw(names));
        return spans;
    };
    for (i, oc) in rota.on_call.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(", "));
        }
        if oc.now.is_empty() {
            spans.push(Span::styled("nobody", t.error()));
        } else {
            spans.push(Span::raw(people(&oc.now)));
        }
        spans.push(Span::styled(format!(" ({})", sanitize_line(&oc.schedule)), t.muted()));
    }
    if let Some(at) = app.next_handoff() {
        // Everyone who takes over at that moment, in any schedule.
        let next: Vec<String> =
            rota.on_call.iter().filter(|o| o.next_at == Some(at)).flat_map(|o| o.next.clone()).collect();
        spans.push(Span::styled(" · next ", t.muted()));
        if next.is_empty() {
            spans.push(Span::styled("nobody", t.error()));
        } else {
            spans.push(Span::raw(people(&next)));
        }
        spans.push(Span::raw(format!(" {}", when(app, at))));
    }
    spans
}

/// The narrowest useful on-call segment ("on call: alic…").
const ON_CALL_MIN: usize = 14;

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let width = usize::from(area.width);
    let sep = || Span::styled(" │ ", t.muted());
    let [trig, ack, cont] = app.queue.counts;
    let narrow = width < 120;
    let (wt, wa, wc) =
        if narrow { ("trig", "ack", "cont") } else { ("triggered", "acknowledged", "contained") };
    // Segments in the order they are dropped when the line is too narrow: last first.
    let mut brand = vec![Span::styled(format!(" piket · {}", sanitize_line(&app.team)), t.accent())];
    if app.link.read_only.is_some() {
        // The why is on the footer's first line; here the fact, where the eye starts.
        brand.push(Span::styled(" · read-only", t.fg(t.palette.warn).add_modifier(Modifier::BOLD)));
    }
    let counts = if !app.queue.complete {
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
    let time = app.now.with_timezone(&app.timezone).format("%H:%M %Z").to_string();

    let mut segments = vec![brand, counts, clock_seg];
    segments.retain(|s| !s.is_empty());
    let seg_width = |segs: &[Vec<Span<'_>>]| -> usize {
        segs.iter().map(|s| s.iter().map(Span::width).sum::<usize>()).sum::<usize>()
            + 3 * segs.len().saturating_sub(1)
    };
    // Who is on call matters more than the clock: the time shows beside all of it, else it
    // gives way; on call is cut short rather than dropped while a useful part fits.
    let on_call = on_call_spans(app);
    let full = on_call.iter().map(Span::width).sum::<usize>();
    let left = width.saturating_sub(seg_width(&segments) + 3);
    let mut show_time = true;
    if left >= full + time.len() + 2 {
        segments.push(on_call);
    } else if left >= full.min(ON_CALL_MIN) {
        show_time = false;
        segments.push(fit_spans(on_call, left));
    }
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
