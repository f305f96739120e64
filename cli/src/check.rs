//! `schemata check`: schema files against their history, with every incompatibility reported
//! with its file, line:column, rule id and a sentence.
//!
//! The files (`PATHS`, else `paths` in `schemata.toml`, else `schemas/`) are grouped by subject:
//! `<subject>/vN.avsc|.json` is an in-tree version history, any other `<subject>.avsc|.json` a
//! single file that evolves in git. Every check runs the in-tree histories (each vN against the
//! earlier versions at the subject's level); the baseline flag adds one more comparison:
//! `--against-git REF` (each file against its text at REF, or for transitive levels against
//! every version in REF's history), `--against-dir DIR` (each subject's newest file against
//! `DIR/<subject>/vN.*` or `DIR/<subject>.*`), or `--registry URL` (each subject's newest file
//! against its registered versions at the registry's configured level).
//!
//! A schema file's data contract is its `<stem>.contract.json` beside it (see `contract_file`);
//! a version without one inherits the previous version's, as the registry does. Each comparison
//! also lists how the contract changed from the version before (reported, never failing), and a
//! compatibility group (`compatibility_group` in schemata.toml, or the registry's config online)
//! limits the comparisons to versions with the same value of that metadata property.
//!
//! Online, the subject's level (and JSON policy) and the versions it names are fetched and checked
//! here, with core's engine, rather than through the registry's compatibility endpoint. The
//! endpoint's verbose answer is Confluent's list of strings: ours embeds the rule id and pointer
//! in them, Confluent's and Karapace's word them differently per version, so parsing them is
//! brittle; the local check yields structured rule ids and JSON pointers, located to line:column
//! exactly as offline, against any registry. The cost is one request per version compared (one
//! for non-transitive levels) plus the config; the registry's own engine may differ from ours on
//! edge cases, which is the price of identical offline and online answers.

mod config;
mod git;
mod report;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use schemata_core::api::codes;
use schemata_core::compat::{self, Direction};
use schemata_core::contract::{Contract, ContractSources};
use schemata_core::locate::{self, Position, locate_in_schema};
use schemata_core::protobuf::reference_subject;
use schemata_core::{CompatibilityLevel, JsonPolicy, Schema, SchemaType};

use self::config::{Config, SubjectSettings};
use self::report::{Checked, ContractNote, Format, Problem};
use super::{CliError, Outcome, RegistryArgs};
use crate::contract_file::{self, ContractFile};
use crate::proto_path::ProtoPath;
use schemata::VersionSpec;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Schema files or folders to check (default: `paths` in schemata.toml, else `schemas`).
    pub paths: Vec<PathBuf>,
    /// Also compare each file with its version at this git ref (offline: --registry is then not
    /// consulted).
    #[arg(long, value_name = "REF", conflicts_with = "against_dir")]
    pub against_git: Option<String>,
    /// Also compare each subject's newest file with its previous versions in this folder
    /// (offline), laid out as `DIR/<subject>/vN.avsc` or `DIR/<subject>.avsc`.
    #[arg(long, value_name = "DIR")]
    pub against_dir: Option<PathBuf>,
    /// Configuration file (default: ./schemata.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// A folder `.proto` imports are looked up in (repeatable; searched in order, as protoc's
    /// `-I`), before the checked folders and each file's own folder.
    #[arg(long = "proto-path", value_name = "DIR")]
    pub proto_paths: Vec<PathBuf>,
    /// With --registry: treat subjects the registry does not know as new instead of failing
    /// (a typo in a subject name would otherwise pass every check silently).
    #[arg(long)]
    pub allow_new_subjects: bool,
}

pub(super) async fn run(args: Args, registry: &RegistryArgs) -> Result<Outcome, CliError> {
    let cwd = std::env::current_dir().map_err(|e| CliError::io("current directory", e))?;
    let config = Config::load(args.config.as_deref(), &cwd)?;
    let (roots, files) = collect(&args.paths, &config, &cwd)?;
    // Imports resolve from --proto-path, then the checked folders (a file given alone: its
    // folder), then each file's own folder.
    let include = roots.iter().map(|r| if r.is_dir() { r.clone() } else { parent_of(r) });
    let proto_path = ProtoPath::new(&args.proto_paths, include, &cwd);
    let imported = imported_files(&files, &proto_path);
    let subjects = group(files, &config, &cwd, &imported)?;

    let mut checked = Vec::new();
    let mut loaded: Vec<(Group, SubjectSettings, Vec<Loaded>)> = Vec::new();
    for group in subjects {
        let settings = config.subject(&group.subject);
        if settings.skip {
            continue;
        }
        let files = group
            .files
            .iter()
            .map(|f| load(&f.path, &cwd, f.version, &proto_path))
            .collect::<Result<Vec<_>, _>>()?;
        checked.extend(history(&group, &settings, &files));
        loaded.push((group, settings, files));
    }

    if let Some(name) = &args.against_git {
        let git = git::GitRef::open(&cwd, name)?;
        for (group, settings, files) in &loaded {
            for file in files {
                checked.extend(against_git(&git, group, settings, file)?);
            }
        }
    } else if let Some(dir) = &args.against_dir {
        let dir = cwd.join(dir);
        if !dir.is_dir() {
            return Err(CliError::Usage(format!(
                "--against-dir {}: not a folder",
                args.against_dir.as_deref().unwrap_or(&dir).display()
            )));
        }
        for (group, settings, files) in &loaded {
            if let Some(newest) = files.last() {
                let proto_path = ProtoPath::new(&args.proto_paths, [dir.clone()], &cwd);
                checked.extend(against_dir(&dir, &cwd, group, settings, newest, &proto_path)?);
            }
        }
    } else if !registry.urls.is_empty() {
        let client = registry.client()?;
        for (group, settings, files) in &loaded {
            if let Some(newest) = files.last() {
                checked.extend(
                    against_registry(&client, group, settings, newest, args.allow_new_subjects)
                        .await?,
                );
            }
        }
    }

    for check in &mut checked {
        let ignored = &config.subject(&check.subject).ignore_rules;
        check.problems.retain(|p| !ignored.contains(&p.rule));
    }
    if args.format == Format::Github {
        workspace_relative(&mut checked, &cwd);
    }
    let rendered = report::render(args.format, &checked);
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(rendered.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::io("stdout", e))?;
    if checked.iter().any(|c| !c.problems.is_empty()) {
        Ok(Outcome::Findings)
    } else {
        Ok(Outcome::Success)
    }
}

/// A schema file found on disk, before grouping.
#[derive(Debug, Clone)]
struct Found {
    path: PathBuf,
    subject: String,
    /// `Some(N)` for `vN.*` files of an in-tree history.
    version: Option<u32>,
}

/// The files of one subject, oldest first.
#[derive(Debug)]
struct Group {
    subject: String,
    files: Vec<Found>,
}

/// A file read and parsed.
#[derive(Debug)]
struct Loaded {
    /// As shown to the user.
    shown: String,
    path: PathBuf,
    /// Where its `.proto` imports were found (the file's own folder last).
    proto_path: ProtoPath,
    version: Option<u32>,
    schema_type: SchemaType,
    text: String,
    schema: Schema,
    /// Its data contract file, when it has one.
    contract: Option<ContractFile>,
}

/// A schema file's type by its extension; a data contract file is not a schema.
fn schema_type(path: &Path) -> Option<SchemaType> {
    if contract_file::is_contract_file(path) {
        return None;
    }
    SchemaType::from_extension(path.extension()?.to_str()?)
}

/// The path as the user should see it: relative to the working directory when it is under it,
/// with `/` separators (GitHub annotations want repository-relative paths).
fn shown(path: &Path, cwd: &Path) -> String {
    let relative = path.strip_prefix(cwd).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

/// Rewrites file paths relative to `GITHUB_WORKSPACE` (the repository root in GitHub Actions):
/// annotations name repository-relative files, so a run from a subfolder would otherwise
/// annotate nothing.
fn workspace_relative(checked: &mut [Checked], cwd: &Path) {
    let Some(workspace) = std::env::var_os("GITHUB_WORKSPACE") else {
        return;
    };
    let workspace = std::fs::canonicalize(&workspace).unwrap_or_else(|_| PathBuf::from(&workspace));
    let relative = |file: &mut String| {
        let absolute = config::normalize(&cwd.join(&*file));
        if let Ok(relative) = absolute.strip_prefix(&workspace) {
            *file = relative.to_string_lossy().replace('\\', "/");
        }
    };
    for check in checked {
        relative(&mut check.file);
        for problem in &mut check.problems {
            if let Some(file) = &mut problem.file {
                relative(file);
            }
        }
    }
}

/// The folder a file is in (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The roots (folders or files) and every schema file under them, sorted, ignores applied.
fn collect(
    paths: &[PathBuf],
    config: &Config,
    cwd: &Path,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>), CliError> {
    let roots: Vec<PathBuf> = if !paths.is_empty() {
        paths.iter().map(|p| config::normalize(&cwd.join(p))).collect()
    } else if !config.paths.is_empty() {
        config.paths.iter().map(|p| config::normalize(p)).collect()
    } else if cwd.join("schemas").is_dir() {
        vec![cwd.join("schemas")]
    } else {
        return Err(CliError::Usage(
            "nothing to check: pass schema files or folders, set `paths` in schemata.toml, or \
             run where a schemas/ folder is"
                .into(),
        ));
    };
    let mut files = Vec::new();
    for root in &roots {
        let root = root.clone();
        let metadata = std::fs::metadata(&root).map_err(|e| CliError::io(shown(&root, cwd), e))?;
        if metadata.is_dir() {
            walk(&root, config, cwd, &mut files, 0)?;
        } else if schema_type(&root).is_some() {
            files.push(config::normalize(&root));
        } else {
            return Err(CliError::Usage(format!(
                "{}: not a schema file (expected .avsc, .json or .proto)",
                shown(&root, cwd)
            )));
        }
    }
    files.sort();
    files.dedup();
    Ok((roots, files))
}

/// Folder depth `walk` descends to; schema folders are shallow, and a bound keeps a symlink loop
/// from running forever.
const MAX_WALK_DEPTH: usize = 16;

fn walk(
    dir: &Path,
    config: &Config,
    cwd: &Path,
    files: &mut Vec<PathBuf>,
    depth: usize,
) -> Result<(), CliError> {
    if depth > MAX_WALK_DEPTH || config.is_ignored(dir) {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| CliError::io(shown(dir, cwd), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| CliError::io(shown(dir, cwd), e))?;
        let path = entry.path();
        if path.is_dir() {
            walk(&path, config, cwd, files, depth + 1)?;
        } else if schema_type(&path).is_some() && !config.is_ignored(&path) {
            files.push(config::normalize(&path));
        }
    }
    Ok(())
}

/// `v12` → 12.
fn version_of(stem: &str) -> Option<u32> {
    let digits = stem.strip_prefix('v')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The checked `.proto` files that other checked `.proto` files import, each with its import
/// path. A file whose imports do not resolve adds nothing here (loading it reports why).
fn imported_files(files: &[PathBuf], proto_path: &ProtoPath) -> BTreeMap<PathBuf, String> {
    let mut imported = BTreeMap::new();
    for file in files.iter().filter(|f| schema_type(f) == Some(SchemaType::Protobuf)) {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for (path, name) in proto_path.then(file.parent()).imported_files(file, &text) {
            imported.entry(config::normalize(&path)).or_insert(name);
        }
    }
    imported.retain(|path, _| files.contains(path));
    imported
}

/// Groups files by subject: `[files]` entries first, then `<subject>/vN.*`, then a `.proto`
/// file another checked file imports by its import path (the subject `register` and the
/// serializers give it, Confluent's default reference subject), then the file stem.
fn group(
    files: Vec<PathBuf>,
    config: &Config,
    cwd: &Path,
    imported: &BTreeMap<PathBuf, String>,
) -> Result<Vec<Group>, CliError> {
    let mut groups: BTreeMap<String, Vec<Found>> = BTreeMap::new();
    for path in files {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let parent =
            path.parent().and_then(Path::file_name).map(|s| s.to_string_lossy().into_owned());
        let found = if let Some(subject) = config.file_subject(&path) {
            Found { subject: subject.to_owned(), version: None, path }
        } else if let (Some(version), Some(parent)) = (version_of(&stem), parent) {
            Found { subject: parent, version: Some(version), path }
        } else if let Some(name) = imported.get(&path) {
            Found { subject: reference_subject(name), version: None, path }
        } else {
            Found { subject: stem, version: None, path }
        };
        groups.entry(found.subject.clone()).or_default().push(found);
    }
    let mut out = Vec::new();
    for (subject, mut files) in groups {
        let singles: Vec<&Found> = files.iter().filter(|f| f.version.is_none()).collect();
        if singles.len() > 1 || (singles.len() == 1 && files.len() > 1) {
            let names: Vec<String> = files.iter().map(|f| shown(&f.path, cwd)).collect();
            return Err(CliError::Usage(format!(
                "{} map to the same subject '{subject}'; give each its own subject with a \
                 [files] entry in schemata.toml",
                names.join(", ")
            )));
        }
        files.sort_by_key(|f| f.version);
        if let Some(pair) = files.windows(2).find(|w| w[0].version == w[1].version) {
            return Err(CliError::Usage(format!(
                "{} and {} are the same version of subject '{subject}'",
                shown(&pair[0].path, cwd),
                shown(&pair[1].path, cwd)
            )));
        }
        out.push(Group { subject, files });
    }
    Ok(out)
}

fn load(
    path: &Path,
    cwd: &Path,
    version: Option<u32>,
    proto_path: &ProtoPath,
) -> Result<Loaded, CliError> {
    let shown = shown(path, cwd);
    let schema_type = schema_type(path).ok_or_else(|| {
        CliError::Usage(format!("{shown}: not a schema file (expected .avsc, .json or .proto)"))
    })?;
    let text = std::fs::read_to_string(path).map_err(|e| CliError::io(&shown, e))?;
    let proto_path = proto_path.then(path.parent());
    let schema = proto_path.parse(schema_type, path, &text, &shown)?;
    let contract = contract_file::read(path, |p| self::shown(p, cwd))?;
    Ok(Loaded {
        shown,
        path: path.to_path_buf(),
        proto_path,
        version,
        schema_type,
        text,
        schema,
        contract,
    })
}

/// The contract a version with `own` (its contract file's, if any) gets after `previous`: each
/// part it gives, else the previous version's, as the registry inherits them.
fn inherit(own: Option<&Contract>, previous: &Contract) -> Contract {
    ContractSources {
        requested: own.and_then(|c| c.metadata.as_ref()),
        requested_rules: own.and_then(|c| c.rule_set.as_ref()),
        previous: Some(previous),
        ..ContractSources::default()
    }
    .effective(None)
}

/// Each version's contract in an oldest-first history of own contracts.
fn inherited<'a>(own: impl IntoIterator<Item = Option<&'a Contract>>) -> Vec<Contract> {
    let mut out: Vec<Contract> = Vec::new();
    for contract in own {
        let previous = out.last().cloned().unwrap_or_default();
        out.push(inherit(contract, &previous));
    }
    out
}

/// Whether two versions are checked against each other under compatibility group `group`: the
/// same value of that metadata property (absent matching absent); always without a group.
fn same_group(group: Option<&str>, a: &Contract, b: &Contract) -> bool {
    group.is_none_or(|group| a.property(group) == b.property(group))
}

/// What a comparison that found no earlier version in the file's compatibility group says it
/// was against.
fn first_of_group(group: &str, contract: &Contract) -> String {
    match contract.property(group) {
        Some(value) => format!("nothing: first version with {group} = {value:?}"),
        None => format!("nothing: first version without {group}"),
    }
}

/// The contract changes from `old` to `new` (the contract of `file`), each located in the file's
/// contract file where the change's pointer (or the nearest part of it) lands there.
fn contract_notes(
    old: &Contract,
    new: &Contract,
    file: &Loaded,
    against: &str,
) -> Vec<ContractNote> {
    old.changes(new)
        .into_iter()
        .map(|change| {
            let (shown, position) = match &file.contract {
                Some(own) => {
                    let pointer = rule_index_pointer(&own.contract, &change.path);
                    let pointer = pointer.as_deref().unwrap_or(&change.path);
                    (own.shown.clone(), nearest_position(&own.text, pointer))
                }
                None => (file.shown.clone(), None),
            };
            ContractNote { change, file: shown, position, against: against.to_owned() }
        })
        .collect()
}

/// A change's pointer to a rule by name (`/ruleSet/domainRules/checkAmount`) as the pointer to
/// its index in `contract`'s lists, which the file's JSON has.
fn rule_index_pointer(contract: &Contract, pointer: &str) -> Option<String> {
    let (list, name) = pointer.strip_prefix("/ruleSet/")?.split_once('/')?;
    let rule_set = contract.rule_set.as_ref()?;
    let rules = match list {
        "migrationRules" => &rule_set.migration_rules,
        "domainRules" => &rule_set.domain_rules,
        "encodingRules" => &rule_set.encoding_rules,
        _ => return None,
    };
    let index = rules.iter().position(|rule| rule.name.as_deref() == Some(name))?;
    Some(format!("/ruleSet/{list}/{index}"))
}

/// Where `pointer` lands in the JSON `text`, else where its closest enclosing part does (a
/// removed property or rule is no longer there).
fn nearest_position(text: &str, pointer: &str) -> Option<Position> {
    let mut pointer = pointer;
    loop {
        if let Some((position, _)) = locate::locate(text, pointer) {
            return Some(position);
        }
        pointer = &pointer[..pointer.rfind('/')?];
    }
}

/// One entry of the history a file is compared with.
#[derive(Debug)]
struct Baseline<'a> {
    schema: &'a Schema,
    /// Short name for messages: `v2`, `HEAD`, `registry version 3`, a file.
    label: String,
    /// Where its text comes from, to locate FORWARD findings: a file, `REF:file`, or the label.
    source: String,
}

/// Turns core's report into located problems. BACKWARD findings point into the new schema (the
/// reader), which is `file`; FORWARD ones into the old schema, located in that baseline's text.
fn problems(report: compat::Report, file: &Loaded, history: &[Baseline<'_>]) -> Vec<Problem> {
    report
        .incompatibilities
        .into_iter()
        .map(|incompatibility| {
            let finding = incompatibility.finding;
            let baseline = history.get(incompatibility.against);
            // A change inside an imported `.proto` message names that message's path: it is
            // located in the imported file that declares it.
            let in_imports = |schema: &Schema| {
                schema.as_protobuf().and_then(|p| p.locate_in_imports(&finding.path))
            };
            let (position, located_file, old_location) = match (incompatibility.direction, baseline)
            {
                (Direction::Backward, _) => {
                    match locate_in_schema(&file.schema, &file.text, &finding.path) {
                        Some((p, _)) => (Some(p), None, None),
                        None => match in_imports(&file.schema) {
                            Some((name, line, column)) => (
                                Some(Position { line, column }),
                                Some(file.proto_path.shown_import(&name)),
                                None,
                            ),
                            None => (None, None, None),
                        },
                    }
                }
                (Direction::Forward, Some(old)) => {
                    let text = old.schema.text();
                    let located = match locate_in_schema(old.schema, text, &finding.path) {
                        Some((p, _)) => Some(format!("{}:{}:{}", old.source, p.line, p.column)),
                        None => in_imports(old.schema).map(|(name, line, column)| {
                            format!("{} {name}:{line}:{column}", old.label)
                        }),
                    };
                    (None, None, located)
                }
                (Direction::Forward, None) => (None, None, None),
            };
            Problem {
                rule: finding.rule.to_owned(),
                pointer: finding.path,
                message: finding.message,
                position,
                file: located_file,
                old_location,
                direction: incompatibility.direction,
                against: baseline.map(|b| b.label.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

fn compare(
    file: &Loaded,
    subject: &str,
    settings: &SubjectSettings,
    history: &[Baseline<'_>],
) -> Checked {
    compare_at(file, subject, settings.level, settings.json_policy, history)
}

fn compare_at(
    file: &Loaded,
    subject: &str,
    level: CompatibilityLevel,
    policy: JsonPolicy,
    history: &[Baseline<'_>],
) -> Checked {
    let schemas: Vec<&Schema> = history.iter().map(|b| b.schema).collect();
    let labels: Vec<String> = history.iter().map(|b| b.label.clone()).collect();
    let report = compat::check_with_policy(level, policy, &file.schema, &schemas);
    Checked {
        file: file.shown.clone(),
        subject: subject.to_owned(),
        level: level.as_str().to_owned(),
        against: against_label(level, &labels),
        problems: problems(report, file, history),
        contract: Vec::new(),
    }
}

/// What a comparison against `history` (newest first) at `level` covers, e.g. `v2` or `v1..v2`.
fn against_label(level: CompatibilityLevel, labels: &[String]) -> String {
    match labels {
        [] => String::new(),
        [only] => only.clone(),
        [newest, .., oldest] if level.is_transitive() => format!("{oldest}..{newest}"),
        [newest, ..] => newest.clone(),
    }
}

/// Each vN of an in-tree history against the versions before it (in its compatibility group),
/// with its contract changes from the version just before.
fn history(group: &Group, settings: &SubjectSettings, files: &[Loaded]) -> Vec<Checked> {
    let contracts = inherited(files.iter().map(|f| f.contract.as_ref().map(|c| &c.contract)));
    let within = settings.compatibility_group.as_deref();
    let label = |f: &Loaded| f.version.map(|v| format!("v{v}")).unwrap_or_default();
    let mut out = Vec::new();
    for (index, file) in files.iter().enumerate().skip(1) {
        if file.version.is_none() {
            continue;
        }
        let earlier: Vec<Baseline<'_>> = files[..index]
            .iter()
            .zip(&contracts)
            .rev()
            .filter(|(_, contract)| same_group(within, contract, &contracts[index]))
            .map(|(f, _)| Baseline { schema: &f.schema, label: label(f), source: f.shown.clone() })
            .collect();
        let mut checked = compare(file, &group.subject, settings, &earlier);
        if let (Some(within), true) = (within, earlier.is_empty()) {
            checked.against = first_of_group(within, &contracts[index]);
        }
        let previous = label(&files[index - 1]);
        checked.contract =
            contract_notes(&contracts[index - 1], &contracts[index], file, &previous);
        out.push(checked);
    }
    out
}

/// How many versions of a file `--against-git` reads from the ref's history for a transitive
/// level; older versions are not checked.
const MAX_GIT_VERSIONS: usize = 100;

/// A file against its text at the ref, or for transitive levels against every version of it in
/// the ref's history (newest first, up to `MAX_GIT_VERSIONS`), each with its contract file at
/// that commit. A `.proto` file's imports are read at the same commit as the file, from the same
/// include path, so a change in an imported file is checked through the file that imports it.
fn against_git(
    git: &git::GitRef,
    group: &Group,
    settings: &SubjectSettings,
    file: &Loaded,
) -> Result<Option<Checked>, CliError> {
    let versions = if settings.level.is_transitive() {
        git.history(&file.path, MAX_GIT_VERSIONS)?
    } else {
        git.show(&file.path)?.map(|text| (git.name().to_owned(), text)).into_iter().collect()
    };
    // New at the ref: an in-tree history covers it, a single file has nothing to check.
    let Some((newest_label, newest)) = versions.first() else {
        return Ok(None);
    };
    let contract_path = contract_file::path_for(&file.path);
    let mut own_contracts = Vec::new();
    for (label, _) in &versions {
        let text = git.show_at(label, &contract_path)?;
        let shown = contract_file::path_for(Path::new(&file.shown));
        let shown = format!("{label}:{}", shown.display());
        own_contracts.push(text.map(|text| contract_file::from_text(text, shown)).transpose()?);
    }
    let contract_now = file.contract.as_ref().map(|c| c.text.as_str());
    let contract_then = own_contracts[0].as_ref().map(|c| c.text.as_str());
    if *newest == file.text
        && contract_now == contract_then
        && !imports_changed(git, newest_label, file)?
    {
        return Ok(None);
    }
    // Inherited oldest first, then put back newest first beside `versions`.
    let mut contracts =
        inherited(own_contracts.iter().rev().map(|c| c.as_ref().map(|c| &c.contract)));
    contracts.reverse();
    let contract = inherit(file.contract.as_ref().map(|c| &c.contract), &contracts[0]);
    let within = settings.compatibility_group.as_deref();
    let mut parsed = Vec::new();
    for ((label, text), old_contract) in versions.iter().zip(&contracts) {
        if !same_group(within, old_contract, &contract) {
            continue;
        }
        let source = format!("{label}:{}", file.shown);
        // A git failure while reading an import is kept and returned after the parse.
        let mut failure = None;
        let mut read = |path: &Path| match git.show_at(label, path) {
            Ok(text) => Ok(text),
            Err(e) => {
                let message = e.to_string();
                failure = Some(e);
                Err(message)
            }
        };
        let schema = file.proto_path.parse_with(
            file.schema_type,
            &file.path,
            text,
            &source,
            Some(&mut read),
        );
        if let Some(error) = failure {
            return Err(error);
        }
        parsed.push((schema?, label.clone(), source));
    }
    let baselines: Vec<Baseline<'_>> = parsed
        .iter()
        .map(|(schema, label, source)| Baseline {
            schema,
            label: label.clone(),
            source: source.clone(),
        })
        .collect();
    let mut checked = compare(file, &group.subject, settings, &baselines);
    if let (Some(within), true) = (within, baselines.is_empty()) {
        checked.against = first_of_group(within, &contract);
    }
    checked.contract = contract_notes(&contracts[0], &contract, file, newest_label);
    Ok(Some(checked))
}

/// Whether a `.proto` file's imports (read from disk) differ from the same imports at `rev`
/// (any import that cannot be read at `rev` counts as a change).
fn imports_changed(git: &git::GitRef, rev: &str, file: &Loaded) -> Result<bool, CliError> {
    if file.schema_type != SchemaType::Protobuf {
        return Ok(false);
    }
    let Ok(now) = file.proto_path.imports(&file.path, &file.text) else {
        return Ok(true);
    };
    let mut read = |path: &Path| git.show_at(rev, path).map_err(|e| e.to_string());
    match file.proto_path.imports_with(&file.path, &file.text, &mut read) {
        Ok(then) => Ok(then != now),
        Err(_) => Ok(true),
    }
}

/// The previous versions of `subject` in `dir`, newest first (a `<subject>.*` file last).
fn dir_history(
    dir: &Path,
    cwd: &Path,
    subject: &str,
    proto_path: &ProtoPath,
) -> Result<Vec<Loaded>, CliError> {
    let mut history = Vec::new();
    let folder = dir.join(subject);
    if folder.is_dir() {
        let mut versions = Vec::new();
        let entries =
            std::fs::read_dir(&folder).map_err(|e| CliError::io(shown(&folder, cwd), e))?;
        for entry in entries {
            let path = entry.map_err(|e| CliError::io(shown(&folder, cwd), e))?.path();
            let version = path.file_stem().and_then(|s| s.to_str()).and_then(version_of);
            if let (Some(version), Some(_)) = (version, schema_type(&path)) {
                versions.push((version, path));
            }
        }
        versions.sort();
        for (_, path) in versions.into_iter().rev() {
            history.push(load(&path, cwd, None, proto_path)?);
        }
    }
    for schema_type in SchemaType::ALL {
        let path = dir.join(format!("{subject}.{}", schema_type.extension()));
        if path.is_file() {
            history.push(load(&path, cwd, None, proto_path)?);
        }
    }
    Ok(history)
}

fn against_dir(
    dir: &Path,
    cwd: &Path,
    group: &Group,
    settings: &SubjectSettings,
    newest: &Loaded,
    proto_path: &ProtoPath,
) -> Result<Option<Checked>, CliError> {
    let history = dir_history(dir, cwd, &group.subject, proto_path)?;
    let Some(previous) = history.first() else {
        return Ok(None);
    };
    let mut contracts =
        inherited(history.iter().rev().map(|l| l.contract.as_ref().map(|c| &c.contract)));
    contracts.reverse();
    let contract = inherit(newest.contract.as_ref().map(|c| &c.contract), &contracts[0]);
    let within = settings.compatibility_group.as_deref();
    let baselines: Vec<Baseline<'_>> = history
        .iter()
        .zip(&contracts)
        .filter(|(_, old)| same_group(within, old, &contract))
        .map(|(l, _)| Baseline {
            schema: &l.schema,
            label: l.shown.clone(),
            source: l.shown.clone(),
        })
        .collect();
    let mut checked = compare(newest, &group.subject, settings, &baselines);
    if let (Some(within), true) = (within, baselines.is_empty()) {
        checked.against = first_of_group(within, &contract);
    }
    checked.contract = contract_notes(&contracts[0], &contract, newest, &previous.shown);
    Ok(Some(checked))
}

async fn against_registry(
    client: &schemata::RegistryClient,
    group: &Group,
    settings: &SubjectSettings,
    newest: &Loaded,
    allow_new: bool,
) -> Result<Option<Checked>, CliError> {
    let subject = group.subject.as_str();
    let versions = match client.versions(subject, schemata::ReadOptions::default()).await {
        Ok(versions) => versions,
        Err(e) if e.error_code() == Some(codes::SUBJECT_NOT_FOUND) => {
            if allow_new {
                return Ok(None);
            }
            return Err(CliError::Usage(format!(
                "{}: subject '{subject}' is not registered (a new subject? pass \
                 --allow-new-subjects; a typo? map the file with a [files] entry in schemata.toml)",
                newest.shown
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let global = schemata::SettingOptions { default_to_global: true };
    let config = client.config(Some(subject), global).await?;
    let level = config.compatibility.unwrap_or(CompatibilityLevel::Backward);
    let policy = config.json_policy.unwrap_or(settings.json_policy);
    let within = config.compatibility_group.as_deref();
    let own = newest.contract.as_ref().map(|c| &c.contract);
    // The contract registering the file gives it, as the registry decides it: the file's parts,
    // else the latest version's, between the config's defaults and overrides.
    let effective = |previous: Option<&Contract>| {
        ContractSources {
            requested: own.and_then(|c| c.metadata.as_ref()),
            requested_rules: own.and_then(|c| c.rule_set.as_ref()),
            previous,
            default_metadata: config.default_metadata.as_ref(),
            override_metadata: config.override_metadata.as_ref(),
            default_rule_set: config.default_rule_set.as_ref(),
            override_rule_set: config.override_rule_set.as_ref(),
        }
        .effective(None)
    };
    // Newest first: every version in the file's group for transitive levels, else the newest
    // one in it.
    let mut latest: Option<(Contract, String)> = None;
    let mut contract = None;
    let mut history = Vec::new();
    for version in versions.iter().rev() {
        let registered = client
            .version(subject, VersionSpec::Exact(*version), schemata::ReadOptions::default())
            .await?;
        let old = Contract { metadata: registered.metadata, rule_set: registered.rule_set };
        let label = format!("registry version {version}");
        let contract = contract.get_or_insert_with(|| effective(Some(&old)));
        if latest.is_none() {
            latest = Some((old.clone(), label.clone()));
        }
        if !same_group(within, &old, contract) {
            continue;
        }
        let schema = client
            .parse_schema(registered.schema_type, &registered.schema, &registered.references)
            .await?;
        history.push((schema, label));
        if !level.is_transitive() {
            break;
        }
    }
    let contract = contract.unwrap_or_else(|| effective(None));
    // Registering a schema the subject already holds is a no-op, so it passes as it would there.
    let identical = history.iter().find(|(s, _)| {
        s.schema_type() == newest.schema_type && s.normalized() == newest.schema.normalized()
    });
    let mut checked = match identical {
        Some((_, label)) => Checked {
            file: newest.shown.clone(),
            subject: subject.to_owned(),
            level: level.as_str().to_owned(),
            against: format!("{label} (identical)"),
            problems: Vec::new(),
            contract: Vec::new(),
        },
        None => {
            let baselines: Vec<Baseline<'_>> = history
                .iter()
                .map(|(schema, label)| Baseline {
                    schema,
                    label: label.clone(),
                    source: label.clone(),
                })
                .collect();
            compare_at(newest, subject, level, policy, &baselines)
        }
    };
    if let (Some(within), true) = (within, history.is_empty()) {
        checked.against = first_of_group(within, &contract);
    }
    if let Some((old, label)) = latest {
        checked.contract = contract_notes(&old, &contract, newest, &label);
    }
    Ok(Some(checked))
}

#[cfg(test)]
mod tests {
    use super::version_of;

    #[test]
    fn version_file_names() {
        for (stem, expected) in [
            ("v1", Some(1)),
            ("v12", Some(12)),
            ("v", None),
            ("v1a", None),
            ("V1", None),
            ("orders", None),
            ("v+1", None),
        ] {
            assert_eq!(version_of(stem), expected, "{stem}");
        }
    }
}
