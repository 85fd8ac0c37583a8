//! `[keys]` and `[theme]`, checked when the config is loaded, like every other table.
//!
//! The TUI owns the vocabulary (action names and key syntax in `tui::action`/`tui::keymap`,
//! colour slots in `tui::theme`), so this is the one place config reads a layer above it: a
//! bad binding must be refused by every command, `serve` and the TUI alike, with the
//! file:line:column of the entry, not only once the queue opens.

use std::collections::BTreeMap;

use toml::Spanned;

use super::error::ConfigError;
use super::source::Source;
use super::value::KeySpecs;
use crate::tui::action::Action;
use crate::tui::keymap::{Key, KeyMap};
use crate::tui::theme::{self, EntryError};

/// The `[keys]` table, checked: every action name, every key, and the whole map (a key bound
/// to two actions, a form key that would be typed, an action left without a key).
pub(super) fn keys(
    src: &Source<'_>,
    table: BTreeMap<Spanned<String>, Spanned<KeySpecs>>,
) -> Result<BTreeMap<String, Vec<String>>, ConfigError> {
    // In the file's order, so the first problem reported is the first one in the file.
    let mut entries: Vec<(Spanned<String>, Spanned<KeySpecs>)> = table.into_iter().collect();
    entries.sort_by_key(|(name, _)| name.span().start);
    for (name, specs) in &entries {
        if let Err(e) = name.get_ref().parse::<Action>() {
            return Err(src.error(Some(name.span()), format!("keys: {e}")));
        }
        for spec in &specs.get_ref().0 {
            if let Err(e) = spec.parse::<Key>() {
                return Err(src.error(Some(specs.span()), format!("keys.{}: {e}", name.get_ref())));
            }
        }
    }
    let table = |n: usize| -> BTreeMap<String, Vec<String>> {
        entries.iter().take(n).map(|(k, v)| (k.get_ref().clone(), v.get_ref().0.clone())).collect()
    };
    let Err(problems) = KeyMap::build(&table(entries.len())) else {
        return Ok(table(entries.len()));
    };
    // Conflicts belong to no single entry: blame the one after which the map never works again
    // (the defaults alone always do), so a swap of two keys over two lines is not an error.
    let culprit = (0..entries.len()).rev().find(|&n| KeyMap::build(&table(n)).is_ok()).unwrap_or(0);
    let (name, specs) = &entries[culprit];
    // "[keys]: 'a' is bound to both ..." / "[keys].quit: needs ...": the sentence after the prefix.
    let sentences: Vec<&str> =
        problems.iter().map(|p| p.split_once(": ").map_or(p.as_str(), |(_, rest)| rest)).collect();
    Err(src.error(Some(specs.span()), format!("keys.{}: {}", name.get_ref(), sentences.join("; "))))
}

/// The `[theme]` table, checked: each name is a colour slot and each value a colour.
pub(super) fn theme(
    src: &Source<'_>,
    table: BTreeMap<Spanned<String>, Spanned<String>>,
) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut entries: Vec<(Spanned<String>, Spanned<String>)> = table.into_iter().collect();
    entries.sort_by_key(|(name, _)| name.span().start);
    for (name, value) in &entries {
        match theme::entry(name.get_ref(), value.get_ref()) {
            Ok(_) => {}
            Err(EntryError::Name(m)) => return Err(src.error(Some(name.span()), format!("theme: {m}"))),
            Err(EntryError::Colour(m)) => {
                return Err(src.error(Some(value.span()), format!("theme.{}: {m}", name.get_ref())));
            }
        }
    }
    Ok(entries.into_iter().map(|(k, v)| (k.into_inner(), v.into_inner())).collect())
}
