//! vibe: prompt → CRS → plan → review → job → sandbox → agent → tests → branch + commit →
//! push → pull request, from one local binary.
//!
//! Module map, in pipeline order:
//! - [`cli`]: clap definitions only; [`cmd`]: one file per command, resolves and acts.
//! - [`config`]: layered configuration resolved once; every environment variable declared there.
//! - [`trust`]: which repositories the user trusts with their own `.vibe.toml` and `.env`.
//! - [`error`]: the user-facing error and its exit codes.
//! - [`clock`]: time as an input.
//! - [`untrusted`]: URLs shown without credentials; server text and waits bounded.
//! - [`doctor`]: health checks behind `vibe doctor`.
//! - [`store`]: the SQLite history (migrations, typed queries).
//! - [`sync`]: the team mirror: pushes tracking rows to Supabase.
//! - [`output`]: human and JSON renderers; the only place besides `cmd` that prints.
//! - [`event`]: typed events the pipeline emits and ops it accepts.
//! - [`pipeline`]: prompt → CRS → plan → review → job orchestration.
//! - [`review`]: approve, reject, comment, lock, answer, edit and revise a plan version.
//! - [`jobs`]: the job state machine, its event log, the runner, resume.
//! - [`git`]: the user's repository: base commit, clean check, branch + commit of a result.
//! - [`redact`]: secret-bearing files and the redactor every model-bound text passes through.
//! - [`tui`]: the terminal UI: home, plan review, job watch.
//! - [`cache`]: small JSON files under `VIBE_HOME/cache`, written whole or not at all.

// Model layer: llm, context, crs, plan.
pub mod context;
pub mod crs;
pub mod llm;
pub mod plan;
pub mod redact;
pub mod review;

// Jobs: event, pipeline, jobs, sandbox, agent, git.
pub mod agent;
pub mod event;
pub mod git;
pub mod jobs;
pub mod pipeline;
pub mod sandbox;

// GitHub: github.
pub mod github;

// Foundation.
pub mod cache;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod config;
pub mod doctor;
pub mod error;
pub mod output;
pub mod store;
pub mod sync;
#[cfg(test)]
mod test_git;
#[cfg(test)]
mod test_rng;
pub mod trust;
pub mod tui;
pub mod untrusted;
