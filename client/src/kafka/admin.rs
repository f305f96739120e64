//! Topic creation and lookup, because dead-letter topics and test topics must exist before they
//! are written to, and brokers differ on whether they auto-create.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use super::{Error, Result, require_bootstrap};

/// Creates each topic with `partitions` partitions (replication factor 1 unless the broker
/// chooses), waiting at most `timeout` for the broker. Topics that already exist are fine.
pub async fn create_topics(
    bootstrap_servers: &str,
    topics: &[&str],
    partitions: i32,
    timeout: Duration,
) -> Result<()> {
    require_bootstrap(bootstrap_servers)?;
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers)
        .set("socket.timeout.ms", timeout.as_millis().to_string())
        .create()?;
    let new: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|name| NewTopic::new(name, partitions, TopicReplication::Fixed(1)))
        .collect();
    let options =
        AdminOptions::new().operation_timeout(Some(timeout)).request_timeout(Some(timeout));
    let results = admin.create_topics(&new, &options).await?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(Error::CreateTopic { topic, source: KafkaError::AdminOp(code) });
            }
        }
    }
    Ok(())
}

/// Whether `topic` exists, asking the brokers for metadata and waiting at most `timeout`; an
/// unreachable broker is `Error::Unreachable` within that time, not a delivery timeout later.
/// Asks for every topic's metadata rather than this one's, so a broker that auto-creates topics
/// does not create it by being asked.
pub async fn topic_exists(bootstrap_servers: &str, topic: &str, timeout: Duration) -> Result<bool> {
    require_bootstrap(bootstrap_servers)?;
    let timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers)
        .set("socket.timeout.ms", timeout_ms.max(10).to_string())
        .set("allow.auto.create.topics", "false")
        .create()?;
    let servers = bootstrap_servers.to_owned();
    let wanted = topic.to_owned();
    // librdkafka's metadata call blocks its thread: keep it off the async runtime's workers.
    tokio::task::spawn_blocking(move || match consumer.fetch_metadata(None, timeout) {
        Ok(metadata) => {
            Ok(metadata.topics().iter().any(|t| t.name() == wanted && t.error().is_none()))
        }
        Err(source) => Err(Error::Unreachable { servers, timeout_ms, source }),
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?
}
