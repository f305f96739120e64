//! The crate-level default Avro namespace: `[package.metadata.schemata] namespace = "..."` in the
//! manifest of the crate being compiled. Never the module path, so that moving a type between
//! modules cannot rename its schema.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// What a manifest says: its namespace if any, or why it could not be read.
type Lookup = Result<Option<String>, String>;

/// The default namespace of the crate being compiled, read once per manifest and process.
pub(crate) fn crate_default() -> Lookup {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Lookup>>> = OnceLock::new();
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else { return Ok(None) };
    let manifest = PathBuf::from(dir).join("Cargo.toml");
    let mut cache = CACHE.get_or_init(Mutex::default).lock().unwrap_or_else(|e| e.into_inner());
    cache.entry(manifest.clone()).or_insert_with(|| read(&manifest)).clone()
}

fn read(manifest: &std::path::Path) -> Lookup {
    let Ok(text) = std::fs::read_to_string(manifest) else { return Ok(None) };
    let table: toml::Table =
        text.parse().map_err(|err| format!("cannot read {}: {err}", manifest.display()))?;
    let value = table
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("schemata"))
        .and_then(|s| s.get("namespace"));
    match value {
        None => Ok(None),
        Some(toml::Value::String(namespace)) => Ok(Some(namespace.clone())),
        Some(_) => Err(format!(
            "[package.metadata.schemata] namespace in {} must be a string",
            manifest.display()
        )),
    }
}

/// The manifest whose default namespace applies, so the expansion can make rustc track it: a
/// changed namespace must re-expand the derives that used it.
pub(crate) fn manifest_in_use() -> Option<String> {
    match crate_default() {
        Ok(Some(_)) => std::env::var_os("CARGO_MANIFEST_DIR")
            .map(|dir| PathBuf::from(dir).join("Cargo.toml").to_string_lossy().into_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
