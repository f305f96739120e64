//! The one error type of the client's runtime paths (registry calls, encoding, decoding), so a
//! caller matches one enum whatever layer failed, and registry answers keep their Confluent code.

use schemata_core::api::codes;
use schemata_core::wire::WireError;
use schemata_core::{ParseError, SchemaId};

/// Everything that can go wrong talking to the registry or turning values into bytes and back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The registry answered with an error body (`{"error_code": .., "message": ..}`).
    #[error("registry answered {status} with error code {error_code}: {message}")]
    Registry {
        /// The HTTP status.
        status: u16,
        /// Confluent's error code (`40401` subject not found, ...), or the HTTP status when the
        /// body had none.
        error_code: i32,
        /// The registry's message.
        message: String,
    },
    /// No registry URL gave an answer we could use, after every retry.
    #[error("registry request failed after {attempts} attempts: {message}")]
    Http {
        /// Requests made, the first included.
        attempts: u32,
        /// The last failure.
        message: String,
    },
    /// The client was configured wrongly (no URL, an unparsable URL or CA certificate, ...).
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// The bytes are not a schema-registry framed record.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// A schema (ours or the registry's) does not parse.
    #[error("schema does not parse: {0}")]
    Schema(#[from] ParseError),
    /// The registry holds a schema of another type than the codec expects.
    #[error("schema {id} is {found}, expected {expected}")]
    SchemaType {
        /// The schema's id.
        id: SchemaId,
        /// The type the codec reads (`AVRO`, `JSON`).
        expected: &'static str,
        /// The type the registry holds under the id.
        found: String,
    },
    /// Avro encoding or decoding failed at `path`.
    #[error("avro at '{path}': {message}")]
    Avro {
        /// Where in the value, as `/field/index` (empty at the root).
        path: String,
        /// What went wrong there.
        message: String,
    },
    /// Protobuf decoding failed, or the record's message indexes name no message.
    #[error("protobuf: {0}")]
    Protobuf(String),
    /// JSON encoding or decoding failed.
    #[error("json: {0}")]
    Json(String),
    /// The JSON document does not validate against its schema; every reason is listed.
    #[error("json document does not validate: {}", .0.join("; "))]
    Validation(Vec<String>),
    /// The record's schema is not a version of the subject it was asked about.
    #[error("schema {id} is not a version of subject '{subject}'")]
    NotInSubject {
        /// The record's schema id.
        id: SchemaId,
        /// The subject asked about.
        subject: String,
    },
    /// The writer schema cannot be read as the reader's type: every reason is listed.
    #[error("writer schema {writer} cannot be read as {reader}: {}", .reasons.join("; "))]
    Incompatible {
        /// The writer schema's id.
        writer: SchemaId,
        /// The reader type's Avro full name.
        reader: String,
        /// Every reason.
        reasons: Vec<String>,
    },
}

impl Error {
    /// The Confluent error code when the registry answered with one.
    pub fn error_code(&self) -> Option<i32> {
        match self {
            Error::Registry { error_code, .. } => Some(*error_code),
            _ => None,
        }
    }

    /// True for "subject / version / schema not found" answers.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self.error_code(),
            Some(codes::SUBJECT_NOT_FOUND | codes::VERSION_NOT_FOUND | codes::SCHEMA_NOT_FOUND)
        )
    }

    pub(crate) fn avro(path: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Avro { path: path.into(), message: message.into() }
    }
}

/// Shorthand for the client's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;
