//! The E2B backend: the job's commands run in a cloud sandbox (a Firecracker VM) made from
//! the configured template, reached through E2B's control plane ([`api`]) and the daemon in
//! the sandbox ([`envd`], Connect-RPC framing in [`connect`]).
//!
//! The repository goes up as one tar.gz archive of a local copy at the base commit (the
//! *mirror*, made like a local sandbox's copy, with vibe's own trusted index beside it). The
//! result comes back as files, never as trust in the sandbox's git: after a command ran,
//! the sandbox's tree is listed, files whose size, time or mode changed since the last look
//! are downloaded into the mirror, vanished ones removed there, and the diff is computed on
//! this machine exactly as for a local copy. Reads, listings and searches are answered from
//! the brought-up-to-date mirror, so they follow the local backend's path rules; writes go to
//! both. Only allow-listed environment variables are sent; no token or key enters the
//! sandbox. Its lifetime is extended while the job works, and it is killed at the end.

mod api;
mod connect;
mod envd;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::capture::CappedBuf;
use super::local::{self, Isolation, LocalSandbox, ENV_ALLOW_LIST};
use super::{
    paths, Backend, BoxFuture, CommandOutcome, CommandRequest, Diff, Failure, Listing, OutputChunk,
    OutputSink, Policy, Sandbox, SandboxError, SandboxHandle, SandboxSpec, SearchResult, Stream,
};
use crate::config::{E2bSettings, Secret};
use envd::{Envd, StreamItem};

/// Where the repository lives in the sandbox.
pub const WORK: &str = "/home/user/repo";
/// Where the archive is uploaded (removed once unpacked).
const SNAPSHOT: &str = "/home/user/.vibe-snapshot.tar.gz";
/// Unpacks the archive (paths from the sandbox user's home).
const UNPACK: &str =
    "mkdir -p ~/repo && tar -xzf ~/.vibe-snapshot.tar.gz -C ~/repo && rm -f ~/.vibe-snapshot.tar.gz";
/// The sandbox's lifetime from its creation and from every extension.
const LIFETIME: Duration = Duration::from_secs(30 * 60);
/// The lifetime is extended at most this often.
const EXTEND_EVERY: Duration = Duration::from_secs(60);
/// How deep the sandbox's tree is listed.
const LIST_DEPTH: u32 = 64;
/// Directories listed at the same time.
const LIST_AT_ONCE: usize = 16;
/// What vibe keeps beside the mirror to find the sandbox again (no token).
const STATE_FILE: &str = "e2b.json";
const MIRROR_DIR: &str = "mirror";
/// Extra time past a command's limit before vibe stops waiting for envd to end it.
const GRACE: Duration = Duration::from_secs(30);
/// Every process a command starts inherits this variable, set to the command's own mark:
/// what a cancel or a timeout kills is found by it, however the processes detached
/// themselves (`setsid`, `nohup`, `&`). envd's kill reaches only the command's first process.
const RUN_MARK: &str = "VIBE_RUN_ID";
/// How long killing a command's processes may take.
const REAP_TIMEOUT: Duration = Duration::from_secs(30);

/// How to reach E2B, from the configuration.
#[derive(Debug, Clone)]
pub struct Options {
    pub api_url: String,
    /// One envd URL for every sandbox (routed by headers), e.g. a test server.
    pub sandbox_url: Option<String>,
    pub domain: String,
    pub key: Option<Secret>,
    pub template: String,
    /// How long creating a sandbox may take before it is a [`Failure::Timeout`].
    pub create_timeout: Duration,
}

/// The metadata a sandbox is made with, naming the job it serves.
fn labels(label: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("vibe_job".to_string(), label.to_string())])
}

impl Options {
    /// From the resolved settings.
    pub fn from_settings(settings: &E2bSettings) -> Self {
        Self {
            api_url: settings.api_url.clone(),
            sandbox_url: settings.sandbox_url.clone(),
            domain: settings.domain.clone(),
            key: settings.api_key.clone(),
            template: settings.template.clone(),
            create_timeout: Duration::from_secs(settings.create_timeout_secs.max(1)),
        }
    }

    /// Kills every sandbox E2B holds under `label` (the job id it was made for): the way to
    /// one whose id was never learnt, as when vibe died while E2B was creating it.
    pub async fn kill_labelled(&self, label: &str) -> Result<(), SandboxError> {
        self.api()?.kill_labelled(&labels(label)).await
    }

    fn api(&self) -> Result<api::Api, SandboxError> {
        let key = self.key.clone().ok_or_else(|| SandboxError::Cloud {
            failure: Failure::Auth,
            message: "no E2B API key is set (E2B_API_KEY)".into(),
        })?;
        api::Api::new(&self.api_url, key)
    }

    /// envd's URL for sandbox `id`: the override, E2B's shared sandbox host for its own
    /// domains (routed by headers), or the per-sandbox host name.
    fn envd_url(&self, id: &str, domain: Option<&str>) -> String {
        if let Some(url) = &self.sandbox_url {
            return url.clone();
        }
        let domain = domain.filter(|d| !d.is_empty()).unwrap_or(&self.domain);
        if ["e2b.app", "e2b.dev", "e2b.pro", "e2b-staging.dev"].contains(&domain) {
            format!("https://sandbox.{domain}")
        } else {
            format!("https://49983-{id}.{domain}")
        }
    }
}

/// What the job's commands can use in a sandbox made from `template`, for the CRS and plan
/// prompts: the template's tools, not this machine's.
pub fn environment_note(template: &str, network: bool) -> String {
    let net = if network {
        " The network is on: missing tools and dependencies can be installed."
    } else {
        " There is no internet access: nothing can be downloaded or installed."
    };
    format!(
        "Commands run in an E2B cloud sandbox, a Linux VM made from the template `{template}`, in a copy of \
         the repository at {WORK}. Its tools are the template's, not this machine's: none of the user's \
         toolchains, caches or ignored dependency directories (node_modules, target, .venv, …) are there, \
         so a check that needs more than the template provides must set it up first.{net}"
    )
}

/// Checks that E2B answers at the configured URL and accepts the key (for `vibe doctor`).
pub async fn check(options: &Options) -> Result<(), SandboxError> {
    options.api()?.check_key().await.map(|_| ())
}

/// What one entry of the sandbox's tree looked like at the last look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Remote {
    kind: RemoteKind,
    size: u64,
    modified: String,
    mode: u32,
    #[serde(default)]
    target: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RemoteKind {
    File,
    Dir,
    Symlink,
}

/// Saved beside the mirror: enough for another process to find the sandbox and bring its
/// work down.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    sandbox_id: String,
    base_commit: String,
    /// The allow-listed environment commands get.
    env: BTreeMap<String, String>,
    /// The sandbox's tree as last brought down (relative paths).
    manifest: BTreeMap<String, Remote>,
}

#[derive(Debug)]
struct Inner {
    manifest: BTreeMap<String, Remote>,
    /// A command ran since the last look at the sandbox's tree.
    stale: bool,
    extended: Option<Instant>,
}

/// A sandbox in E2B's cloud.
pub struct E2bSandbox {
    api: api::Api,
    envd: Envd,
    id: String,
    dir: PathBuf,
    base_commit: String,
    env: BTreeMap<String, String>,
    policy: Policy,
    /// The local copy the sandbox's work is brought into; `None` when a reopened sandbox's
    /// copy is gone (it can still be destroyed).
    mirror: Option<LocalSandbox>,
    inner: tokio::sync::Mutex<Inner>,
    destroyed: AtomicBool,
}

impl std::fmt::Debug for E2bSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("E2bSandbox").field("id", &self.id).field("dir", &self.dir).finish()
    }
}

impl E2bSandbox {
    /// Makes the mirror in `spec.dir`, creates the sandbox and uploads the repository.
    /// Whatever fails after the sandbox exists kills it.
    pub async fn create(spec: SandboxSpec, options: &Options) -> Result<Self, SandboxError> {
        let api = options.api()?;
        let env: BTreeMap<String, String> = spec
            .host_env
            .iter()
            .filter(|(k, _)| ENV_ALLOW_LIST.contains(&k.as_str()) && k.as_str() != "PATH")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mirror_spec = SandboxSpec { dir: spec.dir.join(MIRROR_DIR), ..spec.clone() };
        let mirror = LocalSandbox::create(mirror_spec, &local::Options::default(), Isolation::None).await?;
        let work = mirror.work_dir().to_path_buf();
        let archive = match tokio::task::spawn_blocking(move || snapshot(&work)).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(e)) => {
                let _ = mirror.destroy().await;
                return Err(e);
            }
            Err(e) => {
                let _ = mirror.destroy().await;
                return Err(SandboxError::Invalid(format!("packing the repository: {e}")));
            }
        };
        let request = api::NewSandbox {
            template_id: options.template.clone(),
            timeout: LIFETIME.as_secs().max(spec.policy.command_timeout.as_secs() + GRACE.as_secs()),
            metadata: labels(&spec.label),
            allow_internet_access: spec.policy.network,
        };
        let info = match api.create(&request, options.create_timeout).await {
            Ok(info) => info,
            Err(e) => {
                let _ = mirror.destroy().await;
                return Err(e);
            }
        };
        let id = info.sandbox_id.clone();
        let made = async {
            let token = info.envd_access_token.clone().ok_or_else(|| SandboxError::Cloud {
                failure: Failure::Service,
                message: "E2B created a sandbox without an access token".into(),
            })?;
            let envd = Envd::new(&options.envd_url(&id, info.domain.as_deref()), &id, &token)?
                .for_version(info.envd_version.as_deref());
            let sandbox = Self {
                api: api.clone(),
                envd,
                id: id.clone(),
                dir: spec.dir.clone(),
                base_commit: mirror.base_commit().to_string(),
                env,
                policy: spec.policy.clone(),
                mirror: None,
                inner: tokio::sync::Mutex::new(Inner {
                    manifest: BTreeMap::new(),
                    stale: false,
                    extended: Some(Instant::now()),
                }),
                destroyed: AtomicBool::new(false),
            };
            sandbox.envd.upload(SNAPSHOT, archive).await?;
            let unpacked = sandbox
                .exec(UNPACK, false, None, &BTreeMap::new(), Duration::from_secs(600), None, None)
                .await?;
            if !unpacked.success() {
                return Err(SandboxError::Cloud {
                    failure: Failure::Service,
                    message: format!(
                        "unpacking the repository in the E2B sandbox failed: {}",
                        unpacked.stderr.trim()
                    ),
                });
            }
            let manifest = sandbox.remote_state(&mirror, &BTreeMap::new(), false).await?;
            Ok::<_, SandboxError>((sandbox, manifest))
        }
        .await;
        match made {
            Ok((mut sandbox, manifest)) => {
                sandbox.mirror = Some(mirror);
                sandbox.inner.get_mut().manifest = manifest;
                sandbox.save(&sandbox.inner.lock().await.manifest)?;
                Ok(sandbox)
            }
            Err(e) => {
                let _ = api.kill(&id).await;
                let _ = mirror.destroy().await;
                Err(e)
            }
        }
    }

    /// Finds sandbox `id` again; its mirror in `dir` when there is one.
    /// [`SandboxError::Gone`] when E2B no longer has it.
    pub async fn open(id: &str, dir: Option<PathBuf>, options: &Options) -> Result<Self, SandboxError> {
        let api = options.api()?;
        let info = api.info(id).await?;
        let token = info.envd_access_token.clone().unwrap_or_default();
        let envd = Envd::new(&options.envd_url(id, info.domain.as_deref()), id, &token)?
            .for_version(info.envd_version.as_deref());
        let dir = dir.unwrap_or_default();
        let state: State = std::fs::read_to_string(dir.join(STATE_FILE))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        let mirror = match dir.join(MIRROR_DIR) {
            m if m.is_dir() => LocalSandbox::open(m, &local::Options::default()).await.ok(),
            _ => None,
        };
        Ok(Self {
            api,
            envd,
            id: id.to_string(),
            base_commit: mirror.as_ref().map(|m| m.base_commit().to_string()).unwrap_or(state.base_commit),
            policy: mirror.as_ref().map(|m| m.policy().clone()).unwrap_or_default(),
            dir,
            env: state.env,
            mirror,
            inner: tokio::sync::Mutex::new(Inner { manifest: state.manifest, stale: true, extended: None }),
            destroyed: AtomicBool::new(false),
        })
    }

    fn mirror(&self) -> Result<&LocalSandbox, SandboxError> {
        if self.destroyed.load(Ordering::SeqCst) {
            return Err(SandboxError::Destroyed);
        }
        self.mirror.as_ref().ok_or_else(|| {
            SandboxError::Invalid(format!("the local copy of sandbox {}'s work is gone", self.id))
        })
    }

    fn save(&self, manifest: &BTreeMap<String, Remote>) -> Result<(), SandboxError> {
        let state = State {
            sandbox_id: self.id.clone(),
            base_commit: self.base_commit.clone(),
            env: self.env.clone(),
            manifest: manifest.clone(),
        };
        let text = serde_json::to_string(&state).map_err(|e| SandboxError::Invalid(e.to_string()))?;
        std::fs::write(self.dir.join(STATE_FILE), text)
            .map_err(|e| SandboxError::io("saving the E2B sandbox's state", e))
    }

    /// Extends the sandbox's lifetime so it outlives a command of `need` (at most once a
    /// minute otherwise).
    async fn keep_alive(&self, need: Duration) -> Result<(), SandboxError> {
        let mut inner = self.inner.lock().await;
        if inner.extended.is_some_and(|t| t.elapsed() < EXTEND_EVERY) && need + GRACE <= LIFETIME {
            return Ok(());
        }
        self.api.set_timeout(&self.id, LIFETIME.max(need + GRACE).as_secs()).await?;
        inner.extended = Some(Instant::now());
        Ok(())
    }

    /// Runs one shell line in the sandbox (`cwd` absolute, the home when `None`). With
    /// `whole`, the processes the line leaves behind (in the background, detached) are
    /// killed when it ends, as the local sandbox's end of a command does: envd's stream
    /// ends only once nothing holds the command's output open.
    #[allow(clippy::too_many_arguments)]
    async fn exec(
        &self,
        line: &str,
        whole: bool,
        cwd: Option<String>,
        extra_env: &BTreeMap<String, String>,
        timeout: Duration,
        sink: Option<OutputSink>,
        mut cancel: Option<tokio::sync::watch::Receiver<bool>>,
    ) -> Result<CommandOutcome, SandboxError> {
        let started = Instant::now();
        let mark = uuid::Uuid::new_v4().simple().to_string();
        let mut envs: BTreeMap<String, String> =
            self.env.iter().chain(extra_env).map(|(k, v)| (k.clone(), v.clone())).collect();
        envs.insert(RUN_MARK.to_string(), mark.clone());
        let line = if whole {
            // The status of the line, a death by SIGKILL or SIGTERM passed on as such.
            format!(
                "{line}\ns=$?; {}; case $s in 137) kill -9 $$;; 143) trap - TERM; kill -15 $$;; esac; exit $s",
                kill_marked(&mark)
            )
        } else {
            line.to_string()
        };
        let request = connect::StartRequest {
            process: connect::ProcessConfig {
                cmd: "/bin/bash".into(),
                args: vec!["-l".into(), "-c".into(), line],
                envs,
                cwd,
            },
            stdin: false,
        };
        let cap = self.policy.max_output_bytes;
        let (mut out, mut err) = (CappedBuf::new(cap), CappedBuf::new(cap));
        let mut stream = self.envd.start(&request, Some(timeout)).await?;
        let (mut pid, mut end, mut timed_out, mut cancelled) = (None, None, false, false);
        let deadline = tokio::time::sleep(timeout + GRACE);
        tokio::pin!(deadline);
        loop {
            let cancel_turned = async {
                match cancel.as_mut() {
                    Some(rx) => loop {
                        if *rx.borrow_and_update() {
                            return;
                        }
                        if rx.changed().await.is_err() {
                            std::future::pending::<()>().await;
                        }
                    },
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                item = stream.next() => match item {
                    Ok(StreamItem::Event(event)) => match event {
                        connect::ProcessEvent::Start { pid: p } => pid = Some(p),
                        connect::ProcessEvent::Stdout(bytes) => {
                            out.push(&bytes);
                            emit(&sink, Stream::Stdout, &bytes);
                        }
                        connect::ProcessEvent::Stderr(bytes) => {
                            err.push(&bytes);
                            emit(&sink, Stream::Stderr, &bytes);
                        }
                        connect::ProcessEvent::End { exit_code, exited, status } => {
                            end = Some((exit_code, exited, status));
                        }
                        connect::ProcessEvent::Keepalive => {}
                    },
                    Ok(StreamItem::End(error)) => {
                        match error {
                            Some(e) if e.code == "deadline_exceeded" => timed_out = true,
                            Some(e) if end.is_none() => {
                                return Err(SandboxError::Cloud {
                                    failure: Failure::Service,
                                    message: format!("the command failed in the E2B sandbox: {} ({})", e.message, e.code),
                                })
                            }
                            _ => {}
                        }
                        break;
                    }
                    Err(e) => {
                        if matches!(self.envd.alive().await, Ok(false)) {
                            return Err(SandboxError::Gone(self.id.clone()));
                        }
                        return Err(e);
                    }
                },
                () = cancel_turned => {
                    cancelled = true;
                    break;
                }
                () = &mut deadline => {
                    timed_out = true;
                    break;
                }
            }
        }
        if cancelled || timed_out {
            if let (Some(pid), None) = (pid, &end) {
                let _ = self.envd.kill(pid).await;
            }
            self.reap(&mark).await;
        }
        let (exit_code, signal) = match end {
            Some((code, true, _)) if !timed_out && !cancelled => (Some(code), None),
            Some((_, _, status)) if !timed_out && !cancelled => (None, Some(signal_of(&status))),
            _ => (None, Some(9)),
        };
        let truncated = out.truncated() || err.truncated();
        Ok(CommandOutcome {
            exit_code,
            signal,
            timed_out,
            cancelled,
            stdout: out.finish(),
            stderr: err.finish(),
            truncated,
            duration_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// Kills every process that carries a command's mark (its children and whatever they
    /// detached), a few passes so that one forking meanwhile is caught too. Best effort:
    /// the sandbox is killed at the job's end anyway.
    async fn reap(&self, mark: &str) {
        let line = format!("{}; exit 0", kill_marked(mark));
        let request = connect::StartRequest {
            process: connect::ProcessConfig {
                cmd: "/bin/bash".into(),
                args: vec!["-c".into(), line],
                envs: self.env.clone(),
                cwd: None,
            },
            stdin: false,
        };
        let reaped = async {
            let mut stream = self.envd.start(&request, Some(REAP_TIMEOUT)).await?;
            while !matches!(stream.next().await?, StreamItem::End(_)) {}
            Ok::<(), SandboxError>(())
        };
        let _ = tokio::time::timeout(REAP_TIMEOUT + GRACE, reaped).await;
    }

    /// The sandbox's tree now, relative to [`WORK`], without `.git` and without walking into
    /// directories the mirror's ignore rules leave out (dependencies and build output such
    /// as `node_modules/` or `target/`: listed as a directory, never entered). Each level is
    /// listed one directory per call, several at once. With `fetch_rules`, a `.gitignore`
    /// that changed since `known` is brought into the mirror before the level below it is
    /// judged, so a rule the agent just wrote applies.
    async fn remote_state(
        &self,
        mirror: &LocalSandbox,
        known: &BTreeMap<String, Remote>,
        fetch_rules: bool,
    ) -> Result<BTreeMap<String, Remote>, SandboxError> {
        let work = mirror.work_dir().to_path_buf();
        let mut out = BTreeMap::new();
        let mut level = vec![String::new()];
        for _ in 0..LIST_DEPTH {
            if level.is_empty() {
                break;
            }
            let mut listings = Vec::new();
            for chunk in level.chunks(LIST_AT_ONCE) {
                let mut calls = tokio::task::JoinSet::new();
                for rel in chunk {
                    let envd = self.envd.clone();
                    let rel = rel.clone();
                    calls.spawn(async move {
                        let dir = if rel.is_empty() { WORK.to_string() } else { format!("{WORK}/{rel}") };
                        match envd.list_dir(&dir, 1).await {
                            Ok(entries) => Ok(entries),
                            // Removed since its parent was listed.
                            Err(SandboxError::NotFound(_)) => Ok(Vec::new()),
                            Err(e) => Err(e),
                        }
                    });
                }
                while let Some(done) = calls.join_next().await {
                    let entries =
                        done.map_err(|e| SandboxError::Invalid(format!("listing the sandbox: {e}")))??;
                    listings.extend(entries);
                }
            }
            let mut found = Vec::new();
            for e in listings {
                let Some(rel) = e.path.strip_prefix(WORK).and_then(|p| p.strip_prefix('/')) else { continue };
                if rel.is_empty() || rel == ".git" || rel.starts_with(".git/") {
                    continue;
                }
                let kind = if e.is_symlink || e.kind == "FILE_TYPE_SYMLINK" {
                    RemoteKind::Symlink
                } else if e.kind == "FILE_TYPE_DIRECTORY" {
                    RemoteKind::Dir
                } else {
                    RemoteKind::File
                };
                let remote = Remote {
                    kind,
                    size: e.size,
                    modified: e.modified_time,
                    mode: e.mode,
                    target: e.symlink_target,
                };
                let rules = rel == ".gitignore" || rel.ends_with("/.gitignore");
                if fetch_rules && rules && kind == RemoteKind::File && known.get(rel) != Some(&remote) {
                    if let Some(bytes) = self.envd.download(&format!("{WORK}/{rel}")).await? {
                        clear_link(&work, rel)?;
                        mirror.write(rel, &bytes).await?;
                    }
                }
                found.push((rel.to_string(), remote));
            }
            // Judged after this level's rules are in.
            let repo = git2::Repository::open(&work).ok();
            let mut next = Vec::new();
            for (rel, remote) in found {
                if remote.kind == RemoteKind::Dir && !ignored_dir(repo.as_ref(), &rel) {
                    next.push(rel.clone());
                }
                out.insert(rel, remote);
            }
            next.sort();
            level = next;
        }
        Ok(out)
    }

    /// Brings the mirror up to date with the sandbox after commands ran: downloads what
    /// changed (not what `.gitignore` ignores), removes what vanished.
    async fn sync(&self) -> Result<(), SandboxError> {
        let mirror = self.mirror()?;
        let mut inner = self.inner.lock().await;
        if !inner.stale {
            return Ok(());
        }
        let remote = self.remote_state(mirror, &inner.manifest, true).await?;
        let mut changed: Vec<(&String, &Remote)> = remote
            .iter()
            .filter(|(p, r)| r.kind != RemoteKind::Dir && inner.manifest.get(*p) != Some(*r))
            .collect();
        // Ignore rules first, so the rest is judged by the sandbox's current ones.
        changed.sort_by_key(|(p, _)| !(p.as_str() == ".gitignore" || p.ends_with("/.gitignore")));
        let work = mirror.work_dir().to_path_buf();
        let repo = git2::Repository::open(&work).ok();
        for (path, entry) in changed {
            if ignored(repo.as_ref(), path) {
                continue;
            }
            clear_link(&work, path)?;
            match entry.kind {
                RemoteKind::File => {
                    let Some(bytes) = self.envd.download(&format!("{WORK}/{path}")).await? else { continue };
                    mirror.write(path, &bytes).await?;
                    set_mode(&work, path, entry.mode);
                }
                RemoteKind::Symlink => {
                    let rel = paths::relative(path)?;
                    let at = paths::resolve_for_write(&work, &rel)?;
                    let target = entry.target.clone().unwrap_or_default();
                    let _ = std::fs::remove_file(&at);
                    std::os::unix::fs::symlink(&target, &at)
                        .map_err(|e| SandboxError::io(format!("bringing down {path}"), e))?;
                }
                RemoteKind::Dir => {}
            }
        }
        for (path, entry) in &inner.manifest {
            if entry.kind != RemoteKind::Dir && !remote.contains_key(path) {
                match mirror.remove(path).await {
                    Ok(()) | Err(SandboxError::NotFound(_)) | Err(SandboxError::PathRefused { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        inner.manifest = remote;
        inner.stale = false;
        self.save(&inner.manifest)
    }
}

/// A bash snippet that kills every process (but the shell running it) whose environment
/// holds `mark`, in passes until none is left (at most three). Pure bash: no process is
/// started per process looked at.
fn kill_marked(mark: &str) -> String {
    format!(
        r#"for pass in 1 2 3; do found=; for d in /proc/[0-9]*; do p=${{d#/proc/}}; [ "$p" = "$$" ] && continue; {{ while IFS= read -r -d '' kv; do if [ "$kv" = '{RUN_MARK}={mark}' ]; then kill -9 "$p"; found=1; break; fi; done < "$d/environ"; }} 2>/dev/null; done; [ -z "$found" ] && break; done"#
    )
}

/// Whether the mirror's ignore rules leave `path` out of the diff (a tracked file never is).
fn ignored(repo: Option<&git2::Repository>, path: &str) -> bool {
    let Some(repo) = repo else { return false };
    let tracked = repo.index().ok().is_some_and(|i| i.get_path(Path::new(path), 0).is_some());
    !tracked && repo.is_path_ignored(path).unwrap_or(false)
}

/// Whether the mirror's ignore rules leave directory `dir` out, so it is not walked: not
/// when a tracked file lies below it.
fn ignored_dir(repo: Option<&git2::Repository>, dir: &str) -> bool {
    let Some(repo) = repo else { return false };
    let tracked_below = repo.index().ok().is_some_and(|i| i.find_prefix(format!("{dir}/")).is_ok());
    !tracked_below && repo.is_path_ignored(format!("{dir}/")).unwrap_or(false)
}

/// Removes a symbolic link at `path` in the mirror (so nothing is written through it).
fn clear_link(work: &Path, path: &str) -> Result<(), SandboxError> {
    let rel = paths::relative(path)?;
    let (Some(parent), Some(name)) = (rel.parent(), rel.file_name()) else { return Ok(()) };
    let Ok(dir) = paths::resolve_existing(work, parent) else { return Ok(()) };
    let at = dir.join(name);
    if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
        std::fs::remove_file(&at).map_err(|e| SandboxError::io(format!("replacing {path}"), e))?;
    }
    Ok(())
}

/// Gives a brought-down file the sandbox's executable bit.
fn set_mode(work: &Path, path: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(rel) = paths::relative(path) else { return };
    let Ok(at) = paths::resolve_existing(work, &rel) else { return };
    let bits = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
    let _ = std::fs::set_permissions(at, std::fs::Permissions::from_mode(bits));
}

/// The signal in envd's status text ("signal: killed").
fn signal_of(status: &str) -> i32 {
    match status.rsplit(": ").next().unwrap_or("") {
        "terminated" => 15,
        "interrupt" => 2,
        "hangup" => 1,
        "aborted" => 6,
        "segmentation fault" => 11,
        _ => 9,
    }
}

fn emit(sink: &Option<OutputSink>, stream: Stream, bytes: &[u8]) {
    if let Some(sink) = sink {
        sink(OutputChunk { stream, text: String::from_utf8_lossy(bytes).into_owned() });
    }
}

/// `argv` as one POSIX shell line.
fn shell_line(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c)) {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The repository copy as one tar.gz (without `.git`; symbolic links kept as links).
fn snapshot(work: &Path) -> Result<Vec<u8>, SandboxError> {
    let io = |e| SandboxError::io("packing the repository", e);
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.follow_symlinks(false);
    tar.mode(tar::HeaderMode::Deterministic);
    let mut entries: Vec<_> = std::fs::read_dir(work).map_err(io)?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if name == ".git" {
            continue;
        }
        let path = entry.path();
        if entry.file_type().map_err(io)?.is_dir() {
            tar.append_dir_all(&name, &path).map_err(io)?;
        } else {
            tar.append_path_with_name(&path, &name).map_err(io)?;
        }
    }
    tar.into_inner().map_err(io)?.finish().map_err(io)
}

impl Sandbox for E2bSandbox {
    fn backend(&self) -> Backend {
        Backend::E2b
    }

    fn handle(&self) -> SandboxHandle {
        SandboxHandle { backend: Backend::E2b, id: self.id.clone(), dir: Some(self.dir.clone()) }
    }

    fn base_commit(&self) -> &str {
        &self.base_commit
    }

    fn policy(&self) -> &Policy {
        &self.policy
    }

    fn run<'a>(
        &'a self,
        request: CommandRequest,
        sink: Option<OutputSink>,
        cancel: Option<tokio::sync::watch::Receiver<bool>>,
    ) -> BoxFuture<'a, Result<CommandOutcome, SandboxError>> {
        Box::pin(async move {
            self.mirror()?;
            if request.argv.is_empty() {
                return Err(SandboxError::Invalid("empty command".into()));
            }
            let cwd = paths::relative(&request.cwd)?;
            let cwd = match cwd.to_string_lossy() {
                c if c.is_empty() => WORK.to_string(),
                c => format!("{WORK}/{c}"),
            };
            let mut env = BTreeMap::from([("VIBE_SANDBOX".to_string(), "1".to_string())]);
            for (k, v) in self.policy.env.iter().chain(request.env.iter()) {
                if k.is_empty() || k.contains('=') || k.contains('\0') || v.contains('\0') {
                    return Err(SandboxError::Invalid(format!("invalid environment variable name `{k}`")));
                }
                env.insert(k.clone(), v.clone());
            }
            let timeout =
                request.timeout.unwrap_or(self.policy.command_timeout).min(self.policy.command_timeout);
            self.keep_alive(timeout).await?;
            let line = shell_line(&request.argv);
            let outcome = self.exec(&line, true, Some(cwd), &env, timeout, sink, cancel).await;
            self.inner.lock().await.stale = true;
            outcome
        })
    }

    fn read<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Vec<u8>, SandboxError>> {
        Box::pin(async move {
            self.sync().await?;
            self.mirror()?.read(path).await
        })
    }

    fn write<'a>(&'a self, path: &'a str, contents: &'a [u8]) -> BoxFuture<'a, Result<(), SandboxError>> {
        Box::pin(async move {
            self.sync().await?;
            self.mirror()?.write(path, contents).await?;
            let rel = paths::relative(path)?;
            self.keep_alive(Duration::ZERO).await?;
            self.envd.upload(&format!("{WORK}/{}", rel.to_string_lossy()), contents.to_vec()).await?;
            // Its time in the sandbox is new: the next look brings it down again.
            self.inner.lock().await.manifest.remove(rel.to_string_lossy().as_ref());
            Ok(())
        })
    }

    fn list<'a>(
        &'a self,
        dir: &'a str,
        recursive: bool,
        max: usize,
    ) -> BoxFuture<'a, Result<Listing, SandboxError>> {
        Box::pin(async move {
            self.sync().await?;
            self.mirror()?.list(dir, recursive, max).await
        })
    }

    fn remove<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<(), SandboxError>> {
        Box::pin(async move {
            self.sync().await?;
            self.mirror()?.remove(path).await?;
            let rel = paths::relative(path)?.to_string_lossy().into_owned();
            self.envd.remove(&format!("{WORK}/{rel}")).await?;
            let under = format!("{rel}/");
            self.inner.lock().await.manifest.retain(|p, _| p != &rel && !p.starts_with(&under));
            Ok(())
        })
    }

    fn search<'a>(
        &'a self,
        pattern: &'a str,
        dir: &'a str,
        max: usize,
    ) -> BoxFuture<'a, Result<SearchResult, SandboxError>> {
        Box::pin(async move {
            self.sync().await?;
            self.mirror()?.search(pattern, dir, max).await
        })
    }

    fn diff(&self) -> BoxFuture<'_, Result<Diff, SandboxError>> {
        Box::pin(async move {
            match self.sync().await {
                // The work brought down before the sandbox went is what is left of it.
                Ok(()) | Err(SandboxError::Gone(_)) => self.mirror()?.diff().await,
                Err(e) => Err(e),
            }
        })
    }

    fn destroy(&self) -> BoxFuture<'_, Result<(), SandboxError>> {
        Box::pin(async move {
            if self.destroyed.load(Ordering::SeqCst) {
                return Ok(());
            }
            // Killed first: a sandbox left alive costs the user money; the handle stays
            // (the caller retries) when E2B cannot be reached.
            match self.api.kill(&self.id).await {
                Ok(_) | Err(SandboxError::Gone(_)) => {}
                Err(e) => return Err(e),
            }
            self.destroyed.store(true, Ordering::SeqCst);
            if let Some(mirror) = &self.mirror {
                let _ = mirror.destroy().await;
            }
            let _ = std::fs::remove_file(self.dir.join(STATE_FILE));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn argv_becomes_one_quoted_shell_line() {
        let argv: Vec<String> =
            ["sh", "-c", "echo 'hi' && exit 3", ""].iter().map(|s| s.to_string()).collect();
        assert_eq!(shell_line(&argv), r#"sh -c 'echo '\''hi'\'' && exit 3' ''"#);
    }

    #[test]
    fn envd_is_reached_by_override_shared_host_or_host_name() {
        let mut o = Options {
            api_url: "https://api.e2b.app".into(),
            sandbox_url: None,
            domain: "e2b.app".into(),
            key: None,
            template: "base".into(),
            create_timeout: Duration::from_secs(120),
        };
        assert_eq!(o.envd_url("abc", None), "https://sandbox.e2b.app");
        assert_eq!(o.envd_url("abc", Some("example.org")), "https://49983-abc.example.org");
        o.sandbox_url = Some("http://127.0.0.1:9".into());
        assert_eq!(o.envd_url("abc", Some("example.org")), "http://127.0.0.1:9");
    }

    #[test]
    fn ignored_directories_are_not_walked_unless_something_below_is_tracked() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        std::fs::write(dir.path().join(".gitignore"), "build/\nnode_modules\nvendor/\n").unwrap();
        std::fs::create_dir_all(dir.path().join("vendor")).unwrap();
        std::fs::write(dir.path().join("vendor/kept.c"), "int x;").unwrap();
        let mut index = repo.index().unwrap();
        index.add_path(Path::new(".gitignore")).unwrap();
        index.add_path(Path::new("vendor/kept.c")).unwrap();
        index.write().unwrap();
        let repo = Some(&repo);
        // Judged by name: the directories need not exist here.
        assert!(ignored_dir(repo, "build"));
        assert!(ignored_dir(repo, "sub/build"));
        assert!(ignored_dir(repo, "node_modules"));
        assert!(ignored_dir(repo, "web/node_modules"));
        assert!(!ignored_dir(repo, "src"));
        assert!(!ignored_dir(repo, "buildings"));
        assert!(!ignored_dir(repo, "vendor"), "a tracked file lies below");
        assert!(!ignored_dir(None, "build"));
    }

    #[test]
    fn signals_are_read_from_the_status() {
        assert_eq!(signal_of("signal: killed"), 9);
        assert_eq!(signal_of("signal: terminated"), 15);
    }

    #[test]
    fn the_snapshot_leaves_git_out_and_keeps_links() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git/config"), "secret").unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/a.rs"), "fn a() {}").unwrap();
        std::os::unix::fs::symlink("src/a.rs", dir.path().join("link")).unwrap();
        let bytes = snapshot(dir.path()).unwrap();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
        let mut names: Vec<(String, bool)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.path().unwrap().display().to_string(), e.header().entry_type().is_symlink())
            })
            .collect();
        names.sort();
        assert_eq!(names, [("link".into(), true), ("src/".into(), false), ("src/a.rs".into(), false)]);
    }
}
