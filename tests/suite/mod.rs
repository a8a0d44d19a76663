//! Integration tests, one module per area.

mod config;

// model layer
mod context;
mod crs_plan;
mod llm;

// jobs, sandbox, agent
mod agent;
mod jobs;
mod run;
mod sandbox;
mod secrets;

// GitHub
mod github;

// foundation
mod admin;
mod doctor;
mod generated;
mod help;
mod history;
mod store;
