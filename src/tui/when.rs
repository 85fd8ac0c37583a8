//! Times typed into the override form, which are ahead of now rather than behind it.
//!
//! `piket`'s command line reads "14:02" as the last 14:02 (a time something happened); an
//! override is planned, so here "18:00" is the next 18:00. Everything else is read exactly as
//! the command line reads it ([`crate::cli::when::parse_time`]: dates, RFC 3339, DST checks),
//! so a time typed in either place means the same moment.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use crate::cli::when::{parse_span, parse_time};

/// How far in the past "18:00" may be and still mean today (typed at 18:03: today).
const SLACK: Duration = Duration::minutes(5);

fn help(s: &str) -> String {
    format!(
        "'{s}' is not a time: use now, 18:00 (the next one), tomorrow 09:00, fri 18:00, +2h, \
         2026-11-27 18:00 or 2026-11-27T17:00:00Z"
    )
}

/// The first `time` on `date` or later, in the zone, as the command line resolves it.
fn at(date: NaiveDate, time: NaiveTime, tz: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    parse_time(&format!("{} {}", date.format("%Y-%m-%d"), time.format("%H:%M:%S")), tz, now)
}

fn weekday(s: &str) -> Option<Weekday> {
    match s.get(..3)?.to_ascii_lowercase().as_str() {
        "mon" => Some(Weekday::Mon),
        "tue" => Some(Weekday::Tue),
        "wed" => Some(Weekday::Wed),
        "thu" => Some(Weekday::Thu),
        "fri" => Some(Weekday::Fri),
        "sat" => Some(Weekday::Sat),
        "sun" => Some(Weekday::Sun),
        _ => None,
    }
}

/// A moment at or after `after`: "now", "18:00" (the next 18:00), "tomorrow 09:00",
/// "fri 18:00", "+2h" / "in 2h", or any form `piket` takes on the command line.
///
/// # Errors
/// A sentence with examples of what is understood.
pub fn parse_ahead(s: &str, tz: Tz, after: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(help(s));
    }
    if t.eq_ignore_ascii_case("now") {
        return Ok(after);
    }
    if let Some(span) = t.strip_prefix('+').or_else(|| t.strip_prefix("in ")) {
        return parse_span(span).map(|d| after + d).ok_or_else(|| help(s));
    }
    let today = after.with_timezone(&tz).date_naive();
    let (day, clock) = match t.split_once(' ') {
        Some((d, c)) if d.eq_ignore_ascii_case("today") => (Some(today), c),
        Some((d, c)) if d.eq_ignore_ascii_case("tomorrow") => (today.succ_opt(), c),
        Some((d, c)) if weekday(d).is_some() && NaiveTime::parse_from_str(c.trim(), "%H:%M").is_ok() => {
            let wd = weekday(d).unwrap_or(Weekday::Mon);
            let ahead = (7 + wd.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
            (today.checked_add_days(chrono::Days::new(u64::from(ahead))), c)
        }
        _ => (None, t),
    };
    let Ok(time) = NaiveTime::parse_from_str(clock.trim(), "%H:%M") else {
        return parse_time(t, tz, after).map_err(|_| help(s));
    };
    match day {
        Some(d) => {
            let when = at(d, time, tz, after)?;
            // "fri 18:00" on a Friday evening means next Friday.
            if when + SLACK < after && weekday(t).is_some() {
                at(d + Duration::days(7), time, tz, after)
            } else {
                Ok(when)
            }
        }
        None => {
            let when = at(today, time, tz, after)?;
            if when + SLACK < after { at(today + Duration::days(1), time, tz, after) } else { Ok(when) }
        }
    }
}

/// The end of a window that starts at `from`: a length after it ("8h", "2d", "+8h"), or a
/// moment as [`parse_ahead`] reads it, counted from `from` ("09:00": the first 09:00 after).
///
/// # Errors
/// A sentence with examples of what is understood.
pub fn parse_until(s: &str, tz: Tz, from: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = s.trim();
    if let Some(d) = parse_span(t).filter(|d| *d > Duration::zero()) {
        return Ok(from + d);
    }
    parse_ahead(t, tz, from)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// Wednesday 25 November 2026, 10:00 in Amsterdam (09:00Z).
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
    }

    #[test]
    fn clock_times_are_the_next_one() {
        let ams = chrono_tz::Europe::Amsterdam;
        assert_eq!(parse_ahead("now", ams, now()), Ok(now()));
        assert_eq!(parse_ahead("18:00", ams, now()), Ok(utc(25, 17, 0)));
        assert_eq!(parse_ahead("09:00", ams, now()), Ok(utc(26, 8, 0)), "09:00 has passed today");
        assert_eq!(parse_ahead("09:58", ams, now()), Ok(utc(25, 8, 58)), "just now is still today");
        assert_eq!(parse_ahead("tomorrow 09:00", ams, now()), Ok(utc(26, 8, 0)));
        assert_eq!(parse_ahead("Fri 18:00", ams, now()), Ok(utc(27, 17, 0)));
        let next_wed = Utc.with_ymd_and_hms(2026, 12, 2, 7, 0, 0).unwrap();
        assert_eq!(parse_ahead("wed 08:00", ams, now()), Ok(next_wed), "this Wednesday's 08:00 has passed");
        assert_eq!(parse_ahead("+90m", ams, now()), Ok(now() + Duration::minutes(90)));
        assert_eq!(parse_ahead("in 2h", ams, now()), Ok(now() + Duration::hours(2)));
        assert_eq!(parse_ahead("2026-11-27 18:00", ams, now()), Ok(utc(27, 17, 0)));
        assert_eq!(parse_ahead("2026-11-27T18:00:00Z", ams, now()), Ok(utc(27, 18, 0)));
        assert!(parse_ahead("soonish", ams, now()).unwrap_err().contains("tomorrow 09:00"));
    }

    #[test]
    fn until_counts_from_the_start() {
        let ams = chrono_tz::Europe::Amsterdam;
        let from = utc(27, 17, 0); // Friday 18:00 local
        assert_eq!(parse_until("8h", ams, from), Ok(from + Duration::hours(8)));
        assert_eq!(parse_until("+1d", ams, from), Ok(from + Duration::days(1)));
        assert_eq!(parse_until("09:00", ams, from), Ok(utc(28, 8, 0)), "the 09:00 after Friday 18:00");
        assert!(parse_until("0h", ams, from).is_err(), "an empty window is not a length");
    }

    #[test]
    fn dst_is_explained_as_on_the_command_line() {
        let ams = chrono_tz::Europe::Amsterdam;
        let march = Utc.with_ymd_and_hms(2027, 3, 27, 12, 0, 0).unwrap();
        let e = parse_ahead("tomorrow 02:30", ams, march).unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
    }
}
