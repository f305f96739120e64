//! `/compatibility/...`: would this schema be accepted? Against one version, or against the
//! versions the subject's level names. Nothing is written.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use schemata_core::api::{CompatibilityCheckResponse, RegisterSchemaRequest};
use schemata_core::{CompatibilityLevel, JsonPolicy, SchemaId, Version};

use super::subjects::{TwoPath, one, resolve, subject_version, visible};
use super::{App, BodyKind, Params, VersionSpec, json, read_json, subject};
use crate::error::ApiError;
use crate::state::State as Registry;

fn policy(state: &Registry, subject: &str) -> JsonPolicy {
    state
        .effective_config(subject)
        .and_then(|c| c.json_policy.as_deref())
        .and_then(JsonPolicy::parse)
        .unwrap_or_default()
}

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
    let request: RegisterSchemaRequest = read_json(&app.core, body, BodyKind::Schema).await?;
    let early = app.core.parse_early(&request);
    let state = app.core.read();
    let new = app.core.parse_late(early, &state, &request)?;
    // As Confluent: `latest` of a subject with no live version is compatible (nothing to
    // break); a named version must exist.
    let has_live = state.subjects.get(&subject).is_some_and(|s| s.has_live());
    if spec == VersionSpec::Latest && !has_live {
        return Ok(answer(Vec::new(), verbose));
    }
    let (version, row) = resolve(visible(&state, &subject, false)?, spec, false)?;
    // Against one named version, transitivity does not matter: the level's directions do.
    let level = state.level(&subject);
    let against: [(Version, SchemaId); 1] = [(version, row.id)];
    let messages =
        app.core.compatibility_messages(&state, level, policy(&state, &subject), &new, &against);
    Ok(answer(messages, verbose))
}

pub(crate) async fn against_level(
    State(app): State<App>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let subject = subject(&app.core, one(path)?)?;
    let verbose = Params::parse(query.as_deref()).flag("verbose");
    let request: RegisterSchemaRequest = read_json(&app.core, body, BodyKind::Schema).await?;
    let early = app.core.parse_early(&request);
    let state = app.core.read();
    let new = app.core.parse_late(early, &state, &request)?;
    let level = state.level(&subject);
    let against: Vec<(Version, SchemaId)> = state
        .subjects
        .get(&subject)
        .map(|s| s.live().rev().map(|(v, row)| (v, row.id)).collect())
        .unwrap_or_default();
    let messages = if level == CompatibilityLevel::None {
        Vec::new()
    } else {
        app.core.compatibility_messages(&state, level, policy(&state, &subject), &new, &against)
    };
    Ok(answer(messages, verbose))
}
