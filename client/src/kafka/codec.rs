//! How the producer and consumer turn keys and values into bytes and back: two small object-safe
//! traits, implemented by the crate's Avro and JSON serdes and by plain bytes and UTF-8 text, and
//! the classification of decode failures that the undecodable-record policy acts on.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::json::Failure;
use crate::{
    AvroDeserializer, AvroSerializer, Error as SerdeError, JsonDeserializer, JsonSerializer,
    ProtobufDeserializer, ProtobufSerializer, Schema, SchemaIdFraming,
};

/// A boxed future borrowed from the codec and the value. Boxing keeps the traits object safe, so
/// `Producer<K, V>` names only the key and value types; the box is only paid on the slow path
/// (the first record of a topic, or a writer id not seen before).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Turns a `T` into the bytes of a Kafka key or value.
pub trait Encoder<T: ?Sized>: Send + Sync {
    /// Appends the encoding of `value` to `out` without awaiting, or `None` when the encoder
    /// needs the registry first (then [`Encoder::encode`] is called).
    fn encode_now(
        &self,
        topic: &str,
        is_key: bool,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Option<Result<(), SerdeError>>;

    /// Appends the encoding of `value` to `out`, asking the registry if needed.
    fn encode<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        value: &'a T,
        out: &'a mut Vec<u8>,
    ) -> BoxFuture<'a, Result<(), SerdeError>>;

    /// True when the producer must move the frame the encoding starts with into the record's
    /// schema-id header ([`crate::SchemaIdFraming::Header`]).
    fn frame_in_header(&self) -> bool {
        false
    }

    /// Splits an encoding into what goes into the schema-id header under header framing and
    /// the payload: the frame ([`crate::split_frame`]), and for Protobuf the message indexes
    /// after it too. `None` when the encoding does not start with one.
    fn split_header_frame<'b>(&self, bytes: &'b [u8]) -> Option<(&'b [u8], &'b [u8])> {
        crate::split_frame(bytes)
    }
}

/// Turns the bytes of a Kafka key or value into a `T`. The consumer says which (`is_key`) and
/// of which topic, so decoders that fetch writer schemas name the subject as Confluent's do
/// (`<topic>-key` or `<topic>-value` with the TopicName strategy).
pub trait Decoder<T>: Send + Sync {
    /// Decodes the key (`is_key`) or value `bytes` of a record of `topic` without awaiting, or
    /// `None` when the decoder needs the registry first (then [`Decoder::decode`] is called).
    fn decode_now(&self, topic: &str, is_key: bool, bytes: &[u8])
    -> Option<Result<T, DecodeError>>;

    /// Decodes, asking the registry if needed.
    fn decode<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, Result<T, DecodeError>>;

    /// As [`Decoder::decode_now`] for a record that may carry its writer schema in its
    /// schema-id header (`header`, the value of [`crate::schema_id_header`]); decoders that do
    /// not read framed records ignore it.
    fn decode_now_with_header(
        &self,
        topic: &str,
        is_key: bool,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Option<Result<T, DecodeError>> {
        let _ = header;
        self.decode_now(topic, is_key, bytes)
    }

    /// As [`Decoder::decode`] with the record's schema-id header.
    fn decode_with_header<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        header: Option<&'a [u8]>,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, Result<T, DecodeError>> {
        let _ = header;
        self.decode(topic, is_key, bytes)
    }
}

/// Why a record could not be decoded. All but [`DecodeErrorKind::Unavailable`] are properties of
/// the record itself, so retrying cannot help and the undecodable-record policy applies;
/// `Unavailable` (registry unreachable, misconfigured) is about us, and is always an error so a
/// registry outage never sends good records to a dead-letter topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The frame names a schema id the registry does not know (or whose schema does not parse).
    UnknownSchema,
    /// Not a schema-registry frame: wrong magic byte, or shorter than the 5-byte header.
    WireFormat,
    /// The payload does not decode with its writer schema (truncated, garbage, invalid text).
    Corrupt,
    /// The payload is well formed but cannot be read as the consumer's type (incompatible writer
    /// schema, another schema type, a JSON document of another shape).
    TypeMismatch,
    /// The registry could not be asked: not the record's fault.
    Unavailable,
}

impl DecodeErrorKind {
    /// The stable spelling written to the `schemata.error.kind` dead-letter header.
    pub fn as_str(self) -> &'static str {
        match self {
            DecodeErrorKind::UnknownSchema => "unknown-schema",
            DecodeErrorKind::WireFormat => "wire-format",
            DecodeErrorKind::Corrupt => "corrupt",
            DecodeErrorKind::TypeMismatch => "type-mismatch",
            DecodeErrorKind::Unavailable => "unavailable",
        }
    }

    /// True when the record itself is at fault, so the undecodable-record policy applies.
    pub fn is_undecodable(self) -> bool {
        self != DecodeErrorKind::Unavailable
    }
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decode failure and its kind.
#[derive(Debug, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct DecodeError {
    /// Why, as a kind policies and dead-letter headers use.
    pub kind: DecodeErrorKind,
    /// The underlying error as a sentence (kept as text so the error is `Clone`-free and small).
    pub message: String,
}

impl DecodeError {
    /// An error of `kind` with its sentence.
    pub fn new(kind: DecodeErrorKind, message: impl Into<String>) -> DecodeError {
        DecodeError { kind, message: message.into() }
    }
}

impl From<SerdeError> for DecodeError {
    fn from(error: SerdeError) -> DecodeError {
        let kind = match &error {
            SerdeError::Wire(_) => DecodeErrorKind::WireFormat,
            SerdeError::Registry { .. } if error.is_not_found() => DecodeErrorKind::UnknownSchema,
            SerdeError::Registry { .. } | SerdeError::Http { .. } | SerdeError::Config(_) => {
                DecodeErrorKind::Unavailable
            }
            SerdeError::Schema(_) | SerdeError::NotInSubject { .. } => {
                DecodeErrorKind::UnknownSchema
            }
            SerdeError::Avro { .. } | SerdeError::Json(_) | SerdeError::Protobuf(_) => {
                DecodeErrorKind::Corrupt
            }
            SerdeError::SchemaType { .. }
            | SerdeError::Validation(_)
            | SerdeError::Incompatible { .. } => DecodeErrorKind::TypeMismatch,
        };
        DecodeError { kind, message: error.to_string() }
    }
}

impl<T: Schema + Serialize + Sync> Encoder<T> for AvroSerializer<T> {
    fn frame_in_header(&self) -> bool {
        self.framing() == SchemaIdFraming::Header
    }

    fn encode_now(
        &self,
        topic: &str,
        is_key: bool,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Option<Result<(), SerdeError>> {
        self.serialize_cached(topic, is_key, value, out)
    }

    fn encode<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        value: &'a T,
        out: &'a mut Vec<u8>,
    ) -> BoxFuture<'a, Result<(), SerdeError>> {
        Box::pin(self.serialize_into(topic, is_key, value, out))
    }
}

impl<T: Schema + DeserializeOwned + Send> Decoder<T> for AvroDeserializer<T> {
    fn decode_now(
        &self,
        topic: &str,
        is_key: bool,
        bytes: &[u8],
    ) -> Option<Result<T, DecodeError>> {
        self.decode_now_with_header(topic, is_key, None, bytes)
    }

    fn decode<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, Result<T, DecodeError>> {
        self.decode_with_header(topic, is_key, None, bytes)
    }

    fn decode_now_with_header(
        &self,
        topic: &str,
        is_key: bool,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Option<Result<T, DecodeError>> {
        self.deserialize_cached_part(topic, is_key, header, bytes)
            .map(|result| result.map_err(DecodeError::from))
    }

    fn decode_with_header<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        header: Option<&'a [u8]>,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, Result<T, DecodeError>> {
        Box::pin(async move {
            self.deserialize_part(topic, is_key, header, bytes).await.map_err(DecodeError::from)
        })
    }
}

impl<T: Schema + Serialize + Sync> Encoder<T> for JsonSerializer<T> {
    fn frame_in_header(&self) -> bool {
        self.framing() == SchemaIdFraming::Header
    }

    fn encode_now(
        &self,
        topic: &str,
        is_key: bool,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Option<Result<(), SerdeError>> {
        self.serialize_cached(topic, is_key, value, out)
    }

    fn encode<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        value: &'a T,
        out: &'a mut Vec<u8>,
    ) -> BoxFuture<'a, Result<(), SerdeError>> {
        Box::pin(self.serialize_into(topic, is_key, value, out))
    }
}

impl From<Failure> for DecodeError {
    /// A document that is not JSON is corrupt; JSON of another shape than `T` is a type
    /// mismatch, which serde_json's error category tells apart.
    fn from(failure: Failure) -> DecodeError {
        match failure {
            Failure::Serde(error) => DecodeError::from(error),
            Failure::Document { schema, error } => {
                let kind = match error.classify() {
                    serde_json::error::Category::Data => DecodeErrorKind::TypeMismatch,
                    _ => DecodeErrorKind::Corrupt,
                };
                DecodeError::new(kind, format!("json document of schema {schema}: {error}"))
            }
        }
    }
}

/// With a registry ([`JsonDeserializer::with_registry`]) an unknown id is an
/// [`DecodeErrorKind::UnknownSchema`] record, the id of another schema type a
/// [`DecodeErrorKind::TypeMismatch`], a document its writer schema refuses a type mismatch, and
/// all follow the consumer's undecodable-record policy. Without one, ids are not checked.
impl<T: DeserializeOwned + Send> Decoder<T> for JsonDeserializer<T> {
    fn decode_now(
        &self,
        topic: &str,
        is_key: bool,
        bytes: &[u8],
    ) -> Option<Result<T, DecodeError>> {
        self.decode_now_with_header(topic, is_key, None, bytes)
    }

    fn decode<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, Result<T, DecodeError>> {
        self.decode_with_header(topic, is_key, None, bytes)
    }

    fn decode_now_with_header(
        &self,
        topic: &str,
        is_key: bool,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Option<Result<T, DecodeError>> {
        let decoded = self.decode_cached(topic, is_key, header, bytes)?;
        Some(decoded.map_err(DecodeError::from))
    }

    fn decode_with_header<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        header: Option<&'a [u8]>,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, Result<T, DecodeError>> {
        Box::pin(async move {
            let decoded = JsonDeserializer::decode(self, topic, is_key, header, bytes).await;
            decoded.map_err(DecodeError::from)
        })
    }
}

impl<T: prost_reflect::ReflectMessage + Default + Sync> Encoder<T> for ProtobufSerializer<T> {
    fn frame_in_header(&self) -> bool {
        self.framing() == SchemaIdFraming::Header
    }

    fn split_header_frame<'b>(&self, bytes: &'b [u8]) -> Option<(&'b [u8], &'b [u8])> {
        crate::split_protobuf_frame(bytes)
    }

    fn encode_now(
        &self,
        topic: &str,
        is_key: bool,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Option<Result<(), SerdeError>> {
        self.serialize_cached(topic, is_key, value, out).map(Ok)
    }

    fn encode<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        value: &'a T,
        out: &'a mut Vec<u8>,
    ) -> BoxFuture<'a, Result<(), SerdeError>> {
        Box::pin(self.serialize_into(topic, is_key, value, out))
    }
}

/// Undecodable bytes are [`DecodeErrorKind::Corrupt`]; with a registry, a record of another
/// message or schema type is a [`DecodeErrorKind::TypeMismatch`].
impl<T: prost_reflect::ReflectMessage + Default + Send> Decoder<T> for ProtobufDeserializer<T> {
    fn decode_now(
        &self,
        topic: &str,
        is_key: bool,
        bytes: &[u8],
    ) -> Option<Result<T, DecodeError>> {
        self.decode_now_with_header(topic, is_key, None, bytes)
    }

    fn decode<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, Result<T, DecodeError>> {
        self.decode_with_header(topic, is_key, None, bytes)
    }

    fn decode_now_with_header(
        &self,
        topic: &str,
        is_key: bool,
        header: Option<&[u8]>,
        bytes: &[u8],
    ) -> Option<Result<T, DecodeError>> {
        self.deserialize_cached_part(topic, is_key, header, bytes)
            .map(|result| result.map_err(DecodeError::from))
    }

    fn decode_with_header<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        header: Option<&'a [u8]>,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, Result<T, DecodeError>> {
        Box::pin(async move {
            self.deserialize_part(topic, is_key, header, bytes).await.map_err(DecodeError::from)
        })
    }
}

/// Keys and values as raw bytes, unframed: for keys that are ids or hashes, and for tools that
/// move records without looking inside.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bytes;

impl Encoder<Vec<u8>> for Bytes {
    fn encode_now(
        &self,
        _topic: &str,
        _is_key: bool,
        value: &Vec<u8>,
        out: &mut Vec<u8>,
    ) -> Option<Result<(), SerdeError>> {
        out.extend_from_slice(value);
        Some(Ok(()))
    }

    fn encode<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        value: &'a Vec<u8>,
        out: &'a mut Vec<u8>,
    ) -> BoxFuture<'a, Result<(), SerdeError>> {
        let done = self.encode_now(topic, is_key, value, out).unwrap_or(Ok(()));
        Box::pin(std::future::ready(done))
    }
}

impl Decoder<Vec<u8>> for Bytes {
    fn decode_now(
        &self,
        _topic: &str,
        _is_key: bool,
        bytes: &[u8],
    ) -> Option<Result<Vec<u8>, DecodeError>> {
        Some(Ok(bytes.to_vec()))
    }

    fn decode<'a>(
        &'a self,
        _topic: &'a str,
        _is_key: bool,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<u8>, DecodeError>> {
        Box::pin(std::future::ready(Ok(bytes.to_vec())))
    }
}

/// Keys and values as UTF-8 text, unframed (the common string key). Invalid UTF-8 on read is a
/// corrupt record.
#[derive(Debug, Clone, Copy, Default)]
pub struct Utf8;

fn utf8(bytes: &[u8]) -> Result<String, DecodeError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|e| DecodeError::new(DecodeErrorKind::Corrupt, format!("not UTF-8 text: {e}")))
}

impl Encoder<String> for Utf8 {
    fn encode_now(
        &self,
        _topic: &str,
        _is_key: bool,
        value: &String,
        out: &mut Vec<u8>,
    ) -> Option<Result<(), SerdeError>> {
        out.extend_from_slice(value.as_bytes());
        Some(Ok(()))
    }

    fn encode<'a>(
        &'a self,
        topic: &'a str,
        is_key: bool,
        value: &'a String,
        out: &'a mut Vec<u8>,
    ) -> BoxFuture<'a, Result<(), SerdeError>> {
        let done = self.encode_now(topic, is_key, value, out).unwrap_or(Ok(()));
        Box::pin(std::future::ready(done))
    }
}

impl Decoder<String> for Utf8 {
    fn decode_now(
        &self,
        _topic: &str,
        _is_key: bool,
        bytes: &[u8],
    ) -> Option<Result<String, DecodeError>> {
        Some(utf8(bytes))
    }

    fn decode<'a>(
        &'a self,
        _topic: &'a str,
        _is_key: bool,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, Result<String, DecodeError>> {
        Box::pin(std::future::ready(utf8(bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemata_core::SchemaId;
    use schemata_core::wire::WireError;

    fn check(error: SerdeError, kind: DecodeErrorKind) {
        assert_eq!(DecodeError::from(error).kind, kind);
    }

    #[test]
    fn serde_errors_classify() {
        check(SerdeError::Wire(WireError::UnknownMagic(7)), DecodeErrorKind::WireFormat);
        check(
            SerdeError::Registry { status: 404, error_code: 40403, message: "no".into() },
            DecodeErrorKind::UnknownSchema,
        );
        check(
            SerdeError::Registry { status: 500, error_code: 50001, message: "x".into() },
            DecodeErrorKind::Unavailable,
        );
        check(
            SerdeError::Http { attempts: 3, message: "refused".into() },
            DecodeErrorKind::Unavailable,
        );
        check(SerdeError::avro("a", "eof"), DecodeErrorKind::Corrupt);
        // What a JSON deserializer with a registry adds: the id of an Avro schema, and a
        // document its writer schema refuses.
        check(
            SerdeError::SchemaType {
                id: SchemaId::new(1).unwrap(),
                expected: "JSON",
                found: "AVRO".into(),
            },
            DecodeErrorKind::TypeMismatch,
        );
        check(SerdeError::Validation(vec!["at '': no".into()]), DecodeErrorKind::TypeMismatch);
        check(
            SerdeError::Incompatible {
                writer: SchemaId::new(1).unwrap(),
                reader: "T".into(),
                reasons: vec![],
            },
            DecodeErrorKind::TypeMismatch,
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "only decoded")]
    struct Shape {
        a: i32,
    }

    fn json_kind(bytes: &[u8]) -> Option<DecodeErrorKind> {
        JsonDeserializer::<Shape>::new()
            .decode_now("t", false, bytes)
            .and_then(|r| r.err())
            .map(|e| e.kind)
    }

    #[test]
    fn json_and_text_failures_classify() {
        assert_eq!(json_kind(b"\x00\x00\x00\x00\x01{\"a\":1}"), None);
        assert_eq!(
            json_kind(b"\x00\x00\x00\x00\x01{\"a\":\"x\"}"),
            Some(DecodeErrorKind::TypeMismatch)
        );
        assert_eq!(json_kind(b"\x00\x00\x00\x00\x01{\"a\""), Some(DecodeErrorKind::Corrupt));
        assert_eq!(json_kind(b"\x07\x00\x00\x00\x01{}"), Some(DecodeErrorKind::WireFormat));
        assert_eq!(json_kind(b"\x00\x00"), Some(DecodeErrorKind::WireFormat));
        let bad = Utf8.decode_now("t", true, &[0xff, 0xfe]).and_then(|r| r.err()).map(|e| e.kind);
        assert_eq!(bad, Some(DecodeErrorKind::Corrupt));
    }
}
