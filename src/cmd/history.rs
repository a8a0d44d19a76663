//! `vibe history`: the current user's CRSs, plans, jobs and pull requests as one timeline,
//! newest first. Also resolves the listing filters shared with `vibe admin`.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::Ctx;
use crate::cli::{HistoryArgs, ListFilter};
use crate::error::Error;
use crate::output::{short_id, when};
use crate::store::{self, HistoryEntry, ListQuery, JOB_STATUSES, PLAN_STATUSES, PR_STATES};

/// Lists the history: the logged-in user's records and those made while nobody was logged
/// in, or every local record when nobody is logged in.
pub fn run(ctx: &Ctx, args: &HistoryArgs) -> Result<(), Error> {
    let statuses: Vec<&str> = PLAN_STATUSES.iter().chain(JOB_STATUSES).chain(PR_STATES).copied().collect();
    let mut q = resolve_filter(ctx, &args.filter, &statuses)?;
    let store = ctx.store()?;
    let user = store.current_user()?;
    if let Some(u) = &user {
        q.user_id = Some(u.id.clone());
        q.include_unowned = true;
    }
    let entries = store.history(&q)?;
    if ctx.out.json {
        #[derive(Serialize)]
        struct Doc<'a> {
            user: Option<&'a str>,
            entries: &'a [HistoryEntry],
        }
        return ctx.out.json(&Doc { user: user.as_ref().map(|u| u.login.as_str()), entries: &entries });
    }
    if entries.is_empty() {
        let text = if is_filtered(&args.filter) {
            "Nothing in the history matches these filters."
        } else {
            "No history yet. Start with `vibe plan \"describe a change\"` inside a repository."
        };
        return ctx.out.line(text);
    }
    let mut table = ctx.out.table(&["id", "kind", "status", "repo", "summary", "when"]);
    for e in &entries {
        table.add_row(vec![
            short_id(&e.id).to_string(),
            e.kind.as_str().to_string(),
            e.status.clone().unwrap_or_else(|| "-".into()),
            e.repo.clone().unwrap_or_else(|| "-".into()),
            clip(e.summary.as_deref().unwrap_or("-"), 60),
            when(&e.created_at),
        ]);
    }
    ctx.out.line(table_text(&table))
}

/// A table as text without the cell padding at the start and end of each line.
pub(super) fn table_text(table: &comfy_table::Table) -> String {
    let text = table.to_string();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let padded = lines.iter().all(|l| l.is_empty() || l.starts_with(' '));
    let lines: Vec<&str> = lines.iter().map(|l| if padded { l.get(1..).unwrap_or("") } else { l }).collect();
    lines.join("\n")
}

/// True when any filter besides the limit was given.
pub(super) fn is_filtered(f: &ListFilter) -> bool {
    f.since.is_some() || f.of_repo.is_some() || f.status.is_some()
}

/// Checks and resolves the listing flags; `statuses` are the values `--status` accepts here.
/// Bad input is a usage error (exit 2) saying what is accepted.
pub(super) fn resolve_filter(ctx: &Ctx, f: &ListFilter, statuses: &[&str]) -> Result<ListQuery, Error> {
    if f.limit == 0 {
        return Err(Error::usage("--limit must be at least 1"));
    }
    let since = match &f.since {
        Some(s) => Some(store::ts(parse_since(s, ctx.clock.now())?)),
        None => None,
    };
    let status = match &f.status {
        Some(s) => {
            let s = s.trim().to_ascii_lowercase();
            if !statuses.contains(&s.as_str()) {
                return Err(Error::usage(format!(
                    "unknown status `{}`; use one of: {}",
                    f.status.as_deref().unwrap_or_default(),
                    statuses.join(", ")
                )));
            }
            Some(s)
        }
        None => None,
    };
    let repo = match &f.of_repo {
        Some(r) => Some(resolve_repo(ctx, r)?),
        None => None,
    };
    Ok(ListQuery { limit: f.limit, since, repo, status, user_id: None, include_unowned: false })
}

/// An existing directory names a local repository (its root path); anything else must look
/// like `owner/name`.
fn resolve_repo(ctx: &Ctx, value: &str) -> Result<String, Error> {
    let value = value.trim();
    let path = super::resolve_path(ctx, std::path::Path::new(value));
    if path.is_dir() {
        if let Some(root) = crate::config::find_repo_root(&path) {
            return Ok(root.display().to_string());
        }
        if let Ok(p) = std::fs::canonicalize(&path) {
            return Ok(p.display().to_string());
        }
    }
    if path.is_absolute() && std::path::Path::new(value).is_absolute() {
        // A repository that is gone or moved still names its old records.
        return Ok(value.trim_end_matches('/').to_string());
    }
    let mut parts = value.trim_end_matches(".git").split('/');
    let ok_part = |p: Option<&str>| {
        p.is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
    };
    if ok_part(parts.next()) && ok_part(parts.next()) && parts.next().is_none() {
        return Ok(value.trim_end_matches(".git").to_string());
    }
    Err(Error::usage(format!(
        "bad --of-repo value `{value}`: give owner/name (e.g. acme/web) or the path of a local repository"
    )))
}

/// Parses `--since`: a duration back from now (`30m`, `12h`, `7d`, `2w`), a date
/// (`2026-01-31`, midnight UTC) or an RFC 3339 time.
pub(super) fn parse_since(value: &str, now: OffsetDateTime) -> Result<OffsetDateTime, Error> {
    let v = value.trim();
    let bad = || {
        Error::usage(format!(
            "bad --since value `{value}`: give a duration like 30m, 12h, 7d, 2w or a date like 2026-01-31"
        ))
    };
    if let Some(unit) = v.chars().last().filter(|c| c.is_ascii_alphabetic()) {
        let digits = &v[..v.len() - 1];
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            let n: i64 = digits.parse().map_err(|_| bad())?;
            let unit_secs = match unit {
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                'w' => 604_800,
                _ => return Err(bad()),
            };
            let secs = n.checked_mul(unit_secs).ok_or_else(bad)?;
            return now.checked_sub(Duration::seconds(secs)).ok_or_else(bad);
        }
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(v, &date_format) {
        return Ok(d.midnight().assume_utc());
    }
    store::parse_ts(v).ok_or_else(bad)
}

/// Shortens `text` to `max` characters (with an ellipsis) and to its first line.
pub(super) fn clip(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() <= max && line.len() == text.trim_end().len() {
        return line.to_string();
    }
    let kept: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: OffsetDateTime = time::macros::datetime!(2026-03-14 15:09:26 UTC);

    #[test]
    fn since_accepts_durations_dates_and_times() {
        assert_eq!(parse_since("30m", NOW).unwrap(), time::macros::datetime!(2026-03-14 14:39:26 UTC));
        assert_eq!(parse_since("12h", NOW).unwrap(), time::macros::datetime!(2026-03-14 03:09:26 UTC));
        assert_eq!(parse_since("7d", NOW).unwrap(), time::macros::datetime!(2026-03-07 15:09:26 UTC));
        assert_eq!(parse_since("2w", NOW).unwrap(), time::macros::datetime!(2026-02-28 15:09:26 UTC));
        assert_eq!(parse_since("2026-01-31", NOW).unwrap(), time::macros::datetime!(2026-01-31 0:00 UTC));
        assert_eq!(
            parse_since("2026-01-31T10:00:00Z", NOW).unwrap(),
            time::macros::datetime!(2026-01-31 10:00 UTC)
        );
        for bad in ["", "7", "d", "7y", "-3d", "yesterday", "2026-13-01", "99999999999999999999d"] {
            let e = parse_since(bad, NOW).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.message.contains("30m, 12h, 7d, 2w"), "{}", e.message);
        }
    }

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("a much longer summary", 10), "a much lo…");
        assert_eq!(clip("first line\nsecond", 40), "first line…");
    }
}
