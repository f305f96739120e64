//! The shared handle: what every request and the writer share. The registry state behind its
//! lock, the published by-id copy, the parse cache, the limits, the metrics and the storage
//! failure flag. The rules that act on the state live elsewhere (the `jobs`, `request`, `dedup`
//! and `compatibility` modules); this is only where the shared parts are kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::body::Bytes;
use schemata_core::SchemaId;

use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::parse_cache::ParseCache;
use crate::state::RegistryState;

/// What `GET /schemas/ids/{id}` serves: id → pre-serialized body, and the highest id. The
/// writer publishes here only after a batch is durable, under a lock held for microseconds, so
/// the hottest read never waits behind the state lock the writer holds through each fsync.
#[derive(Debug, Default)]
struct Published {
    bodies: RwLock<HashMap<SchemaId, Bytes>>,
    max_id: AtomicU32,
}

fn publish_all(published: &Published, state: &RegistryState) {
    let all: HashMap<SchemaId, Bytes> =
        state.schemas.iter().map(|(id, stored)| (*id, stored.body.clone())).collect();
    *published.bodies.write().unwrap_or_else(PoisonError::into_inner) = all;
    published.max_id.store(state.max_id, Ordering::Release);
}

/// Shared by handlers and the writer.
#[derive(Debug)]
pub(crate) struct Shared {
    state: RwLock<RegistryState>,
    published: Published,
    pub(crate) cache: ParseCache,
    pub(crate) limits: Limits,
    pub(crate) metrics: Metrics,
    /// Set when storage failed and could not be re-read: writes are refused, readiness fails.
    pub(crate) write_failed: AtomicBool,
}

impl Shared {
    pub(crate) fn new(state: RegistryState, limits: Limits) -> Shared {
        let published = Published::default();
        publish_all(&published, &state);
        Shared {
            state: RwLock::new(state),
            published,
            cache: ParseCache::new(limits.parsed_cache_len),
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
    pub(crate) fn publish(&self, state: &RegistryState, touched: Option<&[SchemaId]>) {
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

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, RegistryState> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn state_mut(&self) -> RwLockWriteGuard<'_, RegistryState> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}
