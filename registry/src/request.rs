//! Request-schema parsing: the checks every register, lookup and compatibility request makes on
//! the schema it carries (type, size, emptiness, number of references) and its parse, with the
//! references resolved from the registry state.

use schemata_core::api::RegisterSchemaRequest;
use schemata_core::{Budget, ParseError, Schema, SchemaReference, SchemaType};

use crate::error::ApiError;
use crate::limits::Limits;
use crate::state::RegistryState;

/// Validates and parses the schema of a register, lookup or compatibility request for
/// `subject` (whose context unqualified references resolve in).
pub(crate) fn parse_request(
    limits: &Limits,
    state: &RegistryState,
    subject: &str,
    request: &RegisterSchemaRequest,
) -> Result<Schema, ApiError> {
    let schema_type =
        SchemaType::from_optional(request.schema_type.as_deref()).ok_or_else(|| {
            ApiError::InvalidSchema(format!(
                "Invalid schema type {}",
                request.schema_type.as_deref().unwrap_or_default()
            ))
        })?;
    if request.schema.len() > limits.max_schema_bytes {
        return Err(ApiError::SchemaTooLarge(format!(
            "Schema of {} bytes is larger than the limit of {} bytes",
            request.schema.len(),
            limits.max_schema_bytes
        )));
    }
    if request.schema.trim().is_empty() {
        return Err(ApiError::InvalidSchema("Empty schema".into()));
    }
    if request.references.len() > limits.max_list_len {
        return Err(ApiError::InvalidSchema(format!(
            "Schema has {} references, more than the limit of {}",
            request.references.len(),
            limits.max_list_len
        )));
    }
    let references: Vec<SchemaReference> =
        request.references.iter().map(SchemaReference::from).collect();
    let mut budget = Budget::new(limits.max_check_steps);
    Schema::parse_with_budget(
        schema_type,
        &request.schema,
        &references,
        &mut |r| state.referenced(subject, r),
        limits.max_reference_depth,
        &mut budget,
    )
    .map_err(|e| match e {
        ParseError::BudgetExceeded(exceeded) => ApiError::BudgetExceeded(format!(
            "Invalid schema of type {schema_type}: {exceeded}"
        )),
        e => ApiError::InvalidSchema(format!(
            "Invalid schema of type {schema_type}: {e}; either the input schema or one of its references is invalid"
        )),
    })
}
