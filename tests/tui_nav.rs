//! Finding things: the filter's words reach owner, roles, services and timelines and an unknown
//! key is refused with the keys; an exact id matches one incident; `:17` / `#17` jumps to an
//! incident; `/` in the timeline searches it; the queue counts the rows it cannot show; cut
//! titles end with an ellipsis; help wraps; notes keep their lines, indentation and tabs.
//! Headless for the logic, the real binary in a pty for what a responder does at 80x24.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use piket::domain::{Command, IncidentId, Status};
use piket::tui::TuiSettings;
use piket::tui::action::Action;
use piket::tui::app::Msg;
use piket::tui::form::Edit;
use piket::tui::headless::Headless;

use crate::common::pty::{Tui, piket};
use crate::common::tui::{I, U, World};

fn app(world: &World, w: u16, h: u16) -> Headless {
    let now = world.now() + Duration::minutes(3);
    Headless::new(world.ana.clone(), &TuiSettings::default(), now, w, h).unwrap()
}

fn seeded() -> World {
    let w = World::empty();
    w.seed();
    w
}

/// The ids the queue shows, in order.
fn shown(h: &Headless) -> Vec<u64> {
    (0..h.app.queue.visible_len()).filter_map(|r| h.app.queue.row(r)).map(|i| i.id.0).collect()
}

fn filter(h: &mut Headless, text: &str) -> Vec<u64> {
    if !h.app.queue.filter_text.is_empty() {
        h.act(Action::Back);
    }
    h.act(Action::Filter);
    h.type_text(text);
    h.send(Msg::Edit(Edit::Enter));
    shown(h)
}

#[test]
fn filter_words_reach_owner_roles_services_and_the_timeline() {
    let c = seeded();
    let mut h = app(&c, 120, 40);
    // INC-2: ben acknowledged and commands it, cleo is its scribe, a note says "rolling back".
    assert_eq!(filter(&mut h, "cleo"), vec![2, 4], "a role's holder (2), an owner (4, she contained it)");
    assert_eq!(filter(&mut h, "scribe"), vec![2], "a role");
    assert_eq!(filter(&mut h, "who:ben"), vec![2], "the owner, as a key");
    assert_eq!(filter(&mut h, "logging"), vec![3], "a service that is not in the title");
    assert_eq!(filter(&mut h, "rolling back"), vec![2], "words only the timeline holds");
    // A note added later is found too: the search is asked again after the change.
    c.run("ben", Command::Note { id: IncidentId(4), text: "EU edge cache purged".into() });
    h.send(Msg::Tick(c.now()));
    assert_eq!(shown(&h), vec![2], "the filter still shows what it showed");
    assert_eq!(filter(&mut h, "purged"), vec![4]);
    // The same rule answers `piket list`'s words.
    let q = piket::domain::Query { text: Some("purged".into()), ..Default::default() };
    let listed: Vec<u64> = c.engine.list(&q).unwrap().iter().map(|i| i.id.0).collect();
    assert_eq!(listed, vec![4]);
}

#[test]
fn an_unknown_key_is_refused_with_the_keys_and_an_id_matches_one_incident() {
    let c = World::empty();
    for n in 1..=11 {
        c.register(&format!("incident number {n}"), I::Medium, U::Medium, 3, &["api"]);
    }
    let mut h = app(&c, 120, 40);
    assert_eq!(filter(&mut h, "INC-1"), vec![1], "not INC-10 and INC-11");
    assert_eq!(filter(&mut h, "#11"), vec![11]);
    assert_eq!(filter(&mut h, "inc-1").len(), 1, "ids are read in any case");
    filter(&mut h, "team:api");
    let screen = h.draw();
    assert!(screen.contains("'team:' is not a key: p: sev: svc: status: who: mine"), "{screen}");
    assert!(h.app.queue.filter.query.text.is_none(), "the unknown key is not searched for as text");
}

#[test]
fn jump_selects_an_incident_by_its_id_even_one_the_queue_leaves_out() {
    let c = seeded();
    let mut h = app(&c, 120, 40);
    h.act(Action::Jump);
    h.type_text("4\n");
    assert_eq!(h.app.queue.selected, Some(IncidentId(4)));
    // INC-5 is resolved, so not in the open queue: fetched, selected, shown as resolved.
    h.act(Action::Jump);
    h.type_text("#5\n");
    assert_eq!(h.app.queue.selected, Some(IncidentId(5)));
    assert_eq!(h.app.selected_incident().unwrap().status, Status::Resolved);
    let screen = h.draw();
    assert!(screen.contains("INC-5 · Nightly export job failed twice"), "{screen}");
    // Nonsense and unknown ids are said, the selection stays.
    h.act(Action::Jump);
    h.type_text("abc\n");
    assert!(h.draw().contains("'abc' is not an incident id"), "{}", h.draw());
    h.act(Action::Jump);
    h.type_text("99\n");
    assert_eq!(h.app.queue.selected, Some(IncidentId(5)));
    assert!(h.draw().contains("INC-99"), "the unknown id is named:\n{}", h.draw());
    // A filter that leaves INC-1 out does not hide a jump to it.
    filter(&mut h, "p:5");
    h.act(Action::Jump);
    h.type_text("INC-1\n");
    assert_eq!(h.app.queue.selected, Some(IncidentId(1)));
    assert!(h.draw().contains("INC-1 · Checkout API"), "{}", h.draw());
}

#[test]
fn the_timeline_search_goes_from_match_to_match() {
    let c = seeded();
    c.run("ben", Command::Note { id: IncidentId(2), text: "replica 2 lagging".into() });
    c.run("ben", Command::Note { id: IncidentId(2), text: "nothing to see".into() });
    let mut h = app(&c, 120, 40);
    h.act(Action::Jump);
    h.type_text("2\n");
    h.act(Action::Open);
    h.act(Action::Filter);
    assert!(h.app.queue.filter_text.is_empty() && !h.app.queue.filtering, "/ searches the timeline here");
    h.type_text("LAG\n");
    let events = c.timeline(IncidentId(2));
    let lag: Vec<usize> =
        (0..events.len()).filter(|&i| events[i].kind.describe().to_lowercase().contains("lag")).collect();
    assert!(lag.len() >= 2, "the seed's title and notes mention lag");
    assert_eq!(h.app.pane.timeline_top, Some(lag[0]));
    assert!(h.draw().contains(&format!("/LAG 1/{} · N next", lag.len())), "{}", h.draw());
    h.act(Action::SearchNext);
    assert_eq!(h.app.pane.timeline_top, Some(lag[1]));
    assert_eq!(h.app.pane.timeline_cursor, Some(lag[1]), "the cursor is on the match: X corrects it");
    let seq = events[lag[1]].seq;
    assert!(h.draw().contains(&format!("#{seq} ")), "{}", h.draw());
    for _ in 1..lag.len() {
        h.act(Action::SearchNext);
    }
    assert_eq!(h.app.pane.timeline_top, Some(lag[0]), "round to the first after the last");
}

#[test]
fn a_note_keeps_its_lines_indentation_and_tab_columns() {
    let c = World::empty();
    let id = c.register("api errors", I::Medium, U::Medium, 3, &["api"]);
    c.run(
        "ana",
        Command::Note {
            id,
            text: "stack trace:\r\n    at handler (api.rs:10)\r\nkey\tvalue\nlonger\tv2".into(),
        },
    );
    let mut h = app(&c, 120, 40);
    let screen = h.draw();
    assert!(screen.contains("stack trace:"), "{screen}");
    assert!(screen.contains("          at handler (api.rs:10)"), "indented under the entry:\n{screen}");
    assert!(screen.contains("      key     value"), "tab columns kept:\n{screen}");
    assert!(screen.contains("      longer  v2"), "tab columns kept:\n{screen}");
}

#[test]
fn at_80x24_hidden_rows_are_counted_cut_titles_end_with_an_ellipsis_and_help_wraps() {
    let c = seeded();
    for n in 1..=4 {
        c.register(&format!("extra incident {n}"), I::Low, U::Low, 4, &["misc"]);
    }
    let mut h = app(&c, 80, 24);
    let screen = h.draw();
    let rows = (0..h.app.queue.visible_len()).filter(|r| h.app.queue.row(*r).is_some()).count();
    assert_eq!(rows, 8);
    assert!(screen.contains(" 3 more below "), "{screen}");
    h.act(Action::SelectLast);
    assert!(h.draw().contains(" 3 more above "), "{}", h.draw());
    h.act(Action::SelectFirst);
    let line = h.draw().lines().find(|l| l.contains("INC-1 ")).unwrap().to_owned();
    assert!(line.contains("Checkout API returns 5…"), "{line}");
    h.act(Action::Help);
    let help = h.draw();
    // The filter's help is longer than a line at 80 columns: its end is on screen, wrapped.
    assert!(help.contains("timeline text), p:1 sev:2 svc:db status:ack who:NAME mine;"), "{help}");
    assert!(help.contains("with the timeline focused, search it"), "{help}");
}

// ---- the real binary in a pty, 80x24 ---------------------------------------------------------

fn ok(home: &std::path::Path, data: &std::path::Path, args: &[&str]) {
    let out = piket(home, data, args);
    assert!(out.status.success(), "piket {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The queue's rows on screen that name INC-`id`.
fn queue_rows_of(t: &Tui, id: u32) -> Vec<String> {
    let needle = format!("│INC-{id} ");
    t.text().lines().filter(|l| l.contains(&needle)).map(str::to_owned).collect()
}

#[test]
fn jump_to_an_id_and_the_hidden_rows_counted_in_a_pty() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    for n in 1..=9 {
        ok(home.path(), &data, &["new", &format!("incident number {n}"), "-s", "api"]);
    }
    ok(home.path(), &data, &["resolve", "3", "-m", "went away"]);
    let mut t = Tui::start(home.path(), &data);
    // 8 open incidents, 5 rows at 80x24.
    t.wait_for(" 3 more below ");
    t.keys(":7\r");
    t.wait_for("INC-7 · incident number 7");
    assert!(queue_rows_of(&t, 7).len() == 1, "{}", t.text());
    // INC-3 is resolved: not in the open queue, yet jumped to and shown as such.
    t.keys("#3\r");
    t.wait_for("INC-3 · incident number 3");
    t.wait_for("INC-3 (resolved): shown until you move");
    assert!(queue_rows_of(&t, 3).iter().any(|r| r.contains("resolved")), "{}", t.text());
    t.keys("q");
}

#[test]
fn the_filter_refuses_an_unknown_key_in_a_pty() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    ok(home.path(), &data, &["new", "checkout errors", "-s", "api"]);
    let mut t = Tui::start(home.path(), &data);
    t.wait_for("checkout errors");
    t.keys("/owner:");
    t.wait_for("'owner:' needs a value");
    t.keys("me team:x");
    t.wait_for("'team:' is not a key: p: sev: svc: status: who: mine");
    t.keys("\x1b");
    t.wait_for(" Queue · 1 open");
    t.keys("q");
}

/// The report: INC-1 and INC-3 (all P3) bulk-acknowledged while a filter showed only them;
/// after the filter went, the queue must read as a fresh load does (priority, then oldest).
#[test]
fn the_queue_after_a_bulk_ack_while_filtered_is_in_the_order_of_a_fresh_load() {
    for words in ["svc:db", "db", "status:triggered"] {
        let c = World::empty();
        for (title, svc) in [("Disk full db", "db"), ("API 502", "api"), ("Replication stuck db", "db")] {
            c.register(title, I::Medium, U::Medium, 3, &[svc]);
            c.set_now(c.now() + Duration::seconds(20));
        }
        let mut h = app(&c, 120, 40);
        assert_eq!(shown(&h), vec![1, 2, 3]);
        let f = filter(&mut h, words);
        h.act(Action::SelectFirst);
        for id in f.iter().filter(|&&id| id != 2) {
            h.act(Action::SelectFirst);
            while h.app.queue.selected != Some(IncidentId(*id)) {
                h.act(Action::SelectNext);
            }
            h.act(Action::Mark);
        }
        assert_eq!(h.app.marks.ids, vec![IncidentId(1), IncidentId(3)], "{words}");
        h.act(Action::Acknowledge);
        h.act(Action::Open);
        assert_eq!(c.incident(IncidentId(3)).status, Status::Acknowledged, "{words}");
        while !h.app.queue.filter_text.is_empty() {
            h.act(Action::Back);
        }
        let fresh = app(&c, 120, 40);
        assert_eq!(shown(&fresh), vec![1, 2, 3], "{words}");
        assert_eq!(shown(&h), shown(&fresh), "{words}: the order of a fresh load");
    }
}

/// Word search reads timelines on the server, so the queue bounds it: nothing while the filter
/// line is typed, one search on Enter, and under a flood of changes at most one on its way.
#[test]
fn the_server_is_searched_on_enter_and_never_twice_at_once() {
    use piket::tui::effect::Effect;
    use piket::wire::Change;
    let w = World::empty();
    let id = w.register("Disk full", I::Medium, U::Medium, 3, &["db"]);
    let mut h = Headless::new(w.ana.clone(), &TuiSettings::default(), w.now(), 120, 40).unwrap();
    let searches = |fx: &[Effect]| fx.iter().filter(|e| matches!(e, Effect::Search(_))).count();
    h.act(Action::Filter);
    let mut typed = 0;
    for c in "wal segments".chars() {
        typed += searches(&h.app.update(Msg::Type(c)));
    }
    assert_eq!(typed, 0, "no search while the filter is typed");
    let fx = h.app.update(Msg::Action(Action::Submit));
    assert_eq!(searches(&fx), 1, "Enter asks the server once: {fx:?}");
    // The answer has not come; changes keep arriving.
    let mut more = 0;
    for seq in 2..12 {
        more += searches(&h.app.update(Msg::Changed(Change {
            global_seq: u64::from(seq),
            incident: id,
            seq,
            paged: false,
        })));
    }
    assert_eq!(more, 0, "a second search while the first is on its way");
    // Answered: the changes since are searched for, once.
    let fx = h.app.update(Msg::Searched(piket::domain::Query::default(), Ok(Vec::new())));
    assert_eq!(searches(&fx), 1, "{fx:?}");
}
