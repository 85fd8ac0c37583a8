//! The selected incident's escalation, who is engaged, and every action possible now.
//!
//! ```text
//! ┌ Escalation · actions ──────┐
//! │dba · level 2 in 12:30      │  policy, the next step and a live countdown
//! │1 alice       ✗ paged 09:01 │  each level: who it reaches now, when it was paged
//! │  ✗ alice webhook: HTTP 503 │  failed deliveries stand out
//! │2 bob                       │
//! │commander ben               │  roles, escalations by hand
//! │actions now                 │
//! │     a acknowledge          │  actions the domain allows now, with their keys
//! └────────────────────────────┘
//! ```
//!
//! The escalation comes from the server (`Effect::LoadEscalation`), fetched when the selection
//! changes and when the incident changes; this module only reads what arrived.

use chrono::Duration;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::{countdown, fit, fit_spans};
use crate::domain::escalation::{Delivery, PageRecord};
use crate::domain::text::sanitize_line;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::app::incident::INCIDENT_ACTIONS;
use crate::tui::layout::Pane;
use crate::wire::EscalationView;

/// Failed deliveries listed under a level; more are counted.
const FAILURES_SHOWN: usize = 2;

/// People as one short text: "alice, bob".
fn names(people: &[String]) -> String {
    people.iter().map(|p| sanitize_line(p).into_owned()).collect::<Vec<_>>().join(", ")
}

/// The escalation's lines: policy and next step, one line per level, failures under theirs,
/// the acknowledgement.
fn escalation_lines(app: &App, view: &EscalationView, width: usize) -> Vec<Line<'static>> {
    let th = &app.theme;
    let Some(policy) = &view.policy else {
        return vec![Line::styled("no escalation policy", th.muted())];
    };
    let progress = view.progress.as_ref();
    // The current run: an expired acknowledgement starts paging again from level 1.
    let run: &[PageRecord] = progress.map_or(&[], |p| p.pages.get(p.run_start..).unwrap_or_default());
    let current = run.last();

    let mut head = vec![Span::styled(sanitize_line(policy).into_owned(), th.accent())];
    if let Some(c) = current.filter(|c| c.round > 1) {
        head.push(Span::styled(format!(" · round {}", c.round), th.muted()));
    }
    if let Some(next) = &view.next {
        let remaining = next.at - app.now;
        let what = sanitize_line(next.what.strip_prefix("page ").unwrap_or(&next.what)).into_owned();
        let since = current.map(|c| c.at).or(progress.and_then(|p| p.run_started_at));
        let target = since.map(|s| next.at - s);
        let when = if remaining <= Duration::zero() {
            format!("{what} due now")
        } else {
            format!("{what} in {}", countdown(remaining))
        };
        head.push(Span::styled(" · ", th.muted()));
        head.push(Span::styled(when, super::header::clock_style(app, remaining, target)));
    }
    let mut lines = vec![Line::from(fit_spans(head, width))];

    for level in &view.levels {
        // The last time this level was paged (or skipped) in the current run.
        let page = run.iter().rev().find(|p| p.level == level.level);
        let failed: Vec<&Delivery> = progress
            .map(|p| {
                p.deliveries
                    .iter()
                    .filter(|d| d.level == level.level && page.is_some_and(|pg| d.at >= pg.at))
                    .filter(|d| d.error.is_some())
                    .collect()
            })
            .unwrap_or_default();
        let delivered = progress.is_some_and(|p| {
            p.deliveries
                .iter()
                .any(|d| d.level == level.level && d.error.is_none() && page.is_some_and(|pg| d.at >= pg.at))
        });
        let (status, style) = match page {
            Some(p) if p.skipped => (format!("skipped {}", local(app, p)), th.fg(th.palette.warn)),
            Some(p) if !failed.is_empty() => (format!("✗ paged {}", local(app, p)), th.error()),
            Some(p) if delivered => (format!("✓ paged {}", local(app, p)), th.fg(th.palette.ok)),
            Some(p) => (format!("paged {}", local(app, p)), ratatui::style::Style::new()),
            None => (String::new(), th.muted()),
        };
        let (who, who_style) = if level.reaches.is_empty() {
            let why = if level.unstaffed.is_empty() {
                "nobody".to_owned()
            } else {
                format!("nobody on call ({})", names(&level.unstaffed))
            };
            (why, th.fg(th.palette.warn))
        } else {
            (names(&level.reaches), ratatui::style::Style::new())
        };
        let num = format!("{} ", level.level);
        let status_w = status.width();
        let room = width.saturating_sub(num.len() + status_w + usize::from(status_w > 0));
        let who = fit(&who, room);
        let pad = width.saturating_sub(num.len() + who.width() + status_w);
        let is_current = current.is_some_and(|c| c.level == level.level);
        let num_style = if is_current { th.accent() } else { th.muted() };
        let mut spans = vec![Span::styled(num, num_style), Span::styled(who, who_style)];
        if status_w > 0 {
            spans.push(Span::raw(" ".repeat(pad)));
            spans.push(Span::styled(status, style));
        }
        lines.push(Line::from(fit_spans(spans, width)));
        for d in failed.iter().take(FAILURES_SHOWN) {
            let tries = if d.attempts > 1 { format!(" ({} tries)", d.attempts) } else { String::new() };
            let text = format!(
                "  ✗ {} {}: {}{tries}",
                sanitize_line(&d.person),
                sanitize_line(&d.notifier),
                sanitize_line(d.error.as_deref().unwrap_or("failed"))
            );
            lines.push(Line::styled(fit(&text, width), th.error()));
        }
        if failed.len() > FAILURES_SHOWN {
            let more = format!("  ({} more failed)", failed.len() - FAILURES_SHOWN);
            lines.push(Line::styled(fit(&more, width), th.error()));
        }
    }
    if let Some(p) = progress {
        if let (Some(at), Some(by)) = (p.acknowledged_at, p.acknowledged_by.as_deref()) {
            let when = crate::when::shown(at, app.now, app.timezone);
            lines.push(Line::from(fit_spans(
                vec![
                    Span::styled("acknowledged ", th.muted()),
                    Span::raw(sanitize_line(by).into_owned()),
                    Span::styled(format!(" {when}"), th.muted()),
                ],
                width,
            )));
        } else if p.exhausted {
            lines.push(Line::styled(fit("every level paged, nobody acknowledged", width), th.error()));
        }
    }
    lines
}

fn local(app: &App, p: &PageRecord) -> String {
    crate::when::shown(p.at, app.now, app.timezone)
}

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let th = &app.theme;
    let focused = app.pane.focus == Pane::Escalation;
    let block = Block::bordered()
        .border_style(th.border(focused))
        .title(Line::styled(" Escalation · actions ", th.border(focused)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line<'_>> = Vec::new();
    let head = th.muted().add_modifier(Modifier::BOLD);
    if let Some(inc) = app.selected_incident() {
        match app.selected_escalation() {
            Some(Ok(view)) => lines.extend(escalation_lines(app, view, width)),
            Some(Err(why)) => {
                lines.push(Line::styled(
                    fit(&format!("escalation: {}", sanitize_line(why)), width),
                    th.muted(),
                ));
            }
            None => lines.push(Line::styled("escalation · loading…", th.muted())),
        }
        // Who acknowledged is on the escalation's own line when it has one.
        let ack_shown = app.selected_escalation().and_then(Result::ok).is_some_and(|v| {
            v.policy.is_some() && v.progress.as_ref().is_some_and(|p| p.acknowledged_by.is_some())
        });
        if inc.roles.is_empty() && !ack_shown {
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
                let when = crate::when::shown(e.at, app.now, app.timezone);
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
    }
    let rows = usize::from(inner.height);
    let lines = fit_actions(app, lines, action_lines(app, width, head), (width, rows), focused);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The actions part: "actions now", one line per action the responder can take, then (for a
/// read-only user) the ones the record would allow but this user may not, greyed, with the
/// reason on the heading. Never empty: when nothing is possible, it says so.
fn action_lines(app: &App, width: usize, head: Style) -> ActionLines {
    let th = &app.theme;
    let focused = app.pane.focus == Pane::Escalation;
    let label = |a: Action| {
        let mut label = a.name().replace('_', " ");
        if let Some(p) = app.selected_incident().and_then(|inc| app.priority_after(a, inc)) {
            label.push_str(&format!(" → {p}"));
        }
        label
    };
    let line = |a: Action, key_style: Style, text_style: Style| {
        let key = app.keymap.first(a).unwrap_or_else(|| "–".to_owned());
        Line::from(vec![
            Span::styled(format!("{key:>6} "), key_style),
            Span::styled(fit(&label(a), width.saturating_sub(7)), text_style),
        ])
    };
    let heading = match &app.link.read_only {
        Some(why) => Line::from(vec![
            Span::styled("actions now", head),
            Span::styled(
                fit(&format!(" · read-only: {}", sanitize_line(why)), width.saturating_sub(11)),
                th.muted(),
            ),
        ]),
        None => Line::styled("actions now", head),
    };
    let mut items: Vec<Line<'static>> = app
        .possible_actions()
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let l = line(a, th.accent(), Style::new());
            if focused && i == app.pane.action_sel { l.style(th.selected(true)) } else { l }
        })
        .collect();
    if app.link.read_only.is_some() {
        let greyed = th.muted().add_modifier(Modifier::DIM);
        items.extend(held_back(app).into_iter().map(|a| line(a, greyed, greyed)));
    }
    if items.is_empty() {
        items.push(Line::styled(fit("  none possible now", width), th.muted()));
    }
    ActionLines { heading, items }
}

/// What a read-only user may not do that the record would allow now.
fn held_back(app: &App) -> Vec<Action> {
    let Some(inc) = app.selected_incident() else { return vec![Action::NewIncident] };
    INCIDENT_ACTIONS.iter().copied().filter(|&a| a.writes() && app.check(a, inc).is_ok()).collect()
}

struct ActionLines {
    heading: Line<'static>,
    items: Vec<Line<'static>>,
}

/// The pane's lines in `rows`: the escalation first, but never so much that the actions
/// vanish (the heading, one action and a "more" line always fit, and the selected action when
/// the pane has focus). Actions that do not fit are counted on a
/// last line, so nothing is below the fold without the pane saying so.
fn fit_actions(
    app: &App,
    mut info: Vec<Line<'static>>,
    actions: ActionLines,
    (width, rows): (usize, usize),
    focused: bool,
) -> Vec<Line<'static>> {
    let th = &app.theme;
    let ActionLines { heading, items } = actions;
    let block = items.len() + 1;
    // The heading, the actions down to the selected one, and a "more" line.
    let sel = if focused { app.pane.action_sel.min(items.len().saturating_sub(1)) } else { 0 };
    let keep = block.min((sel + 3).max(3));
    info.truncate(rows.saturating_sub(keep));
    let room = rows.saturating_sub(info.len() + 1);
    let n = items.len();
    let mut out = info;
    out.push(heading);
    if n <= room {
        out.extend(items);
        return out;
    }
    // Rows for actions, leaving one for "more below" (and one for "more above" when scrolled).
    let mut shown = room.saturating_sub(1);
    let mut start = 0;
    if sel >= shown {
        shown = room.saturating_sub(2);
        start = (sel + 1).saturating_sub(shown.max(1));
        if start + shown >= n {
            shown = room.saturating_sub(1);
            start = n - shown;
        }
    }
    let more = |text: String| Line::styled(fit(&text, width), th.muted());
    if start > 0 {
        out.push(more(format!("  ↑ {start} more above")));
    }
    out.extend(items.into_iter().skip(start).take(shown));
    let below = n.saturating_sub(start + shown);
    if below > 0 {
        let how = if focused {
            String::new()
        } else {
            let key = app.keymap.first(Action::FocusNext).unwrap_or_default();
            format!(" · {key}")
        };
        out.push(more(format!("  ↓ {below} more below{how}")));
    }
    out
}
