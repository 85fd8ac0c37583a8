//! The escalation scheduler: fires due steps at 03:00 with no terminal open, and runs the
//! notifiers for every page.
//!
//! It keeps, per open incident whose policy has started, the progress folded from its
//! timeline, and follows the global log with a cursor (not the broadcast feed, which may lag
//! and drop). A pass asks the pure `escalation::due` of each and hands the due incidents to
//! the engine, which decides again inside its transaction: the scheduler's view only says
//! when to look, never what happened. Time is a parameter of [`Scheduler::pass`], so tests
//! drive it with a clock of their own and never sleep.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};

use super::notify::NotifierSettings;
use crate::domain::escalation::{self, Progress};
use crate::domain::{Event, EventKind, IncidentId, LevelPage};
use crate::engine::{Engine, EngineError};

use super::notify::{self, PageRequest};

/// How many log entries one catch-up reads at most; the rest on the next.
const LOG_BATCH: usize = 4096;

/// A page the scheduler wants delivered: the incident and the level-page event.
#[derive(Debug, Clone)]
pub struct Dispatch {
    pub incident: IncidentId,
    pub page: LevelPage,
    /// (person, notifier) pairs whose result is already on the timeline (delivered or
    /// failed): a page resumed after a restart does not run them again.
    pub recorded: Vec<(String, String)>,
}

pub struct Scheduler {
    engine: Arc<Engine>,
    state: Mutex<State>,
}

struct State {
    /// Global log position read up to.
    cursor: u64,
    /// Progress and the last timeline seq folded into it.
    tracked: BTreeMap<IncidentId, (Progress, u32)>,
}

impl Scheduler {
    /// Load every open incident with a started policy (after a restart, this is what is due)
    /// and follow the log from where that snapshot was read. The server does this in the
    /// background ([`start`]): the socket answers first, and whatever is committed meanwhile
    /// is caught up from the snapshot's sequence.
    ///
    /// # Errors
    /// Store failure.
    pub fn load(engine: Arc<Engine>) -> Result<Self, EngineError> {
        let loaded = engine.open_escalations()?;
        let tracked = loaded.tracked.into_iter().collect();
        Ok(Self { engine, state: Mutex::new(State { cursor: loaded.cursor, tracked }) })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Incidents followed now.
    #[must_use]
    pub fn tracked(&self) -> usize {
        self.state().tracked.len()
    }

    /// Pages recorded before a restart whose delivery was not: the current level of each
    /// running escalation, with the notifiers whose result is already recorded. Sent again at
    /// startup through the others only (see [`deliver`]); one with every result recorded is
    /// left alone.
    #[must_use]
    pub(crate) fn undelivered(&self) -> Vec<Dispatch> {
        let st = self.state();
        st.tracked
            .iter()
            .filter(|(_, (p, _))| p.is_running())
            .filter_map(|(id, (p, _))| {
                let cur = p.current().filter(|c| !c.skipped)?;
                let recorded: Vec<(String, String)> = p
                    .deliveries
                    .iter()
                    .filter(|d| d.at >= cur.at && d.level == cur.level)
                    .map(|d| (d.person.clone(), d.notifier.clone()))
                    .collect();
                Some(Dispatch {
                    incident: *id,
                    recorded,
                    page: LevelPage {
                        policy: p.policy.clone().unwrap_or_default(),
                        level: cur.level,
                        round: cur.round,
                        people: cur.people.clone(),
                        users: Vec::new(),
                        unstaffed: cur.unstaffed.clone(),
                        reason: cur.reason.clone(),
                    },
                })
            })
            .collect()
    }

    /// Read the log written since the last call and fold it into the tracked progress.
    /// Returns the pages recorded meanwhile (by the timer or by hand), to be delivered.
    ///
    /// # Errors
    /// Store failure.
    pub(crate) fn catch_up(&self) -> Result<Vec<Dispatch>, EngineError> {
        let mut pages = Vec::new();
        loop {
            let after = self.state().cursor;
            let batch = self.engine.events_since(after, LOG_BATCH)?;
            let Some(&(last, _)) = batch.last() else { break };
            for (_, ev) in &batch {
                if let EventKind::LevelPaged(p) = &ev.kind {
                    pages.push(Dispatch { incident: ev.incident, page: p.clone(), recorded: Vec::new() });
                }
                self.observe(ev)?;
            }
            self.state().cursor = last;
            if batch.len() < LOG_BATCH {
                break;
            }
        }
        Ok(pages)
    }

    fn observe(&self, ev: &Event) -> Result<(), EngineError> {
        if ev.incident == IncidentId::ROTA {
            return Ok(());
        }
        let mut st = self.state();
        if let Some((p, seq)) = st.tracked.get_mut(&ev.incident) {
            // Already folded when the whole timeline was read on tracking.
            if ev.seq <= *seq {
                return Ok(());
            }
            p.apply(ev);
            *seq = ev.seq;
            if !p.open {
                st.tracked.remove(&ev.incident);
            }
            return Ok(());
        }
        let starts = matches!(ev.kind, EventKind::EscalationStarted { .. } | EventKind::Reopened { .. });
        drop(st);
        if starts
            && let Some(tracked) =
                self.engine.progress(ev.incident)?.filter(|(p, _)| p.policy.is_some() && p.open)
        {
            self.state().tracked.insert(ev.incident, tracked);
        }
        Ok(())
    }

    /// The earliest step due among the tracked incidents.
    #[must_use]
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        let rota = self.engine.rota();
        let st = self.state();
        st.tracked
            .values()
            .filter_map(|(p, _)| {
                let policy = rota.policies.get(p.policy.as_ref()?)?;
                escalation::due(p, policy, rota.acknowledge_timeout).map(|(at, _)| at)
            })
            .min()
    }

    /// The incidents with a step due at `now`: the pure part of a pass (benchmarked).
    #[must_use]
    pub fn due_at(&self, now: DateTime<Utc>) -> Vec<IncidentId> {
        let rota = self.engine.rota();
        let st = self.state();
        st.tracked
            .iter()
            .filter(|(_, (p, _))| {
                p.policy
                    .as_ref()
                    .and_then(|n| rota.policies.get(n))
                    .and_then(|policy| escalation::due(p, policy, rota.acknowledge_timeout))
                    .is_some_and(|(at, _)| at <= now)
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// One pass at `now`: catch up with the log, record every due step, catch up again.
    /// Returns the pages to deliver (recorded by this pass or by hand since the last one).
    ///
    /// # Errors
    /// Store failure.
    pub fn pass(&self, now: DateTime<Utc>) -> Result<Vec<Dispatch>, EngineError> {
        let mut pages = self.catch_up()?;
        for id in self.due_at(now) {
            self.engine.fire_due(id, now)?;
        }
        pages.extend(self.catch_up()?);
        Ok(pages)
    }
}

/// Deliver one level's page to each person through each notifier they have a handle for,
/// and record each result on the incident's timeline as soon as its notifier finishes, so a
/// crash while a slow notifier still runs loses no delivery that happened and re-pages
/// (see [`Scheduler::undelivered`]) only through the notifiers whose result was never
/// recorded. Runs as its own task: a notifier that hangs holds up nothing but itself.
pub async fn deliver(engine: Arc<Engine>, notifiers: Arc<Vec<NotifierSettings>>, d: Dispatch) {
    if notifiers.is_empty() {
        return;
    }
    let done = |person: &str, notifier: &str| d.recorded.iter().any(|(p, n)| p == person && n == notifier);
    let e = Arc::clone(&engine);
    let Ok(Ok(Some(inc))) = tokio::task::spawn_blocking(move || e.incident(d.incident)).await else { return };
    let mut tasks = tokio::task::JoinSet::new();
    let mut unreached: Vec<EventKind> = Vec::new();
    for person in &d.page.people {
        let contacts = engine.rota().people.get(person).map(|p| p.contacts.clone()).unwrap_or_default();
        let mut reached = false;
        for n in notifiers.iter() {
            let Some(handle) = contacts.get(&n.name) else { continue };
            reached = true;
            if done(person, &n.name) {
                continue;
            }
            let req = PageRequest {
                incident: inc.id,
                title: inc.title.clone(),
                priority: inc.priority,
                severity: inc.severity,
                service: inc.services.first().cloned(),
                level: d.page.level,
                person: person.clone(),
                handle: handle.clone(),
            };
            let n = n.clone();
            tasks.spawn(async move { notify::page(&n, &req).await });
        }
        if !reached && !done(person, "-") {
            unreached.push(EventKind::PageFailed {
                level: d.page.level,
                person: person.clone(),
                notifier: "-".to_owned(),
                attempts: 0,
                error: format!(
                    "{person} has no contact handle for any notifier: add one under [people.{person}]"
                ),
            });
        }
    }
    if !unreached.is_empty() {
        record(&engine, d.incident, unreached).await;
    }
    while let Some(joined) = tasks.join_next().await {
        let Ok(r) = joined else { continue };
        let kind = match r.error {
            None => EventKind::PageDelivered {
                level: d.page.level,
                person: r.person,
                notifier: r.notifier,
                attempts: r.attempts,
            },
            Some(error) => EventKind::PageFailed {
                level: d.page.level,
                person: r.person,
                notifier: r.notifier,
                attempts: r.attempts,
                error,
            },
        };
        record(&engine, d.incident, vec![kind]).await;
    }
}

/// Record notifier results at once (one durable commit), before waiting for any other.
async fn record(engine: &Arc<Engine>, id: IncidentId, kinds: Vec<EventKind>) {
    let e = Arc::clone(engine);
    let recorded = tokio::task::spawn_blocking(move || e.record_deliveries(id, kinds, Utc::now())).await;
    if let Ok(Err(e)) = recorded {
        eprintln!("piket serve: could not record a page delivery of {id}: {e}");
    }
}

/// Load the escalations off the async threads, then run the scheduler's loop: the server
/// answers from its first moment, whatever the size of the queue. A step that falls due while
/// the load runs is fired by the first pass after it, once (the engine decides from the
/// timeline inside the transaction). A failed load is retried until shutdown.
pub async fn start(
    engine: Arc<Engine>,
    notifiers: Arc<Vec<NotifierSettings>>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let loaded = loop {
        let e = Arc::clone(&engine);
        let started = std::time::Instant::now();
        match tokio::task::spawn_blocking(move || Scheduler::load(e)).await {
            Ok(Ok(s)) => {
                if !engine.rota().policies.is_empty() {
                    eprintln!(
                        "piket serve: escalation scheduler following {} open escalation(s) (loaded in {} ms)",
                        s.tracked(),
                        started.elapsed().as_millis()
                    );
                }
                break s;
            }
            Ok(Err(e)) => eprintln!("piket serve: cannot load the escalations: {e}; retrying in 30 s"),
            Err(e) => eprintln!("piket serve: loading the escalations panicked: {e}; retrying in 30 s"),
        }
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(30)) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    };
    run(Arc::new(loaded), notifiers, shutdown).await;
}

/// The scheduler's loop: a pass whenever the log moves or the next step falls due (checked
/// at least every 30 s, so a clock jump is noticed), until shutdown.
pub async fn run(
    scheduler: Arc<Scheduler>,
    notifiers: Arc<Vec<NotifierSettings>>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let engine = Arc::clone(&scheduler.engine);
    let mut changes = engine.subscribe();
    for d in scheduler.undelivered() {
        tokio::spawn(deliver(Arc::clone(&engine), Arc::clone(&notifiers), d));
    }
    loop {
        let s = Arc::clone(&scheduler);
        let pages = match tokio::task::spawn_blocking(move || s.pass(Utc::now())).await {
            Ok(Ok(pages)) => pages,
            Ok(Err(e)) => {
                eprintln!("piket serve: escalation pass failed: {e}; retrying");
                Vec::new()
            }
            Err(e) => {
                eprintln!("piket serve: escalation pass panicked: {e}; retrying");
                Vec::new()
            }
        };
        for d in pages {
            tokio::spawn(deliver(Arc::clone(&engine), Arc::clone(&notifiers), d));
        }
        let wait = scheduler.next_due().map_or(std::time::Duration::from_secs(30), |at| {
            (at - Utc::now()).to_std().unwrap_or_default().min(std::time::Duration::from_secs(30))
        });
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            r = changes.recv() => {
                if matches!(r, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                    return;
                }
            }
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
