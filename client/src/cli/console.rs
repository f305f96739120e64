//! `schemata produce` / `schemata consume`: JSON lines in and out of a topic.

use super::{CliError, Outcome, RegistryArgs};

#[derive(Debug, clap::Args)]
pub struct ProduceArgs {}

#[derive(Debug, clap::Args)]
pub struct ConsumeArgs {}

pub(super) async fn produce(
    _args: ProduceArgs,
    _registry: &RegistryArgs,
) -> Result<Outcome, CliError> {
    Err(CliError::Other("produce: not built yet".into()))
}

pub(super) async fn consume(
    _args: ConsumeArgs,
    _registry: &RegistryArgs,
) -> Result<Outcome, CliError> {
    Err(CliError::Other("consume: not built yet".into()))
}
