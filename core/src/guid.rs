//! Schema GUIDs as Confluent 8 computes them, so the same schema has the same GUID in schemata and
//! in Confluent's registry, and records framed with a GUID (magic byte 0x01, or a
//! `__value_schema_id` header) decode after a migration either way.
//!
//! The recipe: MD5 over the schema text as stored (UTF-8), then each reference's name, subject
//! and version (a 4-byte big-endian integer), then, when present, a 0x01 byte and the metadata
//! (tags by key with their values, properties, sensitive names: each in sorted order), then,
//! when present, a 0x01 byte and the rule set (migration, domain then encoding rules, each rule's
//! name, doc, kind, mode, type, sorted tags, sorted params, expr, onSuccess, onFailure and a 0x01
//! byte if disabled). The 16 digest bytes are the UUID's bytes, printed 8-4-4-4-12 in lowercase
//! hex. Absent strings contribute nothing, as in Confluent, so the recipe is not injective; it
//! does not need to be, it needs to agree.

use std::fmt;
use std::str::FromStr;

use md5::{Digest, Md5};
use serde_json::Value;

use crate::schema::SchemaReference;

/// A schema's GUID: 16 bytes, shown as a lowercase hyphenated UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid(pub [u8; 16]);

/// Why a text is not a GUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a schema GUID (expected 32 hex digits as 8-4-4-4-12): {0:?}")]
pub struct GuidParseError(pub String);

impl Guid {
    /// The GUID of a schema with no metadata and no rule set.
    pub fn of(text: &str, references: &[SchemaReference]) -> Guid {
        Guid::with_contract(text, references, None, None)
    }

    /// The GUID of a schema with its data contract: `metadata` and `rule_set` in the JSON shape
    /// of the REST bodies (`{"tags":{..},"properties":{..},"sensitive":[..]}`,
    /// `{"migrationRules":[..],"domainRules":[..],"encodingRules":[..]}`). `None` (or JSON
    /// `null`) is absent, which hashes differently from an empty object, as in Confluent.
    pub fn with_contract(
        text: &str,
        references: &[SchemaReference],
        metadata: Option<&Value>,
        rule_set: Option<&Value>,
    ) -> Guid {
        let mut md = Md5::new();
        md.update(text.as_bytes());
        for reference in references {
            md.update(reference.name.as_bytes());
            md.update(reference.subject.as_bytes());
            md.update(reference.version.to_be_bytes());
        }
        if let Some(metadata) = metadata.filter(|m| !m.is_null()) {
            md.update([1]);
            hash_metadata(&mut md, metadata);
        }
        if let Some(rule_set) = rule_set.filter(|r| !r.is_null()) {
            md.update([1]);
            for list in ["migrationRules", "domainRules", "encodingRules"] {
                for rule in rule_set.get(list).and_then(Value::as_array).into_iter().flatten() {
                    hash_rule(&mut md, rule);
                }
            }
        }
        Guid(md.finalize().into())
    }

    /// The 16 bytes, as framed after the 0x01 magic byte.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

/// Strings of a JSON object member that is an array of strings, sorted (Java's sorted sets).
fn sorted_strings(value: Option<&Value>) -> Vec<&str> {
    let mut strings: Vec<&str> =
        value.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    strings.sort_unstable();
    strings.dedup();
    strings
}

/// (key, value) pairs of a JSON object of strings, sorted by key (Java's sorted maps; serde_json
/// keeps insertion order here, so the order is made explicit).
fn sorted_pairs(value: Option<&Value>) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = value
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
        .collect();
    pairs.sort_unstable();
    pairs
}

fn hash_metadata(md: &mut Md5, metadata: &Value) {
    let mut tags: Vec<(&str, Vec<&str>)> = metadata
        .get("tags")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), sorted_strings(Some(v))))
        .collect();
    tags.sort_unstable();
    for (key, values) in tags {
        md.update(key.as_bytes());
        for value in values {
            md.update(value.as_bytes());
        }
    }
    for (key, value) in sorted_pairs(metadata.get("properties")) {
        md.update(key.as_bytes());
        md.update(value.as_bytes());
    }
    for name in sorted_strings(metadata.get("sensitive")) {
        md.update(name.as_bytes());
    }
}

fn hash_rule(md: &mut Md5, rule: &Value) {
    let text = |name: &str| rule.get(name).and_then(Value::as_str);
    // Confluent fills in the defaults of kind and mode before hashing.
    let kind = text("kind").unwrap_or("TRANSFORM");
    let mode = text("mode").unwrap_or("WRITEREAD");
    for part in
        [text("name"), text("doc"), Some(kind), Some(mode), text("type")].into_iter().flatten()
    {
        md.update(part.as_bytes());
    }
    for tag in sorted_strings(rule.get("tags")) {
        md.update(tag.as_bytes());
    }
    for (key, value) in sorted_pairs(rule.get("params")) {
        md.update(key.as_bytes());
        md.update(value.as_bytes());
    }
    for part in [text("expr"), text("onSuccess"), text("onFailure")].into_iter().flatten() {
        md.update(part.as_bytes());
    }
    if rule.get("disabled").and_then(Value::as_bool) == Some(true) {
        md.update([1]);
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl FromStr for Guid {
    type Err = GuidParseError;

    /// The hyphenated form, either case (Java's `UUID.fromString` also takes upper case).
    fn from_str(text: &str) -> Result<Guid, GuidParseError> {
        let error = || GuidParseError(text.chars().take(64).collect());
        let bytes = text.as_bytes();
        if bytes.len() != 36 || [8, 13, 18, 23].iter().any(|&i| bytes[i] != b'-') {
            return Err(error());
        }
        // Digits one by one: `u8::from_str_radix` would also take a sign.
        let digits: Vec<u8> = bytes
            .iter()
            .filter(|&&b| b != b'-')
            .map(|&b| (b as char).to_digit(16).map(|d| d as u8))
            .collect::<Option<_>>()
            .ok_or_else(error)?;
        if digits.len() != 32 {
            return Err(error());
        }
        let mut out = [0u8; 16];
        for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            *byte = pair[0] << 4 | pair[1];
        }
        Ok(Guid(out))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn reference(name: &str, subject: &str, version: i32) -> SchemaReference {
        SchemaReference { name: name.into(), subject: subject.into(), version }
    }

    /// The expected GUIDs are MD5 digests computed independently of this module (Python's
    /// `hashlib.md5` over the bytes the recipe names), so a change to the recipe shows here.
    #[test]
    fn guids_follow_the_recipe() {
        let check = |guid: Guid, expected: &str| assert_eq!(guid.to_string(), expected);
        check(Guid::of("\"string\"", &[]), "095d71cf-1255-6b9d-5e33-0ad575b3df5d");
        check(
            Guid::of("{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}", &[]),
            "74eac7ad-f8e9-b2da-013c-1887a2f89163",
        );
        check(
            Guid::of("\"A\"", &[reference("A", "a-value", 1)]),
            "d8c50479-bc69-b21c-89ef-34cbf70a3824",
        );
        check(
            Guid::with_contract("\"string\"", &[], Some(&json!({})), None),
            "cecc02e2-232b-87f1-1b0c-aa0e70dbb74d",
        );
        check(
            Guid::with_contract(
                "\"string\"",
                &[],
                Some(
                    &json!({"properties": {"owner": "a", "app": "b"}, "tags": {"f": ["y", "x"]}, "sensitive": ["s"]}),
                ),
                Some(
                    &json!({"domainRules": [{"name": "r", "type": "CEL", "expr": "true", "disabled": true}]}),
                ),
            ),
            "32aafe8b-17ab-490e-c327-8f0a921cffca",
        );
        // Absent and null are the same; an empty contract is not absent.
        assert_eq!(
            Guid::with_contract("\"string\"", &[], Some(&Value::Null), Some(&Value::Null)),
            Guid::of("\"string\"", &[])
        );
        assert_ne!(
            Guid::with_contract("\"string\"", &[], Some(&json!({})), None),
            Guid::of("\"string\"", &[])
        );
    }

    #[test]
    fn guid_text_round_trips_and_bad_text_is_refused() {
        let guid = Guid::of("\"int\"", &[]);
        assert_eq!(guid.to_string().parse::<Guid>(), Ok(guid));
        assert_eq!(guid.to_string().to_uppercase().parse::<Guid>(), Ok(guid));
        for bad in [
            "",
            "not-a-guid",
            "00000000000000000000000000000000",
            "0000000-00000-0000-0000-000000000000",
            "0000000g-0000-0000-0000-000000000000",
            "00000000-0000-0000-0000-0000000000000",
            "+0000000-0000-0000-0000-000000000000",
            "é0000000-0000-0000-0000-00000000000",
        ] {
            assert!(bad.parse::<Guid>().is_err(), "{bad:?}");
        }
    }
}
