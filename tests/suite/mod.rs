//! Integration tests, one module per area.

mod config;

// model layer
mod llm;

// jobs, sandbox, agent

// GitHub

// foundation
