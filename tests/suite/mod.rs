//! Integration tests, one module per area.

mod config;

// model layer
mod llm;

// jobs, sandbox, agent
mod jobs;
mod run;
mod sandbox;

// GitHub

// foundation
mod admin;
mod doctor;
mod generated;
mod help;
mod history;
mod store;
