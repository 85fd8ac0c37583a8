//! Untrusted text made safe for a terminal.
//!
//! Titles, notes and (later) alert labels come from people and peers. A label holding
//! `ESC ] 52 ; ...` could write a responder's clipboard; `ESC [ 2 J` could wipe the screen
//! mid-incident. Everything that reaches a terminal goes through [`sanitize`] or
//! [`sanitize_line`] first. The stored record keeps the bytes as sent.

use std::borrow::Cow;

/// Remove escape sequences and control characters; keep newlines, turn tabs into spaces.
#[must_use]
pub fn sanitize(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

/// As [`sanitize`], and newlines become spaces too: for one-line cells (titles in a queue).
#[must_use]
pub fn sanitize_line(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

fn is_unsafe(c: char, keep_newline: bool) -> bool {
    (c.is_control() && !(keep_newline && c == '\n'))
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
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
            '\n' if keep_newline => out.push('\n'),
            '\n' | '\r' => {
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

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(sanitize("Checkout API returns 502 — ünïcode"), Cow::Borrowed(_)));
    }

    proptest! {
        #[test]
        fn output_never_holds_control_characters(s in any::<String>()) {
            let out = sanitize_line(&s);
            prop_assert!(!out.chars().any(char::is_control), "{:?}", out);
            let multi = sanitize(&s);
            prop_assert!(!multi.chars().any(|c| c.is_control() && c != '\n'), "{:?}", multi);
        }
    }
}
