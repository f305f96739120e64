//! The config and mode jobs: setting and removing the compatibility config and the mode, global
//! or per subject. An update names only what it changes; the rest keeps its value.

use schemata_core::api::ConfigUpdate;
use schemata_core::records::{ConfigValue, ModeValue, Record, RecordKey, RecordValue};
use schemata_core::{CompatibilityLevel, JsonPolicy};

use crate::error::ApiError;
use crate::state::Mode;
use crate::writer::Tx;

/// Validates an update and merges it over `old`: fields the update leaves out keep their value.
/// Returns the value to store and the echo Confluent answers (only what the update named).
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

/// `PUT /config` (`subject` = `None`) or `PUT /config/{subject}`: the echo to answer.
pub(crate) fn put_config(
    tx: &mut Tx<'_>,
    subject: Option<String>,
    update: &ConfigUpdate,
) -> Result<ConfigUpdate, ApiError> {
    let old = match &subject {
        None => tx.state.global_config.as_ref(),
        Some(subject) => tx.state.subjects.get(subject).and_then(|s| s.config.as_ref()),
    };
    let (value, echo) = merged(update, old)?;
    tx.emit(Record { key: RecordKey::config(subject), value: Some(RecordValue::Config(value)) });
    Ok(echo)
}

/// `DELETE /config`: the config that was in force (none is not an error).
pub(crate) fn delete_global_config(tx: &mut Tx<'_>) -> Result<Option<ConfigValue>, ApiError> {
    let old = tx.state.global_config.clone();
    if old.is_some() {
        tx.emit(Record { key: RecordKey::config(None), value: None });
    }
    Ok(old)
}

/// `DELETE /config/{subject}`: the subject's own config, 40401 when it has none.
pub(crate) fn delete_subject_config(
    tx: &mut Tx<'_>,
    subject: String,
) -> Result<ConfigValue, ApiError> {
    // Confluent answers 40401 whenever there is no subject-level config to delete.
    let Some(old) = tx.state.subjects.get(&subject).and_then(|s| s.config.clone()) else {
        return Err(ApiError::SubjectNotFound(subject));
    };
    tx.emit(Record { key: RecordKey::config(Some(subject)), value: None });
    Ok(old)
}

/// `PUT /mode` (`subject` = `None`) or `PUT /mode/{subject}`.
pub(crate) fn put_mode(
    tx: &mut Tx<'_>,
    subject: Option<String>,
    mode: Mode,
    force: bool,
) -> Result<(), ApiError> {
    // Importing into a registry (or subject) that already has live versions could collide with
    // its ids (Confluent's rule; soft-deleted subjects do not count).
    let (has_live, importing) = match &subject {
        None => (
            tx.state.subjects.values().any(|s| s.has_live()),
            tx.state.global_mode == Some(Mode::Import),
        ),
        Some(subject) => (
            tx.state.subjects.get(subject).is_some_and(|s| s.has_live()),
            tx.state.mode(subject) == Mode::Import,
        ),
    };
    if mode == Mode::Import && !importing && !force && has_live {
        return Err(ApiError::NotPermitted("Cannot import since found existing subjects".into()));
    }
    tx.emit(Record {
        key: RecordKey::mode(subject),
        value: Some(RecordValue::Mode(ModeValue { mode: mode.as_str().to_owned() })),
    });
    Ok(())
}

/// `DELETE /mode`: the mode that was in force.
pub(crate) fn delete_global_mode(tx: &mut Tx<'_>) -> Result<Mode, ApiError> {
    let old = tx.state.global_mode;
    if old.is_some() {
        tx.emit(Record { key: RecordKey::mode(None), value: None });
    }
    Ok(old.unwrap_or_default())
}

/// `DELETE /mode/{subject}`: the subject's own mode, 40401 when it has none.
pub(crate) fn delete_subject_mode(tx: &mut Tx<'_>, subject: String) -> Result<Mode, ApiError> {
    // Confluent answers 40401 whenever there is no subject-level mode to delete.
    let Some(old) = tx.state.subjects.get(&subject).and_then(|s| s.mode) else {
        return Err(ApiError::SubjectNotFound(subject));
    };
    tx.emit(Record { key: RecordKey::mode(Some(subject)), value: None });
    Ok(old)
}
