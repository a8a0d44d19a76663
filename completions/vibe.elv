
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
            cand crs 'Write a change request spec (CRS) for a change described in plain words'
            cand plan 'Make a CRS and an implementation plan (or a plan for an existing CRS); show or list plans'
            cand context 'Show the repository context a CRS or plan request would send for a prompt, and why'
            cand run 'The whole pipeline: CRS, plan, review, then a job that commits on a new branch'
            cand jobs 'Follow and control jobs, also from another terminal'
            cand login 'Log in to GitHub (device flow, or a token on stdin); the token goes to the OS keyring'
            cand logout 'Forget the GitHub token stored by `vibe login`'
            cand whoami 'Show the GitHub user, where the token comes from, its scopes and whether it still works'
            cand pr 'Open, list and refresh pull requests'
            cand gh 'GitHub look-ups: parse a repository URL, list commits, read files and directories'
            cand doctor 'Check configuration, database, model endpoint, GitHub, and sandbox; say what to fix'
            cand config 'Show, locate or change the configuration'
            cand trust 'Trust this repository''s own .vibe.toml and .env, list trusted repositories, or revoke'
            cand history 'The user''s CRSs, plans, jobs and pull requests, newest first'
            cand admin 'Aggregated tracking data from the local database, or with --remote the whole team''s from the Supabase mirror'
            cand sync 'Push the local tracking rows (users, CRSs, plans, jobs, pull requests) to the team''s Supabase mirror; only new and changed rows go, and running it twice changes nothing'
            cand completions 'Print shell completions to stdout'
            cand man 'Write man pages (vibe.1 and one per subcommand) into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;crs'= {
            cand --out 'Also write the CRS to FILE: `.json` for JSON, `.md` for markdown'
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
        &'vibe;plan'= {
            cand --crs 'Plan for this CRS instead: a JSON file (from `vibe crs --out x.json`) or a CRS id'
            cand --out 'Also write the plan to FILE: `.json` for JSON, `.md` for markdown'
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
            cand show 'Show a recorded plan with its CRS'
            cand list 'Recorded plans, newest first'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;plan;show'= {
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
        &'vibe;plan;list'= {
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
        &'vibe;plan;help'= {
            cand show 'Show a recorded plan with its CRS'
            cand list 'Recorded plans, newest first'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;plan;help;show'= {
        }
        &'vibe;plan;help;list'= {
        }
        &'vibe;plan;help;help'= {
        }
        &'vibe;context'= {
            cand --tokens 'Token budget (default: context.max_tokens)'
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --explain 'Explain the choice: every file with its score, the reasons and token counts'
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
        &'vibe;run'= {
            cand --plan 'Start from a plan instead of a prompt: a plan id (or prefix) or a JSON file'
            cand --sandbox 'Where the job runs (default: sandbox.backend, normally local)'
            cand --base 'Branch (or commit) the job starts from and the pull request targets (default: HEAD)'
            cand --batch 'Run many change requests: one prompt per line, or JSON Lines `{"prompt": …, "base": …, "repo": …}`; needs --yes'
            cand --parallel 'With --batch: at most this many jobs at once'
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --allow-dirty 'Include uncommitted changes of the working tree in the job'
            cand --no-pr 'Stop at the commit; do not push or open a pull request'
            cand --draft 'Open the pull request as a draft'
            cand --pr-on-failure 'When the job does not pass, still open a draft pull request that shows the failing criteria (its work is kept on its branch either way)'
            cand --detach 'Return the job id at once and run the job in the background'
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
        }
        &'vibe;jobs'= {
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
            cand list 'Jobs, newest first'
            cand show 'One job: its record and its latest events'
            cand progress 'Where a job is: stage, step, elapsed time, tokens'
            cand result 'What a job produced: summary, criteria, diffstat and diff'
            cand watch 'Follow a job''s events until it ends (JSON Lines with --json)'
            cand cancel 'Stop a job and everything it runs'
            cand resume 'Continue an interrupted (or failed) job from the stage after its last completed one'
            cand __run-job 'Runs a job in this process (used by --detach)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;jobs;list'= {
            cand --limit 'At most this many jobs'
            cand --status 'Only jobs with this status (queued, running, done, failed, interrupted, …)'
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
        &'vibe;jobs;show'= {
            cand --events 'How many of the latest events to show (0 for all)'
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
        &'vibe;jobs;progress'= {
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
        &'vibe;jobs;result'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --patch 'Print only the plain patch'
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
        &'vibe;jobs;watch'= {
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
        &'vibe;jobs;cancel'= {
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
        &'vibe;jobs;resume'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --detach 'Return at once and continue in the background'
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
        &'vibe;jobs;__run-job'= {
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
        &'vibe;jobs;help'= {
            cand list 'Jobs, newest first'
            cand show 'One job: its record and its latest events'
            cand progress 'Where a job is: stage, step, elapsed time, tokens'
            cand result 'What a job produced: summary, criteria, diffstat and diff'
            cand watch 'Follow a job''s events until it ends (JSON Lines with --json)'
            cand cancel 'Stop a job and everything it runs'
            cand resume 'Continue an interrupted (or failed) job from the stage after its last completed one'
            cand __run-job 'Runs a job in this process (used by --detach)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;jobs;help;list'= {
        }
        &'vibe;jobs;help;show'= {
        }
        &'vibe;jobs;help;progress'= {
        }
        &'vibe;jobs;help;result'= {
        }
        &'vibe;jobs;help;watch'= {
        }
        &'vibe;jobs;help;cancel'= {
        }
        &'vibe;jobs;help;resume'= {
        }
        &'vibe;jobs;help;__run-job'= {
        }
        &'vibe;jobs;help;help'= {
        }
        &'vibe;login'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --with-token 'Read a token from standard input instead of the device flow'
            cand --no-browser 'Do not open the browser at the verification page'
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
        &'vibe;logout'= {
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
        &'vibe;whoami'= {
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
        &'vibe;pr'= {
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
            cand create 'Push a branch and open its pull request (or report the one already open)'
            cand list 'Recorded pull requests, with their state refreshed from GitHub'
            cand status 'The pull request of a branch (default: the current one), refreshed from GitHub'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;pr;create'= {
            cand --branch 'Branch to push (default: the job''s branch, else the current branch)'
            cand --base 'Branch to merge into (default: the repository''s default branch)'
            cand --title 'Title (default: the job''s CRS summary, else the last commit''s subject)'
            cand --body 'Body text (default: built from the job)'
            cand --body-file 'Read the body from a file (`-` for standard input)'
            cand --job 'The job whose result the PR describes (id or prefix)'
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --draft 'Open the pull request as a draft'
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
        &'vibe;pr;list'= {
            cand --limit 'At most this many'
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --all-repos 'Records of every repository, not just this one'
            cand --offline 'Do not ask GitHub; show the recorded states'
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
        &'vibe;pr;status'= {
            cand --branch 'Branch whose pull request to show'
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
        &'vibe;pr;help'= {
            cand create 'Push a branch and open its pull request (or report the one already open)'
            cand list 'Recorded pull requests, with their state refreshed from GitHub'
            cand status 'The pull request of a branch (default: the current one), refreshed from GitHub'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;pr;help;create'= {
        }
        &'vibe;pr;help;list'= {
        }
        &'vibe;pr;help;status'= {
        }
        &'vibe;pr;help;help'= {
        }
        &'vibe;gh'= {
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
            cand parse-url 'Normalize a repository URL to host, owner and name'
            cand commits 'Recent commits of a repository''s branch'
            cand contents 'A directory listing or a file''s content'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;gh;parse-url'= {
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
        &'vibe;gh;commits'= {
            cand --branch 'Branch (default: the repository''s default branch)'
            cand --limit 'At most this many'
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
        &'vibe;gh;contents'= {
            cand --ref 'Branch, tag or commit (default: the default branch)'
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
        &'vibe;gh;help'= {
            cand parse-url 'Normalize a repository URL to host, owner and name'
            cand commits 'Recent commits of a repository''s branch'
            cand contents 'A directory listing or a file''s content'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;gh;help;parse-url'= {
        }
        &'vibe;gh;help;commits'= {
        }
        &'vibe;gh;help;contents'= {
        }
        &'vibe;gh;help;help'= {
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
        &'vibe;trust'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --list 'List the repositories you trust (or declined), and whether their configuration changed'
            cand --revoke 'Stop trusting this repository'
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
            cand --remote 'Read the whole team''s records from the Supabase mirror (needs SUPABASE_URL and the project''s secret key in ADMIN_SECRET_KEY)'
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
            cand --remote 'Read the whole team''s records from the Supabase mirror (needs SUPABASE_URL and the project''s secret key in ADMIN_SECRET_KEY)'
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
            cand --remote 'Read the whole team''s records from the Supabase mirror (needs SUPABASE_URL and the project''s secret key in ADMIN_SECRET_KEY)'
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
            cand --remote 'Read the whole team''s records from the Supabase mirror (needs SUPABASE_URL and the project''s secret key in ADMIN_SECRET_KEY)'
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
            cand --remote 'Read the whole team''s records from the Supabase mirror (needs SUPABASE_URL and the project''s secret key in ADMIN_SECRET_KEY)'
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
            cand --remote 'Read the whole team''s records from the Supabase mirror (needs SUPABASE_URL and the project''s secret key in ADMIN_SECRET_KEY)'
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
        &'vibe;sync'= {
            cand --repo 'Repository to work in (default: the git repository around the current directory)'
            cand --config 'Use this configuration file instead of the user configuration file'
            cand --dry-run 'List what would be sent, send nothing'
            cand --full 'Send every row again, not only new and changed ones (after the mirror was reset)'
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
            cand login 'Sign in to the team mirror as a member with an e-mailed one-time code (for a publishable SUPABASE_KEY); the session goes to the OS keyring'
            cand logout 'Sign out of the team mirror and forget the session'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;sync;login'= {
            cand --email 'The e-mail address to sign in with (asked for when not given)'
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
        &'vibe;sync;logout'= {
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
        &'vibe;sync;help'= {
            cand login 'Sign in to the team mirror as a member with an e-mailed one-time code (for a publishable SUPABASE_KEY); the session goes to the OS keyring'
            cand logout 'Sign out of the team mirror and forget the session'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;sync;help;login'= {
        }
        &'vibe;sync;help;logout'= {
        }
        &'vibe;sync;help;help'= {
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
            cand crs 'Write a change request spec (CRS) for a change described in plain words'
            cand plan 'Make a CRS and an implementation plan (or a plan for an existing CRS); show or list plans'
            cand context 'Show the repository context a CRS or plan request would send for a prompt, and why'
            cand run 'The whole pipeline: CRS, plan, review, then a job that commits on a new branch'
            cand jobs 'Follow and control jobs, also from another terminal'
            cand login 'Log in to GitHub (device flow, or a token on stdin); the token goes to the OS keyring'
            cand logout 'Forget the GitHub token stored by `vibe login`'
            cand whoami 'Show the GitHub user, where the token comes from, its scopes and whether it still works'
            cand pr 'Open, list and refresh pull requests'
            cand gh 'GitHub look-ups: parse a repository URL, list commits, read files and directories'
            cand doctor 'Check configuration, database, model endpoint, GitHub, and sandbox; say what to fix'
            cand config 'Show, locate or change the configuration'
            cand trust 'Trust this repository''s own .vibe.toml and .env, list trusted repositories, or revoke'
            cand history 'The user''s CRSs, plans, jobs and pull requests, newest first'
            cand admin 'Aggregated tracking data from the local database, or with --remote the whole team''s from the Supabase mirror'
            cand sync 'Push the local tracking rows (users, CRSs, plans, jobs, pull requests) to the team''s Supabase mirror; only new and changed rows go, and running it twice changes nothing'
            cand completions 'Print shell completions to stdout'
            cand man 'Write man pages (vibe.1 and one per subcommand) into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vibe;help;crs'= {
        }
        &'vibe;help;plan'= {
            cand show 'Show a recorded plan with its CRS'
            cand list 'Recorded plans, newest first'
        }
        &'vibe;help;plan;show'= {
        }
        &'vibe;help;plan;list'= {
        }
        &'vibe;help;context'= {
        }
        &'vibe;help;run'= {
        }
        &'vibe;help;jobs'= {
            cand list 'Jobs, newest first'
            cand show 'One job: its record and its latest events'
            cand progress 'Where a job is: stage, step, elapsed time, tokens'
            cand result 'What a job produced: summary, criteria, diffstat and diff'
            cand watch 'Follow a job''s events until it ends (JSON Lines with --json)'
            cand cancel 'Stop a job and everything it runs'
            cand resume 'Continue an interrupted (or failed) job from the stage after its last completed one'
            cand __run-job 'Runs a job in this process (used by --detach)'
        }
        &'vibe;help;jobs;list'= {
        }
        &'vibe;help;jobs;show'= {
        }
        &'vibe;help;jobs;progress'= {
        }
        &'vibe;help;jobs;result'= {
        }
        &'vibe;help;jobs;watch'= {
        }
        &'vibe;help;jobs;cancel'= {
        }
        &'vibe;help;jobs;resume'= {
        }
        &'vibe;help;jobs;__run-job'= {
        }
        &'vibe;help;login'= {
        }
        &'vibe;help;logout'= {
        }
        &'vibe;help;whoami'= {
        }
        &'vibe;help;pr'= {
            cand create 'Push a branch and open its pull request (or report the one already open)'
            cand list 'Recorded pull requests, with their state refreshed from GitHub'
            cand status 'The pull request of a branch (default: the current one), refreshed from GitHub'
        }
        &'vibe;help;pr;create'= {
        }
        &'vibe;help;pr;list'= {
        }
        &'vibe;help;pr;status'= {
        }
        &'vibe;help;gh'= {
            cand parse-url 'Normalize a repository URL to host, owner and name'
            cand commits 'Recent commits of a repository''s branch'
            cand contents 'A directory listing or a file''s content'
        }
        &'vibe;help;gh;parse-url'= {
        }
        &'vibe;help;gh;commits'= {
        }
        &'vibe;help;gh;contents'= {
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
        &'vibe;help;trust'= {
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
        &'vibe;help;sync'= {
            cand login 'Sign in to the team mirror as a member with an e-mailed one-time code (for a publishable SUPABASE_KEY); the session goes to the OS keyring'
            cand logout 'Sign out of the team mirror and forget the session'
        }
        &'vibe;help;sync;login'= {
        }
        &'vibe;help;sync;logout'= {
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
