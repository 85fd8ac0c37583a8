//! The real binary in a pseudo-terminal (portable-pty + vt100): a whole incident through the
//! keyboard, checked on the screen and through `piket show --json`; a page of the terminal's
//! own user rings its bell; the terminal is left as it was found (main screen, cursor shown,
//! cooked mode) on quit, on SIGTERM, SIGHUP and SIGINT, and when the server goes away.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::http;

use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use crate::common::pty::{COLS, ROWS, Tui, WAIT_LIMIT, local_flags, piket};

const CTRL_S: &str = "\x13";

fn show_json(home: &Path, data: &Path, id: &str) -> serde_json::Value {
    let out = piket(home, data, &["--json", "show", id]);
    assert!(out.status.success(), "piket show failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_whole_incident_through_the_keyboard() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    let mut t = Tui::start(home.path(), &data);

    // Register through the form: title, services, defaults for impact/urgency (P3), SEV2.
    t.keys("n");
    t.wait_for("New incident");
    t.keys("Checkout returns 502\r");
    t.keys("checkout\t\t\t");
    t.keys("2");
    t.keys(CTRL_S);
    t.wait_for("INC-1: registered");
    t.wait_for("P3");

    t.keys("a");
    t.wait_for("INC-1: acknowledged");

    // The keyboard-driven priority update: impact up, urgency up: P3 -> P2 -> P1.
    t.keys("i");
    t.wait_for("impact medium -> high (priority P2)");
    t.keys("t");
    t.wait_for("urgency medium -> high (priority P1)");

    t.keys("m");
    t.wait_for("Note · INC-1");
    t.keys("rolled back release 42\rerror rate falling");
    t.keys(CTRL_S);
    t.wait_for("INC-1: rolled back release 42");

    t.keys("R");
    t.wait_for("Resolve · INC-1");
    t.keys("rollback restored checkout");
    t.keys(CTRL_S);
    t.wait_for("INC-1: resolved");

    // Resolved incidents leave the open queue; show them and close through the review form.
    t.keys("A");
    t.wait_for("✓ resolved");
    t.keys("C");
    t.wait_for("Closing still needs:");
    assert!(t.text().contains("a root cause"), "{}", t.text());
    t.keys("release 42 dropped a header the gateway needs\t");
    t.keys("rollback took 3 minutes\t\t\t");
    t.keys("canary releases for the gateway path");
    t.keys(CTRL_S);
    t.wait_for("INC-1: root cause");
    t.wait_for("■ closed");

    t.keys("q");
    t.assert_restored("q");

    let inc = show_json(home.path(), &data, "INC-1");
    let s = inc.to_string();
    assert!(s.contains("\"closed\""), "{s}");
    assert!(s.contains("canary releases for the gateway path"), "{s}");
    assert!(s.contains("Checkout returns 502"), "{s}");
    assert!(s.contains("rollback restored checkout"), "{s}");
}

fn ok(home: &Path, data: &Path, args: &[&str]) -> String {
    let out = piket(home, data, args);
    assert!(out.status.success(), "piket {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn the_os_user() -> String {
    let out = std::process::Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Three responders on one host: two queues and a script, one server, one live record.
#[test]
fn two_queues_and_a_script_share_one_live_record() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    ok(home.path(), &data, &["new", "Disk full on db-1", "-i", "high", "-u", "high", "--severity", "2"]);
    let mut one = Tui::start(home.path(), &data);
    let mut two = Tui::start(home.path(), &data);
    one.wait_for("Disk full on db-1");
    two.wait_for("Disk full on db-1");

    // An acknowledge in one queue shows in the other, through the change feed.
    one.keys("a");
    one.wait_for("INC-1: acknowledged");
    two.wait_for("◐");
    // A script's change shows in both.
    ok(home.path(), &data, &["note", "1", "purging old WAL segments"]);
    one.wait_for("purging old WAL");
    two.wait_for("purging old WAL");

    // The actor of each event is the OS user the server saw on the socket.
    let timeline: serde_json::Value =
        serde_json::from_str(&ok(home.path(), &data, &["--json", "timeline", "1"])).unwrap();
    let ack = &timeline[1];
    assert_eq!(ack["actor"], the_os_user().as_str(), "{ack}");
    assert_eq!(ack["source"], "tui", "{ack}");
    assert_eq!(timeline[2]["source"], "cli");
}

/// The server dies under an open queue and comes back: banner, refused write, reconnect, and
/// what was committed meanwhile on screen.
/// The pid of the server answering for `data`, or `None`; `server status` never starts one.
fn server_pid(home: &Path, data: &Path) -> Option<u64> {
    let out = piket(home, data, &["server", "status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    status["pid"].as_u64()
}

/// kill -9 under an open queue: the queue says so and sends nothing while no server can be
/// started (here: a config the new server refuses, with the reason on the banner); once one
/// can, the queue starts it itself (no other piket runs meanwhile), and a change made through
/// the CLI afterwards shows on its screen.
#[test]
fn a_queue_restarts_its_dead_server() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    ok(home.path(), &data, &["new", "Checkout 502", "-i", "high", "-u", "high", "--severity", "1"]);
    let mut t = Tui::start(home.path(), &data);
    t.wait_for("Checkout 502");
    let old = server_pid(home.path(), &data).unwrap();

    let config_dir = home.path().join("config").join("piket");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(config_dir.join("config.toml"), "this is = = not toml\n").unwrap();
    let pid = nix::unistd::Pid::from_raw(i32::try_from(old).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).unwrap();

    t.wait_for("no piket server answers");
    t.keys("a");
    t.wait_for("not sent");

    // The config is fixed: the queue's next attempt brings a server up, by itself.
    std::fs::write(config_dir.join("config.toml"), "").unwrap();
    let deadline = Instant::now() + WAIT_LIMIT;
    let new = loop {
        if let Some(p) = server_pid(home.path(), &data).filter(|p| *p != old) {
            break p;
        }
        assert!(Instant::now() < deadline, "the queue did not start a server:\n{}", t.text());
        std::thread::sleep(Duration::from_millis(30));
    };
    while t.text().contains("no piket server answers") || t.text().contains("went away") {
        assert!(Instant::now() < deadline, "the banner stays:\n{}", t.text());
        std::thread::sleep(Duration::from_millis(30));
    }

    ok(home.path(), &data, &["ack", "1"]);
    ok(home.path(), &data, &["note", "1", "after the restart"]);
    t.wait_for("after the restart");
    t.wait_for("◐");
    assert_eq!(server_pid(home.path(), &data), Some(new), "the CLI used the queue's server");
}

fn signal_restores(sig: nix::sys::signal::Signal) {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    let mut t = Tui::start(home.path(), &data);
    assert!(t.screen.lock().unwrap().screen().alternate_screen(), "the TUI runs on the alternate screen");
    assert_ne!(local_flags(&*t._pair.master), t.cooked, "the TUI runs in raw mode");
    let pid = t.child.process_id().unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap()), sig).unwrap();
    t.assert_restored(sig.as_ref());
}

#[test]
fn the_quit_key_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    let mut t = Tui::start(home.path(), &data);
    t.keys("q");
    t.assert_restored("q");
}

/// `kill -INT`: raw mode turns the ctrl-c key into a key, but a signal still comes from kill
/// or a supervisor, and it used to end piket with the terminal on the alternate screen.
#[test]
fn sigint_restores_the_terminal() {
    signal_restores(nix::sys::signal::Signal::SIGINT);
}

/// The server is killed under an open queue: the queue keeps running with its banner (it does
/// not end, so there is nothing to restore yet), and quitting it then restores the terminal.
#[test]
fn a_queue_whose_server_dies_keeps_running_and_restores_the_terminal_on_quit() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    ok(home.path(), &data, &["new", "Checkout 502", "-i", "high", "-u", "high", "--severity", "1"]);
    let mut t = Tui::start(home.path(), &data);
    t.wait_for("Checkout 502");
    t.watch("went away");
    let status: serde_json::Value =
        serde_json::from_str(&ok(home.path(), &data, &["server", "status", "--json"])).unwrap();
    let pid = i32::try_from(status["pid"].as_u64().unwrap()).unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL).unwrap();
    t.wait_saw("went away");
    assert!(t.child.try_wait().unwrap().is_none(), "the queue ended when its server died");
    assert!(t.screen.lock().unwrap().screen().alternate_screen(), "{}", t.text());
    t.wait_for("Checkout 502");
    t.keys("q");
    t.assert_restored("q with the server gone");
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores(nix::sys::signal::Signal::SIGTERM);
}

#[test]
fn sighup_restores_the_terminal() {
    signal_restores(nix::sys::signal::Signal::SIGHUP);
}

/// Run by `a_panic_restores_the_terminal` in a pty: the same hook order as `main`
/// (color-eyre first, then the terminal guard, which chains ratatui's restoring hook in front),
/// then a panic while the app is on the alternate screen.
#[test]
#[ignore = "a child process for a_panic_restores_the_terminal, not a test on its own"]
fn panic_child() {
    if std::env::var_os("PIKET_PANIC_CHILD").is_none() {
        return;
    }
    color_eyre::config::HookBuilder::default().display_env_section(false).install().unwrap();
    let mut guard = piket::tui::terminal::TerminalGuard::new().unwrap();
    guard.terminal().draw(|f| f.render_widget("piket is drawing", f.area())).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    panic!("boom: something broke mid-incident");
}

#[test]
fn a_panic_restores_the_terminal() {
    let pair = native_pty_system()
        .openpty(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 })
        .unwrap();
    let mut cmd = CommandBuilder::new(std::env::current_exe().unwrap());
    cmd.args(["--ignored", "--exact", "tui_pty::panic_child", "--nocapture", "--test-threads=1"]);
    cmd.env("PIKET_PANIC_CHILD", "1");
    cmd.env("RUST_BACKTRACE", "0");
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    let mut reader = pair.master.try_clone_reader().unwrap();
    let screen = Arc::new(Mutex::new(vt100::Parser::new(
        std::num::NonZero::new(ROWS).unwrap(),
        std::num::NonZero::new(COLS).unwrap(),
        0,
    )));
    let sink = Arc::clone(&screen);
    let saw_alternate = Arc::new(Mutex::new(false));
    let saw = Arc::clone(&saw_alternate);
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut p = sink.lock().unwrap();
            p.process(&buf[..n]);
            if p.screen().alternate_screen() {
                *saw.lock().unwrap() = true;
            }
        }
    });
    let deadline = Instant::now() + WAIT_LIMIT;
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the panicking child did not exit");
        std::thread::sleep(Duration::from_millis(30));
    }
    std::thread::sleep(Duration::from_millis(300));
    let p = screen.lock().unwrap();
    assert!(*saw_alternate.lock().unwrap(), "the child never entered the alternate screen");
    assert!(!p.screen().alternate_screen(), "still on the alternate screen after a panic");
    assert!(
        p.screen().contents().contains("boom: something broke mid-incident"),
        "{}",
        p.screen().contents()
    );
}

/// A rota in which this machine's OS user is the only person, on call in `ops`, the policy of
/// service `db`.
fn write_rota_config(home: &Path) {
    let dir = home.join("config").join("piket");
    std::fs::create_dir_all(&dir).unwrap();
    let config = format!(
        r#"
[people.me]
user = "{}"

[schedules.ops]
rotations = [{{ members = ["me"], shift = "weekly", handoff = "09:00", start = "2026-01-05" }}]

[escalation-policies.ops]
levels = [{{ targets = ["schedule:ops"], timeout = "15m" }}]

[services.db]
escalation-policy = "ops"
"#,
        the_os_user()
    );
    std::fs::write(dir.join("config.toml"), config).unwrap();
}

/// The server's scheduler pages level 1 of a new incident, which reaches this terminal's own
/// user: the bell rings once and the banner says what to press; a page by hand from another
/// client rings again; a note does not; a terminal opened afterwards does not ring for pages
/// that are history.
#[test]
fn a_page_for_this_user_rings_the_bell_and_shows_a_banner() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    write_rota_config(home.path());
    let mut t = Tui::start(home.path(), &data);
    t.wait_for("on call: me (ops)");
    assert_eq!(t.bells(), 0);

    ok(
        home.path(),
        &data,
        &["new", "db primary down", "-s", "db", "-i", "high", "-u", "high", "--severity", "2"],
    );
    t.wait_for("PAGED: INC-1 level 1 — db primary down — ! ack INC-1 (paged)");
    t.wait_for_bells(1);

    // Another client pages level 1 again by hand, through the API on the socket.
    let socket = std::os::unix::net::UnixStream::connect(data.join("piket.sock")).unwrap();
    let body = br#"{"command":"page","id":1,"level":1,"reason":"still down after the failover"}"#;
    let (status, answer) = http::request(socket, "POST", "/v1/commands?source=cli", "", body);
    assert_eq!(status, 200, "{answer}");
    t.wait_for_bells(2);
    ok(home.path(), &data, &["note", "1", "looking at the replica"]);
    t.wait_for("looking at the replica");
    assert_eq!(t.bells(), 2, "a note is not a page");

    let mut later = Tui::start(home.path(), &data);
    later.wait_for("db primary down");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(later.bells(), 0, "pages from before a terminal opened are history");
    assert!(!later.text().contains("PAGED"), "{}", later.text());

    t.keys("!");
    t.wait_for("INC-1: acknowledged");
    assert!(!t.text().contains("PAGED"), "the banner goes with the acknowledgement:\n{}", t.text());
}

/// The queue's rows on screen that name INC-`id` (the queue box: "│INC-2 ...").
fn queue_rows_of(t: &Tui, id: u32) -> Vec<String> {
    let needle = format!("│INC-{id} ");
    t.text().lines().filter(|l| l.contains(&needle)).map(str::to_owned).collect()
}

/// The 03:00 case: a P1 selected, a P3 paging this user. `a` acknowledges the selected P1,
/// never the paged P3; the banner's own key, which names the paged incident, acknowledges it
/// and selects it. Resolving that incident keeps it selected, shown as resolved, so the next
/// key acts on it; only when the responder moves does it leave the open queue.
#[test]
fn the_banner_key_acts_on_the_paged_incident_and_the_queue_keys_on_the_selected_one() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    write_rota_config(home.path());
    let config = home.path().join("config").join("piket").join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[services.api]\n");
    std::fs::write(&config, text).unwrap();
    let mut t = Tui::start(home.path(), &data);
    t.wait_for("on call: me (ops)");
    // INC-1 is P1 on a service without a policy: nobody is paged. INC-2, P5 on db, pages me.
    ok(
        home.path(),
        &data,
        &["new", "api down for everyone", "-s", "api", "-i", "high", "-u", "high", "--severity", "1"],
    );
    t.wait_for("api down for everyone");
    ok(
        home.path(),
        &data,
        &["new", "db disk filling", "-s", "db", "-i", "low", "-u", "low", "--severity", "4"],
    );
    t.wait_for("! ack INC-2 (paged)");
    t.wait_for_bells(1);
    assert!(queue_rows_of(&t, 1).iter().any(|r| r.contains("P1")), "{}", t.text());

    // `a` is the selected incident's, whatever the banner says.
    t.keys("a");
    t.wait_for("INC-1: acknowledged");
    assert_eq!(show_json(home.path(), &data, "1")["status"], "acknowledged");
    assert_eq!(show_json(home.path(), &data, "2")["status"], "triggered", "the paged one was not touched");
    assert!(t.text().contains("! ack INC-2 (paged)"), "the banner stays:\n{}", t.text());

    // The banner's key: the paged incident, named on screen, now selected.
    t.keys("!");
    t.wait_for("INC-2: acknowledged");
    assert_eq!(show_json(home.path(), &data, "2")["status"], "acknowledged");
    assert!(!t.text().contains("PAGED"), "{}", t.text());

    // Resolve the selected INC-2: it stays selected and on screen, shown as resolved.
    t.keys("R");
    t.wait_for("Resolve · INC-2");
    t.keys("grew the volume");
    t.keys(CTRL_S);
    t.wait_for("INC-2: resolved");
    assert_eq!(show_json(home.path(), &data, "2")["status"], "resolved");
    assert!(queue_rows_of(&t, 2).iter().any(|r| r.contains("resolved")), "{}", t.text());
    // The next key acts on INC-2, the incident on screen, not on INC-1.
    t.keys("m");
    t.wait_for("Note · INC-2");
    t.keys("\x1b");
    t.wait_for("cancelled; nothing was written");
    // The responder moves: INC-1 is selected and the resolved INC-2 leaves the open queue.
    t.keys("k");
    let deadline = Instant::now() + WAIT_LIMIT;
    while !queue_rows_of(&t, 2).is_empty() {
        assert!(Instant::now() < deadline, "INC-2 stayed after moving:\n{}", t.text());
        std::thread::sleep(Duration::from_millis(30));
    }
    t.keys("m");
    t.wait_for("Note · INC-1");
    t.keys("\x1b");
    t.keys("q");
    t.assert_restored("q");
}

/// A real server whose config lists this user in `[server] read-only`: the queue says so and
/// why, and a write key says why instead of opening a form.
#[test]
fn a_read_only_user_sees_why_and_gets_no_form() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    let dir = home.path().join("config").join("piket");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), format!("[server]\nread-only = [\"{}\"]\n", the_os_user()))
        .unwrap();
    let mut t = Tui::start(home.path(), &data);
    t.wait_for("read-only: ");
    t.keys("n");
    t.wait_for("new incident would change the record");
    assert!(!t.text().contains("New incident"), "a form opened:\n{}", t.text());
    t.keys("q");
    t.assert_restored("q");
}
