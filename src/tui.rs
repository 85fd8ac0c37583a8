//! The responder's screen: `piket` with no subcommand.
//!
//! Layout of this module (one file per thing on screen or in the loop):
//!
//! - [`terminal`]: the guard that restores the terminal on every way out.
//! - [`event`]: the one `tokio::select!` loop (keys, engine changes, answers, a 1 s tick, signals).
//! - [`action`] + [`keymap`]: keys become intents at the edge, from a data table.
//! - [`app`]: state and `update(msg) -> effects`, the only place state changes; one part per
//!   concern (queue, incident pane, forms, paging banner, rota and schedule view, connection).
//! - [`layout`]: where the panes go and how many rows each shows, shared by app and views.
//! - [`effect`]: the I/O `update` asks for, run off the render path.
//! - [`editor`]: long text in the responder's `$VISUAL` / `$EDITOR`, the terminal lent to it.
//! - [`view`]: one module per region; read-only.
//! - [`headless`]: the same app driven without a terminal, for tests and benches.
//!
//! The TUI reaches data only through [`crate::client::Client`]; it never opens the store.

pub mod action;
pub mod app;
pub mod editor;
pub mod effect;
pub mod event;
pub mod export;
pub(crate) mod filter;
pub mod form;
pub mod headless;
pub(crate) mod keymap;
pub(crate) mod layout;
mod refusal;
pub mod terminal;
pub(crate) mod theme;
pub mod view;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use color_eyre::eyre::eyre;

use crate::client::Client;
use crate::domain::Policy;

/// What `main` hands the TUI, built from config.toml and the environment.
#[derive(Debug, Clone)]
pub struct TuiSettings {
    pub team: String,
    pub on_call: Vec<String>,
    pub timezone: chrono_tz::Tz,
    /// Targets for countdowns, closing rules for the close form.
    pub policy: Policy,
    /// The user's `[keys]` patch over `assets/default-keys.toml`.
    pub keys: BTreeMap<String, Vec<String>>,
    /// The user's `[theme]`.
    pub theme: BTreeMap<String, String>,
    /// What the terminal declares it can show (NO_COLOR, COLORTERM, TERM, the locale), read
    /// once at start by `launch`.
    pub terminal: terminal::Capabilities,
}

impl Default for TuiSettings {
    fn default() -> Self {
        Self {
            team: "on-call".to_owned(),
            on_call: Vec::new(),
            timezone: chrono_tz::UTC,
            policy: Policy::default(),
            keys: BTreeMap::new(),
            theme: BTreeMap::new(),
            terminal: terminal::Capabilities::default(),
        }
    }
}

impl TuiSettings {
    /// Check the keys and the theme before the terminal is touched.
    ///
    /// # Errors
    /// One sentence per problem, one per line: unknown action names, keys that cannot be read,
    /// a key bound to two actions, colours that cannot be read.
    pub fn validate(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        if let Err(e) = keymap::KeyMap::build(&self.keys) {
            errors.extend(e);
        }
        if let Err(e) = theme::Theme::build(&self.theme, self.terminal) {
            errors.extend(e);
        }
        if errors.is_empty() { Ok(()) } else { Err(errors.join("\n")) }
    }
}

/// Open the full-screen app and run it until the responder quits (or SIGTERM / SIGHUP /
/// SIGINT).
///
/// # Errors
/// Invalid settings (before the terminal is touched), or the terminal failed.
pub async fn run(client: Arc<dyn Client>, settings: TuiSettings) -> color_eyre::Result<()> {
    settings.validate().map_err(|e| eyre!(e))?;
    let mut app = app::App::new(&settings, client.actor(), Utc::now()).map_err(|e| eyre!(e))?;
    let signals = event::Signals::new()?;
    let mut guard = terminal::TerminalGuard::with_colours(settings.terminal.colours)?;
    event::run_loop(guard.terminal(), &mut app, client, signals).await
}
