//! The file tools on the host side: every path confined to the copy at access time.

use std::path::Path;

use super::{
    paths, Entry, EntryKind, Listing, LocalSandbox, SandboxError, SearchHit, SearchResult, MAX_READ_BYTES,
    MAX_SEARCH_FILE_BYTES,
};

impl LocalSandbox {
    pub(super) fn list_inner(&self, dir: &str, recursive: bool, max: usize) -> Result<Listing, SandboxError> {
        self.alive()?;
        let rel = paths::relative(dir)?;
        let start = paths::resolve_existing(&self.work, &rel)?;
        let root =
            std::fs::canonicalize(&self.work).map_err(|e| SandboxError::io("resolving the copy", e))?;
        let mut walker = ignore::WalkBuilder::new(&start);
        walker
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(true)
            .require_git(false)
            .follow_links(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(|e| e.file_name() != ".git");
        if !recursive {
            walker.max_depth(Some(1));
        }
        let mut entries = Vec::new();
        let mut truncated = false;
        for item in walker.build() {
            let Ok(item) = item else { continue };
            if item.depth() == 0 {
                continue;
            }
            let Some(ft) = item.file_type() else { continue };
            let kind = if ft.is_symlink() {
                EntryKind::Symlink
            } else if ft.is_dir() {
                EntryKind::Dir
            } else {
                EntryKind::File
            };
            if entries.len() >= max {
                truncated = true;
                break;
            }
            let path = item.path().strip_prefix(&root).unwrap_or(item.path()).to_string_lossy().into_owned();
            let size =
                if kind == EntryKind::File { item.metadata().map(|m| m.len()).unwrap_or(0) } else { 0 };
            entries.push(Entry { path, kind, size });
        }
        Ok(Listing { entries, truncated })
    }

    pub(super) fn search_inner(
        &self,
        pattern: &str,
        dir: &str,
        max: usize,
    ) -> Result<SearchResult, SandboxError> {
        self.alive()?;
        let regex = regex::Regex::new(pattern)
            .map_err(|e| SandboxError::Invalid(format!("invalid regular expression: {e}")))?;
        let rel = paths::relative(dir)?;
        let start = paths::resolve_existing(&self.work, &rel)?;
        let root =
            std::fs::canonicalize(&self.work).map_err(|e| SandboxError::io("resolving the copy", e))?;
        let walker = ignore::WalkBuilder::new(&start)
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .require_git(false)
            .follow_links(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        let mut hits = Vec::new();
        for item in walker {
            let Ok(item) = item else { continue };
            if !item.file_type().is_some_and(|t| t.is_file())
                || item.metadata().map_or(true, |m| m.len() > MAX_SEARCH_FILE_BYTES)
            {
                continue;
            }
            let Ok(bytes) = std::fs::read(item.path()) else { continue };
            if bytes.iter().take(8000).any(|b| *b == 0) {
                continue; // binary
            }
            let text = String::from_utf8_lossy(&bytes);
            let path = item.path().strip_prefix(&root).unwrap_or(item.path()).to_string_lossy().into_owned();
            for (i, line) in text.lines().enumerate() {
                if regex.is_match(line) {
                    if hits.len() >= max {
                        return Ok(SearchResult { hits, truncated: true });
                    }
                    let line_text = if line.len() > 300 {
                        crate::sandbox::truncate_middle(line, 300)
                    } else {
                        line.to_string()
                    };
                    hits.push(SearchHit { path: path.clone(), line: i as u64 + 1, text: line_text });
                }
            }
        }
        Ok(SearchResult { hits, truncated: false })
    }

    pub(super) fn read_inner(&self, path: &str) -> Result<Vec<u8>, SandboxError> {
        self.alive()?;
        let rel = paths::relative(path)?;
        let resolved = paths::resolve_existing(&self.work, &rel)?;
        let meta =
            std::fs::metadata(&resolved).map_err(|e| SandboxError::io(format!("reading {path}"), e))?;
        if meta.is_dir() {
            return Err(SandboxError::Invalid(format!("`{path}` is a directory; list it instead")));
        }
        if !meta.is_file() {
            // A FIFO or device planted by a command would block or stream forever.
            return Err(SandboxError::Invalid(format!("`{path}` is not a regular file")));
        }
        if meta.len() > MAX_READ_BYTES {
            return Err(SandboxError::Invalid(format!(
                "`{path}` is {} bytes, more than the {} MiB a tool may read; read parts of it with a command",
                meta.len(),
                MAX_READ_BYTES / (1024 * 1024)
            )));
        }
        std::fs::read(&resolved).map_err(|e| SandboxError::io(format!("reading {path}"), e))
    }

    pub(super) fn write_inner(&self, path: &str, contents: &[u8]) -> Result<(), SandboxError> {
        self.alive()?;
        if contents.len() as u64 > self.meta.policy.max_file_bytes {
            return Err(SandboxError::Invalid(format!("`{path}` would be larger than the file size limit")));
        }
        let rel = paths::relative(path)?;
        let target = paths::resolve_for_write(&self.work, &rel)?;
        // Write beside the target and rename over it: never writes through a hard link.
        let dir = target.parent().unwrap_or(&self.work);
        let mut tmp = tempfile::Builder::new()
            .prefix(".vibe-write-")
            .tempfile_in(dir)
            .map_err(|e| SandboxError::io(format!("writing {path}"), e))?;
        use std::io::Write;
        tmp.write_all(contents).map_err(|e| SandboxError::io(format!("writing {path}"), e))?;
        if let Ok(meta) = std::fs::metadata(&target) {
            let _ = tmp.as_file().set_permissions(meta.permissions());
        } else {
            use std::os::unix::fs::PermissionsExt;
            let _ = tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644));
        }
        tmp.persist(&target).map_err(|e| SandboxError::io(format!("writing {path}"), e.error))?;
        Ok(())
    }

    pub(super) fn remove_inner(&self, path: &str) -> Result<(), SandboxError> {
        self.alive()?;
        let rel = paths::relative(path)?;
        if rel.as_os_str().is_empty() {
            return Err(SandboxError::PathRefused {
                path: path.into(),
                reason: "the repository root cannot be removed".into(),
            });
        }
        // Check the parent resolves inside; remove the entry itself without following it.
        let parent = rel.parent().unwrap_or(Path::new(""));
        let parent_host = paths::resolve_existing(&self.work, parent)?;
        let name =
            rel.file_name().ok_or_else(|| SandboxError::Invalid(format!("`{path}` has no file name")))?;
        let target = parent_host.join(name);
        let meta = std::fs::symlink_metadata(&target).map_err(|_| SandboxError::NotFound(path.into()))?;
        let result =
            if meta.is_dir() { std::fs::remove_dir_all(&target) } else { std::fs::remove_file(&target) };
        result.map_err(|e| SandboxError::io(format!("removing {path}"), e))
    }
}
