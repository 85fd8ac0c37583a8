//! The event loop: one `tokio::select!` over terminal input, the engine's change feed, answers
//! to effects, a 1 s clock and SIGTERM / SIGHUP / SIGINT. The clock redraws every second only while an
//! age or countdown is on screen; otherwise only when the header's minute changes.
//!
//! It draws after a message changed something, never at a fixed frame rate: frames cost
//! bandwidth over SSH. Client calls block, so effects run on `spawn_blocking` and their
//! answers come back through a channel; the draw never waits on I/O.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use ratatui::crossterm::event::{
    Event as TermEvent, EventStream, KeyCode, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{broadcast, mpsc};

use super::action::Scope;
use super::app::mouse::Mouse;
use super::app::{App, Executed, Msg};
use super::effect::Effect;
use super::form::Edit;
use super::keymap::Key;
use super::{export, view};
use crate::client::{Client, ClientError};
use crate::domain::{Query, Source};

/// Turn a terminal event into a message, through the keymap. `None`: nothing to do.
#[must_use]
pub fn translate(app: &App, ev: &TermEvent) -> Option<Msg> {
    match ev {
        TermEvent::Key(k) if k.kind != KeyEventKind::Release => {
            let scope = app.scope();
            let action = Key::from_event(k).and_then(|key| {
                app.keymap.action(scope, key).or_else(|| {
                    // Over the main screen, the schedule view keeps its moving and closing keys.
                    (scope == Scope::Schedule)
                        .then(|| app.keymap.action(Scope::Normal, key))
                        .flatten()
                        .filter(|a| a.works_in_schedule())
                })
            });
            if let Some(a) = action {
                return Some(Msg::Action(a));
            }
            if scope != Scope::Input {
                return None;
            }
            let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
            let alt = k.modifiers.contains(KeyModifiers::ALT);
            match k.code {
                KeyCode::Char('u') if ctrl => Some(Msg::Edit(Edit::Clear)),
                KeyCode::Char('w') if ctrl => Some(Msg::Edit(Edit::DeleteWord)),
                KeyCode::Char(c) if !ctrl && !alt => Some(Msg::Type(c)),
                KeyCode::Backspace => Some(Msg::Edit(Edit::Backspace)),
                KeyCode::Enter => Some(Msg::Edit(Edit::Enter)),
                KeyCode::Left => Some(Msg::Edit(Edit::Left)),
                KeyCode::Right => Some(Msg::Edit(Edit::Right)),
                KeyCode::Home => Some(Msg::Edit(Edit::Home)),
                KeyCode::End => Some(Msg::Edit(Edit::End)),
                KeyCode::Delete => Some(Msg::Edit(Edit::Delete)),
                _ => None,
            }
        }
        TermEvent::Resize(w, h) => Some(Msg::Resize(*w, *h)),
        TermEvent::Paste(s) => Some(Msg::Paste(s.clone())),
        TermEvent::Mouse(m) => {
            let (column, row) = (m.column, m.row);
            match m.kind {
                MouseEventKind::Down(MouseButton::Left) => Some(Msg::Mouse(Mouse::Click { column, row })),
                MouseEventKind::ScrollDown => Some(Msg::Mouse(Mouse::Wheel { column, row, down: true })),
                MouseEventKind::ScrollUp => Some(Msg::Mouse(Mouse::Wheel { column, row, down: false })),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Run one effect against the client, blocking; the message that carries its answer.
/// `Quit` is the caller's business and yields `None`.
pub(crate) fn perform(client: &dyn Client, effect: Effect) -> Option<Msg> {
    Some(match effect {
        // The loop's own business: these need the terminal.
        Effect::Quit | Effect::Bell | Effect::EditText { .. } | Effect::Clipboard(_) => return None,
        Effect::LoadPage { all, limit } => {
            Msg::PageLoaded(client.list(&Query { all, limit: Some(limit), ..Query::default() }))
        }
        Effect::LoadList { all } => Msg::ListLoaded(client.list(&Query { all, ..Query::default() })),
        Effect::LoadIncident(id) => Msg::IncidentLoaded(id, client.incident(id)),
        Effect::Search(q) => {
            let found = client.list(&q);
            Msg::Searched(q, found)
        }
        Effect::LoadTimeline(id) => Msg::TimelineLoaded(id, client.timeline(id)),
        Effect::LoadEscalation(id) => Msg::EscalationLoaded(id, client.escalation(id)),
        Effect::LoadRota(q) => Msg::RotaLoaded(q, client.rota(q)),
        Effect::LoadWhoami => Msg::WhoamiLoaded(client.whoami()),
        Effect::CheckPages(id) => Msg::PagesChecked(id, client.timeline(id)),
        Effect::Execute { cmds, what } => {
            let mut incident = cmds.first().and_then(crate::domain::Command::incident);
            let mut outcomes = Vec::new();
            let mut error = None;
            // A form's commands about one incident build on each other: after a refusal the
            // rest of that incident's are not sent. A bulk action's other incidents still get
            // theirs (a peer acknowledging one of them first is the usual race); only a server
            // that is away stops everything.
            let mut refused = Vec::new();
            for cmd in cmds {
                let about = cmd.incident();
                if about.is_some_and(|id| refused.contains(&id)) {
                    continue;
                }
                match client.execute(cmd, Source::Tui) {
                    Ok(o) => outcomes.push(o),
                    Err(e) => {
                        let away = matches!(e, ClientError::Unavailable(_));
                        // The first refusal is the one said; it names its own incident.
                        if error.is_none() {
                            incident = about.or(incident);
                            error = Some(e);
                        }
                        refused.extend(about);
                        if away || about.is_none() {
                            break;
                        }
                    }
                }
            }
            Msg::Executed(Box::new(Executed { what, incident, outcomes, error }))
        }
        Effect::SetMaintenance(w) => Msg::MaintenanceSet(client.set_maintenance(w, Source::Tui)),
        Effect::ChangeRota { cmd, what } => Msg::RotaChanged(what, client.change_rota(cmd, Source::Tui)),
        Effect::Export(id, tz) => Msg::Exported(export::write(client, id, std::path::Path::new("."), tz)),
    })
}

/// The signals that end the app. Raw mode turns the ctrl-c key into a key, so SIGINT comes
/// only from `kill -INT` (or a supervisor); like SIGTERM and SIGHUP (the terminal closed) it
/// means "quit now", and quitting through the loop lets the terminal guard restore the screen.
/// Made before the terminal is touched, so a signal that arrives while it is being set up is
/// already ours and not the default action, which would leave the terminal raw.
pub(crate) struct Signals {
    term: Signal,
    hup: Signal,
    int: Signal,
}

impl Signals {
    /// Take over SIGTERM, SIGHUP and SIGINT for this process (needs a tokio runtime).
    ///
    /// # Errors
    /// A handler could not be installed.
    pub(crate) fn new() -> std::io::Result<Self> {
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Forget a ctrl-c typed while the terminal was lent to an editor in cooked mode: it
    /// was meant for the editor, not for piket.
    fn forget_interrupts(&mut self) {
        use futures::FutureExt;
        while self.int.recv().now_or_never().is_some() {}
    }

    /// The next of the three to arrive.
    async fn recv(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}

/// Draw, wait for the next message, update, run its effects; until quit or a signal.
///
/// # Errors
/// The terminal failed (drawing or reading input).
pub(crate) async fn run_loop(
    terminal: &mut super::terminal::Screen,
    app: &mut App,
    client: Arc<dyn Client>,
    mut signals: Signals,
    mouse: bool,
) -> color_eyre::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut input = EventStream::new();
    let mut changes = client.subscribe();
    let mut feed_open = true;
    let mut connection = client.connection();
    let mut connection_open = true;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let spawn = |effect: Effect| {
        let client = Arc::clone(&client);
        let tx = tx.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(msg) = perform(client.as_ref(), effect) {
                let _ = tx.send(msg);
            }
        });
    };

    let size = terminal.size()?;
    let _ = app.update(Msg::Tick(Utc::now()));
    let _ = app.update(Msg::Resize(size.width, size.height));
    for e in app.start() {
        spawn(e);
    }
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|f| view::render(f, app))?;
            dirty = false;
        }
        let msg = tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => match translate(app, &ev) {
                    Some(m) => m,
                    None => continue,
                },
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            ch = changes.recv(), if feed_open => match ch {
                Ok(c) => Msg::Changed(c),
                Err(broadcast::error::RecvError::Lagged(_)) => Msg::FeedLagged,
                Err(broadcast::error::RecvError::Closed) => {
                    feed_open = false;
                    continue;
                }
            },
            changed = connection.changed(), if connection_open => match changed {
                Ok(()) => Msg::Connection(connection.borrow_and_update().clone()),
                Err(_) => {
                    connection_open = false;
                    continue;
                }
            },
            Some(m) = rx.recv() => m,
            _ = tick.tick() => {
                let now = Utc::now();
                // Nothing ages on screen: only the header's HH:MM can change, once a minute.
                if !app.needs_tick() && now.timestamp() / 60 == app.now.timestamp() / 60 {
                    continue;
                }
                Msg::Tick(now)
            }
            () = signals.recv() => return Ok(()),
        };
        // The clock moves only through `update`, like everything else in the app.
        let mut effects =
            if matches!(msg, Msg::Tick(_)) { Vec::new() } else { app.update(Msg::Tick(Utc::now())) };
        effects.extend(app.update(msg));
        for e in effects {
            match e {
                Effect::Quit => return Ok(()),
                // Through the backend, between frames: BEL moves no cursor, so the next diff
                // is still right.
                Effect::Bell => {
                    terminal.backend_mut().write_all(b"\x07")?;
                    terminal.backend_mut().flush()?;
                }
                Effect::EditText { field, text } => {
                    // crossterm's reader thread would take the editor's keys: stop it, and
                    // wait (poll takes the reader's lock) until it has let go of the terminal.
                    drop(input);
                    let _ = ratatui::crossterm::event::poll(Duration::ZERO);
                    super::terminal::suspend()?;
                    let editor = super::editor::command(&|k| std::env::var(k).ok());
                    let text = super::editor::edit(&editor, &text);
                    super::terminal::resume(terminal, mouse)?;
                    signals.forget_interrupts();
                    input = EventStream::new();
                    let _ = tx.send(Msg::Edited { field, text });
                }
                // Likewise: OSC 52 moves no cursor and draws nothing.
                Effect::Clipboard(text) => {
                    terminal.backend_mut().write_all(&super::clipboard::osc52(&text))?;
                    terminal.backend_mut().flush()?;
                }
                e => spawn(e),
            }
        }
        dirty = true;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use ratatui::crossterm::event::KeyEvent;

    use super::*;
    use crate::tui::TuiSettings;
    use crate::tui::action::Action;

    fn key(code: KeyCode, mods: KeyModifiers) -> TermEvent {
        TermEvent::Key(KeyEvent::new(code, mods))
    }

    #[test]
    fn keys_become_actions_on_the_main_screen_and_text_in_forms() {
        let settings = TuiSettings { keys: BTreeMap::new(), ..TuiSettings::default() };
        let mut app = App::new(&settings, "ana", Utc::now()).unwrap();
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert!(matches!(translate(&app, &q), Some(Msg::Action(Action::Quit))));
        let big_r = key(KeyCode::Char('R'), KeyModifiers::SHIFT);
        assert!(matches!(translate(&app, &big_r), Some(Msg::Action(Action::Resolve))));
        assert!(
            translate(&app, &key(KeyCode::Char('%'), KeyModifiers::NONE)).is_none(),
            "unbound keys do nothing"
        );
        let _ = app.update(Msg::Action(Action::NewIncident));
        assert!(matches!(translate(&app, &q), Some(Msg::Type('q'))), "q is a letter in a form");
        let ctrl_s = key(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert!(matches!(translate(&app, &ctrl_s), Some(Msg::Action(Action::Submit))));
        let enter = key(KeyCode::Enter, KeyModifiers::NONE);
        assert!(matches!(translate(&app, &enter), Some(Msg::Edit(Edit::Enter))));
        let ctrl_c = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert!(matches!(translate(&app, &ctrl_c), Some(Msg::Action(Action::Cancel))));
        assert!(matches!(translate(&app, &TermEvent::Resize(100, 30)), Some(Msg::Resize(100, 30))));
    }
}
