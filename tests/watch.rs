//! `piket watch` through the real binary: a change made by another client shows up as one
//! line with its position, kind, incident and actor; `--after` resumes without a gap or a
//! duplicate; filters; and a server that goes away is said, with the position to resume from.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};

use serde_json::Value;

use crate::common::PATIENCE;
use crate::common::cli::Piket;

/// A running `piket watch`: its stdout and stderr lines as they come; killed when dropped.
struct Watch {
    child: Child,
    out: Receiver<String>,
    err: Receiver<String>,
}

impl Watch {
    /// Starts `piket watch ARGS` and waits until it follows the record (its stderr says from
    /// which position), so a change made after this returns is one it must show.
    fn start(p: &Piket, args: &[&str]) -> Self {
        let mut all = vec!["watch"];
        all.extend_from_slice(args);
        let mut child = p.cmd(&all).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let out = lines(child.stdout.take().unwrap());
        let err = lines(child.stderr.take().unwrap());
        let w = Self { child, out, err };
        let first = w.err.recv_timeout(PATIENCE).expect("watch says where it starts");
        assert!(first.contains("following the record after position"), "{first}");
        w
    }

    fn next_json(&self) -> Value {
        let line = self.out.recv_timeout(PATIENCE).expect("a line from piket watch");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(r: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

fn the_os_user() -> String {
    let out = std::process::Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn new(p: &Piket, title: &str) {
    p.ok(&["new", title, "--impact", "high", "--urgency", "high", "--severity", "2"]);
}

#[test]
fn watch_json_shows_another_clients_change_and_resumes_after_a_position() {
    let p = Piket::new("");
    let _served = p.serve();
    new(&p, "checkout down");
    let w = Watch::start(&p, &["--json"]);
    p.ok(&["note", "1", "rolled back v42"]);
    let note = w.next_json();
    assert_eq!(note["kind"], "note", "{note}");
    assert_eq!(note["incident"], "INC-1");
    assert_eq!(note["seq"], 2, "the registration before the watch started is not shown: {note}");
    assert_eq!(note["actor"].as_str(), Some(the_os_user().as_str()));
    let g = note["global_seq"].as_u64().expect("a global position");
    p.ok(&["ack", "1"]);
    let ack = w.next_json();
    assert_eq!(
        (ack["kind"].as_str(), ack["global_seq"].as_u64()),
        (Some("acknowledged"), Some(g + 1)),
        "{ack}"
    );
    drop(w);

    // Resuming at the note's position replays what came after it, then goes on live.
    let again = Watch::start(&p, &["--json", "--after", &g.to_string()]);
    let replayed = again.next_json();
    assert_eq!(
        (replayed["kind"].as_str(), replayed["global_seq"].as_u64()),
        (Some("acknowledged"), Some(g + 1))
    );
    new(&p, "search slow");
    let live = again.next_json();
    assert_eq!(
        (live["kind"].as_str(), live["incident"].as_str()),
        (Some("registered"), Some("INC-2")),
        "{live}"
    );
    assert_eq!(live["global_seq"].as_u64(), Some(g + 2), "no gap, no duplicate: {live}");
}

#[test]
fn watch_filters_by_incident_and_kind_and_prints_sanitised_text_lines() {
    let p = Piket::new("");
    let _served = p.serve();
    new(&p, "one");
    new(&p, "two");
    let w = Watch::start(&p, &["--incident", "INC-2", "--kind", "note"]);
    p.ok(&["note", "1", "not this one"]);
    p.ok(&["ack", "2"]);
    p.ok(&["note", "2", "this \u{1b}[2Jone"]);
    let line = w.out.recv_timeout(PATIENCE).expect("the note on INC-2");
    assert!(line.contains("INC-2 #3") && line.contains("  note  "), "{line}");
    assert!(line.ends_with("this one"), "{line}");
    assert!(!line.contains('\u{1b}'), "escape sequences reach the terminal: {line:?}");
    assert!(w.out.try_recv().is_err(), "only the note of INC-2");
}

#[test]
fn watch_says_when_the_server_goes_away_and_where_to_resume() {
    let p = Piket::new("");
    let served = p.serve();
    new(&p, "one");
    let mut w = Watch::start(&p, &[]);
    let _ = served.stop();
    let why: Vec<String> = std::iter::from_fn(|| w.err.recv_timeout(PATIENCE).ok()).collect();
    let status = w.child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{why:?}");
    assert!(why.iter().any(|l| l.contains("went away")), "{why:?}");
    assert!(why.iter().any(|l| l.contains("resume with `piket watch --after 1`")), "{why:?}");
}
