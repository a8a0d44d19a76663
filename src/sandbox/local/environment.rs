//! What of the user's machine a local sandbox shows its commands: the toolchains (read-only)
//! and the repository's ignored dependency directories (read-only below a writable layer).
//! Resolved once when the sandbox is made and kept with it, so a resumed job sees the same.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::layers::{self, Layer};
use super::toolchains::{self, Toolchains};
use super::Policy;

/// The toolchains and dependency directories of one sandbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// Toolchains, mounted read-only at their own paths.
    pub toolchains: Toolchains,
    /// Ignored dependency directories of the repository shown in the copy.
    pub layers: Vec<Layer>,
    /// Whether the layers are writable overlays (else they are mounted read-only).
    pub overlays: bool,
}

impl Environment {
    /// Resolves it for `repo` from vibe's environment and the policy (`hidden_paths` are
    /// never mounted; `dependencies` adds directories). `scratch` is a directory this may
    /// use to check that overlays work here (removed again).
    pub fn resolve(
        repo: &Path,
        host_env: &BTreeMap<String, String>,
        policy: &Policy,
        scratch: &Path,
    ) -> Self {
        let layers = layers::detect(repo, &policy.dependencies);
        let interpreters: Vec<_> = layers.iter().filter_map(|l| layers::venv_prefix(&l.source)).collect();
        let toolchains = toolchains::resolve(host_env, &policy.hidden_paths, &interpreters);
        let overlays = !layers.is_empty() && layers::overlays_work(scratch);
        Self { toolchains, layers, overlays }
    }

    /// What a sandbox of `repo` would show, for a description (no check that overlays work).
    pub fn preview(repo: &Path, host_env: &BTreeMap<String, String>, policy: &Policy) -> Self {
        let layers = layers::detect(repo, &policy.dependencies);
        let interpreters: Vec<_> = layers.iter().filter_map(|l| layers::venv_prefix(&l.source)).collect();
        let toolchains = toolchains::resolve(host_env, &policy.hidden_paths, &interpreters);
        Self { toolchains, layers, overlays: true }
    }

    /// Variables every command gets for the toolchains, plus the tools' offline switches
    /// when the network is off.
    pub fn env(&self, network: bool) -> BTreeMap<String, String> {
        let mut env = self.toolchains.env.clone();
        if !network {
            env.extend(toolchains::offline_env());
        }
        env
    }

    /// One paragraph for the model: what the sandbox can run.
    pub fn describe(&self, network: bool) -> String {
        let tools = if self.toolchains.found.is_empty() {
            "the system's tools only".to_string()
        } else {
            format!("the system's tools and the user's {}", self.toolchains.found.join(", "))
        };
        let deps = if self.layers.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = self.layers.iter().map(|l| l.path.as_str()).collect();
            let how =
                if self.overlays { "as the user has them (writes stay in the job)" } else { "read-only" };
            format!(" The repository's ignored {} are present {how}.", names.join(", "))
        };
        let net = if network {
            " The network is on."
        } else {
            " There is no network: nothing can be downloaded or installed; tools run offline \
             (e.g. `cargo test --offline`, `.venv/bin/python -m pytest`)."
        };
        format!("Commands run in a sandbox with {tools}.{deps}{net}")
    }
}
