//! Small validated values: names shown on screen, the cache size, key binding lists.
//!
//! Each check lives in a `Deserialize` impl so the toml crate reports it at the value's line
//! and column; a check done after parsing would have lost the position.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Unexpected, Visitor};

/// A trimmed, non-empty, one-line string: a team, a person, a category, a service, a severity
/// description. These end up in one-line cells of the TUI and in domain comparisons that trim,
/// so a blank or multi-line name could never be matched or shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name(pub String);

impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Name;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-empty one-line string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Name, E> {
                let t = s.trim();
                if t.is_empty() {
                    Err(E::invalid_value(Unexpected::Str(s), &self))
                } else if t.chars().any(char::is_control) {
                    Err(E::custom(format!(
                        "{t:?} contains a line break or control character: expected one line of text"
                    )))
                } else {
                    Ok(Name(t.to_owned()))
                }
            }
        }
        d.deserialize_str(V)
    }
}

/// The redb page cache, written in MiB. Zero would send every read to disk; above 64 GiB is
/// almost certainly a size meant in bytes or KiB. Holds bytes, checked to fit this platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CacheSize(pub usize);

pub(crate) const CACHE_MIB_MAX: u64 = 65_536;

impl CacheSize {
    fn from_mib(mib: u64) -> Option<Self> {
        if !(1..=CACHE_MIB_MAX).contains(&mib) {
            return None;
        }
        usize::try_from(mib).ok()?.checked_mul(1024 * 1024).map(Self)
    }
}

impl<'de> serde::Deserialize<'de> for CacheSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = CacheSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a whole number of MiB from 1 to {CACHE_MIB_MAX}")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<CacheSize, E> {
                u64::try_from(n)
                    .ok()
                    .and_then(CacheSize::from_mib)
                    .ok_or_else(|| E::invalid_value(Unexpected::Signed(n), &self))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<CacheSize, E> {
                CacheSize::from_mib(n).ok_or_else(|| E::invalid_value(Unexpected::Unsigned(n), &self))
            }
        }
        d.deserialize_any(V)
    }
}

/// `action = "a"` or `action = ["a", "enter"]`: one binding is the common case, so it may be
/// written without brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeySpecs(pub Vec<String>);

impl<'de> serde::Deserialize<'de> for KeySpecs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeySpecs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key like \"a\" or \"ctrl-c\", or a list of them like [\"a\", \"enter\"]")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<KeySpecs, E> {
                Ok(KeySpecs(vec![s.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeySpecs, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<String>()? {
                    keys.push(k);
                }
                Ok(KeySpecs(keys))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Probe {
        name: Option<Name>,
        mib: Option<CacheSize>,
        keys: Option<KeySpecs>,
    }

    fn probe(text: &str) -> Result<Probe, String> {
        toml::from_str(text).map_err(|e| e.message().to_owned())
    }

    #[test]
    fn names_are_trimmed_and_must_be_one_line() {
        assert_eq!(probe("name = \" ops \"").unwrap().name, Some(Name("ops".into())));
        assert!(probe("name = \"  \"").unwrap_err().contains("expected a non-empty one-line string"));
        assert!(probe("name = \"a\\nb\"").unwrap_err().contains("one line"));
    }

    #[test]
    fn cache_size_is_bounded() {
        assert_eq!(probe("mib = 1").unwrap().mib, Some(CacheSize(1 << 20)));
        assert_eq!(probe("mib = 65536").unwrap().mib.map(|c| c.0 as u64), Some(65_536 << 20));
        for bad in ["0", "-5", "65537"] {
            let err = probe(&format!("mib = {bad}")).unwrap_err();
            assert!(err.contains("from 1 to 65536"), "{bad}: {err}");
        }
        assert!(probe("mib = \"64\"").unwrap_err().contains("expected a whole number of MiB"));
    }

    #[test]
    fn one_key_or_a_list() {
        assert_eq!(probe("keys = \"a\"").unwrap().keys, Some(KeySpecs(vec!["a".into()])));
        let keys = probe("keys = [\"a\", \"ctrl-c\"]").unwrap().keys;
        assert_eq!(keys, Some(KeySpecs(vec!["a".into(), "ctrl-c".into()])));
        assert!(probe("keys = 3").unwrap_err().contains("expected a key like"));
        assert!(probe("keys = [3]").is_err());
    }
}
