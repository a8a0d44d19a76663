//! `vibe config show|path|set|unset`.

use serde::Serialize;

use super::Ctx;
use crate::cli::ConfigCommand;
use crate::config::{self, Ignored, Source, Why, KEYS};
use crate::error::Error;

#[derive(Serialize)]
struct Shown<'a> {
    key: &'static str,
    value: Option<String>,
    source: Option<Source>,
    secret: bool,
    env: &'static [&'static str],
    help: &'static str,
    /// Whether an untrusted repository may set it.
    guard: config::Guard,
    /// What the repository set for this key that was not applied.
    ignored: Vec<&'a Ignored>,
}

/// Runs a `vibe config` subcommand.
pub fn run(ctx: &Ctx, cmd: ConfigCommand) -> Result<(), Error> {
    match cmd {
        ConfigCommand::Show => show(ctx),
        ConfigCommand::Path => path(ctx),
        ConfigCommand::Set { key, value } => set(ctx, &key, Some(&value)),
        ConfigCommand::Unset { key } => set(ctx, &key, None),
    }
}

fn show(ctx: &Ctx) -> Result<(), Error> {
    let rows: Vec<Shown> = KEYS
        .iter()
        .map(|k| {
            let v = ctx.config.values.get(k.name);
            let value = v.map(|v| shown(k, &v.raw));
            Shown {
                key: k.name,
                value: value.or_else(|| (k.name == "home").then(|| ctx.config.home.display().to_string())),
                source: v.map(|v| v.source.clone()),
                secret: k.secret,
                env: k.env,
                help: k.help,
                guard: k.guard,
                ignored: ctx.config.ignored.iter().filter(|i| i.key == k.name).collect(),
            }
        })
        .collect();
    if ctx.out.json {
        let prices: serde_json::Map<String, serde_json::Value> = ctx
            .config
            .model
            .prices
            .iter()
            .map(|(m, p)| (m.clone(), serde_json::json!({"input": p.input, "output": p.output})))
            .collect();
        let trust = ctx.config.repo_trust.as_ref().map(|r| {
            serde_json::json!({
                "repo": r.root,
                "fingerprint": r.fingerprint,
                "decision": r.decision,
                "trusted": r.trusted(),
            })
        });
        return ctx.out.json(&serde_json::json!({ "keys": rows, "prices": prices, "trust": trust }));
    }
    let mut table = ctx.out.table(&["key", "value", "source"]);
    for r in &rows {
        let source = match (&r.source, r.key) {
            (Some(s), _) => s.to_string(),
            (None, "home") => "platform default".to_string(),
            (None, _) => String::new(),
        };
        let marks: Vec<String> = r.ignored.iter().map(|i| format!("ignored: {}", short_place(i))).collect();
        let source = match (source.is_empty(), marks.is_empty()) {
            (_, true) => source,
            (true, false) => marks.join(", "),
            (false, false) => format!("{source} ({})", marks.join(", ")),
        };
        table.add_row(vec![r.key.to_string(), r.value.clone().unwrap_or_else(|| "(unset)".into()), source]);
    }
    ctx.out.line(table.to_string())?;
    for (model, p) in &ctx.config.model.prices {
        ctx.out.line(format!("price {model}: ${} in / ${} out per 1M tokens", p.input, p.output))?;
    }
    if !ctx.config.ignored.is_empty() {
        ctx.out.line("")?;
        ctx.out.line("not applied:")?;
        let mut why = ctx.out.table(&["key", "set in", "why"]);
        for i in &ctx.config.ignored {
            let reason = match i.why {
                Why::Untrusted { guard } => format!("{}; until `vibe trust`", guard.reason()),
                Why::LessTrustedEndpoint { endpoint } => {
                    format!("`{endpoint}` comes from a less trusted place")
                }
            };
            let place = match i.line {
                Some(line) => format!("{}:{line}", i.source),
                None => i.source.to_string(),
            };
            why.add_row(vec![i.key.to_string(), place, reason]);
        }
        ctx.out.line(why.to_string())?;
    }
    Ok(())
}

/// `.env:3`: the file name and line of an ignored setting, for the table.
fn short_place(i: &Ignored) -> String {
    let file = match &i.source {
        Source::RepoFile(p) | Source::DotEnv(p) | Source::UserFile(p) => {
            p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
        }
        other => other.to_string(),
    };
    match i.line {
        Some(line) => format!("{file}:{line}"),
        None => file,
    }
}

/// A value as `vibe config` shows it: secrets redacted, URLs without their credentials.
fn shown(key: &config::Key, raw: &str) -> String {
    if key.secret {
        config::redact(raw)
    } else if matches!(key.kind, config::Kind::Url) {
        crate::untrusted::url_shown(raw)
    } else {
        raw.to_string()
    }
}

fn path(ctx: &Ctx) -> Result<(), Error> {
    let c = &ctx.config;
    let repo_file = c.repo.as_ref().map(|r| r.join(".vibe.toml"));
    let dotenv = c.repo.as_ref().map(|r| r.join(".env"));
    let entries = [
        ("user_config", Some(c.user_file.clone())),
        ("repo_config", repo_file),
        ("dotenv", dotenv),
        ("trust_store", Some(c.trust_store.clone())),
        ("home", Some(c.home.clone())),
        ("database", Some(c.db_path())),
        ("logs", Some(c.logs_dir())),
        ("jobs", Some(c.jobs_dir())),
    ];
    if ctx.out.json {
        let map: serde_json::Map<String, serde_json::Value> = entries
            .iter()
            .map(|(k, p)| (k.to_string(), serde_json::json!(p.as_ref().map(|p| p.display().to_string()))))
            .collect();
        return ctx.out.json(&map);
    }
    for (name, p) in entries {
        let shown = match &p {
            Some(p) if p.exists() => p.display().to_string(),
            Some(p) => format!("{} (does not exist)", p.display()),
            None => "(not in a git repository)".to_string(),
        };
        ctx.out.line(format!("{name:<12} {shown}"))?;
    }
    Ok(())
}

fn set(ctx: &Ctx, key: &str, value: Option<&str>) -> Result<(), Error> {
    let file = &ctx.config.user_file;
    config::set_in_file(file, key, value)?;
    if ctx.out.json {
        return ctx
            .out
            .json(&serde_json::json!({ "file": file.display().to_string(), "key": key, "value": value }));
    }
    let shown = match (value, config::find_key(key)) {
        (Some(v), Some(k)) => format!("{key} = {}", shown(k, v)),
        (Some(v), _) => format!("{key} = {v}"),
        (None, _) => format!("{key} removed"),
    };
    ctx.out.note(format!("{shown} ({})", file.display()));
    Ok(())
}
