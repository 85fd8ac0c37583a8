//! The escalation pane names the people a level paged, and says whether they were reached, as
//! `piket escalation` does (issue 12, item 8): a person reached through one notifier while
//! another failed was reached, and a rota that moved on since the page does not rename whom
//! it paged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use piket::domain::{Command, EventKind, IncidentId};
use piket::tui::TuiSettings;
use piket::tui::headless::Headless;

use crate::common::tui::{I, U, World};

/// dba is held by ana until 10:00 on t0's day (Wed 25 Nov 2026), then by ben.
const DBA: &str = r#"
[schedules.dba]
rotations = [{ members = ["ana", "ben"], shift = "daily", handoff = "10:00", start = "2026-11-24" }]
[escalation-policies.dba]
levels = [{ targets = ["schedule:dba"], timeout = "15m" }, { targets = ["person:erin"], timeout = "15m" }]
[services.db]
escalation-policy = "dba"
"#;

/// The escalation pane's lines: at 120 columns it is the 30 columns on the right, under
/// the queue.
fn pane(h: &mut Headless) -> Vec<String> {
    h.draw()
        .lines()
        .map(|l| {
            let chars: Vec<char> = l.trim_matches('"').chars().collect();
            chars[chars.len().saturating_sub(30)..].iter().collect::<String>()
        })
        .collect()
}

fn deliveries(w: &World, id: IncidentId, kinds: Vec<EventKind>) {
    w.engine.record_deliveries(id, kinds, w.now()).unwrap();
}

#[test]
fn the_pane_names_whom_a_level_paged_and_counts_them_reached_through_any_notifier() {
    let w = World::with_config(&[DBA]);
    let id = w.register("db primary down", I::High, U::High, 2, &["db"]);
    w.escalate();
    // ana's webhook failed, her file notifier delivered: she was reached.
    deliveries(
        &w,
        id,
        vec![
            EventKind::PageFailed {
                level: 1,
                person: "ana".into(),
                notifier: "webhook".into(),
                attempts: 3,
                error: "HTTP 503".into(),
            },
            EventKind::PageDelivered { level: 1, person: "ana".into(), notifier: "file".into(), attempts: 1 },
        ],
    );
    // An hour later the rota has handed dba to ben; the pane still names ana as paged.
    w.set_now(Utc.with_ymd_and_hms(2026, 11, 25, 10, 5, 0).unwrap());
    w.run("ben", Command::Note { id, text: "looking".into() });
    let mut h = Headless::new(w.ana.clone(), &TuiSettings::default(), w.now(), 120, 40).unwrap();
    let lines = pane(&mut h);
    let text = lines.join("\n");
    let level1 = lines.iter().find(|l| l.contains("│1 ")).unwrap_or_else(|| panic!("no level 1:\n{text}"));
    assert!(level1.contains("1 ana") && level1.contains("✓ paged"), "{text}");
    assert!(!text.contains("✗ paged") && !text.contains("1 ben"), "{text}");
    assert!(text.contains("now ben"), "who level 1 would page now is said apart: {text}");
    assert!(text.contains("- ana webhook: HTTP 503"), "the failure is still shown: {text}");
    assert!(!text.contains("✗ ana"), "but not as a person missed: {text}");

    // The CLI's account of the same escalation names the same person.
    let cli = piket::client::Client::escalation(w.ana.as_ref(), id).unwrap();
    let paged = &cli.progress.as_ref().unwrap().pages[0];
    assert_eq!(paged.people, ["ana"]);
}

#[test]
fn a_person_no_notifier_reached_stands_out() {
    let w = World::with_config(&[DBA]);
    let id = w.register("db primary down", I::High, U::High, 2, &["db"]);
    w.escalate();
    deliveries(
        &w,
        id,
        vec![
            EventKind::PageFailed {
                level: 1,
                person: "ana".into(),
                notifier: "webhook".into(),
                attempts: 3,
                error: "HTTP 503".into(),
            },
            EventKind::PageFailed {
                level: 1,
                person: "ana".into(),
                notifier: "file".into(),
                attempts: 1,
                error: "permission denied".into(),
            },
        ],
    );
    let mut h = Headless::new(w.ana.clone(), &TuiSettings::default(), w.now(), 120, 40).unwrap();
    let text = pane(&mut h).join("\n");
    assert!(text.contains("1 ana") && text.contains("✗ paged"), "{text}");
    assert!(text.contains("✗ ana webhook: HTTP 503") && text.contains("✗ ana file: permission"), "{text}");
}
