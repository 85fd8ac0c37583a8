//! Good and bad config files, loaded the way piket loads them.
//!
//! Each file in `config_fixtures/invalid/` states what it expects in its own header:
//! `# expect: LINE:COLUMN` and `# expect-text: a | b | c` (substrings of the message), so a
//! fixture and its expectation cannot drift apart, and the CLI's binary tests can reuse them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::Duration;
use piket::config::{Config, ConfigError, Origin, Position};
use piket::domain::{Priority, Severity};

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config_fixtures").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

struct Expectation {
    position: Position,
    texts: Vec<String>,
}

fn expectation(path: &Path, text: &str) -> Expectation {
    let header = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("{}: no `{key}` line", path.display()))
            .trim()
            .to_owned()
    };
    let at = header("# expect:");
    let (line, column) = at.split_once(':').unwrap();
    Expectation {
        position: Position { line: line.parse().unwrap(), column: column.parse().unwrap() },
        texts: header("# expect-text:").split(" | ").map(str::to_owned).collect(),
    }
}

#[test]
fn every_invalid_fixture_is_refused_where_and_why_it_says() {
    for path in fixtures("invalid") {
        let text = std::fs::read_to_string(&path).unwrap();
        let want = expectation(&path, &text);

        let err = Config::from_toml_str(&text, &path).unwrap_err();
        let message = err.to_string();
        let prefix = format!("{}:{}:{}: ", path.display(), want.position.line, want.position.column);
        assert!(
            message.starts_with(&prefix),
            "{}\n  want prefix: {prefix}\n  got: {message}",
            path.display()
        );
        for t in &want.texts {
            assert!(message.contains(t.as_str()), "{}\n  want text: {t}\n  got: {message}", path.display());
        }
        assert!(!message.contains('\n'), "one line: {message}");
        assert!(
            matches!(err, ConfigError::Invalid { position: Some(p), .. } if p == want.position),
            "{err:?}"
        );

        // Loading the file by path says exactly the same.
        let loaded = Config::load(Some(&path)).unwrap_err();
        assert_eq!(loaded.to_string(), message);
    }
}

#[test]
fn every_valid_fixture_loads() {
    for path in fixtures("valid") {
        let loaded = Config::load(Some(&path)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.path.as_deref(), Some(path.as_path()));
    }
}

#[test]
fn the_example_documents_the_defaults() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let loaded = Config::load(Some(&example)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.config, Config::default());
}

/// `full.toml` sets every key; each must be documented in the example. Keys under `[keys]`
/// and `[theme]` are the TUI's names, documented there.
#[test]
fn the_example_mentions_every_key_of_the_full_fixture() {
    fn walk(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
        for (k, v) in table {
            out.push(k.clone());
            if let toml::Value::Table(t) = v
                && !matches!(k.as_str(), "keys" | "theme")
            {
                walk(t, &format!("{prefix}{k}."), out);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = std::fs::read_to_string(root.join("config.example.toml")).unwrap();
    let mut keys = Vec::new();
    // full.toml sets every key but the rota's (its services are a list); rota.toml sets those.
    for fixture in ["full.toml", "rota.toml"] {
        let path = root.join("tests/config_fixtures/valid").join(fixture);
        let table: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
        walk(&table, "", &mut keys);
    }
    // Inline tables of rotations and levels are arrays: their keys are listed here.
    keys.extend(
        [
            "members",
            "shift",
            "handoff",
            "handoff-day",
            "start",
            "end",
            "zone",
            "active",
            "targets",
            "timeout",
        ]
        .map(str::to_owned),
    );
    for key in keys {
        assert!(example.contains(&key), "config.example.toml does not mention `{key}`");
    }
}

#[test]
fn the_full_fixture_sets_everything() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config_fixtures/valid/full.toml");
    let c = Config::load(Some(&path)).unwrap().config;
    let d = Config::default();
    assert_eq!(c.team, "Platform on-call");
    assert_eq!(c.on_call, ["alice", "bob"]);
    assert_eq!(c.timezone, chrono_tz::Tz::Europe__Amsterdam);
    assert_eq!(c.data_dir, Some(PathBuf::from("/var/lib/piket")));
    assert_eq!(c.store.cache_size_bytes, 256 * 1024 * 1024);
    assert_eq!(c.server.socket, Some(PathBuf::from("/run/piket/piket.sock")));
    assert_eq!(c.server.socket_group.as_deref(), Some("oncall"));
    assert_eq!(c.server.read_only, ["auditor"]);
    assert_eq!(c.server.listen, Some("127.0.0.1:9095".parse().unwrap()));
    assert_eq!(c.server.token_file, Some(PathBuf::from("/etc/piket/alert-token")));
    assert_eq!(c.server.pagerduty_events_per_minute, 120);
    assert_eq!(c.server.tls_cert, Some(PathBuf::from("/etc/piket/tls/cert.pem")));
    assert_eq!(c.server.tls_key, Some(PathBuf::from("/etc/piket/tls/key.pem")));
    assert_eq!(c.server.header_timeout, std::time::Duration::from_secs(5));
    assert_eq!(c.server.body_timeout, std::time::Duration::from_secs(60));
    assert_eq!(c.server.max_connections_per_peer, 16);
    assert_eq!(c.alerts.service_label, "app");
    assert_eq!(c.alerts.severity_label, "level");
    assert_eq!(c.alerts.title_template, "{labels.alertname}: {annotations.summary}");
    assert_eq!(c.alerts.group_receivers, ["team-db"]);
    assert_eq!(c.alerts.auto_resolve_services, ["web"]);
    assert_eq!(c.alerts.flapping.max_changes, 6);
    assert_eq!(c.alerts.flapping.window, Duration::minutes(10));
    assert_eq!(c.alerts.default_severity.impact, piket::domain::Impact::Low);
    assert_eq!(c.alerts.severity(Some("PAGE")).severity, piket::domain::Severity::SEV1);
    assert_eq!(c.alerts.severities.len(), 5);
    assert_eq!(c.alerts.heartbeats["watchdog"], Duration::minutes(5));
    assert_eq!(c.alerts.routing_keys["0123456789abcdef0123456789abcdef"], "db");
    assert_eq!(c.policy.categories.len(), 7);
    assert_eq!(c.policy.services, ["api", "web", "db"]);
    assert_eq!(c.policy.matrix.0[0], [Priority::P1, Priority::P1, Priority::P2]);
    assert_eq!(c.policy.targets[0].acknowledge, Some(Duration::minutes(2)));
    assert_eq!(c.policy.targets[3].resolve, Some(Duration::days(3)));
    assert_eq!(c.policy.targets[4].acknowledge, None);
    assert_eq!(c.severity_names[3], "Cosmetic");
    assert!(!c.policy.closing.require_resolution_summary);
    assert!(!c.policy.closing.require_root_cause);
    assert_eq!(c.policy.closing.review_for_severities, [Severity::SEV1, Severity::SEV2, Severity::SEV3]);
    assert_eq!(c.policy.closing.review_for_priorities, [Priority::P1]);
    assert_eq!(c.policy.closing.min_lessons, 2);
    assert!(c.policy.closing.require_action_items_done);
    assert_eq!(c.keys["quit"], ["q", "ctrl-c"]);
    assert_eq!(c.theme["unacknowledged"], "light-red");
    // Nothing is left at its default.
    assert_ne!(c.policy.matrix, d.policy.matrix);
    assert_ne!(c.severity_names, d.severity_names);
}

#[test]
fn mixed_spellings_mean_the_same_thing() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config_fixtures/valid/mixed-spellings.toml");
    let c = Config::load(Some(&path)).unwrap().config;
    assert_eq!(c.policy.matrix.0[0], [Priority::P1, Priority::P1, Priority::P2]);
    assert_eq!(c.policy.targets[3].acknowledge, Some(Duration::minutes(150)));
    assert_eq!(c.policy.targets[3].resolve, None);
    assert_eq!(c.policy.closing.review_for_severities, [Severity::SEV1, Severity::SEV2, Severity::SEV3]);
}

#[test]
fn a_missing_explicit_file_is_an_error_not_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.toml");
    let err = Config::load(Some(&path)).unwrap_err();
    assert!(matches!(err, ConfigError::Read { origin: Origin::Argument, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("{}: the config file given with --config does not exist", path.display())
    );
}

#[test]
fn an_unreadable_file_says_why() {
    // A directory stands in for an unreadable file: permission bits do not stop root.
    let dir = tempfile::tempdir().unwrap();
    let err = Config::load(Some(dir.path())).unwrap_err().to_string();
    let prefix = format!("{}: cannot read the config file given with --config: ", dir.path().display());
    assert!(err.starts_with(&prefix), "{err}");
}

#[test]
fn a_file_that_is_not_utf8_is_placed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    std::fs::write(&path, b"team = \"ops\"\nname = \"Jos\xe9\"\n").unwrap();
    let err = Config::load(Some(&path)).unwrap_err().to_string();
    assert_eq!(err, format!("{}:2:12: not UTF-8 text: a TOML file must be saved as UTF-8", path.display()));
}

#[test]
fn the_rota_fixture_builds_the_rota_and_notifiers() {
    use piket::domain::PageTarget;
    use piket::domain::schedule::ShiftLength;
    use piket::server::notify::{NotifierKind, WebhookFormat};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config_fixtures/valid/rota.toml");
    let c = Config::load(Some(&path)).unwrap().config;
    let rota = &c.policy.rota;
    assert_eq!(rota.people["alice"].user.as_deref(), Some("alice"));
    assert_eq!(rota.people["alice"].contacts["slack"], "@alice");
    assert_eq!(rota.teams["dba"].members, ["alice", "bob"]);
    assert_eq!(rota.services["db"].escalation_policy.as_deref(), Some("dba"));
    assert_eq!(c.policy.services, ["db", "web"], "the service tables are the known services");
    assert_eq!(c.alerts.routing_keys["0123456789abcdef0123456789abcdef"], "db");
    let dba = &rota.schedules["dba"];
    assert_eq!(dba.rotations[0].shift, ShiftLength::Weekly);
    assert_eq!(dba.rotations[1].shift, ShiftLength::Hours(12));
    assert_eq!(dba.rotations[1].zone, chrono_tz::Tz::Europe__Amsterdam, "the display zone by default");
    assert!(dba.rotations[1].active.is_some() && dba.rotations[1].end.is_some());
    let policy = &rota.policies["dba"];
    assert_eq!(policy.repeat, 1);
    assert_eq!(
        policy.levels[1].targets,
        [PageTarget::Person("carol".into()), PageTarget::Team("dba".into())]
    );
    assert_eq!(policy.levels[1].timeout, Duration::minutes(30));
    assert_eq!(rota.default_policy.as_deref(), Some("dba"));
    assert_eq!(rota.acknowledge_timeout, Some(Duration::minutes(30)));
    assert_eq!(c.notifiers.len(), 2);
    let slack = c.notifiers.iter().find(|n| n.name == "slack").unwrap();
    assert!(matches!(
        &slack.kind,
        NotifierKind::Webhook { format: WebhookFormat::Slack, token_file: Some(_), .. }
    ));
    assert_eq!((slack.retries, slack.timeout), (1, std::time::Duration::from_secs(5)));
}
