//! A one-line banner when the engine cannot be reached; the screen keeps what it last knew.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::fit;
use crate::domain::text::sanitize_line;
use crate::tui::app::App;

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(b) = &app.banner else { return };
    let text =
        fit(&format!(" ⚠ {} (showing what was last known)", sanitize_line(b)), usize::from(area.width));
    frame.render_widget(
        Paragraph::new(Line::styled(text, app.theme.error().add_modifier(Modifier::REVERSED))),
        area,
    );
}
