//! The real `piket` binary as a user or a script runs it, kept apart from this machine's own
//! piket: a temp dir holds the config and the data dir (and so the socket, and the server the
//! first command starts), HOME and the XDG dirs point into it, and no `PIKET_*` variable of the
//! environment reaches the command.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::{wait_for, wait_until};

/// `piket` with `data` as its data dir and `config` as its config file (`PIKET_CONFIG`),
/// HOME and the XDG dirs under `home`, nothing else from the environment's piket settings.
pub fn command(data: &Path, config: &Path, home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_piket"));
    c.arg("--data-dir").arg(data);
    c.env("PIKET_CONFIG", config);
    isolate(&mut c, home);
    c
}

/// Keep `c` from the environment's piket: HOME and XDG_RUNTIME_DIR under `home`, the other XDG
/// dirs derived from it, no `PIKET_DATA_DIR` or `PIKET_SOCKET`.
pub fn isolate(c: &mut Command, home: &Path) {
    c.env("HOME", home).env("XDG_RUNTIME_DIR", home.join("run"));
    for var in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"] {
        c.env_remove(var);
    }
    c.env_remove("PIKET_DATA_DIR");
    c.env_remove("PIKET_SOCKET");
}

/// A temp dir with `config.toml`, and the binary pointed at it in `Europe/Amsterdam`. The
/// server the first command starts is stopped when this drops, pass or fail.
pub struct Piket {
    dir: tempfile::TempDir,
    data: PathBuf,
    /// The config is given as `--config` (as a script or CI would) instead of `PIKET_CONFIG`.
    config_flag: bool,
    /// Commands run inside the temp dir (else in the package, where fixtures are named from).
    inside: bool,
}

impl Drop for Piket {
    fn drop(&mut self) {
        if self.data.exists() {
            let _ = self.cmd(&["server", "stop"]).output();
        }
    }
}

impl Piket {
    /// The temp dir is the data dir; `config` is its config file.
    pub fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        let data = dir.path().to_owned();
        Self { dir, data, config_flag: false, inside: false }
    }

    /// The data dir is `data/` in the temp dir, made only by a command that needs it; the
    /// config is passed with `--config`.
    pub fn with_data_inside(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        let data = dir.path().join("data");
        Self { dir, data, config_flag: true, inside: false }
    }

    /// Run commands from inside the temp dir, so relative paths they write land there.
    pub fn inside(mut self) -> Self {
        self.inside = true;
        self
    }

    /// The temp dir.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `name` in the temp dir.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn data(&self) -> &Path {
        &self.data
    }

    pub fn config(&self) -> PathBuf {
        self.path("config.toml")
    }

    /// Replace the config file.
    pub fn write_config(&self, text: &str) {
        std::fs::write(self.config(), text).unwrap();
    }

    pub fn socket(&self) -> PathBuf {
        self.data.join("piket.sock")
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = command(&self.data, &self.config(), &self.path("home"));
        if self.config_flag {
            c.arg("--config").arg(self.config()).env_remove("PIKET_CONFIG");
        }
        c.args(args);
        c.env("TZ", "Europe/Amsterdam");
        if self.inside {
            c.current_dir(self.dir.path());
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Run, expect exit code `code`; (stdout, stderr).
    pub fn code(&self, args: &[&str], code: i32) -> (String, String) {
        let out = self.run(args);
        let (stdout, stderr) =
            (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap());
        assert_eq!(
            out.status.code(),
            Some(code),
            "piket {args:?} exited {:?}:\nstdout {stdout}\nstderr {stderr}",
            out.status.code()
        );
        (stdout, stderr)
    }

    /// Run, expect success; stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.code(args, 0).0
    }

    /// Run, expect exit code `code`; stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        self.code(args, code).1
    }

    /// Run with `--json`, expect success; the JSON printed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        serde_json::from_str(&self.ok(&a)).unwrap()
    }

    /// `piket serve` in the foreground, answering on its socket; killed when dropped. Fails the
    /// test, with what it wrote, if it exits first.
    pub fn serve(&self) -> Served {
        self.serve_with(self.cmd(&["serve"]))
    }

    /// [`serve`](Self::serve) with a command of the caller's (another socket, another user).
    pub fn serve_with(&self, cmd: Command) -> Served {
        let mut served = Served::spawn(cmd);
        served.wait_for_socket(&self.socket());
        served
    }
}

/// A `piket serve` process whose stderr (its log) is collected line by line; killed and reaped
/// when dropped.
pub struct Served {
    child: Option<Child>,
    log: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    /// Spawn `cmd` with stdout dropped and stderr collected.
    pub fn spawn(mut cmd: Command) -> Self {
        let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let log = Arc::new(Mutex::new(Vec::<String>::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                sink.lock().unwrap().push(line);
            }
        });
        Self { child: Some(child), log, reader: Some(reader) }
    }

    /// Until `socket` accepts a connection; fails, with the log, if the server exits first.
    pub fn wait_for_socket(&mut self, socket: &Path) {
        let (child, log) = (self.child.as_mut().unwrap(), &self.log);
        wait_until("the socket to answer", || {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("piket serve exited with {status} before answering: {:#?}", log.lock().unwrap());
            }
            std::os::unix::net::UnixStream::connect(socket).is_ok()
        });
    }

    /// The first line of the log (so far or to come) that `pred` accepts.
    pub fn wait_line(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        wait_for(what, || self.log.lock().unwrap().iter().find(|l| pred(l)).cloned())
    }

    /// Every line of the log so far that `pred` accepts.
    pub fn lines(&self, pred: impl Fn(&str) -> bool) -> Vec<String> {
        self.log.lock().unwrap().iter().filter(|l| pred(l)).cloned().collect()
    }

    /// The log so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.as_ref().unwrap().id()).unwrap()
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), sig).unwrap();
    }

    /// Until the process exits by itself; its status and every line it wrote.
    pub fn wait(mut self) -> (ExitStatus, Vec<String>) {
        let mut child = self.child.take().unwrap();
        let status = wait_for("the server to exit", || child.try_wait().unwrap());
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        (status, self.log())
    }

    /// SIGTERM, then [`wait`](Self::wait).
    pub fn stop(self) -> (ExitStatus, Vec<String>) {
        self.signal(nix::sys::signal::Signal::SIGTERM);
        self.wait()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
