//! JSON Schema serde in the Confluent wire format: the header, then the document as JSON text.
//! The serializer registers the type's JSON Schema and, by default, validates every document
//! against it before writing, so a producer cannot publish what its own schema forbids.

use std::marker::PhantomData;
use std::sync::Arc;

use schemata_core::json_schema::JsonSchema;
use schemata_core::wire::SchemaRef;
use schemata_core::{Guid, Schema as ParsedSchema, SchemaType};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Schema;
use crate::registry::{Error, RegisteredSchema, RegistryClient, Result};
use crate::serdes::{
    IdLookup, Naming, Prefix, SerializerConfig, Split, WriterKey, Writers, fetch_writer,
    naming_methods, split,
};

/// Most validation errors reported for one document.
pub(crate) const MAX_REPORTED_ERRORS: usize = 16;

/// Writes values of `T` as JSON documents framed with their schema id, validated first against
/// `T`'s JSON Schema unless [`SerializerConfig::validate`] is off.
///
/// ```no_run
/// # async fn demo() -> Result<(), schemata::Error> {
/// use schemata::{JsonSerializer, RegistryClient, Schema, SerializerConfig};
///
/// #[derive(Schema, serde::Serialize)]
/// struct Click { page: String, millis: i64 }
///
/// let registry = RegistryClient::new("http://localhost:8081")?;
/// let serializer = JsonSerializer::<Click>::new(registry, SerializerConfig::default())?;
/// let bytes = serializer.serialize("clicks", false, &Click { page: "/".into(), millis: 3 }).await?;
/// assert!(bytes.ends_with(br#"{"page":"/","millis":3}"#));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct JsonSerializer<T> {
    lookup: IdLookup<Prefix>,
    /// The type's schema, parsed once by core, whose JSON Schema engine compiles the validator
    /// at parse time: what is registered or looked up, and what documents are validated with.
    schema: ParsedSchema,
    _type: PhantomData<fn(&T)>,
}

impl<T: Schema + Serialize> JsonSerializer<T> {
    /// A serializer of `T` that finds its schema ids through `client` as `config` says.
    pub fn new(client: RegistryClient, config: SerializerConfig) -> Result<JsonSerializer<T>> {
        let text = T::json_schema().to_string();
        let schema = ParsedSchema::parse(SchemaType::Json, &text)?;
        Ok(JsonSerializer { lookup: IdLookup::new(client, config), schema, _type: PhantomData })
    }

    /// The framed document for `value` on `topic` (as a key or a value).
    pub async fn serialize(&self, topic: &str, is_key: bool, value: &T) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.serialize_into(topic, is_key, value, &mut out).await?;
        Ok(out)
    }

    /// How documents name their schema, as configured.
    pub fn framing(&self) -> crate::SchemaIdFraming {
        self.lookup.config().framing
    }

    /// Appends the framed document to `out`; on error `out` is left as it was.
    pub async fn serialize_into(
        &self,
        topic: &str,
        is_key: bool,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        if let Some(done) = self.serialize_cached(topic, is_key, value, out) {
            return done;
        }
        // The id alone: JSON documents are written as serde sees them, whatever schema it names.
        let lookup = &self.lookup;
        let prefix = lookup
            .resolve_type::<T, _, _>(topic, is_key, &self.schema, |id, _| async move {
                Prefix::of(lookup.client(), lookup.config().framing, id).await
            })
            .await?;
        self.write(&prefix, value, out)
    }

    /// As [`JsonSerializer::serialize_into`] without awaiting: `None` until an async call has
    /// found the schema id for this topic (and always with `use_latest_version`, whose id can
    /// change).
    pub fn serialize_cached(
        &self,
        topic: &str,
        is_key: bool,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Option<Result<()>> {
        let prefix = self.lookup.with_cached(topic, is_key, |prefix| *prefix)?;
        Some(self.write(&prefix, value, out))
    }

    /// Validates (when configured) and writes the framed document.
    fn write(&self, prefix: &Prefix, value: &T, out: &mut Vec<u8>) -> Result<()> {
        if self.lookup.config().validate
            && let Some(schema) = self.schema.as_json()
        {
            let document = serde_json::to_value(value).map_err(|e| Error::Json(e.to_string()))?;
            validate(schema, &document)?;
        }
        let start = out.len();
        prefix.write(out);
        serde_json::to_writer(&mut *out, value).map_err(|e| {
            out.truncate(start);
            Error::Json(e.to_string())
        })
    }
}

/// Every reason (up to [`MAX_REPORTED_ERRORS`]) why `document` does not validate.
pub(crate) fn validate(schema: &JsonSchema, document: &serde_json::Value) -> Result<()> {
    match schema.validate(document) {
        Ok(()) => Ok(()),
        Err(errors) => {
            let reasons = errors.iter().take(MAX_REPORTED_ERRORS).map(ToString::to_string);
            Err(Error::Validation(reasons.collect()))
        }
    }
}

/// Reads framed JSON documents into `T`. JSON has no writer/reader resolution: serde's own
/// rules (unknown fields ignored, `#[serde(default)]`) apply.
///
/// ```no_run
/// # async fn demo(bytes: Vec<u8>) -> Result<(), schemata::Error> {
/// use schemata::{JsonDeserializer, RegistryClient};
///
/// #[derive(Debug, serde::Deserialize)]
/// struct Click { page: String }
///
/// let registry = RegistryClient::new("http://localhost:8081")?;
/// let deserializer = JsonDeserializer::<Click>::with_registry(registry);
/// // Fetches the writer schema with `?subject=clicks-value`.
/// let click = deserializer.deserialize("clicks", &bytes).await?;
/// # Ok(()) }
/// ```
///
/// Two modes, as in Confluent's JSONDeserializer when it has a registry and when it has none:
///
/// - [`JsonDeserializer::with_registry`], what consumers should use: the writer schema is
///   fetched by the record's id, with the subject the subject name strategy names (TopicName,
///   `<topic>-value`, by default; see [`JsonDeserializer::subject_name_strategy`],
///   [`JsonDeserializer::subject`] and [`JsonDeserializer::key`]), which picks the id's context
///   in a registry with contexts, as Confluent's deserializers pass it. An unknown id is the
///   registry's error (40403), a schema that is not JSON Schema is [`Error::SchemaType`], and
///   the document is validated against the writer schema (on by default, see
///   [`JsonDeserializer::validate`]). The validator is compiled when the schema is parsed, so
///   once per writer.
/// - [`JsonDeserializer::new`], without a registry: only the frame's shape is checked. A record
///   with an unknown id, or with the id of an Avro schema, decodes whenever its payload parses
///   as `T`.
#[derive(Debug)]
pub struct JsonDeserializer<T> {
    client: Option<RegistryClient>,
    validate: bool,
    naming: Naming,
    /// Writer schemas by writer (subject and id, or GUID).
    writers: Writers<Arc<RegisteredSchema>>,
    _type: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Default for JsonDeserializer<T> {
    fn default() -> Self {
        JsonDeserializer {
            client: None,
            validate: true,
            naming: Naming::default(),
            writers: Writers::default(),
            _type: PhantomData,
        }
    }
}

/// Why a document did not decode, finer than [`Error`]: the Kafka codec tells text that is not
/// JSON (corrupt) from JSON of another shape (type mismatch) by serde_json's error category.
#[derive(Debug)]
pub(crate) enum Failure {
    Serde(Error),
    /// `schema` names the writer schema as the record did (an id, or a GUID when no registry
    /// resolved it).
    Document {
        schema: String,
        error: serde_json::Error,
    },
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::Serde(error)
    }
}

impl From<Failure> for Error {
    fn from(failure: Failure) -> Error {
        match failure {
            Failure::Serde(error) => error,
            Failure::Document { schema, error } => {
                Error::Json(format!("document of schema {schema}: {error}"))
            }
        }
    }
}

impl<T: DeserializeOwned> JsonDeserializer<T> {
    /// A deserializer without a registry: it does not check schema ids (see the type's docs).
    pub fn new() -> JsonDeserializer<T> {
        JsonDeserializer::default()
    }

    /// A deserializer of values that fetches each record's writer schema by id and validates
    /// the document against it.
    pub fn with_registry(client: RegistryClient) -> JsonDeserializer<T> {
        JsonDeserializer { client: Some(client), ..JsonDeserializer::default() }
    }

    /// Whether documents are validated against their writer schema (default: on). Turning it
    /// off keeps the id checks and saves building a `serde_json::Value` per record. Without a
    /// registry there is no writer schema and nothing is validated.
    pub fn validate(mut self, validate: bool) -> JsonDeserializer<T> {
        self.validate = validate;
        self
    }

    naming_methods!();

    /// The client writer schemas come from, for [`Naming::migrations`].
    fn registry(&self) -> Option<&RegistryClient> {
        self.client.as_ref()
    }

    /// Decodes a framed document (schema id or GUID) of `topic`.
    pub async fn deserialize(&self, topic: &str, bytes: &[u8]) -> Result<T> {
        self.decode(topic, self.naming.is_key, None, bytes).await.map_err(Error::from)
    }

    /// Decodes a document whose writer schema may be named in its [`crate::schema_id_header`]
    /// (whose value is `header`), the document then unframed.
    pub async fn deserialize_with_header(
        &self,
        topic: &str,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Result<T> {
        self.decode(topic, self.naming.is_key, header, bytes).await.map_err(Error::from)
    }

    /// As [`JsonDeserializer::deserialize`] without awaiting: `None` until the writer schema of
    /// this record's id, for this topic's subject, has been fetched by an async call (never
    /// `None` without a registry).
    pub fn deserialize_cached(&self, topic: &str, bytes: &[u8]) -> Option<Result<T>> {
        self.deserialize_cached_with_header(topic, None, bytes)
    }

    /// As [`JsonDeserializer::deserialize_with_header`] without awaiting.
    pub fn deserialize_cached_with_header(
        &self,
        topic: &str,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Option<Result<T>> {
        let decoded = self.decode_cached(topic, self.naming.is_key, header, bytes)?;
        Some(decoded.map_err(Error::from))
    }

    pub(crate) fn decode_cached(
        &self,
        topic: &str,
        is_key: bool,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Option<Result<T, Failure>> {
        let split = match split(header, bytes) {
            Ok(split) => split,
            Err(error) => return Some(Err(error.into())),
        };
        match &self.client {
            None => Some(from_slice(&split.schema, split.payload)),
            Some(_) => self.decode_known(topic, is_key, &split),
        }
    }

    fn decode_known(
        &self,
        topic: &str,
        is_key: bool,
        split: &Split<'_>,
    ) -> Option<Result<T, Failure>> {
        let naming = &self.naming;
        self.writers.with(
            |key, _| key.is_for(naming, &split.schema, topic, is_key),
            |writer| self.decode_with(writer, split.payload),
        )
    }

    pub(crate) async fn decode(
        &self,
        topic: &str,
        is_key: bool,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Result<T, Failure> {
        let split = split(header, bytes)?;
        let Some(client) = &self.client else {
            return from_slice(&split.schema, split.payload);
        };
        if let Some(done) = self.decode_known(topic, is_key, &split) {
            return done;
        }
        let subject = self.naming.subject(topic, is_key);
        let writer = fetch_writer(client, split.schema, subject.as_deref()).await?;
        let key = WriterKey::new(split.schema, subject);
        self.writers.insert(key.clone(), Arc::clone(&writer), |known, _| *known == key);
        self.decode_with(&writer, split.payload)
    }

    fn decode_with(&self, writer: &RegisteredSchema, payload: &[u8]) -> Result<T, Failure> {
        let id = writer.id;
        let schema = writer.schema.as_json().ok_or_else(|| Error::SchemaType {
            id,
            expected: "JSON",
            found: writer.schema.schema_type().to_string(),
        })?;
        let named = SchemaRef::Id(id);
        if !self.validate {
            return from_slice(&named, payload);
        }
        let document: serde_json::Value = from_slice(&named, payload)?;
        validate(schema, &document)?;
        T::deserialize(document)
            .map_err(|error| Failure::Document { schema: id.to_string(), error })
    }
}

fn from_slice<T: DeserializeOwned>(schema: &SchemaRef, payload: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(payload).map_err(|error| {
        let schema = match schema {
            SchemaRef::Id(id) => id.to_string(),
            SchemaRef::Guid(guid) => Guid(*guid).to_string(),
        };
        Failure::Document { schema, error }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemata_core::SchemaId;

    #[derive(serde::Serialize, crate::Schema)]
    struct Point {
        x: i32,
    }

    /// Once an async call found a topic's id, later documents are written without awaiting
    /// (the Kafka producer's fast path); the key of the same topic has its own id.
    #[test]
    fn the_id_found_once_serves_the_non_awaiting_path() {
        let client = RegistryClient::new("http://127.0.0.1:1").unwrap();
        let config = SerializerConfig { fixed_id: SchemaId::new(9), ..SerializerConfig::default() };
        let serializer = JsonSerializer::<Point>::new(client, config).unwrap();
        let mut out = Vec::new();
        assert!(serializer.serialize_cached("t", false, &Point { x: 1 }, &mut out).is_none());
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let first = runtime.block_on(serializer.serialize("t", false, &Point { x: 1 })).unwrap();
        assert_eq!(first, b"\x00\x00\x00\x00\x09{\"x\":1}");
        serializer.serialize_cached("t", false, &Point { x: 1 }, &mut out).unwrap().unwrap();
        assert_eq!(out, first);
        assert!(serializer.serialize_cached("t", true, &Point { x: 1 }, &mut out).is_none());
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Shape {
        a: i32,
    }

    const JSON: &str = r#"{"type":"object","properties":{"a":{"type":"integer","minimum":0},
        "b":{"type":"string"}},"required":["a"]}"#;

    fn writer(schema_type: SchemaType, text: &str) -> RegisteredSchema {
        let schema = ParsedSchema::parse(schema_type, text).unwrap();
        RegisteredSchema { id: SchemaId::new(7).unwrap(), schema }
    }

    /// Decodes `payload` as if written with `writer`, as the registry mode does after the fetch.
    fn check(validate: bool, writer: &RegisteredSchema, payload: &str) -> Result<Shape> {
        let client = RegistryClient::new("http://127.0.0.1:9").unwrap();
        let de = JsonDeserializer::<Shape>::with_registry(client).validate(validate);
        de.decode_with(writer, payload.as_bytes()).map_err(Error::from)
    }

    #[test]
    fn registry_mode_checks_the_writer_schema() {
        let json = writer(SchemaType::Json, JSON);
        assert_eq!(check(true, &json, r#"{"a":1,"b":"x"}"#).unwrap(), Shape { a: 1 });

        // Every reason is listed, not only the first.
        let error = check(true, &json, r#"{"a":-1,"b":2}"#).unwrap_err();
        assert!(matches!(&error, Error::Validation(r) if r.len() == 2), "{error:?}");
        // The same document passes once validation is off: serde alone accepts it.
        assert_eq!(check(false, &json, r#"{"a":-1,"b":2}"#).unwrap(), Shape { a: -1 });

        let avro = writer(SchemaType::Avro, r#"{"type":"record","name":"S","fields":[]}"#);
        let error = check(true, &avro, r#"{"a":1}"#).unwrap_err();
        assert!(
            matches!(&error, Error::SchemaType { expected: "JSON", found, .. } if found == "AVRO"),
            "{error:?}"
        );
        let error = check(true, &json, r#"{"a""#).unwrap_err();
        assert!(matches!(&error, Error::Json(m) if m.contains("schema 7")), "{error:?}");
    }

    #[test]
    fn registry_less_mode_checks_only_the_frame() {
        let de = JsonDeserializer::<Shape>::new();
        // Id 0x7fff is known to no one: without a registry nobody asks.
        let decoded = de.deserialize_cached("t", b"\x00\x00\x00\x7f\xff{\"a\":-1}").unwrap();
        assert_eq!(decoded.unwrap(), Shape { a: -1 });
        let error = de.deserialize_cached("t", b"\x01\x00\x00\x00\x01{}").unwrap().unwrap_err();
        assert!(matches!(error, Error::Wire(_)), "{error:?}");
    }

    #[test]
    fn registry_mode_waits_for_the_fetch() {
        let client = RegistryClient::new("http://127.0.0.1:9").unwrap();
        let de = JsonDeserializer::<Shape>::with_registry(client);
        assert!(de.deserialize_cached("t", b"\x00\x00\x00\x00\x01{\"a\":1}").is_none());
        // A frame that is not one fails without the registry.
        let error = de.deserialize_cached("t", b"\x00\x00").unwrap().unwrap_err();
        assert!(matches!(error, Error::Wire(_)), "{error:?}");
    }
}
