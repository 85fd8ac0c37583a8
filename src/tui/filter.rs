//! The `/` filter line: `p:1 sev:2 svc:db status:ack who:ana mine` plus free words, as a
//! [`Query`](crate::domain::Query).
//!
//! The words are read by `domain::query::words`, and the queue is filtered with
//! `Query::matches`, the rule `piket list` uses, so the TUI and the CLI never disagree about
//! what a filter means. Free words are also looked for in timelines, which the queue does not
//! hold: the queue asks the server (the list query, which reads timelines) and shows what
//! either the summary it has or the server's answer lets pass (`app/queue.rs`).

pub(crate) use crate::domain::query::words::Words as Filter;

/// Parse the filter text. `me` is who `mine` stands for.
#[must_use]
pub(crate) fn parse(text: &str, me: &str) -> Filter {
    crate::domain::query::words::parse(text, me)
}
