//! The harness every integration test uses: a real registry on 127.0.0.1 with a fresh data dir,
//! either in-process (`TestRegistry`, fast, one per test) or as the real binary in a child
//! process (`ChildRegistry`, for signal and crash tests), and a small HTTP client that returns
//! status and body for assertions.
#![allow(dead_code, reason = "helpers for every test module, not each used by all of them yet")]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use schemata_registry::{Config, Server};
use serde_json::Value;

/// Every wait in the harness is bounded by this.
pub(crate) const WAIT: Duration = Duration::from_secs(20);

/// One HTTP answer: status, content type, raw text and the body parsed as JSON (`Null` if it is
/// not JSON).
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) text: String,
    pub(crate) body: Value,
}

impl Reply {
    /// The Confluent `error_code`, if the body has one.
    pub(crate) fn error_code(&self) -> Option<i64> {
        self.body.get("error_code").and_then(Value::as_i64)
    }
}

/// An HTTP client bound to one registry's base URL.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
}

impl Http {
    pub(crate) fn new(base: String) -> Http {
        let client = reqwest::Client::builder()
            .timeout(WAIT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("reqwest client");
        Http { base, client }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends any request; `body` is sent as-is with `content_type` (or none).
    pub(crate) async fn send(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.client.request(method, self.url(path));
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = response.status().as_u16();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, content_type, text, body }
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, None).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None, None).await
    }

    /// POST with Confluent's content type.
    pub(crate) async fn post(&self, path: &str, body: Value) -> Reply {
        let bytes = serde_json::to_vec(&body).expect("json");
        self.send("POST", path, Some(schemata_core::api::CONTENT_TYPE), Some(bytes)).await
    }

    pub(crate) async fn put(&self, path: &str, body: Value) -> Reply {
        let bytes = serde_json::to_vec(&body).expect("json");
        self.send("PUT", path, Some(schemata_core::api::CONTENT_TYPE), Some(bytes)).await
    }

    /// Registers an Avro schema text under `subject`.
    pub(crate) async fn register(&self, subject: &str, schema: &str) -> Reply {
        self.post(&format!("/subjects/{subject}/versions"), serde_json::json!({ "schema": schema }))
            .await
    }

    /// Registers and insists on success, returning the id.
    pub(crate) async fn register_ok(&self, subject: &str, schema: &str) -> i64 {
        let reply = self.register(subject, schema).await;
        assert_eq!(reply.status, 200, "register {subject}: {}", reply.text);
        reply.body["id"].as_i64().expect("id")
    }
}

/// A registry running in this process on 127.0.0.1:0 with its own temporary data dir (embedded
/// log storage). Dropping it stops the server task with the runtime; call `stop` to release the
/// data dir lock deterministically (e.g. before `restart`).
///
/// The backend switch: with `SCHEMATA_TEST_STORAGE=kafka` every `TestRegistry` stores its records
/// in a fresh `_schemas` topic on its own tansu broker instead, so a whole suite (the API
/// conformance suite in `scripts/test.sh`) runs once more against the Kafka backend unchanged.
#[derive(Debug)]
pub(crate) struct TestRegistry {
    pub(crate) http: Http,
    server: Option<Server>,
    config: Config,
    /// Kept so the directory lives as long as the registry.
    _dir: Option<tempfile::TempDir>,
    /// The broker of a Kafka-backed registry, kept across `restart`.
    broker: Option<std::sync::Arc<crate::broker::Broker>>,
}

/// Whether `SCHEMATA_TEST_STORAGE` asks for the Kafka backend (anything else but `embedded` or
/// nothing is a mistake, refused loudly rather than silently testing the default).
pub(crate) fn kafka_backend_requested() -> bool {
    match std::env::var("SCHEMATA_TEST_STORAGE").as_deref() {
        Err(_) | Ok("" | "embedded") => false,
        Ok("kafka") => true,
        Ok(other) => panic!("SCHEMATA_TEST_STORAGE={other}: expected 'embedded' or 'kafka'"),
    }
}

/// Points `config` at a fresh topic on `broker`, with timeouts fit for a loopback broker.
pub(crate) fn use_kafka(config: &mut Config, broker: &crate::broker::Broker) {
    config.storage = schemata_registry::StorageKind::Kafka;
    config.kafka.bootstrap = broker.bootstrap.clone();
    config.kafka.topic = crate::broker::unique("_schemas");
    config.kafka.init_timeout_ms = WAIT.as_millis() as u64;
}

impl std::ops::Deref for TestRegistry {
    type Target = Http;
    fn deref(&self) -> &Http {
        &self.http
    }
}

impl TestRegistry {
    /// A fresh registry with default limits.
    pub(crate) async fn start() -> TestRegistry {
        TestRegistry::start_with(|_| {}).await
    }

    /// A fresh registry whose config `adjust` may change (limits, storage).
    pub(crate) async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestRegistry {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            listen: "127.0.0.1:0".into(),
            data_dir: dir.path().join("data"),
            ..Config::default()
        };
        let broker = kafka_backend_requested().then(|| {
            let broker = crate::broker::Broker::start();
            use_kafka(&mut config, &broker);
            std::sync::Arc::new(broker)
        });
        adjust(&mut config);
        TestRegistry::start_config(config, Some(dir), broker).await
    }

    async fn start_config(
        config: Config,
        dir: Option<tempfile::TempDir>,
        broker: Option<std::sync::Arc<crate::broker::Broker>>,
    ) -> TestRegistry {
        let server = Server::start(config.clone()).await.expect("registry starts");
        let http = Http::new(format!("http://{}", server.addr()));
        TestRegistry { http, server: Some(server), config, _dir: dir, broker }
    }

    pub(crate) fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    /// The port of the HTTPS listener, when the config turned TLS on.
    pub(crate) fn https_port(&self) -> Option<u16> {
        self.server.as_ref()?.tls_addr().map(|addr| addr.port())
    }

    /// Stops gracefully: in-flight requests finish, storage is released.
    pub(crate) async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("registry stops cleanly");
        }
    }

    /// Stops and starts again on the same data dir (a new port): what survives is what was
    /// durable.
    pub(crate) async fn restart(mut self) -> TestRegistry {
        self.stop().await;
        let dir = self._dir.take();
        let broker = self.broker.take();
        TestRegistry::start_config(self.config.clone(), dir, broker).await
    }
}

/// The real `schemata-registry` binary in a child process, listening on a free loopback port.
#[derive(Debug)]
pub(crate) struct ChildRegistry {
    pub(crate) http: Http,
    pub(crate) child: Child,
}

impl std::ops::Deref for ChildRegistry {
    type Target = Http;
    fn deref(&self) -> &Http {
        &self.http
    }
}

impl ChildRegistry {
    /// Path of the binary cargo built for this test run.
    pub(crate) fn binary() -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_registry-under-test"))
    }

    /// Spawns the binary on `data_dir` with extra flags, and waits (bounded) until it logs the
    /// address it listens on.
    pub(crate) fn spawn(data_dir: &Path, extra_args: &[&str]) -> ChildRegistry {
        ChildRegistry::spawn_with_env(data_dir, extra_args, &[])
    }

    /// As `spawn`, with extra environment variables (e.g. `SCHEMATA_*` settings).
    pub(crate) fn spawn_with_env(
        data_dir: &Path,
        extra_args: &[&str],
        env: &[(&str, &str)],
    ) -> ChildRegistry {
        ChildRegistry::spawn_wrapped(&[], data_dir, extra_args, env)
    }

    /// As `spawn_with_env`, the binary run through `wrapper` (a program and its arguments that
    /// exec what follows them, such as `nsenter` into another mount namespace).
    pub(crate) fn spawn_wrapped(
        wrapper: &[String],
        data_dir: &Path,
        extra_args: &[&str],
        env: &[(&str, &str)],
    ) -> ChildRegistry {
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(ChildRegistry::binary());
                command
            }
            None => Command::new(ChildRegistry::binary()),
        };
        let mut child = command
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra_args)
            .env("SCHEMATA_LOG", "info")
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn registry binary");
        let stderr = child.stderr.take().expect("stderr");
        let (found, address) = mpsc::channel();
        // The reader keeps draining stderr after the address is found so the child never blocks
        // on a full pipe.
        std::thread::spawn(move || {
            let mut found = Some(found);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("addr=")
                    && line.contains("listening")
                    && let Some(sender) = found.take()
                {
                    let addr: String =
                        line[at + 5..].chars().take_while(|c| !c.is_whitespace()).collect();
                    let _ = sender.send(addr);
                }
            }
        });
        let addr = match address.recv_timeout(WAIT) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!("registry binary did not report its address within {WAIT:?}");
            }
        };
        ChildRegistry { http: Http::new(format!("http://{addr}")), child }
    }

    /// Sends a signal by name (`TERM`, `INT`, `KILL`) with `kill(1)`.
    pub(crate) fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill(1)");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits (bounded) for the child to exit and returns its exit code.
    pub(crate) fn wait_exit(&mut self) -> Option<i32> {
        let deadline = std::time::Instant::now() + WAIT;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("registry binary did not exit within {WAIT:?}");
    }
}

impl Drop for ChildRegistry {
    fn drop(&mut self) {
        // Only this child, by its own id.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A unique name for subjects within one test (tests get their own registry, but unique names
/// keep failures readable when several subjects are in play).
pub(crate) fn subject(tag: &str) -> String {
    format!("{tag}-value")
}
