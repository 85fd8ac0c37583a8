#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The schedule maths through its public API: named DST nights in real zones, coverage gaps and
//! overlaps, and properties over random rotations, overrides and instants.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use chrono_tz::{America, Asia, Australia, Europe};
use piket::domain::schedule::*;
use proptest::prelude::*;

const NAMES: [&str; 4] = ["alice", "bob", "carol", "dave"];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn local(zone: Tz, t: DateTime<Utc>) -> chrono::NaiveDateTime {
    t.with_timezone(&zone).naive_local()
}

fn rotation(
    members: &[&str],
    shift: ShiftLength,
    handoff: NaiveTime,
    start: NaiveDate,
    zone: Tz,
) -> Rotation {
    Rotation {
        members: members.iter().map(|m| (*m).to_owned()).collect(),
        shift,
        handoff,
        handoff_day: Weekday::Mon,
        start,
        end: None,
        zone,
        active: None,
    }
}

fn schedule(rotations: Vec<Rotation>) -> Schedule {
    Schedule { name: "ops".to_owned(), rotations }
}

fn people(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

// ---- Named DST nights ----

/// A daily 02:30 hand-off on a spring-forward day happens at the end of the gap, and
/// `dst_shifts` says so.
fn assert_spring_gap(zone: Tz, day: NaiveDate, expected: DateTime<Utc>) {
    let s =
        schedule(vec![rotation(&["alice", "bob"], ShiftLength::Daily, hm(2, 30), date(2027, 3, 1), zone)]);
    let window = (expected - Duration::days(1), expected + Duration::days(1));
    let handoffs = s.rotations[0].handoffs(window.0, window.1);
    assert!(handoffs.iter().any(|(t, _)| *t == expected), "{handoffs:?} lacks {expected}");
    assert_eq!(local(zone, expected).time(), hm(3, 0));
    let before = s.on_call(expected - Duration::seconds(1), &[]);
    assert_ne!(before, s.on_call(expected, &[]), "the hand-off happens at {expected}");

    let shifts = s.dst_shifts(window.0, window.1);
    assert_eq!(shifts.len(), 1, "{shifts:?}");
    assert_eq!(shifts[0].rotation, 0);
    assert_eq!(shifts[0].intended, day.and_time(hm(2, 30)));
    assert_eq!(shifts[0].actual, expected);
    assert!(shifts[0].explanation.contains("02:30 does not exist"), "{}", shifts[0].explanation);
    assert!(shifts[0].explanation.contains("03:00"), "{}", shifts[0].explanation);
}

#[test]
fn amsterdam_spring_forward_moves_a_0230_hand_off_to_0300_cest() {
    assert_spring_gap(Europe::Amsterdam, date(2027, 3, 28), utc(2027, 3, 28, 1, 0));
}

#[test]
fn new_york_spring_forward_moves_a_0230_hand_off_to_0300_edt() {
    assert_spring_gap(America::New_York, date(2027, 3, 14), utc(2027, 3, 14, 7, 0));
}

/// A weekly Monday 09:00 shift across a fall-back night lasts a week and an hour, and both
/// hand-offs are at 09:00 local.
fn assert_long_week(zone: Tz, monday_before: NaiveDate) {
    let s =
        schedule(vec![rotation(&["alice", "bob"], ShiftLength::Weekly, hm(9, 0), date(2026, 9, 1), zone)]);
    let from = monday_before.and_time(hm(0, 0)).and_utc();
    let handoffs = s.rotations[0].handoffs(from, from + Duration::days(8));
    assert_eq!(handoffs.len(), 2, "{handoffs:?}");
    let (first, second) = (handoffs[0].0, handoffs[1].0);
    assert_eq!(local(zone, first), monday_before.and_time(hm(9, 0)));
    assert_eq!(local(zone, second), (monday_before + Duration::days(7)).and_time(hm(9, 0)));
    assert_eq!(second - first, Duration::days(7) + Duration::hours(1));
    assert_ne!(handoffs[0].1, handoffs[1].1);
    assert!(s.dst_shifts(from, from + Duration::days(8)).is_empty(), "09:00 exists on both Mondays");
}

#[test]
fn amsterdam_weekly_shift_across_fall_back_lasts_a_week_and_an_hour() {
    assert_long_week(Europe::Amsterdam, date(2026, 10, 19));
}

#[test]
fn new_york_weekly_shift_across_fall_back_lasts_a_week_and_an_hour() {
    assert_long_week(America::New_York, date(2026, 10, 26));
}

#[test]
fn an_ambiguous_0230_hand_off_on_a_fall_back_night_is_the_earlier_one_and_is_reported() {
    let zone = Europe::Amsterdam;
    let s =
        schedule(vec![rotation(&["alice", "bob"], ShiftLength::Daily, hm(2, 30), date(2026, 10, 1), zone)]);
    let earlier = utc(2026, 10, 25, 0, 30); // 02:30 CEST; 02:30 CET would be 01:30 UTC
    let (from, to) = (utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 12, 0));
    assert_eq!(s.rotations[0].handoffs(from, to).first().map(|h| h.0), Some(earlier));
    let before = s.on_call(earlier - Duration::seconds(1), &[]);
    assert_ne!(before, s.on_call(earlier, &[]));
    assert_eq!(s.on_call(earlier, &[]), s.on_call(utc(2026, 10, 25, 1, 45), &[]), "no second hand-off");

    let shifts = s.dst_shifts(from, to);
    assert_eq!(shifts.len(), 1, "{shifts:?}");
    assert_eq!((shifts[0].intended, shifts[0].actual), (date(2026, 10, 25).and_time(hm(2, 30)), earlier));
    assert!(shifts[0].explanation.contains("happens twice"), "{}", shifts[0].explanation);
}

#[test]
fn a_half_hour_dst_gap_moves_a_hand_off_by_the_rest_of_the_gap() {
    // Lord Howe: 02:00 -> 02:30 on 2026-10-04; a daily 02:15 hand-off that day happens at 02:30.
    let zone = Australia::Lord_Howe;
    let s =
        schedule(vec![rotation(&["alice", "bob"], ShiftLength::Daily, hm(2, 15), date(2026, 10, 1), zone)]);
    // 12:00 UTC is 22:30 or 23:00 there: the window holds the hand-offs of 2 to 5 October.
    let (from, to) = (utc(2026, 10, 1, 12, 0), utc(2026, 10, 5, 12, 0));
    let times: Vec<_> =
        s.rotations[0].handoffs(from, to).iter().map(|(t, _)| local(zone, *t).time()).collect();
    assert_eq!(times, vec![hm(2, 15), hm(2, 15), hm(2, 30), hm(2, 15)]);
    assert_eq!(s.dst_shifts(from, to).len(), 1);
}

// ---- Gaps and overlaps between follow-the-sun rotations ----

fn day_and_night(day: (u32, u32), night: (u32, u32), zone: Tz) -> Schedule {
    let part = |members: &[&str], (start, end): (u32, u32)| Rotation {
        active: Some(ActiveHours { start: hm(start, 0), end: hm(end, 0) }),
        ..rotation(members, ShiftLength::Weekly, hm(9, 0), date(2026, 1, 1), zone)
    };
    schedule(vec![part(&["alice", "bob"], day), part(&["carol", "dave"], night)])
}

/// Two weeks in Amsterdam that contain the fall-back night, starting after both rotations began.
fn fortnight() -> (DateTime<Utc>, DateTime<Utc>) {
    (utc(2026, 10, 19, 12, 0), utc(2026, 11, 2, 12, 0))
}

#[test]
fn day_and_night_rotations_that_meet_leave_no_gap_and_no_overlap() {
    let (from, to) = fortnight();
    let coverage = day_and_night((8, 20), (20, 8), Europe::Amsterdam).coverage(from, to, &[]);
    assert_eq!(coverage.gaps().count(), 0, "{:?}", coverage.segments);
    assert_eq!(coverage.overlaps().count(), 0, "{:?}", coverage.segments);
    assert!(coverage.segments.iter().all(|s| s.people.len() == 1));
}

#[test]
fn a_night_rotation_starting_an_hour_late_leaves_a_one_hour_gap_every_day() {
    let zone = Europe::Amsterdam;
    let (from, to) = fortnight();
    let coverage = day_and_night((8, 20), (21, 8), zone).coverage(from, to, &[]);
    let gaps: Vec<_> = coverage.gaps().collect();
    assert_eq!(gaps.len(), 14, "{gaps:?}");
    for gap in gaps {
        assert_eq!(gap.end - gap.start, Duration::hours(1));
        assert_eq!((local(zone, gap.start).time(), local(zone, gap.end).time()), (hm(20, 0), hm(21, 0)));
    }
    assert_eq!(coverage.overlaps().count(), 0);
}

#[test]
fn a_night_rotation_starting_an_hour_early_overlaps_with_two_people_every_day() {
    let zone = Europe::Amsterdam;
    let (from, to) = fortnight();
    let coverage = day_and_night((8, 20), (19, 8), zone).coverage(from, to, &[]);
    let overlaps: Vec<_> = coverage.overlaps().collect();
    assert_eq!(overlaps.len(), 14, "{overlaps:?}");
    for overlap in overlaps {
        assert_eq!(overlap.people.len(), 2);
        assert_eq!(overlap.end - overlap.start, Duration::hours(1));
        assert_eq!(local(zone, overlap.start).time(), hm(19, 0));
    }
    assert_eq!(coverage.gaps().count(), 0);
}

// ---- Overrides and the next change ----

fn override_for(
    id: u32,
    person: &str,
    covers: Option<&str>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Override {
    Override {
        id,
        schedule: "ops".to_owned(),
        person: person.to_owned(),
        covers: covers.map(str::to_owned),
        start,
        end,
        reason: None,
    }
}

fn weekday_daily() -> Schedule {
    // 09:00 in Amsterdam in January is 08:00 UTC.
    schedule(vec![rotation(
        &["alice", "bob"],
        ShiftLength::Daily,
        hm(9, 0),
        date(2027, 1, 4),
        Europe::Amsterdam,
    )])
}

#[test]
fn next_change_is_the_next_hand_off() {
    let s = weekday_daily();
    assert_eq!(s.on_call(utc(2027, 1, 4, 12, 0), &[]), people(&["alice"]));
    assert_eq!(s.next_change(utc(2027, 1, 4, 12, 0), &[]), Some((utc(2027, 1, 5, 8, 0), people(&["bob"]))));
    assert_eq!(s.next_change(utc(2027, 1, 5, 8, 0), &[]), Some((utc(2027, 1, 6, 8, 0), people(&["alice"]))));
}

#[test]
fn next_change_sees_an_override_before_the_hand_off_and_skips_one_that_changes_nobody() {
    let s = weekday_daily();
    let swap = override_for(1, "carol", Some("alice"), utc(2027, 1, 4, 14, 0), utc(2027, 1, 4, 16, 0));
    assert_eq!(
        s.next_change(utc(2027, 1, 4, 12, 0), &[swap]),
        Some((utc(2027, 1, 4, 14, 0), people(&["carol"])))
    );
    let idle = override_for(2, "carol", Some("bob"), utc(2027, 1, 4, 14, 0), utc(2027, 1, 4, 16, 0));
    assert_eq!(
        s.next_change(utc(2027, 1, 4, 12, 0), &[idle]),
        Some((utc(2027, 1, 5, 8, 0), people(&["bob"])))
    );
}

#[test]
fn next_change_is_none_when_nothing_changes_for_a_year() {
    let s = schedule(vec![rotation(
        &["alice"],
        ShiftLength::Weekly,
        hm(9, 0),
        date(2027, 1, 4),
        Europe::Amsterdam,
    )]);
    assert_eq!(s.next_change(utc(2027, 2, 1, 0, 0), &[]), None);
}

#[test]
fn an_override_for_another_schedule_changes_nothing() {
    let s = weekday_daily();
    let mut elsewhere = override_for(1, "carol", None, utc(2027, 1, 4, 0, 0), utc(2027, 1, 9, 0, 0));
    elsewhere.schedule = "db".to_owned();
    assert_eq!(s.on_call(utc(2027, 1, 4, 12, 0), &[elsewhere]), people(&["alice"]));
}

#[test]
fn an_override_for_everyone_fills_a_gap_and_shows_in_the_segment() {
    let (from, to) = fortnight();
    let s = day_and_night((8, 20), (21, 8), Europe::Amsterdam);
    // 2026-10-20 20:00-21:00 CEST is the gap, 18:00-19:00 UTC.
    let fill = override_for(7, "erin", None, utc(2026, 10, 20, 18, 0), utc(2026, 10, 20, 19, 0));
    let coverage = s.coverage(from, to, &[fill]);
    assert_eq!(coverage.gaps().count(), 13);
    let filled = coverage.segments.iter().find(|s| s.start == utc(2026, 10, 20, 18, 0)).unwrap();
    assert_eq!(
        (filled.end, &filled.people, &filled.overrides),
        (utc(2026, 10, 20, 19, 0), &people(&["erin"]), &vec![7])
    );
}

#[test]
fn segments_are_clamped_to_the_longest_coverage_query() {
    let s = weekday_daily();
    let from = utc(2027, 1, 1, 0, 0);
    let segments = s.segments(from, from + Duration::days(5000), &[]);
    assert_eq!(segments.last().unwrap().end, from + MAX_COVERAGE);
    assert!(s.segments(from, from, &[]).is_empty());
}

#[test]
fn four_weeks_of_a_daily_rotation_is_a_few_dozen_segments() {
    let s = weekday_daily();
    let from = utc(2027, 1, 4, 0, 0);
    let segments = s.segments(from, from + Duration::days(28), &[]);
    // Before the first hand-off, then one per day.
    assert_eq!(segments.len(), 29);
}

// ---- Properties ----

fn zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(vec![
        Europe::Amsterdam,
        America::New_York,
        Australia::Lord_Howe,
        Asia::Kolkata,
        chrono_tz::UTC,
    ])
}

fn shift() -> impl Strategy<Value = ShiftLength> {
    prop_oneof![Just(ShiftLength::Daily), Just(ShiftLength::Weekly), (1u32..=48).prop_map(ShiftLength::Hours)]
}

fn weekday() -> impl Strategy<Value = Weekday> {
    (0u8..7).prop_map(|d| Weekday::try_from(d).unwrap())
}

/// Hand-off times lean towards the small hours, where DST does its damage.
fn time_of_day() -> impl Strategy<Value = NaiveTime> {
    prop_oneof![(0u32..24, prop::sample::select(vec![0u32, 15, 30, 45])), (1u32..4, 0u32..60)]
        .prop_map(|(h, m)| hm(h, m))
}

fn start_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..4 * 365).prop_map(|d| date(2025, 1, 1) + Duration::days(d))
}

/// A rotation with members, no end and no active hours: someone is always on call.
fn plain_rotation() -> impl Strategy<Value = Rotation> {
    (1usize..=4, shift(), time_of_day(), weekday(), start_date(), zone()).prop_map(
        |(n, shift, handoff, handoff_day, start, zone)| Rotation {
            handoff_day,
            ..rotation(&NAMES[..n], shift, handoff, start, zone)
        },
    )
}

fn active_hours() -> impl Strategy<Value = Option<ActiveHours>> {
    prop::option::of((time_of_day(), time_of_day()).prop_map(|(start, end)| ActiveHours { start, end }))
}

/// Any rotation: maybe an end, maybe active hours, maybe no members.
fn any_rotation() -> impl Strategy<Value = Rotation> {
    (plain_rotation(), active_hours(), prop::option::of(0i64..400), 0usize..8).prop_map(
        |(mut r, active, end, empty)| {
            r.active = active;
            r.end = end.map(|days| r.start + Duration::days(days));
            if empty == 0 {
                r.members.clear();
            }
            r
        },
    )
}

fn any_schedule() -> impl Strategy<Value = Schedule> {
    prop::collection::vec(any_rotation(), 1..=3).prop_map(schedule)
}

/// An instant in 2025-2029, whole seconds.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..5 * 365 * 86_400).prop_map(|s| utc(2025, 1, 1, 0, 0) + Duration::seconds(s))
}

fn any_override(id: u32) -> impl Strategy<Value = Override> {
    let covers = prop::option::of(prop::sample::select(vec!["alice", "bob", "carol", "dave", "zoe"]));
    (prop::sample::select(vec!["erin", "alice", "frank"]), covers, instant(), 1i64..5 * 86_400).prop_map(
        move |(person, covers, start, secs)| {
            override_for(id, person, covers, start, start + Duration::seconds(secs))
        },
    )
}

fn first_handoff(r: &Rotation) -> DateTime<Utc> {
    let from = r.start.and_time(hm(0, 0)).and_utc() - Duration::days(2);
    r.handoffs(from, from + Duration::days(10))[0].0
}

proptest! {
    #[test]
    fn one_rotation_has_exactly_the_member_of_the_current_shift_on_call(
        r in plain_rotation(),
        offsets in prop::collection::vec(0i64..365 * 86_400, 1..8),
    ) {
        let s = schedule(vec![r.clone()]);
        let first = first_handoff(&r);
        prop_assert_eq!(s.on_call(first - Duration::seconds(1), &[]), Vec::<String>::new());
        for offset in offsets {
            let at = first + Duration::seconds(offset);
            // Every hand-off since the first, counted one by one: the last is the shift holding.
            let (_, member) = *r.handoffs(first, at + Duration::seconds(1)).last().unwrap();
            prop_assert_eq!(s.on_call(at, &[]), vec![r.members[member].clone()], "at {}", at);
        }
    }

    #[test]
    fn far_into_a_rotation_the_member_is_still_the_one_of_the_current_shift(
        r in plain_rotation(),
        years in 1i64..30,
        offset in 0i64..365 * 86_400,
    ) {
        let at = first_handoff(&r) + Duration::days(365 * years) + Duration::seconds(offset);
        let (_, member) = *r.handoffs(at - Duration::days(9), at + Duration::seconds(1)).last().unwrap();
        prop_assert_eq!(schedule(vec![r.clone()]).on_call(at, &[]), vec![r.members[member].clone()]);
    }

    #[test]
    fn a_daily_or_weekly_hand_off_that_dst_moved_is_reported(
        r in plain_rotation(),
        weekly in any::<bool>(),
        from in instant(),
    ) {
        let r = Rotation { shift: if weekly { ShiftLength::Weekly } else { ShiftLength::Daily }, ..r };
        let s = schedule(vec![r.clone()]);
        let to = from + Duration::days(60);
        // An ambiguous hand-off keeps its local time and is still reported, so this is one-way.
        let reported: Vec<_> = s.dst_shifts(from, to).into_iter().map(|d| d.actual).collect();
        for (t, _) in r.handoffs(from, to) {
            let kept = local(r.zone, t).time() == r.handoff;
            prop_assert!(kept || reported.contains(&t), "{} at {} in {}", r.handoff, t, r.zone);
        }
    }

    #[test]
    fn an_override_wins_inside_its_window_and_nowhere_else(
        s in any_schedule(),
        o in any_override(1),
        offsets in prop::collection::vec(-3i64 * 86_400..8 * 86_400, 1..12),
    ) {
        let with = [o.clone()];
        for offset in offsets {
            let at = o.start + Duration::seconds(offset);
            let (without, overridden) = (s.on_call(at, &[]), s.on_call(at, &with));
            if at < o.start || at >= o.end {
                prop_assert_eq!(overridden, without, "outside the window at {}", at);
                continue;
            }
            let expected = match o.covers.as_deref() {
                None => vec![o.person.clone()],
                Some(p) if without.iter().any(|w| w == p) => {
                    let mut e: Vec<String> = Vec::new();
                    for w in without.iter().map(|w| if w == p { &o.person } else { w }) {
                        if !e.contains(w) {
                            e.push(w.clone());
                        }
                    }
                    e
                }
                Some(_) => without,
            };
            prop_assert_eq!(overridden, expected, "inside the window at {}", at);
        }
    }

    #[test]
    fn segments_cover_the_range_exactly_and_agree_with_on_call(
        s in any_schedule(),
        overrides in (any_override(1), any_override(2), any_override(3), 0usize..=3)
            .prop_map(|(a, b, c, n)| vec![a, b, c].into_iter().take(n).collect::<Vec<_>>()),
        from in instant(),
        secs in 1i64..30 * 86_400,
    ) {
        let to = from + Duration::seconds(secs);
        let segments = s.segments(from, to, &overrides);
        prop_assert_eq!(segments.first().map(|g| g.start), Some(from));
        prop_assert_eq!(segments.last().map(|g| g.end), Some(to));
        for pair in segments.windows(2) {
            prop_assert_eq!(pair[0].end, pair[1].start);
            prop_assert!((&pair[0].people, &pair[0].overrides) != (&pair[1].people, &pair[1].overrides));
        }
        for g in &segments {
            prop_assert!(g.start < g.end);
            prop_assert_eq!(&s.on_call(g.start, &overrides), &g.people, "at the start of {:?}", g);
            let last_second = g.end - Duration::seconds(1);
            prop_assert_eq!(&s.on_call(last_second, &overrides), &g.people, "at the end of {:?}", g);
        }
    }

    #[test]
    fn next_change_is_where_the_next_segment_with_other_people_starts(
        s in any_schedule(),
        at in instant(),
    ) {
        let now = s.on_call(at, &[]);
        let expected = s.segments(at, at + MAX_COVERAGE, &[]).into_iter().find(|g| g.people != now);
        prop_assert_eq!(s.next_change(at, &[]), expected.map(|g| (g.start, g.people)));
    }
}
