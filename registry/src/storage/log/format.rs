//! On-disk encoding of the embedded log (file header, frames, entries) and the replay scanner that
//! tells a torn tail, which is truncated, from corruption, which is an error.
//!
//! The layout is described in the parent module's documentation; this file is the single place
//! that reads or writes it.

use super::LogEntry;

/// First bytes of every log file: says "this is a schemata log" before anything is parsed.
pub(super) const FILE_MAGIC: [u8; 8] = *b"SCHMLOG\0";
/// Bumped on any incompatible change of the layout below; an unknown version is refused.
pub(super) const FORMAT_VERSION: u32 = 1;
/// Magic plus little-endian version.
pub(super) const FILE_HEADER_BYTES: usize = 12;
/// `payload_len: u32`, `payload_crc: u32`, `header_crc: u32`, all little-endian.
pub(super) const FRAME_HEADER_BYTES: usize = 12;
/// The entry count that opens every payload.
pub(super) const COUNT_BYTES: usize = 4;

const TAG_TOMBSTONE: u8 = 0;
const TAG_VALUE: u8 = 1;

/// The file header written once, when the log file is created.
pub(super) fn file_header() -> [u8; FILE_HEADER_BYTES] {
    let mut header = [0u8; FILE_HEADER_BYTES];
    header[..8].copy_from_slice(&FILE_MAGIC);
    header[8..].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    header
}

/// Bytes one entry takes inside a payload.
pub(super) fn entry_encoded_bytes(entry: &LogEntry) -> usize {
    4 + entry.key.len() + 1 + entry.value.as_ref().map_or(0, |value| 4 + value.len())
}

/// Appends the encoding of `entry` to `out`. The caller has checked that key and value lengths
/// fit in a `u32` (they are bounded by `max_entry_bytes`, which is itself bounded).
pub(super) fn encode_entry(out: &mut Vec<u8>, entry: &LogEntry) {
    out.extend_from_slice(&len_u32(entry.key.len()).to_le_bytes());
    out.extend_from_slice(&entry.key);
    match &entry.value {
        None => out.push(TAG_TOMBSTONE),
        Some(value) => {
            out.push(TAG_VALUE);
            out.extend_from_slice(&len_u32(value.len()).to_le_bytes());
            out.extend_from_slice(value);
        }
    }
}

/// Lengths are checked against limits far below `u32::MAX` before encoding; saturating keeps this
/// total without a panic path, and a saturated length could only produce a frame that fails its
/// own checksum-protected structure check on replay, never a silent misread.
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// A buffer that becomes one frame: room for the frame header and the entry count is reserved at
/// the front so entries can be appended in place and the header filled in last, without copying.
pub(super) fn new_frame_buffer() -> Vec<u8> {
    vec![0u8; FRAME_HEADER_BYTES + COUNT_BYTES]
}

/// Fills in the header and entry count of a buffer made by [`new_frame_buffer`].
pub(super) fn seal_frame(buf: &mut [u8], count: u32) {
    buf[FRAME_HEADER_BYTES..FRAME_HEADER_BYTES + COUNT_BYTES].copy_from_slice(&count.to_le_bytes());
    let payload_len = len_u32(buf.len() - FRAME_HEADER_BYTES);
    let payload_crc = crc32fast::hash(&buf[FRAME_HEADER_BYTES..]);
    buf[0..4].copy_from_slice(&payload_len.to_le_bytes());
    buf[4..8].copy_from_slice(&payload_crc.to_le_bytes());
    let header_crc = crc32fast::hash(&buf[0..8]);
    buf[8..12].copy_from_slice(&header_crc.to_le_bytes());
}

/// What the bytes at one offset are, judged without looking at anything after them.
enum FrameCheck<'a> {
    /// A complete frame whose header and payload checksums hold.
    Valid { payload: &'a [u8], end: usize },
    /// The header or the payload runs past the end of the data: what a crash mid-write leaves.
    Incomplete { reason: &'static str },
    /// The header checksum fails, so the length cannot be trusted and the frame's extent is unknown.
    BadHeader,
    /// The header holds but the payload checksum fails; the frame ends at `end`.
    BadPayload { end: usize },
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let field = bytes.get(at..at.checked_add(4)?)?;
    let mut array = [0u8; 4];
    array.copy_from_slice(field);
    Some(u32::from_le_bytes(array))
}

fn check_frame(bytes: &[u8], at: usize) -> FrameCheck<'_> {
    let Some(header) = bytes.get(at..at + FRAME_HEADER_BYTES) else {
        return FrameCheck::Incomplete { reason: "frame header is incomplete" };
    };
    let (Some(payload_len), Some(payload_crc), Some(header_crc)) =
        (read_u32(header, 0), read_u32(header, 4), read_u32(header, 8))
    else {
        return FrameCheck::Incomplete { reason: "frame header is incomplete" };
    };
    if crc32fast::hash(&header[0..8]) != header_crc {
        return FrameCheck::BadHeader;
    }
    let start = at + FRAME_HEADER_BYTES;
    let Some(end) = usize::try_from(payload_len).ok().and_then(|len| start.checked_add(len)) else {
        return FrameCheck::Incomplete { reason: "frame payload is incomplete" };
    };
    let Some(payload) = bytes.get(start..end) else {
        return FrameCheck::Incomplete { reason: "frame payload is incomplete" };
    };
    if crc32fast::hash(payload) != payload_crc {
        return FrameCheck::BadPayload { end };
    }
    FrameCheck::Valid { payload, end }
}

/// The first offset at or after `from` where a complete, checksum-valid frame starts. Used only
/// after a frame with a bad header, whose length cannot be trusted: if any valid frame follows,
/// the bad one is in the middle of the log and must not be truncated away.
fn find_valid_frame(bytes: &[u8], from: usize) -> Option<usize> {
    (from..bytes.len()).find(|&at| matches!(check_frame(bytes, at), FrameCheck::Valid { .. }))
}

/// Decodes the entries of a checksum-valid payload. A structural error here is corruption (or a
/// writer bug), never a torn write, because the checksum matched.
fn decode_payload(payload: &[u8], out: &mut Vec<LogEntry>) -> Result<u32, String> {
    let mut reader = Reader { bytes: payload, at: 0 };
    let count = reader.u32("entry count")?;
    for index in 0..count {
        let key_len = reader.u32("key length")?;
        let key = reader.take(key_len, "key")?.to_vec();
        let value = match reader.u8("value tag")? {
            TAG_TOMBSTONE => None,
            TAG_VALUE => {
                let value_len = reader.u32("value length")?;
                Some(reader.take(value_len, "value")?.to_vec())
            }
            tag => return Err(format!("entry {index} has unknown value tag {tag}")),
        };
        out.push(LogEntry { key, value });
    }
    if reader.at != payload.len() {
        return Err(format!(
            "payload has {} bytes after its {count} entries",
            payload.len() - reader.at
        ));
    }
    Ok(count)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: u32, what: &str) -> Result<&'a [u8], String> {
        let len = usize::try_from(len).map_err(|_| format!("{what} length overflows"))?;
        let end = self.at.checked_add(len).ok_or_else(|| format!("{what} length overflows"))?;
        let slice =
            self.bytes.get(self.at..end).ok_or_else(|| format!("{what} runs past the payload"))?;
        self.at = end;
        Ok(slice)
    }

    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let value =
            read_u32(self.bytes, self.at).ok_or_else(|| format!("{what} runs past the payload"))?;
        self.at += 4;
        Ok(value)
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        let value =
            *self.bytes.get(self.at).ok_or_else(|| format!("{what} runs past the payload"))?;
        self.at += 1;
        Ok(value)
    }
}

/// The result of reading a log file's bytes.
#[derive(Debug)]
pub(super) struct Replay {
    pub(super) entries: Vec<LogEntry>,
    pub(super) frames: u64,
    /// Length of the valid prefix; the file is truncated to it when `torn` is set.
    pub(super) valid_len: u64,
    pub(super) torn: Option<TornTail>,
}

/// A torn last frame, as a crash in the middle of a write leaves it.
#[derive(Debug)]
pub(super) struct TornTail {
    pub(super) offset: u64,
    pub(super) reason: &'static str,
}

/// Corruption found while reading: a bad frame with valid data after it, a bad file header, or a
/// checksum-valid payload that does not decode.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Corruption {
    pub(super) offset: u64,
    pub(super) reason: String,
}

fn offset(at: usize) -> u64 {
    u64::try_from(at).unwrap_or(u64::MAX)
}

/// Checks the file header, then replays every frame after it.
pub(super) fn replay_file(bytes: &[u8]) -> Result<Replay, Corruption> {
    let Some(header) = bytes.get(..FILE_HEADER_BYTES) else {
        return Err(Corruption {
            offset: 0,
            reason: format!(
                "file is {} bytes, shorter than its {FILE_HEADER_BYTES}-byte header",
                bytes.len()
            ),
        });
    };
    if header[..8] != FILE_MAGIC {
        return Err(Corruption { offset: 0, reason: "bad magic: not a schemata log file".into() });
    }
    let version = read_u32(header, 8).unwrap_or(0);
    if version != FORMAT_VERSION {
        return Err(Corruption {
            offset: 8,
            reason: format!(
                "unsupported format version {version} (this build reads {FORMAT_VERSION})"
            ),
        });
    }
    replay_frames(bytes, FILE_HEADER_BYTES)
}

/// Replays the frames in `bytes[start..]`.
///
/// The rule that keeps acknowledged data safe: one append (or one group of appends sharing an
/// fsync) is one frame, written only after every earlier frame was fsync'd. So a crash can damage
/// only the last frame, and a bad frame is a torn tail exactly when nothing valid follows it:
/// - a header or payload that runs past the end is torn (nothing can follow it);
/// - a frame whose header holds but whose payload checksum fails is torn only if it ends the file;
///   bytes after it mean it was once complete and fsync'd, so it is corrupt;
/// - a frame whose header checksum fails has an unknown extent, so every later offset is tried:
///   any valid frame after it makes it corruption, otherwise it is torn. (Opaque values that
///   happen to contain a whole valid frame could make a torn tail look corrupt: the error is then
///   on the safe side, a refusal to start rather than a silent truncation.)
pub(super) fn replay_frames(bytes: &[u8], start: usize) -> Result<Replay, Corruption> {
    let mut entries = Vec::new();
    let mut frames = 0u64;
    let mut at = start;
    let mut torn = None;
    while at < bytes.len() {
        match check_frame(bytes, at) {
            FrameCheck::Valid { payload, end } => {
                decode_payload(payload, &mut entries)
                    .map_err(|reason| Corruption { offset: offset(at), reason })?;
                frames += 1;
                at = end;
            }
            FrameCheck::Incomplete { reason } => {
                torn = Some(TornTail { offset: offset(at), reason });
                break;
            }
            FrameCheck::BadPayload { end } => {
                if end == bytes.len() {
                    torn = Some(TornTail {
                        offset: offset(at),
                        reason: "last frame's payload checksum does not match",
                    });
                    break;
                }
                return Err(Corruption {
                    offset: offset(at),
                    reason: format!(
                        "frame payload checksum does not match and {} bytes follow the frame",
                        bytes.len() - end
                    ),
                });
            }
            FrameCheck::BadHeader => {
                if let Some(next) = find_valid_frame(bytes, at + 1) {
                    return Err(Corruption {
                        offset: offset(at),
                        reason: format!(
                            "frame header checksum does not match and a valid frame follows at \
                             offset {next}"
                        ),
                    });
                }
                torn = Some(TornTail {
                    offset: offset(at),
                    reason: "last frame's header checksum does not match",
                });
                break;
            }
        }
    }
    Ok(Replay { entries, frames, valid_len: offset(at), torn })
}
