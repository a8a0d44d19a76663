//! What of the user's machine a local sandbox shows its commands: the toolchains (read-only)
//! and the repository's ignored dependency directories (read-only below a writable layer).
//! Resolved once when the sandbox is made and kept with it, so a resumed job sees the same.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::egress;
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
    /// Hosts commands may reach through vibe's egress proxy (`sandbox.network =
    /// "registries"`); empty when that mode is off.
    #[serde(default)]
    pub registries: Vec<String>,
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
        let registries = registries(repo, policy);
        Self { toolchains, layers, overlays, registries }
    }

    /// What a sandbox of `repo` would show, for a description (no check that overlays work).
    pub fn preview(repo: &Path, host_env: &BTreeMap<String, String>, policy: &Policy) -> Self {
        let layers = layers::detect(repo, &policy.dependencies);
        let interpreters: Vec<_> = layers.iter().filter_map(|l| layers::venv_prefix(&l.source)).collect();
        let toolchains = toolchains::resolve(host_env, &policy.hidden_paths, &interpreters);
        Self { toolchains, layers, overlays: true, registries: registries(repo, policy) }
    }

    /// Whether commands go out through the egress proxy.
    pub fn proxied(&self, policy: &Policy) -> bool {
        !policy.network && policy.registries.is_some()
    }

    /// Variables every command gets for the toolchains, plus the tools' offline switches
    /// when the network is off, or the proxy's address when it goes through the proxy.
    pub fn env(&self, policy: &Policy) -> BTreeMap<String, String> {
        let mut env = self.toolchains.env.clone();
        if self.proxied(policy) {
            env.extend(egress::proxy_env());
        } else if !policy.network {
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
        } else if !self.registries.is_empty() {
            " The network reaches only the package registries (through a proxy): dependencies can be \
             downloaded, nothing else."
        } else {
            " There is no network: nothing can be downloaded or installed; tools run offline \
             (e.g. `cargo test --offline`, `.venv/bin/python -m pytest`)."
        };
        format!("Commands run in a sandbox with {tools}.{deps}{net}")
    }
}

/// The hosts the egress proxy allows for `repo` under `policy` (none unless the registries
/// mode is on).
fn registries(repo: &Path, policy: &Policy) -> Vec<String> {
    match &policy.registries {
        Some(extra) if !policy.network => egress::registry_hosts(repo, extra),
        _ => Vec::new(),
    }
}
