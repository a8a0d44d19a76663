//! Values vibe does not control, made safe to show and to use: URLs from the configuration
//! (which may carry credentials), text and waits sent by servers (which may be hostile).
//!
//! - [`url_shown`]: a URL with its credentials (userinfo, secret query parameters) replaced,
//!   for every message, log line and listing; [`scrub_url`] does the same inside free text.
//! - [`join_url`]: a request path appended to a base URL's path, keeping the base's query
//!   (Azure-style `?api-version=…`).
//! - [`server_text`]: a server's message, bounded and free of terminal control characters.
//! - [`wait`] and [`retry_after_secs`]: a server's wait, bounded, whatever number it sends;
//!   [`read_capped`]: a server's body, bounded.

use std::time::Duration;

/// What replaces a credential in a shown URL.
pub const HIDDEN: &str = "***";

/// Longest URL shown; the rest is cut (a URL is only shown to identify an endpoint).
const MAX_SHOWN_URL: usize = 2_000;

/// Longest server message kept in an error, in characters.
pub const MAX_SERVER_TEXT: usize = 500;

/// Whether a query (or fragment) parameter name holds a credential: keys, tokens,
/// passwords, signatures, sessions, OAuth codes.
fn is_secret_param(name: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(name).decode_utf8_lossy().to_ascii_lowercase();
    let n: String = decoded.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    n == "code"
        || ["key", "token", "secret", "pass", "pwd", "sig", "auth", "credential", "session", "cookie"]
            .iter()
            .any(|w| n.contains(w))
}

/// Splits `url` into (before the query, the query and fragment part with its leading `?`/`#`).
fn split_query(url: &str) -> (&str, &str) {
    match url.find(['?', '#']) {
        Some(i) => url.split_at(i),
        None => (url, ""),
    }
}

/// Byte ranges of what stands before each `@` up to the previous separator (`/?#&;=` or
/// the start): userinfo wherever it appears (`user:pass@host`, a token as user, a second URL
/// inside the first), except the ordinary ssh user `git`.
fn userinfo_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices('@') {
        let start = text[..at].rfind(['/', '?', '#', '&', ';', '=', '@']).map_or(0, |i| i + 1);
        let user = &text[start..at];
        if !user.is_empty() && user != "git" && user != HIDDEN {
            out.push((start, at));
        }
    }
    out
}

/// `text` with each range replaced by [`HIDDEN`] (ranges in order, not overlapping).
fn hide_ranges(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for &(start, end) in ranges {
        out.push_str(&text[last..start]);
        out.push_str(HIDDEN);
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// `url` with its credentials replaced by [`HIDDEN`]: the userinfo (`https://user:pass@host`
/// and a token as user), and the value of every query or fragment parameter whose name says
/// it is a secret (`api-key`, `access_token`, `sig`, …). Works on any text, URL or not.
pub fn url_shown(url: &str) -> String {
    let (head, tail) = split_query(url);
    let mut out = String::with_capacity(url.len());
    out.push_str(head);
    // `?a=1&b=2#c=3`: each separator kept, each secret value hidden.
    let mut rest = tail;
    while !rest.is_empty() {
        let sep = &rest[..1];
        rest = &rest[1..];
        let end = rest.find(['&', ';', '#', '?']).unwrap_or(rest.len());
        let param = &rest[..end];
        out.push_str(sep);
        match param.split_once('=') {
            Some((name, value)) if is_secret_param(name) && !value.is_empty() => {
                out.push_str(name);
                out.push('=');
                out.push_str(HIDDEN);
            }
            _ => out.push_str(param),
        }
        rest = &rest[end..];
    }
    let out = hide_ranges(&out, &userinfo_ranges(&out));
    if out.chars().count() > MAX_SHOWN_URL {
        return out.chars().take(MAX_SHOWN_URL).collect::<String>() + "…";
    }
    out
}

/// The credentials [`url_shown`] hides in `url`: each userinfo (whole, and its password
/// alone) and secret parameter values, each as written and percent-decoded.
fn url_secrets(url: &str) -> Vec<String> {
    let (_, tail) = split_query(url);
    let mut raw = Vec::new();
    for (start, at) in userinfo_ranges(url) {
        let info = &url[start..at];
        raw.push(info.to_string());
        // With a password the user name is ordinary text; without one it is a token.
        if let Some((_, pass)) = info.split_once(':') {
            raw.push(pass.to_string());
        }
    }
    for param in tail.split(['?', '#', '&', ';']) {
        if let Some((name, value)) = param.split_once('=') {
            if is_secret_param(name) {
                raw.push(value.to_string());
            }
        }
    }
    let mut out = Vec::new();
    for s in raw {
        let decoded = percent_encoding::percent_decode_str(&s).decode_utf8_lossy().into_owned();
        for v in [s, decoded] {
            // Very short values would blot out ordinary text; they are no real secret anyway.
            if v.len() >= 3 && !out.contains(&v) {
                out.push(v);
            }
        }
    }
    // Longest first, so a value is never half-replaced by a shorter one inside it.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// `text` (an error from an HTTP library, a server's message) with every credential of
/// `url` hidden, wherever and however the URL was spelled in it.
pub fn scrub_url(text: &str, url: &str) -> String {
    let mut out = text.replace(url, &url_shown(url));
    for secret in url_secrets(url) {
        out = out.replace(&secret, HIDDEN);
    }
    out
}

/// `base` with `path` appended to its path, keeping its query: `https://h/v1?api-version=2`
/// and `/chat/completions` give `https://h/v1/chat/completions?api-version=2`. A query in
/// `path` comes first, the base's after it; a fragment of the base is dropped (it is never
/// sent).
pub fn join_url(base: &str, path: &str) -> String {
    let (head, tail) = split_query(base);
    let base_query = tail.strip_prefix('?').map(|q| q.split('#').next().unwrap_or(q)).unwrap_or("");
    let (path, path_query) = match path.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path, ""),
    };
    let mut out = format!("{}/{}", head.trim_end_matches('/'), path.trim_start_matches('/'));
    let query: Vec<&str> = [path_query, base_query].into_iter().filter(|q| !q.is_empty()).collect();
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query.join("&"));
    }
    out
}

/// A server's message made fit to show: control characters (terminal escapes, carriage
/// returns, NULs) replaced, whitespace runs folded to one space, at most
/// [`MAX_SERVER_TEXT`] characters.
pub fn server_text(text: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.trim().chars() {
        if count >= MAX_SERVER_TEXT {
            out.push('…');
            break;
        }
        let c = match c {
            ' ' | '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        };
        if c == ' ' {
            if space {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// Reads at most `limit` bytes of a response body: the bytes, and whether there was more
/// (a server that sends without end costs no more than `limit` of memory).
pub async fn read_capped(
    resp: &mut reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = limit - out.len();
        if chunk.len() > room {
            out.extend_from_slice(&chunk[..room]);
            return Ok((out, true));
        }
        out.extend_from_slice(&chunk);
    }
    Ok((out, false))
}

/// A wait of `secs` seconds as a server asked for it, at most `cap`. Negative and NaN are
/// no wait at all (`None`); anything huge, infinity included, is `cap`.
pub fn wait(secs: f64, cap: Duration) -> Option<Duration> {
    if secs.is_nan() || secs < 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(secs.min(cap.as_secs_f64())))
}

/// The seconds a `Retry-After` value asks for: a number of seconds, or an HTTP date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`) counted from `now` (a date in the past is 0).
/// `None` for anything else. Bound the result with [`wait`].
pub fn retry_after_secs(value: &str, now: time::OffsetDateTime) -> Option<f64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return Some(secs);
    }
    let at = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    Some((at - now).as_seconds_f64().max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_hidden_in_every_url_form() {
        let cases = [
            ("https://user:pass@example.com/v1", "https://***@example.com/v1"),
            ("https://ghp_abcdef0123@github.com", "https://***@github.com"),
            ("https://tok@github.com/o/r?x=1", "https://***@github.com/o/r?x=1"),
            ("ghp_abc@github.com:o/r", "***@github.com:o/r"),
            ("git@github.com:o/r.git", "git@github.com:o/r.git"),
            ("ssh://git@github.com/o/r", "ssh://git@github.com/o/r"),
            ("https://h/v1?api-version=2024-06-01", "https://h/v1?api-version=2024-06-01"),
            ("https://h/v1?api-key=SECRET&api-version=1", "https://h/v1?api-key=***&api-version=1"),
            ("https://h/?access_token=abc;sig=xyz#token=t", "https://h/?access_token=***;sig=***#token=***"),
            ("https://h/?Api%2DKey=abc", "https://h/?Api%2DKey=***"),
            ("https://h/?code=abc&mode=x", "https://h/?code=***&mode=x"),
            ("https://example.com/v1", "https://example.com/v1"),
            ("not a url", "not a url"),
            ("", ""),
            ("https://a@b@c/x", "https://***@***@c/x"),
            ("https://h/v1?email=ann@example.com", "https://h/v1?email=***@example.com"),
            ("https://h/@scope/pkg", "https://h/@scope/pkg"),
            ("?", "?"),
            ("https://h/?key", "https://h/?key"),
        ];
        for (url, want) in cases {
            assert_eq!(url_shown(url), want, "{url}");
        }
        let long = format!("https://h/{}", "a".repeat(10_000));
        assert!(url_shown(&long).chars().count() <= MAX_SHOWN_URL + 1);
    }

    /// Random URLs around a planted secret: whatever surrounds it, a secret in a credential
    /// position is hidden, and no input at all makes these functions panic.
    #[test]
    fn random_urls_never_show_a_planted_secret() {
        let mut rng = crate::test_rng::Rng::new(0x2545_f491_4f6c_dd1d_u64);
        let mut next = |n: usize| rng.below(n);
        let pieces = [
            "/",
            "//",
            "?",
            "#",
            "&",
            ";",
            "=",
            "@",
            ":",
            "%40",
            "%3D",
            "v1",
            "api-version=1",
            "\u{fffd}",
            " ",
            "\0",
            "key",
            "=x",
        ];
        for _ in 0..5_000 {
            let random: String = (0..next(8)).map(|_| pieces[next(pieces.len())]).collect();
            let scheme = ["https://", "http://", "ssh://"][next(3)];
            let url = match next(6) {
                0 => format!("{scheme}PLANTEDSECRET@example.com/{random}"),
                1 => format!("{scheme}user:PLANTEDSECRET@example.com:8080/{random}"),
                2 => format!("{scheme}example.com/v1{random}?api-key=PLANTEDSECRET"),
                3 => format!("{scheme}example.com/v1{random}?x=1&access_token=PLANTEDSECRET{random}"),
                4 => format!("{scheme}example.com/v1{random}#token=PLANTEDSECRET"),
                _ => format!("{scheme}example.com/{random}?y;sig=PLANTEDSECRET&z=2"),
            };
            let shown = url_shown(&url);
            assert!(!shown.contains("PLANTEDSECRET"), "{url} -> {shown}");
            let joined = join_url(&url, "/chat/completions?x=1");
            let scrubbed = scrub_url(&format!("error for url ({joined}): {url}"), &url);
            assert!(!scrubbed.contains("PLANTEDSECRET"), "{url} -> {scrubbed}");
        }
        // Any text at all: no panic.
        for _ in 0..2_000 {
            let s: String =
                (0..next(40)).map(|_| char::from_u32(next(0x300) as u32).unwrap_or('x')).collect();
            let _ = (url_shown(&s), join_url(&s, &s), scrub_url(&s, &s));
        }
    }

    #[test]
    fn scrubbing_finds_credentials_however_the_url_was_spelled() {
        let url = "https://user:pa%40ss@example.com/v1?api-key=KEY123&api-version=1";
        let text = format!(
            "error sending request for url (https://user:pa@ss@example.com/v1/chat?api-key=KEY123): {url}"
        );
        let out = scrub_url(&text, url);
        for secret in ["pa%40ss", "pa@ss", "KEY123"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(out.contains("example.com/v1"), "{out}");
        assert_eq!(scrub_url("plain text", "https://example.com/v1"), "plain text");
    }

    #[test]
    fn paths_join_before_the_query() {
        assert_eq!(join_url("http://h:1/v1", "/chat/completions"), "http://h:1/v1/chat/completions");
        assert_eq!(join_url("http://h:1/v1/", "/models"), "http://h:1/v1/models");
        assert_eq!(
            join_url("https://h/openai/deployments/d?api-version=2024-06-01", "/chat/completions"),
            "https://h/openai/deployments/d/chat/completions?api-version=2024-06-01"
        );
        assert_eq!(
            join_url("https://h/api?x=1#frag", "/user?per_page=5"),
            "https://h/api/user?per_page=5&x=1"
        );
        assert_eq!(join_url("https://h#frag", "/user"), "https://h/user");
    }

    #[test]
    fn server_text_is_bounded_and_inert() {
        assert_eq!(
            server_text("  bad\r\n\x1b[31mred\x1b[0m\0 x  "),
            "bad \u{fffd}[31mred\u{fffd}[0m\u{fffd} x"
        );
        let long = server_text(&"x".repeat(100_000));
        assert_eq!(long.chars().count(), MAX_SERVER_TEXT + 1);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn waits_are_bounded_whatever_the_number() {
        let cap = Duration::from_secs(60);
        assert_eq!(wait(1.5, cap), Some(Duration::from_millis(1500)));
        assert_eq!(wait(1e20, cap), Some(cap));
        assert_eq!(wait(f64::INFINITY, cap), Some(cap));
        assert_eq!(wait(f64::MAX, cap), Some(cap));
        assert_eq!(wait(f64::NAN, cap), None);
        assert_eq!(wait(-1.0, cap), None);
        assert_eq!(wait(f64::NEG_INFINITY, cap), None);
        assert_eq!(wait(0.0, cap), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = time::macros::datetime!(2015-10-21 07:27:00 UTC);
        assert_eq!(retry_after_secs("7", now), Some(7.0));
        assert_eq!(retry_after_secs(" 1e20 ", now), Some(1e20));
        assert_eq!(retry_after_secs("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(60.0));
        assert_eq!(retry_after_secs("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(0.0));
        assert_eq!(retry_after_secs("Fri, 31 Dec 9999 23:59:59 GMT", now).map(|s| s > 1e9), Some(true));
        assert_eq!(retry_after_secs("soon", now), None);
        assert_eq!(retry_after_secs("", now), None);
    }
}
