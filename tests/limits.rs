//! The limits that keep the queue usable, and the deployment that works as shipped, through
//! the real binary and real sockets: idle and half-sent connections closed at their timeout,
//! a peer over its cap refused while others are answered, a change feed that outlives the idle
//! timeout, TLS on the TCP listener, the token reloaded on SIGHUP, and the systemd unit checked
//! against what the features need.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::PATIENCE;
use crate::common::cli::{Piket, Served};
use crate::common::in_process::token_file;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;

const TOKEN: &str = "first-token-0123456789";

/// `piket serve` through the binary, its log collected.
struct Server {
    served: Served,
    p: Piket,
}

impl Server {
    /// `piket serve` with `[server]` set to `server_toml` (`TOKEN_FILE` stands for the token
    /// file, `DIR` for the data dir), waiting until it says it is serving.
    fn start(server_toml: &str) -> Self {
        let p = Piket::new("");
        let token = token_file(p.dir(), TOKEN);
        let toml = server_toml
            .replace("TOKEN_FILE", token.to_str().unwrap())
            .replace("DIR", p.dir().to_str().unwrap());
        p.write_config(&format!("[server]\n{toml}\n"));
        let s = Self { served: p.serve(), p };
        s.wait_line("serving");
        s
    }

    /// The first stderr line containing `text`, waiting for it if need be.
    fn wait_line(&self, text: &str) -> String {
        self.served.wait_line(&format!("the server to say {text:?}"), |l| l.contains(text))
    }

    fn socket(&self) -> PathBuf {
        self.p.socket()
    }

    fn token_file(&self) -> PathBuf {
        self.p.path("token")
    }

    /// The log line naming the TCP listener.
    fn tcp_line(&self) -> String {
        self.wait_line("alert receivers on")
    }

    /// The TCP address, read back from the log (the config binds port 0).
    fn tcp_addr(&self) -> String {
        let line = self.tcp_line();
        let url = line.split_whitespace().find(|w| w.contains("://")).unwrap();
        url.split("://").nth(1).unwrap().trim_end_matches('/').to_owned()
    }

    fn piket(&self, args: &[&str]) -> std::process::Output {
        self.p.run(args)
    }

    fn signal(&self, sig: nix::sys::signal::Signal) {
        self.served.signal(sig);
    }

    /// SIGTERM, then every stderr line.
    fn stop(self) -> Vec<String> {
        self.served.stop().1
    }
}

fn unix(socket: &Path) -> UnixStream {
    let s = UnixStream::connect(socket).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    s
}

fn tcp(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    s
}

/// Read until the server closes the connection; returns what it sent. A read that times out
/// (the safety net) fails the test: the server never closed it.
fn read_to_close(mut s: impl Read) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return String::from_utf8_lossy(&out).into_owned(),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return String::from_utf8_lossy(&out).into_owned();
            }
            Err(e) => panic!(
                "the server did not close the connection: {e}; got {:?}",
                String::from_utf8_lossy(&out)
            ),
        }
    }
}

fn post(path: &str, auth: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nhost: piket\r\nauthorization: {auth}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn status(response: &str) -> u16 {
    response.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[test]
fn idle_and_half_sent_connections_are_closed_at_their_timeout() {
    let s = Server::start(
        "header-timeout = \"1s\"\nbody-timeout = \"1s\"\nlisten = \"127.0.0.1:0\"\ntoken-file = \"TOKEN_FILE\"",
    );
    let addr = s.tcp_addr();
    // Nothing sent at all, on both listeners (on TCP no token is needed to open one).
    let idle_unix = unix(&s.socket());
    let idle_tcp = tcp(&addr);
    // Half a request head.
    let mut half_head = unix(&s.socket());
    half_head.write_all(b"GET /v1/health HTTP/1.1\r\nhost: piket\r\n").unwrap();
    // A whole head and half its body.
    let mut half_body = tcp(&addr);
    half_body
        .write_all(
            format!("POST /v1/alerts HTTP/1.1\r\nhost: piket\r\nauthorization: Bearer {TOKEN}\r\ncontent-length: 100\r\n\r\n{{\"title\"")
                .as_bytes(),
        )
        .unwrap();
    // A kept-alive connection that answered one request, then went quiet.
    let mut kept = unix(&s.socket());
    kept.write_all(b"GET /v1/health HTTP/1.1\r\nhost: piket\r\n\r\n").unwrap();

    assert_eq!(read_to_close(idle_unix), "");
    assert_eq!(read_to_close(idle_tcp), "");
    assert_eq!(read_to_close(half_head).trim(), "", "a head never finished gets no answer");
    let answered = read_to_close(half_body);
    assert_eq!(status(&answered), 400, "{answered}");
    let kept = read_to_close(kept);
    assert_eq!(status(&kept), 200, "{kept}");
    // The server still answers everyone else.
    let out = s.piket(&["list"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_peer_over_its_cap_is_refused_while_another_still_answers() {
    let s = Server::start(
        "header-timeout = \"10m\"\nmax-connections-per-peer = 3\nlisten = \"127.0.0.1:0\"\ntoken-file = \"TOKEN_FILE\"",
    );
    let addr = s.tcp_addr();
    // 127.0.0.1 takes its three places and holds them.
    let held: Vec<TcpStream> = (0..3).map(|_| tcp(&addr)).collect();
    // A fourth, and more: each answered 503 and closed at once.
    for _ in 0..4 {
        let extra = tcp(&addr);
        let refused = read_to_close(extra);
        assert_eq!(status(&refused), 503, "{refused}");
        assert!(refused.contains("too_many_connections"), "{refused}");
    }
    // Another peer (this user on the socket) is answered meanwhile.
    let out = s.piket(&["list"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A place freed is a place taken again.
    drop(held);
    let mut again = None;
    for _ in 0..1000 {
        let mut t = tcp(&addr);
        t.write_all(format!("GET /v1/health HTTP/1.1\r\nhost: piket\r\nauthorization: Bearer {TOKEN}\r\nconnection: close\r\n\r\n").as_bytes()).unwrap();
        let r = read_to_close(t);
        if status(&r) == 200 {
            again = Some(r);
            break;
        }
    }
    assert!(again.is_some(), "the freed places were never given back");
    let log = s.stop();
    let refusals: Vec<_> = log.iter().filter(|l| l.contains("refused a connection from 127.0.0.1")).collect();
    assert_eq!(refusals.len(), 1, "one log line per peer per minute, not per connection: {log:#?}");
    assert!(refusals[0].contains("max-connections-per-peer"), "{}", refusals[0]);
}

#[test]
fn the_change_feed_outlives_the_idle_timeout() {
    let s = Server::start("header-timeout = \"1s\"");
    let mut feed = unix(&s.socket());
    feed.write_all(b"GET /v1/changes HTTP/1.1\r\nhost: piket\r\n\r\n").unwrap();
    let mut reader = BufReader::new(feed);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    // An idle connection opened after the feed: once it is closed, the timeout has passed
    // for the feed too.
    assert_eq!(read_to_close(unix(&s.socket())), "");
    let out = s.piket(&["new", "still listening", "-i", "low", "-u", "low", "--severity", "4"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut seen = String::new();
    while !seen.contains("\"incident\"") {
        let mut l = String::new();
        let n = reader.read_line(&mut l).unwrap();
        assert!(n > 0, "the feed was closed; it had sent {seen}");
        seen.push_str(&l);
    }
}

fn openssl_cert(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
        ])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        // A leaf, not a CA: webpki refuses a CA certificate as the server's own.
        .args(["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is needed to make a test certificate");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    (cert, key)
}

/// One request over TLS, trusting only `cert`; the whole response.
fn tls_request(addr: &str, cert: &Path, request: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::CertificateDer;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(cert).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let addr = addr.to_owned();
    rt.block_on(async move {
        let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut tls =
            tokio_rustls::TlsConnector::from(std::sync::Arc::new(config)).connect(name, tcp).await.unwrap();
        tls.write_all(request.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(PATIENCE, tls.read_to_end(&mut out)).await.unwrap();
        String::from_utf8_lossy(&out).into_owned()
    })
}

#[test]
fn an_alert_is_posted_over_tls_with_a_lower_case_bearer() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_cert(certs.path());
    let s = Server::start(&format!(
        "listen = \"127.0.0.1:0\"\ntoken-file = \"TOKEN_FILE\"\ntls-cert = \"{}\"\ntls-key = \"{}\"",
        cert.display(),
        key.display()
    ));
    let line = s.tcp_line();
    assert!(line.contains("https://"), "{line}");
    let addr = s.tcp_addr();
    let body = r#"{"title": "disk full over tls", "service": "db", "dedup_key": "db/disk"}"#;
    let r = tls_request(&addr, &cert, post("/v1/alerts", &format!("bearer {TOKEN}"), body));
    assert_eq!(status(&r), 200, "{r}");
    assert!(r.contains("opened"), "{r}");
    let list = s.piket(&["list"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("disk full over tls"));
    // Plain HTTP on the TLS port is not served.
    let mut plain = tcp(&addr);
    plain.write_all(post("/v1/alerts", &format!("Bearer {TOKEN}"), body).as_bytes()).unwrap();
    assert_eq!(status(&read_to_close(plain)), 0);
}

#[test]
fn sighup_reloads_the_token_and_keeps_it_when_the_new_file_is_refused() {
    let s = Server::start("listen = \"127.0.0.1:0\"\ntoken-file = \"TOKEN_FILE\"");
    let addr = s.tcp_addr();
    let health = |token: &str| {
        let mut t = tcp(&addr);
        t.write_all(
            format!("GET /v1/health HTTP/1.1\r\nhost: piket\r\nauthorization: Bearer {token}\r\nconnection: close\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
        status(&read_to_close(t))
    };
    assert_eq!(health(TOKEN), 200);
    let new = "second-token-9876543210";
    std::fs::write(s.token_file(), new).unwrap();
    s.signal(nix::sys::signal::Signal::SIGHUP);
    s.wait_line("reloaded the token");
    assert_eq!(health(new), 200);
    assert_eq!(health(TOKEN), 401, "the old token still works after a reload");
    // A file others can read is refused on reload too: the token in force stays.
    std::fs::write(s.token_file(), "third-token-abcdefghijk").unwrap();
    std::fs::set_permissions(s.token_file(), std::fs::Permissions::from_mode(0o644)).unwrap();
    s.signal(nix::sys::signal::Signal::SIGHUP);
    let kept = s.wait_line("kept the old token");
    assert!(kept.contains("chmod 600"), "{kept}");
    assert_eq!(health(new), 200);
    assert_eq!(health("third-token-abcdefghijk"), 401);
    // SIGHUP did not stop the server; SIGTERM still does.
    let log = s.stop();
    assert!(log.iter().any(|l| l.contains("stopped")), "{log:#?}");
}

/// The address families a config needs: the socket always; the TCP listener's family; both
/// IP families for webhook notifiers (a name may resolve to either).
fn needed_families(config: &piket::config::Config) -> Vec<&'static str> {
    let mut out = vec!["AF_UNIX"];
    match config.server.listen {
        Some(std::net::SocketAddr::V4(_)) => out.push("AF_INET"),
        Some(std::net::SocketAddr::V6(_)) => out.push("AF_INET6"),
        None => {}
    }
    if config.notifiers.iter().any(|n| matches!(n.kind, piket::server::notify::NotifierKind::Webhook { .. }))
    {
        out.extend(["AF_INET", "AF_INET6"]);
    }
    out
}

#[test]
fn the_systemd_unit_allows_what_the_features_need_and_raises_the_descriptor_limit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit = std::fs::read_to_string(root.join("assets/piket.service")).unwrap();
    let setting = |key: &str| {
        let values: Vec<&str> =
            unit.lines().filter_map(|l| l.trim().strip_prefix(key)?.strip_prefix('=')).collect();
        assert_eq!(values.len(), 1, "{key} is set {} times in the unit", values.len());
        values[0].trim().to_owned()
    };
    let families = setting("RestrictAddressFamilies");
    let allowed: Vec<&str> = families.split_whitespace().collect();
    assert!(!families.starts_with('~'), "a deny list is not what the features were checked against");
    // The shipped unit serves any shipped config: the fixtures with a TCP listener and with
    // webhook notifiers, and the example.
    for fixture in [
        "tests/config_fixtures/valid/full.toml",
        "tests/config_fixtures/valid/rota.toml",
        "config.example.toml",
    ] {
        let config = piket::config::Config::load(Some(&root.join(fixture))).unwrap().config;
        for family in needed_families(&config) {
            assert!(allowed.contains(&family), "{fixture} needs {family}; the unit allows {families}");
        }
    }
    let nofile: u64 = setting("LimitNOFILE").parse().expect("LimitNOFILE is a number");
    let caps = piket::server::listen::Caps::from_nofile(
        nofile,
        piket::server::listen::Limits::default().connections_per_peer,
    );
    assert!(nofile >= 4096, "LimitNOFILE={nofile} leaves too few descriptors for a team");
    assert!(caps.total < usize::try_from(nofile).unwrap() && caps.total >= 2000, "{caps:?} under {nofile}");
    assert!(caps.per_peer < caps.total);
}
