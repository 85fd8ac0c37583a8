//! Dispatch: arguments -> client calls -> output and exit code.

use std::process::ExitCode;

use chrono::Utc;
use color_eyre::eyre::eyre;

use super::args::{ActionCmd, Cli, Cmd, ExportFormat, FlagArg, MilestoneArg, ScheduleCmd};
use super::ctx::{Ctx, Fail, outcome_json, print_json, text};
use super::output::{self, errln, outln};
use crate::client::ClientError;
use crate::domain::text::sanitize;
use crate::domain::{Command, FieldChanges, Flag, Milestone, NewIncident, Query, Review};
use crate::launch;
use crate::start;
use crate::when::{parse_date, parse_span};
use crate::wire::Outcome;

/// Run one invocation of piket.
///
/// # Errors
/// Configuration or storage problems, reported by `main` as one message (exit 1).
pub fn run(mut cli: Cli) -> color_eyre::Result<ExitCode> {
    // The config file alone, before anything is opened or started: CI runs this on a config.
    if let Some(Cmd::Schedule(ScheduleCmd::Check(args))) = &cli.command {
        return Ok(super::rota::check(cli.config.as_deref(), cli.json, args));
    }
    // Generated from the definitions alone: they work before any install is configured.
    match &cli.command {
        Some(Cmd::Completions(args)) => return Ok(super::generated::completions(args.shell)),
        Some(Cmd::Man(args)) => return Ok(super::generated::man(args.dir.as_deref())),
        _ => {}
    }
    let flags = cli.flags();
    let config = start::load_config(&flags)?;
    let dir = start::data_dir(flags.data_dir.as_deref(), &config)?;
    let Some(command) = cli.command.take() else {
        if !launch::stdout_is_terminal() {
            return Err(eyre!(
                "the queue needs a terminal; in scripts use a command instead, e.g. `piket list` (see `piket --help`)"
            ));
        }
        launch::run_tui(start::client(&flags, &config, &dir)?, config)?;
        return Ok(ExitCode::SUCCESS);
    };
    match &command {
        // The demo seeds its own data dir in process and opens the queue on it (embedded).
        Cmd::Demo(args) => {
            if let Some(seeded) = launch::demo(&dir, flags.data_dir.is_some(), config, args.no_tui)? {
                outln!("{}", seeded.display())?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        Cmd::Serve(a) => return start::serve(&flags, &config, &dir, a.detached),
        Cmd::Server(s) => return super::server::server_cmd(&cli, &config, &dir, s),
        _ => {}
    }
    let client = start::client(&flags, &config, &dir)?;
    let ctx = Ctx { client, config, json: cli.json, now: Utc::now() };
    Ok(match dispatch(&ctx, command) {
        Ok(code) => code,
        // Refusals quote names and text people and config files supplied: sanitised too.
        Err(Fail::Input(msg)) => {
            errln!("piket: {}", sanitize(&msg));
            ExitCode::FAILURE
        }
        Err(Fail::Client(id, ClientError::Refused(r))) => {
            errln!("piket: {}", sanitize(&output::refusal(&r)));
            for step in output::next_steps(id, &r.next) {
                errln!("  next: {step}");
            }
            ExitCode::FAILURE
        }
        Err(Fail::Client(_, e)) => {
            errln!("piket: {}", sanitize(&e.to_string()));
            ExitCode::FAILURE
        }
        Err(Fail::Output(e)) => e.exit(),
    })
}

#[expect(clippy::too_many_lines, reason = "one arm per subcommand reads as the command table")]
fn dispatch(ctx: &Ctx, command: Cmd) -> Result<ExitCode, Fail> {
    let done = |o: Outcome| ctx.print_outcome(&o).map(|()| ExitCode::SUCCESS);
    match command {
        Cmd::New(a) => {
            let n = NewIncident {
                title: a.title,
                description: a.description,
                reported_by: a.reported_by,
                channel: a.channel,
                services: a.services,
                impact: a.impact,
                urgency: a.urgency,
                severity: a.severity,
                category: a.category,
                detected_at: ctx.opt_time(a.detected_at.as_ref())?,
                impact_started_at: ctx.opt_time(a.impact_started.as_ref())?,
                reported_at: ctx.opt_time(a.reported_at.as_ref())?,
                drill: a.drill,
            };
            let o = ctx.exec(Command::Register(n))?;
            if ctx.json {
                print_json(&outcome_json(&o))?;
            } else {
                outln!("{}", o.incident)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Set(a) => {
            let changes = FieldChanges {
                title: a.title,
                impact: a.impact,
                urgency: a.urgency,
                severity: a.severity,
                category: a.category.map(|c| Some(c).filter(|c| !c.trim().is_empty())),
                services: Some(a.services).filter(|s| !s.is_empty()),
            };
            if changes.is_empty() {
                return Err(Fail::Input(
                    "nothing to change: give --title, --impact, --urgency, --severity, --category or --service".into(),
                ));
            }
            done(ctx.exec(Command::Update { id: a.id, changes })?)
        }
        Cmd::Priority(a) => {
            let (ids, priority) = priority_values(&a.values, a.clear)?;
            match (priority, a.reason) {
                (None, _) => super::bulk::act(ctx, ids, &a.select, "clear the manual priority of", |id| {
                    Command::ClearPriorityOverride { id }
                }),
                (Some(priority), Some(reason)) => {
                    let verb = format!("set priority {priority} on");
                    super::bulk::act(ctx, ids, &a.select, &verb, |id| Command::OverridePriority {
                        id,
                        priority,
                        reason: reason.clone(),
                    })
                }
                (Some(_), None) => Err(Fail::Input("give a priority and --reason, or --clear".into())),
            }
        }
        Cmd::Time(a) => {
            let milestone = match a.milestone {
                MilestoneArg::ImpactStarted => Milestone::ImpactStarted,
                MilestoneArg::Detected => Milestone::Detected,
                MilestoneArg::Reported => Milestone::Reported,
            };
            let at = ctx.time(&a.at)?;
            done(ctx.exec(Command::RecordTime { id: a.id, milestone, at, reason: a.reason })?)
        }
        Cmd::Flag(a) => {
            let flag = match a.flag {
                FlagArg::Drill => Flag::Drill,
                FlagArg::NearMiss => Flag::NearMiss,
            };
            done(ctx.exec(Command::SetFlag { id: a.id, flag, value: !a.off })?)
        }
        Cmd::Acknowledge(a) => {
            super::bulk::act(ctx, a.ids, &a.select, "acknowledge", |id| Command::Acknowledge { id })
        }
        Cmd::Role(a) => {
            let cmd = if a.release {
                Command::ReleaseRole { id: a.id, role: a.role }
            } else {
                Command::AssignRole { id: a.id, role: a.role, person: a.person }
            };
            done(ctx.exec(cmd)?)
        }
        Cmd::Contain(a) => done(ctx.exec(Command::Contain { id: a.id, action: text(&a.text)? })?),
        Cmd::Note(a) => {
            super::bulk::stdin_free(&a.text, &a.select)?;
            let t = text(&a.text)?;
            super::bulk::act(ctx, a.ids, &a.select, "add the note to", |id| Command::Note {
                id,
                text: t.clone(),
            })
        }
        Cmd::Finding(a) => done(ctx.exec(Command::Finding { id: a.id, text: text(&a.text)? })?),
        Cmd::RootCause(a) => done(ctx.exec(Command::SetRootCause {
            id: a.id,
            root_cause: text(&a.cause)?,
            trigger: a.trigger,
            contributing_factors: a.factors,
        })?),
        Cmd::Resolve(a) => {
            let recovered_at = ctx.opt_time(a.recovered_at.as_ref())?;
            super::bulk::stdin_free(&a.summary, &a.select)?;
            let summary = text(&a.summary)?;
            super::bulk::act(ctx, a.ids, &a.select, "resolve", |id| Command::Resolve {
                id,
                summary: summary.clone(),
                recovered_at,
            })
        }
        Cmd::Reopen(a) => done(ctx.exec(Command::Reopen { id: a.id, reason: a.reason })?),
        Cmd::Update(a) => {
            done(ctx.exec(Command::StatusUpdate { id: a.id, audience: a.audience, text: text(&a.text)? })?)
        }
        Cmd::Escalate(a) => done(ctx.exec(Command::Escalate { id: a.id, to: a.to, reason: a.reason })?),
        Cmd::Review(a) => done(ctx.exec(Command::RecordReview {
            id: a.id,
            review: Review {
                went_well: a.went_well,
                went_wrong: a.went_wrong,
                got_lucky: a.lucky,
                lessons: a.lessons,
            },
        })?),
        Cmd::Action(ActionCmd::Add { id, text: t, owner, due }) => {
            let due = parse_date(&due, ctx.tz(), ctx.now).map_err(Fail::Input)?;
            done(ctx.exec(Command::AddActionItem { id, text: text(&t)?, owner, due })?)
        }
        Cmd::Action(ActionCmd::Done { id, item }) => {
            done(ctx.exec(Command::CompleteActionItem { id, item })?)
        }
        Cmd::Close(a) => done(ctx.exec(Command::Close { id: a.id })?),
        Cmd::Correct(a) => done(ctx.exec(Command::Correct { id: a.id, seq: a.seq, text: text(&a.text)? })?),
        Cmd::Show(a) => {
            let inc = ctx.client.incident(a.id).map_err(|e| Fail::Client(Some(a.id), e))?;
            if ctx.json {
                print_json(&inc)?;
            } else {
                outln!("{}", output::show(&inc, &ctx.config.policy, ctx.tz(), ctx.now))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Timeline(a) => {
            let events = ctx.client.timeline(a.id).map_err(|e| Fail::Client(Some(a.id), e))?;
            if ctx.json {
                print_json(&events.iter().map(crate::report::event_json).collect::<Vec<_>>())?;
            } else {
                outln!("{}", output::timeline(&events, ctx.now, ctx.tz()))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Maintenance(c) => super::maintenance::run(ctx, c),
        Cmd::Alerts(a) => {
            let events = ctx.client.timeline(a.id).map_err(|e| Fail::Client(Some(a.id), e))?;
            let alerts = output::alert_summaries(&events);
            if ctx.json {
                print_json(&alerts)?;
            } else if alerts.is_empty() {
                outln!("{} has no alerts: it was not opened by an alert receiver", a.id)?;
            } else {
                outln!("{}", output::alerts(&alerts, ctx.now, ctx.tz()))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::List(a) => {
            let q = a.by.query(ctx.client.actor(), a.sort, a.limit);
            let list = ctx.client.list(&q)?;
            if ctx.json {
                print_json(&list)?;
            } else {
                outln!("{}", output::list(&list, ctx.now))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Export(a) => {
            let inc = ctx.client.incident(a.id).map_err(|e| Fail::Client(Some(a.id), e))?;
            let events = ctx.client.timeline(a.id).map_err(|e| Fail::Client(Some(a.id), e))?;
            let head = ctx.client.chain_head()?;
            let format = if ctx.json { ExportFormat::Json } else { a.format };
            let body = match format {
                ExportFormat::Markdown => crate::report::markdown(&inc, &events, &head, ctx.tz(), ctx.now),
                ExportFormat::Json => {
                    serde_json::to_string_pretty(&crate::report::json(&inc, &events, &head))
                        .map_err(|e| Fail::Input(format!("cannot write JSON: {e}")))?
                }
            };
            match a.output {
                Some(path) => {
                    let access = crate::files::Access::Private;
                    let written = if a.force {
                        crate::files::replace(&path, body.as_bytes(), access)
                    } else {
                        crate::files::write_new(&path, body.as_bytes(), access)
                    };
                    written.map_err(|e| Fail::Input(e.to_string()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => outln!("{body}")?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Stats(a) => {
            let span = parse_span(&a.since).ok_or_else(|| {
                Fail::Input(format!("'{}' is not a period: use e.g. 7d, 30d, 12w", a.since))
            })?;
            let all = ctx.client.list(&Query { all: true, ..Query::default() })?;
            let window = crate::domain::kpi::Window { since: ctx.now - span, until: ctx.now };
            let report =
                crate::domain::kpi::report(&all, &ctx.config.policy, window, ctx.now, a.include_drills);
            if ctx.json {
                print_json(&report)?;
            } else {
                outln!("{}", crate::report::stats::render_text(&report, ctx.tz()))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Verify => {
            let r = ctx.client.verify()?;
            if ctx.json {
                print_json(&r)?;
            } else if let Some(p) = &r.problem {
                errln!("piket verify: FAILED after {} events: {p}", r.events);
            } else {
                outln!(
                    "ok: {} events in {} incidents ({} maintenance events, {} suppressed alerts); \
                     the chain and every projection check out",
                    r.events,
                    r.incidents,
                    r.maintenance_events,
                    r.suppressed_alerts
                )?;
                outln!("chain head {}", r.head)?;
            }
            Ok(if r.problem.is_some() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Cmd::Oncall(a) => super::rota::oncall(ctx, &a),
        Cmd::Schedule(ScheduleCmd::Show(a)) => super::rota::show(ctx, &a),
        Cmd::Override(c) => super::rota::override_cmd(ctx, c),
        Cmd::Page(a) => super::rota::page(ctx, a),
        Cmd::Escalation(a) => super::rota::escalation(ctx, a.id),
        Cmd::Watch(a) => super::watch::run(ctx, &a),
        Cmd::Demo(_)
        | Cmd::Serve(_)
        | Cmd::Server(_)
        | Cmd::Completions(_)
        | Cmd::Man(_)
        | Cmd::Schedule(ScheduleCmd::Check(_)) => Err(Fail::Input("handled before a client is made".into())),
    }
}

/// `piket priority`'s positionals: incident ids, then the priority (none with --clear).
fn priority_values(
    values: &[String],
    clear: bool,
) -> Result<(Vec<crate::domain::IncidentId>, Option<crate::domain::Priority>), Fail> {
    let (ids, priority) = match (clear, values.split_last()) {
        (true, _) => (values, None),
        (false, Some((last, ids))) => {
            (ids, Some(last.parse::<crate::domain::Priority>().map_err(Fail::Input)?))
        }
        (false, None) => return Err(Fail::Input("give a priority and --reason, or --clear".into())),
    };
    let ids = ids
        .iter()
        .map(|s| s.parse::<crate::domain::IncidentId>().map_err(|e| Fail::Input(format!("'{s}': {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((ids, priority))
}
