//! The kinds of project a repository holds, from its manifest files, and for each the commands
//! that show whether a sandbox can run it: the toolchain's version, and whether its
//! dependencies resolve without the network. `vibe doctor` runs them inside the sandbox.

use std::path::Path;

/// One kind of project found in a repository, with its probes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Language or build tool (`rust`, `python`, `node`, `go`, `java`, `ruby`).
    pub language: &'static str,
    /// Prints the toolchain's version.
    pub version: String,
    /// Succeeds when the project's dependencies can be found offline; `None` when there is
    /// nothing to probe.
    pub dependencies: Option<String>,
    /// What to do when the toolchain is missing.
    pub install_hint: &'static str,
    /// What to do when the dependencies are missing.
    pub deps_hint: &'static str,
}

/// The projects at the root of `repo`.
pub fn detect(repo: &Path) -> Vec<Project> {
    let has = |f: &str| repo.join(f).is_file();
    let mut out = Vec::new();
    if has("Cargo.toml") {
        out.push(Project {
            language: "rust",
            version: "cargo --version".into(),
            dependencies: Some("cargo metadata --offline --format-version 1 > /dev/null".into()),
            install_hint: "install Rust with rustup (its ~/.rustup and ~/.cargo are mounted read-only)",
            deps_hint:
                "run `cargo fetch` once outside the sandbox so the local registry holds the dependencies",
        });
    }
    if ["pyproject.toml", "requirements.txt", "setup.py", "Pipfile"].iter().any(|f| has(f)) {
        let python = [".venv", "venv"]
            .iter()
            .find(|v| repo.join(v).join("bin/python").exists())
            .map_or("python3".to_string(), |v| format!("{v}/bin/python"));
        let dependencies = first_python_requirement(repo).map(|name| {
            let module = name.to_lowercase().replace('-', "_");
            format!(
                "{python} -c 'import importlib, importlib.metadata as m, sys\ntry:\n    m.version(\"{name}\")\nexcept Exception:\n    importlib.import_module(\"{module}\")'"
            )
        });
        out.push(Project {
            language: "python",
            version: format!("{python} --version"),
            dependencies,
            install_hint: "install Python (pyenv, uv and the system's are mounted read-only)",
            deps_hint: "create the project's virtual environment (.venv) and install its dependencies outside the sandbox",
        });
    }
    if has("package.json") {
        let dependencies =
            first_node_dependency(repo).map(|name| format!("node -e 'require.resolve(\"{name}\")'"));
        out.push(Project {
            language: "node",
            version: "node --version".into(),
            dependencies,
            install_hint: "install Node.js (nvm, fnm, volta and the system's are mounted read-only)",
            deps_hint: "run `npm install` outside the sandbox so node_modules holds the dependencies",
        });
    }
    if has("go.mod") {
        out.push(Project {
            language: "go",
            version: "go version".into(),
            dependencies: Some("go list -m all > /dev/null".into()),
            install_hint: "install Go (GOROOT and the module cache are mounted read-only)",
            deps_hint: "run `go mod download` outside the sandbox so the module cache holds the dependencies",
        });
    }
    if has("pom.xml") {
        out.push(Project {
            language: "java",
            version: "mvn --version".into(),
            dependencies: None,
            install_hint: "install a JDK and Maven",
            deps_hint: "",
        });
    }
    if has("Gemfile") {
        out.push(Project {
            language: "ruby",
            version: "ruby --version".into(),
            dependencies: Some("bundle check".into()),
            install_hint: "install Ruby (rbenv and user gems are mounted read-only)",
            deps_hint: "run `bundle install` outside the sandbox",
        });
    }
    out
}

/// The first package `requirements.txt` names (a plain name: no options, URLs or paths).
fn first_python_requirement(repo: &Path) -> Option<String> {
    let text = std::fs::read_to_string(repo.join("requirements.txt")).ok()?;
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with(['#', '-'])).find_map(|l| {
        let name: String =
            l.chars().take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect();
        (!name.is_empty()).then_some(name)
    })
}

/// The first dependency `package.json` names (a plain package name).
fn first_node_dependency(repo: &Path) -> Option<String> {
    let text = std::fs::read_to_string(repo.join("package.json")).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
    ["dependencies", "devDependencies"].iter().find_map(|k| {
        doc.get(k)?
            .as_object()?
            .keys()
            .find(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || "-_.@/".contains(c)))
            .cloned()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn manifests_name_the_projects_and_their_first_dependency() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::write(r.join("Cargo.toml"), "").unwrap();
        std::fs::write(r.join("requirements.txt"), "# deps\n-r base.txt\nPyYAML>=6\nrequests\n").unwrap();
        std::fs::write(r.join("package.json"), r#"{"devDependencies": {"left-pad": "1"}}"#).unwrap();
        let found = detect(r);
        let langs: Vec<&str> = found.iter().map(|p| p.language).collect();
        assert_eq!(langs, ["rust", "python", "node"]);
        assert!(found[1].dependencies.as_deref().unwrap().contains("m.version(\"PyYAML\")"));
        assert!(found[1].dependencies.as_deref().unwrap().contains("import_module(\"pyyaml\")"));
        assert_eq!(found[2].dependencies.as_deref(), Some("node -e 'require.resolve(\"left-pad\")'"));
        assert!(detect(&r.join("nothing")).is_empty());
    }
}
