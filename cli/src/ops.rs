//! Registry operations: register, subjects, get, config, mode, delete. Each command is one or two
//! REST calls through [`schemata::RegistryClient`]; what is printed is either a line for people
//! (`--format text`, the default) or the registry's own JSON shape (`--format json`) for scripts.
//! Registry errors are shown as the registry's sentence with its Confluent code, e.g.
//! `subject 'x' not found (40401)`, and exit with code 2 like every other failure.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use schemata_core::api::{self, ConfigUpdate, SchemaById, SubjectSchema, codes};
use schemata_core::{
    CompatibilityLevel, JsonPolicy, Mode, SchemaId, SchemaReference, SchemaType, Version,
};

use super::{CliError, Outcome, RegistryArgs};
use crate::proto_path::ProtoPath;
use schemata::{Config, DeleteOptions, ModeOptions, ReadOptions, SettingOptions, VersionSpec};

/// How a command prints what it found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON document (the registry's own shapes), for scripts.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// The schema file (`.avsc` is Avro, `.json` is JSON Schema unless --type says otherwise).
    pub file: PathBuf,
    /// The subject to register under.
    #[arg(long)]
    pub subject: String,
    /// The schema type: AVRO, JSON or PROTOBUF (default: from the file extension).
    #[arg(long = "type", value_name = "TYPE")]
    pub schema_type: Option<String>,
    /// Ask the registry to normalize the schema before looking it up and storing it.
    #[arg(long)]
    pub normalize: bool,
    /// A reference as NAME=SUBJECT:VERSION (repeatable), e.g. `com.acme.Money=money-value:2`.
    /// A `.proto` file without any is registered with its imports found on the include path.
    #[arg(long = "reference", value_name = "NAME=SUBJECT:VERSION")]
    pub references: Vec<String>,
    /// A folder `.proto` imports are looked up in (repeatable, in order, as protoc's `-I`),
    /// before the file's own folder. Each imported file is registered first under its import
    /// path as subject, then the file with references to them.
    #[arg(long = "proto-path", value_name = "DIR")]
    pub proto_paths: Vec<PathBuf>,
    /// The data contract's metadata to register with the schema, as JSON or `@FILE`, e.g.
    /// `{"properties":{"owner":"payments"}}` (default: the file's `<stem>.contract.json` beside
    /// it, else the latest version's is inherited).
    #[arg(long, value_name = "JSON|@FILE")]
    pub metadata: Option<String>,
    /// The data contract's rule set to register with the schema, as JSON or `@FILE`, e.g.
    /// `{"domainRules":[{"name":"positive","kind":"CONDITION","type":"CEL","expr":"..."}]}`
    /// (default: the file's `<stem>.contract.json` beside it, else the latest version's is
    /// inherited).
    #[arg(long = "rule-set", value_name = "JSON|@FILE")]
    pub rule_set: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct SubjectsArgs {
    /// Only subjects starting with this prefix.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Include soft-deleted subjects.
    #[arg(long)]
    pub deleted: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

// `--version` names a schema version here, so the tool's version flag is left to `schemata`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["id", "subject"])))]
#[command(disable_version_flag = true)]
pub struct GetArgs {
    /// A schema id.
    #[arg(long)]
    pub id: Option<u32>,
    /// A subject (with --version, default latest).
    #[arg(long)]
    pub subject: Option<String>,
    /// A version number or `latest`.
    #[arg(long, requires = "subject", value_parser = parse_version_spec)]
    pub version: Option<VersionSpec>,
    /// Also find soft-deleted versions.
    #[arg(long, requires = "subject")]
    pub deleted: bool,
    /// `text` prints the schema itself; `json` the registry's whole record (id, version, ...).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// A subject's own config instead of the global one.
    #[arg(long)]
    pub subject: Option<String>,
    /// Set this compatibility level (BACKWARD, FORWARD_TRANSITIVE, FULL, NONE, ...).
    pub level: Option<String>,
    /// Set the JSON Schema compatibility policy: STRICT or LENIENT.
    #[arg(long, value_name = "POLICY")]
    pub json_policy: Option<String>,
    /// Remove the config (a subject then follows the global one; the global one its default).
    #[arg(long, conflicts_with_all = ["level", "json_policy"])]
    pub delete: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ModeArgs {
    /// A subject's own mode instead of the global one.
    #[arg(long)]
    pub subject: Option<String>,
    /// Set this mode: READWRITE, READONLY or IMPORT.
    pub mode: Option<String>,
    /// Allow IMPORT mode even though the registry (or subject) already holds schemas.
    #[arg(long, requires = "mode")]
    pub force: bool,
    /// Remove the subject's own mode, so it follows the global one.
    #[arg(long, requires = "subject", conflicts_with = "mode")]
    pub delete: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
#[command(disable_version_flag = true)]
pub struct DeleteArgs {
    /// The subject to delete (all its versions unless --version).
    #[arg(long)]
    pub subject: String,
    /// Delete only this version (a number or `latest`).
    #[arg(long, value_parser = parse_version_spec)]
    pub version: Option<VersionSpec>,
    /// Delete for good (soft-deleting first when needed, as the registry requires).
    #[arg(long)]
    pub permanent: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub(super) async fn register(
    args: RegisterArgs,
    registry: &RegistryArgs,
) -> Result<Outcome, CliError> {
    let schema_type = schema_type_of(&args.file, args.schema_type.as_deref())?;
    // The contract is read first: a malformed one is refused before any request.
    let mut metadata: Option<schemata::Metadata> = contract_part("--metadata", args.metadata)?;
    let mut rule_set: Option<schemata::RuleSet> = contract_part("--rule-set", args.rule_set)?;
    // The contract file beside the schema gives what the flags do not.
    let beside = crate::contract_file::path_for(&args.file);
    if beside.is_file() {
        let shown = beside.display().to_string();
        let text = std::fs::read_to_string(&beside).map_err(|e| CliError::io(&shown, e))?;
        let contract = crate::contract_file::parse(&text, &shown)?;
        metadata = metadata.or(contract.metadata);
        rule_set = rule_set.or(contract.rule_set);
    }
    let references =
        args.references.iter().map(|r| parse_reference(r)).collect::<Result<Vec<_>, _>>()?;
    let path = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file).map_err(|e| CliError::io(&path, e))?;
    let client = registry.client()?;
    // Parsed here first so that an invalid file is reported with its path and position, not as
    // the registry's 42201; references are fetched from the registry to parse against.
    let schema = if schema_type == SchemaType::Protobuf && references.is_empty() {
        let cwd = std::env::current_dir().map_err(|e| CliError::io("current directory", e))?;
        let proto_path = ProtoPath::new(&args.proto_paths, [], &cwd)
            .then(Some(&cwd.join(args.file.parent().unwrap_or(Path::new(".")))));
        let (schema, imports) = proto_path
            .register_imports(&client, &cwd.join(&args.file), &text, &path, args.normalize)
            .await?;
        for (name, version) in imports {
            let subject = schemata_core::protobuf::reference_subject(&name);
            say(&format!("import {name}: subject '{subject}' version {version}"))?;
        }
        schema
    } else {
        client.parse_schema(schema_type, &text, &references).await.map_err(|e| match e {
            schemata::Error::Schema(parse) => {
                CliError::Schema { path: path.clone(), message: parse.to_string() }
            }
            other => registry_error(other),
        })?
    };
    if beside.is_file() {
        say(&format!("data contract from {}", beside.display()))?;
    }
    let options = schemata::RegisterOptions {
        normalize: args.normalize,
        metadata: metadata.clone(),
        rule_set: rule_set.clone(),
    };
    let id = client.register(&args.subject, &schema, options).await.map_err(|e| {
        let incompatible = e.error_code() == Some(codes::INCOMPATIBLE_SCHEMA);
        match registry_error(e) {
            // The registry's 409 message is one long line (with the old schema's text, as
            // Confluent writes it); `check` prints each finding with its line and column.
            CliError::Other(message) if incompatible => CliError::Other(format!(
                "{message}\nhint: `schemata check --registry URL` over the schema files lists \
                 each incompatibility with its file, line and column"
            )),
            other => other,
        }
    })?;
    let found = client
        .lookup(
            &args.subject,
            &schema,
            schemata::LookupOptions {
                normalize: args.normalize,
                metadata,
                rule_set,
                ..Default::default()
            },
        )
        .await
        .map_err(registry_error)?;
    match args.format {
        // The id alone, so `id=$(schemata register ...)` works; the sentence goes to stderr.
        Format::Text => {
            say(&format!(
                "registered {path} under subject '{}' as version {} with id {id}",
                args.subject, found.version
            ))?;
            out(&id.to_string())?;
        }
        Format::Json => out(&format!(
            "{{\"subject\":{},\"version\":{},\"id\":{id}}}",
            to_json(&args.subject),
            found.version
        ))?,
    }
    Ok(Outcome::Success)
}

pub(super) async fn subjects(
    args: SubjectsArgs,
    registry: &RegistryArgs,
) -> Result<Outcome, CliError> {
    let client = registry.client()?;
    let prefix = args.prefix.as_deref();
    let mut subjects = client
        .subjects(prefix, schemata::ReadOptions { deleted: args.deleted })
        .await
        .map_err(registry_error)?;
    subjects.sort();
    match args.format {
        Format::Text => {
            let mut text = String::new();
            for subject in &subjects {
                text.push_str(subject);
                text.push('\n');
            }
            out_raw(&text)?;
        }
        Format::Json => out(&to_json(&subjects))?,
    }
    Ok(Outcome::Success)
}

pub(super) async fn get(args: GetArgs, registry: &RegistryArgs) -> Result<Outcome, CliError> {
    let client = registry.client()?;
    if let Some(raw) = args.id {
        let id = SchemaId::new(i64::from(raw))
            .ok_or_else(|| CliError::Usage(format!("--id {raw}: schema ids start at 1")))?;
        let found = client.schema_record_by_id(id).await.map_err(registry_error)?;
        match args.format {
            Format::Text => out(&found.schema)?,
            Format::Json => {
                // The registry's record with the id in front, in a fixed field order.
                let record = to_json(&SchemaById::from(&found));
                let rest = record.strip_prefix('{').unwrap_or(&record);
                out(&format!("{{\"id\":{id},{rest}"))?;
            }
        }
    } else if let Some(subject) = &args.subject {
        let version = args.version.unwrap_or(VersionSpec::Latest);
        let found = client
            .version(subject, version, schemata::ReadOptions { deleted: args.deleted })
            .await
            .map_err(registry_error)?;
        match args.format {
            Format::Text => out(&found.schema)?,
            Format::Json => out(&to_json(&SubjectSchema::from(&found)))?,
        }
    }
    Ok(Outcome::Success)
}

pub(super) async fn config(args: ConfigArgs, registry: &RegistryArgs) -> Result<Outcome, CliError> {
    let client = registry.client()?;
    let subject = args.subject.as_deref();
    let whose = whose(subject);
    if args.delete {
        let old = client.delete_config(subject).await.map_err(registry_error)?;
        match args.format {
            Format::Text => out(&format!("deleted {whose} config"))?,
            Format::Json => out(&to_json(&api::Config::from(old)))?,
        }
        return Ok(Outcome::Success);
    }
    if args.level.is_none() && args.json_policy.is_none() {
        // Show: the subject's own config, else say that it follows the global one.
        let (config, inherited) = match client.config(subject, SettingOptions::default()).await {
            Ok(config) => (config, false),
            Err(e)
                if subject.is_some()
                    && e.error_code()
                        == Some(
                            schemata_core::api::codes::SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED,
                        ) =>
            {
                (
                    client.config(None, SettingOptions::default()).await.map_err(registry_error)?,
                    true,
                )
            }
            Err(e) => return Err(registry_error(e)),
        };
        match args.format {
            Format::Text => {
                let level = config.compatibility.unwrap_or(CompatibilityLevel::Backward);
                let mut line = level.as_str().to_owned();
                if let Some(normalize) = config.normalize {
                    line.push_str(&format!(" normalize={normalize}"));
                }
                if let Some(policy) = config.json_policy {
                    line.push_str(&format!(" json-policy={}", policy.as_str()));
                }
                if let Some(group) = &config.compatibility_group {
                    line.push_str(&format!(" compatibility-group={group}"));
                }
                if inherited {
                    line.push_str(" (global)");
                }
                out(&line)?;
            }
            Format::Json => out(&to_json(&api::Config::from(config)))?,
        }
        return Ok(Outcome::Success);
    }
    let compatibility = match args.level.as_deref() {
        Some(raw) => Some(CompatibilityLevel::parse(raw).ok_or_else(|| {
            let valid: Vec<&str> = CompatibilityLevel::ALL.iter().map(|l| l.as_str()).collect();
            CliError::Usage(format!(
                "unknown compatibility level '{raw}': expected one of {}",
                valid.join(", ")
            ))
        })?),
        None => None,
    };
    let json_policy = match args.json_policy.as_deref() {
        Some(raw) => Some(JsonPolicy::parse(raw).ok_or_else(|| {
            CliError::Usage(format!("unknown JSON policy '{raw}': expected STRICT or LENIENT"))
        })?),
        None => None,
    };
    let update = Config { compatibility, json_policy, ..Config::default() };
    let echo = client.set_config(subject, &update).await.map_err(registry_error)?;
    match args.format {
        Format::Text => {
            let mut parts = Vec::new();
            if let Some(level) = echo.compatibility {
                parts.push(format!("compatibility {level}"));
            }
            if let Some(policy) = echo.json_policy {
                parts.push(format!("json-policy {}", policy.as_str()));
            }
            out(&format!("set {whose} config: {}", parts.join(", ")))?;
        }
        Format::Json => out(&to_json(&ConfigUpdate::from(echo)))?,
    }
    Ok(Outcome::Success)
}

pub(super) async fn mode(args: ModeArgs, registry: &RegistryArgs) -> Result<Outcome, CliError> {
    let client = registry.client()?;
    let subject = args.subject.as_deref();
    let whose = whose(subject);
    if args.delete {
        // clap guarantees a subject with --delete.
        let subject = subject.unwrap_or_default();
        let old = client.delete_mode(subject).await.map_err(registry_error)?;
        match args.format {
            Format::Text => out(&format!("deleted {whose} mode (was {})", old.as_str()))?,
            Format::Json => out(&to_json(&mode_body(old)))?,
        }
        return Ok(Outcome::Success);
    }
    let Some(raw) = &args.mode else {
        let (mode, inherited) = match client.mode(subject, SettingOptions::default()).await {
            Ok(mode) => (mode, false),
            Err(e)
                if subject.is_some()
                    && e.error_code()
                        == Some(schemata_core::api::codes::SUBJECT_LEVEL_MODE_NOT_CONFIGURED) =>
            {
                (client.mode(None, SettingOptions::default()).await.map_err(registry_error)?, true)
            }
            Err(e) => return Err(registry_error(e)),
        };
        match args.format {
            Format::Text if inherited => out(&format!("{} (global)", mode.as_str()))?,
            Format::Text => out(mode.as_str())?,
            Format::Json => out(&to_json(&mode_body(mode)))?,
        }
        return Ok(Outcome::Success);
    };
    // Only the three spellings the registry documents (not READONLY_OVERRIDE).
    let wanted = Mode::parse(raw).filter(|mode| mode.as_str() == raw.to_ascii_uppercase());
    let Some(wanted) = wanted else {
        return Err(CliError::Usage(format!(
            "unknown mode '{raw}': expected READWRITE, READONLY or IMPORT"
        )));
    };
    let set = client
        .set_mode(subject, wanted, ModeOptions { force: args.force })
        .await
        .map_err(registry_error)?;
    match args.format {
        Format::Text => out(&format!("set {whose} mode to {}", set.as_str()))?,
        Format::Json => out(&to_json(&mode_body(set)))?,
    }
    Ok(Outcome::Success)
}

pub(super) async fn delete(args: DeleteArgs, registry: &RegistryArgs) -> Result<Outcome, CliError> {
    use schemata_core::api::codes;
    let client = registry.client()?;
    let subject = &args.subject;
    let kind = if args.permanent { "permanently deleted" } else { "soft-deleted" };
    let soft = DeleteOptions::default();
    let options = DeleteOptions { permanent: args.permanent };
    let deleted: Vec<Version> = match args.version {
        None => {
            if args.permanent {
                // The registry wants a soft delete first; one that already happened is fine.
                match client.delete_subject(subject, soft).await {
                    Ok(_) => {}
                    Err(e) if e.error_code() == Some(codes::SUBJECT_SOFT_DELETED) => {}
                    Err(e) => return Err(registry_error(e)),
                }
            }
            client.delete_subject(subject, options).await.map_err(registry_error)?
        }
        Some(version) => {
            // `latest` is resolved first, so the soft and the permanent delete hit one version.
            let version = match version {
                VersionSpec::Latest => {
                    let found = client
                        .version(subject, VersionSpec::Latest, ReadOptions::default())
                        .await
                        .map_err(registry_error)?;
                    VersionSpec::Exact(found.version)
                }
                number => number,
            };
            if args.permanent {
                match client.delete_version(subject, version, soft).await {
                    Ok(_) => {}
                    Err(e) if e.error_code() == Some(codes::SCHEMA_VERSION_SOFT_DELETED) => {}
                    Err(e) => return Err(registry_error(e)),
                }
            }
            vec![client.delete_version(subject, version, options).await.map_err(registry_error)?]
        }
    };
    match args.format {
        Format::Text => {
            let list: Vec<String> = deleted.iter().map(Version::to_string).collect();
            let noun = if deleted.len() == 1 { "version" } else { "versions" };
            out(&format!("{kind} {noun} {} of subject '{subject}'", list.join(", ")))?;
        }
        Format::Json => {
            let numbers: Vec<u32> = deleted.iter().map(|v| v.0).collect();
            out(&to_json(&numbers))?
        }
    }
    Ok(Outcome::Success)
}

// ---- shared with `transfer` ----

/// See `From<schemata::Error> for CliError`: the one mapping of registry failures to sentences.
pub(super) fn registry_error(error: schemata::Error) -> CliError {
    CliError::from(error)
}

/// Writes `line` and a newline to stdout.
pub(super) fn out(line: &str) -> Result<(), CliError> {
    out_raw(&format!("{line}\n"))
}

/// Writes `text` to stdout as it is.
pub(super) fn out_raw(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::io("stdout", e))
}

/// Writes a line for people to stderr: what was done, beside the data on stdout.
pub(super) fn say(line: &str) -> Result<(), CliError> {
    writeln!(std::io::stderr().lock(), "{line}").map_err(|e| CliError::io("stderr", e))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // The DTOs are plain structs with string keys: serializing them cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// A mode as the registry's JSON body spells it.
fn mode_body(mode: Mode) -> api::Mode {
    api::Mode { mode: mode.as_str().to_owned() }
}

fn whose(subject: Option<&str>) -> String {
    match subject {
        Some(subject) => format!("subject '{subject}'"),
        None => "the global".to_owned(),
    }
}

fn parse_version_spec(raw: &str) -> Result<VersionSpec, String> {
    // Core's one parser (Confluent's rule).
    VersionSpec::parse(raw)
        .ok_or_else(|| format!("'{raw}' is not a version: expected a number from 1, or latest"))
}

/// The schema type named by `--type`, else by the file's extension.
fn schema_type_of(file: &std::path::Path, named: Option<&str>) -> Result<SchemaType, CliError> {
    if let Some(name) = named {
        return SchemaType::parse(name).ok_or_else(|| {
            CliError::Usage(format!(
                "unknown schema type '{name}': expected AVRO, JSON or PROTOBUF"
            ))
        });
    }
    file.extension().and_then(|e| e.to_str()).and_then(SchemaType::from_extension).ok_or_else(
        || {
            CliError::Usage(format!(
                "cannot tell the schema type of {} from its extension (.avsc, .json, .proto): \
                 pass --type AVRO, JSON or PROTOBUF",
                file.display()
            ))
        },
    )
}

/// `NAME=SUBJECT:VERSION`; the name may itself contain ':' (JSON Schema URLs), the subject not.
/// A data contract part given as JSON or `@FILE` (`flag` names it in errors).
fn contract_part<T: serde::de::DeserializeOwned>(
    flag: &str,
    raw: Option<String>,
) -> Result<Option<T>, CliError> {
    let Some(raw) = raw else { return Ok(None) };
    let (text, source) = match raw.strip_prefix('@') {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| CliError::io(path, e))?;
            (text, format!("{flag} {path}"))
        }
        None => (raw, flag.to_owned()),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| CliError::Usage(format!("{source}: not a valid {}: {e}", &flag[2..])))
}

fn parse_reference(raw: &str) -> Result<SchemaReference, CliError> {
    let bad = || {
        CliError::Usage(format!(
            "--reference '{raw}': expected NAME=SUBJECT:VERSION, e.g. com.acme.Money=money-value:1"
        ))
    };
    let (name, target) = raw.rsplit_once('=').ok_or_else(bad)?;
    let (subject, version) = target.rsplit_once(':').ok_or_else(bad)?;
    let version: i32 = version.parse().ok().filter(|v| *v >= 1 || *v == -1).ok_or_else(bad)?;
    if name.is_empty() || subject.is_empty() {
        return Err(bad());
    }
    Ok(SchemaReference { name: name.to_owned(), subject: subject.to_owned(), version })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse() {
        let ok = |raw: &str, name: &str, subject: &str, version: i32| {
            let r = parse_reference(raw).unwrap();
            assert_eq!((r.name.as_str(), r.subject.as_str(), r.version), (name, subject, version));
        };
        ok("com.acme.Money=money-value:2", "com.acme.Money", "money-value", 2);
        ok("https://x.io/a.json=a:1", "https://x.io/a.json", "a", 1);
        ok("a=b:-1", "a", "b", -1);
        for bad in ["a", "a=b", "=b:1", "a=:1", "a=b:0", "a=b:x"] {
            assert!(parse_reference(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version_spec("latest"), Ok(VersionSpec::Latest));
        assert_eq!(parse_version_spec("-1"), Ok(VersionSpec::Latest));
        assert_eq!(parse_version_spec("3"), Ok(VersionSpec::Exact(Version(3))));
        assert!(parse_version_spec("0").is_err());
        assert!(parse_version_spec("x").is_err());
    }
}
