//! The HTTP client: one `POST {base_url}/chat/completions` per attempt, retried with
//! exponential backoff and jitter on 408/409/429/5xx, connection errors, timeouts and cut
//! streams, honouring `Retry-After` up to [`MAX_RETRY_WAIT`]; never retried on
//! 400/401/403/404 or `insufficient_quota`.
//!
//! Whatever the server sends is bounded: waits (see [`wire::retry_after`]), bodies
//! ([`MAX_BODY`], [`MAX_ERROR_BODY`]) and the messages it puts into errors
//! ([`untrusted::server_text`], with the key and the URL's credentials scrubbed).

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::error::LlmError;
use super::sse::{Assembler, SseEvent, SseParser};
use super::wire::MAX_RETRY_WAIT;
use super::wire::{self, ApiError, Completion, MaxTokensField};
use super::{price, tokens, ChatRequest, ChatResponse, Progress, StreamProgress, Usage};
use crate::config::ModelSettings;
use crate::untrusted;

/// Largest answer read from the server (a JSON completion or a whole stream).
pub const MAX_BODY: usize = 32 << 20;
/// Largest error body read; the rest is dropped.
pub const MAX_ERROR_BODY: usize = 64 << 10;
/// Longest computed backoff.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A client for one OpenAI-compatible endpoint. Cheap to share by reference; `chat` may be
/// called concurrently.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    settings: ModelSettings,
    endpoint: String,
    /// The base URL as errors show it: credentials hidden.
    shown_base: String,
    max_field: MaxTokensField,
    retry_base: Duration,
    /// In `auto` structured-output mode: the server rejected `json_schema` once, so later
    /// calls ask for JSON in the prompt straight away.
    pub(crate) schema_rejected: AtomicBool,
}

/// Why one attempt failed, and whether another may succeed.
enum Failure {
    Fatal(LlmError),
    Retry(LlmError, Option<Duration>),
}

impl Client {
    /// Checks the settings without building a client: a model name is set, the base URL is
    /// an http(s) URL, and there is an API key when the endpoint is OpenAI's (local servers
    /// need none). Commands call this before any work so a missing setting costs nothing.
    pub fn check(settings: &ModelSettings) -> Result<(), LlmError> {
        if !crate::config::is_http_url(&settings.base_url) {
            return Err(LlmError::BadEndpoint {
                base_url: untrusted::url_shown(&settings.base_url),
                message: "expected an http:// or https:// URL".into(),
            });
        }
        if settings.name.trim().is_empty() {
            return Err(LlmError::MissingModel);
        }
        let needs_key = wire::host_of(&settings.base_url).ends_with("openai.com");
        let has_key = settings.api_key.as_ref().is_some_and(|k| !k.expose().trim().is_empty());
        if needs_key && !has_key {
            return Err(LlmError::MissingKey { base_url: untrusted::url_shown(&settings.base_url) });
        }
        Ok(())
    }

    /// A client for the configured endpoint (see [`Client::check`] for what is verified).
    pub fn new(settings: &ModelSettings) -> Result<Client, LlmError> {
        Self::check(settings)?;
        let timeout = Duration::from_secs(settings.timeout_secs.max(1));
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(15)))
            .user_agent(concat!("vibe/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LlmError::BadEndpoint {
                base_url: untrusted::url_shown(&settings.base_url),
                message: untrusted::scrub_url(&e.to_string(), &settings.base_url),
            })?;
        let base = settings.base_url.trim_end_matches('/');
        Ok(Client {
            http,
            endpoint: untrusted::join_url(base, "/chat/completions"),
            shown_base: untrusted::url_shown(base),
            max_field: MaxTokensField::resolve(&settings.max_tokens_field, base),
            retry_base: Duration::from_millis(settings.retry_base_ms),
            settings: settings.clone(),
            schema_rejected: AtomicBool::new(false),
        })
    }

    /// The settings this client was made from.
    pub fn settings(&self) -> &ModelSettings {
        &self.settings
    }

    /// Usage with its estimated cost, from token counts (`cached_tokens` of the prompt priced
    /// at the cached rate).
    pub fn usage(
        &self,
        model: &str,
        prompt_tokens: u64,
        cached_tokens: u64,
        completion_tokens: u64,
        estimated: bool,
    ) -> Usage {
        let cached_tokens = cached_tokens.min(prompt_tokens);
        Usage {
            model: model.to_string(),
            prompt_tokens,
            cached_tokens,
            completion_tokens,
            cost_usd: price::cost(
                model,
                prompt_tokens,
                cached_tokens,
                completion_tokens,
                &self.settings.prices,
            ),
            estimated,
            duration_ms: 0,
        }
    }

    /// One chat completion. Streams when `req.stream` (reporting progress to `progress`),
    /// retries transient failures, and fills in usage (counted when the server sends none).
    pub async fn chat(&self, req: &ChatRequest, progress: Progress<'_>) -> Result<ChatResponse, LlmError> {
        let body = wire::request_body(req, self.max_field);
        let started = Instant::now();
        let attempts = self.settings.max_retries.saturating_add(1);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if let Some(p) = progress {
                p(StreamProgress { tokens: 0, elapsed: started.elapsed(), attempt, waiting: None });
            }
            match self.attempt(req, &body, started, attempt, progress).await {
                Ok(c) => {
                    let mut response = self.response(req, c);
                    response.usage.duration_ms =
                        u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    return Ok(response);
                }
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Retry(e, _)) if attempt >= attempts => return Err(e),
                Err(Failure::Retry(e, wait)) => {
                    let delay = self.backoff(attempt, wait);
                    tracing::info!("model request failed ({e}); retrying in {} ms", delay.as_millis());
                    if let Some(p) = progress {
                        p(StreamProgress {
                            tokens: 0,
                            elapsed: started.elapsed(),
                            attempt,
                            waiting: Some(delay),
                        });
                    }
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// Delay before the next attempt: exponential from the base with "equal jitter"
    /// (half fixed, half random), never shorter than what the server asked for.
    fn backoff(&self, attempt: u32, server_wait: Option<Duration>) -> Duration {
        let exp = self.retry_base.saturating_mul(1u32 << (attempt - 1).min(16)).min(MAX_BACKOFF);
        let half = exp / 2;
        let jitter = half.mul_f64(random_unit());
        let computed = half + jitter;
        match server_wait {
            Some(w) => w.min(MAX_RETRY_WAIT).max(computed),
            None => computed,
        }
    }

    fn response(&self, req: &ChatRequest, c: Completion) -> ChatResponse {
        let usage = match c.usage {
            Some((p, out)) => self.usage(&req.model, p, c.cached, out, false),
            None => {
                let prompt: usize =
                    req.messages.iter().map(|m| tokens::estimate_message(m.text())).sum::<usize>()
                        + req
                            .tools
                            .iter()
                            .map(|t| {
                                tokens::estimate(&t.description) + tokens::estimate(&t.parameters.to_string())
                            })
                            .sum::<usize>();
                let completion = c.content.as_deref().map_or(0, tokens::estimate)
                    + c.tool_calls.iter().map(|t| tokens::estimate(&t.arguments) + 4).sum::<usize>();
                self.usage(&req.model, prompt as u64, 0, completion as u64, true)
            }
        };
        ChatResponse {
            content: c.content,
            tool_calls: c.tool_calls,
            finish_reason: c.finish_reason,
            refusal: c.refusal,
            usage,
        }
    }

    async fn attempt(
        &self,
        req: &ChatRequest,
        body: &Value,
        started: Instant,
        attempt: u32,
        progress: Progress<'_>,
    ) -> Result<Completion, Failure> {
        let mut rb = self.http.post(&self.endpoint).json(body);
        if let Some(key) = &self.settings.api_key {
            if !key.expose().is_empty() {
                rb = rb.bearer_auth(key.expose());
            }
        }
        let mut resp = rb.send().await.map_err(|e| self.transport(&e, attempt))?;
        let status = resp.status();
        if let Some(id) = resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()) {
            tracing::debug!("model request id {}", untrusted::server_text(id));
        }
        if !status.is_success() {
            let wait = wire::retry_after(resp.headers(), status.as_u16(), time::OffsetDateTime::now_utc());
            let text = match untrusted::read_capped(&mut resp, MAX_ERROR_BODY).await {
                Ok((bytes, _)) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(_) => String::new(),
            };
            return Err(self.classify(status, &wire::parse_error(&text), wait, attempt, &req.model));
        }
        let is_sse = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/event-stream"));
        if is_sse {
            return self.read_stream(resp, started, attempt, progress).await;
        }
        let (bytes, cut) =
            untrusted::read_capped(&mut resp, MAX_BODY).await.map_err(|e| self.transport(&e, attempt))?;
        if cut {
            return Err(Failure::Fatal(LlmError::Protocol { message: too_large() }));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            Failure::Fatal(LlmError::Protocol {
                message: format!(
                    "the response is not JSON ({e}): {}",
                    self.clean(&String::from_utf8_lossy(&bytes[..bytes.len().min(800)]))
                        .chars()
                        .take(200)
                        .collect::<String>()
                ),
            })
        })?;
        if value.get("choices").is_none() {
            if let Some(err) = wire::error_from_json(&value) {
                return Err(Failure::Fatal(LlmError::StreamError { message: self.clean(&err.message) }));
            }
        }
        wire::parse_completion(&value)
            .map_err(|message| Failure::Fatal(LlmError::Protocol { message: self.clean(&message) }))
    }

    async fn read_stream(
        &self,
        mut resp: reqwest::Response,
        started: Instant,
        attempt: u32,
        progress: Progress<'_>,
    ) -> Result<Completion, Failure> {
        let mut parser = SseParser::default();
        let mut asm = Assembler::default();
        let mut read = 0usize;
        'read: loop {
            let chunk = match resp.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) if e.is_timeout() => return Err(self.transport(&e, attempt)),
                Err(e) => {
                    tracing::debug!("stream read failed: {}", self.clean(&e.to_string()));
                    break;
                }
            };
            read = read.saturating_add(chunk.len());
            if read > MAX_BODY {
                return Err(Failure::Fatal(LlmError::Protocol { message: too_large() }));
            }
            for ev in parser.push(&chunk) {
                match ev {
                    SseEvent::Done => {
                        asm.done = true;
                        break 'read;
                    }
                    SseEvent::Data(d) => asm.apply(&d).map_err(|e| self.stream_error(e, attempt))?,
                }
            }
            if let Some(p) = progress {
                p(StreamProgress { tokens: asm.tokens, elapsed: started.elapsed(), attempt, waiting: None });
            }
        }
        // The answer may arrive in one read that ends with [DONE]: its tokens are still reported.
        if let Some(p) = progress {
            p(StreamProgress { tokens: asm.tokens, elapsed: started.elapsed(), attempt, waiting: None });
        }
        if !asm.done {
            for ev in parser.finish() {
                match ev {
                    SseEvent::Done => asm.done = true,
                    // A last event cut in the middle is not an answer.
                    SseEvent::Data(d) => {
                        let _ = asm.apply(&d);
                    }
                }
            }
        }
        if !asm.complete() {
            return Err(Failure::Retry(LlmError::StreamCut { attempts: attempt }, None));
        }
        Ok(asm.finish())
    }

    /// A server's text made fit for an error: the key and the base URL's credentials
    /// scrubbed, control characters replaced, length bounded.
    fn clean(&self, text: &str) -> String {
        let mut text = untrusted::scrub_url(text, &self.settings.base_url);
        if let Some(key) = &self.settings.api_key {
            text = crate::github::scrub(&text, key.expose());
        }
        untrusted::server_text(&text)
    }

    fn stream_error(&self, e: ApiError, attempt: u32) -> Failure {
        let e = ApiError { message: self.clean(&e.message), ..e };
        let transient = [e.kind.as_deref(), e.code.as_deref()].iter().flatten().any(|k| {
            let k = k.to_ascii_lowercase();
            k.contains("server")
                || k.contains("overload")
                || k.contains("rate_limit")
                || k.contains("timeout")
        });
        if e.kind.is_none() && e.code.is_none() && e.message.starts_with("invalid JSON in stream event") {
            return Failure::Fatal(LlmError::Protocol { message: e.message });
        }
        let _ = attempt;
        if transient {
            Failure::Retry(LlmError::StreamError { message: e.message }, None)
        } else {
            Failure::Fatal(LlmError::StreamError { message: e.message })
        }
    }

    fn transport(&self, e: &reqwest::Error, attempt: u32) -> Failure {
        if e.is_timeout() {
            return Failure::Retry(
                LlmError::Timeout { secs: self.settings.timeout_secs, attempts: attempt },
                None,
            );
        }
        let mut message = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Failure::Retry(
            LlmError::Connect {
                base_url: self.shown_base.clone(),
                attempts: attempt,
                message: self.clean(&message),
            },
            None,
        )
    }

    fn classify(
        &self,
        status: reqwest::StatusCode,
        e: &ApiError,
        wait: Option<Duration>,
        attempt: u32,
        model: &str,
    ) -> Failure {
        let code = status.as_u16();
        let message = self.clean(&e.message);
        match code {
            401 | 403 => Failure::Fatal(LlmError::Unauthorized {
                status: code,
                reason: status.canonical_reason().unwrap_or("").to_string(),
                message,
            }),
            404 => Failure::Fatal(LlmError::ModelNotFound {
                model: model.to_string(),
                base_url: self.shown_base.clone(),
                message,
            }),
            429 if [e.code.as_deref(), e.kind.as_deref()].contains(&Some("insufficient_quota")) => {
                Failure::Fatal(LlmError::QuotaExceeded { message })
            }
            429 => Failure::Retry(LlmError::RateLimited { attempts: attempt, message }, wait),
            408 | 409 | 500..=599 => {
                Failure::Retry(LlmError::Server { status: code, attempts: attempt, message }, wait)
            }
            _ => Failure::Fatal(LlmError::BadRequest { status: code, code: e.code.clone(), message }),
        }
    }
}

fn too_large() -> String {
    format!("the answer is larger than {} MiB", MAX_BODY >> 20)
}

/// A uniformly distributed number in [0, 1) from the standard library's randomly seeded
/// hasher (jitter needs no better randomness).
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    pub(crate) fn settings(base_url: &str) -> ModelSettings {
        ModelSettings {
            base_url: base_url.into(),
            api_key: None,
            name: "gpt-4.1".into(),
            fast: "gpt-4.1-mini".into(),
            structured_output: "auto".into(),
            max_tokens_field: "auto".into(),
            timeout_secs: 30,
            max_retries: 4,
            retry_base_ms: 100,
            prices: Default::default(),
        }
    }

    #[test]
    fn missing_settings_are_caught_before_any_request() {
        let mut s = settings("https://api.openai.com/v1");
        assert!(matches!(Client::check(&s), Err(LlmError::MissingKey { .. })));
        s.api_key = Some(Secret::new("sk-test"));
        assert!(Client::check(&s).is_ok());
        s.name = " ".into();
        assert!(matches!(Client::check(&s), Err(LlmError::MissingModel)));
        // Local servers need no key.
        assert!(Client::check(&settings("http://127.0.0.1:11434/v1")).is_ok());
        assert!(matches!(Client::check(&settings("localhost:1234")), Err(LlmError::BadEndpoint { .. })));
    }

    #[test]
    fn backoff_grows_with_jitter_and_honours_the_server() {
        let c = Client::new(&settings("http://127.0.0.1:9/v1")).unwrap();
        for attempt in 1..=4 {
            let full = Duration::from_millis(100 * (1 << (attempt - 1)));
            let d = c.backoff(attempt, None);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
        assert!(c.backoff(1, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
        assert_eq!(c.backoff(1, Some(Duration::from_secs(3600))), MAX_RETRY_WAIT);
        assert!(c.backoff(40, None) <= MAX_BACKOFF);
    }
}
