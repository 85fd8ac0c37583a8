//! The gate of the socket through the real binary: every route called as a writer and as a
//! `[server] read-only` peer (every write refused with nothing recorded, every read answered),
//! the actor of alerts (the OS user on the socket, the sender over TCP), strict request
//! bodies, and what the senders are told (truncated notifications, resolved heartbeats,
//! refused requests in the log, PagerDuty summaries kept).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::cli::{Piket, Served};
use crate::common::{http, wait_for};

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use piket::server::gate::{Access, ROUTES};
use serde_json::{Value, json};

const TOKEN: &str = "gate-test-token-0123456789abcdef";
const RK: &str = "0123456789abcdef0123456789abcdef";

fn os_user() -> String {
    piket::client::local::os_user()
}

/// A data dir with a private token file, and the `piket` binary pointed at it.
fn piket() -> Piket {
    let p = Piket::new("");
    let token = p.path("token");
    std::fs::write(&token, format!("{TOKEN}\n")).unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

/// `[server]` gets `server_extra` lines; the rest is a rota (for overrides) and a heartbeat.
fn config(p: &Piket, server_extra: &str, heartbeat: &str) {
    let token = p.path("token");
    p.write_config(&format!(
        r#"
[server]
listen = "127.0.0.1:0"
token-file = "{}"
{server_extra}

[alerts.heartbeats]
watchdog = "{heartbeat}"

[people.alice]
[people.bob]

[schedules.primary]
rotations = [{{ members = ["alice", "bob"], shift = "daily", handoff = "09:00", start = "2026-01-05" }}]
"#,
        token.display()
    ));
}

/// `piket serve` in the foreground, answering on the socket and on TCP.
fn serve(p: &Piket) -> Server {
    let served = Piket::serve(p);
    let tcp = served.wait_line("the TCP listener", |l| l.contains("alert receivers on http://"));
    let tcp = tcp.split("http://").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    Server { served, socket: p.socket(), tcp }
}

struct Server {
    served: Served,
    socket: PathBuf,
    tcp: SocketAddr,
}

impl Server {
    fn wait_line(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.served.wait_line(what, pred)
    }

    fn lines(&self, pred: impl Fn(&str) -> bool) -> Vec<String> {
        self.served.lines(pred)
    }

    fn sock(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let body = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
        request(UnixStream::connect(&self.socket).unwrap(), method, path, "", &body)
    }

    fn tcp(&self, path: &str, body: &Value, token: &str) -> (u16, Value) {
        let auth = format!("Authorization: Bearer {token}\r\n");
        request(TcpStream::connect(self.tcp).unwrap(), "POST", path, &auth, body.to_string().as_bytes())
    }

    /// (last global sequence, chain head) as the server reports them.
    fn record(&self) -> (u64, String) {
        let (_, h) = self.sock("GET", "/v1/health", &Value::Null);
        let (_, c) = self.sock("GET", "/v1/chain/head", &Value::Null);
        (h["last_global_seq"].as_u64().unwrap(), c["head"].to_string())
    }

    fn timeline(&self, id: u32) -> Vec<Value> {
        let (st, v) = self.sock("GET", &format!("/v1/incidents/{id}/timeline"), &Value::Null);
        assert_eq!(st, 200, "{v}");
        v.as_array().unwrap().clone()
    }

    fn exited(self) {
        self.served.wait();
    }
}

/// One HTTP/1.1 request; (status, JSON body or Null). A streamed answer (the change feed) is
/// read up to its headers only.
fn request(s: impl Read + Write, method: &str, path: &str, headers: &str, body: &[u8]) -> (u16, Value) {
    let (status, body) = http::request(s, method, path, headers, body);
    assert!(status != 0, "the connection closed before the headers: {body}");
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn am(truncated: u64, status: &str, fp: &str) -> Value {
    json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"DiskFull\"}",
        "truncatedAlerts": truncated,
        "status": status,
        "receiver": "piket",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "https://am.example.net",
        "aFieldAlertmanagerAddsLater": true,
        "alerts": [{
            "status": status,
            "labels": {"alertname": "DiskFull", "instance": "db-3", "service": "db"},
            "annotations": {"summary": "disk full on db-3"},
            "startsAt": "2026-11-20T08:14:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": fp,
        }],
    })
}

fn pd(action: &str, dedup: &str) -> Value {
    let mut v = json!({"routing_key": RK, "event_action": action, "dedup_key": dedup});
    if action == "trigger" {
        v["payload"] =
            json!({"summary": "checkout latency over 2 s", "source": "web-1", "severity": "error"});
    }
    v
}

fn rfc3339(from_now: chrono::Duration) -> String {
    (chrono::Utc::now() + from_now).to_rfc3339()
}

/// One request per route of the socket: (method, route as the router spells it, path, body).
/// Every write is one that succeeds for a writer, so its refusal is the gate's doing.
fn table(round: u32) -> Vec<(&'static str, &'static str, String, Value)> {
    let soon = chrono::Duration::hours(1);
    vec![
        ("GET", "/v1/health", "/v1/health".into(), Value::Null),
        ("GET", "/v1/whoami", "/v1/whoami".into(), Value::Null),
        ("GET", "/v1/incidents", "/v1/incidents?all=true".into(), Value::Null),
        ("POST", "/v1/incidents/search", "/v1/incidents/search".into(), json!({"all": true})),
        ("GET", "/v1/incidents/{id}", "/v1/incidents/1".into(), Value::Null),
        ("GET", "/v1/incidents/{id}/timeline", "/v1/incidents/1/timeline".into(), Value::Null),
        ("GET", "/v1/incidents/{id}/escalation", "/v1/incidents/1/escalation".into(), Value::Null),
        (
            "POST",
            "/v1/commands",
            "/v1/commands?source=cli".into(),
            json!({"command": "note", "id": "INC-1", "text": format!("note {round}")}),
        ),
        ("GET", "/v1/chain/head", "/v1/chain/head".into(), Value::Null),
        ("GET", "/v1/verify", "/v1/verify".into(), Value::Null),
        ("GET", "/v1/changes", "/v1/changes?after=0".into(), Value::Null),
        ("GET", "/v1/maintenance", "/v1/maintenance".into(), Value::Null),
        (
            "POST",
            "/v1/maintenance",
            "/v1/maintenance".into(),
            json!({"service": format!("svc{round}"), "start": rfc3339(soon), "end": rfc3339(soon * 2),
                   "reason": "upgrade"}),
        ),
        // Round 1 cancels the window it has just set (#1, not started yet).
        (
            "POST",
            "/v1/maintenance/{id}/{how}",
            "/v1/maintenance/1/cancel".into(),
            json!({"reason": "not needed"}),
        ),
        ("GET", "/v1/rota", "/v1/rota?days=1".into(), Value::Null),
        (
            "POST",
            "/v1/rota",
            "/v1/rota?source=cli".into(),
            json!({"command": "add_override", "schedule": "primary", "person": "bob", "covers": null,
                   "start": rfc3339(soon), "end": rfc3339(soon * 2), "reason": "swap"}),
        ),
        (
            "POST",
            "/v1/alerts/alertmanager",
            "/v1/alerts/alertmanager".into(),
            am(0, "firing", &format!("f00d{round:012}")),
        ),
        (
            "POST",
            "/v1/alerts",
            "/v1/alerts".into(),
            json!({"title": "queue depth", "dedup_key": format!("q{round}")}),
        ),
        ("POST", "/v2/enqueue", "/v2/enqueue".into(), pd("trigger", &format!("checkout-{round}"))),
        ("POST", "/v1/heartbeats/{name}", "/v1/heartbeats/watchdog".into(), json!({})),
        ("POST", "/v1/server/stop", "/v1/server/stop".into(), Value::Null),
    ]
}

/// The routes the routers register, read from their source: a route added there and not to
/// the gate's table (or to this test's table) fails here.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for file in ["src/server/api.rs", "src/server/ingest.rs"] {
        let src = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        for chunk in src.split(".route(\"").skip(1) {
            let (path, rest) = chunk.split_once('"').unwrap();
            // The rest of this `.route(` call: up to its closing parenthesis.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .unwrap()
                .0;
            let call = &rest[..end];
            for (token, method) in [
                ("get(", "GET"),
                ("post(", "POST"),
                ("put(", "PUT"),
                ("delete(", "DELETE"),
                ("patch(", "PATCH"),
            ] {
                let found = call.match_indices(token).any(|(i, _)| {
                    call[..i].chars().last().is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
                });
                if found {
                    out.insert((method.to_owned(), path.to_owned()));
                }
            }
        }
    }
    out
}

#[test]
fn the_gate_lists_every_route_the_routers_serve() {
    let served = routes_in_source();
    let gated: BTreeSet<(String, String)> =
        ROUTES.iter().map(|r| (r.method.to_owned(), r.path.to_owned())).collect();
    let tested: BTreeSet<(String, String)> =
        table(0).into_iter().map(|(m, r, _, _)| (m.to_owned(), r.to_owned())).collect();
    assert!(served.len() >= 20, "the source scan found too few routes: {served:?}");
    assert_eq!(served, gated, "server/gate.rs ROUTES differs from the routers");
    assert_eq!(tested, gated, "this test's table differs from server/gate.rs ROUTES");
}

#[test]
fn every_route_as_a_read_only_peer_refuses_writes_with_nothing_recorded_and_answers_reads() {
    let p = piket();
    let me = os_user();
    // Round 1, as a writer: every route works, so every write below is a real write.
    config(&p, "", "1h");
    let s = serve(&p);
    let (st, v) = s.sock(
        "POST",
        "/v1/commands",
        &json!({"command": "register", "title": "checkout 502", "impact": "high", "urgency": "high",
                "severity": 2}),
    );
    assert_eq!(st, 200, "{v}");
    for (method, route, path, body) in table(1) {
        if route == "/v1/server/stop" {
            continue;
        }
        let before = s.record().0;
        let (st, v) = s.sock(method, &path, &body);
        assert!((200..300).contains(&st), "{method} {path} as a writer: {st} {v}");
        // A beat that ends no silence is not an event; everything else a writer sends is.
        let must_write = method == "POST"
            && matches!(
                route,
                "/v1/commands"
                    | "/v1/rota"
                    | "/v1/maintenance"
                    | "/v1/maintenance/{id}/{how}"
                    | "/v1/alerts/alertmanager"
                    | "/v1/alerts"
                    | "/v2/enqueue"
            );
        assert!(!must_write || s.record().0 > before, "{method} {path} as a writer recorded nothing: {v}");
    }
    let (st, v) = s.sock("POST", "/v1/server/stop", &Value::Null);
    assert_eq!(st, 202, "{v}");
    s.exited();

    // Round 2, the same user read-only.
    config(&p, &format!("read-only = [\"{me}\"]"), "1h");
    let s = serve(&p);
    let (_, who) = s.sock("GET", "/v1/whoami", &Value::Null);
    assert_eq!(who["read_only"], true, "{who}");
    let before = s.record();
    let windows_before = s.sock("GET", "/v1/maintenance", &Value::Null).1;
    for (method, route, path, body) in table(2) {
        let access = ROUTES.iter().find(|r| r.method == method && r.path == route).unwrap().access;
        if access == Access::Stop {
            continue;
        }
        let (st, v) = s.sock(method, &path, &body);
        match access {
            Access::Read => assert_eq!(st, 200, "{method} {path} as a read-only peer: {v}"),
            Access::Write | Access::Send => {
                assert_eq!(
                    (st, v["error"]["code"].as_str()),
                    (403, Some("read_only")),
                    "{method} {path} as a read-only peer: {v}"
                );
                let message = v["error"]["message"].as_str().unwrap();
                assert!(message.contains(&me) && message.contains("nothing was recorded"), "{message}");
            }
            Access::Stop => unreachable!(),
        }
        assert_eq!(s.record(), before, "{method} {path} as a read-only peer changed the record");
    }
    assert_eq!(s.sock("GET", "/v1/maintenance", &Value::Null).1, windows_before, "no window was set");
    p.ok(&["verify"]);
    // The refused alert requests are in the log, naming the socket's uid.
    s.wait_line("the refused alert request in the log", |l| {
        l.contains("refused POST /v1/alerts") && l.contains("on the socket") && l.contains("403")
    });
    // The stop route keeps its own rule: the server's own uid may stop it, read-only or not.
    let (st, v) = s.sock("POST", "/v1/server/stop", &Value::Null);
    assert_eq!(st, 202, "{v}");
    s.exited();
}

#[test]
fn alerts_on_the_socket_name_the_os_user_and_over_tcp_the_sender() {
    let p = piket();
    config(&p, "", "1h");
    let s = serve(&p);
    let me = os_user();
    let (st, v) = s.sock("POST", "/v1/alerts", &json!({"title": "queue depth", "dedup_key": "q"}));
    assert_eq!(st, 200, "{v}");
    let (st, v) = s.tcp("/v1/alerts/alertmanager", &am(0, "firing", "00000000000000aa"), TOKEN);
    assert_eq!(st, 200, "{v}");
    let (st, v) = s.sock("POST", "/v2/enqueue", &pd("trigger", "pd-1"));
    assert_eq!(st, 202, "{v}");
    let (st, v) = s.tcp("/v2/enqueue", &pd("resolve", "pd-1"), TOKEN);
    assert_eq!(st, 202, "{v}");

    let socket_alert = s.timeline(1);
    assert!(
        socket_alert.iter().all(|e| e["actor"] == me.as_str() && e["source"] == "alert"),
        "{socket_alert:?}"
    );
    let tcp_alert = s.timeline(2);
    assert!(tcp_alert.iter().all(|e| e["actor"] == "alertmanager"), "{tcp_alert:?}");
    let pd = s.timeline(3);
    assert_eq!(pd[0]["actor"], me.as_str(), "the trigger came over the socket: {pd:?}");
    assert_eq!(pd.last().unwrap()["actor"], "pagerduty", "the resolve came over TCP: {pd:?}");
    // The channel stays the sender kind, on the incident and in the timeline.
    let (_, inc) = s.sock("GET", "/v1/incidents/1", &Value::Null);
    assert_eq!(inc["channel"], "api", "{inc}");
    let text = p.ok(&["timeline", "INC-1"]);
    assert!(text.contains("from api"), "{text}");
    assert!(text.contains(&me), "{text}");
    let text = p.ok(&["timeline", "INC-2"]);
    assert!(text.contains("from alertmanager"), "{text}");
}

#[test]
fn unknown_fields_in_api_bodies_are_refused_naming_the_field_and_nothing_is_recorded() {
    let p = piket();
    config(&p, "", "1h");
    let s = serve(&p);
    let (st, _) = s.sock(
        "POST",
        "/v1/commands",
        &json!({"command": "register", "title": "db down", "impact": "high", "urgency": "high", "severity": 2}),
    );
    assert_eq!(st, 200);
    let before = s.record();
    let soon = chrono::Duration::hours(1);
    for (path, body, field) in [
        ("/v1/incidents/search", json!({"statuss": ["triggered"]}), "statuss"),
        (
            "/v1/commands",
            json!({"command": "register", "title": "x", "impact": "high", "urgency": "high", "severity": 2,
                   "servics": ["db"]}),
            "servics",
        ),
        ("/v1/commands", json!({"command": "note", "id": "INC-1", "text": "x", "txt": "y"}), "txt"),
        ("/v1/commands", json!({"command": "update", "id": "INC-1", "changes": {"titel": "y"}}), "titel"),
        (
            "/v1/commands",
            json!({"command": "record_review", "id": "INC-1",
                   "review": {"went_well": [], "went_wrong": [], "got_lucky": [], "lessons": [], "lesson": []}}),
            "lesson",
        ),
        (
            "/v1/maintenance",
            json!({"service": "db", "start": rfc3339(soon), "end": rfc3339(soon * 2), "reason": "x",
                   "until": "later"}),
            "until",
        ),
        ("/v1/rota", json!({"command": "remove_override", "id": 1, "reason": null, "why": "x"}), "why"),
        ("/v1/alerts", json!({"title": "x", "sevrity": "critical"}), "sevrity"),
    ] {
        let (st, v) = s.sock("POST", path, &body);
        assert_eq!(st, 400, "{path} {body}: {v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{path}: the message does not name '{field}': {message}");
    }
    assert_eq!(s.record(), before, "a refused body recorded something");
    // The misspelt filter of the issue no longer returns the queue; the right one still works.
    let (st, v) = s.sock("POST", "/v1/incidents/search", &json!({"statuses": ["resolved"]}));
    assert_eq!((st, v.as_array().map(Vec::len)), (200, Some(0)), "{v}");
    let (st, v) = s.sock("POST", "/v1/incidents/search", &json!({"statuses": ["triggered"]}));
    assert_eq!((st, v.as_array().map(Vec::len)), (200, Some(1)), "{v}");
    // Senders' payloads keep tolerating keys piket does not know (am() carries one).
    let (st, v) = s.sock("POST", "/v1/alerts/alertmanager", &am(0, "firing", "00000000000000bb"));
    assert_eq!(st, 200, "{v}");
    let mut event = pd("trigger", "pd-x");
    event["a_future_key"] = json!(1);
    let (st, v) = s.sock("POST", "/v2/enqueue", &event);
    assert_eq!(st, 202, "{v}");
}

#[test]
fn truncated_notifications_show_on_the_incident_and_in_the_log() {
    let p = piket();
    config(&p, "", "1h");
    let s = serve(&p);
    let (st, v) = s.tcp("/v1/alerts/alertmanager", &am(7, "firing", "00000000000000cc"), TOKEN);
    assert_eq!(st, 200, "{v}");
    let line = s.wait_line("the truncation in the log", |l| l.contains("truncatedAlerts"));
    assert!(line.contains("left 7 alert(s) out") && line.contains("raise max_alerts"), "{line}");
    let alerts = p.ok(&["alerts", "INC-1"]);
    assert!(alerts.contains("7 more alert(s) left out") && alerts.contains("raise max_alerts"), "{alerts}");
    let timeline = p.ok(&["timeline", "INC-1"]);
    assert!(timeline.contains("7 more alert(s) left out") && timeline.contains("max_alerts"), "{timeline}");
}

#[test]
fn a_resolved_heartbeat_notification_is_not_a_beat() {
    let p = piket();
    config(&p, "", "2s");
    let s = serve(&p);
    let (st, v) = s.sock("POST", "/v1/heartbeats/watchdog", &am(0, "firing", "000000000000beef"));
    assert_eq!((st, &v["beat"]), (200, &json!(true)), "{v}");
    // Resolved Watchdog notifications keep coming; the silence must still be noticed.
    wait_for("the silence incident despite resolved notifications", || {
        std::thread::sleep(Duration::from_millis(200));
        let (st, v) = s.sock("POST", "/v1/heartbeats/watchdog", &am(0, "resolved", "000000000000beef"));
        assert_eq!((st, &v["beat"]), (200, &json!(false)), "{v}");
        let (_, list) = s.sock("GET", "/v1/incidents", &Value::Null);
        list.as_array().unwrap().iter().find(|i| i["channel"] == "heartbeat").cloned()
    });
    s.wait_line("the log line", |l| {
        l.contains("heartbeat 'watchdog': a resolved notification is not a beat")
    });
}

#[test]
fn refused_sender_requests_are_logged_once_a_minute_per_sender_with_the_reason_sanitised() {
    let p = piket();
    config(&p, "", "1h");
    let s = serve(&p);
    for _ in 0..3 {
        let (st, _) = s.tcp("/v1/alerts", &json!({"title": "x"}), "wrong-token-wrong-token-wrong");
        assert_eq!(st, 401);
    }
    let (st, _) = s.tcp("/v1/alerts", &json!({"nope": 1}), TOKEN);
    assert_eq!(st, 400);
    // A refusal from another sender (the socket's uid) whose reason carries escape sequences;
    // lines are written before the answer, so once it is in, the ones above are too.
    let evil = json!({"title": "x", "\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J": 1});
    let (st, _) = s.sock("POST", "/v1/alerts", &evil);
    assert_eq!(st, 400);
    let line = s.wait_line("the socket's refusal", |l| l.contains("refused POST /v1/alerts from uid"));
    assert!(line.contains(" 400 ") && line.contains("unknown field"), "{line}");
    assert!(!line.contains('\u{1b}') && !line.contains('\u{7}'), "unsanitised: {line:?}");
    let tcp = s.lines(|l| l.contains("from 127.0.0.1"));
    assert_eq!(tcp.len(), 1, "one line per sender per minute: {tcp:?}");
    assert!(tcp[0].contains("401") && tcp[0].contains("bearer token is wrong"), "{tcp:?}");
}

#[test]
fn piket_alerts_keeps_the_summary_after_a_pagerduty_acknowledge_and_resolve() {
    let p = piket();
    config(&p, "", "1h");
    let s = serve(&p);
    for action in ["trigger", "acknowledge", "resolve"] {
        let (st, v) = s.tcp("/v2/enqueue", &pd(action, "pd-7"), TOKEN);
        assert_eq!(st, 202, "{action}: {v}");
    }
    let out = p.ok(&["alerts", "INC-1"]);
    assert!(out.contains("[resolve] x3"), "{out}");
    assert!(out.contains("checkout latency over 2 s"), "the summary was lost: {out}");
    assert!(
        out.contains("source=web-1") && out.contains("severity=error"),
        "the annotations were lost: {out}"
    );
}

#[test]
fn a_uid_without_a_passwd_entry_is_refused_on_every_route() {
    use std::os::unix::process::CommandExt;
    if !nix::unistd::getuid().is_root() {
        eprintln!("skipped: acting as a uid without a passwd entry needs root (CI runs as root)");
        return;
    }
    let nameless = (61000..65000)
        .find(|u| nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(*u)).ok().flatten().is_none())
        .unwrap();
    let group = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(0)).unwrap().unwrap().name;
    let p = piket();
    config(&p, &format!("socket-group = \"{group}\""), "1h");
    std::fs::set_permissions(p.dir(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let s = serve(&p);
    let (st, v) = s.sock(
        "POST",
        "/v1/commands",
        &json!({"command": "register", "title": "db down", "impact": "high", "urgency": "high", "severity": 2}),
    );
    assert_eq!(st, 200, "{v}");
    let before = s.record();
    // A client whose uid the passwd database does not know, in the socket's group.
    let out = p.cmd(&["list"]).uid(nameless).gid(0).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains(&format!("uid {nameless} has no entry in the passwd database")), "{err}");
    let out = p.cmd(&["ack", "INC-1"]).uid(nameless).gid(0).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("has no entry in the passwd database"), "{err}");
    assert_eq!(s.record(), before);
}

#[test]
fn body_limits_are_the_documented_ones_per_route() {
    let p = piket();
    config(&p, "", "1h");
    let s = serve(&p);
    const MIB: usize = 1024 * 1024;
    for (path, limit) in [
        ("/v1/alerts/alertmanager", 4 * MIB),
        ("/v1/alerts", 4 * MIB),
        ("/v1/heartbeats/watchdog", 4 * MIB),
        ("/v2/enqueue", 512 * 1024),
        ("/v1/commands", MIB),
        ("/v1/incidents/search", MIB),
        ("/v1/maintenance", MIB),
        ("/v1/rota", MIB),
    ] {
        let at = vec![b' '; limit];
        let (st, v) = request(UnixStream::connect(&s.socket).unwrap(), "POST", path, "", &at);
        assert_ne!(st, 413, "{path}: {limit} bytes is within the limit: {v}");
        let over = vec![b' '; limit + 1];
        let (st, v) = request(UnixStream::connect(&s.socket).unwrap(), "POST", path, "", &over);
        assert_eq!(st, 413, "{path}: {} bytes is over the limit: {v}", limit + 1);
    }
    assert_eq!(s.record().0, 0, "nothing was recorded");
}
