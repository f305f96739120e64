//! The Avro codec: values of Rust types to Avro binary and back through serde, with no
//! `apache_avro::Value` in between. Encoding is guided by the writer schema; decoding runs a
//! resolution plan computed once from the writer schema (the record's) and the reader schema
//! (the Rust type's). A dynamic path decodes any datum to `serde_json::Value`.

mod binary;
mod de;
mod decimal;
mod json;
mod plan;
mod schema;
mod temporal;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) use self::plan::Plan;
pub(crate) use self::schema::Compiled;

use self::binary::Reader;
use crate::registry::Error;

/// Most items of zero-byte types (nulls, empty records) one array block may claim: a bound on
/// the work a forged count can cause, far above real data.
pub(crate) const MAX_EMPTY_ITEMS: usize = 1 << 20;

/// Why encoding or decoding failed, and where (a `/`-separated path of fields and indexes).
/// Boxed so that the codec's `Result`s stay one word wide on the hot path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodecError(Box<ErrorInner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct ErrorInner {
    path: String,
    message: String,
}

impl CodecError {
    #[cold]
    pub(crate) fn new(message: impl Into<String>) -> CodecError {
        CodecError(Box::new(ErrorInner { path: String::new(), message: message.into() }))
    }

    #[cold]
    pub(crate) fn at_field(mut self, name: &str) -> CodecError {
        let path = &mut self.0.path;
        *path = if path.is_empty() { format!("/{name}") } else { format!("/{name}{path}") };
        self
    }

    #[cold]
    pub(crate) fn at_index(mut self, index: usize) -> CodecError {
        let path = &mut self.0.path;
        *path = format!("/{index}{path}");
        self
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ErrorInner { path, message } = &*self.0;
        if path.is_empty() { f.write_str(message) } else { write!(f, "at '{path}': {message}") }
    }
}

impl std::error::Error for CodecError {}

impl serde::ser::Error for CodecError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CodecError::new(msg.to_string())
    }
}

impl serde::de::Error for CodecError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CodecError::new(msg.to_string())
    }
}

impl From<CodecError> for Error {
    fn from(e: CodecError) -> Error {
        let ErrorInner { path, message } = *e.0;
        Error::Avro { path, message }
    }
}

/// Appends the Avro binary encoding of `value` under `schema` to `out`. On error `out` may hold
/// a partial encoding past its original length; callers truncate.
pub(crate) fn encode<T: Serialize + ?Sized>(
    schema: &Compiled,
    value: &T,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let start = out.len();
    ser::encode(schema, value, out).map_err(|e| {
        out.truncate(start);
        Error::from(e)
    })
}

/// Decodes one datum with a resolution plan into the reader's type. Every byte must be used.
pub(crate) fn decode<T: DeserializeOwned>(plan: &Plan, bytes: &[u8]) -> Result<T, Error> {
    let mut input = de::Borrowed(Reader::new(bytes));
    let value = T::deserialize(de::De { plan, op: plan.root, input: &mut input })?;
    let left = input.0.remaining();
    if left > 0 {
        return Err(Error::avro("", format!("{left} bytes are left after the datum")));
    }
    Ok(value)
}

/// Decodes one datum written with `schema` into JSON (see the module docs for the spelling).
pub(crate) fn decode_json(schema: &Compiled, bytes: &[u8]) -> Result<serde_json::Value, Error> {
    let mut reader = Reader::new(bytes);
    let value = json::decode_json(schema, &mut reader)?;
    if reader.remaining() > 0 {
        return Err(Error::avro(
            "",
            format!("{} bytes are left after the datum", reader.remaining()),
        ));
    }
    Ok(value)
}

/// Encodes a JSON value (Avro's JSON spelling of defaults: a union takes its first branch)
/// under `schema`; for tools that produce from JSON.
pub(crate) fn encode_json(
    schema: &Compiled,
    value: &serde_json::Value,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    Ok(json::encode_json(schema, schema.root, value, out)?)
}

mod ser;
