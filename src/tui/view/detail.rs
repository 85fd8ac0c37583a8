//! The selected incident: its fields, then its timeline (newest last).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::queue::{status_label, status_style};
use super::{fit, timeline};
use crate::domain::text::sanitize_line;
use crate::tui::app::App;
use crate::tui::layout::{FIELD_LINES, Pane};

fn time(app: &App, t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(|| "–".to_owned(), |t| crate::when::shown(t, app.now, app.timezone))
}

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let th = &app.theme;
    let focused = app.pane.focus == Pane::Detail;
    let Some(inc) = app.selected_incident() else {
        let block = Block::bordered()
            .border_style(th.border(focused))
            .title(Line::styled(" Incident ", th.border(focused)));
        frame.render_widget(
            Paragraph::new(Line::styled(" select an incident in the queue", th.muted())).block(block),
            area,
        );
        return;
    };
    let width = usize::from(area.width.saturating_sub(4));
    let title = fit(&format!(" {} · {} ", inc.id, sanitize_line(&inc.title)), width);
    let block =
        Block::bordered().border_style(th.border(focused)).title(Line::styled(title, th.border(focused)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // Alert-born incidents get one more line: source, alert count, the latest alert's labels.
    let alerts = app
        .selected_timeline()
        .map(|t| crate::domain::alert_summary::summaries(&t.events))
        .unwrap_or_default();
    let extra = u16::from(!alerts.is_empty());
    let [fields, tl] =
        inner.layout(&Layout::vertical([Constraint::Length(FIELD_LINES + extra), Constraint::Fill(1)]));

    let prio = if inc.priority_override.is_some() {
        format!("{} (by hand)", inc.priority)
    } else {
        inc.priority.to_string()
    };
    let services = if inc.services.is_empty() {
        "–".to_owned()
    } else {
        sanitize_line(&inc.services.join(", ")).into_owned()
    };
    let category = inc.category.as_deref().map_or_else(|| "–".to_owned(), |c| sanitize_line(c).into_owned());
    // Roles, in role order: "commander ben, scribe cleo".
    let (roles, people) = if inc.roles.is_empty() {
        (String::new(), String::new())
    } else {
        let list: Vec<String> = inc.roles.iter().map(|(r, p)| format!("{r} {}", sanitize_line(p))).collect();
        (" · roles ".to_owned(), list.join(", "))
    };
    let mut flags = String::new();
    if inc.drill {
        flags.push_str(" · drill");
    }
    if inc.near_miss {
        flags.push_str(" · near miss");
    }
    let label = th.muted();
    let lines = vec![
        Line::from(vec![
            Span::styled(prio, th.accent()),
            Span::raw(" "),
            Span::styled(inc.severity.to_string(), th.accent()),
            Span::raw(" "),
            Span::styled(status_label(inc.status), status_style(th, inc.status)),
            Span::styled(flags, th.fg(th.palette.warn)),
            Span::raw(" · "),
            match app.policy.deadline(inc) {
                Some(d) => super::header::deadline_span(app, inc.id, d, false),
                None => Span::styled("no running target", th.muted()),
            },
        ]),
        Line::from(vec![
            Span::styled("impact ", label),
            Span::raw(inc.impact.as_str()),
            Span::styled(" · urgency ", label),
            Span::raw(inc.urgency.as_str()),
            Span::styled(" · category ", label),
            Span::raw(category),
        ]),
        Line::from(vec![
            Span::styled("services ", label),
            Span::raw(services),
            Span::styled(roles, label),
            Span::raw(people),
        ]),
        Line::from(vec![
            Span::styled("detected ", label),
            Span::raw(time(app, Some(inc.detected_at))),
            Span::styled(" · ack ", label),
            Span::raw(time(app, inc.acknowledged_at)),
            Span::styled(" · contained ", label),
            Span::raw(time(app, inc.contained_at)),
            Span::styled(" · resolved ", label),
            Span::raw(time(app, inc.resolved_at)),
        ]),
    ];
    let mut lines = lines;
    if let Some(latest) = alerts.iter().max_by_key(|a| a.last_seen) {
        let firing = alerts.iter().filter(|a| a.is_firing()).count();
        let labels: Vec<String> =
            latest.labels.iter().map(|(k, v)| format!("{}={}", sanitize_line(k), sanitize_line(v))).collect();
        lines.push(Line::from(vec![
            Span::styled("alerts ", label),
            Span::raw(sanitize_line(&latest.source).into_owned()),
            Span::styled(" · ", label),
            Span::raw(format!(
                "{} alert{} ({firing} firing)",
                alerts.len(),
                if alerts.len() == 1 { "" } else { "s" }
            )),
            Span::styled(" · ", label),
            Span::raw(fit(&labels.join(" "), width.saturating_sub(30))),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), fields);
    timeline::render(frame, tl, app);
}
