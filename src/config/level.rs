//! Priorities and severities as people write them in a file: `"P1"` or `1`, `"SEV2"` or `2`.
//!
//! The domain types deserialize from numbers only (that is their stored form); these wrappers
//! accept both spellings and reuse the domain's own refusal sentences, so the CLI, the TUI and
//! the config file explain a bad priority in the same words.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};

use crate::domain::{Priority, Severity};

macro_rules! level_value {
    ($wrapper:ident, $domain:ty, $expecting:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) struct $wrapper(pub $domain);

        impl<'de> serde::Deserialize<'de> for $wrapper {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $wrapper;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_i64<E: de::Error>(self, n: i64) -> Result<$wrapper, E> {
                        match u8::try_from(n) {
                            Ok(n) => <$domain>::try_from(n).map($wrapper).map_err(E::custom),
                            // Too big or negative for a u8: the text parser words that case.
                            Err(_) => self.visit_str(&n.to_string()),
                        }
                    }
                    fn visit_u64<E: de::Error>(self, n: u64) -> Result<$wrapper, E> {
                        match u8::try_from(n) {
                            Ok(n) => <$domain>::try_from(n).map($wrapper).map_err(E::custom),
                            Err(_) => self.visit_str(&n.to_string()),
                        }
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$wrapper, E> {
                        s.parse::<$domain>().map($wrapper).map_err(E::custom)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

level_value!(PriorityValue, Priority, "a priority: \"P1\" to \"P5\" or 1 to 5");
level_value!(SeverityValue, Severity, "a severity: 1 to 4 or \"SEV1\" to \"SEV4\"");

/// One impact row of the priority matrix: the priorities for urgency high, medium and low.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MatrixRow(pub [Priority; 3]);

impl<'de> serde::Deserialize<'de> for MatrixRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MatrixRow;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "3 priorities, one per urgency (high, medium, low), like [\"P1\", \"P2\", \"P3\"]",
                )
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MatrixRow, A::Error> {
                let mut row = Vec::with_capacity(3);
                while let Some(PriorityValue(p)) = seq.next_element()? {
                    row.push(p);
                }
                <[Priority; 3]>::try_from(row)
                    .map(MatrixRow)
                    .map_err(|row| de::Error::invalid_length(row.len(), &self))
            }
        }
        d.deserialize_seq(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Probe {
        p: Option<PriorityValue>,
        s: Option<SeverityValue>,
        row: Option<MatrixRow>,
    }

    fn probe(text: &str) -> Result<Probe, String> {
        toml::from_str(text).map_err(|e| e.message().to_owned())
    }

    #[test]
    fn both_spellings_are_accepted() {
        assert_eq!(probe("p = \"P2\"").unwrap().p, Some(PriorityValue(Priority::P2)));
        assert_eq!(probe("p = 2").unwrap().p, Some(PriorityValue(Priority::P2)));
        assert_eq!(probe("s = \"SEV1\"").unwrap().s, Some(SeverityValue(Severity::SEV1)));
        assert_eq!(probe("s = 4").unwrap().s, Some(SeverityValue(Severity::SEV4)));
        let row = probe("row = [\"P1\", 2, \"p3\"]").unwrap().row.unwrap();
        assert_eq!(row, MatrixRow([Priority::P1, Priority::P2, Priority::P3]));
    }

    #[test]
    fn refusals_use_the_domain_sentences() {
        assert!(probe("p = \"P9\"").unwrap_err().contains("use P1 to P5"));
        assert!(probe("p = -1").unwrap_err().contains("use P1 to P5"));
        assert!(probe("s = 7").unwrap_err().contains("use 1 (critical) to 4 (minor)"));
        assert!(probe("s = true").unwrap_err().contains("expected a severity"));
        let err = probe("row = [\"P1\", \"P2\"]").unwrap_err();
        assert!(err.contains("invalid length 2, expected 3 priorities"), "{err}");
    }
}
