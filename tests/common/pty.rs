//! The real binary in a pseudo-terminal (portable-pty + vt100), for every test that drives the
//! TUI as a responder does: keys in, the screen and the bytes sent out, the terminal's modes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

/// How to start piket in the pty, beyond the defaults (80x24, UTF-8, 256 colours, UTC).
#[derive(Default)]
pub struct Launch<'a> {
    /// (cols, rows).
    pub size: Option<(u16, u16)>,
    /// Set after the defaults, so they can override them (`LANG`, `TERM`, `EDITOR` ...).
    pub env: Vec<(&'a str, &'a str)>,
    /// After `--data-dir DIR`.
    pub args: Vec<&'a str>,
    /// The text that says the screen is up (default: "Queue").
    pub ready: Option<&'a str>,
}

pub const COLS: u16 = 80;
/// How long a wait for something on the screen may take before the test gives up: only a
/// safety net for a hang, never a deadline a busy machine has to meet.
pub const WAIT_LIMIT: Duration = Duration::from_secs(120);
pub const ROWS: u16 = 24;

/// Counts the bells (BEL outside escape sequences) the terminal was sent.
#[derive(Default)]
pub struct Bells(pub usize);

impl vt100::Callbacks for Bells {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.0 += 1;
    }
}

/// What the reader thread saw: every byte, and which watched texts were ever on screen (a
/// banner may come and go between two looks at the screen).
#[derive(Default)]
pub struct Seen {
    pub bytes: Vec<u8>,
    pub watched: Vec<(String, bool)>,
}

pub struct Tui {
    pub child: Box<dyn Child + Send + Sync>,
    pub writer: Box<dyn Write + Send>,
    pub screen: Arc<Mutex<vt100::Parser<Bells>>>,
    pub seen: Arc<Mutex<Seen>>,
    /// The local flags (ICANON, ECHO, ...) of the terminal before piket touched it.
    pub cooked: u32,
    pub _pair: portable_pty::PtyPair,
    /// (home, data dir): the server the TUI started for this data dir is stopped on drop.
    server: (PathBuf, PathBuf),
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = piket(&self.server.0, &self.server.1, &["server", "stop"]);
    }
}

/// The binary as a script runs it, against the same data dir (and so the same server).
pub fn piket(home: &Path, data: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_piket"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("PIKET_CONFIG")
        .env_remove("PIKET_SOCKET")
        .output()
        .unwrap()
}

pub fn command(home: &Path, args: &[&str]) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_piket"));
    cmd.args(args);
    cmd.env("HOME", home);
    cmd.env("XDG_CONFIG_HOME", home.join("config"));
    cmd.env("XDG_DATA_HOME", home.join("data"));
    cmd.env("TZ", "UTC");
    cmd.env("TERM", "xterm-256color");
    // The glyphs these tests look for need a UTF-8 locale, whatever the runner's is.
    cmd.env("LANG", "C.UTF-8");
    cmd.env_remove("LC_ALL");
    cmd.env_remove("LC_CTYPE");
    cmd.env_remove("PIKET_CONFIG");
    cmd.env_remove("PIKET_DATA_DIR");
    cmd.env_remove("PIKET_SOCKET");
    cmd.env_remove("NO_COLOR");
    cmd.cwd(home);
    cmd
}

impl Tui {
    pub fn start(home: &Path, data: &Path) -> Self {
        Self::launch(home, data, &Launch::default())
    }

    /// Start piket with a size, extra environment or extra arguments: see [`Launch`].
    pub fn launch(home: &Path, data: &Path, how: &Launch) -> Self {
        let (cols, rows) = how.size.unwrap_or((COLS, ROWS));
        let pair =
            native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut args = vec!["--data-dir", data.to_str().unwrap()];
        args.extend(how.args.iter().copied());
        let mut cmd = command(home, &args);
        for (k, v) in &how.env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new_with_callbacks(
            std::num::NonZero::new(rows).unwrap(),
            std::num::NonZero::new(cols).unwrap(),
            0,
            Bells::default(),
        )));
        let sink = Arc::clone(&screen);
        let seen = Arc::new(Mutex::new(Seen::default()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut parser = sink.lock().unwrap();
                parser.process(&buf[..n]);
                let mut log = log.lock().unwrap();
                log.bytes.extend_from_slice(&buf[..n]);
                if log.watched.iter().any(|(_, seen)| !seen) {
                    let text = parser.screen().contents();
                    for (needle, seen) in &mut log.watched {
                        *seen |= text.contains(needle.as_str());
                    }
                }
            }
        });
        let cooked = local_flags(&*pair.master);
        let mut t = Self {
            child,
            writer,
            screen,
            seen,
            cooked,
            _pair: pair,
            server: (home.to_owned(), data.to_owned()),
        };
        t.wait_for(how.ready.unwrap_or("Queue"));
        t
    }

    pub fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    pub fn bells(&self) -> usize {
        self.screen.lock().unwrap().callbacks().0
    }

    pub fn wait_for_bells(&mut self, n: usize) {
        let deadline = Instant::now() + WAIT_LIMIT;
        while self.bells() < n {
            assert!(
                Instant::now() < deadline,
                "{} bell(s), not {n}; the screen:\n{}",
                self.bells(),
                self.text()
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    pub fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + WAIT_LIMIT;
        loop {
            let text = self.text();
            if text.contains(needle) {
                return;
            }
            if Instant::now() > deadline {
                panic!("'{needle}' did not appear; the screen:\n{text}");
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("piket exited ({status:?}) before '{needle}' appeared; the screen:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    pub fn keys(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Let the app read each burst as keys, not as one escape sequence.
        std::thread::sleep(Duration::from_millis(80));
    }

    /// Wait for the child to exit and for its last bytes, which restore the terminal, to be read.
    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + WAIT_LIMIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "piket did not exit; the screen:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(30));
        };
        while !self.restore_sent() {
            assert!(
                Instant::now() < deadline,
                "piket exited ({status:?}) without restoring the terminal; it sent after its last \
                 switch to the alternate screen: {:?}",
                String::from_utf8_lossy(&self.after_alternate_screen())
            );
            std::thread::sleep(Duration::from_millis(30));
        }
        status
    }

    pub fn left_alternate_screen(&self) -> bool {
        !self.screen.lock().unwrap().screen().alternate_screen()
    }

    /// Watch for a text that may be on screen only briefly; see [`Tui::saw`].
    pub fn watch(&self, needle: &str) {
        self.seen.lock().unwrap().watched.push((needle.to_owned(), false));
    }

    pub fn saw(&self, needle: &str) -> bool {
        self.seen.lock().unwrap().watched.iter().any(|(n, seen)| n == needle && *seen)
    }

    pub fn wait_saw(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.saw(needle) {
            assert!(Instant::now() < deadline, "'{needle}' never appeared; the screen:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// The bytes sent since the app last entered the alternate screen.
    pub fn after_alternate_screen(&self) -> Vec<u8> {
        let seen = self.seen.lock().unwrap();
        let start = find_last(&seen.bytes, ENTER_ALTERNATE).map_or(0, |i| i + ENTER_ALTERNATE.len());
        seen.bytes[start..].to_vec()
    }

    /// Leaving the alternate screen and showing the cursor, both after the last entry.
    pub fn restore_sent(&self) -> bool {
        let tail = self.after_alternate_screen();
        find_last(&tail, LEAVE_ALTERNATE).is_some() && find_last(&tail, SHOW_CURSOR).is_some()
    }

    /// Everything a user would check after piket ended: back on the main screen, the cursor
    /// visible, the line discipline cooked again (echo, line editing), and a clean exit.
    pub fn assert_restored(&mut self, how: &str) {
        let status = self.wait_exit();
        assert!(status.success(), "piket ended with {status:?} after {how}");
        assert!(self.left_alternate_screen(), "still on the alternate screen after {how}");
        assert!(!self.screen.lock().unwrap().screen().hide_cursor(), "the cursor is hidden after {how}");
        assert_eq!(
            local_flags(&*self._pair.master),
            self.cooked,
            "the terminal is left in raw mode after {how}"
        );
    }
}

const ENTER_ALTERNATE: &[u8] = b"\x1b[?1049h";
const LEAVE_ALTERNATE: &[u8] = b"\x1b[?1049l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

pub fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The terminal's local mode flags as the kernel holds them; raw mode clears ICANON and ECHO.
pub fn local_flags(master: &dyn portable_pty::MasterPty) -> u32 {
    let flags = master.get_termios().unwrap().local_flags.bits();
    flags & (nix::libc::ICANON | nix::libc::ECHO | nix::libc::ISIG | nix::libc::IEXTEN)
}
