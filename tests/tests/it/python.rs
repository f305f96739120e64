//! Running the Python reference client (confluent-kafka in the venv that `scripts/test.sh`
//! builds) from tests, bounded in time. A missing venv is a failure with instructions, never a
//! silent skip.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The venv's interpreter: `$SCHEMATA_PYTHON`, else `<repo>/.venv/bin/python`.
pub(crate) fn interpreter() -> PathBuf {
    if let Some(path) = std::env::var_os("SCHEMATA_PYTHON") {
        return PathBuf::from(path);
    }
    let default = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        default.exists(),
        "the Python interop venv is missing: run scripts/test.sh (it creates .venv with \
         confluent-kafka) or set SCHEMATA_PYTHON to a python that has confluent-kafka[avro,json,schemaregistry]"
    );
    default
}

/// What a Python script printed and how it exited.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `tests/python/<script>` with `args` off the async workers, within two minutes, asserts
/// it succeeded and answers the JSON report it printed on stdout.
pub(crate) async fn report(script: &'static str, args: Vec<String>) -> serde_json::Value {
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(script, &args, Duration::from_secs(120))
    })
    .await
    .unwrap();
    assert_eq!(output.code, Some(0), "stdout:\n{}\nstderr:\n{}", output.stdout, output.stderr);
    serde_json::from_str(output.stdout.trim())
        .unwrap_or_else(|e| panic!("{script}: not a JSON report ({e}): {}", output.stdout))
}

/// Runs `tests/python/<script>` with `args`, killing it after `limit`.
pub(crate) fn run(script: &str, args: &[&str], limit: Duration) -> Output {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python").join(script);
    let mut child = Command::new(interpreter())
        .arg(&path)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start python for {script}: {e}"));
    // Drain both pipes on threads so a chatty script cannot block on a full pipe.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + limit;
    let code = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{script} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { code, stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() }
}
