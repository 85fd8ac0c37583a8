//! Sustained alert ingest with durable commits: 64 concurrent senders, each posting
//! Alertmanager notifications (one new alert each, so every request opens an incident: the
//! heaviest path) over keep-alive HTTP to the TCP listener with the bearer token, on a database
//! file with `Durability::Immediate`. Floors: >= 2000 alerts/s, p99 <= 50 ms per request.
//! Concurrent requests are grouped into one write transaction (one fsync) by the server.
//!
//! `cargo bench --bench ingest` (prints a table; BENCHMARKS.md keeps the results).
//! `PIKET_INGEST_SECONDS` changes the measured time (default 10).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::in_process::{InProcess, free_port, open_engine, socket_options, token_file};
use piket::domain::Policy;
use piket::server::AlertServerOptions;
use piket::server::ingest::AlertOptions;
use piket::server::tcp::TcpOptions;

const SENDERS: usize = 64;
const TOKEN: &str = "bench-token-0123456789abcdef";

/// One request on a keep-alive connection; returns the status.
fn post(conn: &mut BufReader<TcpStream>, body: &str) -> u16 {
    write!(
        conn.get_mut(),
        "POST /v1/alerts/alertmanager HTTP/1.1\r\nHost: piket\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut status = String::new();
    conn.read_line(&mut status).unwrap();
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        conn.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    conn.read_exact(&mut body).unwrap();
    status.split(' ').nth(1).unwrap().parse().unwrap()
}

fn body(sender: usize, n: usize) -> String {
    format!(
        r#"{{"version":"4","groupKey":"{{}}:{{alertname=\"Load\"}}","status":"firing","receiver":"piket","groupLabels":{{"alertname":"Load"}},"commonLabels":{{}},"commonAnnotations":{{}},"externalURL":"http://am","alerts":[{{"status":"firing","labels":{{"alertname":"Load","instance":"host-{sender}-{n}","severity":"warning","service":"web"}},"annotations":{{"summary":"Load high on host-{sender}-{n}"}},"startsAt":"2026-11-20T08:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom","fingerprint":"{sender:08x}{n:08x}"}}]}}"#
    )
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let seconds: u64 = std::env::var("PIKET_INGEST_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let token_file = token_file(dir.path(), TOKEN);
    let engine = open_engine(dir.path(), Policy::default());
    let addr: SocketAddr = free_port();
    let alerts = AlertServerOptions {
        alerts: AlertOptions::default(),
        tcp: Some(TcpOptions { listen: addr, token_file }),
        ..AlertServerOptions::default()
    };
    let server = InProcess::start(Arc::clone(&engine), socket_options(dir.path()), alerts);

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            std::thread::spawn(move || {
                let mut conn = BufReader::new(TcpStream::connect(addr).unwrap());
                conn.get_ref().set_nodelay(true).unwrap();
                let mut lat = Vec::new();
                let mut n = 0;
                while Instant::now() < deadline {
                    let b = body(s, n);
                    let t = Instant::now();
                    assert_eq!(post(&mut conn, &b), 200);
                    lat.push(t.elapsed());
                    n += 1;
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> = senders.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let elapsed = start.elapsed();
    lat.sort();
    let rate = lat.len() as f64 / elapsed.as_secs_f64();
    let incidents = engine.list(&piket::domain::Query::default()).unwrap().len();
    assert_eq!(incidents, lat.len(), "every 200 is an incident on disk");
    println!(
        "ingest: {SENDERS} senders, {:.1} s, durable commits (file, fsync per group)",
        elapsed.as_secs_f64()
    );
    println!("  requests (= alerts = incidents opened): {}", lat.len());
    println!("  throughput: {rate:.0} alerts/s   (floor 2000)");
    println!(
        "  latency per request: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms (ceiling 50), max {:.2} ms",
        pct(&lat, 0.50).as_secs_f64() * 1e3,
        pct(&lat, 0.90).as_secs_f64() * 1e3,
        pct(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3,
    );
    drop(server);
}
