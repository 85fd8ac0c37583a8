//! The headless app against the real engine (in memory) through the in-process client: what
//! one responder does, another sees, without losing their place.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::Utc;
use piket::client::Client;
use piket::client::local::LocalClient;
use piket::domain::{Command, IncidentId, Policy, Priority, Status};
use piket::engine::Engine;
use piket::tui::TuiSettings;
use piket::tui::action::Action;
use piket::tui::app::Msg;
use piket::tui::headless::Headless;

fn setup() -> (Headless, LocalClient) {
    let engine = Arc::new(Engine::in_memory(Policy::default()).unwrap());
    let ana: Arc<dyn Client> = Arc::new(LocalClient::with_actor(Arc::clone(&engine), "ana"));
    let ben = LocalClient::with_actor(engine, "ben");
    let h = Headless::new(ana, &TuiSettings::default(), Utc::now(), 100, 30).unwrap();
    (h, ben)
}

fn register(h: &mut Headless, title: &str) {
    h.act(Action::NewIncident);
    h.type_text(title);
    h.act(Action::Submit);
    assert!(h.app.form.is_none(), "{:?}", h.app.form.as_ref().and_then(|f| f.error.clone()));
}

#[test]
fn one_responder_works_another_sees_it_live() {
    let (mut h, ben) = setup();
    register(&mut h, "Checkout returns 502");
    register(&mut h, "Search is slow");
    assert_eq!(h.app.selected, Some(IncidentId(2)), "a new incident is selected");
    h.act(Action::Acknowledge);
    h.act(Action::UrgencyUp);
    assert_eq!(h.app.selected_incident().unwrap().priority, Priority::P2);

    // Ben, on another terminal, notes on INC-2 and acknowledges INC-1.
    ben.execute(Command::Note { id: IncidentId(2), text: "saw it too".into() }, piket::domain::Source::Cli)
        .unwrap();
    ben.execute(Command::Acknowledge { id: IncidentId(1) }, piket::domain::Source::Cli).unwrap();
    h.send(Msg::Tick(Utc::now()));
    assert_eq!(h.app.selected, Some(IncidentId(2)), "the selection stays");
    assert_eq!(h.app.incident(IncidentId(1)).unwrap().status, Status::Acknowledged);
    let screen = h.draw();
    assert!(screen.contains("ben note saw it too"), "{screen}");
}

#[test]
fn engine_refusals_show_in_the_form() {
    let (mut h, ben) = setup();
    register(&mut h, "Disk full");
    h.act(Action::Note);
    h.type_text("filling up");
    // Meanwhile the incident is resolved and closed elsewhere... a note is still allowed
    // on a closed incident, so use a resolve racing a resolve instead.
    h.act(Action::Cancel);
    h.act(Action::Resolve);
    h.type_text("cleaned /var/log");
    ben.execute(
        Command::Resolve { id: IncidentId(1), summary: "rotated logs".into(), recovered_at: None },
        piket::domain::Source::Cli,
    )
    .unwrap();
    // The app has not seen ben's change yet: its check passes, the engine refuses.
    h.act(Action::Submit);
    let screen = h.draw();
    assert!(screen.contains("INC-1 is already resolved"), "{screen}");
}
