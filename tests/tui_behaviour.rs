//! How the screen behaves, driven by actions against the real engine in memory on a clock the
//! test sets (headless, no terminal).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use piket::domain::{Command, EventKind, IncidentId, Priority, Query, Role, RotaCommand, Status};
use piket::tui::TuiSettings;
use piket::tui::action::Action;
use piket::tui::app::Msg;
use piket::tui::headless::Headless;

use crate::common::tui::{self as common, I, U, World};

/// ana's terminal, opened three minutes after the last command.
fn app(world: &World) -> Headless {
    let now = world.now() + Duration::minutes(3);
    Headless::new(world.ana.clone(), &TuiSettings::default(), now, 120, 40).unwrap()
}

fn seeded() -> World {
    let w = World::empty();
    w.seed();
    w
}

/// ana's terminal with the close form of INC-`id` open (resolved ones shown).
fn close_form(c: &World, id: u64) -> Headless {
    let mut h = app(c);
    h.act(Action::ToggleClosed);
    select(&mut h, id);
    h.act(Action::Close);
    h
}

/// Run `keys` and check INC-`id`'s timeline did not grow: nothing was written.
fn writes_nothing(c: &World, h: &mut Headless, id: u64, keys: impl FnOnce(&mut Headless)) {
    let before = c.timeline(IncidentId(id)).len();
    keys(h);
    assert_eq!(c.timeline(IncidentId(id)).len(), before, "nothing was written");
}

/// Type one value per field of the open form, moving to the next field after each.
fn fill(h: &mut Headless, values: &[&str]) {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            h.act(Action::NextField);
        }
        h.type_text(v);
    }
}

fn select(h: &mut Headless, id: u64) {
    h.act(Action::SelectFirst);
    while h.app.queue.selected != Some(IncidentId(id)) {
        let before = h.app.queue.sel_row;
        h.act(Action::SelectNext);
        assert_ne!(before, h.app.queue.sel_row, "INC-{id} is not in the queue");
    }
}

#[test]
fn impact_and_urgency_keys_recompute_the_priority_at_once() {
    let c = seeded();
    let mut h = app(&c);
    select(&mut h, 4); // medium x medium = P3
    h.act(Action::ImpactUp);
    let inc = h.app.selected_incident().unwrap();
    assert_eq!((inc.id, inc.priority), (IncidentId(4), Priority::P2), "the selection follows the incident");
    h.act(Action::UrgencyUp);
    assert_eq!(h.app.selected_incident().unwrap().priority, Priority::P1);
    assert_eq!(h.app.queue.sel_row, 1, "re-sorted: P1 INC-4 now sits right after the older P1");
    assert!(h.draw().contains("urgency medium -> high (priority P1)"));
    h.act(Action::SeverityUp);
    assert_eq!(c.incident(IncidentId(4)).severity.number(), 2);
}

#[test]
fn changes_from_others_keep_selection_and_scroll() {
    let c = seeded();
    let mut h = app(&c);
    select(&mut h, 3);
    let row = h.app.queue.sel_row;
    // Another responder registers a P1: it sorts above, the selected incident stays selected.
    c.register("Payments provider timeouts", I::High, U::High, 1, &["payments"]);
    c.run("ben", Command::Acknowledge { id: IncidentId(3) });
    h.send(Msg::Tick(c.now()));
    assert_eq!(h.app.queue.selected, Some(IncidentId(3)));
    assert_eq!(h.app.queue.sel_row, row + 1);
    assert_eq!(h.app.selected_incident().unwrap().status, Status::Acknowledged);
    let screen = h.draw();
    assert!(screen.contains("Payments provider timeouts"), "{screen}");
    assert!(
        screen.contains("ben acknowledged"),
        "the timeline of the selected incident refreshed:\n{screen}"
    );
}

/// The footer's message, as the responder reads it.
fn said(h: &Headless) -> String {
    h.app.message.as_ref().map(|(_, m)| m.clone()).unwrap_or_default()
}

/// The queue row of INC-`id` on screen.
fn queue_line(h: &mut Headless, id: u64) -> Option<String> {
    let needle = format!("INC-{id} ");
    h.draw().lines().find(|l| l.contains(&needle)).map(str::to_owned)
}

#[test]
fn a_resolved_incident_stays_selected_shown_as_resolved_until_the_responder_moves() {
    let c = seeded();
    let mut h = app(&c);
    select(&mut h, 2);
    let row = h.app.queue.sel_row;
    // Someone else resolves it: it leaves the open queue, but not the responder's selection.
    c.run("ben", Command::Resolve { id: IncidentId(2), summary: "failed over".into(), recovered_at: None });
    h.send(Msg::Tick(c.now()));
    assert_eq!(h.app.queue.selected, Some(IncidentId(2)), "the selection did not jump");
    assert_eq!(h.app.queue.sel_row, row);
    let line = queue_line(&mut h, 2).expect("INC-2 is still on screen");
    assert!(line.contains("resolved"), "shown as resolved: {line}");
    // The next key acts on the incident on screen, INC-2, never on its neighbour.
    h.act(Action::Note);
    assert!(h.app.form().is_some_and(|f| f.title.ends_with("INC-2")), "{:?}", h.app.form().map(|f| &f.title));
    h.act(Action::Cancel);
    // A reload of the whole queue (the feed lagged) keeps it too.
    h.send(Msg::FeedLagged);
    assert_eq!(h.app.queue.selected, Some(IncidentId(2)));
    // The responder moves: now it goes, and the row below is selected.
    let below = h.app.queue.row(row + 1).map(|i| i.id);
    h.act(Action::SelectNext);
    assert_eq!(h.app.queue.selected, below);
    assert!(queue_line(&mut h, 2).is_none(), "INC-2 left the open queue once the responder moved");
    h.act(Action::SelectPrev);
    assert_ne!(h.app.queue.selected, Some(IncidentId(2)));
}

#[test]
fn resolving_through_the_form_keeps_that_incident_selected_and_names_it() {
    let c = seeded();
    let mut h = app(&c);
    select(&mut h, 3);
    h.act(Action::Resolve);
    h.type_text("freed 40 GB of old logs");
    h.act(Action::Submit);
    assert_eq!(c.incident(IncidentId(3)).status, Status::Resolved);
    assert!(said(&h).starts_with("INC-3: resolved"), "{}", said(&h));
    assert_eq!(h.app.queue.selected, Some(IncidentId(3)));
    assert!(queue_line(&mut h, 3).is_some_and(|l| l.contains("resolved")), "{}", h.draw());
    // Its next action is the one a resolved incident allows: reopen, on INC-3.
    h.act(Action::Reopen);
    assert!(h.app.form().is_some_and(|f| f.title == "Reopen · INC-3"));
}

#[test]
fn every_write_names_its_incident_in_its_confirmation() {
    let c = seeded();
    let mut h = app(&c);
    select(&mut h, 3);
    // A key that is its own command.
    h.act(Action::Acknowledge);
    assert_eq!(said(&h), "INC-3: acknowledged");
    h.act(Action::ImpactUp);
    assert!(said(&h).starts_with("INC-3: impact"), "{}", said(&h));
    // A form.
    h.act(Action::Note);
    h.type_text("cache warmed");
    h.act(Action::Submit);
    assert_eq!(said(&h), "INC-3: cache warmed");
    // A key the domain refuses, before anything is sent.
    h.act(Action::Reopen);
    assert!(said(&h).starts_with("INC-3: reopen not possible"), "{}", said(&h));
    // A write the engine could not take: the refusal names the incident once, first.
    c.ana.set_down(true);
    h.act(Action::Note);
    h.type_text("still slow");
    h.act(Action::Submit);
    assert!(said(&h).starts_with("INC-3: Note: "), "{}", said(&h));
    h.act(Action::Cancel);
    // Held back while the server is away: named too.
    h.send(Msg::Connection(piket::client::Connection::Lost("the piket server went away".into())));
    h.act(Action::SeverityUp);
    assert!(said(&h).starts_with("INC-3: not sent"), "{}", said(&h));
    c.ana.set_down(false);
}

#[test]
fn register_through_the_form_and_select_it() {
    let c = seeded();
    let mut h = app(&c);
    h.act(Action::NewIncident);
    h.type_text("Card payments declined\ncards, payments\n");
    h.type_text("h"); // impact high
    h.act(Action::NextField);
    h.type_text("h"); // urgency high
    h.act(Action::NextField);
    h.type_text("2"); // SEV2
    h.act(Action::Submit);
    assert!(h.app.form().is_none(), "{:?}", h.app.form());
    let inc = h.app.selected_incident().unwrap();
    assert_eq!(inc.title, "Card payments declined");
    assert_eq!(inc.priority, Priority::P1);
    assert_eq!(inc.services, vec!["cards".to_owned(), "payments".to_owned()]);
    assert_eq!(inc.severity.number(), 2);
}

#[test]
fn escape_cancels_a_form_with_nothing_written() {
    let c = seeded();
    let mut h = app(&c);
    writes_nothing(&c, &mut h, 1, |h| {
        h.act(Action::Note);
        h.type_text("half a thought");
        h.act(Action::Cancel);
    });
    assert!(h.app.form().is_none());
    assert!(h.draw().contains("nothing was written"));
}

#[test]
fn close_form_records_the_review_then_closes() {
    let c = seeded();
    let mut h = close_form(&c, 5);
    assert_eq!(h.app.form().unwrap().missing, vec!["a root cause".to_owned()]);
    fill(&mut h, &["job ran out of memory", "alert fired at once", "", "", "size the job for peak data"]);
    h.act(Action::Submit);
    assert!(h.app.form().is_none(), "{:?}", h.app.form().map(|f| &f.error));
    let inc = c.incident(IncidentId(5));
    assert_eq!(inc.status, Status::Closed);
    assert_eq!(inc.review.unwrap().lessons, vec!["size the job for peak data".to_owned()]);
}

fn root_causes(c: &World, id: IncidentId) -> Vec<piket::domain::EventKind> {
    c.timeline(id)
        .into_iter()
        .map(|e| e.kind)
        .filter(|k| matches!(k, piket::domain::EventKind::RootCauseRecorded { .. }))
        .collect()
}

fn with_root_cause() -> World {
    let c = seeded();
    c.run(
        "ana",
        Command::SetRootCause {
            id: IncidentId(5),
            root_cause: "job ran out of memory".into(),
            trigger: Some("nightly batch doubled".into()),
            contributing_factors: vec!["no memory alert".into(), "limits unset".into()],
        },
    );
    c
}

fn close_with_a_lesson(h: &mut Headless) {
    for _ in 0..4 {
        h.act(Action::NextField);
    }
    h.type_text("size the job for peak data");
    h.act(Action::Submit);
    assert!(h.app.form().is_none(), "{:?}", h.app.form().map(|f| &f.error));
}

#[test]
fn closing_with_the_root_cause_unchanged_records_it_once_and_keeps_trigger_and_factors() {
    let c = with_root_cause();
    let mut h = close_form(&c, 5);
    assert_eq!(h.app.form().unwrap().fields[0].value, "job ran out of memory");
    close_with_a_lesson(&mut h);
    let inc = c.incident(IncidentId(5));
    assert_eq!(inc.status, Status::Closed);
    assert_eq!(root_causes(&c, IncidentId(5)).len(), 1, "the unchanged root cause is not recorded again");
    let rc = inc.root_cause.unwrap();
    assert_eq!(rc.trigger.as_deref(), Some("nightly batch doubled"));
    assert_eq!(rc.contributing_factors, vec!["no memory alert".to_owned(), "limits unset".to_owned()]);
}

#[test]
fn a_root_cause_edited_in_the_close_form_keeps_its_trigger_and_factors() {
    let c = with_root_cause();
    let mut h = close_form(&c, 5);
    h.send(Msg::Edit(piket::tui::form::Edit::Clear));
    h.type_text("job ran out of memory on the new node type");
    close_with_a_lesson(&mut h);
    let recorded = root_causes(&c, IncidentId(5));
    assert_eq!(recorded.len(), 2, "the correction is a new event; the first stays");
    let rc = c.incident(IncidentId(5)).root_cause.unwrap();
    assert_eq!(rc.root_cause, "job ran out of memory on the new node type");
    assert_eq!(rc.trigger.as_deref(), Some("nightly batch doubled"));
    assert_eq!(rc.contributing_factors.len(), 2);
}

#[test]
fn close_form_refuses_in_place_what_the_closing_rule_still_needs() {
    let c = seeded();
    let id = IncidentId(1); // SEV1 P1: a review with a lesson is required
    c.run("ana", Command::Resolve { id, summary: "rolled back".into(), recovered_at: None });
    let mut h = close_form(&c, 1);
    h.type_text("bad release");
    h.act(Action::NextField);
    h.type_text("fast rollback");
    h.act(Action::Submit);
    let form = h.app.form().expect("the form stays open");
    assert!(form.error.as_deref().unwrap().contains("lesson"), "{:?}", form.error);
    assert!(c.incident(id).root_cause.is_none(), "nothing half-done was written");
}

#[test]
fn only_possible_actions_are_offered() {
    let c = seeded();
    let mut h = app(&c);
    select(&mut h, 1);
    let acts = h.app.possible_actions();
    assert!(acts.contains(&Action::Acknowledge));
    assert!(!acts.contains(&Action::Reopen) && !acts.contains(&Action::Close));
    select(&mut h, 2);
    assert!(!h.app.possible_actions().contains(&Action::Acknowledge));
    h.act(Action::ToggleClosed);
    select(&mut h, 5);
    let acts = h.app.possible_actions();
    assert!(acts.contains(&Action::Reopen) && acts.contains(&Action::Close));
    assert!(!acts.contains(&Action::Resolve) && !acts.contains(&Action::Escalate));
}

#[test]
fn refused_keys_say_why_and_send_nothing() {
    let c = seeded();
    let mut h = app(&c);
    select(&mut h, 2);
    writes_nothing(&c, &mut h, 2, |h| h.act(Action::Acknowledge));
    assert!(h.draw().contains("INC-2 is already acknowledged by ben"));
}

#[test]
fn filter_as_you_type_with_tokens() {
    let c = seeded();
    let mut h = app(&c);
    h.act(Action::Filter);
    h.type_text("p:1");
    assert_eq!(h.app.queue.visible_len(), 1);
    h.act(Action::Cancel);
    assert_eq!(h.app.queue.visible_len(), 4);
    c.run("ana", Command::AssignRole { id: IncidentId(3), role: Role::Commander, person: None });
    h.act(Action::Filter);
    h.type_text("mine");
    h.act(Action::Submit);
    assert_eq!(h.app.queue.visible_len(), 1);
    assert_eq!(h.app.queue.selected, Some(IncidentId(3)));
    h.act(Action::Filter);
    h.act(Action::Cancel);
    h.act(Action::Filter);
    h.type_text("replication");
    assert_eq!(h.app.queue.selected, Some(IncidentId(2)));
}

#[test]
fn untrusted_text_never_reaches_the_terminal_raw() {
    let c = World::empty();
    c.register(
        "disk \u{1b}[2Jfull \u{1b}]52;c;ZXZpbA==\u{7}on \u{9b}31mdb",
        I::High,
        U::High,
        2,
        &["db\u{1b}[31m"],
    );
    // Separators, bidi marks and invisible format characters misalign rows or hide text.
    let id = c.register(&format!("cache{INVISIBLE}cold"), I::High, U::High, 1, &[&format!("web{INVISIBLE}")]);
    c.run("ben", Command::Note { id, text: format!("first{INVISIBLE}second") });
    let mut h = app(&c);
    let screen = h.draw();
    assert!(screen.contains("disk full on db"), "{screen}");
    assert!(screen.contains("cache cold"), "a separator in a one-line cell is a space:\n{screen}");
    let clean = |h: &Headless| {
        for cell in &h.terminal.backend().buffer().content {
            let bad = cell.symbol().chars().find(|ch| ch.is_control() || INVISIBLE.contains(*ch));
            assert!(bad.is_none(), "{:?} in a cell", bad.map(u32::from));
        }
    };
    clean(&h);
    // The detail and its timeline, zoomed so the note shows whole.
    select(&mut h, id.0);
    h.act(Action::Open);
    h.act(Action::Zoom);
    let screen = h.draw();
    assert!(screen.contains("first"), "{screen}");
    clean(&h);
}

/// Line and paragraph separators, the Arabic letter mark, bidi marks, embeddings, overrides
/// and isolates, zero-width characters and joiners, the word joiner, invisible operators and
/// the byte-order mark.
const INVISIBLE: &str = "\u{2028}\u{2029}\u{061C}\u{200E}\u{200F}\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}\u{200B}\u{200C}\u{200D}\u{2060}\u{2061}\u{2062}\u{2063}\u{2064}\u{FEFF}";

#[test]
fn no_color_leaves_only_emphasis() {
    let c = seeded();
    let terminal =
        piket::tui::terminal::Capabilities { colours: piket::tui::terminal::Colours::None, unicode: true };
    let settings = TuiSettings { terminal, ..TuiSettings::default() };
    let mut h = Headless::new(c.ana.clone(), &settings, c.now(), 80, 24).unwrap();
    h.draw();
    let buf = h.terminal.backend().buffer();
    assert!(
        buf.content
            .iter()
            .all(|cell| cell.fg == ratatui::style::Color::Reset && cell.bg == ratatui::style::Color::Reset)
    );
}

#[test]
fn engine_down_shows_a_banner_and_recovers() {
    let c = seeded();
    let mut h = app(&c);
    c.ana.set_down(true);
    h.act(Action::ToggleClosed);
    assert!(h.app.link.banner.is_some());
    c.ana.set_down(false);
    h.act(Action::ToggleClosed);
    assert!(h.app.link.banner.is_none());
}

#[test]
fn server_away_shows_a_banner_refuses_writes_and_reloads_when_back() {
    use piket::client::Connection;
    let c = seeded();
    let mut h = app(&c);
    select(&mut h, 1);
    let before = c.timeline(IncidentId(1)).len();
    h.send(Msg::Connection(Connection::Lost("the piket server went away".into())));
    assert!(h.draw().contains("the piket server went away"), "the banner shows");
    h.act(Action::Acknowledge);
    assert_eq!(c.timeline(IncidentId(1)).len(), before, "nothing was sent");
    assert!(h.draw().contains("not sent"), "the responder is told");
    // Meanwhile someone else acknowledged INC-3; when the server is back the queue catches up.
    c.run("ben", Command::Acknowledge { id: IncidentId(3) });
    h.send(Msg::Connection(Connection::Connected));
    assert!(h.app.link.banner.is_none());
    assert_eq!(h.app.incident(IncidentId(3)).unwrap().status, Status::Acknowledged);
    h.act(Action::Acknowledge);
    assert_eq!(c.timeline(IncidentId(1)).len(), before + 1, "writes work again");
}

#[test]
fn settings_are_validated_with_one_sentence_per_problem() {
    let mut s = TuiSettings::default();
    s.keys.insert("acknowledge".into(), vec!["x".into()]);
    s.theme.insert("accent".into(), "chartreuse-ish".into());
    let err = s.validate().unwrap_err();
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(err.contains("'x' is bound to both acknowledge and export"));
    assert!(err.contains("'chartreuse-ish' is not a colour"));
}

#[test]
fn the_clock_ticks_only_when_something_on_screen_ages() {
    let c = World::empty();
    let mut h = app(&c);
    assert!(!h.app.needs_tick());
    c.register("x", I::Low, U::Low, 4, &[]);
    h.send(Msg::Tick(c.now()));
    assert!(h.app.needs_tick());
    assert_eq!(c.engine.list(&Query::default()).unwrap().len(), 1);
}

#[test]
fn export_writes_markdown_with_the_timeline() {
    let c = seeded();
    let dir = tempfile::tempdir().unwrap();
    let path = piket::tui::export::write(c.ana.as_ref(), IncidentId(2), dir.path(), chrono_tz::UTC).unwrap();
    assert!(path.ends_with("INC-2.md"), "{path}");
    let md = std::fs::read_to_string(path).unwrap();
    assert!(md.starts_with("# INC-2: Replication lag"), "{md}");
    assert!(md.contains("escalated to dba-oncall: failover needs a DBA"), "{md}");
}

#[test]
fn a_second_export_or_a_planted_link_never_overwrites_a_report() {
    let c = seeded();
    let dir = tempfile::tempdir().unwrap();
    let first = piket::tui::export::write(c.ana.as_ref(), IncidentId(2), dir.path(), chrono_tz::UTC).unwrap();
    std::fs::write(&first, "my edited report").unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("INC-2-2.md")).unwrap();
    let second =
        piket::tui::export::write(c.ana.as_ref(), IncidentId(2), dir.path(), chrono_tz::UTC).unwrap();
    assert!(second.ends_with("INC-2-3.md"), "{second}");
    assert_eq!(std::fs::read_to_string(&first).unwrap(), "my edited report");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    assert!(std::fs::read_to_string(&second).unwrap().starts_with("# INC-2:"));
}

#[test]
fn export_key_asks_for_an_export_of_the_selected_incident() {
    let c = seeded();
    let mut h = app(&c);
    select(&mut h, 3);
    let fx = h.app.update(Msg::Action(Action::Export));
    assert_eq!(fx, vec![piket::tui::effect::Effect::Export(IncidentId(3), chrono_tz::UTC)]);
}

#[test]
fn a_scrolled_timeline_stays_put_when_events_arrive() {
    let c = seeded();
    for n in 0..40 {
        c.run("ben", Command::Note { id: IncidentId(2), text: format!("check {n}") });
    }
    let mut h = app(&c);
    select(&mut h, 2);
    h.act(Action::Open);
    h.act(Action::SelectFirst);
    assert_eq!(h.app.pane.timeline_top, Some(0));
    c.run("ben", Command::Note { id: IncidentId(2), text: "another one".into() });
    h.send(Msg::Tick(c.now()));
    assert_eq!(h.app.selected_timeline().unwrap().events.len(), 47, "the new event arrived");
    assert_eq!(h.app.pane.timeline_top, Some(0), "and the view did not jump");
    h.act(Action::SelectLast);
    assert_eq!(h.app.pane.timeline_top, None, "G follows the newest again");
}

#[test]
fn the_header_counts_breached_targets_and_names_the_next_one() {
    let c = seeded();
    let mut h = app(&c);
    let (overdue, next) = h.app.deadlines_now();
    assert_eq!(overdue, 1, "INC-1 (P1) was not acknowledged within 5 minutes");
    assert_eq!(next.map(|(id, _)| id), Some(IncidentId(3)));
    h.set_now(c.now() + Duration::days(3));
    assert_eq!(h.app.deadlines_now(), (4, None), "every open target has passed");
    // Acknowledging stops the acknowledge clock: the resolve clock runs instead.
    c.run("ana", Command::Acknowledge { id: IncidentId(1) });
    h.send(Msg::Tick(c.now() - Duration::minutes(1)));
    let (_, next) = h.app.deadlines_now();
    assert!(next.is_some_and(|(id, d)| id == IncidentId(1) && d.clock.as_str() == "resolve"), "{next:?}");
}

#[test]
fn a_long_queue_shows_its_first_page_before_all_of_it_has_arrived() {
    use piket::tui::app::{App, FIRST_PAGE};
    use piket::tui::effect::Effect;

    let c = seeded();
    let all = c.engine.list(&Query::default()).unwrap();
    assert!(all.len() > 2);
    let mut app = App::new(&TuiSettings::default(), "ana", c.now()).unwrap();
    let start = app.start();
    assert_eq!(start[0], Effect::LoadPage { all: false, limit: FIRST_PAGE }, "{start:?}");

    let fx = app.update(Msg::PageLoaded(Ok(all[..2].to_vec())));
    assert!(fx.contains(&Effect::LoadList { all: false }), "the rest is fetched next: {fx:?}");
    assert!(app.queue.loaded && !app.queue.complete);
    assert_eq!(app.queue.visible_len(), 2);

    assert!(app.update(Msg::ListLoaded(Ok(all.clone()))).is_empty());
    assert!(app.queue.complete);
    assert_eq!(app.queue.visible_len(), all.len());
    // A page that arrives late never shrinks a queue that is already whole.
    app.update(Msg::PageLoaded(Ok(all[..1].to_vec())));
    assert_eq!(app.queue.visible_len(), all.len());
}

#[test]
fn a_rota_change_reloads_who_is_on_call_and_never_fetches_incident_0() {
    use piket::tui::effect::Effect;
    use piket::wire::Change;
    let c = seeded();
    let mut h = app(&c);
    select(&mut h, 2);
    let rota = Change { global_seq: 99, incident: IncidentId::ROTA, seq: 1, paged: false };
    let fx = h.app.update(Msg::Changed(rota));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::LoadIncident(_) | Effect::LoadTimeline(_))),
        "the rota is not an incident: {fx:?}"
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadRota(q) if q.days == 0)), "{fx:?}");
    assert!(fx.contains(&Effect::LoadEscalation(IncidentId(2))), "whom levels reach may change: {fx:?}");
}

#[test]
fn the_header_asks_who_is_on_call_again_once_a_hand_off_has_passed() {
    use chrono::TimeZone;
    use piket::tui::effect::Effect;
    let c = World::rota();
    let mut h = Headless::new(c.ana.clone(), &TuiSettings::default(), c.now(), 180, 40).unwrap();
    assert!(
        h.draw().contains("on call: alice (dba), dave (web) · next bob 2026-11-26 09:00"),
        "{}",
        h.draw()
    );
    let handoff = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap();
    let fx = h.app.update(Msg::Tick(handoff - Duration::seconds(1)));
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadRota(_))), "not before the hand-off: {fx:?}");
    h.set_now(handoff);
    assert!(
        h.draw().contains("on call: bob (dba), dave (web) · next carol 2026-11-27 18:00"),
        "{}",
        h.draw()
    );
    let fx = h.app.update(Msg::Tick(handoff + Duration::seconds(1)));
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadRota(_))), "asked once per hand-off: {fx:?}");
}

#[test]
fn without_schedules_the_header_keeps_the_configured_names() {
    let c = seeded();
    let settings = TuiSettings { on_call: vec!["ana".into(), "ben".into()], ..TuiSettings::default() };
    let mut h = Headless::new(c.ana.clone(), &settings, c.now(), 160, 40).unwrap();
    assert!(h.draw().contains("on call: ana, ben"), "{}", h.draw());
}

#[test]
fn the_escalation_is_fetched_for_the_selection_and_after_it_changes() {
    use piket::tui::effect::Effect;
    let c = World::with_config(&[common::ESCALATION, &common::services(&[])]);
    c.seed();
    let mut h = app(&c);
    select(&mut h, 1);
    let fx = h.app.update(Msg::Action(Action::SelectNext));
    let next = h.app.queue.selected.unwrap();
    assert!(fx.contains(&Effect::LoadEscalation(next)), "{fx:?}");
    select(&mut h, 1);
    assert!(h.app.selected_escalation().unwrap().unwrap().policy.is_none());
    assert!(h.draw().contains("no escalation policy"));
    // A service with a policy is added: the change brings the escalation.
    let changes = piket::domain::FieldChanges { services: Some(vec!["db".into()]), ..Default::default() };
    c.run("ben", Command::Update { id: IncidentId(1), changes });
    h.send(Msg::Tick(c.now()));
    let esc = h.app.selected_escalation().unwrap().unwrap();
    assert_eq!(esc.policy.as_deref(), Some("dba"));
    assert!(h.app.needs_tick(), "a countdown is on screen");
}

#[test]
fn the_page_key_opens_a_form_that_sends_command_page() {
    use piket::domain::EventKind;
    use piket::tui::effect::Effect;
    let c = World::with_config(&[common::ESCALATION]);
    c.paged_mid_way(); // level 1 paged
    let mut h = app(&c);
    select(&mut h, 1);
    h.act(Action::Page);
    let form = h.app.form().expect("the page form is open");
    assert!(form.fields[0].hint.contains("next = level 2 (bob)"), "{:?}", form.fields[0].hint);
    assert_eq!(form.fields[0].shown(), "next");
    // Submitting without a reason is refused in place; nothing is sent.
    assert!(h.app.update(Msg::Action(Action::Submit)).is_empty());
    assert_eq!(h.app.form().unwrap().focus, 1, "the reason is marked");
    h.act(Action::PrevField);
    h.type_text("3"); // a digit picks that level
    h.act(Action::NextField);
    h.type_text("nobody answers on level 2");
    let fx = h.app.update(Msg::Action(Action::Submit));
    let page =
        Command::Page { id: IncidentId(1), level: Some(3), reason: "nobody answers on level 2".into() };
    assert_eq!(fx, vec![Effect::Execute { cmds: vec![page], what: "Page · INC-1".into() }]);

    // The same through the client: the page is recorded and said in the footer.
    let mut h = app(&c);
    select(&mut h, 1);
    h.act(Action::Page);
    h.act(Action::NextField);
    h.type_text("need a DBA now");
    h.act(Action::Submit);
    assert!(h.app.form().is_none(), "{:?}", h.app.form().and_then(|f| f.error.clone()));
    let last = c.timeline(IncidentId(1)).pop().unwrap();
    assert!(
        matches!(&last.kind, EventKind::LevelPaged(p) if p.level == 2 && p.reason == "by hand: need a DBA now"),
        "{last:?}"
    );
    assert!(h.draw().contains("INC-1: paged level 2"), "{}", h.draw());
}

#[test]
fn the_page_key_says_why_not_without_a_policy_or_when_resolved() {
    let c = seeded();
    let mut h = app(&c);
    select(&mut h, 2);
    h.act(Action::Page);
    assert!(h.app.form().is_none());
    assert!(h.draw().contains("page not possible: INC-2 has no escalation policy"), "{}", h.draw());
    assert!(!h.app.possible_actions().contains(&Action::Page));
    h.act(Action::ToggleClosed);
    select(&mut h, 5);
    h.act(Action::Page);
    assert!(h.draw().contains("INC-5 is resolved: reopen it before paging anyone"), "{}", h.draw());
}

/// A terminal opened a second after the last commit.
fn opened_now(c: &World) -> Headless {
    Headless::new(c.ana.clone(), &TuiSettings::default(), c.now() + Duration::seconds(1), 160, 40).unwrap()
}

/// ben pages a level of INC-`id`: level 1 is ana, level 2 ben (config [`common::PAGING`]).
fn page(c: &World, id: u64, level: u32, reason: &str) {
    c.run("ben", Command::Page { id: IncidentId(id), level: Some(level), reason: reason.into() });
}

/// The seeded queue with INC-1 (checkout) and INC-3 (logging) paging ana, then ben.
fn paging() -> World {
    let c = World::with_config(&[common::PAGING, &common::services(&["checkout", "logging"])]);
    c.seed();
    c
}

#[test]
fn a_page_for_me_rings_once_and_shows_a_banner_until_acknowledged() {
    use piket::tui::effect::Effect;
    use piket::wire::Change;
    let c = paging();
    let mut h = opened_now(&c);
    select(&mut h, 3);
    // What update asks for, step by step: a paged change -> the timeline -> the bell.
    page(&c, 1, 1, "db primary down");
    let paged = Change { global_seq: 99, incident: IncidentId(1), seq: 3, paged: true };
    let fx = h.app.update(Msg::Changed(paged));
    assert!(fx.contains(&Effect::CheckPages(IncidentId(1))), "{fx:?}");
    let fx = h.app.update(Msg::PagesChecked(IncidentId(1), Ok(c.timeline(IncidentId(1)))));
    assert_eq!(fx, vec![Effect::Bell]);
    assert_eq!(h.app.update(Msg::PagesChecked(IncidentId(1), Ok(c.timeline(IncidentId(1))))), vec![]);

    // The same through the feed: one bell for the one page, however many changes follow.
    let mut h = opened_now(&c);
    select(&mut h, 3);
    page(&c, 1, 1, "db primary down");
    h.send(Msg::Tick(c.now()));
    assert_eq!(h.bells, 1);
    let screen = h.draw();
    assert!(
        screen.contains(
            "PAGED: INC-1 level 1 — Checkout API returns 502 for 30% of requests — ! ack INC-1 (paged) · esc dismisses"
        ),
        "{screen}"
    );
    c.run("ben", Command::Note { id: IncidentId(1), text: "looking".into() });
    h.send(Msg::Tick(c.now()));
    assert_eq!(h.bells, 1, "a note is not a page");
    assert_eq!(h.app.queue.selected, Some(IncidentId(3)), "the page does not move the selection");
    // The banner's own key acknowledges the incident it names, and selects it; the banner goes.
    h.act(Action::AcknowledgePage);
    assert_eq!(c.incident(IncidentId(1)).status, Status::Acknowledged);
    assert_eq!(said(&h), "INC-1: acknowledged");
    assert!(h.app.paging.alert.is_none());
    assert_eq!(h.app.queue.selected, Some(IncidentId(1)));
    assert!(!h.draw().contains("PAGED"));
}

/// With a P1 selected and a P3 paged, `a` acked the P3: the queue's keys act on the selected
/// incident whatever the banner says, and the banner's key is its own.
#[test]
fn while_the_banner_is_up_the_queue_keys_act_on_the_selected_incident() {
    let c = paging();
    let mut h = opened_now(&c);
    select(&mut h, 1);
    page(&c, 3, 1, "disk filling");
    h.send(Msg::Tick(c.now()));
    assert!(h.draw().contains("! ack INC-3 (paged)"), "{}", h.draw());
    h.act(Action::Acknowledge);
    assert_eq!(c.incident(IncidentId(1)).status, Status::Acknowledged, "the selected one");
    assert_eq!(c.incident(IncidentId(3)).status, Status::Triggered, "not the paged one");
    assert_eq!(said(&h), "INC-1: acknowledged");
    assert_eq!(h.app.queue.selected, Some(IncidentId(1)));
    assert!(h.draw().contains("! ack INC-3 (paged)"), "the banner stays until its incident is acked");
    // Every main-screen key has one action: the banner's key shadows none of the queue's.
    let km = &h.app.keymap;
    let banner = km.keys(Action::AcknowledgePage).to_vec();
    assert!(!banner.is_empty());
    for a in Action::ALL.iter().filter(|a| **a != Action::AcknowledgePage) {
        for k in km.keys(*a) {
            if a.scope() == piket::tui::action::Scope::Normal {
                assert!(!banner.contains(k), "{k} is both the banner's and {}", a.name());
            }
        }
    }
    h.act(Action::AcknowledgePage);
    assert_eq!(c.incident(IncidentId(3)).status, Status::Acknowledged);
    assert_eq!(said(&h), "INC-3: acknowledged");
    assert_eq!(h.app.queue.selected, Some(IncidentId(3)));
    assert!(!h.draw().contains("PAGED"));
    // No banner: the key says so and writes nothing.
    writes_nothing(&c, &mut h, 1, |h| h.act(Action::AcknowledgePage));
    assert_eq!(said(&h), "no page to acknowledge");
}

#[test]
fn a_page_for_someone_else_or_from_before_the_start_stays_silent() {
    let c = paging();
    page(&c, 1, 1, "before this terminal opened");
    let mut h = opened_now(&c);
    assert_eq!(h.bells, 0);
    page(&c, 1, 2, "for ben");
    h.send(Msg::Tick(c.now()));
    assert_eq!(h.bells, 0, "ben's page is not ana's");
    assert!(h.app.paging.alert.is_none());
    // A new page for ana rings once: the one before the start is history, not replayed.
    page(&c, 1, 1, "for ana");
    h.send(Msg::Tick(c.now()));
    assert_eq!(h.bells, 1);
    // Esc dismisses the banner; the page stays on the record.
    h.act(Action::Back);
    assert!(h.app.paging.alert.is_none());
    assert!(!h.draw().contains("PAGED"));
}

fn edit(h: &mut Headless, e: piket::tui::form::Edit) {
    h.send(Msg::Edit(e));
}

#[test]
fn the_schedule_view_has_its_own_keys_and_keeps_moving_and_closing() {
    use piket::tui::event::translate;
    use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let key = |c: char| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let c = World::rota();
    let mut h = app(&c);
    assert!(matches!(translate(&h.app, &key('a')), Some(Msg::Action(Action::Acknowledge))));
    h.act(Action::Schedule);
    assert!(h.app.rota.view.as_ref().unwrap().view().is_some(), "the 14 days were fetched");
    assert!(matches!(translate(&h.app, &key('a')), Some(Msg::Action(Action::AddOverride))));
    assert!(matches!(translate(&h.app, &key('x')), Some(Msg::Action(Action::RemoveOverride))));
    assert!(matches!(translate(&h.app, &key('j')), Some(Msg::Action(Action::SelectNext))));
    assert!(matches!(translate(&h.app, &key('q')), Some(Msg::Action(Action::Quit))));
    assert!(translate(&h.app, &key('n')).is_none(), "incident keys do nothing here");
    h.act(Action::SelectNext);
    assert_eq!(h.app.rota.view.as_ref().unwrap().cursor, 1);
    h.act(Action::Back);
    assert!(h.app.rota.view.is_none());
    assert!(h.draw().contains("Queue"));
}

#[test]
fn the_override_form_sends_add_override_with_times_read_ahead() {
    use chrono::TimeZone;
    use piket::tui::effect::Effect;
    use piket::tui::form::Edit;
    let c = World::rota();
    let mut h = app(&c); // Wednesday 25 November 2026, 09:16 UTC
    h.act(Action::Schedule);
    h.act(Action::AddOverride);
    assert_eq!(h.app.form().unwrap().fields[0].shown(), "dba", "the schedule under the cursor");
    h.act(Action::NextField);
    h.type_text("carol");
    h.act(Action::NextField);
    h.type_text("alice");
    h.act(Action::NextField);
    edit(&mut h, Edit::Clear);
    h.type_text("fri 18:00");
    h.act(Action::NextField);
    h.type_text("09:00"); // the first 09:00 after Friday 18:00
    h.act(Action::NextField);
    h.type_text("swap with alice");
    let fx = h.app.update(Msg::Action(Action::Submit));
    let add = RotaCommand::AddOverride {
        schedule: "dba".into(),
        person: "carol".into(),
        covers: Some("alice".into()),
        start: chrono::Utc.with_ymd_and_hms(2026, 11, 27, 18, 0, 0).unwrap(),
        end: chrono::Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap(),
        reason: Some("swap with alice".into()),
    };
    assert!(matches!(&fx[..], [Effect::ChangeRota { cmd, .. }] if *cmd == add), "{fx:?}");

    // Through the client: recorded, the form closes, the list shows it, the footer says so.
    let mut h = app(&c);
    h.act(Action::Schedule);
    h.act(Action::AddOverride);
    fill(&mut h, &["", "carol", "", "", "+2h"]);
    h.act(Action::Submit);
    assert!(h.app.form().is_none(), "{:?}", h.app.form().and_then(|f| f.error.clone()));
    assert!(
        matches!(c.rota_events().last(), Some(EventKind::OverrideAdded(o)) if o.person == "carol" && o.id == 2),
        "{:?}",
        c.rota_events()
    );
    let shown = &h.app.rota.view.as_ref().unwrap().view().unwrap().overrides;
    assert_eq!(shown.iter().map(|o| o.id).collect::<Vec<_>>(), vec![1, 2], "the view reloaded");
    assert!(h.draw().contains("rota: override #2: carol on call in dba"), "{}", h.draw());
    h.act(Action::SelectLast);
    assert!(h.draw().contains("#2 carol in dba · 09:16 → 11:16"), "{}", h.draw());
}

#[test]
fn the_override_form_refuses_in_place_and_removing_one_asks_first() {
    use piket::tui::form::Edit;
    let c = World::rota();
    let mut h = app(&c);
    h.act(Action::Schedule);
    h.act(Action::AddOverride);
    h.act(Action::NextField);
    h.type_text("carol");
    h.act(Action::NextField);
    h.act(Action::NextField);
    edit(&mut h, Edit::Clear);
    h.type_text("someday");
    h.act(Action::NextField);
    h.type_text("8h");
    h.act(Action::Submit);
    let form = h.app.form().expect("the form stays open");
    assert!(form.error.as_deref().unwrap().starts_with("From: 'someday' is not a time"), "{:?}", form.error);
    assert_eq!(c.rota_events().len(), 1, "nothing was sent: only carol's override is on record");
    h.act(Action::Cancel);

    // x on a day says where the overrides are; on one, a form confirms with a reason.
    h.act(Action::RemoveOverride);
    assert!(h.app.form().is_none());
    assert!(h.draw().contains("move to an override in the list"), "{}", h.draw());
    h.act(Action::SelectLast);
    h.act(Action::RemoveOverride);
    assert!(h.app.form().unwrap().title.starts_with("Remove override #1: carol for bob in dba"));
    h.type_text("bob is back");
    h.act(Action::Submit);
    assert_eq!(
        c.rota_events().last(),
        Some(&EventKind::OverrideRemoved { id: 1, reason: Some("bob is back".into()) })
    );
    assert!(h.draw().contains("none; a adds one"), "{}", h.draw());
}

#[test]
fn names_and_reasons_from_the_rota_and_the_pager_never_reach_the_terminal_raw() {
    let nasty = "ev\u{1b}[2Jil\u{1b}]52;c;ZXZpbA==\u{7}";
    let c = World::with_config(&[common::ROTA, common::PAGING, &common::services(&["checkout"])]);
    c.seed();
    c.carol_covers_bob(); // its reason carries an OSC title sequence
    c.run(
        "ben",
        Command::Update {
            id: IncidentId(1),
            changes: piket::domain::FieldChanges { title: Some(format!("db {nasty}")), ..Default::default() },
        },
    );
    let mut h =
        Headless::new(c.ana.clone(), &TuiSettings::default(), c.now() + Duration::seconds(1), 200, 50)
            .unwrap();
    page(&c, 1, 1, nasty);
    h.send(Msg::Tick(c.now()));
    let check = |h: &mut Headless| {
        let screen = h.draw();
        assert!(screen.contains("evil"), "{screen}");
        for cell in &h.terminal.backend().buffer().content {
            assert!(!cell.symbol().chars().any(char::is_control), "control char in {:?}", cell.symbol());
        }
    };
    check(&mut h);
    h.act(Action::Schedule);
    check(&mut h);
    h.act(Action::SelectLast);
    check(&mut h);
}

/// A `[server] read-only` user: the header says so, the footer says why, the actions pane
/// and the footer's hints offer nothing that writes, and every write key says why instead
/// of opening a form or sending anything.
#[test]
fn a_read_only_user_is_offered_no_write_and_told_why() {
    use piket::tui::action::Scope;
    let c = seeded();
    c.ana.set_read_only(true);
    let mut h = app(&c);
    select(&mut h, 1);
    let screen = h.draw();
    assert!(screen.lines().next().unwrap().contains("read-only"), "header:\n{screen}");
    assert!(
        screen.contains("read-only: ana is listed in [server] read-only on this server"),
        "the footer says why:\n{screen}"
    );
    let last = screen.lines().last().unwrap();
    for hint in [" new ", " ack ", " note ", " resolve "] {
        assert!(!last.contains(hint), "the footer offers{hint}: {last}");
    }
    assert!(last.starts_with("\" read-only: no writes "), "the hints say why writes are missing: {last}");
    assert!(h.app.possible_actions().iter().all(|a| !a.writes()), "{:?}", h.app.possible_actions());
    assert_eq!(
        h.app.possible_actions(),
        [Action::ActionItems, Action::Export],
        "the action items list reads"
    );

    let before = c.events_recorded();
    for &a in Action::ALL.iter().filter(|a| a.writes() && a.scope() == Scope::Normal) {
        h.act(a);
        assert!(h.app.form().is_none(), "{a:?} opened a form");
        let screen = h.draw();
        let said = format!("{} would change the record", a.name().replace('_', " "));
        assert!(screen.contains(&said), "{a:?} should say why:\n{screen}");
        assert!(screen.contains("read-only: ana is listed in [server] read-only"), "{screen}");
        h.act(Action::Back);
    }
    // The schedule view's writes too.
    h.act(Action::Schedule);
    for a in [Action::AddOverride, Action::RemoveOverride] {
        h.act(a);
        assert!(h.app.form().is_none(), "{a:?} opened a form");
        assert!(h.draw().contains("would change the record"), "{}", h.draw());
    }
    assert!(c.rota_events().is_empty());
    assert_eq!(c.events_recorded(), before, "a read-only user's keys recorded something");

    // Reads still work: the queue moves and the detail opens.
    h.act(Action::Back);
    h.act(Action::SelectNext);
    h.act(Action::Open);
    assert!(h.app.message.as_ref().is_none_or(|(_, m)| !m.contains("read-only")));
}

/// The same app for a user who may write offers the writes (the read-only test is not
/// passing because nothing is ever offered).
#[test]
fn a_user_who_may_write_is_offered_writes() {
    let c = seeded();
    let mut h = app(&c);
    select(&mut h, 1);
    assert!(h.app.link.read_only.is_none());
    assert!(h.app.possible_actions().iter().any(|a| a.writes()), "{:?}", h.app.possible_actions());
    assert!(!h.draw().contains("read-only"));
}

/// While incidents are marked the footer's keys are those that act on all of them, after
/// their count, at 80 columns; for a read-only user only the way out is left, said so.
#[test]
fn the_footer_names_the_marks_and_what_acts_on_them() {
    let c = seeded();
    let now = c.now() + Duration::minutes(3);
    let mut h = Headless::new(c.ana.clone(), &TuiSettings::default(), now, 80, 24).unwrap();
    h.act(Action::SelectFirst);
    let last = |h: &mut Headless| h.draw().lines().last().unwrap().to_owned();
    assert!(!last(&mut h).contains("marked"), "{}", last(&mut h));
    for _ in 0..3 {
        h.act(Action::Mark);
    }
    assert_eq!(
        last(&mut h),
        "\" 3 marked: a ack  R resolve  m note  p prio  esc clear                          \""
    );
    h.act(Action::Back);
    assert!(h.app.marks.is_empty());
    assert!(last(&mut h).contains("j/k move"), "the queue's keys again: {}", last(&mut h));

    c.ana.set_read_only(true);
    let mut h = Headless::new(c.ana.clone(), &TuiSettings::default(), now, 80, 24).unwrap();
    h.act(Action::SelectFirst);
    h.act(Action::Mark);
    let line = last(&mut h);
    assert!(line.starts_with("\" read-only: no writes  1 marked: esc clear"), "{line}");
}

/// A close refused in the TUI names the keys for what is still missing, and only that.
#[test]
fn a_refused_close_names_the_keys_for_what_is_missing() {
    let mut policy = piket::domain::Policy::default();
    policy.closing.require_action_items_done = true;
    let c = World::new(policy);
    let id = c.register("Checkout down", I::High, U::High, 2, &["api"]);
    let due = chrono::NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    c.run("ana", Command::AddActionItem { id, text: "alert on pool size".into(), owner: "ana".into(), due });
    c.run("ana", Command::Resolve { id, summary: "rolled back".into(), recovered_at: None });
    // The close form asks for the root cause and the review itself; what it cannot give is
    // named by its key.
    let mut h = close_form(&c, id.0);
    fill(&mut h, &["pool too small", "a deploy", "", "", "size the pool for peak"]);
    h.act(Action::Submit);
    let error = h.app.form().and_then(|f| f.error.clone()).unwrap_or_default();
    assert!(error.contains("action item #1 (ana) is not done"), "{error}");
    assert!(error.contains("; next: F action items"), "{error}");
    assert!(!error.contains(" root cause,") && !error.contains("W review"), "only what is missing: {error}");
    assert_eq!(c.incident(id).status, Status::Resolved);
    assert!(h.draw().contains("next: F"), "the form shows it:\n{}", h.draw());
}

/// At 80 columns a refusal rarely fits one line: it takes the hints' line too, so its next
/// step is on screen, and the hints come back with the next key.
#[test]
fn a_long_refusal_at_80_columns_keeps_its_next_step_on_screen() {
    let c = World::new(piket::domain::Policy::default());
    c.register("Checkout down", I::High, U::High, 2, &["api"]);
    let mut h = Headless::new(c.ana.clone(), &TuiSettings::default(), c.now(), 80, 24).unwrap();
    h.act(Action::Review);
    let screen = h.draw();
    let footer: Vec<&str> = screen.lines().rev().take(2).collect();
    let said = format!("{} {}", footer[1].trim_matches('"').trim(), footer[0].trim_matches('"').trim());
    let message = h.app.message.clone().map(|(_, m)| m).unwrap_or_default();
    assert!(message.len() > 80, "a refusal longer than a line: {message}");
    let tail: String = message
        .split_whitespace()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(said.contains(&tail), "the end of the refusal ({tail}) is on screen:\n{screen}");
    h.act(Action::SelectNext);
    assert!(h.draw().lines().last().unwrap_or_default().contains("? help"), "{}", h.draw());
}
