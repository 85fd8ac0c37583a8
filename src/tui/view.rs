//! The screen: the root layout and one module per region. Views only read the [`App`].
//!
//! Wide terminals (at least 140 columns) put the queue beside the incident:
//!
//! ```text
//!  piket · sre │ 3 triggered 3 acknowledged 2 contained │ 3 overdue · next INC-19 ack in 10:00 │ on call: ana  14:01 UTC
//! ┌ Queue · 8 open · by priority ─────────────────────────────┐┌ INC-18 · Payment provider webhooks failing ─────┐
//! │ID     P  SEV  STATUS         TITLE            SERVICE  AGE ││P1 SEV2 ● triggered · ack overdue 05:00          │
//! │INC-18 P1 SEV2 ● triggered    Payment provider payments 10m ││impact high · urgency high · category –          │
//! │INC-13 P2 SEV2 ◑ contained    payments-api pod payments 1d1 ││services payments · roles commander dave         │
//! │INC-17 P2 SEV2 ◐ acknowledged Mobile app token auth     51m ││detected 13:51 · ack – · contained – · resolved –│
//! │                                                            ││Timeline (1)                                     │
//! │                                                            ││13:51 alertmanager registered "Payment ..."      │
//! │                                                            │└─────────────────────────────────────────────────┘
//! │                                                            │┌ Escalation · actions ───────────────────────────┐
//! │                                                            ││payments · level 2 in 12:30                      │
//! │                                                            ││1 alice                             ✓ paged 13:51│
//! │                                                            ││2 bob                                            │
//! │                                                            ││actions now                                      │
//! └────────────────────────────────────────────────────────────┘└─────────────────────────────────────────────────┘
//!  INC-18: acknowledged                                      (what just happened, or why not)
//!  j/k move  enter open  n new  a ack  m note  / filter  ? help  q quit   (keys of the focused pane)
//! ```
//!
//! Narrower terminals (80x24 and up) stack the queue above the incident, with the actions pane
//! beside the detail; `z` zooms the focused pane to the whole body (the geometry is
//! [`super::layout`]'s, shared with the app's scrolling). Below [`MIN_WIDTH`] x [`MIN_HEIGHT`]
//! the screen says so instead of drawing a broken layout.

mod ascii;
pub(crate) mod banner;
pub(crate) mod detail;
pub(crate) mod escalation;
pub(crate) mod footer;
pub(crate) mod form;
pub(crate) mod header;
pub(crate) mod help;
pub(crate) mod marks;
pub mod queue;
pub(crate) mod schedule;
pub(crate) mod timeline;

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::app::App;
use super::layout::{Areas, MIN_HEIGHT, MIN_WIDTH};

/// Draw the whole screen, in ASCII when the locale is not UTF-8.
pub fn render(frame: &mut Frame<'_>, app: &App) {
    draw(frame, app);
    if app.theme.ascii {
        ascii::replace(frame.buffer_mut());
    }
}

fn draw(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "piket needs at least {MIN_WIDTH}x{MIN_HEIGHT}; this terminal is {}x{}. Enlarge it (q quits).",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(Line::from(msg)).wrap(Wrap { trim: true }), area);
        return;
    }
    let zoom = app.pane.zoom.then_some(app.pane.focus);
    let areas = Areas::new(area, zoom, app.banner_lines());
    header::render(frame, areas.header, app);
    if let Some(sv) = &app.rota.view {
        schedule::render(frame, areas.body, app, sv);
    } else {
        if let Some(r) = areas.queue {
            queue::render(frame, r, app);
        }
        if let Some(r) = areas.detail {
            detail::render(frame, r, app);
        }
        if let Some(r) = areas.escalation {
            escalation::render(frame, r, app);
        }
    }
    banner::render(frame, areas.banner, app);
    footer::render(frame, areas.footer, app);
    if let Some(f) = &app.forms.open {
        form::render(frame, area, app, f);
    }
    if let Some(c) = &app.marks.confirm {
        marks::render(frame, area, app, c);
    }
    if let Some(scroll) = app.help {
        help::render(frame, area, app, scroll);
    }
}

/// Short human duration: `45s`, `12m`, `3h05m`, `2d04h`.
#[must_use]
pub(crate) fn short_duration(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        86_400..864_000 => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// A countdown: `04:12` under an hour, else as [`short_duration`].
#[must_use]
pub fn countdown(d: chrono::Duration) -> String {
    let s = d.num_seconds().abs();
    if s < 3600 {
        format!("{:02}:{:02}", s / 60, s % 60)
    } else {
        short_duration(chrono::Duration::seconds(s))
    }
}

/// Cut a string to a display width, with an ellipsis when cut.
#[must_use]
pub(crate) fn fit(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut w = 0;
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return s.to_owned();
    }
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Cut spans to a display width; an ellipsis marks the cut.
#[must_use]
pub(crate) fn fit_spans(spans: Vec<Span<'_>>, width: usize) -> Vec<Span<'_>> {
    use unicode_width::UnicodeWidthChar;
    if spans.iter().map(Span::width).sum::<usize>() <= width {
        return spans;
    }
    let mut out = Vec::new();
    let mut used = 0;
    for s in spans {
        let w = s.width();
        if used + w < width {
            used += w;
            out.push(s);
            continue;
        }
        // This span reaches the edge: keep what fits before the ellipsis.
        let mut cut = String::new();
        let mut cw = used;
        for c in s.content.chars() {
            let w = c.width().unwrap_or(0);
            if cw + w + 1 > width {
                break;
            }
            cut.push(c);
            cw += w;
        }
        if width > used {
            cut.push('…');
            out.push(Span::styled(cut, s.style));
        }
        break;
    }
    out
}

/// Greedy word wrap to a display width; long words are cut.
#[must_use]
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_hanging(text, width, width)
}

/// Columns between tab stops when a note's tabs are laid out.
const TAB: usize = 8;

/// Text as typed or pasted, made ready for [`wrap`]: CR LF and lone CRs become line breaks and
/// tabs become spaces to the next tab stop, so pasted logs keep their columns (the terminal
/// sanitiser would turn each tab into one space). Sanitise the result as usual.
#[must_use]
pub(crate) fn lay_out_text(text: &str) -> String {
    use unicode_width::UnicodeWidthChar;
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if !text.contains('\t') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut col = 0;
    for c in text.chars() {
        match c {
            '\t' => {
                let n = TAB - col % TAB;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\n' => {
                out.push(c);
                col = 0;
            }
            c => {
                out.push(c);
                col += c.width().unwrap_or(0);
            }
        }
    }
    out
}

/// Word wrap where the first line has `first` columns and the others `rest`. Each line of the
/// text starts a new line; its indentation is kept, and so are runs of spaces inside it.
#[must_use]
pub(crate) fn wrap_hanging(text: &str, first: usize, rest: usize) -> Vec<String> {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    let mut out: Vec<String> = Vec::new();
    let limit = |out: &Vec<String>| if out.is_empty() { first.max(1) } else { rest.max(1) };
    for para in text.split('\n') {
        let body = para.trim_start_matches(' ');
        // Indentation is kept up to half the line, so a deep one still leaves room for text.
        let lead = (para.len() - body.len()).min(limit(&out) / 2);
        let mut line = " ".repeat(lead);
        let mut w = lead;
        let mut fresh = true;
        for word in body.split(' ') {
            let ww = word.width();
            let sep = usize::from(!fresh);
            if w + sep + ww <= limit(&out) {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                w += sep + ww;
                fresh = false;
                continue;
            }
            if !fresh {
                out.push(std::mem::replace(&mut line, " ".repeat(lead)));
                w = lead;
            }
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if w + cw > limit(&out) && w > lead {
                    out.push(std::mem::replace(&mut line, " ".repeat(lead)));
                    w = lead;
                }
                line.push(c);
                w += cw;
            }
            fresh = false;
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_and_cuts_long_ones() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("a\nb", 10), vec!["a", "b"]);
    }

    #[test]
    fn wrap_keeps_line_breaks_indentation_and_columns() {
        let text = lay_out_text("stack:\r\n    at main\r\n\tkey\tvalue");
        assert_eq!(text, "stack:\n    at main\n        key     value");
        assert_eq!(wrap(&text, 40), vec!["stack:", "    at main", "        key     value"]);
        // A wrapped indented line goes on at its indentation.
        assert_eq!(wrap("  aaa bbb ccc", 9), vec!["  aaa bbb", "  ccc"]);
        assert_eq!(lay_out_text("a\rb"), "a\nb");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(short_duration(chrono::Duration::seconds(59)), "59s");
        assert_eq!(short_duration(chrono::Duration::minutes(125)), "2h05m");
        assert_eq!(countdown(chrono::Duration::seconds(252)), "04:12");
        assert_eq!(fit("abcdef", 4), "abc…");
        let spans = vec![Span::raw("on call: "), Span::raw("alice"), Span::raw(" (dba)")];
        let cut: String = fit_spans(spans.clone(), 12).iter().map(|s| s.content.to_string()).collect();
        assert_eq!(cut, "on call: al…");
        let cut: String = fit_spans(spans.clone(), 14).iter().map(|s| s.content.to_string()).collect();
        assert_eq!(cut, "on call: alic…");
        assert_eq!(fit_spans(spans.clone(), 20), spans);
        assert!(fit_spans(spans, 0).is_empty());
    }
}
