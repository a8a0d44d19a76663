//! `vibe crs PROMPT`: a change request spec from the prompt and the repository, recorded in
//! the history. Also the pieces `vibe plan` shares: the model client made before any work,
//! the live progress line, `--out` files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::Ctx;
use crate::cli::CrsArgs;
use crate::error::Error;
use crate::llm::{Client, StreamProgress, Usage};
use crate::output::{duration_ms, short_id};

/// Runs `vibe crs`.
pub fn run(ctx: &Ctx, args: &CrsArgs) -> Result<(), Error> {
    let client = client(ctx)?;
    ctx.config.require_repo()?;
    let out_format = args.out.as_deref().map(|p| out_format(ctx, p)).transpose()?;
    let mut store = ctx.store()?;
    let spinner = Spinner::start(ctx, "Writing the change request spec");
    let rt = ctx.runtime()?;
    let cb = spinner.callback();
    let progress = cb.as_ref().map(|f| f as &(dyn Fn(StreamProgress) + Sync));
    let result = rt.block_on(crate::crs::generate(
        &client,
        &ctx.config,
        &mut store,
        &ctx.clock,
        &args.prompt,
        None,
        progress,
    ));
    spinner.finish();
    let outcome = result?;
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

    /// The progress callback for the model client, when there is a spinner.
    pub(super) fn callback(&self) -> Option<impl Fn(StreamProgress) + Sync + '_> {
        let bar = self.bar.as_ref()?;
        let label = self.label.clone();
        Some(move |p: StreamProgress| {
            let secs = p.elapsed.as_secs_f64();
            let msg = match p.waiting {
                Some(w) => format!(
                    "{label}… retrying in {:.1}s (attempt {} failed) · {secs:.1}s",
                    w.as_secs_f64(),
                    p.attempt
                ),
                None => format!("{label}… {} tokens · {secs:.1}s", p.tokens),
            };
            bar.set_message(msg);
        })
    }

    pub(super) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
