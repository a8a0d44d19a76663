//! The local backend: the copy lives in a directory on this machine and every command runs
//! under bubblewrap — new user, PID, network, IPC, UTS and cgroup namespaces, all
//! capabilities dropped, the system mounted read-only, only the copy (and a private `/tmp`
//! and empty home) writable, an environment built from an allow-list, and rlimits set in the
//! child before exec. Killing bubblewrap takes the sandbox's PID namespace, and so every
//! process a command started, with it.
//!
//! [`Isolation::None`] is the explicit opt-out: the same copy and limits, no namespaces.

mod bwrap;
mod egress;
mod environment;
mod files;
pub mod layers;
mod limits;
mod memory;
mod namespaces;
mod pool;
mod probe;
mod process;
mod run;
pub mod toolchains;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use super::capture::CappedBuf;
use super::{
    copy, paths, Backend, BoxFuture, CommandOutcome, CommandRequest, Diff, Entry, EntryKind, Listing,
    OutputChunk, OutputSink, Policy, Sandbox, SandboxError, SandboxHandle, SandboxSpec, SearchHit,
    SearchResult, Stream, Warning,
};
use pool::{adopt, make_copy};
use probe::{check_isolation, Bwrap};

pub use bwrap::{bwrap_args, BwrapConfig};
pub use environment::Environment;
pub use pool::{discard, discard_in_background, prepare, retire};
pub use probe::{no_isolation_warning, probe, probe_with, Probe, PROBE_CACHE_FILE};
pub use process::kill_leftovers;

/// Where the copy appears inside the sandbox.
pub const SANDBOX_WORK: &str = "/vibe/work";
/// The private, empty home inside the sandbox.
pub const SANDBOX_HOME: &str = "/vibe/home";

/// Variables of vibe's own environment that commands inherit; everything else is dropped.
pub const ENV_ALLOW_LIST: &[&str] =
    &["PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TERM", "TZ"];

const META_FILE: &str = "sandbox.json";
/// vibe's own repository beside the copy (never mounted in the sandbox).
const TRUSTED_GIT: &str = "base.git";
/// What a copy made ahead of its job was made from.
const PREPARED_FILE: &str = "prepared.json";

/// Largest file [`Sandbox::read`] returns.
const MAX_READ_BYTES: u64 = 32 * 1024 * 1024;
/// Files larger than this are skipped by search.
const MAX_SEARCH_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// What the local backend needs beyond the spec.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where finished copies wait for the next job of their repository; a copy from there is
    /// cleaned and reused instead of writing a new one.
    pub pool: Option<PathBuf>,
    /// At most this many pooled copies per repository.
    pub per_repo: usize,
    /// Where the sandbox's capability probe is kept between runs; `None` probes every time.
    pub cache: Option<PathBuf>,
    /// A new copy (none in the pool to reuse) is made in memory when it fits there.
    pub in_memory: bool,
}

/// Where a copy made ahead of time by [`prepare`] (e.g. while the model wrote the plan) waits
/// for the sandbox that will live in `dir`: the sandbox takes it over when it was made from
/// the same repository, commit and dirty-tree choice, and removes it otherwise.
pub fn prepared_dir(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".prepared");
    dir.with_file_name(name)
}

/// The copy of the sandbox directory `dir` in memory, when it is there.
pub fn memory_copy(dir: &Path) -> Option<PathBuf> {
    memory::target(&dir.join("work")).map(|entry| entry.join("work"))
}

/// Where the copy `work` (a sandbox directory's `work`) really is: itself, or the copy in
/// memory it links to.
fn real_work(work: &Path) -> Result<PathBuf, SandboxError> {
    if memory::target(work).is_none() {
        return Ok(work.to_path_buf());
    }
    std::fs::canonicalize(work).map_err(|e| SandboxError::io("finding the copy in memory", e))
}

/// How commands are isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Isolation {
    /// bubblewrap namespaces (the default).
    Bubblewrap,
    /// None at all: the explicit, unsafe opt-out.
    None,
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
    /// The toolchains and dependency directories commands see.
    #[serde(default)]
    environment: Environment,
}

/// A sandbox on this machine.
#[derive(Debug)]
pub struct LocalSandbox {
    dir: PathBuf,
    work: PathBuf,
    home: PathBuf,
    meta: Meta,
    bwrap: Option<Bwrap>,
    options: Options,
    destroyed: AtomicBool,
}

impl LocalSandbox {
    /// Makes the copy in `spec.dir` and checks the isolation works.
    pub async fn create(
        spec: SandboxSpec,
        options: &Options,
        isolation: Isolation,
    ) -> Result<Self, SandboxError> {
        let bwrap = check_isolation(isolation, options.cache.as_deref())?;
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
            Some(prepared_dir(&spec.dir)).filter(|p| p.exists()),
            options.pool.clone(),
        );
        let in_memory = options.in_memory;
        let info = tokio::task::spawn_blocking(move || {
            if let Some(info) = prepared.and_then(|p| adopt(&p, &repo, base.as_deref(), allow_dirty, &dir)) {
                return Ok(info);
            }
            let dirty = if allow_dirty { copy::Dirty::Include } else { copy::Dirty::Refuse };
            make_copy(&repo, base.as_deref(), dirty, &dir, pool.as_deref(), in_memory)
        })
        .await
        .map_err(|e| SandboxError::Git(format!("creating the copy: {e}")))?;
        let info = match info {
            Ok(info) => info,
            Err(e) => {
                let _ = discard(&spec.dir);
                return Err(e);
            }
        };
        let work = real_work(&work)?;
        let (repo, host_env, policy, scratch) =
            (spec.repo.clone(), spec.host_env.clone(), spec.policy.clone(), spec.dir.join("probe"));
        let environment =
            tokio::task::spawn_blocking(move || Environment::resolve(&repo, &host_env, &policy, &scratch))
                .await
                .map_err(|e| SandboxError::Invalid(format!("looking for toolchains: {e}")))?;
        let meta = Meta {
            environment,
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
        Ok(Self {
            work,
            home,
            dir: spec.dir,
            meta,
            bwrap,
            options: options.clone(),
            destroyed: AtomicBool::new(false),
        })
    }

    /// Reopens a sandbox made by [`LocalSandbox::create`] in `dir`.
    pub async fn open(dir: PathBuf, options: &Options) -> Result<Self, SandboxError> {
        if !dir.join(META_FILE).is_file() {
            return Err(SandboxError::Gone(dir.display().to_string()));
        }
        let text = std::fs::read_to_string(dir.join(META_FILE))
            .map_err(|e| SandboxError::io(format!("reading {}", dir.join(META_FILE).display()), e))?;
        let meta: Meta = serde_json::from_str(&text)
            .map_err(|e| SandboxError::Invalid(format!("bad sandbox metadata: {e}")))?;
        let bwrap = check_isolation(meta.isolation, options.cache.as_deref())?;
        // A copy in memory does not outlive a restart of the machine.
        let work = real_work(&dir.join("work")).map_err(|_| SandboxError::Gone(dir.display().to_string()))?;
        let home = dir.join("home");
        std::fs::create_dir_all(&home).map_err(|e| SandboxError::io("creating the private home", e))?;
        Ok(Self { work, home, dir, meta, bwrap, options: options.clone(), destroyed: AtomicBool::new(false) })
    }

    /// The copy on the host (for the caller's own reading; tools go through the trait).
    pub fn work_dir(&self) -> &Path {
        &self.work
    }

    /// How commands are isolated.
    pub fn isolation(&self) -> Isolation {
        self.meta.isolation
    }

    /// The toolchains and dependency directories commands see.
    pub fn environment(&self) -> &Environment {
        &self.meta.environment
    }

    fn alive(&self) -> Result<(), SandboxError> {
        if self.destroyed.load(Ordering::SeqCst) {
            Err(SandboxError::Destroyed)
        } else {
            Ok(())
        }
    }
}

impl Sandbox for LocalSandbox {
    fn backend(&self) -> Backend {
        match self.meta.isolation {
            Isolation::Bubblewrap => Backend::Local,
            Isolation::None => Backend::None,
        }
    }

    fn handle(&self) -> SandboxHandle {
        SandboxHandle { backend: self.backend(), id: self.dir.display().to_string(), dir: None }
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
            // Whatever a command left running (every command waits for its tree, so normally
            // nothing), then the copy: to the pool for the next job, the rest removed in the
            // background.
            let dir = self.dir.clone();
            let options = self.options.clone();
            tokio::task::spawn_blocking(move || {
                process::kill_leftovers(&dir);
                let _ = discard(&prepared_dir(&dir));
                match options.pool.as_deref() {
                    Some(pool) => {
                        retire(&dir, Some(pool), options.per_repo);
                        Ok(())
                    }
                    // Whatever a command did to the copy's permissions.
                    None => {
                        discard(&dir).map_err(|e| SandboxError::io(format!("removing {}", dir.display()), e))
                    }
                }
            })
            .await
            .map_err(|e| SandboxError::Invalid(format!("removing the sandbox: {e}")))?
        })
    }
}
