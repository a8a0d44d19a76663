//! The GitHub REST client: the required headers on every call, `Link` pagination, primary
//! and secondary rate limits (bounded retries honouring `Retry-After` and
//! `x-ratelimit-reset`, then a clear "retry after" error), and status codes mapped to
//! errors that say what to do. The token is sent only in the `Authorization` header, and
//! only to the configured API's origin (a `Link` to another host is not followed).
//!
//! What the server sends is bounded: waits at most [`MAX_SERVER_WAIT`], error bodies
//! [`MAX_ERROR_BODY`], JSON answers [`MAX_BODY`]; its messages are cleaned
//! ([`untrusted::server_text`]) and URLs in errors and logs have their credentials hidden.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{GithubError, GithubResult, RepoRef};
use crate::config::{Config, Secret};
use crate::untrusted;

/// Longest wait a rate-limit answer is believed to ask for (GitHub's limits reset hourly).
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(3600);
/// Largest JSON answer read.
pub const MAX_BODY: usize = 64 << 20;
/// Largest error body read.
pub const MAX_ERROR_BODY: usize = 64 << 10;

/// The REST API version vibe speaks.
pub const API_VERSION: &str = "2022-11-28";

/// `User-Agent` of every request (GitHub refuses requests without one).
pub fn user_agent() -> String {
    format!("vibe/{}", env!("CARGO_PKG_VERSION"))
}

/// How rate limits and transient failures are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Longest wait vibe accepts to sit through; longer waits end in [`GithubError::RateLimited`].
    pub max_wait: Duration,
    /// Upper bound on any real sleep (from `github.wait_cap_ms`; tests keep it tiny).
    pub sleep_cap: Option<Duration>,
}

impl RetryPolicy {
    /// The policy from the configuration.
    pub fn from_config(config: &Config) -> Self {
        Self { max_retries: 3, max_wait: Duration::from_secs(90), sleep_cap: wait_cap(config) }
    }

    /// A real sleep of `d`, bounded by the cap.
    pub fn capped(&self, d: Duration) -> Duration {
        self.sleep_cap.map_or(d, |cap| d.min(cap))
    }
}

/// `github.wait_cap_ms`, when set.
pub fn wait_cap(config: &Config) -> Option<Duration> {
    config
        .values
        .get("github.wait_cap_ms")
        .and_then(|v| v.raw.trim().parse::<u64>().ok())
        .map(Duration::from_millis)
}

/// A REST client bound to one API base URL and (optionally) one token.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    api: String,
    token: Option<Secret>,
    policy: RetryPolicy,
}

/// The authenticated user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub login: String,
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// What the token may do on a repository (present only when authenticated).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Permissions {
    #[serde(default)]
    pub admin: bool,
    #[serde(default)]
    pub push: bool,
    #[serde(default)]
    pub pull: bool,
}

/// The owner of a repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    pub login: String,
}

/// Repository facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repo {
    pub full_name: String,
    pub name: String,
    pub owner: Owner,
    pub default_branch: String,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub fork: bool,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub clone_url: Option<String>,
    #[serde(default)]
    pub permissions: Option<Permissions>,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub path: String,
    /// `file`, `dir`, `symlink` or `submodule`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub sha: Option<String>,
}

/// What `contents` returns: a file's text or a directory listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Contents {
    /// A file, decoded.
    File { path: String, size: u64, sha: Option<String>, content: String, binary: bool },
    /// A directory.
    Dir { entries: Vec<Entry> },
}

/// Author or committer of a commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
}

/// The git part of a commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommitData {
    pub message: String,
    #[serde(default)]
    pub author: Option<Signature>,
}

/// One commit of a history listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Commit {
    pub sha: String,
    pub commit: CommitData,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// A branch head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Branch {
    pub name: String,
    pub commit: BranchCommit,
}

/// The commit a branch points at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BranchCommit {
    pub sha: String,
}

/// One side (head or base) of a pull request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullRef {
    #[serde(rename = "ref")]
    pub ref_name: String,
    #[serde(default)]
    pub sha: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub repo: Option<PullRepo>,
}

/// The repository of a pull request side (null when a fork was deleted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullRepo {
    pub full_name: String,
}

/// A pull request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pull {
    pub number: i64,
    pub html_url: String,
    /// `open` or `closed`.
    pub state: String,
    #[serde(default)]
    pub draft: bool,
    pub title: String,
    #[serde(default)]
    pub merged_at: Option<String>,
    #[serde(default)]
    pub merged: Option<bool>,
    pub head: PullRef,
    pub base: PullRef,
}

impl Pull {
    /// `open`, `closed` or `merged`, as `pr_records.state` keeps it.
    pub fn record_state(&self) -> &'static str {
        if self.merged == Some(true) || self.merged_at.is_some() {
            "merged"
        } else if self.state == "open" {
            "open"
        } else {
            "closed"
        }
    }
}

/// A pull request to open.
#[derive(Debug, Clone, Serialize)]
pub struct NewPull<'a> {
    pub title: &'a str,
    /// `branch` or `owner:branch` for a fork.
    pub head: &'a str,
    pub base: &'a str,
    pub body: &'a str,
    pub draft: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintainer_can_modify: Option<bool>,
}

/// The answer to creating a pull request.
#[derive(Debug, Clone)]
pub enum Created {
    /// A new pull request.
    New(Box<Pull>),
    /// GitHub says one already exists for this head.
    AlreadyExists,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Vec<Value>,
}

impl Client {
    /// A client for the configured API, with `token` (or anonymous).
    pub fn new(config: &Config, token: Option<Secret>) -> GithubResult<Self> {
        Self::with_base(&config.github.api_url, token, RetryPolicy::from_config(config))
    }

    /// A client for an explicit API base URL.
    pub fn with_base(api: &str, token: Option<Secret>, policy: RetryPolicy) -> GithubResult<Self> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/vnd.github+json"));
        headers.insert("X-GitHub-Api-Version", HeaderValue::from_static(API_VERSION));
        let http = reqwest::Client::builder()
            .user_agent(user_agent())
            .default_headers(headers)
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| GithubError::Network {
                url: api.to_string(),
                message: untrusted::scrub_url(&e.to_string(), api),
            })?;
        Ok(Self { http, api: api.trim_end_matches('/').to_string(), token, policy })
    }

    /// The API base URL.
    pub fn api(&self) -> &str {
        &self.api
    }

    /// The retry policy.
    pub fn policy(&self) -> RetryPolicy {
        self.policy
    }

    fn url(&self, path: &str) -> String {
        untrusted::join_url(&self.api, path)
    }

    /// A server's text made fit for an error: the token and the API URL's credentials
    /// scrubbed, control characters replaced, length bounded.
    fn clean(&self, text: &str) -> String {
        let mut text = untrusted::scrub_url(text, &self.api);
        if let Some(t) = &self.token {
            text = super::scrub(&text, t.expose());
        }
        untrusted::server_text(&text)
    }

    /// Sends one request with retries on rate limits and 502/503/504; maps failures.
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        what: &str,
    ) -> GithubResult<reqwest::Response> {
        let mut attempt = 0u32;
        loop {
            let mut req = self.http.request(method.clone(), url);
            if let Some(t) = &self.token {
                req = req.header(AUTHORIZATION, format!("Bearer {}", t.expose()));
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let shown = untrusted::url_shown(url);
            tracing::debug!("github: {method} {shown}");
            let mut resp = req.send().await.map_err(|e| GithubError::Network {
                url: url.to_string(),
                message: self.clean(&without_url(&e)),
            })?;
            let status = resp.status();
            tracing::debug!("github: {method} {shown} -> {}", status.as_u16());
            if status.is_success() {
                return Ok(resp);
            }
            let headers = resp.headers().clone();
            let text = match untrusted::read_capped(&mut resp, MAX_ERROR_BODY).await {
                Ok((bytes, _)) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(_) => String::new(),
            };
            let parsed: Option<ErrorBody> = serde_json::from_str(&text).ok();
            let message = parsed
                .as_ref()
                .and_then(|b| b.message.clone())
                .unwrap_or_else(|| text.lines().next().unwrap_or("").trim().to_string());
            let message = self.clean(&message);
            if let Some(wait) = rate_limit_wait(status, &headers, &message, time::OffsetDateTime::now_utc()) {
                if attempt >= self.policy.max_retries || wait > self.policy.max_wait {
                    return Err(GithubError::RateLimited { message, retry_at: retry_at(wait) });
                }
                attempt += 1;
                tracing::info!("github: rate limited; retrying in {}s", wait.as_secs());
                tokio::time::sleep(self.policy.capped(wait)).await;
                continue;
            }
            if matches!(status.as_u16(), 502..=504) && attempt < 2 {
                attempt += 1;
                tokio::time::sleep(self.policy.capped(Duration::from_secs(2 * u64::from(attempt)))).await;
                continue;
            }
            let errors: Vec<Value> = parsed
                .map(|b| b.errors)
                .unwrap_or_default()
                .iter()
                .take(20)
                .map(|e| Value::String(self.clean(&describe_error(e))))
                .collect();
            return Err(map_status(status, what, message, errors));
        }
    }

    async fn json<T: DeserializeOwned>(mut resp: reqwest::Response) -> GithubResult<T> {
        let url = resp.url().as_str().to_string();
        let (bytes, cut) = untrusted::read_capped(&mut resp, MAX_BODY)
            .await
            .map_err(|e| GithubError::Network { url: url.clone(), message: without_url(&e) })?;
        if cut {
            return Err(GithubError::Protocol {
                url,
                message: format!("the answer is larger than {} MiB", MAX_BODY >> 20),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| GithubError::Protocol { url, message: e.to_string() })
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, what: &str) -> GithubResult<T> {
        let resp = self.send(Method::GET, &self.url(path), None, what).await?;
        Self::json(resp).await
    }

    /// GETs a list endpoint, following `Link: rel="next"` until `limit` items.
    async fn get_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        limit: usize,
        what: &str,
    ) -> GithubResult<Vec<T>> {
        let mut out = Vec::new();
        let mut next = Some(self.url(path));
        while let Some(url) = next.take() {
            let resp = self.send(Method::GET, &url, None, what).await?;
            next = resp
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(next_link)
                .filter(|n| same_origin(n, &self.api));
            let page: Vec<T> = Self::json(resp).await?;
            let empty = page.is_empty();
            out.extend(page);
            if out.len() >= limit || empty {
                out.truncate(limit);
                break;
            }
        }
        Ok(out)
    }

    /// `GET /user`, with the token's scopes from `X-OAuth-Scopes` (absent for some tokens).
    pub async fn user(&self) -> GithubResult<(User, Option<String>)> {
        let resp = self.send(Method::GET, &self.url("/user"), None, "user").await?;
        let scopes = resp.headers().get("x-oauth-scopes").and_then(|v| v.to_str().ok()).map(str::to_string);
        Ok((Self::json(resp).await?, scopes))
    }

    /// `GET /repos/{o}/{r}`.
    pub async fn repo(&self, r: &RepoRef) -> GithubResult<Repo> {
        self.get(&format!("/repos/{}", path_of(r)), &format!("repository {}", r.full_name())).await
    }

    /// `GET /repos/{o}/{r}/contents/{path}?ref=`: a file (decoded) or a directory listing.
    pub async fn contents(&self, r: &RepoRef, path: &str, git_ref: Option<&str>) -> GithubResult<Contents> {
        let path = path.trim_matches('/');
        let mut p = format!("/repos/{}/contents", path_of(r));
        if !path.is_empty() {
            p.push('/');
            p.push_str(&encode_path(path));
        }
        if let Some(rf) = git_ref {
            p.push_str("?ref=");
            p.push_str(&encode(rf));
        }
        let what = if path.is_empty() {
            format!("repository {}", r.full_name())
        } else {
            format!("{path} in {}", r.full_name())
        };
        let value: Value = self.get(&p, &what).await?;
        if value.is_array() {
            let entries: Vec<Entry> = serde_json::from_value(value)
                .map_err(|e| GithubError::Protocol { url: self.url(&p), message: e.to_string() })?;
            return Ok(Contents::Dir { entries });
        }
        let field = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
        let size = value.get("size").and_then(Value::as_u64).unwrap_or(0);
        let (content, binary) = match (field("encoding").as_deref(), field("content")) {
            (Some("base64"), Some(c)) => {
                use base64::Engine as _;
                let clean: String = c.chars().filter(|ch| !ch.is_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(clean)
                    .map_err(|e| GithubError::Protocol { url: self.url(&p), message: e.to_string() })?;
                match String::from_utf8(bytes) {
                    Ok(s) => (s, false),
                    Err(e) => (format!("({} bytes of binary data)", e.as_bytes().len()), true),
                }
            }
            _ => (format!("(file too large to show: {size} bytes)"), true),
        };
        Ok(Contents::File {
            path: field("path").unwrap_or_else(|| path.to_string()),
            size,
            sha: field("sha"),
            content,
            binary,
        })
    }

    /// `GET /repos/{o}/{r}/commits?sha=`: newest first, at most `limit`.
    pub async fn commits(
        &self,
        r: &RepoRef,
        branch: Option<&str>,
        limit: usize,
    ) -> GithubResult<Vec<Commit>> {
        let per_page = limit.clamp(1, 100);
        let mut p = format!("/repos/{}/commits?per_page={per_page}", path_of(r));
        let mut what = format!("repository {}", r.full_name());
        if let Some(b) = branch {
            p.push_str("&sha=");
            p.push_str(&encode(b));
            what = format!("branch {b} of {}", r.full_name());
        }
        self.get_pages(&p, limit, &what).await
    }

    /// `GET /repos/{o}/{r}/branches/{branch}`; `None` when the branch does not exist.
    pub async fn branch(&self, r: &RepoRef, name: &str) -> GithubResult<Option<Branch>> {
        let p = format!("/repos/{}/branches/{}", path_of(r), encode_path(name));
        match self.get(&p, &format!("branch {name}")).await {
            Ok(b) => Ok(Some(b)),
            Err(GithubError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /repos/{o}/{r}/pulls`; a duplicate is reported as [`Created::AlreadyExists`].
    pub async fn create_pull(&self, r: &RepoRef, new: &NewPull<'_>) -> GithubResult<Created> {
        let body = serde_json::to_value(new)
            .map_err(|e| GithubError::Protocol { url: self.api.clone(), message: e.to_string() })?;
        let url = self.url(&format!("/repos/{}/pulls", path_of(r)));
        match self.send(Method::POST, &url, Some(&body), &format!("repository {}", r.full_name())).await {
            Ok(resp) => Ok(Created::New(Box::new(Self::json(resp).await?))),
            Err(GithubError::Validation { errors, .. })
                if errors.iter().any(|m| m.starts_with("A pull request already exists")) =>
            {
                Ok(Created::AlreadyExists)
            }
            Err(e) => Err(e),
        }
    }

    /// The open pull request whose head is `head_owner:branch`.
    pub async fn find_open_pull(
        &self,
        r: &RepoRef,
        head_owner: &str,
        branch: &str,
    ) -> GithubResult<Option<Pull>> {
        Ok(self.pulls_for_head(r, head_owner, branch, "open").await?.into_iter().next())
    }

    /// Pull requests of `r` whose head is `head_owner:branch`, newest first, checked
    /// client-side too (GitHub ignores a malformed `head` filter and returns every PR).
    pub async fn pulls_for_head(
        &self,
        r: &RepoRef,
        head_owner: &str,
        branch: &str,
        state: &str,
    ) -> GithubResult<Vec<Pull>> {
        let p = format!(
            "/repos/{}/pulls?state={}&head={}&per_page=100",
            path_of(r),
            encode(state),
            encode(&format!("{head_owner}:{branch}"))
        );
        let pulls: Vec<Pull> = self.get_pages(&p, 500, &format!("repository {}", r.full_name())).await?;
        let label = format!("{head_owner}:{branch}");
        Ok(pulls
            .into_iter()
            .filter(|pr| {
                pr.head.ref_name == branch
                    && pr.head.label.as_deref().is_none_or(|l| l.eq_ignore_ascii_case(&label))
            })
            .collect())
    }

    /// `GET /repos/{o}/{r}/pulls/{n}`.
    pub async fn pull(&self, r: &RepoRef, number: i64) -> GithubResult<Pull> {
        self.get(
            &format!("/repos/{}/pulls/{number}", path_of(r)),
            &format!("pull request #{number} of {}", r.full_name()),
        )
        .await
    }

    /// `GET /repos/{o}/{r}/pulls?state=`, following pagination up to `limit`.
    pub async fn list_pulls(&self, r: &RepoRef, state: &str, limit: usize) -> GithubResult<Vec<Pull>> {
        let p =
            format!("/repos/{}/pulls?state={}&per_page={}", path_of(r), encode(state), limit.clamp(1, 100));
        self.get_pages(&p, limit, &format!("repository {}", r.full_name())).await
    }

    /// `POST /repos/{o}/{r}/forks`: the user's fork (existing or new).
    pub async fn fork(&self, r: &RepoRef) -> GithubResult<Repo> {
        let url = self.url(&format!("/repos/{}/forks", path_of(r)));
        let body = serde_json::json!({ "default_branch_only": true });
        let resp =
            self.send(Method::POST, &url, Some(&body), &format!("repository {}", r.full_name())).await?;
        Self::json(resp).await
    }
}

/// The wait a rate-limit answer asks for (at most [`MAX_SERVER_WAIT`]), or `None` when it
/// is not a rate limit.
fn rate_limit_wait(
    status: StatusCode,
    headers: &HeaderMap,
    message: &str,
    now: time::OffsetDateTime,
) -> Option<Duration> {
    if status != StatusCode::FORBIDDEN && status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
    let asked = header("retry-after")
        .and_then(|v| untrusted::retry_after_secs(v, now))
        .and_then(|s| untrusted::wait(s, MAX_SERVER_WAIT));
    if let Some(wait) = asked {
        return Some(wait);
    }
    let exhausted = header("x-ratelimit-remaining") == Some("0");
    if exhausted {
        let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
        let secs = reset.saturating_sub(now.unix_timestamp()).max(1);
        return untrusted::wait(secs as f64, MAX_SERVER_WAIT);
    }
    let lower = message.to_ascii_lowercase();
    if lower.contains("secondary rate limit")
        || lower.contains("rate limit exceeded")
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        return Some(Duration::from_secs(60));
    }
    None
}

fn retry_at(wait: Duration) -> String {
    let now = time::OffsetDateTime::now_utc();
    let at = time::Duration::try_from(wait).ok().and_then(|w| now.checked_add(w)).unwrap_or(now);
    format!(
        "{:02}:{:02}:{:02} UTC (in {})",
        at.hour(),
        at.minute(),
        at.second(),
        crate::output::duration_ms(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
    )
}

/// Whether `url` has the scheme, host and port of `base` (the token goes nowhere else).
fn same_origin(url: &str, base: &str) -> bool {
    match (reqwest::Url::parse(url), reqwest::Url::parse(base)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

fn map_status(status: StatusCode, what: &str, message: String, errors: Vec<Value>) -> GithubError {
    match status.as_u16() {
        401 => GithubError::BadCredentials { message },
        403 => GithubError::Forbidden { message: format!("{message} ({what})") },
        404 => {
            let what = if message.is_empty() || message.eq_ignore_ascii_case("not found") {
                what.to_string()
            } else {
                format!("{what} ({message})")
            };
            GithubError::NotFound { what }
        }
        422 => {
            let details: Vec<String> = errors.iter().map(describe_error).collect();
            let message =
                if details.is_empty() { message } else { format!("{message}: {}", details.join("; ")) };
            GithubError::Validation { message, errors: details }
        }
        code => GithubError::Http { status: code, what: what.to_string(), message },
    }
}

fn describe_error(e: &Value) -> String {
    if let Some(m) = e.get("message").and_then(Value::as_str) {
        return m.to_string();
    }
    if let Some(s) = e.as_str() {
        return s.to_string();
    }
    let field = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("");
    format!("{} {} is {}", field("resource"), field("field"), field("code")).trim().to_string()
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.trim().split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
            .then(|| url.trim().trim_start_matches('<').trim_end_matches('>').to_string())
    })
}

fn path_of(r: &RepoRef) -> String {
    format!("{}/{}", encode(&r.owner), encode(&r.name))
}

const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// Encodes each `/`-separated segment, keeping the slashes (paths and branch names).
fn encode_path(s: &str) -> String {
    s.split('/').map(encode).collect::<Vec<_>>().join("/")
}

fn without_url(e: &reqwest::Error) -> String {
    let mut msg = e.without_url_ref().to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    msg
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let s = self.to_string();
        match self.url() {
            Some(u) => s.replace(&format!(" for url ({u})"), ""),
            None => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_next() {
        let h = "<https://api.github.com/repositories/1/pulls?per_page=1&page=2>; rel=\"next\", \
                 <https://api.github.com/repositories/1/pulls?per_page=1&page=5>; rel=\"last\"";
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://api.github.com/repositories/1/pulls?per_page=1&page=2")
        );
        assert_eq!(next_link("<https://x/?page=1>; rel=\"prev\""), None);
    }

    #[test]
    fn rate_limits_are_told_apart_from_permission_errors() {
        let now = time::OffsetDateTime::now_utc();
        let mut h = HeaderMap::new();
        assert_eq!(
            rate_limit_wait(StatusCode::FORBIDDEN, &h, "Resource not accessible by integration", now),
            None
        );
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(rate_limit_wait(StatusCode::FORBIDDEN, &h, "x", now), Some(Duration::from_secs(7)));
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("0"));
        assert_eq!(
            rate_limit_wait(StatusCode::TOO_MANY_REQUESTS, &h, "x", now),
            Some(Duration::from_secs(1))
        );
        let h = HeaderMap::new();
        assert_eq!(
            rate_limit_wait(StatusCode::FORBIDDEN, &h, "You have exceeded a secondary rate limit", now),
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn hostile_rate_limit_headers_give_a_bounded_wait() {
        let now = time::OffsetDateTime::now_utc();
        let values = [
            "18446744073709551615",
            "1e20",
            "1e400",
            "inf",
            "NaN",
            "-5",
            "-9223372036854775808",
            "9223372036854775807",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "soon",
            "",
        ];
        for status in [StatusCode::FORBIDDEN, StatusCode::TOO_MANY_REQUESTS] {
            for v in values {
                for name in ["retry-after", "x-ratelimit-reset"] {
                    let mut h = HeaderMap::new();
                    h.insert(name, HeaderValue::from_str(v).unwrap());
                    h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
                    let wait = rate_limit_wait(status, &h, "API rate limit exceeded", now).unwrap();
                    assert!(wait <= MAX_SERVER_WAIT, "{name}: {v} gave {wait:?}");
                    // The error for a wait too long to sit through names a time, not a panic.
                    assert!(retry_at(wait).contains("UTC (in "), "{}", retry_at(wait));
                }
            }
        }
        assert!(retry_at(Duration::MAX).contains("UTC"));
    }

    #[test]
    fn next_links_are_followed_only_on_the_apis_origin() {
        assert!(same_origin("https://api.github.com/repositories/1/pulls?page=2", "https://api.github.com"));
        assert!(same_origin("http://127.0.0.1:8080/api/v3/x?page=2", "http://127.0.0.1:8080/api/v3"));
        assert!(!same_origin("https://attacker.example/x?page=2", "https://api.github.com"));
        assert!(!same_origin("http://api.github.com/x", "https://api.github.com"));
        assert!(!same_origin("http://127.0.0.1:9/x", "http://127.0.0.1:8080/api/v3"));
        assert!(!same_origin("not a url", "https://api.github.com"));
    }

    #[test]
    fn validation_errors_keep_githubs_message() {
        let errors = vec![
            serde_json::json!({"resource":"PullRequest","code":"custom","message":"No commits between main and x"}),
        ];
        let e = map_status(StatusCode::UNPROCESSABLE_ENTITY, "repo", "Validation Failed".into(), errors);
        assert_eq!(
            e.to_string(),
            "GitHub refused the request: Validation Failed: No commits between main and x"
        );
    }

    #[test]
    fn paths_are_encoded_per_segment() {
        assert_eq!(encode_path("feature/a b"), "feature/a%20b");
        assert_eq!(encode("o:b/c"), "o%3Ab%2Fc");
    }
}
