//! Tidy checks on the repository itself, the habits a reviewer would otherwise police: every Rust
//! source file opens with a `//!` line saying what it is for, and every package of the workspace
//! inherits the one declared minimum Rust version.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The repository's tracked files matching `pattern`, relative to its root. A tracked list rather
/// than a directory walk, so build output and scratch files never count.
fn tracked(pattern: &str) -> Vec<PathBuf> {
    let output = Command::new("git")
        .args(["ls-files", "-z", "--", pattern])
        .current_dir(repo_root())
        .output()
        .expect("run git ls-files");
    assert!(output.status.success(), "git ls-files: {}", String::from_utf8_lossy(&output.stderr));
    output
        .stdout
        .split(|byte| *byte == 0)
        .filter(|name| !name.is_empty())
        .map(|name| PathBuf::from(String::from_utf8_lossy(name).into_owned()))
        .collect()
}

/// Why `text` lacks its header, if it does: its first line must be a `//!` line with words.
fn header_problem(text: &str) -> Option<&'static str> {
    let first = text.lines().next().unwrap_or_default();
    match first.strip_prefix("//!") {
        None => Some("does not open with a `//!` line saying what the file is for"),
        Some(rest) if rest.trim().is_empty() => Some("opens with an empty `//!` line"),
        Some(_) => None,
    }
}

#[test]
fn headers_are_recognised() {
    let check = |text: &str, expected: Option<&str>| assert_eq!(header_problem(text), expected);
    let missing = Some("does not open with a `//!` line saying what the file is for");
    check("//! What this file is for.\nfn main() {}\n", None);
    check("//!The same without a space.\n", None);
    check("", missing);
    check("// A plain comment.\n", missing);
    check("\n//! A header after a blank line.\n", missing);
    check("#![allow(dead_code)]\n//! After an attribute.\n", missing);
    check("/// An item doc.\nfn f() {}\n", missing);
    check("//!\n//! Words only on the second line.\n", Some("opens with an empty `//!` line"));
}

#[test]
fn every_rust_source_file_opens_with_its_header() {
    let files = tracked("*.rs");
    // The workspace has a couple of hundred; a handful would mean git listed the wrong folder.
    assert!(files.len() > 100, "git ls-files found only {} .rs files", files.len());
    let problems: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let text = std::fs::read_to_string(repo_root().join(file))
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            header_problem(&text).map(|problem| format!("{}: {problem}", file.display()))
        })
        .collect();
    assert!(problems.is_empty(), "files without their `//!` header:\n{}", problems.join("\n"));
}

/// The members of the workspace, from the root manifest.
fn members() -> Vec<String> {
    let root: toml::Table =
        std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap().parse().unwrap();
    root["workspace"]["members"]
        .as_array()
        .expect("workspace.members")
        .iter()
        .map(|member| member.as_str().expect("a member path").to_owned())
        .collect()
}

/// Why the manifest text does not inherit the workspace's rust-version, if it does not.
fn msrv_problem(manifest: &str) -> Option<String> {
    let manifest: toml::Table = match manifest.parse() {
        Ok(table) => table,
        Err(e) => return Some(format!("does not parse: {e}")),
    };
    let Some(package) = manifest.get("package").and_then(toml::Value::as_table) else {
        return Some("has no [package]".into());
    };
    let inherited = package
        .get("rust-version")
        .and_then(toml::Value::as_table)
        .and_then(|field| field.get("workspace"))
        .and_then(toml::Value::as_bool);
    match inherited {
        Some(true) => None,
        _ => Some("does not say `rust-version.workspace = true`".into()),
    }
}

#[test]
fn rust_version_inheritance_is_recognised() {
    let check = |manifest: &str, ok: bool| assert_eq!(msrv_problem(manifest).is_none(), ok);
    check("[package]\nname = \"a\"\nrust-version.workspace = true\n", true);
    check("[package]\nname = \"a\"\nrust-version = { workspace = true }\n", true);
    check("[package]\nname = \"a\"\nrust-version = \"1.70\"\n", false);
    check("[package]\nname = \"a\"\n", false);
    check("[package]\nname = \"a\"\nrust-version.workspace = false\n", false);
    check("[workspace]\n", false);
}

#[test]
fn every_member_inherits_the_declared_rust_version() {
    let root: toml::Table =
        std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap().parse().unwrap();
    let declared = root["workspace"]["package"]["rust-version"].as_str().expect("declared MSRV");
    let parts: Vec<&str> = declared.split('.').collect();
    assert!(
        parts.len() >= 2 && parts.iter().all(|part| part.parse::<u32>().is_ok()),
        "workspace.package.rust-version {declared:?} is not a version"
    );
    let members = members();
    assert!(members.len() >= 6, "{members:?}");
    let problems: Vec<String> = members
        .iter()
        .filter_map(|member| {
            let path = repo_root().join(member).join("Cargo.toml");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{member}: {e}"));
            msrv_problem(&text).map(|problem| format!("{member}/Cargo.toml {problem}"))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
