//! `vibe context PROMPT [--explain]`: the repository context a CRS or plan request would
//! send, and why. Plain output is the context itself (pipe it anywhere); `--explain` is a
//! table of the chosen files with scores, reasons and token counts; `--json` has both.

use super::history::table_text;
use super::Ctx;
use crate::cli::ContextArgs;
use crate::error::Error;

/// Runs `vibe context`.
pub fn run(ctx: &Ctx, args: &ContextArgs) -> Result<(), Error> {
    let root = ctx.config.require_repo()?;
    let budget = args.tokens.unwrap_or(ctx.config.context_max_tokens);
    if budget < 256 {
        return Err(Error::usage(format!("a budget of {budget} tokens is too small"))
            .with_hint("give --tokens 256 or more"));
    }
    let cache = ctx.config.cache_dir();
    let c = crate::context::gather_cached(root, Some(&cache), &args.prompt, budget)?;
    if ctx.out.json {
        return ctx.out.json(&c);
    }
    let mut summary = format!(
        "{} file(s) included · {} of {} tokens · {} files seen, {} read for ranking · skipped {} binary, {} generated, {} large, {} symlink(s), {} secret-bearing",
        c.files.len(),
        c.tokens,
        c.max_tokens,
        c.files_seen,
        c.files_scanned,
        c.skipped.binary,
        c.skipped.generated,
        c.skipped.large,
        c.skipped.symlinks,
        c.skipped.secret,
    );
    if c.redacted > 0 {
        summary.push_str(&format!(" · {} secret(s) redacted", c.redacted));
    }
    summary.push_str(&format!(" · {} ms", c.elapsed_ms));
    if !args.explain {
        ctx.out.line(c.text.trim_end())?;
        ctx.out.note(format!("\n{summary}"));
        return Ok(());
    }
    ctx.out.line(format!(
        "Search terms: {}",
        if c.terms.is_empty() { "(none)".to_string() } else { c.terms.join(", ") }
    ))?;
    ctx.out.line(format!("Layout summary: {} tokens", c.tree_tokens))?;
    ctx.out.line("")?;
    if c.files.is_empty() {
        ctx.out.line("No file matched the prompt; only the layout would be sent.")?;
    } else {
        let mut t = ctx.out.table(&["#", "file", "sent as", "tokens", "score", "why"]);
        for (i, f) in c.files.iter().enumerate() {
            t.add_row(vec![
                (i + 1).to_string(),
                f.path.clone(),
                match f.inclusion {
                    crate::context::Inclusion::Full => "whole".to_string(),
                    crate::context::Inclusion::Outline => "outline".to_string(),
                },
                f.tokens.to_string(),
                format!("{:.2}", f.score),
                match f.redacted {
                    0 => f.reasons.join("; "),
                    n => format!("{}; {n} secret(s) redacted", f.reasons.join("; ")),
                },
            ]);
        }
        ctx.out.line(table_text(&t))?;
    }
    if !c.left_out.is_empty() {
        ctx.out.line("")?;
        ctx.out.line("Relevant but over the budget:")?;
        for l in &c.left_out {
            ctx.out.line(format!("  {} (score {:.2}, {} tokens)", l.path, l.score, l.tokens))?;
        }
    }
    let (repository, task) = crate::crs::request_tokens(&ctx.config, root, &args.prompt, &c);
    ctx.out.line("")?;
    ctx.out.line("Prompt tokens per request (estimated):")?;
    ctx.out.line(format!(
        "  crs   {}  = the repository message {repository} + the task {task}",
        repository + task
    ))?;
    ctx.out.line(format!(
        "  plan  {repository} + the task and the CRS  (the same repository message first: a server with prompt caching reads it from its cache)"
    ))?;
    ctx.out.line("")?;
    ctx.out.line(summary)
}
