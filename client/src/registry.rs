//! `RegistryClient`: an async client of the Confluent Schema Registry REST API with failover
//! across several URLs, basic or refreshable bearer auth, timeouts, retries with exponential
//! backoff (connect errors, dropped connections and 5xx only), typed errors carrying Confluent's
//! error code, and single-flight caches for ids, registrations and "latest" answers.

mod blocking;
mod cache;
mod error;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Method, StatusCode, Url};
use schemata_core::api::{
    self, CompatibilityCheckResponse, ConfigUpdate, ErrorBody, RegisterSchemaRequest,
    RegisterSchemaResponse, SchemaById, codes,
};
use schemata_core::{
    CompatibilityLevel, Guid, JsonPolicy, Metadata, Mode, ReferencedSchema, Rule, RuleSet,
    Schema as ParsedSchema, SchemaId, SchemaReference, SchemaType, Version, VersionSpec,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use self::blocking::BlockingRegistryClient;
pub use self::error::{Error, Result};

use self::cache::FlightCache;

/// Default bound of every cache, in entries.
pub(crate) const DEFAULT_CACHE_CAPACITY: usize = 10_000;
/// Default time a "latest version" answer is trusted.
pub(crate) const DEFAULT_LATEST_TTL_MS: u64 = 60_000;
/// Default whole-request timeout.
pub(crate) const DEFAULT_TIMEOUT_MS: u64 = 10_000;
/// Default connect timeout.
pub(crate) const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
/// Largest answer body we read: a bound against a misbehaving server, far above real schemas.
pub(crate) const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// Deepest reference chain we follow when fetching a schema's references.
pub(crate) const MAX_REFERENCE_DEPTH: usize = 32;

/// A schema version under a subject, as the registry holds it (text unparsed: it may be of a
/// type this client does not parse, or reference schemas not fetched yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectSchema {
    /// The subject the version lives under.
    pub subject: String,
    /// Its version number under the subject.
    pub version: Version,
    /// The global id of its schema.
    pub id: SchemaId,
    /// The schema's language.
    pub schema_type: SchemaType,
    /// The schemas it references, by subject and version.
    pub references: Vec<SchemaReference>,
    /// The data contract's metadata (properties, tags, sensitive names), if it has one.
    pub metadata: Option<Metadata>,
    /// The data contract's rules, if it has any (run by the clients that execute them; this
    /// client does not yet).
    pub rule_set: Option<RuleSet>,
    /// The schema text, as registered.
    pub schema: String,
}

/// A subject and a version number under it: where a schema id is registered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubjectVersion {
    /// The subject.
    pub subject: String,
    /// The version under it.
    pub version: Version,
}

/// A schema as the registry answers it by id, unparsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaRecord {
    /// The schema's language.
    pub schema_type: SchemaType,
    /// The schemas it references, by subject and version.
    pub references: Vec<SchemaReference>,
    /// The schema text, as registered.
    pub schema: String,
}

/// A compatibility configuration, global or of one subject: what [`RegistryClient::config`]
/// answers and what [`RegistryClient::set_config`] sends (absent fields are left unchanged).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// The level new versions are checked at.
    pub compatibility: Option<CompatibilityLevel>,
    /// Whether the registry normalizes schemas before registering and looking them up.
    pub normalize: Option<bool>,
    /// How changes are judged, STRICT or LENIENT (Confluent's `compatibilityPolicy`).
    pub json_policy: Option<JsonPolicy>,
    /// Data contracts: only versions with the same value of this metadata property are checked
    /// against each other ("major versions").
    pub compatibility_group: Option<String>,
    /// Data contracts: merged under the metadata of every new version.
    pub default_metadata: Option<Metadata>,
    /// Data contracts: merged over the metadata of every new version.
    pub override_metadata: Option<Metadata>,
    /// Data contracts: merged under the rule set of every new version.
    pub default_rule_set: Option<RuleSet>,
    /// Data contracts: merged over the rule set of every new version.
    pub override_rule_set: Option<RuleSet>,
    /// Whether the registry checks `confluent:reserved` fields on register.
    pub validate_fields: Option<bool>,
}

/// Whether a new schema can be registered under a subject: [`RegistryClient::check_compatibility`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatibilityVerdict {
    /// True when the schema passes the checks the subject's level (or the version) names.
    pub is_compatible: bool,
    /// The registry's reasons (every one when asked with [`CheckOptions::verbose`]).
    pub messages: Vec<String>,
}

// The wire forms, for tools that print what the registry would answer (`--format json`).

impl From<&SubjectSchema> for api::SubjectSchema {
    fn from(found: &SubjectSchema) -> api::SubjectSchema {
        api::SubjectSchema {
            subject: found.subject.clone(),
            version: found.version.0 as i32,
            id: found.id.0 as i32,
            schema_type: found.schema_type.to_optional().map(str::to_owned),
            references: found.references.iter().map(api::SchemaReference::from).collect(),
            metadata: found.metadata.clone(),
            rule_set: found.rule_set.clone(),
            schema: found.schema.clone(),
            guid: None,
        }
    }
}

impl From<&SchemaRecord> for SchemaById {
    fn from(record: &SchemaRecord) -> SchemaById {
        SchemaById {
            schema: record.schema.clone(),
            schema_type: record.schema_type.to_optional().map(str::to_owned),
            references: record.references.iter().map(api::SchemaReference::from).collect(),
            guid: None,
            metadata: None,
            rule_set: None,
            max_id: None,
        }
    }
}

impl From<Config> for api::Config {
    fn from(config: Config) -> api::Config {
        api::Config {
            compatibility_level: config.compatibility.map(|level| level.as_str().to_owned()),
            normalize: config.normalize,
            json_policy: config.json_policy.map(|policy| policy.as_str().to_owned()),
            compatibility_group: config.compatibility_group,
            default_metadata: config.default_metadata,
            override_metadata: config.override_metadata,
            default_rule_set: config.default_rule_set,
            override_rule_set: config.override_rule_set,
            validate_fields: config.validate_fields,
        }
    }
}

impl From<Config> for ConfigUpdate {
    fn from(config: Config) -> ConfigUpdate {
        api::Config::from(config).into()
    }
}

/// Options of [`RegistryClient::register`] and [`RegistryClient::register_text`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegisterOptions {
    /// Ask the registry to normalize the schema first, so spellings of one schema share an id.
    pub normalize: bool,
    /// The data contract's metadata registered with the schema (part of its identity: the same
    /// text with other metadata is a new version). `None` inherits the latest version's.
    pub metadata: Option<Metadata>,
    /// The data contract's rules registered with the schema; `None` inherits the latest
    /// version's.
    pub rule_set: Option<RuleSet>,
}

/// Options of [`RegistryClient::lookup`] and [`RegistryClient::lookup_id`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LookupOptions {
    /// Compare normalized forms, as a registration with `normalize` does.
    pub normalize: bool,
    /// Find soft-deleted versions too.
    pub deleted: bool,
    /// Find the version registered with this metadata (as [`RegisterOptions::metadata`]).
    pub metadata: Option<Metadata>,
    /// Find the version registered with these rules (as [`RegisterOptions::rule_set`]).
    pub rule_set: Option<RuleSet>,
}

/// Options of the reads that can see soft-deleted subjects and versions
/// ([`RegistryClient::subjects`], [`RegistryClient::versions`], [`RegistryClient::version`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadOptions {
    /// Include soft-deleted subjects or versions.
    pub deleted: bool,
}

/// Options of [`RegistryClient::delete_subject`] and [`RegistryClient::delete_version`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeleteOptions {
    /// Delete for good (only after a soft delete); the default is a soft delete.
    pub permanent: bool,
}

/// Options of [`RegistryClient::check_compatibility`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CheckOptions {
    /// Check against this version only; by default against the versions the subject's level
    /// names.
    pub version: Option<VersionSpec>,
    /// Ask for every reason, not only the verdict.
    pub verbose: bool,
}

/// Options of [`RegistryClient::config`] and [`RegistryClient::mode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SettingOptions {
    /// For a subject without its own setting, answer the global one instead of an error.
    pub default_to_global: bool,
}

/// Options of [`RegistryClient::set_mode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ModeOptions {
    /// Set IMPORT even though the registry (or subject) already holds schemas.
    pub force: bool,
}

/// What [`RegistryClient::export_all`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Every version of every subject, soft-deleted ones included, as `GET /schemas` orders them.
    pub schemas: Vec<api::SubjectSchema>,
    /// (subject, version) of the soft-deleted versions among `schemas`.
    pub soft_deleted: Vec<(String, i32)>,
    /// The global config.
    pub global_config: Config,
    /// The global mode.
    pub global_mode: Mode,
    /// Subjects with a config of their own.
    pub subject_configs: Vec<(String, Config)>,
    /// Subjects with a mode of their own.
    pub subject_modes: Vec<(String, Mode)>,
}

/// A schema as the registry holds it under an id, parsed (references resolved) once.
#[derive(Debug)]
pub struct RegisteredSchema {
    /// Its global id.
    pub id: SchemaId,
    /// The parsed schema.
    pub schema: ParsedSchema,
}

/// How to authenticate.
#[derive(Clone, Default)]
enum Auth {
    #[default]
    None,
    Basic {
        user: String,
        password: String,
    },
    /// Called before every request, so a token can be refreshed behind the client's back.
    Bearer(Arc<dyn Fn() -> String + Send + Sync>),
}

impl fmt::Debug for Auth {
    // Never print credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Auth::None => "None",
            Auth::Basic { .. } => "Basic(..)",
            Auth::Bearer(_) => "Bearer(..)",
        })
    }
}

/// Retry policy: attempts after the first, and the exponential backoff bounds.
#[derive(Debug, Clone, Copy)]
struct Retry {
    max_retries: u32,
    base_backoff_ms: u64,
    max_backoff_ms: u64,
}

/// Builds a [`RegistryClient`]. Every limit has a default; see the setters.
#[derive(Debug, Clone)]
pub struct RegistryClientBuilder {
    urls: Vec<String>,
    auth: Auth,
    ca_cert_pem: Option<Vec<u8>>,
    identity_pem: Option<Vec<u8>>,
    timeout_ms: u64,
    connect_timeout_ms: u64,
    retry: Retry,
    latest_ttl_ms: u64,
    cache_capacity: usize,
    /// The schema context every call works in (`None`: the default context).
    context: Option<String>,
}

impl Default for RegistryClientBuilder {
    fn default() -> Self {
        RegistryClientBuilder {
            urls: Vec::new(),
            auth: Auth::None,
            ca_cert_pem: None,
            identity_pem: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            connect_timeout_ms: DEFAULT_CONNECT_TIMEOUT_MS,
            retry: Retry { max_retries: 3, base_backoff_ms: 100, max_backoff_ms: 2_000 },
            latest_ttl_ms: DEFAULT_LATEST_TTL_MS,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            context: None,
        }
    }
}

impl RegistryClientBuilder {
    /// Base URLs, tried in turn on failure (the last one that answered goes first next time).
    pub fn urls<I, S>(mut self, urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.urls = urls.into_iter().map(Into::into).collect();
        self
    }

    /// One base URL (replacing any given before).
    pub fn url(self, url: impl Into<String>) -> Self {
        self.urls([url])
    }

    /// HTTP basic auth on every request.
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.auth = Auth::Basic { user: user.into(), password: password.into() };
        self
    }

    /// Bearer auth; `token` is called before every request so it can return a refreshed token.
    pub fn bearer(mut self, token: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.auth = Auth::Bearer(Arc::new(token));
        self
    }

    /// A client certificate for registries that require one (mTLS, feature `tls`): PEM text
    /// holding the certificate (then its intermediates) and its private key (PKCS#8, PKCS#1 or
    /// SEC1), e.g. the two files concatenated.
    pub fn client_identity_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.identity_pem = Some(pem.into());
        self
    }

    /// A PEM CA certificate (or bundle) to trust for `https` URLs, on top of none: only these.
    pub fn ca_cert_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_cert_pem = Some(pem.into());
        self
    }

    /// Whole-request timeout of one attempt.
    pub fn timeout_ms(mut self, timeout_ms: u64) -> Self {
        self.timeout_ms = timeout_ms;
        self
    }

    /// Timeout of establishing one connection.
    pub fn connect_timeout_ms(mut self, connect_timeout_ms: u64) -> Self {
        self.connect_timeout_ms = connect_timeout_ms;
        self
    }

    /// Retries after the first attempt, and the backoff: `base * 2^n` capped at `max`, jittered.
    pub fn retries(mut self, max_retries: u32, base_backoff_ms: u64, max_backoff_ms: u64) -> Self {
        self.retry = Retry { max_retries, base_backoff_ms, max_backoff_ms };
        self
    }

    /// How long a "latest version" answer is served from the cache.
    pub fn latest_ttl_ms(mut self, latest_ttl_ms: u64) -> Self {
        self.latest_ttl_ms = latest_ttl_ms;
        self
    }

    /// Bound of each cache, in entries.
    pub fn cache_capacity(mut self, entries: usize) -> Self {
        self.cache_capacity = entries;
        self
    }

    /// Works in schema context `context` (`team`, `.team` or `:.team:`; Confluent 7.0+): every
    /// call goes to `{url}/contexts/.team/...`, as Confluent documents for clients, so subjects
    /// are qualified (`:.team:orders-value`) and ids read by the deserializers are the
    /// context's own (each context is its own id space; the caches of one client hold one
    /// context's ids). A subject written `:.other:name` still names its own context.
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    /// The client; [`Error::Config`] without a URL, with an unparsable one or a bad CA.
    pub fn build(self) -> Result<RegistryClient> {
        if self.urls.is_empty() {
            return Err(Error::Config("no registry url".into()));
        }
        let urls = self
            .urls
            .iter()
            .map(|raw| {
                let url = Url::parse(raw.trim_end_matches('/'))
                    .map_err(|e| Error::Config(format!("registry url '{raw}': {e}")))?;
                if url.cannot_be_a_base() {
                    return Err(Error::Config(format!("registry url '{raw}' cannot be a base")));
                }
                Ok(url)
            })
            .collect::<Result<Vec<_>>>()?;
        let context = match &self.context {
            None => schemata_core::context::DEFAULT_CONTEXT.to_owned(),
            Some(raw) => schemata_core::context::parse_context(raw)
                .map_err(|e| Error::Config(format!("schema context '{raw}': {e}")))?,
        };
        let urls = if context == schemata_core::context::DEFAULT_CONTEXT {
            urls
        } else {
            urls.into_iter()
                .map(|mut url| {
                    if let Ok(mut segments) = url.path_segments_mut() {
                        segments.pop_if_empty().extend(["contexts", context.as_str()]);
                    }
                    url
                })
                .collect()
        };
        let mut http = reqwest::Client::builder()
            .timeout(Duration::from_millis(self.timeout_ms))
            .connect_timeout(Duration::from_millis(self.connect_timeout_ms))
            .user_agent(concat!("schemata/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &self.ca_cert_pem {
            http = tls::trust_only(http, pem)?;
        }
        if let Some(pem) = &self.identity_pem {
            http = tls::identity(http, pem)?;
        }
        let http = http.build().map_err(|e| Error::Config(format!("http client: {e}")))?;
        let capacity = self.cache_capacity;
        Ok(RegistryClient {
            inner: Arc::new(Inner {
                http,
                urls,
                context,
                preferred: AtomicUsize::new(0),
                auth: self.auth,
                retry: self.retry,
                by_id: FlightCache::new(capacity, None),
                by_subject_id: FlightCache::new(capacity, None),
                ids: FlightCache::new(capacity, None),
                ids_of_guid: FlightCache::new(capacity, None),
                guid_of_id: FlightCache::new(capacity, None),
                latest: FlightCache::new(capacity, Some(Duration::from_millis(self.latest_ttl_ms))),
            }),
        })
    }
}

#[cfg(not(feature = "tls"))]
mod tls {
    use super::{Error, Result};

    pub(super) fn trust_only(
        _: reqwest::ClientBuilder,
        _: &[u8],
    ) -> Result<reqwest::ClientBuilder> {
        Err(Error::Config("a CA certificate needs schemata's \"tls\" feature".into()))
    }

    pub(super) fn identity(_: reqwest::ClientBuilder, _: &[u8]) -> Result<reqwest::ClientBuilder> {
        Err(Error::Config("a client certificate needs schemata's \"tls\" feature".into()))
    }
}

#[cfg(feature = "tls")]
mod tls {
    use super::{Error, Result};

    pub(super) fn identity(
        builder: reqwest::ClientBuilder,
        pem: &[u8],
    ) -> Result<reqwest::ClientBuilder> {
        let identity = reqwest::Identity::from_pem(pem)
            .map_err(|e| Error::Config(format!("client certificate: {e}")))?;
        Ok(builder.identity(identity))
    }

    pub(super) fn trust_only(
        builder: reqwest::ClientBuilder,
        pem: &[u8],
    ) -> Result<reqwest::ClientBuilder> {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| Error::Config(format!("ca certificate: {e}")))?;
        if certs.is_empty() {
            return Err(Error::Config("ca certificate: no certificate in the PEM text".into()));
        }
        Ok(builder.tls_certs_only(certs))
    }
}

/// Key of the (subject, schema) → id cache: the schema by its normalized text, so spellings of
/// one schema share an entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct IdKey {
    subject: String,
    schema_type: SchemaType,
    normalized: String,
    normalize: bool,
    /// Lookups that may find soft-deleted versions keep their own entries, so a registration
    /// never takes a soft-deleted version's id for its own.
    deleted: bool,
    /// The requested contract as JSON (empty when none was given).
    contract: String,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    urls: Vec<Url>,
    /// The schema context the URLs point into (`.` for the default one).
    context: String,
    /// Index of the URL that answered last: tried first.
    preferred: AtomicUsize,
    auth: Auth,
    retry: Retry,
    by_id: FlightCache<SchemaId, Arc<RegisteredSchema>>,
    /// Schemas fetched by id for a subject (`?subject=`): the subject picks the id's context,
    /// so the same id may name different schemas under different subjects.
    by_subject_id: FlightCache<(String, SchemaId), Arc<RegisteredSchema>>,
    ids: FlightCache<IdKey, SchemaId>,
    /// GUID → its ids per context, and id → GUID: immutable once the registry has answered.
    ids_of_guid: FlightCache<Guid, Arc<[ContextId]>>,
    guid_of_id: FlightCache<SchemaId, Guid>,
    latest: FlightCache<String, Arc<SubjectSchema>>,
}

/// An async Confluent Schema Registry client. Cheap to clone: clones share caches and connections.
///
/// ```no_run
/// # async fn demo() -> Result<(), schemata::Error> {
/// use schemata::{
///     CompatibilityLevel, Config, ParsedSchema, ReadOptions, RegisterOptions, RegistryClient,
///     SchemaType, SettingOptions, VersionSpec,
/// };
///
/// let registry = RegistryClient::builder()
///     .urls(["http://registry-1:8081", "http://registry-2:8081"])
///     .basic_auth("svc-orders", "secret")
///     .timeout_ms(5_000)
///     .build()?;
/// let schema = ParsedSchema::parse(SchemaType::Avro, r#"{"type":"record","name":"Order","fields":[]}"#)?;
/// let id = registry.register("orders-value", &schema, RegisterOptions::default()).await?;
/// let versions = registry.versions("orders-value", ReadOptions::default()).await?;
/// let latest = registry.version("orders-value", VersionSpec::Latest, ReadOptions::default()).await?;
/// assert_eq!((latest.id, Some(&latest.version)), (id, versions.last()));
///
/// let level = Config { compatibility: Some(CompatibilityLevel::Full), ..Config::default() };
/// registry.set_config(Some("orders-value"), &level).await?;
/// let config = registry.config(Some("orders-value"), SettingOptions::default()).await?;
/// assert_eq!(config.compatibility, Some(CompatibilityLevel::Full));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RegistryClient {
    inner: Arc<Inner>,
}

/// Query parameters, as pairs.
type Query<'a> = &'a [(&'a str, String)];

impl RegistryClient {
    /// A builder with every default; at least one URL is needed.
    pub fn builder() -> RegistryClientBuilder {
        RegistryClientBuilder::default()
    }

    /// A client for one URL with every default.
    pub fn new(url: impl Into<String>) -> Result<RegistryClient> {
        RegistryClient::builder().url(url).build()
    }

    /// The schema context this client works in (`.`, the default one, unless built with
    /// [`RegistryClientBuilder::context`]).
    pub fn context(&self) -> &str {
        &self.inner.context
    }

    // ---- schemas by id ----

    /// The schema with `id`, parsed with its references. Cached forever: ids are immutable.
    /// The id is read in this client's context; see [`RegistryClient::schema_by_id_for`] for
    /// the form that names a subject, as deserializers fetch writer schemas.
    pub async fn schema_by_id(&self, id: SchemaId) -> Result<Arc<RegisteredSchema>> {
        self.inner
            .by_id
            .get_or_fetch(&id, || async {
                let record = self.schema_record_by_id(id).await?;
                let schema = self
                    .parse_schema(record.schema_type, &record.schema, &record.references)
                    .await?;
                Ok(Arc::new(RegisteredSchema { id, schema }))
            })
            .await
    }

    /// The schema with `id` as the registry finds it for `subject` (`GET
    /// /schemas/ids/{id}?subject=`, as Confluent's deserializers ask): the subject picks the
    /// id's context, since each context is its own id space. A qualified subject
    /// (`:.team:orders-value`) finds its own context's id; an unqualified one the id it holds,
    /// in whichever context, else the default context's. `None` is [`RegistryClient::
    /// schema_by_id`]. Cached forever per (subject, id); references are fetched in the
    /// subject's context.
    pub async fn schema_by_id_for(
        &self,
        id: SchemaId,
        subject: Option<&str>,
    ) -> Result<Arc<RegisteredSchema>> {
        let Some(subject) = subject else { return self.schema_by_id(id).await };
        let key = (subject.to_owned(), id);
        self.inner
            .by_subject_id
            .get_or_fetch(&key, || async {
                let query = [("subject", subject.to_owned())];
                let body: SchemaById = self
                    .call(Method::GET, &["schemas", "ids", &id.to_string()], &query, None::<&()>)
                    .await?;
                let schema_type = parse_type(body.schema_type.as_deref())?;
                let references: Vec<SchemaReference> = core_references(&body.references)
                    .into_iter()
                    .map(|mut r| {
                        r.subject = qualify_reference(subject, &r.subject);
                        r
                    })
                    .collect();
                let schema = self.parse_schema(schema_type, &body.schema, &references).await?;
                Ok(Arc::new(RegisteredSchema { id, schema }))
            })
            .await
    }

    /// The id of the schema with `guid` (Confluent 8's schema GUID, which GUID-framed records
    /// carry), through `GET /schemas/guids/{guid}/ids`: this client's context's id, else the
    /// default context's, else the first answered. Cached forever, as ids are.
    pub async fn id_by_guid(&self, guid: Guid) -> Result<SchemaId> {
        Ok(self.id_by_guid_for(guid, None).await?.1)
    }

    /// As [`RegistryClient::id_by_guid`], preferring the context of `subject` when it is
    /// qualified (`:.team:orders-value`), and answering that context with the id: a schema has
    /// one GUID but an id per context it is registered in.
    pub async fn id_by_guid_for(
        &self,
        guid: Guid,
        subject: Option<&str>,
    ) -> Result<(String, SchemaId)> {
        let ids = self
            .inner
            .ids_of_guid
            .get_or_fetch(&guid, || async {
                let text = guid.to_string();
                let ids: Vec<api::ContextId> = self
                    .call(Method::GET, &["schemas", "guids", &text, "ids"], &[], None::<&()>)
                    .await?;
                let ids = ids
                    .into_iter()
                    .map(|c| Ok(ContextId { context: c.context, id: schema_id(c.id)? }))
                    .collect::<Result<Vec<_>>>()?;
                Ok::<_, Error>(Arc::from(ids))
            })
            .await?;
        let wanted = self.context_of(subject);
        choose_context_id(&ids, wanted)
            .ok_or_else(|| Error::Json(format!("registry answered no schema id for GUID {guid}")))
    }

    /// The context a subject names: its own when qualified (`:.team:x`, `:.:x`), else this
    /// client's.
    pub(crate) fn context_of<'s>(&'s self, subject: Option<&'s str>) -> &'s str {
        match subject {
            Some(subject) if subject.starts_with(":.") => {
                schemata_core::context::context_of(subject)
            }
            _ => &self.inner.context,
        }
    }

    /// The GUID the registry gives schema `id` (in `GET /schemas/ids/{id}`), for serializers that
    /// frame records with GUIDs. A registry that answers without one (older than Confluent 8) is
    /// an error naming that.
    pub async fn guid_by_id(&self, id: SchemaId) -> Result<Guid> {
        self.inner
            .guid_of_id
            .get_or_fetch(&id, || async {
                let body: SchemaById = self
                    .call(Method::GET, &["schemas", "ids", &id.to_string()], &[], None::<&()>)
                    .await?;
                let guid = body.guid.as_deref().ok_or_else(|| {
                    Error::Json(format!(
                        "registry answered schema {id} without a guid (it predates Confluent 8's \
                         schema GUIDs)"
                    ))
                })?;
                guid.parse().map_err(|e| Error::Json(format!("{e}")))
            })
            .await
    }

    /// Parses `text`, fetching its references (transitively) from the registry first.
    pub async fn parse_schema(
        &self,
        schema_type: SchemaType,
        text: &str,
        references: &[SchemaReference],
    ) -> Result<ParsedSchema> {
        let mut fetched: HashMap<(String, i32), ReferencedSchema> = HashMap::new();
        let mut pending: Vec<(SchemaReference, usize)> =
            references.iter().cloned().map(|r| (r, 1)).collect();
        while let Some((reference, depth)) = pending.pop() {
            let key = (reference.subject.clone(), reference.version);
            if fetched.contains_key(&key) || depth > MAX_REFERENCE_DEPTH {
                continue;
            }
            // A negative version means the latest, as in Confluent's references; any other
            // number is asked as written, so the registry judges it.
            let version = match reference.version {
                v if v < 0 => VersionSpec::Latest.to_string(),
                v => v.to_string(),
            };
            let found =
                self.version_at(&reference.subject, &version, ReadOptions::default()).await?;
            pending.extend(found.references.iter().cloned().map(|r| (r, depth + 1)));
            fetched.insert(
                key,
                ReferencedSchema {
                    schema_type: found.schema_type,
                    text: found.schema,
                    references: found.references,
                },
            );
        }
        Ok(ParsedSchema::parse_with_references(schema_type, text, references, &mut |r| {
            fetched.get(&(r.subject.clone(), r.version)).cloned()
        })?)
    }

    /// The registry's record of schema `id` as it answers it, unparsed and uncached (so it works
    /// for references this client has not fetched and schema types it does not parse).
    pub async fn schema_record_by_id(&self, id: SchemaId) -> Result<SchemaRecord> {
        let body: SchemaById =
            self.call(Method::GET, &["schemas", "ids", &id.to_string()], &[], None::<&()>).await?;
        Ok(SchemaRecord {
            schema_type: parse_type(body.schema_type.as_deref())?,
            references: core_references(&body.references),
            schema: body.schema,
        })
    }

    /// Subjects under which schema `id` is registered.
    pub async fn subjects_of_id(&self, id: SchemaId) -> Result<Vec<String>> {
        self.call(Method::GET, &["schemas", "ids", &id.to_string(), "subjects"], &[], None::<&()>)
            .await
    }

    /// The (subject, version) pairs under which schema `id` is registered.
    pub async fn versions_of_id(&self, id: SchemaId) -> Result<Vec<SubjectVersion>> {
        self.versions_of_id_for(id, None).await
    }

    /// As [`RegistryClient::versions_of_id`] for the id as `subject` names it (`?subject=`, which
    /// picks the id's context, as for [`RegistryClient::schema_by_id_for`]).
    pub async fn versions_of_id_for(
        &self,
        id: SchemaId,
        subject: Option<&str>,
    ) -> Result<Vec<SubjectVersion>> {
        let query: Vec<(&str, String)> =
            subject.map(|s| ("subject", s.to_owned())).into_iter().collect();
        let path = ["schemas", "ids", &id.to_string(), "versions"];
        let pairs: Vec<api::SubjectVersion> =
            self.call(Method::GET, &path, &query, None::<&()>).await?;
        pairs
            .into_iter()
            .map(|pair| {
                Ok(SubjectVersion { version: version_number(pair.version)?, subject: pair.subject })
            })
            .collect()
    }

    // ---- subjects and versions ----

    /// Registers `schema` under `subject` (idempotent on the registry's side); the id is cached
    /// and the subject's cached "latest" dropped, so the next latest read sees the new version.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), schemata::Error> {
    /// use schemata::{ParsedSchema, RegisterOptions, RegistryClient, SchemaType};
    ///
    /// let registry = RegistryClient::new("http://localhost:8081")?;
    /// let schema = ParsedSchema::parse(SchemaType::Avro, r#"{"type":"string"}"#)?;
    /// let id = registry.register("names-value", &schema, RegisterOptions::default()).await?;
    /// assert_eq!(registry.latest("names-value").await?.id, id);
    /// # Ok(()) }
    /// ```
    pub async fn register(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        options: RegisterOptions,
    ) -> Result<SchemaId> {
        let RegisterOptions { normalize, metadata, rule_set } = options;
        let key = id_key(subject, schema, normalize, false, (&metadata, &rule_set));
        let id = self
            .inner
            .ids
            .get_or_fetch(&key, || async {
                let request = register_request(schema, metadata, rule_set);
                let query = [("normalize", normalize.to_string())];
                let answer: RegisterSchemaResponse = self
                    .call(Method::POST, &["subjects", subject, "versions"], &query, Some(&request))
                    .await?;
                self.inner.latest.invalidate(&subject.to_owned());
                schema_id(answer.id)
            })
            .await?;
        Ok(id)
    }

    /// Registers raw text of a given type: parsed locally first (references fetched), so an
    /// invalid schema fails here with its parse error rather than as the registry's 42201.
    pub async fn register_text(
        &self,
        subject: &str,
        schema_type: SchemaType,
        text: &str,
        references: &[SchemaReference],
        options: RegisterOptions,
    ) -> Result<SchemaId> {
        let schema = self.parse_schema(schema_type, text, references).await?;
        self.register(subject, &schema, options).await
    }

    /// The version of `schema` under `subject` if registered there (40403 if not). Its id is
    /// cached like a registration's: a schema's id under a subject never changes.
    pub async fn lookup(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        options: LookupOptions,
    ) -> Result<SubjectSchema> {
        let LookupOptions { normalize, deleted, metadata, rule_set } = options;
        let key = id_key(subject, schema, normalize, deleted, (&metadata, &rule_set));
        let request = register_request(schema, metadata, rule_set);
        let query = [("normalize", normalize.to_string()), ("deleted", deleted.to_string())];
        let found: api::SubjectSchema =
            self.call(Method::POST, &["subjects", subject], &query, Some(&request)).await?;
        let found = subject_schema(found)?;
        self.inner.ids.insert(key, found.id);
        Ok(found)
    }

    /// The id of `schema` under `subject`, from the cache or one lookup.
    pub async fn lookup_id(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        options: LookupOptions,
    ) -> Result<SchemaId> {
        let LookupOptions { normalize, deleted, metadata, rule_set } = options;
        let key = id_key(subject, schema, normalize, deleted, (&metadata, &rule_set));
        self.inner
            .ids
            .get_or_fetch(&key, || async {
                let request = register_request(schema, metadata, rule_set);
                let mut query = vec![("normalize", normalize.to_string())];
                if deleted {
                    query.push(("deleted", "true".to_owned()));
                }
                let found: api::SubjectSchema =
                    self.call(Method::POST, &["subjects", subject], &query, Some(&request)).await?;
                schema_id(found.id)
            })
            .await
    }

    /// Every subject, or those starting with `prefix` (page by page, so a registry's list cap
    /// loses none).
    pub async fn subjects(
        &self,
        prefix: Option<&str>,
        options: ReadOptions,
    ) -> Result<Vec<String>> {
        all_pages(
            |offset| self.subjects_page(prefix, options.deleted, offset, PAGE_LEN),
            String::clone,
        )
        .await
    }

    /// One page of [`RegistryClient::subjects`]: at most `limit` subjects from `offset` on.
    /// Registries cap every list at their own limit, so a complete listing pages until a page
    /// adds nothing.
    async fn subjects_page(
        &self,
        prefix: Option<&str>,
        deleted: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<String>> {
        let mut query = page_query(deleted, offset, limit);
        if let Some(prefix) = prefix {
            query.push(("subjectPrefix", prefix.to_owned()));
        }
        self.call(Method::GET, &["subjects"], &query, None::<&()>).await
    }

    /// The version numbers of `subject`, oldest first.
    pub async fn versions(&self, subject: &str, options: ReadOptions) -> Result<Vec<Version>> {
        let query = [("deleted", options.deleted.to_string())];
        let numbers: Vec<i64> =
            self.call(Method::GET, &["subjects", subject, "versions"], &query, None::<&()>).await?;
        numbers.into_iter().map(version_number).collect()
    }

    /// One version of a subject, uncached (see [`RegistryClient::latest`] for the cached read).
    pub async fn version(
        &self,
        subject: &str,
        version: VersionSpec,
        options: ReadOptions,
    ) -> Result<SubjectSchema> {
        self.version_at(subject, &version.to_string(), options).await
    }

    /// [`RegistryClient::version`] with the version as the path spells it.
    async fn version_at(
        &self,
        subject: &str,
        version: &str,
        options: ReadOptions,
    ) -> Result<SubjectSchema> {
        let query = [("deleted", options.deleted.to_string())];
        let found: api::SubjectSchema = self
            .call(Method::GET, &["subjects", subject, "versions", version], &query, None::<&()>)
            .await?;
        subject_schema(found)
    }

    /// The migration rules that apply when a record written with `writer` is read as `reader`
    /// (two versions of `subject`, e.g. the writer's found from its id with
    /// [`RegistryClient::versions_of_id`] and the reader's major version from
    /// [`RegistryClient::latest_with_metadata`]), in the order Confluent's clients run them, each
    /// with the version that declares it. This client lists them; it does not run them (CEL and
    /// JSONata execution is left to Confluent's clients for now). Reads every version between
    /// the two, soft-deleted ones included.
    pub async fn migration_rules(
        &self,
        subject: &str,
        writer: Version,
        reader: Version,
    ) -> Result<Vec<(Version, Rule)>> {
        let up = writer < reader;
        let (first, last) = if up { (writer.0, reader.0) } else { (reader.0, writer.0) };
        let mut versions = Vec::new();
        for number in first..=last {
            let spec = VersionSpec::Exact(Version(number));
            match self.version(subject, spec, ReadOptions { deleted: true }).await {
                Ok(found) => versions.push((number, found.rule_set)),
                // A hard-deleted version in between has no rules left to run.
                Err(e)
                    if e.error_code() == Some(codes::VERSION_NOT_FOUND)
                        && number != first
                        && number != last => {}
                Err(e) => return Err(e),
            }
        }
        let steps: Vec<(u32, Option<&RuleSet>)> =
            versions.iter().map(|(v, rules)| (*v, rules.as_ref())).collect();
        Ok(schemata_core::contract::migrations(&steps, up)
            .into_iter()
            .map(|(version, rule)| (Version(version), rule.clone()))
            .collect())
    }

    /// The latest version of `subject` whose metadata has every (key, value) of `properties`
    /// among its properties (Confluent's `use.latest.with.metadata`, `GET
    /// /subjects/{s}/metadata`), soft-deleted ones too with `options.deleted`. Uncached.
    pub async fn latest_with_metadata(
        &self,
        subject: &str,
        properties: &BTreeMap<String, String>,
        options: ReadOptions,
    ) -> Result<SubjectSchema> {
        let mut query: Vec<(&str, String)> = Vec::with_capacity(2 * properties.len() + 1);
        for (key, value) in properties {
            query.push(("key", key.clone()));
            query.push(("value", value.clone()));
        }
        query.push(("deleted", options.deleted.to_string()));
        let found: api::SubjectSchema =
            self.call(Method::GET, &["subjects", subject, "metadata"], &query, None::<&()>).await?;
        subject_schema(found)
    }

    /// The latest version of `subject`, cached for the configured TTL and dropped when this
    /// client registers under the subject.
    pub async fn latest(&self, subject: &str) -> Result<Arc<SubjectSchema>> {
        self.inner
            .latest
            .get_or_fetch(&subject.to_owned(), || async {
                let latest =
                    self.version(subject, VersionSpec::Latest, ReadOptions::default()).await?;
                Ok(Arc::new(latest))
            })
            .await
    }

    /// Every schema version the registry holds (soft-deleted ones too when `deleted`).
    /// Every version of every subject (`GET /schemas`), page by page, so a registry's list cap
    /// loses none.
    pub async fn export(&self, deleted: bool) -> Result<Vec<api::SubjectSchema>> {
        self.export_context(deleted, None).await
    }

    /// As [`RegistryClient::export`], for the schema context `context` (`.team`); `None` is the
    /// default context. Confluent lists one context per request (`subjectPrefix=:.team:`).
    pub async fn export_context(
        &self,
        deleted: bool,
        context: Option<&str>,
    ) -> Result<Vec<api::SubjectSchema>> {
        let prefix = context.map(schemata_core::context::prefix);
        all_pages(
            |offset| self.export_page(deleted, prefix.as_deref(), offset, PAGE_LEN),
            |s: &api::SubjectSchema| (s.subject.clone(), s.version),
        )
        .await
    }

    /// One page of [`RegistryClient::export_context`]: at most `limit` versions from `offset`.
    async fn export_page(
        &self,
        deleted: bool,
        prefix: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<api::SubjectSchema>> {
        let mut query = page_query(deleted, offset, limit);
        if let Some(prefix) = prefix.filter(|p| !p.is_empty()) {
            query.push(("subjectPrefix", prefix.to_owned()));
        }
        self.call(Method::GET, &["schemas"], &query, None::<&()>).await
    }

    /// The registry's schema contexts (`GET /contexts`), the default one (`.`) first.
    pub async fn contexts(&self) -> Result<Vec<String>> {
        self.call(Method::GET, &["contexts"], &[], None::<&()>).await
    }

    /// Everything a backup needs to rebuild the registry: every schema version (soft-deleted
    /// ones marked), the global config and mode, and each subject's own config and mode.
    pub async fn export_all(&self) -> Result<Export> {
        let schemas = self.export(true).await?;
        let live: std::collections::HashSet<(String, i32)> =
            self.export(false).await?.into_iter().map(|s| (s.subject, s.version)).collect();
        let soft_deleted = schemas
            .iter()
            .filter(|s| !live.contains(&(s.subject.clone(), s.version)))
            .map(|s| (s.subject.clone(), s.version))
            .collect();
        let mut subjects: Vec<String> = schemas.iter().map(|s| s.subject.clone()).collect();
        subjects.sort();
        subjects.dedup();
        let mut subject_configs = Vec::new();
        let mut subject_modes = Vec::new();
        for subject in &subjects {
            match self.config(Some(subject), SettingOptions::default()).await {
                Ok(config) => subject_configs.push((subject.clone(), config)),
                Err(e)
                    if e.error_code()
                        == Some(codes::SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED) => {}
                Err(e) => return Err(e),
            }
            match self.mode(Some(subject), SettingOptions::default()).await {
                Ok(mode) => subject_modes.push((subject.clone(), mode)),
                Err(e) if e.error_code() == Some(codes::SUBJECT_LEVEL_MODE_NOT_CONFIGURED) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Export {
            schemas,
            soft_deleted,
            global_config: self.config(None, SettingOptions::default()).await?,
            global_mode: self.mode(None, SettingOptions::default()).await?,
            subject_configs,
            subject_modes,
        })
    }

    /// Deletes a subject (soft, or permanent after a soft delete); returns the deleted versions.
    pub async fn delete_subject(
        &self,
        subject: &str,
        options: DeleteOptions,
    ) -> Result<Vec<Version>> {
        let query = [("permanent", options.permanent.to_string())];
        let deleted: Result<Vec<i64>> =
            self.call(Method::DELETE, &["subjects", subject], &query, None::<&()>).await;
        self.inner.latest.invalidate(&subject.to_owned());
        deleted?.into_iter().map(version_number).collect()
    }

    /// Deletes one version of a subject (soft, or permanent after a soft delete); returns its
    /// number.
    pub async fn delete_version(
        &self,
        subject: &str,
        version: VersionSpec,
        options: DeleteOptions,
    ) -> Result<Version> {
        let query = [("permanent", options.permanent.to_string())];
        let version = version.to_string();
        let deleted: Result<i64> = self
            .call(Method::DELETE, &["subjects", subject, "versions", &version], &query, None::<&()>)
            .await;
        self.inner.latest.invalidate(&subject.to_owned());
        version_number(deleted?)
    }

    // ---- compatibility, config, mode ----

    /// Checks whether `schema` could be registered under `subject`: against one version, or the
    /// versions the subject's level names.
    pub async fn check_compatibility(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        options: CheckOptions,
    ) -> Result<CompatibilityVerdict> {
        let request = register_request(schema, None, None);
        let query = [("verbose", options.verbose.to_string())];
        let version = options.version.map(|v| v.to_string());
        let mut path = vec!["compatibility", "subjects", subject, "versions"];
        if let Some(version) = &version {
            path.push(version);
        }
        let answer: CompatibilityCheckResponse =
            self.call(Method::POST, &path, &query, Some(&request)).await?;
        Ok(CompatibilityVerdict {
            is_compatible: answer.is_compatible,
            messages: answer.messages.unwrap_or_default(),
        })
    }

    /// The compatibility config of `subject`, or the global one for `None`. A subject without
    /// its own is the registry's 40408 unless [`SettingOptions::default_to_global`].
    pub async fn config(&self, subject: Option<&str>, options: SettingOptions) -> Result<Config> {
        let query = [("defaultToGlobal", options.default_to_global.to_string())];
        let body: api::Config =
            self.call(Method::GET, &with_subject("config", subject), &query, None::<&()>).await?;
        typed_config(body)
    }

    /// Sets the fields of `config` that are `Some` for `subject`, or globally for `None`;
    /// returns what the registry stored.
    pub async fn set_config(&self, subject: Option<&str>, config: &Config) -> Result<Config> {
        let update = ConfigUpdate::from(config.clone());
        let body: ConfigUpdate =
            self.call(Method::PUT, &with_subject("config", subject), &[], Some(&update)).await?;
        typed_config(body.into())
    }

    /// Removes the config of `subject` (or the global one); returns what was removed.
    pub async fn delete_config(&self, subject: Option<&str>) -> Result<Config> {
        let body: api::Config =
            self.call(Method::DELETE, &with_subject("config", subject), &[], None::<&()>).await?;
        typed_config(body)
    }

    /// The mode of `subject`, or the global one for `None`. A subject without its own is the
    /// registry's 40409 unless [`SettingOptions::default_to_global`].
    pub async fn mode(&self, subject: Option<&str>, options: SettingOptions) -> Result<Mode> {
        let query = [("defaultToGlobal", options.default_to_global.to_string())];
        let body: api::Mode =
            self.call(Method::GET, &with_subject("mode", subject), &query, None::<&()>).await?;
        typed_mode(&body.mode)
    }

    /// Sets the mode of `subject`, or the global one for `None`; returns the mode set.
    pub async fn set_mode(
        &self,
        subject: Option<&str>,
        mode: Mode,
        options: ModeOptions,
    ) -> Result<Mode> {
        let query = [("force", options.force.to_string())];
        let body = api::Mode { mode: mode.as_str().to_owned() };
        let answer: api::Mode =
            self.call(Method::PUT, &with_subject("mode", subject), &query, Some(&body)).await?;
        typed_mode(&answer.mode)
    }

    /// Removes the mode of `subject`; returns what was removed.
    pub async fn delete_mode(&self, subject: &str) -> Result<Mode> {
        let body: api::Mode =
            self.call(Method::DELETE, &["mode", subject], &[], None::<&()>).await?;
        typed_mode(&body.mode)
    }

    // ---- transport ----

    /// Drops the cached latest version of `subject` (after a write under it).
    pub(crate) fn forget_latest(&self, subject: &str) {
        self.inner.latest.invalidate(&subject.to_owned());
    }

    /// One API call with failover and retries, decoding a 2xx body as `T` and anything else as
    /// a typed error.
    pub(crate) async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &[&str],
        query: Query<'_>,
        body: Option<&B>,
    ) -> Result<T> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| Error::Json(format!("request body: {e}")))?;
        let inner = &self.inner;
        let attempts = inner.retry.max_retries.saturating_add(1);
        let first = inner.preferred.load(Ordering::Relaxed);
        let mut last_failure = String::new();
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(backoff(inner.retry, attempt)).await;
            }
            let index = (first + attempt as usize) % inner.urls.len();
            let url = endpoint(&inner.urls[index], path, query);
            match self.send(method.clone(), url, body.clone()).await {
                Ok((status, bytes)) if status.is_success() => {
                    inner.preferred.store(index, Ordering::Relaxed);
                    return serde_json::from_slice(&bytes)
                        .map_err(|e| Error::Json(format!("registry answer: {e}")));
                }
                Ok((status, bytes)) => {
                    let error = registry_error(status, &bytes);
                    if !status.is_server_error() {
                        // The server is up and gave a definite answer: no failover.
                        inner.preferred.store(index, Ordering::Relaxed);
                        return Err(error);
                    }
                    last_failure = error.to_string();
                }
                Err(e) if retryable(&e) => last_failure = transport_message(&e),
                Err(e) => {
                    return Err(Error::Http {
                        attempts: attempt + 1,
                        message: transport_message(&e),
                    });
                }
            }
        }
        Err(Error::Http { attempts, message: last_failure })
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> std::result::Result<(StatusCode, Vec<u8>), reqwest::Error> {
        let mut request =
            self.inner.http.request(method, url).header(reqwest::header::ACCEPT, api::CONTENT_TYPE);
        if let Some(body) = body {
            request = request.header(reqwest::header::CONTENT_TYPE, api::CONTENT_TYPE).body(body);
        }
        request = match &self.inner.auth {
            Auth::None => request,
            Auth::Basic { user, password } => request.basic_auth(user, Some(password)),
            Auth::Bearer(token) => request.bearer_auth(token()),
        };
        let mut response = request.send().await?;
        let status = response.status();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                break;
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((status, bytes))
    }

    /// Entries in the id → schema cache (for tests and metrics).
    pub fn cached_schemas(&self) -> usize {
        self.inner.by_id.len()
    }
}

/// One id of a GUID and the context it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ContextId {
    context: String,
    id: SchemaId,
}

/// The id of a GUID in context `wanted`, else in the default context, else the first listed.
fn choose_context_id(ids: &[ContextId], wanted: &str) -> Option<(String, SchemaId)> {
    let default = schemata_core::context::DEFAULT_CONTEXT;
    let chosen = ids
        .iter()
        .find(|c| c.context == wanted)
        .or_else(|| ids.iter().find(|c| c.context == default))
        .or(ids.first())?;
    Some((chosen.context.clone(), chosen.id))
}

/// A reference of the schema fetched for `subject`, as the subject's context reads it: an
/// unqualified reference of a schema fetched for a qualified subject (`:.team:x`, `:.:x`) lives
/// in that subject's context (Confluent's `qualifySubjectWithParent`), so it is qualified with
/// it; references of schemas fetched for an unqualified subject, and qualified references, are
/// kept, so a client built with a context reads them in its own.
fn qualify_reference(subject: &str, reference: &str) -> String {
    if subject.starts_with(":.") && !reference.starts_with(":.") {
        let context = schemata_core::context::context_of(subject);
        format!(":{context}:{reference}")
    } else {
        reference.to_owned()
    }
}

fn with_subject<'a>(root: &'a str, subject: Option<&'a str>) -> Vec<&'a str> {
    let mut path = vec![root];
    path.extend(subject);
    path
}

/// Items asked for per list request. Registries cap lists at their own limit (ours at
/// `max_list_len`), so pages may come back shorter; see [`all_pages`].
pub(crate) const PAGE_LEN: usize = 10_000;
/// A bound on the requests of one listing: 10^9 items at full pages.
const MAX_PAGES: usize = 100_000;

/// Every item of a paged registry list. The next offset is the count of distinct items so far,
/// and the listing ends with a page that adds nothing new: that is correct whatever a server caps
/// its pages at, and it also ends against a server that ignores `offset` (it repeats itself).
pub(crate) async fn all_pages<T, K, F, Fut>(mut page: F, key: impl Fn(&T) -> K) -> Result<Vec<T>>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>>>,
    K: Ord,
{
    let mut seen = std::collections::BTreeSet::new();
    let mut all = Vec::new();
    for _ in 0..MAX_PAGES {
        let before = all.len();
        for item in page(before).await? {
            if seen.insert(key(&item)) {
                all.push(item);
            }
        }
        if all.len() == before {
            return Ok(all);
        }
    }
    Err(Error::Http {
        attempts: 1,
        message: format!("the registry's list did not end after {MAX_PAGES} pages"),
    })
}

fn page_query(deleted: bool, offset: usize, limit: usize) -> Vec<(&'static str, String)> {
    vec![
        ("deleted", deleted.to_string()),
        ("offset", offset.to_string()),
        ("limit", limit.to_string()),
    ]
}

fn endpoint(base: &Url, path: &[&str], query: Query<'_>) -> Url {
    let mut url = base.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        // Each segment is percent-encoded, so subjects with '/' or spaces stay one segment.
        segments.pop_if_empty().extend(path);
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
    }
    url
}

/// Connection failures and connections dropped before an answer: the request may be retried on
/// this or another URL. Registration is idempotent on the registry, so a retried POST is safe.
fn retryable(e: &reqwest::Error) -> bool {
    e.is_connect() || (e.is_request() && !e.is_timeout()) || e.is_body()
}

fn transport_message(e: &reqwest::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// `base * 2^(attempt-1)` capped at `max`, jittered into its upper half so that clients that
/// failed together do not retry in lockstep.
fn backoff(retry: Retry, attempt: u32) -> Duration {
    let exp = retry.base_backoff_ms.saturating_mul(1u64 << (attempt - 1).min(20));
    let capped = exp.min(retry.max_backoff_ms);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let jitter = if capped > 1 { u64::from(nanos) % (capped / 2).max(1) } else { 0 };
    Duration::from_millis(capped - jitter)
}

fn registry_error(status: StatusCode, bytes: &[u8]) -> Error {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => Error::Registry {
            status: status.as_u16(),
            error_code: body.error_code,
            message: body.message,
        },
        Err(_) => Error::Registry {
            status: status.as_u16(),
            // Confluent's convention when no body says otherwise: the HTTP status.
            error_code: i32::from(status.as_u16()),
            message: String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).into_owned(),
        },
    }
}

fn schema_id(raw: i32) -> Result<SchemaId> {
    SchemaId::new(i64::from(raw))
        .ok_or_else(|| Error::Json(format!("registry answered with schema id {raw}")))
}

fn version_number(raw: impl Into<i64>) -> Result<Version> {
    let raw = raw.into();
    Version::new(raw).ok_or_else(|| Error::Json(format!("registry answered with version {raw}")))
}

/// The wire form of a subject's version, checked and typed.
fn subject_schema(found: api::SubjectSchema) -> Result<SubjectSchema> {
    Ok(SubjectSchema {
        version: version_number(found.version)?,
        id: schema_id(found.id)?,
        schema_type: parse_type(found.schema_type.as_deref())?,
        references: core_references(&found.references),
        metadata: found.metadata,
        rule_set: found.rule_set,
        subject: found.subject,
        schema: found.schema,
    })
}

/// A config answer (`GET` and `PUT` spell the level's field differently), checked and typed.
/// A config body as the typed [`Config`]: a level or policy the client does not know is an error.
impl TryFrom<api::Config> for Config {
    type Error = Error;

    fn try_from(body: api::Config) -> Result<Config> {
        typed_config(body)
    }
}

fn typed_config(body: api::Config) -> Result<Config> {
    let compatibility = body
        .compatibility_level
        .as_deref()
        .map(|name| {
            CompatibilityLevel::parse(name).ok_or_else(|| {
                Error::Json(format!("registry answered with compatibility level '{name}'"))
            })
        })
        .transpose()?;
    let json_policy = body
        .json_policy
        .map(|name| {
            JsonPolicy::parse(&name)
                .ok_or_else(|| Error::Json(format!("registry answered with json policy '{name}'")))
        })
        .transpose()?;
    Ok(Config {
        compatibility,
        normalize: body.normalize,
        json_policy,
        compatibility_group: body.compatibility_group,
        default_metadata: body.default_metadata,
        override_metadata: body.override_metadata,
        default_rule_set: body.default_rule_set,
        override_rule_set: body.override_rule_set,
        validate_fields: body.validate_fields,
    })
}

fn typed_mode(name: &str) -> Result<Mode> {
    Mode::parse(name).ok_or_else(|| Error::Json(format!("registry answered with mode '{name}'")))
}

fn parse_type(name: Option<&str>) -> Result<SchemaType> {
    SchemaType::from_optional(name).ok_or_else(|| {
        Error::Json(format!("registry answered with schema type '{}'", name.unwrap_or_default()))
    })
}

fn core_references(references: &[api::SchemaReference]) -> Vec<SchemaReference> {
    references.iter().map(SchemaReference::from).collect()
}

fn register_request(
    schema: &ParsedSchema,
    metadata: Option<Metadata>,
    rule_set: Option<RuleSet>,
) -> RegisterSchemaRequest {
    RegisterSchemaRequest {
        schema: schema.text().to_owned(),
        schema_type: schema.schema_type().to_optional().map(str::to_owned),
        references: schema.references().iter().map(api::SchemaReference::from).collect(),
        metadata,
        rule_set,
        ..RegisterSchemaRequest::default()
    }
}

fn id_key(
    subject: &str,
    schema: &ParsedSchema,
    normalize: bool,
    deleted: bool,
    (metadata, rule_set): (&Option<Metadata>, &Option<RuleSet>),
) -> IdKey {
    // One schema registered with two contracts has two ids, so the contract is part of the key.
    // Serializing plain maps and strings cannot fail.
    let contract = match (metadata, rule_set) {
        (None, None) => String::new(),
        contract => serde_json::to_string(&contract).unwrap_or_default(),
    };
    IdKey {
        contract,
        subject: subject.to_owned(),
        schema_type: schema.schema_type(),
        // The text, not the normalized form: without `normalize` the registry looks up by text.
        normalized: if normalize {
            schema.normalized().to_owned()
        } else {
            schema.text().to_owned()
        },
        normalize,
        deleted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guid_answers_the_wanted_contexts_id() {
        let ids = |pairs: &[(&str, u32)]| -> Vec<ContextId> {
            let id = |&(context, id): &(&str, u32)| ContextId {
                context: context.into(),
                id: SchemaId(id),
            };
            pairs.iter().map(id).collect()
        };
        let check = |listed: &[(&str, u32)], wanted: &str, expected: Option<(&str, u32)>| {
            let chosen = choose_context_id(&ids(listed), wanted);
            let expected = expected.map(|(context, id)| (context.to_owned(), SchemaId(id)));
            assert_eq!(chosen, expected, "{listed:?} {wanted}");
        };
        check(&[(".", 4), (".team", 5)], ".team", Some((".team", 5)));
        check(&[(".", 4), (".team", 5)], ".", Some((".", 4)));
        check(&[(".", 4), (".team", 5)], ".other", Some((".", 4)));
        check(&[(".a", 2), (".team", 5)], ".other", Some((".a", 2)));
        check(&[(".team", 5)], ".", Some((".team", 5)));
        check(&[], ".", None);
    }

    #[test]
    fn references_are_read_in_the_fetching_subjects_context() {
        let check = |subject: &str, reference: &str, expected: &str| {
            assert_eq!(qualify_reference(subject, reference), expected, "{subject} {reference}");
        };
        check(":.team:orders-value", "common", ":.team:common");
        check(":.team:orders-value", ":.other:common", ":.other:common");
        check(":.team:", "common", ":.team:common");
        check(":.:orders-value", "common", ":.:common");
        check("orders-value", "common", "common");
        check("orders-value", ":.team:common", ":.team:common");
    }

    fn check_backoff(base: u64, max: u64, attempt: u32, low: u64, high: u64) {
        let retry = Retry { max_retries: 10, base_backoff_ms: base, max_backoff_ms: max };
        let got = backoff(retry, attempt).as_millis() as u64;
        assert!((low..=high).contains(&got), "attempt {attempt}: {got} not in {low}..={high}");
    }

    #[test]
    fn backoff_doubles_and_caps() {
        check_backoff(100, 10_000, 1, 51, 100);
        check_backoff(100, 10_000, 2, 101, 200);
        check_backoff(100, 10_000, 4, 401, 800);
        check_backoff(100, 1_000, 30, 501, 1_000);
        check_backoff(0, 0, 3, 0, 0);
    }

    fn check_endpoint(base: &str, path: &[&str], query: Query<'_>, expected: &str) {
        let base = Url::parse(base).unwrap();
        assert_eq!(endpoint(&base, path, query).as_str(), expected);
    }

    #[test]
    fn endpoints_encode_subjects() {
        check_endpoint("http://h:1", &["subjects"], &[], "http://h:1/subjects");
        check_endpoint(
            "http://h:1/sr",
            &["subjects", "a/b c"],
            &[],
            "http://h:1/sr/subjects/a%2Fb%20c",
        );
        check_endpoint(
            "http://h:1/",
            &["subjects", "s", "versions"],
            &[("normalize", "true".into())],
            "http://h:1/subjects/s/versions?normalize=true",
        );
    }

    #[test]
    fn registry_errors_keep_the_confluent_code() {
        let error = registry_error(
            StatusCode::NOT_FOUND,
            br#"{"error_code":40401,"message":"Subject 'x' not found."}"#,
        );
        assert_eq!(error.error_code(), Some(40401));
        assert!(error.is_not_found());
        let error = registry_error(StatusCode::BAD_GATEWAY, b"<html>");
        assert_eq!(error.error_code(), Some(502));
    }

    #[test]
    fn build_refuses_bad_configuration() {
        assert!(matches!(RegistryClient::builder().build(), Err(Error::Config(_))));
        assert!(matches!(RegistryClient::new("not a url"), Err(Error::Config(_))));
        assert!(RegistryClient::new("http://127.0.0.1:1/").is_ok());
        let with_ca = RegistryClient::builder().url("https://127.0.0.1:1").ca_cert_pem("no pem");
        assert!(matches!(with_ca.build(), Err(Error::Config(_))));
    }

    /// Runs `all_pages` over `items` served `cap` at a time, honouring `offset` or not.
    fn page_through(items: &[u32], cap: usize, honour_offset: bool) -> Vec<u32> {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime
            .block_on(all_pages(
                |offset| {
                    let start = if honour_offset { offset.min(items.len()) } else { 0 };
                    let page = items[start..].iter().take(cap).copied().collect();
                    async move { Ok(page) }
                },
                |item| *item,
            ))
            .unwrap()
    }

    #[test]
    fn paging_reads_everything_and_ends() {
        let items: Vec<u32> = (0..7).collect();
        assert_eq!(page_through(&items, 3, true), items);
        assert_eq!(page_through(&items, 100, true), items);
        assert_eq!(page_through(&[], 3, true), Vec::<u32>::new());
        // A server that ignores `offset` repeats its first page: the listing still ends.
        assert_eq!(page_through(&items, 3, false), vec![0, 1, 2]);
    }
}
