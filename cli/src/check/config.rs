//! `schemata.toml`: which files `check` looks at, which subject each file belongs to, and the
//! level, JSON policy, compatibility group and ignored rules of each subject. Every key is
//! optional; without a file the `schemas/` layout alone decides (`schemas/<subject>/vN.avsc` or
//! `schemas/<subject>.avsc`, BACKWARD, STRICT).
//!
//! The file is a user-facing contract, like the REST DTOs, so its shape is a serde struct that
//! refuses unknown keys: a misspelt `levle` must fail loudly rather than silently check at the
//! default level.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemata_core::{CompatibilityLevel, JsonPolicy};
use serde::Deserialize;

use crate::CliError;

/// The file name looked up in the working directory when `--config` is not given.
pub(crate) const FILE_NAME: &str = "schemata.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    paths: Option<Vec<String>>,
    #[serde(default)]
    ignore: Vec<String>,
    level: Option<String>,
    json_policy: Option<String>,
    compatibility_group: Option<String>,
    #[serde(default)]
    subjects: BTreeMap<String, RawSubject>,
    #[serde(default)]
    files: BTreeMap<String, RawFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubject {
    level: Option<String>,
    json_policy: Option<String>,
    compatibility_group: Option<String>,
    #[serde(default)]
    ignore_rules: Vec<String>,
    #[serde(default)]
    skip: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    subject: String,
}

/// How one subject is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubjectSettings {
    pub(crate) level: CompatibilityLevel,
    pub(crate) json_policy: JsonPolicy,
    /// The metadata property whose value splits the history into groups checked only within
    /// themselves (the registry's `compatibilityGroup`: major versions), read from the data
    /// contract files.
    pub(crate) compatibility_group: Option<String>,
    /// Rule ids whose findings are dropped for this subject.
    pub(crate) ignore_rules: Vec<String>,
    /// The subject is not checked at all.
    pub(crate) skip: bool,
}

/// The parsed configuration, with relative paths resolved against `base`.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) paths: Vec<PathBuf>,
    pub(crate) ignore: Vec<PathBuf>,
    defaults: SubjectSettings,
    subjects: BTreeMap<String, SubjectSettings>,
    files: Vec<(PathBuf, String)>,
}

impl Config {
    /// Reads `explicit`, else `schemata.toml` in `cwd` if there is one, else the defaults.
    pub(crate) fn load(explicit: Option<&Path>, cwd: &Path) -> Result<Config, CliError> {
        let path = match explicit {
            Some(path) => Some(cwd.join(path)),
            None => Some(cwd.join(FILE_NAME)).filter(|p| p.is_file()),
        };
        let Some(path) = path else {
            return Config::from_raw(RawConfig::default(), cwd);
        };
        let shown = explicit.map_or_else(|| FILE_NAME.to_owned(), |p| p.display().to_string());
        let text = std::fs::read_to_string(&path).map_err(|e| CliError::io(&shown, e))?;
        let base = path.parent().map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
        Config::parse(&text, &base, &shown)
    }

    /// Parses the file's text; relative paths in it are resolved against `base`, its folder.
    fn parse(text: &str, base: &Path, shown: &str) -> Result<Config, CliError> {
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| CliError::Usage(format!("{shown}: {}", e.to_string().trim_end())))?;
        Config::from_raw(raw, base).map_err(|e| match e {
            CliError::Usage(message) => CliError::Usage(format!("{shown}: {message}")),
            other => other,
        })
    }

    fn from_raw(raw: RawConfig, base: &Path) -> Result<Config, CliError> {
        let defaults = SubjectSettings {
            level: level(raw.level.as_deref(), CompatibilityLevel::Backward, "level")?,
            json_policy: policy(raw.json_policy.as_deref(), JsonPolicy::Strict, "json_policy")?,
            compatibility_group: raw.compatibility_group,
            ignore_rules: Vec::new(),
            skip: false,
        };
        let mut subjects = BTreeMap::new();
        for (name, subject) in raw.subjects {
            let settings = SubjectSettings {
                level: level(
                    subject.level.as_deref(),
                    defaults.level,
                    &format!("subjects.{name}.level"),
                )?,
                json_policy: policy(
                    subject.json_policy.as_deref(),
                    defaults.json_policy,
                    &format!("subjects.{name}.json_policy"),
                )?,
                compatibility_group: subject
                    .compatibility_group
                    .or_else(|| defaults.compatibility_group.clone()),
                ignore_rules: rule_ids(subject.ignore_rules, &name)?,
                skip: subject.skip,
            };
            subjects.insert(name, settings);
        }
        let paths = raw.paths.unwrap_or_default().iter().map(|p| base.join(p)).collect();
        let ignore = raw.ignore.iter().map(|p| base.join(p)).collect();
        let files =
            raw.files.into_iter().map(|(path, file)| (base.join(path), file.subject)).collect();
        Ok(Config { paths, ignore, defaults, subjects, files })
    }

    /// The settings of `subject`: its own table, else the file's defaults.
    pub(crate) fn subject(&self, subject: &str) -> SubjectSettings {
        self.subjects.get(subject).cloned().unwrap_or_else(|| self.defaults.clone())
    }

    /// The subject a `[files]` entry assigns to `path`, if any.
    pub(crate) fn file_subject(&self, path: &Path) -> Option<&str> {
        self.files.iter().find(|(p, _)| same_path(p, path)).map(|(_, s)| s.as_str())
    }

    /// Whether `path` is, or lies under, an `ignore` entry.
    pub(crate) fn is_ignored(&self, path: &Path) -> bool {
        let path = normalize(path);
        self.ignore.iter().any(|ignored| path.starts_with(normalize(ignored)))
    }
}

/// Every rule id a finding can carry: Avro's, JSON Schema's change kinds, and the schema-type
/// mismatch of either.
fn known_rule_ids() -> Vec<&'static str> {
    use schemata_core::avro;
    let avro = [
        avro::READER_FIELD_MISSING_DEFAULT_VALUE,
        avro::TYPE_MISMATCH,
        avro::MISSING_ENUM_SYMBOLS,
        avro::MISSING_UNION_BRANCH,
        avro::NAME_MISMATCH,
        avro::FIXED_SIZE_MISMATCH,
        avro::CHECK_BUDGET_EXCEEDED,
        schemata_core::compat::SCHEMA_TYPE_MISMATCH,
    ];
    let json = schemata_core::json_schema::ChangeKind::ALL.iter().map(|kind| kind.as_str());
    use schemata_core::protobuf::ChangeKind as P;
    let protobuf = [
        P::PackageChanged,
        P::MessageAdded,
        P::MessageRemoved,
        P::MessageMoved,
        P::EnumAdded,
        P::EnumRemoved,
        P::EnumConstAdded,
        P::EnumConstChanged,
        P::EnumConstRemoved,
        P::FieldAdded,
        P::FieldRemoved,
        P::FieldNameChanged,
        P::FieldKindChanged,
        P::FieldScalarKindChanged,
        P::FieldNamedTypeChanged,
        P::FieldNumericLabelChanged,
        P::FieldStringOrBytesLabelChanged,
        P::RequiredFieldAdded,
        P::RequiredFieldRemoved,
        P::OneofAdded,
        P::OneofRemoved,
        P::OneofFieldAdded,
        P::OneofFieldRemoved,
        P::MultipleFieldsMovedToOneof,
        P::FieldMovedToExistingOneof,
        P::CheckBudgetExceeded,
    ]
    .map(P::as_str);
    let mut ids: Vec<&'static str> = avro.into_iter().chain(json).chain(protobuf).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Refuses a misspelt rule id: ignoring a rule that never fires would silently ignore nothing.
fn rule_ids(ids: Vec<String>, subject: &str) -> Result<Vec<String>, CliError> {
    let known = known_rule_ids();
    let unknown: Vec<&str> =
        ids.iter().map(String::as_str).filter(|id| !known.contains(id)).collect();
    if unknown.is_empty() {
        return Ok(ids);
    }
    let described: Vec<String> = unknown
        .iter()
        .map(|id| match known.iter().min_by_key(|k| edit_distance(id, k)) {
            Some(close) if edit_distance(id, close) <= 3 => {
                format!("'{id}' (did you mean '{close}'?)")
            }
            _ => format!("'{id}'"),
        })
        .collect();
    Err(CliError::Usage(format!(
        "subjects.{subject}.ignore_rules: unknown rule id {} (rule ids are the ones findings \
         carry, e.g. READER_FIELD_MISSING_DEFAULT_VALUE or TYPE_NARROWED)",
        described.join(", ")
    )))
}

/// Levenshtein distance, for suggesting the rule id a typo meant (ids are short ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

fn level(
    value: Option<&str>,
    default: CompatibilityLevel,
    key: &str,
) -> Result<CompatibilityLevel, CliError> {
    match value {
        None => Ok(default),
        Some(name) => CompatibilityLevel::parse(name).ok_or_else(|| {
            CliError::Usage(format!(
                "{key}: unknown compatibility level '{name}' (expected one of NONE, BACKWARD, \
                 BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE)"
            ))
        }),
    }
}

fn policy(value: Option<&str>, default: JsonPolicy, key: &str) -> Result<JsonPolicy, CliError> {
    match value {
        None => Ok(default),
        Some(name) => JsonPolicy::parse(name).ok_or_else(|| {
            CliError::Usage(format!(
                "{key}: unknown JSON policy '{name}' (expected STRICT or LENIENT)"
            ))
        }),
    }
}

/// Resolves `.` and `..` lexically, so `ci/../schemas/a.avsc`, `./schemas/a.avsc` and
/// `schemas/a.avsc` compare (and print) the same. Lexical, not `canonicalize`: it must work for
/// paths that do not exist, and through a symlinked folder `..` may differ from the real parent,
/// a trade-off accepted for config-relative paths.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn same_path(a: &Path, b: &Path) -> bool {
    normalize(a) == normalize(b)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use schemata_core::{CompatibilityLevel, JsonPolicy};

    use super::Config;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("/repo"), "schemata.toml").map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_overrides() {
        let config = parse(
            r#"
            paths = ["schemas"]
            ignore = ["schemas/scratch"]
            level = "full"
            compatibility_group = "major"
            [subjects.orders-value]
            level = "BACKWARD_TRANSITIVE"
            compatibility_group = "application.major.version"
            json_policy = "lenient"
            ignore_rules = ["DEFAULT_CHANGED"]
            [subjects.legacy-value]
            skip = true
            [files."./legacy/order.avsc"]
            subject = "orders-legacy-value"
            "#,
        )
        .unwrap();
        assert_eq!(config.paths, [PathBuf::from("/repo/schemas")]);
        let orders = config.subject("orders-value");
        assert_eq!(orders.level, CompatibilityLevel::BackwardTransitive);
        assert_eq!(orders.json_policy, JsonPolicy::Lenient);
        assert_eq!(orders.ignore_rules, ["DEFAULT_CHANGED"]);
        assert_eq!(config.subject("other").level, CompatibilityLevel::Full);
        assert_eq!(orders.compatibility_group.as_deref(), Some("application.major.version"));
        assert_eq!(config.subject("legacy-value").compatibility_group.as_deref(), Some("major"));
        assert!(config.subject("legacy-value").skip);
        assert_eq!(
            config.file_subject(Path::new("/repo/legacy/order.avsc")),
            Some("orders-legacy-value")
        );
        assert!(config.is_ignored(Path::new("/repo/schemas/scratch/a.avsc")));
        assert!(config.is_ignored(Path::new("/repo/ci/../schemas/scratch/./a.avsc")));
        assert_eq!(super::normalize(Path::new("../a/./b/../c")), Path::new("../a/c"));
        assert!(!config.is_ignored(Path::new("/repo/schemas/scratchpad.avsc")));
    }

    #[test]
    fn mistakes_are_usage_errors() {
        for (text, expected) in [
            ("levle = 'FULL'", "schemata.toml: TOML parse error at line 1, column 1"),
            ("level = 'SIDEWAYS'", "schemata.toml: level: unknown compatibility level 'SIDEWAYS'"),
            (
                "[subjects.a]\njson_policy = 'LOOSE'",
                "schemata.toml: subjects.a.json_policy: unknown JSON policy 'LOOSE'",
            ),
            ("[files.'a.avsc']\nlevel = 'FULL'", "schemata.toml: TOML parse error"),
            (
                "[subjects.a]\nignore_rules = ['DEFAULT_CHANGED', 'DEFAULT_CHANGD', 'NAME_MISMATCH']",
                "schemata.toml: subjects.a.ignore_rules: unknown rule id 'DEFAULT_CHANGD' (did \
                 you mean 'DEFAULT_CHANGED'?) (rule ids are the ones findings carry",
            ),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.starts_with(expected), "{text}: {error}");
        }
        let error = parse("levle = 'FULL'").unwrap_err();
        assert!(error.contains("unknown field `levle`, expected one of `paths`"), "{error}");
    }
}
