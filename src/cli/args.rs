//! Argument definitions (clap derive). Help texts are what `piket <cmd> --help` shows.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::domain::{Impact, IncidentId, Priority, Role, Severity, Sort, Status, Urgency};
use crate::start::Flags;

#[derive(Debug, Parser)]
#[command(
    name = "piket",
    version,
    about = "Incident response in the terminal: one live queue, an append-only hash-chained record",
    long_about = "Incident response in the terminal.\n\nWithout a command, piket opens the full-screen queue. \
                  Every step of the process is also a command here, for scripts and quick hands.",
    after_help = "Times: \"10m ago\", \"14:02\", \"yesterday 14:02\", \"mon 09:00\", \"2026-11-20 14:02\" \
                  (display zone) or RFC 3339; times to come also \"tomorrow 09:00\", \"+2h\".\n\
                  Dates: 2026-12-01, today, tomorrow, fri, next week, +14d, in 2w.\n\
                  Text arguments: \"-\" reads the text from standard input."
)]
pub struct Cli {
    /// Directory of the database (default: the platform data dir, e.g. ~/.local/share/piket).
    #[arg(long, global = true, env = "PIKET_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Config file (default: PIKET_CONFIG, then the platform config dir, e.g. ~/.config/piket/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print JSON instead of text (for scripts).
    #[arg(long, global = true)]
    pub json: bool,
    /// The server's Unix socket (default: [server] socket in the config; else piket.sock in
    /// --data-dir when one is given; else $XDG_RUNTIME_DIR/piket/piket.sock).
    #[arg(long, global = true, env = "PIKET_SOCKET", value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Run the engine inside this process instead of talking to `piket serve` (tests, demos,
    /// a private database on a laptop). Fails while a server holds the database.
    #[arg(long, global = true)]
    pub embedded: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

impl Cli {
    /// The start-up flags as `start` takes them.
    #[must_use]
    pub fn flags(&self) -> Flags {
        Flags {
            config: self.config.clone(),
            data_dir: self.data_dir.clone(),
            socket: self.socket.clone(),
            embedded: self.embedded,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// 1. Register an incident; prints its id.
    New(NewArgs),
    /// 2. Change title, impact, urgency (priority follows), severity, category or services.
    Set(SetArgs),
    /// 2. Set the priority by hand (needs --reason), or --clear to derive it again; also of several
    ///    incidents at once (`piket priority 4 5 P2 --reason ...`) or of those --filter selects.
    Priority(PriorityArgs),
    /// 1. Record when the impact started, was detected or reported.
    Time(TimeArgs),
    /// Mark or unmark a drill / near miss (left out of KPIs).
    Flag(FlagArgs),
    /// 3. Acknowledge: you have it. Several at once: `piket ack 4 5 6`, or --filter with the
    ///    filters of `piket list` (shows what it will act on and asks first; --yes for scripts).
    #[command(visible_alias = "ack")]
    Acknowledge(AckArgs),
    /// 3. Take a role (no PERSON) or assign it; --release to clear it.
    Role(RoleArgs),
    /// 3. Record a containment action (the first one marks the incident contained).
    Contain(TextArgs),
    /// 4. Add a note to the timeline; of several incidents: `piket note 4 5 6 "text"`, or --filter.
    // The ids may be missing (--filter) before the text, which may not.
    #[command(allow_missing_positional = true)]
    Note(NoteArgs),
    /// 4. Add a finding of the investigation.
    Finding(TextArgs),
    /// 4. Record the root cause, trigger and contributing factors.
    RootCause(RootCauseArgs),
    /// 5. Resolve: service restored; several at once: `piket resolve 4 5 -m "..."`, or --filter.
    Resolve(ResolveArgs),
    /// 5. Reopen a resolved incident.
    Reopen(ReasonArgs),
    /// 6. Post a status update for an audience.
    Update(UpdateArgs),
    /// 6. Escalate to a person or team.
    Escalate(EscalateArgs),
    /// 8. Record the post-incident review.
    Review(ReviewArgs),
    /// 8. Action items: add or complete.
    #[command(subcommand)]
    Action(ActionCmd),
    /// 8. Close; refuses, listing what is missing, until the closing rules are met.
    Close(IdArg),
    /// Correct an earlier event (the original stays; this one points at it).
    Correct(CorrectArgs),
    /// 7. One incident's fields.
    Show(IdArg),
    /// 7. One incident's timeline (UTC and display zone).
    Timeline(IdArg),
    /// 7. The alerts of an alert-born incident (source, status, count, labels).
    Alerts(IdArg),
    /// Maintenance windows: alerts of a service inside one open no incident.
    #[command(subcommand)]
    Maintenance(MaintenanceCmd),
    /// Who is on call now (or at --at) in every schedule, and who is next.
    Oncall(OncallArgs),
    /// On-call schedules: the live rota with its overrides, or a check of the configured one.
    #[command(subcommand)]
    Schedule(ScheduleCmd),
    /// Overrides: someone else on call in a schedule for a while (a swap, a sick day).
    #[command(subcommand)]
    Override(OverrideCmd),
    /// 6. Page the next level (or --level N) of an incident's escalation policy by hand.
    Page(PageArgs),
    /// 6. An incident's escalation: each level, who it reaches now, what was paged, what is next.
    Escalation(IdArg),
    /// 7. List incidents (default: the open queue).
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// 7. Write an incident report (Markdown, or JSON).
    Export(ExportArgs),
    /// KPIs: MTTA, time to contain, MTTR; counts per week and severity.
    Stats(StatsArgs),
    /// Follow the record: one line per committed event (position, time, incident, kind,
    /// actor, summary), or JSON lines with --json, until interrupted or the server goes away.
    Watch(WatchArgs),
    /// Walk the hash chain and recompute every projection; exit 1 on any mismatch.
    Verify,
    /// A completion script for a shell, from these very definitions: e.g.
    /// `piket completions bash > ~/.local/share/bash-completion/completions/piket`,
    /// `piket completions zsh > ~/.zfunc/_piket`,
    /// `piket completions fish > ~/.config/fish/completions/piket.fish`.
    Completions(CompletionsArgs),
    /// The manual page piket(1), in roff: `piket man | man -l -`; with --dir, piket(1) and a
    /// page per subcommand (piket-watch(1) ...) written into a man directory.
    Man(ManArgs),
    /// Fill a fresh data dir with realistic incidents and open the queue.
    Demo(DemoArgs),
    /// Run the server in the foreground: own the database, serve the socket (systemd runs this;
    /// any other piket starts one by itself when none is running).
    Serve(ServeArgs),
    /// The server on the socket: status or stop.
    #[command(subcommand)]
    Server(ServerCmd),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Started by a client: leave the terminal's session (as tmux's server does).
    #[arg(long, hide = true)]
    pub detached: bool,
}

#[derive(Debug, Subcommand)]
pub enum ServerCmd {
    /// Whether a server answers on the socket, and what it serves; exit 1 if none does.
    Status,
    /// Stop the server (commands in flight finish first); exit 0 also when none was running.
    Stop,
}

#[derive(Debug, Args)]
pub struct IdArg {
    /// Incident id: INC-42 or 42.
    pub id: IncidentId,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// One line that says what is wrong.
    pub title: String,
    /// Affected service (repeatable).
    #[arg(long = "service", short = 's', value_name = "SERVICE")]
    pub services: Vec<String>,
    /// How much of the business is hurt: high, medium or low (the queue's form starts at medium).
    #[arg(long, short = 'i', default_value = "medium", value_parser = parse::<Impact>)]
    pub impact: Impact,
    /// How soon it must be dealt with: high, medium or low (priority follows impact and urgency).
    #[arg(long, short = 'u', default_value = "medium", value_parser = parse::<Urgency>)]
    pub urgency: Urgency,
    /// 1 (critical) .. 4 (minor), or SEV1 .. SEV4. If unsure, pick the higher.
    #[arg(long, default_value = "3", value_parser = parse::<Severity>)]
    pub severity: Severity,
    #[arg(long)]
    pub category: Option<String>,
    /// Who reported it ("customer support", a name).
    #[arg(long)]
    pub reported_by: Option<String>,
    #[arg(long, short = 'd')]
    pub description: Option<String>,
    /// How it reached you (default: cli).
    #[arg(long)]
    pub channel: Option<String>,
    /// When it was detected (default: now).
    #[arg(long, value_name = "TIME")]
    pub detected_at: Option<String>,
    /// When the impact started, if known.
    #[arg(long, value_name = "TIME")]
    pub impact_started: Option<String>,
    /// When it was reported.
    #[arg(long, value_name = "TIME")]
    pub reported_at: Option<String>,
    /// An exercise: left out of KPIs.
    #[arg(long)]
    pub drill: bool,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    pub id: IncidentId,
    #[arg(long)]
    pub title: Option<String>,
    /// high, medium or low.
    #[arg(long, short = 'i', value_parser = parse::<Impact>)]
    pub impact: Option<Impact>,
    /// high, medium or low.
    #[arg(long, short = 'u', value_parser = parse::<Urgency>)]
    pub urgency: Option<Urgency>,
    /// 1 (critical) .. 4 (minor), or SEV1 .. SEV4.
    #[arg(long, value_parser = parse::<Severity>)]
    pub severity: Option<Severity>,
    /// Category ("" clears it).
    #[arg(long)]
    pub category: Option<String>,
    /// The affected services, replacing the current list (repeatable).
    #[arg(long = "service", short = 's', value_name = "SERVICE")]
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PriorityArgs {
    /// Incident ids (INC-42 or 42), then the priority P1 .. P5 (none with --clear; with
    /// --filter only the priority).
    #[arg(value_name = "ID... PRIORITY", required_unless_present_any = ["clear", "filter"])]
    pub values: Vec<String>,
    /// Why the matrix is wrong here (required for a manual priority).
    #[arg(long, short = 'r', required_unless_present = "clear")]
    pub reason: Option<String>,
    /// Drop the manual priority; derive it from impact and urgency again.
    #[arg(long, conflicts_with = "reason")]
    pub clear: bool,
    #[command(flatten)]
    pub select: Select,
}

#[derive(Debug, Args)]
pub struct AckArgs {
    /// Incident ids: INC-42 or 42, one or more (or --filter).
    #[arg(value_name = "ID", required_unless_present = "filter")]
    pub ids: Vec<IncidentId>,
    #[command(flatten)]
    pub select: Select,
}

/// Acting on the incidents a filter selects instead of named ones.
#[derive(Debug, Args)]
pub struct Select {
    /// Act on the incidents the filter options select (the filters of `piket list`: --status,
    /// --all, --priority, --severity, --service, --text, --mine; at least one). Shows
    /// them and asks before acting; refuses without a terminal unless --yes is given.
    #[arg(long)]
    pub filter: bool,
    /// With --filter: act without asking (for scripts; the list is still printed on stderr).
    #[arg(long, short = 'y', requires = "filter")]
    pub yes: bool,
    #[command(flatten)]
    pub by: FilterArgs,
}

/// Which incidents: `piket list`'s filters, and --filter's for the commands that act on
/// several incidents.
#[derive(Debug, Args, Default)]
pub struct FilterArgs {
    /// Only these statuses: triggered, acknowledged, contained, resolved or closed (repeatable;
    /// default: the open ones).
    #[arg(long, value_parser = parse::<Status>)]
    pub status: Vec<Status>,
    /// Every status, closed included.
    #[arg(long, short = 'a')]
    pub all: bool,
    /// Only these priorities: P1 .. P5 (repeatable).
    #[arg(long = "priority", short = 'p', value_name = "PRIORITY", value_parser = parse::<Priority>)]
    pub priorities: Vec<Priority>,
    /// Only these severities: 1 .. 4 or SEV1 .. SEV4 (repeatable).
    #[arg(long, value_parser = parse::<Severity>)]
    pub severity: Vec<Severity>,
    /// Only incidents affecting this service.
    #[arg(long, short = 's')]
    pub service: Option<String>,
    /// Words that must all occur in id, title, description, category, a service, a role or its
    /// holder, or an event of the timeline; INC-7 or #7 matches that incident only.
    #[arg(long, short = 't')]
    pub text: Option<String>,
    /// Only incidents you lead or hold a role in.
    #[arg(long)]
    pub mine: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MilestoneArg {
    ImpactStarted,
    Detected,
    Reported,
}

#[derive(Debug, Args)]
pub struct TimeArgs {
    pub id: IncidentId,
    pub milestone: MilestoneArg,
    pub at: String,
    #[arg(long, short = 'r')]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FlagArg {
    Drill,
    NearMiss,
}

#[derive(Debug, Args)]
pub struct FlagArgs {
    pub id: IncidentId,
    pub flag: FlagArg,
    /// Unmark instead of mark.
    #[arg(long)]
    pub off: bool,
}

#[derive(Debug, Args)]
pub struct RoleArgs {
    pub id: IncidentId,
    /// commander, deputy, scribe, comms or sme.
    #[arg(value_parser = parse::<Role>)]
    pub role: Role,
    /// Who gets the role (default: you). Handing over names both people in the timeline.
    pub person: Option<String>,
    /// Clear the role instead.
    #[arg(long, conflicts_with = "person")]
    pub release: bool,
}

#[derive(Debug, Args)]
pub struct TextArgs {
    pub id: IncidentId,
    /// The text ("-": read standard input).
    pub text: String,
}

#[derive(Debug, Args)]
pub struct RootCauseArgs {
    pub id: IncidentId,
    /// The root cause ("-": read standard input).
    pub cause: String,
    /// What set it off.
    #[arg(long)]
    pub trigger: Option<String>,
    /// A contributing factor (repeatable).
    #[arg(long = "factor")]
    pub factors: Vec<String>,
}

#[derive(Debug, Args)]
pub struct NoteArgs {
    /// Incident ids: INC-42 or 42, one or more (or --filter).
    #[arg(value_name = "ID", required_unless_present = "filter")]
    pub ids: Vec<IncidentId>,
    /// The text ("-": read standard input).
    #[arg(id = "note", value_name = "TEXT")]
    pub text: String,
    #[command(flatten)]
    pub select: Select,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// Incident ids: INC-42 or 42, one or more (or --filter).
    #[arg(value_name = "ID", required_unless_present = "filter")]
    pub ids: Vec<IncidentId>,
    #[command(flatten)]
    pub select: Select,
    /// What fixed it ("-": read standard input).
    #[arg(long, short = 'm')]
    pub summary: String,
    /// When service was restored (default: now).
    #[arg(long, value_name = "TIME")]
    pub recovered_at: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReasonArgs {
    pub id: IncidentId,
    #[arg(long, short = 'r')]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    pub id: IncidentId,
    /// The update ("-": read standard input).
    pub text: String,
    /// Who it is for (stakeholders, customers, support, ...).
    #[arg(long, short = 'a', default_value = "stakeholders")]
    pub audience: String,
}

#[derive(Debug, Args)]
pub struct EscalateArgs {
    pub id: IncidentId,
    /// Person or team.
    #[arg(long)]
    pub to: String,
    #[arg(long, short = 'r')]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    pub id: IncidentId,
    /// What went well (repeatable).
    #[arg(long = "went-well")]
    pub went_well: Vec<String>,
    /// What went wrong (repeatable).
    #[arg(long = "went-wrong")]
    pub went_wrong: Vec<String>,
    /// Where we got lucky (repeatable).
    #[arg(long = "lucky")]
    pub lucky: Vec<String>,
    /// A lesson learned (repeatable).
    #[arg(long = "lesson")]
    pub lessons: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ActionCmd {
    /// Add an action item with an owner and a due date.
    Add {
        id: IncidentId,
        text: String,
        #[arg(long)]
        owner: String,
        /// 2026-12-01, tomorrow, fri (the next one), next week, +14d or in 2w.
        #[arg(long)]
        due: String,
    },
    /// Mark an action item done.
    Done { id: IncidentId, item: u32 },
}

#[derive(Debug, Subcommand)]
pub enum MaintenanceCmd {
    /// Set a window: `piket maintenance set db --for 2h --reason "disk swap"`.
    Set {
        service: String,
        /// When it starts: now (default), "2026-12-01 22:00", "22:00" (local), RFC 3339.
        #[arg(long, default_value = "now")]
        from: String,
        /// When it ends (same forms as --from); or give --for.
        #[arg(long, conflicts_with = "for", required_unless_present = "for")]
        until: Option<String>,
        /// How long it lasts from --from: 90m, 2h, 1d.
        #[arg(long = "for")]
        r#for: Option<String>,
        #[arg(long)]
        reason: String,
    },
    /// List the windows, with their numbers and whether they are in force.
    List,
    /// End a window in force now (the work finished early): `piket maintenance end 3`.
    End {
        /// The window's number, from `piket maintenance list`.
        id: u32,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Cancel a window that has not started (the work was called off).
    Cancel {
        /// The window's number, from `piket maintenance list`.
        id: u32,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct OncallArgs {
    /// The moment to ask about (default: now): "2026-12-24 03:00", "03:00" (the next one), RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCmd {
    /// The rota as the server has it, overrides included: who is on call when, gaps, overlaps
    /// and hand-offs that daylight saving moves.
    Show(ScheduleShowArgs),
    /// Check the rota as configured (the config file alone: no server, no database, no
    /// overrides), e.g. in CI: gaps, overlaps and DST-moved hand-offs. Exit 0: covered;
    /// 1: a schedule has a gap; 2: usage or config error.
    Check(ScheduleCheckArgs),
}

#[derive(Debug, Args)]
pub struct ScheduleShowArgs {
    /// Only this schedule (default: every one).
    pub name: Option<String>,
    /// How many days to show, 1 to 366.
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: u32,
    /// Where to start (default: now): "2026-12-24 00:00", "09:00" (the next one), RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
}

#[derive(Debug, Args)]
pub struct ScheduleCheckArgs {
    /// How many days to check, 1 to 731 (two years).
    #[arg(long, default_value_t = 28, value_parser = clap::value_parser!(u32).range(1..=731))]
    pub days: u32,
    /// Where to start (default: now): "2027-03-20 00:00", RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum OverrideCmd {
    /// Put PERSON on call in a schedule for a while:
    /// `piket override add --schedule primary --person bob --covers alice --until "2026-12-01 09:00"`.
    Add {
        /// The schedule (see `piket schedule show`).
        #[arg(long)]
        schedule: String,
        /// Who is on call during the override (a name from [people]).
        #[arg(long)]
        person: String,
        /// Whom they stand in for (a member of the schedule); default: everyone on call then.
        #[arg(long)]
        covers: Option<String>,
        /// When it starts: "now", "2026-12-01 18:00", "18:00" (the next one), RFC 3339.
        #[arg(long, default_value = "now", value_name = "TIME")]
        from: String,
        /// When it ends (same forms as --from); or give --for.
        #[arg(long, value_name = "TIME", conflicts_with = "for", required_unless_present = "for")]
        until: Option<String>,
        /// How long it lasts from --from: 90m, 12h, 2d.
        #[arg(long = "for", value_name = "SPAN")]
        r#for: Option<String>,
        /// Why (kept on the rota's timeline).
        #[arg(long, short = 'r')]
        reason: Option<String>,
    },
    /// The overrides in force or to come: id, schedule, who covers whom, when, why.
    List,
    /// Stop an override (it stays in the record): `piket override remove 3 --reason "back early"`.
    Remove {
        /// The override's id (#), from `piket override list`.
        id: u32,
        /// Why (kept on the rota's timeline).
        #[arg(long, short = 'r')]
        reason: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct PageArgs {
    /// Incident id: INC-42 or 42.
    pub id: IncidentId,
    /// The level to page (default: the one after the last level paged, or 1).
    #[arg(long, short = 'l', value_name = "N")]
    pub level: Option<u32>,
    /// Why you page by hand ("-": read standard input); kept on the timeline.
    #[arg(long, short = 'r')]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct CorrectArgs {
    pub id: IncidentId,
    /// The event number (#) being corrected, from `piket timeline`.
    pub seq: u32,
    pub text: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub by: FilterArgs,
    /// priority, newest, oldest, severity or updated.
    #[arg(long, default_value = "priority", value_parser = parse::<Sort>)]
    pub sort: Sort,
    /// At most this many incidents.
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum ExportFormat {
    #[default]
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub id: IncidentId,
    /// The report's form (the global --json also gives JSON).
    #[arg(long, short = 'f', value_enum, default_value_t)]
    pub format: ExportFormat,
    /// Write to this new file instead of standard output (created 0600; an existing name,
    /// or a symbolic link, is refused).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Replace the file named by --output if it exists (a link there is replaced, never
    /// followed).
    #[arg(long, requires = "output")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// How far back: 7d, 30d, 12w ...
    #[arg(long, default_value = "30d")]
    pub since: String,
    /// Count drills and near misses too.
    #[arg(long)]
    pub include_drills: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Replay every event after this global position first, then go on live (no gap, no
    /// duplicate): give the last position a previous watch printed to resume it.
    #[arg(long, value_name = "N")]
    pub after: Option<u64>,
    /// Only events of this incident (repeatable): INC-42 or 42.
    #[arg(long, short = 'i', value_name = "ID")]
    pub incident: Vec<IncidentId>,
    /// Only events of this kind (repeatable), as `piket timeline --json` names them: registered,
    /// acknowledged, note, resolved, closed, paged ...
    #[arg(long, short = 'k', value_name = "KIND")]
    pub kind: Vec<String>,
    /// Only events by this user.
    #[arg(long, value_name = "USER")]
    pub actor: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write every page into this directory (e.g. ~/.local/share/man/man1), replacing pages
    /// of the same name, and print their paths.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Seed only and print the data dir; do not open the queue.
    #[arg(long)]
    pub no_tui: bool,
}

fn parse<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// clap checks a definition only when its subcommand runs: check them all here.
    #[test]
    fn every_subcommand_is_well_formed() {
        Cli::command().debug_assert();
    }
}
