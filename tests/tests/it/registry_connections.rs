//! Connection-level abuse: slow headers and bodies (slowloris), many idle connections, a huge
//! header and a pipelining flood are each bounded (timeouts, the connection limit, the header
//! limit), and the registry keeps answering other clients meanwhile.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::harness::{Http, TestRegistry};

const HEADER_TIMEOUT_MS: u64 = 400;
const BODY_TIMEOUT_MS: u64 = 400;
const MAX_CONNECTIONS: usize = 48;

async fn start() -> TestRegistry {
    TestRegistry::start_with(|config| {
        config.limits.header_read_timeout_ms = HEADER_TIMEOUT_MS;
        config.limits.body_read_timeout_ms = BODY_TIMEOUT_MS;
        config.limits.max_connections = MAX_CONNECTIONS;
        config.limits.max_header_bytes = 16 * 1024;
    })
    .await
}

fn addr(r: &TestRegistry) -> String {
    r.http.url("").trim_start_matches("http://").trim_end_matches('/').to_owned()
}

/// Reads until the server closes the connection (or `limit` passes); the bytes read.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(out),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

/// A well-behaved client answered promptly. On a connection of its own: a pooled keep-alive
/// connection idle for longer than this test's short header timeout is being closed by the
/// server, and reusing it at that instant races the close (a client-side `IncompleteMessage`,
/// not a registry that failed to serve).
async fn served_promptly(r: &TestRegistry) {
    let started = Instant::now();
    let reply = Http::new(r.http.url("")).send("GET", "/subjects", None, None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_idle_huge_and_pipelined_clients_are_bounded_and_others_are_served() {
    let r = start().await;
    let addr = addr(&r);

    // Slowloris: a header that never ends, a body that never comes, and idle connections.
    let mut slow_header = TcpStream::connect(&addr).await.unwrap();
    slow_header.write_all(b"GET /subjects HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut slow_body = TcpStream::connect(&addr).await.unwrap();
    slow_body
        .write_all(
            b"POST /subjects/s/versions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    let mut idle = Vec::new();
    for _ in 0..MAX_CONNECTIONS / 2 {
        idle.push(TcpStream::connect(&addr).await.unwrap());
    }
    served_promptly(&r).await;

    // Each bound fires: the slow header and the idle connections are closed, the slow body
    // answers 408.
    let closed = read_until_closed(&mut slow_header, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "a header trickling in is cut off");
    let answer = read_until_closed(&mut slow_body, Duration::from_secs(5)).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    for stream in &mut idle {
        assert!(read_until_closed(stream, Duration::from_secs(5)).await.is_some(), "idle closed");
    }

    // A huge header is not read past the limit: 431 and the connection closed (the answer can
    // be lost to a reset, as the server stops reading what the client still sends).
    let mut huge = TcpStream::connect(&addr).await.unwrap();
    let filler = "a".repeat(64 * 1024);
    let request = format!("GET /subjects HTTP/1.1\r\nHost: x\r\nX-Filler: {filler}\r\n\r\n");
    let _ = huge.write_all(request.as_bytes()).await;
    let answer = read_until_closed(&mut huge, Duration::from_secs(5)).await;
    let answer = String::from_utf8_lossy(answer.as_deref().expect("huge header: closed"));
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 431"), "{answer}");

    // A pipelining flood that never reads its answers: others are served meanwhile.
    let mut flood = TcpStream::connect(&addr).await.unwrap();
    let flood_writer = tokio::spawn(async move {
        let request = b"GET /subjects HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1000);
        for _ in 0..20 {
            if flood.write_all(&request).await.is_err() {
                break;
            }
        }
        flood
    });
    for _ in 0..5 {
        served_promptly(&r).await;
    }
    flood_writer.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_limit_are_closed_and_the_limit_frees_up() {
    let r = start().await;
    let addr = addr(&r);
    let mut held = Vec::new();
    for _ in 0..MAX_CONNECTIONS {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    // Give the server the time to accept them all.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut over = TcpStream::connect(&addr).await.unwrap();
    let _ = over.write_all(b"GET /subjects HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let answer = read_until_closed(&mut over, Duration::from_secs(5)).await;
    assert_eq!(answer.as_deref(), Some(&b""[..]), "closed without an answer");
    // The held connections send nothing: the header timeout closes them and the limit frees up.
    tokio::time::sleep(Duration::from_millis(HEADER_TIMEOUT_MS * 3)).await;
    served_promptly(&r).await;
    drop(held);
}
