//! The `schemata` command-line tool: compatibility checks for CI, registry operations,
//! export/import and a console producer/consumer. `main` parses the arguments, `run` does the
//! work, and this file is the one place that turns an outcome or an error into an exit code:
//! 0 success (compatible), 1 findings (incompatible), 2 usage, I/O, schema or network error.
//!
//! A library only so the integration tests can build the same entry point into their own binary;
//! its items are not a stable API. `produce` and `consume` need the `kafka` feature (default):
//! without it the binary builds without librdkafka and those commands say so.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;
#[cfg(feature = "kafka")]
mod console;
mod contract_file;
mod diff;
mod ops;
mod proto_path;
mod transfer;

/// Schema-registry tooling: check schema evolution in CI, operate a registry, move records.
#[derive(Debug, Parser)]
#[command(name = "schemata", bin_name = "schemata", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// How to reach a registry; shared by every command that talks to one.
#[derive(Debug, Clone, clap::Args)]
pub struct RegistryArgs {
    /// Registry base URL(s), comma-separated, tried in turn.
    #[arg(long = "registry", global = true, env = "SCHEMATA_REGISTRY_URL", value_delimiter = ',')]
    pub urls: Vec<String>,
    /// Basic auth as USER:PASSWORD.
    #[arg(long, global = true, env = "SCHEMATA_REGISTRY_BASIC_AUTH", hide_env_values = true)]
    pub basic_auth: Option<String>,
    /// Bearer token sent as `Authorization: Bearer ...`.
    #[arg(long, global = true, env = "SCHEMATA_REGISTRY_BEARER_TOKEN", hide_env_values = true)]
    pub bearer_token: Option<String>,
    /// PEM file of the CA that signs the registry's certificate, trusted instead of the system
    /// roots (https URLs; feature `tls`, on by default).
    #[arg(long, global = true, env = "SCHEMATA_REGISTRY_CA")]
    pub ca_cert: Option<std::path::PathBuf>,
    /// PEM file with a client certificate and its key, for registries that require one (mTLS).
    #[arg(long, global = true, env = "SCHEMATA_REGISTRY_CLIENT_CERT")]
    pub client_cert: Option<std::path::PathBuf>,
    /// Per-request timeout of registry calls, in milliseconds.
    #[arg(long, global = true, env = "SCHEMATA_REGISTRY_TIMEOUT_MS", default_value_t = 30_000)]
    pub registry_timeout_ms: u64,
    /// Work in this schema context (`team`, `.team`): subjects are the context's
    /// (`:.team:NAME`) and ids its own (Confluent 7.0+ contexts).
    #[arg(long, global = true, env = "SCHEMATA_REGISTRY_CONTEXT")]
    pub context: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check schema files against their history (git ref, folder, or registry).
    Check(check::Args),
    /// Register a schema file under a subject.
    Register(ops::RegisterArgs),
    /// Show the typed changes between two schema files or two registered versions.
    Diff(diff::Args),
    /// List subjects.
    Subjects(ops::SubjectsArgs),
    /// Print a schema by id, or a subject's version.
    Get(ops::GetArgs),
    /// Show or set the compatibility level (global or per subject).
    Config(ops::ConfigArgs),
    /// Show or set the mode (READWRITE, READONLY, IMPORT).
    Mode(ops::ModeArgs),
    /// Delete a subject or one version (soft, or --permanent).
    Delete(ops::DeleteArgs),
    /// Write every schema record of a registry as JSON lines.
    Export(transfer::ExportArgs),
    /// Load JSON lines written by `export` into a registry, keeping ids and versions.
    Import(transfer::ImportArgs),
    /// Read JSON lines on stdin and produce them to a topic, schema-registry encoded.
    #[cfg(feature = "kafka")]
    Produce(console::ProduceArgs),
    /// Consume a topic and print each record decoded as a JSON line.
    #[cfg(feature = "kafka")]
    Consume(console::ConsumeArgs),
    /// Not in this build: it was built without the `kafka` feature.
    #[cfg(not(feature = "kafka"))]
    Produce(WithoutKafka),
    /// Not in this build: it was built without the `kafka` feature.
    #[cfg(not(feature = "kafka"))]
    Consume(WithoutKafka),
}

/// Whatever `produce`/`consume` were given in a build without Kafka, so the answer is a sentence
/// about the build rather than a usage error about the arguments.
#[cfg(not(feature = "kafka"))]
#[derive(Debug, clap::Args)]
pub struct WithoutKafka {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub args: Vec<String>,
}

/// What a command that finished without error found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done; for `check`, everything is compatible.
    Success,
    /// `check` found incompatibilities (exit code 1).
    Findings,
}

/// Every way a command can fail; all of them exit with code 2.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// Arguments or configuration that make no sense together.
    #[error("{0}")]
    Usage(String),
    /// A file or stream could not be read or written.
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// A schema file does not parse.
    #[error("{path}: {message}")]
    Schema { path: String, message: String },
    /// A client-side failure around the registry (encoding, decoding, configuration). Registry
    /// answers and unreachable registries become `Other` sentences (see the `From` impl).
    #[error("{0}")]
    Registry(schemata::Error),
    /// Kafka could not be reached or refused a request (the message names Kafka itself).
    #[error("{0}")]
    Kafka(String),
    /// Anything else with a sentence for the user.
    #[error("{0}")]
    Other(String),
    /// The server at the registry URL answered, but not as a schema registry does (an HTML
    /// page, a bare 404, no JSON); `run` names the URL.
    #[error("this does not look like a schema registry: {0}")]
    NotARegistry(String),
}

/// What the user is told when the registry URL points at something else.
fn not_a_registry(urls: &str, detail: &str) -> CliError {
    CliError::Other(format!(
        "this does not look like a schema registry at {urls}: {detail} (expected the base URL \
         of a Confluent Schema Registry API v1, e.g. http://localhost:8081, without a path \
         such as /subjects)"
    ))
}

/// A registry failure as the user should read it: the registry's own sentence with its Confluent
/// code (`subject 'x' not found (40401)`), or why the registry could not be reached.
impl From<schemata::Error> for CliError {
    fn from(error: schemata::Error) -> CliError {
        match error {
            // Refused credentials: say so and how to send them (any registry, body or not).
            schemata::Error::Registry { status: 401, error_code, .. } => {
                let code =
                    if error_code == 401 { String::new() } else { format!(", {error_code}") };
                CliError::Other(format!(
                    "the registry needs valid credentials (HTTP 401{code}): pass --basic-auth \
                     USER:PASSWORD or --bearer-token TOKEN (or SCHEMATA_REGISTRY_BASIC_AUTH / \
                     SCHEMATA_REGISTRY_BEARER_TOKEN)"
                ))
            }
            // Authenticated but not allowed: the registry's sentence names what was denied.
            schemata::Error::Registry { status: 403, error_code, message } => {
                let text = message.trim();
                if error_code == 403 || text.is_empty() {
                    CliError::Other(
                        "the registry denied this operation to these credentials (HTTP 403)".into(),
                    )
                } else {
                    CliError::Other(format!("denied: {} ({error_code})", sentence(text)))
                }
            }
            // No Confluent error body: the client fell back to the HTTP status as the code.
            schemata::Error::Registry { status, error_code, message }
                if i32::from(status) == error_code =>
            {
                let text = message.trim();
                let lower = text.to_ascii_lowercase();
                let detail = if lower.starts_with("<!doctype html") || lower.contains("<html") {
                    format!("it answered HTTP {status} with an HTML page")
                } else if text.is_empty() {
                    format!("it answered HTTP {status} without a Confluent error body")
                } else {
                    let shown: String = text.chars().take(80).collect();
                    format!("it answered HTTP {status} without a Confluent error body: {shown}")
                };
                CliError::NotARegistry(detail)
            }
            schemata::Error::Registry { error_code, message, .. } => {
                CliError::Other(format!("{} ({error_code})", sentence(&message)))
            }
            schemata::Error::Json(message) if message.starts_with("registry answer:") => {
                CliError::NotARegistry(format!(
                    "its answer is not the JSON a registry sends ({message})"
                ))
            }
            schemata::Error::Http { message, .. } => {
                CliError::Other(format!("cannot reach the registry: {message}"))
            }
            other => CliError::Registry(other),
        }
    }
}

/// A registry message in the house style: lowercase start, no trailing period.
fn sentence(message: &str) -> String {
    let trimmed = message.trim().trim_end_matches('.');
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(first) if !chars.clone().next().is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => trimmed.to_owned(),
    }
}

impl CliError {
    /// An I/O error on `path` (a file name, `-` for stdin/stdout, or a description).
    pub fn io(path: impl std::fmt::Display, source: std::io::Error) -> CliError {
        CliError::Io { path: path.to_string(), source }
    }
}

/// Exit code of a successful run with no findings.
pub const EXIT_OK: u8 = 0;
/// Exit code when `check` found incompatibilities.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for usage, I/O, schema and network errors.
pub const EXIT_ERROR: u8 = 2;

/// The binary's entry point: parse, run, map to an exit code. Never panics on user input.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { EXIT_ERROR } else { EXIT_OK });
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return report(&CliError::io("tokio runtime", error)),
    };
    match runtime.block_on(run(cli)) {
        Ok(Outcome::Success) => ExitCode::from(EXIT_OK),
        Ok(Outcome::Findings) => ExitCode::from(EXIT_FINDINGS),
        Err(error) => report(&error),
    }
}

fn report(error: &CliError) -> ExitCode {
    let _ = writeln!(std::io::stderr().lock(), "error: {error}");
    ExitCode::from(EXIT_ERROR)
}

/// Runs one parsed command.
pub async fn run(cli: Cli) -> Result<Outcome, CliError> {
    let urls = cli.registry.urls.join(",");
    run_command(cli).await.map_err(|error| match error {
        CliError::NotARegistry(detail) => not_a_registry(&urls, &detail),
        other => other,
    })
}

async fn run_command(cli: Cli) -> Result<Outcome, CliError> {
    let registry = cli.registry;
    match cli.command {
        Command::Check(args) => check::run(args, &registry).await,
        Command::Register(args) => ops::register(args, &registry).await,
        Command::Diff(args) => diff::run(args, &registry).await,
        Command::Subjects(args) => ops::subjects(args, &registry).await,
        Command::Get(args) => ops::get(args, &registry).await,
        Command::Config(args) => ops::config(args, &registry).await,
        Command::Mode(args) => ops::mode(args, &registry).await,
        Command::Delete(args) => ops::delete(args, &registry).await,
        Command::Export(args) => transfer::export(args, &registry).await,
        Command::Import(args) => transfer::import(args, &registry).await,
        #[cfg(feature = "kafka")]
        Command::Produce(args) => console::produce(args, &registry).await,
        #[cfg(feature = "kafka")]
        Command::Consume(args) => console::consume(args, &registry).await,
        #[cfg(not(feature = "kafka"))]
        Command::Produce(_) => Err(without_kafka("produce")),
        #[cfg(not(feature = "kafka"))]
        Command::Consume(_) => Err(without_kafka("consume")),
    }
}

#[cfg(not(feature = "kafka"))]
fn without_kafka(command: &str) -> CliError {
    CliError::Usage(format!(
        "`schemata {command}` needs Kafka support, and this schemata was built without it \
         (feature `kafka`): install it with default features (cargo install schemata-cli)"
    ))
}

impl RegistryArgs {
    /// A client for the configured URLs; a usage error when none is given.
    pub fn client(&self) -> Result<schemata::RegistryClient, CliError> {
        if self.urls.is_empty() {
            return Err(CliError::Usage(
                "no registry URL: pass --registry URL or set SCHEMATA_REGISTRY_URL".into(),
            ));
        }
        let mut builder = schemata::RegistryClient::builder()
            .urls(self.urls.iter().cloned())
            .timeout_ms(self.registry_timeout_ms);
        if let Some(context) = &self.context {
            builder = builder.context(context.clone());
        }
        if let Some(auth) = &self.basic_auth {
            let Some((user, password)) = auth.split_once(':') else {
                return Err(CliError::Usage("--basic-auth must be USER:PASSWORD".into()));
            };
            builder = builder.basic_auth(user, password);
        }
        if let Some(token) = &self.bearer_token {
            let token = token.clone();
            builder = builder.bearer(move || token.clone());
        }
        if let Some(path) = &self.ca_cert {
            let pem = std::fs::read(path).map_err(|e| CliError::io(path.display(), e))?;
            builder = builder.ca_cert_pem(pem);
        }
        if let Some(path) = &self.client_cert {
            let pem = std::fs::read(path).map_err(|e| CliError::io(path.display(), e))?;
            builder = builder.client_identity_pem(pem);
        }
        builder.build().map_err(|error| match error {
            // `localhost:8081` (no scheme), a relative path, a typo: say what a URL looks like.
            schemata::Error::Config(message) if message.starts_with("registry url") => {
                CliError::Usage(format!(
                    "{message}: this does not look like a schema registry URL (expected \
                     http://HOST:PORT or https://HOST:PORT)"
                ))
            }
            other => other.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_messages_read_as_sentences() {
        assert_eq!(sentence("Subject 'x' not found."), "subject 'x' not found");
        assert_eq!(sentence("IMPORT mode"), "IMPORT mode");
        assert_eq!(sentence(""), "");
    }

    /// The CLI as built by default (`cargo install schemata-cli`) trusts a CA file for https
    /// registries; only a build without the `tls` feature refuses it.
    #[test]
    fn https_registries_work_in_the_default_build() {
        let ca =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/test_data/tls/ca.pem");
        let args = RegistryArgs {
            urls: vec!["https://127.0.0.1:1".into()],
            basic_auth: None,
            bearer_token: None,
            ca_cert: Some(ca),
            client_cert: None,
            registry_timeout_ms: 1_000,
            context: None,
        };
        let built = args.client();
        assert_eq!(built.is_ok(), cfg!(feature = "tls"), "{:?}", built.err());
    }

    #[test]
    fn registry_failures_become_sentences() {
        let check = |error: schemata::Error, expected: &str| {
            assert_eq!(CliError::from(error).to_string(), expected);
        };
        check(
            schemata::Error::Registry {
                status: 404,
                error_code: 40401,
                message: "Subject 'x' not found.".into(),
            },
            "subject 'x' not found (40401)",
        );
        check(
            schemata::Error::Http { attempts: 4, message: "connection refused".into() },
            "cannot reach the registry: connection refused",
        );
        check(schemata::Error::Json("eof".into()), "json: eof");
    }
}
