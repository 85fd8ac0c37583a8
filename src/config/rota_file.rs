//! The rota as written in config.toml: `[people]`, `[teams]`, `[services]`, `[schedules]`,
//! `[escalation-policies]`, `[escalation]` and `[notifiers]`.
//!
//! Values are checked while deserializing (so the error has a line and column); references
//! between tables (a schedule naming a person) are checked in `rota.rs` after parsing.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

use super::duration::TargetDuration;
use super::value::Name;
use super::zone::Zone;
use crate::domain::rota::PageTarget;
use crate::domain::schedule::{ActiveHours, ShiftLength};

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table like { user = \"alice\", contacts = { sms = \"+31600000000\" } }"
)]
pub(crate) struct PersonFile {
    pub user: Option<Spanned<Name>>,
    pub contacts: Option<BTreeMap<String, Spanned<Name>>>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table like { members = [\"alice\", \"bob\"], escalation-policy = \"dba\" }"
)]
pub(crate) struct TeamFile {
    pub members: Option<Vec<Spanned<Name>>>,
    pub escalation_policy: Option<Spanned<Name>>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table like { team = \"dba\", escalation-policy = \"dba\", routing-keys = [\"...\"] }"
)]
pub(crate) struct ServiceFile {
    pub team: Option<Spanned<Name>>,
    pub escalation_policy: Option<Spanned<Name>>,
    pub routing_keys: Option<Vec<Spanned<Name>>>,
}

/// `services = ["db", "web"]` (names only, as before schedules existed) or
/// `[services.db] team = ...` (a table per service).
#[derive(Debug)]
pub(crate) enum ServicesFile {
    Names(Vec<Spanned<Name>>),
    Table(BTreeMap<String, Spanned<ServiceFile>>),
}

impl<'de> Deserialize<'de> for ServicesFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ServicesFile;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of service names, or a table [services.NAME] per service")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ServicesFile, A::Error> {
                let mut out = Vec::new();
                while let Some(n) = seq.next_element::<Spanned<Name>>()? {
                    out.push(n);
                }
                Ok(ServicesFile::Names(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ServicesFile, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(k) = map.next_key::<String>()? {
                    let v = map.next_value::<Spanned<ServiceFile>>()?;
                    out.insert(k, v);
                }
                Ok(ServicesFile::Table(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, expecting = "a table with the key rotations")]
pub(crate) struct ScheduleFile {
    pub rotations: Vec<Spanned<RotationFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table like { members = [\"alice\", \"bob\"], shift = \"weekly\", handoff = \"09:00\", start = \"2026-11-02\" }"
)]
pub(crate) struct RotationFile {
    pub members: Vec<Spanned<Name>>,
    pub shift: Shift,
    pub handoff: Option<Clock>,
    pub handoff_day: Option<Day>,
    pub start: Date,
    pub end: Option<Date>,
    pub zone: Option<Zone>,
    pub active: Option<Hours>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table like { repeat = 1, levels = [{ targets = [\"schedule:dba\"], timeout = \"15m\" }] }"
)]
pub(crate) struct PolicyFile {
    pub levels: Vec<Spanned<LevelFile>>,
    pub repeat: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table like { targets = [\"schedule:dba\", \"person:carol\"], timeout = \"15m\" }"
)]
pub(crate) struct LevelFile {
    pub targets: Vec<Spanned<Target>>,
    pub timeout: Spanned<TargetDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table with the keys default-policy and acknowledge-timeout"
)]
pub(crate) struct EscalationFile {
    pub default_policy: Option<Spanned<Name>>,
    pub acknowledge_timeout: Option<TargetDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a table with type = \"command\", \"webhook\" or \"file\""
)]
pub(crate) struct NotifierFile {
    #[serde(rename = "type")]
    pub kind: NotifierType,
    pub argv: Option<Spanned<Vec<String>>>,
    pub url: Option<Spanned<String>>,
    pub format: Option<Format>,
    pub token_file: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    pub timeout: Option<Spanned<TargetDuration>>,
    pub retries: Option<Spanned<u32>>,
    pub backoff: Option<Spanned<TargetDuration>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case", expecting = "\"command\", \"webhook\" or \"file\"")]
pub(crate) enum NotifierType {
    Command,
    Webhook,
    File,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case", expecting = "\"json\" or \"slack\"")]
pub(crate) enum Format {
    Json,
    Slack,
}

/// A value parsed from one string inside `Deserialize`, so a bad one has a position.
macro_rules! from_str_value {
    ($name:ident, $inner:ty, $expecting:literal, $parse:expr) => {
        #[derive(Debug, Clone, Copy)]
        pub(crate) struct $name(pub $inner);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$name, E> {
                        let parse: fn(&str) -> Result<$inner, String> = $parse;
                        parse(s.trim()).map($name).map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

from_str_value!(Shift, ShiftLength, "\"daily\", \"weekly\" or a number of hours like \"12h\"", parse_shift);
from_str_value!(Clock, NaiveTime, "a time of day like \"09:00\"", parse_clock);
from_str_value!(Day, Weekday, "a day of the week like \"monday\"", parse_day);
from_str_value!(Date, NaiveDate, "a date in quotes like \"2026-11-02\"", parse_date);
from_str_value!(Hours, ActiveHours, "a daily window like \"08:00-20:00\"", parse_hours);

/// `Target` holds a String, so it is not `Copy`; written out instead of the macro.
#[derive(Debug, Clone)]
pub(super) struct Target(pub PageTarget);

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Target;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a target like \"schedule:NAME\", \"person:NAME\" or \"team:NAME\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Target, E> {
                parse_target(s.trim()).map(Target).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

fn parse_shift(s: &str) -> Result<ShiftLength, String> {
    match s.to_ascii_lowercase().as_str() {
        "daily" => Ok(ShiftLength::Daily),
        "weekly" => Ok(ShiftLength::Weekly),
        other => other
            .strip_suffix('h')
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| (1..=24 * 28).contains(n))
            .map(ShiftLength::Hours)
            .ok_or_else(|| {
                format!("shift \"{s}\": expected \"daily\", \"weekly\" or hours from \"1h\" to \"672h\" like \"12h\"")
            }),
    }
}

fn parse_clock(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s, "%H:%M")
        .map_err(|_| format!("\"{s}\": expected a time of day like \"09:00\""))
}

fn parse_day(s: &str) -> Result<Weekday, String> {
    s.parse::<Weekday>().map_err(|_| format!("\"{s}\": expected a day of the week like \"monday\""))
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("\"{s}\": expected a date like \"2026-11-02\""))
}

fn parse_hours(s: &str) -> Result<ActiveHours, String> {
    let bad = || format!("\"{s}\": expected a daily window like \"08:00-20:00\"");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let start = parse_clock(a.trim()).map_err(|_| bad())?;
    let end = parse_clock(b.trim()).map_err(|_| bad())?;
    Ok(ActiveHours { start, end })
}

fn parse_target(s: &str) -> Result<PageTarget, String> {
    let (kind, name) = s
        .split_once(':')
        .ok_or_else(|| format!("\"{s}\": expected \"schedule:NAME\", \"person:NAME\" or \"team:NAME\""))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("\"{s}\": the name after \"{kind}:\" is empty"));
    }
    match kind.trim() {
        "schedule" => Ok(PageTarget::Schedule(name.to_owned())),
        "person" => Ok(PageTarget::Person(name.to_owned())),
        "team" => Ok(PageTarget::Team(name.to_owned())),
        other => Err(format!("\"{s}\": \"{other}\" is not a target kind: use schedule, person or team")),
    }
}
