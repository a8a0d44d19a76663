//! Where the coding agent's commands and file edits happen: a throw-away copy of the user's
//! repository behind an OS sandbox. [`Sandbox`] is the interface every backend implements
//! (the local bubblewrap backend in [`local`], E2B's cloud sandboxes in [`e2b`]), and
//! [`Policy`] is what a sandbox may do, as data. The threat model is the project's sandbox
//! policy: every command is treated as written by an attacker.

pub mod capture;
mod copy;
pub mod e2b;
pub mod local;
pub mod paths;
pub mod projects;
mod walk;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::SandboxSettings;
use crate::error::{Error, ErrorKind};

pub use capture::truncate_middle;

/// A boxed future, so [`Sandbox`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a sandbox may do. Plain data: persisted with the job, shown by `vibe doctor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Whether commands may use the network (a private network namespace otherwise, with a
    /// loopback of its own: the host's loopback services are not reachable either).
    pub network: bool,
    /// Wall-time limit of one command.
    pub command_timeout: Duration,
    /// Process limit for one command's whole tree.
    pub max_processes: u64,
    /// Address-space limit of each process, in bytes.
    pub memory_bytes: u64,
    /// Largest file a command may write, in bytes.
    pub max_file_bytes: u64,
    /// Bytes of stdout and of stderr kept per command (head and tail, marker between).
    pub max_output_bytes: usize,
    /// Host paths mounted read-only at the same place (e.g. a toolchain outside the system
    /// directories). Local backends only; never the user's home as a whole.
    pub read_only_paths: Vec<PathBuf>,
    /// Host paths mounted writable at the same place (e.g. a build cache). Local backends
    /// only. The copy itself and a private `/tmp` and home are always writable.
    pub writable_paths: Vec<PathBuf>,
    /// Extra environment for every command (on top of the allow-list: `PATH`, `LANG`,
    /// `LC_*`, `TERM`, `TZ`, and `HOME` of the private home).
    pub env: BTreeMap<String, String>,
    /// More ignored directories of the repository (relative paths) shown to commands
    /// read-only below a writable layer, beside those its manifests name. Local backends only.
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// Host paths never mounted, whatever else asks for them (vibe's own data and
    /// configuration). Local backends only.
    #[serde(default)]
    pub hidden_paths: Vec<PathBuf>,
    /// Without `network`: reach the package registries the project's manifests use (and
    /// these further hosts) through vibe's egress proxy, nothing else. `None`: no network.
    #[serde(default)]
    pub registries: Option<Vec<String>>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            network: false,
            command_timeout: Duration::from_secs(600),
            max_processes: 512,
            memory_bytes: 4096 * 1024 * 1024,
            max_file_bytes: 1024 * 1024 * 1024,
            max_output_bytes: 256 * 1024,
            read_only_paths: Vec::new(),
            writable_paths: Vec::new(),
            env: BTreeMap::new(),
            dependencies: Vec::new(),
            hidden_paths: Vec::new(),
            registries: None,
        }
    }
}

impl Policy {
    /// The policy from the resolved settings.
    pub fn from_settings(settings: &SandboxSettings) -> Self {
        Self {
            network: settings.network,
            command_timeout: Duration::from_secs(settings.command_timeout_secs.max(1)),
            max_processes: settings.max_processes.max(8),
            memory_bytes: settings.memory_mb.max(64).saturating_mul(1024 * 1024),
            dependencies: settings.dependencies.clone(),
            registries: settings.registries.then(|| settings.extra_registries.clone()),
            ..Self::default()
        }
    }
}

/// One paragraph for the CRS and plan prompts: where the job's commands will run and what
/// they can use there, so the model writes checks that can run.
pub fn environment_note(config: &crate::config::Config, repo: &std::path::Path) -> String {
    if config.sandbox.backend == Backend::E2b {
        return e2b::environment_note(&config.e2b.template, config.sandbox.network);
    }
    let mut policy = Policy::from_settings(&config.sandbox);
    policy.hidden_paths = vec![config.home.clone()];
    let host_env: BTreeMap<String, String> = std::env::vars().collect();
    let env = local::Environment::preview(repo, &host_env, &policy);
    match config.sandbox.backend {
        Backend::None => format!("{} (Unsandboxed: commands run as the user.)", env.describe(true)),
        _ => env.describe(config.sandbox.network),
    }
}

/// How to build a sandbox: the same for every backend.
#[derive(Debug, Clone)]
pub struct SandboxSpec {
    /// The user's repository (its work tree root). Only read, never written.
    pub repo: PathBuf,
    /// The commit the copy starts from (any revision git understands); `HEAD` when `None`.
    pub base: Option<String>,
    /// Copy uncommitted changes (tracked and untracked, not ignored) into the sandbox
    /// instead of refusing a dirty tree.
    pub allow_dirty: bool,
    /// Directory on this machine for the sandbox's own state (created; must not exist or be
    /// empty): the local backend keeps its copy there, a cloud backend its archive. Keep it
    /// with the job.
    pub dir: PathBuf,
    /// What the sandbox may do.
    pub policy: Policy,
    /// The environment vibe runs in (`std::env::vars()`); only the allow-listed variables
    /// (see [`local::ENV_ALLOW_LIST`]) are kept, so tokens and keys never enter.
    pub host_env: BTreeMap<String, String>,
    /// What the sandbox is for (a job id), for a cloud backend's metadata: no secret.
    pub label: String,
}

/// Names a sandbox so another process can find it again: the local copy's directory, or a
/// cloud sandbox's id. Plain data, saved with the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxHandle {
    /// The backend that made it.
    pub backend: Backend,
    /// The local copy's directory, or the cloud sandbox's id.
    pub id: String,
    /// For a cloud sandbox: the directory on this machine its work is brought into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
}

/// One command to run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CommandRequest {
    /// Program and arguments (no shell unless you ask for one: `["sh", "-c", "…"]`).
    pub argv: Vec<String>,
    /// Working directory relative to the copy root (`""` for the root).
    pub cwd: String,
    /// Extra environment for this command.
    pub env: BTreeMap<String, String>,
    /// Wall-time limit; never more than the policy's.
    pub timeout: Option<Duration>,
}

impl CommandRequest {
    /// `sh -c SCRIPT` in the copy root.
    pub fn shell(script: impl Into<String>) -> Self {
        Self { argv: vec!["sh".into(), "-c".into(), script.into()], ..Self::default() }
    }
}

/// Which output stream a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// A piece of a running command's output, as it arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputChunk {
    pub stream: Stream,
    /// The bytes, decoded lossily as UTF-8.
    pub text: String,
}

/// Receives output while a command runs.
pub type OutputSink = Arc<dyn Fn(OutputChunk) + Send + Sync>;

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandOutcome {
    /// Exit code, when the command exited (not killed).
    pub exit_code: Option<i32>,
    /// The signal that ended the command, when killed.
    pub signal: Option<i32>,
    /// Killed because it ran past its time limit.
    pub timed_out: bool,
    /// Killed because the job was cancelled.
    pub cancelled: bool,
    /// Captured stdout (head and tail when longer than the policy's cap).
    pub stdout: String,
    /// Captured stderr (head and tail when longer than the policy's cap).
    pub stderr: String,
    /// Whether output was cut.
    pub truncated: bool,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
}

impl CommandOutcome {
    /// True when the command exited with code 0.
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }

    /// The exit code as the agent reports it: the code, or `128 + signal`, or -1.
    pub fn code(&self) -> i32 {
        self.exit_code.or(self.signal.map(|s| 128 + s)).unwrap_or(-1)
    }
}

/// Kind of a directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
}

/// One entry of [`Sandbox::list`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Relative to the copy root, `/`-separated.
    pub path: String,
    pub kind: EntryKind,
    /// Size in bytes (files).
    pub size: u64,
}

/// A listing, possibly cut at the requested maximum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub entries: Vec<Entry>,
    /// More entries existed than were returned.
    pub truncated: bool,
}

/// One line matching a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub path: String,
    /// 1-based line number.
    pub line: u64,
    pub text: String,
}

/// Result of [`Sandbox::search`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResult {
    pub hits: Vec<SearchHit>,
    /// More hits existed than were returned.
    pub truncated: bool,
}

/// What happened to a file between the base commit and the copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
    /// File type changed (e.g. file ↔ symlink).
    TypeChanged,
}

/// One changed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    pub path: String,
    pub kind: ChangeKind,
    pub additions: u64,
    pub deletions: u64,
    pub binary: bool,
}

/// The sandbox's changes against its base commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// The commit the copy started from (full hex id).
    pub base_commit: String,
    /// A patch `git apply` accepts (binary files included as git binary patches).
    pub patch: String,
    pub files: Vec<FileChange>,
    pub additions: u64,
    pub deletions: u64,
}

impl Diff {
    /// The diff of a copy nothing changed in.
    pub fn empty(base_commit: &str) -> Self {
        Self {
            base_commit: base_commit.to_string(),
            patch: String::new(),
            files: Vec::new(),
            additions: 0,
            deletions: 0,
        }
    }

    /// No changes at all.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// A sandbox: a private copy of the repository at a base commit where commands run
/// isolated. Paths are relative to the copy root; backends refuse anything else.
///
/// Object safe (`Box<dyn Sandbox>`), so the backend is chosen at run time.
pub trait Sandbox: Send + Sync {
    /// The backend, for events and records.
    fn backend(&self) -> Backend;

    /// What finds this sandbox again from another process ([`Sandboxes::reopen`]).
    fn handle(&self) -> SandboxHandle;

    /// The commit the copy started from (full hex id).
    fn base_commit(&self) -> &str;

    /// The policy in force.
    fn policy(&self) -> &Policy;

    /// Runs a command in the copy, streaming output to `sink` as it arrives. Returns when
    /// the command and every process it started are gone. A timeout or `cancel` turning
    /// true kills the whole process tree; that is an outcome, not an error.
    fn run<'a>(
        &'a self,
        request: CommandRequest,
        sink: Option<OutputSink>,
        cancel: Option<tokio::sync::watch::Receiver<bool>>,
    ) -> BoxFuture<'a, Result<CommandOutcome, SandboxError>>;

    /// Reads a file.
    fn read<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Vec<u8>, SandboxError>>;

    /// Writes (creates or replaces) a file, creating parent directories.
    fn write<'a>(&'a self, path: &'a str, contents: &'a [u8]) -> BoxFuture<'a, Result<(), SandboxError>>;

    /// Lists entries under a directory (`""` for the root), honouring `.gitignore`, at most
    /// `max` entries; `recursive` walks the whole subtree.
    fn list<'a>(
        &'a self,
        dir: &'a str,
        recursive: bool,
        max: usize,
    ) -> BoxFuture<'a, Result<Listing, SandboxError>>;

    /// Removes a file or a directory tree.
    fn remove<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<(), SandboxError>>;

    /// Searches files under `dir` for lines matching the regular expression `pattern`,
    /// honouring `.gitignore`; at most `max` hits.
    fn search<'a>(
        &'a self,
        pattern: &'a str,
        dir: &'a str,
        max: usize,
    ) -> BoxFuture<'a, Result<SearchResult, SandboxError>>;

    /// The copy's changes against the base commit: modified, added (untracked, not ignored)
    /// and deleted files.
    fn diff(&self) -> BoxFuture<'_, Result<Diff, SandboxError>>;

    /// Kills whatever still runs and deletes the sandbox (for a cloud one: kills it, which
    /// ends its billing). Idempotent; a sandbox already gone is not an error.
    fn destroy(&self) -> BoxFuture<'_, Result<(), SandboxError>>;
}

/// A sandbox backend chosen by configuration.
pub use crate::config::Backend;

/// Something the caller should tell the user (e.g. running without isolation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub message: String,
}

/// Makes and finds sandboxes of every backend; built once from the configuration and handed
/// down. What a backend needs beyond [`SandboxSpec`] (the local pool of finished copies, the
/// cloud account) lives here.
#[derive(Debug, Clone, Default)]
pub struct Sandboxes {
    local: local::Options,
    e2b: Option<e2b::Options>,
}

impl Sandboxes {
    /// The backends as configured.
    pub fn new(config: &crate::config::Config) -> Self {
        let per_repo = usize::try_from(config.sandbox.reuse_copies).unwrap_or(usize::MAX);
        Self {
            local: local::Options {
                pool: config.sandbox_pool_dir(),
                per_repo,
                cache: Some(config.cache_dir()),
                in_memory: config.sandbox.copy_in_memory,
            },
            e2b: Some(e2b::Options::from_settings(&config.e2b)),
        }
    }

    /// Finished local copies wait in `pool` (at most `per_repo` per repository) for the next
    /// job of their repository.
    pub fn with_pool(mut self, pool: PathBuf, per_repo: usize) -> Self {
        self.local = local::Options { pool: Some(pool), per_repo, ..self.local };
        self
    }

    /// New local copies are made in memory when they fit there (`sandbox.copy_in_memory`).
    pub fn in_memory(mut self, in_memory: bool) -> Self {
        self.local.in_memory = in_memory;
        self
    }

    /// Creates a sandbox with `backend`. Returns warnings to show (e.g. for the unisolated
    /// `none` backend). Refuses when the backend cannot isolate.
    pub async fn create(
        &self,
        backend: Backend,
        spec: SandboxSpec,
    ) -> Result<(Box<dyn Sandbox>, Vec<Warning>), SandboxError> {
        match backend {
            Backend::Local => Ok((
                Box::new(local::LocalSandbox::create(spec, &self.local, local::Isolation::Bubblewrap).await?),
                Vec::new(),
            )),
            Backend::None => {
                let sandbox = local::LocalSandbox::create(spec, &self.local, local::Isolation::None).await?;
                Ok((Box::new(sandbox), vec![local::no_isolation_warning()]))
            }
            Backend::E2b => {
                Ok((Box::new(e2b::E2bSandbox::create(spec, self.e2b_options()?).await?), Vec::new()))
            }
        }
    }

    /// Finds a sandbox made earlier, by any process, with the backend that made it.
    /// [`SandboxError::Gone`] when it no longer exists.
    pub async fn reopen(&self, handle: &SandboxHandle) -> Result<Box<dyn Sandbox>, SandboxError> {
        match handle.backend {
            Backend::Local | Backend::None => {
                Ok(Box::new(local::LocalSandbox::open(PathBuf::from(&handle.id), &self.local).await?))
            }
            Backend::E2b => Ok(Box::new(
                e2b::E2bSandbox::open(&handle.id, handle.dir.clone(), self.e2b_options()?).await?,
            )),
        }
    }

    /// Destroys what `backend` may have made for `label` without the caller learning its id
    /// (vibe died while it was being made). Only a cloud backend can leave such a sandbox.
    pub async fn release_labelled(&self, backend: Backend, label: &str) -> Result<(), SandboxError> {
        match backend {
            Backend::E2b => self.e2b_options()?.kill_labelled(label).await,
            Backend::Local | Backend::None => Ok(()),
        }
    }

    fn e2b_options(&self) -> Result<&e2b::Options, SandboxError> {
        self.e2b.as_ref().ok_or_else(|| SandboxError::Cloud {
            failure: Failure::Auth,
            message: "E2B is not configured (E2B_API_KEY)".into(),
        })
    }
}

/// How a cloud sandbox service failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The API key is missing or refused.
    Auth,
    /// A quota or concurrency limit was reached.
    Limit,
    /// The service could not be reached (after retries).
    Network,
    /// The configured template does not exist.
    Template,
    /// The sandbox did not come up in time.
    Timeout,
    /// The service answered with an error or something unexpected.
    Service,
}

/// Errors of the sandbox layer.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// No working OS sandbox.
    #[error("no OS sandbox is available ({mechanism}): {detail}")]
    Unavailable { mechanism: String, detail: String },
    /// The user's tree has uncommitted changes and `allow_dirty` was not given.
    #[error("the working tree has uncommitted changes ({})", summarize(.paths))]
    DirtyTree { paths: Vec<String> },
    /// A path a tool named is not allowed.
    #[error("refused `{path}`: {reason}")]
    PathRefused { path: String, reason: String },
    /// The path does not exist in the copy.
    #[error("`{0}` does not exist in the repository copy")]
    NotFound(String),
    /// Bad input (e.g. an invalid regular expression, an empty command).
    #[error("{0}")]
    Invalid(String),
    /// A git operation failed.
    #[error("git: {0}")]
    Git(String),
    /// The sandbox was destroyed.
    #[error("the sandbox was already destroyed")]
    Destroyed,
    /// The sandbox no longer exists (destroyed by another process, expired or killed).
    #[error("the sandbox {0} no longer exists")]
    Gone(String),
    /// The cloud sandbox service failed; `failure` says how, so the job can react.
    #[error("{message}")]
    Cloud { failure: Failure, message: String },
    /// A file-system or process error.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl SandboxError {
    /// An I/O error with what we were doing.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        SandboxError::Io { context: context.into(), source }
    }

    /// True when the sandbox no longer exists (expired or killed): the job cannot go on in
    /// it, and a resumed attempt continues in a new one.
    pub fn is_gone(&self) -> bool {
        matches!(self, SandboxError::Gone(_))
    }

    /// True for refusals the agent should see as a tool error (not a job failure).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            SandboxError::PathRefused { .. } | SandboxError::NotFound(_) | SandboxError::Invalid(_)
        )
    }
}

impl From<git2::Error> for SandboxError {
    fn from(e: git2::Error) -> Self {
        SandboxError::Git(e.message().to_string())
    }
}

fn summarize(paths: &[String]) -> String {
    let shown: Vec<&str> = paths.iter().take(5).map(String::as_str).collect();
    let more = paths.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

impl From<SandboxError> for Error {
    fn from(e: SandboxError) -> Self {
        let message = e.to_string();
        match e {
            SandboxError::Unavailable { .. } => Error::new(ErrorKind::NeedsConfig, message).with_hint(
                "install bubblewrap (Debian/Ubuntu: `apt install bubblewrap`) and make sure user namespaces are enabled; \
                 `vibe doctor` shows what is missing. To run without any isolation, pass `--sandbox none` (unsafe)",
            ),
            SandboxError::DirtyTree { .. } => Error::usage(message)
                .with_hint("commit or stash your changes first, or pass `--allow-dirty` to include them in the job"),
            SandboxError::PathRefused { .. } | SandboxError::NotFound(_) | SandboxError::Invalid(_) => {
                Error::failure(message)
            }
            SandboxError::Git(_) => Error::failure(message).with_hint("check that the repository is readable with `git status`"),
            SandboxError::Destroyed | SandboxError::Gone(_) => Error::failure(message),
            SandboxError::Io { .. } => Error::failure(message),
            SandboxError::Cloud { failure, .. } => cloud_error(failure, message),
        }
    }
}

/// A cloud failure as the user sees it, with what to do.
fn cloud_error(failure: Failure, message: String) -> Error {
    match failure {
        Failure::Auth => Error::new(ErrorKind::NeedsConfig, message).with_hint(
            "set a valid key in E2B_API_KEY (or `vibe config set e2b.api_key`); keys are on https://e2b.dev/dashboard",
        ),
        Failure::Limit => Error::failure(message)
            .with_hint("wait for running sandboxes to end (or fewer at once with --parallel), or raise the limit of your E2B plan"),
        Failure::Network => Error::failure(message)
            .with_hint("check the network and the E2B URL (`vibe config get e2b.api_url`), then `vibe jobs resume`"),
        Failure::Template => Error::new(ErrorKind::NeedsConfig, message),
        Failure::Timeout => {
            Error::failure(message).with_hint("E2B may be busy; try again, or use `--sandbox local`")
        }
        Failure::Service => Error::failure(message).with_hint("try again later, or use `--sandbox local`"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn errors_tell_the_user_what_to_do() {
        let e = Error::from(SandboxError::Unavailable {
            mechanism: "bubblewrap".into(),
            detail: "not found".into(),
        });
        assert_eq!(e.kind, ErrorKind::NeedsConfig);
        assert!(e.hint.unwrap().contains("--sandbox none"));
        let e = Error::from(SandboxError::DirtyTree { paths: (0..7).map(|i| format!("f{i}")).collect() });
        assert_eq!(e.kind, ErrorKind::Usage);
        assert!(e.message.contains("f0, f1, f2, f3, f4 and 2 more"), "{}", e.message);
        assert!(e.hint.unwrap().contains("--allow-dirty"));
    }

    #[test]
    fn the_policy_follows_the_settings() {
        let settings = SandboxSettings {
            backend: Backend::Local,
            network: true,
            command_timeout_secs: 30,
            max_processes: 100,
            memory_mb: 512,
            reuse_copies: 1,
            copy_in_memory: true,
            dependencies: vec!["cache".into()],
            registries: false,
            extra_registries: Vec::new(),
        };
        let p = Policy::from_settings(&settings);
        assert!(p.network);
        assert_eq!(p.dependencies, ["cache"]);
        assert_eq!(p.command_timeout, Duration::from_secs(30));
        assert_eq!((p.max_processes, p.memory_bytes), (100, 512 * 1024 * 1024));
    }
}
