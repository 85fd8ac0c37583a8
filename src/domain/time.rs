//! Timestamps: UTC everywhere in the record.
//!
//! Stored events are binary (postcard) and must stay small, so a timestamp is an `i64` of
//! microseconds there; JSON output is read by people and scripts, so it is RFC 3339 there. The
//! serde helpers below pick the form from `Serializer::is_human_readable`, which keeps one set of
//! types for both without a parallel "storage" copy of every struct.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Serde adapter for `DateTime<Utc>`.
pub(crate) mod ts {
    use super::{DateTime, Deserialize, Deserializer, Serializer, TimeZone, Utc};

    /// Serialize as RFC 3339 for humans, microseconds for binary formats.
    ///
    /// # Errors
    /// Propagates the serializer's error.
    pub(crate) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        } else {
            s.serialize_i64(t.timestamp_micros())
        }
    }

    /// Inverse of [`serialize`].
    ///
    /// # Errors
    /// A malformed timestamp or one out of chrono's range.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            DateTime::parse_from_rfc3339(&s).map(|t| t.with_timezone(&Utc)).map_err(serde::de::Error::custom)
        } else {
            let micros = i64::deserialize(d)?;
            Utc.timestamp_micros(micros)
                .single()
                .ok_or_else(|| serde::de::Error::custom("timestamp out of range"))
        }
    }
}

/// Serde adapter for `Option<DateTime<Utc>>`, same forms as [`ts`].
pub(crate) mod ts_opt {
    use super::{DateTime, Deserialize, Deserializer, Serializer, Utc};

    #[derive(serde::Serialize, Deserialize)]
    struct Wrap(#[serde(with = "super::ts")] DateTime<Utc>);

    /// # Errors
    /// Propagates the serializer's error.
    pub(crate) fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&t.map(Wrap), s)
    }

    /// # Errors
    /// A malformed timestamp.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

/// Truncate to whole microseconds, the resolution of the store, so that a value read back
/// equals the value written.
#[must_use]
pub(crate) fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    Utc.timestamp_micros(t.timestamp_micros()).single().unwrap_or(t)
}
