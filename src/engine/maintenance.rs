//! Maintenance windows on the record: set, ended and cancelled as events on the maintenance
//! timeline ([`IncidentId::MAINTENANCE`]); the alerts they kept from opening an incident as
//! events on the suppressed timeline ([`IncidentId::SUPPRESSED`]). Like overrides on the rota
//! timeline, the windows are kept in memory as the fold of their timeline: loaded at open,
//! changed only after this engine's own commits, read by ingest inside its write transaction.

use chrono::{DateTime, Utc};

use crate::domain::alert::MaintenanceWindow;
use crate::domain::maintenance::{Book, MaintenanceStatus};
use crate::domain::time::to_micros;
use crate::domain::{Event, EventKind, IncidentId, Source, Stamp};
use crate::store::{Reader, StoreError, Writer};
use crate::wire::{Change, CloseWindow, MaintenanceList};

use super::{Engine, EngineError};

/// The windows as the maintenance timeline has them. An event that does not fold (only a
/// file edited outside piket has one) is passed over here, so the server still starts and
/// `piket verify` can say where the record was altered.
pub(super) fn load(r: &dyn Reader) -> Result<Book, EngineError> {
    let mut book = Book::default();
    for ev in r.timeline(IncidentId::MAINTENANCE)? {
        let _ = book.apply(&ev.kind, &ev.actor, ev.occurred_at);
    }
    Ok(book)
}

/// Append events to a timeline that is not an incident's (no summary to fold). Returns the
/// events and the global sequence of the last.
pub(super) fn append_record(
    w: &mut dyn Writer,
    id: IncidentId,
    kinds: Vec<EventKind>,
    actor: &str,
    source: Source,
    now: DateTime<Utc>,
) -> Result<(Vec<Event>, u64), EngineError> {
    let first = w.last_seq(id)? + 1;
    let events = Stamp { actor, source, now }.events(id, first, kinds);
    let global = w.append(&events)?;
    Ok((events, global))
}

impl Engine {
    pub(super) fn book(&self) -> std::sync::RwLockReadGuard<'_, Book> {
        self.maintenance.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Record one event on the maintenance timeline, then fold it into the windows in force
    /// and announce it. The decision is made under the commit lock on the windows as
    /// committed, so two people ending the same window get one end and one refusal.
    fn change_maintenance(
        &self,
        actor: &str,
        source: Source,
        now: DateTime<Utc>,
        decide: impl FnOnce(&Book) -> Result<EventKind, crate::domain::Refusal>,
    ) -> Result<Event, EngineError> {
        let now = to_micros(now);
        let _order = self.commit_order.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let kind = decide(&self.book()).map_err(EngineError::Refused)?;
        let (mut events, global) = self
            .store
            .write(|w| append_record(w, IncidentId::MAINTENANCE, vec![kind], actor, source, now))?;
        let ev =
            events.pop().ok_or_else(|| StoreError::Corrupt("no maintenance event was written".to_owned()))?;
        {
            let mut book = self.maintenance.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            book.apply(&ev.kind, &ev.actor, ev.occurred_at)
                .map_err(|m| StoreError::Corrupt(format!("maintenance: {m}")))?;
        }
        let _ = self.changes.send(Change {
            global_seq: global,
            incident: IncidentId::MAINTENANCE,
            seq: ev.seq,
            paged: false,
        });
        Ok(ev)
    }

    /// Set a maintenance window as `actor` (who becomes its `set_by`); durable before it
    /// returns. Returns the window as recorded, with its id.
    ///
    /// # Errors
    /// [`EngineError::Refused`] for a window that makes no sense; a store failure.
    pub fn set_maintenance(
        &self,
        actor: &str,
        source: Source,
        window: &MaintenanceWindow,
        now: DateTime<Utc>,
    ) -> Result<MaintenanceWindow, EngineError> {
        let ev =
            self.change_maintenance(actor, source, now, |b| b.decide_set(window, actor, to_micros(now)))?;
        match ev.kind {
            EventKind::MaintenanceSet(w) => Ok(w),
            other => Err(StoreError::Corrupt(format!("{} recorded for a new window", other.name())).into()),
        }
    }

    /// End (in force) or cancel (not started) window `id` as `actor`.
    ///
    /// # Errors
    /// [`EngineError::Refused`] with what to do instead; a store failure.
    pub fn close_maintenance(
        &self,
        actor: &str,
        source: Source,
        id: u32,
        how: CloseWindow,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<MaintenanceStatus, EngineError> {
        let cancel = how == CloseWindow::Cancel;
        self.change_maintenance(actor, source, now, |b| b.decide_close(id, cancel, reason, to_micros(now)))?;
        self.book()
            .windows
            .iter()
            .find(|w| w.id == id)
            .cloned()
            .ok_or_else(|| StoreError::Corrupt(format!("maintenance #{id} vanished")).into())
    }

    /// Every window as it stands, and how many alerts windows have suppressed.
    ///
    /// # Errors
    /// Store failure.
    pub fn maintenance_list(&self) -> Result<MaintenanceList, EngineError> {
        let windows = self.book().windows.clone();
        let r = self.store.read()?;
        let last = r.last_seq(IncidentId::SUPPRESSED)?;
        // A migrated file starts the timeline with a note that says what was carried over.
        let notes = match r.timeline_entry(IncidentId::SUPPRESSED, 1)? {
            Some(g) => r
                .events_since(g - 1, 1)?
                .first()
                .map_or(0, |(_, ev)| u32::from(matches!(ev.kind, EventKind::Note { .. }))),
            None => 0,
        };
        Ok(MaintenanceList { windows, suppressed_alerts: u64::from(last - notes) })
    }

    /// Alerts kept from opening an incident, as recorded (the suppressed timeline).
    ///
    /// # Errors
    /// Store failure.
    pub fn suppressed_alerts(&self) -> Result<Vec<Event>, EngineError> {
        let mut events = self.store.read()?.timeline(IncidentId::SUPPRESSED)?;
        events.retain(|e| matches!(e.kind, EventKind::AlertSuppressed { .. }));
        Ok(events)
    }
}
