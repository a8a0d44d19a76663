//! Where the GitHub token comes from, in order: `GITHUB_TOKEN` / `GH_TOKEN` in the
//! environment, then the keyring entry for the configured host, else a "run `vibe login`"
//! error. The token is a [`Secret`]: it is only ever exposed to build an HTTP header or a
//! git credential.
//!
//! The keyring backend is chosen by `github.keyring` (`VIBE_KEYRING`):
//! - `os` (default): the operating system's keyring through the `keyring` crate (kernel
//!   keyutils on Linux, Keychain on macOS, Credential Manager on Windows).
//! - `file`: an isolated store inside `VIBE_HOME` (`keyring/tokens.json`, mode 0600). It holds
//!   the token in plain text and exists for tests and throw-away environments; it is used only
//!   when that variable asks for it, and `vibe login` says where it wrote.
//! - `none`: no keyring at all (CI, shared machines): only `GITHUB_TOKEN` / `GH_TOKEN` count,
//!   and `vibe login` refuses to keep a token, saying so.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::{host_of, GithubError, GithubResult};
use crate::config::{Config, Secret};

/// The keyring service name entries are stored under.
pub const SERVICE: &str = "vibe-github";

/// Where a token came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum TokenSource {
    /// An environment variable (`GITHUB_TOKEN` or `GH_TOKEN`).
    Env(String),
    /// The OS keyring.
    Keyring,
    /// The isolated file store (`VIBE_KEYRING=file`).
    File(PathBuf),
    /// No keyring (`VIBE_KEYRING=none`).
    Nowhere,
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Env(v) => write!(f, "environment variable {v}"),
            TokenSource::Keyring => f.write_str("OS keyring"),
            TokenSource::File(p) => write!(f, "file store {} (VIBE_KEYRING=file)", p.display()),
            TokenSource::Nowhere => f.write_str("nowhere (VIBE_KEYRING=none)"),
        }
    }
}

/// A resolved token.
#[derive(Debug, Clone)]
pub struct Token {
    /// The token.
    pub secret: Secret,
    /// Where it came from.
    pub source: TokenSource,
    /// The host it is for (`github.com`, `ghe.example.com`, `127.0.0.1:PORT`).
    pub host: String,
}

/// The token for the configured host, or [`GithubError::NeedsLogin`].
pub fn resolve_token(config: &Config) -> GithubResult<Token> {
    let host = host_of(&config.github.url);
    if let Some((secret, var)) = &config.github.token_from_env {
        return Ok(Token { secret: secret.clone(), source: TokenSource::Env(var.clone()), host });
    }
    let store = TokenStore::from_config(config);
    match store.get()? {
        Some(secret) => Ok(Token { secret, source: store.source(), host }),
        None => Err(GithubError::NeedsLogin { host }),
    }
}

/// The keyring entry of one GitHub host.
#[derive(Debug, Clone)]
pub struct TokenStore {
    backend: Backend,
    host: String,
}

#[derive(Debug, Clone)]
enum Backend {
    /// One keyring entry per host, made once (or why it could not be made).
    Os(Result<std::sync::Arc<keyring::Entry>, String>),
    File(PathBuf),
    Nowhere,
}

impl TokenStore {
    /// The store the configuration selects, for the configured host.
    pub fn from_config(config: &Config) -> Self {
        let choice =
            config.values.get("github.keyring").map(|v| v.raw.trim().to_string()).unwrap_or_default();
        let backend = match choice.as_str() {
            "file" => Backend::File(config.home.join("keyring").join("tokens.json")),
            "none" => Backend::Nowhere,
            _ => Self::os_entry(&host_of(&config.github.url)),
        };
        Self { backend, host: host_of(&config.github.url) }
    }

    /// The entry `account` of another keyring service than GitHub's (the mirror's session),
    /// in the backend the configuration selects.
    pub fn named(config: &Config, service: &'static str, account: &str) -> Self {
        let mut store = Self::from_config(config);
        store.host = format!("{service} {account}");
        if let Backend::Os(_) = store.backend {
            store.backend = Backend::Os(
                keyring::Entry::new(service, account).map(std::sync::Arc::new).map_err(|e| e.to_string()),
            );
        }
        store
    }

    fn os_entry(host: &str) -> Backend {
        Backend::Os(keyring::Entry::new(SERVICE, host).map(std::sync::Arc::new).map_err(|e| e.to_string()))
    }

    /// Where tokens of this store are reported as coming from.
    pub fn source(&self) -> TokenSource {
        match &self.backend {
            Backend::Os(_) => TokenSource::Keyring,
            Backend::File(p) => TokenSource::File(p.clone()),
            Backend::Nowhere => TokenSource::Nowhere,
        }
    }

    /// The stored token, if any.
    pub fn get(&self) -> GithubResult<Option<Secret>> {
        match &self.backend {
            Backend::Os(_) => match self.entry()?.get_password() {
                Ok(t) if !t.is_empty() => Ok(Some(Secret::new(t))),
                Ok(_) | Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(unavailable(&e)),
            },
            Backend::File(p) => Ok(read_file_store(p)?.remove(&self.host).map(Secret::new)),
            Backend::Nowhere => Ok(None),
        }
    }

    /// Stores `token` for the host, replacing any previous one.
    pub fn set(&self, token: &Secret) -> GithubResult<()> {
        match &self.backend {
            Backend::Os(_) => self.entry()?.set_password(token.expose()).map_err(|e| unavailable(&e)),
            Backend::File(p) => {
                let mut map = read_file_store(p)?;
                map.insert(self.host.clone(), token.expose().to_string());
                write_file_store(p, &map)
            }
            Backend::Nowhere => Err(GithubError::Keyring(
                "no keyring is in use (VIBE_KEYRING=none), so the token cannot be kept".into(),
            )),
        }
    }

    /// Removes the host's token; whether there was one.
    pub fn delete(&self) -> GithubResult<bool> {
        match &self.backend {
            Backend::Os(_) => match self.entry()?.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(e) => Err(unavailable(&e)),
            },
            Backend::File(p) => {
                let mut map = read_file_store(p)?;
                let had = map.remove(&self.host).is_some();
                if had {
                    write_file_store(p, &map)?;
                }
                Ok(had)
            }
            Backend::Nowhere => Ok(false),
        }
    }

    fn entry(&self) -> GithubResult<&keyring::Entry> {
        match &self.backend {
            Backend::Os(Ok(entry)) => Ok(entry),
            Backend::Os(Err(e)) => {
                Err(GithubError::Keyring(format!("no usable OS keyring on this system ({e})")))
            }
            _ => Err(GithubError::Keyring("the OS keyring is not selected".into())),
        }
    }
}

fn unavailable(e: &keyring::Error) -> GithubError {
    GithubError::Keyring(format!("no usable OS keyring on this system ({e})"))
}

fn read_file_store(path: &std::path::Path) -> GithubResult<BTreeMap<String, String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| GithubError::Keyring(format!("{}: unreadable token store: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(GithubError::Keyring(format!("{}: {e}", path.display()))),
    }
}

fn write_file_store(path: &std::path::Path, map: &BTreeMap<String, String>) -> GithubResult<()> {
    let io = |e: std::io::Error| GithubError::Keyring(format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let text = serde_json::to_string_pretty(map).map_err(|e| GithubError::Keyring(e.to_string()))?;
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write as _;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp).map_err(io)?;
        f.write_all(text.as_bytes()).map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_backend_round_trips_through_the_keyring_api() {
        // The crate's in-memory mock: never the developer's real keyring.
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let store =
            TokenStore { backend: TokenStore::os_entry("ghe.example.com"), host: "ghe.example.com".into() };
        assert_eq!(store.source(), TokenSource::Keyring);
        assert!(store.get().unwrap().is_none());
        assert!(!store.delete().unwrap());
        store.set(&Secret::new("gho_abc")).unwrap();
        assert_eq!(store.get().unwrap().unwrap().expose(), "gho_abc");
        assert!(store.delete().unwrap());
        assert!(store.get().unwrap().is_none());
    }

    #[test]
    fn file_backend_is_per_host_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keyring/tokens.json");
        let a = TokenStore { backend: Backend::File(path.clone()), host: "github.com".into() };
        let b = TokenStore { backend: Backend::File(path.clone()), host: "ghe.example.com".into() };
        assert!(a.get().unwrap().is_none());
        a.set(&Secret::new("gho_one")).unwrap();
        b.set(&Secret::new("gho_two")).unwrap();
        assert_eq!(a.get().unwrap().unwrap().expose(), "gho_one");
        assert!(a.delete().unwrap());
        assert!(!a.delete().unwrap());
        assert_eq!(b.get().unwrap().unwrap().expose(), "gho_two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
