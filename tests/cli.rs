//! The real binary, as a responder or a script uses it: every step, every refusal, exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::cli::Piket;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use redb::ReadableTable;
use serde_json::Value;

fn the_os_user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn all_eight_steps_from_the_command_line() {
    let p = Piket::new("");
    // 1. register
    let id = p.ok(&[
        "new",
        "Checkout API returns 502",
        "--service",
        "checkout",
        "--impact",
        "high",
        "--urgency",
        "medium",
        "--severity",
        "2",
        "--category",
        "availability",
        "--reported-by",
        "customer support",
    ]);
    assert_eq!(id.trim(), "INC-1");
    let inc = p.json(&["show", "INC-1"]);
    assert_eq!(inc["priority"], 2);
    assert_eq!(inc["status"], "triggered");
    assert_eq!(inc["reported_by"], "customer support");

    // 2. categorise and prioritise
    let out = p.ok(&["set", "INC-1", "--urgency", "high"]);
    assert!(out.contains("urgency medium -> high (priority P1)"), "{out}");
    let err = p.fails(&["priority", "INC-1", "P3"], 2);
    assert!(err.contains("--reason"), "a manual priority needs a reason: {err}");
    p.ok(&["priority", "INC-1", "P2", "--reason", "only internal users affected"]);
    assert_eq!(p.json(&["show", "1"])["priority"], 2);
    p.ok(&["priority", "INC-1", "--clear"]);
    assert_eq!(p.json(&["show", "1"])["priority"], 1);
    p.ok(&["time", "INC-1", "impact-started", "30m ago", "--reason", "from the error graph"]);

    // 3. first response
    let out = p.ok(&["ack", "INC-1"]);
    assert!(out.contains("INC-1 is acknowledged"), "{out}");
    p.ok(&["role", "INC-1", "commander"]);
    p.ok(&["role", "INC-1", "scribe", "carol"]);
    let out = p.ok(&["role", "INC-1", "scribe", "dave"]);
    assert!(out.contains("scribe handed over from carol to dave"), "{out}");
    p.ok(&["contain", "INC-1", "rolled back deploy 4711"]);

    // 4. investigate (a note from standard input)
    let mut child =
        p.cmd(&["note", "INC-1", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"error rate back to baseline\nwatching for 30 minutes").unwrap();
    assert!(child.wait().unwrap().success());
    p.ok(&["finding", "INC-1", "connection pool exhausted"]);
    p.ok(&[
        "root-cause",
        "INC-1",
        "pool size halved",
        "--trigger",
        "deploy 4711",
        "--factor",
        "no saturation alert",
    ]);

    // 6. communicate and escalate
    p.ok(&["update", "INC-1", "Payments work again", "--audience", "customers"]);
    p.ok(&["escalate", "INC-1", "--to", "db team", "--reason", "they own the pool config"]);

    // 5. resolve, reopen, resolve again
    p.ok(&["resolve", "INC-1", "--summary", "pool size restored", "--recovered-at", "5m ago"]);
    p.ok(&["reopen", "INC-1", "--reason", "errors are back"]);
    assert_eq!(p.json(&["show", "1"])["status"], "contained");
    p.ok(&["resolve", "INC-1", "--summary", "pool size restored, config pinned"]);

    // 8. close and evaluate
    let err = p.fails(&["close", "INC-1"], 1);
    assert!(err.contains("missing: a review with at least 1 lesson learned"), "{err}");
    assert!(err.contains("next: piket review INC-1"), "{err}");
    assert!(
        !err.contains("root-cause"),
        "the root cause is recorded; next offers only what is missing: {err}"
    );
    p.ok(&[
        "review",
        "INC-1",
        "--went-well",
        "fast rollback",
        "--went-wrong",
        "no alert",
        "--lucky",
        "low traffic",
        "--lesson",
        "alert on pool saturation",
    ]);
    p.ok(&["action", "add", "INC-1", "add a pool saturation alert", "--owner", "bob", "--due", "2026-12-01"]);
    p.ok(&["action", "done", "INC-1", "1"]);
    let out = p.ok(&["close", "INC-1"]);
    assert!(out.contains("INC-1 is closed"), "{out}");

    // 7. document
    let inc = p.json(&["show", "INC-1"]);
    assert_eq!(inc["status"], "closed");
    assert_eq!(inc["roles"]["commander"], the_os_user());
    assert_eq!(inc["roles"]["scribe"], "dave");
    assert_eq!(inc["reopened"], 1);
    assert_eq!(inc["action_items"][0]["done"], true);
    let timeline = p.json(&["timeline", "INC-1"]);
    let kinds: Vec<&str> = timeline.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in [
        "registered",
        "acknowledged",
        "contained",
        "note",
        "finding",
        "root_cause",
        "status_update",
        "escalated",
        "resolved",
        "reopened",
        "review",
        "closed",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let note = timeline.as_array().unwrap().iter().find(|e| e["kind"] == "note").unwrap();
    assert_eq!(note["data"]["text"], "error rate back to baseline\nwatching for 30 minutes");

    let md = p.ok(&["export", "INC-1"]);
    assert!(md.starts_with("# INC-1: Checkout API returns 502"), "{md}");
    assert!(md.contains("alert on pool saturation"));
    let head = p.json(&["verify"])["head"].as_str().unwrap().to_owned();
    assert!(md.contains(&head), "the report carries the chain head");
    let file = p.dir().join("inc-1.json");
    p.ok(&["export", "INC-1", "--format", "json", "--output", file.to_str().unwrap()]);
    let exported: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(exported["chain_head"], head.as_str());

    let list = p.ok(&["list", "--all"]);
    assert!(list.contains("INC-1") && list.contains("closed"), "{list}");
    assert!(p.ok(&["list"]).contains("0 incidents"), "closed incidents leave the open queue");
    let stats = p.ok(&["stats"]);
    assert!(stats.contains("MTTA"), "{stats}");
    assert!(p.ok(&["verify"]).starts_with("ok:"));
}

#[test]
fn illegal_steps_are_refused_with_the_reason_and_the_way_forward() {
    let p = Piket::new("");
    p.ok(&["new", "Search is slow", "-i", "low", "-u", "low", "--severity", "4"]);
    p.ok(&["resolve", "INC-1", "--summary", "cache warmed"]);

    let err = p.fails(&["ack", "INC-1"], 1);
    assert!(err.contains("INC-1 is resolved: cannot acknowledge it; reopen it first"), "{err}");
    assert!(err.contains("next: piket reopen INC-1 --reason"), "{err}");
    let err = p.fails(&["contain", "INC-1", "restart"], 1);
    assert!(err.contains("reopen it first"), "{err}");
    let err = p.fails(&["resolve", "INC-1", "--summary", "again"], 1);
    assert!(err.contains("INC-1 is already resolved"), "{err}");
    let err = p.fails(&["close", "INC-1"], 1);
    assert!(err.contains("missing: a root cause"), "{err}");
    let err = p.fails(&["note", "INC-1", "   "], 1);
    assert!(err.contains("the note is empty"), "{err}");
    let err = p.fails(&["ack", "INC-9"], 1);
    assert!(err.contains("INC-9 does not exist"), "{err}");
    let err = p.fails(&["set", "INC-1", "--impact", "low"], 1);
    assert!(err.contains("nothing to change"), "{err}");
    let err = p.fails(&["new", "x", "-i", "huge", "-u", "low", "--severity", "1"], 2);
    assert!(err.contains("'huge' is not an impact: use high, medium or low"), "{err}");
    let err = p.fails(&["ack", "INC-x"], 2);
    assert!(err.contains("not an incident id"), "{err}");
    let err = p.fails(&["time", "INC-1", "detected", "yesterday-ish"], 1);
    assert!(err.contains("is not a time"), "{err}");
    let err = p.fails(&["frobnicate"], 2);
    assert!(err.contains("unrecognized subcommand"), "{err}");
    let err = p.fails(&["close", "INC-1", "--force"], 2);
    assert!(err.contains("--force"), "{err}");

    p.ok(&["root-cause", "INC-1", "cold cache after deploy"]);
    p.ok(&["close", "INC-1"]);
    let err = p.fails(&["reopen", "INC-1", "--reason", "again"], 1);
    assert!(err.contains("a closed one is final"), "{err}");
    // Refusals wrote nothing: the chain still verifies and has exactly the accepted events.
    let v = p.json(&["verify"]);
    assert_eq!(v["events"], 4);
    assert_eq!(v["problem"], Value::Null);
}

#[test]
fn the_actor_is_the_os_user_whatever_the_environment_says() {
    let p = Piket::new("");
    let out = p
        .cmd(&["new", "x", "-i", "low", "-u", "low", "--severity", "4"])
        .env("USER", "mallory")
        .env("LOGNAME", "mallory")
        .output()
        .unwrap();
    assert!(out.status.success());
    let timeline = p.json(&["timeline", "1"]);
    assert_eq!(timeline[0]["actor"], the_os_user());
    assert_ne!(timeline[0]["actor"], "mallory");
}

#[test]
fn a_held_database_is_one_clear_line() {
    let p = Piket::new("");
    p.ok(&["new", "x", "-i", "low", "-u", "low", "--severity", "4"]);
    p.ok(&["server", "stop"]);
    let held = piket::engine::Engine::open(
        &p.dir().join("piket.redb"),
        &piket::store::StoreOptions::default(),
        piket::domain::Policy::default(),
    )
    .unwrap();
    let err = p.fails(&["list"], 1);
    assert!(err.contains("piket.redb: another piket holds this database"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    drop(held);
    p.ok(&["list"]);
}

#[test]
fn verify_fails_with_exit_1_on_a_tampered_file() {
    let p = Piket::new("");
    p.ok(&["new", "x", "-i", "low", "-u", "low", "--severity", "4"]);
    p.ok(&["note", "1", "the original words"]);
    p.ok(&["server", "stop"]);
    {
        let events: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("events-1");
        let db = redb::Database::open(p.dir().join("piket.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(events).unwrap();
            let mut bytes = t.get(2).unwrap().unwrap().value().to_vec();
            let at = bytes.windows(8).position(|w| w == b"original").unwrap();
            bytes[at..at + 8].copy_from_slice(b"doctored");
            t.insert(2, bytes.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let err = p.fails(&["verify"], 1);
    assert!(err.contains("FAILED"), "{err}");
    assert!(err.contains("INC-1 #2"), "{err}");
}

#[test]
fn untrusted_text_never_puts_escape_sequences_on_the_terminal() {
    let p = Piket::new("");
    p.ok(&[
        "new",
        "disk \u{1b}]52;c;ZXZpbA==\u{7}full \u{1b}[2J",
        "-i",
        "low",
        "-u",
        "low",
        "--severity",
        "4",
    ]);
    // Separators, bidi marks and invisible format characters: they reorder or break a row,
    // or hide text, so they never reach the terminal either.
    p.ok(&["new", &format!("cache{INVISIBLE}cold"), "-i", "low", "-u", "low", "--severity", "4"]);
    p.ok(&["note", "2", &format!("first{INVISIBLE}second")]);
    for id in ["1", "2"] {
        for args in [&["list"][..], &["show", id], &["timeline", id], &["export", id]] {
            let out = p.ok(args);
            assert!(!out.contains('\u{1b}'), "{args:?} printed an escape: {out:?}");
            assert!(!out.contains('\u{7}'), "{args:?} printed a bell");
            if let Some(c) = out.chars().find(|c| INVISIBLE.contains(*c)) {
                panic!("{args:?} printed U+{:04X}: {out:?}", u32::from(c));
            }
        }
    }
    assert!(p.ok(&["list"]).contains("cache cold"), "a separator in a one-line cell is a space");
    // The record keeps what was sent; JSON escapes it.
    let json = p.ok(&["show", "1", "--json"]);
    assert!(json.contains("\\u001b]52"), "{json}");
    assert!(p.ok(&["show", "2", "--json"]).contains('\u{2028}'), "JSON carries the text as sent");
}

/// Line and paragraph separators, the Arabic letter mark, the bidi marks, embeddings,
/// overrides and isolates, zero-width characters and joiners, the word joiner and invisible
/// operators, the byte-order mark.
const INVISIBLE: &str = "\u{2028}\u{2029}\u{061C}\u{200E}\u{200F}\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}\u{200B}\u{200C}\u{200D}\u{2060}\u{2061}\u{2062}\u{2063}\u{2064}\u{FEFF}";

/// Output into a pipe whose reader has gone ends quietly with SIGPIPE's status (141), as
/// `yes | head -1` does, for every kind of command: no panic, no backtrace, nothing on stderr.
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let p = Piket::new("");
    p.ok(&["new", "Checkout 502", "-i", "high", "-u", "high", "--severity", "2"]);
    p.ok(&["note", "1", "rolled back"]);
    let commands: [&[&str]; 12] = [
        &["list"],
        &["list", "--json"],
        &["show", "1"],
        &["timeline", "1"],
        &["export", "1"],
        &["ack", "1"],
        &["stats"],
        &["verify"],
        &["maintenance", "list"],
        &["oncall"],
        &["server", "status"],
        &["schedule", "check"],
    ];
    for args in commands {
        // The reader is closed before piket starts, so its first write finds no reader.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = p.cmd(args).stdout(writer).stderr(Stdio::piped()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "piket {args:?}: {:?}, stderr: {stderr}", out.status);
        assert!(stderr.is_empty(), "piket {args:?} said something on stderr: {stderr}");
    }
    // The acknowledge was recorded although its answer could not be printed.
    assert_eq!(p.json(&["show", "1"])["status"], "acknowledged");
}

fn expectation(fixture: &Path) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(fixture).unwrap();
    let pos = text.lines().find_map(|l| l.strip_prefix("# expect: ")).unwrap().trim().to_owned();
    let words = text
        .lines()
        .find_map(|l| l.strip_prefix("# expect-text: "))
        .map(|l| l.split(" | ").map(|w| w.trim().to_owned()).collect())
        .unwrap_or_default();
    (pos, words)
}

#[test]
fn bad_config_files_are_refused_by_the_binary_with_file_line_and_column() {
    let p = Piket::new("");
    let mut checked = 0;
    for entry in std::fs::read_dir("tests/config_fixtures/invalid").unwrap() {
        let path = entry.unwrap().path();
        let (pos, words) = expectation(&path);
        let err = p.fails(&["--config", path.to_str().unwrap(), "list"], 1);
        let want = format!("{}:{pos}: ", path.display());
        assert!(err.contains(&want), "{} should say {want}: {err}", path.display());
        for w in words {
            assert!(err.contains(&w), "{}: missing {w:?} in {err}", path.display());
        }
        checked += 1;
    }
    assert!(checked >= 10);
    // In process: full.toml names a team socket and group that this machine does not have.
    for entry in std::fs::read_dir("tests/config_fixtures/valid").unwrap() {
        let path = entry.unwrap().path();
        p.ok(&["--embedded", "--config", path.to_str().unwrap(), "list", "--all"]);
    }
    let err = p.fails(&["--config", "/nonexistent/piket.toml", "list"], 1);
    assert!(err.contains("/nonexistent/piket.toml"), "{err}");
}

/// `[keys]` and `[theme]` are config like any other: every way piket starts (a command, the
/// server, the queue, the CI check) refuses a bad entry with its file:line:column, before
/// anything is opened or started.
#[test]
fn bad_keys_and_theme_are_refused_by_every_command_at_their_place() {
    let p = Piket::new("");
    let mut checked = 0;
    for entry in std::fs::read_dir("tests/config_fixtures/invalid").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("keys-") || name.starts_with("theme-")) {
            continue;
        }
        let (pos, words) = expectation(&path);
        let want = format!("{}:{pos}: ", path.display());
        let config = path.to_str().unwrap();
        let runs: [(&[&str], i32); 5] =
            [(&["list"], 1), (&["show", "1"], 1), (&["serve"], 1), (&[], 1), (&["schedule", "check"], 2)];
        for (args, code) in runs {
            let mut cmd = p.cmd(&["--config", config]);
            cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
            let out = bounded(cmd);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(code), "{name} {args:?}: {err}");
            assert!(err.contains(&want), "{name} {args:?} should say {want}: {err}");
            for w in &words {
                assert!(err.contains(w.as_str()), "{name} {args:?}: missing {w:?} in {err}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 6, "{checked} keys/theme fixtures");
    assert!(!p.dir().join("piket.sock").exists(), "a bad config started a server");
}

/// Run to the end, or fail after a minute (a `serve` that accepted a bad config would run on).
fn bounded(mut cmd: Command) -> Output {
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{cmd:?} did not end");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn demo_seeds_an_empty_data_dir_once() {
    let p = Piket::new("");
    let out = p.ok(&["demo", "--no-tui"]);
    assert_eq!(out.trim(), p.dir().display().to_string());
    let all = p.json(&["list", "--all"]);
    let n = all.as_array().unwrap().len();
    assert!(n >= 15, "about 20 incidents, got {n}");
    for status in ["triggered", "acknowledged", "contained", "resolved", "closed"] {
        assert!(
            all.as_array().unwrap().iter().any(|i| i["status"] == status),
            "no {status} incident in the demo"
        );
    }
    assert!(p.ok(&["verify"]).starts_with("ok:"));
    // An explicit data dir that holds incidents is never seeded again.
    let err = p.fails(&["demo", "--no-tui"], 1);
    assert!(err.contains("already holds"), "{err}");
    p.ok(&["server", "stop"]);
    let err = p.fails(&["demo", "--no-tui"], 1);
    assert!(err.contains("already holds"), "{err}");
}

#[test]
fn the_queue_needs_a_terminal_and_says_so() {
    let p = Piket::new("");
    let err = p.fails(&[], 1);
    assert!(err.contains("the queue needs a terminal"), "{err}");
}

#[test]
fn completions_and_the_man_page_name_every_subcommand() {
    let p = Piket::new("");
    let subcommands = ["new", "acknowledge", "resolve", "close", "watch", "schedule", "completions", "man"];
    for shell in ["bash", "zsh", "fish"] {
        let script = p.ok(&["completions", shell]);
        for sub in subcommands {
            assert!(script.contains(sub), "{shell} completions lack `{sub}`");
        }
    }
    // Subcommands' own options are completed too (watch's filters).
    assert!(p.ok(&["completions", "bash"]).contains("--after"));
    let page = p.ok(&["man"]);
    assert!(page.contains(".TH piket 1"), "not piket(1) in roff");
    for sub in subcommands {
        assert!(page.contains(&format!("piket\\-{sub}(1)")), "the man page lacks piket-{sub}(1)");
    }
    let dir = p.path("man1");
    std::fs::create_dir(&dir).unwrap();
    let written = p.ok(&["man", "--dir", dir.to_str().unwrap()]);
    for sub in ["piket.1", "piket-watch.1", "piket-schedule-check.1"] {
        assert!(written.lines().any(|l| l.ends_with(sub)), "{written}");
        let text = std::fs::read_to_string(dir.join(sub)).unwrap();
        assert!(text.contains(".TH"), "{sub} is no man page");
    }
    assert!(p.fails(&["completions", "tcsh"], 2).contains("bash"), "the valid shells are named");
}

#[test]
fn new_defaults_as_the_queues_form_and_the_global_json_exports_json() {
    let p = Piket::new("");
    p.ok(&["new", "only a title"]);
    let inc = p.json(&["show", "1"]);
    assert_eq!(
        (inc["impact"].as_str(), inc["urgency"].as_str(), inc["severity"].to_string().as_str()),
        (Some("medium"), Some("medium"), "3"),
        "{inc}"
    );
    let report: Value = serde_json::from_str(&p.ok(&["--json", "export", "1"])).expect("JSON");
    assert_eq!(report["incident"]["title"], "only a title");
}

#[test]
fn option_help_names_the_values() {
    let p = Piket::new("");
    let new = p.ok(&["new", "--help"]);
    assert!(new.contains("high, medium or low") && new.contains("[default: medium]"), "{new}");
    let list = p.ok(&["list", "--help"]);
    for values in ["triggered, acknowledged, contained, resolved or closed", "P1 .. P5", "SEV1 .. SEV4"] {
        assert!(list.contains(values), "list --help lacks {values}: {list}");
    }
    assert!(p.ok(&["export", "--help"]).contains("markdown, json"));
}

#[test]
fn schedule_check_looks_two_years_ahead_as_one_span() {
    let p = Piket::new(
        r#"
timezone = "Europe/Amsterdam"

[people.alice]
[people.bob]

[schedules.night]
rotations = [{ members = ["alice", "bob"], shift = "daily", handoff = "02:30", start = "2027-01-04", zone = "Europe/Amsterdam" }]
"#,
    );
    let v = p.json(&["schedule", "check", "--from", "2027-01-05 00:00", "--days", "731"]);
    assert_eq!(v["gaps"], 0, "{v}");
    let night = &v["coverage"][0];
    // The spring-forward of the second year is checked too.
    assert!(night["dst_shifts"].to_string().contains("2028-03-26"), "{}", night["dst_shifts"]);
    let segments = night["segments"].as_array().unwrap();
    assert_eq!(segments.last().unwrap()["end"], v["to"], "covered to the end");
    for pair in segments.windows(2) {
        assert_eq!(pair[0]["end"], pair[1]["start"], "no hole");
        assert_ne!(
            pair[0]["people"], pair[1]["people"],
            "one shift is one segment, across the year: {pair:?}"
        );
    }
    let err = p.fails(&["schedule", "check", "--days", "732"], 2);
    assert!(err.contains("1..=731"), "{err}");
}
