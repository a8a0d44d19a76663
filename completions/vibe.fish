# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_vibe_global_optspecs
    string join \n json repo= v/verbose q/quiet config= y/yes h/help V/version
end

function __fish_vibe_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_vibe_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_vibe_using_subcommand
    set -l cmd (__fish_vibe_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c vibe -n "__fish_vibe_needs_command" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_needs_command" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_needs_command" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_needs_command" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_needs_command" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vibe -n "__fish_vibe_needs_command" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "crs" -d 'Write a change request spec (CRS) for a change described in plain words'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "plan" -d 'Make a CRS and an implementation plan (or a plan for an existing CRS); show or list plans'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "context" -d 'Show the repository context a CRS or plan request would send for a prompt, and why'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "run" -d 'The whole pipeline: CRS, plan, review, then a job that commits on a new branch'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "jobs" -d 'Follow and control jobs, also from another terminal'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "login" -d 'Log in to GitHub (device flow, or a token on stdin); the token goes to the OS keyring'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "logout" -d 'Forget the GitHub token stored by `vibe login`'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "whoami" -d 'Show the GitHub user, where the token comes from, its scopes and whether it still works'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "pr" -d 'Open, list and refresh pull requests'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "gh" -d 'GitHub look-ups: parse a repository URL, list commits, read files and directories'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "doctor" -d 'Check configuration, database, model endpoint, GitHub, and sandbox; say what to fix'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "config" -d 'Show, locate or change the configuration'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "trust" -d 'Trust this repository\'s own .vibe.toml and .env, list trusted repositories, or revoke'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "history" -d 'The user\'s CRSs, plans, jobs and pull requests, newest first'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "admin" -d 'Aggregated tracking data from the local database, or with --remote the whole team\'s from the Supabase mirror'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "sync" -d 'Push the local tracking rows (users, CRSs, plans, jobs, pull requests) to the team\'s Supabase mirror; only new and changed rows go, and running it twice changes nothing'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "completions" -d 'Print shell completions to stdout'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "man" -d 'Write man pages (vibe.1 and one per subcommand) into a directory'
complete -c vibe -n "__fish_vibe_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand crs" -l out -d 'Also write the CRS to FILE: `.json` for JSON, `.md` for markdown' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand crs" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand crs" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand crs" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand crs" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand crs" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand crs" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand crs" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand crs" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -l crs -d 'Plan for this CRS instead: a JSON file (from `vibe crs --out x.json`) or a CRS id' -r
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -l out -d 'Also write the plan to FILE: `.json` for JSON, `.md` for markdown' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -a "show" -d 'Show a recorded plan with its CRS'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -a "list" -d 'Recorded plans, newest first'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and not __fish_seen_subcommand_from show list help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from show" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from show" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from list" -l limit -d 'At most this many rows' -r
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from list" -l since -d 'Only rows newer than this: a duration (30m, 12h, 7d, 2w) or a date (2026-01-31)' -r
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from list" -l of-repo -d 'Only rows of this repository (owner/name, or a path for local-only records)' -r
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from list" -l status -d 'Only rows with this status (e.g. done, failed, open, merged, draft)' -r
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from list" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from list" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a recorded plan with its CRS'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from help" -f -a "list" -d 'Recorded plans, newest first'
complete -c vibe -n "__fish_vibe_using_subcommand plan; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand context" -l tokens -d 'Token budget (default: context.max_tokens)' -r
complete -c vibe -n "__fish_vibe_using_subcommand context" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand context" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand context" -l explain -d 'Explain the choice: every file with its score, the reasons and token counts'
complete -c vibe -n "__fish_vibe_using_subcommand context" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand context" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand context" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand context" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand context" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand context" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand run" -l plan -d 'Start from a plan instead of a prompt: a plan id (or prefix) or a JSON file' -r
complete -c vibe -n "__fish_vibe_using_subcommand run" -l sandbox -d 'Where the job runs (default: sandbox.backend, normally local)' -r -f -a "local\t'The local OS sandbox (bubblewrap)'
e2b\t'E2B cloud sandboxes'
none\t'No isolation at all: the agent\'s commands run as you (unsafe)'"
complete -c vibe -n "__fish_vibe_using_subcommand run" -l base -d 'Branch (or commit) the job starts from and the pull request targets (default: HEAD)' -r
complete -c vibe -n "__fish_vibe_using_subcommand run" -l batch -d 'Run many change requests: one prompt per line, or JSON Lines `{"prompt": …, "base": …, "repo": …}`; needs --yes' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand run" -l parallel -d 'With --batch: at most this many jobs at once' -r
complete -c vibe -n "__fish_vibe_using_subcommand run" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand run" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand run" -l allow-dirty -d 'Include uncommitted changes of the working tree in the job'
complete -c vibe -n "__fish_vibe_using_subcommand run" -l no-pr -d 'Stop at the commit; do not push or open a pull request'
complete -c vibe -n "__fish_vibe_using_subcommand run" -l draft -d 'Open the pull request as a draft'
complete -c vibe -n "__fish_vibe_using_subcommand run" -l pr-on-failure -d 'When the job does not pass, still open a draft pull request that shows the failing criteria (its work is kept on its branch either way)'
complete -c vibe -n "__fish_vibe_using_subcommand run" -l detach -d 'Return the job id at once and run the job in the background'
complete -c vibe -n "__fish_vibe_using_subcommand run" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand run" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand run" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand run" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vibe -n "__fish_vibe_using_subcommand run" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -f -a "list" -d 'Jobs, newest first'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -f -a "show" -d 'One job: its record and its latest events'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -f -a "progress" -d 'Where a job is: stage, step, elapsed time, tokens'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -f -a "result" -d 'What a job produced: summary, criteria, diffstat and diff'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -f -a "watch" -d 'Follow a job\'s events until it ends (JSON Lines with --json)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -f -a "cancel" -d 'Stop a job and everything it runs'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -f -a "resume" -d 'Continue an interrupted (or failed) job from the stage after its last completed one'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -f -a "__run-job" -d 'Runs a job in this process (used by --detach)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and not __fish_seen_subcommand_from list show progress result watch cancel resume __run-job help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from list" -l limit -d 'At most this many jobs' -r
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from list" -l status -d 'Only jobs with this status (queued, running, done, failed, interrupted, …)' -r
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from list" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from list" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from show" -l events -d 'How many of the latest events to show (0 for all)' -r
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from show" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from show" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from progress" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from progress" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from progress" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from progress" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from progress" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from progress" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from progress" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from progress" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from result" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from result" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from result" -l patch -d 'Print only the plain patch'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from result" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from result" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from result" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from result" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from result" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from result" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from watch" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from watch" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from watch" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from watch" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from watch" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from watch" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l detach -d 'Return at once and continue in the background'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from __run-job" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from __run-job" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from __run-job" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from __run-job" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from __run-job" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from __run-job" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from __run-job" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from __run-job" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "list" -d 'Jobs, newest first'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "show" -d 'One job: its record and its latest events'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "progress" -d 'Where a job is: stage, step, elapsed time, tokens'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "result" -d 'What a job produced: summary, criteria, diffstat and diff'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "watch" -d 'Follow a job\'s events until it ends (JSON Lines with --json)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Stop a job and everything it runs'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Continue an interrupted (or failed) job from the stage after its last completed one'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "__run-job" -d 'Runs a job in this process (used by --detach)'
complete -c vibe -n "__fish_vibe_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand login" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand login" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand login" -l with-token -d 'Read a token from standard input instead of the device flow'
complete -c vibe -n "__fish_vibe_using_subcommand login" -l no-browser -d 'Do not open the browser at the verification page'
complete -c vibe -n "__fish_vibe_using_subcommand login" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand login" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand login" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand login" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand login" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand login" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand logout" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand logout" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand logout" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand logout" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand logout" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand logout" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand logout" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand logout" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand whoami" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand whoami" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand whoami" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand whoami" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand whoami" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand whoami" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand whoami" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and not __fish_seen_subcommand_from create list status help" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand pr; and not __fish_seen_subcommand_from create list status help" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand pr; and not __fish_seen_subcommand_from create list status help" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and not __fish_seen_subcommand_from create list status help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and not __fish_seen_subcommand_from create list status help" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and not __fish_seen_subcommand_from create list status help" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and not __fish_seen_subcommand_from create list status help" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and not __fish_seen_subcommand_from create list status help" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and not __fish_seen_subcommand_from create list status help" -f -a "create" -d 'Push a branch and open its pull request (or report the one already open)'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and not __fish_seen_subcommand_from create list status help" -f -a "list" -d 'Recorded pull requests, with their state refreshed from GitHub'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and not __fish_seen_subcommand_from create list status help" -f -a "status" -d 'The pull request of a branch (default: the current one), refreshed from GitHub'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and not __fish_seen_subcommand_from create list status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -l branch -d 'Branch to push (default: the job\'s branch, else the current branch)' -r
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -l base -d 'Branch to merge into (default: the repository\'s default branch)' -r
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -l title -d 'Title (default: the job\'s CRS summary, else the last commit\'s subject)' -r
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -l body -d 'Body text (default: built from the job)' -r
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -l body-file -d 'Read the body from a file (`-` for standard input)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -l job -d 'The job whose result the PR describes (id or prefix)' -r
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -l draft -d 'Open the pull request as a draft'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from list" -l limit -d 'At most this many' -r
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from list" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from list" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from list" -l all-repos -d 'Records of every repository, not just this one'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from list" -l offline -d 'Do not ask GitHub; show the recorded states'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from status" -l branch -d 'Branch whose pull request to show' -r
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from status" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from status" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from status" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from status" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from help" -f -a "create" -d 'Push a branch and open its pull request (or report the one already open)'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from help" -f -a "list" -d 'Recorded pull requests, with their state refreshed from GitHub'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from help" -f -a "status" -d 'The pull request of a branch (default: the current one), refreshed from GitHub'
complete -c vibe -n "__fish_vibe_using_subcommand pr; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and not __fish_seen_subcommand_from parse-url commits contents help" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand gh; and not __fish_seen_subcommand_from parse-url commits contents help" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand gh; and not __fish_seen_subcommand_from parse-url commits contents help" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and not __fish_seen_subcommand_from parse-url commits contents help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and not __fish_seen_subcommand_from parse-url commits contents help" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and not __fish_seen_subcommand_from parse-url commits contents help" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and not __fish_seen_subcommand_from parse-url commits contents help" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and not __fish_seen_subcommand_from parse-url commits contents help" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and not __fish_seen_subcommand_from parse-url commits contents help" -f -a "parse-url" -d 'Normalize a repository URL to host, owner and name'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and not __fish_seen_subcommand_from parse-url commits contents help" -f -a "commits" -d 'Recent commits of a repository\'s branch'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and not __fish_seen_subcommand_from parse-url commits contents help" -f -a "contents" -d 'A directory listing or a file\'s content'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and not __fish_seen_subcommand_from parse-url commits contents help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from parse-url" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from parse-url" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from parse-url" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from parse-url" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from parse-url" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from parse-url" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from parse-url" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from parse-url" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from commits" -l branch -d 'Branch (default: the repository\'s default branch)' -r
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from commits" -l limit -d 'At most this many' -r
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from commits" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from commits" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from commits" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from commits" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from commits" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from commits" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from commits" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from commits" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from contents" -l ref -d 'Branch, tag or commit (default: the default branch)' -r
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from contents" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from contents" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from contents" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from contents" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from contents" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from contents" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from contents" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from contents" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from help" -f -a "parse-url" -d 'Normalize a repository URL to host, owner and name'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from help" -f -a "commits" -d 'Recent commits of a repository\'s branch'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from help" -f -a "contents" -d 'A directory listing or a file\'s content'
complete -c vibe -n "__fish_vibe_using_subcommand gh; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand doctor" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand doctor" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand doctor" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand doctor" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand doctor" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand doctor" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -f -a "show" -d 'Effective configuration with the source of each value; secrets redacted'
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -f -a "path" -d 'Paths of the configuration files, database and data directory'
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -f -a "set" -d 'Set KEY to VALUE in the user configuration file (comments are kept)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -f -a "unset" -d 'Remove KEY from the user configuration file, so the default (or another layer) applies'
complete -c vibe -n "__fish_vibe_using_subcommand config; and not __fish_seen_subcommand_from show path set unset help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from show" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from path" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from path" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from path" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from path" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from set" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from set" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from set" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from set" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from set" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from unset" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from unset" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from unset" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from unset" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from unset" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from unset" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from unset" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from unset" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Effective configuration with the source of each value; secrets redacted'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Paths of the configuration files, database and data directory'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "set" -d 'Set KEY to VALUE in the user configuration file (comments are kept)'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "unset" -d 'Remove KEY from the user configuration file, so the default (or another layer) applies'
complete -c vibe -n "__fish_vibe_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand trust" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand trust" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand trust" -l list -d 'List the repositories you trust (or declined), and whether their configuration changed'
complete -c vibe -n "__fish_vibe_using_subcommand trust" -l revoke -d 'Stop trusting this repository'
complete -c vibe -n "__fish_vibe_using_subcommand trust" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand trust" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand trust" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand trust" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand trust" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vibe -n "__fish_vibe_using_subcommand trust" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand history" -l limit -d 'At most this many rows' -r
complete -c vibe -n "__fish_vibe_using_subcommand history" -l since -d 'Only rows newer than this: a duration (30m, 12h, 7d, 2w) or a date (2026-01-31)' -r
complete -c vibe -n "__fish_vibe_using_subcommand history" -l of-repo -d 'Only rows of this repository (owner/name, or a path for local-only records)' -r
complete -c vibe -n "__fish_vibe_using_subcommand history" -l status -d 'Only rows with this status (e.g. done, failed, open, merged, draft)' -r
complete -c vibe -n "__fish_vibe_using_subcommand history" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand history" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand history" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand history" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand history" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand history" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand history" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand history" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -l remote -d 'Read the whole team\'s records from the Supabase mirror (needs SUPABASE_URL and the project\'s secret key in ADMIN_SECRET_KEY)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -f -a "metrics" -d 'Counts, success rate, job times, tokens and cost per day and model, PRs'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -f -a "users" -d 'All users, or one user\'s profile with their plans, jobs and PRs'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -f -a "jobs" -d 'All job records'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -f -a "plans" -d 'All plan records'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -f -a "prs" -d 'All pull-request records'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and not __fish_seen_subcommand_from metrics users jobs plans prs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from metrics" -l days -d 'How many days of per-day usage to show' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from metrics" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from metrics" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from metrics" -l remote -d 'Read the whole team\'s records from the Supabase mirror (needs SUPABASE_URL and the project\'s secret key in ADMIN_SECRET_KEY)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from metrics" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from metrics" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from metrics" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from metrics" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from metrics" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from metrics" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -l limit -d 'At most this many rows' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -l since -d 'Only rows newer than this: a duration (30m, 12h, 7d, 2w) or a date (2026-01-31)' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -l of-repo -d 'Only rows of this repository (owner/name, or a path for local-only records)' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -l status -d 'Only rows with this status (e.g. done, failed, open, merged, draft)' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -l remote -d 'Read the whole team\'s records from the Supabase mirror (needs SUPABASE_URL and the project\'s secret key in ADMIN_SECRET_KEY)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from users" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -l limit -d 'At most this many rows' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -l since -d 'Only rows newer than this: a duration (30m, 12h, 7d, 2w) or a date (2026-01-31)' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -l of-repo -d 'Only rows of this repository (owner/name, or a path for local-only records)' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -l status -d 'Only rows with this status (e.g. done, failed, open, merged, draft)' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -l remote -d 'Read the whole team\'s records from the Supabase mirror (needs SUPABASE_URL and the project\'s secret key in ADMIN_SECRET_KEY)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from jobs" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -l limit -d 'At most this many rows' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -l since -d 'Only rows newer than this: a duration (30m, 12h, 7d, 2w) or a date (2026-01-31)' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -l of-repo -d 'Only rows of this repository (owner/name, or a path for local-only records)' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -l status -d 'Only rows with this status (e.g. done, failed, open, merged, draft)' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -l remote -d 'Read the whole team\'s records from the Supabase mirror (needs SUPABASE_URL and the project\'s secret key in ADMIN_SECRET_KEY)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from plans" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -l limit -d 'At most this many rows' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -l since -d 'Only rows newer than this: a duration (30m, 12h, 7d, 2w) or a date (2026-01-31)' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -l of-repo -d 'Only rows of this repository (owner/name, or a path for local-only records)' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -l status -d 'Only rows with this status (e.g. done, failed, open, merged, draft)' -r
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -l remote -d 'Read the whole team\'s records from the Supabase mirror (needs SUPABASE_URL and the project\'s secret key in ADMIN_SECRET_KEY)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from prs" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "metrics" -d 'Counts, success rate, job times, tokens and cost per day and model, PRs'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "users" -d 'All users, or one user\'s profile with their plans, jobs and PRs'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "jobs" -d 'All job records'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "plans" -d 'All plan records'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "prs" -d 'All pull-request records'
complete -c vibe -n "__fish_vibe_using_subcommand admin; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -l dry-run -d 'List what would be sent, send nothing'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -l full -d 'Send every row again, not only new and changed ones (after the mirror was reset)'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -f -a "login" -d 'Sign in to the team mirror as a member with an e-mailed one-time code (for a publishable SUPABASE_KEY); the session goes to the OS keyring'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -f -a "logout" -d 'Sign out of the team mirror and forget the session'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and not __fish_seen_subcommand_from login logout help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from login" -l email -d 'The e-mail address to sign in with (asked for when not given)' -r
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from login" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from login" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from login" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from login" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from login" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from login" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from login" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from login" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from logout" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from logout" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from logout" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from logout" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from logout" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from logout" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from logout" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from logout" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from help" -f -a "login" -d 'Sign in to the team mirror as a member with an e-mailed one-time code (for a publishable SUPABASE_KEY); the session goes to the OS keyring'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from help" -f -a "logout" -d 'Sign out of the team mirror and forget the session'
complete -c vibe -n "__fish_vibe_using_subcommand sync; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand completions" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand completions" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand completions" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand completions" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand completions" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand completions" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand completions" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand man" -l out -d 'Directory to write the pages into' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand man" -l repo -d 'Repository to work in (default: the git repository around the current directory)' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand man" -l config -d 'Use this configuration file instead of the user configuration file' -r -F
complete -c vibe -n "__fish_vibe_using_subcommand man" -l json -d 'Print one JSON document (or JSON Lines events for long-running commands)'
complete -c vibe -n "__fish_vibe_using_subcommand man" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c vibe -n "__fish_vibe_using_subcommand man" -s q -l quiet -d 'Only errors on stderr'
complete -c vibe -n "__fish_vibe_using_subcommand man" -s y -l yes -d 'Answer yes to every confirmation; never prompt'
complete -c vibe -n "__fish_vibe_using_subcommand man" -s h -l help -d 'Print help'
complete -c vibe -n "__fish_vibe_using_subcommand man" -s V -l version -d 'Print version'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "crs" -d 'Write a change request spec (CRS) for a change described in plain words'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "plan" -d 'Make a CRS and an implementation plan (or a plan for an existing CRS); show or list plans'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "context" -d 'Show the repository context a CRS or plan request would send for a prompt, and why'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "run" -d 'The whole pipeline: CRS, plan, review, then a job that commits on a new branch'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "jobs" -d 'Follow and control jobs, also from another terminal'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "login" -d 'Log in to GitHub (device flow, or a token on stdin); the token goes to the OS keyring'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "logout" -d 'Forget the GitHub token stored by `vibe login`'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "whoami" -d 'Show the GitHub user, where the token comes from, its scopes and whether it still works'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "pr" -d 'Open, list and refresh pull requests'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "gh" -d 'GitHub look-ups: parse a repository URL, list commits, read files and directories'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "doctor" -d 'Check configuration, database, model endpoint, GitHub, and sandbox; say what to fix'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "config" -d 'Show, locate or change the configuration'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "trust" -d 'Trust this repository\'s own .vibe.toml and .env, list trusted repositories, or revoke'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "history" -d 'The user\'s CRSs, plans, jobs and pull requests, newest first'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "admin" -d 'Aggregated tracking data from the local database, or with --remote the whole team\'s from the Supabase mirror'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "sync" -d 'Push the local tracking rows (users, CRSs, plans, jobs, pull requests) to the team\'s Supabase mirror; only new and changed rows go, and running it twice changes nothing'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "completions" -d 'Print shell completions to stdout'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "man" -d 'Write man pages (vibe.1 and one per subcommand) into a directory'
complete -c vibe -n "__fish_vibe_using_subcommand help; and not __fish_seen_subcommand_from crs plan context run jobs login logout whoami pr gh doctor config trust history admin sync completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from plan" -f -a "show" -d 'Show a recorded plan with its CRS'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from plan" -f -a "list" -d 'Recorded plans, newest first'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "list" -d 'Jobs, newest first'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "show" -d 'One job: its record and its latest events'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "progress" -d 'Where a job is: stage, step, elapsed time, tokens'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "result" -d 'What a job produced: summary, criteria, diffstat and diff'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "watch" -d 'Follow a job\'s events until it ends (JSON Lines with --json)'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "cancel" -d 'Stop a job and everything it runs'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "resume" -d 'Continue an interrupted (or failed) job from the stage after its last completed one'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "__run-job" -d 'Runs a job in this process (used by --detach)'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from pr" -f -a "create" -d 'Push a branch and open its pull request (or report the one already open)'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from pr" -f -a "list" -d 'Recorded pull requests, with their state refreshed from GitHub'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from pr" -f -a "status" -d 'The pull request of a branch (default: the current one), refreshed from GitHub'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from gh" -f -a "parse-url" -d 'Normalize a repository URL to host, owner and name'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from gh" -f -a "commits" -d 'Recent commits of a repository\'s branch'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from gh" -f -a "contents" -d 'A directory listing or a file\'s content'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Effective configuration with the source of each value; secrets redacted'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Paths of the configuration files, database and data directory'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "set" -d 'Set KEY to VALUE in the user configuration file (comments are kept)'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "unset" -d 'Remove KEY from the user configuration file, so the default (or another layer) applies'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "metrics" -d 'Counts, success rate, job times, tokens and cost per day and model, PRs'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "users" -d 'All users, or one user\'s profile with their plans, jobs and PRs'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "jobs" -d 'All job records'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "plans" -d 'All plan records'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from admin" -f -a "prs" -d 'All pull-request records'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from sync" -f -a "login" -d 'Sign in to the team mirror as a member with an e-mailed one-time code (for a publishable SUPABASE_KEY); the session goes to the OS keyring'
complete -c vibe -n "__fish_vibe_using_subcommand help; and __fish_seen_subcommand_from sync" -f -a "logout" -d 'Sign out of the team mirror and forget the session'
