//! Interop: every derived Avro schema (the snapshot types and the types generated from
//! `schemas/`) parses with Python's fastavro, in one Python process for all of them.
//!
//! The interpreter is `$SCHEMATA_PYTHON` (set by `scripts/test.sh`) or `<repo>/.venv/bin/python`;
//! without either the test fails and says how to create the venv, never skips silently.

use std::path::{Path, PathBuf};
use std::process::Command;

const PARSE_ALL: &str = r#"
import json, pathlib, sys
import fastavro
failures = []
files = sorted(pathlib.Path(sys.argv[1]).glob("*.avsc"))
for path in files:
    try:
        fastavro.parse_schema(json.loads(path.read_text()), _force=True)
    except Exception as err:
        failures.append(f"{path.name}: {type(err).__name__}: {err}")
print(f"parsed {len(files) - len(failures)} of {len(files)}")
for failure in failures:
    print(failure)
sys.exit(1 if failures else 0)
"#;

fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("SCHEMATA_PYTHON") {
        return PathBuf::from(path);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        venv.exists(),
        "no Python for the fastavro interop test: set SCHEMATA_PYTHON, or create the venv with \
         `python3 -m venv .venv && .venv/bin/pip install -r tests/python/requirements.txt` at the \
         repository root (scripts/test.sh does both)"
    );
    venv
}

#[test]
fn fastavro_parses_every_derived_schema() {
    let mut schemas = super::tests::all_avro_schemas();
    schemas.extend(super::codegen_tests::generated());
    let dir = tempfile::tempdir().unwrap();
    for (index, (name, schema)) in schemas.iter().enumerate() {
        let file = dir.path().join(format!("{index:03}-{}.avsc", name.replace('/', "_")));
        std::fs::write(file, schema.to_string()).unwrap();
    }
    let output = Command::new(python())
        .arg("-c")
        .arg(PARSE_ALL)
        .arg(dir.path())
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", python().display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "fastavro refused derived schemas:\n{stdout}\n{stderr}");
    let count = schemas.len();
    assert!(stdout.contains(&format!("parsed {count} of {count}")), "{stdout}");
}
