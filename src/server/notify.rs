//! Paging people: one configured notifier, one page, a bounded number of attempts.
//!
//! A page is the moment piket reaches outside itself, so every way it can go wrong has to end:
//! a program that hangs is killed with everything it started, a webhook that never answers is
//! abandoned, and the caller always gets a [`PageResult`] in bounded time (see [`page`]) to
//! record on the incident's timeline.
//!
//! Untrusted text (titles come from alert labels) never reaches a shell: a command notifier runs
//! `argv[0]` directly and substitutes placeholders inside each argument, so a title like
//! `$(rm -rf ~)` arrives as those literal characters in one argument. Error strings go on a
//! terminal timeline, so they are single-line and sanitized; they name a webhook's host and
//! port but never its path, which for Slack-style hooks is the secret.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};

mod settings;

use crate::domain::text::sanitize_line;
use crate::domain::{IncidentId, Priority, Severity};
pub use settings::{
    NotifierKind, NotifierSettings, PLACEHOLDERS, UNTRUSTED_AT_START, WebhookFormat, placeholders,
    substitute, untrusted_start, validate_argv,
};

/// What one page is about. Built by the escalation scheduler from an incident and a person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PageRequest {
    pub incident: IncidentId,
    /// Untrusted: may come from alert labels.
    pub title: String,
    pub priority: Priority,
    pub severity: Severity,
    pub service: Option<String>,
    /// 1-based escalation level.
    pub level: u32,
    /// The person's name from config.
    pub person: String,
    /// The person's contact handle for this notifier.
    pub handle: String,
}

impl PageRequest {
    /// The one line a person reads on their phone; control characters removed because the
    /// title is untrusted and the line may also be shown on a terminal.
    #[must_use]
    pub fn message(&self) -> String {
        let service = self.service.as_deref().map(|s| format!(" [{s}]")).unwrap_or_default();
        let line = format!(
            "{} {} {}{service} {} (escalation level {})",
            self.incident, self.priority, self.severity, self.title, self.level
        );
        sanitize_line(&line).into_owned()
    }

    /// The value of a placeholder name (without braces). Values are sanitized: a NUL cannot
    /// travel in an argument or environment variable at all, and escape sequences would reach
    /// whatever terminal or phone the program writes to.
    fn value(&self, name: &str) -> Option<String> {
        let raw = match name {
            "person" => self.person.clone(),
            "handle" => self.handle.clone(),
            "incident" => self.incident.to_string(),
            "title" => self.title.clone(),
            "priority" => self.priority.to_string(),
            "severity" => self.severity.to_string(),
            "service" => self.service.clone().unwrap_or_default(),
            "level" => self.level.to_string(),
            "message" => return Some(self.message()),
            _ => return None,
        };
        Some(sanitize_line(&raw).into_owned())
    }
}

/// How one page through one notifier ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageResult {
    pub notifier: String,
    pub person: String,
    pub attempts: u32,
    /// `None`: delivered. Otherwise the last attempt's failure, one sanitized line.
    pub error: Option<String>,
}

/// Run one notifier for one page: the attempt, then up to `retries` more with exponential
/// backoff (backoff, 2*backoff, ...), each attempt bounded by `timeout`. Never panics, never
/// hangs longer than (retries+1)*timeout + total backoff, plus for a command a moment per
/// attempt (at most [`OUTPUT_GRACE`] to collect its last output, or [`REAP_GRACE`] to reap it
/// once killed).
pub async fn page(n: &NotifierSettings, req: &PageRequest) -> PageResult {
    let done = |attempts: u32, error: Option<String>| PageResult {
        notifier: n.name.clone(),
        person: req.person.clone(),
        attempts,
        error,
    };
    let mut retried: u32 = 0;
    let mut delay = n.backoff;
    loop {
        let outcome = match &n.kind {
            NotifierKind::Command { argv } => run_command(argv, req, n.timeout).await,
            NotifierKind::Webhook { url, format, token_file } => {
                tokio::time::timeout(n.timeout, post_webhook(url, *format, token_file.as_deref(), req))
                    .await
                    .unwrap_or_else(|_| Err(format!("timed out after {}", human(n.timeout))))
            }
            NotifierKind::File { path } => {
                let (path, line) = (path.clone(), file_line(req));
                let write = tokio::task::spawn_blocking(move || append_line(&path, &line));
                match tokio::time::timeout(n.timeout, write).await {
                    Ok(Ok(r)) => r,
                    Ok(Err(e)) => Err(format!("the write failed: {e}")),
                    Err(_) => Err(format!("timed out after {}", human(n.timeout))),
                }
            }
        };
        match outcome {
            Ok(()) => return done(retried.saturating_add(1), None),
            Err(e) if retried >= n.retries => return done(retried.saturating_add(1), Some(one_line(&e))),
            Err(_) => {
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
                retried += 1;
            }
        }
    }
}

/// The line a file notifier appends: when (UTC), whom, through which handle, and the message
/// (sanitised: one line, no escapes, so `tail -f` on a terminal is safe).
fn file_line(req: &PageRequest) -> String {
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let handle =
        if req.handle.is_empty() { String::new() } else { format!(" ({})", sanitize_line(&req.handle)) };
    format!("{at} page {}{handle}: {}\n", sanitize_line(&req.person), req.message())
}

/// Append `line` to the file at `path`, creating it exclusively (0600) the first time; an
/// existing file is used only when it is this user's regular file, never through a link.
fn append_line(path: &Path, line: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut file = crate::files::open_kept(path, crate::files::Access::Private, crate::files::Reopen::Append)
        .map_err(|e| e.to_string())?;
    file.write_all(line.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Check a webhook URL when the config is loaded.
///
/// # Errors
/// The URL does not parse, is not http or https, has no host, or carries a user name or
/// password (use `token-file` instead, which stays out of the config file).
pub fn validate_url(url: &str) -> Result<(), String> {
    Target::parse(url).map(|_| ())
}

/// Substitute placeholders in one left-to-right pass: a value that itself contains `{person}`
/// is copied as it is, never expanded again.
fn expand(template: &str, req: &PageRequest) -> String {
    substitute(template, |name| req.value(name))
}

/// The program's arguments, placeholders expanded. Untrusted text never begins an argument as
/// an option: where `{title}` or `{service}` begins an argument with no `--` before it (the
/// config loader refuses that; settings built in code may not), a leading '-' of the expanded
/// argument becomes U+2010 HYPHEN, which reads the same on a phone and is no option to a
/// program.
fn arguments(argv: &[String], req: &PageRequest) -> Vec<String> {
    let mut operands = false;
    argv.iter()
        .skip(1)
        .map(|template| {
            let arg = expand(template, req);
            let guarded = match arg.strip_prefix('-') {
                Some(rest) if !operands && untrusted_start(template).is_some() => format!("\u{2010}{rest}"),
                _ => arg,
            };
            operands |= template == "--";
            guarded
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Command

/// How much of a failed program's output goes into the error: enough for its last complaint.
const OUTPUT_TAIL: usize = 2048;
/// After the program exits, how long to wait for output still in its pipes. A background
/// process it left behind may hold them open forever.
pub(crate) const OUTPUT_GRACE: Duration = Duration::from_millis(200);
/// After a killed program, how long to wait to reap it.
pub(crate) const REAP_GRACE: Duration = Duration::from_secs(1);

/// One run of the program, bounded by `limit`; on a timeout its process group is killed and the
/// program reaped before this returns.
async fn run_command(argv: &[String], req: &PageRequest, limit: Duration) -> Result<(), String> {
    let Some(program) = argv.first().filter(|p| !p.is_empty()) else {
        return Err("the command is empty: nothing to run".to_owned());
    };
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(arguments(argv, req))
        .envs(
            PLACEHOLDERS.iter().filter_map(|p| Some((format!("PIKET_{}", p.to_uppercase()), req.value(p)?))),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // If the page itself is abandoned (the server stops), the program goes with it.
        .kill_on_drop(true)
        // Its own process group, so a timeout kills what a script started too, and a Ctrl-C
        // meant for a foreground `piket serve` does not reach it.
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| format!("cannot run {program}: {}", io_reason(&e)))?;
    let mut group = GroupKiller(child.id().and_then(|id| i32::try_from(id).ok()));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let waited = {
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let mut drain = Box::pin(async {
            tokio::join!(read_tail(stdout, &mut out), read_tail(stderr, &mut err));
        });
        let mut drained = false;
        let waited = tokio::time::timeout(limit, async {
            let exited = tokio::select! {
                status = child.wait() => Some(status),
                () = &mut drain => None,
            };
            match exited {
                Some(status) => status,
                None => {
                    drained = true;
                    child.wait().await
                }
            }
        })
        .await;
        // The program has exited: collect what is still in its pipes, but not for long, since a
        // background process it left behind may hold them open. Outside `limit`, so a program
        // that succeeded just in time is not reported as timed out.
        if waited.is_ok() && !drained {
            let _ = tokio::time::timeout(OUTPUT_GRACE, &mut drain).await;
        }
        waited
    };
    let Ok(status) = waited else {
        group.kill();
        let _ = child.start_kill();
        // SIGKILL ends a process at once unless it is stuck in the kernel; then tokio reaps it
        // later (kill_on_drop), rather than this page waiting on it.
        let _ = tokio::time::timeout(REAP_GRACE, child.wait()).await;
        let said = said(&out, &err);
        let how = format!("timed out after {}", human(limit));
        return Err(if said.is_empty() { how } else { format!("{how}: {said}") });
    };
    // Reaped: the group id may now belong to someone else, so it must not be signalled.
    group.0 = None;
    let status = status.map_err(|e| format!("cannot wait for {program}: {}", io_reason(&e)))?;
    if status.success() {
        return Ok(());
    }
    let how = match (status.code(), std::os::unix::process::ExitStatusExt::signal(&status)) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => format!(
            "killed by signal {}",
            nix::sys::signal::Signal::try_from(sig).map_or_else(|_| sig.to_string(), |s| s.to_string())
        ),
        (None, None) => format!("ended with {status}"),
    };
    let said = said(&out, &err);
    Err(if said.is_empty() { how } else { format!("{how}: {said}") })
}

/// What a failed program said: its stderr, or its stdout when stderr is empty (some tools
/// report errors on stdout).
fn said(out: &[u8], err: &[u8]) -> String {
    let err = tail_text(err);
    if err.is_empty() { tail_text(out) } else { err }
}

/// Kills the child's whole process group, on a timeout and also when the page itself is
/// abandoned mid-run (dropped): tokio's `kill_on_drop` reaches only the program, this reaches
/// what it started. Disarmed once the program is reaped, when its group id may be reused.
struct GroupKiller(Option<i32>);

impl GroupKiller {
    fn kill(&mut self) {
        if let Some(pgid) = self.0.take() {
            let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), nix::sys::signal::SIGKILL);
        }
    }
}

impl Drop for GroupKiller {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Read `r` to its end, keeping only the last [`OUTPUT_TAIL`] bytes: a chatty program must not
/// grow the server's memory.
async fn read_tail(r: Option<impl AsyncRead + Unpin>, keep: &mut Vec<u8>) {
    let Some(mut r) = r else { return };
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = r.read(&mut buf).await {
        keep.extend_from_slice(&buf[..n]);
        if keep.len() > OUTPUT_TAIL {
            keep.drain(..keep.len() - OUTPUT_TAIL);
        }
    }
}

fn tail_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    // A cut in the middle of a character shows as a replacement character: drop it.
    one_line(text.trim_start_matches('\u{fffd}'))
}

// ---------------------------------------------------------------------------------------------
// Webhook

/// How much of an error answer's body is read: the error shows its first 200 characters.
const BODY_PEEK: usize = 4096;
const BODY_SHOWN: usize = 200;

/// A webhook URL taken apart: where to connect and what to ask for.
struct Target {
    tls: bool,
    host: String,
    port: u16,
    /// `Host` header value: host and port as written.
    authority: String,
    path: String,
}

impl Target {
    /// Errors never repeat the URL: its path may be the secret (Slack-style hooks), and an
    /// error may end up on a timeline.
    fn parse(url: &str) -> Result<Self, String> {
        // The scheme first: `file:///x` is not even a valid http URI, and "use https" is the
        // more useful thing to say about it.
        let tls = match url.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase()).as_deref() {
            Some("https") => true,
            Some("http") => false,
            Some(other) => return Err(format!("use http:// or https://, not {other}://")),
            None => return Err("the URL has no scheme: write https://host/path".to_owned()),
        };
        let uri: Uri = url.parse().map_err(|e| format!("not a URL: {e}"))?;
        let Some(authority) = uri.authority() else {
            return Err("the URL has no host: write https://host/path".to_owned());
        };
        if authority.as_str().contains('@') {
            return Err("the URL holds a user name or password: give a bearer token with token-file instead"
                .to_owned());
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err("the URL has no host: write https://host/path".to_owned());
        }
        Ok(Self {
            tls,
            host: host.to_owned(),
            port: authority.port_u16().unwrap_or(if tls { 443 } else { 80 }),
            authority: authority.as_str().to_owned(),
            path: uri.path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        })
    }

    /// How errors name the target: never the path, which may be the secret.
    fn name(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// The JSON a `format = "json"` webhook receives: the page and its one-line message.
#[derive(serde::Serialize)]
struct JsonPage<'a> {
    #[serde(flatten)]
    page: &'a PageRequest,
    message: String,
}

async fn post_webhook(
    url: &str,
    format: WebhookFormat,
    token_file: Option<&Path>,
    req: &PageRequest,
) -> Result<(), String> {
    let target = Target::parse(url)?;
    let body = match format {
        WebhookFormat::Json => serde_json::to_vec(&JsonPage { page: req, message: req.message() }),
        WebhookFormat::Slack => serde_json::to_vec(&serde_json::json!({ "text": req.message() })),
    }
    .map_err(|e| format!("cannot encode the page: {e}"))?;
    // Read each attempt, so a rotated token is picked up without a restart.
    let token = match token_file {
        Some(path) => Some(read_token(path)?),
        None => None,
    };
    let mut request = Request::post(&target.path)
        .header(hyper::header::HOST, &target.authority)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::USER_AGENT, concat!("piket/", env!("CARGO_PKG_VERSION")));
    if let Some(token) = token {
        request = request.header(hyper::header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("cannot build the request to {}: {e}", target.name()))?;

    let tcp = tokio::net::TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|e| format!("cannot connect to {}: {}", target.name(), io_reason(&e)))?;
    let (status, peek) = if target.tls {
        let server_name = tokio_rustls::rustls::pki_types::ServerName::try_from(target.host.clone())
            .map_err(|e| format!("{} is not a valid TLS server name: {e}", target.host))?;
        let tls = tokio_rustls::TlsConnector::from(tls_config()?)
            .connect(server_name, tcp)
            .await
            .map_err(|e| format!("TLS with {} failed: {}", target.name(), io_reason(&e)))?;
        exchange(tls, request, &target).await?
    } else {
        exchange(tcp, request, &target).await?
    };
    if status.is_success() {
        return Ok(());
    }
    let shown: String = one_line(&String::from_utf8_lossy(&peek)).chars().take(BODY_SHOWN).collect();
    let code = status.as_u16();
    Err(if shown.is_empty() { format!("HTTP {code}") } else { format!("HTTP {code}: {shown}") })
}

/// The bearer token, with the same check as the listener's: a file others can read is refused
/// (the page fails and says `chmod 600`), never used.
fn read_token(path: &Path) -> Result<String, String> {
    crate::files::read_secret(path).map_err(|e| format!("token-file: {e}"))
}

/// Send one request on a fresh connection; the status, and the start of the body when it is
/// an error (a success's body is not read).
async fn exchange<S>(
    stream: S,
    request: Request<Full<Bytes>>,
    target: &Target,
) -> Result<(StatusCode, Vec<u8>), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP with {} failed: {e}", target.name()))?;
    // The connection task ends with the attempt: an abandoned attempt (timeout) must not leave
    // a socket open to a server that never answers.
    let _conn = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("{} did not answer: {}", target.name(), error_chain(&e)))?;
    let status = response.status();
    if status.is_success() {
        return Ok((status, Vec::new()));
    }
    Ok((status, peek_body(response.into_body()).await))
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The start of an error answer's body; a huge or endless one is cut off.
async fn peek_body(mut body: Incoming) -> Vec<u8> {
    let mut seen = Vec::new();
    while seen.len() < BODY_PEEK {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    seen.extend_from_slice(data);
                }
            }
            Some(Err(_)) | None => break,
        }
    }
    seen.truncate(BODY_PEEK);
    seen
}

/// Built once: parsing the root certificates costs a few milliseconds.
fn tls_config() -> Result<Arc<tokio_rustls::rustls::ClientConfig>, String> {
    use tokio_rustls::rustls;
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            // The provider is named, not taken from the process default, so nothing else in the
            // build (another crate enabling aws-lc-rs) can make the choice ambiguous.
            let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Ok(Arc::new(config))
        })
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Shared

/// An I/O error as people say it: "No such file or directory", without "(os error 2)".
fn io_reason(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_owned(),
        None => match e.get_ref() {
            Some(inner) => error_chain(inner),
            None => e.to_string(),
        },
    }
}

/// An error and its causes on one line: hyper's top-level messages ("connection closed before
/// message completed") are vague without the cause.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let _ = write!(s, ": {cause}");
        source = cause.source();
    }
    s
}

/// One line without control characters, inner runs of whitespace collapsed.
fn one_line(s: &str) -> String {
    sanitize_line(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "10s", "1m30s", "200ms": how the config writes durations.
fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) || ms == 0 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    for (n, unit) in [(h, 'h'), (m, 'm'), (s, 's')] {
        if n > 0 {
            let _ = write!(out, "{n}{unit}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(title: &str) -> PageRequest {
        PageRequest {
            incident: IncidentId(12),
            title: title.to_owned(),
            priority: Priority::P1,
            severity: Severity::SEV2,
            service: Some("db".to_owned()),
            level: 1,
            person: "alice".to_owned(),
            handle: "+100".to_owned(),
        }
    }

    #[test]
    fn expansion_is_one_pass() {
        let r = req("{person} $(x)");
        assert_eq!(expand("to {handle}: {title}", &r), "to +100: {person} $(x)");
        assert_eq!(expand("{\"text\": \"{message}\"}", &r), format!("{{\"text\": \"{}\"}}", r.message()));
        assert_eq!(expand("{nope} {} {", &r), "{nope} {} {");
        assert_eq!(expand("{{person}}", &r), "{alice}");
    }

    #[test]
    fn placeholders_are_found_and_checked() {
        assert_eq!(placeholders("{a}{b_1} {\"x\": {}} {c {{d}}"), ["a", "b_1", "d"]);
        assert!(
            validate_argv(&["/bin/page".into(), "{handle}".into(), "{\"t\": \"{message}\"}".into()]).is_ok()
        );
        let e = validate_argv(&["/bin/page".into(), "{nam}".into()]).unwrap_err();
        assert!(e.contains("{nam}") && e.contains("{person}") && e.contains("{message}"), "{e}");
        assert!(validate_argv(&[]).is_err());
        assert!(validate_argv(&[String::new()]).is_err());
        assert!(validate_argv(&["{handle}".into()]).is_err());
    }

    #[test]
    fn urls() {
        assert!(validate_url("https://hooks.example.com/services/T0/B0/x").is_ok());
        assert!(validate_url("http://127.0.0.1:8080/page?x=1").is_ok());
        assert!(validate_url("http://[::1]:8080/").is_ok());
        assert!(validate_url("ftp://example.com/").is_err());
        assert!(validate_url("example.com/x").is_err());
        assert!(validate_url("https://user:pw@example.com/").is_err());
        assert!(validate_url("not a url").is_err());
        let t = Target::parse("http://[::1]:8080/a").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.name()), ("::1", 8080, "[::1]:8080".to_owned()));
        assert_eq!(Target::parse("https://example.com").unwrap().path, "/");
    }

    #[test]
    fn a_file_notifier_appends_clean_lines_to_a_private_file_and_follows_no_link() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pages.log");
        append_line(&path, &file_line(&req("Disk \u{1b}]52;c;eA==\u{7} full"))).unwrap();
        append_line(&path, &file_line(&req("again"))).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(
            text.contains("page alice (+100): INC-12 P1 SEV2 [db] Disk  full (escalation level 1)"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{text:?}");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "").unwrap();
        let link = dir.path().join("link.log");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        assert!(append_line(&link, "x\n").is_err(), "a link is not followed");
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "");
    }

    #[test]
    fn durations_read_like_config() {
        assert_eq!(human(Duration::from_secs(10)), "10s");
        assert_eq!(human(Duration::from_secs(90)), "1m30s");
        assert_eq!(human(Duration::from_millis(200)), "200ms");
        assert_eq!(human(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn messages_are_one_clean_line() {
        assert_eq!(req("Disk full").message(), "INC-12 P1 SEV2 [db] Disk full (escalation level 1)");
        let mut r = req("a\u{1b}[2Jb\nc");
        r.service = None;
        assert_eq!(r.message(), "INC-12 P1 SEV2 ab c (escalation level 1)");
    }
}
