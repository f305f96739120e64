//! Several instances on one Kafka topic, at the HTTP edge. Any request may go to any instance:
//! - a write on the leader runs here, and its answer carries `X-Schemata-Log-End`, the offset
//!   after the records the published state holds (at least past this write);
//! - a write on a follower is forwarded to the leader as it came (method, path, query, body,
//!   headers, plus Confluent's `X-Forward: true`), the leader's answer relayed unchanged once this
//!   instance's published state reaches the log end the leader named, so what was acknowledged
//!   here is readable here (read-your-writes);
//! - a read that finds nothing (404) asks the broker where the topic ends, waits until the state
//!   reaches it, and tries once more, so a write acknowledged by any instance is found.
//!
//! Errors are Confluent's: 50003 when the leader cannot be reached, 50002 when it does not answer
//! in time, 50004 when no leader is known (or a forwarded write reached an instance that does not
//! hold the lease: it never forwards again, so a request cannot loop).
//!
//! With authentication on, a follower first authorizes the write itself (through its own routing
//! table and auth middleware, `AuthorizeOnly`: a refused caller never reaches the leader); the
//! caller's `Authorization` header then travels with the request and the leader authenticates
//! and authorizes it again as if it had come directly. A client certificate
//! cannot travel: the follower, which verified it, names its principal in `X-Schemata-Principal`,
//! and the leader believes that header only from a connection whose own client certificate is one
//! of the cluster's instances (`--auth-cluster-principals`), which the forwarding client presents
//! (`--forward-tls-cert`). A follower drops any `X-Schemata-Principal` its caller sent, so a caller
//! cannot claim another's name. The forwarding client trusts the leader's certificate through
//! `--forward-tls-ca` when the leader serves HTTPS. Its files are checked before each forward and
//! the client rebuilt when they changed (certificates are rotated like the server's); a rebuild
//! that fails keeps the previous client.

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_service::Service as _;

use crate::config::KafkaSettings;
use crate::error::ApiError;
use crate::limits::Limits;
use crate::serve::ConnectionInfo;
use crate::storage::kafka::Cluster;

/// The header naming the log end a write's answer is readable at.
pub(crate) const LOG_END: &str = "x-schemata-log-end";
/// Confluent's marker of a forwarded request.
const FORWARDED: &str = "x-forward";
/// Marks a request a follower runs through its own routing table only to authorize it before
/// forwarding: the auth middleware answers it (`Authorized`, or its 401/403) and no handler runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuthorizeOnly;

/// Marks the answer to an allowed `AuthorizeOnly` request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Authorized;

/// The principal of the client certificate a follower verified, for the leader (which believes
/// it only from one of the cluster's own instances).
pub(crate) const PRINCIPAL: &str = "x-schemata-principal";

/// The client that forwards writes to the leader: it trusts `forward_ca` (when set: only those
/// CAs) and presents `forward_cert`/`forward_key` (the instance's identity) when set. Files that
/// cannot be read or parsed stop the start.
pub(crate) fn client(settings: &KafkaSettings) -> Result<reqwest::Client, String> {
    let read = |path: &std::path::Path, what: &str| {
        std::fs::read(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))
    };
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_millis(settings.timeout_ms))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = &settings.forward_ca {
        let pem = read(path, "forward CA bundle")?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("forward CA bundle {}: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!("forward CA bundle {}: no certificate in it", path.display()));
        }
        builder = builder.tls_certs_only(certs);
    }
    match (&settings.forward_cert, &settings.forward_key) {
        (Some(cert), Some(key)) => {
            let mut pem = read(cert, "forward client certificate")?;
            pem.push(b'\n');
            pem.extend(read(key, "forward client key")?);
            let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
                format!(
                    "forward client certificate {} and key {}: {e}",
                    cert.display(),
                    key.display()
                )
            })?;
            builder = builder.identity(identity);
        }
        (None, None) => {}
        _ => return Err("forward_tls_cert and forward_tls_key go together".into()),
    }
    builder.build().map_err(|e| format!("cannot build the forwarding client: {e}"))
}

/// Wraps the routing table with the forwarding and read-your-writes rules.
pub(crate) fn wrap(
    inner: Router,
    cluster: Arc<Cluster>,
    limits: Limits,
    client: reqwest::Client,
) -> Router {
    let stamps = Mutex::new(stamps(&cluster.settings));
    let client = RwLock::new(client);
    let edge = Arc::new(Edge { inner, cluster, limits, client, stamps });
    Router::new().fallback(move |request: Request| {
        let edge = Arc::clone(&edge);
        async move { edge.handle(request).await }
    })
}

#[derive(Debug)]
struct Edge {
    inner: Router,
    cluster: Arc<Cluster>,
    limits: Limits,
    client: RwLock<reqwest::Client>,
    /// When and how long the forwarding client's files were when it was built.
    stamps: Mutex<Vec<Option<(SystemTime, u64)>>>,
}

/// The modification time and length of the forwarding client's files.
fn stamps(settings: &KafkaSettings) -> Vec<Option<(SystemTime, u64)>> {
    [&settings.forward_ca, &settings.forward_cert, &settings.forward_key]
        .into_iter()
        .map(|path| {
            let meta = std::fs::metadata(path.as_ref()?).ok()?;
            Some((meta.modified().ok()?, meta.len()))
        })
        .collect()
}

/// Whether a request changes the registry (and so must run on the leader). POSTs that only
/// read: the lookup `POST /subjects/{s}`, compatibility checks, the UI's tester.
fn is_write(method: &Method, path: &str) -> bool {
    if *method == Method::PUT || *method == Method::DELETE {
        return true;
    }
    if *method != Method::POST {
        return false;
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let lookup = segments.len() == 2 && segments[0] == "subjects";
    let reads = lookup || segments[0] == "compatibility" || path.ends_with("/test");
    !reads
}

impl Edge {
    async fn handle(&self, request: Request) -> Response {
        let is_write = is_write(request.method(), request.uri().path());
        if is_write {
            return self.write(request).await;
        }
        if request.method() != Method::GET {
            return self.local(request).await;
        }
        // Where the state was before the first try: if it moves on while that try runs (the
        // record arriving just after the read took its snapshot), the retry below must still
        // happen, so this is read first, not after the 404.
        let before = self.cluster.published_position();
        let (parts, body) = request.into_parts();
        let first = self.local(Request::from_parts(parts.clone(), body)).await;
        if first.status() != StatusCode::NOT_FOUND {
            return first;
        }
        // Not found here: perhaps written through another instance a moment ago.
        if !self.cluster.sync_to_end(self.wait()).await
            || self.cluster.published_position() == before
        {
            return first;
        }
        self.local(Request::from_parts(parts, Body::empty())).await
    }

    /// How long a forward or a catch-up may take.
    fn wait(&self) -> Duration {
        Duration::from_millis(self.limits.request_timeout_ms.min(self.cluster.settings.timeout_ms))
    }

    async fn local(&self, request: Request) -> Response {
        let mut inner = self.inner.clone();
        match inner.call(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    async fn write(&self, request: Request) -> Response {
        if self.cluster.is_leader() {
            let mut response = self.local(request).await;
            if response.status().is_success() {
                let end = self.cluster.published_position().to_string();
                if let Ok(value) = HeaderValue::from_str(&end) {
                    response.headers_mut().insert(LOG_END, value);
                }
            }
            return response;
        }
        if request.headers().contains_key(FORWARDED) {
            // Another instance believes this one leads: it does not (any more).
            return ApiError::LeaderUnknown.into_response();
        }
        // Refused here what the leader would refuse: a caller without the right gets this
        // instance's 401/403 (and its audit event), and nothing reaches the leader. The leader
        // decides again on what is forwarded.
        let (parts, body) = request.into_parts();
        let mut probe = Request::from_parts(parts.clone(), Body::empty());
        probe.extensions_mut().insert(AuthorizeOnly);
        let verdict = self.local(probe).await;
        if verdict.extensions().get::<Authorized>().is_none() {
            return verdict;
        }
        let request = Request::from_parts(parts, body);
        match self.cluster.leader_url() {
            Ok(url) if !self.cluster.is_own_url(&url) => self.forward(&url, request).await,
            // No leader, or this instance held the lease and its renewal lapsed.
            _ => ApiError::LeaderUnknown.into_response(),
        }
    }

    /// The forwarding client, rebuilt first when its files changed (a failed rebuild keeps the
    /// previous one and says why). Three `stat` calls per forwarded write.
    fn client(&self) -> reqwest::Client {
        let settings = &self.cluster.settings;
        if settings.forward_ca.is_some() || settings.forward_cert.is_some() {
            let now = stamps(settings);
            let mut stamps = self.stamps.lock().unwrap_or_else(PoisonError::into_inner);
            if *stamps != now {
                *stamps = now;
                match client(settings) {
                    Ok(client) => {
                        *self.client.write().unwrap_or_else(PoisonError::into_inner) = client;
                        tracing::info!("forwarding client reloaded");
                    }
                    Err(error) => {
                        tracing::warn!(%error, "forwarding client reload failed; the previous one stays");
                    }
                }
            }
        }
        self.client.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    async fn forward(&self, leader: &str, request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let body = match tokio::time::timeout(
            Duration::from_millis(self.limits.body_read_timeout_ms),
            axum::body::to_bytes(body, self.limits.max_body_bytes),
        )
        .await
        {
            Ok(Ok(body)) => body,
            Ok(Err(_)) => {
                return ApiError::BodyTooLarge(self.limits.max_body_bytes).into_response();
            }
            Err(_) => return ApiError::BodyTimeout.into_response(),
        };
        let target = match parts.uri.path_and_query() {
            Some(path) => format!("{leader}{path}"),
            None => format!("{leader}{}", parts.uri.path()),
        };
        let mut headers = parts.headers.clone();
        for hop in
            [header::HOST, header::CONTENT_LENGTH, header::CONNECTION, header::TRANSFER_ENCODING]
        {
            headers.remove(hop);
        }
        headers.insert(HeaderName::from_static(FORWARDED), HeaderValue::from_static("true"));
        // Only this instance names a principal, and only one it verified itself; a caller with
        // credentials of its own is authenticated by the leader from those.
        headers.remove(PRINCIPAL);
        let peer = parts.extensions.get::<ConnectionInfo>().and_then(|info| info.peer.clone());
        if let Some(peer) = peer
            && !headers.contains_key(header::AUTHORIZATION)
        {
            match HeaderValue::from_bytes(peer.as_bytes()) {
                Ok(value) => {
                    headers.insert(HeaderName::from_static(PRINCIPAL), value);
                }
                Err(_) => {
                    let message = "the client certificate's name cannot be forwarded".to_owned();
                    return ApiError::Forwarding(message).into_response();
                }
            }
        }
        let sent = self
            .client()
            .request(parts.method.clone(), &target)
            .headers(headers)
            .body(body)
            .timeout(self.wait())
            .send()
            .await;
        let answer = match sent {
            Ok(answer) => answer,
            Err(error) if error.is_timeout() => return ApiError::Timeout.into_response(),
            Err(error) => return ApiError::Forwarding(error.to_string()).into_response(),
        };
        let status = answer.status();
        let log_end = answer
            .headers()
            .get(LOG_END)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok());
        let content_type = answer.headers().get(header::CONTENT_TYPE).cloned();
        let bytes = match answer.bytes().await {
            Ok(bytes) => bytes,
            Err(error) if error.is_timeout() => return ApiError::Timeout.into_response(),
            Err(error) => return ApiError::Forwarding(error.to_string()).into_response(),
        };
        if let Some(end) = log_end
            && !self.cluster.wait_published(end, self.wait()).await
        {
            tracing::warn!(end, "the leader's write is not readable here yet");
        }
        let mut response = (status, bytes).into_response();
        if let Some(content_type) = content_type {
            response.headers_mut().insert(header::CONTENT_TYPE, content_type);
        }
        if let Some(end) = log_end
            && let Ok(value) = HeaderValue::from_str(&end.to_string())
        {
            response.headers_mut().insert(LOG_END, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_told_from_reads() {
        let cases: &[(&str, &str, bool)] = &[
            ("POST", "/subjects/s/versions", true),
            ("POST", "/subjects/s", false),
            ("POST", "/compatibility/subjects/s/versions/latest", false),
            ("DELETE", "/subjects/s", true),
            ("PUT", "/config", true),
            ("PUT", "/mode/s", true),
            ("GET", "/subjects", false),
            ("POST", "/ui/subjects/s/settings", true),
            ("POST", "/ui/subjects/s/test", false),
        ];
        for &(method, path, expected) in cases {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            assert_eq!(is_write(&method, path), expected, "{method} {path}");
        }
    }
}
