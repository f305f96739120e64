//! Decoding: a serde `Deserializer` that runs a resolution plan over Avro binary and presents the
//! reader's shape to the visitor (reader field names, promoted numbers, defaults, mapped enum
//! symbols, union branches as `Option`s or enum variants). Strings borrow from the input.

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, IntoDeserializer, Visitor};

use super::CodecError;
use super::binary::Reader;
use super::decimal::{Decimal, Unscaled};
use super::json::skip;
use super::plan::{Op, OpId, Plan, Record, Step};

/// Where the bytes come from: the record itself (strings and bytes borrowed for `'de`), or a
/// pre-encoded default owned by the plan (copied, since it does not live for `'de`).
pub(crate) trait Input<'de> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Reader<'_>) -> R) -> R;
    fn visit_str<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, CodecError>;
    fn visit_bytes<V: Visitor<'de>>(
        &mut self,
        len: Option<usize>,
        visitor: V,
    ) -> Result<V::Value, CodecError>;
}

pub(crate) struct Borrowed<'de>(pub(crate) Reader<'de>);

impl<'de> Input<'de> for Borrowed<'de> {
    #[inline]
    fn with<R>(&mut self, f: impl FnOnce(&mut Reader<'_>) -> R) -> R {
        f(&mut self.0)
    }
    #[inline]
    fn visit_str<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, CodecError> {
        visitor.visit_borrowed_str(self.0.str()?)
    }
    #[inline]
    fn visit_bytes<V: Visitor<'de>>(
        &mut self,
        len: Option<usize>,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        let bytes = match len {
            Some(len) => self.0.take(len)?,
            None => self.0.bytes()?,
        };
        visitor.visit_borrowed_bytes(bytes)
    }
}

pub(crate) struct Detached<'p>(pub(crate) Reader<'p>);

impl<'de> Input<'de> for Detached<'_> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Reader<'_>) -> R) -> R {
        f(&mut self.0)
    }
    fn visit_str<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, CodecError> {
        visitor.visit_str(self.0.str()?)
    }
    fn visit_bytes<V: Visitor<'de>>(
        &mut self,
        len: Option<usize>,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        let bytes = match len {
            Some(len) => self.0.take(len)?,
            None => self.0.bytes()?,
        };
        visitor.visit_bytes(bytes)
    }
}

pub(crate) struct De<'p, 'i, I> {
    pub(crate) plan: &'p Plan,
    pub(crate) op: OpId,
    pub(crate) input: &'i mut I,
}

impl<'de, 'p, 'i, I: Input<'de>> De<'p, 'i, I> {
    /// Follows writer unions to the branch actually written.
    #[inline]
    fn resolve(&mut self) -> Result<&'p Op, CodecError> {
        loop {
            let op = self.plan.op(self.op);
            let Op::WriterUnion(branches) = op else { return Ok(op) };
            let index = self.input.with(|r| r.long())?;
            self.op =
                *usize::try_from(index).ok().and_then(|i| branches.get(i)).ok_or_else(|| {
                    CodecError::new(format!(
                        "union index {index} is out of range 0..{}",
                        branches.len()
                    ))
                })?;
        }
    }

    /// `deserialize_str` where the position is not a plain string: only a date/time position
    /// converts (to its text); the rest reads as any value would.
    #[inline(never)]
    fn str_otherwise<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, CodecError> {
        match self.resolve()? {
            Op::String => self.input.visit_str(visitor),
            Op::Temporal { long, logical } => {
                let count = match long {
                    true => self.input.with(|r| r.long())?,
                    false => i64::from(self.input.with(|r| r.int())?),
                };
                visitor.visit_string(super::temporal::format(*logical, count)?)
            }
            _ => de::Deserializer::deserialize_any(self, visitor),
        }
    }

    #[inline]
    fn array<V: Visitor<'de>>(
        mut self,
        items: OpId,
        empty: bool,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        let mut seq = SeqDe { de: self.with(items), left: 0, empty, done: false };
        seq.de.input.with(|r| r.enter())?;
        // The first block's count is read up front so that the visitor's size hint is right
        // and a `Vec` is allocated once.
        seq.more()?;
        let value = visitor.visit_seq(&mut seq)?;
        seq.drain()?;
        seq.de.input.with(|r| r.leave());
        Ok(value)
    }

    fn with(&mut self, op: OpId) -> De<'p, '_, I> {
        De { plan: self.plan, op, input: self.input }
    }

    /// A record as a map from the reader's field names to values; `keys` are the positions of
    /// its fields in the struct's `fields` (see [`FieldKey`]).
    #[inline]
    fn record<V: Visitor<'de>>(
        self,
        record: &'p Record,
        keys: Option<&'p [u32]>,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        let steps = &record.steps;
        let mut record = RecordDe { plan: self.plan, input: self.input, steps, keys, next: 0 };
        record.input.with(|r| r.enter())?;
        let value = visitor.visit_map(&mut record)?;
        record.drain()?;
        record.input.with(|r| r.leave());
        Ok(value)
    }
}

impl<'de, I: Input<'de>> de::Deserializer<'de> for De<'_, '_, I> {
    type Error = CodecError;

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, CodecError> {
        let reader_op = self.resolve()?;
        match reader_op {
            Op::Null => visitor.visit_unit(),
            Op::Boolean => visitor.visit_bool(self.input.with(|r| r.boolean())?),
            Op::Int => visitor.visit_i32(self.input.with(|r| r.int())?),
            Op::Long => visitor.visit_i64(self.input.with(|r| r.long())?),
            Op::Temporal { long: true, .. } => visitor.visit_i64(self.input.with(|r| r.long())?),
            Op::Temporal { long: false, .. } => visitor.visit_i32(self.input.with(|r| r.int())?),
            Op::IntAsLong => visitor.visit_i64(i64::from(self.input.with(|r| r.int())?)),
            Op::Float => visitor.visit_f32(self.input.with(|r| r.float())?),
            Op::IntAsFloat => visitor.visit_f32(self.input.with(|r| r.int())? as f32),
            Op::LongAsFloat => visitor.visit_f32(self.input.with(|r| r.long())? as f32),
            Op::Double => visitor.visit_f64(self.input.with(|r| r.double())?),
            Op::IntAsDouble => visitor.visit_f64(f64::from(self.input.with(|r| r.int())?)),
            Op::LongAsDouble => visitor.visit_f64(self.input.with(|r| r.long())? as f64),
            Op::FloatAsDouble => visitor.visit_f64(f64::from(self.input.with(|r| r.float())?)),
            Op::Bytes => self.input.visit_bytes(None, visitor),
            Op::String => self.input.visit_str(visitor),
            Op::Fixed(size) => self.input.visit_bytes(Some(*size), visitor),
            Op::Decimal(decimal) => {
                let unscaled = self.input.with(|r| decimal_bytes(r, decimal.fixed))?;
                visitor.visit_string(decimal.format(unscaled))
            }
            Op::Enum(symbols) => visitor.visit_str(self.input.with(|r| symbol(r, symbols))?),
            Op::Array { items, items_may_be_empty } => {
                self.array(*items, *items_may_be_empty, visitor)
            }
            Op::Map(values) => {
                let mut map = MapDe { de: self.with(*values), left: 0, done: false };
                map.de.input.with(|r| r.enter())?;
                map.more()?;
                let value = visitor.visit_map(&mut map)?;
                map.drain()?;
                map.de.input.with(|r| r.leave());
                Ok(value)
            }
            Op::Record(record) => self.record(record, None, visitor),
            Op::ReaderUnion(branch) => {
                if branch.null {
                    visitor.visit_unit()
                } else {
                    self.with(branch.inner).deserialize_any(visitor)
                }
            }
            Op::Fail(message) => Err(CodecError::new(message.to_string())),
            Op::WriterUnion(_) | Op::Pending => Err(CodecError::new("plan is incomplete")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, CodecError> {
        match self.resolve()? {
            Op::Null => visitor.visit_none(),
            Op::ReaderUnion(branch) if branch.null => visitor.visit_none(),
            Op::ReaderUnion(branch) if branch.alone => visitor.visit_some(self.with(branch.inner)),
            // The union stays current, so an enum inside the option still sees its branch.
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        match self.resolve()? {
            Op::Enum(symbols) => {
                let symbol = self.input.with(|r| symbol(r, symbols))?;
                visitor.visit_enum(StrDeserializer::<CodecError>::new(symbol))
            }
            Op::ReaderUnion(branch) => {
                // The derive writes one branch per variant in declaration order, which is also
                // the order of serde's `variants`: the branch's position names the variant even
                // where its record is named otherwise (`Large(Address)`). The record name is the
                // fallback for unions with more branches than the enum has variants.
                let name = match (variants.get(branch.position as usize), &branch.name) {
                    (Some(variant), _) => *variant,
                    (None, Some(name)) => &**name,
                    (None, None) => {
                        return Err(CodecError::new(format!(
                            "union branch {} has no variant",
                            branch.position
                        )));
                    }
                };
                visitor.visit_enum(VariantDe { name, de: self.with(branch.inner) })
            }
            Op::String => {
                let symbol = self.input.with(|r| r.str().map(str::to_owned))?;
                visitor.visit_enum(StrDeserializer::<CodecError>::new(&symbol))
            }
            // `Option<E>` where E has one variant: the union was `["null", E's record]`.
            Op::Record(_) if variants.len() == 1 => {
                visitor.visit_enum(VariantDe { name: variants[0], de: self })
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, CodecError> {
        let op = self.resolve()?;
        let op = match op {
            Op::ReaderUnion(branch) if !branch.null => {
                self.op = branch.inner;
                self.resolve()?
            }
            op => op,
        };
        match op {
            // A byte sequence (a `Vec<u8>` or `[u8; N]` without serde_bytes).
            Op::Bytes | Op::String | Op::Fixed(_) | Op::Decimal(_) => self.input.with(|reader| {
                let bytes = match op {
                    Op::Fixed(size) | Op::Decimal(Decimal { fixed: Some(size), .. }) => {
                        reader.take(*size)?
                    }
                    _ => reader.bytes()?,
                };
                visitor.visit_seq(de::value::SeqDeserializer::<_, CodecError>::new(
                    bytes.iter().copied(),
                ))
            }),
            Op::Array { items, items_may_be_empty } => {
                self.array(*items, *items_may_be_empty, visitor)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        mut self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        // The `time` crate reads its dates and times as tuples.
        if let Op::Temporal { long, logical } = self.resolve()? {
            let count = match long {
                true => self.input.with(|r| r.long())?,
                false => i64::from(self.input.with(|r| r.int())?),
            };
            let parts = super::temporal::to_parts(*logical, count)?;
            let mut seq = de::value::SeqDeserializer::<_, CodecError>::new(parts.into_iter());
            let value = visitor.visit_seq(&mut seq)?;
            seq.end()?;
            return Ok(value);
        }
        self.deserialize_seq(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        visitor.visit_newtype_struct(self)
    }

    // Avro's logical types carry the human-readable forms: uuid is a string, and chrono, time
    // and rust_decimal pick their text forms here too, which the logical positions convert.
    fn is_human_readable(&self) -> bool {
        true
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        // The common case inline, the rest out of line.
        match self.plan.op(self.op) {
            Op::String => self.input.visit_str(visitor),
            _ => self.str_otherwise(visitor),
        }
    }

    #[inline]
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        self.deserialize_str(visitor)
    }

    // The primitives a struct's fields mostly are: when the plan's instruction is the plain
    // one, read it here, inlined into the struct's visitor; anything else (a union, a promotion,
    // a logical type) goes through `deserialize_any`.

    #[inline]
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.plan.op(self.op) {
            Op::Boolean => visitor.visit_bool(self.input.with(|r| r.boolean())?),
            _ => self.deserialize_any(visitor),
        }
    }

    #[inline]
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.plan.op(self.op) {
            Op::Int => visitor.visit_i32(self.input.with(|r| r.int())?),
            _ => self.deserialize_any(visitor),
        }
    }

    #[inline]
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.plan.op(self.op) {
            Op::Long => visitor.visit_i64(self.input.with(|r| r.long())?),
            Op::IntAsLong => visitor.visit_i64(i64::from(self.input.with(|r| r.int())?)),
            _ => self.deserialize_any(visitor),
        }
    }

    #[inline]
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.plan.op(self.op) {
            Op::Float => visitor.visit_f32(self.input.with(|r| r.float())?),
            _ => self.deserialize_any(visitor),
        }
    }

    #[inline]
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.plan.op(self.op) {
            Op::Double => visitor.visit_f64(self.input.with(|r| r.double())?),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, CodecError> {
        // A byte target at a decimal position takes the wire bytes, not the text.
        if let Op::Decimal(decimal) = self.resolve()? {
            return self.input.visit_bytes(decimal.fixed, visitor);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_i128<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, CodecError> {
        // A decimal position holds a wide integer; anything else reads as a number would.
        if let Op::Decimal(decimal) = self.resolve()? {
            let value = decimal.whole(self.input.with(|r| decimal_bytes(r, decimal.fixed))?)?;
            let value = value.to_i128().ok_or_else(|| {
                CodecError::new(format!("{} does not fit an i128", decimal.format(value)))
            })?;
            return visitor.visit_i128(value);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_u128<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, CodecError> {
        if let Op::Decimal(decimal) = self.resolve()? {
            let value = decimal.whole(self.input.with(|r| decimal_bytes(r, decimal.fixed))?)?;
            let value = value.to_u128().ok_or_else(|| {
                CodecError::new(format!("{} does not fit a u128", decimal.format(value)))
            })?;
            return visitor.visit_u128(value);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        mut self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        let mut op = self.resolve()?;
        if let Op::ReaderUnion(branch) = op
            && !branch.null
        {
            self.op = branch.inner;
            op = self.resolve()?;
        }
        match op {
            Op::Record(record) => self.record(record, record.keys(fields), visitor),
            _ => self.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        i8 i16 u8 u16 u32 u64 char unit unit_struct tuple_struct map identifier ignored_any
    }
}

/// The unscaled value of a decimal: `fixed` bytes, or length-prefixed `bytes`.
fn decimal_bytes(reader: &mut Reader<'_>, fixed: Option<usize>) -> Result<Unscaled, CodecError> {
    let bytes = match fixed {
        Some(size) => reader.take(size)?,
        None => reader.bytes()?,
    };
    Decimal::from_bytes(bytes)
}

#[inline]
fn symbol<'p>(
    reader: &mut Reader<'_>,
    symbols: &'p [Option<Box<str>>],
) -> Result<&'p str, CodecError> {
    let index = reader.long()?;
    match usize::try_from(index).ok().and_then(|i| symbols.get(i)) {
        Some(Some(symbol)) => Ok(symbol),
        Some(None) => Err(CodecError::new(format!(
            "enum symbol {index} of the writer is unknown to the reader, which has no default"
        ))),
        None => {
            Err(CodecError::new(format!("enum index {index} is out of range 0..{}", symbols.len())))
        }
    }
}

struct SeqDe<'p, 'i, I> {
    de: De<'p, 'i, I>,
    left: usize,
    empty: bool,
    done: bool,
}

impl<'de, I: Input<'de>> SeqDe<'_, '_, I> {
    fn more(&mut self) -> Result<bool, CodecError> {
        if self.left == 0 && !self.done {
            self.left = self.de.input.with(|r| r.block_count(self.empty))?;
            self.done = self.left == 0;
        }
        Ok(!self.done)
    }

    /// Consumes items a visitor left unread, so the next field starts at the right byte.
    fn drain(&mut self) -> Result<(), CodecError> {
        while self.more()? {
            self.left -= 1;
            de::Deserializer::deserialize_ignored_any(self.de.with(self.de.op), IgnoredAny)?;
        }
        Ok(())
    }
}

impl<'de, I: Input<'de>> de::SeqAccess<'de> for &mut SeqDe<'_, '_, I> {
    type Error = CodecError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, CodecError> {
        if !self.more()? {
            return Ok(None);
        }
        self.left -= 1;
        let op = self.de.op;
        seed.deserialize(self.de.with(op)).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

struct MapDe<'p, 'i, I> {
    de: De<'p, 'i, I>,
    left: usize,
    done: bool,
}

impl<'de, I: Input<'de>> MapDe<'_, '_, I> {
    fn more(&mut self) -> Result<bool, CodecError> {
        if self.left == 0 && !self.done {
            self.left = self.de.input.with(|r| r.block_count(false))?;
            self.done = self.left == 0;
        }
        Ok(!self.done)
    }

    fn drain(&mut self) -> Result<(), CodecError> {
        while self.more()? {
            self.left -= 1;
            self.de.input.with(|r| r.bytes().map(|_| ()))?;
            de::Deserializer::deserialize_ignored_any(self.de.with(self.de.op), IgnoredAny)?;
        }
        Ok(())
    }
}

impl<'de, I: Input<'de>> de::MapAccess<'de> for &mut MapDe<'_, '_, I> {
    type Error = CodecError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, CodecError> {
        if !self.more()? {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(KeyDe { input: &mut *self.de.input }).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, CodecError> {
        let op = self.de.op;
        seed.deserialize(self.de.with(op))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// A map key: a string from the input.
struct KeyDe<'i, I> {
    input: &'i mut I,
}

impl<'de, I: Input<'de>> de::Deserializer<'de> for KeyDe<'_, I> {
    type Error = CodecError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        self.input.visit_str(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

struct RecordDe<'p, 'i, I> {
    plan: &'p Plan,
    input: &'i mut I,
    steps: &'p [Step],
    /// Each step's field position in the struct's `fields`, when known.
    keys: Option<&'p [u32]>,
    next: usize,
}

impl<'de, 'p, I: Input<'de>> RecordDe<'p, '_, I> {
    /// Moves past writer-only fields to the next field the reader sees.
    #[inline]
    fn advance(&mut self) -> Result<Option<&'p Step>, CodecError> {
        while let Some(step) = self.steps.get(self.next) {
            match step {
                Step::Skip(node) => {
                    let writer = &self.plan.writer;
                    self.input.with(|r| skip(writer, *node, r, 0))?;
                    self.next += 1;
                }
                _ => return Ok(Some(step)),
            }
        }
        Ok(None)
    }

    fn drain(&mut self) -> Result<(), CodecError> {
        while let Some(step) = self.advance()? {
            if let Step::Read { op, .. } = step {
                let op = *op;
                de::Deserializer::deserialize_ignored_any(
                    De { plan: self.plan, op, input: &mut *self.input },
                    IgnoredAny,
                )?;
            }
            self.next += 1;
        }
        Ok(())
    }
}

impl<'de, I: Input<'de>> de::MapAccess<'de> for &mut RecordDe<'_, '_, I> {
    type Error = CodecError;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, CodecError> {
        let name: &str = match self.advance()? {
            None => return Ok(None),
            Some(Step::Read { name, .. } | Step::Default { name, .. }) => name,
            Some(Step::Skip(_)) => return Err(CodecError::new("plan stopped on a skipped field")),
        };
        let position = self.keys.and_then(|keys| keys.get(self.next).copied());
        seed.deserialize(FieldKey { name, position }).map(Some)
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, CodecError> {
        let step = self
            .steps
            .get(self.next)
            .ok_or_else(|| CodecError::new("value asked past the last field"))?;
        self.next += 1;
        match step {
            Step::Read { name, op } => seed
                .deserialize(De { plan: self.plan, op: *op, input: &mut *self.input })
                .map_err(|e| e.at_field(name)),
            Step::Default { name, op, bytes } => {
                let mut input = Detached(Reader::new(bytes));
                seed.deserialize(De { plan: self.plan, op: *op, input: &mut input })
                    .map_err(|e| e.at_field(name))
            }
            Step::Skip(_) => Err(CodecError::new("value asked for a skipped field")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.steps.len() - self.next)
    }
}

/// A union branch presented as an enum variant.
struct VariantDe<'p, 'i, 'n, I> {
    name: &'n str,
    de: De<'p, 'i, I>,
}

impl<'de, 'p, 'i, 'n, I: Input<'de>> de::EnumAccess<'de> for VariantDe<'p, 'i, 'n, I> {
    type Error = CodecError;
    type Variant = De<'p, 'i, I>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), CodecError> {
        let variant = seed.deserialize(self.name.into_deserializer())?;
        Ok((variant, self.de))
    }
}

impl<'de, I: Input<'de>> de::VariantAccess<'de> for De<'_, '_, I> {
    type Error = CodecError;

    fn unit_variant(self) -> Result<(), CodecError> {
        // The branch is an empty record (or one the writer gave fields the reader ignores).
        de::Deserializer::deserialize_ignored_any(self, IgnoredAny).map(|_| ())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, CodecError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

/// A record field's name as a map key. A struct's field is named by its position in the
/// struct's `fields` where that is known to mean the same: serde's derive gives each struct a
/// `__FieldVisitor` whose `visit_u64(i)` is the `i`th name of `fields` (when the struct has no
/// aliases, which `fields` would list too: [`Record::keys`] requires the record's fields to be
/// exactly `fields`). The name is then not compared against every field's name in turn. Any
/// other key visitor gets the name, as `StrDeserializer` would give it.
struct FieldKey<'a> {
    name: &'a str,
    position: Option<u32>,
}

/// Whether `V` is the field-identifier visitor that serde's derive writes for a struct.
#[inline]
fn is_derived_field_visitor<V>() -> bool {
    std::any::type_name::<V>().ends_with("::__FieldVisitor")
}

impl<'de> de::Deserializer<'de> for FieldKey<'_> {
    type Error = CodecError;

    #[inline]
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.position {
            Some(position) if is_derived_field_visitor::<V>() => {
                visitor.visit_u64(u64::from(position))
            }
            _ => visitor.visit_str(self.name),
        }
    }

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        de::Deserializer::deserialize_any(StrDeserializer::<CodecError>::new(self.name), visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        let key = StrDeserializer::<CodecError>::new(self.name);
        de::Deserializer::deserialize_enum(key, name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map struct ignored_any
    }
}
