
use builtin;
use str;

set edit:completion:arg-completer[vibe] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'vibe'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'vibe'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand doctor 'Check configuration, database, model endpoint, GitHub, and sandbox; say what to fix'
            cand config 'Show, locate or change the configuration'
            cand history 'The user''s CRSs, plans, jobs and pull requests, newest first'
            cand admin 'Aggregated tracking data from the local database'
            cand completions 'Print shell completions to stdout'
            cand man 'Write man pages (vibe.1 and one per subcommand) into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;doctor'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;config'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Effective configuration with the source of each value; secrets redacted'
            cand path 'Paths of the configuration files, database and data directory'
            cand set 'Set KEY to VALUE in the user configuration file (comments are kept)'
            cand unset 'Remove KEY from the user configuration file, so the default (or another layer) applies'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;config;show'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;config;path'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;config;set'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;config;unset'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;config;help'= {
            cand show 'Effective configuration with the source of each value; secrets redacted'
            cand path 'Paths of the configuration files, database and data directory'
            cand set 'Set KEY to VALUE in the user configuration file (comments are kept)'
            cand unset 'Remove KEY from the user configuration file, so the default (or another layer) applies'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;config;help;show'= {
        }
        &'vibe;config;help;path'= {
        }
        &'vibe;config;help;set'= {
        }
        &'vibe;config;help;unset'= {
        }
        &'vibe;config;help;help'= {
        }
        &'vibe;history'= {
            cand --limit 'At most this many rows'
            cand --since 'Only rows newer than this: a duration (30m, 12h, 7d, 2w) or a date (2026-01-31)'
            cand --of-repo 'Only rows of this repository (owner/name, or a path for local-only records)'
            cand --status 'Only rows with this status (e.g. done, failed, open, merged, draft)'
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;admin'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand metrics 'Counts, success rate, job times, tokens and cost per day and model, PRs'
            cand users 'All users, or one user''s profile with their plans, jobs and PRs'
            cand jobs 'All job records'
            cand plans 'All plan records'
            cand prs 'All pull-request records'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;admin;metrics'= {
            cand --days 'How many days of per-day usage to show'
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;admin;users'= {
            cand --limit 'At most this many rows'
            cand --since 'Only rows newer than this: a duration (30m, 12h, 7d, 2w) or a date (2026-01-31)'
            cand --of-repo 'Only rows of this repository (owner/name, or a path for local-only records)'
            cand --status 'Only rows with this status (e.g. done, failed, open, merged, draft)'
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;admin;jobs'= {
            cand --limit 'At most this many rows'
            cand --since 'Only rows newer than this: a duration (30m, 12h, 7d, 2w) or a date (2026-01-31)'
            cand --of-repo 'Only rows of this repository (owner/name, or a path for local-only records)'
            cand --status 'Only rows with this status (e.g. done, failed, open, merged, draft)'
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;admin;plans'= {
            cand --limit 'At most this many rows'
            cand --since 'Only rows newer than this: a duration (30m, 12h, 7d, 2w) or a date (2026-01-31)'
            cand --of-repo 'Only rows of this repository (owner/name, or a path for local-only records)'
            cand --status 'Only rows with this status (e.g. done, failed, open, merged, draft)'
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;admin;prs'= {
            cand --limit 'At most this many rows'
            cand --since 'Only rows newer than this: a duration (30m, 12h, 7d, 2w) or a date (2026-01-31)'
            cand --of-repo 'Only rows of this repository (owner/name, or a path for local-only records)'
            cand --status 'Only rows with this status (e.g. done, failed, open, merged, draft)'
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;admin;help'= {
            cand metrics 'Counts, success rate, job times, tokens and cost per day and model, PRs'
            cand users 'All users, or one user''s profile with their plans, jobs and PRs'
            cand jobs 'All job records'
            cand plans 'All plan records'
            cand prs 'All pull-request records'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;admin;help;metrics'= {
        }
        &'vibe;admin;help;users'= {
        }
        &'vibe;admin;help;jobs'= {
        }
        &'vibe;admin;help;plans'= {
        }
        &'vibe;admin;help;prs'= {
        }
        &'vibe;admin;help;help'= {
        }
        &'vibe;completions'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;man'= {
            cand --out 'Directory to write the pages into'
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --json 'Print one JSON document (or JSON Lines events for long-running commands)'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -y 'Answer yes to every confirmation; never prompt'
            cand --yes 'Answer yes to every confirmation; never prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vibe;help'= {
            cand doctor 'Check configuration, database, model endpoint, GitHub, and sandbox; say what to fix'
            cand config 'Show, locate or change the configuration'
            cand history 'The user''s CRSs, plans, jobs and pull requests, newest first'
            cand admin 'Aggregated tracking data from the local database'
            cand completions 'Print shell completions to stdout'
            cand man 'Write man pages (vibe.1 and one per subcommand) into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;help;doctor'= {
        }
        &'vibe;help;config'= {
            cand show 'Effective configuration with the source of each value; secrets redacted'
            cand path 'Paths of the configuration files, database and data directory'
            cand set 'Set KEY to VALUE in the user configuration file (comments are kept)'
            cand unset 'Remove KEY from the user configuration file, so the default (or another layer) applies'
        }
        &'vibe;help;config;show'= {
        }
        &'vibe;help;config;path'= {
        }
        &'vibe;help;config;set'= {
        }
        &'vibe;help;config;unset'= {
        }
        &'vibe;help;history'= {
        }
        &'vibe;help;admin'= {
            cand metrics 'Counts, success rate, job times, tokens and cost per day and model, PRs'
            cand users 'All users, or one user''s profile with their plans, jobs and PRs'
            cand jobs 'All job records'
            cand plans 'All plan records'
            cand prs 'All pull-request records'
        }
        &'vibe;help;admin;metrics'= {
        }
        &'vibe;help;admin;users'= {
        }
        &'vibe;help;admin;jobs'= {
        }
        &'vibe;help;admin;plans'= {
        }
        &'vibe;help;admin;prs'= {
        }
        &'vibe;help;completions'= {
        }
        &'vibe;help;man'= {
        }
        &'vibe;help;help'= {
        }
    ]
    $completions[$command]
}
