//! Durations the way a responder says them.

use chrono::Duration;

/// `42s`, `4m 12s`, `2h 05m`, `3d 4h`: two units at most, because at 3 a.m. "2h 05m" is read
/// at a glance and "2:05:17.332" is not. Rounded down; negative durations get a minus sign.
#[must_use]
pub(crate) fn human_duration(d: Duration) -> String {
    if d < Duration::zero() {
        return format!("-{}", human_duration(-d));
    }
    let s = d.num_seconds();
    let (days, hours, mins, secs) = (s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
    if s < 60 {
        format!("{secs}s")
    } else if s < 3_600 {
        format!("{mins}m {secs:02}s")
    } else if s < 86_400 {
        format!("{hours}h {mins:02}m")
    } else {
        format!("{days}d {hours}h")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_units_at_most() {
        let h = |s: i64| human_duration(Duration::seconds(s));
        assert_eq!(h(0), "0s");
        assert_eq!(h(42), "42s");
        assert_eq!(h(60), "1m 00s");
        assert_eq!(h(4 * 60 + 12), "4m 12s");
        assert_eq!(h(2 * 3600 + 5 * 60 + 59), "2h 05m");
        assert_eq!(h(86_400 - 1), "23h 59m");
        assert_eq!(h(3 * 86_400 + 4 * 3600 + 1), "3d 4h");
        assert_eq!(h(-90), "-1m 30s");
        assert_eq!(human_duration(Duration::milliseconds(999)), "0s");
    }
}
