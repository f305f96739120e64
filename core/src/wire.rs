//! The Confluent wire format: magic byte 0x00, the schema id as a 4-byte big-endian integer, then
//! the Avro binary datum or JSON text. Room is kept for the Protobuf message-index array that
//! follows the id, and for the 0x01 form that carries a 16-byte schema GUID instead of an id.
//! Decoding never panics: every malformed input is a typed error.

use crate::ids::SchemaId;

/// Magic byte of the classic id-framed format.
pub const MAGIC_ID: u8 = 0x00;
/// Magic byte of the GUID-framed format (schema identified by a 16-byte GUID).
pub const MAGIC_GUID: u8 = 0x01;
/// Length of the header of an id-framed record.
pub const ID_HEADER_LEN: usize = 5;
/// Length of the header of a GUID-framed record.
pub const GUID_HEADER_LEN: usize = 17;
/// Longest message-index array we accept: a bound against hostile input, far above real nesting.
pub const MAX_MESSAGE_INDEXES: usize = 64;

/// How a framed record names its writer schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaRef {
    Id(SchemaId),
    Guid([u8; 16]),
}

/// A decoded frame: the writer schema reference and the undecoded payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    pub schema: SchemaRef,
    pub payload: &'a [u8],
}

/// Why bytes are not a valid frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    #[error("record is empty: expected a magic byte")]
    Empty,
    #[error("unknown magic byte 0x{0:02x}: not a schema-registry framed record")]
    UnknownMagic(u8),
    #[error("record is truncated: the header needs {needed} bytes but only {got} are present")]
    Truncated { needed: usize, got: usize },
    #[error("schema id {0} is out of range (ids are 1..=2147483647)")]
    InvalidId(u32),
    #[error("message index array is malformed: {0}")]
    BadMessageIndexes(&'static str),
}

/// Appends the 5-byte header for `id` to `out`.
pub fn write_header(id: SchemaId, out: &mut Vec<u8>) {
    out.push(MAGIC_ID);
    out.extend_from_slice(&id.0.to_be_bytes());
}

/// Appends a complete id-framed record to `out`.
pub fn encode(id: SchemaId, payload: &[u8], out: &mut Vec<u8>) {
    out.reserve(ID_HEADER_LEN + payload.len());
    write_header(id, out);
    out.extend_from_slice(payload);
}

/// Splits a framed record into its schema reference and payload.
pub fn decode(bytes: &[u8]) -> Result<Frame<'_>, WireError> {
    let (&magic, _) = bytes.split_first().ok_or(WireError::Empty)?;
    match magic {
        MAGIC_ID => {
            let header = bytes
                .get(..ID_HEADER_LEN)
                .ok_or(WireError::Truncated { needed: ID_HEADER_LEN, got: bytes.len() })?;
            let raw = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
            let id = SchemaId::new(i64::from(raw)).ok_or(WireError::InvalidId(raw))?;
            Ok(Frame { schema: SchemaRef::Id(id), payload: &bytes[ID_HEADER_LEN..] })
        }
        MAGIC_GUID => {
            let header = bytes
                .get(..GUID_HEADER_LEN)
                .ok_or(WireError::Truncated { needed: GUID_HEADER_LEN, got: bytes.len() })?;
            let mut guid = [0u8; 16];
            guid.copy_from_slice(&header[1..]);
            Ok(Frame { schema: SchemaRef::Guid(guid), payload: &bytes[GUID_HEADER_LEN..] })
        }
        other => Err(WireError::UnknownMagic(other)),
    }
}

/// Appends a Protobuf message-index array (zig-zag varints: count, then indexes). The common
/// `[0]` is written as the single byte 0x00, as Confluent does.
pub fn write_message_indexes(indexes: &[i32], out: &mut Vec<u8>) {
    if indexes == [0] {
        out.push(0);
        return;
    }
    write_zigzag(indexes.len() as i64, out);
    for &index in indexes {
        write_zigzag(i64::from(index), out);
    }
}

/// Reads a Protobuf message-index array from the start of a payload; returns the indexes and the
/// rest of the payload. An empty array (the single byte 0x00) means `[0]`.
pub fn read_message_indexes(payload: &[u8]) -> Result<(Vec<i32>, &[u8]), WireError> {
    let (count, mut rest) = read_zigzag(payload)?;
    if count == 0 {
        return Ok((vec![0], rest));
    }
    let count = usize::try_from(count)
        .ok()
        .filter(|&n| n <= MAX_MESSAGE_INDEXES)
        .ok_or(WireError::BadMessageIndexes("count is negative or too large"))?;
    let mut indexes = Vec::with_capacity(count);
    for _ in 0..count {
        let (index, tail) = read_zigzag(rest)?;
        let index = i32::try_from(index)
            .map_err(|_| WireError::BadMessageIndexes("index overflows i32"))?;
        indexes.push(index);
        rest = tail;
    }
    Ok((indexes, rest))
}

/// Splits a payload into its message-index array, as written, and the rest, checking the array
/// as [`read_message_indexes`] does but without allocating: the deserializers' hot path compares
/// these bytes with ones already checked.
pub fn split_message_indexes(payload: &[u8]) -> Result<(&[u8], &[u8]), WireError> {
    let (count, mut rest) = read_zigzag(payload)?;
    if count != 0 {
        let count = usize::try_from(count)
            .ok()
            .filter(|&n| n <= MAX_MESSAGE_INDEXES)
            .ok_or(WireError::BadMessageIndexes("count is negative or too large"))?;
        for _ in 0..count {
            let (index, tail) = read_zigzag(rest)?;
            i32::try_from(index)
                .map_err(|_| WireError::BadMessageIndexes("index overflows i32"))?;
            rest = tail;
        }
    }
    let used = payload.len() - rest.len();
    Ok((&payload[..used], rest))
}

fn write_zigzag(value: i64, out: &mut Vec<u8>) {
    let mut n = ((value << 1) ^ (value >> 63)) as u64;
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn read_zigzag(bytes: &[u8]) -> Result<(i64, &[u8]), WireError> {
    let mut n: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        n |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let value = ((n >> 1) as i64) ^ -((n & 1) as i64);
            return Ok((value, &bytes[i + 1..]));
        }
    }
    Err(WireError::BadMessageIndexes("varint is truncated or longer than 10 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_decode(bytes: &[u8], expected: Result<(SchemaRef, &[u8]), WireError>) {
        let got = decode(bytes).map(|frame| (frame.schema, frame.payload));
        assert_eq!(got, expected, "decoding {bytes:02x?}");
    }

    #[test]
    fn decode_cases() {
        let id = |n| SchemaRef::Id(SchemaId(n));
        check_decode(&[], Err(WireError::Empty));
        check_decode(&[0], Err(WireError::Truncated { needed: 5, got: 1 }));
        check_decode(&[0, 0, 0, 1], Err(WireError::Truncated { needed: 5, got: 4 }));
        check_decode(&[0, 0, 0, 0, 1], Ok((id(1), &[])));
        check_decode(&[0, 0, 0, 1, 0, 9, 9], Ok((id(256), &[9, 9])));
        check_decode(&[0, 0x7f, 0xff, 0xff, 0xff], Ok((id(i32::MAX as u32), &[])));
        check_decode(&[0, 0, 0, 0, 0], Err(WireError::InvalidId(0)));
        check_decode(&[0, 0x80, 0, 0, 0], Err(WireError::InvalidId(0x8000_0000)));
        check_decode(&[2, 0, 0, 0, 1], Err(WireError::UnknownMagic(2)));
        check_decode(b"{}", Err(WireError::UnknownMagic(b'{')));
        check_decode(&[1; 10], Err(WireError::Truncated { needed: 17, got: 10 }));
        check_decode(
            &[&[1u8][..], &[7; 16], &[42]].concat(),
            Ok((SchemaRef::Guid([7; 16]), &[42])),
        );
    }

    #[test]
    fn message_index_cases() {
        let cases: &[(&[i32], &[u8])] =
            &[(&[0], &[0]), (&[1], &[2, 2]), (&[0, 2], &[4, 0, 4]), (&[-1], &[2, 1])];
        for &(indexes, bytes) in cases {
            let mut out = Vec::new();
            write_message_indexes(indexes, &mut out);
            assert_eq!(out, bytes, "{indexes:?}");
            assert_eq!(read_message_indexes(bytes).unwrap(), (indexes.to_vec(), &[][..]));
        }
        assert!(read_message_indexes(&[]).is_err());
        assert!(read_message_indexes(&[0x80; 11]).is_err());
        assert!(read_message_indexes(&[200, 1]).is_err(), "count 100 exceeds the bound");
    }

    proptest! {
        #[test]
        fn id_frames_round_trip(raw in 1u32..=SchemaId::MAX, payload in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut out = Vec::new();
            encode(SchemaId(raw), &payload, &mut out);
            let frame = decode(&out).unwrap();
            prop_assert_eq!(frame.schema, SchemaRef::Id(SchemaId(raw)));
            prop_assert_eq!(frame.payload, &payload[..]);
        }

        #[test]
        fn message_indexes_round_trip(indexes in proptest::collection::vec(any::<i32>(), 1..8), tail in proptest::collection::vec(any::<u8>(), 0..8)) {
            let mut out = Vec::new();
            write_message_indexes(&indexes, &mut out);
            out.extend_from_slice(&tail);
            let (got, rest) = read_message_indexes(&out).unwrap();
            prop_assert_eq!(got, indexes);
            prop_assert_eq!(rest, &tail[..]);
            let (raw, rest) = split_message_indexes(&out).unwrap();
            prop_assert_eq!(raw, &out[..out.len() - tail.len()]);
            prop_assert_eq!(rest, &tail[..]);
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..32)) {
            let _ = decode(&bytes);
            // Both readers agree on every input: same verdict, same rest.
            let read = read_message_indexes(&bytes).map(|(_, rest)| rest);
            let split = split_message_indexes(&bytes).map(|(_, rest)| rest);
            prop_assert_eq!(read, split);
        }
    }
}
