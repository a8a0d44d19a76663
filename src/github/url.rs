//! Repository references: every URL form a user or a git remote may hold, normalized to
//! `(host, owner, name)`. Userinfo (which may hold a token) is dropped and never echoed.

use serde::Serialize;

use super::{GithubError, GithubResult};

/// A repository on a GitHub host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepoRef {
    /// `host[:port]`, lower case (`github.com`, `ghe.example.com:8443`).
    pub host: String,
    /// Owner login or organization.
    pub owner: String,
    /// Repository name, without `.git`.
    pub name: String,
}

impl RepoRef {
    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// Whether two references name the same repository (names are case-insensitive).
    pub fn same_repo(&self, other: &RepoRef) -> bool {
        self.host.eq_ignore_ascii_case(&other.host)
            && self.owner.eq_ignore_ascii_case(&other.owner)
            && self.name.eq_ignore_ascii_case(&other.name)
    }
}

impl std::fmt::Display for RepoRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.host, self.owner, self.name)
    }
}

/// Parses a repository reference. `default_host` is used for the `owner/repo` shorthand.
///
/// Accepted: `https://HOST/o/r(.git)(/)`, `http://…`, browser URLs (`…/o/r/tree/main/src`),
/// `git@HOST:o/r(.git)`, `ssh://git@HOST(:port)/o/r(.git)`, `git://HOST/o/r.git`,
/// `HOST/o/r` and `o/r`.
pub fn parse(input: &str, default_host: &str) -> GithubResult<RepoRef> {
    let raw = input.trim();
    let bad = |why: &str| {
        GithubError::BadUrl(format!("not a repository URL: {} ({why})", crate::untrusted::url_shown(raw)))
    };
    if raw.is_empty() {
        return Err(GithubError::BadUrl("empty repository reference".into()));
    }
    if raw.chars().any(char::is_whitespace) {
        return Err(bad("contains spaces"));
    }
    // scheme://[userinfo@]host[:port]/path
    if let Some((scheme, rest)) = raw.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "https" | "http" | "ssh" | "git" | "git+ssh") {
            // The scheme is named only when it is one (the text may be anything).
            let plain = scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
            return Err(bad(&if plain {
                format!("unsupported scheme {scheme}")
            } else {
                "no scheme".into()
            }));
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = if scheme.contains("ssh") {
            // The ssh port says nothing about the API host.
            authority.split(':').next().unwrap_or(authority)
        } else {
            authority
        };
        let segs = segments(path);
        let strict = scheme.contains("ssh") || scheme == "git";
        return build(host, &segs, strict).map_err(&bad);
    }
    // scp-like: [user@]host:o/r
    if let Some((left, path)) = raw.split_once(':') {
        if !left.contains('/') && !path.starts_with("//") {
            let host = left.rsplit_once('@').map_or(left, |(_, h)| h);
            return build(host, &segments(path), true).map_err(&bad);
        }
    }
    let segs = segments(raw);
    match segs.len() {
        2 => build(default_host, &segs, true).map_err(&bad),
        n if n > 2 && segs[0].contains('.') => build(segs[0], &segs[1..], false).map_err(&bad),
        _ => Err(bad("expected OWNER/REPO or a URL")),
    }
}

fn segments(path: &str) -> Vec<&str> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let mut segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    if segs.len() == 1 && segs[0].is_empty() {
        segs.clear();
    }
    segs
}

fn build(host: &str, segs: &[&str], strict: bool) -> Result<RepoRef, &'static str> {
    if host.is_empty() {
        return Err("no host");
    }
    if !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_' | '[' | ']')) {
        return Err("bad host");
    }
    if segs.len() < 2 {
        return Err("expected OWNER/REPO in the path");
    }
    if strict && segs.len() > 2 {
        return Err("too many path segments");
    }
    let owner = segs[0];
    let name = segs[1].strip_suffix(".git").unwrap_or(segs[1]);
    for part in [owner, name] {
        if part.is_empty() {
            return Err("empty owner or name");
        }
        if part == "." || part == ".." {
            return Err("`.` and `..` are not names");
        }
        if !part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err("owner and name may only hold letters, digits, `-`, `_` and `.`");
        }
    }
    Ok(RepoRef { host: host.to_ascii_lowercase(), owner: owner.to_string(), name: name.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        match parse(s, "github.com") {
            Ok(r) => format!("{} {}", r.host, r.full_name()),
            Err(e) => format!("ERR {e}"),
        }
    }

    #[test]
    fn every_documented_form_parses() {
        let cases = [
            ("https://github.com/o/r", "github.com o/r"),
            ("https://github.com/o/r.git", "github.com o/r"),
            ("https://github.com/o/r/", "github.com o/r"),
            ("https://github.com/o/r.git/", "github.com o/r"),
            ("http://github.com/o/r", "github.com o/r"),
            ("https://user@github.com/o/r.git", "github.com o/r"),
            ("https://x-access-token:T@github.com/o/r", "github.com o/r"),
            ("git@github.com:o/r.git", "github.com o/r"),
            ("git@github.com:o/r", "github.com o/r"),
            ("ssh://git@github.com/o/r.git", "github.com o/r"),
            ("ssh://git@github.com:22/o/r.git", "github.com o/r"),
            ("ssh://git@ghe.example.com:2222/o/r.git", "ghe.example.com o/r"),
            ("git://github.com/o/r.git", "github.com o/r"),
            ("github.com/o/r", "github.com o/r"),
            ("https://ghe.example.com/o/r.git", "ghe.example.com o/r"),
            ("https://ghe.example.com:8443/o/r", "ghe.example.com:8443 o/r"),
            ("https://github.com/o/r/tree/main/src", "github.com o/r"),
            ("https://github.com/o/r/pull/5", "github.com o/r"),
            ("o/r", "github.com o/r"),
            ("o/r.js.git", "github.com o/r.js"),
            ("mona_acme/my-repo_2", "github.com mona_acme/my-repo_2"),
            ("HTTPS://GitHub.com/O/R", "github.com O/R"),
        ];
        for (input, want) in cases {
            assert_eq!(p(input), want, "{input}");
        }
    }

    #[test]
    fn any_input_parses_or_is_refused_without_its_token() {
        let mut rng = crate::test_rng::Rng::new(0x9e37_79b9_7f4a_7c15_u64);
        let mut next = |n: usize| rng.below(n);
        let pieces = [
            "https://",
            "ssh://",
            "git@",
            "ghp_TOKEN@",
            "x:ghp_TOKEN@",
            "github.com",
            ":",
            "/",
            "o",
            "r.git",
            "..",
            ".",
            "?",
            "#",
            " ",
            "\u{0}",
            "\u{fffd}",
            "[::1]",
            ":22",
            "%2F",
            "tree",
        ];
        for _ in 0..20_000 {
            let input: String = (0..next(9)).map(|_| pieces[next(pieces.len())]).collect();
            match parse(&input, "github.com") {
                Ok(r) => assert!(!r.to_string().contains("ghp_TOKEN"), "{input} -> {r}"),
                Err(e) => assert!(!e.to_string().contains("ghp_TOKEN"), "{input} -> {e}"),
            }
        }
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        for input in [
            "",
            "o",
            "o/",
            "/r",
            "ftp://h/o/r",
            "git@github.com:o/r/x",
            "o/../r",
            "https://github.com/o",
            "a b/c",
            "ssh://git@h/o/r/extra",
        ] {
            assert!(p(input).starts_with("ERR"), "{input}: {}", p(input));
        }
        for input in [
            "https://x-access-token:ghp_secret@github.com/o",
            "https://ghp_secret@github.com",
            "https://ghp_secret@github.com/",
            "https://ghp_secret@github.com/o/r/x y",
            "ghp_secret@github.com:o",
            "ftp://ghp_secret@github.com/o/r",
            "https://github.com/o?access_token=ghp_secret",
        ] {
            let e = p(input);
            assert!(e.starts_with("ERR") && !e.contains("ghp_secret"), "{input}: {e}");
        }
    }
}
