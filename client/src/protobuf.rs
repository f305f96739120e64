//! Protobuf serde in the Confluent wire format: the header, the message-index array naming the
//! message inside its file (`[0]`, the first message, as the single byte 0x00), then the
//! prost-encoded message.
//!
//! The serializer's schema is the type's own `.proto` file, taken from its descriptor
//! (prost-reflect's `ReflectMessage`, which prost-reflect-build or a hand-written impl provides)
//! and printed as canonical `.proto` text; the files it imports are registered first, each under
//! its import path as subject (Confluent's default reference subject strategy), and referenced
//! by that path. Well-known and Confluent-bundled imports need no reference.

use std::collections::HashSet;
use std::marker::PhantomData;
use std::sync::{PoisonError, RwLock};

use prost_reflect::{FileDescriptor, ReflectMessage};
use schemata_core::protobuf::{ProtobufSchema, is_builtin_import};
use schemata_core::wire;
use schemata_core::{
    ReferencedSchema, Schema as ParsedSchema, SchemaId, SchemaReference, SchemaType,
};

use crate::SubjectNameStrategy;
use crate::registry::{Error, LookupOptions, RegisterOptions, RegistryClient, Result};
use crate::serdes::{IdLookup, SerializerConfig, Split, id_now, id_of, split};

/// One `.proto` file to register: its import path, canonical text and the import paths it
/// needs references for.
#[derive(Debug, Clone)]
struct ProtoFile {
    name: String,
    text: String,
    imports: Vec<String>,
}

/// Writes prost messages of type `T` framed with their schema id and message indexes.
#[derive(Debug)]
pub struct ProtobufSerializer<T> {
    /// The id rule and per-topic cache every serializer shares.
    lookup: IdLookup<SchemaId>,
    /// The type's file, then (in dependency order) every file it imports that needs a reference.
    file: ProtoFile,
    dependencies: Vec<ProtoFile>,
    /// The type's full name, for subject name strategies that use the record name.
    full_name: String,
    /// The encoded message-index array, written after every header.
    indexes: Vec<u8>,
    _type: PhantomData<fn(&T)>,
}

impl<T: ReflectMessage + Default> ProtobufSerializer<T> {
    /// A serializer of `T` that finds its schema ids through `client` as `config` says.
    pub fn new(client: RegistryClient, config: SerializerConfig) -> Result<ProtobufSerializer<T>> {
        let descriptor = T::default().descriptor();
        let root = descriptor.parent_file();
        let mut dependencies = Vec::new();
        let mut seen = HashSet::new();
        collect_dependencies(&root, &mut seen, &mut dependencies);
        // The path alternates (field number, index) from the file down: the indexes are every
        // second element.
        let path: Vec<i32> = descriptor.path().iter().skip(1).step_by(2).copied().collect();
        let mut indexes = Vec::new();
        wire::write_message_indexes(&path, &mut indexes);
        Ok(ProtobufSerializer {
            lookup: IdLookup::new(client, config),
            file: proto_file(&root),
            dependencies,
            full_name: descriptor.full_name().to_owned(),
            indexes,
            _type: PhantomData,
        })
    }

    /// The schema text registered for `T` (its file, printed canonically).
    pub fn schema_text(&self) -> &str {
        &self.file.text
    }

    /// The framed message for `value` on `topic` (as a key or a value).
    pub async fn serialize(&self, topic: &str, is_key: bool, value: &T) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.serialize_into(topic, is_key, value, &mut out).await?;
        Ok(out)
    }

    /// Appends the framed message to `out`.
    pub async fn serialize_into(
        &self,
        topic: &str,
        is_key: bool,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let id = match self.lookup.with_cached(topic, is_key, |id| *id) {
            Some(id) => id,
            None => {
                let subject = self.subject(topic, is_key);
                let own = async || self.register_files(&subject).await;
                self.lookup
                    .resolve(topic, is_key, &subject, own, |id, _| async move { Ok(id) })
                    .await?
            }
        };
        self.write(id, value, out);
        Ok(())
    }

    /// As [`ProtobufSerializer::serialize_into`] without awaiting: `None` until an async call
    /// has found the schema id for this topic.
    pub fn serialize_cached(
        &self,
        topic: &str,
        is_key: bool,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        let id = self.lookup.with_cached(topic, is_key, |id| *id)?;
        self.write(id, value, out);
        Some(())
    }

    fn write(&self, id: SchemaId, value: &T, out: &mut Vec<u8>) {
        out.reserve(wire::ID_HEADER_LEN + self.indexes.len() + value.encoded_len());
        wire::write_header(id, out);
        out.extend_from_slice(&self.indexes);
        // Encoding into a Vec cannot run out of room.
        value.encode_raw(out);
    }

    fn subject(&self, topic: &str, is_key: bool) -> String {
        let suffix = if is_key { "key" } else { "value" };
        match self.lookup.config().strategy {
            SubjectNameStrategy::TopicName => format!("{topic}-{suffix}"),
            SubjectNameStrategy::RecordName => self.full_name.clone(),
            SubjectNameStrategy::TopicRecordName => format!("{topic}-{}", self.full_name),
        }
    }

    /// Registers (or looks up) every import, then the type's file with references to them
    /// under `subject`: the serializer's own id.
    async fn register_files(&self, subject: &str) -> Result<SchemaId> {
        let (client, config) = (self.lookup.client(), self.lookup.config());
        let register = RegisterOptions { normalize: config.normalize };
        let lookup = LookupOptions { normalize: config.normalize, ..LookupOptions::default() };
        let mut registered: Vec<(ProtoFile, SchemaReference)> = Vec::new();
        for dependency in &self.dependencies {
            let schema = parsed(dependency, &registered)?;
            if config.auto_register {
                client.register(&dependency.name, &schema, register).await?;
            }
            let found = client.lookup(&dependency.name, &schema, lookup).await?;
            let reference = SchemaReference {
                name: dependency.name.clone(),
                subject: dependency.name.clone(),
                version: found.version.0 as i32,
            };
            registered.push((dependency.clone(), reference));
        }
        let schema = parsed(&self.file, &registered)?;
        self.lookup.own_id(subject, &schema).await
    }
}

/// Parses a file with references to the already registered files it imports.
fn parsed(file: &ProtoFile, registered: &[(ProtoFile, SchemaReference)]) -> Result<ParsedSchema> {
    let references: Vec<SchemaReference> = file
        .imports
        .iter()
        .filter_map(|import| registered.iter().find(|(f, _)| &f.name == import))
        .map(|(_, reference)| reference.clone())
        .collect();
    let mut lookup = |reference: &SchemaReference| {
        let (file, _) = registered.iter().find(|(_, r)| r == reference)?;
        let references = file
            .imports
            .iter()
            .filter_map(|import| registered.iter().find(|(f, _)| &f.name == import))
            .map(|(_, r)| r.clone())
            .collect();
        Some(ReferencedSchema {
            schema_type: SchemaType::Protobuf,
            text: file.text.clone(),
            references,
        })
    };
    Ok(ParsedSchema::parse_with_references(
        SchemaType::Protobuf,
        &file.text,
        &references,
        &mut lookup,
    )?)
}

fn proto_file(file: &FileDescriptor) -> ProtoFile {
    ProtoFile {
        name: file.name().to_owned(),
        text: ProtobufSchema::from_file(file.clone()).canonical(),
        imports: file
            .dependencies()
            .map(|d| d.name().to_owned())
            .filter(|name| !is_builtin_import(name))
            .collect(),
    }
}

/// Every non-built-in file `file` imports, transitively, dependencies before their dependents.
fn collect_dependencies(
    file: &FileDescriptor,
    seen: &mut HashSet<String>,
    out: &mut Vec<ProtoFile>,
) {
    for dependency in file.dependencies() {
        if is_builtin_import(dependency.name()) || !seen.insert(dependency.name().to_owned()) {
            continue;
        }
        collect_dependencies(&dependency, seen, out);
        out.push(proto_file(&dependency));
    }
}

/// Reads framed Protobuf records into `T`. Without a registry only the frame is checked; with
/// one ([`ProtobufDeserializer::with_registry`]) the writer schema must be PROTOBUF and the
/// record's message indexes must name a message of `T`'s full name in it.
#[derive(Debug)]
pub struct ProtobufDeserializer<T> {
    client: Option<RegistryClient>,
    /// (writer id, message indexes) pairs already checked to name `T`: a hit needs no registry.
    checked: RwLock<Vec<(SchemaId, Vec<i32>)>>,
    _type: PhantomData<fn() -> T>,
}

impl<T: ReflectMessage + Default> Default for ProtobufDeserializer<T> {
    fn default() -> Self {
        ProtobufDeserializer::new()
    }
}

impl<T: ReflectMessage + Default> ProtobufDeserializer<T> {
    /// A deserializer without a registry: only the frame is checked.
    pub fn new() -> ProtobufDeserializer<T> {
        ProtobufDeserializer { client: None, checked: RwLock::default(), _type: PhantomData }
    }

    /// A deserializer that fetches each record's writer schema by id.
    pub fn with_registry(client: RegistryClient) -> ProtobufDeserializer<T> {
        ProtobufDeserializer {
            client: Some(client),
            checked: RwLock::default(),
            _type: PhantomData,
        }
    }

    /// Decodes a framed message (schema id or GUID).
    pub async fn deserialize(&self, topic: &str, bytes: &[u8]) -> Result<T> {
        self.deserialize_with_header(topic, None, bytes).await
    }

    /// Decodes a message whose writer schema (and message indexes) may be named in its
    /// [`crate::schema_id_header`], whose value is `header`, the message then unframed.
    pub async fn deserialize_with_header(
        &self,
        _topic: &str,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Result<T> {
        if let Some(done) = self.deserialize_cached_with_header(header, bytes) {
            return done;
        }
        let split = split(header, bytes)?;
        let (indexes, message) = indexes(&split)?;
        if let Some(client) = &self.client {
            let id = id_of(client, split.schema).await?;
            let registered = client.schema_by_id(id).await?;
            let schema = registered.schema.as_protobuf().ok_or_else(|| Error::SchemaType {
                id,
                expected: "PROTOBUF",
                found: registered.schema.schema_type().to_string(),
            })?;
            let named = schema.message_at(&indexes).ok_or_else(|| {
                Error::Protobuf(format!(
                    "message indexes {indexes:?} name no message of schema {id}"
                ))
            })?;
            let expected = T::default().descriptor();
            if named.full_name() != expected.full_name() {
                return Err(Error::Incompatible {
                    writer: id,
                    reader: expected.full_name().to_owned(),
                    reasons: vec![format!("the record holds a {}", named.full_name())],
                });
            }
            let mut checked = self.checked.write().unwrap_or_else(PoisonError::into_inner);
            if !checked.iter().any(|(i, x)| *i == id && *x == indexes) {
                checked.push((id, indexes));
            }
        }
        T::decode(message).map_err(|e| Error::Protobuf(e.to_string()))
    }

    /// As [`ProtobufDeserializer::deserialize`] without awaiting: `None` when the registry must
    /// be asked first (a writer id and message not checked yet).
    pub fn deserialize_cached(&self, bytes: &[u8]) -> Option<Result<T>> {
        self.deserialize_cached_with_header(None, bytes)
    }

    /// As [`ProtobufDeserializer::deserialize_with_header`] without awaiting.
    pub fn deserialize_cached_with_header(
        &self,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Option<Result<T>> {
        let split = match split(header, bytes) {
            Ok(split) => split,
            Err(error) => return Some(Err(error)),
        };
        let (indexes, message) = match indexes(&split) {
            Ok(read) => read,
            Err(error) => return Some(Err(error)),
        };
        if let Some(client) = &self.client {
            let id = id_now(client, split.schema)?;
            let checked = self.checked.read().unwrap_or_else(PoisonError::into_inner);
            if !checked.iter().any(|(i, x)| *i == id && *x == indexes) {
                return None;
            }
        }
        Some(T::decode(message).map_err(|e| Error::Protobuf(e.to_string())))
    }
}

/// A record's message indexes and message: both from the payload after a frame, or the indexes
/// after the id or GUID in the schema-id header (none there means `[0]`) and the payload whole.
pub(crate) fn indexes<'a>(split: &Split<'a>) -> Result<(Vec<i32>, &'a [u8])> {
    match split.header_rest {
        Some([]) => Ok((vec![0], split.payload)),
        Some(rest) => Ok((wire::read_message_indexes(rest)?.0, split.payload)),
        None => Ok(wire::read_message_indexes(split.payload)?),
    }
}

/// A framed record's payload (message indexes, then the message) as JSON, read with the writer's
/// schema: the proto3 JSON mapping's shapes (field JSON names, 64-bit integers as strings, bytes
/// as base64, enums by name), fields left at their defaults omitted.
pub(crate) fn decode_json(
    id: SchemaId,
    schema: &ProtobufSchema,
    indexes: &[i32],
    message: &[u8],
) -> Result<serde_json::Value> {
    let descriptor = schema.message_at(indexes).ok_or_else(|| {
        Error::Protobuf(format!("message indexes {indexes:?} name no message of schema {id}"))
    })?;
    let message = prost_reflect::DynamicMessage::decode(descriptor, message)
        .map_err(|e| Error::Protobuf(e.to_string()))?;
    Ok(message_json(&message, 0))
}

/// Deeper messages than this print as `null`: decoded data can nest as deep as its bytes allow.
const MAX_JSON_DEPTH: usize = 100;

fn message_json(message: &prost_reflect::DynamicMessage, depth: usize) -> serde_json::Value {
    if depth > MAX_JSON_DEPTH {
        return serde_json::Value::Null;
    }
    let mut object = serde_json::Map::new();
    for (field, value) in message.fields() {
        object.insert(field.json_name().to_owned(), value_json(&field.kind(), value, depth));
    }
    serde_json::Value::Object(object)
}

fn value_json(
    kind: &prost_reflect::Kind,
    value: &prost_reflect::Value,
    depth: usize,
) -> serde_json::Value {
    use base64::Engine as _;
    use prost_reflect::{Kind, MapKey, Value};
    use serde_json::Value as Json;
    let float = |n: f64| {
        if n.is_nan() {
            Json::from("NaN")
        } else if n.is_infinite() {
            Json::from(if n > 0.0 { "Infinity" } else { "-Infinity" })
        } else {
            serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number)
        }
    };
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::I32(n) => Json::from(*n),
        Value::U32(n) => Json::from(*n),
        Value::I64(n) => Json::from(n.to_string()),
        Value::U64(n) => Json::from(n.to_string()),
        Value::F32(n) => float(f64::from(*n)),
        Value::F64(n) => float(*n),
        Value::String(s) => Json::from(s.as_str()),
        Value::Bytes(b) => Json::from(base64::engine::general_purpose::STANDARD.encode(b)),
        Value::EnumNumber(n) => match kind {
            Kind::Enum(e) => {
                e.get_value(*n).map_or_else(|| Json::from(*n), |v| Json::from(v.name()))
            }
            _ => Json::from(*n),
        },
        Value::Message(m) => message_json(m, depth + 1),
        Value::List(items) => {
            Json::Array(items.iter().map(|v| value_json(kind, v, depth)).collect())
        }
        Value::Map(map) => {
            let value_kind = match kind {
                Kind::Message(entry) => entry.map_entry_value_field().kind(),
                other => other.clone(),
            };
            let mut object = serde_json::Map::new();
            for (key, value) in map {
                let key = match key {
                    MapKey::Bool(b) => b.to_string(),
                    MapKey::I32(n) => n.to_string(),
                    MapKey::I64(n) => n.to_string(),
                    MapKey::U32(n) => n.to_string(),
                    MapKey::U64(n) => n.to_string(),
                    MapKey::String(s) => s.clone(),
                };
                object.insert(key, value_json(&value_kind, value, depth));
            }
            Json::Object(object)
        }
    }
}
