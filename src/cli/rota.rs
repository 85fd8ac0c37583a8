//! The on-call commands: `oncall`, `schedule show|check`, `override add|list|remove`, `page`
//! and `escalation`.
//!
//! All but one ask the server, which owns the overrides and so the live rota. `schedule check`
//! is the exception: it reads the config file and nothing else, so a team can run it in CI
//! on the config they are about to deploy.

use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};

use super::args::{OncallArgs, OverrideCmd, PageArgs, ScheduleCheckArgs, ScheduleShowArgs};
use super::ctx::{Ctx, Fail, outcome_json, print_json, text};
use super::output::{errln, outln};
use super::rota_output as out;
use crate::config::Config;
use crate::domain::schedule::Coverage;
use crate::domain::{Command, IncidentId, RotaCommand, Source};
use crate::when::{parse_span, parse_time_ahead};
use crate::wire::RotaQuery;

impl Ctx {
    /// A time typed for the rota: a bare time of day is its next occurrence.
    fn time_ahead(&self, s: &str) -> Result<DateTime<Utc>, Fail> {
        parse_time_ahead(s, self.tz(), self.now).map_err(Fail::Input)
    }

    fn rota(&self, at: DateTime<Utc>, days: u32) -> Result<crate::wire::RotaView, Fail> {
        Ok(self.client.rota(RotaQuery { at, days })?)
    }
}

/// "90m", "12h", "2d" as a duration, or a sentence naming the forms.
fn span(flag: &str, s: &str) -> Result<Duration, Fail> {
    parse_span(s)
        .filter(|d| *d > Duration::zero())
        .ok_or_else(|| Fail::Input(format!("{flag} '{s}' is not a length of time: use 90m, 12h, 2d")))
}

/// `piket oncall`.
pub(super) fn oncall(ctx: &Ctx, a: &OncallArgs) -> Result<ExitCode, Fail> {
    let at = a.at.as_deref().map(|s| ctx.time_ahead(s)).transpose()?.unwrap_or(ctx.now);
    let view = ctx.rota(at, 0)?;
    if ctx.json {
        print_json(
            &serde_json::json!({ "at": view.at, "on_call": view.on_call, "overrides": view.overrides }),
        )?;
    } else if view.on_call.is_empty() {
        outln!("{}", out::NO_SCHEDULES)?;
    } else {
        outln!("{}", out::on_call(&view, ctx.tz()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `piket schedule show`.
pub(super) fn show(ctx: &Ctx, a: &ScheduleShowArgs) -> Result<ExitCode, Fail> {
    let from = a.from.as_deref().map(|s| ctx.time_ahead(s)).transpose()?.unwrap_or(ctx.now);
    let to = from + Duration::days(i64::from(a.days));
    let view = ctx.rota(from, a.days)?;
    let mut coverage = view.coverage;
    if let Some(name) = &a.name {
        if !coverage.iter().any(|c| &c.schedule == name) {
            let known: Vec<&str> = coverage.iter().map(|c| c.schedule.as_str()).collect();
            return Err(Fail::Input(format!(
                "there is no schedule '{}': {}",
                crate::domain::text::sanitize_line(name),
                if known.is_empty() {
                    "none are configured".to_owned()
                } else {
                    format!("known: {}", crate::domain::text::sanitize_line(&known.join(", ")))
                }
            )));
        }
        coverage.retain(|c| &c.schedule == name);
    }
    if ctx.json {
        print_json(&serde_json::json!({ "from": from, "to": to, "coverage": coverage }))?;
    } else if coverage.is_empty() {
        outln!("{}", out::NO_SCHEDULES)?;
    } else {
        outln!("{}", out::schedule_show(&coverage, from, to, ctx.tz()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `piket schedule check`: the config file alone. Exit 1 on a gap; 2 for a config or usage
/// error, so CI can tell a rota with a hole from a file it could not read.
#[must_use]
pub(super) fn check(config: Option<&Path>, json: bool, a: &ScheduleCheckArgs) -> ExitCode {
    let usage = |msg: &str| {
        errln!("piket: {}", crate::domain::text::sanitize(msg));
        ExitCode::from(2)
    };
    let config = match Config::load(config) {
        Ok(loaded) => loaded.config,
        Err(e) => return usage(&e.to_string()),
    };
    let tz = config.timezone;
    let now = Utc::now();
    let from = match a.from.as_deref().map(|s| parse_time_ahead(s, tz, now)).transpose() {
        Ok(from) => from.unwrap_or(now),
        Err(e) => return usage(&format!("--from: {e}")),
    };
    let to = from + Duration::days(i64::from(a.days));
    let coverage: Vec<Coverage> =
        config.policy.rota.schedules.values().map(|s| long_coverage(s, from, to)).collect();
    let gaps = coverage.iter().map(|c| c.gaps().count()).sum::<usize>();
    if json {
        let v = serde_json::json!({ "from": from, "to": to, "gaps": gaps, "coverage": coverage });
        let printed = match serde_json::to_string_pretty(&v) {
            Ok(s) => outln!("{s}"),
            Err(e) => return usage(&format!("cannot write JSON: {e}")),
        };
        if let Err(e) = printed {
            return e.exit();
        }
    } else if let Err(e) = if coverage.is_empty() {
        outln!("{}", out::NO_SCHEDULES)
    } else {
        outln!("{}", out::schedule_check(&coverage, from, to, tz))
    } {
        return e.exit();
    }
    if gaps > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// A schedule's coverage over a horizon longer than one query may span (`--days` up to two
/// years): computed a year at a time and joined, so a stretch that runs across the join is one
/// segment, as if computed at once.
fn long_coverage(s: &crate::domain::schedule::Schedule, from: DateTime<Utc>, to: DateTime<Utc>) -> Coverage {
    let mut all = Coverage { schedule: s.name.clone(), segments: Vec::new(), dst_shifts: Vec::new() };
    let mut start = from;
    while start < to {
        let end = (start + crate::domain::schedule::MAX_COVERAGE).min(to);
        let part = s.coverage(start, end, &[]);
        for seg in part.segments {
            match all.segments.last_mut() {
                Some(last)
                    if last.end == seg.start
                        && last.people == seg.people
                        && last.overrides == seg.overrides =>
                {
                    last.end = seg.end;
                }
                _ => all.segments.push(seg),
            }
        }
        all.dst_shifts.extend(part.dst_shifts);
        start = end;
    }
    all
}

/// `piket override add|list|remove`.
pub(super) fn override_cmd(ctx: &Ctx, cmd: OverrideCmd) -> Result<ExitCode, Fail> {
    let change = |cmd: RotaCommand| -> Result<ExitCode, Fail> {
        let events =
            ctx.client.change_rota(cmd, Source::Cli).map_err(|e| Fail::Client(Some(IncidentId::ROTA), e))?;
        if ctx.json {
            print_json(&events.iter().map(crate::report::event_json).collect::<Vec<_>>())?;
        } else {
            outln!("{}", out::rota_events(&events, ctx.tz(), ctx.now))?;
        }
        Ok(ExitCode::SUCCESS)
    };
    match cmd {
        OverrideCmd::Add { schedule, person, covers, from, until, r#for, reason } => {
            let start = ctx.time_ahead(&from)?;
            let end = match (until, r#for) {
                (Some(u), _) => ctx.time_ahead(&u)?,
                (None, Some(s)) => start + span("--for", &s)?,
                (None, None) => return Err(Fail::Input("give --until or --for".to_owned())),
            };
            let reason = reason.map(|r| text(&r)).transpose()?;
            change(RotaCommand::AddOverride { schedule, person, covers, start, end, reason })
        }
        OverrideCmd::Remove { id, reason } => {
            let reason = reason.map(|r| text(&r)).transpose()?;
            change(RotaCommand::RemoveOverride { id, reason })
        }
        OverrideCmd::List => {
            let list = ctx.rota(ctx.now, 0)?.overrides;
            if ctx.json {
                print_json(&list)?;
            } else {
                outln!("{}", out::overrides(&list, ctx.tz(), ctx.now))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `piket page INC-n`.
pub(super) fn page(ctx: &Ctx, a: PageArgs) -> Result<ExitCode, Fail> {
    let id = a.id;
    let o = ctx.exec(Command::Page { id, level: a.level, reason: text(&a.reason)? })?;
    if ctx.json {
        return print_json(&outcome_json(&o)).map(|()| ExitCode::SUCCESS);
    }
    outln!("{}", out::paged(&o))?;
    // The page is recorded; what comes next is a courtesy, so a failure to fetch it is not one.
    if let Ok(view) = ctx.client.escalation(id) {
        outln!("{}", out::next_step(&view, ctx.tz(), ctx.now))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `piket escalation INC-n`.
pub(super) fn escalation(ctx: &Ctx, id: IncidentId) -> Result<ExitCode, Fail> {
    let view = ctx.client.escalation(id).map_err(|e| Fail::Client(Some(id), e))?;
    if ctx.json {
        print_json(&view)?;
    } else {
        outln!("{}", out::escalation(&view, ctx.tz(), ctx.now))?;
    }
    Ok(ExitCode::SUCCESS)
}
