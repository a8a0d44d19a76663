//! Opening pull requests: push the branch (to a fork when the user cannot push), open the
//! PR or find the one already open for that head. [`open`] returns what GitHub answered and
//! leaves recording it to the caller ([`record_opened`]); [`readiness`] is the cheap check a
//! job makes first. The PR body is built by the pure [`render_body`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Client, Created, NewPull, Pull, Repo, User};
use super::{auth, host_of, ids, push, GithubError, GithubResult, RepoRef};
use crate::clock::Clock;
use crate::config::Config;
use crate::store::{PrRecord, Store, UserRecord};

/// What to open.
#[derive(Debug, Clone, Default)]
pub struct PrOptions {
    /// Branch to push and open from (default: the job's branch, else the current branch).
    pub branch: Option<String>,
    /// Branch to merge into (default: the repository's default branch).
    pub base: Option<String>,
    /// Title (default: the CRS summary of the job, else the head commit's summary).
    pub title: Option<String>,
    /// Body (default: built from the job, else a short note).
    pub body: Option<String>,
    /// Open as a draft.
    pub draft: bool,
    /// The job whose result the PR carries.
    pub job: Option<JobContext>,
    /// The local repository (default: the job's, else the configured repository).
    pub repo_path: Option<PathBuf>,
}

/// The job a pull request carries: what its branch, title and body come from. The caller
/// hands it over, so opening a PR never reads the job back from the store.
#[derive(Debug, Clone)]
pub struct JobContext {
    /// The job id.
    pub id: String,
    /// Where the job is (`done`, `failed`, …), for messages.
    pub status: String,
    /// The branch the job committed to, if it did.
    pub branch: Option<String>,
    /// The repository the job ran in.
    pub repo_path: Option<PathBuf>,
    /// The job's change request.
    pub crs: Option<crate::crs::Crs>,
    /// The job's result (the jobs engine's `JobResult` as JSON; `null` when there is none).
    pub result: Value,
}

/// The outcome of [`open`]: what GitHub answered, not yet recorded.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The repository the PR is on.
    pub repo: RepoRef,
    /// The pull request as GitHub reports it.
    pub pull: Pull,
    /// The user the token belongs to.
    pub author: User,
    /// The commit the branch pointed at when it was pushed.
    pub head_sha: String,
    /// The job the PR carries.
    pub job_id: Option<String>,
    /// The PR was already open for this head; nothing new was opened.
    pub existed: bool,
    /// `owner/name` of the fork the branch was pushed to, when the user could not push.
    pub fork: Option<String>,
    /// Where the branch was pushed (a URL without credentials).
    pub pushed_to: String,
}

/// Whether a PR can be opened from this repository now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Readiness {
    /// A GitHub remote and a token are there.
    Ready {
        /// The repository `origin` names.
        repo: RepoRef,
    },
    /// Something is missing; the job can end at its commit.
    NotReady {
        /// What is missing.
        reason: String,
        /// What to do about it.
        fix: Option<String>,
    },
}

/// Cheap, offline check: an `origin` on the configured GitHub host and a token.
pub fn readiness(config: &Config, repo_path: &Path) -> Readiness {
    let not_ready = |e: GithubError| {
        let shown: crate::error::Error = e.into();
        Readiness::NotReady { reason: shown.message, fix: shown.hint }
    };
    let upstream = match upstream_of(config, repo_path) {
        Ok(r) => r,
        Err(e) => return not_ready(e),
    };
    match auth::resolve_token(config) {
        Ok(_) => Readiness::Ready { repo: upstream },
        Err(e) => not_ready(e),
    }
}

/// The repository `origin` points at, checked against the configured host.
pub fn upstream_of(config: &Config, repo_path: &Path) -> GithubResult<RepoRef> {
    let host = host_of(&config.github.url);
    let upstream = push::origin(repo_path, &host)?.ok_or_else(|| GithubError::Local {
        message: "this repository has no `origin` remote on GitHub".into(),
        hint: "add one: git remote add origin https://github.com/OWNER/REPO.git".into(),
    })?;
    if !upstream.host.eq_ignore_ascii_case(&host) {
        return Err(GithubError::Local {
            message: format!("`origin` points at {}, but vibe is configured for {host}", upstream.host),
            hint: format!(
                "for GitHub Enterprise set VIBE_GITHUB_URL=https://{0} and VIBE_GITHUB_API_URL=https://{0}/api/v3",
                upstream.host
            ),
        });
    }
    Ok(upstream)
}

/// Pushes the branch and opens (or finds) its pull request. Nothing is recorded: the caller
/// keeps the answer with [`record_opened`].
pub async fn open(config: &Config, opts: PrOptions) -> GithubResult<Opened> {
    let job = opts.job.as_ref();
    let job_repo = job.and_then(|j| j.repo_path.clone()).filter(|p| p.is_dir());
    let repo_path = match opts.repo_path.clone().or(job_repo) {
        Some(p) => p,
        None => config.repo.clone().ok_or_else(|| GithubError::Local {
            message: "not inside a git repository".into(),
            hint: "run vibe inside a git repository, or pass --repo PATH".into(),
        })?,
    };
    let upstream = upstream_of(config, &repo_path)?;
    if let Some(j) = job.filter(|j| j.branch.is_none() && opts.branch.is_none()) {
        return Err(GithubError::Local {
            message: format!(
                "job {} has no branch to open a pull request from (it is {})",
                short(&j.id),
                j.status
            ),
            hint: format!("only a job that committed has a branch; see `vibe jobs show {}`", short(&j.id)),
        });
    }
    let branch = match opts.branch.clone().or_else(|| job.and_then(|j| j.branch.clone())) {
        Some(b) => b,
        None => push::current_branch(&repo_path)?.ok_or_else(|| GithubError::Local {
            message: "HEAD is not on a branch".into(),
            hint: "name the branch with --branch".into(),
        })?,
    };
    let head_sha = push::branch_head(&repo_path, &branch)?;
    let token = auth::resolve_token(config)?;
    let client = Client::new(config, Some(token.secret.clone()))?;
    let (me, _) = client.user().await?;
    let upstream_repo = client.repo(&upstream).await?;
    let base = opts.base.clone().unwrap_or_else(|| upstream_repo.default_branch.clone());
    if base == branch {
        return Err(GithubError::Local {
            message: format!("`{branch}` is the base branch itself"),
            hint: "commit the change on its own branch (git switch -c NAME) and pass --branch NAME".into(),
        });
    }
    let upstream = RepoRef {
        host: upstream.host.clone(),
        owner: upstream_repo.owner.login.clone(),
        name: upstream_repo.name.clone(),
    };
    let can_push = upstream_repo.permissions.as_ref().is_some_and(|p| p.push);
    let (push_repo, head_owner, fork) = if can_push {
        (upstream.clone(), upstream.owner.clone(), None)
    } else {
        let fork = client.fork(&upstream).await?;
        let fork_ref =
            RepoRef { host: upstream.host.clone(), owner: fork.owner.login.clone(), name: fork.name.clone() };
        wait_for_fork(&client, &fork_ref).await?;
        (fork_ref, fork.owner.login.clone(), Some(fork.full_name.clone()))
    };
    let url = push::clone_url(&config.github.url, &push_repo);
    push::push_branch(&repo_path, &branch, &url, &token.secret)?;

    let title = match opts.title.clone() {
        Some(t) => t,
        None => default_title(job, &repo_path, &branch)?,
    };
    let body = match (&opts.body, job) {
        (Some(b), _) => b.clone(),
        (None, Some(j)) => render_body(&body_input_from(&j.id, j.crs.as_ref(), &j.result)),
        (None, None) => "Opened with vibe.".to_string(),
    };
    let body = scrub_secrets(config, &body, token.secret.expose());
    let title = scrub_secrets(config, &title, token.secret.expose());
    let head = if fork.is_some() { format!("{head_owner}:{branch}") } else { branch.clone() };
    let new = NewPull {
        title: &title,
        head: &head,
        base: &base,
        body: &body,
        draft: opts.draft,
        maintainer_can_modify: fork.as_ref().map(|_| true),
    };
    let (pull, existed) = match client.create_pull(&upstream, &new).await? {
        Created::New(p) => (*p, false),
        Created::AlreadyExists => match client.find_open_pull(&upstream, &head_owner, &branch).await? {
            Some(p) => (p, true),
            None => {
                return Err(GithubError::Validation {
                    message: format!(
                        "GitHub says a pull request for {head_owner}:{branch} exists, but none is open"
                    ),
                    errors: vec![],
                })
            }
        },
    };
    Ok(Opened {
        repo: upstream,
        pull,
        author: me,
        head_sha,
        job_id: job.map(|j| j.id.clone()),
        existed,
        fork,
        pushed_to: crate::untrusted::url_shown(&url),
    })
}

/// Records an opened pull request and its author in the history.
pub fn record_opened(store: &mut Store, clock: &Clock, opened: &Opened) -> GithubResult<PrRecord> {
    let user = record_user(store, clock, &opened.repo.host, &opened.author, false)?;
    record_pull(
        store,
        clock,
        &opened.repo,
        &opened.pull,
        opened.job_id.clone(),
        Some(user.id),
        Some(opened.head_sha.clone()),
    )
}

/// Redacts the token and every configured secret (model key, E2B and Supabase keys, …) from
/// text that leaves the machine, such as a PR body built from agent output.
pub(crate) fn scrub_secrets(config: &Config, text: &str, token: &str) -> String {
    let mut out = super::scrub(text, token);
    for key in crate::config::KEYS.iter().filter(|k| k.secret) {
        if let Some(v) = config.values.get(key.name) {
            if v.raw.len() >= 8 {
                out = super::scrub(&out, &v.raw);
            }
        }
    }
    out
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Polls a new fork until GitHub serves it (forking is asynchronous).
async fn wait_for_fork(client: &Client, fork: &RepoRef) -> GithubResult<Repo> {
    let mut last = None;
    for attempt in 0..8u64 {
        match client.repo(fork).await {
            Ok(r) => return Ok(r),
            Err(e @ GithubError::NotFound { .. }) => last = Some(e),
            Err(e) => return Err(e),
        }
        tokio::time::sleep(client.policy().capped(Duration::from_secs(1 + attempt * 2))).await;
    }
    Err(last.unwrap_or(GithubError::NotFound { what: format!("fork {}", fork.full_name()) }))
}

/// Inserts or refreshes a GitHub profile in `users`; `login` marks it as logged in now.
pub fn record_user(
    store: &mut Store,
    clock: &Clock,
    host: &str,
    me: &super::client::User,
    login: bool,
) -> GithubResult<UserRecord> {
    let now = clock.now_ts();
    Ok(store.upsert_user(&UserRecord {
        id: ids::user_id(host, me.id),
        github_host: host.to_string(),
        github_id: me.id,
        login: me.login.clone(),
        name: me.name.clone(),
        email: me.email.clone(),
        avatar_url: me.avatar_url.clone(),
        html_url: me.html_url.clone(),
        last_login_at: login.then(|| now.clone()),
        created_at: now.clone(),
        updated_at: now,
    })?)
}

/// Writes a pull request as GitHub reports it into `pr_records`.
pub fn record_pull(
    store: &mut Store,
    clock: &Clock,
    repo: &RepoRef,
    pull: &Pull,
    job_id: Option<String>,
    user_id: Option<String>,
    head_sha: Option<String>,
) -> GithubResult<PrRecord> {
    let now = clock.now_ts();
    let full = repo.full_name();
    Ok(store.upsert_pr(&PrRecord {
        id: ids::pr_id(&repo.host, &full, pull.number),
        job_id,
        user_id,
        github_host: repo.host.clone(),
        repo_full_name: full,
        pr_number: pull.number,
        pr_url: pull.html_url.clone(),
        state: pull.record_state().to_string(),
        draft: pull.draft,
        title: Some(pull.title.clone()),
        head_ref: Some(pull.head.ref_name.clone()),
        base_ref: Some(pull.base.ref_name.clone()),
        head_sha: head_sha.or_else(|| pull.head.sha.clone()),
        created_at: now.clone(),
        updated_at: now,
    })?)
}

fn default_title(job: Option<&JobContext>, repo: &Path, branch: &str) -> GithubResult<String> {
    if let Some(s) = job.and_then(|j| j.crs.as_ref()).map(|c| &c.summary).filter(|s| !s.trim().is_empty()) {
        return Ok(first_line(s, 72));
    }
    let s = push::head_summary(repo, branch)?;
    Ok(if s.is_empty() { branch.to_string() } else { first_line(&s, 72) })
}

fn first_line(s: &str, max: usize) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    if line.chars().count() <= max {
        line.to_string()
    } else {
        let cut: String = line.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Everything the PR body shows; built from a job and its CRS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BodyInput {
    /// The job id.
    pub job_id: String,
    /// The CRS summary (or the job's own summary).
    pub summary: Option<String>,
    /// One row per acceptance criterion.
    pub criteria: Vec<CriterionRow>,
    /// Test commands the job ran.
    pub tests: Vec<TestRow>,
    /// Files the job changed.
    pub files_changed: Vec<FileRow>,
    /// Whether the job passed (`Some(false)`: a draft opened with `--pr-on-failure`).
    #[serde(default)]
    pub passed: Option<bool>,
    /// Why the agent stopped before finishing, if it did.
    #[serde(default)]
    pub stopped: Option<String>,
}

/// A changed file and its line counts, when known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRow {
    pub path: String,
    pub added: Option<u64>,
    pub removed: Option<u64>,
}

/// An acceptance criterion and whether the job showed it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionRow {
    pub id: String,
    pub description: String,
    /// `met`, `not met` or `unknown`.
    pub result: String,
    pub evidence: Option<String>,
}

/// A test command and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestRow {
    pub command: String,
    pub passed: Option<bool>,
}

/// Builds the body input from a job's result (the jobs engine's `JobResult` as JSON) and
/// its CRS. Pure.
///
/// Reads `summary`, `files` (objects with `path`, `added`, `removed`; or `files_changed` as
/// a list of paths), `checks` (objects with `command` and `passed`/`exit_code`) and
/// `criteria` (objects with `id`, `description`, `holds` (or `met`/`status`) and `evidence`).
pub fn body_input_from(job_id: &str, crs: Option<&crate::crs::Crs>, result: &Value) -> BodyInput {
    let text = |v: &Value, keys: &[&str]| {
        keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
    };
    let list = |keys: &[&str]| -> Vec<Value> {
        keys.iter().find_map(|k| result.get(*k).and_then(Value::as_array).cloned()).unwrap_or_default()
    };
    let files_changed = list(&["files", "files_changed"])
        .iter()
        .filter_map(|f| {
            let path = f.as_str().map(str::to_string).or_else(|| text(f, &["path"]))?;
            let n = |k: &str| f.get(k).and_then(Value::as_u64);
            Some(FileRow { path, added: n("added"), removed: n("removed") })
        })
        .collect();
    let tests = list(&["checks", "tests", "test_results"])
        .iter()
        .filter_map(|t| {
            let command = text(t, &["command", "name"])?;
            let passed = ["passed", "success", "ok"]
                .iter()
                .find_map(|k| t.get(*k).and_then(Value::as_bool))
                .or_else(|| t.get("exit_code").and_then(Value::as_i64).map(|c| c == 0));
            Some(TestRow { command, passed })
        })
        .collect();
    let outcomes = list(&["criteria", "acceptance", "acceptance_criteria"]);
    let outcome_of = |id: &str| outcomes.iter().find(|o| text(o, &["id"]).as_deref() == Some(id));
    let verdict = |o: &Value| -> String {
        let b = ["met", "passed", "holds"].iter().find_map(|k| o.get(*k).and_then(Value::as_bool));
        match (b, text(o, &["status", "result"])) {
            (Some(true), _) => "met".into(),
            (Some(false), _) => "not met".into(),
            (None, Some(s)) => match s.to_ascii_lowercase().as_str() {
                "met" | "pass" | "passed" | "ok" | "true" => "met".into(),
                "not_met" | "not met" | "fail" | "failed" | "false" => "not met".into(),
                other => other.to_string(),
            },
            (None, None) => "unknown".into(),
        }
    };
    let mut criteria: Vec<CriterionRow> = match crs {
        Some(c) => c
            .acceptance_criteria
            .iter()
            .map(|ac| {
                let o = outcome_of(&ac.id);
                CriterionRow {
                    id: ac.id.clone(),
                    description: ac.description.clone(),
                    result: o.map_or_else(|| "unknown".into(), verdict),
                    evidence: o.and_then(|o| text(o, &["evidence", "notes", "detail"])),
                }
            })
            .collect(),
        None => Vec::new(),
    };
    for o in &outcomes {
        let id = text(o, &["id"]).unwrap_or_default();
        if !criteria.iter().any(|c| c.id == id) {
            criteria.push(CriterionRow {
                description: text(o, &["description", "criterion"]).unwrap_or_default(),
                result: verdict(o),
                evidence: text(o, &["evidence", "notes", "detail"]),
                id,
            });
        }
    }
    let stopped = result.get("stop").and_then(|s| {
        let stop: crate::agent::Stop = serde_json::from_value(s.clone()).ok()?;
        Some(stop.to_string())
    });
    BodyInput {
        job_id: job_id.to_string(),
        summary: crs.map(|c| c.summary.clone()).or_else(|| text(result, &["summary"])),
        criteria,
        tests,
        files_changed,
        passed: result.get("passed").and_then(Value::as_bool),
        stopped,
    }
}

/// Renders the PR body (Markdown). Pure: same input, same text.
pub fn render_body(input: &BodyInput) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::new();
    out.push_str("## Summary\n\n");
    out.push_str(input.summary.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("(no summary)"));
    if input.passed == Some(false) {
        out.push_str("\n\n> [!WARNING]\n> **This job did not pass.** This draft keeps its work for review.");
        if let Some(stop) = &input.stopped {
            out.push_str(&format!("\n> The agent stopped early: {}.", stop.replace('\n', " ")));
        }
        for c in input.criteria.iter().filter(|c| c.result != "met") {
            let why =
                c.evidence.as_deref().map(|e| format!(": {}", e.replace('\n', " "))).unwrap_or_default();
            out.push_str(&format!(
                "\n> - **{}** {} — {}{why}",
                c.id,
                c.description.replace('\n', " "),
                c.result
            ));
        }
    }
    out.push_str("\n\n## Acceptance criteria\n\n");
    if input.criteria.is_empty() {
        out.push_str("None recorded.\n");
    } else {
        out.push_str("| | Criterion | Result | Evidence |\n|---|---|---|---|\n");
        for c in &input.criteria {
            let mark = match c.result.as_str() {
                "met" => "✅",
                "not met" => "❌",
                _ => "❔",
            };
            out.push_str(&format!(
                "| {mark} | **{}** {} | {} | {} |\n",
                cell(&c.id),
                cell(&c.description),
                cell(&c.result),
                cell(c.evidence.as_deref().unwrap_or(""))
            ));
        }
    }
    out.push_str("\n## Tests run\n\n");
    if input.tests.is_empty() {
        out.push_str("None recorded.\n");
    } else {
        for t in &input.tests {
            let r = match t.passed {
                Some(true) => "passed",
                Some(false) => "failed",
                None => "not run",
            };
            out.push_str(&format!("- `{}`: {r}\n", t.command.replace('`', "'")));
        }
    }
    out.push_str(&format!("\n## Files changed ({})\n\n", input.files_changed.len()));
    for f in &input.files_changed {
        let stats = match (f.added, f.removed) {
            (Some(a), Some(r)) => format!(" (+{a} −{r})"),
            _ => String::new(),
        };
        out.push_str(&format!("- `{}`{stats}\n", f.path.replace('`', "'")));
    }
    if input.files_changed.is_empty() {
        out.push_str("None recorded.\n");
    }
    out.push_str(&format!("\n---\nvibe job `{}`\n", input.job_id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::{AcceptanceCriterion, Crs};

    fn crs() -> Crs {
        Crs {
            summary: "Add a /health route".into(),
            goals: vec![],
            non_goals: vec![],
            constraints: vec![],
            acceptance_criteria: vec![
                AcceptanceCriterion {
                    id: "AC1".into(),
                    description: "GET /health answers 200".into(),
                    verification: "cargo test".into(),
                },
                AcceptanceCriterion {
                    id: "AC2".into(),
                    description: "documented | in README".into(),
                    verification: "read".into(),
                },
            ],
            affected_areas: vec![],
            risks: vec![],
            open_questions: vec![],
        }
    }

    #[test]
    fn body_shows_summary_criteria_tests_files_and_job() {
        let result = serde_json::json!({
            "summary": "ignored when a CRS exists",
            "files": [{"path": "src/health.rs", "added": 12, "removed": 1}, {"path": "README.md"}],
            "files_changed": 2,
            "checks": [{"command": "cargo test", "exit_code": 0}, {"command": "cargo clippy", "passed": false}],
            "criteria": [{"id": "AC1", "holds": true, "evidence": "test health_ok passes"}, {"id": "AC2", "status": "fail"}]
        });
        let input = body_input_from("0193c1e2-aaaa", Some(&crs()), &result);
        let body = render_body(&input);
        assert_eq!(
            body,
            "## Summary\n\nAdd a /health route\n\n## Acceptance criteria\n\n| | Criterion | Result | Evidence |\n|---|---|---|---|\n\
             | ✅ | **AC1** GET /health answers 200 | met | test health_ok passes |\n\
             | ❌ | **AC2** documented \\| in README | not met |  |\n\n## Tests run\n\n- `cargo test`: passed\n\
             - `cargo clippy`: failed\n\n## Files changed (2)\n\n- `src/health.rs` (+12 −1)\n- `README.md`\n\n---\nvibe job `0193c1e2-aaaa`\n"
        );
    }

    #[test]
    fn the_body_of_a_job_that_did_not_pass_leads_with_its_failing_criteria() {
        let result = serde_json::json!({
            "passed": false,
            "criteria": [{"id": "AC1", "holds": true, "evidence": "ok"},
                         {"id": "AC2", "holds": false, "evidence": "`grep -q x README.md` exited 1"}],
            "stop": {"ended": "turn_limit", "used": 60, "limit": 60, "model": "m"}
        });
        let body = render_body(&body_input_from("j2", Some(&crs()), &result));
        assert!(
            body.contains(
                "> **This job did not pass.** This draft keeps its work for review.\n\
                 > The agent stopped early: the agent used all 60 turns (agent.max_turns / VIBE_AGENT_MAX_TURNS).\n\
                 > - **AC2** documented | in README — not met: `grep -q x README.md` exited 1\n\n## Acceptance"
            ),
            "{body}"
        );
        assert!(!body.contains("> - **AC1**"), "{body}");
        let passed = render_body(&body_input_from("j3", Some(&crs()), &serde_json::json!({"passed": true})));
        assert!(!passed.contains("did not pass"), "{passed}");
    }

    #[test]
    fn body_without_crs_or_result_says_so() {
        let body = render_body(&body_input_from("j1", None, &Value::Null));
        assert!(body.contains("(no summary)") && body.contains("None recorded."), "{body}");
        assert!(body.ends_with("vibe job `j1`\n"));
    }

    #[test]
    fn titles_are_one_short_line() {
        assert_eq!(first_line("a\nb", 72), "a");
        assert_eq!(first_line(&"x".repeat(80), 10).chars().count(), 10);
    }
}
