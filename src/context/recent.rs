//! Recently changed files, from git: uncommitted changes and the files touched by the last
//! commits on the current branch (the root commit and commits touching more than
//! [`MAX_FILES_PER_COMMIT`] files say nothing and are skipped). A directory that is not a git
//! repository has none.

use std::collections::{HashMap, HashSet};
use std::path::Path;

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

/// Reads recent changes of the repository whose work tree is `root`.
pub fn recent(root: &Path) -> Recent {
    let mut out = Recent::default();
    let Ok(repo) = git2::Repository::open(root) else { return out };
    if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
        let mut commit = Some(head);
        let mut n = 0usize;
        while let Some(c) = commit.take() {
            if n >= COMMITS {
                break;
            }
            let parent = c.parent(0).ok();
            let tree = c.tree().ok();
            let parent_tree = parent.as_ref().and_then(|p| p.tree().ok());
            // The root commit imports everything: no signal.
            let diff = match parent_tree {
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
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(false).exclude_submodules(true);
    if let Ok(statuses) = repo.statuses(Some(&mut opts)) {
        for s in statuses.iter() {
            if let Some(p) = s.path() {
                out.uncommitted.insert(p.to_string());
            }
        }
    }
    out
}
