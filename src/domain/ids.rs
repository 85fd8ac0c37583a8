//! Incident identifiers: a number inside, `INC-42` to people.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An incident's number. Assigned by the engine in order, never reused.
///
/// Stored as a number (postcard); in JSON it is `"INC-42"`, the form people and scripts pass
/// back to piket. JSON input accepts either form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IncidentId(pub u64);

impl IncidentId {
    /// Not an incident: the rota's own timeline, where schedule overrides are recorded, so
    /// they are chained and verified with everything else. The engine hands out ids from 1.
    pub const ROTA: Self = Self(0);
    /// Not an incident: the maintenance timeline, where windows are set, ended and cancelled.
    /// Ids are handed out upward from 1, so the top of the range is never an incident's.
    pub const MAINTENANCE: Self = Self(u64::MAX);
    /// Not an incident: every alert a maintenance window kept from opening one, as sent. Its
    /// own timeline, so the few window events are read at start without the many alerts.
    pub const SUPPRESSED: Self = Self(u64::MAX - 1);

    /// A timeline of the record that is not an incident (rota, maintenance, suppressed).
    #[must_use]
    pub(crate) fn is_record_only(self) -> bool {
        self == Self::ROTA || self == Self::MAINTENANCE || self == Self::SUPPRESSED
    }
}

impl Serialize for IncidentId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() { s.collect_str(self) } else { s.serialize_u64(self.0) }
    }
}

impl<'de> Deserialize<'de> for IncidentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Number(u64),
            Text(String),
        }
        if d.is_human_readable() {
            match Either::deserialize(d)? {
                Either::Number(n) => Ok(Self(n)),
                Either::Text(t) => t.parse().map_err(serde::de::Error::custom),
            }
        } else {
            u64::deserialize(d).map(Self)
        }
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::ROTA => f.write_str("rota"),
            Self::MAINTENANCE => f.write_str("maintenance"),
            Self::SUPPRESSED => f.write_str("suppressed"),
            Self(n) => write!(f, "INC-{n}"),
        }
    }
}

/// Why a string is not an incident id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an incident id: use INC-42 or 42")]
pub struct IdError(pub String);

impl FromStr for IncidentId {
    type Err = IdError;

    /// Accepts `INC-42`, `inc-42` and `42`: responders type whatever they saw last.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match t {
            "rota" => return Ok(Self::ROTA),
            "maintenance" => return Ok(Self::MAINTENANCE),
            "suppressed" => return Ok(Self::SUPPRESSED),
            _ => {}
        }
        let digits = t
            .strip_prefix("INC-")
            .or_else(|| t.strip_prefix("inc-"))
            .or_else(|| t.strip_prefix("Inc-"))
            .unwrap_or(t);
        match digits.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Self(n)),
            _ => Err(IdError(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_people_type() {
        assert_eq!("INC-42".parse(), Ok(IncidentId(42)));
        assert_eq!("inc-7".parse(), Ok(IncidentId(7)));
        assert_eq!(" 3 ".parse(), Ok(IncidentId(3)));
        assert!("INC-".parse::<IncidentId>().is_err());
        assert!("0".parse::<IncidentId>().is_err());
        assert!("INC-x".parse::<IncidentId>().is_err());
        assert_eq!(IncidentId(42).to_string(), "INC-42");
    }

    #[test]
    fn json_uses_the_human_form_and_storage_the_number() {
        assert_eq!(serde_json::to_string(&IncidentId(7)).unwrap(), "\"INC-7\"");
        assert_eq!(serde_json::from_str::<IncidentId>("7").unwrap(), IncidentId(7));
        assert_eq!(serde_json::from_str::<IncidentId>("\"INC-7\"").unwrap(), IncidentId(7));
        let bytes = postcard::to_stdvec(&IncidentId(300)).unwrap();
        assert_eq!(bytes.len(), 2, "a varint, not a string");
        assert_eq!(postcard::from_bytes::<IncidentId>(&bytes).unwrap(), IncidentId(300));
    }
}
