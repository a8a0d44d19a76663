//! Integration tests, one module per area.

mod config;

// model layer

// jobs, sandbox, agent
mod jobs;

// GitHub

// foundation
