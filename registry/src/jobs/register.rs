//! The registration job: every rule of `POST /subjects/{subject}/versions`, in the order Confluent
//! applies them, each in its own function: the mode, the references, a schema already in the
//! subject, compatibility, the id, the version, the stored text.
//!
//! Compatibility (the expensive rule) is decided off the writer: `precheck` runs on the check
//! pool against a published snapshot and records what its verdict depended on (`CheckInputs`).
//! The writer's `run` only confirms those inputs are still current; if a version landed in the
//! subject meanwhile, or its level changed, it answers `Stale` and the handler checks again.

use std::sync::Arc;

use schemata_core::api::RegisterSchemaRequest;
use schemata_core::contract::reserved_field_errors;
use schemata_core::{
    CompatibilityLevel, Contract, JsonPolicy, Metadata, RuleSet, Schema, SchemaId, SchemaType,
    Version,
};

use crate::compatibility;
use crate::dedup;
use crate::error::ApiError;
use crate::shared::Shared;
use crate::state::{ContentHash, Ctx, Mode, RegistryState, Sid, SubjectState, schema_record};
use crate::writer::Tx;

/// A registration as the request asked for it, its schema parsed (outside the writer: parsing
/// is the expensive part).
#[derive(Debug)]
pub(crate) struct Registration {
    subject: String,
    /// `?normalize=true`: store the normalized text.
    normalize: bool,
    /// An explicit id (import mode only).
    wanted_id: Option<SchemaId>,
    /// An explicit version (import mode only).
    wanted_version: Option<Version>,
    /// The data contract the request carries; absent parts are inherited (see `contract`).
    metadata: Option<Metadata>,
    rule_set: Option<RuleSet>,
    schema: Arc<Schema>,
}

/// The compatibility verdict reached off the writer.
#[derive(Debug)]
pub(crate) enum Precheck {
    /// An earlier rule decides (the writer re-applies it): no check was needed.
    NotNeeded,
    /// The check ran against a snapshot with these inputs; empty messages: compatible.
    Checked { inputs: CheckInputs, messages: Vec<String> },
}

/// What the writer made of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Registered now, or found already registered (the id in the subject's context).
    Registered(Sid, Version),
    /// The precheck's inputs are no longer current: check again.
    Stale,
}

/// What the compatibility rule depends on: while these are unchanged, so is its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckInputs {
    level: CompatibilityLevel,
    policy: JsonPolicy,
    /// The contract the new version gets (inherited and merged from the state, so it can
    /// change), by its hash.
    contract: ContentHash,
    /// Whether reserved fields are checked (the config's `validateFields`).
    validate_fields: bool,
    /// The subject's live versions, newest first; with a compatibility group, only those in the
    /// new version's group.
    against: Vec<(Version, Sid)>,
}

/// The names of a schema's top-level fields (Confluent's `hasTopLevelField`): an Avro record's
/// fields, a JSON Schema's `properties`. Protobuf messages are not looked into (no reserved
/// field conflicts are reported for them).
fn top_level_fields(schema: &Schema) -> Vec<String> {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(schema.text()) else {
        return Vec::new();
    };
    let names = match schema.schema_type() {
        SchemaType::Avro => json
            .get("fields")
            .and_then(|f| f.as_array())
            .map(|fields| fields.iter().filter_map(|f| f.get("name")?.as_str()).collect()),
        SchemaType::Json => json
            .get("properties")
            .and_then(|p| p.as_object())
            .map(|p| p.keys().map(String::as_str).collect()),
        _ => None,
    };
    names.unwrap_or_else(Vec::new).into_iter().map(str::to_owned).collect()
}

impl CheckInputs {
    /// The contract of the subject's newest live version, whatever the compatibility group.
    fn against_all_newest<'s>(
        &self,
        state: &'s RegistryState,
        subject: &str,
    ) -> Option<&'s Contract> {
        let (_, row) = state.subjects.get(subject)?.latest_live()?;
        state.schemas.get(&row.id).map(|stored| stored.contract())
    }

    pub(crate) fn of(state: &RegistryState, subject: &str, contract: &Contract) -> CheckInputs {
        CheckInputs {
            level: state.level(subject),
            policy: state.json_policy(subject),
            against: state.compatibility_history(subject, contract),
            contract: contract.hash([0; 32]),
            validate_fields: state
                .effective_config(subject)
                .and_then(|c| c.validate_fields)
                .unwrap_or(false),
        }
    }
}

impl Registration {
    /// The request-side rules: which explicit ids and versions a request may carry.
    pub(crate) fn new(
        subject: String,
        normalize: bool,
        request: &RegisterSchemaRequest,
        schema: Schema,
    ) -> Result<Registration, ApiError> {
        let wanted_id = match request.id {
            // Confluent clients send 0 or -1 for "no id".
            None | Some(0) | Some(-1) => None,
            Some(raw) => Some(SchemaId::new(raw).ok_or_else(|| {
                ApiError::InvalidSchema(format!("Invalid schema id {raw}: ids are 1..2^31-1"))
            })?),
        };
        let wanted_version = match request.version {
            None | Some(0) | Some(-1) => None,
            Some(raw) => {
                Some(Version::new(raw).ok_or_else(|| ApiError::InvalidVersion(raw.to_string()))?)
            }
        };
        // `:.ctx:` (a context, not a subject), the global context and Confluent's reserved
        // names are never subjects one registers under.
        if !schemata_core::context::is_registrable(&subject) {
            return Err(ApiError::InvalidSubject);
        }
        // Checked before anything else about the write, so a bad rule set writes nothing.
        if let Some(rule_set) = &request.rule_set {
            rule_set.validate().map_err(ApiError::InvalidRuleSet)?;
        }
        Ok(Registration {
            subject,
            normalize,
            wanted_id,
            wanted_version,
            metadata: request.metadata.clone(),
            rule_set: request.rule_set.clone(),
            schema: Arc::new(schema),
        })
    }

    /// The contract this registration gets, as Confluent decides it: outside IMPORT mode, the
    /// request's metadata and rule set, or else the previous version's, merged between the
    /// config's defaults and overrides; in IMPORT mode, exactly what the request carries.
    fn contract(&self, state: &RegistryState, mode: Mode) -> Contract {
        if mode == Mode::Import {
            return Contract {
                metadata: self.metadata.clone().filter(|m| !m.is_empty()),
                rule_set: self.rule_set.clone().filter(|r| !r.is_empty()),
            };
        }
        let s = state.subjects.get(&self.subject);
        let next = s.and_then(|s| s.versions.keys().next_back()).map_or(1, |v| v.0 + 1);
        state.contract_for(
            &self.subject,
            self.metadata.as_ref(),
            self.rule_set.as_ref(),
            Some(next),
        )
    }

    /// Runs off the writer (on the check pool) against a snapshot: the rules before
    /// compatibility and, when they let the registration through, the compatibility check.
    pub(crate) fn precheck(
        &self,
        shared: &Shared,
        state: &RegistryState,
    ) -> Result<Precheck, ApiError> {
        // A rule that refuses is applied again by the writer, against the current state.
        let Ok(mode) = self.check_mode(state) else { return Ok(Precheck::NotNeeded) };
        if mode == Mode::Import || self.check_references(state).is_err() {
            return Ok(Precheck::NotNeeded);
        }
        let contract = self.contract(state, mode);
        let hash = contract.hash(self.schema_hash(state));
        let existing = dedup::find(shared, state, &self.subject, hash);
        if !matches!(self.already_registered(state.subjects.get(&self.subject), existing), Ok(None))
        {
            return Ok(Precheck::NotNeeded);
        }
        let inputs = CheckInputs::of(state, &self.subject, &contract);
        let messages = compatibility::messages(
            &shared.cache,
            shared.limits.max_check_steps,
            state,
            inputs.level,
            inputs.policy,
            &self.schema,
            &inputs.against,
        )?;
        let messages = if inputs.validate_fields {
            // As Confluent: reserved-field errors first, against the newest live version.
            let previous = inputs.against_all_newest(state, &self.subject);
            let fields = top_level_fields(&self.schema);
            let mut all = reserved_field_errors(&contract, previous, &fields);
            all.extend(messages);
            all
        } else {
            messages
        };
        Ok(Precheck::Checked { inputs, messages })
    }

    /// Runs in the writer: applies every rule against the current state and emits the new row.
    /// Answers the id and version registered (or found already registered), or `Stale` when the
    /// precheck no longer holds.
    pub(crate) fn run(&self, tx: &mut Tx<'_>, precheck: &Precheck) -> Result<Outcome, ApiError> {
        let state = &*tx.state;
        let subject = self.subject.as_str();
        let mode = self.check_mode(state)?;
        self.check_references(state)?;
        let contract = self.contract(state, mode);
        let hash = contract.hash(self.schema_hash(state));
        let existing = dedup::find(tx.shared, state, &self.subject, hash);
        let s = state.subjects.get(subject);
        if let Some((id, version)) = self.already_registered(s, existing)? {
            return Ok(Outcome::Registered(id, version));
        }
        if mode != Mode::Import && !self.check_compatibility(state, &contract, precheck)? {
            return Ok(Outcome::Stale);
        }
        let number = self.choose_id(state, existing)?;
        // The subject's context, named in the table now that a record will carry it.
        let id = Sid::new(Ctx::of(subject), number);
        let version = match self.choose_version(s, id, mode)? {
            Chosen::New(version) => version,
            Chosen::Existing(version) => return Ok(Outcome::Registered(id, version)),
        };
        let (text, fresh) = self.stored_text(state, id);
        // As Confluent: the first schema of a context writes the context's record first.
        let q = schemata_core::context::Qualified::parse(subject);
        let new_context = !q.is_default() && !state.has_context_record(q.context);
        if new_context {
            let context = q.context.to_owned();
            tx.emit(schemata_core::records::Record {
                key: schemata_core::records::RecordKey::context(context.clone()),
                value: Some(schemata_core::records::RecordValue::Context(
                    schemata_core::records::ContextValue {
                        tenant: schemata_core::records::DEFAULT_TENANT.into(),
                        context,
                    },
                )),
            });
        }
        let record = schema_record(
            subject,
            version,
            id.id,
            self.schema.schema_type(),
            self.schema.references(),
            &contract,
            text,
            false,
        );
        tx.emit(record);
        self.index(tx, hash, id, fresh);
        Ok(Outcome::Registered(id, version))
    }

    /// Read-only refuses; explicit ids only while importing, and only explicit ids then (as
    /// Confluent). Answers the mode in force.
    fn check_mode(&self, state: &RegistryState) -> Result<Mode, ApiError> {
        let subject = &self.subject;
        let mode = state.mode(subject);
        if mode == Mode::ReadOnly {
            return Err(ApiError::NotPermitted(state.read_only_message(subject)));
        }
        // Only an explicit id needs IMPORT; an explicit version outside it must be the next one
        // (`choose_version`), as Confluent.
        if self.wanted_id.is_some() && mode != Mode::Import {
            return Err(ApiError::NotPermitted(format!("Subject {subject} is not in import mode")));
        }
        if self.wanted_id.is_none() && mode == Mode::Import {
            return Err(ApiError::NotPermitted(format!(
                "Subject {subject} is not in read-write mode"
            )));
        }
        Ok(mode)
    }

    /// Every reference must still exist: it may have been deleted since the schema was parsed.
    fn check_references(&self, state: &RegistryState) -> Result<(), ApiError> {
        for reference in self.schema.references() {
            if state.referenced(&self.subject, reference).is_none() {
                return Err(ApiError::InvalidSchema(format!(
                    "Invalid schema: reference '{}' to subject '{}' version {} was not found",
                    reference.name, reference.subject, reference.version
                )));
            }
        }
        Ok(())
    }

    /// Registering what the subject already has answers it, without a compatibility check (as
    /// Confluent); with an explicit id that differs, it is refused.
    fn already_registered(
        &self,
        s: Option<&SubjectState>,
        existing: Option<Sid>,
    ) -> Result<Option<(Sid, Version)>, ApiError> {
        let (Some(existing), Some(s)) = (existing, s) else { return Ok(None) };
        let Some((version, _)) = s.live().rev().find(|(_, row)| row.id == existing) else {
            return Ok(None);
        };
        if self.wanted_id.is_some_and(|id| id != existing.id) {
            return Err(id_taken(self.wanted_id, existing.id));
        }
        Ok(Some((existing, version)))
    }

    /// The subject's level and JSON policy, against its live versions (newest first): the
    /// precheck's verdict, if its inputs are still the subject's. False: they are not (stale).
    fn check_compatibility(
        &self,
        state: &RegistryState,
        contract: &Contract,
        precheck: &Precheck,
    ) -> Result<bool, ApiError> {
        let Precheck::Checked { inputs, messages } = precheck else { return Ok(false) };
        if *inputs != CheckInputs::of(state, &self.subject, contract) {
            return Ok(false);
        }
        if messages.is_empty() {
            return Ok(true);
        }
        Err(ApiError::Incompatible(format!(
            "Schema being registered is incompatible with an earlier schema for subject \"{}\", details: [{}]",
            self.subject,
            messages.join(", ")
        )))
    }

    /// The explicit id if free (or already this schema's), else the schema's existing id, else
    /// the next id.
    fn choose_id(
        &self,
        state: &RegistryState,
        existing: Option<Sid>,
    ) -> Result<SchemaId, ApiError> {
        // Ids are per context: a context no record named yet has none.
        let ctx = Ctx::find(&self.subject);
        let existing = existing.map(|sid| sid.id);
        match self.wanted_id {
            Some(wanted) => {
                let taken =
                    ctx.is_some_and(|ctx| state.schemas.contains_key(&Sid::new(ctx, wanted)));
                if taken && existing != Some(wanted) {
                    return Err(ApiError::IdMismatch(format!(
                        "Schema id {wanted} is already taken by a different schema"
                    )));
                }
                // One content, one id: a second id for the same schema would make which one a
                // later registration gets depend on history.
                if let Some(existing) = existing.filter(|e| *e != wanted) {
                    return Err(id_taken(Some(wanted), existing));
                }
                Ok(wanted)
            }
            None => match existing {
                Some(existing) => Ok(existing),
                None => SchemaId::new(i64::from(ctx.map_or(0, |ctx| state.max_id(ctx))) + 1)
                    .ok_or_else(|| ApiError::Store("schema ids are exhausted".into())),
            },
        }
    }

    /// The explicit version if free (or already this id, live), else the next version.
    fn choose_version(
        &self,
        s: Option<&SubjectState>,
        id: Sid,
        mode: Mode,
    ) -> Result<Chosen, ApiError> {
        let next = s.and_then(|s| s.versions.keys().next_back()).map_or(1, |v| i64::from(v.0) + 1);
        match self.wanted_version {
            Some(wanted) if mode != Mode::Import && i64::from(wanted.0) != next => {
                Err(ApiError::InvalidSchema("Version is not one more than previous version".into()))
            }
            Some(wanted) => {
                if let Some(row) = s.and_then(|s| s.versions.get(&wanted)) {
                    if row.id == id && !row.deleted {
                        return Ok(Chosen::Existing(wanted));
                    }
                    return Err(ApiError::IdMismatch(format!(
                        "Version {wanted} of subject '{}' already exists with id {}",
                        self.subject, row.id
                    )));
                }
                Ok(Chosen::New(wanted))
            }
            None => Version::new(next)
                .map(Chosen::New)
                .ok_or_else(|| ApiError::Store("versions of the subject are exhausted".into())),
        }
    }

    /// Whether this registration normalizes: asked by the request or the subject's config.
    fn normalizes(&self, state: &RegistryState) -> bool {
        self.normalize
            || state.effective_config(&self.subject).and_then(|c| c.normalize) == Some(true)
    }

    /// The schema's content hash for this registration: of its identity text, or of its
    /// normalized form when normalizing (the text a new id then stores). Only normalizing may
    /// merge spellings such as `{"type":["string"]}` and `{"type":"string"}` into one id, as in
    /// Confluent; for Avro and Protobuf the two hashes are the same.
    fn schema_hash(&self, state: &RegistryState) -> [u8; 32] {
        if self.normalizes(state) { self.schema.normalized_sha256() } else { self.schema.sha256() }
    }

    /// An id keeps the text it was first registered with, in every subject; a new id stores the
    /// text as Confluent would (`Schema::canonical_text`: for Avro as Java prints it), or
    /// normalized when asked (by the request or the subject's config). Also
    /// answers whether the text is the parsed schema's own (so the parse can be cached).
    fn stored_text(&self, state: &RegistryState, id: Sid) -> (String, bool) {
        if let Some(stored) = state.schemas.get(&id) {
            return (stored.text(), false);
        }
        if self.normalizes(state) {
            (self.schema.normalized().to_owned(), false)
        } else {
            // Confluent's canonical string: the parse is cached only when it is the text itself.
            let text = self.schema.canonical_text();
            let fresh = text == self.schema.text();
            (text.into_owned(), fresh)
        }
    }

    /// Keeps the dedup index in step, and the parse cached: the next registration in this
    /// subject checks against this one.
    fn index(&self, tx: &mut Tx<'_>, hash: ContentHash, id: Sid, fresh: bool) {
        tx.index_hash(hash, id);
        if fresh && let Some(stored) = tx.state.schemas.get(&id) {
            tx.shared.cache.put(id, stored.body.clone(), Arc::clone(&self.schema));
        }
    }
}

/// The version a registration gets: a new row, or an explicit version that already holds it.
enum Chosen {
    New(Version),
    Existing(Version),
}

fn id_taken(wanted: Option<SchemaId>, existing: SchemaId) -> ApiError {
    let wanted = wanted.map_or_else(String::new, |w| w.to_string());
    ApiError::IdMismatch(format!(
        "Schema already registered with id {existing} instead of input id {wanted}"
    ))
}
