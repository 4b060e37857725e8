//! The state directory's files (`igsim serve --state-dir DIR`): `DIR/sandboxes/<id>.json`, one
//! snapshot per sandbox, each replaced atomically (temporary file, `fsync`, rename, directory
//! `fsync`), so a crash at any moment leaves the old or the new whole snapshot. Called off
//! the request threads (`app::persister`), with no world lock held.

use crate::snapshot::{parse, Snapshot};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The state directory: `DIR/sandboxes/<id>.json`, one snapshot per sandbox.
#[derive(Debug, Clone)]
pub(crate) struct StateDir {
    sandboxes: PathBuf,
}

/// Suffix of the temporary file a snapshot is written to before it is renamed into place.
const TMP_SUFFIX: &str = ".json.tmp";

impl StateDir {
    /// Opens (creating it if needed) a state directory, and removes temporary files a killed
    /// process left behind (their snapshot never took effect).
    pub(crate) fn open(dir: &Path) -> Result<Self, String> {
        let sandboxes = dir.join("sandboxes");
        std::fs::create_dir_all(&sandboxes)
            .map_err(|e| format!("cannot create the state directory {}: {e}", sandboxes.display()))?;
        let entries = std::fs::read_dir(&sandboxes).map_err(|e| format!("cannot read {}: {e}", sandboxes.display()))?;
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().ends_with(TMP_SUFFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(StateDir { sandboxes })
    }

    fn file(&self, id: &str) -> PathBuf {
        self.sandboxes.join(format!("{id}.json"))
    }

    /// Every snapshot in the directory, in id order; the first unreadable one is an error
    /// naming its file (igsim does not start over state it cannot read).
    pub(crate) fn load_all(&self) -> Result<Vec<Snapshot>, String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.sandboxes)
            .map_err(|e| format!("cannot read {}: {e}", self.sandboxes.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| {
                let bytes = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                parse(&bytes).map_err(|e| format!("{}: {e}", p.display()))
            })
            .collect()
    }

    /// Replaces a sandbox's file atomically: temporary file, `fsync`, rename, `fsync` of the
    /// directory (so the rename itself survives a crash).
    pub(crate) fn write(&self, id: &str, bytes: &[u8]) -> std::io::Result<()> {
        let tmp = self.sandboxes.join(format!("{id}{TMP_SUFFIX}"));
        {
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, self.file(id))?;
        self.sync_dir()
    }

    /// Forgets a deleted sandbox (durably).
    pub(crate) fn remove(&self, id: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.file(id)) {
            Ok(()) => self.sync_dir(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn sync_dir(&self) -> std::io::Result<()> {
        File::open(&self.sandboxes)?.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_files_whole_and_leftover_temporary_files_go() {
        let dir = std::env::temp_dir().join(format!("igsim-state-dir-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let sd = StateDir::open(&dir).unwrap();
        sd.write("a", b"{\"first\":1}").unwrap();
        sd.write("a", b"{\"second\":2}").unwrap();
        assert_eq!(std::fs::read(dir.join("sandboxes/a.json")).unwrap(), b"{\"second\":2}");
        std::fs::write(dir.join("sandboxes/b.json.tmp"), b"half a snap").unwrap();
        StateDir::open(&dir).unwrap();
        assert!(!dir.join("sandboxes/b.json.tmp").exists());
        sd.remove("a").unwrap();
        sd.remove("a").unwrap();
        assert!(!dir.join("sandboxes/a.json").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
