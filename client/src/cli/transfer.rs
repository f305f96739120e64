//! `schemata export` / `schemata import`: a registry's records as JSON lines, and back.

use super::{CliError, Outcome, RegistryArgs};

#[derive(Debug, clap::Args)]
pub struct ExportArgs {}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {}

pub(super) async fn export(
    _args: ExportArgs,
    _registry: &RegistryArgs,
) -> Result<Outcome, CliError> {
    Err(CliError::Other("export: not built yet".into()))
}

pub(super) async fn import(
    _args: ImportArgs,
    _registry: &RegistryArgs,
) -> Result<Outcome, CliError> {
    Err(CliError::Other("import: not built yet".into()))
}
