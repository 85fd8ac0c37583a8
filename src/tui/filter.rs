//! The `/` filter line: `p:1 sev:2 svc:db status:ack mine` plus free words, as a [`Query`].
//!
//! The queue is filtered with [`Query::matches`], the same rule `piket list` uses, so the TUI and
//! the CLI never disagree about what a filter means.

use crate::domain::{Priority, Query, Severity, Status};

/// A parsed filter and the words that could not be read (shown beside the filter line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub query: Query,
    pub problems: Vec<String>,
}

/// Parse the filter text. `me` is who `mine` stands for.
#[must_use]
pub(crate) fn parse(text: &str, me: &str) -> Filter {
    let mut query = Query::default();
    let mut problems = Vec::new();
    let mut words: Vec<&str> = Vec::new();
    for tok in text.split_whitespace() {
        let (key, value) = tok.split_once(':').unwrap_or((tok, ""));
        match (key.to_ascii_lowercase().as_str(), value) {
            ("mine", "") => query.person = Some(me.to_owned()),
            ("p" | "prio" | "priority", v) if !v.is_empty() => match v.parse::<Priority>() {
                Ok(p) => query.priorities.push(p),
                Err(e) => problems.push(e),
            },
            ("sev" | "severity", v) if !v.is_empty() => match v.parse::<Severity>() {
                Ok(s) => query.severities.push(s),
                Err(e) => problems.push(e),
            },
            ("svc" | "service", v) if !v.is_empty() => query.service = Some(v.to_owned()),
            ("status" | "st", v) if !v.is_empty() => match v.parse::<Status>() {
                Ok(s) => query.statuses.push(s),
                Err(e) => problems.push(e),
            },
            _ => words.push(tok),
        }
    }
    if !words.is_empty() {
        query.text = Some(words.join(" "));
    }
    Filter { query, problems }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_tokens() {
        let f = parse("p:1 sev:2 svc:db status:ack mine disk full", "alice");
        assert_eq!(f.query.priorities, vec![Priority::P1]);
        assert_eq!(f.query.severities, vec![Severity::SEV2]);
        assert_eq!(f.query.service.as_deref(), Some("db"));
        assert_eq!(f.query.statuses, vec![Status::Acknowledged]);
        assert_eq!(f.query.person.as_deref(), Some("alice"));
        assert_eq!(f.query.text.as_deref(), Some("disk full"));
        assert!(f.problems.is_empty());
    }

    #[test]
    fn unreadable_values_are_reported_not_guessed() {
        let f = parse("p:9 checkout", "me");
        assert!(f.query.priorities.is_empty());
        assert_eq!(f.problems.len(), 1);
        assert!(f.problems[0].contains("P1 to P5"));
        assert_eq!(f.query.text.as_deref(), Some("checkout"));
    }
}
