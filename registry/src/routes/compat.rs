//! `/compatibility/...`: would this schema be accepted? Against one version, or against the
//! versions the subject's level names. Nothing is written; the parse and the check run on the
//! check pool against the published snapshot.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use schemata_core::api::{CompatibilityCheckResponse, RegisterSchemaRequest};
use schemata_core::{Contract, SchemaId, Version, VersionSpec};

use super::subjects::{TwoPath, one, subject_version};
use super::{App, BodyKind, Params, json, read_json, subject};
use crate::error::ApiError;
use crate::{compatibility, request};

fn answer(messages: Vec<String>, verbose: bool) -> Response {
    json(&CompatibilityCheckResponse {
        is_compatible: messages.is_empty(),
        messages: verbose.then_some(messages),
    })
}

pub(crate) async fn against_version(
    State(app): State<App>,
    path: TwoPath,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let (subject, spec) = subject_version(&app, path)?;
    let verbose = Params::parse(query.as_deref()).flag("verbose");
    let request: RegisterSchemaRequest = read_json(&app.shared, body, BodyKind::Schema).await?;
    let shared = Arc::clone(&app.shared);
    let messages = app
        .shared
        .check(move || {
            let state = shared.read();
            let new = request::parse_request(&shared.limits, &state, &request)?;
            // As Confluent: `latest` of a subject with no live version is compatible (nothing
            // to break); a named version must exist.
            let has_live = state.subjects.get(&subject).is_some_and(|s| s.has_live());
            if spec == VersionSpec::Latest && !has_live {
                return Ok(Vec::new());
            }
            // A subject whose versions are all soft-deleted still exists: its named versions
            // are not found (40402), as in Confluent; only an unknown subject is 40401.
            let known = state.subjects.get(&subject).filter(|s| !s.versions.is_empty());
            let known = known.ok_or_else(|| ApiError::SubjectNotFound(subject.clone()))?;
            let (version, row) = known.resolve(spec, false)?;
            // Against one named version, transitivity does not matter: the level's directions
            // do.
            let level = state.level(&subject);
            let against: [(Version, SchemaId); 1] = [(version, row.id)];
            let policy = state.json_policy(&subject);
            let max_steps = shared.limits.max_check_steps;
            compatibility::messages(&shared.cache, max_steps, &state, level, policy, &new, &against)
        })
        .await?;
    Ok(answer(messages, verbose))
}

pub(crate) async fn against_level(
    State(app): State<App>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let subject = subject(&app.shared, one(path)?)?;
    let verbose = Params::parse(query.as_deref()).flag("verbose");
    let request: RegisterSchemaRequest = read_json(&app.shared, body, BodyKind::Schema).await?;
    let shared = Arc::clone(&app.shared);
    let messages = app
        .shared
        .check(move || {
            let state = shared.read();
            let new = request::parse_request(&shared.limits, &state, &request)?;
            let level = state.level(&subject);
            // As Confluent's check: the group is the one of the contract the request carries.
            let contract = Contract { metadata: request.metadata, rule_set: request.rule_set };
            let against = state.compatibility_history(&subject, &contract);
            let policy = state.json_policy(&subject);
            let max_steps = shared.limits.max_check_steps;
            compatibility::messages(&shared.cache, max_steps, &state, level, policy, &new, &against)
        })
        .await?;
    Ok(answer(messages, verbose))
}
