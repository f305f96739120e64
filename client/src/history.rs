//! The schema-history check users call from `cargo test`: a type's derived schema must stay
//! compatible, at a chosen level, with the versions committed under `schemas/<subject>/`, so that
//! breaking changes fail on a laptop rather than at the registry. With `SCHEMATA_WRITE_SCHEMAS=1`
//! a changed (and compatible) schema is written as the next version, to be reviewed and committed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::Schema;
use schemata_core::{CompatibilityLevel, Incompatibility, ParseError, SchemaType};

/// The environment variable that asks the check to write new versions.
pub const WRITE_ENV: &str = "SCHEMATA_WRITE_SCHEMAS";

/// What the check found when the schema is compatible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The derived schema is the latest committed version.
    Unchanged {
        /// That version's number.
        version: u32,
    },
    /// The derived schema is new and compatible; it was not written (set `SCHEMATA_WRITE_SCHEMAS=1`).
    Pending {
        /// The number it would be written as.
        next_version: u32,
    },
    /// The derived schema was written as a new version.
    Written {
        /// Its number.
        version: u32,
        /// The file written.
        path: PathBuf,
    },
}

/// Why the check failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// The history folder holds no version yet.
    #[error(
        "no schema history in {}: run the test with {WRITE_ENV}=1 to write {first}",
        dir.display()
    )]
    Missing {
        /// The history folder.
        dir: PathBuf,
        /// The file the first version would be written to.
        first: String,
    },
    /// A file or folder could not be read or written.
    #[error("cannot access {}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A committed version does not parse.
    #[error("{} is not a valid schema: {source}", path.display())]
    Invalid {
        /// The version's file.
        path: PathBuf,
        /// Why.
        source: ParseError,
    },
    /// The type's own schema does not parse (a bug in the derive or a hand-written impl).
    #[error("the derived schema of {type_name} is not valid: {source}")]
    InvalidDerived {
        /// The Rust type.
        type_name: String,
        /// Why.
        source: ParseError,
    },
    /// The type's schema breaks the history at the level.
    #[error("the derived schema of {type_name} is not {level} compatible with {}:\n{details}", dir.display())]
    Incompatible {
        /// The Rust type.
        type_name: String,
        /// The level checked.
        level: CompatibilityLevel,
        /// The history folder.
        dir: PathBuf,
        /// Every finding, by version.
        incompatibilities: Vec<Incompatibility>,
        /// The findings as text, one per line.
        details: String,
    },
}

/// Whether the environment asks for new versions to be written.
fn write_requested() -> bool {
    std::env::var(WRITE_ENV).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Panics with every finding unless `T`'s Avro schema is compatible with the history in `dir`
/// (`vN.avsc` files) at `level`. Writes a new version when `SCHEMATA_WRITE_SCHEMAS` is set (to
/// anything but `0`).
#[track_caller]
pub fn assert_compatible<T: Schema>(dir: impl AsRef<Path>, level: CompatibilityLevel) -> Outcome {
    match check::<T>(dir.as_ref(), level, write_requested()) {
        Ok(outcome) => outcome,
        Err(err) => panic!("{err}"),
    }
}

/// As [`assert_compatible`] for `T`'s JSON Schema and a history of `vN.json` files.
#[track_caller]
pub fn assert_json_compatible<T: Schema>(
    dir: impl AsRef<Path>,
    level: CompatibilityLevel,
) -> Outcome {
    match check_json::<T>(dir.as_ref(), level, write_requested()) {
        Ok(outcome) => outcome,
        Err(err) => panic!("{err}"),
    }
}

/// The Avro check itself, with the write decision explicit.
pub fn check<T: Schema>(
    dir: &Path,
    level: CompatibilityLevel,
    write: bool,
) -> Result<Outcome, HistoryError> {
    check_schema(SchemaType::Avro, T::avro_schema(), T::full_name(), dir, level, write)
}

/// The JSON Schema check itself, with the write decision explicit.
pub fn check_json<T: Schema>(
    dir: &Path,
    level: CompatibilityLevel,
    write: bool,
) -> Result<Outcome, HistoryError> {
    check_schema(SchemaType::Json, T::json_schema(), T::full_name(), dir, level, write)
}

fn extension(schema_type: SchemaType) -> &'static str {
    match schema_type {
        SchemaType::Json => "json",
        _ => "avsc",
    }
}

fn check_schema(
    schema_type: SchemaType,
    schema: &serde_json::Value,
    type_name: &str,
    dir: &Path,
    level: CompatibilityLevel,
    write: bool,
) -> Result<Outcome, HistoryError> {
    let extension = extension(schema_type);
    let text = serde_json::to_string_pretty(schema).unwrap_or_default() + "\n";
    let derived = schemata_core::Schema::parse(schema_type, &text).map_err(|source| {
        HistoryError::InvalidDerived { type_name: type_name.to_owned(), source }
    })?;
    let versions = read_versions_with(dir, extension)?;
    let next_version = versions.last().map_or(1, |(v, _, _)| v + 1);
    if versions.is_empty() && !write {
        return Err(HistoryError::Missing {
            dir: dir.to_owned(),
            first: format!("v1.{extension}"),
        });
    }
    let mut history = Vec::new();
    for (_, path, text) in versions.iter().rev() {
        let schema = schemata_core::Schema::parse(schema_type, text)
            .map_err(|source| HistoryError::Invalid { path: path.clone(), source })?;
        history.push(schema);
    }
    if let (Some(latest), Some((version, _, _))) = (history.first(), versions.last())
        && latest.normalized() == derived.normalized()
    {
        return Ok(Outcome::Unchanged { version: *version });
    }
    let newest_first: Vec<_> = history.iter().collect();
    let report = schemata_core::compat::check(level, &derived, &newest_first);
    if !report.is_compatible() {
        let mut details = String::new();
        for incompatibility in &report.incompatibilities {
            let (version, _, _) = &versions[versions.len() - 1 - incompatibility.against];
            let finding = &incompatibility.finding;
            let _ = writeln!(
                details,
                "  v{version} ({:?}): {} at '{}': {}",
                incompatibility.direction, finding.rule, finding.path, finding.message
            );
        }
        return Err(HistoryError::Incompatible {
            type_name: type_name.to_owned(),
            level,
            dir: dir.to_owned(),
            incompatibilities: report.incompatibilities,
            details,
        });
    }
    if !write {
        return Ok(Outcome::Pending { next_version });
    }
    let path = dir.join(format!("v{next_version}.{extension}"));
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, text))
        .map_err(|source| HistoryError::Io { path: path.clone(), source })?;
    Ok(Outcome::Written { version: next_version, path })
}

/// `vN.avsc` files of `dir`, oldest first, with their text. A missing directory is no history.
pub fn read_versions(dir: &Path) -> Result<Vec<(u32, PathBuf, String)>, HistoryError> {
    read_versions_with(dir, "avsc")
}

/// `vN.<extension>` files of `dir`, oldest first, with their text.
pub fn read_versions_with(
    dir: &Path,
    extension: &str,
) -> Result<Vec<(u32, PathBuf, String)>, HistoryError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(HistoryError::Io { path: dir.to_owned(), source }),
    };
    let mut versions = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| HistoryError::Io { path: dir.to_owned(), source })?;
        let path = entry.path();
        let Some(version) = path.file_name().and_then(|n| n.to_str()).and_then(|n| {
            n.strip_prefix('v')?.strip_suffix(extension)?.strip_suffix('.')?.parse::<u32>().ok()
        }) else {
            continue;
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|source| HistoryError::Io { path: path.clone(), source })?;
        versions.push((version, path, text));
    }
    versions.sort_by_key(|(version, _, _)| *version);
    Ok(versions)
}

#[cfg(test)]
mod tests;
