//! Request-schema parsing: the checks every register, lookup and compatibility request makes on
//! the schema it carries (type, size, emptiness, number of references) and its parse, with the
//! references resolved from the registry state.

use schemata_core::api::RegisterSchemaRequest;
use schemata_core::{Budget, Schema, SchemaReference, SchemaType};

use crate::error::ApiError;
use crate::limits::Limits;
use crate::state::RegistryState;

/// Parses a request's schema before the state lock is taken when it has no references (it then
/// needs nothing from the state); `None` means it must be parsed under the lock.
pub(crate) fn parse_early(
    limits: &Limits,
    request: &RegisterSchemaRequest,
) -> Option<Result<Schema, ApiError>> {
    request.references.is_empty().then(|| parse_request(limits, &RegistryState::default(), request))
}

/// The early parse if there was one, else a parse against `state`.
pub(crate) fn parse_late(
    limits: &Limits,
    early: Option<Result<Schema, ApiError>>,
    state: &RegistryState,
    request: &RegisterSchemaRequest,
) -> Result<Schema, ApiError> {
    early.unwrap_or_else(|| parse_request(limits, state, request))
}

/// Validates and parses the schema of a register, lookup or compatibility request.
pub(crate) fn parse_request(
    limits: &Limits,
    state: &RegistryState,
    request: &RegisterSchemaRequest,
) -> Result<Schema, ApiError> {
    let schema_type = match request.schema_type.as_deref() {
        None => SchemaType::Avro,
        Some(name) => SchemaType::parse(name)
            .ok_or_else(|| ApiError::InvalidSchema(format!("Invalid schema type {name}")))?,
    };
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
    Schema::parse_with_budget(
        schema_type,
        &request.schema,
        &references,
        &mut |r| state.referenced(r),
        limits.max_reference_depth,
        &mut Budget::new(limits.max_check_steps),
    )
    .map_err(|e| {
        ApiError::InvalidSchema(format!(
            "Invalid schema of type {schema_type}: {e}; either the input schema or one of its references is invalid"
        ))
    })
}
