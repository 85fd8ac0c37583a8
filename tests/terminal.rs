//! Terminal honesty through the real binary in a pseudo-terminal: with LANG=C and
//! TERM=xterm-16color piket writes only the 16 ANSI colours (no 256-colour or RGB escapes)
//! and draws its screen in ASCII.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use crate::common::pty::piket;

/// Only a safety net for a hang, never a deadline a busy machine has to meet.
const WAIT_LIMIT: Duration = Duration::from_secs(120);

/// Stops the server started for the data dir, however the test ends.
struct Server<'a>(&'a Path, &'a Path);

impl Drop for Server<'_> {
    fn drop(&mut self) {
        let _ = piket(self.0, self.1, &["server", "stop"]);
    }
}

/// The parameters of every SGR sequence (`ESC [ ... m`) in `bytes`.
fn sgr_params(bytes: &[u8]) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == 0x1b && bytes[i + 1] == b'[' {
            let start = i + 2;
            let mut j = start;
            while j < bytes.len() && !(0x40..=0x7e).contains(&bytes[j]) {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'm' {
                let text = String::from_utf8_lossy(&bytes[start..j]);
                out.push(text.split(';').map(|p| p.parse().unwrap_or(0)).collect());
            }
            i = j;
        }
        i += 1;
    }
    out
}

#[test]
fn lang_c_and_a_16_colour_terminal_get_ascii_and_16_colours() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("piket-data");
    let out = piket(
        home.path(),
        &data,
        &["new", "Disk full on db-1", "-i", "high", "-u", "high", "--severity", "2"],
    );
    assert!(out.status.success(), "piket new: {}", String::from_utf8_lossy(&out.stderr));
    let _server = Server(home.path(), &data);

    let (rows, cols) = (24, 80);
    let pair = native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_piket"));
    cmd.args(["--data-dir", data.to_str().unwrap()]);
    cmd.env("HOME", home.path());
    cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
    cmd.env("TZ", "UTC");
    cmd.env("TERM", "xterm-16color");
    cmd.env("LANG", "C");
    for var in
        ["LC_ALL", "LC_CTYPE", "COLORTERM", "NO_COLOR", "PIKET_CONFIG", "PIKET_DATA_DIR", "PIKET_SOCKET"]
    {
        cmd.env_remove(var);
    }
    cmd.cwd(home.path());
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let screen = Arc::new(Mutex::new(vt100::Parser::new(
        std::num::NonZero::new(rows).unwrap(),
        std::num::NonZero::new(cols).unwrap(),
        0,
    )));
    let bytes = Arc::new(Mutex::new(Vec::<u8>::new()));
    let (sink, log) = (Arc::clone(&screen), Arc::clone(&bytes));
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().process(&buf[..n]);
            log.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });

    // The queue with its incident, its status glyph in ASCII.
    let deadline = Instant::now() + WAIT_LIMIT;
    let text = loop {
        let text = screen.lock().unwrap().screen().contents();
        if text.contains("Disk full on db-1") && text.contains("* triggered") {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "the queue never showed the incident in ASCII; the screen:\n{text}"
        );
        if let Ok(Some(status)) = child.try_wait() {
            panic!("piket exited ({status:?}); the screen:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(30));
    };
    let foreign: String = text.chars().filter(|c| !c.is_ascii()).collect();
    assert!(foreign.is_empty(), "not ASCII on screen: {foreign:?}; the screen:\n{text}");
    assert!(text.contains("+-"), "no ASCII box drawing on screen:\n{text}");

    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    let deadline = Instant::now() + WAIT_LIMIT;
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "piket did not quit");
        std::thread::sleep(Duration::from_millis(30));
    }

    let bytes = bytes.lock().unwrap().clone();
    for needle in ["38;5;", "48;5;", "38;2;", "48;2;"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "a 256-colour or RGB escape ({needle}) was written to a 16-colour terminal"
        );
    }
    // The colours are there, in the 16-colour form.
    let sgr = sgr_params(&bytes);
    assert!(
        sgr.iter().flatten().any(|p| matches!(p, 30..=37 | 90..=97)),
        "no 16-colour foreground was written: {sgr:?}"
    );
    assert!(sgr.iter().flatten().all(|p| !matches!(p, 38 | 48)), "an extended colour was written: {sgr:?}");
}
