//! Context-quality evaluation on real bug fixes: for each case of
//! `benches/context_eval/cases.jsonl` (a public repository, a fix commit, its parent, the
//! commit message and the source files the fix changed), checks the parent out, gathers the
//! context for the commit message as the prompt, and scores whether every changed file is in
//! the context (whole or as an outline; a path in the layout does not count), whether they are
//! all among the first five files, and the time taken. Scores per repository and overall.
//!
//! The repositories are not part of this one: clone them into a directory and point
//! `VIBE_EVAL_REPOS` at it (see the README). `VIBE_EVAL_BUDGET` sets the token budget (default
//! 20,000), `VIBE_EVAL_ONLY` keeps the repositories whose name contains it, and
//! `VIBE_EVAL_CASES` reads another case file.
//!
//! Run with `VIBE_EVAL_REPOS=DIR cargo bench --bench context_eval`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Case {
    repo: String,
    commit: String,
    parent: String,
    message: String,
    files: Vec<String>,
}

#[derive(Debug, Default)]
struct Score {
    cases: usize,
    in_context: usize,
    in_top5: usize,
    ms: Vec<f64>,
}

impl Score {
    fn add(&mut self, in_context: bool, in_top5: bool, ms: f64) {
        self.cases += 1;
        self.in_context += usize::from(in_context);
        self.in_top5 += usize::from(in_top5);
        self.ms.push(ms);
    }

    fn line(&self, name: &str) -> String {
        let pct = |n: usize| 100.0 * n as f64 / self.cases.max(1) as f64;
        let mean = self.ms.iter().sum::<f64>() / self.ms.len().max(1) as f64;
        let max = self.ms.iter().copied().fold(0.0, f64::max);
        format!(
            "{name:<22} {:>5} {:>9.1} % {:>9.1} % {:>9.0} ms {:>7.0} ms",
            self.cases,
            pct(self.in_context),
            pct(self.in_top5),
            mean,
            max
        )
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

fn read_cases(path: &Path) -> Result<Vec<Case>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1)))
        .collect()
}

fn run() -> Result<(), String> {
    let Some(clones) = std::env::var_os("VIBE_EVAL_REPOS").map(PathBuf::from) else {
        println!(
            "context_eval: skipped; set VIBE_EVAL_REPOS to a directory of clones of the repositories \
             in benches/context_eval/cases.jsonl (see the README)"
        );
        return Ok(());
    };
    let cases_path = std::env::var_os("VIBE_EVAL_CASES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/context_eval/cases.jsonl"));
    let budget: usize = std::env::var("VIBE_EVAL_BUDGET").ok().and_then(|b| b.parse().ok()).unwrap_or(20_000);
    let only = std::env::var("VIBE_EVAL_ONLY").unwrap_or_default();
    let mut by_repo: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    for case in read_cases(&cases_path)? {
        if case.repo.contains(&only) {
            by_repo.entry(case.repo.clone()).or_default().push(case);
        }
    }
    let work = tempfile::tempdir().map_err(|e| format!("cannot create a temp dir: {e}"))?;
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    let mut total = Score::default();
    println!("context_eval: {} cases, budget {budget} tokens", by_repo.values().map(Vec::len).sum::<usize>());
    for (repo, cases) in &by_repo {
        let name = repo.rsplit('/').next().unwrap_or(repo);
        let source = clones.join(name);
        if !source.exists() {
            return Err(format!(
                "{} is missing: run `git clone https://github.com/{repo}` in {}",
                source.display(),
                clones.display()
            ));
        }
        // A private clone sharing the objects: checking out never touches the user's clone.
        let dir = work.path().join(name);
        let out = Command::new("git")
            .args(["clone", "--quiet", "--shared", "--no-checkout"])
            .arg(&source)
            .arg(&dir)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "cannot clone {}: {}",
                source.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        for case in cases {
            git(&dir, &["checkout", "--quiet", "--force", "--detach", &case.parent])?;
            git(&dir, &["clean", "--quiet", "-fdx"])?;
            let started = Instant::now();
            let ctx = vibe::context::gather(&dir, &case.message, budget).map_err(|e| e.to_string())?;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            let ranks: Vec<Option<usize>> =
                case.files.iter().map(|f| ctx.files.iter().position(|i| &i.path == f)).collect();
            let in_context = ranks.iter().all(Option::is_some);
            let in_top5 = ranks.iter().all(|r| r.is_some_and(|r| r < 5));
            scores.entry(repo.clone()).or_default().add(in_context, in_top5, ms);
            total.add(in_context, in_top5, ms);
            if !in_top5 {
                let shown: Vec<String> = case
                    .files
                    .iter()
                    .zip(&ranks)
                    .map(|(f, r)| match r {
                        Some(r) => format!("{f} #{}", r + 1),
                        None => format!("{f} missing"),
                    })
                    .collect();
                let subject = case.message.lines().next().unwrap_or("");
                println!("  miss {repo} {} {:?}: {}", &case.commit[..10], subject, shown.join(", "));
            }
        }
    }
    println!(
        "\n{:<22} {:>5} {:>11} {:>11} {:>12} {:>10}",
        "repository", "cases", "all in ctx", "all top 5", "mean time", "max time"
    );
    for (repo, score) in &scores {
        println!("{}", score.line(repo));
    }
    println!("{}", total.line("overall"));
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("context_eval: {e}");
        std::process::exit(1);
    }
}
