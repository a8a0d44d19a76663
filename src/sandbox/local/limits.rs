//! What the child applies between fork and exec: rlimits, a fresh session keyring, the
//! pids cgroup, and closing every inherited descriptor.

use std::ffi::CString;
use std::time::Duration;

use super::namespaces::Namespaces;
use super::probe::is_root;
use super::process::PidsCgroup;
use super::{Policy, SandboxError};

/// The descriptor number bubblewrap's `--info-fd` gets in the child.
pub(super) const INFO_FD: i32 = 3;

/// `keyctl(2)` operation: join (here: create) an anonymous session keyring.
pub(super) const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;

/// The pipe bubblewrap's `--info-fd` writes to.
pub(super) struct InfoPipe {
    read: std::os::fd::OwnedFd,
    write: std::os::fd::OwnedFd,
}

impl InfoPipe {
    pub(super) fn new() -> Result<Self, SandboxError> {
        use std::os::fd::FromRawFd;
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe2 fills two descriptors we then own.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(SandboxError::io("creating a pipe", std::io::Error::last_os_error()));
        }
        // SAFETY: both descriptors were just created and are owned by nobody else.
        let (read, write) =
            unsafe { (std::os::fd::OwnedFd::from_raw_fd(fds[0]), std::os::fd::OwnedFd::from_raw_fd(fds[1])) };
        Ok(Self { read, write })
    }

    pub(super) fn write_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.write.as_raw_fd()
    }

    /// Closes our end for writing and reads the init's PID in the background (the pipe
    /// closes when bubblewrap has written it or exits).
    pub(super) fn read_child_pid(self) -> tokio::task::JoinHandle<Option<i32>> {
        let Self { read, write } = self;
        drop(write);
        tokio::task::spawn_blocking(move || {
            use std::io::Read;
            let mut text = String::new();
            std::fs::File::from(read).read_to_string(&mut text).ok()?;
            let value: serde_json::Value = serde_json::from_str(text.trim()).ok()?;
            value.get("child-pid")?.as_i64().map(|p| p as i32)
        })
    }
}

/// rlimits and cgroup membership applied in the child between fork and exec.
pub(super) struct Limits {
    nproc: u64,
    address_space: u64,
    file_size: u64,
    cpu_secs: u64,
    cgroup_procs: Option<CString>,
    /// A descriptor the child keeps across exec (bubblewrap's `--info-fd`).
    pub(super) keep_fd: Option<i32>,
    /// Namespaces of the command's own: dependency layers, the proxy's network.
    pub(super) namespaces: Option<Namespaces>,
}

impl Limits {
    pub(super) fn new(policy: &Policy, timeout: Duration, cgroup: Option<&PidsCgroup>) -> Self {
        // RLIMIT_NPROC counts every process of the user, so leave room for the ones the user
        // already runs; the sandbox's own tree gets `max_processes` on top.
        let nproc =
            if is_root() { policy.max_processes } else { user_process_count() + policy.max_processes };
        Self {
            nproc,
            address_space: policy.memory_bytes,
            file_size: policy.max_file_bytes,
            cpu_secs: timeout.as_secs() + 5,
            cgroup_procs: cgroup
                .and_then(|c| CString::new(c.procs_file().as_os_str().as_encoded_bytes()).ok()),
            keep_fd: None,
            namespaces: None,
        }
    }

    pub(super) fn apply(&self) -> std::io::Result<()> {
        // A fresh, empty session keyring: the user's session keyring (where keyutils-based
        // credential stores such as vibe's own token store live) is not inherited.
        // SAFETY: raw keyctl syscall with a NULL name; touches no memory of ours.
        let joined = unsafe {
            libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, std::ptr::null::<libc::c_char>())
        };
        if joined < 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::ENOSYS) {
                return Err(e);
            }
        }
        if let Some(procs) = &self.cgroup_procs {
            // SAFETY: open/write/close on a NUL-terminated path prepared before fork.
            unsafe {
                let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let written = libc::write(fd, b"0\n".as_ptr().cast(), 2);
                libc::close(fd);
                if written < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
        }
        // Namespaces of the command's own (dependency layers, the proxy's network) come
        // before the descriptors are closed: the proxy's listener leaves on one of them.
        if let Some(namespaces) = &self.namespaces {
            namespaces.apply()?;
        }
        // Only stdin, stdout, stderr (and bubblewrap's info pipe, moved to INFO_FD) survive
        // exec: a descriptor some library opened without close-on-exec (a database, a log
        // file, a socket) must not reach the sandbox.
        let first_closed = match self.keep_fd {
            Some(fd) => {
                // SAFETY: dup2 onto a fixed number; the copy has close-on-exec cleared.
                if fd != INFO_FD && unsafe { libc::dup2(fd, INFO_FD) } < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if fd == INFO_FD {
                    // SAFETY: fcntl on a descriptor we own.
                    if unsafe { libc::fcntl(fd, libc::F_SETFD, 0) } != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                INFO_FD + 1
            }
            None => 3,
        };
        // SAFETY: close_range closes descriptors of this (child) process only.
        let closed = unsafe {
            libc::syscall(libc::SYS_close_range, first_closed as libc::c_uint, libc::c_uint::MAX, 0)
        };
        if closed != 0 {
            for fd in first_closed..4096 {
                // SAFETY: closing descriptors of this child; errors (not open) are ignored.
                unsafe {
                    libc::close(fd);
                }
            }
        }
        let set = |resource, value: u64| -> std::io::Result<()> {
            let limit = libc::rlimit { rlim_cur: value as libc::rlim_t, rlim_max: value as libc::rlim_t };
            // SAFETY: setrlimit with a valid pointer to a stack value.
            if unsafe { libc::setrlimit(resource, &limit) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        };
        set(libc::RLIMIT_NPROC, self.nproc)?;
        set(libc::RLIMIT_AS, self.address_space)?;
        set(libc::RLIMIT_FSIZE, self.file_size)?;
        set(libc::RLIMIT_CPU, self.cpu_secs)?;
        set(libc::RLIMIT_CORE, 0)?;
        Ok(())
    }
}

pub(super) fn user_process_count() -> u64 {
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0 };
    let mut count = 0;
    for entry in dir.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        use std::os::unix::fs::MetadataExt;
        if entry.metadata().is_ok_and(|m| m.uid() == uid) {
            count += 1;
        }
    }
    count
}
