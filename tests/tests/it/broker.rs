//! A real Kafka-API broker for the Kafka tests: `tansu` 0.6.0 in a child process on a free
//! loopback port with in-memory storage, one per test so topics and groups never leak between
//! tests. A missing binary fails the test with instructions (never a silent skip). tansu does
//! not auto-create topics, so tests create theirs with `create_topic`.
#![allow(dead_code, reason = "helpers shared by the Kafka test modules, not each used by all")]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::harness::WAIT;

/// The tansu binary: `$SCHEMATA_TANSU`, else `tansu` on `PATH`, else `~/.cargo/bin/tansu`.
pub(crate) fn tansu() -> PathBuf {
    if let Some(path) = std::env::var_os("SCHEMATA_TANSU") {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "SCHEMATA_TANSU={} is not a file", path.display());
        return path;
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("tansu"))
        .find(|candidate| candidate.is_file());
    let in_cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin/tansu"))
        .filter(|candidate| candidate.is_file());
    on_path.or(in_cargo_home).unwrap_or_else(|| {
        panic!(
            "the tansu broker is missing: run scripts/test.sh (it installs tansu 0.6.0 with \
             `cargo install tansu --version 0.6.0 --features dynostore --locked`) or set \
             SCHEMATA_TANSU to the binary"
        )
    })
}

/// A running broker; killed when dropped.
#[derive(Debug)]
pub(crate) struct Broker {
    /// `127.0.0.1:PORT`, for `bootstrap.servers`.
    pub(crate) bootstrap: String,
    child: Child,
    log: tempfile::NamedTempFile,
}

impl Broker {
    /// Starts tansu and waits (bounded) until it accepts connections.
    pub(crate) fn start() -> Broker {
        let binary = tansu();
        // Another process may take the port between our probe and tansu's bind: try a few.
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let url = format!("tcp://127.0.0.1:{port}");
            let log = tempfile::NamedTempFile::new().expect("broker log file");
            let child = Command::new(&binary)
                .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url])
                .args(["--storage-engine", "memory://tansu/"])
                .stdin(Stdio::null())
                .stdout(log.reopen().expect("log"))
                .stderr(log.reopen().expect("log"))
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
            let mut broker = Broker { bootstrap: format!("127.0.0.1:{port}"), child, log };
            match broker.wait_ready() {
                Ok(()) => return broker,
                Err(reason) => last = reason,
            }
        }
        panic!("tansu did not start: {last}");
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}:\n{}", self.log_text()));
            }
            if TcpStream::connect_timeout(
                &self.bootstrap.parse().expect("socket address"),
                Duration::from_millis(200),
            )
            .is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "not accepting connections after {WAIT:?}:\n{}",
                    self.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the broker logged so far (for failure messages).
    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Creates `topic` with `partitions` partitions.
    pub(crate) async fn create_topic(&self, topic: &str, partitions: i32) {
        schemata::kafka::create_topics(&self.bootstrap, &[topic], partitions, WAIT)
            .await
            .unwrap_or_else(|e| panic!("create topic {topic}: {e}\n{}", self.log_text()));
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a probe port");
    listener.local_addr().expect("probe address").port()
}

/// A name no other test (or earlier run in this process) uses.
pub(crate) fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}
