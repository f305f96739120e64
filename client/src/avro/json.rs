//! Avro ⇄ JSON values: encoding schema defaults (which the specification writes as JSON) into
//! Avro binary, and the dynamic decode of any datum into a `serde_json::Value` for tools and for
//! consumers of types they do not know.

use serde_json::{Map, Number, Value};

use super::CodecError;
use super::binary::{Reader, write_bytes, write_long};
use super::schema::{Compiled, Node, NodeId};

/// Deepest nesting the dynamic decoder follows: recursive schemas and hostile input stop here.
pub(crate) const MAX_DEPTH: usize = 128;

/// Encodes a JSON value as the specification reads defaults: a union's value is for its first
/// branch, bytes and fixed are strings of code points 0-255.
pub(crate) fn encode_json(
    schema: &Compiled,
    node: NodeId,
    value: &Value,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    encode_at(schema, node, value, out, 0)
}

fn encode_at(
    schema: &Compiled,
    node: NodeId,
    value: &Value,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), CodecError> {
    if depth > MAX_DEPTH {
        return Err(CodecError::new("default nests too deeply"));
    }
    let wrong =
        || CodecError::new(format!("default {value} does not fit {}", schema.type_name(node)));
    match (schema.node(node), value) {
        (Node::Null, Value::Null) => {}
        (Node::Boolean, Value::Bool(b)) => out.push(u8::from(*b)),
        (Node::Int | Node::Long, Value::Number(n)) => {
            write_long(n.as_i64().ok_or_else(wrong)?, out)
        }
        (Node::Float, Value::Number(n)) => {
            out.extend_from_slice(&(n.as_f64().ok_or_else(wrong)? as f32).to_le_bytes());
        }
        (Node::Double, Value::Number(n)) => {
            out.extend_from_slice(&n.as_f64().ok_or_else(wrong)?.to_le_bytes())
        }
        (Node::String, Value::String(s)) => write_bytes(s.as_bytes(), out),
        (Node::Bytes, Value::String(s)) => write_bytes(&code_points(s).ok_or_else(wrong)?, out),
        (Node::Fixed { size, .. }, Value::String(s)) => {
            let bytes = code_points(s).filter(|b| b.len() == *size).ok_or_else(wrong)?;
            out.extend_from_slice(&bytes);
        }
        (Node::Enum { symbols, .. }, Value::String(s)) => {
            write_long(symbols.iter().position(|x| x == s).ok_or_else(wrong)? as i64, out);
        }
        (Node::Array(items), Value::Array(values)) => {
            if !values.is_empty() {
                write_long(values.len() as i64, out);
                for value in values {
                    encode_at(schema, *items, value, out, depth + 1)?;
                }
            }
            out.push(0);
        }
        (Node::Map(types), Value::Object(entries)) => {
            if !entries.is_empty() {
                write_long(entries.len() as i64, out);
                for (key, value) in entries {
                    write_bytes(key.as_bytes(), out);
                    encode_at(schema, *types, value, out, depth + 1)?;
                }
            }
            out.push(0);
        }
        (Node::Record { fields, .. }, Value::Object(entries)) => {
            for field in fields {
                let value =
                    entries.get(&field.name).or(field.default.as_ref()).ok_or_else(|| {
                        CodecError::new(format!("default lacks field '{}'", field.name))
                    })?;
                encode_at(schema, field.ty, value, out, depth + 1)?;
            }
        }
        (Node::Union(branches), value) => {
            let first = *branches.first().ok_or_else(wrong)?;
            out.push(0);
            encode_at(schema, first, value, out, depth + 1)?;
        }
        _ => return Err(wrong()),
    }
    Ok(())
}

fn code_points(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// Decodes one datum written with `schema` into JSON: records as objects in field order, unions
/// as their branch's value (not wrapped), enums as symbols, bytes and fixed as strings of code
/// points 0-255 (Avro's JSON spelling), NaN and infinities as null.
pub(crate) fn decode_json(schema: &Compiled, reader: &mut Reader<'_>) -> Result<Value, CodecError> {
    decode_at(schema, schema.root, reader, 0)
}

fn decode_at(
    schema: &Compiled,
    node: NodeId,
    reader: &mut Reader<'_>,
    depth: usize,
) -> Result<Value, CodecError> {
    if depth > MAX_DEPTH {
        return Err(CodecError::new("datum nests too deeply"));
    }
    Ok(match schema.node(node) {
        Node::Null | Node::Pending => Value::Null,
        Node::Boolean => Value::Bool(reader.boolean()?),
        Node::Int => Value::from(reader.int()?),
        Node::Long => Value::from(reader.long()?),
        Node::Float => {
            Number::from_f64(f64::from(reader.float()?)).map_or(Value::Null, Value::Number)
        }
        Node::Double => Number::from_f64(reader.double()?).map_or(Value::Null, Value::Number),
        Node::String => Value::String(reader.str()?.to_owned()),
        Node::Bytes => Value::String(reader.bytes()?.iter().map(|&b| char::from(b)).collect()),
        Node::Fixed { size, .. } => {
            Value::String(reader.take(*size)?.iter().map(|&b| char::from(b)).collect())
        }
        Node::Enum { symbols, .. } => {
            let index = reader.long()?;
            let symbol =
                usize::try_from(index).ok().and_then(|i| symbols.get(i)).ok_or_else(|| {
                    CodecError::new(format!(
                        "enum index {index} is out of range 0..{}",
                        symbols.len()
                    ))
                })?;
            Value::String(symbol.clone())
        }
        Node::Array(items) => {
            let empty = schema.may_be_empty(*items);
            let mut values = Vec::new();
            loop {
                let count = reader.block_count(empty)?;
                if count == 0 {
                    break;
                }
                for _ in 0..count {
                    values.push(decode_at(schema, *items, reader, depth + 1)?);
                }
            }
            Value::Array(values)
        }
        Node::Map(types) => {
            let mut entries = Map::new();
            loop {
                let count = reader.block_count(false)?;
                if count == 0 {
                    break;
                }
                for _ in 0..count {
                    let key = reader.str()?.to_owned();
                    entries.insert(key, decode_at(schema, *types, reader, depth + 1)?);
                }
            }
            Value::Object(entries)
        }
        Node::Union(branches) => {
            let index = reader.long()?;
            let branch =
                usize::try_from(index).ok().and_then(|i| branches.get(i)).ok_or_else(|| {
                    CodecError::new(format!(
                        "union index {index} is out of range 0..{}",
                        branches.len()
                    ))
                })?;
            decode_at(schema, *branch, reader, depth + 1)?
        }
        Node::Record { fields, .. } => {
            let mut entries = Map::new();
            for field in fields {
                let value = decode_at(schema, field.ty, reader, depth + 1)
                    .map_err(|e| e.at_field(&field.name))?;
                entries.insert(field.name.clone(), value);
            }
            Value::Object(entries)
        }
    })
}

/// Skips one datum written with `node`, without building anything.
pub(crate) fn skip(
    schema: &Compiled,
    node: NodeId,
    reader: &mut Reader<'_>,
    depth: usize,
) -> Result<(), CodecError> {
    if depth > MAX_DEPTH {
        return Err(CodecError::new("datum nests too deeply"));
    }
    match schema.node(node) {
        Node::Null | Node::Pending => {}
        Node::Boolean => {
            reader.take(1)?;
        }
        Node::Int | Node::Long | Node::Enum { .. } => {
            reader.long()?;
        }
        Node::Float => {
            reader.take(4)?;
        }
        Node::Double => {
            reader.take(8)?;
        }
        Node::String | Node::Bytes => {
            reader.bytes()?;
        }
        Node::Fixed { size, .. } => {
            reader.take(*size)?;
        }
        Node::Array(items) => {
            let empty = schema.may_be_empty(*items);
            loop {
                let count = reader.block_count(empty)?;
                if count == 0 {
                    break;
                }
                for _ in 0..count {
                    skip(schema, *items, reader, depth + 1)?;
                }
            }
        }
        Node::Map(types) => loop {
            let count = reader.block_count(false)?;
            if count == 0 {
                break;
            }
            for _ in 0..count {
                reader.bytes()?;
                skip(schema, *types, reader, depth + 1)?;
            }
        },
        Node::Union(branches) => {
            let index = reader.long()?;
            let branch =
                usize::try_from(index).ok().and_then(|i| branches.get(i)).ok_or_else(|| {
                    CodecError::new(format!(
                        "union index {index} is out of range 0..{}",
                        branches.len()
                    ))
                })?;
            skip(schema, *branch, reader, depth + 1)?;
        }
        Node::Record { fields, .. } => {
            for field in fields {
                skip(schema, field.ty, reader, depth + 1)?;
            }
        }
    }
    Ok(())
}
