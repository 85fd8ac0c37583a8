//! Colours: a 16-colour default that works on any SSH terminal, a `[theme]` patch, NO_COLOR.
//!
//! Each slot is a foreground colour. With NO_COLOR every colour is dropped and only bold,
//! reverse and dim remain, so the selection and what needs attention still stand out. What the
//! terminal declares (`terminal::Capabilities`) decides that, and whether the screen is drawn
//! in ASCII; a `[theme]` colour richer than the terminal has is brought down to the nearest
//! one it has when written (`terminal::SgrFilter`).

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};

use super::terminal::{Capabilities, Colours};

macro_rules! slots {
    ($( $(#[doc = $doc:literal])+ $slot:ident = $default:expr; )+) => {
        /// The colour of each thing on screen.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Palette {
            $( $(#[doc = $doc])+ pub $slot: Color, )+
        }

        impl Default for Palette {
            fn default() -> Self {
                Self { $( $slot: $default, )+ }
            }
        }

        impl Palette {
            const NAMES: &'static [&'static str] = &[$(stringify!($slot)),+];

            fn set(&mut self, name: &str, c: Color) -> bool {
                match name {
                    $( stringify!($slot) => { self.$slot = c; true } )+
                    _ => false,
                }
            }
        }
    };
}

slots! {
    /// Pane borders and titles of the focused pane; header accents.
    accent = Color::Cyan;
    /// Secondary text: ages, hints, unfocused borders.
    muted = Color::DarkGray;
    /// Background of the selected row.
    selected = Color::Blue;
    /// Triggered (nobody has it yet).
    triggered = Color::LightRed;
    /// Acknowledged.
    acknowledged = Color::Yellow;
    /// Contained.
    contained = Color::LightBlue;
    /// Resolved.
    resolved = Color::Green;
    /// Closed.
    closed = Color::DarkGray;
    /// P1 and P2 in the queue.
    urgent = Color::LightRed;
    /// A target more than a quarter away.
    ok = Color::Green;
    /// A target within its last quarter.
    warn = Color::Yellow;
    /// A target breached; refusals and errors.
    breach = Color::Red;
    /// Confirmations in the footer.
    info = Color::Green;
}

/// Why one `[theme]` entry cannot be used; the config loader places each at its own spot in
/// the file (the name, or the colour).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EntryError {
    /// The name is not a slot of the palette.
    Name(String),
    /// The colour cannot be read.
    Colour(String),
}

/// One `[theme]` entry read: the slot it sets and its colour.
///
/// # Errors
/// An unknown slot, or a colour that cannot be read, in one sentence that says what to write.
pub(crate) fn entry<'a>(name: &'a str, value: &str) -> Result<(&'a str, Color), EntryError> {
    // config.example.toml's wording for the triggered colour.
    let slot = if name == "unacknowledged" { "triggered" } else { name };
    if !Palette::NAMES.contains(&slot) {
        return Err(EntryError::Name(format!(
            "'{name}' is not a theme colour; use one of {}",
            Palette::NAMES.join(", ")
        )));
    }
    value.parse::<Color>().map(|c| (slot, c)).map_err(|_| {
        EntryError::Colour(format!(
            "'{value}' is not a colour; use a name (red, lightred, darkgray, ...), an index 0-255 or #rrggbb"
        ))
    })
}

/// Styles derived from a palette, honouring NO_COLOR.
#[derive(Debug, Clone, Copy, Default)]
pub struct Theme {
    pub palette: Palette,
    pub no_color: bool,
    /// The locale is not UTF-8: the view draws the screen in ASCII.
    pub ascii: bool,
}

impl Theme {
    /// The default palette patched by the user's `[theme]` table.
    ///
    /// # Errors
    /// One sentence per unknown slot or colour it cannot read.
    pub fn build(user: &BTreeMap<String, String>, terminal: Capabilities) -> Result<Self, Vec<String>> {
        let no_color = terminal.colours == Colours::None;
        let mut palette = Palette::default();
        let mut errors = Vec::new();
        for (name, value) in user {
            match entry(name, value) {
                Ok((slot, c)) => {
                    palette.set(slot, c);
                }
                Err(EntryError::Name(m)) => errors.push(format!("[theme]: {m}")),
                Err(EntryError::Colour(m)) => errors.push(format!("[theme].{name}: {m}")),
            }
        }
        if errors.is_empty() { Ok(Self { palette, no_color, ascii: !terminal.unicode }) } else { Err(errors) }
    }

    /// Foreground `c`, or nothing under NO_COLOR.
    #[must_use]
    pub fn fg(&self, c: Color) -> Style {
        if self.no_color { Style::new() } else { Style::new().fg(c) }
    }

    #[must_use]
    pub(crate) fn muted(&self) -> Style {
        if self.no_color { Style::new().add_modifier(Modifier::DIM) } else { self.fg(self.palette.muted) }
    }

    #[must_use]
    pub fn accent(&self) -> Style {
        self.fg(self.palette.accent).add_modifier(Modifier::BOLD)
    }

    /// The selected row: reverse video under NO_COLOR.
    #[must_use]
    pub fn selected(&self, focused: bool) -> Style {
        if self.no_color || !focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().bg(self.palette.selected).fg(Color::White).add_modifier(Modifier::BOLD)
        }
    }

    #[must_use]
    pub(crate) fn border(&self, focused: bool) -> Style {
        if focused { self.accent() } else { self.muted() }
    }

    #[must_use]
    pub fn error(&self) -> Style {
        self.fg(self.palette.breach).add_modifier(Modifier::BOLD)
    }

    #[must_use]
    pub(crate) fn info(&self) -> Style {
        self.fg(self.palette.info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_colours_patch_and_bad_ones_are_named() {
        let ok: BTreeMap<String, String> = [
            ("accent".to_owned(), "magenta".to_owned()),
            ("unacknowledged".to_owned(), "light-red".to_owned()),
            ("muted".to_owned(), "dark-gray".to_owned()),
        ]
        .into();
        let th = Theme::build(&ok, Capabilities::default()).unwrap();
        assert_eq!(th.palette.accent, Color::Magenta);
        assert_eq!(th.palette.triggered, Color::LightRed);
        let bad: BTreeMap<String, String> =
            [("accent".to_owned(), "purplish".to_owned()), ("sparkle".to_owned(), "red".to_owned())].into();
        let errs = Theme::build(&bad, Capabilities::default()).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs[0].contains("'purplish' is not a colour"), "{errs:?}");
        assert!(errs[1].contains("'sparkle' is not a theme colour"), "{errs:?}");
    }

    #[test]
    fn no_color_drops_colours_but_keeps_emphasis() {
        let t =
            Theme::build(&BTreeMap::new(), Capabilities { colours: Colours::None, unicode: true }).unwrap();
        assert_eq!(t.fg(Color::Red), Style::new());
        assert!(t.selected(true).add_modifier.contains(Modifier::REVERSED));
    }
}
