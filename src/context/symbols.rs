//! A symbol index: the names a file defines (functions, methods, types, constants, and the
//! `obj.name = …` / `exports.name = …` assignments of JavaScript), found by a line scan that
//! needs no parser and works alike for Rust, Python, JavaScript/TypeScript, Go and similar
//! languages; and the identifiers a prompt names exactly (`send_file`, `acceptsCharsets`,
//! `res.redirect`, `walk.rs`). Matching one against the other finds the file that defines what
//! the prompt is about, where word counts drown it among every file that mentions its parts.
//! Pure functions, deterministic.

use std::collections::HashSet;

/// Keywords that introduce a definition; the name follows.
const KEYWORDS: &[&str] = &[
    "fn",
    "struct",
    "enum",
    "trait",
    "type",
    "const",
    "static",
    "mod",
    "union",
    "macro_rules!",
    "def",
    "class",
    "function",
    "function*",
    "func",
    "interface",
    "let",
    "var",
    "val",
    "object",
    "module",
];

/// Words that may precede a definition keyword.
const MODIFIERS: &[&str] = &[
    "pub",
    "pub(crate)",
    "pub(super)",
    "pub(self)",
    "async",
    "unsafe",
    "extern",
    "export",
    "default",
    "public",
    "private",
    "protected",
    "internal",
    "static",
    "abstract",
    "final",
    "override",
    "open",
    "declare",
    "readonly",
    "inline",
    "const",
    "data",
    "sealed",
];

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The identifier at the start of `s`, if any.
fn ident(s: &str) -> Option<&str> {
    let end = s.bytes().position(|b| !is_ident_byte(b)).unwrap_or(s.len());
    let id = &s[..end];
    (end > 0 && !id.as_bytes()[0].is_ascii_digit()).then_some(id)
}

/// What kind of line defines a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A declaration: `fn`, `def`, `class`, `struct`, `func`, `type` …
    Declaration,
    /// A variable: `let`, `var`, `val`, `const` (only meaningful at the top level).
    Variable,
    /// `obj.name = …` (a method or export attached to an object).
    Member,
    /// `NAME = …` (only meaningful at the top level).
    Assignment,
}

/// The name a definition line defines, if it is one. `line` is trimmed of its indentation.
fn definition(line: &str) -> Option<(&str, Kind)> {
    let mut rest = line;
    // Modifiers, then a keyword, then the name.
    loop {
        if rest.starts_with("pub(") {
            let close = rest.find(')')?;
            rest = rest[close + 1..].trim_start();
            continue;
        }
        let word_end = rest.find([' ', '\t', '(', '<']).unwrap_or(rest.len());
        let word = &rest[..word_end];
        let after = rest[word_end..].trim_start();
        let next = after.split([' ', '\t', '(']).next().unwrap_or("");
        let modifier = MODIFIERS.contains(&word) && !after.is_empty();
        if KEYWORDS.contains(&word) && !(modifier && (KEYWORDS.contains(&next) || MODIFIERS.contains(&next)))
        {
            let mut name_part = after;
            if word == "func" && name_part.starts_with('(') {
                // A Go method: func (r *T) Name(
                let close = name_part.find(')')?;
                name_part = name_part[close + 1..].trim_start();
            }
            let kind = match word {
                "let" | "var" | "val" | "const" => Kind::Variable,
                _ => Kind::Declaration,
            };
            return ident(name_part.trim_start_matches('*')).map(|n| (n, kind));
        }
        if modifier {
            rest = after;
            continue;
        }
        break;
    }
    // Assignments: `exports.name = …`, `res.send = function …`, `NAME = …`, and
    // `name: function (` in JavaScript objects.
    let head_end = rest.bytes().position(|b| !(is_ident_byte(b) || b == b'.')).unwrap_or(rest.len());
    let head = &rest[..head_end];
    if head.is_empty() || head.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let tail = rest[head_end..].trim_start();
    let last = head.rsplit('.').next().filter(|n| !n.is_empty())?;
    let kind = if head.contains('.') { Kind::Member } else { Kind::Assignment };
    if tail.starts_with('=') && !tail.starts_with("==") && !tail.starts_with("=>") {
        return Some((last, kind));
    }
    if kind == Kind::Assignment && tail.starts_with(':') && tail[1..].trim_start().starts_with("function") {
        return Some((last, Kind::Member));
    }
    None
}

/// Whether `line` defines a name by the rules of [`definitions`]: an outline keeps it.
pub fn is_definition_line(line: &str) -> bool {
    let t = line.trim_start();
    let indent = line.len() - t.len();
    match definition(t) {
        Some((_, kind)) if indent <= 8 => indent == 0 || matches!(kind, Kind::Declaration | Kind::Member),
        _ => false,
    }
}

/// The names `text` defines, each once, in order of appearance. Declarations and members
/// count when indented by at most eight columns (methods of a class or an `impl`, not nested
/// helpers); variables and plain assignments only at the top level (module constants, not
/// locals).
pub fn definitions(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        if indent > 8 || t.is_empty() {
            continue;
        }
        let Some((name, kind)) = definition(t) else { continue };
        if indent > 0 && matches!(kind, Kind::Variable | Kind::Assignment) {
            continue;
        }
        if name.len() >= 2 && seen.insert(name) {
            out.push(name.to_string());
        }
    }
    out
}

/// A name the prompt mentions, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The identifier (the last part of a dotted path: `res.send` → `send`).
    pub name: String,
    /// Written like code (`snake_case`, `CamelCase`, `a.b`, in backticks, `name()`), not a
    /// plain word.
    pub code: bool,
}

/// The identifiers a prompt names, each once: code-like ones (`send_file`, `acceptsCharsets`,
/// `res.redirect`, `` `Default` ``, `walk()`), and plain words of four letters or more, which
/// may name a definition too (`redirect`) but count for less. File names (`walk.rs`) come
/// back as their stem.
pub fn prompt_names(prompt: &str) -> Vec<Named> {
    let mut out: Vec<Named> = Vec::new();
    let mut push = |name: &str, code: bool| {
        if name.len() < 2 || name.bytes().all(|b| b.is_ascii_digit()) {
            return;
        }
        match out.iter_mut().find(|n| n.name == name) {
            Some(n) => n.code |= code,
            None => out.push(Named { name: name.to_string(), code }),
        }
    };
    // Command-line flags name the fields and options that hold them: `--line-buffered` →
    // `line_buffered`, `lineBuffered`; `--stats` → `stats`.
    for flag in
        prompt.split(|c: char| c.is_whitespace() || matches!(c, '`' | '/' | ',' | '(' | ')' | '"' | '\''))
    {
        let Some(name) = flag.strip_prefix("--").map(|f| f.trim_end_matches(['.', ':', ';', '='])) else {
            continue;
        };
        if name.len() < 2 || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            continue;
        }
        let parts: Vec<&str> = name.split('-').filter(|w| !w.is_empty()).collect();
        if parts.is_empty() {
            continue;
        }
        push(&parts.join("_"), true);
        if parts.len() > 1 {
            let camel: String = parts
                .iter()
                .enumerate()
                .map(|(k, w)| if k == 0 { w.to_string() } else { w[..1].to_ascii_uppercase() + &w[1..] })
                .collect();
            push(&camel, true);
        }
    }
    let bytes = prompt.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !(is_ident_byte(bytes[i]) || bytes[i] == b'.') {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (is_ident_byte(bytes[i]) || bytes[i] == b'.') {
            i += 1;
        }
        let token = prompt[start..i].trim_matches('.');
        let before = start.checked_sub(1).map(|p| bytes[p]);
        let after = bytes.get(i).copied();
        let ticked = before == Some(b'`') || after == Some(b'`');
        let called = after == Some(b'(');
        let flag = before == Some(b'-');
        if token.is_empty() || flag {
            continue;
        }
        let parts: Vec<&str> = token.split('.').filter(|p| !p.is_empty()).collect();
        let Some(last) = parts.last() else { continue };
        if parts.len() > 1 && is_file_extension(last) {
            // A file name: its stem names the file.
            push(parts[parts.len() - 2], true);
            continue;
        }
        for (k, part) in parts.iter().enumerate() {
            if ident(part).is_none() {
                continue;
            }
            let code_like = part.contains('_') || has_inner_capital(part);
            let is_last = k + 1 == parts.len();
            if code_like || ticked || called || (parts.len() > 1 && is_last) {
                push(part, true);
            } else if part.len() >= 4 {
                push(&part.to_ascii_lowercase(), false);
            }
        }
    }
    out
}

fn has_inner_capital(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().skip(1).any(u8::is_ascii_uppercase) && b.iter().any(u8::is_ascii_lowercase)
}

fn is_file_extension(s: &str) -> bool {
    const EXT: &[&str] = &[
        "rs", "py", "js", "mjs", "cjs", "ts", "tsx", "jsx", "go", "rb", "java", "kt", "c", "h", "cc", "cpp",
        "hpp", "cs", "php", "swift", "scala", "ex", "exs", "sh", "toml", "json", "yaml", "yml", "md", "sql",
    ];
    EXT.contains(&s)
}

/// Whether a definition `name` answers a prompt name: exactly for code-like names, ignoring
/// case and underscores for plain words (`redirect` finds `redirect`, `Redirect`).
pub fn matches(named: &Named, name: &str) -> bool {
    if named.code {
        name == named.name
    } else {
        name.len() == named.name.len() && name.eq_ignore_ascii_case(&named.name)
    }
}

/// Whether `path` is a test: in a test directory, or named like one in the usual languages.
pub fn is_test(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or("");
    let stem = name.split('.').next().unwrap_or(name);
    const DIRS: &[&str] = &["test", "tests", "testing", "testsuite", "__tests__", "spec", "testdata"];
    parts.any(|d| DIRS.iter().any(|t| d.eq_ignore_ascii_case(t)))
        || starts_with_ci(stem, "test_")
        || ends_with_ci(stem, "_test")
        || ends_with_ci(stem, "_tests")
        || stem.eq_ignore_ascii_case("tests")
        || stem.eq_ignore_ascii_case("conftest")
        || contains_ci(name, ".test.")
        || contains_ci(name, ".spec.")
}

/// Whether `path` is prose: documentation, a changelog, a licence, release notes.
pub fn is_prose(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or(path);
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    const EXT: &[&str] = &["md", "rst", "txt", "adoc", "markdown", "html"];
    const DIRS: &[&str] = &["doc", "docs", "documentation", "man"];
    const NAMES: &[&str] =
        &["changelog", "changes", "history", "news", "license", "licence", "authors", "contributing"];
    EXT.iter().any(|e| ext.eq_ignore_ascii_case(e))
        || parts.any(|d| DIRS.iter().any(|t| d.eq_ignore_ascii_case(t)))
        || NAMES.iter().any(|p| starts_with_ci(name, p))
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len() && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

fn contains_ci(s: &str, needle: &str) -> bool {
    s.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The name a test file's subject would have: `test_helpers.py` → `helpers`,
/// `walk_test.go` → `walk`, `router.test.js` → `router`; `None` when the name says nothing.
pub fn tested_stem(path: &str) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    let s = stem
        .strip_prefix("test_")
        .or_else(|| stem.strip_suffix("_tests"))
        .or_else(|| stem.strip_suffix("_test"))
        .unwrap_or(stem);
    (s.len() >= 2 && !matches!(s, "test" | "tests" | "mod" | "index" | "main" | "lib" | "init" | "__init__"))
        .then(|| s.to_ascii_lowercase())
}

/// A file's stem: `src/walk.rs` → `walk`.
pub fn stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split('.').next().unwrap_or(name)
}

/// What one file says about the prompt's names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSymbols {
    /// Indices (into the prompt's names) of the names the file defines.
    pub defines: Vec<usize>,
    /// Indices of the code-like names the file mentions exactly without defining them.
    pub mentions: Vec<usize>,
}

/// Scans a file's text for the prompt's `names`.
pub fn scan(text: &str, names: &[Named]) -> FileSymbols {
    let mut out = FileSymbols::default();
    if names.is_empty() {
        return out;
    }
    for def in definitions(text) {
        for (k, n) in names.iter().enumerate() {
            if matches(n, &def) && !out.defines.contains(&k) {
                out.defines.push(k);
            }
        }
    }
    for (k, n) in names.iter().enumerate() {
        if n.code && !out.defines.contains(&k) && contains_word(text, &n.name) {
            out.mentions.push(k);
        }
    }
    out.defines.sort_unstable();
    out
}

/// Whether `text` holds `word` with no identifier character on either side.
fn contains_word(text: &str, word: &str) -> bool {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(at) = text[from..].find(word) {
        let start = from + at;
        let end = start + word.len();
        let left = start == 0 || !is_ident_byte(b[start - 1]);
        let right = end >= b.len() || !is_ident_byte(b[end]);
        if left && right {
            return true;
        }
        from = start + 1;
    }
    false
}

/// Weight of a file defining a code-like name the prompt mentions (divided by the square
/// root of the number of files defining it).
pub const DEFINES_CODE: f64 = 12.0;
/// Weight of a file defining a plain word of the prompt.
pub const DEFINES_WORD: f64 = 4.0;
/// Weight of a file mentioning a code-like name without defining it.
pub const MENTIONS_CODE: f64 = 2.0;
/// Weight of a file whose name is a name the prompt mentions.
pub const NAMED_FILE: f64 = 6.0;
/// Plain words defined in more files than this say nothing.
const MAX_WORD_FILES: usize = 4;

/// Score boosts (with reasons) for every scanned file from the prompt's names: files defining
/// a name first, split among the files that define it, then files named after a name, then
/// files mentioning a code-like name. `scans[i]` is `None` for a file that was not read.
pub fn boosts(paths: &[&str], scans: &[Option<FileSymbols>], names: &[Named]) -> Vec<(f64, Vec<String>)> {
    let mut defining = vec![0usize; names.len()];
    let mut mentioning = vec![0usize; names.len()];
    let mut stems = vec![0usize; names.len()];
    for (i, scan) in scans.iter().enumerate() {
        if let Some(s) = scan {
            s.defines.iter().for_each(|&k| defining[k] += 1);
            s.mentions.iter().for_each(|&k| mentioning[k] += 1);
        }
        let stem = stem(paths[i]);
        for (k, n) in names.iter().enumerate() {
            if stem.eq_ignore_ascii_case(&n.name) {
                stems[k] += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(paths.len());
    for (i, scan) in scans.iter().enumerate() {
        let mut score = 0.0;
        let mut reasons = Vec::new();
        if let Some(s) = scan {
            let mut defined = Vec::new();
            for &k in &s.defines {
                let n = &names[k];
                if !n.code && defining[k] > MAX_WORD_FILES {
                    continue;
                }
                let w = if n.code { DEFINES_CODE } else { DEFINES_WORD };
                score += w / (defining[k] as f64).sqrt();
                defined.push(n.name.as_str());
            }
            if !defined.is_empty() {
                reasons.push(format!("defines {}", defined.join(", ")));
            }
            let mut mentioned = Vec::new();
            for &k in &s.mentions {
                score += MENTIONS_CODE / (mentioning[k] as f64).sqrt();
                mentioned.push(names[k].name.as_str());
            }
            if !mentioned.is_empty() {
                reasons.push(format!("names {}", mentioned.join(", ")));
            }
        }
        let stem = stem(paths[i]);
        if let Some(k) = names.iter().position(|n| stem.eq_ignore_ascii_case(&n.name)) {
            if names[k].code || stems[k] <= MAX_WORD_FILES {
                score += NAMED_FILE / (stems[k] as f64).sqrt();
                reasons.push(format!("file named {}", names[k].name));
            }
        }
        out.push((score, reasons));
    }
    out
}

/// Weight of a test file's or prose file's score against source.
pub fn kind_weight(path: &str) -> f64 {
    if is_prose(path) {
        0.3
    } else if is_test(path) {
        0.5
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_across_languages() {
        let rust = "pub fn send_file(p: &Path) {}\npub(crate) struct Walker;\nimpl Walker {\n    pub async fn run(&self) {}\n        let local = 1;\n}\nconst LIMIT: usize = 3;\nmacro_rules! mm {}\npub const fn fast() {}\n";
        assert_eq!(definitions(rust), vec!["send_file", "Walker", "run", "LIMIT", "mm", "fast"]);
        let py = "import os\n\ndef send_file(path):\n    x = 1\n\nclass Flask(App):\n    def route(self):\n        pass\n\nDEFAULT = 3\n";
        assert_eq!(definitions(py), vec!["send_file", "Flask", "route", "DEFAULT"]);
        let js = "var app = exports = module.exports = {};\nres.send = function send(body) {\n  var x = 1;\n};\nexports.json = function(){};\nfunction helper() {}\nmodule.exports = Router;\nproto.use = function use(fn) {}\n";
        assert_eq!(definitions(js), vec!["app", "send", "json", "helper", "exports", "use"]);
        let go = "package cobra\n\nfunc (c *Command) Execute() error {\n\treturn nil\n}\nfunc Gen(x int) {}\ntype Command struct {\n}\n";
        assert_eq!(definitions(go), vec!["Execute", "Gen", "Command"]);
        assert!(is_definition_line("res.send = function send(body) {"));
        assert!(is_definition_line("    def route(self):"));
        assert!(!is_definition_line("    x = 1") && !is_definition_line("  var x = 1;"));
    }

    #[test]
    fn prompt_names_code_and_words() {
        assert_eq!(prompt_names("a ---- rule, --x- and --a--b"), prompt_names("a rule, --x and --a-b"));
        let names = prompt_names(
            "Fix `send_file` in helpers.py when res.redirect gets acceptsCharsets; --no-ignore flag",
        );
        let shown: Vec<(&str, bool)> = names.iter().map(|n| (n.name.as_str(), n.code)).collect();
        assert_eq!(
            shown,
            vec![
                ("no_ignore", true),
                ("noIgnore", true),
                ("send_file", true),
                ("helpers", true),
                ("when", false),
                ("redirect", true),
                ("gets", false),
                ("acceptsCharsets", true),
                ("flag", false),
            ]
        );
        let plain = Named { name: "redirect".into(), code: false };
        assert!(matches(&plain, "Redirect") && !matches(&plain, "redirects"));
        let code = Named { name: "send_file".into(), code: true };
        assert!(matches(&code, "send_file") && !matches(&code, "send_files"));
    }

    #[test]
    fn the_file_defining_a_named_function_outranks_files_mentioning_its_words() {
        let names = prompt_names("send_file sends the wrong file name");
        let files = [
            ("src/flask/helpers.py", "def send_file(path):\n    pass\n"),
            ("tests/test_helpers.py", "def test_send_file():\n    send_file('x')\n"),
            ("docs/api.rst", "file file file send file send_file\n"),
            ("src/flask/app.py", "class Flask:\n    def name(self):\n        pass\n"),
        ];
        let paths: Vec<&str> = files.iter().map(|f| f.0).collect();
        let scans: Vec<Option<FileSymbols>> = files.iter().map(|f| Some(scan(f.1, &names))).collect();
        assert_eq!(scans[0].as_ref().map(|s| s.defines.clone()), Some(vec![0]));
        assert_eq!(scans[1].as_ref().map(|s| s.mentions.clone()), Some(vec![0]));
        let b = boosts(&paths, &scans, &names);
        assert_eq!(b[0].1, vec!["defines send_file".to_string()]);
        assert!(b[0].0 > b[1].0 && b[1].0 > 0.0 && b[2].0 == b[1].0, "{b:?}");
        // `name` is a plain word: app.py defines it, for less than a code name.
        assert!(b[3].0 > 0.0 && b[3].0 < b[0].0, "{b:?}");
        assert!(
            kind_weight(paths[2]) < kind_weight(paths[1]) && kind_weight(paths[1]) < kind_weight(paths[0])
        );
    }

    #[test]
    fn tests_prose_and_stems() {
        assert!(is_test("tests/test_helpers.py"));
        assert!(is_test("walk_test.go"));
        assert!(is_test("test/router.test.js"));
        assert!(!is_test("src/flask/testing.py"));
        assert!(is_prose("CHANGES.rst") && is_prose("docs/api.py") && is_prose("README.md"));
        assert!(!is_prose("src/walk.rs"));
        assert_eq!(tested_stem("tests/test_helpers.py").as_deref(), Some("helpers"));
        assert_eq!(tested_stem("walk_test.go").as_deref(), Some("walk"));
        assert_eq!(tested_stem("tests/__init__.py"), None);
        assert_eq!(stem("src/walk.rs"), "walk");
    }
}
