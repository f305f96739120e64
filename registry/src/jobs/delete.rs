//! The delete jobs: soft and permanent deletes of a subject or of one version, with Confluent's
//! rules (read-only mode refuses, a referenced version stays, permanent only after soft).

use schemata_core::records::{Record, RecordKey};
use schemata_core::{Version, VersionSpec};

use crate::error::ApiError;
use crate::state::{Mode, RegistryState, VersionRow, schema_record};
use crate::writer::Tx;

pub(crate) fn reference_exists(subject: &str, version: Version) -> ApiError {
    ApiError::ReferenceExists(format!(
        "One or more references exist to the schema {{magic=1,keytype=SCHEMA,subject={subject},version={version}}}."
    ))
}

fn refuse_read_only(state: &RegistryState, subject: &str) -> Result<(), ApiError> {
    if state.mode(subject) == Mode::ReadOnly {
        return Err(ApiError::NotPermitted(state.read_only_message(subject)));
    }
    Ok(())
}

/// The record that marks a row soft-deleted: its value again, with `deleted: true`.
fn soft_delete_record(
    state: &RegistryState,
    subject: &str,
    version: Version,
    row: VersionRow,
) -> Option<Record> {
    let stored = state.schemas.get(&row.id)?;
    Some(schema_record(
        subject,
        version,
        row.id.id,
        stored.schema_type,
        &stored.references,
        stored.contract(),
        stored.text(),
        true,
    ))
}

/// `DELETE /subjects/{subject}`: the versions deleted.
pub(crate) fn subject(
    tx: &mut Tx<'_>,
    subject: String,
    permanent: bool,
) -> Result<Vec<u32>, ApiError> {
    let state = &*tx.state;
    // As Confluent: an unknown subject is 40401 before the mode is looked at.
    let s = state.visible(&subject, true)?;
    refuse_read_only(state, &subject)?;
    let mut records = Vec::new();
    let mut versions = Vec::new();
    if permanent {
        if s.has_live() {
            return Err(ApiError::SubjectNotSoftDeleted(subject));
        }
        for version in s.versions.keys() {
            if state.is_referenced(&subject, *version) {
                return Err(reference_exists(&subject, *version));
            }
            versions.push(version.0);
            records.push(Record { key: RecordKey::schema(&subject, version.0), value: None });
        }
        // A permanently deleted subject leaves no config or mode behind, as Confluent.
        if s.config.is_some() {
            records.push(Record { key: RecordKey::config(Some(subject.clone())), value: None });
        }
        if s.mode.is_some() {
            records.push(Record { key: RecordKey::mode(Some(subject.clone())), value: None });
        }
    } else {
        if !s.has_live() {
            return Err(ApiError::SubjectSoftDeleted(subject));
        }
        for (version, row) in s.live() {
            if !state.referrers(&subject, version, false).is_empty() {
                return Err(reference_exists(&subject, version));
            }
            versions.push(version.0);
            records.extend(soft_delete_record(state, &subject, version, row));
        }
    }
    for record in records {
        tx.emit(record);
    }
    Ok(versions)
}

/// `DELETE /subjects/{subject}/versions/{version}`: the version deleted.
pub(crate) fn version(
    tx: &mut Tx<'_>,
    subject: String,
    spec: VersionSpec,
    permanent: bool,
) -> Result<u32, ApiError> {
    let state = &*tx.state;
    // As Confluent: a subject is known while it has any version, soft-deleted ones included
    // (an unknown version of a soft-deleted subject is 40402, not 40401).
    let s = state.visible(&subject, true)?;
    // `latest` names the latest live version for a soft delete (40406 when every version is
    // soft-deleted); an exact version that is already soft-deleted answers 40406, not 40402.
    let (version, row) = match (spec, permanent) {
        (VersionSpec::Latest, false) => match s.latest_live() {
            Some(latest) => latest,
            None => {
                let (version, _) = s.resolve(spec, true)?;
                return Err(ApiError::VersionSoftDeleted(subject, version.0));
            }
        },
        _ => s.resolve(spec, true)?,
    };
    // As Confluent: the version is found (or not) and a soft delete of a soft-deleted version
    // refused before the mode is looked at.
    if !permanent && row.deleted {
        return Err(ApiError::VersionSoftDeleted(subject, version.0));
    }
    refuse_read_only(state, &subject)?;
    let record = if permanent {
        if !row.deleted {
            return Err(ApiError::VersionNotSoftDeleted(subject, version.0));
        }
        if state.is_referenced(&subject, version) {
            return Err(reference_exists(&subject, version));
        }
        Record { key: RecordKey::schema(&subject, version.0), value: None }
    } else {
        if row.deleted {
            return Err(ApiError::VersionSoftDeleted(subject, version.0));
        }
        if !state.referrers(&subject, version, false).is_empty() {
            return Err(reference_exists(&subject, version));
        }
        soft_delete_record(state, &subject, version, row)
            .ok_or_else(|| ApiError::Store("version row without schema".into()))?
    };
    tx.emit(record);
    Ok(version.0)
}
