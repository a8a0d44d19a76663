//! One file per command. `run` resolves the configuration once and dispatches; commands
//! print through [`crate::output`] and return the user-facing [`Error`].

use std::path::PathBuf;

use crate::cli::{Cli, Command, GlobalArgs, JobsCommand, RunArgs};
use crate::clock::Clock;
use crate::config::{Config, Inputs};
use crate::error::Error;
use crate::output::Output;
use crate::store::Store;

// model layer
mod context;
mod crs;
mod plan;

// jobs
mod batch;
mod frontend;
mod jobs;
mod run;

// GitHub
mod gh;
mod login;
mod pr;

// foundation
mod admin;
mod completions;
mod config;
mod doctor;
mod history;
mod sync;
mod trust;

/// What every command gets: the settings, the clock and the printer.
#[derive(Debug)]
pub struct Ctx {
    /// Effective configuration.
    pub config: Config,
    /// Global flags.
    pub global: GlobalArgs,
    /// Time source.
    pub clock: Clock,
    /// Printer.
    pub out: Output,
}

impl Ctx {
    /// Opens the history database (created and migrated on first use).
    pub fn store(&self) -> Result<Store, Error> {
        Ok(Store::open(&self.config.db_path())?)
    }

    /// A single-threaded async runtime for commands that talk to the network or run jobs.
    pub fn runtime(&self) -> Result<tokio::runtime::Runtime, Error> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::failure(format!("cannot start the async runtime: {e}")))
    }
}

/// Resolves the configuration from the process environment and runs the command.
pub fn run(cli: Cli) -> Result<(), Error> {
    let mut inputs = Inputs::from_process();
    inputs.repo = cli.global.repo.clone();
    inputs.config_file = cli.global.config.clone();
    run_with(cli, inputs)
}

/// Runs a parsed command line against explicit inputs.
pub fn run_with(cli: Cli, inputs: Inputs) -> Result<(), Error> {
    let mut out = Output::detect(cli.global.json, cli.global.quiet, &inputs.env);
    out.verbose = cli.global.verbose > 0;
    // Commands that need no configuration work even when it is broken.
    match &cli.command {
        Command::Completions { shell } => return completions::completions(*shell),
        Command::Man { out: dir } => return completions::man(dir, out),
        _ => {}
    }
    let config = match Config::load(&inputs) {
        Ok(c) => c,
        // `vibe doctor` reports a broken configuration as a failed check.
        Err(e) if matches!(cli.command, Command::Doctor) => {
            return doctor::run_without_config(out, e);
        }
        Err(e) => return Err(e.into()),
    };
    init_logging(&cli.global, &config);
    let clock = Clock::from_env(&inputs.env);
    // `vibe trust` is the answer itself; every other command warns (and may ask) first.
    let config = match &cli.command {
        Command::Trust(_) => config,
        _ => trust::settle(config, &inputs, &cli.global, out, clock)?,
    };
    let ctx = Ctx { clock, config, global: cli.global, out };
    let records = matches!(cli.command, Command::Plan(_) | Command::Run(_));
    let result = dispatch(&ctx, cli.command);
    if records && result.is_ok() {
        sync::in_background(&ctx);
    }
    result
}

/// `vibe` alone on a terminal: the home screen. A plan opened there is reviewed (and run once
/// approved) as `vibe run --plan ID` does, a job is watched as `vibe jobs watch ID` does;
/// then the home screen comes back, until the user leaves it.
pub fn home() -> Result<(), Error> {
    let inputs = Inputs::from_process();
    let global = GlobalArgs { json: false, repo: None, verbose: 0, quiet: false, config: None, yes: false };
    let out = Output::detect(false, false, &inputs.env);
    let config = Config::load(&inputs)?;
    init_logging(&global, &config);
    let clock = Clock::from_env(&inputs.env);
    let config = trust::settle(config, &inputs, &global, out, clock)?;
    let ctx = Ctx { clock, config, global, out };
    let setup = crate::tui::Setup::new(&ctx.config, ctx.out.color, "home");
    let mut message = None;
    loop {
        let rt = ctx.runtime()?;
        let chosen = rt.block_on(crate::tui::home_run::home_on_terminal(
            &ctx.config.db_path(),
            &setup,
            message.take(),
        ))?;
        drop(rt);
        let done = match &chosen {
            crate::tui::home_run::Chosen::Quit => return Ok(()),
            crate::tui::home_run::Chosen::Review(id) => {
                let args = ["vibe", "run", "--plan", id.as_str()];
                match <crate::cli::Cli as clap::Parser>::try_parse_from(args).map(|c| c.command) {
                    Ok(Command::Run(args)) => run_command(&ctx, args),
                    _ => Err(Error::failure("cannot open the plan's review")),
                }
            }
            crate::tui::home_run::Chosen::Watch(id) => frontend::watch_on_terminal(&ctx, id),
        };
        message = match done {
            Ok(()) => None,
            Err(e) => Some((
                true,
                match e.hint {
                    Some(h) => format!("{} ({h})", e.message),
                    None => e.message,
                },
            )),
        };
    }
}

fn dispatch(ctx: &Ctx, command: Command) -> Result<(), Error> {
    match command {
        // model layer
        Command::Crs(args) => crs::run(ctx, &args),
        Command::Plan(args) => plan::run(ctx, &args),
        Command::Context(args) => context::run(ctx, &args),

        // jobs
        Command::Run(args) => run_command(ctx, args),
        Command::Jobs(c) => match c {
            JobsCommand::List { limit, status } => jobs::list(ctx, limit, status.as_deref()),
            JobsCommand::Show { id, events } => jobs::show(ctx, &id, events),
            JobsCommand::Progress { id } => jobs::progress(ctx, &id),
            JobsCommand::Result { id, patch } => jobs::result(ctx, &id, patch),
            JobsCommand::Watch { id } => jobs::watch(ctx, &id),
            JobsCommand::Cancel { id } => jobs::cancel(ctx, &id),
            JobsCommand::Resume { id, detach } => run::resume(ctx, &id, detach),
            JobsCommand::RunJob { id } => run::run_job_here(ctx, &id),
        },

        // GitHub
        Command::Login(args) => login::login(ctx, &args),
        Command::Logout => login::logout(ctx),
        Command::Whoami => login::whoami(ctx),
        Command::Pr(c) => pr::run(ctx, c),
        Command::Gh(c) => gh::run(ctx, c),

        // foundation
        Command::Doctor => doctor::run(ctx),
        Command::Config(c) => config::run(ctx, c),
        Command::Trust(args) => trust::run(ctx, &args),
        Command::History(args) => history::run(ctx, &args),
        Command::Admin(a) => admin::run(ctx, a),
        Command::Sync(args) => sync::run(ctx, &args),
        Command::Completions { .. } | Command::Man { .. } => Ok(()),
    }
}

/// `vibe run`: one change request, or every one of a batch file.
fn run_command(ctx: &Ctx, args: RunArgs) -> Result<(), Error> {
    match &args.batch {
        Some(file) => batch::run(ctx, &args, file),
        None => run::run(ctx, args),
    }
}

fn init_logging(global: &GlobalArgs, config: &Config) {
    use tracing_subscriber::EnvFilter;
    let level = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = config
        .env
        .get("VIBE_LOG")
        .and_then(|s| EnvFilter::try_new(s).ok())
        .unwrap_or_else(|| EnvFilter::new(format!("vibe={level}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(crate::tui::term::log_writer)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Resolves a path argument against the directory vibe was started in.
pub fn resolve_path(ctx: &Ctx, p: &std::path::Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        ctx.config.cwd.join(p)
    }
}
