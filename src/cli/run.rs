//! Dispatch: arguments -> client calls -> output and exit code.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use color_eyre::eyre::{WrapErr, eyre};

use super::args::{ActionCmd, Cli, Cmd, ExportFormat, FlagArg, MilestoneArg, ScheduleCmd};
use super::output::{self, OutputError, errln, outln};
use super::when::{parse_date, parse_span, parse_time};
use crate::client::local::LocalClient;
use crate::client::{Client, ClientError, Outcome};
use crate::config::Config;
use crate::domain::text::sanitize;
use crate::domain::{Command, FieldChanges, Flag, IncidentId, Milestone, NewIncident, Query, Review, Source};
use crate::engine::Engine;

/// The database file inside the data dir.
pub const DB_FILE: &str = "piket.redb";

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

    fn time(&self, s: &str) -> Result<DateTime<Utc>, Fail> {
        parse_time(s, self.tz(), self.now).map_err(Fail::Input)
    }

    fn opt_time(&self, s: Option<&String>) -> Result<Option<DateTime<Utc>>, Fail> {
        s.map(|s| self.time(s)).transpose()
    }

    pub(super) fn exec(&self, cmd: Command) -> Result<Outcome, Fail> {
        let id = cmd.incident();
        self.client.execute(cmd, Source::Cli).map_err(|e| Fail::Client(id, e))
    }

    fn print_outcome(&self, o: &Outcome) -> Result<(), Fail> {
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

/// Where the database lives: --data-dir / PIKET_DATA_DIR, then config, then the platform dir.
///
/// # Errors
/// No home directory to derive a default from.
pub fn data_dir(flag: Option<&Path>, config: &Config) -> color_eyre::Result<PathBuf> {
    if let Some(d) = flag.or(config.data_dir.as_deref()) {
        return Ok(d.to_owned());
    }
    directories::ProjectDirs::from("", "", "piket").map(|p| p.data_dir().to_owned()).ok_or_else(|| {
        eyre!("cannot find a home directory for the data: pass --data-dir or set PIKET_DATA_DIR")
    })
}

/// Open (creating if needed) the engine in `dir`, in this process.
///
/// # Errors
/// The directory cannot be made, or the store refuses (held, naming the holder; newer schema;
/// damaged).
pub fn open_engine(dir: &Path, config: &Config) -> color_eyre::Result<Engine> {
    super::server::open_engine(dir, config)
}

/// The client for this invocation: the server on the socket (started if none runs), or the
/// engine in this process with `--embedded`.
///
/// # Errors
/// See [`super::server::connect_or_start`] and [`open_engine`].
pub fn client(cli: &Cli, config: &Config, dir: &Path) -> color_eyre::Result<Arc<dyn Client>> {
    Ok(if cli.embedded {
        Arc::new(LocalClient::new(Arc::new(open_engine(dir, config)?)))
    } else {
        Arc::new(super::server::connect_or_start(cli, config, dir)?)
    })
}

pub(super) fn create_private_dir(dir: &Path) -> color_eyre::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .wrap_err_with(|| format!("cannot create the data directory {}", dir.display()))
}

/// Run one invocation of piket.
///
/// # Errors
/// Configuration or storage problems, reported by `main` as one message (exit 1).
pub fn run(mut cli: Cli) -> color_eyre::Result<ExitCode> {
    // The config file alone, before anything is opened or started: CI runs this on a config.
    if let Some(Cmd::Schedule(ScheduleCmd::Check(args))) = &cli.command {
        return Ok(super::rota::check(cli.config.as_deref(), cli.json, args));
    }
    let loaded = Config::load(cli.config.as_deref()).map_err(|e| eyre!("{e}"))?;
    let config = loaded.config;
    let dir = data_dir(cli.data_dir.as_deref(), &config)?;
    let Some(command) = cli.command.take() else {
        if !stdout_is_terminal() {
            return Err(eyre!(
                "the queue needs a terminal; in scripts use a command instead, e.g. `piket list` (see `piket --help`)"
            ));
        }
        crate::launch::run_tui(client(&cli, &config, &dir)?, config)?;
        return Ok(ExitCode::SUCCESS);
    };
    match &command {
        // The demo seeds its own data dir in process and opens the queue on it (embedded).
        Cmd::Demo(args) => return crate::launch::demo(&dir, cli.data_dir.is_some(), config, args.no_tui),
        Cmd::Serve(a) => return super::server::serve(&cli, &config, &dir, a.detached),
        Cmd::Server(s) => return super::server::server_cmd(&cli, &config, &dir, s),
        _ => {}
    }
    let client = client(&cli, &config, &dir)?;
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
            let cmd = match (a.clear, a.priority, a.reason) {
                (true, _, _) => Command::ClearPriorityOverride { id: a.id },
                (false, Some(priority), Some(reason)) => {
                    Command::OverridePriority { id: a.id, priority, reason }
                }
                _ => return Err(Fail::Input("give a priority and --reason, or --clear".into())),
            };
            done(ctx.exec(cmd)?)
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
        Cmd::Acknowledge(a) => done(ctx.exec(Command::Acknowledge { id: a.id })?),
        Cmd::Role(a) => {
            let cmd = if a.release {
                Command::ReleaseRole { id: a.id, role: a.role }
            } else {
                Command::AssignRole { id: a.id, role: a.role, person: a.person }
            };
            done(ctx.exec(cmd)?)
        }
        Cmd::Contain(a) => done(ctx.exec(Command::Contain { id: a.id, action: text(&a.text)? })?),
        Cmd::Note(a) => done(ctx.exec(Command::Note { id: a.id, text: text(&a.text)? })?),
        Cmd::Finding(a) => done(ctx.exec(Command::Finding { id: a.id, text: text(&a.text)? })?),
        Cmd::RootCause(a) => done(ctx.exec(Command::SetRootCause {
            id: a.id,
            root_cause: text(&a.cause)?,
            trigger: a.trigger,
            contributing_factors: a.factors,
        })?),
        Cmd::Resolve(a) => {
            let recovered_at = ctx.opt_time(a.recovered_at.as_ref())?;
            done(ctx.exec(Command::Resolve { id: a.id, summary: text(&a.summary)?, recovered_at })?)
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
                outln!("{}", output::timeline(&events, ctx.tz()))?;
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
                outln!("{}", output::alerts(&alerts, ctx.tz()))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::List(a) => {
            let q = Query {
                statuses: a.status,
                all: a.all,
                priorities: a.priority,
                severities: a.severity,
                service: a.service,
                text: a.text,
                person: a.mine.then(|| ctx.client.actor().to_owned()),
                sort: a.sort,
                limit: a.limit,
            };
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
            let body = match a.format {
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
        Cmd::Demo(_) | Cmd::Serve(_) | Cmd::Server(_) | Cmd::Schedule(ScheduleCmd::Check(_)) => {
            Err(Fail::Input("handled before a client is made".into()))
        }
    }
}

/// Whether standard output is a terminal (the TUI needs one).
#[must_use]
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}
