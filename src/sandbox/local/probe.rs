//! Whether bubblewrap works on this machine, and what it enforces.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::bwrap::push_system_mounts;
use super::process::PidsCgroup;
use super::{Isolation, SandboxError, Warning};

/// What `vibe doctor` shows about the local sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// Whether the OS sandbox works here.
    pub available: bool,
    /// The mechanism (`bubblewrap`).
    pub mechanism: String,
    /// Version and what it enforces, or why it does not work.
    pub detail: String,
}

/// Checks that bubblewrap is installed and can actually create its namespaces here.
pub fn probe() -> Probe {
    match find_bwrap() {
        Some(path) => probe_with(&path),
        None => Probe {
            available: false,
            mechanism: "bubblewrap".into(),
            detail: "`bwrap` was not found on PATH; install the `bubblewrap` package".into(),
        },
    }
}

/// [`probe`] with a given `bwrap` binary.
pub fn probe_with(bwrap: &Path) -> Probe {
    let version = std::process::Command::new(bwrap)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let mut args: Vec<OsString> = Vec::new();
    for flag in ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"] {
        args.push(flag.into());
    }
    push_system_mounts(&mut args);
    for a in ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--", "true"] {
        args.push(a.into());
    }
    let run = std::process::Command::new(bwrap)
        .args(&args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(std::process::Stdio::null())
        .output();
    let name = if version.is_empty() { "bubblewrap".to_string() } else { version };
    match run {
        Ok(out) if out.status.success() => Probe {
            available: true,
            mechanism: "bubblewrap".into(),
            detail: format!(
                "{name}: user/pid/net/ipc/uts namespaces, read-only system, private /tmp and home, no network unless allowed, {}",
                process_limit_mechanism()
            ),
        },
        Ok(out) => Probe {
            available: false,
            mechanism: "bubblewrap".into(),
            detail: format!(
                "{name} is installed but cannot create namespaces here: {} (are unprivileged user namespaces disabled? \
                 see kernel.unprivileged_userns_clone / AppArmor's restrict_unprivileged_userns)",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        },
        Err(e) => Probe { available: false, mechanism: "bubblewrap".into(), detail: format!("running {}: {e}", bwrap.display()) },
    }
}

pub(super) fn process_limit_mechanism() -> &'static str {
    if PidsCgroup::base().is_some() {
        "process limit by pids cgroup and RLIMIT_NPROC"
    } else if is_root() {
        "no process limit (RLIMIT_NPROC does not bind root and no pids cgroup is writable)"
    } else {
        "process limit by RLIMIT_NPROC inside the sandbox's user namespace"
    }
}

/// The warning given when running without isolation.
pub fn no_isolation_warning() -> Warning {
    Warning {
        message: "running without a sandbox (`--sandbox none`): commands the agent chooses run with your \
                  permissions, can read your files and use the network"
            .into(),
    }
}

pub(super) fn find_bwrap() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("bwrap")).find(|p| p.is_file())
}

pub(super) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A working bubblewrap and what this version supports.
#[derive(Debug, Clone)]
pub(super) struct Bwrap {
    pub(super) path: PathBuf,
    /// `--size` for tmpfs mounts (bubblewrap 0.8 and later).
    pub(super) tmpfs_size: bool,
}

pub(super) fn check_isolation(isolation: Isolation) -> Result<Option<Bwrap>, SandboxError> {
    check_isolation_with(isolation, find_bwrap())
}

pub(super) fn check_isolation_with(
    isolation: Isolation,
    found: Option<PathBuf>,
) -> Result<Option<Bwrap>, SandboxError> {
    match isolation {
        Isolation::None => Ok(None),
        Isolation::Bubblewrap => {
            let Some(bwrap) = found else {
                return Err(SandboxError::Unavailable {
                    mechanism: "bubblewrap".into(),
                    detail: "`bwrap` was not found on PATH".into(),
                });
            };
            let probe = probe_with(&bwrap);
            if !probe.available {
                return Err(SandboxError::Unavailable { mechanism: probe.mechanism, detail: probe.detail });
            }
            let help = std::process::Command::new(&bwrap).arg("--help").output();
            let tmpfs_size = help.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("--size"));
            Ok(Some(Bwrap { path: bwrap, tmpfs_size }))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn without_a_working_bubblewrap_the_local_backend_refuses() {
        let err = check_isolation_with(Isolation::Bubblewrap, None).unwrap_err();
        assert!(
            matches!(&err, SandboxError::Unavailable { detail, .. } if detail.contains("not found")),
            "{err}"
        );
        let err = check_isolation_with(Isolation::Bubblewrap, Some("/bin/false".into())).unwrap_err();
        assert!(
            matches!(&err, SandboxError::Unavailable { detail, .. } if detail.contains("cannot create namespaces"))
        );
        let user = crate::error::Error::from(err);
        assert!(user.message.starts_with("no OS sandbox is available"), "{}", user.message);
        assert!(user.hint.unwrap().contains("apt install bubblewrap"));
        // The explicit opt-out needs nothing.
        assert!(check_isolation_with(Isolation::None, None).unwrap().is_none());
    }
}
