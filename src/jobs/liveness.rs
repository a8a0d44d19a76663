//! Is the process running a job still alive? A job's record carries the pid of the process
//! working on it (or, for a job queued to run later, of the process that will run it) and a
//! heartbeat it refreshes every [`HEARTBEAT_EVERY`]; a job whose process is gone, or whose
//! heartbeat is older than [`STALE_AFTER`], was interrupted, or cancelled when it never
//! started.

use std::time::Duration;

use time::OffsetDateTime;

use crate::store::{parse_ts, JobRecord};

use super::Status;

/// How often the running process refreshes its heartbeat.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);

/// A heartbeat older than this means the process hangs or the pid was reused.
pub const STALE_AFTER: Duration = Duration::from_secs(60);

/// Wakes the live process working on `job` with SIGTERM, so it sees a cancel request at once
/// (it also sees it at its next heartbeat); returns its pid, or `None` when nobody runs it.
pub fn signal_runner(job: &JobRecord) -> Option<i64> {
    // A job that never started is only waiting in its process (e.g. a batch still reviewing
    // plans): the signal would end that process, not the job.
    if never_started(job) {
        return None;
    }
    let pid =
        job.pid.filter(|p| pid_alive(*p) && Status::parse(&job.status).is_some_and(Status::is_active))?;
    if let Ok(p) = libc::pid_t::try_from(pid) {
        // SAFETY: sending SIGTERM to the pid recorded for the job's runner.
        unsafe { libc::kill(p, libc::SIGTERM) };
    }
    Some(pid)
}

/// Whether a process with this pid exists and is not a zombie.
pub fn pid_alive(pid: i64) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let rc = unsafe { libc::kill(pid, 0) };
    if rc != 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EPERM) {
        return false;
    }
    // A killed child its parent has not reaped yet is dead for our purposes.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_none_or(|state| state != "Z" && state != "X"),
        Err(_) => !cfg!(target_os = "linux"),
    }
}

/// Whether a job is queued and no attempt of it ever started.
pub fn never_started(job: &JobRecord) -> bool {
    Status::parse(&job.status) == Some(Status::Queued) && job.started_at.is_none()
}

/// Why an active job has nobody working on it, or `None` when it looks alive.
pub fn orphan_reason(job: &JobRecord, now: OffsetDateTime) -> Option<String> {
    let status = Status::parse(&job.status)?;
    if !status.is_active() {
        return None;
    }
    let pid = job.pid?;
    if !pid_alive(pid) {
        if never_started(job) {
            return Some(format!("the process that was to run it (pid {pid}) is gone"));
        }
        return Some(format!("the process running it (pid {pid}) is gone"));
    }
    let beat = job.heartbeat_at.as_deref().and_then(parse_ts)?;
    let age = now - beat;
    if age > STALE_AFTER {
        return Some(format!("no sign of life from pid {pid} for {}s", age.whole_seconds()));
    }
    None
}

/// Kills every process still working in a job's sandbox copy (`dir`) after the process that
/// ran the job died: sandboxed commands are started with `--die-with-parent`, and this is the
/// second line for whatever survived (e.g. a PID namespace's init whose parent died).
/// A process belongs to the job when its command line names the copy (the bubblewrap that
/// mounts it) or its working directory is inside it (unsandboxed `none` backend); the copy
/// is in `dir`, or in memory where `dir/work` links to.
/// Returns how many were killed.
pub fn kill_leftovers(dir: &std::path::Path) -> usize {
    let in_memory = crate::sandbox::local::memory_copy(dir);
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
    fn own_pid_is_alive_and_a_reaped_child_is_not() {
        assert!(pid_alive(i64::from(std::process::id())));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = i64::from(child.id());
        child.wait().unwrap();
        assert!(!pid_alive(pid));
        assert!(!pid_alive(0));
        assert!(!pid_alive(-5));
    }

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
    fn a_killed_unreaped_child_counts_as_dead() {
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let pid = i64::from(child.id());
        assert!(pid_alive(pid));
        child.kill().unwrap();
        // Wait until the kernel has turned it into a zombie, without reaping it.
        for _ in 0..200 {
            if !pid_alive(pid) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!pid_alive(pid));
        child.wait().unwrap();
    }
}
