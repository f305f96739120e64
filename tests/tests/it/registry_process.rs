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

/// An invalid log filter is refused at start (exit 2, a sentence naming it), never a registry
/// that runs silently; a valid one starts.
#[test]
fn invalid_log_filters_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, env, expected) in [
        (Some("verbose"), None, "--log \"verbose\": 'verbose' is not a level"),
        (Some("info,schemata=loud"), None, "is not a valid log filter"),
        (None, Some("debug,chatty"), "RUST_LOG \"debug,chatty\": 'chatty' is not a level"),
    ] {
        let mut command = std::process::Command::new(ChildRegistry::binary());
        command.args(["--storage", "memory", "--listen", "127.0.0.1:0"]).env_remove("RUST_LOG");
        command.env_remove("SCHEMATA_LOG");
        if let Some(flag) = flag {
            command.args(["--log", flag]);
        }
        if let Some(env) = env {
            command.env("RUST_LOG", env);
        }
        let output = command.current_dir(dir.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag:?} {env:?}: {stderr}");
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    let child =
        ChildRegistry::spawn(&dir.path().join("data"), &["--log", "warn,schemata_registry=info"]);
    drop(child);
}

/// `--help` says what each limit does and its default.
#[test]
fn help_describes_every_limit_with_its_default() {
    let output =
        std::process::Command::new(ChildRegistry::binary()).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for (flag, default) in [
        ("--max-body-bytes", "[default: 4194304 (4 MiB)]"),
        ("--max-schema-bytes", "[default: 1048576 (1 MiB)]"),
        ("--max-reference-depth", "[default: 32]"),
        ("--max-list-len", "[default: 100000]"),
        ("--max-subject-bytes", "[default: 1024]"),
        ("--parsed-cache-len", "[default: 1024]"),
        ("--write-queue-len", "[default: 4096]"),
        ("--request-timeout-ms", "[default: 30000]"),
        ("--max-check-steps", "[default: 2000000]"),
        ("--max-concurrent-checks", "[default: 64]"),
        ("--max-connections", "[default: 1024]"),
        ("--header-read-timeout-ms", "[default: 10000]"),
        ("--body-read-timeout-ms", "[default: 10000]"),
        ("--max-header-bytes", "[default: 65536]"),
    ] {
        let at = help.find(flag).unwrap_or_else(|| panic!("{flag} missing from --help:\n{help}"));
        let section = &help[at..];
        let next = section[flag.len()..].find("\n  -").map_or(section.len(), |n| n + flag.len());
        assert!(section[..next].contains(default), "{flag}: {}", &section[..next]);
    }
}
