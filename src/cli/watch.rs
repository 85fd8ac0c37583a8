//! `piket watch`: the change feed as lines a script can read, one per committed event.
//!
//! The feed (`Client::subscribe_after`) says per commit which incident moved, its last event
//! and the global position after it; every position is one event and a change covers a run of
//! one incident's events, so the positions between the previous change and this one name its
//! events exactly. Their kind and actor come from the incident's timeline.

use std::process::ExitCode;

use tokio::sync::broadcast::error::RecvError;

use super::args::WatchArgs;
use super::ctx::{Ctx, Fail};
use super::output::{errln, local, outln};
use crate::client::{ClientError, Connection};
use crate::domain::Event;
use crate::domain::text::sanitize_line;
use crate::wire::Change;

/// What the feed gave next.
enum Next {
    Change(Change),
    /// The server went away (why); the feed would resume by itself, but a script is better
    /// told and given the position to resume from.
    Lost(String),
    /// This reader fell behind the client's buffer and changes were dropped.
    Lagged,
}

pub(super) fn run(ctx: &Ctx, args: &WatchArgs) -> Result<ExitCode, Fail> {
    let (mut last, mut rx) = ctx.client.subscribe_after(args.after)?;
    let mut conn = ctx.client.connection();
    // On stderr, so a script reading stdout sees events only; a test waits for it.
    errln!("piket watch: following the record after position {last}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::Input(format!("cannot start the async runtime: {e}")))?;
    loop {
        let next = rt.block_on(async {
            tokio::select! {
                // Changes already received are written before a loss is reported.
                biased;
                r = rx.recv() => match r {
                    Ok(c) => Next::Change(c),
                    Err(RecvError::Lagged(_)) => Next::Lagged,
                    Err(RecvError::Closed) => Next::Lost("the change feed ended".to_owned()),
                },
                r = conn.wait_for(|c| matches!(c, Connection::Lost(_))) => match r.map(|c| c.clone()) {
                    Ok(Connection::Lost(why)) => Next::Lost(why),
                    _ => Next::Lost("the change feed ended".to_owned()),
                },
            }
        });
        let change = match next {
            Next::Change(c) => c,
            Next::Lost(why) => {
                errln!("piket watch: {}", sanitize_line(&why));
                errln!("piket watch: resume with `piket watch --after {last}`");
                return Ok(ExitCode::FAILURE);
            }
            Next::Lagged => {
                errln!("piket watch: fell behind the change feed; resume with `piket watch --after {last}`");
                return Ok(ExitCode::FAILURE);
            }
        };
        let from = last;
        last = change.global_seq;
        if !args.incident.is_empty() && !args.incident.contains(&change.incident) {
            continue;
        }
        let events = match ctx.client.timeline(change.incident) {
            Ok(events) => events,
            // A timeline the API does not serve: nothing to show for it.
            Err(ClientError::NotFound(_)) => continue,
            Err(e) => {
                errln!("piket watch: {}", sanitize_line(&e.to_string()));
                errln!("piket watch: resume with `piket watch --after {from}`");
                return Ok(ExitCode::FAILURE);
            }
        };
        for (global, ev) in committed(&change, from, &events) {
            if wanted(args, ev) {
                print(ctx, global, ev)?;
            }
        }
    }
}

/// The events `change` committed after global position `from`, each with its own position.
fn committed<'a>(change: &Change, from: u64, timeline: &'a [Event]) -> Vec<(u64, &'a Event)> {
    let count = change.global_seq.saturating_sub(from);
    let first = u64::from(change.seq).saturating_sub(count).saturating_add(1);
    timeline
        .iter()
        .filter(|ev| u64::from(ev.seq) >= first && ev.seq <= change.seq)
        .map(|ev| (change.global_seq - u64::from(change.seq - ev.seq), ev))
        .collect()
}

fn wanted(args: &WatchArgs, ev: &Event) -> bool {
    (args.kind.is_empty() || args.kind.iter().any(|k| k == ev.kind.name()))
        && args.actor.as_ref().is_none_or(|a| *a == ev.actor)
}

fn print(ctx: &Ctx, global: u64, ev: &Event) -> Result<(), Fail> {
    if ctx.json {
        let mut v = crate::report::event_json(ev);
        if let Some(o) = v.as_object_mut() {
            o.insert("global_seq".to_owned(), global.into());
        }
        return Ok(outln!("{v}")?);
    }
    Ok(outln!(
        "{global}  {}  {} #{}  {}  {}  {}",
        local(ev.recorded_at, chrono::Utc::now(), ctx.tz()),
        ev.incident,
        ev.seq,
        ev.kind.name(),
        sanitize_line(&ev.actor),
        sanitize_line(&ev.kind.describe()),
    )?)
}
