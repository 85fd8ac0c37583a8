//! The real peer: Debian's prometheus-alertmanager (0.25) on loopback, its webhook receiver
//! pointed at a piket server's TCP listener with the bearer token, alerts pushed through its
//! v2 API. Asserts the incidents, the dedup (Alertmanager re-sends the whole group when an
//! alert joins it) and a resolve that arrives after the alert's end time.
//!
//! `.ci/run` installs the package. Without `/usr/bin/prometheus-alertmanager` the test fails
//! and says how to install it, unless `PIKET_SKIP_ALERTMANAGER=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::in_process::{InProcess, free_port, open_engine, socket_options, token_file};
use crate::common::{http, record, wait_until};

use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use piket::domain::{EventKind, Incident, Policy};
use piket::engine::Engine;
use piket::server::AlertServerOptions;
use piket::server::ingest::AlertOptions;
use piket::server::tcp::TcpOptions;
use serde_json::json;

const BIN: &str = "/usr/bin/prometheus-alertmanager";
const TOKEN: &str = "alertmanager-to-piket-token-0123";

/// Kills and reaps the Alertmanager it started, also when the test fails.
struct Alertmanager(Child);

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One request to Alertmanager's API; (status, body).
fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    http::request(TcpStream::connect(addr).unwrap(), method, path, "", body.as_bytes())
}

fn alerts_of(engine: &Engine, inc: &Incident) -> Vec<piket::domain::AlertRecord> {
    record::alerts_of(engine, inc.id)
}

fn label<'a>(a: &'a piket::domain::AlertRecord, name: &str) -> Option<&'a str> {
    a.labels.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn real_alertmanager_delivers_dedups_and_resolves_through_the_webhook() {
    if !std::path::Path::new(BIN).exists() {
        assert!(
            std::env::var_os("PIKET_SKIP_ALERTMANAGER").is_some(),
            "{BIN} is missing: `apt-get install -y prometheus-alertmanager` (or set PIKET_SKIP_ALERTMANAGER=1)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let token_file = token_file(dir.path(), TOKEN);

    // piket, with its receivers on TCP.
    let engine = open_engine(dir.path(), Policy::default());
    let piket_addr = free_port();
    let alerts = AlertServerOptions {
        alerts: AlertOptions::default(),
        tcp: Some(TcpOptions { listen: piket_addr, token_file: token_file.clone() }),
        ..AlertServerOptions::default()
    };
    let _piket = InProcess::start(Arc::clone(&engine), socket_options(dir.path()), alerts);

    // Alertmanager, with its own config, storage and ports, no gossip.
    let am_addr = free_port();
    let config = format!(
        r#"route:
  receiver: piket
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: piket
    webhook_configs:
      - url: http://{piket_addr}/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: {}
"#,
        token_file.display()
    );
    let config_file = dir.path().join("alertmanager.yml");
    std::fs::write(&config_file, config).unwrap();
    let storage = dir.path().join("am-data");
    std::fs::create_dir(&storage).unwrap();
    let log = std::fs::File::create(dir.path().join("alertmanager.log")).unwrap();
    let child = Command::new(BIN)
        .arg(format!("--config.file={}", config_file.display()))
        .arg(format!("--storage.path={}", storage.display()))
        .arg(format!("--web.listen-address={am_addr}"))
        .arg("--cluster.listen-address=")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let _am = Alertmanager(child);
    wait_until("alertmanager to be ready", || {
        TcpStream::connect(am_addr).is_ok() && request(am_addr, "GET", "/-/ready", "").0 == 200
    });

    let now = Utc::now();
    let ts = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let alert = |instance: &str, ends: Option<chrono::DateTime<Utc>>| {
        let mut a = json!({
            "labels": {"alertname": "DiskFull", "instance": instance, "severity": "critical", "service": "db"},
            "annotations": {"summary": format!("Disk almost full on {instance}")},
            "startsAt": ts(now - chrono::Duration::minutes(1)),
            "generatorURL": "http://prometheus.example.net/graph",
        });
        if let Some(e) = ends {
            a["endsAt"] = json!(ts(e));
        }
        a
    };
    let push = |alerts: serde_json::Value| {
        let (code, body) = request(am_addr, "POST", "/api/v2/alerts", &alerts.to_string());
        assert_eq!(code, 200, "alertmanager refused the alerts: {body}");
    };

    // Two alerts, one group: two incidents (one per fingerprint).
    push(json!([alert("db-1", None), alert("db-2", None)]));
    wait_until("two incidents", || record::incidents(&engine).len() == 2);

    // A third alert joins the group: Alertmanager re-sends the whole group, and the two known
    // alerts add nothing.
    push(json!([alert("db-3", None)]));
    wait_until("three incidents", || record::incidents(&engine).len() == 3);
    std::thread::sleep(Duration::from_secs(2));
    for inc in record::incidents(&engine) {
        let recs = alerts_of(&engine, &inc);
        assert_eq!(recs.len(), 1, "{}: a re-sent alert was recorded twice: {recs:?}", inc.id);
        assert_eq!(recs[0].status, "firing");
        assert_eq!(recs[0].identity.len(), 16, "the fingerprint is the identity");
        assert!(recs[0].details.contains(&("receiver".into(), "piket".into())));
        assert_eq!(inc.channel, "alertmanager");
        assert_eq!(inc.services, ["db"]);
    }

    // db-1 ends two seconds from now; Alertmanager resolves it then and notifies afterwards.
    let ends = now + chrono::Duration::seconds(2);
    push(json!([alert("db-1", Some(ends))]));
    let db1 = || {
        record::incidents(&engine)
            .into_iter()
            .find(|i| alerts_of(&engine, i).iter().any(|a| label(a, "instance") == Some("db-1")))
            .unwrap()
    };
    wait_until("the resolve of db-1", || alerts_of(&engine, &db1()).iter().any(|a| a.status == "resolved"));
    let recs = alerts_of(&engine, &db1());
    let resolved = recs.iter().find(|a| a.status == "resolved").unwrap();
    assert_eq!(resolved.ends_at.map(|t| t.timestamp()), Some(ends.timestamp()));
    let received = engine
        .timeline(db1().id)
        .unwrap()
        .into_iter()
        .find(|e| matches!(&e.kind, EventKind::AlertReceived(a) if a.status == "resolved"))
        .unwrap();
    assert!(received.recorded_at >= ends, "the resolve arrived after the end time");
    assert!(db1().status.is_open(), "default policy: the resolve is recorded, a human resolves");
    assert_eq!(record::incidents(&engine).len(), 3);
    assert_eq!(engine.verify().unwrap().problem, None);
}
