//! Avro's decimal logical type against the text form rust_decimal (and anything else serializing
//! a decimal as text) uses: text ↔ the unscaled value at the schema's scale, written as
//! big-endian two's complement (minimal for `bytes`, sign-extended to the size for `fixed`).
//! Values that do not fit the schema's precision or scale are typed errors, never rounded.

use super::CodecError;

/// The decimal logical type at a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    pub(crate) precision: usize,
    pub(crate) scale: usize,
    /// `Some(size)` for a decimal on `fixed`.
    pub(crate) fixed: Option<usize>,
}

/// i128 holds every unscaled value of up to 38 digits, the most a 16-byte two's complement
/// number always fits; wider schemas still work for values within i128.
const MAX_DIGITS: usize = 38;

impl Decimal {
    /// The unscaled value `text` stands for.
    pub(crate) fn parse(&self, text: &str) -> Result<i128, CodecError> {
        let bad = |why: &str| CodecError::new(format!("'{text}' is not a {}: {why}", self.name()));
        let (negative, digits) = match text.as_bytes() {
            [b'-', rest @ ..] => (true, rest),
            [b'+', rest @ ..] => (false, rest),
            rest => (false, rest),
        };
        let (whole, fraction) = match digits.iter().position(|&b| b == b'.') {
            Some(dot) => (&digits[..dot], &digits[dot + 1..]),
            None => (digits, &[][..]),
        };
        if whole.is_empty() && fraction.is_empty()
            || !whole.iter().chain(fraction).all(u8::is_ascii_digit)
        {
            return Err(bad("expected digits with an optional decimal point"));
        }
        let (kept, dropped) = fraction.split_at(fraction.len().min(self.scale));
        if dropped.iter().any(|&d| d != b'0') {
            return Err(bad("more fraction digits than the scale"));
        }
        let padding = self.scale - kept.len();
        let mut unscaled: i128 = 0;
        let mut significant = 0;
        for &digit in whole.iter().chain(kept).chain(std::iter::repeat_n(&b'0', padding)) {
            if unscaled == 0 && digit == b'0' {
                continue;
            }
            significant += 1;
            if significant > self.precision.min(MAX_DIGITS) {
                return Err(bad("more digits than the precision"));
            }
            unscaled = unscaled * 10 + i128::from(digit - b'0');
        }
        Ok(if negative { -unscaled } else { unscaled })
    }

    /// The wire form of `unscaled` (without the length prefix of `bytes`).
    pub(crate) fn wire(&self, unscaled: i128) -> Result<Vec<u8>, CodecError> {
        let full = unscaled.to_be_bytes();
        let filler = if unscaled < 0 { 0xff } else { 0 };
        // Drop leading bytes that only repeat the sign.
        let mut start = 0;
        while start + 1 < full.len()
            && full[start] == filler
            && (full[start + 1] & 0x80 == 0) == (filler == 0)
        {
            start += 1;
        }
        let minimal = &full[start..];
        match self.fixed {
            None => Ok(minimal.to_vec()),
            Some(size) if size >= minimal.len() => {
                let mut out = vec![filler; size - minimal.len()];
                out.extend_from_slice(minimal);
                Ok(out)
            }
            Some(size) => Err(CodecError::new(format!(
                "{unscaled} needs {} bytes, more than the fixed of {size}",
                minimal.len()
            ))),
        }
    }

    /// The unscaled value of two's-complement big-endian `bytes`.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<i128, CodecError> {
        let Some(&first) = bytes.first() else { return Ok(0) };
        let filler = if first & 0x80 == 0 { 0 } else { 0xff };
        let excess = bytes.len().saturating_sub(16);
        if bytes[..excess].iter().any(|&b| b != filler)
            || excess > 0 && (bytes[excess] & 0x80 == 0) != (filler == 0)
        {
            return Err(CodecError::new("decimal does not fit 128 bits"));
        }
        let mut full = [filler; 16];
        full[16 - (bytes.len() - excess)..].copy_from_slice(&bytes[excess..]);
        Ok(i128::from_be_bytes(full))
    }

    /// The text form of `unscaled` at this scale, as rust_decimal's `Deserialize` reads it.
    pub(crate) fn format(&self, unscaled: i128) -> String {
        let digits = unscaled.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + self.scale + 3);
        if unscaled < 0 {
            out.push('-');
        }
        if self.scale == 0 {
            out.push_str(&digits);
        } else if digits.len() > self.scale {
            let (whole, fraction) = digits.split_at(digits.len() - self.scale);
            out.push_str(whole);
            out.push('.');
            out.push_str(fraction);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', self.scale - digits.len()));
            out.push_str(&digits);
        }
        out
    }

    fn name(&self) -> String {
        format!("decimal({}, {})", self.precision, self.scale)
    }
}
