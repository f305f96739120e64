//! `/schemas/...`: reads by id (the hottest path: it answers pre-serialized bytes) and by GUID,
//! the list of every schema, and the supported types. Ids are per context: `?subject=` picks the
//! context as Confluent does (`RegistryState::find_id`); without it, the default context.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use schemata_core::api::{ContextId, SubjectVersion};
use schemata_core::context::matches_prefix;
use schemata_core::{Guid, SchemaId, SchemaType};

use super::subjects::subject_schema;
use super::{App, Params, json, json_bytes};
use crate::auth::Access;
use crate::error::ApiError;
use crate::state::{RegistryState, Sid};

/// Parses `{id}`: what Jersey cannot read as a Java `Integer` (not a number, or beyond 32 bits)
/// is an unknown path (404/404, as Confluent), an integer that names no schema (0, negative) an
/// unknown schema (40403).
fn id(path: Result<Path<String>, PathRejection>) -> Result<SchemaId, ApiError> {
    let raw = path.map(|Path(raw)| raw).map_err(|_| ApiError::NotFound)?;
    let number: i32 = raw.parse().map_err(|_| ApiError::NotFound)?;
    SchemaId::new(i64::from(number)).ok_or(ApiError::SchemaNotFound(raw))
}

/// The schema `id` names, in the context `?subject=` selects (`RegistryState::find_id`).
fn find(state: &RegistryState, id: SchemaId, params: &Params) -> Result<Sid, ApiError> {
    state.find_id(id, params.get("subject")).ok_or_else(|| ApiError::SchemaNotFound(id.to_string()))
}

pub(crate) async fn by_id(
    State(app): State<App>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = id(path)?;
    // The published snapshot: it never waits behind the writer's fsync.
    let state = app.shared.read();
    // Without a query, the default context: the hot path parses nothing.
    let id = match query.as_deref() {
        None => Sid::default_ctx(id),
        query => find(&state, id, &Params::parse(query))?,
    };
    let stored = state.schemas.get(&id).ok_or_else(|| ApiError::SchemaNotFound(id.to_string()))?;
    let (mut body, max_id) = (stored.body.clone(), state.max_id(id.ctx));
    if query.is_some()
        && let Some(format) = Params::parse(query.as_deref()).get("format")
        && let Some(formatted) = formatted(&app, &state, id, &body, format)
    {
        body = Bytes::from(formatted);
    }
    drop(state);
    if query.is_some() && Params::parse(query.as_deref()).flag("fetchMaxId") {
        let mut spliced = Vec::with_capacity(body.len() + 24);
        spliced.extend_from_slice(body.get(..body.len().saturating_sub(1)).unwrap_or_default());
        spliced.extend_from_slice(format!(",\"maxId\":{max_id}}}").as_bytes());
        return Ok(json_bytes(Bytes::from(spliced)));
    }
    Ok(json_bytes(body))
}

/// `body` (any JSON object with a `schema` member) with the schema of `id` in Confluent's
/// `format`: `serialized` gives a PROTOBUF schema as a base64 `FileDescriptorProto`, `resolved`
/// an AVRO schema with the named types of its references written inline. `None` when the format
/// does not apply to the type (or is unknown): the schema answers as stored, as in Confluent.
pub(super) fn formatted(
    app: &App,
    state: &RegistryState,
    id: Sid,
    body: &[u8],
    format: &str,
) -> Option<Vec<u8>> {
    let stored = state.schemas.get(&id)?;
    let text = match (format, stored.schema_type) {
        ("serialized", SchemaType::Protobuf) => {
            app.shared.cache.parsed(state, id).ok()?.as_protobuf()?.serialized()
        }
        ("resolved", SchemaType::Avro) if !stored.references.is_empty() => {
            // References resolve in the schema's context, as when it was parsed.
            let referrer = schemata_core::context::prefix(&id.ctx.name());
            schemata_core::Schema::resolved_avro_text(
                &stored.text(),
                &stored.references,
                &mut |r| state.referenced(&referrer, r),
            )
            .ok()?
        }
        _ => return None,
    };
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value["schema"] = serde_json::Value::String(text);
    serde_json::to_vec(&value).ok()
}

/// The ids of a `{guid}` path segment with their contexts, the default context first, then by
/// context name and id: text that is not a GUID names no schema (40403, as an unknown GUID),
/// whatever its spelling.
fn ids_of_guid(
    state: &RegistryState,
    path: Result<Path<String>, PathRejection>,
) -> Result<Vec<(String, Sid)>, ApiError> {
    let raw = path.map(|Path(raw)| raw).map_err(|_| ApiError::NotFound)?;
    let not_found = || ApiError::SchemaNotFound(raw.chars().take(64).collect());
    let guid: Guid = raw.parse().map_err(|_| not_found())?;
    let ids = state.by_guid.get(&guid).ok_or_else(not_found)?;
    let mut named: Vec<(String, Sid)> =
        ids.iter().map(|sid| (sid.ctx.name().to_string(), *sid)).collect();
    named.sort_by(|(a, x), (b, y)| (a != ".", a, x.id).cmp(&(b != ".", b, y.id)));
    Ok(named)
}

/// `GET /schemas/guids/{guid}`: the schema as by id, looked for in the default context first,
/// then in each context (as Confluent); its lowest id when an import gave the same text several.
pub(crate) async fn by_guid(
    State(app): State<App>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let state = app.shared.read();
    let id = ids_of_guid(&state, path)?[0].1;
    let stored = state.schemas.get(&id).ok_or_else(|| ApiError::SchemaNotFound(id.to_string()))?;
    let mut body = stored.body.clone();
    if query.is_some()
        && let Some(format) = Params::parse(query.as_deref()).get("format")
        && let Some(formatted) = formatted(&app, &state, id, &body, format)
    {
        body = Bytes::from(formatted);
    }
    Ok(json_bytes(body))
}

/// `GET /schemas/guids/{guid}/ids`: the ids the GUID has, per context.
pub(crate) async fn ids_by_guid(
    State(app): State<App>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let ids = ids_of_guid(&app.shared.read(), path)?;
    let ids: Vec<ContextId> =
        ids.into_iter().map(|(context, sid)| ContextId { context, id: sid.id.0 as i32 }).collect();
    Ok(json(&ids))
}

pub(crate) async fn text_by_id(
    State(app): State<App>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = id(path)?;
    let state = app.shared.read();
    let id = find(&state, id, &Params::parse(query.as_deref()))?;
    let stored = state.schemas.get(&id).ok_or_else(|| ApiError::SchemaNotFound(id.to_string()))?;
    Ok(json_bytes(Bytes::from(stored.text())))
}

/// Every (subject, version) row with `id` (its context's), soft-deleted ones only with
/// `deleted`.
fn rows(state: &RegistryState, id: Sid, deleted: bool) -> Vec<SubjectVersion> {
    let mut rows = Vec::new();
    for (subject, s) in &state.subjects {
        for (version, row) in &s.versions {
            if row.id == id && (deleted || !row.deleted) {
                rows.push(SubjectVersion { subject: subject.clone(), version: version.0 as i32 });
            }
        }
    }
    rows
}

pub(crate) async fn subjects_by_id(
    State(app): State<App>,
    access: Access,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = id(path)?;
    let params = Params::parse(query.as_deref());
    let page = params.page(app.shared.limits.max_list_len)?;
    let mut subjects: Vec<String> = {
        let state = app.shared.read();
        let id = find(&state, id, &params)?;
        let rows = rows(&state, id, params.flag("deleted")).into_iter();
        rows.filter(|r| access.can_read(&r.subject)).map(|r| r.subject).collect()
    };
    subjects.dedup();
    Ok(json(&page.apply(subjects)))
}

pub(crate) async fn versions_by_id(
    State(app): State<App>,
    access: Access,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = id(path)?;
    let params = Params::parse(query.as_deref());
    let page = params.page(app.shared.limits.max_list_len)?;
    let rows = {
        let state = app.shared.read();
        let id = find(&state, id, &params)?;
        let mut rows = rows(&state, id, params.flag("deleted"));
        rows.retain(|r| access.can_read(&r.subject));
        rows
    };
    Ok(json(&page.apply(rows)))
}

pub(crate) async fn list_schemas(
    State(app): State<App>,
    access: Access,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query.as_deref());
    // Confluent's default here is the default context only (`:*:` lists every context).
    let wanted = params.get("subjectPrefix").unwrap_or("").to_owned();
    let start = super::subjects::range_start(&wanted);
    let deleted = params.flag("deleted");
    let latest_only = params.flag("latestOnly");
    let items: Vec<Vec<u8>> = {
        let state = app.shared.read();
        let mut rows = Vec::new();
        for (subject, s) in state.subjects.range(start.clone()..) {
            if !subject.starts_with(&start) {
                break;
            }
            if !matches_prefix(subject, &wanted) || !access.can_read(subject) {
                continue;
            }
            let visible: Vec<_> =
                s.versions.iter().filter(|(_, row)| deleted || !row.deleted).collect();
            let chosen = if latest_only {
                &visible[visible.len().saturating_sub(1)..]
            } else {
                &visible[..]
            };
            for (version, row) in chosen {
                rows.push((subject.as_str(), **version, row.id));
            }
        }
        let rows = params.paginate(rows, app.shared.limits.max_list_len)?;
        rows.into_iter()
            .map(|(subject, version, id)| subject_schema(&state, subject, version, id))
            .collect()
    };
    let mut out = Vec::with_capacity(items.iter().map(Vec::len).sum::<usize>() + items.len() + 2);
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item);
    }
    out.push(b']');
    Ok(json_bytes(Bytes::from(out)))
}

pub(crate) async fn types() -> Response {
    json(&["AVRO", "JSON", "PROTOBUF"])
}
