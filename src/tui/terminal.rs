//! The terminal: what it says it can show, and the guard that takes it over and gives it back.
//!
//! What it can show is decided once, at start, from the environment ([`Capabilities::from_env`],
//! a pure function of the values): colours from NO_COLOR, COLORTERM and TERM, glyphs from the
//! locale. Views never look at the environment; the theme carries the answer.
//!
//! The guard: raw mode, alternate screen, bracketed paste and (`[tui] mouse`) mouse capture in,
//! all of it out again.
//! Restored on every way out: a normal quit and an early `?` return (Drop), a panic (ratatui's
//! hook, which then calls color-eyre's; ours in front also ends bracketed paste), SIGTERM,
//! SIGHUP and SIGINT (the event loop ends on them, so Drop runs; `tests/tui_pty.rs` checks
//! each of these, and a server that goes away, in a pseudo-terminal). Drop skips the restore while panicking
//! because the hook already did it (csvlens `AppRunner`).

use std::io::{self, Stdout, Write, stdout};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

/// How many colours the terminal declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Colours {
    /// NO_COLOR (or TERM=dumb): emphasis only.
    None,
    /// The 16 ANSI colours, which every terminal has: the default.
    #[default]
    Ansi16,
    /// A TERM with `256color`.
    Ansi256,
    /// COLORTERM=truecolor or 24bit.
    TrueColor,
}

/// What the terminal can show, as its environment declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub colours: Colours,
    /// The locale's character set is UTF-8: box drawing and glyphs; otherwise ASCII.
    pub unicode: bool,
}

impl Default for Capabilities {
    fn default() -> Self {
        Self { colours: Colours::Ansi16, unicode: true }
    }
}

impl Capabilities {
    /// Decide from the environment's values (`var` looks one up; empty counts as unset).
    /// A terminal gets 16 colours unless it declares more: a guess of 256 colours on a
    /// 16-colour terminal shows wrong colours or none.
    #[must_use]
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| var(k).filter(|v| !v.is_empty());
        let term = get("TERM").unwrap_or_default();
        let colours = if get("NO_COLOR").is_some() || term == "dumb" {
            Colours::None
        } else if get("COLORTERM")
            .is_some_and(|c| matches!(c.to_ascii_lowercase().as_str(), "truecolor" | "24bit"))
        {
            Colours::TrueColor
        } else if term.contains("256color") {
            Colours::Ansi256
        } else {
            Colours::Ansi16
        };
        // POSIX order: LC_ALL overrides LC_CTYPE overrides LANG; none set is the C locale.
        let locale = get("LC_ALL").or_else(|| get("LC_CTYPE")).or_else(|| get("LANG")).unwrap_or_default();
        let lower = locale.to_ascii_lowercase();
        let unicode = lower.contains("utf-8") || lower.contains("utf8");
        Self { colours, unicode }
    }
}

/// The screen the app draws on: crossterm, through [`SgrFilter`].
pub type Screen = Terminal<CrosstermBackend<SgrFilter<Stdout>>>;

pub struct TerminalGuard {
    terminal: Screen,
}

impl TerminalGuard {
    /// Enter raw mode and the alternate screen, with the 16 colours every terminal has.
    ///
    /// # Errors
    /// The terminal refused (not a tty).
    pub fn new() -> io::Result<Self> {
        Self::start(Colours::default(), false)
    }

    /// As [`Self::new`], writing colours as `colours` says and capturing the mouse when
    /// `mouse` (`[tui] mouse`).
    ///
    /// # Errors
    /// The terminal refused (not a tty).
    pub fn start(colours: Colours, mouse: bool) -> io::Result<Self> {
        // As ratatui::try_init, with our writer: its hook restores the terminal on a panic.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(stdout(), DisableBracketedPaste, DisableMouseCapture);
            ratatui::restore();
            previous(info);
        }));
        enable_raw_mode()?;
        execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
        if mouse {
            execute!(stdout(), EnableMouseCapture)?;
        }
        let terminal = Terminal::new(CrosstermBackend::new(SgrFilter::new(stdout(), colours)))?;
        Ok(Self { terminal })
    }

    pub const fn terminal(&mut self) -> &mut Screen {
        &mut self.terminal
    }
}

/// Lend the terminal to another program (the responder's editor): bracketed paste and mouse
/// capture off (clicks would reach the editor as escape sequences), the main screen, the cursor
/// shown, cooked mode, as a shell would leave it. [`resume`] takes it
/// back; the guard still restores it if piket ends in between.
///
/// # Errors
/// The terminal refused.
pub fn suspend() -> io::Result<()> {
    execute!(stdout(), DisableBracketedPaste, DisableMouseCapture, LeaveAlternateScreen, Show)?;
    disable_raw_mode()
}

/// Take the terminal back after [`suspend`] and redraw all of it on the next frame: the other
/// program drew over the screen ratatui remembers.
///
/// # Errors
/// The terminal refused.
pub fn resume(terminal: &mut Screen, mouse: bool) -> io::Result<()> {
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste, Clear(ClearType::All))?;
    if mouse {
        execute!(stdout(), EnableMouseCapture)?;
    }
    // Both buffers blank, as the screen now is (not `Terminal::clear`: it asks the terminal
    // where its cursor is, and a terminal that does not answer would end piket).
    terminal.swap_buffers();
    terminal.swap_buffers();
    Ok(())
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = execute!(stdout(), DisableBracketedPaste, DisableMouseCapture);
            ratatui::restore();
            // The terminal's own drop shows the cursor too, but only if it hid it itself.
            let _ = execute!(stdout(), Show);
        }
    }
}

/// Rewrites the colours of every SGR sequence (`ESC [ ... m`) to what the terminal declares.
///
/// crossterm writes even the 16 named colours in the 256-colour form (`38;5;1`), which a
/// 16-colour terminal may not read. Here they become `31`, `91`, ...; a 256-colour index or an
/// RGB colour (a user's `[theme]`) becomes the nearest one the terminal has; under
/// [`Colours::None`] colours are dropped. Sequences may arrive split across writes, so the
/// filter keeps an unfinished one until its final byte.
pub struct SgrFilter<W> {
    inner: W,
    colours: Colours,
    pending: Vec<u8>,
}

/// An escape sequence longer than this is not ours to rewrite: pass it on as it is.
const LONGEST: usize = 64;

impl<W: Write> SgrFilter<W> {
    pub const fn new(inner: W, colours: Colours) -> Self {
        Self { inner, colours, pending: Vec::new() }
    }
}

impl<W: Write> Write for SgrFilter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 8);
        for &b in buf {
            if self.pending.is_empty() {
                if b == 0x1b {
                    self.pending.push(b)
                } else {
                    out.push(b)
                }
                continue;
            }
            self.pending.push(b);
            if self.pending.len() == 2 {
                if b != b'[' {
                    out.append(&mut self.pending);
                }
            } else if (0x40..=0x7e).contains(&b) {
                if b == b'm' {
                    let params = &self.pending[2..self.pending.len() - 1];
                    out.extend(sgr(params, self.colours));
                    self.pending.clear();
                } else {
                    out.append(&mut self.pending);
                }
            } else if self.pending.len() > LONGEST {
                out.append(&mut self.pending);
            }
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// One SGR sequence, its colours rewritten for `colours`; nothing at all if nothing is left
/// (an empty `ESC [ m` would reset bold and reverse too).
fn sgr(params: &[u8], colours: Colours) -> Vec<u8> {
    let Some(nums) = std::str::from_utf8(params).ok().and_then(|p| {
        p.split(';')
            .map(|n| if n.is_empty() { Some(0) } else { n.parse::<u32>().ok() })
            .collect::<Option<Vec<u32>>>()
    }) else {
        return [b"\x1b[", params, b"m"].concat();
    };
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < nums.len() {
        let n = nums[i];
        match n {
            38 | 48 => {
                let base = if n == 38 { 30 } else { 40 };
                let (index, used) = match nums.get(i + 1) {
                    Some(5) => (nums.get(i + 2).map(|&c| Colour::Index(c.min(255) as u8)), 3),
                    Some(2) if i + 4 < nums.len() => {
                        let c = |k: usize| nums[i + k].min(255) as u8;
                        (Some(Colour::Rgb(c(2), c(3), c(4))), 5)
                    }
                    _ => (None, 1),
                };
                if let Some(c) = index {
                    if let Some(s) = colour(c, base, colours) {
                        out.push(s);
                    }
                } else if colours != Colours::None {
                    out.push(n.to_string());
                }
                i += used;
            }
            30..=37 | 39 | 40..=47 | 49 | 90..=97 | 100..=107 => {
                if colours != Colours::None {
                    out.push(n.to_string());
                }
                i += 1;
            }
            _ => {
                out.push(n.to_string());
                i += 1;
            }
        }
    }
    if out.is_empty() { Vec::new() } else { format!("\x1b[{}m", out.join(";")).into_bytes() }
}

#[derive(Clone, Copy)]
enum Colour {
    Index(u8),
    Rgb(u8, u8, u8),
}

/// One colour as the parameters for `base` (30 foreground, 40 background).
fn colour(c: Colour, base: u32, colours: Colours) -> Option<String> {
    let basic = |i: u8| {
        let i = u32::from(i);
        if i < 8 { (base + i).to_string() } else { (base + 60 + i - 8).to_string() }
    };
    let extended = base + 8;
    match (c, colours) {
        (_, Colours::None) => None,
        (Colour::Index(i), _) if i < 16 => Some(basic(i)),
        (Colour::Index(i), Colours::Ansi16) => Some(basic(nearest(rgb_of(i), 0..16))),
        (Colour::Index(i), _) => Some(format!("{extended};5;{i}")),
        (Colour::Rgb(r, g, b), Colours::Ansi16) => Some(basic(nearest((r, g, b), 0..16))),
        (Colour::Rgb(r, g, b), Colours::Ansi256) => {
            let i = nearest((r, g, b), 16..=255);
            Some(format!("{extended};5;{i}"))
        }
        (Colour::Rgb(r, g, b), Colours::TrueColor) => Some(format!("{extended};2;{r};{g};{b}")),
    }
}

/// The xterm colour of a 256-colour index.
fn rgb_of(i: u8) -> (u8, u8, u8) {
    const BASIC: [(u8, u8, u8); 16] = [
        (0, 0, 0),
        (205, 0, 0),
        (0, 205, 0),
        (205, 205, 0),
        (0, 0, 238),
        (205, 0, 205),
        (0, 205, 205),
        (229, 229, 229),
        (127, 127, 127),
        (255, 0, 0),
        (0, 255, 0),
        (255, 255, 0),
        (92, 92, 255),
        (255, 0, 255),
        (0, 255, 255),
        (255, 255, 255),
    ];
    const LEVEL: [u8; 6] = [0, 95, 135, 175, 215, 255];
    match i {
        0..=15 => BASIC[usize::from(i)],
        16..=231 => {
            let k = i - 16;
            (LEVEL[usize::from(k / 36)], LEVEL[usize::from(k / 6 % 6)], LEVEL[usize::from(k % 6)])
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

fn nearest((r, g, b): (u8, u8, u8), among: impl Iterator<Item = u8>) -> u8 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2);
    among
        .min_by_key(|&i| {
            let (r2, g2, b2) = rgb_of(i);
            d(r, r2) + d(g, g2) + d(b, b2)
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(vars: &[(&str, &str)]) -> Capabilities {
        let vars: Vec<(String, String)> =
            vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Capabilities::from_env(&|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn colours_follow_what_the_terminal_declares() {
        let utf = ("LANG", "en_US.UTF-8");
        assert_eq!(caps(&[("TERM", "xterm"), utf]).colours, Colours::Ansi16);
        assert_eq!(caps(&[("TERM", "xterm-16color"), utf]).colours, Colours::Ansi16);
        assert_eq!(caps(&[]).colours, Colours::Ansi16);
        assert_eq!(caps(&[("TERM", "screen-256color")]).colours, Colours::Ansi256);
        assert_eq!(caps(&[("TERM", "xterm"), ("COLORTERM", "truecolor")]).colours, Colours::TrueColor);
        assert_eq!(caps(&[("TERM", "xterm"), ("COLORTERM", "24bit")]).colours, Colours::TrueColor);
        assert_eq!(caps(&[("TERM", "xterm-256color"), ("NO_COLOR", "1")]).colours, Colours::None);
        // NO_COLOR set but empty does not count (no-color.org).
        assert_eq!(caps(&[("TERM", "xterm"), ("NO_COLOR", "")]).colours, Colours::Ansi16);
        assert_eq!(caps(&[("TERM", "dumb")]).colours, Colours::None);
    }

    #[test]
    fn glyphs_follow_the_locale() {
        assert!(caps(&[("LANG", "en_US.UTF-8")]).unicode);
        assert!(caps(&[("LANG", "C.utf8")]).unicode);
        assert!(!caps(&[("LANG", "C")]).unicode);
        assert!(!caps(&[]).unicode);
        // LC_ALL wins over LANG, LC_CTYPE over LANG.
        assert!(!caps(&[("LANG", "en_US.UTF-8"), ("LC_ALL", "POSIX")]).unicode);
        assert!(caps(&[("LANG", "C"), ("LC_CTYPE", "de_DE.UTF-8")]).unicode);
        // An empty LC_ALL counts as unset.
        assert!(!caps(&[("LANG", "C"), ("LC_ALL", "")]).unicode);
        assert!(caps(&[("LANG", "C.UTF-8"), ("LC_ALL", "")]).unicode);
    }

    fn through(colours: Colours, chunks: &[&[u8]]) -> String {
        let mut f = SgrFilter::new(Vec::new(), colours);
        for c in chunks {
            f.write_all(c).unwrap();
        }
        String::from_utf8(f.inner).unwrap()
    }

    #[test]
    fn named_colours_take_the_16_colour_form() {
        let out = through(Colours::Ansi16, &[b"\x1b[1m\x1b[38;5;9;48;5;4mhi\x1b[39;49m\x1b[0m"]);
        assert_eq!(out, "\x1b[1m\x1b[91;44mhi\x1b[39;49m\x1b[0m");
    }

    #[test]
    fn sequences_split_across_writes_are_rewritten() {
        let out = through(Colours::Ansi16, &[b"a\x1b", b"[38;5", b";1", b"mb\x1b[2J"]);
        assert_eq!(out, "a\x1b[31mb\x1b[2J");
    }

    #[test]
    fn richer_colours_are_brought_down_to_what_is_declared() {
        // Index 196 is pure red, #00ff00 pure green.
        assert_eq!(through(Colours::Ansi16, &[b"\x1b[38;5;196m"]), "\x1b[91m");
        assert_eq!(through(Colours::Ansi16, &[b"\x1b[48;2;0;255;0m"]), "\x1b[102m");
        assert_eq!(through(Colours::Ansi256, &[b"\x1b[38;5;196m"]), "\x1b[38;5;196m");
        assert_eq!(through(Colours::Ansi256, &[b"\x1b[38;2;255;0;0m"]), "\x1b[38;5;196m");
        assert_eq!(through(Colours::TrueColor, &[b"\x1b[38;2;1;2;3m"]), "\x1b[38;2;1;2;3m");
    }

    #[test]
    fn no_colour_keeps_only_emphasis() {
        assert_eq!(through(Colours::None, &[b"\x1b[38;5;9;48;5;4m\x1b[7mx"]), "\x1b[7mx");
        assert_eq!(through(Colours::None, &[b"\x1b[1;31m"]), "\x1b[1m");
    }
}
