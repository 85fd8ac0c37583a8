//! The on-call commands through the real binary: `oncall`, `schedule show|check`, `override`,
//! `page` and `escalation`, with a config that has people, a schedule that covers every hour,
//! one with a daily gap (active hours), one where two rotations overlap, a policy and a service.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::cli::Piket;

use std::path::Path;

use serde_json::Value;

/// `primary` covers every hour (alice and bob, daily at 09:00); `day` is staffed 08:00-20:00
/// only; `pair` has two rotations on call at once. Level 1 pages `primary`, level 2 carol.
const ROTA: &str = r#"
timezone = "Europe/Amsterdam"

[people.alice]
[people.bob]
[people.carol]

[schedules.primary]
rotations = [{ members = ["alice", "bob"], shift = "daily", handoff = "09:00", start = "2026-01-05" }]

[schedules.day]
rotations = [{ members = ["carol"], shift = "daily", handoff = "08:00", start = "2026-01-05", active = "08:00-20:00" }]

[schedules.pair]
rotations = [
  { members = ["alice"], shift = "weekly", handoff = "09:00", start = "2026-01-05" },
  { members = ["bob"], shift = "weekly", handoff = "09:00", start = "2026-01-05" },
]

[escalation-policies.web]
levels = [
  { targets = ["schedule:primary"], timeout = "15m" },
  { targets = ["person:carol"], timeout = "15m" },
]

[services.web]
escalation-policy = "web"
"#;

/// Only the schedule that covers every hour.
const COVERED: &str = r#"
timezone = "Europe/Amsterdam"

[people.alice]
[people.bob]

[schedules.primary]
rotations = [{ members = ["alice", "bob"], shift = "daily", handoff = "09:00", start = "2026-01-05" }]
"#;

/// A daily hand-off at 02:30 in Amsterdam: on 2027-03-28 that time does not exist.
const DST: &str = r#"
timezone = "Europe/Amsterdam"

[people.alice]
[people.bob]

[schedules.night]
rotations = [{ members = ["alice", "bob"], shift = "daily", handoff = "02:30", start = "2027-01-04", zone = "Europe/Amsterdam" }]
"#;

/// The engine in this process: no server, so no scheduler pages anything behind a test's back.
fn e<'a>(args: &[&'a str]) -> Vec<&'a str> {
    [&["--embedded"], args].concat()
}

fn assert_absent(p: &Path) {
    assert!(!p.exists(), "{} was created: schedule check must not open or start anything", p.display());
}

#[test]
fn schedule_check_names_the_daily_gap_and_the_overlap_from_the_config_alone() {
    let p = Piket::with_data_inside(ROTA);
    let from = ["schedule", "check", "--from", "2026-12-01 00:00", "--days", "3"];
    let (out, _) = p.code(&from, 1);
    assert!(out.contains("primary: covered"), "{out}");
    assert!(out.contains("day: 4 gaps"), "the first morning, two nights and the last evening: {out}");
    assert!(out.contains("Tue 01 Dec 20:00 → Wed 02 Dec 08:00  GAP  nobody on call for 12h 00m"), "{out}");
    assert!(out.contains("OVERLAP  alice, bob"), "{out}");
    assert!(out.contains("1 of 3 schedules has gaps"), "{out}");
    let (json, _) = p.code(&[&from[..], &["--json"]].concat(), 1);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["gaps"], 4);
    assert_eq!(v["coverage"].as_array().unwrap().len(), 3);
    assert_absent(p.data());
}

#[test]
fn schedule_check_passes_a_covering_config_without_a_server_or_database() {
    let p = Piket::with_data_inside(COVERED);
    // No --embedded, no server: were it to start one, the data dir would appear.
    let out = p.ok(&["schedule", "check"]);
    assert!(out.contains("primary: covered"), "{out}");
    assert!(out.contains("ok: every schedule has someone on call"), "{out}");
    let v = p.json(&["schedule", "check", "--days", "7"]);
    assert_eq!(v["gaps"], 0);
    assert_eq!(v["coverage"][0]["schedule"], "primary");
    assert_absent(p.data());
}

#[test]
fn schedule_check_reports_a_hand_off_that_daylight_saving_moves() {
    let p = Piket::with_data_inside(DST);
    let out = p.ok(&["schedule", "check", "--from", "2027-03-20 00:00"]);
    let dst = out.lines().find(|l| l.trim_start().starts_with("DST")).unwrap_or_else(|| panic!("{out}"));
    assert!(dst.contains("02:30") && dst.contains("2027-03-28"), "{dst}");
    assert!(dst.contains("clocks go forward"), "{dst}");
    assert_absent(p.data());
}

#[test]
fn schedule_check_refuses_a_bad_config_with_exit_2_and_the_position() {
    let p = Piket::with_data_inside(
        "[people.alice]\n[schedules.primary]\nrotations = [{ members = [\"alize\"], shift = \"daily\", start = \"2026-01-05\" }]\n",
    );
    let (_, err) = p.code(&["schedule", "check"], 2);
    assert!(err.contains("config.toml:3:"), "file and line: {err}");
    assert!(err.contains("alize") && err.contains("known: alice"), "{err}");
    assert_absent(p.data());
    let p = Piket::with_data_inside(COVERED);
    let (_, err) = p.code(&["schedule", "check", "--from", "soonish"], 2);
    assert!(err.contains("not a time"), "{err}");
}

#[test]
fn overrides_are_added_listed_and_removed_and_nonsense_is_refused() {
    let p = Piket::with_data_inside(ROTA);
    let out = p.ok(&[
        "override",
        "add",
        "--schedule",
        "primary",
        "--person",
        "carol",
        "--for",
        "2h",
        "--reason",
        "swap",
    ]);
    assert!(out.contains("#1  primary  carol"), "{out}");
    let out = p.ok(&["override", "list"]);
    assert!(
        out.contains("#1  primary  carol") && out.contains("(in force)") && out.contains("swap"),
        "{out}"
    );
    let list = p.json(&["override", "list"]);
    assert_eq!(list[0]["person"], "carol");

    // Refusals name what is possible.
    let err = p.fails(&["override", "add", "--schedule", "primary", "--person", "dave", "--for", "1h"], 1);
    assert!(err.contains("'dave' is not in [people]: known: alice, bob, carol"), "{err}");
    // A name that would write the terminal's clipboard is quoted without its escape sequence.
    let evil = "ev\u{1b}]52;c;aGk=\u{7}il";
    let err = p.fails(&["override", "add", "--schedule", "primary", "--person", evil, "--for", "1h"], 1);
    assert!(err.contains("'evil' is not in [people]") && !err.contains('\u{1b}'), "{err:?}");
    let err = p.fails(&["override", "add", "--schedule", "nope", "--person", "bob", "--for", "1h"], 1);
    assert!(err.contains("known: day, pair, primary") && err.contains("next: piket schedule show"), "{err}");
    let err = p.fails(
        &["override", "add", "--schedule", "primary", "--person", "bob", "--from", "3h ago", "--for", "1h"],
        1,
    );
    assert!(err.contains("over already"), "{err}");

    let out = p.ok(&["override", "remove", "1", "--reason", "back early"]);
    assert!(out.contains("override #1 removed: back early"), "{out}");
    assert!(p.ok(&["override", "list"]).contains("no overrides"));
    let err = p.fails(&["override", "remove", "1"], 1);
    assert!(err.contains("no override #1") && err.contains("next: piket override list"), "{err}");
}

#[test]
fn oncall_and_schedule_show_follow_overrides_gaps_and_overlaps() {
    let p = Piket::with_data_inside(ROTA);
    // A night in the gap of `day`: said plainly, with when it ends.
    let out = p.ok(&["oncall", "--at", "2026-12-01 23:00"]);
    assert!(out.contains("day      nobody: a gap until Wed 02 Dec 08:00, then carol"), "{out}");
    assert!(out.contains("pair     alice, bob"), "{out}");

    let show = p.ok(&["schedule", "show", "day", "--from", "2026-12-01 00:00", "--days", "2"]);
    assert!(show.contains("Tue 01 Dec 08:00 → Tue 01 Dec 20:00  carol"), "{show}");
    assert!(show.contains("Tue 01 Dec 20:00 → Wed 02 Dec 08:00  GAP  nobody on call"), "{show}");
    assert!(!show.contains("primary"), "only the schedule asked for: {show}");
    let show = p.ok(&["schedule", "show", "primary", "--from", "2026-12-01 00:00", "--days", "2"]);
    assert!(show.contains("Tue 01 Dec 09:00 → Wed 02 Dec 09:00  alice"), "{show}");
    let show = p.ok(&["schedule", "show", "pair", "--from", "2026-12-01 00:00", "--days", "1"]);
    assert!(show.contains("OVERLAP  alice, bob"), "{show}");

    // An override puts carol on call in primary now, and both commands say so.
    p.ok(&["override", "add", "--schedule", "primary", "--person", "carol", "--for", "2h"]);
    let out = p.ok(&["oncall"]);
    let line = out.lines().find(|l| l.starts_with("primary")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("carol (override #1)"), "{line}");
    let v = p.json(&["oncall"]);
    let primary = v["on_call"].as_array().unwrap().iter().find(|o| o["schedule"] == "primary").unwrap();
    assert_eq!(primary["now"], serde_json::json!(["carol"]));
    let show = p.ok(&["schedule", "show", "primary", "--days", "1"]);
    assert!(show.contains("carol (override #1)"), "{show}");
}

#[test]
fn schedule_show_names_the_known_schedules_for_an_unknown_one() {
    let p = Piket::with_data_inside(ROTA);
    let err = p.fails(&["schedule", "show", "nope"], 1);
    assert!(err.contains("there is no schedule 'nope': known: day, pair, primary"), "{err}");
    let v = p.json(&["schedule", "show", "primary", "--days", "2"]);
    assert_eq!(v["coverage"].as_array().unwrap().len(), 1);
    assert_eq!(v["coverage"][0]["schedule"], "primary");
}

#[test]
fn no_schedules_is_said_with_how_to_add_one() {
    let p = Piket::with_data_inside("");
    let out = p.ok(&["--embedded", "oncall"]);
    assert!(out.contains("no schedules are configured") && out.contains("[schedules.primary]"), "{out}");
    let out = p.ok(&["schedule", "check"]);
    assert!(out.contains("no schedules are configured"), "{out}");
}

#[test]
fn paging_by_hand_goes_level_by_level_and_the_chain_shows_it() {
    let p = Piket::with_data_inside(ROTA);
    p.ok(&e(&["new", "web is down", "--service", "web", "-i", "high", "-u", "high", "--severity", "2"]));
    let out = p.ok(&e(&["page", "INC-1", "--reason", "alice is not answering the phone"]));
    assert!(out.contains("INC-1 paged level 1 of web: "), "{out}");
    assert!(out.contains("next: page level 2 in 1"), "the level 2 timer runs: {out}");
    let out = p.ok(&e(&["page", "INC-1", "--reason", "still nothing"]));
    assert!(out.contains("INC-1 paged level 2 of web: carol"), "{out}");

    let err = p.fails(&e(&["page", "INC-1", "--level", "3", "--reason", "x"]), 1);
    assert!(err.contains("policy web has levels 1 to 2, not 3"), "{err}");
    let err = p.fails(&e(&["page", "INC-1", "--reason", "x"]), 1);
    assert!(err.contains("already at the last level"), "{err}");
    let err = p.fails(&e(&["page", "INC-9", "--reason", "x"]), 1);
    assert!(err.contains("INC-9 does not exist"), "{err}");

    let out = p.ok(&e(&["escalation", "INC-1"]));
    assert!(out.contains("INC-1 follows escalation policy web"), "{out}");
    assert!(out.contains("level 1  schedule:primary  (timeout 15m)"), "{out}");
    assert!(out.contains("level 2  person:carol  (timeout 15m)"), "{out}");
    assert!(out.contains("(by hand: alice is not answering the phone)"), "{out}");
    assert!(out.contains(": carol  (by hand: still nothing)"), "{out}");
    let v = p.json(&e(&["escalation", "INC-1"]));
    assert_eq!(v["policy"], "web");
    assert_eq!(v["levels"].as_array().unwrap().len(), 2);
    assert_eq!(v["progress"]["pages"].as_array().unwrap().len(), 2);

    p.ok(&e(&["ack", "INC-1"]));
    let out = p.ok(&e(&["escalation", "INC-1"]));
    assert!(out.lines().last().unwrap().starts_with("stopped: acknowledged by "), "{out}");

    // No service, no default policy: said so, and paging is refused.
    p.ok(&e(&["new", "a hunch", "-i", "low", "-u", "low", "--severity", "4"]));
    assert!(p.ok(&e(&["escalation", "INC-2"])).contains("follows no escalation policy"));
    let err = p.fails(&e(&["page", "INC-2", "--reason", "x"]), 1);
    assert!(
        err.contains("no escalation policy") && err.contains("next: piket escalate INC-2 --to NAME"),
        "{err}"
    );
    let err = p.fails(&e(&["page", "INC-2", "--reason", " "]), 1);
    assert!(err.contains("say why you page: check --reason"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let p = Piket::with_data_inside(ROTA);
    for args in [
        &["page", "INC-1"][..],
        &["page", "INC-1", "--level", "two", "--reason", "x"],
        &["override", "add", "--schedule", "primary", "--person", "bob"],
        &["override", "add", "--schedule", "primary", "--person", "bob", "--for", "1h", "--until", "18:00"],
        &["override", "remove", "first"],
        &["schedule", "show", "--days", "0"],
        &["schedule", "check", "--days", "800"],
        &["schedule"],
        &["oncall", "--now"],
        &["escalation"],
    ] {
        p.code(args, 2);
    }
    assert_absent(p.data());
}
