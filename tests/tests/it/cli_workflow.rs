//! The GitHub Actions example (`examples/github-actions/schemata-check.yml`) as written: its
//! install command and its check command, read from the file and run against this checkout.
//!
//! Tests cannot reach crates.io, so the install is the workflow's own "from a checkout" line
//! (`cargo install --path cli ...`, checked to be the crates.io line with `--path cli` for the
//! package name), run with `--offline` (the workspace lockfile pins everything, and `--locked`
//! holds it to that), `--root` a temporary folder, and `--debug`: a release build of the CLI takes
//! minutes on a 2-core machine, a debug build of the same package and features a fraction of that
//! after the first run (its target folder, `target/workflow-install`, is kept between runs, and
//! is separate from the test build's, which `cargo test` holds locked while tests run). The
//! installed binary then runs the workflow's check step verbatim on a git repository holding this
//! checkout's `schemas/` and `schemata.toml` with an `origin/main` ref, as `actions/checkout`
//! with `fetch-depth: 0` leaves it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli_check::Project;
use crate::cli_support::schemata;

const WORKFLOW: &str = "examples/github-actions/schemata-check.yml";
/// A first debug build of the CLI without Kafka on a busy 2-core machine, with room to spare.
const INSTALL_WITHIN: Duration = Duration::from_secs(30 * 60);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The workflow's lines, comment markers and YAML indentation stripped.
fn workflow_lines() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join(WORKFLOW)).unwrap();
    text.lines().map(|line| line.trim().trim_start_matches("# ").to_owned()).collect()
}

/// The one line starting with `prefix`.
fn line_starting(lines: &[String], prefix: &str) -> String {
    let found: Vec<&String> = lines.iter().filter(|line| line.starts_with(prefix)).collect();
    assert_eq!(found.len(), 1, "{WORKFLOW}: lines starting with {prefix:?}: {found:?}");
    found[0].clone()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn the_github_workflow_installs_our_cli_and_checks() {
    let lines = workflow_lines();
    let from_registry = line_starting(&lines, "cargo install schemata-cli");
    let from_checkout = line_starting(&lines, "cargo install --path cli");
    assert_eq!(from_checkout.replace("--path cli", "schemata-cli"), from_registry);
    let check = line_starting(&lines, "run: schemata check");
    let check: Vec<&str> = check.trim_start_matches("run: ").split_whitespace().collect();
    assert_eq!(check[0], "schemata", "{check:?}");

    // The install, as the workflow writes it, plus the offline and test-local options above.
    let root = tempfile::tempdir().unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut install = tokio::process::Command::new(cargo);
    install
        .args(from_checkout.split_whitespace().skip(1))
        .args(["--offline", "--debug", "--quiet", "--root"])
        .arg(root.path())
        .current_dir(repo_root())
        .env("CARGO_TARGET_DIR", repo_root().join("target/workflow-install"))
        // No debug info: the kept folder stays a fraction of the size; what is built is the same.
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .kill_on_drop(true);
    let output = tokio::time::timeout(INSTALL_WITHIN, install.output())
        .await
        .unwrap_or_else(|_| panic!("{from_checkout} did not finish within {INSTALL_WITHIN:?}"))
        .unwrap();
    assert!(
        output.status.success(),
        "{from_checkout}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let installed = root.path().join("bin/schemata");

    // The pull request's base: this checkout's schemas, committed on main, fetched as origin/main.
    let project = Project::new();
    copy_dir(&repo_root().join("schemas"), &project.path().join("schemas"));
    std::fs::copy(repo_root().join("schemata.toml"), project.path().join("schemata.toml")).unwrap();
    project.git(&["init", "-q"]).await;
    project.commit_all("base").await;
    project.git(&["update-ref", "refs/remotes/origin/main", "HEAD"]).await;
    let run = || schemata(check[1..].iter().copied()).program(&installed).cwd(project.path()).run();

    // Nothing changed: compatible, exit 0, no annotations.
    let clean = run().await;
    clean.expect_code(0);
    assert!(!clean.stdout.contains("::error"), "{}", clean.stdout);

    // A pull request narrowing users-value's `user_id` (long to int) in a new version: exit 1
    // and an error annotation on the new file.
    let v2 = std::fs::read_to_string(project.path().join("schemas/users-value/v2.avsc")).unwrap();
    let narrowed = v2.replacen(
        "\"name\": \"user_id\",\n      \"type\": \"long\"",
        "\"name\": \"user_id\",\n      \"type\": \"int\"",
        1,
    );
    assert_ne!(narrowed, v2, "users-value v2 no longer spells user_id as expected");
    project.write("schemas/users-value/v3.avsc", narrowed);
    let breaking = run().await;
    breaking.expect_code(1);
    assert!(
        breaking.stdout.contains("::error file=schemas/users-value/v3.avsc"),
        "{}",
        breaking.stdout
    );

    // Built without Kafka: the console commands say so instead of failing on their arguments.
    let produce = schemata(["produce", "--topic", "t"]).program(&installed).run().await;
    produce.expect_code(2);
    assert!(produce.stderr.contains("built without it (feature `kafka`)"), "{}", produce.stderr);
}
