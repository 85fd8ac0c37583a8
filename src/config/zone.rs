//! The display time zone: an IANA name from the file, or the machine's own zone.
//!
//! The store is always UTC; this only decides how times are shown. Responders in one team
//! often sit in different zones, so the zone is explicit config rather than whatever libc
//! guesses, and an unknown name is refused instead of silently showing UTC.

use std::fmt;
use std::path::Path;

use chrono_tz::Tz;
use serde::de::{self, Deserializer, Visitor};

/// A time zone from the file, validated while deserializing so errors carry a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Zone(pub Tz);

impl<'de> serde::Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Zone;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an IANA time zone name like \"Europe/Amsterdam\" or \"UTC\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Zone, E> {
                parse(s).map(Zone).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

fn parse(s: &str) -> Result<Tz, String> {
    let name = s.trim();
    if let Ok(tz) = name.parse::<Tz>() {
        return Ok(tz);
    }
    let hint = chrono_tz::TZ_VARIANTS.iter().find(|tz| tz.name().eq_ignore_ascii_case(name)).map_or_else(
        || ": expected an IANA name like \"Europe/Amsterdam\", \"America/New_York\" or \"UTC\"".to_owned(),
        |tz| format!(": did you mean \"{}\"?", tz.name()),
    );
    Err(format!("unknown time zone \"{s}\"{hint}"))
}

/// The machine's zone: `$TZ` if it names an IANA zone, else `/etc/timezone`, else the target of
/// the `/etc/localtime` symlink, else UTC. Read once at startup, never per render.
pub(crate) fn local() -> Tz {
    detect(
        std::env::var("TZ").ok().as_deref(),
        std::fs::read_to_string("/etc/timezone").ok().as_deref(),
        std::fs::read_link("/etc/localtime").ok().as_deref(),
    )
}

/// The pure part of [`local`], so every fallback can be tested without touching the machine.
fn detect(tz_env: Option<&str>, etc_timezone: Option<&str>, localtime: Option<&Path>) -> Tz {
    tz_env
        .and_then(from_name)
        .or_else(|| etc_timezone.and_then(from_name))
        .or_else(|| localtime.and_then(Path::to_str).and_then(from_name))
        .unwrap_or(Tz::UTC)
}

/// Accepts the forms these sources use: "Europe/Amsterdam", ":Europe/Amsterdam" (glibc `TZ`),
/// and zoneinfo paths such as "/usr/share/zoneinfo/posix/Europe/Amsterdam".
fn from_name(raw: &str) -> Option<Tz> {
    let name = raw.trim().trim_start_matches(':');
    let name = name.rsplit_once("zoneinfo/").map_or(name, |(_, zone)| zone);
    let name = name.strip_prefix("posix/").or_else(|| name.strip_prefix("right/")).unwrap_or(name);
    name.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_near_misses() {
        assert_eq!(parse("Europe/Amsterdam"), Ok(Tz::Europe__Amsterdam));
        assert_eq!(parse("UTC"), Ok(Tz::UTC));
        let err = parse("Mars/Olympus").unwrap_err();
        assert!(err.contains("unknown time zone \"Mars/Olympus\""), "{err}");
        assert!(err.contains("IANA"), "{err}");
        let err = parse("europe/amsterdam").unwrap_err();
        assert!(err.contains("did you mean \"Europe/Amsterdam\"?"), "{err}");
    }

    #[test]
    fn detection_falls_back_in_order() {
        let link = Path::new("../usr/share/zoneinfo/Asia/Tokyo");
        assert_eq!(detect(Some(":Europe/Paris"), Some("Europe/Berlin\n"), Some(link)), Tz::Europe__Paris);
        // A POSIX rule string in $TZ is not an IANA name: move on.
        assert_eq!(detect(Some("CET-1CEST"), Some("Europe/Berlin\n"), Some(link)), Tz::Europe__Berlin);
        assert_eq!(detect(None, Some("garbage"), Some(link)), Tz::Asia__Tokyo);
        assert_eq!(
            detect(None, None, Some(Path::new("/usr/share/zoneinfo/posix/America/Denver"))),
            Tz::America__Denver
        );
        assert_eq!(detect(None, None, None), Tz::UTC);
    }
}
