//! The integration tests, linked once: every file beside this one is a module of this one
//! binary, so a cold `cargo test` links the crate into one test executable instead of one per
//! file (BENCHMARKS.md has the build times). Shared helpers live in `common/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod alertmanager_real;
mod alerts;
mod architecture;
mod bulk;
mod cli;
mod cli_oncall;
mod config;
mod engine;
mod engine_props;
mod escalation;
mod files;
mod gate;
mod limits;
mod notify;
mod paging;
mod schedule;
mod server;
mod server_api;
mod store;
mod terminal;
mod time_words;
mod tui_behaviour;
mod tui_demo;
mod tui_engine;
mod tui_escalation;
mod tui_mouse;
mod tui_nav;
mod tui_process;
mod tui_pty;
mod tui_screens;
mod tui_text;
mod watch;
