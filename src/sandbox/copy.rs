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

use super::{walk, ChangeKind, Diff, FileChange, SandboxError};

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
    index_path: PathBuf,
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
        let index_path = user.path().join("index");
        Ok(Self { user_workdir, index_path, base_commit: commit.id().to_string(), objects_dir, changes })
    }

    /// About how many bytes a checkout of the base takes on a filesystem that gives each file
    /// whole 4 KiB pages (a tmpfs), from the user's index; `u64::MAX` when there is none.
    pub fn checkout_bytes(&self) -> u64 {
        const PAGE: u64 = 4096;
        // Inode and directory entry of each file.
        const PER_FILE: u64 = 1024;
        let Ok(index) = git2::Index::open(&self.index_path) else { return u64::MAX };
        index.iter().map(|e| u64::from(e.file_size).div_ceil(PAGE) * PAGE + PER_FILE).sum()
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
        Ok(m) if m.is_dir() => walk::remove_tree(&work.join(".git")).map_err(io)?,
        Ok(_) => std::fs::remove_file(work.join(".git")).map_err(io)?,
        Err(_) => {}
    }
    let (before, kept) = clean(work, trusted)?;
    // The object store may have moved with the repository.
    link_objects(trusted, &source.objects_dir)?;
    // The index moves to the new base; entries that stay keep their stat data, new and
    // changed ones have none.
    git(trusted, work, &["read-tree", "--reset", &source.base_commit])?;
    let after = git2::Index::open(&trusted.join("index"))?;
    // Written again: what the walk did not keep, and what the new base changed.
    let kept: std::collections::HashSet<&[u8]> =
        before.iter().zip(&kept).filter(|(_, k)| **k).map(|(p, _)| p.as_slice()).collect();
    let mut now: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::with_capacity(after.len());
    let mut write: Vec<Vec<u8>> = Vec::new();
    for entry in after.iter() {
        let unwritten = entry.ino == 0 && entry.ctime.seconds() == 0 && entry.mtime.seconds() == 0;
        if unwritten || !kept.contains(entry.path.as_slice()) {
            write.push(entry.path.clone());
        }
        now.insert(entry.path);
    }
    // Files of the old base that the new one does not have, and the directories they leave empty.
    for gone in before.iter().filter(|p| !now.contains(*p)) {
        remove_with_empty_parents(work, gone).map_err(|e| SandboxError::io("cleaning a reused copy", e))?;
    }
    if !write.is_empty() {
        let mut list = Vec::new();
        for path in &write {
            list.extend_from_slice(path);
            list.push(0);
        }
        git_with_input(trusted, work, &["checkout-index", "--force", "-u", "-z", "--stdin"], &list)?;
    }
    source.finish(work, trusted)
}

/// Removes the file `rel` of the copy `work` if it is there, then each parent directory it
/// leaves empty.
fn remove_with_empty_parents(work: &Path, rel: &[u8]) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let path = work.join(std::ffi::OsStr::from_bytes(rel));
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| *d != work) {
        if std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}

/// Brings a used copy back to the files of its base checkout in one walk, removing every
/// symbolic link, every file or directory the checkout did not write (untracked, ignored,
/// nested repositories) and every tracked file whose stat data differs from the trusted index
/// in any way (a write, a `chmod`, a replaced inode); git then writes the tracked ones again
/// exactly as checked out. Links are never followed, and directories a command locked are
/// opened up.
/// Returns the paths of the trusted index, and for each whether its file was kept.
fn clean(work: &Path, trusted: &Path) -> Result<(Vec<Vec<u8>>, Vec<bool>), SandboxError> {
    use std::os::unix::fs::PermissionsExt;
    let open_up = |path: &Path, meta: &std::fs::Metadata| {
        if meta.permissions().mode() & 0o700 != 0o700 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
        }
        Ok::<_, std::io::Error>(())
    };
    let io = |e| SandboxError::io("cleaning a reused copy", e);
    open_up(work, &std::fs::symlink_metadata(work).map_err(io)?).map_err(io)?;
    let index = git2::Index::open(&trusted.join("index"))?;
    let entries: Vec<git2::IndexEntry> = index.iter().collect();
    let base = walk::Base::new(&entries);
    let visit = |full: &Path, dir: &[u8], subdirs: &mut Vec<Vec<u8>>, kept: &mut Vec<usize>| {
        for item in std::fs::read_dir(full)? {
            let item = item?;
            let rel = walk::join(dir, &item.file_name());
            let (kind, path) = (item.file_type()?, item.path());
            let tracked = base.get(&rel);
            if kind.is_dir() {
                if tracked.is_some_and(|(_, e)| e.mode == GITLINK_MODE) {
                    continue;
                }
                if base.dirs.contains(rel.as_slice()) {
                    open_up(&path, &item.metadata()?)?;
                    subdirs.push(rel);
                } else {
                    walk::remove_tree(&path)?;
                }
                continue;
            }
            let keep = if kind.is_symlink() {
                None
            } else {
                tracked.filter(|(_, entry)| item.metadata().is_ok_and(|m| same_stat(&m, entry)))
            };
            match keep {
                Some((i, _)) => kept.push(i),
                None => std::fs::remove_file(&path)?,
            }
        }
        Ok(())
    };
    let found = walk::directories(work, walk::threads(), Vec::new, visit).map_err(io)?;
    let mut kept = vec![false; entries.len()];
    for i in found.into_iter().flatten() {
        kept[i] = true;
    }
    Ok((entries.iter().map(|e| e.path.clone()).collect(), kept))
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
/// faster than libgit2's checkout on large trees (20,000 files: about 2 s against 15 s).
fn git(trusted: &Path, work: &Path, args: &[&str]) -> Result<(), SandboxError> {
    git_with_input(trusted, work, args, &[])
}

/// [`git`], with `input` on its standard input.
fn git_with_input(trusted: &Path, work: &Path, args: &[&str], input: &[u8]) -> Result<(), SandboxError> {
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let mut cmd = std::process::Command::new("git");
    // Hooks and fsmonitor off, none of the caller's `GIT_*` locations inherited.
    cmd.arg("--git-dir")
        .arg(trusted)
        .arg("--work-tree")
        .arg(work)
        .args(["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "checkout.workers=0"])
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES");
    // SAFETY: prctl is async-signal-safe. The calling thread waits for git, so git dies only
    // when vibe does: a copy nobody will use is not written on.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
            Ok(())
        });
    }
    let stdin = if input.is_empty() { Stdio::null() } else { Stdio::piped() };
    let running = |e| SandboxError::io("running git to check out the copy (is git installed?)", e);
    let mut child =
        cmd.args(args).stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(running)?;
    let out = std::thread::scope(|scope| {
        if let Some(mut pipe) = child.stdin.take() {
            // Written beside the reading of git's output, so neither side waits on the other.
            scope.spawn(move || pipe.write_all(input));
        }
        child.wait_with_output()
    })
    .map_err(running)?;
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
/// no hooks, external diff drivers or filter commands. Only files whose stat data no longer
/// matches the base checkout, new files and missing files are read: one walk of the copy's
/// directories finds them. A copy made without `trusted` (by an older vibe), or one the walk
/// cannot read whole, has every file compared.
pub fn diff(
    work: &Path,
    trusted: &Path,
    base_commit: &str,
    objects_dir: &Path,
) -> Result<Diff, SandboxError> {
    diff_with(work, trusted, base_commit, objects_dir, true)
}

/// [`diff`], with the walk that finds the changed paths first or without it (every file
/// compared against the base checkout's stat data).
fn diff_with(
    work: &Path,
    trusted: &Path,
    base_commit: &str,
    objects_dir: &Path,
    walk: bool,
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

    let saved = trusted.join("index");
    let candidates =
        if walk && saved.is_file() { changed_paths(&repo, work, &git2::Index::open(&saved)?) } else { None };
    let mut options = DiffOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .show_untracked_content(true)
        .show_binary(true)
        .include_typechange(true)
        .ignore_submodules(true);
    let diff = match candidates {
        Some(paths) if paths.is_empty() => return Ok(Diff::empty(base_commit)),
        Some(paths) => {
            // Exactly these paths: the walk compared everything else already.
            options.disable_pathspec_match(true);
            for path in paths {
                options.pathspec(path);
            }
            repo.diff_tree_to_workdir(Some(&tree), Some(&mut options))?
        }
        None => {
            let mut index = base_index(trusted, &tree)?;
            repo.set_index(&mut index)?;
            repo.diff_tree_to_workdir_with_index(Some(&tree), Some(&mut options))?
        }
    };
    summarize(&diff, base_commit)
}

/// The paths of the copy that may differ from the base checkout recorded in `index`: tracked
/// files whose stat data changed or that are gone, and the files of directories git does not
/// track (the ignored ones left out). `None` when part of the copy cannot be read.
fn changed_paths(repo: &Repository, work: &Path, index: &git2::Index) -> Option<Vec<Vec<u8>>> {
    use std::os::unix::ffi::OsStrExt;
    let entries: Vec<git2::IndexEntry> = index.iter().collect();
    let base = walk::Base::new(&entries);
    // Asked only about directories git does not track; a handle of its own for the threads.
    let ignores = std::sync::Mutex::new(Repository::open_bare(repo.path()).ok()?);
    ignores.lock().ok()?.set_workdir(work, false).ok()?;
    let ignored = |rel: &[u8]| {
        let repo = ignores.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        repo.is_path_ignored(Path::new(std::ffi::OsStr::from_bytes(rel))).unwrap_or(false)
    };
    // Per thread: the paths that may differ, and the places of the tracked paths met.
    type Found = (Vec<Vec<u8>>, Vec<usize>);
    let visit = |full: &Path, dir: &[u8], subdirs: &mut Vec<Vec<u8>>, (changed, met): &mut Found| {
        for item in std::fs::read_dir(full)? {
            let item = item?;
            let name = item.file_name();
            if name == ".git" {
                continue;
            }
            let mut rel = walk::join(dir, &name);
            let tracked = base.get(&rel);
            if item.file_type()?.is_dir() {
                if let Some((i, _)) = tracked.filter(|(_, e)| e.mode == GITLINK_MODE) {
                    met.push(i);
                    continue;
                }
                if base.dirs.contains(rel.as_slice()) {
                    subdirs.push(rel);
                } else if !ignored(&rel) {
                    // A new repository inside the copy is one entry, as git shows it.
                    if std::fs::symlink_metadata(item.path().join(".git")).is_ok() {
                        rel.push(b'/');
                        changed.push(rel);
                    } else {
                        subdirs.push(rel);
                    }
                }
                continue;
            }
            match tracked {
                Some((i, entry)) => {
                    met.push(i);
                    if !same_stat(&item.metadata()?, entry) {
                        changed.push(rel);
                    }
                }
                None => changed.push(rel),
            }
        }
        Ok(())
    };
    let found = walk::directories(work, walk::threads(), || (Vec::new(), Vec::new()), visit).ok()?;
    let mut changed = Vec::new();
    let mut met = vec![false; entries.len()];
    for (paths, seen) in found {
        changed.extend(paths);
        for i in seen {
            met[i] = true;
        }
    }
    // Tracked files the walk did not meet are gone (or became directories).
    changed.extend(
        entries
            .iter()
            .zip(met)
            .filter(|(e, met)| !met && e.mode != GITLINK_MODE)
            .map(|(e, _)| e.path.clone()),
    );
    changed.sort();
    changed.dedup();
    Some(changed)
}

/// The index mode of a submodule (its directory is not part of the diff).
const GITLINK_MODE: u32 = 0o160000;

/// Whether `meta` is the file the base checkout wrote: any write, `chmod` or replacement
/// moves one of these.
fn same_stat(meta: &std::fs::Metadata, entry: &git2::IndexEntry) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.is_file()
        && meta.ctime() as u32 == entry.ctime.seconds() as u32
        && meta.ctime_nsec() as u32 == entry.ctime.nanoseconds()
        && meta.ino() as u32 == entry.ino
        && meta.size() as u32 == entry.file_size
        && meta.mode() == entry.mode
}

/// The patch text, per-file counts and totals of a libgit2 diff.
fn summarize(diff: &git2::Diff<'_>, base_commit: &str) -> Result<Diff, SandboxError> {
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
        if let Some(p) = git2::Patch::from_diff(diff, i)? {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_git::git;
    use std::os::unix::fs::PermissionsExt;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A repository with nested directories, an ignore file, a symlink and a binary file, and
    /// a copy of it.
    fn copy_of_repo(tmp: &Path) -> (PathBuf, PathBuf, CopyInfo) {
        let repo = tmp.join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        write(&repo, ".gitignore", "*.log\ntarget/\n");
        for i in 0..30 {
            write(&repo, &format!("src/m{}/n{}/f{i}.rs", i % 3, i % 5), &format!("fn f{i}() {{}}\n"));
        }
        write(&repo, "docs/only/one.md", "one\n");
        write(&repo, "data.bin", "\0\x01binary\0");
        std::os::unix::fs::symlink("src", repo.join("link")).unwrap();
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "base"]);
        let source = Source::read(&repo, None, Dirty::Refuse).unwrap();
        let (work, trusted) = (tmp.join("work"), tmp.join("base.git"));
        let info = create(&source, &work, &trusted).unwrap();
        (work, trusted, info)
    }

    fn both(work: &Path, trusted: &Path, info: &CopyInfo) -> (Diff, Diff) {
        let fast = diff_with(work, trusted, &info.base_commit, &info.objects_dir, true).unwrap();
        let full = diff_with(work, trusted, &info.base_commit, &info.objects_dir, false).unwrap();
        (fast, full)
    }

    fn paths(diff: &Diff) -> Vec<(String, ChangeKind)> {
        diff.files.iter().map(|f| (f.path.clone(), f.kind)).collect()
    }

    #[test]
    fn the_walk_finds_what_comparing_every_file_finds() {
        let tmp = tempfile::tempdir().unwrap();
        let (work, trusted, info) = copy_of_repo(tmp.path());
        let (fast, full) = both(&work, &trusted, &info);
        assert!(fast.is_empty() && full.is_empty(), "a fresh copy has no changes");

        // Same content written again: the stat data moves, the diff stays empty.
        std::fs::write(work.join("src/m0/n0/f0.rs"), "fn f0() {}\n").unwrap();
        assert!(both(&work, &trusted, &info).0.is_empty());

        write(&work, "src/m1/n1/f1.rs", "fn f1() { changed() }\n");
        write(&work, "new/deep/dir/added.rs", "fn added() {}\n");
        write(&work, "new/deep/dir/noise.log", "ignored inside a new directory\n");
        write(&work, "root.log", "ignored\n");
        write(&work, "target/debug/out", "build output\n");
        write(&work, "new/ignores/.gitignore", "secret.txt\n");
        write(&work, "new/ignores/secret.txt", "ignored by a new rule\n");
        std::fs::create_dir_all(work.join("empty/dir")).unwrap();
        std::fs::remove_file(work.join("src/m2/n2/f2.rs")).unwrap();
        std::fs::remove_dir_all(work.join("docs")).unwrap();
        std::fs::set_permissions(work.join("src/m0/n3/f3.rs"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        std::fs::remove_file(work.join("src/m1/n4/f4.rs")).unwrap();
        std::os::unix::fs::symlink("f1.rs", work.join("src/m1/n4/f4.rs")).unwrap();
        std::fs::remove_file(work.join("src/m2/n0/f5.rs")).unwrap();
        write(&work, "src/m2/n0/f5.rs/inside.rs", "a file became a directory\n");
        std::fs::remove_file(work.join("link")).unwrap();
        write(&work, "link", "a symlink became a file\n");
        std::fs::write(work.join("data.bin"), b"\0\x02other binary\0").unwrap();
        write(&work, "nested/.git/HEAD", "ref: refs/heads/main\n");
        write(&work, "nested/file.rs", "inside a nested repository\n");

        let (fast, full) = both(&work, &trusted, &info);
        assert_eq!(paths(&fast), paths(&full));
        assert_eq!(fast.patch, full.patch);
        assert_eq!((fast.additions, fast.deletions), (full.additions, full.deletions));
        let changed = paths(&fast);
        for expected in [
            "src/m1/n1/f1.rs",
            "new/deep/dir/added.rs",
            "new/ignores/.gitignore",
            "src/m2/n2/f2.rs",
            "docs/only/one.md",
            "src/m0/n3/f3.rs",
            "src/m1/n4/f4.rs",
            "src/m2/n0/f5.rs/inside.rs",
            "link",
            "data.bin",
        ] {
            assert!(changed.iter().any(|(p, _)| p == expected), "{expected} missing from {changed:?}");
        }
        for hidden in ["root.log", "target/debug/out", "new/deep/dir/noise.log", "new/ignores/secret.txt"] {
            assert!(changed.iter().all(|(p, _)| p != hidden), "{hidden} is ignored: {changed:?}");
        }
    }

    /// Every path under `root` (but `.git`) with its kind, mode and content.
    fn listing(root: &Path) -> Vec<(String, u32, Vec<u8>)> {
        use std::os::unix::fs::MetadataExt;
        let mut out = Vec::new();
        let mut pending = vec![root.to_path_buf()];
        while let Some(dir) = pending.pop() {
            for item in std::fs::read_dir(dir).unwrap().flatten() {
                let path = item.path();
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                if rel == ".git" {
                    continue;
                }
                let meta = std::fs::symlink_metadata(&path).unwrap();
                let content = if meta.is_file() {
                    std::fs::read(&path).unwrap()
                } else if meta.file_type().is_symlink() {
                    std::fs::read_link(&path).unwrap().into_os_string().into_encoded_bytes()
                } else {
                    pending.push(path);
                    Vec::new()
                };
                out.push((rel, meta.mode(), content));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn a_reused_copy_moved_to_a_new_base_is_the_new_base_exactly() {
        let tmp = tempfile::tempdir().unwrap();
        let (work, trusted, _) = copy_of_repo(tmp.path());
        let repo = tmp.path().join("repo");
        // What a job left behind.
        write(&work, "src/m0/n0/f0.rs", "edited by the job\n");
        write(&work, "junk/deep/file", "untracked\n");
        write(&work, "root.log", "ignored\n");
        std::fs::remove_file(work.join("src/m1/n1/f1.rs")).unwrap();
        std::os::unix::fs::symlink("/etc", work.join("docs/only/etc")).unwrap();
        // The user moves on: files change, go, turn into directories and back.
        write(&repo, "src/m2/n2/f2.rs", "fn f2() { moved_on() }\n");
        std::fs::remove_dir_all(repo.join("docs")).unwrap();
        write(&repo, "docs", "a file now\n");
        std::fs::remove_file(repo.join("data.bin")).unwrap();
        write(&repo, "data.bin/inside", "a directory now\n");
        write(&repo, "brand/new/dir/file.rs", "new\n");
        std::fs::set_permissions(repo.join("src/m0/n3/f3.rs"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "next"]);

        let source = Source::read(&repo, None, Dirty::Refuse).unwrap();
        let info = recycle(&source, &work, &trusted).unwrap();
        let fresh = tmp.path().join("fresh");
        create(&source, &fresh, &tmp.path().join("fresh.git")).unwrap();
        assert_eq!(listing(&work), listing(&fresh));
        let (fast, full) = both(&work, &trusted, &info);
        assert!(fast.is_empty() && full.is_empty(), "{:?} {:?}", paths(&fast), paths(&full));
    }

    #[test]
    fn a_directory_replaced_by_a_file_shows_its_files_gone() {
        let tmp = tempfile::tempdir().unwrap();
        let (work, trusted, info) = copy_of_repo(tmp.path());
        std::fs::remove_dir_all(work.join("src/m0")).unwrap();
        write(&work, "src/m0", "now a file\n");
        let (fast, full) = both(&work, &trusted, &info);
        assert_eq!(paths(&fast), paths(&full));
        assert_eq!(fast.patch, full.patch);
        assert!(fast.files.iter().any(|f| f.path == "src/m0" && f.kind == ChangeKind::Added));
        assert!(fast.files.iter().any(|f| f.path == "src/m0/n0/f0.rs" && f.kind == ChangeKind::Deleted));
    }
}
