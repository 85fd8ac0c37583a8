//! Times people type, shared by the command line and the TUI so a time means the same moment
//! in either.
//!
//! Responders write times the way they think of them during an incident: "10m ago", "14:02"
//! (today, in the display zone), "yesterday 14:02", "mon 09:00", "2026-11-20 14:02", or full
//! RFC 3339; dates as "tomorrow", "fri", "next week", "+14d" ([`parse_date`]). The same words
//! work wherever a time or a date is taken, on the command line and in the TUI. Everything is turned
//! into UTC here, before it reaches the engine. A time that already happened reads a bare
//! "14:02" as the last one ([`parse_time`]); a planned one (the rota, an override) as the next
//! ([`parse_time_ahead`], and the override form's richer [`parse_ahead`] / [`parse_until`]).
//!
//! And times people read: [`shown`] is the one form every front-end prints a moment in (the
//! record's and the rota's alike), so the TUI and the CLI agree, and a multi-day incident never
//! reads as if it all happened today. Headers that name a whole day or week spell it out.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// Parse a time; `now` and `tz` give meaning to relative and local forms. A bare time of day
/// means its last occurrence: during an incident, times are about what already happened.
///
/// # Errors
/// A sentence naming the forms that are accepted.
pub(crate) fn parse_time(s: &str, tz: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    parse(s, tz, now, Toward::Past)
}

/// As [`parse_time`], but a bare time of day means its next occurrence: the rota is about
/// what comes ("--until 18:00" typed at 10:00 is tonight, not last night).
///
/// # Errors
/// A sentence naming the forms that are accepted.
pub(crate) fn parse_time_ahead(s: &str, tz: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    parse(s, tz, now, Toward::Future)
}

/// Which day a bare time of day falls on.
#[derive(Clone, Copy)]
enum Toward {
    Past,
    Future,
}

fn parse(s: &str, tz: Tz, now: DateTime<Utc>, toward: Toward) -> Result<DateTime<Utc>, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Some(ago) = t.strip_suffix("ago").map(str::trim) {
        return parse_span(ago).and_then(|d| now.checked_sub_signed(d)).ok_or_else(|| help(s, BEHIND));
    }
    if let Toward::Future = toward
        && let Some(span) = t.strip_prefix('+').or_else(|| t.strip_prefix("in "))
    {
        return parse_span(span).and_then(|d| now.checked_add_signed(d)).ok_or_else(|| help(s, AHEAD));
    }
    // "yesterday 14:02", "today 09:00", "tomorrow 09:00", "mon 14:00".
    if let Some((word, clock)) = t.split_once(' ')
        && let Some(time) = clock_time(clock)
    {
        let today = now.with_timezone(&tz).date_naive();
        if let Some(day) = day_word(word, today, toward) {
            let at = local(day.and_time(time), tz, s)?;
            // A weekday names the last (or next) one whose time has come (or is still to come).
            return match toward {
                Toward::Past if weekday(word).is_some() && at > now + SLACK => {
                    local((day - Duration::days(7)).and_time(time), tz, s)
                }
                Toward::Future if weekday(word).is_some() && at + SLACK < now => {
                    local((day + Duration::days(7)).and_time(time), tz, s)
                }
                _ => Ok(at),
            };
        }
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return local(naive, tz, s);
        }
    }
    for fmt in ["%H:%M:%S", "%H:%M"] {
        if let Ok(time) = NaiveTime::parse_from_str(t, fmt) {
            let today = now.with_timezone(&tz).date_naive();
            let at = local(today.and_time(time), tz, s)?;
            // Five minutes of grace either way: "14:00" typed at 14:02 still means today.
            return match toward {
                // "03:10" typed at 00:20 means last night, not tonight.
                Toward::Past if at > now + Duration::minutes(5) => {
                    local((today - Duration::days(1)).and_time(time), tz, s)
                }
                // "03:10" typed at 22:00 means tonight.
                Toward::Future if at < now - Duration::minutes(5) => {
                    local((today + Duration::days(1)).and_time(time), tz, s)
                }
                _ => Ok(at),
            };
        }
    }
    Err(help(s, BEHIND))
}

fn local(naive: NaiveDateTime, tz: Tz, original: &str) -> Result<DateTime<Utc>, String> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        // The hour that happens twice when clocks go back: say so rather than guess.
        LocalResult::Ambiguous(a, b) => Err(format!(
            "'{original}' happens twice in {tz} (clocks went back): give it with an offset, e.g. {} or {}",
            a.to_rfc3339(),
            b.to_rfc3339()
        )),
        LocalResult::None => {
            Err(format!("'{original}' does not exist in {tz} (clocks went forward): check the time"))
        }
    }
}

/// Why `s` is not a time, with examples of the forms a reader takes (`BEHIND` or `AHEAD`).
fn help(s: &str, forms: &str) -> String {
    format!("'{s}' is not a time: use {forms}")
}

/// The forms of times that already happened (the command line's).
const BEHIND: &str = "e.g. \"10m ago\", \"14:02\", \"yesterday 14:02\", \"mon 09:00\", \"2026-11-20 14:02\" \
     (display zone) or \"2026-11-20T13:02:00Z\"";

/// "14:02" or "14:02:30".
fn clock_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M:%S").or_else(|_| NaiveTime::parse_from_str(s, "%H:%M")).ok()
}

/// The day a word names, seen from `today`: today, yesterday, tomorrow, or a weekday ("mon",
/// "Friday"): the last one up to today for a time that happened, the next one from today on
/// for a time to come (the caller moves it a week when the time of day rules today out).
fn day_word(word: &str, today: NaiveDate, toward: Toward) -> Option<NaiveDate> {
    match word.to_ascii_lowercase().as_str() {
        "today" => return Some(today),
        "yesterday" => return today.pred_opt(),
        "tomorrow" => return today.succ_opt(),
        _ => {}
    }
    let wd = weekday(word)?;
    let (from, to) = (today.weekday().num_days_from_monday(), wd.num_days_from_monday());
    Some(match toward {
        Toward::Past => today - Duration::days(i64::from((7 + from - to) % 7)),
        Toward::Future => today + Duration::days(i64::from((7 + to - from) % 7)),
    })
}

/// The forms of times to come (the override form's).
const AHEAD: &str =
    "now, 18:00 (the next one), tomorrow 09:00, fri 18:00, +2h, 2026-11-27 18:00 or 2026-11-27T17:00:00Z";

/// "90s", "10m", "2h", "3d", "1h30m", "2w".
#[must_use]
pub(crate) fn parse_span(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = Duration::zero();
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        if c == ' ' && num.is_empty() {
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        // Typed text: a number too large for a duration is no span, never a panic.
        let unit = match c {
            's' => Duration::try_seconds(n),
            'm' => Duration::try_minutes(n),
            'h' => Duration::try_hours(n),
            'd' => Duration::try_days(n),
            'w' => Duration::try_weeks(n),
            _ => None,
        }?;
        total = total.checked_add(&unit)?;
    }
    if !num.is_empty() {
        return None;
    }
    // Every caller adds the span to a time near now: a bound far inside chrono's range keeps
    // `now + span` from overflowing, whatever was typed.
    (total.abs() <= Duration::days(MAX_SPAN_DAYS)).then_some(total)
}

/// The longest span a person types (a century); longer is a typo, not a time.
const MAX_SPAN_DAYS: i64 = 36_525;

/// A due date: "2026-12-01"; "+14d", "14d", "2w", "in 2w" from today; "today", "tomorrow",
/// "yesterday"; a weekday ("fri", "friday": the next one after today, so "fri" said on a Friday
/// is a week ahead); "next week" (seven days on).
///
/// # Errors
/// A sentence naming the accepted forms.
pub(crate) fn parse_date(s: &str, tz: Tz, now: DateTime<Utc>) -> Result<NaiveDate, String> {
    let t = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d);
    }
    let today = now.with_timezone(&tz).date_naive();
    let lower = t.to_ascii_lowercase();
    if lower == "next week" {
        return Ok(today + Duration::days(7));
    }
    if weekday(&lower).is_some() && !lower.contains(' ') {
        return day_word(&lower, today + Duration::days(1), Toward::Future).ok_or_else(|| help_date(s));
    }
    if let Some(day) = day_word(&lower, today, Toward::Future) {
        return Ok(day);
    }
    let span = lower.strip_prefix("in ").unwrap_or(&lower);
    parse_span(span.trim_start_matches('+'))
        .and_then(|d| now.checked_add_signed(d))
        .map(|d| d.with_timezone(&tz).date_naive())
        .ok_or_else(|| help_date(s))
}

fn help_date(s: &str) -> String {
    format!("'{s}' is not a date: use 2026-12-01, today, tomorrow, fri, next week, +14d or in 2w")
}

/// How far in the past "18:00" may be and still mean today (typed at 18:03: today).
const SLACK: Duration = Duration::minutes(5);

/// The first `time` on `date` or later, in the zone, as the command line resolves it.
fn at(date: NaiveDate, time: NaiveTime, tz: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    parse_time(&format!("{} {}", date.format("%Y-%m-%d"), time.format("%H:%M:%S")), tz, now)
}

fn weekday(s: &str) -> Option<Weekday> {
    let word = s.split_whitespace().next()?.to_ascii_lowercase();
    // "fri", "friday", "fri." ... but not any word that starts like a day ("month", "sunny").
    let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    let word = word.trim_end_matches('.');
    if word.len() < 3 || !names.iter().any(|n| n.starts_with(word)) {
        return None;
    }
    match word.get(..3)?.to_ascii_lowercase().as_str() {
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

/// A moment at or after `after`, as the TUI's override form reads it: "now", "18:00" (the
/// next 18:00), "tomorrow 09:00", "fri 18:00", "+2h" / "in 2h", or any form [`parse_time`]
/// takes (dates, RFC 3339, DST checks), so a time typed in either front-end means the same
/// moment.
///
/// # Errors
/// A sentence with examples of what is understood.
pub(crate) fn parse_ahead(s: &str, tz: Tz, after: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(help(s, AHEAD));
    }
    if t.eq_ignore_ascii_case("now") {
        return Ok(after);
    }
    if let Some(span) = t.strip_prefix('+').or_else(|| t.strip_prefix("in ")) {
        return parse_span(span).map(|d| after + d).ok_or_else(|| help(s, AHEAD));
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
        return parse_time(t, tz, after).map_err(|_| help(s, AHEAD));
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
pub(crate) fn parse_until(s: &str, tz: Tz, from: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = s.trim();
    if let Some(d) = parse_span(t).filter(|d| *d > Duration::zero()) {
        return Ok(from + d);
    }
    parse_ahead(t, tz, from)
}

/// An instant as people read it in the display zone: "16:17" when it is today there, else
/// "2026-12-01 16:17". "Today" is the zone's calendar day of `now`, not the last 24 hours: a
/// bare time from yesterday evening read at 00:30 would be taken for a time to come.
#[must_use]
pub(crate) fn shown(at: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    if local.date_naive() == now.with_timezone(&tz).date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

#[cfg(test)]
mod shown_tests {
    use super::*;

    fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, d, h, m, 0).unwrap()
    }

    #[test]
    fn today_is_a_bare_time_and_yesterday_has_its_date() {
        let tz = chrono_tz::UTC;
        let now = utc(20, 0, 5);
        assert_eq!(shown(utc(20, 0, 0), now, tz), "00:00");
        assert_eq!(shown(utc(19, 23, 59), now, tz), "2026-10-19 23:59");
        // A moment to come, on another day, carries its date too.
        assert_eq!(shown(utc(21, 0, 0), utc(20, 23, 59), tz), "2026-10-21 00:00");
    }

    #[test]
    fn the_day_is_the_display_zone_day() {
        // 23:30 UTC on the 19th is 01:30 on the 20th in Amsterdam (CEST, +2).
        let ams = chrono_tz::Europe::Amsterdam;
        let now = utc(20, 8, 0);
        assert_eq!(shown(utc(19, 23, 30), now, ams), "01:30");
        assert_eq!(shown(utc(19, 23, 30), now, chrono_tz::UTC), "2026-10-19 23:30");
        // Seen from New York (EDT, -4) the same moment is still the 19th, and so is "now".
        let ny = chrono_tz::America::New_York;
        assert_eq!(shown(utc(19, 23, 30), utc(20, 3, 0), ny), "19:30");
    }

    #[test]
    fn across_the_dst_change() {
        // Amsterdam leaves summer time at 01:00 UTC on 25 October 2026: 02:30 happens twice.
        let ams = chrono_tz::Europe::Amsterdam;
        let now = utc(25, 12, 0);
        assert_eq!(shown(utc(25, 0, 30), now, ams), "02:30");
        assert_eq!(shown(utc(25, 1, 30), now, ams), "02:30");
        // 21:59 UTC on the 24th is 23:59 CEST, still the day before; 22:00 is midnight.
        assert_eq!(shown(utc(24, 21, 59), now, ams), "2026-10-24 23:59");
        assert_eq!(shown(utc(24, 22, 0), now, ams), "00:00");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
    }

    #[test]
    fn relative_and_local_forms() {
        let ams = chrono_tz::Europe::Amsterdam;
        assert_eq!(parse_time("10m ago", ams, now()), Ok(now() - Duration::minutes(10)));
        assert_eq!(parse_time("1h30m ago", ams, now()), Ok(now() - Duration::minutes(90)));
        // 10:30 in Amsterdam (UTC+1 in November) is 09:30Z.
        assert_eq!(
            parse_time("2026-11-20 10:30", ams, now()),
            Ok(Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap())
        );
        assert_eq!(
            parse_time("10:30", ams, now()),
            Ok(Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap())
        );
        // 11:30 local is 10:30Z, later than now: it means yesterday.
        assert_eq!(
            parse_time("11:30", ams, now()),
            Ok(Utc.with_ymd_and_hms(2026, 11, 19, 10, 30, 0).unwrap())
        );
        assert_eq!(
            parse_time("2026-11-20T08:00:00Z", ams, now()),
            Ok(Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap())
        );
    }

    #[test]
    fn a_bare_time_ahead_is_its_next_occurrence() {
        let ams = chrono_tz::Europe::Amsterdam;
        // 10:00Z is 11:00 in Amsterdam: 18:00 is tonight, 09:00 is tomorrow morning.
        assert_eq!(
            parse_time_ahead("18:00", ams, now()),
            Ok(Utc.with_ymd_and_hms(2026, 11, 20, 17, 0, 0).unwrap())
        );
        assert_eq!(
            parse_time_ahead("09:00", ams, now()),
            Ok(Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).unwrap())
        );
        assert_eq!(
            parse_time_ahead("10:57", ams, now()),
            Ok(Utc.with_ymd_and_hms(2026, 11, 20, 9, 57, 0).unwrap()),
            "within the grace it is today"
        );
        // Everything else reads as parse_time does.
        assert_eq!(parse_time_ahead("10m ago", ams, now()), Ok(now() - Duration::minutes(10)));
        assert_eq!(parse_time_ahead("now", ams, now()), Ok(now()));
    }

    #[test]
    fn dst_gaps_and_overlaps_are_explained() {
        let ams = chrono_tz::Europe::Amsterdam;
        let gap = parse_time("2026-03-29 02:30", ams, now()).unwrap_err();
        assert!(gap.contains("does not exist"), "{gap}");
        let twice = parse_time("2026-10-25 02:30", ams, now()).unwrap_err();
        assert!(twice.contains("happens twice"), "{twice}");
    }

    #[test]
    fn nonsense_is_refused_with_examples() {
        let e = parse_time("yesterday-ish", Tz::UTC, now()).unwrap_err();
        assert!(e.contains("10m ago"), "{e}");
        assert!(parse_span("5x").is_none());
        assert_eq!(parse_span("1h 30m"), Some(Duration::minutes(90)));
        // Typed numbers too large for a time are refused, never a panic.
        for big in ["99999999999w", "9223372036854775807s", "99999999999999999999d", "36526d", "5000w 5000w"]
        {
            assert!(parse_span(big).is_none(), "{big}");
        }
        for big in ["99999999999w ago", "in 99999999999w", "+99999999999d"] {
            assert!(parse_time(big, Tz::UTC, now()).is_err(), "{big}");
            assert!(parse_time_ahead(big, Tz::UTC, now()).is_err(), "{big}");
            assert!(parse_until(big, Tz::UTC, now()).is_err(), "{big}");
        }
        assert!(parse_date("in 99999999999w", Tz::UTC, now()).is_err());
        assert!(parse_span("").is_none());
        assert_eq!(parse_date("+14d", Tz::UTC, now()), Ok(NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()));
        assert!(parse_date("soon", Tz::UTC, now()).is_err());
    }
}

#[cfg(test)]
mod word_tests {
    use super::*;

    /// Wednesday 25 November 2026, 10:00 in Amsterdam (09:00Z).
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn due_dates_take_words() {
        let ams = chrono_tz::Europe::Amsterdam;
        assert_eq!(parse_date("tomorrow", ams, now()), Ok(date(11, 26)));
        assert_eq!(parse_date("Today", ams, now()), Ok(date(11, 25)));
        assert_eq!(parse_date("yesterday", ams, now()), Ok(date(11, 24)));
        assert_eq!(parse_date("fri", ams, now()), Ok(date(11, 27)));
        assert_eq!(parse_date("friday", ams, now()), Ok(date(11, 27)));
        assert_eq!(parse_date("wed", ams, now()), Ok(date(12, 2)), "said on a Wednesday: next week's");
        assert_eq!(parse_date("next week", ams, now()), Ok(date(12, 2)));
        assert_eq!(parse_date("in 2w", ams, now()), Ok(date(12, 9)));
        assert_eq!(parse_date("14d", ams, now()), Ok(date(12, 9)));
        assert!(parse_date("month", ams, now()).unwrap_err().contains("tomorrow"));
    }

    #[test]
    fn times_take_day_words() {
        let ams = chrono_tz::Europe::Amsterdam;
        let utc = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
        assert_eq!(parse_time("yesterday 14:00", ams, now()), Ok(utc(24, 13)));
        assert_eq!(parse_time("today 09:00", ams, now()), Ok(utc(25, 8)));
        // Monday 23 November; and a Wednesday time still to come today means last week's.
        assert_eq!(parse_time("mon 14:00", ams, now()), Ok(utc(23, 13)));
        assert_eq!(parse_time("wed 18:00", ams, now()), Ok(utc(18, 17)));
        assert_eq!(parse_time_ahead("tomorrow 09:00", ams, now()), Ok(utc(26, 8)));
        assert_eq!(parse_time_ahead("fri 18:00", ams, now()), Ok(utc(27, 17)));
        assert_eq!(parse_time_ahead("in 2h", ams, now()), Ok(utc(25, 11)));
        assert_eq!(parse_time_ahead("+1d", ams, now()), Ok(utc(26, 9)));
        assert!(parse_time("tomorrow-ish", ams, now()).is_err());
    }
}

#[cfg(test)]
mod ahead_tests {
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
