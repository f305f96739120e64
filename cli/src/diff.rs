//! `schemata diff A B`: what changed from schema A to schema B. A and B are schema files
//! (`.avsc` Avro, `.json` JSON Schema, `.proto` Protobuf) or, with `--registry`, registered
//! versions written `subject:version` (`subject:latest` too).
//!
//! Core's `SchemaDiff` computes everything (the web UI's diff page shows the same): JSON Schema
//! gets a typed diff, every change with its kind (the rule id), a pointer, a sentence and whether
//! it keeps BACKWARD compatibility under the policy; Protobuf the same with Confluent's change
//! kinds and paths (`#/Order/3`); Avro gets field-level changes. All then get
//! the compatibility findings in both directions: what breaks readers using B on data written with A
//! (BACKWARD) and readers using A on data written with B (FORWARD), with rule ids and lines.
//! Sides with data contracts (a registered version's, or a file's `<stem>.contract.json`) also
//! get their metadata and rule changes (core's `Contract::changes`). The exit code is 0 whatever the diff says; 2 on errors.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use schemata_core::compat::Finding;
use schemata_core::diff::SchemaDiff;
use schemata_core::locate::{locate, locate_in_schema};
use schemata_core::{Contract, JsonPolicy, Schema, SchemaType};
use serde_json::{Value, json};

use super::{CliError, Outcome, RegistryArgs};
use crate::proto_path::ProtoPath;
use schemata::VersionSpec;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old schema: a file, or `subject:version` with --registry.
    pub a: String,
    /// The new schema: a file, or `subject:version` with --registry.
    pub b: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// A folder `.proto` imports are looked up in (repeatable, in order, as protoc's `-I`),
    /// before each file's own folder.
    #[arg(long = "proto-path", value_name = "DIR")]
    pub proto_paths: Vec<std::path::PathBuf>,
    /// The JSON Schema policy the verdicts use.
    #[arg(long, default_value = "STRICT", value_parser = parse_policy)]
    pub json_policy: JsonPolicy,
}

/// The output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

fn parse_policy(name: &str) -> Result<JsonPolicy, String> {
    JsonPolicy::parse(name)
        .ok_or_else(|| format!("unknown JSON policy '{name}' (STRICT or LENIENT)"))
}

/// One side of the diff, read and parsed.
#[derive(Debug)]
struct Side {
    /// As shown: the path as given, or `subject:version`.
    name: String,
    text: String,
    schema: Schema,
    /// A registered version's metadata and rule set (empty for a file).
    contract: Contract,
}

pub(super) async fn run(args: Args, registry: &RegistryArgs) -> Result<Outcome, CliError> {
    let cwd = std::env::current_dir().map_err(|e| CliError::io("current directory", e))?;
    let proto_path = ProtoPath::new(&args.proto_paths, [], &cwd);
    let a = side(&args.a, registry, &proto_path, &cwd).await?;
    let b = side(&args.b, registry, &proto_path, &cwd).await?;
    if a.schema.schema_type() != b.schema.schema_type() {
        return Err(CliError::Usage(format!(
            "{} is {} and {} is {}: diff compares two schemas of one type",
            a.name,
            a.schema.schema_type(),
            b.name,
            b.schema.schema_type()
        )));
    }
    let diff = Diff::new(&a, &b, args.json_policy);
    let rendered = match args.format {
        DiffFormat::Text => diff.text(&a, &b),
        DiffFormat::Json => diff.json(&a, &b),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(rendered.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::io("stdout", e))?;
    Ok(Outcome::Success)
}

async fn side(
    operand: &str,
    registry: &RegistryArgs,
    proto_path: &ProtoPath,
    cwd: &Path,
) -> Result<Side, CliError> {
    let path = Path::new(operand);
    if path.exists() || !operand.contains(':') {
        let Some(schema_type) =
            path.extension().and_then(|e| e.to_str()).and_then(SchemaType::from_extension)
        else {
            return Err(CliError::Usage(format!(
                "{operand}: not a schema file (expected .avsc Avro, .json JSON Schema or .proto \
                 Protobuf, or subject:version with --registry)"
            )));
        };
        let text = std::fs::read_to_string(path).map_err(|e| CliError::io(operand, e))?;
        let file = cwd.join(path);
        let schema = proto_path.then(file.parent()).parse(schema_type, &file, &text, operand)?;
        // A file's contract is its `<stem>.contract.json` beside it, when there is one.
        let contract = crate::contract_file::read(path, |p| p.display().to_string())?
            .map(|c| c.contract)
            .unwrap_or_default();
        return Ok(Side { name: operand.to_owned(), text, schema, contract });
    }
    let Some((subject, version)) = operand.rsplit_once(':') else {
        return Err(CliError::Usage(format!("{operand}: expected subject:version")));
    };
    let version = VersionSpec::parse(version).ok_or_else(|| {
        CliError::Usage(format!("{operand}: version must be a number from 1, -1 or 'latest'"))
    })?;
    if registry.urls.is_empty() {
        return Err(CliError::Usage(format!(
            "{operand}: no such file; for a registered version pass --registry URL"
        )));
    }
    let client = registry.client()?;
    let registered = client.version(subject, version, schemata::ReadOptions::default()).await?;
    // Registries store compact text (Avro as Java prints it); findings are located in it
    // pretty-printed, so a line and column point somewhere a person can look.
    let text = match registered.schema_type {
        SchemaType::Protobuf => registered.schema,
        SchemaType::Avro | SchemaType::Json => {
            serde_json::from_str::<serde_json::Value>(&registered.schema)
                .ok()
                .and_then(|value| serde_json::to_string_pretty(&value).ok())
                .unwrap_or(registered.schema)
        }
    };
    let schema = client.parse_schema(registered.schema_type, &text, &registered.references).await?;
    let name = format!("{subject}:{}", registered.version);
    let contract = Contract { metadata: registered.metadata, rule_set: registered.rule_set };
    Ok(Side { name, text, schema, contract })
}

/// The changes and verdicts of one diff, with the policy they were judged under.
#[derive(Debug)]
struct Diff {
    diff: SchemaDiff,
    policy: JsonPolicy,
}

impl Diff {
    fn new(a: &Side, b: &Side, policy: JsonPolicy) -> Diff {
        Diff { diff: SchemaDiff::between(&a.schema, &a.text, &b.schema, &b.text, policy), policy }
    }

    fn text(&self, a: &Side, b: &Side) -> String {
        let mut out = format!("--- {}\n+++ {}\n", a.name, b.name);
        if let Some(changes) = &self.diff.json_changes {
            if changes.is_empty() {
                out.push_str("no changes\n");
            }
            for (change, compatible) in changes {
                let place = at(b, &change.path);
                typed_change(
                    &mut out,
                    &place,
                    change.kind.as_str(),
                    &change.message,
                    &change.path,
                    *compatible,
                );
            }
        }
        if let Some(changes) = &self.diff.protobuf_changes {
            if changes.is_empty() {
                out.push_str("no changes\n");
            }
            for (change, compatible) in changes {
                let side = if change.in_original() { a } else { b };
                let place = at(side, &change.path);
                typed_change(
                    &mut out,
                    &place,
                    change.kind.as_str(),
                    &change.message,
                    &change.path,
                    *compatible,
                );
            }
        }
        if a.schema.as_avro().is_some() {
            if self.diff.avro_changes.is_empty() {
                out.push_str("no field-level changes\n");
            }
            for change in &self.diff.avro_changes {
                let side = if change.in_old { a } else { b };
                let _ = writeln!(
                    out,
                    "{}: {}: {}\n    at {}",
                    at(side, &change.pointer),
                    change.kind,
                    change.message,
                    if change.pointer.is_empty() { "/" } else { &change.pointer }
                );
            }
        }
        for (title, findings, side) in [
            ("BACKWARD (B reads data written with A)", &self.diff.backward, b),
            ("FORWARD (A reads data written with B)", &self.diff.forward, a),
        ] {
            let verdict = match findings.len() {
                0 => "compatible".to_owned(),
                1 => "1 incompatibility".to_owned(),
                n => format!("{n} incompatibilities"),
            };
            let _ = writeln!(out, "{title}: {verdict}");
            // For JSON Schema and Protobuf the BACKWARD findings are the [breaking] changes
            // listed above.
            let typed = self.diff.json_changes.is_some() || self.diff.protobuf_changes.is_some();
            let listed = typed && std::ptr::eq(findings, &self.diff.backward);
            if !listed {
                for finding in findings.iter() {
                    let _ = writeln!(
                        out,
                        "  {}: {}: {}\n      at {}",
                        at(side, &finding.path),
                        finding.rule,
                        finding.message,
                        if finding.path.is_empty() { "/" } else { &finding.path }
                    );
                }
            }
        }
        if let Some(changes) = contract_changes(a, b) {
            let count = match changes.len() {
                0 => "no changes".to_owned(),
                1 => "1 change".to_owned(),
                n => format!("{n} changes"),
            };
            let _ = writeln!(out, "data contract (metadata and rules): {count}");
            for change in changes {
                let _ = writeln!(
                    out,
                    "  {}: {}\n      at {}",
                    change.kind, change.message, change.path
                );
            }
        }
        out
    }

    fn json(&self, a: &Side, b: &Side) -> String {
        let findings = |findings: &[Finding], side: &Side| -> Value {
            json!({
                "compatible": findings.is_empty(),
                "findings": findings.iter().map(|f| {
                    let position = position(side, &f.path);
                    json!({
                        "rule": f.rule,
                        "pointer": f.path,
                        "message": f.message,
                        "in": side.name,
                        "line": position.map(|(line, _)| line),
                        "column": position.map(|(_, column)| column),
                    })
                }).collect::<Vec<_>>(),
            })
        };
        let mut report = json!({
            "a": a.name,
            "b": b.name,
            "schema_type": a.schema.schema_type().as_str(),
            "json_policy": self.policy.as_str(),
            "backward": findings(&self.diff.backward, b),
            "forward": findings(&self.diff.forward, a),
        });
        if a.schema.as_avro().is_some() {
            report["changes"] = self
                .diff
                .avro_changes
                .iter()
                .map(|change| {
                    let side = if change.in_old { a } else { b };
                    let position = locate(&side.text, &change.pointer).map(|(p, _)| p);
                    json!({
                        "kind": change.kind,
                        "pointer": change.pointer,
                        "message": change.message,
                        "in": side.name,
                        "line": position.map(|p| p.line),
                        "column": position.map(|p| p.column),
                    })
                })
                .collect();
        }
        if let Some(changes) = &self.diff.json_changes {
            report["changes"] = changes
                .iter()
                .map(|(change, compatible)| {
                    let position = locate(&b.text, &change.path).map(|(p, _)| p);
                    json!({
                        "kind": change.kind.as_str(),
                        "pointer": change.path,
                        "message": change.message,
                        "compatible": compatible,
                        "line": position.map(|p| p.line),
                        "column": position.map(|p| p.column),
                    })
                })
                .collect();
        }
        if let Some(changes) = &self.diff.protobuf_changes {
            report["changes"] = changes
                .iter()
                .map(|(change, compatible)| {
                    let side = if change.in_original() { a } else { b };
                    let position = position(side, &change.path);
                    json!({
                        "kind": change.kind.as_str(),
                        "pointer": change.path,
                        "message": change.message,
                        "compatible": compatible,
                        "in": side.name,
                        "line": position.map(|(line, _)| line),
                        "column": position.map(|(_, column)| column),
                    })
                })
                .collect();
        }
        if let Some(changes) = contract_changes(a, b) {
            report["contract_changes"] = json!(changes);
        }
        let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
        out.push('\n');
        out
    }
}

/// The contract changes from A to B, when either side has metadata or rules (nothing to say
/// otherwise).
fn contract_changes(a: &Side, b: &Side) -> Option<Vec<schemata_core::contract::ContractChange>> {
    (!a.contract.is_empty() || !b.contract.is_empty()).then(|| a.contract.changes(&b.contract))
}

/// `name:line:column` where the pointer lands in the side's text, else just the name.
/// One JSON Schema or Protobuf change as text: where, kind, verdict, message, then its path.
fn typed_change(out: &mut String, place: &str, kind: &str, message: &str, path: &str, ok: bool) {
    let verdict = if ok { "compatible" } else { "breaking" };
    let _ = writeln!(out, "{place}: {kind} [{verdict}]: {message}\n    at {path}");
}

fn at(side: &Side, pointer: &str) -> String {
    match position(side, pointer) {
        Some((line, column)) => format!("{}:{line}:{column}", side.name),
        None => side.name.clone(),
    }
}

/// The line and column a pointer (a JSON pointer, or a Protobuf change path) lands on in the
/// side's text.
fn position(side: &Side, pointer: &str) -> Option<(usize, usize)> {
    locate_in_schema(&side.schema, &side.text, pointer).map(|(p, _)| (p.line, p.column))
}
