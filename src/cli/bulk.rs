//! One command on several incidents: `piket ack 4 5 6`, or the incidents `--filter` selects
//! with `piket list`'s filters.
//!
//! Named ids are acted on as named. A filter is a query, so what it selects is shown first
//! (on stderr) and acted on only after a yes: typed at a terminal, or `--yes` from a script.
//! Without a terminal and without `--yes` nothing is done. What is acted on is exactly the
//! list shown: an incident that starts to match between the preview and the answer is not
//! included. Each incident gets its own command, so its own event with its own outcome or
//! refusal; a refusal does not stop the others, and makes the exit status 1.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use super::args::{FilterArgs, Select};
use super::ctx::{Ctx, Fail, outcome_json, print_json};
use super::output::{self, errln, outln};
use crate::client::ClientError;
use crate::domain::text::sanitize;
use crate::domain::{Command, IncidentId, Query, Sort};

impl FilterArgs {
    /// The query these filters stand for; `me` is who --mine means.
    pub(super) fn query(&self, me: &str, sort: Sort, limit: Option<usize>) -> Query {
        Query {
            statuses: self.status.clone(),
            all: self.all,
            priorities: self.priorities.clone(),
            severities: self.severity.clone(),
            service: self.service.clone(),
            text: self.text.clone(),
            person: self.mine.then(|| me.to_owned()),
            sort,
            limit,
        }
    }

    /// Some filter is given (they select only with --filter).
    const fn any(&self) -> bool {
        !self.status.is_empty()
            || self.all
            || !self.priorities.is_empty()
            || !self.severity.is_empty()
            || self.service.is_some()
            || self.text.is_some()
            || self.mine
    }
}

/// The incidents to act on: the ids as given, or what the filter selects once the responder
/// has seen the list and said yes. `None`: nothing matched (said on stderr); an answer other
/// than yes is an error. `verb` names the action in the question ("acknowledge").
pub(super) fn targets(
    ctx: &Ctx,
    ids: Vec<IncidentId>,
    select: &Select,
    verb: &str,
) -> Result<Option<Vec<IncidentId>>, Fail> {
    if !select.filter {
        if select.by.any() {
            return Err(Fail::Input(
                "the list filters (--status, --priority, --service, ...) select incidents only with --filter"
                    .into(),
            ));
        }
        if ids.is_empty() {
            return Err(Fail::Input("name the incidents (e.g. 4 5 6) or select them with --filter".into()));
        }
        let mut seen = Vec::with_capacity(ids.len());
        for id in ids {
            if !seen.contains(&id) {
                seen.push(id);
            }
        }
        return Ok(Some(seen));
    }
    if !ids.is_empty() {
        return Err(Fail::Input("give incident ids or --filter, not both".into()));
    }
    if !select.by.any() {
        // A bare --filter would select the whole open queue: one missing flag in a script
        // must not acknowledge everything.
        return Err(Fail::Input(
            "--filter needs at least one filter (--service db, --priority P1, --status triggered, --text WORDS, \
             --mine ...); nothing was done"
                .into(),
        ));
    }
    let list = ctx.client.list(&select.by.query(ctx.client.actor(), Sort::Priority, None))?;
    if list.is_empty() {
        errln!("piket: no incident matches the filter; nothing was done");
        return Ok(None);
    }
    let n = list.len();
    let noun = if n == 1 { "incident" } else { "incidents" };
    // Decided before anything is printed: a script without --yes gets the refusal, not a list
    // that looks as if something happened.
    let ask = !select.yes;
    if ask && !std::io::stdin().is_terminal() {
        return Err(Fail::Input(format!(
            "--filter selects {n} {noun} to {verb}; without a terminal to confirm on, nothing was done: \
             check them with `piket list` and the same filters, then add --yes"
        )));
    }
    errln!("{verb} these {n} {noun}:");
    for line in output::list(&list, ctx.now).lines() {
        errln!("  {line}");
    }
    let ids: Vec<IncidentId> = list.iter().map(|i| i.id).collect();
    if !ask {
        return Ok(Some(ids));
    }
    if confirmed(&format!("{verb} all {n}? [y/N] ")) {
        Ok(Some(ids))
    } else {
        Err(Fail::Input("not confirmed; nothing was done".into()))
    }
}

/// A text read from standard input (`-`) leaves nothing there to answer `--filter`'s
/// question with: that needs `--yes`, said before anything is read or done.
///
/// # Errors
/// The refusal, naming what to do.
pub(super) fn stdin_free(text: &str, select: &Select) -> Result<(), Fail> {
    if text.trim() == "-" && select.filter && !select.yes {
        return Err(Fail::Input(
            "the text comes from standard input, so --filter cannot ask there: check the incidents with \
             `piket list` and the same filters, then add --yes"
                .into(),
        ));
    }
    Ok(())
}

/// Ask on stderr, read the answer from the terminal on stdin: only "y" or "yes" is a yes.
fn confirmed(question: &str) -> bool {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(question.as_bytes()).and_then(|()| err.flush());
    drop(err);
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Run one command per incident, in order, each on its own: every outcome printed, every
/// refusal said with its incident and its way forward. A refusal does not stop the rest; a
/// server that cannot be reached does (the rest are named as not tried).
pub(super) fn run_each(ctx: &Ctx, ids: &[IncidentId], make: impl Fn(IncidentId) -> Command) -> ExitCode {
    let mut json = Vec::new();
    let mut failed = false;
    for (k, &id) in ids.iter().enumerate() {
        match ctx.client.execute(make(id), crate::domain::Source::Cli) {
            Ok(o) => {
                if ctx.json {
                    json.push(outcome_json(&o));
                } else if let Err(e) = outln!("{}", output::outcome(&o)) {
                    return e.exit();
                }
            }
            Err(ClientError::Refused(r)) => {
                failed = true;
                errln!("piket: {id}: {}", sanitize(&output::refusal(&r)));
                for step in output::next_steps(Some(id), &r.next) {
                    errln!("  next: {step}");
                }
                json.push(serde_json::json!({ "incident": id, "error": output::refusal(&r) }));
            }
            Err(e) => {
                failed = true;
                errln!("piket: {id}: {}", sanitize(&e.to_string()));
                json.push(serde_json::json!({ "incident": id, "error": e.to_string() }));
                let rest: Vec<String> = ids[k + 1..].iter().map(ToString::to_string).collect();
                if !rest.is_empty() {
                    errln!("piket: not tried: {}", rest.join(", "));
                }
                break;
            }
        }
    }
    if ctx.json
        && let Err(Fail::Output(e)) = print_json(&json)
    {
        return e.exit();
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// A command of several incidents' kind: one named id keeps the one-incident output (and JSON
/// object) it always had; several ids, or --filter, go through [`targets`] and [`run_each`]
/// (JSON: an array, one entry per incident).
pub(super) fn act(
    ctx: &Ctx,
    ids: Vec<IncidentId>,
    select: &Select,
    verb: &str,
    make: impl Fn(IncidentId) -> Command,
) -> Result<ExitCode, Fail> {
    if let [id] = ids[..]
        && !select.filter
        && !select.by.any()
    {
        let o = ctx.exec(make(id))?;
        ctx.print_outcome(&o)?;
        return Ok(ExitCode::SUCCESS);
    }
    Ok(match targets(ctx, ids, select, verb)? {
        Some(ids) => run_each(ctx, &ids, make),
        None => ExitCode::SUCCESS,
    })
}
