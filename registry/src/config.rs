//! The server's configuration: command-line flags, `SCHEMATA_*` environment variables and a TOML
//! file, with the same names everywhere (`--max-body-bytes`, `SCHEMATA_MAX_BODY_BYTES`,
//! `max_body_bytes`). Precedence: flag > environment > file > default.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::auth::{AuthSettings, JwtSettings};
use crate::limits::Limits;
use crate::tls::TlsSettings;

/// Where the registry keeps its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageKind {
    /// The embedded log in `data_dir` (the default).
    Embedded,
    /// Nothing on disk: every record is lost at exit. For tests and demos.
    Memory,
    /// A Kafka `_schemas` topic (`Config::kafka`), shared by every instance of the registry.
    Kafka,
}

/// The Kafka backend's settings (`--storage kafka`). Names follow Confluent's `kafkastore.*`
/// where one exists, so an operator moving a registry over finds each of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaSettings {
    /// `bootstrap.servers`: `HOST:PORT[,HOST:PORT..]`.
    pub bootstrap: String,
    /// The topic holding the records (Confluent's `kafkastore.topic`).
    pub topic: String,
    /// Replication factor of a topic created at start (capped at the live brokers).
    pub replication_factor: i32,
    /// Extra topic configs for a topic created at start (`kafkastore.topic.config.*`).
    pub topic_config: Vec<(String, String)>,
    /// librdkafka options for every client (SASL/TLS to the cluster, ...).
    pub options: Vec<(String, String)>,
    /// Skip the start-up check of the topic (partitions, cleanup policy) for locked-down ACLs.
    pub skip_topic_check: bool,
    /// Names this registry cluster: instances with the same group id share one leader.
    pub group_id: String,
    /// Whether this instance may become the leader (the one that writes).
    pub leader_eligible: bool,
    /// The URL other instances forward writes to; `http://<listen address>` when absent.
    pub advertised_url: Option<String>,
    /// PEM bundle of the CAs the forwarding client trusts for an HTTPS leader (only these).
    pub forward_ca: Option<PathBuf>,
    /// This instance's client certificate and key, presented when it forwards a write (the
    /// instance identity a leader with mTLS verifies; see `AuthSettings::cluster_principals`).
    pub forward_cert: Option<PathBuf>,
    pub forward_key: Option<PathBuf>,
    /// Longest a produce, a metadata request or a catch-up wait may take, in milliseconds.
    pub timeout_ms: u64,
    /// Longest start-up may take to reach the broker, check the topic and replay it.
    pub init_timeout_ms: u64,
    /// How long the tail's fetch may wait at the broker when nothing is new, in milliseconds:
    /// lower answers read-your-writes across instances sooner, at the price of more idle fetches.
    pub fetch_wait_ms: u64,
    /// How long a leader's lease lasts without renewal, in milliseconds: a follower that reads
    /// no renewal for this long claims the lead. Fail-over takes about this long.
    pub lease_ms: u64,
}

impl Default for KafkaSettings {
    fn default() -> KafkaSettings {
        KafkaSettings {
            bootstrap: String::new(),
            topic: "_schemas".into(),
            replication_factor: 3,
            topic_config: Vec::new(),
            options: Vec::new(),
            skip_topic_check: false,
            group_id: "schemata".into(),
            leader_eligible: true,
            advertised_url: None,
            forward_ca: None,
            forward_cert: None,
            forward_key: None,
            timeout_ms: 10_000,
            init_timeout_ms: 60_000,
            fetch_wait_ms: 2,
            lease_ms: 6_000,
        }
    }
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: String,
    pub data_dir: PathBuf,
    pub storage: StorageKind,
    pub limits: Limits,
    /// `tracing` filter directives, e.g. `info` or `schemata_registry=debug`.
    pub log: String,
    /// Log lines as text (default) or as one JSON object per line, for log shippers (the audit
    /// events' principal, operation and resource become fields).
    pub log_json: bool,
    /// Serve the web UI at `/ui` (on by default).
    pub ui: bool,
    /// HTTPS (off by default): `listen` becomes HTTPS, or a second listener is.
    pub tls: Option<TlsSettings>,
    /// Used when `storage` is `StorageKind::Kafka`.
    pub kafka: KafkaSettings,
    /// Authentication and authorization (off by default).
    pub auth: AuthSettings,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: "127.0.0.1:8081".into(),
            data_dir: PathBuf::from("./data"),
            storage: StorageKind::Embedded,
            limits: Limits::default(),
            log: "info".into(),
            log_json: false,
            ui: true,
            tls: None,
            kafka: KafkaSettings::default(),
            auth: AuthSettings::default(),
        }
    }
}

/// The command line; every flag also reads its `SCHEMATA_*` environment variable.
#[derive(Debug, Default, clap::Parser)]
#[command(name = "schemata-registry", version, about = "Confluent-compatible schema registry")]
pub struct Args {
    /// TOML file with any of the settings below (snake_case names).
    #[arg(long, env = "SCHEMATA_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8081].
    #[arg(long, env = "SCHEMATA_LISTEN")]
    pub listen: Option<String>,
    /// Directory of the embedded log [default: ./data].
    #[arg(long, env = "SCHEMATA_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `embedded` (default), `kafka` (a `_schemas` topic, several instances) or `memory`.
    #[arg(long, env = "SCHEMATA_STORAGE")]
    pub storage: Option<String>,
    /// Kafka bootstrap servers, `HOST:PORT[,HOST:PORT..]` (required with `--storage kafka`).
    #[arg(long, env = "SCHEMATA_KAFKA_BOOTSTRAP")]
    pub kafka_bootstrap: Option<String>,
    /// The Kafka topic of the records [default: _schemas].
    #[arg(long, env = "SCHEMATA_KAFKA_TOPIC")]
    pub kafka_topic: Option<String>,
    /// Replication factor of the topic when start-up creates it, capped at the live brokers
    /// [default: 3].
    #[arg(long, env = "SCHEMATA_KAFKA_REPLICATION_FACTOR")]
    pub kafka_replication_factor: Option<i32>,
    /// A topic config for the topic when start-up creates it, `KEY=VALUE` (repeatable; the
    /// variable takes a comma-separated list), e.g. `min.insync.replicas=2`.
    #[arg(long, env = "SCHEMATA_KAFKA_TOPIC_CONFIG", value_delimiter = ',')]
    pub kafka_topic_config: Vec<String>,
    /// A librdkafka option for every Kafka client, `KEY=VALUE` (repeatable; the variable takes a
    /// comma-separated list), e.g. `security.protocol=SASL_SSL`.
    #[arg(long, env = "SCHEMATA_KAFKA_OPTION", value_delimiter = ',')]
    pub kafka_option: Vec<String>,
    /// Skip the start-up check that the topic has one partition and `cleanup.policy=compact`
    /// (for ACLs that forbid describing it): `true` or `false` (default).
    #[arg(long, env = "SCHEMATA_KAFKA_SKIP_TOPIC_CHECK")]
    pub kafka_skip_topic_check: Option<bool>,
    /// Names this registry cluster on the topic (the readers' consumer group id; nothing is
    /// committed) [default: schemata].
    #[arg(long, env = "SCHEMATA_KAFKA_GROUP_ID")]
    pub kafka_group_id: Option<String>,
    /// Whether this instance may become the leader (the one that writes): `true` (default) or
    /// `false` (a follower that forwards every write).
    #[arg(long, env = "SCHEMATA_KAFKA_LEADER_ELIGIBLE")]
    pub kafka_leader_eligible: Option<bool>,
    /// The URL other instances forward writes to [default: http://<listen address>].
    #[arg(long, env = "SCHEMATA_ADVERTISED_URL")]
    pub advertised_url: Option<String>,
    /// PEM bundle of the CAs trusted when forwarding writes to an HTTPS leader [default: the
    /// system's roots].
    #[arg(long, env = "SCHEMATA_FORWARD_TLS_CA")]
    pub forward_tls_ca: Option<PathBuf>,
    /// Client certificate (PEM) this instance presents when it forwards a write: its identity
    /// for a leader that verifies client certificates [default: none].
    #[arg(long, env = "SCHEMATA_FORWARD_TLS_CERT")]
    pub forward_tls_cert: Option<PathBuf>,
    /// Private key (PEM) of --forward-tls-cert.
    #[arg(long, env = "SCHEMATA_FORWARD_TLS_KEY")]
    pub forward_tls_key: Option<PathBuf>,
    /// How long the Kafka reader's fetch waits at the broker when nothing is new, in
    /// milliseconds: lower makes a write on one instance readable on another sooner, at the
    /// price of more idle fetches [default: 2].
    #[arg(long, env = "SCHEMATA_KAFKA_FETCH_WAIT_MS")]
    pub kafka_fetch_wait_ms: Option<u64>,
    /// The leader's lease, in milliseconds: a follower that reads no renewal for this long takes
    /// the lead, so fail-over takes about this long [default: 6000].
    #[arg(long, env = "SCHEMATA_KAFKA_LEASE_MS")]
    pub kafka_lease_ms: Option<u64>,
    /// Longest a Kafka produce, metadata request or catch-up may take, in milliseconds
    /// [default: 10000].
    #[arg(long, env = "SCHEMATA_KAFKA_TIMEOUT_MS")]
    pub kafka_timeout_ms: Option<u64>,
    /// Longest start-up may take to reach Kafka, check the topic and replay it, in
    /// milliseconds; past it the registry exits with an error [default: 60000].
    #[arg(long, env = "SCHEMATA_KAFKA_INIT_TIMEOUT_MS")]
    pub kafka_init_timeout_ms: Option<u64>,
    /// Largest request body in bytes; larger bodies answer HTTP 413 [default: 4194304 (4 MiB)].
    #[arg(long, env = "SCHEMATA_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Largest schema text in bytes; larger schemas answer 42209 [default: 1048576 (1 MiB)].
    #[arg(long, env = "SCHEMATA_MAX_SCHEMA_BYTES")]
    pub max_schema_bytes: Option<usize>,
    /// Deepest chain of schema references; deeper chains answer 42201 [default: 32].
    #[arg(long, env = "SCHEMATA_MAX_REFERENCE_DEPTH")]
    pub max_reference_depth: Option<usize>,
    /// Most items in one list answer (page with offset/limit beyond it) and most references per
    /// schema [default: 100000].
    #[arg(long, env = "SCHEMATA_MAX_LIST_LEN")]
    pub max_list_len: Option<usize>,
    /// Longest subject name in bytes; longer names answer 42208 [default: 1024].
    #[arg(long, env = "SCHEMATA_MAX_SUBJECT_BYTES")]
    pub max_subject_bytes: Option<usize>,
    /// Parsed schemas kept in memory for compatibility checks [default: 1024].
    #[arg(long, env = "SCHEMATA_PARSED_CACHE_LEN")]
    pub parsed_cache_len: Option<usize>,
    /// Writes queued for the single writer before further writes wait [default: 4096].
    #[arg(long, env = "SCHEMATA_WRITE_QUEUE_LEN")]
    pub write_queue_len: Option<usize>,
    /// Longest a request may take, in milliseconds, before it answers 50002 [default: 30000].
    #[arg(long, env = "SCHEMATA_REQUEST_TIMEOUT_MS")]
    pub request_timeout_ms: Option<u64>,
    /// Work budget of each request's parse and compatibility check, in steps; past it the
    /// request answers with an error naming the limit [default: 2000000].
    #[arg(long, env = "SCHEMATA_MAX_CHECK_STEPS")]
    pub max_check_steps: Option<u64>,
    /// Parses and checks running or waiting at once; past it a request answers 429 (42901)
    /// [default: 64].
    #[arg(long, env = "SCHEMATA_MAX_CONCURRENT_CHECKS")]
    pub max_concurrent_checks: Option<usize>,
    /// Connections open at once; one more is closed without an answer [default: 1024].
    #[arg(long, env = "SCHEMATA_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Longest a client may take to send a request's header, in milliseconds (also the idle
    /// time allowed on a kept-alive connection); the connection is closed past it
    /// [default: 10000].
    #[arg(long, env = "SCHEMATA_HEADER_READ_TIMEOUT_MS")]
    pub header_read_timeout_ms: Option<u64>,
    /// Longest a client may take to send a request's body, in milliseconds; past it the
    /// request answers 408 [default: 10000].
    #[arg(long, env = "SCHEMATA_BODY_READ_TIMEOUT_MS")]
    pub body_read_timeout_ms: Option<u64>,
    /// Largest request header in bytes; larger headers answer 431 [default: 65536].
    #[arg(long, env = "SCHEMATA_MAX_HEADER_BYTES")]
    pub max_header_bytes: Option<usize>,
    /// Log filter: comma-separated LEVEL or TARGET=LEVEL directives (levels: trace, debug, info,
    /// warn, error, off); an invalid filter is refused at start [default: info; RUST_LOG, when
    /// set, takes precedence].
    #[arg(long, env = "SCHEMATA_LOG")]
    pub log: Option<String>,
    /// `text` (default) or `json`: one JSON object per log line, its fields as keys.
    #[arg(long, env = "SCHEMATA_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Serve the web UI at /ui: `true` (default) or `false`.
    #[arg(long, env = "SCHEMATA_UI")]
    pub ui: Option<bool>,
    /// PEM file with the server certificate chain; with --tls-key it turns HTTPS on (TLS 1.2+).
    /// The files are reloaded when they change and on SIGHUP.
    #[arg(long, env = "SCHEMATA_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM file with the server's private key.
    #[arg(long, env = "SCHEMATA_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// A second address that serves HTTPS while --listen stays plain HTTP [default: none:
    /// --listen itself is HTTPS].
    #[arg(long, env = "SCHEMATA_TLS_LISTEN")]
    pub tls_listen: Option<String>,
    /// How often the certificate files are checked for changes, in milliseconds [default: 1000].
    #[arg(long, env = "SCHEMATA_TLS_RELOAD_INTERVAL_MS")]
    pub tls_reload_interval_ms: Option<u64>,
    /// PEM bundle of CAs whose client certificates are accepted (mTLS); the certificate's CN (or
    /// first SAN) is the principal the authorization rules name.
    #[arg(long, env = "SCHEMATA_TLS_CLIENT_CA")]
    pub tls_client_ca: Option<PathBuf>,
    /// `required` (default with --tls-client-ca): no handshake without a client certificate;
    /// `optional`: clients without one authenticate otherwise.
    #[arg(long, env = "SCHEMATA_TLS_CLIENT_AUTH")]
    pub tls_client_auth: Option<String>,
    /// TOML file of users ([users.NAME] password_hash, roles, groups) for HTTP Basic; turns
    /// authentication on. Hashes come from `schemata-registry hash-password`.
    #[arg(long, env = "SCHEMATA_AUTH_USERS_FILE")]
    pub auth_users_file: Option<PathBuf>,
    /// TOML (or .json) file of allow/deny rules beyond the built-in roles reader, developer and
    /// admin; turns authentication on. Reloaded when it changes; a bad version is refused.
    #[arg(long, env = "SCHEMATA_AUTH_RULES_FILE")]
    pub auth_rules_file: Option<PathBuf>,
    /// Karapace's auth file (JSON `users` with sha1/sha256/sha512/scrypt hashes and regex
    /// `permissions`), read as Karapace reads it; turns authentication on. Reloaded on change.
    #[arg(long, env = "SCHEMATA_AUTH_KARAPACE_FILE")]
    pub auth_karapace_file: Option<PathBuf>,
    /// Client-certificate principals of this registry's own instances (comma-separated): a
    /// write one of them forwards may name the mTLS caller it verified in X-Schemata-Principal
    /// [default: none].
    #[arg(long, env = "SCHEMATA_AUTH_CLUSTER_PRINCIPALS", value_delimiter = ',')]
    pub auth_cluster_principals: Vec<String>,
    /// Role of requests without credentials (e.g. `reader`) [default: none: they answer 401].
    #[arg(long, env = "SCHEMATA_AUTH_ANONYMOUS_ROLE")]
    pub auth_anonymous_role: Option<String>,
    /// Leave /metrics open when authentication is on: `true` or `false` (default).
    #[arg(long, env = "SCHEMATA_AUTH_OPEN_METRICS")]
    pub auth_open_metrics: Option<bool>,
    /// How long a verified credential is trusted before its hash is checked again, in
    /// milliseconds [default: 300000].
    #[arg(long, env = "SCHEMATA_AUTH_CACHE_TTL_MS")]
    pub auth_cache_ttl_ms: Option<u64>,
    /// Verified credentials remembered at most [default: 10000].
    #[arg(long, env = "SCHEMATA_AUTH_CACHE_LEN")]
    pub auth_cache_len: Option<usize>,
    /// How often the users and rules files are checked for changes, in milliseconds
    /// [default: 1000].
    #[arg(long, env = "SCHEMATA_AUTH_RELOAD_INTERVAL_MS")]
    pub auth_reload_interval_ms: Option<u64>,
    /// JWKS file of the keys that sign bearer tokens (JWT); turns bearer authentication on.
    /// Re-read when it changes.
    #[arg(long, env = "SCHEMATA_AUTH_JWKS_FILE")]
    pub auth_jwks_file: Option<PathBuf>,
    /// JWKS URL, fetched at start and every --auth-jwks-refresh-ms; turns bearer
    /// authentication on.
    #[arg(long, env = "SCHEMATA_AUTH_JWKS_URL")]
    pub auth_jwks_url: Option<String>,
    /// How often the JWKS URL is fetched again, in milliseconds [default: 300000].
    #[arg(long, env = "SCHEMATA_AUTH_JWKS_REFRESH_MS")]
    pub auth_jwks_refresh_ms: Option<u64>,
    /// Required `iss` of bearer tokens [default: not checked].
    #[arg(long, env = "SCHEMATA_AUTH_JWT_ISSUER")]
    pub auth_jwt_issuer: Option<String>,
    /// Required `aud` of bearer tokens [default: not checked].
    #[arg(long, env = "SCHEMATA_AUTH_JWT_AUDIENCE")]
    pub auth_jwt_audience: Option<String>,
    /// Clock skew allowed on `exp` and `nbf`, in seconds [default: 30].
    #[arg(long, env = "SCHEMATA_AUTH_JWT_LEEWAY_S")]
    pub auth_jwt_leeway_s: Option<u64>,
    /// Claim that names the principal [default: sub].
    #[arg(long, env = "SCHEMATA_AUTH_JWT_PRINCIPAL_CLAIM")]
    pub auth_jwt_principal_claim: Option<String>,
    /// Claim that lists roles, an array or a space-separated string [default: roles].
    #[arg(long, env = "SCHEMATA_AUTH_JWT_ROLES_CLAIM")]
    pub auth_jwt_roles_claim: Option<String>,
    /// Claim that lists groups [default: groups].
    #[arg(long, env = "SCHEMATA_AUTH_JWT_GROUPS_CLAIM")]
    pub auth_jwt_groups_claim: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Tools beside serving.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
#[non_exhaustive]
pub enum Command {
    /// Reads a password from the first line of stdin and prints its argon2id hash, for the
    /// `password_hash` of a users file.
    HashPassword,
}

/// The TOML file: the same settings as the flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    storage: Option<String>,
    kafka_bootstrap: Option<String>,
    kafka_topic: Option<String>,
    kafka_replication_factor: Option<i32>,
    kafka_topic_config: Option<std::collections::BTreeMap<String, String>>,
    kafka_options: Option<std::collections::BTreeMap<String, String>>,
    kafka_skip_topic_check: Option<bool>,
    kafka_group_id: Option<String>,
    kafka_leader_eligible: Option<bool>,
    advertised_url: Option<String>,
    forward_tls_ca: Option<PathBuf>,
    forward_tls_cert: Option<PathBuf>,
    forward_tls_key: Option<PathBuf>,
    kafka_lease_ms: Option<u64>,
    kafka_fetch_wait_ms: Option<u64>,
    kafka_timeout_ms: Option<u64>,
    kafka_init_timeout_ms: Option<u64>,
    max_body_bytes: Option<usize>,
    max_schema_bytes: Option<usize>,
    max_reference_depth: Option<usize>,
    max_list_len: Option<usize>,
    max_subject_bytes: Option<usize>,
    parsed_cache_len: Option<usize>,
    write_queue_len: Option<usize>,
    request_timeout_ms: Option<u64>,
    max_check_steps: Option<u64>,
    max_concurrent_checks: Option<usize>,
    max_connections: Option<usize>,
    header_read_timeout_ms: Option<u64>,
    body_read_timeout_ms: Option<u64>,
    max_header_bytes: Option<usize>,
    log: Option<String>,
    log_format: Option<String>,
    ui: Option<bool>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls_listen: Option<String>,
    tls_reload_interval_ms: Option<u64>,
    tls_client_ca: Option<PathBuf>,
    tls_client_auth: Option<String>,
    auth_users_file: Option<PathBuf>,
    auth_rules_file: Option<PathBuf>,
    auth_karapace_file: Option<PathBuf>,
    auth_cluster_principals: Option<Vec<String>>,
    auth_anonymous_role: Option<String>,
    auth_open_metrics: Option<bool>,
    auth_cache_ttl_ms: Option<u64>,
    auth_cache_len: Option<usize>,
    auth_reload_interval_ms: Option<u64>,
    auth_jwks_file: Option<PathBuf>,
    auth_jwks_url: Option<String>,
    auth_jwks_refresh_ms: Option<u64>,
    auth_jwt_issuer: Option<String>,
    auth_jwt_audience: Option<String>,
    auth_jwt_leeway_s: Option<u64>,
    auth_jwt_principal_claim: Option<String>,
    auth_jwt_roles_claim: Option<String>,
    auth_jwt_groups_claim: Option<String>,
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read config file {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("unknown storage '{0}': expected 'embedded', 'kafka' or 'memory'")]
    Storage(String),
    /// A setting that needs another one (`tls_cert` without `tls_key`, ...).
    #[error("{0}")]
    Incomplete(String),
    #[error("--storage kafka needs --kafka-bootstrap (SCHEMATA_KAFKA_BOOTSTRAP, kafka_bootstrap)")]
    MissingBootstrap,
    #[error("{setting}: '{value}' is not KEY=VALUE")]
    KeyValue { setting: &'static str, value: String },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Resolves flags/environment (already merged by clap) over the file over the defaults.
    pub fn from_args(args: Args) -> Result<Config, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let defaults = Config::default();
        let d = &defaults.limits;
        let storage = match args.storage.as_deref().or(file.storage.as_deref()) {
            None | Some("embedded") => StorageKind::Embedded,
            Some("memory") => StorageKind::Memory,
            Some("kafka") => StorageKind::Kafka,
            Some(other) => return Err(ConfigError::Storage(other.to_owned())),
        };
        let kafka = kafka_settings(&args, &file)?;
        if storage == StorageKind::Kafka && kafka.bootstrap.trim().is_empty() {
            return Err(ConfigError::MissingBootstrap);
        }
        let client_auth_required = match args.tls_client_auth.or(file.tls_client_auth).as_deref() {
            None | Some("required") => true,
            Some("optional") => false,
            Some(other) => {
                return Err(ConfigError::Incomplete(format!(
                    "tls_client_auth '{other}': expected 'required' or 'optional'"
                )));
            }
        };
        let client_ca_path = args.tls_client_ca.or(file.tls_client_ca);
        let tls = match (args.tls_cert.or(file.tls_cert), args.tls_key.or(file.tls_key)) {
            (Some(cert_path), Some(key_path)) => Some(TlsSettings {
                client_ca_path,
                client_auth_required,
                cert_path,
                key_path,
                listen: args.tls_listen.or(file.tls_listen),
                reload_interval_ms: args
                    .tls_reload_interval_ms
                    .or(file.tls_reload_interval_ms)
                    .unwrap_or(TlsSettings::DEFAULT_RELOAD_INTERVAL_MS),
            }),
            (None, None) => {
                if client_ca_path.is_some() {
                    return Err(ConfigError::Incomplete(
                        "tls_client_ca needs tls_cert and tls_key".into(),
                    ));
                }
                if args.tls_listen.is_some() || file.tls_listen.is_some() {
                    return Err(ConfigError::Incomplete(
                        "tls_listen needs tls_cert and tls_key".into(),
                    ));
                }
                None
            }
            (Some(_), None) => {
                return Err(ConfigError::Incomplete("tls_cert needs tls_key".into()));
            }
            (None, Some(_)) => {
                return Err(ConfigError::Incomplete("tls_key needs tls_cert".into()));
            }
        };
        let log_json = match args.log_format.or(file.log_format).as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                return Err(ConfigError::Invalid(format!(
                    "log_format '{other}': expected 'text' or 'json'"
                )));
            }
        };
        let a = AuthSettings::default();
        let auth = AuthSettings {
            users_file: args.auth_users_file.or(file.auth_users_file),
            rules_file: args.auth_rules_file.or(file.auth_rules_file),
            karapace_file: args.auth_karapace_file.or(file.auth_karapace_file),
            cluster_principals: if args.auth_cluster_principals.is_empty() {
                file.auth_cluster_principals.unwrap_or_default()
            } else {
                args.auth_cluster_principals
            },
            anonymous_role: args.auth_anonymous_role.or(file.auth_anonymous_role),
            open_metrics: args
                .auth_open_metrics
                .or(file.auth_open_metrics)
                .unwrap_or(a.open_metrics),
            cache_ttl_ms: args
                .auth_cache_ttl_ms
                .or(file.auth_cache_ttl_ms)
                .unwrap_or(a.cache_ttl_ms),
            cache_len: args.auth_cache_len.or(file.auth_cache_len).unwrap_or(a.cache_len),
            reload_interval_ms: args
                .auth_reload_interval_ms
                .or(file.auth_reload_interval_ms)
                .unwrap_or(a.reload_interval_ms),
            jwt: JwtSettings {
                jwks_file: args.auth_jwks_file.or(file.auth_jwks_file),
                jwks_url: args.auth_jwks_url.or(file.auth_jwks_url),
                jwks_refresh_ms: args
                    .auth_jwks_refresh_ms
                    .or(file.auth_jwks_refresh_ms)
                    .unwrap_or(a.jwt.jwks_refresh_ms),
                issuer: args.auth_jwt_issuer.or(file.auth_jwt_issuer),
                audience: args.auth_jwt_audience.or(file.auth_jwt_audience),
                leeway_s: args
                    .auth_jwt_leeway_s
                    .or(file.auth_jwt_leeway_s)
                    .unwrap_or(a.jwt.leeway_s),
                principal_claim: args
                    .auth_jwt_principal_claim
                    .or(file.auth_jwt_principal_claim)
                    .unwrap_or(a.jwt.principal_claim.clone()),
                roles_claim: args
                    .auth_jwt_roles_claim
                    .or(file.auth_jwt_roles_claim)
                    .unwrap_or(a.jwt.roles_claim.clone()),
                groups_claim: args
                    .auth_jwt_groups_claim
                    .or(file.auth_jwt_groups_claim)
                    .unwrap_or(a.jwt.groups_claim.clone()),
            },
        };
        Ok(Config {
            listen: args.listen.or(file.listen).unwrap_or(defaults.listen),
            data_dir: args.data_dir.or(file.data_dir).unwrap_or(defaults.data_dir),
            storage,
            limits: Limits {
                max_body_bytes: args
                    .max_body_bytes
                    .or(file.max_body_bytes)
                    .unwrap_or(d.max_body_bytes),
                max_schema_bytes: args
                    .max_schema_bytes
                    .or(file.max_schema_bytes)
                    .unwrap_or(d.max_schema_bytes),
                max_reference_depth: args
                    .max_reference_depth
                    .or(file.max_reference_depth)
                    .unwrap_or(d.max_reference_depth),
                max_list_len: args.max_list_len.or(file.max_list_len).unwrap_or(d.max_list_len),
                max_subject_bytes: args
                    .max_subject_bytes
                    .or(file.max_subject_bytes)
                    .unwrap_or(d.max_subject_bytes),
                parsed_cache_len: args
                    .parsed_cache_len
                    .or(file.parsed_cache_len)
                    .unwrap_or(d.parsed_cache_len),
                write_queue_len: args
                    .write_queue_len
                    .or(file.write_queue_len)
                    .unwrap_or(d.write_queue_len),
                request_timeout_ms: args
                    .request_timeout_ms
                    .or(file.request_timeout_ms)
                    .unwrap_or(d.request_timeout_ms),
                max_check_steps: args
                    .max_check_steps
                    .or(file.max_check_steps)
                    .unwrap_or(d.max_check_steps),
                max_concurrent_checks: args
                    .max_concurrent_checks
                    .or(file.max_concurrent_checks)
                    .unwrap_or(d.max_concurrent_checks),
                max_connections: args
                    .max_connections
                    .or(file.max_connections)
                    .unwrap_or(d.max_connections),
                header_read_timeout_ms: args
                    .header_read_timeout_ms
                    .or(file.header_read_timeout_ms)
                    .unwrap_or(d.header_read_timeout_ms),
                body_read_timeout_ms: args
                    .body_read_timeout_ms
                    .or(file.body_read_timeout_ms)
                    .unwrap_or(d.body_read_timeout_ms),
                max_header_bytes: args
                    .max_header_bytes
                    .or(file.max_header_bytes)
                    .unwrap_or(d.max_header_bytes),
            },
            log: args.log.or(file.log).unwrap_or(defaults.log),
            log_json,
            ui: args.ui.or(file.ui).unwrap_or(defaults.ui),
            tls,
            kafka,
            auth,
        })
    }
}

/// The Kafka settings: flags/environment over the file over the defaults. Lists given as flags
/// replace the file's (no merging, so what is in effect is what one place says).
fn kafka_settings(args: &Args, file: &FileConfig) -> Result<KafkaSettings, ConfigError> {
    let d = KafkaSettings::default();
    let pairs = |setting: &'static str,
                 flags: &[String],
                 file: &Option<std::collections::BTreeMap<String, String>>|
     -> Result<Vec<(String, String)>, ConfigError> {
        if flags.is_empty() {
            return Ok(file.iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect());
        }
        flags
            .iter()
            .map(|pair| match pair.split_once('=') {
                Some((key, value)) if !key.trim().is_empty() => {
                    Ok((key.trim().to_owned(), value.trim().to_owned()))
                }
                _ => Err(ConfigError::KeyValue { setting, value: pair.clone() }),
            })
            .collect()
    };
    let settings = KafkaSettings {
        bootstrap: args
            .kafka_bootstrap
            .clone()
            .or(file.kafka_bootstrap.clone())
            .unwrap_or_default(),
        topic: args.kafka_topic.clone().or(file.kafka_topic.clone()).unwrap_or(d.topic),
        replication_factor: args
            .kafka_replication_factor
            .or(file.kafka_replication_factor)
            .unwrap_or(d.replication_factor),
        topic_config: pairs(
            "--kafka-topic-config",
            &args.kafka_topic_config,
            &file.kafka_topic_config,
        )?,
        options: pairs("--kafka-option", &args.kafka_option, &file.kafka_options)?,
        skip_topic_check: args
            .kafka_skip_topic_check
            .or(file.kafka_skip_topic_check)
            .unwrap_or(d.skip_topic_check),
        group_id: args.kafka_group_id.clone().or(file.kafka_group_id.clone()).unwrap_or(d.group_id),
        leader_eligible: args
            .kafka_leader_eligible
            .or(file.kafka_leader_eligible)
            .unwrap_or(d.leader_eligible),
        advertised_url: args.advertised_url.clone().or(file.advertised_url.clone()),
        forward_ca: args.forward_tls_ca.clone().or(file.forward_tls_ca.clone()),
        forward_cert: args.forward_tls_cert.clone().or(file.forward_tls_cert.clone()),
        forward_key: args.forward_tls_key.clone().or(file.forward_tls_key.clone()),
        timeout_ms: args.kafka_timeout_ms.or(file.kafka_timeout_ms).unwrap_or(d.timeout_ms),
        init_timeout_ms: args
            .kafka_init_timeout_ms
            .or(file.kafka_init_timeout_ms)
            .unwrap_or(d.init_timeout_ms),
        lease_ms: args.kafka_lease_ms.or(file.kafka_lease_ms).unwrap_or(d.lease_ms),
        fetch_wait_ms: args
            .kafka_fetch_wait_ms
            .or(file.kafka_fetch_wait_ms)
            .unwrap_or(d.fetch_wait_ms),
    };
    if settings.forward_cert.is_some() != settings.forward_key.is_some() {
        return Err(ConfigError::Incomplete(
            "forward_tls_cert and forward_tls_key go together".into(),
        ));
    }
    if settings.topic.trim().is_empty() {
        return Err(ConfigError::Invalid("the Kafka topic name is empty".into()));
    }
    if settings.replication_factor < 1 {
        return Err(ConfigError::Invalid(format!(
            "the Kafka replication factor must be at least 1, not {}",
            settings.replication_factor
        )));
    }
    if settings.timeout_ms == 0 || settings.init_timeout_ms == 0 || settings.lease_ms < 100 {
        return Err(ConfigError::Invalid(
            "Kafka timeouts must be positive and the lease at least 100 ms".into(),
        ));
    }
    Ok(settings)
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Read { path: path.to_path_buf(), message: e.to_string() })?;
    toml::from_str(&text)
        .map_err(|e| ConfigError::Parse { path: path.to_path_buf(), message: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\nmax_body_bytes = 10\nmax_list_len = 7\n",
        )
        .unwrap();
        let args = Args::try_parse_from([
            "schemata-registry",
            "--config",
            path.to_str().unwrap(),
            "--max-body-bytes",
            "20",
        ])
        .unwrap();
        let config = Config::from_args(args).unwrap();
        assert_eq!(config.listen, "127.0.0.1:9000");
        assert_eq!(config.limits.max_body_bytes, 20);
        assert_eq!(config.limits.max_list_len, 7);
        assert_eq!(config.limits.max_schema_bytes, Limits::default().max_schema_bytes);
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert!(config.ui);
        let args = Args::try_parse_from(["schemata-registry", "--ui", "false"]).unwrap();
        assert!(!Config::from_args(args).unwrap().ui);
    }

    /// Each Kafka setting from a flag, the file and the default; malformed values are refused.
    #[test]
    fn kafka_settings_resolve_and_bad_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.toml");
        std::fs::write(
            &path,
            "storage = \"kafka\"\nkafka_bootstrap = \"file:9092\"\nkafka_topic = \"t\"\n\
             kafka_options = { \"security.protocol\" = \"SSL\" }\n\
             kafka_topic_config = { \"min.insync.replicas\" = \"2\" }\n",
        )
        .unwrap();
        let config = |flags: &[&str]| {
            let mut argv = vec!["schemata-registry", "--config", path.to_str().unwrap()];
            argv.extend_from_slice(flags);
            Config::from_args(Args::try_parse_from(argv).unwrap())
        };
        let file_only = config(&[]).unwrap();
        assert_eq!(file_only.storage, StorageKind::Kafka);
        let k = &file_only.kafka;
        assert_eq!((k.bootstrap.as_str(), k.topic.as_str()), ("file:9092", "t"));
        assert_eq!(k.options, [("security.protocol".to_owned(), "SSL".to_owned())]);
        assert_eq!(k.topic_config, [("min.insync.replicas".to_owned(), "2".to_owned())]);
        assert_eq!((k.replication_factor, k.lease_ms, k.leader_eligible), (3, 6000, true));
        assert_eq!(k.fetch_wait_ms, 2);
        let flags = config(&[
            "--kafka-bootstrap",
            "flag:9092",
            "--kafka-option",
            "a=1",
            "--kafka-option",
            "b=2",
            "--kafka-leader-eligible",
            "false",
        ])
        .unwrap();
        let k = &flags.kafka;
        assert_eq!(k.bootstrap, "flag:9092");
        assert_eq!(k.options, [("a".into(), "1".into()), ("b".into(), "2".into())]);
        assert!(!k.leader_eligible);
        let refused: &[(&[&str], &str)] = &[
            (&["--kafka-option", "novalue"], "'novalue' is not KEY=VALUE"),
            (&["--kafka-replication-factor", "0"], "at least 1"),
            (&["--kafka-bootstrap", " "], "needs --kafka-bootstrap"),
            (&["--kafka-lease-ms", "10"], "the lease at least 100 ms"),
        ];
        for (flags, expected) in refused {
            let error = config(flags).unwrap_err().to_string();
            assert!(error.contains(expected), "{flags:?}: {error}");
        }
    }

    #[test]
    fn bad_files_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "lisen = 1\n").unwrap();
        let args = Args { config: Some(path), ..Args::default() };
        assert!(matches!(Config::from_args(args), Err(ConfigError::Parse { .. })));
        let args = Args { storage: Some("tape".into()), ..Args::default() };
        assert!(matches!(Config::from_args(args), Err(ConfigError::Storage(_))));
        for (cert, key, listen, expected) in [
            (Some("c.pem"), None, None, "tls_cert needs tls_key"),
            (None, Some("k.pem"), None, "tls_key needs tls_cert"),
            (None, None, Some("127.0.0.1:0"), "tls_listen needs tls_cert and tls_key"),
        ] {
            let args = Args {
                tls_cert: cert.map(PathBuf::from),
                tls_key: key.map(PathBuf::from),
                tls_listen: listen.map(str::to_owned),
                ..Args::default()
            };
            let error = Config::from_args(args).unwrap_err().to_string();
            assert_eq!(error, expected);
        }
    }
}
