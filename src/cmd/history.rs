//! `vibe history`.
use super::Ctx;
use crate::cli::HistoryArgs;
use crate::error::Error;

/// Lists the history.
pub fn run(_ctx: &Ctx, _args: &HistoryArgs) -> Result<(), Error> {
    Err(Error::failure("history: in progress"))
}
