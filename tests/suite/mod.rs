//! Integration tests, one module per area.

mod config;
mod trust;

// model layer
mod context;
mod crs_plan;
mod llm;
mod review;
mod tui;
mod tui_watch;

// jobs, sandbox, agent
mod agent;
mod e2b;
mod jobs;
mod run;
mod sandbox;
mod secrets;
mod toolchains;

// GitHub
mod github;

// foundation
mod admin;
mod ci;
mod doctor;
mod generated;
mod help;
mod history;
mod hostile;
mod readme;
mod store;
mod sync;
