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
    let sep = Span::styled(" │ ", t.muted());
    let on_call = if app.on_call.is_empty() {
        "nobody configured".to_owned()
    } else {
        app.on_call.iter().map(|p| sanitize_line(p).into_owned()).collect::<Vec<_>>().join(", ")
    };
    let [trig, ack, cont] = app.counts;
    let mut spans = vec![
        Span::styled(" piket", t.accent()),
        Span::styled(format!(" · {}", sanitize_line(&app.team)), t.accent()),
        sep.clone(),
        Span::raw(format!("on call: {}", fit(&on_call, 24))),
        sep.clone(),
        Span::styled(
            format!("{trig} triggered"),
            if trig > 0 { t.fg(t.palette.triggered).add_modifier(Modifier::BOLD) } else { t.muted() },
        ),
        Span::raw(" "),
        Span::styled(format!("{ack} ack"), t.fg(t.palette.acknowledged)),
        Span::raw(" "),
        Span::styled(format!("{cont} contained"), t.fg(t.palette.contained)),
    ];
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
        spans.push(sep.clone());
        spans.push(Span::styled(text, clock_style(app, remaining, target)));
    }
    let clock = app.now.with_timezone(&app.timezone).format("%H:%M %Z").to_string();
    let used: usize = spans.iter().map(Span::width).sum();
    let room = usize::from(area.width).saturating_sub(used + clock.len() + 1);
    spans.push(Span::raw(" ".repeat(room)));
    spans.push(Span::styled(clock, t.muted()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
