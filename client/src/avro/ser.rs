//! Encoding: a serde `Serializer` that writes Avro binary straight from the value, guided by the
//! writer schema (no `apache_avro::Value` in between). Unions pick their branch from the kind of
//! value serde hands over (`None` is null, a struct or variant picks the record of that name,
//! a string picks string, ...), enums their symbol from the variant name.

use serde::ser::{self, Serialize};

use super::CodecError;
use super::binary::{write_bytes, write_long};
use super::decimal::Unscaled;
use super::schema::{Compiled, Node, NodeId};
use super::temporal::Temporal;

/// Appends the Avro binary encoding of `value` under `schema` to `out`.
pub(crate) fn encode<T: Serialize + ?Sized>(
    schema: &Compiled,
    value: &T,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    value.serialize(Enc { schema, node: schema.root, out })
}

/// What serde handed over, for choosing a union branch.
#[derive(Debug, Clone, Copy)]
enum Kind<'a> {
    Null,
    Boolean,
    Int(i64),
    Float,
    Str,
    Bytes,
    Seq,
    Map,
    /// A struct or a variant, by name.
    Named(&'a str),
}

pub(crate) struct Enc<'s, 'o> {
    schema: &'s Compiled,
    node: NodeId,
    out: &'o mut Vec<u8>,
}

impl<'s, 'o> Enc<'s, 'o> {
    /// The node to write a value of `kind` with: the node itself, or for a union the branch that
    /// fits (whose index is written first).
    /// Inlined for the common case, a position that is not a union.
    #[inline(always)]
    fn resolve(&mut self, kind: Kind<'_>) -> Result<&'s Node, CodecError> {
        let node = self.schema.node(self.node);
        match node {
            Node::Union(branches) => self.resolve_union(branches, kind),
            _ => Ok(node),
        }
    }

    #[inline(never)]
    fn resolve_union(
        &mut self,
        branches: &'s [NodeId],
        kind: Kind<'_>,
    ) -> Result<&'s Node, CodecError> {
        let schema = self.schema;
        let index = pick_branch(schema, branches, kind).ok_or_else(|| {
            let names: Vec<&str> = branches.iter().map(|&b| schema.type_name(b)).collect();
            CodecError::new(format!("no branch of union {names:?} takes a {kind:?} value"))
        })?;
        write_long(index as i64, self.out);
        self.node = branches[index];
        Ok(schema.node(self.node))
    }

    fn mismatch(&self, what: &str) -> CodecError {
        CodecError::new(format!("cannot write {what} as {}", self.schema.type_name(self.node)))
    }

    fn int(mut self, value: i64) -> Result<(), CodecError> {
        match self.resolve(Kind::Int(value))? {
            Node::Int => {
                let value = i32::try_from(value)
                    .map_err(|_| CodecError::new(format!("{value} does not fit an Avro int")))?;
                write_long(i64::from(value), self.out);
            }
            Node::Long => write_long(value, self.out),
            Node::Float => self.out.extend_from_slice(&(value as f32).to_le_bytes()),
            Node::Double => self.out.extend_from_slice(&(value as f64).to_le_bytes()),
            _ => return Err(self.mismatch("an integer")),
        }
        Ok(())
    }

    /// A u128/i128: the unscaled value at a decimal position, else a long if it fits.
    fn wide(mut self, value: Unscaled) -> Result<(), CodecError> {
        let schema = self.schema;
        if let Node::Union(branches) = schema.node(self.node)
            && let Some(index) = branches.iter().position(|b| schema.decimal.contains_key(b))
        {
            write_long(index as i64, self.out);
            self.node = branches[index];
        }
        if let Some(decimal) = schema.decimal.get(&self.node) {
            let bytes = decimal.wire(decimal.integer(value)?)?;
            match decimal.fixed {
                Some(_) => self.out.extend_from_slice(&bytes),
                None => write_bytes(&bytes, self.out),
            }
            return Ok(());
        }
        let narrow = value.to_i128().and_then(|v| i64::try_from(v).ok()).ok_or_else(|| {
            let sign = if value.negative { "-" } else { "" };
            CodecError::new(format!("{sign}{} does not fit an Avro long", value.magnitude))
        })?;
        self.int(narrow)
    }

    fn float(mut self, value: f64) -> Result<(), CodecError> {
        match self.resolve(Kind::Float)? {
            Node::Float => self.out.extend_from_slice(&(value as f32).to_le_bytes()),
            Node::Double => self.out.extend_from_slice(&value.to_le_bytes()),
            _ => return Err(self.mismatch("a float")),
        }
        Ok(())
    }

    fn variant_record(&mut self, variant: &str) -> Result<(), CodecError> {
        let schema = self.schema;
        if let Node::Union(branches) = schema.node(self.node) {
            let index = branches
                .iter()
                .position(|&b| matches!(schema.node(b), Node::Record { name, .. } if name.short() == variant))
                .ok_or_else(|| CodecError::new(format!("no union branch is a record named '{variant}'")))?;
            write_long(index as i64, self.out);
            self.node = branches[index];
        }
        Ok(())
    }
}

fn pick_branch(schema: &Compiled, branches: &[NodeId], kind: Kind<'_>) -> Option<usize> {
    match kind {
        Kind::Null => position(schema, branches, |n| matches!(n, Node::Null)),
        Kind::Boolean => position(schema, branches, |n| matches!(n, Node::Boolean)),
        Kind::Int(value) => {
            let fits_int = i32::try_from(value).is_ok();
            position(schema, branches, |n| matches!(n, Node::Int) && fits_int)
                .or_else(|| position(schema, branches, |n| matches!(n, Node::Long)))
                .or_else(|| position(schema, branches, |n| matches!(n, Node::Double | Node::Float)))
        }
        Kind::Float => position(schema, branches, |n| matches!(n, Node::Double))
            .or_else(|| position(schema, branches, |n| matches!(n, Node::Float))),
        Kind::Str => position(schema, branches, |n| matches!(n, Node::String))
            .or_else(|| position(schema, branches, |n| matches!(n, Node::Enum { .. })))
            .or_else(|| position(schema, branches, |n| matches!(n, Node::Bytes)))
            // An optional date/time or decimal: text goes to the branch with the logical type.
            .or_else(|| branches.iter().position(|b| schema.temporal.contains_key(b)))
            .or_else(|| branches.iter().position(|b| schema.decimal.contains_key(b))),
        Kind::Bytes => {
            position(schema, branches, |n| matches!(n, Node::Bytes | Node::Fixed { .. }))
        }
        Kind::Seq => position(schema, branches, |n| matches!(n, Node::Array(_)))
            .or_else(|| {
                position(schema, branches, |n| matches!(n, Node::Bytes | Node::Fixed { .. }))
            })
            // An optional date/time of the `time` crate, which serializes as a tuple.
            .or_else(|| branches.iter().position(|b| schema.temporal.contains_key(b))),
        Kind::Map => position(schema, branches, |n| matches!(n, Node::Map(_)))
            .or_else(|| position(schema, branches, |n| matches!(n, Node::Record { .. }))),
        Kind::Named(name) => position(schema, branches, |n| match n {
            Node::Record { name: named, .. }
            | Node::Enum { name: named, .. }
            | Node::Fixed { name: named, .. } => named.short() == name,
            _ => false,
        })
        .or_else(|| position(schema, branches, |n| matches!(n, Node::Record { .. }))),
    }
}

/// The 16 bytes of a uuid's text (hyphenated or simple, either case).
fn uuid_bytes(text: &str) -> Result<[u8; 16], CodecError> {
    let bad = || CodecError::new(format!("'{text}' is not a uuid"));
    let hex: Vec<u8> = text.bytes().filter(|&b| b != b'-').collect();
    let hyphens = text.len() - hex.len();
    let hyphenated =
        text.len() == 36 && [8, 13, 18, 23].iter().all(|&i| text.as_bytes()[i] == b'-');
    // Checked up front: `from_str_radix` would take a leading '+'.
    if hex.len() != 32
        || !hex.iter().all(u8::is_ascii_hexdigit)
        || !(hyphens == 0 || hyphens == 4 && hyphenated)
    {
        return Err(bad());
    }
    let mut out = [0u8; 16];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let text = std::str::from_utf8(pair).map_err(|_| bad())?;
        *byte = u8::from_str_radix(text, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// Whether a field's name is `key`, compared inline: field names are short, and a call to
/// `memcmp` per field costs more than the comparison. The first and last (overlapping) words of
/// two names of the same length cover every byte of them.
#[inline(always)]
fn same_name(name: &str, key: &str) -> bool {
    let (a, b) = (name.as_bytes(), key.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let len = a.len();
    match len {
        0 => true,
        1..=3 => a[0] == b[0] && a[len / 2] == b[len / 2] && a[len - 1] == b[len - 1],
        4..=7 => {
            a.first_chunk::<4>() == b.first_chunk::<4>()
                && a.last_chunk::<4>() == b.last_chunk::<4>()
        }
        8..=16 => {
            a.first_chunk::<8>() == b.first_chunk::<8>()
                && a.last_chunk::<8>() == b.last_chunk::<8>()
        }
        _ => a == b,
    }
}

/// The first branch whose node satisfies `pred` (generic, so each use inlines).
#[inline]
fn position(schema: &Compiled, branches: &[NodeId], pred: impl Fn(&Node) -> bool) -> Option<usize> {
    branches.iter().position(|&b| pred(schema.node(b)))
}

impl<'s, 'o> ser::Serializer for Enc<'s, 'o> {
    type Ok = ();
    type Error = CodecError;
    type SerializeSeq = SeqEnc<'s, 'o>;
    type SerializeTuple = SeqEnc<'s, 'o>;
    type SerializeTupleStruct = SeqEnc<'s, 'o>;
    type SerializeTupleVariant = ser::Impossible<(), CodecError>;
    type SerializeMap = MapEnc<'s, 'o>;
    type SerializeStruct = StructEnc<'s, 'o>;
    type SerializeStructVariant = StructEnc<'s, 'o>;

    fn serialize_bool(mut self, v: bool) -> Result<(), CodecError> {
        match self.resolve(Kind::Boolean)? {
            Node::Boolean => {
                self.out.push(u8::from(v));
                Ok(())
            }
            _ => Err(self.mismatch("a boolean")),
        }
    }

    fn serialize_i8(self, v: i8) -> Result<(), CodecError> {
        self.int(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), CodecError> {
        self.int(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), CodecError> {
        self.int(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), CodecError> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), CodecError> {
        self.int(i64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), CodecError> {
        self.int(i64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), CodecError> {
        self.int(i64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), CodecError> {
        let v = i64::try_from(v)
            .map_err(|_| CodecError::new(format!("{v} does not fit an Avro long")))?;
        self.int(v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), CodecError> {
        self.wide(Unscaled::from_i128(v))
    }
    fn serialize_u128(self, v: u128) -> Result<(), CodecError> {
        self.wide(Unscaled { negative: false, magnitude: v })
    }
    fn serialize_f32(self, v: f32) -> Result<(), CodecError> {
        self.float(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), CodecError> {
        self.float(v)
    }
    fn serialize_char(self, v: char) -> Result<(), CodecError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(mut self, v: &str) -> Result<(), CodecError> {
        match self.resolve(Kind::Str)? {
            Node::String => write_bytes(v.as_bytes(), self.out),
            // Text at a decimal position is a decimal number (rust_decimal serializes so).
            Node::Bytes | Node::Fixed { .. } if self.schema.decimal.contains_key(&self.node) => {
                let decimal = self.schema.decimal[&self.node];
                let bytes = decimal.wire(decimal.parse(v)?)?;
                match decimal.fixed {
                    Some(_) => self.out.extend_from_slice(&bytes),
                    None => write_bytes(&bytes, self.out),
                }
            }
            Node::Bytes | Node::Fixed { size: 16, .. }
                if self.schema.uuid_bytes.contains(&self.node) =>
            {
                let bytes = uuid_bytes(v)?;
                match self.schema.node(self.node) {
                    Node::Bytes => write_bytes(&bytes, self.out),
                    _ => self.out.extend_from_slice(&bytes),
                }
            }
            Node::Bytes => write_bytes(v.as_bytes(), self.out),
            Node::Enum { symbols, .. } => {
                let index = symbols
                    .iter()
                    .position(|s| s == v)
                    .ok_or_else(|| CodecError::new(format!("'{v}' is not a symbol of the enum")))?;
                write_long(index as i64, self.out);
            }
            // Text at a date/time position: chrono and time serialize their values as text.
            // `parse` keeps `int` positions within an int, and both are zigzag varints.
            Node::Int | Node::Long => {
                let Some(&logical) = self.schema.temporal.get(&self.node) else {
                    return Err(self.mismatch("a string"));
                };
                write_long(super::temporal::parse(logical, v)?, self.out);
            }
            _ => return Err(self.mismatch("a string")),
        }
        Ok(())
    }

    fn serialize_bytes(mut self, v: &[u8]) -> Result<(), CodecError> {
        match self.resolve(Kind::Bytes)? {
            Node::Bytes | Node::String => write_bytes(v, self.out),
            Node::Fixed { size, .. } if *size == v.len() => self.out.extend_from_slice(v),
            Node::Fixed { size, .. } => {
                return Err(CodecError::new(format!("{} bytes for a fixed of {size}", v.len())));
            }
            _ => return Err(self.mismatch("bytes")),
        }
        Ok(())
    }

    fn serialize_none(mut self) -> Result<(), CodecError> {
        match self.resolve(Kind::Null)? {
            Node::Null => Ok(()),
            _ => Err(self.mismatch("null")),
        }
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), CodecError> {
        // A union's branch is picked by the inner value's kind; null is never picked for it.
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), CodecError> {
        self.serialize_none()
    }

    fn serialize_unit_struct(mut self, name: &'static str) -> Result<(), CodecError> {
        match self.resolve(Kind::Null)? {
            Node::Null => Ok(()),
            Node::Record { fields, .. } if fields.is_empty() => Ok(()),
            _ => Err(self.mismatch(name)),
        }
    }

    fn serialize_unit_variant(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), CodecError> {
        let schema = self.schema;
        // An enum symbol (possibly inside a union such as Option<Enum>), or an empty record
        // branch named after the variant (a unit variant of a data-carrying enum).
        if let Node::Union(branches) = schema.node(self.node) {
            let index = branches.iter().position(|&b| match schema.node(b) {
                Node::Enum { symbols, .. } => symbols.iter().any(|s| s == variant),
                Node::Record { name, .. } => name.short() == variant,
                _ => false,
            });
            let index = index.ok_or_else(|| {
                CodecError::new(format!("no union branch takes the variant '{variant}'"))
            })?;
            write_long(index as i64, self.out);
            self.node = branches[index];
        }
        match schema.node(self.node) {
            Node::Enum { symbols, .. } => {
                let index = symbols.iter().position(|s| s == variant).ok_or_else(|| {
                    CodecError::new(format!("'{variant}' is not a symbol of the enum"))
                })?;
                write_long(index as i64, self.out);
                Ok(())
            }
            Node::Record { fields, .. } if fields.is_empty() => Ok(()),
            Node::String => {
                write_bytes(variant.as_bytes(), self.out);
                Ok(())
            }
            _ => Err(self.mismatch("a unit variant")),
        }
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), CodecError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), CodecError> {
        let schema = self.schema;
        // A branch named after the variant wins; otherwise the inner value's kind picks one.
        if let Node::Union(branches) = schema.node(self.node)
            && let Some(index) = branches.iter().position(|&b| match schema.node(b) {
                Node::Record { name, .. } | Node::Enum { name, .. } | Node::Fixed { name, .. } => {
                    name.short() == variant
                }
                _ => false,
            })
        {
            write_long(index as i64, self.out);
            self.node = branches[index];
        }
        value.serialize(self)
    }

    fn serialize_seq(mut self, len: Option<usize>) -> Result<SeqEnc<'s, 'o>, CodecError> {
        let node = self.resolve(Kind::Seq)?;
        let mut temporal = None;
        let (items, bytes) = match node {
            Node::Array(items) => (Some(*items), None),
            Node::Bytes | Node::Fixed { .. } => (None, Some(Vec::with_capacity(len.unwrap_or(0)))),
            // The `time` crate's tuples at a date/time position, collected and converted.
            Node::Int | Node::Long if self.schema.temporal.contains_key(&self.node) => {
                temporal = Some((self.schema.temporal[&self.node], Vec::new()));
                (None, None)
            }
            _ => return Err(self.mismatch("a sequence")),
        };
        let fixed = match node {
            Node::Fixed { size, .. } => Some(*size),
            _ => None,
        };
        let mut seq = SeqEnc {
            schema: self.schema,
            items,
            bytes,
            fixed,
            out: self.out,
            count: 0,
            buffer: None,
            index: 0,
            temporal,
        };
        if items.is_some() {
            match len {
                Some(0) => {}
                Some(len) => write_long(len as i64, seq.out),
                // Unknown length: items go to a side buffer and are counted.
                None => seq.buffer = Some(Vec::new()),
            }
            seq.count = len.unwrap_or(0);
        }
        Ok(seq)
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqEnc<'s, 'o>, CodecError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqEnc<'s, 'o>, CodecError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, CodecError> {
        Err(CodecError::new(format!("tuple variant '{variant}' has no Avro form")))
    }

    fn serialize_map(mut self, len: Option<usize>) -> Result<MapEnc<'s, 'o>, CodecError> {
        match self.resolve(Kind::Map)? {
            Node::Map(values) => {
                let values = *values;
                if let Some(len) = len.filter(|&len| len > 0) {
                    write_long(len as i64, self.out);
                }
                Ok(MapEnc::Map {
                    schema: self.schema,
                    values,
                    out: self.out,
                    buffer: if len.is_none() { Some(Vec::new()) } else { None },
                    count: len.unwrap_or(0),
                })
            }
            Node::Record { .. } => {
                let strukt = StructEnc::new(self.schema, self.node, self.out);
                Ok(MapEnc::Record { strukt, key: None })
            }
            _ => Err(self.mismatch("a map")),
        }
    }

    fn serialize_struct(
        mut self,
        name: &'static str,
        _len: usize,
    ) -> Result<StructEnc<'s, 'o>, CodecError> {
        if let Some(trial) = Trial::new(self.schema, self.node, name) {
            return Ok(StructEnc {
                trial: Some(Box::new(trial)),
                ..StructEnc::new(self.schema, self.node, self.out)
            });
        }
        match self.resolve(Kind::Named(name))? {
            Node::Record { .. } => Ok(StructEnc::new(self.schema, self.node, self.out)),
            _ => Err(self.mismatch(name)),
        }
    }

    fn serialize_struct_variant(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<StructEnc<'s, 'o>, CodecError> {
        self.variant_record(variant)?;
        match self.schema.node(self.node) {
            Node::Record { .. } => Ok(StructEnc::new(self.schema, self.node, self.out)),
            _ => Err(self.mismatch(variant)),
        }
    }

    // Avro's logical types carry the human-readable forms: uuid is a string, and chrono, time
    // and rust_decimal pick their text forms here too, which the logical positions convert.
    fn is_human_readable(&self) -> bool {
        true
    }
}

pub(crate) struct SeqEnc<'s, 'o> {
    schema: &'s Compiled,
    items: Option<NodeId>,
    /// Collects a sequence of u8 written as `bytes` or `fixed` (a `Vec<u8>` without serde_bytes).
    bytes: Option<Vec<u8>>,
    fixed: Option<usize>,
    out: &'o mut Vec<u8>,
    count: usize,
    buffer: Option<Vec<u8>>,
    index: usize,
    /// A date/time tuple being collected, with the logical type it converts to.
    temporal: Option<(Temporal, Vec<i64>)>,
}

impl ser::SerializeSeq for SeqEnc<'_, '_> {
    type Ok = ();
    type Error = CodecError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CodecError> {
        if let Some((_, parts)) = &mut self.temporal {
            // Rare enough that going through serde_json's Value costs nothing that matters.
            let part = serde_json::to_value(value).ok().and_then(|v| v.as_i64());
            parts.push(part.ok_or_else(|| CodecError::new("a date/time part is not an integer"))?);
            return Ok(());
        }
        if let Some(bytes) = &mut self.bytes {
            bytes.push(value.serialize(ByteSer)?);
            return Ok(());
        }
        let items = self.items.unwrap_or(self.schema.root);
        let out = self.buffer.as_mut().unwrap_or(self.out);
        let index = self.index;
        self.index += 1;
        value
            .serialize(Enc { schema: self.schema, node: items, out })
            .map_err(|e| e.at_index(index))
    }

    fn end(self) -> Result<(), CodecError> {
        if let Some((logical, parts)) = self.temporal {
            write_long(super::temporal::from_parts(logical, &parts)?, self.out);
            return Ok(());
        }
        if let Some(bytes) = self.bytes {
            return match self.fixed {
                Some(size) if size != bytes.len() => {
                    Err(CodecError::new(format!("{} bytes for a fixed of {size}", bytes.len())))
                }
                Some(_) => {
                    self.out.extend_from_slice(&bytes);
                    Ok(())
                }
                None => {
                    write_bytes(&bytes, self.out);
                    Ok(())
                }
            };
        }
        if let Some(buffer) = self.buffer {
            if self.index > 0 {
                write_long(self.index as i64, self.out);
                self.out.extend_from_slice(&buffer);
            }
        } else if self.index != self.count {
            return Err(CodecError::new(format!(
                "sequence announced {} items but gave {}",
                self.count, self.index
            )));
        }
        self.out.push(0);
        Ok(())
    }
}

impl ser::SerializeTuple for SeqEnc<'_, '_> {
    type Ok = ();
    type Error = CodecError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CodecError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), CodecError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqEnc<'_, '_> {
    type Ok = ();
    type Error = CodecError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CodecError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), CodecError> {
        ser::SerializeSeq::end(self)
    }
}

pub(crate) enum MapEnc<'s, 'o> {
    Map {
        schema: &'s Compiled,
        values: NodeId,
        out: &'o mut Vec<u8>,
        buffer: Option<Vec<u8>>,
        count: usize,
    },
    /// A map written into a record (serde's `flatten` produces these): keys are field names.
    Record { strukt: StructEnc<'s, 'o>, key: Option<String> },
}

impl ser::SerializeMap for MapEnc<'_, '_> {
    type Ok = ();
    type Error = CodecError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), CodecError> {
        let key = key.serialize(KeySer)?;
        match self {
            MapEnc::Map { out, buffer, count, .. } => {
                if buffer.is_some() {
                    *count += 1;
                }
                write_bytes(key.as_bytes(), buffer.as_mut().unwrap_or(out));
            }
            MapEnc::Record { key: slot, .. } => *slot = Some(key),
        }
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CodecError> {
        match self {
            MapEnc::Map { schema, values, out, buffer, .. } => {
                value.serialize(Enc { schema, node: *values, out: buffer.as_mut().unwrap_or(out) })
            }
            MapEnc::Record { strukt, key } => {
                let key = key.take().ok_or_else(|| CodecError::new("map value without a key"))?;
                strukt.field(&key, value)
            }
        }
    }

    fn end(self) -> Result<(), CodecError> {
        match self {
            MapEnc::Map { out, buffer, count, .. } => {
                if let Some(buffer) = buffer
                    && count > 0
                {
                    write_long(count as i64, out);
                    out.extend_from_slice(&buffer);
                }
                out.push(0);
                Ok(())
            }
            MapEnc::Record { strukt, .. } => ser::SerializeStruct::end(strukt),
        }
    }
}

/// Writes a record's fields in schema order. serde hands fields in declaration order, which is
/// the schema's order for derived types: those go straight to the output. A field out of order
/// switches to buffering the rest, and fields serde skipped are filled from the schema default.
pub(crate) struct StructEnc<'s, 'o> {
    schema: &'s Compiled,
    fields: &'s [super::schema::Field],
    out: &'o mut Vec<u8>,
    next: usize,
    pending: Option<Vec<Option<Vec<u8>>>>,
    /// Set when the record branch of a union cannot be told from the struct's name.
    trial: Option<Box<Trial<'s>>>,
}

/// A struct whose name names no branch of the union it is written to (an untagged enum's
/// variant is serialized under the enum's name): each field is encoded against every record
/// branch that could still take it, and the first branch that took every field and has
/// defaults for the rest wins. Only this fallback pays the extra encoding.
struct Trial<'s> {
    name: &'static str,
    candidates: Vec<Candidate<'s>>,
}

struct Candidate<'s> {
    index: usize,
    fields: &'s [super::schema::Field],
    encoded: Vec<Option<Vec<u8>>>,
    alive: bool,
}

impl<'s> Trial<'s> {
    fn new(schema: &'s Compiled, node: NodeId, name: &'static str) -> Option<Trial<'s>> {
        let Node::Union(branches) = schema.node(node) else { return None };
        let named = branches.iter().any(|&b| match schema.node(b) {
            Node::Record { name: named, .. } => named.short() == name,
            _ => false,
        });
        // The common case (`Option<Record>`, a named branch) decides here without allocating.
        if named {
            return None;
        }
        let candidates: Vec<Candidate<'s>> = branches
            .iter()
            .enumerate()
            .filter_map(|(index, &b)| match schema.node(b) {
                Node::Record { fields, .. } => Some(Candidate {
                    index,
                    fields,
                    encoded: vec![None; fields.len()],
                    alive: true,
                }),
                _ => None,
            })
            .collect();
        (candidates.len() > 1).then_some(Trial { name, candidates })
    }

    fn field<T: Serialize + ?Sized>(&mut self, schema: &Compiled, key: &str, value: &T) {
        for candidate in self.candidates.iter_mut().filter(|c| c.alive) {
            let Some(position) = candidate.fields.iter().position(|f| f.name == key) else {
                candidate.alive = false;
                continue;
            };
            let mut buffer = Vec::new();
            let node = candidate.fields[position].ty;
            let written = value.serialize(Enc { schema, node, out: &mut buffer });
            if written.is_err() || candidate.encoded[position].is_some() {
                candidate.alive = false;
                continue;
            }
            candidate.encoded[position] = Some(buffer);
        }
    }

    fn end(self, schema: &Compiled, out: &mut Vec<u8>) -> Result<(), CodecError> {
        let complete = |c: &Candidate<'_>| {
            c.alive
                && c.fields.iter().zip(&c.encoded).all(|(f, e)| e.is_some() || f.default.is_some())
        };
        let Some(candidate) = self.candidates.into_iter().find(complete) else {
            return Err(CodecError::new(format!(
                "no record branch of the union takes the fields of '{}'",
                self.name
            )));
        };
        write_long(candidate.index as i64, out);
        for (field, encoded) in candidate.fields.iter().zip(candidate.encoded) {
            if let Some(bytes) = encoded {
                out.extend_from_slice(&bytes);
                continue;
            }
            // `complete` checked the default is there; the error only keeps this total.
            let default = field.default.as_ref().ok_or_else(|| {
                CodecError::new("field is missing and has no default").at_field(&field.name)
            })?;
            super::json::encode_json(schema, field.ty, default, out)
                .map_err(|e| e.at_field(&field.name))?;
        }
        Ok(())
    }
}

impl<'s, 'o> StructEnc<'s, 'o> {
    fn new(schema: &'s Compiled, node: NodeId, out: &'o mut Vec<u8>) -> StructEnc<'s, 'o> {
        let fields = match schema.node(node) {
            Node::Record { fields, .. } => &fields[..],
            _ => &[],
        };
        StructEnc { schema, fields, out, next: 0, pending: None, trial: None }
    }

    /// The field serde hands over next is the schema's next field, for a derived type: that
    /// check and the write are inlined; the rest is kept out of line.
    #[inline(always)]
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), CodecError> {
        if self.pending.is_none()
            && let Some(field) = self.fields.get(self.next)
            && same_name(&field.name, key)
        {
            self.next += 1;
            return value
                .serialize(Enc { schema: self.schema, node: field.ty, out: self.out })
                .map_err(|e| e.at_field(key));
        }
        self.field_out_of_order(key, value)
    }

    #[inline(never)]
    fn field_out_of_order<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<(), CodecError> {
        let fields = self.fields;
        let schema = self.schema;
        // After the fast path: a trial has no fields of its own, so it never takes it.
        if let Some(trial) = &mut self.trial {
            trial.field(schema, key, value);
            return Ok(());
        }
        let Some(position) = fields.iter().position(|f| same_name(&f.name, key)) else {
            // A field the schema does not know (serde(flatten) extras, say) is not written.
            return Ok(());
        };
        if position < self.next {
            return Err(CodecError::new(format!("field '{key}' is written twice")));
        }
        let pending = self.pending.get_or_insert_with(|| vec![None; fields.len()]);
        let mut buffer = Vec::new();
        value
            .serialize(Enc { schema, node: fields[position].ty, out: &mut buffer })
            .map_err(|e| e.at_field(key))?;
        pending[position] = Some(buffer);
        Ok(())
    }
}

impl ser::SerializeStruct for StructEnc<'_, '_> {
    type Ok = ();
    type Error = CodecError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CodecError> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), CodecError> {
        if let Some(trial) = self.trial {
            return trial.end(self.schema, self.out);
        }
        let fields = self.fields;
        let mut pending = self.pending.unwrap_or_default();
        for (position, field) in fields.iter().enumerate().skip(self.next) {
            match pending.get_mut(position).and_then(Option::take) {
                Some(bytes) => self.out.extend_from_slice(&bytes),
                None => {
                    let default = field.default.as_ref().ok_or_else(|| {
                        CodecError::new("field is missing and has no default").at_field(&field.name)
                    })?;
                    super::json::encode_json(self.schema, field.ty, default, self.out)
                        .map_err(|e| e.at_field(&field.name))?;
                }
            }
        }
        Ok(())
    }
}

impl ser::SerializeStructVariant for StructEnc<'_, '_> {
    type Ok = ();
    type Error = CodecError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CodecError> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), CodecError> {
        ser::SerializeStruct::end(self)
    }
}

/// Serializes a map key to a string (Avro map keys are strings).
struct KeySer;

macro_rules! key_display {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<String, CodecError> {
            Ok(v.to_string())
        }
    )*};
}

macro_rules! refuse {
    ($what:literal; $($method:ident($($arg:ty),*)),*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<Self::Ok, CodecError> {
            Err(CodecError::new(concat!($what, " is not allowed here")))
        }
    )*};
}

impl ser::Serializer for KeySer {
    type Ok = String;
    type Error = CodecError;
    type SerializeSeq = ser::Impossible<String, CodecError>;
    type SerializeTuple = ser::Impossible<String, CodecError>;
    type SerializeTupleStruct = ser::Impossible<String, CodecError>;
    type SerializeTupleVariant = ser::Impossible<String, CodecError>;
    type SerializeMap = ser::Impossible<String, CodecError>;
    type SerializeStruct = ser::Impossible<String, CodecError>;
    type SerializeStructVariant = ser::Impossible<String, CodecError>;

    key_display!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_char: char);
    refuse!("a non-string map key"; serialize_f32(f32), serialize_f64(f64), serialize_bytes(&[u8]),
        serialize_none(), serialize_unit());

    fn serialize_str(self, v: &str) -> Result<String, CodecError> {
        Ok(v.to_owned())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, CodecError> {
        value.serialize(self)
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<String, CodecError> {
        Ok(name.to_owned())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, CodecError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, CodecError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, CodecError> {
        Err(CodecError::new("a non-string map key is not allowed here"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, CodecError> {
        Err(CodecError::new("a non-string map key is not allowed here"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, CodecError> {
        Err(CodecError::new("a non-string map key is not allowed here"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, CodecError> {
        Err(CodecError::new("a non-string map key is not allowed here"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, CodecError> {
        Err(CodecError::new("a non-string map key is not allowed here"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, CodecError> {
        Err(CodecError::new("a non-string map key is not allowed here"))
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, CodecError> {
        Err(CodecError::new("a non-string map key is not allowed here"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, CodecError> {
        Err(CodecError::new("a non-string map key is not allowed here"))
    }
}

/// Accepts one u8 (an element of a byte sequence).
struct ByteSer;

impl ser::Serializer for ByteSer {
    type Ok = u8;
    type Error = CodecError;
    type SerializeSeq = ser::Impossible<u8, CodecError>;
    type SerializeTuple = ser::Impossible<u8, CodecError>;
    type SerializeTupleStruct = ser::Impossible<u8, CodecError>;
    type SerializeTupleVariant = ser::Impossible<u8, CodecError>;
    type SerializeMap = ser::Impossible<u8, CodecError>;
    type SerializeStruct = ser::Impossible<u8, CodecError>;
    type SerializeStructVariant = ser::Impossible<u8, CodecError>;

    fn serialize_u8(self, v: u8) -> Result<u8, CodecError> {
        Ok(v)
    }
    refuse!("a non-byte element of bytes"; serialize_bool(bool), serialize_i8(i8), serialize_i16(i16),
        serialize_i32(i32), serialize_i64(i64), serialize_u16(u16), serialize_u32(u32),
        serialize_u64(u64), serialize_f32(f32), serialize_f64(f64), serialize_char(char),
        serialize_str(&str), serialize_bytes(&[u8]), serialize_none(), serialize_unit(),
        serialize_unit_struct(&'static str), serialize_unit_variant(&'static str, u32, &'static str));
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<u8, CodecError> {
        Err(CodecError::new("a non-byte element of bytes is not allowed here"))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<u8, CodecError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<u8, CodecError> {
        Err(CodecError::new("a non-byte element of bytes is not allowed here"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, CodecError> {
        Err(CodecError::new("a non-byte element of bytes is not allowed here"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, CodecError> {
        Err(CodecError::new("a non-byte element of bytes is not allowed here"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, CodecError> {
        Err(CodecError::new("a non-byte element of bytes is not allowed here"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, CodecError> {
        Err(CodecError::new("a non-byte element of bytes is not allowed here"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, CodecError> {
        Err(CodecError::new("a non-byte element of bytes is not allowed here"))
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, CodecError> {
        Err(CodecError::new("a non-byte element of bytes is not allowed here"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, CodecError> {
        Err(CodecError::new("a non-byte element of bytes is not allowed here"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use serde::ser::SerializeStruct;
    use serde_json::json;

    use super::*;
    use crate::avro::binary::Reader;

    fn schema() -> Compiled {
        Compiled::from_json(&json!({
            "type": "record", "name": "R", "fields": [
                {"name": "a", "type": "long"},
                {"name": "name", "type": "string"},
                {"name": "opt", "type": ["null", "string"], "default": null},
                {"name": "count", "type": "int", "default": 7},
                {"name": "longer_name_x", "type": "long"}
            ]
        }))
        .unwrap()
    }

    fn bytes<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
        let schema = schema();
        let mut out = Vec::new();
        encode(&schema, value, &mut out).map(|()| out)
    }

    #[derive(Serialize)]
    struct InOrder {
        a: i64,
        name: String,
        opt: Option<String>,
        count: i32,
        longer_name_x: i64,
    }

    fn in_order() -> InOrder {
        InOrder {
            a: -3,
            name: "nm".into(),
            opt: Some("o".into()),
            count: 300,
            longer_name_x: 1 << 40,
        }
    }

    /// The fields of `in_order()`, handed over in `order` (names from `in_order`'s type).
    struct Shuffled(&'static [&'static str]);

    impl Serialize for Shuffled {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let v = in_order();
            let mut st = s.serialize_struct("R", self.0.len())?;
            for &key in self.0 {
                match key {
                    "a" => st.serialize_field(key, &v.a)?,
                    "name" => st.serialize_field(key, &v.name)?,
                    "opt" => st.serialize_field(key, &v.opt)?,
                    "count" => st.serialize_field(key, &v.count)?,
                    "longer_name_x" => st.serialize_field(key, &v.longer_name_x)?,
                    other => st.serialize_field(other, &0)?,
                }
            }
            st.end()
        }
    }

    #[test]
    fn in_order_fields_write_the_schema_layout() {
        let mut expected = Vec::new();
        write_long(-3, &mut expected);
        write_bytes(b"nm", &mut expected);
        write_long(1, &mut expected);
        write_bytes(b"o", &mut expected);
        write_long(300, &mut expected);
        write_long(1 << 40, &mut expected);
        assert_eq!(bytes(&in_order()).unwrap(), expected);
    }

    #[test]
    fn out_of_order_fields_are_written_in_schema_order() {
        let expected = bytes(&in_order()).unwrap();
        for order in [
            &["longer_name_x", "count", "opt", "name", "a"][..],
            &["a", "count", "name", "opt", "longer_name_x"],
            &["name", "a", "opt", "count", "longer_name_x"],
            &["a", "name", "opt", "longer_name_x", "count"],
        ] {
            assert_eq!(bytes(&Shuffled(order)).unwrap(), expected, "{order:?}");
        }
    }

    #[test]
    fn unknown_fields_are_dropped_and_skipped_ones_take_defaults() {
        let expected = bytes(&in_order()).unwrap();
        // An unknown key of a known name's length, and one differing only in its last byte.
        let extra = &["a", "zz", "name", "namf", "opt", "count", "longer_name_y", "longer_name_x"];
        assert_eq!(bytes(&Shuffled(extra)).unwrap(), expected);

        // `opt` and `count` skipped: null and 7 from the schema's defaults.
        let skipped = bytes(&Shuffled(&["a", "name", "longer_name_x"])).unwrap();
        let mut expected = Vec::new();
        write_long(-3, &mut expected);
        write_bytes(b"nm", &mut expected);
        write_long(0, &mut expected);
        write_long(7, &mut expected);
        write_long(1 << 40, &mut expected);
        assert_eq!(skipped, expected);

        let missing = bytes(&Shuffled(&["a", "opt", "count"])).unwrap_err().to_string();
        assert!(missing.contains("/name") && missing.contains("no default"), "{missing}");
        let twice = bytes(&Shuffled(&["a", "name", "a"])).unwrap_err().to_string();
        assert!(twice.contains("'a' is written twice"), "{twice}");
    }

    #[test]
    fn flattened_extras_are_matched_by_name() {
        #[derive(Serialize)]
        struct Flat {
            a: i64,
            #[serde(flatten)]
            rest: BTreeMap<String, serde_json::Value>,
        }
        let rest = BTreeMap::from([
            ("count".to_owned(), json!(300)),
            ("longer_name_x".to_owned(), json!(1_i64 << 40)),
            ("name".to_owned(), json!("nm")),
            ("opt".to_owned(), json!("o")),
            ("unknown".to_owned(), json!(1)),
        ]);
        assert_eq!(bytes(&Flat { a: -3, rest }).unwrap(), bytes(&in_order()).unwrap());
    }

    #[test]
    fn errors_name_the_field_on_the_in_order_path() {
        #[derive(Serialize)]
        struct Wide {
            a: i64,
            name: String,
            opt: Option<String>,
            count: i64,
            longer_name_x: i64,
        }
        let err = bytes(&Wide {
            a: 0,
            name: String::new(),
            opt: None,
            count: i64::MAX,
            longer_name_x: 0,
        })
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("at '/count'") && err.contains("does not fit"), "{err}");
        #[derive(Serialize)]
        struct WrongType {
            a: String,
        }
        let err = bytes(&WrongType { a: "x".into() }).unwrap_err().to_string();
        assert!(err.starts_with("at '/a'"), "{err}");
    }

    #[test]
    fn same_name_compares_every_byte() {
        for len in 0..40 {
            let name: String = (0..len).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            assert!(same_name(&name, &name.clone()));
            assert!(!same_name(&name, &format!("{name}a")));
            for i in 0..len {
                let mut other = name.clone().into_bytes();
                other[i] = b'_';
                let other = String::from_utf8(other).unwrap();
                assert!(!same_name(&name, &other), "{name} vs {other}");
            }
        }
    }

    #[test]
    fn varints_of_every_length_read_back() {
        let mut values = vec![0, 1, -1, 63, -64, 64, -65, i64::MAX, i64::MIN];
        for shift in 0..63 {
            values.extend([1_i64 << shift, (1_i64 << shift) - 1, -(1_i64 << shift)]);
        }
        for value in values {
            let mut out = vec![9];
            write_long(value, &mut out);
            let mut reader = Reader::new(&out[1..]);
            assert_eq!(reader.long().unwrap(), value);
            assert_eq!(reader.remaining(), 0);
        }
    }
}
