//! Layered configuration, resolved once into [`Config`].
//!
//! Layers, later wins: built-in defaults < user file (`$XDG_CONFIG_HOME/vibe/config.toml`, or
//! `--config FILE`) < repository file `.vibe.toml` < `.env` in the repository < environment
//! < flags. Every key and every environment variable vibe reads is declared once, in
//! [`KEYS`]; nothing else in the program looks at the environment for settings.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::trust::{Decision, Fingerprint, TrustError, TrustStore};

mod dotenv;

/// A secret value (API key, token). Its `Debug`/`Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A short form safe to show: a prefix and suffix, or stars for short values.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

/// Shows at most 4 leading and 4 trailing characters of a secret, and only when it is long
/// enough that this leaves most of it hidden.
pub fn redact(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() >= 16 {
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    } else {
        "****".to_string()
    }
}

/// The type of a configuration value, used to validate it.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Any text.
    Text,
    /// An http(s) URL.
    Url,
    /// true/false.
    Bool,
    /// A non-negative integer.
    Count,
    /// One of the listed words.
    OneOf(&'static [&'static str]),
    /// A filesystem path.
    Path,
}

/// What a key could do if a repository the user has not trusted set it. Every key declares
/// one; from an untrusted repository's `.vibe.toml` or `.env` vibe takes only
/// [`Guard::Open`] keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Guard {
    /// Harmless from anywhere: model names, budgets, timeouts, context size.
    Open,
    /// Where requests go (a URL, host or domain): could send the user's keys elsewhere.
    Endpoint,
    /// A key or token.
    Secret,
    /// Another setting of an external service (GitHub, E2B, Supabase): which app, which scopes,
    /// where tokens are kept.
    Service,
    /// The sandbox's isolation and limits.
    Sandbox,
    /// Where vibe keeps the user's data.
    Data,
}

impl Guard {
    /// Why a repository may not set a key of this kind before it is trusted.
    pub fn reason(self) -> &'static str {
        match self {
            Guard::Open => "harmless",
            Guard::Endpoint => "an endpoint: could send your keys elsewhere",
            Guard::Secret => "a key or token",
            Guard::Service => "a GitHub, E2B or Supabase setting",
            Guard::Sandbox => "could loosen the sandbox",
            Guard::Data => "where vibe keeps your data",
        }
    }
}

/// One configuration key.
#[derive(Debug)]
pub struct Key {
    /// Dotted name, as in the TOML files (`model.name` is `[model] name = …`).
    pub name: &'static str,
    /// Environment variables that set it, strongest first.
    pub env: &'static [&'static str],
    /// Built-in default.
    pub default: Option<&'static str>,
    /// Shown redacted and never written to logs.
    pub secret: bool,
    /// Whether config files may set it (tokens may only come from the environment).
    pub in_files: bool,
    /// Validation.
    pub kind: Kind,
    /// Whether an untrusted repository may set it.
    pub guard: Guard,
    /// For a secret: the keys that say where it is sent. It is sent only when each of them comes
    /// from a layer at least as trusted as the secret's own.
    pub sent_to: &'static [&'static str],
    /// One line for `vibe config show` and the README.
    pub help: &'static str,
}

const fn key(
    name: &'static str,
    env: &'static [&'static str],
    default: Option<&'static str>,
    kind: Kind,
    guard: Guard,
    help: &'static str,
) -> Key {
    Key { name, env, default, secret: false, in_files: true, kind, guard, sent_to: &[], help }
}

const fn secret(
    name: &'static str,
    env: &'static [&'static str],
    sent_to: &'static [&'static str],
    help: &'static str,
) -> Key {
    Key {
        name,
        env,
        default: None,
        secret: true,
        in_files: true,
        kind: Kind::Text,
        guard: Guard::Secret,
        sent_to,
        help,
    }
}

/// Every configuration key vibe knows.
pub static KEYS: &[Key] = &[
    key(
        "home",
        &["VIBE_HOME"],
        None,
        Kind::Path,
        Guard::Data,
        "data directory: database, logs, job artifacts",
    ),
    key(
        "model.base_url",
        &["OPENAI_BASE_URL"],
        Some("https://api.openai.com/v1"),
        Kind::Url,
        Guard::Endpoint,
        "OpenAI-compatible endpoint (OpenAI, Ollama, llama.cpp, vLLM, LM Studio, proxies)",
    ),
    secret("model.api_key", &["OPENAI_API_KEY"], &["model.base_url"], "key for the model endpoint"),
    key(
        "model.name",
        &["VIBE_MODEL"],
        Some("gpt-4.1"),
        Kind::Text,
        Guard::Open,
        "model for CRS, plan and coding",
    ),
    key(
        "model.fast",
        &["VIBE_FAST_MODEL"],
        Some("gpt-4.1-mini"),
        Kind::Text,
        Guard::Open,
        "cheaper model where quality allows",
    ),
    key(
        "model.structured_output",
        &["VIBE_STRUCTURED_OUTPUT"],
        Some("auto"),
        Kind::OneOf(&["auto", "json_schema", "prompt"]),
        Guard::Open,
        "json_schema response format, JSON asked in the prompt, or auto (fall back when rejected)",
    ),
    key(
        "model.max_tokens_field",
        &["VIBE_MAX_TOKENS_FIELD"],
        Some("auto"),
        Kind::OneOf(&["auto", "max_completion_tokens", "max_tokens"]),
        Guard::Open,
        "request field for the output limit (local servers often only know max_tokens)",
    ),
    key(
        "model.timeout_secs",
        &["VIBE_MODEL_TIMEOUT"],
        Some("300"),
        Kind::Count,
        Guard::Open,
        "timeout of one model request, in seconds",
    ),
    key(
        "model.max_retries",
        &["VIBE_MODEL_RETRIES"],
        Some("4"),
        Kind::Count,
        Guard::Open,
        "retries on 429, 5xx, timeouts and connection errors",
    ),
    key(
        "model.retry_base_ms",
        &["VIBE_RETRY_BASE_MS"],
        Some("500"),
        Kind::Count,
        Guard::Open,
        "first retry delay in milliseconds (doubles each retry, with jitter; Retry-After wins)",
    ),
    key(
        "context.max_tokens",
        &["VIBE_CONTEXT_TOKENS"],
        Some("12000"),
        Kind::Count,
        Guard::Open,
        "token budget for repository context sent with a CRS or plan request",
    ),
    key(
        "github.url",
        &["VIBE_GITHUB_URL"],
        Some("https://github.com"),
        Kind::Url,
        Guard::Endpoint,
        "GitHub (Enterprise) web URL",
    ),
    key(
        "github.api_url",
        &["VIBE_GITHUB_API_URL"],
        Some("https://api.github.com"),
        Kind::Url,
        Guard::Endpoint,
        "GitHub (Enterprise) REST API URL",
    ),
    key(
        "github.client_id",
        &["GITHUB_CLIENT_ID"],
        None,
        Kind::Text,
        Guard::Service,
        "OAuth app client id for `vibe login` (device flow)",
    ),
    secret(
        "github.client_secret",
        &["GITHUB_CLIENT_SECRET"],
        &["github.url", "github.api_url"],
        "accepted for compatibility; the device flow does not need it",
    ),
    Key {
        name: "github.token",
        env: &["GITHUB_TOKEN", "GH_TOKEN"],
        default: None,
        secret: true,
        in_files: false,
        kind: Kind::Text,
        guard: Guard::Secret,
        sent_to: &["github.url", "github.api_url"],
        help: "GitHub token for CI; takes precedence over the keyring (environment only)",
    },
    key(
        "github.scopes",
        &["VIBE_GITHUB_SCOPES"],
        Some("repo read:user user:email"),
        Kind::Text,
        Guard::Service,
        "scopes requested by `vibe login`",
    ),
    key(
        "github.keyring",
        &["VIBE_KEYRING"],
        Some("os"),
        Kind::OneOf(&["os", "file", "none"]),
        Guard::Service,
        "where `vibe login` keeps the token: os (the OS keyring), none (nowhere: only GITHUB_TOKEN / \
         GH_TOKEN count), or file (an isolated plain-text store inside VIBE_HOME, for tests and \
         throw-away environments only)",
    ),
    key(
        "github.wait_cap_ms",
        &["VIBE_GITHUB_WAIT_CAP_MS"],
        None,
        Kind::Count,
        Guard::Service,
        "upper bound on any single wait for GitHub (device-flow polling, rate-limit back-off), in ms",
    ),
    key(
        "sandbox.backend",
        &["VIBE_SANDBOX"],
        Some("local"),
        Kind::OneOf(Backend::NAMES),
        Guard::Sandbox,
        "where jobs run: local OS sandbox, E2B, or none (unsafe)",
    ),
    key(
        "sandbox.network",
        &["VIBE_SANDBOX_NETWORK"],
        Some("false"),
        Kind::OneOf(&["false", "registries", "true"]),
        Guard::Sandbox,
        "network inside the sandbox: false (none), registries (the project's package registries only, \
         through vibe's proxy) or true (everything)",
    ),
    key(
        "sandbox.registries",
        &[],
        None,
        Kind::Text,
        Guard::Sandbox,
        "more hosts (comma-separated, `host` for port 443 or `host:port`) that sandbox.network = \
         \"registries\" lets commands reach, beside the registries the project's manifests use",
    ),
    key(
        "sandbox.command_timeout_secs",
        &["VIBE_COMMAND_TIMEOUT"],
        Some("600"),
        Kind::Count,
        Guard::Sandbox,
        "wall-time limit of one command in the sandbox",
    ),
    key(
        "sandbox.max_processes",
        &[],
        Some("512"),
        Kind::Count,
        Guard::Sandbox,
        "process limit inside the sandbox",
    ),
    key(
        "sandbox.reuse_copies",
        &[],
        Some("1"),
        Kind::Count,
        Guard::Sandbox,
        "finished copies kept per repository for the next job to reuse (0: never reuse)",
    ),
    key(
        "sandbox.copy_in_memory",
        &[],
        Some("true"),
        Kind::Bool,
        Guard::Sandbox,
        "make a repository's new copy in memory (a tmpfs under /dev/shm) when it is small next to the \
         memory free, so the first job of a repository starts at once; a pooled copy in memory is \
         removed after 10 minutes unused",
    ),
    key(
        "sandbox.dependencies",
        &[],
        None,
        Kind::Text,
        Guard::Sandbox,
        "more ignored directories of the repository (comma-separated, relative) that commands see \
         read-only below a writable layer, beside those its manifests name (node_modules, .venv, target, …)",
    ),
    key(
        "sandbox.memory_mb",
        &[],
        Some("4096"),
        Kind::Count,
        Guard::Sandbox,
        "address-space limit of one sandboxed command, in MiB",
    ),
    key(
        "agent.max_turns",
        &["VIBE_AGENT_MAX_TURNS"],
        Some("60"),
        Kind::Count,
        Guard::Open,
        "model turns the coding agent may take",
    ),
    key(
        "agent.max_tokens",
        &["VIBE_AGENT_MAX_TOKENS"],
        Some("1500000"),
        Kind::Count,
        Guard::Open,
        "tokens the coding agent may spend",
    ),
    key(
        "agent.max_minutes",
        &["VIBE_AGENT_MAX_MINUTES"],
        Some("45"),
        Kind::Count,
        Guard::Open,
        "wall time of one job, in minutes",
    ),
    secret("e2b.api_key", &["E2B_API_KEY"], &["e2b.domain", "e2b.api_url", "e2b.sandbox_url"], "E2B API key"),
    key("e2b.domain", &["E2B_DOMAIN"], Some("e2b.app"), Kind::Text, Guard::Endpoint, "E2B domain"),
    key(
        "e2b.api_url",
        &["E2B_API_URL"],
        None,
        Kind::Url,
        Guard::Endpoint,
        "E2B control-plane URL (default https://api.<domain>)",
    ),
    key(
        "e2b.sandbox_url",
        &["E2B_SANDBOX_URL"],
        None,
        Kind::Url,
        Guard::Endpoint,
        "E2B sandbox (envd) URL override",
    ),
    key("e2b.template", &["VIBE_E2B_TEMPLATE"], Some("base"), Kind::Text, Guard::Service, "E2B template"),
    key(
        "e2b.create_timeout_secs",
        &["VIBE_E2B_CREATE_TIMEOUT_SECS"],
        Some("120"),
        Kind::Count,
        Guard::Service,
        "how long E2B may take to create a sandbox, in seconds",
    ),
    key(
        "supabase.url",
        &["SUPABASE_URL"],
        None,
        Kind::Url,
        Guard::Endpoint,
        "Supabase project URL for the mirror",
    ),
    secret("supabase.key", &["SUPABASE_KEY"], &["supabase.url"], "Supabase key for the mirror"),
    key(
        "sync.auto",
        &["VIBE_SYNC_AUTO"],
        Some("false"),
        Kind::Bool,
        Guard::Service,
        "sync the mirror in the background after `vibe plan` and `vibe run` record",
    ),
    secret("admin.secret_key", &["ADMIN_SECRET_KEY"], &["supabase.url"], "guards `vibe admin --remote`"),
];

/// Looks a key up by its dotted name.
pub fn find_key(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "layer", content = "detail", rename_all = "snake_case")]
pub enum Source {
    /// Built-in default.
    Default,
    /// The user configuration file.
    UserFile(PathBuf),
    /// `.vibe.toml` in the repository.
    RepoFile(PathBuf),
    /// `.env` in the repository.
    DotEnv(PathBuf),
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::UserFile(p) => write!(f, "{}", p.display()),
            Source::RepoFile(p) => write!(f, "{}", p.display()),
            Source::DotEnv(p) => write!(f, "{}", p.display()),
            Source::Env(v) => write!(f, "env {v}"),
            Source::Flag(v) => write!(f, "flag {v}"),
        }
    }
}

/// A configuration error; always exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is not valid TOML.
    #[error("{file}:{line}: invalid TOML: {message}")]
    Parse { file: PathBuf, line: usize, message: String },
    /// A key vibe does not know.
    #[error("{file}:{line}: unknown key `{key}`")]
    UnknownKey { file: PathBuf, line: usize, key: String },
    /// A key that may not be set in a file.
    #[error("{file}:{line}: `{key}` may only come from the environment ({env})")]
    NotInFiles { file: PathBuf, line: usize, key: String, env: String },
    /// A value of the wrong type or out of range.
    #[error("{origin}: bad value for `{key}`: {value:?} ({expected})")]
    BadValue { origin: String, key: String, value: String, expected: String },
    /// A line of `.env` that sets one of vibe's variables but cannot be read.
    #[error("{file}:{line}: cannot read the value of {var}: {reason}")]
    DotEnvLine { file: PathBuf, line: usize, var: String, reason: &'static str },
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    /// The trust store could not be read.
    #[error(transparent)]
    Trust(#[from] TrustError),
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        if let ConfigError::Trust(e) = e {
            return e.into();
        }
        let hint = match &e {
            ConfigError::UnknownKey { .. } => Some("`vibe config show` lists every key".to_string()),
            ConfigError::BadValue { .. } | ConfigError::Parse { .. } | ConfigError::DotEnvLine { .. } => {
                Some("fix the value, or remove it to use the default".to_string())
            }
            _ => None,
        };
        let mut err = Error::new(ErrorKind::Usage, e.to_string());
        err.hint = hint;
        err
    }
}

/// A repository's own configuration (`.vibe.toml`, `.env`) and the user's decision about it.
#[derive(Debug, Clone, Serialize)]
pub struct RepoTrust {
    /// The repository root (canonical).
    pub root: PathBuf,
    /// The configuration as it is now.
    pub fingerprint: Fingerprint,
    /// What the user decided about this configuration; none when they never did or it changed
    /// since.
    pub decision: Option<Decision>,
}

impl RepoTrust {
    fn read(root: &Path, store: &Path) -> Result<Self, ConfigError> {
        let fingerprint = Fingerprint::of_repo(root)?;
        let decision = TrustStore::open(store)?.decision(root, &fingerprint);
        Ok(Self { root: root.to_path_buf(), fingerprint, decision })
    }

    /// Whether the repository's settings apply in full.
    pub fn trusted(&self) -> bool {
        self.decision == Some(Decision::Trusted)
    }
}

/// A setting vibe did not apply.
#[derive(Debug, Clone, Serialize)]
pub struct Ignored {
    /// The key.
    pub key: &'static str,
    /// Where it was set.
    pub source: Source,
    /// Its line in that file, for a file.
    pub line: Option<usize>,
    /// Why it was not applied.
    pub why: Why,
}

/// Why a setting was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Why {
    /// A guarded key from a repository the user has not trusted.
    Untrusted { guard: Guard },
    /// A secret whose endpoint comes from a less trusted layer than the secret itself.
    LessTrustedEndpoint { endpoint: &'static str },
}

/// A resolved value with its origin.
#[derive(Debug, Clone)]
pub struct Value {
    /// The value as text.
    pub raw: String,
    /// Where it came from.
    pub source: Source,
}

/// Price of a model per million tokens, in USD.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Price {
    /// USD per million prompt tokens.
    pub input: f64,
    /// USD per million completion tokens.
    pub output: f64,
    /// USD per million prompt tokens read from the server's prompt cache (`cached`; the
    /// prompt rate when not given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cached: Option<f64>,
}

/// What the configuration is resolved from. Built from the process by `main`, and by tests
/// from plain values, so resolution never reads global state.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Environment variables.
    pub env: HashMap<String, String>,
    /// Working directory.
    pub cwd: PathBuf,
    /// `--repo`.
    pub repo: Option<PathBuf>,
    /// `--config`.
    pub config_file: Option<PathBuf>,
    /// Values set by flags: (key name, value, flag as typed).
    pub flags: Vec<(&'static str, String, String)>,
}

impl Inputs {
    /// Reads the process environment and working directory.
    pub fn from_process() -> Self {
        Self {
            // Not `vars()`, which panics on a variable that is not UTF-8: such a value is
            // read lossily (and then refused by validation where it matters).
            env: std::env::vars_os()
                .map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned()))
                .collect(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            ..Self::default()
        }
    }
}

/// Model endpoint settings.
#[derive(Debug, Clone)]
pub struct ModelSettings {
    pub base_url: String,
    pub api_key: Option<Secret>,
    pub name: String,
    pub fast: String,
    pub structured_output: String,
    pub max_tokens_field: String,
    pub timeout_secs: u64,
    pub max_retries: u32,
    /// First retry delay in milliseconds; doubles on each retry.
    pub retry_base_ms: u64,
    /// Built-in prices are in `llm`; these extend or override them.
    pub prices: BTreeMap<String, Price>,
}

/// GitHub settings.
#[derive(Debug, Clone)]
pub struct GithubSettings {
    pub url: String,
    pub api_url: String,
    pub client_id: Option<String>,
    pub token_from_env: Option<(Secret, String)>,
    pub scopes: String,
}

/// Sandbox backend choice. Its name is parsed and printed here only ([`Backend::as_str`],
/// [`Backend::parse`]): configuration, flags, job specs and records all use these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// The local OS sandbox (bubblewrap).
    Local,
    /// E2B cloud sandboxes.
    E2b,
    /// No isolation at all: the agent's commands run as you (unsafe).
    None,
}

impl Backend {
    /// Every backend, in the order help lists them.
    pub const ALL: [Backend; 3] = [Backend::Local, Backend::E2b, Backend::None];

    /// The names, in the order of [`Backend::ALL`].
    pub const NAMES: &'static [&'static str] = &["local", "e2b", "none"];

    /// The name in configuration, flags and records.
    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The backend a name stands for.
    pub fn parse(name: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.as_str() == name)
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Sandbox and agent limits.
#[derive(Debug, Clone)]
pub struct SandboxSettings {
    pub backend: Backend,
    pub network: bool,
    pub command_timeout_secs: u64,
    pub max_processes: u64,
    pub memory_mb: u64,
    /// Finished copies kept per repository for reuse.
    pub reuse_copies: u64,
    /// A new copy is made in memory when it fits there.
    pub copy_in_memory: bool,
    /// More ignored directories of the repository shown to commands (relative paths).
    pub dependencies: Vec<String>,
    /// `sandbox.network = "registries"`: package registries only, through vibe's proxy.
    pub registries: bool,
    /// More hosts the registries mode allows (`host` or `host:port`).
    pub extra_registries: Vec<String>,
}

/// Coding-agent budgets.
#[derive(Debug, Clone)]
pub struct AgentSettings {
    pub max_turns: u32,
    pub max_tokens: u64,
    pub max_minutes: u64,
}

/// E2B settings.
#[derive(Debug, Clone)]
pub struct E2bSettings {
    pub api_key: Option<Secret>,
    pub domain: String,
    pub api_url: String,
    pub sandbox_url: Option<String>,
    pub template: String,
    /// How long creating a sandbox may take, in seconds.
    pub create_timeout_secs: u64,
}

/// Supabase mirror settings.
#[derive(Debug, Clone)]
pub struct SupabaseSettings {
    pub url: Option<String>,
    pub key: Option<Secret>,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Data directory (database, logs, job artifacts).
    pub home: PathBuf,
    /// The user configuration file (may not exist).
    pub user_file: PathBuf,
    /// Root of the git repository we are in, if any.
    pub repo: Option<PathBuf>,
    /// Working directory vibe was started in.
    pub cwd: PathBuf,
    pub model: ModelSettings,
    pub context_max_tokens: usize,
    pub github: GithubSettings,
    pub sandbox: SandboxSettings,
    pub agent: AgentSettings,
    pub e2b: E2bSettings,
    pub supabase: SupabaseSettings,
    pub admin_secret_key: Option<Secret>,
    /// Every key with its value and origin, for `vibe config show`.
    pub values: BTreeMap<&'static str, Value>,
    /// The repository's own configuration and whether the user trusts it (none outside a
    /// repository).
    pub repo_trust: Option<RepoTrust>,
    /// The file that keeps the user's trust decisions.
    pub trust_store: PathBuf,
    /// Settings from the repository that were not applied, and why.
    pub ignored: Vec<Ignored>,
    /// Lines of the repository's `.env` that are not assignments and were skipped.
    pub dotenv_skipped: Vec<usize>,
    /// Environment variables vibe passes on (e.g. `VIBE_NOW` in tests, and [`EDITOR_VARS`]);
    /// everything else of the environment stays out of the configuration.
    pub env: HashMap<String, String>,
}

impl Config {
    /// The SQLite database file.
    pub fn db_path(&self) -> PathBuf {
        self.home.join("vibe.db")
    }

    /// Directory of a job's artifacts.
    pub fn jobs_dir(&self) -> PathBuf {
        self.home.join("jobs")
    }

    /// Directory where copies of finished jobs wait to be reused by the next job of the same
    /// repository; `None` when `sandbox.reuse_copies` is 0.
    pub fn sandbox_pool_dir(&self) -> Option<PathBuf> {
        (self.sandbox.reuse_copies > 0).then(|| self.home.join("sandbox-pool"))
    }

    /// Directory of what vibe keeps between runs to avoid doing work again (e.g. the sandbox's
    /// capability probe); safe to delete.
    pub fn cache_dir(&self) -> PathBuf {
        self.home.join("cache")
    }

    /// Directory of log files.
    pub fn logs_dir(&self) -> PathBuf {
        self.home.join("logs")
    }

    /// The repository root, or an error telling the user to stand in one.
    pub fn require_repo(&self) -> Result<&Path, Error> {
        self.repo.as_deref().ok_or_else(|| {
            Error::usage("not inside a git repository")
                .with_hint("run vibe inside a git repository, or pass --repo PATH")
        })
    }

    /// Resolves the configuration from its inputs.
    pub fn load(inputs: &Inputs) -> Result<Config, ConfigError> {
        let dirs = ProjectDirs::new(&inputs.env);
        let user_file = inputs
            .config_file
            .clone()
            .or_else(|| inputs.env.get("VIBE_CONFIG").map(PathBuf::from))
            .unwrap_or_else(|| dirs.config_dir.join("config.toml"));
        let start = match &inputs.repo {
            Some(p) if p.is_absolute() => p.clone(),
            Some(p) => inputs.cwd.join(p),
            None => inputs.cwd.clone(),
        };
        if let Some(p) = &inputs.repo {
            if !start.is_dir() {
                return Err(ConfigError::Io { path: p.clone(), message: "--repo: no such directory".into() });
            }
        }
        let repo = find_repo_root(&start);

        let mut values: BTreeMap<&'static str, Value> = BTreeMap::new();
        for k in KEYS {
            if let Some(d) = k.default {
                values.insert(k.name, Value { raw: d.to_string(), source: Source::Default });
            }
        }
        let mut prices = BTreeMap::new();

        // User file (explicit --config must exist).
        let explicit = inputs.config_file.is_some();
        if user_file.exists() || explicit {
            let text = read_file(&user_file)?;
            for (key, value, line) in read_toml(&text, &user_file, &mut prices, Source::UserFile)? {
                validate_at(key, &value, &format!("{}:{line}", user_file.display()))?;
                values.insert(key.name, value);
            }
        }

        // The user's own layers say where their data, and so their trust decisions, are kept.
        let trust_store = {
            let mut own = values.clone();
            apply_env(&inputs.env, &mut own, |var| Source::Env(var.to_string()));
            apply_flags(&inputs.flags, &mut own);
            own.get("home")
                .map(|v| v.raw.clone())
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| dirs.data_dir.clone())
                .join(crate::trust::STORE_FILE)
        };
        let mut ignored = Vec::new();
        let mut dotenv_skipped = Vec::new();
        let repo_trust = match &repo {
            Some(root) => {
                let trust = RepoTrust::read(root, &trust_store)?;
                let mut layer =
                    RepoLayer { trusted: trust.trusted(), values: &mut values, ignored: &mut ignored };
                let repo_file = root.join(".vibe.toml");
                if repo_file.exists() {
                    let text = read_file(&repo_file)?;
                    for (key, value, line) in read_toml(&text, &repo_file, &mut prices, Source::RepoFile)? {
                        layer.admit(key, value, line)?;
                    }
                }
                let dotenv = root.join(".env");
                if dotenv.is_file() {
                    let text = read_file(&dotenv)?;
                    dotenv_skipped = read_dotenv(&text, &dotenv, &mut layer)?;
                }
                Some(trust)
            }
            None => None,
        };
        apply_env(&inputs.env, &mut values, |var| Source::Env(var.to_string()));
        apply_flags(&inputs.flags, &mut values);
        for k in KEYS {
            if let Some(v) = values.get(k.name) {
                validate(k, v)?;
            }
        }
        // Report only what would have applied: a value the environment or a flag sets anyway
        // was not the repository's to give.
        ignored.retain(|i: &Ignored| {
            values.get(i.key).is_none_or(|v| matches!(v.source, Source::Default | Source::UserFile(_)))
        });
        let repo_trusted = repo_trust.as_ref().is_some_and(RepoTrust::trusted);
        ignored.extend(withhold_secrets(&mut values, repo_trusted));

        // The default GitHub API URL follows an Enterprise web URL (shown so by `config show`).
        let github_api = github_api_url(&values);
        if let Some(v) = values.get_mut("github.api_url") {
            v.raw = github_api;
        }
        let get = |name: &str| values.get(name).map(|v| v.raw.clone()).filter(|s| !s.is_empty());
        let text = |name: &str| get(name).unwrap_or_default();
        let list = |name: &str| -> Vec<String> {
            text(name).split(',').map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect()
        };
        let count = |name: &str| text(name).parse::<u64>().unwrap_or(0);
        let secret = |name: &str| get(name).map(Secret::new);

        let home = get("home").map(PathBuf::from).unwrap_or(dirs.data_dir);
        let domain = text("e2b.domain");
        let github_token = values.get("github.token").and_then(|v| {
            let origin = match &v.source {
                Source::Env(var) => var.clone(),
                other => other.to_string(),
            };
            (!v.raw.is_empty()).then(|| (Secret::new(v.raw.clone()), origin))
        });
        let backend = Backend::parse(&text("sandbox.backend")).unwrap_or(Backend::Local);

        Ok(Config {
            home,
            user_file,
            repo,
            cwd: inputs.cwd.clone(),
            model: ModelSettings {
                base_url: text("model.base_url").trim_end_matches('/').to_string(),
                api_key: secret("model.api_key"),
                name: text("model.name"),
                fast: text("model.fast"),
                structured_output: text("model.structured_output"),
                max_tokens_field: text("model.max_tokens_field"),
                timeout_secs: count("model.timeout_secs"),
                max_retries: count("model.max_retries") as u32,
                retry_base_ms: count("model.retry_base_ms"),
                prices,
            },
            context_max_tokens: count("context.max_tokens") as usize,
            github: GithubSettings {
                url: text("github.url").trim_end_matches('/').to_string(),
                api_url: github_api_url(&values),
                client_id: get("github.client_id"),
                token_from_env: github_token,
                scopes: text("github.scopes"),
            },
            sandbox: SandboxSettings {
                backend,
                network: text("sandbox.network") == "true",
                command_timeout_secs: count("sandbox.command_timeout_secs"),
                max_processes: count("sandbox.max_processes"),
                memory_mb: count("sandbox.memory_mb"),
                reuse_copies: count("sandbox.reuse_copies"),
                copy_in_memory: text("sandbox.copy_in_memory") == "true",
                dependencies: list("sandbox.dependencies"),
                registries: text("sandbox.network") == "registries",
                extra_registries: list("sandbox.registries"),
            },
            agent: AgentSettings {
                max_turns: count("agent.max_turns") as u32,
                max_tokens: count("agent.max_tokens"),
                max_minutes: count("agent.max_minutes"),
            },
            e2b: E2bSettings {
                api_key: secret("e2b.api_key"),
                api_url: get("e2b.api_url").unwrap_or_else(|| format!("https://api.{domain}")),
                sandbox_url: get("e2b.sandbox_url"),
                template: text("e2b.template"),
                create_timeout_secs: count("e2b.create_timeout_secs"),
                domain,
            },
            supabase: SupabaseSettings { url: get("supabase.url"), key: secret("supabase.key") },
            admin_secret_key: secret("admin.secret_key"),
            values,
            repo_trust,
            trust_store,
            ignored,
            dotenv_skipped,
            env: inputs
                .env
                .iter()
                .filter(|(k, _)| k.starts_with("VIBE_") || EDITOR_VARS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
    }
}

/// The variables naming the editor the review screen opens a plan in, strongest first.
pub const EDITOR_VARS: &[&str] = &["VISUAL", "EDITOR"];

/// The REST base: as set, or derived from the web URL when only that was set (github.com →
/// api.github.com, `*.ghe.com` → `api.*.ghe.com`, any other host → `/api/v3` on it).
fn github_api_url(values: &BTreeMap<&'static str, Value>) -> String {
    let get = |k: &str| values.get(k).map(|v| v.raw.trim().trim_end_matches('/').to_string());
    let api = get("github.api_url").unwrap_or_default();
    let explicit = values.get("github.api_url").is_some_and(|v| v.source != Source::Default);
    let web = get("github.url").unwrap_or_default();
    if explicit || web.is_empty() {
        return api;
    }
    let (scheme, rest) = web.split_once("://").unwrap_or(("https", web.as_str()));
    let host = rest.split('/').next().unwrap_or(rest).to_ascii_lowercase();
    if host == "github.com" || host == "www.github.com" {
        api
    } else if host.ends_with(".ghe.com") {
        format!("{scheme}://api.{host}")
    } else {
        format!("{web}/api/v3")
    }
}

/// Platform directories, from the environment given (never the process's own).
struct ProjectDirs {
    config_dir: PathBuf,
    data_dir: PathBuf,
}

impl ProjectDirs {
    fn new(env: &HashMap<String, String>) -> Self {
        let home = env
            .get("HOME")
            .map(PathBuf::from)
            .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()))
            .unwrap_or_else(|| PathBuf::from("."));
        let xdg = |var: &str, fallback: &str| {
            env.get(var)
                .filter(|v| Path::new(v).is_absolute())
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(fallback))
        };
        if cfg!(target_os = "linux") || env.contains_key("XDG_CONFIG_HOME") {
            Self {
                config_dir: xdg("XDG_CONFIG_HOME", ".config").join("vibe"),
                data_dir: xdg("XDG_DATA_HOME", ".local/share").join("vibe"),
            }
        } else {
            match directories::ProjectDirs::from("dev", "vibe", "vibe") {
                Some(d) => {
                    Self { config_dir: d.config_dir().to_path_buf(), data_dir: d.data_dir().to_path_buf() }
                }
                None => {
                    Self { config_dir: home.join(".config/vibe"), data_dir: home.join(".local/share/vibe") }
                }
            }
        }
    }
}

/// Walks up from `start` to the directory holding `.git` (a directory or a worktree file).
pub fn find_repo_root(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    start.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf)
}

fn read_file(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Io { path: path.to_path_buf(), message: e.to_string() })
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The settings of a TOML file, each with its line; `[prices]` goes to `prices`. Values are
/// checked for shape here and validated by the caller, who may not take them all.
fn read_toml(
    text: &str,
    file: &Path,
    prices: &mut BTreeMap<String, Price>,
    source: impl Fn(PathBuf) -> Source,
) -> Result<Vec<(&'static Key, Value, usize)>, ConfigError> {
    let doc = toml_edit::Document::parse(text).map_err(|e| ConfigError::Parse {
        file: file.to_path_buf(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
        message: e.message().to_string(),
    })?;
    let line_at = |span: Option<std::ops::Range<usize>>| span.map(|s| line_of(text, s.start)).unwrap_or(1);
    let mut leaves: Vec<(String, &toml_edit::Item, usize)> = Vec::new();
    for (name, item) in doc.as_table().iter() {
        let key_line = line_at(doc.as_table().key(name).and_then(|k| k.span()));
        if name == "prices" {
            parse_prices(text, file, item, prices)?;
            continue;
        }
        match item.as_table_like() {
            Some(table) if !item.is_value() || item.is_inline_table() => {
                for (sub, subitem) in table.iter() {
                    let line = line_at(table.key(sub).and_then(|k| k.span()).or(subitem.span()));
                    leaves.push((format!("{name}.{sub}"), subitem, line));
                }
            }
            _ => leaves.push((name.to_string(), item, key_line)),
        }
    }
    let mut out = Vec::new();
    for (name, item, line) in leaves {
        let Some(key) = find_key(&name) else {
            return Err(ConfigError::UnknownKey { file: file.to_path_buf(), line, key: name });
        };
        if !key.in_files {
            return Err(ConfigError::NotInFiles {
                file: file.to_path_buf(),
                line,
                key: name,
                env: key.env.join(" or "),
            });
        }
        let raw = match item.as_value() {
            Some(toml_edit::Value::String(s)) => s.value().clone(),
            Some(toml_edit::Value::Integer(i)) => i.value().to_string(),
            Some(toml_edit::Value::Boolean(b)) => b.value().to_string(),
            Some(toml_edit::Value::Float(f)) => f.value().to_string(),
            _ => {
                return Err(ConfigError::BadValue {
                    origin: format!("{}:{line}", file.display()),
                    key: name,
                    value: item.to_string().trim().to_string(),
                    expected: "a string, number or boolean".into(),
                })
            }
        };
        out.push((key, Value { raw, source: source(file.to_path_buf()) }, line));
    }
    Ok(out)
}

/// Takes vibe's own variables from a repository's `.env` into `layer`; returns the lines that
/// are not assignments. Other tools' variables are left alone; a vibe variable whose line
/// cannot be read stops with the file and line.
fn read_dotenv(text: &str, file: &Path, layer: &mut RepoLayer<'_>) -> Result<Vec<usize>, ConfigError> {
    let owner = |var: &str| KEYS.iter().find(|k| k.env.contains(&var));
    let mut found: HashMap<String, (String, usize)> = HashMap::new();
    let mut skipped = Vec::new();
    for line in dotenv::parse(text) {
        match line {
            dotenv::Line::Pair { key, value, line } => {
                if owner(&key).is_some() {
                    found.insert(key, (value, line));
                }
            }
            dotenv::Line::Skipped { line, key: Some(var), reason } if owner(&var).is_some() => {
                return Err(ConfigError::DotEnvLine { file: file.to_path_buf(), line, var, reason });
            }
            dotenv::Line::Skipped { line, .. } => skipped.push(line),
        }
    }
    for k in KEYS {
        // The first listed variable is the strongest.
        let set = k.env.iter().find_map(|var| found.get(*var).filter(|(v, _)| !v.is_empty()));
        if let Some((raw, line)) = set {
            layer.admit(k, Value { raw: raw.clone(), source: Source::DotEnv(file.to_path_buf()) }, *line)?;
        }
    }
    Ok(skipped)
}

/// Values from the repository's files on their way into the configuration: taken when the key
/// is harmless or the repository trusted, validated at their line; recorded as ignored
/// otherwise.
struct RepoLayer<'a> {
    trusted: bool,
    values: &'a mut BTreeMap<&'static str, Value>,
    ignored: &'a mut Vec<Ignored>,
}

impl RepoLayer<'_> {
    fn admit(&mut self, key: &'static Key, value: Value, line: usize) -> Result<(), ConfigError> {
        if key.guard != Guard::Open && !self.trusted {
            self.ignored.push(Ignored {
                key: key.name,
                source: value.source,
                line: Some(line),
                why: Why::Untrusted { guard: key.guard },
            });
            return Ok(());
        }
        validate_at(key, &value, &format!("{}:{line}", value.source))?;
        self.values.insert(key.name, value);
        Ok(())
    }
}

/// Enforces that a secret is sent only where a layer at least as trusted as its own says: a
/// secret whose endpoint comes from a less trusted layer is removed (and reported).
fn withhold_secrets(values: &mut BTreeMap<&'static str, Value>, repo_trusted: bool) -> Vec<Ignored> {
    let mut withheld = Vec::new();
    for k in KEYS.iter().filter(|k| k.secret) {
        let Some(secret) = values.get(k.name) else { continue };
        let endpoint = k.sent_to.iter().copied().find(|e| {
            values.get(e).is_some_and(|v| {
                trust_level(&v.source, repo_trusted) < trust_level(&secret.source, repo_trusted)
            })
        });
        if let Some(endpoint) = endpoint {
            if let Some(v) = values.remove(k.name) {
                withheld.push(Ignored {
                    key: k.name,
                    source: v.source,
                    line: None,
                    why: Why::LessTrustedEndpoint { endpoint },
                });
            }
        }
    }
    withheld
}

/// How far a layer is trusted: a repository's files only once the user trusts the repository,
/// everything else (defaults, the user's file, environment, flags) always.
fn trust_level(source: &Source, repo_trusted: bool) -> u8 {
    match source {
        Source::RepoFile(_) | Source::DotEnv(_) if !repo_trusted => 0,
        _ => 1,
    }
}

fn apply_flags(flags: &[(&'static str, String, String)], values: &mut BTreeMap<&'static str, Value>) {
    for (name, value, flag) in flags {
        values.insert(name, Value { raw: value.clone(), source: Source::Flag(flag.clone()) });
    }
}

fn parse_prices(
    text: &str,
    file: &Path,
    item: &toml_edit::Item,
    prices: &mut BTreeMap<String, Price>,
) -> Result<(), ConfigError> {
    let bad = |line: usize, key: String, value: String| ConfigError::BadValue {
        origin: format!("{}:{line}", file.display()),
        key,
        value,
        expected: "a table { input = USD per 1M prompt tokens, output = USD per 1M completion tokens }"
            .into(),
    };
    let line = |span: Option<std::ops::Range<usize>>| span.map(|s| line_of(text, s.start)).unwrap_or(1);
    let Some(table) = item.as_table_like() else {
        return Err(bad(line(item.span()), "prices".into(), item.to_string()));
    };
    for (model, entry) in table.iter() {
        let number = |field: &str| {
            entry
                .get(field)
                .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
                .filter(|f| *f >= 0.0)
        };
        match (number("input"), number("output")) {
            (Some(input), Some(output)) => {
                prices.insert(model.to_string(), Price { input, output, cached: number("cached") });
            }
            _ => {
                return Err(bad(
                    line(table.key(model).and_then(|k| k.span())),
                    format!("prices.{model}"),
                    entry.to_string().trim().to_string(),
                ))
            }
        }
    }
    Ok(())
}

fn apply_env(
    env: &HashMap<String, String>,
    values: &mut BTreeMap<&'static str, Value>,
    source: impl Fn(&str) -> Source,
) {
    for k in KEYS {
        // The first listed variable is the strongest.
        if let Some((var, raw)) =
            k.env.iter().find_map(|var| env.get(*var).filter(|v| !v.is_empty()).map(|v| (*var, v)))
        {
            values.insert(k.name, Value { raw: raw.clone(), source: source(var) });
        }
    }
}

fn validate(key: &Key, value: &Value) -> Result<(), ConfigError> {
    let origin = match &value.source {
        Source::Env(v) => format!("environment variable {v}"),
        other => other.to_string(),
    };
    validate_at(key, value, &origin)
}

fn validate_at(key: &Key, value: &Value, origin: &str) -> Result<(), ConfigError> {
    let raw = value.raw.trim();
    let expected: Option<String> = match key.kind {
        Kind::Text | Kind::Path => None,
        Kind::Url => (!raw.is_empty() && !is_http_url(raw)).then(|| "an http:// or https:// URL".into()),
        Kind::Bool => (!matches!(raw, "true" | "false")).then(|| "true or false".into()),
        Kind::Count => raw
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= MAX_COUNT)
            .is_none()
            .then(|| "a whole number up to 1000000000".into()),
        Kind::OneOf(words) => (!words.contains(&raw)).then(|| format!("one of {}", words.join(", "))),
    };
    match expected {
        Some(expected) => Err(ConfigError::BadValue {
            origin: origin.to_string(),
            key: key.name.to_string(),
            value: match key.kind {
                _ if key.secret => redact(raw),
                Kind::Url => crate::untrusted::url_shown(raw),
                _ => raw.to_string(),
            },
            expected,
        }),
        None => Ok(()),
    }
}

/// Largest number a count setting takes: every limit, timeout and budget computed from one
/// stays far from overflowing.
pub const MAX_COUNT: u64 = 1_000_000_000;

/// Whether `s` looks like an http(s) URL with a host.
pub fn is_http_url(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    matches!(rest, Some(r) if !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}

/// Sets `key` to `value` in the TOML file at `path`, keeping comments and layout.
pub fn set_in_file(path: &Path, key: &str, value: Option<&str>) -> Result<(), ConfigError> {
    let Some(k) = find_key(key) else {
        return Err(ConfigError::UnknownKey { file: path.to_path_buf(), line: 0, key: key.to_string() });
    };
    if !k.in_files {
        return Err(ConfigError::NotInFiles {
            file: path.to_path_buf(),
            line: 0,
            key: key.to_string(),
            env: k.env.join(" or "),
        });
    }
    let text = if path.exists() { read_file(path)? } else { String::new() };
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| ConfigError::Parse {
            file: path.to_path_buf(),
            line: e.span().map(|s| line_of(&text, s.start)).unwrap_or(1),
            message: e.message().to_string(),
        })?;
    let (table, leaf) = match key.split_once('.') {
        Some((t, l)) => (Some(t), l),
        None => (None, key),
    };
    let toml_value = |v: &str| -> Result<toml_edit::Value, ConfigError> {
        let val = Value { raw: v.to_string(), source: Source::UserFile(path.to_path_buf()) };
        validate_at(k, &val, "vibe config set")?;
        Ok(match k.kind {
            Kind::Bool => toml_edit::Value::from(v == "true"),
            // A setting that is a boolean or a word keeps its booleans TOML booleans.
            Kind::OneOf(words) if words.contains(&"true") && matches!(v, "true" | "false") => {
                toml_edit::Value::from(v == "true")
            }
            Kind::Count => toml_edit::Value::from(v.parse::<i64>().unwrap_or(0)),
            _ => toml_edit::Value::from(v),
        })
    };
    match (table, value) {
        (Some(t), Some(v)) => {
            let entry = doc.entry(t).or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
            let Some(tbl) = entry.as_table_like_mut() else {
                return Err(ConfigError::BadValue {
                    origin: path.display().to_string(),
                    key: t.to_string(),
                    value: entry.to_string(),
                    expected: "a table".into(),
                });
            };
            tbl.insert(leaf, toml_edit::Item::Value(toml_value(v)?));
        }
        (None, Some(v)) => {
            doc.insert(leaf, toml_edit::Item::Value(toml_value(v)?));
        }
        (Some(t), None) => {
            if let Some(tbl) = doc.get_mut(t).and_then(|i| i.as_table_like_mut()) {
                tbl.remove(leaf);
            }
        }
        (None, None) => {
            doc.remove(leaf);
        }
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| ConfigError::Io { path: parent.to_path_buf(), message: e.to_string() })?;
    }
    std::fs::write(path, doc.to_string())
        .map_err(|e| ConfigError::Io { path: path.to_path_buf(), message: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(dir: &Path) -> Inputs {
        let mut env = HashMap::new();
        env.insert("HOME".to_string(), dir.display().to_string());
        Inputs { env, cwd: dir.to_path_buf(), ..Inputs::default() }
    }

    #[test]
    fn layers_later_wins_and_sources_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(dir.path().join(".config/vibe")).unwrap();
        std::fs::write(
            dir.path().join(".config/vibe/config.toml"),
            "# mine\n[model]\nname = \"from-user\"\nfast = \"fast-user\"\n",
        )
        .unwrap();
        std::fs::write(repo.join(".vibe.toml"), "[model]\nname = \"from-repo\"\n").unwrap();
        std::fs::write(
            repo.join(".env"),
            "VIBE_FAST_MODEL=fast-dotenv\nOPENAI_API_KEY=sk-abcdefghijklmnop1234\n",
        )
        .unwrap();
        let mut inp = inputs(dir.path());
        inp.cwd = repo.clone();
        inp.env.insert("VIBE_MODEL".into(), "from-env".into());
        let cfg = Config::load(&inp).unwrap();
        assert_eq!(cfg.model.name, "from-env");
        assert_eq!(cfg.model.fast, "fast-dotenv");
        assert!(matches!(cfg.values["model.fast"].source, Source::DotEnv(_)));
        // A key from the repository counts only once the repository is trusted.
        assert!(cfg.model.api_key.is_none());
        trust(&cfg);
        let cfg = Config::load(&inp).unwrap();
        assert_eq!(cfg.model.api_key.as_ref().unwrap().redacted(), "sk-a…1234");
        assert_eq!(cfg.repo.as_deref(), Some(std::fs::canonicalize(&repo).unwrap().as_path()));
        inp.flags.push(("model.name", "from-flag".into(), "--model".into()));
        assert_eq!(Config::load(&inp).unwrap().model.name, "from-flag");
    }

    /// Records the loaded repository as trusted, as `vibe trust` does.
    fn trust(cfg: &Config) {
        let repo = cfg.repo_trust.as_ref().unwrap();
        let mut store = TrustStore::open(&cfg.trust_store).unwrap();
        store.record(&repo.root, repo.fingerprint.clone(), Decision::Trusted, "t".into());
        store.save().unwrap();
    }

    /// A directory with a git repository `repo` and an environment whose HOME is the directory.
    fn repo_with(dir: &Path, vibe_toml: &str, dotenv: &str) -> Inputs {
        let repo = dir.join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::write(repo.join(".vibe.toml"), vibe_toml).unwrap();
        std::fs::write(repo.join(".env"), dotenv).unwrap();
        let mut inp = inputs(dir);
        inp.cwd = repo;
        inp
    }

    #[test]
    fn every_key_says_whether_a_repository_may_set_it() {
        for k in KEYS {
            let service = ["github.", "e2b.", "supabase.", "admin."].iter().any(|p| k.name.starts_with(p));
            if k.name.starts_with("sandbox.") {
                assert_eq!(k.guard, Guard::Sandbox, "{}: every sandbox key is guarded", k.name);
            }
            if matches!(k.kind, Kind::Url) {
                assert_eq!(k.guard, Guard::Endpoint, "{}: a URL is an endpoint", k.name);
            }
            if k.secret {
                assert_eq!(k.guard, Guard::Secret, "{}", k.name);
                assert!(!k.sent_to.is_empty(), "{}: a secret names where it is sent", k.name);
            }
            assert!(!service || k.guard != Guard::Open, "{}: service settings are guarded", k.name);
            for e in k.sent_to {
                assert_eq!(find_key(e).map(|e| e.guard), Some(Guard::Endpoint), "{} is sent to {e}", k.name);
            }
        }
        assert_eq!(find_key("home").unwrap().guard, Guard::Data);
    }

    #[test]
    fn an_untrusted_repository_sets_only_harmless_keys_until_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let mut inp = repo_with(
            dir.path(),
            "[model]\nbase_url = \"http://127.0.0.1:1/v1\"\nname = \"repo-model\"\n[sandbox]\nnetwork = true\n",
            "# for the app\nexport DATABASE_URL=postgres://x\nVIBE_GITHUB_API_URL=http://127.0.0.1:2\nVIBE_AGENT_MAX_TURNS=7\n",
        );
        inp.env.insert("OPENAI_API_KEY".into(), "sk-user-0123456789abcdef".into());
        let cfg = Config::load(&inp).unwrap();
        assert_eq!(cfg.model.base_url, "https://api.openai.com/v1");
        assert_eq!(cfg.github.api_url, "https://api.github.com");
        assert!(!cfg.sandbox.network);
        assert_eq!((cfg.model.name.as_str(), cfg.agent.max_turns), ("repo-model", 7));
        let ignored: Vec<(&str, Option<usize>)> = cfg.ignored.iter().map(|i| (i.key, i.line)).collect();
        assert_eq!(
            ignored,
            [("model.base_url", Some(2)), ("sandbox.network", Some(5)), ("github.api_url", Some(3))]
        );
        assert!(matches!(cfg.ignored[0].why, Why::Untrusted { guard: Guard::Endpoint }));
        assert!(cfg.dotenv_skipped.is_empty());

        trust(&cfg);
        let cfg = Config::load(&inp).unwrap();
        assert!(cfg.ignored.is_empty());
        assert_eq!(cfg.model.base_url, "http://127.0.0.1:1/v1");
        assert!(cfg.sandbox.network);
        assert!(cfg.model.api_key.is_some(), "a trusted repository's endpoint may have the user's key");

        // A changed configuration is a new one.
        std::fs::write(inp.cwd.join(".vibe.toml"), "[sandbox]\nnetwork = true\n").unwrap();
        let cfg = Config::load(&inp).unwrap();
        assert!(!cfg.sandbox.network && cfg.repo_trust.unwrap().decision.is_none());
    }

    #[test]
    fn a_value_the_environment_sets_anyway_is_not_reported_as_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut inp = repo_with(dir.path(), "", "OPENAI_BASE_URL=http://127.0.0.1:1/v1\n");
        inp.env.insert("OPENAI_BASE_URL".into(), "http://localhost:11434/v1".into());
        let cfg = Config::load(&inp).unwrap();
        assert!(cfg.ignored.is_empty(), "{:?}", cfg.ignored);
        assert_eq!(cfg.model.base_url, "http://localhost:11434/v1");
    }

    #[test]
    fn a_secret_goes_only_to_an_endpoint_at_least_as_trusted() {
        let value = |raw: &str, source: Source| Value { raw: raw.into(), source };
        let repo = || Source::DotEnv(PathBuf::from("/r/.env"));
        let mut values = BTreeMap::new();
        values.insert("model.api_key", value("sk-user", Source::Env("OPENAI_API_KEY".into())));
        values.insert("model.base_url", value("http://elsewhere/v1", repo()));
        values.insert("supabase.key", value("k", repo()));
        values.insert("supabase.url", value("http://elsewhere", repo()));
        values.insert("github.token", value("ghp_x", Source::Env("GITHUB_TOKEN".into())));
        values.insert("github.api_url", value("https://api.github.com", Source::Default));

        // Untrusted: the user's key is withheld from the repository's endpoint; a repository's
        // own secret may go to its own endpoint; the default endpoint keeps the token.
        let mut untrusted = values.clone();
        let withheld = withhold_secrets(&mut untrusted, false);
        assert_eq!(withheld.len(), 1);
        assert_eq!(withheld[0].key, "model.api_key");
        assert_eq!(withheld[0].why, Why::LessTrustedEndpoint { endpoint: "model.base_url" });
        assert!(!untrusted.contains_key("model.api_key"));
        assert!(untrusted.contains_key("supabase.key") && untrusted.contains_key("github.token"));

        // Trusted: the repository counts as the user's own.
        let mut trusted = values;
        assert!(withhold_secrets(&mut trusted, true).is_empty());
        assert!(trusted.contains_key("model.api_key"));
    }

    #[test]
    fn dotenv_takes_vibes_variables_and_skips_other_lines() {
        let dir = tempfile::tempdir().unwrap();
        let inp = repo_with(
            dir.path(),
            "",
            "workon myproject\nexport FOO=\"bar\" # theirs\nVIBE_MODEL='m $HOME'\nsource x.sh\n",
        );
        let cfg = Config::load(&inp).unwrap();
        assert_eq!(cfg.model.name, "m $HOME", "no expansion of the user's variables");
        assert_eq!(cfg.dotenv_skipped, [1, 4]);

        std::fs::write(inp.cwd.join(".env"), "FOO=1\nVIBE_AGENT_MAX_TURNS=lots\n").unwrap();
        let err = Config::load(&inp).unwrap_err().to_string();
        assert!(
            err.ends_with(
                "repo/.env:2: bad value for `agent.max_turns`: \"lots\" (a whole number up to 1000000000)"
            ),
            "{err}"
        );
        std::fs::write(inp.cwd.join(".env"), "FOO=1\n\nVIBE_MODEL=\"unclosed\n").unwrap();
        let err = Config::load(&inp).unwrap_err().to_string();
        assert!(
            err.ends_with("repo/.env:3: cannot read the value of VIBE_MODEL: the quote is never closed"),
            "{err}"
        );
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[model]\nname = \"x\"\nnmae = \"y\"\n").unwrap();
        let mut inp = inputs(dir.path());
        inp.config_file = Some(file);
        let err = Config::load(&inp).unwrap_err().to_string();
        assert!(err.ends_with("c.toml:3: unknown key `model.nmae`"), "{err}");
    }

    #[test]
    fn bad_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[sandbox]\nbackend = \"docker\"\n").unwrap();
        let mut inp = inputs(dir.path());
        inp.config_file = Some(file.clone());
        let err = Config::load(&inp).unwrap_err().to_string();
        assert!(err.contains("c.toml:2: bad value for `sandbox.backend`"), "{err}");
        std::fs::write(&file, "[model\n").unwrap();
        let err = Config::load(&inp).unwrap_err().to_string();
        assert!(err.contains("c.toml:1: invalid TOML"), "{err}");
        std::fs::write(&file, "").unwrap();
        inp.env.insert("OPENAI_BASE_URL".into(), "localhost:11434".into());
        let err = Config::load(&inp).unwrap_err().to_string();
        assert!(err.contains("environment variable OPENAI_BASE_URL"), "{err}");
    }

    #[test]
    fn token_may_not_live_in_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[github]\ntoken = \"ghp_x\"\n").unwrap();
        let mut inp = inputs(dir.path());
        inp.config_file = Some(file);
        let err = Config::load(&inp).unwrap_err().to_string();
        assert!(err.contains("may only come from the environment"), "{err}");
    }

    #[test]
    fn set_keeps_comments_and_validates() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "# my settings\n[model]\nname = \"a\" # chosen\n").unwrap();
        set_in_file(&file, "model.fast", Some("b")).unwrap();
        set_in_file(&file, "sandbox.network", Some("true")).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("# my settings") && text.contains("# chosen"), "{text}");
        assert!(text.contains("fast = \"b\"") && text.contains("network = true"), "{text}");
        assert!(set_in_file(&file, "sandbox.network", Some("yes")).is_err());
        set_in_file(&file, "model.fast", None).unwrap();
        assert!(!std::fs::read_to_string(&file).unwrap().contains("fast"));
    }

    #[test]
    fn prices_extend_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[prices.\"my-model\"]\ninput = 1.5\noutput = 3\n").unwrap();
        let mut inp = inputs(dir.path());
        inp.config_file = Some(file);
        let cfg = Config::load(&inp).unwrap();
        assert_eq!(cfg.model.prices["my-model"], Price { input: 1.5, output: 3.0, cached: None });
    }
}
