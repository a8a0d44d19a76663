//! Which repositories the user trusts with the configuration they carry.
//!
//! A repository's `.vibe.toml` and `.env` come with the repository, not from the user, so
//! [`crate::config`] takes only harmless settings from them until the user trusts that
//! repository. The decision is kept in the user's data directory (`trust.json` in
//! `VIBE_HOME`, never inside a repository), keyed by the repository's canonical path and a
//! [`Fingerprint`] of its configuration files: a changed file is a new configuration, and is
//! untrusted again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// The file, inside the data directory, that holds the decisions.
pub const STORE_FILE: &str = "trust.json";

/// The files of a repository that configure vibe, in the order they are hashed.
pub const CONFIG_FILES: [&str; 2] = [".vibe.toml", ".env"];

/// A hash of a repository's configuration files (`sha256:` + hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Hashes the [`CONFIG_FILES`] of the repository at `root`; a missing file counts as such,
    /// so adding one changes the fingerprint too.
    pub fn of_repo(root: &Path) -> Result<Self, TrustError> {
        let mut hash = Sha256::new();
        for name in CONFIG_FILES {
            let path = root.join(name);
            hash.update(name.as_bytes());
            if !path.is_file() {
                hash.update([0]);
                continue;
            }
            match std::fs::read(&path) {
                Ok(bytes) => {
                    hash.update([1]);
                    hash.update((bytes.len() as u64).to_le_bytes());
                    hash.update(&bytes);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => hash.update([0]),
                Err(e) => return Err(TrustError::Io { path, message: e.to_string() }),
            }
        }
        let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self(format!("sha256:{hex}")))
    }

    /// The full text, `sha256:…`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 12 hex digits, for tables.
    pub fn short(&self) -> &str {
        let hex = self.0.strip_prefix("sha256:").unwrap_or(&self.0);
        &hex[..hex.len().min(12)]
    }
}

/// What the user decided about one configuration of a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// `vibe trust`, or "yes" to the question: its settings apply.
    Trusted,
    /// "No" to the question: its guarded settings stay ignored and vibe does not ask again
    /// until the configuration changes.
    Declined,
}

/// One repository's recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Canonical path of the repository root.
    pub repo: PathBuf,
    /// The configuration the decision is about.
    pub fingerprint: Fingerprint,
    pub decision: Decision,
    /// When it was decided (RFC 3339).
    pub at: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    version: u32,
    repositories: Vec<Entry>,
}

/// The recorded decisions, read from and written to one file.
#[derive(Debug)]
pub struct TrustStore {
    path: PathBuf,
    entries: Vec<Entry>,
}

impl TrustStore {
    /// The store in `path` (empty when the file does not exist yet); its place is
    /// [`STORE_FILE`] in the data directory (`Config::trust_store`).
    pub fn open(path: &Path) -> Result<Self, TrustError> {
        let path = path.to_path_buf();
        let entries = match std::fs::read_to_string(&path) {
            Ok(text) => {
                let file: File = serde_json::from_str(&text)
                    .map_err(|e| TrustError::Corrupt { path: path.clone(), message: e.to_string() })?;
                file.repositories
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(TrustError::Io { path, message: e.to_string() }),
        };
        Ok(Self { path, entries })
    }

    /// Where the decisions are kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every recorded decision, ordered by repository path.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The decision about this configuration of `repo`; none when the repository was never
    /// decided on or its configuration changed since.
    pub fn decision(&self, repo: &Path, fingerprint: &Fingerprint) -> Option<Decision> {
        self.entry(repo).filter(|e| &e.fingerprint == fingerprint).map(|e| e.decision)
    }

    /// The entry of `repo`, whatever its fingerprint.
    pub fn entry(&self, repo: &Path) -> Option<&Entry> {
        self.entries.iter().find(|e| e.repo == repo)
    }

    /// Records a decision, replacing the repository's previous one.
    pub fn record(&mut self, repo: &Path, fingerprint: Fingerprint, decision: Decision, at: String) {
        self.entries.retain(|e| e.repo != repo);
        self.entries.push(Entry { repo: repo.to_path_buf(), fingerprint, decision, at });
        self.entries.sort_by(|a, b| a.repo.cmp(&b.repo));
    }

    /// Forgets the repository; returns its entry if there was one.
    pub fn remove(&mut self, repo: &Path) -> Option<Entry> {
        let at = self.entries.iter().position(|e| e.repo == repo)?;
        Some(self.entries.remove(at))
    }

    /// Writes the store (a new file renamed into place, readable by the user only).
    pub fn save(&self) -> Result<(), TrustError> {
        let io = |path: &Path, e: std::io::Error| TrustError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let file = File { version: 1, repositories: self.entries.clone() };
        let mut text = serde_json::to_string_pretty(&file)
            .map_err(|e| TrustError::Io { path: self.path.clone(), message: e.to_string() })?;
        text.push('\n');
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io(dir, e))?;
        std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(|e| io(tmp.path(), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o600));
        }
        tmp.persist(&self.path).map_err(|e| io(&self.path, e.error))?;
        Ok(())
    }
}

/// Reading or writing the trust store failed.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    /// The store is not what vibe writes.
    #[error("{path}: not a trust store vibe can read: {message}")]
    Corrupt { path: PathBuf, message: String },
}

impl From<TrustError> for Error {
    fn from(e: TrustError) -> Self {
        let hint = match &e {
            TrustError::Corrupt { path, .. } => {
                format!("remove {} and trust your repositories again with `vibe trust`", path.display())
            }
            TrustError::Io { .. } => {
                "check the permissions of the data directory (`vibe config path`)".into()
            }
        };
        Error::failure(e.to_string()).with_hint(hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_or_added_config_file_changes_the_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let empty = Fingerprint::of_repo(dir.path()).unwrap();
        std::fs::write(dir.path().join(".env"), "").unwrap();
        let with_env = Fingerprint::of_repo(dir.path()).unwrap();
        assert_ne!(empty, with_env, "an empty .env is not a missing one");
        std::fs::write(dir.path().join(".vibe.toml"), "[model]\nname = \"a\"\n").unwrap();
        let a = Fingerprint::of_repo(dir.path()).unwrap();
        std::fs::write(dir.path().join(".vibe.toml"), "[model]\nname = \"b\"\n").unwrap();
        let b = Fingerprint::of_repo(dir.path()).unwrap();
        assert_ne!(a, b);
        std::fs::write(dir.path().join("README.md"), "other files do not count").unwrap();
        assert_eq!(b, Fingerprint::of_repo(dir.path()).unwrap());
        assert!(b.as_str().starts_with("sha256:") && b.as_str().len() == 71 && b.short().len() == 12);
    }

    #[test]
    fn decisions_round_trip_and_hold_only_for_their_fingerprint() {
        let home = tempfile::tempdir().unwrap();
        let repo = Path::new("/src/project");
        let fp = Fingerprint("sha256:aa".into());
        let mut store = TrustStore::open(&home.path().join(STORE_FILE)).unwrap();
        assert!(store.entries().is_empty());
        store.record(repo, fp.clone(), Decision::Declined, "t0".into());
        store.record(repo, fp.clone(), Decision::Trusted, "t1".into());
        store.save().unwrap();
        let store = TrustStore::open(&home.path().join(STORE_FILE)).unwrap();
        assert_eq!(store.entries().len(), 1);
        assert_eq!(store.decision(repo, &fp), Some(Decision::Trusted));
        assert_eq!(store.decision(repo, &Fingerprint("sha256:bb".into())), None);
        let mut store = store;
        assert!(store.remove(repo).is_some());
        assert!(store.remove(repo).is_none());
        std::fs::write(home.path().join(STORE_FILE), "{not json").unwrap();
        assert!(matches!(TrustStore::open(&home.path().join(STORE_FILE)), Err(TrustError::Corrupt { .. })));
    }
}
