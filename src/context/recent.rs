//! Recently changed files, from git: uncommitted changes (staged: the index against HEAD;
//! unstaged and untracked: the walked files' size and modification time against the index,
//! the way git itself decides what to re-read, so no file is read or hashed) and the files
//! touched by the last commits on the current branch (the root commit and commits touching
//! more than [`MAX_FILES_PER_COMMIT`] files say nothing and are skipped). A directory that is
//! not a git repository has none.
//!
//! Reading git ([`GitState::read`]) does not need the walk, so it runs beside it.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::walk::FileInfo;

/// How many commits back to look.
pub const COMMITS: usize = 20;
/// Commits touching more files than this (imports, mass renames, formatting) say nothing
/// about what is being worked on, and are left out.
pub const MAX_FILES_PER_COMMIT: usize = 100;

/// Recent changes.
#[derive(Debug, Default)]
pub struct Recent {
    /// Files with uncommitted changes (staged, unstaged, or untracked).
    pub uncommitted: HashSet<String>,
    /// Files changed by recent commits: path → commits back (0 = HEAD).
    pub committed: HashMap<String, usize>,
}

/// What git knows, before looking at the work tree.
#[derive(Debug, Default)]
pub struct GitState {
    /// Whether `root` is a git work tree.
    pub is_repo: bool,
    committed: HashMap<String, usize>,
    staged: HashSet<String>,
    /// Index entries: path → (size, mtime seconds, mtime nanoseconds).
    index: HashMap<Vec<u8>, (u32, i64, u32)>,
}

impl GitState {
    /// Reads recent commits, staged changes and the index of the repository at `root`.
    pub fn read(root: &Path) -> GitState {
        let mut out = GitState::default();
        let Ok(repo) = git2::Repository::open(root) else { return out };
        out.is_repo = true;
        if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
            let mut commit = Some(head);
            let mut n = 0usize;
            while let Some(c) = commit.take() {
                if n >= COMMITS {
                    break;
                }
                let parent = c.parent(0).ok();
                let tree = c.tree().ok();
                // The root commit imports everything: no signal.
                let diff = match parent.as_ref().and_then(|p| p.tree().ok()) {
                    Some(pt) => repo.diff_tree_to_tree(Some(&pt), tree.as_ref(), None).ok(),
                    None => None,
                };
                if let Some(diff) = diff.filter(|d| d.deltas().len() <= MAX_FILES_PER_COMMIT) {
                    for d in diff.deltas() {
                        if let Some(p) = d.new_file().path().and_then(|p| p.to_str()) {
                            out.committed.entry(p.to_string()).or_insert(n);
                        }
                    }
                }
                commit = parent;
                n += 1;
            }
        }
        let Ok(index) = repo.index() else { return out };
        let head_tree = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
        if let Ok(diff) = repo.diff_tree_to_index(head_tree.as_ref(), Some(&index), None) {
            for d in diff.deltas() {
                if let Some(p) = d.new_file().path().and_then(|p| p.to_str()) {
                    out.staged.insert(p.to_string());
                }
            }
        }
        out.index.reserve(index.len());
        for e in index.iter() {
            out.index.insert(e.path, (e.file_size, i64::from(e.mtime.seconds()), e.mtime.nanoseconds()));
        }
        out
    }

    /// The index entry (size, mtime seconds, mtime nanoseconds) of `path`, if it has one.
    pub fn indexed(&self, path: &str) -> Option<(u32, i64, u32)> {
        self.index.get(path.as_bytes()).copied()
    }

    /// The files changed by recent commits (path → commits back) and the staged files.
    pub fn history(&self) -> (&HashMap<String, usize>, &HashSet<String>) {
        (&self.committed, &self.staged)
    }

    /// A state put back together from its parts (as a cache keeps them): index entries only
    /// for the paths given.
    pub fn from_parts(
        is_repo: bool,
        committed: HashMap<String, usize>,
        staged: HashSet<String>,
        index: impl IntoIterator<Item = (String, (u32, i64, u32))>,
    ) -> GitState {
        let index = index.into_iter().map(|(p, e)| (p.into_bytes(), e)).collect();
        GitState { is_repo, committed, staged, index }
    }

    /// Combines git's view with the walked files: a file is changed when it is staged, not in
    /// the index, or its size or modification time differ from the index entry.
    pub fn with_files(&self, files: &[FileInfo]) -> Recent {
        let mut uncommitted = self.staged.clone();
        if self.is_repo {
            for f in files {
                let changed = match (self.index.get(f.path.as_bytes()), f.mtime) {
                    (None, _) => true,
                    (Some(&(size, secs, nanos)), Some((fs, fns))) => {
                        size != f.size as u32 || secs != fs || (nanos != 0 && nanos != fns)
                    }
                    (Some(&(size, _, _)), None) => size != f.size as u32,
                };
                if changed {
                    uncommitted.insert(f.path.clone());
                }
            }
        }
        Recent { uncommitted, committed: self.committed.clone() }
    }
}

/// Reads recent changes of the repository whose work tree is `root`; `files` are the files
/// the walk found there.
pub fn recent(root: &Path, files: &[FileInfo]) -> Recent {
    GitState::read(root).with_files(files)
}
