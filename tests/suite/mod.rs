//! Integration tests, one module per area.

mod config;

// model layer

// jobs, sandbox, agent

// GitHub

// foundation
mod doctor;
mod generated;
mod help;
mod admin;
mod history;
mod store;
