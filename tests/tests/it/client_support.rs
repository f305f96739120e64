//! Test servers for the client tests: a counting proxy in front of the real registry (it counts
//! requests per method and path, records Authorization headers, and can answer 500 to the first
//! N requests on purpose), and a listener that drops every connection.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;

#[derive(Debug)]
pub(crate) struct Proxy {
    pub(crate) base: String,
    upstream: String,
    http: reqwest::Client,
    counts: Mutex<HashMap<String, usize>>,
    auth: Mutex<Vec<String>>,
    fail_first: AtomicUsize,
}

impl Proxy {
    /// Starts a proxy to `upstream` that answers 500 to its first `fail_first` requests.
    pub(crate) async fn start(upstream: &str, fail_first: usize) -> Arc<Proxy> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Arc::new(Proxy {
            base: format!("http://{}", listener.local_addr().unwrap()),
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            counts: Mutex::default(),
            auth: Mutex::default(),
            fail_first: AtomicUsize::new(fail_first),
        });
        let router = axum::Router::new().fallback(forward).with_state(Arc::clone(&proxy));
        tokio::spawn(async move { axum::serve(listener, router).await });
        proxy
    }

    /// Requests seen for `"GET /schemas/ids/1"` and the like (500s included).
    pub(crate) fn count(&self, key: &str) -> usize {
        self.counts.lock().unwrap().get(key).copied().unwrap_or(0)
    }

    pub(crate) fn total(&self) -> usize {
        self.counts.lock().unwrap().values().sum()
    }

    pub(crate) fn auth_headers(&self) -> Vec<String> {
        self.auth.lock().unwrap().clone()
    }
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let key = format!("{} {}", parts.method, parts.uri.path());
    *proxy.counts.lock().unwrap().entry(key).or_default() += 1;
    if let Some(auth) = parts.headers.get("authorization") {
        proxy.auth.lock().unwrap().push(auth.to_str().unwrap_or_default().to_owned());
    }
    let failing = proxy
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        return Response::builder()
            .status(500)
            .body(Body::from(r#"{"error_code":50001,"message":"failing on purpose"}"#))
            .unwrap();
    }
    let bytes = axum::body::to_bytes(body, 16 << 20).await.unwrap();
    let path = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut upstream = proxy.http.request(parts.method, format!("{}{path}", proxy.upstream));
    if let Some(content_type) = parts.headers.get("content-type") {
        upstream = upstream.header("content-type", content_type);
    }
    let answer = upstream.body(bytes).send().await.unwrap();
    let status = answer.status();
    let body = answer.bytes().await.unwrap();
    Response::builder().status(status).body(Body::from(body)).unwrap()
}

/// A listener that accepts connections and closes them at once, counting them.
pub(crate) async fn dropper() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (base, accepted)
}

/// A URL where nothing listens: connections are refused.
pub(crate) async fn refused() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    base
}
