//! What more than one test module needs, in one place.

pub mod http;
pub mod tui;
