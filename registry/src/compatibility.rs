//! A compatibility check against a subject's history, answered with Confluent's messages. The
//! rule (which versions a level names, both directions, the wording) is core's
//! (`compat::check_with_budget`, `Report::confluent_messages`); this module only gathers the
//! parsed history from the state and bounds the work by `Limits::max_check_steps`.

use std::sync::Arc;

use schemata_core::compat;
use schemata_core::{Budget, CompatibilityLevel, JsonPolicy, Schema, Version};

use crate::error::ApiError;
use crate::parse_cache::ParseCache;
use crate::state::{RegistryState, Sid};

/// Checks `new` against `against` (version, id; newest first) at `level`, and returns
/// Confluent-style messages, empty when compatible. Past the work budget: 422.
pub(crate) fn messages(
    cache: &ParseCache,
    max_steps: u64,
    state: &RegistryState,
    level: CompatibilityLevel,
    policy: JsonPolicy,
    new: &Schema,
    against: &[(Version, Sid)],
) -> Result<Vec<String>, ApiError> {
    if level == CompatibilityLevel::None {
        return Ok(Vec::new());
    }
    let mut parsed: Vec<Arc<Schema>> = Vec::with_capacity(against.len());
    let mut versions = Vec::with_capacity(against.len());
    for (version, id) in against {
        match cache.parsed(state, *id) {
            Ok(old) => {
                parsed.push(old);
                versions.push(version.0);
            }
            Err(error) => {
                tracing::warn!(%id, %error, "stored schema does not parse; skipped in check");
            }
        }
    }
    let history: Vec<&Schema> = parsed.iter().map(Arc::as_ref).collect();
    let mut budget = Budget::new(max_steps);
    let report = compat::check_with_budget(level, policy, new, &history, &mut budget)
        .map_err(|exceeded| ApiError::BudgetExceeded(exceeded.to_string()))?;
    Ok(report.confluent_messages(level, &history, &versions))
}
