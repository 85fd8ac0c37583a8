//! The app without a terminal: effects run inline against a client, frames drawn on a
//! `TestBackend`. Tests and benches drive it with actions and read the screen (csvlens,
//! television `run_headless`).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::TuiSettings;
use super::action::Action;
use super::app::{App, Msg};
use super::effect::Effect;
use super::event::perform;
use super::form::Edit;
use super::view;
use crate::client::Client;
use crate::wire::Change;

pub struct Headless {
    pub app: App,
    client: Arc<dyn Client>,
    changes: tokio::sync::broadcast::Receiver<Change>,
    pub terminal: Terminal<TestBackend>,
    pub quit: bool,
    /// How many times the app rang the terminal's bell.
    pub bells: usize,
}

impl Headless {
    /// Start the app at a fixed time and screen size and load the queue.
    ///
    /// # Errors
    /// Invalid settings, as `TuiSettings::validate` says them.
    pub fn new(
        client: Arc<dyn Client>,
        settings: &TuiSettings,
        now: DateTime<Utc>,
        width: u16,
        height: u16,
    ) -> Result<Self, String> {
        let app = App::new(settings, client.actor(), now)?;
        let changes = client.subscribe();
        let terminal = Terminal::new(TestBackend::new(width, height)).map_err(|e| e.to_string())?;
        let mut h = Self { app, client, changes, terminal, quit: false, bells: 0 };
        h.send(Msg::Resize(width, height));
        let start = h.app.start();
        h.run(start);
        Ok(h)
    }

    fn run(&mut self, mut effects: Vec<Effect>) {
        // Effects, then changes from the feed, until nothing is left to do.
        loop {
            while let Some(e) = (!effects.is_empty()).then(|| effects.remove(0)) {
                if e == Effect::Quit {
                    self.quit = true;
                    continue;
                }
                if e == Effect::Bell {
                    self.bells += 1;
                    continue;
                }
                if let Some(msg) = perform(self.client.as_ref(), e) {
                    effects.extend(self.app.update(msg));
                }
            }
            match self.changes.try_recv() {
                Ok(c) => effects.extend(self.app.update(Msg::Changed(c))),
                Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => {
                    effects.extend(self.app.update(Msg::FeedLagged));
                }
                Err(_) => break,
            }
        }
    }

    /// Apply a message and everything it leads to.
    pub fn send(&mut self, msg: Msg) {
        let fx = self.app.update(msg);
        self.run(fx);
    }

    pub fn act(&mut self, a: Action) {
        self.send(Msg::Action(a));
    }

    /// Type text into whatever has the keyboard; `\n` is Enter.
    pub fn type_text(&mut self, s: &str) {
        for c in s.chars() {
            if c == '\n' {
                self.send(Msg::Edit(Edit::Enter));
            } else {
                self.send(Msg::Type(c));
            }
        }
    }

    /// Move the clock.
    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.send(Msg::Tick(now));
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.send(Msg::Resize(width, height));
    }

    /// Draw a frame; the screen as text, one quoted line per row.
    ///
    /// # Panics
    /// Never: drawing on a `TestBackend` cannot fail.
    pub fn draw(&mut self) -> String {
        let app = &self.app;
        let _ = self.terminal.draw(|f| view::render(f, app));
        self.terminal.backend().to_string()
    }
}
