//! All eight steps of the process in the TUI, through the real binary in a pty at 80x24:
//! registration to close, with the milestone times, the review, action items added and
//! completed, the drill flag and a correction, in at most 40 command keys. Typed text is not
//! counted; every other key is (form keys such as tab and ctrl-s included). What the keys
//! recorded is checked through `piket show --json` and `piket timeline`, as a script would.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use crate::common::pty::{Tui, piket};

const CTRL_S: &str = "\x13";
const TAB: &str = "\t";
const BACKTAB: &str = "\x1b[Z";
const ESC: &str = "\x1b";

/// The budget the issue sets for the whole process, action items included.
const BUDGET: usize = 40;

/// The TUI with a count of the command keys sent; typed text goes through [`Keys::text`].
struct Keys {
    tui: Tui,
    commands: Vec<&'static str>,
}

impl Keys {
    /// One command key.
    fn cmd(&mut self, key: &'static str) {
        self.commands.push(key);
        self.tui.keys(key);
    }

    /// Text typed into a field (not a command).
    fn text(&mut self, s: &str) {
        self.tui.keys(s);
    }

    fn wait_for(&mut self, needle: &str) {
        self.tui.wait_for(needle);
    }

    /// Wait until `needle` is on screen at least `n` times (the footer's confirmation and the
    /// timeline's row are two).
    fn wait_for_times(&mut self, needle: &str, n: usize) {
        let deadline = std::time::Instant::now() + crate::common::pty::WAIT_LIMIT;
        loop {
            let text = self.tui.text();
            if text.matches(needle).count() >= n {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "'{needle}' not {n} times on:\n{text}");
            std::thread::sleep(std::time::Duration::from_millis(30));
        }
    }
}

fn json(home: &Path, data: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = piket(home, data, &all);
    assert!(out.status.success(), "piket {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn text_of(home: &Path, data: &Path, args: &[&str]) -> String {
    let out = piket(home, data, args);
    assert!(out.status.success(), "piket {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_whole_process_with_action_items_fits_in_forty_command_keys_at_80x24() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    let mut k = Keys { tui: Tui::start(home.path(), &data), commands: Vec::new() };

    // 1. Register, and say when the impact started.
    k.cmd("n");
    k.wait_for("New incident");
    k.text("Checkout returns 502");
    k.cmd(CTRL_S);
    k.wait_for("INC-1: registered");
    k.cmd("L");
    k.wait_for("Milestone times · INC-1");
    k.text("10m ago");
    k.cmd(CTRL_S);
    k.wait_for("INC-1: impact-started time (unset) ->");

    // 2. Prioritise: impact up, P3 -> P2 (a review is now required to close).
    k.cmd("i");
    k.wait_for("(priority P2)");

    // 3. Acknowledge, take the commander role, contain.
    k.cmd("a");
    k.wait_for("INC-1: acknowledged");
    k.cmd("r");
    k.wait_for("Assign a role · INC-1");
    k.cmd(CTRL_S);
    k.wait_for(" is commander");
    k.cmd("c");
    k.wait_for("Containment · INC-1");
    k.text("stopped the deploy train");
    k.cmd(CTRL_S);
    k.wait_for("INC-1: containment: stopped the deploy train");

    // 4. Investigate: a note, corrected at once (the newest event), a finding, the root cause.
    k.cmd("m");
    k.wait_for("Note · INC-1");
    k.text("rolled back release 42");
    k.cmd(CTRL_S);
    // In the footer and on the timeline: the timeline the correction picks from has it.
    k.wait_for_times("rolled back release 42", 2);
    k.cmd("X");
    k.wait_for("Correct an event · INC-1");
    assert!(
        k.tui.text().lines().any(|l| l.contains("rolled back release 42") && l.contains('#')),
        "the correction form shows the event it corrects:\n{}",
        k.tui.text()
    );
    k.text("it was release 41");
    k.cmd(CTRL_S);
    k.wait_for("INC-1: correction of #");
    k.cmd("f");
    k.wait_for("Finding · INC-1");
    k.text("release 41 drops the auth header");
    k.cmd(CTRL_S);
    k.wait_for("INC-1: finding:");
    k.cmd("w");
    k.wait_for("Root cause · INC-1");
    k.text("a header rename without a contract test");
    k.cmd(TAB);
    k.text("release 41 deploy");
    k.cmd(TAB);
    k.text("no contract test\rno canary");
    k.cmd(CTRL_S);
    k.wait_for("INC-1: root cause:");

    // 6. Tell the stakeholders.
    k.cmd("u");
    k.wait_for("Status update · INC-1");
    k.cmd(TAB);
    k.text("checkout works again");
    k.cmd(CTRL_S);
    k.wait_for("INC-1: status update to stakeholders");

    // 5. Resolve.
    k.cmd("R");
    k.wait_for("Resolve · INC-1");
    k.text("rolled back to release 40");
    k.cmd(CTRL_S);
    k.wait_for("INC-1: resolved");

    // 8. The review on its own, an action item added, then completed, the drill flag, close.
    k.cmd("W");
    k.wait_for("Review · INC-1");
    k.cmd(BACKTAB);
    k.text("contract tests catch renames");
    k.cmd(CTRL_S);
    k.wait_for("INC-1: review recorded");
    k.cmd("F");
    k.wait_for("Action items · INC-1");
    k.wait_for("No action items yet.");
    k.text("contract test for the auth header");
    k.cmd(CTRL_S);
    k.wait_for("INC-1: action item #1 for");
    k.cmd("F");
    k.wait_for("#1 [ ] contract test for the auth header");
    k.cmd(BACKTAB);
    k.text("1");
    k.cmd(CTRL_S);
    k.wait_for("INC-1: action item #1 done");
    k.cmd("D");
    k.wait_for("Drill / near miss · INC-1");
    k.cmd(" ");
    k.cmd(CTRL_S);
    k.wait_for("INC-1: marked drill");
    k.cmd("C");
    k.wait_for("Review and close · INC-1");
    k.wait_for("Nothing is missing");
    // The root cause and the review recorded show in the close form, and are not sent again.
    assert!(k.tui.text().contains("contract tests catch renames"), "{}", k.tui.text());
    k.cmd(CTRL_S);
    k.wait_for("INC-1: closed");
    k.cmd("q");
    k.tui.assert_restored("q");

    assert!(
        k.commands.len() <= BUDGET,
        "{} command keys, more than {BUDGET}: {:?}",
        k.commands.len(),
        k.commands
    );

    let inc = json(home.path(), &data, &["show", "INC-1"]);
    assert_eq!(inc["status"], "closed", "{inc}");
    assert_eq!(inc["drill"], true, "{inc}");
    assert!(!inc["impact_started_at"].is_null(), "{inc}");
    assert_eq!(inc["root_cause"]["trigger"], "release 41 deploy", "{inc}");
    assert_eq!(
        inc["root_cause"]["contributing_factors"],
        serde_json::json!(["no contract test", "no canary"]),
        "{inc}"
    );
    assert_eq!(inc["review"]["lessons"], serde_json::json!(["contract tests catch renames"]), "{inc}");
    assert_eq!(inc["action_items"][0]["done"], true, "{inc}");
    assert_eq!(inc["action_items"][0]["text"], "contract test for the auth header", "{inc}");
    let timeline = text_of(home.path(), &data, &["timeline", "INC-1"]);
    assert!(timeline.contains("correction of #"), "{timeline}");
    assert!(timeline.contains("it was release 41"), "{timeline}");
    // One review and one root cause: the close form sent neither again.
    assert_eq!(timeline.matches("review recorded").count(), 1, "{timeline}");
    assert_eq!(timeline.matches("root cause:").count(), 1, "{timeline}");
}

#[test]
fn the_root_cause_form_shows_and_keeps_the_trigger_and_the_factors() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    let mut t = Tui::start(home.path(), &data);
    text_of(home.path(), &data, &["new", "disk full on db-2"]);
    text_of(
        home.path(),
        &data,
        &[
            "root-cause",
            "1",
            "logs not rotated",
            "--trigger",
            "a debug flag left on",
            "--factor",
            "no disk alert",
        ],
    );
    t.wait_for("disk full on db-2");
    t.wait_for("root cause: logs not rotated");

    t.keys("w");
    t.wait_for("Root cause · INC-1");
    let form = t.text();
    assert!(form.contains("a debug flag left on"), "the trigger is shown:\n{form}");
    assert!(form.contains("no disk alert"), "the factor is shown:\n{form}");

    // Unchanged: nothing to record, said on the form.
    t.keys(CTRL_S);
    t.wait_for("nothing changed");
    // A sharper cause keeps what set it off and what contributed.
    t.keys(" weekly");
    t.keys(CTRL_S);
    t.wait_for("INC-1: root cause: logs not rotated weekly");
    t.keys(ESC);
    t.keys("q");
    t.assert_restored("q");

    let inc = json(home.path(), &data, &["show", "INC-1"]);
    assert_eq!(inc["root_cause"]["root_cause"], "logs not rotated weekly", "{inc}");
    assert_eq!(inc["root_cause"]["trigger"], "a debug flag left on", "{inc}");
    assert_eq!(inc["root_cause"]["contributing_factors"], serde_json::json!(["no disk alert"]), "{inc}");
}

mod headless {
    //! Which event a correction is about; the action items a read-only user reads: headless,
    //! against the engine in memory.

    use chrono::Duration;
    use piket::domain::{Command, EventKind, IncidentId};
    use piket::tui::TuiSettings;
    use piket::tui::action::Action;
    use piket::tui::app::Msg;
    use piket::tui::form::Edit;
    use piket::tui::headless::Headless;

    use crate::common::tui::World;

    fn app(world: &World) -> Headless {
        let now = world.now() + Duration::minutes(3);
        Headless::new(world.ana.clone(), &TuiSettings::default(), now, 120, 40).unwrap()
    }

    /// The action items form at 80x24: the list above the fields, the keys below.
    #[test]
    fn the_action_items_form_at_80x24() {
        let w = World::empty();
        w.seed();
        let id = app(&w).app.selected().unwrap();
        let due = chrono::NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        w.run(
            "bo",
            Command::AddActionItem { id, text: "alert on pool saturation".into(), owner: "bo".into(), due },
        );
        w.run(
            "ana",
            Command::AddActionItem { id, text: "runbook for failover".into(), owner: "ana".into(), due },
        );
        w.run("ana", Command::CompleteActionItem { id, item: 2 });
        let now = w.now() + Duration::minutes(3);
        let mut h = Headless::new(w.ana.clone(), &TuiSettings::default(), now, 80, 24).unwrap();
        h.act(Action::ActionItems);
        insta::assert_snapshot!("action_items_80x24", h.draw());
    }

    fn corrected(world: &World, id: IncidentId) -> Vec<u32> {
        world
            .timeline(id)
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Correction { corrects, .. } => Some(*corrects),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_correction_is_about_the_event_under_the_timeline_cursor_else_the_newest() {
        let w = World::empty();
        w.seed();
        let id = app(&w).app.selected().unwrap();
        // More events than the timeline shows, so it scrolls.
        for n in 0..40 {
            w.run("ana", Command::Note { id, text: format!("note {n}") });
        }
        let mut h = app(&w);
        let newest = w.timeline(id).last().unwrap().seq;

        // From the queue: the newest event.
        h.act(Action::Correct);
        let form = h.app.form().unwrap();
        assert!(form.notes[0].starts_with(&format!("#{newest} ")), "{:?}", form.notes);
        assert_eq!(form.fields[0].value, newest.to_string());
        h.type_text("the time was off by an hour");
        h.act(Action::Submit);
        assert!(h.app.form().is_none(), "{:?}", h.app.message);
        assert_eq!(corrected(&w, id), vec![newest]);

        // The timeline focused: the cursor starts on the newest, highlighted with its number.
        h.act(Action::Open);
        let newest = w.timeline(id).last().unwrap().seq;
        let screen = h.draw();
        assert!(screen.contains(&format!("#{newest} ")), "the cursor's event shows its number:\n{screen}");
        // Two up: the cursor moves over the events (the newest is the correction just made).
        h.act(Action::SelectPrev);
        h.act(Action::SelectPrev);
        let under = newest - 2;
        let screen = h.draw();
        assert!(
            screen.lines().any(|l| l.contains(&format!("#{under} ")) && l.contains("note 38")),
            "the event under the cursor, with its number:\n{screen}"
        );
        assert!(!screen.contains(&format!("#{newest} ")), "one cursor:\n{screen}");
        h.act(Action::Correct);
        assert_eq!(h.app.form().unwrap().fields[0].value, under.to_string());
        assert!(
            h.app.form().unwrap().notes[0].ends_with("ana: note 38"),
            "{:?}",
            h.app.form().unwrap().notes
        );
        h.type_text("note 38 was bo's");
        h.act(Action::Submit);
        assert_eq!(corrected(&w, id), vec![newest - 1, under]);
        let newest = newest - 1;

        // Back at the start: the cursor brings the first event on screen, and X corrects it.
        h.act(Action::Open);
        h.act(Action::SelectFirst);
        assert_eq!(h.app.pane.timeline_top, Some(0), "the cursor keeps itself on screen");
        let screen = h.draw();
        assert!(screen.lines().any(|l| l.contains("#1 ") && l.contains("registered")), "{screen}");
        h.act(Action::Correct);
        let form = h.app.form().unwrap();
        assert!(form.notes[0].starts_with("#1 "), "{:?}", form.notes);
        assert!(h.draw().contains("registered"), "the form shows the event it corrects");
        h.type_text("reported by the support desk, not an alert");
        h.act(Action::Submit);
        assert_eq!(corrected(&w, id), vec![newest, under, 1]);

        // Another number typed: the line shown follows it, and the correction is about it.
        h.act(Action::Correct);
        h.act(Action::PrevField);
        h.send(Msg::Edit(Edit::Clear));
        h.type_text("3");
        let notes = h.app.form().unwrap().notes.clone();
        assert!(notes[0].starts_with("#3 ") && notes[0].ends_with("ana: note 1"), "{notes:?}");
        assert!(h.draw().contains(&notes[0]), "the form shows event #3:\n{}", h.draw());
        h.type_text("9999");
        assert!(h.draw().contains("No event #39999 on this timeline."), "{}", h.draw());
        h.send(Msg::Edit(Edit::Clear));
        h.type_text("#3");
        h.act(Action::NextField);
        h.type_text("the note was ana's second one");
        h.act(Action::Submit);
        assert_eq!(corrected(&w, id), vec![newest, under, 1, 3]);
    }
}

#[test]
fn a_read_only_user_reads_the_action_items_and_sends_nothing() {
    use chrono::NaiveDate;
    use piket::domain::{Command, IncidentId};
    use piket::tui::TuiSettings;
    use piket::tui::action::Action;
    use piket::tui::headless::Headless;

    let w = crate::common::tui::World::empty();
    w.seed();
    let id = IncidentId(1);
    let due = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    w.run(
        "bo",
        Command::AddActionItem { id, text: "alert on pool saturation".into(), owner: "bo".into(), due },
    );
    w.ana.set_read_only(true);
    let mut h = Headless::new(w.ana.clone(), &TuiSettings::default(), w.now(), 120, 40).unwrap();
    while h.app.selected() != Some(id) {
        let before = h.app.selected();
        h.act(Action::SelectNext);
        assert_ne!(before, h.app.selected(), "INC-1 is not in the queue");
    }
    let before = w.events_recorded();
    h.act(Action::ActionItems);
    let screen = h.draw();
    assert!(screen.contains("#1 [ ] alert on pool saturation · bo · due 2027-01-15"), "{screen}");
    assert!(screen.contains("read-only"), "the form says nothing can be sent:\n{screen}");
    h.type_text("a second item");
    h.act(Action::Submit);
    assert!(h.app.form().is_none());
    assert!(h.draw().contains("not sent: read-only"), "{}", h.draw());
    assert_eq!(w.events_recorded(), before, "a read-only user's form recorded something");
}
