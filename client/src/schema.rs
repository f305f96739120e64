//! The `Schema` trait: what a typed event knows about itself at compile time (its Avro schema,
//! JSON Schema, full name and subject), implemented by `#[derive(Schema)]` and `include_schema!`.

use std::fmt;

use serde_json::Value;

#[cfg(test)]
mod codegen_tests;
#[cfg(test)]
mod interop_tests;
#[cfg(test)]
mod tests;

/// How a serializer names the subject a type's schema is registered under (Confluent's
/// `key.subject.name.strategy` / `value.subject.name.strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SubjectNameStrategy {
    /// `<topic>-key` or `<topic>-value`: one schema lineage per topic (Confluent's default).
    #[default]
    TopicName,
    /// `<full name>`: one lineage per type, shared by every topic carrying it.
    RecordName,
    /// `<topic>-<full name>`: one lineage per type per topic.
    TopicRecordName,
}

impl SubjectNameStrategy {
    /// The subject for `topic`, for a record key (`is_key`) or value whose schema is `full_name`.
    pub fn subject(self, topic: &str, full_name: &str, is_key: bool) -> String {
        match self {
            SubjectNameStrategy::TopicName => {
                format!("{topic}-{}", if is_key { "key" } else { "value" })
            }
            SubjectNameStrategy::RecordName => full_name.to_owned(),
            SubjectNameStrategy::TopicRecordName => format!("{topic}-{full_name}"),
        }
    }
}

impl fmt::Display for SubjectNameStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubjectNameStrategy::TopicName => "TopicNameStrategy",
            SubjectNameStrategy::RecordName => "RecordNameStrategy",
            SubjectNameStrategy::TopicRecordName => "TopicRecordNameStrategy",
        })
    }
}

/// A Rust type whose schema is known at compile time. Derive it (`#[derive(schemata::Schema)]`)
/// or generate it from a schema file (`schemata::include_schema!`); the schemas are built on first
/// use and cached for the life of the process.
pub trait Schema {
    /// The Avro schema, with every named type defined once and referred to by full name after.
    fn avro_schema() -> &'static Value;

    /// The JSON Schema (draft 7) describing what serde_json writes for the type.
    fn json_schema() -> &'static Value;

    /// The Avro full name (`namespace.Name`); for a newtype of a primitive, the primitive's name.
    fn full_name() -> &'static str;

    /// The Avro schema as compact JSON text, as registered.
    fn avro_schema_text() -> String {
        Self::avro_schema().to_string()
    }

    /// The subject this type's schema lives under for `topic` with the given strategy.
    fn subject(strategy: SubjectNameStrategy, topic: &str, is_key: bool) -> String {
        strategy.subject(topic, Self::full_name(), is_key)
    }
}
