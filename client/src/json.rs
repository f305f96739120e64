//! JSON Schema serde in the Confluent wire format: the header, then the document as JSON text.
//! The serializer registers the type's JSON Schema and, by default, validates every document
//! against it before writing, so a producer cannot publish what its own schema forbids.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{PoisonError, RwLock};

use schemata_core::wire;
use schemata_core::{Schema as ParsedSchema, SchemaId, SchemaType};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Schema;
use crate::registry::{Error, RegistryClient, Result};
use crate::serdes::{SerializerConfig, frame};

/// Most validation errors reported for one document.
pub const MAX_REPORTED_ERRORS: usize = 16;

/// Writes values of `T` as JSON documents framed with their schema id.
#[derive(Debug)]
pub struct JsonSerializer<T> {
    client: RegistryClient,
    config: SerializerConfig,
    /// Parsed once by core, whose JSON Schema engine compiles the validator at parse time.
    schema: ParsedSchema,
    ids: RwLock<HashMap<(String, bool), SchemaId>>,
    _type: PhantomData<fn(&T)>,
}

impl<T: Schema + Serialize> JsonSerializer<T> {
    pub fn new(client: RegistryClient, config: SerializerConfig) -> Result<JsonSerializer<T>> {
        let text = T::json_schema().to_string();
        let schema = ParsedSchema::parse(SchemaType::Json, &text)?;
        Ok(JsonSerializer { client, config, schema, ids: RwLock::default(), _type: PhantomData })
    }

    pub async fn serialize(&self, topic: &str, is_key: bool, value: &T) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.serialize_into(topic, is_key, value, &mut out).await?;
        Ok(out)
    }

    /// Appends the framed document to `out`; on error `out` is left as it was.
    pub async fn serialize_into(
        &self,
        topic: &str,
        is_key: bool,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let id = self.id(topic, is_key).await?;
        if self.config.validate
            && let Some(schema) = self.schema.as_json()
        {
            let document = serde_json::to_value(value).map_err(|e| Error::Json(e.to_string()))?;
            if let Err(errors) = schema.validate(&document) {
                let reasons = errors.iter().take(MAX_REPORTED_ERRORS).map(ToString::to_string);
                return Err(Error::Validation(reasons.collect()));
            }
        }
        let start = out.len();
        wire::write_header(id, out);
        serde_json::to_writer(&mut *out, value).map_err(|e| {
            out.truncate(start);
            Error::Json(e.to_string())
        })
    }

    async fn id(&self, topic: &str, is_key: bool) -> Result<SchemaId> {
        let key = (topic.to_owned(), is_key);
        if let Some(id) = self.ids.read().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(*id);
        }
        let config = &self.config;
        let subject = T::subject(config.strategy, topic, is_key);
        let id = if let Some(id) = config.fixed_id {
            id
        } else if config.use_latest_version {
            let latest = self.client.latest(&subject).await?;
            SchemaId::new(i64::from(latest.id)).ok_or_else(|| {
                Error::Json(format!("registry answered with schema id {}", latest.id))
            })?
        } else if config.auto_register {
            self.client.register(&subject, &self.schema, config.normalize).await?
        } else {
            self.client.lookup_id(&subject, &self.schema, config.normalize).await?
        };
        if !config.use_latest_version {
            self.ids.write().unwrap_or_else(PoisonError::into_inner).insert(key, id);
        }
        Ok(id)
    }
}

/// Reads framed JSON documents into `T`. JSON has no writer/reader resolution: serde's own
/// rules (unknown fields ignored, `#[serde(default)]`) apply.
#[derive(Debug)]
pub struct JsonDeserializer<T> {
    _type: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Default for JsonDeserializer<T> {
    fn default() -> Self {
        JsonDeserializer { _type: PhantomData }
    }
}

impl<T: DeserializeOwned> JsonDeserializer<T> {
    pub fn new() -> JsonDeserializer<T> {
        JsonDeserializer::default()
    }

    /// Decodes a framed document; the schema id is checked for shape but not fetched.
    pub fn deserialize(&self, bytes: &[u8]) -> Result<T> {
        let (_, payload) = frame(bytes)?;
        serde_json::from_slice(payload).map_err(|e| Error::Json(e.to_string()))
    }
}
