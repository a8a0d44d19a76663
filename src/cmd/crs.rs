//! `vibe crs PROMPT`: a change request spec from the prompt and the repository, recorded in
//! the history. Also the pieces `vibe plan` shares: the pipeline driven to a draft with a
//! live progress line, the model client made before any work, `--out` files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use tokio::sync::mpsc;

use super::Ctx;
use crate::cli::CrsArgs;
use crate::error::Error;
use crate::event::{Event, Op, Stage};
use crate::llm::{Client, Usage};
use crate::output::{duration_ms, short_id};
use crate::pipeline::{self, Outcome, Request, Services, Start, Stop};

/// Runs `vibe crs`.
pub fn run(ctx: &Ctx, args: &CrsArgs) -> Result<(), Error> {
    let client = client(ctx)?;
    let repo = ctx.config.require_repo()?.to_path_buf();
    let out_format = args.out.as_deref().map(|p| out_format(ctx, p)).transpose()?;
    let mut services = Services::new(ctx.store()?, Some(client));
    let req = Request::draft(repo, Start::Prompt(args.prompt.clone()), Stop::Crs);
    let (result, _) = drive_draft(ctx, &mut services, req);
    let outcome = match result? {
        Outcome::Crs(made) => *made,
        _ => return Err(Error::failure("the change request spec was not written")),
    };
    if let Some((path, format)) = &out_format {
        let text = match format {
            Format::Json => pretty(&outcome.crs)?,
            Format::Markdown => crate::crs::to_markdown(&outcome.crs),
        };
        write_file(path, &text)?;
    }
    if ctx.out.json {
        #[derive(Serialize)]
        struct Doc<'a> {
            id: &'a str,
            crs: &'a crate::crs::Crs,
            usage: &'a Usage,
            processing_time_ms: Option<i64>,
            context: ContextSummary,
            out: Option<&'a Path>,
        }
        return ctx.out.json(&Doc {
            id: &outcome.record.id,
            crs: &outcome.crs,
            usage: &outcome.usage,
            processing_time_ms: outcome.record.processing_time_ms,
            context: ContextSummary::of(&outcome.context),
            out: out_format.as_ref().map(|(p, _)| p.as_path()),
        });
    }
    ctx.out.line(crate::crs::to_markdown(&outcome.crs).trim_end())?;
    ctx.out.note(format!(
        "\nCRS {} recorded · {} · {}",
        short_id(&outcome.record.id),
        usage_line(&outcome.usage),
        duration_ms(outcome.record.processing_time_ms.unwrap_or(0))
    ));
    if let Some((p, _)) = &out_format {
        ctx.out.note(format!("Written to {}", p.display()));
    }
    Ok(())
}

/// What the context held, for JSON output.
#[derive(Debug, Serialize)]
pub(super) struct ContextSummary {
    files: Vec<String>,
    tokens: usize,
    max_tokens: usize,
}

impl ContextSummary {
    pub(super) fn of(c: &crate::context::Context) -> Self {
        Self {
            files: c.files.iter().map(|f| f.path.clone()).collect(),
            tokens: c.tokens,
            max_tokens: c.max_tokens,
        }
    }
}

/// Runs the pipeline to a CRS or a plan with a spinner showing its progress (on a terminal).
/// Returns the outcome and the id of the CRS recorded on the way, if any.
pub(super) fn drive_draft(
    ctx: &Ctx,
    services: &mut Services,
    req: Request,
) -> (Result<Outcome, Error>, Option<String>) {
    let first = match req.start {
        Start::Prompt(_) => Stage::Crs,
        _ => Stage::Plan,
    };
    let mut spinner = Spinner::start(ctx, Spinner::label(first));
    let mut crs_id = None;
    let rt = match ctx.runtime() {
        Ok(rt) => rt,
        Err(e) => return (Err(e), None),
    };
    let (ev_tx, mut ev_rx) = mpsc::unbounded_channel::<Event>();
    let (_op_tx, op_rx) = mpsc::unbounded_channel::<Op>();
    let result = rt.block_on(async {
        let pipe = pipeline::run(&ctx.config, ctx.clock, services, req, ev_tx, op_rx);
        let shown = async {
            while let Some(ev) = ev_rx.recv().await {
                match ev {
                    Event::StageStarted { stage } => spinner.relabel(Spinner::label(stage)),
                    Event::ModelProgress { tokens, elapsed_ms, attempt, retry_in_ms, .. } => {
                        spinner.progress(tokens, elapsed_ms, attempt, retry_in_ms)
                    }
                    Event::CrsReady { crs_id: id, .. } => crs_id = Some(id),
                    _ => {}
                }
            }
        };
        let (outcome, ()) = tokio::join!(pipe, shown);
        outcome
    });
    spinner.finish();
    (result, crs_id)
}

/// The model client, made before any other work so missing settings cost nothing.
pub(super) fn client(ctx: &Ctx) -> Result<Client, Error> {
    Ok(Client::new(&ctx.config.model)?)
}

/// `model · N tokens · $cost` (cost omitted when unknown; "~" when tokens were counted).
pub(super) fn usage_line(u: &Usage) -> String {
    let approx = if u.estimated { "~" } else { "" };
    let cost = if u.cost_usd > 0.0 { format!(" · ${:.4}", u.cost_usd) } else { String::new() };
    format!("{} · {approx}{} tokens{cost}", u.model, u.total())
}

/// Output file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Json,
    Markdown,
}

/// The format of an `--out` file, from its extension; checked before any work.
pub(super) fn out_format(ctx: &Ctx, path: &Path) -> Result<(PathBuf, Format), Error> {
    let full = super::resolve_path(ctx, path);
    let ext = full.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let format = match ext.as_deref() {
        Some("json") => Format::Json,
        Some("md" | "markdown") => Format::Markdown,
        _ => {
            return Err(Error::usage(format!("cannot tell the format of {}", path.display()))
                .with_hint("end the file name in .json or .md"))
        }
    };
    if let Some(dir) = full.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(Error::usage(format!("no such directory: {}", dir.display())));
        }
    }
    Ok((full, format))
}

/// Pretty JSON with a final newline.
pub(super) fn pretty<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value).map(|s| s + "\n").map_err(|e| Error::failure(e.to_string()))
}

/// Writes a file atomically (temporary file, then rename).
pub(super) fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::failure(format!("cannot write {}: {e}", path.display())))?;
    std::fs::write(tmp.path(), text)
        .map_err(|e| Error::failure(format!("cannot write {}: {e}", path.display())))?;
    tmp.persist(path).map_err(|e| Error::failure(format!("cannot write {}: {}", path.display(), e.error)))?;
    Ok(())
}

/// A spinner on stderr with tokens so far and elapsed time — only on a terminal, never in
/// `--json` or `-q` mode.
pub(super) struct Spinner {
    bar: Option<indicatif::ProgressBar>,
    label: String,
}

impl Spinner {
    pub(super) fn start(ctx: &Ctx, label: &str) -> Spinner {
        let bar = ctx.out.progress.then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg}") {
                bar.set_style(style);
            }
            bar.set_message(format!("{label}…"));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Spinner { bar, label: label.to_string() }
    }

    /// A new stage on the same line.
    pub(super) fn relabel(&mut self, label: &str) {
        self.label = label.to_string();
        if let Some(b) = &self.bar {
            b.set_message(format!("{label}…"));
        }
    }

    /// What a stage's spinner says.
    fn label(stage: Stage) -> &'static str {
        match stage {
            Stage::Crs => "Writing the change request spec",
            _ => "Planning",
        }
    }

    /// Shows the model's progress: tokens so far, or the wait before a retry.
    pub(super) fn progress(&self, tokens: u64, elapsed_ms: u64, attempt: u32, retry_in_ms: Option<u64>) {
        let Some(bar) = &self.bar else { return };
        let label = &self.label;
        let secs = elapsed_ms as f64 / 1000.0;
        let msg = match retry_in_ms {
            Some(w) => format!(
                "{label}… retrying in {:.1}s (attempt {attempt} failed) · {secs:.1}s",
                w as f64 / 1000.0
            ),
            None => format!("{label}… {tokens} tokens · {secs:.1}s"),
        };
        bar.set_message(msg);
    }

    pub(super) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
