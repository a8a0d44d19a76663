//! Health checks behind `vibe doctor`: each check says ok, warn or fail, what it found, and
//! for anything not ok, how to fix it. Checks only read; nothing here prints.
//!
//! "ok" means proven: the model endpoint answered `/models` with a success, GitHub accepted
//! the token on `GET /user`. A feature this build does not have is never "ok".

use std::time::Duration;

use serde::Serialize;

use crate::config::{Backend, Config, ConfigError};
use crate::store::Store;
use crate::untrusted;

/// How long the GitHub check waits for `GET /user`.
const GITHUB_TIMEOUT: Duration = Duration::from_secs(5);

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Works.
    Ok,
    /// Works partly, or something optional is missing.
    Warn,
    /// Something required is broken.
    Fail,
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Short name: config, database, model, github, sandbox, e2b, supabase, git.
    pub name: &'static str,
    /// ok / warn / fail.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do, when not ok.
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self { name, status: Status::Ok, detail: detail.into(), fix: None }
    }

    fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { name, status: Status::Warn, detail: detail.into(), fix: Some(fix.into()) }
    }

    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { name, status: Status::Fail, detail: detail.into(), fix: Some(fix.into()) }
    }
}

/// The check for a configuration that does not load.
pub fn config_failed(e: &ConfigError) -> Check {
    Check::fail(
        "config",
        e.to_string(),
        "fix or remove the value named above (`vibe config path` lists the files)",
    )
}

/// Runs every check against a loaded configuration.
pub async fn run_all(config: &Config) -> Vec<Check> {
    let mut checks = vec![config_check(config), database_check(config)];
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .connect_timeout(Duration::from_secs(2))
        .build();
    let (model, github, supabase) = match &http {
        Ok(http) => {
            tokio::join!(model_check(config, http), github_check(config), supabase_check(config, http))
        }
        Err(e) => {
            let c = Check::fail("model", format!("no HTTP client: {e}"), "check the system TLS setup");
            (c.clone(), github_check(config).await, Check { name: "supabase", ..c })
        }
    };
    checks.push(model);
    checks.push(github);
    checks.push(git_check());
    checks.extend(sandbox_checks(config));
    checks.extend(e2b_check(config).await);
    checks.extend(toolchain_checks(config).await);
    checks.push(supabase);
    checks
}

fn config_check(config: &Config) -> Check {
    let mut files: Vec<String> = Vec::new();
    for v in config.values.values() {
        let s = match &v.source {
            crate::config::Source::UserFile(p)
            | crate::config::Source::RepoFile(p)
            | crate::config::Source::DotEnv(p) => p.display().to_string(),
            _ => continue,
        };
        if !files.contains(&s) {
            files.push(s);
        }
    }
    if files.is_empty() {
        Check::ok("config", "built-in defaults and environment (no configuration file in use)")
    } else {
        Check::ok("config", format!("loaded {}", files.join(", ")))
    }
}

fn database_check(config: &Config) -> Check {
    let path = config.db_path();
    match Store::open(&path) {
        Ok(store) => {
            let version = store.schema_version().unwrap_or(0);
            Check::ok("database", format!("{} (schema v{version})", path.display()))
        }
        Err(e) => {
            let err: crate::error::Error = e.into();
            Check::fail(
                "database",
                err.message,
                err.hint.unwrap_or_else(|| "check that VIBE_HOME is a writable directory".into()),
            )
        }
    }
}

/// Whether a URL points at this machine (local model servers need no key).
fn is_local(url: &str) -> bool {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if authority.starts_with('[') {
        authority.split(']').next().map_or("", |h| &authority[..h.len() + 1])
    } else {
        authority.split(':').next().unwrap_or("")
    };
    matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "0.0.0.0") || host.starts_with("127.")
}

async fn model_check(config: &Config, http: &reqwest::Client) -> Check {
    let m = &config.model;
    let local = is_local(&m.base_url);
    let shown = untrusted::url_shown(&m.base_url);
    if m.api_key.is_none() && !local {
        return Check::fail(
            "model",
            format!("no API key for {shown}"),
            "set OPENAI_API_KEY (or `vibe config set model.api_key …`), or point OPENAI_BASE_URL at a local server",
        );
    }
    if m.name.trim().is_empty() {
        return Check::fail(
            "model",
            "no model configured",
            "set VIBE_MODEL (e.g. gpt-4.1, or llama3.1 for Ollama)",
        );
    }
    let mut req = http.get(untrusted::join_url(&m.base_url, "/models"));
    if let Some(key) = &m.api_key {
        req = req.bearer_auth(key.expose());
    }
    let what = format!("{} at {shown}", m.name);
    match req.send().await {
        Ok(mut resp) if resp.status().is_success() => {
            let listed = untrusted::read_capped(&mut resp, 4 << 20)
                .await
                .ok()
                .and_then(|(bytes, _)| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
                .and_then(|v| v["data"].as_array().cloned())
                .map(|models| models.iter().any(|x| x["id"].as_str() == Some(m.name.as_str())));
            match listed {
                Some(false) => Check::warn(
                    "model",
                    format!("{what}: endpoint reachable, but it does not list model '{}'", m.name),
                    "set VIBE_MODEL to a model the endpoint serves",
                ),
                Some(true) => Check::ok("model", format!("{what} (reachable)")),
                None => Check::warn(
                    "model",
                    format!("{what}: /models answered, but not with a list of models"),
                    "check that OPENAI_BASE_URL is the server's OpenAI-compatible base URL (usually ending in /v1)",
                ),
            }
        }
        Ok(resp) if resp.status().as_u16() == 401 || resp.status().as_u16() == 403 => Check::fail(
            "model",
            format!("{what}: the endpoint refused the key ({})", resp.status()),
            "check OPENAI_API_KEY",
        ),
        Ok(resp) if resp.status().is_server_error() => Check::fail(
            "model",
            format!("{what}: the endpoint answered {} to /models", resp.status()),
            "the model server is failing: check its logs and that it has finished loading, then try again",
        ),
        // The server answered, but not with a model list: not proven to work. A 404 here
        // most often means the base URL lacks its /v1.
        Ok(resp) => Check::warn(
            "model",
            format!("{what}: /models answered {}, so the endpoint is not confirmed", resp.status()),
            "check that OPENAI_BASE_URL is the server's OpenAI-compatible base URL (usually ending in /v1)",
        ),
        Err(e) => Check::fail(
            "model",
            format!("{what}: cannot connect ({})", short_reqwest_error(&e)),
            "start the model server, or fix OPENAI_BASE_URL",
        ),
    }
}

fn short_reqwest_error(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection refused or host unreachable"
    } else {
        "request failed"
    }
}

/// Proves the token works: `GET /user` on the configured API, without retries.
async fn github_check(config: &Config) -> Check {
    use crate::github::{client::RetryPolicy, Client, GithubError};
    let token = match crate::github::auth::resolve_token(config) {
        Ok(token) => token,
        Err(GithubError::NeedsLogin { host }) => {
            return Check::warn(
                "github",
                format!("no GitHub token for {host} (needed to push and open pull requests)"),
                "run `vibe login`, or set GITHUB_TOKEN",
            )
        }
        Err(e) => {
            let err: crate::error::Error = e.into();
            return Check::warn(
                "github",
                err.message,
                err.hint.unwrap_or_else(|| "set GITHUB_TOKEN, or run `vibe login`".into()),
            );
        }
    };
    let api = untrusted::url_shown(&config.github.api_url);
    let what = format!("token from {} for {}", token.source, token.host);
    let policy = RetryPolicy { max_retries: 0, max_wait: Duration::ZERO, sleep_cap: Some(Duration::ZERO) };
    let client = match Client::with_base(&config.github.api_url, Some(token.secret.clone()), policy) {
        Ok(c) => c,
        Err(e) => return Check::fail("github", format!("{what}: {e}"), "check VIBE_GITHUB_API_URL"),
    };
    let answer = tokio::time::timeout(GITHUB_TIMEOUT, client.user()).await;
    let scrub = |text: String| crate::github::scrub(&text, token.secret.expose());
    match answer {
        Ok(Ok((user, scopes))) => {
            let lacks_repo = scopes
                .as_deref()
                .is_some_and(|s| !s.split(',').map(str::trim).any(|x| x == "repo" || x == "public_repo"));
            let scopes_shown = scopes.as_deref().map(|s| format!("; scopes: {s}")).unwrap_or_default();
            let detail = format!("{what}: signed in as {}{scopes_shown}", user.login);
            if lacks_repo {
                Check::warn(
                    "github",
                    scrub(detail),
                    "the token cannot push or open pull requests without the `repo` scope: \
                     run `vibe login` again, or use a token with `repo`",
                )
            } else {
                Check::ok("github", scrub(detail))
            }
        }
        Ok(Err(GithubError::BadCredentials { message })) => Check::fail(
            "github",
            scrub(format!("{what}: {api} rejected the token ({message})")),
            "the token was revoked or has expired: run `vibe login` again, or replace GITHUB_TOKEN",
        ),
        Ok(Err(e)) => Check::warn(
            "github",
            scrub(format!("{what}: not verified: {e}")),
            "check the network, and VIBE_GITHUB_API_URL for Enterprise hosts",
        ),
        Err(_) => Check::warn(
            "github",
            format!("{what}: not verified: {api} did not answer within {} s", GITHUB_TIMEOUT.as_secs()),
            "check the network, and VIBE_GITHUB_API_URL for Enterprise hosts",
        ),
    }
}

fn git_check() -> Check {
    match std::process::Command::new("git").arg("--version").output() {
        Ok(out) if out.status.success() => {
            Check::ok("git", String::from_utf8_lossy(&out.stdout).trim().to_string())
        }
        _ => Check::fail("git", "git is not installed", "install git (e.g. apt-get install git)"),
    }
}

fn sandbox_checks(config: &Config) -> Vec<Check> {
    match config.sandbox.backend {
        Backend::None => vec![Check::warn(
            "sandbox",
            "backend `none`: agent commands run without isolation",
            "use the local sandbox: `vibe config set sandbox.backend local` (needs bubblewrap)",
        )],
        Backend::Local => vec![local_sandbox_check()],
        // Checked against the API, with the other services.
        Backend::E2b => Vec::new(),
    }
}

/// With the e2b backend: the key is set and E2B accepts it.
async fn e2b_check(config: &Config) -> Option<Check> {
    use crate::sandbox::{Failure, SandboxError};
    if config.sandbox.backend != Backend::E2b {
        return None;
    }
    if config.e2b.api_key.is_none() {
        return Some(Check::fail(
            "e2b",
            "sandbox backend is e2b, and no E2B API key is set",
            "set E2B_API_KEY (or `vibe config set e2b.api_key`), or use the local sandbox: `vibe config set sandbox.backend local`",
        ));
    }
    let options = crate::sandbox::e2b::Options::from_settings(&config.e2b);
    let answer = tokio::time::timeout(Duration::from_secs(20), crate::sandbox::e2b::check(&options)).await;
    Some(match answer {
        Ok(Ok(())) => Check::ok("e2b", format!("{} accepts the key (template {})", config.e2b.api_url, config.e2b.template)),
        Ok(Err(SandboxError::Cloud { failure: Failure::Auth, message })) => Check::fail(
            "e2b",
            message,
            "set a valid key in E2B_API_KEY (or `vibe config set e2b.api_key`); keys are on https://e2b.dev/dashboard",
        ),
        Ok(Err(e)) => Check::fail("e2b", e.to_string(), "check the network and `vibe config get e2b.api_url`"),
        Err(_) => Check::fail(
            "e2b",
            format!("{} did not answer in 20 s", config.e2b.api_url),
            "check the network and `vibe config get e2b.api_url`",
        ),
    })
}

fn local_sandbox_check() -> Check {
    let probe = crate::sandbox::local::probe();
    if probe.available {
        Check::ok("sandbox", format!("{}: {}", probe.mechanism, probe.detail))
    } else {
        Check::fail(
            "sandbox",
            format!("{}: {}", probe.mechanism, probe.detail),
            "install bubblewrap (apt-get install bubblewrap) and allow unprivileged user namespaces; \
             or opt out with `--sandbox none` at your own risk",
        )
    }
}

/// For the repository vibe stands in: each kind of project it holds, its toolchain's version
/// and whether its dependencies resolve, run inside a real sandbox of the repository.
async fn toolchain_checks(config: &Config) -> Vec<Check> {
    let Some(repo) = config.repo.clone() else { return Vec::new() };
    let projects = crate::sandbox::projects::detect(&repo);
    if projects.is_empty()
        || config.sandbox.backend != Backend::Local
        || !crate::sandbox::local::probe().available
    {
        return Vec::new();
    }
    let mut policy = crate::sandbox::Policy::from_settings(&config.sandbox);
    policy.command_timeout = policy.command_timeout.min(Duration::from_secs(60));
    policy.hidden_paths = [Some(config.home.clone()), config.user_file.parent().map(Into::into)]
        .into_iter()
        .flatten()
        .collect();
    let spec = crate::sandbox::SandboxSpec {
        repo,
        base: None,
        allow_dirty: true,
        dir: config.home.join("doctor").join(crate::store::new_id()),
        policy,
        host_env: std::env::vars().collect(),
        label: "doctor".into(),
    };
    let sandbox = match crate::sandbox::Sandboxes::default().create(Backend::Local, spec).await {
        Ok((sandbox, _)) => sandbox,
        Err(e) => {
            return vec![Check::warn(
                "toolchain",
                format!("cannot make a sandbox of this repository: {e}"),
                "run `vibe doctor` again; if it persists, check the repository with `git status`",
            )]
        }
    };
    let mut checks = Vec::new();
    for project in projects {
        let run = |script: String| {
            let sandbox = &sandbox;
            async move { sandbox.run(crate::sandbox::CommandRequest::shell(script), None, None).await }
        };
        let first_line = |o: &crate::sandbox::CommandOutcome| {
            let text = if o.stdout.trim().is_empty() { &o.stderr } else { &o.stdout };
            let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
            if o.timed_out {
                "timed out".to_string()
            } else {
                line
            }
        };
        let lang = project.language;
        let version = match run(project.version.clone()).await {
            Ok(o) if o.success() => first_line(&o),
            Ok(o) => {
                let why = first_line(&o);
                checks.push(Check::warn(
                    "toolchain",
                    format!("{lang}: `{}` fails in the sandbox: {why}", project.version),
                    project.install_hint,
                ));
                continue;
            }
            Err(e) => {
                checks.push(Check::warn("toolchain", format!("{lang}: {e}"), project.install_hint));
                continue;
            }
        };
        match &project.dependencies {
            None => checks.push(Check::ok("toolchain", format!("{lang}: {version}"))),
            Some(probe) => match run(probe.clone()).await {
                Ok(o) if o.success() => checks
                    .push(Check::ok("toolchain", format!("{lang}: {version}; dependencies found offline"))),
                Ok(o) => checks.push(Check::warn(
                    "toolchain",
                    format!("{lang}: {version}; dependencies missing in the sandbox: {}", first_line(&o)),
                    project.deps_hint,
                )),
                Err(e) => checks.push(Check::warn("toolchain", format!("{lang}: {e}"), project.deps_hint)),
            },
        }
    }
    let _ = sandbox.destroy().await;
    checks
}

async fn supabase_check(config: &Config, http: &reqwest::Client) -> Check {
    let s = &config.supabase;
    match (&s.url, &s.key) {
        (None, None) => Check::ok("supabase", "not configured: tracking stays local"),
        (Some(_), None) | (None, Some(_)) => Check::fail(
            "supabase",
            "only one of SUPABASE_URL and SUPABASE_KEY is set",
            "set both to mirror the history to Supabase, or neither",
        ),
        (Some(raw), Some(key)) => {
            let url = untrusted::url_shown(raw);
            let resp = http
                .get(untrusted::join_url(raw, "/rest/v1/"))
                .header("apikey", key.expose())
                .bearer_auth(key.expose())
                .send()
                .await;
            match resp {
                Ok(r) if r.status().is_success() => member_check(config, raw, key, &url),
                Ok(r) if r.status().as_u16() == 401 || r.status().as_u16() == 403 => Check::fail(
                    "supabase",
                    format!("{url} refused the key ({})", r.status()),
                    "check SUPABASE_KEY (a service_role or secret key for your own project)",
                ),
                Ok(r) => {
                    Check::warn("supabase", format!("{url} answered {}", r.status()), "check SUPABASE_URL")
                }
                Err(e) => Check::fail(
                    "supabase",
                    format!("{url}: cannot connect ({})", short_reqwest_error(&e)),
                    "check SUPABASE_URL and that the project is active",
                ),
            }
        }
    }
}

/// Who the mirror signs in as: the secret key itself, or a member's stored session.
fn member_check(config: &Config, raw: &str, key: &crate::config::Secret, url: &str) -> Check {
    use crate::sync::{auth, KeyKind};
    if KeyKind::of(key.expose()) == KeyKind::Secret {
        return Check::ok("supabase", format!("{url} (reachable, with the project's secret key)"));
    }
    let store = auth::session_store(config, raw);
    match auth::stored_session(&store) {
        Ok(Some(s)) => Check::ok("supabase", format!("{url} (reachable), signed in as {}", s.email)),
        Ok(None) => Check::warn(
            "supabase",
            format!("{url} (reachable); SUPABASE_KEY is a publishable key and nobody is signed in"),
            "run `vibe sync login` to sync as a team member",
        ),
        Err(e) => Check::warn("supabase", format!("{url} (reachable); {e}"), "run `vibe sync login`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_urls_need_no_key() {
        assert!(is_local("http://localhost:11434/v1"));
        assert!(is_local("http://127.0.0.1:8080/v1"));
        assert!(!is_local("https://api.openai.com/v1"));
        assert!(is_local("http://user:pass@127.0.0.1:8080/v1?api-key=x"));
        assert!(is_local("http://[::1]:8080/v1"));
        assert!(!is_local("http://localhost.attacker.example/v1"));
    }
}
