//! The config file being read: its path and text, so a value found wrong after parsing is
//! reported at its place, and paths in it are read relative to it.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::error::ConfigError;

/// The file's text and path, for placing errors found after parsing.
pub(super) struct Source<'a> {
    path: &'a Path,
    pub(super) text: &'a str,
}

impl<'a> Source<'a> {
    pub(super) const fn new(path: &'a Path, text: &'a str) -> Self {
        Self { path, text }
    }

    pub(super) fn error(&self, span: Option<Range<usize>>, message: String) -> ConfigError {
        ConfigError::at(self.path, self.text, span, message)
    }
}

/// `~/` is the user's home (people copy paths from their shell); a relative path is taken
/// from the config file's directory, not from wherever piket happens to be started.
pub(super) fn path(src: &Source<'_>, key: &str, dir: Spanned<String>) -> Result<PathBuf, ConfigError> {
    let span = dir.span();
    let raw = dir.into_inner();
    if raw.trim().is_empty() {
        let what = if key == "data-dir" { "a directory path" } else { "a path" };
        return Err(src.error(
            Some(span),
            format!("{key}: expected {what}, found an empty string (remove the key to use the default)"),
        ));
    }
    if let Some(rest) = raw.strip_prefix("~/").or_else(|| (raw == "~").then_some("")) {
        let home = directories::BaseDirs::new().map(|b| b.home_dir().to_owned()).ok_or_else(|| {
            src.error(Some(span), format!("{key}: cannot expand \"{raw}\": no home directory is known"))
        })?;
        return Ok(home.join(rest));
    }
    let path = PathBuf::from(&raw);
    if path.is_absolute() {
        return Ok(path);
    }
    Ok(src.path.parent().map_or_else(|| path.clone(), |base| base.join(&path)))
}
