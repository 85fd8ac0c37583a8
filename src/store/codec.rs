//! Bytes on disk: versioned, compact (postcard), and canonical for hashing.
//!
//! The hash of an event is blake3(previous hash || postcard bytes of the event). The bytes
//! hashed are exactly the bytes stored, so `verify` needs no re-encoding: a future piket that
//! encodes differently still verifies old events byte for byte.
//!
//! These are the record's bytes whatever keeps them: every backend stores events, summaries
//! and alert states as encoded here, so the chain is the same on each and a record can move
//! between them with its chain head.

use crate::domain::alert::AlertState;
use crate::domain::{Event, Incident};

use super::error::StoreError;

pub const HASH_LEN: usize = 32;
pub type Hash = [u8; HASH_LEN];

/// Event encoding version 1: `[1][hash; 32][postcard(Event)]`.
const EVENT_V1: u8 = 1;
/// Summary encoding version 1: `[1][postcard(Incident)]`.
const INCIDENT_V1: u8 = 1;

/// The chain link of an event given the previous head.
#[must_use]
pub fn chain(prev: &Hash, canonical: &[u8]) -> Hash {
    let mut h = blake3::Hasher::new();
    h.update(prev);
    h.update(canonical);
    *h.finalize().as_bytes()
}

/// Encode an event and link it after `prev`; returns the stored bytes and the new head.
///
/// # Errors
/// Serialisation failed (it cannot for these types, but the error is not hidden).
pub(super) fn encode_event(ev: &Event, prev: &Hash) -> Result<(Vec<u8>, Hash), StoreError> {
    let body = postcard::to_stdvec(ev).map_err(|e| StoreError::Encode(e.to_string()))?;
    let hash = chain(prev, &body);
    let mut out = Vec::with_capacity(1 + HASH_LEN + body.len());
    out.push(EVENT_V1);
    out.extend_from_slice(&hash);
    out.extend_from_slice(&body);
    Ok((out, hash))
}

/// A stored event split into its parts.
pub(super) struct StoredEvent<'a> {
    pub hash: Hash,
    /// The canonical bytes the hash covers.
    pub body: &'a [u8],
}

/// # Errors
/// An unknown version or a value too short to hold a hash.
pub(super) fn split_event(bytes: &[u8]) -> Result<StoredEvent<'_>, StoreError> {
    match bytes.split_first() {
        Some((&EVENT_V1, rest)) if rest.len() >= HASH_LEN => {
            let (hash, body) = rest.split_at(HASH_LEN);
            let mut h = [0; HASH_LEN];
            h.copy_from_slice(hash);
            Ok(StoredEvent { hash: h, body })
        }
        Some((&v, _)) if v != EVENT_V1 => Err(StoreError::Corrupt(format!(
            "an event has encoding version {v}, which this piket does not know: a newer piket wrote it"
        ))),
        _ => Err(StoreError::Corrupt("an event record is truncated".to_owned())),
    }
}

/// # Errors
/// The body does not decode as an event of this encoding version.
pub fn decode_event_body(body: &[u8]) -> Result<Event, StoreError> {
    postcard::from_bytes(body).map_err(|e| StoreError::Corrupt(format!("an event does not decode: {e}")))
}

/// # Errors
/// See [`split_event`] and [`decode_event_body`].
pub(super) fn decode_event(bytes: &[u8]) -> Result<Event, StoreError> {
    decode_event_body(split_event(bytes)?.body)
}

/// # Errors
/// Serialisation failed.
pub(super) fn encode_incident(inc: &Incident) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![INCIDENT_V1];
    postcard::to_io(inc, &mut out).map_err(|e| StoreError::Encode(e.to_string()))?;
    Ok(out)
}

/// # Errors
/// Unknown version or undecodable bytes.
pub(super) fn decode_incident(bytes: &[u8]) -> Result<Incident, StoreError> {
    match bytes.split_first() {
        Some((&INCIDENT_V1, rest)) => postcard::from_bytes(rest)
            .map_err(|e| StoreError::Corrupt(format!("an incident summary does not decode: {e}"))),
        Some((v, _)) => {
            Err(StoreError::Corrupt(format!("an incident summary has unknown encoding version {v}")))
        }
        None => Err(StoreError::Corrupt("an incident summary is empty".to_owned())),
    }
}

/// An alert's state: postcard, no version byte (its layout has not changed since it came).
///
/// # Errors
/// Serialisation failed.
pub(super) fn encode_alert_state(state: &AlertState) -> Result<Vec<u8>, StoreError> {
    postcard::to_allocvec(state).map_err(|e| StoreError::Corrupt(format!("alert state: {e}")))
}

/// # Errors
/// Undecodable bytes.
pub(super) fn decode_alert_state(bytes: &[u8]) -> Result<AlertState, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Corrupt(format!("alert state: {e}")))
}

#[must_use]
pub fn hex(h: &Hash) -> String {
    use std::fmt::Write;
    h.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
