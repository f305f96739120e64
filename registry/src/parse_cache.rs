//! The bounded cache of parsed stored schemas: compatibility checks and the dedup index parse
//! stored schemas again and again, and a parse costs far more than a lookup.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use schemata_core::{Budget, ParseError, Schema};

use crate::state::{RegistryState, Sid};

/// A bounded map from id to parsed schema. The stored body is kept next to each entry and
/// compared on hit, so an id that was deleted and re-imported with other text never hits a stale
/// parse.
#[derive(Debug)]
pub(crate) struct ParseCache {
    entries: Mutex<HashMap<Sid, (Bytes, Arc<Schema>)>>,
    capacity: usize,
}

impl ParseCache {
    pub(crate) fn new(capacity: usize) -> ParseCache {
        ParseCache { entries: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }

    fn get(&self, id: Sid, body: &Bytes) -> Option<Arc<Schema>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (cached_body, schema) = entries.get(&id)?;
        (cached_body == body).then(|| Arc::clone(schema))
    }

    pub(crate) fn put(&self, id: Sid, body: Bytes, schema: Arc<Schema>) {
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

    /// Parses a stored schema (through the cache), resolving its references from `state`.
    pub(crate) fn parsed(&self, state: &RegistryState, id: Sid) -> Result<Arc<Schema>, ParseError> {
        let Some(stored) = state.schemas.get(&id) else {
            return Err(ParseError::ReferenceNotFound {
                name: id.to_string(),
                subject: String::new(),
                version: 0,
            });
        };
        if let Some(schema) = self.get(id, &stored.body) {
            return Ok(schema);
        }
        let schema = Arc::new(Schema::parse_with_budget(
            stored.schema_type,
            &stored.text(),
            &stored.references,
            // References resolve in the schema's own context.
            &mut |r| state.referenced(&schemata_core::context::prefix(&id.ctx.name()), r),
            // Stored schemas were checked when registered; lower limits since then must not
            // make them unreadable.
            usize::MAX,
            &mut Budget::unlimited(),
        )?);
        self.put(id, stored.body.clone(), Arc::clone(&schema));
        Ok(schema)
    }
}
