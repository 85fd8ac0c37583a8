//! Response targets written the way people say them: "5m", "1h30m", "1d", or "none".
//!
//! Parsing happens inside `Deserialize` so a bad value is reported at its line and column.
//! The grammar is strict on purpose: a target is a promise to stakeholders, so "5M" (months?),
//! "1.5h" or "30m1h" are refused with a hint rather than guessed at.

use std::fmt::{self, Write as _};

use chrono::Duration;
use serde::de::{self, Deserializer, Visitor};

const HINT: &str = "like \"90s\", \"5m\", \"1h30m\", \"1d\" or \"none\"";

/// A target duration from the file; `None` means "no target".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TargetDuration(pub Option<Duration>);

impl<'de> serde::Deserialize<'de> for TargetDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TargetDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a duration string {HINT}")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<TargetDuration, E> {
                parse_target(s).map(TargetDuration).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// `Ok(None)` for "none"; otherwise a positive duration.
pub(crate) fn parse_target(s: &str) -> Result<Option<Duration>, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    parse_duration(t).map(Some)
}

/// Units from largest to smallest, each with its length in seconds.
const UNITS: [(char, i64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

fn parse_duration(s: &str) -> Result<Duration, String> {
    if s.is_empty() {
        return Err(format!("a duration is empty: write one {HINT}"));
    }
    if s.starts_with('-') {
        return Err(format!("\"{s}\" is negative: a target is a time from detection, write one {HINT}"));
    }
    let mut total: i64 = 0;
    // Index into UNITS of the last unit seen: each next unit must be smaller.
    let mut last: Option<usize> = None;
    let mut chars = s.chars().peekable();
    while chars.peek().is_some() {
        while chars.next_if(|c| *c == ' ').is_some() {}
        let mut digits = String::new();
        while let Some(c) = chars.next_if(char::is_ascii_digit) {
            digits.push(c);
        }
        let Some(unit) = chars.next() else {
            return Err(format!(
                "\"{s}\" has no unit: write \"{digits}m\" for minutes or \"{digits}s\" for seconds"
            ));
        };
        let Some(index) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(format!("unknown unit '{unit}' in \"{s}\": use d, h, m or s, {HINT}"));
        };
        if digits.is_empty() {
            return Err(format!("\"{s}\" has no number before '{unit}': write one {HINT}"));
        }
        if last.is_some_and(|l| l >= index) {
            return Err(format!("\"{s}\": write each unit once, largest first, like \"1d12h\" or \"1h30m\""));
        }
        last = Some(index);
        let part = digits
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(UNITS[index].1))
            .and_then(|n| n.checked_add(total))
            .filter(|n| *n <= Duration::MAX.num_seconds());
        total = part.ok_or_else(|| format!("\"{s}\" is too long for a target"))?;
        while chars.next_if(|c| *c == ' ').is_some() {}
    }
    if total == 0 {
        return Err(format!("\"{s}\" is zero and would be breached at once: use \"none\" for no target"));
    }
    Duration::try_seconds(total).ok_or_else(|| format!("\"{s}\" is too long for a target"))
}

/// Formats a duration the way the file writes it, for messages ("1h30m").
pub(crate) fn display(d: Duration) -> String {
    let mut left = d.num_seconds();
    if left <= 0 {
        return format!("{left}s");
    }
    let mut out = String::new();
    for (unit, secs) in UNITS {
        if left >= secs {
            // Writing to a String cannot fail.
            let _ = write!(out, "{}{unit}", left / secs);
            left %= secs;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_spellings_people_use() {
        assert_eq!(parse_target("90s"), Ok(Some(Duration::seconds(90))));
        assert_eq!(parse_target("5m"), Ok(Some(Duration::minutes(5))));
        assert_eq!(parse_target("1h30m"), Ok(Some(Duration::minutes(90))));
        assert_eq!(parse_target("1h 30m"), Ok(Some(Duration::minutes(90))));
        assert_eq!(parse_target("1d"), Ok(Some(Duration::days(1))));
        assert_eq!(parse_target("1d2h3m4s"), Ok(Some(Duration::seconds(86_400 + 7_200 + 184))));
        assert_eq!(parse_target("none"), Ok(None));
        assert_eq!(parse_target(" None "), Ok(None));
    }

    #[test]
    fn refuses_with_a_hint() {
        let cases = [
            ("5x", "unknown unit 'x'"),
            ("-1m", "negative"),
            ("", "empty"),
            ("5", "no unit"),
            ("m", "no number"),
            ("1.5h", "unknown unit '.'"),
            ("5M", "unknown unit 'M'"),
            ("30m1h", "largest first"),
            ("1h1h", "largest first"),
            ("0m", "use \"none\""),
            ("99999999999999999999d", "too long"),
            ("9999999999999999d", "too long"),
        ];
        for (input, expected) in cases {
            let err = parse_target(input).unwrap_err();
            assert!(err.contains(expected), "{input:?}: {err}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["90s", "5m", "1h30m", "1d", "2d12h", "1m1s"] {
            let d = parse_target(s).unwrap().unwrap();
            let shown = display(d);
            assert_eq!(parse_target(&shown), Ok(Some(d)), "{s} -> {shown}");
        }
        assert_eq!(display(Duration::seconds(90)), "1m30s");
    }
}
