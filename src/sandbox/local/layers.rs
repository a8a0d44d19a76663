//! The project's ignored dependencies and build output (`node_modules`, `.venv`, `target`, …)
//! in the job's copy, without copying them: each appears at its place in the copy as the
//! user has it, read-only, below a writable layer kept with the sandbox (an overlay
//! filesystem mounted in a private user and mount namespace of the command's own, so the
//! host never sees it). `cargo test` reuses the user's `target/`, `npm test` its
//! `node_modules`, and whatever a command writes there stays in the job's layer.
//!
//! Where overlays cannot be mounted (an old kernel, user namespaces disabled), the
//! directories are mounted read-only instead.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::namespaces::Namespaces;

/// Manifest files and the ignored directories their projects keep dependencies or build
/// output in.
pub const MANIFESTS: &[(&str, &[&str])] = &[
    ("package.json", &["node_modules"]),
    ("Cargo.toml", &["target"]),
    ("pyproject.toml", &[".venv", "venv"]),
    ("requirements.txt", &[".venv", "venv"]),
    ("setup.py", &[".venv", "venv"]),
    ("Pipfile", &[".venv", "venv"]),
    ("go.mod", &["vendor"]),
    ("composer.json", &["vendor"]),
    ("Gemfile", &["vendor/bundle"]),
    ("build.gradle", &[".gradle", "build"]),
    ("build.gradle.kts", &[".gradle", "build"]),
    ("settings.gradle", &[".gradle", "build"]),
    ("settings.gradle.kts", &[".gradle", "build"]),
    ("pom.xml", &["target"]),
];

/// One dependency directory of the user's repository shown in the copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    /// The user's directory (read, never written).
    pub source: PathBuf,
}

/// The dependency directories of `repo`: those the manifests at its root name, plus `extra`
/// (relative paths from the configuration), that exist as real directories inside the
/// repository and that git ignores (a tracked directory is in the copy already).
pub fn detect(repo: &Path, extra: &[String]) -> Vec<Layer> {
    let Ok(root) = std::fs::canonicalize(repo) else { return Vec::new() };
    let mut wanted: Vec<String> = Vec::new();
    for (manifest, dirs) in MANIFESTS {
        if root.join(manifest).is_file() {
            wanted.extend(dirs.iter().map(|d| d.to_string()));
        }
    }
    wanted.extend(extra.iter().cloned());
    let git = git2::Repository::open(&root).ok();
    let mut layers: Vec<Layer> = Vec::new();
    for rel in wanted {
        let rel = rel.trim_matches('/').to_string();
        if rel.is_empty() || layers.iter().any(|l| l.path == rel) || !mountable(&rel) {
            continue;
        }
        let source = root.join(&rel);
        // A real directory, reached without following a link, inside the repository.
        let real = std::fs::symlink_metadata(&source).is_ok_and(|m| m.is_dir())
            && std::fs::canonicalize(&source).is_ok_and(|c| c == source);
        if !real {
            continue;
        }
        let ignored = git.as_ref().is_some_and(|g| g.is_path_ignored(Path::new(&rel)).unwrap_or(false));
        if ignored {
            layers.push(Layer { path: rel, source });
        }
    }
    // Parents first, and nothing inside a layer already shown.
    layers.sort_by(|a, b| a.path.cmp(&b.path));
    let mut kept: Vec<Layer> = Vec::new();
    for layer in layers {
        if !kept.iter().any(|k| Path::new(&layer.path).starts_with(&k.path)) {
            kept.push(layer);
        }
    }
    kept
}

/// The installation a Python virtual environment in `dir` was made from (the parent of the
/// `home` its `pyvenv.cfg` names), which its interpreter needs to run.
pub fn venv_prefix(dir: &Path) -> Option<PathBuf> {
    let cfg = std::fs::read_to_string(dir.join("pyvenv.cfg")).ok()?;
    let home = cfg.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == "home").then(|| PathBuf::from(v.trim()))
    })?;
    let home = std::fs::canonicalize(home).ok()?;
    home.parent().map(Path::to_path_buf)
}

/// A relative path of plain names that an overlay's options can carry.
fn mountable(rel: &str) -> bool {
    !rel.contains([',', ':', '\\', '\0', '\n'])
        && Path::new(rel).components().all(|c| matches!(c, std::path::Component::Normal(n) if n != ".git"))
}

/// The overlay mounts for `layers` over the copy `work` (target directory, mount options),
/// with writable layers in `state` (created here), for [`Namespaces`] to mount.
pub fn overlay_mounts(
    layers: &[Layer],
    work: &Path,
    state: &Path,
) -> std::io::Result<Vec<(CString, CString)>> {
    let mut mounts = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let target = work.join(&layer.path);
        place(work, &target)?;
        let (upper, scratch) = (state.join(format!("{i}/upper")), state.join(format!("{i}/work")));
        std::fs::create_dir_all(&upper)?;
        std::fs::create_dir_all(&scratch)?;
        if [&layer.source, &upper, &scratch].iter().any(|p| !mountable_abs(p)) {
            return Err(std::io::Error::other("a layer path cannot be mounted"));
        }
        let options = format!(
            "userxattr,lowerdir={},upperdir={},workdir={}",
            layer.source.display(),
            upper.display(),
            scratch.display()
        );
        mounts.push((cstring(target.as_os_str().as_encoded_bytes())?, cstring(options.as_bytes())?));
    }
    Ok(mounts)
}

/// Makes `target` (inside the copy) an empty directory to mount on, whatever a command left
/// there: a link or a file there is removed, so a mount never follows it out of the copy.
fn place(work: &Path, target: &Path) -> std::io::Result<()> {
    let mut at = work.to_path_buf();
    let rel = target.strip_prefix(work).map_err(|_| std::io::Error::other("a layer outside the copy"))?;
    for part in rel.components() {
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                std::fs::remove_file(&at)?;
                std::fs::create_dir(&at)?;
            }
            Err(_) => std::fs::create_dir(&at)?,
        }
    }
    Ok(())
}

fn mountable_abs(p: &Path) -> bool {
    !p.as_os_str().as_encoded_bytes().iter().any(|b| matches!(b, b',' | b':' | b'\\' | 0))
}

fn cstring(bytes: &[u8]) -> std::io::Result<CString> {
    CString::new(bytes).map_err(|_| std::io::Error::other("a path holds a NUL byte"))
}

/// Whether overlays can be mounted here: one child tries it on scratch directories.
pub fn overlays_work(scratch: &Path) -> bool {
    let run = || -> std::io::Result<bool> {
        let lower = scratch.join("lower");
        std::fs::create_dir_all(&lower)?;
        std::fs::write(lower.join("probe"), b"ok")?;
        let work = scratch.join("copy");
        std::fs::create_dir_all(&work)?;
        let layer = Layer { path: "dep".into(), source: lower };
        let mounts = overlay_mounts(&[layer], &work, &scratch.join("state"))?;
        let (namespaces, _) = Namespaces::new(mounts, false)?;
        let mut cmd = std::process::Command::new("cat");
        cmd.arg(work.join("dep/probe"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        // SAFETY: `apply` only makes async-signal-safe system calls on data prepared before fork.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(move || namespaces.apply());
        }
        let out = cmd.output()?;
        Ok(out.status.success() && out.stdout == b"ok")
    };
    let works = run().unwrap_or(false);
    let _ = super::discard(scratch);
    works
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::test_git::git;

    #[test]
    fn ignored_directories_named_by_manifests_are_found() {
        let repo = tempfile::tempdir().unwrap();
        let r = repo.path();
        git(r, &["init", "-q"]);
        std::fs::write(r.join(".gitignore"), "node_modules/\n/target\n.venv\n").unwrap();
        std::fs::write(r.join("package.json"), "{}").unwrap();
        std::fs::write(r.join("Cargo.toml"), "").unwrap();
        for d in ["node_modules/a", "target/debug", "vendor", "cache/x"] {
            std::fs::create_dir_all(r.join(d)).unwrap();
        }
        // .venv is ignored but no manifest names it; vendor is named by none either.
        std::fs::create_dir_all(r.join(".venv")).unwrap();
        let found: Vec<String> = detect(r, &[]).into_iter().map(|l| l.path).collect();
        assert_eq!(found, ["node_modules", "target"]);
        // The configuration adds to the list, but only ignored, real directories count.
        std::fs::write(r.join(".gitignore"), "node_modules/\n/target\n.venv\ncache/\n").unwrap();
        let found: Vec<String> =
            detect(r, &["cache".into(), "src".into(), "../x".into()]).into_iter().map(|l| l.path).collect();
        assert_eq!(found, ["cache", "node_modules", "target"]);
    }

    #[test]
    fn a_link_is_never_a_layer() {
        let repo = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let r = repo.path();
        git(r, &["init", "-q"]);
        std::fs::write(r.join(".gitignore"), "node_modules\n").unwrap();
        std::fs::write(r.join("package.json"), "{}").unwrap();
        std::os::unix::fs::symlink(outside.path(), r.join("node_modules")).unwrap();
        assert!(detect(r, &[]).is_empty());
    }
}
