//! vibe's link to GitHub and GitHub Enterprise: repository URL parsing ([`url`]), the OAuth
//! device flow ([`device`]), token resolution and the keyring ([`auth`]), the REST client
//! ([`client`]), pushing a branch over HTTPS ([`push`]) and opening pull requests ([`pr`]).
//!
//! Everything here is silent: functions return values or typed errors; `cmd/` prints.
//! Base URLs come from [`crate::config::GithubSettings`], so the same code talks to
//! github.com, an Enterprise server, or a loopback test server.

pub mod auth;
pub mod client;
pub mod device;
pub mod ids;
pub mod pr;
pub mod push;
pub mod url;

use crate::error::{Error, ErrorKind};

pub use auth::{resolve_token, Token, TokenSource};
pub use client::Client;
pub use url::RepoRef;

/// Everything that can go wrong talking to GitHub, with enough detail to say what to do.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// No token in the environment or the keyring.
    #[error("not logged in to {host}")]
    NeedsLogin { host: String },
    /// No OAuth client id configured for the device flow.
    #[error("no OAuth client id is configured for `vibe login`")]
    NoClientId,
    /// The token was refused (401).
    #[error("GitHub rejected the token ({message})")]
    BadCredentials { message: String },
    /// 403 without rate-limit signals.
    #[error("no permission: {message}")]
    Forbidden { message: String },
    /// 404: missing, or private and invisible to this token.
    #[error("{what} not found, or this token cannot see it")]
    NotFound { what: String },
    /// 422 with GitHub's own message(s).
    #[error("GitHub refused the request: {message}")]
    Validation { message: String, errors: Vec<String> },
    /// A rate limit that did not clear within the retries.
    #[error("GitHub rate limit exceeded ({message}); retry after {retry_at}")]
    RateLimited { message: String, retry_at: String },
    /// Any other HTTP status.
    #[error("GitHub answered {status} to {what}: {message}")]
    Http { status: u16, what: String, message: String },
    /// Could not reach the server.
    #[error("cannot reach {}: {message}", crate::untrusted::url_shown(url))]
    Network { url: String, message: String },
    /// The server answered something we could not read.
    #[error("unexpected answer from {}: {message}", crate::untrusted::url_shown(url))]
    Protocol { url: String, message: String },
    /// A repository reference that does not parse.
    #[error("{0}")]
    BadUrl(String),
    /// The device flow ended without a token.
    #[error("{message}")]
    DeviceFlow { code: String, message: String },
    /// The keyring could not be used.
    #[error("{0}")]
    Keyring(String),
    /// Local git work (open, push) failed.
    #[error("{0}")]
    Git(String),
    /// A precondition in the local state (no repo, no remote, bad branch).
    #[error("{message}")]
    Local { message: String, hint: String },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Cancelled by the user.
    #[error("cancelled")]
    Cancelled,
}

impl From<GithubError> for Error {
    fn from(e: GithubError) -> Self {
        let msg = e.to_string();
        match e {
            GithubError::NeedsLogin { .. } => Error::new(ErrorKind::NeedsLogin, msg)
                .with_hint("run `vibe login`, or set GITHUB_TOKEN (or GH_TOKEN) to a token"),
            GithubError::NoClientId => Error::new(ErrorKind::NeedsConfig, msg).with_hint(
                "set GITHUB_CLIENT_ID to the client id of an OAuth app with device flow enabled \
                 (or `vibe config set github.client_id ID`), or run `vibe login --with-token < token.txt`",
            ),
            GithubError::BadCredentials { .. } => Error::new(ErrorKind::NeedsLogin, msg)
                .with_hint("the token was revoked or has expired: run `vibe login` again (or replace GITHUB_TOKEN)"),
            GithubError::Forbidden { .. } => Error::failure(msg).with_hint(
                "check that the token has the `repo` scope and that you have access to the repository",
            ),
            GithubError::NotFound { .. } => Error::failure(msg)
                .with_hint("check the owner/name spelling; private repositories need a token with the `repo` scope"),
            GithubError::Validation { .. } => Error::failure(msg),
            GithubError::RateLimited { .. } => {
                Error::failure(msg).with_hint("wait until then, or use another token")
            }
            GithubError::Http { status, .. } if status >= 500 => {
                Error::failure(msg).with_hint("try again later; see https://www.githubstatus.com")
            }
            GithubError::Http { .. } => Error::failure(msg),
            GithubError::Network { .. } => Error::failure(msg)
                .with_hint("check the network, and VIBE_GITHUB_URL / VIBE_GITHUB_API_URL for Enterprise hosts"),
            GithubError::Protocol { .. } => Error::failure(msg)
                .with_hint("check that VIBE_GITHUB_API_URL points at a GitHub REST API"),
            GithubError::BadUrl(_) => Error::usage(msg).with_hint(
                "use https://HOST/OWNER/REPO, git@HOST:OWNER/REPO.git, ssh://git@HOST/OWNER/REPO or OWNER/REPO",
            ),
            GithubError::DeviceFlow { ref code, .. } => {
                let hint = match code.as_str() {
                    "expired_token" => "run `vibe login` again and enter the code within the time shown",
                    "access_denied" => "run `vibe login` again and choose Authorize",
                    "device_flow_disabled" | "unsupported" => {
                        "enable Device Flow in the OAuth app settings, or use `vibe login --with-token`"
                    }
                    "incorrect_client_credentials" => "check GITHUB_CLIENT_ID",
                    _ => "run `vibe login` again, or use `vibe login --with-token`",
                };
                Error::failure(msg).with_hint(hint)
            }
            GithubError::Keyring(_) => Error::failure(msg).with_hint(
                "set GITHUB_TOKEN (or GH_TOKEN) in the environment instead; vibe never writes a token to a plain file on its own",
            ),
            GithubError::Git(_) => Error::failure(msg),
            GithubError::Local { hint, .. } => Error::usage(msg).with_hint(hint),
            GithubError::Store(s) => s.into(),
            GithubError::Cancelled => Error::new(ErrorKind::Interrupted, "login cancelled"),
        }
    }
}

/// Result of GitHub operations.
pub type GithubResult<T> = Result<T, GithubError>;

/// Host part (`host[:port]`) of a base URL such as `https://github.com` or `http://127.0.0.1:8080`.
pub fn host_of(base: &str) -> String {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    let host = rest.split('/').next().unwrap_or(rest);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    host.to_ascii_lowercase()
}

/// Replaces every occurrence of `secret` in `text` by a redacted form, for messages that
/// may carry text from elsewhere (git, servers).
pub fn scrub(text: &str, secret: &str) -> String {
    if secret.len() < 4 {
        return text.to_string();
    }
    text.replace(secret, &crate::config::redact(secret))
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Inputs};

    fn api_for(vars: &[(&str, &str)]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let mut inputs = Inputs { cwd: dir.path().to_path_buf(), ..Inputs::default() };
        inputs.env.insert("HOME".into(), dir.path().display().to_string());
        for (k, v) in vars {
            inputs.env.insert(k.to_string(), v.to_string());
        }
        Config::load(&inputs).unwrap().github.api_url
    }

    #[test]
    fn the_api_url_follows_the_web_url_unless_set() {
        assert_eq!(api_for(&[]), "https://api.github.com");
        assert_eq!(
            api_for(&[("VIBE_GITHUB_URL", "https://ghe.example.com/")]),
            "https://ghe.example.com/api/v3"
        );
        assert_eq!(api_for(&[("VIBE_GITHUB_URL", "https://octo.ghe.com")]), "https://api.octo.ghe.com");
        assert_eq!(
            api_for(&[
                ("VIBE_GITHUB_URL", "https://ghe.example.com"),
                ("VIBE_GITHUB_API_URL", "https://api.internal/v3")
            ]),
            "https://api.internal/v3"
        );
    }

    #[test]
    fn hosts_of_base_urls() {
        assert_eq!(super::host_of("https://GitHub.com/"), "github.com");
        assert_eq!(super::host_of("http://127.0.0.1:8080/api/v3"), "127.0.0.1:8080");
    }
}
