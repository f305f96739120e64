//! Registry operations for migrations and restores, not for applications: registering a schema
//! under the id and version a backup gives it. Kept apart from [`RegistryClient`]'s everyday
//! methods because it only works while the target is in IMPORT mode and bypasses the client's
//! caches and local parsing; `schemata import` is built on it.

use reqwest::Method;
use schemata_core::api::{self, RegisterSchemaRequest, RegisterSchemaResponse};
use schemata_core::{Metadata, RuleSet, SchemaId, SchemaReference, SchemaType, Version};

use crate::{RegistryClient, Result};

/// A schema as a backup holds it: what [`register_with_id`] sends.
#[derive(Debug, Clone, Copy)]
pub struct ImportedSchema<'a> {
    /// The id the schema keeps on the target.
    pub id: SchemaId,
    /// Its version under the subject.
    pub version: Version,
    /// Its language.
    pub schema_type: SchemaType,
    /// The schema text as the backup has it, sent unparsed.
    pub text: &'a str,
    /// The schemas it references, by subject and version.
    pub references: &'a [SchemaReference],
    /// Its data contract's metadata, restored as the backup has it (IMPORT mode takes it as
    /// sent, without inheritance).
    pub metadata: Option<&'a Metadata>,
    /// Its data contract's rules.
    pub rule_set: Option<&'a RuleSet>,
}

/// Registers schema text under an explicit id and version, as a restore or a migration does
/// (`POST /subjects/{subject}/versions` with `id` and `version`). The registry accepts this only
/// while the subject (or the registry) is in IMPORT mode. The text is sent unparsed and uncached:
/// the target may not hold the references yet when a caller validates a whole backup first, and
/// the answer (the id the registry kept) is the caller's to check.
///
/// ```no_run
/// # async fn restore(client: &schemata::RegistryClient) -> schemata::Result<()> {
/// use schemata::admin::{ImportedSchema, register_with_id};
/// use schemata::{SchemaId, SchemaType, Version};
///
/// let schema = ImportedSchema {
///     id: SchemaId::new(42).expect("a positive id"),
///     version: Version::new(1).expect("a positive version"),
///     schema_type: SchemaType::Avro,
///     text: r#"{"type":"record","name":"Order","fields":[]}"#,
///     references: &[],
///     metadata: None,
///     rule_set: None,
/// };
/// let answer = register_with_id(client, "orders-value", &schema).await?;
/// assert_eq!(answer.id, 42);
/// # Ok(())
/// # }
/// ```
pub async fn register_with_id(
    client: &RegistryClient,
    subject: &str,
    schema: &ImportedSchema<'_>,
) -> Result<RegisterSchemaResponse> {
    let request = import_request(schema);
    let answer =
        client.call(Method::POST, &["subjects", subject, "versions"], &[], Some(&request)).await;
    client.forget_latest(subject);
    answer
}

fn import_request(schema: &ImportedSchema<'_>) -> RegisterSchemaRequest {
    RegisterSchemaRequest {
        schema: schema.text.to_owned(),
        schema_type: (schema.schema_type != SchemaType::Avro)
            .then(|| schema.schema_type.as_str().to_owned()),
        references: schema.references.iter().map(api::SchemaReference::from).collect(),
        id: Some(i64::from(schema.id.0)),
        version: Some(i64::from(schema.version.0)),
        metadata: schema.metadata.cloned(),
        rule_set: schema.rule_set.cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_requests_carry_id_and_version() {
        let references =
            [SchemaReference { name: "a.B".into(), subject: "b-value".into(), version: 2 }];
        let check = |schema_type, references: &[SchemaReference], expected: &str| {
            let schema = ImportedSchema {
                id: SchemaId(7),
                version: Version(3),
                schema_type,
                text: "{}",
                references,
                metadata: None,
                rule_set: None,
            };
            assert_eq!(serde_json::to_string(&import_request(&schema)).unwrap(), expected);
        };
        check(SchemaType::Avro, &[], r#"{"schema":"{}","id":7,"version":3}"#);
        check(
            SchemaType::Json,
            &references,
            r#"{"schema":"{}","schemaType":"JSON","references":[{"name":"a.B","subject":"b-value","version":2}],"id":7,"version":3}"#,
        );
    }
}
