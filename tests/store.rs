//! The store as a file: tampering is detected, and files written by earlier versions open.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::{Duration, TimeZone, Utc};
use piket::domain::{
    Command, EventKind, Impact, IncidentId, NewIncident, Policy, Review, Severity, Source, Status, Urgency,
};
use piket::engine::Engine;
use piket::store::StoreOptions;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events-1");
const FIXTURE: &str = "tests/fixtures/schema-1.redb";

fn sample(path: &Path) -> Engine {
    let e = Engine::open(path, &StoreOptions::default(), Policy::default()).unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap();
    let at = |m| t0 + Duration::minutes(m);
    let reg = Command::Register(NewIncident {
        title: "Checkout API returns 502".into(),
        description: Some("customers see errors at payment".into()),
        reported_by: Some("customer support".into()),
        channel: None,
        services: vec!["checkout".into()],
        impact: Impact::High,
        urgency: Urgency::Medium,
        severity: Severity::SEV2,
        category: Some("availability".into()),
        detected_at: None,
        impact_started_at: Some(t0 - Duration::minutes(5)),
        reported_at: None,
        drill: false,
    });
    let id = e.execute("alice", Source::Cli, &reg, at(0)).unwrap().incident;
    let steps = [
        Command::Acknowledge { id },
        Command::Contain { id, action: "rolled back".into() },
        Command::SetRootCause {
            id,
            root_cause: "pool size".into(),
            trigger: None,
            contributing_factors: vec![],
        },
        Command::Resolve { id, summary: "pool restored".into(), recovered_at: None },
        Command::RecordReview {
            id,
            review: Review { lessons: vec!["alert on pools".into()], ..Review::default() },
        },
        Command::Close { id },
    ];
    for (i, c) in steps.iter().enumerate() {
        e.execute("alice", Source::Cli, c, at(i64::try_from(i).unwrap() + 1)).unwrap();
    }
    e
}

fn copy_to_temp(src: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("piket.redb");
    std::fs::copy(src, &path).unwrap();
    (dir, path)
}

#[test]
fn one_changed_byte_is_found_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("piket.redb");
    drop(sample(&path));
    {
        // An attacker with write access to the file edits a note through redb itself, so the
        // file stays a valid database: only the chain can tell.
        let db = redb::Database::open(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(EVENTS).unwrap();
            let mut bytes = t.get(3).unwrap().unwrap().value().to_vec();
            let last = bytes.len() - 1;
            bytes[last] ^= 0x01;
            t.insert(3, bytes.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
    let report = e.verify().unwrap();
    let problem = report.problem.expect("tampering must be found");
    assert!(problem.contains("INC-1 #3"), "{problem}");
    assert!(problem.contains("altered"), "{problem}");
}

#[test]
fn a_removed_event_is_found_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("piket.redb");
    drop(sample(&path));
    {
        let db = redb::Database::open(&path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(EVENTS).unwrap().remove(4).unwrap();
        txn.commit().unwrap();
    }
    let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
    assert!(e.verify().unwrap().problem.is_some());
}

/// The file in tests/fixtures was written by the first released schema. Every later piket
/// must read it; if this test fails after a change, the change broke old databases.
#[test]
fn a_database_written_by_schema_1_still_opens_and_verifies() {
    let (_dir, path) = copy_to_temp(FIXTURE);
    let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
    let inc = e.incident(IncidentId(1)).unwrap().unwrap();
    assert_eq!(inc.title, "Checkout API returns 502");
    assert_eq!(inc.status, Status::Closed);
    assert_eq!(e.timeline(IncidentId(1)).unwrap().len(), 7);
    let report = e.verify().unwrap();
    assert_eq!(report.problem, None);
    assert_eq!(report.events, 7);
    // And it can still be written to.
    e.execute(
        "bob",
        Source::Cli,
        &Command::Note { id: IncidentId(1), text: "read by a later piket".into() },
        Utc::now(),
    )
    .unwrap();
}

#[test]
fn a_database_from_a_newer_piket_is_refused_in_words() {
    let (_dir, path) = copy_to_temp(FIXTURE);
    {
        let meta: TableDefinition<&str, &[u8]> = TableDefinition::new("meta-1");
        let db = redb::Database::open(&path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(meta).unwrap().insert("schema-version", 99u32.to_le_bytes().as_slice()).unwrap();
        txn.commit().unwrap();
    }
    let err = Engine::open(&path, &StoreOptions::default(), Policy::default()).err().unwrap().to_string();
    assert!(err.contains("schema version 99, newer than this piket understands (2): upgrade piket"), "{err}");
}

fn legacy_rows(path: &Path) {
    // What schema 1 kept outside the record, written as it wrote them (postcard of the
    // MaintenanceWindow and AlertRecord of then: a tuple encodes as a struct does).
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap().timestamp_micros();
    let hour = 3_600_000_000_i64;
    let windows: TableDefinition<(&str, i64), &[u8]> = TableDefinition::new("maintenance-1");
    let alerts: TableDefinition<(i64, &str), &[u8]> = TableDefinition::new("suppressed-1");
    let db = redb::Database::open(path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut t = txn.open_table(windows).unwrap();
        for (service, start, who) in [("db", t0, "ana"), ("web", t0 + 10 * hour, "ben")] {
            let w = (service.to_owned(), start, start + 2 * hour, "disk swap".to_owned(), who.to_owned());
            t.insert((service, start), postcard::to_allocvec(&w).unwrap().as_slice()).unwrap();
        }
        let mut t = txn.open_table(alerts).unwrap();
        let none: Option<i64> = None;
        let labels = vec![("service".to_owned(), "db".to_owned())];
        let a = (
            "alertmanager",
            "f00d",
            "f00d",
            "firing",
            "DiskFull",
            labels,
            Vec::<(String, String)>::new(),
            Some(t0),
            none,
            Vec::<(String, String)>::new(),
        );
        t.insert((t0 + hour, "alertmanager/f00d"), postcard::to_allocvec(&a).unwrap().as_slice()).unwrap();
    }
    txn.commit().unwrap();
}

/// Windows and suppressed alerts that schema 1 kept in tables of their own are carried into
/// the record by the migration: appended as events by piket, marked, old events untouched.
#[test]
fn the_migration_carries_old_maintenance_rows_into_the_record() {
    let (_dir, path) = copy_to_temp(FIXTURE);
    legacy_rows(&path);
    let head_before = {
        let db = redb::Database::open(&path).unwrap();
        let r = db.begin_read().unwrap();
        let t = r.open_table(EVENTS).unwrap();
        (1..=7).map(|g| t.get(g).unwrap().unwrap().value().to_vec()).collect::<Vec<_>>()
    };
    let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
    let report = e.verify().unwrap();
    assert_eq!(report.problem, None);
    assert_eq!((report.events, report.maintenance_events, report.suppressed_alerts), (7 + 5, 2, 1));
    let list = e.maintenance_list().unwrap();
    assert_eq!(list.suppressed_alerts, 1);
    let w: Vec<_> = list.windows.iter().map(|w| (w.id, w.service.as_str(), w.set_by.as_str())).collect();
    assert_eq!(w, vec![(1, "db", "ana"), (2, "web", "ben")]);
    let log = e.timeline(IncidentId::MAINTENANCE).unwrap();
    assert!(log.iter().all(|ev| ev.actor == "piket"), "{log:?}");
    let EventKind::Note { text } = &log[0].kind else { panic!("{log:?}") };
    assert!(text.contains("schema 2 migration") && text.contains("2 maintenance windows"), "{text}");
    let kept = e.suppressed_alerts().unwrap();
    let EventKind::AlertSuppressed { window, record, .. } = &kept[0].kind else { panic!("{kept:?}") };
    assert_eq!((*window, record.identity.as_str()), (1, "f00d"), "the one window that covered it");
    assert_eq!(kept[0].occurred_at, Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap());
    drop(e);
    // The old events are byte for byte what they were; the old tables are gone.
    let db = redb::Database::open(&path).unwrap();
    let r = db.begin_read().unwrap();
    let t = r.open_table(EVENTS).unwrap();
    let after: Vec<_> = (1..=7).map(|g| t.get(g).unwrap().unwrap().value().to_vec()).collect();
    assert_eq!(after, head_before);
    let gone: TableDefinition<(&str, i64), &[u8]> = TableDefinition::new("maintenance-1");
    assert!(r.open_table(gone).is_err());
}

/// A maintenance event edited in the file (one byte of who set the window) fails `verify`,
/// which names the event.
#[test]
fn a_tampered_maintenance_event_fails_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("piket.redb");
    let e = sample(&path);
    let now = Utc::now();
    let w = piket::domain::alert::MaintenanceWindow {
        id: 0,
        service: "db".into(),
        start: now,
        end: now + Duration::hours(2),
        reason: "disk swap".into(),
        set_by: String::new(),
    };
    e.set_maintenance("alice", Source::Cli, &w, now).unwrap();
    assert_eq!(e.verify().unwrap().maintenance_events, 1);
    drop(e);
    {
        let db = redb::Database::open(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(EVENTS).unwrap();
            let mut bytes = t.get(8).unwrap().unwrap().value().to_vec();
            let last = bytes.len() - 1;
            bytes[last] ^= 0x01;
            t.insert(8, bytes.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let e = Engine::open(&path, &StoreOptions::default(), Policy::default()).unwrap();
    let problem = e.verify().unwrap().problem.expect("tampering must be found");
    assert!(problem.contains("maintenance #1") && problem.contains("altered"), "{problem}");
}

/// Regenerates the fixture: `cargo test --test store -- --ignored write_fixture`. Only ever
/// for a new schema version (as a new file); never overwrite an old fixture.
#[test]
#[ignore = "writes tests/fixtures; run by hand for a new schema version"]
fn write_fixture() {
    let path = Path::new(FIXTURE);
    assert!(!path.exists(), "{FIXTURE} exists: fixtures of released schemas are never rewritten");
    std::fs::create_dir_all("tests/fixtures").unwrap();
    let e = sample(path);
    drop(e);
    let db = redb::Database::open(path).unwrap();
    let r = db.begin_read().unwrap();
    assert_eq!(r.open_table(EVENTS).unwrap().iter().unwrap().count(), 7);
}
