//! `schemata diff A B`: the typed changes between two schemas.

use super::{CliError, Outcome, RegistryArgs};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub(super) async fn run(_args: Args, _registry: &RegistryArgs) -> Result<Outcome, CliError> {
    Err(CliError::Other("diff: not built yet".into()))
}
