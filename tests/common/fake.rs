//! A Vec-backed client for TUI tests: the domain's own `decide` and `Incident::apply`, a fixed
//! clock that moves one minute per command, a real broadcast change feed.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use piket::client::{Change, Client, ClientError, Outcome, VerifyReport};
use piket::domain::decide::Context;
use piket::domain::{
    Command, Event, Impact, Incident, IncidentId, NewIncident, Policy, Query, RotaCommand, Severity, Source,
    Urgency, decide,
};
use piket::engine::{EscalationView, RotaQuery, RotaView};
use tokio::sync::broadcast;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

struct State {
    incidents: BTreeMap<IncidentId, Incident>,
    events: BTreeMap<IncidentId, Vec<Event>>,
    now: DateTime<Utc>,
    next_id: u64,
    global: u64,
}

pub struct FakeClient {
    state: Mutex<State>,
    tx: broadcast::Sender<Change>,
    actor: String,
    policy: Policy,
    /// When set, every call fails as if the engine were gone.
    pub down: Mutex<bool>,
    /// What a remote client would say about the server (tests send `Lost`/`Connected`).
    pub connection: tokio::sync::watch::Sender<piket::client::Connection>,
    /// What `escalation` answers per incident; others follow no policy.
    pub escalations: Mutex<BTreeMap<IncidentId, EscalationView>>,
    /// What `rota` answers (its `at` is replaced by the query's); `None`: no schedules.
    pub rota: Mutex<Option<RotaView>>,
    /// Every rota command received, in order.
    pub rota_commands: Mutex<Vec<RotaCommand>>,
    /// The OS users a `Command::Page` reaches (recorded as the page's `users`).
    pub page_users: Mutex<Vec<String>>,
    /// What `whoami` says about write access (`[server] read-only` on a real server).
    pub read_only: Mutex<bool>,
}

impl FakeClient {
    pub fn new(actor: &str) -> Arc<Self> {
        let (tx, _) = broadcast::channel(1024);
        Arc::new(Self {
            state: Mutex::new(State {
                incidents: BTreeMap::new(),
                events: BTreeMap::new(),
                now: t0(),
                next_id: 1,
                global: 0,
            }),
            tx,
            actor: actor.to_owned(),
            policy: Policy::default(),
            down: Mutex::new(false),
            connection: tokio::sync::watch::Sender::new(piket::client::Connection::Connected),
            escalations: Mutex::new(BTreeMap::new()),
            rota: Mutex::new(None),
            rota_commands: Mutex::new(Vec::new()),
            page_users: Mutex::new(Vec::new()),
            read_only: Mutex::new(false),
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.state.lock().unwrap().now
    }

    pub fn set_now(&self, t: DateTime<Utc>) {
        self.state.lock().unwrap().now = t;
    }

    /// Execute as someone else (another responder on the same jump host).
    pub fn execute_as(&self, actor: &str, cmd: Command) -> Result<Outcome, ClientError> {
        if *self.down.lock().unwrap() {
            return Err(ClientError::Unavailable(
                "piket serve is not running: start it with `piket serve`".into(),
            ));
        }
        let mut st = self.state.lock().unwrap();
        st.now += Duration::minutes(1);
        let now = st.now;
        let ctx = Context { actor, now, policy: &self.policy, paging: None };
        let current = cmd.incident().and_then(|id| st.incidents.get(&id)).cloned();
        if cmd.incident().is_some() && current.is_none() {
            return Err(ClientError::NotFound(cmd.incident().unwrap()));
        }
        let kinds = match &cmd {
            // The engine decides pages with the rota; here every page reaches `page_users`.
            Command::Page { level, reason, .. } => {
                if reason.trim().is_empty() {
                    return Err(ClientError::Refused(piket::domain::Refusal {
                        message: "say why you page".into(),
                        next: vec![],
                    }));
                }
                let users = self.page_users.lock().unwrap().clone();
                vec![piket::domain::EventKind::LevelPaged(piket::domain::LevelPage {
                    policy: "dba".into(),
                    level: level.unwrap_or(1),
                    round: 1,
                    people: users.clone(),
                    users,
                    unstaffed: vec![],
                    reason: format!("by hand: {reason}"),
                })]
            }
            _ => decide(current.as_ref(), &cmd, ctx, "tui").map_err(ClientError::Refused)?,
        };
        let paged = kinds.iter().any(|k| matches!(k, piket::domain::EventKind::LevelPaged(_)));
        let id = match cmd.incident() {
            Some(id) => id,
            None => {
                let id = IncidentId(st.next_id);
                st.next_id += 1;
                id
            }
        };
        let mut inc = current;
        let mut out = Vec::new();
        for kind in kinds {
            let seq = inc.as_ref().map_or(1, |i| i.last_seq + 1);
            let ev = Event {
                incident: id,
                seq,
                occurred_at: now,
                recorded_at: now,
                actor: actor.to_owned(),
                source: Source::Tui,
                kind,
            };
            match inc.as_mut() {
                Some(i) => i.apply(&ev).unwrap(),
                None => inc = Some(Incident::from_first(&ev).unwrap()),
            }
            out.push(ev);
        }
        let inc = inc.unwrap();
        st.events.entry(id).or_default().extend(out.iter().cloned());
        st.incidents.insert(id, inc.clone());
        st.global += 1;
        let change = Change { global_seq: st.global, incident: id, seq: inc.last_seq, paged };
        drop(st);
        let _ = self.tx.send(change);
        Ok(Outcome { incident: id, events: out, summary: inc })
    }

    /// Register an incident quickly.
    pub fn register(
        &self,
        title: &str,
        impact: Impact,
        urgency: Urgency,
        sev: u8,
        services: &[&str],
    ) -> IncidentId {
        self.execute_as(
            "ana",
            Command::Register(NewIncident {
                title: title.to_owned(),
                description: None,
                reported_by: None,
                channel: Some("cli".into()),
                services: services.iter().map(|s| (*s).to_owned()).collect(),
                impact,
                urgency,
                severity: Severity::new(sev).unwrap(),
                category: None,
                detected_at: None,
                impact_started_at: None,
                reported_at: None,
                drill: false,
            }),
        )
        .unwrap()
        .incident
    }

    pub fn run(&self, actor: &str, cmd: Command) -> Outcome {
        self.execute_as(actor, cmd).unwrap()
    }
}

impl Client for FakeClient {
    fn execute(&self, cmd: Command, _source: Source) -> Result<Outcome, ClientError> {
        self.execute_as(&self.actor, cmd)
    }

    fn incident(&self, id: IncidentId) -> Result<Incident, ClientError> {
        if *self.down.lock().unwrap() {
            return Err(ClientError::Unavailable("piket serve is not running".into()));
        }
        self.state.lock().unwrap().incidents.get(&id).cloned().ok_or(ClientError::NotFound(id))
    }

    fn list(&self, query: &Query) -> Result<Vec<Incident>, ClientError> {
        if *self.down.lock().unwrap() {
            return Err(ClientError::Unavailable("piket serve is not running".into()));
        }
        Ok(query.apply(self.state.lock().unwrap().incidents.values().cloned()))
    }

    fn timeline(&self, id: IncidentId) -> Result<Vec<Event>, ClientError> {
        self.state.lock().unwrap().events.get(&id).cloned().ok_or(ClientError::NotFound(id))
    }

    fn chain_head(&self) -> Result<String, ClientError> {
        Ok(String::new())
    }

    fn verify(&self) -> Result<VerifyReport, ClientError> {
        Ok(VerifyReport::default())
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }

    fn connection(&self) -> tokio::sync::watch::Receiver<piket::client::Connection> {
        self.connection.subscribe()
    }

    fn actor(&self) -> &str {
        &self.actor
    }

    fn whoami(&self) -> Result<piket::client::Whoami, ClientError> {
        if *self.down.lock().unwrap() {
            return Err(ClientError::Unavailable("piket serve is not running".into()));
        }
        Ok(piket::client::Whoami { user: self.actor.clone(), read_only: *self.read_only.lock().unwrap() })
    }

    fn escalation(&self, id: IncidentId) -> Result<EscalationView, ClientError> {
        if *self.down.lock().unwrap() {
            return Err(ClientError::Unavailable("piket serve is not running".into()));
        }
        let known = self.escalations.lock().unwrap().get(&id).cloned();
        Ok(known.unwrap_or(EscalationView {
            incident: id,
            policy: None,
            repeat: 0,
            levels: vec![],
            progress: None,
            next: None,
        }))
    }

    fn rota(&self, q: RotaQuery) -> Result<RotaView, ClientError> {
        let mut view = self.rota.lock().unwrap().clone().unwrap_or(RotaView {
            at: q.at,
            on_call: vec![],
            coverage: vec![],
            overrides: vec![],
            people: vec![],
            policies: vec![],
        });
        view.at = q.at;
        if q.days == 0 {
            view.coverage.clear();
        }
        Ok(view)
    }

    fn change_rota(&self, cmd: RotaCommand, _source: Source) -> Result<Vec<Event>, ClientError> {
        use piket::domain::{EventKind, Override};
        let mut st = self.state.lock().unwrap();
        st.now += Duration::minutes(1);
        let now = st.now;
        self.rota_commands.lock().unwrap().push(cmd.clone());
        let mut rota = self.rota.lock().unwrap();
        let view = rota.as_mut().ok_or_else(|| {
            ClientError::Refused(piket::domain::Refusal { message: "no schedules".into(), next: vec![] })
        })?;
        let kind = match cmd {
            RotaCommand::AddOverride { schedule, person, covers, start, end, reason } => {
                if end <= start {
                    return Err(ClientError::Refused(piket::domain::Refusal {
                        message: "the override ends before it starts".into(),
                        next: vec![],
                    }));
                }
                let id = view.overrides.iter().map(|o| o.id).max().unwrap_or(0) + 1;
                let o = Override { id, schedule, person, covers, start, end, reason };
                view.overrides.push(o.clone());
                EventKind::OverrideAdded(o)
            }
            RotaCommand::RemoveOverride { id, reason } => {
                view.overrides.retain(|o| o.id != id);
                EventKind::OverrideRemoved { id, reason }
            }
        };
        st.global += 1;
        let ev = Event {
            incident: IncidentId::ROTA,
            seq: u32::try_from(st.global).unwrap(),
            occurred_at: now,
            recorded_at: now,
            actor: self.actor.clone(),
            source: Source::Tui,
            kind,
        };
        let change = Change { global_seq: st.global, incident: IncidentId::ROTA, seq: ev.seq, paged: false };
        drop(rota);
        drop(st);
        let _ = self.tx.send(change);
        Ok(vec![ev])
    }
}

/// The kinds used by the screens below, re-exported for brevity.
pub use piket::domain::{Impact as I, Urgency as U};

/// A small, believable queue: every status, a long title, an escalation, roles.
pub fn seed(c: &FakeClient) {
    use piket::domain::Role;
    let a =
        c.register("Checkout API returns 502 for 30% of requests", I::High, U::High, 1, &["checkout", "api"]);
    let b =
        c.register("Replication lag on orders-db primary above 40 s", I::Medium, U::High, 2, &["orders-db"]);
    let d = c.register("Disk 91% on log host lh-03", I::Low, U::Medium, 4, &["logging"]);
    let e = c.register("Login page slow for EU customers", I::Medium, U::Medium, 3, &["auth"]);
    let f = c.register("Nightly export job failed twice", I::Low, U::Low, 4, &["batch"]);
    c.run("ben", Command::Acknowledge { id: b });
    c.run("ben", Command::AssignRole { id: b, role: Role::Commander, person: None });
    c.run("ben", Command::AssignRole { id: b, role: Role::Scribe, person: Some("cleo".into()) });
    c.run("ben", Command::Escalate { id: b, to: "dba-oncall".into(), reason: "failover needs a DBA".into() });
    c.run(
        "ben",
        Command::Note {
            id: b,
            text: "lag started after the 08:50 deploy\nrolling back the schema change".into(),
        },
    );
    c.run("cleo", Command::Contain { id: e, action: "moved EU traffic to the second region".into() });
    c.run("ana", Command::Acknowledge { id: f });
    c.run("ana", Command::Resolve { id: f, summary: "re-ran with more memory".into(), recovered_at: None });
    let _ = (a, d);
}

/// A policy mid-escalation, as the engine would describe INC-`id` registered at t0 + 1m:
/// level 1 (schedule dba, alice now) paged at t0 + 1m, its SMS delivered and its webhook
/// failed; level 2 (bob) due at t0 + 16m; level 3's schedule has nobody on call now.
pub fn escalation_fixture(id: IncidentId) -> EscalationView {
    use piket::domain::escalation::{Delivery, PageRecord, Progress};
    use piket::engine::{LevelView, NextStep};
    let paged = t0() + Duration::minutes(1);
    let mut p = Progress::new(paged);
    p.policy = Some("dba".into());
    p.started_at = Some(paged);
    p.run_started_at = Some(paged);
    p.pages.push(PageRecord {
        at: paged,
        level: 1,
        round: 1,
        people: vec!["alice".into()],
        unstaffed: vec![],
        skipped: false,
        reason: "incident opened".into(),
        by: "piket".into(),
    });
    p.deliveries.push(Delivery {
        at: paged + Duration::seconds(4),
        level: 1,
        person: "alice".into(),
        notifier: "sms".into(),
        attempts: 1,
        error: None,
    });
    p.deliveries.push(Delivery {
        at: paged + Duration::seconds(30),
        level: 1,
        person: "alice".into(),
        notifier: "webhook".into(),
        attempts: 3,
        error: Some("HTTP 503 \u{1b}[31mfrom hooks.example".into()),
    });
    let level = |n: u32, mins: i64, target: &str, reaches: &[&str], unstaffed: &[&str]| LevelView {
        level: n,
        timeout_secs: mins * 60,
        targets: vec![target.into()],
        reaches: reaches.iter().map(|s| (*s).to_owned()).collect(),
        unstaffed: unstaffed.iter().map(|s| (*s).to_owned()).collect(),
    };
    EscalationView {
        incident: id,
        policy: Some("dba".into()),
        repeat: 0,
        levels: vec![
            level(1, 15, "schedule:dba", &["alice"], &[]),
            level(2, 30, "person:bob", &["bob"], &[]),
            level(3, 30, "schedule:mgmt", &[], &["mgmt"]),
        ],
        progress: Some(p),
        next: Some(NextStep { at: paged + Duration::minutes(15), what: "page level 2".into() }),
    }
}

/// Two schedules over 14 days from t0 (Wed 25 Nov 2026 09:00 UTC): dba hands from alice to bob
/// on Thursday 09:00, carol covers bob Friday 18:00 to Saturday 09:00 (override #1), nobody
/// holds it Sunday 00:00-09:00 (a gap), alice and bob overlap Monday 08:00-09:00; dave holds
/// web throughout.
pub fn rota_fixture() -> RotaView {
    use piket::domain::Override;
    use piket::domain::schedule::{Coverage, Segment};
    use piket::engine::{OnCall, PersonView};
    let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
    let end = t0() + Duration::days(14);
    let seg = |start, end, people: &[&str], overrides: &[u32]| Segment {
        start,
        end,
        people: people.iter().map(|s| (*s).to_owned()).collect(),
        overrides: overrides.to_vec(),
    };
    let person = |n: &str| PersonView { name: n.into(), user: Some(n.into()) };
    RotaView {
        at: t0(),
        on_call: vec![
            OnCall {
                schedule: "dba".into(),
                now: vec!["alice".into()],
                next_at: Some(at(26, 9)),
                next: vec!["bob".into()],
            },
            OnCall { schedule: "web".into(), now: vec!["dave".into()], next_at: None, next: vec![] },
        ],
        coverage: vec![
            Coverage {
                schedule: "dba".into(),
                segments: vec![
                    seg(t0(), at(26, 9), &["alice"], &[]),
                    seg(at(26, 9), at(27, 18), &["bob"], &[]),
                    seg(at(27, 18), at(28, 9), &["carol"], &[1]),
                    seg(at(28, 9), at(29, 0), &["bob"], &[]),
                    seg(at(29, 0), at(29, 9), &[], &[]),
                    seg(at(29, 9), at(30, 8), &["alice"], &[]),
                    seg(at(30, 8), at(30, 9), &["alice", "bob"], &[]),
                    seg(at(30, 9), end, &["bob"], &[]),
                ],
                dst_shifts: vec![],
            },
            Coverage {
                schedule: "web".into(),
                segments: vec![seg(t0(), end, &["dave"], &[])],
                dst_shifts: vec![],
            },
        ],
        overrides: vec![Override {
            id: 1,
            schedule: "dba".into(),
            person: "carol".into(),
            covers: Some("bob".into()),
            start: at(27, 18),
            end: at(28, 9),
            reason: Some("bob at a wedding \u{1b}]0;pwned\u{7}".into()),
        }],
        people: ["alice", "bob", "carol", "dave"].into_iter().map(person).collect(),
        policies: vec!["dba".into()],
    }
}
