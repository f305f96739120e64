//! `RegistryClient`: an async client of the Confluent Schema Registry REST API with failover
//! across several URLs, basic or refreshable bearer auth, timeouts, retries with exponential
//! backoff (connect errors, dropped connections and 5xx only), typed errors carrying Confluent's
//! error code, and single-flight caches for ids, registrations and "latest" answers.

mod blocking;
mod cache;
mod error;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Method, StatusCode, Url};
use schemata_core::api::{
    self, CompatibilityCheckResponse, Config, ConfigUpdate, ErrorBody, Mode, RegisterSchemaRequest,
    RegisterSchemaResponse, SchemaById, SubjectSchema, SubjectVersion, codes,
};
use schemata_core::{
    ReferencedSchema, Schema as ParsedSchema, SchemaId, SchemaReference, SchemaType,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use self::blocking::BlockingRegistryClient;
pub use self::error::{Error, Result};

use self::cache::FlightCache;

/// Default bound of every cache, in entries.
pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;
/// Default time a "latest version" answer is trusted.
pub const DEFAULT_LATEST_TTL_MS: u64 = 60_000;
/// Default whole-request timeout.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
/// Largest answer body we read: a bound against a misbehaving server, far above real schemas.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// Deepest reference chain we follow when fetching a schema's references.
pub const MAX_REFERENCE_DEPTH: usize = 32;

/// Which schema version of a subject: a number or the latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSpec {
    Latest,
    Number(u32),
}

impl fmt::Display for VersionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionSpec::Latest => f.write_str("latest"),
            VersionSpec::Number(n) => n.fmt(f),
        }
    }
}

/// What [`RegistryClient::export_all`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Every version of every subject, soft-deleted ones included, as `GET /schemas` orders them.
    pub schemas: Vec<SubjectSchema>,
    /// (subject, version) of the soft-deleted versions among `schemas`.
    pub soft_deleted: Vec<(String, i32)>,
    pub global_config: Config,
    pub global_mode: Mode,
    /// Subjects with a config of their own.
    pub subject_configs: Vec<(String, Config)>,
    /// Subjects with a mode of their own.
    pub subject_modes: Vec<(String, Mode)>,
}

/// A schema as the registry holds it under an id, parsed (references resolved) once.
#[derive(Debug)]
pub struct RegisteredSchema {
    pub id: SchemaId,
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
    timeout_ms: u64,
    connect_timeout_ms: u64,
    retry: Retry,
    latest_ttl_ms: u64,
    cache_capacity: usize,
}

impl Default for RegistryClientBuilder {
    fn default() -> Self {
        RegistryClientBuilder {
            urls: Vec::new(),
            auth: Auth::None,
            ca_cert_pem: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            connect_timeout_ms: DEFAULT_CONNECT_TIMEOUT_MS,
            retry: Retry { max_retries: 3, base_backoff_ms: 100, max_backoff_ms: 2_000 },
            latest_ttl_ms: DEFAULT_LATEST_TTL_MS,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
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

    pub fn url(self, url: impl Into<String>) -> Self {
        self.urls([url])
    }

    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.auth = Auth::Basic { user: user.into(), password: password.into() };
        self
    }

    /// Bearer auth; `token` is called before every request so it can return a refreshed token.
    pub fn bearer(mut self, token: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.auth = Auth::Bearer(Arc::new(token));
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
        let mut http = reqwest::Client::builder()
            .timeout(Duration::from_millis(self.timeout_ms))
            .connect_timeout(Duration::from_millis(self.connect_timeout_ms))
            .user_agent(concat!("schemata/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &self.ca_cert_pem {
            http = tls::trust_only(http, pem)?;
        }
        let http = http.build().map_err(|e| Error::Config(format!("http client: {e}")))?;
        let capacity = self.cache_capacity;
        Ok(RegistryClient {
            inner: Arc::new(Inner {
                http,
                urls,
                preferred: AtomicUsize::new(0),
                auth: self.auth,
                retry: self.retry,
                by_id: FlightCache::new(capacity, None),
                ids: FlightCache::new(capacity, None),
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
}

#[cfg(feature = "tls")]
mod tls {
    use super::{Error, Result};

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
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    urls: Vec<Url>,
    /// Index of the URL that answered last: tried first.
    preferred: AtomicUsize,
    auth: Auth,
    retry: Retry,
    by_id: FlightCache<SchemaId, Arc<RegisteredSchema>>,
    ids: FlightCache<IdKey, SchemaId>,
    latest: FlightCache<String, Arc<SubjectSchema>>,
}

/// An async Confluent Schema Registry client. Cheap to clone: clones share caches and connections.
#[derive(Debug, Clone)]
pub struct RegistryClient {
    inner: Arc<Inner>,
}

/// Query parameters, as pairs.
type Query<'a> = &'a [(&'a str, String)];

impl RegistryClient {
    pub fn builder() -> RegistryClientBuilder {
        RegistryClientBuilder::default()
    }

    /// A client for one URL with every default.
    pub fn new(url: impl Into<String>) -> Result<RegistryClient> {
        RegistryClient::builder().url(url).build()
    }

    // ---- schemas by id ----

    /// The schema with `id`, parsed with its references. Cached forever: ids are immutable.
    pub async fn schema_by_id(&self, id: SchemaId) -> Result<Arc<RegisteredSchema>> {
        self.inner
            .by_id
            .get_or_fetch(&id, || async {
                let body: SchemaById = self
                    .call(Method::GET, &["schemas", "ids", &id.to_string()], &[], None::<&()>)
                    .await?;
                let schema_type = parse_type(body.schema_type.as_deref())?;
                let references = core_references(&body.references);
                let schema = self.parse_schema(schema_type, &body.schema, &references).await?;
                Ok(Arc::new(RegisteredSchema { id, schema }))
            })
            .await
    }

    /// The schema with `id` if the id cache holds it, without asking the registry: for decode
    /// paths that must not await.
    pub(crate) fn cached_schema_by_id(&self, id: SchemaId) -> Option<Arc<RegisteredSchema>> {
        self.inner.by_id.peek(&id)
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
            let version = u32::try_from(reference.version)
                .map(VersionSpec::Number)
                .unwrap_or(VersionSpec::Latest);
            let found = self.version(&reference.subject, version, false).await?;
            let nested = core_references(&found.references);
            pending.extend(nested.iter().cloned().map(|r| (r, depth + 1)));
            fetched.insert(
                key,
                ReferencedSchema {
                    schema_type: parse_type(found.schema_type.as_deref())?,
                    text: found.schema,
                    references: nested,
                },
            );
        }
        Ok(ParsedSchema::parse_with_references(schema_type, text, references, &mut |r| {
            fetched.get(&(r.subject.clone(), r.version)).cloned()
        })?)
    }

    /// The registry's record of schema `id` as it answers it, unparsed and uncached (so it works
    /// for schema types this client does not parse).
    pub async fn schema_record_by_id(&self, id: SchemaId) -> Result<SchemaById> {
        self.call(Method::GET, &["schemas", "ids", &id.to_string()], &[], None::<&()>).await
    }

    /// Subjects under which schema `id` is registered.
    pub async fn subjects_of_id(&self, id: SchemaId) -> Result<Vec<String>> {
        self.call(Method::GET, &["schemas", "ids", &id.to_string(), "subjects"], &[], None::<&()>)
            .await
    }

    /// (subject, version) pairs of schema `id`.
    pub async fn versions_of_id(&self, id: SchemaId) -> Result<Vec<SubjectVersion>> {
        self.call(Method::GET, &["schemas", "ids", &id.to_string(), "versions"], &[], None::<&()>)
            .await
    }

    // ---- subjects and versions ----

    /// Registers `schema` under `subject` (idempotent on the registry's side); the id is cached
    /// and the subject's cached "latest" dropped, so the next latest read sees the new version.
    pub async fn register(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        normalize: bool,
    ) -> Result<SchemaId> {
        let key = id_key(subject, schema, normalize);
        let id = self
            .inner
            .ids
            .get_or_fetch(&key, || async {
                let request = register_request(schema);
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

    /// Registers raw text of a given type (what the CLI sends): parsed locally first.
    pub async fn register_text(
        &self,
        subject: &str,
        schema_type: SchemaType,
        text: &str,
        references: &[SchemaReference],
        normalize: bool,
    ) -> Result<SchemaId> {
        let schema = self.parse_schema(schema_type, text, references).await?;
        self.register(subject, &schema, normalize).await
    }

    /// The id and version of `schema` under `subject` if registered there (40403 if not).
    /// Cached like registrations: a schema's id under a subject never changes.
    pub async fn lookup(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        normalize: bool,
        deleted: bool,
    ) -> Result<SubjectSchema> {
        let request = register_request(schema);
        let query = [("normalize", normalize.to_string()), ("deleted", deleted.to_string())];
        let found: SubjectSchema =
            self.call(Method::POST, &["subjects", subject], &query, Some(&request)).await?;
        self.inner.ids.insert(id_key(subject, schema, normalize), schema_id(found.id)?);
        Ok(found)
    }

    /// The id of `schema` under `subject`, from the cache or one lookup.
    pub async fn lookup_id(
        &self,
        subject: &str,
        schema: &ParsedSchema,
        normalize: bool,
    ) -> Result<SchemaId> {
        let key = id_key(subject, schema, normalize);
        self.inner
            .ids
            .get_or_fetch(&key, || async {
                let request = register_request(schema);
                let query = [("normalize", normalize.to_string())];
                let found: SubjectSchema =
                    self.call(Method::POST, &["subjects", subject], &query, Some(&request)).await?;
                schema_id(found.id)
            })
            .await
    }

    /// Every subject (page by page, so a registry's list cap loses none).
    pub async fn subjects(&self, prefix: Option<&str>, deleted: bool) -> Result<Vec<String>> {
        all_pages(|offset| self.subjects_page(prefix, deleted, offset, PAGE_LEN), String::clone)
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

    pub async fn versions(&self, subject: &str, deleted: bool) -> Result<Vec<u32>> {
        let query = [("deleted", deleted.to_string())];
        self.call(Method::GET, &["subjects", subject, "versions"], &query, None::<&()>).await
    }

    /// One version of a subject, uncached (see [`RegistryClient::latest`] for the cached read).
    pub async fn version(
        &self,
        subject: &str,
        version: VersionSpec,
        deleted: bool,
    ) -> Result<SubjectSchema> {
        let query = [("deleted", deleted.to_string())];
        let version = version.to_string();
        self.call(Method::GET, &["subjects", subject, "versions", &version], &query, None::<&()>)
            .await
    }

    /// The latest version of `subject`, cached for the configured TTL and dropped when this
    /// client registers under the subject.
    pub async fn latest(&self, subject: &str) -> Result<Arc<SubjectSchema>> {
        self.inner
            .latest
            .get_or_fetch(&subject.to_owned(), || async {
                Ok(Arc::new(self.version(subject, VersionSpec::Latest, false).await?))
            })
            .await
    }

    /// Every schema version the registry holds (soft-deleted ones too when `deleted`).
    /// Every version of every subject (`GET /schemas`), page by page, so a registry's list cap
    /// loses none.
    pub async fn export(&self, deleted: bool) -> Result<Vec<SubjectSchema>> {
        all_pages(
            |offset| self.export_page(deleted, offset, PAGE_LEN),
            |s: &SubjectSchema| (s.subject.clone(), s.version),
        )
        .await
    }

    /// One page of [`RegistryClient::export`]: at most `limit` versions from `offset` on.
    async fn export_page(
        &self,
        deleted: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<SubjectSchema>> {
        self.call(Method::GET, &["schemas"], &page_query(deleted, offset, limit), None::<&()>).await
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
            match self.config(Some(subject), false).await {
                Ok(config) => subject_configs.push((subject.clone(), config)),
                Err(e)
                    if e.error_code()
                        == Some(codes::SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED) => {}
                Err(e) => return Err(e),
            }
            match self.mode(Some(subject), false).await {
                Ok(mode) => subject_modes.push((subject.clone(), mode)),
                Err(e) if e.error_code() == Some(codes::SUBJECT_LEVEL_MODE_NOT_CONFIGURED) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Export {
            schemas,
            soft_deleted,
            global_config: self.config(None, false).await?,
            global_mode: self.mode(None, false).await?,
            subject_configs,
            subject_modes,
        })
    }

    /// Deletes a subject (soft, or permanent after a soft delete); returns the deleted versions.
    pub async fn delete_subject(&self, subject: &str, permanent: bool) -> Result<Vec<u32>> {
        let query = [("permanent", permanent.to_string())];
        let deleted = self.call(Method::DELETE, &["subjects", subject], &query, None::<&()>).await;
        self.inner.latest.invalidate(&subject.to_owned());
        deleted
    }

    pub async fn delete_version(
        &self,
        subject: &str,
        version: VersionSpec,
        permanent: bool,
    ) -> Result<u32> {
        let query = [("permanent", permanent.to_string())];
        let version = version.to_string();
        let deleted = self
            .call(Method::DELETE, &["subjects", subject, "versions", &version], &query, None::<&()>)
            .await;
        self.inner.latest.invalidate(&subject.to_owned());
        deleted
    }

    // ---- compatibility, config, mode ----

    /// Checks `schema` against `subject` (against the version, or the versions the subject's
    /// level names when `version` is `None`); `verbose` asks for every reason.
    pub async fn check_compatibility(
        &self,
        subject: &str,
        version: Option<VersionSpec>,
        schema: &ParsedSchema,
        verbose: bool,
    ) -> Result<CompatibilityCheckResponse> {
        let request = register_request(schema);
        let query = [("verbose", verbose.to_string())];
        let version = version.map(|v| v.to_string());
        let mut path = vec!["compatibility", "subjects", subject, "versions"];
        if let Some(version) = &version {
            path.push(version);
        }
        self.call(Method::POST, &path, &query, Some(&request)).await
    }

    /// The compatibility config of `subject`, or the global one for `None`.
    pub async fn config(&self, subject: Option<&str>, default_to_global: bool) -> Result<Config> {
        let query = [("defaultToGlobal", default_to_global.to_string())];
        self.call(Method::GET, &with_subject("config", subject), &query, None::<&()>).await
    }

    pub async fn set_config(
        &self,
        subject: Option<&str>,
        update: &ConfigUpdate,
    ) -> Result<ConfigUpdate> {
        self.call(Method::PUT, &with_subject("config", subject), &[], Some(update)).await
    }

    pub async fn delete_config(&self, subject: Option<&str>) -> Result<Config> {
        self.call(Method::DELETE, &with_subject("config", subject), &[], None::<&()>).await
    }

    pub async fn mode(&self, subject: Option<&str>, default_to_global: bool) -> Result<Mode> {
        let query = [("defaultToGlobal", default_to_global.to_string())];
        self.call(Method::GET, &with_subject("mode", subject), &query, None::<&()>).await
    }

    pub async fn set_mode(&self, subject: Option<&str>, mode: &str, force: bool) -> Result<Mode> {
        let query = [("force", force.to_string())];
        let body = Mode { mode: mode.to_owned() };
        self.call(Method::PUT, &with_subject("mode", subject), &query, Some(&body)).await
    }

    pub async fn delete_mode(&self, subject: &str) -> Result<Mode> {
        self.call(Method::DELETE, &["mode", subject], &[], None::<&()>).await
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

fn parse_type(name: Option<&str>) -> Result<SchemaType> {
    match name {
        None => Ok(SchemaType::Avro),
        Some(name) => SchemaType::parse(name)
            .ok_or_else(|| Error::Json(format!("registry answered with schema type '{name}'"))),
    }
}

fn core_references(references: &[api::SchemaReference]) -> Vec<SchemaReference> {
    references.iter().map(SchemaReference::from).collect()
}

fn register_request(schema: &ParsedSchema) -> RegisterSchemaRequest {
    RegisterSchemaRequest {
        schema: schema.text().to_owned(),
        schema_type: (schema.schema_type() != SchemaType::Avro)
            .then(|| schema.schema_type().as_str().to_owned()),
        references: schema.references().iter().map(api::SchemaReference::from).collect(),
        id: None,
        version: None,
    }
}

fn id_key(subject: &str, schema: &ParsedSchema, normalize: bool) -> IdKey {
    IdKey {
        subject: subject.to_owned(),
        schema_type: schema.schema_type(),
        // The text, not the normalized form: without `normalize` the registry looks up by text.
        normalized: if normalize {
            schema.normalized().to_owned()
        } else {
            schema.text().to_owned()
        },
        normalize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
