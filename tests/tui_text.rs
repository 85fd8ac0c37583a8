//! Text in forms through the real binary in a pseudo-terminal: a bracketed paste with CR line
//! breaks and tabs, `ctrl-e` with a scripted `$EDITOR`, and the form's own message when the
//! server is away (the form covers the footer, so a message only there is never seen).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::pty::{Launch, Tui, find_last, piket};

const CTRL_S: &str = "\x13";
const CTRL_E: &str = "\x05";

fn ok(home: &Path, data: &Path, args: &[&str]) -> String {
    let out = piket(home, data, args);
    assert!(out.status.success(), "piket {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The text of the one note on the incident's timeline, as stored.
fn note_text(home: &Path, data: &Path) -> String {
    let timeline: serde_json::Value =
        serde_json::from_str(&ok(home, data, &["--json", "timeline", "INC-1"])).unwrap();
    let note = timeline.as_array().unwrap().iter().find(|e| e["kind"] == "note").expect("a note");
    note["data"]["text"].as_str().unwrap().to_owned()
}

/// The column (in characters) where `needle` starts on the first row that holds it.
fn column(screen: &str, needle: &str) -> usize {
    let row =
        screen.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no '{needle}' in:\n{screen}"));
    row[..row.find(needle).unwrap()].chars().count()
}

fn with_incident() -> (tempfile::TempDir, std::path::PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    ok(home.path(), &data, &["new", "Checkout 502", "-i", "high", "-u", "high", "--severity", "1"]);
    (home, data)
}

/// Terminals send a pasted line break as CR. The note keeps its lines (LF), its tab and its
/// indentation, on screen while it is written and in the record after.
#[test]
fn a_bracketed_paste_keeps_lines_tabs_and_indentation() {
    let (home, data) = with_incident();
    let mut t = Tui::start(home.path(), &data);
    t.wait_for("Checkout 502");
    t.keys("m");
    t.wait_for("Note · INC-1");
    t.keys("\x1b[200~panic: pool exhausted\r\tat db.rs:12\r    caused by: timeout\r\x1b[201~");
    t.wait_for("caused by: timeout");
    let screen = t.text();
    let first = column(&screen, "panic: pool exhausted");
    assert_eq!(column(&screen, "at db.rs:12"), first + 8, "the tab reaches the next tab stop:\n{screen}");
    assert_eq!(column(&screen, "caused by: timeout"), first + 4, "the indentation is kept:\n{screen}");
    assert_ne!(
        screen.lines().position(|l| l.contains("panic: pool")),
        screen.lines().position(|l| l.contains("at db.rs")),
        "each pasted line on its own row:\n{screen}"
    );
    t.keys(CTRL_S);
    t.wait_for("INC-1: panic: pool exhausted");
    assert_eq!(note_text(home.path(), &data), "panic: pool exhausted\n\tat db.rs:12\n    caused by: timeout");
}

/// ctrl-e writes the note in `$EDITOR`: a script that records what it was given (the mode of
/// its file, the text typed so far, the terminal's line discipline) and writes two lines.
#[test]
fn ctrl_e_writes_the_field_in_the_editor_on_a_private_file_removed_after() {
    let (home, data) = with_incident();
    let h = home.path();
    let tmp = h.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let script = h.join("editor.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\n\
         stat -c %a \"$1\" > \"$HOME/editor-mode\"\n\
         printf '%s\\n' \"$1\" > \"$HOME/editor-path\"\n\
         cat \"$1\" > \"$HOME/editor-got\"\n\
         stty -a > \"$HOME/editor-stty\"\n\
         printf 'from the editor\\n\\tindented line\\n' > \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    let launch = Launch {
        env: vec![("EDITOR", script.to_str().unwrap()), ("VISUAL", ""), ("TMPDIR", tmp.to_str().unwrap())],
        ..Launch::default()
    };
    let mut t = Tui::launch(h, &data, &launch);
    t.wait_for("Checkout 502");
    t.keys("m");
    t.wait_for("Note · INC-1");
    t.keys("typed first");
    t.wait_for("typed first");
    let entered = t.seen.lock().unwrap().bytes.len();
    t.keys(CTRL_E);
    t.wait_for("from the editor");
    t.wait_for("Note · INC-1");

    assert_eq!(std::fs::read_to_string(h.join("editor-got")).unwrap(), "typed first");
    assert_eq!(std::fs::read_to_string(h.join("editor-mode")).unwrap().trim(), "600");
    let path = std::fs::read_to_string(h.join("editor-path")).unwrap();
    assert!(path.trim().starts_with(tmp.to_str().unwrap()), "the file is in TMPDIR: {path}");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "the temporary file and its directory are removed"
    );
    let stty = std::fs::read_to_string(h.join("editor-stty")).unwrap();
    assert!(stty.contains(" icanon") && stty.contains(" echo "), "the editor got a cooked terminal:\n{stty}");
    // Handed over and taken back: the main screen for the editor, then the alternate one.
    let after = t.seen.lock().unwrap().bytes[entered..].to_vec();
    let left = find_last(&after, b"\x1b[?1049l").expect("the editor gets the main screen");
    let back = find_last(&after, b"\x1b[?1049h").expect("piket takes the alternate screen back");
    assert!(left < back, "left, then came back");

    let screen = t.text();
    assert_eq!(column(&screen, "indented line"), column(&screen, "from the editor") + 8, "{screen}");
    t.keys(CTRL_S);
    t.wait_for("INC-1: from the editor");
    assert_eq!(note_text(h, &data), "from the editor\n\tindented line");
}

/// kill -9 under an open queue, and no server can start again (a config it refuses): ctrl-s
/// in a form says inside the form that nothing was sent, and the form keeps what was typed.
#[test]
fn a_form_says_inside_itself_that_nothing_was_sent_while_the_server_is_away() {
    let (home, data) = with_incident();
    let h = home.path();
    let mut t = Tui::start(h, &data);
    t.wait_for("Checkout 502");
    let status: serde_json::Value =
        serde_json::from_str(&ok(h, &data, &["server", "status", "--json"])).unwrap();
    let pid = i32::try_from(status["pid"].as_u64().unwrap()).unwrap();
    let config_dir = h.join("config").join("piket");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(config_dir.join("config.toml"), "this is = = not toml\n").unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL).unwrap();
    t.wait_for("no piket server answers");

    t.keys("m");
    t.wait_for("Note · INC-1");
    t.keys("rolled back release 42");
    t.keys(CTRL_S);
    t.wait_for("not sent: the piket server is away");
    let screen = t.text();
    let row = screen.lines().find(|l| l.contains("not sent: the piket server is away")).unwrap();
    assert!(row.trim_start().starts_with('│'), "the message is inside the form's box:\n{screen}");
    assert!(screen.contains("Note · INC-1") && screen.contains("rolled back release 42"), "{screen}");
}

// ---- feedback on the main screen, headless -------------------------------------------------

mod feedback {
    use chrono::Duration;
    use piket::domain::IncidentId;
    use piket::tui::TuiSettings;
    use piket::tui::action::Action;
    use piket::tui::headless::Headless;
    use ratatui::style::Modifier;

    use crate::common::tui::World;

    fn read_only_app() -> (World, Headless) {
        let w = World::empty();
        w.seed();
        w.ana.set_read_only(true);
        let now = w.now() + Duration::minutes(3);
        let mut h = Headless::new(w.ana.clone(), &TuiSettings::default(), now, 160, 48).unwrap();
        h.act(Action::SelectFirst);
        while h.app.queue.selected != Some(IncidentId(1)) {
            h.act(Action::SelectNext);
        }
        (w, h)
    }

    /// The cell where `needle` starts on the screen.
    fn find(h: &Headless, needle: &str) -> Option<(u16, u16)> {
        let buf = h.terminal.backend().buffer();
        let area = buf.area;
        (0..area.height).find_map(|y| {
            let row: String = (0..area.width).map(|x| buf[(x, y)].symbol().to_owned()).collect();
            row.find(needle).map(|i| (u16::try_from(row[..i].chars().count()).unwrap(), y))
        })
    }

    /// A read-only user sees what the record would allow greyed out, with the reason on the
    /// actions' heading, instead of a pane that offers nothing and says nothing.
    #[test]
    fn a_read_only_user_sees_the_writes_greyed_with_the_reason() {
        let (_w, mut h) = read_only_app();
        let screen = h.draw();
        let heading = screen.lines().find(|l| l.contains("actions now")).expect(&screen);
        assert!(heading.contains("read-only: ana is listed"), "{heading}");
        let (x, y) = find(&h, " a acknowledge").unwrap_or_else(|| panic!("no acknowledge:\n{screen}"));
        let x = x + 3;
        let cell = &h.terminal.backend().buffer()[(x, y)];
        assert!(cell.modifier.contains(Modifier::DIM), "acknowledge is not greyed: {cell:?}\n{screen}");
        let (x, y) = find(&h, " x export").unwrap();
        let x = x + 3;
        assert!(!h.terminal.backend().buffer()[(x, y)].modifier.contains(Modifier::DIM), "export reads only");
        // Enter on the pane still runs what it can (export), never a greyed write.
        let offered = h.app.possible_actions();
        assert!(offered.contains(&Action::Export) && offered.iter().all(|a| !a.writes()), "{offered:?}");
    }

    /// A filter set used to take the footer's first line for good: a refused key said nothing.
    #[test]
    fn a_refusal_shows_in_the_footer_with_a_filter_set_and_the_filter_stays_named() {
        let (_w, mut h) = read_only_app();
        h.act(Action::Filter);
        h.type_text("checkout\n");
        assert!(!h.app.queue.filtering, "the filter is applied");
        h.act(Action::Acknowledge);
        let screen = h.draw();
        let footer = screen.lines().rev().nth(1).unwrap();
        assert!(footer.contains("acknowledge would change the record; read-only"), "{footer}");
        assert!(footer.contains("/ checkout"), "the filter is still named: {footer}");
        // The next key clears the message; the filter line is back.
        h.act(Action::SelectNext);
        let screen = h.draw();
        assert!(screen.lines().rev().nth(1).unwrap().contains("/ checkout"), "{screen}");
    }

    /// The row under "actions now", in the pane's columns.
    fn under_heading(screen: &str) -> String {
        let rows: Vec<&str> = screen.lines().collect();
        let at = rows.iter().position(|l| l.contains("actions now")).unwrap_or_else(|| panic!("{screen}"));
        let col = rows[at][..rows[at].find("actions now").unwrap()].chars().count();
        rows[at + 1].chars().skip(col).take(20).collect()
    }

    /// At 80x24 every incident, a closed one included, shows its actions' heading with an
    /// action under it; what does not fit is counted; with the pane focused, the selected
    /// action is always on screen.
    #[test]
    fn the_actions_pane_is_never_blank_and_counts_what_is_below() {
        use piket::domain::Command;
        let w = World::empty();
        w.seed();
        let id = IncidentId(5);
        w.run(
            "ana",
            Command::SetRootCause {
                id,
                root_cause: "too little memory".into(),
                trigger: None,
                contributing_factors: vec![],
            },
        );
        w.run("ana", Command::Close { id });
        let now = w.now() + Duration::minutes(3);
        let mut h = Headless::new(w.ana.clone(), &TuiSettings::default(), now, 80, 24).unwrap();
        h.act(Action::ToggleClosed);
        h.act(Action::SelectFirst);
        let screen = h.draw();
        let below = screen.lines().find(|l| l.contains("more below · tab")).expect(&screen);
        let n: usize =
            below.split('↓').nth(1).and_then(|r| r.split_whitespace().next()).unwrap().parse().unwrap();
        let shown = screen.lines().filter(|l| l.contains("actions now")).count();
        assert!(shown == 1 && n > 0, "INC-1 has more actions than rows, counted:\n{screen}");
        let listed = h.app.possible_actions().len();
        let on_screen = listed - n;
        assert!(on_screen >= 1, "{screen}");
        let rows: Vec<&str> = screen.lines().collect();
        let at = rows.iter().position(|l| l.contains("actions now")).unwrap();
        let end = rows.iter().position(|l| l.contains("more below · tab")).unwrap();
        assert_eq!(end - at - 1, on_screen, "the count is what is not on screen:\n{screen}");
        for _ in 0..5 {
            let screen = h.draw();
            assert!(!under_heading(&screen).trim().is_empty(), "nothing under the heading:\n{screen}");
            h.act(Action::SelectNext);
        }
        assert_eq!(h.app.queue.selected, Some(id));
        assert!(h.draw().contains("■ closed"));

        h.act(Action::SelectFirst);
        h.act(Action::FocusNext);
        h.act(Action::FocusNext);
        let all = h.app.possible_actions();
        for a in &all {
            let screen = h.draw();
            let key = h.app.keymap.first(*a).unwrap();
            let label = a.name().replace('_', " ");
            assert!(screen.contains(&format!("{key} {label}")), "{a:?} selected but not shown:\n{screen}");
            assert!(screen.contains("actions now"), "{screen}");
            h.act(Action::SelectNext);
        }
    }
}
