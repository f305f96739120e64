//! `/subjects/...`: listing subjects and versions, reading a version, lookup, registration and
//! the two deletes. Reads use the published snapshot; parses and checks run on the check pool;
//! writes are jobs for the writer (`jobs`).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use schemata_core::api::{RegisterSchemaRequest, RegisterSchemaResponse};
use schemata_core::context::{CONTEXT_WILDCARD, Qualified, matches_prefix};
use schemata_core::{Contract, Version, VersionSpec};

use super::{
    App, BodyKind, Params, existing_subject, json, json_bytes, read_json, subject, version_spec,
};
use crate::auth::Access;
use crate::error::ApiError;
use crate::jobs::register::{Outcome, Registration};
use crate::state::{RegistryState, Sid};
use crate::{dedup, jobs, request};

type OnePath = Result<Path<String>, PathRejection>;
pub(super) type TwoPath = Result<Path<(String, String)>, PathRejection>;

/// Path segments that are not valid UTF-8 are an invalid subject, not axum's plain-text error.
pub(super) fn one(path: OnePath) -> Result<String, ApiError> {
    path.map(|Path(s)| s).map_err(|_| ApiError::InvalidSubject)
}

/// A `/subjects/{subject}/versions/{version}` path: the subject and the version spec. As in
/// Confluent, the version is checked first (42202 whatever the subject), and every route with
/// this path only finds a subject (`existing_subject`).
pub(super) fn subject_version(path: TwoPath) -> Result<(String, VersionSpec), ApiError> {
    let (raw_subject, raw_version) = path.map(|Path(p)| p).map_err(|_| ApiError::InvalidSubject)?;
    let spec = version_spec(&raw_version)?;
    Ok((existing_subject(raw_subject), spec))
}

/// `{"subject":..,"version":..,"id":..,` spliced onto the pre-serialized by-id body, which
/// carries schemaType, references and schema.
pub(super) fn subject_schema(
    state: &RegistryState,
    subject: &str,
    version: Version,
    id: Sid,
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

/// Where in the (sorted) subject map a `subjectPrefix` listing starts: the prefix in its stored
/// form (`:.:x` is `x`), or the start for `:*:`, which looks into every context.
pub(crate) fn range_start(subject_prefix: &str) -> String {
    if subject_prefix.starts_with(CONTEXT_WILDCARD) {
        return String::new();
    }
    Qualified::parse(subject_prefix).to_subject().into_owned()
}

pub(crate) async fn list_subjects(
    State(app): State<App>,
    access: Access,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query.as_deref());
    // Without a prefix, Confluent lists every context (`:*:`); a prefix lists its own context.
    let wanted = params.get("subjectPrefix").unwrap_or(CONTEXT_WILDCARD).to_owned();
    let prefix = range_start(&wanted);
    let deleted = params.flag("deleted");
    let deleted_only = params.flag("deletedOnly");
    let names: Vec<String> = {
        let state = app.shared.read();
        state
            .subjects
            .range(prefix.clone()..)
            .take_while(|(name, _)| name.starts_with(&prefix))
            .filter(|(name, _)| matches_prefix(name, &wanted) && access.can_read(name))
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
    Ok(json(&params.paginate(names, app.shared.limits.max_list_len)?))
}

/// A version of `subject`, as Confluent's `getUsingContexts` finds it: in the subject itself,
/// else (for a subject without a context) in the first other context, by name, where the
/// qualified subject has it; the subject's own error (40401, 40402) when none does. So a
/// client resolving an unqualified reference of a schema in a context finds it.
fn resolve_using_contexts(
    state: &RegistryState,
    subject: String,
    spec: VersionSpec,
    deleted: bool,
) -> Result<(String, Version, crate::state::VersionRow), ApiError> {
    let error = match state.visible(&subject, deleted).and_then(|s| s.resolve(spec, deleted)) {
        Ok((version, row)) => return Ok((subject, version, row)),
        Err(error) => error,
    };
    if subject.starts_with(":.") {
        return Err(error);
    }
    for name in state.context_names().iter().skip(1) {
        let qualified = schemata_core::context::qualify(name, &subject);
        let found = state.visible(&qualified, deleted).and_then(|s| s.resolve(spec, deleted));
        if let Ok((version, row)) = found {
            return Ok((qualified, version, row));
        }
    }
    Err(error)
}

pub(crate) async fn list_versions(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let subject = existing_subject(one(path)?);
    let params = Params::parse(query.as_deref());
    let page = params.page(app.shared.limits.max_list_len)?;
    let deleted_only = params.flag("deletedOnly");
    let deleted = params.flag("deleted") || deleted_only;
    // Confluent's `deletedAsNegative`: soft-deleted versions listed as their negation.
    let negative = params.flag("deletedAsNegative");
    let versions: Vec<i64> = {
        let state = app.shared.read();
        let s = state.visible(&subject, deleted)?;
        s.versions
            .iter()
            .filter(|(_, row)| if deleted_only { row.deleted } else { deleted || !row.deleted })
            .map(|(v, row)| if negative && row.deleted { -i64::from(v.0) } else { i64::from(v.0) })
            .collect()
    };
    Ok(json(&page.apply(versions)))
}

pub(crate) async fn get_version(
    State(app): State<App>,
    path: TwoPath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (subject, spec) = subject_version(path)?;
    let params = Params::parse(query.as_deref());
    let deleted = params.flag("deleted");
    let state = app.shared.read();
    let (subject, version, row) = resolve_using_contexts(&state, subject, spec, deleted)?;
    let body = subject_schema(&state, &subject, version, row.id);
    if let Some(format) = params.get("format")
        && let Some(formatted) = super::schemas::formatted(&app, &state, row.id, &body, format)
    {
        return Ok(json_bytes(Bytes::from(formatted)));
    }
    Ok(json_bytes(Bytes::from(body)))
}

pub(crate) async fn get_version_text(
    State(app): State<App>,
    path: TwoPath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (subject, spec) = subject_version(path)?;
    let deleted = Params::parse(query.as_deref()).flag("deleted");
    let state = app.shared.read();
    let (_, _, row) = resolve_using_contexts(&state, subject, spec, deleted)?;
    let text = state.schemas.get(&row.id).map(|s| s.text()).unwrap_or_default();
    Ok(json_bytes(Bytes::from(text)))
}

pub(crate) async fn referenced_by(
    State(app): State<App>,
    path: TwoPath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (subject, spec) = subject_version(path)?;
    let params = Params::parse(query.as_deref());
    let page = params.page(app.shared.limits.max_list_len)?;
    let deleted = params.flag("deleted");
    let ids = {
        let state = app.shared.read();
        // Confluent finds the referenced version among soft-deleted ones too (a soft-deleted
        // version can still be referenced, and this is how one learns by what); `deleted` only
        // widens the referrers listed.
        let (version, _) = state.visible(&subject, true)?.resolve(spec, true)?;
        state.referrers(&subject, version, deleted)
    };
    Ok(json(&page.apply(ids)))
}

pub(crate) async fn lookup(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let subject = existing_subject(one(path)?);
    let params = Params::parse(query.as_deref());
    let (deleted, normalize) = (params.flag("deleted"), params.flag("normalize"));
    let request: RegisterSchemaRequest = read_json(&app.shared, body, BodyKind::Schema).await?;
    // Parsing (and building the dedup index the first time) is CPU work: on the check pool.
    let shared = Arc::clone(&app.shared);
    let body = app
        .shared
        .check(move || {
            let state = shared.read();
            let first = lookup_in(&shared, &state, &subject, &request, deleted, normalize);
            match first {
                // As Confluent's `lookUpSchemaUnderSubjectUsingContexts`: a subject without a
                // context that does not hold the schema is looked for, qualified, in every
                // other context (so a client that knows only `name` finds `:.ctx:name`).
                Err(error @ (ApiError::SubjectNotFound(_) | ApiError::SchemaNotFoundInSubject))
                    if !subject.starts_with(":.") =>
                {
                    for name in state.context_names().iter().skip(1) {
                        let qualified = schemata_core::context::qualify(name, &subject);
                        let found =
                            lookup_in(&shared, &state, &qualified, &request, deleted, normalize);
                        if found.is_ok() {
                            return found;
                        }
                    }
                    Err(error)
                }
                other => other,
            }
        })
        .await?;
    Ok(json_bytes(Bytes::from(body)))
}

/// The lookup within one subject: the version of `subject` holding the request's schema.
fn lookup_in(
    shared: &crate::shared::Shared,
    state: &RegistryState,
    subject: &str,
    request: &RegisterSchemaRequest,
    deleted: bool,
    normalize: bool,
) -> Result<Vec<u8>, ApiError> {
    let subject = subject.to_owned();
    let s = state.visible(&subject, deleted)?;
    let schema = request::parse_request(&shared.limits, state, &subject, request)?;
    // The index keys on each stored text's identity (`Schema::identity`): without
    // `normalize` (asked or configured) the schema is found as written, with it by its
    // normalized form, as a registration would find it; and on the contract, first as
    // the request carries it, then (as Confluent) as a registration would inherit and
    // merge it.
    let normalize =
        normalize || state.effective_config(&subject).and_then(|c| c.normalize) == Some(true);
    let hash = if normalize { schema.normalized_sha256() } else { schema.sha256() };
    let find = |contract: &Contract| {
        let id = dedup::find(shared, state, &subject, contract.hash(hash))?;
        s.versions.iter().rev().find(|(_, row)| row.id == id && (deleted || !row.deleted))
    };
    let (metadata, rule_set) = (request.metadata.as_ref(), request.rule_set.as_ref());
    let requested = Contract {
        metadata: metadata.filter(|m| !m.is_empty()).cloned(),
        rule_set: rule_set.filter(|r| !r.is_empty()).cloned(),
    };
    let inherited = state.contract_for(&subject, metadata, rule_set, None);
    let found = find(&requested).or_else(|| find(&inherited)).or_else(|| {
        // As Confluent's lookup, which falls back to comparing the parsed schema with
        // each version's (Avro's `equals`), each normalized first when normalizing: an
        // Avro schema that differs only in what Avro's equality ignores is found, and
        // with `normalize` so is a version stored un-normalized (JSON Schema's
        // `{"type":["string"]}` found by `{"type":"string"}`).
        let wanted = avro_equality_form(&schema);
        if wanted.is_none() && !normalize {
            return None;
        }
        s.versions.iter().rev().filter(|(_, row)| deleted || !row.deleted).find(|(_, row)| {
            let contract = state.schemas.get(&row.id).map(|stored| stored.contract());
            let Ok(stored) = shared.cache.parsed(state, row.id) else { return false };
            contract.is_some_and(|c| *c == requested || *c == inherited)
                && stored.references() == schema.references()
                && ((normalize && stored.normalized() == schema.normalized())
                    || (wanted.is_some() && avro_equality_form(&stored) == wanted))
        })
    });
    let Some((version, row)) = found else {
        return Err(ApiError::SchemaNotFoundInSubject);
    };
    Ok(subject_schema(state, &subject, *version, row.id))
}

/// An Avro schema as Avro's `Schema.equals` sees it (what Confluent's lookup compares): the
/// normalized form without `doc` and `aliases` on named types and fields, and a primitive
/// written as an object without the attributes Avro's parser drops from it (`name`,
/// `namespace` and the other reserved ones), so `{"type":"int","name":"x"}` is `"int"`.
/// Defaults, orders, logical types and custom properties stay: Avro compares them. `None` for
/// the other schema types (their lookups compare the normalized form only).
fn avro_equality_form(schema: &schemata_core::Schema) -> Option<serde_json::Value> {
    if schema.schema_type() != schemata_core::SchemaType::Avro {
        return None;
    }
    let mut value = serde_json::from_str(schema.normalized()).ok()?;
    strip_ignored(&mut value);
    Some(value)
}

const PRIMITIVES: [&str; 8] =
    ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];

/// Attributes Avro's parser does not keep on a primitive type.
const PRIMITIVE_DROPPED: [&str; 9] =
    ["name", "namespace", "doc", "aliases", "fields", "items", "size", "symbols", "values"];

fn strip_ignored(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Array(branches) => branches.iter_mut().for_each(strip_ignored),
        Value::Object(node) => {
            let kind = node.get("type").and_then(Value::as_str).map(str::to_owned);
            match kind.as_deref() {
                Some(primitive) if PRIMITIVES.contains(&primitive) => {
                    node.retain(|key, _| !PRIMITIVE_DROPPED.contains(&key.as_str()));
                    if node.len() == 1 {
                        *value = Value::String(primitive.to_owned());
                    }
                    return;
                }
                Some("record" | "error") => {
                    if let Some(Value::Array(fields)) = node.get_mut("fields") {
                        for field in fields.iter_mut().filter_map(Value::as_object_mut) {
                            field.remove("doc");
                            field.remove("aliases");
                            if let Some(kind) = field.get_mut("type") {
                                strip_ignored(kind);
                            }
                        }
                    }
                }
                Some("array") => node.get_mut("items").into_iter().for_each(strip_ignored),
                Some("map") => node.get_mut("values").into_iter().for_each(strip_ignored),
                Some(_) => {}
                // `{"type": {...}}` or `{"type": [...]}`: the type itself.
                None => node.get_mut("type").into_iter().for_each(strip_ignored),
            }
            node.remove("doc");
            node.remove("aliases");
        }
        _ => {}
    }
}

/// `GET /subjects/{subject}/metadata?key=K&value=V...`: the latest version whose metadata has
/// every (key, value) pair among its properties (`use.latest.with.metadata`), soft-deleted ones
/// too with `deleted=true`.
pub(crate) async fn latest_with_metadata(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let subject = existing_subject(one(path)?);
    let params = Params::parse(query.as_deref());
    let deleted = params.flag("deleted");
    // As Confluent: keys and values pair up in order, the extra ones of the longer list are
    // dropped, and a key given twice keeps its last value (they fill a map).
    let pairs: std::collections::HashMap<&str, &str> =
        params.all("key").into_iter().zip(params.all("value")).collect();
    let wanted: Vec<(String, String)> =
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let state = app.shared.read();
    let s = state.visible(&subject, deleted)?;
    let found =
        s.versions.iter().rev().filter(|(_, row)| deleted || !row.deleted).find(|(_, row)| {
            let contract = state.schemas.get(&row.id).map(|stored| stored.contract());
            contract.and_then(|c| c.metadata.as_ref()).is_some_and(|m| m.matches(&wanted))
        });
    let Some((version, row)) = found else {
        return Err(ApiError::SchemaNotFoundInSubject);
    };
    Ok(json_bytes(Bytes::from(subject_schema(&state, &subject, *version, row.id))))
}

/// Most times a registration is checked again because versions landed in its subject while it
/// was being checked (each time, another registration made progress).
const MAX_REGISTER_ATTEMPTS: usize = 64;

pub(crate) async fn register(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let subject = subject(&app.shared, one(path)?)?;
    let normalize = Params::parse(query.as_deref()).flag("normalize");
    let request: RegisterSchemaRequest = read_json(&app.shared, body, BodyKind::Schema).await?;
    let (id, version) = register_schema(&app, subject, normalize, request).await?;
    // The answer comes after the write is published, so the snapshot has the schema's GUID.
    let guid = app.shared.read().schemas.get(&id).map(|stored| stored.guid.to_string());
    let id = id.id.0 as i32;
    Ok(json(&RegisterSchemaResponse { id, version: Some(version.0 as i32), guid }))
}

/// The whole write path of a registration (also the web UI's): the id and version registered
/// or found already registered.
pub(crate) async fn register_schema(
    app: &App,
    subject: String,
    normalize: bool,
    request: RegisterSchemaRequest,
) -> Result<(Sid, Version), ApiError> {
    // The parse and the compatibility check (the expensive parts) run on the check pool against
    // a published snapshot, never in the writer; the writer only confirms the check still holds.
    let shared = Arc::clone(&app.shared);
    let (registration, mut precheck) = app
        .shared
        .check(move || {
            let state = shared.read();
            // As Confluent, READONLY refuses before the schema is read (an invalid schema is
            // 42205 there too); the writer checks the mode again against the current state.
            if state.mode(&subject) == crate::state::Mode::ReadOnly {
                return Err(ApiError::NotPermitted(state.read_only_message(&subject)));
            }
            let mut request = request;
            reuse_previous_schema(&state, &subject, &mut request);
            let schema = request::parse_request(&shared.limits, &state, &subject, &request)?;
            let registration = Registration::new(subject, normalize, &request, schema)?;
            let precheck = registration.precheck(&shared, &state)?;
            Ok((Arc::new(registration), precheck))
        })
        .await?;
    for _ in 0..MAX_REGISTER_ATTEMPTS {
        let job = Arc::clone(&registration);
        let outcome = app.writer.submit(move |tx| job.run(tx, &precheck)).await?;
        match outcome {
            Outcome::Registered(id, version) => return Ok((id, version)),
            Outcome::Stale => {
                let (job, shared) = (Arc::clone(&registration), Arc::clone(&app.shared));
                precheck = app.shared.check(move || job.precheck(&shared, &shared.read())).await?;
            }
        }
    }
    Err(ApiError::Timeout)
}

/// Confluent's "update the contract only" idiom: a registration with an empty schema and a
/// contract takes the latest live version's schema text, type and references (so a new version
/// differs only in its metadata or rules). Without a contract or a previous version, the empty
/// schema stays and is refused as usual.
fn reuse_previous_schema(
    state: &RegistryState,
    subject: &str,
    request: &mut RegisterSchemaRequest,
) {
    if !request.schema.trim().is_empty()
        || (request.metadata.is_none() && request.rule_set.is_none())
    {
        return;
    }
    let Some((_, row)) = state.subjects.get(subject).and_then(|s| s.latest_live()) else { return };
    let Some(stored) = state.schemas.get(&row.id) else { return };
    request.schema = stored.text();
    request.schema_type = stored.schema_type.to_optional().map(str::to_owned);
    request.references = crate::state::api_references(&stored.references);
}

pub(crate) async fn delete_subject(
    State(app): State<App>,
    path: OnePath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let subject = existing_subject(one(path)?);
    let permanent = Params::parse(query.as_deref()).flag("permanent");
    let versions =
        app.writer.submit(move |tx| jobs::delete::subject(tx, subject, permanent)).await?;
    Ok(json(&versions))
}

pub(crate) async fn delete_version(
    State(app): State<App>,
    path: TwoPath,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (subject, spec) = subject_version(path)?;
    let permanent = Params::parse(query.as_deref()).flag("permanent");
    let version =
        app.writer.submit(move |tx| jobs::delete::version(tx, subject, spec, permanent)).await?;
    Ok(json(&version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemata_core::{Schema, SchemaType};

    fn form(text: &str) -> serde_json::Value {
        avro_equality_form(&Schema::parse(SchemaType::Avro, text).unwrap()).unwrap()
    }

    #[test]
    fn avro_equality_ignores_what_avro_equals_ignores_and_nothing_else() {
        let record = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#;
        let same = [r#"{"type":"int","name":"x","doc":"d"}"#, r#"{"type":"int"}"#];
        for text in same {
            assert_eq!(form(text), form("\"int\""), "{text}");
        }
        let documented = r#"{"type":"record","name":"R","doc":"d","aliases":["Q"],"fields":[{"name":"a","type":{"type":"int","name":"n"},"doc":"x","aliases":["b"]}]}"#;
        assert_eq!(form(documented), form(record));
        let different = [
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":1}]}"#,
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"ignore"}]}"#,
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","p":"q"}]}"#,
            r#"{"type":"record","name":"S","fields":[{"name":"a","type":"int"}]}"#,
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}"#,
        ];
        for text in different {
            assert_ne!(form(text), form(record), "{text}");
        }
        assert_ne!(form(r#"{"type":"int","logicalType":"date"}"#), form("\"int\""));
        assert!(avro_equality_form(&Schema::parse(SchemaType::Json, "{}").unwrap()).is_none());
    }
}
