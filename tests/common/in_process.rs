//! A piket server in this process: the real `serve_with` on a runtime of its own, for tests
//! and benches that want the engine at hand. Benches include this file too
//! (`benches/common/mod.rs`), so it uses nothing but the crate and std.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use piket::domain::Policy;
use piket::engine::Engine;
use piket::server::{AlertServerOptions, ServerOptions};
use piket::store::StoreOptions;

/// Only a safety net for a server that never listens.
const PATIENCE: Duration = Duration::from_secs(90);

/// The server, stopped and joined when dropped.
pub struct InProcess {
    pub socket: PathBuf,
    /// The TCP listener's address, when `alerts` asked for one.
    pub tcp: Option<SocketAddr>,
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl InProcess {
    /// Serve `engine` on `options.socket` (and on TCP if `alerts` has a listener) with two
    /// worker threads; returns once the socket (and the TCP port) accept connections.
    pub fn start(engine: Arc<Engine>, options: ServerOptions, alerts: AlertServerOptions) -> Self {
        let socket = options.socket.clone();
        let tcp = alerts.tcp.as_ref().map(|t| t.listen);
        let (stop, _) = tokio::sync::watch::channel(false);
        let tx = stop.clone();
        let thread = std::thread::spawn(move || {
            let rt =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(piket::server::serve_with(engine, options, alerts, tx)).unwrap();
        });
        let began = Instant::now();
        while UnixStream::connect(&socket).is_err() || tcp.is_some_and(|a| TcpStream::connect(a).is_err()) {
            assert!(!thread.is_finished(), "the server stopped before it listened");
            assert!(began.elapsed() < PATIENCE, "the server never listened");
            std::thread::sleep(Duration::from_millis(5));
        }
        Self { socket, tcp, stop, thread: Some(thread) }
    }

    /// [`start`](Self::start) on the socket alone.
    pub fn on_socket(engine: Arc<Engine>, options: ServerOptions) -> Self {
        Self::start(engine, options, AlertServerOptions::default())
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// `piket.sock` in `dir`, no socket group, nobody read-only.
pub fn socket_options(dir: &Path) -> ServerOptions {
    ServerOptions { socket: dir.join("piket.sock"), socket_group: None, read_only: vec![] }
}

/// The engine on `dir/piket.redb` with the default store options.
pub fn open_engine(dir: &Path, policy: Policy) -> Arc<Engine> {
    Arc::new(Engine::open(&dir.join("piket.redb"), &StoreOptions::default(), policy).unwrap())
}

/// A token file `dir/token` holding `text`, private (the server refuses any other mode).
pub fn token_file(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("token");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// A loopback port free at the time of asking.
pub fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}
