//! The `vibe` binary: parse, run, map the error to an exit code. Everything else is in the
//! library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = vibe::cli::Cli::parse();
    let json = cli.global.json;
    match vibe::cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            vibe::output::print_error(&err, json);
            ExitCode::from(err.exit_code())
        }
    }
}
