//! Every command documents itself with at least one example.

use clap::CommandFactory;

fn leaves(cmd: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
    let subs: Vec<_> = cmd.get_subcommands().filter(|s| s.get_name() != "help" && !s.is_hide_set()).collect();
    if subs.is_empty() {
        out.push((path.clone(), cmd.clone()));
    }
    for s in subs {
        leaves(s, format!("{path} {}", s.get_name()), out);
    }
}

#[test]
fn every_command_has_help_with_an_example() {
    let mut all = Vec::new();
    leaves(&vibe::cli::Cli::command(), "vibe".into(), &mut all);
    assert!(all.len() > 10);
    let missing: Vec<&str> = all
        .iter()
        .filter(|(_, c)| {
            c.get_about().is_none()
                || !c.get_after_help().map(|h| h.to_string()).unwrap_or_default().contains("Examples:")
        })
        .map(|(p, _)| p.as_str())
        .collect();
    assert!(missing.is_empty(), "commands without about text or an `Examples:` after_help: {missing:?}");
}
