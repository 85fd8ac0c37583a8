//! Persistence behind one boundary: what the engine needs from a place that keeps the record.
//!
//! Events are the source of truth; the incident summaries and the open-queue index are
//! projections kept in the same write transaction, so a reader never sees one without the
//! other. Every event is linked into one global blake3 hash chain in commit order.
//!
//! The engine holds a [`Store`] and speaks only [`Reader`] and [`Writer`] (see `boundary.rs`
//! for the contract). The bytes and the chain (`codec.rs`) are the same for every backend, so
//! a record moved between backends keeps its chain head. redb is the backend now (`redb/`, the
//! only code that names redb); another is one new module that implements [`Backend`], and
//! `tests/store.rs` runs its suite once more for it.

mod boundary;
mod codec;
mod error;
mod handle;
mod redb;

pub use self::redb::{RedbStore, SCHEMA_VERSION, StoreOptions};
pub use boundary::{Backend, Finish, LogEntry, Reader, Writer};
pub use codec::{HASH_LEN, Hash, chain, decode_event_body, hex};
pub use error::StoreError;
pub use handle::Store;
