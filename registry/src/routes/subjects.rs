//! `/subjects/...`: listing subjects and versions, reading a version, lookup, registration and
//! the two deletes. Reads take the state read lock briefly; writes are jobs for the writer.

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use schemata_core::api::{RegisterSchemaRequest, RegisterSchemaResponse};
use schemata_core::records::{Record, RecordKey};
use schemata_core::{SchemaId, Version};

use super::{App, BodyKind, Params, VersionSpec, json, json_bytes, read_json, subject};
use crate::error::ApiError;
use crate::state::{Mode, State as Registry, SubjectState, VersionRow, schema_record};

type OnePath = Result<Path<String>, PathRejection>;
pub(super) type TwoPath = Result<Path<(String, String)>, PathRejection>;

/// Path segments that are not valid UTF-8 are an invalid subject, not axum's plain-text error.
pub(super) fn one(path: OnePath) -> Result<String, ApiError> {
    path.map(|Path(s)| s).map_err(|_| ApiError::InvalidSubject)
}

/// A `/subjects/{subject}/versions/{version}` path: the validated subject (checked first, as its
/// errors take precedence) and the version spec.
pub(super) fn subject_version(app: &App, path: TwoPath) -> Result<(String, VersionSpec), ApiError> {
    let (raw_subject, raw_version) = path.map(|Path(p)| p).map_err(|_| ApiError::InvalidSubject)?;
    let subject = subject(&app.core, raw_subject)?;
    Ok((subject, VersionSpec::parse(&raw_version)?))
}

/// The subject's state if it has versions visible with `deleted`, else 40401.
pub(super) fn visible<'s>(
    state: &'s Registry,
    subject: &str,
    deleted: bool,
) -> Result<&'s SubjectState, ApiError> {
    state
        .subjects
        .get(subject)
        .filter(|s| if deleted { !s.versions.is_empty() } else { s.has_live() })
        .ok_or_else(|| ApiError::SubjectNotFound(subject.to_owned()))
}

/// Resolves a version spec within a subject, soft-deleted rows only with `deleted`.
pub(super) fn resolve(
    s: &SubjectState,
    spec: VersionSpec,
    deleted: bool,
) -> Result<(Version, VersionRow), ApiError> {
    match spec {
        VersionSpec::Latest => {
            let latest = if deleted {
                s.versions.iter().next_back().map(|(v, r)| (*v, *r))
            } else {
                s.latest_live()
            };
            latest.ok_or_else(|| ApiError::VersionNotFound("latest".into()))
        }
        VersionSpec::Exact(version) => s
            .versions
            .get(&version)
            .filter(|row| deleted || !row.deleted)
            .map(|row| (version, *row))
            .ok_or_else(|| ApiError::VersionNotFound(version.to_string())),
    }
}

/// `{"subject":..,"version":..,"id":..,` spliced onto the pre-serialized by-id body, which
/// carries schemaType, references and schema.
pub(super) fn subject_schema(
    state: &Registry,
    subject: &str,
    version: Version,
    id: SchemaId,
) -> Vec<u8> {
    let Some(stored) = state.schemas.get(&id) else { return Vec::new() };
    let subject = serde_json::to_string(subject).unwrap_or_default();
    let mut out = Vec::with_capacity(stored.body.len() + subject.len() + 40);
    out.extend_from_slice(b"{\"subject\":");
    out.extend_from_slice(subject.as_bytes());
    out.extend_from_slice(format!(",\"version\":{version},\"id\":{id},").as_bytes());
    out.extend_from_slice(stored.body.get(1..).unwrap_or_default());
    out
}

pub(crate) async fn list_subjects(
    State(app): State<App>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query.as_deref());
    // ":*:" is Confluent's "every context" prefix; there is one context here.
    let prefix = params.get("subjectPrefix").filter(|p| *p != ":*:").unwrap_or("").to_owned();
    let deleted = params.flag("deleted");
    let deleted_only = params.flag("deletedOnly");
    let names: Vec<String> = {
        let state = app.core.read();
        state
            .subjects
            .range(prefix.clone()..)
            .take_while(|(name, _)| name.starts_with(&prefix))
            .filter(|(_, s)| {
                if deleted_only {
                    !s.has_live() && !s.versions.is_empty()
                } else if deleted {
                    !s.versions.is_empty()
                } else {
                    s.has_live()
                }
            })
            .map(|(name, _)| name.clone())
            .collect()
    };
    Ok(json(&params.paginate(names, app.core.limits.max_list_len)?))
}

pub(crate) async fn list_versions(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let subject = subject(&app.core, one(path)?)?;
    let params = Params::parse(query.as_deref());
    let deleted_only = params.flag("deletedOnly");
    let deleted = params.flag("deleted") || deleted_only;
    let versions: Vec<u32> = {
        let state = app.core.read();
        let s = visible(&state, &subject, deleted)?;
        s.versions
            .iter()
            .filter(|(_, row)| if deleted_only { row.deleted } else { deleted || !row.deleted })
            .map(|(v, _)| v.0)
            .collect()
    };
    Ok(json(&params.paginate(versions, app.core.limits.max_list_len)?))
}

pub(crate) async fn get_version(
    State(app): State<App>,
    path: TwoPath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (subject, spec) = subject_version(&app, path)?;
    let deleted = Params::parse(query.as_deref()).flag("deleted");
    let state = app.core.read();
    let (version, row) = resolve(visible(&state, &subject, deleted)?, spec, deleted)?;
    Ok(json_bytes(Bytes::from(subject_schema(&state, &subject, version, row.id))))
}

pub(crate) async fn get_version_text(
    State(app): State<App>,
    path: TwoPath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (subject, spec) = subject_version(&app, path)?;
    let deleted = Params::parse(query.as_deref()).flag("deleted");
    let state = app.core.read();
    let (_, row) = resolve(visible(&state, &subject, deleted)?, spec, deleted)?;
    let text = state.schemas.get(&row.id).map(|s| s.text()).unwrap_or_default();
    Ok(json_bytes(Bytes::from(text)))
}

pub(crate) async fn referenced_by(
    State(app): State<App>,
    path: TwoPath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (subject, spec) = subject_version(&app, path)?;
    let params = Params::parse(query.as_deref());
    let deleted = params.flag("deleted");
    let ids = {
        let state = app.core.read();
        let (version, _) = resolve(visible(&state, &subject, deleted)?, spec, deleted)?;
        state.referrers(&subject, version, deleted)
    };
    Ok(json(&params.paginate(ids, app.core.limits.max_list_len)?))
}

pub(crate) async fn lookup(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let subject = subject(&app.core, one(path)?)?;
    let deleted = Params::parse(query.as_deref()).flag("deleted");
    let request: RegisterSchemaRequest = read_json(&app.core, body, BodyKind::Schema).await?;
    // Parsing is the slow part: done before the lock when the schema allows it.
    let early = app.core.parse_early(&request);
    let state = app.core.read();
    let s = visible(&state, &subject, deleted)?;
    let schema = app.core.parse_late(early, &state, &request)?;
    // The index keys on the normalized form, so lookups with and without `normalize` both
    // find a schema that differs only in how it is written.
    let id = app.core.dedup(&state).get(&schema.sha256()).copied();
    let found = id.and_then(|id| {
        s.versions.iter().rev().find(|(_, row)| row.id == id && (deleted || !row.deleted))
    });
    let Some((version, row)) = found else { return Err(ApiError::SchemaNotFoundInSubject) };
    Ok(json_bytes(Bytes::from(subject_schema(&state, &subject, *version, row.id))))
}

pub(crate) async fn register(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let subject = subject(&app.core, one(path)?)?;
    let normalize = Params::parse(query.as_deref()).flag("normalize");
    let request: RegisterSchemaRequest = read_json(&app.core, body, BodyKind::Schema).await?;
    let wanted_id = match request.id {
        // Confluent clients send 0 or -1 for "no id".
        None | Some(0) | Some(-1) => None,
        Some(raw) => Some(SchemaId::new(raw).ok_or_else(|| {
            ApiError::InvalidSchema(format!("Invalid schema id {raw}: ids are 1..2^31-1"))
        })?),
    };
    let wanted_version = match request.version {
        None | Some(0) | Some(-1) => None,
        Some(raw) => {
            Some(Version::new(raw).ok_or_else(|| ApiError::InvalidVersion(raw.to_string()))?)
        }
    };
    // Parsing (the expensive part) happens here, outside the writer; the job re-checks the
    // references, which may have been deleted meanwhile.
    // A schema without references needs nothing from the state, so it is parsed without the
    // lock: the writer holds that lock through each fsync.
    let schema = match app.core.parse_early(&request) {
        Some(parsed) => parsed?,
        None => app.core.parse_request(&app.core.read(), &request)?,
    };
    let (id, version) = app
        .writer
        .submit(move |tx| {
            let state = &*tx.state;
            let mode = state.mode(&subject);
            if mode == Mode::ReadOnly {
                return Err(ApiError::NotPermitted(format!("Subject {subject} is in read-only mode")));
            }
            // As Confluent: explicit ids only while importing, and only explicit ids then.
            if (wanted_id.is_some() || wanted_version.is_some()) && mode != Mode::Import {
                return Err(ApiError::NotPermitted(format!("Subject {subject} is not in import mode")));
            }
            if wanted_id.is_none() && mode == Mode::Import {
                return Err(ApiError::NotPermitted(format!(
                    "Subject {subject} is not in read-write mode"
                )));
            }
            for reference in schema.references() {
                if state.referenced(reference).is_none() {
                    return Err(ApiError::InvalidSchema(format!(
                        "Invalid schema: reference '{}' to subject '{}' version {} was not found",
                        reference.name, reference.subject, reference.version
                    )));
                }
            }
            let hash = schema.sha256();
            let existing = tx.core.dedup(state).get(&hash).copied();
            let s = state.subjects.get(&subject);
            if let (Some(existing), Some(s)) = (existing, s)
                && let Some((version, _)) = s.live().rev().find(|(_, row)| row.id == existing)
            {
                // Registering what is already there answers it without a check, as Confluent.
                if wanted_id.is_some_and(|id| id != existing) {
                    return Err(id_taken(wanted_id, existing));
                }
                return Ok((existing, version));
            }
            if mode != Mode::Import {
                let level = state.level(&subject);
                let policy = state
                    .effective_config(&subject)
                    .and_then(|c| c.json_policy.as_deref())
                    .and_then(schemata_core::JsonPolicy::parse)
                    .unwrap_or_default();
                let against: Vec<(Version, SchemaId)> =
                    s.map(|s| s.live().rev().map(|(v, row)| (v, row.id)).collect()).unwrap_or_default();
                let messages = tx.core.compatibility_messages(state, level, policy, &schema, &against);
                if !messages.is_empty() {
                    return Err(ApiError::Incompatible(format!(
                        "Schema being registered is incompatible with an earlier schema for subject \"{subject}\", details: [{}]",
                        messages.join(", ")
                    )));
                }
            }
            let id = match wanted_id {
                Some(wanted) => {
                    if state.schemas.contains_key(&wanted) && existing != Some(wanted) {
                        return Err(ApiError::IdMismatch(format!(
                            "Schema id {wanted} is already taken by a different schema"
                        )));
                    }
                    // One content, one id: a second id for the same schema would make which
                    // one a later registration gets depend on history.
                    if let Some(existing) = existing.filter(|e| *e != wanted) {
                        return Err(id_taken(Some(wanted), existing));
                    }
                    wanted
                }
                None => match existing {
                    Some(existing) => existing,
                    None => SchemaId::new(i64::from(state.max_id) + 1)
                        .ok_or_else(|| ApiError::Store("schema ids are exhausted".into()))?,
                },
            };
            let next = s.and_then(|s| s.versions.keys().next_back()).map_or(1, |v| i64::from(v.0) + 1);
            let version = match wanted_version {
                Some(wanted) => {
                    if let Some(row) = s.and_then(|s| s.versions.get(&wanted)) {
                        if row.id == id && !row.deleted {
                            return Ok((id, wanted));
                        }
                        return Err(ApiError::IdMismatch(format!(
                            "Version {wanted} of subject '{subject}' already exists with id {}",
                            row.id
                        )));
                    }
                    wanted
                }
                None => Version::new(next)
                    .ok_or_else(|| ApiError::Store("versions of the subject are exhausted".into()))?,
            };
            // An id keeps the text it was first registered with, in every subject.
            let mut fresh = false;
            let text = match state.schemas.get(&id) {
                Some(stored) => stored.text(),
                None => {
                    let normalize = normalize
                        || state.effective_config(&subject).and_then(|c| c.normalize) == Some(true);
                    fresh = !normalize;
                    if normalize { schema.normalized().to_owned() } else { schema.text().to_owned() }
                }
            };
            let record =
                schema_record(&subject, version, id, schema.schema_type(), schema.references(), text, false);
            tx.emit(record);
            tx.state.index_hash(hash, id);
            // The next registration in this subject checks against this one: keep it parsed.
            if fresh && let Some(stored) = tx.state.schemas.get(&id) {
                tx.core.cache.put(id, stored.body.clone(), std::sync::Arc::new(schema));
            }
            Ok((id, version))
        })
        .await?;
    Ok(json(&RegisterSchemaResponse { id: id.0 as i32, version: Some(version.0 as i32) }))
}

fn id_taken(wanted: Option<SchemaId>, existing: SchemaId) -> ApiError {
    let wanted = wanted.map_or_else(String::new, |w| w.to_string());
    ApiError::IdMismatch(format!(
        "Schema already registered with id {existing} instead of input id {wanted}"
    ))
}

fn reference_exists(subject: &str, version: Version) -> ApiError {
    ApiError::ReferenceExists(format!(
        "One or more references exist to the schema {{magic=1,keytype=SCHEMA,subject={subject},version={version}}}."
    ))
}

/// The record that marks a row soft-deleted: its value again, with `deleted: true`.
fn soft_delete_record(
    state: &Registry,
    subject: &str,
    version: Version,
    row: VersionRow,
) -> Option<Record> {
    let stored = state.schemas.get(&row.id)?;
    Some(schema_record(
        subject,
        version,
        row.id,
        stored.schema_type,
        &stored.references,
        stored.text(),
        true,
    ))
}

pub(crate) async fn delete_subject(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let subject = subject(&app.core, one(path)?)?;
    let permanent = Params::parse(query.as_deref()).flag("permanent");
    let versions = app
        .writer
        .submit(move |tx| {
            let state = &*tx.state;
            if state.mode(&subject) == Mode::ReadOnly {
                return Err(ApiError::NotPermitted(format!(
                    "Subject {subject} is in read-only mode"
                )));
            }
            let s = visible(state, &subject, true)?;
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
                    records
                        .push(Record { key: RecordKey::schema(&subject, version.0), value: None });
                }
                // A permanently deleted subject leaves no config or mode behind, as Confluent.
                if s.config.is_some() {
                    records.push(Record {
                        key: RecordKey::config(Some(subject.clone())),
                        value: None,
                    });
                }
                if s.mode.is_some() {
                    records
                        .push(Record { key: RecordKey::mode(Some(subject.clone())), value: None });
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
        })
        .await?;
    Ok(json(&versions))
}

pub(crate) async fn delete_version(
    State(app): State<App>,
    path: TwoPath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (subject, spec) = subject_version(&app, path)?;
    let permanent = Params::parse(query.as_deref()).flag("permanent");
    let version = app
        .writer
        .submit(move |tx| {
            let state = &*tx.state;
            if state.mode(&subject) == Mode::ReadOnly {
                return Err(ApiError::NotPermitted(format!(
                    "Subject {subject} is in read-only mode"
                )));
            }
            let s = visible(state, &subject, permanent)?;
            // `latest` names the latest live version for a soft delete; an exact version that is
            // already soft-deleted must answer 40406, not 40402.
            let deleted = permanent || matches!(spec, VersionSpec::Exact(_));
            let (version, row) = resolve(s, spec, deleted)?;
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
        })
        .await?;
    Ok(json(&version))
}
