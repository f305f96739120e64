//! `/compatibility/...`: would this schema be accepted? Against one version, or against the
//! versions the subject's level names. Nothing is written; the parse and the check run on the
//! check pool against the published snapshot. With `contractChanges=true` (schemata's own
//! parameter) the answer also lists how the data contract the registration would get differs
//! from the newest compared version's.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use schemata_core::api::{CompatibilityCheckResponse, RegisterSchemaRequest};
use schemata_core::contract::ContractChange;
use schemata_core::{Contract, Schema, Version, VersionSpec};

use super::subjects::{TwoPath, one, subject_version};
use super::{App, BodyKind, Params, existing_subject, json, read_json};
use crate::error::ApiError;
use crate::shared::Shared;
use crate::state::{RegistryState, Sid};
use crate::{compatibility, request};

/// What a check found: the incompatibilities, and the contract changes when asked.
type Found = (Vec<String>, Option<Vec<ContractChange>>);

fn answer((messages, contract_changes): Found, verbose: bool) -> Response {
    json(&CompatibilityCheckResponse {
        is_compatible: messages.is_empty(),
        messages: verbose.then_some(messages),
        contract_changes,
    })
}

/// How the contract of a registration carrying `request`'s metadata and rule set (each, else
/// the latest version's, between the config's defaults and overrides) differs from `old`'s, the
/// newest compared version (none: an empty contract).
fn contract_changes(
    state: &RegistryState,
    subject: &str,
    request: &RegisterSchemaRequest,
    old: Option<Sid>,
) -> Vec<ContractChange> {
    let new =
        state.contract_for(subject, request.metadata.as_ref(), request.rule_set.as_ref(), None);
    let old = old.and_then(|id| state.schemas.get(&id)).map(|s| s.contract().clone());
    old.unwrap_or_default().changes(&new)
}

/// The incompatibilities of `new` with `against` at the subject's level and JSON policy.
fn messages(
    shared: &Shared,
    state: &RegistryState,
    subject: &str,
    new: &Schema,
    against: &[(Version, Sid)],
) -> Result<Vec<String>, ApiError> {
    let (level, policy) = (state.level(subject), state.json_policy(subject));
    let max_steps = shared.limits.max_check_steps;
    compatibility::messages(&shared.cache, max_steps, state, level, policy, new, against)
}

/// A schema that does not parse: with `verbose`, Confluent answers 200 with the parse error as
/// the one message of an incompatible answer; without it, 42201.
fn invalid(error: ApiError, verbose: bool) -> Result<Found, ApiError> {
    match error {
        ApiError::InvalidSchema(message) if verbose => Ok((vec![message], None)),
        other => Err(other),
    }
}

pub(crate) async fn against_version(
    State(app): State<App>,
    path: TwoPath,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let (subject, spec) = subject_version(path)?;
    let params = Params::parse(query.as_deref());
    let (verbose, changes) = (params.flag("verbose"), params.flag("contractChanges"));
    let request: RegisterSchemaRequest = read_json(&app.shared, body, BodyKind::Schema).await?;
    let shared = Arc::clone(&app.shared);
    let found = app
        .shared
        .check(move || {
            let state = shared.read();
            // As Confluent: the version is looked up among live versions before the schema is
            // read, and only the version can be missing: a named version that is unknown,
            // soft-deleted, or in an unknown subject is 40402 (Confluent never answers 40401
            // here); `latest` of a subject with no live version checks against nothing.
            let live = state.subjects.get(&subject).filter(|s| s.has_live());
            let against: Vec<(Version, Sid)> = match (live, spec) {
                (None, VersionSpec::Latest) => Vec::new(),
                (None, VersionSpec::Exact(version)) => {
                    return Err(ApiError::VersionNotFound(version.to_string()));
                }
                (Some(s), spec) => {
                    let (version, row) = s.resolve(spec, false)?;
                    vec![(version, row.id)]
                }
            };
            let new = match request::parse_request(&shared.limits, &state, &subject, &request) {
                Ok(new) => new,
                Err(error) => return invalid(error, verbose),
            };
            let contract = changes.then(|| {
                contract_changes(&state, &subject, &request, against.first().map(|a| a.1))
            });
            if against.is_empty() {
                return Ok((Vec::new(), contract));
            }
            // Against one named version, transitivity does not matter: the level's directions
            // do.
            Ok((messages(&shared, &state, &subject, &new, &against)?, contract))
        })
        .await?;
    Ok(answer(found, verbose))
}

pub(crate) async fn against_level(
    State(app): State<App>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let subject = existing_subject(one(path)?);
    let params = Params::parse(query.as_deref());
    let (verbose, changes) = (params.flag("verbose"), params.flag("contractChanges"));
    let request: RegisterSchemaRequest = read_json(&app.shared, body, BodyKind::Schema).await?;
    let shared = Arc::clone(&app.shared);
    let found = app
        .shared
        .check(move || {
            let state = shared.read();
            let new = match request::parse_request(&shared.limits, &state, &subject, &request) {
                Ok(new) => new,
                Err(error) => return invalid(error, verbose),
            };
            let latest = state.subjects.get(&subject).and_then(|s| s.latest_live()).map(|l| l.1.id);
            let changed = changes.then(|| contract_changes(&state, &subject, &request, latest));
            // As Confluent's check: the group is the one of the contract the request carries.
            let contract = Contract { metadata: request.metadata, rule_set: request.rule_set };
            let against = state.compatibility_history(&subject, &contract);
            Ok((messages(&shared, &state, &subject, &new, &against)?, changed))
        })
        .await?;
    Ok(answer(found, verbose))
}
