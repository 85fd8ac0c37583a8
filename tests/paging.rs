//! Paging end to end: a real notifier program is run with the right arguments.
//!
//! Through the binary: `piket serve` with a rota, an Alertmanager alert posted to its socket
//! opens an incident on a service with a policy, and the notifier script (which appends its
//! arguments to a file) is called for level 1 and recorded on the timeline. In process, with
//! the scheduler's clock in the test's hands: the incident stays unacknowledged, level 2 is
//! paged through the same script, and a notifier that fails or hangs is recorded without
//! holding up the next level.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::cli::{Piket, Served};
use crate::common::{http, wait_until};

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use piket::config::Config;
use piket::domain::{Command, EventKind, Impact, IncidentId, NewIncident, Severity, Source, Urgency};
use piket::engine::Engine;
use piket::server::scheduler::{self, Scheduler};

/// A notifier program: appends one line per call, its arguments separated by `|`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn recorder(dir: &Path) -> (PathBuf, PathBuf) {
    let out = dir.join("pages.txt");
    // A pager that follows getopt: "--" ends its options, the rest is data.
    let s = script(
        dir,
        "page.sh",
        &format!("[ \"$1\" = -- ] && shift; IFS='|'; printf '%s\\n' \"$*\" >> '{}'; exit 0", out.display()),
    );
    (s, out)
}

fn rota(pager: &Path, extra: &str) -> String {
    format!(
        r#"
timezone = "UTC"

[notifiers.sms]
type = "command"
argv = ["{pager}", "--", "{{handle}}", "{{incident}}", "{{level}}", "{{title}}"]
timeout = "5s"
retries = 0

{extra}

[people.alice]
contacts = {{ sms = "+31600000001" }}
[people.bob]
contacts = {{ sms = "+31600000002" }}

[schedules.dba]
rotations = [{{ members = ["alice"], shift = "weekly", start = "2026-01-05" }}]

[escalation-policies.dba]
levels = [
  {{ targets = ["schedule:dba"], timeout = "15m" }},
  {{ targets = ["person:bob"], timeout = "15m" }},
]

[services.db]
escalation-policy = "dba"
"#,
        pager = pager.display()
    )
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_owned).collect()
}

#[test]
fn an_alert_born_incident_pages_the_on_call_through_the_notifier_program() {
    let p = Piket::with_data_inside("");
    let (pager, out) = recorder(p.dir());
    p.write_config(&rota(&pager, ""));
    let cmd = |args: &[&str]| p.cmd(args);
    let server = p.serve();
    let socket = p.socket();

    let alert = serde_json::json!({
        "version": "4", "status": "firing", "receiver": "piket", "groupKey": "{}:{alertname=\"PrimaryDown\"}",
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am",
        "alerts": [{
            "status": "firing",
            "labels": { "alertname": "PrimaryDown", "service": "db", "severity": "critical" },
            "annotations": { "summary": "db primary down; $(touch /tmp/pwned)" },
            "startsAt": "2026-11-25T02:59:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": "f00d"
        }]
    });
    let (status, body) = http::request(
        UnixStream::connect(&socket).unwrap(),
        "POST",
        "/v1/alerts/alertmanager",
        "",
        alert.to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{body}");

    wait_until("the notifier program to be called", || !lines(&out).is_empty());
    assert_eq!(
        lines(&out),
        vec!["+31600000001|INC-1|1|db primary down; $(touch /tmp/pwned)".to_owned()],
        "one call for level 1, each value one argument, nothing run through a shell"
    );
    // The delivery is on the timeline, after the page.
    let timeline = || {
        let o = cmd(&["timeline", "INC-1"]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    wait_until("the delivery on the timeline", || timeline().contains("page to alice via sms delivered"));
    let t = timeline();
    assert!(t.contains("paged level 1 (round 1) of dba: alice"), "{t}");
    let esc = String::from_utf8_lossy(&cmd(&["escalation", "INC-1"]).output().unwrap().stdout).into_owned();
    assert!(esc.contains("level 2") && esc.contains("bob"), "{esc}");

    let _ = cmd(&["server", "stop"]).output();
    let _ = server.wait();
}

fn register(e: &Engine, at: chrono::DateTime<Utc>) -> IncidentId {
    let mut n = NewIncident::new("replica lag", Impact::High, Urgency::High, Severity::SEV2);
    n.services = vec!["db".to_owned()];
    e.execute("responder", Source::Cli, &Command::Register(n), at).unwrap().incident
}

fn deliveries(e: &Engine, id: IncidentId) -> Vec<EventKind> {
    e.timeline(id)
        .unwrap()
        .into_iter()
        .map(|ev| ev.kind)
        .filter(|k| matches!(k, EventKind::PageDelivered { .. } | EventKind::PageFailed { .. }))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unacknowledged_it_pages_level_two_and_a_hanging_notifier_holds_nothing_up() {
    let dir = tempfile::tempdir().unwrap();
    let (pager, out) = recorder(dir.path());
    // A second notifier that never answers: killed at its timeout and recorded as failed.
    let hang = script(dir.path(), "hang.sh", "sleep 300");
    let extra = format!(
        "[notifiers.voice]\ntype = \"command\"\nargv = [\"{}\", \"{{handle}}\"]\ntimeout = \"10s\"\nretries = 0\n",
        hang.display()
    );
    let text = rota(&pager, &extra).replace(
        "contacts = { sms = \"+31600000001\" }",
        "contacts = { sms = \"+31600000001\", voice = \"+31600000001\" }",
    );
    let config = Config::from_toml_str(&text, Path::new("paging.toml")).unwrap();
    let notifiers = Arc::new(config.notifiers.clone());
    let e = Arc::new(Engine::in_memory(config.policy).unwrap());
    let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap();
    let id = register(&e, t0);
    let s = Scheduler::load(Arc::clone(&e)).unwrap();

    let level1 = s.pass(t0).unwrap();
    assert_eq!(level1.len(), 1);
    let slow = tokio::spawn(scheduler::deliver(Arc::clone(&e), Arc::clone(&notifiers), level1[0].clone()));
    // Nobody acknowledges: level 2 is paged on time while level 1's voice call still hangs.
    let level2 = s.pass(t0 + Duration::minutes(15)).unwrap();
    // The voice call can only end at its 10 s timeout: still running, so the pass did not wait.
    assert!(!slow.is_finished(), "the pass waited for the notifier");
    assert_eq!(level2.len(), 1);
    assert_eq!(level2[0].page.level, 2);
    scheduler::deliver(Arc::clone(&e), Arc::clone(&notifiers), level2[0].clone()).await;
    slow.await.unwrap();

    // Two deliveries in tasks of their own: either may write first.
    let mut sent = lines(&out);
    sent.sort();
    assert_eq!(
        sent,
        vec!["+31600000001|INC-1|1|replica lag".to_owned(), "+31600000002|INC-1|2|replica lag".to_owned()]
    );
    let recorded = deliveries(&e, id);
    assert!(
        recorded.iter().any(|k| matches!(k, EventKind::PageFailed { person, notifier, error, .. }
            if person == "alice" && notifier == "voice" && error.contains("timed out"))),
        "{recorded:?}"
    );
    assert!(
        recorded
            .iter()
            .any(|k| matches!(k, EventKind::PageDelivered { person, level: 2, .. } if person == "bob"))
    );
    // Bob has no voice handle: that is fine, he was reached by sms. Nobody is left unreached.
    assert!(!recorded.iter().any(|k| matches!(k, EventKind::PageFailed { notifier, .. } if notifier == "-")));
    assert_eq!(e.verify().unwrap().problem, None);
}

/// Each delivery is recorded as its notifier finishes: with one notifier done and another
/// still running, the first is on the timeline; the server is killed (-9) right then, and the
/// restarted one pages again only through the notifier whose result was never recorded.
#[test]
fn a_crash_while_a_notifier_hangs_re_pages_only_through_the_unrecorded_one() {
    let p = Piket::with_data_inside("");
    let dir = p.dir();
    let (pager, out) = recorder(dir);
    let voice_calls = dir.join("voice.txt");
    let release = dir.join("release");
    // Says it was called, then waits until the test releases it (60 s only as a safety net).
    let hang = script(
        dir,
        "hang.sh",
        &format!(
            "echo \"$1\" >> '{calls}'; i=0; while [ ! -e '{release}' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; exit 0",
            calls = voice_calls.display(),
            release = release.display()
        ),
    );
    let extra = format!(
        "[notifiers.voice]\ntype = \"command\"\nargv = [\"{}\", \"{{handle}}\"]\ntimeout = \"90s\"\nretries = 0\n",
        hang.display()
    );
    let text = rota(&pager, &extra).replace(
        "contacts = { sms = \"+31600000001\" }",
        "contacts = { sms = \"+31600000001\", voice = \"+31600000001\" }",
    );
    p.write_config(&text);
    let cmd = |args: &[&str]| p.cmd(args);
    let timeline = || {
        let o = cmd(&["timeline", "INC-1"]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let server = p.serve();
    let out_new = cmd(&[
        "new",
        "replica lag",
        "--service",
        "db",
        "--impact",
        "high",
        "--urgency",
        "high",
        "--severity",
        "SEV2",
    ])
    .output()
    .unwrap();
    assert!(out_new.status.success(), "{}", String::from_utf8_lossy(&out_new.stderr));

    wait_until("the voice notifier to be running", || lines(&voice_calls).len() == 1);
    wait_until("the sms delivery on the timeline", || timeline().contains("page to alice via sms delivered"));
    assert!(!timeline().contains("via voice"), "voice still runs: nothing recorded for it yet");
    server.signal(nix::sys::signal::Signal::SIGKILL);
    let _ = server.wait();

    let server = Served::spawn(p.cmd(&["serve"]));
    wait_until("the restarted server to page again through voice", || lines(&voice_calls).len() == 2);
    std::fs::write(&release, "").unwrap();
    wait_until("the voice delivery on the timeline", || {
        timeline().contains("page to alice via voice delivered")
    });
    let t = timeline();
    assert_eq!(lines(&out).len(), 1, "sms was recorded before the crash and not run again: {t}");
    assert_eq!(t.matches("via sms delivered").count(), 1, "{t}");
    assert_eq!(t.matches("via voice delivered").count(), 1, "{t}");
    let v = cmd(&["verify"]).output().unwrap();
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    let _ = cmd(&["server", "stop"]).output();
    let _ = server.wait();
}
