//! Running one command: the environment, the bubblewrap (or bare) command line, limits,
//! streamed and capped output, timeout and cancel that take the whole process tree.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;

use super::bwrap::{bwrap_args, BwrapConfig};
use super::egress;
use super::layers::overlay_mounts;
use super::limits::{InfoPipe, Limits, INFO_FD};
use super::namespaces::Namespaces;
use super::process::{descendants, wait_until_gone, PidsCgroup};
use super::{
    paths, CappedBuf, CommandOutcome, CommandRequest, Isolation, LocalSandbox, OutputChunk, OutputSink,
    SandboxError, Stream, SANDBOX_HOME,
};

impl LocalSandbox {
    pub(super) fn build_env(
        &self,
        request: &CommandRequest,
    ) -> Result<BTreeMap<String, String>, SandboxError> {
        let mut env: BTreeMap<String, String> = self.meta.base_env.clone();
        env.entry("PATH".into()).or_insert_with(|| "/usr/local/bin:/usr/bin:/bin".into());
        let home = match self.meta.isolation {
            Isolation::Bubblewrap => SANDBOX_HOME.to_string(),
            Isolation::None => self.home.display().to_string(),
        };
        env.insert("HOME".into(), home);
        env.insert("VIBE_SANDBOX".into(), "1".into());
        env.extend(self.meta.environment.env(&self.meta.policy));
        for (k, v) in self.meta.policy.env.iter().chain(request.env.iter()) {
            if k.is_empty() || k.contains('=') || k.contains('\0') || v.contains('\0') {
                return Err(SandboxError::Invalid(format!("invalid environment variable name `{k}`")));
            }
            env.insert(k.clone(), v.clone());
        }
        Ok(env)
    }

    pub(super) fn command(
        &self,
        request: &CommandRequest,
        cwd_rel: &Path,
        env: &BTreeMap<String, String>,
        info_fd: Option<i32>,
    ) -> tokio::process::Command {
        match (&self.meta.isolation, &self.bwrap) {
            (Isolation::Bubblewrap, Some(bwrap)) => {
                let args = bwrap_args(&BwrapConfig {
                    work: &self.work,
                    cwd: cwd_rel,
                    objects_dir: &self.meta.objects_dir,
                    policy: &self.meta.policy,
                    env,
                    argv: &request.argv,
                    info_fd,
                    tmpfs_size: bwrap.tmpfs_size,
                    mounts: &self.meta.environment.toolchains.mounts,
                    keep_network: self.meta.environment.proxied(&self.meta.policy),
                    read_only_layers: if self.meta.environment.overlays {
                        &[]
                    } else {
                        &self.meta.environment.layers
                    },
                });
                let mut cmd = tokio::process::Command::new(&bwrap.path);
                cmd.args(args).env_clear();
                cmd
            }
            _ => {
                let mut cmd = tokio::process::Command::new(&request.argv[0]);
                cmd.args(&request.argv[1..]).env_clear().envs(env).current_dir(self.work.join(cwd_rel));
                cmd
            }
        }
    }

    pub(super) async fn run_inner(
        &self,
        request: CommandRequest,
        sink: Option<OutputSink>,
        cancel: Option<tokio::sync::watch::Receiver<bool>>,
    ) -> Result<CommandOutcome, SandboxError> {
        self.alive()?;
        if request.argv.is_empty() || request.argv[0].is_empty() {
            return Err(SandboxError::Invalid("an empty command cannot run".into()));
        }
        if request.argv.iter().any(|a| a.contains('\0')) {
            return Err(SandboxError::Invalid("command arguments may not contain NUL bytes".into()));
        }
        let cwd_rel = paths::relative(&request.cwd)?;
        let cwd_host = paths::resolve_existing(&self.work, &cwd_rel)?;
        if !cwd_host.is_dir() {
            return Err(SandboxError::Invalid(format!(
                "working directory `{}` is not a directory",
                request.cwd
            )));
        }
        let env = self.build_env(&request)?;
        let policy = &self.meta.policy;
        let timeout = request.timeout.map_or(policy.command_timeout, |t| t.min(policy.command_timeout));

        let cgroup = PidsCgroup::create(policy.max_processes);
        // bubblewrap reports the host PID of the namespace's init on this pipe; once that
        // process is gone, every process of the sandbox is.
        let info = match self.meta.isolation {
            Isolation::Bubblewrap => Some(InfoPipe::new()?),
            Isolation::None => None,
        };
        let mut limits = Limits::new(policy, timeout, cgroup.as_ref());
        limits.keep_fd = info.as_ref().map(|i| i.write_fd());
        let environment = &self.meta.environment;
        let mounts = if environment.overlays {
            overlay_mounts(&environment.layers, &self.work, &self.dir.join("layers"))
                .map_err(|e| SandboxError::io("preparing the dependency layers", e))?
        } else {
            Vec::new()
        };
        // The proxy's private network exists only inside bubblewrap's isolation.
        let proxied = environment.proxied(policy) && self.meta.isolation == Isolation::Bubblewrap;
        let mut handoff = None;
        if !mounts.is_empty() || proxied {
            let (namespaces, back) = Namespaces::new(mounts, proxied)
                .map_err(|e| SandboxError::io("preparing the command's namespaces", e))?;
            limits.namespaces = Some(namespaces);
            handoff = back;
        }
        let mut cmd = self.command(&request, &cwd_rel, &env, info.as_ref().map(|_| INFO_FD));
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        // SAFETY: the closure only calls async-signal-safe functions (setrlimit, open, write,
        // close) on data prepared before fork.
        unsafe {
            cmd.pre_exec(move || limits.apply());
        }
        let started = Instant::now();
        let mut child =
            cmd.spawn().map_err(|e| SandboxError::io(format!("starting `{}`", request.argv[0]), e))?;
        // The child's end of the proxy's socket pair (inside the command) goes with it.
        drop(cmd);
        let refused: egress::Refused = Default::default();
        let proxy = match handoff {
            Some(handoff) => {
                let listener = tokio::task::spawn_blocking(move || handoff.receive()).await.ok().flatten();
                let listener = listener
                    .and_then(|l| l.set_nonblocking(true).ok().map(|()| l))
                    .and_then(|l| tokio::net::TcpListener::from_std(l).ok());
                let allow = std::sync::Arc::new(egress::Allow::new(&environment.registries));
                listener.map(|l| tokio::spawn(egress::serve(l, allow, std::sync::Arc::clone(&refused))))
            }
            None => None,
        };
        let pid = child.id().map(|p| p as i32);
        let init_pid = info.map(InfoPipe::read_child_pid);
        let mut stdout = child.stdout.take();
        let mut stderr = child.stderr.take();
        let cap = policy.max_output_bytes;
        let mut out_buf = CappedBuf::new(cap);
        let mut err_buf = CappedBuf::new(cap);

        let kill_tree = || {
            if let Some(pid) = pid {
                // SAFETY: sending a signal to our own child's process group.
                unsafe {
                    libc::killpg(pid, libc::SIGKILL);
                }
            }
            if let Some(cg) = &cgroup {
                cg.kill_all();
            }
        };

        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let waiter = async {
            let mut cancel = cancel;
            let ending = tokio::select! {
                status = child.wait() => {
                    let _ = done_tx.send(());
                    return (status, false, false);
                }
                _ = tokio::time::sleep(timeout) => (true, false),
                _ = cancelled(&mut cancel) => (false, true),
            };
            // Kill the sandbox's processes directly (bubblewrap's own and the PID namespace's
            // init among them) and wait until they are gone: when the namespace's init is
            // gone, so is every process inside it.
            let tree = pid.map(descendants).unwrap_or_default();
            for p in &tree {
                // SAFETY: signalling processes of our own child's tree.
                unsafe {
                    libc::kill(*p, libc::SIGKILL);
                }
            }
            kill_tree();
            let status = child.wait().await;
            wait_until_gone(&tree, cgroup.as_ref()).await;
            let _ = done_tx.send(());
            (status, ending.0, ending.1)
        };
        let pumps = async {
            let both = async {
                tokio::join!(
                    pump(stdout.as_mut(), Stream::Stdout, sink.as_ref(), &mut out_buf),
                    pump(stderr.as_mut(), Stream::Stderr, sink.as_ref(), &mut err_buf)
                )
            };
            tokio::select! {
                _ = both => {}
                _ = async {
                    let _ = done_rx.await;
                    // A process that escaped (only possible without isolation) may hold the
                    // pipes open; stop reading shortly after the command itself is gone.
                    tokio::time::sleep(Duration::from_secs(2)).await;
                } => {}
            }
        };
        let ((status, timed_out, cancelled), ()) = tokio::join!(waiter, pumps);
        // bubblewrap may exit before its namespace is torn down: wait for the init.
        if let Some(handle) = init_pid {
            if let Ok(Some(init)) = handle.await {
                wait_until_gone(&[init], None).await;
            }
        }
        // Whatever is left in the process group or cgroup goes too.
        kill_tree();
        if let Some(cg) = cgroup {
            cg.close().await;
        }
        if let Some(proxy) = proxy {
            proxy.abort();
        }
        let status = status.map_err(|e| SandboxError::io("waiting for the command", e))?;
        use std::os::unix::process::ExitStatusExt;
        let truncated = out_buf.truncated() || err_buf.truncated();
        let mut stderr_text = err_buf.finish();
        let refused = refused.lock().map(|r| r.clone()).unwrap_or_default();
        if !refused.is_empty() {
            stderr_text.push_str(&format!(
                "\nvibe: refused network access to {} (sandbox.network = \"registries\" allows only: {})\n",
                refused.join(", "),
                environment.registries.join(", ")
            ));
        }
        Ok(CommandOutcome {
            exit_code: if timed_out || cancelled { None } else { status.code() },
            signal: status.signal().or(if timed_out || cancelled { Some(libc::SIGKILL) } else { None }),
            timed_out,
            cancelled,
            stdout: out_buf.finish(),
            stderr: stderr_text,
            truncated,
            duration_ms: started.elapsed().as_millis() as u64,
        })
    }
}

pub(super) async fn cancelled(cancel: &mut Option<tokio::sync::watch::Receiver<bool>>) {
    let Some(rx) = cancel else { return std::future::pending().await };
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}

pub(super) async fn pump<R: tokio::io::AsyncRead + Unpin>(
    reader: Option<&mut R>,
    stream: Stream,
    sink: Option<&OutputSink>,
    buf: &mut CappedBuf,
) {
    let Some(reader) = reader else { return };
    let mut chunk = vec![0u8; 8192];
    loop {
        match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                buf.push(&chunk[..n]);
                if let Some(sink) = sink {
                    sink(OutputChunk { stream, text: String::from_utf8_lossy(&chunk[..n]).into_owned() });
                }
            }
        }
    }
}
