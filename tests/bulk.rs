//! Acting on several incidents at once, through the real binary: marks and the confirmation in
//! the TUI (a pty), `piket ack 4 5 6` and `--filter` on the command line. Each incident gets
//! its own event by the acting user, and nothing is acted on that the responder did not pick.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::Path;

use portable_pty::{PtySize, native_pty_system};
use serde_json::Value;

use crate::common::cli::Piket;
use crate::common::pty::{self, Tui, piket};
use crate::common::{wait_for, wait_until};

const CTRL_S: &str = "\x13";
const ESC: &str = "\x1b";

fn the_os_user() -> String {
    let out = std::process::Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn json(home: &Path, data: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = piket(home, data, &all);
    assert!(out.status.success(), "piket {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn status(home: &Path, data: &Path, id: &str) -> String {
    json(home, data, &["show", id])["status"].as_str().unwrap().to_owned()
}

/// The events of one kind on an incident's timeline, as (actor, text of the whole event).
fn events_of(timeline: &Value, kind: &str) -> Vec<(String, String)> {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| (e["actor"].as_str().unwrap_or_default().to_owned(), e.to_string()))
        .collect()
}

fn register(home: &Path, data: &Path, title: &str, service: &str) {
    let out = piket(home, data, &["new", title, "--service", service]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn marked_incidents_are_acknowledged_and_noted_together_each_by_the_responder() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    // Same priority, so the queue shows them oldest first: INC-1, INC-2, INC-3.
    register(home.path(), &data, "Disk full on db1", "db");
    register(home.path(), &data, "Checkout API 502", "api");
    register(home.path(), &data, "Replication stuck", "db");
    let mut t = Tui::start(home.path(), &data);
    t.wait_for("Replication stuck");

    // space marks the selected incident and moves down: INC-1 marked, INC-2 passed over, INC-3.
    t.keys(" ");
    t.keys("j");
    t.keys(" ");
    t.wait_for("2 marked");

    // A filter hides both marked incidents: the count still has them.
    t.keys("/api");
    t.wait_for("2 marked · 2 not shown");
    t.keys("\r");

    // The confirmation names both marked ones, out of view as they are, and says the selected
    // (INC-2, the only row shown) is not included. Esc writes nothing.
    t.keys("a");
    t.wait_for("Acknowledge 2 incidents");
    let screen = t.text();
    assert!(screen.contains("INC-1, INC-3"), "{screen}");
    assert!(screen.contains("Disk full on db1") && screen.contains("Replication stuck"), "{screen}");
    assert!(screen.contains("INC-2 is selected but not marked: not included"), "{screen}");
    t.keys(ESC);
    wait_until("the confirmation to close", || !t.text().contains("Acknowledge 2 incidents"));
    assert_eq!(status(home.path(), &data, "INC-1"), "triggered", "esc wrote something");

    t.keys("a");
    t.wait_for("Acknowledge 2 incidents");
    t.keys("\r");
    let me = the_os_user();
    for id in ["INC-1", "INC-3"] {
        wait_until("the acknowledgement", || status(home.path(), &data, id) == "acknowledged");
        let acks = events_of(&json(home.path(), &data, &["timeline", id]), "acknowledged");
        assert_eq!(acks.len(), 1, "{id}: one event of its own: {acks:?}");
        assert_eq!(acks[0].0, me, "{id}: recorded with the responder as actor");
    }
    assert_eq!(status(home.path(), &data, "INC-2"), "triggered", "the unmarked incident was acted on");
    // The filter goes (esc on the filter line clears it, marks or not); the queue is redrawn
    // top down, so once the last row is back the title above it is current.
    t.keys("/");
    t.keys(ESC);
    t.wait_for("Replication stuck");
    // Done: each acknowledged incident is unmarked with its own answer.
    wait_until("the marks to go with the answer", || {
        let s = t.text();
        let acked = |id: &str| s.lines().any(|l| l.contains(id) && l.contains("acknowledged"));
        acked("INC-1 ") && acked("INC-3 ") && !s.contains("marked")
    });

    // A note on the first and the last row, marked: the form once, then the confirmation with
    // the text. Which incidents those are is read off the mark column.
    t.keys("g");
    t.keys(" ");
    t.keys("G");
    t.keys(" ");
    t.wait_for("2 marked");
    let screen = t.text();
    let marked: Vec<String> = screen
        .lines()
        .filter_map(|l| l.strip_prefix("│* "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    assert_eq!(marked.len(), 2, "{screen}");
    let unmarked =
        ["INC-1", "INC-2", "INC-3"].into_iter().find(|id| !marked.iter().any(|m| m == id)).unwrap();
    t.keys("m");
    t.wait_for("2 marked incidents");
    t.keys("failover to db2 done");
    t.keys(CTRL_S);
    t.wait_for("Note 2 incidents");
    let screen = t.text();
    assert!(screen.contains(&marked.join(", ")), "{screen}");
    assert!(screen.contains("note: failover to db2 done"), "{screen}");
    t.keys("\r");
    for id in &marked {
        let notes = wait_for("the note", || {
            let n = events_of(&json(home.path(), &data, &["timeline", id]), "note");
            (!n.is_empty()).then_some(n)
        });
        assert_eq!(notes.len(), 1, "{id}: {notes:?}");
        assert_eq!(notes[0].0, me);
        assert!(notes[0].1.contains("failover to db2 done"), "{id}: {notes:?}");
    }
    assert!(
        events_of(&json(home.path(), &data, &["timeline", unmarked]), "note").is_empty(),
        "{unmarked} was not marked this time"
    );
    t.keys("q");
    t.assert_restored("quitting after a bulk note");
}

// ---- the command line -------------------------------------------------------------------

fn three(p: &Piket) {
    p.ok(&["new", "Disk full on db1", "--service", "db"]);
    p.ok(&["new", "Checkout API 502", "--service", "api"]);
    p.ok(&["new", "Replication stuck", "--service", "db"]);
}

fn cli_status(p: &Piket, id: &str) -> String {
    p.json(&["show", id])["status"].as_str().unwrap().to_owned()
}

#[test]
fn ack_takes_several_ids_and_gives_each_its_own_event() {
    let p = Piket::new("");
    three(&p);
    let out = p.ok(&["ack", "1", "INC-3"]);
    assert!(out.contains("INC-1 is acknowledged") && out.contains("INC-3 is acknowledged"), "{out}");
    let me = the_os_user();
    for id in ["INC-1", "INC-3"] {
        let acks = events_of(&p.json(&["timeline", id]), "acknowledged");
        assert_eq!(acks.len(), 1, "{id}: {acks:?}");
        assert_eq!(acks[0].0, me);
    }
    assert_eq!(cli_status(&p, "INC-2"), "triggered");

    // One refused does not stop the others; the exit status says something was refused.
    let (out, err) = p.code(&["ack", "1", "2"], 1);
    assert!(err.contains("INC-1") && err.contains("already acknowledged"), "{err}");
    assert!(out.contains("INC-2 is acknowledged"), "{out}");

    // JSON: one entry per incident, the refusal among them.
    let out = p.run(&["--json", "ack", "3", "1"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    assert!(v[0]["error"].as_str().unwrap().contains("INC-3"), "{v}");
}

#[test]
fn note_resolve_and_priority_take_several_ids() {
    let p = Piket::new("");
    three(&p);
    p.ok(&["note", "1", "2", "paged the db team"]);
    for id in ["INC-1", "INC-2"] {
        let notes = events_of(&p.json(&["timeline", id]), "note");
        assert_eq!(notes.len(), 1, "{id}: {notes:?}");
        assert!(notes[0].1.contains("paged the db team"));
    }
    // One id keeps the old form and output.
    let out = p.ok(&["priority", "INC-2", "P2", "--reason", "internal only"]);
    assert!(out.contains("INC-2 is triggered (P2"), "{out}");
    p.ok(&["priority", "1", "3", "P1", "--reason", "all of checkout is down"]);
    assert_eq!(p.json(&["show", "1"])["priority"], 1);
    assert_eq!(p.json(&["show", "3"])["priority"], 1);
    p.ok(&["priority", "1", "3", "--clear"]);
    assert_eq!(p.json(&["show", "3"])["priority"], 3);
    p.ok(&["resolve", "1", "3", "-m", "disk grown, replication caught up"]);
    assert_eq!(cli_status(&p, "INC-1"), "resolved");
    assert_eq!(cli_status(&p, "INC-3"), "resolved");
    assert_eq!(cli_status(&p, "INC-2"), "triggered");
}

#[test]
fn filter_refuses_without_a_terminal_unless_yes_and_then_acts_on_exactly_what_it_listed() {
    let p = Piket::new("");
    three(&p);
    // A script without --yes: nothing is done, and it says how to go on.
    let err = p.fails(&["ack", "--filter", "--service", "db"], 1);
    assert!(err.contains("without a terminal") && err.contains("--yes"), "{err}");
    assert_eq!(cli_status(&p, "INC-1"), "triggered");
    assert_eq!(cli_status(&p, "INC-3"), "triggered");

    // Filters without --filter select nothing: refused, not ignored.
    let err = p.fails(&["ack", "2", "--service", "db"], 1);
    assert!(err.contains("--filter"), "{err}");
    assert_eq!(cli_status(&p, "INC-2"), "triggered");

    let (out, err) = p.code(&["ack", "--filter", "--service", "db", "--yes"], 0);
    assert!(err.contains("acknowledge these 2 incidents"), "the preview: {err}");
    assert!(err.contains("Disk full on db1") && err.contains("Replication stuck"), "{err}");
    assert!(!err.contains("Checkout"), "{err}");
    assert!(out.contains("INC-1 is acknowledged") && out.contains("INC-3 is acknowledged"), "{out}");
    assert_eq!(cli_status(&p, "INC-2"), "triggered");

    // Nothing matches: nothing to do, said.
    let err = p.fails(&["resolve", "--filter", "--service", "nope", "--yes", "-m", "x"], 0);
    assert!(err.contains("no incident matches"), "{err}");

    // A bare --filter would be the whole open queue: refused, even with --yes.
    let err = p.fails(&["ack", "--filter", "--yes"], 1);
    assert!(err.contains("at least one filter"), "{err}");
    assert_eq!(cli_status(&p, "INC-2"), "triggered");

    // A note read from standard input leaves nothing to answer with: --yes, said up front.
    let err = p.fails(&["note", "--filter", "--service", "checkout", "-"], 1);
    assert!(err.contains("standard input") && err.contains("--yes"), "{err}");
}

/// `piket ARGS` with a terminal on stdin, answering the question with `answer`: its exit
/// code and everything it wrote to the terminal.
fn in_a_terminal(home: &Path, data: &Path, args: &[&str], answer: &str) -> (u32, String) {
    let pair = native_pty_system()
        .openpty(PtySize { rows: 24, cols: 200, pixel_width: 0, pixel_height: 0 })
        .unwrap();
    let mut all = vec!["--data-dir", data.to_str().unwrap()];
    all.extend_from_slice(args);
    let mut child = pair.slave.spawn_command(pty::command(home, &all)).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = std::sync::Arc::clone(&seen);
    let reading = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    wait_until("the question", || seen.lock().unwrap().contains("[y/N]"));
    let mut w = pair.master.take_writer().unwrap();
    w.write_all(answer.as_bytes()).unwrap();
    w.write_all(b"\r").unwrap();
    w.flush().unwrap();
    let status = wait_for("piket to exit", || child.try_wait().unwrap());
    // Its last words: the reader ends when the terminal closes behind the child.
    reading.join().unwrap();
    let text = seen.lock().unwrap().clone();
    (status.exit_code(), text)
}

#[test]
fn filter_at_a_terminal_shows_the_list_and_acts_only_on_yes() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    register(home.path(), &data, "Disk full on db1", "db");
    register(home.path(), &data, "Checkout API 502", "api");
    register(home.path(), &data, "Replication stuck", "db");
    let stop = || {
        let _ = piket(home.path(), &data, &["server", "stop"]);
    };

    let (code, text) = in_a_terminal(home.path(), &data, &["ack", "--filter", "--service", "db"], "n");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Disk full on db1") && text.contains("Replication stuck"), "{text}");
    assert!(text.contains("nothing was done"), "{text}");
    assert_eq!(status(home.path(), &data, "INC-1"), "triggered");

    let (code, text) = in_a_terminal(home.path(), &data, &["ack", "--filter", "--service", "db"], "y");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("INC-1 is acknowledged") && text.contains("INC-3 is acknowledged"), "{text}");
    assert_eq!(status(home.path(), &data, "INC-2"), "triggered");
    stop();
}

// ---- the confirmation's logic, headless --------------------------------------------------

mod headless {
    use chrono::Duration;
    use piket::domain::{Command, IncidentId, Status};
    use piket::tui::TuiSettings;
    use piket::tui::action::Action;
    use piket::tui::headless::Headless;

    use crate::common::tui::{I, U, World};

    #[test]
    fn marked_incidents_that_changed_elsewhere_are_named_as_left_out_and_stay_counted() {
        let w = World::empty();
        let ids: Vec<IncidentId> = ["Disk full", "API 502", "Replication stuck"]
            .iter()
            .map(|t| w.register(t, I::Medium, U::Medium, 3, &["db"]))
            .collect();
        let mut h =
            Headless::new(w.ana.clone(), &TuiSettings::default(), w.now() + Duration::minutes(3), 120, 40)
                .unwrap();
        h.act(Action::SelectFirst);
        for _ in 0..3 {
            h.act(Action::Mark);
        }
        assert_eq!(h.app.marks.ids, ids, "space marks and moves down");
        // Meanwhile bob acknowledges INC-2 and resolves INC-3 (out of the open queue).
        w.run("bob", Command::Acknowledge { id: ids[1] });
        w.run("bob", Command::Resolve { id: ids[2], summary: "replica rebuilt".into(), recovered_at: None });
        h.act(Action::SelectFirst);
        let screen = h.draw();
        assert!(screen.contains("3 marked · 1 not shown"), "{screen}");

        h.act(Action::Acknowledge);
        let screen = h.draw();
        assert!(screen.contains("Acknowledge 1 incident"), "{screen}");
        assert!(screen.contains("INC-2 marked, left out") && screen.contains("bob"), "{screen}");
        assert!(screen.contains("INC-3 marked, left out"), "{screen}");
        h.act(Action::Open);
        let inc1 = w.incident(ids[0]);
        assert_eq!(inc1.status, Status::Acknowledged);
        assert_eq!(inc1.acknowledged_by.as_deref(), Some("ana"));
        assert_eq!(w.incident(ids[1]).acknowledged_by.as_deref(), Some("bob"));
        // INC-1 is done and unmarked; the two left out stay marked, and the count says so.
        assert_eq!(h.app.marks.ids, vec![ids[1], ids[2]]);
        // Esc clears the marks before anything else on the queue.
        h.act(Action::Back);
        assert!(h.app.marks.is_empty());
    }

    /// A peer acknowledges the first marked incident between the confirmation and Enter: that
    /// one is refused and said, and the other marked incidents are still acknowledged.
    #[test]
    fn a_refusal_for_one_marked_incident_does_not_stop_the_others() {
        let w = World::empty();
        let ids: Vec<IncidentId> = ["Disk full", "API 502", "Replication stuck"]
            .iter()
            .map(|t| w.register(t, I::Medium, U::Medium, 3, &["db"]))
            .collect();
        let mut h =
            Headless::new(w.ana.clone(), &TuiSettings::default(), w.now() + Duration::minutes(3), 120, 40)
                .unwrap();
        h.act(Action::SelectFirst);
        for _ in 0..3 {
            h.act(Action::Mark);
        }
        h.act(Action::Acknowledge);
        let screen = h.draw();
        assert!(screen.contains("Acknowledge 3 incidents"), "{screen}");
        w.run("bob", Command::Acknowledge { id: ids[0] });
        h.act(Action::Open);
        assert_eq!(w.incident(ids[0]).acknowledged_by.as_deref(), Some("bob"));
        for id in &ids[1..] {
            let inc = w.incident(*id);
            assert_eq!(inc.status, Status::Acknowledged, "{id} was not sent after the refusal");
            assert_eq!(inc.acknowledged_by.as_deref(), Some("ana"));
        }
        let screen = h.draw();
        assert!(screen.contains("INC-1"), "the refusal names its incident: {screen}");
        assert_eq!(h.app.marks.ids, vec![ids[0]], "only the refused one stays marked");
    }

    /// While the confirmation is up, a click or the wheel over the queue moves nothing under
    /// it: the screen keeps matching what the confirmation says.
    #[test]
    fn the_mouse_moves_nothing_under_a_confirmation() {
        use piket::tui::app::Msg;
        use piket::tui::app::mouse::Mouse;
        let w = World::empty();
        for t in ["Disk full", "API 502", "Replication stuck"] {
            w.register(t, I::Medium, U::Medium, 3, &["db"]);
        }
        let mut h =
            Headless::new(w.ana.clone(), &TuiSettings::default(), w.now() + Duration::minutes(3), 120, 40)
                .unwrap();
        h.act(Action::SelectFirst);
        h.act(Action::Mark);
        h.act(Action::Acknowledge);
        let selected = h.app.selected();
        // The queue's third row, under the border and the column header.
        h.send(Msg::Mouse(Mouse::Click { column: 5, row: 5 }));
        h.send(Msg::Mouse(Mouse::Wheel { column: 5, row: 5, down: true }));
        assert_eq!(h.app.selected(), selected);
        assert!(h.app.marks.confirm.is_some(), "the confirmation stays up");
        h.act(Action::Back);
        h.send(Msg::Mouse(Mouse::Click { column: 5, row: 5 }));
        assert_ne!(h.app.selected(), selected, "without the confirmation a click selects");
    }
}
