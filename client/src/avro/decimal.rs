//! Avro's decimal logical type against the forms serde hands over: text (rust_decimal) and
//! u128/i128 (integers annotated as decimal). Values travel as the unscaled number at the
//! schema's scale in big-endian two's complement (minimal for `bytes`, sign-extended to the size
//! for `fixed`). Values that do not fit the precision or scale are typed errors, never rounded.

use super::CodecError;

/// The decimal logical type at a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    pub(crate) precision: usize,
    pub(crate) scale: usize,
    /// `Some(size)` for a decimal on `fixed`.
    pub(crate) fixed: Option<usize>,
}

/// An unscaled value as sign and magnitude: u128's whole range must fit (`u128::MAX` needs 17
/// bytes of two's complement), which i128 cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unscaled {
    pub(crate) negative: bool,
    pub(crate) magnitude: u128,
}

/// Bytes of two's complement that hold every `Unscaled`.
const WIDTH: usize = 17;

impl Unscaled {
    pub(crate) fn from_i128(value: i128) -> Unscaled {
        Unscaled { negative: value < 0, magnitude: value.unsigned_abs() }
    }

    pub(crate) fn to_i128(self) -> Option<i128> {
        if self.negative {
            0i128.checked_sub_unsigned(self.magnitude)
        } else {
            i128::try_from(self.magnitude).ok()
        }
    }

    pub(crate) fn to_u128(self) -> Option<u128> {
        (!self.negative || self.magnitude == 0).then_some(self.magnitude)
    }
}

impl Decimal {
    /// The unscaled value `text` stands for.
    pub(crate) fn parse(&self, text: &str) -> Result<Unscaled, CodecError> {
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
        let mut magnitude: u128 = 0;
        let mut significant = 0;
        for &digit in whole.iter().chain(kept).chain(std::iter::repeat_n(&b'0', padding)) {
            if magnitude == 0 && digit == b'0' {
                continue;
            }
            significant += 1;
            if significant > self.precision {
                return Err(bad("more digits than the precision"));
            }
            magnitude = magnitude
                .checked_mul(10)
                .and_then(|m| m.checked_add(u128::from(digit - b'0')))
                .ok_or_else(|| bad("does not fit 128 bits"))?;
        }
        Ok(Unscaled { negative, magnitude })
    }

    /// The unscaled value of the integer `value` (scaled up by the schema's scale).
    pub(crate) fn integer(&self, value: Unscaled) -> Result<Unscaled, CodecError> {
        let too_wide = || {
            let sign = if value.negative { "-" } else { "" };
            CodecError::new(format!("{sign}{} does not fit {}", value.magnitude, self.name()))
        };
        let mut magnitude = value.magnitude;
        for _ in 0..self.scale {
            magnitude = magnitude.checked_mul(10).ok_or_else(too_wide)?;
        }
        let digits = if magnitude == 0 { 0 } else { magnitude.ilog10() as usize + 1 };
        if digits > self.precision {
            return Err(too_wide());
        }
        Ok(Unscaled { negative: value.negative, magnitude })
    }

    /// The integer an unscaled value stands for, if it has no fraction.
    pub(crate) fn whole(&self, value: Unscaled) -> Result<Unscaled, CodecError> {
        let mut magnitude = value.magnitude;
        for _ in 0..self.scale {
            if !magnitude.is_multiple_of(10) {
                return Err(CodecError::new(format!(
                    "{} has a fraction; an integer cannot hold it",
                    self.format(value)
                )));
            }
            magnitude /= 10;
        }
        Ok(Unscaled { negative: value.negative, magnitude })
    }

    /// The wire form of `value` (without the length prefix of `bytes`).
    pub(crate) fn wire(&self, value: Unscaled) -> Result<Vec<u8>, CodecError> {
        let mut full = [0u8; WIDTH];
        full[1..].copy_from_slice(&value.magnitude.to_be_bytes());
        if value.negative && value.magnitude != 0 {
            negate(&mut full);
        }
        let filler = if full[0] & 0x80 == 0 { 0 } else { 0xff };
        // Drop leading bytes that only repeat the sign.
        let mut start = 0;
        while start + 1 < WIDTH
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
                "{} needs {} bytes, more than the fixed of {size}",
                self.format(value),
                minimal.len()
            ))),
        }
    }

    /// The unscaled value of two's-complement big-endian `bytes`.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Unscaled, CodecError> {
        let too_wide = || CodecError::new("decimal does not fit 128 bits");
        let Some(&first) = bytes.first() else {
            return Ok(Unscaled { negative: false, magnitude: 0 });
        };
        let negative = first & 0x80 != 0;
        let filler = if negative { 0xff } else { 0 };
        let excess = bytes.len().saturating_sub(WIDTH);
        if bytes[..excess].iter().any(|&b| b != filler)
            || excess > 0 && (bytes[excess] & 0x80 != 0) != negative
        {
            return Err(too_wide());
        }
        let mut full = [filler; WIDTH];
        full[WIDTH - (bytes.len() - excess)..].copy_from_slice(&bytes[excess..]);
        if negative {
            negate(&mut full);
        }
        // Only -2^128 leaves a carry in the top byte.
        if full[0] != 0 {
            return Err(too_wide());
        }
        let mut low = [0u8; 16];
        low.copy_from_slice(&full[1..]);
        Ok(Unscaled { negative, magnitude: u128::from_be_bytes(low) })
    }

    /// The text form of `value` at this scale, as rust_decimal's `Deserialize` reads it.
    pub(crate) fn format(&self, value: Unscaled) -> String {
        let digits = value.magnitude.to_string();
        let mut out = String::with_capacity(digits.len() + self.scale + 3);
        if value.negative && value.magnitude != 0 {
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

/// Two's-complement negation in place (invert, add one).
fn negate(bytes: &mut [u8; WIDTH]) {
    let mut carry = true;
    for byte in bytes.iter_mut().rev() {
        let (sum, overflow) = (!*byte).overflowing_add(u8::from(carry));
        *byte = sum;
        carry = overflow;
    }
}
