//! `schemata check`: schema files against their history (git ref, folder, or registry).

use super::{CliError, Outcome, RegistryArgs};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub(super) async fn run(_args: Args, _registry: &RegistryArgs) -> Result<Outcome, CliError> {
    Err(CliError::Other("check: not built yet".into()))
}
