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
    assert!(h.app.form().is_none(), "{:?}", h.app.form().and_then(|f| f.error.clone()));
}

#[test]
fn one_responder_works_another_sees_it_live() {
    let (mut h, ben) = setup();
    register(&mut h, "Checkout returns 502");
    register(&mut h, "Search is slow");
    assert_eq!(h.app.queue.selected, Some(IncidentId(2)), "a new incident is selected");
    h.act(Action::Acknowledge);
    h.act(Action::UrgencyUp);
    assert_eq!(h.app.selected_incident().unwrap().priority, Priority::P2);

    // Ben, on another terminal, notes on INC-2 and acknowledges INC-1.
    ben.execute(Command::Note { id: IncidentId(2), text: "saw it too".into() }, piket::domain::Source::Cli)
        .unwrap();
    ben.execute(Command::Acknowledge { id: IncidentId(1) }, piket::domain::Source::Cli).unwrap();
    h.send(Msg::Tick(Utc::now()));
    assert_eq!(h.app.queue.selected, Some(IncidentId(2)), "the selection stays");
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

#[test]
fn alert_born_incidents_show_source_alert_count_and_labels_sanitised() {
    use piket::domain::alert::{AlertMapping, FlapRule};
    use piket::engine::IngestItem;
    let engine = Arc::new(Engine::in_memory(Policy::default()).unwrap());
    let mapping = AlertMapping { group_receivers: vec!["team-db".into()], ..AlertMapping::default() };
    let body = serde_json::json!({
        "version": "4", "groupKey": "{}:{alertname=\"DiskFull\"}", "status": "firing", "receiver": "team-db",
        "alerts": [
            {"status": "firing", "fingerprint": "1111000000000001", "startsAt": "2026-11-20T08:00:00Z",
             "labels": {"alertname": "DiskFull", "instance": "db-1\u{1b}[31m", "service": "db"},
             "annotations": {"summary": "Disk full \u{1b}]0;pwned\u{7}on db-1"}},
            {"status": "resolved", "fingerprint": "1111000000000002", "startsAt": "2026-11-20T08:00:00Z",
             "endsAt": "2026-11-20T08:05:00Z", "labels": {"alertname": "DiskFull", "instance": "db-2"}}
        ]
    });
    let signals = piket::server::payload::parse_alertmanager(body.to_string().as_bytes(), &mapping).unwrap();
    engine.ingest(&[IngestItem { signals, now: Utc::now(), actor: None }], FlapRule::default()).unwrap();
    let ana: Arc<dyn Client> = Arc::new(LocalClient::with_actor(Arc::clone(&engine), "ana"));
    let mut h = Headless::new(ana, &TuiSettings::default(), Utc::now(), 120, 30).unwrap();
    h.send(Msg::Tick(Utc::now()));
    let screen = h.draw();
    assert!(screen.contains("alerts alertmanager · 2 alerts (1 firing)"), "{screen}");
    assert!(screen.contains("alertname=DiskFull"), "{screen}");
    assert!(!screen.contains('\u{1b}') && !screen.contains("]0;pwned\u{7}"), "sanitised: {screen}");
}

#[test]
fn a_maintenance_window_is_set_from_the_tui() {
    let engine = Arc::new(Engine::in_memory(Policy::default()).unwrap());
    let ana: Arc<dyn Client> = Arc::new(LocalClient::with_actor(Arc::clone(&engine), "ana"));
    let mut reg = piket::domain::NewIncident::new(
        "DiskFull on db-3",
        piket::domain::Impact::High,
        piket::domain::Urgency::High,
        piket::domain::Severity::SEV2,
    );
    reg.services = vec!["db".into()];
    ana.execute(Command::Register(reg), piket::domain::Source::Cli).unwrap();
    let mut h = Headless::new(ana, &TuiSettings::default(), Utc::now(), 120, 30).unwrap();
    h.act(Action::Maintenance);
    let form = h.app.form().expect("the maintenance form opens");
    assert_eq!(form.fields[0].value, "db", "the incident's service is filled in");
    h.act(Action::NextField);
    h.act(Action::NextField);
    h.act(Action::Submit);
    assert!(
        h.app.form().is_some_and(|f| f.error.is_some() || f.fields[2].error.is_some()),
        "a reason is required"
    );
    h.type_text("disk swap");
    h.act(Action::Submit);
    assert!(h.app.form().is_none(), "{:?}", h.app.form().and_then(|f| f.error.clone()));
    let windows = engine.maintenance_list().unwrap().windows;
    assert_eq!(windows.len(), 1);
    assert_eq!(
        (windows[0].id, windows[0].service.as_str(), windows[0].reason.as_str(), windows[0].set_by.as_str()),
        (1, "db", "disk swap", "ana")
    );
    assert_eq!(windows[0].end - windows[0].start, chrono::Duration::hours(1));
    assert!(h.draw().contains("db in maintenance until"));
    // On the chain, by the TUI's user through the TUI.
    let set = engine.timeline(IncidentId::MAINTENANCE).unwrap();
    assert_eq!((set.len(), set[0].actor.as_str(), set[0].source), (1, "ana", piket::domain::Source::Tui));
    assert_eq!(engine.verify().unwrap().maintenance_events, 1);
}

/// The real engine with a rota: the scheduler pages level 1 of a new incident, which reaches
/// this terminal's responder; the app rings once and shows the banner and the escalation.
#[test]
fn a_page_by_the_scheduler_reaches_the_terminal_of_the_person_paged() {
    let config = piket::config::Config::from_toml_str(
        r#"
[people.ana]
user = "ana"
[people.ben]
user = "ben"
[schedules.dba]
rotations = [{ members = ["ana"], shift = "weekly", handoff = "09:00", start = "2026-01-05" }]
[escalation-policies.dba]
levels = [{ targets = ["schedule:dba"], timeout = "15m" }, { targets = ["person:ben"], timeout = "15m" }]
[services.db]
escalation-policy = "dba"
"#,
        std::path::Path::new("test.toml"),
    )
    .unwrap();
    let engine = Arc::new(Engine::in_memory(config.policy).unwrap());
    let scheduler = piket::server::scheduler::Scheduler::load(Arc::clone(&engine)).unwrap();
    let ana: Arc<dyn Client> = Arc::new(LocalClient::with_actor(Arc::clone(&engine), "ana"));
    let ben = LocalClient::with_actor(Arc::clone(&engine), "ben");
    let mut h = Headless::new(ana, &TuiSettings::default(), Utc::now(), 120, 30).unwrap();
    assert!(h.draw().contains("on call: ana (dba)"), "{}", h.draw());

    let mut reg = piket::domain::NewIncident::new(
        "db primary down",
        piket::domain::Impact::High,
        piket::domain::Urgency::High,
        piket::domain::Severity::SEV2,
    );
    reg.services = vec!["db".into()];
    ben.execute(Command::Register(reg), piket::domain::Source::Cli).unwrap();
    scheduler.pass(Utc::now()).unwrap();
    h.send(Msg::Tick(Utc::now()));
    assert_eq!(h.bells, 1);
    let screen = h.draw();
    assert!(screen.contains("PAGED: INC-1 level 1 — db primary down — ! ack INC-1 (paged)"), "{screen}");
    assert!(screen.contains("dba · level 2 in 1"), "the countdown to level 2: {screen}");

    // Ben pages level 2 by hand: ben is paged, not ana; no second bell here.
    ben.execute(
        Command::Page { id: IncidentId(1), level: Some(2), reason: "need a second pair of eyes".into() },
        piket::domain::Source::Cli,
    )
    .unwrap();
    h.send(Msg::Tick(Utc::now()));
    assert_eq!(h.bells, 1);
    h.act(Action::Acknowledge);
    assert!(h.app.paging.alert.is_none());
    assert!(h.draw().contains("acknowledged ana"), "{}", h.draw());
}

/// Through the real server: a root cause with a trigger and factors recorded from the CLI,
/// the incident closed from the TUI (connected to the server's socket), and `piket show
/// --json` and `piket export` still have the trigger and every factor.
#[test]
fn after_a_tui_close_show_and_export_keep_the_trigger_and_factors() {
    use piket::client::remote::RemoteClient;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    let piket = |args: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_piket"));
        c.arg("--data-dir").arg(dir.path()).args(args);
        c.env("PIKET_CONFIG", dir.path().join("config.toml"))
            .env_remove("PIKET_DATA_DIR")
            .env_remove("PIKET_SOCKET");
        c
    };
    let ok = |args: &[&str]| {
        let out = piket(args).output().unwrap();
        assert!(out.status.success(), "piket {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let mut server = piket(&["serve"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let socket = dir.path().join("piket.sock");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let client = loop {
        match RemoteClient::connect(&socket) {
            Ok(c) => break c,
            Err(e) => {
                assert!(std::time::Instant::now() < until, "the server never answered: {e}");
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    };
    ok(&["new", "Nightly export fails", "--impact", "low", "--urgency", "low", "--severity", "SEV4"]);
    ok(&[
        "root-cause",
        "1",
        "job ran out of memory",
        "--trigger",
        "nightly batch doubled",
        "--factor",
        "no memory alert",
        "--factor",
        "limits unset",
    ]);
    ok(&["resolve", "1", "-m", "re-ran with more memory"]);

    let mut h = Headless::new(Arc::new(client), &TuiSettings::default(), Utc::now(), 120, 30).unwrap();
    h.act(Action::ToggleClosed);
    h.act(Action::SelectFirst);
    assert_eq!(h.app.queue.selected, Some(IncidentId(1)));
    h.act(Action::Close);
    for _ in 0..4 {
        h.act(Action::NextField);
    }
    h.type_text("size the job for peak data");
    h.act(Action::Submit);
    assert!(h.app.form().is_none(), "{:?}", h.app.form().map(|f| &f.error));

    let shown: serde_json::Value = serde_json::from_str(&ok(&["show", "1", "--json"])).unwrap();
    assert_eq!(shown["status"], "closed", "{shown}");
    assert_eq!(shown["root_cause"]["trigger"], "nightly batch doubled", "{shown}");
    assert_eq!(
        shown["root_cause"]["contributing_factors"],
        serde_json::json!(["no memory alert", "limits unset"])
    );
    let exported = ok(&["export", "1"]);
    assert!(exported.contains("nightly batch doubled") && exported.contains("limits unset"), "{exported}");
    let timeline = ok(&["timeline", "1"]);
    assert_eq!(timeline.matches("root cause:").count(), 1, "recorded once: {timeline}");
    ok(&["server", "stop"]);
    let _ = server.wait();
}
