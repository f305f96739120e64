//! `/config` and `/mode`, global and per subject. A subject without its own setting falls back
//! to the global one (BACKWARD and READWRITE when that is unset too); reading a subject's own
//! setting that does not exist answers 40408/40409 unless `defaultToGlobal=true`.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use schemata_core::api::{Config, ConfigUpdate, Mode as ModeBody};
use schemata_core::records::{ConfigValue, ModeValue, Record, RecordKey, RecordValue};
use schemata_core::{CompatibilityLevel, JsonPolicy};

use super::subjects::one;
use super::{App, BodyKind, Params, json, read_json, subject};
use crate::error::ApiError;
use crate::state::Mode;

type OnePath = Result<Path<String>, PathRejection>;

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
    }
}

/// Validates an update and merges it over `old`: fields the update leaves out keep their value.
fn merged(
    update: &ConfigUpdate,
    old: Option<&ConfigValue>,
) -> Result<(ConfigValue, ConfigUpdate), ApiError> {
    let level = match update.compatibility.as_deref() {
        Some(raw) => {
            Some(CompatibilityLevel::parse(raw).ok_or(ApiError::InvalidCompatibilityLevel)?)
        }
        None => None,
    };
    let policy = match update.json_policy.as_deref() {
        Some(raw) => Some(
            JsonPolicy::parse(raw).ok_or_else(|| ApiError::InvalidJsonPolicy(raw.to_owned()))?,
        ),
        None => None,
    };
    if level.is_none() && policy.is_none() && update.normalize.is_none() {
        return Err(ApiError::InvalidCompatibilityLevel);
    }
    let value = ConfigValue {
        compatibility_level: level
            .map(|l| l.as_str().to_owned())
            .or_else(|| old.and_then(|o| o.compatibility_level.clone())),
        normalize: update.normalize.or_else(|| old.and_then(|o| o.normalize)),
        json_policy: policy
            .map(|p| p.as_str().to_owned())
            .or_else(|| old.and_then(|o| o.json_policy.clone())),
    };
    let echo = ConfigUpdate {
        compatibility: level.map(|l| l.as_str().to_owned()),
        normalize: update.normalize,
        json_policy: policy.map(|p| p.as_str().to_owned()),
    };
    Ok((value, echo))
}

pub(crate) async fn get_global_config(State(app): State<App>) -> Response {
    let state = app.core.read();
    json(&config_body(state.global_config.as_ref()))
}

pub(crate) async fn put_global_config(
    State(app): State<App>,
    body: Body,
) -> Result<Response, ApiError> {
    let update: ConfigUpdate = read_json(&app.core, body, BodyKind::Other).await?;
    let echo = app
        .writer
        .submit(move |tx| {
            let (value, echo) = merged(&update, tx.state.global_config.as_ref())?;
            tx.emit(Record {
                key: RecordKey::config(None),
                value: Some(RecordValue::Config(value)),
            });
            Ok(echo)
        })
        .await?;
    Ok(json(&echo))
}

pub(crate) async fn delete_global_config(State(app): State<App>) -> Result<Response, ApiError> {
    let old = app
        .writer
        .submit(|tx| {
            let old = tx.state.global_config.clone();
            if old.is_some() {
                tx.emit(Record { key: RecordKey::config(None), value: None });
            }
            Ok(old)
        })
        .await?;
    Ok(json(&config_body(old.as_ref())))
}

pub(crate) async fn get_subject_config(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let subject = subject(&app.core, one(path)?)?;
    let default_to_global = Params::parse(query.as_deref()).flag("defaultToGlobal");
    let state = app.core.read();
    match state.subjects.get(&subject).and_then(|s| s.config.as_ref()) {
        Some(own) => Ok(json(&config_body(Some(own)))),
        None if default_to_global => Ok(json(&config_body(state.global_config.as_ref()))),
        None => Err(ApiError::SubjectConfigNotConfigured(subject)),
    }
}

pub(crate) async fn put_subject_config(
    State(app): State<App>,
    path: OnePath,
    body: Body,
) -> Result<Response, ApiError> {
    let subject = subject(&app.core, one(path)?)?;
    let update: ConfigUpdate = read_json(&app.core, body, BodyKind::Other).await?;
    let echo = app
        .writer
        .submit(move |tx| {
            let old = tx.state.subjects.get(&subject).and_then(|s| s.config.as_ref());
            let (value, echo) = merged(&update, old)?;
            tx.emit(Record {
                key: RecordKey::config(Some(subject)),
                value: Some(RecordValue::Config(value)),
            });
            Ok(echo)
        })
        .await?;
    Ok(json(&echo))
}

pub(crate) async fn delete_subject_config(
    State(app): State<App>,
    path: OnePath,
) -> Result<Response, ApiError> {
    let subject = subject(&app.core, one(path)?)?;
    let old = app
        .writer
        .submit(move |tx| {
            // Confluent answers 40401 whenever there is no subject-level config to delete.
            let Some(old) = tx.state.subjects.get(&subject).and_then(|s| s.config.clone()) else {
                return Err(ApiError::SubjectNotFound(subject));
            };
            tx.emit(Record { key: RecordKey::config(Some(subject)), value: None });
            Ok(old)
        })
        .await?;
    Ok(json(&config_body(Some(&old))))
}

fn parse_mode(body: &ModeBody) -> Result<Mode, ApiError> {
    Mode::parse(&body.mode).ok_or_else(|| ApiError::InvalidMode(body.mode.clone()))
}

fn mode_body(mode: Mode) -> ModeBody {
    ModeBody { mode: mode.as_str().to_owned() }
}

pub(crate) async fn get_global_mode(State(app): State<App>) -> Response {
    let state = app.core.read();
    json(&mode_body(state.global_mode.unwrap_or_default()))
}

pub(crate) async fn put_global_mode(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let force = Params::parse(query.as_deref()).flag("force");
    let mode = parse_mode(&read_json(&app.core, body, BodyKind::Other).await?)?;
    app.writer
        .submit(move |tx| {
            // Importing into a registry that already has live subjects could collide with its
            // ids (Confluent's rule; soft-deleted subjects do not count).
            let has_live = tx.state.subjects.values().any(|s| s.has_live());
            let importing = tx.state.global_mode == Some(Mode::Import);
            if mode == Mode::Import && !importing && !force && has_live {
                return Err(ApiError::NotPermitted(
                    "Cannot import since found existing subjects".into(),
                ));
            }
            tx.emit(Record {
                key: RecordKey::mode(None),
                value: Some(RecordValue::Mode(ModeValue { mode: mode.as_str().to_owned() })),
            });
            Ok(())
        })
        .await?;
    Ok(json(&mode_body(mode)))
}

pub(crate) async fn delete_global_mode(State(app): State<App>) -> Result<Response, ApiError> {
    let old = app
        .writer
        .submit(|tx| {
            let old = tx.state.global_mode;
            if old.is_some() {
                tx.emit(Record { key: RecordKey::mode(None), value: None });
            }
            Ok(old.unwrap_or_default())
        })
        .await?;
    Ok(json(&mode_body(old)))
}

pub(crate) async fn get_subject_mode(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let subject = subject(&app.core, one(path)?)?;
    let default_to_global = Params::parse(query.as_deref()).flag("defaultToGlobal");
    let state = app.core.read();
    match state.subjects.get(&subject).and_then(|s| s.mode) {
        Some(own) => Ok(json(&mode_body(own))),
        None if default_to_global => Ok(json(&mode_body(state.global_mode.unwrap_or_default()))),
        None => Err(ApiError::SubjectModeNotConfigured(subject)),
    }
}

pub(crate) async fn put_subject_mode(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let subject = subject(&app.core, one(path)?)?;
    let force = Params::parse(query.as_deref()).flag("force");
    let mode = parse_mode(&read_json(&app.core, body, BodyKind::Other).await?)?;
    app.writer
        .submit(move |tx| {
            let has_live = tx.state.subjects.get(&subject).is_some_and(|s| s.has_live());
            let importing = tx.state.mode(&subject) == Mode::Import;
            if mode == Mode::Import && !importing && !force && has_live {
                return Err(ApiError::NotPermitted(
                    "Cannot import since found existing subjects".into(),
                ));
            }
            tx.emit(Record {
                key: RecordKey::mode(Some(subject)),
                value: Some(RecordValue::Mode(ModeValue { mode: mode.as_str().to_owned() })),
            });
            Ok(())
        })
        .await?;
    Ok(json(&mode_body(mode)))
}

pub(crate) async fn delete_subject_mode(
    State(app): State<App>,
    path: OnePath,
) -> Result<Response, ApiError> {
    let subject = subject(&app.core, one(path)?)?;
    let old = app
        .writer
        .submit(move |tx| {
            // Confluent answers 40401 whenever there is no subject-level mode to delete.
            let Some(old) = tx.state.subjects.get(&subject).and_then(|s| s.mode) else {
                return Err(ApiError::SubjectNotFound(subject));
            };
            tx.emit(Record { key: RecordKey::mode(Some(subject)), value: None });
            Ok(old)
        })
        .await?;
    Ok(json(&mode_body(old)))
}
