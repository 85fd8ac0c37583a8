//! Untrusted text made safe for a terminal.
//!
//! Titles, notes and (later) alert labels come from people and peers. A label holding
//! `ESC ] 52 ; ...` could write a responder's clipboard; `ESC [ 2 J` could wipe the screen
//! mid-incident. Everything that reaches a terminal goes through [`sanitize`] or
//! [`sanitize_line`] first. The stored record keeps the bytes as sent.
//!
//! Invisible characters are as dangerous as escapes: a bidi override (U+202E) or isolate
//! reorders what a responder reads, a zero-width or format character (U+200B, U+2060,
//! U+FEFF, tag characters) hides text and makes a cell narrower on screen than its width says,
//! and a line or paragraph separator (U+2028, U+2029) breaks a row where the layout expects
//! none. Every format character (Unicode category Cf) is removed; the two separators become a
//! newline where newlines are kept and a space in one-line cells.

use std::borrow::Cow;

/// Longest title accepted; a title is a line in a queue, not a report. Alert titles are cut
/// to it, registrations refused over it ([`super::decide`]).
pub(crate) const MAX_TITLE_CHARS: usize = 500;
/// Longest free text (note, summary, update) accepted: 64 KiB.
pub(crate) const MAX_TEXT_BYTES: usize = 64 * 1024;

/// Remove escape sequences and control characters; keep newlines, turn tabs into spaces.
#[must_use]
pub fn sanitize(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

/// As [`sanitize`], and newlines become spaces too: for one-line cells (titles in a queue).
#[must_use]
pub(crate) fn sanitize_line(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

fn is_unsafe(c: char, keep_newline: bool) -> bool {
    (c.is_control() && !(keep_newline && c == '\n')) || is_separator(c) || is_format(c)
}

/// U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: line breaks a terminal does not
/// know, drawn as nothing or as a break depending on the terminal.
const fn is_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// Unicode general category Cf (format characters, Unicode 16), which draw nothing yet steer
/// or hide what is drawn: soft hyphen, Arabic and Syriac marks, the bidi marks, embeddings,
/// overrides and isolates, zero-width space and joiners, word joiner and invisible operators,
/// the byte-order mark, interlinear annotation, tag characters. `char` has no category query
/// in std, so the table is spelt out.
const fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

fn clean(s: &str, keep_newline: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c, keep_newline)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI / OSC / DCS / SOS / PM / APC introducers: same as their ESC forms.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\t' => out.push(' '),
            '\n' | '\u{2028}' | '\u{2029}' if keep_newline => out.push('\n'),
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if is_unsafe(c, keep_newline) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // Two-character sequences (ESC c, ESC 7, ESC ( B ...): drop the intermediates too.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while chars.next_if(|c| ('\u{20}'..='\u{2f}').contains(c)).is_some() {}
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameters and intermediates, then one final byte in @..~.
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// OSC / DCS / APC ...: up to BEL or ST (ESC \ or C1 0x9c).
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                chars.next_if_eq(&'\\');
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strips_the_sequences_that_hurt() {
        assert_eq!(sanitize("disk \u{1b}[2Jfull"), "disk full");
        assert_eq!(sanitize("a\u{1b}]52;c;ZXZpbA==\u{7}b"), "ab");
        assert_eq!(sanitize("a\u{1b}]0;title\u{1b}\\b"), "ab");
        assert_eq!(sanitize("red \u{1b}[31mtext\u{1b}[0m"), "red text");
        assert_eq!(sanitize("bell\u{7} and \u{8}backspace"), "bell and backspace");
        assert_eq!(sanitize("c1 \u{9b}31mcsi"), "c1 csi");
        assert_eq!(sanitize("rtl \u{202E}gnp.exe"), "rtl gnp.exe");
        assert_eq!(sanitize("line1\nline2\ttab"), "line1\nline2 tab");
        assert_eq!(sanitize_line("line1\r\nline2"), "line1 line2");
    }

    /// Everything that draws nothing or reorders a row, as the issue lists it.
    const INVISIBLE: [char; 24] = [
        '\u{061C}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{200E}',
        '\u{200F}',
        '\u{202A}',
        '\u{202B}',
        '\u{202C}',
        '\u{202D}',
        '\u{202E}',
        '\u{2060}',
        '\u{2061}',
        '\u{2062}',
        '\u{2063}',
        '\u{2064}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{FEFF}',
        '\u{00AD}',
        '\u{180E}',
        '\u{E0041}',
    ];

    #[test]
    fn invisible_and_reordering_characters_are_removed() {
        for c in INVISIBLE {
            let s = format!("disk{c} full");
            assert_eq!(sanitize(&s), "disk full", "U+{:04X}", u32::from(c));
            assert_eq!(sanitize_line(&s), "disk full", "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn line_and_paragraph_separators_break_only_where_breaks_are_kept() {
        assert_eq!(sanitize("one\u{2028}two\u{2029}three"), "one\ntwo\nthree");
        assert_eq!(sanitize_line("one\u{2028}two\u{2029}three"), "one two three");
        assert_eq!(sanitize_line("one \u{2028}two"), "one two");
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(sanitize("Checkout API returns 502 — ünïcode"), Cow::Borrowed(_)));
    }

    proptest! {
        #[test]
        fn output_never_holds_control_characters(s in any::<String>()) {
            let out = sanitize_line(&s);
            prop_assert!(!out.chars().any(|c| c.is_control() || is_format(c) || is_separator(c)), "{:?}", out);
            let multi = sanitize(&s);
            prop_assert!(
                !multi.chars().any(|c| (c.is_control() && c != '\n') || is_format(c) || is_separator(c)),
                "{:?}",
                multi
            );
        }
    }
}
