//! The history check on a temporary `schemas/` folder, written and evolved by three versions of
//! one type; and the committed example histories, which must each be BACKWARD_TRANSITIVE.

use std::path::Path;

use serde::Serialize;

use super::{HistoryError, Outcome, check, read_versions};
use crate::core::{CompatibilityLevel, SchemaType};

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

fn schemas_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
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
        let versions = read_versions(&dir).unwrap();
        assert!(!versions.is_empty(), "{} has no versions", dir.display());
        let parsed: Vec<_> = versions
            .iter()
            .map(|(_, path, text)| {
                crate::core::Schema::parse(SchemaType::Avro, text)
                    .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
            })
            .collect();
        for (index, new) in parsed.iter().enumerate().skip(1) {
            let older: Vec<_> = parsed[..index].iter().rev().collect();
            let report =
                crate::core::compat::check(CompatibilityLevel::BackwardTransitive, new, &older);
            assert!(
                report.is_compatible(),
                "{} v{} breaks its history: {:?}",
                dir.display(),
                versions[index].0,
                report.incompatibilities
            );
        }
    }
    assert!(subjects >= 3, "expected the example subjects in {}", schemas_dir().display());
}
