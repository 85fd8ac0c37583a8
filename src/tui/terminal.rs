//! The terminal guard: raw mode, alternate screen and bracketed paste in, all of it out again.
//!
//! Restored on every way out: a normal quit and an early `?` return (Drop), a panic (ratatui's
//! hook, which then calls color-eyre's; ours in front also ends bracketed paste), SIGTERM,
//! SIGHUP and SIGINT (the event loop ends on them, so Drop runs; `tests/tui_pty.rs` checks
//! each of these, and a server that goes away, in a pseudo-terminal). Drop skips the restore while panicking
//! because the hook already did it (csvlens `AppRunner`).

use std::io::{self, stdout};

use ratatui::DefaultTerminal;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use ratatui::crossterm::execute;

pub struct TerminalGuard {
    terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// Enter raw mode and the alternate screen.
    ///
    /// # Errors
    /// The terminal refused (not a tty).
    pub fn new() -> io::Result<Self> {
        let terminal = ratatui::try_init()?;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(stdout(), DisableBracketedPaste);
            previous(info);
        }));
        execute!(stdout(), EnableBracketedPaste)?;
        Ok(Self { terminal })
    }

    pub const fn terminal(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = execute!(stdout(), DisableBracketedPaste);
            ratatui::restore();
            // The terminal's own drop shows the cursor too, but only if it hid it itself.
            let _ = execute!(stdout(), Show);
        }
    }
}
