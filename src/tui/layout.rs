//! Where things go on screen: the panes that take focus, the regions of the layout and how
//! many rows each scrolling region shows. The app scrolls with these numbers and the views draw
//! into these rectangles, so both agree without the app knowing how anything is drawn.

use ratatui::layout::{Constraint, Layout, Rect};

/// The panes that take focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Queue,
    Detail,
    Escalation,
}

impl Pane {
    const ORDER: [Self; 3] = [Self::Queue, Self::Detail, Self::Escalation];

    /// The pane `by` steps along the focus order, wrapping around.
    #[must_use]
    pub fn step(self, by: isize) -> Self {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        let n = Self::ORDER.len().cast_signed();
        Self::ORDER[usize::try_from((i.cast_signed() + by).rem_euclid(n)).unwrap_or(0)]
    }
}

pub(crate) const MIN_WIDTH: u16 = 60;
pub(crate) const MIN_HEIGHT: u16 = 16;
/// From this width the queue and the incident sit side by side.
pub(crate) const WIDE: u16 = 140;

/// Where each region goes; `None` for a pane hidden by zoom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Areas {
    pub header: Rect,
    /// Between the header and the banners: the panes, or the schedule view.
    pub body: Rect,
    pub queue: Option<Rect>,
    pub detail: Option<Rect>,
    pub escalation: Option<Rect>,
    pub banner: Rect,
    pub footer: Rect,
}

impl Areas {
    /// The layout for a screen size, with one pane zoomed or none, and `banners` lines of
    /// banners.
    #[must_use]
    pub(crate) fn new(area: Rect, zoom: Option<Pane>, banners: u16) -> Self {
        let [header, body, banner, footer] = area.layout(&Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(banners),
            Constraint::Length(2),
        ]));
        let mut a = Self { header, body, queue: None, detail: None, escalation: None, banner, footer };
        match zoom {
            Some(Pane::Queue) => a.queue = Some(body),
            Some(Pane::Detail) => a.detail = Some(body),
            Some(Pane::Escalation) => a.escalation = Some(body),
            None if area.width >= WIDE => {
                let [q, right] = body
                    .layout(&Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]));
                let [d, e] = right.layout(&Layout::vertical([Constraint::Fill(1), Constraint::Length(14)]));
                (a.queue, a.detail, a.escalation) = (Some(q), Some(d), Some(e));
            }
            None => {
                let [q, bottom] =
                    body.layout(&Layout::vertical([Constraint::Percentage(40), Constraint::Fill(1)]));
                let [d, e] =
                    bottom.layout(&Layout::horizontal([Constraint::Fill(1), Constraint::Length(30)]));
                (a.queue, a.detail, a.escalation) = (Some(q), Some(d), Some(e));
            }
        }
        a
    }
}

/// Lines the detail pane's fields take above the timeline.
pub(crate) const FIELD_LINES: u16 = 4;

/// Rows of incidents that fit in a queue area (borders and the column header taken off).
#[must_use]
pub(crate) fn queue_rows(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(3))
}

/// Rows left for the timeline in a detail area.
#[must_use]
pub(crate) fn timeline_rows(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(2 + FIELD_LINES))
}

/// Rows of the schedule view that fit in its area (borders and the legend line taken off).
#[must_use]
pub(crate) fn schedule_rows(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(3))
}
