//! The repository walk: every file the user's ignore rules keep (`.gitignore`, `.ignore`,
//! `.git/info/exclude`, the global excludes file, and `.vibeignore`), classified so
//! secret-bearing ([`crate::redact::SECRET_FILES`]), binary, generated and huge files never
//! reach the model. Symbolic links are not followed and not read: a link may point outside
//! the repository.

use std::io::Read;
use std::path::Path;

use serde::Serialize;

/// Files larger than this are listed but never read.
pub const MAX_FILE_BYTES: u64 = 256 * 1024;
/// How much of a file the ranking reads.
pub const HEAD_BYTES: usize = 16 * 1024;

/// Extensions of files that are not text.
const BINARY_EXT: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "bmp", "ico", "icns", "webp", "tif", "tiff", "psd", "pdf", "zip", "gz",
    "tgz", "bz2", "xz", "zst", "7z", "rar", "tar", "jar", "war", "class", "so", "dylib", "dll", "exe", "o",
    "a", "lib", "obj", "bin", "dat", "db", "sqlite", "sqlite3", "wasm", "pyc", "pyo", "woff", "woff2", "ttf",
    "otf", "eot", "mp3", "mp4", "mov", "avi", "mkv", "wav", "flac", "ogg", "webm", "pack", "idx", "rlib",
    "rmeta", "node",
];

/// File names and suffixes of generated files.
const GENERATED_NAMES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "poetry.lock",
    "Pipfile.lock",
    "composer.lock",
    "Gemfile.lock",
    "go.sum",
    "flake.lock",
    "uv.lock",
    "bun.lockb",
];
const GENERATED_SUFFIXES: &[&str] = &[".min.js", ".min.css", ".map", ".pb.go", "_pb2.py", ".snap", ".lock"];
/// Directories whose content is built, vendored or downloaded (when not ignored already).
const GENERATED_DIRS: &[&str] =
    &["node_modules", "target", "dist", "build", "vendor", "__pycache__", ".venv", "venv", ".next", ".tox"];

/// What a file is, as far as context goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// Text worth reading.
    Text,
    /// Secret-bearing ([`crate::redact::SECRET_FILES`]): listed, never read.
    Secret,
    /// Not text.
    Binary,
    /// Built, vendored, or a lock file.
    Generated,
    /// Larger than [`MAX_FILE_BYTES`].
    Large,
}

/// One file of the repository.
#[derive(Debug, Clone)]
pub struct FileInfo {
    /// Path relative to the root, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Classification by name and size (content checks come later).
    pub kind: FileKind,
    /// Modification time (seconds, nanoseconds since the epoch), for change detection.
    pub mtime: Option<(i64, u32)>,
}

/// What the walk left out, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Binary files.
    pub binary: usize,
    /// Generated, vendored or lock files.
    pub generated: usize,
    /// Files over the size limit.
    pub large: usize,
    /// Symbolic links (never followed).
    pub symlinks: usize,
    /// Secret-bearing files (listed in the layout, never read).
    pub secret: usize,
}

/// Worker threads for walking and reading: the machine's cores, at most 8.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8)
}

/// Walks `root` on several threads; returns its files sorted by path (so the order never
/// depends on scheduling), and the number of symbolic links skipped.
pub fn walk(root: &Path) -> Result<(Vec<FileInfo>, usize), String> {
    walk_tree(root).map(|w| (w.files, w.symlinks))
}

/// A modification time: seconds and nanoseconds since the epoch.
pub type Mtime = (i64, u32);

/// What a walk found.
#[derive(Debug, Clone, Default)]
pub struct Walked {
    /// Files, sorted by path.
    pub files: Vec<FileInfo>,
    /// Symbolic links skipped.
    pub symlinks: usize,
    /// Directories walked (`""` is the root), sorted, with their modification time as seen
    /// before their entries were read: a file added, removed or renamed in one changes it.
    pub dirs: Vec<(String, Option<Mtime>)>,
}

enum Item {
    File(FileInfo),
    Symlink,
    Dir(String, Option<Mtime>),
}

/// [`walk`], keeping the directories too.
pub fn walk_tree(root: &Path) -> Result<Walked, String> {
    if !root.is_dir() {
        return Err(format!("{} is not a directory", root.display()));
    }
    let (tx, rx) = std::sync::mpsc::channel::<Item>();
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .add_custom_ignore_filename(".vibeignore")
        .filter_entry(|e| e.file_name() != ".git")
        .threads(threads())
        .build_parallel()
        .run(|| {
            let tx = tx.clone();
            Box::new(move |entry| {
                if let Some(item) = visit(root, entry) {
                    let _ = tx.send(item);
                }
                ignore::WalkState::Continue
            })
        });
    drop(tx);
    let mut out = Walked::default();
    for item in rx {
        match item {
            Item::File(f) => out.files.push(f),
            Item::Symlink => out.symlinks += 1,
            Item::Dir(d, mtime) => out.dirs.push((d, mtime)),
        }
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    out.dirs.sort();
    Ok(out)
}

/// The modification time of `meta`.
pub fn mtime_of(meta: &std::fs::Metadata) -> Option<Mtime> {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| (d.as_secs() as i64, d.subsec_nanos()))
}

/// One walked entry: a file, a symlink, a directory, or `None` for the rest.
fn visit(root: &Path, entry: Result<ignore::DirEntry, ignore::Error>) -> Option<Item> {
    let entry = match entry {
        Ok(e) => e,
        Err(e) => {
            tracing::debug!("context walk: {e}");
            return None;
        }
    };
    let ft = entry.file_type()?;
    if ft.is_symlink() {
        return Some(Item::Symlink);
    }
    let rel = entry.path().strip_prefix(root).ok()?;
    let path = rel.to_str()?.replace('\\', "/");
    if ft.is_dir() {
        let mtime = entry.metadata().ok().as_ref().and_then(mtime_of);
        return Some(Item::Dir(path, mtime));
    }
    if !ft.is_file() {
        return None;
    }
    let meta = entry.metadata().ok();
    let size = meta.as_ref().map_or(0, |m| m.len());
    let mtime = meta.as_ref().and_then(mtime_of);
    let kind = classify(&path, size);
    Some(Item::File(FileInfo { path, size, kind, mtime }))
}

/// Classifies a file by its path and size.
pub fn classify(path: &str, size: u64) -> FileKind {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if crate::redact::is_secret_file(path) {
        FileKind::Secret
    } else if BINARY_EXT.contains(&ext.as_str()) {
        FileKind::Binary
    } else if GENERATED_NAMES.contains(&name)
        || GENERATED_SUFFIXES.iter().any(|s| name.ends_with(s))
        || path.split('/').rev().skip(1).any(|d| GENERATED_DIRS.contains(&d))
    {
        FileKind::Generated
    } else if size > MAX_FILE_BYTES {
        FileKind::Large
    } else {
        FileKind::Text
    }
}

/// Reads up to `limit` bytes of a file. `None` when unreadable.
pub fn read_head(path: &Path, limit: usize) -> Option<Vec<u8>> {
    let f = std::fs::File::open(path).ok()?;
    let mut buf = Vec::with_capacity(limit.min(64 * 1024));
    f.take(limit as u64).read_to_end(&mut buf).ok()?;
    Some(buf)
}

/// [`read_head`] of a file whose size the walk found: its buffer is allocated once, to fit.
pub fn read_head_sized(path: &Path, limit: usize, size: u64) -> Option<Vec<u8>> {
    let f = std::fs::File::open(path).ok()?;
    let mut buf = Vec::with_capacity(limit.min(size as usize + 1));
    f.take(limit as u64).read_to_end(&mut buf).ok()?;
    Some(buf)
}

/// Classifies by content: NUL bytes mean binary; a generated-code marker near the top means
/// generated.
pub fn classify_content(head: &[u8]) -> FileKind {
    let probe = &head[..head.len().min(8192)];
    if probe.contains(&0) {
        return FileKind::Binary;
    }
    let top = String::from_utf8_lossy(&head[..head.len().min(1024)]);
    if top.contains("@generated") || top.contains("DO NOT EDIT") || top.contains("do not edit") {
        return FileKind::Generated;
    }
    FileKind::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sizes_and_content_classify_files() {
        assert_eq!(classify("src/main.rs", 100), FileKind::Text);
        assert_eq!(classify("assets/logo.PNG", 100), FileKind::Binary);
        assert_eq!(classify("Cargo.lock", 100), FileKind::Generated);
        assert_eq!(classify("web/app.min.js", 100), FileKind::Generated);
        assert_eq!(classify("web/node_modules/x/index.js", 100), FileKind::Generated);
        assert_eq!(classify("data/big.csv", MAX_FILE_BYTES + 1), FileKind::Large);
        assert_eq!(classify("deploy/.env.production", 100), FileKind::Secret);
        assert_eq!(classify("keys/signing.p12", 100), FileKind::Secret);
        assert_eq!(classify(".env.example", 100), FileKind::Text);
        assert_eq!(classify_content(b"fn main() {}\n"), FileKind::Text);
        assert_eq!(classify_content(b"\x7fELF\x00\x01"), FileKind::Binary);
        assert_eq!(
            classify_content(b"// Code generated by protoc. DO NOT EDIT.\npackage x"),
            FileKind::Generated
        );
    }
}
