//! `schemata produce` / `schemata consume`: JSON lines in and out of a topic, schema-registry
//! encoded, like Confluent's kafka-avro-console-producer and -consumer. Values are Avro, JSON
//! Schema or Protobuf (JSON in the proto3 JSON mapping, framed with the message's indexes); keys
//! are plain UTF-8 text (`--key-separator`), which is what console users type.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use schemata_core::{SchemaId, SchemaType};
use tokio::io::AsyncBufReadExt as _;

use super::{CliError, Outcome, RegistryArgs};
use crate::proto_path::ProtoPath;
use schemata::kafka::{self, Bytes, Consumer, OffsetReset, Producer, UndecodablePolicy, Utf8};
use schemata::{DynamicDeserializer, DynamicSerializer, RegistryClient};

/// Where the broker is and raw rdkafka options; shared by both commands.
#[derive(Debug, Clone, clap::Args)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers (host:port, comma-separated).
    #[arg(long, env = "SCHEMATA_BOOTSTRAP_SERVERS")]
    pub bootstrap_servers: String,
    /// Any other rdkafka option, as KEY=VALUE (repeatable).
    #[arg(long = "property", short = 'X', value_name = "KEY=VALUE")]
    pub properties: Vec<String>,
}

impl KafkaArgs {
    fn properties(&self) -> Result<Vec<(String, String)>, CliError> {
        self.properties
            .iter()
            .map(|p| {
                p.split_once('=')
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .ok_or_else(|| CliError::Usage(format!("--property {p}: expected KEY=VALUE")))
            })
            .collect()
    }
}

#[derive(Debug, clap::Args)]
pub struct ProduceArgs {
    /// The topic to write to.
    #[arg(long)]
    pub topic: String,
    #[command(flatten)]
    pub kafka: KafkaArgs,
    /// The value subject (default: TOPIC-value).
    #[arg(long)]
    pub subject: Option<String>,
    /// Schema file to write with (registered under the subject first, as Confluent's console
    /// producer does, with the data contract of its `<stem>.contract.json` when there is one);
    /// without it, the subject's latest version.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// AVRO, JSON or PROTOBUF for --schema (default: JSON for a `.json` file, PROTOBUF for a
    /// `.proto` file, else AVRO).
    #[arg(long)]
    pub schema_type: Option<String>,
    /// A folder the --schema `.proto` file's imports are looked up in (repeatable, in order, as
    /// protoc's `-I`), before the file's own folder; each import is registered first under its
    /// import path as subject.
    #[arg(long = "proto-path", value_name = "DIR")]
    pub proto_paths: Vec<PathBuf>,
    /// Protobuf only: the message each line is written as, by full name (`shop.Order`) or name
    /// within the package (`Order`, `Order.Line`). Default: the file's first message.
    #[arg(long)]
    pub message: Option<String>,
    /// Each line is KEY<SEPARATOR>VALUE, the key written as UTF-8 text.
    #[arg(long)]
    pub key_separator: Option<String>,
    /// Upper bound on each record's delivery, retries included.
    #[arg(long, default_value_t = 30_000)]
    pub message_timeout_ms: u32,
    /// Create the topic (one partition) when it does not exist; without it a missing topic is
    /// an error, since brokers that do not auto-create topics would time out on every record.
    #[arg(long)]
    pub create_topic: bool,
    /// How long to wait for the broker's metadata before producing.
    #[arg(long, default_value_t = 5_000)]
    pub connect_timeout_ms: u64,
}

#[derive(Debug, clap::Args)]
pub struct ConsumeArgs {
    /// The topic to read.
    #[arg(long)]
    pub topic: String,
    #[command(flatten)]
    pub kafka: KafkaArgs,
    /// Start at the oldest record when the group has no committed offset (else only new ones).
    #[arg(long)]
    pub from_beginning: bool,
    /// Consumer group; each printed record is committed. Default: a fresh group per run.
    #[arg(long)]
    pub group: Option<String>,
    /// Stop after this many records.
    #[arg(long)]
    pub max_messages: Option<u64>,
    /// Stop when no record arrives for this long (default: wait forever).
    #[arg(long)]
    pub timeout_ms: Option<u64>,
    /// Print KEY<TAB>VALUE (the key as UTF-8 text, `null` when absent).
    #[arg(long)]
    pub print_key: bool,
}

/// The schema id produced values are written with: the schema file's, registered first, or the
/// subject's latest.
async fn writer_id(args: &ProduceArgs, client: &RegistryClient) -> Result<SchemaId, CliError> {
    let subject = args.subject.clone().unwrap_or_else(|| format!("{}-value", args.topic));
    let id = match &args.schema {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| CliError::io(path.display(), e))?;
            // The file's data contract beside it, read before any request.
            let contract = crate::contract_file::read(path, |p| p.display().to_string())?
                .map(|c| c.contract)
                .unwrap_or_default();
            let schema_type = match args.schema_type.as_deref() {
                Some(name) => SchemaType::parse(name).ok_or_else(|| {
                    CliError::Usage(format!("--schema-type {name}: AVRO, JSON or PROTOBUF"))
                })?,
                None => path
                    .extension()
                    .and_then(|e| e.to_str())
                    .and_then(SchemaType::from_extension)
                    .unwrap_or(SchemaType::Avro),
            };
            // Parsed first so an invalid file is reported with its path, not as the registry's
            // 42201.
            let shown = path.display().to_string();
            let schema = if schema_type == SchemaType::Protobuf {
                let cwd =
                    std::env::current_dir().map_err(|e| CliError::io("current directory", e))?;
                let file = cwd.join(path);
                let proto_path = ProtoPath::new(&args.proto_paths, [], &cwd).then(file.parent());
                proto_path.register_imports(client, &file, &text, &shown, false).await?.0
            } else {
                client.parse_schema(schema_type, &text, &[]).await.map_err(|e| match e {
                    schemata::Error::Schema(parse) => {
                        CliError::Schema { path: shown, message: parse.to_string() }
                    }
                    other => CliError::from(other),
                })?
            };
            let options = schemata::RegisterOptions {
                metadata: contract.metadata,
                rule_set: contract.rule_set,
                ..schemata::RegisterOptions::default()
            };
            client.register(&subject, &schema, options).await?
        }
        None => client.latest(&subject).await?.id,
    };
    Ok(id)
}

pub(super) async fn produce(
    args: ProduceArgs,
    registry: &RegistryArgs,
) -> Result<Outcome, CliError> {
    let client = registry.client()?;
    let id = writer_id(&args, &client).await?;
    // Fetched now, so a schema that cannot be had (or a message it does not declare) fails
    // before any line is read; the serializer then finds it in the client's cache.
    let registered = client.schema_by_id(id).await?;
    match (registered.schema.as_protobuf(), &args.message) {
        (Some(schema), Some(name)) if schema.message_named(name).is_none() => {
            return Err(CliError::Usage(format!(
                "--message {name}: schema {id} declares no such message (it declares {})",
                schema.message_names().join(", ")
            )));
        }
        (Some(schema), None) if schema.first_message().is_none() => {
            return Err(CliError::Usage(format!("schema {id} declares no message to write")));
        }
        (None, Some(_)) => {
            return Err(CliError::Usage(format!(
                "--message names a Protobuf message; schema {id} is {}",
                registered.schema.schema_type()
            )));
        }
        _ => {}
    }
    let writer = DynamicSerializer::new(client);
    ensure_topic(&args).await?;
    let mut builder = Producer::builder(&args.kafka.bootstrap_servers)
        .client_id("schemata-console-producer")
        .message_timeout_ms(args.message_timeout_ms);
    for (key, value) in args.kafka.properties()? {
        builder = builder.set(key, value);
    }
    let producer = builder.build(Utf8, Bytes).map_err(kafka_error)?;

    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut pending = Vec::new();
    let mut number = 0u64;
    while let Some(line) = lines.next_line().await.map_err(|e| CliError::io("-", e))? {
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let (key, text) = match &args.key_separator {
            Some(separator) => match line.split_once(separator.as_str()) {
                Some((key, text)) => (Some(key.to_owned()), text),
                None => {
                    return Err(CliError::Usage(format!(
                        "line {number}: no key separator {separator:?}"
                    )));
                }
            },
            None => (None, line.as_str()),
        };
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| CliError::Other(format!("line {number}: not JSON: {e}")))?;
        // A JSON null is a tombstone, as in Confluent's console producer.
        let bytes = if value.is_null() {
            None
        } else {
            let mut out = Vec::new();
            writer
                .serialize_message_into(id, args.message.as_deref(), &value, &mut out)
                .await
                .map_err(|e| CliError::Other(format!("line {number}: {}", line_error(e))))?;
            Some(out)
        };
        pending.push(
            producer
                .enqueue(&args.topic, key.as_ref(), bytes.as_ref(), &[])
                .await
                .map_err(kafka_error)?,
        );
    }
    let count = pending.len();
    for record in pending {
        record.delivered().await.map_err(kafka_error)?;
    }
    let _ = writeln!(std::io::stderr().lock(), "produced {count} records to {}", args.topic);
    Ok(Outcome::Success)
}

/// Checks that the broker answers and the topic exists, creating it when asked to.
async fn ensure_topic(args: &ProduceArgs) -> Result<(), CliError> {
    let servers = &args.kafka.bootstrap_servers;
    let timeout = Duration::from_millis(args.connect_timeout_ms);
    if kafka::topic_exists(servers, &args.topic, timeout).await.map_err(kafka_error)? {
        return Ok(());
    }
    if !args.create_topic {
        return Err(CliError::Kafka(format!(
            "topic {} does not exist at {servers} (use --create-topic)",
            args.topic
        )));
    }
    kafka::create_topics(servers, &[args.topic.as_str()], 1, timeout).await.map_err(kafka_error)?;
    let _ = writeln!(std::io::stderr().lock(), "created topic {}", args.topic);
    Ok(())
}

/// A value that does not fit the schema, as the console producer has always said it.
fn line_error(error: schemata::Error) -> String {
    match error {
        schemata::Error::Validation(reasons) => {
            let reasons: Vec<String> = reasons.into_iter().take(8).collect();
            format!("does not validate: {}", reasons.join("; "))
        }
        schemata::Error::Avro { path, message } if path.is_empty() => message,
        schemata::Error::Avro { path, message } => format!("at '{path}': {message}"),
        other => other.to_string(),
    }
}

fn kafka_error(error: kafka::Error) -> CliError {
    CliError::Kafka(error.to_string())
}

pub(super) async fn consume(
    args: ConsumeArgs,
    registry: &RegistryArgs,
) -> Result<Outcome, CliError> {
    let client = registry.client()?;
    let decoder = DynamicDeserializer::new(client);
    let group =
        args.group.clone().unwrap_or_else(|| format!("schemata-console-{}", std::process::id()));
    let mut builder = Consumer::builder(&args.kafka.bootstrap_servers, group)
        .client_id("schemata-console-consumer")
        .offset_reset(if args.from_beginning { OffsetReset::Earliest } else { OffsetReset::Latest })
        .on_undecodable(UndecodablePolicy::Fail);
    for (key, value) in args.kafka.properties()? {
        builder = builder.set(key, value);
    }
    // Raw bytes from Kafka; the value is decoded with its writer schema, whatever its type.
    let consumer = builder.build(Bytes, Bytes).map_err(kafka_error)?;
    consumer.subscribe(&[&args.topic]).map_err(kafka_error)?;

    let mut printed = 0u64;
    while args.max_messages.is_none_or(|max| printed < max) {
        let record = match args.timeout_ms {
            Some(ms) => {
                match tokio::time::timeout(Duration::from_millis(ms), consumer.recv()).await {
                    Ok(record) => record,
                    Err(_) => break,
                }
            }
            None => consumer.recv().await,
        }
        .map_err(kafka_error)?;
        // Confluent 8's header framing names the writer schema in a header (for Protobuf with
        // the message indexes), the value then unframed.
        let header = record
            .headers
            .iter()
            .find(|h| h.key == schemata::VALUE_SCHEMA_ID_HEADER)
            .and_then(|h| h.value.as_deref());
        let value = match &record.value {
            // The writer schema is fetched with `?subject=<topic>-value` (in the client's
            // context), as Confluent's deserializers fetch it: the subject picks the id's
            // context in a registry with contexts.
            Some(bytes) => {
                decoder.decode_record(&record.topic, false, header, bytes).await.map_err(|e| {
                    CliError::Other(format!(
                        "{}/{}@{}: cannot decode the value: {e}",
                        record.topic, record.partition, record.offset
                    ))
                })?
            }
            None => serde_json::Value::Null,
        };
        let mut line = String::new();
        if args.print_key {
            match &record.key {
                Some(key) => line.push_str(&String::from_utf8_lossy(key)),
                None => line.push_str("null"),
            }
            line.push('\t');
        }
        line.push_str(&value.to_string());
        writeln!(std::io::stdout().lock(), "{line}").map_err(|e| CliError::io("-", e))?;
        consumer.commit(&record).await.map_err(kafka_error)?;
        printed += 1;
    }
    Ok(Outcome::Success)
}
