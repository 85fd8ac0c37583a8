//! The schedule view: who holds each schedule over the next 14 days, one row per local day,
//! with hand-off times; gaps, overlaps and overrides marked; the overrides listed below.
//!
//! ```text
//! ┌ On call · next 14 days · times in Europe/Amsterdam ──────────────────────────┐
//! │GAP nobody on call · OVERLAP more than one · name* an override                │
//! │dba  now alice · next bob Thu 09:00                                           │
//! │  Wed 25 Nov  alice                                                           │
//! │  Fri 27 Nov  bob · 18:00 carol*                                              │
//! │  Sun 29 Nov  GAP · 09:00 alice                                               │
//! │Overrides                                                                     │
//! │  #1 carol for bob in dba · Fri 18:00 → Sat 09:00 · bob at a wedding          │
//! └──────────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! Rows come from [`crate::tui::app::schedule::rows`]; only those on screen are drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{fit, fit_spans};
use crate::domain::Override;
use crate::domain::schedule::Segment;
use crate::domain::text::sanitize_line;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::app::schedule::{self, Row, ScheduleView};
use crate::wire::RotaView;

fn people(names: &[String]) -> String {
    names.iter().map(|p| sanitize_line(p).into_owned()).collect::<Vec<_>>().join("+")
}

/// "carol for bob in dba · Fri 18:00 → Sat 09:00".
fn override_text(app: &App, o: &Override) -> String {
    schedule::override_text(o, app.now, app.timezone)
}

/// Who holds one stretch: a name, "GAP" or "OVERLAP a+b", "*" after an override.
fn holder(app: &App, seg: &Segment) -> Vec<Span<'static>> {
    let th = &app.theme;
    let mut spans = match seg.people.len() {
        0 => vec![Span::styled("GAP", th.error().add_modifier(Modifier::REVERSED))],
        1 => vec![Span::raw(people(&seg.people))],
        _ => vec![
            Span::styled("OVERLAP ", th.fg(th.palette.warn).add_modifier(Modifier::BOLD)),
            Span::styled(people(&seg.people), th.fg(th.palette.warn)),
        ],
    };
    if !seg.overrides.is_empty() {
        spans.push(Span::styled("*", th.accent()));
    }
    spans
}

/// One local day of one schedule: the holder at the start of the day, then each hand-off
/// inside it with its time.
fn day_line(app: &App, rota: &RotaView, si: usize, date: chrono::NaiveDate) -> Line<'static> {
    let th = &app.theme;
    let mut spans = vec![Span::styled(format!("  {}  ", date.format("%a %d %b")), th.muted())];
    let Some(cov) = rota.coverage.get(si) else { return Line::from(spans) };
    let from = schedule::day_start(date, app.timezone).max(rota.at);
    let to = date.succ_opt().map_or(from, |d| schedule::day_start(d, app.timezone));
    let segs = schedule::segments_between(&cov.segments, from, to);
    if segs.is_empty() {
        spans.push(Span::styled("–", th.muted()));
    }
    for (k, seg) in segs.iter().enumerate() {
        if k > 0 {
            spans.push(Span::styled(" · ", th.muted()));
        }
        if seg.start > from {
            let t = seg.start.with_timezone(&app.timezone).format("%H:%M");
            spans.push(Span::styled(format!("{t} "), th.muted()));
        }
        spans.extend(holder(app, seg));
    }
    Line::from(spans)
}

fn schedule_line(app: &App, rota: &RotaView, si: usize) -> Line<'static> {
    let th = &app.theme;
    let name = rota.coverage.get(si).map(|c| c.schedule.as_str()).unwrap_or_default();
    let mut spans = vec![Span::styled(sanitize_line(name).into_owned(), th.accent())];
    if let Some(oc) = rota.on_call.iter().find(|o| o.schedule == name) {
        spans.push(Span::styled("  now ", th.muted()));
        if oc.now.is_empty() {
            spans.push(Span::styled("nobody", th.error()));
        } else {
            spans.push(Span::raw(people(&oc.now)));
        }
        if let Some(at) = oc.next_at {
            spans.push(Span::styled(" · next ", th.muted()));
            if oc.next.is_empty() {
                spans.push(Span::styled("nobody", th.error()));
            } else {
                spans.push(Span::raw(people(&oc.next)));
            }
            spans.push(Span::raw(format!(" {}", super::header::when(app, at))));
        }
    }
    Line::from(spans)
}

fn row_line(app: &App, rota: &RotaView, row: Row) -> Line<'static> {
    let th = &app.theme;
    match row {
        Row::Schedule(si) => schedule_line(app, rota, si),
        Row::Day(si, date) => day_line(app, rota, si, date),
        Row::Dst(si, k) => {
            let text = rota
                .coverage
                .get(si)
                .and_then(|c| c.dst_shifts.get(k))
                .map(|d| sanitize_line(&d.explanation).into_owned())
                .unwrap_or_default();
            Line::styled(format!("  ⚠ {text}"), th.fg(th.palette.warn))
        }
        Row::Blank => Line::raw(""),
        Row::Overrides => {
            let key = app.keymap.first(Action::RemoveOverride).unwrap_or_default();
            Line::from(vec![
                Span::styled("Overrides", th.accent()),
                Span::styled(format!("  ({key} removes the one under the cursor)"), th.muted()),
            ])
        }
        Row::NoOverrides => {
            let key = app.keymap.first(Action::AddOverride).unwrap_or_default();
            Line::styled(format!("  none; {key} adds one"), th.muted())
        }
        Row::Override(i) => {
            let Some(o) = rota.overrides.get(i) else { return Line::raw("") };
            let mut spans =
                vec![Span::styled(format!("  #{} ", o.id), th.accent()), Span::raw(override_text(app, o))];
            if let Some(r) = &o.reason {
                spans.push(Span::styled(format!(" · {}", sanitize_line(r)), th.muted()));
            }
            Line::from(spans)
        }
    }
}

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App, sv: &ScheduleView) {
    let th = &app.theme;
    let width = usize::from(area.width.saturating_sub(2));
    let title = fit(&format!(" On call · next {} days · times in {} ", schedule::DAYS, app.timezone), width);
    // The keys are in the footer, from the keymap.
    let block = Block::bordered().border_style(th.accent()).title(Line::styled(title, th.accent()));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let rota = match &sv.rota {
        None => {
            frame.render_widget(Paragraph::new(Line::styled("loading the rota…", th.muted())), inner);
            return;
        }
        Some(Err(why)) => {
            let text = fit(&format!("the rota could not be loaded: {}", sanitize_line(why)), width);
            frame.render_widget(Paragraph::new(Line::styled(text, th.error())), inner);
            return;
        }
        Some(Ok(r)) => r,
    };
    let legend = if rota.coverage.is_empty() {
        Line::styled(fit("no schedules are configured: [schedules] in config.toml", width), th.muted())
    } else {
        Line::from(fit_spans(
            vec![
                Span::styled("GAP", th.error().add_modifier(Modifier::REVERSED)),
                Span::styled(" nobody on call · ", th.muted()),
                Span::styled("OVERLAP", th.fg(th.palette.warn).add_modifier(Modifier::BOLD)),
                Span::styled(" more than one · ", th.muted()),
                Span::styled("name", Style::new()),
                Span::styled("*", th.accent()),
                Span::styled(" an override", th.muted()),
            ],
            width,
        ))
    };
    let visible = usize::from(inner.height.saturating_sub(1));
    let mut lines = vec![legend];
    // Only the rows on screen are laid out.
    for (i, row) in sv.rows.iter().enumerate().skip(sv.offset).take(visible) {
        let line = Line::from(fit_spans(row_line(app, rota, *row).spans, width));
        lines.push(if i == sv.cursor { line.style(th.selected(true)) } else { line });
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
