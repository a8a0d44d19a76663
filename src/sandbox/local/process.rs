//! The process tree of a command: the pids cgroup, finding descendants, waiting until
//! every process is gone.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A pids cgroup for one command, when this machine lets us make one (root, or a delegated
/// cgroup v2 subtree). Bounds the process count where RLIMIT_NPROC does not (root) and kills
/// every member at the end.
#[derive(Debug)]
pub(super) struct PidsCgroup {
    path: PathBuf,
}

impl PidsCgroup {
    pub(super) fn base() -> Option<PathBuf> {
        let v1 = Path::new("/sys/fs/cgroup/pids");
        if v1.join("cgroup.procs").exists() && writable(v1) {
            return Some(v1.to_path_buf());
        }
        let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        let rel = own.lines().find_map(|l| l.strip_prefix("0::"))?;
        let dir = Path::new("/sys/fs/cgroup").join(rel.trim_start_matches('/'));
        let controllers = std::fs::read_to_string(dir.join("cgroup.subtree_control")).ok()?;
        (controllers.split_whitespace().any(|c| c == "pids") && writable(&dir)).then_some(dir)
    }

    pub(super) fn create(max: u64) -> Option<Self> {
        let base = Self::base()?;
        let path = base.join(format!("vibe-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir(&path).ok()?;
        let cgroup = Self { path };
        if std::fs::write(cgroup.path.join("pids.max"), max.to_string()).is_err() {
            return None;
        }
        Some(cgroup)
    }

    pub(super) fn procs_file(&self) -> PathBuf {
        self.path.join("cgroup.procs")
    }

    pub(super) fn kill_all(&self) {
        let Ok(text) = std::fs::read_to_string(self.procs_file()) else { return };
        for pid in text.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
            // SAFETY: signalling processes we placed in our own cgroup.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        std::fs::read_to_string(self.procs_file()).map_or(true, |t| t.trim().is_empty())
    }

    /// Kills every member, waits until none is left, and removes the cgroup.
    pub(super) async fn close(self) {
        wait_until_gone(&[], Some(&self)).await;
        // Drop removes the directory.
    }
}

impl Drop for PidsCgroup {
    fn drop(&mut self) {
        self.kill_all();
        let _ = std::fs::remove_dir(&self.path);
    }
}

/// Every descendant of `root` on the host (children, grandchildren, …).
pub(super) fn descendants(root: i32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut parent_of: Vec<(i32, i32)> = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        if let Some(ppid) = stat_field(&stat, 1).and_then(|f| f.parse::<i32>().ok()) {
            parent_of.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parent_of.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    found.remove(0);
    found
}

/// Field `n` (0 = state, 1 = ppid, …) of `/proc/PID/stat` after the command name.
pub(super) fn stat_field(stat: &str, n: usize) -> Option<&str> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(n)
}

/// Whether `pid` is a live (not zombie) process.
pub(super) fn running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(stat_field(&stat, 0), Some("Z" | "X") | None),
        Err(_) => false,
    }
}

/// Waits (bounded) until `pids` have exited and `cgroup` is empty, killing cgroup members
/// that appear meanwhile.
pub(super) async fn wait_until_gone(pids: &[i32], cgroup: Option<&PidsCgroup>) {
    for _ in 0..3000 {
        if let Some(cg) = cgroup {
            cg.kill_all();
        }
        if !pids.iter().any(|p| running(*p)) && cgroup.is_none_or(|c| c.is_empty()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub(super) fn writable(path: &Path) -> bool {
    let Ok(c) = CString::new(path.as_os_str().as_encoded_bytes()) else { return false };
    // SAFETY: access with a valid NUL-terminated path.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// Kills every process still working in a sandbox's copy (`dir` is the sandbox directory)
/// after the process that ran its job died: sandboxed commands are started with `--die-with-parent`, and this is the
/// second line for whatever survived (e.g. a PID namespace's init whose parent died).
/// A process belongs to the job when its command line names the copy (the bubblewrap that
/// mounts it) or its working directory is inside it (unsandboxed `none` backend); the copy
/// is in `dir`, or in memory where `dir/work` links to.
/// Returns how many were killed.
pub fn kill_leftovers(dir: &Path) -> usize {
    let in_memory = super::memory_copy(dir);
    let Ok(dir) = std::fs::canonicalize(dir) else { return 0 };
    let dirs: Vec<std::path::PathBuf> = std::iter::once(dir).chain(in_memory).collect();
    let mut killed = 0;
    // Dying parents re-parent their children meanwhile: scan until a pass finds nothing.
    for _ in 0..50 {
        let found = scan_and_kill(&dirs);
        if found == 0 {
            break;
        }
        killed += found;
        std::thread::sleep(Duration::from_millis(20));
    }
    killed
}

fn scan_and_kill(dirs: &[std::path::PathBuf]) -> usize {
    let needles: Vec<(String, String)> = dirs
        .iter()
        .map(|d| {
            let needle = d.display().to_string();
            let prefix = format!("{needle}/");
            (needle, prefix)
        })
        .collect();
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    let mut killed = 0;
    for e in entries.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        if pid == me {
            continue;
        }
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let named = cmdline.split(|b| *b == 0).any(|arg| {
            std::str::from_utf8(arg)
                .is_ok_and(|a| needles.iter().any(|(needle, prefix)| a == needle || a.starts_with(prefix)))
        });
        let inside = || {
            std::fs::read_link(e.path().join("cwd")).is_ok_and(|cwd| dirs.iter().any(|d| cwd.starts_with(d)))
        };
        if !(named || inside()) {
            continue;
        }
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        if stat.rsplit_once(')').and_then(|(_, r)| r.split_whitespace().next()) == Some("Z") {
            continue;
        }
        if let Ok(pid) = libc::pid_t::try_from(pid) {
            // SAFETY: plain kill(2) on a pid read from /proc.
            if unsafe { libc::kill(pid, libc::SIGKILL) } == 0 {
                killed += 1;
            }
        }
    }
    killed
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn leftovers_in_a_copy_are_killed_and_others_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("sandbox/work");
        std::fs::create_dir_all(&copy).unwrap();
        let mut inside = std::process::Command::new("sleep").arg("31").current_dir(&copy).spawn().unwrap();
        let mut outside =
            std::process::Command::new("sleep").arg("32").current_dir(dir.path()).spawn().unwrap();
        assert_eq!(kill_leftovers(&dir.path().join("sandbox")), 1);
        assert!(inside.wait().unwrap().code().is_none());
        assert!(outside.try_wait().unwrap().is_none());
        outside.kill().unwrap();
        outside.wait().unwrap();
        assert_eq!(kill_leftovers(&dir.path().join("missing")), 0);
    }

    #[test]
    fn stat_fields_are_read_after_the_command_name() {
        let stat = "123 (a) b) c) S 45 123 123 0 -1";
        assert_eq!(stat_field(stat, 0), Some("S"));
        assert_eq!(stat_field(stat, 1), Some("45"));
    }
}
