//! Interop: every derived Avro schema (the snapshot types and the types generated from
//! `schemas/`) parses with Python's fastavro, and every value our codec encodes under a derived
//! schema decodes there (to the same JSON where Avro's and serde's JSON agree) and re-encodes to
//! the same bytes; all in one Python process.
//!
//! The interpreter is `$SCHEMATA_PYTHON` (set by `scripts/test.sh`) or `<repo>/.venv/bin/python`;
//! without either the test fails and says how to create the venv, never skips silently.

use std::path::{Path, PathBuf};
use std::process::Command;

const CHECK_ALL: &str = r#"
import io, json, pathlib, sys
import fastavro
root = pathlib.Path(sys.argv[1])
failures = []
files = sorted((root / "schemas").glob("*.avsc"))
for path in files:
    try:
        fastavro.parse_schema(json.loads(path.read_text()), _force=True)
    except Exception as err:
        failures.append(f"{path.name}: {type(err).__name__}: {err}")
print(f"parsed {len(files) - len(failures)} of {len(files)}")
values = sorted((root / "values").glob("*.bin"))
for path in values:
    try:
        schema = fastavro.parse_schema(json.loads(path.with_suffix(".avsc").read_text()), _force=True)
        data = path.read_bytes()
        decoded = fastavro.schemaless_reader(io.BytesIO(data), schema)
        expected = path.with_suffix(".json")
        if expected.exists() and decoded != json.loads(expected.read_text()):
            failures.append(f"{path.name}: decoded {decoded!r}, expected {expected.read_text()}")
        out = io.BytesIO()
        fastavro.schemaless_writer(out, schema, decoded)
        if out.getvalue() != data:
            failures.append(f"{path.name}: re-encoded {out.getvalue().hex()} from {data.hex()}")
    except Exception as err:
        failures.append(f"{path.name}: {type(err).__name__}: {err}")
print(f"checked {len(values)} values")
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
fn fastavro_reads_every_derived_schema_and_our_values() {
    let mut schemas = super::tests::all_avro_schemas();
    schemas.extend(super::codegen_tests::generated());
    let (samples, _) = super::tests::roundtrip::samples();
    let dir = tempfile::tempdir().unwrap();
    let (schema_dir, value_dir) = (dir.path().join("schemas"), dir.path().join("values"));
    std::fs::create_dir_all(&schema_dir).unwrap();
    std::fs::create_dir_all(&value_dir).unwrap();
    for (index, (name, schema)) in schemas.iter().enumerate() {
        let file = schema_dir.join(format!("{index:03}-{}.avsc", name.replace('/', "_")));
        std::fs::write(file, schema.to_string()).unwrap();
    }
    for (index, sample) in samples.iter().enumerate() {
        let base = value_dir.join(format!("{index:03}-{}", sample.name));
        std::fs::write(base.with_extension("avsc"), sample.schema.to_string()).unwrap();
        std::fs::write(base.with_extension("bin"), &sample.bytes).unwrap();
        if let Some(json) = &sample.json {
            std::fs::write(base.with_extension("json"), json.to_string()).unwrap();
        }
    }
    let output = Command::new(python())
        .arg("-c")
        .arg(CHECK_ALL)
        .arg(dir.path())
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", python().display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "fastavro disagrees:\n{stdout}\n{stderr}");
    let count = schemas.len();
    assert!(stdout.contains(&format!("parsed {count} of {count}")), "{stdout}");
    assert!(stdout.contains(&format!("checked {} values", samples.len())), "{stdout}");
}
