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
