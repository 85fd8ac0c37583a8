//! The server as a process: auto-start, status and stop, a second server refused, stale
//! sockets, SIGTERM with commands in flight, and a client that survives a server restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::cli::Piket;
use crate::common::{PATIENCE as SAFETY_NET, wait_until};

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use piket::client::remote::RemoteClient;
use piket::client::{Client, Connection};
use piket::domain::{Command as Cmd, Impact, NewIncident, Severity, Source, Urgency};
use serde_json::Value;

fn new_incident(title: &str) -> Cmd {
    Cmd::Register(NewIncident {
        title: title.into(),
        description: None,
        reported_by: None,
        channel: None,
        services: vec![],
        impact: Impact::Low,
        urgency: Urgency::Low,
        severity: Severity::SEV4,
        category: None,
        detected_at: None,
        impact_started_at: None,
        reported_at: None,
        drill: false,
    })
}

#[test]
fn the_first_piket_starts_a_server_and_status_and_stop_manage_it() {
    let d = Piket::new("");
    assert_eq!(d.run(&["server", "status"]).status.code(), Some(1), "no server yet");
    let out = d.ok(&["list"]);
    assert!(out.contains("0 incidents"), "{out}");
    let status: Value = serde_json::from_str(&d.ok(&["server", "status", "--json"])).unwrap();
    assert_eq!(status["running"], true);
    assert_eq!(status["socket"], d.socket().to_str().unwrap());
    assert!(Path::new(status["database"].as_str().unwrap()).ends_with("piket.redb"));
    assert!(d.dir().join("serve.log").exists(), "the started server logs in the data dir");
    // The server outlives the command that started it, and the next command uses it.
    d.ok(&["new", "x", "-i", "low", "-u", "low", "--severity", "4"]);
    let again: Value = serde_json::from_str(&d.ok(&["server", "status", "--json"])).unwrap();
    assert_eq!(again["pid"], status["pid"]);
    assert!(d.ok(&["server", "stop"]).contains("stopped"));
    // Stop returns when the server has exited, not when the stop was accepted.
    let pid = nix::unistd::Pid::from_raw(i32::try_from(status["pid"].as_u64().unwrap()).unwrap());
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(
        nix::sys::signal::kill(pid, None).is_err()
            || stat.rsplit_once(')').is_some_and(|(_, r)| r.trim_start().starts_with('Z')),
        "the server still runs after `server stop` returned: {stat}"
    );
    assert!(!d.socket().exists(), "stop removes the socket");
    assert_eq!(d.run(&["server", "status"]).status.code(), Some(1));
    assert!(d.run(&["server", "stop"]).status.success(), "stop is idempotent");
    // --embedded opens the database in process; the record is the one the server wrote.
    assert!(d.ok(&["--embedded", "list"]).contains("INC-1"));
    assert!(!d.socket().exists(), "--embedded starts no server");
}

#[test]
fn a_second_server_on_the_same_database_exits_1_naming_the_holder() {
    let d = Piket::new("");
    let first = d.serve();
    let other_socket = d.dir().join("other.sock");
    let out = d.cmd(&["serve", "--socket", other_socket.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another piket holds this database"), "{err}");
    assert!(err.contains(&format!("pid {}", first.pid())), "names the holder: {err}");
    assert!(err.contains(d.socket().to_str().unwrap()), "and its socket: {err}");
    // A second server on the same socket (another database) is refused too.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = d
        .cmd(&["serve", "--socket", d.socket().to_str().unwrap()])
        .arg("--data-dir")
        .arg(elsewhere.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another piket server answers"));
}

#[test]
fn a_stale_socket_is_cleaned_up() {
    let d = Piket::new("");
    drop(std::os::unix::net::UnixListener::bind(d.socket()).unwrap());
    assert!(d.socket().exists(), "a socket file nothing listens on");
    assert!(d.ok(&["list"]).contains("0 incidents"));
    let log = std::fs::read_to_string(d.dir().join("serve.log")).unwrap();
    assert!(log.contains("removed a stale socket"), "{log}");
}

#[test]
fn sigterm_lets_commands_in_flight_commit_then_exits() {
    let d = Piket::new("");
    let served = d.serve();
    let client = Arc::new(RemoteClient::connect(&d.socket()).unwrap());
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let c = Arc::clone(&client);
            std::thread::spawn(move || {
                let mut ok = 0_u32;
                for n in 0..50 {
                    if c.execute(new_incident(&format!("w{i} n{n}")), Source::Cli).is_err() {
                        break;
                    }
                    ok += 1;
                }
                ok
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(150));
    served.signal(nix::sys::signal::Signal::SIGTERM);
    let acknowledged: u32 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let (status, log) = served.wait();
    assert!(status.success(), "exit {status:?}: {log:#?}");
    assert!(!d.socket().exists(), "the socket is removed");
    // Every command that got an answer is in the record; none is half-written.
    let listed: Value = serde_json::from_str(&d.ok(&["--embedded", "list", "--all", "--json"])).unwrap();
    let n = u32::try_from(listed.as_array().unwrap().len()).unwrap();
    assert!(n >= acknowledged && n <= acknowledged + 4, "{n} written, {acknowledged} answered");
    assert!(d.ok(&["--embedded", "verify"]).starts_with("ok"));
}

#[test]
fn a_client_rides_out_a_server_restart_and_misses_nothing() {
    let d = Piket::new("");
    let served = d.serve();
    let watcher = RemoteClient::connect(&d.socket()).unwrap();
    let mut feed = watcher.subscribe();
    let mut state = watcher.connection();
    let writer = RemoteClient::connect(&d.socket()).unwrap();
    let id = writer.execute(new_incident("before"), Source::Cli).unwrap().incident;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let first = rt.block_on(async { tokio::time::timeout(SAFETY_NET, feed.recv()).await }).unwrap().unwrap();
    assert_eq!(first.incident, id);

    // The server dies hard: the client says so, and refuses writes in words.
    served.signal(nix::sys::signal::Signal::SIGKILL);
    drop(served);
    rt.block_on(async {
        tokio::time::timeout(SAFETY_NET, state.wait_for(|c| matches!(c, Connection::Lost(_))))
            .await
            .unwrap()
            .map(|_| ())
    })
    .unwrap();
    let err = writer.execute(Cmd::Acknowledge { id }, Source::Cli).unwrap_err();
    assert!(err.to_string().contains("nothing was recorded"), "{err}");

    // Back (the stale socket is cleaned up), and changes are made before the client is back.
    let _again = d.serve();
    let writer = RemoteClient::connect(&d.socket()).unwrap();
    writer.execute(Cmd::Acknowledge { id }, Source::Cli).unwrap();
    let second = writer.execute(new_incident("meanwhile"), Source::Cli).unwrap().incident;
    writer.execute(Cmd::Note { id: second, text: "while you were away".into() }, Source::Cli).unwrap();

    rt.block_on(async {
        tokio::time::timeout(SAFETY_NET, state.wait_for(|c| *c == Connection::Connected))
            .await
            .unwrap()
            .map(|_| ())
    })
    .unwrap();
    let mut seen = Vec::new();
    rt.block_on(async {
        while seen.last().is_none_or(|c: &piket::wire::Change| c.global_seq < 4) {
            seen.push(tokio::time::timeout(SAFETY_NET, feed.recv()).await.unwrap().unwrap());
        }
    });
    assert!(seen.iter().any(|c| c.incident == id && c.seq == 2), "the ack: {seen:?}");
    assert!(seen.iter().any(|c| c.incident == second && c.seq == 2), "the note: {seen:?}");
    assert_eq!(watcher.incident(id).unwrap().status, piket::domain::Status::Acknowledged);
}

#[test]
fn no_private_server_is_started_on_someone_elses_socket() {
    let d = Piket::new("");
    let team = d.dir().join("run-piket");
    std::fs::create_dir(&team).unwrap();
    // Like /run/piket of the service user on a shared host (needs root to set up; skip if not).
    if nix::unistd::chown(&team, Some(nix::unistd::Uid::from_raw(65534)), None).is_err() {
        eprintln!("skipped: cannot give a directory to another user without root");
        return;
    }
    let socket = team.join("piket.sock");
    let out = d.cmd(&["--socket", socket.to_str().unwrap(), "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("its directory belongs to"), "{err}");
    assert!(!socket.exists());
    assert!(!d.dir().join("piket.redb").exists(), "no private database was made");
}

#[test]
fn the_socket_is_private_or_open_to_the_named_group() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let d = Piket::new("");
    d.ok(&["list"]);
    let meta = std::fs::metadata(d.socket()).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600, "private by default");
    d.ok(&["server", "stop"]);

    // On a shared host: the responders' group may connect.
    let Some(group) = ["nogroup", "nobody", "users"]
        .into_iter()
        .find_map(|g| nix::unistd::Group::from_name(g).ok().flatten())
    else {
        eprintln!("skipped the group half: no well-known group on this machine");
        return;
    };
    std::fs::write(
        d.dir().join("config.toml"),
        format!("[server]\nsocket-group = \"{}\"\nread-only = [\"auditor\"]\n", group.name),
    )
    .unwrap();
    let served = d.serve();
    let meta = std::fs::metadata(d.socket()).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    assert_eq!(meta.gid(), group.gid.as_raw());
    drop(served);
}

#[test]
fn pikets_started_at_once_share_one_server() {
    let d = Piket::new("");
    let runs: Vec<_> = (0..4)
        .map(|_| d.cmd(&["list"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap())
        .collect();
    for r in runs {
        let out = r.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let status: Value = serde_json::from_str(&d.ok(&["server", "status", "--json"])).unwrap();
    assert_eq!(status["running"], true);
    // The servers that lost the race are gone; stopping the winner leaves none behind.
    d.ok(&["server", "stop"]);
    wait_until("every server of this data dir to exit", || servers_for(d.dir()) == 0);
}

/// `piket serve` processes whose command line names `dir`.
fn servers_for(dir: &Path) -> usize {
    let needle = dir.to_str().unwrap();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(" serve") && c.contains(needle))
        .count()
}
