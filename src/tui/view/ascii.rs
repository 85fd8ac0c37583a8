//! The screen in ASCII, for a locale that is not UTF-8 (LANG=C): box drawing becomes `+-|`,
//! status glyphs their ASCII look-alikes, and anything else outside ASCII (a CJK title) `?`.
//!
//! Done once over the finished buffer rather than in each view, so no view can forget a
//! glyph; every replacement is one column wide, so the layout stays as it was.

use ratatui::buffer::Buffer;
use unicode_width::UnicodeWidthStr;

/// Replace every cell that is not ASCII.
pub(crate) fn replace(buf: &mut Buffer) {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            let cell = &mut buf[(x, y)];
            let symbol = cell.symbol();
            if symbol.is_ascii() {
                x += 1;
                continue;
            }
            let wide = symbol.width() > 1;
            let plain = symbol.chars().next().map_or('?', glyph);
            cell.set_char(plain);
            if wide && x + 1 < area.right() {
                // Its second column was left blank for the wide character: keep it blank.
                buf[(x + 1, y)].set_char(' ');
                x += 1;
            }
            x += 1;
        }
    }
}

/// The ASCII look-alike of one character.
fn glyph(c: char) -> char {
    match c {
        // Box drawing: corners and joins, then lines.
        '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '╭' | '╮' | '╰' | '╯' | '╔' | '╗' | '╚'
        | '╝' => '+',
        '─' | '━' | '═' | '╌' | '┄' => '-',
        '│' | '┃' | '║' | '╎' | '┆' | '▏' | '▕' => '|',
        '●' | '•' | '■' | '▪' => '*',
        '◐' | '◑' | '○' | '◯' => 'o',
        '✓' | '✔' => '+',
        '✗' | '✘' => 'x',
        '⚠' => '!',
        '→' | '›' | '▶' | '»' => '>',
        '←' | '‹' | '◀' | '«' => '<',
        '↑' | '▲' => '^',
        '↓' | '▼' => 'v',
        '–' | '—' | '‐' | '−' => '-',
        '·' => '.',
        '…' => '~',
        '“' | '”' => '"',
        '‘' | '’' => '\'',
        '█' | '▓' | '▒' | '░' => '#',
        _ => '?',
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::widgets::{Block, Widget};

    #[test]
    fn boxes_glyphs_and_wide_text_become_ascii_of_the_same_width() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 3));
        Block::bordered().render(buf.area, &mut buf);
        buf.set_string(1, 1, "●日x…", ratatui::style::Style::new());
        replace(&mut buf);
        let rows: Vec<String> =
            (0..3).map(|y| (0..12).map(|x| buf[(x, y)].symbol().to_owned()).collect()).collect();
        assert_eq!(rows, ["+----------+", "|*? x~     |", "+----------+"]);
    }
}
