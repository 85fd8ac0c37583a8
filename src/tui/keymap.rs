//! Keys are data: `assets/default-keys.toml` (embedded), patched by the user's `[keys]` table.
//!
//! [`KeyMap::build`] turns both into a lookup per [`Scope`] and refuses, with one sentence each,
//! unknown action names, keys it cannot read, and a key bound to two actions of one scope. The
//! same map prints the help overlay and the footer hints, so what is shown is what is bound.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, Scope};

/// The bindings piket ships with.
pub(crate) const DEFAULT_KEYS: &str = include_str!("../../assets/default-keys.toml");

/// One key with its modifiers, normalised so that `G` and shift-g are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: KeyCodeOrd,
    ctrl: bool,
    alt: bool,
}

/// `KeyCode` without the variants piket never binds, made orderable for stable help output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeOrd {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Backspace,
    Delete,
    Insert,
}

const KEY_HELP: &str = "write a character (j, G, ?), a name (enter, esc, tab, backtab, up, down, left, right, \
pgup, pgdn, home, end, backspace, delete, space, f1..f12), optionally after ctrl- or alt-";

impl Key {
    /// The key a terminal event stands for; `None` for keys piket never binds.
    #[must_use]
    pub(crate) fn from_event(ev: &KeyEvent) -> Option<Self> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCodeOrd::BackTab,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Insert => KeyCodeOrd::Insert,
            _ => return None,
        };
        Some(Self {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        })
    }

    /// A plain printable character: typed into fields, so never a form binding.
    #[must_use]
    pub(crate) const fn is_text(self) -> bool {
        matches!(self.code, KeyCodeOrd::Char(_)) && !self.ctrl && !self.alt
    }
}

impl std::str::FromStr for Key {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut rest = spec.trim();
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 1 && lower.starts_with("ctrl-") {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.chars().count() > 1 && lower.starts_with("alt-") {
                alt = true;
                rest = &rest[4..];
            } else if rest.chars().count() > 1 && lower.starts_with("shift-") {
                shift = true;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) => return Err(format!("key '{spec}' is empty: {KEY_HELP}")),
            (Some(c), None) if shift => KeyCodeOrd::Char(c.to_ascii_uppercase()),
            (Some(c), None) => KeyCodeOrd::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCodeOrd::Enter,
                "esc" | "escape" => KeyCodeOrd::Esc,
                "tab" if shift => KeyCodeOrd::BackTab,
                "tab" => KeyCodeOrd::Tab,
                "backtab" => KeyCodeOrd::BackTab,
                "up" => KeyCodeOrd::Up,
                "down" => KeyCodeOrd::Down,
                "left" => KeyCodeOrd::Left,
                "right" => KeyCodeOrd::Right,
                "pgup" | "pageup" => KeyCodeOrd::PageUp,
                "pgdn" | "pagedown" => KeyCodeOrd::PageDown,
                "home" => KeyCodeOrd::Home,
                "end" => KeyCodeOrd::End,
                "backspace" => KeyCodeOrd::Backspace,
                "delete" | "del" => KeyCodeOrd::Delete,
                "insert" | "ins" => KeyCodeOrd::Insert,
                "space" => KeyCodeOrd::Char(' '),
                "minus" => KeyCodeOrd::Char('-'),
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCodeOrd::F(n),
                    _ => return Err(format!("'{spec}' is not a key: {KEY_HELP}")),
                },
                _ => return Err(format!("'{spec}' is not a key: {KEY_HELP}")),
            },
        };
        Ok(Self { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            KeyCodeOrd::Enter => f.write_str("enter"),
            KeyCodeOrd::Esc => f.write_str("esc"),
            KeyCodeOrd::Tab => f.write_str("tab"),
            KeyCodeOrd::BackTab => f.write_str("shift-tab"),
            KeyCodeOrd::Up => f.write_str("up"),
            KeyCodeOrd::Down => f.write_str("down"),
            KeyCodeOrd::Left => f.write_str("left"),
            KeyCodeOrd::Right => f.write_str("right"),
            KeyCodeOrd::PageUp => f.write_str("pgup"),
            KeyCodeOrd::PageDown => f.write_str("pgdn"),
            KeyCodeOrd::Home => f.write_str("home"),
            KeyCodeOrd::End => f.write_str("end"),
            KeyCodeOrd::Backspace => f.write_str("backspace"),
            KeyCodeOrd::Delete => f.write_str("delete"),
            KeyCodeOrd::Insert => f.write_str("insert"),
        }
    }
}

/// Actions that must keep a key, or the user could lock themselves in.
const MUST_BIND: [Action; 3] = [Action::Quit, Action::Submit, Action::Cancel];

/// The active bindings.
#[derive(Debug, Clone)]
pub struct KeyMap {
    lookup: HashMap<(Scope, Key), Action>,
    keys: BTreeMap<Action, Vec<Key>>,
}

fn parse_table(
    table: &BTreeMap<String, Vec<String>>,
    origin: &str,
    out: &mut BTreeMap<Action, Vec<Key>>,
    errors: &mut Vec<String>,
) {
    for (name, specs) in table {
        let action = match name.parse::<Action>() {
            Ok(a) => a,
            Err(e) => {
                errors.push(format!("{origin}: {e}"));
                continue;
            }
        };
        let mut keys = Vec::with_capacity(specs.len());
        for spec in specs {
            match spec.parse::<Key>() {
                Ok(k) if !keys.contains(&k) => keys.push(k),
                Ok(_) => {}
                Err(e) => errors.push(format!("{origin}.{name}: {e}")),
            }
        }
        out.insert(action, keys);
    }
}

impl KeyMap {
    /// The defaults patched by the user's `[keys]` table.
    ///
    /// # Errors
    /// One sentence per problem: unknown action, unreadable key, a key bound twice in one scope,
    /// a printable key for a form action, an action that must keep a key left without one.
    pub fn build(user: &BTreeMap<String, Vec<String>>) -> Result<Self, Vec<String>> {
        let mut errors = Vec::new();
        let defaults: BTreeMap<String, Vec<String>> = match toml::from_str(DEFAULT_KEYS) {
            Ok(d) => d,
            Err(e) => return Err(vec![format!("the built-in key table is broken: {e}")]),
        };
        let mut keys = BTreeMap::new();
        parse_table(&defaults, "default keys", &mut keys, &mut errors);
        parse_table(user, "[keys]", &mut keys, &mut errors);

        let mut lookup: HashMap<(Scope, Key), Action> = HashMap::new();
        for (&action, ks) in &keys {
            for &k in ks {
                if action.scope() == Scope::Input && k.is_text() {
                    errors.push(format!(
                        "[keys].{}: '{k}' would be typed into form fields; bind it to a key with ctrl- or alt-, or a named key such as f2",
                        action.name()
                    ));
                    continue;
                }
                if let Some(other) = lookup.insert((action.scope(), k), action)
                    && other != action
                {
                    errors.push(format!(
                        "[keys]: '{k}' is bound to both {} and {} ({}); give one of them another key",
                        other.name(),
                        action.name(),
                        action.scope().as_str()
                    ));
                }
            }
        }
        for a in MUST_BIND {
            if keys.get(&a).is_none_or(Vec::is_empty) {
                errors.push(format!("[keys].{}: needs at least one key", a.name()));
            }
        }
        if errors.is_empty() { Ok(Self { lookup, keys }) } else { Err(errors) }
    }

    /// The action bound to a key in a scope.
    #[must_use]
    pub fn action(&self, scope: Scope, key: Key) -> Option<Action> {
        self.lookup.get(&(scope, key)).copied()
    }

    /// The keys of an action, in the order they were listed.
    #[must_use]
    pub fn keys(&self, action: Action) -> &[Key] {
        self.keys.get(&action).map_or(&[], Vec::as_slice)
    }

    /// The first key of an action as text, or `None` when it is unbound.
    #[must_use]
    pub fn first(&self, action: Action) -> Option<String> {
        self.keys(action).first().map(ToString::to_string)
    }

    /// Every action with its keys, in help order: what `?` shows.
    #[must_use]
    pub fn describe(&self) -> Vec<(Action, String)> {
        Action::ALL
            .iter()
            .map(|&a| {
                let ks: Vec<String> = self.keys(a).iter().map(ToString::to_string).collect();
                (a, if ks.is_empty() { "(unbound)".to_owned() } else { ks.join(" ") })
            })
            .collect()
    }
}

impl KeyMap {
    /// The key table as Markdown (assets/help/keys.md, the README's key table).
    #[must_use]
    pub fn markdown(&self) -> String {
        let mut out =
            String::from("<!-- Generated from assets/default-keys.toml; a test fails when it drifts. -->\n");
        let mut scope = None;
        for (a, keys) in self.describe() {
            if scope != Some(a.scope()) {
                scope = Some(a.scope());
                out.push_str(&format!(
                    "\n### {}\n\n| keys | action | what it does |\n|---|---|---|\n",
                    a.scope().as_str()
                ));
            }
            let keys = keys.split(' ').map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" ");
            out.push_str(&format!("| {keys} | {} | {} |\n", a.name(), a.help().replace('|', "\\|")));
        }
        out.push_str(
            "\nIn forms, enter moves to the next field (a new line in text boxes) and never sends the form: only submit does; a paste keeps its lines, tabs and indentation; left/right, home/end and delete edit at the cursor; left/right or space change a choice; ctrl-u clears a field, ctrl-w deletes a word.\n",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs.iter().map(|(a, ks)| ((*a).to_owned(), ks.iter().map(|k| (*k).to_owned()).collect())).collect()
    }

    #[test]
    fn defaults_bind_every_action_without_conflict() {
        let km = KeyMap::build(&BTreeMap::new()).unwrap();
        for a in Action::ALL {
            assert!(!km.keys(*a).is_empty(), "{} has no default key", a.name());
        }
        let j = "j".parse::<Key>().unwrap();
        assert_eq!(km.action(Scope::Normal, j), Some(Action::SelectNext));
    }

    #[test]
    fn shifted_letters_and_events_agree() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Some("G".parse().unwrap()));
        assert_eq!(Key::from_event(&ev), Some("shift-g".parse().unwrap()));
        let bt = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&bt), Some("backtab".parse().unwrap()));
        let cc = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&cc), Some("ctrl-c".parse().unwrap()));
    }

    #[test]
    fn user_patch_replaces_an_actions_keys() {
        let km = KeyMap::build(&user(&[("acknowledge", &["K"]), ("select_prev", &["up"])])).unwrap();
        assert_eq!(km.action(Scope::Normal, "K".parse().unwrap()), Some(Action::Acknowledge));
        assert_eq!(km.action(Scope::Normal, "a".parse().unwrap()), None);
    }

    #[test]
    fn bad_configs_are_refused_with_one_sentence_each() {
        let errs = KeyMap::build(&user(&[
            ("acknowledge", &["x"]),
            ("frobnicate", &["z"]),
            ("note", &["ctrl-nope"]),
            ("submit", &["s"]),
            ("quit", &[]),
        ]))
        .unwrap_err();
        let all = errs.join("\n");
        assert!(all.contains("'x' is bound to both acknowledge and export"), "{all}");
        assert!(all.contains("'frobnicate' is not an action"), "{all}");
        assert!(all.contains("'ctrl-nope' is not a key"), "{all}");
        assert!(all.contains("[keys].submit: 's' would be typed"), "{all}");
        assert!(all.contains("[keys].quit: needs at least one key"), "{all}");
        assert_eq!(errs.len(), 5, "{all}");
    }

    #[test]
    fn same_key_in_different_scopes_is_fine() {
        // esc is `back` on the main screen and `cancel` in forms.
        let km = KeyMap::build(&BTreeMap::new()).unwrap();
        let esc = "esc".parse().unwrap();
        assert_eq!(km.action(Scope::Normal, esc), Some(Action::Back));
        assert_eq!(km.action(Scope::Input, esc), Some(Action::Cancel));
    }

    #[test]
    fn the_documented_key_table_is_the_default_keymap() {
        let km = KeyMap::build(&BTreeMap::new()).unwrap();
        let doc = include_str!("../../assets/help/keys.md");
        if std::env::var_os("PIKET_BLESS").is_some() {
            std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/help/keys.md"), km.markdown())
                .unwrap();
            return;
        }
        assert_eq!(doc, km.markdown(), "assets/help/keys.md is stale; regenerate it from KeyMap::markdown");
    }
}
