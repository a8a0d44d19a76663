//! `vibe doctor`: one line per check.
use super::Ctx;
use crate::config::{ConfigError, Inputs};
use crate::error::Error;
use crate::output::Output;

/// Runs every check.
pub fn run(_ctx: &Ctx) -> Result<(), Error> {
    Err(Error::failure("doctor: in progress"))
}

/// Reports a configuration that does not load.
pub fn run_without_config(_inputs: &Inputs, _out: Output, e: ConfigError) -> Result<(), Error> {
    Err(e.into())
}
