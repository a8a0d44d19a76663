//! Small JSON files vibe keeps under `VIBE_HOME/cache` (the sandbox probe, the context walk):
//! written whole through a temporary file and a rename, so concurrent vibe processes never
//! read a half-written one.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

/// Writes `value` as JSON to `file`, replacing it at once; makes its directory if needed.
pub fn write_json<T: Serialize>(file: &Path, value: &T) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(&serde_json::to_vec(value).map_err(std::io::Error::other)?)?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}
