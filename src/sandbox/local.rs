//! The local backend: the copy lives in a directory on this machine and every command runs
//! under bubblewrap — new user, PID, network, IPC, UTS and cgroup namespaces, all
//! capabilities dropped, the system mounted read-only, only the copy (and a private `/tmp`
//! and empty home) writable, an environment built from an allow-list, and rlimits set in the
//! child before exec. Killing bubblewrap takes the sandbox's PID namespace, and so every
//! process a command started, with it.
//!
//! [`Isolation::None`] is the explicit opt-out: the same copy and limits, no namespaces.

use std::collections::BTreeMap;
use std::ffi::{CString, OsString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use super::capture::CappedBuf;
use super::{
    copy, paths, BoxFuture, CommandOutcome, CommandRequest, Diff, Entry, EntryKind, Listing, OutputChunk,
    OutputSink, Policy, Sandbox, SandboxError, SandboxSpec, SearchHit, SearchResult, Stream, Warning,
};

/// Where the copy appears inside the sandbox.
pub const SANDBOX_WORK: &str = "/vibe/work";
/// The private, empty home inside the sandbox.
pub const SANDBOX_HOME: &str = "/vibe/home";

/// Variables of vibe's own environment that commands inherit; everything else is dropped.
pub const ENV_ALLOW_LIST: &[&str] =
    &["PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TERM", "TZ"];

const SYSTEM_DIRS: &[&str] =
    &["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/nix", "/gnu"];

const META_FILE: &str = "sandbox.json";
/// vibe's own repository beside the copy (never mounted in the sandbox).
const TRUSTED_GIT: &str = "base.git";
/// What a copy made ahead of its job was made from.
const PREPARED_FILE: &str = "prepared.json";

/// Largest file [`Sandbox::read`] returns.
const MAX_READ_BYTES: u64 = 32 * 1024 * 1024;
/// Files larger than this are skipped by search.
const MAX_SEARCH_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// How commands are isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Isolation {
    /// bubblewrap namespaces (the default).
    Bubblewrap,
    /// None at all: the explicit, unsafe opt-out.
    None,
}

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

fn process_limit_mechanism() -> &'static str {
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

fn find_bwrap() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("bwrap")).find(|p| p.is_file())
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// What is stored beside the copy so a later process can reopen it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Meta {
    repo: PathBuf,
    base_commit: String,
    objects_dir: PathBuf,
    isolation: Isolation,
    policy: Policy,
    /// The allow-listed part of the environment vibe ran in.
    base_env: BTreeMap<String, String>,
}

/// A sandbox on this machine.
#[derive(Debug)]
pub struct LocalSandbox {
    dir: PathBuf,
    work: PathBuf,
    home: PathBuf,
    meta: Meta,
    bwrap: Option<Bwrap>,
    destroyed: AtomicBool,
}

impl LocalSandbox {
    /// Makes the copy in `spec.dir` and checks the isolation works.
    pub async fn create(spec: SandboxSpec, isolation: Isolation) -> Result<Self, SandboxError> {
        let bwrap = check_isolation(isolation)?;
        if spec.dir.exists()
            && std::fs::read_dir(&spec.dir)
                .map_err(|e| SandboxError::io("reading the sandbox directory", e))?
                .next()
                .is_some()
        {
            return Err(SandboxError::Invalid(format!(
                "the sandbox directory {} is not empty",
                spec.dir.display()
            )));
        }
        let work = spec.dir.join("work");
        let (repo, base, allow_dirty, dir, prepared, pool) = (
            spec.repo.clone(),
            spec.base.clone(),
            spec.allow_dirty,
            spec.dir.clone(),
            spec.prepared.clone(),
            spec.pool.clone(),
        );
        let info = tokio::task::spawn_blocking(move || {
            if let Some(info) = prepared.and_then(|p| adopt(&p, &repo, base.as_deref(), allow_dirty, &dir)) {
                return Ok(info);
            }
            let dirty = if allow_dirty { copy::Dirty::Include } else { copy::Dirty::Refuse };
            make_copy(&repo, base.as_deref(), dirty, &dir, pool.as_deref())
        })
        .await
        .map_err(|e| SandboxError::Git(format!("creating the copy: {e}")))?;
        let info = match info {
            Ok(info) => info,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&spec.dir);
                return Err(e);
            }
        };
        let meta = Meta {
            repo: spec.repo.clone(),
            base_commit: info.base_commit,
            objects_dir: info.objects_dir,
            isolation,
            policy: spec.policy,
            base_env: spec
                .host_env
                .iter()
                .filter(|(k, _)| ENV_ALLOW_LIST.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        let text = serde_json::to_string_pretty(&meta).map_err(|e| SandboxError::Invalid(e.to_string()))?;
        std::fs::write(spec.dir.join(META_FILE), text)
            .map_err(|e| SandboxError::io("writing the sandbox metadata", e))?;
        let home = spec.dir.join("home");
        std::fs::create_dir_all(&home).map_err(|e| SandboxError::io("creating the private home", e))?;
        Ok(Self { work, home, dir: spec.dir, meta, bwrap, destroyed: AtomicBool::new(false) })
    }

    /// Reopens a sandbox made by [`LocalSandbox::create`] in `dir`.
    pub async fn open(dir: PathBuf) -> Result<Self, SandboxError> {
        let text = std::fs::read_to_string(dir.join(META_FILE))
            .map_err(|e| SandboxError::io(format!("reading {}", dir.join(META_FILE).display()), e))?;
        let meta: Meta = serde_json::from_str(&text)
            .map_err(|e| SandboxError::Invalid(format!("bad sandbox metadata: {e}")))?;
        let bwrap = check_isolation(meta.isolation)?;
        let home = dir.join("home");
        std::fs::create_dir_all(&home).map_err(|e| SandboxError::io("creating the private home", e))?;
        Ok(Self { work: dir.join("work"), home, dir, meta, bwrap, destroyed: AtomicBool::new(false) })
    }

    /// The copy on the host (for the caller's own reading; tools go through the trait).
    pub fn work_dir(&self) -> &Path {
        &self.work
    }

    /// How commands are isolated.
    pub fn isolation(&self) -> Isolation {
        self.meta.isolation
    }

    fn alive(&self) -> Result<(), SandboxError> {
        if self.destroyed.load(Ordering::SeqCst) {
            Err(SandboxError::Destroyed)
        } else {
            Ok(())
        }
    }

    fn build_env(&self, request: &CommandRequest) -> Result<BTreeMap<String, String>, SandboxError> {
        let mut env: BTreeMap<String, String> = self.meta.base_env.clone();
        env.entry("PATH".into()).or_insert_with(|| "/usr/local/bin:/usr/bin:/bin".into());
        let home = match self.meta.isolation {
            Isolation::Bubblewrap => SANDBOX_HOME.to_string(),
            Isolation::None => self.home.display().to_string(),
        };
        env.insert("HOME".into(), home);
        env.insert("VIBE_SANDBOX".into(), "1".into());
        for (k, v) in self.meta.policy.env.iter().chain(request.env.iter()) {
            if k.is_empty() || k.contains('=') || k.contains('\0') || v.contains('\0') {
                return Err(SandboxError::Invalid(format!("invalid environment variable name `{k}`")));
            }
            env.insert(k.clone(), v.clone());
        }
        Ok(env)
    }

    fn command(
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

    async fn run_inner(
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
        let status = status.map_err(|e| SandboxError::io("waiting for the command", e))?;
        use std::os::unix::process::ExitStatusExt;
        let truncated = out_buf.truncated() || err_buf.truncated();
        Ok(CommandOutcome {
            exit_code: if timed_out || cancelled { None } else { status.code() },
            signal: status.signal().or(if timed_out || cancelled { Some(libc::SIGKILL) } else { None }),
            timed_out,
            cancelled,
            stdout: out_buf.finish(),
            stderr: err_buf.finish(),
            truncated,
            duration_ms: started.elapsed().as_millis() as u64,
        })
    }

    fn list_inner(&self, dir: &str, recursive: bool, max: usize) -> Result<Listing, SandboxError> {
        self.alive()?;
        let rel = paths::relative(dir)?;
        let start = paths::resolve_existing(&self.work, &rel)?;
        let root =
            std::fs::canonicalize(&self.work).map_err(|e| SandboxError::io("resolving the copy", e))?;
        let mut walker = ignore::WalkBuilder::new(&start);
        walker
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(true)
            .require_git(false)
            .follow_links(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(|e| e.file_name() != ".git");
        if !recursive {
            walker.max_depth(Some(1));
        }
        let mut entries = Vec::new();
        let mut truncated = false;
        for item in walker.build() {
            let Ok(item) = item else { continue };
            if item.depth() == 0 {
                continue;
            }
            let Some(ft) = item.file_type() else { continue };
            let kind = if ft.is_symlink() {
                EntryKind::Symlink
            } else if ft.is_dir() {
                EntryKind::Dir
            } else {
                EntryKind::File
            };
            if entries.len() >= max {
                truncated = true;
                break;
            }
            let path = item.path().strip_prefix(&root).unwrap_or(item.path()).to_string_lossy().into_owned();
            let size =
                if kind == EntryKind::File { item.metadata().map(|m| m.len()).unwrap_or(0) } else { 0 };
            entries.push(Entry { path, kind, size });
        }
        Ok(Listing { entries, truncated })
    }

    fn search_inner(&self, pattern: &str, dir: &str, max: usize) -> Result<SearchResult, SandboxError> {
        self.alive()?;
        let regex = regex::Regex::new(pattern)
            .map_err(|e| SandboxError::Invalid(format!("invalid regular expression: {e}")))?;
        let rel = paths::relative(dir)?;
        let start = paths::resolve_existing(&self.work, &rel)?;
        let root =
            std::fs::canonicalize(&self.work).map_err(|e| SandboxError::io("resolving the copy", e))?;
        let walker = ignore::WalkBuilder::new(&start)
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .require_git(false)
            .follow_links(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        let mut hits = Vec::new();
        for item in walker {
            let Ok(item) = item else { continue };
            if !item.file_type().is_some_and(|t| t.is_file())
                || item.metadata().map_or(true, |m| m.len() > MAX_SEARCH_FILE_BYTES)
            {
                continue;
            }
            let Ok(bytes) = std::fs::read(item.path()) else { continue };
            if bytes.iter().take(8000).any(|b| *b == 0) {
                continue; // binary
            }
            let text = String::from_utf8_lossy(&bytes);
            let path = item.path().strip_prefix(&root).unwrap_or(item.path()).to_string_lossy().into_owned();
            for (i, line) in text.lines().enumerate() {
                if regex.is_match(line) {
                    if hits.len() >= max {
                        return Ok(SearchResult { hits, truncated: true });
                    }
                    let line_text =
                        if line.len() > 300 { super::truncate_middle(line, 300) } else { line.to_string() };
                    hits.push(SearchHit { path: path.clone(), line: i as u64 + 1, text: line_text });
                }
            }
        }
        Ok(SearchResult { hits, truncated: false })
    }

    fn read_inner(&self, path: &str) -> Result<Vec<u8>, SandboxError> {
        self.alive()?;
        let rel = paths::relative(path)?;
        let resolved = paths::resolve_existing(&self.work, &rel)?;
        let meta =
            std::fs::metadata(&resolved).map_err(|e| SandboxError::io(format!("reading {path}"), e))?;
        if meta.is_dir() {
            return Err(SandboxError::Invalid(format!("`{path}` is a directory; list it instead")));
        }
        if !meta.is_file() {
            // A FIFO or device planted by a command would block or stream forever.
            return Err(SandboxError::Invalid(format!("`{path}` is not a regular file")));
        }
        if meta.len() > MAX_READ_BYTES {
            return Err(SandboxError::Invalid(format!(
                "`{path}` is {} bytes, more than the {} MiB a tool may read; read parts of it with a command",
                meta.len(),
                MAX_READ_BYTES / (1024 * 1024)
            )));
        }
        std::fs::read(&resolved).map_err(|e| SandboxError::io(format!("reading {path}"), e))
    }

    fn write_inner(&self, path: &str, contents: &[u8]) -> Result<(), SandboxError> {
        self.alive()?;
        if contents.len() as u64 > self.meta.policy.max_file_bytes {
            return Err(SandboxError::Invalid(format!("`{path}` would be larger than the file size limit")));
        }
        let rel = paths::relative(path)?;
        let target = paths::resolve_for_write(&self.work, &rel)?;
        // Write beside the target and rename over it: never writes through a hard link.
        let dir = target.parent().unwrap_or(&self.work);
        let mut tmp = tempfile::Builder::new()
            .prefix(".vibe-write-")
            .tempfile_in(dir)
            .map_err(|e| SandboxError::io(format!("writing {path}"), e))?;
        use std::io::Write;
        tmp.write_all(contents).map_err(|e| SandboxError::io(format!("writing {path}"), e))?;
        if let Ok(meta) = std::fs::metadata(&target) {
            let _ = tmp.as_file().set_permissions(meta.permissions());
        } else {
            use std::os::unix::fs::PermissionsExt;
            let _ = tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644));
        }
        tmp.persist(&target).map_err(|e| SandboxError::io(format!("writing {path}"), e.error))?;
        Ok(())
    }

    fn remove_inner(&self, path: &str) -> Result<(), SandboxError> {
        self.alive()?;
        let rel = paths::relative(path)?;
        if rel.as_os_str().is_empty() {
            return Err(SandboxError::PathRefused {
                path: path.into(),
                reason: "the repository root cannot be removed".into(),
            });
        }
        // Check the parent resolves inside; remove the entry itself without following it.
        let parent = rel.parent().unwrap_or(Path::new(""));
        let parent_host = paths::resolve_existing(&self.work, parent)?;
        let name =
            rel.file_name().ok_or_else(|| SandboxError::Invalid(format!("`{path}` has no file name")))?;
        let target = parent_host.join(name);
        let meta = std::fs::symlink_metadata(&target).map_err(|_| SandboxError::NotFound(path.into()))?;
        let result =
            if meta.is_dir() { std::fs::remove_dir_all(&target) } else { std::fs::remove_file(&target) };
        result.map_err(|e| SandboxError::io(format!("removing {path}"), e))
    }
}

/// What [`prepare`] records beside the copy it made.
#[derive(Debug, Serialize, Deserialize)]
struct PreparedMeta {
    repo: PathBuf,
    base_commit: String,
    allow_dirty: bool,
    objects_dir: PathBuf,
}

/// Makes the copy of `repo` at `base_commit` (a full commit id) in `dir` ahead of the job
/// that will use it, so the copy is written while the model is still writing the plan. A
/// [`SandboxSpec`] naming `dir` in `prepared` takes it over. With `allow_dirty`, uncommitted
/// changes are copied too; without, the tree is not looked at: refusing a dirty tree is the
/// caller's business. A copy from `pool` is reused when there is one. Blocking; on failure
/// `dir` is removed.
pub fn prepare(
    repo: &Path,
    base_commit: &str,
    allow_dirty: bool,
    dir: &Path,
    pool: Option<&Path>,
) -> Result<(), SandboxError> {
    let dirty = if allow_dirty { copy::Dirty::Include } else { copy::Dirty::Unchecked };
    let made = make_copy(repo, Some(base_commit), dirty, dir, pool).and_then(|info| {
        let meta = PreparedMeta {
            repo: repo.to_path_buf(),
            base_commit: info.base_commit,
            allow_dirty,
            objects_dir: info.objects_dir,
        };
        let text = serde_json::to_vec(&meta).map_err(|e| SandboxError::Invalid(e.to_string()))?;
        std::fs::write(dir.join(PREPARED_FILE), text)
            .map_err(|e| SandboxError::io("recording the prepared copy", e))
    });
    if made.is_err() {
        let _ = discard(dir);
    }
    made
}

/// Makes `dir/work` a copy of `repo` at `base`, with vibe's repository beside it: a pooled
/// copy of the same repository brought up to date when there is one, else a new checkout.
fn make_copy(
    repo: &Path,
    base: Option<&str>,
    dirty: copy::Dirty,
    dir: &Path,
    pool: Option<&Path>,
) -> Result<copy::CopyInfo, SandboxError> {
    let source = copy::Source::read(repo, base, dirty)?;
    let (work, trusted) = (dir.join("work"), dir.join(TRUSTED_GIT));
    if pool.is_some_and(|pool| take_pooled(pool, repo, dir)) {
        match copy::recycle(&source, &work, &trusted) {
            Ok(info) => return Ok(info),
            // Whatever went wrong, a new copy is made.
            Err(_) => discard(dir).map_err(|e| SandboxError::io("removing a pooled copy", e))?,
        }
    }
    copy::create(&source, &work, &trusted)
}

/// Marks a complete pooled copy (written last).
const POOL_FILE: &str = "pool.json";

/// The pool directory of one repository: a stable name derived from its resolved path.
fn pool_slot(pool: &Path, repo: &Path) -> PathBuf {
    let path = std::fs::canonicalize(repo).unwrap_or_else(|_| repo.to_path_buf());
    // FNV-1a: stable across builds and platforms, which std's hasher does not promise.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.as_os_str().as_encoded_bytes() {
        hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name: String =
        name.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).take(40).collect();
    pool.join(format!("{name}-{hash:016x}"))
}

/// Moves a pooled copy of `repo` to `into` (which must not exist or be empty). Renaming is
/// atomic, so two processes never take the same copy.
fn take_pooled(pool: &Path, repo: &Path, into: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(pool_slot(pool, repo)) else { return false };
    let _ = std::fs::remove_dir(into);
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.join(POOL_FILE).is_file() {
            continue;
        }
        if std::fs::rename(&path, into).is_ok() {
            let _ = std::fs::remove_file(into.join(POOL_FILE));
            return true;
        }
    }
    false
}

/// Retires the sandbox in `dir` after its job ended and nothing runs in it any more: its copy
/// goes to `pool` for the next job of the same repository (at most `per_repo` of them; only
/// copies whose commands ran isolated), and the rest is removed in the background.
pub fn retire(dir: &Path, pool: Option<&Path>, per_repo: usize) {
    if let Some(pool) = pool {
        let _ = pool_copy(dir, pool, per_repo);
        sweep_pool(pool);
    }
    discard_in_background(dir);
}

/// Pooled copies unused for this long are removed (their repository may be gone).
const POOL_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

fn sweep_pool(pool: &Path) {
    let Ok(slots) = std::fs::read_dir(pool) else { return };
    for slot in slots.flatten() {
        let Ok(entries) = std::fs::read_dir(slot.path()) else { continue };
        for entry in entries.flatten() {
            let age = std::fs::metadata(entry.path().join(POOL_FILE))
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok());
            if age.is_some_and(|a| a > POOL_MAX_AGE) {
                discard_in_background(&entry.path());
            }
        }
    }
}

fn pool_copy(dir: &Path, pool: &Path, per_repo: usize) -> Option<()> {
    let meta: Meta = serde_json::from_slice(&std::fs::read(dir.join(META_FILE)).ok()?).ok()?;
    // Without isolation a daemonised command may still be writing to the copy.
    if meta.isolation != Isolation::Bubblewrap {
        return None;
    }
    let slot = pool_slot(pool, &meta.repo);
    // Only complete copies count: one being moved in or removed has no `pool.json`.
    let kept = std::fs::read_dir(&slot)
        .map(|d| d.flatten().filter(|e| e.path().join(POOL_FILE).is_file()).count())
        .unwrap_or(0);
    if kept >= per_repo {
        return None;
    }
    let entry = slot.join(crate::store::new_id());
    std::fs::create_dir_all(&entry).ok()?;
    let moved = std::fs::rename(dir.join("work"), entry.join("work")).is_ok()
        && std::fs::rename(dir.join(TRUSTED_GIT), entry.join(TRUSTED_GIT)).is_ok()
        && std::fs::write(entry.join(POOL_FILE), b"{}\n").is_ok();
    if !moved {
        discard_in_background(&entry);
        return None;
    }
    Some(())
}

/// Removes a copy made by [`prepare`] (or any sandbox directory), whatever a command did to
/// its permissions.
pub fn discard(dir: &Path) -> std::io::Result<()> {
    match force_remove(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Removes a sandbox directory off the caller's critical path: it is moved aside at once and
/// deleted by an `rm` in a session of its own, which outlives this process. Nothing may still
/// run in it.
pub fn discard_in_background(dir: &Path) {
    let Some(name) = dir.file_name() else { return };
    let mut trash_name = name.to_os_string();
    trash_name.push(format!(".old-{}-{}", std::process::id(), crate::store::new_id()));
    let trash = dir.with_file_name(trash_name);
    if std::fs::rename(dir, &trash).is_err() {
        let _ = discard(dir);
        return;
    }
    let mut rm = std::process::Command::new("rm");
    rm.arg("-rf")
        .arg(&trash)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: setsid is async-signal-safe; the removal must not die with this process.
    unsafe {
        use std::os::unix::process::CommandExt;
        rm.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    match rm.spawn() {
        // Reaped by init once this process exits; nothing waits for it.
        Ok(child) => drop(child),
        Err(_) => {
            let _ = discard(&trash);
        }
    }
}

/// Moves the copy prepared in `prepared` into the sandbox directory `dir` when it was made
/// from `repo` at `base` with the same dirty-tree choice; removes it in any case.
fn adopt(
    prepared: &Path,
    repo: &Path,
    base: Option<&str>,
    allow_dirty: bool,
    dir: &Path,
) -> Option<copy::CopyInfo> {
    let meta: Option<PreparedMeta> = std::fs::read(prepared.join(PREPARED_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let fits = meta
        .filter(|m| m.repo == repo && Some(m.base_commit.as_str()) == base && m.allow_dirty == allow_dirty);
    let adopted = fits.and_then(|m| {
        std::fs::create_dir_all(dir).ok()?;
        std::fs::rename(prepared.join("work"), dir.join("work")).ok()?;
        if std::fs::rename(prepared.join(TRUSTED_GIT), dir.join(TRUSTED_GIT)).is_err() {
            let _ = discard(&dir.join("work"));
            return None;
        }
        Some(copy::CopyInfo { base_commit: m.base_commit, objects_dir: m.objects_dir })
    });
    if adopted.is_some() {
        let _ = discard(prepared);
    } else {
        discard_in_background(prepared);
    }
    adopted
}

/// A working bubblewrap and what this version supports.
#[derive(Debug, Clone)]
struct Bwrap {
    path: PathBuf,
    /// `--size` for tmpfs mounts (bubblewrap 0.8 and later).
    tmpfs_size: bool,
}

fn check_isolation(isolation: Isolation) -> Result<Option<Bwrap>, SandboxError> {
    check_isolation_with(isolation, find_bwrap())
}

fn check_isolation_with(isolation: Isolation, found: Option<PathBuf>) -> Result<Option<Bwrap>, SandboxError> {
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

async fn cancelled(cancel: &mut Option<tokio::sync::watch::Receiver<bool>>) {
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

async fn pump<R: tokio::io::AsyncRead + Unpin>(
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
}

/// The bubblewrap command line for one command.
pub fn bwrap_args(c: &BwrapConfig<'_>) -> Vec<OsString> {
    let mut a: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| a.extend(items.iter().map(OsString::from));
    push(&["--unshare-all"]);
    if c.policy.network {
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
    for p in &c.policy.read_only_paths {
        a.extend(["--ro-bind-try".into(), p.into(), p.into()]);
    }
    for p in &c.policy.writable_paths {
        a.extend(["--bind-try".into(), p.into(), p.into()]);
    }
    a.extend(["--bind".into(), c.work.into(), SANDBOX_WORK.into()]);
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

fn push_system_mounts(a: &mut Vec<OsString>) {
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

/// Removes a directory tree even when a command made parts of it unwritable (`chmod 000`):
/// directories are made accessible again (symlinks are never followed) and removal retried.
fn force_remove(dir: &Path) -> std::io::Result<()> {
    fn open_up(dir: &Path) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                open_up(&entry.path());
            }
        }
    }
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            open_up(dir);
            std::fs::remove_dir_all(dir)
        }
        other => other,
    }
}

/// The descriptor number bubblewrap's `--info-fd` gets in the child.
const INFO_FD: i32 = 3;

/// `keyctl(2)` operation: join (here: create) an anonymous session keyring.
const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;

/// The pipe bubblewrap's `--info-fd` writes to.
struct InfoPipe {
    read: std::os::fd::OwnedFd,
    write: std::os::fd::OwnedFd,
}

impl InfoPipe {
    fn new() -> Result<Self, SandboxError> {
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

    fn write_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.write.as_raw_fd()
    }

    /// Closes our end for writing and reads the init's PID in the background (the pipe
    /// closes when bubblewrap has written it or exits).
    fn read_child_pid(self) -> tokio::task::JoinHandle<Option<i32>> {
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
struct Limits {
    nproc: u64,
    address_space: u64,
    file_size: u64,
    cpu_secs: u64,
    cgroup_procs: Option<CString>,
    /// A descriptor the child keeps across exec (bubblewrap's `--info-fd`).
    keep_fd: Option<i32>,
}

impl Limits {
    fn new(policy: &Policy, timeout: Duration, cgroup: Option<&PidsCgroup>) -> Self {
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
        }
    }

    fn apply(&self) -> std::io::Result<()> {
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
        set(libc::RLIMIT_NPROC, self.nproc)?;
        set(libc::RLIMIT_AS, self.address_space)?;
        set(libc::RLIMIT_FSIZE, self.file_size)?;
        set(libc::RLIMIT_CPU, self.cpu_secs)?;
        set(libc::RLIMIT_CORE, 0)?;
        Ok(())
    }
}

fn user_process_count() -> u64 {
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

/// A pids cgroup for one command, when this machine lets us make one (root, or a delegated
/// cgroup v2 subtree). Bounds the process count where RLIMIT_NPROC does not (root) and kills
/// every member at the end.
#[derive(Debug)]
struct PidsCgroup {
    path: PathBuf,
}

impl PidsCgroup {
    fn base() -> Option<PathBuf> {
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

    fn create(max: u64) -> Option<Self> {
        let base = Self::base()?;
        let path = base.join(format!("vibe-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir(&path).ok()?;
        let cgroup = Self { path };
        if std::fs::write(cgroup.path.join("pids.max"), max.to_string()).is_err() {
            return None;
        }
        Some(cgroup)
    }

    fn procs_file(&self) -> PathBuf {
        self.path.join("cgroup.procs")
    }

    fn kill_all(&self) {
        let Ok(text) = std::fs::read_to_string(self.procs_file()) else { return };
        for pid in text.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
            // SAFETY: signalling processes we placed in our own cgroup.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }

    fn is_empty(&self) -> bool {
        std::fs::read_to_string(self.procs_file()).map_or(true, |t| t.trim().is_empty())
    }

    /// Kills every member, waits until none is left, and removes the cgroup.
    async fn close(self) {
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
fn descendants(root: i32) -> Vec<i32> {
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
fn stat_field(stat: &str, n: usize) -> Option<&str> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(n)
}

/// Whether `pid` is a live (not zombie) process.
fn running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(stat_field(&stat, 0), Some("Z" | "X") | None),
        Err(_) => false,
    }
}

/// Waits (bounded) until `pids` have exited and `cgroup` is empty, killing cgroup members
/// that appear meanwhile.
async fn wait_until_gone(pids: &[i32], cgroup: Option<&PidsCgroup>) {
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

fn writable(path: &Path) -> bool {
    let Ok(c) = CString::new(path.as_os_str().as_encoded_bytes()) else { return false };
    // SAFETY: access with a valid NUL-terminated path.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

impl Sandbox for LocalSandbox {
    fn backend(&self) -> &'static str {
        match self.meta.isolation {
            Isolation::Bubblewrap => "local",
            Isolation::None => "none",
        }
    }

    fn base_commit(&self) -> &str {
        &self.meta.base_commit
    }

    fn policy(&self) -> &Policy {
        &self.meta.policy
    }

    fn run<'a>(
        &'a self,
        request: CommandRequest,
        sink: Option<OutputSink>,
        cancel: Option<tokio::sync::watch::Receiver<bool>>,
    ) -> BoxFuture<'a, Result<CommandOutcome, SandboxError>> {
        Box::pin(self.run_inner(request, sink, cancel))
    }

    fn read<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Vec<u8>, SandboxError>> {
        Box::pin(async move { self.read_inner(path) })
    }

    fn write<'a>(&'a self, path: &'a str, contents: &'a [u8]) -> BoxFuture<'a, Result<(), SandboxError>> {
        Box::pin(async move { self.write_inner(path, contents) })
    }

    fn list<'a>(
        &'a self,
        dir: &'a str,
        recursive: bool,
        max: usize,
    ) -> BoxFuture<'a, Result<Listing, SandboxError>> {
        Box::pin(async move { self.list_inner(dir, recursive, max) })
    }

    fn remove<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<(), SandboxError>> {
        Box::pin(async move { self.remove_inner(path) })
    }

    fn search<'a>(
        &'a self,
        pattern: &'a str,
        dir: &'a str,
        max: usize,
    ) -> BoxFuture<'a, Result<SearchResult, SandboxError>> {
        Box::pin(async move { self.search_inner(pattern, dir, max) })
    }

    fn diff(&self) -> BoxFuture<'_, Result<Diff, SandboxError>> {
        Box::pin(async move {
            self.alive()?;
            let (work, trusted, base, objects) = (
                self.work.clone(),
                self.dir.join(TRUSTED_GIT),
                self.meta.base_commit.clone(),
                self.meta.objects_dir.clone(),
            );
            tokio::task::spawn_blocking(move || copy::diff(&work, &trusted, &base, &objects))
                .await
                .map_err(|e| SandboxError::Git(format!("computing the diff: {e}")))?
        })
    }

    fn destroy(&self) -> BoxFuture<'_, Result<(), SandboxError>> {
        Box::pin(async move {
            if self.destroyed.swap(true, Ordering::SeqCst) {
                return Ok(());
            }
            discard(&self.dir).map_err(|e| SandboxError::io(format!("removing {}", self.dir.display()), e))
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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

    #[test]
    fn stat_fields_are_read_after_the_command_name() {
        let stat = "123 (a) b) c) S 45 123 123 0 -1";
        assert_eq!(stat_field(stat, 0), Some("S"));
        assert_eq!(stat_field(stat, 1), Some("45"));
    }
}
