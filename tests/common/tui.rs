//! The TUI tests' world: the real engine in memory behind `LocalClient`, on a clock the test
//! moves. Responders' commands go through their own clients; the app under test is ana's.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use piket::client::local::{Clock, LocalClient};
use piket::client::{Client, ClientError, Connection};
use piket::domain::{
    Command, Event, Impact, Incident, IncidentId, NewIncident, Policy, Query, Role, RotaCommand, Severity,
    Source, Urgency,
};
use piket::engine::Engine;
use piket::wire::{
    Change, CloseWindow, EscalationView, MaintenanceList, Outcome, RotaQuery, RotaView, VerifyReport, Whoami,
};
use tokio::sync::{broadcast, watch};

pub use piket::domain::{Impact as I, Urgency as U};

/// Wednesday 25 November 2026, 09:00 UTC: where every world's clock starts.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

fn clock_of(now: &Arc<Mutex<DateTime<Utc>>>) -> Clock {
    let now = Arc::clone(now);
    Arc::new(move || *now.lock().unwrap())
}

pub struct World {
    pub engine: Arc<Engine>,
    now: Arc<Mutex<DateTime<Utc>>>,
    /// ana's client, the one the app under test uses.
    pub ana: Arc<Gated>,
}

impl World {
    /// An empty record under `policy`, the clock at [`t0`].
    pub fn new(policy: Policy) -> Self {
        let engine = Arc::new(Engine::in_memory(policy).unwrap());
        let now = Arc::new(Mutex::new(t0()));
        let ana = Arc::new(Gated::new(LocalClient::with_clock(Arc::clone(&engine), "ana", clock_of(&now))));
        Self { engine, now, ana }
    }

    /// An empty record without escalation policies or schedules.
    pub fn empty() -> Self {
        Self::new(Policy::default())
    }

    /// A record under the policy of [`people`] and config parts (schedules, escalation
    /// policies, services), read as one config file.
    pub fn with_config(parts: &[&str]) -> Self {
        let toml = people() + &parts.concat();
        let config = piket::config::Config::from_toml_str(&toml, std::path::Path::new("test.toml")).unwrap();
        Self::new(config.policy)
    }

    pub fn clock(&self) -> Clock {
        clock_of(&self.now)
    }

    /// A responder's own client on this world's clock.
    pub fn client(&self, actor: &str) -> LocalClient {
        LocalClient::with_clock(Arc::clone(&self.engine), actor, self.clock())
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap()
    }

    pub fn set_now(&self, t: DateTime<Utc>) {
        *self.now.lock().unwrap() = t;
    }

    /// Someone runs a command a minute after the last one (as responders work, and so every
    /// event has its own minute on screen).
    pub fn try_run(&self, actor: &str, cmd: Command) -> Result<Outcome, ClientError> {
        self.set_now(self.now() + Duration::minutes(1));
        self.client(actor).execute(cmd, Source::Cli)
    }

    pub fn run(&self, actor: &str, cmd: Command) -> Outcome {
        self.try_run(actor, cmd).unwrap()
    }

    /// ana registers an incident.
    pub fn register(
        &self,
        title: &str,
        impact: Impact,
        urgency: Urgency,
        sev: u8,
        services: &[&str],
    ) -> IncidentId {
        let mut reg = NewIncident::new(title, impact, urgency, Severity::new(sev).unwrap());
        reg.channel = Some("cli".into());
        reg.services = services.iter().map(|s| (*s).to_owned()).collect();
        self.run("ana", Command::Register(reg)).incident
    }

    /// The escalation scheduler's pass now: pages what is due.
    pub fn escalate(&self) {
        let scheduler = piket::server::scheduler::Scheduler::load(Arc::clone(&self.engine)).unwrap();
        scheduler.pass(self.now()).unwrap();
    }

    /// A small, believable queue: every status, a long title, an escalation, roles.
    pub fn seed(&self) {
        let a = self.register(
            "Checkout API returns 502 for 30% of requests",
            I::High,
            U::High,
            1,
            &["checkout", "api"],
        );
        let b = self.register(
            "Replication lag on orders-db primary above 40 s",
            I::Medium,
            U::High,
            2,
            &["orders-db"],
        );
        let d = self.register("Disk 91% on log host lh-03", I::Low, U::Medium, 4, &["logging"]);
        let e = self.register("Login page slow for EU customers", I::Medium, U::Medium, 3, &["auth"]);
        let f = self.register("Nightly export job failed twice", I::Low, U::Low, 4, &["batch"]);
        self.run("ben", Command::Acknowledge { id: b });
        self.run("ben", Command::AssignRole { id: b, role: Role::Commander, person: None });
        self.run("ben", Command::AssignRole { id: b, role: Role::Scribe, person: Some("cleo".into()) });
        self.run(
            "ben",
            Command::Escalate { id: b, to: "dba-oncall".into(), reason: "failover needs a DBA".into() },
        );
        self.run(
            "ben",
            Command::Note {
                id: b,
                text: "lag started after the 08:50 deploy\nrolling back the schema change".into(),
            },
        );
        self.run("cleo", Command::Contain { id: e, action: "moved EU traffic to the second region".into() });
        self.run("ana", Command::Acknowledge { id: f });
        self.run(
            "ana",
            Command::Resolve { id: f, summary: "re-ran with more memory".into(), recovered_at: None },
        );
        let _ = (a, d);
    }

    pub fn timeline(&self, id: IncidentId) -> Vec<Event> {
        self.engine.timeline(id).unwrap()
    }

    pub fn incident(&self, id: IncidentId) -> Incident {
        self.engine.incident(id).unwrap().unwrap()
    }

    /// The rota's own timeline: overrides added and removed.
    pub fn rota_events(&self) -> Vec<piket::domain::EventKind> {
        self.engine.timeline(IncidentId::ROTA).unwrap().into_iter().map(|e| e.kind).collect()
    }

    /// The seeded queue under [`ROTA`], with carol's override.
    pub fn rota() -> Self {
        let w = Self::with_config(&[ROTA]);
        w.seed();
        w.carol_covers_bob();
        w
    }

    /// Every event recorded on every incident.
    pub fn events_recorded(&self) -> usize {
        let all = self.engine.list(&Query { all: true, ..Query::default() }).unwrap();
        all.iter().map(|i| self.engine.timeline(i.id).unwrap().len()).sum()
    }
}

/// ana's client behind what a server adds: the server can go away (`down`: every call fails as
/// the remote client's do), and may list ana as read-only (`whoami` says so, writes are
/// refused). Everything else is the engine's, through `LocalClient`.
pub struct Gated {
    inner: LocalClient,
    pub down: AtomicBool,
    pub read_only: AtomicBool,
}

impl Gated {
    fn new(inner: LocalClient) -> Self {
        Self { inner, down: AtomicBool::new(false), read_only: AtomicBool::new(false) }
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn set_read_only(&self, read_only: bool) {
        self.read_only.store(read_only, Ordering::SeqCst);
    }

    /// The engine, unless the server is away.
    fn up(&self) -> Result<&LocalClient, ClientError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(ClientError::Unavailable(
                "piket serve is not running: start it with `piket serve`".into(),
            ));
        }
        Ok(&self.inner)
    }

    /// A write, unless the server is away or ana may only read.
    fn write(&self) -> Result<&LocalClient, ClientError> {
        let c = self.up()?;
        if self.read_only.load(Ordering::SeqCst) {
            return Err(ClientError::Refused(piket::domain::Refusal {
                message: "read-only".into(),
                next: vec![],
            }));
        }
        Ok(c)
    }
}

impl Client for Gated {
    fn execute(&self, cmd: Command, source: Source) -> Result<Outcome, ClientError> {
        self.write()?.execute(cmd, source)
    }

    fn incident(&self, id: IncidentId) -> Result<Incident, ClientError> {
        self.up()?.incident(id)
    }

    fn list(&self, query: &Query) -> Result<Vec<Incident>, ClientError> {
        self.up()?.list(query)
    }

    fn timeline(&self, id: IncidentId) -> Result<Vec<Event>, ClientError> {
        self.up()?.timeline(id)
    }

    fn chain_head(&self) -> Result<String, ClientError> {
        self.up()?.chain_head()
    }

    fn verify(&self) -> Result<VerifyReport, ClientError> {
        self.up()?.verify()
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.inner.subscribe()
    }

    fn connection(&self) -> watch::Receiver<Connection> {
        self.inner.connection()
    }

    fn actor(&self) -> &str {
        self.inner.actor()
    }

    fn whoami(&self) -> Result<Whoami, ClientError> {
        let me = self.up()?.whoami()?;
        Ok(Whoami { read_only: self.read_only.load(Ordering::SeqCst), ..me })
    }

    fn set_maintenance(
        &self,
        window: piket::domain::alert::MaintenanceWindow,
        source: Source,
    ) -> Result<piket::domain::alert::MaintenanceWindow, ClientError> {
        self.write()?.set_maintenance(window, source)
    }

    fn close_maintenance(
        &self,
        id: u32,
        how: CloseWindow,
        reason: Option<String>,
        source: Source,
    ) -> Result<piket::domain::maintenance::MaintenanceStatus, ClientError> {
        self.write()?.close_maintenance(id, how, reason, source)
    }

    fn escalation(&self, id: IncidentId) -> Result<EscalationView, ClientError> {
        self.up()?.escalation(id)
    }

    fn rota(&self, query: RotaQuery) -> Result<RotaView, ClientError> {
        self.up()?.rota(query)
    }

    fn change_rota(&self, cmd: RotaCommand, source: Source) -> Result<Vec<Event>, ClientError> {
        self.write()?.change_rota(cmd, source)
    }

    fn maintenance(&self) -> Result<MaintenanceList, ClientError> {
        self.up()?.maintenance()
    }
}

/// Everyone the configs below name, each their own OS user.
pub fn people() -> String {
    ["alice", "bob", "carol", "dave", "erin", "ana", "ben"]
        .iter()
        .map(|p| format!("[people.{p}]\nuser = \"{p}\"\n"))
        .collect()
}

/// Two schedules over the 14 days from [`t0`] (Wed 25 Nov 2026 09:00 UTC): dba
/// hands from alice to bob on Thursday 09:00, nobody holds it Sunday 00:00-09:00 (a gap),
/// alice and bob overlap Monday 08:00-09:00, then bob; dave holds web throughout.
pub const ROTA: &str = r#"

[schedules.dba]
rotations = [
  { members = ["alice"], shift = "daily", handoff = "09:00", start = "2026-11-25", end = "2026-11-26" },
  { members = ["bob"], shift = "daily", handoff = "09:00", start = "2026-11-26", end = "2026-11-28" },
  { members = ["bob"], shift = "daily", handoff = "09:00", start = "2026-11-28", end = "2026-11-29", active = "09:00-00:00" },
  { members = ["alice"], shift = "daily", handoff = "09:00", start = "2026-11-29", end = "2026-11-30" },
  { members = ["bob"], shift = "daily", handoff = "08:00", start = "2026-11-30" },
]
[schedules.web]
rotations = [{ members = ["dave"], shift = "weekly", handoff = "09:00", start = "2026-11-02" }]
"#;

/// An escalation policy for service db: level 1 the dba schedule (alice now), level 2 bob,
/// level 3 the mgmt schedule, which nobody holds yet.
pub const ESCALATION: &str = r#"

[schedules.dba]
rotations = [{ members = ["alice"], shift = "weekly", handoff = "09:00", start = "2026-11-02" }]
[schedules.mgmt]
rotations = [{ members = ["erin"], shift = "weekly", handoff = "09:00", start = "2026-12-07" }]

[escalation-policies.dba]
levels = [
  { targets = ["schedule:dba"], timeout = "15m" },
  { targets = ["person:bob"], timeout = "30m" },
  { targets = ["schedule:mgmt"], timeout = "30m" },
]
[services.db]
escalation-policy = "dba"
"#;

/// A policy that pages ana (level 1), then ben (level 2); [`services`] says which services
/// follow it.
pub const PAGING: &str = r#"

[escalation-policies.ops]
levels = [{ targets = ["person:ana"], timeout = "15m" }, { targets = ["person:ben"], timeout = "15m" }]
"#;

/// The seeded queue's services as config (a configured service list refuses others), those
/// in `paged` following the [`PAGING`] policy.
pub fn services(paged: &[&str]) -> String {
    ["checkout", "api", "orders-db", "logging", "auth", "batch"]
        .iter()
        .map(|s| {
            let policy = if paged.contains(s) { "escalation-policy = \"ops\"\n" } else { "" };
            format!("[services.{s}]\n{policy}")
        })
        .collect()
}

impl World {
    /// Carol covers bob on dba from Friday 18:00 to Saturday 09:00: override #1, added by ben
    /// through the engine's rota command.
    pub fn carol_covers_bob(&self) {
        let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
        self.client("ben")
            .change_rota(
                RotaCommand::AddOverride {
                    schedule: "dba".into(),
                    person: "carol".into(),
                    covers: Some("bob".into()),
                    start: at(27, 18),
                    end: at(28, 9),
                    reason: Some("bob at a wedding \u{1b}]0;pwned\u{7}".into()),
                },
                Source::Cli,
            )
            .unwrap();
    }

    /// INC-1 on service db, registered at t0 + 1m and paged at once by the scheduler (level 1,
    /// alice); the notifiers then said: SMS delivered 4 s later, the webhook failed after three
    /// attempts 30 s later.
    pub fn paged_mid_way(&self) -> IncidentId {
        use piket::domain::EventKind;
        let id = self.register("db primary down", I::High, U::High, 2, &["db"]);
        self.escalate();
        let deliveries = [
            (
                4,
                EventKind::PageDelivered {
                    level: 1,
                    person: "alice".into(),
                    notifier: "sms".into(),
                    attempts: 1,
                },
            ),
            (
                30,
                EventKind::PageFailed {
                    level: 1,
                    person: "alice".into(),
                    notifier: "webhook".into(),
                    attempts: 3,
                    error: "HTTP 503 \u{1b}[31mfrom hooks.example".into(),
                },
            ),
        ];
        let paged = self.now();
        for (secs, kind) in deliveries {
            self.engine.record_deliveries(id, vec![kind], paged + Duration::seconds(secs)).unwrap();
        }
        id
    }
}
