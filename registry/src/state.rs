//! The in-memory registry state: a deterministic fold over `_schemas` records, with the indexes
//! the handlers need (id → schema, subject → versions, reference → referrers, and the lazily built
//! content-hash → id index used for de-duplication and lookup).
//!
//! Only the writer mutates it, and only by applying records (`RegistryState::apply`), so the
//! state after a restart is the state before it: replay and live writes go through the same code.
//!
//! Schema contexts (`:.ctx:subject`): subjects keep their qualified names (one map, sorted as
//! Confluent sorts them), and every schema is keyed by `Sid`, its context and its id, because
//! each context is its own id space: id 1 of `.a` and id 1 of the default context are two
//! schemas. Config and mode fall back subject → context (`:.ctx:`) → global.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use axum::body::Bytes;
use schemata_core::context::{self, DEFAULT_CONTEXT, Qualified};
use schemata_core::contract::ContractSources;
use schemata_core::fold::{self, Fold, Row};
pub(crate) use schemata_core::records::Mode;
use schemata_core::records::{
    ConfigValue, Record, RecordKey, RecordValue, ReferenceValue, SchemaValue,
};
use schemata_core::{
    CompatibilityLevel, Contract, Guid, JsonPolicy, Metadata, ReferencedSchema, RuleSet, SchemaId,
    SchemaReference, SchemaType, Version, VersionSpec, api,
};

use crate::error::ApiError;

/// Content hash of a schema: SHA-256 over type, identity text (`Schema::identity`) and
/// references, and the data contract.
pub(crate) type ContentHash = [u8; 32];

/// A schema context, interned once per process so that `Sid` stays a small `Copy` key: the
/// default context is `Ctx::DEFAULT`, any other name gets the next number the first time a
/// record names it. The table only grows with names that records (writes or replays) carry;
/// reads look names up without adding them (`Ctx::find`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Ctx(u32);

#[derive(Default)]
struct Contexts {
    names: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
}

fn contexts() -> &'static RwLock<Contexts> {
    static CONTEXTS: OnceLock<RwLock<Contexts>> = OnceLock::new();
    CONTEXTS.get_or_init(|| {
        let default: Arc<str> = Arc::from(DEFAULT_CONTEXT);
        RwLock::new(Contexts {
            names: vec![Arc::clone(&default)],
            index: HashMap::from([(default, 0)]),
        })
    })
}

impl Ctx {
    pub(crate) const DEFAULT: Ctx = Ctx(0);

    /// The context named `name` (`.ctx`), added to the table if new.
    pub(crate) fn intern(name: &str) -> Ctx {
        if name == DEFAULT_CONTEXT {
            return Ctx::DEFAULT;
        }
        if let Some(ctx) = Ctx::named(name) {
            return ctx;
        }
        let mut table = contexts().write().unwrap_or_else(PoisonError::into_inner);
        if let Some(index) = table.index.get(name) {
            return Ctx(*index);
        }
        let index = table.names.len() as u32;
        let name: Arc<str> = Arc::from(name);
        table.names.push(Arc::clone(&name));
        table.index.insert(name, index);
        Ctx(index)
    }

    /// The context named `name`, if any record ever named it (reads never add names).
    pub(crate) fn named(name: &str) -> Option<Ctx> {
        if name == DEFAULT_CONTEXT {
            return Some(Ctx::DEFAULT);
        }
        let table = contexts().read().unwrap_or_else(PoisonError::into_inner);
        table.index.get(name).map(|index| Ctx(*index))
    }

    /// The context of a subject, added to the table if new (for writes and replay).
    pub(crate) fn of(subject: &str) -> Ctx {
        if !subject.starts_with(":.") {
            return Ctx::DEFAULT;
        }
        Ctx::intern(context::context_of(subject))
    }

    /// The context of a subject if it is known (for reads).
    pub(crate) fn find(subject: &str) -> Option<Ctx> {
        if !subject.starts_with(":.") {
            return Some(Ctx::DEFAULT);
        }
        Ctx::named(context::context_of(subject))
    }

    pub(crate) fn name(self) -> Arc<str> {
        let table = contexts().read().unwrap_or_else(PoisonError::into_inner);
        table.names.get(self.0 as usize).cloned().unwrap_or_else(|| Arc::from(DEFAULT_CONTEXT))
    }
}

/// A schema's key: its context and its id there. Shown as the id alone (as every answer shows
/// it: the context is the subject's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Sid {
    pub(crate) ctx: Ctx,
    pub(crate) id: SchemaId,
}

impl Sid {
    pub(crate) fn new(ctx: Ctx, id: SchemaId) -> Sid {
        Sid { ctx, id }
    }

    /// An id of the default context.
    pub(crate) fn default_ctx(id: SchemaId) -> Sid {
        Sid { ctx: Ctx::DEFAULT, id }
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.id.fmt(f)
    }
}

/// The ids one GUID names: nearly always one, which is kept without an allocation (a set per
/// GUID cost ~100 bytes per schema); several only when contexts or an import gave the same
/// schema more ids. Sorted.
#[derive(Debug, Clone)]
pub(crate) enum GuidIds {
    One(Sid),
    Many(Vec<Sid>),
}

impl GuidIds {
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Sid> {
        match self {
            GuidIds::One(id) => std::slice::from_ref(id).iter(),
            GuidIds::Many(ids) => ids.iter(),
        }
    }

    fn insert(&mut self, id: Sid) {
        match self {
            GuidIds::One(one) if *one == id => {}
            GuidIds::One(one) => *self = GuidIds::Many(vec![(*one).min(id), (*one).max(id)]),
            GuidIds::Many(ids) => {
                if let Err(at) = ids.binary_search(&id) {
                    ids.insert(at, id);
                }
            }
        }
    }

    /// Removes `id`; answers whether none is left.
    fn remove(&mut self, id: Sid) -> bool {
        match self {
            GuidIds::One(one) => *one == id,
            GuidIds::Many(ids) => {
                ids.retain(|known| *known != id);
                match ids.as_slice() {
                    [] => true,
                    [one] => {
                        *self = GuidIds::One(*one);
                        false
                    }
                    _ => false,
                }
            }
        }
    }
}

/// One schema, by id. The text is kept only inside the pre-serialized `GET /schemas/ids/{id}`
/// body: that read is the hottest path, and keeping the text once keeps memory per schema low.
#[derive(Debug, Clone)]
pub(crate) struct StoredSchema {
    pub(crate) schema_type: SchemaType,
    pub(crate) references: Vec<SchemaReference>,
    /// Confluent's GUID of the stored text and references (`core::guid`).
    pub(crate) guid: Guid,
    /// The data contract (metadata, rule set) registered with this id: part of its identity, as
    /// in Confluent, so every row with this id has it. Boxed and absent when empty, as most are:
    /// an inline `Contract` costs ~150 bytes per schema (see [`StoredSchema::contract`]).
    contract: Option<Box<Contract>>,
    /// `{"schema":...,"schemaType":...,"references":[...],"guid":...,"metadata":...,
    /// "ruleSet":...}` exactly as answered.
    pub(crate) body: Bytes,
    /// How many (subject, version) rows, soft-deleted included, point at this id.
    uses: u32,
    /// The content hash, once the dedup index has computed it (boxed: most stored schemas
    /// never get one, and inline it costs 33 bytes each).
    hash: Option<Box<ContentHash>>,
}

/// Confluent's GUID of a stored value. It covers the contract too: the same text with other
/// rules is another schema there as here.
fn guid_of(value: &SchemaValue, references: &[SchemaReference], contract: &Contract) -> Guid {
    let json = |part: Option<serde_json::Result<serde_json::Value>>| part.and_then(Result::ok);
    Guid::with_contract(
        &value.schema,
        references,
        json(contract.metadata.as_ref().map(serde_json::to_value)).as_ref(),
        json(contract.rule_set.as_ref().map(serde_json::to_value)).as_ref(),
    )
}

impl StoredSchema {
    /// The data contract registered with this id (empty when it has none).
    pub(crate) fn contract(&self) -> &Contract {
        static EMPTY: Contract = Contract { metadata: None, rule_set: None };
        self.contract.as_deref().unwrap_or(&EMPTY)
    }

    fn new(schema_type: SchemaType, value: &SchemaValue) -> StoredSchema {
        let references: Vec<SchemaReference> =
            value.references.iter().map(SchemaReference::from).collect();
        let contract =
            Contract { metadata: value.metadata.clone(), rule_set: value.rule_set.clone() };
        let guid = guid_of(value, &references, &contract);
        let body = api::SchemaById {
            schema: value.schema.clone(),
            schema_type: schema_type.to_optional().map(str::to_owned),
            references: api_references(&references),
            guid: Some(guid.to_string()),
            metadata: contract.metadata.clone(),
            rule_set: contract.rule_set.clone(),
            max_id: None,
        };
        // Serializing a struct of strings and ints cannot fail. The buffer is shrunk because it
        // lives as long as the schema, and growth can leave up to half of it unused.
        let mut body = serde_json::to_vec(&body).unwrap_or_default();
        body.shrink_to_fit();
        let body = Bytes::from(body);
        let contract = (!contract.is_empty()).then(|| Box::new(contract));
        StoredSchema { schema_type, references, guid, contract, body, uses: 0, hash: None }
    }

    /// The schema text, recovered from the pre-serialized body (off the hot path).
    pub(crate) fn text(&self) -> String {
        serde_json::from_slice::<api::SchemaById>(&self.body).map(|b| b.schema).unwrap_or_default()
    }
}

pub(crate) fn api_references(references: &[SchemaReference]) -> Vec<api::SchemaReference> {
    references.iter().map(api::SchemaReference::from).collect()
}

/// A version row of a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VersionRow {
    pub(crate) id: Sid,
    pub(crate) deleted: bool,
}

/// Everything known about one subject.
#[derive(Debug, Default, Clone)]
pub(crate) struct SubjectState {
    /// Every version, soft-deleted ones included.
    pub(crate) versions: BTreeMap<Version, VersionRow>,
    pub(crate) config: Option<ConfigValue>,
    pub(crate) mode: Option<Mode>,
}

impl SubjectState {
    pub(crate) fn live(&self) -> impl DoubleEndedIterator<Item = (Version, VersionRow)> + '_ {
        self.versions.iter().filter(|(_, row)| !row.deleted).map(|(v, row)| (*v, *row))
    }

    pub(crate) fn has_live(&self) -> bool {
        self.versions.values().any(|row| !row.deleted)
    }

    pub(crate) fn latest_live(&self) -> Option<(Version, VersionRow)> {
        self.live().next_back()
    }

    /// Resolves a version spec, soft-deleted rows only with `deleted`; 40402 when none.
    pub(crate) fn resolve(
        &self,
        spec: VersionSpec,
        deleted: bool,
    ) -> Result<(Version, VersionRow), ApiError> {
        match spec {
            VersionSpec::Latest => {
                let latest = if deleted {
                    self.versions.iter().next_back().map(|(v, r)| (*v, *r))
                } else {
                    self.latest_live()
                };
                latest.ok_or_else(|| ApiError::VersionNotFound("latest".into()))
            }
            VersionSpec::Exact(version) => self
                .versions
                .get(&version)
                .filter(|row| deleted || !row.deleted)
                .map(|row| (version, *row))
                .ok_or_else(|| ApiError::VersionNotFound(version.to_string())),
        }
    }

    fn is_empty(&self) -> bool {
        self.versions.is_empty() && self.config.is_none() && self.mode.is_none()
    }
}

/// The whole registry state.
#[derive(Debug, Default, Clone)]
pub(crate) struct RegistryState {
    pub(crate) schemas: HashMap<Sid, StoredSchema>,
    pub(crate) subjects: BTreeMap<String, SubjectState>,
    pub(crate) global_config: Option<ConfigValue>,
    pub(crate) global_mode: Option<Mode>,
    /// Highest id ever seen per context: new ids continue from here, so ids stay dense and are
    /// never reused while the records that used them are in the log.
    max_ids: HashMap<Ctx, u32>,
    /// GUID → the ids with that GUID (one per context, unless an import gave the same text two
    /// ids).
    pub(crate) by_guid: HashMap<Guid, GuidIds>,
    /// The contexts Confluent's `CONTEXT` records name (`.ctx`), deleted by their tombstones.
    contexts: BTreeSet<String>,
    /// (referenced subject, version) → the (subject, version) rows that reference it; the
    /// referenced subject as resolved from the referrer's context (`context::resolve_reference`).
    referenced_by: HashMap<(String, Version), BTreeSet<(String, Version)>>,
    /// (context, content hash) → id. Built on first use rather than at replay, because
    /// computing it parses every schema and a cold start must not pay for that.
    dedup: OnceLock<HashMap<(Ctx, ContentHash), Sid>>,
    /// Records that could not be applied at replay (kept as a count for logs and metrics).
    pub(crate) skipped: u64,
}

impl RegistryState {
    /// Folds every record, in order.
    pub(crate) fn replay(records: impl IntoIterator<Item = Record>) -> RegistryState {
        let mut state = RegistryState::default();
        for record in records {
            state.apply(&record);
        }
        state
    }

    /// Applies one record, as core's fold says it means. Records that make no sense (a mode
    /// nobody knows) are skipped and counted, never fatal: a topic written by a newer registry
    /// must still replay.
    pub(crate) fn apply(&mut self, record: &Record) {
        if let Err(skipped) = fold::apply(self, record) {
            tracing::debug!(%skipped, "record skipped");
            self.skipped += 1;
        }
    }

    fn insert_version(&mut self, subject: &str, version: Version, row: Row<'_>) {
        let id = Sid::new(Ctx::of(subject), row.id);
        let stored = self.schemas.entry(id).or_insert_with(|| {
            let stored = StoredSchema::new(row.schema_type, row.value);
            match self.by_guid.entry(stored.guid) {
                Entry::Vacant(entry) => {
                    entry.insert(GuidIds::One(id));
                }
                Entry::Occupied(mut entry) => entry.get_mut().insert(id),
            }
            stored
        });
        stored.uses += 1;
        for reference in &stored.references {
            if let Some(referenced) = Version::new(i64::from(reference.version)) {
                let target = context::resolve_reference(subject, &reference.subject).into_owned();
                self.referenced_by
                    .entry((target, referenced))
                    .or_default()
                    .insert((subject.to_owned(), version));
            }
        }
        let max = self.max_ids.entry(id.ctx).or_default();
        *max = (*max).max(id.id.0);
        self.subjects
            .entry(subject.to_owned())
            .or_default()
            .versions
            .insert(version, VersionRow { id, deleted: row.value.deleted });
    }

    fn remove_version(&mut self, subject: &str, version: Version) {
        let Some(state) = self.subjects.get_mut(subject) else { return };
        let Some(row) = state.versions.remove(&version) else { return };
        self.drop_if_empty(subject);
        let Some(stored) = self.schemas.get_mut(&row.id) else { return };
        for reference in &stored.references {
            if let Some(referenced) = Version::new(i64::from(reference.version)) {
                let target = context::resolve_reference(subject, &reference.subject).into_owned();
                let key = (target, referenced);
                if let Some(referrers) = self.referenced_by.get_mut(&key) {
                    referrers.remove(&(subject.to_owned(), version));
                    if referrers.is_empty() {
                        self.referenced_by.remove(&key);
                    }
                }
            }
        }
        stored.uses = stored.uses.saturating_sub(1);
        if stored.uses == 0 {
            // Nothing points at this id any more (a hard delete): it is gone, as in Confluent.
            let removed = self.schemas.remove(&row.id);
            if let Some(stored) = &removed
                && let Some(ids) = self.by_guid.get_mut(&stored.guid)
                && ids.remove(row.id)
            {
                self.by_guid.remove(&stored.guid);
            }
            if let (Some(stored), Some(dedup)) = (removed, self.dedup.get_mut()) {
                match stored.hash {
                    Some(hash) => {
                        dedup.remove(&(row.id.ctx, *hash));
                    }
                    // Hashed while the index was built lazily: find it by id (rare: hard deletes).
                    None => dedup.retain(|_, id| *id != row.id),
                }
            }
        }
    }

    fn drop_if_empty(&mut self, subject: &str) {
        if self.subjects.get(subject).is_some_and(SubjectState::is_empty) {
            self.subjects.remove(subject);
        }
    }

    /// The content-hash index, built on first use with `hash_of` (which parses a stored schema).
    pub(crate) fn dedup(
        &self,
        hash_of: impl FnOnce(&RegistryState) -> HashMap<(Ctx, ContentHash), Sid>,
    ) -> &HashMap<(Ctx, ContentHash), Sid> {
        self.dedup.get_or_init(|| hash_of(self))
    }

    /// Whether the dedup index exists yet.
    pub(crate) fn dedup_built(&self) -> bool {
        self.dedup.get().is_some()
    }

    /// Records the content hash of a (new) id, keeping the index in step with live writes.
    pub(crate) fn index_hash(&mut self, hash: ContentHash, id: Sid) {
        if let Some(stored) = self.schemas.get_mut(&id) {
            stored.hash = Some(Box::new(hash));
        }
        if let Some(dedup) = self.dedup.get_mut() {
            dedup.entry((id.ctx, hash)).or_insert(id);
        }
    }

    /// The sum of every context's highest id: it grows with each new id, in any context.
    pub(crate) fn id_watermark(&self) -> u64 {
        self.max_ids.values().map(|max| u64::from(*max)).sum()
    }

    /// The highest id the context has seen (0: none).
    pub(crate) fn max_id(&self, ctx: Ctx) -> u32 {
        self.max_ids.get(&ctx).copied().unwrap_or(0)
    }

    /// Every context there is, sorted, the default one first: those `CONTEXT` records name and
    /// those subjects live in (a topic another registry wrote may lack the records).
    pub(crate) fn context_names(&self) -> Vec<String> {
        let mut names: BTreeSet<String> = self.contexts.clone();
        let with_versions = self.subjects.iter().filter(|(_, s)| !s.versions.is_empty());
        for (subject, _) in with_versions.filter(|(s, _)| s.starts_with(":.")) {
            let q = Qualified::parse(subject);
            if !q.name.is_empty() {
                names.insert(q.context.to_owned());
            }
        }
        names.remove(DEFAULT_CONTEXT);
        std::iter::once(DEFAULT_CONTEXT.to_owned()).chain(names).collect()
    }

    /// Whether a `CONTEXT` record names `context`.
    pub(crate) fn has_context_record(&self, context: &str) -> bool {
        self.contexts.contains(context)
    }

    /// The subjects of a context that have versions (soft-deleted ones included).
    pub(crate) fn context_subjects(&self, context: &str) -> Vec<&str> {
        let prefix = context::prefix(context);
        self.subjects
            .range(prefix.clone()..)
            .take_while(|(name, _)| name.starts_with(&prefix))
            .filter(|(_, s)| !s.versions.is_empty())
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The schema `GET /schemas/ids/{id}?subject=` answers, as Confluent finds it: without a
    /// subject, the id in the default context; with a qualified subject (or a context alone,
    /// `:.ctx:`), the id in that context, held by that subject unless only the context is
    /// named; with an unqualified subject, the id if that subject holds it in the default
    /// context, else in the first context (by name) where the subject qualified with it holds
    /// it, else the id of the default context.
    pub(crate) fn find_id(&self, id: SchemaId, subject: Option<&str>) -> Option<Sid> {
        let held_by = |subject: &str, sid: Sid| {
            self.subjects.get(subject).is_some_and(|s| s.versions.values().any(|r| r.id == sid))
        };
        let in_default = Sid::default_ctx(id);
        let Some(subject) = subject else {
            return self.schemas.contains_key(&in_default).then_some(in_default);
        };
        let subject = context::normalize(subject);
        let q = Qualified::parse(&subject);
        let sid = Sid::new(Ctx::named(q.context)?, id);
        if !q.is_default() || q.name.is_empty() {
            let found =
                self.schemas.contains_key(&sid) && (q.name.is_empty() || held_by(&subject, sid));
            return found.then_some(sid);
        }
        if held_by(&subject, in_default) {
            return Some(in_default);
        }
        for name in self.context_names().iter().skip(1) {
            let Some(ctx) = Ctx::named(name) else { continue };
            let qualified = context::qualify(name, q.name);
            if held_by(&qualified, Sid::new(ctx, id)) {
                return Some(Sid::new(ctx, id));
            }
        }
        self.schemas.contains_key(&in_default).then_some(in_default)
    }

    /// The text, type and references of a referenced (subject, version), soft-deleted included:
    /// a schema that was valid when registered stays resolvable. `referrer`: the subject whose
    /// schema holds the reference (an unqualified reference resolves in its context).
    pub(crate) fn referenced(
        &self,
        referrer: &str,
        reference: &SchemaReference,
    ) -> Option<ReferencedSchema> {
        let target = context::resolve_reference(referrer, &reference.subject);
        let subject = self.subjects.get(target.as_ref())?;
        let row = if reference.version == -1 {
            subject.latest_live()?.1
        } else {
            *subject.versions.get(&Version::new(i64::from(reference.version))?)?
        };
        let stored = self.schemas.get(&row.id)?;
        Some(ReferencedSchema {
            schema_type: stored.schema_type,
            text: stored.text(),
            references: stored.references.clone(),
        })
    }

    /// The ids of the schemas that reference (subject, version), live rows only unless
    /// `deleted`.
    pub(crate) fn referrers(&self, subject: &str, version: Version, deleted: bool) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .referenced_by
            .get(&(subject.to_owned(), version))
            .into_iter()
            .flatten()
            .filter_map(|(s, v)| self.subjects.get(s)?.versions.get(v))
            .filter(|row| deleted || !row.deleted)
            .map(|row| row.id.id.0)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Whether any row (soft-deleted included) references (subject, version).
    pub(crate) fn is_referenced(&self, subject: &str, version: Version) -> bool {
        self.referenced_by.get(&(subject.to_owned(), version)).is_some_and(|r| !r.is_empty())
    }

    /// The compatibility level in force for a subject: its own, else the global one, else
    /// BACKWARD.
    pub(crate) fn level(&self, subject: &str) -> CompatibilityLevel {
        self.effective_config(subject)
            .and_then(|c| c.compatibility_level.as_deref())
            .and_then(CompatibilityLevel::parse)
            .unwrap_or_default()
    }

    /// The JSON Schema policy in force for a subject: its own, else the global one, else the
    /// default.
    pub(crate) fn json_policy(&self, subject: &str) -> JsonPolicy {
        self.effective_config(subject)
            .and_then(|c| c.json_policy.as_deref())
            .and_then(JsonPolicy::parse)
            .unwrap_or_default()
    }

    /// The contract a new version of `subject` gets from a request carrying `metadata` and
    /// `rule_set`: each, or else the latest live version's, merged between the config's defaults
    /// and overrides (Confluent's order). `new_version`: the version it becomes, for
    /// `confluent:version`; `None` for a lookup.
    pub(crate) fn contract_for(
        &self,
        subject: &str,
        metadata: Option<&Metadata>,
        rule_set: Option<&RuleSet>,
        new_version: Option<u32>,
    ) -> Contract {
        let previous = self
            .subjects
            .get(subject)
            .and_then(SubjectState::latest_live)
            .and_then(|(_, row)| self.schemas.get(&row.id))
            .map(StoredSchema::contract);
        let config = self.effective_config(subject);
        ContractSources {
            requested: metadata,
            requested_rules: rule_set,
            previous,
            default_metadata: config.and_then(|c| c.default_metadata.as_ref()),
            override_metadata: config.and_then(|c| c.override_metadata.as_ref()),
            default_rule_set: config.and_then(|c| c.default_rule_set.as_ref()),
            override_rule_set: config.and_then(|c| c.override_rule_set.as_ref()),
        }
        .effective(new_version)
    }

    /// The live versions a new version with `contract` is checked against, newest first: every
    /// one, or with a `compatibilityGroup` in the config, those whose metadata has the same
    /// value of that property as `contract` (absent matching absent), as Confluent checks
    /// "major versions" only against themselves.
    pub(crate) fn compatibility_history(
        &self,
        subject: &str,
        contract: &Contract,
    ) -> Vec<(Version, Sid)> {
        let Some(s) = self.subjects.get(subject) else { return Vec::new() };
        let group = self.effective_config(subject).and_then(|c| c.compatibility_group.as_deref());
        s.live()
            .rev()
            .filter(|(_, row)| {
                let Some(group) = group else { return true };
                let theirs = self.schemas.get(&row.id).and_then(|st| st.contract().property(group));
                theirs == contract.property(group)
            })
            .map(|(v, row)| (v, row.id))
            .collect()
    }

    /// The subject's state if it has versions visible with `deleted`, else 40401.
    pub(crate) fn visible(&self, subject: &str, deleted: bool) -> Result<&SubjectState, ApiError> {
        self.subjects
            .get(subject)
            .filter(|s| if deleted { !s.versions.is_empty() } else { s.has_live() })
            .ok_or_else(|| ApiError::SubjectNotFound(subject.to_owned()))
    }

    /// The settings of a subject's context (`:.ctx:`), for a subject of a context other than
    /// the default one (whose settings are the global ones).
    fn context_settings(&self, subject: &str) -> Option<&SubjectState> {
        let q = Qualified::parse(subject);
        if q.is_default() || q.name.is_empty() {
            return None;
        }
        self.subjects.get(&context::prefix(q.context))
    }

    /// The subject's own config, else its context's, else the global one (Confluent's order).
    pub(crate) fn effective_config(&self, subject: &str) -> Option<&ConfigValue> {
        self.subjects
            .get(subject)
            .and_then(|s| s.config.as_ref())
            .or_else(|| self.context_settings(subject).and_then(|s| s.config.as_ref()))
            .or(self.global_config.as_ref())
    }

    /// The mode in force for a subject: its own, else its context's, else the global one, else
    /// READWRITE.
    pub(crate) fn mode(&self, subject: &str) -> Mode {
        self.subjects
            .get(subject)
            .and_then(|s| s.mode)
            .or_else(|| self.context_settings(subject).and_then(|s| s.mode))
            .or(self.global_mode)
            .unwrap_or_default()
    }

    /// Why a write to `subject` is refused in READONLY: its own mode, or the global one (a
    /// global mode must not be blamed on the subject, or nobody looks at `/mode`).
    pub(crate) fn read_only_message(&self, subject: &str) -> String {
        if self.subjects.get(subject).and_then(|s| s.mode).is_some() {
            format!("Subject {subject} is in read-only mode")
        } else if self.context_settings(subject).and_then(|s| s.mode).is_some() {
            format!(
                "Context {} is in read-only mode (subject {subject} has no mode of its own)",
                context::context_of(subject)
            )
        } else {
            format!(
                "The registry is in read-only mode (global mode READONLY; subject {subject} has \
                 no mode of its own)"
            )
        }
    }

    /// Number of subjects with at least one live version.
    pub(crate) fn live_subject_count(&self) -> usize {
        self.subjects.values().filter(|s| s.has_live()).count()
    }
}

/// What the registry keeps of the fold: rows with their indexes, configs and modes.
impl Fold for RegistryState {
    fn put_version(&mut self, subject: &str, version: Version, row: Row<'_>) {
        let sid = Sid::new(Ctx::of(subject), row.id);
        // A row that keeps its id (a soft delete, a rewrite) only changes its flag: removing and
        // re-adding it would drop and lose the id's index entries.
        let existing = self.subjects.get_mut(subject).and_then(|s| s.versions.get_mut(&version));
        if let Some(existing) = existing
            && existing.id == sid
        {
            existing.deleted = row.value.deleted;
            return;
        }
        // Confluent's duplicate-id rule: a row whose id is already another schema's is ignored
        // (a topic two writers raced on, taken over from Confluent or Karapace), per context.
        if let Some(stored) = self.schemas.get(&sid) {
            let references: Vec<SchemaReference> =
                row.value.references.iter().map(SchemaReference::from).collect();
            let contract = Contract {
                metadata: row.value.metadata.clone(),
                rule_set: row.value.rule_set.clone(),
            };
            if stored.guid != guid_of(row.value, &references, &contract) {
                tracing::warn!(
                    subject,
                    version = version.0,
                    id = row.id.0,
                    "ignoring a schema row whose id is already another schema's"
                );
                self.skipped += 1;
                return;
            }
        }
        self.remove_version(subject, version);
        self.insert_version(subject, version, row);
    }

    fn remove_version(&mut self, subject: &str, version: Version) {
        RegistryState::remove_version(self, subject, version);
    }

    fn versions(&self, subject: &str) -> Vec<(Version, bool)> {
        let Some(s) = self.subjects.get(subject) else { return Vec::new() };
        s.versions.iter().map(|(v, row)| (*v, row.deleted)).collect()
    }

    fn soft_delete(&mut self, subject: &str, version: Version) {
        if let Some(row) = self.subjects.get_mut(subject).and_then(|s| s.versions.get_mut(&version))
        {
            row.deleted = true;
        }
    }

    fn set_config(&mut self, subject: Option<&str>, config: Option<&ConfigValue>) {
        match subject {
            None => self.global_config = config.cloned(),
            Some(subject) => {
                self.subjects.entry(subject.to_owned()).or_default().config = config.cloned();
                self.drop_if_empty(subject);
            }
        }
    }

    fn set_mode(&mut self, subject: Option<&str>, mode: Option<Mode>) {
        match subject {
            None => self.global_mode = mode,
            Some(subject) => {
                self.subjects.entry(subject.to_owned()).or_default().mode = mode;
                self.drop_if_empty(subject);
            }
        }
    }

    fn set_context(&mut self, context: &str, exists: bool) {
        if exists {
            Ctx::intern(context);
            self.contexts.insert(context.to_owned());
        } else {
            self.contexts.remove(context);
        }
    }
}

/// Builds the `_schemas` value of a schema row.
#[allow(clippy::too_many_arguments, reason = "one per field of Confluent's value")]
pub(crate) fn schema_record(
    subject: &str,
    version: Version,
    id: SchemaId,
    stored_type: SchemaType,
    references: &[SchemaReference],
    contract: &Contract,
    text: String,
    deleted: bool,
) -> Record {
    Record {
        key: RecordKey::schema(subject, version.0),
        value: Some(RecordValue::Schema(SchemaValue {
            subject: subject.to_owned(),
            version: version.0,
            id: id.0,
            schema_type: stored_type.to_optional().map(str::to_owned),
            references: references
                .iter()
                .map(|r| ReferenceValue {
                    name: r.name.clone(),
                    subject: r.subject.clone(),
                    version: r.version,
                })
                .collect(),
            metadata: contract.metadata.clone(),
            rule_set: contract.rule_set.clone(),
            schema: text,
            deleted,
        })),
    }
}

#[cfg(test)]
mod tests {
    use schemata_core::records::ModeValue;

    use super::*;

    fn row(subject: &str, version: u32, id: u32, deleted: bool) -> Record {
        schema_record(
            subject,
            Version(version),
            SchemaId(id),
            SchemaType::Avro,
            &[],
            &Contract::default(),
            "\"string\"".into(),
            deleted,
        )
    }

    /// The GUID index's id list: inserts keep it sorted and unique, removes answer whether it
    /// emptied, and one id is held inline.
    #[test]
    fn guid_ids_insert_and_remove() {
        let sid = |id| Sid::default_ctx(SchemaId(id));
        let listed = |ids: &GuidIds| ids.iter().map(|s| s.id.0).collect::<Vec<_>>();
        let mut ids = GuidIds::One(sid(5));
        for id in [3, 5, 9, 3] {
            ids.insert(sid(id));
        }
        assert_eq!(listed(&ids), [3, 5, 9]);
        assert!(!ids.remove(sid(5)));
        assert!(!ids.remove(sid(42)));
        assert!(!ids.remove(sid(9)));
        assert!(matches!(ids, GuidIds::One(one) if one == sid(3)));
        assert!(!ids.remove(sid(7)));
        assert!(ids.remove(sid(3)));
    }

    fn tombstone(subject: &str, version: u32) -> Record {
        Record { key: RecordKey::schema(subject, version), value: None }
    }

    /// Replays `records` and describes the state as `subject:version=id[d]` rows and live ids.
    fn check(records: Vec<Record>, expected: &str) {
        let state = RegistryState::replay(records);
        let mut parts = Vec::new();
        for (subject, s) in &state.subjects {
            for (version, row) in &s.versions {
                let d = if row.deleted { "d" } else { "" };
                parts.push(format!("{subject}:{version}={}{d}", row.id));
            }
        }
        let mut ids: Vec<(String, u32)> =
            state.schemas.keys().map(|id| (id.ctx.name().to_string(), id.id.0)).collect();
        ids.sort_unstable();
        let ids: Vec<String> = ids
            .into_iter()
            .map(|(ctx, id)| if ctx == "." { id.to_string() } else { format!("{ctx}/{id}") })
            .collect();
        parts.push(format!("ids=[{}] max={}", ids.join(", "), state.max_id(Ctx::DEFAULT)));
        let contexts = state.context_names();
        if contexts.len() > 1 {
            let maxes: Vec<String> = contexts[1..]
                .iter()
                .map(|c| format!("{c}:{}", Ctx::named(c).map_or(0, |ctx| state.max_id(ctx))))
                .collect();
            parts.push(format!("contexts={}", maxes.join(",")));
        }
        assert_eq!(parts.join(" "), expected);
    }

    fn context_record(name: &str) -> Record {
        Record {
            key: RecordKey::context(name),
            value: Some(RecordValue::Context(schemata_core::records::ContextValue {
                tenant: "default".into(),
                context: name.into(),
            })),
        }
    }

    /// Each context is its own id space: the same id names two schemas, the duplicate-id rule
    /// and the highest id hold per context, and a context's records make it known.
    #[test]
    fn contexts_are_id_spaces() {
        let int = |subject: &str, id| {
            let contract = Contract::default();
            schema_record(
                subject,
                Version(1),
                SchemaId(id),
                SchemaType::Avro,
                &[],
                &contract,
                "\"int\"".into(),
                false,
            )
        };
        check(
            vec![row("a", 1, 1, false), int(":.t:a", 1)],
            ":.t:a:1=1 a:1=1 ids=[1, .t/1] max=1 contexts=.t:1",
        );
        // Within one context the duplicate-id rule still applies.
        check(
            vec![row(":.t:a", 1, 1, false), int(":.t:b", 1)],
            ":.t:a:1=1 ids=[.t/1] max=0 contexts=.t:1",
        );
        check(
            vec![context_record(".u"), row(":.t:a", 1, 5, false)],
            ":.t:a:1=5 ids=[.t/5] max=0 contexts=.t:5,.u:0",
        );
        let tombstone = Record { key: RecordKey::context(".u"), value: None };
        check(vec![context_record(".u"), tombstone], "ids=[] max=0");
    }

    /// `GET /schemas/ids/{id}?subject=` as Confluent resolves it.
    #[test]
    fn ids_are_found_in_the_context_the_subject_names() {
        let state = RegistryState::replay(vec![
            row("a", 1, 1, false),
            row(":.t:a", 1, 1, false),
            row(":.t:b", 1, 2, false),
            row(":.u:c", 1, 3, false),
        ]);
        let found = |id: u32, subject: Option<&str>| {
            state.find_id(SchemaId(id), subject).map(|sid| format!("{}/{}", sid.ctx.name(), sid.id))
        };
        let cases: &[(u32, Option<&str>, Option<&str>)] = &[
            (1, None, Some("./1")),
            (2, None, None),
            (1, Some("a"), Some("./1")),
            (2, Some(":.t:b"), Some(".t/2")),
            (2, Some(":.t:a"), None),
            (2, Some(":.t:"), Some(".t/2")),
            (3, Some(":.t:"), None),
            (3, Some("c"), Some(".u/3")),
            (2, Some("b"), Some(".t/2")),
            (1, Some("zzz"), Some("./1")),
            (2, Some("zzz"), None),
            (1, Some(":.nope:a"), None),
            (1, Some(":.:a"), Some("./1")),
        ];
        for &(id, subject, expected) in cases {
            assert_eq!(found(id, subject).as_deref(), expected, "{id} {subject:?}");
        }
    }

    /// Config and mode fall back subject → context (`:.ctx:`) → global.
    #[test]
    fn settings_fall_back_through_the_context() {
        let config = |subject: Option<&str>, level: &str| Record {
            key: RecordKey::config(subject.map(str::to_owned)),
            value: Some(RecordValue::Config(ConfigValue {
                compatibility_level: Some(level.into()),
                ..ConfigValue::default()
            })),
        };
        let mode = |subject: Option<&str>, mode: &str| Record {
            key: RecordKey::mode(subject.map(str::to_owned)),
            value: Some(RecordValue::Mode(ModeValue { mode: mode.into() })),
        };
        let state = RegistryState::replay(vec![
            config(None, "FULL"),
            config(Some(":.t:"), "NONE"),
            config(Some(":.t:own"), "FORWARD"),
            mode(Some(":.t:"), "READONLY"),
        ]);
        let cases: &[(&str, CompatibilityLevel, Mode)] = &[
            ("a", CompatibilityLevel::Full, Mode::ReadWrite),
            (":.t:a", CompatibilityLevel::None, Mode::ReadOnly),
            (":.t:own", CompatibilityLevel::Forward, Mode::ReadOnly),
            (":.u:a", CompatibilityLevel::Full, Mode::ReadWrite),
        ];
        for &(subject, level, expected_mode) in cases {
            assert_eq!(
                (state.level(subject), state.mode(subject)),
                (level, expected_mode),
                "{subject}"
            );
        }
        assert_eq!(state.context_names(), ["."]);
    }

    #[test]
    fn fold_is_deterministic() {
        check(vec![row("a", 1, 1, false)], "a:1=1 ids=[1] max=1");
        check(vec![row("a", 1, 1, false), row("b", 1, 1, false)], "a:1=1 b:1=1 ids=[1] max=1");
        check(vec![row("a", 1, 1, false), row("a", 1, 1, true)], "a:1=1d ids=[1] max=1");
        // Confluent's duplicate-id rule: id 1 is "string"'s; a row giving it "int" is ignored.
        let int = "\"int\"".to_owned();
        let other = |subject| {
            let contract = Contract::default();
            schema_record(
                subject,
                Version(1),
                SchemaId(1),
                SchemaType::Avro,
                &[],
                &contract,
                int.clone(),
                false,
            )
        };
        check(vec![row("a", 1, 1, false), other("b")], "a:1=1 ids=[1] max=1");
        check(vec![row("a", 1, 1, false), tombstone("a", 1)], "ids=[] max=1");
        check(
            vec![row("a", 1, 1, false), row("b", 1, 1, false), tombstone("a", 1)],
            "b:1=1 ids=[1] max=1",
        );
        check(
            vec![
                row("a", 1, 1, false),
                row("a", 2, 2, false),
                Record {
                    key: RecordKey::delete_subject("a"),
                    value: Some(RecordValue::DeleteSubject(
                        schemata_core::records::DeleteSubjectValue {
                            subject: "a".into(),
                            version: Some(1),
                        },
                    )),
                },
            ],
            "a:1=1d a:2=2 ids=[1, 2] max=2",
        );
        check(
            vec![
                row("a", 1, 1, true),
                row("a", 2, 2, false),
                Record {
                    key: RecordKey::clear_subject("a"),
                    value: Some(RecordValue::ClearSubject(
                        schemata_core::records::ClearSubjectValue { subject: "a".into() },
                    )),
                },
            ],
            "a:2=2 ids=[2] max=2",
        );
        check(vec![Record { key: RecordKey::Noop { magic: 0 }, value: None }], "ids=[] max=0");
    }

    #[test]
    fn soft_delete_keeps_the_id_indexed() {
        let mut state = RegistryState::replay(vec![row("a", 1, 1, false)]);
        let id = Sid::default_ctx(SchemaId(1));
        state.dedup(|_| HashMap::from([((Ctx::DEFAULT, [7; 32]), id)]));
        state.apply(&row("a", 1, 1, true));
        assert_eq!(state.dedup(|_| HashMap::new()).get(&(Ctx::DEFAULT, [7; 32])), Some(&id));
        state.apply(&tombstone("a", 1));
        assert_eq!(state.dedup(|_| HashMap::new()).get(&(Ctx::DEFAULT, [7; 32])), None);
    }

    #[test]
    fn config_and_mode_fold() {
        let mut state = RegistryState::default();
        state.apply(&Record {
            key: RecordKey::config(Some("s".into())),
            value: Some(RecordValue::Config(ConfigValue {
                compatibility_level: Some("FULL".into()),
                ..ConfigValue::default()
            })),
        });
        assert_eq!(state.level("s"), CompatibilityLevel::Full);
        assert_eq!(state.level("other"), CompatibilityLevel::Backward);
        state.apply(&Record { key: RecordKey::config(Some("s".into())), value: None });
        assert_eq!(state.level("s"), CompatibilityLevel::Backward);
        assert!(state.subjects.is_empty());
        state.apply(&Record {
            key: RecordKey::mode(None),
            value: Some(RecordValue::Mode(ModeValue { mode: "IMPORT".into() })),
        });
        assert_eq!(state.mode("s"), Mode::Import);
        state.apply(&Record {
            key: RecordKey::mode(None),
            value: Some(RecordValue::Mode(ModeValue { mode: "SIDEWAYS".into() })),
        });
        assert_eq!((state.mode("s"), state.skipped), (Mode::Import, 1));
    }
}
