//! Registry operations: register, subjects, get, config, mode, delete.

use super::{CliError, Outcome, RegistryArgs};

#[derive(Debug, clap::Args)]
pub struct RegisterArgs {}

#[derive(Debug, clap::Args)]
pub struct SubjectsArgs {}

#[derive(Debug, clap::Args)]
pub struct GetArgs {}

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {}

#[derive(Debug, clap::Args)]
pub struct ModeArgs {}

#[derive(Debug, clap::Args)]
pub struct DeleteArgs {}

pub(super) async fn register(
    _args: RegisterArgs,
    _registry: &RegistryArgs,
) -> Result<Outcome, CliError> {
    Err(CliError::Other("register: not built yet".into()))
}

pub(super) async fn subjects(
    _args: SubjectsArgs,
    _registry: &RegistryArgs,
) -> Result<Outcome, CliError> {
    Err(CliError::Other("subjects: not built yet".into()))
}

pub(super) async fn get(_args: GetArgs, _registry: &RegistryArgs) -> Result<Outcome, CliError> {
    Err(CliError::Other("get: not built yet".into()))
}

pub(super) async fn config(
    _args: ConfigArgs,
    _registry: &RegistryArgs,
) -> Result<Outcome, CliError> {
    Err(CliError::Other("config: not built yet".into()))
}

pub(super) async fn mode(_args: ModeArgs, _registry: &RegistryArgs) -> Result<Outcome, CliError> {
    Err(CliError::Other("mode: not built yet".into()))
}

pub(super) async fn delete(
    _args: DeleteArgs,
    _registry: &RegistryArgs,
) -> Result<Outcome, CliError> {
    Err(CliError::Other("delete: not built yet".into()))
}
