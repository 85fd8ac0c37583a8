//! Persistence: the only module that names redb.
//!
//! Events are the source of truth; the incident summaries and the open-queue index are
//! projections kept in the same write transaction, so a reader never sees one without the
//! other. Every event is linked into one global blake3 hash chain in commit order.

mod codec;
mod error;
mod open;
mod read;
mod schema;
mod tables;
mod write;

pub use codec::{HASH_LEN, Hash, chain, decode_event_body, hex};
pub use error::StoreError;
pub use open::{Store, StoreOptions};
pub use read::{LogEntry, Reader};
pub use schema::SCHEMA_VERSION;
pub use write::Writer;
