//! `vibe completions SHELL` and `vibe man`: generated from the clap definitions, so help,
//! completions and man pages never disagree.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, Shell};
use crate::error::Error;
use crate::output::Output;

/// Prints completions for `shell` on stdout.
pub fn completions(shell: Shell) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    write_completions(shell, &mut out);
    Ok(())
}

/// Writes completions for `shell`.
pub fn write_completions(shell: Shell, out: &mut dyn std::io::Write) {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
        Shell::Elvish => S::Elvish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "vibe", out);
}

/// Writes `vibe.1` and one page per subcommand (`vibe-plan.1`, `vibe-jobs-list.1`, …) to `dir`.
pub fn man(dir: &Path, out: Output) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::failure(format!("cannot create {}: {e}", dir.display())))?;
    let written = write_man_pages(dir)?;
    if out.json {
        out.json(&written)?;
    } else {
        out.note(format!("wrote {} man pages to {}", written.len(), dir.display()));
    }
    Ok(())
}

/// Writes every man page into `dir`; returns the file names.
pub fn write_man_pages(dir: &Path) -> Result<Vec<String>, Error> {
    let mut written = Vec::new();
    let cmd = Cli::command();
    write_page(dir, &cmd, "vibe", &mut written)?;
    Ok(written)
}

fn write_page(dir: &Path, cmd: &clap::Command, name: &str, written: &mut Vec<String>) -> Result<(), Error> {
    let cmd = cmd.clone().name(name.to_string()).bin_name(name.replace('-', " "));
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .map_err(|e| Error::failure(format!("cannot render the man page: {e}")))?;
    let file = format!("{name}.1");
    std::fs::write(dir.join(&file), buf).map_err(|e| Error::failure(format!("cannot write {file}: {e}")))?;
    written.push(file);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        write_page(dir, sub, &format!("{name}-{}", sub.get_name()), written)?;
    }
    Ok(())
}
