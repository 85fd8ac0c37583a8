//! The files piket creates, as a hostile neighbour on a shared host would try them: links
//! planted where piket writes, files planted where it keeps its record, loose modes, a regular
//! file at the socket path, a token file others can read. Through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::cli::Piket;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).unwrap().file_type().is_symlink()
}

#[test]
fn an_export_never_writes_through_a_link_a_neighbour_planted() {
    let p = Piket::new("").inside();
    p.ok(&["new", "Disk full on db-1", "-i", "low", "-u", "low", "--severity", "4"]);
    p.ok(&["root-cause", "1", "pool size halved", "--factor", "ssh-ed25519 AAAAC3Nza attacker@evil"]);
    let victim = p.path("authorized_keys");
    std::fs::write(&victim, "ssh-ed25519 AAAAC3Nza victim@laptop\n").unwrap();
    let planted = p.path("INC-1.md");
    std::os::unix::fs::symlink(&victim, &planted).unwrap();

    let err = p.fails(&["export", "1", "-o", "INC-1.md"], 1);
    assert!(err.contains("INC-1.md is a symbolic link") && err.contains("never writes through"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "ssh-ed25519 AAAAC3Nza victim@laptop\n");
    assert!(is_link(&planted), "the refused export left the name as it was");

    // --force replaces the link itself; the file it pointed at is never written.
    p.ok(&["export", "1", "-o", "INC-1.md", "--force"]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "ssh-ed25519 AAAAC3Nza victim@laptop\n");
    assert!(!is_link(&planted));
    let report = std::fs::read_to_string(&planted).unwrap();
    assert!(report.starts_with("# INC-1: Disk full on db-1"), "{report}");
    assert_eq!(mode(&planted), 0o600);
}

#[test]
fn an_export_never_overwrites_without_force() {
    let p = Piket::new("").inside();
    p.ok(&["new", "Checkout 502", "-i", "low", "-u", "low", "--severity", "4"]);
    let out = p.path("report.json");
    p.ok(&["export", "1", "--format", "json", "-o", "report.json"]);
    assert_eq!(mode(&out), 0o600, "a report holds what the incident holds: private");
    std::fs::write(&out, "my notes").unwrap();

    let err = p.fails(&["export", "1", "--format", "json", "-o", "report.json"], 1);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "my notes", "nothing lost");

    p.ok(&["export", "1", "--format", "json", "-o", "report.json", "--force"]);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(json["incident"]["title"], "Checkout 502", "{json}");
}

#[test]
fn every_file_the_server_creates_is_private() {
    let p = Piket::new("").inside();
    p.ok(&["list"]); // starts a server, which creates the database, the owner file and the log
    for name in ["piket.redb", "piket.redb.owner", "serve.log", "piket.sock"] {
        assert_eq!(mode(&p.path(name)), 0o600, "{name}");
    }
    p.ok(&["server", "stop"]);
    assert_eq!(mode(&p.path("piket.redb")), 0o600);
}

#[test]
fn a_database_an_older_piket_left_readable_is_made_private() {
    let p = Piket::new("").inside();
    p.ok(&["--embedded", "new", "Old record", "-i", "low", "-u", "low", "--severity", "4"]);
    std::fs::set_permissions(p.path("piket.redb"), std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(p.ok(&["--embedded", "list"]).contains("Old record"));
    assert_eq!(mode(&p.path("piket.redb")), 0o600);
}

#[test]
fn a_database_name_that_is_a_link_is_refused_and_its_target_untouched() {
    let p = Piket::new("").inside();
    let target = p.path("elsewhere");
    std::fs::write(&target, "someone's file").unwrap();
    std::os::unix::fs::symlink(&target, p.path("piket.redb")).unwrap();
    let err = p.fails(&["--embedded", "list"], 1);
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "someone's file");
}

#[test]
fn team_mode_files_are_readable_by_the_socket_group_only() {
    let Some(group) = ["nogroup", "nobody", "users"]
        .into_iter()
        .find_map(|g| nix::unistd::Group::from_name(g).ok().flatten())
    else {
        eprintln!("skipped: no well-known group on this machine");
        return;
    };
    let p = Piket::new(&format!("[server]\nsocket-group = \"{}\"\n", group.name)).inside();
    let served = p.serve();
    for name in ["piket.redb", "piket.redb.owner"] {
        let meta = std::fs::metadata(p.path(name)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o640, "{name}");
        assert_eq!(meta.gid(), group.gid.as_raw(), "{name}");
    }
    drop(served);
}

#[test]
fn only_a_socket_is_ever_removed_from_the_socket_path() {
    let p = Piket::new("").inside();
    std::fs::write(p.path("piket.sock"), "a file that is not a socket").unwrap();
    let out = p.cmd(&["serve"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a socket"), "{err}");
    assert_eq!(std::fs::read_to_string(p.path("piket.sock")).unwrap(), "a file that is not a socket");

    // A link there is not followed or removed either.
    std::fs::remove_file(p.path("piket.sock")).unwrap();
    let target = p.path("precious");
    std::fs::write(&target, "keep me").unwrap();
    std::os::unix::fs::symlink(&target, p.path("piket.sock")).unwrap();
    assert_eq!(p.cmd(&["serve"]).output().unwrap().status.code(), Some(1));
    assert!(is_link(&p.path("piket.sock")));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
}

#[test]
fn a_notifier_token_file_others_can_read_stops_the_server_with_the_fix() {
    let p = Piket::new("").inside();
    let token = p.path("webhook-token");
    std::fs::write(&token, "0123456789abcdef0123\n").unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(
        p.path("config.toml"),
        format!(
            "[notifiers.chat]\ntype = \"webhook\"\nurl = \"http://127.0.0.1:9/hook\"\ntoken-file = \"{}\"\n",
            token.display()
        ),
    )
    .unwrap();
    let out = p.cmd(&["serve"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("notifiers.chat.token-file") && err.contains("chmod 600"), "{err}");
    assert!(!p.path("piket.sock").exists(), "nothing was served");

    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    drop(p.serve());
}
