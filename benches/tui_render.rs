//! Floors from issue 3: queue render with 100k incidents at 200x50 p99 <= 2 ms; key press to
//! updated frame (selection move, the app's share) <= 5 ms; start to first frame with 100k
//! incidents <= 200 ms.
//!
//! `cargo bench --bench tui_render`. Percentiles are printed before criterion's report because
//! criterion reports means and medians, not tails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write as _};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use piket::client::Client;
use piket::client::local::LocalClient;
use piket::domain::{
    Command, Event, EventKind, Impact, Incident, IncidentId, NewIncident, Policy, Query, Registration,
    Severity, Source, Urgency,
};
use piket::engine::{BatchItem, Engine};
use piket::store::StoreOptions;
use piket::tui::TuiSettings;
use piket::tui::action::Action;
use piket::tui::app::{App, Msg};
use piket::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const N: u64 = 100_000;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// 100k open incidents as the queue would receive them, without an engine.
fn incidents() -> Vec<Incident> {
    let levels = [Impact::High, Impact::Medium, Impact::Low];
    let urg = [Urgency::High, Urgency::Medium, Urgency::Low];
    (1..=N)
        .map(|n| {
            let i = usize::try_from(n % 3).unwrap();
            let j = usize::try_from((n / 3) % 3).unwrap();
            let at = t0() + Duration::seconds(i64::try_from(n).unwrap());
            let ev = Event {
                incident: IncidentId(n),
                seq: 1,
                occurred_at: at,
                recorded_at: at,
                actor: "bench".into(),
                source: Source::Cli,
                kind: EventKind::Registered(Registration {
                    title: format!("Checkout API returns 502 on {} of requests (node {n})", n % 97),
                    description: None,
                    reported_by: None,
                    channel: "cli".into(),
                    services: vec![
                        ["checkout", "payments", "search", "auth"][usize::try_from(n % 4).unwrap()].into(),
                    ],
                    impact: levels[i],
                    urgency: urg[j],
                    priority: Policy::default().matrix.derive(levels[i], urg[j]),
                    severity: Severity::SEV3,
                    category: None,
                    detected_at: at,
                    impact_started_at: None,
                    reported_at: None,
                    drill: false,
                }),
            };
            let mut inc = Incident::from_first(&ev).unwrap();
            if n % 2 == 0 {
                let ack = Event { seq: 2, kind: EventKind::Acknowledged, ..ev };
                inc.apply(&ack).unwrap();
            }
            inc
        })
        .collect()
}

fn app_with(list: Vec<Incident>, w: u16, h: u16) -> App {
    let mut app = App::new(&TuiSettings::default(), "bench", t0() + Duration::days(1)).unwrap();
    let _ = app.update(Msg::Resize(w, h));
    let _ = app.update(Msg::ListLoaded(Ok(list)));
    app
}

fn percentiles(name: &str, mut s: Vec<StdDuration>) {
    s.sort();
    let p = |q: f64| {
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let i = ((q / 100.0) * s.len() as f64).ceil() as usize;
        s[i.clamp(1, s.len()) - 1]
    };
    println!("{name} ({} samples): p50 {:?}  p99 {:?}  max {:?}", s.len(), p(50.0), p(99.0), s[s.len() - 1]);
}

fn tails() {
    let mut app = app_with(incidents(), 200, 50);
    assert_eq!(app.queue.visible_len(), usize::try_from(N).unwrap());
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    // Warm up, then sample.
    for _ in 0..200 {
        term.draw(|f| view::queue::render(f, f.area(), &app)).unwrap();
    }
    let mut queue = Vec::new();
    let mut whole = Vec::new();
    let mut key = Vec::new();
    for i in 0..2000 {
        // Move the selection so every frame differs, as it does for a responder.
        let t = Instant::now();
        let _ = app.update(Msg::Action(if i % 40 < 20 { Action::PageDown } else { Action::PageUp }));
        term.draw(|f| view::render(f, &app)).unwrap();
        key.push(t.elapsed());

        let t = Instant::now();
        term.draw(|f| view::queue::render(f, f.area(), &app)).unwrap();
        queue.push(t.elapsed());

        let t = Instant::now();
        term.draw(|f| view::render(f, &app)).unwrap();
        whole.push(t.elapsed());
    }
    // Filter as you type over 100k: each keystroke re-filters the cache and draws.
    let mut filter = Vec::new();
    for _ in 0..20 {
        let _ = app.update(Msg::Action(Action::Filter));
        for ch in "p:1 node 4".chars() {
            let t = Instant::now();
            let _ = app.update(Msg::Type(ch));
            term.draw(|f| view::render(f, &app)).unwrap();
            filter.push(t.elapsed());
        }
        let _ = app.update(Msg::Action(Action::Cancel));
    }
    percentiles("filter keystroke (refilter 100k + whole frame), 200x50", filter);
    percentiles("queue pane render, 100k incidents, 200x50", queue);
    percentiles("whole screen render, 100k incidents, 200x50", whole);
    percentiles("key to frame (page move + whole frame), 100k, 200x50", key);
}

fn registration(n: u64) -> Command {
    Command::Register(NewIncident {
        title: format!("Checkout API returns 502 on {} of requests (node {n})", n % 97),
        description: None,
        reported_by: None,
        channel: None,
        services: vec!["checkout".into()],
        impact: [Impact::High, Impact::Medium, Impact::Low][usize::try_from(n % 3).unwrap()],
        urgency: [Urgency::High, Urgency::Medium, Urgency::Low][usize::try_from((n / 3) % 3).unwrap()],
        severity: Severity::SEV3,
        category: None,
        detected_at: None,
        impact_started_at: None,
        reported_at: None,
        drill: false,
    })
}

fn populate(e: &Engine) {
    let mut batch = Vec::with_capacity(1000);
    for n in 1..=N {
        let now = t0() + Duration::seconds(i64::try_from(n).unwrap());
        batch.push(BatchItem { actor: "bench".into(), source: Source::Cli, command: registration(n), now });
        if batch.len() >= 1000 {
            e.execute_batch(&batch).unwrap();
            batch.clear();
        }
    }
}

/// In process: list 100k open incidents through the client, load them into the app, draw.
/// Returns (whole, the app's share: load + draw).
fn first_frame_in_process(client: &dyn Client) -> (StdDuration, StdDuration) {
    let t = Instant::now();
    let list = client.list(&Query::default()).unwrap();
    let app_start = Instant::now();
    let mut app = App::new(&TuiSettings::default(), client.actor(), Utc::now()).unwrap();
    let _ = app.update(Msg::Resize(200, 50));
    let _ = app.update(Msg::ListLoaded(Ok(list)));
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    term.draw(|f| view::render(f, &app)).unwrap();
    assert_eq!(app.queue.visible_len(), usize::try_from(N).unwrap());
    (t.elapsed(), app_start.elapsed())
}

/// The real binary in a pseudo-terminal: from spawn to the first frame, to the first rows of
/// the queue on screen (its first page), and to the whole queue loaded (the title counts 100k).
fn first_frame_process(dir: &std::path::Path, embedded: bool) -> (StdDuration, StdDuration, StdDuration) {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let pair = native_pty_system()
        .openpty(PtySize { rows: 50, cols: 200, pixel_width: 0, pixel_height: 0 })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_piket"));
    cmd.args(["--data-dir", dir.to_str().unwrap()]);
    if embedded {
        cmd.arg("--embedded");
    }
    cmd.env("HOME", dir);
    cmd.env("XDG_CONFIG_HOME", dir.join("config"));
    cmd.env_remove("PIKET_CONFIG");
    cmd.env_remove("PIKET_SOCKET");
    let t = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let mut parser =
        vt100::Parser::new(std::num::NonZero::new(50).unwrap(), std::num::NonZero::new(200).unwrap(), 0);
    let mut buf = [0u8; 65536];
    let mut first = None;
    let mut rows = None;
    let elapsed = loop {
        let n = reader.read(&mut buf).unwrap();
        parser.process(&buf[..n]);
        let screen = parser.screen().contents();
        if first.is_none() && screen.contains("Queue") {
            first = Some(t.elapsed());
        }
        if rows.is_none() && screen.contains("INC-9 ") {
            rows = Some(t.elapsed());
        }
        if screen.contains("100000 open") && screen.contains("INC-9 ") {
            break (first.unwrap_or_default(), rows.unwrap_or_default(), t.elapsed());
        }
        assert!(t.elapsed() < StdDuration::from_secs(30), "{}", parser.screen().contents());
    };
    writer.write_all(b"q").unwrap();
    // Drain until exit so the child is not blocked on output.
    std::thread::spawn(move || while reader.read(&mut buf).is_ok_and(|n| n > 0) {});
    child.wait().unwrap();
    elapsed
}

fn benches(c: &mut Criterion) {
    tails();

    let engine = Arc::new(Engine::in_memory(Policy::default()).unwrap());
    populate(&engine);
    let client = LocalClient::with_actor(Arc::clone(&engine), "bench");
    let runs: Vec<(StdDuration, StdDuration)> = (0..10).map(|_| first_frame_in_process(&client)).collect();
    let mut s: Vec<StdDuration> = runs.iter().map(|r| r.0).collect();
    let mut a: Vec<StdDuration> = runs.iter().map(|r| r.1).collect();
    s.sort();
    a.sort();
    println!(
        "start to first full frame in process (list 100k + load + draw), 10 runs: median {:?}  max {:?}",
        s[5], s[9]
    );
    println!("  of which the app (load 100k into the queue + first draw): median {:?}  max {:?}", a[5], a[9]);

    let dir = tempfile::tempdir().unwrap();
    let file =
        Engine::open(&dir.path().join("piket.redb"), &StoreOptions::default(), Policy::default()).unwrap();
    populate(&file);
    drop(file);
    for embedded in [true, false] {
        // Through the server the first run also starts it (and opens the file); the rest find
        // it running, as every responder but the first does.
        let runs: Vec<(StdDuration, StdDuration, StdDuration)> =
            (0..5).map(|_| first_frame_process(dir.path(), embedded)).collect();
        let how = if embedded { "--embedded" } else { "via piket serve (run 1 starts it)" };
        println!("  {how}: queue rows on screen per run {:?}", runs.iter().map(|r| r.1).collect::<Vec<_>>());
        let median_max = |pick: fn(&(StdDuration, StdDuration, StdDuration)) -> StdDuration| {
            let mut v: Vec<StdDuration> = runs.iter().map(pick).collect();
            v.sort();
            (v[2], v[4])
        };
        for (what, pick) in [
            (
                "first frame (queue loading)",
                (|r: &(StdDuration, StdDuration, StdDuration)| r.0) as fn(&_) -> _,
            ),
            ("first queue rows on screen (first page)", |r| r.1),
            ("whole queue loaded (title counts 100k)", |r| r.2),
        ] {
            let (median, max) = median_max(pick);
            println!(
                "start to {what}, whole process in a pty (100k open), {how}, 5 runs: median {median:?}  max {max:?}"
            );
        }
    }
    let stopped = std::process::Command::new(env!("CARGO_BIN_EXE_piket"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "server", "stop"])
        .env_remove("PIKET_SOCKET")
        .output()
        .unwrap();
    assert!(stopped.status.success(), "{}", String::from_utf8_lossy(&stopped.stderr));

    let mut app = app_with(incidents(), 200, 50);
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    c.bench_function("queue render: 100k incidents, 200x50", |b| {
        b.iter(|| term.draw(|f| view::queue::render(f, f.area(), &app)).unwrap().area);
    });
    let mut i = 0u32;
    c.bench_function("key to frame: select next + whole frame, 100k, 200x50", |b| {
        b.iter(|| {
            i += 1;
            let _ =
                app.update(Msg::Action(if i % 100 < 50 { Action::SelectNext } else { Action::SelectPrev }));
            term.draw(|f| view::render(f, &app)).unwrap().area
        });
    });
}

criterion_group!(tui, benches);
criterion_main!(tui);
