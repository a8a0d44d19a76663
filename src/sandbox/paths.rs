//! Path confinement: every path a tool names is relative to the sandbox copy, has no `..`,
//! is not absolute, does not enter `.git`, and — checked at access time, after resolving
//! symlinks — stays inside the copy. The OS sandbox is the first line; this is the second.

use std::path::{Component, Path, PathBuf};

use super::SandboxError;

/// Checks the text of a path and returns it as a clean relative path (`""` or `.` is the
/// root). Refuses absolute paths, `..`, and anything under `.git`.
pub fn relative(path: &str) -> Result<PathBuf, SandboxError> {
    let refuse =
        |reason: &str| SandboxError::PathRefused { path: path.to_string(), reason: reason.to_string() };
    if path.contains('\0') {
        return Err(refuse("paths may not contain NUL bytes"));
    }
    let trimmed = path.trim();
    if trimmed.starts_with('~') {
        return Err(refuse("paths are relative to the repository root; `~` is not allowed"));
    }
    let mut clean = PathBuf::new();
    for component in Path::new(trimmed).components() {
        match component {
            Component::CurDir => {}
            Component::Normal(part) => {
                if clean.as_os_str().is_empty() && part == ".git" {
                    return Err(refuse("the repository metadata (.git) is not accessible to tools"));
                }
                clean.push(part);
            }
            Component::ParentDir => {
                return Err(refuse("`..` is not allowed; use a path relative to the repository root"))
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(refuse(
                    "absolute paths are not allowed; use a path relative to the repository root",
                ))
            }
        }
    }
    Ok(clean)
}

/// Resolves `rel` (already checked by [`relative`]) under `root` for reading: the path must
/// exist and its fully resolved form (symlinks followed) must stay inside `root`.
pub fn resolve_existing(root: &Path, rel: &Path) -> Result<PathBuf, SandboxError> {
    let root = canonical_root(root)?;
    let joined = root.join(rel);
    let resolved = std::fs::canonicalize(&joined).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SandboxError::NotFound(display(rel)),
        _ => SandboxError::io(format!("resolving {}", display(rel)), e),
    })?;
    inside(&root, &resolved, rel)?;
    Ok(resolved)
}

/// Resolves `rel` under `root` for writing: the deepest existing ancestor, resolved, must be
/// inside `root`; missing directories are then created under it. If the file exists and is
/// a symlink, its target must be inside `root` too. Returns the path to write.
pub fn resolve_for_write(root: &Path, rel: &Path) -> Result<PathBuf, SandboxError> {
    let root = canonical_root(root)?;
    let name = rel.file_name().ok_or_else(|| SandboxError::PathRefused {
        path: display(rel),
        reason: "a file name is needed, not the repository root".into(),
    })?;
    let parent_rel = rel.parent().unwrap_or(Path::new(""));
    // Find the deepest existing ancestor of the parent directory.
    let mut existing = root.join(parent_rel);
    let mut missing: Vec<std::ffi::OsString> = Vec::new();
    while std::fs::symlink_metadata(&existing).is_err() {
        match (existing.file_name(), existing.parent()) {
            (Some(n), Some(p)) => {
                missing.push(n.to_os_string());
                existing = p.to_path_buf();
            }
            _ => break,
        }
    }
    let mut dir = std::fs::canonicalize(&existing)
        .map_err(|e| SandboxError::io(format!("resolving {}", display(rel)), e))?;
    inside(&root, &dir, rel)?;
    if !dir.is_dir() {
        return Err(SandboxError::PathRefused {
            path: display(rel),
            reason: "a parent of this path is a file".into(),
        });
    }
    for part in missing.iter().rev() {
        dir.push(part);
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(SandboxError::io(format!("creating {}", dir.display()), e)),
        }
    }
    let target = dir.join(name);
    if let Ok(meta) = std::fs::symlink_metadata(&target) {
        if meta.file_type().is_symlink() {
            return match std::fs::canonicalize(&target) {
                Ok(resolved) => {
                    inside(&root, &resolved, rel)?;
                    Ok(resolved)
                }
                Err(_) => Err(SandboxError::PathRefused {
                    path: display(rel),
                    reason: "this path is a symlink to a file that does not exist".into(),
                }),
            };
        }
        if meta.is_dir() {
            return Err(SandboxError::PathRefused {
                path: display(rel),
                reason: "this path is a directory".into(),
            });
        }
    }
    Ok(target)
}

fn canonical_root(root: &Path) -> Result<PathBuf, SandboxError> {
    std::fs::canonicalize(root)
        .map_err(|e| SandboxError::io(format!("resolving the sandbox copy {}", root.display()), e))
}

fn inside(root: &Path, resolved: &Path, rel: &Path) -> Result<(), SandboxError> {
    if !resolved.starts_with(root) {
        return Err(SandboxError::PathRefused {
            path: display(rel),
            reason: "it resolves (through a symlink) to a place outside the job's copy".into(),
        });
    }
    if resolved
        .strip_prefix(root)
        .ok()
        .and_then(|r| r.components().next())
        .is_some_and(|c| c.as_os_str() == ".git")
    {
        return Err(SandboxError::PathRefused {
            path: display(rel),
            reason: "it resolves into the repository metadata (.git)".into(),
        });
    }
    Ok(())
}

/// A path for messages, with `/` separators.
pub fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn clean_relative_paths_pass() {
        assert_eq!(relative("src/main.rs").unwrap(), PathBuf::from("src/main.rs"));
        assert_eq!(relative("./src//lib.rs").unwrap(), PathBuf::from("src/lib.rs"));
        assert_eq!(relative(".").unwrap(), PathBuf::new());
        assert_eq!(relative("").unwrap(), PathBuf::new());
        assert_eq!(relative("docs/.github/x").unwrap(), PathBuf::from("docs/.github/x"));
    }

    #[test]
    fn escapes_are_refused_by_text() {
        for bad in [
            "../x",
            "src/../../etc/passwd",
            "/etc/passwd",
            "~/.ssh/id_rsa",
            ".git/config",
            "./.git/hooks/pre-commit",
            "a\0b",
        ] {
            let err = relative(bad).unwrap_err();
            assert!(matches!(err, SandboxError::PathRefused { .. }), "{bad}: {err}");
        }
        // `..` is refused even when it would stay inside.
        assert!(relative("src/../README.md").is_err());
    }

    #[test]
    fn symlinks_out_of_the_root_are_refused_at_access_time() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        let root = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), root.path().join("file-link")).unwrap();
        std::fs::create_dir(root.path().join("src")).unwrap();
        std::fs::write(root.path().join("src/a.rs"), "a").unwrap();
        std::os::unix::fs::symlink("a.rs", root.path().join("src/inner-link")).unwrap();

        let rel = relative("link/secret").unwrap();
        assert!(matches!(resolve_existing(root.path(), &rel), Err(SandboxError::PathRefused { .. })));
        let rel = relative("link/new-dir/new-file").unwrap();
        assert!(matches!(resolve_for_write(root.path(), &rel), Err(SandboxError::PathRefused { .. })));
        assert!(!outside.path().join("new-dir").exists(), "no directory may be created outside");
        let rel = relative("file-link").unwrap();
        assert!(matches!(resolve_for_write(root.path(), &rel), Err(SandboxError::PathRefused { .. })));

        // Symlinks that stay inside are fine.
        let rel = relative("src/inner-link").unwrap();
        assert!(resolve_existing(root.path(), &rel).unwrap().ends_with("src/a.rs"));
        let rel = relative("src/new/deep/file.rs").unwrap();
        let target = resolve_for_write(root.path(), &rel).unwrap();
        assert!(target.parent().unwrap().is_dir());
    }
}
