//! The work of each job stage: make (or reopen) the sandbox, run the coding agent, run the
//! plan's checks, commit. Each stage saves what the next one needs as an artifact, so a
//! resumed job picks up exactly where the last completed stage left it.

use tokio::sync::watch;

use crate::config::{Backend, Config};
use crate::event::{JobEvent, PrSkip, PrSkipped};
use crate::sandbox::{CommandRequest, Policy, Sandbox, SandboxSpec, Sandboxes};

use super::agent_bridge::{self, AgentReport};
use super::{
    Artifacts, CheckResult, CriterionResult, FileStat, JobError, JobResult, JobSpec, Journal, Status,
};

/// Output kept from a command for the log.
const TAIL_BYTES: usize = 2000;

/// What a stage gets besides the work state.
#[derive(Debug)]
pub struct StageCx<'a> {
    /// Where to log.
    pub journal: &'a mut Journal,
    /// Turns true when the job is cancelled.
    pub cancel: watch::Receiver<bool>,
}

/// The state carried from stage to stage within one attempt.
pub struct Work {
    config: Config,
    spec: JobSpec,
    art: Artifacts,
    sandboxes: Sandboxes,
    sandbox: Option<Box<dyn Sandbox>>,
    result: JobResult,
    client: Option<std::sync::Arc<crate::llm::Client>>,
}

impl std::fmt::Debug for Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Work").field("spec", &self.spec.repo).field("art", &self.art.dir).finish()
    }
}

impl Work {
    /// Work for one attempt of a job.
    pub fn new(
        config: Config,
        spec: JobSpec,
        art: Artifacts,
        client: Option<std::sync::Arc<crate::llm::Client>>,
    ) -> Self {
        let sandboxes = Sandboxes::new(&config);
        Self { config, spec, art, sandboxes, sandbox: None, result: JobResult::default(), client }
    }

    /// Runs one stage.
    pub async fn run(&mut self, stage: Status, mut cx: StageCx<'_>) -> Result<(), JobError> {
        match stage {
            Status::Provisioning => self.provision(&mut cx).await,
            Status::Running => {
                self.provision(&mut cx).await?;
                self.agent(&mut cx).await
            }
            Status::Testing => {
                self.provision(&mut cx).await?;
                self.checks(&mut cx).await
            }
            Status::Committing => self.commit(&mut cx).await,
            _ => Ok(()),
        }
    }

    /// Ends the sandbox, whatever ended the job: with `save_work` (a stage that failed while
    /// the agent worked) its changes so far are kept first as `diff.patch`, so a resumed job
    /// continues from them in a new sandbox. Then the sandbox is destroyed and forgotten.
    pub async fn cleanup(&mut self, save_work: bool) {
        if let Some(sb) = self.sandbox.take() {
            if save_work {
                if let Ok(diff) = sb.diff().await {
                    if !diff.is_empty() {
                        let _ = self.art.write(&self.art.patch(), diff.patch.as_bytes());
                    }
                }
            }
            let _ = sb.destroy().await;
        }
        super::release_sandbox(&self.sandboxes, &self.art, false).await;
    }

    /// The result so far.
    pub fn result(&self) -> JobResult {
        self.result.clone()
    }

    /// After the running stage: whether the agent stopped before finishing without changing
    /// anything (e.g. a model that does not call tools). Then there is nothing to test or
    /// keep, and the result says why the job ends.
    pub fn stopped_without_changes(&mut self) -> Result<bool, JobError> {
        let report: AgentReport = self.art.read_json(&self.art.agent())?;
        let patch = std::fs::read_to_string(self.art.patch()).unwrap_or_default();
        if report.stop.is_none() || !patch.trim().is_empty() {
            return Ok(false);
        }
        self.result = JobResult {
            summary: report.summary.clone(),
            criteria: verdicts(&self.spec, &report, &[]),
            tokens: report.tokens,
            cost_usd: report.cost_usd,
            stop: report.stop,
            passed: false,
            ..JobResult::default()
        };
        Ok(true)
    }

    /// After a cancel: commits what the agent changed so far to the job's branch (nothing
    /// when it changed nothing), so the work is not lost with the copy.
    pub async fn keep_cancelled_work(&mut self, cx: &mut StageCx<'_>) -> Result<(), JobError> {
        let patch = match self.sandbox.as_deref() {
            Some(sb) => sb.diff().await.map_err(JobError::from)?.patch,
            None => std::fs::read_to_string(self.art.patch()).unwrap_or_default(),
        };
        if patch.trim().is_empty() {
            return Ok(());
        }
        self.art.write(&self.art.patch(), patch.as_bytes())?;
        let files = file_stats(&patch)?;
        self.result = JobResult {
            summary: "The job was cancelled; this commit keeps the work done until then.".into(),
            files_changed: files.len() as u64,
            lines_added: files.iter().map(|f| f.added).sum(),
            lines_removed: files.iter().map(|f| f.removed).sum(),
            files,
            passed: false,
            ..JobResult::default()
        };
        self.commit_to_branch(cx, &patch)
    }

    fn backend(&self) -> Backend {
        self.spec.sandbox
    }

    /// Makes the job's sandbox for this attempt: a new one from the base commit, brought to
    /// the work saved so far (`diff.patch`) when an earlier attempt left some. A sandbox an
    /// earlier attempt left behind is destroyed first.
    async fn provision(&mut self, cx: &mut StageCx<'_>) -> Result<(), JobError> {
        if self.sandbox.is_some() {
            return Ok(());
        }
        let backend = self.backend();
        super::release_sandbox(&self.sandboxes, &self.art, false).await;
        let dir = self.art.sandbox_dir();
        if dir.exists() {
            crate::sandbox::local::discard(&dir)
                .map_err(|e| JobError::Artifact { path: dir.clone(), message: e.to_string() })?;
        }
        let mut policy = Policy::from_settings(&self.config.sandbox);
        policy.network = self.spec.network;
        // Never mounted for a toolchain: vibe's own data and configuration.
        policy.hidden_paths =
            [Some(self.config.home.clone()), self.config.user_file.parent().map(Into::into)]
                .into_iter()
                .flatten()
                .collect();
        let spec = SandboxSpec {
            repo: self.spec.repo.clone(),
            base: Some(self.spec.base_commit.clone()),
            allow_dirty: self.spec.allow_dirty,
            dir,
            policy,
            // The sandbox keeps only its allow-list of these; no token or key gets in.
            // (`vars_os`: a variable that is not UTF-8 is skipped, not a panic.)
            host_env: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            label: cx.journal.job_id().to_string(),
        };
        let making = self.art.making_sandbox();
        self.art.write_json(&making, &backend)?;
        let made = self.sandboxes.create(backend, spec).await;
        let (sb, warnings) = match made {
            Ok(made) => made,
            Err(e) => {
                let _ = std::fs::remove_file(&making);
                return Err(e.into());
            }
        };
        // Recorded at once: whichever process finds the job ended destroys the sandbox.
        let recorded = self.art.write_json(&self.art.handle(), &sb.handle());
        if recorded.is_ok() {
            let _ = std::fs::remove_file(&making);
        }
        self.sandbox = Some(sb);
        recorded?;
        for w in warnings {
            cx.journal.emit(JobEvent::Warning { message: w.message })?;
        }
        self.restore_saved_work().await?;
        let sb = self.sandbox()?;
        cx.journal.emit(JobEvent::SandboxReady {
            backend: sb.backend().to_string(),
            base_commit: sb.base_commit().to_string(),
        })?;
        Ok(())
    }

    /// Brings a new sandbox to the work an earlier attempt saved (`diff.patch`), file by file.
    async fn restore_saved_work(&mut self) -> Result<(), JobError> {
        let patch = std::fs::read_to_string(self.art.patch()).unwrap_or_default();
        if patch.trim().is_empty() {
            return Ok(());
        }
        let repo = crate::git::open(&self.spec.repo)?;
        let files = crate::git::patched_files(&repo, &self.spec.base_commit, &patch)?;
        let sb = self.sandbox()?;
        for file in files {
            match &file.contents {
                Some(bytes) => sb.write(&file.path, bytes).await,
                None => match sb.remove(&file.path).await {
                    Err(crate::sandbox::SandboxError::NotFound(_)) => Ok(()),
                    other => other,
                },
            }
            .map_err(JobError::from)?;
        }
        Ok(())
    }

    fn sandbox(&self) -> Result<&dyn Sandbox, JobError> {
        self.sandbox.as_deref().ok_or_else(|| {
            JobError::Sandbox(crate::sandbox::SandboxError::Invalid("the sandbox is not ready".into()))
        })
    }

    async fn agent(&mut self, cx: &mut StageCx<'_>) -> Result<(), JobError> {
        let client = match &self.client {
            Some(c) => std::sync::Arc::clone(c),
            None => {
                let c = std::sync::Arc::new(crate::llm::Client::new(&self.config.model)?);
                self.client = Some(std::sync::Arc::clone(&c));
                c
            }
        };
        let sandbox = self.sandbox()?;
        let report =
            agent_bridge::run(&client, &self.config, &self.spec, &self.art, sandbox, cx.journal, &cx.cancel)
                .await?;
        self.art.write_json(&self.art.agent(), &report)?;
        let diff = self.sandbox()?.diff().await.map_err(JobError::from)?;
        self.art.write(&self.art.patch(), diff.patch.as_bytes())?;
        Ok(())
    }

    async fn checks(&mut self, cx: &mut StageCx<'_>) -> Result<(), JobError> {
        let report: AgentReport = self.art.read_json(&self.art.agent())?;
        let mut checks = Vec::new();
        for check in &self.spec.plan.testing_strategy {
            // A command several checks share runs once; its result serves each criterion.
            if let Some(done) =
                checks.iter_mut().find(|c: &&mut CheckResult| c.command.trim() == check.command.trim())
            {
                for id in &check.criteria {
                    if !done.criteria.contains(id) {
                        done.criteria.push(id.clone());
                    }
                }
                if !check.proves.is_empty() && !done.proves.split("; ").any(|p| p == check.proves) {
                    done.proves = if done.proves.is_empty() {
                        check.proves.clone()
                    } else {
                        format!("{}; {}", done.proves, check.proves)
                    };
                }
                continue;
            }
            let sb = self.sandbox()?;
            let request = CommandRequest::shell(check.command.clone());
            let out =
                super::live_output::run_logged(sb, request, cx.cancel.clone(), cx.journal, &check.command)
                    .await?;
            if out.cancelled || *cx.cancel.borrow() {
                return Err(JobError::Cancelled);
            }
            let text = if out.stderr.is_empty() {
                out.stdout.clone()
            } else {
                format!("{}{}", out.stdout, out.stderr)
            };
            // The tail goes to the job's record and the pull request: no secret in it.
            let text = crate::redact::redact(&text, crate::redact::Mode::Text).into_string();
            let tail = tail(&text, TAIL_BYTES);
            cx.journal.emit(JobEvent::Command {
                command: check.command.clone(),
                exit_code: out.exit_code,
                timed_out: out.timed_out,
                duration_ms: out.duration_ms,
                tail: tail.clone(),
            })?;
            checks.push(CheckResult {
                command: check.command.clone(),
                proves: check.proves.clone(),
                criteria: check.criteria.clone(),
                exit_code: out.exit_code,
                timed_out: out.timed_out,
                passed: out.success(),
                tail,
            });
        }
        let criteria = verdicts(&self.spec, &report, &checks);
        for c in &criteria {
            cx.journal.emit(JobEvent::Criterion {
                id: c.id.clone(),
                holds: c.holds,
                evidence: c.evidence.clone(),
            })?;
        }
        self.art.write_json(&self.art.checks(), &checks)?;
        let patch = std::fs::read_to_string(self.art.patch()).unwrap_or_default();
        let files = file_stats(&patch)?;
        let passed =
            report.stop.is_none() && criteria.iter().all(|c| c.holds) && checks.iter().all(|c| c.passed);
        self.result = JobResult {
            summary: report.summary.clone(),
            files_changed: files.len() as u64,
            lines_added: files.iter().map(|f| f.added).sum(),
            lines_removed: files.iter().map(|f| f.removed).sum(),
            files,
            criteria,
            checks,
            tokens: report.tokens,
            cost_usd: report.cost_usd,
            stop: report.stop.clone(),
            passed,
            ..JobResult::default()
        };
        Ok(())
    }

    async fn commit(&mut self, cx: &mut StageCx<'_>) -> Result<(), JobError> {
        if self.result.criteria.is_empty() && self.result.checks.is_empty() && self.result.summary.is_empty()
        {
            // Resumed straight into committing: rebuild the result from the artifacts.
            self.rebuild_result()?;
        }
        let patch = std::fs::read_to_string(self.art.patch())
            .map_err(|e| JobError::Artifact { path: self.art.patch(), message: e.to_string() })?;
        if patch.trim().is_empty() {
            if !self.result.passed {
                // A failed job that changed nothing: nothing to keep.
                return Ok(());
            }
            return Err(JobError::NothingToCommit);
        }
        self.commit_to_branch(cx, &patch)?;
        let job_id = cx.journal.job_id().to_string();
        if self.result.passed || self.spec.pr_on_failure {
            return self.pull_request(cx, &job_id).await;
        }
        // A failed job keeps its branch; a pull request only when asked for.
        self.skip_pull_request(cx, PrSkipped { why: PrSkip::JobFailed, problem: None, fix: None })
    }

    /// Records why no pull request was opened.
    fn skip_pull_request(&mut self, cx: &mut StageCx<'_>, skipped: PrSkipped) -> Result<(), JobError> {
        self.result.pr_skipped = Some(skipped.clone());
        cx.journal.emit(JobEvent::PullRequestSkipped(skipped))?;
        Ok(())
    }

    /// Commits `patch` on the job's branch and records the branch and commit in the job.
    fn commit_to_branch(&mut self, cx: &mut StageCx<'_>, patch: &str) -> Result<(), JobError> {
        let job_id = cx.journal.job_id().to_string();
        let repo = crate::git::open(&self.spec.repo)?;
        let branch = crate::git::branch_name(&job_id, &self.spec.crs.summary);
        // The message carries model-written text; no configured secret goes into git.
        let message =
            crate::github::pr::scrub_secrets(&self.config, &commit_message(&self.spec, &self.result), "");
        let time = cx.journal_time();
        let done = crate::git::commit_patch(
            &repo,
            &crate::git::CommitRequest {
                job_id: &job_id,
                base_commit: &self.spec.base_commit,
                patch,
                branch: &branch,
                message: &message,
                time,
            },
        )?;
        cx.journal.emit(JobEvent::Committed {
            branch: done.branch.clone(),
            sha: done.sha.clone(),
            files_changed: done.files_changed,
            lines_added: done.lines_added,
            lines_removed: done.lines_removed,
        })?;
        self.result.branch = Some(done.branch.clone());
        self.result.commit_sha = Some(done.sha.clone());
        self.result.files_changed = done.files_changed;
        self.result.lines_added = done.lines_added;
        self.result.lines_removed = done.lines_removed;
        // Record the commit now, so a crash while the pull request opens keeps the branch.
        let result_json = serde_json::to_string(&self.result).ok();
        let now = cx.journal.now();
        cx.journal.store().change_job(&job_id, &now, |j| {
            j.branch_name = Some(done.branch.clone());
            j.commit_sha = Some(done.sha.clone());
            j.result_json = result_json.clone();
            j.files_changed = done.files_changed as i64;
            j.lines_added = Some(done.lines_added as i64);
            j.lines_removed = Some(done.lines_removed as i64);
            Some(Vec::new())
        })?;
        Ok(())
    }

    /// Pushes the branch and opens the pull request, unless `--no-pr` or GitHub is not set
    /// up; then it records why not. A finished job never fails here.
    async fn pull_request(&mut self, cx: &mut StageCx<'_>, job_id: &str) -> Result<(), JobError> {
        use crate::github::pr;
        let skipped = |why, problem, fix| PrSkipped { why, problem: Some(problem), fix };
        if self.spec.no_pr {
            return self.skip_pull_request(cx, PrSkipped { why: PrSkip::NotAsked, problem: None, fix: None });
        }
        if let pr::Readiness::NotReady { reason, fix } = pr::readiness(&self.config, &self.spec.repo) {
            return self.skip_pull_request(cx, skipped(PrSkip::NotReady, reason, fix));
        }
        let job = pr::JobContext {
            id: job_id.to_string(),
            status: Status::Committing.as_str().to_string(),
            branch: self.result.branch.clone(),
            repo_path: Some(self.spec.repo.clone()),
            crs: Some(self.spec.crs.clone()),
            result: serde_json::to_value(&self.result).unwrap_or_default(),
        };
        let options = pr::PrOptions {
            base: self.spec.pr_base.clone(),
            // A job that did not pass is only ever opened as a draft.
            draft: self.spec.draft || !self.result.passed,
            repo_path: Some(self.spec.repo.clone()),
            job: Some(job),
            ..pr::PrOptions::default()
        };
        let clock = cx.journal.clock();
        let opened = pr::open(&self.config, options)
            .await
            .and_then(|o| pr::record_opened(cx.journal.store(), &clock, &o));
        match opened {
            Ok(rec) => {
                self.result.pr_url = Some(rec.pr_url.clone());
                cx.journal
                    .emit(JobEvent::PullRequest { url: rec.pr_url, number: rec.pr_number.max(0) as u64 })?;
                Ok(())
            }
            Err(e) => {
                let e: crate::error::Error = e.into();
                self.skip_pull_request(cx, skipped(PrSkip::Refused, e.message, e.hint))
            }
        }
    }

    fn rebuild_result(&mut self) -> Result<(), JobError> {
        let report: AgentReport = self.art.read_json(&self.art.agent())?;
        let checks: Vec<CheckResult> = self.art.read_json(&self.art.checks())?;
        let criteria = verdicts(&self.spec, &report, &checks);
        let patch = std::fs::read_to_string(self.art.patch()).unwrap_or_default();
        let files = file_stats(&patch)?;
        self.result = JobResult {
            summary: report.summary,
            passed: report.stop.is_none()
                && criteria.iter().all(|c| c.holds)
                && checks.iter().all(|c| c.passed),
            stop: report.stop,
            files,
            criteria,
            checks,
            tokens: report.tokens,
            cost_usd: report.cost_usd,
            ..JobResult::default()
        };
        Ok(())
    }
}

impl StageCx<'_> {
    fn journal_time(&self) -> i64 {
        crate::store::parse_ts(&self.journal.now()).map_or(0, |t| t.unix_timestamp())
    }
}

/// A criterion holds when the agent says so (or nothing contradicts it) and every check
/// covering it passed; a criterion no check covers keeps the agent's verdict.
pub fn verdicts(spec: &JobSpec, report: &AgentReport, checks: &[CheckResult]) -> Vec<CriterionResult> {
    spec.crs
        .acceptance_criteria
        .iter()
        .map(|ac| {
            let agent = report.criteria.iter().find(|c| c.id == ac.id);
            let covering: Vec<&CheckResult> = checks.iter().filter(|c| c.criteria.contains(&ac.id)).collect();
            let failed = covering.iter().find(|c| !c.passed);
            let (holds, evidence) = match (failed, agent) {
                (Some(f), _) => (false, format!("`{}` exited {}", f.command, exit_text(f))),
                (None, Some(a)) if !a.holds => (false, a.evidence.clone()),
                (None, _) if !covering.is_empty() => (
                    true,
                    covering
                        .iter()
                        .map(|c| format!("`{}` exited 0", c.command))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                (None, Some(a)) => (true, a.evidence.clone()),
                (None, None) => {
                    (false, "not verified: no check covers it and the agent did not report on it".into())
                }
            };
            CriterionResult { id: ac.id.clone(), description: ac.description.clone(), holds, evidence }
        })
        .collect()
}

fn file_stats(patch: &str) -> Result<Vec<FileStat>, JobError> {
    Ok(crate::git::diffstat(patch)?
        .into_iter()
        .map(|(path, added, removed)| FileStat { path, added, removed })
        .collect())
}

fn exit_text(c: &CheckResult) -> String {
    match (c.timed_out, c.exit_code) {
        (true, _) => "on timeout".into(),
        (false, Some(code)) => code.to_string(),
        (false, None) => "on a signal".into(),
    }
}

/// The commit message: the CRS summary as subject, the plan and criteria as body.
pub fn commit_message(spec: &JobSpec, result: &JobResult) -> String {
    let summary = spec.crs.summary.trim();
    let mut subject: String = summary.lines().next().unwrap_or("Change made by vibe").to_string();
    if subject.chars().count() > 72 {
        subject = subject.chars().take(71).collect::<String>() + "…";
    }
    let mut body = String::new();
    if summary != subject {
        body.push_str(summary);
        body.push_str("\n\n");
    }
    if !spec.plan.summary.trim().is_empty() {
        body.push_str(&format!("Plan: {}\n", spec.plan.summary.trim()));
    }
    if !result.criteria.is_empty() {
        body.push_str("\nAcceptance criteria:\n");
        for c in &result.criteria {
            body.push_str(&format!("- [{}] {}: {}\n", if c.holds { "x" } else { " " }, c.id, c.description));
        }
    }
    if !result.passed {
        body.push_str("\nThe job did not pass; this commit keeps its work for review.\n");
        if result.criteria.is_empty() && !result.summary.is_empty() {
            body.push_str(&format!("{}\n", result.summary.trim()));
        }
        if let Some(stop) = &result.stop {
            body.push_str(&format!("Stopped: {stop}.\n"));
        }
        for c in result.criteria.iter().filter(|c| !c.holds) {
            body.push_str(&format!("- {} not met: {}\n", c.id, c.evidence));
        }
    }
    format!("{subject}\n\n{}", body.trim_end())
}

/// The last `max` bytes of `text`, cut at a line start when possible.
pub fn tail(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let cut = &text[start..];
    match cut.find('\n') {
        Some(i) if i + 1 < cut.len() => format!("…\n{}", &cut[i + 1..]),
        _ => format!("…{cut}"),
    }
}
