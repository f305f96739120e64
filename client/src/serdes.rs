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

mod lookup;

pub(crate) use self::lookup::{IdLookup, Source};

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

/// What an Avro serializer keeps per (topic, is_key): the id and the schema to encode with.
type Target = (SchemaId, Arc<Compiled>);

/// Writes values of `T` as Avro records framed with their schema id.
///
/// The first record for a topic finds the id through the registry (see [`SerializerConfig`]);
/// later ones are written without a registry call, and without awaiting through
/// [`AvroSerializer::serialize_cached`].
///
/// ```no_run
/// # async fn demo() -> Result<(), schemata::Error> {
/// use schemata::{AvroSerializer, RegistryClient, Schema, SerializerConfig};
///
/// #[derive(Schema, serde::Serialize)]
/// #[schemata(namespace = "com.acme.orders")]
/// struct OrderPlaced { id: i64, customer: String }
///
/// let registry = RegistryClient::new("http://localhost:8081")?;
/// let serializer = AvroSerializer::<OrderPlaced>::new(registry, SerializerConfig::default())?;
/// let order = OrderPlaced { id: 7, customer: "ada".into() };
/// // Registers `com.acme.orders.OrderPlaced` under `orders-value` on first use.
/// let bytes = serializer.serialize("orders", false, &order).await?;
/// assert_eq!(bytes[0], 0); // the Confluent magic byte, then the 4-byte id
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct AvroSerializer<T> {
    lookup: IdLookup<Target>,
    /// The type's schema, parsed once: what is registered or looked up.
    schema: ParsedSchema,
    own: Arc<Compiled>,
    /// Registered schemas compiled for writing (fixed id, latest version), by id.
    compiled: RwLock<HashMap<SchemaId, Arc<Compiled>>>,
    _type: PhantomData<fn(&T)>,
}

impl<T: Schema + Serialize> AvroSerializer<T> {
    /// A serializer of `T` that finds its schema ids through `client` as `config` says.
    pub fn new(client: RegistryClient, config: SerializerConfig) -> Result<AvroSerializer<T>> {
        let text = T::avro_schema_text();
        let schema = ParsedSchema::parse(SchemaType::Avro, &text)?;
        let own = Arc::new(
            Compiled::from_json(T::avro_schema())
                .map_err(|message| Error::Avro { path: String::new(), message })?,
        );
        Ok(AvroSerializer {
            lookup: IdLookup::new(client, config),
            schema,
            own,
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
        let (id, schema) = self
            .lookup
            .resolve_type::<T, _, _>(topic, is_key, &self.schema, |id, source| async move {
                match source {
                    Source::Own => Ok((id, Arc::clone(&self.own))),
                    Source::Registered => Ok((id, self.compiled(id).await?)),
                }
            })
            .await?;
        write_avro(id, &schema, value, out)
    }

    /// As [`AvroSerializer::serialize_into`] without awaiting: `None` until the first async call
    /// for this topic has found the schema id (and always with `use_latest_version`).
    pub fn serialize_cached(
        &self,
        topic: &str,
        is_key: bool,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Option<Result<()>> {
        self.lookup.with_cached(topic, is_key, |(id, schema)| write_avro(*id, schema, value, out))
    }

    /// The registered schema `id`, compiled once for writing.
    async fn compiled(&self, id: SchemaId) -> Result<Arc<Compiled>> {
        if let Some(compiled) = read(&self.compiled, &id) {
            return Ok(compiled);
        }
        let registered = self.lookup.client().schema_by_id(id).await?;
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
/// by id) to `T`'s schema with a plan computed once per writer id: records written with an
/// older or newer compatible schema read as `T` (missing fields take their defaults).
///
/// ```no_run
/// # async fn demo(bytes: Vec<u8>) -> Result<(), schemata::Error> {
/// use schemata::{AvroDeserializer, RegistryClient, Schema};
///
/// #[derive(Debug, Schema, serde::Deserialize)]
/// #[schemata(namespace = "com.acme.orders")]
/// struct OrderPlaced { id: i64, #[serde(default)] coupon: Option<String> }
///
/// let registry = RegistryClient::new("http://localhost:8081")?;
/// let deserializer = AvroDeserializer::<OrderPlaced>::new(registry)?;
/// let order = deserializer.deserialize("orders", &bytes).await?;
/// // Later records with the same writer id decode without awaiting:
/// let again = deserializer.deserialize_cached(&bytes).expect("writer schema fetched")?;
/// # Ok(()) }
/// ```
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
    /// A deserializer into `T` that fetches writer schemas by id through `client`.
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
    /// A deserializer that fetches writer schemas by id through `client`.
    pub fn new(client: RegistryClient) -> DynamicDeserializer {
        DynamicDeserializer { client, schemas: RwLock::default() }
    }

    /// The record as JSON: Avro in its natural JSON shape (see the crate's codec), JSON
    /// documents as written.
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

/// Encodes JSON values into framed records with a registered schema named by id, Avro or JSON
/// Schema: for tools that produce from text (the CLI's `produce`) and for producers of types they
/// do not know. The writer's schema is fetched and compiled once per id.
///
/// An Avro value is read as serde sees JSON first, so a union takes the branch the value's shape
/// fits (`null` or `"text"` for `["null","string"]`), which is what people type; Avro's own JSON
/// spelling of defaults (a union is its first branch) is the fallback. A JSON document is
/// validated against the schema before it is written.
#[derive(Debug)]
pub struct DynamicSerializer {
    client: RegistryClient,
    /// What was fetched, by id: JSON schemas are kept as registered, for validation.
    schemas: RwLock<HashMap<SchemaId, DynamicWriter>>,
}

/// How a [`DynamicSerializer`] writes with one schema.
#[derive(Debug, Clone)]
enum DynamicWriter {
    Avro(Arc<Compiled>),
    Json(Arc<RegisteredSchema>),
}

impl DynamicSerializer {
    /// A serializer that fetches schemas by id through `client`.
    pub fn new(client: RegistryClient) -> DynamicSerializer {
        DynamicSerializer { client, schemas: RwLock::default() }
    }

    /// The record framing `value` written with schema `id`.
    pub async fn serialize(&self, id: SchemaId, value: &serde_json::Value) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.serialize_into(id, value, &mut out).await?;
        Ok(out)
    }

    /// Appends the framed record to `out`; on error `out` is left as it was.
    pub async fn serialize_into(
        &self,
        id: SchemaId,
        value: &serde_json::Value,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let writer = match read(&self.schemas, &id) {
            Some(writer) => writer,
            None => {
                let registered = self.client.schema_by_id(id).await?;
                let writer = match registered.schema.schema_type() {
                    SchemaType::Json => DynamicWriter::Json(registered),
                    _ => DynamicWriter::Avro(Arc::new(compile_registered(&registered)?)),
                };
                write(&self.schemas, id, writer.clone());
                writer
            }
        };
        let start = out.len();
        match writer {
            DynamicWriter::Avro(schema) => {
                header(id, out);
                let body = out.len();
                avro::encode(&schema, value, out).or_else(|first| {
                    out.truncate(body);
                    avro::encode_json(&schema, value, out).map_err(|_| first)
                })
            }
            DynamicWriter::Json(registered) => {
                if let Some(schema) = registered.schema.as_json() {
                    crate::json::validate(schema, value)?;
                }
                header(id, out);
                serde_json::to_writer(&mut *out, value).map_err(|e| Error::Json(e.to_string()))
            }
        }
        .inspect_err(|_| out.truncate(start))
    }
}
