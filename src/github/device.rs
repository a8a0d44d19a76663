//! The OAuth 2.0 device authorization grant (RFC 8628) as GitHub speaks it: request a
//! device and user code on the web host, then poll for the token at the given interval,
//! slowing down on `slow_down` and stopping on `expired_token` / `access_denied`.
//! No client secret is sent. Polling answers come with HTTP 200 and an `error` field.

use std::time::{Duration, Instant};

use serde::Deserialize;

use super::client::{user_agent, RetryPolicy};
use super::{GithubError, GithubResult};
use crate::config::{Config, Secret};

/// The grant type of the device flow.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Longest poll interval accepted from the server, in seconds.
const MAX_INTERVAL: u64 = 60;

/// What the user needs to authorize this device.
#[derive(Debug, Clone)]
pub struct DeviceCode {
    /// The secret the CLI polls with; never shown.
    pub device_code: Secret,
    /// The code the user types (`WDJB-MJHT`).
    pub user_code: String,
    /// Where to type it.
    pub verification_uri: String,
    /// Seconds until the codes expire.
    pub expires_in: u64,
    /// Minimum seconds between polls.
    pub interval: u64,
}

/// A granted token.
#[derive(Debug, Clone)]
pub struct Granted {
    /// The access token.
    pub token: Secret,
    /// Granted scopes, comma-separated as GitHub reports them (may be fewer than asked).
    pub scope: String,
}

/// The device flow against one configured host.
#[derive(Debug, Clone)]
pub struct DeviceFlow {
    http: reqwest::Client,
    web: String,
    client_id: String,
    scopes: String,
    policy: RetryPolicy,
}

#[derive(Debug, Deserialize)]
struct CodeBody {
    device_code: Option<String>,
    user_code: Option<String>,
    verification_uri: Option<String>,
    expires_in: Option<u64>,
    interval: Option<u64>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PollBody {
    access_token: Option<String>,
    scope: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    interval: Option<u64>,
}

impl DeviceFlow {
    /// The flow for the configured host and client id.
    pub fn new(config: &Config) -> GithubResult<Self> {
        let client_id = config.github.client_id.clone().ok_or(GithubError::NoClientId)?;
        let http = reqwest::Client::builder()
            .user_agent(user_agent())
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| GithubError::Network { url: config.github.url.clone(), message: e.to_string() })?;
        Ok(Self {
            http,
            web: config.github.url.clone(),
            client_id,
            scopes: config.github.scopes.clone(),
            policy: RetryPolicy::from_config(config),
        })
    }

    async fn post_form<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> GithubResult<(u16, T)> {
        tracing::debug!("github: POST {url}");
        let resp = self
            .http
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .map_err(|e| GithubError::Network {
                url: url.to_string(),
                message: e.to_string().replace(url, ""),
            })?;
        let status = resp.status().as_u16();
        tracing::debug!("github: POST {url} -> {status}");
        let text = resp
            .text()
            .await
            .map_err(|e| GithubError::Network { url: url.to_string(), message: e.to_string() })?;
        let body = serde_json::from_str(&text).map_err(|e| GithubError::Protocol {
            url: url.to_string(),
            message: format!("HTTP {status}, body is not JSON ({e})"),
        })?;
        Ok((status, body))
    }

    /// Step 1: asks for a device code and a user code.
    pub async fn request_code(&self) -> GithubResult<DeviceCode> {
        let url = format!("{}/login/device/code", self.web);
        let unsupported = |why: String| GithubError::DeviceFlow {
            code: "unsupported".into(),
            message: format!("{} does not offer the device flow for this client id: {why}", self.web),
        };
        let (status, body): (u16, CodeBody) =
            match self.post_form(&url, &[("client_id", &self.client_id), ("scope", &self.scopes)]).await {
                Ok(r) => r,
                Err(GithubError::Protocol { message, .. }) => return Err(unsupported(message)),
                Err(e) => return Err(e),
            };
        if let Some(err) = body.error {
            let desc = body.error_description.unwrap_or_default();
            let code = if err == "device_flow_disabled" || err == "unauthorized_client" {
                "device_flow_disabled".to_string()
            } else {
                err.clone()
            };
            return Err(GithubError::DeviceFlow {
                code,
                message: format!("device flow refused: {err} {desc}").trim().to_string(),
            });
        }
        if !(200..300).contains(&status) {
            return Err(unsupported(format!("HTTP {status}")));
        }
        match (body.device_code, body.user_code, body.verification_uri) {
            (Some(d), Some(u), Some(v)) => Ok(DeviceCode {
                device_code: Secret::new(d),
                user_code: u,
                verification_uri: v,
                // Bounded whatever the server says: a code lives at most an hour, and is
                // polled at least once a minute.
                expires_in: body.expires_in.unwrap_or(900).min(3600),
                interval: body.interval.unwrap_or(5).clamp(1, MAX_INTERVAL),
            }),
            _ => Err(unsupported("the answer has no verification_uri".into())),
        }
    }

    /// Step 2: polls until the user authorized (or refused, or the code expired).
    pub async fn wait_for_token(&self, code: &DeviceCode) -> GithubResult<Granted> {
        let url = format!("{}/login/oauth/access_token", self.web);
        let started = Instant::now();
        let mut interval = code.interval;
        loop {
            tokio::time::sleep(self.policy.capped(Duration::from_secs(interval))).await;
            let (_, body): (u16, PollBody) = self
                .post_form(
                    &url,
                    &[
                        ("client_id", &self.client_id),
                        ("device_code", code.device_code.expose()),
                        ("grant_type", GRANT_TYPE),
                    ],
                )
                .await?;
            if let Some(token) = body.access_token.filter(|t| !t.is_empty()) {
                return Ok(Granted { token: Secret::new(token), scope: body.scope.unwrap_or_default() });
            }
            let err = body.error.unwrap_or_else(|| "no_token".into());
            tracing::debug!("github: device flow poll: {err}");
            match err.as_str() {
                "authorization_pending" => {}
                "slow_down" => {
                    interval = body.interval.unwrap_or(interval + 5).max(interval + 1).min(MAX_INTERVAL);
                }
                "expired_token" => {
                    return Err(GithubError::DeviceFlow {
                        code: err,
                        message: "the login code expired before it was entered".into(),
                    })
                }
                "access_denied" => {
                    return Err(GithubError::DeviceFlow {
                        code: err,
                        message: "the authorization was denied".into(),
                    })
                }
                _ => {
                    let desc = body.error_description.unwrap_or_default();
                    return Err(GithubError::DeviceFlow {
                        message: format!("login failed: {err} {desc}").trim().to_string(),
                        code: err,
                    });
                }
            }
            if started.elapsed() > Duration::from_secs(code.expires_in) {
                return Err(GithubError::DeviceFlow {
                    code: "expired_token".into(),
                    message: "the login code expired before it was entered".into(),
                });
            }
        }
    }
}
