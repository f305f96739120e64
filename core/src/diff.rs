//! What changed from one schema to another, as `schemata diff` and the web UI's diff page show
//! it: JSON Schema's typed changes with their verdict under the policy, Protobuf's changes
//! (Confluent's kinds) with theirs, Avro's field-level changes, and the compatibility findings
//! in both directions. One place, so the two views cannot drift apart.

use crate::avro::{AvroChange, field_changes};
use crate::compat::{self, Finding, JsonPolicy};
use crate::json_schema::{self, Change};
use crate::protobuf;
use crate::schema::Schema;

/// The changes from A (old) to B (new) and the findings each way.
#[derive(Debug, Clone)]
pub struct SchemaDiff {
    /// JSON Schema's typed changes, each with whether it keeps BACKWARD compatibility under the
    /// policy; `None` for other schema types. Pointers into B.
    pub json_changes: Option<Vec<(Change, bool)>>,
    /// Protobuf's changes (messages, fields, enums, oneofs, reserved numbers added, removed or
    /// changed), each with whether it keeps BACKWARD compatibility (B reads data written with
    /// A); `None` for other schema types. Paths (`#/Order/3`) name elements of B, or of A for
    /// what was removed.
    pub protobuf_changes: Option<Vec<(protobuf::Change, bool)>>,
    /// Avro's field-level changes (empty for other schema types); descriptive only.
    pub avro_changes: Vec<AvroChange>,
    /// B reading data written with A; pointers into B.
    pub backward: Vec<Finding>,
    /// A reading data written with B; pointers into A.
    pub forward: Vec<Finding>,
}

impl SchemaDiff {
    /// Compares `a` (old) with `b` (new). The texts are the ones shown to the user, into which
    /// the Avro change pointers point (any text of the same schema: the pointers are structural).
    pub fn between(
        a: &Schema,
        a_text: &str,
        b: &Schema,
        b_text: &str,
        policy: JsonPolicy,
    ) -> SchemaDiff {
        let json_changes = match (a.as_json(), b.as_json()) {
            (Some(old), Some(new)) => Some(
                json_schema::diff_with_policy(old, new, policy)
                    .into_iter()
                    .map(|change| {
                        let compatible = json_schema::is_compatible(change.kind, policy);
                        (change, compatible)
                    })
                    .collect(),
            ),
            _ => None,
        };
        let protobuf_changes = match (a.as_protobuf(), b.as_protobuf()) {
            (Some(old), Some(new)) => Some(
                protobuf::diff(old, new)
                    .into_iter()
                    .map(|change| {
                        let compatible = protobuf::is_compatible(change.kind);
                        (change, compatible)
                    })
                    .collect(),
            ),
            _ => None,
        };
        let avro_changes = match (a.as_avro(), b.as_avro()) {
            (Some(_), Some(_)) => field_changes(a_text, b_text),
            _ => Vec::new(),
        };
        SchemaDiff {
            json_changes,
            protobuf_changes,
            avro_changes,
            backward: compat::can_read(b, a, policy),
            forward: compat::can_read(a, b, policy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SchemaType;

    /// Protobuf changes come with their BACKWARD verdicts, which agree with the findings.
    #[test]
    fn protobuf_changes_with_verdicts() {
        let parse = |text: &str| Schema::parse(SchemaType::Protobuf, text).unwrap();
        let a = "syntax = \"proto3\";\nmessage M {\n  string a = 1;\n  int32 b = 2;\n}\n";
        let b =
            "syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n  reserved 2;\n  bool c = 3;\n}\n";
        let diff = SchemaDiff::between(&parse(a), a, &parse(b), b, JsonPolicy::Strict);
        let changes: Vec<(&str, &str, bool)> = diff
            .protobuf_changes
            .as_ref()
            .unwrap()
            .iter()
            .map(|(change, compatible)| (change.kind.as_str(), change.path.as_str(), *compatible))
            .collect();
        assert_eq!(
            changes,
            [
                ("FIELD_SCALAR_KIND_CHANGED", "#/M/1", false),
                ("FIELD_REMOVED", "#/M/2", true),
                ("FIELD_ADDED", "#/M/3", true),
            ]
        );
        let rules: Vec<&str> = diff.backward.iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["FIELD_SCALAR_KIND_CHANGED"]);
        assert!(diff.json_changes.is_none() && diff.avro_changes.is_empty());
        let avro = parse_avro("\"string\"");
        assert!(
            SchemaDiff::between(&avro, "", &avro, "", JsonPolicy::Strict)
                .protobuf_changes
                .is_none()
        );
    }

    fn parse_avro(text: &str) -> Schema {
        Schema::parse(SchemaType::Avro, text).unwrap()
    }
}
