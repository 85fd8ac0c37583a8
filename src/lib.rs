//! piket: incident response in the terminal.
//!
//! Layers, each using only those below it (the table in docs/ARCHITECTURE.md is the rule):
//!
//! ```text
//!   cli                      clap, dispatch, output              (-> launch, start, client)
//!   launch                   start the TUI, seed the demo        (-> tui, demo, start, client)
//!   start                    paths, config, open the engine, connect-or-start, serve
//!   config                   TOML -> each layer's settings       (knows server's and tui's vocabulary)
//!   tui                      the full-screen front-end           (-> client, when, report)
//!   server                   `piket serve`: socket, gate, API, receivers, scheduler, notifiers
//!   client                   the `Client` trait: local (the engine in process) or remote (the socket)
//!   demo                     demo data
//!   engine                   commands -> domain decision -> one write txn -> Change
//!   store                    redb: the only module that names it
//!   report   when            exports and KPI text; times people type
//!   wire                     what crosses the client boundary: Change, Outcome, views, error body
//!   domain   files           pure rules and values; every file piket creates
//! ```
//!
//! The binary (`main.rs`) may use any of them.

// A `pub` item no path outside the crate reaches is `pub(crate)`, so what is public is exactly
// what the binary, the tests and the benches use; this keeps it so.
#![warn(unreachable_pub)]

pub mod cli;
pub mod client;
pub mod config;
pub mod demo;
pub mod domain;
pub mod engine;
pub(crate) mod files;
pub(crate) mod launch;
pub(crate) mod report;
pub mod server;
pub(crate) mod start;
pub mod store;
pub mod tui;
pub(crate) mod when;
pub mod wire;
