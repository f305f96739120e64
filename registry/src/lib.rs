//! schemata-registry: the Confluent-compatible schema registry server (see ARCHITECTURE.md).
//!
//! `Server::start` runs it in-process (tests do this); `main` is the binary's whole life:
//! configuration, logs, the server, and a graceful stop on SIGTERM or SIGINT.

mod auth;
mod compatibility;
pub mod config;
mod dedup;
mod error;
mod forward;
mod jobs;
mod limits;
mod metrics;
mod parse_cache;
mod request;
mod routes;
mod serve;
mod shared;
mod state;
pub mod storage;
mod tls;
mod ui;
mod writer;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::sync::oneshot;

pub use crate::auth::{AuthSettings, JwtSettings, hash_password};
pub use crate::config::{Args, Command, Config, ConfigError, KafkaSettings, StorageKind};
pub use crate::error::ApiError;
pub use crate::limits::Limits;
use crate::storage::embedded::EmbeddedStorage;
use crate::storage::{MemoryStorage, Replay, Storage, StorageError};
pub use crate::tls::{TlsError, TlsSettings};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("cannot listen on {address}: {message}")]
    Listen { address: String, message: String },
    #[error("server failed: {0}")]
    Io(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    #[error("{0}")]
    Auth(String),
}

/// A running registry.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), ServeError>>,
}

impl Server {
    /// Opens the configured storage, replays it, binds the listener and serves in a task of the
    /// current runtime.
    pub async fn start(config: Config) -> Result<Server, ServeError> {
        if config.storage == StorageKind::Kafka {
            let opened = storage::kafka::open(&config.kafka).await?;
            let kafka = Some((opened.tail, opened.cluster));
            return Server::start_opened(config, Box::new(opened.storage), opened.records, kafka)
                .await;
        }
        let (storage, records) = open_storage(&config).await?;
        Server::start_with_storage(config, storage, records).await
    }

    /// As `start`, with a storage backend the caller opened and the records it replayed.
    pub async fn start_with_storage(
        config: Config,
        storage: Box<dyn Storage>,
        records: Replay,
    ) -> Result<Server, ServeError> {
        Server::start_opened(config, storage, records, None).await
    }

    /// Starts on opened storage; shared storage (Kafka) also brings the thread that follows it.
    async fn start_opened(
        config: Config,
        storage: Box<dyn Storage>,
        records: Replay,
        kafka: Option<(storage::kafka::Tail, Arc<storage::kafka::Cluster>)>,
    ) -> Result<Server, ServeError> {
        let started = std::time::Instant::now();
        let state = tokio::task::spawn_blocking(move || state::RegistryState::replay(records))
            .await
            .map_err(|e| ServeError::Io(e.to_string()))?;
        tracing::info!(
            schemas = state.schemas.len(),
            subjects = state.subjects.len(),
            skipped = state.skipped,
            elapsed = ?started.elapsed(),
            "replayed"
        );
        let shared = Arc::new(shared::Shared::new(state, config.limits.clone()));
        let (writer, writer_thread) =
            writer::Writer::start(Arc::clone(&shared), storage, config.limits.write_queue_len)
                .map_err(|e| ServeError::Io(e.to_string()))?;
        if let Some((tail, cluster)) = kafka {
            let _ = shared.cluster.set(cluster);
            // The tail holds a weak handle: it ends when the writer does.
            tail.start(writer.downgrade()).map_err(|e| ServeError::Io(e.to_string()))?;
        }
        // TLS files are read before binding, so a bad certificate fails the start cleanly.
        let tls = match config.tls.clone() {
            Some(settings) => Some(Arc::new(
                tokio::task::spawn_blocking(move || tls::Tls::load(settings))
                    .await
                    .map_err(|e| ServeError::Io(e.to_string()))??,
            )),
            None => None,
        };
        let separate_tls_listen = config.tls.as_ref().and_then(|t| t.listen.clone());
        let mut listeners = vec![serve::Listener {
            tcp: bind(&config.listen).await?,
            // Without a separate HTTPS address, the one listener is HTTPS when TLS is on.
            tls: if separate_tls_listen.is_none() { tls.clone() } else { None },
        }];
        if let Some(address) = &separate_tls_listen {
            listeners.push(serve::Listener { tcp: bind(address).await?, tls: tls.clone() });
        }
        let local = |listener: &serve::Listener| {
            listener.tcp.local_addr().map_err(|e| ServeError::Io(e.to_string()))
        };
        let addr = local(&listeners[0])?;
        let tls_addr = match listeners.get(1) {
            Some(listener) => Some(local(listener)?),
            None => tls.as_ref().map(|_| addr),
        };
        let (stop_reloader, reloader_stopped) = tokio::sync::watch::channel(false);
        if let Some(tls) = &tls {
            tls.spawn_reloader(Arc::clone(&shared), reloader_stopped.clone());
        }
        let auth = if config.auth.enabled() {
            let settings = config.auth.clone();
            let auth = tokio::task::spawn_blocking(move || auth::Auth::load(settings))
                .await
                .map_err(|e| ServeError::Io(e.to_string()))?
                .map_err(ServeError::Auth)?;
            auth.fetch_jwks().await.map_err(ServeError::Auth)?;
            let auth = Arc::new(auth);
            auth.spawn_reloader(Arc::clone(&shared), reloader_stopped);
            Some(auth)
        } else {
            None
        };
        // The dedup index parses every stored schema. Build it in the background: parse with no
        // lock held, then install it through the writer, so neither reads nor the first
        // registration wait for a full parse (a registration that comes first builds it itself).
        let background = (Arc::clone(&shared), writer.downgrade());
        tokio::spawn(async move {
            let (shared, writer) = background;
            let Ok(hashes) =
                tokio::task::spawn_blocking(move || dedup::precompute_hashes(&shared)).await
            else {
                return;
            };
            // Weak until here, so a shutdown during the parse does not wait for it.
            let Some(writer) = writer.upgrade() else { return };
            let _ = writer
                .submit(move |tx| {
                    tx.build_dedup(hashes);
                    Ok(())
                })
                .await;
        });
        let limits = config.limits.clone();
        let cluster = shared.cluster.get().cloned();
        let mut leading = None;
        let mut router = routes::router(routes::App { shared, writer, auth }, config.ui);
        if let Some(cluster) = cluster {
            let client = forward::client(&cluster.settings)
                .map_err(|e| ServeError::Config(ConfigError::Invalid(e)))?;
            // Other instances forward writes here once this one leads: the first listener's
            // address unless `advertised_url` says otherwise.
            let scheme = if listeners[0].tls.is_some() { "https" } else { "http" };
            cluster.set_advertised_url(format!("{scheme}://{addr}"));
            let round = cluster.first_lease_round().await;
            tokio::spawn(Arc::clone(&cluster).run_lease(round));
            router = forward::wrap(router, Arc::clone(&cluster), limits.clone(), client);
            leading = Some(cluster);
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let result = serve::serve(listeners, router, &limits, stopped)
                .await
                .map_err(|e| ServeError::Io(e.to_string()));
            // Requests are drained: hand the lease back so another instance takes over at once.
            if let Some(cluster) = leading {
                cluster.release().await;
            }
            let _ = stop_reloader.send(true);
            // The router (and with it every writer handle) is gone: the writer drains its queue
            // and ends, releasing storage (and the data dir lock).
            let _ = tokio::task::spawn_blocking(move || writer_thread.join()).await;
            result
        });
        match tls_addr {
            Some(tls_addr) if tls_addr != addr => {
                tracing::info!(%addr, %tls_addr, "schemata registry listening (http and https)")
            }
            Some(_) => tracing::info!(%addr, "schemata registry listening (https)"),
            None => tracing::info!(%addr, "schemata registry listening"),
        }
        Ok(Server { addr, tls_addr, stop: Some(stop), task })
    }

    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address of the HTTPS listener when TLS is on (the same as `addr` when `listen` itself
    /// is HTTPS).
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// Stops accepting, finishes requests in flight, lets the writer finish, releases storage.
    pub async fn stop(mut self) -> Result<(), ServeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.map_err(|e| ServeError::Io(e.to_string()))?
    }

    /// Waits until the server ends by itself (it does not, unless it fails) or `signal` fires.
    pub async fn run_until(
        mut self,
        signal: impl std::future::Future<Output = ()>,
    ) -> Result<(), ServeError> {
        tokio::select! {
            result = &mut self.task => result.map_err(|e| ServeError::Io(e.to_string()))?,
            () = signal => self.stop().await,
        }
    }
}

async fn bind(address: &str) -> Result<tokio::net::TcpListener, ServeError> {
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| ServeError::Listen { address: address.to_owned(), message: e.to_string() })
}

async fn open_storage(config: &Config) -> Result<(Box<dyn Storage>, Replay), ServeError> {
    match config.storage {
        StorageKind::Memory => Ok((Box::new(MemoryStorage::new()), Box::new(std::iter::empty()))),
        // `Server::start` opens Kafka itself: it brings a tail besides the storage.
        StorageKind::Kafka => {
            Err(ServeError::Io("Kafka storage is opened by Server::start".into()))
        }
        StorageKind::Embedded => {
            let dir = config.data_dir.clone();
            let (storage, records) = tokio::task::spawn_blocking(move || {
                EmbeddedStorage::open(&dir, storage::log::LogOptions::default())
            })
            .await
            .map_err(|e| ServeError::Io(e.to_string()))??;
            Ok((Box::new(storage), records))
        }
    }
}

/// Resolves when SIGTERM or SIGINT arrives.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}

/// The log filter from `RUST_LOG` when set, else `--log`/`SCHEMATA_LOG`. Refused rather than
/// guessed: a filter tracing cannot parse, or a bare word that is not a level (tracing would read
/// `--log verbose` as "everything from a target named verbose", which silences the registry).
fn log_filter(configured: &str) -> Result<tracing_subscriber::EnvFilter, String> {
    let (spec, source) = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => (spec, "RUST_LOG"),
        _ => (configured.to_owned(), "--log"),
    };
    const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
    let bare_word = spec.split(',').map(str::trim).find(|directive| {
        !directive.is_empty()
            && !directive.contains(['=', '['])
            && !LEVELS.contains(&directive.to_ascii_lowercase().as_str())
    });
    if let Some(word) = bare_word {
        return Err(format!(
            "{source} {spec:?}: '{word}' is not a level (expected LEVEL or TARGET=LEVEL \
             directives, levels: {})",
            LEVELS.join(", ")
        ));
    }
    tracing_subscriber::EnvFilter::try_new(&spec)
        .map_err(|e| format!("{source} {spec:?} is not a valid log filter: {e}"))
}

/// The subcommands beside serving.
#[allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line tool's own output")]
fn run_command(command: config::Command) -> ExitCode {
    match command {
        config::Command::HashPassword => {
            let mut line = String::new();
            if let Err(error) = std::io::stdin().read_line(&mut line) {
                eprintln!("schemata-registry: cannot read the password from stdin: {error}");
                return ExitCode::from(2);
            }
            let password = line.strip_suffix('\n').unwrap_or(&line);
            let password = password.strip_suffix('\r').unwrap_or(password);
            if password.is_empty() {
                eprintln!("schemata-registry: the password (first line of stdin) is empty");
                return ExitCode::from(2);
            }
            match hash_password(password) {
                Ok(hash) => {
                    println!("{hash}");
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("schemata-registry: cannot hash the password: {error}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// The binary: parse the configuration, start logging, serve until a signal.
pub fn main() -> ExitCode {
    use clap::Parser as _;
    let mut args = Args::parse();
    if let Some(command) = args.command.take() {
        return run_command(command);
    }
    let config = match Config::from_args(args) {
        Ok(config) => config,
        Err(error) => {
            // Logging is not set up yet: the error goes to stderr as the CLI's usage errors do.
            #[allow(clippy::print_stderr, reason = "no logger exists before the config is read")]
            {
                eprintln!("schemata-registry: {error}");
            }
            return ExitCode::from(2);
        }
    };
    let filter = match log_filter(&config.log) {
        Ok(filter) => filter,
        Err(error) => {
            #[allow(clippy::print_stderr, reason = "no logger exists before the filter is read")]
            {
                eprintln!("schemata-registry: {error}");
            }
            return ExitCode::from(2);
        }
    };
    // Colours only on a terminal: logs piped to files or other programs stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if config.log_json {
        logs.json().init();
    } else {
        logs.with_ansi(ansi).init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        let server = Server::start(config).await?;
        server.run_until(shutdown_signal()).await
    });
    match result {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(%error, "registry failed");
            ExitCode::from(1)
        }
    }
}
