//! `vibe pr create|list|status`: open pull requests and keep their recorded state fresh.

use std::io::Read;

use serde_json::{json, Value};

use super::Ctx;
use crate::cli::{PrCommand, PrCreateArgs, PrListArgs, PrStatusArgs};
use crate::error::Error;
use crate::github::pr::{self, JobContext, PrOptions};
use crate::github::{push, Client, GithubError, RepoRef};
use crate::store::PrRecord;

/// Dispatches `vibe pr …`.
pub fn run(ctx: &Ctx, cmd: PrCommand) -> Result<(), Error> {
    match cmd {
        PrCommand::Create(a) => create(ctx, a),
        PrCommand::List(a) => list(ctx, &a),
        PrCommand::Status(a) => status(ctx, &a),
    }
}

fn create(ctx: &Ctx, a: PrCreateArgs) -> Result<(), Error> {
    let body = match &a.body_file {
        Some(p) if p.as_os_str() == "-" => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            Some(s)
        }
        Some(p) => {
            let path = super::resolve_path(ctx, p);
            Some(std::fs::read_to_string(&path).map_err(|e| {
                Error::usage(format!("cannot read {}: {e}", path.display()))
                    .with_hint("check the --body-file path")
            })?)
        }
        None => a.body,
    };
    let opts = PrOptions {
        branch: a.branch,
        base: a.base,
        title: a.title,
        body,
        draft: a.draft,
        job: None,
        repo_path: Some(ctx.config.require_repo()?.to_path_buf()),
    };
    let mut store = ctx.store()?;
    let opts = match &a.job {
        Some(id) => PrOptions { job: Some(job_context(ctx, &store, id)?), ..opts },
        None => opts,
    };
    let rt = ctx.runtime()?;
    let opened = rt.block_on(pr::open(&ctx.config, opts))?;
    let record = pr::record_opened(&mut store, &ctx.clock, &opened)?;
    if ctx.out.json {
        return ctx.out.json(&json!({
            "record": record,
            "existed": opened.existed,
            "fork": opened.fork,
            "pushed_to": opened.pushed_to,
        }));
    }
    let r = &record;
    if opened.existed {
        ctx.out.line(format!(
            "Pull request #{} is already open for {}: {}",
            r.pr_number,
            r.head_ref.as_deref().unwrap_or(""),
            r.pr_url
        ))?;
        ctx.out.note("the branch was pushed again, so the PR shows its latest commits");
    } else {
        let draft = if r.draft { "draft " } else { "" };
        ctx.out.line(format!(
            "Opened {draft}pull request #{} on {}: {}",
            r.pr_number, r.repo_full_name, r.pr_url
        ))?;
    }
    if let Some(f) = &opened.fork {
        ctx.out.note(format!(
            "you cannot push to {}, so the branch was pushed to your fork {f}",
            r.repo_full_name
        ));
    }
    Ok(())
}

/// What a pull request for job `id` is built from, as recorded: its branch, its CRS
/// (through its plan, else its `spec.json`) and its result.
fn job_context(ctx: &Ctx, store: &crate::store::Store, id: &str) -> Result<JobContext, Error> {
    let full = store.resolve_id(crate::store::Table::Jobs, id)?;
    let job = store.job(&full)?;
    let from_store = || {
        let plan = store.plan(job.plan_id.as_deref()?).ok()?;
        let crs = store.crs(plan.crs_id.as_deref()?).ok()?;
        serde_json::from_str(&crs.crs_json).ok()
    };
    let from_spec = || {
        let text = std::fs::read_to_string(ctx.config.jobs_dir().join(&job.id).join("spec.json")).ok()?;
        let spec: Value = serde_json::from_str(&text).ok()?;
        serde_json::from_value(spec.get("crs")?.clone()).ok()
    };
    let result = job.result_json.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or(Value::Null);
    Ok(JobContext {
        crs: from_store().or_else(from_spec),
        id: job.id,
        status: job.status,
        branch: job.branch_name,
        repo_path: job.repo_path.map(std::path::PathBuf::from),
        result,
    })
}

fn refresh(
    client: &Client,
    rt: &tokio::runtime::Runtime,
    ctx: &Ctx,
    store: &mut crate::store::Store,
    rec: &PrRecord,
) -> Result<PrRecord, Error> {
    let repo = repo_of(rec)?;
    let pull = rt.block_on(client.pull(&repo, rec.pr_number))?;
    Ok(pr::record_pull(store, &ctx.clock, &repo, &pull, None, None, None)?)
}

fn repo_of(rec: &PrRecord) -> Result<RepoRef, Error> {
    let (owner, name) = rec
        .repo_full_name
        .split_once('/')
        .ok_or_else(|| Error::failure(format!("bad repository name in record: {}", rec.repo_full_name)))?;
    Ok(RepoRef { host: rec.github_host.clone(), owner: owner.into(), name: name.into() })
}

fn list(ctx: &Ctx, a: &PrListArgs) -> Result<(), Error> {
    let mut store = ctx.store()?;
    let upstream = match (&ctx.config.repo, a.all_repos) {
        (Some(path), false) => pr::upstream_of(&ctx.config, path).ok(),
        _ => None,
    };
    let filter = upstream.as_ref().map(|u| (u.host.clone(), u.full_name()));
    let mut rows = store.pr_list_recent(a.limit, filter.as_ref().map(|(h, f)| (h.as_str(), f.as_str())))?;
    let mut refreshed = false;
    if !a.offline && rows.iter().any(|r| r.state != "merged") {
        match crate::github::resolve_token(&ctx.config) {
            Ok(token) => {
                let client = Client::new(&ctx.config, Some(token.secret))?;
                let rt = ctx.runtime()?;
                for row in rows.iter_mut().filter(|r| r.state != "merged") {
                    match refresh(&client, &rt, ctx, &mut store, row) {
                        Ok(fresh) => *row = fresh,
                        // A revoked token stops everything; one missing PR does not.
                        Err(e) if e.kind == crate::error::ErrorKind::NeedsLogin => return Err(e),
                        Err(e) => ctx.out.warn(format!(
                            "#{} of {}: {} (showing the recorded state)",
                            row.pr_number, row.repo_full_name, e.message
                        )),
                    }
                }
                refreshed = true;
            }
            Err(GithubError::NeedsLogin { .. }) => {
                ctx.out.warn("not logged in: showing the recorded states (run `vibe login` to refresh them)");
            }
            Err(e) => return Err(e.into()),
        }
    }
    if ctx.out.json {
        return ctx.out.json(&json!({ "refreshed": refreshed, "pull_requests": rows }));
    }
    if rows.is_empty() {
        ctx.out.line("No pull requests recorded yet (open one with `vibe pr create`).")?;
        return Ok(());
    }
    let mut t = ctx.out.table(&["#", "repo", "state", "title", "branch", "url"]);
    for r in &rows {
        let state = if r.draft && r.state == "open" { "draft".to_string() } else { r.state.clone() };
        t.add_row(vec![
            r.pr_number.to_string(),
            r.repo_full_name.clone(),
            state,
            r.title.clone().unwrap_or_default(),
            r.head_ref.clone().unwrap_or_default(),
            r.pr_url.clone(),
        ]);
    }
    ctx.out.line(t.to_string())
}

fn status(ctx: &Ctx, a: &PrStatusArgs) -> Result<(), Error> {
    let repo_path = ctx.config.require_repo()?.to_path_buf();
    let upstream = pr::upstream_of(&ctx.config, &repo_path)?;
    let token = crate::github::resolve_token(&ctx.config)?;
    let client = Client::new(&ctx.config, Some(token.secret))?;
    let rt = ctx.runtime()?;
    let mut store = ctx.store()?;
    let pull = match a.number {
        Some(n) => rt.block_on(client.pull(&upstream, n))?,
        None => {
            let branch = match &a.branch {
                Some(b) => b.clone(),
                None => push::current_branch(&repo_path)?.ok_or_else(|| {
                    Error::usage("HEAD is not on a branch").with_hint("name the branch with --branch")
                })?,
            };
            let (me, _) = rt.block_on(client.user())?;
            let mut found = None;
            for owner in [upstream.owner.clone(), me.login.clone()] {
                let pulls = rt.block_on(client.pulls_for_head(&upstream, &owner, &branch, "all"))?;
                if let Some(p) = pulls.into_iter().next() {
                    found = Some(p);
                    break;
                }
            }
            found.ok_or_else(|| {
                Error::failure(format!("no pull request for branch `{branch}` on {}", upstream.full_name()))
                    .with_hint(format!("open one with `vibe pr create --branch {branch}`"))
            })?
        }
    };
    let rec = pr::record_pull(&mut store, &ctx.clock, &upstream, &pull, None, None, None)?;
    if ctx.out.json {
        return ctx.out.json(&rec);
    }
    let state = if rec.draft && rec.state == "open" { "open (draft)".to_string() } else { rec.state.clone() };
    ctx.out.line(format!("#{} {}", rec.pr_number, rec.title.as_deref().unwrap_or("")))?;
    ctx.out.line(format!("  state:  {state}"))?;
    ctx.out.line(format!(
        "  branch: {} → {}",
        rec.head_ref.as_deref().unwrap_or("?"),
        rec.base_ref.as_deref().unwrap_or("?")
    ))?;
    ctx.out.line(format!("  url:    {}", rec.pr_url))
}
