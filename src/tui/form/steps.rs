//! The forms of step 8 and around it that the CLI had alone: the review, action items, the
//! milestone times, the drill / near-miss flags and a correction.
//!
//! Each form shows what is on record (`Form::notes`, or prefilled fields), so a responder
//! edits what is there instead of writing over it blind. Their commands need the clock and the
//! display zone (a due date, "10m ago") and the incident as last fetched (which flags changed),
//! so they are built by [`Form::step_commands`] rather than [`Form::commands`].

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Field, FieldKind, Form, FormKind};
use crate::domain::text::sanitize_line;
use crate::domain::{Command, Event, Flag, Incident, Milestone, Review};

/// What opening a step form needs beyond the incident.
#[derive(Clone, Copy)]
pub struct Opening<'a> {
    /// Who opens it: the default owner of a new action item.
    pub actor: &'a str,
    /// People the config knows, offered as owners.
    pub people: &'a [String],
    pub timezone: Tz,
    pub now: DateTime<Utc>,
}

const YES_NO: [&str; 2] = ["no", "yes"];
/// The milestone fields, in the form's order.
const MILESTONES: [Milestone; 3] = [Milestone::ImpactStarted, Milestone::Detected, Milestone::Reported];
const TIME_FORMS: &str = "10m ago, 14:02, 2026-11-20 14:02";

fn joined(lines: &[String]) -> String {
    lines.join("\n")
}

impl Form {
    /// The post-incident review on its own, prefilled with what is recorded: submitting records
    /// the whole review again (the newest one counts), closing is left to the close form.
    #[must_use]
    pub fn review(inc: &Incident) -> Self {
        let r = inc.review.clone().unwrap_or_default();
        Self::new(
            FormKind::Review,
            Some(inc),
            "Review",
            vec![
                Field::multi("Went well", "one item per line").with_value(&joined(&r.went_well)),
                Field::multi("Went wrong", "one item per line").with_value(&joined(&r.went_wrong)),
                Field::multi("Got lucky", "one item per line").with_value(&joined(&r.got_lucky)),
                Field::multi("Lessons", "one lesson per line").with_value(&joined(&r.lessons)),
            ],
        )
    }

    /// The incident's action items, listed above the fields; add one, complete some.
    /// "Complete" is the last field, so `backtab` reaches it from the first.
    #[must_use]
    pub fn action_items(inc: &Incident, at: Opening<'_>) -> Self {
        let mut form = Self::new(
            FormKind::ActionItems,
            Some(inc),
            "Action items",
            vec![
                Field::line("New item", "what must change so it does not happen again"),
                Field::line("Owner", super::known_hint("who does it", at.people)).with_value(at.actor),
                Field::line("Due", "+7d, +14d, 2026-12-01").with_value("+7d"),
                Field::line("Complete", "numbers of items done, e.g. 1 3"),
            ],
        );
        form.notes = if inc.action_items.is_empty() {
            vec!["No action items yet.".to_owned()]
        } else {
            inc.action_items
                .iter()
                .map(|a| {
                    format!(
                        "#{} [{}] {} · {} · due {}",
                        a.item,
                        if a.done { "x" } else { " " },
                        sanitize_line(&a.text),
                        sanitize_line(&a.owner),
                        a.due.format("%Y-%m-%d")
                    )
                })
                .collect()
        };
        form
    }

    /// When the impact started, was detected, was reported; an empty field keeps its time.
    #[must_use]
    pub fn milestones(inc: &Incident, at: Opening<'_>) -> Self {
        let recorded = |m: Milestone| match m {
            Milestone::ImpactStarted => inc.impact_started_at,
            Milestone::Detected => Some(inc.detected_at),
            Milestone::Reported => inc.reported_at,
        };
        let fields = MILESTONES
            .iter()
            .map(|&m| {
                let label = match m {
                    Milestone::ImpactStarted => "Impact started",
                    Milestone::Detected => "Detected",
                    Milestone::Reported => "Reported",
                };
                let hint = match recorded(m) {
                    Some(t) => format!("now {}; {TIME_FORMS}", crate::when::shown(t, at.now, at.timezone)),
                    None => format!("not recorded; {TIME_FORMS}"),
                };
                Field::line(label, hint)
            })
            .chain(std::iter::once(Field::line("Reason", "optional: why the time changes")))
            .collect();
        Self::new(FormKind::Milestones, Some(inc), "Milestone times", fields)
    }

    /// The drill and near-miss flags as they are; submitting sends the ones changed.
    #[must_use]
    pub fn flags(inc: &Incident) -> Self {
        let flag = |label, hint, on: bool| Field {
            kind: FieldKind::Choice(YES_NO.iter().map(|s| (*s).to_owned()).collect()),
            choice: usize::from(on),
            ..Field::line(label, hint)
        };
        Self::new(
            FormKind::Flags,
            Some(inc),
            "Drill / near miss",
            vec![
                flag("Drill", "an exercise; space to change", inc.drill),
                flag("Near miss", "nothing broke, but nearly; space to change", inc.near_miss),
            ],
        )
    }

    /// Correct an event of the timeline: `timeline` is the incident's as fetched, `picked` the
    /// index of the event picked on it (`None`: the newest).
    #[must_use]
    pub fn correct(inc: &Incident, timeline: &[Event], picked: Option<usize>, at: Opening<'_>) -> Self {
        let event = picked.and_then(|i| timeline.get(i)).or_else(|| timeline.last());
        let seq = event.map_or(inc.last_seq, |e| e.seq);
        let mut form = Self::new(
            FormKind::Correct,
            Some(inc),
            "Correct an event",
            vec![
                Field::line(
                    "Event",
                    format!("#1 to #{}; the line above shows it; the original stays", inc.last_seq),
                )
                .required()
                .with_value(&seq.to_string()),
                Field::multi("Correction", "what is right instead").required(),
            ],
        );
        // The event is picked already: the text is what is left to write.
        form.focus = 1;
        form.events = timeline
            .iter()
            .map(|e| {
                let line = format!(
                    "#{} {} {}: {}",
                    e.seq,
                    crate::when::shown(e.occurred_at, at.now, at.timezone),
                    sanitize_line(&e.actor),
                    sanitize_line(&e.kind.describe())
                );
                (e.seq, line)
            })
            .collect();
        form.follow_event();
        form
    }

    /// Show the event whose number the correction form holds (after each edit of it).
    pub(crate) fn follow_event(&mut self) {
        if self.kind != FormKind::Correct {
            return;
        }
        let typed = self.value(0);
        let seq = typed.trim_start_matches('#').parse::<u32>().ok();
        let line = seq.and_then(|n| self.events.iter().find(|(s, _)| *s == n)).map(|(_, l)| l.clone());
        self.notes = vec![line.unwrap_or_else(|| {
            if typed.is_empty() {
                "Type the number of the event to correct.".to_owned()
            } else {
                format!("No event #{} on this timeline.", sanitize_line(&typed))
            }
        })];
    }

    /// The commands of a step form; `inc` is the incident as last fetched.
    ///
    /// # Errors
    /// What to fill in or fix, in words, when the form stands for nothing or a value is wrong.
    pub fn step_commands(
        &mut self,
        inc: &Incident,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<Vec<Command>, String> {
        if !self.check_required() {
            return Err("fill in the marked fields".to_owned());
        }
        let id = inc.id;
        let v = |i: usize| self.value(i);
        let lines = |i: usize| self.fields.get(i).map_or_else(Vec::new, Field::lines);
        let cmds = match self.kind {
            FormKind::Review => {
                let review = Review {
                    went_well: lines(0),
                    went_wrong: lines(1),
                    got_lucky: lines(2),
                    lessons: lines(3),
                };
                if review.is_empty() {
                    return Err("the review is empty: write a line in any of its fields".to_owned());
                }
                if inc.review.as_ref() == Some(&review) {
                    return Err("nothing changed: the review on record says the same".to_owned());
                }
                vec![Command::RecordReview { id, review }]
            }
            FormKind::ActionItems => {
                let mut cmds = Vec::new();
                for word in v(3).split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty()) {
                    let item = word.trim_start_matches('#').parse::<u32>().map_err(|_| {
                        format!("Complete: '{word}' is not an item number; give numbers such as 1 3")
                    })?;
                    cmds.push(Command::CompleteActionItem { id, item });
                }
                let text = v(0);
                if !text.is_empty() {
                    let owner = v(1);
                    if owner.is_empty() {
                        return Err("Owner: every action item needs an owner".to_owned());
                    }
                    let due = crate::when::parse_date(&v(2), tz, now).map_err(|e| format!("Due: {e}"))?;
                    cmds.push(Command::AddActionItem { id, text, owner, due });
                }
                if cmds.is_empty() {
                    return Err(
                        "nothing to record: write a new item, or the numbers of the items done".to_owned()
                    );
                }
                cmds
            }
            FormKind::Milestones => {
                let reason = self.fields.get(3).and_then(Field::opt);
                let mut cmds = Vec::new();
                for (i, &milestone) in MILESTONES.iter().enumerate() {
                    let typed = v(i);
                    if typed.is_empty() {
                        continue;
                    }
                    let label = self.fields.get(i).map_or("", |f| f.label);
                    let at = crate::when::parse_time(&typed, tz, now).map_err(|e| format!("{label}: {e}"))?;
                    cmds.push(Command::RecordTime { id, milestone, at, reason: reason.clone() });
                }
                if cmds.is_empty() {
                    return Err("nothing to record: give a time in one of the fields".to_owned());
                }
                cmds
            }
            FormKind::Flags => {
                let wanted = |i: usize| self.fields.get(i).is_some_and(|f| f.choice == 1);
                let cmds: Vec<Command> =
                    [(Flag::Drill, inc.drill, wanted(0)), (Flag::NearMiss, inc.near_miss, wanted(1))]
                        .into_iter()
                        .filter(|(_, was, now)| was != now)
                        .map(|(flag, _, value)| Command::SetFlag { id, flag, value })
                        .collect();
                if cmds.is_empty() {
                    return Err("nothing changed: space changes the focused flag".to_owned());
                }
                cmds
            }
            FormKind::Correct => {
                let typed = v(0);
                let seq = typed
                    .trim_start_matches('#')
                    .parse::<u32>()
                    .map_err(|_| format!("Event: '{typed}' is not an event number"))?;
                vec![Command::Correct { id, seq, text: v(1) }]
            }
            _ => return Err("this form records nothing by itself".to_owned()),
        };
        Ok(cmds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        ActionItem, EventKind, Impact, IncidentId, Priority, Registration, Severity, Source, Stamp, Urgency,
        record,
    };
    use chrono::{NaiveDate, TimeZone};

    fn at() -> Opening<'static> {
        Opening {
            actor: "ana",
            people: &[],
            timezone: chrono_tz::UTC,
            now: Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap(),
        }
    }

    fn incident() -> Incident {
        let kind = EventKind::Registered(Registration {
            title: "checkout 502".into(),
            description: None,
            reported_by: None,
            channel: "tui".into(),
            services: vec![],
            impact: Impact::High,
            urgency: Urgency::High,
            priority: Priority::P1,
            severity: Severity::SEV2,
            category: None,
            detected_at: Utc.with_ymd_and_hms(2026, 12, 3, 11, 0, 0).unwrap(),
            impact_started_at: None,
            reported_at: None,
            drill: false,
        });
        let stamp = Stamp { actor: "ana", source: Source::Tui, now: at().now };
        record(None, vec![kind], &stamp, || IncidentId(4)).unwrap().summary
    }

    fn typed(f: &mut Form, field: usize, s: &str) {
        f.focus = field;
        for c in s.chars() {
            f.type_char(c);
        }
    }

    #[test]
    fn action_items_are_listed_added_and_completed_in_one_submit() {
        let mut inc = incident();
        inc.action_items.push(ActionItem {
            item: 1,
            text: "alert on\x1b[2J header loss".into(),
            owner: "bo".into(),
            due: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            done: false,
        });
        let mut f = Form::action_items(&inc, at());
        assert_eq!(f.notes, vec!["#1 [ ] alert on header loss · bo · due 2026-12-10".to_owned()]);
        typed(&mut f, 0, "canary the gateway");
        typed(&mut f, 3, "#1");
        let cmds = f.step_commands(&inc, at().timezone, at().now).unwrap();
        assert_eq!(
            cmds,
            vec![
                Command::CompleteActionItem { id: inc.id, item: 1 },
                Command::AddActionItem {
                    id: inc.id,
                    text: "canary the gateway".into(),
                    owner: "ana".into(),
                    due: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
                },
            ]
        );
        let mut empty = Form::action_items(&inc, at());
        assert!(
            empty.step_commands(&inc, at().timezone, at().now).unwrap_err().contains("nothing to record")
        );
    }

    #[test]
    fn milestones_send_only_the_times_given() {
        let inc = incident();
        let mut f = Form::milestones(&inc, at());
        assert!(f.fields[1].hint.starts_with("now 11:00"), "{}", f.fields[1].hint);
        typed(&mut f, 0, "90m ago");
        let cmds = f.step_commands(&inc, at().timezone, at().now).unwrap();
        assert_eq!(
            cmds,
            vec![Command::RecordTime {
                id: inc.id,
                milestone: Milestone::ImpactStarted,
                at: Utc.with_ymd_and_hms(2026, 12, 3, 10, 30, 0).unwrap(),
                reason: None,
            }]
        );
        typed(&mut f, 2, "soon");
        assert!(f.step_commands(&inc, at().timezone, at().now).unwrap_err().starts_with("Reported:"));
    }

    #[test]
    fn flags_send_what_changed_and_the_review_keeps_what_is_recorded() {
        let mut inc = incident();
        inc.near_miss = true;
        let mut f = Form::flags(&inc);
        assert!(f.step_commands(&inc, at().timezone, at().now).unwrap_err().starts_with("nothing changed"));
        typed(&mut f, 0, " ");
        assert_eq!(
            f.step_commands(&inc, at().timezone, at().now).unwrap(),
            vec![Command::SetFlag { id: inc.id, flag: Flag::Drill, value: true }]
        );
        inc.review = Some(Review { lessons: vec!["canary".into()], ..Review::default() });
        let mut r = Form::review(&inc);
        assert_eq!(r.fields[3].value, "canary");
        assert!(r.step_commands(&inc, at().timezone, at().now).unwrap_err().starts_with("nothing changed"));
    }
}
