//! `vibe trust [--list | --revoke]`, and what every command does about a repository whose
//! configuration is not trusted: one warning per ignored setting, and on a terminal, the first
//! time it matters, a one-line question.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use serde::Serialize;

use super::Ctx;
use crate::cli::{GlobalArgs, TrustArgs};
use crate::clock::Clock;
use crate::config::{Config, Ignored, Inputs, RepoTrust, Source, Why};
use crate::error::Error;
use crate::output::{self, Output};
use crate::trust::{Decision, Entry, Fingerprint, TrustStore};

/// Runs `vibe trust`.
pub fn run(ctx: &Ctx, args: &TrustArgs) -> Result<(), Error> {
    if args.list {
        list(ctx)
    } else if args.revoke {
        revoke(ctx)
    } else {
        trust(ctx)
    }
}

/// The repository the command is about, with its configuration as it is now.
fn current(ctx: &Ctx) -> Result<&RepoTrust, Error> {
    ctx.config.require_repo()?;
    ctx.config.repo_trust.as_ref().ok_or_else(|| Error::usage("not inside a git repository"))
}

fn trust(ctx: &Ctx) -> Result<(), Error> {
    let repo = current(ctx)?;
    record(&ctx.config, repo, Decision::Trusted, ctx.clock)?;
    // What the repository set that now applies.
    let applies: Vec<String> = untrusted(&ctx.config.ignored).map(|i| i.key.to_string()).collect();
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({
            "repo": repo.root,
            "fingerprint": repo.fingerprint,
            "decision": Decision::Trusted,
            "applies": applies,
        }));
    }
    ctx.out.line(format!("trusted {} ({})", repo.root.display(), files_of(&repo.root)))?;
    if !applies.is_empty() {
        ctx.out.line(format!("now applied: {}", applies.join(", ")))?;
    }
    ctx.out.note("a change to these files makes the repository untrusted again");
    Ok(())
}

fn revoke(ctx: &Ctx) -> Result<(), Error> {
    let repo = current(ctx)?;
    let mut store = TrustStore::open(&ctx.config.trust_store)?;
    let removed = store.remove(&repo.root);
    if removed.is_some() {
        store.save()?;
    }
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({ "repo": repo.root, "revoked": removed.is_some() }));
    }
    match removed {
        Some(_) => ctx.out.line(format!("no longer trusted: {}", repo.root.display())),
        None => ctx.out.line(format!("{} was not trusted", repo.root.display())),
    }
}

/// One row of `vibe trust --list`.
#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    entry: &'a Entry,
    /// `current`, `changed` (the files changed since: the decision no longer holds) or
    /// `missing` (the repository is gone).
    config: &'static str,
}

fn list(ctx: &Ctx) -> Result<(), Error> {
    let store = TrustStore::open(&ctx.config.trust_store)?;
    let rows: Vec<Listed> = store
        .entries()
        .iter()
        .map(|entry| {
            let config = if !entry.repo.is_dir() {
                "missing"
            } else if Fingerprint::of_repo(&entry.repo).is_ok_and(|f| f == entry.fingerprint) {
                "current"
            } else {
                "changed"
            };
            Listed { entry, config }
        })
        .collect();
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({ "store": store.path(), "repositories": rows }));
    }
    if rows.is_empty() {
        ctx.out.line("no repository is trusted yet")?;
        ctx.out.note("run `vibe trust` inside a repository to apply its .vibe.toml and .env in full");
        return Ok(());
    }
    let mut table = ctx.out.table(&["repository", "decision", "config", "fingerprint", "since"]);
    for r in &rows {
        let decision = match r.entry.decision {
            Decision::Trusted => "trusted",
            Decision::Declined => "declined",
        };
        let config = match r.config {
            "changed" => "changed since: untrusted",
            other => other,
        };
        table.add_row(vec![
            r.entry.repo.display().to_string(),
            decision.to_string(),
            config.to_string(),
            r.entry.fingerprint.short().to_string(),
            output::when(&r.entry.at),
        ]);
    }
    ctx.out.line(table.to_string())
}

fn record(config: &Config, repo: &RepoTrust, decision: Decision, clock: Clock) -> Result<(), Error> {
    let mut store = TrustStore::open(&config.trust_store)?;
    store.record(&repo.root, repo.fingerprint.clone(), decision, clock.now_ts());
    store.save()?;
    Ok(())
}

fn untrusted(ignored: &[Ignored]) -> impl Iterator<Item = &Ignored> {
    ignored.iter().filter(|i| matches!(i.why, Why::Untrusted { .. }))
}

/// The configuration files the repository has, for messages.
fn files_of(root: &Path) -> String {
    let present: Vec<&str> =
        crate::trust::CONFIG_FILES.into_iter().filter(|f| root.join(f).exists()).collect();
    match present.as_slice() {
        [] => "no .vibe.toml or .env yet".to_string(),
        files => files.join(", "),
    }
}

/// Before a command runs: when the repository's configuration sets guarded keys the user has
/// not decided on, ask once on a terminal (never with `--yes` or without one); then warn about
/// every setting still ignored and every `.env` line skipped. Returns the configuration to run
/// with (loaded again when the user said yes).
pub fn settle(
    config: Config,
    inputs: &Inputs,
    global: &GlobalArgs,
    out: Output,
    clock: Clock,
) -> Result<Config, Error> {
    let mut config = config;
    let undecided = config.repo_trust.as_ref().filter(|r| r.decision.is_none());
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if let Some(repo) = undecided.filter(|_| interactive && !global.yes) {
        let keys: Vec<&str> = untrusted(&config.ignored).map(|i| i.key).collect();
        if !keys.is_empty() {
            let repo = repo.clone();
            let from = |file: fn(&Source) -> bool| untrusted(&config.ignored).any(|i| file(&i.source));
            let files: Vec<&str> = [
                (".vibe.toml", from(|s| matches!(s, Source::RepoFile(_)))),
                (".env", from(|s| matches!(s, Source::DotEnv(_)))),
            ]
            .into_iter()
            .filter_map(|(name, set)| set.then_some(name))
            .collect();
            let yes = ask(&format!(
                "This repository's {} {} {}, which vibe ignores until you trust it. Trust {}? [y/N] ",
                files.join(" and "),
                if files.len() == 1 { "sets" } else { "set" },
                keys.join(", "),
                repo.root.display()
            ))?;
            let decision = if yes { Decision::Trusted } else { Decision::Declined };
            record(&config, &repo, decision, clock)?;
            if yes {
                out.note(format!("trusted {}", repo.root.display()));
                config = Config::load(inputs)?;
            }
        }
    }
    for i in &config.ignored {
        let place = match i.line {
            Some(line) => format!("{}:{line}", i.source),
            None => i.source.to_string(),
        };
        out.warn(match i.why {
            Why::Untrusted { guard } => format!(
                "ignored `{}` from {place} ({}) until you trust this repository: `vibe trust`",
                i.key,
                guard.reason()
            ),
            Why::LessTrustedEndpoint { endpoint } => format!(
                "not using `{}` ({place}): `{endpoint}` comes from a less trusted place than the secret",
                i.key
            ),
        });
    }
    if let (Some(repo), false) = (&config.repo, config.dotenv_skipped.is_empty()) {
        let lines: Vec<String> = config.dotenv_skipped.iter().map(usize::to_string).collect();
        out.warn(format!(
            "{}: skipped line{} {} (not KEY=VALUE; vibe reads only its own variables there)",
            repo.join(".env").display(),
            if lines.len() == 1 { "" } else { "s" },
            lines.join(", ")
        ));
    }
    Ok(config)
}

/// Asks a yes/no question on stderr and reads the answer from stdin (no answer is no).
fn ask(question: &str) -> Result<bool, Error> {
    let mut err = std::io::stderr().lock();
    write!(err, "{question}")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}
