//! The real binary in a child process: it reads its flags and config file, serves, stops
//! gracefully on SIGTERM and SIGINT with exit code 0, and a restart on the same data dir finds
//! everything it acknowledged.

use serde_json::json;

use crate::harness::ChildRegistry;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_stops_gracefully_and_restarts_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut first = ChildRegistry::spawn(&data, &[]);
    let id = first
        .register_ok("p", r#"{"type":"record","name":"P","fields":[{"name":"a","type":"int"}]}"#)
        .await;
    first.signal("TERM");
    assert_eq!(first.wait_exit(), Some(0));

    let mut second = ChildRegistry::spawn(&data, &[]);
    assert_eq!(second.get(&format!("/schemas/ids/{id}")).await.status, 200);
    assert_eq!(second.get("/subjects").await.body, json!(["p"]));
    assert_eq!(second.get("/health/ready").await.status, 200);
    second.signal("INT");
    assert_eq!(second.wait_exit(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_reads_its_config_file_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("registry.toml");
    std::fs::write(&file, "max_schema_bytes = 12\nmax_list_len = 1\n").unwrap();
    let child = ChildRegistry::spawn(
        &dir.path().join("data"),
        &["--config", file.to_str().unwrap(), "--max-list-len", "5"],
    );
    // 12 bytes fit "\"string\"" but not a record.
    assert_eq!(child.register("a", "\"string\"").await.status, 200);
    let too_big = child.register("a", r#"{"type":"record","name":"R","fields":[]}"#).await;
    assert_eq!(too_big.error_code(), Some(42209), "{}", too_big.text);
    for subject in ["b", "c"] {
        assert_eq!(child.register(subject, "\"string\"").await.status, 200);
    }
    // The flag (5), not the file (1), bounds list answers.
    assert_eq!(child.get("/subjects").await.body, json!(["a", "b", "c"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_variables_configure_and_flags_win_over_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("registry.toml");
    std::fs::write(&file, "max_schema_bytes = 1000000\n").unwrap();
    let env = [("SCHEMATA_MAX_SCHEMA_BYTES", "12"), ("SCHEMATA_CONFIG", file.to_str().unwrap())];
    let child = ChildRegistry::spawn_with_env(&dir.path().join("a"), &[], &env);
    // The environment (12 bytes) wins over the file it names.
    let too_big = child.register("a", r#"{"type":"record","name":"R","fields":[]}"#).await;
    assert_eq!(too_big.error_code(), Some(42209), "{}", too_big.text);
    let flagged =
        ChildRegistry::spawn_with_env(&dir.path().join("b"), &["--max-schema-bytes", "100"], &env);
    let fits = flagged.register("a", r#"{"type":"record","name":"R","fields":[]}"#).await;
    assert_eq!(fits.status, 200, "{}", fits.text);
}

#[test]
fn bad_config_is_a_usage_error() {
    let status = std::process::Command::new(ChildRegistry::binary())
        .args(["--storage", "tape"])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}
