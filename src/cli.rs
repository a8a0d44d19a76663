//! Command-line definitions (clap derive) and nothing else: parsing turns argv into these
//! types, `cmd/` resolves them together with the configuration and acts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Turn a change described in plain words into a reviewed, test-verified pull request.
#[derive(Debug, Parser)]
#[command(
    name = "vibe",
    version,
    about,
    long_about = "vibe turns a change described in plain words into a change request spec (CRS), \
                  a reviewed plan, a job run by a coding agent in a sandbox, and a pull request.",
    after_help = "Examples:\n  vibe doctor\n  vibe plan \"add rate limiting to the login route\"\n  \
                  vibe run \"add rate limiting to the login route\" --yes",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Print one JSON document (or JSON Lines events for long-running commands).
    #[arg(long, global = true)]
    pub json: bool,

    /// Repository to work in (default: the git repository around the current directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub repo: Option<PathBuf>,

    /// More log output on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Use this configuration file instead of the user configuration file.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Answer yes to every confirmation; never prompt.
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
}

/// The command tree. Sections follow the pipeline; each area adds its commands in its own
/// section.
#[derive(Debug, Subcommand)]
pub enum Command {
    // ── model layer: crs, plan, context ──
    /// Write a change request spec (CRS) for a change described in plain words.
    #[command(after_help = "Examples:\n  vibe crs \"add a --verbose flag\"\n  \
                            vibe crs \"add a --verbose flag\" --out crs.md\n  \
                            vibe crs \"add a --verbose flag\" --json")]
    Crs(CrsArgs),

    /// Make a CRS and an implementation plan (or a plan for an existing CRS); show or list plans.
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:\n  vibe plan \"add rate limiting to the login route\"\n  \
                      vibe plan --crs crs.json\n  vibe plan --crs 0193c1e2\n  vibe plan show 0193c1e2\n  \
                      vibe plan list --limit 5"
    )]
    Plan(PlanArgs),

    /// Show the repository context a CRS or plan request would send for a prompt, and why.
    #[command(after_help = "Examples:\n  vibe context \"add rate limiting to the login route\"\n  \
                            vibe context \"add rate limiting\" --explain\n  vibe context \"…\" --tokens 4000 --json")]
    Context(ContextArgs),

    // ── jobs: run, jobs ──
    /// The whole pipeline: CRS, plan, review, then a job that commits on a new branch.
    #[command(after_help = "Examples:\n  vibe run \"add a --verbose flag to the CLI\" --yes\n  \
                            vibe run --plan 0193c1e2 --yes --no-pr\n  \
                            vibe run --plan 0193c1e2 --base vibe/4f2a9c1d-add-flag --yes\n  \
                            vibe run \"fix the flaky test\" --yes --detach --json")]
    Run(RunArgs),

    /// Follow and control jobs, also from another terminal.
    #[command(subcommand)]
    Jobs(JobsCommand),

    // ── GitHub: login, logout, whoami, pr, gh ──
    /// Log in to GitHub (device flow, or a token on stdin); the token goes to the OS keyring.
    #[command(after_help = "Examples:\n  vibe login\n  vibe login --no-browser\n  \
                            gh auth token | vibe login --with-token")]
    Login(LoginArgs),

    /// Forget the GitHub token stored by `vibe login`.
    #[command(after_help = "Examples:\n  vibe logout")]
    Logout,

    /// Show the GitHub user, where the token comes from, its scopes and whether it still works.
    #[command(after_help = "Examples:\n  vibe whoami\n  vibe whoami --json")]
    Whoami,

    /// Open, list and refresh pull requests.
    #[command(subcommand)]
    Pr(PrCommand),

    /// GitHub look-ups: parse a repository URL, list commits, read files and directories.
    #[command(subcommand)]
    Gh(GhCommand),

    // ── foundation: doctor, config, history, admin, completions, man ──
    /// Check configuration, database, model endpoint, GitHub, and sandbox; say what to fix.
    #[command(after_help = "Examples:\n  vibe doctor\n  vibe doctor --json")]
    Doctor,

    /// Show, locate or change the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Trust this repository's own .vibe.toml and .env, list trusted repositories, or revoke.
    #[command(
        long_about = "Trust this repository's own configuration files (.vibe.toml, .env).\n\n\
                      Until you do, vibe takes from them only settings that cannot send your keys \
                      elsewhere or loosen the sandbox: endpoints and URLs, keys and tokens, GitHub, \
                      E2B and Supabase settings, every sandbox setting and the data directory are \
                      ignored with a warning. Trust is kept in your data directory for the \
                      repository's path and the current content of its configuration files: when \
                      they change, the repository is untrusted again.",
        after_help = "Examples:\n  vibe trust\n  vibe trust --repo ~/src/project\n  vibe trust --list\n  \
                      vibe trust --revoke"
    )]
    Trust(TrustArgs),

    /// The user's CRSs, plans, jobs and pull requests, newest first.
    #[command(after_help = "Examples:\n  vibe history\n  vibe history --since 7d --status failed\n  \
                            vibe history --limit 5 --json")]
    History(HistoryArgs),

    /// Aggregated tracking data from the local database, or with --remote the whole team's
    /// from the Supabase mirror.
    #[command(after_help = "Examples:\n  vibe admin metrics\n  vibe admin --remote metrics --days 7\n  \
                            vibe admin --remote jobs --status failed")]
    Admin(AdminArgs),

    /// Push the local tracking rows (users, CRSs, plans, jobs, pull requests) to the team's
    /// Supabase mirror; only new and changed rows go, and running it twice changes nothing.
    #[command(
        after_help = "Examples:\n  vibe sync\n  vibe sync --dry-run\n  vibe sync --json\n  vibe sync --full"
    )]
    Sync(SyncArgs),

    /// Print shell completions to stdout.
    #[command(
        after_help = "Examples:\n  vibe completions bash > ~/.local/share/bash-completion/completions/vibe\n  \
                            vibe completions zsh > ~/.zfunc/_vibe\n  \
                            vibe completions fish > ~/.config/fish/completions/vibe.fish"
    )]
    Completions {
        /// Shell to generate completions for.
        shell: Shell,
    },

    /// Write man pages (vibe.1 and one per subcommand) into a directory.
    #[command(after_help = "Examples:\n  vibe man --out ~/.local/share/man/man1 && man vibe")]
    Man {
        /// Directory to write the pages into.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
}

/// `vibe trust`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// List the repositories you trust (or declined), and whether their configuration changed.
    #[arg(long, conflicts_with = "revoke")]
    pub list: bool,

    /// Stop trusting this repository.
    #[arg(long)]
    pub revoke: bool,
}

/// `vibe config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Effective configuration with the source of each value; secrets redacted.
    #[command(after_help = "Examples:\n  vibe config show\n  vibe config show --json")]
    Show,
    /// Paths of the configuration files, database and data directory.
    #[command(after_help = "Examples:\n  vibe config path")]
    Path,
    /// Set KEY to VALUE in the user configuration file (comments are kept).
    #[command(after_help = "Examples:\n  vibe config set model.name gpt-4.1\n  \
                            vibe config set sandbox.backend local")]
    Set {
        /// Dotted key, e.g. model.name (see `vibe config show`).
        key: String,
        /// New value.
        value: String,
    },
    /// Remove KEY from the user configuration file, so the default (or another layer) applies.
    #[command(after_help = "Examples:\n  vibe config unset model.name")]
    Unset {
        /// Dotted key, e.g. model.name.
        key: String,
    },
}

/// Filters shared by `vibe history` and the `vibe admin` listings.
#[derive(Debug, Clone, Args, Default)]
pub struct ListFilter {
    /// At most this many rows.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Only rows newer than this: a duration (30m, 12h, 7d, 2w) or a date (2026-01-31).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only rows of this repository (owner/name, or a path for local-only records).
    #[arg(long = "of-repo", value_name = "REPO")]
    pub of_repo: Option<String>,
    /// Only rows with this status (e.g. done, failed, open, merged, draft).
    #[arg(long)]
    pub status: Option<String>,
}

/// `vibe sync`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub command: Option<SyncCommand>,

    /// List what would be sent, send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Send every row again, not only new and changed ones (after the mirror was reset).
    #[arg(long)]
    pub full: bool,
}

/// `vibe sync login|logout`
#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Sign in to the team mirror as a member with an e-mailed one-time code (for a
    /// publishable SUPABASE_KEY); the session goes to the OS keyring.
    #[command(after_help = "Examples:\n  vibe sync login\n  vibe sync login --email ada@example.com")]
    Login(SyncLoginArgs),
    /// Sign out of the team mirror and forget the session.
    #[command(after_help = "Examples:\n  vibe sync logout")]
    Logout,
}

/// `vibe sync login`
#[derive(Debug, Args)]
pub struct SyncLoginArgs {
    /// The e-mail address to sign in with (asked for when not given).
    #[arg(long)]
    pub email: Option<String>,
}

/// `vibe history`
#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub filter: ListFilter,
}

/// `vibe admin [--remote] …`
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Read the whole team's records from the Supabase mirror (needs SUPABASE_URL and the
    /// project's secret key in ADMIN_SECRET_KEY).
    #[arg(long, global = true)]
    pub remote: bool,
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// `vibe admin …`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Counts, success rate, job times, tokens and cost per day and model, PRs.
    #[command(after_help = "Examples:\n  vibe admin metrics\n  vibe admin metrics --days 7 --json")]
    Metrics {
        /// How many days of per-day usage to show.
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
    /// All users, or one user's profile with their plans, jobs and PRs.
    #[command(after_help = "Examples:\n  vibe admin users\n  vibe admin users 0193c1e2-…")]
    Users {
        /// User id (or GitHub login) to show in detail.
        id: Option<String>,
        #[command(flatten)]
        filter: ListFilter,
    },
    /// All job records.
    #[command(after_help = "Examples:\n  vibe admin jobs --status failed --since 7d")]
    Jobs {
        #[command(flatten)]
        filter: ListFilter,
    },
    /// All plan records.
    #[command(after_help = "Examples:\n  vibe admin plans --limit 50")]
    Plans {
        #[command(flatten)]
        filter: ListFilter,
    },
    /// All pull-request records.
    #[command(after_help = "Examples:\n  vibe admin prs --status open")]
    Prs {
        #[command(flatten)]
        filter: ListFilter,
    },
}

/// Shells `vibe completions` can generate for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

// ── jobs: run, jobs ──

/// `vibe run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// What to change, in plain words.
    #[arg(required_unless_present_any = ["plan", "batch"], conflicts_with_all = ["plan", "batch"])]
    pub prompt: Option<String>,
    /// Start from a plan instead of a prompt: a plan id (or prefix) or a JSON file.
    #[arg(long, value_name = "ID|FILE")]
    pub plan: Option<String>,
    /// Where the job runs (default: sandbox.backend, normally local).
    #[arg(long, value_enum, value_name = "BACKEND")]
    pub sandbox: Option<crate::config::Backend>,
    /// Include uncommitted changes of the working tree in the job.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Stop at the commit; do not push or open a pull request.
    #[arg(long)]
    pub no_pr: bool,
    /// Open the pull request as a draft.
    #[arg(long, conflicts_with = "no_pr")]
    pub draft: bool,
    /// When the job does not pass, still open a draft pull request that shows the failing
    /// criteria (its work is kept on its branch either way).
    #[arg(long, conflicts_with = "no_pr")]
    pub pr_on_failure: bool,
    /// Branch (or commit) the job starts from and the pull request targets (default: HEAD).
    #[arg(long, value_name = "BRANCH")]
    pub base: Option<String>,
    /// Return the job id at once and run the job in the background.
    #[arg(long)]
    pub detach: bool,
    /// Run many change requests: one prompt per line, or JSON Lines
    /// `{"prompt": …, "base": …, "repo": …}`; needs --yes.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["plan", "detach"])]
    pub batch: Option<PathBuf>,
    /// With --batch: at most this many jobs at once.
    #[arg(long, value_name = "N", default_value_t = 4, requires = "batch")]
    pub parallel: usize,
}

/// `vibe jobs …`
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Jobs, newest first.
    #[command(after_help = "Examples:\n  vibe jobs list\n  vibe jobs list --status running --json")]
    List {
        /// At most this many jobs.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Only jobs with this status (queued, running, done, failed, interrupted, …).
        #[arg(long)]
        status: Option<String>,
    },
    /// One job: its record and its latest events.
    #[command(after_help = "Examples:\n  vibe jobs show 0193c1e2\n  vibe jobs show 0193c1e2 --json")]
    Show {
        /// Job id (a unique prefix is enough).
        id: String,
        /// How many of the latest events to show (0 for all).
        #[arg(long, default_value_t = 20)]
        events: usize,
    },
    /// Where a job is: stage, step, elapsed time, tokens.
    #[command(after_help = "Examples:\n  vibe jobs progress 0193c1e2")]
    Progress {
        /// Job id (a unique prefix is enough).
        id: String,
    },
    /// What a job produced: summary, criteria, diffstat and diff.
    #[command(
        after_help = "Examples:\n  vibe jobs result 0193c1e2\n  vibe jobs result 0193c1e2 --patch | git apply"
    )]
    Result {
        /// Job id (a unique prefix is enough).
        id: String,
        /// Print only the plain patch.
        #[arg(long)]
        patch: bool,
    },
    /// Follow a job's events until it ends (JSON Lines with --json).
    #[command(after_help = "Examples:\n  vibe jobs watch 0193c1e2\n  vibe jobs watch 0193c1e2 --json")]
    Watch {
        /// Job id (a unique prefix is enough).
        id: String,
    },
    /// Stop a job and everything it runs.
    #[command(after_help = "Examples:\n  vibe jobs cancel 0193c1e2")]
    Cancel {
        /// Job id (a unique prefix is enough).
        id: String,
    },
    /// Continue an interrupted (or failed) job from the stage after its last completed one.
    #[command(after_help = "Examples:\n  vibe jobs resume 0193c1e2\n  vibe jobs resume 0193c1e2 --detach")]
    Resume {
        /// Job id (a unique prefix is enough).
        id: String,
        /// Return at once and continue in the background.
        #[arg(long)]
        detach: bool,
    },
    /// Runs a job in this process (used by --detach).
    #[command(name = "__run-job", hide = true)]
    RunJob {
        /// Job id.
        id: String,
    },
}

// ── model layer: argument types ──

/// `vibe crs`
#[derive(Debug, Args)]
pub struct CrsArgs {
    /// The change, in plain words.
    #[arg(value_name = "PROMPT")]
    pub prompt: String,
    /// Also write the CRS to FILE: `.json` for JSON, `.md` for markdown.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `vibe plan`
#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(subcommand)]
    pub action: Option<PlanCommand>,
    /// The change, in plain words (a CRS is made first).
    #[arg(value_name = "PROMPT", required_unless_present = "crs")]
    pub prompt: Option<String>,
    /// Plan for this CRS instead: a JSON file (from `vibe crs --out x.json`) or a CRS id.
    #[arg(long, value_name = "FILE|ID", conflicts_with = "prompt")]
    pub crs: Option<String>,
    /// Also write the plan to FILE: `.json` for JSON, `.md` for markdown.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `vibe plan show|list`
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Show a recorded plan with its CRS.
    #[command(after_help = "Examples:\n  vibe plan show 0193c1e2\n  vibe plan show 0193c1e2 --json")]
    Show {
        /// Plan id (or a unique prefix).
        id: String,
    },
    /// Recorded plans, newest first.
    #[command(after_help = "Examples:\n  vibe plan list\n  vibe plan list --status draft --limit 5")]
    List {
        #[command(flatten)]
        filter: ListFilter,
    },
}

/// `vibe context`
#[derive(Debug, Args)]
pub struct ContextArgs {
    /// The change, in plain words.
    #[arg(value_name = "PROMPT")]
    pub prompt: String,
    /// Explain the choice: every file with its score, the reasons and token counts.
    #[arg(long)]
    pub explain: bool,
    /// Token budget (default: context.max_tokens).
    #[arg(long, value_name = "N")]
    pub tokens: Option<usize>,
}

// ── GitHub: argument types ──

/// `vibe login`
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Read a token from standard input instead of the device flow.
    #[arg(long)]
    pub with_token: bool,
    /// Do not open the browser at the verification page.
    #[arg(long)]
    pub no_browser: bool,
}

/// `vibe pr …`
#[derive(Debug, Subcommand)]
pub enum PrCommand {
    /// Push a branch and open its pull request (or report the one already open).
    #[command(after_help = "Examples:\n  vibe pr create --branch fix-login --title \"Fix login\"\n  \
                            vibe pr create --job 0193c1e2 --draft\n  vibe pr create --body-file notes.md")]
    Create(PrCreateArgs),
    /// Recorded pull requests, with their state refreshed from GitHub.
    #[command(after_help = "Examples:\n  vibe pr list\n  vibe pr list --all-repos --offline --json")]
    List(PrListArgs),
    /// The pull request of a branch (default: the current one), refreshed from GitHub.
    #[command(
        after_help = "Examples:\n  vibe pr status\n  vibe pr status --branch fix-login\n  vibe pr status 42"
    )]
    Status(PrStatusArgs),
}

/// `vibe pr create`
#[derive(Debug, Args)]
pub struct PrCreateArgs {
    /// Branch to push (default: the job's branch, else the current branch).
    #[arg(long)]
    pub branch: Option<String>,
    /// Branch to merge into (default: the repository's default branch).
    #[arg(long)]
    pub base: Option<String>,
    /// Title (default: the job's CRS summary, else the last commit's subject).
    #[arg(long)]
    pub title: Option<String>,
    /// Body text (default: built from the job).
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    /// Read the body from a file (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// Open the pull request as a draft.
    #[arg(long)]
    pub draft: bool,
    /// The job whose result the PR describes (id or prefix).
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,
}

/// `vibe pr list`
#[derive(Debug, Args)]
pub struct PrListArgs {
    /// At most this many.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Records of every repository, not just this one.
    #[arg(long)]
    pub all_repos: bool,
    /// Do not ask GitHub; show the recorded states.
    #[arg(long)]
    pub offline: bool,
}

/// `vibe pr status`
#[derive(Debug, Args)]
pub struct PrStatusArgs {
    /// Pull request number (default: the PR of --branch or the current branch).
    pub number: Option<i64>,
    /// Branch whose pull request to show.
    #[arg(long, conflicts_with = "number")]
    pub branch: Option<String>,
}

/// `vibe gh …`
#[derive(Debug, Subcommand)]
pub enum GhCommand {
    /// Normalize a repository URL to host, owner and name.
    #[command(after_help = "Examples:\n  vibe gh parse-url git@github.com:rust-lang/cargo.git\n  \
                            vibe gh parse-url https://ghe.example.com/team/app --json")]
    ParseUrl {
        /// https://, git@host:, ssh://, host/owner/repo or owner/repo.
        url: String,
    },
    /// Recent commits of a repository's branch.
    #[command(
        after_help = "Examples:\n  vibe gh commits rust-lang/cargo\n  vibe gh commits octo/app --branch dev --limit 5"
    )]
    Commits {
        /// Repository (URL or owner/repo).
        #[arg(value_name = "REPO")]
        repository: String,
        /// Branch (default: the repository's default branch).
        #[arg(long)]
        branch: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// A directory listing or a file's content.
    #[command(
        after_help = "Examples:\n  vibe gh contents octo/app\n  vibe gh contents octo/app src/main.rs --ref v1.2.0"
    )]
    Contents {
        /// Repository (URL or owner/repo).
        #[arg(value_name = "REPO")]
        repository: String,
        /// Path in the repository (default: the root).
        path: Option<String>,
        /// Branch, tag or commit (default: the default branch).
        #[arg(long = "ref", value_name = "REF")]
        git_ref: Option<String>,
    },
}
