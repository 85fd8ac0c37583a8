//! Whole-screen snapshots of every pane and overlay, driven by actions (csvlens, gitui).
//!
//! The app runs headless against the real engine in memory on a clock the test sets, so ages,
//! countdowns and timeline times are deterministic and no filter is needed. Sizes: 80x24 (the
//! floor piket promises) and 200x50.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use piket::domain::Command;
use piket::tui::TuiSettings;
use piket::tui::action::Action;
use piket::tui::headless::Headless;

use crate::common::tui::{self as common, I, U, World};

fn settings() -> TuiSettings {
    TuiSettings {
        team: "payments-sre".into(),
        on_call: vec!["ana".into(), "ben".into()],
        ..TuiSettings::default()
    }
}

/// ana's terminal, opened three minutes after the last command.
fn app(world: &World, w: u16, h: u16) -> Headless {
    let now = world.now() + Duration::minutes(3);
    Headless::new(world.ana.clone(), &settings(), now, w, h).unwrap()
}

fn seeded() -> World {
    let w = World::empty();
    w.seed();
    w
}

macro_rules! both_sizes {
    ($name:literal, $client:expr, |$h:ident| $drive:block) => {{
        for (w, hgt) in [(80u16, 24u16), (200, 50)] {
            let mut $h = app(&$client, w, hgt);
            $drive;
            insta::assert_snapshot!(format!("{}_{w}x{hgt}", $name), $h.draw());
        }
    }};
}

#[test]
fn empty_database() {
    let c = World::empty();
    both_sizes!("empty", c, |h| {});
}

#[test]
fn main_screen_queue_detail_actions() {
    let c = seeded();
    both_sizes!("main", c, |h| {});
}

#[test]
fn detail_focused_and_zoomed() {
    let c = seeded();
    both_sizes!("detail_zoomed", c, |h| {
        h.act(Action::SelectNext);
        h.act(Action::Open);
        h.act(Action::Zoom);
    });
}

#[test]
fn escalation_pane_focused() {
    let c = seeded();
    both_sizes!("escalation", c, |h| {
        h.act(Action::SelectNext);
        h.act(Action::FocusNext);
        h.act(Action::FocusNext);
        h.act(Action::SelectNext);
    });
}

#[test]
fn help_overlay_from_the_keymap() {
    let c = seeded();
    both_sizes!("help", c, |h| {
        h.act(Action::Help);
    });
}

#[test]
fn closed_toggle_shows_resolved() {
    let c = seeded();
    both_sizes!("all_incidents", c, |h| {
        h.act(Action::ToggleClosed);
        h.act(Action::SelectLast);
    });
}

#[test]
fn filter_line() {
    let c = seeded();
    both_sizes!("filter", c, |h| {
        h.act(Action::Filter);
        h.type_text("svc:orders p:9");
    });
}

#[test]
fn long_title() {
    let c = World::empty();
    let long = "Payment provider webhook retries overwhelm the settlement queue, which backs up into the ledger writer and delays every refund by hours ".repeat(3);
    c.register(&long, I::High, U::High, 1, &["payments", "ledger", "refunds"]);
    both_sizes!("long_title", c, |h| {});
}

#[test]
fn very_long_timeline_follows_newest_and_scrolls() {
    let c = World::empty();
    let id = c.register("Flapping health checks on edge-lb", I::Medium, U::High, 2, &["edge"]);
    for n in 1..=300 {
        let text = if n % 7 == 0 {
            format!(
                "note {n}: a longer observation that wraps over more than one line of the timeline pane, with detail"
            )
        } else {
            format!("note {n}")
        };
        c.run("ben", Command::Note { id, text });
    }
    both_sizes!("long_timeline_newest", c, |h| {
        h.act(Action::Open);
    });
    both_sizes!("long_timeline_top", c, |h| {
        h.act(Action::Open);
        h.act(Action::SelectFirst);
        h.act(Action::PageDown);
    });
}

#[test]
fn too_small_says_so() {
    let c = seeded();
    let mut h = app(&c, 50, 12);
    insta::assert_snapshot!("too_small_50x12", h.draw());
    h.resize(80, 24);
    assert!(h.draw().contains("Queue"), "a resize re-lays out at once");
}

#[test]
fn refusal_in_words_in_the_footer() {
    let c = seeded();
    let mut h = app(&c, 80, 24);
    h.act(Action::SelectNext); // INC-2 is acknowledged already
    h.act(Action::Acknowledge);
    insta::assert_snapshot!("refused_80x24", h.draw());
}

// ---- forms ----------------------------------------------------------------------------------

fn form_snapshot(name: &str, open: Action, select: usize, fill: &str) {
    let c = seeded();
    for (w, hgt) in [(80u16, 24u16), (200, 50)] {
        let mut h = app(&c, w, hgt);
        if open == Action::Close || open == Action::Reopen {
            h.act(Action::ToggleClosed);
        }
        for _ in 0..select {
            h.act(Action::SelectNext);
        }
        h.act(open);
        h.type_text(fill);
        insta::assert_snapshot!(format!("form_{name}_{w}x{hgt}"), h.draw());
    }
}

#[test]
fn form_new_incident_with_validation_in_place() {
    let c = seeded();
    for (w, hgt) in [(80u16, 24u16), (200, 50)] {
        let mut h = app(&c, w, hgt);
        h.act(Action::NewIncident);
        h.act(Action::NextField);
        h.type_text("checkout, api");
        h.act(Action::NextField);
        h.type_text("h"); // impact high
        h.act(Action::Submit); // title missing: message in place, nothing written
        insta::assert_snapshot!(format!("form_new_incident_{w}x{hgt}"), h.draw());
    }
}

#[test]
fn form_note() {
    form_snapshot("note", Action::Note, 1, "Failover rehearsal done.\nLag is down to 3 s.");
}

#[test]
fn form_finding() {
    form_snapshot("finding", Action::Finding, 1, "Index rebuild held a lock for 40 s");
}

#[test]
fn form_status_update() {
    form_snapshot("status_update", Action::StatusUpdate, 0, "");
}

#[test]
fn form_escalate() {
    form_snapshot("escalate", Action::Escalate, 0, "payments-lead\n");
}

#[test]
fn form_roles() {
    form_snapshot("roles", Action::Roles, 0, "");
}

#[test]
fn form_resolve() {
    form_snapshot(
        "resolve",
        Action::Resolve,
        0,
        "Rolled back release 2026.11.25-3; error rate back to 0.1%.",
    );
}

#[test]
fn form_contain() {
    form_snapshot("contain", Action::Contain, 0, "feature flag checkout-v2 off");
}

#[test]
fn form_priority_override() {
    form_snapshot("priority_override", Action::OverridePriority, 2, "");
}

#[test]
fn form_root_cause() {
    form_snapshot("root_cause", Action::RootCause, 1, "Schema migration without an online index");
}

#[test]
fn form_reopen() {
    // With resolved ones shown, INC-5 (resolved, P5) is last.
    let c = seeded();
    let mut h = app(&c, 80, 24);
    h.act(Action::ToggleClosed);
    h.act(Action::SelectLast);
    h.act(Action::Reopen);
    h.type_text("errors are back after the re-run");
    insta::assert_snapshot!("form_reopen_80x24", h.draw());
}

#[test]
fn form_close_lists_what_is_missing() {
    let c = seeded();
    for (w, hgt) in [(80u16, 24u16), (200, 50)] {
        let mut h = app(&c, w, hgt);
        h.act(Action::ToggleClosed);
        h.act(Action::SelectLast);
        h.act(Action::Close);
        insta::assert_snapshot!(format!("form_close_{w}x{hgt}"), h.draw());
    }
}

#[test]
fn engine_unavailable_banner() {
    let c = seeded();
    let mut h = app(&c, 80, 24);
    c.ana.set_down(true);
    h.act(Action::Acknowledge);
    insta::assert_snapshot!("banner_80x24", h.draw());
}

// ---- escalation and on-call -----------------------------------------------------------------

#[test]
fn escalation_mid_way_with_a_live_countdown() {
    let c = World::with_config(&[common::ESCALATION]);
    c.paged_mid_way();
    // Level 1 was paged at 09:01; level 2 is due at 09:16.
    let now = common::t0() + Duration::seconds(210);
    for (w, hgt) in [(80u16, 24u16), (60, 16)] {
        let mut h = Headless::new(c.ana.clone(), &settings(), now, w, hgt).unwrap();
        let screen = h.draw();
        assert!(!screen.contains('\u{1b}'), "{screen}");
        insta::assert_snapshot!(format!("escalation_paged_{w}x{hgt}"), screen);
        // The countdown is the engine's, at its clock: move both.
        c.set_now(now + Duration::seconds(1));
        h.set_now(now + Duration::seconds(1));
        assert!(h.draw().contains("level 2 in 12:29"), "the countdown ticks:\n{}", h.draw());
        c.set_now(now);
    }
}

#[test]
fn header_names_who_is_on_call_from_the_rota() {
    let c = World::with_config(&[common::ROTA]);
    c.register("db primary down", I::High, U::High, 2, &["db"]);
    c.carol_covers_bob();
    let now = common::t0() + Duration::minutes(3);
    let mut lines = Vec::new();
    for w in [160u16, 100, 80, 60] {
        let mut h = Headless::new(c.ana.clone(), &settings(), now, w, 24).unwrap();
        lines.push(h.draw().lines().next().unwrap().to_owned());
    }
    insta::assert_snapshot!("header_on_call", lines.join("\n"));
}

#[test]
fn form_page_names_whom_the_next_level_reaches() {
    let c = World::with_config(&[common::ESCALATION]);
    c.paged_mid_way();
    let mut h =
        Headless::new(c.ana.clone(), &settings(), common::t0() + Duration::minutes(4), 80, 24).unwrap();
    h.act(Action::Page);
    h.act(Action::NextField);
    h.type_text("replica lag keeps growing");
    insta::assert_snapshot!("form_page_80x24", h.draw());
}

#[test]
fn paged_banner_until_acknowledged() {
    use piket::domain::IncidentId;
    let c = World::with_config(&[common::PAGING, &common::services(&["logging"])]);
    c.seed();
    for (w, hgt) in [(80u16, 24u16), (60, 16)] {
        let mut h =
            Headless::new(c.ana.clone(), &settings(), c.now() + Duration::seconds(1), w, hgt).unwrap();
        c.run("ben", Command::Page { id: IncidentId(3), level: Some(1), reason: "disk filling".into() });
        h.send(piket::tui::app::Msg::Tick(c.now()));
        assert_eq!(h.bells, 1);
        // With the server away too: both banners, the body gives way.
        h.send(piket::tui::app::Msg::Connection(piket::client::Connection::Lost(
            "the piket server went away".into(),
        )));
        insta::assert_snapshot!(format!("paged_banner_{w}x{hgt}"), h.draw());
    }
}

#[test]
fn schedule_view_with_a_gap_an_overlap_and_an_override() {
    let c = World::rota();
    for (w, hgt) in [(80u16, 24u16), (60, 16)] {
        let mut h = app(&c, w, hgt);
        h.act(Action::Schedule);
        // Down to Friday, the day carol's override begins.
        for _ in 0..3 {
            h.act(Action::SelectNext);
        }
        let screen = h.draw();
        assert!(!screen.contains("pwned"), "{screen}");
        insta::assert_snapshot!(format!("schedule_{w}x{hgt}"), screen);
    }
    // The overrides at the bottom, with the cursor on the one to remove.
    let mut h = app(&c, 80, 24);
    h.act(Action::Schedule);
    h.act(Action::SelectLast);
    insta::assert_snapshot!("schedule_overrides_80x24", h.draw());
}

#[test]
fn timeline_search_and_a_pasted_log_in_a_note() {
    let c = seeded();
    c.run(
        "ben",
        Command::Note {
            id: piket::domain::IncidentId(2),
            text: "replica status:\n\tlag\t41 s\n\tio\trunning\n    (from pg_stat_replication)".into(),
        },
    );
    both_sizes!("timeline_search", c, |h| {
        h.act(Action::SelectNext);
        h.act(Action::Open);
        h.act(Action::Filter);
        h.type_text("lag\n");
    });
}
