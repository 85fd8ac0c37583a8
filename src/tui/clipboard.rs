//! Copying to the responder's clipboard through the terminal: OSC 52 (`ESC ] 52 ; c ; BASE64
//! BEL`). The terminal emulator sets its clipboard, so it works over SSH and inside tmux
//! (`set-clipboard on`), with no X11 or Wayland on the server. Terminals that do not know the
//! sequence ignore it.
//!
//! The text is untrusted (a title from an alert): it is sanitised to one line first, then
//! base64-encoded, so nothing in it reaches the terminal as a control sequence.

use crate::domain::Incident;
use crate::domain::text::sanitize_line;

/// Longest text sent: some terminals refuse (or truncate) larger OSC 52 payloads.
const MAX_CHARS: usize = 400;

/// One line to paste into a chat: id, priority, status, title, services.
#[must_use]
pub(crate) fn summary_text(inc: &Incident) -> String {
    let services =
        if inc.services.is_empty() { String::new() } else { format!(" [{}]", inc.services.join(", ")) };
    format!("{} {} {}: {}{services}", inc.id, inc.priority, inc.status, inc.title)
}

/// The OSC 52 sequence that puts `text` (sanitised to one line, at most [`MAX_CHARS`]) on the
/// clipboard.
#[must_use]
pub fn osc52(text: &str) -> Vec<u8> {
    let clean: String = sanitize_line(text).chars().take(MAX_CHARS).collect();
    let mut out = b"\x1b]52;c;".to_vec();
    out.extend(base64(clean.trim().as_bytes()).bytes());
    out.push(0x07);
    out
}

/// Standard base64 with padding (RFC 4648 §4); a few lines, not worth a crate.
#[must_use]
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded, "{plain}");
        }
    }

    #[test]
    fn the_sequence_carries_only_clean_text() {
        assert_eq!(osc52("INC-7"), b"\x1b]52;c;SU5DLTc=\x07");
        // An escape in a title cannot end the sequence early or reach the terminal.
        let evil = osc52("pwn\x1b]52;c;ZXZpbA==\x07\nnext");
        let inner = &evil[7..evil.len() - 1];
        assert!(!inner.contains(&0x1b) && !inner.contains(&0x07));
        assert_eq!(String::from_utf8_lossy(inner), base64(b"pwn next"));
    }
}
