//! A blocking face of [`RegistryClient`] for programs without an async runtime: it owns a
//! current-thread tokio runtime and drives each call to completion on the caller's thread.
//! Do not call it from inside an async runtime (tokio refuses nested `block_on`).

use std::sync::Arc;

use schemata_core::api::{CompatibilityCheckResponse, Config, ConfigUpdate, Mode, SubjectSchema};
use schemata_core::{Schema as ParsedSchema, SchemaId, SchemaReference, SchemaType};

use super::{
    Error, Export, RegisteredSchema, RegistryClient, RegistryClientBuilder, Result, VersionSpec,
};

/// The blocking client. Clones of the inner async client share its caches.
#[derive(Debug)]
pub struct BlockingRegistryClient {
    client: RegistryClient,
    runtime: tokio::runtime::Runtime,
}

impl BlockingRegistryClient {
    pub fn new(builder: RegistryClientBuilder) -> Result<BlockingRegistryClient> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("runtime: {e}")))?;
        // reqwest's client must be built inside a runtime context for its timers.
        let client = {
            let _guard = runtime.enter();
            builder.build()?
        };
        Ok(BlockingRegistryClient { client, runtime })
    }

    /// The async client underneath (sharing caches), e.g. to hand to a serializer.
    pub fn async_client(&self) -> &RegistryClient {
        &self.client
    }

    pub fn schema_by_id(&self, id: SchemaId) -> Result<Arc<RegisteredSchema>> {
        self.runtime.block_on(self.client.schema_by_id(id))
    }

    pub fn register(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        normalize: bool,
    ) -> Result<SchemaId> {
        self.runtime.block_on(self.client.register(subject, schema, normalize))
    }

    pub fn register_text(
        &self,
        subject: &str,
        schema_type: SchemaType,
        text: &str,
        references: &[SchemaReference],
        normalize: bool,
    ) -> Result<SchemaId> {
        self.runtime.block_on(self.client.register_text(
            subject,
            schema_type,
            text,
            references,
            normalize,
        ))
    }

    pub fn lookup(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        normalize: bool,
        deleted: bool,
    ) -> Result<SubjectSchema> {
        self.runtime.block_on(self.client.lookup(subject, schema, normalize, deleted))
    }

    pub fn subjects(&self, prefix: Option<&str>, deleted: bool) -> Result<Vec<String>> {
        self.runtime.block_on(self.client.subjects(prefix, deleted))
    }

    pub fn versions(&self, subject: &str, deleted: bool) -> Result<Vec<u32>> {
        self.runtime.block_on(self.client.versions(subject, deleted))
    }

    pub fn version(
        &self,
        subject: &str,
        version: VersionSpec,
        deleted: bool,
    ) -> Result<SubjectSchema> {
        self.runtime.block_on(self.client.version(subject, version, deleted))
    }

    pub fn latest(&self, subject: &str) -> Result<Arc<SubjectSchema>> {
        self.runtime.block_on(self.client.latest(subject))
    }

    pub fn export(&self, deleted: bool) -> Result<Vec<SubjectSchema>> {
        self.runtime.block_on(self.client.export(deleted))
    }

    pub fn export_all(&self) -> Result<Export> {
        self.runtime.block_on(self.client.export_all())
    }

    pub fn delete_subject(&self, subject: &str, permanent: bool) -> Result<Vec<u32>> {
        self.runtime.block_on(self.client.delete_subject(subject, permanent))
    }

    pub fn delete_version(
        &self,
        subject: &str,
        version: VersionSpec,
        permanent: bool,
    ) -> Result<u32> {
        self.runtime.block_on(self.client.delete_version(subject, version, permanent))
    }

    pub fn check_compatibility(
        &self,
        subject: &str,
        version: Option<VersionSpec>,
        schema: &ParsedSchema,
        verbose: bool,
    ) -> Result<CompatibilityCheckResponse> {
        self.runtime.block_on(self.client.check_compatibility(subject, version, schema, verbose))
    }

    pub fn config(&self, subject: Option<&str>, default_to_global: bool) -> Result<Config> {
        self.runtime.block_on(self.client.config(subject, default_to_global))
    }

    pub fn set_config(&self, subject: Option<&str>, update: &ConfigUpdate) -> Result<ConfigUpdate> {
        self.runtime.block_on(self.client.set_config(subject, update))
    }

    pub fn mode(&self, subject: Option<&str>, default_to_global: bool) -> Result<Mode> {
        self.runtime.block_on(self.client.mode(subject, default_to_global))
    }

    pub fn set_mode(&self, subject: Option<&str>, mode: &str, force: bool) -> Result<Mode> {
        self.runtime.block_on(self.client.set_mode(subject, mode, force))
    }
}
