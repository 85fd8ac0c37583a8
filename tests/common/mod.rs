//! A Vec-backed client for TUI tests: the domain's own `decide` and `Incident::apply`, a fixed
//! clock that moves one minute per command, a real broadcast change feed.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use piket::client::{Change, Client, ClientError, Outcome, VerifyReport};
use piket::domain::decide::Context;
use piket::domain::{
    Command, Event, Impact, Incident, IncidentId, NewIncident, Policy, Query, Severity, Source, Urgency,
    decide,
};
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
        let ctx = Context { actor, now, policy: &self.policy };
        let current = cmd.incident().and_then(|id| st.incidents.get(&id)).cloned();
        if cmd.incident().is_some() && current.is_none() {
            return Err(ClientError::NotFound(cmd.incident().unwrap()));
        }
        let kinds = decide(current.as_ref(), &cmd, ctx, "tui").map_err(ClientError::Refused)?;
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
        let change = Change { global_seq: st.global, incident: id, seq: inc.last_seq, paged: false };
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
        Ok(VerifyReport { events: 0, incidents: 0, head: String::new(), problem: None })
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
