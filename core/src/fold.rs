//! The `_schemas` record fold, written once: what each record means (which row it puts, removes
//! or soft-deletes; which config or mode it sets) and which records make no sense. The registry's
//! state and the CLI's backup both fold records through `apply`; each keeps what it needs by
//! implementing `Fold`, so the two can never disagree on what a topic or a backup contains.

use crate::records::{ConfigValue, Mode, ModeValue, Record, RecordKey, RecordValue, SchemaValue};
use crate::{CompatibilityLevel, JsonPolicy, SchemaId, SchemaType, Version};

/// A schema version row as a record states it, its id and type checked.
#[derive(Debug, Clone, Copy)]
pub struct Row<'r> {
    pub id: SchemaId,
    pub schema_type: SchemaType,
    pub value: &'r SchemaValue,
}

/// Why a record changed nothing. A registry skips such a record and counts it (a topic written
/// by a newer registry must still replay); an import reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Skipped {
    #[error(
        "the key names subject '{key_subject}' version {key_version} but the value subject '{value_subject}' version {value_version}"
    )]
    KeyValueMismatch {
        key_subject: String,
        key_version: u32,
        value_subject: String,
        value_version: u32,
    },
    #[error("subject '{subject}': version {version} is not 1..2^31-1")]
    Version { subject: String, version: u32 },
    #[error("subject '{subject}' version {version}: id {id} is not 1..2^31-1")]
    Id { subject: String, version: u32, id: u32 },
    #[error("subject '{subject}' version {version}: unknown schema type '{name}'")]
    SchemaType { subject: String, version: u32, name: String },
    #[error("unknown compatibility level '{0}'")]
    Level(String),
    #[error("unknown JSON policy '{0}'")]
    Policy(String),
    #[error("unknown mode '{0}': expected READWRITE, READONLY or IMPORT")]
    Mode(String),
}

/// What a fold keeps. `apply` decides what a record means and calls these; an implementation
/// only stores (and indexes) what it is told.
pub trait Fold {
    /// Inserts the row (subject, version), replacing one that is there.
    fn put_version(&mut self, subject: &str, version: Version, row: Row<'_>);
    /// Removes the row (subject, version) if there is one.
    fn remove_version(&mut self, subject: &str, version: Version);
    /// The subject's rows as (version, soft-deleted), in ascending version order.
    fn versions(&self, subject: &str) -> Vec<(Version, bool)>;
    /// Marks the row (subject, version) soft-deleted.
    fn soft_delete(&mut self, subject: &str, version: Version);
    /// Sets (or with `None` removes) the global config (`subject` = `None`) or a subject's.
    fn set_config(&mut self, subject: Option<&str>, config: Option<&ConfigValue>);
    /// Sets (or with `None` removes) the global mode (`subject` = `None`) or a subject's.
    fn set_mode(&mut self, subject: Option<&str>, mode: Option<Mode>);
    /// Records that a schema context (`.ctx`) exists, or with `false` that it was deleted.
    fn set_context(&mut self, context: &str, exists: bool);
}

/// Folds one record into `fold`. A record that makes no sense changes nothing and says why.
/// Offset probes, unknown keytypes and tombstones of deletion markers change nothing and are
/// not errors.
pub fn apply(fold: &mut impl Fold, record: &Record) -> Result<(), Skipped> {
    match (&record.key, &record.value) {
        (RecordKey::Schema { subject, version, .. }, value) => {
            let Some(checked) = Version::new(i64::from(*version)) else {
                return Err(Skipped::Version { subject: subject.clone(), version: *version });
            };
            match value {
                Some(RecordValue::Schema(value)) => {
                    let row = row(subject, *version, value)?;
                    fold.put_version(subject, checked, row);
                }
                // A tombstone (or a value of another kind, which cannot be a row) removes it.
                _ => fold.remove_version(subject, checked),
            }
        }
        (RecordKey::Config { subject, .. }, value) => {
            let config = match value {
                Some(RecordValue::Config(config)) => Some(check_config(config)?),
                _ => None,
            };
            fold.set_config(subject.as_deref(), config);
        }
        (RecordKey::Mode { subject, .. }, value) => {
            let mode = match value {
                Some(RecordValue::Mode(ModeValue { mode })) => {
                    Some(Mode::parse(mode).ok_or_else(|| Skipped::Mode(mode.clone()))?)
                }
                _ => None,
            };
            fold.set_mode(subject.as_deref(), mode);
        }
        (RecordKey::DeleteSubject { subject, .. }, Some(RecordValue::DeleteSubject(value))) => {
            for (version, _) in fold.versions(subject) {
                if value.version.is_none_or(|last| version.0 <= last) {
                    fold.soft_delete(subject, version);
                }
            }
        }
        (RecordKey::Context { context, .. }, value) => {
            fold.set_context(context, matches!(value, Some(RecordValue::Context(_))));
        }
        (RecordKey::ClearSubject { subject, .. }, Some(_)) => {
            for (version, deleted) in fold.versions(subject) {
                if deleted {
                    fold.remove_version(subject, version);
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Checks a schema row's value against its key: same subject and version, a valid id, a known
/// type (absent means AVRO).
fn row<'r>(subject: &str, version: u32, value: &'r SchemaValue) -> Result<Row<'r>, Skipped> {
    if value.subject != subject || value.version != version {
        return Err(Skipped::KeyValueMismatch {
            key_subject: subject.to_owned(),
            key_version: version,
            value_subject: value.subject.clone(),
            value_version: value.version,
        });
    }
    let Some(id) = SchemaId::new(i64::from(value.id)) else {
        return Err(Skipped::Id { subject: subject.to_owned(), version, id: value.id });
    };
    let Some(schema_type) = SchemaType::from_optional(value.schema_type.as_deref()) else {
        return Err(Skipped::SchemaType {
            subject: subject.to_owned(),
            version,
            name: value.schema_type.clone().unwrap_or_default(),
        });
    };
    Ok(Row { id, schema_type, value })
}

fn check_config(config: &ConfigValue) -> Result<&ConfigValue, Skipped> {
    if let Some(level) = &config.compatibility_level
        && CompatibilityLevel::parse(level).is_none()
    {
        return Err(Skipped::Level(level.clone()));
    }
    if let Some(policy) = &config.json_policy
        && JsonPolicy::parse(policy).is_none()
    {
        return Err(Skipped::Policy(policy.clone()));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::records::{ClearSubjectValue, DeleteSubjectValue};

    /// The simplest fold: rows as `subject:version=id[d]`, configs and modes as strings.
    #[derive(Default)]
    struct Rows {
        rows: BTreeMap<(String, Version), (SchemaId, SchemaType, bool)>,
        settings: BTreeMap<String, String>,
    }

    impl Fold for Rows {
        fn put_version(&mut self, subject: &str, version: Version, row: Row<'_>) {
            let value = (row.id, row.schema_type, row.value.deleted);
            self.rows.insert((subject.to_owned(), version), value);
        }
        fn remove_version(&mut self, subject: &str, version: Version) {
            self.rows.remove(&(subject.to_owned(), version));
        }
        fn versions(&self, subject: &str) -> Vec<(Version, bool)> {
            let rows = self.rows.iter().filter(|((s, _), _)| s == subject);
            rows.map(|((_, v), (_, _, deleted))| (*v, *deleted)).collect()
        }
        fn soft_delete(&mut self, subject: &str, version: Version) {
            if let Some(row) = self.rows.get_mut(&(subject.to_owned(), version)) {
                row.2 = true;
            }
        }
        fn set_config(&mut self, subject: Option<&str>, config: Option<&ConfigValue>) {
            let key = format!("config:{}", subject.unwrap_or("*"));
            match config.and_then(|c| c.compatibility_level.clone()) {
                Some(level) => self.settings.insert(key, level),
                None => self.settings.remove(&key),
            };
        }
        fn set_mode(&mut self, subject: Option<&str>, mode: Option<Mode>) {
            let key = format!("mode:{}", subject.unwrap_or("*"));
            match mode {
                Some(mode) => self.settings.insert(key, mode.as_str().to_owned()),
                None => self.settings.remove(&key),
            };
        }
        fn set_context(&mut self, context: &str, exists: bool) {
            let key = format!("context:{context}");
            match exists {
                true => self.settings.insert(key, "yes".into()),
                false => self.settings.remove(&key),
            };
        }
    }

    fn row(
        subject: &str,
        version: u32,
        id: u32,
        schema_type: Option<&str>,
        deleted: bool,
    ) -> Record {
        Record {
            key: RecordKey::schema(subject, version),
            value: Some(RecordValue::Schema(SchemaValue {
                subject: subject.into(),
                version,
                id,
                schema_type: schema_type.map(str::to_owned),
                references: Vec::new(),
                metadata: None,
                rule_set: None,
                schema: "\"string\"".into(),
                deleted,
            })),
        }
    }

    fn tombstone(subject: &str, version: u32) -> Record {
        Record { key: RecordKey::schema(subject, version), value: None }
    }

    fn config(subject: Option<&str>, level: &str) -> Record {
        Record {
            key: RecordKey::config(subject.map(str::to_owned)),
            value: Some(RecordValue::Config(ConfigValue {
                compatibility_level: Some(level.into()),
                ..ConfigValue::default()
            })),
        }
    }

    fn mode(subject: Option<&str>, mode: &str) -> Record {
        Record {
            key: RecordKey::mode(subject.map(str::to_owned)),
            value: Some(RecordValue::Mode(ModeValue { mode: mode.into() })),
        }
    }

    fn delete_subject(subject: &str, version: Option<u32>) -> Record {
        Record {
            key: RecordKey::delete_subject(subject),
            value: Some(RecordValue::DeleteSubject(DeleteSubjectValue {
                subject: subject.into(),
                version,
            })),
        }
    }

    fn clear_subject(subject: &str) -> Record {
        Record {
            key: RecordKey::clear_subject(subject),
            value: Some(RecordValue::ClearSubject(ClearSubjectValue { subject: subject.into() })),
        }
    }

    /// Folds `records`; describes the rows, the settings and the skips.
    fn check(records: Vec<Record>, expected: &str) {
        let mut fold = Rows::default();
        let mut parts = Vec::new();
        for record in &records {
            if let Err(skipped) = apply(&mut fold, record) {
                parts.push(format!("skip({skipped})"));
            }
        }
        for ((subject, version), (id, schema_type, deleted)) in &fold.rows {
            let d = if *deleted { "d" } else { "" };
            parts.push(format!("{subject}:{version}={id}{d}/{schema_type}"));
        }
        for (key, value) in &fold.settings {
            parts.push(format!("{key}={value}"));
        }
        assert_eq!(parts.join(" "), expected);
    }

    #[test]
    fn records_fold_as_confluent_writes_them() {
        check(vec![row("a", 1, 1, None, false)], "a:1=1/AVRO");
        check(vec![row("a", 1, 1, Some("json"), false)], "a:1=1/JSON");
        check(vec![row("a", 1, 1, None, false), row("a", 1, 1, None, true)], "a:1=1d/AVRO");
        check(vec![row("a", 1, 1, None, false), tombstone("a", 1)], "");
        check(
            vec![
                row("a", 1, 1, None, false),
                row("a", 2, 2, None, false),
                delete_subject("a", Some(1)),
            ],
            "a:1=1d/AVRO a:2=2/AVRO",
        );
        // Redpanda's DELETE_SUBJECT names no version: every version there is at that point.
        check(
            vec![
                row("a", 1, 1, None, false),
                row("a", 2, 2, None, false),
                delete_subject("a", None),
                row("a", 3, 3, None, false),
            ],
            "a:1=1d/AVRO a:2=2d/AVRO a:3=3/AVRO",
        );
        check(
            vec![row("a", 1, 1, None, true), row("a", 2, 2, None, false), clear_subject("a")],
            "a:2=2/AVRO",
        );
        check(
            vec![
                config(None, "FULL"),
                config(Some("s"), "NONE"),
                mode(Some("s"), "readonly_override"),
            ],
            "config:*=FULL config:s=NONE mode:s=READONLY",
        );
        check(
            vec![
                mode(None, "IMPORT"),
                Record { key: RecordKey::mode(None), value: None },
                Record { key: RecordKey::Noop { magic: 0 }, value: None },
            ],
            "",
        );
    }

    #[test]
    fn contexts_fold_and_their_subjects_are_subjects() {
        use crate::records::ContextValue;
        let context = |name: &str, exists: bool| Record {
            key: RecordKey::context(name),
            value: exists.then(|| {
                RecordValue::Context(ContextValue {
                    tenant: "default".into(),
                    context: name.into(),
                })
            }),
        };
        check(
            vec![context(".a", true), row(":.a:s", 1, 1, None, false), context(".b", true)],
            ":.a:s:1=1/AVRO context:.a=yes context:.b=yes",
        );
        check(vec![context(".a", true), context(".a", false)], "");
    }

    #[test]
    fn records_that_make_no_sense_change_nothing() {
        check(vec![row("a", 0, 1, None, false)], "skip(subject 'a': version 0 is not 1..2^31-1)");
        check(
            vec![row("a", 1, 0, None, false)],
            "skip(subject 'a' version 1: id 0 is not 1..2^31-1)",
        );
        check(
            vec![row("a", 1, 1, Some("XML"), false)],
            "skip(subject 'a' version 1: unknown schema type 'XML')",
        );
        check(vec![config(None, "SIDEWAYS")], "skip(unknown compatibility level 'SIDEWAYS')");
        check(
            vec![mode(None, "IMPORT"), mode(None, "SIDEWAYS")],
            "skip(unknown mode 'SIDEWAYS': expected READWRITE, READONLY or IMPORT) mode:*=IMPORT",
        );
        let mut mismatch = row("a", 1, 1, None, false);
        mismatch.key = RecordKey::schema("b", 1);
        check(
            vec![mismatch],
            "skip(the key names subject 'b' version 1 but the value subject 'a' version 1)",
        );
    }

    #[test]
    fn absent_schema_type_means_avro() {
        let cases: &[(Option<&str>, Option<SchemaType>)] = &[
            (None, Some(SchemaType::Avro)),
            (Some("AVRO"), Some(SchemaType::Avro)),
            (Some("json"), Some(SchemaType::Json)),
            (Some("XML"), None),
        ];
        for (name, expected) in cases {
            assert_eq!(SchemaType::from_optional(*name), *expected, "{name:?}");
        }
        assert_eq!(SchemaType::Avro.to_optional(), None);
        assert_eq!(SchemaType::Json.to_optional(), Some("JSON"));
    }
}
