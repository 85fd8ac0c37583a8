//! The queue: the incidents the engine last sent, which of them pass the filter and in what
//! order, the selection and the scroll. Answers from the engine come in through
//! [`Queue::update`]; keys through [`Queue::navigate`] and the filter line's editing.
//!
//! What fits on screen is the caller's to say (`rows`): the queue keeps no geometry.

use std::collections::{HashMap, HashSet};

use crate::domain::policy::Deadline;
use crate::domain::text::sanitize_line;
use crate::domain::{Incident, IncidentId, Policy, Query, Sort, Status};
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::filter::{self, Filter};
use crate::tui::form::Edit;

use super::Msg;

#[derive(Debug, Clone)]
pub struct Queue {
    incidents: Vec<Incident>,
    index: HashMap<IncidentId, usize>,
    /// Positions in `incidents` that pass the filter, in queue order.
    visible: Vec<usize>,
    pub counts: [usize; 3],
    /// Width of the widest incident id in the cache ("INC-100000" is 10).
    pub id_width: u16,
    /// Every open incident's running target, soonest first (rebuilt when data changes, so the
    /// header finds the next one and the overdue count with a binary search per frame).
    deadlines: Vec<(Deadline, IncidentId)>,
    pub loaded: bool,
    /// The whole queue has arrived (not only its first page): counts are final.
    pub complete: bool,
    pub selected: Option<IncidentId>,
    pub sel_row: usize,
    pub offset: usize,
    pub show_all: bool,
    pub sort: Sort,
    pub filter_text: String,
    pub filter: Filter,
    pub filtering: bool,
    /// Select this incident once it shows up (after registering it).
    pending_select: Option<IncidentId>,
    /// The selected incident, kept on its row after it stopped passing the filter (resolved,
    /// so out of the open queue) until the responder moves: the selection never jumps to
    /// another incident by itself, so the next key acts on the incident the responder sees.
    pub kept: Option<IncidentId>,
    /// The jump line being typed (`:` or `#`, then an id).
    pub jump: Option<String>,
    /// An incident jumped to that was not cached: select and show it once it arrives.
    pending_jump: Option<IncidentId>,
    /// The last query with words asked of the server (it reads timelines, the cache does not).
    searched: Option<Query>,
    /// The server's answer to `searched`: the incidents whose words it found.
    hits: Option<(Query, HashSet<IncidentId>)>,
    /// A word search is on its way: no second one is sent until it is answered.
    searching: bool,
}

impl Default for Queue {
    fn default() -> Self {
        Self {
            incidents: Vec::new(),
            index: HashMap::new(),
            visible: Vec::new(),
            counts: [0; 3],
            id_width: 5,
            deadlines: Vec::new(),
            loaded: false,
            complete: false,
            selected: None,
            sel_row: 0,
            offset: 0,
            show_all: false,
            sort: Sort::Priority,
            filter_text: String::new(),
            filter: Filter::default(),
            filtering: false,
            pending_select: None,
            kept: None,
            jump: None,
            pending_jump: None,
            searched: None,
            searching: false,
            hits: None,
        }
    }
}

/// What the queue needs to know from the rest of the app for one message.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// Who `mine` in the filter stands for.
    pub me: &'a str,
    /// Targets for the header's deadlines.
    pub policy: &'a Policy,
    /// Queue rows on screen now.
    pub rows: usize,
}

impl Queue {
    /// Take the engine's answers about incidents; the effects they lead to.
    pub fn update(&mut self, msg: Msg, cx: Ctx<'_>) -> Vec<Effect> {
        match msg {
            Msg::PageLoaded(Ok(page)) => {
                if self.complete {
                    return Vec::new();
                }
                self.loaded = true;
                let mut fx = self.set_list(page, cx);
                fx.push(Effect::LoadList { all: self.show_all });
                fx
            }
            Msg::ListLoaded(Ok(list)) => {
                self.loaded = true;
                self.complete = true;
                self.set_list(list, cx)
            }
            Msg::IncidentLoaded(_, Ok(inc)) => {
                self.upsert(inc, cx);
                Vec::new()
            }
            Msg::IncidentLoaded(id, Err(_)) => {
                if self.pending_jump == Some(id) {
                    self.pending_jump = None;
                    self.pending_select = None;
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    // ---- read access -----------------------------------------------------------------------

    /// How many incidents pass the filter.
    #[must_use]
    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    /// How many incidents are cached (open, or all when the toggle is on).
    #[must_use]
    pub(crate) fn cached_len(&self) -> usize {
        self.incidents.len()
    }

    /// The incident at a queue row.
    #[must_use]
    pub fn row(&self, row: usize) -> Option<&Incident> {
        self.visible.get(row).and_then(|&i| self.incidents.get(i))
    }

    /// The rows `from..from+n` of the queue, nothing else (render only what is visible).
    pub fn rows(&self, from: usize, n: usize) -> impl Iterator<Item = (usize, &Incident)> {
        let end = from.saturating_add(n).min(self.visible.len());
        let start = from.min(end);
        self.visible[start..end]
            .iter()
            .enumerate()
            .filter_map(move |(k, &i)| self.incidents.get(i).map(|inc| (start + k, inc)))
    }

    #[must_use]
    pub fn incident(&self, id: IncidentId) -> Option<&Incident> {
        self.index.get(&id).and_then(|&i| self.incidents.get(i))
    }

    #[must_use]
    pub fn selected_incident(&self) -> Option<&Incident> {
        self.selected.and_then(|id| self.incident(id))
    }

    /// How many running targets are already breached at `now`, and the next one still ahead.
    #[must_use]
    pub(crate) fn deadlines_at(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> (usize, Option<(IncidentId, Deadline)>) {
        let overdue = self.deadlines.partition_point(|(d, _)| d.due <= now);
        (overdue, self.deadlines.get(overdue).map(|(d, id)| (*id, *d)))
    }

    /// Some open incident has a running target (the header counts it down).
    #[must_use]
    pub(crate) fn has_deadlines(&self) -> bool {
        !self.deadlines.is_empty()
    }

    /// The query the queue shows: the filter, the closed toggle and the sort.
    #[must_use]
    pub fn query(&self) -> Query {
        let mut q = self.filter.query.clone();
        if self.show_all && q.statuses.is_empty() {
            q.all = true;
        }
        q.sort = self.sort;
        q
    }

    /// What the server is asked for words: the query without order or limit.
    fn search_key(&self) -> Query {
        Query { sort: Sort::default(), limit: None, ..self.query() }
    }

    /// An incident passes the query: on its summary, or on the server's word search.
    fn passes(&self, q: &Query, inc: &Incident) -> bool {
        q.matches(inc)
            || (q.has_words()
                && q.matches_but_text(inc)
                && self.hits.as_ref().is_some_and(|(hq, ids)| hq.text == q.text && ids.contains(&inc.id)))
    }

    /// The word search to ask the server for, once per query (`None`: asked already, or no
    /// words). Timeline text is not in the cache, so the server is asked.
    ///
    /// The search reads timelines on the server, so its cost is bounded here: none while the
    /// filter line is still being typed (the summary match filters as you type; Enter asks
    /// the server), and at most one on its way per queue, so a flood of changes under a
    /// filter with words costs one search after another, not one per change.
    pub(crate) fn search_wanted(&mut self) -> Option<Query> {
        let key = self.search_key();
        if !key.has_words() || self.filtering || self.searching || self.searched.as_ref() == Some(&key) {
            return None;
        }
        self.searched = Some(key.clone());
        self.searching = true;
        Some(key)
    }

    /// The word search's answer came (or failed): the next one may be asked.
    pub(crate) const fn search_answered(&mut self) {
        self.searching = false;
    }

    /// Something changed on the record: the server's word search is asked again.
    pub(crate) fn search_stale(&mut self) {
        self.searched = None;
    }

    /// The server's answer to a word search; an answer to an older query is dropped.
    pub(crate) fn searched(&mut self, q: Query, found: &[Incident], cx: Ctx<'_>) {
        if q != self.search_key() {
            return;
        }
        self.hits = Some((q, found.iter().map(|i| i.id).collect()));
        self.refilter(cx);
    }

    /// Rows above and below the screen (the queue's title counts them).
    #[must_use]
    pub(crate) fn hidden_rows(&self, rows: usize) -> (usize, usize) {
        let n = self.visible.len();
        let below = n.saturating_sub(self.offset + rows);
        (self.offset.min(n), below)
    }

    // ---- jump to an id ---------------------------------------------------------------------

    pub(crate) fn jump_type(&mut self, c: char) {
        if let Some(j) = self.jump.as_mut() {
            j.push(c);
        }
    }

    pub(crate) fn jump_edit(&mut self, e: Edit) {
        if let Some(j) = self.jump.as_mut() {
            match e {
                Edit::Backspace => {
                    j.pop();
                }
                Edit::Clear | Edit::DeleteWord => j.clear(),
                _ => {}
            }
        }
    }

    pub(crate) fn jump_paste(&mut self, s: &str) {
        if let Some(j) = self.jump.as_mut() {
            j.push_str(&sanitize_line(s));
        }
    }

    /// Select the incident with this id, whatever the filter and the closed toggle say: shown
    /// (kept) until the responder moves. Not cached (resolved while the open queue shows):
    /// fetched, and selected when it arrives (an unknown id is the fetch's error).
    pub(crate) fn jump_to(&mut self, id: IncidentId, cx: Ctx<'_>) -> Vec<Effect> {
        if self.row_of(id).is_some() {
            self.select_id(id, cx.rows);
            return Vec::new();
        }
        if self.incident(id).is_some() {
            self.release();
            self.kept = Some(id);
            self.pending_select = Some(id);
            self.refilter(cx);
            return Vec::new();
        }
        self.pending_jump = Some(id);
        vec![Effect::LoadIncident(id)]
    }

    /// The incident a jump is waiting for.
    #[must_use]
    pub(crate) const fn jumping_to(&self) -> Option<IncidentId> {
        self.pending_jump
    }

    #[must_use]
    pub(crate) fn row_of(&self, id: IncidentId) -> Option<usize> {
        let &pos = self.index.get(&id)?;
        self.visible.iter().position(|&i| i == pos)
    }

    // ---- keys ------------------------------------------------------------------------------

    /// Move the selection (`rows`: a page).
    pub(crate) fn navigate(&mut self, a: Action, rows: usize) {
        let n = self.visible.len();
        if n == 0 {
            return;
        }
        let row = match a {
            Action::SelectNext => self.sel_row + 1,
            Action::SelectPrev => self.sel_row.saturating_sub(1),
            Action::SelectFirst => 0,
            Action::SelectLast => n - 1,
            Action::PageDown => self.sel_row + rows,
            Action::PageUp => self.sel_row.saturating_sub(rows),
            _ => self.sel_row,
        };
        match self.row(row.min(n - 1)).map(|i| i.id) {
            Some(id) => self.select_id(id, rows),
            None => self.select_row(row.min(n - 1), rows),
        }
    }

    /// Select an incident the queue shows; the kept one goes unless it is this one.
    pub(crate) fn select_id(&mut self, id: IncidentId, rows: usize) {
        if self.kept != Some(id) {
            self.release();
        }
        if let Some(row) = self.row_of(id) {
            self.select_row(row, rows);
        }
    }

    /// The responder moved: the kept incident leaves the rows when it no longer passes.
    fn release(&mut self) {
        let Some(id) = self.kept.take() else { return };
        let q = self.query();
        if let Some(&pos) = self.index.get(&id)
            && !self.incidents.get(pos).is_some_and(|inc| self.passes(&q, inc))
        {
            self.visible.retain(|&i| i != pos);
            if let Some(row) = self.selected.and_then(|sel| self.row_of(sel)) {
                self.sel_row = row;
            }
        }
    }

    pub(crate) fn select_row(&mut self, row: usize, rows: usize) {
        self.sel_row = row;
        self.selected = self.row(row).map(|i| i.id);
        self.scroll_to_selection(rows);
    }

    pub(crate) fn scroll_to_selection(&mut self, rows: usize) {
        let n = self.visible.len();
        if self.sel_row < self.offset {
            self.offset = self.sel_row;
        } else if self.sel_row >= self.offset + rows {
            self.offset = self.sel_row + 1 - rows;
        }
        // Do not leave empty rows below the last incident when there are more above.
        self.offset = self.offset.min(n.saturating_sub(rows));
    }

    /// Select this incident once it shows up (the answer to its registration).
    pub(crate) const fn select_when_shown(&mut self, id: IncidentId) {
        self.pending_select = Some(id);
    }

    /// The next sort order; says which.
    pub(crate) fn cycle_sort(&mut self, cx: Ctx<'_>) {
        let i = Sort::ALL.iter().position(|s| *s == self.sort).unwrap_or(0);
        self.sort = Sort::ALL[(i + 1) % Sort::ALL.len()];
        self.kept = None;
        self.refilter(cx);
    }

    /// Esc on the queue: the filter goes.
    pub(crate) fn clear_filter(&mut self, cx: Ctx<'_>) {
        self.filter_text.clear();
        self.kept = None;
        self.refilter(cx);
    }

    // ---- the filter line -------------------------------------------------------------------

    /// Submit or cancel while the filter line has the keyboard.
    pub(crate) fn filter_action(&mut self, a: Action, cx: Ctx<'_>) {
        match a {
            Action::Submit => self.filtering = false,
            Action::Cancel => {
                self.filtering = false;
                self.clear_filter(cx);
            }
            _ => {}
        }
    }

    pub(crate) fn filter_type(&mut self, c: char, cx: Ctx<'_>) {
        self.filter_text.push(c);
        self.kept = None;
        self.refilter(cx);
    }

    pub(crate) fn filter_edit(&mut self, e: Edit, cx: Ctx<'_>) {
        match e {
            Edit::Backspace => {
                self.filter_text.pop();
            }
            Edit::Clear | Edit::DeleteWord => self.filter_text.clear(),
            Edit::Enter => self.filtering = false,
            Edit::Left | Edit::Right | Edit::Home | Edit::End | Edit::Delete => {}
        }
        self.kept = None;
        self.refilter(cx);
    }

    pub(crate) fn filter_paste(&mut self, s: &str, cx: Ctx<'_>) {
        self.filter_text.push_str(&sanitize_line(s));
        self.kept = None;
        self.refilter(cx);
    }

    // ---- the cache -------------------------------------------------------------------------

    fn set_list(&mut self, mut list: Vec<Incident>, cx: Ctx<'_>) -> Vec<Effect> {
        let mut fx = Vec::new();
        // The selected incident missing from a fresh list left it (resolved meanwhile): keep
        // what we knew on its row and ask for it, rather than select another incident.
        if let Some(id) = self.selected
            && !list.iter().any(|inc| inc.id == id)
            && let Some(old) = self.incident(id)
        {
            list.push(old.clone());
            self.kept = Some(id);
            fx.push(Effect::LoadIncident(id));
        }
        self.incidents = list;
        self.index = self.incidents.iter().enumerate().map(|(i, inc)| (inc.id, i)).collect();
        self.recount(cx.policy);
        self.refilter(cx);
        fx
    }

    fn refilter(&mut self, cx: Ctx<'_>) {
        self.filter = filter::parse(&self.filter_text, cx.me);
        let q = self.query();
        let incs = &self.incidents;
        let kept = self.kept.and_then(|id| self.index.get(&id).copied());
        let mut vis: Vec<usize> =
            (0..incs.len()).filter(|&i| self.passes(&q, &incs[i]) || Some(i) == kept).collect();
        vis.sort_by(|&a, &b| q.sort.compare(&incs[a], &incs[b]));
        self.visible = vis;
        self.reselect(cx.rows);
    }

    /// After the visible set changed: keep the selected incident selected (and where it was on
    /// screen), or the row at the same position when it left the view.
    fn reselect(&mut self, rows: usize) {
        if let Some(id) = self.pending_select
            && let Some(row) = self.row_of(id)
        {
            self.pending_select = None;
            if self.kept.is_some_and(|k| k != id) {
                self.release();
            }
            let row = self.row_of(id).unwrap_or(row);
            self.selected = Some(id);
            self.sel_row = row;
        } else if let Some(row) = self.selected.and_then(|id| self.row_of(id)) {
            // Keep the row at the same height on screen when it moved.
            let screen = self.sel_row.saturating_sub(self.offset);
            self.sel_row = row;
            self.offset = row.saturating_sub(screen);
        } else {
            self.sel_row = self.sel_row.min(self.visible.len().saturating_sub(1));
            self.selected = self.row(self.sel_row).map(|i| i.id);
        }
        self.scroll_to_selection(rows);
    }

    /// Insert or replace one incident without re-sorting the whole queue.
    pub(crate) fn upsert(&mut self, inc: Incident, cx: Ctx<'_>) {
        let id = inc.id;
        // Answers can arrive out of order (several fetches in flight): never go back in time.
        if self.incident(id).is_some_and(|old| old.last_seq > inc.last_seq) {
            return;
        }
        let mut was_visible = false;
        let pos = if let Some(&pos) = self.index.get(&id) {
            if let Some(slot) = self.incidents.get_mut(pos) {
                *slot = inc;
            }
            if let Some(v) = self.visible.iter().position(|&i| i == pos) {
                self.visible.remove(v);
                was_visible = true;
            }
            pos
        } else {
            self.incidents.push(inc);
            let pos = self.incidents.len() - 1;
            self.index.insert(id, pos);
            pos
        };
        if self.pending_jump == Some(id) {
            // The incident jumped to has arrived: shown and selected whatever the filter says.
            self.pending_jump = None;
            if self.kept != Some(id) {
                self.release();
            }
            self.kept = Some(id);
            self.pending_select = Some(id);
        }
        let q = self.query();
        let matches = self.incidents.get(pos).is_some_and(|new| self.passes(&q, new));
        if !matches && was_visible && self.selected == Some(id) {
            self.kept = Some(id);
        }
        if let Some(new) = self.incidents.get(pos)
            && (matches || self.kept == Some(id))
        {
            let incs = &self.incidents;
            let at = self.visible.partition_point(|&i| q.sort.compare(&incs[i], new).is_lt());
            self.visible.insert(at, pos);
        }
        self.recount(cx.policy);
        self.reselect(cx.rows);
    }

    fn recount(&mut self, policy: &Policy) {
        let mut counts = [0; 3];
        let mut deadlines = Vec::new();
        for inc in &self.incidents {
            match inc.status {
                Status::Triggered => counts[0] += 1,
                Status::Acknowledged => counts[1] += 1,
                Status::Contained => counts[2] += 1,
                _ => continue,
            }
            if let Some(d) = policy.deadline(inc) {
                deadlines.push((d, inc.id));
            }
        }
        deadlines.sort_unstable_by_key(|(d, id)| (d.due, *id));
        self.counts = counts;
        self.deadlines = deadlines;
        let max_id = self.incidents.iter().map(|i| i.id.0).max().unwrap_or(1);
        self.id_width = u16::try_from(max_id.to_string().len() + 4).unwrap_or(10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        EventKind, Impact, Priority, Registration, Severity, Source, Stamp, Urgency, record,
    };
    use chrono::{Duration, TimeZone, Utc};

    fn incident(id: u64, mins: i64, priority: Priority, services: &[&str]) -> Incident {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap() + Duration::minutes(mins);
        let kind = EventKind::Registered(Registration {
            title: format!("incident {id}"),
            description: None,
            reported_by: None,
            channel: "tui".into(),
            services: services.iter().map(|s| (*s).to_owned()).collect(),
            impact: Impact::Medium,
            urgency: Urgency::Medium,
            priority,
            severity: Severity::SEV3,
            category: None,
            detected_at: now,
            impact_started_at: None,
            reported_at: None,
            drill: false,
        });
        let stamp = Stamp { actor: "ana", source: Source::Tui, now };
        record(None, vec![kind], &stamp, || IncidentId(id)).unwrap().summary
    }

    fn ids(q: &Queue) -> Vec<u64> {
        (0..q.visible_len()).filter_map(|r| q.row(r)).map(|i| i.id.0).collect()
    }

    /// Random upserts, filter changes, moves and sorts: the rows always stand in the sort's
    /// order, and without a filter they are the rows of a fresh load.
    #[test]
    fn upserts_and_filter_changes_keep_the_order_of_a_fresh_load() {
        let policy = Policy::default();
        let cx = Ctx { me: "ana", policy: &policy, rows: 5 };
        let prios = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];
        let filters = ["svc:db", "status:triggered", "p:3", "mine", ""];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..200 {
            let mut q = Queue::default();
            let start: Vec<Incident> = (1..=6)
                .map(|id| {
                    let svc = if next(2) == 0 { "db" } else { "api" };
                    incident(
                        id,
                        i64::try_from(next(30)).unwrap(),
                        prios[usize::try_from(next(4)).unwrap()],
                        &[svc],
                    )
                })
                .collect();
            let _ = q.update(Msg::ListLoaded(Ok(start)), cx);
            for step in 0..30 {
                match next(6) {
                    0 | 1 => {
                        let id = IncidentId(next(8) + 1);
                        let mut inc = q.incident(id).cloned().unwrap_or_else(|| {
                            incident(id.0, i64::try_from(next(30)).unwrap(), Priority::P3, &["db"])
                        });
                        inc.last_seq += 1;
                        inc.updated_at += Duration::minutes(i64::try_from(next(10)).unwrap());
                        match next(3) {
                            0 => inc.status = Status::Acknowledged,
                            1 => inc.priority = prios[usize::try_from(next(4)).unwrap()],
                            _ => inc.status = Status::Resolved,
                        }
                        q.upsert(inc, cx);
                    }
                    2 => {
                        q.filter_text = filters[usize::try_from(next(5)).unwrap()].to_owned();
                        q.kept = None;
                        q.refilter(cx);
                    }
                    3 => q.clear_filter(cx),
                    4 => {
                        let acts = [Action::SelectNext, Action::SelectPrev, Action::SelectLast];
                        q.navigate(acts[usize::try_from(next(3)).unwrap()], 5);
                    }
                    _ => q.cycle_sort(cx),
                }
                let qq = q.query();
                let rows: Vec<&Incident> = (0..q.visible_len()).filter_map(|r| q.row(r)).collect();
                assert!(
                    rows.windows(2).all(|w| qq.sort.compare(w[0], w[1]).is_lt()),
                    "step {step}: {:?} not in {} order",
                    ids(&q),
                    qq.sort.as_str()
                );
                if q.filter_text.is_empty() && q.kept.is_none() {
                    let mut fresh = Queue { sort: q.sort, ..Queue::default() };
                    let _ = fresh.update(Msg::ListLoaded(Ok(q.incidents.clone())), cx);
                    assert_eq!(ids(&q), ids(&fresh), "step {step}: a fresh load's order");
                }
            }
        }
    }
}
