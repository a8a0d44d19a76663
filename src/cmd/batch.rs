//! `vibe run --batch FILE --parallel N`: many change requests at once. Each line of the file
//! (a prompt, or a JSON object `{"prompt", "base", "repo"}`) goes prompt → CRS → plan → job
//! like one `vibe run --yes`, each recorded on its own; up to N run at the same time. One
//! line per job when it starts and ends, a summary at the end (JSON Lines with `--json`),
//! and a non-zero exit when any job did not pass. Ctrl-C cancels every job (each destroys
//! its sandbox).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch, Semaphore};

use crate::cli::RunArgs;
use crate::error::{Error, ErrorKind};
use crate::event::{Event, Op};
use crate::output::short_id;
use crate::pipeline::{self, Outcome, Request, Review, Services, Start, Stop};
use crate::store::Store;

use super::Ctx;

/// One change request of a batch file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Item {
    pub prompt: String,
    #[serde(default)]
    pub base: Option<String>,
    #[serde(default)]
    pub repo: Option<PathBuf>,
}

/// Reads a batch file: one prompt per line, or one JSON object per line; blank lines and
/// lines starting with `#` are skipped.
pub fn parse(text: &str) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let item = if line.starts_with('{') {
            serde_json::from_str::<Item>(line).map_err(|e| format!("line {}: {e}", n + 1))?
        } else {
            Item { prompt: line.to_string(), base: None, repo: None }
        };
        if item.prompt.trim().is_empty() {
            return Err(format!("line {}: the prompt is empty", n + 1));
        }
        items.push(item);
    }
    if items.is_empty() {
        return Err("it holds no change request".into());
    }
    Ok(items)
}

/// How one job of the batch ended.
#[derive(Debug, Clone, Serialize)]
struct Row {
    #[serde(rename = "type")]
    kind: &'static str,
    index: usize,
    prompt: String,
    job_id: Option<String>,
    status: String,
    branch: Option<String>,
    error: Option<String>,
}

/// `vibe run --batch FILE`.
pub fn run(ctx: &Ctx, args: &RunArgs, file: &Path) -> Result<(), Error> {
    if !ctx.global.yes {
        return Err(Error::usage("--batch runs every job without stopping for review")
            .with_hint("read the file's prompts, then pass --yes: `vibe run --batch FILE --yes`"));
    }
    let path = super::resolve_path(ctx, file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::usage(format!("cannot read the batch file {}: {e}", path.display())))?;
    let items = parse(&text).map_err(|e| Error::usage(format!("the batch file {}: {e}", path.display())))?;
    let backend = args.sandbox.unwrap_or(ctx.config.sandbox.backend);
    pipeline::check_backend(&ctx.config, backend)?;
    let default_repo = ctx.config.require_repo()?.to_path_buf();
    let parallel = args.parallel.max(1);
    let total = items.len();
    let permits = Arc::new(Semaphore::new(parallel));
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let rt = ctx.runtime()?;
    let rows = rt.block_on(async {
        let mut jobs: Vec<Pin<Box<dyn Future<Output = Row> + '_>>> = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let permits = Arc::clone(&permits);
            let mut cancel = cancel_rx.clone();
            let repo = item.repo.clone().map(|r| super::resolve_path(ctx, &r)).unwrap_or(default_repo.clone());
            jobs.push(Box::pin(async move {
                let mut row = Row {
                    kind: "batch_job",
                    index: i + 1,
                    prompt: item.prompt.clone(),
                    job_id: None,
                    status: "cancelled".into(),
                    branch: None,
                    error: None,
                };
                let Ok(_permit) = permits.acquire().await else { return row };
                if *cancel.borrow() {
                    return row;
                }
                let store = match Store::open(&ctx.config.db_path()) {
                    Ok(s) => s,
                    Err(e) => {
                        row.status = "error".into();
                        row.error = Some(e.to_string());
                        return row;
                    }
                };
                let req = Request {
                    repo,
                    start: Start::Prompt(item.prompt.clone()),
                    stop: Stop::Job,
                    base: item.base.clone().or(args.base.clone()),
                    allow_dirty: args.allow_dirty,
                    sandbox: backend,
                    no_pr: args.no_pr,
                    draft: args.draft,
                    pr_on_failure: args.pr_on_failure,
                    review: Review::Approved,
                    run_job: true,
                };
                let mut services = Services::new(store, None);
                let (ev_tx, mut ev_rx) = mpsc::unbounded_channel::<Event>();
                let (op_tx, op_rx) = mpsc::unbounded_channel::<Op>();
                let pipe = pipeline::run(&ctx.config, ctx.clock, &mut services, req, ev_tx, op_rx);
                let watch_events = async {
                    loop {
                        tokio::select! {
                            ev = ev_rx.recv() => match ev {
                                Some(Event::JobCreated { job_id, .. }) => {
                                    ctx.out.note(format!("[{}/{total}] job {} started: {}", i + 1, short_id(&job_id), item.prompt));
                                }
                                Some(_) => {}
                                None => break,
                            },
                            changed = cancel.changed() => {
                                if changed.is_err() || *cancel.borrow() {
                                    let _ = op_tx.send(Op::Cancel);
                                }
                                if changed.is_err() {
                                    std::future::pending::<()>().await;
                                }
                            }
                        }
                    }
                };
                let (outcome, ()) = tokio::join!(pipe, watch_events);
                match outcome {
                    Ok(Outcome::Finished { job }) => {
                        row.job_id = Some(job.id.clone());
                        row.status = job.status.clone();
                        row.branch = job.branch_name.clone();
                        row.error = job.error_message.clone();
                    }
                    Ok(_) => row.status = "stopped".into(),
                    Err(e) => {
                        row.status = "error".into();
                        row.error = Some(e.message);
                    }
                }
                let id = row.job_id.as_deref().map(short_id).unwrap_or("-");
                ctx.out.note(format!("[{}/{total}] job {id} {}: {}", i + 1, row.status, item.prompt));
                row
            }));
        }
        let all = join_all(jobs);
        tokio::pin!(all);
        loop {
            tokio::select! {
                rows = &mut all => break rows,
                _ = tokio::signal::ctrl_c() => {
                    ctx.out.note("cancelling every job of the batch…");
                    let _ = cancel_tx.send(true);
                }
            }
        }
    });
    summary(ctx, &rows)?;
    let failed = rows.iter().filter(|r| r.status != "done").count();
    if failed > 0 {
        return Err(Error::new(
            ErrorKind::TestsFailed,
            format!("{failed} of {total} jobs of the batch did not pass"),
        )
        .with_hint("see each with `vibe jobs result ID`"));
    }
    Ok(())
}

fn summary(ctx: &Ctx, rows: &[Row]) -> Result<(), Error> {
    if ctx.out.json {
        for row in rows {
            ctx.out.jsonl(row)?;
        }
        return Ok(());
    }
    for row in rows {
        let id = row.job_id.as_deref().map(short_id).unwrap_or("-");
        let what = row.branch.clone().or(row.error.clone()).unwrap_or_default();
        ctx.out.line(format!("{:>3}  {id:<8}  {:<11}  {}  {what}", row.index, row.status, row.prompt))?;
    }
    Ok(())
}

/// Polls every future on this task until all are ready; the results in order.
async fn join_all<T>(mut futures: Vec<Pin<Box<dyn Future<Output = T> + '_>>>) -> Vec<T> {
    let mut out: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futures.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => out[i] = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_batch_file_holds_prompts_or_json_objects() {
        let items =
            parse("add a flag\n\n# a comment\n{\"prompt\": \"fix it\", \"base\": \"dev\"}\n").unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0], Item { prompt: "add a flag".into(), base: None, repo: None });
        assert_eq!(items[1].base.as_deref(), Some("dev"));
        assert!(parse("{\"prompt\": \"\"}").unwrap_err().contains("line 1"));
        assert!(parse("\n# only\n").is_err());
        assert!(parse("{\"base\": 1}").unwrap_err().contains("line 1"));
    }
}
