//! Who is on the other end of a connection, as the kernel says (SO_PEERCRED).

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::net::UnixListener;

/// The caller of one connection, as the kernel reported it. Nothing the client sends can
/// change it. Whether it may be answered is [`super::gate`]'s decision, not this type's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// `None`: the kernel did not say (then every request is refused).
    pub uid: Option<u32>,
    pub pid: Option<i32>,
    /// The passwd name of `uid`; `None` when the uid has no passwd entry (then every request
    /// is refused: an actor piket cannot name is no actor).
    pub user: Option<String>,
}

impl Peer {
    #[must_use]
    pub fn from_uid(uid: u32, pid: Option<i32>) -> Self {
        let user = match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
            Ok(Some(u)) => Some(u.name),
            _ => None,
        };
        Self { uid: Some(uid), pid, user }
    }
}

impl Connected<IncomingStream<'_, UnixListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, UnixListener>) -> Self {
        match stream.io().peer_cred() {
            Ok(c) => Self::from_uid(c.uid(), c.pid()),
            Err(_) => Self { uid: None, pid: None, user: None },
        }
    }
}
