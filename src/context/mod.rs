//! Repository context for CRS and plan requests: the files that matter for a prompt, packed
//! into a token budget — never the whole repository.
//!
//! 1. **Walk** ([`walk`]) every file the ignore rules keep; skip secret-bearing, binary,
//!    generated, huge files and symbolic links.
//! 2. **Rank** ([`rank`]): BM25 of the prompt's terms over path segments (every file) and
//!    over identifiers in the first 16 KiB of each file (every file in repositories up to
//!    [`CONTENT_SCAN_LIMIT`] files; beyond that the best candidates by path and recency, so
//!    large repositories stay fast), plus a bonus for files changed recently in git
//!    ([`recent`]) and for the project's README and manifests.
//!    Files that define a name the prompt mentions rank first ([`symbols`]); tests lend part
//!    of their score to the file they test; tests and prose weigh less than source.
//! 3. **Pack** ([`pack`]): a layout summary, a listing of the files that follow (whole or
//!    outline), then the files in rank order — the best [`WHOLE_FILES`] and small ones whole,
//!    the others as an outline of their definitions — until the budget is spent. Every file
//!    passes [`crate::redact`] first (configuration files in its configuration mode).
//!
//! Secret-bearing files ([`crate::redact::SECRET_FILES`]) appear in the layout by path only:
//! the model may know that `.env.production` exists, never what it holds.
//!
//! Tokens are counted with [`crate::llm::tokens::estimate`] (approximate, see there). The
//! result depends only on the files, the git history and the prompt: the same inputs give
//! the same context.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::error::Error;
use crate::llm::tokens;
use crate::redact;

pub mod cache;
pub mod pack;
pub mod rank;
pub mod recent;
pub mod symbols;
pub mod walk;

pub use walk::{FileKind, Skipped};

/// Files whose content is read for ranking, at most.
pub const CONTENT_SCAN_LIMIT: usize = 3000;
/// How much of a file is scanned for definitions of the names a prompt mentions: definitions
/// past it (in the rare source file larger than this) are not found by name.
pub const DEFINITION_BYTES: usize = 64 * 1024;
/// Files considered for packing, at most.
const PACK_CANDIDATES: usize = 200;
/// Share of the budget a single file may take whole.
const FILE_SHARE: f64 = 0.4;
/// Files sent whole at most, best ranked first (smaller files than [`SMALL_FILE`] aside);
/// the others go as outlines of their definitions, so many candidates fit.
pub const WHOLE_FILES: usize = 3;
/// Files of at most this many tokens go whole wherever they rank: an outline saves little.
const SMALL_FILE: usize = 400;
/// Share of the budget one outline may take.
const OUTLINE_SHARE: f64 = 0.1;
/// Share of a test file's score lent to the file it tests.
const TEST_SHARE: f64 = 0.3;

/// Files that describe the project, worth a place in any context.
const MANIFESTS: &[&str] = &[
    "README.md",
    "README",
    "README.rst",
    "Cargo.toml",
    "package.json",
    "pyproject.toml",
    "go.mod",
    "setup.py",
    "pom.xml",
    "build.gradle",
    "Makefile",
    "CMakeLists.txt",
    "Gemfile",
    "composer.json",
    "mix.exs",
    "deno.json",
];

/// An error gathering context.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// The root cannot be walked.
    #[error("cannot read the repository at {root}: {message}")]
    Walk {
        /// The root.
        root: String,
        /// Why.
        message: String,
    },
}

impl From<ContextError> for Error {
    fn from(e: ContextError) -> Self {
        Error::failure(e.to_string()).with_hint("run vibe inside a git repository, or pass --repo PATH")
    }
}

/// How a file was included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Inclusion {
    /// The whole file.
    Full,
    /// Its definition lines only.
    Outline,
}

/// A file in the context, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Included {
    /// Path relative to the repository root.
    pub path: String,
    /// Whole or outline.
    pub inclusion: Inclusion,
    /// Tokens it takes (its heading included).
    pub tokens: usize,
    /// Relevance score.
    pub score: f64,
    /// Why it ranked where it did.
    pub reasons: Vec<String>,
    /// Secrets replaced by a marker in what was sent.
    pub redacted: usize,
}

/// A ranked file that did not fit.
#[derive(Debug, Clone, Serialize)]
pub struct Left {
    /// Path.
    pub path: String,
    /// Relevance score.
    pub score: f64,
    /// Tokens its outline would have taken.
    pub tokens: usize,
}

/// The gathered context.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    /// Repository name (the root directory's name).
    pub repo: String,
    /// Search terms taken from the prompt.
    pub terms: Vec<String>,
    /// Files seen by the walk (after ignore rules).
    pub files_seen: usize,
    /// Files left out, by reason.
    pub skipped: Skipped,
    /// Files whose content was read for ranking.
    pub files_scanned: usize,
    /// Tokens of the layout summary.
    pub tree_tokens: usize,
    /// Files included, in rank order.
    pub files: Vec<Included>,
    /// The best ranked files that did not fit.
    pub left_out: Vec<Left>,
    /// Secrets replaced by a marker, over all files sent.
    pub redacted: usize,
    /// Tokens of [`Context::text`].
    pub tokens: usize,
    /// The budget.
    pub max_tokens: usize,
    /// Time taken, in milliseconds (the only part that varies between runs).
    pub elapsed_ms: u64,
    /// The text sent to the model.
    pub text: String,
}

struct Candidate {
    idx: usize,
    score: f64,
    reasons: Vec<String>,
}

/// What the prompt does not change: the repository's files (after ignore rules) and what git
/// knows about them. Taken once, it serves several gatherings of the same run (the CRS and
/// the plan).
#[derive(Debug)]
pub struct Snapshot {
    root: std::path::PathBuf,
    files: Vec<walk::FileInfo>,
    symlinks: usize,
    git: recent::GitState,
    elapsed: std::time::Duration,
    cached: bool,
}

impl Snapshot {
    /// Walks the repository at `root` and reads its git state (beside the walk).
    pub fn take(root: &Path) -> Result<Self, ContextError> {
        Self::take_cached(root, None)
    }

    /// [`Snapshot::take`], served from the cache in `cache_dir` ([`cache`]) when the
    /// repository has not changed since it was kept there, and kept there otherwise.
    pub fn take_cached(root: &Path, cache_dir: Option<&Path>) -> Result<Self, ContextError> {
        let started = Instant::now();
        let key = cache_dir.map(|_| cache::key(root));
        if let (Some(dir), Some(key)) = (cache_dir, key.as_ref()) {
            if let Some(loaded) = cache::load(dir, root, key) {
                return Ok(Self {
                    root: root.to_path_buf(),
                    files: loaded.files,
                    symlinks: loaded.symlinks,
                    git: loaded.git,
                    elapsed: started.elapsed(),
                    cached: true,
                });
            }
        }
        let walk_started = std::time::SystemTime::now();
        let (walked, git) = std::thread::scope(|scope| {
            let git = scope.spawn(|| recent::GitState::read(root));
            let walked = walk::walk_tree(root);
            (walked, git.join().unwrap_or_default())
        });
        let walked =
            walked.map_err(|message| ContextError::Walk { root: root.display().to_string(), message })?;
        if let (Some(dir), Some(key)) = (cache_dir, key.as_ref()) {
            cache::store(dir, root, key, &walked, &git, walk_started);
        }
        Ok(Self {
            root: root.to_path_buf(),
            files: walked.files,
            symlinks: walked.symlinks,
            git,
            elapsed: started.elapsed(),
            cached: false,
        })
    }

    /// Whether it came from the cache (no walk).
    pub fn cached(&self) -> bool {
        self.cached
    }

    /// The files: path, size, kind and modification time, sorted by path.
    pub fn files(&self) -> &[walk::FileInfo] {
        &self.files
    }

    /// The files with uncommitted changes.
    pub fn uncommitted(&self) -> std::collections::HashSet<String> {
        self.git.with_files(&self.files).uncommitted
    }
}

/// Gathers the context for `prompt` from the repository at `root` within `max_tokens`.
pub fn gather(root: &Path, prompt: &str, max_tokens: usize) -> Result<Context, ContextError> {
    let snapshot = Snapshot::take(root)?;
    let mut context = gather_from(&snapshot, prompt, max_tokens)?;
    context.elapsed_ms += snapshot.elapsed.as_millis() as u64;
    Ok(context)
}

/// [`gather`], the walk served from (or kept in) the cache in `cache_dir` ([`cache`]).
pub fn gather_cached(
    root: &Path,
    cache_dir: Option<&Path>,
    prompt: &str,
    max_tokens: usize,
) -> Result<Context, ContextError> {
    let snapshot = Snapshot::take_cached(root, cache_dir)?;
    let mut context = gather_from(&snapshot, prompt, max_tokens)?;
    context.elapsed_ms += snapshot.elapsed.as_millis() as u64;
    Ok(context)
}

/// [`gather_from`] `snapshot` when one was taken, else [`gather`] from `root`.
pub fn gather_with(
    root: &Path,
    snapshot: Option<&Snapshot>,
    prompt: &str,
    max_tokens: usize,
) -> Result<Context, ContextError> {
    match snapshot {
        Some(snapshot) => gather_from(snapshot, prompt, max_tokens),
        None => gather(root, prompt, max_tokens),
    }
}

/// [`gather`] from a snapshot already taken (its time is not counted in `elapsed_ms`).
pub fn gather_from(snapshot: &Snapshot, prompt: &str, max_tokens: usize) -> Result<Context, ContextError> {
    let started = Instant::now();
    let root = snapshot.root.as_path();
    let files = &snapshot.files;
    let mut skipped = Skipped { symlinks: snapshot.symlinks, ..Skipped::default() };
    let terms = rank::query_terms(prompt);
    let names = symbols::prompt_names(prompt);
    let recent = snapshot.git.with_files(files);

    let mut kinds: Vec<FileKind> = files.iter().map(|f| f.kind).collect();
    for k in &kinds {
        match k {
            FileKind::Binary => skipped.binary += 1,
            FileKind::Generated => skipped.generated += 1,
            FileKind::Large => skipped.large += 1,
            FileKind::Secret => skipped.secret += 1,
            FileKind::Text => {}
        }
    }

    // Path BM25 over every text file.
    let text_idx: Vec<usize> = (0..files.len()).filter(|i| kinds[*i] == FileKind::Text).collect();
    let path_docs: Vec<(rank::Doc, u32)> =
        text_idx.iter().map(|&i| rank::count_terms(&files[i].path, &terms)).collect();
    let path_bm = rank::Bm25::new(&terms, path_docs.iter());

    // Prior score: path relevance, recency, manifests.
    let mut cands: Vec<Candidate> = Vec::with_capacity(text_idx.len());
    for (k, &i) in text_idx.iter().enumerate() {
        let path = &files[i].path;
        let mut score = 0.0;
        let mut reasons = Vec::new();
        let (s, matched) = path_bm.score(&path_docs[k]);
        if s > 0.0 {
            score += 2.0 * s;
            let names: Vec<&str> = matched.iter().map(|(t, _)| t.as_str()).collect();
            reasons.push(format!("path matches {}", names.join(", ")));
        }
        if recent.uncommitted.contains(path) {
            score += 1.5;
            reasons.push("uncommitted change".to_string());
        } else if let Some(n) = recent.committed.get(path) {
            score += 1.0 / (1.0 + *n as f64);
            reasons.push(if *n == 0 {
                "changed in the last commit".to_string()
            } else {
                format!("changed {} commits ago", n + 1)
            });
        }
        if MANIFESTS.contains(&path.as_str()) {
            score += 0.5;
            reasons.push("project manifest".to_string());
        }
        cands.push(Candidate { idx: i, score, reasons });
    }

    // Content BM25 over identifiers, for every file in smaller repositories and for the best
    // candidates by prior score in larger ones.
    let by_score = |a: &Candidate, b: &Candidate| {
        b.score.total_cmp(&a.score).then_with(|| files[a.idx].path.cmp(&files[b.idx].path))
    };
    if cands.len() > CONTENT_SCAN_LIMIT {
        cands.sort_by(by_score);
    }
    let scan = cands.len().min(CONTENT_SCAN_LIMIT);
    let to_read: Vec<(usize, &str, u64)> = cands
        .iter()
        .take(scan)
        .enumerate()
        .map(|(c, cand)| (c, files[cand.idx].path.as_str(), files[cand.idx].size))
        .collect();
    let mut content_docs: Vec<(usize, (rank::Doc, u32))> = Vec::with_capacity(scan);
    let mut scans: Vec<Option<symbols::FileSymbols>> = vec![None; cands.len()];
    for (c, read) in read_heads(root, &to_read, &terms, &names) {
        let i = cands[c].idx;
        match read {
            Ok((doc, syms)) => {
                content_docs.push((c, doc));
                scans[c] = Some(syms);
            }
            Err(kind) => {
                kinds[i] = kind;
                match kind {
                    FileKind::Binary => skipped.binary += 1,
                    _ => skipped.generated += 1,
                }
            }
        }
    }
    let content_bm = rank::Bm25::new(&terms, content_docs.iter().map(|(_, d)| d));
    for (c, doc) in &content_docs {
        let (s, matched) = content_bm.score(doc);
        if s > 0.0 {
            cands[*c].score += s;
            let mut m = matched.clone();
            m.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let shown: Vec<String> = m.iter().take(4).map(|(t, n)| format!("{t} ×{n}")).collect();
            cands[*c].reasons.push(format!("mentions {}", shown.join(", ")));
        }
    }
    let files_scanned = content_docs.len();
    // Definitions of the names the prompt mentions, then tests lending their score to the code
    // they test, then tests and prose weighed below source.
    let cand_paths: Vec<&str> = cands.iter().map(|c| files[c.idx].path.as_str()).collect();
    for (c, (boost, reasons)) in symbols::boosts(&cand_paths, &scans, &names).into_iter().enumerate() {
        cands[c].score += boost;
        cands[c].reasons.extend(reasons);
    }
    // Tests that scored lend to the source files named like their subject (found in one pass
    // over the candidates, for those subjects only).
    let lenders: Vec<(usize, String)> = cand_paths
        .iter()
        .enumerate()
        .filter(|(c, path)| cands[*c].score > 0.0 && symbols::is_test(path))
        .filter_map(|(c, path)| symbols::tested_stem(path).map(|s| (c, s)))
        .collect();
    let mut by_stem: std::collections::HashMap<&str, Vec<usize>> =
        lenders.iter().map(|(_, s)| (s.as_str(), Vec::new())).collect();
    if !by_stem.is_empty() {
        for (c, path) in cand_paths.iter().enumerate() {
            let stem = symbols::stem(path);
            if let Some(subjects) = by_stem
                .iter_mut()
                .find_map(|(s, v)| stem.eq_ignore_ascii_case(s).then_some(v))
                .filter(|_| !symbols::is_test(path) && !symbols::is_prose(path))
            {
                subjects.push(c);
            }
        }
    }
    let mut lent: Vec<(usize, f64, String)> = Vec::new();
    for (c, stem) in &lenders {
        if let Some(subjects) = by_stem.get(stem.as_str()).filter(|s| s.len() <= 3) {
            for &to in subjects {
                lent.push((to, TEST_SHARE * cands[*c].score, cand_paths[*c].to_string()));
            }
        }
    }
    for (to, score, from) in lent {
        cands[to].score += score;
        cands[to].reasons.push(format!("tested by {from}"));
    }
    for (c, path) in cand_paths.iter().enumerate() {
        if cands[c].score > 0.0 {
            cands[c].score *= symbols::kind_weight(path);
        }
    }
    cands.retain(|c| kinds[c.idx] == FileKind::Text && c.score > 0.0);
    cands.sort_by(by_score);
    cands.truncate(PACK_CANDIDATES);

    // Pack: header, layout, then files.
    let repo = root.file_name().and_then(|n| n.to_str()).unwrap_or("repository").to_string();
    let listed: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut text = format!("# Repository `{repo}`\n\n## Layout ({} files)\n\n", files.len());
    let tree = pack::tree(&listed, (max_tokens / 8).max(64));
    let tree_tokens = tokens::estimate(&tree);
    text.push_str(&tree);
    text.push_str("\n## Relevant files\n\n");
    let mut used = tokens::estimate(&text);
    // The listing of what follows (whole or outline), then the files.
    let mut listing = String::new();
    let mut blocks = String::new();
    let mut wholes = 0usize;
    let mut included = Vec::new();
    let mut left_out = Vec::new();
    let per_file = (max_tokens as f64 * FILE_SHARE) as usize;
    let secret_files = redact::SecretFiles::builtin();
    let mut redacted = 0;
    for cand in cands {
        let path = &files[cand.idx].path;
        let remaining = max_tokens.saturating_sub(used);
        let Some(bytes) = walk::read_head(&root.join(path), walk::MAX_FILE_BYTES as usize) else { continue };
        let raw = String::from_utf8_lossy(&bytes);
        let cleaned = redact::redact(&raw, secret_files.mode(path));
        let secrets = cleaned.count();
        let content = cleaned.text;
        let full = format!("\n### {path}\n\n{}", pack::fenced(path, &content));
        let full_tokens = tokens::estimate(&full);
        let entry = |inclusion: &str| format!("- {path} ({inclusion})\n");
        let whole_fits =
            full_tokens + tokens::estimate(&entry("whole")) <= remaining && full_tokens <= per_file.max(256);
        // Outline first: the best files whole, the rest as outlines unless they are small.
        let (block, inclusion, t) = if whole_fits && (wholes < WHOLE_FILES || full_tokens <= SMALL_FILE) {
            (full, Inclusion::Full, full_tokens)
        } else {
            let heading = format!("\n### {path} (outline: definitions with line numbers)\n\n");
            let cap = ((max_tokens as f64 * OUTLINE_SHARE) as usize).max(256);
            let room = remaining
                .min(cap)
                .saturating_sub(tokens::estimate(&heading) + tokens::estimate(&entry("outline")) + 8);
            let o = pack::outline(path, &content, 120, room);
            let block = format!("{heading}{}", pack::fenced(path, &o));
            let t = tokens::estimate(&block);
            // An outline of fewer than three definitions is not worth its heading.
            let poor = o.lines().filter(|l| !l.trim_start().starts_with('…')).count() < 3;
            if whole_fits && poor {
                (full, Inclusion::Full, full_tokens)
            } else if poor || t + tokens::estimate(&entry("outline")) > remaining {
                if left_out.len() < 20 {
                    left_out.push(Left { path: path.clone(), score: round(cand.score), tokens: t });
                }
                continue;
            } else {
                (block, Inclusion::Outline, t)
            }
        };
        let line = entry(if inclusion == Inclusion::Full { "whole" } else { "outline" });
        if inclusion == Inclusion::Full && full_tokens > SMALL_FILE {
            wholes += 1;
        }
        let t = t + tokens::estimate(&line);
        used += t;
        redacted += secrets;
        listing.push_str(&line);
        blocks.push_str(&block);
        included.push(Included {
            path: path.clone(),
            inclusion,
            tokens: t,
            score: round(cand.score),
            reasons: cand.reasons,
            redacted: secrets,
        });
        if max_tokens.saturating_sub(used) < 32 {
            break;
        }
    }
    text.push_str(&listing);
    text.push_str(&blocks);
    let tokens = tokens::estimate(&text);
    Ok(Context {
        repo,
        terms,
        files_seen: files.len(),
        skipped,
        files_scanned,
        tree_tokens,
        files: included,
        left_out,
        redacted,
        tokens,
        max_tokens,
        elapsed_ms: started.elapsed().as_millis() as u64,
        text,
    })
}

/// Reads the head of each file on several threads and counts the query terms in it; a file
/// that turns out binary or generated comes back as its kind. Results are in input order.
/// The first [`DEFINITION_BYTES`] are scanned for the prompt's `names`.
#[allow(clippy::type_complexity)]
fn read_heads(
    root: &Path,
    to_read: &[(usize, &str, u64)],
    terms: &[String],
    names: &[symbols::Named],
) -> Vec<(usize, Result<((rank::Doc, u32), symbols::FileSymbols), FileKind>)> {
    let one = |(c, path, size): &(usize, &str, u64)| {
        let limit = if names.is_empty() { walk::HEAD_BYTES } else { DEFINITION_BYTES };
        let bytes = walk::read_head_sized(&root.join(path), limit, *size)?;
        let kind = walk::classify_content(&bytes);
        if kind != FileKind::Text {
            return Some((*c, Err(kind)));
        }
        let text = String::from_utf8_lossy(&bytes);
        let mut head = text.len().min(walk::HEAD_BYTES);
        while !text.is_char_boundary(head) {
            head -= 1;
        }
        let doc = rank::count_terms(&text[..head], terms);
        let syms = symbols::scan(&text, names);
        Some((*c, Ok((doc, syms))))
    };
    let threads = walk::threads();
    if to_read.len() < 64 || threads == 1 {
        return to_read.iter().filter_map(one).collect();
    }
    let chunk = to_read.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = to_read
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().filter_map(one).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap_or(root)).ok();
        std::fs::write(path, text).ok();
    }

    /// A prompt naming `send_file` brings the file defining it first, ahead of the tests and
    /// documents that say "send" and "file" far more often.
    #[test]
    fn the_file_defining_a_named_function_comes_first() {
        let dir = tempfile::tempdir().ok();
        let Some(root) = dir.as_ref().map(|d| d.path()) else { return };
        write(
            root,
            "src/pkg/helpers.py",
            "import os\n\ndef send_file(path, name=None):\n    return open(path)\n",
        );
        write(
            root,
            "src/pkg/app.py",
            "from .helpers import send_file\n\nclass App:\n    def run(self):\n        pass\n",
        );
        for i in 0..12 {
            let many = "send the file; the file is sent; file files send sending\n".repeat(10);
            write(root, &format!("docs/files_{i}.md"), &format!("# Sending files\n\n{many}"));
            write(
                root,
                &format!("tests/test_file_send_{i}.py"),
                &format!("def test_send_file_{i}():\n    # {many}\n    send_file('a')\n"),
            );
        }
        let c = gather(root, "send_file ignores the download name when sending a file", 20_000);
        let c = c.map_err(|e| e.to_string());
        assert_eq!(
            c.as_ref().ok().and_then(|c| c.files.first()).map(|f| f.path.as_str()),
            Some("src/pkg/helpers.py")
        );
        let first =
            c.as_ref().ok().and_then(|c| c.files.first()).map(|f| f.reasons.clone()).unwrap_or_default();
        assert!(first.iter().any(|r| r == "defines send_file"), "{first:?}");
    }

    /// Many candidates briefly, few in full: after the best three, larger files come as
    /// outlines, and the listing says which is which.
    #[test]
    fn the_best_files_go_whole_and_the_rest_as_outlines() {
        let dir = tempfile::tempdir().ok();
        let Some(root) = dir.as_ref().map(|d| d.path()) else { return };
        for i in 0..8 {
            let mut src = String::new();
            for k in 0..60 {
                src.push_str(&format!(
                    "pub fn parse_{i}_{k}(input: &str) -> usize {{\n    input.len() + {k}\n}}\n\n"
                ));
            }
            write(root, &format!("src/parser_{i}.rs"), &src);
        }
        write(root, "src/tiny.rs", "pub fn parse_tiny() {}\n");
        let c = gather(root, "parser is slow", 20_000).map_err(|e| e.to_string());
        let Ok(c) = c else { panic!("{c:?}") };
        let whole: Vec<&str> =
            c.files.iter().filter(|f| f.inclusion == Inclusion::Full).map(|f| f.path.as_str()).collect();
        assert_eq!(c.files.len(), 9, "{whole:?}");
        assert_eq!(whole.len(), WHOLE_FILES + 1, "{whole:?}");
        assert!(whole.contains(&"src/tiny.rs"));
        for f in &c.files {
            let kind = if f.inclusion == Inclusion::Full { "whole" } else { "outline" };
            assert!(c.text.contains(&format!("\n- {} ({kind})\n", f.path)), "{}", c.text);
        }
        assert!(c.tokens <= 20_000);
    }
}
