//! The README's tour is a test: its shell steps run in order, as written, in one bash session
//! against a fresh registry (and a second one for the migration) and a broker started by
//! `scripts/dev-broker.sh`, on free ports that stand in for the README's `localhost:8081`,
//! `localhost:8082` and `localhost:9092`. Outputs the README shows are compared. Its Rust
//! snippets are doctests of this crate (`tests/src/lib.rs`), so a README edit that breaks the
//! tour breaks the build.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::cli_support::{binary, schemata};
use crate::harness::TestRegistry;

/// The whole tour may take this long (the console consumer's first group join on tansu takes
/// up to ~20 s).
const TOUR_LIMIT: Duration = Duration::from_secs(180);

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub(crate) fn readme() -> String {
    std::fs::read_to_string(repo_root().join("README.md")).expect("README.md")
}

/// The fenced blocks of `section` (a `## ` heading, up to the next one) whose info string is
/// `lang`, in order.
pub(crate) fn blocks(markdown: &str, section: &str, lang: &str) -> Vec<String> {
    let start = markdown.find(&format!("\n## {section}\n")).expect("the README section");
    let rest = &markdown[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |at| at + 3);
    let mut found = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in rest[..end].lines() {
        match &mut current {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    current = Some((info.trim().to_owned(), String::new()));
                }
            }
            Some((info, text)) => {
                if line.trim_end() == "```" {
                    if info == lang {
                        found.push(std::mem::take(text));
                    }
                    current = None;
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    found
}

#[test]
fn blocks_are_read_by_section_and_language() {
    let text = "\n## A\n```sh\nx\n```\n```text\ny\n```\n## B\n```sh\nz\n```\n";
    assert_eq!(blocks(text, "A", "sh"), ["x\n"]);
    assert_eq!(blocks(text, "A", "text"), ["y\n"]);
    assert_eq!(blocks(text, "B", "sh"), ["z\n"]);
}

/// The one block that starts the services; the harness starts them instead, on free ports.
fn starts_services(block: &str) -> bool {
    block.contains("scripts/dev-broker.sh") && block.contains("cargo run")
}

/// A broker started exactly as the README says, through `scripts/dev-broker.sh` (tansu must be
/// installed, as for every Kafka test); killed when dropped.
struct DevBroker {
    child: tokio::process::Child,
    bootstrap: String,
}

impl DevBroker {
    async fn start() -> DevBroker {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = tokio::process::Command::new("bash")
            .arg(repo_root().join("scripts/dev-broker.sh"))
            .env("SCHEMATA_BROKER_PORT", port.to_string())
            .env("SCHEMATA_TANSU", crate::broker::tansu())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start scripts/dev-broker.sh");
        let bootstrap = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + crate::harness::WAIT;
        while tokio::net::TcpStream::connect(&bootstrap).await.is_err() {
            assert!(Instant::now() < deadline, "scripts/dev-broker.sh: no broker on {bootstrap}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        DevBroker { child, bootstrap }
    }
}

impl Drop for DevBroker {
    fn drop(&mut self) {
        // The script execs tansu, so this is the broker itself, by its own id.
        let _ = self.child.start_kill();
    }
}

/// A working copy as a fresh clone has it (the files the tour reads), in a git repository whose
/// `origin/main` is its own HEAD.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root();
    for path in ["schemas", "schemata.toml", "examples/tour", "tests/test_data/cli/breaking"] {
        copy(&root.join(path), &dir.path().join(path));
    }
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "tour")
            .env("GIT_AUTHOR_EMAIL", "tour@example.invalid")
            .env("GIT_COMMITTER_NAME", "tour")
            .env("GIT_COMMITTER_EMAIL", "tour@example.invalid")
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "tour"]);
    git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
    dir
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_tour_runs_as_written() {
    let readme = readme();
    let section = "A five-minute tour";
    let all = blocks(&readme, section, "sh");
    let (setup, steps): (Vec<String>, Vec<String>) =
        all.into_iter().partition(|block| starts_services(block));
    assert_eq!(setup.len(), 1, "exactly one block starts the services");
    assert!(steps.len() >= 6, "the tour's shell steps: {steps:#?}");

    let old = TestRegistry::start().await;
    let new = TestRegistry::start().await;
    let broker = DevBroker::start().await;
    let old_addr = old.base.trim_start_matches("http://").to_owned();
    let new_addr = new.base.trim_start_matches("http://").to_owned();
    let substitute = |text: &str| {
        text.replace("localhost:8081", &old_addr)
            .replace("127.0.0.1:8081", &old_addr)
            .replace("localhost:8082", &new_addr)
            .replace("localhost:9092", &broker.bootstrap)
    };

    let dir = workspace();
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(binary(), bin.path().join("schemata")).unwrap();
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
    let mut script = String::from("set -euo pipefail\n");
    for (n, step) in steps.iter().enumerate() {
        script.push_str(&format!("echo '--- tour step {}' >&2\n{}", n + 1, substitute(step)));
    }
    let child = tokio::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("SCHEMATA_REGISTRY_URL")
        .env_remove("SCHEMATA_BOOTSTRAP_SERVERS")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let output = tokio::time::timeout(TOUR_LIMIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("the tour did not finish within {TOUR_LIMIT:?}"))
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the tour failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        output.status
    );

    // Every one-line JSON answer the README shows after a command (`# {...}`) was printed.
    let mut shown = 0;
    for step in &steps {
        for line in step.lines() {
            if let Some(answer) = line.strip_prefix("# {")
                && answer.ends_with('}')
                && serde_json::from_str::<serde_json::Value>(&format!("{{{answer}")).is_ok()
            {
                assert!(stdout.contains(&format!("{{{answer}")), "{{{answer}\n{stdout}");
                shown += 1;
            }
        }
    }
    assert!(shown >= 3, "the README shows registry answers");
    // The migration: the import named the READONLY modes it restored, the rerun wrote nothing,
    // and the new registry holds what the old one did and takes writes.
    assert!(stderr.contains("note: restored the backup's global mode READONLY"), "{stderr}");
    assert!(stderr.contains("schemata mode READWRITE"), "{stderr}");
    assert!(stdout.contains("nothing to import"), "{stdout}");
    assert_eq!(new.get("/subjects").await.body, old.get("/subjects").await.body);
    assert_eq!(new.get("/mode").await.body, json!({"mode": "READWRITE"}));
    assert!(old.get("/subjects").await.body.as_array().is_some_and(|s| s.len() >= 6));
    drop(broker);
}

/// The outputs the README prints for `schemata check`: in `tests/test_data/cli/breaking/`, and
/// over the tour's data contract files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_check_output_is_what_check_prints() {
    let readme = readme();
    let shown = blocks(&readme, "A five-minute tour", "text");
    let contracts =
        ["check", "examples/tour/contracts", "--config", "examples/tour/contracts/schemata.toml"];
    // (a line of the shown block, the folder it runs in, the arguments, the exit code)
    let cases: [(&str, &str, &[&str], i32); 2] = [
        (
            "READER_FIELD_MISSING_DEFAULT_VALUE: reader field 'currency'",
            "tests/test_data/cli/breaking",
            &["check"],
            1,
        ),
        ("PROPERTY_CHANGED: property major changed", ".", &contracts, 0),
    ];
    for (needle, folder, args, code) in cases {
        let expected = shown
            .iter()
            .find(|block| block.contains(needle))
            .unwrap_or_else(|| panic!("the README shows an output with {needle:?}"));
        let output = schemata(args.iter().copied()).cwd(&repo_root().join(folder)).run().await;
        output.expect_code(code);
        assert!(
            output.stdout.contains(expected.as_str()),
            "README:\n{expected}\nprinted:\n{}",
            output.stdout
        );
    }
}

/// The README's Python snippet, run with the reference client against a registry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_python_snippet_registers() {
    let registry = TestRegistry::start().await;
    let snippet = blocks(&readme(), "A five-minute tour", "python");
    assert_eq!(snippet.len(), 1);
    let code = snippet[0].replace("localhost:8081", registry.base.trim_start_matches("http://"));
    let dir = workspace();
    let output = tokio::process::Command::new(crate::python::interpreter())
        .args(["-c", &code])
        .current_dir(dir.path())
        .output();
    let output = tokio::time::timeout(crate::harness::WAIT, output).await.unwrap().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(registry.get("/subjects").await.body, json!(["users-value"]));
}

/// The paging the README describes: lists cut at `--max-list-len` are read whole with
/// `offset`/`limit` pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_answers_cut_at_max_list_len_are_paged_with_offset_and_limit() {
    let registry = TestRegistry::start_with(|config| config.limits.max_list_len = 2).await;
    let names: Vec<String> = (0..5).map(|n| format!("s{n}")).collect();
    for name in &names {
        registry.register_ok(name, "\"string\"").await;
    }
    assert_eq!(registry.get("/subjects").await.body, json!(["s0", "s1"]));
    let mut all = Vec::new();
    for page in 0..10 {
        let body = registry.get(&format!("/subjects?offset={}&limit=2", page * 2)).await.body;
        let items = body.as_array().unwrap().clone();
        let last = items.len() < 2;
        all.extend(items.into_iter().map(|v| v.as_str().unwrap().to_owned()));
        if last {
            break;
        }
    }
    assert_eq!(all, names);
}

/// A global READONLY mode is named as such in the 42205 answer; a subject's own mode names the
/// subject (issue 19: the migration recipe's first write blamed the subject).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refusals_name_the_mode_that_refuses() {
    let registry = TestRegistry::start().await;
    registry.register_ok("a-value", "\"string\"").await;
    assert_eq!(registry.put("/mode", json!({"mode": "READONLY"})).await.status, 200);
    let refused = registry.register("a-value", "\"long\"").await;
    assert_eq!(refused.error_code(), Some(42205), "{}", refused.text);
    assert_eq!(
        refused.body["message"],
        "The registry is in read-only mode (global mode READONLY; subject a-value has no mode of \
         its own)"
    );
    assert_eq!(registry.put("/mode", json!({"mode": "READWRITE"})).await.status, 200);
    assert_eq!(registry.put("/mode/a-value", json!({"mode": "READONLY"})).await.status, 200);
    let refused = registry.delete("/subjects/a-value/versions/1").await;
    assert_eq!(refused.error_code(), Some(42205), "{}", refused.text);
    assert_eq!(refused.body["message"], "Subject a-value is in read-only mode");
}
