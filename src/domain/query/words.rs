//! A filter written as one line of words (`p:1 sev:2 svc:db status:ack who:ana mine disk`), as
//! the TUI's `/` takes it: read into a [`Query`] here, beside it, so every front-end that reads
//! filter words reads them the same way.
//!
//! A word `key:value` whose key is letters only is a key; a key that is not one of [`KEYS`] is
//! refused with the list of keys (a misspelt key silently matching nothing, or everything, hid
//! the mistake). Quotes make anything a word to search for: `"http://x"`.

use super::Query;
use crate::domain::{Priority, Severity, Status};

/// The keys, as the refusal of an unknown one lists them.
pub(crate) const KEYS: &str = "p: sev: svc: status: who: mine";

/// A parsed filter line, and what could not be read (said beside the line, never guessed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words {
    pub query: Query,
    pub problems: Vec<String>,
}

/// An id as a word: `inc-17` or `#17` (already lower case), its number.
#[must_use]
pub(crate) fn exact_id(word: &str) -> Option<u64> {
    let digits = word.strip_prefix("inc-").or_else(|| word.strip_prefix('#'))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Split on whitespace; double quotes group and mark a token as a plain word.
fn tokens(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut in_quote = false;
    for c in text.chars() {
        match c {
            '"' => {
                in_quote = !in_quote;
                quoted = true;
            }
            c if c.is_whitespace() && !in_quote => {
                if !cur.is_empty() {
                    out.push((std::mem::take(&mut cur), quoted));
                }
                quoted = false;
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push((cur, quoted));
    }
    out
}

/// Read a filter line. `me` is who `mine` stands for.
#[must_use]
pub(crate) fn parse(text: &str, me: &str) -> Words {
    let mut query = Query::default();
    let mut problems = Vec::new();
    let mut words: Vec<String> = Vec::new();
    for (tok, quoted) in tokens(text) {
        if quoted {
            words.push(tok);
            continue;
        }
        if tok.eq_ignore_ascii_case("mine") {
            query.person = Some(me.to_owned());
            continue;
        }
        let Some((key, value)) =
            tok.split_once(':').filter(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphabetic()))
        else {
            words.push(tok);
            continue;
        };
        let key = key.to_ascii_lowercase();
        let known = matches!(
            key.as_str(),
            "p" | "prio"
                | "priority"
                | "sev"
                | "severity"
                | "svc"
                | "service"
                | "status"
                | "st"
                | "who"
                | "owner"
        );
        if !known {
            problems.push(format!("'{key}:' is not a key: {KEYS}"));
            continue;
        }
        if value.is_empty() {
            problems.push(format!("'{key}:' needs a value"));
            continue;
        }
        match key.as_str() {
            "p" | "prio" | "priority" => match value.parse::<Priority>() {
                Ok(p) => query.priorities.push(p),
                Err(e) => problems.push(e),
            },
            "sev" | "severity" => match value.parse::<Severity>() {
                Ok(s) => query.severities.push(s),
                Err(e) => problems.push(e),
            },
            "svc" | "service" => query.service = Some(value.to_owned()),
            "status" | "st" => match value.parse::<Status>() {
                Ok(s) => query.statuses.push(s),
                Err(e) => problems.push(e),
            },
            _ => query.person = Some(value.to_owned()),
        }
    }
    if !words.is_empty() {
        query.text = Some(words.join(" "));
    }
    Words { query, problems }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_keys() {
        let f = parse("p:1 sev:2 svc:db status:ack mine disk full", "alice");
        assert_eq!(f.query.priorities, vec![Priority::P1]);
        assert_eq!(f.query.severities, vec![Severity::SEV2]);
        assert_eq!(f.query.service.as_deref(), Some("db"));
        assert_eq!(f.query.statuses, vec![Status::Acknowledged]);
        assert_eq!(f.query.person.as_deref(), Some("alice"));
        assert_eq!(f.query.text.as_deref(), Some("disk full"));
        assert!(f.problems.is_empty());
        assert_eq!(parse("who:ben", "me").query.person.as_deref(), Some("ben"));
        assert_eq!(parse("owner:ben", "me").query.person.as_deref(), Some("ben"));
    }

    #[test]
    fn an_unknown_key_is_refused_with_the_keys() {
        let f = parse("team:db checkout", "me");
        assert_eq!(f.problems, vec![format!("'team:' is not a key: {KEYS}")]);
        assert_eq!(f.query.text.as_deref(), Some("checkout"), "the key is not searched for as text");
        assert_eq!(f.query.service, None);
    }

    #[test]
    fn unreadable_values_are_reported_not_guessed() {
        let f = parse("p:9 checkout", "me");
        assert!(f.query.priorities.is_empty());
        assert_eq!(f.problems.len(), 1);
        assert!(f.problems[0].contains("P1 to P5"));
        assert_eq!(f.query.text.as_deref(), Some("checkout"));
    }

    #[test]
    fn quotes_and_non_letter_keys_are_words() {
        let f = parse("\"http://x\" 10:30 INC-7", "me");
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.query.text.as_deref(), Some("http://x 10:30 INC-7"));
    }

    #[test]
    fn ids_are_read_only_in_their_two_forms() {
        assert_eq!(exact_id("inc-17"), Some(17));
        assert_eq!(exact_id("#17"), Some(17));
        assert_eq!(exact_id("17"), None);
        assert_eq!(exact_id("inc-"), None);
        assert_eq!(exact_id("inc-1x"), None);
    }
}
