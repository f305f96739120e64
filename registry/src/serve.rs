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
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};

use crate::limits::Limits;

/// Longest the server waits, once stopped, for connections to finish their requests.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` until `stop` fires, then finishes requests in flight.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(limits.header_read_timeout_ms.max(1)))
        // hyper's read buffer bounds the header too; it cannot be smaller than 8 KiB.
        .max_buf_size(limits.max_header_bytes.max(8192))
        .max_header_size(limits.max_header_bytes)
        .pipeline_flush(true);
    loop {
        let (tcp, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of fds and the like: wait a little rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            tracing::debug!("connection limit reached; closing a new connection");
            drop(tcp);
            continue;
        };
        // Answers are small and written whole: never hold one back waiting for an ACK.
        let _ = tcp.set_nodelay(true);
        let connection =
            builder.serve_connection(TokioIo::new(tcp), TowerToHyperService::new(router.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the drain timeout; closing them");
    }
    Ok(())
}
