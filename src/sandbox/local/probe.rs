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

/// Checks that `isolation` works here. With a `cache` directory, a working bubblewrap's probe
/// (version, trial run, help text) is kept there and reused until the binary or the kernel
/// changes; without one, or when the cache does not match, it probes.
pub(super) fn check_isolation(
    isolation: Isolation,
    cache: Option<&Path>,
) -> Result<Option<Bwrap>, SandboxError> {
    check_isolation_with(isolation, find_bwrap(), cache, &kernel_release())
}

/// The file in the cache directory that keeps the probe's result.
pub const PROBE_CACHE_FILE: &str = "sandbox-probe.json";

/// What the cache keeps: the key it was probed under and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
struct CachedProbe {
    key: String,
    tmpfs_size: bool,
}

pub(super) fn check_isolation_with(
    isolation: Isolation,
    found: Option<PathBuf>,
    cache: Option<&Path>,
    kernel: &str,
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
            let key = cache.and_then(|_| probe_key(&bwrap, kernel));
            let file = cache.map(|c| c.join(PROBE_CACHE_FILE));
            if let (Some(key), Some(file)) = (&key, &file) {
                let cached =
                    std::fs::read(file).ok().and_then(|b| serde_json::from_slice::<CachedProbe>(&b).ok());
                if let Some(cached) = cached.filter(|c| &c.key == key) {
                    return Ok(Some(Bwrap { path: bwrap, tmpfs_size: cached.tmpfs_size }));
                }
            }
            let probe = probe_with(&bwrap);
            if !probe.available {
                return Err(SandboxError::Unavailable { mechanism: probe.mechanism, detail: probe.detail });
            }
            let help = std::process::Command::new(&bwrap).arg("--help").output();
            let tmpfs_size = help.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("--size"));
            if let (Some(key), Some(file)) = (key, &file) {
                // A cache that cannot be written only means probing again next time.
                let _ = crate::cache::write_json(file, &CachedProbe { key, tmpfs_size });
            }
            Ok(Some(Bwrap { path: bwrap, tmpfs_size }))
        }
    }
}

/// What identifies a probe's result: the bubblewrap binary (its resolved path, size,
/// modification time, inode and change time), the kernel release and the user.
fn probe_key(bwrap: &Path, kernel: &str) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let real = std::fs::canonicalize(bwrap).ok()?;
    let m = std::fs::metadata(&real).ok()?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    Some(format!(
        "{}|{}|{}.{}|{}|{}.{}|{kernel}|{uid}",
        real.display(),
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.ino(),
        m.ctime(),
        m.ctime_nsec()
    ))
}

/// The running kernel's release (`uname -r`).
pub(super) fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|s| s.trim().to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn without_a_working_bubblewrap_the_local_backend_refuses() {
        let err = check_isolation_with(Isolation::Bubblewrap, None, None, "6.1").unwrap_err();
        assert!(
            matches!(&err, SandboxError::Unavailable { detail, .. } if detail.contains("not found")),
            "{err}"
        );
        let err =
            check_isolation_with(Isolation::Bubblewrap, Some("/bin/false".into()), None, "6.1").unwrap_err();
        assert!(
            matches!(&err, SandboxError::Unavailable { detail, .. } if detail.contains("cannot create namespaces"))
        );
        let user = crate::error::Error::from(err);
        assert!(user.message.starts_with("no OS sandbox is available"), "{}", user.message);
        assert!(user.hint.unwrap().contains("apt install bubblewrap"));
        // The explicit opt-out needs nothing.
        assert!(check_isolation_with(Isolation::None, None, None, "6.1").unwrap().is_none());
    }

    /// A fake bubblewrap that records each run in `count` and succeeds.
    fn counting_bwrap(dir: &Path, count: &Path, extra: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("bwrap");
        let script = format!(
            "#!/bin/sh\n# {extra}\necho \"$1\" >> '{}'\ncase \"$1\" in\n  --version) echo 'bubblewrap 0.9.0' ;;\n  --help) echo '  --size BYTES' ;;\nesac\nexit 0\n",
            count.display()
        );
        // Written under a new name and renamed, so a running copy never sees a half-written file.
        let tmp = dir.join("bwrap.new");
        std::fs::write(&tmp, script).unwrap();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        path
    }

    fn runs(count: &Path) -> usize {
        std::fs::read_to_string(count).map(|s| s.lines().count()).unwrap_or(0)
    }

    #[test]
    fn the_probe_runs_once_and_again_only_when_bubblewrap_or_the_kernel_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let (bin, cache, count) =
            (tmp.path().join("bin"), tmp.path().join("cache"), tmp.path().join("count"));
        std::fs::create_dir_all(&bin).unwrap();
        let bwrap = counting_bwrap(&bin, &count, "one");
        let check = |kernel: &str| {
            check_isolation_with(Isolation::Bubblewrap, Some(bwrap.clone()), Some(&cache), kernel)
                .unwrap()
                .unwrap()
        };

        // The first run probes: version, trial run, help text; the result is kept.
        let first = check("6.1.0");
        assert!(first.tmpfs_size);
        assert_eq!(runs(&count), 3);
        let kept: CachedProbe =
            serde_json::from_slice(&std::fs::read(cache.join(PROBE_CACHE_FILE)).unwrap()).unwrap();
        assert!(kept.key.contains("6.1.0") && kept.tmpfs_size, "{kept:?}");
        assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1, "no temporary file is left behind");

        // The second does not run bubblewrap at all.
        let second = check("6.1.0");
        assert_eq!((second.path, second.tmpfs_size), (first.path.clone(), true));
        assert_eq!(runs(&count), 3);

        // A new kernel probes again, and so does a changed bubblewrap.
        check("6.2.0");
        assert_eq!(runs(&count), 6);
        check("6.2.0");
        assert_eq!(runs(&count), 6);
        counting_bwrap(&bin, &count, "an upgraded bubblewrap");
        check("6.2.0");
        assert_eq!(runs(&count), 9);

        // A damaged cache file is probed over.
        std::fs::write(cache.join(PROBE_CACHE_FILE), "{").unwrap();
        check("6.2.0");
        assert_eq!(runs(&count), 12);

        // Without a cache directory it always probes; a failing probe is not kept.
        check_isolation_with(Isolation::Bubblewrap, Some(bwrap.clone()), None, "6.2.0").unwrap();
        assert_eq!(runs(&count), 15);
        let other = tempfile::tempdir().unwrap();
        assert!(check_isolation_with(
            Isolation::Bubblewrap,
            Some("/bin/false".into()),
            Some(other.path()),
            "6.2.0"
        )
        .is_err());
        assert!(!other.path().join(PROBE_CACHE_FILE).exists());
    }
}
