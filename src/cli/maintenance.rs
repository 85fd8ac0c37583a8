//! `piket maintenance set|list|end|cancel`: windows in which a service's alerts open no
//! incident. Each change is an event on the maintenance timeline (`piket timeline
//! maintenance`); the alerts a window kept are on the suppressed timeline.

use std::fmt::Write as _;
use std::process::ExitCode;

use chrono_tz::Tz;

use super::args::MaintenanceCmd;
use super::ctx::{Ctx, Fail, print_json};
use super::output::outln;
use crate::domain::Source;
use crate::domain::alert::MaintenanceWindow;
use crate::domain::maintenance::MaintenanceStatus;
use crate::domain::text::sanitize_line;
use crate::when::{parse_span, parse_time};
use crate::wire::CloseWindow;

pub(super) fn run(ctx: &Ctx, cmd: MaintenanceCmd) -> Result<ExitCode, Fail> {
    match cmd {
        MaintenanceCmd::Set { service, from, until, r#for, reason } => {
            let time = |s: &str| parse_time(s, ctx.tz(), ctx.now).map_err(Fail::Input);
            let start = time(&from)?;
            let end = match (until, r#for) {
                (Some(u), _) => time(&u)?,
                (None, Some(span)) => {
                    start
                        + parse_span(&span).ok_or_else(|| {
                            Fail::Input(format!("--for '{span}' is not a length of time: use 90m, 2h, 1d"))
                        })?
                }
                (None, None) => return Err(Fail::Input("give --until or --for".to_owned())),
            };
            let window = MaintenanceWindow { id: 0, service, start, end, reason, set_by: String::new() };
            let w = ctx.client.set_maintenance(window, Source::Cli)?;
            if ctx.json {
                print_json(&w)?;
            } else {
                let status = MaintenanceStatus {
                    id: w.id,
                    service: w.service,
                    start: w.start,
                    end: w.end,
                    reason: w.reason,
                    set_by: w.set_by,
                    closed: None,
                };
                outln!("{}", lines(std::slice::from_ref(&status), ctx))?;
                outln!("end it early with `piket maintenance end {}`", status.id)?;
            }
        }
        MaintenanceCmd::List => {
            let list = ctx.client.maintenance()?;
            if ctx.json {
                print_json(&list)?;
            } else if list.windows.is_empty() {
                outln!("no maintenance windows")?;
            } else {
                outln!("{}", lines(&list.windows, ctx))?;
                if list.suppressed_alerts > 0 {
                    outln!(
                        "{} alert{} suppressed in all: `piket timeline suppressed` shows them",
                        list.suppressed_alerts,
                        if list.suppressed_alerts == 1 { "" } else { "s" }
                    )?;
                }
            }
        }
        MaintenanceCmd::End { id, reason } => close(ctx, id, CloseWindow::End, reason)?,
        MaintenanceCmd::Cancel { id, reason } => close(ctx, id, CloseWindow::Cancel, reason)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn close(ctx: &Ctx, id: u32, how: CloseWindow, reason: Option<String>) -> Result<(), Fail> {
    let w = ctx.client.close_maintenance(id, how, reason, Source::Cli)?;
    if ctx.json {
        print_json(&w)?;
    } else {
        outln!("{}", lines(std::slice::from_ref(&w), ctx))?;
    }
    Ok(())
}

/// One window a line: number, service, state now, times in UTC and the display zone, who.
fn lines(list: &[MaintenanceStatus], ctx: &Ctx) -> String {
    let tz: Tz = ctx.tz();
    let mut s = String::new();
    for w in list {
        let closed = match &w.closed {
            Some(c) => format!(
                " ({} by {} at {}{})",
                if c.cancelled { "cancelled" } else { "ended" },
                sanitize_line(&c.by),
                c.at.format("%Y-%m-%d %H:%M:%SZ"),
                c.reason.as_ref().map(|r| format!(": {}", sanitize_line(r))).unwrap_or_default()
            ),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "#{}  {}  {}{}  {} -> {} ({} -> {})  by {}: {}",
            w.id,
            sanitize_line(&w.service),
            w.state(ctx.now),
            closed,
            w.start.format("%Y-%m-%d %H:%M:%SZ"),
            w.end.format("%Y-%m-%d %H:%M:%SZ"),
            w.start.with_timezone(&tz).format("%H:%M %Z"),
            w.end.with_timezone(&tz).format("%H:%M %Z"),
            sanitize_line(&w.set_by),
            sanitize_line(&w.reason)
        );
    }
    s.pop();
    s
}
