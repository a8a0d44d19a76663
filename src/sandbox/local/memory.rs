//! Copies kept in memory. Writing a new checkout costs one file creation per tracked file, and
//! on many disks creating 20,000 small files takes seconds; in a tmpfs it takes a fraction of
//! a second. So a repository's copy is made in memory (under `/dev/shm`) when no pooled copy
//! can be reused and the checkout is small next to the memory there is. A finished copy in
//! memory waits in the pool like one on disk, and is removed after a few minutes unused.
//!
//! The sandbox directory keeps `work` as a symbolic link to `vibe-UID/ID/work` in the memory
//! root; `ID/owner` names the link, so a copy whose sandbox directory went away without
//! removing it (a killed process, a deleted job) is found and removed. Commands never see the
//! memory root: the sandbox mounts a `/dev` of its own.

use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::SandboxError;

/// Where memory copies live: a tmpfs every Linux system mounts.
const SHM: &str = "/dev/shm";
/// `statfs` magic number of tmpfs.
const TMPFS_MAGIC: i64 = 0x0102_1994;
/// Largest checkout made in memory, whatever memory is free.
const MAX_BYTES: u64 = 1 << 30;
/// A copy whose owner link does not lead back to it is removed once this old (a copy moving
/// between directories is owned by both until it has moved).
const ORPHAN_AGE: Duration = Duration::from_secs(10 * 60);
const OWNER_FILE: &str = "owner";

/// The memory root of this user, made private on first use; `None` when there is no tmpfs at
/// `/dev/shm` or the name is taken by something that is not a private directory of ours.
pub(super) fn root() -> Option<PathBuf> {
    root_in(Path::new(SHM), true)
}

/// The memory root under `shm` if it is ours and private, made first with `create`.
fn root_in(shm: &Path, create: bool) -> Option<PathBuf> {
    if !is_tmpfs(shm) {
        return None;
    }
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let root = shm.join(format!("vibe-{uid}"));
    if create {
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&root);
    }
    let meta = std::fs::symlink_metadata(&root).ok()?;
    // Another user may have taken the name first: then it is not ours to write in.
    (meta.is_dir() && meta.uid() == uid && meta.mode() & 0o077 == 0).then_some(root)
}

fn is_tmpfs(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else { return false };
    // SAFETY: `c` is a valid C string; `stat` is written by the call.
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    unsafe { libc::statfs(c.as_ptr(), &mut stat) == 0 && stat.f_type as i64 == TMPFS_MAGIC }
}

/// Whether a checkout of about `bytes` fits in memory: at most 1 GiB, a quarter of the
/// memory available and half of what the tmpfs has free.
pub(super) fn fits(root: &Path, bytes: u64) -> bool {
    let available = meminfo_available().unwrap_or(0);
    bytes <= MAX_BYTES && bytes <= available / 4 && bytes <= free_bytes(root) / 2
}

fn meminfo_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn free_bytes(path: &Path) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else { return 0 };
    // SAFETY: `c` is a valid C string; `stat` is written by the call.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut stat) } != 0 {
        return 0;
    }
    stat.f_bavail.saturating_mul(stat.f_frsize)
}

/// Makes a new, empty copy directory in `root` and links `dir/work` to it. Returns the copy's
/// real path.
pub(super) fn place(root: &Path, dir: &Path) -> Result<PathBuf, SandboxError> {
    sweep(root);
    let io = |e| SandboxError::io("making a copy in memory", e);
    let entry = root.join(crate::store::new_id());
    std::fs::DirBuilder::new().mode(0o700).create(&entry).map_err(io)?;
    let work = entry.join("work");
    let link = dir.join("work");
    let made = std::fs::create_dir(&work)
        .and_then(|()| write_owner(&entry, &[&link]))
        .and_then(|()| std::os::unix::fs::symlink(&work, &link));
    if let Err(e) = made {
        let _ = crate::sandbox::walk::remove_tree(&entry);
        return Err(io(e));
    }
    Ok(work)
}

/// The memory copy `work` (a sandbox directory's `work`) links to, if it is one.
pub(super) fn target(work: &Path) -> Option<PathBuf> {
    let meta = std::fs::symlink_metadata(work).ok()?;
    if !meta.file_type().is_symlink() {
        return None;
    }
    let target = std::fs::read_link(work).ok()?;
    let entry = target.parent()?;
    // Only what vibe made: `ROOT/ID/work`, with the root private to this user.
    let root = entry.parent()?;
    (target.file_name()? == "work" && root_in(root.parent()?, false).as_deref() == Some(root))
        .then(|| entry.into())
}

/// Moves the link `from` (a sandbox directory's `work`) to `to`, keeping the copy owned
/// throughout.
pub(super) fn move_link(from: &Path, to: &Path) -> std::io::Result<()> {
    match target(from) {
        Some(entry) => {
            write_owner(&entry, &[to, from])?;
            std::fs::rename(from, to)?;
            write_owner(&entry, &[to])
        }
        None => std::fs::rename(from, to),
    }
}

/// Moves the pooled sandbox directory `from` to `into`, keeping its copy in memory (if it
/// is one) owned by whichever of them holds it. Fails when another process took it first.
pub(super) fn take(from: &Path, into: &Path) -> std::io::Result<()> {
    let (link, new_link) = (from.join("work"), into.join("work"));
    let Some(entry) = target(&link) else { return std::fs::rename(from, into) };
    // Added to the owners, not replacing them: a process that loses the race to take the
    // copy must not disown it for the one that won.
    let mut owners = std::fs::read(entry.join(OWNER_FILE)).unwrap_or_default();
    owners.extend_from_slice(new_link.as_os_str().as_encoded_bytes());
    owners.push(b'\n');
    write_owner_text(&entry, &owners)?;
    std::fs::rename(from, into)?;
    write_owner(&entry, &[&new_link])
}

fn write_owner(entry: &Path, links: &[&Path]) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let mut text = Vec::new();
    for link in links {
        text.extend_from_slice(link.as_os_str().as_bytes());
        text.push(b'\n');
    }
    write_owner_text(entry, &text)
}

fn write_owner_text(entry: &Path, text: &[u8]) -> std::io::Result<()> {
    let tmp = entry.join(format!("{OWNER_FILE}.{}-{}", std::process::id(), crate::store::new_id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, entry.join(OWNER_FILE))
}

/// Removes the memory copy `dir/work` links to, if any (the link itself stays).
pub(super) fn release(dir: &Path) {
    if let Some(entry) = target(&dir.join("work")) {
        let _ = crate::sandbox::walk::remove_tree(&entry);
    }
}

/// Removes copies in `root` that no sandbox directory links to any more.
pub(super) fn sweep(root: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let owner = path.join(OWNER_FILE);
        let old = std::fs::symlink_metadata(&owner)
            .or_else(|_| std::fs::symlink_metadata(&path))
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > ORPHAN_AGE);
        if !old {
            continue;
        }
        let work = path.join("work");
        let owned = std::fs::read(&owner).is_ok_and(|text| {
            text.split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .any(|l| std::fs::read_link(std::ffi::OsStr::from_bytes(l)).is_ok_and(|t| t == work))
        });
        if !owned {
            let _ = crate::sandbox::walk::remove_tree(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_lives_in_memory_until_released() {
        let Some(root) = root() else {
            eprintln!("no tmpfs at /dev/shm here");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let work = place(&root, dir.path()).unwrap();
        assert!(is_tmpfs(&work));
        assert_eq!(std::fs::canonicalize(dir.path().join("work")).unwrap(), work);
        let entry = target(&dir.path().join("work")).unwrap();
        assert_eq!(entry, work.parent().unwrap());

        // Moving the link keeps the copy owned.
        let other = tempfile::tempdir().unwrap();
        move_link(&dir.path().join("work"), &other.path().join("work")).unwrap();
        let owner = std::fs::read_to_string(entry.join(OWNER_FILE)).unwrap();
        assert_eq!(owner.trim(), other.path().join("work").to_str().unwrap());

        release(other.path());
        assert!(!entry.exists(), "released copies leave memory");
    }

    #[test]
    fn only_links_into_the_memory_root_count_as_memory_copies() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere/work");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join("work")).unwrap();
        assert_eq!(target(&dir.path().join("work")), None);
        release(dir.path());
        assert!(elsewhere.exists(), "a link vibe did not make is never followed to delete");
        std::fs::create_dir(dir.path().join("plain")).unwrap();
        assert_eq!(target(&dir.path().join("plain")), None);
    }

    #[test]
    fn a_copy_nobody_links_to_is_swept_once_old() {
        let Some(root) = root() else { return };
        let dir = tempfile::tempdir().unwrap();
        let work = place(&root, dir.path()).unwrap();
        let entry = work.parent().unwrap().to_path_buf();
        let long_ago = std::time::SystemTime::now() - ORPHAN_AGE - Duration::from_secs(60);
        let age = |p: &Path| {
            std::fs::File::options().write(true).open(p).unwrap().set_modified(long_ago).unwrap();
        };
        age(&entry.join(OWNER_FILE));
        sweep(&root);
        assert!(entry.exists(), "a linked copy stays however old");

        std::fs::remove_file(dir.path().join("work")).unwrap();
        sweep(&root);
        assert!(!entry.exists(), "an orphaned old copy goes");
    }
}
