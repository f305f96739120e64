//! Topic creation, because dead-letter topics and test topics must exist before they are
//! written to, and brokers differ on whether they auto-create.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
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
