//! The bubblewrap command line for one command.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::layers::Layer;
use super::{Policy, SANDBOX_HOME, SANDBOX_WORK};

/// Host directories mounted read-only at the same place in every sandbox.
pub(super) const SYSTEM_DIRS: &[&str] =
    &["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/nix", "/gnu"];

/// Inputs of [`bwrap_args`].
#[derive(Debug)]
pub struct BwrapConfig<'a> {
    /// The copy on the host.
    pub work: &'a Path,
    /// Working directory relative to the copy.
    pub cwd: &'a Path,
    /// The user's object store the copy borrows from (read-only).
    pub objects_dir: &'a Path,
    pub policy: &'a Policy,
    pub env: &'a BTreeMap<String, String>,
    pub argv: &'a [String],
    /// Descriptor on which bubblewrap writes `{"child-pid": N}`.
    pub info_fd: Option<i32>,
    /// Whether this bubblewrap knows `--size` (tmpfs size limits).
    pub tmpfs_size: bool,
    /// Host directories (toolchains) mounted read-only at the same path.
    pub mounts: &'a [PathBuf],
    /// Keep the network namespace the command was started in (the egress proxy's, whose
    /// only way out is vibe's proxy) instead of an empty one.
    pub keep_network: bool,
    /// Dependency directories of the repository mounted read-only in the copy (when they
    /// cannot be writable layers).
    pub read_only_layers: &'a [Layer],
}

/// The bubblewrap command line for one command.
pub fn bwrap_args(c: &BwrapConfig<'_>) -> Vec<OsString> {
    let mut a: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| a.extend(items.iter().map(OsString::from));
    push(&["--unshare-all"]);
    if c.policy.network || c.keep_network {
        push(&["--share-net"]);
    }
    push(&["--die-with-parent", "--new-session", "--cap-drop", "ALL", "--hostname", "vibe-sandbox"]);
    push_system_mounts(&mut a);
    let size = c.policy.memory_bytes.to_string();
    for dir in ["/tmp", SANDBOX_HOME] {
        if c.tmpfs_size {
            a.extend(["--size".into(), OsString::from(&size)]);
        }
        a.extend(["--tmpfs".into(), dir.into()]);
    }
    a.extend(["--proc".into(), "/proc".into(), "--dev".into(), "/dev".into()]);
    a.extend(["--ro-bind".into(), c.objects_dir.into(), c.objects_dir.into()]);
    for p in c.mounts.iter().chain(&c.policy.read_only_paths) {
        a.extend(["--ro-bind-try".into(), p.into(), p.into()]);
    }
    for p in &c.policy.writable_paths {
        a.extend(["--bind-try".into(), p.into(), p.into()]);
    }
    a.extend(["--bind".into(), c.work.into(), SANDBOX_WORK.into()]);
    for layer in c.read_only_layers {
        a.extend([
            "--ro-bind-try".into(),
            (&layer.source).into(),
            Path::new(SANDBOX_WORK).join(&layer.path).into(),
        ]);
    }
    a.extend(["--chdir".into(), Path::new(SANDBOX_WORK).join(c.cwd).into()]);
    if let Some(fd) = c.info_fd {
        a.extend(["--info-fd".into(), fd.to_string().into()]);
    }
    a.push("--clearenv".into());
    for (k, v) in c.env {
        a.extend(["--setenv".into(), k.into(), v.into()]);
    }
    a.push("--".into());
    // Lower RLIMIT_NPROC again inside the user namespace: there it counts only the sandbox's
    // own processes, not every process of the user.
    let limit = c.policy.max_processes;
    a.extend(["sh".into(), "-c".into()]);
    a.push(format!("ulimit -u {limit} 2>/dev/null || ulimit -p {limit} 2>/dev/null; exec \"$@\"").into());
    a.push("vibe-sandbox".into());
    a.extend(c.argv.iter().map(OsString::from));
    a
}

pub(super) fn push_system_mounts(a: &mut Vec<OsString>) {
    for dir in SYSTEM_DIRS {
        let Ok(meta) = std::fs::symlink_metadata(dir) else { continue };
        if meta.file_type().is_symlink() {
            if let Ok(target) = std::fs::read_link(dir) {
                a.extend(["--symlink".into(), target.into(), (*dir).into()]);
            }
        } else if meta.is_dir() {
            a.extend(["--ro-bind".into(), (*dir).into(), (*dir).into()]);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::sandbox::local::{SANDBOX_HOME, SANDBOX_WORK};

    fn args(policy: &Policy) -> Vec<String> {
        let env: BTreeMap<String, String> = [("PATH".to_string(), "/usr/bin".to_string())].into();
        let argv = vec!["make".to_string(), "test".to_string()];
        bwrap_args(&BwrapConfig {
            work: Path::new("/data/job/work"),
            cwd: Path::new("crates/a"),
            objects_dir: Path::new("/home/u/repo/.git/objects"),
            policy,
            env: &env,
            argv: &argv,
            info_fd: Some(7),
            tmpfs_size: true,
            mounts: &[],
            keep_network: false,
            read_only_layers: &[],
        })
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
    }

    fn has_pair(args: &[String], a: &str, b: &str) -> bool {
        args.windows(2).any(|w| w[0] == a && w[1] == b)
    }

    #[test]
    fn the_command_line_isolates_by_default() {
        let a = args(&Policy::default());
        assert_eq!(a[0], "--unshare-all");
        assert!(!a.contains(&"--share-net".to_string()));
        for flag in ["--die-with-parent", "--new-session", "--clearenv"] {
            assert!(a.contains(&flag.to_string()), "{flag}");
        }
        assert!(has_pair(&a, "--cap-drop", "ALL"));
        assert!(has_pair(&a, "--tmpfs", "/tmp") && has_pair(&a, "--tmpfs", SANDBOX_HOME));
        assert!(has_pair(&a, "--info-fd", "7"));
        assert!(has_pair(&a, "--size", &(4096u64 * 1024 * 1024).to_string()), "tmpfs sizes are bounded");
        assert!(has_pair(&a, "--chdir", "/vibe/work/crates/a"));
        let bind = a.iter().position(|x| x == "--bind").unwrap();
        assert_eq!((a[bind + 1].as_str(), a[bind + 2].as_str()), ("/data/job/work", SANDBOX_WORK));
        let ro = a.iter().position(|x| x == "/home/u/repo/.git/objects").unwrap();
        assert_eq!(a[ro - 1], "--ro-bind", "the user's objects are read-only");
        assert!(!a.iter().any(|x| x == "/home/u" || x == "/home/u/repo"), "the home is never mounted");
        // The command comes last, behind the in-namespace process limit.
        let dashdash = a.iter().position(|x| x == "--").unwrap();
        assert_eq!(&a[dashdash + 1..dashdash + 3], ["sh", "-c"]);
        assert!(a[dashdash + 3].contains("ulimit -u 512"));
        assert_eq!(&a[a.len() - 2..], ["make", "test"]);
    }

    #[test]
    fn network_and_extra_mounts_come_only_from_the_policy() {
        let policy = Policy {
            network: true,
            read_only_paths: vec!["/opt/toolchain".into()],
            writable_paths: vec!["/var/cache/build".into()],
            ..Policy::default()
        };
        let a = args(&policy);
        assert!(a.contains(&"--share-net".to_string()));
        assert!(has_pair(&a, "--ro-bind-try", "/opt/toolchain"));
        assert!(has_pair(&a, "--bind-try", "/var/cache/build"));
    }
}
