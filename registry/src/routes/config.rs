//! `/config` and `/mode`, global and per subject. A subject without its own setting falls back
//! to the global one (BACKWARD and READWRITE when that is unset too); reading a subject's own
//! setting that does not exist answers 40408/40409 unless `defaultToGlobal=true`. Writes are
//! jobs (`jobs::settings`).

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use schemata_core::CompatibilityLevel;
use schemata_core::api::{Config, ConfigUpdate, Mode as ModeBody};
use schemata_core::records::ConfigValue;

use super::subjects::one;
use super::{App, BodyKind, Params, existing_subject, json, read_json, subject};
use crate::error::ApiError;
use crate::jobs;
use crate::state::Mode;

type OnePath = Result<Path<String>, PathRejection>;

/// The key Confluent keeps the global config under; refused as a subject's name.
const GLOBAL_RESOURCE_NAME: &str = "__GLOBAL";

/// The answer for a stored config; the level defaults to BACKWARD as Confluent's does.
fn config_body(value: Option<&ConfigValue>) -> Config {
    Config {
        compatibility_level: Some(
            value
                .and_then(|v| v.compatibility_level.clone())
                .unwrap_or_else(|| CompatibilityLevel::default().as_str().to_owned()),
        ),
        normalize: value.and_then(|v| v.normalize),
        json_policy: value.and_then(|v| v.json_policy.clone()),
        compatibility_group: value.and_then(|v| v.compatibility_group.clone()),
        default_metadata: value.and_then(|v| v.default_metadata.clone()),
        override_metadata: value.and_then(|v| v.override_metadata.clone()),
        default_rule_set: value.and_then(|v| v.default_rule_set.clone()),
        override_rule_set: value.and_then(|v| v.override_rule_set.clone()),
        validate_fields: value.and_then(|v| v.validate_fields),
    }
}

pub(crate) async fn get_global_config(State(app): State<App>) -> Response {
    let state = app.shared.read();
    json(&config_body(state.global_config.as_ref()))
}

pub(crate) async fn put_global_config(
    State(app): State<App>,
    body: Body,
) -> Result<Response, ApiError> {
    let update: ConfigUpdate = read_json(&app.shared, body, BodyKind::Other).await?;
    let echo = app.writer.submit(move |tx| jobs::settings::put_config(tx, None, &update)).await?;
    Ok(json(&echo))
}

pub(crate) async fn delete_global_config(State(app): State<App>) -> Result<Response, ApiError> {
    let old = app.writer.submit(jobs::settings::delete_global_config).await?;
    Ok(json(&config_body(old.as_ref())))
}

pub(crate) async fn get_subject_config(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let subject = existing_subject(one(path)?);
    let default_to_global = Params::parse(query.as_deref()).flag("defaultToGlobal");
    let state = app.shared.read();
    match state.subjects.get(&subject).and_then(|s| s.config.as_ref()) {
        Some(own) => Ok(json(&config_body(Some(own)))),
        // The one in force: the context's (for a subject of a context), else the global one.
        None if default_to_global => Ok(json(&config_body(state.effective_config(&subject)))),
        None => Err(ApiError::SubjectConfigNotConfigured(subject)),
    }
}

pub(crate) async fn put_subject_config(
    State(app): State<App>,
    path: OnePath,
    body: Body,
) -> Result<Response, ApiError> {
    let subject = subject(&app.shared, one(path)?)?;
    let update: ConfigUpdate = read_json(&app.shared, body, BodyKind::Other).await?;
    // `__GLOBAL` is the name Confluent stores the global config under: not a subject's.
    if subject == GLOBAL_RESOURCE_NAME {
        return Err(ApiError::InvalidSubject);
    }
    let echo =
        app.writer.submit(move |tx| jobs::settings::put_config(tx, Some(subject), &update)).await?;
    Ok(json(&echo))
}

pub(crate) async fn delete_subject_config(
    State(app): State<App>,
    path: OnePath,
) -> Result<Response, ApiError> {
    let subject = existing_subject(one(path)?);
    let old =
        app.writer.submit(move |tx| jobs::settings::delete_subject_config(tx, subject)).await?;
    Ok(json(&config_body(Some(&old))))
}

fn parse_mode(body: &ModeBody) -> Result<Mode, ApiError> {
    Mode::parse(&body.mode).ok_or_else(|| ApiError::InvalidMode(body.mode.clone()))
}

fn mode_body(mode: Mode) -> ModeBody {
    ModeBody { mode: mode.as_str().to_owned() }
}

pub(crate) async fn get_global_mode(State(app): State<App>) -> Response {
    let state = app.shared.read();
    json(&mode_body(state.global_mode.unwrap_or_default()))
}

pub(crate) async fn put_global_mode(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let force = Params::parse(query.as_deref()).flag("force");
    let mode = parse_mode(&read_json(&app.shared, body, BodyKind::Other).await?)?;
    app.writer.submit(move |tx| jobs::settings::put_mode(tx, None, mode, force)).await?;
    Ok(json(&mode_body(mode)))
}

pub(crate) async fn delete_global_mode(State(app): State<App>) -> Result<Response, ApiError> {
    let old = app.writer.submit(jobs::settings::delete_global_mode).await?;
    Ok(json(&mode_body(old)))
}

pub(crate) async fn get_subject_mode(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let subject = existing_subject(one(path)?);
    let default_to_global = Params::parse(query.as_deref()).flag("defaultToGlobal");
    let state = app.shared.read();
    match state.subjects.get(&subject).and_then(|s| s.mode) {
        Some(own) => Ok(json(&mode_body(own))),
        None if default_to_global => Ok(json(&mode_body(state.mode(&subject)))),
        None => Err(ApiError::SubjectModeNotConfigured(subject)),
    }
}

pub(crate) async fn put_subject_mode(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let subject = subject(&app.shared, one(path)?)?;
    let force = Params::parse(query.as_deref()).flag("force");
    let mode = parse_mode(&read_json(&app.shared, body, BodyKind::Other).await?)?;
    let target = Some(subject);
    app.writer.submit(move |tx| jobs::settings::put_mode(tx, target, mode, force)).await?;
    Ok(json(&mode_body(mode)))
}

pub(crate) async fn delete_subject_mode(
    State(app): State<App>,
    path: OnePath,
) -> Result<Response, ApiError> {
    let subject = existing_subject(one(path)?);
    let old = app.writer.submit(move |tx| jobs::settings::delete_subject_mode(tx, subject)).await?;
    Ok(json(&mode_body(old)))
}
