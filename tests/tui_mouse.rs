//! The mouse and the clipboard through the real binary in a pseudo-terminal: SGR mouse reports
//! written to the pty as a terminal would send them (`ESC [ < b ; col ; row M`, 1-based); a
//! click selects the incident under it and focuses the pane under it, the wheel moves through
//! the queue; `[tui] mouse = false` leaves the mouse to the terminal. `y` and `Y` put the id and
//! a one-line summary on the clipboard through OSC 52.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::pty::{Launch, Tui, WAIT_LIMIT, piket};

/// What a terminal sends when mouse capture is on (any-event tracking and SGR coordinates).
const MOUSE_ON: &[u8] = b"\x1b[?1000h";
const MOUSE_OFF: &[u8] = b"\x1b[?1000l";

fn new_incident(home: &Path, data: &Path, title: &str) {
    let out = piket(home, data, &["new", title, "-i", "low", "-u", "low", "--severity", "4"]);
    assert!(out.status.success(), "piket new: {}", String::from_utf8_lossy(&out.stderr));
}

/// Three incidents of the same priority, in the order they were opened.
fn three_incidents(home: &Path, data: &Path) {
    for title in ["alpha one", "bravo two", "charlie three"] {
        new_incident(home, data, title);
    }
}

/// The screen row (0-based) on which the queue shows INC-`id`.
fn row_of(t: &Tui, id: u32) -> u16 {
    let needle = format!("│INC-{id} ");
    let text = t.text();
    let row = text.lines().position(|l| l.contains(&needle));
    u16::try_from(row.unwrap_or_else(|| panic!("INC-{id} is not in the queue:\n{text}"))).unwrap()
}

/// A press and a release of the left button at a 0-based cell.
fn click(t: &mut Tui, col: u16, row: u16) {
    t.keys(&format!("\x1b[<0;{};{}M\x1b[<0;{};{}m", col + 1, row + 1, col + 1, row + 1));
}

/// One notch of the wheel, down, at a 0-based cell.
fn wheel_down(t: &mut Tui, col: u16, row: u16) {
    t.keys(&format!("\x1b[<65;{};{}M", col + 1, row + 1));
}

/// The colour of the top-left corner of the box that starts at `row` and `col`: the accent
/// colour while its pane has the focus.
fn corner_colour(t: &Tui, row: u16, col: u16) -> vt100::Color {
    t.screen.lock().unwrap().screen().cell(row, col).unwrap().fgcolor()
}

fn wait(what: &str, t: &Tui, mut f: impl FnMut(&Tui) -> bool) {
    let deadline = Instant::now() + WAIT_LIMIT;
    while !f(t) {
        assert!(Instant::now() < deadline, "{what}; the screen:\n{}", t.text());
        std::thread::sleep(Duration::from_millis(30));
    }
}

#[test]
fn a_click_selects_and_focuses_and_the_wheel_scrolls() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    three_incidents(home.path(), &data);
    let mut t = Tui::start(home.path(), &data);
    t.wait_for("charlie three");
    assert!(
        t.seen.lock().unwrap().bytes.windows(MOUSE_ON.len()).any(|w| w == MOUSE_ON),
        "mouse capture is on"
    );

    // The detail pane's title names the selected incident.
    let row = row_of(&t, 2);
    click(&mut t, 20, row);
    t.wait_for("INC-2 · bravo two");

    // The queue has the focus: its corner is drawn in the accent colour, the detail pane's not.
    let detail_top =
        u16::try_from(t.text().lines().position(|l| l.contains("INC-2 · bravo two")).unwrap()).unwrap();
    let focused = corner_colour(&t, 1, 0);
    assert_ne!(corner_colour(&t, detail_top, 0), focused, "{}", t.text());
    // A click on the detail pane gives it the focus.
    click(&mut t, 10, detail_top + 2);
    wait("the detail pane never took the focus", &t, |t| {
        corner_colour(t, detail_top, 0) == focused && corner_colour(t, 1, 0) != focused
    });
    assert!(t.text().contains("INC-2 · bravo two"), "a click on the detail pane keeps the selection");

    // The wheel over the queue moves to the next row, and the queue has the focus again.
    let row = row_of(&t, 2);
    wheel_down(&mut t, 20, row);
    let next = if row_of(&t, 3) > row_of(&t, 1) { "INC-3 · charlie three" } else { "INC-1 · alpha one" };
    t.wait_for(next);
    wait("the queue never took the focus back", &t, |t| corner_colour(t, 1, 0) == focused);

    // A click on another row selects that one.
    let row = row_of(&t, 1);
    click(&mut t, 5, row);
    t.wait_for("INC-1 · alpha one");

    t.keys("q");
    t.assert_restored("q");
    assert!(
        crate::common::pty::find_last(&t.seen.lock().unwrap().bytes, MOUSE_OFF).is_some(),
        "mouse capture is switched off on the way out"
    );
}

#[test]
fn with_the_mouse_off_piket_leaves_it_to_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    let dir = home.path().join("config").join("piket");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), "[tui]\nmouse = false\n").unwrap();
    three_incidents(home.path(), &data);
    let mut t = Tui::launch(home.path(), &data, &Launch::default());
    t.wait_for("charlie three");
    assert!(
        !t.seen.lock().unwrap().bytes.windows(MOUSE_ON.len()).any(|w| w == MOUSE_ON),
        "mouse capture was turned on although the config says no"
    );
    t.keys("q");
    t.assert_restored("q");
}

/// The OSC 52 sequences the app sent, decoded.
fn copied(t: &Tui) -> Vec<String> {
    let bytes = t.seen.lock().unwrap().bytes.clone();
    let mut out = Vec::new();
    let mut rest = &bytes[..];
    while let Some(at) = rest.windows(7).position(|w| w == b"\x1b]52;c;") {
        let body = &rest[at + 7..];
        let Some(end) = body.iter().position(|&b| b == 0x07) else { break };
        out.push(base64_decode(std::str::from_utf8(&body[..end]).unwrap()));
        rest = &body[end..];
    }
    out
}

/// A decoder for the test's side, written apart from piket's encoder so the two check each
/// other.
fn base64_decode(s: &str) -> String {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        other => panic!("not base64: {other}"),
    };
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|&c| c != b'=') {
        bits = (bits << 6) | u32::from(value(c));
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push(u8::try_from((bits >> n) & 0xff).unwrap());
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn y_copies_the_id_and_capital_y_a_summary_through_osc_52() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    three_incidents(home.path(), &data);
    new_incident(home.path(), &data, "evil \x1b]52;c;ZXZpbA==\x07 title");
    let mut t = Tui::start(home.path(), &data);
    t.wait_for("charlie three");
    let row = row_of(&t, 2);
    click(&mut t, 20, row);
    t.wait_for("INC-2 · bravo two");

    t.keys("y");
    t.wait_for("copied to the clipboard: INC-2");
    wait("no OSC 52 sequence with the id", &t, |t| copied(t) == ["INC-2"]);

    t.keys("Y");
    t.wait_for("copied to the clipboard: INC-2 P");
    wait("no OSC 52 sequence with the summary", &t, |t| copied(t).len() == 2);
    let summary = &copied(&t)[1];
    assert!(summary.starts_with("INC-2 P") && summary.contains("bravo two"), "{summary}");

    // A title with its own OSC 52 inside reaches the clipboard as text only.
    let row = row_of(&t, 4);
    click(&mut t, 20, row);
    t.wait_for("INC-4 ·");
    t.keys("Y");
    wait("no third OSC 52 sequence", &t, |t| copied(t).len() == 3);
    let third = &copied(&t)[2];
    assert!(third.contains("evil") && third.contains("title"), "{third}");
    assert!(!third.contains('\x1b') && !third.contains('\x07'), "{third:?}");
    assert!(!copied(&t).iter().any(|c| c == "evil"), "the title's own sequence never reached the terminal");

    t.keys("q");
    t.assert_restored("q");
}
