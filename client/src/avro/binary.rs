//! Avro binary primitives: zig-zag varints, little-endian floats, length-prefixed bytes, and a
//! bounds-checked reader. Every read checks the remaining input, so a corrupt length is an error,
//! never a panic or a huge allocation.

use super::CodecError;

#[inline]
pub(crate) fn write_long(value: i64, out: &mut Vec<u8>) {
    let mut n = ((value << 1) ^ (value >> 63)) as u64;
    if n < 0x80 {
        out.push(n as u8);
        return;
    }
    // One capacity check for the whole varint rather than one per byte.
    let mut buf = [0u8; 10];
    let mut len = 0;
    while n >= 0x80 {
        buf[len] = (n as u8) | 0x80;
        n >>= 7;
        len += 1;
    }
    buf[len] = n as u8;
    out.extend_from_slice(&buf[..=len]);
}

pub(crate) fn write_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    write_long(bytes.len() as i64, out);
    out.extend_from_slice(bytes);
}

/// A cursor over input bytes.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    pub(crate) buf: &'a [u8],
    pub(crate) pos: usize,
    /// Records, arrays and maps open around the cursor: recursive schemas let input nest as
    /// deep as it has bytes, so decoding counts and stops before the stack would.
    depth: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0, depth: 0 }
    }

    #[inline]
    pub(crate) fn enter(&mut self) -> Result<(), CodecError> {
        self.depth += 1;
        if self.depth > super::json::MAX_DEPTH {
            return Err(CodecError::new(format!(
                "datum nests deeper than {} levels",
                super::json::MAX_DEPTH
            )));
        }
        Ok(())
    }

    #[inline]
    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    #[inline]
    pub(crate) fn long(&mut self) -> Result<i64, CodecError> {
        let mut n: u64 = 0;
        let mut shift = 0;
        loop {
            let Some(&byte) = self.buf.get(self.pos) else {
                return Err(CodecError::new("input ends inside a varint"));
            };
            self.pos += 1;
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(((n >> 1) as i64) ^ -((n & 1) as i64));
            }
            shift += 7;
            if shift > 63 {
                return Err(CodecError::new("varint is longer than 10 bytes"));
            }
        }
    }

    #[inline]
    pub(crate) fn int(&mut self) -> Result<i32, CodecError> {
        let value = self.long()?;
        i32::try_from(value).map_err(|_| CodecError::new(format!("int {value} is out of range")))
    }

    #[inline]
    pub(crate) fn take(&mut self, len: usize) -> Result<&'a [u8], CodecError> {
        if len > self.remaining() {
            return Err(CodecError::new(format!(
                "length {len} exceeds the {} bytes left",
                self.remaining()
            )));
        }
        let bytes = &self.buf[self.pos..self.pos + len];
        self.pos += len;
        Ok(bytes)
    }

    /// A length prefix, checked against the input left.
    #[inline]
    pub(crate) fn len(&mut self) -> Result<usize, CodecError> {
        let len = self.long()?;
        usize::try_from(len).ok().filter(|&len| len <= self.remaining()).ok_or_else(|| {
            CodecError::new(format!(
                "length {len} is negative or exceeds the {} bytes left",
                self.remaining()
            ))
        })
    }

    #[inline]
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], CodecError> {
        let len = self.len()?;
        self.take(len)
    }

    #[inline]
    pub(crate) fn str(&mut self) -> Result<&'a str, CodecError> {
        let bytes = self.bytes()?;
        std::str::from_utf8(bytes).map_err(|e| CodecError::new(format!("string is not utf-8: {e}")))
    }

    #[inline]
    pub(crate) fn float(&mut self) -> Result<f32, CodecError> {
        let bytes = self.take(4)?;
        Ok(f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    #[inline]
    pub(crate) fn double(&mut self) -> Result<f64, CodecError> {
        let bytes = self.take(8)?;
        let mut array = [0u8; 8];
        array.copy_from_slice(bytes);
        Ok(f64::from_le_bytes(array))
    }

    #[inline]
    pub(crate) fn boolean(&mut self) -> Result<bool, CodecError> {
        match self.take(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(CodecError::new(format!("boolean byte is {other}, not 0 or 1"))),
        }
    }

    /// The item count of the next array or map block (0 ends the sequence). A negative count is
    /// followed by the block's byte size, which we read and ignore.
    #[inline]
    pub(crate) fn block_count(&mut self, items_may_be_empty: bool) -> Result<usize, CodecError> {
        let mut count = self.long()?;
        if count < 0 {
            count = count.checked_neg().ok_or_else(|| CodecError::new("block count overflows"))?;
            self.long()?;
        }
        let count = usize::try_from(count).map_err(|_| CodecError::new("block count overflows"))?;
        // Items of at least one byte cannot outnumber the bytes left; empty items (nulls) are
        // bounded by a fixed limit instead, so a forged count cannot spin for ever.
        let bound = if items_may_be_empty { super::MAX_EMPTY_ITEMS } else { self.remaining() };
        if count > bound {
            return Err(CodecError::new(format!(
                "block claims {count} items but at most {bound} can follow"
            )));
        }
        Ok(count)
    }
}
