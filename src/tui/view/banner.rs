//! Banners above the footer, one line each: this responder was paged (until they acknowledge
//! or dismiss it), and the engine cannot be reached (the screen keeps what it last knew).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::fit;
use crate::domain::text::sanitize_line;
use crate::tui::action::Action;
use crate::tui::app::App;

/// "PAGED: INC-12 level 1 — db primary down — ! ack INC-12 (paged) · esc dismisses", made to
/// fit: the title is cut first, then the dismiss hint; the banner's key and the incident it
/// acknowledges stay. The banner has a key of its own (`acknowledge_page`), never `a`: the
/// queue's keys act on the selected incident whatever the banner says.
#[must_use]
pub(crate) fn page_text(app: &App, width: usize) -> Option<String> {
    use unicode_width::UnicodeWidthStr;
    let p = app.paging.alert.as_ref()?;
    let mut head = format!(" PAGED: {} level {}", p.incident, p.level);
    if p.round > 1 {
        head.push_str(&format!(" (round {})", p.round));
    }
    let title =
        app.incident(p.incident).map(|inc| sanitize_line(&inc.title).into_owned()).unwrap_or_default();
    let back = app.keymap.first(Action::Back).unwrap_or_else(|| "esc".to_owned());
    let hint =
        match app.keymap.first(Action::AcknowledgePage).filter(|_| app.paged_to_acknowledge().is_some()) {
            Some(key) => format!(" — {key} ack {} (paged)", p.incident),
            None => String::new(),
        };
    let dismiss = format!(" · {back} dismisses");
    let sep = if title.is_empty() { "" } else { " — " };
    // The whole title with the dismiss hint, else without it, else the title cut.
    for tail in [format!("{hint}{dismiss}"), hint.clone()] {
        if head.width() + sep.width() + title.width() + tail.width() <= width {
            return Some(format!("{head}{sep}{title}{tail}"));
        }
    }
    let room = width.saturating_sub(head.width() + hint.width() + 3);
    if room >= 10 {
        return Some(format!("{head} — {}{hint}", fit(&title, room)));
    }
    Some(format!("{head}{hint}"))
}

pub(crate) fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let width = usize::from(area.width);
    let mut lines = Vec::new();
    if let Some(text) = page_text(app, width) {
        lines.push(Line::styled(fit(&text, width), app.theme.error().add_modifier(Modifier::REVERSED)));
    }
    if let Some(b) = &app.link.banner {
        let text = fit(&format!(" ⚠ {} (showing what was last known)", sanitize_line(b)), width);
        lines.push(Line::styled(text, app.theme.error().add_modifier(Modifier::REVERSED)));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
