//! Long text in the responder's own editor: `ctrl-e` in a form's text field.
//!
//! The field's text goes into a new temporary file, created exclusively, never through a
//! symbolic link and readable by this user only (0600, through [`crate::files::create_new`]),
//! in a new directory only this user may enter (0700): a note may hold what must not leak to
//! a neighbour on a shared jump host, and an editor that saves by renaming cannot be raced. The editor named by
//! `$VISUAL`, else `$EDITOR`, else `vi` runs on it with the terminal lent to it (the event loop
//! suspends and restores the screen around [`edit`]); what it leaves there comes back, and the
//! file is removed on every way out.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::files::{Access, FileError, create_new, create_private_dir};

/// The editor command: `$VISUAL`, else `$EDITOR`, else `vi` (empty counts as unset). `var`
/// looks a variable up, so tests need not touch the process environment.
#[must_use]
pub fn command(var: &dyn Fn(&str) -> Option<String>) -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|k| var(k).filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_owned())
}

/// A temporary file in a directory of its own, both removed when dropped, whatever happened
/// in between.
struct TempText {
    dir: PathBuf,
    path: PathBuf,
}

impl TempText {
    /// A new private file holding `text`, in a new private directory in the temporary
    /// directory (a name someone else took or planted is skipped, never used).
    fn create(text: &str) -> Result<Self, String> {
        use std::io::Write;
        let tmp = std::env::temp_dir();
        let pid = std::process::id();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        for n in 0..16u32 {
            let dir = tmp.join(format!("piket-edit-{pid}-{nanos:08x}-{n}"));
            match create_private_dir(&dir) {
                Ok(()) => {
                    let kept = Self { path: dir.join("text.txt"), dir };
                    let mut file = create_new(&kept.path, Access::Private).map_err(|e| e.to_string())?;
                    file.write_all(text.as_bytes())
                        .and_then(|()| file.sync_all())
                        .map_err(|e| format!("could not write {}: {e}", kept.path.display()))?;
                    return Ok(kept);
                }
                Err(FileError::Exists { .. }) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Err(format!("no free name for a temporary directory in {}", tmp.display()))
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempText {
    fn drop(&mut self) {
        // The editor may have left a backup or swap file beside the text.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Run `editor` on a private copy of `text`; what it saved. The caller lends the terminal.
///
/// The editor string goes through `sh -c`, as git runs `core.editor`, so `code --wait` or
/// `vim -u NONE` work; the file name is passed as an argument, never spliced into the command.
///
/// # Errors
/// In words for the form: the file could not be made or read back, the editor could not be
/// started, or it exited with a failure (then nothing is taken from it).
pub fn edit(editor: &str, text: &str) -> Result<String, String> {
    let file = TempText::create(text)?;
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("piket-editor")
        .arg(file.path())
        .status()
        .map_err(|e| format!("could not start the editor ({editor}): {e}"))?;
    if !status.success() {
        return Err(format!("the editor ({editor}) ended with {status}"));
    }
    let bytes = std::fs::read(file.path())
        .map_err(|e| format!("could not read {} back: {e}", file.path().display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visual_wins_over_editor_and_vi_is_the_fallback() {
        let vars = |set: &'static [(&'static str, &'static str)]| {
            move |k: &str| set.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        };
        assert_eq!(command(&vars(&[("VISUAL", "nvim"), ("EDITOR", "nano")])), "nvim");
        assert_eq!(command(&vars(&[("VISUAL", ""), ("EDITOR", "nano")])), "nano");
        assert_eq!(command(&vars(&[])), "vi");
    }

    #[test]
    fn the_editor_gets_a_private_copy_and_the_file_is_gone_after() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        // The "editor" records the mode and name of its file, then rewrites it.
        let editor = format!(
            "f() {{ stat -c %a \"$1\" > {log}; echo \"$1\" >> {log}; cat \"$1\" >> {log}; printf 'new\\n' > \"$1\"; }}; f",
            log = log.display()
        );
        assert_eq!(edit(&editor, "old text").unwrap(), "new\n");
        let seen = std::fs::read_to_string(&log).unwrap();
        let mut lines = seen.lines();
        assert_eq!(lines.next(), Some("600"));
        let path = PathBuf::from(lines.next().unwrap());
        assert_eq!(lines.next(), Some("old text"));
        assert!(!path.exists(), "the temporary file is removed");
        assert!(!path.parent().unwrap().exists(), "and its directory");
    }

    #[test]
    fn a_failing_editor_gives_nothing_back_and_leaves_no_file() {
        let err = edit("false", "keep me").unwrap_err();
        assert!(err.contains("ended with"), "{err}");
    }
}
