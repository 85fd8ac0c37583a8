//! Every file piket creates, created so that a neighbour on the host cannot bend it.
//!
//! On a shared jump host another user can plant a symbolic link where piket is about to write
//! (`INC-17.md -> ~victim/.ssh/authorized_keys`), or a file of their own where piket keeps its
//! record. So every file is opened here and nowhere else:
//!
//! - new files are created exclusively (`O_EXCL`) and never through a symbolic link
//!   (`O_NOFOLLOW`): an existing name is refused, not overwritten or followed;
//! - files piket keeps across runs (the database, the server log) are reopened only when they are
//!   regular files owned by this user, and their mode is tightened if it was loose;
//! - a file that is replaced (the owner file, `export --force`) is written as a new private file
//!   beside it and renamed over the name, so the bytes never go into an inode someone else chose;
//! - modes are 0600, or 0640 with the socket group in team mode ([`Access::Group`]), so the team
//!   can read the server's log and owner file but nobody else can;
//! - secrets (bearer tokens) are refused when others could read them.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;
use nix::unistd::Gid;

/// Who may read a file piket creates besides its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// 0600: the owner only.
    #[default]
    Private,
    /// 0640 and owned by this group: the team of `[server] socket-group` may read it.
    Group(Gid),
}

impl Access {
    /// Team mode for `[server] socket-group`, private without one.
    ///
    /// # Errors
    /// No group of that name exists.
    pub(crate) fn for_group(name: Option<&str>) -> Result<Self, FileError> {
        match name {
            None => Ok(Self::Private),
            Some(n) => match nix::unistd::Group::from_name(n) {
                Ok(Some(g)) => Ok(Self::Group(g.gid)),
                _ => Err(FileError::NoGroup(n.to_owned())),
            },
        }
    }

    #[must_use]
    pub fn mode(self) -> u32 {
        match self {
            Self::Private => 0o600,
            Self::Group(_) => 0o640,
        }
    }

    /// Give `file` this access: mode, and the group in team mode.
    fn apply(self, file: &File, path: &Path) -> Result<(), FileError> {
        if let Self::Group(gid) = self {
            nix::unistd::fchown(file, None, Some(gid)).map_err(|e| FileError::Io {
                path: path.to_owned(),
                what: "give the file to the socket group",
                source: std::io::Error::from(e),
            })?;
        }
        file.set_permissions(std::fs::Permissions::from_mode(self.mode())).map_err(|source| FileError::Io {
            path: path.to_owned(),
            what: "set the mode of",
            source,
        })
    }
}

/// A file that could not be created or opened safely, in words that say what to do.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FileError {
    #[error("{} already exists: piket does not overwrite files; choose another name, or add --force to replace it", path.display())]
    Exists { path: PathBuf },
    #[error("{} is a symbolic link: piket never writes through one; remove it or choose another name", path.display())]
    Symlink { path: PathBuf },
    #[error("{} is not a regular file: piket will not use it; move it away", path.display())]
    NotRegular { path: PathBuf },
    #[error("{} belongs to uid {owner}, not to you (uid {me}): piket will not use a file another user planted; move it away", path.display())]
    Foreign { path: PathBuf, owner: u32, me: u32 },
    #[error("{} has mode {mode:03o}: other users can read it; run `chmod 600 {}`", path.display(), path.display())]
    Readable { path: PathBuf, mode: u32 },
    #[error("no group named {0} (server.socket-group)")]
    NoGroup(String),
    #[error("cannot {what} {}: {source}", path.display())]
    Io { path: PathBuf, what: &'static str, source: std::io::Error },
}

impl FileError {
    fn io(path: &Path, what: &'static str, source: std::io::Error) -> Self {
        use nix::errno::Errno;
        match source.raw_os_error().map(Errno::from_raw) {
            Some(Errno::EEXIST) => Self::Exists { path: path.to_owned() },
            // O_NOFOLLOW on a symbolic link fails with ELOOP.
            Some(Errno::ELOOP) => Self::Symlink { path: path.to_owned() },
            _ => Self::Io { path: path.to_owned(), what, source },
        }
    }
}

fn nofollow() -> i32 {
    (OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC).bits()
}

/// Create `path` as a new file: refused if anything (a file, a link, a socket) has that name.
///
/// # Errors
/// [`FileError::Exists`], [`FileError::Symlink`], or the creation failed.
pub(crate) fn create_new(path: &Path, access: Access) -> Result<File, FileError> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(nofollow())
        .mode(access.mode())
        .open(path)
        .map_err(|e| match FileError::io(path, "create", e) {
            // O_EXCL says "exists" for a link too; say what is there.
            FileError::Exists { path } if is_link(&path) => FileError::Symlink { path },
            other => other,
        })?;
    // The mode given to open() is masked by the umask; set it exactly.
    access.apply(&file, path)?;
    Ok(file)
}

/// How a kept file is reopened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reopen {
    /// Read and write in place (the database).
    ReadWrite,
    /// Append only (a log).
    Append,
}

/// Open a file piket keeps across runs, creating it exclusively if it does not exist. An
/// existing one is used only when it is a regular file of this user, never through a link;
/// a loose mode (an older piket made files 0644) is tightened.
///
/// # Errors
/// The name is a link, not a regular file, or another user's file; or opening failed.
pub(crate) fn open_kept(path: &Path, access: Access, how: Reopen) -> Result<File, FileError> {
    let mut opts = OpenOptions::new();
    match how {
        Reopen::ReadWrite => opts.read(true).write(true),
        Reopen::Append => opts.append(true),
    };
    opts.custom_flags(nofollow()).mode(access.mode());
    // Exclusive first; if the name exists, reopen it without creating. Two tries cover a
    // creator racing us; a third outcome is a real error.
    for _ in 0..2 {
        match opts.clone().create_new(true).open(path) {
            Ok(file) => {
                access.apply(&file, path)?;
                return Ok(file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(FileError::io(path, "create", e)),
        }
        match opts.clone().open(path) {
            Ok(file) => {
                check_kept(&file, path, access)?;
                return Ok(file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(FileError::io(path, "open", e)),
        }
    }
    Err(FileError::Io {
        path: path.to_owned(),
        what: "open",
        source: std::io::Error::other("it appeared and vanished twice while piket opened it"),
    })
}

/// The open file is a regular file of this user: what piket made, not a device or a
/// neighbour's file put in its place.
fn own_regular(file: &File, path: &Path) -> Result<std::fs::Metadata, FileError> {
    let meta = file.metadata().map_err(|e| FileError::io(path, "inspect", e))?;
    if !meta.file_type().is_file() {
        return Err(FileError::NotRegular { path: path.to_owned() });
    }
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me {
        return Err(FileError::Foreign { path: path.to_owned(), owner: meta.uid(), me });
    }
    Ok(meta)
}

fn check_kept(file: &File, path: &Path, access: Access) -> Result<(), FileError> {
    let meta = own_regular(file, path)?;
    let allowed = access.mode();
    if meta.mode() & 0o777 & !allowed != 0 {
        access.apply(file, path)?;
    }
    Ok(())
}

/// Write `bytes` to `path`, replacing what is there: the bytes go to a new private file in the
/// same directory, which is then renamed over the name. A link at `path` is replaced, not
/// followed; another user's file is never written into.
///
/// # Errors
/// The temporary file cannot be created or written, or the rename failed.
pub(crate) fn replace(path: &Path, bytes: &[u8], access: Access) -> Result<(), FileError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut n = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match create_new(&tmp, access) {
            Ok(f) => break (tmp, f),
            Err(FileError::Exists { .. } | FileError::Symlink { .. }) if n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    };
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(FileError::io(path, "write", e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        FileError::io(path, "replace", e)
    })
}

/// Create `path` as a new directory only this user may enter (0700): refused if anything has
/// that name, a link included. For files an editor rewrites (the TUI's ctrl-e): an editor
/// that renames over its file cannot then be raced by a neighbour in a shared `/tmp`.
///
/// # Errors
/// [`FileError::Exists`], or the creation failed.
pub(crate) fn create_private_dir(path: &Path) -> Result<(), FileError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().mode(0o700).create(path).map_err(|e| FileError::io(path, "create", e))
}

/// Write `bytes` to a new file `path`; refused if the name exists.
///
/// # Errors
/// See [`create_new`]; or the write failed.
pub(crate) fn write_new(path: &Path, bytes: &[u8], access: Access) -> Result<(), FileError> {
    let mut file = create_new(path, access)?;
    file.write_all(bytes).map_err(|e| FileError::io(path, "write", e))
}

/// Write `bytes` to the first free name of `stem.ext`, `stem-2.ext`, `stem-3.ext`, ... in
/// `dir`; the path written. For writes nobody named (the TUI's export): an existing file or a
/// planted link only moves the name on.
///
/// # Errors
/// No free name among the first thousand, or the write failed.
pub(crate) fn write_numbered(
    dir: &Path,
    stem: &str,
    ext: &str,
    bytes: &[u8],
    access: Access,
) -> Result<PathBuf, FileError> {
    for n in 1..=1000u32 {
        let name = if n == 1 { format!("{stem}.{ext}") } else { format!("{stem}-{n}.{ext}") };
        let path = dir.join(name);
        match create_new(&path, access) {
            Ok(mut file) => {
                file.write_all(bytes).map_err(|e| FileError::io(&path, "write", e))?;
                return Ok(path);
            }
            Err(FileError::Exists { .. } | FileError::Symlink { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Err(FileError::Exists { path: dir.join(format!("{stem}-1000.{ext}")) })
}

/// Read a file piket wrote earlier and will act on (the demo's rota, which can name commands
/// to run): only this user's regular file, never through a link, and none that group or others
/// may write. In a shared directory a neighbour could otherwise plant one first.
///
/// # Errors
/// The name is a link, not a regular file, another user's or writable by others; or reading
/// failed.
pub(crate) fn read_own(path: &Path) -> Result<String, FileError> {
    let mut file = OpenOptions::new().read(true).custom_flags(nofollow()).open(path).map_err(|e| {
        if is_link(path) {
            FileError::Symlink { path: path.to_owned() }
        } else {
            FileError::io(path, "open", e)
        }
    })?;
    let meta = own_regular(&file, path)?;
    let mode = meta.mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(FileError::Readable { path: path.to_owned(), mode });
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut file, &mut text).map_err(|e| FileError::io(path, "read", e))?;
    Ok(text)
}

/// Refuse a secret file (a token, a TLS key) that group or others may read or write.
///
/// # Errors
/// [`FileError::Readable`], or the file cannot be inspected.
pub(crate) fn check_private(path: &Path) -> Result<(), FileError> {
    let meta = std::fs::metadata(path).map_err(|e| FileError::io(path, "read", e))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(FileError::Readable { path: path.to_owned(), mode });
    }
    Ok(())
}

/// Read a secret (a bearer token) from `path`, refusing a file that group or others may read
/// or write: a token others can read is no longer a secret, and piket says so instead of
/// using it. A link is followed (secrets are often mounted as links), and the file it names
/// is checked.
///
/// # Errors
/// [`FileError::Readable`], or the file cannot be read, or it is empty.
pub(crate) fn read_secret(path: &Path) -> Result<String, FileError> {
    check_private(path)?;
    let text = std::fs::read_to_string(path).map_err(|e| FileError::io(path, "read", e))?;
    let secret = text.trim();
    if secret.is_empty() {
        return Err(FileError::Io {
            path: path.to_owned(),
            what: "use",
            source: std::io::Error::other("the file is empty"),
        });
    }
    Ok(secret.to_owned())
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// True if `path` names a Unix socket (not following a link): the only kind of file piket ever
/// removes from its socket path.
#[must_use]
pub(crate) fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

/// Remove the socket at `path` when the server stops, only if it is still a socket: a file
/// someone put there since is left alone.
pub(crate) fn remove_socket(path: &Path) {
    if is_socket(path) {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn only_ones_own_unwritable_file_is_read_as_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let own = dir.path().join("demo.toml");
        write_new(&own, b"timezone = \"UTC\"\n", Access::Private).unwrap();
        assert_eq!(read_own(&own).unwrap(), "timezone = \"UTC\"\n");
        // A link planted where the file is expected is refused, whatever it points at.
        let link = dir.path().join("planted.toml");
        std::os::unix::fs::symlink(&own, &link).unwrap();
        assert!(matches!(read_own(&link), Err(FileError::Symlink { .. })), "{:?}", read_own(&link));
        // A file others may write could have been changed by them.
        std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o622)).unwrap();
        assert!(matches!(read_own(&own), Err(FileError::Readable { .. })));
        assert!(matches!(read_own(dir.path()), Err(FileError::NotRegular { .. })));
    }

    #[test]
    fn a_new_file_is_private_whatever_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        write_new(&p, b"x", Access::Private).unwrap();
        assert_eq!(mode(&p), 0o600);
    }

    #[test]
    fn an_existing_name_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        std::fs::write(&p, "theirs").unwrap();
        assert!(matches!(write_new(&p, b"mine", Access::Private), Err(FileError::Exists { .. })));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "theirs");
    }

    #[test]
    fn a_planted_link_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("authorized_keys");
        std::fs::write(&victim, "ssh-ed25519 AAAA mine").unwrap();
        let link = dir.path().join("INC-17.md");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = write_new(&link, b"ssh-ed25519 AAAA attacker", Access::Private).unwrap_err();
        assert!(matches!(err, FileError::Exists { .. } | FileError::Symlink { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "ssh-ed25519 AAAA mine");
        // Reopening a kept file through a link is refused too.
        let err = open_kept(&link, Access::Private, Reopen::Append).unwrap_err();
        assert!(matches!(err, FileError::Symlink { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "ssh-ed25519 AAAA mine");
    }

    #[test]
    fn replacing_replaces_the_link_itself_not_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("authorized_keys");
        std::fs::write(&victim, "mine").unwrap();
        let link = dir.path().join("INC-17.md");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        replace(&link, b"report", Access::Private).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "report");
        assert!(!std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(mode(&link), 0o600);
    }

    #[test]
    fn numbered_names_step_past_files_and_links() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("INC-3.md"), "old").unwrap();
        std::os::unix::fs::symlink("/nonexistent", dir.path().join("INC-3-2.md")).unwrap();
        let p = write_numbered(dir.path(), "INC-3", "md", b"new", Access::Private).unwrap();
        assert_eq!(p, dir.path().join("INC-3-3.md"));
        assert_eq!(std::fs::read_to_string(dir.path().join("INC-3.md")).unwrap(), "old");
    }

    #[test]
    fn a_kept_file_with_a_loose_mode_is_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("serve.log");
        std::fs::write(&p, "old line\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut f = open_kept(&p, Access::Private, Reopen::Append).unwrap();
        f.write_all(b"new line\n").unwrap();
        assert_eq!(mode(&p), 0o600);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old line\nnew line\n");
    }

    #[test]
    fn a_secret_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("token");
        std::fs::write(&p, "s3cret-token-value\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = read_secret(&p).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_secret(&p).unwrap(), "s3cret-token-value");
    }

    #[test]
    fn only_a_socket_counts_as_a_socket() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("piket.sock");
        std::fs::write(&p, "not a socket").unwrap();
        assert!(!is_socket(&p));
        remove_socket(&p);
        assert!(p.exists(), "a regular file at the socket path is never removed");
    }
}
