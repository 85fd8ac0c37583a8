//! A refusal in the screen's words: the rules say which step fits, this names the field or
//! the place on screen (or, for what the screen cannot do, the command that can).
//!
//! The lifecycle steps are left unsaid: the incident pane's keys show them already, and the
//! refusal's message names them.

use crate::domain::{Input, Refusal, Step};

/// The refusal's message, then the fields to check and the steps that fit, e.g. "the override
/// ends before it starts: check From and Until".
#[must_use]
pub(super) fn text(r: &Refusal) -> String {
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
    for hint in r.next.iter().filter_map(|st| hint(*st)) {
        s.push_str("; ");
        s.push_str(&hint);
    }
    s
}

/// The form field that gives an input (the new-incident form has no times: named in words).
const fn label(input: Input) -> &'static str {
    match input {
        Input::ImpactStarted => "the impact start",
        Input::DetectedAt => "the detection time",
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
        | Step::Check(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::text;
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
}
