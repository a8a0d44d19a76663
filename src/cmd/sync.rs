//! `vibe sync`: push new and changed tracking rows to the team's Supabase mirror.

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::Ctx;
use crate::cli::{SyncArgs, SyncCommand, SyncLoginArgs};
use crate::error::Error;
use crate::sync::auth::{self, Auth};
use crate::sync::{KeyKind, Mirror, Progress, SyncError, TableReport, DEFAULT_BATCH};

/// Runs `vibe sync` and its subcommands.
pub fn run(ctx: &Ctx, args: &SyncArgs) -> Result<(), Error> {
    match &args.command {
        Some(SyncCommand::Login(a)) => login(ctx, a),
        Some(SyncCommand::Logout) => logout(ctx),
        None => push(ctx, args),
    }
}

/// The configured mirror, reached as the signed-in member when the key is a publishable one.
pub async fn mirror(config: &crate::config::Config) -> Result<Mirror, SyncError> {
    let mirror = Mirror::from_config(config)?;
    if mirror.key_kind() != KeyKind::Publishable {
        return Ok(mirror);
    }
    let store = auth::session_store(config, mirror.target());
    let auth = Auth::new(mirror.target(), mirror.key())?;
    match auth::current_session(&store, &auth).await? {
        Some(session) => Ok(mirror.with_session(session)),
        None => Err(SyncError::NeedsLogin),
    }
}

fn login(ctx: &Ctx, args: &SyncLoginArgs) -> Result<(), Error> {
    let mirror = Mirror::from_config(&ctx.config)?;
    if mirror.key_kind() != KeyKind::Publishable {
        return Err(Error::usage("SUPABASE_KEY is the project's secret key, which needs no sign-in")
            .with_hint("members sign in with the publishable key (sb_publishable_…) as SUPABASE_KEY"));
    }
    let email = match &args.email {
        Some(e) => e.trim().to_string(),
        None => ask(ctx, "E-mail address: ")?,
    };
    if !email.contains('@') || email.contains(char::is_whitespace) {
        return Err(Error::usage(format!("{email:?} is not an e-mail address")));
    }
    let auth = Auth::new(mirror.target(), mirror.key())?;
    let rt = ctx.runtime()?;
    rt.block_on(auth.send_code(&email))?;
    ctx.out.note(format!("A sign-in code was sent to {email}."));
    let code = ask(ctx, "Code from the e-mail: ")?;
    let session = rt.block_on(auth.verify(&email, code.trim()))?;
    auth::save_session(&auth::session_store(&ctx.config, mirror.target()), &session)?;
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({
            "target": mirror.target(), "email": session.email, "auth_user_id": session.user_id
        }));
    }
    ctx.out.line(format!("Signed in to {} as {}.", mirror.target(), session.email))
}

fn logout(ctx: &Ctx) -> Result<(), Error> {
    let mirror = Mirror::from_config(&ctx.config)?;
    let store = auth::session_store(&ctx.config, mirror.target());
    let Some(session) = auth::stored_session(&store)? else {
        return ctx.out.line(format!("Nobody is signed in to {}.", mirror.target()));
    };
    let auth = Auth::new(mirror.target(), mirror.key())?;
    // The local session goes whatever the server says: an expired one is already over there.
    let ended = ctx.runtime()?.block_on(auth.logout(&session));
    store.delete().map_err(|e| SyncError::Keyring(e.to_string()))?;
    if let Err(e) = ended {
        ctx.out.note(format!("(the server did not confirm the sign-out: {e})"));
    }
    ctx.out.line(format!("Signed out of {} ({}).", mirror.target(), session.email))
}

/// One line from standard input, after a prompt on standard error.
fn ask(ctx: &Ctx, prompt: &str) -> Result<String, Error> {
    use std::io::Write as _;
    if !ctx.out.json {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line)? == 0 || line.trim().is_empty() {
        return Err(Error::usage(format!("no answer to {:?} on standard input", prompt.trim_end())));
    }
    Ok(line.trim().to_string())
}

fn push(ctx: &Ctx, args: &SyncArgs) -> Result<(), Error> {
    let rt = ctx.runtime()?;
    let mirror = rt.block_on(mirror(&ctx.config))?;
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
    let installation = crate::sync::Installation {
        id: crate::sync::installation_id(&ctx.config.home)?,
        user_id: store.current_user()?.map(|u| u.id),
    };
    let how = crate::sync::Push {
        batch,
        dry_run: args.dry_run,
        full: args.full,
        now: &now,
        installation: &installation,
    };
    let reports = rt.block_on(crate::sync::push(&mut store, &mirror, &how, &bar));
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

/// With `sync.auto = true` and a mirror configured, starts `vibe sync` on its own, detached:
/// the command that recorded never waits for it and never fails for it (a mirror that is down
/// simply gets the rows with the next sync). Its output goes to `VIBE_HOME/logs/sync.log`.
pub fn in_background(ctx: &Ctx) {
    let on = ctx.config.values.get("sync.auto").is_some_and(|v| v.raw.trim() == "true");
    if !on || ctx.config.supabase.url.is_none() || ctx.config.supabase.key.is_none() {
        return;
    }
    if let Err(e) = spawn_sync(ctx) {
        tracing::warn!("the background sync did not start: {e}");
    }
}

fn spawn_sync(ctx: &Ctx) -> std::io::Result<()> {
    use std::os::unix::process::CommandExt as _;
    let logs = ctx.config.logs_dir();
    std::fs::create_dir_all(&logs)?;
    let log = std::fs::OpenOptions::new().create(true).append(true).open(logs.join("sync.log"))?;
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    cmd.arg("sync")
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        // Its own process group: a Ctrl-C meant for the terminal's command leaves it alone.
        .process_group(0);
    if let Some(repo) = &ctx.global.repo {
        cmd.arg("--repo").arg(repo);
    }
    if let Some(file) = &ctx.global.config {
        cmd.arg("--config").arg(file);
    }
    cmd.spawn().map(drop)
}
