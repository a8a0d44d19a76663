//! The user's toolchains, made visible read-only inside the sandbox: every directory on
//! `PATH`, and the homes and caches of the common toolchains ([`TOOLCHAINS`]), each at its own
//! path, with the variables the tools need to find themselves. The home stays hidden: only
//! the directories named here are mounted, never one that is or holds a credential store,
//! keyring, shell history or browser profile ([`SECRET_PATHS`]), and no variable that could
//! carry a token.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::bwrap::SYSTEM_DIRS;

/// One toolchain vibe knows how to make visible.
#[derive(Debug)]
pub struct Toolchain {
    /// Its name, as `vibe doctor` and the plan prompt show it.
    pub name: &'static str,
    /// The variable that names its home, if any, and the home's default below `$HOME`.
    pub home: Option<(&'static str, &'static str)>,
    /// What is mounted, relative to the home (`""` for the whole home).
    pub parts: &'static [&'static str],
    /// Variables passed through when set in vibe's environment (names only; never a token).
    pub pass: &'static [&'static str],
    /// Why it is there.
    pub why: &'static str,
}

/// The toolchain homes and caches mounted read-only when they exist. Directories on `PATH`
/// are mounted as well, whatever tool they belong to.
pub const TOOLCHAINS: &[Toolchain] = &[
    Toolchain {
        name: "rustup",
        home: Some(("RUSTUP_HOME", ".rustup")),
        parts: &["toolchains", "settings.toml", "update-hashes"],
        pass: &["RUSTUP_TOOLCHAIN"],
        why: "Rust toolchains managed by rustup, and its default-toolchain setting",
    },
    Toolchain {
        name: "cargo",
        home: Some(("CARGO_HOME", ".cargo")),
        parts: &["bin", "registry", "git"],
        pass: &[],
        why: "cargo and installed tools; the downloaded crates and git checkouts an offline build needs (not credentials.toml or config.toml, which may hold registry tokens)",
    },
    Toolchain {
        name: "pyenv",
        home: Some(("PYENV_ROOT", ".pyenv")),
        parts: &[""],
        pass: &["PYENV_VERSION"],
        why: "Python interpreters and their shims",
    },
    Toolchain {
        name: "nvm",
        home: Some(("NVM_DIR", ".nvm")),
        parts: &["versions", "alias", "nvm.sh"],
        pass: &["NVM_BIN", "NVM_INC"],
        why: "Node.js versions managed by nvm",
    },
    Toolchain {
        name: "fnm",
        home: Some(("FNM_DIR", ".local/share/fnm")),
        parts: &["node-versions", "aliases"],
        pass: &[],
        why: "Node.js versions managed by fnm",
    },
    Toolchain {
        name: "volta",
        home: Some(("VOLTA_HOME", ".volta")),
        parts: &["bin", "tools"],
        pass: &[],
        why: "Node.js, npm and tools pinned by Volta",
    },
    Toolchain {
        name: "asdf",
        home: Some(("ASDF_DATA_DIR", ".asdf")),
        parts: &["installs", "shims", "plugins", "bin", "lib", "asdf.sh"],
        pass: &["ASDF_DIR"],
        why: "toolchains installed by asdf, and its shims",
    },
    Toolchain {
        name: "mise",
        home: Some(("MISE_DATA_DIR", ".local/share/mise")),
        parts: &["installs", "shims"],
        pass: &[],
        why: "toolchains installed by mise, and its shims",
    },
    Toolchain {
        name: "go",
        home: Some(("GOPATH", "go")),
        parts: &["pkg/mod", "bin"],
        pass: &["GOROOT", "GOTOOLCHAIN"],
        why: "the Go module cache an offline build reads, and installed Go tools (GOROOT itself is on PATH or a system directory)",
    },
    Toolchain {
        name: "maven",
        home: Some(("", ".m2")),
        parts: &["repository"],
        pass: &["MAVEN_HOME", "M2_HOME"],
        why: "the local Maven repository (not settings.xml, which holds server passwords)",
    },
    Toolchain {
        name: "gradle",
        home: Some(("", ".gradle")),
        parts: &["caches", "wrapper"],
        pass: &[],
        why: "Gradle's dependency cache (read through GRADLE_RO_DEP_CACHE) and wrapper distributions (not gradle.properties, which holds credentials)",
    },
    Toolchain {
        name: "rbenv",
        home: Some(("RBENV_ROOT", ".rbenv")),
        parts: &["versions", "shims", "bin", "libexec"],
        pass: &["RBENV_VERSION"],
        why: "Ruby versions managed by rbenv, with their gems",
    },
    Toolchain {
        name: "gems",
        home: Some(("GEM_HOME", ".gem")),
        parts: &["ruby", "specs"],
        pass: &["GEM_PATH"],
        why: "gems installed for the user (not ~/.gem/credentials)",
    },
    Toolchain {
        name: "java",
        home: Some(("JAVA_HOME", "")),
        parts: &[""],
        pass: &[],
        why: "the JDK named by JAVA_HOME",
    },
    Toolchain {
        name: "local-bin",
        home: Some(("", ".local/bin")),
        parts: &[""],
        pass: &[],
        why: "tools installed for the user by pip, pipx, uv and others",
    },
    Toolchain {
        name: "uv",
        home: Some(("UV_PYTHON_INSTALL_DIR", ".local/share/uv/python")),
        parts: &[""],
        pass: &[],
        why: "Python interpreters installed by uv",
    },
];

/// Paths below the home that are never mounted, nor any directory that contains one: keys,
/// credentials, keyrings, shell histories, browser profiles, vibe's own data.
pub const SECRET_PATHS: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".config/gcloud",
    ".config/gh",
    ".config/hub",
    ".config/vibe",
    ".local/share/vibe",
    ".netrc",
    ".docker",
    ".git-credentials",
    ".gitconfig",
    ".config/git",
    ".kube",
    ".password-store",
    ".local/share/keyrings",
    ".pki",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".cargo/config",
    ".cargo/config.toml",
    ".npmrc",
    ".yarnrc",
    ".yarnrc.yml",
    ".pypirc",
    ".m2/settings.xml",
    ".m2/settings-security.xml",
    ".gradle/gradle.properties",
    ".gem/credentials",
    ".bundle",
    ".terraform.d",
    ".vault-token",
    ".bash_history",
    ".zsh_history",
    ".histfile",
    ".python_history",
    ".node_repl_history",
    ".psql_history",
    ".mysql_history",
    ".lesshst",
    ".local/share/fish",
    ".mozilla",
    ".thunderbird",
    ".config/google-chrome",
    ".config/chromium",
    ".config/BraveSoftware",
    ".config/microsoft-edge",
    ".config/Code",
    ".config/mise",
    ".config/op",
];

/// What of the user's machine a sandbox shows: read-only mounts and the variables that go
/// with them. Persisted with the sandbox, shown by `vibe doctor`, described to the model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Toolchains {
    /// Toolchains found, by name.
    pub found: Vec<String>,
    /// Host directories mounted read-only at the same path, parents before children.
    pub mounts: Vec<PathBuf>,
    /// Variables for every command (paths and version pins only).
    pub env: BTreeMap<String, String>,
}

/// Resolves the toolchains on this machine from vibe's environment. `deny` adds paths that
/// are never mounted (vibe's data and configuration directories); `extra_prefixes` are
/// installations something else needs (the interpreter a virtual environment was made from),
/// mounted under the same rules.
pub fn resolve(
    host_env: &BTreeMap<String, String>,
    deny: &[PathBuf],
    extra_prefixes: &[PathBuf],
) -> Toolchains {
    let home = host_env.get("HOME").map(PathBuf::from).filter(|h| h.is_absolute());
    let mut denied: Vec<PathBuf> = deny.iter().map(|p| canonical(p)).collect();
    if let Some(home) = &home {
        let home = canonical(home);
        denied.extend(SECRET_PATHS.iter().map(|p| home.join(p)));
        // The home itself is never mounted; its being an ancestor of secrets enforces that.
    }
    let allowed = |p: &Path| -> bool {
        p.is_absolute()
            && p.components().count() > 1
            && home.as_deref().is_none_or(|h| canonical(h) != p)
            && !denied.iter().any(|d| p.starts_with(d) || d.starts_with(p))
    };
    let mut out = Toolchains::default();
    let mut mounts: Vec<PathBuf> = Vec::new();
    let add = |path: &Path, mounts: &mut Vec<PathBuf>| -> bool {
        if !clean(path) || !path.exists() {
            return false;
        }
        let real = canonical(path);
        if !allowed(&real) || !allowed(path) {
            return false;
        }
        if SYSTEM_DIRS.iter().any(|s| real.starts_with(s)) {
            return true; // visible already
        }
        mounts.push(real);
        true
    };
    for toolchain in TOOLCHAINS {
        let Some((var, default)) = toolchain.home else { continue };
        let from_env = (!var.is_empty()).then(|| host_env.get(var)).flatten().map(PathBuf::from);
        let root = match (from_env, &home) {
            (Some(p), _) => p,
            (None, Some(home)) if !default.is_empty() => home.join(default),
            _ => continue,
        };
        if !root.is_absolute() || !root.exists() {
            continue;
        }
        let mut any = false;
        for part in toolchain.parts {
            let path = if part.is_empty() { root.clone() } else { root.join(part) };
            any |= add(&path, &mut mounts);
        }
        if !any {
            continue;
        }
        out.found.push(toolchain.name.to_string());
        if !var.is_empty() {
            out.env.insert(var.to_string(), root.display().to_string());
        }
        for name in toolchain.pass {
            if let Some(value) = host_env.get(*name).filter(|v| plain(v)) {
                out.env.insert((*name).to_string(), value.clone());
            }
        }
        if toolchain.name == "gradle" {
            out.env.insert("GRADLE_RO_DEP_CACHE".into(), root.join("caches").display().to_string());
        }
    }
    if let Some(path) = host_env.get("PATH") {
        for dir in std::env::split_paths(path) {
            // A `…/bin` comes with its prefix (`lib`, `share`) when that is allowed.
            let prefix = dir.parent().filter(|_| dir.ends_with("bin"));
            if !prefix.is_some_and(|p| add(p, &mut mounts)) {
                add(&dir, &mut mounts);
            }
        }
    }
    if let Some(venv) = host_env.get("VIRTUAL_ENV").filter(|v| plain(v)) {
        if add(Path::new(venv), &mut mounts) {
            out.env.insert("VIRTUAL_ENV".into(), venv.clone());
        }
    }
    for prefix in extra_prefixes {
        add(prefix, &mut mounts);
    }
    mounts.sort();
    mounts.dedup();
    // A directory inside one already mounted comes with it.
    let mut kept: Vec<PathBuf> = Vec::new();
    for m in mounts {
        if !kept.iter().any(|k| m.starts_with(k)) {
            kept.push(m);
        }
    }
    out.mounts = kept;
    out
}

/// Variables that make each tool fail at once, offline, instead of waiting on DNS.
pub fn offline_env() -> BTreeMap<String, String> {
    [
        ("CARGO_NET_OFFLINE", "true"),
        ("PIP_NO_INDEX", "1"),
        ("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
        ("npm_config_offline", "true"),
        ("YARN_ENABLE_OFFLINE_MODE", "1"),
        ("GOFLAGS", "-mod=mod"),
        ("GOPROXY", "off"),
        ("MAVEN_ARGS", "--offline"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// An absolute path without `.` or `..`, and nothing a bind could misread.
fn clean(p: &Path) -> bool {
    p.is_absolute()
        && p.components().all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
        && !p.as_os_str().as_encoded_bytes().contains(&0)
}

/// A value fit to pass on: short, one line, no NUL.
fn plain(v: &str) -> bool {
    v.len() < 4096 && !v.contains(['\n', '\0'])
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn home_with(dirs: &[&str]) -> tempfile::TempDir {
        let home = tempfile::tempdir().unwrap();
        for d in dirs {
            let p = home.path().join(d);
            if d.ends_with(".toml") || d.ends_with("credentials") || d.ends_with(".sh") {
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, "x").unwrap();
            } else {
                std::fs::create_dir_all(p).unwrap();
            }
        }
        home
    }

    fn env(home: &Path, path: &str) -> BTreeMap<String, String> {
        [("HOME".to_string(), home.display().to_string()), ("PATH".to_string(), path.to_string())].into()
    }

    #[test]
    fn toolchain_homes_are_mounted_with_their_variables_and_nothing_secret() {
        let home = home_with(&[
            ".rustup/toolchains",
            ".rustup/settings.toml",
            ".cargo/bin",
            ".cargo/registry",
            ".cargo/credentials.toml",
            ".ssh",
            ".pyenv/shims",
        ]);
        let h = std::fs::canonicalize(home.path()).unwrap();
        let path =
            format!("{}:{}:/usr/bin:relative", h.join(".cargo/bin").display(), h.join(".ssh").display());
        let t = resolve(&env(&h, &path), &[], &[]);
        assert!(t.mounts.contains(&h.join(".rustup/toolchains")));
        assert!(t.mounts.contains(&h.join(".cargo/bin")));
        assert!(t.mounts.contains(&h.join(".cargo/registry")));
        assert!(t.mounts.contains(&h.join(".pyenv")));
        assert!(!t.mounts.iter().any(|m| m.starts_with(h.join(".ssh"))), "{:?}", t.mounts);
        assert!(!t.mounts.iter().any(|m| m.ends_with("credentials.toml") || *m == h.join(".cargo")));
        assert!(!t.mounts.contains(&h), "the home as a whole is never mounted");
        assert!(!t.mounts.iter().any(|m| m.starts_with("/usr")), "system directories are there already");
        assert_eq!(t.env["RUSTUP_HOME"], h.join(".rustup").display().to_string());
        assert_eq!(t.env["CARGO_HOME"], h.join(".cargo").display().to_string());
        assert_eq!(t.env["PYENV_ROOT"], h.join(".pyenv").display().to_string());
        assert!(t.found.contains(&"rustup".to_string()) && t.found.contains(&"cargo".to_string()));
    }

    #[test]
    fn a_path_entry_that_is_the_home_or_holds_a_secret_is_refused() {
        let home = home_with(&[".local/bin", ".local/share/keyrings", "bin"]);
        let h = std::fs::canonicalize(home.path()).unwrap();
        let path = format!("{}:{}:{}", h.display(), h.join(".local").display(), h.join("bin").display());
        let t = resolve(&env(&h, &path), &[], &[]);
        // `~/.local/bin` is a toolchain directory of its own; `~/.local` and the home are not.
        assert_eq!(t.mounts, vec![h.join(".local/bin"), h.join("bin")]);
        // A link to a secret is judged by where it leads.
        let link = h.join("tools");
        std::os::unix::fs::symlink(h.join(".local/share/keyrings"), &link).unwrap();
        let t = resolve(&env(&h, &link.display().to_string()), &[], &[]);
        assert_eq!(t.mounts, vec![h.join(".local/bin")]);
    }

    #[test]
    fn vibes_own_directories_are_never_mounted() {
        let home = home_with(&["data/bin"]);
        let h = std::fs::canonicalize(home.path()).unwrap();
        let t = resolve(&env(&h, &h.join("data/bin").display().to_string()), &[h.join("data")], &[]);
        assert!(t.mounts.is_empty());
    }
}
