//! What the deserializers share to find a record's writer schema as Confluent's do: the subject
//! they name when fetching a schema by id (`GET /schemas/ids/{id}?subject=`, from the subject
//! name strategy, the topic and key/value, or a fixed subject), since that subject picks the
//! id's context and the same id may name different schemas in two contexts; and the per-writer
//! cache keyed by (subject, id) or by GUID whose first entry is read without a lock.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use schemata_core::wire::SchemaRef;
use schemata_core::{Guid, SchemaId};

use crate::SubjectNameStrategy;
use crate::registry::{Error, RegisteredSchema, RegistryClient, Result};

/// Writers a deserializer keeps besides its first, a bound on a consumer of many topics and
/// writer ids; past it the oldest is dropped (the client's own caches still answer it).
const MAX_WRITERS: usize = 1_024;

/// How a deserializer names the subject it passes when it fetches a writer schema by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Naming {
    /// The strategy applied to the topic and key/value: TopicName names `<topic>-key|value`;
    /// the record-name strategies need the writer's record name, which only the schema being
    /// fetched holds, so they name no subject (as Confluent's deserializers do).
    pub(crate) strategy: SubjectNameStrategy,
    /// A subject named whatever the topic (`:.team:orders-value`, a custom strategy's).
    pub(crate) fixed: Option<String>,
    /// What the deserializer reads when a call does not say: keys or values.
    pub(crate) is_key: bool,
}

impl Naming {
    /// The subject to pass for a record of `topic` (a key when `is_key`), if any.
    pub(crate) fn subject(&self, topic: &str, is_key: bool) -> Option<String> {
        if let Some(fixed) = &self.fixed {
            return Some(fixed.clone());
        }
        match self.strategy {
            SubjectNameStrategy::TopicName => Some(self.strategy.subject(topic, "", is_key)),
            SubjectNameStrategy::RecordName | SubjectNameStrategy::TopicRecordName => None,
        }
    }

    /// Data contracts: [`RegistryClient::record_migrations`] for the subject named for `topic`
    /// (this deserializer's key or value side), through `client` (`None`: a deserializer built
    /// without a registry, which has no contract to read).
    pub(crate) async fn migrations(
        &self,
        client: Option<&RegistryClient>,
        topic: &str,
        header: Option<&[u8]>,
        bytes: &[u8],
        reader: &BTreeMap<String, String>,
    ) -> Result<Vec<(crate::Version, crate::Rule)>> {
        let client = client.ok_or_else(|| {
            Error::Config("a deserializer built without a registry has no migration rules".into())
        })?;
        let subject = self.subject(topic, self.is_key).ok_or_else(|| {
            Error::Config(
                "the record-name strategies name no subject to read migration rules from: give \
                 the deserializer its subject"
                    .into(),
            )
        })?;
        client.record_migrations(&subject, header, bytes, reader).await
    }

    /// Whether `subject`, named by [`Naming::subject`] for some record, is what it names for a
    /// record of (`topic`, `is_key`): compared without building the subject, for the hot path.
    #[inline]
    pub(crate) fn names(&self, subject: Option<&str>, topic: &str, is_key: bool) -> bool {
        if self.fixed.is_some() || self.strategy != SubjectNameStrategy::TopicName {
            // The subject does not depend on the record: every entry was named the same.
            return true;
        }
        let Some(subject) = subject else { return false };
        // Constant suffixes, so their comparison compiles to a load and a compare.
        let name =
            if is_key { subject.strip_suffix("-key") } else { subject.strip_suffix("-value") };
        name == Some(topic)
    }
}

/// The methods every typed deserializer (Avro, JSON, Protobuf) has for the subject it names, and
/// the listing of a record's migration rules for that subject: written once, since the three
/// share them by name rather than by a trait users would have to import. The deserializer has a
/// `naming: Naming` field and a `registry(&self) -> Option<&RegistryClient>` method.
macro_rules! naming_methods {
    () => {
        /// Reads record keys: the subject named is `<topic>-key`. (A [`crate::kafka::Consumer`]
        /// tells keys from values itself.)
        pub fn key(mut self) -> Self {
            self.naming.is_key = true;
            self
        }

        /// How the subject passed when fetching a writer schema is named (default: TopicName).
        /// The record-name strategies need the writer's name, which only the schema holds, so
        /// with them no subject is passed, as in Confluent's deserializers.
        pub fn subject_name_strategy(mut self, strategy: $crate::SubjectNameStrategy) -> Self {
            self.naming.strategy = strategy;
            self
        }

        /// Passes `subject` whatever the topic (a custom strategy's, or a qualified subject such
        /// as `:.team:orders-value` to read that context's ids).
        pub fn subject(mut self, subject: impl Into<String>) -> Self {
            self.naming.fixed = Some(subject.into());
            self
        }

        /// Data contracts: the migration rules a reader of the major version `reader` selects
        /// (its metadata properties, as `use.latest.with.metadata` picks it) must run on this
        /// record of `topic`, from the version that wrote it, for the subject this deserializer
        /// names ([`RegistryClient::record_migrations`](crate::RegistryClient::record_migrations)).
        /// Listed, not run.
        pub async fn migrations(
            &self,
            topic: &str,
            header: Option<&[u8]>,
            bytes: &[u8],
            reader: &std::collections::BTreeMap<String, String>,
        ) -> $crate::registry::Result<Vec<($crate::Version, $crate::Rule)>> {
            self.naming.migrations(self.registry(), topic, header, bytes, reader).await
        }
    };
}

pub(crate) use naming_methods;

/// What a cached writer schema was found by: an id with the subject passed when fetching it (the
/// subject picks the id's context), or a GUID, which names one schema in every context.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum WriterKey {
    Id { subject: Option<String>, id: SchemaId },
    Guid(Guid),
}

impl WriterKey {
    /// The key of a record naming `schema`, for `subject`.
    pub(crate) fn new(schema: SchemaRef, subject: Option<String>) -> WriterKey {
        match schema {
            SchemaRef::Id(id) => WriterKey::Id { subject, id },
            SchemaRef::Guid(guid) => WriterKey::Guid(Guid(guid)),
        }
    }

    /// Whether this is the key of a record of (`topic`, `is_key`) naming `schema`.
    #[inline]
    pub(crate) fn is_for(
        &self,
        naming: &Naming,
        schema: &SchemaRef,
        topic: &str,
        is_key: bool,
    ) -> bool {
        match (self, schema) {
            (WriterKey::Id { subject, id }, SchemaRef::Id(wanted)) => {
                id == wanted && naming.names(subject.as_deref(), topic, is_key)
            }
            (WriterKey::Guid(guid), SchemaRef::Guid(wanted)) => guid.0 == *wanted,
            _ => false,
        }
    }
}

/// Values a deserializer made per writer (a resolution plan, a checked message), by
/// [`WriterKey`]. A list rather than a map: a consumer sees a handful of writers, and a scan
/// needs no owned key (no allocation) on the hot path.
#[derive(Debug)]
pub(crate) struct Writers<V> {
    /// The first value made, read without a lock: most topics carry one writer schema.
    first: OnceLock<(WriterKey, V)>,
    rest: RwLock<Vec<(WriterKey, V)>>,
}

impl<V> Default for Writers<V> {
    fn default() -> Self {
        Writers { first: OnceLock::new(), rest: RwLock::default() }
    }
}

impl<V: Clone> Writers<V> {
    /// Runs `f` on the first value whose key and value `accept`, without awaiting. The read
    /// lock is held while `f` runs; it is only contended when a writer is added.
    #[inline]
    pub(crate) fn with<R>(
        &self,
        accept: impl Fn(&WriterKey, &V) -> bool,
        f: impl FnOnce(&V) -> R,
    ) -> Option<R> {
        if let Some((key, value)) = self.first.get()
            && accept(key, value)
        {
            return Some(f(value));
        }
        let rest = self.rest.read().unwrap_or_else(PoisonError::into_inner);
        let (_, value) = rest.iter().find(|(key, value)| accept(key, value))?;
        Some(f(value))
    }

    /// Keeps `value` for `key` unless an entry `same` accepts is there already.
    pub(crate) fn insert(&self, key: WriterKey, value: V, same: impl Fn(&WriterKey, &V) -> bool) {
        if self.first.get().is_none() {
            let _ = self.first.set((key.clone(), value.clone()));
        }
        let mut rest = self.rest.write().unwrap_or_else(PoisonError::into_inner);
        if rest.iter().any(|(k, v)| same(k, v)) {
            return;
        }
        if rest.len() >= MAX_WRITERS {
            rest.remove(0);
        }
        rest.push((key, value));
    }
}

/// The writer schema a record names (`schema`), fetched for `subject`: an id as Confluent's
/// deserializers fetch it, with `?subject=`; a GUID by its id in the subject's context (else
/// this client's, else the default), fetched in the context that id belongs to.
pub(crate) async fn fetch_writer(
    client: &RegistryClient,
    schema: SchemaRef,
    subject: Option<&str>,
) -> Result<Arc<RegisteredSchema>> {
    match schema {
        SchemaRef::Id(id) => client.schema_by_id_for(id, subject).await,
        SchemaRef::Guid(guid) => {
            let (context, id) = client.id_by_guid_for(Guid(guid), subject).await?;
            if context == client.context() {
                client.schema_by_id(id).await
            } else {
                // The GUID chose the context; the context's own subject (`:.team:`, `:.:`)
                // finds any id in it.
                client.schema_by_id_for(id, Some(&format!(":{context}:"))).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming(strategy: SubjectNameStrategy, fixed: Option<&str>) -> Naming {
        Naming { strategy, fixed: fixed.map(str::to_owned), is_key: false }
    }

    #[test]
    fn subjects_are_named_as_confluent_deserializers_name_them() {
        use SubjectNameStrategy::*;
        let check = |naming: Naming, topic: &str, is_key: bool, expected: Option<&str>| {
            let subject = naming.subject(topic, is_key);
            assert_eq!(subject.as_deref(), expected, "{naming:?} {topic} {is_key}");
            assert!(naming.names(subject.as_deref(), topic, is_key), "{naming:?} {topic}");
        };
        check(naming(TopicName, None), "orders", false, Some("orders-value"));
        check(naming(TopicName, None), "orders", true, Some("orders-key"));
        check(naming(TopicName, None), "", false, Some("-value"));
        check(naming(RecordName, None), "orders", false, None);
        check(naming(TopicRecordName, None), "orders", true, None);
        check(
            naming(TopicName, Some(":.team:orders-value")),
            "x",
            false,
            Some(":.team:orders-value"),
        );
        check(naming(RecordName, Some("fixed")), "x", true, Some("fixed"));
    }

    #[test]
    fn cache_keys_tell_subjects_ids_and_guids_apart() {
        use SubjectNameStrategy::*;
        let id = |n| SchemaRef::Id(SchemaId(n));
        let key = |subject: Option<&str>, n| WriterKey::Id {
            subject: subject.map(Into::into),
            id: SchemaId(n),
        };
        let topic = naming(TopicName, None);
        let check =
            |naming: &Naming, key: &WriterKey, schema: SchemaRef, topic: &str, is_key, hit| {
                assert_eq!(
                    key.is_for(naming, &schema, topic, is_key),
                    hit,
                    "{key:?} {schema:?} {topic}"
                );
            };
        check(&topic, &key(Some("orders-value"), 1), id(1), "orders", false, true);
        check(&topic, &key(Some("orders-value"), 1), id(2), "orders", false, false);
        check(&topic, &key(Some("orders-value"), 1), id(1), "orders", true, false);
        check(&topic, &key(Some("orders-value"), 1), id(1), "order", false, false);
        check(&topic, &key(Some("orders-value"), 1), id(1), "orders-value", false, false);
        check(&topic, &key(Some("orders-key"), 1), id(1), "orders", true, true);
        check(&topic, &key(None, 1), id(1), "orders", false, false);
        let record = naming(RecordName, None);
        check(&record, &key(None, 1), id(1), "any", false, true);
        check(&record, &key(None, 1), id(1), "other", true, true);
        let fixed = naming(TopicName, Some(":.team:orders-value"));
        check(&fixed, &key(Some(":.team:orders-value"), 1), id(1), "t", false, true);
        let guid = [7; 16];
        check(&topic, &WriterKey::Guid(Guid(guid)), SchemaRef::Guid(guid), "any", true, true);
        check(&topic, &WriterKey::Guid(Guid(guid)), SchemaRef::Guid([8; 16]), "any", true, false);
        check(&topic, &WriterKey::Guid(Guid(guid)), id(1), "any", true, false);
        check(&topic, &key(Some("orders-value"), 1), SchemaRef::Guid(guid), "orders", false, false);
    }

    #[test]
    fn the_same_id_keeps_a_value_per_subject() {
        let naming = naming(SubjectNameStrategy::TopicName, None);
        let writers: Writers<&str> = Writers::default();
        let schema = SchemaRef::Id(SchemaId(1));
        for (topic, value) in [("a", "a's"), ("b", "b's"), ("a", "a's again")] {
            let key = WriterKey::new(schema, naming.subject(topic, false));
            let same = |k: &WriterKey, _: &&str| *k == key;
            writers.insert(key.clone(), value, same);
        }
        let get = |topic| writers.with(|k, _| k.is_for(&naming, &schema, topic, false), |v| *v);
        assert_eq!(get("a"), Some("a's"));
        assert_eq!(get("b"), Some("b's"));
        assert_eq!(get("c"), None);
        assert_eq!(writers.rest.read().unwrap().len(), 2);
    }

    #[test]
    fn writers_are_bounded() {
        let writers: Writers<u32> = Writers::default();
        for n in 0..(MAX_WRITERS as u32 + 10) {
            let key = WriterKey::Id { subject: None, id: SchemaId(n) };
            let same = |k: &WriterKey, _: &u32| *k == key;
            writers.insert(key.clone(), n, same);
        }
        assert_eq!(writers.rest.read().unwrap().len(), MAX_WRITERS);
        let at =
            |n| writers.with(|k, _| *k == WriterKey::Id { subject: None, id: SchemaId(n) }, |v| *v);
        assert_eq!(at(0), Some(0), "the first stays, lock-free");
        assert_eq!(at(5), None, "the oldest of the rest went");
        assert_eq!(at(MAX_WRITERS as u32 + 9), Some(MAX_WRITERS as u32 + 9));
    }
}
