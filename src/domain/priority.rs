//! Impact, urgency, the priority derived from them, and severity.
//!
//! Priority (ITIL) says how soon; severity says how big. They are separate on purpose: a
//! low-urgency SEV1 exists (a data-loss bug found in a report nobody reads until Monday).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! level_enum {
    ($(#[$m:meta])* $name:ident, $what:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            High,
            Medium,
            Low,
        }

        impl $name {
            pub const ALL: [Self; 3] = [Self::High, Self::Medium, Self::Low];

            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    Self::High => "high",
                    Self::Medium => "medium",
                    Self::Low => "low",
                }
            }

            /// One step higher, saturating: the keyboard "raise" action.
            #[must_use]
            pub(crate) const fn raised(self) -> Self {
                match self {
                    Self::High | Self::Medium => Self::High,
                    Self::Low => Self::Medium,
                }
            }

            /// One step lower, saturating.
            #[must_use]
            pub(crate) const fn lowered(self) -> Self {
                match self {
                    Self::High => Self::Medium,
                    Self::Medium | Self::Low => Self::Low,
                }
            }

            const fn index(self) -> usize {
                self as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim().to_ascii_lowercase().as_str() {
                    "high" | "h" => Ok(Self::High),
                    "medium" | "med" | "m" => Ok(Self::Medium),
                    "low" | "l" => Ok(Self::Low),
                    _ => Err(format!("'{s}' is not an {}: use high, medium or low", $what)),
                }
            }
        }
    };
}

level_enum!(
    /// How much of the business is hurt.
    Impact,
    "impact"
);
level_enum!(
    /// How soon it must be dealt with.
    Urgency,
    "urgency"
);

/// P1 (most urgent) to P5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Priority(u8);

impl Priority {
    pub const P1: Self = Self(1);
    pub const P2: Self = Self(2);
    pub const P3: Self = Self(3);
    pub(crate) const P4: Self = Self(4);
    pub const P5: Self = Self(5);
    pub const ALL: [Self; 5] = [Self::P1, Self::P2, Self::P3, Self::P4, Self::P5];

    /// `Some` for 1..=5.
    #[must_use]
    pub const fn new(n: u8) -> Option<Self> {
        if n >= 1 && n <= 5 { Some(Self(n)) } else { None }
    }

    #[must_use]
    pub const fn number(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Priority {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Self::new(n).ok_or_else(|| format!("priority {n} does not exist: use P1 to P5"))
    }
}

impl From<Priority> for u8 {
    fn from(p: Priority) -> Self {
        p.0
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P{}", self.0)
    }
}

impl FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let digits = t.strip_prefix(['P', 'p']).unwrap_or(t);
        digits
            .parse::<u8>()
            .ok()
            .and_then(Self::new)
            .ok_or_else(|| format!("'{s}' is not a priority: use P1 to P5"))
    }
}

/// SEV1 (critical, customer-visible, many users) to SEV4 (minor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Severity(u8);

impl Severity {
    pub const SEV1: Self = Self(1);
    pub const SEV2: Self = Self(2);
    pub const SEV3: Self = Self(3);
    pub const SEV4: Self = Self(4);
    pub const ALL: [Self; 4] = [Self::SEV1, Self::SEV2, Self::SEV3, Self::SEV4];

    #[must_use]
    pub const fn new(n: u8) -> Option<Self> {
        if n >= 1 && n <= 4 { Some(Self(n)) } else { None }
    }

    #[must_use]
    pub const fn number(self) -> u8 {
        self.0
    }

    /// SEV1 and SEV2 are major incidents: a commander, stakeholder updates, a review.
    #[must_use]
    pub(crate) const fn is_major(self) -> bool {
        self.0 <= 2
    }

    /// One step more severe (toward SEV1), saturating.
    #[must_use]
    pub(crate) const fn raised(self) -> Self {
        if self.0 > 1 { Self(self.0 - 1) } else { self }
    }

    /// One step less severe (toward SEV4), saturating.
    #[must_use]
    pub(crate) const fn lowered(self) -> Self {
        if self.0 < 4 { Self(self.0 + 1) } else { self }
    }
}

impl TryFrom<u8> for Severity {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Self::new(n).ok_or_else(|| format!("severity {n} does not exist: use 1 (critical) to 4 (minor)"))
    }
}

impl From<Severity> for u8 {
    fn from(s: Severity) -> Self {
        s.0
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SEV{}", self.0)
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let digits = t
            .strip_prefix("SEV")
            .or_else(|| t.strip_prefix("sev"))
            .or_else(|| t.strip_prefix("Sev"))
            .unwrap_or(t);
        digits
            .parse::<u8>()
            .ok()
            .and_then(Self::new)
            .ok_or_else(|| format!("'{s}' is not a severity: use 1 (critical) to 4 (minor), or SEV1..SEV4"))
    }
}

/// impact x urgency -> priority. Rows are impact (high, medium, low), columns urgency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityMatrix(pub [[Priority; 3]; 3]);

impl Default for PriorityMatrix {
    /// The ITIL matrix of DOMAIN.md.
    fn default() -> Self {
        use Priority as P;
        Self([[P::P1, P::P2, P::P3], [P::P2, P::P3, P::P4], [P::P3, P::P4, P::P5]])
    }
}

impl PriorityMatrix {
    #[must_use]
    pub fn derive(&self, impact: Impact, urgency: Urgency) -> Priority {
        self.0[impact.index()][urgency.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_matrix_is_the_itil_table() {
        let m = PriorityMatrix::default();
        assert_eq!(m.derive(Impact::High, Urgency::High), Priority::P1);
        assert_eq!(m.derive(Impact::High, Urgency::Low), Priority::P3);
        assert_eq!(m.derive(Impact::Medium, Urgency::Medium), Priority::P3);
        assert_eq!(m.derive(Impact::Low, Urgency::High), Priority::P3);
        assert_eq!(m.derive(Impact::Low, Urgency::Low), Priority::P5);
    }

    #[test]
    fn parsing_accepts_common_spellings_and_explains_the_rest() {
        assert_eq!("p2".parse(), Ok(Priority::P2));
        assert_eq!("SEV1".parse(), Ok(Severity::SEV1));
        assert_eq!("3".parse(), Ok(Severity::SEV3));
        assert_eq!("med".parse(), Ok(Impact::Medium));
        let err = "P9".parse::<Priority>().unwrap_err();
        assert!(err.contains("P1 to P5"), "{err}");
        assert!("sev5".parse::<Severity>().is_err());
        assert!("huge".parse::<Urgency>().unwrap_err().contains("high, medium or low"));
    }

    #[test]
    fn raising_and_lowering_saturate() {
        assert_eq!(Impact::High.raised(), Impact::High);
        assert_eq!(Impact::Low.raised(), Impact::Medium);
        assert_eq!(Urgency::Low.lowered(), Urgency::Low);
        assert_eq!(Severity::SEV1.raised(), Severity::SEV1);
        assert_eq!(Severity::SEV4.lowered(), Severity::SEV4);
        assert_eq!(Severity::SEV3.raised(), Severity::SEV2);
    }
}
