//! The connection to the piket server and what it lets this user do: the banner while the
//! engine cannot be reached, offline while the client reconnects, read-only when the server
//! says so. Writes are held back here, where the key was pressed, and the responder told why.

use crate::client::{ClientError, Connection};
use crate::tui::effect::Effect;

use super::Msg;

#[derive(Debug, Clone, Default)]
pub struct Link {
    /// The engine cannot be reached: shown until a call succeeds again.
    pub banner: Option<String>,
    /// The client says the server is away: commands are not sent until it is back.
    pub offline: bool,
    /// This user may only read (`[server] read-only`), and why in words: no write is offered,
    /// and a write key says this instead of doing nothing. `None` until the server says so.
    pub read_only: Option<String>,
}

/// What the link says after a message: `Reconnected` when the server came back from away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Said {
    Nothing,
    Reconnected,
}

impl Link {
    /// Connection news and the answers that show whether the engine is reachable.
    pub fn update(&mut self, msg: &Msg) -> Said {
        match msg {
            Msg::Connection(Connection::Lost(why)) => {
                self.offline = true;
                self.banner = Some(why.clone());
            }
            Msg::Connection(Connection::Connected) => {
                let was = self.offline;
                self.offline = false;
                self.banner = None;
                if was {
                    return Said::Reconnected;
                }
            }
            Msg::PageLoaded(Ok(_))
            | Msg::ListLoaded(Ok(_))
            | Msg::IncidentLoaded(_, Ok(_))
            | Msg::TimelineLoaded(_, Ok(_)) => self.banner = None,
            Msg::PageLoaded(Err(ClientError::Unavailable(m)))
            | Msg::ListLoaded(Err(ClientError::Unavailable(m)))
            | Msg::IncidentLoaded(_, Err(ClientError::Unavailable(m)))
            | Msg::TimelineLoaded(_, Err(ClientError::Unavailable(m))) => self.banner = Some(m.clone()),
            Msg::Executed(x) => self.answered(x.error.as_ref()),
            // An older server, or away: writes stay offered and the server decides.
            Msg::WhoamiLoaded(Ok(me)) => self.read_only = me.read_only_reason(),
            _ => {}
        }
        Said::Nothing
    }

    /// The answer to commands sent: they got through, or the engine is away.
    pub fn answered(&mut self, error: Option<&ClientError>) {
        match error {
            None => self.banner = None,
            Some(ClientError::Unavailable(m)) => self.banner = Some(m.clone()),
            Some(_) => {}
        }
    }

    /// Hold back the writes among `effects` that must not be sent now, and say why.
    pub(crate) fn hold_writes(&self, effects: &mut Vec<Effect>) -> Option<Held> {
        if !effects.iter().any(Effect::writes) {
            return None;
        }
        // A read-only user's writes are refused by the server anyway; say why here, where the
        // key was pressed (a form opened before the server answered `whoami` ends here too).
        if let Some(why) = &self.read_only {
            effects.retain(|e| !e.writes());
            return Some(Held::ReadOnly(format!("not sent: read-only: {why}")));
        }
        // While the server is away nothing is sent: a change made now would be lost, and the
        // responder must know it was not recorded.
        if self.offline {
            effects.retain(|e| !e.writes());
            return Some(Held::Offline(
                "not sent: the piket server is away (reconnecting); nothing was recorded, try again when the banner is gone",
            ));
        }
        None
    }
}

/// Writes held back, and the words for the responder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Held {
    /// This user may not write: an open form has no point.
    ReadOnly(String),
    /// The server is away: the form stays, to be sent again.
    Offline(&'static str),
}
