//! Secrets never reach the model. Two tools, used by everything that sends repository text
//! to a model (the CRS and plan context, the agent's tool output):
//!
//! - [`SecretFiles`]: the one list of secret-bearing files ([`SECRET_FILES`], gitignore
//!   syntax), extended by the repository's `.vibeignore`. Such files never enter the
//!   context (their path may appear in its layout), and the agent reads them with every
//!   value that could be a secret redacted.
//! - [`redact`]: one pass of one combined regular expression over a text that replaces known
//!   secret formats with a marker naming what was removed (`[redacted: private key]`).
//!   [`Mode::Text`] (any text: source files, command output) knows formats that do not
//!   occur by accident — private-key blocks, cloud and service keys, tokens, JWTs, passwords
//!   in URLs, `UPPER_CASE_PASSWORD=value` lines — and leaves ordinary code alone.
//!   [`Mode::Config`] (configuration, env-like and secret-bearing files) also redacts the
//!   value of every assignment whose key names a secret (`password:`, `api_key =`,
//!   `"token": …`) and high-entropy strings.
//!
//! A multi-line secret is replaced by its marker followed by as many line breaks as it had,
//! so line numbers stay true.

use std::borrow::Cow;
use std::sync::LazyLock;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use regex::{CaptureLocations, Regex};
use serde::{Deserialize, Serialize};

/// The start of every redaction marker.
pub const MARKER_PREFIX: &str = "[redacted: ";

/// Secret-bearing files, in gitignore syntax (a later `!` line takes a match back). The README
/// lists them; a repository adds its own with `.vibeignore`.
pub const SECRET_FILES: &[&str] = &[
    // Environment files; examples and templates are meant to be read.
    ".env",
    ".env.*",
    "*.env",
    ".envrc",
    "!.env*example*",
    "!.env*sample*",
    "!.env*template*",
    "!.env*dist*",
    "!.env*defaults*",
    "!example.env",
    "!sample.env",
    "!template.env",
    // Private keys, certificates with keys, keystores.
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "!id_*.pub",
    "*.pem",
    "*.key",
    "*.p8",
    "*.p12",
    "*.pfx",
    "*.pkcs12",
    "*.jks",
    "*.keystore",
    "*.ppk",
    "**/.ssh/**",
    // Credential stores.
    ".netrc",
    "_netrc",
    ".npmrc",
    ".yarnrc.yml",
    ".pypirc",
    ".pgpass",
    ".my.cnf",
    ".htpasswd",
    ".git-credentials",
    "credentials.json",
    "service-account*.json",
    "secrets.json",
    "secrets.yml",
    "secrets.yaml",
    "**/.aws/credentials",
    "**/.docker/config.json",
    ".dockercfg",
    // Cluster and infrastructure state.
    "**/.kube/config",
    "kubeconfig",
    "*.kubeconfig",
    "*.tfstate",
    "*.tfstate.backup",
    "*.tfvars",
    "*.tfvars.json",
    "!*.tfvars.example",
];

/// Extensions of configuration files, read in [`Mode::Config`].
const CONFIG_EXT: &[&str] =
    &["env", "ini", "cfg", "conf", "cnf", "properties", "toml", "yaml", "yml", "tfvars", "hcl"];

/// What a redaction removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// A PEM or OpenSSH private-key block.
    PrivateKey,
    /// An AWS access key id (`AKIA…`, `ASIA…`).
    AwsAccessKey,
    /// An AWS secret access key.
    AwsSecretKey,
    /// An OpenAI-style key (`sk-…`, `sk-proj-…`).
    ApiKey,
    /// A GitHub token (`ghp_…`, `github_pat_…`).
    GithubToken,
    /// A Slack token (`xoxb-…`).
    SlackToken,
    /// A Stripe key (`sk_live_…`).
    StripeKey,
    /// A Google API key (`AIza…`).
    GoogleApiKey,
    /// A JSON Web Token.
    Jwt,
    /// A bearer or basic credential in an authorization value.
    BearerToken,
    /// The password part of a URL (`scheme://user:password@host`).
    UrlPassword,
    /// The value of a password assignment.
    Password,
    /// The value of a token assignment.
    Token,
    /// The value of a key assignment (`api_key`, `SUPABASE_KEY`).
    Key,
    /// The value of another secret assignment (`secret`, `credentials`).
    Secret,
    /// A high-entropy string in a configuration file.
    HighEntropy,
}

impl SecretKind {
    /// What the marker says was removed.
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::PrivateKey => "private key",
            SecretKind::AwsAccessKey => "AWS access key id",
            SecretKind::AwsSecretKey => "AWS secret access key",
            SecretKind::ApiKey => "API key",
            SecretKind::GithubToken => "GitHub token",
            SecretKind::SlackToken => "Slack token",
            SecretKind::StripeKey => "Stripe key",
            SecretKind::GoogleApiKey => "Google API key",
            SecretKind::Jwt => "JWT",
            SecretKind::BearerToken => "authorization credential",
            SecretKind::UrlPassword => "password in URL",
            SecretKind::Password => "password",
            SecretKind::Token => "token",
            SecretKind::Key => "key",
            SecretKind::Secret => "secret",
            SecretKind::HighEntropy => "high-entropy string",
        }
    }
}

impl std::fmt::Display for SecretKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// How suspicious to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Any text: only formats that do not occur by accident.
    Text,
    /// Configuration, env-like and secret-bearing files: also secret-named assignments and
    /// high-entropy strings.
    Config,
}

/// A text after redaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted<'a> {
    /// The text with every secret found replaced by its marker (borrowed when none was).
    pub text: Cow<'a, str>,
    /// What was removed, one entry per secret, in order.
    pub found: Vec<SecretKind>,
    /// Where each marker starts in [`Redacted::text`] (byte offsets, parallel to `found`).
    pub at: Vec<usize>,
}

impl Redacted<'_> {
    /// Secrets removed.
    pub fn count(&self) -> usize {
        self.found.len()
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.text.into_owned()
    }

    /// What was removed within `range` of [`Redacted::text`].
    pub fn within(&self, range: std::ops::Range<usize>) -> Vec<SecretKind> {
        self.at.iter().zip(&self.found).filter(|(at, _)| range.contains(at)).map(|(_, k)| *k).collect()
    }
}

/// Replaces every secret [`Mode`] knows in `text` with its marker.
pub fn redact(text: &str, mode: Mode) -> Redacted<'_> {
    let scanner = match mode {
        Mode::Text => &*TEXT,
        Mode::Config => &*CONFIG,
    };
    scanner.run(text)
}

/// Which files are secret-bearing: the built-in list, plus a repository's `.vibeignore`.
#[derive(Debug, Clone)]
pub struct SecretFiles {
    extra: Option<Gitignore>,
}

static BUILTIN: LazyLock<Gitignore> = LazyLock::new(|| {
    let mut b = GitignoreBuilder::new("");
    for line in SECRET_FILES {
        // The list is constant and tested: a line can only fail while it is being written.
        let _ = b.add_line(None, line);
    }
    b.build().unwrap_or_else(|_| Gitignore::empty())
});

impl SecretFiles {
    /// The built-in list only.
    pub fn builtin() -> Self {
        Self { extra: None }
    }

    /// The built-in list extended by the patterns of a `.vibeignore` file (its text).
    pub fn with_vibeignore(text: &str) -> Self {
        let mut b = GitignoreBuilder::new("");
        for line in text.lines() {
            let _ = b.add_line(None, line);
        }
        Self { extra: b.build().ok().filter(|g| !g.is_empty()) }
    }

    /// Whether the file at `path` (relative to the repository root, `/`-separated) is
    /// secret-bearing.
    pub fn contains(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./").trim_start_matches('/');
        if path.is_empty() {
            return false;
        }
        if BUILTIN.matched(path, false).is_ignore() {
            return true;
        }
        let Some(extra) = &self.extra else { return false };
        let mut current = Some(std::path::Path::new(path));
        let mut is_dir = false;
        while let Some(p) = current.filter(|p| !p.as_os_str().is_empty()) {
            match extra.matched(p, is_dir) {
                m if m.is_ignore() => return true,
                m if m.is_whitelist() => return false,
                _ => {}
            }
            current = p.parent();
            is_dir = true;
        }
        false
    }

    /// How to redact the file at `path`: [`Mode::Config`] for secret-bearing and
    /// configuration files, [`Mode::Text`] for the rest.
    pub fn mode(&self, path: &str) -> Mode {
        if self.contains(path) || is_config(path) {
            Mode::Config
        } else {
            Mode::Text
        }
    }
}

/// Whether the built-in list names `path` as secret-bearing.
pub fn is_secret_file(path: &str) -> bool {
    SecretFiles::builtin().contains(path)
}

/// Configuration files: by extension, and JSON files named for configuration or secrets.
fn is_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let Some((stem, ext)) = name.rsplit_once('.') else { return false };
    CONFIG_EXT.contains(&ext)
        || (ext == "json" && ["config", "setting", "secret", "credential"].iter().any(|w| stem.contains(w)))
}

// ---------------------------------------------------------------------------------------
// The scanner: one regular expression whose alternatives are the rules; each match is
// judged by its rule, and a rejected match lets the scan continue inside it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Pem,
    PemTail,
    AwsId,
    AwsSecret,
    OpenAi,
    Github,
    Slack,
    Stripe,
    Google,
    Jwt,
    Bearer,
    UrlPassword,
    EnvAssign,
    JsonPair,
    ConfigAssign,
    Netrc,
    Bare,
}

/// `(rule, pattern, in text mode)`. The pattern's named groups are `k` (a key) and `v` (the
/// part to replace; the whole match when absent). Order matters: at one position the first
/// alternative that matches wins.
const RULES: &[(Rule, &str, bool)] = &[
    (
        Rule::Pem,
        r"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----(?s:.*?)(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|\z)",
        true,
    ),
    (
        Rule::PemTail,
        r"(?m:^(?:[A-Za-z0-9+/=]{40,}\r?\n)+-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----)",
        true,
    ),
    (Rule::AwsId, r"(?-u:\b)(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?-u:\b)", true),
    (
        Rule::AwsSecret,
        r#"(?i:aws_?secret_?access_?key|secret_?access_?key)["']?[ \t]*[:=][ \t]*["']?(?P<v>[A-Za-z0-9/+=]{40})"#,
        true,
    ),
    (Rule::OpenAi, r"(?-u:\b)sk-(?:proj-|svcacct-|admin-|ant-[a-z0-9]+-)?[A-Za-z0-9_\-]{20,}", true),
    (Rule::Github, r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})", true),
    (Rule::Slack, r"(?-u:\b)(?:xox[abposre]|xapp)-[A-Za-z0-9\-]{10,}", true),
    (Rule::Stripe, r"(?-u:\b)[rs]k_(?:live|test)_[A-Za-z0-9]{16,}", true),
    (Rule::Google, r"(?-u:\b)AIza[0-9A-Za-z_\-]{35}", true),
    (Rule::Jwt, r"(?-u:\b)eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*", true),
    (Rule::Bearer, r"(?i:bearer|basic)[ \t]+(?P<v>[A-Za-z0-9._~+/\-]{16,}=*)", true),
    (Rule::UrlPassword, r#"[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'"]+:(?P<v>[^\s@/'"]+)@"#, true),
    (
        Rule::EnvAssign,
        r#"(?m:^[ \t]*(?:export[ \t]+|ENV[ \t]+)?(?P<k>[A-Z][A-Z0-9_]*[A-Z0-9])=(?P<v>"[^"\n]*"|'[^'\n]*'|[^\s#]+))"#,
        true,
    ),
    (Rule::JsonPair, r#""(?P<k>[A-Za-z_][A-Za-z0-9_.\-]*)"[ \t]*:[ \t]*(?P<v>"[^"\n]*")"#, true),
    (
        Rule::ConfigAssign,
        r#"(?m:^[ \t]*(?:export[ \t]+|-[ \t]+|//[^\s:]*:)?["']?(?P<k>[A-Za-z_][A-Za-z0-9_.\-]*)["']?[ \t]*(?:=|:)[ \t]*(?P<v>"[^"\n]*"|'[^'\n]*'|[^\s]+))"#,
        false,
    ),
    (
        Rule::Netrc,
        r"(?m:^[ \t]*(?:(?:machine|default)[^\n]*?[ \t])?(?:password|passwd)[ \t]+(?P<v>\S+))",
        false,
    ),
    (Rule::Bare, r"[A-Za-z0-9+/_.~\-]{20,}={0,2}", false),
];

struct Scanner {
    mode: Mode,
    /// `None` only if the constant rules failed to compile (tests prove they do not); the
    /// scanner then withholds every text rather than let one secret through.
    regex: Option<Regex>,
    /// Per rule: the group indices of its whole alternative, its key and its value.
    groups: Vec<(Rule, usize, Option<usize>, Option<usize>)>,
}

static TEXT: LazyLock<Scanner> = LazyLock::new(|| Scanner::new(Mode::Text));
static CONFIG: LazyLock<Scanner> = LazyLock::new(|| Scanner::new(Mode::Config));

/// What a rule says about a match.
enum Verdict {
    /// Replace this byte range.
    Replace(std::ops::Range<usize>, SecretKind),
    /// Not a secret: scan on from this offset.
    Skip(usize),
}

impl Scanner {
    fn new(mode: Mode) -> Self {
        let rules: Vec<(usize, &(Rule, &str, bool))> =
            RULES.iter().enumerate().filter(|(_, r)| mode == Mode::Config || r.2).collect();
        let pattern = rules
            .iter()
            .map(|(i, (_, p, _))| {
                let p = p.replace("(?P<k>", &format!("(?P<k{i}>")).replace("(?P<v>", &format!("(?P<v{i}>"));
                format!("(?P<r{i}>{p})")
            })
            .collect::<Vec<_>>()
            .join("|");
        let regex =
            Regex::new(&pattern).map_err(|e| tracing::error!("the secret patterns do not compile: {e}")).ok();
        let groups = regex.as_ref().map_or_else(Vec::new, |regex| {
            let index = |name: String| regex.capture_names().position(|n| n == Some(name.as_str()));
            rules
                .iter()
                .filter_map(|(i, (rule, _, _))| {
                    Some((*rule, index(format!("r{i}"))?, index(format!("k{i}")), index(format!("v{i}"))))
                })
                .collect()
        });
        Self { mode, regex, groups }
    }

    fn run<'a>(&self, text: &'a str) -> Redacted<'a> {
        let Some(regex) = &self.regex else {
            let marker = format!("{MARKER_PREFIX}{}]", SecretKind::Secret.label());
            return Redacted { text: Cow::Owned(marker), found: vec![SecretKind::Secret], at: vec![0] };
        };
        let mut locs: CaptureLocations = regex.capture_locations();
        let mut out = String::new();
        let mut found = Vec::new();
        let mut at = Vec::new();
        let mut copied = 0;
        let mut pos = 0;
        while pos < text.len() {
            let Some(m) = regex.captures_read_at(&mut locs, text, pos) else { break };
            let Some(&(rule, _, k, v)) =
                self.groups.iter().find(|(_, whole, _, _)| locs.get(*whole).is_some())
            else {
                break;
            };
            let span = |g: Option<usize>| g.and_then(|g| locs.get(g));
            match judge(self.mode, rule, text, m.range(), span(k), span(v)) {
                Verdict::Replace(range, kind) => {
                    out.push_str(&text[copied..range.start]);
                    at.push(out.len());
                    out.push_str(MARKER_PREFIX);
                    out.push_str(kind.label());
                    out.push(']');
                    for _ in 0..text[range.clone()].matches('\n').count() {
                        out.push('\n');
                    }
                    copied = range.end;
                    found.push(kind);
                    pos = m.end().max(range.end);
                }
                Verdict::Skip(next) => pos = next.max(m.start() + 1),
            }
            while !text.is_char_boundary(pos) {
                pos += 1;
            }
        }
        if found.is_empty() {
            return Redacted { text: Cow::Borrowed(text), found, at };
        }
        out.push_str(&text[copied..]);
        Redacted { text: Cow::Owned(out), found, at }
    }
}

/// Judges one match of `rule`: `whole` is the match, `key` and `value` its groups.
fn judge(
    mode: Mode,
    rule: Rule,
    text: &str,
    whole: std::ops::Range<usize>,
    key: Option<(usize, usize)>,
    value: Option<(usize, usize)>,
) -> Verdict {
    let fixed = |kind| Verdict::Replace(whole.clone(), kind);
    let value_range = value.map(|(s, e)| s..e);
    let resume = value.map_or(whole.end, |(s, _)| s);
    match rule {
        Rule::Pem | Rule::PemTail => fixed(SecretKind::PrivateKey),
        Rule::AwsId => fixed(SecretKind::AwsAccessKey),
        Rule::AwsSecret => match value_range {
            Some(r) => Verdict::Replace(r, SecretKind::AwsSecretKey),
            None => Verdict::Skip(whole.end),
        },
        Rule::OpenAi => {
            let body = &text[whole.clone()];
            if body.bytes().any(|b| b.is_ascii_digit()) && body[3..].bytes().any(|b| b.is_ascii_alphabetic())
            {
                fixed(SecretKind::ApiKey)
            } else {
                Verdict::Skip(whole.end)
            }
        }
        Rule::Github => fixed(SecretKind::GithubToken),
        Rule::Slack => fixed(SecretKind::SlackToken),
        Rule::Stripe => fixed(SecretKind::StripeKey),
        Rule::Google => fixed(SecretKind::GoogleApiKey),
        Rule::Jwt => fixed(SecretKind::Jwt),
        Rule::Bearer => match value_range {
            Some(r) if has_digit_and_letter(&text[r.clone()]) => Verdict::Replace(r, SecretKind::BearerToken),
            _ => Verdict::Skip(resume),
        },
        Rule::UrlPassword => match value_range {
            Some(r) if is_literal(&text[r.clone()]) => Verdict::Replace(r, SecretKind::UrlPassword),
            _ => Verdict::Skip(resume),
        },
        Rule::EnvAssign | Rule::JsonPair | Rule::ConfigAssign => {
            let (Some((ks, ke)), Some(r)) = (key, value_range) else { return Verdict::Skip(whole.end) };
            let env_style = rule == Rule::EnvAssign;
            let inner = unquote(text, r);
            let v = &text[inner.clone()];
            if !is_literal(v) || (mode == Mode::Text && v.chars().any(char::is_whitespace)) {
                return Verdict::Skip(resume);
            }
            let key = &text[ks..ke];
            if let Some(kind) = key_kind(key, env_style) {
                // Outside configuration, a value that repeats its key is a label
                // (`"password": "Password"` in a translation file).
                if mode == Mode::Text && segments(key).iter().any(|s| s.eq_ignore_ascii_case(v)) {
                    return Verdict::Skip(resume);
                }
                return Verdict::Replace(inner, kind);
            }
            // An unnamed value may still be a secret by its format or, in configuration, its
            // looks: the scan goes on inside it.
            Verdict::Skip(resume)
        }
        Rule::Netrc => match value_range {
            Some(r) if is_literal(&text[r.clone()]) => Verdict::Replace(r, SecretKind::Password),
            _ => Verdict::Skip(resume),
        },
        Rule::Bare => {
            if high_entropy(&text[whole.clone()]) {
                fixed(SecretKind::HighEntropy)
            } else {
                Verdict::Skip(whole.end)
            }
        }
    }
}

/// The value inside its quotes, if quoted; an unquoted value ends before a trailing separator.
fn unquote(text: &str, r: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let v = &text[r.clone()];
    if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        return r.start + 1..r.end - 1;
    }
    let trimmed = v.trim_end_matches([',', ';']);
    r.start..r.start + trimmed.len()
}

/// Whether a value is a literal worth hiding, not a reference, placeholder or structure.
fn is_literal(v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() || v.starts_with(MARKER_PREFIX) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if ["true", "false", "yes", "no", "on", "off", "null", "none", "nil", "~", "undefined"]
        .contains(&lower.as_str())
    {
        return false;
    }
    let mut chars = v.chars();
    let first = chars.next().unwrap_or(' ');
    let second = chars.next().unwrap_or(' ');
    // References: $VAR, ${VAR}, $(cmd), {{ template }}, %(name)s, #{x}, <placeholder>, !Ref.
    if (first == '$' && (second.is_ascii_alphabetic() || matches!(second, '_' | '{' | '(')))
        || v.starts_with("{{")
        || v.starts_with("%(")
        || v.starts_with("#{")
        || (first == '<' && v.ends_with('>'))
        || matches!(first, '{' | '[' | '|' | '>' | '!' | '&' | '*')
    {
        return false;
    }
    // A call or an index (process.env.X, os.getenv("X"), ENV["X"]) is code, not a value.
    if v.contains('(') && v.ends_with(')') {
        return false;
    }
    if v.len() <= 6 && v.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    !v.bytes().all(|b| matches!(b, b'*' | b'x' | b'X' | b'.' | b'-' | b'_'))
}

/// Last key segments that describe a secret's setting rather than hold it.
const NOT_SECRET_SUFFIX: &[&str] = &[
    "url",
    "uri",
    "endpoint",
    "host",
    "hostname",
    "port",
    "path",
    "file",
    "dir",
    "name",
    "type",
    "id",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "timeout",
    "length",
    "len",
    "size",
    "count",
    "max",
    "min",
    "header",
    "field",
    "env",
    "var",
    "method",
    "mode",
    "provider",
    "strategy",
    "enabled",
    "required",
    "scheme",
    "prefix",
    "format",
    "algorithm",
    "version",
    "policy",
    "hint",
    "label",
    "description",
    "pattern",
    "limit",
    "lifetime",
    "duration",
    "secs",
    "seconds",
    "ms",
    "minutes",
    "hours",
    "days",
    "ref",
    "arn",
    "location",
    "source",
    "reset",
    "rotation",
    "flow",
    "grant",
    "scope",
    "scopes",
    "regex",
    "command",
];

/// The kind of secret a key names, if any (`env_style`: an `UPPER_CASE` environment name, where
/// a trailing `KEY` names a secret too).
fn key_kind(key: &str, env_style: bool) -> Option<SecretKind> {
    let segments = segments(key);
    let last = segments.last()?;
    if NOT_SECRET_SUFFIX.contains(&last.as_str()) {
        return None;
    }
    let has = |w: &str| segments.iter().any(|s| s == w);
    let pair = |a: &str, b: &str| segments.windows(2).any(|p| p[0] == a && p[1] == b);
    if segments.windows(3).any(|p| p[0] == "secret" && p[1] == "access" && p[2] == "key") {
        return Some(SecretKind::AwsSecretKey);
    }
    if ["password", "passwd", "passphrase", "pass", "pw"].iter().any(|w| has(w)) {
        return Some(SecretKind::Password);
    }
    if ["token", "authtoken", "auth", "bearer"].iter().any(|w| has(w)) {
        return Some(SecretKind::Token);
    }
    if ["secret", "secrets", "credential", "credentials", "privatekey", "secretkey"].iter().any(|w| has(w)) {
        return Some(SecretKind::Secret);
    }
    if has("apikey")
        || ["api", "access", "private", "signing", "encryption", "master", "session", "app", "license"]
            .iter()
            .any(|a| pair(a, "key"))
        || (env_style && last == "key" && segments.len() >= 2)
    {
        return Some(SecretKind::Key);
    }
    None
}

/// A key's words, lower case: split at non-alphanumerics and camelCase boundaries.
fn segments(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            prev_lower = false;
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn has_digit_and_letter(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit()) && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Whether `s` looks like a random secret: long, mixed, high Shannon entropy, and not an
/// identifier, a path, a UUID or a hash digest.
fn high_entropy(s: &str) -> bool {
    let s = s.trim_end_matches('=');
    if s.len() < 20 || s.len() > 4096 || !has_digit_and_letter(s) {
        return false;
    }
    if !s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-' | b'.' | b'~')) {
        return false;
    }
    let hex = s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    if hex && (s.len() == 40 || s.len() == 64) {
        return false; // a commit id or a SHA-256 digest
    }
    let uuid = s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| {
            if [8, 13, 18, 23].contains(&i) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        });
    if uuid {
        return false;
    }
    // Identifiers and paths are made of words: `my_app_production_2024`, `src/Button123`,
    // `enableNewCheckoutFlow2`. Random text changes case and digits every char or two.
    let wordish = |part: &str| {
        let b = part.as_bytes();
        let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let rest = &b[letters..];
        let one_word = rest.iter().all(u8::is_ascii_digit)
            && (letters == 0
                || b[1..letters].iter().all(u8::is_ascii_lowercase)
                || b[..letters].iter().all(u8::is_ascii_uppercase));
        // Words of a camelCase name: a new one starts at a lower→upper or letter↔digit change.
        let words = 1 + b
            .windows(2)
            .filter(|w| {
                (w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
                    || (w[0].is_ascii_digit() != w[1].is_ascii_digit())
            })
            .count();
        one_word || (b.len() >= 8 && words * 4 <= b.len())
    };
    if s.split(['_', '-', '/', '.', '~']).filter(|p| !p.is_empty()).all(wordish) {
        return false;
    }
    if s.contains('/')
        && s.split('/')
            .any(|p| p.len() >= 2 && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-'))
    {
        return false;
    }
    entropy(s) >= 3.3
}

/// Shannon entropy in bits per byte.
fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x9Qm3kP2vLr8Yc0Bz1dHf4Jn6Wq5Tu8Ys2Xa7Vb9Nc3Md4K\nq0Wz1Xy2Ab3Cd4Ef5Gh6Ij7Kl8Mn9Op0Qr1St2Uv3Wx4Yz5Ab6Cd7Ef8Gh9Ij0Kl1\n-----END RSA PRIVATE KEY-----";

    fn text(s: &str) -> (String, Vec<SecretKind>) {
        let r = redact(s, Mode::Text);
        (r.text.to_string(), r.found)
    }

    fn config(s: &str) -> (String, Vec<SecretKind>) {
        let r = redact(s, Mode::Config);
        (r.text.to_string(), r.found)
    }

    #[test]
    fn every_rule_compiles_into_each_scanner() {
        assert_eq!(TEXT.groups.len(), RULES.iter().filter(|r| r.2).count());
        assert_eq!(CONFIG.groups.len(), RULES.len());
        let mut b = GitignoreBuilder::new("");
        for line in SECRET_FILES {
            b.add_line(None, line).unwrap();
        }
        assert!(!b.build().unwrap().is_empty());
    }

    #[test]
    fn private_key_blocks_keep_their_line_count() {
        let input = format!("before\n{PEM}\nafter\n");
        let (out, found) = text(&input);
        assert_eq!(out, "before\n[redacted: private key]\n\n\n\nafter\n");
        assert_eq!(out.lines().count(), input.lines().count());
        assert_eq!(found, [SecretKind::PrivateKey]);
        let r = redact(&input, Mode::Text);
        assert_eq!(r.at, [7]);
        assert_eq!((r.within(0..7), r.within(7..8)), (vec![], vec![SecretKind::PrivateKey]));
        // Cut short (head of a file), or only its tail.
        let head: String = input.lines().take(3).collect::<Vec<_>>().join("\n");
        assert_eq!(text(&head).0, "before\n[redacted: private key]\n");
        let tail: String = input.lines().skip(2).collect::<Vec<_>>().join("\n");
        assert_eq!(text(&tail).0, "[redacted: private key]\n\n\nafter");
        let openssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n";
        assert_eq!(text(openssh).0, "[redacted: private key]\n\n\n");
        // In a JSON string (a service-account file), escaped line breaks and all.
        let json = r#"{"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n", "x": 1}"#;
        assert_eq!(text(json).0, r#"{"private_key": "[redacted: private key]\n", "x": 1}"#);
        // A public key or certificate is not a secret.
        let cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
        assert_eq!(text(cert).0, cert);
    }

    #[test]
    fn cloud_and_service_keys_are_redacted_wherever_they_appear() {
        let cases: &[(&str, &str, SecretKind)] = &[
            ("id = AKIAIOSFODNN7EXAMPLE;", "id = [redacted: AWS access key id];", SecretKind::AwsAccessKey),
            ("ASIAY34FZKBOKMUTVV7A", "[redacted: AWS access key id]", SecretKind::AwsAccessKey),
            (
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "aws_secret_access_key = [redacted: AWS secret access key]",
                SecretKind::AwsSecretKey,
            ),
            (
                r#"{"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}"#,
                r#"{"SecretAccessKey": "[redacted: AWS secret access key]"}"#,
                SecretKind::AwsSecretKey,
            ),
            (
                "key: sk-abcdefghij1234567890ABCDEFGHIJ1234567890abcd",
                "key: [redacted: API key]",
                SecretKind::ApiKey,
            ),
            (
                "client(\"sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z_Q-7\")",
                "client(\"[redacted: API key]\")",
                SecretKind::ApiKey,
            ),
            (
                "git push https://ghp_1234567890abcdefghijABCDEFGHIJ123456@github.com",
                "git push https://[redacted: GitHub token]@github.com",
                SecretKind::GithubToken,
            ),
            ("gho_abcdefghijklmnopqrstuvwxyz0123456789", "[redacted: GitHub token]", SecretKind::GithubToken),
            ("ghs_abcdefghijklmnopqrstuvwxyz0123456789", "[redacted: GitHub token]", SecretKind::GithubToken),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01",
                "[redacted: GitHub token]",
                SecretKind::GithubToken,
            ),
            (
                "slack: xoxb-2345678901-2345678901234-AbCdEfGhIjKlMnOpQrStUvWx",
                "slack: [redacted: Slack token]",
                SecretKind::SlackToken,
            ),
            ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "[redacted: Stripe key]", SecretKind::StripeKey),
            ("AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "[redacted: Google API key]", SecretKind::GoogleApiKey),
            (
                "Cookie: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "Cookie: [redacted: JWT]",
                SecretKind::Jwt,
            ),
            (
                "Authorization: Bearer abcDEF123456ghiJKL789",
                "Authorization: Bearer [redacted: authorization credential]",
                SecretKind::BearerToken,
            ),
            (
                "DATABASE_URL=postgres://app:s3cr3t-Pa55@db.internal:5432/prod",
                "DATABASE_URL=postgres://app:[redacted: password in URL]@db.internal:5432/prod",
                SecretKind::UrlPassword,
            ),
            ("DB_PASSWORD=hunter2", "DB_PASSWORD=[redacted: password]", SecretKind::Password),
            ("export API_TOKEN='tok-123'", "export API_TOKEN='[redacted: token]'", SecretKind::Token),
            ("SUPABASE_KEY=\"abc.def\"", "SUPABASE_KEY=\"[redacted: key]\"", SecretKind::Key),
            ("SECRET_KEY_BASE=9f8e7d", "SECRET_KEY_BASE=[redacted: secret]", SecretKind::Secret),
            (r#"{"password": "hunter2", "user": "ann"}"#, r#"{"password": "[redacted: password]", "user": "ann"}"#, SecretKind::Password),
        ];
        for (input, want, kind) in cases {
            let (out, found) = text(input);
            assert_eq!(&out, want, "{input}");
            assert_eq!(found, [*kind], "{input}");
        }
    }

    #[test]
    fn ordinary_code_is_left_alone() {
        let code = r#"
use crate::lexer::next_token;

/// Reads the next token; the password field is checked elsewhere.
fn parse(input: &str) -> Result<Token, Error> {
    let token = next_token();
    let password = std::env::var("DB_PASSWORD")?;
    let api_key = config.api_key.clone();
    let secret: Secret = load_secret(&path)?;
    let auth = format!("Bearer {token}");
    headers.insert("Authorization", format!("Bearer {}", token));
    const MAX_TOKENS: usize = 4096;
    let risk_assessment_for_the_whole_project_1 = 1;
    let task = "sk-learn-is-not-a-key-but-a-long-name";
    let sha = "9fceb02d0ae598e95dc970b74767f19372d61af8";
    let url = "https://example.com/a/b?c=d";
    let id = Uuid::parse_str("67e55044-10b1-426f-9247-bb680e5fe0c8")?;
    Ok(Token { kind: TokenKind::Ident, text: password })
}
"#;
        let r = redact(code, Mode::Text);
        assert_eq!(r.found, [], "{}", r.text);
        assert!(matches!(r.text, Cow::Borrowed(_)));
        let py = "token = next_token()\npassword = getpass.getpass()\nAPI_TOKEN = os.environ['API_TOKEN']\n\
                  export GITHUB_TOKEN=$(gh auth token)\nGITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}\n\
                  {\"password\": \"Password\", \"label\": \"Forgot your password?\"}\n";
        let r = redact(py, Mode::Text);
        assert_eq!(r.found, [], "{}", r.text);
    }

    #[test]
    fn config_files_lose_secret_assignments_and_high_entropy_values() {
        let yaml = "\
database:
  host: db.internal
  user: app
  password: s3cr3t!
  password_min_length: 12
  pool: 5
storage:
  access_key: AbCdEfGhIjKlMnOp
  bucket: my-app-uploads-2024
  signature: Zx8Qp2Lm5Nv7Bc4Xk9Wd3Rt6Yh1Jf0Gs
  commit: 9fceb02d0ae598e95dc970b74767f19372d61af8
  source: src/components/Button123
auth: true
webhook_token: ${WEBHOOK_TOKEN}
";
        let (out, found) = config(yaml);
        assert!(out.contains("  password: [redacted: password]\n"), "{out}");
        assert!(out.contains("  password_min_length: 12\n"), "{out}");
        assert!(out.contains("  access_key: [redacted: key]\n"), "{out}");
        assert!(out.contains("  bucket: my-app-uploads-2024\n"), "{out}");
        assert!(out.contains("  signature: [redacted: high-entropy string]\n"), "{out}");
        assert!(out.contains("  commit: 9fceb02d0ae598e95dc970b74767f19372d61af8\n"), "{out}");
        assert!(out.contains("  source: src/components/Button123\n"), "{out}");
        assert!(out.contains("auth: true\nwebhook_token: ${WEBHOOK_TOKEN}\n"), "{out}");
        assert_eq!(found, [SecretKind::Password, SecretKind::Key, SecretKind::HighEntropy]);

        assert_eq!(config("PASSWORD=password\n").0, "PASSWORD=[redacted: password]\n");
        let toml =
            "[client]\nclientSecret = \"a very long pass phrase\"\nname = \"demo\"\nversion = \"0.1.0\"\n";
        assert_eq!(
            config(toml).0,
            "[client]\nclientSecret = \"[redacted: secret]\"\nname = \"demo\"\nversion = \"0.1.0\"\n"
        );
        let netrc = "machine github.com login ann password gh-s3cret\n";
        assert_eq!(config(netrc).0, "machine github.com login ann password [redacted: password]\n");
        let npmrc =
            "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_AbCdEf1234567890\n";
        assert_eq!(
            config(npmrc).0,
            "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=[redacted: token]\n"
        );
        // A known format under an ordinary key keeps its own name; so does a value of dotted
        // random parts.
        assert_eq!(
            config("{\"enableNewCheckoutFlowVersion2\": true, \"image\": \"shopBackendService2024\"}").1,
            []
        );
        assert_eq!(
            config("aws_access_key_id: AKIAIOSFODNN7EXAMPLE\nsession: Qm9.x7Zp2Lk4.Vn8Rt3Ws6\nhost: a.b.example.com\n").0,
            "aws_access_key_id: [redacted: AWS access key id]\nsession: [redacted: high-entropy string]\nhost: a.b.example.com\n"
        );
        // A key file body met line by line (a search hit) is high-entropy.
        assert_eq!(
            config("MIIEowIBAAKCAQEA7x9Qm3kP2vLr8Yc0Bz1dHf4Jn6Wq5Tu8Ys2Xa7Vb9Nc3Md4K").1,
            [SecretKind::HighEntropy]
        );
        // The same text outside configuration is left alone.
        assert_eq!(text(yaml).1, []);
    }

    #[test]
    fn redacting_twice_finds_nothing_new() {
        let input = format!("DB_PASSWORD=hunter2\n{PEM}\nAKIAIOSFODNN7EXAMPLE\npassword: x1\n");
        let once = redact(&input, Mode::Config).into_string();
        let twice = redact(&once, Mode::Config);
        assert_eq!(twice.found, []);
        assert_eq!(twice.text, once);
        assert!(once.contains(MARKER_PREFIX));
    }

    #[test]
    fn the_list_names_secret_bearing_files_and_spares_examples() {
        for secret in [
            ".env",
            ".env.production",
            "config/.env.local",
            "deploy/prod.env",
            "id_rsa",
            "home/.ssh/id_ed25519",
            ".ssh/config",
            "certs/server.pem",
            "tls/server.key",
            "keys/app.p12",
            "android/release.keystore",
            ".netrc",
            ".npmrc",
            ".pypirc",
            "credentials.json",
            ".git-credentials",
            ".aws/credentials",
            "ops/.docker/config.json",
            ".kube/config",
            "kubeconfig",
            "infra/terraform.tfstate",
            "infra/prod.tfvars",
        ] {
            assert!(is_secret_file(secret), "{secret} should be secret-bearing");
        }
        for fine in [
            ".env.example",
            ".env.sample",
            ".env.template",
            ".env.production.example",
            "id_rsa.pub",
            "src/env.rs",
            "src/keys.rs",
            "environment.ts",
            "docs/credentials.md",
            "config.json",
            "infra/main.tf",
            "Cargo.toml",
        ] {
            assert!(!is_secret_file(fine), "{fine} is not secret-bearing");
        }
    }

    #[test]
    fn vibeignore_extends_the_list() {
        let files = SecretFiles::with_vibeignore("# ours\ndeploy/vault/\n*.secret.txt\n");
        assert!(files.contains("deploy/vault/root.txt"));
        assert!(files.contains("notes/db.secret.txt"));
        assert!(files.contains(".env"));
        assert!(!files.contains("deploy/readme.md"));
        assert_eq!(files.mode("deploy/vault/root.txt"), Mode::Config);
        assert_eq!(SecretFiles::builtin().mode("deploy/vault/root.txt"), Mode::Text);
        assert_eq!(SecretFiles::builtin().mode("config/app.yml"), Mode::Config);
        assert_eq!(SecretFiles::builtin().mode("appsettings.Production.json"), Mode::Config);
        assert_eq!(SecretFiles::builtin().mode("package.json"), Mode::Text);
        assert_eq!(SecretFiles::builtin().mode("src/main.rs"), Mode::Text);
    }

    #[test]
    fn key_names_are_read_word_by_word() {
        assert_eq!(key_kind("DB_PASSWORD", true), Some(SecretKind::Password));
        assert_eq!(key_kind("dbPassword", false), Some(SecretKind::Password));
        assert_eq!(key_kind("GITHUB_TOKEN", true), Some(SecretKind::Token));
        assert_eq!(key_kind("STRIPE_KEY", true), Some(SecretKind::Key));
        assert_eq!(key_kind("sort_key", false), None);
        assert_eq!(key_kind("token_url", false), None);
        assert_eq!(key_kind("MAX_TOKENS", true), None);
        assert_eq!(key_kind("passenger", false), None);
        assert_eq!(key_kind("author", false), None);
        assert_eq!(segments("clientSecretKEY-x.y"), ["client", "secret", "key", "x", "y"]);
    }
}
