//! `vibe admin`.
use super::Ctx;
use crate::cli::AdminCommand;
use crate::error::Error;

/// Runs an admin subcommand.
pub fn run(_ctx: &Ctx, _cmd: AdminCommand) -> Result<(), Error> {
    Err(Error::failure("admin: in progress"))
}
