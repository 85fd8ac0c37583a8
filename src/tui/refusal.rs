//! A refusal in the screen's words: the rules say which step fits, this names the field or
//! the place on screen (or, for what the screen cannot do, the command that can).
//!
//! The lifecycle steps are left unsaid: the incident pane's keys show them already, and the
//! refusal's message names them. The steps a close still needs (root cause, review, action
//! items) are named by their keys when the keymap is at hand: what is missing is not on the
//! pane's keys of a resolved incident as plainly.

use crate::domain::{Input, Refusal, Step};
use crate::tui::action::Action;
use crate::tui::keymap::KeyMap;

/// The refusal's message, then the fields to check and the steps that fit, e.g. "the override
/// ends before it starts: check From and Until".
#[must_use]
pub(super) fn text(r: &Refusal) -> String {
    keyed(r, None)
}

/// [`text`], with the keys for the steps that have one ("W review, F action items").
#[must_use]
pub(super) fn keyed(r: &Refusal, keys: Option<&KeyMap>) -> String {
    let fields: Vec<&str> = r
        .next
        .iter()
        .filter_map(|st| match st {
            Step::Check(input) => Some(label(*input)),
            _ => None,
        })
        .collect();
    let mut s = r.message.clone();
    if !fields.is_empty() {
        s.push_str(": check ");
        s.push_str(&fields.join(" and "));
    }
    if let Some(keys) = keys {
        let times =
            r.next.iter().any(|st| matches!(st, Step::Check(Input::ImpactStarted | Input::DetectedAt)));
        if let Some(k) = keys.first(Action::Milestones).filter(|_| times) {
            s.push_str(&format!(" ({k} times)"));
        }
        let steps: Vec<String> = r
            .next
            .iter()
            .filter_map(|st| {
                let (a, what) = match st {
                    Step::RootCause => (Action::RootCause, "root cause"),
                    Step::Review => (Action::Review, "review"),
                    Step::ActionItems => (Action::ActionItems, "action items"),
                    _ => return None,
                };
                keys.first(a).map(|k| format!("{k} {what}"))
            })
            .collect();
        if !steps.is_empty() {
            s.push_str("; next: ");
            s.push_str(&steps.join(", "));
        }
    }
    for hint in r.next.iter().filter_map(|st| hint(*st)) {
        s.push_str("; ");
        s.push_str(&hint);
    }
    s
}

/// The form field that gives an input; the times as the milestone form (`L`) names them.
const fn label(input: Input) -> &'static str {
    match input {
        Input::ImpactStarted => "Impact started",
        Input::DetectedAt => "Detected",
        Input::PageReason => "Reason",
        Input::OverrideFrom => "From",
        Input::OverrideUntil => "Until",
        Input::WindowEnd => "For",
    }
}

fn hint(step: Step) -> Option<String> {
    Some(match step {
        Step::Escalate => "escalate records a hand-off".to_owned(),
        Step::ShowSchedules => "the schedule view shows them".to_owned(),
        Step::ListOverrides => "the schedule view lists them".to_owned(),
        Step::AddOverride => "the schedule view adds one".to_owned(),
        Step::ListMaintenance => "`piket maintenance list` shows the windows".to_owned(),
        Step::EndMaintenance(n) => format!("`piket maintenance end {n}` ends it"),
        Step::CancelMaintenance(n) => format!("`piket maintenance cancel {n}` calls it off"),
        Step::Acknowledge
        | Step::Contain
        | Step::Resolve
        | Step::Reopen
        | Step::Review
        | Step::RootCause
        | Step::Close
        | Step::Note
        | Step::ActionItems
        | Step::Check(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::{KeyMap, keyed, text};
    use crate::domain::{Input, Refusal, Step};

    #[test]
    fn fields_by_their_label_and_steps_by_their_place() {
        let r = Refusal {
            message: "the override ends before it starts".into(),
            next: vec![Step::Check(Input::OverrideFrom), Step::Check(Input::OverrideUntil)],
        };
        assert_eq!(text(&r), "the override ends before it starts: check From and Until");
        let r = Refusal { message: "no override #3 in force".into(), next: vec![Step::ListOverrides] };
        assert_eq!(text(&r), "no override #3 in force; the schedule view lists them");
        let r = Refusal { message: "INC-1 is closed".into(), next: vec![Step::Note] };
        assert_eq!(text(&r), "INC-1 is closed", "lifecycle steps are the pane's keys");
    }

    #[test]
    fn what_a_close_misses_by_its_key_and_times_by_the_milestone_form() {
        let keys = KeyMap::build(&std::collections::BTreeMap::new()).unwrap();
        let r = Refusal {
            message: "INC-1 cannot be closed yet; missing: a root cause".into(),
            next: vec![Step::RootCause, Step::Review, Step::ActionItems],
        };
        assert_eq!(
            keyed(&r, Some(&keys)),
            "INC-1 cannot be closed yet; missing: a root cause; next: w root cause, W review, F action items"
        );
        assert_eq!(text(&r), "INC-1 cannot be closed yet; missing: a root cause", "no keymap, no keys");
        let r = Refusal::check(
            "the impact cannot start after it was detected",
            &[Input::ImpactStarted, Input::DetectedAt],
        );
        assert_eq!(
            keyed(&r, Some(&keys)),
            "the impact cannot start after it was detected: check Impact started and Detected (L times)"
        );
    }
}
