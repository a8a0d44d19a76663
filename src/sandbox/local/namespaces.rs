//! Namespaces a command gets before bubblewrap (or, without isolation, before the command
//! itself) starts: a user namespace of its own mapping only its own ids, and in it
//!
//! - a mount namespace where the dependency layers are mounted (see [`super::layers`]), and
//! - for `sandbox.network = "registries"`, a network namespace whose only way out is a
//!   listening socket on its loopback that the child hands to vibe, which serves it as the
//!   egress proxy (see [`super::egress`]). Bubblewrap then keeps this network namespace
//!   (`--share-net`) instead of making an empty one.
//!
//! Everything is prepared before fork; [`Namespaces::apply`] runs in the child and makes only
//! async-signal-safe system calls.

use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The port the proxy listens on inside the command's network namespace (private to it, so
/// no other program can hold it).
pub const PROXY_PORT: u16 = 3128;

/// What the child sets up between fork and exec.
#[derive(Debug)]
pub struct Namespaces {
    uid_map: CString,
    gid_map: CString,
    /// Overlay mounts: target directory and options.
    mounts: Vec<(CString, CString)>,
    /// The child's end of the socket pair the proxy's listener goes back on.
    net: Option<OwnedFd>,
}

/// The parent's end of the socket pair: receives the listening socket made in the child's
/// network namespace.
#[derive(Debug)]
pub struct ListenerHandoff {
    parent: OwnedFd,
}

impl Namespaces {
    /// Namespaces for `mounts` (overlays) and, with `proxy`, a private network whose listener
    /// comes back through the returned handoff.
    pub fn new(
        mounts: Vec<(CString, CString)>,
        proxy: bool,
    ) -> std::io::Result<(Self, Option<ListenerHandoff>)> {
        // SAFETY: getuid/getgid have no preconditions.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let (net, handoff) = if proxy {
            let mut fds = [0 as libc::c_int; 2];
            // SAFETY: socketpair fills two descriptors we then own.
            if unsafe {
                libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr())
            } != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            // SAFETY: both descriptors were just created and are owned by nobody else.
            let (parent, child) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
            (Some(child), Some(ListenerHandoff { parent }))
        } else {
            (None, None)
        };
        let ns = Self {
            uid_map: cstring(format!("{uid} {uid} 1\n"))?,
            gid_map: cstring(format!("{gid} {gid} 1\n"))?,
            mounts,
            net,
        };
        Ok((ns, handoff))
    }

    /// Runs in the child after fork.
    pub fn apply(&self) -> std::io::Result<()> {
        let mut flags = libc::CLONE_NEWUSER | libc::CLONE_NEWNS;
        if self.net.is_some() {
            flags |= libc::CLONE_NEWNET;
        }
        // SAFETY: system calls on data prepared before fork; nothing here allocates.
        unsafe {
            if libc::unshare(flags) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            write_file(c"/proc/self/setgroups", b"deny")?;
            write_file(c"/proc/self/uid_map", self.uid_map.as_bytes())?;
            write_file(c"/proc/self/gid_map", self.gid_map.as_bytes())?;
            check(libc::mount(
                c"none".as_ptr(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ))?;
            for (target, options) in &self.mounts {
                check(libc::mount(
                    c"overlay".as_ptr(),
                    target.as_ptr(),
                    c"overlay".as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV,
                    options.as_ptr().cast(),
                ))?;
            }
            if let Some(channel) = &self.net {
                hand_over_listener(channel.as_raw_fd())?;
            }
        }
        Ok(())
    }
}

impl ListenerHandoff {
    /// Waits (blocking) for the listener the child made; `None` when the child ended first.
    pub fn receive(self) -> Option<std::net::TcpListener> {
        let mut byte = [0u8; 1];
        let mut iov = libc::iovec { iov_base: byte.as_mut_ptr().cast(), iov_len: 1 };
        let mut control = [0u64; 8];
        // SAFETY: msghdr points at buffers that live for the call.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control) as _;
        // SAFETY: recvmsg on our own socket with the buffers above.
        let n = unsafe { libc::recvmsg(self.parent.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
        if n <= 0 {
            return None;
        }
        // SAFETY: the control buffer was filled by the kernel; CMSG_* walk it within bounds.
        unsafe {
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            if cmsg.is_null()
                || (*cmsg).cmsg_level != libc::SOL_SOCKET
                || (*cmsg).cmsg_type != libc::SCM_RIGHTS
            {
                return None;
            }
            let fd = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>());
            Some(std::net::TcpListener::from(OwnedFd::from_raw_fd(fd)))
        }
    }
}

/// In the child's new network namespace: bring up loopback, listen on
/// 127.0.0.1:[`PROXY_PORT`], and send the listening socket over `channel`.
///
/// # Safety
/// Async-signal-safe system calls only; `channel` is an open socket.
unsafe fn hand_over_listener(channel: libc::c_int) -> std::io::Result<()> {
    // SAFETY: plain system calls on descriptors made here and structures on the stack.
    unsafe {
        let ctl = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if ctl < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo\0".iter().enumerate() {
            req.ifr_name[i] = *b as libc::c_char;
        }
        req.ifr_ifru.ifru_flags = (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
        let up = libc::ioctl(ctl, libc::SIOCSIFFLAGS, &req);
        libc::close(ctl);
        check(up)?;

        let sock = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if sock < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_port = PROXY_PORT.to_be();
        addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        check(libc::bind(
            sock,
            (&addr as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        ))?;
        check(libc::listen(sock, 128))?;

        let mut byte = [0u8; 1];
        let mut iov = libc::iovec { iov_base: byte.as_mut_ptr().cast(), iov_len: 1 };
        let mut control = [0u64; 8];
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = libc::CMSG_SPACE(std::mem::size_of::<libc::c_int>() as u32) as _;
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<libc::c_int>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>(), sock);
        let sent = libc::sendmsg(channel, &msg, 0);
        libc::close(sock);
        if sent < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

fn check(ret: libc::c_int) -> std::io::Result<()> {
    if ret != 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn cstring(s: String) -> std::io::Result<CString> {
    CString::new(s).map_err(|_| std::io::Error::other("a NUL byte"))
}

/// # Safety
/// Async-signal-safe: open, write and close of a NUL-terminated path.
unsafe fn write_file(path: &CStr, bytes: &[u8]) -> std::io::Result<()> {
    // SAFETY: the caller passes a valid NUL-terminated path; the buffer outlives the call.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let written = libc::write(fd, bytes.as_ptr().cast(), bytes.len());
        libc::close(fd);
        if written < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
