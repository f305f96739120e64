//! The config and mode jobs: setting and removing the compatibility config and the mode, global
//! or per subject. An update names only what it changes; the rest keeps its value.

use schemata_core::api::ConfigUpdate;
use schemata_core::context;
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
    for rule_set in [&update.default_rule_set, &update.override_rule_set].into_iter().flatten() {
        rule_set.validate().map_err(ApiError::InvalidRuleSet)?;
    }
    let names_something = level.is_some()
        || policy.is_some()
        || update.normalize.is_some()
        || update.compatibility_group.is_some()
        || update.default_metadata.is_some()
        || update.override_metadata.is_some()
        || update.default_rule_set.is_some()
        || update.override_rule_set.is_some()
        || update.validate_fields.is_some();
    if !names_something {
        return Err(ApiError::InvalidCompatibilityLevel);
    }
    // Each field the update names replaces the stored one; the rest keep their value.
    fn keep<T: Clone>(
        new: &Option<T>,
        old: Option<&ConfigValue>,
        f: fn(&ConfigValue) -> &Option<T>,
    ) -> Option<T> {
        new.clone().or_else(|| old.and_then(|o| f(o).clone()))
    }
    let value = ConfigValue {
        compatibility_level: level
            .map(|l| l.as_str().to_owned())
            .or_else(|| old.and_then(|o| o.compatibility_level.clone())),
        normalize: update.normalize.or_else(|| old.and_then(|o| o.normalize)),
        json_policy: policy
            .map(|p| p.as_str().to_owned())
            .or_else(|| old.and_then(|o| o.json_policy.clone())),
        compatibility_group: keep(&update.compatibility_group, old, |o| &o.compatibility_group),
        default_metadata: keep(&update.default_metadata, old, |o| &o.default_metadata),
        override_metadata: keep(&update.override_metadata, old, |o| &o.override_metadata),
        default_rule_set: keep(&update.default_rule_set, old, |o| &o.default_rule_set),
        override_rule_set: keep(&update.override_rule_set, old, |o| &o.override_rule_set),
        validate_fields: update.validate_fields.or_else(|| old.and_then(|o| o.validate_fields)),
    };
    let echo = ConfigUpdate {
        compatibility: level.map(|l| l.as_str().to_owned()),
        json_policy: policy.map(|p| p.as_str().to_owned()),
        ..update.clone()
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
        // A context's own mode (`:.ctx:`) imports into every subject of the context.
        Some(subject)
            if subject.starts_with(":.") && context::Qualified::parse(subject).name.is_empty() =>
        {
            let within = context::context_of(subject);
            (
                tx.state
                    .subjects
                    .iter()
                    .any(|(name, s)| s.has_live() && context::context_of(name) == within),
                tx.state.mode(subject) == Mode::Import,
            )
        }
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
