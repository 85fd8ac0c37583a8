//! Why a config was refused, in the `path:line:column: message` form editors and terminals
//! already know how to jump to.
//!
//! A responder meets these errors at the worst moment (starting piket during an incident), so
//! every message names the file, the place in it and what was expected instead.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Where the config path came from; it decides whether a missing file is an error and which
/// knob the message points the user at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--config PATH`.
    Argument,
    /// The `PIKET_CONFIG` environment variable.
    Environment,
    /// The platform config directory: a missing file there means "use the defaults".
    DefaultLocation,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Argument => "given with --config",
            Self::Environment => "named by PIKET_CONFIG",
            Self::DefaultLocation => "at the default location",
        })
    }
}

/// A 1-based place in the file; the column counts characters, as editors do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// Turns a byte offset from the TOML parser into a line and column.
    pub(crate) fn at(text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Self { line: before.matches('\n').count() + 1, column: before[line_start..].chars().count() + 1 }
    }
}

/// Why no [`Config`](super::Config) could be made. The `Display` is the whole message, meant to
/// be shown as is.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read (missing, a directory, no permission).
    #[error("{}: {}", path.display(), read_message(*origin, io))]
    Read { path: PathBuf, origin: Origin, io: std::io::Error },
    /// The file was read, but it is not TOML, or a key, type or value in it is wrong.
    #[error("{}{}: {message}", path.display(), position.map(|p| format!(":{}:{}", p.line, p.column)).unwrap_or_default())]
    Invalid { path: PathBuf, position: Option<Position>, message: String },
}

fn read_message(origin: Origin, io: &std::io::Error) -> String {
    if io.kind() == std::io::ErrorKind::NotFound {
        format!("the config file {origin} does not exist")
    } else {
        format!("cannot read the config file {origin}: {io}")
    }
}

impl ConfigError {
    /// A refusal found after parsing (a duplicate, conflicting targets), placed at `span`.
    pub(crate) fn at(path: &Path, text: &str, span: Option<Range<usize>>, message: String) -> Self {
        Self::Invalid { path: path.to_owned(), position: span.map(|s| Position::at(text, s.start)), message }
    }

    /// A TOML syntax error: the file is not TOML, so say that before the parser's detail.
    pub(crate) fn syntax(path: &Path, text: &str, err: &toml::de::Error) -> Self {
        let detail = one_line(err.message());
        Self::at(path, text, err.span(), format!("not valid TOML: {detail}"))
    }

    /// A shape error from deserializing: the toml crate's message (which names what was
    /// expected), reworded where serde speaks of Rust fields instead of TOML keys, and the key
    /// path it happened under.
    pub(crate) fn shape(path: &Path, text: &str, err: &toml::de::Error) -> Self {
        let message = one_line(err.message());
        let keys = key_path(err);
        let message = if let Some(rest) = message.strip_prefix("unknown field ") {
            // serde writes "unknown field `KEY`, expected ..." and the key may itself hold ", ".
            let (key, expected) =
                rest.find("`, ").map_or((rest, ""), |end| (&rest[..=end], &rest[end + 3..]));
            let table = if keys.is_empty() { "at the top level".to_owned() } else { format!("in [{keys}]") };
            let hint = suggestion(key.trim_matches('`'), expected)
                .map(|near| format!(" (did you mean `{near}`?)"))
                .unwrap_or_default();
            let expected = expected.replace("there are no fields", "this table takes no keys");
            if expected.is_empty() {
                format!("unknown key {key} {table}{hint}")
            } else {
                format!("unknown key {key} {table}{hint}, {expected}")
            }
        } else {
            let message = REWORDINGS.iter().fold(message, |m, (rust, toml)| m.replace(rust, toml));
            if keys.is_empty() { message } else { format!("{keys}: {message}") }
        };
        Self::at(path, text, err.span(), message)
    }
}

/// The one expected key within a small edit distance of a misspelt one. Several equally close
/// keys (`SEV5` is one edit from each of `SEV1`..`SEV4`) give no hint: a guess would mislead.
fn suggestion<'a>(key: &str, expected: &'a str) -> Option<&'a str> {
    let candidates = expected.split('`').skip(1).step_by(2);
    let mut scored: Vec<(usize, &str)> = candidates.map(|c| (edit_distance(key, c), c)).collect();
    scored.sort_unstable();
    match scored.as_slice() {
        [(d, best), rest @ ..]
            if *d <= 2 && d * 3 <= key.chars().count() && rest.first().is_none_or(|(n, _)| n > d) =>
        {
            Some(best)
        }
        _ => None,
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb)).min(above + 1).min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// serde's words for Rust types, in the words of a TOML file.
const REWORDINGS: [(&str, &str); 4] = [
    ("missing field", "missing key"),
    ("expected a sequence", "expected an array"),
    ("expected a map", "expected a table"),
    ("expected u32", "expected a whole number, 0 or more"),
];

fn one_line(s: &str) -> String {
    s.trim().replace('\n', "; ")
}

/// The dotted key path the toml crate recorded for an error. It is only exposed through the
/// error's `Display` (as a trailing "in `a.b`" line when no input is attached), so read it
/// from there; if that format ever changes, messages just lose the key path.
fn key_path(err: &toml::de::Error) -> String {
    let mut bare = err.clone();
    bare.set_input(None);
    bare.to_string()
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("in `").and_then(|l| l.strip_suffix('`')).map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(Position::at(text, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::at(text, 6), Position { line: 2, column: 1 });
        // 'é' is two bytes; the '=' after it is the 4th character.
        assert_eq!(Position::at(text, 10), Position { line: 2, column: 4 });
        // Past the end and inside a character: clamped, never a panic.
        assert_eq!(Position::at(text, 999), Position { line: 3, column: 1 });
        assert_eq!(Position::at(text, 8), Position { line: 2, column: 2 });
    }

    #[test]
    fn near_misses_get_a_hint_only_when_unambiguous() {
        let keys = "expected one of `team`, `timezone`, `on-call`";
        assert_eq!(suggestion("time-zone", keys), Some("timezone"));
        assert_eq!(suggestion("colour", keys), None);
        assert_eq!(suggestion("SEV5", "expected one of `SEV1`, `SEV2`"), None);
        assert_eq!(suggestion("ack", "expected `acknowledge` or `resolve`"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn a_missing_file_says_which_knob_named_it() {
        let err = ConfigError::Read {
            path: PathBuf::from("/x/piket.toml"),
            origin: Origin::Environment,
            io: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        assert_eq!(err.to_string(), "/x/piket.toml: the config file named by PIKET_CONFIG does not exist");
    }
}
