//! The schema-id lookup that the Avro, JSON and Protobuf serializers share: the id found by the
//! configured rule (fixed id, the subject's latest version, or the serializer's own schema
//! auto-registered or looked up, normalized on request), and the per-(topic, key/value) cache
//! that lets every later record skip all of it without awaiting.

use std::sync::{OnceLock, PoisonError, RwLock};

use schemata_core::{Metadata, Schema as ParsedSchema, SchemaId};

use super::SerializerConfig;
use crate::registry::{LookupOptions, ReadOptions, RegisterOptions, RegistryClient, Result};
use crate::schema::Schema;

/// Whose schema the found id names, which decides what a serializer writes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The type's own schema, registered or looked up under the subject.
    Own,
    /// A schema the registry already held (a fixed id or the subject's latest version), which
    /// may differ from the type's own.
    Registered,
}

/// One (topic, is_key) and what a serializer keeps for it.
type Entry<V> = ((String, bool), V);

/// A serializer's client and configuration, and what it found per topic: `V` is the id (JSON,
/// Protobuf) or the id with the schema to encode with (Avro).
#[derive(Debug)]
pub(crate) struct IdLookup<V> {
    client: RegistryClient,
    config: SerializerConfig,
    /// The first topic found, read without a lock: most serializers write to one topic.
    first: OnceLock<Entry<V>>,
    /// Every topic found. A list rather than a map: a serializer writes to a few topics, and a
    /// scan needs no owned key (no allocation) on the hot path.
    found: RwLock<Vec<Entry<V>>>,
}

impl<V: Clone> IdLookup<V> {
    pub(crate) fn new(client: RegistryClient, config: SerializerConfig) -> Self {
        IdLookup { client, config, first: OnceLock::new(), found: RwLock::default() }
    }

    pub(crate) fn client(&self) -> &RegistryClient {
        &self.client
    }

    pub(crate) fn config(&self) -> &SerializerConfig {
        &self.config
    }

    /// Runs `f` on what was found for the topic, without awaiting; `None` before the first
    /// [`IdLookup::resolve`] for it (and always with `use_latest_version`, whose id can change).
    /// The read lock is held while `f` runs; it is only contended when a topic is added.
    #[inline]
    pub(crate) fn with_cached<R>(
        &self,
        topic: &str,
        is_key: bool,
        f: impl FnOnce(&V) -> R,
    ) -> Option<R> {
        if let Some(((t, k), value)) = self.first.get()
            && t == topic
            && *k == is_key
        {
            return Some(f(value));
        }
        let found = self.found.read().unwrap_or_else(PoisonError::into_inner);
        let (_, value) = found.iter().find(|((t, k), _)| t == topic && *k == is_key)?;
        Some(f(value))
    }

    /// Finds the id for the topic of a type `T` whose own schema is `schema` (Avro, JSON), under
    /// the subject `T`'s strategy names: see [`IdLookup::resolve`].
    pub(crate) async fn resolve_type<T, F, Fut>(
        &self,
        topic: &str,
        is_key: bool,
        schema: &ParsedSchema,
        make: F,
    ) -> Result<V>
    where
        T: Schema + ?Sized,
        F: FnOnce(SchemaId, Source) -> Fut,
        Fut: Future<Output = Result<V>>,
    {
        let subject = T::subject(self.config.strategy, topic, is_key);
        let own = async || self.own_id(&subject, schema, T::metadata()).await;
        self.resolve(topic, is_key, &subject, own, make).await
    }

    /// The id of `schema` under `subject`: registered when the configuration auto-registers,
    /// else looked up; with `metadata` (a derived type's `#[schemata(metadata(...))]`), the
    /// version registered with that metadata.
    pub(crate) async fn own_id(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        metadata: Option<&Metadata>,
    ) -> Result<SchemaId> {
        let normalize = self.config.normalize;
        let metadata = metadata.cloned();
        if self.config.auto_register {
            let options = RegisterOptions { normalize, metadata, rule_set: None };
            self.client.register(subject, schema, options).await
        } else {
            let options = LookupOptions { normalize, metadata, ..LookupOptions::default() };
            self.client.lookup_id(subject, schema, options).await
        }
    }

    /// Finds the id for the topic by the configured rule (a fixed id, the subject's latest
    /// version, else `own`: the serializer's own schema registered or looked up) and turns it
    /// into `V` with `make`, keeping the result for later records unless the rule is "latest
    /// version" (re-read when the client's TTL lapses, so not pinned here).
    pub(crate) async fn resolve<F, Fut>(
        &self,
        topic: &str,
        is_key: bool,
        subject: &str,
        own: impl AsyncFnOnce() -> Result<SchemaId>,
        make: F,
    ) -> Result<V>
    where
        F: FnOnce(SchemaId, Source) -> Fut,
        Fut: Future<Output = Result<V>>,
    {
        let config = &self.config;
        let (id, source) = if let Some(id) = config.fixed_id {
            (id, Source::Registered)
        } else if let Some(properties) = &config.use_latest_with_metadata {
            let options = ReadOptions::default();
            let found = self.client.latest_with_metadata(subject, properties, options).await?;
            (found.id, Source::Registered)
        } else if config.use_latest_version {
            (self.client.latest(subject).await?.id, Source::Registered)
        } else {
            (own().await?, Source::Own)
        };
        let value = make(id, source).await?;
        if !config.use_latest_version && config.use_latest_with_metadata.is_none() {
            let key = (topic.to_owned(), is_key);
            let _ = self.first.set((key.clone(), value.clone()));
            let mut found = self.found.write().unwrap_or_else(PoisonError::into_inner);
            if !found.iter().any(|((t, k), _)| t == topic && *k == is_key) {
                found.push((key, value.clone()));
            }
        }
        Ok(value)
    }
}
