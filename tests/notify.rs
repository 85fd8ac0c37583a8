#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The notifiers, through their public API: real programs (small sh scripts run by /bin/sh,
//! which is what the notifier under test execs; piket itself never uses a shell) and a real
//! HTTP server on localhost.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use piket::domain::{IncidentId, Priority, Severity};
use piket::server::notify::{NotifierKind, NotifierSettings, WebhookFormat};
use piket::server::notify::{PageRequest, page};

const NASTY: &str = "Disk \"full\" on 'db-1' $(touch PWNED) `touch PWNED` ; {person} \\ end";

fn request(title: &str) -> PageRequest {
    PageRequest {
        incident: IncidentId(12),
        title: title.to_owned(),
        priority: Priority::P1,
        severity: Severity::SEV2,
        service: Some("db".to_owned()),
        level: 1,
        person: "alice".to_owned(),
        handle: "+15550100".to_owned(),
    }
}

fn notifier(kind: NotifierKind, timeout_ms: u64, retries: u32) -> NotifierSettings {
    NotifierSettings {
        name: "test".to_owned(),
        kind,
        timeout: Duration::from_millis(timeout_ms),
        retries,
        backoff: Duration::from_millis(10),
    }
}

/// Run `script` with /bin/sh: the script is read, not executed, so writing it and running it
/// at once cannot hit "Text file busy" while other tests fork.
fn script(dir: &Path, body: &str, args: &[&str]) -> NotifierKind {
    let path = dir.join("notify.sh");
    std::fs::write(&path, body).unwrap();
    let mut argv = vec!["/bin/sh".to_owned(), path.display().to_string()];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    NotifierKind::Command { argv }
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

#[tokio::test]
async fn command_gets_each_value_as_one_literal_argument_and_in_its_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("args");
    let env = dir.path().join("env");
    let kind = script(
        dir.path(),
        "out=$1; env=$2; shift 2\n\
         for a in \"$@\"; do printf '<%s>\\n' \"$a\" >> \"$out\"; done\n\
         env | grep '^PIKET_' | sort > \"$env\"\n",
        &[
            &p(&out),
            &p(&env),
            "{person}",
            "to={handle}",
            "{incident}",
            "title: {title}",
            "{priority}/{severity}/{service}/{level}",
            "{message}",
            "{\"text\": \"{message}\"}",
            "{unknown} {}",
        ],
    );
    // The script runs in the test's working directory; PWNED would appear there or in the dir.
    let mut req = request(NASTY);
    req.title = NASTY.replace("PWNED", &p(&dir.path().join("PWNED")));
    let result = page(&notifier(kind, 5000, 0), &req).await;
    assert_eq!(result.error, None);
    assert_eq!(result.attempts, 1);
    assert_eq!(result.notifier, "test");
    assert_eq!(result.person, "alice");

    let message = req.message();
    assert_eq!(
        message,
        format!("INC-12 P1 SEV2 [db] {} (escalation level 1)", req.title),
        "the message keeps the title as written"
    );
    let args = std::fs::read_to_string(&out).unwrap();
    let expected = [
        "alice".to_owned(),
        "to=+15550100".to_owned(),
        "INC-12".to_owned(),
        format!("title: {}", req.title),
        "P1/SEV2/db/1".to_owned(),
        message.clone(),
        format!("{{\"text\": \"{message}\"}}"),
        "{unknown} {}".to_owned(),
    ];
    let got: Vec<&str> = args.lines().collect();
    let want: Vec<String> = expected.iter().map(|a| format!("<{a}>")).collect();
    assert_eq!(got, want);
    assert!(!dir.path().join("PWNED").exists(), "something in the title was executed");
    assert!(!Path::new("PWNED").exists(), "something in the title was executed");

    let env = std::fs::read_to_string(&env).unwrap();
    let want_env = [
        "PIKET_HANDLE=+15550100".to_owned(),
        "PIKET_INCIDENT=INC-12".to_owned(),
        "PIKET_LEVEL=1".to_owned(),
        format!("PIKET_MESSAGE={message}"),
        "PIKET_PERSON=alice".to_owned(),
        "PIKET_PRIORITY=P1".to_owned(),
        "PIKET_SERVICE=db".to_owned(),
        "PIKET_SEVERITY=SEV2".to_owned(),
        format!("PIKET_TITLE={}", req.title),
    ];
    assert_eq!(env.lines().collect::<Vec<_>>(), want_env);
}

#[tokio::test]
async fn control_characters_in_the_title_never_reach_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("args");
    let kind =
        script(dir.path(), "printf '%s|%s' \"$2\" \"$PIKET_TITLE\" > \"$1\"\n", &[&p(&out), "{title}"]);
    let mut req = request("disk\u{1b}]52;c;ZXZpbA==\u{7} full\nnow\0!");
    req.service = None;
    let result = page(&notifier(kind, 5000, 0), &req).await;
    assert_eq!(result.error, None);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "disk full now!|disk full now!");
}

/// An alert title (or service) that begins with '-' reaches the program as data, never as an
/// option: after a `--` the config put there, and, where settings built in code (the config
/// loader refuses them) put it first, with its leading dash made a U+2010 HYPHEN. Separators
/// and bidi marks in it are gone as well.
#[tokio::test]
async fn a_title_that_looks_like_an_option_never_reads_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let printer = "out=$1; shift\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\" >> \"$out\"; done\n";
    let mut req = request("--config=/tmp/evil \u{2028}x\u{202E}y\u{2066}z");
    req.service = Some("-rf\u{061C}".into());

    let out = dir.path().join("after-dashes");
    let kind = script(dir.path(), printer, &[&p(&out), "--title={title}", "--", "{title}", "{service}"]);
    assert_eq!(page(&notifier(kind, 5000, 0), &req).await.error, None);
    let args = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        ["<--title=--config=/tmp/evil xyz>", "<-->", "<--config=/tmp/evil xyz>", "<-rf>"]
    );

    let out = dir.path().join("first");
    let kind = script(dir.path(), printer, &[&p(&out), "{title}", "{service}", "{message}"]);
    assert_eq!(page(&notifier(kind, 5000, 0), &req).await.error, None);
    let args = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "<\u{2010}-config=/tmp/evil xyz>",
            "<\u{2010}rf>",
            "<INC-12 P1 SEV2 [-rf] --config=/tmp/evil xyz (escalation level 1)>"
        ]
    );
}

#[tokio::test]
async fn a_missing_program_is_named_and_retried() {
    let kind =
        NotifierKind::Command { argv: vec!["/nonexistent/piket-pager".to_owned(), "{handle}".to_owned()] };
    let result = page(&notifier(kind, 1000, 1), &request("x")).await;
    assert_eq!(result.attempts, 2);
    assert_eq!(
        result.error.as_deref(),
        Some("cannot run /nonexistent/piket-pager: No such file or directory")
    );
}

#[tokio::test]
async fn a_failing_program_reports_its_status_and_stderr_after_every_retry() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("count");
    let kind = script(
        dir.path(),
        "echo run >> \"$1\"\necho 'partial output' \nprintf 'gateway said:\\n  \\033[31mno\\033[0m\\n' >&2\nexit 3\n",
        &[&p(&count)],
    );
    let result = page(&notifier(kind, 5000, 2), &request("x")).await;
    assert_eq!(result.attempts, 3);
    assert_eq!(result.error.as_deref(), Some("exited with status 3: gateway said: no"));
    assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 3);
}

#[tokio::test]
async fn only_the_tail_of_a_long_stderr_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let kind = script(
        dir.path(),
        "i=0; while [ $i -lt 2000 ]; do echo \"line $i\" >&2; i=$((i+1)); done; echo 'the real reason' >&2; exit 1\n",
        &[],
    );
    let error = page(&notifier(kind, 5000, 0), &request("x")).await.error.unwrap();
    assert!(error.starts_with("exited with status 1: "), "{error}");
    assert!(error.ends_with("line 1999 the real reason"), "{error}");
    assert!(error.len() < 2200, "{}", error.len());
    assert!(!error.contains('\n'));
}

#[tokio::test]
async fn a_program_that_fails_once_then_succeeds_is_delivered_on_the_second_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("tried");
    let kind = script(
        dir.path(),
        "if [ -e \"$1\" ]; then exit 0; fi\ntouch \"$1\"\necho busy >&2\nexit 1\n",
        &[&p(&marker)],
    );
    let result = page(&notifier(kind, 5000, 3), &request("x")).await;
    assert_eq!((result.attempts, result.error), (2, None));
}

/// Gone, or a zombie waiting for init: either way it no longer runs.
fn is_gone(pid: i32) -> bool {
    if nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err() {
        return true;
    }
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')))
        .unwrap_or(true)
}

fn pids(path: &Path) -> Vec<i32> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| l.trim().parse().unwrap()).collect()
}

#[tokio::test]
async fn a_hanging_program_is_killed_with_what_it_started_and_reaped() {
    let dir = tempfile::tempdir().unwrap();
    let shells = dir.path().join("shells");
    let sleeps = dir.path().join("sleeps");
    let kind = script(
        dir.path(),
        "echo $$ >> \"$1\"\nsleep 300 &\necho $! >> \"$2\"\necho 'still waiting for the gateway' >&2\nwait\n",
        &[&p(&shells), &p(&sleeps)],
    );
    let started = Instant::now();
    let result = page(&notifier(kind, 200, 1), &request("x")).await;
    let took = started.elapsed();
    assert_eq!(result.attempts, 2);
    assert_eq!(result.error.as_deref(), Some("timed out after 200ms: still waiting for the gateway"));
    // Not killed, it would run 300 s; the margin is for a busy machine.
    assert!(took < Duration::from_secs(120), "took {took:?}");

    let shells = pids(&shells);
    let sleeps = pids(&sleeps);
    assert_eq!((shells.len(), sleeps.len()), (2, 2));
    // The script itself is piket's child: reaped, so not even a zombie is left.
    for pid in shells {
        assert!(nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err(), "sh {pid} lives");
    }
    // What it started was killed with its process group (and is reaped by init).
    let deadline = Instant::now() + Duration::from_secs(120);
    while !sleeps.iter().all(|&pid| is_gone(pid)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for pid in sleeps {
        assert!(is_gone(pid), "sleep {pid} still runs");
    }
}

#[tokio::test]
async fn a_program_that_leaves_a_background_process_holding_its_output_is_still_delivered() {
    let dir = tempfile::tempdir().unwrap();
    // The background process outlives the timeout: waiting for it would time out, an error.
    let kind = script(dir.path(), "sleep 300 &\nexit 0\n", &[]);
    let result = page(&notifier(kind, 60_000, 0), &request("x")).await;
    assert_eq!((result.attempts, result.error), (1, None));
}

// ---------------------------------------------------------------------------------------------
// Webhooks

#[derive(Debug, Clone)]
struct Seen {
    path: String,
    headers: HeaderMap,
    body: serde_json::Value,
}

#[derive(Clone, Default)]
struct Hook {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Answers in order; the last one repeats.
    answers: Arc<Mutex<Vec<(u16, &'static str)>>>,
}

async fn receive(
    State(hook): State<Hook>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    hook.seen.lock().unwrap().push(Seen { path: uri.to_string(), headers, body });
    let mut answers = hook.answers.lock().unwrap();
    let (status, text) = if answers.len() > 1 { answers.remove(0) } else { answers[0] };
    (StatusCode::from_u16(status).unwrap(), text.to_owned())
}

/// A webhook receiver on localhost; its URL (with a path) and what it saw.
async fn hook(answers: &[(u16, &'static str)]) -> (String, Hook) {
    let hook = Hook { seen: Arc::default(), answers: Arc::new(Mutex::new(answers.to_vec())) };
    let app = axum::Router::new().fallback(receive).with_state(hook.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hooks/T000/secret-path?x=1"), hook)
}

fn webhook(url: &str, format: WebhookFormat, token_file: Option<PathBuf>) -> NotifierKind {
    NotifierKind::Webhook { url: url.to_owned(), format, token_file }
}

#[tokio::test]
async fn json_webhook_gets_the_page_and_its_message() {
    let (url, hook) = hook(&[(200, "ok")]).await;
    let req = request(NASTY);
    let result = page(&notifier(webhook(&url, WebhookFormat::Json, None), 5000, 0), &req).await;
    assert_eq!((result.attempts, result.error), (1, None));
    let seen = hook.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/hooks/T000/secret-path?x=1");
    assert_eq!(seen[0].headers["content-type"], "application/json");
    assert!(seen[0].headers.get("authorization").is_none());
    assert_eq!(
        seen[0].body,
        serde_json::json!({
            "incident": "INC-12",
            "title": NASTY,
            "priority": 1,
            "severity": 2,
            "service": "db",
            "level": 1,
            "person": "alice",
            "handle": "+15550100",
            "message": req.message(),
        })
    );
}

#[tokio::test]
async fn slack_webhook_gets_text_and_a_bearer_token_read_from_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret-token\n").unwrap();
    std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let (url, hook) = hook(&[(204, "")]).await;
    let req = request("Disk full");
    let result =
        page(&notifier(webhook(&url, WebhookFormat::Slack, Some(token.clone())), 5000, 0), &req).await;
    assert_eq!(result.error, None);
    let seen = hook.seen.lock().unwrap().clone();
    assert_eq!(
        seen[0].body,
        serde_json::json!({ "text": "INC-12 P1 SEV2 [db] Disk full (escalation level 1)" })
    );
    assert_eq!(seen[0].headers["authorization"], "Bearer s3cret-token");
}

#[tokio::test]
async fn a_token_file_others_can_read_fails_the_attempt_without_sending() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret-token\n").unwrap();
    std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let (url, hook) = hook(&[(200, "ok")]).await;
    let result =
        page(&notifier(webhook(&url, WebhookFormat::Json, Some(token.clone())), 5000, 0), &request("x"))
            .await;
    let error = result.error.unwrap();
    assert!(error.contains("other users can read it") && error.contains("chmod 600"), "{error}");
    assert!(hook.seen.lock().unwrap().is_empty(), "the token was never sent");
}

#[tokio::test]
async fn an_unreadable_token_file_fails_the_attempt_without_sending() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("missing");
    let (url, hook) = hook(&[(200, "ok")]).await;
    let result =
        page(&notifier(webhook(&url, WebhookFormat::Json, Some(token.clone())), 5000, 1), &request("x"))
            .await;
    assert_eq!(result.attempts, 2);
    assert_eq!(
        result.error,
        Some(format!("token-file: cannot read {}: No such file or directory (os error 2)", token.display()))
    );
    assert!(hook.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_server_error_is_retried_until_it_answers() {
    let (url, hook) = hook(&[(500, "try later"), (200, "ok")]).await;
    let result = page(&notifier(webhook(&url, WebhookFormat::Json, None), 5000, 3), &request("x")).await;
    assert_eq!((result.attempts, result.error), (2, None));
    assert_eq!(hook.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_refusal_shows_the_status_and_the_start_of_the_body_on_one_clean_line() {
    let long: &'static str = Box::leak(format!("bad \u{1b}[2Jtoken\n{}", "x".repeat(500)).into_boxed_str());
    let (url, hook) = hook(&[(403, long)]).await;
    let result = page(&notifier(webhook(&url, WebhookFormat::Json, None), 5000, 1), &request("x")).await;
    assert_eq!(result.attempts, 2);
    let error = result.error.unwrap();
    assert_eq!(error, format!("HTTP 403: bad token {}", "x".repeat(190)));
    assert_eq!(hook.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn connection_refused_is_an_error_naming_host_and_port_only() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = format!("http://{addr}/hooks/secret-path");
    let result = page(&notifier(webhook(&url, WebhookFormat::Slack, None), 2000, 1), &request("x")).await;
    assert_eq!(result.attempts, 2);
    assert_eq!(result.error, Some(format!("cannot connect to {addr}: Connection refused")));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&held);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            keep.lock().unwrap().push(socket);
        }
    });
    let url = format!("http://{addr}/hook");
    let started = Instant::now();
    let result = page(&notifier(webhook(&url, WebhookFormat::Json, None), 200, 1), &request("x")).await;
    // The server never answers: without the timeout this would never return.
    assert!(started.elapsed() < Duration::from_secs(120), "{:?}", started.elapsed());
    assert_eq!(result.attempts, 2);
    assert_eq!(result.error.as_deref(), Some("timed out after 200ms"));
    assert_eq!(held.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn https_speaks_tls_and_never_shows_the_secret_path() {
    // A plain HTTP server: the TLS handshake must fail, with a message saying so.
    let (url, _hook) = hook(&[(200, "ok")]).await;
    let url = url.replacen("http://", "https://", 1);
    let result = page(&notifier(webhook(&url, WebhookFormat::Json, None), 2000, 0), &request("x")).await;
    let error = result.error.unwrap();
    assert!(error.starts_with("TLS with 127.0.0.1:"), "{error}");
    assert!(!error.contains("secret"), "{error}");
}

#[test]
fn config_checks() {
    use piket::server::notify::{validate_argv, validate_url};
    let argv = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(validate_argv(&argv(&["/usr/bin/pager", "{handle}", "{message}"])), Ok(()));
    let e = validate_argv(&argv(&["/usr/bin/pager", "--to={nam}"])).unwrap_err();
    assert!(e.contains("{nam}") && e.contains("{person}, {handle}"), "{e}");
    assert!(validate_argv(&[]).is_err());
    assert!(validate_argv(&argv(&[""])).is_err());
    // Untrusted text at the start of an argument needs an end of options before it.
    for first in [&["/usr/bin/pager", "{title}"][..], &["/usr/bin/pager", "{handle}", "{service} is down"]] {
        let e = validate_argv(&argv(first)).unwrap_err();
        assert!(e.contains("may begin with '-'") && e.contains("put \"--\" before it"), "{e}");
    }
    assert_eq!(validate_argv(&argv(&["/usr/bin/pager", "--", "{title}"])), Ok(()));
    assert_eq!(validate_argv(&argv(&["/usr/bin/pager", "--title={title}", "{message}"])), Ok(()));
    assert_eq!(validate_url("https://hooks.slack.com/services/T/B/x"), Ok(()));
    assert!(validate_url("file:///etc/passwd").unwrap_err().contains("http"));
}
