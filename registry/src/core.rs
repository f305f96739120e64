//! What every request shares: the state behind its lock, the bounded cache of parsed schemas, the
//! limits and the metrics; plus the schema logic handlers and writer jobs both need (parsing a
//! request's schema, the content-hash index, compatibility checks and their messages).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::body::Bytes;
use schemata_core::api::{self, RegisterSchemaRequest};
use schemata_core::compat::{self, Direction};
use schemata_core::{
    CompatibilityLevel, JsonPolicy, ParseError, Schema, SchemaId, SchemaReference, SchemaType,
    Version,
};

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::state::{ContentHash, State};

fn publish_all(published: &Published, state: &State) {
    let all: HashMap<SchemaId, Bytes> =
        state.schemas.iter().map(|(id, stored)| (*id, stored.body.clone())).collect();
    *published.bodies.write().unwrap_or_else(PoisonError::into_inner) = all;
    published.max_id.store(state.max_id, Ordering::Release);
}

/// Longest old schema text quoted in an incompatibility message (Confluent's 10 KiB).
const MAX_OLD_SCHEMA_BYTES: usize = 10 * 1024;

/// Every limit the registry enforces, with units in the names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body; larger answers HTTP 413.
    pub max_body_bytes: usize,
    /// Largest schema text; larger answers 42209.
    pub max_schema_bytes: usize,
    /// Deepest reference chain; deeper answers 42201.
    pub max_reference_depth: usize,
    /// Most items in any list answered or accepted (references per schema included): a request
    /// over it answers 42201 (references) or is clamped (list answers).
    pub max_list_len: usize,
    /// Longest subject name in bytes; longer answers 42208.
    pub max_subject_bytes: usize,
    /// Parsed schemas kept for compatibility checks.
    pub parsed_cache_len: usize,
    /// Writes waiting for the writer before senders wait.
    pub write_queue_len: usize,
    /// Longest a request may take before it answers 50002.
    pub request_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 4 * 1024 * 1024,
            max_schema_bytes: 1024 * 1024,
            max_reference_depth: schemata_core::schema::DEFAULT_MAX_REFERENCE_DEPTH,
            max_list_len: 100_000,
            max_subject_bytes: 1024,
            parsed_cache_len: 1024,
            write_queue_len: 4096,
            request_timeout_ms: 30_000,
        }
    }
}

/// A bounded map from id to parsed schema. The stored body is kept next to each entry and
/// compared on hit, so an id that was deleted and re-imported with other text never hits a stale
/// parse.
#[derive(Debug)]
pub(crate) struct SchemaCache {
    entries: Mutex<HashMap<SchemaId, (Bytes, Arc<Schema>)>>,
    capacity: usize,
}

impl SchemaCache {
    fn new(capacity: usize) -> SchemaCache {
        SchemaCache { entries: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }

    fn get(&self, id: SchemaId, body: &Bytes) -> Option<Arc<Schema>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (cached_body, schema) = entries.get(&id)?;
        (cached_body == body).then(|| Arc::clone(schema))
    }

    pub(crate) fn put(&self, id: SchemaId, body: Bytes, schema: Arc<Schema>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity {
            // Evicting an arbitrary entry keeps the bound without bookkeeping; a miss costs
            // only a parse.
            if let Some(victim) = entries.keys().next().copied() {
                entries.remove(&victim);
            }
        }
        entries.insert(id, (body, schema));
    }

    pub(crate) fn clear(&self) {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

/// What `GET /schemas/ids/{id}` serves: id → pre-serialized body, and the highest id. The
/// writer publishes here only after a batch is durable, under a lock held for microseconds, so
/// the hottest read never waits behind the state lock the writer holds through each fsync.
#[derive(Debug, Default)]
pub(crate) struct Published {
    bodies: RwLock<HashMap<SchemaId, Bytes>>,
    max_id: AtomicU32,
}

/// Shared by handlers and the writer.
#[derive(Debug)]
pub(crate) struct Core {
    state: RwLock<State>,
    published: Published,
    pub(crate) cache: SchemaCache,
    pub(crate) limits: Limits,
    pub(crate) metrics: Metrics,
    /// Set when storage failed and could not be re-read: writes are refused, readiness fails.
    pub(crate) write_failed: AtomicBool,
}

impl Core {
    pub(crate) fn new(state: State, limits: Limits) -> Core {
        let published = Published::default();
        publish_all(&published, &state);
        Core {
            state: RwLock::new(state),
            published,
            cache: SchemaCache::new(limits.parsed_cache_len),
            limits,
            metrics: Metrics::default(),
            write_failed: AtomicBool::new(false),
        }
    }

    /// The by-id body and the highest id, as last published.
    pub(crate) fn published_body(&self, id: SchemaId) -> Option<(Bytes, u32)> {
        let bodies = self.published.bodies.read().unwrap_or_else(PoisonError::into_inner);
        let body = bodies.get(&id)?.clone();
        Some((body, self.published.max_id.load(Ordering::Acquire)))
    }

    /// Publishes the durable state of `touched` ids (or of every id when `touched` is `None`).
    pub(crate) fn publish(&self, state: &State, touched: Option<&[SchemaId]>) {
        let Some(touched) = touched else {
            publish_all(&self.published, state);
            return;
        };
        let mut bodies = self.published.bodies.write().unwrap_or_else(PoisonError::into_inner);
        for id in touched {
            match state.schemas.get(id) {
                Some(stored) => {
                    bodies.insert(*id, stored.body.clone());
                }
                None => {
                    bodies.remove(id);
                }
            }
        }
        self.published.max_id.store(state.max_id, Ordering::Release);
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn state_mut(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Parses a stored schema (through the cache), resolving its references from `state`.
    pub(crate) fn parsed(&self, state: &State, id: SchemaId) -> Result<Arc<Schema>, ParseError> {
        let Some(stored) = state.schemas.get(&id) else {
            return Err(ParseError::ReferenceNotFound {
                name: id.to_string(),
                subject: String::new(),
                version: 0,
            });
        };
        if let Some(schema) = self.cache.get(id, &stored.body) {
            return Ok(schema);
        }
        let schema = Arc::new(Schema::parse_with_limits(
            stored.schema_type,
            &stored.text(),
            &stored.references,
            &mut |r| state.referenced(r),
            // Stored schemas were checked when registered; a lower limit since then must not
            // make them unreadable.
            usize::MAX,
        )?);
        self.cache.put(id, stored.body.clone(), Arc::clone(&schema));
        Ok(schema)
    }

    /// Parses a request's schema before the state lock is taken when it has no references (it
    /// then needs nothing from the state); `None` means it must be parsed under the lock.
    pub(crate) fn parse_early(
        &self,
        request: &RegisterSchemaRequest,
    ) -> Option<Result<Schema, ApiError>> {
        request.references.is_empty().then(|| self.parse_request(&State::default(), request))
    }

    /// The early parse if there was one, else a parse against `state`.
    pub(crate) fn parse_late(
        &self,
        early: Option<Result<Schema, ApiError>>,
        state: &State,
        request: &RegisterSchemaRequest,
    ) -> Result<Schema, ApiError> {
        early.unwrap_or_else(|| self.parse_request(state, request))
    }

    /// Validates and parses the schema of a register, lookup or compatibility request.
    pub(crate) fn parse_request(
        &self,
        state: &State,
        request: &RegisterSchemaRequest,
    ) -> Result<Schema, ApiError> {
        let schema_type = match request.schema_type.as_deref() {
            None => SchemaType::Avro,
            Some(name) => SchemaType::parse(name)
                .ok_or_else(|| ApiError::InvalidSchema(format!("Invalid schema type {name}")))?,
        };
        if request.schema.len() > self.limits.max_schema_bytes {
            return Err(ApiError::SchemaTooLarge(format!(
                "Schema of {} bytes is larger than the limit of {} bytes",
                request.schema.len(),
                self.limits.max_schema_bytes
            )));
        }
        if request.schema.trim().is_empty() {
            return Err(ApiError::InvalidSchema("Empty schema".into()));
        }
        if request.references.len() > self.limits.max_list_len {
            return Err(ApiError::InvalidSchema(format!(
                "Schema has {} references, more than the limit of {}",
                request.references.len(),
                self.limits.max_list_len
            )));
        }
        let references: Vec<SchemaReference> =
            request.references.iter().map(SchemaReference::from).collect();
        Schema::parse_with_limits(
            schema_type,
            &request.schema,
            &references,
            &mut |r| state.referenced(r),
            self.limits.max_reference_depth,
        )
        .map_err(|e| {
            ApiError::InvalidSchema(format!(
                "Invalid schema of type {schema_type}: {e}; either the input schema or one of its references is invalid"
            ))
        })
    }

    /// The content-hash index, built on first use by parsing every stored schema.
    pub(crate) fn dedup<'s>(&self, state: &'s State) -> &'s HashMap<ContentHash, SchemaId> {
        self.dedup_with(state, &HashMap::new())
    }

    /// As `dedup`, taking hashes computed earlier (off the lock) for ids whose body is still
    /// the same; only the rest is parsed here.
    pub(crate) fn dedup_with<'s>(
        &self,
        state: &'s State,
        precomputed: &HashMap<SchemaId, (Bytes, ContentHash)>,
    ) -> &'s HashMap<ContentHash, SchemaId> {
        state.dedup(|state| {
            let started = std::time::Instant::now();
            let mut index = HashMap::with_capacity(state.schemas.len());
            // Ascending ids, so that if two stored ids have the same content the first wins.
            let mut ids: Vec<SchemaId> = state.schemas.keys().copied().collect();
            ids.sort_unstable();
            let mut parsed = 0usize;
            for id in ids {
                let reused = precomputed.get(&id).filter(|(body, _)| {
                    state.schemas.get(&id).is_some_and(|stored| stored.body == *body)
                });
                if let Some((_, hash)) = reused {
                    index.entry(*hash).or_insert(id);
                    continue;
                }
                parsed += 1;
                match self.parsed(state, id) {
                    Ok(schema) => {
                        index.entry(schema.sha256()).or_insert(id);
                    }
                    Err(error) => tracing::warn!(%id, %error, "stored schema does not parse"),
                }
            }
            tracing::info!(
                schemas = index.len(),
                parsed,
                elapsed = ?started.elapsed(),
                "dedup index built"
            );
            index
        })
    }

    /// Hashes every stored schema that has no references, from a snapshot taken under a brief
    /// read lock; the parsing happens with no lock held.
    pub(crate) fn precompute_hashes(&self) -> HashMap<SchemaId, (Bytes, ContentHash)> {
        let snapshot: Vec<(SchemaId, SchemaType, Bytes)> = {
            let state = self.read();
            if state.dedup_built() {
                return HashMap::new();
            }
            state
                .schemas
                .iter()
                .filter(|(_, stored)| stored.references.is_empty())
                .map(|(id, stored)| (*id, stored.schema_type, stored.body.clone()))
                .collect()
        };
        let mut hashes = HashMap::with_capacity(snapshot.len());
        for (id, schema_type, body) in snapshot {
            let Ok(by_id) = serde_json::from_slice::<api::SchemaById>(&body) else { continue };
            if let Ok(schema) = Schema::parse(schema_type, &by_id.schema) {
                hashes.insert(id, (body, schema.sha256()));
            }
        }
        hashes
    }

    /// Checks `new` against `against` (version, id; newest first) at `level`, and returns
    /// Confluent-style messages: for each incompatible old version, one entry per finding, then
    /// its version and text; at the end the level. Empty when compatible.
    pub(crate) fn compatibility_messages(
        &self,
        state: &State,
        level: CompatibilityLevel,
        policy: JsonPolicy,
        new: &Schema,
        against: &[(Version, SchemaId)],
    ) -> Vec<String> {
        let mut messages = Vec::new();
        if level == CompatibilityLevel::None {
            return messages;
        }
        let against =
            if level.is_transitive() { against } else { &against[..against.len().min(1)] };
        for (version, id) in against {
            let old = match self.parsed(state, *id) {
                Ok(old) => old,
                Err(error) => {
                    tracing::warn!(%id, %error, "stored schema does not parse; skipped in check");
                    continue;
                }
            };
            let mut findings = Vec::new();
            for &direction in level.directions() {
                let (reader, writer) = match direction {
                    Direction::Backward => (new, old.as_ref()),
                    Direction::Forward => (old.as_ref(), new),
                };
                findings.extend(compat::can_read(reader, writer, policy));
            }
            if findings.is_empty() {
                continue;
            }
            for finding in findings {
                messages.push(format!(
                    "{{errorType:'{}', description:'{}', additionalInfo:'{}'}}",
                    finding.rule, finding.message, finding.path
                ));
            }
            messages.push(format!("{{oldSchemaVersion: {version}}}"));
            // As Confluent: a huge old schema is cut so that the message stays readable.
            let text = old.text();
            if text.len() <= MAX_OLD_SCHEMA_BYTES {
                messages.push(format!("{{oldSchema: '{text}'}}"));
            } else {
                let mut cut = MAX_OLD_SCHEMA_BYTES;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                messages.push(format!("{{oldSchema: <truncated> '{}...'}}", &text[..cut]));
            }
        }
        if !messages.is_empty() {
            messages.push(format!("{{compatibility: '{level}'}}"));
        }
        messages
    }
}
