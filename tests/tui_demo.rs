//! The demo data set (src/demo.rs, through the real engine) on the real screen: what a newcomer
//! sees first after `piket demo`, at 80x24 and 160x48. The seed and the app share one fixed
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
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut app = demo(w, h);
        insta::assert_snapshot!(format!("demo_main_{w}x{h}"), app.draw());
    }
}

#[test]
fn demo_all_incidents_and_a_closed_one() {
    let mut app = demo(160, 48);
    app.act(Action::ToggleClosed);
    app.act(Action::SelectLast);
    app.act(Action::Open);
    insta::assert_snapshot!("demo_all_160x48", app.draw());
}
