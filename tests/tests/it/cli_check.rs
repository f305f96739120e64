//! `schemata check` as CI runs it: the built binary on temporary git repositories and folders
//! (offline) and against a real registry (online), with exit code, stdout and stderr compared to
//! snapshot files under `tests/test_data/cli/expected/` for every output format. Run with
//! `UPDATE_EXPECT=1` to rewrite the snapshots, then review the diff.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli_support::{Output, schemata};
use crate::harness::{TestRegistry, WAIT};

pub(crate) const FORMATS: [&str; 4] = ["text", "json", "github", "junit"];

pub(crate) fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/cli")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Compares a run with `expected/<name>`: exit code, stdout and stderr in one file, after
/// replacing each `(from, to)` (temporary paths, registry URLs). `UPDATE_EXPECT=1` rewrites it.
#[track_caller]
pub(crate) fn snapshot(name: &str, output: &Output, replace: &[(&str, &str)]) {
    let mut actual = format!(
        "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
        output.code, output.stdout, output.stderr
    );
    for (from, to) in replace {
        actual = actual.replace(from, to);
    }
    assert!(!actual.contains("panicked") && !actual.contains("RUST_BACKTRACE"), "{actual}");
    let path = test_data().join("expected").join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e}; run with UPDATE_EXPECT=1 to create it\n{actual}", path.display())
    });
    assert!(
        expected == actual,
        "{name} differs from {}\n--- expected\n{expected}--- actual\n{actual}",
        path.display()
    );
}

/// A temporary project folder, optionally a git repository.
pub(crate) struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub(crate) fn new() -> Project {
        Project { dir: tempfile::tempdir().unwrap() }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The temporary path as it appears in messages, for `snapshot` replacements.
    pub(crate) fn shown(&self) -> String {
        self.path().display().to_string()
    }

    pub(crate) fn write(&self, path: &str, contents: impl AsRef<[u8]>) -> &Project {
        let path = self.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    /// Runs git in the project, bounded, isolated from the host's git configuration (no global or
    /// system config, so no signing, hooks or default branch surprises), and insists on success.
    pub(crate) async fn git(&self, args: &[&str]) {
        let mut command = tokio::process::Command::new("git");
        command
            .args(["-c", "user.name=schemata tests", "-c", "user.email=tests@example.com"])
            .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(["-c", "init.defaultBranch=main", "-c", "core.hooksPath=/dev/null"])
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            // Fixed dates make commit ids, which messages show, the same on every run.
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .kill_on_drop(true);
        let output = tokio::time::timeout(WAIT, command.output())
            .await
            .unwrap_or_else(|_| panic!("git {args:?} did not finish within {WAIT:?}"))
            .unwrap_or_else(|e| panic!("cannot run git: {e}"));
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub(crate) async fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]).await;
        self.git(&["commit", "-q", "-m", message]).await;
    }

    pub(crate) async fn run(&self, args: &[&str]) -> Output {
        schemata(args.iter().copied()).cwd(self.path()).run().await
    }
}

pub(crate) const USER_V1: &str = r#"{
  "type": "record",
  "name": "User",
  "namespace": "com.acme",
  "fields": [
    {"name": "id", "type": "long"},
    {"name": "email", "type": "string"}
  ]
}
"#;

/// Adds a field with a default: compatible in both directions.
pub(crate) const USER_V2_COMPATIBLE: &str = r#"{
  "type": "record",
  "name": "User",
  "namespace": "com.acme",
  "fields": [
    {"name": "id", "type": "long"},
    {"name": "email", "type": "string"},
    {"name": "locale", "type": "string", "default": "en"}
  ]
}
"#;

/// Adds a field without a default and narrows `id`: two BACKWARD findings.
pub(crate) const USER_V2_BREAKING: &str = r#"{
  "type": "record",
  "name": "User",
  "namespace": "com.acme",
  "fields": [
    {"name": "id", "type": "int"},
    {"name": "email", "type": "string"},
    {"name": "locale", "type": "string"}
  ]
}
"#;

pub(crate) const ORDER_PROTO_V1: &str = r#"syntax = "proto3";
package shop;

import "google/protobuf/timestamp.proto";

message Order {
  int64 id = 1;
  string customer_id = 2;
  google.protobuf.Timestamp placed_at = 3;
}
"#;

/// `customer_id` retyped (string → int64: not wire-compatible), a field added.
pub(crate) const ORDER_PROTO_V2: &str = r#"syntax = "proto3";
package shop;

import "google/protobuf/timestamp.proto";

message Order {
  int64 id = 1;
  int64 customer_id = 2;
  google.protobuf.Timestamp placed_at = 3;
  string currency = 4;
}
"#;

#[tokio::test]
async fn the_repository_schemas_pass_at_their_declared_levels() {
    for format in FORMATS {
        let output = schemata(["check", "--format", format]).cwd(&repo_root()).run().await;
        snapshot(&format!("repo-schemas.{format}"), &output, &[]);
    }
}

#[tokio::test]
async fn the_breaking_fixture_fails_with_its_rule_ids() {
    let dir = test_data().join("breaking");
    for format in FORMATS {
        let output = schemata(["check", "--format", format]).cwd(&dir).run().await;
        snapshot(&format!("breaking.{format}"), &output, &[]);
    }
    let output = schemata(["check", "--format", "json"]).cwd(&dir).run().await;
    let report: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "MAX_LENGTH_ADDED",
            "TYPE_CHANGED",
            "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
            "TYPE_CHANGED",
            "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
            "TYPE_MISMATCH",
            "MISSING_ENUM_SYMBOLS",
            "READER_FIELD_MISSING_DEFAULT_VALUE",
        ]
    );
}

#[tokio::test]
async fn a_working_tree_change_is_checked_against_a_git_ref_in_every_format() {
    let project = Project::new();
    project.git(&["init", "-q"]).await;
    project.write("schemas/users-value.avsc", USER_V1);
    project.commit_all("v1").await;
    project.write("schemas/users-value.avsc", USER_V2_BREAKING);
    for format in FORMATS {
        let output = project.run(&["check", "--against-git", "HEAD", "--format", format]).await;
        snapshot(&format!("git-breaking.{format}"), &output, &[]);
    }
}

#[tokio::test]
async fn compatible_changes_and_new_files_pass_against_a_git_ref() {
    let project = Project::new();
    project.git(&["init", "-q"]).await;
    project.write("schemas/users-value.avsc", USER_V1);
    project.write("schemas/unchanged-value.avsc", USER_V1);
    project.commit_all("v1").await;
    project.write("schemas/users-value.avsc", USER_V2_COMPATIBLE);
    project.write("schemas/new-value.avsc", USER_V2_BREAKING);
    let output = project.run(&["check", "--against-git", "HEAD"]).await;
    snapshot("git-compatible.text", &output, &[]);
    // Dropping a field old readers need breaks FORWARD; the finding is located in the old text.
    project.write("schemata.toml", "level = \"FORWARD\"\n");
    project.write(
        "schemas/users-value.avsc",
        USER_V1.replace(",\n    {\"name\": \"email\", \"type\": \"string\"}", ""),
    );
    let output = project.run(&["check", "--against-git", "HEAD"]).await;
    snapshot("git-forward.text", &output, &[]);
}

#[tokio::test]
async fn a_branch_is_checked_against_main_including_in_tree_histories() {
    let project = Project::new();
    project.git(&["init", "-q"]).await;
    project.write("schemas/users-value/v1.avsc", USER_V1);
    project.write("schemas/accounts-value.avsc", USER_V1);
    project.commit_all("v1").await;
    project.git(&["checkout", "-q", "-b", "feature"]).await;
    // A new version in the history folder, and a released version edited in place.
    project.write("schemas/users-value/v2.avsc", USER_V2_BREAKING);
    project.write("schemas/users-value/v1.avsc", USER_V2_COMPATIBLE);
    project.write("schemas/accounts-value.avsc", USER_V2_BREAKING);
    project.commit_all("v2").await;
    let output = project.run(&["check", "--against-git", "main"]).await;
    snapshot("git-branch.text", &output, &[]);
    // The same run from a subfolder finds the files at the ref as well, and in GitHub Actions
    // annotates repository-relative paths.
    let output = schemata(["check", ".", "--against-git", "main", "--format", "github"])
        .cwd(&project.path().join("schemas"))
        .run()
        .await;
    snapshot("git-branch-subfolder.github", &output, &[]);
    let output = schemata(["check", ".", "--against-git", "main", "--format", "github"])
        .cwd(&project.path().join("schemas"))
        .env("GITHUB_WORKSPACE", &project.shown())
        .run()
        .await;
    snapshot("git-branch-subfolder-in-actions.github", &output, &[]);
}

/// For a transitive level, `--against-git` checks every version of the file in the ref's
/// history, not only the ref's own.
#[tokio::test]
async fn transitive_levels_check_every_version_in_the_git_history() {
    let field =
        |name: &str, extra: &str| format!("{{\"name\": \"{name}\", \"type\": \"string\"{extra}}}");
    let user = |fields: &[String]| {
        format!(
            "{{\n  \"type\": \"record\",\n  \"name\": \"User\",\n  \"fields\": [\n    {}\n  ]\n}}\n",
            fields.join(",\n    ")
        )
    };
    let project = Project::new();
    project.git(&["init", "-q"]).await;
    project.write("schemas/users-value.avsc", user(&[field("id", "")]));
    project.commit_all("v1").await;
    project.write(
        "schemas/users-value.avsc",
        user(&[field("id", ""), field("email", ", \"default\": \"\"")]),
    );
    project.commit_all("v2: email with a default").await;
    project.write("schemas/other.txt", "a commit that does not touch the schema");
    project.commit_all("unrelated").await;
    // Dropping the default reads v2's data (it has email) but not v1's.
    project.write("schemas/users-value.avsc", user(&[field("id", ""), field("email", "")]));
    let output = project.run(&["check", "--against-git", "HEAD"]).await;
    snapshot("git-history-backward.text", &output, &[]);
    project.write("schemata.toml", "level = \"BACKWARD_TRANSITIVE\"\n");
    for format in ["text", "json"] {
        let output = project.run(&["check", "--against-git", "HEAD", "--format", format]).await;
        snapshot(&format!("git-history-transitive.{format}"), &output, &[]);
    }
}

/// What the example GitHub workflow runs: a clone, where the target branch is `origin/main`.
#[tokio::test]
async fn the_example_workflow_command_annotates_a_clone_against_origin_main() {
    let upstream = Project::new();
    upstream.git(&["init", "-q"]).await;
    upstream.write("schemas/users-value.avsc", USER_V1);
    upstream.commit_all("v1").await;
    let clone = Project::new();
    let source = upstream.path().to_str().unwrap();
    clone.git(&["clone", "-q", source, "."]).await;
    clone.git(&["checkout", "-q", "-b", "feature"]).await;
    clone.write("schemas/users-value.avsc", USER_V2_BREAKING);
    clone.commit_all("v2").await;
    let workflow =
        std::fs::read_to_string(repo_root().join("examples/github-actions/schemata-check.yml"))
            .unwrap();
    let command = "schemata check --against-git origin/main --format github";
    assert!(workflow.contains(&format!("run: {command}")), "{workflow}");
    assert!(workflow.contains("fetch-depth: 0"), "{workflow}");
    let args: Vec<&str> = command.split(' ').skip(1).collect();
    let output = clone.run(&args).await;
    snapshot("workflow.github", &output, &[]);
}

#[tokio::test]
async fn a_folder_of_released_versions_is_the_baseline_offline() {
    let project = Project::new();
    project.write("released/users-value/v1.avsc", USER_V1);
    project.write("released/users-value/v2.avsc", USER_V2_COMPATIBLE);
    project.write("released/accounts-value.avsc", USER_V1);
    project.write("schemas/users-value.avsc", USER_V2_BREAKING);
    project.write("schemas/accounts-value.avsc", USER_V2_COMPATIBLE);
    project.write("schemas/brand-new-value.avsc", USER_V1);
    project.write(
        "schemata.toml",
        "[subjects.users-value]\nlevel = \"FULL_TRANSITIVE\"\nignore_rules = [\"TYPE_MISMATCH\"]\n",
    );
    for format in FORMATS {
        let output = project.run(&["check", "--against-dir", "released", "--format", format]).await;
        snapshot(&format!("dir.{format}"), &output, &[]);
    }
}

#[tokio::test]
async fn protobuf_files_are_checked_like_the_others() {
    let project = Project::new();
    project.write("released/orders-value.proto", ORDER_PROTO_V1);
    project.write("schemas/orders-value.proto", ORDER_PROTO_V2);
    let output = project.run(&["check", "--against-dir", "released"]).await;
    assert_eq!(output.code, Some(1), "{output:?}");
    snapshot("dir-protobuf.text", &output, &[]);
    // A compatible change passes.
    project.write("schemas/orders-value.proto", ORDER_PROTO_V1);
    let output = project.run(&["check", "--against-dir", "released"]).await;
    assert_eq!(output.code, Some(0), "{output:?}");
}

#[tokio::test]
async fn config_maps_files_to_subjects_and_skips_what_it_ignores() {
    let project = Project::new();
    project.write("avro/user.avsc", USER_V2_BREAKING);
    project.write("avro/scratch/wip-value/v1.avsc", USER_V1);
    project.write("avro/scratch/wip-value/v2.avsc", USER_V2_BREAKING);
    project.write("avro/legacy-value/v1.avsc", USER_V1);
    project.write("avro/legacy-value/v2.avsc", USER_V2_BREAKING);
    project.write("old/users-value.avsc", USER_V1);
    project.write(
        "ci/schemata.toml",
        r#"
        paths = ["../avro"]
        ignore = ["../avro/scratch"]
        [files."../avro/user.avsc"]
        subject = "users-value"
        [subjects.legacy-value]
        skip = true
        "#,
    );
    let output =
        project.run(&["check", "--config", "ci/schemata.toml", "--against-dir", "old"]).await;
    snapshot("config-mapping.text", &output, &[]);
}

#[tokio::test]
async fn a_registry_is_the_baseline_online_at_the_subjects_level() {
    let registry = TestRegistry::start().await;
    let url = registry.http.url("");
    registry.http.register_ok("users-value", USER_V1).await;
    let project = Project::new();
    project.write("schemas/users-value.avsc", USER_V2_BREAKING);
    for format in FORMATS {
        let output = project.run(&["check", "--registry", &url, "--format", format]).await;
        snapshot(&format!("registry-breaking.{format}"), &output, &[(&url, "$REGISTRY")]);
    }

    project.write("schemas/users-value.avsc", USER_V2_COMPATIBLE);
    let output = project.run(&["check", "--registry", &url]).await;
    snapshot("registry-compatible.text", &output, &[(&url, "$REGISTRY")]);

    project.write("schemas/users-value.avsc", USER_V1);
    let output = project.run(&["check", "--registry", &url]).await;
    snapshot("registry-identical.text", &output, &[(&url, "$REGISTRY")]);

    // The subject's own level wins over the file's defaults: NONE lets the breaking file pass.
    let reply = registry.http.put("/config/users-value", json!({"compatibility": "NONE"})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    project.write("schemas/users-value.avsc", USER_V2_BREAKING);
    let output = project.run(&["check", "--registry", &url]).await;
    snapshot("registry-level-none.text", &output, &[(&url, "$REGISTRY")]);

    project.write("schemas/orders-value.avsc", USER_V1);
    let output = project.run(&["check", "--registry", &url]).await;
    snapshot("registry-unknown-subject.text", &output, &[(&url, "$REGISTRY")]);
    let output = project.run(&["check", "--registry", &url, "--allow-new-subjects"]).await;
    snapshot("registry-allow-new.text", &output, &[(&url, "$REGISTRY")]);
}

#[tokio::test]
async fn json_schema_subjects_are_checked_online_with_their_rule_ids() {
    let registry = TestRegistry::start().await;
    let url = registry.http.url("");
    let history = test_data().join("breaking/schemas/clickstream-json-value");
    let v1 = std::fs::read_to_string(history.join("v1.json")).unwrap();
    let reply = registry
        .http
        .post(
            "/subjects/clickstream-json-value/versions",
            json!({"schema": v1, "schemaType": "JSON"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let reply =
        registry.http.put("/config/clickstream-json-value", json!({"compatibility": "FULL"})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let project = Project::new();
    project.write(
        "schemas/clickstream-json-value.json",
        std::fs::read(history.join("v2.json")).unwrap(),
    );
    let output = project.run(&["check", "--registry", &url, "--format", "github"]).await;
    snapshot("registry-json-schema.github", &output, &[(&url, "$REGISTRY")]);
}

/// A loopback URL nothing listens on.
pub(crate) fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// (snapshot name, files to write, arguments)
type BadInput<'a> = (&'a str, &'a [(&'a str, &'a [u8])], &'a [&'a str]);

#[tokio::test]
async fn bad_input_is_a_sentence_on_stderr_and_exit_code_2() {
    #[rustfmt::skip]
    let cases: &[BadInput<'_>] = &[
        ("missing-file", &[], &["check", "schemas/missing.avsc"]),
        ("not-utf8", &[("schemas/a.avsc", b"{\"type\": \"\xff\"}")], &["check"]),
        ("invalid-avro", &[("schemas/a.avsc", b"{\"type\": \"recrod\", \"name\": \"A\"}")], &["check"]),
        ("invalid-json-text", &[("schemas/a/v1.json", b"{\"type\": \"object\",\n  \"properties\": }")], &["check"]),
        ("not-a-schema-file", &[("notes.txt", b"hello")], &["check", "notes.txt"]),
        ("nothing-to-check", &[], &["check"]),
        ("same-subject-twice", &[("a/users.avsc", USER_V1.as_bytes()), ("b/users.avsc", USER_V1.as_bytes())], &["check", "a", "b"]),
        ("bad-config-level", &[("schemata.toml", b"level = 'SIDEWAYS'"), ("schemas/a.avsc", USER_V1.as_bytes())], &["check"]),
        ("bad-config-key", &[("schemata.toml", b"[subjects.a]\nlevle = 'FULL'"), ("schemas/a.avsc", USER_V1.as_bytes())], &["check"]),
        ("missing-config", &[("schemas/a.avsc", USER_V1.as_bytes())], &["check", "--config", "nope.toml"]),
        ("config-is-a-folder", &[("conf/x.txt", b""), ("schemas/a.avsc", USER_V1.as_bytes())], &["check", "--config", "conf"]),
        ("not-a-git-repo", &[("schemas/a.avsc", USER_V1.as_bytes())], &["check", "--against-git", "HEAD"]),
        ("missing-against-dir", &[("schemas/a.avsc", USER_V1.as_bytes())], &["check", "--against-dir", "released"]),
        ("invalid-baseline", &[("schemas/a.avsc", USER_V1.as_bytes()), ("released/a.avsc", b"{}")], &["check", "--against-dir", "released"]),
        ("git-and-dir", &[("schemas/a.avsc", USER_V1.as_bytes())], &["check", "--against-git", "HEAD", "--against-dir", "x"]),
        ("unknown-format", &[("schemas/a.avsc", USER_V1.as_bytes())], &["check", "--format", "xml"]),
        ("contract-not-json", &[("schemas/a/v1.avsc", USER_V1.as_bytes()), ("schemas/a/v1.contract.json", b"{\"metadata\": ")], &["check"]),
        ("contract-unknown-key", &[("schemas/a.avsc", USER_V1.as_bytes()), ("schemas/a.contract.json", b"{\"ruleset\": {}}")], &["check"]),
        ("contract-bad-rule", &[("schemas/a.avsc", USER_V1.as_bytes()), ("schemas/a.contract.json", br#"{"ruleSet": {"domainRules": [{"name": "1st", "type": "CEL"}]}}"#)], &["check"]),
    ];
    for (name, files, args) in cases {
        let project = Project::new();
        for (path, contents) in *files {
            project.write(path, contents);
        }
        let output = project.run(args).await;
        assert_eq!(output.code, Some(2), "{name}: {output:?}");
        snapshot(&format!("bad-{name}.text"), &output, &[(&project.shown(), "$TMP")]);
    }
}

#[tokio::test]
async fn bad_git_refs_and_unreachable_registries_exit_2() {
    let project = Project::new();
    project.git(&["init", "-q"]).await;
    project.write("schemas/users-value.avsc", USER_V1);
    // A repository without commits has no HEAD either.
    let output = project.run(&["check", "--against-git", "HEAD"]).await;
    snapshot("bad-git-no-commits.text", &output, &[]);
    project.commit_all("v1").await;
    let output = project.run(&["check", "--against-git", "origin/main"]).await;
    snapshot("bad-git-ref.text", &output, &[]);
    // A ref that looks like an option is not taken for one.
    let output = project.run(&["check", "--against-git=--output=x"]).await;
    snapshot("bad-git-option-ref.text", &output, &[]);

    let url = closed_url();
    let output = project.run(&["check", "--registry", &url]).await;
    snapshot("bad-registry-unreachable.text", &output, &[(&url, "$REGISTRY")]);
}

/// Data contract files beside the schema files: each version's changes are listed (never
/// failing the check), a version without one inherits the previous version's, and a
/// compatibility group keeps a new major version from being checked against the old one, in the
/// folder's history, against git, and against a registry whose config names the group.
#[tokio::test]
async fn contract_files_show_changes_and_split_compatibility_groups() {
    const V1_CONTRACT: &str =
        r#"{"metadata": {"properties": {"owner": "accounts", "major": "1"}}}"#;
    const V3_CONTRACT: &str = r#"{
  "metadata": {"properties": {"owner": "identity", "major": "2"}},
  "ruleSet": {"domainRules": [
    {"name": "validEmail", "kind": "CONDITION", "type": "CEL", "expr": "message.email != ''"}
  ]}
}
"#;
    let project = Project::new();
    project.git(&["init", "-q"]).await;
    project.write("schemas/users-value/v1.avsc", USER_V1);
    project.write("schemas/users-value/v1.contract.json", V1_CONTRACT);
    // v2 has no contract file: it inherits v1's, so nothing changes.
    project.write("schemas/users-value/v2.avsc", USER_V2_COMPATIBLE);
    // v3 breaks v2, as a new major version.
    project.write("schemas/users-value/v3.avsc", USER_V2_BREAKING);
    project.write("schemas/users-value/v3.contract.json", V3_CONTRACT);
    // Without a group every version is checked against the ones before: v3 breaks.
    let output = project.run(&["check"]).await;
    assert_eq!(output.code, Some(1), "{output:?}");
    snapshot("contract-no-group.text", &output, &[]);
    project.write("schemata.toml", "compatibility_group = \"major\"\n");
    for format in FORMATS {
        let output = project.run(&["check", "--format", format]).await;
        assert_eq!(output.code, Some(0), "{format}: {output:?}");
        snapshot(&format!("contract-group.{format}"), &output, &[]);
    }

    // Against git: a change of the contract alone is listed, and passes.
    project.commit_all("three versions").await;
    project.write(
        "schemas/users-value/v3.contract.json",
        V3_CONTRACT.replace("identity", "identity-team").replace("validEmail", "emailSet"),
    );
    let output = project.run(&["check", "--against-git", "HEAD"]).await;
    assert_eq!(output.code, Some(0), "{output:?}");
    snapshot("contract-git.text", &output, &[]);

    // Online: v1 registered with major 1; the registry's config names the group.
    let registry = TestRegistry::start().await;
    let url = registry.http.url("");
    let body =
        json!({"schema": USER_V1, "metadata": {"properties": {"owner": "accounts", "major": "1"}}});
    let reply = registry.http.post("/subjects/accounts-value/versions", body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let reply =
        registry.http.put("/config/accounts-value", json!({"compatibilityGroup": "major"})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let online = Project::new();
    online.write("schemas/accounts-value.avsc", USER_V2_BREAKING);
    // No contract file: the new version would inherit major 1, and is checked against v1.
    let output = online.run(&["check", "--registry", &url]).await;
    assert_eq!(output.code, Some(1), "{output:?}");
    snapshot("contract-registry-inherited.text", &output, &[(&url, "$REGISTRY")]);
    // Major 2: nothing to check against, and the contract changes are listed.
    online.write("schemas/accounts-value.contract.json", V3_CONTRACT);
    let output = online.run(&["check", "--registry", &url, "--format", "json"]).await;
    assert_eq!(output.code, Some(0), "{output:?}");
    snapshot("contract-registry-major.json", &output, &[(&url, "$REGISTRY")]);

    // `register` sends the contract file beside the schema, so the registry accepts the new
    // major version and stores its contract.
    let output = online
        .run(&[
            "register",
            "schemas/accounts-value.avsc",
            "--subject",
            "accounts-value",
            "--registry",
            &url,
        ])
        .await;
    assert_eq!(output.code, Some(0), "{output:?}");
    let reply = registry.http.get("/subjects/accounts-value/versions/latest").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["version"], 2, "{}", reply.text);
    assert_eq!(reply.body["metadata"]["properties"]["major"], "2", "{}", reply.text);
    assert_eq!(reply.body["ruleSet"]["domainRules"][0]["name"], "validEmail", "{}", reply.text);
}
