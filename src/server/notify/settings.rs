//! How a page reaches a person: the notifiers as the server runs them, and the placeholders
//! their commands may hold. `config` builds these from `[notifiers.NAME]` and checks a
//! command's argv with [`validate_argv`] when the file is loaded.

use std::path::PathBuf;

/// One configured notifier. A person is paged through every notifier they have a contact
/// handle for (`[people.NAME] contacts = { NOTIFIER = "handle" }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifierSettings {
    pub name: String,
    pub kind: NotifierKind,
    /// One attempt may take this long; then it is killed (command) or abandoned (webhook).
    pub timeout: std::time::Duration,
    /// Further attempts after a failed one.
    pub retries: u32,
    /// Wait before the first retry; doubled before each further one.
    pub backoff: std::time::Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifierKind {
    /// Run a program. `argv[0]` is the program, never a shell; each element may hold
    /// placeholders (`{person}`, `{handle}`, `{incident}`, `{title}`, `{priority}`,
    /// `{severity}`, `{service}`, `{level}`, `{message}`) that expand inside that one argument,
    /// so untrusted text can never become a second argument or shell syntax. The same values
    /// are in `PIKET_*` environment variables.
    Command { argv: Vec<String> },
    /// POST JSON to a URL (http or https).
    Webhook { url: String, format: WebhookFormat, token_file: Option<PathBuf> },
    /// Append one line per page to a file (created exclusively, 0600, never through a link):
    /// the demo's pager, and a record a team can tail or ship elsewhere.
    File { path: PathBuf },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// piket's own JSON (see docs/API.md "Pages").
    Json,
    /// `{"text": "..."}`, which Slack and Mattermost incoming webhooks accept.
    Slack,
}

impl NotifierSettings {
    pub(crate) const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
    pub(crate) const DEFAULT_RETRIES: u32 = 2;
    pub(crate) const DEFAULT_BACKOFF: std::time::Duration = std::time::Duration::from_secs(2);
}

/// Placeholder names a command's arguments may hold, in the order the docs list them.
pub const PLACEHOLDERS: [&str; 9] =
    ["person", "handle", "incident", "title", "priority", "severity", "service", "level", "message"];

/// Placeholders whose text comes from outside (alert labels, whoever registered the incident)
/// and can begin with anything, `-` included. The others cannot: `{message}` begins with the
/// incident id, and names, handles and levels come from the config or piket itself.
pub const UNTRUSTED_AT_START: [&str; 2] = ["title", "service"];

/// The untrusted placeholder an argument begins with, if any: its value would be the start of
/// the argument, and a value like `--config=/tmp/x` would read as an option.
#[must_use]
pub fn untrusted_start(arg: &str) -> Option<&'static str> {
    let name = arg.strip_prefix('{').and_then(placeholder_at)?;
    UNTRUSTED_AT_START.into_iter().find(|p| *p == name)
}

/// Check a command notifier's argv when the config is loaded, so a typo like `{nam}` is a
/// config error at start-up and not a silent literal in the middle of an incident.
///
/// An argument that begins with `{title}` or `{service}` needs a `--` argument before it:
/// an alert titled `--exec=...` would otherwise reach the program as an option. (What
/// follows `--` is an operand to every getopt-style program.) Writing the value after an
/// option of its own, like `--title={title}`, is the other way.
///
/// # Errors
/// The argv is empty, the program is empty or holds a placeholder, an argument holds a
/// placeholder that does not exist, or an untrusted placeholder begins an argument that no
/// `--` precedes.
pub fn validate_argv(argv: &[String]) -> Result<(), String> {
    let Some(program) = argv.first() else {
        return Err("the command is empty: give the program and its arguments, like \
                    [\"/usr/local/bin/page\", \"{handle}\", \"{message}\"]"
            .to_owned());
    };
    if program.is_empty() {
        return Err("the program (the first element of the command) is empty".to_owned());
    }
    // The program is fixed by whoever wrote the config; letting page data choose it would let
    // an alert label pick what runs.
    if !placeholders(program).is_empty() {
        return Err(format!("the program \"{program}\" holds a placeholder: name one fixed program"));
    }
    let mut operands = false;
    for (i, arg) in argv.iter().enumerate().skip(1) {
        if !operands && let Some(name) = untrusted_start(arg) {
            return Err(format!(
                "argument {i} \"{arg}\" begins with {{{name}}}, text from alerts that may begin with '-' \
                 and be read as an option: put \"--\" before it (end of options), or write it after an \
                 option, like \"--{name}={{{name}}}\""
            ));
        }
        operands |= arg == "--";
        if let Some(unknown) = placeholders(arg).into_iter().find(|p| !PLACEHOLDERS.contains(&p.as_str())) {
            let allowed: Vec<String> = PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect();
            return Err(format!(
                "argument {i} \"{arg}\" holds an unknown placeholder {{{unknown}}}: use {}",
                allowed.join(", ")
            ));
        }
    }
    Ok(())
}

/// The placeholder name at the start of `s` (just after a `{`), if `s` starts with `name}`.
fn placeholder_at(s: &str) -> Option<&str> {
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    (end > 0 && s[end..].starts_with('}')).then(|| &s[..end])
}

/// The one scanner for placeholders, used both to expand and to check them. A placeholder is
/// `{name}` with a name of ASCII letters, digits or underscores; other braces (a JSON argument
/// like `{"text": "{message}"}`) are plain text. `{name}` stays as written where `value` says
/// `None`.
pub fn substitute(template: &str, mut value: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match placeholder_at(after).and_then(|name| Some((name, value(name)?))) {
            Some((name, value)) => {
                out.push_str(&value);
                rest = &after[name.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholder names in `s`, in order.
pub fn placeholders(s: &str) -> Vec<String> {
    let mut names = Vec::new();
    substitute(s, |name| {
        names.push(name.to_owned());
        None
    });
    names
}
