//! What changed from one schema to another, as `schemata diff` and the web UI's diff page show
//! it: JSON Schema's typed changes with their verdict under the policy, Avro's field-level
//! changes, and the compatibility findings in both directions. One place, so the two views
//! cannot drift apart.

use crate::avro::{AvroChange, field_changes};
use crate::compat::{self, Finding, JsonPolicy};
use crate::json_schema::{self, Change};
use crate::schema::Schema;

/// The changes from A (old) to B (new) and the findings each way.
#[derive(Debug, Clone)]
pub struct SchemaDiff {
    /// JSON Schema's typed changes, each with whether it keeps BACKWARD compatibility under the
    /// policy; `None` for other schema types. Pointers into B.
    pub json_changes: Option<Vec<(Change, bool)>>,
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
        let avro_changes = match (a.as_avro(), b.as_avro()) {
            (Some(_), Some(_)) => field_changes(a_text, b_text),
            _ => Vec::new(),
        };
        SchemaDiff {
            json_changes,
            avro_changes,
            backward: compat::can_read(b, a, policy),
            forward: compat::can_read(a, b, policy),
        }
    }
}
