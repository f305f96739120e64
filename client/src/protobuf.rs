//! Protobuf serde in the Confluent wire format: the header, the message-index array naming the
//! message inside its file (`[0]`, the first message, as the single byte 0x00), then the
//! prost-encoded message.
//!
//! The serializer's schema is the type's own `.proto` file, taken from its descriptor
//! (prost-reflect's `ReflectMessage`, which prost-reflect-build or a hand-written impl provides)
//! and printed as canonical `.proto` text; the files it imports are registered first, each under
//! its import path as subject (Confluent's default reference subject strategy), and referenced
//! by that path. Well-known and Confluent-bundled imports need no reference.

use std::collections::{BTreeMap, HashSet};
use std::marker::PhantomData;

use prost::Message as _;
use prost_reflect::{FileDescriptor, MessageDescriptor, ReflectMessage};
use schemata_core::protobuf::{
    ImportedFile, Imports, ProtobufSchema, is_builtin_import, parse_with_imports, reference_subject,
};
use schemata_core::wire;
use schemata_core::{Schema as ParsedSchema, SchemaId};

use crate::SubjectNameStrategy;
use crate::registry::{Error, LookupOptions, RegisterOptions, RegistryClient, Result};
use crate::serdes::{
    IdLookup, Naming, Prefix, SchemaIdFraming, SerializerConfig, Split, WriterKey, Writers,
    fetch_writer, naming_methods, split,
};

/// Writes prost messages of type `T` framed with their schema id and message indexes.
#[derive(Debug)]
pub struct ProtobufSerializer<T> {
    /// The id rule and per-topic cache every serializer shares; what it keeps per topic is the
    /// prefix of every record (header and message indexes), so a record copies it in one go.
    lookup: IdLookup<Box<[u8]>>,
    /// The type's file printed canonically, and (in dependency order) every file it imports
    /// that needs a reference.
    text: String,
    imports: Imports,
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
        let mut files = Vec::new();
        let mut seen = HashSet::new();
        collect_dependencies(&root, &mut seen, &mut files);
        let own = proto_file(&root);
        // The path alternates (field number, index) from the file down: the indexes are every
        // second element.
        let path: Vec<i32> = descriptor.path().iter().skip(1).step_by(2).copied().collect();
        let mut indexes = Vec::new();
        wire::write_message_indexes(&path, &mut indexes);
        Ok(ProtobufSerializer {
            lookup: IdLookup::new(client, config),
            text: own.text,
            imports: Imports { direct: own.imports, files },
            full_name: descriptor.full_name().to_owned(),
            indexes,
            _type: PhantomData,
        })
    }

    /// The schema text registered for `T` (its file, printed canonically).
    pub fn schema_text(&self) -> &str {
        &self.text
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
        if self.serialize_cached(topic, is_key, value, out).is_some() {
            return Ok(());
        }
        let subject = self.subject(topic, is_key);
        let own = async || self.register_files(&subject).await;
        let prefix = self
            .lookup
            .resolve(topic, is_key, &subject, own, |id, _| async move { self.prefix(id).await })
            .await?;
        write(&prefix, value, out);
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
        self.lookup.with_cached(topic, is_key, |prefix| write(prefix, value, out))
    }

    /// What every record written with schema `id` starts with: the frame the configured
    /// framing asks for (the id, or the GUID asked of the registry once), then the indexes, as
    /// Confluent 8's serializers write them after either.
    async fn prefix(&self, id: SchemaId) -> Result<Box<[u8]>> {
        let frame = Prefix::of(self.lookup.client(), self.framing(), id).await?;
        let mut prefix = Vec::with_capacity(wire::GUID_HEADER_LEN + self.indexes.len());
        frame.write(&mut prefix);
        prefix.extend_from_slice(&self.indexes);
        Ok(prefix.into_boxed_slice())
    }

    /// How records name their schema, as configured. With [`SchemaIdFraming::Header`] the
    /// typed producer moves the GUID frame and the message indexes after it into the record's
    /// schema-id header (see [`split_protobuf_frame`]), as Confluent 8's header serializer does.
    pub fn framing(&self) -> SchemaIdFraming {
        self.lookup.config().framing
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
        let versions =
            register_proto_imports(client, &self.imports, config.auto_register, config.normalize)
                .await?;
        let schema = parse_proto_with_versions(&self.text, &self.imports, &versions)?;
        self.lookup.own_id(subject, &schema, None).await
    }
}

/// Registers each file of `imports` (dependencies first) under its import path as subject
/// (Confluent's default reference subject names, core's `reference_subject`), with references
/// to the files it imports, or with `auto_register` off only looks each one up; answers the
/// version each has there, by import path. Registering is idempotent, so running it again
/// changes nothing. The client's Protobuf serializer and the CLI's `register` of a `.proto`
/// file with imports both go through here.
pub async fn register_proto_imports(
    client: &RegistryClient,
    imports: &Imports,
    auto_register: bool,
    normalize: bool,
) -> Result<BTreeMap<String, i32>> {
    let register = RegisterOptions { normalize, ..RegisterOptions::default() };
    let lookup = LookupOptions { normalize, ..LookupOptions::default() };
    let mut versions = BTreeMap::new();
    for (index, file) in imports.files.iter().enumerate() {
        // Dependencies come first, so every file this one imports is among the earlier ones.
        let earlier =
            Imports { direct: file.imports.clone(), files: imports.files[..index].to_vec() };
        let schema = parse_proto_with_versions(&file.text, &earlier, &versions)?;
        let subject = reference_subject(&file.name);
        if auto_register {
            client.register(&subject, &schema, register.clone()).await?;
        }
        let found = client.lookup(&subject, &schema, lookup.clone()).await?;
        let version = i32::try_from(found.version.0).unwrap_or(i32::MAX);
        versions.insert(file.name.clone(), version);
    }
    Ok(versions)
}

/// Parses `text` with references to its imports at the versions `versions` holds.
pub fn parse_proto_with_versions(
    text: &str,
    imports: &Imports,
    versions: &BTreeMap<String, i32>,
) -> Result<ParsedSchema> {
    Ok(parse_with_imports(text, imports, &|name| versions.get(name).copied().unwrap_or(-1))?)
}

/// Splits a framed Protobuf record into its frame with the message indexes after it (0x00 and a
/// 4-byte id, or 0x01 and a 16-byte GUID, then the index array: what Confluent 8's header
/// serializer puts in the schema-id header) and the message; `None` when `record` does not
/// start with a whole frame and index array. [`crate::split_frame`] for Protobuf, whose
/// indexes belong to the frame.
pub fn split_protobuf_frame(record: &[u8]) -> Option<(&[u8], &[u8])> {
    let (frame, rest) = crate::split_frame(record)?;
    let (indexes, _) = wire::split_message_indexes(rest).ok()?;
    Some(record.split_at(frame.len() + indexes.len()))
}

/// Appends the record: the prefix, then the message (one size computation, as prost's own
/// `encode` does).
fn write<T: prost::Message>(prefix: &[u8], value: &T, out: &mut Vec<u8>) {
    out.reserve(prefix.len() + value.encoded_len());
    out.extend_from_slice(prefix);
    // Encoding into a Vec cannot run out of room.
    value.encode_raw(out);
}

fn proto_file(file: &FileDescriptor) -> ImportedFile {
    ImportedFile {
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
    out: &mut Vec<ImportedFile>,
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
/// record's message indexes must name a message of `T`'s full name in it. The writer schema is
/// fetched with the subject the subject name strategy names for the topic (TopicName by
/// default; see [`ProtobufDeserializer::subject_name_strategy`], [`ProtobufDeserializer::
/// subject`] and [`ProtobufDeserializer::key`]), which picks the id's context in a registry
/// with contexts, as Confluent's deserializers pass it.
#[derive(Debug)]
pub struct ProtobufDeserializer<T> {
    client: Option<RegistryClient>,
    naming: Naming,
    /// The message-index bytes as written, by writer (subject and id, or GUID), checked to name
    /// `T`: a hit needs no registry. The bytes rather than the parsed indexes, so a record is
    /// matched without allocating.
    checked: Writers<Box<[u8]>>,
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
        ProtobufDeserializer {
            client: None,
            naming: Naming::default(),
            checked: Writers::default(),
            _type: PhantomData,
        }
    }

    /// A deserializer of values that fetches each record's writer schema by id.
    pub fn with_registry(client: RegistryClient) -> ProtobufDeserializer<T> {
        ProtobufDeserializer { client: Some(client), ..ProtobufDeserializer::new() }
    }

    naming_methods!();

    /// The client writer schemas come from, for [`Naming::migrations`].
    fn registry(&self) -> Option<&RegistryClient> {
        self.client.as_ref()
    }

    /// Decodes a framed message (schema id or GUID) of `topic`.
    pub async fn deserialize(&self, topic: &str, bytes: &[u8]) -> Result<T> {
        self.deserialize_with_header(topic, None, bytes).await
    }

    /// Decodes a message whose writer schema (and message indexes) may be named in its
    /// [`crate::schema_id_header`], whose value is `header`, the message then unframed.
    pub async fn deserialize_with_header(
        &self,
        topic: &str,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Result<T> {
        self.deserialize_part(topic, self.naming.is_key, header, bytes).await
    }

    /// As [`ProtobufDeserializer::deserialize_with_header`], for a key when `is_key` whatever
    /// [`ProtobufDeserializer::key`] said.
    pub(crate) async fn deserialize_part(
        &self,
        topic: &str,
        is_key: bool,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Result<T> {
        if let Some(done) = self.deserialize_cached_part(topic, is_key, header, bytes) {
            return done;
        }
        let split = split(header, bytes)?;
        let (raw, message) = index_bytes(&split)?;
        if let Some(client) = &self.client {
            let indexes = if raw.is_empty() { vec![0] } else { wire::read_message_indexes(raw)?.0 };
            let subject = self.naming.subject(topic, is_key);
            let registered = fetch_writer(client, split.schema, subject.as_deref()).await?;
            let id = registered.id;
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
            let key = WriterKey::new(split.schema, subject);
            self.checked.insert(key.clone(), raw.into(), |k, x| *k == key && **x == *raw);
        }
        T::decode(message).map_err(|e| Error::Protobuf(e.to_string()))
    }

    /// As [`ProtobufDeserializer::deserialize`] without awaiting: `None` when the registry must
    /// be asked first (a writer and message not checked yet for this topic's subject).
    pub fn deserialize_cached(&self, topic: &str, bytes: &[u8]) -> Option<Result<T>> {
        self.deserialize_cached_with_header(topic, None, bytes)
    }

    /// As [`ProtobufDeserializer::deserialize_with_header`] without awaiting.
    pub fn deserialize_cached_with_header(
        &self,
        topic: &str,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Option<Result<T>> {
        self.deserialize_cached_part(topic, self.naming.is_key, header, bytes)
    }

    /// As [`ProtobufDeserializer::deserialize_part`] without awaiting.
    #[inline]
    pub(crate) fn deserialize_cached_part(
        &self,
        topic: &str,
        is_key: bool,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Option<Result<T>> {
        let split = match split(header, bytes) {
            Ok(split) => split,
            Err(error) => return Some(Err(error)),
        };
        let (raw, message) = match index_bytes(&split) {
            Ok(read) => read,
            Err(error) => return Some(Err(error)),
        };
        if self.client.is_some() {
            let naming = &self.naming;
            self.checked.with(
                |key, x| key.is_for(naming, &split.schema, topic, is_key) && **x == *raw,
                |_| (),
            )?;
        }
        Some(T::decode(message).map_err(|e| Error::Protobuf(e.to_string())))
    }
}

/// A record's message-index bytes, as written, and its message, without allocating: from the
/// payload after a frame, or after the id or GUID in the schema-id header (none there, the
/// empty slice, means `[0]`) with the payload whole.
fn index_bytes<'a>(split: &Split<'a>) -> Result<(&'a [u8], &'a [u8])> {
    match split.header_rest {
        Some(rest) if rest.is_empty() => Ok((rest, split.payload)),
        Some(rest) => Ok((wire::split_message_indexes(rest)?.0, split.payload)),
        None => Ok(wire::split_message_indexes(split.payload)?),
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
/// schema in the proto3 JSON mapping (prost-reflect's): field JSON names, 64-bit integers as
/// strings, bytes as base64, enums by name, well-known types in their JSON forms (a Timestamp
/// as RFC 3339 text), fields left at their defaults omitted. What [`encode_json`] reads back.
pub(crate) fn decode_json(
    id: SchemaId,
    schema: &ProtobufSchema,
    indexes: &[i32],
    message: &[u8],
) -> Result<serde_json::Value> {
    let descriptor = schema.message_at(indexes).ok_or_else(|| {
        Error::Protobuf(format!("message indexes {indexes:?} name no message of schema {id}"))
    })?;
    // prost bounds the nesting it decodes (its recursion limit), so printing it is bounded too.
    let message = prost_reflect::DynamicMessage::decode(descriptor, message)
        .map_err(|e| Error::Protobuf(e.to_string()))?;
    let descriptor = message.descriptor();
    let mut json = message
        .serialize_with_options(
            serde_json::value::Serializer,
            &prost_reflect::SerializeOptions::new(),
        )
        .map_err(|e| Error::Protobuf(e.to_string()))?;
    sort_maps(&descriptor, &mut json);
    Ok(json)
}

/// Puts the entries of every map field (and `google.protobuf.Struct`) in `json`, the JSON of a
/// `message`, in key order: prost-reflect holds maps in hash maps, so without this the same
/// record would print differently from run to run. Integer keys sort as numbers, the others as
/// text, as protobuf JSON printers commonly order them. An `Any`'s packed message is left as
/// printed. Nesting is bounded by the decode that made the message (prost's recursion limit).
fn sort_maps(message: &MessageDescriptor, json: &mut serde_json::Value) {
    use prost_reflect::Kind;
    use serde_json::Value;

    match message.full_name() {
        "google.protobuf.Struct" => {
            if let Value::Object(fields) = json {
                fields.sort_keys();
                for value in fields.values_mut() {
                    sort_dynamic(value);
                }
            }
            return;
        }
        "google.protobuf.Value" => return sort_dynamic(json),
        "google.protobuf.ListValue" => {
            if let Value::Array(values) = json {
                values.iter_mut().for_each(sort_dynamic);
            }
            return;
        }
        name if name.starts_with("google.protobuf.") => return,
        _ => {}
    }
    let Value::Object(object) = json else {
        return;
    };
    for field in message.fields() {
        let Some(value) = object.get_mut(field.json_name()) else {
            continue;
        };
        match (field.kind(), value) {
            (Kind::Message(entry), Value::Object(map)) if field.is_map() => {
                let numeric =
                    !matches!(entry.map_entry_key_field().kind(), Kind::String | Kind::Bool);
                let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                if numeric {
                    entries.sort_by_key(|(key, _)| key.parse::<i128>().unwrap_or(i128::MAX));
                } else {
                    entries.sort_by(|(a, _), (b, _)| a.cmp(b));
                }
                if let Kind::Message(values) = entry.map_entry_value_field().kind() {
                    for (_, value) in &mut entries {
                        sort_maps(&values, value);
                    }
                }
                map.extend(entries);
            }
            (Kind::Message(inner), Value::Array(items)) => {
                items.iter_mut().for_each(|item| sort_maps(&inner, item));
            }
            (Kind::Message(inner), value) => sort_maps(&inner, value),
            _ => {}
        }
    }
}

/// A `google.protobuf.Value` in its JSON form: any JSON, whose objects are Structs.
fn sort_dynamic(json: &mut serde_json::Value) {
    match json {
        serde_json::Value::Object(fields) => {
            fields.sort_keys();
            fields.values_mut().for_each(sort_dynamic);
        }
        serde_json::Value::Array(values) => values.iter_mut().for_each(sort_dynamic),
        _ => {}
    }
}

/// The message of `schema` that `name` names (see [`ProtobufSchema::message_named`]); `None`
/// names the first message, as Confluent's serializers default to.
pub(crate) fn message_named(
    id: SchemaId,
    schema: &ProtobufSchema,
    name: Option<&str>,
) -> Result<MessageDescriptor> {
    match name {
        None => schema
            .first_message()
            .ok_or_else(|| Error::Protobuf(format!("schema {id} declares no message"))),
        Some(name) => schema.message_named(name).ok_or_else(|| {
            Error::Protobuf(format!(
                "schema {id} declares no message {name} (it declares {})",
                schema.message_names().join(", ")
            ))
        }),
    }
}

/// Appends `value`, a JSON document in the proto3 JSON mapping (JSON or proto field names,
/// 64-bit integers as numbers or strings, enums by name or number), encoded as `message` of
/// `schema`: its message indexes, then the message. Unknown fields are refused, so a typo is
/// not dropped in silence. On error `out` may hold a partial write: the caller truncates.
pub(crate) fn encode_json(
    schema: &ProtobufSchema,
    message: &MessageDescriptor,
    value: &serde_json::Value,
    out: &mut Vec<u8>,
) -> Result<()> {
    let decoded = prost_reflect::DynamicMessage::deserialize(message.clone(), value)
        .map_err(|e| Error::Protobuf(e.to_string()))?;
    let indexes = schema.message_indexes(message.full_name()).ok_or_else(|| {
        Error::Protobuf(format!("{} is not declared in the schema's file", message.full_name()))
    })?;
    wire::write_message_indexes(&indexes, out);
    out.reserve(decoded.encoded_len());
    // Encoding into a Vec cannot run out of room.
    decoded.encode_raw(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The JSON side of dynamic Protobuf records: what `schemata produce` reads and `consume`
    //! prints, one mapping both ways.

    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    const TEXT: &str = "syntax = \"proto3\";\npackage t;\nimport \"google/protobuf/timestamp.proto\";\nmessage First {\n  int32 n = 1;\n}\nmessage R {\n  enum Unit {\n    U0 = 0;\n    C = 1;\n  }\n  message Tag {\n    string name = 1;\n  }\n  string s = 1;\n  int64 big = 2;\n  Unit unit = 3;\n  map<string, int32> counts = 4;\n  google.protobuf.Timestamp at = 5;\n  oneof pick {\n    string a = 6;\n    bytes b = 7;\n  }\n  repeated Tag tags = 8;\n  double d = 9;\n  optional string maybe = 10;\n}\n";

    fn schema() -> ProtobufSchema {
        ProtobufSchema::parse(TEXT, &[]).unwrap()
    }

    /// Encodes `input` as message `name`, checks the index bytes, decodes it back.
    fn round_trip(name: Option<&str>, input: Value) -> (Vec<u8>, Value) {
        let schema = schema();
        let message = message_named(SchemaId(1), &schema, name).unwrap();
        let mut out = Vec::new();
        encode_json(&schema, &message, &input, &mut out).unwrap();
        let (indexes, payload) = wire::read_message_indexes(&out).unwrap();
        let decoded = decode_json(SchemaId(1), &schema, &indexes, payload).unwrap();
        (out, decoded)
    }

    #[test]
    fn json_round_trips_in_the_proto3_mapping() {
        let cases = [
            (Some("R"), json!({"s": "x"}), json!({"s": "x"})),
            (
                Some("t.R"),
                json!({"big": 5, "unit": 1, "counts": {"k": "2"}, "at": "2026-01-02T03:04:05.5Z"}),
                json!({"big": "5", "unit": "C", "counts": {"k": 2}, "at": "2026-01-02T03:04:05.500Z"}),
            ),
            (
                Some("R"),
                json!({"b": "AAE=", "tags": [{"name": "n"}], "d": "NaN"}),
                json!({"b": "AAE=", "tags": [{"name": "n"}], "d": "NaN"}),
            ),
            (Some("R"), json!({"maybe": "", "a": ""}), json!({"maybe": "", "a": ""})),
            (Some("R"), json!({"s": "", "big": "0", "unit": "U0"}), json!({})),
            (Some("R.Tag"), json!({"name": "inner"}), json!({"name": "inner"})),
            (None, json!({"n": -1}), json!({"n": -1})),
        ];
        for (name, input, expected) in cases {
            let (_, decoded) = round_trip(name, input.clone());
            assert_eq!(decoded, expected, "{name:?} {input}");
        }
        // The index bytes name the message: [0] as one 0x00, [1] and [1, 0] as arrays.
        assert_eq!(round_trip(None, json!({})).0, [0]);
        assert_eq!(round_trip(Some("R"), json!({})).0, [2, 2]);
        assert_eq!(round_trip(Some("R.Tag"), json!({})).0, [4, 2, 0]);
    }

    /// Map entries print in key order whatever order the hash map inside prost-reflect holds
    /// them in: text keys as text, integer keys as numbers, in nested messages, lists and map
    /// values too, and a Struct's fields.
    #[test]
    fn maps_print_in_key_order() {
        const MAPS: &str = "syntax = \"proto3\";\npackage m;\nimport \"google/protobuf/struct.proto\";\nmessage Inner {\n  map<string, int32> names = 1;\n}\nmessage M {\n  map<string, int32> names = 1;\n  map<sint64, string> numbers = 2;\n  repeated Inner inners = 3;\n  map<bool, Inner> flags = 4;\n  google.protobuf.Struct extra = 5;\n  Inner one = 6;\n}\n";
        let schema = ProtobufSchema::parse(MAPS, &[]).unwrap();
        let message = message_named(SchemaId(1), &schema, Some("M")).unwrap();
        let words: Vec<String> = (0..40).map(|i| format!("k{:02}", (i * 17) % 40)).collect();
        let names: serde_json::Map<String, Value> =
            words.iter().map(|w| (w.clone(), json!(1))).collect();
        let input = json!({
            "names": names,
            "numbers": {"10": "a", "-3": "b", "2": "c", "9": "d", "-20": "e", "100": "f"},
            "inners": [{"names": {"b": 1, "a": 2, "c": 3}}],
            "flags": {"true": {"names": {"y": 1, "x": 2}}, "false": {}},
            "extra": {"z": 1, "a": {"q": [{"n": 1, "m": 2}], "b": null}},
            "one": {"names": {"2": 1, "10": 2, "1": 3}},
        });
        let mut encoded = Vec::new();
        encode_json(&schema, &message, &input, &mut encoded).unwrap();
        let (indexes, payload) = wire::read_message_indexes(&encoded).unwrap();
        let printed = decode_json(SchemaId(1), &schema, &indexes, payload).unwrap().to_string();
        let mut sorted = words.clone();
        sorted.sort();
        let names: Vec<String> = sorted.iter().map(|w| format!("\"{w}\":1")).collect();
        let expected = format!(
            "{{\"names\":{{{}}},\"numbers\":{{\"-20\":\"e\",\"-3\":\"b\",\"2\":\"c\",\"9\":\"d\",\"10\":\"a\",\"100\":\"f\"}},\
             \"inners\":[{{\"names\":{{\"a\":2,\"b\":1,\"c\":3}}}}],\
             \"flags\":{{\"false\":{{}},\"true\":{{\"names\":{{\"x\":2,\"y\":1}}}}}},\
             \"extra\":{{\"a\":{{\"b\":null,\"q\":[{{\"m\":2.0,\"n\":1.0}}]}},\"z\":1.0}},\
             \"one\":{{\"names\":{{\"1\":3,\"10\":2,\"2\":1}}}}}}",
            names.join(",")
        );
        assert_eq!(printed, expected);
    }

    #[test]
    fn bad_documents_and_names_are_typed_errors() {
        let schema = schema();
        let r = message_named(SchemaId(1), &schema, Some("R")).unwrap();
        for input in [
            json!({"nope": 1}),
            json!({"s": 1}),
            json!({"big": "x"}),
            json!({"unit": "NOT_A_UNIT"}),
            json!({"at": "yesterday"}),
            json!({"a": "x", "b": "AA=="}),
            json!([1]),
            json!({"tags": [{"name": 1}]}),
        ] {
            let mut out = vec![9];
            let error = encode_json(&schema, &r, &input, &mut out).unwrap_err();
            assert!(matches!(error, Error::Protobuf(_)), "{input}: {error}");
        }
        for name in ["Nope", "t.Nope", "R.Unit", "R.CountsEntry", "google.protobuf.Timestamp"] {
            let error = message_named(SchemaId(7), &schema, Some(name)).unwrap_err();
            assert!(error.to_string().contains("t.First, t.R, t.R.Tag"), "{name}: {error}");
        }
        assert!(decode_json(SchemaId(1), &schema, &[5], &[]).is_err());
        assert!(decode_json(SchemaId(1), &schema, &[1], &[0x0a, 0xff]).is_err());
    }

    /// A GUID-framed record of the second message: 0x01, the GUID 0x10..0x1f, indexes [1], then
    /// the message (field 1 = 1).
    const GUID_FRAMED: [u8; 21] = [
        1, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
        0x1e, 0x1f, 2, 2, 8, 1,
    ];

    /// What header framing moves into the schema-id header: the frame and the indexes.
    #[test]
    fn protobuf_frames_split_with_their_indexes() {
        /// (record, the (frame with indexes, message) it splits into)
        type Case<'a> = (&'a [u8], Option<(&'a [u8], &'a [u8])>);
        let cases: &[Case<'_>] = &[
            (&[0, 0, 0, 0, 1, 0, 8, 1], Some((&[0, 0, 0, 0, 1, 0], &[8, 1]))),
            (&[0, 0, 0, 0, 1, 2, 2], Some((&[0, 0, 0, 0, 1, 2, 2], &[]))),
            (&GUID_FRAMED, Some((&GUID_FRAMED[..19], &[8, 1]))),
            (&GUID_FRAMED[..18], None),
            (&[0, 0, 0, 0, 1], None),
            (&[0, 0, 0, 0, 1, 0x80], None),
            (&[2, 0, 0, 0, 1, 0], None),
            (&[], None),
        ];
        for (record, expected) in cases {
            assert_eq!(split_protobuf_frame(record), *expected, "{record:?}");
        }
    }

    /// The index bytes are found without allocating, in the frame or after a header's id, and
    /// checked as the allocating reader checks them.
    #[test]
    fn index_bytes_in_frames_and_headers() {
        /// (schema-id header, record, the (index bytes, message) found)
        type Case<'a> = (Option<&'a [u8]>, &'a [u8], Option<(&'a [u8], &'a [u8])>);
        let cases: &[Case<'_>] = &[
            (None, &[0, 0, 0, 0, 1, 0, 8, 1], Some((&[0], &[8, 1]))),
            (None, &[0, 0, 0, 0, 1, 2, 2, 8, 1], Some((&[2, 2], &[8, 1]))),
            (None, &[0, 0, 0, 0, 1, 4, 2, 0, 8], Some((&[4, 2, 0], &[8]))),
            (None, &[0, 0, 0, 0, 1, 0x80], None),
            (None, &[0, 0, 0, 0, 1, 1, 2], None),
            (Some(&[0, 0, 0, 0, 1]), &[8, 1], Some((&[], &[8, 1]))),
            (Some(&[0, 0, 0, 0, 1, 2, 2]), &[8, 1], Some((&[2, 2], &[8, 1]))),
            (Some(&[0, 0, 0, 0, 1, 2]), &[8, 1], None),
            // Confluent 8's GUID frame: 0x01, 16 bytes, then the indexes, in front or in the
            // header.
            (None, &GUID_FRAMED, Some((&[2, 2], &[8, 1]))),
            (None, &GUID_FRAMED[..17], None),
            (Some(&GUID_FRAMED[..19]), &[8, 1], Some((&[2, 2], &[8, 1]))),
            (Some(&GUID_FRAMED[..17]), &[8, 1], Some((&[], &[8, 1]))),
            (Some(&GUID_FRAMED[..16]), &[8, 1], None),
        ];
        for (header, bytes, expected) in cases {
            let got = split(*header, bytes).and_then(|s| index_bytes(&s)).ok();
            assert_eq!(got, *expected, "{header:?} {bytes:?}");
        }
        // Without a registry a record of the second message decodes; a broken array is an error.
        let deserializer = ProtobufDeserializer::<i64>::new();
        assert_eq!(
            deserializer.deserialize_cached("t", &[0, 0, 0, 0, 1, 2, 2, 8, 7]).unwrap().unwrap(),
            7
        );
        assert!(deserializer.deserialize_cached("t", &[0, 0, 0, 0, 1, 1, 2]).unwrap().is_err());
    }

    proptest! {
        #[test]
        fn any_bytes_decode_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let schema = schema();
            if let Ok((indexes, payload)) = wire::read_message_indexes(&bytes) {
                let _ = decode_json(SchemaId(1), &schema, &indexes, payload);
            }
            let _ = decode_json(SchemaId(1), &schema, &[1], &bytes);
            // Split like header framing splits it, the frame and payload make the record again.
            if let Some((frame, payload)) = split_protobuf_frame(&bytes) {
                prop_assert_eq!([frame, payload].concat(), bytes.clone());
            }
            let deserializer = ProtobufDeserializer::<String>::new();
            let mut framed = vec![0, 0, 0, 0, 1];
            framed.extend_from_slice(&bytes);
            let _ = deserializer.deserialize_cached("t", &framed);
        }
    }
}
