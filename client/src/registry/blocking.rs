//! A blocking face of [`RegistryClient`] for programs without an async runtime: it owns a
//! current-thread tokio runtime and drives each call to completion on the caller's thread.
//! Do not call it from inside an async runtime (tokio refuses nested `block_on`).

use std::sync::Arc;

use schemata_core::{Mode, Schema as ParsedSchema, SchemaId, SchemaReference, SchemaType, Version};

use super::{
    CheckOptions, CompatibilityVerdict, Config, DeleteOptions, Error, Export, LookupOptions,
    ModeOptions, ReadOptions, RegisterOptions, RegisteredSchema, RegistryClient,
    RegistryClientBuilder, Result, SettingOptions, SubjectSchema, VersionSpec,
};

/// The blocking client: each method is the [`RegistryClient`] method of the same name, run to
/// completion. Clones of the inner async client share its caches.
///
/// ```no_run
/// use schemata::{BlockingRegistryClient, ReadOptions, RegistryClient};
///
/// let registry = BlockingRegistryClient::new(RegistryClient::builder().url("http://localhost:8081"))?;
/// for subject in registry.subjects(None, ReadOptions::default())? {
///     println!("{subject}");
/// }
/// # Ok::<(), schemata::Error>(())
/// ```
#[derive(Debug)]
pub struct BlockingRegistryClient {
    client: RegistryClient,
    runtime: tokio::runtime::Runtime,
}

impl BlockingRegistryClient {
    /// Builds the client and the runtime that drives it.
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

    /// See [`RegistryClient::schema_by_id`].
    pub fn schema_by_id(&self, id: SchemaId) -> Result<Arc<RegisteredSchema>> {
        self.runtime.block_on(self.client.schema_by_id(id))
    }

    /// See [`RegistryClient::register`].
    pub fn register(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        options: RegisterOptions,
    ) -> Result<SchemaId> {
        self.runtime.block_on(self.client.register(subject, schema, options))
    }

    /// See [`RegistryClient::register_text`].
    pub fn register_text(
        &self,
        subject: &str,
        schema_type: SchemaType,
        text: &str,
        references: &[SchemaReference],
        options: RegisterOptions,
    ) -> Result<SchemaId> {
        self.runtime.block_on(self.client.register_text(
            subject,
            schema_type,
            text,
            references,
            options,
        ))
    }

    /// See [`RegistryClient::lookup`].
    pub fn lookup(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        options: LookupOptions,
    ) -> Result<SubjectSchema> {
        self.runtime.block_on(self.client.lookup(subject, schema, options))
    }

    /// See [`RegistryClient::subjects`].
    pub fn subjects(&self, prefix: Option<&str>, options: ReadOptions) -> Result<Vec<String>> {
        self.runtime.block_on(self.client.subjects(prefix, options))
    }

    /// See [`RegistryClient::versions`].
    pub fn versions(&self, subject: &str, options: ReadOptions) -> Result<Vec<Version>> {
        self.runtime.block_on(self.client.versions(subject, options))
    }

    /// See [`RegistryClient::version`].
    pub fn version(
        &self,
        subject: &str,
        version: VersionSpec,
        options: ReadOptions,
    ) -> Result<SubjectSchema> {
        self.runtime.block_on(self.client.version(subject, version, options))
    }

    /// See [`RegistryClient::latest`].
    pub fn latest(&self, subject: &str) -> Result<Arc<SubjectSchema>> {
        self.runtime.block_on(self.client.latest(subject))
    }

    /// See [`RegistryClient::export_all`].
    pub fn export_all(&self) -> Result<Export> {
        self.runtime.block_on(self.client.export_all())
    }

    /// See [`RegistryClient::delete_subject`].
    pub fn delete_subject(&self, subject: &str, options: DeleteOptions) -> Result<Vec<Version>> {
        self.runtime.block_on(self.client.delete_subject(subject, options))
    }

    /// See [`RegistryClient::delete_version`].
    pub fn delete_version(
        &self,
        subject: &str,
        version: VersionSpec,
        options: DeleteOptions,
    ) -> Result<Version> {
        self.runtime.block_on(self.client.delete_version(subject, version, options))
    }

    /// See [`RegistryClient::check_compatibility`].
    pub fn check_compatibility(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        options: CheckOptions,
    ) -> Result<CompatibilityVerdict> {
        self.runtime.block_on(self.client.check_compatibility(subject, schema, options))
    }

    /// See [`RegistryClient::config`].
    pub fn config(&self, subject: Option<&str>, options: SettingOptions) -> Result<Config> {
        self.runtime.block_on(self.client.config(subject, options))
    }

    /// See [`RegistryClient::set_config`].
    pub fn set_config(&self, subject: Option<&str>, config: &Config) -> Result<Config> {
        self.runtime.block_on(self.client.set_config(subject, config))
    }

    /// See [`RegistryClient::mode`].
    pub fn mode(&self, subject: Option<&str>, options: SettingOptions) -> Result<Mode> {
        self.runtime.block_on(self.client.mode(subject, options))
    }

    /// See [`RegistryClient::set_mode`].
    pub fn set_mode(
        &self,
        subject: Option<&str>,
        mode: Mode,
        options: ModeOptions,
    ) -> Result<Mode> {
        self.runtime.block_on(self.client.set_mode(subject, mode, options))
    }
}
