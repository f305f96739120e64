//! Serializers and deserializers in the Confluent wire format (magic byte, 4-byte schema id,
//! payload): subject naming strategies, auto-registration, use-latest-version, a fixed id and
//! normalization for producers; resolution plans cached per writer id for consumers; and a
//! dynamic decoder from any framed record to `serde_json::Value`.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use schemata_core::wire::{self, SchemaRef};
use schemata_core::{Schema as ParsedSchema, SchemaId, SchemaType};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::avro::{self, Compiled, Plan};
use crate::registry::{Error, RegisteredSchema, RegistryClient, Result};
use crate::{Schema, SubjectNameStrategy};

/// How a serializer finds the schema id it frames records with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerializerConfig {
    /// How the subject is named from the topic and the type (default: TopicName).
    pub strategy: SubjectNameStrategy,
    /// Register the type's schema under the subject on first use (default: on).
    pub auto_register: bool,
    /// Write with the subject's latest registered schema instead of the type's own (the value
    /// is encoded by field name into that schema; fields the type lacks take its defaults).
    pub use_latest_version: bool,
    /// Write with this schema id, whatever the subject holds.
    pub fixed_id: Option<SchemaId>,
    /// Ask the registry to normalize the schema when registering and looking up.
    pub normalize: bool,
    /// JSON only: validate each document against the schema before writing it (default: on).
    pub validate: bool,
}

impl Default for SerializerConfig {
    fn default() -> Self {
        SerializerConfig {
            strategy: SubjectNameStrategy::TopicName,
            auto_register: true,
            use_latest_version: false,
            fixed_id: None,
            normalize: false,
            validate: true,
        }
    }
}

/// Appends a record's 5-byte header; `out` is the caller's reused buffer.
fn header(id: SchemaId, out: &mut Vec<u8>) {
    wire::write_header(id, out);
}

/// The schema id of a framed record (the GUID form is not supported by the registry yet).
pub(crate) fn frame(bytes: &[u8]) -> Result<(SchemaId, &[u8])> {
    let frame = wire::decode(bytes)?;
    match frame.schema {
        SchemaRef::Id(id) => Ok((id, frame.payload)),
        SchemaRef::Guid(_) => Err(Error::Wire(wire::WireError::UnknownMagic(wire::MAGIC_GUID))),
    }
}

fn read<K: Eq + std::hash::Hash, V: Clone>(map: &RwLock<HashMap<K, V>>, key: &K) -> Option<V> {
    map.read().unwrap_or_else(PoisonError::into_inner).get(key).cloned()
}

fn write<K: Eq + std::hash::Hash, V>(map: &RwLock<HashMap<K, V>>, key: K, value: V) {
    map.write().unwrap_or_else(PoisonError::into_inner).insert(key, value);
}

/// Compiles a registered schema for the Avro codec, refusing other schema types.
pub(crate) fn compile_registered(registered: &RegisteredSchema) -> Result<Compiled> {
    let avro = registered.schema.as_avro().ok_or_else(|| Error::SchemaType {
        id: registered.id,
        expected: "AVRO",
        found: registered.schema.schema_type().to_string(),
    })?;
    Compiled::new(avro.apache_schema(), avro.referenced_schemas())
        .map_err(|message| Error::Avro { path: String::new(), message })
}

/// Where a serializer writes for one (topic, is_key): the id and the schema to encode with.
type Target = (SchemaId, Arc<Compiled>);

/// Writes values of `T` as Avro records framed with their schema id.
#[derive(Debug)]
pub struct AvroSerializer<T> {
    client: RegistryClient,
    config: SerializerConfig,
    schema: ParsedSchema,
    own: Arc<Compiled>,
    /// (topic, is_key) → the id and the schema to write with; a hit needs no registry call.
    targets: RwLock<HashMap<(String, bool), Target>>,
    /// The first target found, read without a lock: most serializers write to one topic.
    first: OnceLock<((String, bool), Target)>,
    /// Registered schemas compiled for writing (fixed id, latest version), by id.
    compiled: RwLock<HashMap<SchemaId, Arc<Compiled>>>,
    _type: PhantomData<fn(&T)>,
}

impl<T: Schema + Serialize> AvroSerializer<T> {
    pub fn new(client: RegistryClient, config: SerializerConfig) -> Result<AvroSerializer<T>> {
        let text = T::avro_schema_text();
        let schema = ParsedSchema::parse(SchemaType::Avro, &text)?;
        let own = Arc::new(
            Compiled::from_json(T::avro_schema())
                .map_err(|message| Error::Avro { path: String::new(), message })?,
        );
        Ok(AvroSerializer {
            client,
            config,
            schema,
            own,
            targets: RwLock::default(),
            first: OnceLock::new(),
            compiled: RwLock::default(),
            _type: PhantomData,
        })
    }

    /// The framed record for `value` on `topic` (as a key or a value).
    pub async fn serialize(&self, topic: &str, is_key: bool, value: &T) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.serialize_into(topic, is_key, value, &mut out).await?;
        Ok(out)
    }

    /// Appends the framed record to `out` (clear it first to reuse one buffer). On error `out`
    /// is left as it was.
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
        let (id, schema) = self.resolve_target(topic, is_key).await?;
        write_avro(id, &schema, value, out)
    }

    /// As [`AvroSerializer::serialize_into`] without awaiting: `None` until the first async call
    /// for this topic has found the schema id.
    pub fn serialize_cached(
        &self,
        topic: &str,
        is_key: bool,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Option<Result<()>> {
        // A scan rather than a hash lookup: a serializer writes to a few topics, and this way
        // the hot path neither allocates a key nor touches a reference count. The read lock is
        // held while encoding; writers only take it to add a topic.
        if let Some(((t, k), (id, schema))) = self.first.get()
            && t == topic
            && *k == is_key
        {
            return Some(write_avro(*id, schema, value, out));
        }
        let targets = self.targets.read().unwrap_or_else(PoisonError::into_inner);
        let (_, (id, schema)) = targets.iter().find(|((t, k), _)| t == topic && *k == is_key)?;
        Some(write_avro(*id, schema, value, out))
    }

    async fn resolve_target(&self, topic: &str, is_key: bool) -> Result<Target> {
        let config = &self.config;
        let subject = T::subject(config.strategy, topic, is_key);
        let target = if let Some(id) = config.fixed_id {
            (id, self.compiled(id).await?)
        } else if config.use_latest_version {
            let latest = self.client.latest(&subject).await?;
            let id = SchemaId::new(i64::from(latest.id)).ok_or_else(|| {
                Error::Json(format!("registry answered with schema id {}", latest.id))
            })?;
            (id, self.compiled(id).await?)
        } else if config.auto_register {
            (
                self.client.register(&subject, &self.schema, config.normalize).await?,
                Arc::clone(&self.own),
            )
        } else {
            (
                self.client.lookup_id(&subject, &self.schema, config.normalize).await?,
                Arc::clone(&self.own),
            )
        };
        // "Latest" is re-read when the client's TTL lapses: don't pin it here.
        if !config.use_latest_version {
            let _ = self.first.set(((topic.to_owned(), is_key), target.clone()));
            write(&self.targets, (topic.to_owned(), is_key), target.clone());
        }
        Ok(target)
    }

    /// The registered schema `id`, compiled once for writing.
    async fn compiled(&self, id: SchemaId) -> Result<Arc<Compiled>> {
        if let Some(compiled) = read(&self.compiled, &id) {
            return Ok(compiled);
        }
        let registered = self.client.schema_by_id(id).await?;
        let compiled = Arc::new(compile_registered(&registered)?);
        write(&self.compiled, id, Arc::clone(&compiled));
        Ok(compiled)
    }
}

fn write_avro<T: Serialize>(
    id: SchemaId,
    schema: &Compiled,
    value: &T,
    out: &mut Vec<u8>,
) -> Result<()> {
    let start = out.len();
    header(id, out);
    avro::encode(schema, value, out).inspect_err(|_| out.truncate(start))
}

/// Reads Avro records framed with a schema id into `T`, resolving the writer's schema (fetched
/// by id) to `T`'s schema with a plan computed once per writer id.
#[derive(Debug)]
pub struct AvroDeserializer<T> {
    client: RegistryClient,
    reader: Compiled,
    /// Plans by writer id, scanned: a consumer sees a handful of writer ids, and a scan beats
    /// hashing at that size.
    plans: RwLock<Vec<(SchemaId, Arc<Plan>)>>,
    /// The first plan made, read without a lock: most topics carry one writer schema.
    first: OnceLock<(SchemaId, Arc<Plan>)>,
    _type: PhantomData<fn() -> T>,
}

impl<T: Schema + DeserializeOwned> AvroDeserializer<T> {
    pub fn new(client: RegistryClient) -> Result<AvroDeserializer<T>> {
        let reader = Compiled::from_json(T::avro_schema())
            .map_err(|message| Error::Avro { path: String::new(), message })?;
        Ok(AvroDeserializer {
            client,
            reader,
            plans: RwLock::default(),
            first: OnceLock::new(),
            _type: PhantomData,
        })
    }

    /// Decodes a framed record. The topic is not needed to find the schema (the id names it);
    /// it is taken for symmetry with the serializer and for error context.
    pub async fn deserialize(&self, _topic: &str, bytes: &[u8]) -> Result<T> {
        let (id, payload) = frame(bytes)?;
        if let Some(done) = self.decode_cached(id, payload) {
            return done;
        }
        let plan = self.plan(id).await?;
        avro::decode(&plan, payload)
    }

    /// As [`AvroDeserializer::deserialize`] without awaiting: `None` until the writer schema of
    /// this record's id has been fetched by an async call.
    pub fn deserialize_cached(&self, bytes: &[u8]) -> Option<Result<T>> {
        let (id, payload) = match frame(bytes) {
            Ok(frame) => frame,
            Err(e) => return Some(Err(e)),
        };
        self.decode_cached(id, payload)
    }

    fn decode_cached(&self, id: SchemaId, payload: &[u8]) -> Option<Result<T>> {
        if let Some((first, plan)) = self.first.get()
            && *first == id
        {
            return Some(avro::decode(plan, payload));
        }
        let plans = self.plans.read().unwrap_or_else(PoisonError::into_inner);
        let (_, plan) = plans.iter().find(|(known, _)| *known == id)?;
        Some(avro::decode(plan, payload))
    }

    async fn plan(&self, id: SchemaId) -> Result<Arc<Plan>> {
        let registered = self.client.schema_by_id(id).await?;
        let writer = Arc::new(compile_registered(&registered)?);
        let plan = Plan::new(writer, &self.reader).map_err(|reasons| Error::Incompatible {
            writer: id,
            reader: T::full_name().to_owned(),
            reasons,
        })?;
        let plan = Arc::new(plan);
        let _ = self.first.set((id, Arc::clone(&plan)));
        let mut plans = self.plans.write().unwrap_or_else(PoisonError::into_inner);
        if !plans.iter().any(|(known, _)| *known == id) {
            plans.push((id, Arc::clone(&plan)));
        }
        Ok(plan)
    }
}

/// Decodes any framed Avro, JSON or Protobuf record into JSON, with the writer's schema: for
/// tools and for consumers of types they do not know.
#[derive(Debug)]
pub struct DynamicDeserializer {
    client: RegistryClient,
    schemas: RwLock<HashMap<SchemaId, Writer>>,
}

/// What a writer id decodes with.
#[derive(Debug, Clone)]
enum Writer {
    Avro(Arc<Compiled>),
    /// JSON Schema records are JSON text already.
    Json,
    Protobuf(Arc<schemata_core::protobuf::ProtobufSchema>),
}

impl DynamicDeserializer {
    pub fn new(client: RegistryClient) -> DynamicDeserializer {
        DynamicDeserializer { client, schemas: RwLock::default() }
    }

    pub async fn decode(&self, bytes: &[u8]) -> Result<serde_json::Value> {
        let (id, payload) = frame(bytes)?;
        let schema = match read(&self.schemas, &id) {
            Some(schema) => schema,
            None => {
                let registered = self.client.schema_by_id(id).await?;
                let schema = match registered.schema.as_protobuf() {
                    Some(protobuf) => Writer::Protobuf(Arc::new(protobuf.clone())),
                    None if registered.schema.schema_type() == SchemaType::Json => Writer::Json,
                    None => Writer::Avro(Arc::new(compile_registered(&registered)?)),
                };
                write(&self.schemas, id, schema.clone());
                schema
            }
        };
        match schema {
            Writer::Avro(schema) => avro::decode_json(&schema, payload),
            Writer::Json => serde_json::from_slice(payload).map_err(|e| Error::Json(e.to_string())),
            Writer::Protobuf(schema) => crate::protobuf::decode_json(id, &schema, payload),
        }
    }
}
