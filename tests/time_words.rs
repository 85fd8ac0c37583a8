//! Time words through the real binary: `--due tomorrow`, `next week` and the other date words work on
//! the command line as they do in the TUI (`when.rs` is the one reader of both).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};

use crate::common::cli::Piket;

#[test]
fn due_dates_take_words_on_the_command_line() {
    let p = Piket::new("");
    p.ok(&["new", "x", "-i", "low", "-u", "low", "--severity", "4"]);
    p.ok(&["action", "add", "INC-1", "alert on pool saturation", "--owner", "bob", "--due", "tomorrow"]);
    p.ok(&["action", "add", "INC-1", "runbook", "--owner", "bob", "--due", "next week"]);
    let inc = p.json(&["show", "INC-1"]);
    let items = inc["action_items"].as_array().unwrap();
    let today = Utc::now().with_timezone(&chrono_tz::Europe::Amsterdam).date_naive();
    let due = |i: usize| items[i]["due"].as_str().unwrap().to_owned();
    // The commands ran a moment ago: allow for midnight passing in between.
    let tomorrow = [today + Duration::days(1), today + Duration::days(2)].map(|d| d.to_string());
    assert!(tomorrow.contains(&due(0)), "{}", due(0));
    let week = [today + Duration::days(7), today + Duration::days(8)].map(|d| d.to_string());
    assert!(week.contains(&due(1)), "{}", due(1));

    let err = p.fails(&["action", "add", "INC-1", "y", "--owner", "bob", "--due", "someday"], 1);
    assert!(err.contains("tomorrow"), "the refusal lists the words: {err}");
}
