//! Compatibility checks with Confluent-style messages: a new schema against a subject's history
//! at a level, answered as the list of messages Confluent's registry writes.

use schemata_core::compat::{self, Direction};
use schemata_core::{Budget, CompatibilityLevel, JsonPolicy, Schema, SchemaId, Version};

use crate::error::ApiError;
use crate::shared::Shared;
use crate::state::RegistryState;

/// Longest old schema text quoted in an incompatibility message (Confluent's 10 KiB).
const MAX_OLD_SCHEMA_BYTES: usize = 10 * 1024;

/// Checks `new` against `against` (version, id; newest first) at `level`, and returns
/// Confluent-style messages: for each incompatible old version, one entry per finding, then
/// its version and text; at the end the level. Empty when compatible. The whole check runs within
/// one budget of `max_check_steps`; past it the answer is 42201 naming the limit, since a check
/// cut short could miss an incompatibility.
pub(crate) fn messages(
    shared: &Shared,
    state: &RegistryState,
    level: CompatibilityLevel,
    policy: JsonPolicy,
    new: &Schema,
    against: &[(Version, SchemaId)],
) -> Result<Vec<String>, ApiError> {
    let mut messages = Vec::new();
    if level == CompatibilityLevel::None {
        return Ok(messages);
    }
    let mut budget = Budget::new(shared.limits.max_check_steps);
    let against = if level.is_transitive() { against } else { &against[..against.len().min(1)] };
    for (version, id) in against {
        let old = match shared.cache.parsed(state, *id) {
            Ok(old) => old,
            Err(error) => {
                tracing::warn!(%id, %error, "stored schema does not parse; skipped in check");
                continue;
            }
        };
        let mut findings = Vec::new();
        for &direction in level.directions() {
            let (reader, writer) = match direction {
                Direction::Backward => (new, old.as_ref()),
                Direction::Forward => (old.as_ref(), new),
            };
            let found =
                compat::can_read_with_budget(reader, writer, policy, &mut budget).map_err(|e| {
                    ApiError::InvalidSchema(format!(
                        "Schema could not be checked for compatibility: {e}"
                    ))
                })?;
            findings.extend(found);
        }
        if findings.is_empty() {
            continue;
        }
        for finding in findings {
            messages.push(format!(
                "{{errorType:'{}', description:'{}', additionalInfo:'{}'}}",
                finding.rule, finding.message, finding.path
            ));
        }
        messages.push(format!("{{oldSchemaVersion: {version}}}"));
        // As Confluent: a huge old schema is cut so that the message stays readable.
        let text = old.text();
        if text.len() <= MAX_OLD_SCHEMA_BYTES {
            messages.push(format!("{{oldSchema: '{text}'}}"));
        } else {
            let mut cut = MAX_OLD_SCHEMA_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            messages.push(format!("{{oldSchema: <truncated> '{}...'}}", &text[..cut]));
        }
    }
    if !messages.is_empty() {
        messages.push(format!("{{compatibility: '{level}'}}"));
    }
    Ok(messages)
}
