//! What every command's code shares: the context it runs in, how it fails, and the JSON and
//! text helpers.

use std::io::Read;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::output::{self, OutputError, outln};
use crate::client::{Client, ClientError};
use crate::config::Config;
use crate::domain::{Command, IncidentId, Source};
use crate::when::parse_time;
use crate::wire::Outcome;

/// How a command ended, when it did not simply succeed.
pub(super) enum Fail {
    /// The engine said no: message and the way forward on stderr, exit 1.
    Client(Option<IncidentId>, ClientError),
    /// Bad input caught before the engine (a time that does not parse): exit 1.
    Input(String),
    /// Standard output refused what the command printed (its reader went away): see
    /// [`OutputError::exit`].
    Output(OutputError),
}

impl From<ClientError> for Fail {
    fn from(e: ClientError) -> Self {
        Self::Client(None, e)
    }
}

impl From<OutputError> for Fail {
    fn from(e: OutputError) -> Self {
        Self::Output(e)
    }
}

pub(super) struct Ctx {
    pub(super) client: Arc<dyn Client>,
    pub(super) config: Config,
    pub(super) json: bool,
    pub(super) now: DateTime<Utc>,
}

impl Ctx {
    pub(super) const fn tz(&self) -> Tz {
        self.config.timezone
    }

    pub(super) fn time(&self, s: &str) -> Result<DateTime<Utc>, Fail> {
        parse_time(s, self.tz(), self.now).map_err(Fail::Input)
    }

    pub(super) fn opt_time(&self, s: Option<&String>) -> Result<Option<DateTime<Utc>>, Fail> {
        s.map(|s| self.time(s)).transpose()
    }

    pub(super) fn exec(&self, cmd: Command) -> Result<Outcome, Fail> {
        let id = cmd.incident();
        self.client.execute(cmd, Source::Cli).map_err(|e| Fail::Client(id, e))
    }

    pub(super) fn print_outcome(&self, o: &Outcome) -> Result<(), Fail> {
        if self.json { print_json(&outcome_json(o)) } else { Ok(outln!("{}", output::outcome(o))?) }
    }
}

pub(super) fn outcome_json(o: &Outcome) -> serde_json::Value {
    serde_json::json!({
        "incident": o.incident,
        "events": o.events.iter().map(crate::report::event_json).collect::<Vec<_>>(),
        "summary": o.summary,
    })
}

pub(super) fn print_json(v: &impl serde::Serialize) -> Result<(), Fail> {
    let s = serde_json::to_string_pretty(v).map_err(|e| Fail::Input(format!("cannot write JSON: {e}")))?;
    Ok(outln!("{s}")?)
}

/// Text from an argument, or standard input for "-".
pub(super) fn text(arg: &str) -> Result<String, Fail> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| Fail::Input(format!("cannot read the text from standard input: {e}")))?;
    Ok(s)
}
