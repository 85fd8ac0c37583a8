//! piket: incident response in the terminal.
//!
//! Layers, each using only those below it (see docs/ARCHITECTURE.md):
//!
//! ```text
//!   tui/        cli/                      front-ends: render, parse, never touch redb
//!        \      /           server         `piket serve`: owns the engine, HTTP/JSON on a Unix socket
//!        client              |            one API: in process (--embedded) or remote (the socket)
//!          |    ____________/
//!        engine                           commands -> domain decision -> one write txn -> Change
//!          |
//!        store                            redb tables, codecs, schema version, hash chain
//!          |
//!        domain                           pure rules: incident, events, lifecycle, priority, KPIs
//!   config (TOML -> typed Policy and settings; depends on domain only)
//!   files  (every file piket creates: exclusive, no links followed, private; depends on nothing)
//! ```

pub mod cli;
pub mod client;
pub mod config;
pub mod demo;
pub mod domain;
pub mod engine;
pub mod files;
pub mod launch;
pub mod report;
pub mod server;
pub mod start;
pub mod store;
pub mod tui;
pub mod when;
pub mod wire;
