//! The demo data set (src/demo.rs, through the real engine) on the real screen: what a newcomer
//! sees first after `piket demo`, at 80x24 and 200x50. The seed and the app share one fixed
//! clock, so the snapshots are stable.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use piket::client::Client;
use piket::client::local::LocalClient;
use piket::domain::Policy;
use piket::engine::Engine;
use piket::tui::TuiSettings;
use piket::tui::action::Action;
use piket::tui::headless::Headless;

fn demo(w: u16, h: u16) -> Headless {
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap();
    let engine = Arc::new(Engine::in_memory(Policy::default()).unwrap());
    piket::demo::seed(&engine, now).unwrap();
    let client: Arc<dyn Client> = Arc::new(LocalClient::with_actor(engine, "ana"));
    let settings = TuiSettings {
        team: "payments-sre".into(),
        on_call: vec!["ana".into(), "ben".into()],
        ..TuiSettings::default()
    };
    Headless::new(client, &settings, now + Duration::minutes(1), w, h).unwrap()
}

#[test]
fn demo_main_screen() {
    for (w, h) in [(80u16, 24u16), (200, 50)] {
        let mut app = demo(w, h);
        insta::assert_snapshot!(format!("demo_main_{w}x{h}"), app.draw());
    }
}

#[test]
fn demo_all_incidents_and_a_closed_one() {
    let mut app = demo(200, 50);
    app.act(Action::ToggleClosed);
    app.act(Action::SelectLast);
    app.act(Action::Open);
    insta::assert_snapshot!("demo_all_200x50", app.draw());
}

/// `piket demo` in a terminal, as a newcomer runs it: a minute after it starts, the demo's own
/// rota pages the person at the terminal. Level 1 (the secondary schedule) is paged at once and
/// its notifier writes to `pages.log` in the demo dir (0600); the countdown to level 2 is on
/// screen; then level 2 (primary: this user) rings the bell and shows the banner; `O` shows
/// the two schedules, `!` acknowledges the page. Waits for each of these, never for a clock.
#[test]
fn the_demo_pages_the_person_at_the_terminal() {
    use std::os::unix::fs::PermissionsExt as _;

    use crate::common::pty::{Launch, Tui};

    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("demo-data");
    let mut t = Tui::launch(
        home.path(),
        &data,
        &Launch { size: Some((160, 48)), args: vec!["demo"], ..Launch::default() },
    );
    t.wait_for("Orders stuck in payment pending");
    t.watch("PAGED: INC-");

    // Level 1 went to the secondary schedule, through the file notifier, into the demo dir.
    let pages = data.join("pages.log");
    let first = crate::common::wait_for("the first page in pages.log", || {
        std::fs::read_to_string(&pages).ok().filter(|s| s.contains("escalation level 1"))
    });
    assert!(first.contains("Orders stuck in payment pending"), "{first}");
    let mode = std::fs::metadata(&pages).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "pages.log is private");

    // The live incident is the newest P1: select it and see the countdown to level 2.
    let row = t.text().lines().position(|l| l.contains("Orders stuck in payment pending")).unwrap();
    let row = u16::try_from(row).unwrap();
    t.keys(&format!("\x1b[<0;10;{}M\x1b[<0;10;{}m", row + 1, row + 1));
    t.wait_for("orders · level 2");

    // A minute after the start: this user is paged.
    t.wait_saw("PAGED: INC-");
    t.wait_for_bells(1);
    let second = crate::common::wait_for("the page of this user in pages.log", || {
        std::fs::read_to_string(&pages).ok().filter(|s| s.contains("page you (you@terminal)"))
    });
    assert!(second.contains("escalation level 2"), "{second}");

    // The schedule view: both schedules, this user on call in primary.
    t.keys("O");
    t.wait_for("secondary");
    assert!(t.text().contains("primary"), "{}", t.text());
    t.keys("\x1b");
    t.wait_for("Queue");

    t.keys("!");
    t.wait_for("acknowledged");
    t.keys("q");
    t.assert_restored("q");
}
