//! Serializers and deserializers in the Confluent wire format (magic byte, 4-byte schema id,
//! payload; or Confluent 8's 0x01 and 16-byte schema GUID, or the id or GUID in a record header
//! with the payload unframed): subject naming strategies, auto-registration, use-latest-version,
//! a fixed id, normalization and the framing for producers; for consumers, writer schemas
//! fetched with the subject the strategy names (as Confluent's deserializers fetch them) and
//! resolution plans cached per (subject, writer id) or GUID; and a dynamic decoder from any
//! framed record to `serde_json::Value`.

use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;
use std::sync::{Arc, PoisonError, RwLock};

use schemata_core::wire::{self, SchemaRef};
use schemata_core::{Guid, Schema as ParsedSchema, SchemaId, SchemaType};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::avro::{self, Compiled, Plan};
use crate::registry::{Error, RegisteredSchema, RegistryClient, Result};
use crate::{Schema, SubjectNameStrategy};

mod lookup;
mod writers;

pub(crate) use self::lookup::{IdLookup, Source};
pub(crate) use self::writers::{Naming, WriterKey, Writers, fetch_writer, naming_methods};

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
    /// Write with the subject's latest version whose metadata has these properties (Confluent's
    /// `use.latest.with.metadata`: pick a major version by, e.g., `application.major.version`),
    /// encoded by field name as with `use_latest_version`. Re-read for every record.
    pub use_latest_with_metadata: Option<BTreeMap<String, String>>,
    /// Write with this schema id, whatever the subject holds.
    pub fixed_id: Option<SchemaId>,
    /// Ask the registry to normalize the schema when registering and looking up.
    pub normalize: bool,
    /// JSON only: validate each document against the schema before writing it (default: on).
    pub validate: bool,
    /// How records name their schema (default: the 4-byte id, readable by every client).
    pub framing: SchemaIdFraming,
}

/// How a serializer names the writer schema in front of each record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SchemaIdFraming {
    /// Magic byte 0x00 and the 4-byte big-endian schema id: the classic frame.
    #[default]
    Id,
    /// Magic byte 0x01 and the schema's 16-byte GUID (Confluent 8), which the registry answers
    /// for the id once (`RegistryClient::guid_by_id`). Confluent 8 clients and schemata's
    /// deserializers read it; older clients do not.
    Guid,
    /// The GUID frame in the record's [`schema_id_header`] (`__key_schema_id` /
    /// `__value_schema_id`) and the payload unframed, as Confluent 8's header serializer writes
    /// (Avro, JSON, and Protobuf with its message indexes in the header after the GUID). The
    /// typed [`crate::kafka::Producer`] moves the frame into the header; `serialize` alone
    /// returns the GUID-framed bytes, which [`split_frame`] (Protobuf:
    /// [`crate::split_protobuf_frame`]) splits for producers of your own.
    Header,
}

/// Splits a framed record into its frame (0x00 and a 4-byte id, or 0x01 and a 16-byte GUID) and
/// the payload after it; `None` when `record` does not start with a whole frame.
pub fn split_frame(record: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = match *record.first()? {
        wire::MAGIC_ID => wire::ID_HEADER_LEN,
        wire::MAGIC_GUID => wire::GUID_HEADER_LEN,
        _ => return None,
    };
    (record.len() >= len).then(|| record.split_at(len))
}

/// The record header a Confluent 8 serializer may carry the key's schema id or GUID in (framed
/// as in front of a record: 0x00 and an id, or 0x01 and a GUID), the key itself then unframed.
pub const KEY_SCHEMA_ID_HEADER: &str = "__key_schema_id";
/// As [`KEY_SCHEMA_ID_HEADER`], for the value.
pub const VALUE_SCHEMA_ID_HEADER: &str = "__value_schema_id";

/// The schema-id header of a key or a value.
pub fn schema_id_header(is_key: bool) -> &'static str {
    if is_key { KEY_SCHEMA_ID_HEADER } else { VALUE_SCHEMA_ID_HEADER }
}

/// What a serializer writes in front of each record: 5 bytes (id) or 17 (GUID), built once per
/// topic so the hot path copies bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Prefix {
    bytes: [u8; wire::GUID_HEADER_LEN],
    len: u8,
}

impl Prefix {
    pub(crate) fn id(id: SchemaId) -> Prefix {
        let mut bytes = [0; wire::GUID_HEADER_LEN];
        bytes[0] = wire::MAGIC_ID;
        bytes[1..wire::ID_HEADER_LEN].copy_from_slice(&id.0.to_be_bytes());
        Prefix { bytes, len: wire::ID_HEADER_LEN as u8 }
    }

    pub(crate) fn guid(guid: Guid) -> Prefix {
        let mut bytes = [0; wire::GUID_HEADER_LEN];
        bytes[0] = wire::MAGIC_GUID;
        bytes[1..].copy_from_slice(guid.as_bytes());
        Prefix { bytes, len: wire::GUID_HEADER_LEN as u8 }
    }

    /// The prefix `framing` asks for schema `id` (the GUID asked of the registry once).
    pub(crate) async fn of(
        client: &RegistryClient,
        framing: SchemaIdFraming,
        id: SchemaId,
    ) -> Result<Prefix> {
        match framing {
            SchemaIdFraming::Id => Ok(Prefix::id(id)),
            SchemaIdFraming::Guid | SchemaIdFraming::Header => {
                Ok(Prefix::guid(client.guid_by_id(id).await?))
            }
        }
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.bytes[..usize::from(self.len)]);
    }
}

/// A record split into the writer schema it names and its payload: from the schema-id header
/// when there is one (the payload is then the whole record; what follows the id or GUID in the
/// header, Protobuf's message indexes, is `header_rest`), else from the frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Split<'a> {
    pub(crate) schema: SchemaRef,
    pub(crate) header_rest: Option<&'a [u8]>,
    pub(crate) payload: &'a [u8],
}

pub(crate) fn split<'a>(header: Option<&'a [u8]>, bytes: &'a [u8]) -> Result<Split<'a>> {
    match header {
        Some(header) => {
            let frame = wire::decode(header)?;
            Ok(Split { schema: frame.schema, header_rest: Some(frame.payload), payload: bytes })
        }
        None => {
            let frame = wire::decode(bytes)?;
            Ok(Split { schema: frame.schema, header_rest: None, payload: frame.payload })
        }
    }
}

impl RegistryClient {
    /// Data contracts: the migration rules a reader of the major version selected by `reader`
    /// (metadata properties, as Confluent's `use.latest.with.metadata` picks it) must run on a
    /// record of `subject`, from the version that wrote it to the reader's, in the order
    /// Confluent's clients run them, each with the version that declares it; empty when the
    /// record was written with the reader's version. `bytes` is the framed record, or with
    /// header framing the payload and `header` the value of its [`schema_id_header`]. This
    /// client lists the rules; it does not run them.
    pub async fn record_migrations(
        &self,
        subject: &str,
        header: Option<&[u8]>,
        bytes: &[u8],
        reader: &BTreeMap<String, String>,
    ) -> Result<Vec<(crate::Version, crate::Rule)>> {
        // The writer's id as the subject names it: in the subject's context.
        let id = match split(header, bytes)?.schema {
            SchemaRef::Id(id) => id,
            SchemaRef::Guid(guid) => self.id_by_guid_for(Guid(guid), Some(subject)).await?.1,
        };
        let writer = self
            .versions_of_id_for(id, Some(subject))
            .await?
            .into_iter()
            .filter(|found| found.subject == subject)
            .map(|found| found.version)
            .max()
            .ok_or_else(|| Error::NotInSubject { id, subject: subject.to_owned() })?;
        let options = crate::ReadOptions::default();
        let reader = self.latest_with_metadata(subject, reader, options).await?.version;
        self.migration_rules(subject, writer, reader).await
    }
}

impl Default for SerializerConfig {
    fn default() -> Self {
        SerializerConfig {
            strategy: SubjectNameStrategy::TopicName,
            auto_register: true,
            use_latest_version: false,
            use_latest_with_metadata: None,
            fixed_id: None,
            normalize: false,
            validate: true,
            framing: SchemaIdFraming::Id,
        }
    }
}

/// Appends a record's 5-byte header; `out` is the caller's reused buffer.
fn header(id: SchemaId, out: &mut Vec<u8>) {
    wire::write_header(id, out);
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

/// What an Avro serializer keeps per (topic, is_key): the frame prefix (naming the id or the
/// GUID) and the schema to encode with.
type Target = (Prefix, Arc<Compiled>);

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

    /// How records name their schema, as configured.
    pub fn framing(&self) -> SchemaIdFraming {
        self.lookup.config().framing
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
        let (prefix, schema) = self
            .lookup
            .resolve_type::<T, _, _>(topic, is_key, &self.schema, |id, source| async move {
                let lookup = &self.lookup;
                let prefix = Prefix::of(lookup.client(), lookup.config().framing, id).await?;
                match source {
                    Source::Own => Ok((prefix, Arc::clone(&self.own))),
                    Source::Registered => Ok((prefix, self.compiled(id).await?)),
                }
            })
            .await?;
        write_avro(&prefix, &schema, value, out)
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
        self.lookup
            .with_cached(topic, is_key, |(prefix, schema)| write_avro(prefix, schema, value, out))
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
    prefix: &Prefix,
    schema: &Compiled,
    value: &T,
    out: &mut Vec<u8>,
) -> Result<()> {
    let start = out.len();
    prefix.write(out);
    avro::encode(schema, value, out).inspect_err(|_| out.truncate(start))
}

/// Reads Avro records framed with a schema id into `T`, resolving the writer's schema (fetched
/// by id) to `T`'s schema with a plan computed once per writer: records written with an older
/// or newer compatible schema read as `T` (missing fields take their defaults).
///
/// The writer schema is fetched as Confluent's deserializers fetch it, with the subject the
/// subject name strategy names for the topic (`GET /schemas/ids/{id}?subject=orders-value`;
/// TopicName by default, see [`AvroDeserializer::subject_name_strategy`]) or a fixed
/// [`AvroDeserializer::subject`]: in a registry with contexts the subject picks the id's
/// context, as the same id may name different schemas in two. It reads values unless made a
/// key deserializer with [`AvroDeserializer::key`].
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
/// // Fetches the writer schema with `?subject=orders-value`.
/// let order = deserializer.deserialize("orders", &bytes).await?;
/// // Later records with the same writer id decode without awaiting:
/// let again = deserializer.deserialize_cached("orders", &bytes).expect("writer schema fetched")?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct AvroDeserializer<T> {
    client: RegistryClient,
    naming: Naming,
    reader: Compiled,
    /// Plans by writer (subject and id, or GUID).
    plans: Writers<Arc<Plan>>,
    _type: PhantomData<fn() -> T>,
}

impl<T: Schema + DeserializeOwned> AvroDeserializer<T> {
    /// A deserializer of values into `T` that fetches writer schemas through `client`, naming
    /// the subject with the TopicName strategy.
    pub fn new(client: RegistryClient) -> Result<AvroDeserializer<T>> {
        let reader = Compiled::from_json(T::avro_schema())
            .map_err(|message| Error::Avro { path: String::new(), message })?;
        Ok(AvroDeserializer {
            client,
            naming: Naming::default(),
            reader,
            plans: Writers::default(),
            _type: PhantomData,
        })
    }

    naming_methods!();

    /// The client writer schemas come from, for [`Naming::migrations`].
    fn registry(&self) -> Option<&RegistryClient> {
        Some(&self.client)
    }

    /// Decodes a framed record (schema id or GUID) of `topic`.
    pub async fn deserialize(&self, topic: &str, bytes: &[u8]) -> Result<T> {
        self.deserialize_with_header(topic, None, bytes).await
    }

    /// Decodes a record whose writer schema may be named in a header instead of a frame: the
    /// value of its [`schema_id_header`] when the record has one (Confluent 8's header framing;
    /// the record is then the unframed payload), else `None`.
    pub async fn deserialize_with_header(
        &self,
        topic: &str,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Result<T> {
        self.deserialize_part(topic, self.naming.is_key, header, bytes).await
    }

    /// As [`AvroDeserializer::deserialize_with_header`], for a key when `is_key` whatever
    /// [`AvroDeserializer::key`] said.
    pub(crate) async fn deserialize_part(
        &self,
        topic: &str,
        is_key: bool,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Result<T> {
        let split = split(header, bytes)?;
        if let Some(done) = self.decode_cached(topic, is_key, &split) {
            return done;
        }
        let subject = self.naming.subject(topic, is_key);
        let registered = fetch_writer(&self.client, split.schema, subject.as_deref()).await?;
        let writer = Arc::new(compile_registered(&registered)?);
        let plan = Plan::new(writer, &self.reader).map_err(|reasons| Error::Incompatible {
            writer: registered.id,
            reader: T::full_name().to_owned(),
            reasons,
        })?;
        let plan = Arc::new(plan);
        let key = WriterKey::new(split.schema, subject);
        self.plans.insert(key.clone(), Arc::clone(&plan), |known, _| *known == key);
        avro::decode(&plan, split.payload)
    }

    /// As [`AvroDeserializer::deserialize`] without awaiting: `None` until the writer schema of
    /// this record's id (or GUID), for this topic's subject, has been fetched by an async call.
    pub fn deserialize_cached(&self, topic: &str, bytes: &[u8]) -> Option<Result<T>> {
        self.deserialize_cached_with_header(topic, None, bytes)
    }

    /// As [`AvroDeserializer::deserialize_with_header`] without awaiting.
    pub fn deserialize_cached_with_header(
        &self,
        topic: &str,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Option<Result<T>> {
        self.deserialize_cached_part(topic, self.naming.is_key, header, bytes)
    }

    /// As [`AvroDeserializer::deserialize_part`] without awaiting.
    #[inline]
    pub(crate) fn deserialize_cached_part(
        &self,
        topic: &str,
        is_key: bool,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Option<Result<T>> {
        match split(header, bytes) {
            Ok(split) => self.decode_cached(topic, is_key, &split),
            Err(e) => Some(Err(e)),
        }
    }

    #[inline]
    fn decode_cached(&self, topic: &str, is_key: bool, split: &Split<'_>) -> Option<Result<T>> {
        let naming = &self.naming;
        self.plans.with(
            |key, _| key.is_for(naming, &split.schema, topic, is_key),
            |plan| avro::decode(plan, split.payload),
        )
    }
}

/// Decodes any framed Avro, JSON or Protobuf record into JSON, with the writer's schema: for
/// tools and for consumers of types they do not know. Given the record's topic
/// ([`DynamicDeserializer::decode_record`]) it passes the subject its strategy names when
/// fetching the writer schema, as the typed deserializers do.
#[derive(Debug)]
pub struct DynamicDeserializer {
    client: RegistryClient,
    naming: Naming,
    /// What each writer decodes with, and its id (for messages).
    schemas: RwLock<HashMap<WriterKey, (SchemaId, Writer)>>,
}

/// What a writer decodes with.
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
        DynamicDeserializer { client, naming: Naming::default(), schemas: RwLock::default() }
    }

    /// How [`DynamicDeserializer::decode_record`] names the subject it passes (default:
    /// TopicName; the record-name strategies pass none).
    pub fn subject_name_strategy(mut self, strategy: SubjectNameStrategy) -> DynamicDeserializer {
        self.naming.strategy = strategy;
        self
    }

    /// Passes `subject` whatever the topic (`:.team:orders-value`, say).
    pub fn subject(mut self, subject: impl Into<String>) -> DynamicDeserializer {
        self.naming.fixed = Some(subject.into());
        self
    }

    /// The record as JSON: Avro in its natural JSON shape (see the crate's codec), JSON
    /// documents as written. Without a topic no subject is passed (the fixed one excepted):
    /// the id is read in the client's context.
    pub async fn decode(&self, bytes: &[u8]) -> Result<serde_json::Value> {
        self.decode_with_header(None, bytes).await
    }

    /// As [`DynamicDeserializer::decode`] for a record whose writer schema may be named in its
    /// [`schema_id_header`] (whose value is `header`) instead of a frame.
    pub async fn decode_with_header(
        &self,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Result<serde_json::Value> {
        self.decode_for(self.naming.fixed.clone(), header, bytes).await
    }

    /// As [`DynamicDeserializer::decode_with_header`] for a key (`is_key`) or value of `topic`:
    /// the writer schema is fetched with the subject the strategy names (`<topic>-value`).
    pub async fn decode_record(
        &self,
        topic: &str,
        is_key: bool,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Result<serde_json::Value> {
        self.decode_for(self.naming.subject(topic, is_key), header, bytes).await
    }

    async fn decode_for(
        &self,
        subject: Option<String>,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Result<serde_json::Value> {
        let split = split(header, bytes)?;
        let key = WriterKey::new(split.schema, subject);
        let (id, schema) = match read(&self.schemas, &key) {
            Some(found) => found,
            None => {
                let subject = match &key {
                    WriterKey::Id { subject, .. } => subject.as_deref(),
                    WriterKey::Guid(_) => None,
                };
                let registered = fetch_writer(&self.client, split.schema, subject).await?;
                let schema = match registered.schema.as_protobuf() {
                    Some(protobuf) => Writer::Protobuf(Arc::new(protobuf.clone())),
                    None if registered.schema.schema_type() == SchemaType::Json => Writer::Json,
                    None => Writer::Avro(Arc::new(compile_registered(&registered)?)),
                };
                let mut schemas = self.schemas.write().unwrap_or_else(PoisonError::into_inner);
                if schemas.len() >= MAX_DYNAMIC_WRITERS {
                    schemas.clear();
                }
                schemas.insert(key, (registered.id, schema.clone()));
                (registered.id, schema)
            }
        };
        match schema {
            Writer::Avro(schema) => avro::decode_json(&schema, split.payload),
            Writer::Json => {
                serde_json::from_slice(split.payload).map_err(|e| Error::Json(e.to_string()))
            }
            Writer::Protobuf(schema) => {
                let (indexes, message) = crate::protobuf::indexes(&split)?;
                crate::protobuf::decode_json(id, &schema, &indexes, message)
            }
        }
    }
}

/// Writers a [`DynamicDeserializer`] keeps: past it the map starts over (the client's caches
/// still hold the schemas), a bound for tools reading many topics.
const MAX_DYNAMIC_WRITERS: usize = 10_000;

/// Encodes JSON values into framed records with a registered schema named by id, Avro, JSON
/// Schema or Protobuf: for tools that produce from text (the CLI's `produce`) and for producers of
/// types they do not know. The writer's schema is fetched and compiled once per id.
///
/// A Protobuf value is read in the proto3 JSON mapping into the message
/// [`DynamicSerializer::serialize_message_into`] names (the file's first by default) and framed
/// with that message's indexes.
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
    Protobuf(Arc<schemata_core::protobuf::ProtobufSchema>),
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

    /// Appends the framed record to `out`; on error `out` is left as it was. A Protobuf schema's
    /// first message is written.
    pub async fn serialize_into(
        &self,
        id: SchemaId,
        value: &serde_json::Value,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        self.serialize_message_into(id, None, value, out).await
    }

    /// As [`DynamicSerializer::serialize_into`], writing the Protobuf message `message` names
    /// (its full name, or its name within the package: `Order`, `Order.Line`); ignored for Avro
    /// and JSON Schema.
    pub async fn serialize_message_into(
        &self,
        id: SchemaId,
        message: Option<&str>,
        value: &serde_json::Value,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let writer = match read(&self.schemas, &id) {
            Some(writer) => writer,
            None => {
                let registered = self.client.schema_by_id(id).await?;
                let writer = match registered.schema.as_protobuf() {
                    Some(protobuf) => DynamicWriter::Protobuf(Arc::new(protobuf.clone())),
                    None if registered.schema.schema_type() == SchemaType::Json => {
                        DynamicWriter::Json(registered)
                    }
                    None => DynamicWriter::Avro(Arc::new(compile_registered(&registered)?)),
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
            DynamicWriter::Protobuf(schema) => {
                let descriptor = crate::protobuf::message_named(id, &schema, message)?;
                header(id, out);
                crate::protobuf::encode_json(&schema, &descriptor, value, out)
            }
        }
        .inspect_err(|_| out.truncate(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_from_their_payload() {
        let check = |record: &[u8], expected: Option<(&[u8], &[u8])>| {
            assert_eq!(split_frame(record), expected, "{record:?}");
        };
        let guid = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
        check(&[0, 0, 0, 0, 7, 42], Some((&[0, 0, 0, 0, 7], &[42])));
        check(&[0, 0, 0, 0, 7], Some((&[0, 0, 0, 0, 7], &[])));
        check(&[&guid[..], b"{}"].concat(), Some((&guid, b"{}")));
        check(&guid[..16], None);
        check(&[0, 0, 0], None);
        check(&[], None);
        check(&[2, 0, 0, 0, 7], None);
        check(b"{\"a\":1}", None);
    }
}
