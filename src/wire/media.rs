//! Media types the server answers in and the remote client asks for, named once so the two
//! sides cannot drift apart.

/// Every ordinary request and answer.
pub const JSON: &str = "application/json";

/// The change feed: one JSON [`crate::wire::Change`] per line.
pub const NDJSON: &str = "application/x-ndjson";

/// A compact binary answer (postcard, the store's own encoding) that the remote client asks
/// for on list routes: a queue of 100k incidents is a tenth of the bytes of JSON and several
/// times faster to encode and decode. Scripts get JSON unless they ask.
pub const POSTCARD: &str = "application/x-postcard";
