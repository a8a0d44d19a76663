//! The user's repository, through libgit2: which commit a job starts from, whether the tree is
//! clean, and turning a job's patch into a commit on a new branch `vibe/<short-id>-<slug>`.
//!
//! Nothing here touches the checked-out branch, the index or the working tree: commits are
//! built from trees in the object database and only a new branch ref is written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use git2::build::TreeUpdateBuilder;
use git2::{Diff, DiffStats, ErrorCode, FileMode, Oid, Repository, Signature, StatusOptions, Time, Tree};

/// The trailer that ties a commit to its job.
pub const JOB_TRAILER: &str = "Vibe-Job";

/// An error from git.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The path is not inside a git repository.
    #[error("{0} is not a git repository")]
    NotARepo(PathBuf),
    /// The repository has no commit yet.
    #[error("the repository has no commits yet")]
    NoCommits,
    /// `--base` names nothing.
    #[error("no branch or commit named `{0}`")]
    UnknownBase(String),
    /// Uncommitted changes and no `--allow-dirty`.
    #[error("the working tree has uncommitted changes ({0})")]
    Dirty(String),
    /// No author identity configured.
    #[error("git has no author identity (user.name / user.email)")]
    NoIdentity,
    /// The job's patch does not apply to the base commit.
    #[error("the job's changes do not apply to the base commit: {0}")]
    PatchDoesNotApply(String),
    /// Anything else libgit2 reports.
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

impl From<GitError> for crate::error::Error {
    fn from(e: GitError) -> Self {
        use crate::error::Error;
        match &e {
            GitError::NotARepo(_) => Error::usage(e.to_string())
                .with_hint("run vibe inside a git repository, or pass --repo PATH"),
            GitError::NoCommits => Error::usage(e.to_string())
                .with_hint("make a first commit (git commit --allow-empty -m init) and try again"),
            GitError::UnknownBase(_) => {
                Error::usage(e.to_string()).with_hint("list branches with `git branch -a`")
            }
            GitError::Dirty(_) => Error::usage(e.to_string()).with_hint(
                "commit or stash them first, or pass --allow-dirty to include them in the job",
            ),
            GitError::NoIdentity => Error::failure(e.to_string()).with_hint(
                "run `git config --global user.name \"Your Name\"` and `git config --global user.email you@example.com`, \
                 then `vibe jobs resume ID`",
            ),
            _ => Error::failure(e.to_string()),
        }
    }
}

/// Result of git operations.
pub type GitResult<T> = Result<T, GitError>;

/// Opens the repository at (or above) `path`.
pub fn open(path: &Path) -> GitResult<Repository> {
    Repository::discover(path).map_err(|_| GitError::NotARepo(path.to_path_buf()))
}

/// The commit a job starts from: `base` (a branch, tag or commit) or HEAD. Returns the full
/// commit id and the name of the branch it came from, if any.
pub fn resolve_base(repo: &Repository, base: Option<&str>) -> GitResult<(String, Option<String>)> {
    match base {
        Some(name) => {
            let obj = repo
                .revparse_single(name)
                .or_else(|_| repo.revparse_single(&format!("origin/{name}")))
                .map_err(|_| GitError::UnknownBase(name.to_string()))?;
            let commit = obj.peel_to_commit().map_err(|_| GitError::UnknownBase(name.to_string()))?;
            let branch = repo.find_branch(name, git2::BranchType::Local).ok().map(|_| name.to_string());
            Ok((commit.id().to_string(), branch))
        }
        None => {
            let head = match repo.head() {
                Ok(h) => h,
                Err(e) if e.code() == ErrorCode::UnbornBranch || e.code() == ErrorCode::NotFound => {
                    return Err(GitError::NoCommits)
                }
                Err(e) => return Err(e.into()),
            };
            let commit = head.peel_to_commit()?;
            let branch = head.is_branch().then(|| head.shorthand().map(str::to_string)).flatten();
            Ok((commit.id().to_string(), branch))
        }
    }
}

/// Paths with uncommitted changes (modified, staged, or untracked and not ignored).
pub fn dirty_paths(repo: &Repository) -> GitResult<Vec<String>> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(true).include_ignored(false).recurse_untracked_dirs(false);
    let statuses = repo.statuses(Some(&mut opts))?;
    Ok(statuses.iter().filter_map(|s| s.path().map(str::to_string)).collect())
}

/// Refuses a dirty tree unless allowed.
pub fn ensure_clean(repo: &Repository, allow_dirty: bool) -> GitResult<()> {
    if allow_dirty {
        return Ok(());
    }
    let dirty = dirty_paths(repo)?;
    if dirty.is_empty() {
        return Ok(());
    }
    let mut shown: Vec<&str> = dirty.iter().take(3).map(String::as_str).collect();
    if dirty.len() > 3 {
        shown.push("…");
    }
    Err(GitError::Dirty(shown.join(", ")))
}

/// The remote URL of `origin` (or the only remote), if any.
pub fn remote_url(repo: &Repository) -> Option<String> {
    let remote = repo.find_remote("origin").ok().or_else(|| {
        let names = repo.remotes().ok()?;
        let first = names.iter().flatten().next()?.to_string();
        repo.find_remote(&first).ok()
    })?;
    remote.url().map(str::to_string)
}

/// A branch name for a job: `vibe/<first 8 of id>-<slug of title>`.
pub fn branch_name(job_id: &str, title: &str) -> String {
    let short = job_id.get(..8).unwrap_or(job_id);
    let slug = slug(title, 40);
    if slug.is_empty() {
        format!("vibe/{short}")
    } else {
        format!("vibe/{short}-{slug}")
    }
}

/// Lowercase ASCII words joined by `-`, at most `max` characters, cut at a word boundary.
pub fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        let word = word.to_ascii_lowercase();
        let extra = if out.is_empty() { word.len() } else { word.len() + 1 };
        if out.len() + extra > max {
            if out.is_empty() {
                out.push_str(&word[..max.min(word.len())]);
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word);
    }
    out
}

/// What to commit.
#[derive(Debug, Clone)]
pub struct CommitRequest<'a> {
    /// The job, for the branch name and the trailer.
    pub job_id: &'a str,
    /// Full id of the commit the job started from.
    pub base_commit: &'a str,
    /// The job's changes as a git patch against the base (`git diff --binary` format).
    pub patch: &'a str,
    /// Preferred branch name; `-2`, `-3`, … are appended when it is taken by something else.
    pub branch: &'a str,
    /// Commit message without the trailer.
    pub message: &'a str,
    /// Commit time, seconds since the epoch.
    pub time: i64,
}

/// What was committed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Committed {
    /// The branch that now points at the commit.
    pub branch: String,
    /// The commit id.
    pub sha: String,
    /// Files changed.
    pub files_changed: u64,
    /// Lines added.
    pub lines_added: u64,
    /// Lines removed.
    pub lines_removed: u64,
}

/// Commits the job's patch on a new branch from the base commit. The user's HEAD, index and
/// working tree are not touched. Idempotent: when a branch from an earlier attempt of the
/// same job already holds its commit, that branch is returned unchanged.
pub fn commit_patch(repo: &Repository, req: &CommitRequest<'_>) -> GitResult<Committed> {
    let base = repo.find_commit(Oid::from_str(req.base_commit)?)?;
    let base_tree = base.tree()?;
    let diff = Diff::from_buffer(req.patch.as_bytes())
        .map_err(|e| GitError::PatchDoesNotApply(e.message().to_string()))?;
    let (tree_id, stats) = apply_to_tree(repo, &base_tree, &diff)?;
    let tree = repo.find_tree(tree_id)?;

    let trailer = format!("{JOB_TRAILER}: {}", req.job_id);
    // A branch an earlier attempt of this job made, holding the same tree on the same base.
    let mut name = req.branch.to_string();
    for n in 2.. {
        match repo.find_branch(&name, git2::BranchType::Local) {
            Err(e) if e.code() == ErrorCode::NotFound => break,
            Err(e) => return Err(e.into()),
            Ok(existing) => {
                let commit = existing.get().peel_to_commit()?;
                let ours = commit.message().is_some_and(|m| m.lines().any(|l| l.trim() == trailer));
                if ours && commit.tree_id() == tree_id && commit.parent_id(0).ok() == Some(base.id()) {
                    return Ok(Committed {
                        branch: name,
                        sha: commit.id().to_string(),
                        files_changed: stats.files_changed() as u64,
                        lines_added: stats.insertions() as u64,
                        lines_removed: stats.deletions() as u64,
                    });
                }
                name = format!("{}-{n}", req.branch);
            }
        }
    }

    let sig = signature(repo, req.time)?;
    let message = format!("{}\n\n{trailer}\n", req.message.trim_end());
    let oid = repo.commit(None, &sig, &sig, &message, &tree, &[&base])?;
    let commit = repo.find_commit(oid)?;
    repo.branch(&name, &commit, false)?;
    Ok(Committed {
        branch: name,
        sha: oid.to_string(),
        files_changed: stats.files_changed() as u64,
        lines_added: stats.insertions() as u64,
        lines_removed: stats.deletions() as u64,
    })
}

/// The tree `diff` makes of `base_tree`, and the changes between the two, at the cost of what
/// the patch touches: the patch is applied to a small tree holding only the base's entries at
/// the paths it names, and the results are spliced into the base, so only the new blobs and the
/// trees on their paths are written. A directory left empty disappears, as in git.
fn apply_to_tree(repo: &Repository, base_tree: &Tree<'_>, diff: &Diff<'_>) -> GitResult<(Oid, DiffStats)> {
    let refused = |e: git2::Error| GitError::PatchDoesNotApply(e.message().to_string());
    let mut paths = BTreeSet::new();
    for delta in diff.deltas() {
        paths.extend([delta.old_file().path(), delta.new_file().path()].into_iter().flatten());
    }
    let mut before = BTreeMap::new();
    let mut small = TreeUpdateBuilder::new();
    for &path in &paths {
        match base_tree.get_path(path) {
            Ok(entry) => {
                let mode = entry.filemode();
                small.upsert(path, entry.id(), file_mode(mode, path)?);
                before.insert(path, (entry.id(), mode));
            }
            Err(e) if e.code() == ErrorCode::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    let empty = repo.find_tree(repo.treebuilder(None)?.write()?)?;
    let small = repo.find_tree(small.create_updated(repo, &empty)?)?;
    let applied = repo.apply_to_tree(&small, diff, None).map_err(refused)?;
    // Counted from the patch, which is what lies between the trees, unless it renames or copies
    // files: trees know neither, so those are counted between the touched entries.
    let stats = if diff.deltas().any(|d| matches!(d.status(), git2::Delta::Renamed | git2::Delta::Copied)) {
        repo.diff_tree_to_index(Some(&small), Some(&applied), None)?.stats()?
    } else {
        diff.stats()?
    };

    let mut removed = Vec::new();
    let mut upserted = Vec::new();
    for &path in &paths {
        let old = before.get(path).copied();
        match applied.get_path(path, 0) {
            Some(entry) if old == Some((entry.id, entry.mode as i32)) => {}
            Some(entry) => upserted.push((path, entry.id, file_mode(entry.mode as i32, path)?)),
            None if old.is_some() => removed.push(path),
            None => {}
        }
    }
    let update = |tree: &Tree<'_>, removals: bool, upserts: bool| {
        let mut update = TreeUpdateBuilder::new();
        for &path in removed.iter().filter(|_| removals) {
            update.remove(path);
        }
        for &(path, id, mode) in upserted.iter().filter(|_| upserts) {
            update.upsert(path, id, mode);
        }
        // A conflict between the patch and the base's tree is the patch's fault.
        update.create_updated(repo, tree).map_err(|e| match e.class() {
            git2::ErrorClass::Tree => refused(e),
            _ => e.into(),
        })
    };
    // libgit2 refuses a file and a directory of the same name in one update (a file replaced
    // by a directory or the other way round): the removals go first then.
    let swapped = removed.iter().any(|r| upserted.iter().any(|(u, ..)| u.starts_with(r) || r.starts_with(u)));
    let tree = if swapped {
        let between = repo.find_tree(update(base_tree, true, false)?)?;
        update(&between, false, true)?
    } else {
        update(base_tree, true, true)?
    };
    Ok((tree, stats))
}

/// The tree entry mode libgit2 names `mode`.
fn file_mode(mode: i32, path: &Path) -> GitResult<FileMode> {
    Ok(match mode {
        0o040000 => FileMode::Tree,
        0o100644 => FileMode::Blob,
        0o100664 => FileMode::BlobGroupWritable,
        0o100755 => FileMode::BlobExecutable,
        0o120000 => FileMode::Link,
        0o160000 => FileMode::Commit,
        _ => {
            return Err(GitError::PatchDoesNotApply(format!(
                "{} has an unknown file mode {mode:o}",
                path.display()
            )))
        }
    })
}

/// Lines added and removed and files changed by a patch, without a repository.
pub fn patch_stats(patch: &str) -> GitResult<(u64, u64, u64)> {
    if patch.trim().is_empty() {
        return Ok((0, 0, 0));
    }
    let diff = Diff::from_buffer(patch.as_bytes())?;
    let stats = diff.stats()?;
    Ok((stats.files_changed() as u64, stats.insertions() as u64, stats.deletions() as u64))
}

/// Per-file added/removed counts of a patch (a diffstat), in patch order.
pub fn diffstat(patch: &str) -> GitResult<Vec<(String, u64, u64)>> {
    if patch.trim().is_empty() {
        return Ok(Vec::new());
    }
    let diff = Diff::from_buffer(patch.as_bytes())?;
    let mut out = Vec::new();
    for i in 0..diff.deltas().len() {
        if let Some(p) = git2::Patch::from_diff(&diff, i)? {
            let (_, added, removed) = p.line_stats()?;
            let delta = p.delta();
            let path = delta
                .new_file()
                .path()
                .or_else(|| delta.old_file().path())
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            out.push((path, added as u64, removed as u64));
        }
    }
    Ok(out)
}

/// One file as a patch leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchedFile {
    /// Path relative to the repository root.
    pub path: String,
    /// The contents after the patch; `None` when the patch deletes the file.
    pub contents: Option<Vec<u8>>,
}

/// The files `patch` changes, with their contents once it is applied to `base_commit`, so a
/// new copy of the base can be brought to the same state file by file. Symbolic links are
/// left out. Nothing but blobs is written to the repository's object database.
pub fn patched_files(repo: &Repository, base_commit: &str, patch: &str) -> GitResult<Vec<PatchedFile>> {
    if patch.trim().is_empty() {
        return Ok(Vec::new());
    }
    let base = repo.find_commit(Oid::from_str(base_commit)?)?;
    let base_tree = base.tree()?;
    let diff = Diff::from_buffer(patch.as_bytes())
        .map_err(|e| GitError::PatchDoesNotApply(e.message().to_string()))?;
    let mut index = repo
        .apply_to_tree(&base_tree, &diff, None)
        .map_err(|e| GitError::PatchDoesNotApply(e.message().to_string()))?;
    let tree = repo.find_tree(index.write_tree_to(repo)?)?;
    let mut out = Vec::new();
    let text = |p: &Path| p.to_string_lossy().replace('\\', "/");
    for delta in diff.deltas() {
        let old = delta.old_file().path();
        let new = delta.new_file().path();
        if delta.status() == git2::Delta::Deleted {
            if let Some(old) = old {
                out.push(PatchedFile { path: text(old), contents: None });
            }
            continue;
        }
        if let (Some(old), Some(new)) = (old, new) {
            if old != new {
                out.push(PatchedFile { path: text(old), contents: None });
            }
        }
        let Some(new) = new else { continue };
        let entry = tree.get_path(new)?;
        if entry.filemode() == 0o120000 {
            continue;
        }
        let blob = repo.find_blob(entry.id())?;
        out.push(PatchedFile { path: text(new), contents: Some(blob.content().to_vec()) });
    }
    Ok(out)
}

/// Checks that a patch applies to the base commit without writing anything.
pub fn check_patch(repo: &Repository, base_commit: &str, patch: &str) -> GitResult<()> {
    let base = repo.find_commit(Oid::from_str(base_commit)?)?;
    let diff = Diff::from_buffer(patch.as_bytes())
        .map_err(|e| GitError::PatchDoesNotApply(e.message().to_string()))?;
    let mut opts = git2::ApplyOptions::new();
    opts.check(true);
    repo.apply_to_tree(&base.tree()?, &diff, Some(&mut opts))
        .map_err(|e| GitError::PatchDoesNotApply(e.message().to_string()))?;
    Ok(())
}

fn signature(repo: &Repository, time: i64) -> GitResult<Signature<'static>> {
    identity(&repo.config()?, time)
}

/// The author identity in a git configuration (`user.name`, `user.email`).
fn identity(config: &git2::Config, time: i64) -> GitResult<Signature<'static>> {
    let name = config.get_string("user.name").ok().filter(|s| !s.trim().is_empty());
    let email = config.get_string("user.email").ok().filter(|s| !s.trim().is_empty());
    match (name, email) {
        (Some(name), Some(email)) => Ok(Signature::new(&name, &email, &Time::new(time, 0))?),
        _ => Err(GitError::NoIdentity),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn repo() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("repo");
        std::fs::create_dir_all(path.join("src")).unwrap();
        git(&path, &["init", "-q", "-b", "main"]);
        git(&path, &["config", "user.name", "Ada Lovelace"]);
        git(&path, &["config", "user.email", "ada@example.com"]);
        std::fs::write(path.join("README.md"), "# demo\n").unwrap();
        std::fs::write(path.join("src/lib.rs"), "pub fn one() -> u32 {\n    1\n}\n").unwrap();
        git(&path, &["add", "."]);
        git(&path, &["commit", "-q", "-m", "initial"]);
        (dir, path)
    }

    /// A patch made in a separate clone, the way a sandbox produces it.
    fn patch_from_clone(repo: &Path, edit: impl FnOnce(&Path)) -> String {
        let copy = repo.parent().unwrap().join("copy");
        let _ = std::fs::remove_dir_all(&copy);
        git(repo.parent().unwrap(), &["clone", "-q", repo.to_str().unwrap(), "copy"]);
        edit(&copy);
        git(&copy, &["add", "-A"]);
        git(&copy, &["diff", "--cached", "--binary", "HEAD"])
    }

    fn edit(copy: &Path) {
        std::fs::write(
            copy.join("src/lib.rs"),
            "pub fn one() -> u32 {\n    1\n}\n\npub fn two() -> u32 {\n    2\n}\n",
        )
        .unwrap();
        std::fs::write(copy.join("src/new.rs"), "// new\n").unwrap();
        std::fs::remove_file(copy.join("README.md")).unwrap();
    }

    #[test]
    fn commits_on_a_new_branch_and_leaves_the_user_alone() {
        let (_d, path) = repo();
        // The user is busy: a staged change and an unstaged one on another branch.
        git(&path, &["checkout", "-q", "-b", "feature"]);
        std::fs::write(path.join("README.md"), "# demo\nstaged\n").unwrap();
        git(&path, &["add", "README.md"]);
        std::fs::write(path.join("src/lib.rs"), "dirty\n").unwrap();
        let status_before = git(&path, &["status", "--porcelain"]);
        let head_before = git(&path, &["rev-parse", "HEAD"]);
        let index_before = std::fs::read(path.join(".git/index")).unwrap();

        let patch = patch_from_clone(&path, edit);
        let r = open(&path).unwrap();
        let (base, branch) = resolve_base(&r, Some("main")).unwrap();
        assert_eq!(branch.as_deref(), Some("main"));
        let job = "0193c1e2-7b4a-7c3d-9e8f-0123456789ab";
        let name = branch_name(job, "Add a `two()` function!");
        assert_eq!(name, "vibe/0193c1e2-add-a-two-function");
        let req = CommitRequest {
            job_id: job,
            base_commit: &base,
            patch: &patch,
            branch: &name,
            message: "Add two()\n\nAdds the function two.",
            time: 1_773_500_966,
        };
        let done = commit_patch(&r, &req).unwrap();
        assert_eq!(done.branch, name);
        assert_eq!((done.files_changed, done.lines_added, done.lines_removed), (3, 5, 1));

        assert_eq!(git(&path, &["rev-parse", "HEAD"]), head_before);
        assert_eq!(git(&path, &["symbolic-ref", "HEAD"]).trim(), "refs/heads/feature");
        assert_eq!(git(&path, &["status", "--porcelain"]), status_before);
        assert_eq!(std::fs::read(path.join(".git/index")).unwrap(), index_before);
        assert_eq!(std::fs::read_to_string(path.join("src/lib.rs")).unwrap(), "dirty\n");

        let log = git(&path, &["log", "-1", "--format=%an <%ae>%n%P%n%B", &name]);
        assert!(log.starts_with("Ada Lovelace <ada@example.com>\n"), "{log}");
        assert!(log.contains(&base), "{log}");
        assert!(log.contains("Add two()\n\nAdds the function two.\n\nVibe-Job: 0193c1e2-7b4a"), "{log}");
        let files = git(&path, &["show", "--name-status", "--format=", &name]);
        assert_eq!(files, "D\tREADME.md\nM\tsrc/lib.rs\nA\tsrc/new.rs\n");
        let lib = git(&path, &["show", &format!("{name}:src/lib.rs")]);
        assert!(lib.contains("pub fn two()"));
    }

    #[test]
    fn patched_files_are_the_contents_after_the_patch_and_the_deletions() {
        let (_d, path) = repo();
        let patch = patch_from_clone(&path, edit);
        let r = open(&path).unwrap();
        let (base, _) = resolve_base(&r, None).unwrap();
        let mut files = patched_files(&r, &base, &patch).unwrap();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let shown: Vec<(&str, Option<String>)> = files
            .iter()
            .map(|f| (f.path.as_str(), f.contents.as_ref().map(|c| String::from_utf8_lossy(c).into_owned())))
            .collect();
        assert_eq!(
            shown,
            [
                ("README.md", None),
                (
                    "src/lib.rs",
                    Some("pub fn one() -> u32 {\n    1\n}\n\npub fn two() -> u32 {\n    2\n}\n".into())
                ),
                ("src/new.rs", Some("// new\n".into())),
            ]
        );
        assert!(patched_files(&r, &base, "").unwrap().is_empty());
        assert!(matches!(patched_files(&r, &base, "not a patch"), Err(GitError::PatchDoesNotApply(_))));
    }

    #[test]
    fn same_job_again_reuses_its_branch_and_another_gets_a_suffix() {
        let (_d, path) = repo();
        let patch = patch_from_clone(&path, edit);
        let r = open(&path).unwrap();
        let (base, _) = resolve_base(&r, None).unwrap();
        let req = CommitRequest {
            job_id: "11111111-aaaa",
            base_commit: &base,
            patch: &patch,
            branch: "vibe/11111111-x",
            message: "X",
            time: 1_773_500_966,
        };
        let first = commit_patch(&r, &req).unwrap();
        let again = commit_patch(&r, &req).unwrap();
        assert_eq!(first, again);
        // Somebody else's branch of the same name.
        git(&path, &["branch", "vibe/22222222-y"]);
        let other = CommitRequest { job_id: "22222222-bbbb", branch: "vibe/22222222-y", ..req.clone() };
        let moved = commit_patch(&r, &other).unwrap();
        assert_eq!(moved.branch, "vibe/22222222-y-2");
        assert_eq!(git(&path, &["rev-parse", "vibe/22222222-y"]).trim(), base);
    }

    #[test]
    fn a_patch_that_does_not_apply_is_refused_and_nothing_is_written() {
        let (_d, path) = repo();
        let patch = patch_from_clone(&path, edit);
        // Move main on so the patch no longer applies to its tip.
        std::fs::write(path.join("src/lib.rs"), "changed\n").unwrap();
        git(&path, &["commit", "-qam", "other"]);
        let r = open(&path).unwrap();
        let (base, _) = resolve_base(&r, None).unwrap();
        assert!(matches!(check_patch(&r, &base, &patch), Err(GitError::PatchDoesNotApply(_))));
        let req = CommitRequest {
            job_id: "33333333",
            base_commit: &base,
            patch: &patch,
            branch: "vibe/33333333-z",
            message: "Z",
            time: 0,
        };
        assert!(matches!(commit_patch(&r, &req), Err(GitError::PatchDoesNotApply(_))));
        assert!(git(&path, &["branch", "--list", "vibe/*"]).is_empty());
    }

    #[test]
    fn dirty_trees_and_bases_and_missing_identity() {
        let (_d, path) = repo();
        let r = open(&path).unwrap();
        ensure_clean(&r, false).unwrap();
        std::fs::write(path.join("untracked.txt"), "x").unwrap();
        let err = ensure_clean(&r, false).unwrap_err();
        assert_eq!(err.to_string(), "the working tree has uncommitted changes (untracked.txt)");
        ensure_clean(&r, true).unwrap();
        assert!(matches!(resolve_base(&r, Some("nope")), Err(GitError::UnknownBase(_))));
        let empty = tempfile::tempdir().unwrap();
        git(empty.path(), &["init", "-q"]);
        assert!(matches!(resolve_base(&open(empty.path()).unwrap(), None), Err(GitError::NoCommits)));

        git(&path, &["config", "--unset", "user.name"]);
        git(&path, &["config", "--unset", "user.email"]);
        // Only the repository's own file: the machine's global identity stays out of the test.
        let local = git2::Config::open(&path.join(".git/config")).unwrap();
        assert!(matches!(identity(&local, 0), Err(GitError::NoIdentity)));
        git(&path, &["config", "user.name", "Ada"]);
        git(&path, &["config", "user.email", "ada@example.com"]);
        let local = git2::Config::open(&path.join(".git/config")).unwrap();
        assert_eq!(identity(&local, 0).unwrap().name(), Some("Ada"));
    }

    /// A repository with nested trees, a lone file in its directory, a script, a symbolic link,
    /// a binary file and many files no patch touches.
    fn nested_repo() -> (tempfile::TempDir, PathBuf) {
        let (dir, path) = repo();
        for d in ["a/b/c", "docs", "tools", "assets", "other/x/y"] {
            std::fs::create_dir_all(path.join(d)).unwrap();
        }
        std::fs::write(path.join("a/b/c/deep.rs"), "fn deep() {}\n").unwrap();
        std::fs::write(path.join("a/b/c/beside.rs"), "fn beside() {}\n").unwrap();
        std::fs::write(path.join("a/b/top.rs"), "fn top() {}\n").unwrap();
        std::fs::write(path.join("docs/only.md"), "# the only doc\n").unwrap();
        std::fs::write(path.join("tools/run.sh"), "#!/bin/sh\necho run\n").unwrap();
        std::fs::write(path.join("assets/logo.bin"), [0u8, 159, 146, 150, 255, 0, 1, 2]).unwrap();
        std::os::unix::fs::symlink("a/b/top.rs", path.join("top-link")).unwrap();
        for i in 0..40 {
            std::fs::write(path.join(format!("other/x/y/f{i}.txt")), format!("{i}\n")).unwrap();
            std::fs::write(path.join(format!("other/g{i}.txt")), format!("{i}\n")).unwrap();
        }
        git(&path, &["add", "-A"]);
        git(&path, &["commit", "-qm", "nested"]);
        (dir, path)
    }

    /// The tree libgit2 makes by applying the patch to the whole base tree in an index.
    fn whole_tree(repo: &Repository, base_tree: &Tree<'_>, patch: &str) -> Result<Oid, git2::Error> {
        let diff = Diff::from_buffer(patch.as_bytes())?;
        repo.apply_to_tree(base_tree, &diff, None)?.write_tree_to(repo)
    }

    /// Applies the patch `edit` makes to HEAD's tree both ways, asserts the trees are equal and
    /// returns the new one.
    fn same_tree_both_ways(path: &Path, edit: impl FnOnce(&Path)) -> (Repository, Oid) {
        let patch = patch_from_clone(path, edit);
        let r = open(path).unwrap();
        let new = {
            let base_tree = r.head().unwrap().peel_to_tree().unwrap();
            let diff = Diff::from_buffer(patch.as_bytes()).unwrap();
            let (new, stats) = apply_to_tree(&r, &base_tree, &diff).unwrap();
            assert_eq!(new, whole_tree(&r, &base_tree, &patch).unwrap(), "{patch}");
            assert_ne!(new, base_tree.id(), "{patch}");
            let whole =
                r.diff_tree_to_tree(Some(&base_tree), Some(&r.find_tree(new).unwrap()), None).unwrap();
            let whole = whole.stats().unwrap();
            // What a commit reports is what lies between the trees.
            let counts = |s: DiffStats| (s.files_changed(), s.insertions(), s.deletions());
            assert_eq!(counts(stats), counts(whole), "{patch}");
            new
        };
        (r, new)
    }

    fn ls_tree(path: &Path, tree: &str) -> String {
        git(path, &["ls-tree", "-r", "-t", tree])
    }

    #[test]
    fn a_patch_applied_to_only_what_it_touches_makes_the_same_tree_as_the_whole_tree() {
        let (_d, path) = nested_repo();
        let show = |r: &Repository, tree: Oid, file: &str| {
            let entry = r.find_tree(tree).unwrap().get_path(Path::new(file)).unwrap();
            (entry.filemode(), r.find_blob(entry.id()).unwrap().content().to_vec())
        };

        // A file deep in a nested tree.
        let (r, t) = same_tree_both_ways(&path, |c| {
            std::fs::write(c.join("a/b/c/deep.rs"), "fn deep() {}\nfn deeper() {}\n").unwrap()
        });
        assert_eq!(show(&r, t, "a/b/c/deep.rs"), (0o100644, b"fn deep() {}\nfn deeper() {}\n".to_vec()));

        // A new file in a new nested directory.
        let (r, t) = same_tree_both_ways(&path, |c| {
            std::fs::create_dir_all(c.join("new/nested")).unwrap();
            std::fs::write(c.join("new/nested/file.rs"), "fn new() {}\n").unwrap();
        });
        assert_eq!(show(&r, t, "new/nested/file.rs"), (0o100644, b"fn new() {}\n".to_vec()));

        // The last file of a directory: the directory goes with it; a file beside others: only it.
        let (r, t) = same_tree_both_ways(&path, |c| {
            std::fs::remove_file(c.join("docs/only.md")).unwrap();
            std::fs::remove_file(c.join("a/b/c/beside.rs")).unwrap();
        });
        let tree = r.find_tree(t).unwrap();
        assert!(tree.get_path(Path::new("docs")).is_err());
        assert!(tree.get_path(Path::new("a/b/c/beside.rs")).is_err());
        assert!(tree.get_path(Path::new("a/b/c/deep.rs")).is_ok());

        // A script made executable, its contents unchanged.
        let (r, t) = same_tree_both_ways(&path, |c| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(c.join("tools/run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
        });
        assert_eq!(show(&r, t, "tools/run.sh"), (0o100755, b"#!/bin/sh\necho run\n".to_vec()));

        // A new symbolic link and an existing one pointed elsewhere.
        let (r, t) = same_tree_both_ways(&path, |c| {
            std::os::unix::fs::symlink("tools/run.sh", c.join("tools/link")).unwrap();
            std::fs::remove_file(c.join("top-link")).unwrap();
            std::os::unix::fs::symlink("a/b/c/deep.rs", c.join("top-link")).unwrap();
        });
        assert_eq!(show(&r, t, "tools/link"), (0o120000, b"tools/run.sh".to_vec()));
        assert_eq!(show(&r, t, "top-link"), (0o120000, b"a/b/c/deep.rs".to_vec()));

        // Binary files, changed and new (`git diff --binary`).
        let (r, t) = same_tree_both_ways(&path, |c| {
            std::fs::write(c.join("assets/logo.bin"), [0u8, 1, 2, 3, 255, 254]).unwrap();
            std::fs::write(c.join("assets/new.bin"), [0u8; 300]).unwrap();
        });
        assert_eq!(show(&r, t, "assets/logo.bin"), (0o100644, vec![0u8, 1, 2, 3, 255, 254]));
        assert_eq!(show(&r, t, "assets/new.bin"), (0o100644, vec![0u8; 300]));

        // A symbolic link made a file, and a file made a symbolic link.
        let (r, t) = same_tree_both_ways(&path, |c| {
            std::fs::remove_file(c.join("top-link")).unwrap();
            std::fs::write(c.join("top-link"), "now a file\n").unwrap();
            std::fs::remove_file(c.join("a/b/c/beside.rs")).unwrap();
            std::os::unix::fs::symlink("deep.rs", c.join("a/b/c/beside.rs")).unwrap();
        });
        assert_eq!(show(&r, t, "top-link"), (0o100644, b"now a file\n".to_vec()));
        assert_eq!(show(&r, t, "a/b/c/beside.rs"), (0o120000, b"deep.rs".to_vec()));

        // A file replaced by a directory of the same name, and a directory by a file.
        let (r, t) = same_tree_both_ways(&path, |c| {
            std::fs::remove_file(c.join("a/b/top.rs")).unwrap();
            std::fs::create_dir(c.join("a/b/top.rs")).unwrap();
            std::fs::write(c.join("a/b/top.rs/inner.rs"), "fn inner() {}\n").unwrap();
            std::fs::remove_dir_all(c.join("docs")).unwrap();
            std::fs::write(c.join("docs"), "docs moved\n").unwrap();
        });
        assert_eq!(show(&r, t, "a/b/top.rs/inner.rs"), (0o100644, b"fn inner() {}\n".to_vec()));
        assert_eq!(show(&r, t, "docs"), (0o100644, b"docs moved\n".to_vec()));

        // A file moved to a new directory: a rename in the patch.
        let (r, t) = same_tree_both_ways(&path, |c| {
            std::fs::create_dir_all(c.join("moved")).unwrap();
            std::fs::rename(c.join("a/b/top.rs"), c.join("moved/top.rs")).unwrap();
        });
        assert_eq!(show(&r, t, "moved/top.rs"), (0o100644, b"fn top() {}\n".to_vec()));

        // Everything at once.
        same_tree_both_ways(&path, |c| {
            edit(c);
            std::fs::write(c.join("a/b/c/deep.rs"), "changed\n").unwrap();
            std::fs::remove_file(c.join("docs/only.md")).unwrap();
            std::fs::write(c.join("assets/logo.bin"), [7u8; 64]).unwrap();
            std::os::unix::fs::symlink("README.md", c.join("a/b/c/link")).unwrap();
        });
    }

    #[test]
    fn the_base_entries_a_patch_does_not_touch_are_all_kept() {
        let (_d, path) = nested_repo();
        let (_r, t) = same_tree_both_ways(&path, |c| {
            std::fs::write(c.join("other/x/y/f7.txt"), "seven\n").unwrap();
            std::fs::remove_file(c.join("a/b/c/deep.rs")).unwrap();
            std::fs::write(c.join("other/x/added.txt"), "added\n").unwrap();
        });
        let touched = ["other/x/y/f7.txt", "a/b/c/deep.rs", "other/x/added.txt"];
        // Trees change along the touched paths; every other entry is the base's, unchanged.
        let untouched = |listing: String| -> Vec<String> {
            listing
                .lines()
                .filter(|l| l.contains(" blob ") || l.contains(" commit "))
                .filter(|l| !touched.iter().any(|p| l.ends_with(&format!("\t{p}"))))
                .map(str::to_string)
                .collect()
        };
        let before = untouched(ls_tree(&path, "HEAD"));
        assert_eq!(before.len(), 87);
        assert_eq!(untouched(ls_tree(&path, &t.to_string())), before);
        let after = ls_tree(&path, &t.to_string());
        assert!(after.contains("\tother/x/added.txt\n") && !after.contains("\ta/b/c/deep.rs\n"), "{after}");
    }

    #[test]
    fn a_patch_is_refused_or_applied_as_on_the_whole_tree_when_the_base_moved() {
        let (_d, path) = nested_repo();
        let patch = patch_from_clone(&path, |c| {
            std::fs::write(c.join("a/b/c/deep.rs"), "fn deep() {}\nfn more() {}\n").unwrap();
            std::fs::write(c.join("docs/new.md"), "new\n").unwrap();
        });
        let r = open(&path).unwrap();
        let diff = Diff::from_buffer(patch.as_bytes()).unwrap();
        // The base moved on under the patch: the deep file changed.
        std::fs::write(path.join("a/b/c/deep.rs"), "fn other() {}\n").unwrap();
        git(&path, &["commit", "-qam", "deep changed"]);
        let moved = r.head().unwrap().peel_to_tree().unwrap();
        assert!(matches!(apply_to_tree(&r, &moved, &diff), Err(GitError::PatchDoesNotApply(_))));
        assert!(whole_tree(&r, &moved, &patch).is_err());
        git(&path, &["revert", "--no-edit", "HEAD"]);
        std::fs::write(path.join("docs/new.md"), "already here\n").unwrap();
        git(&path, &["add", "-A"]);
        git(&path, &["commit", "-qm", "new doc"]);
        // libgit2 applies the new file's lines onto the file already there: the same both ways.
        let taken = r.head().unwrap().peel_to_tree().unwrap();
        let tree = apply_to_tree(&r, &taken, &diff).map(|(tree, _)| tree);
        assert_eq!(tree.ok(), whole_tree(&r, &taken, &patch).ok());
    }

    #[test]
    fn slugs_and_stats() {
        assert_eq!(slug("Fix: the   login_route (v2)!", 40), "fix-the-login-route-v2");
        assert_eq!(slug("a very long title that keeps going on and on and on", 20), "a-very-long-title");
        assert_eq!(slug("ünïcode only", 10), "n-code");
        assert_eq!(branch_name("abcdef0123", "!!!"), "vibe/abcdef01");
        let (_d, path) = repo();
        let patch = patch_from_clone(&path, edit);
        assert_eq!(patch_stats(&patch).unwrap(), (3, 5, 1));
        let ds = diffstat(&patch).unwrap();
        assert_eq!(ds[0], ("README.md".to_string(), 0, 1));
        assert_eq!(patch_stats("").unwrap(), (0, 0, 0));
    }
}
