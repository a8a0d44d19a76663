//! Copies made ahead of their job, and finished copies kept for the next job of the same
//! repository.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{copy, memory, Isolation, Meta, SandboxError, META_FILE, PREPARED_FILE, TRUSTED_GIT};

/// What [`prepare`] records beside the copy it made.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct PreparedMeta {
    repo: PathBuf,
    base_commit: String,
    allow_dirty: bool,
    objects_dir: PathBuf,
}

/// Makes the copy of `repo` at `base_commit` (a full commit id) in `dir` ahead of the job
/// that will use it, so the copy is written while the model is still writing the plan. A
/// [`SandboxSpec`] naming `dir` in `prepared` takes it over. With `allow_dirty`, uncommitted
/// changes are copied too; without, the tree is not looked at: refusing a dirty tree is the
/// caller's business. A copy from `pool` is reused when there is one; else, with `in_memory`,
/// a small enough copy is made in memory. Blocking; on failure `dir` is removed.
pub fn prepare(
    repo: &Path,
    base_commit: &str,
    allow_dirty: bool,
    dir: &Path,
    pool: Option<&Path>,
    in_memory: bool,
) -> Result<(), SandboxError> {
    let dirty = if allow_dirty { copy::Dirty::Include } else { copy::Dirty::Unchecked };
    let made = make_copy(repo, Some(base_commit), dirty, dir, pool, in_memory).and_then(|info| {
        let meta = PreparedMeta {
            repo: repo.to_path_buf(),
            base_commit: info.base_commit,
            allow_dirty,
            objects_dir: info.objects_dir,
        };
        let text = serde_json::to_vec(&meta).map_err(|e| SandboxError::Invalid(e.to_string()))?;
        std::fs::write(dir.join(PREPARED_FILE), text)
            .map_err(|e| SandboxError::io("recording the prepared copy", e))
    });
    if made.is_err() {
        let _ = discard(dir);
    }
    made
}

/// Makes `dir/work` a copy of `repo` at `base`, with vibe's repository beside it: a pooled
/// copy of the same repository brought up to date when there is one, else a new checkout —
/// in memory with `in_memory` when it fits there (see [`memory`]; it is pooled in memory,
/// and removed after [`MEMORY_POOL_IDLE`] unused).
pub(super) fn make_copy(
    repo: &Path,
    base: Option<&str>,
    dirty: copy::Dirty,
    dir: &Path,
    pool: Option<&Path>,
    in_memory: bool,
) -> Result<copy::CopyInfo, SandboxError> {
    let source = copy::Source::read(repo, base, dirty)?;
    let (work, trusted) = (dir.join("work"), dir.join(TRUSTED_GIT));
    if pool.is_some_and(|pool| take_pooled(pool, repo, dir)) {
        // A pooled copy in memory is cleaned where it is.
        let pooled = std::fs::canonicalize(&work).unwrap_or_else(|_| work.clone());
        match copy::recycle(&source, &pooled, &trusted) {
            Ok(info) => return Ok(info),
            // Whatever went wrong, a new copy is made.
            Err(_) => discard(dir).map_err(|e| SandboxError::io("removing a pooled copy", e))?,
        }
    }
    let root = in_memory.then(memory::root).flatten();
    if let Some(root) = root.filter(|root| memory::fits(root, source.checkout_bytes())) {
        std::fs::create_dir_all(dir)
            .map_err(|e| SandboxError::io(format!("creating {}", dir.display()), e))?;
        let made =
            memory::place(&root, dir).and_then(|in_memory| copy::create(&source, &in_memory, &trusted));
        if made.is_ok() {
            return made;
        }
        // Memory ran short meanwhile (other copies, other programs): the copy goes to disk.
        memory::release(dir);
        let _ = std::fs::remove_file(&work);
        let _ = crate::sandbox::walk::remove_tree(&trusted);
    }
    copy::create(&source, &work, &trusted)
}

/// Marks a complete pooled copy (written last).
pub(super) const POOL_FILE: &str = "pool.json";

/// The pool directory of one repository: a stable name derived from its resolved path.
pub(super) fn pool_slot(pool: &Path, repo: &Path) -> PathBuf {
    let path = std::fs::canonicalize(repo).unwrap_or_else(|_| repo.to_path_buf());
    // FNV-1a: stable across builds and platforms, which std's hasher does not promise.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.as_os_str().as_encoded_bytes() {
        hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name: String =
        name.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).take(40).collect();
    pool.join(format!("{name}-{hash:016x}"))
}

/// Moves a pooled copy of `repo` to `into` (which must not exist or be empty). Renaming is
/// atomic, so two processes never take the same copy.
pub(super) fn take_pooled(pool: &Path, repo: &Path, into: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(pool_slot(pool, repo)) else { return false };
    let _ = std::fs::remove_dir(into);
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.join(POOL_FILE).is_file() {
            continue;
        }
        if memory::take(&path, into).is_ok() {
            let _ = std::fs::remove_file(into.join(POOL_FILE));
            return true;
        }
    }
    false
}

/// Retires the sandbox in `dir` after its job ended and nothing runs in it any more: its copy
/// goes to `pool` for the next job of the same repository (at most `per_repo` of them; only
/// copies whose commands ran isolated), and the rest is removed in the background.
pub fn retire(dir: &Path, pool: Option<&Path>, per_repo: usize) {
    if let Some(pool) = pool {
        let _ = pool_copy(dir, pool, per_repo);
        sweep_pool(pool);
    }
    discard_in_background(dir);
}

/// Pooled copies unused for this long are removed (their repository may be gone).
pub(super) const POOL_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

pub(super) fn sweep_pool(pool: &Path) {
    let Ok(slots) = std::fs::read_dir(pool) else { return };
    for slot in slots.flatten() {
        let Ok(entries) = std::fs::read_dir(slot.path()) else { continue };
        for entry in entries.flatten() {
            let age = std::fs::metadata(entry.path().join(POOL_FILE))
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok());
            if age.is_some_and(|a| a > POOL_MAX_AGE) {
                discard_in_background(&entry.path());
            }
        }
    }
}

/// A pooled copy in memory is removed after this long unused: the memory is the user's.
pub(super) const MEMORY_POOL_IDLE: Duration = Duration::from_secs(10 * 60);

/// Removes the pooled copy `entry` (with `in_memory`, the copy its `work` links to) after
/// `idle`, unless a job took it meanwhile, from a process of its own that outlives this one:
/// taking a copy and expiring it are both a rename of `entry`, so only one happens.
pub(super) fn expire_in_background(entry: &Path, in_memory: &Path, idle: Duration) {
    let mut sh = std::process::Command::new("sh");
    sh.arg("-c")
        .arg("sleep \"$2\"; mv \"$0\" \"$0.expired\" 2>/dev/null && exec rm -rf \"$0.expired\" \"$1\"")
        .arg(entry)
        .arg(in_memory)
        .arg(format!("{}.{:03}", idle.as_secs(), idle.subsec_millis()))
        .current_dir("/");
    let _ = spawn_detached(&mut sh);
}

/// Starts `cmd` in a session of its own, without input or output, so it outlives this
/// process and no signal to this one's group reaches it. Nothing waits for it: init reaps it
/// once this process exits.
fn spawn_detached(cmd: &mut std::process::Command) -> std::io::Result<()> {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    cmd.spawn().map(drop)
}

pub(super) fn pool_copy(dir: &Path, pool: &Path, per_repo: usize) -> Option<()> {
    let meta: Meta = serde_json::from_slice(&std::fs::read(dir.join(META_FILE)).ok()?).ok()?;
    // Without isolation a daemonised command may still be writing to the copy.
    if meta.isolation != Isolation::Bubblewrap {
        return None;
    }
    let slot = pool_slot(pool, &meta.repo);
    // Only complete copies count: one being moved in or removed has no `pool.json`.
    let kept = std::fs::read_dir(&slot)
        .map(|d| d.flatten().filter(|e| e.path().join(POOL_FILE).is_file()).count())
        .unwrap_or(0);
    if kept >= per_repo {
        return None;
    }
    let entry = slot.join(crate::store::new_id());
    std::fs::create_dir_all(&entry).ok()?;
    let in_memory = memory::target(&dir.join("work"));
    let moved = memory::move_link(&dir.join("work"), &entry.join("work")).is_ok()
        && std::fs::rename(dir.join(TRUSTED_GIT), entry.join(TRUSTED_GIT)).is_ok()
        && std::fs::write(entry.join(POOL_FILE), b"{}\n").is_ok();
    if !moved {
        discard_in_background(&entry);
        return None;
    }
    if let Some(in_memory) = in_memory {
        expire_in_background(&entry, &in_memory, MEMORY_POOL_IDLE);
    }
    Some(())
}

/// Removes a copy made by [`prepare`] (or any sandbox directory), whatever a command did to
/// its permissions.
pub fn discard(dir: &Path) -> std::io::Result<()> {
    memory::release(dir);
    match crate::sandbox::walk::remove_tree(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Removes a sandbox directory off the caller's critical path: it is moved aside at once and
/// deleted by an `rm` in a session of its own, which outlives this process. Nothing may still
/// run in it.
pub fn discard_in_background(dir: &Path) {
    let Some(name) = dir.file_name() else { return };
    let mut trash_name = name.to_os_string();
    trash_name.push(format!(".old-{}-{}", std::process::id(), crate::store::new_id()));
    let trash = dir.with_file_name(trash_name);
    let in_memory = memory::target(&dir.join("work"));
    if std::fs::rename(dir, &trash).is_err() {
        let _ = discard(dir);
        return;
    }
    let mut rm = std::process::Command::new("rm");
    rm.arg("-rf").arg(&trash).args(&in_memory);
    if spawn_detached(&mut rm).is_err() {
        let _ = in_memory.map(|entry| crate::sandbox::walk::remove_tree(&entry));
        let _ = discard(&trash);
    }
}

/// Moves the copy prepared in `prepared` into the sandbox directory `dir` when it was made
/// from `repo` at `base` with the same dirty-tree choice; removes it in any case.
pub(super) fn adopt(
    prepared: &Path,
    repo: &Path,
    base: Option<&str>,
    allow_dirty: bool,
    dir: &Path,
) -> Option<copy::CopyInfo> {
    let meta: Option<PreparedMeta> = std::fs::read(prepared.join(PREPARED_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let fits = meta
        .filter(|m| m.repo == repo && Some(m.base_commit.as_str()) == base && m.allow_dirty == allow_dirty);
    let adopted = fits.and_then(|m| {
        std::fs::create_dir_all(dir).ok()?;
        memory::move_link(&prepared.join("work"), &dir.join("work")).ok()?;
        if std::fs::rename(prepared.join(TRUSTED_GIT), dir.join(TRUSTED_GIT)).is_err() {
            let _ = discard(dir);
            return None;
        }
        Some(copy::CopyInfo { base_commit: m.base_commit, objects_dir: m.objects_dir })
    });
    if adopted.is_some() {
        let _ = discard(prepared);
    } else {
        discard_in_background(prepared);
    }
    adopted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_for(what: &str, done: impl Fn() -> bool) {
        for _ in 0..400 {
            if done() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("never happened: {what}");
    }

    #[test]
    fn an_unused_pooled_copy_in_memory_expires_and_a_taken_one_does_not() {
        let tmp = tempfile::tempdir().unwrap();
        let (entry, in_memory) = (tmp.path().join("entry"), tmp.path().join("memory"));
        std::fs::create_dir_all(entry.join("work")).unwrap();
        std::fs::create_dir_all(&in_memory).unwrap();
        expire_in_background(&entry, &in_memory, Duration::from_millis(50));
        wait_for("the unused copy expires", || !entry.exists() && !in_memory.exists());
        assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none(), "nothing is left behind");

        // Taken before it expired: the expiry finds nothing to remove.
        std::fs::create_dir_all(entry.join("work")).unwrap();
        std::fs::create_dir_all(&in_memory).unwrap();
        expire_in_background(&entry, &in_memory, Duration::from_millis(300));
        let taken = tmp.path().join("taken");
        std::fs::rename(&entry, &taken).unwrap();
        std::thread::sleep(Duration::from_millis(800));
        assert!(taken.join("work").exists() && in_memory.exists(), "a taken copy stays");
    }
}
