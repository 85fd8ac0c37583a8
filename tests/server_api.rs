//! The HTTP API over a real Unix socket: every route, the error codes, bad bodies (400, nothing
//! written), the body limit (413), identity from the kernel, read-only users, and the feed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::http;
use crate::common::in_process::{InProcess, open_engine, socket_options};

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use piket::client::Client;
use piket::client::remote::RemoteClient;
use piket::domain::{Command, Impact, NewIncident, Policy, Severity, Source, Urgency};
use piket::server::ServerOptions;
use serde_json::{Value, json};

/// A server on a temp socket, in this process, stopped on drop.
struct Server {
    /// Stopped before the directory under it goes.
    _server: InProcess,
    /// The database and socket live here.
    _dir: tempfile::TempDir,
    socket: PathBuf,
}

impl Server {
    fn start(read_only: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let engine = open_engine(dir.path(), Policy::default());
        let options = ServerOptions {
            read_only: read_only.iter().map(|s| (*s).to_owned()).collect(),
            ..socket_options(dir.path())
        };
        let server = InProcess::on_socket(engine, options);
        Self { socket: server.socket.clone(), _server: server, _dir: dir }
    }

    fn client(&self) -> RemoteClient {
        RemoteClient::connect(&self.socket).unwrap()
    }
}

/// One HTTP/1.1 request over the socket; (status, body).
fn http(socket: &Path, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    http::request(UnixStream::connect(socket).unwrap(), method, path, "", body)
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

fn new_incident(title: &str) -> Value {
    json!({
        "command": "register",
        "title": title,
        "impact": "high",
        "urgency": "high",
        "severity": 2,
    })
}

fn the_os_user() -> String {
    piket::client::local::os_user()
}

fn error_code(status: u16, body: &str) -> (u16, String) {
    (status, json_of(body)["error"]["code"].as_str().unwrap().to_owned())
}

#[test]
fn every_route_answers_json() {
    let s = Server::start(&[]);
    let (st, body) = http(&s.socket, "GET", "/v1/health", b"");
    assert_eq!(st, 200, "{body}");
    let h = json_of(&body);
    assert_eq!(h["status"], "ok");
    assert_eq!(h["pid"], std::process::id());
    assert_eq!(h["last_global_seq"], 0);

    let (st, body) = http(&s.socket, "GET", "/v1/whoami", b"");
    assert_eq!(st, 200);
    assert_eq!(json_of(&body)["user"], the_os_user().as_str());
    assert_eq!(json_of(&body)["read_only"], false);

    let (st, body) =
        http(&s.socket, "POST", "/v1/commands", new_incident("checkout 502").to_string().as_bytes());
    assert_eq!(st, 200, "{body}");
    let o = json_of(&body);
    assert_eq!(o["incident"], "INC-1");
    assert_eq!(o["events"][0]["actor"], the_os_user().as_str());
    assert_eq!(o["events"][0]["source"], "api");

    let (st, body) =
        http(&s.socket, "POST", "/v1/commands?source=cli", br#"{"command":"acknowledge","id":"INC-1"}"#);
    assert_eq!(st, 200, "{body}");
    assert_eq!(json_of(&body)["summary"]["status"], "acknowledged");

    let (st, body) = http(&s.socket, "GET", "/v1/incidents", b"");
    assert_eq!(st, 200);
    assert_eq!(json_of(&body).as_array().unwrap().len(), 1);
    let (st, body) =
        http(&s.socket, "GET", "/v1/incidents?all=true&status=resolved&text=checkout&limit=5", b"");
    assert_eq!(st, 200, "{body}");
    let (st, body) = http(&s.socket, "POST", "/v1/incidents/search", br#"{"all":true,"text":"checkout"}"#);
    assert_eq!(st, 200, "{body}");
    assert_eq!(json_of(&body)[0]["id"], "INC-1");

    let (st, body) = http(&s.socket, "GET", "/v1/incidents/1", b"");
    assert_eq!(st, 200);
    assert_eq!(json_of(&body)["title"], "checkout 502");
    let (st, body) = http(&s.socket, "GET", "/v1/incidents/INC-1/timeline", b"");
    assert_eq!(st, 200);
    let tl = json_of(&body);
    assert_eq!(tl.as_array().unwrap().len(), 2);
    assert_eq!(tl[1]["source"], "cli");

    let (st, body) = http(&s.socket, "GET", "/v1/chain/head", b"");
    assert_eq!(st, 200);
    assert_eq!(json_of(&body)["head"].as_str().unwrap().len(), 64);
    let (st, body) = http(&s.socket, "GET", "/v1/verify", b"");
    assert_eq!(st, 200);
    assert_eq!(json_of(&body)["events"], 2);
    assert_eq!(json_of(&body)["problem"], Value::Null);

    // The feed from the start replays the record (consecutive events of one incident come as
    // one change: the client reloads that incident once).
    let mut feed = UnixStream::connect(&s.socket).unwrap();
    feed.write_all(b"GET /v1/changes?after=0 HTTP/1.1\r\nHost: piket\r\n\r\n").unwrap();
    let mut r = BufReader::new(feed);
    let mut head = String::new();
    let mut lines = Vec::new();
    loop {
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        head.push_str(&l);
        if l == "\r\n" {
            break;
        }
    }
    assert!(head.contains("application/x-ndjson"), "{head}");
    assert!(head.contains("piket-head: 2"), "{head}");
    while lines.last().is_none_or(|l: &Value| l["global_seq"] != 2) {
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        if l.trim_start().starts_with('{') {
            lines.push(json_of(l.trim()));
        }
    }
    assert_eq!(lines.last().unwrap()["incident"], "INC-1");
    assert_eq!(lines.last().unwrap()["seq"], 2);
    // Then live: a commit now arrives on the open feed.
    http(&s.socket, "POST", "/v1/commands", br#"{"command":"note","id":1,"text":"live"}"#);
    loop {
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        if l.trim_start().starts_with('{') {
            assert_eq!(json_of(l.trim())["global_seq"], 3);
            break;
        }
    }
}

#[test]
fn the_media_types_are_the_documented_ones() {
    // Client and server share `wire::media`; scripts rely on the values (docs/API.md).
    assert_eq!(piket::wire::media::POSTCARD, "application/x-postcard");
    assert_eq!(piket::wire::media::NDJSON, "application/x-ndjson");
}

#[test]
fn errors_have_a_stable_code_and_the_right_status() {
    let s = Server::start(&[]);
    http(&s.socket, "POST", "/v1/commands", new_incident("x").to_string().as_bytes());

    let (st, body) = http(&s.socket, "GET", "/v1/incidents/99", b"");
    assert_eq!(error_code(st, &body), (404, "not_found".into()));
    let (st, body) = http(&s.socket, "GET", "/v1/incidents/99/timeline", b"");
    assert_eq!(error_code(st, &body), (404, "not_found".into()));
    let (st, body) = http(&s.socket, "GET", "/v1/incidents/banana", b"");
    assert_eq!(error_code(st, &body), (400, "bad_request".into()));
    let (st, body) = http(&s.socket, "GET", "/v2/health", b"");
    assert_eq!(error_code(st, &body), (404, "unknown_route".into()));
    let (st, body) = http(&s.socket, "DELETE", "/v1/commands", b"");
    assert_eq!(error_code(st, &body), (405, "method_not_allowed".into()));
    let (st, body) = http(&s.socket, "GET", "/v1/incidents?colour=red", b"");
    assert_eq!(error_code(st, &body), (400, "bad_request".into()));

    // Refused by the domain: 409 with the reason and the way forward.
    let (st, body) = http(&s.socket, "POST", "/v1/commands", br#"{"command":"close","id":1}"#);
    assert_eq!(error_code(st, &body), (409, "refused".into()));
    assert!(!json_of(&body)["error"]["next"].as_array().unwrap().is_empty(), "{body}");
    let (st, body) = http(&s.socket, "POST", "/v1/commands", br#"{"command":"acknowledge","id":42}"#);
    assert_eq!(error_code(st, &body), (404, "not_found".into()));

    // Malformed JSON, an unknown command, a missing field: 400 with serde's reason, nothing written.
    for bad in [
        &b"{\"command\": \"acknowledge\", "[..],
        br#"{"command":"self_destruct","id":1}"#,
        br#"{"command":"note","id":1}"#,
        b"",
    ] {
        let (st, body) = http(&s.socket, "POST", "/v1/commands", bad);
        assert_eq!(error_code(st, &body), (400, "bad_request".into()), "{}", String::from_utf8_lossy(bad));
        assert!(json_of(&body)["error"]["message"].as_str().unwrap().len() > 20, "{body}");
    }
    let (st, body) =
        http(&s.socket, "POST", "/v1/commands?source=timer", br#"{"command":"acknowledge","id":1}"#);
    assert_eq!(error_code(st, &body), (400, "bad_request".into()));

    // Over the body limit: 413.
    let huge = json!({"command": "note", "id": 1, "text": "x".repeat(piket::server::api::BODY_LIMIT + 10)});
    let (st, body) = http(&s.socket, "POST", "/v1/commands", huge.to_string().as_bytes());
    assert_eq!(error_code(st, &body), (413, "too_large".into()));

    // Nothing of the above was written: one event, the registration.
    let (_, body) = http(&s.socket, "GET", "/v1/health", b"");
    assert_eq!(json_of(&body)["last_global_seq"], 1);
}

#[test]
fn read_only_users_may_read_but_not_write() {
    let me = the_os_user();
    let s = Server::start(&[me.as_str()]);
    let (st, body) = http(&s.socket, "POST", "/v1/commands", new_incident("x").to_string().as_bytes());
    assert_eq!(error_code(st, &body), (403, "read_only".into()));
    assert!(body.contains(&me), "{body}");
    let (st, _) = http(&s.socket, "GET", "/v1/incidents", b"");
    assert_eq!(st, 200);
    let (_, body) = http(&s.socket, "GET", "/v1/whoami", b"");
    assert_eq!(json_of(&body)["read_only"], true);
    // The remote client reports it as a refusal, in words.
    let err = s
        .client()
        .execute(Command::Acknowledge { id: piket::domain::IncidentId(1) }, Source::Cli)
        .unwrap_err();
    assert!(err.to_string().contains("may read but not change"), "{err}");
}

fn register(c: &dyn Client, title: &str) -> piket::domain::IncidentId {
    c.execute(
        Command::Register(NewIncident {
            title: title.into(),
            description: None,
            reported_by: None,
            channel: None,
            services: vec![],
            impact: Impact::High,
            urgency: Urgency::High,
            severity: Severity::SEV2,
            category: None,
            detected_at: None,
            impact_started_at: None,
            reported_at: None,
            drill: false,
        }),
        Source::Tui,
    )
    .unwrap()
    .incident
}

#[test]
fn the_remote_client_is_the_same_client() {
    let s = Server::start(&[]);
    let a = s.client();
    let b = s.client();
    let mut feed = b.subscribe();
    let id = register(&a, "payments slow");
    a.execute(Command::Acknowledge { id }, Source::Tui).unwrap();
    assert_eq!(b.incident(id).unwrap().status, piket::domain::Status::Acknowledged);
    assert_eq!(b.timeline(id).unwrap()[1].actor, the_os_user());
    assert_eq!(b.list(&piket::domain::Query::default()).unwrap().len(), 1);
    assert_eq!(b.chain_head().unwrap().len(), 64);
    assert_eq!(b.verify().unwrap().problem, None);
    // Errors keep their kind across the socket.
    assert!(matches!(b.incident(piket::domain::IncidentId(9)), Err(piket::client::ClientError::NotFound(_))));
    let refused = b.execute(Command::Acknowledge { id }, Source::Tui).unwrap_err();
    assert!(matches!(refused, piket::client::ClientError::Refused(_)), "{refused}");
    // Both commits arrive on the other client's feed, in order.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let got: Vec<_> = rt.block_on(async {
        let mut v: Vec<piket::wire::Change> = Vec::new();
        while v.last().is_none_or(|c| c.global_seq < 2) {
            v.push(tokio::time::timeout(Duration::from_secs(120), feed.recv()).await.unwrap().unwrap());
        }
        v
    });
    // Live, the two commits are two changes; if the feed connected after them, the replay
    // sends one change for the incident's run of events. Either way in order, none repeated.
    assert!(got.windows(2).all(|w| w[0].global_seq < w[1].global_seq), "{got:?}");
    assert_eq!((got.last().unwrap().incident, got.last().unwrap().seq), (id, 2));
}

/// Maintenance changes are writes: a read-only user is refused on each route and nothing is
/// recorded; reading the windows is allowed.
#[test]
fn read_only_users_cannot_set_end_or_cancel_maintenance() {
    let me = the_os_user();
    let s = Server::start(&[me.as_str()]);
    let window = serde_json::json!({"service": "db", "start": "2030-01-01T00:00:00Z",
        "end": "2030-01-01T02:00:00Z", "reason": "disk swap"});
    for (path, body) in [
        ("/v1/maintenance", window.to_string()),
        ("/v1/maintenance/1/end", String::new()),
        ("/v1/maintenance/1/cancel", "{\"reason\": \"called off\"}".to_owned()),
    ] {
        let (st, answer) = http(&s.socket, "POST", path, body.as_bytes());
        assert_eq!(error_code(st, &answer), (403, "read_only".into()), "{path}: {answer}");
    }
    let (st, body) = http(&s.socket, "GET", "/v1/maintenance", b"");
    assert_eq!(st, 200);
    assert_eq!(json_of(&body)["windows"], serde_json::json!([]));
    let (_, body) = http(&s.socket, "GET", "/v1/verify", b"");
    assert_eq!(json_of(&body)["events"], 0, "nothing was recorded: {body}");
}

/// A refusal's next steps cross the socket as they left the rules: a lifecycle step as its
/// name (as ever), a step with data as an object, and the remote client reads both back.
#[test]
fn next_steps_with_data_are_objects_and_the_remote_client_reads_them_back() {
    let s = Server::start(&[]);
    http(&s.socket, "POST", "/v1/commands", new_incident("x").to_string().as_bytes());
    let (_, body) = http(&s.socket, "POST", "/v1/commands", br#"{"command":"close","id":1}"#);
    assert_eq!(json_of(&body)["error"]["next"], json!(["acknowledge", "contain", "resolve"]), "{body}");

    let window = json!({"service": "db", "start": "2030-01-01T00:00:00Z",
        "end": "2030-01-01T02:00:00Z", "reason": "disk swap"});
    let (st, body) = http(&s.socket, "POST", "/v1/maintenance", window.to_string().as_bytes());
    assert_eq!(st, 200, "{body}");
    let (st, body) = http(&s.socket, "POST", "/v1/maintenance/1/end", b"");
    assert_eq!(error_code(st, &body), (409, "refused".into()));
    assert_eq!(json_of(&body)["error"]["next"], json!([{"cancel-maintenance": 1}]), "{body}");
    let (_, body) = http(&s.socket, "POST", "/v1/maintenance/7/end", b"");
    assert_eq!(json_of(&body)["error"]["next"], json!(["list-maintenance"]), "{body}");

    let c = s.client();
    match c.close_maintenance(1, piket::wire::CloseWindow::End, None, Source::Cli) {
        Err(piket::client::ClientError::Refused(r)) => {
            assert_eq!(r.next, vec![piket::domain::Step::CancelMaintenance(1)], "{}", r.message);
        }
        other => panic!("ending a window to come is refused, not {other:?}"),
    }
}
