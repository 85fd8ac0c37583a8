//! The store as a file: tampering is detected, and files written by earlier versions open.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::{Duration, TimeZone, Utc};
use piket::domain::{
    Command, Impact, IncidentId, NewIncident, Policy, Review, Severity, Source, Status, Urgency,
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
    assert!(err.contains("schema version 99, newer than this piket understands (1): upgrade piket"), "{err}");
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
