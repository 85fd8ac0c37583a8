//! Maintenance windows as the record has them: folded from the maintenance timeline
//! ([`IncidentId::MAINTENANCE`]), and the rules for setting, ending and cancelling one.
//!
//! Pure. The engine keeps the fold in memory (loaded at open, changed only after its own
//! commits) and asks it, inside the ingest transaction, whether an alert's service is in
//! maintenance; `verify` folds the same timeline with the same [`Book::apply`], so the two
//! cannot disagree except through tampering.
//!
//! End and cancel mean what an on-call engineer expects: *end* stops a window that is in
//! force, now (the work finished early); *cancel* withdraws one that has not started (the work
//! was called off). Each refuses the other's case and names the step that fits.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::alert::MaintenanceWindow;
use super::event::EventKind;
use super::ids::IncidentId;
use super::refusal::{Input, Refusal, Step};
use super::time::ts;

/// How a window stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowClosed {
    #[serde(with = "ts")]
    pub at: DateTime<Utc>,
    pub by: String,
    /// Withdrawn before it started (otherwise ended early).
    pub cancelled: bool,
    pub reason: Option<String>,
}

/// A window as set, and how it stopped early if it did (what `piket maintenance list` and
/// `GET /v1/maintenance` show). JSON only, never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceStatus {
    pub id: u32,
    pub service: String,
    #[serde(with = "ts")]
    pub start: DateTime<Utc>,
    /// The end as set; [`MaintenanceStatus::effective_end`] is when it stopped applying.
    #[serde(with = "ts")]
    pub end: DateTime<Utc>,
    pub reason: String,
    pub set_by: String,
    pub closed: Option<WindowClosed>,
}

impl MaintenanceStatus {
    /// When the window stops (stopped) keeping alerts from opening incidents.
    #[must_use]
    pub(crate) fn effective_end(&self) -> DateTime<Utc> {
        match &self.closed {
            Some(c) if c.cancelled => self.start,
            Some(c) => c.at.min(self.end),
            None => self.end,
        }
    }

    #[must_use]
    pub fn covers(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.effective_end()
    }

    /// "upcoming", "in force", "over", "ended early", "cancelled" at `now`.
    #[must_use]
    pub fn state(&self, now: DateTime<Utc>) -> &'static str {
        match &self.closed {
            Some(c) if c.cancelled => "cancelled",
            Some(_) => "ended early",
            None if now < self.start => "upcoming",
            None if now < self.end => "in force",
            None => "over",
        }
    }
}

/// Every window set, in id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Book {
    pub windows: Vec<MaintenanceStatus>,
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%SZ").to_string()
}

impl Book {
    /// The window of `service` in force at `t`, if any (the earliest set, when several are).
    #[must_use]
    pub(crate) fn in_force(&self, service: &str, t: DateTime<Utc>) -> Option<&MaintenanceStatus> {
        self.windows.iter().find(|w| w.service == service && w.covers(t))
    }

    #[must_use]
    pub(crate) fn next_id(&self) -> u32 {
        self.windows.last().map_or(0, |w| w.id).saturating_add(1)
    }

    /// Fold one event of the maintenance timeline.
    ///
    /// # Errors
    /// An event that does not fit the record so far (an id out of order, an end or cancel of
    /// an unknown or closed window, a kind that does not belong on this timeline): what
    /// `verify` reports. The engine only writes what [`Book::decide_set`] and
    /// [`Book::decide_close`] allowed, so it never meets one.
    pub(crate) fn apply(&mut self, kind: &EventKind, actor: &str, at: DateTime<Utc>) -> Result<(), String> {
        match kind {
            EventKind::MaintenanceSet(w) => {
                if w.id != self.next_id() {
                    return Err(format!(
                        "maintenance #{} is out of order (expected #{})",
                        w.id,
                        self.next_id()
                    ));
                }
                self.windows.push(MaintenanceStatus {
                    id: w.id,
                    service: w.service.clone(),
                    start: w.start,
                    end: w.end,
                    reason: w.reason.clone(),
                    set_by: w.set_by.clone(),
                    closed: None,
                });
                Ok(())
            }
            EventKind::MaintenanceEnded { id, at: ended, reason } => self.close(
                *id,
                WindowClosed { at: *ended, by: actor.to_owned(), cancelled: false, reason: reason.clone() },
            ),
            EventKind::MaintenanceCancelled { id, reason } => self.close(
                *id,
                WindowClosed { at, by: actor.to_owned(), cancelled: true, reason: reason.clone() },
            ),
            // The migration's words on what it carried over.
            EventKind::Note { .. } => Ok(()),
            other => Err(format!("{} does not belong on the maintenance timeline", other.name())),
        }
    }

    fn close(&mut self, id: u32, closed: WindowClosed) -> Result<(), String> {
        match self.windows.iter_mut().find(|w| w.id == id) {
            Some(w) if w.closed.is_none() => {
                w.closed = Some(closed);
                Ok(())
            }
            Some(_) => Err(format!("maintenance #{id} is closed twice")),
            None => Err(format!("maintenance #{id} is closed but was never set")),
        }
    }

    /// Set a window: checked, given the next id, and its setter named.
    ///
    /// # Errors
    /// An empty service or reason, an end not after the start, or an end already past.
    pub(crate) fn decide_set(
        &self,
        window: &MaintenanceWindow,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<EventKind, Refusal> {
        window.check().map_err(|message| Refusal { message, next: vec![] })?;
        if window.end <= now {
            return Err(Refusal::check(
                format!("the window would end at {}, which has passed", when(window.end)),
                &[Input::WindowEnd],
            ));
        }
        let mut w = window.clone();
        w.id = self.next_id();
        w.service = w.service.trim().to_owned();
        w.reason = w.reason.trim().to_owned();
        actor.clone_into(&mut w.set_by);
        Ok(EventKind::MaintenanceSet(w))
    }

    /// End (`cancel` false) or cancel window `id` at `now`.
    ///
    /// # Errors
    /// An unknown id, a window already ended or cancelled, already over, or one the other
    /// command fits (ending one that has not started, cancelling one in force), each with the
    /// command to use instead.
    pub(crate) fn decide_close(
        &self,
        id: u32,
        cancel: bool,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<EventKind, Refusal> {
        let refuse = |message: String, step: Step| Refusal { message, next: vec![step] };
        let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        let Some(w) = self.windows.iter().find(|w| w.id == id) else {
            return Err(refuse(format!("there is no maintenance window #{id}"), Step::ListMaintenance));
        };
        if let Some(c) = &w.closed {
            return Err(refuse(
                format!(
                    "maintenance #{id} ({}) was already {} by {} at {}: nothing to do",
                    w.service,
                    if c.cancelled { "cancelled" } else { "ended" },
                    c.by,
                    when(c.at)
                ),
                Step::ListMaintenance,
            ));
        }
        if w.end <= now {
            return Err(Refusal {
                message: format!(
                    "maintenance #{id} ({}) is already over (it ended at {}): nothing to end or cancel",
                    w.service,
                    when(w.end)
                ),
                next: vec![],
            });
        }
        match (cancel, now < w.start) {
            (false, false) => Ok(EventKind::MaintenanceEnded { id, at: now, reason }),
            (true, true) => Ok(EventKind::MaintenanceCancelled { id, reason }),
            (false, true) => Err(refuse(
                format!(
                    "maintenance #{id} ({}) has not started (it starts at {}): to call it off, cancel it",
                    w.service,
                    when(w.start)
                ),
                Step::CancelMaintenance(id),
            )),
            (true, false) => Err(refuse(
                format!(
                    "maintenance #{id} ({}) is in force since {}: to stop it now, end it",
                    w.service,
                    when(w.start)
                ),
                Step::EndMaintenance(id),
            )),
        }
    }
}

/// The timeline these events belong on.
#[must_use]
pub(crate) const fn timeline_of(kind: &EventKind) -> Option<IncidentId> {
    match kind {
        EventKind::MaintenanceSet(_)
        | EventKind::MaintenanceEnded { .. }
        | EventKind::MaintenanceCancelled { .. } => Some(IncidentId::MAINTENANCE),
        EventKind::AlertSuppressed { .. } => Some(IncidentId::SUPPRESSED),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, h, 0, 0).unwrap()
    }

    fn window(service: &str, from: u32, to: u32) -> MaintenanceWindow {
        MaintenanceWindow {
            id: 0,
            service: service.into(),
            start: t(from),
            end: t(to),
            reason: "disk swap".into(),
            set_by: String::new(),
        }
    }

    fn book_with(windows: &[MaintenanceWindow], now: DateTime<Utc>) -> Book {
        let mut b = Book::default();
        for w in windows {
            let kind = b.decide_set(w, "ana", now).unwrap();
            b.apply(&kind, "ana", now).unwrap();
        }
        b
    }

    #[test]
    fn end_stops_a_window_in_force_and_cancel_withdraws_one_to_come() {
        let mut b = book_with(&[window("db", 10, 12), window("web", 14, 16)], t(9));
        assert_eq!((b.windows[0].id, b.windows[1].id), (1, 2));
        assert!(b.in_force("db", t(11)).is_some());

        // End refuses a window to come, cancel one in force; each names the other step.
        let e = b.decide_close(2, false, None, t(11)).unwrap_err();
        assert_eq!(e.next, vec![Step::CancelMaintenance(2)], "{}", e.message);
        let e = b.decide_close(1, true, None, t(11)).unwrap_err();
        assert_eq!(e.next, vec![Step::EndMaintenance(1)], "{}", e.message);

        let end = b.decide_close(1, false, Some(" done early ".into()), t(11)).unwrap();
        b.apply(&end, "ben", t(11)).unwrap();
        assert!(b.in_force("db", t(11) + Duration::minutes(1)).is_none(), "ended means no longer in force");
        assert_eq!(b.windows[0].state(t(11)), "ended early");
        let cancel = b.decide_close(2, true, None, t(11)).unwrap();
        b.apply(&cancel, "ben", t(11)).unwrap();
        assert!(b.in_force("web", t(15)).is_none());

        // Twice, or unknown: refused with what to do.
        let e = b.decide_close(1, false, None, t(11)).unwrap_err();
        assert!(e.message.contains("already ended by ben"), "{}", e.message);
        let e = b.decide_close(2, true, None, t(11)).unwrap_err();
        assert!(e.message.contains("already cancelled by ben"), "{}", e.message);
        let e = b.decide_close(9, false, None, t(11)).unwrap_err();
        assert!(e.message.contains("no maintenance window #9"), "{}", e.message);
        assert_eq!(e.next, vec![Step::ListMaintenance]);
    }

    #[test]
    fn a_window_that_is_over_or_ends_in_the_past_is_refused() {
        let b = book_with(&[window("db", 10, 12)], t(9));
        assert!(b.decide_close(1, false, None, t(13)).unwrap_err().message.contains("already over"));
        assert!(b.decide_set(&window("db", 7, 8), "ana", t(9)).unwrap_err().message.contains("has passed"));
    }

    #[test]
    fn the_fold_refuses_what_the_rules_never_write() {
        let mut b = book_with(&[window("db", 10, 12)], t(9));
        let twice = EventKind::MaintenanceEnded { id: 1, at: t(11), reason: None };
        b.apply(&twice, "ben", t(11)).unwrap();
        assert!(b.apply(&twice, "ben", t(11)).is_err());
        assert!(b.apply(&EventKind::MaintenanceCancelled { id: 7, reason: None }, "ben", t(11)).is_err());
        let mut w = window("db", 10, 12);
        w.id = 5;
        assert!(b.apply(&EventKind::MaintenanceSet(w), "ben", t(11)).is_err(), "ids in order");
        assert!(b.apply(&EventKind::Acknowledged, "ben", t(11)).is_err());
    }
}
