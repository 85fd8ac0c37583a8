//! The owner file beside the database: which server holds it, so a second `piket serve` (or
//! an embedded piket) refused by redb's lock can say who to ask, not only "held".
//!
//! It is a hint, written after the database is open and removed at a clean stop: the lock
//! itself is redb's. A stale file (a crashed server) is never trusted alone: it is only read
//! when the lock says the database is held.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Owner {
    pub pid: u32,
    pub user: String,
    pub socket: PathBuf,
    pub since: chrono::DateTime<chrono::Utc>,
}

#[must_use]
pub(crate) fn file_of(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    name.push(".owner");
    db.with_file_name(name)
}

/// Record this process, run by the OS user `user`, as the owner of `db`. The file is replaced
/// whole (a new private file renamed over the name), so a link or a file planted there is
/// never written through. The caller names the user: the server does not look up identities
/// of its own process (start-up does, once, the same way the in-process client does).
///
/// # Errors
/// The file cannot be written.
pub(crate) fn write(
    db: &Path,
    socket: &Path,
    user: &str,
    access: crate::files::Access,
) -> Result<(), crate::files::FileError> {
    let owner = Owner {
        pid: std::process::id(),
        user: user.to_owned(),
        socket: socket.to_owned(),
        since: chrono::Utc::now(),
    };
    let text = serde_json::to_string(&owner).unwrap_or_default();
    crate::files::replace(&file_of(db), text.as_bytes(), access)
}

pub(crate) fn remove(db: &Path) {
    let _ = std::fs::remove_file(file_of(db));
}

#[must_use]
pub(crate) fn read(db: &Path) -> Option<Owner> {
    serde_json::from_str(&std::fs::read_to_string(file_of(db)).ok()?).ok()
}

/// "piket serve (pid 4242, user ops, socket /run/piket/piket.sock, since ...)" if the owner
/// file names a live process.
#[must_use]
pub(crate) fn describe(db: &Path) -> Option<String> {
    let o = read(db)?;
    let pid = i32::try_from(o.pid).ok()?;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).ok()?;
    Some(format!(
        "piket serve (pid {}, user {}, socket {}, since {})",
        o.pid,
        o.user,
        o.socket.display(),
        o.since.format("%Y-%m-%d %H:%M:%S UTC")
    ))
}
