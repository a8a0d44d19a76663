//! A cache of a repository's [`super::Snapshot`] (its walked files and what git knows about
//! them), kept in `VIBE_HOME/cache/context/`, so a second command in an unchanged repository
//! skips the walk and the reading of git's history and index.
//!
//! A cached snapshot serves while its [`Key`] holds — HEAD's commit and the size and
//! modification time of git's index, `info/exclude`, the git configuration and the global
//! excludes file — and while every walked directory keeps its modification time (adding,
//! removing or renaming an entry changes it) and every ignore file (`.gitignore`, `.ignore`,
//! `.vibeignore`) its size and modification time. Files are looked at again on every use, so
//! their size and modification time are always current: an edited file shows as an
//! uncommitted change at once. A walk during which a directory had changed within [`RACY`] is
//! not kept, since a later change in the same tick of the file system's clock would not show.
//!
//! The cache is written through a temporary file and a rename, so concurrent vibe processes
//! never read a half-written one; a damaged or outdated cache is walked over and replaced.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::recent::GitState;
use super::walk::{self, FileInfo, Mtime, Walked};

/// Format of the cache file; another version is walked over.
const VERSION: u32 = 1;
/// A directory changed this close to the walk's start makes the walk not worth keeping.
pub const RACY: Duration = Duration::from_secs(2);
/// Files whose content decides what the walk keeps.
const IGNORE_FILES: &[&str] = &[".gitignore", ".ignore", ".vibeignore"];

/// Size and modification time of a file, `None` when it does not exist.
type Stat = Option<(u64, Mtime)>;

/// What must not have changed for a cached snapshot to serve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    version: u32,
    root: String,
    head: Option<String>,
    stats: Vec<(String, Stat)>,
}

/// One cached file: path, size, modification time, and git's index entry for it.
#[derive(Debug, Serialize, Deserialize)]
struct Entry(String, u64, Option<Mtime>, Option<(u32, i64, u32)>);

#[derive(Debug, Serialize, Deserialize)]
struct Cached {
    key: Key,
    files: Vec<Entry>,
    symlinks: usize,
    dirs: Vec<(String, Option<Mtime>)>,
    is_repo: bool,
    committed: Vec<(String, usize)>,
    staged: Vec<String>,
}

/// A snapshot read back from the cache, its files looked at again.
#[derive(Debug)]
pub struct Loaded {
    /// Files, sorted by path, with their current size and modification time.
    pub files: Vec<FileInfo>,
    /// Symbolic links skipped by the walk.
    pub symlinks: usize,
    /// What git knew.
    pub git: GitState,
}

/// The cache file of the repository at `root` in `cache_dir`.
pub fn file(cache_dir: &Path, root: &Path) -> PathBuf {
    let digest = Sha256::digest(root.to_string_lossy().as_bytes());
    let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    cache_dir.join("context").join(format!("{name}.json"))
}

fn stat(path: &Path) -> Stat {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), walk::mtime_of(&meta)?))
}

/// The key of the repository at `root` as it is now.
pub fn key(root: &Path) -> Key {
    let mut watched: Vec<PathBuf> = Vec::new();
    let mut head = None;
    if let Ok(repo) = git2::Repository::open(root) {
        head = repo.head().ok().and_then(|h| h.target()).map(|oid| oid.to_string());
        let (git_dir, common) = (repo.path().to_path_buf(), repo.commondir().to_path_buf());
        watched.extend([git_dir.join("index"), git_dir.join("HEAD"), common.join("info/exclude")]);
        watched.push(common.join("config"));
        if let Some(p) = repo.config().ok().and_then(|c| c.get_path("core.excludesFile").ok()) {
            watched.push(p);
        }
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    if let Some(xdg) = xdg {
        watched.extend([xdg.join("git/ignore"), xdg.join("git/config")]);
    }
    if let Some(home) = home {
        watched.push(home.join(".gitconfig"));
    }
    // Ignore files of the directories above the root apply too.
    for parent in root.ancestors().skip(1) {
        watched.extend(IGNORE_FILES.iter().map(|f| parent.join(f)));
    }
    let stats = watched.iter().map(|p| (p.to_string_lossy().into_owned(), stat(p))).collect();
    Key { version: VERSION, root: root.to_string_lossy().into_owned(), head, stats }
}

fn is_ignore_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    IGNORE_FILES.contains(&name)
}

/// Reads the cached snapshot of `root` when it still serves under `key`: every directory and
/// ignore file unchanged. Its files come back with their current size and modification time.
pub fn load(cache_dir: &Path, root: &Path, key: &Key) -> Option<Loaded> {
    let bytes = std::fs::read(file(cache_dir, root)).ok()?;
    let cached: Cached = serde_json::from_slice(&bytes).ok()?;
    if &cached.key != key {
        return None;
    }
    let threads = walk::threads();
    // Directories: the same modification time, still directories.
    let dirs_hold = |part: &[(String, Option<Mtime>)]| {
        part.iter().all(|(d, mtime)| {
            std::fs::symlink_metadata(root.join(d))
                .is_ok_and(|m| m.is_dir() && mtime.is_some() && walk::mtime_of(&m) == *mtime)
        })
    };
    // Files: still regular files, looked at again; ignore files unchanged.
    let look = |part: &[Entry]| -> Option<Vec<FileInfo>> {
        part.iter()
            .map(|Entry(path, size, mtime, _)| {
                let meta = std::fs::symlink_metadata(root.join(path)).ok().filter(|m| m.is_file())?;
                let now = (meta.len(), walk::mtime_of(&meta));
                if is_ignore_file(path) && now != (*size, *mtime) {
                    return None;
                }
                Some(FileInfo {
                    path: path.clone(),
                    size: now.0,
                    kind: walk::classify(path, now.0),
                    mtime: now.1,
                })
            })
            .collect()
    };
    let dir_chunk = cached.dirs.len().div_ceil(threads).max(1);
    let file_chunk = cached.files.len().div_ceil(threads).max(1);
    let (dirs_ok, files) = std::thread::scope(|scope| {
        let dirs: Vec<_> =
            cached.dirs.chunks(dir_chunk).map(|part| scope.spawn(move || dirs_hold(part))).collect();
        let files: Vec<_> =
            cached.files.chunks(file_chunk).map(|part| scope.spawn(move || look(part))).collect();
        let dirs_ok = dirs.into_iter().all(|h| h.join().unwrap_or(false));
        let files: Option<Vec<Vec<FileInfo>>> = files.into_iter().map(|h| h.join().ok().flatten()).collect();
        (dirs_ok, files)
    });
    if !dirs_ok {
        return None;
    }
    let files: Vec<FileInfo> = files?.into_iter().flatten().collect();
    let index = cached.files.into_iter().filter_map(|Entry(path, _, _, e)| e.map(|e| (path, e)));
    let git = GitState::from_parts(
        cached.is_repo,
        cached.committed.into_iter().collect::<HashMap<_, _>>(),
        cached.staged.into_iter().collect::<HashSet<_>>(),
        index,
    );
    Some(Loaded { files, symlinks: cached.symlinks, git })
}

/// Keeps a snapshot walked from `root` under `key`, unless a directory changed within
/// [`RACY`] of `started` (the walk's start). A cache that cannot be written only means walking
/// again next time.
pub fn store(cache_dir: &Path, root: &Path, key: &Key, walked: &Walked, git: &GitState, started: SystemTime) {
    let settled = started
        .checked_sub(RACY)
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| (d.as_secs() as i64, d.subsec_nanos()));
    let Some(settled) = settled else { return };
    if walked.dirs.iter().any(|(_, m)| m.is_none_or(|m| m >= settled)) {
        return;
    }
    let (committed, staged) = git.history();
    let mut committed: Vec<(String, usize)> = committed.iter().map(|(p, n)| (p.clone(), *n)).collect();
    committed.sort();
    let mut staged: Vec<String> = staged.iter().cloned().collect();
    staged.sort();
    let cached = Cached {
        key: key.clone(),
        files: walked
            .files
            .iter()
            .map(|f| Entry(f.path.clone(), f.size, f.mtime, git.indexed(&f.path)))
            .collect(),
        symlinks: walked.symlinks,
        dirs: walked.dirs.clone(),
        is_repo: git.is_repo,
        committed,
        staged,
    };
    let _ = crate::cache::write_json(&file(cache_dir, root), &cached);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::Snapshot;
    use super::*;
    use crate::test_git::git;

    /// Sets every directory's modification time `secs` back, as if the repository had been
    /// left alone for a while (a walk right after a change is not kept, see [`RACY`]).
    fn settle(root: &Path, secs: u64) {
        let t = SystemTime::now() - Duration::from_secs(secs);
        let mut dirs = vec![root.to_path_buf()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() && e.file_name() != ".git" {
                    dirs.push(e.path());
                }
            }
            std::fs::File::open(&d).unwrap().set_modified(t).unwrap();
        }
    }

    fn paths(s: &Snapshot) -> Vec<&str> {
        s.files().iter().map(|f| f.path.as_str()).collect()
    }

    /// An unchanged repository is not walked again; an edited file is seen at once; a new
    /// file, a changed ignore rule, a commit or a damaged cache make it walk again.
    #[test]
    fn an_unchanged_repository_is_served_from_the_cache_and_every_change_is_seen() {
        let tmp = tempfile::tempdir().unwrap();
        let (root, cache) = (tmp.path().join("repo"), tmp.path().join("cache"));
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join(".gitignore"), "*.log\n").unwrap();
        std::fs::write(root.join("src/a.rs"), "pub fn a() {}\n").unwrap();
        std::fs::write(root.join("src/b.rs"), "pub fn b() {}\n").unwrap();
        std::fs::write(root.join("run.log"), "ignored\n").unwrap();
        git(&root, &["init", "-q", "-b", "main"]);
        git(&root, &["add", "."]);
        git(&root, &["commit", "-q", "-m", "first"]);
        settle(&root, 100);
        let take = || Snapshot::take_cached(&root, Some(&cache)).unwrap();

        let first = take();
        assert!(!first.cached());
        assert_eq!(paths(&first), [".gitignore", "src/a.rs", "src/b.rs"]);
        let kept: Vec<_> = std::fs::read_dir(cache.join("context")).unwrap().collect();
        assert_eq!(kept.len(), 1, "one cache file, no temporary file left behind");
        let second = take();
        assert!(second.cached());
        assert_eq!(paths(&second), paths(&first));
        assert!(second.uncommitted().is_empty());
        // The same context either way.
        let prompt = "fix a in src";
        let walked = super::super::gather(&root, prompt, 4000).unwrap();
        let served = super::super::gather_cached(&root, Some(&cache), prompt, 4000).unwrap();
        assert_eq!(served.text, walked.text);

        // An edited file: still served, its new size seen, and it shows as uncommitted.
        let longer = "pub fn a() -> u8 {\n    1\n}\n";
        std::fs::write(root.join("src/a.rs"), longer).unwrap();
        let edited = take();
        assert!(edited.cached());
        assert_eq!(edited.files()[1].size, longer.len() as u64);
        assert_eq!(edited.uncommitted().into_iter().collect::<Vec<_>>(), ["src/a.rs"]);

        // A new file changes its directory: walked again.
        std::fs::write(root.join("src/c.rs"), "pub fn c() {}\n").unwrap();
        let added = take();
        assert!(!added.cached());
        assert!(paths(&added).contains(&"src/c.rs"));
        settle(&root, 90);
        assert!(!take().cached());
        assert!(take().cached());

        // A changed ignore rule: walked again, the newly ignored file gone.
        std::fs::write(root.join(".gitignore"), "*.log\nsrc/b.rs\n").unwrap();
        let ignored = take();
        assert!(!ignored.cached());
        assert!(!paths(&ignored).contains(&"src/b.rs"));
        assert!(take().cached());

        // A commit moves HEAD and rewrites the index: walked again.
        git(&root, &["add", "."]);
        git(&root, &["commit", "-q", "-m", "second"]);
        let committed = take();
        assert!(!committed.cached());
        assert!(take().cached());

        // A damaged cache is walked over and replaced.
        std::fs::write(file(&cache, &root), "{").unwrap();
        assert!(!take().cached());
        assert!(take().cached());
    }

    /// Several vibe processes taking the snapshot at once all get the whole repository, and
    /// the cache ends as one whole file.
    #[test]
    fn concurrent_snapshots_share_one_cache_safely() {
        let tmp = tempfile::tempdir().unwrap();
        let (root, cache) = (tmp.path().join("repo"), tmp.path().join("cache"));
        for i in 0..50 {
            let dir = root.join(format!("src/m{}", i % 5));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("f{i}.rs")), format!("pub fn f{i}() {{}}\n")).unwrap();
        }
        git(&root, &["init", "-q", "-b", "main"]);
        git(&root, &["add", "."]);
        git(&root, &["commit", "-q", "-m", "first"]);
        settle(&root, 100);
        let counts: Vec<(usize, bool)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..6)
                .map(|_| {
                    scope.spawn(|| {
                        let s = Snapshot::take_cached(&root, Some(&cache)).unwrap();
                        (s.files().len(), s.cached())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(counts.iter().all(|(n, _)| *n == 50), "{counts:?}");
        assert_eq!(std::fs::read_dir(cache.join("context")).unwrap().count(), 1);
        assert!(Snapshot::take_cached(&root, Some(&cache)).unwrap().cached());
    }
}
