//! `vibe sync`: push new and changed tracking rows to the team's Supabase mirror.

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::Ctx;
use crate::cli::SyncArgs;
use crate::error::Error;
use crate::sync::{Mirror, Progress, TableReport, DEFAULT_BATCH};

/// Runs `vibe sync`.
pub fn run(ctx: &Ctx, args: &SyncArgs) -> Result<(), Error> {
    let mirror = Mirror::from_config(&ctx.config)?;
    let batch = ctx
        .config
        .env
        .get("VIBE_SYNC_BATCH")
        .and_then(|b| b.parse::<usize>().ok())
        .filter(|b| (1..=1000).contains(b))
        .unwrap_or(DEFAULT_BATCH);
    let mut store = ctx.store()?;
    let bar = Bar(ctx.out.progress.then(|| {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    }));
    let now = ctx.clock.now_ts();
    let rt = ctx.runtime()?;
    let reports =
        rt.block_on(crate::sync::push(&mut store, &mirror, batch, args.dry_run, args.full, &now, &bar));
    if let Some(b) = &bar.0 {
        b.finish_and_clear();
    }
    let reports = reports?;
    if ctx.out.json {
        #[derive(Serialize)]
        struct Doc<'a> {
            target: &'a str,
            dry_run: bool,
            tables: &'a [TableReport],
        }
        return ctx.out.json(&Doc { target: mirror.target(), dry_run: args.dry_run, tables: &reports });
    }
    ctx.out.line(render(mirror.target(), args.dry_run, &reports))
}

fn render(target: &str, dry_run: bool, reports: &[TableReport]) -> String {
    let total: usize = reports.iter().map(|r| r.rows).sum();
    let mut s = if dry_run {
        format!("Would send {total} rows to {target} (dry run, nothing sent):\n")
    } else if total == 0 {
        format!("{target} is up to date.\n")
    } else {
        format!("Sent {total} rows to {target}:\n")
    };
    for r in reports {
        s.push_str(&format!("  {:<13} {:>6}\n", r.table, r.rows));
        for id in &r.ids {
            s.push_str(&format!("    {id}\n"));
        }
    }
    s.trim_end().to_string()
}

struct Bar(Option<ProgressBar>);

impl Progress for Bar {
    fn table(&self, table: &str, pending: u64) {
        if let Some(b) = &self.0 {
            b.set_message(table.to_string());
            b.set_length(pending);
            b.set_position(0);
        }
    }
    fn sent(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }
}
