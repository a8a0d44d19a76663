//! E2B's control plane: REST/JSON at the API URL, authorised by the `X-API-Key` header.
//! Creates sandboxes, finds them again, extends their lifetime and kills them. Transient
//! answers (429, 502, 503, 504, `Should-Retry: true`) and network errors are retried a few
//! times with back-off.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Failure, SandboxError};
use crate::config::Secret;

/// Retries after the first attempt.
const RETRIES: u32 = 3;
/// Longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// The control-plane client.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    key: Secret,
}

/// `NewSandboxV2`, the fields vibe sets.
#[derive(Debug, Clone, Serialize)]
pub struct NewSandbox {
    #[serde(rename = "templateID")]
    pub template_id: String,
    /// Seconds until E2B kills the sandbox unless extended.
    pub timeout: u64,
    pub metadata: BTreeMap<String, String>,
    /// Whether commands may reach the internet (the job's network policy).
    pub allow_internet_access: bool,
}

/// A created or found sandbox: what reaching its envd needs.
#[derive(Debug, Clone, Deserialize)]
pub struct SandboxInfo {
    #[serde(rename = "sandboxID")]
    pub sandbox_id: String,
    #[serde(rename = "envdAccessToken", default)]
    pub envd_access_token: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
    /// The version of the sandbox's envd (semver), which decides what it understands.
    #[serde(rename = "envdVersion", default)]
    pub envd_version: Option<String>,
}

/// An error body: `{"code": int, "message": …}`; may be empty or not JSON.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
}

impl Api {
    /// A client for the API at `base` (no trailing slash needed).
    pub fn new(base: &str, key: Secret) -> Result<Self, SandboxError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("vibe/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| cloud(Failure::Network, format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { http, base: base.trim_end_matches('/').to_string(), key })
    }

    /// `POST /v2/sandboxes` → 201. Retried safely: the request carries an idempotency key.
    /// When no sandbox comes within `deadline` (retries included) it is a
    /// [`Failure::Timeout`], and a sandbox E2B made for the request meanwhile is killed.
    pub async fn create(&self, body: &NewSandbox, deadline: Duration) -> Result<SandboxInfo, SandboxError> {
        let idempotency = uuid::Uuid::new_v4().to_string();
        let sent = self.send("creating an E2B sandbox", || {
            self.http
                .post(format!("{}/v2/sandboxes", self.base))
                .header("Idempotency-Key", &idempotency)
                .timeout(deadline)
                .json(body)
        });
        let resp = match tokio::time::timeout(deadline, sent).await {
            Ok(resp) => resp?,
            Err(_) => {
                // The request may have been taken: what it made must not live on unseen.
                let _ =
                    tokio::time::timeout(Duration::from_secs(30), self.kill_labelled(&body.metadata)).await;
                return Err(cloud(
                    Failure::Timeout,
                    format!(
                        "E2B did not create a sandbox within {} s (e2b.create_timeout_secs); it may be busy: try again, or allow it longer with `vibe config set e2b.create_timeout_secs N`",
                        deadline.as_secs()
                    ),
                ));
            }
        };
        match resp.status().as_u16() {
            200 | 201 => resp.json().await.map_err(|e| {
                cloud(Failure::Service, format!("E2B answered the creation with an unexpected body: {e}"))
            }),
            404 => Err(cloud(
                Failure::Template,
                format!(
                    "E2B has no template `{}` ({}); set another with `vibe config set e2b.template NAME`",
                    body.template_id,
                    message(resp).await
                ),
            )),
            _ => Err(status_error(resp, "creating a sandbox").await),
        }
    }

    /// Kills every running sandbox whose metadata holds all of `metadata`
    /// (`GET /v2/sandboxes?metadata=…`, then `DELETE` each).
    pub async fn kill_labelled(&self, metadata: &BTreeMap<String, String>) -> Result<(), SandboxError> {
        let filter: Vec<String> = metadata.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let filter = filter.join("&");
        let resp = self
            .send("listing E2B sandboxes", || {
                self.http
                    .get(format!("{}/v2/sandboxes", self.base))
                    .query(&[("state", "running,paused"), ("metadata", filter.as_str())])
            })
            .await?;
        if resp.status().as_u16() != 200 {
            return Err(status_error(resp, "listing sandboxes").await);
        }
        #[derive(Deserialize)]
        struct Listed {
            #[serde(rename = "sandboxID")]
            sandbox_id: String,
            #[serde(default)]
            metadata: BTreeMap<String, String>,
        }
        let listed: Vec<Listed> = resp.json().await.unwrap_or_default();
        for sandbox in listed {
            // Only what carries every label, whatever the service filtered.
            if metadata.iter().all(|(k, v)| sandbox.metadata.get(k) == Some(v)) {
                self.kill(&sandbox.sandbox_id).await?;
            }
        }
        Ok(())
    }

    /// `GET /sandboxes/{id}`: the sandbox and its envd token; [`SandboxError::Gone`] when it
    /// no longer exists.
    pub async fn info(&self, id: &str) -> Result<SandboxInfo, SandboxError> {
        let resp = self
            .send("looking up an E2B sandbox", || self.http.get(format!("{}/sandboxes/{id}", self.base)))
            .await?;
        match resp.status().as_u16() {
            200 => resp
                .json()
                .await
                .map_err(|e| cloud(Failure::Service, format!("E2B answered with an unexpected body: {e}"))),
            404 => Err(SandboxError::Gone(id.to_string())),
            _ => Err(status_error(resp, "looking up a sandbox").await),
        }
    }

    /// Whether the key is accepted: `GET /v2/sandboxes?limit=1`. Returns how many sandboxes
    /// run now (at most one is listed).
    pub async fn check_key(&self) -> Result<usize, SandboxError> {
        let resp = self
            .send("checking the E2B API key", || {
                self.http.get(format!("{}/v2/sandboxes", self.base)).query(&[("limit", "1")])
            })
            .await?;
        match resp.status().as_u16() {
            200 => Ok(resp.json::<Vec<serde_json::Value>>().await.map(|l| l.len()).unwrap_or(0)),
            _ => Err(status_error(resp, "checking the key").await),
        }
    }

    /// `POST /sandboxes/{id}/timeout`: E2B kills the sandbox `secs` from now unless extended
    /// again.
    pub async fn set_timeout(&self, id: &str, secs: u64) -> Result<(), SandboxError> {
        let resp = self
            .send("extending an E2B sandbox's lifetime", || {
                self.http
                    .post(format!("{}/sandboxes/{id}/timeout", self.base))
                    .json(&serde_json::json!({ "timeout": secs }))
            })
            .await?;
        match resp.status().as_u16() {
            200 | 204 => Ok(()),
            404 => Err(SandboxError::Gone(id.to_string())),
            _ => Err(status_error(resp, "extending a sandbox's lifetime").await),
        }
    }

    /// `DELETE /sandboxes/{id}`: true when it was killed now, false when it was already gone.
    pub async fn kill(&self, id: &str) -> Result<bool, SandboxError> {
        let resp = self
            .send("killing an E2B sandbox", || self.http.delete(format!("{}/sandboxes/{id}", self.base)))
            .await?;
        match resp.status().as_u16() {
            200 | 204 => Ok(true),
            404 => Ok(false),
            _ => Err(status_error(resp, "killing a sandbox").await),
        }
    }

    /// Sends a request with the key, retrying what is worth retrying.
    async fn send(
        &self,
        what: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, SandboxError> {
        let mut attempt = 0;
        loop {
            let result = build().header("X-API-Key", self.key.expose()).send().await;
            let wait = match &result {
                Ok(resp) => retry_wait(resp, attempt),
                Err(_) => Some(backoff(attempt)),
            };
            match (result, wait) {
                (Ok(resp), Some(wait)) if attempt < RETRIES => {
                    drop(resp);
                    tokio::time::sleep(wait).await;
                }
                (Err(_), Some(wait)) if attempt < RETRIES => tokio::time::sleep(wait).await,
                (Ok(resp), _) => return Ok(resp),
                (Err(e), _) => {
                    return Err(cloud(
                        Failure::Network,
                        format!("{what}: cannot reach E2B at {} ({})", self.base, without_url(&e)),
                    ))
                }
            }
            attempt += 1;
        }
    }
}

/// How long to wait before retrying this answer, or `None` when it is final.
fn retry_wait(resp: &reqwest::Response, attempt: u32) -> Option<Duration> {
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let retry = match header("should-retry") {
        Some(v) => v.eq_ignore_ascii_case("true"),
        None => matches!(resp.status().as_u16(), 429 | 502 | 503 | 504),
    };
    if !retry {
        return None;
    }
    match header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        Some(secs) => Some(Duration::from_secs(secs).min(MAX_BACKOFF)),
        None => Some(backoff(attempt)),
    }
}

/// Exponential from 0.1 s, at most [`MAX_BACKOFF`], with jitter.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(100).saturating_mul(1 << attempt.min(10)).min(MAX_BACKOFF);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    base + base.mul_f64(f64::from(nanos % 1000) / 4000.0)
}

/// The message of an error body, or the status when there is none.
async fn message(resp: reqwest::Response) -> String {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let body: ErrorBody = serde_json::from_str(&text).unwrap_or_default();
    if body.message.is_empty() {
        format!("HTTP {}", status.as_u16())
    } else {
        format!("HTTP {}: {}", status.as_u16(), body.message)
    }
}

/// The typed error for an unexpected status.
async fn status_error(resp: reqwest::Response, what: &str) -> SandboxError {
    let status = resp.status().as_u16();
    let failure = match status {
        401 | 403 => Failure::Auth,
        429 => Failure::Limit,
        _ => Failure::Service,
    };
    let detail = message(resp).await;
    let text = match failure {
        Failure::Auth => format!("E2B refused the API key in E2B_API_KEY while {what} ({detail})"),
        Failure::Limit => format!(
            "E2B's limit on sandboxes (how many may run at once, or how fast they are made) was reached while {what}, and still was after {RETRIES} retries ({detail}); wait for running sandboxes to end, run fewer at once (`--parallel`), or raise the limit of your E2B plan"
        ),
        _ => format!("E2B failed while {what} ({detail})"),
    };
    cloud(failure, text)
}

fn cloud(failure: Failure, message: String) -> SandboxError {
    SandboxError::Cloud { failure, message }
}

/// A reqwest error without the URL (it is printed separately).
pub(super) fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(&format!(" ({url})"), "").replace(url.as_str(), "");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_grows_and_is_capped() {
        assert!(backoff(0) >= Duration::from_millis(100) && backoff(0) < Duration::from_millis(130));
        assert!(backoff(3) >= Duration::from_millis(800));
        assert!(backoff(12) <= MAX_BACKOFF.mul_f64(1.25));
    }
}
