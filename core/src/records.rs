//! The `_schemas` record format, Confluent's, used by every storage backend: a JSON key naming
//! what the record is about and a JSON value (null = tombstone). Keys are written with Confluent's
//! field order byte for byte, because compaction in a Kafka `_schemas` topic compares key bytes
//! and a Confluent or Karapace registry must see our records as its own. Unknown fields and
//! unknown keytypes are tolerated on read, so a topic written by a newer registry still replays.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contract::{Metadata, RuleSet};

/// The key of a `_schemas` record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordKey {
    /// A schema version under a subject. Confluent writes magic 1 for these.
    Schema { subject: String, version: u32, magic: u32 },
    /// Compatibility config of a subject, or the global config when `subject` is `None`.
    Config { subject: Option<String>, magic: u32 },
    /// Mode of a subject, or the global mode when `subject` is `None`.
    Mode { subject: Option<String>, magic: u32 },
    /// Soft deletion of every version of a subject up to a version.
    DeleteSubject { subject: String, magic: u32 },
    /// Hard deletion of a subject's soft-deleted versions.
    ClearSubject { subject: String, magic: u32 },
    /// A schema context exists (Confluent writes one before the first schema of a context;
    /// a tombstone deletes the context). `tenant` is Confluent's, `default` outside its cloud.
    Context { tenant: String, context: String, magic: u32 },
    /// An offset probe; ignored on replay.
    Noop { magic: u32 },
    /// A keytype this version does not know; kept so that replay can skip it knowingly.
    Unknown { keytype: String },
}

/// A reference inside a stored schema value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceValue {
    pub name: String,
    pub subject: String,
    pub version: i32,
}

/// The same three fields in the schema model, the REST bodies and the records: conversions, so
/// no caller copies them by hand.
macro_rules! reference_conversions {
    ($($from:ty => $to:ty),* $(,)?) => {$(
        impl From<&$from> for $to {
            fn from(r: &$from) -> Self {
                Self { name: r.name.clone(), subject: r.subject.clone(), version: r.version }
            }
        }
    )*};
}

reference_conversions!(
    ReferenceValue => crate::schema::SchemaReference,
    ReferenceValue => crate::api::SchemaReference,
    crate::schema::SchemaReference => ReferenceValue,
    crate::api::SchemaReference => ReferenceValue,
    crate::api::SchemaReference => crate::schema::SchemaReference,
    crate::schema::SchemaReference => crate::api::SchemaReference,
);

/// Value of a `SCHEMA` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaValue {
    pub subject: String,
    pub version: u32,
    pub id: u32,
    /// Absent means AVRO, as Confluent writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<ReferenceValue>,
    /// The data contract's metadata, in Confluent's field name, so export/import and a Kafka
    /// `_schemas` topic keep it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// The data contract's rules (Confluent Enterprise's field; its community edition drops it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_set: Option<RuleSet>,
    pub schema: String,
    #[serde(default)]
    pub deleted: bool,
}

/// Value of a `CONFIG` record: the REST API's config body, field for field (Confluent writes the
/// same JSON in both places), so the two can never drift apart.
pub type ConfigValue = crate::api::Config;

/// Value of a `MODE` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModeValue {
    pub mode: String,
}

/// The registry modes of the Confluent API, as `MODE` records and the REST API spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    #[default]
    ReadWrite,
    ReadOnly,
    Import,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::ReadWrite => "READWRITE",
            Mode::ReadOnly => "READONLY",
            Mode::Import => "IMPORT",
        }
    }

    /// Parses the REST/record spelling, in any case; READONLY_OVERRIDE is read as READONLY.
    pub fn parse(name: &str) -> Option<Mode> {
        match name.to_ascii_uppercase().as_str() {
            "READWRITE" => Some(Mode::ReadWrite),
            "READONLY" | "READONLY_OVERRIDE" => Some(Mode::ReadOnly),
            "IMPORT" => Some(Mode::Import),
            _ => None,
        }
    }
}

/// Value of a `DELETE_SUBJECT` record: every version up to `version` is soft-deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteSubjectValue {
    pub subject: String,
    /// Confluent and Karapace always write it (and skip a record without it); Redpanda writes
    /// none, meaning every version the subject has at that point. We always write it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
}

/// Value of a `CLEAR_SUBJECT` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClearSubjectValue {
    pub subject: String,
}

/// Value of a `CONTEXT` record: the key's tenant and context again, as Confluent writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextValue {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tenant: String,
    pub context: String,
}

/// The tenant Confluent names every record of a registry that is not multi-tenant.
pub const DEFAULT_TENANT: &str = "default";

/// A decoded record value; `None` at the `Record` level is a tombstone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordValue {
    Schema(SchemaValue),
    Config(ConfigValue),
    Mode(ModeValue),
    DeleteSubject(DeleteSubjectValue),
    ClearSubject(ClearSubjectValue),
    Context(ContextValue),
    /// The value of a record whose key is `Unknown`, kept verbatim.
    Unknown(Value),
}

/// A whole `_schemas` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub key: RecordKey,
    pub value: Option<RecordValue>,
}

/// Why bytes are not a `_schemas` record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    #[error("record key is not valid JSON: {0}")]
    KeyJson(String),
    #[error("record key has no string 'keytype'")]
    MissingKeytype,
    #[error("record key of type {keytype} lacks field '{field}'")]
    KeyField { keytype: &'static str, field: &'static str },
    #[error("record value for {keytype} is invalid: {message}")]
    Value { keytype: &'static str, message: String },
}

impl RecordKey {
    /// The key of a schema version record, with Confluent's magic.
    pub fn schema(subject: impl Into<String>, version: u32) -> RecordKey {
        RecordKey::Schema { subject: subject.into(), version, magic: 1 }
    }

    /// The key of a config record (`None` = global).
    pub fn config(subject: Option<String>) -> RecordKey {
        RecordKey::Config { subject, magic: 0 }
    }

    /// The key of a mode record (`None` = global).
    pub fn mode(subject: Option<String>) -> RecordKey {
        RecordKey::Mode { subject, magic: 0 }
    }

    pub fn delete_subject(subject: impl Into<String>) -> RecordKey {
        RecordKey::DeleteSubject { subject: subject.into(), magic: 0 }
    }

    pub fn clear_subject(subject: impl Into<String>) -> RecordKey {
        RecordKey::ClearSubject { subject: subject.into(), magic: 0 }
    }

    /// The key of a context record (`.ctx`), in Confluent's default tenant.
    pub fn context(context: impl Into<String>) -> RecordKey {
        RecordKey::Context { tenant: DEFAULT_TENANT.into(), context: context.into(), magic: 0 }
    }

    pub fn keytype(&self) -> &str {
        match self {
            RecordKey::Schema { .. } => "SCHEMA",
            RecordKey::Config { .. } => "CONFIG",
            RecordKey::Mode { .. } => "MODE",
            RecordKey::DeleteSubject { .. } => "DELETE_SUBJECT",
            RecordKey::ClearSubject { .. } => "CLEAR_SUBJECT",
            RecordKey::Context { .. } => "CONTEXT",
            RecordKey::Noop { .. } => "NOOP",
            RecordKey::Unknown { keytype } => keytype,
        }
    }

    /// Serializes the key in Confluent's field order: keytype, subject, version, magic (a
    /// context's: keytype, tenant, context, magic).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut map = serde_json::Map::new();
        map.insert("keytype".into(), Value::from(self.keytype()));
        match self {
            RecordKey::Schema { subject, version, magic } => {
                map.insert("subject".into(), Value::from(subject.as_str()));
                map.insert("version".into(), Value::from(*version));
                map.insert("magic".into(), Value::from(*magic));
            }
            RecordKey::Config { subject, magic } | RecordKey::Mode { subject, magic } => {
                if let Some(subject) = subject {
                    map.insert("subject".into(), Value::from(subject.as_str()));
                }
                map.insert("magic".into(), Value::from(*magic));
            }
            RecordKey::DeleteSubject { subject, magic }
            | RecordKey::ClearSubject { subject, magic } => {
                map.insert("subject".into(), Value::from(subject.as_str()));
                map.insert("magic".into(), Value::from(*magic));
            }
            RecordKey::Context { tenant, context, magic } => {
                map.insert("tenant".into(), Value::from(tenant.as_str()));
                map.insert("context".into(), Value::from(context.as_str()));
                map.insert("magic".into(), Value::from(*magic));
            }
            RecordKey::Noop { magic } => {
                map.insert("magic".into(), Value::from(*magic));
            }
            RecordKey::Unknown { .. } => {}
        }
        serde_json::to_vec(&Value::Object(map)).unwrap_or_default()
    }

    /// Parses a key; unknown keytypes become `RecordKey::Unknown`, unknown fields are ignored.
    pub fn from_bytes(bytes: &[u8]) -> Result<RecordKey, RecordError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| RecordError::KeyJson(e.to_string()))?;
        let keytype =
            value.get("keytype").and_then(Value::as_str).ok_or(RecordError::MissingKeytype)?;
        let magic = value.get("magic").and_then(Value::as_u64).unwrap_or(0) as u32;
        let subject = value.get("subject").and_then(Value::as_str).map(str::to_owned);
        let need_subject = |keytype: &'static str| {
            subject.clone().ok_or(RecordError::KeyField { keytype, field: "subject" })
        };
        Ok(match keytype {
            "SCHEMA" => {
                let version = value
                    .get("version")
                    .and_then(Value::as_u64)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or(RecordError::KeyField { keytype: "SCHEMA", field: "version" })?;
                RecordKey::Schema { subject: need_subject("SCHEMA")?, version, magic }
            }
            "CONFIG" => RecordKey::Config { subject, magic },
            "MODE" => RecordKey::Mode { subject, magic },
            "DELETE_SUBJECT" => {
                RecordKey::DeleteSubject { subject: need_subject("DELETE_SUBJECT")?, magic }
            }
            "CLEAR_SUBJECT" => {
                RecordKey::ClearSubject { subject: need_subject("CLEAR_SUBJECT")?, magic }
            }
            "CONTEXT" => {
                let context = value
                    .get("context")
                    .and_then(Value::as_str)
                    .ok_or(RecordError::KeyField { keytype: "CONTEXT", field: "context" })?;
                let tenant = value.get("tenant").and_then(Value::as_str).unwrap_or(DEFAULT_TENANT);
                RecordKey::Context { tenant: tenant.to_owned(), context: context.to_owned(), magic }
            }
            "NOOP" => RecordKey::Noop { magic },
            other => RecordKey::Unknown { keytype: other.to_owned() },
        })
    }
}

impl RecordValue {
    pub fn to_bytes(&self) -> Vec<u8> {
        let result = match self {
            RecordValue::Schema(v) => serde_json::to_vec(v),
            RecordValue::Config(v) => serde_json::to_vec(v),
            RecordValue::Mode(v) => serde_json::to_vec(v),
            RecordValue::DeleteSubject(v) => serde_json::to_vec(v),
            RecordValue::ClearSubject(v) => serde_json::to_vec(v),
            RecordValue::Context(v) => serde_json::to_vec(v),
            RecordValue::Unknown(v) => serde_json::to_vec(v),
        };
        // Serializing these plain structs cannot fail: every map key is a string.
        result.unwrap_or_default()
    }

    /// Parses the value of a record with key `key`; `None` bytes (or JSON `null`) is a tombstone.
    pub fn from_bytes(
        key: &RecordKey,
        bytes: Option<&[u8]>,
    ) -> Result<Option<RecordValue>, RecordError> {
        let Some(bytes) = bytes else { return Ok(None) };
        fn parse<T: serde::de::DeserializeOwned>(
            keytype: &'static str,
            bytes: &[u8],
        ) -> Result<Option<T>, RecordError> {
            serde_json::from_slice::<Option<T>>(bytes)
                .map_err(|e| RecordError::Value { keytype, message: e.to_string() })
        }
        Ok(match key {
            RecordKey::Schema { .. } => parse("SCHEMA", bytes)?.map(RecordValue::Schema),
            RecordKey::Config { .. } => parse("CONFIG", bytes)?.map(RecordValue::Config),
            RecordKey::Mode { .. } => parse("MODE", bytes)?.map(RecordValue::Mode),
            RecordKey::DeleteSubject { .. } => {
                parse("DELETE_SUBJECT", bytes)?.map(RecordValue::DeleteSubject)
            }
            RecordKey::ClearSubject { .. } => {
                parse("CLEAR_SUBJECT", bytes)?.map(RecordValue::ClearSubject)
            }
            RecordKey::Context { .. } => parse("CONTEXT", bytes)?.map(RecordValue::Context),
            RecordKey::Noop { .. } => None,
            RecordKey::Unknown { .. } => parse("UNKNOWN", bytes)?.map(RecordValue::Unknown),
        })
    }
}

impl Record {
    /// Encodes to (key bytes, value bytes); `None` value bytes is a tombstone.
    pub fn to_bytes(&self) -> (Vec<u8>, Option<Vec<u8>>) {
        (self.key.to_bytes(), self.value.as_ref().map(RecordValue::to_bytes))
    }

    pub fn from_bytes(key: &[u8], value: Option<&[u8]>) -> Result<Record, RecordError> {
        let key = RecordKey::from_bytes(key)?;
        let value = RecordValue::from_bytes(&key, value)?;
        Ok(Record { key, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_key(key: RecordKey, expected: &str) {
        assert_eq!(String::from_utf8(key.to_bytes()).unwrap(), expected);
        assert_eq!(RecordKey::from_bytes(expected.as_bytes()).unwrap(), key);
    }

    #[test]
    fn keys_keep_confluent_field_order() {
        check_key(
            RecordKey::schema("orders-value", 3),
            r#"{"keytype":"SCHEMA","subject":"orders-value","version":3,"magic":1}"#,
        );
        check_key(RecordKey::config(None), r#"{"keytype":"CONFIG","magic":0}"#);
        check_key(
            RecordKey::config(Some("s".into())),
            r#"{"keytype":"CONFIG","subject":"s","magic":0}"#,
        );
        check_key(
            RecordKey::mode(Some("s".into())),
            r#"{"keytype":"MODE","subject":"s","magic":0}"#,
        );
        check_key(RecordKey::mode(None), r#"{"keytype":"MODE","magic":0}"#);
        check_key(
            RecordKey::delete_subject("s"),
            r#"{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}"#,
        );
        check_key(
            RecordKey::clear_subject("s"),
            r#"{"keytype":"CLEAR_SUBJECT","subject":"s","magic":0}"#,
        );
        check_key(RecordKey::Noop { magic: 0 }, r#"{"keytype":"NOOP","magic":0}"#);
        check_key(
            RecordKey::context(".team"),
            r#"{"keytype":"CONTEXT","tenant":"default","context":".team","magic":0}"#,
        );
        // Qualified subjects are the subject itself in every key, as Confluent writes them.
        check_key(
            RecordKey::schema(":.team:orders", 1),
            r#"{"keytype":"SCHEMA","subject":":.team:orders","version":1,"magic":1}"#,
        );
    }

    #[test]
    fn context_values_as_confluent_writes_them() {
        let key = RecordKey::context(".team").to_bytes();
        let value = r#"{"tenant":"default","context":".team"}"#;
        let record = Record::from_bytes(&key, Some(value.as_bytes())).unwrap();
        let expected = ContextValue { tenant: "default".into(), context: ".team".into() };
        assert_eq!(record.value, Some(RecordValue::Context(expected)));
        assert_eq!(record.to_bytes().1.unwrap(), value.as_bytes());
        let tombstone = Record::from_bytes(&key, None).unwrap();
        assert_eq!(tombstone.value, None);
        assert_eq!(
            RecordKey::from_bytes(br#"{"keytype":"CONTEXT","magic":0}"#),
            Err(RecordError::KeyField { keytype: "CONTEXT", field: "context" })
        );
    }

    #[test]
    fn keys_written_by_others_are_read() {
        let cases: &[(&str, Result<RecordKey, RecordError>)] = &[
            // Some Confluent versions write a null subject for the global config.
            (r#"{"keytype":"CONFIG","subject":null,"magic":0}"#, Ok(RecordKey::config(None))),
            // Field order and unknown fields do not matter on read.
            (
                r#"{"magic":1,"version":2,"subject":"a","keytype":"SCHEMA","x":1}"#,
                Ok(RecordKey::schema("a", 2)),
            ),
            (
                r#"{"keytype":"FUTURE","magic":7}"#,
                Ok(RecordKey::Unknown { keytype: "FUTURE".into() }),
            ),
            (
                r#"{"keytype":"SCHEMA","subject":"a","magic":1}"#,
                Err(RecordError::KeyField { keytype: "SCHEMA", field: "version" }),
            ),
            (
                r#"{"keytype":"SCHEMA","version":1,"magic":1}"#,
                Err(RecordError::KeyField { keytype: "SCHEMA", field: "subject" }),
            ),
            (r#"{"subject":"a"}"#, Err(RecordError::MissingKeytype)),
        ];
        for (bytes, expected) in cases {
            assert_eq!(&RecordKey::from_bytes(bytes.as_bytes()), expected, "{bytes}");
        }
        assert!(matches!(RecordKey::from_bytes(b"{"), Err(RecordError::KeyJson(_))));
    }

    #[test]
    fn values_round_trip_and_tolerate_unknown_fields() {
        let value = r#"{"subject":"s","version":1,"id":7,"schemaType":"JSON","references":[{"name":"a.json","subject":"a","version":2}],"schema":"{}","deleted":false}"#;
        let record = Record::from_bytes(
            RecordKey::schema("s", 1).to_bytes().as_slice(),
            Some(value.as_bytes()),
        )
        .unwrap();
        assert_eq!(String::from_utf8(record.to_bytes().1.unwrap()).unwrap(), value);

        // A data contract (Confluent's field names and order) comes back byte for byte.
        let contract = r#"{"subject":"s","version":2,"id":8,"metadata":{"tags":{"r.ssn":["PII"]},"properties":{"major":"1","owner":"x"},"sensitive":["k"]},"ruleSet":{"migrationRules":[{"name":"up","kind":"TRANSFORM","mode":"UPGRADE","type":"JSONATA","expr":"$","disabled":false}],"domainRules":[{"name":"c","kind":"CONDITION","mode":"WRITE","type":"CEL","tags":["PII"],"params":{"a":"b"},"expr":"true","onSuccess":"NONE","onFailure":"ERROR","disabled":true}]},"schema":"\"string\"","deleted":false}"#;
        let record = Record::from_bytes(
            RecordKey::schema("s", 2).to_bytes().as_slice(),
            Some(contract.as_bytes()),
        )
        .unwrap();
        assert_eq!(String::from_utf8(record.to_bytes().1.unwrap()).unwrap(), contract);

        let avro = r#"{"subject":"s","version":1,"id":7,"schema":"\"string\"","deleted":true,"metadata":null,"ruleSet":null}"#;
        let record =
            Record::from_bytes(&RecordKey::schema("s", 1).to_bytes(), Some(avro.as_bytes()))
                .unwrap();
        let Some(RecordValue::Schema(schema)) = record.value else { panic!("not a schema value") };
        assert_eq!((schema.schema_type, schema.deleted, schema.references.len()), (None, true, 0));

        let tombstone = Record::from_bytes(&RecordKey::schema("s", 1).to_bytes(), None).unwrap();
        assert_eq!(tombstone.value, None);
        let null =
            Record::from_bytes(&RecordKey::schema("s", 1).to_bytes(), Some(b"null")).unwrap();
        assert_eq!(null.value, None);

        let config = Record::from_bytes(
            br#"{"keytype":"CONFIG","magic":0}"#,
            Some(br#"{"compatibilityLevel":"FULL","alias":null}"#),
        )
        .unwrap();
        assert_eq!(
            config.value,
            Some(RecordValue::Config(ConfigValue {
                compatibility_level: Some("FULL".into()),
                ..ConfigValue::default()
            }))
        );
        let bad = Record::from_bytes(br#"{"keytype":"MODE","magic":0}"#, Some(br#"{"mode":5}"#));
        assert!(matches!(bad, Err(RecordError::Value { keytype: "MODE", .. })));
    }

    #[test]
    fn delete_subject_values_with_and_without_a_version() {
        let key = RecordKey::delete_subject("s").to_bytes();
        for (value, version) in
            [(r#"{"subject":"s","version":3}"#, Some(3)), (r#"{"subject":"s"}"#, None)]
        {
            let record = Record::from_bytes(&key, Some(value.as_bytes())).unwrap();
            let Some(RecordValue::DeleteSubject(parsed)) = &record.value else {
                panic!("{value}: {record:?}")
            };
            assert_eq!(parsed.version, version, "{value}");
            // Written back as read: no version invented.
            assert_eq!(record.to_bytes().1.unwrap(), value.as_bytes(), "{value}");
        }
    }
}
