//! The HTTP surface: the routing table of the Confluent REST API v1 endpoints, the middleware
//! that times, counts, logs and bounds every request, and the small parsers every handler shares
//! (query parameters, JSON bodies, subjects, versions, pagination). Handlers live in the
//! submodules, one per resource.

mod compat;
mod config;
mod contexts;
mod negotiate;
mod schemas;
pub(crate) mod subjects;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use schemata_core::api::CONTENT_TYPE;
use schemata_core::{Subject, VersionSpec};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::shared::Shared;
use crate::writer::Writer;

/// What every handler gets.
#[derive(Debug, Clone)]
pub(crate) struct App {
    pub(crate) shared: Arc<Shared>,
    pub(crate) writer: Writer,
    /// Authentication and authorization; `None` when off (the default).
    pub(crate) auth: Option<Arc<crate::auth::Auth>>,
}

/// The whole routing table; `ui` mounts the web UI's own routes at `/ui` (`crate::ui`). One
/// trailing slash is dropped before routing, as Confluent (Jersey) does: Java's `RestService`
/// posts to `/compatibility/subjects/{s}/versions/` and tools read `/config/`.
pub(crate) fn router(app: App, ui: bool) -> Router {
    let table = table(app, ui);
    Router::new().fallback(move |request: Request| {
        let mut table = table.clone();
        async move {
            let request = match contexts::rewrite(without_trailing_slash(request)) {
                Ok(request) => request,
                Err(refused) => return refused.into_response(),
            };
            // A `Router` is always ready and never fails.
            match tower_service::Service::call(&mut table, request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
    })
}

/// `request` with one trailing `/` dropped from its path (not from `/` itself), the query kept.
fn without_trailing_slash(mut request: Request) -> Request {
    let uri = request.uri();
    let Some(path) = uri.path().strip_suffix('/').filter(|p| !p.is_empty()) else {
        return request;
    };
    let rewritten = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    if let Ok(path_and_query) = rewritten.parse::<axum::http::uri::PathAndQuery>() {
        let mut parts = uri.clone().into_parts();
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = axum::http::Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

fn table(app: App, ui: bool) -> Router {
    let routes = if ui { crate::ui::routes() } else { Router::new() };
    routes
        .route("/", get(root))
        .route("/contexts", get(contexts::list_contexts))
        .route("/contexts/{context}", delete(contexts::delete_context))
        .route("/subjects", get(subjects::list_subjects))
        .route("/subjects/{subject}", post(subjects::lookup).delete(subjects::delete_subject))
        .route("/subjects/{subject}/metadata", get(subjects::latest_with_metadata))
        .route(
            "/subjects/{subject}/versions",
            get(subjects::list_versions).post(subjects::register),
        )
        .route(
            "/subjects/{subject}/versions/{version}",
            get(subjects::get_version).delete(subjects::delete_version),
        )
        .route("/subjects/{subject}/versions/{version}/schema", get(subjects::get_version_text))
        .route("/subjects/{subject}/versions/{version}/referencedby", get(subjects::referenced_by))
        .route("/schemas", get(schemas::list_schemas))
        .route("/schemas/types", get(schemas::types))
        .route("/schemas/ids/{id}", get(schemas::by_id))
        .route("/schemas/ids/{id}/schema", get(schemas::text_by_id))
        .route("/schemas/ids/{id}/subjects", get(schemas::subjects_by_id))
        .route("/schemas/ids/{id}/versions", get(schemas::versions_by_id))
        .route("/schemas/guids/{guid}", get(schemas::by_guid))
        .route("/schemas/guids/{guid}/ids", get(schemas::ids_by_guid))
        .route("/compatibility/subjects/{subject}/versions", post(compat::against_level))
        .route(
            "/compatibility/subjects/{subject}/versions/{version}",
            post(compat::against_version),
        )
        .route(
            "/config",
            get(config::get_global_config)
                .put(config::put_global_config)
                .delete(config::delete_global_config),
        )
        .route(
            "/config/{subject}",
            get(config::get_subject_config)
                .put(config::put_subject_config)
                .delete(config::delete_subject_config),
        )
        .route(
            "/mode",
            get(config::get_global_mode)
                .put(config::put_global_mode)
                .delete(config::delete_global_mode),
        )
        .route(
            "/mode/{subject}",
            get(config::get_subject_mode)
                .put(config::put_subject_mode)
                .delete(config::delete_subject_mode),
        )
        .route("/v1/metadata/id", get(metadata_id))
        .route("/v1/metadata/version", get(metadata_version))
        .route("/metrics", get(metrics))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // Inside authentication, as in Confluent: a 401 comes before a 406 or 415.
        .layer(middleware::from_fn(negotiate::negotiate))
        // Inside `observe`, so refused requests are timed and counted like any other.
        .layer(middleware::from_fn_with_state(app.clone(), crate::auth::middleware))
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .with_state(app)
}

/// Times, counts and logs every request, and bounds how long it may take.
async fn observe(State(app): State<App>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    // The path is copied for the log line only when that line is wanted (not on the hot path).
    let path = tracing::enabled!(tracing::Level::DEBUG).then(|| {
        let info = request.extensions().get::<crate::serve::ConnectionInfo>();
        (request.uri().path().to_owned(), info.is_some_and(|info| info.tls))
    });
    let limit = Duration::from_millis(app.shared.limits.request_timeout_ms);
    let response = match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    };
    let took = started.elapsed();
    let status = response.status().as_u16();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    app.shared.metrics.observe_request(method.as_str(), route, status, took);
    if let Some((path, tls)) = path {
        let latency_us = took.as_micros() as u64;
        tracing::debug!(%method, %path, status, tls, latency_us, "request");
    }
    response
}

async fn root() -> Response {
    json_bytes(Bytes::from_static(b"{}"))
}

async fn metadata_id() -> Response {
    json(
        &serde_json::json!({"scope": {"path": [], "clusters": {"schema-registry-cluster": "schemata"}}}),
    )
}

async fn metadata_version() -> Response {
    json(&serde_json::json!({"version": env!("CARGO_PKG_VERSION"), "commitId": ""}))
}

async fn metrics(State(app): State<App>) -> Response {
    let (schemas, subjects) = {
        let state = app.shared.read();
        (state.schemas.len(), state.live_subject_count())
    };
    let mut text = app.shared.metrics.render(schemas, subjects);
    if let Some(cluster) = app.shared.cluster.get() {
        cluster.render_metrics(&mut text);
    }
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn live() -> Response {
    json(&serde_json::json!({"status": "live"}))
}

/// Ready while the writer runs and storage has not failed beyond repair (with Kafka: while the
/// topic can be read; start-up itself waits until the state caught up with the topic).
async fn ready(State(app): State<App>) -> Response {
    let failed = app.shared.write_failed.load(std::sync::atomic::Ordering::SeqCst)
        || app.shared.cluster.get().is_some_and(|cluster| !cluster.healthy());
    if failed || app.writer.is_closed() {
        let mut response = json(&serde_json::json!({"status": "not ready"}));
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return response;
    }
    json(&serde_json::json!({"status": "ready"}))
}

/// A JSON answer with Confluent's content type.
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> Response {
    // Serializing our DTOs cannot fail: every map key is a string.
    json_bytes(Bytes::from(serde_json::to_vec(value).unwrap_or_default()))
}

pub(crate) fn json_bytes(bytes: Bytes) -> Response {
    let mut response = bytes.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// Query parameters, parsed leniently as Jersey does: unknown ones are ignored, a boolean that
/// is not `true` is false. Only malformed numbers are refused.
#[derive(Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(query: Option<&str>) -> Params {
        let Some(query) = query else { return Params::default() };
        Params(
            query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (percent_decode(name), percent_decode(value))
                })
                .collect(),
        )
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated parameter, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
    }

    pub(crate) fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// An `int` query parameter. What Java cannot read as an `int` (not a number, beyond 32
    /// bits) is Jersey's answer to an unconvertible `@QueryParam`: 404, as the JAX-RS
    /// specification has it and Confluent answers.
    fn number(&self, name: &str) -> Result<Option<i32>, ApiError> {
        let Some(raw) = self.get(name) else { return Ok(None) };
        raw.parse::<i32>().map(Some).map_err(|_| ApiError::NotFound)
    }

    /// Applies `offset` and `limit`, never answering more than `max_list_len` items. As
    /// Confluent's `normalizeLimit`, a limit that is not positive means the default (all, up to
    /// the cap); a negative offset is read as 0 (Confluent fails on it).
    pub(crate) fn paginate<T>(
        &self,
        items: Vec<T>,
        max_list_len: usize,
    ) -> Result<Vec<T>, ApiError> {
        Ok(self.page(max_list_len)?.apply(items))
    }

    /// The page `offset` and `limit` ask for, read before anything is looked up: Jersey
    /// converts query parameters before the resource runs, so an unreadable one is 404 even
    /// where the subject or id would not be found either.
    pub(crate) fn page(&self, max_list_len: usize) -> Result<Page, ApiError> {
        let offset = self.number("offset")?.unwrap_or(0).max(0) as usize;
        let limit = match self.number("limit")? {
            Some(limit) if limit > 0 => (limit as usize).min(max_list_len),
            _ => max_list_len,
        };
        Ok(Page { offset, limit })
    }
}

/// One page of a list answer (`Params::page`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Page {
    offset: usize,
    limit: usize,
}

impl Page {
    pub(crate) fn apply<T>(self, items: Vec<T>) -> Vec<T> {
        items.into_iter().skip(self.offset).take(self.limit).collect()
    }
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How a shape error in a body is answered: registrations and lookups answer 42201 (the schema
/// is what is wrong), other bodies Jackson's 422.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Schema,
    Other,
}

/// Reads a JSON body whatever its content type (Confluent clients send
/// `application/vnd.schemaregistry.v1+json`, `application/json`, `application/octet-stream` or
/// nothing), refusing bodies over the limit.
pub(crate) async fn read_json<T: DeserializeOwned>(
    shared: &Shared,
    body: Body,
    kind: BodyKind,
) -> Result<T, ApiError> {
    let limit = shared.limits.max_body_bytes;
    // A body that trickles in (slowloris) is cut off: it holds a connection and a request.
    let timeout = Duration::from_millis(shared.limits.body_read_timeout_ms);
    let bytes = tokio::time::timeout(timeout, axum::body::to_bytes(body, limit))
        .await
        .map_err(|_| ApiError::BodyTimeout)?
        .map_err(|_| ApiError::BodyTooLarge(limit))?;
    // Jackson reads an empty body as no request at all, which Confluent's `@NotNull` request
    // parameters refuse with Jersey's validation answer (422, code 422), not as broken JSON.
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::UnprocessableBody("The request body must not be empty".into()));
    }
    let error = match serde_json::from_slice(&bytes) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    // Jackson reads `"references": null` (and any other null field) as absent; serde does not.
    // Retry without top-level nulls, only on this failure path.
    if error.classify() == serde_json::error::Category::Data
        && let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_slice(&bytes)
        && fields.values().any(serde_json::Value::is_null)
    {
        fields.retain(|_, value| !value.is_null());
        if let Ok(value) = serde_json::from_value(serde_json::Value::Object(fields)) {
            return Ok(value);
        }
    }
    Err(match (error.classify(), kind) {
        (serde_json::error::Category::Syntax | serde_json::error::Category::Eof, _) => {
            ApiError::MalformedJson(format!("Malformed JSON body: {error}"))
        }
        (_, BodyKind::Schema) => ApiError::InvalidSchema(format!("Invalid request body: {error}")),
        (_, BodyKind::Other) => {
            ApiError::UnprocessableBody(format!("Invalid request body: {error}"))
        }
    })
}

/// Validates a subject from the path.
pub(crate) fn subject(shared: &Shared, raw: String) -> Result<String, ApiError> {
    if raw.len() > shared.limits.max_subject_bytes {
        return Err(ApiError::InvalidSubject);
    }
    Subject::new(raw).map(Subject::into_string).ok_or(ApiError::InvalidSubject)
}

/// A subject from the path of a route that only finds one (reads, lookups, deletes, checks,
/// reading or removing a config or mode). Confluent validates names only where they are
/// written, so here a name that could never be registered is not refused (42208): it simply
/// names nothing (40401, or the global setting with `defaultToGlobal`, or a check against no
/// versions), as there.
pub(crate) fn existing_subject(raw: String) -> String {
    raw
}

/// A `{version}` path segment, by core's one parser; not a version answers 42202. Surrounding
/// whitespace is dropped first, as Confluent's `VersionId` trims (`/versions/%201` is version 1).
pub(crate) fn version_spec(raw: &str) -> Result<VersionSpec, ApiError> {
    VersionSpec::parse(raw.trim()).ok_or_else(|| ApiError::InvalidVersion(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_parse_leniently() {
        let params = Params::parse(Some("deleted=true&subjectPrefix=a%2Fb+c&verbose=yes&x"));
        assert!(params.flag("deleted"));
        assert!(!params.flag("verbose"));
        assert_eq!(params.get("subjectPrefix"), Some("a/b c"));
        assert_eq!(params.get("x"), Some(""));
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        let page = Params::parse(Some("offset=1&limit=2"));
        assert_eq!(page.paginate(vec![1, 2, 3, 4], 10).unwrap(), vec![2, 3]);
        assert_eq!(Params::default().paginate(vec![1, 2, 3], 2).unwrap(), vec![1, 2]);
        assert_eq!(
            Params::parse(Some("limit=0")).paginate(vec![1, 2, 3], 9).unwrap(),
            vec![1, 2, 3]
        );
        let refused = |query| Params::parse(Some(query)).paginate(vec![1], 2).unwrap_err();
        assert_eq!(refused("limit=x"), ApiError::NotFound);
        assert_eq!(refused("limit=2147483648"), ApiError::NotFound);
        assert_eq!(refused("offset=%201"), ApiError::NotFound);
    }
}
