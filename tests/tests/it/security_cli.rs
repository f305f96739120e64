//! The `schemata` binary against a registry with authentication on: credentials by flag and by
//! environment, and errors that say what is wrong: missing or wrong credentials (401) name the
//! flags that send them, a refused operation (403) says what was denied.

use schemata_registry::{AuthSettings, Config};

use crate::cli_support::schemata;
use crate::harness::TestRegistry;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_sends_credentials_and_explains_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let mut users = String::new();
    for (name, role) in [("dev", "developer"), ("rita", "reader")] {
        let hash = schemata_registry::hash_password(&format!("{name}-pw")).unwrap();
        users.push_str(&format!("[users.{name}]\npassword_hash = '{hash}'\nroles = ['{role}']\n"));
    }
    std::fs::write(dir.path().join("users.toml"), users).unwrap();
    let auth =
        AuthSettings { users_file: Some(dir.path().join("users.toml")), ..AuthSettings::default() };
    let registry = TestRegistry::start_with(|c: &mut Config| c.auth = auth).await;
    let url = registry.http.base.clone();
    let file = dir.path().join("t.avsc");
    std::fs::write(&file, r#"{"type":"record","name":"T","fields":[]}"#).unwrap();
    let file = file.display().to_string();

    // A developer registers (flag); a reader lists (environment).
    let register = [
        "--registry",
        &url,
        "--basic-auth",
        "dev:dev-pw",
        "register",
        &file,
        "--subject",
        "cli-value",
    ];
    schemata(register).run().await.expect_code(0);
    let listed = schemata(["--registry", &url, "subjects"])
        .env("SCHEMATA_REGISTRY_BASIC_AUTH", "rita:rita-pw")
        .run()
        .await
        .expect_code(0)
        .clone();
    assert_eq!(listed.stdout, "cli-value\n");

    // No credentials, wrong ones: what to pass.
    for extra in [vec![], vec!["--basic-auth", "dev:nope"]] {
        let mut args = vec!["--registry", url.as_str()];
        args.extend(extra);
        args.push("subjects");
        let output = schemata(args).run().await.expect_code(2).clone();
        assert!(
            output.stderr.contains("the registry needs valid credentials (HTTP 401, 40101)"),
            "{}",
            output.stderr
        );
        assert!(
            output.stderr.contains("--basic-auth USER:PASSWORD or --bearer-token TOKEN"),
            "{}",
            output.stderr
        );
    }
    // A reader registering: what was denied.
    let register = [
        "--registry",
        &url,
        "--basic-auth",
        "rita:rita-pw",
        "register",
        &file,
        "--subject",
        "cli-value",
    ];
    let output = schemata(register).run().await.expect_code(2).clone();
    assert!(
        output
            .stderr
            .contains("denied: user 'rita' is not allowed to write subject 'cli-value' (40301)"),
        "{}",
        output.stderr
    );
}
