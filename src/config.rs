//! config.toml -> a typed, validated [`Config`]: the organisation's [`Policy`] plus settings for
//! the store and the TUI.
//!
//! Depends on the domain only. Every number DOMAIN.md names is a default here that the file can
//! change. A wrong file is refused whole, with `path:line:column: what was expected`, because a
//! half-applied policy (a typo'd target silently left at its default) is worse during an
//! incident than a clear refusal at startup. See `config.example.toml` for every key.

mod build;
mod duration;
mod error;
mod file;
mod level;
mod rota;
mod rota_file;
mod source;
mod ui;
mod value;
mod zone;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use error::{ConfigError, Origin, Position};

use crate::domain::Policy;
use crate::server::notify::NotifierSettings;

/// The environment variable naming a config file; between `--config` and the default location.
pub(crate) const ENV_VAR: &str = "PIKET_CONFIG";

/// Everything config.toml decides. [`Config::default`] equals what an empty file gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub team: String,
    /// Names shown in the TUI header until schedules exist.
    pub on_call: Vec<String>,
    /// Display zone only: the store is always UTC.
    pub timezone: chrono_tz::Tz,
    /// `--data-dir` and `PIKET_DATA_DIR` win over this; `~/` and relative paths are already
    /// resolved (relative to the config file's directory).
    pub data_dir: Option<PathBuf>,
    pub store: StoreSettings,
    pub server: ServerSettings,
    /// `[alerts]`: how alerts become incidents.
    pub alerts: crate::domain::AlertMapping,
    pub policy: Policy,
    /// One-line descriptions of SEV1..SEV4, shown where a severity is chosen.
    pub severity_names: [String; 4],
    /// `[keys]`: action name -> key specs, checked at load with the TUI's vocabulary
    /// (`config/ui.rs`); the TUI builds its keymap from them.
    pub keys: BTreeMap<String, Vec<String>>,
    /// `[theme]`: colour slot -> colour, checked at load the same way.
    pub theme: BTreeMap<String, String>,
    /// `[tui] mouse`: the TUI captures the mouse (click selects, wheel scrolls). Off, the
    /// terminal keeps its own selection and scrolling.
    pub mouse: bool,
    /// `[notifiers]`: how pages reach people.
    pub notifiers: Vec<NotifierSettings>,
}

/// Settings the store layer takes when it opens the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreSettings {
    /// redb's page cache: larger keeps a long incident history fast to scroll, smaller suits
    /// a small VM that runs `piket serve`.
    pub cache_size_bytes: usize,
}

/// `[server]`: where `piket serve` listens and who may only read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    /// The Unix socket; `PIKET_SOCKET` wins over it. `None`: the default (`piket.sock` in an
    /// explicit data dir, else under `$XDG_RUNTIME_DIR/piket`).
    pub socket: Option<PathBuf>,
    /// Group that owns the socket, which is then made group-writable (team use on a shared host).
    pub socket_group: Option<String>,
    /// Users who may read (list, show, timeline, feed) but whose commands are refused.
    pub read_only: Vec<String>,
    /// TCP address of the alert receivers; `None`: Unix socket only.
    pub listen: Option<std::net::SocketAddr>,
    /// The bearer token of the TCP listener (required with `listen`).
    pub token_file: Option<PathBuf>,
    /// PagerDuty-style throttle per routing key (429 above it); 0: none.
    pub pagerduty_events_per_minute: u32,
    /// TLS for the TCP listener: certificate chain and private key (PEM); both or neither.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// The wait for a request head, on a new or a kept-alive connection (so also the idle timeout).
    pub header_timeout: std::time::Duration,
    /// From a request's head to the end of its body.
    pub body_timeout: std::time::Duration,
    /// Connections one peer (a uid on the socket, an address on TCP) may hold open.
    pub max_connections_per_peer: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        let limits = crate::server::listen::Limits::default();
        Self {
            socket: None,
            socket_group: None,
            read_only: Vec::new(),
            listen: None,
            token_file: None,
            pagerduty_events_per_minute: 0,
            tls_cert: None,
            tls_key: None,
            header_timeout: limits.header_timeout,
            body_timeout: limits.body_timeout,
            max_connections_per_peer: limits.connections_per_peer,
        }
    }
}

impl StoreSettings {
    pub(crate) const DEFAULT_CACHE_MIB: usize = 64;
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self { cache_size_bytes: Self::DEFAULT_CACHE_MIB * 1024 * 1024 }
    }
}

/// SEV1 and SEV4 use DOMAIN.md's words; SEV2 and SEV3 fill the scale between so a responder
/// choosing under pressure can tell the four apart at a glance.
pub(crate) const DEFAULT_SEVERITY_NAMES: [&str; 4] = [
    "Critical: customer-visible, many users",
    "Major: customer-visible, some users or a key feature",
    "Moderate: degraded service, few users or internal only",
    "Minor: little or no user impact",
];

impl Default for Config {
    fn default() -> Self {
        Self {
            team: "on-call".to_owned(),
            on_call: Vec::new(),
            timezone: zone::local(),
            data_dir: None,
            store: StoreSettings::default(),
            server: ServerSettings::default(),
            alerts: crate::domain::AlertMapping::default(),
            policy: Policy::default(),
            severity_names: DEFAULT_SEVERITY_NAMES.map(str::to_owned),
            keys: BTreeMap::new(),
            theme: BTreeMap::new(),
            mouse: true,
            notifiers: Vec::new(),
        }
    }
}

/// A config and the file it came from, so `piket` can say which file it used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub config: Config,
    /// `None`: no file at the default location, so all defaults.
    pub path: Option<PathBuf>,
}

impl Config {
    /// Where the config comes from: `explicit` (`--config`), else `PIKET_CONFIG`, else the
    /// platform config dir ([`default_path`]). A missing file at the default location means
    /// defaults (a fresh install needs no file); a missing file someone named is an error,
    /// since running with defaults they did not ask for would hide their mistake.
    ///
    /// # Errors
    /// The file cannot be read, is not UTF-8 or TOML, or holds an unknown key or a bad value.
    pub fn load(explicit: Option<&Path>) -> Result<Loaded, ConfigError> {
        let env = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()).map(PathBuf::from);
        match locate(explicit, env, default_path()) {
            Some((path, origin)) => read(path, origin),
            None => Ok(Loaded { config: Self::default(), path: None }),
        }
    }

    /// Parses and validates `text`; `origin` names the file in messages and anchors a relative
    /// `data-dir`.
    ///
    /// # Errors
    /// `ConfigError::Invalid` with the line and column of the first problem.
    pub fn from_toml_str(text: &str, origin: &Path) -> Result<Self, ConfigError> {
        let de = toml::Deserializer::parse(text).map_err(|e| ConfigError::syntax(origin, text, &e))?;
        let file = file::ConfigFile::deserialize(de).map_err(|e| ConfigError::shape(origin, text, &e))?;
        build::build(file, text, origin)
    }
}

/// `<platform config dir>/piket/config.toml` (e.g. `~/.config/piket/config.toml` on Linux);
/// `None` when the platform has no home directory to put it in.
#[must_use]
pub(crate) fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "piket").map(|d| d.config_dir().join("config.toml"))
}

/// The precedence rule alone, apart from the process environment so it can be tested.
fn locate(
    explicit: Option<&Path>,
    env: Option<PathBuf>,
    default: Option<PathBuf>,
) -> Option<(PathBuf, Origin)> {
    explicit
        .map(|p| (p.to_owned(), Origin::Argument))
        .or_else(|| env.map(|p| (p, Origin::Environment)))
        .or_else(|| default.map(|p| (p, Origin::DefaultLocation)))
}

fn read(path: PathBuf, origin: Origin) -> Result<Loaded, ConfigError> {
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(io) if io.kind() == std::io::ErrorKind::NotFound && origin == Origin::DefaultLocation => {
            return Ok(Loaded { config: Config::default(), path: None });
        }
        Err(io) => return Err(ConfigError::Read { path, origin, io }),
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let before = String::from_utf8_lossy(&e.as_bytes()[..valid]);
            return Err(ConfigError::at(
                &path,
                &before,
                Some(valid..valid),
                "not UTF-8 text: a TOML file must be saved as UTF-8".to_owned(),
            ));
        }
    };
    let config = Config::from_toml_str(&text, &path)?;
    Ok(Loaded { config, path: Some(path) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Priority, Severity};

    fn parse(text: &str) -> Result<Config, String> {
        Config::from_toml_str(text, Path::new("/etc/piket/config.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn an_empty_file_is_the_default() {
        assert_eq!(parse("").unwrap(), Config::default());
        assert_eq!(Config::default().store.cache_size_bytes, 64 * 1024 * 1024);
    }

    #[test]
    fn precedence_is_argument_then_environment_then_default_location() {
        let (a, e, d) = (PathBuf::from("/a.toml"), PathBuf::from("/e.toml"), PathBuf::from("/d.toml"));
        assert_eq!(locate(Some(&a), Some(e.clone()), Some(d.clone())), Some((a.clone(), Origin::Argument)));
        assert_eq!(locate(None, Some(e.clone()), Some(d.clone())), Some((e, Origin::Environment)));
        assert_eq!(locate(None, None, Some(d.clone())), Some((d, Origin::DefaultLocation)));
        assert_eq!(locate(None, None, None), None);
    }

    #[test]
    fn a_missing_file_is_defaults_only_at_the_default_location() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("config.toml");
        let loaded = read(missing.clone(), Origin::DefaultLocation).unwrap();
        assert_eq!(loaded, Loaded { config: Config::default(), path: None });
        let err = read(missing, Origin::Environment).unwrap_err().to_string();
        assert!(err.ends_with("config.toml: the config file named by PIKET_CONFIG does not exist"), "{err}");
    }

    #[test]
    fn partial_tables_override_only_what_they_name() {
        let c = parse(
            "[targets]\nP1 = { acknowledge = \"2m\" }\n[priority.matrix]\nlow = [4, 5, 5]\n[closing]\nmin-lessons = 3\n",
        )
        .unwrap();
        let d = Policy::default();
        assert_eq!(c.policy.targets[0].acknowledge, Some(chrono::Duration::minutes(2)));
        assert_eq!(c.policy.targets[0].resolve, d.targets[0].resolve);
        assert_eq!(c.policy.targets[1..], d.targets[1..]);
        assert_eq!(c.policy.matrix.0[2], [Priority::P4, Priority::P5, Priority::P5]);
        assert_eq!(c.policy.matrix.0[..2], d.matrix.0[..2]);
        assert_eq!(c.policy.closing.min_lessons, 3);
        assert_eq!(c.policy.closing.review_for_severities, vec![Severity::SEV1, Severity::SEV2]);
    }

    #[test]
    fn data_dir_is_resolved_against_the_config_file() {
        assert_eq!(parse("data-dir = \"data\"").unwrap().data_dir, Some(PathBuf::from("/etc/piket/data")));
        assert_eq!(parse("data-dir = \"/srv/piket\"").unwrap().data_dir, Some(PathBuf::from("/srv/piket")));
        if let Some(home) = directories::BaseDirs::new() {
            assert_eq!(
                parse("data-dir = \"~/piket\"").unwrap().data_dir,
                Some(home.home_dir().join("piket"))
            );
        }
        assert!(parse("data-dir = \"\"").unwrap_err().contains(":1:12: data-dir: expected a directory path"));
    }

    #[test]
    fn the_mouse_is_on_unless_turned_off() {
        assert!(parse("").unwrap().mouse);
        assert!(!parse("[tui]\nmouse = false\n").unwrap().mouse);
        assert!(parse("[tui]\nmous = false\n").unwrap_err().contains("mous"));
    }

    #[test]
    fn keys_accept_one_or_many() {
        let c = parse("[keys]\nacknowledge = \"a\"\nquit = [\"q\", \"ctrl-c\"]\n").unwrap();
        assert_eq!(c.keys["acknowledge"], ["a"]);
        assert_eq!(c.keys["quit"], ["q", "ctrl-c"]);
    }

    #[test]
    fn duplicates_are_reported_at_the_second_one() {
        let err = parse("categories = [\n  \"security\",\n  \"change\",\n  \"Security\",\n]\n").unwrap_err();
        assert_eq!(
            err,
            "/etc/piket/config.toml:4:3: categories: \"Security\" is listed twice, also on line 2 \
             (as \"security\"): remove one of them"
        );
    }

    #[test]
    fn acknowledge_longer_than_resolve_names_the_priority() {
        let err = parse("[targets]\nP2 = { acknowledge = \"9h\" }\n").unwrap_err();
        assert!(
            err.starts_with("/etc/piket/config.toml:2:6: targets.P2: the acknowledge target (9h)"),
            "{err}"
        );
        assert!(err.contains("resolve target (8h, the default)"), "{err}");
        assert!(err.contains("make acknowledge shorter or resolve longer for P2"), "{err}");
        // No resolve target at all is never a conflict.
        assert!(parse("[targets]\nP2 = { acknowledge = \"9h\", resolve = \"none\" }\n").is_ok());
    }
}
