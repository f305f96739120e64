//! Avro binary primitives: zig-zag varints, little-endian floats, length-prefixed bytes, and a
//! bounds-checked reader. Every read checks the remaining input, so a corrupt length is an error,
//! never a panic or a huge allocation.

use super::CodecError;

/// A zig-zag varint. One-byte values (small numbers, lengths, union and enum indexes) take the
/// inlined path; longer ones a loop kept out of line.
#[inline(always)]
pub(crate) fn write_long(value: i64, out: &mut Vec<u8>) {
    let n = ((value << 1) ^ (value >> 63)) as u64;
    if n < 0x80 {
        out.push(n as u8);
    } else {
        write_varint_slow(n, out);
    }
}

#[inline(never)]
fn write_varint_slow(mut n: u64, out: &mut Vec<u8>) {
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

#[inline]
fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

#[inline]
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

    /// A zig-zag varint. One-byte values (small numbers, lengths, union and enum indexes) take
    /// the inlined path; longer ones a loop kept out of line.
    #[inline]
    pub(crate) fn long(&mut self) -> Result<i64, CodecError> {
        match self.buf.get(self.pos) {
            Some(&byte) if byte < 0x80 => {
                self.pos += 1;
                Ok(unzigzag(u64::from(byte)))
            }
            _ => self.long_slow(),
        }
    }

    /// A varint of up to 10 bytes (bits past the 64th are dropped, as other readers do). With
    /// eight bytes in view, the ones of the varint are found and their 7-bit groups packed
    /// without a loop.
    #[inline(never)]
    fn long_slow(&mut self) -> Result<i64, CodecError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        if !rest.is_empty() {
            // Near the end of the input the word is padded with zeros, which a varint that
            // runs into them must not be taken to end in.
            let word = match rest.first_chunk::<8>() {
                Some(chunk) => u64::from_le_bytes(*chunk),
                None => {
                    let mut padded = [0u8; 8];
                    padded[..rest.len()].copy_from_slice(rest);
                    u64::from_le_bytes(padded)
                }
            };
            // The high bit of each byte that ends a varint; the lowest one ends this varint.
            let ends = !word & 0x8080_8080_8080_8080;
            let len = (ends.trailing_zeros() / 8 + 1) as usize;
            if ends != 0 && len <= rest.len() {
                // The varint's bytes, without their continuation bits.
                let mut n = word & (ends ^ (ends - 1)) & 0x7f7f_7f7f_7f7f_7f7f;
                n = (n & 0x007f_007f_007f_007f) | ((n & 0x7f00_7f00_7f00_7f00) >> 1);
                n = (n & 0x0000_3fff_0000_3fff) | ((n & 0x3fff_0000_3fff_0000) >> 2);
                n = (n & 0x0000_0000_0fff_ffff) | ((n & 0x0fff_ffff_0000_0000) >> 4);
                self.pos += len;
                return Ok(unzigzag(n));
            }
        }
        let mut n: u64 = 0;
        for (i, &byte) in rest.iter().take(10).enumerate() {
            n |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                self.pos += i + 1;
                return Ok(unzigzag(n));
            }
        }
        Err(CodecError::new(if rest.len() >= 10 {
            "varint is longer than 10 bytes"
        } else {
            "input ends inside a varint"
        }))
    }

    #[inline]
    pub(crate) fn int(&mut self) -> Result<i32, CodecError> {
        let value = self.long()?;
        i32::try_from(value).map_err(|_| CodecError::new(format!("int {value} is out of range")))
    }

    #[inline]
    pub(crate) fn take(&mut self, len: usize) -> Result<&'a [u8], CodecError> {
        match self.pos.checked_add(len).and_then(|end| Some((end, self.buf.get(self.pos..end)?))) {
            Some((end, bytes)) => {
                self.pos = end;
                Ok(bytes)
            }
            None => Err(self.too_long(len as i64, "exceeds")),
        }
    }

    /// A length-prefixed run of bytes, the length checked against the input left.
    #[inline]
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], CodecError> {
        let len = self.long()?;
        let bytes = usize::try_from(len)
            .ok()
            .and_then(|len| self.pos.checked_add(len))
            .and_then(|end| Some((end, self.buf.get(self.pos..end)?)));
        match bytes {
            Some((end, bytes)) => {
                self.pos = end;
                Ok(bytes)
            }
            None => Err(self.too_long(len, "is negative or exceeds")),
        }
    }

    #[cold]
    #[inline(never)]
    fn too_long(&self, len: i64, what: &str) -> CodecError {
        CodecError::new(format!("length {len} {what} the {} bytes left", self.remaining()))
    }

    #[inline]
    pub(crate) fn str(&mut self) -> Result<&'a str, CodecError> {
        let bytes = self.bytes()?;
        std::str::from_utf8(bytes).map_err(|e| CodecError::new(format!("string is not utf-8: {e}")))
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        match self.buf.get(self.pos..).and_then(|rest| rest.first_chunk::<N>()) {
            Some(&array) => {
                self.pos += N;
                Ok(array)
            }
            None => Err(self.too_long(N as i64, "exceeds")),
        }
    }

    #[inline]
    pub(crate) fn float(&mut self) -> Result<f32, CodecError> {
        Ok(f32::from_le_bytes(self.array()?))
    }

    #[inline]
    pub(crate) fn double(&mut self) -> Result<f64, CodecError> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    #[inline]
    pub(crate) fn boolean(&mut self) -> Result<bool, CodecError> {
        match self.array::<1>()? {
            [0] => Ok(false),
            [1] => Ok(true),
            [other] => Err(CodecError::new(format!("boolean byte is {other}, not 0 or 1"))),
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
