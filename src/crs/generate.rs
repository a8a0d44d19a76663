//! Making a CRS: gather repository context and ask the model for a schema-checked CRS; the
//! caller ([`crate::pipeline`]) records it. Also loading one back from a file or the history.

use std::path::Path;
use std::time::Instant;

use crate::clock::Clock;
use crate::config::Config;
use crate::context::{self, Context};
use crate::error::Error;
use crate::llm::{self, Client, Message, Progress, StructuredRequest, Usage};
use crate::store::{CrsRecord, Store, Table};

use super::{schema, Crs};

/// Output limit of a CRS answer.
const MAX_OUTPUT_TOKENS: u32 = 4096;

/// The start of every request about a repository: the same for the CRS and the plan, so a
/// server with prompt caching reads it from its cache the second time.
const PREAMBLE: &str = "You are vibe, a senior software engineer working in the repository described below. \
The task follows in the user's message.";

/// The system message of a request about the repository at `root`: the preamble, the
/// repository context and what the sandbox can run. Requests sharing a context share it.
pub(crate) fn repository_message(config: &Config, root: &Path, context: &Context) -> String {
    format!("{PREAMBLE}\n\n{}\n\nSandbox: {}", context.text, crate::sandbox::environment_note(config, root))
}

/// Estimated prompt tokens of the CRS request for `prompt` with `context`: the repository
/// message (which the plan request repeats at its start) and the task after it.
pub fn request_tokens(config: &Config, root: &Path, prompt: &str, context: &Context) -> (usize, usize) {
    let repository = llm::tokens::estimate_message(&repository_message(config, root, context));
    let task = llm::tokens::estimate_message(&format!("{TASK}\n\nChange request:\n{}", prompt.trim()));
    (repository, task)
}

const TASK: &str = "Write a Change Request Specification (CRS) \
for the change the user asks for in the repository described above. A CRS says what must change and how we \
will know it is done — not how to implement it. Be specific to this repository: name the real files, modules \
and commands you see in the context. Every acceptance criterion must be checkable by running a command or a \
test, or by an observable behaviour; number them AC1, AC2, … Keep non-goals, constraints, risks and open \
questions short, and use empty lists when there are none.";

/// A generated CRS, not yet recorded.
#[derive(Debug, Clone)]
pub struct CrsOutcome {
    /// The row to write to `crs_records`.
    pub record: CrsRecord,
    /// The CRS.
    pub crs: Crs,
    /// The repository context that was sent.
    pub context: Context,
    /// Tokens and cost of every call made.
    pub usage: Usage,
}

/// Where a record belongs: the repository, its GitHub identity, the logged-in user.
#[derive(Debug, Clone, Default)]
pub struct Owner {
    pub repo_path: Option<String>,
    pub github_host: Option<String>,
    pub repo_full_name: Option<String>,
    pub user_id: Option<String>,
}

impl Owner {
    /// The owner of records made in the repository at `root`.
    pub fn of(config: &Config, store: &Store, root: &Path) -> Result<Owner, Error> {
        let host = crate::github::host_of(&config.github.url);
        let origin = crate::github::push::origin(root, &host).ok().flatten();
        Ok(Owner {
            repo_path: Some(root.display().to_string()),
            github_host: origin.as_ref().map(|o| o.host.clone()),
            repo_full_name: origin.as_ref().map(|o| o.full_name()),
            user_id: store.current_user()?.map(|u| u.id),
        })
    }
}

/// Tokens as stored (SQLite integers).
pub(crate) fn tokens_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// What of the repository a CRS is written from, when it is at hand already (else the
/// repository in `config.repo` is walked).
#[derive(Default)]
pub struct Input<'a> {
    /// A walk of the repository.
    pub snapshot: Option<&'a context::Snapshot>,
    /// The context gathered from it for this prompt.
    pub gathered: Option<context::Context>,
}

/// Generates a CRS for `prompt` from the repository in `config.repo` (or what of it `input`
/// holds) and returns it with the record to keep for `owner`; it writes nothing.
pub async fn generate(
    client: &Client,
    config: &Config,
    owner: &Owner,
    clock: &Clock,
    prompt: &str,
    input: Input<'_>,
    progress: Progress<'_>,
) -> Result<CrsOutcome, Error> {
    let Input { snapshot, gathered } = input;
    let root = config.require_repo()?.to_path_buf();
    let prompt = prompt.trim();
    if prompt.is_empty() {
        return Err(
            Error::usage("the change request is empty").with_hint("describe the change in plain words")
        );
    }
    let started = Instant::now();
    let owner = owner.clone();
    let context = match gathered {
        Some(context) => context,
        None => context::gather_with(&root, snapshot, prompt, config.context_max_tokens)?,
    };
    let req = StructuredRequest {
        model: config.model.name.clone(),
        messages: vec![
            Message::system(repository_message(config, &root, &context)),
            Message::user(format!("{TASK}\n\nChange request:\n{prompt}")),
        ],
        name: "crs".into(),
        schema: schema::schema(),
        max_output_tokens: Some(MAX_OUTPUT_TOKENS),
        temperature: Some(0.2),
        stream: true,
    };
    let no_checks = |_: &Crs| Vec::new();
    let out = client.structured_prepared::<Crs>(&req, &schema::renumber, &no_checks, progress).await?;
    let now = clock.now_ts();
    let crs = out.value;
    let stored =
        schema::stored(&crs, &schema::original_ids(&out.json)).map_err(|e| Error::failure(e.to_string()))?;
    let record = CrsRecord {
        id: crate::store::new_id(),
        user_id: owner.user_id,
        github_host: owner.github_host,
        repo_full_name: owner.repo_full_name,
        repo_path: owner.repo_path,
        prompt: prompt.to_string(),
        summary: Some(crs.summary.clone()),
        crs_json: stored.to_string(),
        model: Some(out.usage.model.clone()),
        prompt_tokens: Some(tokens_i64(out.usage.prompt_tokens)),
        completion_tokens: Some(tokens_i64(out.usage.completion_tokens)),
        tokens_used: Some(tokens_i64(out.usage.total())),
        cost_usd: Some(out.usage.cost_usd),
        processing_time_ms: Some(started.elapsed().as_millis() as i64),
        created_at: now.clone(),
        updated_at: now,
    };
    Ok(CrsOutcome { record, crs, context, usage: out.usage })
}

/// A CRS given as a file (JSON, as `vibe crs --out x.json` writes) or as the id (or id
/// prefix) of a recorded one. A CRS from a file is recorded first, so plans can link to it.
pub fn load(config: &Config, store: &mut Store, clock: &Clock, arg: &str) -> Result<(CrsRecord, Crs), Error> {
    let path = if Path::new(arg).is_absolute() { Path::new(arg).to_path_buf() } else { config.cwd.join(arg) };
    if path.is_file() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::failure(format!("cannot read {}: {e}", path.display())))?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            Error::usage(format!("{} is not a JSON CRS: {e}", path.display())).with_hint(
                "write one with `vibe crs \"…\" --out crs.json`, or pass a CRS id from `vibe history`",
            )
        })?;
        // Accept both the bare CRS and `vibe crs --json` output ({"crs": {...}, ...}).
        let mut doc =
            if value.get("crs").is_some_and(|c| c.is_object()) { value["crs"].clone() } else { value };
        let originals = schema::original_ids(&doc);
        schema::renumber(&mut doc);
        let errors = llm::schema::validate(&doc, &schema::schema());
        if !errors.is_empty() {
            return Err(bad_file(&path, &errors.join("; ")));
        }
        let crs: Crs = serde_json::from_value(doc).map_err(|e| bad_file(&path, &e.to_string()))?;
        let stored = schema::stored(&crs, &originals).map_err(|e| Error::failure(e.to_string()))?;
        let root = config.require_repo()?.to_path_buf();
        let owner = Owner::of(config, store, &root)?;
        let now = clock.now_ts();
        let record = CrsRecord {
            id: crate::store::new_id(),
            user_id: owner.user_id,
            github_host: owner.github_host,
            repo_full_name: owner.repo_full_name,
            repo_path: owner.repo_path,
            prompt: crs.summary.clone(),
            summary: Some(crs.summary.clone()),
            crs_json: stored.to_string(),
            model: None,
            prompt_tokens: None,
            completion_tokens: None,
            tokens_used: None,
            cost_usd: None,
            processing_time_ms: None,
            created_at: now.clone(),
            updated_at: now,
        };
        store.insert_crs(&record)?;
        return Ok((record, crs));
    }
    let looks_like_id = !arg.is_empty() && arg.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    if !looks_like_id {
        return Err(Error::usage(format!("no such file: {}", path.display()))
            .with_hint("pass a CRS JSON file or a CRS id (see `vibe history`)"));
    }
    let id = store.resolve_id(Table::Crs, arg)?;
    let record = store.crs(&id)?;
    let crs: Crs = serde_json::from_str(&record.crs_json)
        .map_err(|e| Error::failure(format!("CRS {id} is stored in a form this vibe cannot read: {e}")))?;
    Ok((record, crs))
}

fn bad_file(path: &Path, why: &str) -> Error {
    Error::usage(format!("{} is not a valid CRS: {why}", path.display()))
        .with_hint("fix the file, or generate one with `vibe crs \"…\" --out crs.json`")
}
