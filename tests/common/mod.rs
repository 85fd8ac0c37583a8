//! What more than one test module needs, in one place.

pub mod fake;
pub mod http;
