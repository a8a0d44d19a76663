//! `vibe plan PROMPT` (a CRS, then a plan), `vibe plan --crs FILE|ID`, `vibe plan show ID`,
//! `vibe plan list`. The plan is checked (files inside the repository, steps that say
//! something, every acceptance criterion covered) and recorded as a draft.

use serde::Serialize;

use super::crs::{client, drive_draft, out_format, pretty, usage_line, write_file, ContextSummary, Format};
use super::history::{clip, is_filtered, resolve_filter, table_text};
use super::Ctx;
use crate::cli::{PlanArgs, PlanCommand};
use crate::crs::Crs;
use crate::error::Error;
use crate::event::{Event, Op};
use crate::llm::Usage;
use crate::output::{duration_ms, short_id, when};
use crate::pipeline::{Outcome, Planned, PlannedChange, Request, Services, Start, Stop};
use crate::plan::{Plan, PlanOutcome};
use crate::store::{CrsRecord, PlanRecord, Table, PLAN_STATUSES};
use tokio::sync::mpsc;

/// Runs `vibe plan …`.
pub fn run(ctx: &Ctx, args: &PlanArgs) -> Result<(), Error> {
    match &args.action {
        Some(PlanCommand::Show { id }) => return show(ctx, id),
        Some(PlanCommand::List { filter }) => {
            let q = resolve_filter(ctx, filter, PLAN_STATUSES)?;
            let rows = ctx.store()?.list_plans(&q)?;
            if ctx.out.json {
                return ctx.out.json(&rows);
            }
            if rows.is_empty() {
                return ctx.out.line(if is_filtered(filter) {
                    "No plans match these filters."
                } else {
                    "No plans recorded yet. Make one with `vibe plan \"describe a change\"`."
                });
            }
            let mut t =
                ctx.out.table(&["id", "status", "complexity", "steps", "confidence", "created", "summary"]);
            for r in &rows {
                let p = &r.record;
                t.add_row(vec![
                    short_id(&p.id).to_string(),
                    p.status.clone(),
                    p.complexity.clone().unwrap_or_else(|| "-".into()),
                    p.steps_count.to_string(),
                    p.confidence.map(|c| format!("{:.0}%", c * 100.0)).unwrap_or_else(|| "-".into()),
                    when(&p.created_at),
                    clip(p.task_summary.as_deref().unwrap_or("-"), 60),
                ]);
            }
            return ctx.out.line(table_text(&t));
        }
        None => {}
    }
    let client = client(ctx)?;
    let repo = ctx.config.require_repo()?.to_path_buf();
    let out_format = args.out.as_deref().map(|p| out_format(ctx, p)).transpose()?;
    let mut store = ctx.store()?;
    // The CRS: made now, or given.
    let start = match (&args.crs, &args.prompt) {
        (Some(arg), _) => Start::Crs(Box::new(crate::crs::load(&ctx.config, &mut store, &ctx.clock, arg)?)),
        (None, Some(prompt)) => Start::Prompt(prompt.clone()),
        (None, None) => return Err(Error::usage("give the change in plain words, or --crs FILE|ID")),
    };
    let mut services = Services::new(store, Some(client));
    let (result, made_crs) = drive_draft(ctx, &mut services, Request::draft(repo, start, Stop::Plan));
    let planned = match result {
        Ok(Outcome::Planned(p)) => *p,
        Ok(_) => return Err(Error::failure("the plan was not written")),
        Err(e) => {
            let Some(id) = made_crs else { return Err(e) };
            let id = short_id(&id);
            let hint = match &e.hint {
                Some(h) => format!("{h}; the CRS is saved as {id}: retry with `vibe plan --crs {id}`"),
                None => format!("the CRS is saved as {id}: retry with `vibe plan --crs {id}`"),
            };
            return Err(e.with_hint(hint));
        }
    };
    let Planned { crs_record, crs, crs_usage, plan: outcome } = planned;

    if let Some((path, format)) = &out_format {
        let text = match format {
            Format::Json => pretty(&outcome.plan)?,
            Format::Markdown => crate::plan::to_markdown(&outcome.plan),
        };
        write_file(path, &text)?;
    }
    if !ctx.out.json && !ctx.global.yes && crate::tui::can_open() {
        return review_here(ctx, &mut services, crs_record, crs, outcome);
    }
    if ctx.out.json {
        #[derive(Serialize)]
        struct Doc<'a> {
            id: &'a str,
            crs_id: &'a str,
            plan: &'a Plan,
            crs: &'a Crs,
            record: &'a PlanRecord,
            usage: Usages<'a>,
            context: ContextSummary,
        }
        #[derive(Serialize)]
        struct Usages<'a> {
            crs: Option<&'a Usage>,
            plan: &'a Usage,
        }
        return ctx.out.json(&Doc {
            id: &outcome.record.id,
            crs_id: &crs_record.id,
            plan: &outcome.plan,
            crs: &crs,
            record: &outcome.record,
            usage: Usages { crs: crs_usage.as_ref(), plan: &outcome.usage },
            context: ContextSummary::of(&outcome.context),
        });
    }
    if crs_usage.is_some() {
        ctx.out.line(crate::crs::to_markdown(&crs))?;
    }
    ctx.out.line(crate::plan::to_markdown(&outcome.plan).trim_end())?;
    if let Some(u) = &crs_usage {
        ctx.out.note(format!("\nCRS {} recorded · {}", short_id(&crs_record.id), usage_line(u)));
    } else {
        ctx.out.note("");
    }
    ctx.out.note(format!(
        "Plan {} recorded as a draft · {} · {}",
        short_id(&outcome.record.id),
        usage_line(&outcome.usage),
        duration_ms(outcome.record.processing_time_ms.unwrap_or(0))
    ));
    if let Some((p, _)) = &out_format {
        ctx.out.note(format!("Written to {}", p.display()));
    }
    Ok(())
}

/// Opens the review screen on the plan just written; the reviewer's changes are recorded as
/// they are made, and the decision is said when the screen closes.
fn review_here(
    ctx: &Ctx,
    services: &mut Services,
    crs_record: CrsRecord,
    crs: Crs,
    outcome: PlanOutcome,
) -> Result<(), Error> {
    let first = crate::tui::review::Version {
        plan_id: Some(outcome.record.id.clone()),
        content_hash: crate::plan::content_hash(&outcome.plan),
        plan: outcome.plan.clone(),
        how: None,
        tokens: Some(outcome.usage.total()),
        cost_usd: Some(outcome.usage.cost_usd),
    };
    let setup = crate::tui::Setup::new(&ctx.config, ctx.out.color, short_id(&outcome.record.id));
    let mut app = crate::tui::ReviewApp::new(crs.clone(), first);
    let mut change = PlannedChange {
        crs_id: Some(crs_record.id),
        crs,
        plan_id: Some(outcome.record.id),
        plan: outcome.plan,
    };
    let (ev_tx, mut ev_rx) = mpsc::unbounded_channel::<Event>();
    let (op_tx, mut op_rx) = mpsc::unbounded_channel::<Op>();
    let rt = ctx.runtime()?;
    let (served, ended) = rt.block_on(async {
        let serve = async {
            let served =
                crate::pipeline::review(&ctx.config, ctx.clock, services, &mut change, &ev_tx, &mut op_rx)
                    .await;
            drop(ev_tx);
            served
        };
        let screen = async {
            let ended = crate::tui::review_on_terminal(&mut app, &setup, &mut ev_rx, &op_tx).await;
            // The review is over for the pipeline too.
            drop(op_tx);
            ended
        };
        tokio::join!(serve, screen)
    });
    let approved = served?;
    let ended = ended?;
    let id = change.plan_id.as_deref().map(short_id).unwrap_or("-").to_string();
    if approved {
        ctx.out.line(format!("Plan {id} approved."))?;
        ctx.out.note(format!("Run it with `vibe run --plan {id} --yes`."));
    } else if ended == crate::tui::app::Ended::Rejected {
        ctx.out.line(format!("Plan {id} rejected."))?;
    } else {
        ctx.out.line(format!("Plan {id} is kept as a draft."))?;
        ctx.out.note(format!("Read it with `vibe plan show {id}`, run it with `vibe run --plan {id}`."));
    }
    Ok(())
}

fn show(ctx: &Ctx, id: &str) -> Result<(), Error> {
    let store = ctx.store()?;
    let id = store.resolve_id(Table::Plans, id)?;
    let record = store.plan(&id)?;
    let plan = crate::plan::from_record(&record)?;
    let crs = match &record.crs_id {
        Some(cid) => {
            let r = store.crs(cid)?;
            serde_json::from_str::<Crs>(&r.crs_json).ok()
        }
        None => None,
    };
    if ctx.out.json {
        #[derive(Serialize)]
        struct Doc<'a> {
            record: &'a PlanRecord,
            plan: &'a Plan,
            crs: Option<&'a Crs>,
        }
        return ctx.out.json(&Doc { record: &record, plan: &plan, crs: crs.as_ref() });
    }
    let tokens = record.tokens_used.map(|t| format!("{t} tokens")).unwrap_or_else(|| "- tokens".into());
    ctx.out.line(format!(
        "plan {} · {} · {} · {} · {}",
        short_id(&record.id),
        record.status,
        when(&record.created_at),
        record.model.as_deref().unwrap_or("-"),
        tokens
    ))?;
    if let Some(c) = &record.crs_id {
        ctx.out.line(format!("CRS {}", short_id(c)))?;
    }
    ctx.out.line("")?;
    if let Some(crs) = &crs {
        ctx.out.line(crate::crs::to_markdown(crs))?;
    }
    ctx.out.line(crate::plan::to_markdown(&plan).trim_end())
}
