//! `schemata export` / `schemata import`: a registry's content as JSON lines, and back.
//!
//! # The line format
//!
//! One `_schemas` record per line, in Confluent's record shape (`core::records`), so a backup and
//! the Kafka `_schemas` topic are the same stream:
//!
//! ```text
//! {"key":{"keytype":"CONFIG","magic":0},"value":{"compatibilityLevel":"BACKWARD"}}
//! {"key":{"keytype":"MODE","magic":0},"value":{"mode":"READWRITE"}}
//! {"key":{"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1},"value":{"subject":"orders-value","version":1,"id":1,"schema":"...","deleted":false}}
//! {"key":{"keytype":"CONFIG","subject":"orders-value","magic":0},"value":{"compatibilityLevel":"FULL"}}
//! {"key":{"keytype":"MODE","subject":"orders-value","magic":0},"value":{"mode":"READONLY"}}
//! ```
//!
//! `export` writes, in this order: the global config, the global mode, every schema version
//! (soft-deleted ones with `"deleted":true`) sorted by (id, subject, version), then the subjects'
//! own configs and modes sorted by subject. Keys keep Confluent's field order and values are
//! written by the core record codec, so two exports of the same content are byte-identical. The
//! id order is also an order in which the records can be replayed: a schema's references were
//! registered before it, so they have a smaller id (or the same one).
//!
//! `import` folds the lines as a registry replays its log (the last record for a key wins, a
//! `null` value is a tombstone, `DELETE_SUBJECT`/`CLEAR_SUBJECT` soft- and hard-delete, `NOOP` and
//! unknown keytypes are skipped), so a dump of a `_schemas` topic in this shape imports too. Keys
//! and values may also be JSON strings holding the JSON (as Kafka tools print them).
//!
//! Export uses the REST API only (`GET /schemas?deleted=true`, paged with `offset`/`limit`, then
//! `/config` and `/mode`), so it reads a Confluent or Karapace registry as well as ours, and
//! import writes through the REST API in IMPORT mode (explicit ids and versions), so either
//! direction of a migration works.
//!
//! Import switches the target (and each subject of the backup that has a mode of its own there)
//! to IMPORT, registers every version in the order above with its id and version, soft-deletes
//! right after registering what the backup holds soft-deleted (as the history did, so a later
//! version with the same schema is not mistaken for it), then writes the configs, the subjects'
//! modes and the global mode last: the backup's when it has one, else the target's mode from
//! before. When a write fails, the modes are set back to what they were before the import.
//!
//! Import is all-or-nothing where it can be: the whole file is parsed, every schema parsed
//! locally (references resolved within the file or the target) and compared with what the target
//! already holds before the first write. A target holding different content at a version or id
//! of the file is refused unless `--skip-conflicts`. Ids lost to hard deletes leave the same gaps,
//! since ids are explicit; what a REST import cannot restore is the target's id counter beyond the
//! largest id still present.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;

use schemata_core::api::{self, SubjectSchema, codes};
use schemata_core::fold::{self, Fold, Row};
use schemata_core::records::{
    ConfigValue, ModeValue, Record, RecordKey, RecordValue, ReferenceValue, SchemaValue,
};
use schemata_core::{
    CompatibilityLevel, JsonPolicy, Metadata, Mode, ReferencedSchema, RuleSet, Schema, SchemaId,
    SchemaReference, SchemaType, Version,
};
use serde_json::{Value, json};

use super::ops::{Format, out, registry_error, say};
use super::{CliError, Outcome, RegistryArgs};
use schemata::admin::{ImportedSchema, register_with_id};
use schemata::{DeleteOptions, ModeOptions, RegistryClient, SettingOptions, VersionSpec};

/// Import sets modes whatever the target holds: the plan already proved it agrees.
const FORCE: ModeOptions = ModeOptions { force: true };

/// Below this many steps no progress bar is drawn even on a terminal: it would only flicker.
const PROGRESS_MIN_STEPS: u64 = 50;
/// How many problems an import failure lists before summarizing the rest.
const MAX_PROBLEMS_SHOWN: usize = 20;
/// Requests export keeps in flight while reading the subjects' configs and modes.
const MAX_IN_FLIGHT: usize = 8;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Write to this file (replaced only once the export is complete) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file `export` wrote; `-` or nothing reads stdin.
    pub file: Option<String>,
    /// Leave out the schema versions that conflict with the target's content (each is listed)
    /// instead of refusing the whole import.
    #[arg(long)]
    pub skip_conflicts: bool,
    /// Validate the file against the target and say what would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// One schema version as a backup holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    subject: String,
    version: u32,
    id: u32,
    /// `None` is AVRO, as Confluent writes it.
    schema_type: Option<String>,
    references: Vec<ReferenceValue>,
    /// The data contract, kept as the registry or the file has it.
    metadata: Option<Metadata>,
    rule_set: Option<RuleSet>,
    schema: String,
    deleted: bool,
    /// The line that last set this entry (0 when it came from a registry).
    line: usize,
}

impl Entry {
    /// What must be equal for two entries to be the same registration (the contract included:
    /// it is part of a schema's identity). An Avro text counts as Java prints it, since that is
    /// what a Confluent-compatible registry (ours included) stores for whatever spelling it is
    /// sent: a backup holding pretty-printed Avro is already in a target it was imported into.
    #[allow(clippy::type_complexity, reason = "a tuple compared once, not a type to name")]
    fn content(
        &self,
    ) -> (u32, Option<&str>, &[ReferenceValue], &Option<Metadata>, &Option<RuleSet>, Cow<'_, str>)
    {
        let contract = (&self.metadata, &self.rule_set);
        let as_sent = || Cow::Borrowed(self.schema.as_str());
        let text = match self.schema_type {
            None => schemata_core::avro::java_text(&self.schema).map_or_else(as_sent, Cow::Owned),
            Some(_) => as_sent(),
        };
        (self.id, self.schema_type.as_deref(), &self.references, contract.0, contract.1, text)
    }

    fn order(&self) -> (u32, &str, u32) {
        (self.id, &self.subject, self.version)
    }

    /// The id with its schema context: ids are per context.
    fn id_key(&self) -> (&str, u32) {
        (schemata_core::context::context_of(&self.subject), self.id)
    }

    fn from_registry(found: SubjectSchema, deleted: bool) -> Entry {
        Entry {
            subject: found.subject,
            version: u32::try_from(found.version).unwrap_or_default(),
            id: u32::try_from(found.id).unwrap_or_default(),
            schema_type: canonical_type(found.schema_type),
            references: found
                .references
                .into_iter()
                .map(|r| ReferenceValue { name: r.name, subject: r.subject, version: r.version })
                .collect(),
            metadata: found.metadata,
            rule_set: found.rule_set,
            schema: found.schema,
            deleted,
            line: 0,
        }
    }
}

/// A registry's content: what `export` writes and `import` restores.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Backup {
    global_config: Option<ConfigValue>,
    global_mode: Option<String>,
    schemas: BTreeMap<(String, u32), Entry>,
    subject_configs: BTreeMap<String, ConfigValue>,
    subject_modes: BTreeMap<String, String>,
}

impl Backup {
    /// The JSON lines, in the documented order.
    fn render(&self) -> String {
        let mut text = String::new();
        let mut push = |key: RecordKey, value: RecordValue| {
            let key = String::from_utf8_lossy(&key.to_bytes()).into_owned();
            let value = String::from_utf8_lossy(&value.to_bytes()).into_owned();
            let _ = writeln!(text, "{{\"key\":{key},\"value\":{value}}}");
        };
        if let Some(config) = &self.global_config {
            push(RecordKey::config(None), RecordValue::Config(config.clone()));
        }
        if let Some(mode) = &self.global_mode {
            push(RecordKey::mode(None), RecordValue::Mode(ModeValue { mode: mode.clone() }));
        }
        for entry in self.ordered() {
            push(
                RecordKey::schema(entry.subject.clone(), entry.version),
                RecordValue::Schema(SchemaValue {
                    subject: entry.subject.clone(),
                    version: entry.version,
                    id: entry.id,
                    schema_type: entry.schema_type.clone(),
                    references: entry.references.clone(),
                    metadata: entry.metadata.clone(),
                    rule_set: entry.rule_set.clone(),
                    schema: entry.schema.clone(),
                    deleted: entry.deleted,
                }),
            );
        }
        for (subject, config) in &self.subject_configs {
            push(RecordKey::config(Some(subject.clone())), RecordValue::Config(config.clone()));
        }
        for (subject, mode) in &self.subject_modes {
            push(
                RecordKey::mode(Some(subject.clone())),
                RecordValue::Mode(ModeValue { mode: mode.clone() }),
            );
        }
        text
    }

    /// The schema versions in replay order: by id, then subject and version.
    fn ordered(&self) -> Vec<&Entry> {
        let mut entries: Vec<&Entry> = self.schemas.values().collect();
        entries.sort_by(|a, b| a.order().cmp(&b.order()));
        entries
    }

    /// Folds JSON lines into a backup; every problem is reported with its line number.
    fn parse(text: &str) -> Result<Backup, Vec<(usize, String)>> {
        let mut backup = Backup::default();
        let mut problems = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if line.trim().is_empty() {
                continue;
            }
            match parse_line(line).and_then(|record| backup.apply(record, number)) {
                Ok(()) => {}
                Err(message) => problems.push((number, message)),
            }
        }
        for problem in backup.inconsistent_ids() {
            problems.push(problem);
        }
        problems.sort();
        if problems.is_empty() { Ok(backup) } else { Err(problems) }
    }

    /// One record of the fold: core's fold says what it means or why it makes no sense.
    fn apply(&mut self, record: Record, line: usize) -> Result<(), String> {
        fold::apply(&mut Folding { backup: self, line }, &record).map_err(|e| e.to_string())
    }

    /// An id names one schema in its context: the same id with two different contents in one
    /// context is a broken backup (in two contexts, two schemas).
    fn inconsistent_ids(&self) -> Vec<(usize, String)> {
        let mut first: HashMap<(&str, u32), &Entry> = HashMap::new();
        let mut problems = Vec::new();
        for entry in self.ordered() {
            match first.get(&entry.id_key()) {
                Some(seen) if seen.content() != entry.content() => problems.push((
                    entry.line,
                    format!(
                        "subject '{}' version {} has id {} with another schema than subject \
                         '{}' version {} (line {})",
                        entry.subject,
                        entry.version,
                        entry.id,
                        seen.subject,
                        seen.version,
                        seen.line
                    ),
                )),
                Some(_) => {}
                None => {
                    first.insert(entry.id_key(), entry);
                }
            }
        }
        problems
    }
}

/// `{"key": .., "value": ..}`, key and value as JSON or as strings holding JSON.
fn parse_line(line: &str) -> Result<Record, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut object) = value else {
        return Err("not a JSON object with \"key\" and \"value\"".into());
    };
    let key = object.remove("key").ok_or("no \"key\" field")?;
    let bytes = |value: Value| match value {
        Value::String(text) => text.into_bytes(),
        other => other.to_string().into_bytes(),
    };
    let value = match object.remove("value") {
        None | Some(Value::Null) => None,
        Some(value) => Some(bytes(value)),
    };
    Record::from_bytes(&bytes(key), value.as_deref()).map_err(|e| e.to_string())
}

/// A backup as core's fold target, with the line each row comes from.
struct Folding<'b> {
    backup: &'b mut Backup,
    line: usize,
}

impl Fold for Folding<'_> {
    fn put_version(&mut self, subject: &str, version: Version, row: Row<'_>) {
        let value = row.value;
        let entry = Entry {
            subject: subject.to_owned(),
            version: version.0,
            id: row.id.0,
            schema_type: row.schema_type.to_optional().map(str::to_owned),
            references: value.references.clone(),
            metadata: value.metadata.clone(),
            rule_set: value.rule_set.clone(),
            schema: value.schema.clone(),
            deleted: value.deleted,
            line: self.line,
        };
        self.backup.schemas.insert((subject.to_owned(), version.0), entry);
    }

    fn remove_version(&mut self, subject: &str, version: Version) {
        self.backup.schemas.remove(&(subject.to_owned(), version.0));
    }

    fn versions(&self, subject: &str) -> Vec<(Version, bool)> {
        let rows = self.backup.schemas.iter().filter(|((s, _), _)| s == subject);
        rows.map(|((_, v), entry)| (Version(*v), entry.deleted)).collect()
    }

    fn soft_delete(&mut self, subject: &str, version: Version) {
        if let Some(entry) = self.backup.schemas.get_mut(&(subject.to_owned(), version.0)) {
            entry.deleted = true;
        }
    }

    fn set_config(&mut self, subject: Option<&str>, config: Option<&ConfigValue>) {
        match (subject, config) {
            (None, config) => self.backup.global_config = config.cloned(),
            (Some(subject), Some(config)) => {
                self.backup.subject_configs.insert(subject.to_owned(), config.clone());
            }
            (Some(subject), None) => {
                self.backup.subject_configs.remove(subject);
            }
        }
    }

    fn set_mode(&mut self, subject: Option<&str>, mode: Option<Mode>) {
        let mode = mode.map(|m| m.as_str().to_owned());
        match (subject, mode) {
            (None, mode) => self.backup.global_mode = mode,
            (Some(subject), Some(mode)) => {
                self.backup.subject_modes.insert(subject.to_owned(), mode);
            }
            (Some(subject), None) => {
                self.backup.subject_modes.remove(subject);
            }
        }
    }

    /// A backup's contexts are those of its subjects (`:.ctx:name`): a registry records a
    /// context when the first schema lands in it, so an import needs no record of its own.
    fn set_context(&mut self, _context: &str, _exists: bool) {}
}

/// AVRO is written as an absent type, as Confluent does, so exports of registries that spell it
/// out and of those that leave it out compare equal.
fn canonical_type(schema_type: Option<String>) -> Option<String> {
    schema_type.map(|t| t.to_ascii_uppercase()).filter(|t| t != SchemaType::Avro.as_str())
}

/// Entries' types were checked by the fold (or come from a registry): absent or unknown is the
/// default, AVRO.
fn parse_type(schema_type: Option<&str>) -> SchemaType {
    SchemaType::from_optional(schema_type).unwrap_or_default()
}

fn core_references(references: &[ReferenceValue]) -> Vec<SchemaReference> {
    references.iter().map(SchemaReference::from).collect()
}

/// A progress bar on stderr, drawn only on a terminal and only for long runs.
fn progress(steps: u64, what: &str) -> indicatif::ProgressBar {
    if steps < PROGRESS_MIN_STEPS {
        return indicatif::ProgressBar::hidden();
    }
    // `new` draws to stderr and hides itself when stderr is not a terminal.
    let bar = indicatif::ProgressBar::new(steps);
    let style = indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar.set_message(what.to_owned());
    bar
}

// ---- export ----

pub(super) async fn export(args: ExportArgs, registry: &RegistryArgs) -> Result<Outcome, CliError> {
    let client = registry.client()?;
    let backup = read_registry(&client, true).await?;
    let text = backup.render();
    match &args.output {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| CliError::io("stdout", e))?;
        }
        Some(path) => {
            // Written beside the target and renamed, so a failed export never leaves a truncated
            // backup where a good one was.
            let mut partial = path.clone().into_os_string();
            partial.push(".partial");
            let partial = PathBuf::from(partial);
            std::fs::write(&partial, text.as_bytes())
                .and_then(|()| std::fs::rename(&partial, path))
                .map_err(|e| {
                    let _ = std::fs::remove_file(&partial);
                    CliError::io(path.display(), e)
                })?;
        }
    }
    let subjects = backup.schemas.keys().map(|(s, _)| s).collect::<std::collections::BTreeSet<_>>();
    let to = args.output.as_ref().map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
    let (versions, subjects) = (backup.schemas.len(), subjects.len());
    let plural =
        |n: usize, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
    say(&format!(
        "exported {} of {} to {to}",
        plural(versions, "schema version"),
        plural(subjects, "subject")
    ))?;
    Ok(Outcome::Success)
}

/// Reads everything a backup holds through the REST API. Settings a registry does not support
/// (a 404 on `/mode`, as older registries answer) are left out rather than failing the export.
async fn read_registry(client: &RegistryClient, show_progress: bool) -> Result<Backup, CliError> {
    let mut all = client.export(true).await?;
    let mut live: std::collections::HashSet<(String, i32)> =
        client.export(false).await?.into_iter().map(|s| (s.subject, s.version)).collect();
    // Schema contexts other than the default one are listed one context at a time (as
    // Confluent's `/schemas` does); a registry without contexts answers 404 here.
    let contexts = optional(client.contexts().await)?.unwrap_or_default();
    for context in contexts.iter().filter(|c| c.as_str() != ".") {
        all.extend(client.export_context(true, Some(context)).await?);
        let context_live = client.export_context(false, Some(context)).await?;
        live.extend(context_live.into_iter().map(|s| (s.subject, s.version)));
    }
    let mut backup = Backup::default();
    for found in all {
        let deleted = !live.contains(&(found.subject.clone(), found.version));
        let entry = Entry::from_registry(found, deleted);
        backup.schemas.insert((entry.subject.clone(), entry.version), entry);
    }
    let own = SettingOptions::default();
    backup.global_config = optional(client.config(None, own).await)?.map(config_value);
    backup.global_mode = optional(client.mode(None, own).await)?.map(|m| m.as_str().to_owned());
    let mut subjects: Vec<String> = backup.schemas.keys().map(|(s, _)| s.clone()).collect();
    subjects.dedup();
    // A context's own config and mode live under `:.ctx:`, which holds no versions.
    subjects.extend(
        contexts.iter().filter(|c| c.as_str() != ".").map(|c| schemata_core::context::prefix(c)),
    );
    let bar = if show_progress {
        progress(subjects.len() as u64, "subjects")
    } else {
        indicatif::ProgressBar::hidden()
    };
    // Two small reads per subject: a few in flight at once, so large registries do not pay one
    // round trip after another. The maps keep the output sorted whatever order answers come in.
    let mut pending = subjects.into_iter();
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.len() < MAX_IN_FLIGHT
            && let Some(subject) = pending.next()
        {
            let client = client.clone();
            running.spawn(async move {
                let config = client.config(Some(&subject), SettingOptions::default()).await;
                let mode = client.mode(Some(&subject), SettingOptions::default()).await;
                (subject, config, mode)
            });
        }
        let Some(done) = running.join_next().await else { break };
        let (subject, config, mode) =
            done.map_err(|e| CliError::Other(format!("reading a subject's settings: {e}")))?;
        if let Some(config) = optional(config)? {
            backup.subject_configs.insert(subject.clone(), config_value(config));
        }
        if let Some(mode) = optional(mode)? {
            backup.subject_modes.insert(subject, mode.as_str().to_owned());
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(backup)
}

/// `None` for "not configured" and "not supported" answers (every 404), the value otherwise.
fn optional<T>(answer: schemata::Result<T>) -> Result<Option<T>, CliError> {
    match answer {
        Ok(value) => Ok(Some(value)),
        Err(schemata::Error::Registry { status: 404, .. }) => Ok(None),
        Err(e) => Err(registry_error(e)),
    }
}

/// A config as a backup keeps it: every field, data-contract ones included.
fn config_value(config: schemata::Config) -> ConfigValue {
    api::Config::from(config)
}

/// A mode as a backup spells it, for the typed client.
fn typed_mode(mode: &str) -> Result<Mode, CliError> {
    Mode::parse(mode).ok_or_else(|| CliError::Other(format!("unknown mode '{mode}' in the backup")))
}

// ---- import ----

/// What import does with one schema version of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Register it (and soft-delete it right after when the backup says so).
    Register,
    /// The target holds it live, the backup soft-deleted: only delete it.
    SoftDelete,
    /// The target already holds it as the backup does.
    Present,
}

pub(super) async fn import(args: ImportArgs, registry: &RegistryArgs) -> Result<Outcome, CliError> {
    let source = match args.file.as_deref() {
        None | Some("-") => "stdin".to_owned(),
        Some(path) => path.to_owned(),
    };
    let text = read_input(args.file.as_deref(), &source)?;
    let backup = Backup::parse(&text).map_err(|problems| {
        let listed: Vec<(String, String)> =
            problems.into_iter().map(|(line, m)| (format!("{source}:{line}"), m)).collect();
        problem_report(&source, &listed)
    })?;
    let client = registry.client()?;
    let target = read_registry(&client, false).await?;
    let Plan { steps, conflicts } = plan(&backup, &target);
    let mut problems = check_schemas(&backup, &target, &source);
    if !conflicts.is_empty() {
        if args.skip_conflicts {
            for (entry, why) in &conflicts {
                say(&format!(
                    "warning: skipping subject '{}' version {} ({source}:{}): {why}",
                    entry.subject, entry.version, entry.line
                ))?;
            }
        } else {
            problems.extend(conflicts.iter().map(|(entry, why)| {
                (
                    format!("{source}:{}", entry.line),
                    format!(
                        "subject '{}' version {}: {why} (--skip-conflicts leaves such versions \
                         out)",
                        entry.subject, entry.version
                    ),
                )
            }));
        }
    }
    if !problems.is_empty() {
        return Err(problem_report(&source, &problems));
    }
    let registered = steps.iter().filter(|(_, step)| *step == Step::Register).count();
    let deleted =
        steps.iter().filter(|(entry, step)| *step != Step::Present && entry.deleted).count();
    let present = steps.iter().filter(|(_, step)| *step == Step::Present).count();
    let summary = json!({
        "registered": registered,
        "softDeleted": deleted,
        "alreadyPresent": present,
        "skipped": if args.skip_conflicts { conflicts.len() } else { 0 },
        "subjectConfigs": backup.subject_configs.len(),
        "subjectModes": backup.subject_modes.len(),
        "dryRun": args.dry_run,
    });
    // Importing a backup the target already holds writes nothing at all (not even the IMPORT
    // mode switch and back), so an interrupted import can be rerun and a rerun is harmless.
    let unchanged = already_holds(&backup, &target, &steps);
    if !args.dry_run && !unchanged {
        write(&client, &backup, &target, &steps, &source).await?;
    }
    let restrictive = restrictive_modes(&backup);
    match args.format {
        Format::Json => out(&summary.to_string())?,
        Format::Text if unchanged => out(&format!(
            "nothing to import: the registry already holds all {present} schema versions, \
             configs and modes of {source}"
        ))?,
        Format::Text => out(&format!(
            "{} {registered} schema versions ({deleted} soft-deleted), {} subject configs and {} \
             subject modes; {present} versions were already present",
            if args.dry_run { "would import" } else { "imported" },
            backup.subject_configs.len(),
            backup.subject_modes.len(),
        ))?,
    }
    // A backup taken in READONLY (as a consistent snapshot should be) restores READONLY: say so
    // and how to lift it, or the first write to the new registry is a surprise.
    if !restrictive.is_empty() && !unchanged {
        let lift: Vec<String> = restrictive
            .iter()
            .map(|(subject, _)| match subject {
                None => "schemata mode READWRITE".to_owned(),
                Some(subject) => format!("schemata mode --subject {subject} READWRITE"),
            })
            .collect();
        let named: Vec<String> = restrictive
            .iter()
            .map(|(subject, mode)| match subject {
                None => format!("global mode {mode}"),
                Some(subject) => format!("subject {subject} mode {mode}"),
            })
            .collect();
        say(&format!(
            "note: {} the backup's {}, so the registry refuses writes there; to accept writes: {}",
            if args.dry_run { "import would restore" } else { "restored" },
            named.join(", "),
            lift.join("; ")
        ))?;
    }
    Ok(Outcome::Success)
}

/// True when the target already holds every version, config and mode of the backup, so an
/// import has nothing to write.
fn already_holds(backup: &Backup, target: &Backup, steps: &[(&Entry, Step)]) -> bool {
    steps.iter().all(|(_, step)| *step == Step::Present)
        && backup.global_config.as_ref().is_none_or(|c| target.global_config.as_ref() == Some(c))
        && backup.global_mode.as_ref().is_none_or(|m| target.global_mode.as_ref() == Some(m))
        && backup.subject_configs.iter().all(|(s, c)| target.subject_configs.get(s) == Some(c))
        && backup.subject_modes.iter().all(|(s, m)| target.subject_modes.get(s) == Some(m))
}

/// The modes of the backup that refuse ordinary writes (READONLY, IMPORT): the global one
/// first (`None`), then per subject.
fn restrictive_modes(backup: &Backup) -> Vec<(Option<&str>, &str)> {
    let global = backup.global_mode.as_deref().map(|mode| (None, mode));
    let subjects = backup.subject_modes.iter().map(|(s, m)| (Some(s.as_str()), m.as_str()));
    global.into_iter().chain(subjects).filter(|(_, mode)| *mode != "READWRITE").collect()
}

fn read_input(file: Option<&str>, source: &str) -> Result<String, CliError> {
    let mut text = String::new();
    match file {
        None | Some("-") => std::io::stdin()
            .lock()
            .read_to_string(&mut text)
            .map(|_| ())
            .map_err(|e| CliError::io(source, e))?,
        Some(path) => text = std::fs::read_to_string(path).map_err(|e| CliError::io(source, e))?,
    }
    Ok(text)
}

fn problem_report(source: &str, problems: &[(String, String)]) -> CliError {
    if let [(place, message)] = problems {
        return CliError::Other(format!("{place}: {message}; nothing was imported"));
    }
    let mut text = format!("{source}: {} problems, nothing was imported", problems.len());
    for (place, message) in problems.iter().take(MAX_PROBLEMS_SHOWN) {
        let _ = write!(text, "\n  {place}: {message}");
    }
    if problems.len() > MAX_PROBLEMS_SHOWN {
        let _ = write!(text, "\n  ... and {} more", problems.len() - MAX_PROBLEMS_SHOWN);
    }
    CliError::Other(text)
}

/// What to do with each version of the backup, in replay order, and the versions whose import
/// would contradict what the target already holds (each with the reason).
struct Plan<'a> {
    steps: Vec<(&'a Entry, Step)>,
    conflicts: Vec<(&'a Entry, String)>,
}

fn plan<'a>(backup: &'a Backup, target: &Backup) -> Plan<'a> {
    // Ids and contents are compared within a schema context: each is its own id space.
    let mut by_id: HashMap<(&str, u32), &Entry> = HashMap::new();
    let mut by_content: HashMap<(&str, ContentKey<'_>), &Entry> = HashMap::new();
    for entry in target.schemas.values() {
        by_id.entry(entry.id_key()).or_insert(entry);
        by_content.entry((entry.id_key().0, content_key(entry))).or_insert(entry);
    }
    let mut steps = Vec::new();
    let mut conflicts = Vec::new();
    for entry in backup.ordered() {
        let key = (entry.subject.clone(), entry.version);
        let conflict = if let Some(there) = target.schemas.get(&key) {
            if there.content() != entry.content() {
                Some(format!("the target holds another schema there (id {})", there.id))
            } else if there.deleted && !entry.deleted {
                Some("the target holds it soft-deleted, the file live".to_owned())
            } else if entry.deleted && !there.deleted {
                steps.push((entry, Step::SoftDelete));
                None
            } else {
                steps.push((entry, Step::Present));
                None
            }
        } else if let Some(there) =
            by_id.get(&entry.id_key()).filter(|t| t.content() != entry.content())
        {
            Some(format!(
                "id {} is another schema in the target (subject '{}' version {})",
                entry.id, there.subject, there.version
            ))
        } else if let Some(there) =
            by_content.get(&(entry.id_key().0, content_key(entry))).filter(|t| t.id != entry.id)
        {
            Some(format!(
                "the target holds this schema under id {} (subject '{}' version {}), not {}",
                there.id, there.subject, there.version, entry.id
            ))
        } else {
            steps.push((entry, Step::Register));
            None
        };
        if let Some(why) = conflict {
            conflicts.push((entry, why));
        }
    }
    // A subject of the file that the target holds must not have versions the file lacks: the
    // result would be a history that neither registry had.
    let mut first_of_subject: HashMap<&str, &Entry> = HashMap::new();
    for entry in backup.schemas.values() {
        first_of_subject.entry(&entry.subject).or_insert(entry);
    }
    for ((subject, version), there) in &target.schemas {
        if let Some(first) = first_of_subject.get(subject.as_str())
            && !backup.schemas.contains_key(&(subject.clone(), *version))
        {
            conflicts.push((
                first,
                format!(
                    "the target's subject has version {version} (id {}), which the file lacks",
                    there.id
                ),
            ));
        }
    }
    Plan { steps, conflicts }
}

/// A schema's type, references, text and contract (as its JSON), hashable (the record types are
/// not `Hash`).
type ContentKey<'a> = (Option<&'a str>, Vec<(&'a str, &'a str, i32)>, &'a str, String);

fn content_key(entry: &Entry) -> ContentKey<'_> {
    let references =
        entry.references.iter().map(|r| (r.name.as_str(), r.subject.as_str(), r.version)).collect();
    let contract = serde_json::to_string(&(&entry.metadata, &entry.rule_set)).unwrap_or_default();
    (entry.schema_type.as_deref(), references, &entry.schema, contract)
}

/// Parses every Avro and JSON schema of the backup locally, resolving references within the
/// backup first and the target second, so an invalid schema stops the import before any write.
fn check_schemas(backup: &Backup, target: &Backup, source: &str) -> Vec<(String, String)> {
    let find = |subject: &str, version: i32| -> Option<&Entry> {
        let version = u32::try_from(version).ok()?;
        let key = (subject.to_owned(), version);
        backup.schemas.get(&key).or_else(|| target.schemas.get(&key))
    };
    let mut problems = Vec::new();
    for entry in backup.ordered() {
        let schema_type = parse_type(entry.schema_type.as_deref());
        if schema_type == SchemaType::Protobuf {
            // Not parsed by schemata; the target registry judges it.
            continue;
        }
        let mut lookup = |r: &SchemaReference| {
            // An unqualified reference resolves in the referring subject's context.
            let subject = schemata_core::context::resolve_reference(&entry.subject, &r.subject);
            find(&subject, r.version).map(|found| ReferencedSchema {
                schema_type: parse_type(found.schema_type.as_deref()),
                text: found.schema.clone(),
                references: core_references(&found.references),
            })
        };
        let references = core_references(&entry.references);
        if let Err(e) =
            Schema::parse_with_references(schema_type, &entry.schema, &references, &mut lookup)
        {
            problems.push((
                format!("{source}:{}", entry.line),
                format!(
                    "subject '{}' version {}: schema does not parse: {e}",
                    entry.subject, entry.version
                ),
            ));
        }
    }
    problems
}

/// Writes the plan: IMPORT mode on, every version in replay order, then configs and modes, and
/// the global mode last. On failure the modes import changed are set back before returning.
async fn write(
    client: &RegistryClient,
    backup: &Backup,
    target: &Backup,
    steps: &[(&Entry, Step)],
    source: &str,
) -> Result<(), CliError> {
    let prior_global = client
        .mode(None, SettingOptions::default())
        .await
        .map_err(registry_error)?
        .as_str()
        .to_owned();
    // Subjects with a mode of their own would refuse explicit ids unless it is IMPORT too.
    let mut prior_subject_modes: BTreeMap<String, String> = BTreeMap::new();
    for subject in backup.schemas.keys().map(|(s, _)| s) {
        if let Some(mode) = target.subject_modes.get(subject)
            && mode != "IMPORT"
        {
            prior_subject_modes.insert(subject.clone(), mode.clone());
        }
    }
    let importing = async {
        if prior_global != "IMPORT" {
            // Forced: the plan already proved the target holds nothing the backup contradicts.
            client.set_mode(None, Mode::Import, FORCE).await.map_err(registry_error)?;
        }
        for subject in prior_subject_modes.keys() {
            client.set_mode(Some(subject), Mode::Import, FORCE).await.map_err(registry_error)?;
        }
        write_schemas(client, steps, source).await?;
        for (subject, config) in &backup.subject_configs {
            set_config(client, Some(subject), config).await?;
        }
        if let Some(config) = &backup.global_config {
            set_config(client, None, config).await?;
        }
        Ok::<(), CliError>(())
    }
    .await;
    // Modes last, also after a failure: the target must not be left in IMPORT mode by accident.
    let mut final_subject_modes = prior_subject_modes.clone();
    if importing.is_ok() {
        final_subject_modes.extend(backup.subject_modes.clone());
    }
    let final_global = match (&importing, &backup.global_mode) {
        (Ok(()), Some(mode)) => mode.clone(),
        _ => prior_global.clone(),
    };
    let mut restoring = Ok(());
    for (subject, mode) in &final_subject_modes {
        let set = match typed_mode(mode) {
            Ok(mode) => client.set_mode(Some(subject), mode, FORCE).await.map_err(registry_error),
            Err(e) => Err(e),
        };
        if let Err(e) = set {
            restoring = Err(e);
        }
    }
    let set = match typed_mode(&final_global) {
        Ok(mode) => client.set_mode(None, mode, FORCE).await.map_err(registry_error),
        Err(e) => Err(e),
    };
    if let Err(e) = set {
        restoring = Err(e);
    }
    match (importing, restoring) {
        (Ok(()), restoring) => restoring,
        (Err(e), Ok(())) => {
            Err(CliError::Other(format!("{e}; the registry's mode was set back to {final_global}")))
        }
        (Err(e), Err(restore)) => Err(CliError::Other(format!(
            "{e}; setting the registry's mode back to {final_global} failed too: {restore}"
        ))),
    }
}

async fn write_schemas(
    client: &RegistryClient,
    steps: &[(&Entry, Step)],
    source: &str,
) -> Result<(), CliError> {
    let work: Vec<&(&Entry, Step)> = steps.iter().filter(|(_, s)| *s != Step::Present).collect();
    let bar = progress(work.len() as u64, "schemas");
    for (done, (entry, step)) in work.iter().enumerate() {
        let at = |e: CliError| {
            CliError::Other(format!(
                "import stopped at subject '{}' version {} ({source}:{}) after {done} of {} \
                 writes: {e}",
                entry.subject,
                entry.version,
                entry.line,
                work.len()
            ))
        };
        if *step == Step::Register {
            register(client, entry).await.map_err(at)?;
        }
        if entry.deleted {
            // Right after registering, as in the history: a later version with the same schema
            // would otherwise be taken for this one while it is still live.
            match client
                .delete_version(
                    &entry.subject,
                    VersionSpec::Exact(Version(entry.version)),
                    DeleteOptions::default(),
                )
                .await
            {
                Ok(_) => {}
                Err(e) if e.error_code() == Some(codes::SCHEMA_VERSION_SOFT_DELETED) => {}
                Err(e) => return Err(at(registry_error(e))),
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

async fn register(client: &RegistryClient, entry: &Entry) -> Result<(), CliError> {
    let references = core_references(&entry.references);
    let (Some(id), Some(version)) =
        (SchemaId::new(i64::from(entry.id)), Version::new(i64::from(entry.version)))
    else {
        // `Backup::apply` checked both ranges.
        return Err(CliError::Other(format!(
            "id {} or version {} out of range",
            entry.id, entry.version
        )));
    };
    let schema = ImportedSchema {
        id,
        version,
        schema_type: parse_type(entry.schema_type.as_deref()),
        text: &entry.schema,
        references: &references,
        metadata: entry.metadata.as_ref(),
        rule_set: entry.rule_set.as_ref(),
    };
    let answer = register_with_id(client, &entry.subject, &schema).await.map_err(registry_error)?;
    // A registry that ignores explicit ids or versions would silently renumber: refuse that.
    if answer.id != entry.id as i32 || answer.version.is_some_and(|v| v != entry.version as i32) {
        return Err(CliError::Other(format!(
            "the registry stored it as id {} version {} instead of id {} version {}",
            answer.id,
            answer.version.map_or_else(|| "?".to_owned(), |v| v.to_string()),
            entry.id,
            entry.version
        )));
    }
    Ok(())
}

async fn set_config(
    client: &RegistryClient,
    subject: Option<&str>,
    config: &ConfigValue,
) -> Result<(), CliError> {
    let compatibility = config
        .compatibility_level
        .as_deref()
        .map(|name| {
            CompatibilityLevel::parse(name).ok_or_else(|| {
                CliError::Other(format!("unknown compatibility level '{name}' in the backup"))
            })
        })
        .transpose()?;
    let json_policy = config
        .json_policy
        .as_deref()
        .map(|name| {
            JsonPolicy::parse(name).ok_or_else(|| {
                CliError::Other(format!("unknown json policy '{name}' in the backup"))
            })
        })
        .transpose()?;
    // The level and policy were checked above with the backup's wording; the rest as it is.
    let rest = api::Config { compatibility_level: None, json_policy: None, ..config.clone() };
    let update = schemata::Config {
        compatibility,
        json_policy,
        ..schemata::Config::try_from(rest).map_err(registry_error)?
    };
    if update == schemata::Config::default() {
        return Ok(());
    }
    client.set_config(subject, &update).await.map_err(registry_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = concat!(
        r#"{"key":{"keytype":"CONFIG","magic":0},"value":{"compatibilityLevel":"BACKWARD"}}"#,
        "\n",
        r#"{"key":{"keytype":"MODE","magic":0},"value":{"mode":"READWRITE"}}"#,
        "\n",
        r#"{"key":{"keytype":"SCHEMA","subject":"a","version":1,"magic":1},"value":{"subject":"a","version":1,"id":1,"schema":"\"string\"","deleted":true}}"#,
        "\n",
        r#"{"key":{"keytype":"SCHEMA","subject":"b","version":3,"magic":1},"value":{"subject":"b","version":3,"id":4,"schemaType":"JSON","schema":"{}","deleted":false}}"#,
        "\n",
        r#"{"key":{"keytype":"CONFIG","subject":"b","magic":0},"value":{"compatibilityLevel":"FULL","compatibilityPolicy":"LENIENT"}}"#,
        "\n",
        r#"{"key":{"keytype":"MODE","subject":"a","magic":0},"value":{"mode":"READONLY"}}"#,
        "\n",
    );

    #[test]
    fn render_inverts_parse() {
        let backup = Backup::parse(SAMPLE).unwrap();
        assert_eq!(backup.schemas.len(), 2);
        assert_eq!(backup.render(), SAMPLE);
    }

    /// Parses `input` and returns the rendering or the problems, one per line.
    fn check(input: &str, expected: &str) {
        let got = match Backup::parse(input) {
            Ok(backup) => backup.render(),
            Err(problems) => {
                problems.iter().map(|(line, m)| format!("{line}: {m}\n")).collect::<String>()
            }
        };
        assert_eq!(got, expected, "input:\n{input}");
    }

    #[test]
    fn lines_fold_like_a_log() {
        let schema = |subject: &str, version: u32, id: u32| {
            format!(
                r#"{{"key":{{"keytype":"SCHEMA","subject":"{subject}","version":{version},"magic":1}},"value":{{"subject":"{subject}","version":{version},"id":{id},"schema":"\"int\"","deleted":false}}}}"#
            )
        };
        let tombstone =
            r#"{"key":{"keytype":"SCHEMA","subject":"s","version":1,"magic":1},"value":null}"#;
        // A tombstone removes; a later record for a key wins.
        check(
            &format!("{}\n{}\n{tombstone}\n", schema("s", 1, 1), schema("s", 2, 1)),
            &format!("{}\n", schema("s", 2, 1)),
        );
        // Keys and values as strings holding JSON, as Kafka tools print them; blank lines skip.
        check(
            &format!(
                "\n{}\n",
                json!({"key": r#"{"keytype":"MODE","magic":0}"#, "value": r#"{"mode":"readonly"}"#})
            ),
            "{\"key\":{\"keytype\":\"MODE\",\"magic\":0},\"value\":{\"mode\":\"READONLY\"}}\n",
        );
        // DELETE_SUBJECT soft-deletes up to its version, CLEAR_SUBJECT drops soft-deleted ones.
        let delete = r#"{"key":{"keytype":"DELETE_SUBJECT","subject":"s","magic":0},"value":{"subject":"s","version":1}}"#;
        let clear = r#"{"key":{"keytype":"CLEAR_SUBJECT","subject":"s","magic":0},"value":{"subject":"s"}}"#;
        check(
            &format!("{}\n{}\n{delete}\n{clear}\n", schema("s", 1, 1), schema("s", 2, 1)),
            &format!("{}\n", schema("s", 2, 1)),
        );
    }

    #[test]
    fn bad_lines_are_reported_with_their_numbers() {
        let good = r#"{"key":{"keytype":"MODE","magic":0},"value":{"mode":"IMPORT"}}"#;
        check(
            &format!("{good}\n{{\"key\":\n"),
            "2: not JSON: EOF while parsing a value at line 1 column 7\n",
        );
        check("[1]\n", "1: not a JSON object with \"key\" and \"value\"\n");
        check("{\"value\":{}}\n", "1: no \"key\" field\n");
        check("{\"key\":{\"magic\":0}}\n", "1: record key has no string 'keytype'\n");
        check(
            r#"{"key":{"keytype":"MODE","magic":0},"value":{"mode":"WRITEONLY"}}"#,
            "1: unknown mode 'WRITEONLY': expected READWRITE, READONLY or IMPORT\n",
        );
        check(
            r#"{"key":{"keytype":"CONFIG","magic":0},"value":{"compatibilityLevel":"SIDEWAYS"}}"#,
            "1: unknown compatibility level 'SIDEWAYS'\n",
        );
        check(
            r#"{"key":{"keytype":"SCHEMA","subject":"a","version":1,"magic":1},"value":{"subject":"b","version":1,"id":1,"schema":"{}"}}"#,
            "1: the key names subject 'a' version 1 but the value subject 'b' version 1\n",
        );
        check(
            r#"{"key":{"keytype":"SCHEMA","subject":"a","version":1,"magic":1},"value":{"subject":"a","version":1,"id":0,"schema":"{}"}}"#,
            "1: subject 'a' version 1: id 0 is not 1..2^31-1\n",
        );
        check(
            r#"{"key":{"keytype":"SCHEMA","subject":"a","version":1,"magic":1},"value":{"subject":"a","version":1,"id":1,"schemaType":"XML","schema":"{}"}}"#,
            "1: subject 'a' version 1: unknown schema type 'XML'\n",
        );
        check(
            concat!(
                r#"{"key":{"keytype":"SCHEMA","subject":"a","version":1,"magic":1},"value":{"subject":"a","version":1,"id":1,"schema":"\"int\""}}"#,
                "\n",
                r#"{"key":{"keytype":"SCHEMA","subject":"b","version":1,"magic":1},"value":{"subject":"b","version":1,"id":1,"schema":"\"long\""}}"#,
            ),
            "2: subject 'b' version 1 has id 1 with another schema than subject 'a' version 1 (line 1)\n",
        );
    }
}
