//! The dedup index: content hash (of the schema's identity text and its data contract) → id, so
//! that registering a schema that is already stored (in any subject) reuses its id, and lookups
//! find it. The identity is Confluent's: Avro and Protobuf by their normalized form, JSON Schema
//! by its canonical string (compact, keys as given), so only `normalize=true` (which hashes and
//! stores the normalized form) merges JSON spellings such as `{"type":["string"]}` and
//! `{"type":"string"}`. Nothing of it is stored: ids registered before keep theirs. Built on
//! first use, because it parses every stored schema and a cold start must not pay for that; the
//! server precomputes most of it in the background after replay.

use std::collections::HashMap;

use axum::body::Bytes;
use schemata_core::{Contract, Schema, SchemaType, api};

use crate::shared::Shared;
use crate::state::{ContentHash, Ctx, RegistryState, Sid};

/// The content-hash index, built on first use by parsing every stored schema: (context, hash)
/// → id, since each context is its own id space.
pub(crate) fn index<'s>(
    shared: &Shared,
    state: &'s RegistryState,
) -> &'s HashMap<(Ctx, ContentHash), Sid> {
    index_with(shared, state, &HashMap::new())
}

/// The id of the schema with content `hash` in `subject`'s context, if stored there.
pub(crate) fn find(
    shared: &Shared,
    state: &RegistryState,
    subject: &str,
    hash: ContentHash,
) -> Option<Sid> {
    let ctx = Ctx::find(subject)?;
    index(shared, state).get(&(ctx, hash)).copied()
}

/// As `index`, taking hashes computed earlier (off the lock) for ids whose body is still the
/// same; only the rest is parsed here.
pub(crate) fn index_with<'s>(
    shared: &Shared,
    state: &'s RegistryState,
    precomputed: &HashMap<Sid, (Bytes, ContentHash)>,
) -> &'s HashMap<(Ctx, ContentHash), Sid> {
    state.dedup(|state| {
        let started = std::time::Instant::now();
        let mut index = HashMap::with_capacity(state.schemas.len());
        // Ascending ids, so that if two stored ids have the same content the first wins.
        let mut ids: Vec<Sid> = state.schemas.keys().copied().collect();
        ids.sort_unstable();
        let mut parsed = 0usize;
        for id in ids {
            let reused = precomputed.get(&id).filter(|(body, _)| {
                state.schemas.get(&id).is_some_and(|stored| stored.body == *body)
            });
            if let Some((_, hash)) = reused {
                index.entry((id.ctx, *hash)).or_insert(id);
                continue;
            }
            parsed += 1;
            match shared.cache.parsed(state, id) {
                Ok(schema) => {
                    let contract = state.schemas.get(&id).map(|s| s.contract());
                    let hash =
                        contract.map_or_else(|| schema.sha256(), |c| c.hash(schema.sha256()));
                    index.entry((id.ctx, hash)).or_insert(id);
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

/// Hashes every stored schema that has no references, from a snapshot taken under a brief read
/// lock; the parsing happens with no lock held.
pub(crate) fn precompute_hashes(shared: &Shared) -> HashMap<Sid, (Bytes, ContentHash)> {
    let snapshot: Vec<(Sid, SchemaType, Bytes)> = {
        let state = shared.read();
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
            let contract = Contract { metadata: by_id.metadata, rule_set: by_id.rule_set };
            hashes.insert(id, (body, contract.hash(schema.sha256())));
        }
    }
    hashes
}
