//! The throw-away copy: a fresh repository with its own `.git` whose object store borrows the
//! user's objects through `objects/info/alternates` (read-only for the copy), checked out at
//! the base commit — nothing of the user's repository is written. Also the diff of the copy
//! against its base.
//!
//! Beside the copy (outside what the sandbox mounts) lives a bare repository of vibe's own,
//! `base.git`: it borrows the same objects, has vibe's configuration only, and keeps the index
//! of the base checkout with the stat data of every file as it was written. The diff reads the
//! copy's files through it, never through the copy's `.git`, which sandboxed commands may have
//! rewritten, and re-reads only files whose stat data changed: a write always moves a file's
//! ctime, which no command can set back.
//!
//! A copy is made new ([`create`]) or from the copy a finished job left ([`recycle`]).

use std::path::{Path, PathBuf};

use git2::{Delta, DiffFormat, DiffOptions, Repository, RepositoryOpenFlags, Status, StatusOptions};

use super::{ChangeKind, Diff, FileChange, SandboxError};

/// What the copy was made from.
#[derive(Debug, Clone)]
pub struct CopyInfo {
    /// Full hex id of the base commit.
    pub base_commit: String,
    /// The user's object directory the copy borrows from (mounted read-only in the sandbox).
    pub objects_dir: PathBuf,
}

/// What to do with uncommitted changes in the user's work tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dirty {
    /// Refuse to make the copy when there are any.
    Refuse,
    /// Copy them over the base commit.
    Include,
    /// Do not look: the caller has checked the tree is clean (the copy is of the base
    /// commit either way).
    Unchecked,
}

/// The user's side of a copy: the commit, its object store and the uncommitted changes to
/// bring along.
#[derive(Debug)]
pub struct Source {
    user_workdir: PathBuf,
    base_commit: String,
    objects_dir: PathBuf,
    changes: Vec<(String, bool)>,
}

impl Source {
    /// Reads `repo` at `base` (`HEAD` when `None`); refuses a dirty tree when asked to.
    pub fn read(repo: &Path, base: Option<&str>, dirty: Dirty) -> Result<Self, SandboxError> {
        let user = Repository::open_ext(
            repo,
            RepositoryOpenFlags::NO_SEARCH,
            std::iter::empty::<&std::ffi::OsStr>(),
        )
        .map_err(|e| {
            SandboxError::Git(format!("{} is not a git repository ({})", repo.display(), e.message()))
        })?;
        let user_workdir = user
            .workdir()
            .ok_or_else(|| {
                SandboxError::Git(format!("{} is a bare repository; run vibe in a work tree", repo.display()))
            })?
            .to_path_buf();
        let revision = base.unwrap_or("HEAD");
        let commit = user.revparse_single(revision).and_then(|o| o.peel_to_commit()).map_err(|e| {
            SandboxError::Git(format!("cannot resolve `{revision}` to a commit: {}", e.message()))
        })?;
        let changes = if dirty == Dirty::Unchecked { Vec::new() } else { dirty_paths(&user)? };
        if !changes.is_empty() && dirty == Dirty::Refuse {
            return Err(SandboxError::DirtyTree { paths: changes.iter().map(|(p, _)| p.clone()).collect() });
        }
        let objects_dir = std::fs::canonicalize(user.commondir().join("objects"))
            .map_err(|e| SandboxError::io("locating the repository's object store", e))?;
        Ok(Self { user_workdir, base_commit: commit.id().to_string(), objects_dir, changes })
    }

    /// Gives the checked-out `work` its own `.git` at the base commit, with the trusted index,
    /// and copies the uncommitted changes in.
    fn finish(&self, work: &Path, trusted: &Path) -> Result<CopyInfo, SandboxError> {
        {
            let copy = Repository::init(work)?;
            link_objects(copy.path(), &self.objects_dir)?;
        }
        // Reopen so the object database sees the alternates.
        let copy = Repository::open(work)?;
        copy.set_head_detached(git2::Oid::from_str(&self.base_commit)?)?;
        // The copy's own index starts as the trusted one, so `git status` in the sandbox is fast.
        std::fs::copy(trusted.join("index"), copy.path().join("index"))
            .map_err(|e| SandboxError::io("writing the copy's index", e))?;
        for (path, deleted) in &self.changes {
            import_dirty(&self.user_workdir, work, path, *deleted)?;
        }
        Ok(CopyInfo { base_commit: self.base_commit.clone(), objects_dir: self.objects_dir.clone() })
    }
}

/// Creates the copy of `source` in `work` (which must not exist or be empty) and vibe's
/// trusted repository for it at `trusted` (see the module documentation).
pub fn create(source: &Source, work: &Path, trusted: &Path) -> Result<CopyInfo, SandboxError> {
    std::fs::create_dir_all(work).map_err(|e| SandboxError::io(format!("creating {}", work.display()), e))?;
    init_trusted(trusted, &source.objects_dir)?;
    git(trusted, work, &["read-tree", &source.base_commit])?;
    git(trusted, work, &["checkout-index", "--index", "--all", "--force", "--quiet"])?;
    source.finish(work, trusted)
}

/// Turns the copy an earlier job of the same repository left (`work` with its `trusted`
/// repository) into a fresh copy of `source`, writing only what differs: a 20,000-file
/// checkout costs a fraction of a second to several seconds of disk writes, this costs a walk.
///
/// The earlier job's commands are as untrusted as any: the copy's `.git` is made anew, every
/// symbolic link is removed before git looks at the tree (so nothing is read or written
/// through one), tracked files whose stat data changed are written again from the object
/// store, and every untracked or ignored file goes. Fails (and the caller makes a new copy)
/// when the tree cannot be brought back.
pub fn recycle(source: &Source, work: &Path, trusted: &Path) -> Result<CopyInfo, SandboxError> {
    let io = |e| SandboxError::io("cleaning a reused copy", e);
    match std::fs::symlink_metadata(work.join(".git")) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(work.join(".git")).map_err(io)?,
        Ok(_) => std::fs::remove_file(work.join(".git")).map_err(io)?,
        Err(_) => {}
    }
    remove_symlinks(work).map_err(io)?;
    remove_changed(work, trusted)?;
    // The object store may have moved with the repository.
    link_objects(trusted, &source.objects_dir)?;
    // Untracked files go first: a planted `.gitattributes` must not steer the checkout.
    git(trusted, work, &["clean", "-ffdxq"])?;
    git(trusted, work, &["read-tree", "--reset", "-u", &source.base_commit])?;
    source.finish(work, trusted)
}

/// Removes every symbolic link under `dir` (tracked ones come back from the object store),
/// without following any, and opens up directories a command locked.
fn remove_symlinks(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // A list, not recursion: a command may have nested directories as deep as paths go.
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_symlink() {
                std::fs::remove_file(entry.path())?;
            } else if kind.is_dir() {
                let path = entry.path();
                if std::fs::symlink_metadata(&path)?.permissions().mode() & 0o700 != 0o700 {
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
                }
                pending.push(path);
            }
        }
    }
    Ok(())
}

/// Removes every tracked file whose stat data differs from the trusted index in any way (a
/// write, a `chmod`, a replaced inode), so git writes it again exactly as checked out.
fn remove_changed(work: &Path, trusted: &Path) -> Result<(), SandboxError> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let index = git2::Index::open(&trusted.join("index"))?;
    for entry in index.iter() {
        let path = work.join(std::ffi::OsStr::from_bytes(&entry.path));
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        let same = meta.is_file()
            && meta.ctime() as u32 == entry.ctime.seconds() as u32
            && meta.ctime_nsec() as u32 == entry.ctime.nanoseconds()
            && meta.ino() as u32 == entry.ino
            && meta.size() as u32 == entry.file_size
            && meta.mode() == entry.mode;
        if !same {
            let removed =
                if meta.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            removed.map_err(|e| SandboxError::io("cleaning a reused copy", e))?;
        }
    }
    Ok(())
}

/// Makes vibe's bare repository at `trusted`, borrowing the user's objects.
fn init_trusted(trusted: &Path, objects_dir: &Path) -> Result<(), SandboxError> {
    let repo = Repository::init_bare(trusted)?;
    link_objects(repo.path(), objects_dir)
}

/// Points a repository's object store at `objects_dir` through `objects/info/alternates`.
fn link_objects(git_dir: &Path, objects_dir: &Path) -> Result<(), SandboxError> {
    let info = git_dir.join("objects/info");
    std::fs::create_dir_all(&info).map_err(|e| SandboxError::io("preparing an object store", e))?;
    std::fs::write(info.join("alternates"), format!("{}\n", objects_dir.display()))
        .map_err(|e| SandboxError::io("linking an object store", e))
}

/// Runs git on the copy `work` with vibe's repository `trusted` (never the copy's `.git`).
///
/// git's own `read-tree` + `checkout-index` (parallel where git supports it) is several times
/// faster than libgit2's checkout on large trees (20,000 files: about 2 s against 15 s). Hooks
/// and fsmonitor are switched off.
fn git(trusted: &Path, work: &Path, args: &[&str]) -> Result<(), SandboxError> {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new("git");
    // SAFETY: prctl is async-signal-safe. The calling thread waits for git, so git dies only
    // when vibe does: a copy nobody will use is not written on.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
            Ok(())
        });
    }
    let out = cmd
        .arg("--git-dir")
        .arg(trusted)
        .arg("--work-tree")
        .arg(work)
        .args(["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "checkout.workers=0"])
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| SandboxError::io("running git to check out the copy (is git installed?)", e))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(SandboxError::Git(format!(
            "git {} failed in the copy: {}",
            args.first().copied().unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Changed, added (untracked, not ignored) and deleted paths of the user's work tree, with
/// whether each one is gone. Reads only; the user's index is not refreshed or written.
fn dirty_paths(repo: &Repository) -> Result<Vec<(String, bool)>, SandboxError> {
    let mut options = StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .exclude_submodules(true)
        .include_ignored(false);
    let statuses = repo.statuses(Some(&mut options))?;
    let mut out = Vec::new();
    for entry in statuses.iter() {
        let status = entry.status();
        if status.is_empty() || status.contains(Status::IGNORED) {
            continue;
        }
        let Some(path) = entry.path() else { continue };
        let deleted = status.intersects(Status::WT_DELETED | Status::INDEX_DELETED);
        out.push((path.to_string(), deleted));
    }
    Ok(out)
}

fn import_dirty(from_root: &Path, to_root: &Path, rel: &str, deleted: bool) -> Result<(), SandboxError> {
    let from = from_root.join(rel);
    let to = to_root.join(rel);
    let io = |e| SandboxError::io(format!("copying uncommitted change {rel}"), e);
    let meta = std::fs::symlink_metadata(&from);
    if deleted && meta.is_err() {
        if std::fs::symlink_metadata(&to).is_ok() {
            std::fs::remove_file(&to).map_err(io)?;
        }
        return Ok(());
    }
    let meta = meta.map_err(io)?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    if std::fs::symlink_metadata(&to).is_ok() {
        std::fs::remove_file(&to).map_err(io)?;
    }
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(&from).map_err(io)?;
        std::os::unix::fs::symlink(target, &to).map_err(io)?;
    } else if meta.is_file() {
        std::fs::copy(&from, &to).map_err(io)?;
    }
    Ok(())
}

/// The copy's changes against `base_commit`, read through vibe's repository at `trusted`:
/// nothing of the copy's `.git` (configuration, index, object links) is used, and libgit2 runs
/// no hooks, external diff drivers or filter commands. Files whose stat data still matches the
/// base checkout are not read. A copy made without `trusted` (by an older vibe) gets it here,
/// and every file is compared.
pub fn diff(
    work: &Path,
    trusted: &Path,
    base_commit: &str,
    objects_dir: &Path,
) -> Result<Diff, SandboxError> {
    if !trusted.join("HEAD").is_file() {
        init_trusted(trusted, objects_dir)?;
    }
    let repo = Repository::open_ext(
        trusted,
        RepositoryOpenFlags::NO_SEARCH | RepositoryOpenFlags::BARE,
        std::iter::empty::<&std::ffi::OsStr>(),
    )?;
    repo.set_workdir(work, false)?;
    let oid = git2::Oid::from_str(base_commit)?;
    let tree = repo.find_commit(oid)?.tree()?;
    let mut index = base_index(trusted, &tree)?;
    repo.set_index(&mut index)?;

    let mut options = DiffOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .show_untracked_content(true)
        .show_binary(true)
        .include_typechange(true)
        .ignore_submodules(true);
    let diff = repo.diff_tree_to_workdir_with_index(Some(&tree), Some(&mut options))?;

    let mut patch = Vec::new();
    diff.print(DiffFormat::Patch, |_delta, _hunk, line| {
        if matches!(line.origin(), '+' | '-' | ' ') {
            patch.push(line.origin() as u8);
        }
        patch.extend_from_slice(line.content());
        true
    })?;

    let mut files = Vec::new();
    let (mut additions, mut deletions) = (0u64, 0u64);
    for i in 0..diff.deltas().len() {
        let Some(delta) = diff.get_delta(i) else { continue };
        let kind = match delta.status() {
            Delta::Added | Delta::Untracked => ChangeKind::Added,
            Delta::Deleted => ChangeKind::Deleted,
            Delta::Typechange => ChangeKind::TypeChanged,
            Delta::Unmodified | Delta::Ignored => continue,
            _ => ChangeKind::Modified,
        };
        let path = delta
            .new_file()
            .path()
            .or_else(|| delta.old_file().path())
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (mut add, mut del) = (0u64, 0u64);
        if let Some(p) = git2::Patch::from_diff(&diff, i)? {
            let (_, a, d) = p.line_stats()?;
            add = a as u64;
            del = d as u64;
        }
        additions += add;
        deletions += del;
        files.push(FileChange {
            path,
            kind,
            additions: add,
            deletions: del,
            binary: delta.flags().is_binary(),
        });
    }
    Ok(Diff {
        base_commit: base_commit.to_string(),
        patch: String::from_utf8_lossy(&patch).into_owned(),
        files,
        additions,
        deletions,
    })
}

/// The index of the base checkout, in memory. An index read from a file treats entries as
/// new as the file itself as racily clean and re-reads them; a checkout writes every file
/// within the same moment as its index, so the entries are moved to an index that has no
/// file. Flags that would let an entry skip the comparison are cleared.
fn base_index(trusted: &Path, tree: &git2::Tree<'_>) -> Result<git2::Index, SandboxError> {
    let mut index = git2::Index::new()?;
    let saved = trusted.join("index");
    if !saved.is_file() {
        index.read_tree(tree)?;
        return Ok(index);
    }
    let checked_out = git2::Index::open(&saved)?;
    for mut entry in checked_out.iter() {
        entry.flags &= !(git2::IndexEntryFlag::VALID.bits());
        entry.flags_extended &= !(git2::IndexEntryExtendedFlag::SKIP_WORKTREE.bits()
            | git2::IndexEntryExtendedFlag::INTENT_TO_ADD.bits());
        index.add(&entry)?;
    }
    Ok(index)
}
