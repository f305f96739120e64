//! The history check on a temporary `schemas/` folder, written and evolved by three versions of
//! one type; and the committed example histories, which must each be BACKWARD_TRANSITIVE.

use std::path::Path;

use serde::Serialize;

use super::{HistoryError, Outcome, check, check_json, read_versions, read_versions_with};
use schemata_core::{CompatibilityLevel, SchemaType};

#[derive(Serialize, crate::Schema)]
#[schemata(namespace = "com.acme.history", name = "Evolving")]
struct V1 {
    id: String,
}

/// Adds an optional field: BACKWARD compatible.
#[derive(Serialize, crate::Schema)]
#[schemata(namespace = "com.acme.history", name = "Evolving")]
struct V2 {
    id: String,
    note: Option<String>,
}

/// Changes a field's type: incompatible in both directions.
#[derive(Serialize, crate::Schema)]
#[schemata(namespace = "com.acme.history", name = "Evolving")]
struct V3 {
    id: bool,
    note: Option<String>,
}

#[test]
fn missing_history_asks_to_write_v1() {
    let dir = tempfile::tempdir().unwrap();
    let subject = dir.path().join("evolving-value");
    let err = check::<V1>(&subject, CompatibilityLevel::Backward, false).unwrap_err();
    assert!(matches!(err, HistoryError::Missing { .. }), "{err}");
    assert!(err.to_string().contains("SCHEMATA_WRITE_SCHEMAS=1"), "{err}");
}

#[test]
fn evolution_is_written_checked_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let subject = dir.path().join("evolving-value");
    let level = CompatibilityLevel::Backward;

    let first = check::<V1>(&subject, level, true).unwrap();
    assert_eq!(first, Outcome::Written { version: 1, path: subject.join("v1.avsc") });
    assert_eq!(check::<V1>(&subject, level, false).unwrap(), Outcome::Unchanged { version: 1 });

    assert_eq!(check::<V2>(&subject, level, false).unwrap(), Outcome::Pending { next_version: 2 });
    assert!(matches!(
        check::<V2>(&subject, level, true).unwrap(),
        Outcome::Written { version: 2, .. }
    ));
    assert_eq!(check::<V2>(&subject, level, false).unwrap(), Outcome::Unchanged { version: 2 });

    let err = check::<V3>(&subject, level, true).unwrap_err();
    let HistoryError::Incompatible { incompatibilities, details, .. } = &err else {
        panic!("expected an incompatibility, got {err}");
    };
    assert!(!incompatibilities.is_empty());
    assert!(details.contains("v2"), "{details}");
    // Nothing was written for the refused version.
    assert_eq!(read_versions(&subject).unwrap().len(), 2);
}

#[test]
fn json_schema_history_is_checked_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let subject = dir.path().join("evolving-json-value");
    let level = CompatibilityLevel::Backward;
    let err = check_json::<V1>(&subject, level, false).unwrap_err();
    assert!(err.to_string().contains("v1.json"), "{err}");
    let first = check_json::<V1>(&subject, level, true).unwrap();
    assert_eq!(first, Outcome::Written { version: 1, path: subject.join("v1.json") });
    assert_eq!(
        check_json::<V1>(&subject, level, false).unwrap(),
        Outcome::Unchanged { version: 1 }
    );
    // A field whose type changed from string to boolean breaks BACKWARD; nothing is written.
    let err = check_json::<V3>(&subject, level, true).unwrap_err();
    assert!(matches!(err, HistoryError::Incompatible { .. }), "{err}");
    assert_eq!(read_versions_with(&subject, "json").unwrap().len(), 1);
    // The Avro history of the same folder is separate.
    assert!(read_versions(&subject).unwrap().is_empty());
}

fn schemas_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

/// `vN.<extension>` files of a subject folder, oldest first, parsed.
fn history(
    dir: &Path,
    extension: &str,
    schema_type: SchemaType,
) -> Vec<(u32, schemata_core::Schema)> {
    let mut versions = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(version) = name
            .strip_prefix('v')
            .and_then(|n| n.strip_suffix(extension))
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let schema = schemata_core::Schema::parse(schema_type, &text)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        versions.push((version, schema));
    }
    versions.sort_by_key(|(version, _)| *version);
    versions
}

#[test]
fn committed_histories_are_backward_transitive() {
    let mut subjects = 0;
    for entry in std::fs::read_dir(schemas_dir()).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        subjects += 1;
        let mut versions = history(&dir, ".avsc", SchemaType::Avro);
        versions.extend(history(&dir, ".json", SchemaType::Json));
        assert!(!versions.is_empty(), "{} has no versions", dir.display());
        for index in 1..versions.len() {
            let older: Vec<_> = versions[..index].iter().rev().map(|(_, s)| s).collect();
            let (version, new) = &versions[index];
            let report =
                schemata_core::compat::check(CompatibilityLevel::BackwardTransitive, new, &older);
            assert!(
                report.is_compatible(),
                "{} v{version} breaks its history: {:?}",
                dir.display(),
                report.incompatibilities
            );
        }
    }
    assert!(subjects >= 4, "expected the example subjects in {}", schemas_dir().display());
}
