//! The HTTP/1.1 connection loop: accepts on the listener, bounds what one client can hold, and
//! hands each connection to hyper with the router as its service. `axum::serve` exposes none of
//! these bounds, so slow or greedy clients are bounded here:
//!
//! - `max_connections`: connections open at once; one over it is closed at once (answering it
//!   would mean reading its request), so many idle connections cannot exhaust memory or fds.
//! - `header_read_timeout_ms`: a client must send a request's whole header within this time,
//!   including a kept-alive connection waiting for its next request (slowloris headers, idle
//!   connections); the connection is closed otherwise.
//! - `max_header_bytes`: a larger header answers 431 and closes the connection.
//! - `body_read_timeout_ms` (in `routes::read_json`): a request body must arrive within it.
//!
//! Pipelined requests are answered one at a time per connection, in order, so a pipelining
//! flood costs that connection's own time; other connections are served meanwhile.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};

use crate::limits::Limits;
use crate::tls::Tls;

/// Longest the server waits, once stopped, for connections to finish their requests.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// One listening socket, plain HTTP or HTTPS.
#[derive(Debug)]
pub(crate) struct Listener {
    pub(crate) tcp: TcpListener,
    pub(crate) tls: Option<Arc<Tls>>,
}

/// What the connection a request arrived on says about its caller, put in each request's
/// extensions for authentication.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionInfo {
    /// The request came over TLS.
    pub(crate) tls: bool,
    /// The principal of the verified client certificate (mTLS), if one was presented.
    pub(crate) peer: Option<Arc<str>>,
}

/// Serves `router` on one or two listeners until `stop` fires, then finishes requests in
/// flight. The connection limit is shared by all listeners.
pub(crate) async fn serve(
    listeners: Vec<Listener>,
    router: Router,
    limits: &Limits,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    let header_timeout = Duration::from_millis(limits.header_read_timeout_ms.max(1));
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        // hyper's read buffer bounds the header too; it cannot be smaller than 8 KiB.
        .max_buf_size(limits.max_header_bytes.max(8192))
        .max_header_size(limits.max_header_bytes)
        .pipeline_flush(true);
    let mut listeners = listeners.into_iter();
    let Some(first) = listeners.next() else { return Ok(()) };
    let second = listeners.next();
    loop {
        let (accepted, tls) = tokio::select! {
            accepted = first.tcp.accept() => (accepted, first.tls.as_ref()),
            accepted = accept_optional(second.as_ref()) => {
                (accepted, second.as_ref().and_then(|l| l.tls.as_ref()))
            }
            _ = &mut stop => break,
        };
        let tcp = match accepted {
            Ok((tcp, _)) => tcp,
            Err(error) => {
                // Out of fds and the like: wait a little rather than spin.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            tracing::debug!("connection limit reached; closing a new connection");
            drop(tcp);
            continue;
        };
        // Answers are small and written whole: never hold one back waiting for an ACK.
        let _ = tcp.set_nodelay(true);
        let watcher = graceful.watcher();
        let builder = builder.clone();
        let router = router.clone();
        // The handshake happens in the connection's own task, bounded like a request header,
        // so a slow or silent TLS client never holds up the accept loop.
        let acceptor = tls.map(|tls| tls.acceptor());
        tokio::spawn(async move {
            let _permit = permit;
            let result = match acceptor {
                None => {
                    let service =
                        Service { router, info: ConnectionInfo { tls: false, peer: None } };
                    serve_stream(watcher, &builder, tcp, service).await
                }
                Some(acceptor) => {
                    let stream =
                        match tokio::time::timeout(header_timeout, acceptor.accept(tcp)).await {
                            Ok(Ok(stream)) => stream,
                            Ok(Err(error)) => {
                                tracing::debug!(%error, "TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::debug!("TLS handshake timed out");
                                return;
                            }
                        };
                    // Verified by rustls against the client CA; only its name is read here.
                    let peer = stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|certs| certs.first())
                        .and_then(crate::tls::principal)
                        .map(Arc::from);
                    let service = Service { router, info: ConnectionInfo { tls: true, peer } };
                    serve_stream(watcher, &builder, stream, service).await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(first);
    drop(second);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the drain timeout; closing them");
    }
    Ok(())
}

async fn serve_stream<S>(
    watcher: hyper_util::server::graceful::Watcher,
    builder: &hyper::server::conn::http1::Builder,
    stream: S,
    service: Service,
) -> hyper::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    watcher.watch(builder.serve_connection(TokioIo::new(stream), service)).await
}

/// Accepts on the second listener, or never when there is none.
async fn accept_optional(
    listener: Option<&Listener>,
) -> std::io::Result<(TcpStream, std::net::SocketAddr)> {
    match listener {
        Some(listener) => listener.tcp.accept().await,
        None => std::future::pending().await,
    }
}

/// The router as hyper's service, with the connection's `ConnectionInfo` added to each request.
#[derive(Debug, Clone)]
struct Service {
    router: Router,
    info: ConnectionInfo,
}

impl hyper::service::Service<hyper::Request<hyper::body::Incoming>> for Service {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = axum::routing::future::RouteFuture<std::convert::Infallible>;

    fn call(&self, request: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        let mut request: Request = request.map(axum::body::Body::new);
        request.extensions_mut().insert(self.info.clone());
        // A `Router` is always ready, so calling it without `poll_ready` is allowed.
        tower_service::Service::call(&mut self.router.clone(), request)
    }
}
