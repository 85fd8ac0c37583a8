//! The alert receivers over a real TCP listener with a bearer token: every field and rule of
//! the Alertmanager webhook (v4), PagerDuty Events v2 and plain JSON, and every bad request
//! (4xx with a reason and nothing stored).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::cli::command;
use crate::common::http;
use crate::common::in_process::{InProcess, free_port, open_engine, socket_options, token_file};
use crate::common::record;

use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use piket::domain::alert::AlertMapping;
use piket::domain::{EventKind, Impact, Incident, Policy, Severity, Status, Urgency};
use piket::engine::Engine;
use piket::server::ingest::AlertOptions;
use piket::server::tcp::TcpOptions;
use piket::server::{AlertServerOptions, ServerOptions};
use serde_json::{Value, json};

const TOKEN: &str = "s3cret-token-for-tests-0123456789";
const RK: &str = "0123456789abcdef0123456789abcdef";

/// A server in this process with the TCP listener, stopped on drop.
struct Server {
    /// Stopped before the directory under it goes.
    _server: InProcess,
    dir: tempfile::TempDir,
    addr: SocketAddr,
    engine: Arc<Engine>,
}

impl Server {
    fn start(options: AlertOptions) -> Self {
        Self::start_with(options, Policy::default())
    }

    fn start_with(options: AlertOptions, policy: Policy) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let token_file = token_file(dir.path(), &format!("{TOKEN}\n"));
        let engine = open_engine(dir.path(), policy);
        let addr = free_port();
        let alerts = AlertServerOptions {
            alerts: options,
            tcp: Some(TcpOptions { listen: addr, token_file }),
            ..AlertServerOptions::default()
        };
        let server = InProcess::start(Arc::clone(&engine), socket_options(dir.path()), alerts);
        Self { _server: server, dir, addr, engine }
    }

    fn post(&self, path: &str, body: &[u8]) -> (u16, Value) {
        http(self.addr, path, body, Some(TOKEN))
    }

    fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post(path, body.to_string().as_bytes())
    }

    /// An Alertmanager notification of receiver `piket` with these alerts.
    fn alertmanager(&self, status: &str, alerts: Vec<Value>) -> (u16, Value) {
        self.post_json("/v1/alerts/alertmanager", &am("piket", status, alerts))
    }

    fn incidents(&self) -> Vec<Incident> {
        record::incidents(&self.engine)
    }

    fn alerts_of(&self, inc: &Incident) -> Vec<piket::domain::AlertRecord> {
        record::alerts_of(&self.engine, inc.id)
    }

    fn events(&self) -> u64 {
        self.engine.last_global_seq().unwrap()
    }

    /// `piket` on this server's data dir, with an empty config.
    fn piket(&self, args: &[&str]) -> std::process::Output {
        let dir = self.dir.path();
        std::fs::write(dir.join("config.toml"), "").unwrap();
        command(dir, &dir.join("config.toml"), &dir.join("home")).args(args).output().unwrap()
    }
}

fn http(addr: SocketAddr, path: &str, body: &[u8], token: Option<&str>) -> (u16, Value) {
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let (status, body) = http::request(TcpStream::connect(addr).unwrap(), "POST", path, &auth, body);
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn am_alert(fp: &str, status: &str, name: &str, starts: &str, ends: &str) -> Value {
    json!({
        "status": status,
        "labels": {"alertname": name, "team": "db", "severity": "critical", "instance": "db-3:9100", "service": "db"},
        "annotations": {"summary": format!("{name} on db-3"), "runbook_url": "https://wiki.example.net/rb/disk"},
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": "https://prom.example.net/graph?g0.expr=...",
        "fingerprint": fp,
    })
}

const ZERO: &str = "0001-01-01T00:00:00Z";
const T0: &str = "2026-11-20T08:14:00Z";

fn am(receiver: &str, status: &str, alerts: Vec<Value>) -> Value {
    json!({
        "version": "4",
        "groupKey": "{}/{team=\"db\"}:{alertname=\"DiskFull\"}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": receiver,
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {"team": "db"},
        "commonAnnotations": {},
        "externalURL": "https://am.example.net",
        "notification_reason": "first notification",
        "routeLabels": {"team": "db"},
        "someFutureKey": [1, 2, 3],
        "alerts": alerts,
    })
}

#[test]
fn alertmanager_fields_map_to_an_incident_and_the_alert_is_stored_as_sent() {
    let s = Server::start(AlertOptions::default());
    let (code, body) =
        s.alertmanager("firing", vec![am_alert("3f2a9c0d11e4b7a8", "firing", "DiskFull", T0, ZERO)]);
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["alerts"][0]["result"], "opened");
    let incs = s.incidents();
    assert_eq!(incs.len(), 1);
    let inc = &incs[0];
    assert_eq!(inc.title, "DiskFull on db-3");
    assert_eq!(inc.channel, "alertmanager");
    assert_eq!(inc.services, ["db"]);
    assert_eq!((inc.impact, inc.urgency, inc.severity), (Impact::High, Urgency::High, Severity::SEV2));
    assert_eq!(inc.impact_started_at.unwrap().to_rfc3339(), "2026-11-20T08:14:00+00:00");
    let a = &s.alerts_of(inc)[0];
    assert_eq!(a.identity, "3f2a9c0d11e4b7a8");
    assert_eq!(a.status, "firing");
    assert!(a.labels.contains(&("instance".into(), "db-3:9100".into())));
    assert!(a.annotations.contains(&("runbook_url".into(), "https://wiki.example.net/rb/disk".into())));
    assert_eq!(a.ends_at, None, "the zero endsAt of a firing alert is no time");
    for (k, v) in [
        ("receiver", "piket"),
        ("groupKey", "{}/{team=\"db\"}:{alertname=\"DiskFull\"}"),
        ("externalURL", "https://am.example.net"),
        ("generatorURL", "https://prom.example.net/graph?g0.expr=..."),
        ("notification_reason", "first notification"),
    ] {
        assert!(a.details.contains(&(k.into(), v.into())), "{k} missing: {:?}", a.details);
    }
}

#[test]
fn alertmanager_resends_add_nothing_and_distinct_fingerprints_stay_distinct() {
    let s = Server::start(AlertOptions::default());
    let a = am_alert("aaaa000000000001", "firing", "DiskFull", T0, ZERO);
    // Same summary, different fingerprint: a different alert (never dedup on summary).
    let b = am_alert("aaaa000000000002", "firing", "DiskFull", T0, ZERO);
    s.alertmanager("firing", vec![a.clone()]);
    let before = s.events();
    let (code, body) = s.alertmanager("firing", vec![a.clone(), b]);
    assert_eq!(code, 200);
    assert_eq!(body["alerts"][0]["result"], "duplicate");
    assert_eq!(body["alerts"][1]["result"], "opened");
    assert_eq!(s.incidents().len(), 2);
    let after = s.events();
    let (_, body) = s.alertmanager("firing", vec![a]);
    assert_eq!(body["alerts"][0]["result"], "duplicate");
    assert_eq!(s.events(), after, "a re-sent group writes nothing");
    assert!(after > before);
}

#[test]
fn alertmanager_resolved_is_recorded_and_resolves_only_by_service_policy() {
    let s = Server::start(AlertOptions::default());
    let fp = "bbbb000000000001";
    s.alertmanager("firing", vec![am_alert(fp, "firing", "DiskFull", T0, ZERO)]);
    let (code, body) =
        s.alertmanager("resolved", vec![am_alert(fp, "resolved", "DiskFull", T0, "2026-11-20T08:30:00Z")]);
    assert_eq!(code, 200);
    assert_eq!(body["alerts"][0]["result"], "attached");
    let inc = &s.incidents()[0];
    assert_eq!(inc.status, Status::Triggered, "default: record only, a human resolves");
    let alerts = s.alerts_of(inc);
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[1].status, "resolved");
    assert_eq!(alerts[1].ends_at.unwrap().to_rfc3339(), "2026-11-20T08:30:00+00:00");

    // A human resolved first; the alert's resolve arrives later and is still recorded.
    let fp2 = "bbbb000000000002";
    s.alertmanager("firing", vec![am_alert(fp2, "firing", "Other", T0, ZERO)]);
    let id = s.incidents()[1].id;
    s.engine
        .execute(
            "ana",
            piket::domain::Source::Cli,
            &piket::domain::Command::Resolve { id, summary: "fixed by hand".into(), recovered_at: None },
            chrono::Utc::now(),
        )
        .unwrap();
    let (_, body) =
        s.alertmanager("resolved", vec![am_alert(fp2, "resolved", "Other", T0, "2026-11-20T08:40:00Z")]);
    assert_eq!(body["alerts"][0]["result"], "attached");
    let inc2 = &s.incidents()[1];
    assert_eq!(inc2.status, Status::Resolved);
    assert_eq!(s.alerts_of(inc2).last().unwrap().status, "resolved");

    let mapping = AlertMapping { auto_resolve_services: vec!["db".into()], ..AlertMapping::default() };
    let s = Server::start(AlertOptions { mapping, ..AlertOptions::default() });
    let x = "cccc000000000001";
    s.alertmanager("firing", vec![am_alert(x, "firing", "A", T0, ZERO)]);
    let (_, body) =
        s.alertmanager("resolved", vec![am_alert(x, "resolved", "A", T0, "2026-11-20T08:30:00Z")]);
    assert_eq!(body["alerts"][0]["result"], "resolved");
    let inc = &s.incidents()[0];
    assert_eq!(inc.status, Status::Resolved);
    assert_eq!(inc.recovered_at.unwrap().to_rfc3339(), "2026-11-20T08:30:00+00:00");
    // After the resolve, the same alert firing again opens a new incident.
    let (_, body) = s.alertmanager("firing", vec![am_alert(x, "firing", "A", "2026-11-20T09:00:00Z", ZERO)]);
    assert_eq!(body["alerts"][0]["result"], "opened");
    assert_eq!(s.incidents().len(), 2);
}

#[test]
fn a_group_receiver_rolls_alerts_into_one_incident_and_resolves_when_all_have() {
    let mapping = AlertMapping {
        group_receivers: vec!["team-db".into()],
        auto_resolve_services: vec!["db".into()],
        ..AlertMapping::default()
    };
    let s = Server::start(AlertOptions { mapping, ..AlertOptions::default() });
    let (x, y) = ("dddd000000000001", "dddd000000000002");
    let (_, body) = s.post_json(
        "/v1/alerts/alertmanager",
        &am(
            "team-db",
            "firing",
            vec![am_alert(x, "firing", "A", T0, ZERO), am_alert(y, "firing", "B", T0, ZERO)],
        ),
    );
    assert_eq!(body["alerts"][0]["result"], "opened");
    assert_eq!(body["alerts"][1]["result"], "attached");
    assert_eq!(s.incidents().len(), 1);
    let (_, body) = s.post_json(
        "/v1/alerts/alertmanager",
        &am(
            "team-db",
            "firing",
            vec![
                am_alert(x, "resolved", "A", T0, "2026-11-20T08:20:00Z"),
                am_alert(y, "firing", "B", T0, ZERO),
            ],
        ),
    );
    assert_eq!(body["alerts"][0]["result"], "attached", "one of two resolved: stays open");
    assert_eq!(body["alerts"][1]["result"], "duplicate");
    let (_, body) = s.post_json(
        "/v1/alerts/alertmanager",
        &am("team-db", "resolved", vec![am_alert(y, "resolved", "B", T0, "2026-11-20T08:25:00Z")]),
    );
    assert_eq!(body["alerts"][0]["result"], "resolved");
    assert_eq!(s.incidents()[0].status, Status::Resolved);
    assert_eq!(s.alerts_of(&s.incidents()[0]).len(), 4);
}

#[test]
fn flapping_is_marked_and_keeps_the_incident_open() {
    // Auto-resolve is on for db, but a flapping alert does not resolve its incident.
    let mut mapping = AlertMapping { auto_resolve_services: vec!["db".into()], ..AlertMapping::default() };
    mapping.flapping.max_changes = 2;
    let fp = "eeee000000000001";
    let s2 = Server::start(AlertOptions { mapping, ..AlertOptions::default() });
    let send2 = |status: &str, starts: &str, ends: &str| {
        s2.post_json(
            "/v1/alerts/alertmanager",
            &am("piket", status, vec![am_alert(fp, status, "Flappy", starts, ends)]),
        )
        .1
    };
    send2("firing", "2026-11-20T08:00:00Z", ZERO);
    // Change 1: auto-resolves the first incident.
    let r = send2("resolved", "2026-11-20T08:00:00Z", "2026-11-20T08:01:00Z");
    assert_eq!(r["alerts"][0]["result"], "resolved");
    // Change 2: fires again, a new incident; the alert's history follows it.
    let r = send2("firing", "2026-11-20T08:02:00Z", ZERO);
    assert_eq!(r["alerts"][0]["result"], "opened");
    // Change 3 (> 2 within 30 min): flapping; this resolve does not resolve the incident.
    let r = send2("resolved", "2026-11-20T08:02:00Z", "2026-11-20T08:03:00Z");
    assert_eq!(r["alerts"][0]["result"], "attached");
    let incs = s2.incidents();
    assert_eq!(incs.len(), 2);
    let inc = &incs[1];
    assert!(inc.status.is_open(), "a flapping alert's incident stays open");
    let flaps: Vec<_> = s2
        .engine
        .timeline(inc.id)
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::AlertFlapping { flapping: true, .. }))
        .collect();
    assert_eq!(flaps.len(), 1, "marked once on the timeline");
    assert!(flaps[0].kind.describe().contains("flapping: 3 state changes within 30 min"));
}

#[test]
fn a_flapping_alert_that_fires_again_pages_nobody_until_it_is_stable() {
    let rota = r#"
[people.alice]
[schedules.dba]
rotations = [{ members = ["alice"], shift = "daily", start = "2026-01-01" }]
[escalation-policies.dba]
levels = [{ targets = ["schedule:dba"], timeout = "15m" }]
[services.db]
escalation-policy = "dba"
"#;
    let policy = piket::config::Config::from_toml_str(rota, std::path::Path::new("t.toml")).unwrap().policy;
    let mut mapping = AlertMapping { auto_resolve_services: vec!["db".into()], ..AlertMapping::default() };
    mapping.flapping.max_changes = 1;
    let s = Server::start_with(AlertOptions { mapping, ..AlertOptions::default() }, policy);
    let fp = "eeee000000000002";
    let send = |status: &str, starts: &str, ends: &str| {
        s.post_json(
            "/v1/alerts/alertmanager",
            &am("piket", status, vec![am_alert(fp, status, "Flappy", starts, ends)]),
        )
        .1
    };
    let started = |inc: &piket::domain::Incident| {
        s.engine
            .timeline(inc.id)
            .unwrap()
            .iter()
            .any(|e| matches!(e.kind, EventKind::EscalationStarted { .. }))
    };
    send("firing", "2026-11-20T08:00:00Z", ZERO);
    assert!(started(&s.incidents()[0]), "a new alert-born incident starts its service's policy");
    send("resolved", "2026-11-20T08:00:00Z", "2026-11-20T08:01:00Z");
    // Change 2 (> 1): flapping. The incident it opens is recorded but pages nobody.
    let r = send("firing", "2026-11-20T08:02:00Z", ZERO);
    assert_eq!(r["alerts"][0]["result"], "opened");
    let incs = s.incidents();
    assert_eq!(incs.len(), 2);
    assert!(!started(&incs[1]), "re-pages are held while the alert flaps");
    let flap = s
        .engine
        .timeline(incs[1].id)
        .unwrap()
        .into_iter()
        .find(|e| matches!(e.kind, EventKind::AlertFlapping { flapping: true, .. }))
        .expect("the flapping is on the new incident's timeline");
    assert!(flap.kind.describe().contains("re-pages are held until it is stable"));
}

#[test]
fn bad_alertmanager_bodies_are_400_with_a_reason_and_store_nothing() {
    let s = Server::start(AlertOptions::default());
    let good = am_alert("ffff000000000001", "firing", "X", T0, ZERO);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"{not json".to_vec(), "not an Alertmanager webhook body"),
        (
            json!({"version": "3", "alerts": [good.clone()]}).to_string().into_bytes(),
            "version '3' is not supported",
        ),
        (json!({"version": "4"}).to_string().into_bytes(), "missing field `alerts`"),
        (
            am("piket", "firing", vec![good.clone(), am_alert("f2", "pending", "X", T0, ZERO)])
                .to_string()
                .into_bytes(),
            "alerts[1].status 'pending'",
        ),
        (
            am("piket", "firing", vec![am_alert("f3", "firing", "X", "yesterday", ZERO)])
                .to_string()
                .into_bytes(),
            "alerts[0].startsAt",
        ),
        (
            am("piket", "firing", vec![json!({"status": "firing", "labels": {}, "fingerprint": ""})])
                .to_string()
                .into_bytes(),
            "neither a fingerprint nor labels",
        ),
    ];
    for (body, reason) in cases {
        let (code, resp) = s.post("/v1/alerts/alertmanager", &body);
        assert_eq!(code, 400, "{resp}");
        let msg = resp["error"]["message"].as_str().unwrap();
        assert!(msg.contains(reason), "{msg} does not say {reason}");
    }
    let big = vec![b' '; 5 * 1024 * 1024];
    let (code, resp) = s.post("/v1/alerts/alertmanager", &big);
    assert_eq!(code, 413, "{resp}");
    assert_eq!(resp["error"]["code"], "too_large");
    assert_eq!(s.events(), 0, "nothing stored");
}

#[test]
fn the_token_is_required_and_checked() {
    let s = Server::start(AlertOptions::default());
    let body = am("piket", "firing", vec![am_alert("1111000000000001", "firing", "X", T0, ZERO)]).to_string();
    let (code, resp) = http(s.addr, "/v1/alerts/alertmanager", body.as_bytes(), None);
    assert_eq!(code, 401);
    assert!(resp["error"]["message"].as_str().unwrap().contains("Authorization: Bearer"));
    let (code, _) = http(s.addr, "/v2/enqueue", body.as_bytes(), Some("wrong-token-wrong-token"));
    assert_eq!(code, 401);
    // The TCP listener serves only the receivers.
    let (code, _) = s.post("/v1/commands", b"{}");
    assert_eq!(code, 404);
    assert_eq!(s.events(), 0);
}

#[test]
fn a_token_file_others_can_read_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("token");
    std::fs::write(&f, TOKEN).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = piket::server::tcp::read_token(&f).unwrap_err().to_string();
    assert!(err.contains("has mode 644: other users can read it; run `chmod 600"), "{err}");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(piket::server::tcp::read_token(&f).unwrap(), TOKEN);

    // The server itself refuses to start, saying why, and binds nothing.
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    let engine = Arc::new(Engine::in_memory(Policy::default()).unwrap());
    let socket = dir.path().join("piket.sock");
    let opts = ServerOptions { socket: socket.clone(), socket_group: None, read_only: vec![] };
    let alerts = AlertServerOptions {
        alerts: AlertOptions::default(),
        tcp: Some(TcpOptions { listen: free_port(), token_file: f }),
        ..AlertServerOptions::default()
    };
    let (stop, _) = tokio::sync::watch::channel(false);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let err = rt.block_on(piket::server::serve_with(engine, opts, alerts, stop)).unwrap_err().to_string();
    assert!(err.contains("has mode 640: other users can read it"), "{err}");
    assert!(!socket.exists(), "nothing was bound");
}

fn pd(action: &str, key: Option<&str>) -> Value {
    let mut v = json!({
        "routing_key": RK,
        "event_action": action,
        "payload": {"summary": "Disk almost full on db-3", "source": "db-3.example.net",
                    "severity": "critical", "component": "disk", "group": "db",
                    "class": "capacity", "custom_details": {"used_pct": 97},
                    "timestamp": "2026-11-20T08:14:00Z"},
        "client": "Monitoring", "client_url": "https://mon.example.net",
        "links": [{"href": "https://wiki.example.net", "text": "wiki"}],
        "images": [{"src": "https://img.example.net/a.png"}],
    });
    if let Some(k) = key {
        v["dedup_key"] = json!(k);
    }
    v
}

#[test]
fn pagerduty_dedup_rules_follow_the_events_api() {
    let mapping =
        AlertMapping { routing_keys: [(RK.to_owned(), "db".to_owned())].into(), ..AlertMapping::default() };
    let s = Server::start(AlertOptions { mapping, ..AlertOptions::default() });
    let (code, body) = s.post_json("/v2/enqueue", &pd("trigger", Some("db-3/DiskFull")));
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["status"], "success");
    assert_eq!(body["message"], "Event processed");
    assert_eq!(body["dedup_key"], "db-3/DiskFull");
    let inc = s.incidents()[0].clone();
    assert_eq!(inc.title, "Disk almost full on db-3");
    assert_eq!(inc.services, ["db"]);
    assert_eq!(inc.channel, "pagerduty");
    let a = &s.alerts_of(&inc)[0];
    for (k, v) in
        [("source", "db-3.example.net"), ("component", "disk"), ("group", "db"), ("class", "capacity")]
    {
        assert!(a.annotations.contains(&(k.into(), v.into())), "{k}");
    }
    assert!(a.annotations.contains(&("custom_details".into(), "{\"used_pct\":97}".into())));
    assert!(a.details.iter().any(|(k, _)| k == "links") && a.details.iter().any(|(k, _)| k == "images"));
    assert!(a.details.contains(&("client".into(), "Monitoring".into())));
    assert_eq!(a.starts_at.unwrap().to_rfc3339(), "2026-11-20T08:14:00+00:00");

    // A trigger with an open key adds a log entry to that incident.
    let (_, body) = s.post_json("/v2/enqueue", &pd("trigger", Some("db-3/DiskFull")));
    assert_eq!(body["incident"], inc.id.to_string());
    assert_eq!(s.incidents().len(), 1);
    assert_eq!(s.alerts_of(&inc).len(), 2);
    // Acknowledge, then resolve.
    let (code, _) = s.post_json(
        "/v2/enqueue",
        &json!({"routing_key": RK, "event_action": "acknowledge", "dedup_key": "db-3/DiskFull"}),
    );
    assert_eq!(code, 202);
    assert_eq!(s.incidents()[0].status, Status::Acknowledged);
    let (_, body) = s.post_json(
        "/v2/enqueue",
        &json!({"routing_key": RK, "event_action": "resolve", "dedup_key": "db-3/DiskFull"}),
    );
    assert_eq!(body["message"], "Event processed");
    assert_eq!(s.incidents()[0].status, Status::Resolved);
    // After the resolve: ack and resolve are dropped and said so; a trigger opens a new incident.
    let before = s.events();
    for action in ["acknowledge", "resolve"] {
        let (code, body) = s.post_json(
            "/v2/enqueue",
            &json!({"routing_key": RK, "event_action": action, "dedup_key": "db-3/DiskFull"}),
        );
        assert_eq!(code, 202);
        assert!(body["message"].as_str().unwrap().starts_with("Event dropped: no open incident"), "{body}");
    }
    assert_eq!(s.events(), before);
    s.post_json("/v2/enqueue", &pd("trigger", Some("db-3/DiskFull")));
    assert_eq!(s.incidents().len(), 2);
    // Unknown key: dropped.
    let (_, body) = s.post_json(
        "/v2/enqueue",
        &json!({"routing_key": RK, "event_action": "resolve", "dedup_key": "never-seen"}),
    );
    assert!(body["message"].as_str().unwrap().starts_with("Event dropped"));
    // A trigger without a dedup_key always creates a new incident and gets a key back.
    let (_, b1) = s.post_json("/v2/enqueue", &pd("trigger", None));
    let (_, b2) = s.post_json("/v2/enqueue", &pd("trigger", None));
    assert_eq!(b1["dedup_key"].as_str().unwrap().len(), 32);
    assert_ne!(b1["dedup_key"], b2["dedup_key"]);
    assert_eq!(s.incidents().len(), 4);
}

#[test]
fn pagerduty_bad_events_are_400_with_errors_413_and_429() {
    let mapping =
        AlertMapping { routing_keys: [(RK.to_owned(), "db".to_owned())].into(), ..AlertMapping::default() };
    let s = Server::start(AlertOptions { mapping, events_per_minute: 3 });
    let mut long_summary = pd("trigger", Some("k"));
    long_summary["payload"]["summary"] = json!("x".repeat(1025));
    let mut bad_sev = pd("trigger", Some("k"));
    bad_sev["payload"]["severity"] = json!("fatal");
    let mut no_source = pd("trigger", Some("k"));
    no_source["payload"].as_object_mut().unwrap().remove("source");
    let mut http_image = pd("trigger", Some("k"));
    http_image["images"] = json!([{"src": "http://insecure/a.png"}]);
    let cases: Vec<(Value, &str)> = vec![
        (json!({"event_action": "trigger"}), "'routing_key' is missing"),
        (json!({"routing_key": "short", "event_action": "trigger"}), "'routing_key' must be 32 characters"),
        (
            json!({"routing_key": "ffffffffffffffffffffffffffffffff", "event_action": "resolve", "dedup_key": "k"}),
            "not a routing key of this piket",
        ),
        (json!({"routing_key": RK, "event_action": "explode"}), "'event_action' 'explode'"),
        (json!({"routing_key": RK, "event_action": "trigger"}), "'payload' is required"),
        (json!({"routing_key": RK, "event_action": "resolve"}), "'dedup_key' is required"),
        (
            json!({"routing_key": RK, "event_action": "resolve", "dedup_key": "k".repeat(256)}),
            "the limit is 255",
        ),
        (long_summary, "the limit is 1024"),
        (bad_sev, "'payload.severity' 'fatal'"),
        (no_source, "'payload.source' is missing"),
        (http_image, "must be an HTTPS URL"),
    ];
    for (body, reason) in cases {
        let (code, resp) = s.post_json("/v2/enqueue", &body);
        assert_eq!(code, 400, "{resp}");
        assert_eq!(resp["status"], "invalid event");
        assert_eq!(resp["message"], "Event object is invalid");
        let errors: Vec<String> = serde_json::from_value(resp["errors"].clone()).unwrap();
        assert!(errors.iter().any(|e| e.contains(reason)), "{errors:?} does not say {reason}");
    }
    let (code, _) = s.post("/v2/enqueue", b"not json");
    assert_eq!(code, 400);
    let big = vec![b' '; 513 * 1024];
    let (code, resp) = s.post("/v2/enqueue", &big);
    assert_eq!(code, 413, "{resp}");
    assert_eq!(s.events(), 0, "nothing stored");
    // The throttle: 3 per minute per routing key (a minute boundary may reset it once).
    let mut codes = Vec::new();
    for _ in 0..8 {
        codes.push(
            s.post_json(
                "/v2/enqueue",
                &json!({"routing_key": RK, "event_action": "resolve", "dedup_key": "k"}),
            )
            .0,
        );
    }
    assert!(codes.contains(&429), "{codes:?}");
    let (_, resp) =
        s.post_json("/v2/enqueue", &json!({"routing_key": RK, "event_action": "resolve", "dedup_key": "k"}));
    if resp["status"] == "throttle event" {
        assert!(resp["message"].as_str().unwrap().contains("retry later"));
    }
}

#[test]
fn plain_json_alerts_map_title_service_severity_and_details() {
    let s = Server::start(AlertOptions::default());
    let body = json!({"title": "Queue backlog \u{1b}[31mred\u{1b}[0m", "service": "billing", "severity": "warning",
                      "dedup_key": "billing/backlog", "details": {"depth": 12000, "queue": "invoices"}});
    let (code, resp) = s.post_json("/v1/alerts", &body);
    assert_eq!(code, 200, "{resp}");
    assert_eq!(resp["dedup_key"], "billing/backlog");
    assert_eq!(resp["alerts"][0]["result"], "opened");
    let inc = &s.incidents()[0];
    assert_eq!(inc.services, ["billing"]);
    assert_eq!((inc.impact, inc.urgency, inc.severity), (Impact::Medium, Urgency::Medium, Severity::SEV3));
    // Stored as sent (escape sequences included); sanitised only on display.
    assert_eq!(inc.title, "Queue backlog \u{1b}[31mred\u{1b}[0m");
    assert!(!piket::domain::text::sanitize(&inc.title).contains('\u{1b}'));
    let a = &s.alerts_of(inc)[0];
    assert!(a.details.contains(&("depth".into(), "12000".into())));
    assert!(a.details.contains(&("queue".into(), "invoices".into())));
    // Same key again: nothing new; resolved: recorded.
    let (_, resp) = s.post_json("/v1/alerts", &body);
    assert_eq!(resp["alerts"][0]["result"], "duplicate");
    let (_, resp) = s.post_json(
        "/v1/alerts",
        &json!({"title": "Queue backlog", "dedup_key": "billing/backlog", "status": "resolved"}),
    );
    assert_eq!(resp["alerts"][0]["result"], "attached");
    for bad in [
        json!({"title": " "}),
        json!({"title": "x", "colour": "red"}),
        json!({"title": "x", "status": "gone"}),
    ] {
        let (code, _) = s.post_json("/v1/alerts", &bad);
        assert_eq!(code, 400);
    }
}

#[test]
fn concurrent_senders_are_group_committed_and_all_answered() {
    let s = Server::start(AlertOptions::default());
    let addr = s.addr;
    let threads: Vec<_> = (0..16)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..10 {
                    let fp = format!("{t:08x}{i:08x}");
                    let body = am("piket", "firing", vec![am_alert(&fp, "firing", "Load", T0, ZERO)]);
                    let (code, _) =
                        http(addr, "/v1/alerts/alertmanager", body.to_string().as_bytes(), Some(TOKEN));
                    assert_eq!(code, 200);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(s.incidents().len(), 160);
    assert_eq!(s.engine.verify().unwrap().problem, None);
}

#[test]
fn piket_alerts_lists_the_alerts_of_an_incident_sanitised() {
    let s = Server::start(AlertOptions::default());
    let mut a = am_alert("abab000000000001", "firing", "DiskFull", T0, ZERO);
    a["annotations"]["summary"] = json!("Disk \u{1b}[2Jfull");
    s.alertmanager("firing", vec![a.clone()]);
    a["status"] = json!("resolved");
    a["endsAt"] = json!("2026-11-20T08:30:00Z");
    s.alertmanager("resolved", vec![a]);
    let run = |args: &[&str]| {
        let out = s.piket(args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&["alerts", "INC-1"]);
    assert!(text.starts_with("alertmanager abab000000000001 [resolved] x2"), "{text}");
    assert!(text.contains("instance=db-3:9100"), "{text}");
    assert!(!text.contains('\u{1b}'), "alert text is sanitised on display: {text:?}");
    let json: Value = serde_json::from_str(&run(&["--json", "alerts", "INC-1"])).unwrap();
    assert_eq!(json[0]["received"], 2);
    assert_eq!(json[0]["status"], "resolved");
    assert_eq!(json[0]["annotations"][1][1], "Disk \u{1b}[2Jfull", "JSON carries the text as sent");
}

#[test]
fn a_silent_heartbeat_opens_an_incident_and_the_next_beat_is_recorded_on_it() {
    let mapping = AlertMapping {
        // Long beside the 100 ms between beats, so a busy machine cannot make them look silent.
        heartbeats: [("watchdog".to_owned(), chrono::Duration::seconds(2))].into(),
        ..AlertMapping::default()
    };
    let s = Server::start(AlertOptions { mapping, ..AlertOptions::default() });
    // Alertmanager's Watchdog notification as the beat: any body.
    let watchdog =
        am("watchdog", "firing", vec![am_alert("0000000000000001", "firing", "Watchdog", T0, ZERO)]);
    for _ in 0..3 {
        let (code, body) = s.post_json("/v1/heartbeats/watchdog", &watchdog);
        assert_eq!(code, 200, "{body}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(s.incidents().is_empty(), "beating: no incident");
    let (code, body) = s.post_json("/v1/heartbeats/nosuch", &json!({}));
    assert_eq!(code, 404);
    assert!(body["error"]["message"].as_str().unwrap().contains("no heartbeat named 'nosuch'"));
    // Silence.
    let start = std::time::Instant::now();
    while s.incidents().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(120), "no incident for the silent heartbeat");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Longer than the heartbeat: the silence goes on, and still opens only one incident.
    std::thread::sleep(Duration::from_millis(2500));
    let incs = s.incidents();
    assert_eq!(incs.len(), 1, "one incident for one silence");
    assert!(
        incs[0].title.starts_with("alerting pipeline silent: no heartbeat 'watchdog'"),
        "{}",
        incs[0].title
    );
    assert_eq!(incs[0].channel, "heartbeat");
    s.post_json("/v1/heartbeats/watchdog", &watchdog);
    let alerts = s.alerts_of(&s.incidents()[0]);
    assert_eq!(alerts.last().unwrap().status, "beat");
    assert!(s.incidents()[0].status.is_open(), "a human closes the silence incident");
}

#[test]
fn inside_a_maintenance_window_alerts_are_recorded_and_open_no_incident() {
    let s = Server::start(AlertOptions::default());
    let run = |args: &[&str]| s.piket(args);
    let out = run(&["maintenance", "set", "db", "--for", "2h", "--reason", "disk swap"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["maintenance", "set", "db", "--for", "2h", "--reason", " "]);
    assert!(!out.status.success(), "a window needs a reason");
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a reason"));
    let list = String::from_utf8(run(&["maintenance", "list"]).stdout).unwrap();
    assert!(list.starts_with("#1  db  in force") && list.contains(": disk swap"), "{list}");

    // db is in maintenance: recorded, no incident. web is not.
    let (code, body) =
        s.alertmanager("firing", vec![am_alert("9999000000000001", "firing", "DiskFull", T0, ZERO)]);
    assert_eq!(code, 200);
    assert_eq!(body["alerts"][0]["result"], "suppressed");
    assert!(
        body["alerts"][0]["reason"].as_str().unwrap().contains("db is in maintenance #1 until"),
        "{body}"
    );
    assert!(s.incidents().is_empty());
    let kept = s.engine.suppressed_alerts().unwrap();
    assert_eq!(kept.len(), 1);
    let EventKind::AlertSuppressed { window, service, record } = &kept[0].kind else { panic!("{kept:?}") };
    assert_eq!((*window, service.as_str(), record.identity.as_str()), (1, "db", "9999000000000001"));
    assert_eq!(kept[0].actor, "alertmanager");
    let mut web = am_alert("9999000000000002", "firing", "DiskFull", T0, ZERO);
    web["labels"]["service"] = json!("web");
    let (_, body) = s.alertmanager("firing", vec![web]);
    assert_eq!(body["alerts"][0]["result"], "opened");
    let (_, body) = s.post_json("/v1/alerts", &json!({"title": "backup late", "service": "db"}));
    assert_eq!(body["alerts"][0]["result"], "suppressed");

    // Ended early: alerts of db open incidents again. Twice, or an unknown window: refused.
    let out = run(&["maintenance", "end", "1", "--reason", "swap done"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ended = String::from_utf8(out.stdout).unwrap();
    assert!(ended.contains("#1  db  ended early (ended by") && ended.contains(": swap done"), "{ended}");
    let (_, body) = s.post_json("/v1/alerts", &json!({"title": "backup late again", "service": "db"}));
    assert_eq!(body["alerts"][0]["result"], "opened", "{body}");
    let out = run(&["maintenance", "end", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("maintenance #1 (db) was already ended by"));
    let out = run(&["maintenance", "cancel", "7"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("no maintenance window #7") && err.contains("next: piket maintenance list"),
        "{err}"
    );

    // A window to come is cancelled, not ended; each command names the other.
    let from = (chrono::Utc::now() + chrono::Duration::hours(3)).to_rfc3339();
    let out = run(&["maintenance", "set", "web", "--from", &from, "--for", "1h", "--reason", "upgrade"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("#2  web  upcoming"));
    let out = run(&["maintenance", "end", "2"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("has not started") && err.contains("next: piket maintenance cancel 2"), "{err}");
    let out = run(&["maintenance", "cancel", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["maintenance", "cancel", "2"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("already cancelled by"));

    // All of it is on the chain, and verify counts it.
    let report = s.engine.verify().unwrap();
    assert_eq!(report.problem, None);
    assert_eq!((report.maintenance_events, report.suppressed_alerts), (4, 2));
    let out = run(&["verify"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("4 maintenance events, 2 suppressed alerts"), "{text}");
    let timeline = String::from_utf8(run(&["timeline", "maintenance"]).stdout).unwrap();
    assert!(
        timeline.contains("maintenance #1 of db from") && timeline.contains("maintenance #2 cancelled"),
        "{timeline}"
    );
    let json: Value = serde_json::from_slice(&run(&["maintenance", "list", "--json"]).stdout).unwrap();
    assert_eq!(json["suppressed_alerts"], 2);
    assert_eq!(json["windows"][0]["closed"]["reason"], "swap done");
    assert_eq!(json["windows"][1]["closed"]["cancelled"], true);
}
